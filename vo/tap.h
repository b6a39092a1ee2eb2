/* vo/tap.h - running ADQL on a TAP service: async (UWS) or sync.
 *
 * vo_tap_run() does the whole conversation: create the job, start it, wait
 * with UWS blocking polls (WAIT), stream the result VOTable into the
 * caller's callbacks, fetch the error document when the job fails.  It
 * falls back to /sync when the service has no working /async.
 *
 * Modes (struct vo_tap_query.mode):
 *   VO_TAP_AUTO  (the default) a query whose row limit is small (MAXREC, or
 *                the ADQL's TOP n, whichever is smaller, at most
 *                VO_TAP_AUTO_SYNC_ROWS; or neither given: the service's
 *                default limit) is POSTed to /sync first, once, with a
 *                deadline for its first body byte (sync_deadline_s, default
 *                VO_TAP_AUTO_DEADLINE_S).  It goes on as a UWS async job,
 *                from scratch (hooks->begin is called again), when
 *                 - no byte of the result arrived by the deadline (the sync
 *                   request is abandoned: its connection is closed; a sync
 *                   result already streaming at the deadline goes on to its
 *                   end, bounded only by timeout_s and stall_s as any run),
 *                 - /sync answers 404, 405 or 501 (refused), or the attempt
 *                   fails in a way a retry could mend (connection, 5xx busy,
 *                   408/504, a cut body): async has its own retries,
 *                 - /sync answers 413: the request is too large for it
 *                   (DaCHS 2.7 takes about 500 kB of uploads on /sync,
 *                   many MB on /async, and says to use async),
 *                 - the result overflowed below what was asked for (no
 *                   MAXREC, or fewer rows than MAXREC: the service cut it at
 *                   a limit of its own, which async may not have); an
 *                   overflow at the query's own MAXREC is the answer asked
 *                   for, and is kept.
 *                Other answers (a bad query: 400, an error document) are
 *                final, as async would give the same.  Larger queries run
 *                as async jobs directly.
 *   VO_TAP_SYNC  /sync only, with retries.
 *   VO_TAP_ASYNC a UWS job (or /sync when the service has no /async).
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

/* DaCHS 2.7 here: a cone of a few rows answers /sync in 0.05-0.2 s, 100,000
 * rows (9 MB) start arriving after 1.0 s, while a UWS job costs 1.1 s more
 * than the same query's /sync.  3 s lets every query that sync serves
 * faster through, and costs a slow one at most 3 s before its job. */
#define VO_TAP_AUTO_DEADLINE_S 3.0
/* Queries whose row limit is above this go to async directly in auto mode
 * (~2.5 s to the first byte on DaCHS: within the deadline). */
#define VO_TAP_AUTO_SYNC_ROWS 250000LL

enum vo_tap_mode {
	VO_TAP_AUTO = 0,        /* /sync first when small, see above */
	VO_TAP_SYNC,            /* /sync only */
	VO_TAP_ASYNC,           /* a UWS job */
};

/* A table sent with the query (TAP 1.1 section 3.3.4, inline upload): a
 * VOTable file, named TAP_UPLOAD.<table> in the ADQL. */
struct vo_tap_upload {
	const char *table;
	const char *path;
};

struct vo_tap_query {
	const char *base_url;   /* TAP base URL, without trailing slash */
	const char *adql;
	long long maxrec;       /* < 0: the service's default */
	enum vo_tap_mode mode;
	double sync_deadline_s; /* auto: seconds for the first byte of /sync;
	                         * 0: VO_TAP_AUTO_DEADLINE_S */
	const char *format;     /* RESPONSEFORMAT, NULL: the service's VOTable */
	long timeout_s;         /* overall budget for the job, 0: none */
	long stall_s;           /* a result download under VO_HTTP_MIN_RATE for
	                         * this long is cut; 0: 300 s, and only one that
	                         * stops entirely */
	/* every POST that carries the query (/sync, /async) sends these as
	 * UPLOAD=<t>,param:<t>;... with each file as the multipart part <t>
	 * (streamed from the file, also on a retry).  Names are checked with
	 * vo_tap_upload_param before anything is sent: -EINVAL. */
	const struct vo_tap_upload *uploads;
	size_t nuploads;
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
	/* auto mode: the service's default row limit (capabilities'
	 * outputLimit default, which TAP applies to sync and async alike), or
	 * -1 when unknown; asked only when a sync result without MAXREC
	 * overflowed.  May be NULL. */
	long long (*default_rows)(void *ud);
	struct vo_votable_cb rows;   /* .ud is ignored: hooks->ud is used */
};

struct vo_tap_outcome {
	enum vo_uws_phase phase;
	int async;               /* the job ran through /async */
	int fell_back;           /* auto: /sync was tried first, then async */
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
/* vo_tap_resume for a job someone else created (it is started when
 * PENDING, as any resumed job): a timeout leaves it on the server. */
int vo_tap_follow(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		  struct vo_tap_outcome *out, struct vo_err *err);

/* GET a job's document (no WAIT), with the retries of any job request,
 * for at most timeout_s seconds (0: no limit; h may be NULL, else its
 * cancel is polled).  params (may be NULL) gets the job's parameters, to
 * free with vo_uws_params_free also after an error.  -ENOENT for a job
 * that is not there (404, 410), -EBADMSG for an answer that is no UWS job
 * document, -ETIMEDOUT, or another failure of the request; err names the
 * URL. */
int vo_tap_job_get(const char *job_url, long timeout_s, const struct vo_tap_hooks *h,
		   struct vo_uws_job *job, struct vo_uws_params *params, struct vo_err *err);

/* Whether job_url can be a job of the TAP service at base_url: an http(s)
 * URL with the service's scheme, host and port (vo_http_origin), a path,
 * no user name or password, no query string or fragment, no blanks, at
 * most VO_TAP_JOB_URL_MAX bytes.  The path is not tied to base_url's:
 * services put jobs where their job list redirects to (DaCHS:
 * /__system__/tap/run/async/<id> for <base>/async).  Pure: 0 or -EINVAL,
 * err saying which rule the URL breaks. */
#define VO_TAP_JOB_URL_MAX 2000
int vo_tap_job_url_check(const char *base_url, const char *job_url, struct vo_err *err);

/* The n of a leading "SELECT [ALL|DISTINCT] TOP n" (comments and blanks
 * before it skipped), or -1 when the query has none (or starts otherwise,
 * e.g. WITH). */
long long vo_tap_adql_top(const char *adql);

/* Auto mode: 1 when a query is tried on /sync first (see above). */
int vo_tap_auto_sync_first(const char *adql, long long maxrec);

/* Auto mode: 1 when a sync result of nrows rows, with overflow, is to be
 * asked again as an async job: it stopped below what maxrec asked for, or
 * (no maxrec) below the service's default limit default_rows (-1: not
 * known, so a job is asked; at the default limit a job stops there too). */
int vo_tap_auto_overflow_rerun(long long maxrec, size_t nrows, int overflow,
			       long long default_rows);

/* The value of the UPLOAD parameter for n uploads, appended to out:
 * "t1,param:t1;t2,param:t2".  -EINVAL, err saying which and why, for a
 * name that is no valid table name (vo_adql_table_name_ok: the UPLOAD
 * syntax and TAP_UPLOAD.<t> in ADQL need a regular identifier), two of
 * one name (ignoring case), a missing path. */
int vo_tap_upload_param(const struct vo_tap_upload *u, size_t n, struct vo_buf *out,
			struct vo_err *err);

/* Delete a remote job; a job that is already gone is not an error. */
int vo_tap_delete(const char *job_url, struct vo_err *err);

#endif
