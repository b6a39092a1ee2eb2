/* vo/upload.c - CSV to VOTable for TAP_UPLOAD, ADQL table names; see
 * upload.h. */
#include "upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "votable.h"
#include "xml.h"

#define READ_BLOCK 65536
#define OUT_FLUSH 65536

/* --- reading records ------------------------------------------------------ */

struct field {
	size_t off, len;          /* in the record buffer, blanks stripped */
	unsigned long line;       /* where the field starts */
	int quoted;
};

struct csv {
	int fd;
	const char *path;
	struct vo_err *err;
	char in[READ_BLOCK];
	size_t ipos, ilen;
	int eof, started;
	unsigned long line;       /* the line of the byte last read, from 1 */
	int prev_nl, prev_cr;
	struct vo_buf rec;        /* the record's fields, each NUL-terminated */
	struct field f[VO_CSV_MAX_COLS];
	size_t nf;                /* fields of the record (only the first
				     VO_CSV_MAX_COLS are in f) */
	unsigned long rec_line;   /* where the record starts */
};

static void csv_rewind(struct csv *c)
{
	c->ipos = c->ilen = 0;
	c->eof = c->started = 0;
	c->line = 1;
	c->prev_nl = c->prev_cr = 0;
}

/* The next byte into *ch, -1 at the end of the file.  Line ends come as
 * one '\n' whatever they were (LF, CRLF, CR). */
static int csv_getc(struct csv *c, int *ch)
{
	for (;;) {
		unsigned char b;
		if (c->ipos == c->ilen) {
			ssize_t got;
			if (c->eof) {
				*ch = -1;
				return 0;
			}
			got = read(c->fd, c->in, sizeof c->in);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				return vo_err_set(c->err, errno, "read %s: %s", c->path,
						  strerror(errno));
			}
			c->ipos = 0;
			c->ilen = (size_t)got;
			c->eof = got == 0;
			if (!c->started && c->ilen >= 3 && memcmp(c->in, "\xEF\xBB\xBF", 3) == 0)
				c->ipos = 3;   /* a byte order mark */
			c->started = 1;
			continue;
		}
		b = (unsigned char)c->in[c->ipos++];
		if (c->prev_cr && b == '\n') {
			c->prev_cr = 0;
			continue;
		}
		c->prev_cr = b == '\r';
		if (c->prev_nl)
			c->line++;
		c->prev_nl = b == '\r' || b == '\n';
		*ch = c->prev_nl ? '\n' : b;
		return 0;
	}
}

static void field_open(struct csv *c, int quoted)
{
	if (c->nf < VO_CSV_MAX_COLS)
		c->f[c->nf] = (struct field){.off = c->rec.len, .line = c->line, .quoted = quoted};
}

/* Strip the field's blanks and end it with a NUL. */
static int field_close(struct csv *c)
{
	if (c->nf < VO_CSV_MAX_COLS) {
		struct field *f = &c->f[c->nf];
		const char *p = c->rec.p ? c->rec.p : "";
		size_t b = f->off, e = c->rec.len;
		while (b < e && (p[b] == ' ' || p[b] == '\t'))
			b++;
		while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t'))
			e--;
		f->off = b;
		f->len = e - b;
		c->nf++;
		if (vo_buf_addc(&c->rec, '\0'))
			return vo_err_set(c->err, ENOMEM, "out of memory");
		c->rec.p[e] = '\0';
		return 0;
	}
	c->nf++;
	return 0;
}

static int rec_add(struct csv *c, int ch)
{
	if (c->rec.len >= VO_CSV_MAX_ROW)
		return vo_err_set(c->err, EFBIG, "line %lu: a record of more than %zu bytes"
				  " (is a quote left open?)", c->rec_line, VO_CSV_MAX_ROW);
	return vo_buf_addc(&c->rec, (char)ch);
}

enum rstate { R_START, R_PLAIN, R_QUOTED, R_QUOTE };

/* One record, whatever its content; 1, 0 at the end of the file, or a
 * negative errno. */
static int csv_record_any(struct csv *c)
{
	enum rstate st = R_START;
	int ch = -1, rc, any = 0;

	vo_buf_reset(&c->rec);
	c->nf = 0;
	for (;;) {
		if ((rc = csv_getc(c, &ch)))
			return rc;
		if (!any) {
			if (ch < 0)
				return 0;
			c->rec_line = c->line;
			any = 1;
		}
		switch (st) {
		case R_START:   /* blanks before a field */
			if (ch == ' ' || ch == '\t')
				continue;
			field_open(c, ch == '"');
			if (ch == '"') {
				st = R_QUOTED;
				continue;
			}
			if (ch == ',' || ch == '\n' || ch < 0)
				break;
			st = R_PLAIN;
			if ((rc = rec_add(c, ch)))
				return rc;
			continue;
		case R_PLAIN:
			if (ch == ',' || ch == '\n' || ch < 0)
				break;
			if ((rc = rec_add(c, ch)))
				return rc;
			continue;
		case R_QUOTED:
			if (ch < 0)
				return vo_err_set(c->err, EINVAL, "line %lu: a quoted field is not closed"
						  " at the end of the file",
						  c->nf < VO_CSV_MAX_COLS ? c->f[c->nf].line : c->line);
			if (ch == '"')
				st = R_QUOTE;
			else if ((rc = rec_add(c, ch)))
				return rc;
			continue;
		case R_QUOTE:   /* a quote inside a quoted field: "" or its end */
			if (ch == ',' || ch == '\n' || ch < 0)
				break;
			st = ch == '"' ? R_QUOTED : R_PLAIN;
			if ((rc = rec_add(c, ch)))
				return rc;
			continue;
		}
		/* the field ends here, and at a line end the record */
		if ((rc = field_close(c)))
			return rc;
		if (ch == ',') {
			st = R_START;
			continue;
		}
		return 1;
	}
}

/* The next record that is not a blank line; 1, 0 at the end, or a
 * negative errno. */
static int csv_record(struct csv *c)
{
	int rc;

	while ((rc = csv_record_any(c)) == 1)
		if (c->nf != 1 || c->f[0].quoted || c->f[0].len)
			return 1;
	return rc;
}

static const char *fld(const struct csv *c, size_t i)
{
	return c->rec.p + c->f[i].off;
}

/* --- what a cell holds ---------------------------------------------------------- */

/* The code point of the UTF-8 sequence at s (n bytes left) into *cp; its
 * length, 0 when malformed (overlong, a surrogate, beyond U+10FFFF, cut). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
	size_t len = s[0] < 0x80 ? 1 : s[0] < 0xC0 ? 0 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 :
		     s[0] < 0xF8 ? 4 : 0;

	if (!len || len > n)
		return 0;
	*cp = len == 1 ? s[0] : s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		*cp = *cp << 6 | (s[i] & 0x3F);
	}
	if (*cp < min[len] || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp < 0xE000))
		return 0;
	return len;
}

/* Check that field i is UTF-8 text XML 1.0 can hold; *non_ascii says
 * whether it has other than ASCII.  What = "column 3" or "the name of
 * column 3", for the message. */
static int check_text(struct csv *c, size_t i, const char *what, int *non_ascii)
{
	const unsigned char *s = (const unsigned char *)fld(c, i);
	size_t n = c->f[i].len;
	unsigned long line = c->f[i].line;

	*non_ascii = 0;
	for (size_t k = 0; k < n;) {
		uint32_t cp;
		size_t len = utf8_decode(s + k, n - k, &cp);
		if (!len)
			return vo_err_set(c->err, EINVAL, "line %lu: %s holds bytes that are not"
					  " UTF-8 (0x%02X)", line, what, s[k]);
		if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0xFFFE || cp == 0xFFFF)
			return vo_err_set(c->err, EINVAL, "line %lu: %s holds the control character"
					  " U+%04X, which XML 1.0 cannot hold", line, what,
					  (unsigned)cp);
		*non_ascii |= cp >= 0x80;
		line += cp == '\n';
		k += len;
	}
	return 0;
}

enum cell { CELL_NULL, CELL_INT, CELL_BIGINT, CELL_FLOAT, CELL_TEXT };

static int digits(const char **p)
{
	const char *s = *p;

	while (**p >= '0' && **p <= '9')
		(*p)++;
	return *p > s;
}

/* What Python's float() reads, without its '_' between digits: a decimal
 * number, or inf, infinity, nan (any case), each with an optional sign. */
static int float_syntax(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	int d;

	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0 ||
	    strcasecmp(p, "nan") == 0)
		return 1;
	d = digits(&p);
	if (*p == '.') {
		p++;
		d |= digits(&p);
	}
	if (!d)
		return 0;
	if (*p == 'e' || *p == 'E') {
		p++;
		p += *p == '+' || *p == '-';
		if (!digits(&p))
			return 0;
	}
	return *p == '\0';
}

/* s: a stripped, NUL-terminated cell */
static enum cell classify(const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');

	if (!*s)
		return CELL_NULL;
	if (digits(&p) && !*p) {
		errno = 0;
		(void)strtoll(s, NULL, 10);
		return errno == ERANGE ? CELL_BIGINT : CELL_INT;
	}
	return float_syntax(s) ? CELL_FLOAT : CELL_TEXT;
}

/* --- pass 1: the header and the types ---------------------------------------- */

struct colstate {
	int not_long, not_double, big, non_ascii;
};

void vo_csv_info_free(struct vo_csv_info *info)
{
	if (!info)
		return;
	for (size_t i = 0; info->cols && i < info->ncols; i++)
		free(info->cols[i].name);
	free(info->cols);
	memset(info, 0, sizeof *info);
}

const char *vo_csv_datatype(enum vo_csv_type t)
{
	switch (t) {
	case VO_CSV_LONG: return "long";
	case VO_CSV_DOUBLE: return "double";
	case VO_CSV_CHAR: return "char";
	default: return "unicodeChar";
	}
}

static int by_name(const void *a, const void *b)
{
	const struct vo_csv_col *const *x = a, *const *y = b;
	int d = strcasecmp((*x)->name, (*y)->name);

	return d ? d : (*x > *y) - (*x < *y);
}

/* Two columns with one name: refused, naming both. */
static int check_duplicates(struct csv *c, const struct vo_csv_info *info)
{
	const struct vo_csv_col **by = malloc(info->ncols * sizeof *by);
	int rc = 0;

	if (!by)
		return vo_err_set(c->err, ENOMEM, "out of memory");
	for (size_t i = 0; i < info->ncols; i++)
		by[i] = &info->cols[i];
	qsort(by, info->ncols, sizeof *by, by_name);
	for (size_t i = 1; i < info->ncols && !rc; i++) {
		const char *a = by[i - 1]->name, *b = by[i]->name;
		if (strcasecmp(a, b) == 0)
			rc = vo_err_set(c->err, EINVAL, "line %lu: columns %zu and %zu are both"
					" named \"%.200s\"%s", c->rec_line,
					(size_t)(by[i - 1] - info->cols) + 1,
					(size_t)(by[i] - info->cols) + 1, a,
					strcmp(a, b) ? " (ignoring case, as ADQL does)" : "");
	}
	free(by);
	return rc;
}

/* The header record into info->cols. */
static int read_header(struct csv *c, struct vo_csv_info *info)
{
	int rc = csv_record(c), non_ascii;
	char what[64];

	if (rc < 0)
		return rc;
	if (rc == 0)
		return vo_err_set(c->err, EINVAL, "the file is empty: a CSV table needs at"
				  " least its header line");
	if (c->nf > VO_CSV_MAX_COLS)
		return vo_err_set(c->err, EFBIG, "line %lu: the header has %zu columns, more"
				  " than %d", c->rec_line, c->nf, VO_CSV_MAX_COLS);
	info->cols = calloc(c->nf, sizeof *info->cols);
	if (!info->cols)
		return vo_err_set(c->err, ENOMEM, "out of memory");
	info->ncols = c->nf;
	for (size_t i = 0; i < c->nf; i++) {
		struct vo_csv_col *col = &info->cols[i];
		snprintf(what, sizeof what, "the name of column %zu", i + 1);
		if ((rc = check_text(c, i, what, &non_ascii)))
			return rc;
		if (strpbrk(fld(c, i), "\t\n"))
			return vo_err_set(c->err, EINVAL, "line %lu: %s holds a tab or a line"
					  " break", c->f[i].line, what);
		if (c->f[i].len)
			col->name = strdup(fld(c, i));
		else if (asprintf(&col->name, "col%zu", i + 1) < 0)
			col->name = NULL;
		if (!col->name)
			return vo_err_set(c->err, ENOMEM, "out of memory");
	}
	return check_duplicates(c, info);
}

static int check_width(struct csv *c, const struct vo_csv_info *info)
{
	if (c->nf == info->ncols)
		return 0;
	return vo_err_set(c->err, EINVAL, "line %lu has %zu field%s, the header has %zu",
			  c->rec_line, c->nf, c->nf == 1 ? "" : "s", info->ncols);
}

static int pass1(struct csv *c, struct vo_csv_info *info)
{
	struct colstate *cs = NULL;
	char what[32];
	int rc, non_ascii;

	if ((rc = read_header(c, info)))
		return rc;
	if (!(cs = calloc(info->ncols ? info->ncols : 1, sizeof *cs)))
		return vo_err_set(c->err, ENOMEM, "out of memory");
	while ((rc = csv_record(c)) == 1 && !(rc = check_width(c, info))) {
		for (size_t i = 0; i < c->nf && !rc; i++) {
			snprintf(what, sizeof what, "column %zu", i + 1);
			if ((rc = check_text(c, i, what, &non_ascii)))
				break;
			switch (classify(fld(c, i))) {
			case CELL_NULL:
				info->cols[i].nulls++;
				break;
			case CELL_INT:
				break;
			case CELL_BIGINT:
				cs[i].big = 1;
				/* fall through */
			case CELL_FLOAT:
				cs[i].not_long = 1;
				break;
			default:
				cs[i].not_long = cs[i].not_double = 1;
			}
			cs[i].non_ascii |= non_ascii;
		}
		if (rc)
			break;
		info->nrows++;
	}
	for (size_t i = 0; i < info->ncols && !rc; i++) {
		struct vo_csv_col *col = &info->cols[i];
		if (!cs[i].not_long)
			col->type = VO_CSV_LONG;
		else if (!cs[i].not_double && !cs[i].big)
			col->type = VO_CSV_DOUBLE;
		else
			col->type = cs[i].non_ascii ? VO_CSV_UNICODE : VO_CSV_CHAR;
	}
	free(cs);
	return rc;
}

static int csv_open(struct csv *c, const char *path, struct vo_err *err)
{
	struct stat st;

	memset(c, 0, sizeof *c);
	c->path = path;
	c->err = err;
	c->rec.cap = VO_CSV_MAX_ROW + VO_CSV_MAX_COLS + 64;   /* the NULs too */
	csv_rewind(c);
	c->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (c->fd < 0)
		return vo_err_set(err, errno, "open %s: %s", path, strerror(errno));
	if (fstat(c->fd, &st) < 0)
		return vo_err_set(err, errno, "stat %s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return vo_err_set(err, EINVAL, "%s is not a regular file", path);
	return 0;
}

static void csv_close(struct csv *c)
{
	if (c->fd >= 0)
		close(c->fd);
	vo_buf_free(&c->rec);
	free(c);
}

/* open and pass 1; *out is the reader (for pass 2), NULL on error */
static int inspect(const char *path, struct vo_csv_info *info, struct csv **out,
		   struct vo_err *err)
{
	struct csv *c = malloc(sizeof *c);
	int rc;

	*out = NULL;
	memset(info, 0, sizeof *info);
	if (!c)
		return vo_err_set(err, ENOMEM, "out of memory");
	rc = csv_open(c, path, err);
	if (!rc)
		rc = pass1(c, info);
	if (rc) {
		vo_csv_info_free(info);
		csv_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

int vo_csv_inspect(const char *path, struct vo_csv_info *info, struct vo_err *err)
{
	struct csv *c;
	int rc = inspect(path, info, &c, err);

	if (!rc)
		csv_close(c);
	return rc;
}

/* --- pass 2: the document ------------------------------------------------------ */

struct out {
	struct vo_buf b;
	int (*sink)(void *ud, const char *p, size_t n);
	void *ud;
};

static int out_flush(struct out *o, int all)
{
	int rc = 0;

	if (o->b.len && (all || o->b.len >= OUT_FLUSH)) {
		rc = o->sink(o->ud, o->b.p, o->b.len);
		vo_buf_reset(&o->b);
	}
	return rc;
}

static int write_head(struct out *o, const char *table, const struct vo_csv_info *info)
{
	int rc = vo_buf_adds(&o->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			     "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
			     "<RESOURCE type=\"results\">\n<TABLE name=\"");

	if (!rc)
		rc = vo_xml_escape(&o->b, table, strlen(table), 1);
	if (!rc)
		rc = vo_buf_adds(&o->b, "\">\n");
	for (size_t i = 0; i < info->ncols && !rc; i++) {
		const struct vo_csv_col *col = &info->cols[i];
		rc = vo_buf_adds(&o->b, "<FIELD name=\"");
		if (!rc)
			rc = vo_xml_escape(&o->b, col->name, strlen(col->name), 1);
		if (!rc)
			rc = vo_buf_addf(&o->b, "\" datatype=\"%s\"%s/>\n", vo_csv_datatype(col->type),
					 col->type >= VO_CSV_CHAR ? " arraysize=\"*\"" : "");
		if (!rc)
			rc = out_flush(o, 0);
	}
	return rc ? rc : vo_buf_adds(&o->b, "<DATA><TABLEDATA>\n");
}

/* A double cell as VOTable spells it: NaN, +Inf, -Inf; a value beyond the
 * range of a double as what it reads as; else as written. */
static int add_double(struct vo_buf *b, const char *s)
{
	const char *p = s + (*s == '+' || *s == '-');
	char num[32];
	double v;

	if (strcasecmp(p, "nan") == 0)
		return vo_buf_adds(b, "NaN");
	if (strcasecmp(p, "inf") == 0 || strcasecmp(p, "infinity") == 0)
		return vo_buf_adds(b, *s == '-' ? "-Inf" : "+Inf");
	errno = 0;
	v = strtod(s, NULL);
	if (errno != ERANGE)
		return vo_buf_adds(b, s);
	vo_fmt_double(num, sizeof num, v);
	return vo_buf_adds(b, num);
}

static int stale(struct csv *c)
{
	return vo_err_set(c->err, ESTALE, "line %lu: %s changed while it was converted",
			  c->rec_line, c->path);
}

static int write_row(struct csv *c, const struct vo_csv_info *info, struct out *o)
{
	char what[32];
	int rc = vo_buf_adds(&o->b, "<TR>"), non_ascii;

	for (size_t i = 0; i < c->nf && !rc; i++) {
		const char *s = fld(c, i);
		enum vo_csv_type t = info->cols[i].type;
		enum cell k;
		snprintf(what, sizeof what, "column %zu", i + 1);
		if ((rc = check_text(c, i, what, &non_ascii)))
			break;
		k = classify(s);
		if (k == CELL_NULL) {
			rc = vo_buf_adds(&o->b, "<TD/>");
			continue;
		}
		if ((t == VO_CSV_LONG && k != CELL_INT) ||
		    (t == VO_CSV_DOUBLE && k != CELL_INT && k != CELL_FLOAT) ||
		    (t == VO_CSV_CHAR && non_ascii))
			return stale(c);
		rc = vo_buf_adds(&o->b, "<TD>");
		if (!rc && t == VO_CSV_DOUBLE)
			rc = add_double(&o->b, s);
		else if (!rc)
			rc = vo_xml_escape(&o->b, s, c->f[i].len, 0);
		if (!rc)
			rc = vo_buf_adds(&o->b, "</TD>");
	}
	if (!rc)
		rc = vo_buf_adds(&o->b, "</TR>\n");
	return rc ? rc : out_flush(o, 0);
}

static int pass2(struct csv *c, const char *table, const struct vo_csv_info *info,
		 struct out *o)
{
	struct vo_csv_info again = {0};
	size_t rows = 0;
	int rc;

	csv_rewind(c);
	if (lseek(c->fd, 0, SEEK_SET) < 0)
		return vo_err_set(c->err, errno, "seek %s: %s", c->path, strerror(errno));
	if ((rc = read_header(c, &again)))
		goto out;
	for (size_t i = 0; i < info->ncols; i++)
		if (again.ncols != info->ncols || strcmp(again.cols[i].name, info->cols[i].name)) {
			rc = stale(c);
			goto out;
		}
	if ((rc = write_head(o, table, info)))
		goto out;
	while ((rc = csv_record(c)) == 1 && !(rc = check_width(c, info)) &&
	       !(rc = write_row(c, info, o)))
		rows++;
	if (!rc && rows != info->nrows)
		rc = stale(c);
	if (!rc)
		rc = vo_buf_adds(&o->b, "</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
	if (!rc)
		rc = out_flush(o, 1);
out:
	vo_csv_info_free(&again);
	return rc;
}

int vo_csv_to_votable(const char *path, const char *table,
		      int (*sink)(void *ud, const char *p, size_t n), void *ud,
		      struct vo_csv_info *info, struct vo_err *err)
{
	struct vo_csv_info mine;
	struct out o = {.b = VO_BUF_INIT, .sink = sink, .ud = ud};
	struct csv *c;
	int rc;

	if (!info)
		info = &mine;
	if ((rc = inspect(path, info, &c, err)))
		return rc;
	rc = pass2(c, table, info, &o);
	if (rc == -ENOMEM && err && !err->code)
		vo_err_set(err, ENOMEM, "out of memory");
	if (rc && err && !err->code)   /* the sink's own error, without a message */
		vo_err_set(err, -rc, "writing the VOTable of %s: %s", path, strerror(-rc));
	if (rc || info == &mine)
		vo_csv_info_free(info);
	vo_buf_free(&o.b);
	csv_close(c);
	return rc;
}

/* --- ADQL table names ------------------------------------------------------------ */

/* ADQL 2.1 section 2.1.2: SQL reserved keywords, then ADQL's own */
static const char *const reserved[] = {
	"ABSOLUTE", "ACTION", "ADD", "ALL", "ALLOCATE", "ALTER", "AND", "ANY", "ARE", "AS",
	"ASC", "ASSERTION", "AT", "AUTHORIZATION", "AVG", "BEGIN", "BETWEEN", "BIT",
	"BIT_LENGTH", "BOTH", "BY", "CASCADE", "CASCADED", "CASE", "CAST", "CATALOG", "CHAR",
	"CHARACTER", "CHAR_LENGTH", "CHARACTER_LENGTH", "CHECK", "CLOSE", "COALESCE",
	"COLLATE", "COLLATION", "COLUMN", "COMMIT", "CONNECT", "CONNECTION", "CONSTRAINT",
	"CONSTRAINTS", "CONTINUE", "CONVERT", "CORRESPONDING", "COUNT", "CREATE", "CROSS",
	"CURRENT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP", "CURRENT_USER",
	"CURSOR", "DATE", "DAY", "DEALLOCATE", "DECIMAL", "DECLARE", "DEFAULT", "DEFERRABLE",
	"DEFERRED", "DELETE", "DESC", "DESCRIBE", "DESCRIPTOR", "DIAGNOSTICS", "DISCONNECT",
	"DISTINCT", "DOMAIN", "DOUBLE", "DROP", "ELSE", "END", "END-EXEC", "ESCAPE", "EXCEPT",
	"EXCEPTION", "EXEC", "EXECUTE", "EXISTS", "EXTERNAL", "EXTRACT", "FALSE", "FETCH",
	"FIRST", "FLOAT", "FOR", "FOREIGN", "FOUND", "FROM", "FULL", "GET", "GLOBAL", "GO",
	"GOTO", "GRANT", "GROUP", "HAVING", "HOUR", "IDENTITY", "IMMEDIATE", "IN", "INDICATOR",
	"INITIALLY", "INNER", "INPUT", "INSENSITIVE", "INSERT", "INT", "INTEGER", "INTERSECT",
	"INTERVAL", "INTO", "IS", "ISOLATION", "JOIN", "KEY", "LANGUAGE", "LAST", "LEADING",
	"LEFT", "LEVEL", "LIKE", "LOCAL", "LOWER", "MATCH", "MAX", "MIN", "MINUTE", "MODULE",
	"MONTH", "NAMES", "NATIONAL", "NATURAL", "NCHAR", "NEXT", "NO", "NOT", "NULL", "NULLIF",
	"NUMERIC", "OCTET_LENGTH", "OF", "ON", "ONLY", "OPEN", "OPTION", "OR", "ORDER", "OUTER",
	"OUTPUT", "OVERLAPS", "PAD", "PARTIAL", "POSITION", "PRECISION", "PREPARE", "PRESERVE",
	"PRIMARY", "PRIOR", "PRIVILEGES", "PROCEDURE", "PUBLIC", "READ", "REAL", "REFERENCES",
	"RELATIVE", "RESTRICT", "REVOKE", "RIGHT", "ROLLBACK", "ROWS", "SCHEMA", "SCROLL",
	"SECOND", "SECTION", "SELECT", "SESSION", "SESSION_USER", "SET", "SIZE", "SMALLINT",
	"SOME", "SPACE", "SQL", "SQLCODE", "SQLERROR", "SQLSTATE", "SUBSTRING", "SUM",
	"SYSTEM_USER", "TABLE", "TEMPORARY", "THEN", "TIME", "TIMESTAMP", "TIMEZONE_HOUR",
	"TIMEZONE_MINUTE", "TO", "TRAILING", "TRANSACTION", "TRANSLATE", "TRANSLATION", "TRIM",
	"TRUE", "UNION", "UNIQUE", "UNKNOWN", "UPDATE", "UPPER", "USAGE", "USER", "USING",
	"VALUE", "VALUES", "VARCHAR", "VARYING", "VIEW", "WHEN", "WHENEVER", "WHERE", "WITH",
	"WORK", "WRITE", "YEAR", "ZONE",
	/* mathematical */
	"ABS", "ACOS", "ASIN", "ATAN", "ATAN2", "CEILING", "COS", "COT", "DEGREES", "EXP",
	"FLOOR", "LOG", "LOG10", "MOD", "PI", "POWER", "RADIANS", "RAND", "ROUND", "SIN",
	"SQRT", "TAN", "TRUNCATE",
	/* geometric */
	"AREA", "BOX", "CENTROID", "CIRCLE", "CONTAINS", "COORD1", "COORD2", "COORDSYS",
	"DISTANCE", "INTERSECTS", "POINT", "POLYGON", "REGION",
	/* types, strings, units, cardinality */
	"BIGINT", "ILIKE", "IN_UNIT", "OFFSET", "TOP",
};

static int why_not(char *why, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int why_not(char *why, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (why && n) {
		va_start(ap, fmt);
		vsnprintf(why, n, fmt, ap);
		va_end(ap);
	}
	return 0;
}

int vo_adql_table_name_ok(const char *name, char *why, size_t n)
{
	size_t len;

	if (why && n)
		why[0] = '\0';
	if (!name || !*name)
		return why_not(why, n, "a table name cannot be empty");
	if (!((*name >= 'A' && *name <= 'Z') || (*name >= 'a' && *name <= 'z')))
		return why_not(why, n, "an ADQL name starts with a letter (A-Z, a-z)");
	len = strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
	if (name[len])
		return why_not(why, n, "an ADQL name holds only letters (A-Z, a-z), digits and"
			       " '_'%s", (unsigned char)name[len] < 0x80 ? "" :
			       " (no accented or other non-ASCII letters)");
	if (len > VO_ADQL_NAME_MAX)
		return why_not(why, n, "the name is longer than %d characters",
			       VO_ADQL_NAME_MAX);
	for (size_t i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return why_not(why, n, "%s is a reserved word of ADQL", reserved[i]);
	return 1;
}
