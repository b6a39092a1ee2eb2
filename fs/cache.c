/* fs/cache.c - the block engine's API for the FUSE layer; see cache.h and
 * engine.h for the parts behind it. */
#include "cache.h"

#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "engine.h"
#include "fetch.h"
#include "http.h"
#include "log.h"
#include "object.h"
#include "prefetch.h"

_Static_assert(CACHE_BLOCK == DB_BLOCK_BYTES, "a block of the engine is a block of the store's files");

#define WAIT_SLICE_US 200000   /* waits look at interrupted() this often */

/* the mount's engine (the FUSE layer has one) */
static struct engine *eng;

struct cache_file {
	struct engine *e;
	struct obj *o;
	unsigned epoch;             /* the version this file reads */
	int64_t open_size;          /* the size when opened, -1 unknown */
	int volatile_obj;
	int64_t served;             /* bytes handed out */
	pthread_mutex_t mu;         /* the window and the copy detector */
	struct pf pf;
	struct fetch_owner ow;
	off_t next_off;
	int64_t seq_bytes;
	int copied;                 /* 1: read whole in one run; 2: reported */
};

/* --- the engine's clock and counters ------------------------------------------- */

int64_t engine_now_us(const struct engine *e)
{
	return e->cfg.now_us ? e->cfg.now_us() : clock_mono_us();
}

int engine_retry_pause(struct engine *e, int attempt, int64_t since_us, const char *msg)
{
	int64_t pause_us = vo_http_backoff_ms(attempt) * 1000;
	int64_t spent_us = engine_now_us(e) - since_us;

	if (attempt + 1 >= VO_HTTP_ATTEMPTS)
		return 0;
	if (spent_us + pause_us >= ENGINE_RETRY_BUDGET * (int64_t)e->cfg.stall_s * 1000000) {
		vo_warn("%s (not retried: %.1f s without progress; the budget is %d x io_timeout"
			" of %ld s)", msg, (double)spent_us / 1e6, ENGINE_RETRY_BUDGET, e->cfg.stall_s);
		return 0;
	}
	vo_warn("%s (retrying, attempt %d of %d)", msg, attempt + 2, VO_HTTP_ATTEMPTS);
	engine_count(&e->retries, 1);
	engine_sleep_us(e, pause_us);
	return 1;
}

void engine_sleep_us(const struct engine *e, int64_t us)
{
	if (e->cfg.sleep_us)
		e->cfg.sleep_us(us);
	else
		usleep((useconds_t)us);
}

void engine_count(int64_t *ctr, int64_t n)
{
	__atomic_add_fetch(ctr, n, __ATOMIC_RELAXED);
}

/* --- asking for blocks ------------------------------------------------------------ */

/* under o->mu: a block that may be asked for (absent, or failed long enough ago) */
static int askable(const struct obj *o, int64_t b)
{
	if (o->st[b] == BLK_ABSENT)
		return 1;
	return o->st[b] == BLK_FAILED &&
	       engine_now_us(o->eng) - o->fail_at >= OBJ_FAIL_MEMORY_US;
}

/* Under o->mu: ask for the missing blocks of [b0, b1) in requests of at
 * most PF_PART bytes; those before demand_end are demand, the rest
 * read-ahead (at most `room` of those).  The requests are put in out[] to
 * be submitted once the lock is dropped; returns how many. */
static int ask(struct obj *o, int64_t b0, int64_t b1, int64_t demand_end, int room,
	       struct req **out, int *ahead, int max)
{
	int64_t part = PF_PART / (int64_t)CACHE_BLOCK;
	int n = 0;

	if (b1 > o->nblk)
		b1 = o->nblk;
	for (int64_t b = b0; b < b1 && n < max;) {
		int64_t k = b;
		int demand = b < demand_end;
		if (!askable(o, b)) {
			b++;
			continue;
		}
		if (!demand && room <= 0)
			break;
		while (k < b1 && k - b < part && askable(o, k) && (k < demand_end) == demand)
			k++;
		if (!(out[n] = fetch_prepare(o, b, k)))
			break;
		ahead[n++] = !demand;
		if (!demand)
			room--;
		b = k;
	}
	return n;
}

/* Queue what ask() prepared (o->mu dropped meanwhile). */
static void submit(struct obj *o, struct req **r, const int *ahead, int n,
		   struct fetch_owner *ow)
{
	if (!n)
		return;
	pthread_mutex_unlock(&o->mu);
	for (int i = 0; i < n; i++)
		fetch_submit(o->eng, r[i], ow, ahead[i]);
	pthread_mutex_lock(&o->mu);
}

/* --- whole objects ------------------------------------------------------------- */

/* Under o->mu: start (or join) a stream of the whole object and wait for
 * its end.  0 when it completed; the error of the stream otherwise. */
static int whole_wait(struct obj *o, int (*interrupted)(void))
{
	struct engine *e = o->eng;
	int started = 0;
	int64_t t0 = engine_now_us(e);

	for (;;) {
		if (o->whole) {
			obj_wait(o, WAIT_SLICE_US);
			if (interrupted && interrupted())
				return -EINTR;
			continue;
		}
		if (started) {
			/* ours ended: complete, or failed (fail_at after we began) */
			if (o->size >= 0 && o->fail_at < t0)
				return 0;
			return o->fail_err ? o->fail_err : -EIO;
		}
		if (o->fail_err && engine_now_us(e) - o->fail_at < OBJ_FAIL_MEMORY_US)
			return o->fail_err;
		if (e->cfg.offline)
			return -ENETDOWN;
		{
			struct req *r = fetch_prepare_whole(o);
			if (!r)
				return -ENOMEM;
			engine_count(&e->misses, 1);
			pthread_mutex_unlock(&o->mu);
			fetch_submit(e, r, NULL, 0);
			pthread_mutex_lock(&o->mu);
			started = 1;
		}
	}
}

/* The errno a reader gets for a failed fetch (the fetch logged why). */
static int reader_errno(int rc)
{
	return rc == -ENODATA || rc == -EINTR || rc == -ENOENT || rc == -EACCES ||
	       rc == -ESTALE || rc == -ENETDOWN || rc == -ENOMEM ? rc : -EIO;
}

/* --- size discovery ------------------------------------------------------------ */

struct probe {
	struct xport_resp h;
	int got;
};

static int probe_start(void *ud, const struct xport_resp *h)
{
	struct probe *p = ud;

	p->h = *h;
	p->got = 1;
	return 0;
}

static int probe_once(struct engine *e, const char *url, struct db_obj *o, struct vo_err *err)
{
	struct probe p = {.got = 0};
	struct xport_req q = {
		.url = url, .from = 0, .to = 0, .stall_s = e->cfg.stall_s,
		.timeout_s = e->cfg.stall_s * 2, .start = probe_start, .ud = &p, .head_only = 1,
	};
	struct xport_resp h;
	long long a, b, total = -1;
	int rc;

	engine_count(&e->probes, 1);
	engine_count(&e->requests, 1);
	rc = e->cfg.xport->get(e->cfg.xport, &q, &h, err);
	if (rc)
		return rc;
	if (!p.got)
		p.h = h;
	if (h.status >= 400)
		return vo_err_set(err, vo_http_status_errno(h.status), "%s: %s", url, h.errtext);
	if (p.h.status == 204)
		return vo_err_set(err, ENODATA, "%s: HTTP 204, no content (for a cutout: the"
				  " region does not overlap the data)", url);
	if (p.h.status == 206) {
		if (vo_http_parse_range(p.h.content_range, &a, &b, &total) || total < 0)
			return vo_err_set(err, EPROTO, "%s: no usable size in Content-Range '%s'",
					  url, p.h.content_range);
		o->ranges = 1;
	} else if (p.h.status == 200) {
		o->ranges = 0;
		total = p.h.content_length;   /* -1: unknown, streamed on first read */
	} else {
		return vo_err_set(err, EPROTO, "%s: unexpected HTTP status %ld", url, p.h.status);
	}
	o->size = total;
	if (p.h.last_modified > 0) {
		o->mtime = (double)p.h.last_modified;
		o->last_modified = p.h.last_modified;
	}
	snprintf(o->ctype, sizeof o->ctype, "%s", p.h.content_type);
	snprintf(o->etag, sizeof o->etag, "%s", p.h.etag);
	return 0;
}

/* Learn size and validators with a one-byte ranged GET, retried. */
static int probe(struct engine *e, const char *url, struct db_obj *o, struct vo_err *err)
{
	int64_t since = engine_now_us(e);
	int rc = 0;

	for (int attempt = 0;; attempt++) {
		vo_err_clear(err);
		rc = probe_once(e, url, o, err);
		if (!rc || !vo_http_retryable(rc) || !engine_retry_pause(e, attempt, since, err->msg))
			break;
	}
	return rc;
}

/* Stream an object whose length nothing else tells, to learn it. */
static int learn_size_by_reading(struct engine *e, const char *url, int64_t *size)
{
	struct obj *o;
	int rc = obj_get(e, url, &o);

	if (rc)
		return rc;
	pthread_mutex_lock(&o->mu);
	rc = o->size >= 0 ? 0 : whole_wait(o, NULL);
	*size = o->size;
	pthread_mutex_unlock(&o->mu);
	obj_put(o);
	return rc;
}

/* Size and mtime from the store, else from the network.  A store that
 * cannot be written (a full disk) does not hide what the network said: the
 * answer is given, and learnt again next time. */
static int stat_in(struct engine *e, const char *url, int64_t known_size, int do_probe,
		   struct cache_stat *st, struct vo_err *err)
{
	struct db_obj o;
	int rc, stored;

	/* a live object knows (its row is never newer than it) */
	if (obj_peek(e, url, &st->size, &st->mtime))
		return 0;
	rc = db_obj_ensure(url, &o);
	stored = !rc;
	if (rc && (!do_probe || e->cfg.offline))
		return vo_err_set(err, -rc, "%s: cache store error", url);
	if (rc) {
		memset(&o, 0, sizeof o);
		o.size = -1;
		o.ranges = -1;
		o.last_modified = -1;
	}
	if (o.mtime <= 0 || (o.size < 0 && known_size >= 0)) {
		if (o.mtime <= 0)
			o.mtime = (double)time(NULL);
		if (o.size < 0 && known_size >= 0)
			o.size = known_size;
		if (stored && db_obj_update(&o))
			stored = 0;
	}
	if (o.size < 0 && o.ranges != 0 && do_probe && !e->cfg.offline) {
		double first_seen = o.mtime;
		int failed;
		/* a size the server refused a moment ago is not asked again
		 * (ls -l of many #preview links that answer 404) */
		pthread_mutex_lock(&e->tab_mu);
		failed = stored && engine_failure_find(e, o.oid, &rc, NULL, err->msg,
						       sizeof err->msg);
		pthread_mutex_unlock(&e->tab_mu);
		if (failed)
			return rc;
		rc = probe(e, url, &o, err);
		if (rc == -ENODATA) {
			vo_info("%s", err->msg);   /* the server's answer, not a failure */
			return rc;
		}
		if (rc) {
			vo_error("%s", err->msg);
			engine_count(&e->errors, 1);
			if (stored && rc != -EINTR) {
				pthread_mutex_lock(&e->tab_mu);
				engine_failure_note(e, o.oid, engine_now_us(e), rc, err->msg,
						    PROBE_FAIL_MEMORY_US);
				pthread_mutex_unlock(&e->tab_mu);
			}
			return rc;
		}
		if (o.mtime <= 0)
			o.mtime = first_seen;
		if (stored && db_obj_update(&o))
			stored = 0;
	}
	if (o.size < 0 && do_probe && !e->cfg.offline) {
		/* neither Range nor Content-Length: the length is known only by
		 * reading it all, and a size of 0 would be a lie (rsync copies
		 * st_size bytes, cmp -s compares sizes first): fetch it now */
		if ((rc = learn_size_by_reading(e, url, &o.size)) || o.size < 0)
			return vo_err_set(err, EIO, "%s: could not be read whole to learn its size",
					  url);
	}
	if (!stored)
		vo_warn("%s: the store could not keep its size (full?): it is asked again"
			" next time", url);
	st->size = o.size;
	st->mtime = o.mtime;
	return 0;
}

int cache_stat(const char *url, int64_t known_size, int do_probe, struct cache_stat *st,
	       struct vo_err *err)
{
	return stat_in(eng, url, known_size, do_probe, st, err);
}

int cache_failure(const char *url, char *msg, size_t n)
{
	struct db_obj o;
	int err, found;

	if (!eng || db_obj_get(url, &o))
		return 0;
	pthread_mutex_lock(&eng->tab_mu);
	found = engine_failure_find(eng, o.oid, &err, NULL, msg, n);
	pthread_mutex_unlock(&eng->tab_mu);
	return found;
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
	if (!m.ntodo || eng->cfg.offline)
		goto out;
	/* How many at once: a server that answers in a millisecond or two is
	 * busy, not far, and only slows down with more connections (DaCHS
	 * does); a distant one is waited for, and parallel requests hide the
	 * round trips.  The first probe's time tells which. */
	{
		struct vo_err err = {0};
		t0 = engine_now_us(eng);
		cache_stat(urls[todo[0]], -1, 1, &out[todo[0]], &err);
		us = engine_now_us(eng) - t0;
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
	int rc;

	if (!f)
		return -ENOMEM;
	if ((rc = obj_get(eng, url, &f->o))) {
		free(f);
		return rc;
	}
	f->e = eng;
	f->volatile_obj = volatile_obj;
	pthread_mutex_init(&f->mu, NULL);
	obj_open(f->o);
	pthread_mutex_lock(&f->o->mu);
	f->epoch = f->o->epoch;
	f->open_size = f->o->size;
	pthread_mutex_unlock(&f->o->mu);
	*out = f;
	return 0;
}

void cache_close(struct cache_file *f)
{
	if (!f)
		return;
	/* what it asked for and nobody else waits for is of no more use */
	fetch_cancel_owned(f->e, &f->ow, 0, 0);
	obj_close(f->o);
	obj_put(f->o);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

/* under o->mu: is this file still reading the object's current version?
 * A file that has handed out nothing moves on to the new version when the
 * kernel was told no size for it (unknown then, or generated per request
 * and read with direct_io); any other gets -ESTALE. */
static int same_version(struct cache_file *f)
{
	struct obj *o = f->o;

	if (o->epoch == f->epoch)
		return 0;
	if (!f->served && (f->open_size < 0 || f->volatile_obj)) {
		f->epoch = o->epoch;
		return 0;
	}
	return -ESTALE;
}

/* under o->mu: must the object be streamed whole before this read? */
static int needs_stream(struct cache_file *f, int64_t b0, int64_t b1)
{
	struct obj *o = f->o;

	if (o->size < 0)
		return 1;
	if (!f->volatile_obj && o->ranges != 0)
		return 0;
	for (int64_t b = b0; b < b1 && b < o->nblk; b++)
		if (o->st[b] != BLK_MEM && o->st[b] != BLK_STORED)
			return 1;
	return 0;
}

/* The window: what this read and the ones after it will want. */
static void plan(struct cache_file *f, off_t off, size_t size, int64_t fsize,
		 int64_t *want0, int64_t *want1, int *room)
{
	int64_t from, to;
	int seek;

	pthread_mutex_lock(&f->mu);
	seek = pf_read(&f->pf, off, (int64_t)size, fsize, &from, &to);
	if (off == f->next_off && off > 0)
		f->seq_bytes += (int64_t)size;
	else
		f->seq_bytes = (int64_t)size;
	f->next_off = off + (off_t)size;
	pthread_mutex_unlock(&f->mu);
	*want0 = from / (int64_t)CACHE_BLOCK;
	*want1 = obj_nblocks(to);
	if (seek)
		fetch_cancel_owned(f->e, &f->ow, *want0, *want1);
	*room = PF_MAX_REQS - fetch_owned(f->e, &f->ow);
}

/* Under o->mu: copy block b's bytes [boff, boff+n) into buf.  1 when
 * copied, 0 when the block is not here (the caller asks or waits), or a
 * negative errno. */
static int copy_block(struct cache_file *f, int64_t b, size_t boff, char *buf, size_t n)
{
	struct obj *o = f->o;
	ssize_t got;
	int64_t oid = o->oid;

	if ((o->st[b] == BLK_MEM || o->st[b] == BLK_STORED) && o->mem[b]) {
		/* copied unlocked: a reference keeps the buffer */
		struct blkbuf *bb = o->mem[b];
		blkbuf_get(bb);
		pthread_mutex_unlock(&o->mu);
		memcpy(buf, bb->data + boff, n);
		blkbuf_put(bb);
		pthread_mutex_lock(&o->mu);
		engine_count(&f->e->hits, 1);
		return 1;
	}
	if (o->st[b] != BLK_STORED)
		return 0;
	/* a live object's stored blocks are never evicted: read unlocked */
	pthread_mutex_unlock(&o->mu);
	got = db_block_read(oid, b, boff, buf, n);
	pthread_mutex_lock(&o->mu);
	if (got == -ENOENT || (got >= 0 && o->st[b] != BLK_STORED)) {
		if (o->st[b] == BLK_STORED)
			o->st[b] = BLK_ABSENT;
		return 0;
	}
	if (got < 0)
		return -EIO;
	if ((size_t)got != n) {
		vo_error("%s: stored block %" PRId64 " is short (%zd of %zu bytes)", o->url, b,
			 got, n);
		return -EIO;
	}
	engine_count(&f->e->hits, 1);
	return 1;
}

/* Under o->mu: read [off, off+size) (within the object) into buf. */
static ssize_t read_blocks(struct cache_file *f, char *buf, size_t size, off_t off,
			   int (*interrupted)(void), int64_t want0, int64_t want1, int room)
{
	struct obj *o = f->o;
	int64_t first_b = off / (off_t)CACHE_BLOCK, last_b = (off + (off_t)size - 1) / (off_t)CACHE_BLOCK;
	struct req *reqs[16];
	int ahead[16];
	size_t done_n = 0;
	int n, rc, waited = 0;

	/* ask for the window once: what this read needs, then read-ahead */
	if (!f->volatile_obj && o->ranges != 0 && !f->e->cfg.offline) {
		n = ask(o, want0 < first_b ? want0 : first_b, want1 > last_b + 1 ? want1 : last_b + 1,
			last_b + 1, room, reqs, ahead, 16);
		submit(o, reqs, ahead, n, &f->ow);
	}
	for (int64_t b = first_b; b <= last_b;) {
		size_t boff = b == first_b ? (size_t)(off - b * (off_t)CACHE_BLOCK) : 0;
		size_t want = size - done_n;

		if ((rc = same_version(f)))
			return rc;
		if (want > CACHE_BLOCK - boff)
			want = CACHE_BLOCK - boff;
		if (b >= o->nblk)
			return -EIO;
		rc = copy_block(f, b, boff, buf + done_n, want);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			done_n += want;
			b++;
			continue;
		}
		if (o->st[b] == BLK_FLIGHT) {
			if (!waited++)
				engine_count(&f->e->misses, 1);
			obj_wait(o, WAIT_SLICE_US);
			if (interrupted && interrupted())
				return -EINTR;
			continue;
		}
		if (o->st[b] == BLK_FAILED && !askable(o, b))
			return reader_errno(o->fail_err);
		if (f->e->cfg.offline) {
			vo_warn("%s: offline, bytes from %" PRId64 " not cached", o->url,
				b * (int64_t)CACHE_BLOCK);
			return -ENETDOWN;
		}
		if (f->volatile_obj || o->ranges == 0) {
			/* evicted, or its commit failed: stream it again */
			if ((rc = whole_wait(o, interrupted)))
				return reader_errno(rc);
			continue;
		}
		/* absent (a request was cancelled, or a commit failed): ask */
		n = ask(o, b, last_b + 1, last_b + 1, 0, reqs, ahead, 16);
		if (!n)
			return -ENOMEM;
		submit(o, reqs, ahead, n, &f->ow);
	}
	return (ssize_t)done_n;
}

ssize_t cache_read(struct cache_file *f, char *buf, size_t size, off_t off,
		   int (*interrupted)(void))
{
	struct obj *o = f->o;
	int64_t fsize, want0, want1;
	ssize_t got = 0;
	int room, rc;

	pthread_mutex_lock(&o->mu);
	if ((rc = same_version(f)))
		goto out;
	if (needs_stream(f, off / (off_t)CACHE_BLOCK,
			 (off + (off_t)size + (off_t)CACHE_BLOCK - 1) / (off_t)CACHE_BLOCK)) {
		if (f->e->cfg.offline && o->size < 0) {
			rc = -ENETDOWN;
			goto out;
		}
		if (o->size < 0 || off < o->size) {
			if ((rc = whole_wait(o, interrupted))) {
				rc = reader_errno(rc);
				goto out;
			}
			if ((rc = same_version(f)))
				goto out;
		}
	}
	fsize = o->size;
	if (off >= fsize) {
		rc = 0;
		goto out;
	}
	if ((int64_t)size > fsize - off)
		size = (size_t)(fsize - off);
	pthread_mutex_unlock(&o->mu);

	plan(f, off, size, fsize, &want0, &want1, &room);

	pthread_mutex_lock(&o->mu);
	got = read_blocks(f, buf, size, off, interrupted, want0, want1, room);
	if (got > 0) {
		o->atime_us = clock_us();
		f->served += got;
		pthread_mutex_lock(&f->mu);
		if (!f->copied && f->seq_bytes == fsize && off + got == fsize)
			f->copied = 1;
		pthread_mutex_unlock(&f->mu);
	}
	rc = (int)(got < 0 ? got : 0);
out:
	pthread_mutex_unlock(&o->mu);
	if (rc == -ESTALE)
		vo_error("%s: changed on the server since it was opened: read at %lld fails"
			 " (ESTALE); open it again", o->url, (long long)off);
	return rc ? rc : got;
}

int cache_file_complete(struct cache_file *f)
{
	struct obj *o = f->o;
	int all;

	pthread_mutex_lock(&o->mu);
	all = o->size >= 0 && o->epoch == f->epoch;
	for (int64_t b = 0; all && b < o->nblk; b++)
		all = o->st[b] == BLK_MEM || o->st[b] == BLK_STORED;
	pthread_mutex_unlock(&o->mu);
	return all;
}

int64_t cache_file_size(struct cache_file *f)
{
	int64_t size;

	pthread_mutex_lock(&f->o->mu);
	size = f->o->epoch == f->epoch ? f->o->size : -1;
	pthread_mutex_unlock(&f->o->mu);
	return size;
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
	struct req *reqs[16];
	int ahead[16];
	struct obj *o;
	int n = 0;

	if (eng->cfg.offline || obj_get(eng, url, &o))
		return;
	pthread_mutex_lock(&o->mu);
	/* in a small cache, fetching ahead would push out what was just read */
	if (o->size > 0 && o->size <= max_bytes && o->ranges != 0 &&
	    (eng->cfg.limit <= 0 || o->size <= eng->cfg.limit / 8) &&
	    !(o->st[0] == BLK_FAILED && !askable(o, 0)))
		n = ask(o, 0, o->nblk, 0, 16, reqs, ahead, 16);
	submit(o, reqs, ahead, n, NULL);
	pthread_mutex_unlock(&o->mu);
	obj_put(o);
}

void cache_counters(struct cache_counters *c)
{
	struct store_counters sc = {0};

	memset(c, 0, sizeof *c);
	if (!eng)
		return;
	if (eng->store)
		store_counters(eng->store, &sc);
	c->limit = eng->cfg.limit;
	c->used = sc.used;
	c->evicted = sc.evicted;
	c->commit_errors = sc.commit_errors;
#define LOAD(x) __atomic_load_n(&eng->x, __ATOMIC_RELAXED)
	c->hits = LOAD(hits);
	c->misses = LOAD(misses);
	c->bytes_fetched = LOAD(bytes_fetched);
	c->requests = LOAD(requests);
	c->retries = LOAD(retries);
	c->errors = LOAD(errors);
	c->probes = LOAD(probes);
	c->cancelled = LOAD(cancelled);
#undef LOAD
}

struct engine *cache_engine(void)
{
	return eng;
}

int cache_init_cfg(const struct engine_cfg *cfg)
{
	struct engine *e = calloc(1, sizeof *e);
	int rc;

	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	if (!e->cfg.xport)
		e->cfg.xport = xport_http();
	if (e->cfg.stall_s <= 0)
		e->cfg.stall_s = 60;
	pthread_mutex_init(&e->tab_mu, NULL);
	pthread_mutex_init(&e->q_mu, NULL);
	clock_cond_init(&e->q_cv);
	if ((rc = store_start(&e->store, e->cfg.limit, obj_is_live, e)))
		goto fail;
	if ((rc = fetch_start(e))) {
		store_stop(e->store);
		goto fail;
	}
	eng = e;
	return 0;
fail:
	pthread_cond_destroy(&e->q_cv);
	pthread_mutex_destroy(&e->q_mu);
	pthread_mutex_destroy(&e->tab_mu);
	free(e);
	return rc;
}

int cache_init(int64_t limit, int offline, double timeout_s)
{
	struct engine_cfg cfg = {
		.limit = limit, .offline = offline,
		.stall_s = timeout_s > 0 ? (long)timeout_s : 60,
	};

	/* blocks are 256 KiB: keep them on the heap, not each in an mmap()
	 * of its own (zeroed pages and a page fault per 4 KiB, every time) */
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
	return cache_init_cfg(&cfg);
}

void cache_shutdown(void)
{
	struct engine *e = eng;

	if (!e)
		return;
	fetch_stop(e);
	obj_idle_off(e);
	/* requests held objects; what is left live belongs to nobody now */
	store_stop(e->store);
	e->store = NULL;
	while (e->live.head) {
		struct obj *o = list_item(e->live.head, struct obj, live);
		vo_warn("%s: still referenced at shutdown", o->url);
		list_remove(&e->live, &o->live);
	}
	pthread_cond_destroy(&e->q_cv);
	pthread_mutex_destroy(&e->q_mu);
	pthread_mutex_destroy(&e->tab_mu);
	free(e);
	eng = NULL;
}
