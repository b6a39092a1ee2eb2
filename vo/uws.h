/* vo/uws.h - UWS 1.1 job documents and phases.
 *
 * Parsing is pure (no network): vo_uws_parse() reads a job document held in
 * memory.  The HTTP conversation with a job lives in tap.c.
 */
#ifndef VO_UWS_H
#define VO_UWS_H

#include <stddef.h>

#include "err.h"

enum vo_uws_phase {
	VO_UWS_UNKNOWN = 0, VO_UWS_PENDING, VO_UWS_QUEUED, VO_UWS_EXECUTING,
	VO_UWS_COMPLETED, VO_UWS_ERROR, VO_UWS_ABORTED, VO_UWS_HELD,
	VO_UWS_SUSPENDED, VO_UWS_ARCHIVED
};

struct vo_uws_job {
	enum vo_uws_phase phase;
	char job_id[256];
	char start_time[64];
	char end_time[64];
	char result_url[2048];     /* href of result id="result" (else the first) */
	char error_summary[1024];  /* errorSummary/message, if any */
};

const char *vo_uws_phase_name(enum vo_uws_phase ph);
/* Accepts the names case-insensitively; VO_UWS_UNKNOWN otherwise. */
enum vo_uws_phase vo_uws_phase_parse(const char *s);
/* The job may still change by itself (QUEUED, EXECUTING ...). */
int vo_uws_phase_active(enum vo_uws_phase ph);
/* Final phases: COMPLETED, ERROR, ABORTED, ARCHIVED. */
int vo_uws_phase_final(enum vo_uws_phase ph);
/* The one mapping from a final phase to what reading a result gives:
 * COMPLETED 0, ERROR EIO, ABORTED ECANCELED, ARCHIVED ENOENT, others EAGAIN. */
int vo_uws_phase_errno(enum vo_uws_phase ph);

/* Parse a job document (<uws:job>).  -EBADMSG when it is not one. */
int vo_uws_parse(const char *xml, size_t len, struct vo_uws_job *job,
		 struct vo_err *err);

/* The parameters of a TAP job that say what it runs (uws:parameter, ids
 * matched case-insensitively; the first of each id counts).  A parameter
 * with byReference="true" holds a URL, not the value: query_by_ref says
 * so and query stays NULL.  Values are trimmed of surrounding blanks. */
#define VO_UWS_QUERY_MAX ((size_t)1 << 20)
struct vo_uws_params {
	char *query;          /* QUERY given inline, malloc'd; NULL: none or empty */
	int query_by_ref;     /* QUERY was given byReference */
	char lang[64];        /* LANG, "" when absent */
	char maxrec[32];      /* MAXREC as written, "" when absent or empty */
};

/* vo_uws_parse, collecting params too (params may be NULL: as
 * vo_uws_parse).  params is the caller's, freed with vo_uws_params_free
 * (also after an error).  -EFBIG for a QUERY over VO_UWS_QUERY_MAX bytes,
 * -EBADMSG for a LANG or MAXREC longer than its field. */
int vo_uws_parse_params(const char *xml, size_t len, struct vo_uws_job *job,
			struct vo_uws_params *params, struct vo_err *err);
void vo_uws_params_free(struct vo_uws_params *p);   /* NULL is fine */

#endif
