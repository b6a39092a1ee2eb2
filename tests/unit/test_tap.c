/* tests/unit/test_tap.c - auto mode's decisions in vo/tap.c: the TOP of an
 * ADQL query, which queries try /sync first, and which overflowing sync
 * results are asked again as async jobs; which job URLs can be adopted as
 * a service's (queries/<q>/job).  Pure functions: no network.
 * (The fall-backs themselves run against DaCHS and the fault proxy in
 * tests/integration/13-auto.sh.)
 */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "tap.h"

static void test_top(void)
{
	CHECK_INT(vo_tap_adql_top("SELECT TOP 10 * FROM t"), 10);
	CHECK_INT(vo_tap_adql_top("select top 5 a from t"), 5);
	CHECK_INT(vo_tap_adql_top("  \n\tSELECT\n  TOP\t7 x FROM t"), 7);
	CHECK_INT(vo_tap_adql_top("SELECT DISTINCT TOP 3 x FROM t"), 3);
	CHECK_INT(vo_tap_adql_top("SELECT ALL TOP 4 x FROM t"), 4);
	CHECK_INT(vo_tap_adql_top("-- a comment\n-- two\nSELECT TOP 0 x FROM t"), 0);
	CHECK_INT(vo_tap_adql_top("SELECT x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT topology FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT TOP x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECTTOP 3 x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("WITH a AS (SELECT TOP 3 x FROM t) SELECT * FROM a"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT TOP 3"), 3);
	CHECK_INT(vo_tap_adql_top(""), -1);
	CHECK_INT(vo_tap_adql_top("-- only a comment"), -1);
	/* a huge TOP does not overflow: it stays above the sync limit */
	CHECK(vo_tap_adql_top("SELECT TOP 99999999999999999999999999999 x FROM t") >
	      VO_TAP_AUTO_SYNC_ROWS);
}

static void test_sync_first(void)
{
	/* no limit given: the service's default, which is small */
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", -1), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", 1000), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", VO_TAP_AUTO_SYNC_ROWS), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", VO_TAP_AUTO_SYNC_ROWS + 1), 0);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", 20000000), 0);
	/* TOP and MAXREC: the smaller one counts */
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 100 x FROM t", 20000000), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", 50), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", -1), 0);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", 2000000), 0);
	CHECK_INT(vo_tap_auto_sync_first(NULL, -1), 1);
}

static void test_overflow_rerun(void)
{
	/* no overflow: whatever the counts */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 0, -1), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(5, 3, 0, -1), 0);
	/* no MAXREC asked: the service cut it at its own limit */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 1, -1), 1);
	/* the user's own MAXREC reached: that is the answer asked for */
	CHECK_INT(vo_tap_auto_overflow_rerun(5, 5, 1, -1), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(0, 0, 1, -1), 0);
	/* a sync limit below the MAXREC asked for */
	CHECK_INT(vo_tap_auto_overflow_rerun(50000, 2000, 1, -1), 1);
	/* no MAXREC: at the service's default limit a job stops there too;
	 * below it (a sync-only cap) the job is asked */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 1, 20000), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 1000, 1, 20000), 1);
	/* MAXREC asked: the default does not matter */
	CHECK_INT(vo_tap_auto_overflow_rerun(50000, 20000, 1, 20000), 1);
}

/* The UPLOAD parameter of TAP 1.1 section 3.3.4, and the names it takes */
static void test_upload_param(void)
{
	struct vo_tap_upload u[] = {{"t1", "/a.vot"}, {"Other_2", "/b.vot"}, {"x", "/c.vot"}};
	struct vo_buf b = VO_BUF_INIT;
	struct vo_err err = {0};

	CHECK_INT(vo_tap_upload_param(u, 1, &b, &err), 0);
	CHECK_STR(b.p, "t1,param:t1");
	vo_buf_reset(&b);
	CHECK_INT(vo_tap_upload_param(u, 3, &b, &err), 0);
	CHECK_STR(b.p, "t1,param:t1;Other_2,param:Other_2;x,param:x");
	vo_buf_reset(&b);
	CHECK_INT(vo_tap_upload_param(u, 0, &b, &err), 0);
	CHECK_INT(b.len, 0);

	struct vo_tap_upload bad_name[] = {{"t1", "/a.vot"}, {"my table", "/b.vot"}};
	CHECK_INT(vo_tap_upload_param(bad_name, 2, &b, &err), -EINVAL);
	CHECK_HAS(err.msg, "upload 2 (my table): an ADQL name holds only letters");
	vo_err_clear(&err);
	struct vo_tap_upload reserved[] = {{"select", "/a.vot"}};
	CHECK_INT(vo_tap_upload_param(reserved, 1, &b, &err), -EINVAL);
	CHECK_HAS(err.msg, "upload 1 (select): SELECT is a reserved word of ADQL");
	vo_err_clear(&err);
	struct vo_tap_upload injection[] = {{"t,param:u;v", "/a.vot"}};
	CHECK_INT(vo_tap_upload_param(injection, 1, &b, &err), -EINVAL);
	vo_err_clear(&err);
	struct vo_tap_upload twice[] = {{"t", "/a.vot"}, {"T", "/b.vot"}};
	CHECK_INT(vo_tap_upload_param(twice, 2, &b, &err), -EINVAL);
	CHECK_STR(err.msg, "two uploads are named T (TAP_UPLOAD names ignore case)");
	vo_err_clear(&err);
	struct vo_tap_upload no_file[] = {{"t", NULL}, {"u", ""}};
	CHECK_INT(vo_tap_upload_param(no_file, 1, &b, &err), -EINVAL);
	CHECK_STR(err.msg, "upload t: no file");
	vo_err_clear(&err);
	CHECK_INT(vo_tap_upload_param(no_file + 1, 1, &b, &err), -EINVAL);
	vo_err_clear(&err);
	struct vo_tap_upload no_name[] = {{NULL, "/a.vot"}};
	CHECK_INT(vo_tap_upload_param(no_name, 1, &b, &err), -EINVAL);
	CHECK_STR(err.msg, "upload 1 (no name): a table name cannot be empty");
	CHECK_INT(b.len, 0);
	vo_buf_free(&b);
}

static int url_ok(const char *base, const char *url, const char *says)
{
	struct vo_err err = {0};
	int rc = vo_tap_job_url_check(base, url, &err);

	if (says && !strstr(err.msg, says))
		return -1000;   /* the message does not name the rule */
	return rc;
}

static void test_job_url(void)
{
	const char *base = "http://127.0.0.1:8080/tap";
	char big[VO_TAP_JOB_URL_MAX + 64];

	/* the service's origin, any path: <base>/async/<id>, where DaCHS
	 * redirects its job list, default ports written or not, any case */
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/x7", NULL), 0);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/__system__/tap/run/async/zlxg75gr",
			 NULL), 0);
	CHECK_INT(url_ok("https://Archive.Example.org/tap",
			 "HTTPS://archive.example.org:443/tap/async/1", NULL), 0);
	CHECK_INT(url_ok("http://a.example/tap", "http://a.example:80/jobs/1", NULL), 0);
	/* another host, port or scheme: refused, saying so */
	CHECK_INT(url_ok(base, "http://127.0.0.1:8090/tap/async/x7", "scheme, host and port"),
		  -EINVAL);
	CHECK_INT(url_ok(base, "http://example.invalid/tap/async/x", "scheme, host and port"),
		  -EINVAL);
	CHECK_INT(url_ok(base, "https://127.0.0.1:8080/tap/async/x", "scheme, host and port"),
		  -EINVAL);
	CHECK_INT(url_ok(base, "http://localhost:8080/tap/async/x", "not a job of this service"),
		  -EINVAL);
	/* not a URL, not http(s) */
	CHECK_INT(url_ok(base, "hello", "not an http or https URL"), -EINVAL);
	CHECK_INT(url_ok(base, "ftp://127.0.0.1:8080/tap/async/x", "not an http"), -EINVAL);
	CHECK_INT(url_ok(base, "file:///etc/passwd", "not an http"), -EINVAL);
	CHECK_INT(url_ok(base, "127.0.0.1:8080/tap/async/x", "not an http"), -EINVAL);
	CHECK_INT(url_ok(base, "", "not an http"), -EINVAL);
	/* blanks and control characters, credentials, no path, a query string */
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/a b", "blanks"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/a\n", "control"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/a\x01", "control"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/a\x7f", "control"), -EINVAL);
	CHECK_INT(url_ok(base, "http://u:p@127.0.0.1:8080/tap/async/x", "user name"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080", "no path"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/", "no path"), -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/x?PHASE=RUN", "query string"),
		  -EINVAL);
	CHECK_INT(url_ok(base, "http://127.0.0.1:8080/tap/async/x#f", "fragment"), -EINVAL);
	/* bounded */
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "http://127.0.0.1:8080/", 22);
	CHECK_INT(url_ok(base, big, "more than"), -EINVAL);
	big[VO_TAP_JOB_URL_MAX] = '\0';
	CHECK_INT(url_ok(base, big, NULL), 0);
}

int main(void)
{
	check_init();
	test_top();
	test_sync_first();
	test_overflow_rerun();
	test_upload_param();
	test_job_url();
	return check_done("test_tap");
}
