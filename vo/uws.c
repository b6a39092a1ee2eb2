/* vo/uws.c - UWS job documents; see uws.h. */
#include "uws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "xml.h"

static const char *const phase_names[] = {
	"UNKNOWN", "PENDING", "QUEUED", "EXECUTING", "COMPLETED", "ERROR",
	"ABORTED", "HELD", "SUSPENDED", "ARCHIVED"
};

const char *vo_uws_phase_name(enum vo_uws_phase ph)
{
	if ((unsigned)ph >= sizeof phase_names / sizeof phase_names[0])
		return "UNKNOWN";
	return phase_names[ph];
}

enum vo_uws_phase vo_uws_phase_parse(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	for (size_t i = 1; i < sizeof phase_names / sizeof phase_names[0]; i++) {
		size_t n = strlen(phase_names[i]);
		if (strncasecmp(s, phase_names[i], n) == 0 &&
		    (s[n] == '\0' || s[n] == ' ' || s[n] == '\n' || s[n] == '\r' || s[n] == '\t'))
			return (enum vo_uws_phase)i;
	}
	return VO_UWS_UNKNOWN;
}

int vo_uws_phase_active(enum vo_uws_phase ph)
{
	return ph == VO_UWS_PENDING || ph == VO_UWS_QUEUED ||
	       ph == VO_UWS_EXECUTING || ph == VO_UWS_HELD ||
	       ph == VO_UWS_SUSPENDED || ph == VO_UWS_UNKNOWN;
}

int vo_uws_phase_final(enum vo_uws_phase ph)
{
	return ph == VO_UWS_COMPLETED || ph == VO_UWS_ERROR ||
	       ph == VO_UWS_ABORTED || ph == VO_UWS_ARCHIVED;
}

int vo_uws_phase_errno(enum vo_uws_phase ph)
{
	switch (ph) {
	case VO_UWS_COMPLETED: return 0;
	case VO_UWS_ERROR: return EIO;
	case VO_UWS_ABORTED: return ECANCELED;
	case VO_UWS_ARCHIVED: return ENOENT;
	default: return EAGAIN;
	}
}

/* Collect the text of a handful of elements by local name. */
struct uws_parse {
	struct vo_uws_job *job;
	int root_seen;
	int depth;         /* of the current element, the root is 1 */
	int in_results, in_error;
	char *target;      /* where text goes now, or NULL */
	size_t target_len, target_cap;
	int have_result_named;
	char phase[64];
	int cut;                 /* the current target's text was cut */
	struct vo_err *err;
	/* parameters, when wanted */
	struct vo_uws_params *params;
	int in_params, in_query;
	const char *param;       /* LANG or MAXREC while its text is read */
	int seen_query, seen_lang, seen_maxrec;
	struct vo_buf query;
};

static void set_target(struct uws_parse *p, char *dst, size_t cap)
{
	p->target = dst;
	p->target_cap = cap;
	p->target_len = 0;
	p->cut = 0;
	dst[0] = '\0';
}

static int is_true(const char *v)
{
	return v && (strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* <uws:parameter id=...> of the job's parameters: the first QUERY, LANG
 * and MAXREC count; a value by reference is a URL, not the value. */
static void param_start(struct uws_parse *p, const struct vo_xml_attr *a, size_t na)
{
	struct vo_uws_params *v = p->params;
	const char *id = vo_xml_attr(a, na, "id");
	int by_ref = is_true(vo_xml_attr(a, na, "byReference"));

	if (!id)
		return;
	if (strcasecmp(id, "QUERY") == 0 && !p->seen_query) {
		p->seen_query = 1;
		v->query_by_ref = by_ref;
		p->in_query = !by_ref;
	} else if (strcasecmp(id, "LANG") == 0 && !p->seen_lang && !by_ref) {
		p->seen_lang = 1;
		set_target(p, v->lang, sizeof v->lang);
		p->param = "LANG";
	} else if (strcasecmp(id, "MAXREC") == 0 && !p->seen_maxrec && !by_ref) {
		p->seen_maxrec = 1;
		set_target(p, v->maxrec, sizeof v->maxrec);
		p->param = "MAXREC";
	}
}

static int uws_start(void *ud, const char *name, const struct vo_xml_attr *a, size_t na)
{
	struct uws_parse *p = ud;
	struct vo_uws_job *j = p->job;

	p->depth++;
	if (!p->root_seen) {
		p->root_seen = 1;
		if (strcmp(name, "job") != 0)
			return -EBADMSG;
		return 0;
	}
	p->target = NULL;
	/* only the job's own children: jobInfo may hold any XML */
	if (p->depth == 3 && p->in_results && strcmp(name, "result") == 0) {
		const char *id = vo_xml_attr(a, na, "id");
		const char *href = vo_xml_attr(a, na, "href");
		int named = id && strcmp(id, "result") == 0;
		if (href && (named || (!j->result_url[0] && !p->have_result_named))) {
			snprintf(j->result_url, sizeof j->result_url, "%s", href);
			if (named)
				p->have_result_named = 1;
		}
	} else if (p->depth == 3 && p->in_error && strcmp(name, "message") == 0) {
		set_target(p, j->error_summary, sizeof j->error_summary);
	} else if (p->depth == 3 && p->in_params && strcmp(name, "parameter") == 0) {
		param_start(p, a, na);
	}
	if (p->depth != 2)
		return 0;
	if (strcmp(name, "phase") == 0) {
		set_target(p, p->phase, sizeof p->phase);
	} else if (strcmp(name, "jobId") == 0) {
		set_target(p, j->job_id, sizeof j->job_id);
	} else if (strcmp(name, "startTime") == 0) {
		set_target(p, j->start_time, sizeof j->start_time);
	} else if (strcmp(name, "endTime") == 0) {
		set_target(p, j->end_time, sizeof j->end_time);
	} else if (strcmp(name, "results") == 0) {
		p->in_results = 1;
	} else if (strcmp(name, "errorSummary") == 0) {
		p->in_error = 1;
	} else if (strcmp(name, "parameters") == 0 && p->params) {
		p->in_params = 1;
	}
	return 0;
}

static int uws_end(void *ud, const char *name)
{
	struct uws_parse *p = ud;

	if (p->depth == 2 && strcmp(name, "results") == 0)
		p->in_results = 0;
	else if (p->depth == 2 && strcmp(name, "errorSummary") == 0)
		p->in_error = 0;
	else if (p->depth == 2 && strcmp(name, "parameters") == 0)
		p->in_params = 0;
	if (p->depth == 3 && p->param && p->cut)
		return vo_err_set(p->err, EBADMSG, "UWS job: parameter %s is too long", p->param);
	if (p->depth == 3) {
		p->param = NULL;
		p->in_query = 0;
	}
	p->depth--;
	p->target = NULL;
	return 0;
}

static int uws_text(void *ud, const char *s, size_t n)
{
	struct uws_parse *p = ud;

	if (p->in_query && p->depth == 3) {
		if (vo_buf_add(&p->query, s, n))
			return vo_err_set(p->err, EFBIG, "UWS job: its QUERY is longer than %zu bytes",
					  VO_UWS_QUERY_MAX);
		return 0;
	}
	if (!p->target)
		return 0;
	if (p->target_len + n >= p->target_cap) {
		n = p->target_cap - 1 - p->target_len;
		p->cut = 1;
	}
	memcpy(p->target + p->target_len, s, n);
	p->target_len += n;
	p->target[p->target_len] = '\0';
	return 0;
}

static void trim(char *s)
{
	size_t b = 0, e = strlen(s);

	while (s[b] == ' ' || s[b] == '\n' || s[b] == '\r' || s[b] == '\t')
		b++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == '\t'))
		e--;
	memmove(s, s + b, e - b);
	s[e - b] = '\0';
}

int vo_uws_parse(const char *xml, size_t len, struct vo_uws_job *job,
		 struct vo_err *err)
{
	return vo_uws_parse_params(xml, len, job, NULL, err);
}

void vo_uws_params_free(struct vo_uws_params *p)
{
	if (p) {
		free(p->query);
		memset(p, 0, sizeof *p);
	}
}

/* The QUERY text collected, trimmed, into params (NULL when blank). */
static int take_query(struct uws_parse *p)
{
	size_t b = 0, e = p->query.len;
	const char *s = p->query.p;

	while (b < e && (s[b] == ' ' || s[b] == '\n' || s[b] == '\r' || s[b] == '\t'))
		b++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == '\t'))
		e--;
	if (b == e)
		return 0;
	if (!(p->params->query = strndup(s + b, e - b)))
		return vo_err_set(p->err, ENOMEM, "UWS job: out of memory");
	return 0;
}

int vo_uws_parse_params(const char *xml, size_t len, struct vo_uws_job *job,
			struct vo_uws_params *params, struct vo_err *err)
{
	struct uws_parse p = {.job = job, .err = err, .params = params,
			      .query = {.cap = VO_UWS_QUERY_MAX}};
	struct vo_xml_handler h = {.ud = &p, .start = uws_start, .end = uws_end,
				   .text = uws_text};
	struct vo_xml *x;
	int rc;

	memset(job, 0, sizeof *job);
	if (params)
		memset(params, 0, sizeof *params);
	x = vo_xml_new(&h, err);
	if (!x)
		return vo_err_set(err, ENOMEM, "UWS job: out of memory");
	rc = vo_xml_feed(x, xml, len);
	if (!rc)
		rc = vo_xml_finish(x);
	vo_xml_free(x);
	if (rc == -EBADMSG && p.root_seen && err && !err->code)
		vo_err_set(err, EBADMSG, "not a UWS job document");
	if (!rc && params)
		rc = take_query(&p);
	vo_buf_free(&p.query);
	if (rc)
		return rc;
	if (!p.root_seen)
		return vo_err_set(err, EBADMSG, "empty UWS job document");
	if (params) {
		trim(params->lang);
		trim(params->maxrec);
	}
	trim(p.phase);
	trim(job->job_id);
	trim(job->start_time);
	trim(job->end_time);
	trim(job->error_summary);
	job->phase = vo_uws_phase_parse(p.phase);
	if (!p.phase[0])
		return vo_err_set(err, EBADMSG, "UWS job document without a phase");
	return 0;
}
