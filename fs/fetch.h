/* fs/fetch.h - requests for the bytes of remote objects.
 *
 * A request covers a run of blocks of one object that were ABSENT when it
 * was made (they are FLIGHT from then on, and only it fills them), or the
 * whole object (a stream from byte 0, for objects without Range support or
 * a known length).  A pool of fetch threads runs them through the engine's
 * transport: demand requests (a reader waits) before read-ahead.  Each
 * block is handed to its object as soon as it is complete.
 *
 * Ranged requests carry the object's validator (If-Range) and check the
 * answer's Content-Range, ETag and size against what the object knows; a
 * difference makes the object stale (obj_stale) and the request fails
 * with -ESTALE.  Failed transfers are retried (vo_http_retryable: VO_HTTP_ATTEMPTS in all, with
 * back-off, resuming at the first missing block); blocks of a request that
 * failed for good become FAILED, of a cancelled one ABSENT.
 *
 * A request may belong to an owner (a prefetcher of one open file), which
 * can cancel it when the reader has moved on or closed the file.
 */
#ifndef FS_FETCH_H
#define FS_FETCH_H

#include <stdint.h>

#include "engine.h"
#include "list.h"

struct obj;
struct req;

struct fetch_owner {
	struct list reqs;           /* under e->q_mu */
	int n;                      /* its length: changed under e->q_mu, atomic */
};

int fetch_start(struct engine *e);
/* Cancels what is queued or running and joins the fetch threads. */
void fetch_stop(struct engine *e);

/* Under o->mu: blocks [b0, b1) are all ABSENT (or FAILED): mark them FLIGHT
 * and make a request for them (NULL and nothing marked on -ENOMEM). */
struct req *fetch_prepare(struct obj *o, int64_t b0, int64_t b1);
/* Under o->mu, with o->whole clear: a stream of the whole object. */
struct req *fetch_prepare_whole(struct obj *o);
/* Queue a prepared request (no object lock held). */
void fetch_submit(struct engine *e, struct req *r, struct fetch_owner *ow, int ahead);

/* Cancel the owner's requests that want nothing of blocks [keep0, keep1)
 * (keep1 <= keep0: all of them); they no longer belong to it. */
void fetch_cancel_owned(struct engine *e, struct fetch_owner *ow, int64_t keep0,
			int64_t keep1);
/* How many requests the owner has queued or running. */
int fetch_owned(struct engine *e, struct fetch_owner *ow);

#endif
