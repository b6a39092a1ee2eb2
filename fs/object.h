/* fs/object.h - one state per remote object.
 *
 * A remote object is a URL.  While anything uses it (an open file, a
 * request, a waiting reader) it is live: one struct obj, reference-counted,
 * with its own mutex and condition variable.  It knows the object's size
 * and validators (ETag, Last-Modified), and the state of every block:
 *
 *   ABSENT   not here; a reader asks fetch.c for it
 *   FLIGHT   a request is bringing it; readers wait on the object
 *   MEM      arrived, served from memory while the store commits it
 *   STORED   committed to the store (only after the commit succeeded)
 *   FAILED   its request failed for good a moment ago (fail_err)
 *
 * When a response shows the object changed on the server (another ETag,
 * Last-Modified or size), obj_stale() gives it a new epoch: every block
 * is forgotten (in memory, and in the store by the writer), the size is
 * learnt again, and readers that opened the old epoch get -ESTALE.  Bytes
 * of two versions are never served as one file.
 *
 * An object nothing uses any more stays live a while, idle: up to
 * OBJ_IDLE_MAX of them, the least recently used leaving first.  Opening
 * one again (a re-read, whose bytes the kernel serves: the open still
 * comes here) and the stat of one (ls -l, getattr) then need no store
 * look-up.  Only an object whose size and mtime are known and with no
 * failure or stream going on becomes idle: nobody else writes its row
 * then, so it stays what the store says.  It protects no block: when the
 * store's eviction asks about it (obj_is_live), it stops being live, and
 * the next use loads it from the store again.
 *
 * Locking: o->mu guards everything below "under mu"; never held while
 * taking e->q_mu or e->tab_mu, or across network or store I/O.
 */
#ifndef FS_OBJECT_H
#define FS_OBJECT_H

#include <pthread.h>
#include <stdint.h>

#include "db.h"
#include "engine.h"
#include "list.h"

enum blk { BLK_ABSENT, BLK_FLIGHT, BLK_MEM, BLK_STORED, BLK_FAILED };

#define OBJ_HOT_MAX ((int64_t)8 << 20)
#define OBJ_IDLE_MAX 1024

/* a request that failed for good is not tried again for this long */
#define OBJ_FAIL_MEMORY_US (5 * 1000000LL)

struct obj {
	struct engine *eng;
	char *url;
	uint64_t hash;              /* of url, to skip strcmp in the live list */
	int64_t oid;
	int refs, nopen;            /* under e->tab_mu */
	struct list_link live;      /* e->live */
	struct list_link idle;      /* e->idle, while idle (under e->tab_mu) */
	int is_idle;

	pthread_mutex_t mu;
	pthread_cond_t cv;          /* any block or stream state changed */
	/* under mu */
	unsigned epoch;
	int64_t size;               /* -1 while unknown */
	int ranges;                 /* 1 Range honoured, 0 not, -1 unknown */
	double mtime;
	char ctype[128];
	char etag[256];             /* validators from the first response */
	int64_t last_modified;
	int64_t nblk, cap;          /* blocks tracked, allocated */
	uint8_t *st;                /* enum blk per block */
	/* the bytes of MEM blocks, and of STORED ones still kept in memory
	 * for readers of an open file (a reference each; hot_bytes of them,
	 * at most OBJ_HOT_MAX: a reader a little behind the fetcher is not
	 * sent to the store for what just went there) */
	struct blkbuf **mem;
	int64_t hot_bytes, hot_low;
	int waiters;                /* threads in obj_wait */
	int whole;                  /* a whole-object stream is running */
	int fail_err;               /* negative errno of the last failure */
	int64_t fail_at;            /* when (engine clock) */
	int64_t atime_us;           /* last read (wall clock), 0: not read */
};

/* The live object of url, created (from the store's row and block list)
 * when it is not live yet.  A reference for the caller. */
int obj_get(struct engine *e, const char *url, struct obj **out);
void obj_ref(struct obj *o);
/* Drop a reference; the last one hands the access time to the store
 * and leaves the object idle (or frees it). */
void obj_put(struct obj *o);
/* Size and mtime of url's live (or idle) object when both are known,
 * without the store: 1, else 0. */
int obj_peek(struct engine *e, const char *url, int64_t *size, double *mtime);
/* Free the idle objects; later last puts free at once (shutdown). */
void obj_idle_off(struct engine *e);
void obj_open(struct obj *o);
/* the last close lets go of the stored blocks kept in memory */
void obj_close(struct obj *o);
void obj_drop_hot(struct obj *o);
/* 1 when an object with this id is live (its blocks must stay); an idle
 * one stops being live here (its blocks may go). */
int obj_is_live(void *engine, int64_t oid);

/* under mu: make room for n blocks (states ABSENT) */
int obj_grow(struct obj *o, int64_t n);
/* under mu: the size is now known (and the block table sized for it) */
int obj_set_size(struct obj *o, int64_t size);
/* under mu: the object changed on the server (see above); why for the log */
void obj_stale(struct obj *o, const char *why);
/* under mu: forget every block (a stream that starts over) */
void obj_forget_blocks(struct obj *o);
/* under mu: the row the store keeps for it */
void obj_row(const struct obj *o, struct db_obj *row);
/* under mu: queue the row for the writer; the object stays live until it
 * is committed (a new life would read the row before the change) */
void obj_save(struct obj *o);
/* under mu: wait for a change, at most us microseconds */
void obj_wait(struct obj *o, int64_t us);
/* under mu: wake the waiters (only when there are: no futex otherwise) */
void obj_wake(struct obj *o);

/* A block arrived (takes the caller's reference to b): under no lock.
 * 0, or -ESTALE when the object moved to another epoch meanwhile. */
int obj_deliver(struct obj *o, unsigned epoch, int64_t idx, struct blkbuf *b);

static inline int64_t obj_nblocks(int64_t size)
{
	return (size + (int64_t)CACHE_BLOCK - 1) / (int64_t)CACHE_BLOCK;
}

static inline int64_t obj_block_len(int64_t size, int64_t idx)
{
	int64_t rest = size - idx * (int64_t)CACHE_BLOCK;
	return rest < (int64_t)CACHE_BLOCK ? rest : (int64_t)CACHE_BLOCK;
}

#endif
