/* vo/votable.c - streaming VOTable reader on top of vo/xml.c.
 *
 * One pass over SAX events.  Metadata elements of interest are re-serialized
 * as they stream by (a small "capture" serializer); data cells are turned
 * into canonical text at once and handed over row by row.  BINARY/BINARY2
 * streams are base64-decoded incrementally into a buffer that never holds
 * more than the row being assembled plus one decoded slice, and rows are
 * framed incrementally, so a row may be split anywhere between chunks.
 */
#include "votable.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "xml.h"

#define MAX_META ((size_t)16 << 20)       /* all captured metadata together */
#define MAX_META_RES ((size_t)1 << 20)    /* RESOURCE type="meta", re-serialized */
#define MAX_STATUS_MSG ((size_t)64 << 10) /* longer messages are cut */
#define ROW_CAP (4 * VO_VOT_MAX_CELL)     /* one row, raw or as text */
#define B64_SLICE ((size_t)64 << 10)      /* decode this much, then frame */

enum tstate { T_NONE, T_IN, T_DATA, T_DONE };
enum dmode { D_NONE, D_TABLEDATA, D_BINARY, D_BINARY2 };

/* How one FIELD is decoded, derived from datatype/arraysize/VALUES. */
struct fx {
	size_t esize;      /* bytes per element; 0 for bit (packed) */
	uint64_t count;    /* fixed elements, or elements per step of the
			    * variable last dimension */
	size_t width;      /* char types, multi-dimensional: elements per
			    * string; 0 = the cell is one string */
	int variable, scalar, ischar;
	int has_null_i, has_null_f;
	int64_t null_i;
	double null_f;
};

struct cellpos {
	size_t off, len;
	int null;
};

/* Re-serializes one element subtree into out. */
struct capture {
	struct vo_buf *out;
	int depth;         /* depth of the captured element, 0 = idle */
	int open;          /* start tag written without its '>' yet */
	struct vo_buf text;
};

struct b64 {
	uint32_t acc;
	int n, pad, done;
};

struct res {
	int depth, meta;
};

struct vo_votable {
	struct vo_votable_cb cb;
	struct vo_err *err;
	struct vo_xml *x;
	int depth, skip_depth;
	struct res res[VO_XML_MAX_DEPTH + 2];
	int nres;
	int cand_res_depth;   /* RESOURCE whose INFOs go to resource_xml */
	enum tstate ts;
	int table_depth, data_depth;
	int has_table, meta_sent;

	/* metadata */
	struct vo_field *fields;
	struct fx *fx;
	size_t nfields, falloc;
	int field_depth, desc_depth;
	struct vo_buf desc, fieldxml, table_xml, top_xml, res_xml, res_all;
	size_t meta_used;
	struct capture cap;
	/* every RESOURCE type="meta" (DataLink service descriptors) */
	struct capture mcap;
	struct vo_buf meta_res;

	/* QUERY_STATUS */
	char *status;
	struct vo_buf status_msg;
	int status_depth;

	/* data */
	enum dmode dm;
	int stream_depth, tr_depth, td_depth, td_b64;
	size_t td_index;
	struct vo_buf td, tdbin, rowtxt;
	struct cellpos *cpos;
	struct vo_cell *cells;
	size_t nrows;

	/* binary stream: bin[bin_off..] holds the row being assembled */
	struct vo_buf bin;
	size_t bin_off;
	struct b64 b64;
	size_t fr_field, fr_pos;
	int fr_started;
	size_t *fstart;
	uint64_t *fnelem;
	size_t astral_row;    /* first row with a surrogate pair in a variable
			       * unicodeChar: a hint when framing fails later */
	/* TABLEDATA cells of numeric fields that held no number ("null",
	 * "-": IRSA Gator): read as null, counted, logged once per table */
	size_t bad_cells;
	char bad_field[64], bad_token[32];
};

/* ------------------------------------------------------------ helpers */

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int all_ws(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_ws(s[i]))
			return 0;
	return 1;
}

static const char *fname(const struct vo_field *f)
{
	return f->name ? f->name : f->id ? f->id : "?";
}

static int too_big(struct vo_votable *v, const char *what)
{
	return vo_err_set(v->err, EFBIG, "VOTable: %s", what);
}

/* GAVO DaCHS 2.7 writes the length of a variable unicodeChar in code
 * points, not UTF-16 units: a character outside the BMP then shifts the
 * rest of the stream.  Say so when framing fails after such a cell. */
static const char *astral_hint(const struct vo_votable *v, char *buf, size_t n)
{
	if (!v->astral_row)
		return "";
	snprintf(buf, n, " (row %zu had a unicodeChar outside the BMP: the server "
		 "may count characters instead of UTF-16 units in length prefixes)",
		 v->astral_row);
	return buf;
}

/* Metadata of all kinds shares one budget. */
static int meta_account(struct vo_votable *v, size_t n)
{
	v->meta_used += n;
	if (v->meta_used > MAX_META)
		return too_big(v, "metadata larger than 16 MiB");
	return 0;
}

static int meta_strdup(struct vo_votable *v, char **dst, const char *s)
{
	size_t n;

	if (!s || *dst)
		return 0;
	n = strlen(s);
	if (meta_account(v, n + 1))
		return -EFBIG;
	*dst = malloc(n + 1);
	if (!*dst)
		return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
	memcpy(*dst, s, n + 1);
	return 0;
}

/* An append to a capped buffer failed: say which limit it was. */
static int buf_fail(struct vo_votable *v, const struct vo_buf *b, int rc,
		    const char *what)
{
	if (rc == -ENOMEM && b->cap && b->len > b->cap / 2)
		return too_big(v, what);
	return vo_err_set(v->err, -rc, "VOTable: out of memory");
}

static void trim_buf(struct vo_buf *b)
{
	size_t s = 0, e = b->len;

	if (!b->p)
		return;
	while (s < e && is_ws(b->p[s]))
		s++;
	while (e > s && is_ws(b->p[e - 1]))
		e--;
	memmove(b->p, b->p + s, e - s);
	b->len = e - s;
	b->p[b->len] = '\0';
}

/* ------------------------------------------------------------ capture */

/* Two captures may run at once: v->cap for the pieces of metadata kept in
 * the table's meta (one element at a time, all sharing the MAX_META
 * budget), and v->mcap for a whole RESOURCE type="meta", which runs
 * alongside everything else and has a budget of its own. */
static int cap_add(struct vo_votable *v, struct capture *c, const char *s,
		   size_t n, int esc, int attr)
{
	struct vo_buf *b = c->out;
	size_t before = b->len;
	int rc = esc ? vo_xml_escape(b, s, n, attr) : vo_buf_add(b, s, n);

	if (c == &v->mcap) {
		if (rc)
			return vo_err_set(v->err, -rc, "VOTable: out of memory");
		if (b->len > MAX_META_RES)
			return too_big(v, "RESOURCE type=\"meta\" elements larger than 1 MiB");
		return 0;
	}
	if (rc)
		return buf_fail(v, b, rc, "metadata larger than 16 MiB");
	return meta_account(v, b->len - before);
}

static int cap_flush_text(struct vo_votable *v, struct capture *c)
{
	struct vo_buf *t = &c->text;
	int rc = 0;

	if (t->len && !all_ws(t->p, t->len))
		rc = cap_add(v, c, t->p, t->len, 1, 0);
	vo_buf_reset(t);
	return rc;
}

static int cap_open_tag(struct vo_votable *v, struct capture *c,
			const char *name, const struct vo_xml_attr *a, size_t n)
{
	size_t i, j;
	int rc;

	if ((rc = cap_flush_text(v, c)))
		return rc;
	if (c->open && (rc = cap_add(v, c, ">", 1, 0, 0)))
		return rc;
	if ((rc = cap_add(v, c, "<", 1, 0, 0)) ||
	    (rc = cap_add(v, c, name, strlen(name), 0, 0)))
		return rc;
	for (i = 0; i < n; i++) {
		/* prefixes are stripped: "xsi:type" and "type" would clash */
		for (j = 0; j < i; j++)
			if (!strcmp(a[j].name, a[i].name))
				break;
		if (j < i)
			continue;
		if ((rc = cap_add(v, c, " ", 1, 0, 0)) ||
		    (rc = cap_add(v, c, a[i].name, strlen(a[i].name), 0, 0)) ||
		    (rc = cap_add(v, c, "=\"", 2, 0, 0)) ||
		    (rc = cap_add(v, c, a[i].value, strlen(a[i].value), 1, 1)) ||
		    (rc = cap_add(v, c, "\"", 1, 0, 0)))
			return rc;
	}
	c->open = 1;
	return 0;
}

static int cap_close_tag(struct vo_votable *v, struct capture *c,
			 const char *name)
{
	struct vo_buf *t = &c->text;
	int rc;

	if (c->open && (!t->len || all_ws(t->p, t->len))) {
		vo_buf_reset(t);
		c->open = 0;
		return cap_add(v, c, "/>", 2, 0, 0);
	}
	if (c->open && (rc = cap_add(v, c, ">", 1, 0, 0)))
		return rc;
	c->open = 0;
	if ((rc = cap_flush_text(v, c)) ||
	    (rc = cap_add(v, c, "</", 2, 0, 0)) ||
	    (rc = cap_add(v, c, name, strlen(name), 0, 0)))
		return rc;
	return cap_add(v, c, ">", 1, 0, 0);
}

static int cap_begin_in(struct vo_votable *v, struct capture *c,
			struct vo_buf *out, const char *name,
			const struct vo_xml_attr *a, size_t n)
{
	c->out = out;
	c->depth = v->depth;
	c->open = 0;
	vo_buf_reset(&c->text);
	return cap_open_tag(v, c, name, a, n);
}

static int cap_begin(struct vo_votable *v, struct vo_buf *out,
		     const char *name, const struct vo_xml_attr *a, size_t n)
{
	return cap_begin_in(v, &v->cap, out, name, a, n);
}

/* ------------------------------------------------------------ FIELD plan */

static const struct {
	const char *name;
	enum vo_dtype type;
	size_t esize;
} dtypes[] = {
	{"boolean", VO_T_BOOLEAN, 1}, {"bit", VO_T_BIT, 0},
	{"unsignedByte", VO_T_UBYTE, 1}, {"short", VO_T_SHORT, 2},
	{"int", VO_T_INT, 4}, {"long", VO_T_LONG, 8},
	{"char", VO_T_CHAR, 1}, {"unicodeChar", VO_T_UNICODE, 2},
	{"float", VO_T_FLOAT, 4}, {"double", VO_T_DOUBLE, 8},
	{"floatComplex", VO_T_FCOMPLEX, 8},
	{"doubleComplex", VO_T_DCOMPLEX, 16},
};

static int is_int_type(enum vo_dtype t)
{
	return t == VO_T_UBYTE || t == VO_T_SHORT || t == VO_T_INT ||
	       t == VO_T_LONG;
}

static int is_float_type(enum vo_dtype t)
{
	return t == VO_T_FLOAT || t == VO_T_DOUBLE;
}

static int is_complex_type(enum vo_dtype t)
{
	return t == VO_T_FCOMPLEX || t == VO_T_DCOMPLEX;
}

static uint64_t cell_bytes(const struct fx *x, uint64_t nelem)
{
	return x->esize ? nelem * x->esize : (nelem + 7) / 8;
}

/* Integer text in TABLEDATA form: decimal with optional sign, or 0x hex
 * (two's complement of the type's width).  0 when it does not fit. */
static int parse_int(const char *s, size_t n, enum vo_dtype t, int64_t *out)
{
	unsigned bits = t == VO_T_UBYTE ? 8 : t == VO_T_SHORT ? 16 :
			t == VO_T_INT ? 32 : 64;
	uint64_t u = 0, lim;
	size_t i = 0;
	int neg = 0;

	if (n && (s[0] == '+' || s[0] == '-')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (!neg && i == 0 && n > 2 && s[0] == '0' && (s[1] | 0x20) == 'x') {
		if (n - 2 > bits / 4)
			return 0;
		for (i = 2; i < n; i++) {
			char c = s[i];
			unsigned d;

			if (c >= '0' && c <= '9')
				d = (unsigned)(c - '0');
			else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
				d = (unsigned)((c | 0x20) - 'a' + 10);
			else
				return 0;
			u = u << 4 | d;
		}
		if (t == VO_T_UBYTE)
			*out = (int64_t)u;
		else if (bits < 64 && u >= (UINT64_C(1) << (bits - 1)))
			*out = (int64_t)u - (INT64_C(1) << bits);
		else
			*out = (int64_t)u;
		return 1;
	}
	if (i == n)
		return 0;
	for (; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		if (u > (UINT64_MAX - 9) / 10)
			return 0;
		u = u * 10 + (uint64_t)(s[i] - '0');
	}
	if (t == VO_T_UBYTE) {
		if (u > 255 || (neg && u))
			return 0;
		*out = (int64_t)u;
		return 1;
	}
	lim = UINT64_C(1) << (bits - 1);   /* |min| */
	if (neg ? u > lim : u >= lim)
		return 0;
	*out = neg ? (int64_t)(0 - u) : (int64_t)u;
	return 1;
}

static int parse_arraysize(struct vo_votable *v, const struct vo_field *f,
			   struct fx *x)
{
	const char *s = f->arraysize;
	uint64_t count = 1, first = 0;
	int ndims = 0;

	x->count = 1;
	x->variable = 0;
	x->width = 0;
	while (s && is_ws(*s))
		s++;
	if (!s || !*s) {
		x->scalar = 1;
		return 0;
	}
	for (;;) {
		uint64_t d = 0;
		int digits = 0, star = 0;

		while (*s >= '0' && *s <= '9') {
			d = d * 10 + (uint64_t)(*s++ - '0');
			digits++;
			if (d > VO_VOT_MAX_CELL * 8)
				return too_big(v, "arraysize too large");
		}
		if (*s == '*') {
			star = 1;
			s++;
		}
		while (is_ws(*s))
			s++;
		if ((!digits && !star) || (digits && !star && d == 0))
			goto bad;
		ndims++;
		if (star) {
			if (*s)
				goto bad;   /* only the last dimension varies */
			x->variable = 1;
		} else {
			count *= d;
			if (count > VO_VOT_MAX_CELL * 8)
				return too_big(v, "arraysize too large");
		}
		if (ndims == 1)
			first = star ? 0 : d;
		if (!*s)
			break;
		if (*s != 'x')
			goto bad;
		s++;
		while (is_ws(*s))
			s++;
	}
	x->count = count;
	if (ndims >= 2 && first)
		x->width = (size_t)first;
	x->scalar = !x->variable && count == 1;
	return 0;
bad:
	return vo_err_set(v->err, EBADMSG, "VOTable: FIELD '%s': bad arraysize '%s'",
			  fname(f), f->arraysize);
}

static int plan_field(struct vo_votable *v, struct vo_field *f, struct fx *x)
{
	char dt[32];
	const char *s = f->datatype;
	size_t i, n;
	int rc;

	if (!s)
		return vo_err_set(v->err, EBADMSG, "VOTable: FIELD '%s' has no datatype",
				  fname(f));
	while (is_ws(*s))
		s++;
	n = strlen(s);
	while (n && is_ws(s[n - 1]))
		n--;
	if (n >= sizeof dt)
		n = sizeof dt - 1;
	memcpy(dt, s, n);
	dt[n] = '\0';
	for (i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
		if (!strcmp(dt, dtypes[i].name))
			break;
	if (i == sizeof dtypes / sizeof dtypes[0])
		return vo_err_set(v->err, EBADMSG,
				  "VOTable: FIELD '%s': unknown datatype '%s'",
				  fname(f), f->datatype);
	f->type = dtypes[i].type;
	x->esize = dtypes[i].esize;
	x->ischar = f->type == VO_T_CHAR || f->type == VO_T_UNICODE;
	if ((rc = parse_arraysize(v, f, x)))
		return rc;
	if (cell_bytes(x, x->count) > VO_VOT_MAX_CELL)
		return too_big(v, "fixed arraysize larger than the cell limit");
	f->count = (size_t)x->count;
	f->variable = x->variable;
	if (f->null_value) {
		const char *p = f->null_value;
		size_t len;

		while (is_ws(*p))
			p++;
		len = strlen(p);
		while (len && is_ws(p[len - 1]))
			len--;
		if (is_int_type(f->type))
			x->has_null_i = parse_int(p, len, f->type, &x->null_i);
		else if (is_float_type(f->type) && len) {
			char *end;

			x->null_f = strtod(p, &end);
			x->has_null_f = end != p && !isnan(x->null_f);
		}
	}
	return 0;
}

/* ------------------------------------------------------------ cell text */

/* Length of a valid UTF-8 sequence at p (n bytes available), else 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	uint32_t cp;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

static int add_cp(struct vo_buf *b, uint32_t cp)
{
	char u[4];

	if (cp < 0x80)
		return vo_buf_addc(b, (char)cp);
	if (cp < 0x800) {
		u[0] = (char)(0xc0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3f));
		return vo_buf_add(b, u, 2);
	}
	if (cp < 0x10000) {
		u[0] = (char)(0xe0 | cp >> 12);
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		return vo_buf_add(b, u, 3);
	}
	u[0] = (char)(0xf0 | cp >> 18);
	u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	u[3] = (char)(0x80 | (cp & 0x3f));
	return vo_buf_add(b, u, 4);
}

/* char bytes from a binary stream: UTF-8 as the standard says, but bytes
 * that are not valid UTF-8 are taken as Latin-1 (older services send it). */
static int add_utf8(struct vo_buf *b, const unsigned char *p, size_t n)
{
	size_t i = 0, start = 0, l;
	int rc;

	while (i < n) {
		l = utf8_len(p + i, n - i);
		if (l) {
			i += l;
			continue;
		}
		if ((rc = vo_buf_add(b, p + start, i - start)) ||
		    (rc = add_cp(b, p[i])))
			return rc;
		start = ++i;
	}
	return vo_buf_add(b, p + start, n - start);
}

static int add_spaces(struct vo_buf *b, size_t n)
{
	int rc = 0;

	while (n-- && !rc)
		rc = vo_buf_addc(b, ' ');
	return rc;
}

/* Strings end at the first NUL; in a multi-dimensional char array each
 * string does, and all but the last keep their fixed width (space padded)
 * so the cell stays one piece of text. */
static int add_chars(struct vo_buf *b, const struct fx *x,
		     const unsigned char *p, size_t n)
{
	size_t w = x->width && x->width < n ? x->width : n, off;
	int rc = 0;

	for (off = 0; off < n && !rc; off += w) {
		size_t len = off + w <= n ? w : n - off;
		const unsigned char *z = memchr(p + off, 0, len);
		size_t l = z ? (size_t)(z - (p + off)) : len;

		rc = add_utf8(b, p + off, l);
		if (!rc && off + len < n)
			rc = add_spaces(b, len - l);
	}
	return rc;
}

/* unicodeChar: UCS-2 big-endian; surrogate pairs are decoded too, lone
 * surrogates become U+FFFD. */
static int add_ucs2(struct vo_buf *b, const struct fx *x,
		    const unsigned char *p, size_t n, int *pairs)
{
	size_t w = x->width && x->width < n ? x->width : n, off, i;
	int rc = 0;

	for (off = 0; off < n && !rc; off += w) {
		size_t len = off + w <= n ? w : n - off;

		for (i = 0; i < len && !rc; i++) {
			uint32_t u = (uint32_t)p[2 * (off + i)] << 8 |
				     p[2 * (off + i) + 1];

			if (!u)
				break;
			if (u >= 0xd800 && u <= 0xdbff && i + 1 < len) {
				uint32_t lo = (uint32_t)p[2 * (off + i + 1)] << 8 |
					      p[2 * (off + i + 1) + 1];

				if (lo >= 0xdc00 && lo <= 0xdfff) {
					u = 0x10000 + ((u - 0xd800) << 10) +
					    (lo - 0xdc00);
					i++;
					*pairs = 1;
				} else {
					u = 0xfffd;
				}
			} else if (u >= 0xd800 && u <= 0xdfff) {
				u = 0xfffd;
			}
			rc = add_cp(b, u);
		}
		if (!rc && off + len < n)
			rc = add_spaces(b, len - i);
	}
	return rc;
}

static int add_i64(struct vo_buf *b, int64_t val)
{
	char t[24];
	char *e = t + sizeof t, *s = e;
	uint64_t u = val < 0 ? 0 - (uint64_t)val : (uint64_t)val;

	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (val < 0)
		*--s = '-';
	return vo_buf_add(b, s, (size_t)(e - s));
}

static int add_f32(struct vo_buf *b, float f)
{
	char t[40];
	int n = vo_fmt_float(t, sizeof t, f);

	return n < 0 ? n : vo_buf_add(b, t, (size_t)n);
}

static int add_f64(struct vo_buf *b, double d)
{
	char t[40];
	int n = vo_fmt_double(t, sizeof t, d);

	return n < 0 ? n : vo_buf_add(b, t, (size_t)n);
}

static uint16_t be16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const unsigned char *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static float bef32(const unsigned char *p)
{
	uint32_t u = be32(p);
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

static double bef64(const unsigned char *p)
{
	uint64_t u = be64(p);
	double d;

	memcpy(&d, &u, sizeof d);
	return d;
}

static int str_is_null(const struct vo_field *f, const char *s, size_t n)
{
	return f->null_value && strlen(f->null_value) == n &&
	       !memcmp(f->null_value, s, n);
}

/* Binary cell -> canonical text appended to v->rowtxt. */
static int bin_cell(struct vo_votable *v, size_t fi, const unsigned char *p,
		    uint64_t nelem, int *null)
{
	const struct vo_field *f = &v->fields[fi];
	const struct fx *x = &v->fx[fi];
	struct vo_buf *b = &v->rowtxt;
	size_t start = b->len;
	uint64_t k;
	int rc = 0, nans = 0;

	*null = 0;
	switch (f->type) {
	case VO_T_BOOLEAN:
		for (k = 0; k < nelem && !rc; k++) {
			char c = (char)p[k];
			char o = c == 'T' || c == 't' || c == '1' ? 'T' :
				 c == 'F' || c == 'f' || c == '0' ? 'F' : '?';

			if (o == '?' && x->scalar)
				*null = 1;
			if (k)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = vo_buf_addc(b, o);
		}
		break;
	case VO_T_BIT:
		if (x->scalar && nelem == 1) {
			/* any set bit: the standard packs MSB first, astropy
			 * writes 0x08; both mean 1 */
			rc = vo_buf_addc(b, p[0] ? '1' : '0');
			break;
		}
		for (k = 0; k < nelem && !rc; k++) {
			int bit = p[k / 8] >> (7 - k % 8) & 1;

			if (k)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = vo_buf_addc(b, bit ? '1' : '0');
		}
		break;
	case VO_T_UBYTE:
	case VO_T_SHORT:
	case VO_T_INT:
	case VO_T_LONG:
		for (k = 0; k < nelem && !rc; k++) {
			int64_t val;

			switch (f->type) {
			case VO_T_UBYTE: val = p[k]; break;
			case VO_T_SHORT: val = (int16_t)be16(p + 2 * k); break;
			case VO_T_INT: val = (int32_t)be32(p + 4 * k); break;
			default: val = (int64_t)be64(p + 8 * k); break;
			}
			if (x->scalar && x->has_null_i && val == x->null_i)
				*null = 1;
			if (k)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = add_i64(b, val);
		}
		break;
	case VO_T_FLOAT:
	case VO_T_FCOMPLEX:
		for (k = 0; k < nelem * (f->type == VO_T_FCOMPLEX ? 2 : 1) && !rc; k++) {
			float val = bef32(p + 4 * k);

			nans += isnan(val) != 0;
			if (x->scalar && x->has_null_f && val == x->null_f)
				*null = 1;
			if (k)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = add_f32(b, val);
		}
		break;
	case VO_T_DOUBLE:
	case VO_T_DCOMPLEX:
		for (k = 0; k < nelem * (f->type == VO_T_DCOMPLEX ? 2 : 1) && !rc; k++) {
			double val = bef64(p + 8 * k);

			nans += isnan(val) != 0;
			if (x->scalar && x->has_null_f && val == x->null_f)
				*null = 1;
			if (k)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = add_f64(b, val);
		}
		break;
	case VO_T_CHAR:
		rc = add_chars(b, x, p, (size_t)nelem);
		break;
	case VO_T_UNICODE: {
		int pairs = 0;

		rc = add_ucs2(b, x, p, (size_t)nelem, &pairs);
		if (pairs && x->variable && !v->astral_row)
			v->astral_row = v->nrows + 1;
		break;
	}
	}
	if (rc)
		return buf_fail(v, b, rc, "row larger than 64 MiB");
	if (x->scalar && nans && nans == (is_complex_type(f->type) ? 2 : 1))
		*null = 1;
	if (x->ischar && str_is_null(f, b->p + start, b->len - start))
		*null = 1;
	if (b->len - start > VO_VOT_MAX_CELL)
		return vo_err_set(v->err, EFBIG,
				  "VOTable: row %zu, field '%s': cell larger than %zu bytes",
				  v->nrows + 1, fname(f), (size_t)VO_VOT_MAX_CELL);
	if (*null) {
		b->len = start;
		b->p[start] = '\0';
	}
	return 0;
}

/* One TABLEDATA number/boolean token -> canonical text.  A token that is
 * no number of a numeric type adds nothing and counts in *bad (NaN and Inf
 * are floats, not integers). */
static int td_token(struct vo_buf *b, const struct fx *x, enum vo_dtype t,
		    const char *s, size_t n, int *isnull, int *isnan_, int *bad)
{
	char tmp[64];
	int64_t iv;
	size_t i;
	int rc = 0;

	switch (t) {
	case VO_T_BOOLEAN:
		if (n == 1 || (n == 4 && !strncasecmp(s, "true", 4)) ||
		    (n == 5 && !strncasecmp(s, "false", 5))) {
			char c = s[0] == 't' || s[0] == 'T' || s[0] == '1' ? 'T' :
				 s[0] == 'f' || s[0] == 'F' || s[0] == '0' ? 'F' : '?';

			if (n == 1 && c == '?' && s[0] != '?' && s[0] != ' ')
				return vo_buf_add(b, s, n);
			*isnull = c == '?';
			return vo_buf_addc(b, c);
		}
		/* "TFT?": one character per element */
		for (i = 0; i < n; i++)
			if (!strchr("TtFf01?", s[i]))
				return vo_buf_add(b, s, n);
		for (i = 0; i < n && !rc; i++) {
			int dummy = 0;

			if (i)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = td_token(b, x, t, s + i, 1, &dummy, NULL, NULL);
		}
		return rc;
	case VO_T_BIT:
		for (i = 0; i < n; i++)
			if (s[i] != '0' && s[i] != '1')
				return vo_buf_add(b, s, n);
		for (i = 0; i < n && !rc; i++) {
			if (i)
				rc = vo_buf_addc(b, ' ');
			if (!rc)
				rc = vo_buf_addc(b, s[i]);
		}
		return rc;
	case VO_T_UBYTE:
	case VO_T_SHORT:
	case VO_T_INT:
	case VO_T_LONG:
		if (!parse_int(s, n, t, &iv)) {
			(*bad)++;
			return 0;
		}
		if (x->has_null_i && iv == x->null_i)
			*isnull = 1;
		return add_i64(b, iv);
	default: {
		char *end;

		if (n >= sizeof tmp) {
			(*bad)++;
			return 0;
		}
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (t == VO_T_FLOAT || t == VO_T_FCOMPLEX) {
			float f = strtof(tmp, &end);

			if (end != tmp + n) {
				(*bad)++;
				return 0;
			}
			if (isnan(f))
				(*isnan_)++;
			else if (x->has_null_f && f == x->null_f)
				*isnull = 1;
			return add_f32(b, f);
		} else {
			double d = strtod(tmp, &end);

			if (end != tmp + n) {
				(*bad)++;
				return 0;
			}
			if (isnan(d))
				(*isnan_)++;
			else if (x->has_null_f && d == x->null_f)
				*isnull = 1;
			return add_f64(b, d);
		}
	}
	}
}

static int b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode base64 text into out; state carries a partial quad across calls.
 * -EBADMSG on a bad character or data after the padding. */
static int b64_run(struct b64 *st, const char *s, size_t n, struct vo_buf *out)
{
	unsigned char o[4096];
	size_t no = 0, i;
	int rc;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int d;

		if (is_ws((char)c))
			continue;
		if (no > sizeof o - 3) {
			if ((rc = vo_buf_add(out, o, no)))
				return rc;
			no = 0;
		}
		if (c == '=') {
			if (st->n < 2 || st->done)
				return -EBADMSG;
			st->pad++;
			if (st->n + st->pad == 4) {
				if (st->n == 2) {
					o[no++] = (unsigned char)(st->acc >> 4);
				} else {
					o[no++] = (unsigned char)(st->acc >> 10);
					o[no++] = (unsigned char)(st->acc >> 2);
				}
				st->n = st->pad = 0;
				st->acc = 0;
				st->done = 1;
			}
			continue;
		}
		d = b64_val(c);
		if (d < 0 || st->pad || st->done)
			return -EBADMSG;
		st->acc = st->acc << 6 | (uint32_t)d;
		if (++st->n == 4) {
			o[no++] = (unsigned char)(st->acc >> 16);
			o[no++] = (unsigned char)(st->acc >> 8);
			o[no++] = (unsigned char)st->acc;
			st->n = 0;
			st->acc = 0;
		}
	}
	return no ? vo_buf_add(out, o, no) : 0;
}

/* End of base64 text: accept a final quad without padding. */
static int b64_end(struct b64 *st, struct vo_buf *out)
{
	unsigned char o[2];

	if (st->pad || st->n == 1)
		return -EBADMSG;
	if (st->n == 2) {
		o[0] = (unsigned char)(st->acc >> 4);
		return vo_buf_add(out, o, 1);
	}
	if (st->n == 3) {
		o[0] = (unsigned char)(st->acc >> 10);
		o[1] = (unsigned char)(st->acc >> 2);
		return vo_buf_add(out, o, 2);
	}
	return 0;
}

/* TD encoding="base64": the cell's binary form, without a length prefix. */
static int td_b64_cell(struct vo_votable *v, size_t fi, const char *s,
		       size_t n, int *null)
{
	const struct fx *x = &v->fx[fi];
	struct b64 st = {0, 0, 0, 0};
	uint64_t nelem, slice;
	int rc;

	vo_buf_reset(&v->tdbin);
	rc = b64_run(&st, s, n, &v->tdbin);
	if (!rc)
		rc = b64_end(&st, &v->tdbin);
	if (rc == -EBADMSG)
		return vo_err_set(v->err, EBADMSG, "VOTable: row %zu: bad base64 in TD",
				  v->nrows + 1);
	if (rc)
		return buf_fail(v, &v->tdbin, rc, "cell too large");
	if (x->variable) {
		slice = x->esize ? x->count * x->esize : 0;
		nelem = slice ? v->tdbin.len / slice * x->count :
				(uint64_t)v->tdbin.len * 8;
	} else {
		nelem = x->count;
	}
	if (cell_bytes(x, nelem) > v->tdbin.len)
		return vo_err_set(v->err, EBADMSG,
				  "VOTable: row %zu, field '%s': base64 TD too short",
				  v->nrows + 1, fname(&v->fields[fi]));
	return bin_cell(v, fi, v->tdbin.len ? (const unsigned char *)v->tdbin.p :
			(const unsigned char *)"", nelem, null);
}

/* TABLEDATA cell -> canonical text appended to v->rowtxt. */
static int td_cell(struct vo_votable *v, size_t fi, const char *s, size_t n,
		   int *null)
{
	const struct vo_field *f = &v->fields[fi];
	const struct fx *x = &v->fx[fi];
	struct vo_buf *b = &v->rowtxt;
	size_t start = b->len, i = 0, ntok = 0;
	int rc = 0, isnull = 0, nans = 0, bad = 0;

	*null = 0;
	if (n == 0) {            /* an empty TD is null, whatever the type */
		*null = 1;
		return 0;
	}
	if (v->td_b64)
		return td_b64_cell(v, fi, s, n, null);
	if (x->ischar) {
		if (str_is_null(f, s, n)) {
			*null = 1;
			return 0;
		}
		rc = vo_buf_add(b, s, n);
		return rc ? buf_fail(v, b, rc, "row larger than 64 MiB") : 0;
	}
	while (i < n && !rc) {
		size_t t0;

		while (i < n && is_ws(s[i]))
			i++;
		if (i == n)
			break;
		t0 = i;
		while (i < n && !is_ws(s[i]))
			i++;
		if (ntok++)
			rc = vo_buf_addc(b, ' ');
		if (!rc)
			rc = td_token(b, x, f->type, s + t0, i - t0, &isnull, &nans, &bad);
		if (bad && !v->bad_cells++) {
			snprintf(v->bad_field, sizeof v->bad_field, "%s", fname(f));
			snprintf(v->bad_token, sizeof v->bad_token, "%.*s",
				 (int)(i - t0 < 24 ? i - t0 : 24), s + t0);
		}
		if (bad)
			break;
	}
	if (rc)
		return buf_fail(v, b, rc, "row larger than 64 MiB");
	if (!ntok || bad)   /* a cell with a token that is no number: null */
		*null = 1;
	else if (x->scalar && (isnull || (nans && ntok == 1 && is_float_type(f->type)) ||
			       (nans == 2 && ntok == 2 && is_complex_type(f->type))))
		*null = 1;
	if (*null) {
		b->len = start;
		if (b->p)
			b->p[start] = '\0';
	}
	return 0;
}

/* ------------------------------------------------------------ rows */

static int deliver_row(struct vo_votable *v)
{
	size_t i;

	for (i = 0; i < v->nfields; i++) {
		v->cells[i].s = v->rowtxt.p ? v->rowtxt.p + v->cpos[i].off : "";
		v->cells[i].len = v->cpos[i].len;
		v->cells[i].null = v->cpos[i].null;
	}
	v->nrows++;
	return v->cb.row ? v->cb.row(v->cb.ud, v->cells, v->nfields) : 0;
}

/* Close the cell just appended to rowtxt (from off on) as cell i. */
static int end_cell(struct vo_votable *v, size_t i, size_t off, int null)
{
	int rc;

	v->cpos[i].off = off;
	v->cpos[i].len = v->rowtxt.len - off;
	v->cpos[i].null = null;
	rc = vo_buf_addc(&v->rowtxt, '\0');
	return rc ? buf_fail(v, &v->rowtxt, rc, "row larger than 64 MiB") : 0;
}

static int finish_td(struct vo_votable *v)
{
	size_t i = v->td_index++, off = v->rowtxt.len;
	int null, rc;

	rc = td_cell(v, i, v->td.p ? v->td.p : "", v->td.len, &null);
	vo_buf_reset(&v->td);
	return rc ? rc : end_cell(v, i, off, null);
}

static int finish_tr(struct vo_votable *v)
{
	if (v->td_index != v->nfields)
		return vo_err_set(v->err, EBADMSG,
				  "VOTable: row %zu has %zu TD, expected %zu",
				  v->nrows + 1, v->td_index, v->nfields);
	return deliver_row(v);
}

/* BINARY has no null flag: a float array that is NaN throughout is how
 * servers (DaCHS among them) write a NULL array, and how BINARY2 and
 * TABLEDATA readers see the same value. */
static int all_nan(const char *s, size_t n)
{
	size_t i = 0, k;

	if (n == 0)
		return 0;
	while (i < n) {
		k = i;
		while (k < n && s[k] != ' ')
			k++;
		if (k - i != 3 || memcmp(s + i, "NaN", 3) != 0)
			return 0;
		i = k + 1;
	}
	return 1;
}

static int bin_row(struct vo_votable *v, const unsigned char *row)
{
	size_t i, off;
	int rc, null;

	vo_buf_reset(&v->rowtxt);
	for (i = 0; i < v->nfields; i++) {
		off = v->rowtxt.len;
		null = v->dm == D_BINARY2 && (row[i / 8] & (0x80 >> (i % 8)));
		if (!null && (rc = bin_cell(v, i, row + v->fstart[i], v->fnelem[i], &null)))
			return rc;
		/* BINARY has no null flag: an empty string is how a NULL one
		 * is written (DaCHS's own CSV and TABLEDATA make it an empty
		 * cell, null); only BINARY2 can say "empty, not null" */
		if (!null && v->dm == D_BINARY && v->fx[i].ischar && v->rowtxt.len == off)
			null = 1;
		if (!null && v->dm == D_BINARY && !v->fx[i].scalar &&
		    (is_float_type(v->fields[i].type) || is_complex_type(v->fields[i].type)) &&
		    all_nan(v->rowtxt.p + off, v->rowtxt.len - off)) {
			null = 1;
			v->rowtxt.len = off;
			v->rowtxt.p[off] = '\0';
		}
		if ((rc = end_cell(v, i, off, null)))
			return rc;
	}
	return deliver_row(v);
}

/* Frame and deliver every complete row in bin[bin_off..].  Framing state
 * survives between calls, so each byte is looked at once. */
static int bin_rows(struct vo_votable *v)
{
	size_t nb = v->dm == D_BINARY2 ? (v->nfields + 7) / 8 : 0;
	int rc;

	for (;;) {
		const unsigned char *row;
		size_t avail = v->bin.len - v->bin_off;

		if (!avail && !v->fr_started)
			break;
		row = (const unsigned char *)v->bin.p + v->bin_off;
		if (!v->nfields)
			return vo_err_set(v->err, EBADMSG,
					  "VOTable: binary data for a table without FIELDs");
		if (!v->fr_started) {
			if (avail < nb)
				return 0;
			v->fr_pos = nb;
			v->fr_field = 0;
			v->fr_started = 1;
		}
		while (v->fr_field < v->nfields) {
			const struct fx *x = &v->fx[v->fr_field];
			uint64_t pos = v->fr_pos, nelem, nbytes;

			if (x->variable) {
				if (avail < pos + 4)
					return 0;
				nelem = (uint64_t)be32(row + pos) * x->count;
				pos += 4;
			} else {
				nelem = x->count;
			}
			nbytes = cell_bytes(x, nelem);
			if (nbytes > VO_VOT_MAX_CELL) {
				char hint[200];

				return vo_err_set(v->err, EFBIG,
						  "VOTable: row %zu, field '%s': %" PRIu64
						  " bytes exceed the cell limit of %zu%s",
						  v->nrows + 1, fname(&v->fields[v->fr_field]),
						  nbytes, (size_t)VO_VOT_MAX_CELL,
						  astral_hint(v, hint, sizeof hint));
			}
			if (avail < pos + nbytes)
				return 0;
			v->fstart[v->fr_field] = (size_t)pos;
			v->fnelem[v->fr_field] = nelem;
			v->fr_pos = (size_t)(pos + nbytes);
			v->fr_field++;
		}
		if ((rc = bin_row(v, row)))
			return rc;
		v->bin_off += v->fr_pos;
		v->fr_started = 0;
	}
	return 0;
}

/* Drop consumed bytes, but only when that halves the buffer: a large row
 * arriving in small pieces must not be moved again and again. */
static void bin_compact(struct vo_votable *v)
{
	size_t left = v->bin.len - v->bin_off;

	if (!v->bin_off || v->bin_off < left)
		return;
	memmove(v->bin.p, v->bin.p + v->bin_off, left);
	v->bin.len = left;
	v->bin.p[left] = '\0';
	v->bin_off = 0;
}

static int stream_text(struct vo_votable *v, const char *s, size_t n)
{
	int rc;

	while (n) {
		size_t k = n < B64_SLICE ? n : B64_SLICE;

		rc = b64_run(&v->b64, s, k, &v->bin);
		if (rc == -EBADMSG)
			return vo_err_set(v->err, EBADMSG,
					  "VOTable: bad base64 in STREAM after %zu rows",
					  v->nrows);
		if (rc)
			return buf_fail(v, &v->bin, rc, "binary row larger than 64 MiB");
		if ((rc = bin_rows(v)))
			return rc;
		bin_compact(v);
		s += k;
		n -= k;
	}
	return 0;
}

static int finish_stream(struct vo_votable *v)
{
	int rc = b64_end(&v->b64, &v->bin);

	if (rc == -EBADMSG)
		return vo_err_set(v->err, EBADMSG,
				  "VOTable: base64 STREAM ends in the middle of a quad (after %zu rows)",
				  v->nrows);
	if (rc)
		return buf_fail(v, &v->bin, rc, "binary row larger than 64 MiB");
	if ((rc = bin_rows(v)))
		return rc;
	if (v->bin.len > v->bin_off) {
		char hint[200];

		return vo_err_set(v->err, EBADMSG,
				  "VOTable: binary STREAM truncated: %zu bytes of an incomplete row after %zu rows%s",
				  v->bin.len - v->bin_off, v->nrows,
				  astral_hint(v, hint, sizeof hint));
	}
	return 0;
}

/* ------------------------------------------------------------ structure */

static int send_meta(struct vo_votable *v)
{
	struct vo_table_meta m;
	size_t n = v->nfields ? v->nfields : 1;

	if (v->meta_sent)
		return 0;
	v->meta_sent = 1;
	v->cpos = calloc(n, sizeof *v->cpos);
	v->cells = calloc(n, sizeof *v->cells);
	v->fstart = calloc(n, sizeof *v->fstart);
	v->fnelem = calloc(n, sizeof *v->fnelem);
	if (!v->cpos || !v->cells || !v->fstart || !v->fnelem)
		return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
	vo_buf_reset(&v->res_all);
	/* the "" appends make sure both strings exist even when empty */
	if (vo_buf_add(&v->res_all, v->top_xml.p, v->top_xml.len) ||
	    vo_buf_add(&v->res_all, v->res_xml.p, v->res_xml.len) ||
	    vo_buf_add(&v->table_xml, "", 0) || vo_buf_add(&v->res_all, "", 0))
		return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
	m.nfields = v->nfields;
	m.fields = v->fields;
	m.table_xml = v->table_xml.p;
	m.resource_xml = v->res_all.p;
	return v->cb.meta ? v->cb.meta(v->cb.ud, &m) : 0;
}

static int start_field(struct vo_votable *v, const char *name,
		       const struct vo_xml_attr *a, size_t n)
{
	static const struct {
		const char *attr;
		size_t off;
	} map[] = {
		{"name", offsetof(struct vo_field, name)},
		{"ID", offsetof(struct vo_field, id)},
		{"datatype", offsetof(struct vo_field, datatype)},
		{"arraysize", offsetof(struct vo_field, arraysize)},
		{"unit", offsetof(struct vo_field, unit)},
		{"ucd", offsetof(struct vo_field, ucd)},
		{"utype", offsetof(struct vo_field, utype)},
		{"xtype", offsetof(struct vo_field, xtype)},
		{"ref", offsetof(struct vo_field, ref)},
		{"width", offsetof(struct vo_field, width)},
		{"precision", offsetof(struct vo_field, precision)},
	};
	struct vo_field *f;
	size_t i;
	int rc;

	if (v->nfields >= VO_VOT_MAX_FIELDS)
		return vo_err_set(v->err, EFBIG, "VOTable: more than %d FIELDs",
				  VO_VOT_MAX_FIELDS);
	if (v->nfields == v->falloc) {
		size_t na = v->falloc ? 2 * v->falloc : 16;
		struct vo_field *nf = realloc(v->fields, na * sizeof *nf);
		struct fx *nx;

		if (nf)
			v->fields = nf;
		nx = nf ? realloc(v->fx, na * sizeof *nx) : NULL;
		if (!nx)
			return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
		v->fx = nx;
		v->falloc = na;
	}
	f = &v->fields[v->nfields];
	memset(f, 0, sizeof *f);
	memset(&v->fx[v->nfields], 0, sizeof v->fx[0]);
	v->nfields++;
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		char **dst = (char **)((char *)f + map[i].off);

		if ((rc = meta_strdup(v, dst, vo_xml_attr(a, n, map[i].attr))))
			return rc;
	}
	/* a FIELD with an ID and no name (ESA's TAP+ writes them) is named by
	 * its ID, as astropy and pyvo name it: the CSV header, the product
	 * columns and the dumps all go by name */
	if (f->name && !*f->name) {
		free(f->name);
		f->name = NULL;
	}
	if (!f->name && f->id && *f->id && (rc = meta_strdup(v, &f->name, f->id)))
		return rc;
	v->field_depth = v->depth;
	vo_buf_reset(&v->fieldxml);
	return cap_begin(v, &v->fieldxml, name, a, n);
}

static int finish_field(struct vo_votable *v)
{
	struct vo_field *f = &v->fields[v->nfields - 1];

	v->field_depth = 0;
	f->xml = vo_buf_take(&v->fieldxml);
	if (!f->xml)
		return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
	return plan_field(v, f, &v->fx[v->nfields - 1]);
}

/* A start tag inside a capture; FIELD children also fill struct vo_field. */
static int cap_start(struct vo_votable *v, const char *name,
		     const struct vo_xml_attr *a, size_t n)
{
	if (v->field_depth && v->depth == v->field_depth + 1) {
		struct vo_field *f = &v->fields[v->nfields - 1];

		if (!strcmp(name, "DESCRIPTION") && !f->description) {
			v->desc_depth = v->depth;
			vo_buf_reset(&v->desc);
		} else if (!strcmp(name, "VALUES")) {
			int rc = meta_strdup(v, &f->null_value,
					     vo_xml_attr(a, n, "null"));
			if (rc)
				return rc;
		}
	}
	return cap_open_tag(v, &v->cap, name, a, n);
}

static int cap_end(struct vo_votable *v, const char *name, int d)
{
	int rc = cap_close_tag(v, &v->cap, name);

	if (rc)
		return rc;
	if (d == v->desc_depth) {
		struct vo_field *f = &v->fields[v->nfields - 1];

		v->desc_depth = 0;
		trim_buf(&v->desc);
		if ((rc = meta_strdup(v, &f->description, v->desc.p ? v->desc.p : "")))
			return rc;
	}
	if (d == v->cap.depth) {
		v->cap.depth = 0;
		if (d == v->field_depth)
			return finish_field(v);
	}
	return 0;
}

static int start_info(struct vo_votable *v, const struct vo_xml_attr *a,
		      size_t n)
{
	const char *iname = vo_xml_attr(a, n, "name");
	int d = v->depth;

	if (iname && !strcmp(iname, "QUERY_STATUS")) {
		const char *val = vo_xml_attr(a, n, "value");

		free(v->status);
		v->status = NULL;
		if (val && !(v->status = strdup(val)))
			return vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
		vo_buf_reset(&v->status_msg);
		v->status_depth = d;
		return 0;
	}
	if (v->ts == T_NONE && d == 2)
		return cap_begin(v, &v->top_xml, "INFO", a, n);
	if (v->ts == T_NONE && v->cand_res_depth && d == v->cand_res_depth + 1)
		return cap_begin(v, &v->res_xml, "INFO", a, n);
	if (v->ts == T_IN && d == v->table_depth + 1)
		return cap_begin(v, &v->table_xml, "INFO", a, n);
	return 0;
}

static int start_data_child(struct vo_votable *v, const char *name,
			    const struct vo_xml_attr *a, size_t n)
{
	int d = v->depth;

	if (d == v->data_depth + 1) {
		if (!strcmp(name, "TABLEDATA"))
			v->dm = D_TABLEDATA;
		else if (!strcmp(name, "BINARY"))
			v->dm = D_BINARY;
		else if (!strcmp(name, "BINARY2"))
			v->dm = D_BINARY2;
		else if (!strcmp(name, "FITS"))
			return vo_err_set(v->err, ENOTSUP,
					  "VOTable: FITS serialization is not supported");
		return 0;
	}
	if (d == v->data_depth + 2 && !strcmp(name, "STREAM") &&
	    (v->dm == D_BINARY || v->dm == D_BINARY2)) {
		const char *href = vo_xml_attr(a, n, "href");
		const char *enc = vo_xml_attr(a, n, "encoding");

		if (href)
			return vo_err_set(v->err, ENOTSUP,
					  "VOTable: STREAM href is not supported (%.200s)",
					  href);
		/* absent encoding: inline data can only be text, read base64 */
		if (enc && strcmp(enc, "base64"))
			return vo_err_set(v->err, ENOTSUP,
					  "VOTable: STREAM encoding '%.64s' is not supported",
					  enc);
		v->stream_depth = d;
		memset(&v->b64, 0, sizeof v->b64);
		vo_buf_reset(&v->bin);
		v->bin_off = 0;
		v->fr_started = 0;
		return 0;
	}
	if (d == v->data_depth + 2 && !strcmp(name, "TR") && v->dm == D_TABLEDATA) {
		v->tr_depth = d;
		v->td_index = 0;
		vo_buf_reset(&v->rowtxt);
		return 0;
	}
	if (d == v->data_depth + 3 && v->tr_depth && !strcmp(name, "TD")) {
		const char *enc = vo_xml_attr(a, n, "encoding");

		if (v->td_index >= v->nfields)
			return vo_err_set(v->err, EBADMSG,
					  "VOTable: row %zu has more TD than the %zu FIELDs",
					  v->nrows + 1, v->nfields);
		v->td_depth = d;
		v->td_b64 = enc && !strcmp(enc, "base64");
		vo_buf_reset(&v->td);
	}
	return 0;
}

/* Every RESOURCE type="meta", wherever it is, is kept whole as XML (see
 * vo_votable_meta_resources); this runs before, and independently of, the
 * rest of the reader, which goes on skipping what it skipped before. */
static int meta_res_start(struct vo_votable *v, const char *name,
			  const struct vo_xml_attr *a, size_t n)
{
	const char *type;

	if (v->mcap.depth)
		return cap_open_tag(v, &v->mcap, name, a, n);
	if (strcmp(name, "RESOURCE"))
		return 0;
	type = vo_xml_attr(a, n, "type");
	if (!type || strcmp(type, "meta"))
		return 0;
	return cap_begin_in(v, &v->mcap, &v->meta_res, name, a, n);
}

static int on_start(void *ud, const char *name, const struct vo_xml_attr *a,
		    size_t n)
{
	struct vo_votable *v = ud;
	int d = ++v->depth;
	int rc;

	if (d == 1) {
		if (strcmp(name, "VOTABLE"))
			return vo_err_set(v->err, EBADMSG,
					  "not a VOTable (root element <%.64s>)", name);
		return 0;
	}
	if ((rc = meta_res_start(v, name, a, n)))
		return rc;
	if (v->skip_depth)
		return 0;
	if (v->cap.depth)
		return cap_start(v, name, a, n);
	if (!strcmp(name, "INFO"))
		return start_info(v, a, n);
	if (!strcmp(name, "RESOURCE")) {
		const char *type = vo_xml_attr(a, n, "type");
		int meta = type && !strcmp(type, "meta");

		v->res[v->nres].depth = d;
		v->res[v->nres].meta = meta;
		v->nres++;
		if (v->ts == T_NONE && !meta) {
			v->meta_used -= v->res_xml.len;
			vo_buf_reset(&v->res_xml);
			v->cand_res_depth = d;
		}
		return 0;
	}
	if (!strcmp(name, "TABLE")) {
		if (v->ts == T_NONE && !(v->nres && v->res[v->nres - 1].meta)) {
			v->ts = T_IN;
			v->table_depth = d;
			v->has_table = 1;
		} else {
			v->skip_depth = d;
		}
		return 0;
	}
	switch (v->ts) {
	case T_NONE:
		if ((!strcmp(name, "COOSYS") || !strcmp(name, "TIMESYS"))) {
			if (d == 2)
				return cap_begin(v, &v->top_xml, name, a, n);
			if (v->cand_res_depth && d == v->cand_res_depth + 1)
				return cap_begin(v, &v->res_xml, name, a, n);
		}
		return 0;
	case T_IN:
		if (d != v->table_depth + 1)
			return 0;
		if (!strcmp(name, "FIELD"))
			return start_field(v, name, a, n);
		if (!strcmp(name, "DATA")) {
			v->ts = T_DATA;
			v->data_depth = d;
			return send_meta(v);
		}
		return cap_begin(v, &v->table_xml, name, a, n);
	case T_DATA:
		return start_data_child(v, name, a, n);
	case T_DONE:
		return 0;
	}
	return 0;
}

/* One line per table that had numeric cells which held no number. */
static void report_bad_cells(const struct vo_votable *v)
{
	if (v->bad_cells)
		vo_warn("VOTable: %zu numeric TABLEDATA cell%s held no number and %s read as null "
			"(first: field '%s', \"%s\")", v->bad_cells,
			v->bad_cells == 1 ? "" : "s", v->bad_cells == 1 ? "is" : "are",
			v->bad_field, v->bad_token);
}

static int on_end(void *ud, const char *name)
{
	struct vo_votable *v = ud;
	int d = v->depth--;
	int rc;

	if (v->mcap.depth) {
		if ((rc = cap_close_tag(v, &v->mcap, name)))
			return rc;
		if (d == v->mcap.depth)
			v->mcap.depth = 0;
	}
	if (v->skip_depth) {
		if (d == v->skip_depth)
			v->skip_depth = 0;
		return 0;
	}
	if (v->cap.depth)
		return cap_end(v, name, d);
	if (d == v->status_depth) {
		v->status_depth = 0;
		trim_buf(&v->status_msg);
		return 0;
	}
	if (v->nres && v->res[v->nres - 1].depth == d) {
		v->nres--;
		if (d == v->cand_res_depth) {
			v->cand_res_depth = 0;
			if (v->ts == T_NONE) {
				v->meta_used -= v->res_xml.len;
				vo_buf_reset(&v->res_xml);
			}
		}
		return 0;
	}
	if (v->ts == T_IN && d == v->table_depth) {
		v->ts = T_DONE;
		return send_meta(v);
	}
	if (v->ts == T_DATA) {
		if (d == v->td_depth) {
			v->td_depth = 0;
			return finish_td(v);
		}
		if (d == v->tr_depth) {
			v->tr_depth = 0;
			return finish_tr(v);
		}
		if (d == v->stream_depth) {
			v->stream_depth = 0;
			return finish_stream(v);
		}
		if (d == v->data_depth)
			v->dm = D_NONE;
		else if (d == v->table_depth) {
			v->ts = T_DONE;
			report_bad_cells(v);
		}
	}
	return 0;
}

static int on_text(void *ud, const char *s, size_t n)
{
	struct vo_votable *v = ud;
	int rc;

	if (v->mcap.depth) {
		if ((rc = vo_buf_add(&v->mcap.text, s, n)))
			return vo_err_set(v->err, -rc, "VOTable: out of memory");
		if (v->mcap.text.len > MAX_META_RES)
			return too_big(v, "RESOURCE type=\"meta\" elements larger than 1 MiB");
	}
	if (v->skip_depth)
		return 0;
	if (v->cap.depth) {
		if ((rc = vo_buf_add(&v->cap.text, s, n)))
			return buf_fail(v, &v->cap.text, rc, "metadata larger than 16 MiB");
		if (v->desc_depth && (rc = vo_buf_add(&v->desc, s, n)))
			return buf_fail(v, &v->desc, rc, "metadata larger than 16 MiB");
		return 0;
	}
	if (v->status_depth) {
		size_t room = MAX_STATUS_MSG - v->status_msg.len;

		if ((rc = vo_buf_add(&v->status_msg, s, n < room ? n : room)))
			return buf_fail(v, &v->status_msg, rc, "status message");
		return 0;
	}
	if (v->td_depth) {
		if ((rc = vo_buf_add(&v->td, s, n)))
			return rc == -ENOMEM && v->td.len + n > VO_VOT_MAX_CELL ?
			       vo_err_set(v->err, EFBIG,
					  "VOTable: row %zu: TD larger than %zu bytes",
					  v->nrows + 1, (size_t)VO_VOT_MAX_CELL) :
			       vo_err_set(v->err, ENOMEM, "VOTable: out of memory");
		return 0;
	}
	if (v->stream_depth)
		return stream_text(v, s, n);
	return 0;
}

/* ------------------------------------------------------------ public */

struct vo_votable *vo_votable_new(const struct vo_votable_cb *cb,
				  struct vo_err *err)
{
	struct vo_xml_handler h;
	struct vo_votable *v = calloc(1, sizeof *v);

	if (!v) {
		vo_err_set(err, ENOMEM, "VOTable: out of memory");
		return NULL;
	}
	v->cb = *cb;
	v->err = err;
	v->cap.text.cap = v->desc.cap = v->fieldxml.cap = v->table_xml.cap =
		v->top_xml.cap = v->res_xml.cap = MAX_META;
	v->res_all.cap = 2 * MAX_META;
	v->status_msg.cap = MAX_STATUS_MSG + 1;
	v->td.cap = v->tdbin.cap = VO_VOT_MAX_CELL;
	v->rowtxt.cap = ROW_CAP;
	v->bin.cap = ROW_CAP + 2 * B64_SLICE;
	h.ud = v;
	h.start = on_start;
	h.end = on_end;
	h.text = on_text;
	v->x = vo_xml_new(&h, err);
	if (!v->x) {
		free(v);
		return NULL;
	}
	return v;
}

int vo_votable_feed(struct vo_votable *v, const char *buf, size_t len)
{
	return vo_xml_feed(v->x, buf, len);
}

int vo_votable_finish(struct vo_votable *v)
{
	return vo_xml_finish(v->x);
}

void vo_votable_free(struct vo_votable *v)
{
	size_t i;

	if (!v)
		return;
	vo_xml_free(v->x);
	for (i = 0; i < v->nfields; i++) {
		struct vo_field *f = &v->fields[i];

		free(f->name);
		free(f->id);
		free(f->datatype);
		free(f->arraysize);
		free(f->unit);
		free(f->ucd);
		free(f->utype);
		free(f->xtype);
		free(f->ref);
		free(f->width);
		free(f->precision);
		free(f->description);
		free(f->null_value);
		free(f->xml);
	}
	free(v->fields);
	free(v->fx);
	vo_buf_free(&v->desc);
	vo_buf_free(&v->fieldxml);
	vo_buf_free(&v->table_xml);
	vo_buf_free(&v->top_xml);
	vo_buf_free(&v->res_xml);
	vo_buf_free(&v->res_all);
	vo_buf_free(&v->cap.text);
	vo_buf_free(&v->mcap.text);
	vo_buf_free(&v->meta_res);
	vo_buf_free(&v->status_msg);
	vo_buf_free(&v->td);
	vo_buf_free(&v->tdbin);
	vo_buf_free(&v->rowtxt);
	vo_buf_free(&v->bin);
	free(v->status);
	free(v->cpos);
	free(v->cells);
	free(v->fstart);
	free(v->fnelem);
	free(v);
}

const char *vo_votable_status(const struct vo_votable *v)
{
	return v->status;
}

const char *vo_votable_status_msg(const struct vo_votable *v)
{
	return v->status_msg.p ? v->status_msg.p : "";
}

size_t vo_votable_nrows(const struct vo_votable *v)
{
	return v->nrows;
}

size_t vo_votable_astral_row(const struct vo_votable *v)
{
	return v->astral_row;
}

const char *vo_votable_meta_resources(const struct vo_votable *v)
{
	return v->meta_res.p ? v->meta_res.p : "";
}

size_t vo_votable_bad_cells(const struct vo_votable *v)
{
	return v->bad_cells;
}

int vo_votable_has_table(const struct vo_votable *v)
{
	return v->has_table;
}
