/* vo/http.h - the only door to the network (the only file that uses curl).
 *
 * One blocking request per call, on a curl handle kept per thread so
 * connections are reused.  Bodies are streamed to a sink callback, or
 * collected into resp->body up to req->max_body bytes (-EFBIG beyond).
 * Bodies of error responses (status >= 400) never reach the sink: the first
 * VO_HTTP_ERRBODY bytes are kept in resp->errbody so the caller can extract
 * the server's own message.
 *
 * Errors: 0 for any complete HTTP exchange, whatever its status (the caller
 * decides what a 404 means, with vo_http_status_errno()); a negative errno
 * when no complete response arrived: -ETIMEDOUT (timeout or stall),
 * -ECONNREFUSED, -EHOSTUNREACH (DNS), -ECONNRESET (dropped mid-transfer),
 * -EPROTO (malformed HTTP, body shorter than Content-Length),
 * -ECANCELED (req->cancel said so), -EFBIG, -EACCES (the origin's token
 * file cannot be used any more, see below), or the sink's own error.
 * err always names the URL and the cause.
 */
#ifndef VO_HTTP_H
#define VO_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define VO_HTTP_ERRBODY 65536

struct vo_http_param {
	const char *name;
	const char *value;
};

/* A file sent as a part of a multipart/form-data POST (TAP_UPLOAD):
 * streamed from path when the request is sent, never held whole. */
struct vo_http_part {
	const char *name;          /* the form field */
	const char *path;
	const char *filename;      /* shown to the server, NULL: none */
	const char *content_type;  /* NULL: application/octet-stream */
};

struct vo_http_resp;

struct vo_http_req {
	const char *method;   /* "GET" (default when NULL), "POST", "DELETE" */
	const char *url;
	/* GET/DELETE: appended as a query string; POST: form-urlencoded body,
	 * or with parts, multipart/form-data: the params as text parts, then
	 * each part's file.  Files are read while the body is sent, so each
	 * attempt (a caller's retry, a 307/308 redirect) sends them whole
	 * again; one that cannot be opened, or is no regular file, fails the
	 * request before anything is sent (-ENOENT, -EACCES, -EINVAL ...),
	 * err naming it. */
	const struct vo_http_param *params;
	size_t nparams;
	const struct vo_http_part *parts;
	size_t nparts;
	int follow;           /* follow redirects (never for UWS 303s) */
	long timeout_s;       /* whole-transfer limit; 0: none */
	long stall_s;         /* abort when under min_rate for this long; 0: 120 */
	long min_rate;        /* bytes/s a transfer must keep up (over stall_s);
	                       * 0: 1 (only a transfer that stops is cut) */
	const char *range;    /* "first-last" for a Range request, or NULL */
	/* streaming sink for 2xx bodies; NULL: collect into resp->body */
	int (*sink)(void *ud, const char *p, size_t n);
	void *ud;
	size_t max_body;      /* cap for resp->body (0: VO_BUF_DEFAULT_CAP) */
	/* polled during the transfer; non-zero aborts with -ECANCELED */
	int (*cancel)(void *ud);
	/* called once before the first body byte of a final 2xx response,
	 * with status and headers filled in; non-zero aborts (that error) */
	int (*start)(void *ud, const struct vo_http_resp *resp);
	int identity;         /* no Content-Encoding (byte ranges must be raw) */
	long buffer_size;     /* curl's receive buffer (bytes per sink call); 0: 16 KiB */
	/* a validator (an ETag, or an HTTP date) sent as If-Range with a
	 * range: a server whose object changed answers 200 with all of it */
	const char *if_range;
};

struct vo_http_resp {
	long status;
	char location[2048];      /* Location header, resolved to absolute */
	char effective_url[2048]; /* the URL that answered (after redirects) */
	char content_type[256];
	long long content_length; /* -1 when unknown */
	char content_range[128];
	char etag[256];           /* ETag as sent (quotes kept), "" when absent */
	long long last_modified;  /* Last-Modified as Unix time, -1 when absent */
	struct vo_buf body;       /* when req->sink == NULL (2xx only) */
	struct vo_buf errbody;    /* status >= 400: the start of the body */
	double seconds;
};

/* Make every request in flight and every later one fail at once with
 * -ECANCELED (the program is going away).  Async-signal-safe. */
void vo_http_abort_all(void);

/* Call once at startup / shutdown (not thread-safe, as curl's own). */
int vo_http_global_init(void);
void vo_http_global_cleanup(void);
/* "libcurl/7.88.1 ..." for --version */
const char *vo_http_version(void);
/* Release this thread's handle (call before a worker thread exits). */
void vo_http_thread_cleanup(void);

void vo_http_resp_free(struct vo_http_resp *r);

int vo_http_do(const struct vo_http_req *req, struct vo_http_resp *resp,
	       struct vo_err *err);

/* The one mapping from an HTTP status to an errno: 2xx/3xx 0, 404/410
 * ENOENT, 401/403 EACCES, 400/422 EINVAL, 408/504 ETIMEDOUT, 413 EFBIG,
 * 429/502/503 EAGAIN (busy: try later), anything else >= 400 EIO. */
int vo_http_status_errno(long status);

/* --- messages -----------------------------------------------------------
 * The one way to put what a server answered into a message.  Messages never
 * hold binary bytes, control characters or malformed UTF-8, and are cut at
 * a character boundary.  A body is text when its Content-Type says so
 * (text/..., XML, JSON, ...+xml, ...+json; not with a NUL byte in it),
 * or, when the type is absent or generic (application/octet-stream), when
 * its bytes are UTF-8 without control characters other than white space. */

/* The message of an HTTP answer, for errors, into out (n bytes):
 *   "HTTP 404: <the server's words>"  a text error body (below)
 *   "HTTP 404 (image/png, 826 bytes)" any other error body ("binary" when
 *                                     the type is absent)
 *   "HTTP 404"                        no body, or one with no words
 * Callers write "GET <url>: " before it. */
void vo_http_status_text(const struct vo_http_resp *r, char *out, size_t n);

/* Record an answer that is a failure in err: "<fmt...>: " and its
 * vo_http_status_text, with vo_http_status_errno(r->status) (EPROTO for a
 * status that is no error there); returns that errno negated. */
int vo_http_status_err(const struct vo_http_resp *r, struct vo_err *err, const char *fmt,
		       ...) __attribute__((format(printf, 3, 4)));

/* The server's words in a body, at most n-1 bytes: the message of a
 * VOTable error document (DALI QUERY_STATUS), else the text with white
 * space and control characters folded into single spaces and, in a body
 * that starts with '<' (HTML, XML), tags, comments, scripts and styles
 * left out and entities decoded.  Returns 1 (out "") when the body is not
 * text, else 0 (out may be "" too). */
int vo_http_body_text(const struct vo_buf *body, const char *content_type, char *out,
		      size_t n);

/* vo_http_body_text of a body whose type is not known (its bytes decide);
 * "" for binary.  For error messages use vo_http_status_text (fs/cache.c
 * still builds its own from this). */
void vo_http_excerpt(const struct vo_buf *body, char *out, size_t n);

/* --- retries ------------------------------------------------------------
 * The one retry policy.  A caller that retries makes at most
 * VO_HTTP_ATTEMPTS attempts, retries only what vo_http_retryable() accepts,
 * and waits vo_http_backoff_ms(attempt) after failed attempt number
 * `attempt` (from 0), giving up the wait early when cancelled. */
#define VO_HTTP_ATTEMPTS 4
/* The rate below which a transfer of documents and products counts as
 * stalled (a server that drips a few bytes at a time) */
#define VO_HTTP_MIN_RATE 1024

/* What a fetch of a document may take, retries included: timeout_s in all
 * (0: the function's own default), stall_s under VO_HTTP_MIN_RATE
 * (0: the function's own default). */
struct vo_limits {
	long timeout_s, stall_s;
};
#define VO_HTTP_BACKOFF_MAX_MS 10000L

/* 1 when another attempt may succeed after one that returned rc (0 or a
 * negative errno: vo_http_do's own, or -vo_http_status_errno() of the
 * answer): the connection failed or broke (-ECONNREFUSED, -ECONNRESET,
 * -EHOSTUNREACH, -EPROTO for a malformed or short answer), it timed out
 * (-ETIMEDOUT: also HTTP 408/504), or the server is busy (-EAGAIN: HTTP
 * 429/502/503).  0 for success, -ECANCELED, the server's definite answers
 * (-ENOENT, -EACCES, -EINVAL, -EFBIG, -EIO from HTTP 500) and local
 * failures. */
int vo_http_retryable(int rc);

/* 250 ms after the first attempt, four times longer after each next one
 * (250 ms, 1 s, 4 s), at most VO_HTTP_BACKOFF_MAX_MS. */
long vo_http_backoff_ms(int attempt);

/* Parse "bytes FIRST-LAST/TOTAL" (TOTAL may be "*": -1); -EPROTO when
 * malformed. */
int vo_http_parse_range(const char *content_range, long long *first,
			long long *last, long long *total);

/* Percent-encode s into b (RFC 3986 unreserved kept). */
int vo_http_urlencode(struct vo_buf *b, const char *s);

/* --- per-origin settings: a bearer token, a proxy ---------------------------
 *
 * Settings belong to an origin: scheme, host and port of a URL (userinfo,
 * path and query do not count; "http://A" is "http://a:80").  vo_http_do
 * looks up the origin of every request's URL:
 *  - a token is sent as "Authorization: Bearer" to that origin only; curl
 *    drops it when a redirect leaves the origin (another host, port or
 *    scheme).  The token file is looked at again at most once a second and
 *    re-read when it changed; when it cannot be used any more the request
 *    fails with -EACCES and err says why.  A 401 or 403 answer to a request
 *    that carried the token gets resp->errbody replaced by a message saying
 *    the server refused the token (with the server's own words); a 401
 *    where no token was sent says that none is configured.
 *  - a proxy is used for the whole request (curl's CURLOPT_PROXY).
 * The token never appears in logs, messages or resp (occurrences in an
 * error body are masked).  Thread-safe: sites may be added while requests
 * run; they live until vo_http_site_clear().
 */
#define VO_HTTP_ORIGIN_MAX 320
#define VO_HTTP_TOKEN_MAX 16384

struct vo_http_site {
	const char *token_file;   /* the file holding the token, or NULL */
	const char *proxy;        /* a proxy URL; "": none (not even
				     $http_proxy); NULL: curl's default */
};

/* "scheme://host:port" of url into out (scheme and host in lower case,
 * the port always written); -EINVAL when url is not an http(s) URL with a
 * host, -ENAMETOOLONG when it does not fit in n bytes. */
int vo_http_origin(const char *url, char *out, size_t n);

/* Read a token file and check it: a regular file (a symlink to one is
 * fine) owned by this process's effective user, without group or other
 * permission bits, holding one token (surrounding whitespace is dropped;
 * none inside, no control characters) of at most VO_HTTP_TOKEN_MAX bytes.
 * *token is malloc'd, the caller's.  Errors (-ENOENT, -EACCES, -EINVAL,
 * -EFBIG, ...) name the file and what is wrong with it, never its
 * content. */
int vo_http_token_read(const char *path, char **token, struct vo_err *err);

/* Settings for the origin of url; the token file is read and checked now
 * (errors as above).  Setting an origin again merges: a field left NULL
 * keeps its value, a different value is -EEXIST.  -EINVAL for a url
 * without an http(s) origin. */
int vo_http_site_set(const char *url, const struct vo_http_site *site,
		     struct vo_err *err);

/* url was found in the results of the service at from (a product, a
 * DataLink document): when url's origin has no settings of its own it
 * uses from's proxy, never its token.  0 also when there is nothing to
 * do; -ENOMEM. */
int vo_http_site_inherit(const char *url, const char *from);

/* What vo_http_do uses for url: the token and the proxy (each malloc'd,
 * or NULL when there is none; *has_proxy tells a NULL proxy from "").
 * -EACCES (err says why) when the token file cannot be used any more. */
int vo_http_site_get(const char *url, char **token, char **proxy, int *has_proxy,
		     struct vo_err *err);

/* Forget every site (not while requests run). */
void vo_http_site_clear(void);

/* The clock (seconds) that paces looking at token files again, for tests;
 * NULL: CLOCK_MONOTONIC. */
void vo_http_site_clock(double (*now)(void));

#endif
