/* tests/unit/test_engine.c - the block engine (fs/cache.c, object.c,
 * fetch.c, prefetch.c, store.c) with a fake transport and a test clock:
 * no network, no sleeps that stand for synchronisation.  The store is a
 * real SQLite file in a temporary directory.
 *
 * The fake serves objects from memory: with or without Range, with an ETag
 * that changes when a test swaps the body, and with a gate that holds
 * chosen requests until the test opens it or the engine cancels them.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "cache.h"
#include "check.h"
#include "db.h"
#include "engine.h"
#include "http.h"
#include "object.h"
#include "prefetch.h"
#include "store.h"
#include "xport.h"

#define MAXOBJ 24

static void test_sleep(int64_t us);

struct fobj {
	char url[64];
	char *data;
	size_t len;
	char etag[64];
	int ranges;             /* answers 206 to a range */
	int length_known;       /* sends Content-Length on a 200 */
	int fail;               /* answer this many requests with a reset */
	int stall;              /* ... with a stall: stall_s pass, then a timeout */
	int64_t hold_from;      /* requests from this byte on wait for the gate */
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct fobj o[MAXOBJ];
	int n;
	int gate_open;
	int held;               /* requests waiting at the gate */
	int64_t requests;
	int cancelled;          /* requests that ended by the engine's cancel */
	int64_t bytes;
	int64_t last_from;
} fk = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static struct fobj *fake_add(const char *url, size_t len, unsigned seed)
{
	struct fobj *o;

	if (fk.n == MAXOBJ) {
		fprintf(stderr, "fake_add: more than %d objects: raise MAXOBJ\n", MAXOBJ);
		exit(2);
	}
	o = &fk.o[fk.n++];
	memset(o, 0, sizeof *o);
	snprintf(o->url, sizeof o->url, "%s", url);
	o->data = malloc(len ? len : 1);
	for (size_t i = 0; i < len; i++)
		o->data[i] = (char)((i * 31 + seed * 7 + i / 4096) & 0xff);
	o->len = len;
	snprintf(o->etag, sizeof o->etag, "\"v%u\"", seed);
	o->ranges = 1;
	o->length_known = 1;
	o->hold_from = -1;
	return o;
}

static struct fobj *fake_find(const char *url)
{
	for (int i = 0; i < fk.n; i++)
		if (strcmp(fk.o[i].url, url) == 0)
			return &fk.o[i];
	return NULL;
}

static int fake_get(struct xport *x, const struct xport_req *q, struct xport_resp *r,
		    struct vo_err *err)
{
	struct fobj *o;
	int64_t from = 0, to;
	int rc = 0;

	(void)x;
	memset(r, 0, sizeof *r);
	r->content_length = -1;
	r->last_modified = -1;
	pthread_mutex_lock(&fk.mu);
	fk.requests++;
	o = fake_find(q->url);
	if (!o) {
		pthread_mutex_unlock(&fk.mu);
		r->status = 404;
		snprintf(r->errtext, sizeof r->errtext, "HTTP 404: no such object");
		return 0;
	}
	if (o->fail > 0) {
		o->fail--;
		pthread_mutex_unlock(&fk.mu);
		return vo_err_set(err, ECONNRESET, "GET %s: connection reset (fake)", q->url);
	}
	if (o->stall > 0) {
		o->stall--;
		pthread_mutex_unlock(&fk.mu);
		test_sleep(q->stall_s * 1000000);
		return vo_err_set(err, ETIMEDOUT, "GET %s: stalled (fake)", q->url);
	}
	to = (int64_t)o->len - 1;
	snprintf(r->etag, sizeof r->etag, "%s", o->etag);
	snprintf(r->content_type, sizeof r->content_type, "application/fits");
	if (q->from >= 0 && o->ranges &&
	    !(q->if_range && strcmp(q->if_range, o->etag) != 0)) {
		from = q->from;
		if (q->to >= 0 && q->to < to)
			to = q->to;
		r->status = 206;
		snprintf(r->content_range, sizeof r->content_range, "bytes %lld-%lld/%zu",
			 (long long)from, (long long)to, o->len);
		r->content_length = to - from + 1;
	} else {
		r->status = 200;
		if (o->length_known)
			r->content_length = (int64_t)o->len;
	}
	fk.last_from = from;
	/* the gate: hold chosen requests until opened or cancelled */
	if (o->hold_from >= 0 && from >= o->hold_from) {
		fk.held++;
		pthread_cond_broadcast(&fk.cv);
		while (!fk.gate_open) {
			pthread_mutex_unlock(&fk.mu);
			if (q->cancel && q->cancel(q->ud)) {
				pthread_mutex_lock(&fk.mu);
				fk.held--;
				fk.cancelled++;
				pthread_mutex_unlock(&fk.mu);
				return vo_err_set(err, ECANCELED, "GET %s: cancelled", q->url);
			}
			usleep(1000);
			pthread_mutex_lock(&fk.mu);
		}
		fk.held--;
	}
	pthread_mutex_unlock(&fk.mu);
	if (q->start && (rc = q->start(q->ud, r)))
		return rc;
	if (q->head_only)
		return 0;
	/* the body in 64 KiB pieces, as a socket would */
	for (int64_t p = from; p <= to && !rc;) {
		size_t n = (size_t)(to + 1 - p) < 65536 ? (size_t)(to + 1 - p) : 65536;
		if (q->cancel && q->cancel(q->ud))
			return vo_err_set(err, ECANCELED, "GET %s: cancelled", q->url);
		/* counted before the engine sees them: a reader may return at once */
		pthread_mutex_lock(&fk.mu);
		fk.bytes += (int64_t)n;
		pthread_mutex_unlock(&fk.mu);
		rc = q->sink(q->ud, o->data + p, n);
		p += (int64_t)n;
	}
	return rc;
}

static struct xport fake = {.get = fake_get};

/* the test clock: moves only when a test says so (backoff sleeps add to it) */
static int64_t clock_now = 1000000;
static int64_t test_now(void)
{
	return __atomic_load_n(&clock_now, __ATOMIC_RELAXED);
}
static void test_sleep(int64_t us)
{
	__atomic_add_fetch(&clock_now, us, __ATOMIC_RELAXED);
}

static void fake_reset_counts(void)
{
	pthread_mutex_lock(&fk.mu);
	fk.requests = 0;
	fk.bytes = 0;
	fk.cancelled = 0;
	pthread_mutex_unlock(&fk.mu);
}

/* a counter of the fake, read under its lock */
static int64_t fake_count(const int64_t *c)
{
	int64_t n;
	pthread_mutex_lock(&fk.mu);
	n = *c;
	pthread_mutex_unlock(&fk.mu);
	return n;
}

#define fake_requests() fake_count(&fk.requests)
#define fake_bytes() fake_count(&fk.bytes)

/* wait (bounded) until at least n requests are held at the gate (n > 0),
 * or none is (n == 0) */
static int wait_held(int n)
{
	int ok = 0;

	pthread_mutex_lock(&fk.mu);
	for (int i = 0; i < 5000 && !(ok = n ? fk.held >= n : fk.held == 0); i++) {
		pthread_mutex_unlock(&fk.mu);
		usleep(1000);
		pthread_mutex_lock(&fk.mu);
	}
	pthread_mutex_unlock(&fk.mu);
	return ok;
}

static void gate(int open)
{
	pthread_mutex_lock(&fk.mu);
	fk.gate_open = open;
	pthread_mutex_unlock(&fk.mu);
}

static ssize_t read_at(const char *url, char *buf, size_t n, off_t off)
{
	struct cache_file *f;
	ssize_t got;
	int rc = cache_open(url, 0, &f);

	if (rc)
		return rc;
	got = cache_read(f, buf, n, off, NULL);
	cache_close(f);
	return got;
}

static int64_t stat_size(const char *url)
{
	struct cache_stat st;
	struct vo_err err = {0};
	int rc = cache_stat(url, -1, 1, &st, &err);

	return rc ? rc : st.size;
}

/* --- the read window (pure policy) ------------------------------------------ */

static void test_window(void)
{
	struct pf p = {0};
	int64_t from, to;

	/* a header read asks for what was read */
	CHECK_INT(pf_read(&p, 0, 2880, 16 << 20, &from, &to), 0);
	CHECK_INT(from, 0);
	CHECK_INT(to, 2880);
	/* sequential reads widen the window, up to its cap */
	pf_read(&p, 2880, 4096, 16 << 20, &from, &to);
	CHECK_INT(to - (2880 + 4096), PF_WIN_FIRST);
	for (int i = 0; i < 20; i++)
		pf_read(&p, p.next_off, 4096, (int64_t)1 << 40, &from, &to);
	CHECK_INT(to - p.next_off, PF_WIN_MAX);
	/* a jump is a seek: the window starts over */
	CHECK_INT(pf_read(&p, (int64_t)1 << 35, 65536, (int64_t)1 << 40, &from, &to), 1);
	CHECK_INT(to - from, 65536);
	/* the end of the file bounds the window */
	pf_read(&p, ((int64_t)1 << 35) + 65536, 65536, ((int64_t)1 << 35) + 100000, &from, &to);
	CHECK_INT(to, ((int64_t)1 << 35) + 100000);
	/* a short step back is not a seek (readers overlap a little) */
	CHECK_INT(pf_read(&p, ((int64_t)1 << 35) + 60000, 4096, (int64_t)1 << 40, &from, &to), 0);
}

/* --- reads fetch what they need ---------------------------------------------- */

static void test_small_reads(void)
{
	const char *url = "http://fake/ffi.fits";
	struct fobj *o = fake_add(url, 16 << 20, 1);
	char *buf = malloc(1 << 20);
	int64_t b0;

	CHECK_INT(stat_size(url), 16 << 20);
	fake_reset_counts();
	/* a FITS header: one block */
	CHECK_INT(read_at(url, buf, 2880, 0), 2880);
	CHECK_MEM(buf, 2880, o->data, 2880);
	CHECK(fake_bytes() <= 256 << 10);
	CHECK_INT(fake_requests(), 1);
	/* 64 KiB at 15 MiB of a cold part: one block, not the stream there */
	b0 = fake_bytes();
	CHECK_INT(read_at(url, buf, 65536, 15 << 20), 65536);
	CHECK_MEM(buf, 65536, o->data + (15 << 20), 65536);
	CHECK(fake_bytes() - b0 <= 512 << 10);
	CHECK_INT(fk.last_from, 15 << 20);
	/* read again: from the store or memory, no request */
	b0 = fake_requests();
	CHECK_INT(read_at(url, buf, 2880, 0), 2880);
	CHECK_INT(fake_requests(), b0);
	free(buf);
}

static void test_sequential(void)
{
	const char *url = "http://fake/lc.fits";
	struct fobj *o = fake_add(url, (2 << 20) + 12345, 2);
	struct cache_file *f;
	char *buf = malloc(o->len);
	size_t done = 0;

	CHECK_INT(stat_size(url), (int64_t)o->len);
	fake_reset_counts();
	CHECK_INT(cache_open(url, 0, &f), 0);
	while (done < o->len) {
		ssize_t n = cache_read(f, buf + done, 131072, (off_t)done, NULL);
		if (!CHECK(n > 0))
			break;
		done += (size_t)n;
	}
	CHECK_INT(cache_file_copied(f), 1);
	cache_close(f);
	CHECK_MEM(buf, o->len, o->data, o->len);
	/* every byte once, in a few requests (the window grows) */
	CHECK_INT(fake_bytes(), (int64_t)o->len);
	CHECK(fake_requests() <= 4);
	free(buf);
}

/* --- concurrent readers, seeks, cancellation --------------------------------- */

struct reader {
	const char *url;
	off_t off;
	size_t n;
	char *buf;
	ssize_t got;
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;

	r->got = read_at(r->url, r->buf, r->n, r->off);
	return NULL;
}

static void test_one_request_for_two_readers(void)
{
	const char *url = "http://fake/shared.fits";
	struct fobj *o = fake_add(url, 1 << 20, 3);
	struct reader a = {.url = url, .off = 1000, .n = 4000}, b = a;
	pthread_t ta, tb;

	CHECK_INT(stat_size(url), 1 << 20);
	a.buf = malloc(a.n);
	b.buf = malloc(b.n);
	o->hold_from = 0;
	gate(0);
	fake_reset_counts();
	pthread_create(&ta, NULL, reader_main, &a);
	CHECK(wait_held(1));
	pthread_create(&tb, NULL, reader_main, &b);
	usleep(20000);   /* give b the chance to (wrongly) ask again */
	gate(1);
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	CHECK_INT(a.got, 4000);
	CHECK_INT(b.got, 4000);
	CHECK_MEM(a.buf, 4000, o->data + 1000, 4000);
	CHECK_MEM(b.buf, 4000, o->data + 1000, 4000);
	CHECK_INT(fake_requests(), 1);
	o->hold_from = -1;
	free(a.buf);
	free(b.buf);
}

/* One origin whose server hangs holds at most nworkers - 2 fetch threads
 * (here 4 - 2): a read from another origin goes on meanwhile. */
static void test_host_isolation(void)
{
	static const char *slow[4] = {"http://slow.example/a.fits", "http://slow.example/b.fits",
				      "http://slow.example/c.fits", "http://slow.example/d.fits"};
	const char *fast = "http://fast.example/e.fits";
	struct fobj *so[4], *fo = fake_add(fast, 1 << 20, 31);
	struct reader rd[4], rf = {.url = fast, .off = 0, .n = 4096};
	pthread_t th[4], tf;
	int done = 0;

	CHECK_INT(stat_size(fast), 1 << 20);
	for (int i = 0; i < 4; i++) {
		so[i] = fake_add(slow[i], 1 << 20, 32 + (unsigned)i);
		CHECK_INT(stat_size(slow[i]), 1 << 20);
		so[i]->hold_from = 0;
	}
	gate(0);
	for (int i = 0; i < 4; i++) {
		rd[i] = (struct reader){.url = slow[i], .off = 0, .n = 4096, .buf = malloc(4096)};
		pthread_create(&th[i], NULL, reader_main, &rd[i]);
	}
	CHECK(wait_held(2));
	rf.buf = malloc(4096);
	pthread_create(&tf, NULL, reader_main, &rf);
	/* (bounded: with every worker held the read would wait for the gate) */
	for (int i = 0; i < 3000 && !done; i++) {
		usleep(1000);
		done = __atomic_load_n(&rf.got, __ATOMIC_RELAXED) != 0;
	}
	CHECK(done);
	pthread_mutex_lock(&fk.mu);
	CHECK_INT(fk.held, 2);   /* the slow origin's cap */
	pthread_mutex_unlock(&fk.mu);
	gate(1);
	pthread_join(tf, NULL);
	CHECK_INT(rf.got, 4096);
	CHECK_MEM(rf.buf, 4096, fo->data, 4096);
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		CHECK_INT(rd[i].got, 4096);
		CHECK_MEM(rd[i].buf, 4096, so[i]->data, 4096);
		so[i]->hold_from = -1;
		free(rd[i].buf);
	}
	free(rf.buf);
}

static void test_seek_cancels(void)
{
	const char *url = "http://fake/big.fits";
	struct fobj *o = fake_add(url, 64 << 20, 4);
	struct cache_file *f;
	char *buf = malloc(1 << 20);
	off_t off = 0;

	CHECK_INT(stat_size(url), 64 << 20);
	/* read-ahead beyond 2 MiB is held: the reader leaves before it comes */
	o->hold_from = 2 << 20;
	gate(0);
	fake_reset_counts();
	CHECK_INT(cache_open(url, 0, &f), 0);
	for (int i = 0; i < 8; i++, off += 131072)
		CHECK_INT(cache_read(f, buf, 131072, off, NULL), 131072);
	CHECK(wait_held(1));
	/* a seek far away: a new request there, the held ones cancelled */
	o->hold_from = -1;
	CHECK_INT(cache_read(f, buf, 65536, 40 << 20, NULL), 65536);
	CHECK_MEM(buf, 65536, o->data + (40 << 20), 65536);
	CHECK_INT(fk.last_from, 40 << 20);
	CHECK(wait_held(0));
	pthread_mutex_lock(&fk.mu);
	CHECK(fk.cancelled >= 1);
	CHECK_INT(fk.held, 0);
	pthread_mutex_unlock(&fk.mu);
	cache_close(f);
	gate(1);
	free(buf);
}

/* --- validators ----------------------------------------------------------------- */

static void test_changed_object(void)
{
	const char *url = "http://fake/changing.fits";
	struct fobj *o = fake_add(url, 4 << 20, 5);
	struct cache_file *f;
	char buf[4096];

	CHECK_INT(stat_size(url), 4 << 20);
	CHECK_INT(cache_open(url, 0, &f), 0);
	CHECK_INT(cache_read(f, buf, sizeof buf, 0, NULL), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	/* the server's file changes: same size, new bytes and ETag */
	for (size_t i = 0; i < o->len; i++)
		o->data[i] ^= 0x5a;
	snprintf(o->etag, sizeof o->etag, "\"v5b\"");
	/* the open file must not get bytes of the new version */
	CHECK_INT(cache_read(f, buf, sizeof buf, 3 << 20, NULL), -ESTALE);
	CHECK_INT(cache_read(f, buf, sizeof buf, 3 << 20, NULL), -ESTALE);
	cache_close(f);
	/* the next open reads the new version, the first bytes included */
	CHECK_INT(stat_size(url), 4 << 20);
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	CHECK_INT(read_at(url, buf, sizeof buf, 3 << 20), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data + (3 << 20), sizeof buf);
}

/* --- failures -------------------------------------------------------------------- */

static void test_failed_commit(void)
{
	const char *url = "http://fake/nospace.fits";
	struct fobj *o = fake_add(url, 1 << 20, 6);
	struct engine *e = cache_engine();
	char buf[8192];

	struct store_counters sc0, sc;

	CHECK_INT(stat_size(url), 1 << 20);
	store_flush(e->store);
	store_counters(e->store, &sc0);
	store_fail_commits(e->store, 1);
	fake_reset_counts();
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	/* (the reader may return before the fetch thread queued the block) */
	for (int i = 0; i < 2000; i++) {
		store_flush(e->store);
		store_counters(e->store, &sc);
		if (sc.commit_errors > sc0.commit_errors)
			break;
		usleep(1000);
	}
	CHECK_INT(sc.commit_errors, sc0.commit_errors + 1);
	{
		struct db_obj row;
		CHECK_INT(db_obj_get(url, &row), 0);
		CHECK_INT(db_block_exists(row.oid, 0), 0);
	}
	/* the block is missing, not stored: the next read fetches it again */
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	CHECK_INT(fake_requests(), 2);
	{
		struct db_obj row;
		int there = 0;
		CHECK_INT(db_obj_get(url, &row), 0);
		for (int i = 0; i < 2000 && !there; i++) {
			store_flush(e->store);
			if (!(there = db_block_exists(row.oid, 0) == 1))
				usleep(1000);
		}
		CHECK(there);
	}
}

static void test_streamed_unknown_length(void)
{
	const char *url = "http://fake/generated.fits";
	struct fobj *o = fake_add(url, 700000, 7);
	struct engine *e = cache_engine();
	char *buf = malloc(o->len);

	o->ranges = 0;
	o->length_known = 0;
	/* a failed commit of the whole stream: the size is still never 0 */
	store_flush(e->store);
	store_fail_commits(e->store, 3);
	CHECK_INT(stat_size(url), 700000);
	store_flush(e->store);
	CHECK_INT(stat_size(url), 700000);
	CHECK_INT(read_at(url, buf, o->len, 0), 700000);
	CHECK_MEM(buf, o->len, o->data, o->len);
	free(buf);
}

static void test_failure_remembered(void)
{
	const char *url = "http://fake/broken.fits";
	struct fobj *o = fake_add(url, 1 << 20, 8);
	char buf[4096];
	int n;

	CHECK_INT(stat_size(url), 1 << 20);
	o->fail = 100;
	fake_reset_counts();
	CHECK_INT(read_at(url, buf, sizeof buf, 0), -EIO);
	n = fake_requests();
	/* fast failures: every attempt fits in the budget (2 x stall_s) */
	CHECK_INT(n, VO_HTTP_ATTEMPTS);
	/* at once again: the failure is remembered, no new request cycle */
	CHECK_INT(read_at(url, buf, sizeof buf, 0), -EIO);
	CHECK_INT(fake_requests(), n);
	/* later (on the engine's clock) the server works again */
	o->fail = 0;
	test_sleep(OBJ_FAIL_MEMORY_US);
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
}

/* A size the server refused (a #preview answering 404) is remembered:
 * stats fail at once with the same answer, cache_failure gives it, and
 * after PROBE_FAIL_MEMORY_US the server is asked again. */
static void test_refused_size_remembered(void)
{
	const char *url = "http://fake/no-preview.png";
	char msg[256] = "";
	int64_t rc;

	fake_reset_counts();
	rc = stat_size(url);
	CHECK(rc < 0);
	CHECK_INT(fake_requests(), 1);
	CHECK_INT(stat_size(url), rc);
	CHECK_INT(fake_requests(), 1);
	CHECK_INT(cache_failure(url, msg, sizeof msg), 1);
	CHECK(strstr(msg, "404") != NULL);
	CHECK_INT(cache_failure("http://fake/never-asked.png", msg, sizeof msg), 0);
	test_sleep(PROBE_FAIL_MEMORY_US);
	CHECK_INT(stat_size(url), rc);
	CHECK_INT(fake_requests(), 2);
}

/* --- idle objects ------------------------------------------------------------- */

static int idle_has(struct engine *e, const char *url)
{
	int found = 0;

	pthread_mutex_lock(&e->tab_mu);
	for (struct list_link *l = e->idle.head; l && !found; l = l->next)
		found = strcmp(list_item(l, struct obj, idle)->url, url) == 0;
	pthread_mutex_unlock(&e->tab_mu);
	return found;
}

/* wait (bounded) until the writer has let go of url's object */
static int wait_idle(struct engine *e, const char *url)
{
	int idle = 0;

	for (int i = 0; i < 2000 && !(idle = idle_has(e, url)); i++) {
		store_flush(e->store);
		usleep(1000);
	}
	return idle;
}

/* A closed object stays live, idle: opened and stat'ed again it is the
 * same state, bytes served with no request; the store's eviction ends
 * that (obj_is_live says no, so its blocks may go) and the next open
 * loads it from the store again, its bytes intact. */
static void test_idle_objects(void)
{
	const char *url = "http://fake/idle.fits";
	struct fobj *o = fake_add(url, 1 << 20, 10);
	struct engine *e = cache_engine();
	struct db_obj row;
	char buf[8192];

	store_flush(e->store);
	store_fail_commits(e->store, 0);   /* (what earlier tests left) */
	CHECK_INT(stat_size(url), 1 << 20);
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK(wait_idle(e, url));
	fake_reset_counts();
	CHECK_INT(stat_size(url), 1 << 20);
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	CHECK_INT(fake_requests(), 0);
	CHECK(wait_idle(e, url));
	CHECK_INT(db_obj_get(url, &row), 0);
	CHECK_INT(obj_is_live(e, row.oid), 0);
	CHECK(!idle_has(e, url));
	CHECK_INT(read_at(url, buf, sizeof buf, 4096), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data + 4096, sizeof buf);
	CHECK_INT(fake_requests(), 0);
	/* an open one is live for the eviction, idle or not before */
	{
		struct cache_file *f;
		CHECK(wait_idle(e, url));
		CHECK_INT(cache_open(url, 0, &f), 0);
		CHECK_INT(obj_is_live(e, row.oid), 1);
		cache_close(f);
	}
}

/* A server that stops sending: cut after stall_s, retried once, then the
 * read fails (its wait stays within 3 x stall_s); one that resets at once
 * is retried. */
static void test_retry_budget(void)
{
	const char *url = "http://fake/stalls.fits";
	struct fobj *o = fake_add(url, 1 << 20, 9);
	char buf[4096];
	int64_t t0;

	CHECK_INT(stat_size(url), 1 << 20);
	o->stall = 100;
	fake_reset_counts();
	t0 = test_now();
	CHECK_INT(read_at(url, buf, sizeof buf, 0), -EIO);
	CHECK_INT(fake_requests(), 2);
	CHECK(test_now() - t0 <= 3 * 5 * 1000000);
	o->stall = 0;
	test_sleep(OBJ_FAIL_MEMORY_US);
	/* a reset, then the bytes */
	o->fail = 1;
	fake_reset_counts();
	CHECK_INT(read_at(url, buf, sizeof buf, 0), (ssize_t)sizeof buf);
	CHECK_MEM(buf, sizeof buf, o->data, sizeof buf);
	CHECK_INT(fake_requests(), 2);
}

/* --- the store's layout version ------------------------------------------------- */

static void make_db(const char *path, const char *sql)
{
	sqlite3 *db;

	unlink(path);
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "make_db %s: %s\n", path, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* --- the one writer ------------------------------------------------------------- */

#define WRITERS 4
#define WRITES 150

static void *write_keys(void *arg)
{
	long t = (long)arg;
	char key[32], val[32];
	long bad = 0;

	/* a thread's own connection only reads; its writes go to the writer */
	if (db_conn_readonly() != 1)
		bad++;
	for (int i = 0; i < WRITES; i++) {
		struct vo_buf b = VO_BUF_INIT;
		snprintf(key, sizeof key, "k%ld-%d", t, i);
		snprintf(val, sizeof val, "v%d", i * 7);
		if (db_svc_set("writers", key, val, strlen(val)) ||
		    db_svc_get("writers", key, &b) || b.len != strlen(val) ||
		    memcmp(b.p, val, b.len) != 0)
			bad++;
		vo_buf_free(&b);
	}
	db_close_thread();
	return (void *)bad;
}

static int nested_txn(void *arg)
{
	int rc = db_begin();

	(void)arg;
	if (!rc) rc = db_svc_set("writers", "nested", "1", 1);
	if (!rc) rc = db_svc_del("writers", "k0-0");
	/* an inner transaction (a savepoint) rolled back undoes only its own */
	if (!rc && !(rc = db_begin())) {
		db_svc_set("writers", "inner", "1", 1);
		rc = db_rollback();
	}
	return rc ? (db_rollback(), rc) : db_commit();
}

static void test_one_writer(void)
{
	const char *url = "http://fake/busy.fits";
	struct fobj *o = fake_add(url, 4 << 20, 2);
	pthread_t th[WRITERS];
	struct vo_buf b = VO_BUF_INIT;
	char *buf = malloc(4 << 20);
	long bad = 0;

	/* transactions belong to the writer: refused anywhere else */
	CHECK_INT(db_begin(), -EPERM);
	/* writes from several threads while blocks are being stored */
	for (long t = 0; t < WRITERS; t++)
		CHECK_INT(pthread_create(&th[t], NULL, write_keys, (void *)t), 0);
	CHECK_INT(read_at(url, buf, 4 << 20, 0), 4 << 20);
	CHECK_MEM(buf, 4 << 20, o->data, 4 << 20);
	for (int t = 0; t < WRITERS; t++) {
		void *r;
		pthread_join(th[t], &r);
		bad += (long)r;
	}
	CHECK_INT(bad, 0);
	/* a transaction of several writes, run on the writer */
	CHECK_INT(db_write(nested_txn, NULL), 0);
	CHECK_INT(db_svc_get("writers", "nested", &b), 0);
	CHECK_INT(db_svc_get("writers", "k0-0", &b), -ENOENT);
	CHECK_INT(db_svc_get("writers", "inner", &b), -ENOENT);
	CHECK_INT(db_svc_get("writers", "k3-149", &b), 0);
	CHECK_MEM(b.p, b.len, "v1043", 5);
	vo_buf_free(&b);
	free(buf);
}

static void test_layout(const char *dir)
{
	char path[256];
	struct db_obj row;
	FILE *fp;

	snprintf(path, sizeof path, "%s/layout.db", dir);
	/* a store of layout 1 (no validators) is migrated, its rows kept */
	make_db(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
		"INSERT INTO meta VALUES('schema', 1);"
		"CREATE TABLE objects(oid INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL,"
		" size INTEGER NOT NULL DEFAULT -1, mtime REAL, ctype TEXT,"
		" ranges INTEGER NOT NULL DEFAULT -1);"
		"INSERT INTO objects(url, size, ranges) VALUES('http://old/x', 1234, 1);");
	CHECK_INT(db_open(path), 0);
	CHECK_INT(db_obj_get("http://old/x", &row), 0);
	CHECK_INT(row.size, 1234);
	CHECK_STR(row.etag, "");
	CHECK_INT(row.last_modified, -1);
	db_close();
	CHECK_INT(db_open(path), 0);   /* and opens again as it is now */
	db_close();
	/* layout 2: results keyed by query id, the meta in the query row.  They
	 * become generations with the query's id; new ones get larger ids */
	unlink(path);
	make_db(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
		"INSERT INTO meta VALUES('schema', 2);"
		"CREATE TABLE queries(id INTEGER PRIMARY KEY, service TEXT NOT NULL,"
		" name TEXT NOT NULL, adql TEXT, maxrec TEXT, phase TEXT, job_url TEXT, error TEXT,"
		" nrows INTEGER DEFAULT 0, csv_size INTEGER DEFAULT 0, vot_size INTEGER DEFAULT 0,"
		" gen INTEGER DEFAULT 0, overflow INTEGER DEFAULT 0, created REAL, started REAL,"
		" finished REAL, result_meta BLOB, cutout TEXT, UNIQUE(service, name));"
		"CREATE TABLE result_pages(qid INTEGER NOT NULL, page INTEGER NOT NULL,"
		" first_row INTEGER NOT NULL, nrows INTEGER NOT NULL, csv_off INTEGER NOT NULL,"
		" vot_off INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(qid, page));"
		"CREATE INDEX result_pages_csv ON result_pages(qid, csv_off);"
		"CREATE TABLE products(qid INTEGER NOT NULL, seq INTEGER NOT NULL,"
		" name TEXT NOT NULL, kind INTEGER NOT NULL, url TEXT, dl_base TEXT, dl_id TEXT,"
		" obs_id TEXT, ctype TEXT, state INTEGER NOT NULL DEFAULT 0, error TEXT,"
		" soda_url TEXT, links_csv BLOB, PRIMARY KEY(qid, seq), UNIQUE(qid, name));"
		"CREATE TABLE links(qid INTEGER NOT NULL, pseq INTEGER NOT NULL,"
		" name TEXT NOT NULL, url TEXT NOT NULL, semantics TEXT, ctype TEXT,"
		" description TEXT, PRIMARY KEY(qid, pseq, name));"
		"INSERT INTO queries(id, service, name, phase, result_meta)"
		" VALUES(7, 's', 'q', 'COMPLETED', x'0102');"
		"INSERT INTO result_pages VALUES(7, 0, 0, 1, 0, 0, x'00');");
	CHECK_INT(db_open(path), 0);
	{
		struct vo_buf meta = VO_BUF_INIT, data = VO_BUF_INIT;
		struct db_page pg;
		int64_t rid = 0;
		CHECK_INT(db_result_get_meta(7, &meta), 0);
		CHECK_MEM(meta.p, meta.len, "\x01\x02", 2);
		CHECK_INT(db_result_find_page(7, 0, 0, &pg, &data), 0);
		CHECK_INT(db_result_new(7, &rid), 0);
		CHECK(rid > 7);
		CHECK_INT(db_results_gc(), 0);   /* rid is no query's: dropped */
		CHECK_INT(db_result_get_meta(rid, &meta), -ENOENT);
		CHECK_INT(db_result_get_meta(7, &meta), 0);
		vo_buf_free(&meta);
		vo_buf_free(&data);
	}
	db_close();
	/* written by a newer vofs: refused, not reused */
	make_db(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
		"INSERT INTO meta VALUES('schema', 99);");
	CHECK_INT(db_open(path), -EPROTO);
	db_close();
	/* someone else's database that has our table names: refused */
	make_db(path, "CREATE TABLE objects(x);");
	CHECK_INT(db_open(path), -EPROTO);
	db_close();
	/* not a database at all */
	unlink(path);
	if ((fp = fopen(path, "w"))) {
		fputs("this is not an SQLite file, but it is long enough to look at it\n", fp);
		fclose(fp);
	}
	CHECK(db_open(path) < 0);
	db_close();
	unlink(path);
}

/* --- block files ---------------------------------------------------------------- */

static int put_txn(int64_t oid, int64_t idx, const char *data, size_t len)
{
	int rc = db_begin();

	if (!rc)
		rc = db_block_put(oid, idx, data, len, 1);
	if (!rc)
		rc = db_commit();
	if (rc)
		db_rollback();
	return rc;
}

static off_t file_size(const char *db, blkcnt_t *blocks)
{
	char f[512];
	struct stat st;

	snprintf(f, sizeof f, "%s.blocks", db);
	if (stat(f, &st) != 0)
		return -1;
	if (blocks)
		*blocks = st.st_blocks;
	return st.st_size;
}

static void test_block_files(const char *dir)
{
	char path[256], file[512], buf[512];
	char *big = malloc(DB_BLOCK_BYTES), *two = malloc(DB_BLOCK_BYTES);
	const off_t B = (off_t)DB_BLOCK_BYTES;
	blkcnt_t nb = 0, nb2 = 0;
	int64_t freed = 0;

	snprintf(path, sizeof path, "%s/files.db", dir);
	memset(big, 'b', DB_BLOCK_BYTES);
	memset(two, '2', DB_BLOCK_BYTES);
	CHECK_INT(db_open(path), 0);
	/* a short block 0 and a whole block 2: read back from their slots */
	CHECK_INT(put_txn(5, 0, "0123456789abcdef", 16), 0);
	CHECK_INT(put_txn(5, 2, big, DB_BLOCK_BYTES), 0);
	CHECK_INT(file_size(path, NULL), 2 * B);   /* slots 0 and 1, not 0 and 2 */
	CHECK_INT(db_block_read(5, 0, 4, buf, 100), 12);   /* short at the block's end */
	CHECK_MEM(buf, 12, "456789abcdef", 12);
	CHECK_INT(db_block_read(5, 2, DB_BLOCK_BYTES - 8, buf, 8), 8);
	CHECK_MEM(buf, 8, "bbbbbbbb", 8);
	CHECK_INT(db_block_read(5, 1, 0, buf, 8), -ENOENT);
	/* a transaction rolled back stores nothing, and gives its slot back */
	CHECK_INT(db_begin(), 0);
	CHECK_INT(db_block_put(6, 0, "x", 1, 1), 0);
	CHECK_INT(db_rollback(), 0);
	CHECK_INT(db_block_read(6, 0, 0, buf, 1), -ENOENT);
	CHECK_INT(put_txn(6, 1, "y", 1), 0);
	CHECK_INT(file_size(path, NULL), 2 * B + 1);   /* slot 2 again */
	/* eviction: the row goes at once; its slot is neither reused nor
	 * punched before a sync (a power loss could bring the row back) */
	CHECK_INT(db_blocks_sync(), 0);
	CHECK_INT(db_begin(), 0);
	CHECK_INT(db_block_delete(5, 2), 0);
	CHECK_INT(db_commit(), 0);
	CHECK_INT(db_block_read(5, 2, 0, buf, 8), -ENOENT);
	CHECK_INT(put_txn(6, 2, two, DB_BLOCK_BYTES), 0);
	CHECK_INT(file_size(path, &nb), 4 * B);   /* slot 3: slot 1 waits */
	CHECK_INT(db_blocks_sync(), 0);
	CHECK(file_size(path, &nb2) == 4 * B && nb2 * 512 <= nb * 512 - B);   /* a hole */
	CHECK_INT(put_txn(6, 3, big, DB_BLOCK_BYTES), 0);
	CHECK_INT(file_size(path, NULL), 4 * B);   /* slot 1, reused after the sync */
	CHECK_INT(db_block_read(6, 2, 100, buf, 8), 8);
	CHECK_MEM(buf, 8, "22222222", 8);
	CHECK_INT(db_block_read(6, 3, 100, buf, 8), 8);
	CHECK_MEM(buf, 8, "bbbbbbbb", 8);
	/* evicted and stored again in one transaction: the new bytes */
	CHECK_INT(put_txn(8, 0, big, DB_BLOCK_BYTES), 0);
	CHECK_INT(db_begin(), 0);
	CHECK_INT(db_block_delete(8, 0), 0);
	CHECK_INT(db_block_put(8, 0, two, DB_BLOCK_BYTES, 2), 0);
	CHECK_INT(db_commit(), 0);
	CHECK_INT(db_block_read(8, 0, 100, buf, 8), 8);
	CHECK_MEM(buf, 8, "22222222", 8);
	/* stored again over a stored block: the new bytes, in a new slot */
	CHECK_INT(put_txn(8, 0, big, DB_BLOCK_BYTES), 0);
	CHECK_INT(db_block_read(8, 0, 100, buf, 8), 8);
	CHECK_MEM(buf, 8, "bbbbbbbb", 8);
	/* an object that changed: its blocks go */
	CHECK_INT(put_txn(7, 0, "seven", 5), 0);
	CHECK_INT(db_begin(), 0);
	CHECK_INT(db_obj_drop_blocks(7, &freed), 0);
	CHECK_INT(db_commit(), 0);
	CHECK_INT(freed, 5);
	CHECK_INT(db_block_read(7, 0, 0, buf, 5), -ENOENT);
	/* the file cut short behind our back: the block is missing, not short */
	CHECK_INT(db_blocks_sync(), 0);
	snprintf(file, sizeof file, "%s.blocks", path);
	CHECK_INT(truncate(file, B + 1000), 0);
	CHECK_INT(db_block_read(6, 3, 0, big, DB_BLOCK_BYTES), -ENOENT);
	CHECK_INT(db_block_read(6, 2, 0, buf, 8), -ENOENT);   /* beyond the end */
	db_close();
	/* a new store beside a removed one's block file starts it empty */
	CHECK(file_size(path, NULL) > 0);
	unlink(path);
	snprintf(buf, sizeof buf, "%s-wal", path);
	unlink(buf);
	snprintf(buf, sizeof buf, "%s-shm", path);
	unlink(buf);
	CHECK_INT(db_open(path), 0);
	CHECK_INT(file_size(path, NULL), 0);
	CHECK_INT(db_block_read(8, 0, 0, buf, 8), -ENOENT);
	db_close();
	/* layout 3 kept the bytes in the database: they move to the files,
	 * with their rows (layout 1 stores had blocks without block_use rows) */
	snprintf(path, sizeof path, "%s/layout3.db", dir);
	make_db(path, "CREATE TABLE meta(key TEXT PRIMARY KEY, value);"
		"INSERT INTO meta VALUES('schema', 3);"
		"CREATE TABLE objects(oid INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL,"
		" size INTEGER NOT NULL DEFAULT -1, mtime REAL, ctype TEXT,"
		" ranges INTEGER NOT NULL DEFAULT -1, etag TEXT, last_modified INTEGER);"
		"INSERT INTO objects(oid, url, size, ranges) VALUES(3, 'http://old/y', 262149, 1);"
		"CREATE TABLE blocks(oid INTEGER NOT NULL, idx INTEGER NOT NULL,"
		" data BLOB NOT NULL, PRIMARY KEY(oid, idx));"
		"CREATE TABLE block_use(oid INTEGER NOT NULL, idx INTEGER NOT NULL,"
		" atime INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(oid, idx)) WITHOUT ROWID;"
		"INSERT INTO blocks VALUES(3, 1, x'68656c6c6f');"
		"INSERT INTO block_use VALUES(3, 1, 42, 5);"
		"INSERT INTO blocks VALUES(3, 0, zeroblob(262144));");
	CHECK_INT(db_open(path), 0);
	CHECK_INT(db_block_read(3, 1, 0, buf, sizeof buf), 5);
	CHECK_MEM(buf, 5, "hello", 5);
	CHECK_INT(db_block_read(3, 0, 262140, buf, 4), 4);
	CHECK_MEM(buf, 4, "\0\0\0\0", 4);
	{
		int64_t total = 0;
		CHECK_INT(db_blocks_total(&total), 0);
		CHECK_INT(total, 262144 + 5);
	}
	db_close();
	/* the blocks table is gone from the database */
	{
		sqlite3 *db;
		sqlite3_stmt *q;
		int n = -1;
		if (sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name='blocks'",
				       -1, &q, NULL) == SQLITE_OK) {
			if (sqlite3_step(q) == SQLITE_ROW)
				n = sqlite3_column_int(q, 0);
			sqlite3_finalize(q);
		}
		sqlite3_close(db);
		CHECK_INT(n, 0);
	}
	CHECK_INT(db_open(path), 0);   /* and opens again as it is now */
	CHECK_INT(db_block_read(3, 1, 1, buf, 4), 4);
	db_close();
	/* a mount that did not end cleanly (killed, a power loss): the rows
	 * stored after its last sync go, their bytes may not be on the disk */
	snprintf(path, sizeof path, "%s/crash.db", dir);
	CHECK_INT(db_open(path), 0);
	CHECK_INT(put_txn(11, 0, "synced", 6), 0);
	CHECK_INT(db_blocks_sync(), 0);
	CHECK_INT(put_txn(11, 1, "after", 5), 0);
	db_close_thread();   /* no db_close: no clean mark */
	CHECK_INT(db_open(path), 0);
	CHECK_INT(db_block_read(11, 0, 0, buf, 6), 6);
	CHECK_MEM(buf, 6, "synced", 6);
	CHECK_INT(db_block_read(11, 1, 0, buf, 5), -ENOENT);
	/* a clean end keeps every block, synced or not before */
	CHECK_INT(put_txn(11, 2, "kept", 4), 0);
	db_close();
	CHECK_INT(db_open(path), 0);
	CHECK_INT(db_block_read(11, 2, 0, buf, 4), 4);
	CHECK_INT(db_block_read(11, 0, 0, buf, 6), 6);
	db_close();
	free(big);
	free(two);
}

int main(void)
{
	char dir[] = "/tmp/vofs-engine-XXXXXX", path[256];
	struct engine_cfg cfg = {
		.limit = 0, .stall_s = 5, .nworkers = 4, .xport = &fake,
		.now_us = test_now, .sleep_us = test_sleep,
	};

	check_init();
	if (!mkdtemp(dir))
		return 2;
	test_layout(dir);
	test_block_files(dir);
	snprintf(path, sizeof path, "%s/vofs.db", dir);
	if (db_open(path) || cache_init_cfg(&cfg)) {
		fprintf(stderr, "cannot start the engine in %s\n", dir);
		return 2;
	}
	test_window();
	test_small_reads();
	test_sequential();
	test_one_request_for_two_readers();
	test_host_isolation();
	test_seek_cancels();
	test_changed_object();
	test_failed_commit();
	test_streamed_unknown_length();
	test_failure_remembered();
	test_refused_size_remembered();
	test_idle_objects();
	test_retry_budget();
	test_one_writer();
	cache_shutdown();
	/* no writer any more (unmount): writes run in place again */
	CHECK_INT(db_svc_set("writers", "after", "x", 1), 0);
	db_close();
	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	for (int i = 0; i < fk.n; i++)
		free(fk.o[i].data);
	return check_done("engine");
}
