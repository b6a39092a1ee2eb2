/* fs/object.c - one state per remote object; see object.h. */
#include "object.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "hash.h"
#include "log.h"

static void drop_hot(struct obj *o, int64_t i);

static int collect_block(void *ud, int64_t idx)
{
	struct obj *o = ud;

	if (idx < 0)
		return 0;
	if (idx >= o->nblk && obj_grow(o, idx + 1))
		return -ENOMEM;
	o->st[idx] = BLK_STORED;
	return 0;
}

static void obj_free(struct obj *o)
{
	if (!o)
		return;
	for (int64_t i = 0; i < o->nblk; i++)
		blkbuf_put(o->mem[i]);
	pthread_cond_destroy(&o->cv);
	pthread_mutex_destroy(&o->mu);
	free(o->st);
	free(o->mem);
	free(o->url);
	free(o);
}

/* under e->tab_mu */
static struct obj *find_live(struct engine *e, const char *url, uint64_t h)
{
	for (struct list_link *l = e->live.head; l; l = l->next) {
		struct obj *o = list_item(l, struct obj, live);
		if (o->hash == h && strcmp(o->url, url) == 0)
			return o;
	}
	return NULL;
}

/* under e->tab_mu: an idle object is in use again */
static void wake_idle(struct engine *e, struct obj *o)
{
	if (o->is_idle) {
		list_remove(&e->idle, &o->idle);
		e->nidle--;
		o->is_idle = 0;
	}
}

/* under e->tab_mu: an idle object stops being live; the caller frees it
 * after unlocking (nothing else can reach it any more) */
static void unlive_idle(struct engine *e, struct obj *o)
{
	wake_idle(e, o);
	list_remove(&e->live, &o->live);
}

/* A new object from the store's row and block list (no lock held: the
 * store is read on this thread's own connection). */
static int obj_load(struct engine *e, const char *url, struct obj **out)
{
	struct obj *o = calloc(1, sizeof *o);
	struct db_obj row;
	int rc;

	if (!o || !(o->url = strdup(url))) {
		free(o);
		return -ENOMEM;
	}
	o->eng = e;
	o->hash = str_hash(url, 0);
	pthread_mutex_init(&o->mu, NULL);
	clock_cond_init(&o->cv);
	o->size = -1;
	o->ranges = -1;
	o->last_modified = -1;
	if ((rc = db_obj_ensure(url, &row)))
		goto fail;
	o->oid = row.oid;
	o->size = row.size;
	o->ranges = row.ranges;
	o->mtime = row.mtime;
	memcpy(o->ctype, row.ctype, sizeof o->ctype);
	memcpy(o->etag, row.etag, sizeof o->etag);
	o->last_modified = row.last_modified;
	if (o->size >= 0 && (rc = obj_grow(o, obj_nblocks(o->size))))
		goto fail;
	if ((rc = db_block_list(o->oid, collect_block, o)))
		goto fail;
	/* a failure a moment ago is remembered across lives */
	pthread_mutex_lock(&e->tab_mu);
	if (engine_failure_find(e, o->oid, &o->fail_err, &o->fail_at, NULL, 0))
		for (int64_t b = 0; b < o->nblk; b++)
			if (o->st[b] == BLK_ABSENT)
				o->st[b] = BLK_FAILED;
	pthread_mutex_unlock(&e->tab_mu);
	*out = o;
	return 0;
fail:
	obj_free(o);
	return rc;
}

int obj_get(struct engine *e, const char *url, struct obj **out)
{
	struct obj *o, *n = NULL;
	uint64_t h = str_hash(url, 0);
	int rc;

	pthread_mutex_lock(&e->tab_mu);
	o = find_live(e, url, h);
	if (o) {
		wake_idle(e, o);
		o->refs++;
	}
	pthread_mutex_unlock(&e->tab_mu);
	if (o) {
		*out = o;
		return 0;
	}
	if ((rc = obj_load(e, url, &n)))
		return rc;
	pthread_mutex_lock(&e->tab_mu);
	/* another thread may have made it live meanwhile: one state per object */
	o = find_live(e, url, h);
	if (o)
		wake_idle(e, o);
	if (!o) {
		o = n;
		n = NULL;
		list_push_front(&e->live, &o->live);
	}
	o->refs++;
	pthread_mutex_unlock(&e->tab_mu);
	if (n)
		obj_free(n);
	*out = o;
	return 0;
}

void obj_ref(struct obj *o)
{
	pthread_mutex_lock(&o->eng->tab_mu);
	o->refs++;
	pthread_mutex_unlock(&o->eng->tab_mu);
}

/* under e->tab_mu: a dying object's recent failure goes to the engine */
static void remember_failure(struct obj *o)
{
	engine_failure_note(o->eng, o->oid, o->fail_at, o->fail_err, NULL, OBJ_FAIL_MEMORY_US);
}

void engine_failure_note(struct engine *e, int64_t oid, int64_t at, int err,
			 const char *msg, int64_t memory_us)
{
	int64_t now = engine_now_us(e);
	int k = 0;

	for (int i = 0; i < e->nfailed; i++)   /* forget the old ones, and oid's */
		if (now < e->failed[i].until && e->failed[i].oid != oid)
			e->failed[k++] = e->failed[i];
	e->nfailed = k;
	if (!err || now >= at + memory_us || e->nfailed >= ENGINE_FAILED_MEMORY)
		return;
	e->failed[k].oid = oid;
	e->failed[k].at = at;
	e->failed[k].until = at + memory_us;
	e->failed[k].err = err;
	snprintf(e->failed[k].msg, sizeof e->failed[k].msg, "%s", msg ? msg : "");
	e->nfailed++;
}

int engine_failure_find(struct engine *e, int64_t oid, int *err, int64_t *at,
			char *msg, size_t n)
{
	int64_t now = engine_now_us(e);

	for (int i = 0; i < e->nfailed; i++)
		if (e->failed[i].oid == oid && now < e->failed[i].until) {
			*err = e->failed[i].err;
			if (at)
				*at = e->failed[i].at;
			if (msg)
				snprintf(msg, n, "%s", e->failed[i].msg);
			return 1;
		}
	return 0;
}

/* under e->tab_mu and o->mu, refs 0: may o stay idle?  Only when its row
 * is final for now: size and mtime known (stat_in writes neither then),
 * no failure to remember, no stream, nothing queued for the store */
static int idle_ok(const struct engine *e, const struct obj *o)
{
	return !e->no_idle && e->store && o->size >= 0 && o->mtime > 0 && !o->fail_err &&
	       !o->whole && !o->waiters;
}

void obj_put(struct obj *o)
{
	struct engine *e;
	struct obj *old = NULL;
	int64_t atime = 0, oid;
	int last;

	if (!o)
		return;
	e = o->eng;
	oid = o->oid;   /* (an idle o may be freed by others once unlocked) */
	pthread_mutex_lock(&e->tab_mu);
	last = --o->refs == 0;
	if (last) {
		/* (nobody else can hold o->mu: all who reach o take a reference
		 * first, under tab_mu) */
		pthread_mutex_lock(&o->mu);
		atime = o->atime_us;
		o->atime_us = 0;
		if (idle_ok(e, o)) {
			/* no bytes stay in memory for it (a block kept hot for
			 * a reader that closed meanwhile) */
			for (int64_t i = 0; i < o->nblk; i++)
				drop_hot(o, i);
			o->hot_bytes = 0;
			o->hot_low = 0;
			o->is_idle = 1;
			list_push_front(&e->idle, &o->idle);
			if (++e->nidle > OBJ_IDLE_MAX) {
				old = list_item(e->idle.tail, struct obj, idle);
				unlive_idle(e, old);
			}
			last = 0;
		}
		pthread_mutex_unlock(&o->mu);
		if (last) {
			list_remove(&e->live, &o->live);
			remember_failure(o);
		}
	}
	pthread_mutex_unlock(&e->tab_mu);
	/* the access time goes to the store now, idle or not: the eviction
	 * order is that of the uses */
	if (atime && e->store)
		store_touch(e->store, oid, atime);
	obj_free(old);
	/* nothing else holds it: no request, no pending block (each holds a
	 * reference), so its memory blocks are all gone */
	if (last)
		obj_free(o);
}

int obj_peek(struct engine *e, const char *url, int64_t *size, double *mtime)
{
	struct obj *o;
	int found;

	/* a reference first: o->mu is never taken under tab_mu while others
	 * may hold it (obj_save takes tab_mu under o->mu) */
	pthread_mutex_lock(&e->tab_mu);
	if ((o = find_live(e, url, str_hash(url, 0)))) {
		wake_idle(e, o);
		o->refs++;
	}
	pthread_mutex_unlock(&e->tab_mu);
	if (!o)
		return 0;
	pthread_mutex_lock(&o->mu);
	if ((found = o->size >= 0 && o->mtime > 0)) {
		*size = o->size;
		*mtime = o->mtime;
	}
	pthread_mutex_unlock(&o->mu);
	obj_put(o);
	return found;
}

void obj_idle_off(struct engine *e)
{
	struct list gone = {0};

	pthread_mutex_lock(&e->tab_mu);
	e->no_idle = 1;
	while (e->idle.head) {
		struct obj *o = list_item(e->idle.head, struct obj, idle);
		unlive_idle(e, o);
		list_push_front(&gone, &o->live);
	}
	pthread_mutex_unlock(&e->tab_mu);
	while (gone.head) {
		struct obj *o = list_item(gone.head, struct obj, live);
		list_remove(&gone, &o->live);
		obj_free(o);
	}
}

void obj_open(struct obj *o)
{
	pthread_mutex_lock(&o->eng->tab_mu);
	o->nopen++;
	pthread_mutex_unlock(&o->eng->tab_mu);
}

void obj_close(struct obj *o)
{
	int last;

	pthread_mutex_lock(&o->eng->tab_mu);
	last = --o->nopen == 0;
	pthread_mutex_unlock(&o->eng->tab_mu);
	if (last)
		obj_drop_hot(o);   /* (the kernel's pages serve re-reads) */
}

int obj_is_live(void *engine, int64_t oid)
{
	struct engine *e = engine;
	struct obj *o = NULL, *gone = NULL;

	pthread_mutex_lock(&e->tab_mu);
	for (struct list_link *l = e->live.head; l && !o; l = l->next)
		if (list_item(l, struct obj, live)->oid == oid)
			o = list_item(l, struct obj, live);
	/* an idle one gives its blocks up (its block table would lie): it
	 * is loaded from the store again when next used */
	if (o && o->is_idle) {
		unlive_idle(e, o);
		gone = o;
		o = NULL;
	}
	pthread_mutex_unlock(&e->tab_mu);
	obj_free(gone);
	return o != NULL;
}

int obj_grow(struct obj *o, int64_t n)
{
	if (n > o->cap) {
		int64_t cap = o->cap ? o->cap : 16;
		uint8_t *st;
		struct blkbuf **mem;
		while (cap < n)
			cap *= 2;
		st = realloc(o->st, (size_t)cap);
		if (!st)
			return -ENOMEM;
		o->st = st;
		mem = realloc(o->mem, (size_t)cap * sizeof *mem);
		if (!mem)
			return -ENOMEM;
		o->mem = mem;
		memset(o->st + o->cap, BLK_ABSENT, (size_t)(cap - o->cap));
		memset(o->mem + o->cap, 0, (size_t)(cap - o->cap) * sizeof *mem);
		o->cap = cap;
	}
	if (n > o->nblk)
		o->nblk = n;
	return 0;
}

int obj_set_size(struct obj *o, int64_t size)
{
	int64_t n = obj_nblocks(size);
	int rc = obj_grow(o, n);

	if (rc)
		return rc;
	/* blocks past the end (a stream that was longer before) go */
	for (int64_t i = n; i < o->nblk; i++) {
		drop_hot(o, i);
		o->st[i] = BLK_ABSENT;
		blkbuf_put(o->mem[i]);
		o->mem[i] = NULL;
	}
	o->nblk = n;
	o->size = size;
	return 0;
}

/* the store has done what an object queued before a barrier */
static void barrier_done(void *ud, int64_t idx, const struct blkbuf *data, int rc)
{
	(void)idx;
	(void)data;
	(void)rc;
	obj_put(ud);
}

/* under mu: the object stays live (so nobody loads its old row or blocks
 * from the store) until the writer has done what is queued now */
static void hold_until_stored(struct obj *o)
{
	obj_ref(o);
	store_barrier(o->eng->store, barrier_done, o);
}

/* under mu: forget blocks; 1 when some were stored or on their way */
static int forget(struct obj *o)
{
	int stored = 0;

	for (int64_t i = 0; i < o->nblk; i++) {
		if (o->st[i] == BLK_STORED || o->st[i] == BLK_MEM)
			stored = 1;
		o->st[i] = BLK_ABSENT;
		blkbuf_put(o->mem[i]);
		o->mem[i] = NULL;
	}
	o->hot_bytes = 0;
	o->hot_low = 0;
	if (stored)
		store_drop_obj(o->eng->store, o->oid);
	obj_wake(o);
	return stored;
}

void obj_forget_blocks(struct obj *o)
{
	if (forget(o))
		hold_until_stored(o);
}

void obj_stale(struct obj *o, const char *why)
{
	vo_error("%s: %s: the file changed on the server; reads of the copy opened before"
		 " fail (ESTALE), the next open reads the new one", o->url, why);
	o->epoch++;
	forget(o);
	o->size = -1;
	o->nblk = 0;
	o->etag[0] = '\0';
	o->last_modified = -1;
	o->mtime = 0;
	o->fail_err = 0;
	obj_save(o);
	obj_wake(o);
}

void obj_save(struct obj *o)
{
	struct db_obj row;

	obj_row(o, &row);
	store_set_obj(o->eng->store, &row);
	hold_until_stored(o);
}

void obj_row(const struct obj *o, struct db_obj *row)
{
	memset(row, 0, sizeof *row);
	row->oid = o->oid;
	row->size = o->size;
	row->mtime = o->mtime;
	row->ranges = o->ranges;
	memcpy(row->ctype, o->ctype, sizeof row->ctype);
	memcpy(row->etag, o->etag, sizeof row->etag);
	row->last_modified = o->last_modified;
}

void obj_wait(struct obj *o, int64_t us)
{
	o->waiters++;
	clock_cond_wait_us(&o->cv, &o->mu, us);
	o->waiters--;
}

void obj_wake(struct obj *o)
{
	if (o->waiters)
		pthread_cond_broadcast(&o->cv);
}

/* under mu: a stored block's bytes leave memory */
static void drop_hot(struct obj *o, int64_t i)
{
	if (o->st[i] == BLK_STORED && o->mem[i]) {
		o->hot_bytes -= (int64_t)o->mem[i]->len;
		blkbuf_put(o->mem[i]);
		o->mem[i] = NULL;
	}
}

void obj_drop_hot(struct obj *o)
{
	pthread_mutex_lock(&o->mu);
	for (int64_t i = 0; i < o->nblk; i++)
		drop_hot(o, i);
	o->hot_bytes = 0;
	o->hot_low = 0;
	pthread_mutex_unlock(&o->mu);
}

/* The store's word on a block: stored, or not (then it is missing). */
static void committed(void *ud, int64_t idx, const struct blkbuf *b, int rc)
{
	struct obj *o = ud;

	pthread_mutex_lock(&o->mu);
	if (idx < o->nblk && o->mem[idx] == b && o->st[idx] == BLK_MEM) {
		o->st[idx] = rc ? BLK_ABSENT : BLK_STORED;
		if (!rc && __atomic_load_n(&o->nopen, __ATOMIC_RELAXED) > 0) {
			/* kept for the reader, the oldest let go beyond the cap */
			o->hot_bytes += (int64_t)b->len;
			while (o->hot_bytes > OBJ_HOT_MAX && o->hot_low < o->nblk)
				drop_hot(o, o->hot_low++);
		} else {
			blkbuf_put(o->mem[idx]);
			o->mem[idx] = NULL;
		}
		obj_wake(o);
	}
	pthread_mutex_unlock(&o->mu);
	obj_put(o);
}

int obj_deliver(struct obj *o, unsigned epoch, int64_t idx, struct blkbuf *b)
{
	struct engine *e = o->eng;
	int rc = 0;

	pthread_mutex_lock(&o->mu);
	if (o->epoch != epoch) {
		rc = -ESTALE;
	} else if (idx >= o->nblk && (rc = obj_grow(o, idx + 1))) {
		;
	} else {
		blkbuf_get(b);            /* the object's reference */
		blkbuf_put(o->mem[idx]);
		o->mem[idx] = b;
		o->st[idx] = BLK_MEM;
		obj_wake(o);
	}
	pthread_mutex_unlock(&o->mu);
	if (rc) {
		blkbuf_put(b);
		return rc;
	}
	obj_ref(o);   /* for the store's done() */
	if ((rc = store_put(e->store, o->oid, idx, b, committed, o))) {
		pthread_mutex_lock(&o->mu);
		if (o->mem[idx] == b) {
			blkbuf_put(b);
			o->mem[idx] = NULL;
			o->st[idx] = BLK_ABSENT;
		}
		pthread_mutex_unlock(&o->mu);
		obj_put(o);
	}
	return rc;
}
