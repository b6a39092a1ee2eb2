/* tests/unit/test_write.c - vo/votable_write.c: number formatting, CSV, and
 * the VOTable writer read back by the reader.
 *
 *   test_write FIXTURE_DIR
 */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "collect.h"
#include "votable.h"

static const char *fixdir;

/* ------------------------------------------------------------ numbers */

/* Whole numbers below 10^15 / 10^7 in exponent form are written plainly. */
static void plain(char *out, size_t n, double v, int lim)
{
	char *e = strchr(out, 'e');

	if (e && e[1] == '+' && atoi(e + 1) < lim)
		snprintf(out, n, "%.0f", v);
}

/* The definition, literally: the first %.{p}g that reads back. */
static void brute_double(char *out, size_t n, double v)
{
	int p;

	for (p = 1; p <= 17; p++) {
		double back;

		snprintf(out, n, "%.*g", p, v);
		back = strtod(out, NULL);
		if (!memcmp(&back, &v, sizeof v)) {
			plain(out, n, v, 15);
			return;
		}
	}
}

static void brute_float(char *out, size_t n, float v)
{
	int p;

	for (p = 1; p <= 9; p++) {
		float back;

		snprintf(out, n, "%.*g", p, (double)v);
		back = strtof(out, NULL);
		if (!memcmp(&back, &v, sizeof v)) {
			plain(out, n, v, 7);
			return;
		}
	}
}

static uint64_t rnd64(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void test_fmt_known(void)
{
	static const struct {
		double v;
		const char *s;
	} d[] = {
		{0.1, "0.1"}, {1.0 / 3, "0.3333333333333333"}, {2.0 / 3, "0.6666666666666666"},
		{1, "1"}, {10, "10"}, {100, "100"}, {120, "120"}, {2e14, "200000000000000"},
		{1e15, "1e+15"}, {-3e3, "-3000"},
		{123456, "123456"}, {1234567, "1234567"}, {123.456789, "123.456789"},
		{1e21, "1e+21"}, {1e-5, "1e-05"}, {0.0001, "0.0001"}, {-2.5, "-2.5"},
		{0.0, "0"}, {-0.0, "-0"}, {DBL_MAX, "1.7976931348623157e+308"},
		{DBL_MIN, "2.2250738585072014e-308"}, {4.9406564584124654e-324, "5e-324"},
		{9007199254740993.0, "9007199254740992"}, {0.30000000000000004, "0.30000000000000004"},
		{1e23, "1e+23"}, {3.141592653589793, "3.141592653589793"},
	};
	static const struct {
		float v;
		const char *s;
	} f[] = {
		{21.391468f, "21.391468"}, {0.1f, "0.1"}, {1.0f / 3, "0.33333334"},
		{16777216.0f, "16777216"}, {FLT_MAX, "3.4028235e+38"},
		{FLT_MIN, "1.1754944e-38"}, {1e-45f, "1e-45"}, {-0.0f, "-0"},
		{100.0f, "100"}, {1e6f, "1000000"}, {1e7f, "1e+07"}, {21.5f, "21.5"}, {123456.7f, "123456.7"},
	};
	char buf[40];
	size_t i;

	for (i = 0; i < sizeof d / sizeof d[0]; i++) {
		CHECK_INT(vo_fmt_double(buf, sizeof buf, d[i].v), (long long)strlen(d[i].s));
		CHECK_STR(buf, d[i].s);
	}
	for (i = 0; i < sizeof f / sizeof f[0]; i++) {
		CHECK_INT(vo_fmt_float(buf, sizeof buf, f[i].v), (long long)strlen(f[i].s));
		CHECK_STR(buf, f[i].s);
	}
	vo_fmt_double(buf, sizeof buf, NAN);
	CHECK_STR(buf, "NaN");
	vo_fmt_double(buf, sizeof buf, -NAN);
	CHECK_STR(buf, "NaN");
	vo_fmt_double(buf, sizeof buf, INFINITY);
	CHECK_STR(buf, "+Inf");
	vo_fmt_float(buf, sizeof buf, -INFINITY);
	CHECK_STR(buf, "-Inf");
	CHECK_INT(vo_fmt_double(buf, 5, 0.123), -ENOSPC);
	CHECK_INT(vo_fmt_double(buf, 6, 0.123), 5);
	CHECK_INT(vo_fmt_float(buf, 3, NAN), -ENOSPC);
	printf("fmt: %zu doubles and %zu floats print as expected (21.391468f -> \"21.391468\")\n",
	       sizeof d / sizeof d[0], sizeof f / sizeof f[0]);
}

static void test_fmt_random(void)
{
	uint64_t s = 2024;
	char a[48], b[48];
	long i, nd = 0, nf = 0;

	for (i = 0; i < 300000; i++) {
		uint64_t bits = rnd64(&s);
		double v, back;

		/* every third value near "nice" decimals, where short forms win */
		if (i % 3 == 1) {
			v = (double)(int64_t)(bits % 2000000) / 1000.0;
		} else if (i % 3 == 2) {
			v = ldexp((double)(bits >> 40), (int)(bits % 2100) - 1074 - 24);
		} else {
			memcpy(&v, &bits, sizeof v);
		}
		if (isnan(v) || isinf(v))
			continue;
		nd++;
		vo_fmt_double(a, sizeof a, v);
		brute_double(b, sizeof b, v);
		CHECK_STR(a, b);
		back = strtod(a, NULL);
		CHECK(!memcmp(&back, &v, sizeof v));
	}
	for (i = 0; i < 300000; i++) {
		uint64_t bits = rnd64(&s);
		uint32_t u = (uint32_t)bits;
		float v, back;

		if (i % 3 == 1)
			v = (float)(int32_t)(bits % 200000) / 100.0f;
		else if (i % 3 == 2)
			u &= 0x80ffffffu;        /* subnormals and tiny normals */
		if (i % 3 != 1)
			memcpy(&v, &u, sizeof v);
		if (isnan(v) || isinf(v))
			continue;
		nf++;
		vo_fmt_float(a, sizeof a, v);
		brute_float(b, sizeof b, v);
		CHECK_STR(a, b);
		back = strtof(a, NULL);
		CHECK(!memcmp(&back, &v, sizeof v));
	}
	printf("fmt: %ld random doubles and %ld random floats (incl. subnormals) match the "
	       "first-%%.{p}g-that-round-trips rule and read back bit for bit\n", nd, nf);
}

/* Compare one value with the definition; print the first few mismatches. */
static long fmt_bad;

static void cmp_double(double v)
{
	char a[48], b[48];
	double back;

	if (isnan(v) || isinf(v))
		return;
	vo_fmt_double(a, sizeof a, v);
	brute_double(b, sizeof b, v);
	back = strtod(a, NULL);
	if (strcmp(a, b) || memcmp(&back, &v, sizeof v)) {
		if (fmt_bad++ < 10)
			fprintf(stderr, "double %a: got \"%s\", want \"%s\"\n", v, a, b);
	}
}

static void cmp_float(float v)
{
	char a[48], b[48];
	float back;

	if (isnan(v) || isinf(v))
		return;
	vo_fmt_float(a, sizeof a, v);
	brute_float(b, sizeof b, v);
	back = strtof(a, NULL);
	if (strcmp(a, b) || memcmp(&back, &v, sizeof v)) {
		if (fmt_bad++ < 10)
			fprintf(stderr, "float %a: got \"%s\", want \"%s\"\n", (double)v, a, b);
	}
}

/* v, its neighbours, and their negatives */
static void cmp_double_near(double v)
{
	double w[3] = {nextafter(v, 0), v, nextafter(v, INFINITY)};
	int i;

	for (i = 0; i < 3; i++) {
		cmp_double(w[i]);
		cmp_double(-w[i]);
	}
}

static void cmp_float_near(float v)
{
	float w[3] = {nextafterf(v, 0), v, nextafterf(v, INFINITY)};
	int i;

	for (i = 0; i < 3; i++) {
		cmp_float(w[i]);
		cmp_float(-w[i]);
	}
}

static void test_fmt_edges(void)
{
	char s[48], a[48];
	long i, nint = 0;
	int e;

	fmt_bad = 0;
	for (e = -1074; e <= 1023; e++)
		cmp_double_near(ldexp(1, e));
	for (e = -149; e <= 127; e++)
		cmp_float_near(ldexpf(1, e));
	for (e = -325; e <= 309; e++) {
		snprintf(s, sizeof s, "1e%d", e);
		cmp_double_near(strtod(s, NULL));
		snprintf(s, sizeof s, "9.99999999999999999e%d", e);
		cmp_double_near(strtod(s, NULL));
		snprintf(s, sizeof s, "5e%d", e);
		cmp_double_near(strtod(s, NULL));
	}
	for (e = -46; e <= 39; e++) {
		snprintf(s, sizeof s, "1e%d", e);
		cmp_float_near(strtof(s, NULL));
		snprintf(s, sizeof s, "9.999999999e%d", e);
		cmp_float_near(strtof(s, NULL));
		snprintf(s, sizeof s, "5e%d", e);
		cmp_float_near(strtof(s, NULL));
	}
	cmp_double_near(DBL_TRUE_MIN);
	cmp_double_near(DBL_MIN);
	cmp_double_near(DBL_MAX);
	cmp_float_near(FLT_TRUE_MIN);
	cmp_float_near(FLT_MIN);
	cmp_float_near(FLT_MAX);
	/* exact binary fractions: halves, quarters ... (ties at short precisions) */
	for (i = 1; i < 20000; i++) {
		cmp_double((double)i / 2);
		cmp_double((double)i / 8);
		cmp_double((double)i / 1024);
		cmp_double(ldexp((double)i, 60));
		cmp_float((float)i / 2);
		cmp_float((float)i / 8);
		cmp_float((float)i / 1024);
		cmp_float(ldexpf((float)i, 30));
	}
	/* the largest doubles/floats below 2^53 / 2^24, where midpoints are short */
	for (i = 0; i < 20000; i++) {
		cmp_double(9007199254740992.0 - (double)i);
		cmp_double(4503599627370496.0 + (double)i / 2);
		cmp_float(16777216.0f - (float)i);
		cmp_float(16777216.0f + 2.0f * (float)i);
	}
	CHECK_INT(fmt_bad, 0);
	/* integers 1..10^7 are written plainly (below 10^7 as floats) */
	for (i = 1; i <= 10000000; i++) {
		snprintf(s, sizeof s, "%ld", i);
		vo_fmt_double(a, sizeof a, (double)i);
		if (strcmp(a, s) && fmt_bad++ < 10)
			fprintf(stderr, "double %ld: got \"%s\"\n", i, a);
		vo_fmt_float(a, sizeof a, (float)-i);
		if (strcmp(a + 1, i < 10000000 ? s : "1e+07") && fmt_bad++ < 10)
			fprintf(stderr, "float -%ld: got \"%s\"\n", i, a);
		nint++;
		if (i % 997 == 0) {
			cmp_double((double)i);
			cmp_float((float)i);
		}
	}
	CHECK_INT(fmt_bad, 0);
	printf("fmt: powers of two and ten and their neighbours, FLT/DBL_TRUE_MIN, MIN, MAX, "
	       "binary fractions, midpoints near 2^53/2^24 and %ld integers match\n", nint);
}

/* Every FMT_FLOAT_STRIDE-th float bit pattern against the definition (at
 * 97, all 44M of them matched, in 75 s; 251 keeps the test near 30 s). */
#define FMT_FLOAT_STRIDE 251u

static void test_fmt_float_sweep(void)
{
	struct timespec t0, t1;
	uint64_t u;
	long n = 0;

	fmt_bad = 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (u = 0; u <= 0xffffffffu; u += FMT_FLOAT_STRIDE) {
		uint32_t w = (uint32_t)u;
		float v;

		memcpy(&v, &w, sizeof v);
		cmp_float(v);
		n++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK_INT(fmt_bad, 0);
	printf("fmt: one float bit pattern in %u (%ld values) matches the definition "
	       "(%.1f s)\n", FMT_FLOAT_STRIDE, n,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
}

/* ------------------------------------------------------------ CSV */

static void test_csv(void)
{
	static const struct {
		const char *s;
		int null;
		const char *csv;
	} cases[] = {
		{"abc", 0, "abc"},
		{"", 1, ""},
		{"", 0, "\"\""},
		{"a,b", 0, "\"a,b\""},
		{"he said \"x\"", 0, "\"he said \"\"x\"\"\""},
		{"\"", 0, "\"\"\"\""},
		{"line\nbreak", 0, "\"line\nbreak\""},
		{"cr\r", 0, "\"cr\r\""},
		{" lead", 0, "\" lead\""},
		{"trail ", 0, "\"trail \""},
		{"\tlead", 0, "\"\tlead\""},
		{"in side", 0, "in side"},
		{"tab\tinside", 0, "tab\tinside"},
		{"1e+01", 0, "1e+01"},
		{"naïve ω", 0, "naïve ω"},
		{"a\"\"b,", 0, "\"a\"\"\"\"b,\""},
	};
	size_t n = sizeof cases / sizeof cases[0], i;
	struct vo_cell cells[sizeof cases / sizeof cases[0]];
	struct vo_buf out = VO_BUF_INIT, want = VO_BUF_INIT;
	struct vo_field fields[3];
	struct vo_table_meta m;

	/* RFC 4180 (-o csv_crlf) here; LF, the default, checked at the end */
	vo_csv_set_crlf(1);
	for (i = 0; i < n; i++) {
		struct vo_buf one = VO_BUF_INIT;
		struct vo_cell c = {cases[i].s, strlen(cases[i].s), cases[i].null};

		CHECK_INT(vo_csv_row(&one, &c, 1), 0);
		CHECK_MEM(one.p, one.len - 2, cases[i].csv, strlen(cases[i].csv));
		CHECK_STR(one.p + one.len - 2, "\r\n");
		vo_buf_free(&one);
		cells[i] = c;
		vo_buf_addf(&want, "%s%s", i ? "," : "", cases[i].csv);
	}
	vo_buf_adds(&want, "\r\n");
	CHECK_INT(vo_csv_row(&out, cells, n), 0);
	CHECK_STR(out.p, want.p);
	vo_buf_reset(&out);
	CHECK_INT(vo_csv_row(&out, cells, 0), 0);
	CHECK_STR(out.p, "\r\n");

	memset(fields, 0, sizeof fields);
	fields[0].name = "ra";
	fields[1].name = "a,\"b\"";
	fields[2].name = NULL;
	m.nfields = 3;
	m.fields = fields;
	m.table_xml = m.resource_xml = "";
	vo_buf_reset(&out);
	CHECK_INT(vo_csv_header(&out, &m), 0);
	CHECK_STR(out.p, "ra,\"a,\"\"b\"\"\",\"\"\r\n");
	vo_csv_set_crlf(0);
	vo_buf_reset(&out);
	CHECK_INT(vo_csv_header(&out, &m), 0);
	CHECK_STR(out.p, "ra,\"a,\"\"b\"\"\",\"\"\n");
	vo_buf_reset(&out);
	CHECK_INT(vo_csv_row(&out, cells, n), 0);
	CHECK_INT((long long)out.len, (long long)want.len - 1);
	CHECK_MEM(out.p, out.len - 1, want.p, want.len - 2);
	CHECK_STR(out.p + out.len - 1, "\n");
	/* a value's own CR/LF stays inside its quotes whatever the line end */
	{
		struct vo_cell nl = {"a\r\nb", 4, 0};
		vo_buf_reset(&out);
		CHECK_INT(vo_csv_row_eol(&out, &nl, 1, 0), 0);
		CHECK_STR(out.p, "\"a\r\nb\"\n");
	}
	vo_buf_free(&out);
	vo_buf_free(&want);
	printf("CSV: %zu quoting cases one by one and as one record; header quoting\n", n);
}

/* ------------------------------------------------------------ VOTable */

/* head + body + tail for what c collected from reader v */
static char *assemble(struct coll *c, struct vo_votable *v, const struct vo_table_meta *m)
{
	struct vo_buf out = VO_BUF_INIT;
	const char *st = vo_votable_status(v);
	const char *msg = vo_votable_status_msg(v);

	CHECK_INT(vo_votable_write_head(&out, m, st, msg), 0);
	vo_buf_add(&out, c->body.p, c->body.len);
	CHECK_INT(vo_votable_write_tail(&out, st, msg, NULL), 0);
	return vo_buf_take(&out);
}

static void test_roundtrip(void)
{
	static const char *const files[] = {"table.td.vot", "table.bin2.vot",
					     "table.bin.vot", "empty.vot"};
	size_t k;

	for (k = 0; k < sizeof files / sizeof files[0]; k++) {
		struct coll c1 = {0}, c2 = {0}, c3 = {0};
		struct vo_votable *v1 = NULL, *v2 = NULL, *v3 = NULL;
		struct vo_err err;
		size_t len;
		char *doc = check_slurp(fixdir, files[k], &len);
		char *w1, *w2, *w3;

		c1.write = c2.write = c3.write = 1;
		CHECK_INT(coll_run(doc, len, FEED_WHOLE, 0, &c1, &err, &v1), 0);
		w1 = assemble(&c1, v1, &c1.m);
		CHECK_HAS(w1, "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">");

		/* read back: same cells, same metadata, same status */
		CHECK_INT(coll_run(w1, strlen(w1), FEED_RANDOM, 11, &c2, &err, &v2), 0);
		if (err.code)
			fprintf(stderr, "    %s: %s\n", files[k], err.msg);
		{
			/* TABLEDATA has no empty non-null string: "" comes
			 * back as null (table.bin.vot has such cells) */
			const char *d1 = c1.dump.p ? c1.dump.p : "";
			char *want = check_replace_all(d1, " = \"\"\n", " = NULL\n");

			CHECK_MEM(c2.dump.p ? c2.dump.p : "", c2.dump.len, want, strlen(want));
			if (!strcmp(want, d1))
				CHECK_MEM(c2.csv.p, c2.csv.len, c1.csv.p, c1.csv.len);
			free(want);
		}
		CHECK_MEM(c2.meta.p, c2.meta.len, c1.meta.p, c1.meta.len);
		CHECK_STR(vo_votable_status(v2), vo_votable_status(v1));
		CHECK_STR(vo_votable_status_msg(v2), vo_votable_status_msg(v1));
		CHECK_INT(vo_votable_nrows(v2), vo_votable_nrows(v1));

		/* and writing that again gives the same bytes */
		w2 = assemble(&c2, v2, &c2.m);
		{
			char *want = check_replace_all(w1, "<TD></TD>", "<TD/>");

			CHECK_STR(w2, want);
			free(want);
		}

		/* a meta restored from storage: only xml, names, and the two
		 * fragments; the head must come out the same */
		{
			struct vo_field *f = calloc(c1.m.nfields + 1, sizeof *f);
			struct vo_table_meta m = {c1.m.nfields, f, c1.m.table_xml,
						  c1.m.resource_xml};
			size_t i;

			for (i = 0; i < c1.m.nfields; i++) {
				f[i].xml = c1.m.fields[i].xml;
				f[i].name = c1.m.fields[i].name;
			}
			CHECK_INT(coll_run(doc, len, FEED_WHOLE, 0, &c3, &err, &v3), 0);
			w3 = assemble(&c3, v3, &m);
			CHECK_STR(w3, w1);
			free(w3);
			free(f);
			vo_votable_free(v3);
		}
		printf("%s: written as VOTable 1.4, read back with identical cells (\"\" -> null "
		       "aside), metadata, status and CSV; rewriting is a fixpoint; stored-meta "
		       "head identical\n", files[k]);
		vo_votable_free(v1);
		vo_votable_free(v2);
		coll_free(&c1);
		coll_free(&c2);
		coll_free(&c3);
		free(w1);
		free(w2);
		free(doc);
	}
}

static void test_writer_details(void)
{
	struct vo_field f[2];
	struct vo_table_meta m;
	struct vo_cell cells[2] = {{"", 0, 0}, {"x\x01y\rz", 5, 0}};
	struct vo_buf out = VO_BUF_INIT;
	struct coll c = {0};
	struct vo_err err;
	struct vo_votable *v = NULL;

	memset(f, 0, sizeof f);
	f[0].name = "s";
	f[0].xml = "<FIELD name=\"s\" datatype=\"char\" arraysize=\"*\"/>";
	f[1].name = "t";
	f[1].xml = "<FIELD name=\"t\" datatype=\"char\" arraysize=\"*\"/>";
	m.nfields = 2;
	m.fields = f;
	m.table_xml = "<LINK href=\"http://a/\"/><FOO/><INFO name=\"i\" value=\"v\"/>"
		      "<DESCRIPTION>d</DESCRIPTION><GROUP><PARAM name=\"p\" datatype=\"int\" value=\"1\"/>"
		      "</GROUP>";
	m.resource_xml = "<COOSYS ID=\"c\" system=\"ICRS\"/><INFO name=\"r\" value=\"1\">text</INFO>";
	CHECK_INT(vo_votable_write_head(&out, &m, NULL, NULL), 0);
	CHECK_INT(vo_votable_write_row(&out, cells, 2), 0);
	CHECK_INT(vo_votable_write_tail(&out, "OK", "fine", ""), 0);
	CHECK_STR(out.p,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
		  "<RESOURCE type=\"results\">\n"
		  "<INFO name=\"QUERY_STATUS\" value=\"OK\"/>\n"
		  "<INFO name=\"r\" value=\"1\">text</INFO>\n"
		  "<COOSYS ID=\"c\" system=\"ICRS\"/>\n"
		  "<TABLE>\n"
		  "<DESCRIPTION>d</DESCRIPTION>\n"
		  "<INFO name=\"i\" value=\"v\"/>\n"
		  "<FIELD name=\"s\" datatype=\"char\" arraysize=\"*\"/>\n"
		  "<FIELD name=\"t\" datatype=\"char\" arraysize=\"*\"/>\n"
		  "<GROUP><PARAM name=\"p\" datatype=\"int\" value=\"1\"/></GROUP>\n"
		  "<LINK href=\"http://a/\"/>\n"
		  "<DATA><TABLEDATA>\n"
		  "<TR><TD></TD><TD>xy&#13;z</TD></TR>\n"
		  "</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
	/* what TABLEDATA cannot carry: "" reads back as null, C0 controls
	 * other than tab/LF/CR are dropped */
	CHECK_INT(coll_run(out.p, out.len, FEED_WHOLE, 0, &c, &err, &v), 0);
	CHECK_STR(c.dump.p, "# row 1\ns = NULL\nt = \"xy\\rz\"\n");
	CHECK_STR(vo_votable_status(v), "OK");
	vo_votable_free(v);
	coll_free(&c);
	printf("writer: schema order of table/resource pieces, unknown pieces dropped; "
	       "\"\" -> null and C0 controls dropped (TABLEDATA limits)\n");

	vo_buf_reset(&out);
	CHECK_INT(vo_votable_write_tail(&out, "OVERFLOW", "cut <here>", NULL), 0);
	CHECK_STR(out.p, "</TABLEDATA></DATA>\n</TABLE>\n"
			 "<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\">cut &lt;here&gt;</INFO>\n"
			 "</RESOURCE>\n</VOTABLE>\n");
	/* DataLink service descriptors follow the results RESOURCE */
	vo_buf_reset(&out);
	CHECK_INT(vo_votable_write_tail(&out, "OK", "", "<RESOURCE type=\"meta\" "
					"utype=\"adhoc:service\"><PARAM name=\"accessURL\" "
					"datatype=\"char\" arraysize=\"*\" value=\"http://x/dl\"/>"
					"</RESOURCE>"), 0);
	CHECK_STR(out.p, "</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n"
			 "<RESOURCE type=\"meta\" utype=\"adhoc:service\"><PARAM name=\"accessURL\" "
			 "datatype=\"char\" arraysize=\"*\" value=\"http://x/dl\"/></RESOURCE>\n"
			 "</VOTABLE>\n");
	vo_buf_reset(&out);
	f[1].xml = NULL;
	f[1].name = "n&m";
	m.table_xml = m.resource_xml = "";
	CHECK_INT(vo_votable_write_head(&out, &m, "ERROR", "bad \"q\""), 0);
	CHECK_HAS(out.p, "<INFO name=\"QUERY_STATUS\" value=\"ERROR\">bad &quot;q&quot;</INFO>\n");
	CHECK_HAS(out.p, "<FIELD name=\"n&amp;m\" datatype=\"char\" arraysize=\"*\"/>\n");
	vo_buf_free(&out);
	printf("writer: trailing OVERFLOW INFO; ERROR status with message; FIELD without xml\n");
}

int main(int argc, char **argv)
{
	fixdir = check_init_fixtures(argc, argv);
	test_fmt_known();
	test_fmt_random();
	test_fmt_edges();
	test_fmt_float_sweep();
	test_csv();
	test_roundtrip();
	test_writer_details();
	return check_done("test_write");
}
