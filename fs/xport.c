/* fs/xport.c - the real transport of the block engine, over vo/http.c;
 * see xport.h. */
#include "xport.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http.h"

struct hx {
	const struct xport_req *req;
	struct xport_resp *resp;
	int head_only;
};

static void copy_head(struct xport_resp *o, const struct vo_http_resp *r)
{
	o->status = r->status;
	o->content_length = r->content_length;
	snprintf(o->content_range, sizeof o->content_range, "%s", r->content_range);
	snprintf(o->content_type, sizeof o->content_type, "%s", r->content_type);
	snprintf(o->etag, sizeof o->etag, "%s", r->etag);
	o->last_modified = r->last_modified;
}

static int on_start(void *ud, const struct vo_http_resp *r)
{
	struct hx *h = ud;
	int rc;

	copy_head(h->resp, r);
	rc = h->req->start ? h->req->start(h->req->ud, h->resp) : 0;
	if (!rc && h->head_only)
		return -EALREADY;   /* the head is all that was wanted */
	return rc;
}

static int on_body(void *ud, const char *p, size_t n)
{
	struct hx *h = ud;

	return h->req->sink ? h->req->sink(h->req->ud, p, n) : 0;
}

static int on_cancel(void *ud)
{
	struct hx *h = ud;

	return h->req->cancel ? h->req->cancel(h->req->ud) : 0;
}

static int http_get(struct xport *x, const struct xport_req *req, struct xport_resp *resp,
		    struct vo_err *err)
{
	char range[64];
	struct hx h = {.req = req, .resp = resp, .head_only = req->head_only};
	struct vo_http_req hr = {
		.url = req->url, .follow = 1, .stall_s = req->stall_s,
		.min_rate = VO_HTTP_MIN_RATE,
		.timeout_s = req->timeout_s, .identity = 1, .start = on_start,
		.sink = on_body, .ud = &h, .cancel = on_cancel, .if_range = req->if_range,
		.buffer_size = 256 << 10,   /* fewer, larger sink calls */
		.max_body = 1 << 16,
	};
	struct vo_http_resp r = {0};
	int rc;

	(void)x;
	memset(resp, 0, sizeof *resp);
	resp->content_length = -1;
	resp->last_modified = -1;
	if (req->from >= 0) {
		if (req->to >= req->from)
			snprintf(range, sizeof range, "%" PRId64 "-%" PRId64, req->from, req->to);
		else
			snprintf(range, sizeof range, "%" PRId64 "-", req->from);
		hr.range = range;
	}
	rc = vo_http_do(&hr, &r, err);
	if (rc == -EALREADY && h.head_only) {
		vo_err_clear(err);
		rc = 0;
	}
	if (!rc) {
		/* an empty body never called start(): take the head from here */
		if (!resp->status)
			copy_head(resp, &r);
		resp->status = r.status;
		if (r.status >= 400)
			vo_http_status_text(&r, resp->errtext, sizeof resp->errtext);
	}
	vo_http_resp_free(&r);
	return rc;
}

struct xport *xport_http(void)
{
	static struct xport x = {.get = http_get};

	return &x;
}
