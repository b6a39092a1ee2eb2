/* fs/query.c - saved queries and their runs; see query.h. */
#include "query.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "clock.h"
#include "datalink.h"
#include "db.h"
#include "http.h"
#include "inputs.h"
#include "log.h"
#include "products.h"
#include "result.h"
#include "service.h"
#include "transfers.h"
#include "tap.h"
#include "uploads.h"

struct query {
	struct query *next;
	struct db_query d;        /* the persistent state; strings owned */
	int running;              /* a worker thread owns the run */
	int cancel;               /* ask the worker to stop */
	int rerun;                /* the ADQL changed during the run */
	int deleted;              /* removed: out of the list, its state dropped */
	int refs;                 /* the list's, each worker's, each caller's
	                           * that uses q after dropping qlock */
	int64_t rows_live;        /* rows stored so far in this run */
};

/* Result generations that readers hold open (query_hold_result).  A pinned
 * generation is dropped by its last release once no query holds it
 * (retired); an unpinned one as soon as it is superseded. */
struct pin {
	int64_t rid, qid;
	int n;
	int retired;
};

static pthread_mutex_t qlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;
/* serializes saves, so the last state written is the latest state */
static pthread_mutex_t save_lock = PTHREAD_MUTEX_INITIALIZER;
static struct query *queries;
static const struct config *qcfg;
static void (*qnotify)(const char *path);
static int nworkers;
static int shutting_down;
static struct pin *pins;      /* under qlock */
static size_t npins, cap_pins;

static int set_str(char **dst, const char *v)
{
	char *n = v ? strdup(v) : NULL;

	if (v && !n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static struct query *find(const char *svc, const char *name)
{
	for (struct query *q = queries; q; q = q->next)
		if (strcmp(q->d.service, svc) == 0 && strcmp(q->d.name, name) == 0)
			return q;
	return NULL;
}

static void unlink_query(struct query *q)
{
	for (struct query **pp = &queries; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

static void free_query(struct query *q)
{
	if (q) {
		db_query_clear(&q->d);
		free(q);
	}
}

/* A reference for use after qlock is dropped; called with qlock held. */
static void hold_locked(struct query *q)
{
	q->refs++;
}

static void put(struct query *q)
{
	int last;

	pthread_mutex_lock(&qlock);
	last = --q->refs == 0;
	pthread_mutex_unlock(&qlock);
	if (last)
		free_query(q);
}

/* --- result generations ------------------------------------------------------------ */

static struct pin *pin_find(int64_t rid)
{
	for (size_t i = 0; i < npins; i++)
		if (pins[i].rid == rid)
			return &pins[i];
	return NULL;
}

/* Called with qlock held. */
static int pin_add(int64_t rid, int64_t qid)
{
	struct pin *p = pin_find(rid);

	if (!p) {
		if (npins == cap_pins) {
			size_t nc = cap_pins ? cap_pins * 2 : 16;
			struct pin *np = realloc(pins, nc * sizeof *np);
			if (!np)
				return -ENOMEM;
			pins = np;
			cap_pins = nc;
		}
		p = &pins[npins++];
		*p = (struct pin){.rid = rid, .qid = qid};
	}
	p->n++;
	return 0;
}

/* Called with qlock held when no query holds rid any more: 1 when the
 * caller must drop it (after unlocking), 0 when a reader still pins it
 * (its last release drops it) or there is none. */
static int retire_locked(int64_t rid)
{
	struct pin *p;

	if (!rid)
		return 0;
	if ((p = pin_find(rid))) {
		p->retired = 1;
		return 0;
	}
	return 1;
}

static void drop_result(int64_t rid)
{
	int rc;

	if (!rid)
		return;
	products_forget(rid);
	if ((rc = db_result_drop_txn(rid)))
		vo_error("result %lld: cannot drop it from the store (%s); the next mount does",
			 (long long)rid, strerror(-rc));
}

void query_release_result(int64_t rid)
{
	struct pin *p;
	int drop = 0;

	pthread_mutex_lock(&qlock);
	if ((p = pin_find(rid)) && --p->n == 0) {
		drop = p->retired;
		*p = pins[--npins];
	}
	pthread_mutex_unlock(&qlock);
	if (drop)
		drop_result(rid);
}

/* Copy q->d under qlock, write it without. */
static int persist(struct query *q)
{
	struct db_query c = {0};
	int rc;

	pthread_mutex_lock(&save_lock);
	pthread_mutex_lock(&qlock);
	c = q->d;
	c.service = c.name = c.adql = c.maxrec = c.phase = c.job_url = c.error = NULL;
	c.cutout = c.inputs = NULL;
	rc = set_str(&c.service, q->d.service);
	if (!rc) rc = set_str(&c.name, q->d.name);
	if (!rc) rc = set_str(&c.adql, q->d.adql);
	if (!rc) rc = set_str(&c.maxrec, q->d.maxrec);
	if (!rc) rc = set_str(&c.phase, q->d.phase);
	if (!rc) rc = set_str(&c.job_url, q->d.job_url);
	if (!rc) rc = set_str(&c.error, q->d.error);
	if (!rc) rc = set_str(&c.cutout, q->d.cutout);
	if (!rc) rc = set_str(&c.inputs, q->d.inputs);
	pthread_mutex_unlock(&qlock);
	if (!rc)
		rc = db_query_save(&c);
	pthread_mutex_unlock(&save_lock);
	db_query_clear(&c);
	if (rc)
		vo_error("query %s/%s: cannot save its state: %s", q->d.service, q->d.name,
			 strerror(-rc));
	return rc;
}

static void notify_files(const char *svc, const char *name)
{
	static const char *const files[] = {"status", "error", "result.csv", "result.vot",
					      "result.tbl", "products", "job"};
	char path[1024];

	if (!qnotify)
		return;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "/%s/queries/%s/%s", svc, name, files[i]);
		qnotify(path);
	}
}

/* --- remote job deletion, in the background ------------------------------------ */

static void *delete_job_thread(void *arg)
{
	char *url = arg;
	struct vo_err err = {0};

	if (vo_tap_delete(url, &err))
		vo_warn("deleting remote job: %s", err.msg);
	else
		vo_info("deleted remote job %s", url);
	free(url);
	vo_http_thread_cleanup();
	return NULL;
}

static void delete_job_later(const char *url)
{
	pthread_t t;
	char *u;

	if (!url || !*url || !(u = strdup(url)))
		return;
	if (pthread_create(&t, NULL, delete_job_thread, u) == 0)
		pthread_detach(t);
	else
		free(u);
}

/* --- the worker ---------------------------------------------------------------------- */

struct run_ctx {
	struct query *q;
	struct result_writer *w;
	struct xfer *xfer;        /* the result download in .vofs/transfers */
};

static void hook_bytes(void *ud, const char *url, long long n)
{
	struct run_ctx *r = ud;

	if (n < 0) {
		xfer_end(r->xfer);
		r->xfer = NULL;
		return;
	}
	if (!r->xfer)
		r->xfer = xfer_begin("result", url, 0, -1);
	xfer_add(r->xfer, n);
}

static void hook_job(void *ud, const char *job_url)
{
	struct run_ctx *r = ud;
	int superseded;

	pthread_mutex_lock(&qlock);
	/* new text or an adopted job replaced this run while its job was
	 * being created: job_url is the next run's, and this job nobody's */
	superseded = r->q->rerun;
	if (!superseded) {
		set_str(&r->q->d.job_url, job_url);
		r->q->d.adopted = 0;
	}
	pthread_mutex_unlock(&qlock);
	if (superseded) {
		delete_job_later(job_url);
		return;
	}
	persist(r->q);
	vo_info("query %s/%s: job %s", r->q->d.service, r->q->d.name, job_url);
}

static void hook_phase(void *ud, enum vo_uws_phase ph)
{
	struct run_ctx *r = ud;

	/* final phases are set by the worker once the result is stored */
	if (vo_uws_phase_final(ph))
		return;
	pthread_mutex_lock(&qlock);
	set_str(&r->q->d.phase, vo_uws_phase_name(ph));
	pthread_mutex_unlock(&qlock);
	if (qnotify)
		notify_files(r->q->d.service, r->q->d.name);
}

static int hook_begin(void *ud)
{
	struct run_ctx *r = ud;

	pthread_mutex_lock(&qlock);
	r->q->rows_live = 0;
	pthread_mutex_unlock(&qlock);
	return result_writer_begin(r->w);
}

static int hook_cancel(void *ud)
{
	struct run_ctx *r = ud;
	int c;

	pthread_mutex_lock(&qlock);
	c = r->q->cancel || __atomic_load_n(&shutting_down, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&qlock);
	return c;
}

static int hook_meta(void *ud, const struct vo_table_meta *m)
{
	struct run_ctx *r = ud;
	return result_writer_meta(r->w, m);
}

static int hook_row(void *ud, const struct vo_cell *c, size_t n)
{
	struct run_ctx *r = ud;
	int rc = result_writer_row(r->w, c, n);

	if (!rc && (result_writer_rows(r->w) & 1023) == 0) {
		pthread_mutex_lock(&qlock);
		r->q->rows_live = result_writer_rows(r->w);
		pthread_mutex_unlock(&qlock);
	}
	return rc;
}

/* The service's default row limit (its capabilities, as stored). */
static long long hook_default_rows(void *ud)
{
	struct run_ctx *r = ud;
	const struct service_conf *sc = qcfg ? config_find(qcfg, r->q->d.service) : NULL;

	return sc ? svc_default_rows(sc) : -1;
}

static long long parse_maxrec(const char *s)
{
	if (!s || !*s)
		return -1;
	return strtoll(s, NULL, 10);
}

/* The tables of upload/ for a run: 0 with in filled (maybe none), or an
 * error in err.  A failure records the inputs as they are, so the query
 * is not run again for the same failure at every read. */
static int run_inputs(const struct service_conf *sc, const char *svc, const char *name,
		      int64_t qid, int64_t rid, struct inputs *in, struct vo_err *err)
{
	char why[600];
	int stale = 0, rc;

	if (uploads_count(qid) <= 0)
		return 0;
	rc = inputs_prepare(qcfg, svc, name, qid, rid, NULL, in, err);
	/* (capabilities that cannot be read: the service itself will say) */
	if (!rc && in->n && svc_upload_inline(sc) == 0)
		rc = vo_err_set(err, ENOTSUP, "%s declares no inline upload (TAPRegExt"
				" upload-inline) in its capabilities: the tables in upload/ were"
				" not sent", sc->url);
	if (rc && !in->sig[0])
		inputs_sig(qcfg, svc, name, qid, 0, 0, NULL, in->sig, &stale, why, sizeof why);
	return rc;
}

static void *worker(void *arg)
{
	struct query *q = arg;
	int again, deleted = 0;

	do {
		struct vo_tap_query tq = {0};
		struct vo_tap_outcome out = {0};
		struct vo_err err = {0};
		struct run_ctx rc_ctx = {.q = q};
		struct vo_tap_hooks h = {
			.ud = &rc_ctx, .job = hook_job, .phase = hook_phase,
			.begin = hook_begin, .cancel = hook_cancel, .bytes = hook_bytes,
			.default_rows = hook_default_rows,
			.rows = {.meta = hook_meta, .row = hook_row},
		};
		const struct service_conf *sc;
		struct inputs in = {0};
		char *adql = NULL, *job = NULL, *svc = NULL, *name = NULL;
		int64_t nrows = 0, csv = 0, vot = 0, qid, rid = 0, old_rid = 0;
		int drop_old = 0, adopted;
		double started;
		int rc, stale;

		pthread_mutex_lock(&qlock);
		q->cancel = 0;
		q->rerun = 0;
		q->rows_live = 0;
		adql = q->d.adql ? strdup(q->d.adql) : NULL;
		job = q->d.job_url ? strdup(q->d.job_url) : NULL;
		adopted = q->d.adopted;
		svc = strdup(q->d.service);
		name = strdup(q->d.name);
		qid = q->d.id;
		tq.maxrec = parse_maxrec(q->d.maxrec);
		if (!q->d.started || !job)
			q->d.started = clock_wall();
		started = q->d.started;
		pthread_mutex_unlock(&qlock);

		sc = config_find(qcfg, svc);
		/* every run stores into a generation of its own: readers of the
		 * last result keep reading it while this one is written */
		if (db_result_new(qid, &rid))
			rid = 0;
		rc_ctx.w = rid ? result_writer_new(rid) : NULL;
		if (!sc) {
			rc = vo_err_set(&err, ENOENT, "service %s is not configured any more", svc);
		} else if (qcfg->offline) {
			rc = vo_err_set(&err, ENETDOWN, "mounted offline: the query was not sent");
		} else if (!rc_ctx.w || !adql || !svc || !name) {
			rc = vo_err_set(&err, rid ? ENOMEM : EIO, rid ? "out of memory" :
					"cannot start a new result in the store (see the log)");
		} else if (!job && (rc = run_inputs(sc, svc, name, qid, rid, &in, &err))) {
			/* (err says which table and why; nothing was sent) */
		} else {
			tq.base_url = sc->url;
			tq.adql = adql;
			tq.uploads = in.up;
			tq.nuploads = in.n;
			tq.timeout_s = sc->timeout_s;
			tq.mode = sc->mode;
			if (tq.maxrec < 0)
				tq.maxrec = sc->maxrec;
			vo_info("query %s/%s: %s", svc, name, !job ? "starting" :
				adopted ? "following the adopted job" : "resuming job");
			if (job) {
				/* what is left of the service's timeout since the run began */
				long left = 0;
				if (sc->timeout_s > 0) {
					double used = clock_wall() - started;
					left = (long)((double)sc->timeout_s - (used > 0 ? used : 0));
					if (left < 1)
						left = 1;
				}
				rc = adopted ? vo_tap_follow(job, left, &h, &out, &err) :
					vo_tap_resume(job, left, &h, &out, &err);
			} else {
				rc = vo_tap_run(&tq, &h, &out, &err);
			}
			if (!rc)
				rc = result_writer_services(rc_ctx.w, out.services);
			if (!rc)
				rc = result_writer_finish(rc_ctx.w, out.overflow, &nrows, &csv, &vot);
		}
		result_writer_free(rc_ctx.w);
		free(out.services);
		out.services = NULL;
		inputs_release(&in);

		pthread_mutex_lock(&qlock);
		stale = q->rerun || q->deleted || __atomic_load_n(&shutting_down, __ATOMIC_RELAXED);
		if (!stale) {
			double now = clock_wall();
			if (rc == 0) {
				set_str(&q->d.phase, "COMPLETED");
				set_str(&q->d.error, NULL);
				q->d.nrows = nrows;
				q->d.csv_size = csv;
				q->d.vot_size = vot;
				q->d.overflow = out.overflow;
				/* publish the new generation; the old one goes when
				 * its last reader closes */
				old_rid = q->d.rid;
				q->d.rid = rid;
				rid = 0;
				drop_old = retire_locked(old_rid);
			} else {
				set_str(&q->d.phase, rc == -ECANCELED && out.phase == VO_UWS_ABORTED ?
					"ABORTED" : "ERROR");
				set_str(&q->d.error, err.msg[0] ? err.msg : strerror(-rc));
				q->d.nrows = q->d.csv_size = q->d.vot_size = 0;
				q->d.overflow = 0;
			}
			q->d.finished = now;
			/* what this result was made from (a resumed job: as stored) */
			if (!job)
				set_str(&q->d.inputs, in.sig[0] ? in.sig : NULL);
		}
		pthread_mutex_unlock(&qlock);

		if (stale) {
			vo_info("query %s/%s: run superseded", svc, name);
		} else {
			if (rc) {
				vo_error("query %s/%s: %s", svc, name, err.msg);
			} else {
				vo_info("query %s/%s: COMPLETED, %lld rows%s", svc, name,
					(long long)nrows, out.overflow ? " (overflow)" : "");
			}
			persist(q);
		}
		/* after the query's row names the new generation */
		if (drop_old)
			drop_result(old_rid);
		drop_result(rid);   /* a run not published: superseded or failed */

		pthread_mutex_lock(&qlock);
		again = q->rerun && !q->deleted && !__atomic_load_n(&shutting_down, __ATOMIC_RELAXED);
		if (!again) {
			q->running = 0;
			nworkers--;
			/* removed during the run: query_delete left the rest to us */
			deleted = q->deleted;
		}
		pthread_cond_broadcast(&qcond);
		pthread_mutex_unlock(&qlock);
		if (!stale)
			notify_files(svc, name);
		free(adql);
		free(job);
		free(svc);
		free(name);
	} while (again);

	if (deleted && q->d.job_url && !q->d.adopted)
		delete_job_later(q->d.job_url);
	put(q);   /* the worker's reference */
	db_close_thread();
	vo_http_thread_cleanup();
	return NULL;
}

/* Called with qlock held. */
static int start_worker(struct query *q)
{
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (q->running)
		return 0;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1u << 20);
	q->running = 1;
	nworkers++;
	hold_locked(q);   /* the worker's */
	rc = pthread_create(&t, &attr, worker, q);
	pthread_attr_destroy(&attr);
	if (rc) {
		q->running = 0;
		nworkers--;
		q->refs--;
		return -rc;
	}
	return 0;
}

/* --- setup ------------------------------------------------------------------------- */

static int load_one(void *ud, struct db_query *d)
{
	struct query *q = calloc(1, sizeof *q);

	if (!q) {
		db_query_clear(d);
		return -ENOMEM;
	}
	q->d = *d;
	q->refs = 1;   /* the list's */
	q->next = queries;
	queries = q;
	return 0;
}

/* the upload/ directories of queries that are gone */
static void gc_uploads(void)
{
	int64_t *ids = NULL;
	size_t n = 0;

	for (struct query *q = queries; q; q = q->next)
		n++;
	if (n && !(ids = malloc(n * sizeof *ids)))
		return;
	n = 0;
	for (struct query *q = queries; q; q = q->next)
		ids[n++] = q->d.id;
	uploads_gc(ids, n);
	free(ids);
}

int query_init(const struct config *cfg, void (*notify)(const char *path))
{
	int rc;

	qcfg = cfg;
	qnotify = notify;
	clock_cond_init(&qcond);   /* its timed waits run on the monotonic clock */
	rc = db_query_load_all(load_one, NULL);
	if (rc)
		return rc;
	if ((rc = uploads_init(cfg->cache_dir, cfg->upload_max)))
		vo_error("%s/uploads: cannot be used: %s", cfg->cache_dir, strerror(-rc));
	else
		gc_uploads();
	/* generations no query holds: superseded ones still open at the last
	 * unmount, runs cut by a crash */
	if ((rc = db_results_gc()))
		vo_warn("dropping unused results from the store failed: %s", strerror(-rc));
	pthread_mutex_lock(&qlock);
	for (struct query *q = queries; q; q = q->next) {
		if (!q->d.adql || !q->d.phase)
			continue;
		if (!vo_uws_phase_final(vo_uws_phase_parse(q->d.phase)) &&
		    strcmp(q->d.phase, "ERROR") != 0) {
			if (cfg->offline) {
				vo_info("query %s/%s was %s at unmount: left for an online mount",
					q->d.service, q->d.name, q->d.phase);
				continue;
			}
			vo_info("query %s/%s was %s at unmount: resuming", q->d.service,
				q->d.name, q->d.phase);
			start_worker(q);
		}
	}
	pthread_mutex_unlock(&qlock);
	return 0;
}

void query_request_stop(void)
{
	__atomic_store_n(&shutting_down, 1, __ATOMIC_RELAXED);
}

void query_shutdown(void)
{
	struct timespec ts;

	pthread_mutex_lock(&qlock);
	__atomic_store_n(&shutting_down, 1, __ATOMIC_RELAXED);
	/* workers notice within a poll interval; their jobs stay resumable */
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	while (nworkers > 0)
		if (pthread_cond_timedwait(&qcond, &qlock, &ts) == ETIMEDOUT)
			break;
	if (nworkers > 0)
		vo_warn("%d query runs still busy at unmount; they resume at the next mount",
			nworkers);
	pthread_mutex_unlock(&qlock);
}

/* --- names and the list ------------------------------------------------------------- */

int query_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 200 || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == '/' || name[i] == 0x7f)
			return 0;
	/* "x.adql" is how cp creates query x: keep that name free */
	if (n > 5 && strcmp(name + n - 5, ".adql") == 0)
		return 0;
	return 1;
}

int query_create(const char *svc, const char *name)
{
	struct query *q;
	int64_t id;
	double t = clock_wall();
	int rc;

	if (!query_valid_name(name))
		return -EINVAL;
	pthread_mutex_lock(&qlock);
	if (find(svc, name)) {
		pthread_mutex_unlock(&qlock);
		return -EEXIST;
	}
	pthread_mutex_unlock(&qlock);
	rc = db_query_insert(svc, name, t, &id);
	if (rc)
		return rc;
	q = calloc(1, sizeof *q);
	if (!q)
		return -ENOMEM;
	q->d.id = id;
	q->d.created = t;
	q->refs = 1;   /* the list's */
	if (set_str(&q->d.service, svc) || set_str(&q->d.name, name)) {
		free_query(q);
		return -ENOMEM;
	}
	pthread_mutex_lock(&qlock);
	if (find(svc, name)) {   /* lost a race with another mkdir */
		pthread_mutex_unlock(&qlock);
		free_query(q);
		return -EEXIST;
	}
	q->next = queries;
	queries = q;
	pthread_mutex_unlock(&qlock);
	vo_info("query %s/%s created", svc, name);
	return 0;
}

int query_delete(const char *svc, const char *name)
{
	struct query *q;
	char *job = NULL;
	int64_t id, rid;
	int rc = 0, drop;

	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		return -ENOENT;
	}
	unlink_query(q);
	q->deleted = 1;
	rid = q->d.rid;
	drop = retire_locked(rid);   /* open readers keep theirs to the end */
	id = q->d.id;
	if (q->d.job_url && q->d.adopted)
		vo_info("query %s/%s: its adopted job %s is left on the server", svc, name,
			q->d.job_url);
	if (q->running) {
		q->cancel = 1;
		pthread_mutex_unlock(&qlock);
		vo_info("query %s/%s deleted while running: cancelling", svc, name);
		/* the row goes now, so the name is free at once (mkdir right
		 * after rmdir); the worker's saves update no row any more */
		rc = db_query_delete(id);
		uploads_forget(id);
		if (drop)
			drop_result(rid);
		put(q);   /* the list's; the worker deletes the remote job */
		return rc;
	}
	/* a job vofs did not create is not its to delete */
	job = q->d.job_url && !q->d.adopted ? strdup(q->d.job_url) : NULL;
	pthread_mutex_unlock(&qlock);
	rc = db_query_delete(id);
	uploads_forget(id);
	if (drop)
		drop_result(rid);
	put(q);
	if (job)
		delete_job_later(job);
	free(job);
	vo_info("query %s/%s deleted", svc, name);
	return rc;
}

int query_rename(const char *svc, const char *from, const char *to)
{
	struct query *q;
	char *old = NULL;
	int rc;

	if (!query_valid_name(to))
		return -EINVAL;
	pthread_mutex_lock(&qlock);
	q = find(svc, from);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		return -ENOENT;
	}
	if (find(svc, to)) {
		pthread_mutex_unlock(&qlock);
		return -EEXIST;
	}
	if (q->running) {
		pthread_mutex_unlock(&qlock);
		return -EBUSY;
	}
	old = q->d.name;
	q->d.name = strdup(to);
	if (!q->d.name) {
		q->d.name = old;
		pthread_mutex_unlock(&qlock);
		return -ENOMEM;
	}
	hold_locked(q);
	pthread_mutex_unlock(&qlock);
	rc = persist(q);
	put(q);
	free(old);
	return rc;
}

int query_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud)
{
	char **names = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	pthread_mutex_lock(&qlock);
	for (struct query *q = queries; q; q = q->next) {
		if (strcmp(q->d.service, svc) != 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 16;
			char **nn = realloc(names, nc * sizeof *nn);
			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			names = nn;
			cap = nc;
		}
		if (!(names[n] = strdup(q->d.name))) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	pthread_mutex_unlock(&qlock);
	int stop = rc != 0;
	for (size_t i = 0; i < n; i++) {
		if (!stop && cb(ud, names[i]))
			stop = 1;   /* the consumer is full */
		free(names[i]);
	}
	free(names);
	return rc;
}

static void fill_info(const struct query *q, struct query_info *o)
{
	memset(o, 0, sizeof *o);
	o->id = q->d.id;
	o->running = q->running;
	o->has_adql = q->d.adql != NULL;
	o->completed = !q->running && q->d.phase && strcmp(q->d.phase, "COMPLETED") == 0;
	o->failed = !q->running && q->d.phase &&
		    (strcmp(q->d.phase, "ERROR") == 0 || strcmp(q->d.phase, "ABORTED") == 0);
	o->csv_size = o->completed ? q->d.csv_size : 0;
	o->vot_size = o->completed ? q->d.vot_size : 0;
	o->rid = o->completed ? q->d.rid : 0;
	o->adql_len = q->d.adql ? (int64_t)strlen(q->d.adql) : 0;
	o->maxrec_len = q->d.maxrec ? (int64_t)strlen(q->d.maxrec) : 0;
	o->cutout_len = q->d.cutout ? (int64_t)strlen(q->d.cutout) : 0;
	o->created = q->d.created;
	o->mtime = q->d.finished > 0 ? q->d.finished : q->d.created;
}

int query_info(const char *svc, const char *name, struct query_info *out)
{
	struct query *q;

	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (q)
		fill_info(q, out);
	pthread_mutex_unlock(&qlock);
	return q ? 0 : -ENOENT;
}

/* --- file contents ------------------------------------------------------------------ */

static int get_field(const char *svc, const char *name, size_t off, struct vo_buf *out)
{
	struct query *q;
	int rc = 0;

	vo_buf_reset(out);
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		rc = -ENOENT;
	} else {
		const char *v = *(char **)((char *)&q->d + off);
		if (v)
			rc = vo_buf_adds(out, v);
	}
	pthread_mutex_unlock(&qlock);
	return rc;
}

int query_get_adql(const char *svc, const char *name, struct vo_buf *out)
{
	return get_field(svc, name, offsetof(struct db_query, adql), out);
}

int query_get_maxrec(const char *svc, const char *name, struct vo_buf *out)
{
	int rc = get_field(svc, name, offsetof(struct db_query, maxrec), out);

	if (!rc && out->len)
		rc = vo_buf_addc(out, '\n');
	return rc;
}

static int restart_unlock(struct query *q, char *job_url);

int query_set_adql(const char *svc, const char *name, const char *adql, size_t len)
{
	struct query *q;
	char *text;

	if (len > QUERY_ADQL_MAX)
		return -EFBIG;
	text = strndup(adql, len);
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		free(text);
		return -ENOENT;
	}
	free(q->d.adql);
	q->d.adql = text;
	return restart_unlock(q, NULL);
}

/* Run q again (its ADQL or its inputs changed, or a job was adopted),
 * called with qlock held, which it drops; the caller's q is not used
 * after.  job_url (taken): the adopted job the run follows; NULL: the run
 * makes a job of vofs's own.  The superseded run's job is deleted, unless
 * vofs did not create it or it is the one adopted. */
static int restart_unlock(struct query *q, char *job_url)
{
	char *old_job = q->d.job_url, svc[SVC_NAME_MAX], name[1024];
	int64_t old_rid;
	int rc = 0, drop, keep_old = q->d.adopted;

	snprintf(svc, sizeof svc, "%s", q->d.service);
	snprintf(name, sizeof name, "%s", q->d.name);
	q->d.job_url = job_url;
	q->d.adopted = job_url != NULL;
	if (old_job && job_url && strcmp(old_job, job_url) == 0) {
		/* the current job adopted again: still whoever's it was */
		q->d.adopted = keep_old;
		keep_old = 1;
	}
	set_str(&q->d.phase, "QUEUED");
	set_str(&q->d.error, NULL);
	q->d.nrows = q->d.csv_size = q->d.vot_size = 0;
	q->d.overflow = 0;
	q->d.started = clock_wall();
	q->d.finished = 0;
	/* new opens wait for the run; open readers keep the old generation */
	old_rid = q->d.rid;
	q->d.rid = 0;
	drop = retire_locked(old_rid);
	if (q->running) {
		q->cancel = 1;
		q->rerun = 1;
	} else {
		rc = start_worker(q);
	}
	hold_locked(q);
	pthread_mutex_unlock(&qlock);
	persist(q);
	if (drop)
		drop_result(old_rid);
	/* the superseded job's results are of no further use */
	if (old_job && !keep_old)
		delete_job_later(old_job);
	free(old_job);
	put(q);
	notify_files(svc, name);
	return rc;
}

int query_get_job(const char *svc, const char *name, struct vo_buf *out)
{
	int rc = get_field(svc, name, offsetof(struct db_query, job_url), out);

	if (!rc && out->len)
		rc = vo_buf_addc(out, '\n');
	return rc;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* [*b, *e): text without leading and trailing blanks */
static void trim_blanks(const char *text, size_t len, size_t *b, size_t *e)
{
	*b = 0;
	*e = len;
	while (*b < *e && is_blank(text[*b]))
		(*b)++;
	while (*e > *b && is_blank(text[*e - 1]))
		(*e)--;
}

int query_get_cutout(const char *svc, const char *name, struct vo_buf *out)
{
	int rc = get_field(svc, name, offsetof(struct db_query, cutout), out);

	if (!rc && out->len)
		rc = vo_buf_addc(out, '\n');
	return rc;
}

int query_set_cutout(const char *svc, const char *name, const char *text, size_t len,
		     struct vo_err *err)
{
	struct query *q;
	char *pos;
	size_t b, e;
	int rc;

	trim_blanks(text, len, &b, &e);
	if (e - b > 4096)
		return vo_err_set(err, EINVAL, "cutout: longer than 4096 bytes");
	if (!(pos = strndup(text + b, e - b)))
		return -ENOMEM;
	if (pos[0] && (rc = vo_soda_check_pos(pos, err))) {
		free(pos);
		return rc;
	}
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		free(pos);
		return -ENOENT;
	}
	rc = set_str(&q->d.cutout, pos[0] ? pos : NULL);
	hold_locked(q);
	pthread_mutex_unlock(&qlock);
	free(pos);
	if (!rc)
		rc = persist(q);
	put(q);
	return rc;
}

int query_set_maxrec(const char *svc, const char *name, const char *text, size_t len)
{
	char buf[32];
	struct query *q;
	size_t b, e;
	char *end;
	int rc;

	trim_blanks(text, len, &b, &e);
	if (e - b >= sizeof buf)
		return -EINVAL;
	memcpy(buf, text + b, e - b);
	buf[e - b] = '\0';
	if (buf[0]) {
		long long v = strtoll(buf, &end, 10);
		if (*end || v < 0 || buf[0] == '-' || buf[0] == '+')
			return -EINVAL;
	}
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		return -ENOENT;
	}
	rc = set_str(&q->d.maxrec, buf[0] ? buf : NULL);
	hold_locked(q);
	pthread_mutex_unlock(&qlock);
	if (!rc)
		rc = persist(q);
	put(q);
	return rc;
}

struct adopt_ctx {
	int (*interrupted)(void);
};

static int adopt_cancel(void *ud)
{
	const struct adopt_ctx *a = ud;

	return (a->interrupted && a->interrupted()) ||
	       __atomic_load_n(&shutting_down, __ATOMIC_RELAXED);
}

/* The MAXREC a job document gives, for the query's maxrec (NULL: none). */
static char *job_maxrec(const char *svc, const char *name, const char *v)
{
	char *end;
	long long n;

	if (!v[0])
		return NULL;
	n = strtoll(v, &end, 10);
	if (*end || n < 0 || v[0] == '-' || v[0] == '+') {
		vo_warn("query %s/%s: the adopted job's MAXREC '%s' is not a number of rows;"
			" maxrec left empty", svc, name, v);
		return NULL;
	}
	return strdup(v);
}

int query_adopt_job(const char *svc, const char *name, const char *text, size_t len,
		    int (*interrupted)(void), struct vo_err *err)
{
	const struct service_conf *sc = qcfg ? config_find(qcfg, svc) : NULL;
	struct adopt_ctx ctx = {.interrupted = interrupted};
	struct vo_tap_hooks h = {.ud = &ctx, .cancel = adopt_cancel};
	struct vo_uws_params params = {0};
	struct vo_uws_job job;
	struct query_info qi;
	struct query *q;
	char path[1024], *url, *adql = NULL, *maxrec = NULL;
	size_t b, e;
	long limit = 60;
	int rc;

	trim_blanks(text, len, &b, &e);
	while (e > b && text[e - 1] == '/')
		e--;
	if (b == e)
		return 0;   /* nothing written: the query stays as it is */
	if (e - b > VO_TAP_JOB_URL_MAX)
		return vo_err_set(err, EINVAL, "a job URL of more than %d bytes", VO_TAP_JOB_URL_MAX);
	if (memchr(text + b, '\0', e - b))
		return vo_err_set(err, EINVAL, "a job URL has no NUL bytes");
	if (!(url = strndup(text + b, e - b)))
		return -ENOMEM;
	if (!sc)
		rc = vo_err_set(err, ENOENT, "service %s is not configured", svc);
	else
		rc = vo_tap_job_url_check(sc->url, url, err);
	if (!rc && (rc = query_info(svc, name, &qi)))
		vo_err_set(err, -rc, "no query %s", name);
	if (!rc && qcfg->offline)
		rc = vo_err_set(err, ENETDOWN, "mounted offline: the job cannot be looked at");
	if (rc)
		goto out;
	/* what a service document may take (vofs(1), WAITS) */
	if (sc->timeout_s > 0 && sc->timeout_s < limit)
		limit = sc->timeout_s;
	rc = vo_tap_job_get(url, limit, &h, &job, &params, err);
	if (rc == -ECANCELED)
		rc = vo_err_set(err, EINTR, "GET %s: interrupted", url);
	if (rc)
		goto out;
	if (!params.query) {
		rc = vo_err_set(err, EBADMSG, params.query_by_ref ?
				"job %s: its QUERY is given by reference, not as text" :
				"job %s has no QUERY parameter (not a TAP query job?)", url);
		goto out;
	}
	if (params.lang[0] && strncasecmp(params.lang, "ADQL", 4) != 0)
		vo_warn("query %s/%s: the adopted job's LANG is %s, not ADQL: writing"
			" query.adql runs its text as ADQL", svc, name, params.lang);
	/* query.adql as a file: the text and a newline */
	if (!(adql = malloc(strlen(params.query) + 2))) {
		rc = -ENOMEM;
		goto out;
	}
	sprintf(adql, "%s\n", params.query);
	maxrec = job_maxrec(svc, name, params.maxrec);
	pthread_mutex_lock(&qlock);
	if (!(q = find(svc, name))) {
		pthread_mutex_unlock(&qlock);
		rc = vo_err_set(err, ENOENT, "no query %s", name);
		goto out;
	}
	vo_info("query %s/%s: adopting job %s (%s)", svc, name, url,
		vo_uws_phase_name(job.phase));
	free(q->d.adql);
	q->d.adql = adql;
	free(q->d.maxrec);
	q->d.maxrec = maxrec;
	adql = maxrec = NULL;
	rc = restart_unlock(q, url);   /* takes url */
	url = NULL;
	/* the query's text and maxrec changed too */
	for (int i = 0; !rc && qnotify && i < 2; i++) {
		snprintf(path, sizeof path, "/%s/queries/%s/%s", svc, name,
			 i ? "maxrec" : "query.adql");
		qnotify(path);
	}
out:
	vo_uws_params_free(&params);
	free(url);
	free(adql);
	free(maxrec);
	return rc;
}

/* What status and the extended attributes say about a query: one
 * snapshot, taken under qlock (the strings point into q). */
struct qstate {
	const char *phase;       /* NULL: no ADQL yet */
	long long rows;
	double elapsed;
	int final, overflow;
	const char *job_url, *error, *maxrec, *tap_url;
};

static void qstate_of(const struct query *q, struct qstate *s)
{
	const struct service_conf *sc = qcfg ? config_find(qcfg, q->d.service) : NULL;
	double end;

	memset(s, 0, sizeof *s);
	s->tap_url = sc ? sc->url : NULL;
	s->maxrec = q->d.maxrec;
	if (!q->d.adql)
		return;
	s->final = !q->running && q->d.finished > 0;
	end = s->final ? q->d.finished : clock_wall();
	s->phase = q->d.phase ? q->d.phase : "QUEUED";
	/* The worker sets the final phase, then saves it, then lets go of
	 * the run: until then the error text, the result files and the
	 * failed flag are not yet visible, so neither is the final phase. */
	if (q->running && vo_uws_phase_final(vo_uws_phase_parse(s->phase)))
		s->phase = "EXECUTING";
	s->rows = (long long)(s->final ? q->d.nrows : q->rows_live);
	s->elapsed = q->d.started > 0 && end > q->d.started ? end - q->d.started : 0;
	s->overflow = s->final && q->d.overflow;
	s->job_url = q->d.job_url;
	s->error = !q->running ? q->d.error : NULL;
}

const struct service_conf *query_service_of(int64_t rid)
{
	const struct service_conf *sc = NULL;
	const struct pin *p;
	int64_t qid = -1;

	pthread_mutex_lock(&qlock);
	if ((p = pin_find(rid)))
		qid = p->qid;
	for (struct query *q = queries; q; q = q->next)
		if (q->d.rid == rid || q->d.id == qid) {
			sc = qcfg ? config_find(qcfg, q->d.service) : NULL;
			break;
		}
	pthread_mutex_unlock(&qlock);
	return sc;
}

int query_status_text(const char *svc, const char *name, struct vo_buf *out)
{
	struct query *q;
	struct qstate s;
	char why[600];
	int rc = 0, stale = query_stale(svc, name, 0, why, sizeof why) > 0;

	vo_buf_reset(out);
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		rc = -ENOENT;
	} else {
		qstate_of(q, &s);
		if (!s.phase)
			rc = vo_buf_adds(out, "EMPTY\n");
		else
			rc = vo_buf_addf(out, "%s rows=%lld elapsed=%.2fs%s%s%s\n", s.phase, s.rows,
					 s.elapsed, s.overflow ? " overflow" : "",
					 s.job_url ? " job=" : "", s.job_url ? s.job_url : "");
		if (!rc && stale && s.final)
			rc = vo_buf_addf(out, "STALE %s: the next read of a result runs it"
					 " again\n", why);
	}
	pthread_mutex_unlock(&qlock);
	return rc;
}

static int attr_add(struct vo_buf *out, const char *name, const char *value)
{
	int rc = vo_buf_add(out, name, strlen(name) + 1);

	return rc ? rc : vo_buf_add(out, value, strlen(value) + 1);
}

int query_attrs(const char *svc, const char *name, struct vo_buf *out)
{
	struct query *q;
	struct qstate s;
	char num[64];
	int rc = 0;

	vo_buf_reset(out);
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		pthread_mutex_unlock(&qlock);
		return -ENOENT;
	}
	qstate_of(q, &s);
	rc = attr_add(out, "user.vo.phase", s.phase ? s.phase : "EMPTY");
	if (!rc && s.tap_url)
		rc = attr_add(out, "user.vo.service_url", s.tap_url);
	if (!rc && s.maxrec && *s.maxrec)
		rc = attr_add(out, "user.vo.maxrec", s.maxrec);
	if (!rc && s.phase) {
		snprintf(num, sizeof num, "%lld", s.rows);
		rc = attr_add(out, "user.vo.rows", num);
		snprintf(num, sizeof num, "%.2f", s.elapsed);
		if (!rc)
			rc = attr_add(out, "user.vo.elapsed", num);
	}
	if (!rc && s.final && strcmp(s.phase, "COMPLETED") == 0)
		rc = attr_add(out, "user.vo.overflow", s.overflow ? "true" : "false");
	if (!rc && s.job_url)
		rc = attr_add(out, "user.vo.job_url", s.job_url);
	if (!rc && s.error)
		rc = attr_add(out, "user.vo.error", s.error);
	pthread_mutex_unlock(&qlock);
	return rc;
}

int query_error_text(const char *svc, const char *name, struct vo_buf *out)
{
	struct query *q;
	int rc = 0;

	vo_buf_reset(out);
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q) {
		rc = -ENOENT;
	} else {
		struct qstate s;
		qstate_of(q, &s);
		if (s.error)
			rc = vo_buf_addf(out, "%s\n", s.error);
	}
	pthread_mutex_unlock(&qlock);
	return rc;
}

static int wait_run(const char *svc, const char *name, int (*interrupted)(void),
		    struct query_info *info, int hold)
{
	struct query *q;
	int rc = 0;

	pthread_mutex_lock(&qlock);
	for (;;) {
		q = find(svc, name);
		if (!q) {
			rc = -ENOENT;
			break;
		}
		if (!q->running) {
			fill_info(q, info);
			if (hold && info->completed && info->rid) {
				if ((rc = pin_add(info->rid, q->d.id)) == 0)
					info->held = 1;
			}
			break;
		}
		if (interrupted && interrupted()) {
			rc = -EINTR;
			break;
		}
		clock_cond_wait_us(&qcond, &qlock, 200000);
	}
	pthread_mutex_unlock(&qlock);
	return rc;
}

/* --- inputs: upload/ tables and the queries they link to ------------------------ */

/* The stored signature of q's inputs and whether it can be stale at all
 * (it has an ADQL, no run, and uploads or a stored signature; an adopted
 * job's result was not made from them).  0: no. */
static int inputs_stored(const char *svc, const char *name, int64_t *qid,
			 char stored[INPUTS_SIG])
{
	struct query *q;
	int can = 0;

	pthread_mutex_lock(&qlock);
	if ((q = find(svc, name)) && !q->running && q->d.adql && !q->d.adopted) {
		*qid = q->d.id;
		snprintf(stored, INPUTS_SIG, "%s", q->d.inputs ? q->d.inputs : "");
		can = 1;
	}
	pthread_mutex_unlock(&qlock);
	return can && (stored[0] || uploads_count(*qid) > 0);
}

/* A query whose inputs changed since its result was made runs again
 * (linked queries first, they are brought up to date the same way). */
static int refresh(const char *svc, const char *name, int depth, int (*interrupted)(void))
{
	char stored[INPUTS_SIG], sig[INPUTS_SIG], why[600];
	struct query *q;
	int64_t qid;
	int rc;

	if (!inputs_stored(svc, name, &qid, stored))
		return 0;
	if ((rc = inputs_cycle(qcfg, svc, name, why, sizeof why)) ||
	    (rc = inputs_sig(qcfg, svc, name, qid, 1, depth, interrupted, sig, NULL, why,
			     sizeof why))) {
		if (rc != -EINTR)
			vo_warn("query %s/%s: %s", svc, name, rc == -ELOOP ? why : strerror(-rc));
		return rc;
	}
	pthread_mutex_lock(&qlock);
	q = find(svc, name);
	if (!q || q->running || !q->d.adql || q->d.id != qid ||
	    strcmp(sig, q->d.inputs ? q->d.inputs : "") == 0) {
		pthread_mutex_unlock(&qlock);
		return 0;
	}
	vo_info("query %s/%s: its upload/ tables changed since its result was made:"
		" running it again", svc, name);
	restart_unlock(q, NULL);
	return 0;
}

int query_stale(const char *svc, const char *name, int depth, char *why, size_t wn)
{
	char stored[INPUTS_SIG], sig[INPUTS_SIG];
	int64_t qid;
	int stale = 0;

	if (!inputs_stored(svc, name, &qid, stored))
		return 0;
	if (inputs_sig(qcfg, svc, name, qid, 0, depth, NULL, sig, &stale, why, wn))
		return 0;
	if (!stale && strcmp(sig, stored) != 0) {
		snprintf(why, wn, "a table in upload/ (or the result a link there names)"
			 " changed since the result was made");
		stale = 1;
	}
	return stale;
}

int query_wait_fresh(const char *svc, const char *name, int depth, int (*interrupted)(void),
		     struct query_info *info, int hold)
{
	int rc = refresh(svc, name, depth, interrupted);

	if (rc == -ELOOP || rc == -EINTR)
		return rc;
	return wait_run(svc, name, interrupted, info, hold);
}

int query_wait(const char *svc, const char *name, int (*interrupted)(void),
	       struct query_info *info)
{
	return query_wait_fresh(svc, name, 0, interrupted, info, 0);
}

int query_hold_result(const char *svc, const char *name, int (*interrupted)(void),
		      struct query_info *info)
{
	return query_wait_fresh(svc, name, 0, interrupted, info, 1);
}
