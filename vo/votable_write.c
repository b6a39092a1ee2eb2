/* vo/votable_write.c - the text forms vofs serves: CSV and VOTable 1.4
 * TABLEDATA, written from canonical cells; and the shortest round-trip
 * number formatting the reader uses for every float cell.
 */
#include "votable.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml.h"

/* ------------------------------------------------------------ numbers */

static int put(char *dst, size_t dstlen, const char *s)
{
	size_t n = strlen(s);

	if (n >= dstlen)
		return -ENOSPC;
	memcpy(dst, s, n + 1);
	return (int)n;
}

static int special(char *dst, size_t dstlen, double v)
{
	if (isnan(v))
		return put(dst, dstlen, "NaN");
	return put(dst, dstlen, v > 0 ? "+Inf" : "-Inf");
}

/* Significant digits of a %g string with trailing zeros removed ("120" ->
 * 2, "0.00105" -> 3, "1.5e+20" -> 2); and whether the value is >= 10^k in
 * fixed notation, i.e. whether "%.{k}g" would switch to exponent form. */
static int sig_digits(const char *s, int *fixed_int_digits)
{
	int first = -1, last = -1, i, intd = 0, in_int = 1;

	for (i = 0; s[i] && s[i] != 'e'; i++) {
		if (s[i] == '.') {
			in_int = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			continue;
		if (in_int && (intd || s[i] != '0'))
			intd++;
		if (s[i] != '0') {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	*fixed_int_digits = s[i] == 'e' ? 0 : intd;
	if (first < 0)
		return 1;
	/* digits between first and last, minus a decimal point among them */
	return last - first + 1 - (memchr(s + first, '.', (size_t)(last - first)) ? 1 : 0);
}

/* The first p in 1..max for which "%.{p}g" reads back as the same value.
 * Instead of trying every p: for normal numbers any decimal of at most DIG
 * digits survives a round trip through the binary type (DBL_DIG/FLT_DIG),
 * so if "%.{DIG}g" round-trips, the first p is exactly its number of
 * significant digits; otherwise it is DIG+1 or above.  Subnormals lose
 * that guarantee and take the slow way. */
/* "%g" writes whole numbers with trailing zeros in exponent form ("1e+01",
 * "1.2e+02").  Below 10^7 (float) / 10^15 (double) such a number is an
 * integer the type holds exactly, so it is written as the plain integer
 * ("10", "120"): the same value, the form people and parsers expect. */
static int put_plain(char *dst, size_t dstlen, const char *t, double v, int is_float)
{
	const char *e = strchr(t, 'e');
	char u[48];

	if (e && e[1] == '+') {
		long ex = strtol(e + 1, NULL, 10);
		if (ex < (is_float ? 7 : 15)) {
			snprintf(u, sizeof u, "%.0f", v);
			return put(dst, dstlen, u);
		}
	}
	return put(dst, dstlen, t);
}

static int fmt_shortest(char *dst, size_t dstlen, double v, int is_float)
{
	int dig = is_float ? FLT_DIG : DBL_DIG;
	int max = is_float ? 9 : 17;
	double lim = is_float ? FLT_MIN : DBL_MIN;
	char t[48];
	int p, k, intd;

	if (isnan(v) || isinf(v))
		return special(dst, dstlen, v);
#define ROUNDTRIPS(str) (is_float ? strtof(str, NULL) == (float)v : strtod(str, NULL) == v)
	if (fabs(v) >= lim) {
		snprintf(t, sizeof t, "%.*g", dig, v);
		if (ROUNDTRIPS(t)) {
			k = sig_digits(t, &intd);
			/* "%.{k}g" uses the exponent form when exp >= k */
			if (k < dig && intd > k)
				snprintf(t, sizeof t, "%.*g", k, v);
			return put_plain(dst, dstlen, t, v, is_float);
		}
		p = dig + 1;
	} else if (v == 0) {
		/* %g keeps the sign of zero and strtod reads it back */
		return put(dst, dstlen, signbit(v) ? "-0" : "0");
	} else {
		p = 1;
	}
	for (; p < max; p++) {
		snprintf(t, sizeof t, "%.*g", p, v);
		if (ROUNDTRIPS(t))
			return put_plain(dst, dstlen, t, v, is_float);
	}
#undef ROUNDTRIPS
	snprintf(t, sizeof t, "%.*g", max, v);
	return put_plain(dst, dstlen, t, v, is_float);
}

int vo_fmt_double(char *dst, size_t dstlen, double v)
{
	return fmt_shortest(dst, dstlen, v, 0);
}

int vo_fmt_float(char *dst, size_t dstlen, float v)
{
	return fmt_shortest(dst, dstlen, v, 1);
}

/* ------------------------------------------------------------ CSV */

static int csv_cell(struct vo_buf *out, const char *s, size_t n, int null)
{
	size_t i;
	int quote = 0, rc;

	if (null)
		return 0;
	if (n == 0)
		return vo_buf_add(out, "\"\"", 2);
	if (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t')
		quote = 1;
	for (i = 0; i < n && !quote; i++)
		if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n')
			quote = 1;
	if (!quote)
		return vo_buf_add(out, s, n);
	if ((rc = vo_buf_addc(out, '"')))
		return rc;
	for (i = 0; i < n; i++) {
		const char *q = memchr(s + i, '"', n - i);
		size_t end = q ? (size_t)(q - s) + 1 : n;

		/* copy through the quote, then double it */
		if ((rc = vo_buf_add(out, s + i, end - i)))
			return rc;
		if (q && (rc = vo_buf_addc(out, '"')))
			return rc;
		i = end - 1;
	}
	return vo_buf_addc(out, '"');
}

int vo_csv_row(struct vo_buf *out, const struct vo_cell *cells, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++) {
		if (i && (rc = vo_buf_addc(out, ',')))
			return rc;
		if ((rc = csv_cell(out, cells[i].s, cells[i].len, cells[i].null)))
			return rc;
	}
	return vo_buf_add(out, "\r\n", 2);
}

int vo_csv_header(struct vo_buf *out, const struct vo_table_meta *m)
{
	size_t i;
	int rc;

	for (i = 0; i < m->nfields; i++) {
		const char *name = m->fields[i].name ? m->fields[i].name : "";

		if (i && (rc = vo_buf_addc(out, ',')))
			return rc;
		if ((rc = csv_cell(out, name, strlen(name), 0)))
			return rc;
	}
	return vo_buf_add(out, "\r\n", 2);
}

/* ------------------------------------------------------------ VOTable */

/* Top-level elements of a fragment the reader serialized (well formed,
 * '<' and '>' escaped everywhere but in tags).  Calls fn for each element
 * whose name is in names (NULL-terminated list; NULL list: any name not in
 * skip).  Used to put table_xml/resource_xml pieces in schema order. */
struct piece_filter {
	const char *const *only;   /* names to emit, or NULL */
	const char *const *skip;   /* with only == NULL: names not to emit */
};

static int name_in(const char *name, size_t n, const char *const *list)
{
	for (; list && *list; list++)
		if (strlen(*list) == n && !memcmp(*list, name, n))
			return 1;
	return 0;
}

static int emit_pieces(struct vo_buf *out, const char *xml,
		       const struct piece_filter *pf)
{
	const char *p = xml ? xml : "";
	int rc;

	while ((p = strchr(p, '<'))) {
		const char *start = p, *name = p + 1, *q = p;
		size_t nlen = strcspn(name, " \t\r\n/>");
		int depth = 0;

		/* find the end of this element */
		while (*q) {
			const char *gt;

			if (*q != '<') {
				q++;
				continue;
			}
			gt = strchr(q, '>');
			if (!gt) {
				q += strlen(q);
				break;
			}
			if (q[1] == '/')
				depth--;
			else if (q[1] != '!' && q[1] != '?' && gt[-1] != '/')
				depth++;
			q = gt + 1;
			if (depth <= 0)
				break;
		}
		if (pf->only ? name_in(name, nlen, pf->only) :
			       !name_in(name, nlen, pf->skip)) {
			if ((rc = vo_buf_add(out, start, (size_t)(q - start))) ||
			    (rc = vo_buf_addc(out, '\n')))
				return rc;
		}
		p = q;
	}
	return 0;
}

static int write_info(struct vo_buf *out, const char *status, const char *msg)
{
	int rc;

	if ((rc = vo_buf_adds(out, "<INFO name=\"QUERY_STATUS\" value=\"")) ||
	    (rc = vo_xml_escape(out, status ? status : "OK",
				strlen(status ? status : "OK"), 1)))
		return rc;
	if (!msg || !*msg)
		return vo_buf_adds(out, "\"/>\n");
	if ((rc = vo_buf_adds(out, "\">")) ||
	    (rc = vo_xml_escape(out, msg, strlen(msg), 0)))
		return rc;
	return vo_buf_adds(out, "</INFO>\n");
}

/* A FIELD without stored XML (should not happen): a minimal one. */
static int write_bare_field(struct vo_buf *out, const struct vo_field *f,
			    size_t i)
{
	int rc;

	if ((rc = vo_buf_adds(out, "<FIELD name=\"")))
		return rc;
	if (f->name)
		rc = vo_xml_escape(out, f->name, strlen(f->name), 1);
	else
		rc = vo_buf_addf(out, "col%zu", i + 1);
	if (rc || (rc = vo_buf_adds(out, "\" datatype=\"char\" arraysize=\"*\"/>\n")))
		return rc;
	return 0;
}

int vo_votable_write_head(struct vo_buf *out, const struct vo_table_meta *m,
			  const char *status, const char *msg)
{
	static const char *const res_first[] = {"INFO", NULL};
	static const char *const res_rest[] = {"COOSYS", "TIMESYS", "GROUP",
					       "PARAM", NULL};
	static const char *const t_desc[] = {"DESCRIPTION", NULL};
	static const char *const t_info[] = {"INFO", NULL};
	static const char *const t_pg[] = {"PARAM", "GROUP", NULL};
	static const char *const t_link[] = {"LINK", NULL};
	struct piece_filter f;
	size_t i;
	int rc;

	if ((rc = vo_buf_adds(out,
			      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
			      "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
			      "<RESOURCE type=\"results\">\n")) ||
	    (rc = write_info(out, status, msg)))
		return rc;
	/* RESOURCE: INFO* then COOSYS/TIMESYS/GROUP/PARAM, as the schema
	 * orders them */
	f.skip = NULL;
	f.only = res_first;
	if ((rc = emit_pieces(out, m->resource_xml, &f)))
		return rc;
	f.only = res_rest;
	if ((rc = emit_pieces(out, m->resource_xml, &f)))
		return rc;
	if ((rc = vo_buf_adds(out, "<TABLE>\n")))
		return rc;
	/* TABLE: DESCRIPTION? INFO* (FIELD|PARAM|GROUP)+ LINK* DATA */
	f.only = t_desc;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	f.only = t_info;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	for (i = 0; i < m->nfields; i++) {
		if (!m->fields[i].xml)
			rc = write_bare_field(out, &m->fields[i], i);
		else if (!(rc = vo_buf_adds(out, m->fields[i].xml)))
			rc = vo_buf_addc(out, '\n');
		if (rc)
			return rc;
	}
	f.only = t_pg;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	f.only = t_link;
	if ((rc = emit_pieces(out, m->table_xml, &f)))
		return rc;
	return vo_buf_adds(out, "<DATA><TABLEDATA>\n");
}

int vo_votable_write_row(struct vo_buf *out, const struct vo_cell *cells,
			 size_t n)
{
	size_t i;
	int rc;

	if ((rc = vo_buf_adds(out, "<TR>")))
		return rc;
	for (i = 0; i < n; i++) {
		if (cells[i].null) {
			rc = vo_buf_adds(out, "<TD/>");
		} else if (!(rc = vo_buf_adds(out, "<TD>")) &&
			   !(rc = vo_xml_escape(out, cells[i].s, cells[i].len, 0))) {
			rc = vo_buf_adds(out, "</TD>");
		}
		if (rc)
			return rc;
	}
	return vo_buf_adds(out, "</TR>\n");
}

int vo_votable_write_tail(struct vo_buf *out, const char *status,
			  const char *msg)
{
	int rc;

	if ((rc = vo_buf_adds(out, "</TABLEDATA></DATA>\n</TABLE>\n")))
		return rc;
	if (status && !strcmp(status, "OVERFLOW") &&
	    (rc = write_info(out, status, msg)))
		return rc;
	return vo_buf_adds(out, "</RESOURCE>\n</VOTABLE>\n");
}
