/* vo/tap.h - running ADQL on a TAP service: async (UWS) or sync.
 *
 * vo_tap_run() does the whole conversation: create the job, start it, wait
 * with UWS blocking polls (WAIT), stream the result VOTable into the
 * caller's callbacks, fetch the error document when the job fails.  It
 * falls back to /sync when the service has no working /async.
 *
 * The caller is told about progress through hooks (the job URL as soon as
 * it exists, so a job can be resumed after a restart; each phase seen).
 * Before each attempt at reading a result, hooks->begin() is called: the
 * caller must drop whatever rows an earlier, failed attempt delivered.
 *
 * A binary VOTable that breaks after a non-BMP unicodeChar (a known
 * server bug, see vo_votable_astral_row) is asked for once more as
 * TABLEDATA.
 *
 * Returns 0 when the query completed and every row was delivered
 * (out->overflow tells whether the service truncated at MAXREC), else a
 * negative errno with err->msg holding the service's own message (phase
 * ERROR) or the transport cause, naming the URL.  out->phase is always set.
 */
#ifndef VO_TAP_H
#define VO_TAP_H

#include <stddef.h>

#include "err.h"
#include "uws.h"
#include "votable.h"

struct vo_tap_query {
	const char *base_url;   /* TAP base URL, without trailing slash */
	const char *adql;
	long long maxrec;       /* < 0: the service's default */
	int sync;               /* 1: use /sync directly */
	const char *format;     /* RESPONSEFORMAT, NULL: the service's VOTable */
	long timeout_s;         /* overall budget for the job, 0: none */
	long stall_s;           /* a result download under VO_HTTP_MIN_RATE for
	                         * this long is cut; 0: 300 s, and only one that
	                         * stops entirely */
};

struct vo_tap_hooks {
	void *ud;
	void (*job)(void *ud, const char *job_url);
	void (*phase)(void *ud, enum vo_uws_phase ph);
	int (*begin)(void *ud);
	int (*cancel)(void *ud);     /* non-zero: give up (-ECANCELED) */
	/* progress of a result document's download: n body bytes just
	 * arrived from url (called on the download's own thread), then once
	 * with n < 0 when that download has ended (on the caller's thread) */
	void (*bytes)(void *ud, const char *url, long long n);
	struct vo_votable_cb rows;   /* .ud is ignored: hooks->ud is used */
};

struct vo_tap_outcome {
	enum vo_uws_phase phase;
	int async;               /* the job ran through /async */
	int overflow;
	size_t nrows;
	char job_url[2048];
	/* the result's RESOURCE type="meta" elements (DataLink service
	 * descriptors), malloc'd, NULL when none: free() it */
	char *services;
};

int vo_tap_run(const struct vo_tap_query *q, const struct vo_tap_hooks *h,
	       struct vo_tap_outcome *out, struct vo_err *err);

/* Continue waiting for an existing async job (after a remount), for at
 * most timeout_s more seconds (0: no limit).  A run that times out, here
 * or in vo_tap_run, deletes its remote job: nobody will read it. */
int vo_tap_resume(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		  struct vo_tap_outcome *out, struct vo_err *err);

/* Delete a remote job; a job that is already gone is not an error. */
int vo_tap_delete(const char *job_url, struct vo_err *err);

#endif
