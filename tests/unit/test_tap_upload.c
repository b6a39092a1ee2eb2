/* tests/unit/test_tap_upload.c - uploads through vo_tap_run and vo_http_do.
 *
 * A small TAP service on a loopback socket in this process (no network
 * beyond 127.0.0.1, no other program) records every request and answers
 * /sync, /async and its job the way DaCHS does.  The checks read the
 * recorded bodies: every POST that carries the query is multipart/form-data
 * with the TAP parameters, one UPLOAD parameter and each table as a file
 * part (its name, filename, type and bytes); a retried /sync sends it all
 * again; sync, auto and async runs (auto goes async after /sync's 413);
 * errors before anything is sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "http.h"
#include "log.h"
#include "tap.h"

#define MAX_REQS 32

struct req {
	char method[16], target[512];
	struct vo_buf head, body;
};

static struct {
	pthread_mutex_t m;
	int fd, port;
	struct req reqs[MAX_REQS];
	int nreqs;
	int busy_syncs;          /* answer this many /sync POSTs with 503 */
	int big_syncs;           /* ... and then this many with 413 */
} srv = {.m = PTHREAD_MUTEX_INITIALIZER};

static char dir[] = "/tmp/vofs-tapup-XXXXXX";

static const char result_vot[] =
	"<?xml version=\"1.0\"?><VOTABLE version=\"1.4\""
	" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE type=\"results\">"
	"<INFO name=\"QUERY_STATUS\" value=\"OK\"/><TABLE><FIELD name=\"n\" datatype=\"long\"/>"
	"<DATA><TABLEDATA><TR><TD>42</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";

static const char *header(const struct req *r, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = r->head.p; p && (p = strstr(p, "\r\n")); p += 2)
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':')
			return p + 3 + n + strspn(p + 3 + n, " ");
	return NULL;
}

static void answer(int fd, const struct req *r, int n)
{
	char head[1024], loc[256];
	const char *status = "200 OK", *type = "application/x-votable+xml", *body = result_vot;
	char job[600];

	loc[0] = '\0';
	if (strcmp(r->method, "POST") == 0 && strcmp(r->target, "/tap/sync") == 0) {
		pthread_mutex_lock(&srv.m);
		if (srv.busy_syncs > 0) {
			srv.busy_syncs--;
			status = "503 Service Unavailable";
			type = "text/plain";
			body = "busy";
		} else if (srv.big_syncs > 0) {
			srv.big_syncs--;
			status = "413 Request Entity Too Large";
			type = "text/plain";
			body = "Would only accept 0 bytes of upload here.";
		}
		pthread_mutex_unlock(&srv.m);
	} else if (strcmp(r->method, "POST") == 0 && (strcmp(r->target, "/tap/async") == 0 ||
						     strcmp(r->target, "/tap/async/j1/phase") == 0)) {
		status = "303 See Other";
		snprintf(loc, sizeof loc, "Location: http://127.0.0.1:%d/tap/async/j1\r\n", srv.port);
		type = "text/plain";
		body = "";
	} else if (strncmp(r->target, "/tap/async/j1/results/result", 28) == 0) {
		/* the result, as above */
	} else if (strncmp(r->target, "/tap/async/j1", 13) == 0) {
		snprintf(job, sizeof job,
			 "<uws:job xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\""
			 " xmlns:xlink=\"http://www.w3.org/1999/xlink\"><uws:jobId>j1</uws:jobId>"
			 "<uws:phase>COMPLETED</uws:phase><uws:results><uws:result id=\"result\""
			 " xlink:href=\"http://127.0.0.1:%d/tap/async/j1/results/result\"/>"
			 "</uws:results></uws:job>", srv.port);
		type = "text/xml";
		body = job;
	} else {
		status = "404 Not Found";
		type = "text/plain";
		body = "no such thing";
	}
	snprintf(head, sizeof head, "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "%sConnection: close\r\n\r\n", status, type, strlen(body), loc);
	if (write(fd, head, strlen(head)) < 0 || write(fd, body, strlen(body)) < 0)
		perror("answer");
	(void)n;
}

/* One request per connection: headers, a Content-Length body. */
static void serve(int fd)
{
	struct req r = {.head = VO_BUF_INIT, .body = VO_BUF_INIT};
	char buf[65536], *end = NULL;
	long long want = 0;
	ssize_t got;
	const char *cl;

	r.head.cap = r.body.cap = 64u << 20;
	while (!end && (got = read(fd, buf, sizeof buf)) > 0) {
		vo_buf_add(&r.head, buf, (size_t)got);
		end = strstr(r.head.p, "\r\n\r\n");
	}
	if (!end)
		goto out;
	vo_buf_add(&r.body, end + 4, r.head.len - (size_t)(end + 4 - r.head.p));
	r.head.len = (size_t)(end + 2 - r.head.p);
	r.head.p[r.head.len] = '\0';
	sscanf(r.head.p, "%15s %511s", r.method, r.target);
	if ((cl = header(&r, "Content-Length")))
		want = atoll(cl);
	/* as DaCHS does (curl asks before a body over 1 MiB, and waits 1 s
	 * for a server that does not answer) */
	if ((cl = header(&r, "Expect")) && strncasecmp(cl, "100-continue", 12) == 0 &&
	    write(fd, "HTTP/1.1 100 Continue\r\n\r\n", 25) < 0)
		perror("100 Continue");
	while ((long long)r.body.len < want && (got = read(fd, buf, sizeof buf)) > 0)
		vo_buf_add(&r.body, buf, (size_t)got);
	pthread_mutex_lock(&srv.m);
	if (srv.nreqs < MAX_REQS) {
		srv.reqs[srv.nreqs++] = r;
		r = (struct req){.head = VO_BUF_INIT};
	}
	pthread_mutex_unlock(&srv.m);
	answer(fd, &srv.reqs[srv.nreqs - 1], srv.nreqs);
out:
	vo_buf_free(&r.head);
	vo_buf_free(&r.body);
}

static void *server(void *arg)
{
	for (;;) {
		int fd = accept(srv.fd, NULL, NULL);
		if (fd < 0)
			return NULL;
		serve(fd);
		close(fd);
	}
}

static void reset_reqs(void)
{
	pthread_mutex_lock(&srv.m);
	for (int i = 0; i < srv.nreqs; i++) {
		vo_buf_free(&srv.reqs[i].head);
		vo_buf_free(&srv.reqs[i].body);
	}
	srv.nreqs = 0;
	pthread_mutex_unlock(&srv.m);
}

/* The part named name of a multipart body: its headers and bytes. */
static int part(const struct req *r, const char *name, struct vo_buf *heads, struct vo_buf *data)
{
	const char *ct = header(r, "Content-Type"), *b = ct ? strstr(ct, "boundary=") : NULL;
	char delim[128], want[160];
	const char *p = r->body.p, *end = p + r->body.len;

	if (!b || !p)
		return 0;
	snprintf(delim, sizeof delim, "\r\n--%.*s", (int)strcspn(b + 9, "\r\n"), b + 9);
	snprintf(want, sizeof want, "name=\"%s\"", name);
	/* the body starts with the delimiter without its CRLF */
	p = memmem(p, (size_t)(end - p), delim + 2, strlen(delim) - 2);
	while (p) {
		const char *h = p + strlen(delim) - 2, *hend, *next;
		if (h + 2 > end || !(hend = memmem(h, (size_t)(end - h), "\r\n\r\n", 4)))
			return 0;
		next = memmem(hend + 4, (size_t)(end - hend - 4), delim, strlen(delim));
		if (!next)
			return 0;
		if (memmem(h, (size_t)(hend - h), want, strlen(want))) {
			vo_buf_add(heads, h, (size_t)(hend - h));
			vo_buf_add(data, hend + 4, (size_t)(next - hend - 4));
			return 1;
		}
		p = next + 2;
	}
	return 0;
}

static void check_text_part(const struct req *r, const char *name, const char *value)
{
	struct vo_buf h = VO_BUF_INIT, d = VO_BUF_INIT;

	if (!part(r, name, &h, &d)) {
		fprintf(stderr, "    no part %s in %s %s\n", name, r->method, r->target);
		CHECK(!"a text part is missing");
	} else {
		CHECK_STR(d.p ? d.p : "", value);
		CHECK(!strstr(h.p, "filename="));
	}
	vo_buf_free(&h);
	vo_buf_free(&d);
}

static void check_file_part(const struct req *r, const char *name, const char *file)
{
	struct vo_buf h = VO_BUF_INIT, d = VO_BUF_INIT;
	char fn[128];
	size_t len;
	char *want = check_slurp(NULL, file, &len);

	if (!part(r, name, &h, &d)) {
		fprintf(stderr, "    no part %s in %s %s\n", name, r->method, r->target);
		CHECK(!"a file part is missing");
	} else {
		snprintf(fn, sizeof fn, "filename=\"%s\"", name);
		CHECK_HAS(h.p, fn);
		CHECK_HAS(h.p, "Content-Type: application/x-votable+xml");
		CHECK_INT(d.len, len);
		CHECK(d.len == len && memcmp(d.p, want, len) == 0);
	}
	free(want);
	vo_buf_free(&h);
	vo_buf_free(&d);
}

/* A POST of the query with both uploads */
static void check_query_post(const struct req *r, const char *target, const char *f1,
			     const char *f2)
{
	CHECK_STR(r->method, "POST");
	CHECK_STR(r->target, target);
	CHECK_HAS(header(r, "Content-Type"), "multipart/form-data; boundary=");
	check_text_part(r, "REQUEST", "doQuery");
	check_text_part(r, "LANG", "ADQL");
	check_text_part(r, "QUERY", "SELECT TOP 5 * FROM TAP_UPLOAD.t JOIN TAP_UPLOAD.u USING (n)");
	check_text_part(r, "MAXREC", "10");
	check_text_part(r, "UPLOAD", "t,param:t;u,param:u");
	check_file_part(r, "t", f1);
	check_file_part(r, "u", f2);
}

static int rows_seen;

static int on_row(void *ud, const struct vo_cell *c, size_t n)
{
	rows_seen++;
	return 0;
}

static int run(enum vo_tap_mode mode, const char *f1, const char *f2, struct vo_err *err)
{
	char base[64];
	struct vo_tap_upload up[] = {{"t", f1}, {"u", f2}};
	struct vo_tap_query q = {
		.base_url = base, .mode = mode, .maxrec = 10, .uploads = up, .nuploads = 2,
		.adql = "SELECT TOP 5 * FROM TAP_UPLOAD.t JOIN TAP_UPLOAD.u USING (n)",
	};
	struct vo_tap_hooks h = {.rows = {.row = on_row}};
	struct vo_tap_outcome out;
	int rc;

	snprintf(base, sizeof base, "http://127.0.0.1:%d/tap", srv.port);
	rows_seen = 0;
	vo_err_clear(err);
	rc = vo_tap_run(&q, &h, &out, err);
	free(out.services);
	return rc;
}

static void write_file(const char *path, size_t n)
{
	FILE *f = fopen(path, "wb");

	for (size_t i = 0; f && i < n; i++)
		fputc("<VOTABLE>x\r\n\0\xff"[i % 14], f);
	if (!f || fclose(f)) {
		perror(path);
		exit(2);
	}
}

static void test_uploads(void)
{
	char f1[128], f2[128], none[128];
	struct vo_err err = {0};

	snprintf(f1, sizeof f1, "%s/t.vot", dir);
	snprintf(f2, sizeof f2, "%s/u.vot", dir);
	snprintf(none, sizeof none, "%s/none.vot", dir);
	write_file(f1, 5000);
	write_file(f2, 3u << 20);   /* larger than any buffer on the way */

	/* sync */
	CHECK_INT(run(VO_TAP_SYNC, f1, f2, &err), 0);
	CHECK_INT(rows_seen, 1);
	CHECK_INT(srv.nreqs, 1);
	check_query_post(&srv.reqs[0], "/tap/sync", f1, f2);
	reset_reqs();

	/* a busy answer: the retry sends everything again */
	srv.busy_syncs = 1;
	CHECK_INT(run(VO_TAP_SYNC, f1, f2, &err), 0);
	CHECK_INT(srv.nreqs, 2);
	for (int i = 0; i < srv.nreqs && i < 2; i++)
		check_query_post(&srv.reqs[i], "/tap/sync", f1, f2);
	reset_reqs();

	/* auto: a small query goes to /sync first, with its uploads */
	CHECK_INT(run(VO_TAP_AUTO, f1, f2, &err), 0);
	CHECK_INT(srv.nreqs, 1);
	check_query_post(&srv.reqs[0], "/tap/sync", f1, f2);
	reset_reqs();

	/* auto, /sync busy (503) or refusing the size (413: DaCHS's upload
	 * limit is lower there than on /async): the async job carries them */
	for (int big = 0; big < 2; big++) {
		*(big ? &srv.big_syncs : &srv.busy_syncs) = 1;
		CHECK_INT(run(VO_TAP_AUTO, f1, f2, &err), 0);
		CHECK_INT(rows_seen, 1);
		CHECK(srv.nreqs >= 4);
		check_query_post(&srv.reqs[0], "/tap/sync", f1, f2);
		if (srv.nreqs >= 2)
			check_query_post(&srv.reqs[1], "/tap/async", f1, f2);
		reset_reqs();
	}
	/* sync mode: 413 is final, and not retried */
	srv.big_syncs = 1;
	CHECK_INT(run(VO_TAP_SYNC, f1, f2, &err), -EFBIG);
	CHECK_HAS(err.msg, "HTTP 413: Would only accept 0 bytes of upload here.");
	CHECK_INT(srv.nreqs, 1);
	reset_reqs();

	/* async: the job's creation carries the uploads; starting it does not */
	CHECK_INT(run(VO_TAP_ASYNC, f1, f2, &err), 0);
	CHECK_INT(rows_seen, 1);
	CHECK(srv.nreqs >= 4);
	check_query_post(&srv.reqs[0], "/tap/async", f1, f2);
	if (srv.nreqs >= 2) {
		CHECK_STR(srv.reqs[1].target, "/tap/async/j1/phase");
		CHECK_HAS(header(&srv.reqs[1], "Content-Type"), "application/x-www-form-urlencoded");
		CHECK_STR(srv.reqs[1].body.p, "PHASE=RUN");
	}
	reset_reqs();

	/* a file that is not there: nothing is sent, err names it */
	CHECK_INT(run(VO_TAP_SYNC, f1, none, &err), -ENOENT);
	CHECK_HAS(err.msg, "the file of part u, ");
	CHECK_HAS(err.msg, "none.vot: No such file or directory");
	CHECK_INT(run(VO_TAP_ASYNC, none, f2, &err), -ENOENT);
	CHECK_INT(run(VO_TAP_SYNC, f1, dir, &err), -EINVAL);
	CHECK_HAS(err.msg, "is not a regular file");
	CHECK_INT(srv.nreqs, 0);

	/* a bad table name: nothing is sent */
	{
		char base[64];
		struct vo_tap_upload up[] = {{"select", f1}};
		struct vo_tap_query q = {.base_url = base, .mode = VO_TAP_AUTO, .maxrec = -1,
					 .adql = "SELECT * FROM TAP_UPLOAD.select",
					 .uploads = up, .nuploads = 1};
		struct vo_tap_hooks h = {0};
		struct vo_tap_outcome out;
		snprintf(base, sizeof base, "http://127.0.0.1:%d/tap", srv.port);
		vo_err_clear(&err);
		CHECK_INT(vo_tap_run(&q, &h, &out, &err), -EINVAL);
		CHECK_HAS(err.msg, "SELECT is a reserved word of ADQL");
		CHECK_INT(out.phase, VO_UWS_ERROR);
		free(out.services);
		q.mode = VO_TAP_ASYNC;
		vo_err_clear(&err);
		CHECK_INT(vo_tap_run(&q, &h, &out, &err), -EINVAL);
		free(out.services);
		CHECK_INT(srv.nreqs, 0);
	}

	/* vo_http_do itself: a part's own filename and type, and none */
	{
		char url[64];
		struct vo_http_param p[] = {{"a", "1"}};
		struct vo_http_part parts[] = {{"x", f1, "given.name", "text/plain"},
					       {"y", f1, NULL, NULL}};
		struct vo_http_req req = {.method = "POST", .url = url, .params = p, .nparams = 1,
					  .parts = parts, .nparts = 2};
		struct vo_http_resp resp = {0};
		struct vo_buf h = VO_BUF_INIT, d = VO_BUF_INIT;
		snprintf(url, sizeof url, "http://127.0.0.1:%d/other", srv.port);
		vo_err_clear(&err);
		CHECK_INT(vo_http_do(&req, &resp, &err), 0);
		CHECK_INT(resp.status, 404);
		CHECK_INT(srv.nreqs, 1);
		check_text_part(&srv.reqs[0], "a", "1");
		CHECK(part(&srv.reqs[0], "x", &h, &d));
		CHECK_HAS(h.p, "filename=\"given.name\"");
		CHECK_HAS(h.p, "Content-Type: text/plain");
		vo_buf_reset(&h);
		vo_buf_reset(&d);
		CHECK(part(&srv.reqs[0], "y", &h, &d));
		CHECK(!strstr(h.p, "filename="));
		CHECK_HAS(h.p, "Content-Type: application/octet-stream");
		CHECK_INT(d.len, 5000);
		/* parts on a GET are ignored: a query string as always */
		reset_reqs();
		req.method = "GET";
		CHECK_INT(vo_http_do(&req, &resp, &err), 0);
		CHECK_STR(srv.reqs[0].target, "/other?a=1");
		CHECK_INT(srv.reqs[0].body.len, 0);
		vo_http_resp_free(&resp);
		vo_buf_free(&h);
		vo_buf_free(&d);
		reset_reqs();
	}
	unlink(f1);
	unlink(f2);
}

int main(void)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof a;
	pthread_t t;

	check_init();
	vo_log_init(1, VO_LOG_ERROR);
	if (!mkdtemp(dir) || vo_http_global_init()) {
		perror("set-up");
		return 2;
	}
	srv.fd = socket(AF_INET, SOCK_STREAM, 0);
	if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof a) ||
	    listen(srv.fd, 16) || getsockname(srv.fd, (struct sockaddr *)&a, &alen)) {
		perror("loopback socket");
		return 2;
	}
	srv.port = ntohs(a.sin_port);
	pthread_create(&t, NULL, server, NULL);
	test_uploads();
	shutdown(srv.fd, SHUT_RDWR);
	close(srv.fd);
	pthread_join(t, NULL);
	reset_reqs();
	vo_http_thread_cleanup();
	vo_http_global_cleanup();
	rmdir(dir);
	return check_done("tap_upload");
}
