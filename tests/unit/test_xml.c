/* tests/unit/test_xml.c - vo/xml.c: events, hardening, errors, escaping. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "xml.h"

/* Records events as text: "<name a=v b=w>", "[text]", "</name>". */
struct rec {
	struct vo_buf out;
	size_t events;
	size_t stop_at;     /* 1-based event index whose callback fails; 0 never */
	int stop_rc;
	size_t after_stop;  /* events delivered after the failing one */
	int stopped;
};

static int rec_event(struct rec *r)
{
	r->events++;
	if (r->stopped) {
		r->after_stop++;
		return 0;
	}
	if (r->stop_at && r->events == r->stop_at) {
		r->stopped = 1;
		return r->stop_rc;
	}
	return 0;
}

static int rec_start(void *ud, const char *name, const struct vo_xml_attr *a,
		     size_t n)
{
	struct rec *r = ud;
	size_t i;

	vo_buf_addf(&r->out, "<%s", name);
	for (i = 0; i < n; i++)
		vo_buf_addf(&r->out, " %s=%s", a[i].name, a[i].value);
	vo_buf_addc(&r->out, '>');
	return rec_event(r);
}

static int rec_end(void *ud, const char *name)
{
	struct rec *r = ud;

	vo_buf_addf(&r->out, "</%s>", name);
	return rec_event(r);
}

/* Text may come in pieces: merge adjacent text into one [..] */
static int rec_text(void *ud, const char *s, size_t n)
{
	struct rec *r = ud;

	if (r->out.len && r->out.p[r->out.len - 1] == ']')
		r->out.len--;
	else
		vo_buf_addc(&r->out, '[');
	vo_buf_add(&r->out, s, n);
	vo_buf_addc(&r->out, ']');
	return rec_event(r);
}

/* Parse doc fed in chunks of `chunk` bytes (0: all at once). */
static int parse(const char *doc, size_t len, size_t chunk, struct rec *r,
		 struct vo_err *err)
{
	struct vo_xml_handler h = {r, rec_start, rec_end, rec_text};
	struct vo_xml *x;
	size_t off = 0;
	int rc = 0;

	vo_err_clear(err);
	x = vo_xml_new(&h, err);
	if (!x)
		return -ENOMEM;
	if (!chunk)
		chunk = len ? len : 1;
	while (off < len && !rc) {
		size_t n = len - off < chunk ? len - off : chunk;

		rc = vo_xml_feed(x, doc + off, n);
		off += n;
	}
	if (!rc)
		rc = vo_xml_finish(x);
	vo_xml_free(x);
	return rc;
}

static int parse_s(const char *doc, size_t chunk, struct rec *r,
		   struct vo_err *err)
{
	return parse(doc, strlen(doc), chunk, r, err);
}

static void test_events(void)
{
	const char *doc =
		"<?xml version=\"1.0\"?>\n"
		"<v:VOTABLE xmlns:v=\"http://www.ivoa.net/xml/VOTable/v1.3\" "
		"xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
		"xsi:schemaLocation=\"a b\" version=\"1.4\">"
		"<v:INFO name=\"q\" value=\"a &amp; b &lt; c &#38; &quot;d&quot; &#x41;\">"
		"x &amp; y<![CDATA[ <raw> ]]>&#233;</v:INFO>"
		"<!-- comment --><?pi data?>"
		"<v:TD a=\"tab&#9;nl&#10;\" b='multi\n line'/>"
		"</v:VOTABLE>";
	const char *want =
		"<VOTABLE schemaLocation=a b version=1.4>"
		"<INFO name=q value=a & b < c & \"d\" A>[x & y <raw> \xc3\xa9]</INFO>"
		"<TD a=tab\tnl\n b=multi  line></TD></VOTABLE>";
	size_t chunks[] = {0, 1, 2, 3, 7, 64};
	size_t i;

	for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
		struct vo_err err = {0, ""};
		int rc = parse_s(doc, chunks[i], &r, &err);

		CHECK_INT(rc, 0);
		CHECK_STR(r.out.p, want);
		vo_buf_free(&r.out);
	}
	printf("events: local names, attributes, entities, CDATA, char refs in %zu chunkings\n",
	       sizeof chunks / sizeof chunks[0]);
}

static void check_bad(const char *what, const char *doc, size_t len,
		      int want_rc, const char *msg_part)
{
	size_t chunks[] = {0, 1, 4096};
	char first[VO_ERR_MSG] = "";
	size_t i;

	for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
		struct vo_err err = {0, ""};
		int rc;

		if (chunks[i] == 1 && len > 200000)
			continue;     /* byte by byte on megabytes is just slow */
		rc = parse(doc, len, chunks[i], &r, &err);
		CHECK_INT(rc, want_rc);
		CHECK_INT(err.code, -want_rc);
		if (msg_part)
			CHECK_HAS(err.msg, msg_part);
		if (!i)
			snprintf(first, sizeof first, "%s", err.msg);
		vo_buf_free(&r.out);
	}
	printf("rejected %s: %.150s\n", what, first);
}

static void test_hostile(void)
{
	const char *laughs =
		"<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n"
		" <!ENTITY lol \"lol\">\n"
		" <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n"
		" <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n"
		" <!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">\n"
		" <!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">\n"
		" <!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">\n"
		" <!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">\n"
		" <!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">\n"
		" <!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">\n"
		"]>\n<lolz>&lol9;</lolz>\n";
	const char *xxe =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
		"<r>&x;</r>";
	const char *pe =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x.dtd\"> %p;]>"
		"<r/>";
	const char *ndata =
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!NOTATION n SYSTEM \"x\">"
		"<!ENTITY u SYSTEM \"http://127.0.0.1:1/u\" NDATA n>]><r/>";
	const char *extdtd =
		"<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://127.0.0.1:1/r.dtd\"><r>&ent;</r>";
	const char *undeclared = "<r>&nbsp;</r>";
	const char *truncated = "<VOTABLE><RESOURCE><TABLE>";
	const char *trailing = "<a/><b/>";
	const char *badutf8 = "<a>\n\nok \xff\xfe bad</a>";
	const char *mismatch = "<a><b></a></b>";
	struct vo_buf big = VO_BUF_INIT;
	size_t i;
	clock_t t0 = clock();

	check_bad("billion laughs", laughs, strlen(laughs), -EBADMSG,
		  "entity declarations are not allowed");
	CHECK((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	check_bad("external entity", xxe, strlen(xxe), -EBADMSG,
		  "entity declarations are not allowed");
	check_bad("parameter entity", pe, strlen(pe), -EBADMSG,
		  "entity declarations are not allowed");
	check_bad("unparsed entity", ndata, strlen(ndata), -EBADMSG,
		  "entity declarations are not allowed");
	check_bad("undeclared entity", undeclared, strlen(undeclared), -EBADMSG,
		  "malformed XML at line 1");
	check_bad("truncated document", truncated, strlen(truncated), -EBADMSG,
		  "malformed XML");
	check_bad("two roots", trailing, strlen(trailing), -EBADMSG, "malformed XML");
	check_bad("invalid UTF-8", badutf8, strlen(badutf8), -EBADMSG,
		  "malformed XML at line 3");
	check_bad("mismatched tags", mismatch, strlen(mismatch), -EBADMSG,
		  "malformed XML at line 1");
	check_bad("empty document", "", 0, -EBADMSG, "malformed XML");
	check_bad("plain text", "Internal Server Error\n", 22, -EBADMSG,
		  "malformed XML at line 1");

	/* An external DTD is never fetched (and its entities stay unknown,
	 * which libxml2 tolerates when a DTD could have declared them). */
	{
		struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
		struct vo_err err = {0, ""};

		CHECK_INT(parse_s(extdtd, 0, &r, &err), 0);
		CHECK_STR(r.out.p, "<r></r>");
		vo_buf_free(&r.out);
		printf("external DTD not loaded\n");
	}

	/* deep nesting */
	for (i = 0; i < 100000; i++)
		vo_buf_adds(&big, "<a>");
	check_bad("deep nesting", big.p, big.len, -EBADMSG, "malformed XML at line 1");
	vo_buf_reset(&big);
	for (i = 0; i < VO_XML_MAX_DEPTH; i++)
		vo_buf_adds(&big, "<a>");
	for (i = 0; i < VO_XML_MAX_DEPTH; i++)
		vo_buf_adds(&big, "</a>");
	{
		struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
		struct vo_err err = {0, ""};

		CHECK_INT(parse(big.p, big.len, 0, &r, &err), 0);
		vo_buf_free(&r.out);
		printf("nesting of exactly %d accepted\n", VO_XML_MAX_DEPTH);
	}

	/* huge attribute: libxml2's own limit (10 MB) stops it */
	vo_buf_reset(&big);
	vo_buf_adds(&big, "<a v=\"");
	for (i = 0; i < 11000000 / 10; i++)
		vo_buf_add(&big, "0123456789", 10);
	vo_buf_adds(&big, "\"/>");
	check_bad("11 MB attribute", big.p, big.len, -EBADMSG, "malformed XML");

	/* huge element name */
	vo_buf_reset(&big);
	vo_buf_addc(&big, '<');
	for (i = 0; i < 100000; i++)
		vo_buf_addc(&big, 'n');
	vo_buf_adds(&big, "/>");
	check_bad("100 kB element name", big.p, big.len, -EBADMSG, "malformed XML");

	/* binary garbage: deterministic pseudo-random bytes */
	{
		uint32_t s = 12345;

		for (i = 0; i < 50; i++) {
			char junk[512];
			struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
			struct vo_err err = {0, ""};
			size_t j;

			for (j = 0; j < sizeof junk; j++) {
				s = s * 1103515245 + 12345;
				junk[j] = (char)(s >> 16);
			}
			if (i % 2)
				junk[0] = '<';   /* sometimes start like a tag */
			CHECK_INT(parse(junk, sizeof junk, i % 3 ? 7 : 0, &r, &err), -EBADMSG);
			vo_buf_free(&r.out);
		}
		printf("rejected 50 buffers of binary garbage\n");
	}
	vo_buf_free(&big);
}

/* A callback error stops the parse at once, whatever event it is. */
static void test_stop(void)
{
	const char *doc =
		"<?xml version=\"1.0\"?><!-- c --><VOTABLE><?pi x?><RESOURCE>"
		"<INFO name=\"a\">text &amp; more<![CDATA[ <cdata> ]]>&#65;</INFO>"
		"<TABLE><FIELD name=\"x\"/><DATA><TABLEDATA><TR><TD>1</TD></TR>"
		"</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";
	size_t chunks[] = {0, 1, 5};
	size_t total, k, c;
	struct rec r0 = {VO_BUF_INIT, 0, 0, 0, 0, 0};
	struct vo_err err = {0, ""};

	CHECK_INT(parse_s(doc, 0, &r0, &err), 0);
	total = r0.events;
	vo_buf_free(&r0.out);
	for (c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
		for (k = 1; k <= total; k++) {
			struct rec r = {VO_BUF_INIT, 0, k, -ECANCELED, 0, 0};
			int rc = parse_s(doc, chunks[c], &r, &err);

			CHECK_INT(rc, -ECANCELED);
			CHECK_INT(r.after_stop, 0);
			CHECK_INT(r.events, k);
			vo_buf_free(&r.out);
		}
	}
	printf("callback error stops the parse at each of %zu events in %zu chunkings\n",
	       total, sizeof chunks / sizeof chunks[0]);
}

static void test_escape(void)
{
	static const struct {
		const char *in;
		size_t len;
		int attr;
		const char *out;
	} cases[] = {
		{"plain", 5, 0, "plain"},
		{"a&b<c>d\"e'f", 11, 0, "a&amp;b&lt;c&gt;d&quot;e&apos;f"},
		{"t\tn\nr\r", 6, 0, "t\tn\nr&#13;"},
		{"t\tn\nr\r", 6, 1, "t&#9;n&#10;r&#13;"},
		{"nul\0x\x01\x1f\x7f", 9, 0, "nulx\x7f"},
		{"\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80", 9, 1, "\xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80"},
		{"bad\xff\xfe" "end", 8, 0, "bad\xef\xbf\xbd\xef\xbf\xbd" "end"},
		{"cut\xe6\xbc", 5, 0, "cut\xef\xbf\xbd\xef\xbf\xbd"},
		{"sur\xed\xa0\x80", 6, 0, "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"nonchar\xef\xbf\xbe", 10, 0, "nonchar\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
		{"overlong\xc0\xaf", 10, 0, "overlong\xef\xbf\xbd\xef\xbf\xbd"},
		{"", 0, 0, ""},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct vo_buf b = VO_BUF_INIT;

		CHECK_INT(vo_xml_escape(&b, cases[i].in, cases[i].len, cases[i].attr), 0);
		CHECK_STR(b.p ? b.p : "", cases[i].out);
		vo_buf_free(&b);
	}

	/* whatever the bytes, the escaped text parses back (minus what XML
	 * cannot carry) */
	{
		uint32_t s = 99;
		int k;

		for (k = 0; k < 200; k++) {
			char raw[64];
			struct vo_buf doc = VO_BUF_INIT;
			struct rec r = {VO_BUF_INIT, 0, 0, 0, 0, 0};
			struct vo_err err = {0, ""};
			size_t j;

			for (j = 0; j < sizeof raw; j++) {
				s = s * 1103515245 + 12345;
				raw[j] = (char)(s >> 16);
			}
			vo_buf_adds(&doc, "<a v=\"");
			vo_xml_escape(&doc, raw, sizeof raw, 1);
			vo_buf_adds(&doc, "\">");
			vo_xml_escape(&doc, raw, sizeof raw, 0);
			vo_buf_adds(&doc, "</a>");
			CHECK_INT(parse(doc.p, doc.len, 0, &r, &err), 0);
			vo_buf_free(&doc);
			vo_buf_free(&r.out);
		}
	}
	printf("escape: %zu cases, 200 random byte strings parse back\n",
	       sizeof cases / sizeof cases[0]);
}

static void test_attr(void)
{
	struct vo_xml_attr a[] = {{"name", "x"}, {"value", ""}, {"ID", "i"}};

	CHECK_STR(vo_xml_attr(a, 3, "name"), "x");
	CHECK_STR(vo_xml_attr(a, 3, "value"), "");
	CHECK_STR(vo_xml_attr(a, 3, "ID"), "i");
	CHECK(vo_xml_attr(a, 3, "id") == NULL);
	CHECK(vo_xml_attr(a, 0, "name") == NULL);
	printf("vo_xml_attr lookups\n");
}

int main(void)
{
	check_init();
	test_events();
	test_hostile();
	test_stop();
	test_escape();
	test_attr();
	return check_done("test_xml");
}
