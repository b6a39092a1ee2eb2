/* tests/unit/test_http.c - the message of an HTTP answer (vo_http_status_text,
 * vo_http_status_err, vo_http_body_text) and the retry policy
 * (vo_http_retryable, vo_http_backoff_ms) of vo/http.c, on hand-made
 * answers and the captured DaCHS error documents and PNG.  No network.
 */
#include <errno.h>

#include "check.h"
#include "http.h"

static const char *fixdir;

/* An answer with status, Content-Type (NULL: none) and error body. */
static void answer(struct vo_http_resp *r, long status, const char *ctype, const char *body,
		   size_t len)
{
	vo_http_resp_free(r);
	memset(r, 0, sizeof *r);
	r->status = status;
	r->content_length = -1;
	snprintf(r->content_type, sizeof r->content_type, "%s", ctype ? ctype : "");
	if (len && vo_buf_add(&r->errbody, body, len)) {
		fputs("out of memory\n", stderr);
		exit(2);
	}
}

static const char *text_of(long status, const char *ctype, const char *body, size_t len)
{
	static char out[VO_ERR_MSG];
	struct vo_http_resp r = {0};

	answer(&r, status, ctype, body, len);
	vo_http_status_text(&r, out, sizeof out);
	vo_http_resp_free(&r);
	return out;
}

#define TEXT_OF(status, ctype, lit) text_of(status, ctype, lit, sizeof lit - 1)

/* s is well-formed UTF-8 without control characters (C0, DEL, C1) */
static int clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int k = *p < 0x80 ? 1 : *p >= 0xC2 && *p < 0xE0 ? 2 : *p >= 0xE0 && *p < 0xF0 ? 3 :
			*p >= 0xF0 && *p < 0xF5 ? 4 : 0;
		if (!k || *p < 0x20 || *p == 0x7F || (p[0] == 0xC2 && p[1] < 0xA0))
			return 0;
		for (int i = 1; i < k; i++)
			if ((p[i] & 0xC0) != 0x80)
				return 0;
		p += k;
	}
	return 1;
}

static void test_text_bodies(void)
{
	CHECK_STR(TEXT_OF(500, "text/plain; charset=utf-8",
			  "vofs faultproxy: injected HTTP 500 for /tap/async\n"),
		  "HTTP 500: vofs faultproxy: injected HTTP 500 for /tap/async");
	/* plain text keeps its '<'; only a body that starts with one is markup */
	CHECK_STR(TEXT_OF(400, "text/plain", "  use x < 3\r\n\tor <y>  \n"),
		  "HTTP 400: use x < 3 or <y>");
	CHECK_STR(TEXT_OF(422, "application/problem+json",
			  "{\"title\": \"bad \\\"POS\\\"\",\n \"status\": 422}"),
		  "HTTP 422: {\"title\": \"bad \\\"POS\\\"\", \"status\": 422}");
	CHECK_STR(TEXT_OF(404, "text/plain", "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\xad"),
		  "HTTP 404: caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x94\xad");
	/* no type: the bytes decide */
	CHECK_STR(TEXT_OF(503, NULL, "busy, come back later"), "HTTP 503: busy, come back later");
	CHECK_STR(TEXT_OF(503, "application/octet-stream", "busy"), "HTTP 503: busy");
}

static void test_html_bodies(void)
{
	/* Tomcat's error page: title, style sheet, entities, an en dash */
	CHECK_STR(TEXT_OF(404, "text/html;charset=utf-8",
			  "<!doctype html><html lang=\"en\"><head><title>HTTP Status 404 \xe2\x80\x93"
			  " Not Found</title><style type=\"text/css\">body {font-family:Tahoma;}"
			  " h1 {color:white;}</style></head><body><h1>HTTP Status 404 \xe2\x80\x93"
			  " Not Found</h1><hr class=\"line\" /><p><b>Message</b> No &quot;obs&quot;"
			  " &amp; no &lt;id&gt;&#33;&#x21;</p></body></html>"),
		  "HTTP 404: HTTP Status 404 \xe2\x80\x93 Not Found HTTP Status 404 \xe2\x80\x93"
		  " Not Found Message No \"obs\" & no <id>!!");
	CHECK_STR(TEXT_OF(500, "text/html",
			  "\n<html><head><script>var x = '<b>no</b>';</script><!-- <p>hidden</p> -->"
			  "</head><body><p>Internal&nbsp;error</p>\n<p>&bogus; &#0; &#x110000; a&b"
			  "</p></body></html>"),
		  "HTTP 500: Internal error &bogus; &#x110000; a&b");
	/* a body of markup only says nothing */
	CHECK_STR(TEXT_OF(502, "text/html", "<html><body>\n</body></html>"), "HTTP 502");
	/* HTML sent as text/plain is still read as markup */
	CHECK_STR(TEXT_OF(403, "text/plain", "<h1>Forbidden</h1>"), "HTTP 403: Forbidden");
	CHECK_STR(TEXT_OF(400, "application/xml",
			  "<?xml version=\"1.0\"?><e><![CDATA[a <b> & c]]></e>"),
		  "HTTP 400: a <b> & c");
}

static void test_votable_bodies(void)
{
	const char *files[][2] = {
		{"dachs/error_adql_syntax.vot", "HTTP 400: Field query: Could not parse your query:"
		 " Expected \"SELECT\", found 'S' (at char 0), (line:1, col:1)"},
		{"dachs/error_unknown_table.vot",
		 "HTTP 400: Field query: Could not locate table 'vofstest.nosuch'"},
		{"error.vot", "HTTP 400: Could not parse your query: Expected \"FROM\""
		 " (at char 9), (line:1, col:10)"},
	};

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		size_t len;
		char *doc = check_slurp(fixdir, files[i][0], &len);
		CHECK_STR(text_of(400, "text/xml", doc, len), files[i][1]);
		/* the same with a VOTable type, and with none */
		CHECK_STR(text_of(400, "application/x-votable+xml", doc, len), files[i][1]);
		CHECK_STR(text_of(400, NULL, doc, len), files[i][1]);
		free(doc);
	}
	/* a VOTable without QUERY_STATUS: its text */
	CHECK_STR(TEXT_OF(500, "text/xml", "<VOTABLE><RESOURCE><DESCRIPTION>broken\n"
			  "</DESCRIPTION></RESOURCE></VOTABLE>"), "HTTP 500: broken");
}

static void test_binary_bodies(void)
{
	struct vo_http_resp r = {0};
	char out[VO_ERR_MSG], small[24];
	size_t len;
	char *png = check_slurp(fixdir, "dachs/preview_plate-0001.png", &len);

	CHECK_INT(len, 59367);
	CHECK_STR(text_of(404, "image/png", png, len), "HTTP 404 (image/png, 59367 bytes)");
	CHECK_STR(text_of(404, "image/png", png, 826), "HTTP 404 (image/png, 826 bytes)");
	/* no type, a generic one, or a text type on bytes with NULs */
	CHECK_STR(text_of(404, NULL, png, 826), "HTTP 404 (binary, 826 bytes)");
	CHECK_STR(text_of(404, "application/octet-stream", png, 826),
		  "HTTP 404 (application/octet-stream, 826 bytes)");
	CHECK_STR(text_of(404, "text/html; charset=utf-8", png, 826),
		  "HTTP 404 (text/html, 826 bytes)");
	/* a binary type is not read even when its bytes look like text */
	CHECK_STR(TEXT_OF(500, "application/fits", "SIMPLE  = T"),
		  "HTTP 500 (application/fits, 11 bytes)");
	/* the header is the server's too: only its media type, cleaned */
	CHECK_STR(TEXT_OF(500, "Image/PNG\x01\x1b[1m; name=\"x\"", "\x89PNG\r\n\x1a\n"),
		  "HTTP 500 (image/png, 8 bytes)");
	/* a body cut at VO_HTTP_ERRBODY: the size the server said, if any */
	answer(&r, 404, "application/fits", png, 0);
	while (r.errbody.len < VO_HTTP_ERRBODY)
		vo_buf_add(&r.errbody, png, len < VO_HTTP_ERRBODY - r.errbody.len ?
			   len : VO_HTTP_ERRBODY - r.errbody.len);
	vo_http_status_text(&r, out, sizeof out);
	CHECK_STR(out, "HTTP 404 (application/fits, at least 65536 bytes)");
	r.content_length = 2880000;
	vo_http_status_text(&r, out, sizeof out);
	CHECK_STR(out, "HTTP 404 (application/fits, 2880000 bytes)");
	vo_http_status_text(&r, small, sizeof small);
	CHECK_STR(small, "HTTP 404 (application/f");
	vo_http_resp_free(&r);
	free(png);
}

static void test_empty_bodies(void)
{
	CHECK_STR(text_of(404, "text/plain", "", 0), "HTTP 404");
	CHECK_STR(text_of(404, NULL, NULL, 0), "HTTP 404");
	CHECK_STR(text_of(410, "image/png", NULL, 0), "HTTP 410");
	CHECK_STR(TEXT_OF(404, "text/plain", " \r\n\t \x01 "), "HTTP 404");
}

static void test_control_characters(void)
{
	/* declared text: control characters and DEL fold into spaces, C1
	 * controls too, malformed UTF-8 shows as '?' */
	CHECK_STR(TEXT_OF(500, "text/plain",
			  "bad\x01\x1b[31mthing\x7f\r\n\tend\xc2\x85x caf\xe9 \xed\xa0\x80!"),
		  "HTTP 500: bad [31mthing end x caf? ???" "!");
	/* a character cut by the end of the kept body is dropped */
	CHECK_STR(TEXT_OF(500, "text/plain", "cut \xe2\x80"), "HTTP 500: cut");
	/* no type: control bytes or malformed UTF-8 make it binary */
	CHECK_STR(TEXT_OF(500, NULL, "almost text\x1b[0m"), "HTTP 500 (binary, 15 bytes)");
	CHECK_STR(TEXT_OF(500, NULL, "caf\xe9"), "HTTP 500 (binary, 4 bytes)");
	CHECK_STR(TEXT_OF(500, NULL, "nul\0inside"), "HTTP 500 (binary, 10 bytes)");
	/* entities cannot smuggle control characters in either */
	CHECK_STR(TEXT_OF(500, "text/html", "<p>a&#27;[2Jb&#x85;c&#127;d</p>"),
		  "HTTP 500: a [2Jb c d");
}

/* Whatever the bytes and the type: a clean message that fits, cut at a
 * character boundary. */
static void test_random_bodies(void)
{
	static const char *const types[] = {NULL, "text/plain", "text/html", "text/xml",
					    "application/octet-stream", "image/png"};
	static const char alphabet[] = "<>&;#x/!-[]CDATA script style \t\n\x01\x7f\xc2\x85"
				       "\xe2\x80\x93\xf0\x9f\x94\xad\xff\xed\xa0";
	unsigned long long seed = 88172645463325252ULL;
	char body[300], out[64];
	struct vo_http_resp r = {0};
	int bad = 0;

	for (int round = 0; round < 20000; round++) {
		size_t len = (size_t)(round % 300), n = 1 + (size_t)(round % 63);
		for (size_t i = 0; i < len; i++) {
			seed ^= seed << 13;
			seed ^= seed >> 7;
			seed ^= seed << 17;
			body[i] = round & 1 ? alphabet[seed % (sizeof alphabet - 1)]
				: (char)(seed & 0xFF);
		}
		answer(&r, 500, types[round % 6], body, len);
		vo_http_status_text(&r, out, n);
		if (strlen(out) >= n || !clean(out))
			bad++;
		if (!vo_http_body_text(&r.errbody, r.content_type, out, n) &&
		    (strlen(out) >= n || !clean(out)))
			bad++;
	}
	CHECK_INT(bad, 0);
	vo_http_resp_free(&r);
}

static void test_status_err(void)
{
	struct vo_http_resp r = {0};
	struct vo_err err = {0};

	answer(&r, 404, "text/plain", "no such product\n", 16);
	CHECK_INT(vo_http_status_err(&r, &err, "GET %s", "http://x/p.fits"), -ENOENT);
	CHECK_INT(err.code, ENOENT);
	CHECK_STR(err.msg, "GET http://x/p.fits: HTTP 404: no such product");
	vo_err_clear(&err);
	answer(&r, 302, NULL, NULL, 0);
	CHECK_INT(vo_http_status_err(&r, &err, "DataLink %s", "http://x/dl"), -EPROTO);
	CHECK_STR(err.msg, "DataLink http://x/dl: HTTP 302");
	vo_err_clear(&err);
	answer(&r, 503, "image/gif", "GIF89a", 6);
	CHECK_INT(vo_http_status_err(&r, NULL, "x"), -EAGAIN);
	vo_http_resp_free(&r);
}

static void test_retry_policy(void)
{
	static const int again[] = {ECONNREFUSED, ECONNRESET, EHOSTUNREACH, EPROTO, ETIMEDOUT,
				    EAGAIN};
	static const int final[] = {0, ECANCELED, ENOENT, EACCES, EINVAL, EIO, EFBIG, ESTALE,
				    ENODATA, ENOMEM, ENOSPC, EBADMSG, ELOOP};
	static const long busy[] = {408, 429, 502, 503, 504};
	static const long definite[] = {200, 206, 301, 400, 401, 403, 404, 410, 413, 422, 500,
					501};

	for (size_t i = 0; i < sizeof again / sizeof again[0]; i++)
		CHECK_INT(vo_http_retryable(-again[i]), 1);
	for (size_t i = 0; i < sizeof final / sizeof final[0]; i++)
		CHECK_INT(vo_http_retryable(-final[i]), 0);
	/* positive values are not errors of this API */
	CHECK_INT(vo_http_retryable(EAGAIN), 0);
	for (size_t i = 0; i < sizeof busy / sizeof busy[0]; i++)
		CHECK_INT(vo_http_retryable(-vo_http_status_errno(busy[i])), 1);
	for (size_t i = 0; i < sizeof definite / sizeof definite[0]; i++)
		CHECK_INT(vo_http_retryable(-vo_http_status_errno(definite[i])), 0);
	CHECK_INT(vo_http_backoff_ms(0), 250);
	CHECK_INT(vo_http_backoff_ms(1), 1000);
	CHECK_INT(vo_http_backoff_ms(2), 4000);
	CHECK_INT(vo_http_backoff_ms(3), VO_HTTP_BACKOFF_MAX_MS);
	CHECK_INT(vo_http_backoff_ms(1000), VO_HTTP_BACKOFF_MAX_MS);
	CHECK_INT(VO_HTTP_ATTEMPTS, 4);
}

int main(int argc, char **argv)
{
	fixdir = check_init_fixtures(argc, argv);
	test_text_bodies();
	test_html_bodies();
	test_votable_bodies();
	test_binary_bodies();
	test_empty_bodies();
	test_control_characters();
	test_random_bodies();
	test_status_err();
	test_retry_policy();
	return check_done("test_http");
}
