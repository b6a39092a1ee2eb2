/* fs/store.h - the one writer of the block store.
 *
 * Blocks that arrived from the network are handed to the store with
 * store_put(); a single writer thread writes them to the block file and
 * commits their rows to SQLite (db.h) in short batches, in the order the operations were queued, and reports each
 * block's fate to its done() callback: 0 when its commit succeeded (only
 * then does the block count as stored), a negative errno when it failed
 * (the block is not in the store; the caller must treat it as missing).
 * No transaction is ever open while bytes travel on the network: the
 * writer only ever commits data already in memory.
 *
 * Ownership: blocks travel as reference-counted buffers (struct blkbuf):
 * store_put takes one reference and drops it once done() has returned, so
 * the object can keep serving readers from the same buffer with
 * references of its own, and a reader copies from it without any lock.
 *
 * Bounded memory: store_put waits while more than STORE_UNSTORED_MAX bytes
 * are queued.  The store stays under its byte limit by evicting the least
 * recently used blocks before each batch, never blocks of objects that
 * is_live() names (open or being fetched).  Access times are kept by the
 * callers in memory and handed over with store_touch(), which the writer
 * writes with the next batch.
 */
#ifndef FS_STORE_H
#define FS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "db.h"

#define STORE_UNSTORED_MAX ((size_t)64 << 20)

struct store;

/* A block's bytes with a reference count (atomic): freed by the last put. */
struct blkbuf {
	int refs;
	size_t len, cap;
	char data[];
};

struct blkbuf *blkbuf_new(size_t cap);    /* one reference, len 0 */
void blkbuf_free(struct blkbuf *b);       /* (blkbuf_put's, at the last) */
static inline void blkbuf_get(struct blkbuf *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
}
static inline void blkbuf_put(struct blkbuf *b)
{
	if (b && __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) == 0)
		blkbuf_free(b);
}

typedef void store_done_fn(void *ud, int64_t idx, const struct blkbuf *b, int rc);

/* limit <= 0: no limit.  is_live(ud, oid): 1 when oid's blocks must stay. */
int store_start(struct store **out, int64_t limit, int (*is_live)(void *ud, int64_t oid),
		void *live_ud);
/* Commits what is queued, then ends the writer and frees the store. */
void store_stop(struct store *s);

/* Queue one complete block (takes the caller's reference to b).  -ENOMEM
 * (the reference dropped, done not called) or 0. */
int store_put(struct store *s, int64_t oid, int64_t idx, struct blkbuf *b,
	      store_done_fn *done, void *ud);
/* Queue an update of the object's row (size, validators): committed in the
 * same batch as the blocks queued before it, or a later one. */
void store_set_obj(struct store *s, const struct db_obj *o);
/* Queue dropping every stored block of oid (the object changed). */
void store_drop_obj(struct store *s, int64_t oid);
/* Queue an access-time update for all of oid's blocks. */
void store_touch(struct store *s, int64_t oid, int64_t atime_us);
/* Queue a call of done(ud, -1, NULL, rc) for when everything queued
 * before it has been committed (rc 0) or has failed. */
void store_barrier(struct store *s, store_done_fn *done, void *ud);
/* Wait until every operation queued so far is committed (or failed). */
void store_flush(struct store *s);

struct store_counters {
	int64_t used, evicted, commit_errors;
};
void store_counters(struct store *s, struct store_counters *c);

/* For tests: make the next n commits of blocks fail as a full disk would. */
void store_fail_commits(struct store *s, int n);

#endif
