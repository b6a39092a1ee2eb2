/* vo/tap.c - TAP queries over UWS (async) and sync; see tap.h. */
#include "tap.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"
#include "log.h"
#include "upload.h"

#define TAP_WAIT_S 30          /* UWS blocking poll length per request */
#define TAP_SMALL_DOC (4u << 20)
#define TAP_QUICK_S 5.0            /* poll every 250 ms this long, then WAIT */

struct run {
	const struct vo_tap_hooks *h;
	struct vo_tap_outcome *out;
	struct vo_votable *vot;
	struct vo_err *err;
	double deadline;           /* monotonic seconds, 0: none */
	long timeout_s;
	long stall_s;              /* result downloads: see vo_tap_query */
	int timed_out;
	int astral;                /* the binary result broke after a non-BMP char */
	/* auto mode's /sync attempt: abandoned when no body byte arrived by
	 * first_byte_by (monotonic seconds, 0: no such deadline) */
	double first_byte_by;
	int got_body;              /* atomic: the producer thread sets it */
	int sync_expired;          /* atomic: the attempt passed first_byte_by */
	long http_status;          /* of the last result document's answer */
	/* the query's tables (vo_tap_query.uploads) as multipart parts of
	 * each POST that carries the query */
	struct vo_http_part *parts;
	size_t nparts;
	char *upload;              /* the UPLOAD parameter's value */
	int keep_job;              /* not vofs's job: a timeout does not delete it */
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cancelled(void *ud)
{
	struct run *r = ud;

	if (r->deadline > 0 && now_s() > r->deadline) {
		r->timed_out = 1;
		return 1;
	}
	if (r->first_byte_by > 0 && !__atomic_load_n(&r->got_body, __ATOMIC_RELAXED) &&
	    now_s() > r->first_byte_by) {
		__atomic_store_n(&r->sync_expired, 1, __ATOMIC_RELAXED);
		return 1;
	}
	return r->h->cancel ? r->h->cancel(r->h->ud) : 0;
}

/* Sleep ms milliseconds in small steps, giving up early on cancel. */
static int nap(struct run *r, long ms)
{
	while (ms > 0) {
		long step = ms > 100 ? 100 : ms;
		struct timespec ts = {0, step * 1000000L};
		if (cancelled(r))
			return -ECANCELED;
		nanosleep(&ts, NULL);
		ms -= step;
	}
	return 0;
}

static void set_phase(struct run *r, enum vo_uws_phase ph)
{
	r->out->phase = ph;
	if (r->h->phase)
		r->h->phase(r->h->ud, ph);
}

/* --- streaming a result into the caller's callbacks -------------------- */

static int rows_meta(void *ud, const struct vo_table_meta *m)
{
	struct run *r = ud;
	return r->h->rows.meta ? r->h->rows.meta(r->h->ud, m) : 0;
}

static int rows_row(void *ud, const struct vo_cell *c, size_t n)
{
	struct run *r = ud;
	return r->h->rows.row ? r->h->rows.row(r->h->ud, c, n) : 0;
}

/* The download runs on a thread of its own and hands its chunks over
 * through a bounded queue, so parsing and storing (on the caller's thread,
 * which owns the store's transaction) overlap with the transfer instead of
 * stalling it. */
#define PIPE_CAP (8u << 20)

struct chunk {
	struct chunk *next;
	size_t len;
	char data[];
};

struct pipe {
	pthread_mutex_t m;
	pthread_cond_t cv;
	struct chunk *head, *tail;
	size_t queued;
	int done;                 /* the producer has finished */
	int abort;                /* the consumer has failed: stop */
	int rc;                   /* vo_http_do's result */
	struct vo_err err;        /* the producer's error */
	struct vo_http_req req;
	struct vo_http_resp resp;
	struct run *r;
};

static int pipe_push(void *ud, const char *p, size_t n)
{
	struct pipe *q = ud;
	struct chunk *c = malloc(sizeof *c + n);

	if (!c)
		return -ENOMEM;
	__atomic_store_n(&q->r->got_body, 1, __ATOMIC_RELAXED);
	if (q->r->h->bytes)
		q->r->h->bytes(q->r->h->ud, q->req.url, (long long)n);
	c->next = NULL;
	c->len = n;
	memcpy(c->data, p, n);
	pthread_mutex_lock(&q->m);
	while (q->queued > PIPE_CAP && !q->abort)
		pthread_cond_wait(&q->cv, &q->m);
	if (q->abort) {
		pthread_mutex_unlock(&q->m);
		free(c);
		return -ECANCELED;
	}
	if (q->tail)
		q->tail->next = c;
	else
		q->head = c;
	q->tail = c;
	q->queued += n;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->m);
	return 0;
}

static int pipe_cancel(void *ud)
{
	struct pipe *q = ud;
	int a;

	pthread_mutex_lock(&q->m);
	a = q->abort;
	pthread_mutex_unlock(&q->m);
	return a || cancelled(q->r);
}

static void *pipe_producer(void *arg)
{
	struct pipe *q = arg;
	int rc = vo_http_do(&q->req, &q->resp, &q->err);

	vo_http_thread_cleanup();
	pthread_mutex_lock(&q->m);
	q->rc = rc;
	q->done = 1;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->m);
	return NULL;
}

/* Feed everything the producer delivers to the parser; 0 or the parser's
 * error (after which the producer is told to stop). */
static int pipe_consume(struct pipe *q, struct vo_votable *vot)
{
	int rc = 0;

	for (;;) {
		struct chunk *c;

		pthread_mutex_lock(&q->m);
		while (!q->head && !q->done)
			pthread_cond_wait(&q->cv, &q->m);
		c = q->head;
		if (c) {
			q->head = c->next;
			if (!q->head)
				q->tail = NULL;
			q->queued -= c->len;
			pthread_cond_broadcast(&q->cv);
		}
		pthread_mutex_unlock(&q->m);
		if (!c)
			return 0;   /* done and drained */
		rc = vo_votable_feed(vot, c->data, c->len);
		free(c);
		if (rc) {
			pthread_mutex_lock(&q->m);
			q->abort = 1;
			pthread_cond_broadcast(&q->cv);
			pthread_mutex_unlock(&q->m);
			return rc;
		}
	}
}

static void pipe_drain(struct pipe *q)
{
	while (q->head) {
		struct chunk *c = q->head;
		q->head = c->next;
		free(c);
	}
	q->tail = NULL;
}

/* The reader gave up on a result document: say where, and remember a
 * binary stream broken by the server's non-BMP length bug. */
static int parse_failure(struct run *r, int rc, const char *method, const char *url)
{
	if (vo_votable_astral_row(r->vot))
		r->astral = 1;
	if (r->err && r->err->code)
		vo_err_prefix(r->err, "%s %s: ", method, url);
	else
		vo_err_set(r->err, -rc, "%s %s: %s", method, url, strerror(-rc));
	return rc;
}

/* One attempt at fetching and parsing a result document. */
static int fetch_result_once(struct run *r, const char *method, const char *url,
			     const struct vo_http_param *params, size_t np)
{
	struct vo_votable_cb cb = {.ud = r, .meta = rows_meta, .row = rows_row};
	struct pipe q = {
		.m = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .r = r,
		.req = {
			.method = method, .url = url, .params = params, .nparams = np,
			.follow = 1, .stall_s = r->stall_s > 0 ? r->stall_s : 300,
			.min_rate = r->stall_s > 0 ? VO_HTTP_MIN_RATE : 1,
			.sink = pipe_push, .cancel = pipe_cancel,
		},
	};

	if (strcmp(method, "POST") == 0) {
		q.req.parts = r->parts;
		q.req.nparts = r->nparts;
	}
	struct vo_http_resp *resp = &q.resp;
	struct vo_err *err = r->err;
	pthread_t producer;
	const char *st;
	int rc, prc;

	q.req.ud = &q;
	if (r->h->begin && (rc = r->h->begin(r->h->ud)))
		return vo_err_set(err, -rc, "%s: cannot reset the stored result", url);
	r->vot = vo_votable_new(&cb, err);
	if (!r->vot)
		return vo_err_set(err, ENOMEM, "%s: out of memory", url);
	if ((rc = pthread_create(&producer, NULL, pipe_producer, &q))) {
		rc = vo_err_set(err, rc, "%s: cannot start a download thread", url);
		goto out_free;
	}
	rc = pipe_consume(&q, r->vot);
	pthread_join(producer, NULL);
	if (r->h->bytes)
		r->h->bytes(r->h->ud, url, -1);
	prc = q.rc;
	r->http_status = resp->status;
	if (rc) {   /* the parser stopped the transfer: its message is the cause */
		rc = parse_failure(r, rc, method, url);
		goto out;
	}
	if (prc) {
		rc = prc;
		vo_err_set(err, q.err.code ? q.err.code : -prc, "%s", q.err.msg);
		goto out;
	}
	if (resp->status >= 400) {
		rc = vo_http_status_err(resp, r->err, "%s %s", method, url);
		goto out;
	}
	if (resp->status < 200 || resp->status >= 300) {
		rc = vo_err_set(err, EPROTO, "%s %s: unexpected HTTP %ld", method, url,
				resp->status);
		goto out;
	}
	rc = vo_votable_finish(r->vot);
	if (rc) {
		rc = parse_failure(r, rc, method, url);
		goto out;
	}
	if (!vo_votable_has_table(r->vot)) {
		st = vo_votable_status(r->vot);
		if (st && strcmp(st, "ERROR") == 0)
			rc = vo_err_set(err, EIO, "%s", vo_votable_status_msg(r->vot));
		else
			rc = vo_err_set(err, EBADMSG, "%s %s: the VOTable holds no TABLE",
					method, url);
		goto out;
	}
	st = vo_votable_status(r->vot);
	if (st && strcmp(st, "ERROR") == 0) {
		rc = vo_err_set(err, EIO, "%s", vo_votable_status_msg(r->vot));
		goto out;
	}
	r->out->overflow = st && strcmp(st, "OVERFLOW") == 0;
	r->out->nrows = vo_votable_nrows(r->vot);
	free(r->out->services);
	r->out->services = NULL;
	if (vo_votable_meta_resources(r->vot)[0] &&
	    !(r->out->services = strdup(vo_votable_meta_resources(r->vot))))
		rc = vo_err_set(err, ENOMEM, "out of memory");
out:
	pipe_drain(&q);
	vo_http_resp_free(resp);
out_free:
	vo_votable_free(r->vot);
	r->vot = NULL;
	pthread_mutex_destroy(&q.m);
	pthread_cond_destroy(&q.cv);
	return rc;
}

static int fetch_result(struct run *r, const char *method, const char *url,
			const struct vo_http_param *params, size_t np)
{
	int rc = 0;

	for (int attempt = 0; attempt < VO_HTTP_ATTEMPTS; attempt++) {
		vo_err_clear(r->err);
		rc = fetch_result_once(r, method, url, params, np);
		if (!vo_http_retryable(rc) || attempt + 1 == VO_HTTP_ATTEMPTS)
			break;
		vo_warn("%s (attempt %d of %d)", r->err->msg, attempt + 1, VO_HTTP_ATTEMPTS);
		if (nap(r, vo_http_backoff_ms(attempt)))
			return vo_err_set(r->err, ECANCELED, "%s: cancelled", url);
	}
	return rc;
}

/* --- small requests with retries --------------------------------------- */

static int small_request(struct run *r, const struct vo_http_req *req0,
			 struct vo_http_resp *resp)
{
	struct vo_http_req req = *req0;
	int rc = 0;

	req.max_body = TAP_SMALL_DOC;
	req.cancel = cancelled;
	req.ud = r;
	for (int attempt = 0; attempt < VO_HTTP_ATTEMPTS; attempt++) {
		vo_err_clear(r->err);
		rc = vo_http_do(&req, resp, r->err);
		if (!rc && vo_http_retryable(-vo_http_status_errno(resp->status)))
			rc = vo_http_status_err(resp, r->err, "%s %s",
						req.method ? req.method : "GET", req.url);
		if (!vo_http_retryable(rc) || attempt + 1 == VO_HTTP_ATTEMPTS)
			break;
		vo_warn("%s (attempt %d of %d)", r->err->msg, attempt + 1, VO_HTTP_ATTEMPTS);
		if (nap(r, vo_http_backoff_ms(attempt)))
			return vo_err_set(r->err, ECANCELED, "%s: cancelled", req.url);
	}
	return rc;
}


/* --- sync ---------------------------------------------------------------- */

/* The TAP parameters of a query, the same for /sync and /async.  p must
 * hold QUERY_PARAMS entries; maxrec is the caller's buffer for the
 * number's text. */
#define QUERY_PARAMS 6
static size_t query_params(const struct run *r, const struct vo_tap_query *q,
			   struct vo_http_param *p, char *maxrec, size_t maxrec_len)
{
	size_t np = 0;

	if (r->upload)
		p[np++] = (struct vo_http_param){"UPLOAD", r->upload};
	p[np++] = (struct vo_http_param){"REQUEST", "doQuery"};
	p[np++] = (struct vo_http_param){"LANG", "ADQL"};
	p[np++] = (struct vo_http_param){"QUERY", q->adql};
	if (q->maxrec >= 0) {
		snprintf(maxrec, maxrec_len, "%lld", q->maxrec);
		p[np++] = (struct vo_http_param){"MAXREC", maxrec};
	}
	if (q->format)
		p[np++] = (struct vo_http_param){"RESPONSEFORMAT", q->format};
	return np;
}

static int run_sync(struct run *r, const struct vo_tap_query *q)
{
	char url[2048], maxrec[32];
	struct vo_http_param p[QUERY_PARAMS];
	size_t np = query_params(r, q, p, maxrec, sizeof maxrec);
	int rc;

	snprintf(url, sizeof url, "%s/sync", q->base_url);
	r->out->async = 0;
	set_phase(r, VO_UWS_EXECUTING);
	rc = fetch_result(r, "POST", url, p, np);
	set_phase(r, rc ? VO_UWS_ERROR : VO_UWS_COMPLETED);
	return rc;
}

/* --- auto: /sync first, then async ------------------------------------------ */

long long vo_tap_adql_top(const char *adql)
{
	const char *p = adql;
	long long n = 0;

	for (;;) {   /* blanks and -- comments before the SELECT */
		while (isspace((unsigned char)*p))
			p++;
		if (p[0] != '-' || p[1] != '-')
			break;
		p += strcspn(p, "\n");
	}
	if (strncasecmp(p, "SELECT", 6) != 0 || !isspace((unsigned char)p[6]))
		return -1;
	for (p += 6; isspace((unsigned char)*p); p++)
		;
	if (strncasecmp(p, "DISTINCT", 8) == 0 && isspace((unsigned char)p[8]))
		p += 8;
	else if (strncasecmp(p, "ALL", 3) == 0 && isspace((unsigned char)p[3]))
		p += 3;
	while (isspace((unsigned char)*p))
		p++;
	if (strncasecmp(p, "TOP", 3) != 0 || !isspace((unsigned char)p[3]))
		return -1;
	for (p += 3; isspace((unsigned char)*p); p++)
		;
	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > (VO_TAP_AUTO_SYNC_ROWS + 1) * 10)
			continue;   /* large enough: no overflow */
		n = n * 10 + (*p - '0');
	}
	return n;
}

int vo_tap_auto_sync_first(const char *adql, long long maxrec)
{
	long long top = adql ? vo_tap_adql_top(adql) : -1, limit = maxrec;

	if (top >= 0 && (limit < 0 || top < limit))
		limit = top;
	return limit <= VO_TAP_AUTO_SYNC_ROWS;   /* < 0: the service's default */
}

int vo_tap_auto_overflow_rerun(long long maxrec, size_t nrows, int overflow,
			       long long default_rows)
{
	if (!overflow)
		return 0;
	if (maxrec >= 0)
		return (long long)nrows < maxrec;
	return default_rows < 0 || (long long)nrows < default_rows;
}

/* Auto mode's one /sync attempt.  0 or a final error as run_sync; 1 when
 * the query is to go on as an async job (logged with the reason; err and
 * out's result fields cleared). */
static int try_sync(struct run *r, const struct vo_tap_query *q)
{
	char url[2048], maxrec[32], why[VO_ERR_MSG];
	struct vo_http_param p[QUERY_PARAMS];
	size_t np = query_params(r, q, p, maxrec, sizeof maxrec);
	double wait = q->sync_deadline_s > 0 ? q->sync_deadline_s : VO_TAP_AUTO_DEADLINE_S;
	long st;
	int rc;

	snprintf(url, sizeof url, "%s/sync", q->base_url);
	r->out->async = 0;
	set_phase(r, VO_UWS_EXECUTING);
	r->got_body = r->sync_expired = 0;
	r->http_status = 0;
	r->first_byte_by = now_s() + wait;
	vo_err_clear(r->err);
	rc = fetch_result_once(r, "POST", url, p, np);
	r->first_byte_by = 0;
	st = r->http_status;
	why[0] = '\0';
	if (rc == -ECANCELED && __atomic_load_n(&r->sync_expired, __ATOMIC_RELAXED) &&
	    !r->timed_out)
		snprintf(why, sizeof why, "no row within %.1f s", wait);
	else if (rc && !r->astral && (st == 404 || st == 405 || st == 501))
		snprintf(why, sizeof why, "/sync refused (HTTP %ld)", st);
	else if (rc && st == 413)   /* DaCHS: about 500 kB of upload on /sync */
		snprintf(why, sizeof why, "the request is too large for /sync (HTTP 413)");
	else if (rc && !r->astral && rc != -ECANCELED && vo_http_retryable(rc))
		snprintf(why, sizeof why, "%s", r->err->msg);
	else if (!rc && vo_tap_auto_overflow_rerun(q->maxrec, r->out->nrows, r->out->overflow,
						   r->out->overflow && q->maxrec < 0 &&
						   r->h->default_rows ?
						   r->h->default_rows(r->h->ud) : -1))
		snprintf(why, sizeof why, "the sync result overflowed at %zu rows, %s",
			 r->out->nrows, q->maxrec < 0 ? "the service's limit (no MAXREC asked)" :
			 "below MAXREC");
	if (!why[0]) {
		set_phase(r, rc ? VO_UWS_ERROR : VO_UWS_COMPLETED);
		return rc;
	}
	vo_info("POST %s: %s; running it as an async job", url, why);
	vo_err_clear(r->err);
	r->out->overflow = 0;
	r->out->nrows = 0;
	free(r->out->services);
	r->out->services = NULL;
	r->out->fell_back = 1;
	return 1;
}

/* --- async (UWS) -------------------------------------------------------- */

static int job_error_message(struct run *r, const char *job_url,
			     const struct vo_uws_job *job)
{
	struct vo_http_req req = {.url = NULL, .follow = 1, .timeout_s = 120};
	struct vo_http_resp resp = {0};
	char url[2200], msg[VO_ERR_MSG - 64];
	int rc;

	snprintf(url, sizeof url, "%s/error", job_url);
	req.url = url;
	msg[0] = '\0';
	rc = small_request(r, &req, &resp);
	if (!rc && resp.status >= 200 && resp.status < 300)
		vo_http_body_text(&resp.body, resp.content_type, msg, sizeof msg);
	else if (!rc && resp.status >= 400 && !job->error_summary[0])
		/* a job without an /error document (404) says why in its
		 * errorSummary: that, not the 404 page, is the reason */
		vo_http_body_text(&resp.errbody, resp.content_type, msg, sizeof msg);
	vo_http_resp_free(&resp);
	vo_err_clear(r->err);
	if (!msg[0] && job->error_summary[0])
		snprintf(msg, sizeof msg, "%s", job->error_summary);
	if (!msg[0])
		snprintf(msg, sizeof msg, "job %s ended in phase ERROR without a message",
			 job_url);
	return vo_err_set(r->err, EIO, "%s", msg);
}

static int get_job(struct run *r, const char *job_url, int wait_s,
		   enum vo_uws_phase last, struct vo_uws_job *job, struct vo_uws_params *params)
{
	struct vo_http_param p[2];
	char waitv[16];
	size_t np = 0;
	struct vo_http_req req = {.url = job_url, .follow = 1,
				  .timeout_s = wait_s > 0 ? wait_s + 60 : 120};
	struct vo_http_resp resp = {0};
	int rc;

	if (wait_s > 0) {
		snprintf(waitv, sizeof waitv, "%d", wait_s);
		p[np++] = (struct vo_http_param){"WAIT", waitv};
		if (last != VO_UWS_UNKNOWN)
			p[np++] = (struct vo_http_param){"PHASE", vo_uws_phase_name(last)};
	}
	req.params = p;
	req.nparams = np;
	rc = small_request(r, &req, &resp);
	if (!rc && resp.status != 200)
		rc = vo_http_status_err(&resp, r->err, "GET %s", job_url);
	if (!rc) {
		rc = vo_uws_parse_params(resp.body.p, resp.body.len, job, params, r->err);
		if (rc)
			vo_err_prefix(r->err, "GET %s: ", job_url);
	}
	vo_http_resp_free(&resp);
	return rc;
}

static int start_job(struct run *r, const char *job_url)
{
	struct vo_http_param p[] = {{"PHASE", "RUN"}};
	char url[2200];
	struct vo_http_req req = {.method = "POST", .url = url, .params = p,
				  .nparams = 1, .timeout_s = 120};
	struct vo_http_resp resp = {0};
	int rc;

	snprintf(url, sizeof url, "%s/phase", job_url);
	rc = small_request(r, &req, &resp);
	if (!rc && resp.status >= 400)
		rc = vo_http_status_err(&resp, r->err, "POST %s", url);
	vo_http_resp_free(&resp);
	return rc;
}

static int wait_job(struct run *r, const char *job_url)
{
	enum vo_uws_phase last = VO_UWS_UNKNOWN;
	struct vo_uws_job job;
	long backoff = 200;
	int rc, started = 0;
	double started_at = now_s();

	for (int poll = 0;; poll++) {
		double t0 = now_s();
		/* Most jobs end within a second, and some servers answer WAIT in
		 * whole-second steps (DaCHS: 1-2 s): look a few times quickly
		 * first, then block with WAIT as long as the server allows. */
		int quick = now_s() - started_at < TAP_QUICK_S;
		if (cancelled(r))
			return vo_err_set(r->err, ECANCELED, "%s: cancelled", job_url);
		if (quick && poll > 0 && nap(r, poll < 3 ? 50L << poll : 250L))
			return vo_err_set(r->err, ECANCELED, "%s: cancelled", job_url);
		rc = get_job(r, job_url, quick ? 0 : TAP_WAIT_S, last, &job, NULL);
		if (rc)
			return rc;
		if (job.phase != r->out->phase || last == VO_UWS_UNKNOWN)
			set_phase(r, job.phase);
		if (job.phase == VO_UWS_PENDING && !started) {
			/* a job resumed after a restart may never have been told
			 * to run; PENDING would otherwise last forever */
			started = 1;
			if ((rc = start_job(r, job_url)))
				return rc;
			continue;
		}
		if (vo_uws_phase_final(job.phase))
			break;
		/* servers may ignore WAIT: back off when answers come at once */
		if (!quick && last == job.phase && now_s() - t0 < 0.5) {
			if (nap(r, backoff))
				return vo_err_set(r->err, ECANCELED, "%s: cancelled", job_url);
			backoff = backoff * 3 / 2 > 10000 ? 10000 : backoff * 3 / 2;
		}
		last = job.phase;
	}
	switch (job.phase) {
	case VO_UWS_COMPLETED: {
		char url[2200];
		if (job.result_url[0])
			snprintf(url, sizeof url, "%s", job.result_url);
		else
			snprintf(url, sizeof url, "%s/results/result", job_url);
		return fetch_result(r, "GET", url, NULL, 0);
	}
	case VO_UWS_ERROR:
		return job_error_message(r, job_url, &job);
	case VO_UWS_ABORTED:
		return vo_err_set(r->err, ECANCELED, "job %s was aborted by the service",
				  job_url);
	default:
		return vo_err_set(r->err, ENOENT, "job %s is %s: its results are gone",
				  job_url, vo_uws_phase_name(job.phase));
	}
}

/* Returns 1 (and no error) when the service has no usable /async. */
static int create_job(struct run *r, const struct vo_tap_query *q)
{
	char url[2048], maxrec[32];
	struct vo_http_param p[QUERY_PARAMS];
	size_t np = query_params(r, q, p, maxrec, sizeof maxrec);
	struct vo_http_req req = {.method = "POST", .url = url, .timeout_s = 120};
	struct vo_http_resp resp = {0};
	struct vo_uws_job job;
	int rc;

	snprintf(url, sizeof url, "%s/async", q->base_url);
	req.params = p;
	req.nparams = np;
	req.parts = r->parts;
	req.nparts = r->nparts;
	rc = small_request(r, &req, &resp);
	if (rc)
		goto out;
	if (resp.status == 404 || resp.status == 405 || resp.status == 501) {
		vo_info("%s answers HTTP %ld: using /sync", url, resp.status);
		rc = 1;
		goto out;
	}
	if (resp.status >= 300 && resp.status < 400 && resp.location[0]) {
		snprintf(r->out->job_url, sizeof r->out->job_url, "%s", resp.location);
	} else if (resp.status >= 200 && resp.status < 300 &&
		   vo_uws_parse(resp.body.p, resp.body.len, &job, r->err) == 0 &&
		   job.job_id[0]) {
		snprintf(r->out->job_url, sizeof r->out->job_url, "%s/%s", url, job.job_id);
	} else if (resp.status >= 400) {
		rc = vo_http_status_err(&resp, r->err, "POST %s", url);
		goto out;
	} else {
		vo_err_clear(r->err);
		rc = vo_err_set(r->err, EPROTO, "POST %s: HTTP %ld without a job location",
				url, resp.status);
		goto out;
	}
	/* strip a trailing slash so "<job>/phase" is right */
	size_t n = strlen(r->out->job_url);
	if (n > 0 && r->out->job_url[n - 1] == '/')
		r->out->job_url[n - 1] = '\0';
	r->out->async = 1;
	if (r->h->job)
		r->h->job(r->h->ud, r->out->job_url);
out:
	vo_http_resp_free(&resp);
	return rc;
}

static void run_init(struct run *r, const struct vo_tap_hooks *h,
		     struct vo_tap_outcome *out, struct vo_err *err, long timeout_s)
{
	memset(out, 0, sizeof *out);
	memset(r, 0, sizeof *r);   /* (astral was left as the stack had it) */
	r->h = h;
	r->out = out;
	r->err = err;
	r->vot = NULL;
	r->deadline = timeout_s > 0 ? now_s() + (double)timeout_s : 0;
	r->timeout_s = timeout_s;
	r->stall_s = 0;
	r->timed_out = 0;
}

/* A run stopped by its deadline says so, not just "cancelled". */
static int finish_run(struct run *r, int rc)
{
	if (rc == -ECANCELED && r->timed_out) {
		char was[VO_ERR_MSG];
		snprintf(was, sizeof was, "%s", r->err ? r->err->msg : "");
		vo_err_clear(r->err);
		rc = vo_err_set(r->err, ETIMEDOUT, "timed out after %ld s (the service's timeout"
				" setting) while: %s", r->timeout_s, was);
		/* the server would go on working for nobody */
		if (r->out->job_url[0] && !r->keep_job) {
			struct vo_err derr = {0};
			if (vo_tap_delete(r->out->job_url, &derr))
				vo_warn("after the timeout: %s", derr.msg);
		}
	}
	if (rc && r->out->phase != VO_UWS_ABORTED)
		set_phase(r, VO_UWS_ERROR);
	return rc;
}

static int run_once(const struct vo_tap_query *q, const struct vo_tap_hooks *h,
		    struct vo_tap_outcome *out, struct vo_err *err, int *astral);

#define TABLEDATA_FORMAT "application/x-votable+xml;serialization=TABLEDATA"

int vo_tap_run(const struct vo_tap_query *q, const struct vo_tap_hooks *h,
	       struct vo_tap_outcome *out, struct vo_err *err)
{
	struct vo_tap_query td;
	double t0 = now_s();
	int astral = 0, rc;

	rc = run_once(q, h, out, err, &astral);
	if (!rc || !astral || q->format)
		return rc;
	vo_warn("%s; asking again for TABLEDATA", err->msg);
	if (out->job_url[0]) {
		struct vo_err derr = {0};
		if (vo_tap_delete(out->job_url, &derr))
			vo_warn("%s", derr.msg);
	}
	td = *q;
	td.format = TABLEDATA_FORMAT;
	/* the second run has what is left of the timeout, not a new one */
	if (q->timeout_s > 0) {
		double left = (double)q->timeout_s - (now_s() - t0);
		td.timeout_s = left >= 1 ? (long)left : 1;
	}
	vo_err_clear(err);
	return run_once(&td, h, out, err, &astral);
}

int vo_tap_upload_param(const struct vo_tap_upload *u, size_t n, struct vo_buf *out,
			struct vo_err *err)
{
	char why[128];
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (!vo_adql_table_name_ok(u[i].table, why, sizeof why))
			return vo_err_set(err, EINVAL, "upload %zu (%.80s): %s", i + 1,
					  u[i].table ? u[i].table : "no name", why);
		if (!u[i].path || !u[i].path[0])
			return vo_err_set(err, EINVAL, "upload %s: no file", u[i].table);
		for (size_t j = 0; j < i; j++)
			if (strcasecmp(u[i].table, u[j].table) == 0)
				return vo_err_set(err, EINVAL, "two uploads are named %s (TAP_UPLOAD"
						  " names ignore case)", u[i].table);
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = vo_buf_addf(out, "%s%s,param:%s", i ? ";" : "", u[i].table, u[i].table);
	return rc ? vo_err_set(err, ENOMEM, "out of memory") : 0;
}

/* The UPLOAD parameter and the parts of q's tables in r. */
static int upload_parts(struct run *r, const struct vo_tap_query *q)
{
	struct vo_buf u = VO_BUF_INIT;
	int rc;

	if (!q->nuploads)
		return 0;
	if ((rc = vo_tap_upload_param(q->uploads, q->nuploads, &u, r->err))) {
		vo_buf_free(&u);
		return rc;
	}
	if (!(r->parts = calloc(q->nuploads, sizeof *r->parts))) {
		vo_buf_free(&u);
		return vo_err_set(r->err, ENOMEM, "out of memory");
	}
	r->nparts = q->nuploads;
	for (size_t i = 0; i < q->nuploads; i++) {
		const char *t = q->uploads[i].table;
		r->parts[i] = (struct vo_http_part){.name = t, .path = q->uploads[i].path,
						    .filename = t,
						    .content_type = "application/x-votable+xml"};
	}
	r->upload = u.p;   /* (taken) */
	return 0;
}

static int run_modes(struct run *r, const struct vo_tap_query *q, int *astral);

static int run_once(const struct vo_tap_query *q, const struct vo_tap_hooks *h,
		    struct vo_tap_outcome *out, struct vo_err *err, int *astral)
{
	struct run r;
	int rc;

	run_init(&r, h, out, err, q->timeout_s);
	r.stall_s = q->stall_s;
	if ((rc = upload_parts(&r, q))) {
		free(r.parts);
		set_phase(&r, VO_UWS_ERROR);
		return rc;
	}
	rc = run_modes(&r, q, astral);
	free(r.parts);
	free(r.upload);
	return rc;
}

static int run_modes(struct run *r, const struct vo_tap_query *q, int *astral)
{
	int rc;

	if (q->mode == VO_TAP_AUTO && vo_tap_auto_sync_first(q->adql, q->maxrec) &&
	    (rc = try_sync(r, q)) != 1) {
		*astral = r->astral;
		return finish_run(r, rc);
	}
	if (q->mode != VO_TAP_SYNC)
		set_phase(r, VO_UWS_PENDING);
	if (q->mode == VO_TAP_SYNC || (rc = create_job(r, q)) == 1) {
		rc = run_sync(r, q);
		*astral = r->astral;
		return finish_run(r, rc);
	}
	if (rc == 0)
		rc = start_job(r, r->out->job_url);
	if (rc == 0)
		rc = wait_job(r, r->out->job_url);
	*astral = r->astral;
	return finish_run(r, rc);
}

static int follow_job(const char *job_url, long timeout_s, int keep_job,
		      const struct vo_tap_hooks *h, struct vo_tap_outcome *out,
		      struct vo_err *err)
{
	struct run r;
	int rc;

	run_init(&r, h, out, err, timeout_s);
	r.keep_job = keep_job;
	snprintf(out->job_url, sizeof out->job_url, "%s", job_url);
	out->async = 1;
	rc = wait_job(&r, job_url);
	return finish_run(&r, rc);
}

int vo_tap_resume(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		  struct vo_tap_outcome *out, struct vo_err *err)
{
	return follow_job(job_url, timeout_s, 0, h, out, err);
}

int vo_tap_follow(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		  struct vo_tap_outcome *out, struct vo_err *err)
{
	return follow_job(job_url, timeout_s, 1, h, out, err);
}

int vo_tap_job_get(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		   struct vo_uws_job *job, struct vo_uws_params *params, struct vo_err *err)
{
	static const struct vo_tap_hooks none;
	struct vo_tap_outcome out;
	struct run r;
	int rc;

	run_init(&r, h ? h : &none, &out, err, timeout_s);
	rc = get_job(&r, job_url, 0, VO_UWS_UNKNOWN, job, params);
	rc = finish_run(&r, rc);
	free(out.services);
	return rc;
}

int vo_tap_job_url_check(const char *base_url, const char *job_url, struct vo_err *err)
{
	char bo[VO_HTTP_ORIGIN_MAX], jo[VO_HTTP_ORIGIN_MAX];
	const char *auth, *path;

	for (const char *c = job_url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return vo_err_set(err, EINVAL, "a job URL has no blanks or control"
					  " characters");
	if (strlen(job_url) > VO_TAP_JOB_URL_MAX)
		return vo_err_set(err, EINVAL, "a job URL of more than %d bytes",
				  VO_TAP_JOB_URL_MAX);
	if (!(auth = strstr(job_url, "://")) || vo_http_origin(job_url, jo, sizeof jo))
		return vo_err_set(err, EINVAL, "'%.200s' is not an http or https URL", job_url);
	if (vo_http_origin(base_url, bo, sizeof bo))
		return vo_err_set(err, EINVAL, "the service's URL %s is not http(s)", base_url);
	if (strcmp(bo, jo) != 0)
		return vo_err_set(err, EINVAL, "%s is not a job of this service: a job URL must"
				  " have the scheme, host and port of the service's URL (%s)",
				  job_url, bo);
	auth += 3;
	path = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(path - auth)))
		return vo_err_set(err, EINVAL, "%s: a job URL without a user name or password"
				  " (a token_file is the way to give credentials)", job_url);
	if (path[0] != '/' || !path[1])
		return vo_err_set(err, EINVAL, "%s names no job (it has no path)", job_url);
	if (strpbrk(path, "?#"))
		return vo_err_set(err, EINVAL, "%s: a job URL without a query string or fragment"
				  " (the job's resources are below it: /phase, /results ...)", job_url);
	return 0;
}

int vo_tap_delete(const char *job_url, struct vo_err *err)
{
	struct vo_http_req req = {.method = "DELETE", .url = job_url, .timeout_s = 60};
	struct vo_http_resp resp = {0};
	int rc = vo_http_do(&req, &resp, err);

	if (!rc && (resp.status == 405 || resp.status == 501)) {
		struct vo_http_param p[] = {{"ACTION", "DELETE"}};
		req.method = "POST";
		req.params = p;
		req.nparams = 1;
		rc = vo_http_do(&req, &resp, err);
	}
	if (!rc && resp.status >= 400 && resp.status != 404 && resp.status != 410)
		rc = vo_http_status_err(&resp, err, "DELETE %s", job_url);
	vo_http_resp_free(&resp);
	return rc;
}
