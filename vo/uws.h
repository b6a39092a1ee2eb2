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

#endif
