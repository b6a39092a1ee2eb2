/* fs/xport.h - the block engine's door to the network: one GET of a whole
 * object or of a byte range, with its response head and a body sink.
 *
 * The engine (fs/cache.c, fs/fetch.c) only ever talks to a struct xport,
 * so unit tests give it a fake one that serves bytes from memory, counts
 * requests, changes an object between two requests or stalls on demand.
 * xport_http() is the real one, over vo/http.c.
 *
 * get() returns 0 for any complete HTTP exchange (the status is in resp;
 * for status >= 400 resp->errtext holds "HTTP 404: excerpt" text fit for
 * a log line), or a negative errno when no complete response arrived (err
 * says why): -ETIMEDOUT, -ECONNRESET, -EPROTO, -ECANCELED (req->cancel),
 * or the start/sink callback's own error.
 */
#ifndef FS_XPORT_H
#define FS_XPORT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct xport_resp {
	long status;
	int64_t content_length;     /* -1 when unknown */
	char content_range[128];
	char content_type[128];
	char etag[256];             /* "" when absent */
	int64_t last_modified;      /* Unix time, -1 when absent */
	char errtext[300];          /* status >= 400: "HTTP 404: ..." */
};

struct xport_req {
	const char *url;
	/* bytes [from, to] (inclusive); from < 0: the whole object */
	int64_t from, to;
	/* a validator sent as If-Range with a range (NULL: none) */
	const char *if_range;
	long stall_s;               /* under VO_HTTP_MIN_RATE bytes/s for this
	                             * long: -ETIMEDOUT */
	long timeout_s;             /* whole exchange, 0: none */
	/* called once with the head of a 2xx answer, before its body */
	int (*start)(void *ud, const struct xport_resp *r);
	int (*sink)(void *ud, const char *p, size_t n);
	int (*cancel)(void *ud);    /* polled; non-zero: -ECANCELED */
	void *ud;
	/* no body wanted: start() sees the head, then the exchange ends */
	int head_only;
};

struct xport {
	int (*get)(struct xport *x, const struct xport_req *req, struct xport_resp *resp,
		   struct vo_err *err);
	void *priv;
};

/* The real transport (vo/http.c); a static object, never freed. */
struct xport *xport_http(void);

#endif
