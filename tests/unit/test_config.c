/* tests/unit/test_config.c - token_file and proxy: the services file keys
 * (fs/config.c) and the per-origin settings of vo/http.c.
 *
 *   test_config
 *
 * Origins (default ports, case, userinfo, IPv6 literals), the checks of a
 * token file (mode, owner, type, content), which origin gets a token and
 * which a proxy (products inherit the proxy, never the token), re-reading
 * a rotated token file on an injected clock, and that no token ever shows
 * in a message or in the log.  Files in a temporary directory; no network.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "http.h"
#include "log.h"

#define TOK1 "SECRET-tok1-5f3a9c"
#define TOK2 "SECRET-tok2-81be07-longer"

static char dir[] = "/tmp/vofs-test-config.XXXXXX";
static double fake_now = 1000.0;

static double clock_fake(void)
{
	return fake_now;
}

/* dir/name, in a static buffer per call site's needs (two at a time) */
static const char *path_of(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
	return buf[k];
}

static void write_file(const char *name, const char *content, mode_t mode)
{
	const char *p = path_of(name);
	FILE *f;

	unlink(p);
	f = fopen(p, "w");
	if (!f || fputs(content, f) == EOF || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", p);
		exit(2);
	}
	chmod(p, mode);
}

/* no token in a message */
#define CHECK_CLEAN(msg)                                               \
	do {                                                           \
		CHECK(strstr((msg), TOK1) == NULL);                    \
		CHECK(strstr((msg), TOK2) == NULL);                    \
		CHECK(strstr((msg), "SECRET") == NULL);                \
	} while (0)

static void expect_origin(const char *url, const char *want)
{
	char o[VO_HTTP_ORIGIN_MAX] = "";
	int rc = vo_http_origin(url, o, sizeof o);

	CHECK_INT(rc, 0);
	CHECK_STR(o, want);
}

static void test_origin(void)
{
	char o[VO_HTTP_ORIGIN_MAX], small[12];

	expect_origin("http://a", "http://a:80");
	expect_origin("http://a:80/tap", "http://a:80");
	expect_origin("HTTP://A.Example.ORG/tap?x=1#f", "http://a.example.org:80");
	expect_origin("https://a/tap", "https://a:443");
	expect_origin("https://a:443", "https://a:443");
	expect_origin("http://a:8080/tap", "http://a:8080");
	expect_origin("http://user:pw@a/tap", "http://a:80");
	expect_origin("http://user@a:8080", "http://a:8080");
	expect_origin("http://[::1]:8080/tap", "http://[::1]:8080");
	expect_origin("http://[::1]/tap", "http://[::1]:80");
	expect_origin("https://[2001:DB8::1]/x", "https://[2001:db8::1]:443");
	expect_origin("http://127.0.0.1:8090/f/nonce=x/tap", "http://127.0.0.1:8090");
	CHECK_INT(vo_http_origin("ftp://a/x", o, sizeof o), -EINVAL);
	CHECK_INT(vo_http_origin("not a url", o, sizeof o), -EINVAL);
	CHECK_INT(vo_http_origin("http://:80/tap", o, sizeof o), -EINVAL);
	CHECK_INT(vo_http_origin("/tap/sync", o, sizeof o), -EINVAL);
	CHECK_INT(vo_http_origin("http://a.example.org/", small, sizeof small), -ENAMETOOLONG);
}

/* token_read of name: rc, and the message must name the file, say want
 * and never the token */
static void expect_token_error(const char *name, int rc_want, const char *want)
{
	struct vo_err err = {0};
	char *tok = NULL;
	int rc = vo_http_token_read(path_of(name), &tok, &err);

	CHECK_INT(rc, rc_want);
	CHECK(tok == NULL);
	CHECK_HAS(err.msg, path_of(name));
	CHECK_HAS(err.msg, want);
	CHECK_CLEAN(err.msg);
	free(tok);
}

static void expect_token(const char *name, const char *want)
{
	struct vo_err err = {0};
	char *tok = NULL;
	int rc = vo_http_token_read(path_of(name), &tok, &err);

	CHECK_INT(rc, 0);
	CHECK_STR(tok, want);
	CHECK_STR(err.msg, "");
	free(tok);
}

static void test_token_file(void)
{
	char big[VO_HTTP_TOKEN_MAX + 100];

	write_file("ok", "  \n" TOK1 "\n\n", 0600);
	expect_token("ok", TOK1);
	write_file("ro", TOK1, 0400);
	expect_token("ro", TOK1);
	write_file("crlf", TOK1 "\r\n", 0600);
	expect_token("crlf", TOK1);

	write_file("r644", TOK1 "\n", 0644);
	expect_token_error("r644", -EACCES, "mode 0644");
	write_file("r640", TOK1 "\n", 0640);
	expect_token_error("r640", -EACCES, "mode 0640");
	write_file("r602", TOK1 "\n", 0602);
	expect_token_error("r602", -EACCES, "group or others");
	write_file("empty", " \n\t\n", 0600);
	expect_token_error("empty", -EINVAL, "empty");
	write_file("zero", "", 0600);
	expect_token_error("zero", -EINVAL, "empty");
	expect_token_error("missing", -ENOENT, "No such file");
	write_file("two", TOK1 "\n" TOK2 "\n", 0600);
	expect_token_error("two", -EINVAL, "inside the token");
	write_file("space", "Bearer " TOK1, 0600);
	expect_token_error("space", -EINVAL, "inside the token");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	write_file("big", big, 0600);
	expect_token_error("big", -EFBIG, "longer than");

	/* a symlink is judged by what it points to */
	symlink(path_of("ok"), path_of("link-ok"));
	expect_token("link-ok", TOK1);
	symlink(path_of("r644"), path_of("link-644"));
	expect_token_error("link-644", -EACCES, "mode 0644");
	symlink(path_of("missing"), path_of("link-dangling"));
	expect_token_error("link-dangling", -ENOENT, "No such file");

	mkdir(path_of("adir"), 0700);
	expect_token_error("adir", -EINVAL, "not a regular file");
	/* a FIFO must neither hang nor pass */
	mkfifo(path_of("fifo"), 0600);
	expect_token_error("fifo", -EINVAL, "not a regular file");

	if (geteuid() == 0) {
		write_file("theirs", TOK1, 0600);
		CHECK_INT(chown(path_of("theirs"), 65534, 65534), 0);
		expect_token_error("theirs", -EACCES, "owned by uid 65534");
	} else {
		printf("# not root: the owner check is tested only as root\n");
		write_file("theirs", TOK1, 0600);
		expect_token("theirs", TOK1);
	}
}

static void expect_site(const char *url, const char *tok_want, const char *proxy_want)
{
	struct vo_err err = {0};
	char *tok = NULL, *proxy = NULL;
	int before = check_failures;
	int has = -1, rc = vo_http_site_get(url, &tok, &proxy, &has, &err);

	CHECK_INT(rc, 0);
	if (tok_want)
		CHECK_STR(tok, tok_want);
	else
		CHECK(tok == NULL);
	if (proxy_want) {
		CHECK_INT(has, 1);
		CHECK_STR(proxy, proxy_want);
	} else {
		CHECK_INT(has, 0);
		CHECK(proxy == NULL);
	}
	if (check_failures != before)
		fprintf(stderr, "    (for %s)\n", url);
	free(tok);
	free(proxy);
}

static int set_site(const char *url, const char *token_name, const char *proxy,
		    struct vo_err *err)
{
	struct vo_http_site s = {.token_file = token_name ? path_of(token_name) : NULL,
				 .proxy = proxy};

	vo_err_clear(err);
	return vo_http_site_set(url, &s, err);
}

static void test_sites(void)
{
	struct vo_err err = {0};

	vo_http_site_clear();
	write_file("tok", TOK1 "\n", 0600);
	expect_site("http://a/tap", NULL, NULL);   /* nothing registered */

	CHECK_INT(set_site("http://a:80/tap", "tok", NULL, &err), 0);
	expect_site("http://a/tap/sync", TOK1, NULL);
	expect_site("http://A:80/getproduct/x.fits", TOK1, NULL);
	expect_site("http://user:pw@a/x", TOK1, NULL);
	expect_site("https://a/tap", NULL, NULL);       /* another scheme */
	expect_site("http://a:8080/tap", NULL, NULL);   /* another port */
	expect_site("http://a.evil/tap", NULL, NULL);
	expect_site("http://b/?u=http://a/", NULL, NULL);

	/* IPv6 literal with a proxy, and "none" */
	CHECK_INT(set_site("http://[::1]:8080/tap", NULL, "http://squid:3128", &err), 0);
	expect_site("http://[::1]:8080/other", NULL, "http://squid:3128");
	expect_site("http://[::1]/tap", NULL, NULL);
	expect_site("http://[::2]:8080/tap", NULL, NULL);
	CHECK_INT(set_site("https://direct.example/tap", NULL, "", &err), 0);
	expect_site("https://direct.example/x", NULL, "");

	/* token and proxy; a product host learns the proxy, not the token */
	CHECK_INT(set_site("https://svc.example/tap", "tok", "http://squid:3128", &err), 0);
	expect_site("https://svc.example/tap/async", TOK1, "http://squid:3128");
	CHECK_INT(vo_http_site_inherit("https://data.example/p/1.fits",
				       "https://svc.example/tap"), 0);
	expect_site("https://data.example/p/2.fits", NULL, "http://squid:3128");
	expect_site("http://data.example/p/2.fits", NULL, NULL);
	/* a product on the service's own origin keeps the token */
	CHECK_INT(vo_http_site_inherit("https://svc.example/getproduct/x",
				       "https://svc.example/tap"), 0);
	expect_site("https://svc.example/getproduct/x", TOK1, "http://squid:3128");
	/* an origin with settings of its own keeps them */
	CHECK_INT(vo_http_site_inherit("http://[::1]:8080/p", "https://svc.example/tap"), 0);
	expect_site("http://[::1]:8080/p", NULL, "http://squid:3128");
	CHECK_INT(vo_http_site_inherit("http://a/p", "https://svc.example/tap"), 0);
	expect_site("http://a/p", TOK1, NULL);
	/* a service without a proxy passes nothing on */
	CHECK_INT(vo_http_site_inherit("http://other.example/p", "http://a/tap"), 0);
	expect_site("http://other.example/p", NULL, NULL);
	CHECK_INT(vo_http_site_inherit("http://other.example/p", "http://nowhere/tap"), 0);
	expect_site("http://other.example/p", NULL, NULL);
	CHECK_INT(vo_http_site_inherit("not a url", "https://svc.example/tap"), 0);
	/* a host learnt first takes the settings of a service configured later */
	CHECK_INT(set_site("https://data.example/tap", "tok", NULL, &err), 0);
	expect_site("https://data.example/p/2.fits", TOK1, NULL);

	/* services on one origin share its settings; different ones clash */
	write_file("tok2", TOK2 "\n", 0600);
	CHECK_INT(set_site("http://a/other-tap", "tok", NULL, &err), 0);
	CHECK_INT(set_site("http://a/other-tap", NULL, "http://squid:3128", &err), 0);
	expect_site("http://a/x", TOK1, "http://squid:3128");
	CHECK_INT(set_site("http://a/third", "tok2", NULL, &err), -EEXIST);
	CHECK_HAS(err.msg, "token_file");
	CHECK_CLEAN(err.msg);
	CHECK_INT(set_site("http://a/third", NULL, "http://other:3128", &err), -EEXIST);
	CHECK_HAS(err.msg, "proxy");
	expect_site("http://a/x", TOK1, "http://squid:3128");

	/* refused token files register nothing */
	write_file("bad", TOK2 "\n", 0644);
	CHECK_INT(set_site("http://c/tap", "bad", NULL, &err), -EACCES);
	CHECK_HAS(err.msg, "mode 0644");
	CHECK_CLEAN(err.msg);
	expect_site("http://c/tap", NULL, NULL);
	CHECK_INT(set_site("ftp://c/tap", NULL, "http://squid:3128", &err), -EINVAL);
	vo_http_site_clear();
	expect_site("http://a/x", NULL, NULL);
}

/* the token file changes under a running mount */
static void test_rotation(void)
{
	struct vo_err err = {0};
	char *tok = NULL, *proxy = NULL;
	int has;

	vo_http_site_clear();
	vo_http_site_clock(clock_fake);
	fake_now = 1000.0;
	write_file("rot", TOK1 "\n", 0600);
	CHECK_INT(set_site("http://rot/tap", "rot", NULL, &err), 0);
	expect_site("http://rot/x", TOK1, NULL);

	/* replaced in place: seen at the next look, a second later */
	write_file("rot", TOK2 "\n", 0600);
	fake_now = 1000.5;
	expect_site("http://rot/x", TOK1, NULL);
	fake_now = 1001.6;
	expect_site("http://rot/x", TOK2, NULL);

	/* replaced by rename (a new inode): seen too */
	write_file("rot.new", TOK1 "\n", 0600);
	CHECK_INT(rename(path_of("rot.new"), path_of("rot")), 0);
	fake_now = 1003.0;
	expect_site("http://rot/x", TOK1, NULL);

	/* a file that goes bad fails requests, says why, never the token */
	chmod(path_of("rot"), 0644);
	fake_now = 1005.0;
	vo_err_clear(&err);
	CHECK_INT(vo_http_site_get("http://rot/x", &tok, &proxy, &has, &err), -EACCES);
	CHECK(tok == NULL);
	CHECK_HAS(err.msg, path_of("rot"));
	CHECK_HAS(err.msg, "mode 0644");
	CHECK_CLEAN(err.msg);
	write_file("rot", "\n", 0600);
	fake_now = 1007.0;
	vo_err_clear(&err);
	CHECK_INT(vo_http_site_get("http://rot/x", &tok, &proxy, &has, &err), -EACCES);
	CHECK_HAS(err.msg, "empty");
	unlink(path_of("rot"));
	fake_now = 1009.0;
	vo_err_clear(&err);
	CHECK_INT(vo_http_site_get("http://rot/x", &tok, &proxy, &has, &err), -EACCES);
	CHECK_HAS(err.msg, "No such file");
	/* and works again once fixed */
	write_file("rot", TOK2, 0600);
	fake_now = 1011.0;
	expect_site("http://rot/x", TOK2, NULL);
	vo_http_site_clock(NULL);
	vo_http_site_clear();
}

static const char *write_conf(const char *body)
{
	write_file("services.ini", body, 0600);
	return path_of("services.ini");
}

static void test_config_keys(void)
{
	struct config c = {0};
	struct vo_err err = {0};
	const struct service_conf *s;
	char body[2048];

	write_file("tok", TOK1 "\n", 0600);
	write_file("tok644", TOK1 "\n", 0644);
	snprintf(body, sizeof body,
		 "[rel]\nurl = http://rel.example/tap\ntoken_file = tok\n"
		 "[abs]\nurl = http://abs.example/tap\ntoken_file = %s\nproxy = http://squid:3128\n"
		 "[none]\nurl = http://none.example/tap\nproxy = none\n"
		 "[socks]\nurl = http://socks.example/tap\nproxy = socks5h://127.0.0.1:1080\n"
		 "[plain]\nurl = http://plain.example/tap\nfuture_key = 1\n", path_of("tok"));
	CHECK_INT(config_load_file(&c, write_conf(body), &err), 0);
	CHECK_STR(err.msg, "");
	s = config_find(&c, "rel");
	CHECK_STR(s ? s->token_file : NULL, path_of("tok"));   /* next to the services file */
	CHECK(s && !s->proxy);
	s = config_find(&c, "abs");
	CHECK_STR(s ? s->token_file : NULL, path_of("tok"));
	CHECK_STR(s ? s->proxy : NULL, "http://squid:3128");
	s = config_find(&c, "none");
	CHECK_STR(s ? s->proxy : NULL, "");
	s = config_find(&c, "plain");
	CHECK(s && !s->token_file && !s->proxy);
	vo_http_site_clear();
	CHECK_INT(config_apply_http(&c, &err), 0);
	expect_site("http://rel.example/x", TOK1, NULL);
	expect_site("http://abs.example/x", TOK1, "http://squid:3128");
	expect_site("http://none.example/x", NULL, "");
	expect_site("http://socks.example/x", NULL, "socks5h://127.0.0.1:1080");
	expect_site("http://plain.example/x", NULL, NULL);
	config_free(&c);
	vo_http_site_clear();

	/* a token file the mount must refuse: the error names service and file */
	snprintf(body, sizeof body, "[open]\nurl = http://open.example/tap\ntoken_file = %s\n",
		 path_of("tok644"));
	vo_err_clear(&err);
	CHECK_INT(config_load_file(&c, write_conf(body), &err), 0);
	CHECK_INT(config_apply_http(&c, &err), -EACCES);
	CHECK_HAS(err.msg, "[open]");
	CHECK_HAS(err.msg, path_of("tok644"));
	CHECK_HAS(err.msg, "0644");
	CHECK_CLEAN(err.msg);
	config_free(&c);
	vo_http_site_clear();

	/* two services of one host with different token files */
	write_file("tok2", TOK2 "\n", 0600);
	vo_err_clear(&err);
	CHECK_INT(config_load_file(&c, write_conf(
		"[a]\nurl = http://h.example/a/tap\ntoken_file = tok\n"
		"[b]\nurl = http://h.example:80/b/tap\ntoken_file = tok2\n"), &err), 0);
	CHECK_INT(config_apply_http(&c, &err), -EEXIST);
	CHECK_HAS(err.msg, "[b]");
	CHECK_CLEAN(err.msg);
	config_free(&c);
	vo_http_site_clear();

	/* malformed values: file and line */
	vo_err_clear(&err);
	CHECK_INT(config_load_file(&c, write_conf("[x]\nurl = http://x/tap\nproxy = squid:3128\n"),
				   &err), -EINVAL);
	CHECK_HAS(err.msg, "services.ini:3: proxy must be a URL");
	config_free(&c);
	vo_err_clear(&err);
	CHECK_INT(config_load_file(&c, write_conf("[x]\nurl = http://x/tap\ntoken_file =\n"),
				   &err), -EINVAL);
	CHECK_HAS(err.msg, "services.ini:3: token_file");
	config_free(&c);
}

/* mode = auto (the default), sync, async; a later [x] section adds to x */
static void test_mode(void)
{
	struct config c = {0};
	struct vo_err err = {0};

	CHECK_INT(config_load_file(&c, write_conf(
		"[d]\nurl = http://x/tap\n[s]\nurl = http://x/tap\nmode = sync\n"
		"[a]\nurl = http://x/tap\nmode = async\n[u]\nurl = http://x/tap\nmode = async\n"
		"[u]\nmode = auto\n"), &err), 0);
	CHECK_INT(config_find(&c, "d")->mode, VO_TAP_AUTO);
	CHECK_INT(config_find(&c, "s")->mode, VO_TAP_SYNC);
	CHECK_INT(config_find(&c, "a")->mode, VO_TAP_ASYNC);
	CHECK_INT(config_find(&c, "u")->mode, VO_TAP_AUTO);
	config_free(&c);
	config_load_builtin(&c);
	CHECK_INT(config_find(&c, "gavo")->mode, VO_TAP_AUTO);
	config_free(&c);
	CHECK_INT(config_load_file(&c, write_conf("[x]\nurl = http://x/tap\nmode = fast\n"),
				   &err), -EINVAL);
	CHECK_HAS(err.msg, "services.ini:3: mode must be auto, sync or async");
	config_free(&c);
}

/* everything above once more with the log captured: no token in it */
static void test_log_clean(void)
{
	char logp[600], *log;
	int saved = dup(2), fd;

	snprintf(logp, sizeof logp, "%s/log", dir);
	fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || saved < 0) {
		fprintf(stderr, "cannot capture the log\n");
		exit(2);
	}
	vo_log_init(1, VO_LOG_DEBUG);
	fflush(stderr);
	dup2(fd, 2);
	test_sites();
	test_rotation();
	test_config_keys();
	test_mode();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	log = check_slurp(NULL, logp, NULL);
	CHECK_CLEAN(log);
	CHECK_HAS(log, "token_file");   /* the rotation was logged, without the token */
	printf("# captured log:\n%s", log);
	free(log);
	vo_log_init(1, VO_LOG_INFO);
}

int main(void)
{
	check_init();
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	if (vo_http_global_init()) {
		fprintf(stderr, "curl_global_init failed\n");
		return 2;
	}
	test_origin();
	test_token_file();
	test_sites();
	test_rotation();
	test_config_keys();
	test_log_clean();
	vo_http_global_cleanup();
	if (!check_failures) {
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return check_done("config");
}
