/* tests/unit/test_upload.c - vo/upload.c: CSV to VOTable for TAP_UPLOAD.
 *
 * CSV files written into a temporary directory are converted, and the
 * VOTable is read back with vo/votable.c (the project's own reader): types,
 * values and nulls must come through.  Reading (quotes, line ends, BOM,
 * blank lines), type inference, the errors with their line numbers, the
 * caps, XML escaping, a file that changes between the two passes, the
 * sink's pieces, and ADQL table names.  No network.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "collect.h"
#include "upload.h"

static char dir[] = "/tmp/vofs-upload-XXXXXX";
static char path[256];

static void put(const char *bytes, size_t n)
{
	FILE *f;

	snprintf(path, sizeof path, "%s/t.csv", dir);
	f = fopen(path, "wb");
	if (!f || (n && fwrite(bytes, 1, n, f) != n) || fclose(f)) {
		perror(path);
		exit(2);
	}
}

#define PUT(s) put(s, sizeof(s) - 1)

struct sink {
	struct vo_buf doc;
	size_t calls, biggest;
	int fail_at;              /* the call that fails (1-based), 0: none */
	void (*hook)(struct sink *s);   /* called at the first call */
};

static int to_buf(void *ud, const char *p, size_t n)
{
	struct sink *s = ud;

	s->calls++;
	if (n > s->biggest)
		s->biggest = n;
	if (s->hook && s->calls == 1)
		s->hook(s);
	if (s->fail_at && (int)s->calls == s->fail_at)
		return -ENOSPC;
	return vo_buf_add(&s->doc, p, n);
}

/* Convert the file at path; read the VOTable back into c. */
static int convert(struct coll *c, struct vo_csv_info *info, struct vo_err *err)
{
	struct sink s = {.doc = VO_BUF_INIT};
	struct vo_err perr;
	int rc;

	memset(c, 0, sizeof *c);
	vo_err_clear(err);
	rc = vo_csv_to_votable(path, "up", to_buf, &s, info, err);
	if (!rc) {
		rc = coll_run(s.doc.p, s.doc.len, FEED_RANDOM, 7, c, &perr, NULL);
		if (rc)
			fprintf(stderr, "the VOTable does not read back: %s\n%s\n", perr.msg, s.doc.p);
		CHECK_INT(rc, 0);
		CHECK_INT(c->nmeta, 1);
	}
	vo_buf_free(&s.doc);
	return rc;
}

/* The rows of the file at path, as collect.h dumps them. */
static void expect_rows(const char *want)
{
	struct vo_csv_info info;
	struct vo_err err;
	struct coll c;

	CHECK_INT(convert(&c, &info, &err), 0);
	CHECK_STR(c.dump.p ? c.dump.p : "", want);
	vo_csv_info_free(&info);
	coll_free(&c);
}

/* The error of the file at path: code and message, the same from
 * vo_csv_inspect and vo_csv_to_votable. */
static void expect_error(int code, const char *msg)
{
	struct vo_csv_info info = {0};
	struct vo_err err = {0};
	struct coll c;

	CHECK_INT(vo_csv_inspect(path, &info, &err), -code);
	CHECK_STR(err.msg, msg);
	CHECK(info.cols == NULL && info.ncols == 0 && info.nrows == 0);
	CHECK_INT(convert(&c, &info, &err), -code);
	CHECK_STR(err.msg, msg);
	CHECK(info.cols == NULL);
	coll_free(&c);
}

static void test_types(void)
{
	struct vo_csv_info info;
	struct vo_err err = {0};
	struct coll c;
	static const struct {
		const char *name;
		enum vo_csv_type type;
		size_t nulls;
	} want[] = {
		{"i", VO_CSV_LONG, 1}, {"d", VO_CSV_DOUBLE, 1}, {"s", VO_CSV_CHAR, 2},
		{"u", VO_CSV_UNICODE, 0}, {"empty", VO_CSV_LONG, 4}, {"big", VO_CSV_CHAR, 0},
		{"mixed", VO_CSV_DOUBLE, 0}, {"words", VO_CSV_CHAR, 0},
	};

	PUT("i,d,s,u,empty,big,mixed,words\n"
	    "1,1.5,x,h\xc3\xa9,,9223372036854775808,1,True\n"
	    ",,,plain,,1,2.5,nan(1)\n"
	    "+5, nan ,,b,\"\",2,-3,0x10\n"
	    " 007 ,-Infinity,\" y \",c,  ,3,1e400,1_000\n");
	CHECK_INT(vo_csv_inspect(path, &info, &err), 0);
	CHECK_INT(info.nrows, 4);
	CHECK_INT(info.ncols, 8);
	for (size_t i = 0; i < info.ncols && i < 8; i++) {
		CHECK_STR(info.cols[i].name, want[i].name);
		CHECK_INT(info.cols[i].type, want[i].type);
		CHECK_INT(info.cols[i].nulls, want[i].nulls);
	}
	vo_csv_info_free(&info);
	vo_csv_info_free(&info);   /* twice is harmless */
	vo_csv_info_free(NULL);

	CHECK_INT(convert(&c, &info, &err), 0);
	CHECK_INT(info.nrows, 4);
	CHECK_HAS(c.meta.p, "FIELD i id=(null) type=5 datatype=long arraysize=(null)");
	CHECK_HAS(c.meta.p, "FIELD d id=(null) type=9 datatype=double arraysize=(null)");
	CHECK_HAS(c.meta.p, "FIELD s id=(null) type=6 datatype=char arraysize=*");
	CHECK_HAS(c.meta.p, "FIELD u id=(null) type=7 datatype=unicodeChar arraysize=*");
	CHECK_HAS(c.meta.p, "FIELD empty id=(null) type=5 datatype=long");
	/* numbers as vo/votable.c gives them; NaN is null in a VOTable */
	CHECK_STR(c.dump.p,
		  "# row 1\ni = \"1\"\nd = \"1.5\"\ns = \"x\"\nu = \"h\xc3\xa9\"\nempty = NULL\n"
		  "big = \"9223372036854775808\"\nmixed = \"1\"\nwords = \"True\"\n"
		  "# row 2\ni = NULL\nd = NULL\ns = NULL\nu = \"plain\"\nempty = NULL\n"
		  "big = \"1\"\nmixed = \"2.5\"\nwords = \"nan(1)\"\n"
		  "# row 3\ni = \"5\"\nd = NULL\ns = NULL\nu = \"b\"\nempty = NULL\n"
		  "big = \"2\"\nmixed = \"-3\"\nwords = \"0x10\"\n"
		  "# row 4\ni = \"7\"\nd = \"-Inf\"\ns = \"y\"\nu = \"c\"\nempty = NULL\n"
		  "big = \"3\"\nmixed = \"+Inf\"\nwords = \"1_000\"\n");
	vo_csv_info_free(&info);
	coll_free(&c);

	/* every cell of a kind, alone in its column */
	static const struct {
		const char *cell;
		enum vo_csv_type type;
	} one[] = {
		{"0", VO_CSV_LONG}, {"-0", VO_CSV_LONG}, {"+12", VO_CSV_LONG},
		{"-9223372036854775808", VO_CSV_LONG}, {"9223372036854775807", VO_CSV_LONG},
		{"-9223372036854775809", VO_CSV_CHAR}, {"99999999999999999999", VO_CSV_CHAR},
		{"1.", VO_CSV_DOUBLE}, {".5", VO_CSV_DOUBLE}, {"-.5e-3", VO_CSV_DOUBLE},
		{"1E+05", VO_CSV_DOUBLE}, {"1e5", VO_CSV_DOUBLE}, {"INF", VO_CSV_DOUBLE},
		{"-infinity", VO_CSV_DOUBLE}, {"+NaN", VO_CSV_DOUBLE}, {"1e-400", VO_CSV_DOUBLE},
		{".", VO_CSV_CHAR}, {"e5", VO_CSV_CHAR}, {"1e", VO_CSV_CHAR}, {"1e+", VO_CSV_CHAR},
		{"-", VO_CSV_CHAR}, {"+", VO_CSV_CHAR}, {"1.2.3", VO_CSV_CHAR},
		{"1 2", VO_CSV_CHAR}, {"1d5", VO_CSV_CHAR}, {"0x1p3", VO_CSV_CHAR},
		{"infinit", VO_CSV_CHAR}, {"nana", VO_CSV_CHAR}, {"\xef\xbc\x91", VO_CSV_UNICODE},
		{"True", VO_CSV_CHAR}, {"1,5", VO_CSV_CHAR}, {"\"1\"", VO_CSV_LONG},
		{"\" 2.5 \"", VO_CSV_DOUBLE},
	};
	for (size_t i = 0; i < sizeof one / sizeof one[0]; i++) {
		char doc[128];
		const char *q = strchr(one[i].cell, ',') ? "\"" : "";
		put(doc, (size_t)snprintf(doc, sizeof doc, "a\n%s%s%s\n", q, one[i].cell, q));
		CHECK_INT(vo_csv_inspect(path, &info, &err), 0);
		CHECK_INT(info.nrows, 1);
		if (info.ncols == 1 && info.cols[0].type != one[i].type) {
			fprintf(stderr, "    the cell %s\n", one[i].cell);
			CHECK_INT(info.cols[0].type, one[i].type);
		}
		vo_csv_info_free(&info);
	}
	CHECK_STR(vo_csv_datatype(VO_CSV_LONG), "long");
	CHECK_STR(vo_csv_datatype(VO_CSV_DOUBLE), "double");
	CHECK_STR(vo_csv_datatype(VO_CSV_CHAR), "char");
	CHECK_STR(vo_csv_datatype(VO_CSV_UNICODE), "unicodeChar");
}

/* How doubles are written: as in the CSV, but for what VOTable spells
 * otherwise. */
static void test_double_text(void)
{
	struct sink s = {.doc = VO_BUF_INIT};
	struct vo_err err = {0};

	PUT("d\n+1.50\nnan\n-NAN\ninf\n-Infinity\n1e400\n-1e400\n1e-400\n007.5\n.5\n1.\n4e-320\n");
	CHECK_INT(vo_csv_to_votable(path, "t", to_buf, &s, NULL, &err), 0);
	CHECK_HAS(s.doc.p, "<DATA><TABLEDATA>\n<TR><TD>+1.50</TD></TR>\n<TR><TD>NaN</TD></TR>\n"
		  "<TR><TD>NaN</TD></TR>\n<TR><TD>+Inf</TD></TR>\n<TR><TD>-Inf</TD></TR>\n"
		  "<TR><TD>+Inf</TD></TR>\n<TR><TD>-Inf</TD></TR>\n<TR><TD>0</TD></TR>\n"
		  "<TR><TD>007.5</TD></TR>\n<TR><TD>.5</TD></TR>\n<TR><TD>1.</TD></TR>\n"
		  "<TR><TD>4e-320</TD></TR>\n</TABLEDATA>");
	vo_buf_free(&s.doc);
}

static void test_document(void)
{
	struct sink s = {.doc = VO_BUF_INIT};
	struct vo_err err = {0};

	PUT("n,s\n1,a\n,\n");
	CHECK_INT(vo_csv_to_votable(path, "my_table", to_buf, &s, NULL, &err), 0);
	CHECK_STR(s.doc.p,
		  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		  "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\">\n"
		  "<RESOURCE type=\"results\">\n<TABLE name=\"my_table\">\n"
		  "<FIELD name=\"n\" datatype=\"long\"/>\n"
		  "<FIELD name=\"s\" datatype=\"char\" arraysize=\"*\"/>\n"
		  "<DATA><TABLEDATA>\n"
		  "<TR><TD>1</TD><TD>a</TD></TR>\n"
		  "<TR><TD/><TD/></TR>\n"
		  "</TABLEDATA></DATA>\n</TABLE>\n</RESOURCE>\n</VOTABLE>\n");
	CHECK_INT(s.calls, 1);
	vo_buf_free(&s.doc);

	/* the table name is escaped too */
	s = (struct sink){.doc = VO_BUF_INIT};
	CHECK_INT(vo_csv_to_votable(path, "a\"<&", to_buf, &s, NULL, &err), 0);
	CHECK_HAS(s.doc.p, "<TABLE name=\"a&quot;&lt;&amp;\">");
	vo_buf_free(&s.doc);
}

static void test_reading(void)
{
	/* quotes: "" escapes, separators and line breaks inside, blanks
	 * around, text after the closing quote, a quote inside a plain field */
	PUT("k,v\n"
	    "1,\"a,b\"\n"
	    "2,\"say \"\"hi\"\"\"\n"
	    "3,  \"  padded  \"  \n"
	    "4,\"ab\"cd\n"
	    "5,x\"y\"z\n"
	    "6,\"line\none\"\n"
	    "7,\"crlf\r\ninside\"\n"
	    "8,\"\n\nedges\n\"\n"
	    "9,\"\"\n"
	    "10,\"\"\"\"\n");
	expect_rows("# row 1\nk = \"1\"\nv = \"a,b\"\n"
		    "# row 2\nk = \"2\"\nv = \"say \\\"hi\\\"\"\n"
		    "# row 3\nk = \"3\"\nv = \"padded\"\n"
		    "# row 4\nk = \"4\"\nv = \"abcd\"\n"
		    "# row 5\nk = \"5\"\nv = \"x\\\"y\\\"z\"\n"
		    "# row 6\nk = \"6\"\nv = \"line\\none\"\n"
		    "# row 7\nk = \"7\"\nv = \"crlf\\ninside\"\n"
		    "# row 8\nk = \"8\"\nv = \"\\n\\nedges\\n\"\n"
		    "# row 9\nk = \"9\"\nv = NULL\n"
		    "# row 10\nk = \"10\"\nv = \"\\\"\"\n");

	/* a byte order mark, CRLF, a lone CR, no line end at the end */
	PUT("\xef\xbb\xbf" "a,b\r\n1,x\r\n2,\"p\rq\"\r3,z");
	expect_rows("# row 1\na = \"1\"\nb = \"x\"\n# row 2\na = \"2\"\nb = \"p\\nq\"\n"
		    "# row 3\na = \"3\"\nb = \"z\"\n");
	/* a BOM only at the very start */
	PUT("a\n\xef\xbb\xbfx\n");
	expect_rows("# row 1\na = \"\xef\xbb\xbfx\"\n");

	/* blank lines are skipped, a line of blank fields is a row of nulls,
	 * and "" alone is a row with an empty (null) cell */
	PUT("\n  \na,b\n\n1,2\n \t \n , \n\r\n3,4\n\n");
	expect_rows("# row 1\na = \"1\"\nb = \"2\"\n# row 2\na = NULL\nb = NULL\n"
		    "# row 3\na = \"3\"\nb = \"4\"\n");
	PUT("a\n\"\"\n1\n");
	expect_rows("# row 1\na = NULL\n# row 2\na = \"1\"\n");

	/* the header: names stripped, blank ones col<N>, a trailing comma */
	PUT(" x ,, \" y \",\n1,2,3,4\n");
	{
		struct vo_csv_info info;
		struct vo_err err = {0};
		CHECK_INT(vo_csv_inspect(path, &info, &err), 0);
		CHECK_INT(info.ncols, 4);
		if (info.ncols == 4) {
			CHECK_STR(info.cols[0].name, "x");
			CHECK_STR(info.cols[1].name, "col2");
			CHECK_STR(info.cols[2].name, "y");
			CHECK_STR(info.cols[3].name, "col4");
		}
		vo_csv_info_free(&info);
	}
	/* a header alone: an empty table */
	PUT("a,b\n");
	{
		struct vo_csv_info info;
		struct vo_err err;
		struct coll c;
		CHECK_INT(convert(&c, &info, &err), 0);
		CHECK_INT(info.nrows, 0);
		CHECK_INT(c.rows, 0);
		CHECK_HAS(c.meta.p, "FIELD b id=(null) type=5 datatype=long");
		vo_csv_info_free(&info);
		coll_free(&c);
	}
	PUT("a,b");
	expect_rows("");
}

static void test_escaping(void)
{
	struct vo_csv_info info;
	struct vo_err err;
	struct coll c;

	PUT("\"a&b\",<c>,\"d\"\"e\",f'g,h]]>i,\"tab\tname\"x\n"
	    "\"x & y\",<tag/>,\"q\"\"uote\",it's,]]>,\"\ta\tb\t\"\n"
	    "&amp;,&#65;,<![CDATA[z]]>,',>,\xf0\x9f\x98\x80\n");
	expect_error(EINVAL, "line 1: the name of column 6 holds a tab or a line break");
	PUT("\"a&b\",<c>,\"d\"\"e\",f'g,h]]>i,\xc3\xa9\n"
	    "\"x & y\",<tag/>,\"q\"\"uote\",it's,]]>,\"a\tb\"\n"
	    "&amp;,&#65;,<![CDATA[z]]>,',>,\xf0\x9f\x98\x80\n");
	CHECK_INT(convert(&c, &info, &err), 0);
	CHECK_HAS(c.meta.p, "FIELD a&b ");
	CHECK_HAS(c.meta.p, "FIELD <c> ");
	CHECK_HAS(c.meta.p, "FIELD d\"e ");
	CHECK_HAS(c.meta.p, "FIELD f'g ");
	CHECK_HAS(c.meta.p, "FIELD h]]>i ");
	CHECK_HAS(c.meta.p, "FIELD \xc3\xa9 id=(null) type=7 datatype=unicodeChar");
	CHECK_STR(c.dump.p,
		  "# row 1\na&b = \"x & y\"\n<c> = \"<tag/>\"\nd\"e = \"q\\\"uote\"\n"
		  "f'g = \"it's\"\nh]]>i = \"]]>\"\n\xc3\xa9 = \"a\\tb\"\n"
		  "# row 2\na&b = \"&amp;\"\n<c> = \"&#65;\"\nd\"e = \"<![CDATA[z]]>\"\n"
		  "f'g = \"'\"\nh]]>i = \">\"\n\xc3\xa9 = \"\xf0\x9f\x98\x80\"\n");
	vo_csv_info_free(&info);
	coll_free(&c);
}

static void test_errors(void)
{
	struct vo_csv_info info = {0};
	struct vo_err err = {0};

	/* ragged rows, by physical line (a record may span lines) */
	PUT("a,b\n1,2\n3\n");
	expect_error(EINVAL, "line 3 has 1 field, the header has 2");
	PUT("a,b\r\n1,2\r\n\"x\ny\",2,3\r\n");
	expect_error(EINVAL, "line 3 has 3 fields, the header has 2");
	PUT("a,b\n\"multi\nline\nfield\",1\n\n4,5,\n");
	expect_error(EINVAL, "line 6 has 3 fields, the header has 2");

	/* not UTF-8: the line of the byte, inside a quoted field too */
	PUT("a,b\n1,\"ok\nstill ok\nbad \xff here\"\n");
	expect_error(EINVAL, "line 4: column 2 holds bytes that are not UTF-8 (0xFF)");
	PUT("a\n\xc3\n");
	expect_error(EINVAL, "line 2: column 1 holds bytes that are not UTF-8 (0xC3)");
	PUT("a\n\xc0\xaf\n");   /* overlong '/' */
	expect_error(EINVAL, "line 2: column 1 holds bytes that are not UTF-8 (0xC0)");
	PUT("a\n\xed\xa0\x80\n");   /* a surrogate */
	expect_error(EINVAL, "line 2: column 1 holds bytes that are not UTF-8 (0xED)");
	PUT("a\n\xf4\x90\x80\x80\n");   /* beyond U+10FFFF */
	expect_error(EINVAL, "line 2: column 1 holds bytes that are not UTF-8 (0xF4)");
	PUT("a,\xe9t\xe9\n1,2\n");   /* Latin-1 in the header */
	expect_error(EINVAL, "line 1: the name of column 2 holds bytes that are not UTF-8 (0xE9)");

	/* characters XML 1.0 cannot hold */
	PUT("a,b\n1,x\x01y\n");
	expect_error(EINVAL, "line 2: column 2 holds the control character U+0001,"
		     " which XML 1.0 cannot hold");
	put("a\nx\0y\n", 6);
	expect_error(EINVAL, "line 2: column 1 holds the control character U+0000,"
		     " which XML 1.0 cannot hold");
	PUT("a\n\"1\n2\x1b\"\n");
	expect_error(EINVAL, "line 3: column 1 holds the control character U+001B,"
		     " which XML 1.0 cannot hold");
	PUT("a\n\xef\xbf\xbe\n");
	expect_error(EINVAL, "line 2: column 1 holds the control character U+FFFE,"
		     " which XML 1.0 cannot hold");
	PUT("a\x0c\n1\n");
	expect_error(EINVAL, "line 1: the name of column 1 holds the control character U+000C,"
		     " which XML 1.0 cannot hold");
	/* tab and DEL and C1 characters are fine */
	PUT("a\nx\ty\x7f\xc2\x85\n");
	expect_rows("# row 1\na = \"x\\ty\x7f\xc2\x85\"\n");

	/* names */
	PUT("a,b,a\n1,2,3\n");
	expect_error(EINVAL, "line 1: columns 1 and 3 are both named \"a\"");
	PUT("ra,dec,RA\n1,2,3\n");
	expect_error(EINVAL, "line 1: columns 1 and 3 are both named \"ra\" (ignoring case,"
		     " as ADQL does)");
	PUT("col2,\n1,2\n");
	expect_error(EINVAL, "line 1: columns 1 and 2 are both named \"col2\"");
	PUT("\n\na,\"b\nc\"\n1,2\n");
	expect_error(EINVAL, "line 3: the name of column 2 holds a tab or a line break");

	/* a quote left open */
	PUT("a,b\n1,2\n3,\"open\n4,5\n");
	expect_error(EINVAL, "line 3: a quoted field is not closed at the end of the file");

	/* empty files */
	PUT("");
	expect_error(EINVAL, "the file is empty: a CSV table needs at least its header line");
	PUT("\xef\xbb\xbf");
	expect_error(EINVAL, "the file is empty: a CSV table needs at least its header line");
	PUT("\n \r\n\t\n");
	expect_error(EINVAL, "the file is empty: a CSV table needs at least its header line");

	/* no such file, no regular file */
	snprintf(path, sizeof path, "%s/none.csv", dir);
	CHECK_INT(vo_csv_inspect(path, &info, &err), -ENOENT);
	CHECK_HAS(err.msg, "none.csv: No such file or directory");
	vo_err_clear(&err);
	CHECK_INT(vo_csv_inspect(dir, &info, &err), -EINVAL);
	CHECK_HAS(err.msg, "is not a regular file");
}

static void test_caps(void)
{
	struct vo_buf b = VO_BUF_INIT;
	struct vo_csv_info info;
	struct vo_err err = {0};

	/* a row up to the cap is fine, one byte more is not */
	vo_buf_adds(&b, "a,b\n1,");
	for (size_t i = 0; i < VO_CSV_MAX_ROW - 2; i++)
		vo_buf_addc(&b, 'x');
	vo_buf_adds(&b, "\n");
	put(b.p, b.len);
	CHECK_INT(vo_csv_inspect(path, &info, &err), 0);
	CHECK_INT(info.cols[1].type, VO_CSV_CHAR);
	vo_csv_info_free(&info);
	b.len -= 1;
	vo_buf_adds(&b, "xx\n");
	put(b.p, b.len);
	expect_error(EFBIG, "line 2: a record of more than 1048576 bytes (is a quote left open?)");
	/* a quote never closed in a large file ends at the cap, not at the end */
	vo_buf_reset(&b);
	vo_buf_adds(&b, "a\n\"");
	for (size_t i = 0; i < 200000; i++)
		vo_buf_adds(&b, "0123456789\n");
	put(b.p, b.len);
	expect_error(EFBIG, "line 2: a record of more than 1048576 bytes (is a quote left open?)");

	/* as many columns as the cap; one more */
	vo_buf_reset(&b);
	for (int i = 0; i < VO_CSV_MAX_COLS; i++)
		vo_buf_addf(&b, "%sc%d", i ? "," : "", i);
	vo_buf_addc(&b, '\n');
	for (int i = 0; i < VO_CSV_MAX_COLS; i++)
		vo_buf_addf(&b, "%s%d", i ? "," : "", i);
	vo_buf_addc(&b, '\n');
	put(b.p, b.len);
	{
		struct coll c;
		CHECK_INT(convert(&c, &info, &err), 0);
		CHECK_INT(info.ncols, VO_CSV_MAX_COLS);
		CHECK_INT(c.rows, 1);
		CHECK_HAS(c.dump.p, "c4095 = \"4095\"\n");
		vo_csv_info_free(&info);
		coll_free(&c);
	}
	vo_buf_reset(&b);
	for (int i = 0; i <= VO_CSV_MAX_COLS; i++)
		vo_buf_addf(&b, "%sc%d", i ? "," : "", i);
	vo_buf_addc(&b, '\n');
	put(b.p, b.len);
	expect_error(EFBIG, "line 1: the header has 4097 columns, more than 4096");
	/* a data row far wider than the header: counted, not stored */
	vo_buf_reset(&b);
	vo_buf_adds(&b, "a\n");
	for (int i = 0; i < 3 * VO_CSV_MAX_COLS; i++)
		vo_buf_adds(&b, ",");
	vo_buf_adds(&b, "\n");
	put(b.p, b.len);
	expect_error(EINVAL, "line 2 has 12289 fields, the header has 1");
	vo_buf_free(&b);
}

/* Many rows: the sink gets bounded pieces, the rows all come back. */
static void test_streaming(void)
{
	struct vo_buf b = VO_BUF_INIT;
	struct sink s = {.doc = VO_BUF_INIT};
	struct vo_csv_info info;
	struct vo_err err = {0};
	struct coll c = {0};
	const size_t rows = 100000;

	vo_buf_adds(&b, "id,x,name\n");
	for (size_t i = 0; i < rows; i++)
		vo_buf_addf(&b, "%zu,%zu.25,\"n%zu, <%zu>\"\n", i, i, i, i);
	put(b.p, b.len);
	CHECK_INT(vo_csv_to_votable(path, "big", to_buf, &s, &info, &err), 0);
	CHECK_INT(info.nrows, rows);
	CHECK(s.calls > 10);
	CHECK(s.biggest < 65536 + 200);
	CHECK_INT(coll_run(s.doc.p, s.doc.len, FEED_WHOLE, 0, &c, &err, NULL), 0);
	CHECK_INT(c.rows, rows);
	CHECK_HAS(c.dump.p, "# row 100000\nid = \"99999\"\nx = \"99999.25\"\n"
		  "name = \"n99999, <99999>\"\n");
	vo_csv_info_free(&info);
	coll_free(&c);

	/* a sink's error stops the conversion and is returned */
	vo_buf_reset(&s.doc);
	s.calls = 0;
	s.fail_at = 3;
	vo_err_clear(&err);
	CHECK_INT(vo_csv_to_votable(path, "big", to_buf, &s, &info, &err), -ENOSPC);
	CHECK_INT(s.calls, 3);
	CHECK_HAS(err.msg, "writing the VOTable of ");
	CHECK(info.cols == NULL);
	vo_buf_free(&s.doc);
	vo_buf_free(&b);
}

/* A file that changes between the passes (at the first piece written) */
static void change_file(struct sink *s)
{
	FILE *f = fopen(path, "r+");

	if (!f || fseek(f, -4, SEEK_END) || fputs("abc\n", f) < 0 || fclose(f))
		perror(path);
}

static void add_rows(struct sink *s)
{
	FILE *f = fopen(path, "a");

	if (!f || fputs("1,2\n", f) < 0 || fclose(f))
		perror(path);
}

static void test_changed(void)
{
	struct vo_buf b = VO_BUF_INIT;
	struct sink s = {.doc = VO_BUF_INIT, .hook = change_file};
	struct vo_err err = {0};

	vo_buf_adds(&b, "n,m\n");
	for (int i = 0; i < 50000; i++)
		vo_buf_addf(&b, "%d,%03d\n", i, i % 1000);
	put(b.p, b.len);
	CHECK_INT(vo_csv_to_votable(path, "t", to_buf, &s, NULL, &err), -ESTALE);
	CHECK_HAS(err.msg, "line 50001: ");
	CHECK_HAS(err.msg, "t.csv changed while it was converted");

	put(b.p, b.len);
	vo_buf_reset(&s.doc);
	s.calls = 0;
	s.hook = add_rows;
	vo_err_clear(&err);
	CHECK_INT(vo_csv_to_votable(path, "t", to_buf, &s, NULL, &err), -ESTALE);
	CHECK_HAS(err.msg, "changed while it was converted");
	vo_buf_free(&s.doc);
	vo_buf_free(&b);
}

static void name_ok(const char *name)
{
	char why[128] = "untouched";

	if (!vo_adql_table_name_ok(name, why, sizeof why)) {
		fprintf(stderr, "    %s: %s\n", name, why);
		CHECK(!"a valid name refused");
	}
	CHECK_STR(why, "");
}

static void name_bad(const char *name, const char *why_part)
{
	char why[128] = "";

	CHECK_INT(vo_adql_table_name_ok(name, why, sizeof why), 0);
	CHECK_HAS(why, why_part);
}

static void test_names(void)
{
	char n64[65], n65[66];

	memset(n64, 'a', 64);
	n64[64] = '\0';
	memset(n65, 'b', 65);
	n65[65] = '\0';
	name_ok("t");
	name_ok("T1");
	name_ok("my_table");
	name_ok("a_");
	name_ok("x__1");
	name_ok(n64);
	name_ok("selection");     /* a reserved word inside a name is fine */
	name_ok("topx");
	name_ok("t_upload");
	name_bad("", "cannot be empty");
	name_bad(NULL, "cannot be empty");
	name_bad("1t", "starts with a letter");
	name_bad("_t", "starts with a letter");
	name_bad("\"t\"", "starts with a letter");
	name_bad("a-b", "only letters (A-Z, a-z), digits and '_'");
	name_bad("a b", "only letters");
	name_bad("a.b", "only letters");
	name_bad("a,b", "only letters");
	name_bad("a;b", "only letters");
	name_bad("tabl\xc3\xa9", "no accented or other non-ASCII letters");
	name_bad(n65, "longer than 64 characters");
	name_bad("select", "SELECT is a reserved word of ADQL");
	name_bad("SELECT", "SELECT is a reserved word of ADQL");
	name_bad("Top", "TOP is a reserved word of ADQL");
	name_bad("size", "SIZE is a reserved word of ADQL");
	name_bad("in_unit", "IN_UNIT is a reserved word of ADQL");
	name_bad("ILike", "ILIKE is a reserved word of ADQL");
	name_bad("offset", "OFFSET is a reserved word of ADQL");
	name_bad("bigint", "BIGINT is a reserved word of ADQL");
	name_bad("point", "POINT is a reserved word of ADQL");
	name_bad("log10", "LOG10 is a reserved word of ADQL");
	name_bad("zone", "ZONE is a reserved word of ADQL");
	name_bad("absolute", "ABSOLUTE is a reserved word of ADQL");
	name_bad("char_length", "CHAR_LENGTH is a reserved word of ADQL");
	name_bad("lower", "LOWER is a reserved word of ADQL");
	/* why may be NULL or tiny */
	CHECK_INT(vo_adql_table_name_ok("select", NULL, 0), 0);
	CHECK_INT(vo_adql_table_name_ok("ok", NULL, 0), 1);
	{
		char tiny[4];
		CHECK_INT(vo_adql_table_name_ok("1", tiny, sizeof tiny), 0);
		CHECK_INT(strlen(tiny), 3);
	}
}

int main(void)
{
	check_init();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	test_types();
	test_double_text();
	test_document();
	test_reading();
	test_escaping();
	test_errors();
	test_caps();
	test_streaming();
	test_changed();
	test_names();
	snprintf(path, sizeof path, "%s/t.csv", dir);
	unlink(path);
	rmdir(dir);
	return check_done("upload");
}
