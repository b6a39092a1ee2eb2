/* fs/query.h - saved queries: their state, their runs, their files.
 *
 * All queries live in memory (a short list) mirrored in the store; a run
 * happens on a worker thread of its own, so a long query never holds a
 * FUSE thread.  Readers wait on the query (interruptibly) until its run
 * ends.  Names are the directory names under queries/.
 *
 * Snapshots (struct query_info) are copies: no lock is held after return.
 */
#ifndef FS_QUERY_H
#define FS_QUERY_H

#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "err.h"

#define QUERY_ADQL_MAX (1u << 20)

struct query_info {
	int64_t id;
	int64_t rid;           /* the current result generation (0: none); a
	                        * new one for every run, ids never reused */
	int held;              /* query_hold_result pinned rid for the caller */
	int running;           /* a worker owns the query */
	int has_adql;
	int failed;            /* final phase ERROR or ABORTED */
	int completed;         /* final phase COMPLETED: result files valid */
	int64_t csv_size, vot_size, adql_len, maxrec_len, cutout_len;
	double created, mtime;
};

/* Load the saved queries and resume those that were running.
 * notify(path) is called (from worker threads) whenever the contents of a
 * query's files change, so the kernel's cache can be invalidated. */
int query_init(const struct config *cfg, void (*notify)(const char *path));
/* From a signal handler: the mount is going away; runs that end now
 * stay resumable (their state is not recorded as failed). */
void query_request_stop(void);
void query_shutdown(void);

int query_valid_name(const char *name);
int query_create(const char *svc, const char *name);
/* Cancels a run, deletes the remote job (in the background), forgets all. */
int query_delete(const char *svc, const char *name);
int query_rename(const char *svc, const char *from, const char *to);
int query_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud);
/* -ENOENT when there is no such query */
int query_info(const char *svc, const char *name, struct query_info *out);
/* The configured service of the query a result generation belongs to
 * (valid for the whole mount), or NULL. */
const struct service_conf *query_service_of(int64_t rid);

int query_get_adql(const char *svc, const char *name, struct vo_buf *out);
/* Store the ADQL and start a run (cancelling one in progress). */
int query_set_adql(const char *svc, const char *name, const char *adql, size_t len);
int query_get_maxrec(const char *svc, const char *name, struct vo_buf *out);
/* The current run's job URL and a newline ("" for a run through /sync, or
 * no run yet). */
int query_get_job(const char *svc, const char *name, struct vo_buf *out);
/* Adopt the UWS job at the URL in text (blanks and trailing slashes
 * trimmed; "" changes nothing): it must be a job of the query's service
 * (vo_tap_job_url_check: -EINVAL), and its document, fetched now (at most
 * 60 s or the service's timeout; interrupted() is polled: -EINTR), must be
 * a TAP job with its QUERY as text (-ENOENT for a job that is not there,
 * -EBADMSG for one that is no UWS job or has no QUERY).  Then, as
 * query_set_adql, the run in progress is cancelled and a new one started:
 * it follows that job (started when PENDING), not a new one; query.adql
 * becomes its QUERY, maxrec its MAXREC (none: empty).  A job adopted is
 * not vofs's: it is never deleted (not by rmdir, a re-run or a timeout).
 * On an error the query is unchanged and err says why. */
int query_adopt_job(const char *svc, const char *name, const char *text, size_t len,
		    int (*interrupted)(void), struct vo_err *err);
/* "" clears; anything but a non-negative integer is -EINVAL. */
int query_set_maxrec(const char *svc, const char *name, const char *text, size_t len);
/* The SODA POS of the query's cutouts ("" for none; a newline is added
 * when set).  Set: blanks trimmed, "" clears, anything that is not a valid
 * POS is -EINVAL with err saying why. */
int query_get_cutout(const char *svc, const char *name, struct vo_buf *out);
int query_set_cutout(const char *svc, const char *name, const char *text, size_t len,
		     struct vo_err *err);
int query_status_text(const char *svc, const char *name, struct vo_buf *out);
int query_error_text(const char *svc, const char *name, struct vo_buf *out);
/* The facts of status as extended attributes: "name\0value\0" pairs in
 * out (user.vo.phase, service_url, maxrec, rows, elapsed, overflow,
 * job_url, error: those that apply). */
int query_attrs(const char *svc, const char *name, struct vo_buf *out);

/* Block until the query has no run in progress; interrupted() is polled
 * and makes it return -EINTR.  On return info holds the final state. */
int query_wait(const char *svc, const char *name, int (*interrupted)(void),
	       struct query_info *info);
/* query_wait: a query whose inputs changed is run again first (see
 * query_wait_fresh). */
/* query_wait, and when the result is complete pin its generation
 * (info->held = 1): its pages, products and links stay in the store, the
 * same bytes, until query_release_result(info->rid), even when the query
 * is re-run or removed meanwhile (as an open file replaced by rename on a
 * disk keeps its bytes).  The last release of a superseded generation
 * drops it. */
int query_hold_result(const char *svc, const char *name, int (*interrupted)(void),
		      struct query_info *info);
void query_release_result(int64_t rid);

/* query_wait / query_hold_result (hold), after bringing the query's
 * inputs up to date: a query whose upload/ tables (fs/inputs.h) changed
 * since its result was made runs again first, linked queries before it.
 * depth: links followed so far; -ELOOP beyond INPUTS_DEPTH or on a cycle. */
int query_wait_fresh(const char *svc, const char *name, int depth, int (*interrupted)(void),
		     struct query_info *info, int hold);
/* 1 when the query's result is stale (why says why), else 0. */
int query_stale(const char *svc, const char *name, int depth, char *why, size_t wn);

#endif
