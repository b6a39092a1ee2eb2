/* vo/ipac.c - IPAC ASCII tables; see ipac.h. */
#include "ipac.h"

#include <errno.h>
#include <string.h>

#define NULL_WORD "null"

const char *vo_ipac_type(const char *datatype, const char *arraysize)
{
	static const struct { const char *vot, *ipac; } map[] = {
		{"short", "int"}, {"int", "int"}, {"unsignedByte", "int"}, {"bit", "int"},
		{"long", "long"}, {"float", "float"}, {"double", "double"},
	};

	if (!datatype || (arraysize && *arraysize && strcmp(arraysize, "1") != 0))
		return "char";
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(datatype, map[i].vot) == 0)
			return map[i].ipac;
	return "char";
}

static int numeric(const struct vo_ipac_col *c)
{
	return strcmp(c->type, "char") != 0;
}

/* Bytes at s[0..n) a reader would take for a line break, written as one
 * space; 0 when s does not start with one. */
static size_t line_break(const unsigned char *s, size_t n)
{
	if (*s == '\n' || *s == '\r' || *s == '\v' || *s == '\f' ||
	    (*s >= 0x1c && *s <= 0x1e))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && s[1] == 0x85)                     /* NEL */
		return 2;
	if (n >= 3 && s[0] == 0xe2 && s[1] == 0x80 && (s[2] == 0xa8 || s[2] == 0xa9))
		return 3;                                               /* LS, PS */
	return 0;
}

/* Characters and bytes of s as written. */
static void measure(const char *str, size_t n, uint64_t *chars, uint64_t *bytes)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t c = 0, b = 0;

	for (size_t i = 0; i < n;) {
		size_t k = s[i] >= 0x80 || s[i] < 0x20 ? line_break(s + i, n - i) : 0;
		if (k) {
			c++;
			b++;
			i += k;
			continue;
		}
		c += (s[i] & 0xc0) != 0x80;
		b++;
		i++;
	}
	*chars = c;
	*bytes = b;
}

/* Would a reader, stripping blanks, take this value for the null word? */
static int reads_as_null(const char *s, size_t n)
{
	const char *blank = " \t\n\r\v\f\x1c\x1d\x1e\x1f";

	if (n < 4)
		return 0;
	while (n && strchr(blank, *s) && *s)
		s++, n--;
	while (n && strchr(blank, s[n - 1]) && s[n - 1])
		n--;
	return n == 4 && memcmp(s, NULL_WORD, 4) == 0;
}

void vo_ipac_col_init(struct vo_ipac_col *c, const char *name, const char *datatype,
		      const char *arraysize, const char *unit)
{
	uint64_t ch, by;

	c->type = vo_ipac_type(datatype, arraysize);
	c->blank_null = 0;
	c->width = strlen(c->type);
	if (c->width < strlen(NULL_WORD))
		c->width = strlen(NULL_WORD);
	measure(name ? name : "", name ? strlen(name) : 0, &ch, &by);
	if (ch > c->width)
		c->width = (size_t)ch;
	measure(unit ? unit : "", unit ? strlen(unit) : 0, &ch, &by);
	if (ch > c->width)
		c->width = (size_t)ch;
}

/* The row's bytes beyond its characters; cols (when not NULL) widened. */
static uint64_t measure_row(struct vo_ipac_col *cols, const struct vo_cell *c, size_t n)
{
	uint64_t extra = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t ch, by;
		if (c[i].null)
			continue;
		measure(c[i].s, c[i].len, &ch, &by);
		extra += by - ch;
		if (!cols)
			continue;
		if (ch > cols[i].width)
			cols[i].width = (size_t)ch;
		if (!cols[i].blank_null && reads_as_null(c[i].s, c[i].len))
			cols[i].blank_null = 1;
	}
	return extra;
}

uint64_t vo_ipac_measure(struct vo_ipac_col *cols, const struct vo_cell *c, size_t n)
{
	return measure_row(cols, c, n);
}

uint64_t vo_ipac_extra(const struct vo_cell *c, size_t n)
{
	return measure_row(NULL, c, n);
}

uint64_t vo_ipac_line_chars(const struct vo_ipac_col *cols, size_t n)
{
	uint64_t w = 2;   /* the last bar and the newline */

	for (size_t i = 0; i < n; i++)
		w += 1 + (uint64_t)cols[i].width;
	return w;
}

static int pad(struct vo_buf *out, uint64_t k)
{
	int rc;

	if (k > SIZE_MAX || (rc = vo_buf_reserve(out, (size_t)k)))
		return k > SIZE_MAX ? -ENOMEM : rc;
	memset(out->p + out->len, ' ', (size_t)k);
	out->len += (size_t)k;
	out->p[out->len] = '\0';
	return 0;
}

/* s with line breaks (and in a header, bars) replaced, aligned in width. */
static int put_cell(struct vo_buf *out, const char *str, size_t n, size_t width,
		    int right, int header)
{
	const unsigned char *s = (const unsigned char *)str;
	uint64_t ch, by;
	size_t from = 0;
	int rc;

	measure(str, n, &ch, &by);
	if (ch > width)
		return -ERANGE;   /* not measured */
	if (right && (rc = pad(out, width - ch)))
		return rc;
	for (size_t i = 0; i < n;) {
		size_t k = s[i] >= 0x80 || s[i] < 0x20 ? line_break(s + i, n - i) : 0;
		char sub = ' ';
		if (!k && header && s[i] == '|') {
			k = 1;
			sub = '_';
		}
		if (!k) {
			i++;
			continue;
		}
		if ((rc = vo_buf_add(out, str + from, i - from)) || (rc = vo_buf_addc(out, sub)))
			return rc;
		i += k;
		from = i;
	}
	if ((rc = vo_buf_add(out, str + from, n - from)))
		return rc;
	return right ? 0 : pad(out, width - ch);
}

int vo_ipac_head(struct vo_buf *out, const struct vo_ipac_col *cols, size_t n,
		 const char *const *names, const char *const *units)
{
	int rc = 0;

	for (int line = 0; line < 4 && !rc; line++) {
		rc = vo_buf_addc(out, '|');
		for (size_t i = 0; i < n && !rc; i++) {
			const char *s = line == 0 ? names[i] : line == 1 ? cols[i].type :
					line == 2 ? units[i] : cols[i].blank_null ? "" : NULL_WORD;
			if (!s)
				s = "";
			rc = put_cell(out, s, strlen(s), cols[i].width, numeric(&cols[i]), 1);
			if (!rc)
				rc = vo_buf_addc(out, '|');
		}
		if (!rc)
			rc = vo_buf_addc(out, '\n');
	}
	return rc;
}

int vo_ipac_row(struct vo_buf *out, const struct vo_ipac_col *cols,
		const struct vo_cell *c, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		const char *s = c[i].null ? (cols[i].blank_null ? "" : NULL_WORD) : c[i].s;
		size_t len = c[i].null ? strlen(s) : c[i].len;
		rc = vo_buf_addc(out, ' ');
		if (!rc)
			rc = put_cell(out, s, len, cols[i].width, numeric(&cols[i]), 0);
	}
	return rc ? rc : vo_buf_add(out, " \n", 2);
}
