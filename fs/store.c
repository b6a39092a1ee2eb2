/* fs/store.c - the one writer of the block store; see store.h. */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"

#define BATCH_OPS 256
#define BATCH_BYTES ((size_t)8 << 20)
/* while downloads run, blocks gather (storing competes with them for the
 * CPU, and readers are served from memory meanwhile) until this much waits
 * or nothing came in for WRITER_QUIET_US */
#define WRITER_LAZY ((size_t)24 << 20)
#define WRITER_QUIET_US 30000
/* the WAL is copied into the database (and fsynced) when the writer is
 * idle, or after this much, not in the middle of a burst */
#define CHECKPOINT_BYTES ((int64_t)256 << 20)
#define CHECKPOINT_IDLE_US 5000000
#define CHECKPOINT_QUIET_US 300000

enum op_kind { OP_PUT, OP_OBJ, OP_DROP, OP_TOUCH, OP_BARRIER };

struct op {
	enum op_kind kind;
	int64_t oid, idx, atime;
	struct blkbuf *b;
	size_t len;
	store_done_fn *done;
	void *ud;
	struct db_obj obj;
	struct op *next;
};

struct store {
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* queue changed, batch committed (the writer, flushes) */
	pthread_cond_t room;        /* unstored bytes went under the cap (fetchers) */
	int room_waiters;
	struct op *head, *tail;
	/* db_write calls from other threads (fs/db.h): the writer runs them
	 * ahead of the blocks, one at a time, each caller waiting for its own */
	struct call *calls, *calls_tail;
	pthread_cond_t called;
	size_t unstored;            /* bytes of queued blocks */
	int64_t queued, committed;  /* operation counts, for flushes */
	int64_t last_add_us;
	int flush_wanted, stop, fail_next;
	int64_t since_ckpt;         /* bytes committed since the last checkpoint */
	int ckpt_due;
	int64_t last_write_us;      /* the end of the last call or batch */
	int64_t limit;
	int (*is_live)(void *ud, int64_t oid);
	void *live_ud;
	struct store_counters ctr;
	pthread_t th;
};

struct call {
	db_write_fn *fn;
	void *arg;
	int rc, done;
	struct call *next;
};

/* Run fn(arg) on the writer's thread, on the one read-write connection. */
static int store_call(void *ctx, db_write_fn *fn, void *arg)
{
	struct store *s = ctx;
	struct call c = {.fn = fn, .arg = arg};

	pthread_mutex_lock(&s->mu);
	if (s->calls_tail)
		s->calls_tail->next = &c;
	else
		s->calls = &c;
	s->calls_tail = &c;
	pthread_cond_broadcast(&s->cv);
	while (!c.done)
		pthread_cond_wait(&s->called, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return c.rc;
}

/* The writer: run the calls queued so far.  Under s->mu (dropped meanwhile). */
static void run_calls(struct store *s)
{
	struct call *c;

	while ((c = s->calls)) {
		s->calls = c->next;
		if (!s->calls)
			s->calls_tail = NULL;
		pthread_mutex_unlock(&s->mu);
		c->rc = c->fn(c->arg);
		pthread_mutex_lock(&s->mu);
		c->done = 1;
		s->ckpt_due = 1;
		s->last_write_us = clock_mono_us();
	}
	pthread_cond_broadcast(&s->called);
}

/* under s->mu */
static void enqueue(struct store *s, struct op *o)
{
	if (s->tail)
		s->tail->next = o;
	else
		s->head = o;
	s->tail = o;
	s->queued++;
	/* the writer waits for a batch to gather (see writer_main): wake it
	 * only when one has */
	s->last_add_us = clock_mono_us();
	if (o->kind == OP_PUT) {
		s->unstored += o->len;
		if (s->unstored >= WRITER_LAZY)
			pthread_cond_broadcast(&s->cv);
	} else if (!s->head->next) {
		pthread_cond_broadcast(&s->cv);   /* the first of a quiet time */
	}
}

/* Block-sized buffers come back to a small pool: a fresh 256 KiB
 * allocation costs 64 page faults (and the kernel zeroing each page),
 * which measured as much as the copies of a cold read.  At most
 * BLKBUF_POOL of them (8 MiB) wait there. */
#define BLKBUF_POOL 32
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static struct blkbuf *pool[BLKBUF_POOL];
static int npool;

struct blkbuf *blkbuf_new(size_t cap)
{
	struct blkbuf *b = NULL;

	if (cap == DB_BLOCK_BYTES) {
		pthread_mutex_lock(&pool_mu);
		if (npool)
			b = pool[--npool];
		pthread_mutex_unlock(&pool_mu);
	}
	if (!b && (b = malloc(sizeof *b + (cap ? cap : 1))))
		b->cap = cap;
	if (b) {
		b->refs = 1;
		b->len = 0;
	}
	return b;
}

void blkbuf_free(struct blkbuf *b)
{
	if (b->cap == DB_BLOCK_BYTES) {
		pthread_mutex_lock(&pool_mu);
		if (npool < BLKBUF_POOL) {
			pool[npool++] = b;
			b = NULL;
		}
		pthread_mutex_unlock(&pool_mu);
	}
	free(b);
}

int store_put(struct store *s, int64_t oid, int64_t idx, struct blkbuf *b,
	      store_done_fn *done, void *ud)
{
	struct op *o = calloc(1, sizeof *o);

	if (!o) {
		blkbuf_put(b);
		return -ENOMEM;
	}
	*o = (struct op){.kind = OP_PUT, .oid = oid, .idx = idx, .b = b, .len = b->len,
			 .done = done, .ud = ud};
	pthread_mutex_lock(&s->mu);
	/* back-pressure: the network waits for the disk, memory stays bounded */
	while (s->unstored > STORE_UNSTORED_MAX && !s->stop) {
		s->room_waiters++;
		pthread_cond_wait(&s->room, &s->mu);
		s->room_waiters--;
	}
	enqueue(s, o);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void queue_simple(struct store *s, enum op_kind kind, int64_t oid, int64_t atime,
			 const struct db_obj *obj)
{
	struct op *o = calloc(1, sizeof *o);

	if (!o) {
		vo_error("store: out of memory queueing an update of object %" PRId64, oid);
		return;
	}
	o->kind = kind;
	o->oid = oid;
	o->atime = atime;
	if (obj)
		o->obj = *obj;
	pthread_mutex_lock(&s->mu);
	enqueue(s, o);
	pthread_mutex_unlock(&s->mu);
}

void store_set_obj(struct store *s, const struct db_obj *o)
{
	queue_simple(s, OP_OBJ, o->oid, 0, o);
}

void store_drop_obj(struct store *s, int64_t oid)
{
	queue_simple(s, OP_DROP, oid, 0, NULL);
}

void store_touch(struct store *s, int64_t oid, int64_t atime_us)
{
	queue_simple(s, OP_TOUCH, oid, atime_us, NULL);
}

void store_barrier(struct store *s, store_done_fn *done, void *ud)
{
	struct op *o = calloc(1, sizeof *o);

	if (!o) {
		vo_error("store: out of memory queueing a barrier");
		done(ud, -1, NULL, -ENOMEM);
		return;
	}
	o->kind = OP_BARRIER;
	o->done = done;
	o->ud = ud;
	pthread_mutex_lock(&s->mu);
	enqueue(s, o);
	pthread_mutex_unlock(&s->mu);
}

void store_flush(struct store *s)
{
	int64_t target;

	pthread_mutex_lock(&s->mu);
	target = s->queued;
	s->flush_wanted++;
	pthread_cond_broadcast(&s->cv);
	while (s->committed < target && !s->stop)
		pthread_cond_wait(&s->cv, &s->mu);
	s->flush_wanted--;
	pthread_mutex_unlock(&s->mu);
}

void store_counters(struct store *s, struct store_counters *c)
{
	pthread_mutex_lock(&s->mu);
	*c = s->ctr;
	pthread_mutex_unlock(&s->mu);
}

void store_fail_commits(struct store *s, int n)
{
	pthread_mutex_lock(&s->mu);
	s->fail_next = n;
	pthread_mutex_unlock(&s->mu);
}

/* --- eviction (writer thread only) ----------------------------------------------- */

struct victims {
	struct { int64_t oid, idx, size; } v[256];
	int n;
};

static int collect_victim(void *ud, int64_t oid, int64_t idx, int64_t size)
{
	struct victims *vs = ud;

	if (vs->n < 256) {
		vs->v[vs->n].oid = oid;
		vs->v[vs->n].idx = idx;
		vs->v[vs->n].size = size;
		vs->n++;
	}
	return 0;
}

/* Make room for incoming bytes: evict down to 90% of the limit (in
 * batches), skipping live objects. */
static void evict(struct store *s, int64_t incoming)
{
	static int warned;
	int64_t target = s->limit - s->limit / 10 - incoming;

	if (s->limit <= 0)
		return;
	for (int round = 0; round < 1000; round++) {
		struct victims vs = {.n = 0};
		int64_t freed = 0, nfreed = 0, used;

		pthread_mutex_lock(&s->mu);
		used = s->ctr.used;
		pthread_mutex_unlock(&s->mu);
		if (used <= (round ? target : s->limit - incoming))
			return;
		if (db_block_oldest(256 * (round % 8 + 1), collect_victim, &vs) || !vs.n)
			return;
		if (db_begin())
			return;
		for (int i = 0; i < vs.n; i++) {
			if (s->is_live && s->is_live(s->live_ud, vs.v[i].oid))
				continue;
			if (db_block_delete(vs.v[i].oid, vs.v[i].idx))
				continue;
			freed += vs.v[i].size;
			nfreed++;
		}
		if (db_commit()) {
			db_rollback();
			return;
		}
		pthread_mutex_lock(&s->mu);
		s->ctr.used -= freed;
		s->ctr.evicted += nfreed;
		pthread_mutex_unlock(&s->mu);
		if (!nfreed && round >= 7) {
			if (!warned++)
				vo_warn("cache: %" PRId64 " bytes used, over the limit of %" PRId64
					": what is left belongs to open files", used, s->limit);
			return;
		}
	}
}

/* --- the writer ------------------------------------------------------------------ */

/* Run one batch's statements inside the open transaction. */
static int apply(struct op *o, int64_t now_us, int64_t *stored, int64_t *dropped)
{
	switch (o->kind) {
	case OP_PUT: {
		int rc = db_block_put(o->oid, o->idx, o->b->data, o->len, now_us);
		if (!rc)
			*stored += (int64_t)o->len;
		return rc;
	}
	case OP_OBJ:
		return db_obj_update(&o->obj);
	case OP_DROP: {
		int64_t freed = 0;
		int rc = db_obj_drop_blocks(o->oid, &freed);
		if (!rc)
			*dropped += freed;
		return rc;
	}
	case OP_TOUCH:
		return db_obj_touch(o->oid, o->atime);
	case OP_BARRIER:
		return 0;
	}
	return -EINVAL;
}

static void commit_batch(struct store *s, struct op *batch, int n, size_t bytes)
{
	int64_t stored = 0, dropped = 0, now_us;
	struct timespec ts;
	struct op *o;
	int rc, fail;

	evict(s, (int64_t)bytes);
	clock_gettime(CLOCK_REALTIME, &ts);
	now_us = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
	pthread_mutex_lock(&s->mu);
	fail = s->fail_next > 0 && bytes > 0;   /* (tests: batches with blocks) */
	if (fail)
		s->fail_next--;
	pthread_mutex_unlock(&s->mu);
	rc = fail ? -ENOSPC : db_begin();
	for (o = batch; o && !rc; o = o->next)
		rc = apply(o, now_us, &stored, &dropped);
	if (!rc)
		rc = db_commit();
	if (rc) {
		if (!fail)
			db_rollback();
		vo_error("cache: storing a batch of %d operations (%zu bytes of blocks) failed"
			 " (%s): those blocks are not stored and will be fetched again",
			 n, bytes, strerror(-rc));
	}
	pthread_mutex_lock(&s->mu);
	if (rc)
		s->ctr.commit_errors++;
	else
		s->ctr.used += stored - dropped;
	s->ckpt_due = 1;
	s->last_write_us = clock_mono_us();
	s->since_ckpt += (int64_t)bytes;
	if (s->since_ckpt >= CHECKPOINT_BYTES) {
		s->since_ckpt = 0;
		pthread_mutex_unlock(&s->mu);
		db_checkpoint(0);
	} else {
		pthread_mutex_unlock(&s->mu);
	}
	/* report outside the store's lock: done() takes the object's lock */
	for (o = batch; o; o = o->next)
		if (o->kind == OP_PUT && o->done)
			o->done(o->ud, o->idx, o->b, rc);
		else if (o->kind == OP_BARRIER)
			o->done(o->ud, -1, NULL, rc);
	pthread_mutex_lock(&s->mu);
	while ((o = batch)) {
		batch = o->next;
		if (o->kind == OP_PUT)
			s->unstored -= o->len;
		s->committed++;
		blkbuf_put(o->b);
		free(o);
	}
	if (s->room_waiters && s->unstored <= STORE_UNSTORED_MAX)
		pthread_cond_broadcast(&s->room);
	if (s->flush_wanted)
		pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

static void *writer_main(void *arg)
{
	struct store *s = arg;

	db_writer_thread();   /* this thread's connection is the one that writes */
	/* storing is background work: downloads and readers go first */
	setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
	pthread_mutex_lock(&s->mu);
	for (;;) {
		struct op *batch, *last = NULL;
		size_t bytes = 0;
		int n = 0;

		run_calls(s);
		while (!s->head && !s->calls && !s->stop) {
			if (s->ckpt_due) {
				/* idle for a moment: the time to copy the WAL into
				 * the database (not after each write of a burst) */
				int64_t quiet = clock_mono_us() - s->last_write_us;
				if (quiet < CHECKPOINT_QUIET_US) {
					clock_cond_wait_us(&s->cv, &s->mu, CHECKPOINT_QUIET_US - quiet);
					continue;
				}
				s->ckpt_due = 0;
				s->since_ckpt = 0;
				pthread_mutex_unlock(&s->mu);
				db_blocks_sync();   /* the blocks' bytes reach the disk */
				db_checkpoint(1);
				pthread_mutex_lock(&s->mu);
				continue;
			}
			if (clock_cond_wait_us(&s->cv, &s->mu, CHECKPOINT_IDLE_US) == ETIMEDOUT)
				s->ckpt_due = 1;
		}
		if (s->calls)
			continue;
		if (!s->head)
			break;
		/* whatever is queued waits until enough has gathered, or all is
		 * quiet: many operations per transaction (rows, access times
		 * and barriers too: each transaction costs WAL pages) */
		if (!s->stop && !s->flush_wanted && !s->calls && s->unstored < WRITER_LAZY &&
		    clock_mono_us() - s->last_add_us < WRITER_QUIET_US) {
			clock_cond_wait_us(&s->cv, &s->mu, WRITER_QUIET_US);
			continue;
		}
		batch = s->head;
		for (struct op *o = s->head; o && n < BATCH_OPS && bytes < BATCH_BYTES; o = o->next) {
			last = o;
			n++;
			if (o->kind == OP_PUT)
				bytes += o->len;
		}
		s->head = last->next;
		if (!s->head)
			s->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&s->mu);
		commit_batch(s, batch, n, bytes);
		pthread_mutex_lock(&s->mu);
	}
	pthread_mutex_unlock(&s->mu);
	db_mark_clean();    /* the blocks' bytes are on the disk */
	db_checkpoint(1);   /* what is stored goes to the database file */
	db_close_thread();
	return NULL;
}

int store_start(struct store **out, int64_t limit, int (*is_live)(void *ud, int64_t oid),
		void *live_ud)
{
	struct store *s = calloc(1, sizeof *s);
	int rc;

	if (!s)
		return -ENOMEM;
	s->limit = limit;
	s->is_live = is_live;
	s->live_ud = live_ud;
	if ((rc = db_blocks_total(&s->ctr.used))) {
		free(s);
		return rc;
	}
	pthread_mutex_init(&s->mu, NULL);
	clock_cond_init(&s->cv);
	pthread_cond_init(&s->room, NULL);
	pthread_cond_init(&s->called, NULL);
	if (pthread_create(&s->th, NULL, writer_main, s)) {
		pthread_cond_destroy(&s->cv);
		pthread_cond_destroy(&s->room);
		pthread_cond_destroy(&s->called);
		pthread_mutex_destroy(&s->mu);
		free(s);
		return -EAGAIN;
	}
	db_set_writer(store_call, s);
	*out = s;
	return 0;
}

void store_stop(struct store *s)
{
	if (!s)
		return;
	/* writes run in place from here on (unmount: nothing else runs); the
	 * writer still runs the calls queued before this */
	db_set_writer(NULL, NULL);
	pthread_mutex_lock(&s->mu);
	s->stop = 1;     /* the writer commits what is queued, then ends */
	pthread_cond_broadcast(&s->cv);
	pthread_cond_broadcast(&s->room);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->th, NULL);
	pthread_cond_destroy(&s->cv);
	pthread_cond_destroy(&s->room);
	pthread_cond_destroy(&s->called);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
