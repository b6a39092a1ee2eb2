/* fs/fetch.c - requests for the bytes of remote objects; see fetch.h. */
#include "fetch.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "object.h"
#include "transfers.h"

struct req {
	struct engine *e;
	struct obj *o;              /* a reference */
	unsigned epoch;
	int whole;                  /* the whole object from byte 0 */
	int64_t b0, b1;             /* blocks [b0, b1) (ranged) */
	int64_t next;               /* first block not filled yet */
	int cancelled;              /* atomic */
	struct fetch_owner *owner;  /* under e->q_mu */
	struct list_link qlink;     /* a queue, while queued */
	struct list_link olink;     /* owner->reqs */
	int queued, ahead;
	char origin[VO_HTTP_ORIGIN_MAX];   /* of the URL, for the per-host cap */
};

/* What one attempt learns as the body arrives. */
struct attempt {
	struct req *r;
	struct blkbuf *blk;         /* the block being filled, or NULL */
	int64_t idx;                /* its index */
	int64_t done;               /* bytes in the blocks before it */
	int64_t size;               /* object size as this answer tells it, -1 */
	int64_t got;                /* body bytes */
	struct xfer *xfer;
	struct vo_err *err;
	int sent_validator;
	int64_t progress_us;        /* when a block last arrived (engine clock) */
};

static void req_free(struct req *r)
{
	if (!r)
		return;
	obj_put(r->o);
	free(r);
}

static struct req *req_new(struct obj *o)
{
	struct req *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	r->e = o->eng;
	r->o = o;
	r->epoch = o->epoch;
	if (vo_http_origin(o->url, r->origin, sizeof r->origin))
		r->origin[0] = '\0';   /* not a URL: they share one count */
	obj_ref(o);
	return r;
}

struct req *fetch_prepare(struct obj *o, int64_t b0, int64_t b1)
{
	struct req *r = req_new(o);

	if (!r)
		return NULL;
	r->b0 = r->next = b0;
	r->b1 = b1;
	for (int64_t i = b0; i < b1; i++)
		o->st[i] = BLK_FLIGHT;
	return r;
}

struct req *fetch_prepare_whole(struct obj *o)
{
	struct req *r = req_new(o);

	if (!r)
		return NULL;
	r->whole = 1;
	o->whole = 1;
	return r;
}

void fetch_submit(struct engine *e, struct req *r, struct fetch_owner *ow, int ahead)
{
	pthread_mutex_lock(&e->q_mu);
	r->ahead = ahead;
	r->queued = 1;
	list_push_back(ahead ? &e->q_ahead : &e->q_demand, &r->qlink);
	if (ow) {
		r->owner = ow;
		list_push_back(&ow->reqs, &r->olink);
		__atomic_add_fetch(&ow->n, 1, __ATOMIC_RELAXED);
	}
	pthread_cond_signal(&e->q_cv);
	pthread_mutex_unlock(&e->q_mu);
}

void fetch_cancel_owned(struct engine *e, struct fetch_owner *ow, int64_t keep0, int64_t keep1)
{
	pthread_mutex_lock(&e->q_mu);
	for (struct list_link *l = ow->reqs.head, *nx; l; l = nx) {
		struct req *r = list_item(l, struct req, olink);
		nx = l->next;
		if (keep1 > keep0 && r->b0 < keep1 && r->b1 > keep0)
			continue;
		__atomic_store_n(&r->cancelled, 1, __ATOMIC_RELAXED);
		list_remove(&ow->reqs, &r->olink);
		__atomic_sub_fetch(&ow->n, 1, __ATOMIC_RELAXED);
		r->owner = NULL;
		/* a queued one moves to the front, to be finished at once */
		if (r->queued) {
			list_remove(r->ahead ? &e->q_ahead : &e->q_demand, &r->qlink);
			list_push_front(&e->q_demand, &r->qlink);
			r->ahead = 0;
		}
	}
	pthread_mutex_unlock(&e->q_mu);
}

int fetch_owned(struct engine *e, struct fetch_owner *ow)
{
	(void)e;
	/* read on every read(): no queue lock (changed under it, read as is) */
	return __atomic_load_n(&ow->n, __ATOMIC_RELAXED);
}

static int cancelled(void *ud)
{
	struct attempt *a = ud;

	return __atomic_load_n(&a->r->cancelled, __ATOMIC_RELAXED) ||
	       __atomic_load_n(&a->r->e->stopping, __ATOMIC_RELAXED);
}

/* --- validators ---------------------------------------------------------------- */

/* The If-Range value for the object (under mu): a strong ETag, else the
 * Last-Modified date; "" when it has neither. */
static void if_range_of(const struct obj *o, char *out, size_t n)
{
	out[0] = '\0';
	if (o->etag[0] && strncmp(o->etag, "W/", 2) != 0) {
		snprintf(out, n, "%s", o->etag);
	} else if (o->last_modified > 0) {
		time_t t = (time_t)o->last_modified;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
}

/* Does the answer show another version than the one the object knows?
 * (under mu) why gets the reason. */
static int changed(const struct obj *o, const struct xport_resp *h, int64_t total, char *why,
		   size_t n)
{
	if (o->size >= 0 && total >= 0 && total != o->size) {
		snprintf(why, n, "size %" PRId64 ", was %" PRId64, total, o->size);
		return 1;
	}
	if (o->etag[0] && h->etag[0] && strcmp(o->etag, h->etag) != 0) {
		snprintf(why, n, "ETag %.100s, was %.100s", h->etag, o->etag);
		return 1;
	}
	if (o->last_modified > 0 && h->last_modified > 0 && o->last_modified != h->last_modified) {
		snprintf(why, n, "Last-Modified %lld, was %lld", (long long)h->last_modified,
			 (long long)o->last_modified);
		return 1;
	}
	return 0;
}

/* under mu: take the validators of the first answer */
static void adopt(struct obj *o, const struct xport_resp *h)
{
	if (!o->etag[0] && h->etag[0])
		snprintf(o->etag, sizeof o->etag, "%s", h->etag);
	/* (not the mtime: once shown it stays, or the kernel drops the
	 * pages it holds and rsync copies again) */
	if (o->last_modified <= 0 && h->last_modified > 0)
		o->last_modified = h->last_modified;
	if (!o->ctype[0] && h->content_type[0])
		snprintf(o->ctype, sizeof o->ctype, "%s", h->content_type);
}

static int range_start(void *ud, const struct xport_resp *h)
{
	struct attempt *a = ud;
	struct req *r = a->r;
	struct obj *o = r->o;
	long long first, last, total;
	char why[300];
	int rc = 0;

	pthread_mutex_lock(&o->mu);
	if (o->epoch != r->epoch) {
		rc = vo_err_set(a->err, ESTALE, "%s: changed on the server meanwhile", o->url);
	} else if (h->status == 206) {
		if (vo_http_parse_range(h->content_range, &first, &last, &total)) {
			rc = vo_err_set(a->err, EPROTO, "%s: malformed Content-Range '%s'", o->url,
					h->content_range);
		} else if (first != a->idx * (long long)CACHE_BLOCK) {
			rc = vo_err_set(a->err, EPROTO, "%s: asked for bytes from %" PRId64
					", got Content-Range '%s'", o->url,
					a->idx * (int64_t)CACHE_BLOCK, h->content_range);
		} else if (changed(o, h, total, why, sizeof why)) {
			obj_stale(o, why);
			rc = vo_err_set(a->err, ESTALE, "%s: changed on the server (%s)", o->url, why);
		} else {
			adopt(o, h);
			if (o->ranges != 1) {
				o->ranges = 1;
				obj_save(o);
			}
			a->size = o->size;
		}
	} else if (h->status == 200 && a->sent_validator) {
		/* If-Range did not match: the server sends the new version whole */
		obj_stale(o, "If-Range answered with the whole new version");
		rc = vo_err_set(a->err, ESTALE, "%s: changed on the server (If-Range"
				" mismatch)", o->url);
	} else if (h->status == 200) {
		/* the server ignores Range: the object is read as one stream */
		o->ranges = 0;
		obj_save(o);
		obj_wake(o);
		rc = vo_err_set(a->err, ENOTSUP, "%s: the server ignores Range requests;"
				" reading it as a whole", o->url);
	} else {
		rc = vo_err_set(a->err, EPROTO, "%s: unexpected HTTP status %ld", o->url, h->status);
	}
	pthread_mutex_unlock(&o->mu);
	return rc;
}

static int whole_start(void *ud, const struct xport_resp *h)
{
	struct attempt *a = ud;
	struct obj *o = a->r->o;
	char why[300];
	int rc = 0;

	if (h->status != 200)
		return vo_err_set(a->err, EPROTO, "%s: unexpected HTTP status %ld", o->url,
				  h->status);
	pthread_mutex_lock(&o->mu);
	if (changed(o, h, h->content_length, why, sizeof why)) {
		/* readers of the version before must not get this one's bytes */
		obj_stale(o, why);
		a->r->epoch = o->epoch;
		o->whole = 1;
	}
	adopt(o, h);
	a->size = h->content_length;
	pthread_mutex_unlock(&o->mu);
	xfer_set_total(a->xfer, a->size);
	return rc;
}

/* The bytes in the block being filled (0 when none is). */
static size_t filled(const struct attempt *a)
{
	return a->blk ? a->blk->len : 0;
}

static int deliver(struct attempt *a)
{
	struct req *r = a->r;
	size_t len = a->blk->len;
	int rc = obj_deliver(r->o, r->epoch, a->idx, a->blk);

	a->blk = NULL;
	if (rc == -ESTALE)
		return vo_err_set(a->err, ESTALE, "%s: changed on the server meanwhile", r->o->url);
	if (rc)
		return vo_err_set(a->err, -rc, "%s: out of memory", r->o->url);
	a->idx++;
	a->done += (int64_t)len;
	a->progress_us = engine_now_us(r->e);
	if (!r->whole)
		r->next = a->idx;
	return 0;
}

static int on_body(void *ud, const char *p, size_t n)
{
	struct attempt *a = ud;
	struct req *r = a->r;

	a->got += (int64_t)n;
	engine_count(&r->e->bytes_fetched, (int64_t)n);
	xfer_add(a->xfer, (int64_t)n);
	if (cancelled(a))
		return vo_err_set(a->err, ECANCELED, "%s: no reader wants it any more", r->o->url);
	while (n) {
		size_t want = a->size >= 0 ? (size_t)obj_block_len(a->size, a->idx) : CACHE_BLOCK;
		size_t take;
		int rc;
		if (a->size >= 0 && a->done >= a->size)
			return vo_err_set(a->err, EPROTO, "%s: more bytes than the size %" PRId64,
					  r->o->url, a->size);
		if (!r->whole && a->idx >= r->b1)
			return vo_err_set(a->err, EPROTO, "%s: more bytes than asked for", r->o->url);
		if (!a->blk && !(a->blk = blkbuf_new(CACHE_BLOCK)))
			return vo_err_set(a->err, ENOMEM, "%s: out of memory", r->o->url);
		take = want - a->blk->len < n ? want - a->blk->len : n;
		memcpy(a->blk->data + a->blk->len, p, take);
		a->blk->len += take;
		p += take;
		n -= take;
		if (a->blk->len == want && (rc = deliver(a)))
			return rc;
	}
	return 0;
}

/* One GET; 0 when every byte asked for arrived. */
static int run_attempt(struct req *r, struct attempt *a)
{
	struct obj *o = r->o;
	struct xport_resp h;
	char validator[300] = "";
	struct xport_req q = {
		.url = o->url, .from = -1, .to = -1, .stall_s = r->e->cfg.stall_s,
		.start = r->whole ? whole_start : range_start, .sink = on_body,
		.cancel = cancelled, .ud = a,
	};
	int rc;

	a->got = 0;
	if (a->blk)
		a->blk->len = 0;
	pthread_mutex_lock(&o->mu);
	if (o->epoch != r->epoch) {
		pthread_mutex_unlock(&o->mu);
		return vo_err_set(a->err, ESTALE, "%s: changed on the server meanwhile", o->url);
	}
	if (r->whole) {
		/* a stream starts from nothing: never two versions in one file */
		obj_forget_blocks(o);
		a->idx = 0;
		a->done = 0;
		a->size = -1;
	} else {
		int64_t end = r->b1 * (int64_t)CACHE_BLOCK;
		a->idx = r->next;
		a->done = a->idx * (int64_t)CACHE_BLOCK;
		a->size = o->size;
		q.from = a->idx * (int64_t)CACHE_BLOCK;
		q.to = (end < o->size ? end : o->size) - 1;
		if_range_of(o, validator, sizeof validator);
		if (validator[0]) {
			q.if_range = validator;
			a->sent_validator = 1;
		}
	}
	pthread_mutex_unlock(&o->mu);
	engine_count(&r->e->requests, 1);
	a->xfer = xfer_begin("product", o->url, q.from < 0 ? 0 : q.from,
			     q.from < 0 ? a->size : q.to + 1 - q.from);
	rc = r->e->cfg.xport->get(r->e->cfg.xport, &q, &h, a->err);
	xfer_end(a->xfer);
	a->xfer = NULL;
	if (rc)
		return rc;
	if (h.status >= 400)
		return vo_err_set(a->err, vo_http_status_errno(h.status), "%s: %s", o->url,
				  h.errtext);
	if (h.status == 204)
		return vo_err_set(a->err, ENODATA, "%s: HTTP 204, no content (for a cutout:"
				  " the region does not overlap the data)", o->url);
	if (h.status < 200 || h.status >= 300)
		return vo_err_set(a->err, EPROTO, "%s: unexpected HTTP status %ld", o->url,
				  h.status);
	if (!r->whole) {
		if (r->next < r->b1)
			return vo_err_set(a->err, EPROTO, "%s: short body: %" PRId64 " bytes"
					  " for blocks %" PRId64 "-%" PRId64, o->url, a->got,
					  r->next, r->b1 - 1);
		return 0;
	}
	/* a whole stream: the rest is the last block; its end is the size */
	if (a->size >= 0 && a->done + (int64_t)filled(a) != a->size)
		return vo_err_set(a->err, EPROTO, "%s: short body: %" PRId64 " bytes of %" PRId64,
				  o->url, a->done + (int64_t)filled(a), a->size);
	a->size = a->done + (int64_t)filled(a);
	if (filled(a) && (rc = deliver(a)))
		return rc;
	return 0;
}

/* The end of a request: its blocks still in flight become ABSENT (or
 * FAILED), a stream's object learns its size; waiters wake. */
static void finish(struct req *r, int rc, struct attempt *a)
{
	struct obj *o = r->o;
	struct engine *e = r->e;

	pthread_mutex_lock(&o->mu);
	/* a failure of this version (a change on the server is not one: the
	 * next open reads the new version) */
	if (rc && rc != -ECANCELED && rc != -ENOTSUP && rc != -ESTALE && o->epoch == r->epoch) {
		o->fail_err = rc;
		o->fail_at = engine_now_us(e);
	}
	if (r->whole) {
		o->whole = 0;
		if (!rc && o->epoch == r->epoch) {
			obj_set_size(o, a->size);
			/* queued after the blocks: stored with them or after them */
			obj_save(o);
		} else if (o->epoch == r->epoch) {
			obj_forget_blocks(o);
		}
	} else if (o->epoch == r->epoch) {
		int st = rc && rc != -ECANCELED && rc != -ENOTSUP && rc != -ESTALE ? BLK_FAILED
			: BLK_ABSENT;
		for (int64_t i = r->next; i < r->b1 && i < o->nblk; i++)
			if (o->st[i] == BLK_FLIGHT)
				o->st[i] = (uint8_t)st;
	}
	obj_wake(o);
	pthread_mutex_unlock(&o->mu);
}

static void run(struct req *r)
{
	struct vo_err err = {0};
	struct attempt a = {.r = r, .blk = NULL, .err = &err, .progress_us = engine_now_us(r->e)};
	int rc = -ECANCELED;

	for (int attempt = 0; attempt < VO_HTTP_ATTEMPTS; attempt++) {
		if (cancelled(&a)) {
			rc = vo_err_set(&err, ECANCELED, "%s: cancelled", r->o->url);
			break;
		}
		vo_err_clear(&err);
		a.sent_validator = 0;
		rc = run_attempt(r, &a);
		if (!rc || !vo_http_retryable(rc) || cancelled(&a) ||
		    !engine_retry_pause(r->e, attempt, a.progress_us, err.msg))
			break;
	}
	if (rc == -ECANCELED || rc == -ENOTSUP) {
		vo_debug("%s", err.msg);
		if (rc == -ECANCELED)
			engine_count(&r->e->cancelled, 1);
	} else if (rc) {
		vo_error("%s", err.msg);
		engine_count(&r->e->errors, 1);
	}
	finish(r, rc, &a);
	blkbuf_put(a.blk);
}

/* Under q_mu: the running count of an origin (made when make is set). */
static int *host_running(struct engine *e, const char *origin, int make)
{
	int free_slot = -1;

	for (int i = 0; i < ENGINE_MAX_WORKERS; i++) {
		if (e->hosts[i].running && strcmp(e->hosts[i].origin, origin) == 0)
			return &e->hosts[i].running;
		if (!e->hosts[i].running && free_slot < 0)
			free_slot = i;
	}
	if (!make || free_slot < 0)
		return NULL;
	snprintf(e->hosts[free_slot].origin, sizeof e->hosts[free_slot].origin, "%s", origin);
	return &e->hosts[free_slot].running;
}

/* Under q_mu: the first queued request (demand, then read-ahead) whose
 * origin is under its cap; when stopping, any (they end cancelled). */
static struct req *pick(struct engine *e)
{
	struct list *qs[2] = {&e->q_demand, &e->q_ahead};

	for (int k = 0; k < 2; k++)
		for (struct list_link *l = qs[k]->head; l; l = l->next) {
			struct req *r = list_item(l, struct req, qlink);
			int *n = host_running(e, r->origin, 0);
			if (e->stopping || !n || *n < e->host_max)
				return r;
		}
	return NULL;
}

static void *worker(void *arg)
{
	struct engine *e = arg;

	for (;;) {
		struct req *r;
		int *n;

		pthread_mutex_lock(&e->q_mu);
		while (!(r = pick(e)) && !e->stopping)
			pthread_cond_wait(&e->q_cv, &e->q_mu);
		if (!r) {
			pthread_mutex_unlock(&e->q_mu);
			break;
		}
		list_remove(r->ahead ? &e->q_ahead : &e->q_demand, &r->qlink);
		r->queued = 0;
		if ((n = host_running(e, r->origin, 1)))
			(*n)++;
		pthread_mutex_unlock(&e->q_mu);

		run(r);

		pthread_mutex_lock(&e->q_mu);
		if ((n = host_running(e, r->origin, 0)))
			(*n)--;
		if (r->owner) {
			list_remove(&r->owner->reqs, &r->olink);
			__atomic_sub_fetch(&r->owner->n, 1, __ATOMIC_RELAXED);
		}
		/* a request held back by its origin's cap may go now */
		pthread_cond_broadcast(&e->q_cv);
		pthread_mutex_unlock(&e->q_mu);
		req_free(r);
	}
	vo_http_thread_cleanup();
	db_close_thread();
	return NULL;
}

int fetch_start(struct engine *e)
{
	int want = e->cfg.nworkers > 0 ? e->cfg.nworkers : ENGINE_WORKERS;

	if (want > ENGINE_MAX_WORKERS)
		want = ENGINE_MAX_WORKERS;
	e->stopping = 0;
	/* one origin may hold all but two workers (all of one) */
	e->host_max = want > 2 ? want - 2 : 1;
	for (e->nworkers = 0; e->nworkers < want; e->nworkers++)
		if (pthread_create(&e->workers[e->nworkers], NULL, worker, e))
			break;
	return e->nworkers ? 0 : -EAGAIN;
}

void fetch_stop(struct engine *e)
{
	pthread_mutex_lock(&e->q_mu);
	__atomic_store_n(&e->stopping, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&e->q_cv);
	pthread_mutex_unlock(&e->q_mu);
	/* the workers finish what is queued as cancelled, then end */
	for (int i = 0; i < e->nworkers; i++)
		pthread_join(e->workers[i], NULL);
	e->nworkers = 0;
}
