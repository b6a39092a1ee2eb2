/* fs/inputs.h - what a query's run sends besides its ADQL: the tables
 * of its upload/ directory (fs/uploads.h), with symbolic links resolved.
 *
 * A link there may point
 *  - into the mount, at another query's result.csv, result.vot or
 *    result.tbl (of this or another service): that query's stored result
 *    is sent as a VOTable, after that query has run (or re-run, when it is
 *    stale itself); a link into the mount to anything else is an error;
 *  - anywhere else: the file there is read at run time, as CSV or VOTable
 *    by the link's own name (<table>.csv or <table>.vot).
 * A relative target is taken from the link's place in the mount, as the
 * kernel would.
 *
 * The signature of a query's inputs (16 hex digits, "" without any) names
 * what they are now: each table's name and kind, a stored file's inode,
 * size and mtime, a linked query and its result generation, an outside
 * file's path, inode, size and mtime.  A query whose stored signature
 * (the inputs its result was made from) differs is stale: the next read
 * of its result runs it again (query.h).  Chains are followed at most
 * INPUTS_DEPTH links deep; a cycle is -ELOOP.
 */
#ifndef FS_INPUTS_H
#define FS_INPUTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"
#include "tap.h"

#define INPUTS_DEPTH 16
#define INPUTS_SIG 17     /* bytes of a signature with its NUL */

/* Where the link target of svc/queries/q/upload/<name> points: 1, a
 * query's result in the mount (its service and name in tsvc, tq); 0, a
 * file outside (its absolute path in outside); -EINVAL, a path in the
 * mount that is no query's result (why says so). */
int inputs_link(const struct config *cfg, const char *svc, const char *q,
		const char *target, char tsvc[SVC_NAME_MAX], char tq[1024],
		char outside[4096], char *why, size_t wn);

/* -ELOOP (why names the chain) when following the links of svc/q leads
 * back to a query on the way, or deeper than INPUTS_DEPTH. */
int inputs_cycle(const struct config *cfg, const char *svc, const char *q,
		 char *why, size_t wn);

/* The signature of svc/q's inputs as they are now, in sig.  With fresh,
 * linked queries are brought up to date first (query_wait_fresh: a stale
 * one runs again, and is waited for); without, a linked query that is
 * itself stale makes this one stale too (stale set, why says which).
 * depth: links followed so far. */
int inputs_sig(const struct config *cfg, const char *svc, const char *q, int64_t qid,
	       int fresh, int depth, int (*interrupted)(void), char sig[INPUTS_SIG],
	       int *stale, char *why, size_t wn);

/* The files a run sends, ready: CSV converted to VOTable, linked results
 * rendered, all in the run's directory (uploads_run_dir(rid)). */
struct inputs {
	struct vo_tap_upload *up;
	size_t n;
	char **strs;              /* owned strings up[] points to */
	size_t nstrs;
	int64_t rid;              /* the run directory's, 0: none */
	char sig[INPUTS_SIG];     /* of exactly what is sent */
};

/* 0 with in filled (in->n == 0: the query uploads nothing), or an error
 * naming the table and the cause in err.  Linked queries are run first
 * when they are stale or never ran (waiting, with cancel polled). */
int inputs_prepare(const struct config *cfg, const char *svc, const char *q, int64_t qid,
		   int64_t rid, int (*cancel)(void), struct inputs *in, struct vo_err *err);
void inputs_release(struct inputs *in);

#endif
