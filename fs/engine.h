/* fs/engine.h - the block engine's context, shared by its parts:
 *
 *   fs/object.c    one state per remote object (size, validators, which
 *                  blocks are stored, in memory or in flight), with its
 *                  own lock; the table of live objects
 *   fs/fetch.c     requests for runs of blocks or whole objects, run by a
 *                  pool of fetch threads through the transport (xport.h)
 *   fs/prefetch.c  the read window of one open file: what to ask for next
 *   fs/store.c     the one writer of the SQLite block store
 *   fs/cache.c     the API the FUSE layer calls (cache.h)
 *
 * One struct engine holds what they share; no part keeps file-level
 * state, so unit tests run an engine with a fake transport and clock.
 */
#ifndef FS_ENGINE_H
#define FS_ENGINE_H

#include <pthread.h>
#include <stdint.h>

#include "cache.h"
#include "list.h"
#include "http.h"
#include "store.h"
#include "xport.h"

struct obj;
struct req;

struct engine_cfg {
	int64_t limit;              /* store limit in bytes, <= 0 none */
	int offline;
	long stall_s;               /* a transfer with no byte for this long fails */
	int nworkers;               /* fetch threads (0: ENGINE_WORKERS) */
	struct xport *xport;        /* NULL: xport_http() */
	/* monotonic microseconds and a sleep, both injectable (NULL: real) */
	int64_t (*now_us)(void);
	void (*sleep_us)(int64_t us);
};

#define ENGINE_WORKERS 8
#define ENGINE_FAILED_MEMORY 1024
#define ENGINE_FAIL_MSG 200
#define ENGINE_MAX_WORKERS 32

struct engine {
	struct engine_cfg cfg;
	struct store *store;

	/* live objects (open, being fetched or waited for, or idle: closed
	 * lately, see object.h); tab_mu guards the lists and every object's
	 * refs */
	pthread_mutex_t tab_mu;
	struct list live;
	struct list idle;           /* the idle ones too, the latest first */
	int nidle;
	int no_idle;                /* shutting down: the last put frees */
	/* objects whose fetch or size probe failed a moment ago (and that are
	 * not live any more): new reads and stats fail at once with the same
	 * errno and message instead of asking again (under tab_mu; see
	 * engine_failure_note) */
	struct {
		int64_t oid, at, until;
		int err;
		char msg[ENGINE_FAIL_MSG];
	} failed[ENGINE_FAILED_MEMORY];
	int nfailed;

	/* the request queues (fetch.c): demand first, then read-ahead */
	pthread_mutex_t q_mu;
	pthread_cond_t q_cv;
	struct list q_demand, q_ahead;
	/* requests running per origin (scheme://host:port): one origin
	 * holds at most host_max workers, so a stalled server leaves the
	 * others some (under q_mu) */
	struct { char origin[VO_HTTP_ORIGIN_MAX]; int running; } hosts[ENGINE_MAX_WORKERS];
	int host_max;
	int stopping;
	pthread_t workers[ENGINE_MAX_WORKERS];
	int nworkers;

	/* counters (atomics) */
	int64_t hits, misses, bytes_fetched, requests, retries, errors, probes, cancelled;
};

int64_t engine_now_us(const struct engine *e);
/* Remember that object oid failed at `at` (engine clock) with err (a
 * negative errno) and msg (may be NULL) until at + memory_us; a full
 * memory forgets the new one; err 0 forgets oid's failure.  Called with
 * e->tab_mu held. */
void engine_failure_note(struct engine *e, int64_t oid, int64_t at, int err,
			 const char *msg, int64_t memory_us);
/* 1 when oid failed lately: its err, when, and message (msg may be NULL).
 * Called with e->tab_mu held. */
int engine_failure_find(struct engine *e, int64_t oid, int *err, int64_t *at,
			char *msg, size_t n);
/* After failed attempt number attempt (0-based) of a transfer that made
 * no progress since since_us (engine_now_us): log msg, wait the back-off
 * and return 1 to try again; 0 when the attempts or the time are spent:
 * no retry starts once ENGINE_RETRY_BUDGET x stall_s have passed without
 * progress, and each attempt is cut after stall_s under VO_HTTP_MIN_RATE,
 * so a server that stops sending fails a read within
 * (ENGINE_RETRY_BUDGET + 1) x stall_s (one stall is retried once). */
#define ENGINE_RETRY_BUDGET 2
int engine_retry_pause(struct engine *e, int attempt, int64_t since_us, const char *msg);
void engine_sleep_us(const struct engine *e, int64_t us);
void engine_count(int64_t *ctr, int64_t n);

#endif
