/* fs/cache.c - lazily fetched remote files over the block store; see
 * cache.h.
 *
 * Blocks being downloaded are "in flight": an entry in a small hash table
 * that readers wait on (cond).  Downloads run as jobs on a fixed pool of
 * fetch threads; a job covers a run of consecutive missing blocks with one
 * Range request, or a whole object (idx -1 in the table).  The fetch thread
 * stores each block as soon as it is complete and wakes the readers.
 */
#include "cache.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "transfers.h"
#include "http.h"
#include "list.h"
#include "log.h"

#define NWORKERS 8
#define NBUCKETS 1024
#define WHOLE (-1)
#define SMALL_FILE ((int64_t)4 << 20)   /* read whole on a first read at 0 */
#define TOUCH_US (10 * 1000000LL)       /* atime updates at most this often */
#define SEQ_MIN ((int64_t)1 << 20)      /* sequential bytes before read-ahead */
#define STREAM_MAX ((int64_t)256 << 20) /* larger files go by windows */
#define STREAM_IDLE_US (20 * 1000000LL) /* a stream nobody follows ends */
#define DEMAND_MIN 4                    /* blocks a stream runs ahead at first */
#define DEMAND_MAX 256                  /* and at most (64 MiB) */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;    /* block states */
static pthread_cond_t qcond = PTHREAD_COND_INITIALIZER;   /* job queue */
static pthread_mutex_t evict_lock = PTHREAD_MUTEX_INITIALIZER;

static int64_t limit_bytes;
static int offline_mode;
static long stall_s = 60;
static struct cache_counters ctr;     /* under lock */
static int stopping;
static pthread_t workers[NWORKERS];
static int nworkers;

struct infl {
	int64_t oid, idx;
	int done, err;
	int refs;                 /* the job and every waiter */
	struct infl *next;
};
static struct infl *table[NBUCKETS];

/* objects whose last transfer failed for good: new reads fail at once for
 * a moment instead of starting the whole retry cycle again */
#define FAIL_MEMORY_US (5 * 1000000LL)
struct failed {
	int64_t oid, when;
	struct failed *next;
};
static struct failed *failed_list;

/* under lock */
static int recently_failed(int64_t oid)
{
	int64_t now = clock_us();

	for (struct failed **pp = &failed_list; *pp;) {
		struct failed *f = *pp;
		if (now - f->when > FAIL_MEMORY_US) {
			*pp = f->next;
			free(f);
			continue;
		}
		if (f->oid == oid)
			return 1;
		pp = &f->next;
	}
	return 0;
}

static void remember_failure(int64_t oid)
{
	struct failed *f = calloc(1, sizeof *f);

	if (!f)
		return;
	f->oid = oid;
	f->when = clock_us();
	f->next = failed_list;
	failed_list = f;
}

struct opened {
	int64_t oid;
	int n;
	/* readers' demand: a stream may run up to this block (exclusive) */
	int64_t until;
	struct opened *next;
};
static struct opened *opened;

struct job {
	int64_t oid, size;
	char *url;
	int64_t first, count;     /* blocks; first = WHOLE for a whole object */
	int volatile_obj;
	/* a stream follows its readers: it stores no block beyond their
	 * demand (opened.until) and stops when they have all gone */
	int stream;
	struct infl **ents;       /* one per block (or one for WHOLE) */
	struct job *next;
};
static struct job *q_head, *q_tail;

/* The memory pool: blocks just downloaded, served from here at once while
 * the writer thread stores them (many per transaction); stored ones stay
 * as a small hot cache.  Downloads wait while too much is unstored. */
#define POOL_UNSTORED_MAX ((size_t)64 << 20)
#define POOL_HOT_MAX ((size_t)32 << 20)
#define WRITER_BATCH 32
struct mblock {
	int64_t oid, idx;
	char *data;
	size_t len;
	int stored;
	/* the last block of a streamed object: its size goes in with it */
	int final;
	struct db_obj fin;
	struct mblock *hnext;            /* hash chain */
	struct list_link hot;            /* hot list (stored ones), most recent first */
	struct mblock *wnext;            /* writer queue */
};
static struct mblock *pool[NBUCKETS];
static struct list hot;
static struct mblock *wq_head, *wq_tail;
static size_t unstored_bytes, hot_bytes;
static pthread_cond_t wcond = PTHREAD_COND_INITIALIZER;   /* writer queue, flushes */
static pthread_t writer_thread;
static int writer_started, writer_stop;
static int flush_wanted;           /* writer_flush() callers waiting */
static int64_t last_add_us;        /* when a block last came in */
/* The writer lets blocks gather while a download is running (storing
 * competes for the CPU with the download and its readers, who are served
 * from the pool anyway), unless this much waits or all is quiet. */
#define WRITER_LAZY ((size_t)24 << 20)
#define WRITER_QUIET_US 30000

struct cache_file {
	int64_t oid;
	char *url;
	int volatile_obj;
	int64_t size;             /* known size, -1 until known */
	int ranges;
	pthread_mutex_t mu;       /* read-ahead state */
	off_t next_off;
	int64_t seq_bytes;        /* length of the current sequential run */
	int copied;               /* 1: read whole in one run; 2: reported */
	int64_t ra_next;          /* first block not yet asked for by read-ahead */
	int64_t window;           /* blocks */
};

static unsigned bucket(int64_t oid, int64_t idx)
{
	uint64_t h = (uint64_t)oid * 0x9E3779B97F4A7C15ull ^ (uint64_t)idx * 0xC2B2AE3D27D4EB4Full;
	return (unsigned)(h >> 54) % NBUCKETS;
}

/* under lock */
static struct infl *infl_find(int64_t oid, int64_t idx)
{
	for (struct infl *e = table[bucket(oid, idx)]; e; e = e->next)
		if (e->oid == oid && e->idx == idx)
			return e;
	return NULL;
}

static struct infl *infl_add(int64_t oid, int64_t idx)
{
	struct infl *e = calloc(1, sizeof *e);
	unsigned b = bucket(oid, idx);

	if (!e)
		return NULL;
	e->oid = oid;
	e->idx = idx;
	e->refs = 1;
	e->next = table[b];
	table[b] = e;
	return e;
}

static void infl_unlink(struct infl *e)
{
	for (struct infl **pp = &table[bucket(e->oid, e->idx)]; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			return;
		}
}

static void infl_put(struct infl *e)
{
	if (e && --e->refs == 0)
		free(e);
}

/* under lock: the entry is finished; waiters learn err */
static void infl_finish(struct infl *e, int err)
{
	if (!e || e->done)
		return;
	e->done = 1;
	e->err = err;
	infl_unlink(e);
	pthread_cond_broadcast(&cond);
}

static int is_open(int64_t oid)
{
	for (struct opened *o = opened; o; o = o->next)
		if (o->oid == oid)
			return 1;
	return 0;
}

/* --- memory pool and writer ------------------------------------------------------- */

/* under lock */
static struct mblock *pool_find(int64_t oid, int64_t idx)
{
	for (struct mblock *m = pool[bucket(oid, idx)]; m; m = m->hnext)
		if (m->oid == oid && m->idx == idx)
			return m;
	return NULL;
}

static void pool_remove(struct mblock *m)
{
	for (struct mblock **pp = &pool[bucket(m->oid, m->idx)]; *pp; pp = &(*pp)->hnext)
		if (*pp == m) {
			*pp = m->hnext;
			break;
		}
	if (m->stored) {
		list_remove(&hot, &m->hot);
		hot_bytes -= m->len;
	}
	free(m->data);
	free(m);
}

/* under lock: drop stored blocks beyond the hot budget */
static void hot_trim(void)
{
	while (hot_bytes > POOL_HOT_MAX && hot.tail)
		pool_remove(list_item(hot.tail, struct mblock, hot));
}

/* under lock: copy from a pooled block; -ENOENT when not pooled */
static ssize_t pool_read(int64_t oid, int64_t idx, size_t off, char *buf, size_t n)
{
	struct mblock *m = pool_find(oid, idx);

	if (!m)
		return -ENOENT;
	if (off >= m->len)
		return 0;
	if (n > m->len - off)
		n = m->len - off;
	memcpy(buf, m->data + off, n);
	if (m->stored && &m->hot != hot.head) {
		list_remove(&hot, &m->hot);
		list_push_front(&hot, &m->hot);
	}
	return (ssize_t)n;
}

/* Hand a complete block to the pool (takes data); waits while too much is
 * waiting for the writer. */
static int pool_add(int64_t oid, int64_t idx, char *data, size_t len, const struct db_obj *fin)
{
	struct mblock *m = calloc(1, sizeof *m), *old;

	if (!m) {
		free(data);
		return -ENOMEM;
	}
	m->oid = oid;
	m->idx = idx;
	m->data = data;
	m->len = len;
	if (fin) {
		m->final = 1;
		m->fin = *fin;
	}
	pthread_mutex_lock(&lock);
	while (unstored_bytes > POOL_UNSTORED_MAX && !writer_stop)
		pthread_cond_wait(&wcond, &lock);
	/* a stored older copy goes (a queued one is the same bytes: a block
	 * asked for twice; streamed objects are flushed and dropped first) */
	if ((old = pool_find(oid, idx)) && old->stored)
		pool_remove(old);
	m->hnext = pool[bucket(oid, idx)];
	pool[bucket(oid, idx)] = m;
	if (wq_tail)
		wq_tail->wnext = m;
	else
		wq_head = m;
	wq_tail = m;
	unstored_bytes += len;
	last_add_us = clock_us();
	if (unstored_bytes >= WRITER_LAZY)
		pthread_cond_broadcast(&wcond);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* Wait until everything handed to the pool so far is stored. */
static void writer_flush(void)
{
	pthread_mutex_lock(&lock);
	flush_wanted++;
	pthread_cond_broadcast(&wcond);
	while ((wq_head || unstored_bytes) && writer_started && !writer_stop)
		pthread_cond_wait(&wcond, &lock);
	flush_wanted--;
	pthread_mutex_unlock(&lock);
}

static void evict_if_needed(int64_t incoming);

static void *writer_main(void *arg)
{
	(void)arg;
	/* storing is background work: let downloads and readers go first */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&lock);
	for (;;) {
		struct mblock *batch[WRITER_BATCH];
		int n = 0, rc;
		int64_t t;

		while (!wq_head && !writer_stop)
			pthread_cond_wait(&wcond, &lock);
		if (!wq_head)
			break;
		if (!writer_stop && !flush_wanted && unstored_bytes < WRITER_LAZY &&
		    clock_us() - last_add_us < WRITER_QUIET_US) {
			clock_cond_wait_us(&wcond, &lock, WRITER_QUIET_US);
			continue;
		}
		while (wq_head && n < WRITER_BATCH) {
			batch[n++] = wq_head;
			wq_head = wq_head->wnext;
		}
		if (!wq_head)
			wq_tail = NULL;
		pthread_mutex_unlock(&lock);
		{
			/* make room first: the store never goes over the limit */
			int64_t incoming = 0;
			for (int i = 0; i < n; i++)
				incoming += (int64_t)batch[i]->len;
			evict_if_needed(incoming);
		}
		t = clock_us();
		rc = db_begin();
		for (int i = 0; i < n && !rc; i++) {
			struct mblock *m = batch[i];
			rc = db_block_put(m->oid, m->idx, m->data, m->len, t);
			if (!rc && m->final)
				rc = db_obj_update(&m->fin);
		}
		rc = rc ? rc : db_commit();
		if (rc) {
			db_rollback();
			vo_error("cache: storing %d blocks failed: they stay in memory only"
				 " until evicted", n);
		}
		pthread_mutex_lock(&lock);
		for (int i = 0; i < n; i++) {
			struct mblock *m = batch[i];
			unstored_bytes -= m->len;
			if (!rc)
				ctr.used += (int64_t)m->len;
			m->stored = 1;
			list_push_front(&hot, &m->hot);
			hot_bytes += m->len;
		}
		hot_trim();
		pthread_cond_broadcast(&wcond);
	}
	pthread_mutex_unlock(&lock);
	db_close_thread();
	return NULL;
}

/* Forget the pooled blocks of an object (after a flush: all stored). */
static void pool_drop(int64_t oid)
{
	pthread_mutex_lock(&lock);
	for (unsigned b = 0; b < NBUCKETS; b++)
		for (struct mblock *m = pool[b], *nx; m; m = nx) {
			nx = m->hnext;
			if (m->oid == oid && m->stored)
				pool_remove(m);
		}
	pthread_mutex_unlock(&lock);
}

/* --- eviction ------------------------------------------------------------------- */

struct victim { int64_t oid, idx, size; };
struct victims { struct victim v[256]; int n; };

static int collect_victim(void *ud, int64_t oid, int64_t idx, int64_t size)
{
	struct victims *vs = ud;

	if (vs->n < 256)
		vs->v[vs->n++] = (struct victim){oid, idx, size};
	return 0;
}

/* Evict until incoming more bytes fit under the limit (to 90% of it, so
 * eviction runs in batches). */
static void evict_if_needed(int64_t incoming)
{
	static int warned;
	int64_t target;

	if (limit_bytes <= 0 || pthread_mutex_trylock(&evict_lock) != 0)
		return;
	target = limit_bytes - limit_bytes / 10 - incoming;
	for (int round = 0; round < 1000; round++) {
		struct victims vs = {.n = 0};
		int64_t freed = 0, nfreed = 0, u;

		pthread_mutex_lock(&lock);
		u = ctr.used;
		pthread_mutex_unlock(&lock);
		if (u <= (round ? target : limit_bytes - incoming))
			break;
		/* candidates beyond those skipped last round */
		if (db_block_oldest(256 * (round % 8 + 1), collect_victim, &vs) || !vs.n)
			break;
		if (db_begin())
			break;
		for (int i = 0; i < vs.n; i++) {
			int keep;
			pthread_mutex_lock(&lock);
			keep = is_open(vs.v[i].oid) || infl_find(vs.v[i].oid, vs.v[i].idx) ||
			       infl_find(vs.v[i].oid, WHOLE);
			pthread_mutex_unlock(&lock);
			if (keep || db_block_delete(vs.v[i].oid, vs.v[i].idx))
				continue;
			freed += vs.v[i].size;
			nfreed++;
		}
		if (db_commit()) {
			db_rollback();
			break;
		}
		pthread_mutex_lock(&lock);
		ctr.used -= freed;
		ctr.evicted += nfreed;
		pthread_mutex_unlock(&lock);
		if (!nfreed && round >= 7) {
			if (!warned++)
				vo_warn("cache: %" PRId64 " bytes used, over the limit of %" PRId64
					": what is left belongs to open files", u, limit_bytes);
			break;
		}
	}
	pthread_mutex_unlock(&evict_lock);
}

/* --- fetching ----------------------------------------------------------------- */

struct fetch {
	struct job *job;
	int64_t idx;          /* block being filled */
	int64_t end_idx;      /* one past the last block wanted (ranged) */
	struct vo_buf blk;
	int64_t got;          /* body bytes this attempt */
	int64_t stored;       /* bytes stored from byte 0 (whole streams) */
	int64_t total;        /* object size learnt from the response, -1 */
	int whole_stream;     /* the body is the whole object from byte 0 */
	int ranges;           /* what the response said about Range support */
	double mtime;
	char ctype[128];
	struct vo_err *err;
	struct xfer *xfer;    /* this attempt in .vofs/transfers */
};

static int64_t nblocks_of(int64_t size)
{
	return (size + (int64_t)CACHE_BLOCK - 1) / (int64_t)CACHE_BLOCK;
}

static int64_t block_len(int64_t size, int64_t idx)
{
	int64_t rest = size - idx * (int64_t)CACHE_BLOCK;
	return rest < (int64_t)CACHE_BLOCK ? rest : (int64_t)CACHE_BLOCK;
}

/* Hand one complete block to the pool (with the object's final size when
 * it is the last of a stream), then wake its readers.  The writer stores
 * block and size in one transaction. */
static int store_block(struct fetch *f, const char *p, size_t n, int last)
{
	struct job *j = f->job;
	struct db_obj fin = {.oid = j->oid, .size = f->idx * (int64_t)CACHE_BLOCK + (int64_t)n,
			     .mtime = f->mtime, .ranges = f->ranges};
	char *copy;
	int rc;

	/* the fetch buffer itself goes to the pool; a fresh one takes its place */
	if (p == f->blk.p && n == f->blk.len && n) {
		copy = vo_buf_take(&f->blk);
		f->blk.cap = CACHE_BLOCK + 1;
		vo_buf_reserve(&f->blk, CACHE_BLOCK);
	} else if ((copy = malloc(n ? n : 1))) {
		memcpy(copy, p, n);
	}
	if (!copy)
		return vo_err_set(f->err, ENOMEM, "%s: out of memory", j->url);
	snprintf(fin.ctype, sizeof fin.ctype, "%s", f->ctype);
	if ((rc = pool_add(j->oid, f->idx, copy, n, last ? &fin : NULL)))
		return vo_err_set(f->err, -rc, "%s: out of memory", j->url);
	pthread_mutex_lock(&lock);
	if (j->first != WHOLE) {
		int64_t k = f->idx - j->first;
		if (k >= 0 && k < j->count)
			infl_finish(j->ents[k], 0);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}

/* A stream waits (holding the connection: TCP makes the server wait too)
 * while the block it fills is beyond what its readers asked for; it ends
 * when no file of the object is open, or nobody advanced for a while. */
static int stream_wait(struct fetch *f)
{
	struct job *j = f->job;
	int64_t waited = 0;
	int rc = 0;

	pthread_mutex_lock(&lock);
	for (;;) {
		struct opened *op;
		for (op = opened; op && op->oid != j->oid; op = op->next)
			;
		if (!op) {
			rc = vo_err_set(f->err, ECANCELED, "%s: no reader left", j->url);
			break;
		}
		if (f->idx < op->until || stopping)
			break;
		if (waited > STREAM_IDLE_US) {
			rc = vo_err_set(f->err, ECANCELED, "%s: readers paused", j->url);
			break;
		}
		clock_cond_wait_us(&cond, &lock, 100000);
		waited += 100000;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int on_start(void *ud, const struct vo_http_resp *r)
{
	struct fetch *f = ud;
	struct job *j = f->job;
	long long a, b, total;

	snprintf(f->ctype, sizeof f->ctype, "%s", r->content_type);
	if (r->status == 206) {
		if (vo_http_parse_range(r->content_range, &a, &b, &total))
			return vo_err_set(f->err, EPROTO, "%s: malformed Content-Range '%s'",
					  j->url, r->content_range);
		if (a != f->idx * (long long)CACHE_BLOCK)
			return vo_err_set(f->err, EPROTO, "%s: asked for bytes from %" PRId64
					  ", got Content-Range '%s'", j->url,
					  f->idx * (int64_t)CACHE_BLOCK, r->content_range);
		if (j->size >= 0 && total >= 0 && total != j->size)
			return vo_err_set(f->err, ESTALE, "%s: the file changed on the server"
					  " (size %lld, was %" PRId64 ")", j->url, total, j->size);
		f->total = total;
		f->ranges = 1;
		return 0;
	}
	if (r->status != 200)
		return vo_err_set(f->err, EPROTO, "%s: unexpected HTTP status %ld", j->url, r->status);
	/* 200: the whole object from byte 0 */
	f->ranges = 0;
	f->whole_stream = 1;
	f->total = r->content_length;
	xfer_set_total(f->xfer, f->total);
	if (j->size >= 0 && f->total >= 0 && f->total != j->size)
		return vo_err_set(f->err, ESTALE, "%s: the file changed on the server"
				  " (size %lld, was %" PRId64 ")", j->url, (long long)f->total, j->size);
	f->idx = 0;
	f->stored = 0;
	vo_buf_reset(&f->blk);
	return 0;
}

static int on_body(void *ud, const char *p, size_t n)
{
	struct fetch *f = ud;
	struct job *j = f->job;
	int64_t size = j->size >= 0 ? j->size : f->total;

	f->got += (int64_t)n;
	__atomic_add_fetch(&ctr.bytes_fetched, (int64_t)n, __ATOMIC_RELAXED);
	xfer_add(f->xfer, (int64_t)n);
	if (size >= 0 && f->idx * (int64_t)CACHE_BLOCK + (int64_t)f->blk.len + (int64_t)n > size)
		return vo_err_set(f->err, EPROTO, "%s: more bytes than the size %" PRId64,
				  j->url, size);
	if (j->stream && !f->whole_stream) {
		int rc = stream_wait(f);
		if (rc)
			return rc;
	}
	while (n) {
		size_t want = size >= 0 ? (size_t)block_len(size, f->idx) : CACHE_BLOCK;
		size_t take = want - f->blk.len < n ? want - f->blk.len : n;
		int rc = vo_buf_add(&f->blk, p, take);
		if (rc)
			return rc;
		p += take;
		n -= take;
		if (f->blk.len == want && (size >= 0 || want == CACHE_BLOCK)) {
			int last = size >= 0 && f->idx * (int64_t)CACHE_BLOCK + (int64_t)want == size;
			if (!f->whole_stream && f->idx >= f->end_idx)
				return vo_err_set(f->err, EPROTO, "%s: more bytes than asked for",
						  j->url);
			f->stored += (int64_t)want;
			if ((rc = store_block(f, f->blk.p, f->blk.len, last && f->whole_stream)))
				return rc;
			f->idx++;
			vo_buf_reset(&f->blk);
		}
	}
	return 0;
}

/* (a stop signal reaches transfers through vo_http_abort_all) */
static int job_cancelled(void *ud)
{
	(void)ud;
	return __atomic_load_n(&stopping, __ATOMIC_RELAXED);
}

/* First block of the job still missing (ranged jobs resume there). */
static int64_t job_resume_at(struct job *j)
{
	int64_t k;

	pthread_mutex_lock(&lock);
	for (k = 0; k < j->count; k++)
		if (!j->ents[k]->done)
			break;
	pthread_mutex_unlock(&lock);
	return j->first + k;
}

static int run_attempt(struct job *j, struct fetch *f)
{
	char range[64];
	struct vo_http_req req = {
		.url = j->url, .follow = 1, .stall_s = stall_s, .identity = 1,
		.start = on_start, .sink = on_body, .ud = f, .cancel = job_cancelled,
		.buffer_size = 256 << 10,   /* fewer, larger sink calls */
	};
	struct vo_http_resp resp = {0};
	int rc;

	f->got = 0;
	f->stored = 0;
	f->total = -1;
	f->whole_stream = 0;
	f->ctype[0] = '\0';
	vo_buf_reset(&f->blk);
	if (j->first == WHOLE) {
		f->idx = 0;
		f->end_idx = INT64_MAX;
	} else {
		int64_t to;
		f->idx = job_resume_at(j);
		f->end_idx = j->first + j->count;
		if (f->idx >= f->end_idx)
			return 0;
		to = f->end_idx * (int64_t)CACHE_BLOCK;
		if (to > j->size)
			to = j->size;
		snprintf(range, sizeof range, "%" PRId64 "-%" PRId64,
			 f->idx * (int64_t)CACHE_BLOCK, to - 1);
		req.range = range;
	}
	pthread_mutex_lock(&lock);
	ctr.requests++;
	pthread_mutex_unlock(&lock);
	if (req.range) {
		int64_t from = f->idx * (int64_t)CACHE_BLOCK, to = f->end_idx * (int64_t)CACHE_BLOCK;
		f->xfer = xfer_begin("product", j->url, from, (to > j->size ? j->size : to) - from);
	} else {
		f->xfer = xfer_begin("product", j->url, 0, j->size);
	}
	rc = vo_http_do(&req, &resp, f->err);
	xfer_end(f->xfer);
	f->xfer = NULL;
	if (!rc && resp.status >= 400) {
		char ex[200];
		vo_http_excerpt(&resp.errbody, ex, sizeof ex);
		rc = vo_err_set(f->err, vo_http_status_errno(resp.status),
				"%s: HTTP %ld%s%s", j->url, resp.status, ex[0] ? ": " : "", ex);
	} else if (!rc && resp.status == 204) {
		rc = vo_err_set(f->err, ENODATA, "%s: HTTP 204, no content (for a cutout:"
				" the region does not overlap the data)", j->url);
	} else if (!rc && (resp.status < 200 || resp.status >= 300)) {
		rc = vo_err_set(f->err, EPROTO, "%s: unexpected HTTP status %ld", j->url, resp.status);
	}
	if (!rc && (f->whole_stream || j->first == WHOLE)) {
		int64_t size = j->size >= 0 ? j->size : f->total;
		int64_t got_size = f->stored + (int64_t)f->blk.len;
		if (size >= 0) {
			/* every block, the last one too, was stored as it completed */
			if (f->blk.len || got_size != size)
				rc = vo_err_set(f->err, EPROTO, "%s: short body: %" PRId64
						" bytes of %" PRId64, j->url, got_size, size);
		} else if (f->blk.len) {
			rc = store_block(f, f->blk.p, f->blk.len, 1);
		} else {
			/* empty, or a multiple of the block size: record the size
			 * once the blocks are stored */
			struct db_obj o = {.oid = j->oid, .size = got_size, .mtime = f->mtime,
					   .ranges = f->ranges};
			snprintf(o.ctype, sizeof o.ctype, "%s", f->ctype);
			writer_flush();
			if (db_obj_update(&o))
				rc = vo_err_set(f->err, EIO, "%s: storing the size failed", j->url);
		}
		if (!rc) {
			/* readers of a streamed object look its size up in the store */
			writer_flush();
			j->size = got_size;
			pthread_mutex_lock(&lock);
			for (int64_t k = 0; j->first != WHOLE && k < j->count; k++)
				infl_finish(j->ents[k], 0);
			pthread_mutex_unlock(&lock);
		}
	} else if (!rc && job_resume_at(j) < f->end_idx) {
		rc = vo_err_set(f->err, EPROTO, "%s: short body: %" PRId64 " bytes of range %s",
				j->url, f->got, range);
	}
	vo_http_resp_free(&resp);
	return rc;
}

static int retryable(int rc)
{
	return rc != -ENOENT && rc != -EACCES && rc != -ENODATA && rc != -ESTALE &&
	       rc != -ECANCELED && rc != -EINVAL;
}

/* Drop every stored and pooled block of an object (a stream that starts
 * over must not mix with an earlier one's bytes). */
static void forget_blocks(int64_t oid)
{
	int64_t freed = 0;

	writer_flush();
	pool_drop(oid);
	if (!db_obj_drop_blocks(oid, &freed) && freed) {
		pthread_mutex_lock(&lock);
		ctr.used -= freed;
		pthread_mutex_unlock(&lock);
	}
}

static void run_job(struct job *j)
{
	struct fetch f = {.job = j, .blk = VO_BUF_INIT, .ranges = -1};
	struct vo_err err = {0};
	int rc = 0;

	f.err = &err;
	f.blk.cap = CACHE_BLOCK + 1;
	f.mtime = 0;
	if (j->first == WHOLE && (j->volatile_obj || j->size < 0)) {
		/* a streamed object starts from nothing: never mix two generations */
		struct db_obj o;
		forget_blocks(j->oid);
		if (!db_obj_get(j->url, &o)) {
			f.mtime = o.mtime;
			o.size = -1;
			db_obj_update(&o);
			j->size = -1;
		}
	}
	if (f.mtime <= 0) {
		struct db_obj o;
		if (!db_obj_get(j->url, &o))
			f.mtime = o.mtime;
		if (f.mtime <= 0)
			f.mtime = (double)time(NULL);
	}
	for (int attempt = 0; attempt <= CACHE_RETRIES; attempt++) {
		vo_err_clear(&err);
		rc = run_attempt(j, &f);
		if (!rc || !retryable(rc) || stopping)
			break;
		if ((j->first == WHOLE || f.whole_stream) && (j->volatile_obj || j->size < 0))
			forget_blocks(j->oid);
		if (attempt < CACHE_RETRIES) {
			vo_warn("%s (retrying, attempt %d of %d)", err.msg, attempt + 2,
				CACHE_RETRIES + 1);
			pthread_mutex_lock(&lock);
			ctr.retries++;
			pthread_mutex_unlock(&lock);
			usleep((useconds_t)(250000u << (2 * attempt)));   /* 0.25, 1, 4 s */
		}
	}
	if (rc == -ECANCELED) {
		vo_debug("%s", err.msg);   /* a stream nobody follows any more */
	} else if (rc) {
		vo_error("%s", err.msg);
		pthread_mutex_lock(&lock);
		ctr.errors++;
		remember_failure(j->oid);
		pthread_mutex_unlock(&lock);
	}
	pthread_mutex_lock(&lock);
	if (j->first == WHOLE) {
		infl_finish(j->ents[0], rc);
		infl_put(j->ents[0]);
	} else {
		for (int64_t k = 0; k < j->count; k++) {
			infl_finish(j->ents[k], rc ? rc : -EIO);
			infl_put(j->ents[k]);
		}
	}
	pthread_mutex_unlock(&lock);
	vo_buf_free(&f.blk);
}

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->url);
	free(j->ents);
	free(j);
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		struct job *j;
		pthread_mutex_lock(&lock);
		while (!q_head && !stopping)
			pthread_cond_wait(&qcond, &lock);
		if (stopping && !q_head) {
			pthread_mutex_unlock(&lock);
			break;
		}
		j = q_head;
		q_head = j->next;
		if (!q_head)
			q_tail = NULL;
		pthread_mutex_unlock(&lock);
		run_job(j);
		job_free(j);
	}
	vo_http_thread_cleanup();
	db_close_thread();
	return NULL;
}

/* under lock: queue a job for blocks [first, first+count) that are all
 * neither stored nor in flight, or for the whole object (first WHOLE). */
static struct job *job_queue(int64_t oid, const char *url, int64_t size, int64_t first,
			     int64_t count, int volatile_obj, int stream)
{
	struct job *j = calloc(1, sizeof *j);
	int64_t n = first == WHOLE ? 1 : count;

	if (!j)
		return NULL;
	j->url = strdup(url);
	j->ents = calloc((size_t)n, sizeof *j->ents);
	if (!j->url || !j->ents) {
		job_free(j);
		return NULL;
	}
	j->oid = oid;
	j->size = size;
	j->first = first;
	j->count = count;
	j->volatile_obj = volatile_obj;
	j->stream = stream;
	for (int64_t k = 0; k < n; k++) {
		j->ents[k] = infl_add(oid, first == WHOLE ? WHOLE : first + k);
		if (!j->ents[k]) {
			for (int64_t i = 0; i < k; i++) {
				infl_finish(j->ents[i], -ENOMEM);
				infl_put(j->ents[i]);
			}
			job_free(j);
			return NULL;
		}
	}
	if (q_tail)
		q_tail->next = j;
	else
		q_head = j;
	q_tail = j;
	pthread_cond_signal(&qcond);
	return j;
}

/* Ask for blocks [from, to) that are missing: one job per run of
 * consecutive missing blocks. */
static void request_blocks(int64_t oid, const char *url, int64_t size, int64_t from, int64_t to)
{
	int64_t nblocks = nblocks_of(size);
	char *missing;

	if (to > nblocks)
		to = nblocks;
	if (from >= to)
		return;
	missing = calloc((size_t)(to - from), 1);
	if (!missing)
		return;
	for (int64_t i = from; i < to; i++)
		missing[i - from] = db_block_exists(oid, i) == 0;
	pthread_mutex_lock(&lock);
	for (int64_t i = from; i < to;) {
		int64_t k = i;
		while (k < to && missing[k - from] && !infl_find(oid, k) && !pool_find(oid, k))
			k++;
		if (k > i) {
			job_queue(oid, url, size, i, k - i, 0, 0);
			i = k;
		} else {
			i++;
		}
	}
	pthread_mutex_unlock(&lock);
	free(missing);
}

/* --- size discovery ----------------------------------------------------------- */

struct probe {
	const char *url;
	long status;
	long long total, clen;
	char ctype[128];
	char cr[128];
};

static int probe_start(void *ud, const struct vo_http_resp *r)
{
	struct probe *p = ud;

	p->status = r->status;
	p->clen = r->content_length;
	snprintf(p->ctype, sizeof p->ctype, "%s", r->content_type);
	snprintf(p->cr, sizeof p->cr, "%s", r->content_range);
	return -EALREADY;   /* the headers are all we wanted */
}

static int probe(const char *url, struct db_obj *o, struct vo_err *err)
{
	struct probe p = {.url = url, .total = -1, .clen = -1};
	struct vo_http_req req = {
		.url = url, .follow = 1, .stall_s = stall_s, .timeout_s = stall_s * 2,
		.identity = 1, .range = "0-0", .start = probe_start, .ud = &p,
		.sink = NULL, .max_body = 1 << 16, .cancel = job_cancelled,
	};
	struct vo_http_resp resp = {0};
	long long a, b;
	int rc;

	pthread_mutex_lock(&lock);
	ctr.probes++;
	ctr.requests++;
	pthread_mutex_unlock(&lock);
	rc = vo_http_do(&req, &resp, err);
	if (rc == -EALREADY || (!rc && resp.status >= 200 && resp.status < 300)) {
		vo_err_clear(err);
		rc = 0;
		if (!p.status) {   /* empty body: start was never called */
			p.status = resp.status;
			p.clen = resp.content_length;
			snprintf(p.cr, sizeof p.cr, "%s", resp.content_range);
			snprintf(p.ctype, sizeof p.ctype, "%s", resp.content_type);
		}
		if (p.status == 204) {
			rc = vo_err_set(err, ENODATA, "%s: HTTP 204, no content (for a cutout: the"
					" region does not overlap the data)", url);
		} else if (p.status == 206) {
			if (vo_http_parse_range(p.cr, &a, &b, &p.total) || p.total < 0)
				rc = vo_err_set(err, EPROTO, "%s: no usable size in Content-Range '%s'",
						url, p.cr);
			else
				o->ranges = 1;
		} else if (p.status == 200) {
			o->ranges = 0;
			p.total = p.clen;      /* -1: unknown, streamed on first read */
		} else {
			rc = vo_err_set(err, EPROTO, "%s: unexpected HTTP status %ld", url, p.status);
		}
		if (!rc) {
			o->size = p.total;
			if (resp.last_modified > 0)
				o->mtime = (double)resp.last_modified;
			snprintf(o->ctype, sizeof o->ctype, "%s", p.ctype);
		}
	} else if (!rc) {
		char ex[200];
		vo_http_excerpt(&resp.errbody, ex, sizeof ex);
		rc = vo_err_set(err, vo_http_status_errno(resp.status), "%s: HTTP %ld%s%s", url,
				resp.status, ex[0] ? ": " : "", ex);
	}
	vo_http_resp_free(&resp);
	return rc;
}

static int whole_wait(int64_t oid, const char *url, int64_t size, int volatile_obj,
		      int (*interrupted)(void));

int cache_stat(const char *url, int64_t known_size, int do_probe, struct cache_stat *st,
	       struct vo_err *err)
{
	struct db_obj o;
	int rc = db_obj_ensure(url, &o);

	if (rc)
		return vo_err_set(err, -rc, "%s: cache store error", url);
	if (o.mtime <= 0 || (o.size < 0 && known_size >= 0)) {
		if (o.mtime <= 0)
			o.mtime = (double)time(NULL);
		if (o.size < 0 && known_size >= 0)
			o.size = known_size;
		if ((rc = db_obj_update(&o)))
			return vo_err_set(err, -rc, "%s: cache store error", url);
	}
	if (o.size < 0 && o.ranges != 0 && do_probe && !offline_mode) {
		double first_seen = o.mtime;
		for (int attempt = 0; attempt <= CACHE_RETRIES; attempt++) {
			vo_err_clear(err);
			rc = probe(url, &o, err);
			if (!rc || !retryable(rc))
				break;
			if (attempt < CACHE_RETRIES) {
				vo_warn("%s (retrying)", err->msg);
				usleep((useconds_t)(250000u << (2 * attempt)));
			}
		}
		if (rc == -ENODATA) {
			vo_info("%s", err->msg);   /* the server's answer, not a failure */
			return rc;
		}
		if (rc) {
			vo_error("%s", err->msg);
			pthread_mutex_lock(&lock);
			ctr.errors++;
			pthread_mutex_unlock(&lock);
			return rc;
		}
		if (o.mtime <= 0)
			o.mtime = first_seen;
		if ((rc = db_obj_update(&o)))
			return vo_err_set(err, -rc, "%s: cache store error", url);
	}
	if (o.size < 0 && do_probe && !offline_mode) {
		/* neither Range nor Content-Length: the length is known only by
		 * reading it all, and a size of 0 would be a lie (rsync copies
		 * st_size bytes, cmp -s compares sizes first): fetch it now */
		if ((rc = whole_wait(o.oid, url, -1, 0, NULL)))
			return vo_err_set(err, EIO, "%s: could not be read whole to learn its size",
					  url);
		if ((rc = db_obj_get(url, &o)))
			return vo_err_set(err, -rc, "%s: cache store error", url);
	}
	st->size = o.size;
	st->mtime = o.mtime;
	return 0;
}

struct many {
	const char *const *urls;
	struct cache_stat *out;
	const size_t *todo;        /* indexes still to probe */
	size_t ntodo, next;
	pthread_mutex_t mu;
};

static void *probe_thread(void *arg)
{
	struct many *m = arg;

	for (;;) {
		size_t k;
		struct vo_err err = {0};
		pthread_mutex_lock(&m->mu);
		k = m->next++;
		pthread_mutex_unlock(&m->mu);
		if (k >= m->ntodo)
			break;
		cache_stat(m->urls[m->todo[k]], -1, 1, &m->out[m->todo[k]], &err);
	}
	vo_http_thread_cleanup();
	db_close_thread();
	return NULL;
}

void cache_stat_many(const char *const *urls, const int64_t *known, size_t n,
		     struct cache_stat *out)
{
	struct many m = {.urls = urls, .out = out};
	pthread_t th[CACHE_PROBE_THREADS];
	size_t nt = 0, *todo = calloc(n ? n : 1, sizeof *todo);
	int64_t t0, us;
	int want;

	/* what the store knows; only the rest needs the network */
	for (size_t i = 0; i < n; i++) {
		struct vo_err err = {0};
		if (cache_stat(urls[i], known ? known[i] : -1, 0, &out[i], &err))
			out[i] = (struct cache_stat){.size = -1};
		else if (out[i].size < 0 && todo)
			todo[m.ntodo++] = i;
	}
	if (!m.ntodo || offline_mode)
		goto out;
	/* How many at once: a server that answers in a millisecond or two is
	 * busy, not far, and only slows down with more connections (DaCHS
	 * does); a distant one is waited for, and parallel requests hide the
	 * round trips.  The first probe's time tells which. */
	{
		struct vo_err err = {0};
		t0 = clock_us();
		cache_stat(urls[todo[0]], -1, 1, &out[todo[0]], &err);
		us = clock_us() - t0;
	}
	m.todo = todo + 1;
	m.ntodo--;
	want = us < 5000 ? 2 : us < 20000 ? 4 : CACHE_PROBE_THREADS;
	pthread_mutex_init(&m.mu, NULL);
	while ((int)nt < want && nt < m.ntodo &&
	       pthread_create(&th[nt], NULL, probe_thread, &m) == 0)
		nt++;
	if (!nt)
		probe_thread(&m);
	for (size_t i = 0; i < nt; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&m.mu);
out:
	free(todo);
}

/* --- files -------------------------------------------------------------------- */

int cache_open(const char *url, int volatile_obj, struct cache_file **out)
{
	struct cache_file *f = calloc(1, sizeof *f);
	struct db_obj o;
	struct opened *op;
	int rc;

	if (!f || !(f->url = strdup(url))) {
		free(f);
		return -ENOMEM;
	}
	if ((rc = db_obj_ensure(url, &o))) {
		free(f->url);
		free(f);
		return rc;
	}
	f->oid = o.oid;
	f->volatile_obj = volatile_obj;
	f->size = -1;
	f->ranges = o.ranges;
	f->window = 4;
	pthread_mutex_init(&f->mu, NULL);
	pthread_mutex_lock(&lock);
	for (op = opened; op && op->oid != f->oid; op = op->next)
		;
	if (!op && (op = calloc(1, sizeof *op))) {
		op->oid = f->oid;
		op->next = opened;
		opened = op;
	}
	if (op)
		op->n++;
	pthread_mutex_unlock(&lock);
	*out = f;
	return 0;
}

void cache_close(struct cache_file *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&lock);
	for (struct opened **pp = &opened; *pp; pp = &(*pp)->next)
		if ((*pp)->oid == f->oid) {
			if (--(*pp)->n == 0) {
				struct opened *d = *pp;
				*pp = d->next;
				free(d);
			}
			break;
		}
	pthread_mutex_unlock(&lock);
	pthread_mutex_destroy(&f->mu);
	free(f->url);
	free(f);
}

/* Wait for an in-flight entry; under lock on entry and exit. */
static int wait_entry(struct infl *e, int (*interrupted)(void))
{
	int rc;

	e->refs++;
	while (!e->done) {
		clock_cond_wait_us(&cond, &lock, 200000);
		if (!e->done && interrupted && interrupted()) {
			infl_put(e);
			return -EINTR;
		}
	}
	rc = e->err;
	infl_put(e);
	return rc;
}

/* Start or join the download of a whole object (streamed: generated on
 * the fly, no Range, or no length) and wait for its end; 0 or an errno
 * for the reader (the fetch has logged why). */
static int whole_wait(int64_t oid, const char *url, int64_t size, int volatile_obj,
		      int (*interrupted)(void))
{
	struct infl *e;
	int rc;

	if (offline_mode)
		return -ENETDOWN;
	pthread_mutex_lock(&lock);
	e = infl_find(oid, WHOLE);
	if (!e && recently_failed(oid)) {
		pthread_mutex_unlock(&lock);
		return -EIO;
	}
	if (!e) {
		struct job *j = job_queue(oid, url, size, WHOLE, 0, volatile_obj, 0);
		if (!j) {
			pthread_mutex_unlock(&lock);
			return -ENOMEM;
		}
		e = j->ents[0];
		ctr.misses++;
	}
	rc = wait_entry(e, interrupted);
	pthread_mutex_unlock(&lock);
	if (rc)
		return rc == -ENODATA || rc == -EINTR || rc == -ENOENT || rc == -EACCES ? rc : -EIO;
	return 0;
}

/* The same for an open file; o gets the object's record (its size). */
static int ensure_whole(struct cache_file *f, struct db_obj *o, int (*interrupted)(void))
{
	int rc = whole_wait(f->oid, f->url, o->size, f->volatile_obj, interrupted);

	if (rc)
		return rc;
	return db_obj_get(f->url, o) ? -EIO : 0;
}

/* Read-ahead after a read that ended in block last. */
static void read_ahead(struct cache_file *f, const struct db_obj *o, int64_t last)
{
	int64_t nblocks = nblocks_of(o->size);
	int64_t max_w = (int64_t)(CACHE_RA_MAX / CACHE_BLOCK);

	pthread_mutex_lock(&f->mu);
	if (f->ra_next <= last)
		f->ra_next = last + 1;
	while (f->ra_next < nblocks && f->ra_next <= last + f->window) {
		int64_t from = f->ra_next, to = from + f->window;
		pthread_mutex_unlock(&f->mu);
		request_blocks(f->oid, f->url, o->size, from, to);
		pthread_mutex_lock(&f->mu);
		f->ra_next = to;
		if (f->window < max_w)
			f->window *= 2;
	}
	pthread_mutex_unlock(&f->mu);
}

/* A block present in the pool or the store (1), absent (0). */
static int block_present(int64_t oid, int64_t idx)
{
	int in_pool;

	pthread_mutex_lock(&lock);
	in_pool = pool_find(oid, idx) != NULL;
	pthread_mutex_unlock(&lock);
	return in_pool || db_block_exists(oid, idx) == 1;
}

ssize_t cache_read(struct cache_file *f, char *buf, size_t size, off_t off,
		   int (*interrupted)(void))
{
	struct db_obj o = {.oid = f->oid, .size = f->size, .ranges = f->ranges};
	size_t done_n = 0;
	int seq, cont, rc;
	int64_t first_b, last_b, nblocks;

	if (o.size < 0) {
		if (db_obj_get(f->url, &o))
			return -EIO;
		if (o.size >= 0 && !f->volatile_obj && o.ranges != 0) {
			f->size = o.size;
			f->ranges = o.ranges;
		}
	}
	if (f->volatile_obj || o.size < 0 || o.ranges == 0) {
		/* streamed whole; served once complete */
		if (o.size < 0 || !block_present(f->oid, off / (off_t)CACHE_BLOCK)) {
			if (o.size >= 0 && off >= o.size)
				return 0;
			if ((rc = ensure_whole(f, &o, interrupted)))
				return rc;
		}
	}
	if (off >= o.size)
		return 0;
	if ((int64_t)size > o.size - off)
		size = (size_t)(o.size - off);
	first_b = off / (off_t)CACHE_BLOCK;
	last_b = (off + (off_t)size - 1) / (off_t)CACHE_BLOCK;
	nblocks = nblocks_of(o.size);

	pthread_mutex_lock(&f->mu);
	if (off == f->next_off && off > 0) {
		f->seq_bytes += (int64_t)size;
	} else {
		f->seq_bytes = (int64_t)size;
		f->window = 4;
		f->ra_next = 0;
	}
	f->next_off = off + (off_t)size;
	cont = f->seq_bytes > (int64_t)size;   /* this read continues a run */
	/* read ahead once a run is long enough not to be a header read */
	seq = f->seq_bytes >= SEQ_MIN;
	{
		/* how far a stream may run ahead: further the longer the run */
		int64_t ahead = f->seq_bytes / (int64_t)CACHE_BLOCK * 2;
		if (ahead < DEMAND_MIN)
			ahead = DEMAND_MIN;
		if (ahead > DEMAND_MAX)
			ahead = DEMAND_MAX;
		pthread_mutex_unlock(&f->mu);
		pthread_mutex_lock(&lock);
		for (struct opened *op = opened; op; op = op->next)
			if (op->oid == f->oid) {
				if (op->until < last_b + 1 + ahead) {
					op->until = last_b + 1 + ahead;
					pthread_cond_broadcast(&cond);
				}
				break;
			}
		pthread_mutex_unlock(&lock);
	}

	for (int64_t b = first_b; b <= last_b;) {
		size_t boff = b == first_b ? (size_t)(off - b * (off_t)CACHE_BLOCK) : 0;
		size_t want = size - done_n;
		int64_t atime = 0;
		ssize_t n;

		if (want > CACHE_BLOCK - boff)
			want = CACHE_BLOCK - boff;
		pthread_mutex_lock(&lock);
		n = pool_read(f->oid, b, boff, buf + done_n, want);
		if (n >= 0)
			ctr.hits++;
		pthread_mutex_unlock(&lock);
		if (n < 0) {
			n = db_block_read(f->oid, b, boff, buf + done_n, want, &atime);
			if (n >= 0) {
				int64_t t = clock_us();
				if (t - atime > TOUCH_US)
					db_block_touch(f->oid, b, t);
				pthread_mutex_lock(&lock);
				ctr.hits++;
				pthread_mutex_unlock(&lock);
			}
		}
		if (n >= 0) {
			if ((size_t)n != want) {
				vo_error("%s: cached block %" PRId64 " is short (%zd of %zu bytes)",
					 f->url, b, n, want);
				return -EIO;
			}
			done_n += (size_t)n;
			b++;
			continue;
		}
		if (n != -ENOENT)
			return n;
		if (offline_mode) {
			vo_warn("%s: offline, bytes from %lld not cached", f->url,
				(long long)(b * (int64_t)CACHE_BLOCK));
			return -ENETDOWN;
		}
		if (o.ranges == 0 || f->volatile_obj) {
			/* evicted from a streamed object while closed: stream again */
			if ((rc = ensure_whole(f, &o, interrupted)))
				return rc;
			continue;
		}
		{
			struct infl *e;
			pthread_mutex_lock(&lock);
			e = infl_find(f->oid, b);
			if (!e && (n = pool_read(f->oid, b, boff, buf + done_n, want)) >= 0) {
				pthread_mutex_unlock(&lock);
				continue;   /* arrived meanwhile: read it again above */
			}
			if (!e && recently_failed(f->oid)) {
				pthread_mutex_unlock(&lock);
				return -EIO;
			}
			if (!e) {
				int64_t count = 1;
				int stream = 0;
				struct job *j;
				if (b == 0 && o.size <= STREAM_MAX) {
					/* from the start: one request to the end, that
					 * runs only as far ahead as the reader follows */
					count = nblocks;
					stream = 1;
				} else if (cont) {
					count = f->window;
				}
				/* stop before a block already there or in flight */
				for (int64_t k = 1; k < count; k++)
					if (b + k >= nblocks || infl_find(f->oid, b + k) ||
					    pool_find(f->oid, b + k)) {
						count = k;
						break;
					}
				j = job_queue(f->oid, f->url, o.size, b, count, 0, stream);
				if (!j) {
					pthread_mutex_unlock(&lock);
					return -ENOMEM;
				}
				e = j->ents[0];
				if (cont) {
					pthread_mutex_lock(&f->mu);
					if (f->ra_next < b + count)
						f->ra_next = b + count;
					pthread_mutex_unlock(&f->mu);
				}
			}
			ctr.misses++;
			rc = wait_entry(e, interrupted);
			pthread_mutex_unlock(&lock);
			if (rc == -EINTR)
				return rc;
			if (rc)
				return -EIO;   /* the fetch logged why */
		}
	}
	if (seq && o.ranges != 0 && !f->volatile_obj)
		read_ahead(f, &o, last_b);
	pthread_mutex_lock(&f->mu);
	if (!f->copied && f->seq_bytes == o.size && off + (off_t)done_n == o.size)
		f->copied = 1;
	pthread_mutex_unlock(&f->mu);
	return (ssize_t)done_n;
}

int cache_file_copied(struct cache_file *f)
{
	int r;

	pthread_mutex_lock(&f->mu);
	r = f->copied == 1;
	if (r)
		f->copied = 2;
	pthread_mutex_unlock(&f->mu);
	return r;
}

void cache_prefetch(const char *url, int64_t max_bytes)
{
	struct db_obj o;
	int64_t nblocks;

	if (offline_mode || db_obj_get(url, &o) || o.size <= 0 || o.size > max_bytes ||
	    o.ranges == 0)
		return;
	/* in a small cache, fetching ahead would push out what was just read */
	if (limit_bytes > 0 && o.size > limit_bytes / 8)
		return;
	nblocks = nblocks_of(o.size);
	pthread_mutex_lock(&lock);
	if (recently_failed(o.oid) || infl_find(o.oid, 0) || pool_find(o.oid, 0)) {
		pthread_mutex_unlock(&lock);
		return;
	}
	pthread_mutex_unlock(&lock);
	if (db_block_exists(o.oid, 0) == 1 && db_block_exists(o.oid, nblocks - 1) == 1)
		return;
	request_blocks(o.oid, url, o.size, 0, nblocks);
}

void cache_counters(struct cache_counters *c)
{
	pthread_mutex_lock(&lock);
	*c = ctr;
	c->bytes_fetched = __atomic_load_n(&ctr.bytes_fetched, __ATOMIC_RELAXED);
	c->limit = limit_bytes;
	pthread_mutex_unlock(&lock);
}

int cache_init(int64_t limit, int offline, double timeout_s)
{
	int64_t used = 0;
	int rc;

	limit_bytes = limit;
	offline_mode = offline;
	/* blocks are 256 KiB: keep them on the heap, not each in an mmap()
	 * of its own (zeroed pages and a page fault per 4 KiB, every time) */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	if (timeout_s > 0)
		stall_s = (long)timeout_s;
	stopping = 0;
	if ((rc = db_blocks_total(&used)))
		return rc;
	ctr.used = used;
	writer_stop = 0;
	if (pthread_create(&writer_thread, NULL, writer_main, NULL) == 0)
		writer_started = 1;
	else
		return -EAGAIN;
	for (nworkers = 0; nworkers < NWORKERS; nworkers++)
		if (pthread_create(&workers[nworkers], NULL, worker, NULL))
			break;
	return nworkers ? 0 : -EAGAIN;
}

void cache_shutdown(void)
{
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&qcond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	nworkers = 0;
	/* the writer stores what is queued, then ends */
	pthread_mutex_lock(&lock);
	writer_stop = 1;
	pthread_cond_broadcast(&wcond);
	pthread_mutex_unlock(&lock);
	if (writer_started)
		pthread_join(writer_thread, NULL);
	writer_started = 0;
	for (unsigned b = 0; b < NBUCKETS; b++)
		while (pool[b]) {
			struct mblock *m = pool[b];
			pool[b] = m->hnext;
			free(m->data);
			free(m);
		}
	hot = (struct list){0};
	wq_head = wq_tail = NULL;
	unstored_bytes = hot_bytes = 0;
	/* jobs never started: their waiters are gone with FUSE */
	while (q_head) {
		struct job *j = q_head;
		q_head = j->next;
		job_free(j);
	}
	q_tail = NULL;
}
