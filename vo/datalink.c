/* vo/datalink.c - DataLink link lists and service descriptors, SODA sync
 * URLs; see datalink.h. */
#include "datalink.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "votable.h"
#include "xml.h"

#define DL_DEFAULT_MAX_DOC ((size_t)16 << 20)
static size_t max_doc = DL_DEFAULT_MAX_DOC;

size_t vo_dl_max_doc(void)
{
	return __atomic_load_n(&max_doc, __ATOMIC_RELAXED);
}

void vo_dl_set_max_doc(size_t bytes)
{
	__atomic_store_n(&max_doc, bytes ? bytes : DL_DEFAULT_MAX_DOC, __ATOMIC_RELAXED);
}

#define CORE_URI "http://www.ivoa.net/rdf/datalink/core"
#define MAX_SERVICES_TEXT ((size_t)16 << 20)
#define MAX_TEXT ((size_t)64 << 10)    /* one DESCRIPTION, one param's OPTIONs */
#define MAX_TERM 100                   /* bytes of a link's base name */
#define MAX_REDIRECTS 10

/* the columns a link row is read from */
enum { C_ID, C_ACCESS_URL, C_SERVICE_DEF, C_ERROR_MESSAGE, C_DESCRIPTION,
       C_SEMANTICS, C_CONTENT_TYPE, C_CONTENT_LENGTH, C_CONTENT_QUALIFIER,
       C_LOCAL_SEMANTICS, C_N };

static const struct {
	const char *name;
	int trim;       /* URI-like: surrounding blanks are layout, not data */
	size_t off;     /* of the char * in struct vo_dl_link */
} named[C_N] = {
	{"ID", 0, offsetof(struct vo_dl_link, id)},
	{"access_url", 1, offsetof(struct vo_dl_link, access_url)},
	{"service_def", 1, offsetof(struct vo_dl_link, service_def)},
	{"error_message", 0, offsetof(struct vo_dl_link, error_message)},
	{"description", 0, offsetof(struct vo_dl_link, description)},
	{"semantics", 1, offsetof(struct vo_dl_link, semantics)},
	{"content_type", 1, offsetof(struct vo_dl_link, content_type)},
	{"content_length", 1, 0},   /* a number, see link_fill */
	{"content_qualifier", 1, offsetof(struct vo_dl_link, content_qualifier)},
	{"local_semantics", 1, offsetof(struct vo_dl_link, local_semantics)},
};

struct vo_dl_cols {
	size_t n;
	char **names;     /* "" for a FIELD without a name */
	char **ids;       /* NULL for a FIELD without an ID */
	long col[C_N];    /* FIELD index of each named column, -1: absent */
};

/* ------------------------------------------------------------ helpers */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static const char *span_trim(const char *s, size_t *len)
{
	size_t n = strlen(s);

	while (n && is_blank(*s)) {
		s++;
		n--;
	}
	while (n && is_blank(s[n - 1]))
		n--;
	*len = n;
	return s;
}

static void trim_inplace(char *s)
{
	size_t n;
	const char *b = span_trim(s, &n);

	memmove(s, b, n);
	s[n] = '\0';
}

/* *dst = copy of s (NULL stays NULL); -ENOMEM */
static int sdup(char **dst, const char *s)
{
	*dst = NULL;
	if (!s)
		return 0;
	*dst = strdup(s);
	return *dst ? 0 : -ENOMEM;
}

/* like sdup, but an empty or blank s gives NULL */
static int sdup_value(char **dst, const char *s)
{
	size_t n = 0;

	if (s)
		span_trim(s, &n);
	return sdup(dst, s && n ? s : NULL);
}

static int nomem(struct vo_err *err)
{
	return vo_err_set(err, ENOMEM, "DataLink: out of memory");
}

static int same_str(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

/* ------------------------------------------------------------ freeing */

static void cols_free(struct vo_dl_cols *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n; i++) {
		free(c->names[i]);
		free(c->ids[i]);
	}
	free(c->names);
	free(c->ids);
	free(c);
}

static void link_free(struct vo_dl_link *l)
{
	size_t i;

	for (i = 0; i < l->ncells; i++)
		free(l->cells[i]);
	free(l->cells);
	free(l->csv);
}

static void param_free(struct vo_dl_param *p)
{
	free(p->name);
	free(p->value);
	free(p->ref);
	free(p->ucd);
	free(p->datatype);
	free(p->arraysize);
	free(p->xtype);
	free(p->unit);
	free(p->description);
	free(p->min);
	free(p->max);
	free(p->options);
}

static void service_free(struct vo_dl_service *s)
{
	size_t i;

	for (i = 0; i < s->nparams; i++)
		param_free(&s->params[i]);
	free(s->params);
	free(s->id);
	free(s->name);
	free(s->description);
	free(s->access_url);
	free(s->standard_id);
	free(s->resource_identifier);
	free(s->content_type);
}

void vo_dl_services_free(struct vo_dl_service *s, size_t n)
{
	size_t i;

	if (!s)
		return;
	for (i = 0; i < n; i++)
		service_free(&s[i]);
	free(s);
}

void vo_dl_doc_free(struct vo_dl_doc *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nlinks; i++)
		link_free(&d->links[i]);
	free(d->links);
	vo_dl_services_free(d->services, d->nservices);
	for (i = 0; i < d->ncolsets; i++)
		cols_free(d->colsets[i]);
	free(d->colsets);
	free(d->csv_header);
	free(d->status);
	free(d->status_msg);
	memset(d, 0, sizeof *d);
}

/* ------------------------------------------------------------ link rows */

/* A non-negative decimal count, else -1. */
static long long parse_count(const char *s)
{
	long long v = 0;

	if (!s || !*s)
		return -1;
	if (*s == '+')
		s++;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

/* Point the named fields at their cells (trimming URI-like ones). */
static void link_fill(struct vo_dl_link *l)
{
	const struct vo_dl_cols *c = l->cols;
	size_t k;

	l->content_length = -1;
	for (k = 0; k < C_N; k++) {
		long i = c->col[k];
		char *s = i >= 0 && (size_t)i < l->ncells ? l->cells[i] : NULL;

		if (s && named[k].trim)
			trim_inplace(s);
		if (s && !*s)
			s = NULL;
		if (k == C_CONTENT_LENGTH)
			l->content_length = parse_count(s);
		else
			*(char **)((char *)l + named[k].off) = s;
	}
}

/* Render l as a CSV record of nout columns, column j taken from cell
 * map[j] (-1: null); map NULL: the cells in their own order. */
static int link_render(struct vo_dl_link *l, const long *map, size_t nout,
		       struct vo_buf *tmp)
{
	struct vo_cell *cv;
	size_t j;
	int rc;

	if (!map)
		nout = l->ncells;
	cv = calloc(nout ? nout : 1, sizeof *cv);
	if (!cv)
		return -ENOMEM;
	for (j = 0; j < nout; j++) {
		long i = map ? map[j] : (long)j;
		const char *s = i >= 0 && (size_t)i < l->ncells ? l->cells[i] : NULL;

		cv[j].s = s ? s : "";
		cv[j].len = s ? strlen(s) : 0;
		cv[j].null = !s;
	}
	vo_buf_reset(tmp);
	rc = vo_csv_row(tmp, cv, nout);
	free(cv);
	if (rc)
		return rc;
	free(l->csv);
	l->csv = strndup(tmp->p, tmp->len);
	return l->csv ? 0 : -ENOMEM;
}

/* ------------------------------------------------------------ parsing */

struct dl_parse {
	struct vo_dl_doc *d;
	struct vo_err *err;
	struct vo_votable *v;
	struct vo_dl_cols *cols;
	size_t alloc;
	struct vo_buf tmp;
};

static int service_error(struct vo_votable *v, struct vo_err *err)
{
	const char *msg = vo_votable_status_msg(v);

	return vo_err_set(err, EIO, "DataLink service error: %s",
			  *msg ? msg : "(no message)");
}

static int is_error_status(struct vo_votable *v)
{
	const char *st = vo_votable_status(v);

	return st && !strcmp(st, "ERROR");
}

static int dl_meta(void *ud, const struct vo_table_meta *m)
{
	struct dl_parse *p = ud;
	struct vo_dl_doc *d = p->d;
	struct vo_dl_cols *c, **cs;
	size_t i, k;

	c = calloc(1, sizeof *c);
	if (!c)
		return nomem(p->err);
	for (k = 0; k < C_N; k++)
		c->col[k] = -1;
	for (i = 0; i < m->nfields; i++) {
		const char *nm = m->fields[i].name;

		for (k = 0; nm && k < C_N; k++)
			if (c->col[k] < 0 && !strcasecmp(nm, named[k].name))
				c->col[k] = (long)i;
	}
	if (c->col[C_ID] < 0 ||
	    (c->col[C_ACCESS_URL] < 0 && c->col[C_SERVICE_DEF] < 0)) {
		int no_id = c->col[C_ID] < 0;

		free(c);
		if (is_error_status(p->v))
			return service_error(p->v, p->err);
		return vo_err_set(p->err, EBADMSG, no_id ?
				  "DataLink: the table has no ID column (not a DataLink response)" :
				  "DataLink: the table has neither an access_url nor a service_def column (not a DataLink response)");
	}
	cs = realloc(d->colsets, (d->ncolsets + 1) * sizeof *cs);
	if (!cs) {
		free(c);
		return nomem(p->err);
	}
	d->colsets = cs;
	d->colsets[d->ncolsets++] = c;
	p->cols = c;
	c->names = calloc(m->nfields ? m->nfields : 1, sizeof *c->names);
	c->ids = calloc(m->nfields ? m->nfields : 1, sizeof *c->ids);
	if (!c->names || !c->ids)
		return nomem(p->err);
	for (i = 0; i < m->nfields; i++, c->n++)
		if (sdup(&c->names[i], m->fields[i].name ? m->fields[i].name : "") ||
		    sdup(&c->ids[i], m->fields[i].id))
			return nomem(p->err);
	vo_buf_reset(&p->tmp);
	if (vo_csv_header(&p->tmp, m) ||
	    !(d->csv_header = strndup(p->tmp.p, p->tmp.len)))
		return nomem(p->err);
	return 0;
}

static int dl_row(void *ud, const struct vo_cell *cells, size_t n)
{
	struct dl_parse *p = ud;
	struct vo_dl_doc *d = p->d;
	struct vo_dl_link *l;
	/* what the row holds, with a guess at malloc's overhead */
	size_t i, mem = sizeof *l + n * sizeof(char *) + 3 * 16;

	if (d->nlinks == p->alloc) {
		size_t na = p->alloc ? 2 * p->alloc : 64;
		struct vo_dl_link *nl = realloc(d->links, na * sizeof *nl);

		if (!nl)
			return nomem(p->err);
		d->links = nl;
		p->alloc = na;
	}
	l = &d->links[d->nlinks];
	memset(l, 0, sizeof *l);
	l->cols = p->cols;
	l->cells = calloc(n ? n : 1, sizeof *l->cells);
	if (!l->cells)
		return nomem(p->err);
	l->ncells = n;
	d->nlinks++;
	for (i = 0; i < n; i++) {
		/* empty is null: BINARY cannot say null for a string, and
		 * DataLink means nothing else by an empty cell */
		if (cells[i].null || !cells[i].len)
			continue;
		l->cells[i] = malloc(cells[i].len + 1);
		if (!l->cells[i])
			return nomem(p->err);
		memcpy(l->cells[i], cells[i].s, cells[i].len);
		l->cells[i][cells[i].len] = '\0';
		mem += cells[i].len + 1 + 16;
	}
	link_fill(l);
	if (link_render(l, NULL, 0, &p->tmp))
		return nomem(p->err);
	d->mem += mem + p->tmp.len + 1;
	if (d->mem > VO_DL_MAX_MEM)
		return vo_err_set(p->err, EFBIG, "DataLink: links larger than %zu bytes (2 x doc_max)",
				  VO_DL_MAX_MEM);
	return 0;
}

int vo_dl_parse(const char *buf, size_t len, struct vo_dl_doc *out,
		struct vo_err *err)
{
	struct dl_parse p = {.d = out, .err = err};
	struct vo_votable_cb cb = {.ud = &p, .meta = dl_meta, .row = dl_row};
	const char *st, *meta;
	int rc;

	memset(out, 0, sizeof *out);
	p.v = vo_votable_new(&cb, err);
	if (!p.v)
		return nomem(err);
	rc = vo_votable_feed(p.v, buf, len);
	if (!rc)
		rc = vo_votable_finish(p.v);
	if (!rc && is_error_status(p.v))
		rc = service_error(p.v, err);
	if (!rc && !vo_votable_has_table(p.v))
		rc = vo_err_set(err, EBADMSG, "DataLink: the response has no table of links");
	if (!rc) {
		const char *msg = vo_votable_status_msg(p.v);

		st = vo_votable_status(p.v);
		if (sdup(&out->status, st) || sdup(&out->status_msg, *msg ? msg : NULL))
			rc = nomem(err);
	}
	if (!rc) {
		meta = vo_votable_meta_resources(p.v);
		if (*meta)
			rc = vo_dl_parse_services(meta, strlen(meta), &out->services,
						  &out->nservices, err);
	}
	vo_votable_free(p.v);
	vo_buf_free(&p.tmp);
	if (rc)
		vo_dl_doc_free(out);
	return rc;
}

const char *vo_dl_link_cell(const struct vo_dl_link *l, const char *field)
{
	const struct vo_dl_cols *c = l ? l->cols : NULL;
	size_t i;

	if (!c || !field)
		return NULL;
	for (i = 0; i < c->n && i < l->ncells; i++)
		if (c->ids[i] && !strcmp(c->ids[i], field))
			return l->cells[i];
	for (i = 0; i < c->n && i < l->ncells; i++)
		if (!strcmp(c->names[i], field))
			return l->cells[i];
	return NULL;
}

/* ------------------------------------------------------------ descriptors */

enum text_kind { TX_NONE, TX_SVC_DESC, TX_PARAM_DESC, TX_OPTION };

struct sd_res {
	int depth;
	long svc;        /* index of the descriptor, -1: another RESOURCE */
};

struct sd_parse {
	struct vo_err *err;
	struct vo_dl_service *s;
	size_t n, alloc;
	int depth;
	struct sd_res res[VO_XML_MAX_DEPTH + 2];
	int nres;
	int group_depth;        /* the open inputParams GROUP, 0: none */
	long group_svc;
	int param_depth;        /* the open input PARAM, 0: none */
	size_t param_idx;
	int text_depth;         /* element whose text is collected, 0: none */
	enum text_kind text_kind;
	struct vo_buf text;
};

static struct vo_dl_param *cur_param(struct sd_parse *p)
{
	return &p->s[p->group_svc].params[p->param_idx];
}

static int sd_resource(struct sd_parse *p, int d, const struct vo_xml_attr *a,
		       size_t n)
{
	const char *type = vo_xml_attr(a, n, "type");
	const char *utype = vo_xml_attr(a, n, "utype");
	const char *nm = vo_xml_attr(a, n, "name");
	struct vo_dl_service *s;
	long idx = -1;

	if (type && !strcmp(type, "meta") && utype &&
	    (!strcasecmp(utype, "adhoc:service") || !strcasecmp(utype, "adhoc:this"))) {
		if (p->n >= VO_DL_MAX_SERVICES)
			return vo_err_set(p->err, EFBIG,
					  "DataLink: more than %d service descriptors",
					  VO_DL_MAX_SERVICES);
		if (p->n == p->alloc) {
			size_t na = p->alloc ? 2 * p->alloc : 8;
			struct vo_dl_service *ns = realloc(p->s, na * sizeof *ns);

			if (!ns)
				return nomem(p->err);
			p->s = ns;
			p->alloc = na;
		}
		s = &p->s[p->n++];
		memset(s, 0, sizeof *s);
		s->self = !strcasecmp(utype, "adhoc:this") || (nm && !strcmp(nm, "this"));
		if (sdup(&s->id, vo_xml_attr(a, n, "ID")) || sdup(&s->name, nm))
			return nomem(p->err);
		idx = (long)p->n - 1;
	}
	if (p->nres < (int)(sizeof p->res / sizeof p->res[0])) {
		p->res[p->nres].depth = d;
		p->res[p->nres].svc = idx;
		p->nres++;
	}
	return 0;
}

/* accessURL, standardID ... : PARAMs directly in the descriptor */
static int sd_desc_param(struct sd_parse *p, long svc,
			 const struct vo_xml_attr *a, size_t n)
{
	static const struct {
		const char *name;
		size_t off;
	} map[] = {
		{"accessURL", offsetof(struct vo_dl_service, access_url)},
		{"standardID", offsetof(struct vo_dl_service, standard_id)},
		{"resourceIdentifier", offsetof(struct vo_dl_service, resource_identifier)},
		{"contentType", offsetof(struct vo_dl_service, content_type)},
	};
	const char *nm = vo_xml_attr(a, n, "name");
	const char *val = vo_xml_attr(a, n, "value");
	size_t i;

	if (!nm || !val)
		return 0;
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		char **dst = (char **)((char *)&p->s[svc] + map[i].off);

		if (strcasecmp(nm, map[i].name) || *dst)
			continue;
		if (sdup_value(dst, val))
			return nomem(p->err);
		if (*dst)
			trim_inplace(*dst);
		return 0;
	}
	return 0;
}

static int sd_input_param(struct sd_parse *p, int d, const struct vo_xml_attr *a,
			  size_t n)
{
	struct vo_dl_service *s = &p->s[p->group_svc];
	struct vo_dl_param *pr, *np;

	if (s->nparams >= VO_DL_MAX_PARAMS)
		return vo_err_set(p->err, EFBIG,
				  "DataLink: service descriptor with more than %d input parameters",
				  VO_DL_MAX_PARAMS);
	np = realloc(s->params, (s->nparams + 1) * sizeof *np);
	if (!np)
		return nomem(p->err);
	s->params = np;
	pr = &s->params[s->nparams++];
	memset(pr, 0, sizeof *pr);
	if (sdup(&pr->name, vo_xml_attr(a, n, "name")) ||
	    sdup_value(&pr->value, vo_xml_attr(a, n, "value")) ||
	    sdup_value(&pr->ref, vo_xml_attr(a, n, "ref")) ||
	    sdup(&pr->ucd, vo_xml_attr(a, n, "ucd")) ||
	    sdup(&pr->datatype, vo_xml_attr(a, n, "datatype")) ||
	    sdup(&pr->arraysize, vo_xml_attr(a, n, "arraysize")) ||
	    sdup(&pr->xtype, vo_xml_attr(a, n, "xtype")) ||
	    sdup(&pr->unit, vo_xml_attr(a, n, "unit")))
		return nomem(p->err);
	p->param_depth = d;
	p->param_idx = s->nparams - 1;
	return 0;
}

/* Append one OPTION value to the current param's list (cut at MAX_TEXT). */
static int add_option(struct sd_parse *p, const char *v, size_t vl)
{
	struct vo_dl_param *pr = cur_param(p);
	size_t old = pr->options ? strlen(pr->options) : 0;
	char *no;

	if (old + vl + 2 > MAX_TEXT)
		return 0;
	no = realloc(pr->options, old + vl + 2);
	if (!no)
		return nomem(p->err);
	if (old)
		no[old++] = '\n';
	memcpy(no + old, v, vl);
	no[old + vl] = '\0';
	pr->options = no;
	return 0;
}

static void text_begin(struct sd_parse *p, int d, enum text_kind k)
{
	p->text_depth = d;
	p->text_kind = k;
	vo_buf_reset(&p->text);
}

static int text_end(struct sd_parse *p)
{
	const char *s = p->text.p ? p->text.p : "";
	char **dst = NULL;
	size_t n;

	s = span_trim(s, &n);
	if (p->text_kind == TX_OPTION)
		return n ? add_option(p, s, n) : 0;
	if (p->text_kind == TX_SVC_DESC)
		dst = &p->s[p->res[p->nres - 1].svc].description;
	else if (p->text_kind == TX_PARAM_DESC)
		dst = &cur_param(p)->description;
	if (!dst || *dst || !n)
		return 0;
	*dst = strndup(s, n);
	return *dst ? 0 : nomem(p->err);
}

static int sd_start(void *ud, const char *name, const struct vo_xml_attr *a,
		    size_t n)
{
	struct sd_parse *p = ud;
	int d = ++p->depth;
	long cur = -1;   /* the descriptor this element is a child of */

	if (p->nres && p->res[p->nres - 1].depth == d - 1)
		cur = p->res[p->nres - 1].svc;
	if (!strcmp(name, "RESOURCE"))
		return sd_resource(p, d, a, n);
	if (!strcmp(name, "PARAM")) {
		if (p->group_depth && !p->param_depth)
			return sd_input_param(p, d, a, n);
		if (cur >= 0)
			return sd_desc_param(p, cur, a, n);
		return 0;
	}
	if (!strcmp(name, "GROUP")) {
		const char *gn = vo_xml_attr(a, n, "name");

		if (cur >= 0 && !p->group_depth && gn && !strcasecmp(gn, "inputParams")) {
			p->group_depth = d;
			p->group_svc = cur;
		}
		return 0;
	}
	if (p->text_depth)
		return 0;
	if (!strcmp(name, "DESCRIPTION")) {
		if (p->param_depth && d == p->param_depth + 1)
			text_begin(p, d, TX_PARAM_DESC);
		else if (cur >= 0)
			text_begin(p, d, TX_SVC_DESC);
		return 0;
	}
	if (p->param_depth && (!strcmp(name, "MIN") || !strcmp(name, "MAX") ||
			       !strcmp(name, "OPTION"))) {
		struct vo_dl_param *pr = cur_param(p);
		const char *val = vo_xml_attr(a, n, "value");
		char **dst = name[1] == 'I' ? &pr->min : &pr->max;

		if (name[0] == 'O') {
			if (val)
				return add_option(p, val, strlen(val));
			text_begin(p, d, TX_OPTION);
			return 0;
		}
		if (val && !*dst && sdup(dst, val))
			return nomem(p->err);
	}
	return 0;
}

static int sd_end(void *ud, const char *name)
{
	struct sd_parse *p = ud;
	int d = p->depth--;
	int rc = 0;

	if (d == p->text_depth) {
		rc = text_end(p);
		p->text_depth = 0;
	}
	if (d == p->param_depth)
		p->param_depth = 0;
	if (d == p->group_depth)
		p->group_depth = 0;
	if (p->nres && p->res[p->nres - 1].depth == d)
		p->nres--;
	return rc;
}

static int sd_text(void *ud, const char *s, size_t n)
{
	struct sd_parse *p = ud;

	if (!p->text_depth || p->text.len + n > MAX_TEXT)
		return 0;   /* over-long text is cut */
	return vo_buf_add(&p->text, s, n) ? nomem(p->err) : 0;
}

int vo_dl_parse_services(const char *xml, size_t len,
			 struct vo_dl_service **out, size_t *n,
			 struct vo_err *err)
{
	static const char open[] = "<vofs-descriptors>";
	static const char close[] = "</vofs-descriptors>";
	struct sd_parse p = {.err = err};
	struct vo_xml_handler h = {.ud = &p, .start = sd_start, .end = sd_end,
				   .text = sd_text};
	struct vo_xml *x;
	size_t i = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if (len > MAX_SERVICES_TEXT)
		return vo_err_set(err, EFBIG, "DataLink: service descriptors larger than %zu MiB",
				  MAX_SERVICES_TEXT >> 20);
	/* the text is wrapped in an element of ours, so an XML declaration
	 * (a whole document was given) must go */
	while (i < len && is_blank(xml[i]))
		i++;
	if (len - i >= 5 && !memcmp(xml + i, "<?xml", 5)) {
		const char *e = NULL;

		for (size_t j = i; j + 1 < len; j++)
			if (xml[j] == '?' && xml[j + 1] == '>') {
				e = xml + j + 2;
				break;
			}
		if (e) {
			len -= (size_t)(e - xml);
			xml = e;
		}
	}
	x = vo_xml_new(&h, err);
	if (!x)
		return nomem(err);
	rc = vo_xml_feed(x, open, sizeof open - 1);
	if (!rc)
		rc = vo_xml_feed(x, xml, len);
	if (!rc)
		rc = vo_xml_feed(x, close, sizeof close - 1);
	if (!rc)
		rc = vo_xml_finish(x);
	vo_xml_free(x);
	vo_buf_free(&p.text);
	if (rc) {
		vo_err_prefix(err, "service descriptors: ");
		vo_dl_services_free(p.s, p.n);
		return rc;
	}
	if (!p.n) {
		free(p.s);
		return 0;
	}
	*out = p.s;
	*n = p.n;
	return 0;
}

/* ------------------------------------------------------------ semantics */

/* The DataLink core vocabulary (http://www.ivoa.net/rdf/datalink/core,
 * terms.csv as of 2022, unchanged since): term and its broader term. */
static const struct {
	const char *term, *broader;
} vocab[] = {
	{"this", NULL},
	{"progenitor", NULL},
	{"derivation", NULL},
	{"auxiliary", NULL},
	{"weight", "auxiliary"},
	{"error", "auxiliary"},
	{"noise", "auxiliary"},
	{"calibration", NULL},
	{"bias", "calibration"},
	{"dark", "calibration"},
	{"flat", "calibration"},
	{"preview", NULL},
	{"preview-image", "preview"},
	{"preview-plot", "preview"},
	{"thumbnail", "preview"},
	{"proc", NULL},
	{"cutout", "proc"},
	{"documentation", NULL},
	{"detached-header", "documentation"},
	{"coderived", NULL},
	{"counterpart", NULL},
	{"package", NULL},
};

/* The core term in s ("preview" for "#preview" or CORE_URI"#preview") as
 * pointer and length into s; NULL when s is not a core term. */
static const char *core_term(const char *s, size_t *len)
{
	static const char *const bases[] = {CORE_URI, "https://www.ivoa.net/rdf/datalink/core"};
	size_t n, i;
	const char *t = span_trim(s, &n);

	for (i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		size_t bl = strlen(bases[i]);

		if (n > bl && !strncasecmp(t, bases[i], bl) && t[bl] == '#') {
			t += bl;
			n -= bl;
			break;
		}
	}
	if (n < 2 || t[0] != '#')
		return NULL;
	*len = n - 1;
	return t + 1;
}

static const char *broader_of(const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof vocab / sizeof vocab[0]; i++)
		if (strlen(vocab[i].term) == n && !memcmp(vocab[i].term, t, n))
			return vocab[i].broader;
	return NULL;
}

int vo_dl_semantics_is(const char *sem, const char *term)
{
	const char *st, *tt, *b;
	size_t sl, tl;
	int hops;

	if (!sem || !term)
		return 0;
	st = core_term(sem, &sl);
	tt = core_term(term, &tl);
	if (!st || !tt) {
		if (st || tt)
			return 0;
		st = span_trim(sem, &sl);
		tt = span_trim(term, &tl);
		/* "#" alone names no term */
		return sl && *st != '#' && sl == tl && !memcmp(st, tt, sl);
	}
	for (hops = 0; st && hops < 8; hops++) {
		if (sl == tl && !memcmp(st, tt, sl))
			return 1;
		b = broader_of(st, sl);
		st = b;
		sl = b ? strlen(b) : 0;
	}
	return 0;
}

/* The raw term a link's name is made from (pointer and length into sem or
 * a literal). */
static const char *sem_term(const char *sem, size_t *len)
{
	const char *t, *e;
	size_t n;

	if (!sem)
		return NULL;
	if ((t = core_term(sem, &n))) {
		if (vo_dl_semantics_is(sem, "#preview")) {
			*len = 7;
			return "preview";
		}
		*len = n;
		return t;
	}
	t = span_trim(sem, &n);
	e = memchr(t, '#', n);
	if (e && e + 1 < t + n) {
		*len = (size_t)(t + n - (e + 1));
		return e + 1;
	}
	if (e)
		n = (size_t)(e - t);
	if ((e = memchr(t, '?', n)))
		n = (size_t)(e - t);
	while (n && t[n - 1] == '/')
		n--;
	for (e = t + n; e > t && e[-1] != '/' && e[-1] != ':'; e--)
		;
	*len = (size_t)(t + n - e);
	return *len ? e : NULL;
}

int vo_dl_link_basename(const struct vo_dl_link *l, char *out, size_t n)
{
	char term[MAX_TERM + 1];
	const char *t, *ext;
	size_t tl = 0, i;
	int len;

	t = sem_term(l->semantics, &tl);
	if (t && tl > MAX_TERM) {
		tl = MAX_TERM;
		while (tl && ((unsigned char)t[tl] & 0xc0) == 0x80)
			tl--;   /* do not cut a UTF-8 sequence */
	}
	for (i = 0; t && i < tl; i++) {
		unsigned char c = (unsigned char)t[i];

		term[i] = c == '/' || c < 0x20 || c == 0x7f || (i == 0 && c == '.') ?
			  '_' : (char)c;
	}
	term[t ? tl : 0] = '\0';
	ext = vo_dl_ext_for_type(l->content_type);
	len = snprintf(out, n, "%s.%s", term[0] ? term : "link", ext);
	if (len < 0 || (size_t)len >= n) {
		if (n)
			out[0] = '\0';
		return -ENOSPC;
	}
	return len;
}

static int ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && !memcmp(s + n - k, suf, k);
}

const char *vo_dl_ext_for_type(const char *ct)
{
	static const struct {
		const char *type, *ext;
		int prefix;
	} map[] = {
		{"image/fits", "fits", 0}, {"application/fits", "fits", 0},
		{"application/x-fits", "fits", 1}, {"image/x-fits", "fits", 1},
		{"image/jpeg", "jpg", 0}, {"image/jpg", "jpg", 0},
		{"image/pjpeg", "jpg", 0}, {"image/png", "png", 0},
		{"image/gif", "gif", 0}, {"image/svg+xml", "svg", 0},
		{"application/x-votable+xml", "vot", 0},
		{"application/votable+xml", "vot", 0},
		{"application/xhtml+xml", "html", 0}, {"text/html", "html", 0},
		{"text/xml", "xml", 0}, {"application/xml", "xml", 0},
		{"text/csv", "csv", 0}, {"text/tab-separated-values", "tsv", 0},
		{"text/plain", "txt", 0}, {"application/pdf", "pdf", 0},
		{"application/json", "json", 0},
		{"application/x-tar", "tar", 0}, {"application/tar", "tar", 0},
		{"application/gzip", "gz", 0}, {"application/x-gzip", "gz", 0},
		{"application/zip", "zip", 0},
		{"application/x-zip-compressed", "zip", 0},
		{"application/x-hdf5", "hdf5", 0}, {"application/x-hdf", "hdf5", 0},
		{"application/hdf5", "hdf5", 0},
	};
	char t[128];
	size_t n = 0, i;

	if (!ct)
		return "bin";
	while (is_blank(*ct))
		ct++;
	for (; ct[n] && ct[n] != ';'; n++) {
		if (n == sizeof t - 1)
			return "bin";
		t[n] = ct[n] >= 'A' && ct[n] <= 'Z' ? (char)(ct[n] - 'A' + 'a') : ct[n];
	}
	while (n && is_blank(t[n - 1]))
		n--;
	t[n] = '\0';
	for (i = 0; i < sizeof map / sizeof map[0]; i++) {
		size_t k = strlen(map[i].type);

		if (map[i].prefix ? !strncmp(t, map[i].type, k) : !strcmp(t, map[i].type))
			return map[i].ext;
	}
	if (ends_with(t, n, "+xml"))
		return "xml";
	if (ends_with(t, n, "+json"))
		return "json";
	return "bin";
}

/* ------------------------------------------------------------ lookups */

int vo_dl_service_is(const struct vo_dl_service *s, const char *std)
{
	const char *sid;
	size_t n, k;

	if (!s || !s->standard_id || !std)
		return 0;
	sid = span_trim(s->standard_id, &n);
	k = strlen(std);
	return n >= k && !strncasecmp(sid, std, k) && (n == k || sid[k] == '.');
}

static const struct vo_dl_service *service_by_id(const struct vo_dl_doc *d,
						 const char *id)
{
	size_t i;

	for (i = 0; id && i < d->nservices; i++)
		if (same_str(d->services[i].id, id))
			return &d->services[i];
	return NULL;
}

const struct vo_dl_service *vo_dl_link_service(const struct vo_dl_doc *d,
					       const struct vo_dl_link *l)
{
	return l ? service_by_id(d, l->service_def) : NULL;
}

const struct vo_dl_param *vo_dl_service_param(const struct vo_dl_service *s,
					      const char *name)
{
	size_t i;

	for (i = 0; s && name && i < s->nparams; i++)
		if (s->params[i].name && !strcasecmp(s->params[i].name, name))
			return &s->params[i];
	return NULL;
}

const struct vo_dl_service *vo_dl_soda_sync(const struct vo_dl_doc *d,
					    const char *id,
					    const struct vo_dl_link **row)
{
	size_t i;

	if (row)
		*row = NULL;
	if (!id)
		return NULL;
	for (i = 0; i < d->nlinks; i++) {
		const struct vo_dl_link *l = &d->links[i];
		const struct vo_dl_service *s;

		if (!same_str(l->id, id) || !l->service_def)
			continue;
		s = vo_dl_link_service(d, l);
		if (vo_dl_service_is(s, VO_DL_STD_SODA_SYNC)) {
			if (row)
				*row = l;
			return s;
		}
	}
	for (i = 0; i < d->nservices; i++) {
		const struct vo_dl_service *s = &d->services[i];
		const struct vo_dl_param *p = vo_dl_service_param(s, "ID");

		if (vo_dl_service_is(s, VO_DL_STD_SODA_SYNC) && p && same_str(p->value, id))
			return s;
	}
	return NULL;
}

/* ------------------------------------------------------------ URLs */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) ('+' is a space).  NULL with *bad set on a bad
 * escape or %00 (no C string can hold it). */
static char *pct_decode(const char *s, size_t n, int *bad)
{
	char *o = malloc(n + 1);
	size_t i, k = 0;

	*bad = 0;
	if (!o)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi | lo) == 0) {
				free(o);
				*bad = 1;
				return NULL;
			}
			o[k++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			o[k++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	o[k] = '\0';
	return o;
}

/* One parameter of a query string, as written. */
struct qparam {
	const char *k, *v;
	size_t kl, vl;
};

/* The query of url (after '?', before '#'): 0 when there is none. */
static int url_query(const char *url, const char **qs, const char **qe)
{
	const char *end = url + strcspn(url, "#");
	const char *q = memchr(url, '?', (size_t)(end - url));

	if (!q)
		return 0;
	*qs = q + 1;
	*qe = end;
	return 1;
}

/* The next non-empty parameter in [*p, end); 0 at the end. */
static int query_next(const char **p, const char *end, struct qparam *q)
{
	while (*p < end) {
		const char *s = *p, *amp = memchr(s, '&', (size_t)(end - s));
		const char *e = amp ? amp : end, *eq;

		*p = amp ? amp + 1 : end;
		if (e == s)
			continue;
		eq = memchr(s, '=', (size_t)(e - s));
		q->k = s;
		q->kl = (size_t)((eq ? eq : e) - s);
		q->v = eq ? eq + 1 : e;
		q->vl = (size_t)(e - q->v);
		return 1;
	}
	return 0;
}

static int is_id_key(const struct qparam *q)
{
	return q->kl == 2 && !strncasecmp(q->k, "ID", 2);
}

int vo_dl_split_url(const char *url, char **base, char **id)
{
	const char *qs, *qe, *p;
	struct qparam q, idq = {0};
	struct vo_buf b = VO_BUF_INIT;
	size_t nid = 0;
	int first = 1, bad;

	*base = *id = NULL;
	if (!url || !url_query(url, &qs, &qe))
		return -EINVAL;
	for (p = qs; query_next(&p, qe, &q);)
		if (is_id_key(&q)) {
			nid++;
			idq = q;
		}
	if (nid != 1 || !idq.vl)
		return -EINVAL;
	*id = pct_decode(idq.v, idq.vl, &bad);
	if (!*id)
		return bad ? -EINVAL : -ENOMEM;
	if (vo_buf_add(&b, url, (size_t)(qs - 1 - url)))
		goto oom;
	for (p = qs; query_next(&p, qe, &q);) {
		if (is_id_key(&q))
			continue;
		if (vo_buf_addc(&b, first ? '?' : '&') ||
		    vo_buf_add(&b, q.k, (size_t)(q.v + q.vl - q.k)))
			goto oom;
		first = 0;
	}
	*base = vo_buf_take(&b);
	if (*base)
		return 0;
oom:
	vo_buf_free(&b);
	free(*id);
	*id = NULL;
	return -ENOMEM;
}

static int add_kv(struct vo_buf *u, char *sep, const char *name,
		  const char *value)
{
	int rc = 0;

	if (*sep)
		rc = vo_buf_addc(u, *sep);
	*sep = '&';
	if (!rc)
		rc = vo_http_urlencode(u, name);
	if (!rc)
		rc = vo_buf_addc(u, '=');
	if (!rc)
		rc = vo_http_urlencode(u, value);
	return rc;
}

static const char *svc_label(const struct vo_dl_service *s)
{
	return s->id ? s->id : s->name ? s->name : "(unnamed)";
}

int vo_dl_service_url(const struct vo_dl_service *svc, vo_dl_ref_fn ref_fn,
		      void *ud, const struct vo_dl_kv *user, size_t nuser,
		      struct vo_buf *url, struct vo_err *err)
{
	const char *au, *q;
	size_t i, j, aul;
	char sep;
	int rc = 0;

	vo_buf_reset(url);
	if (!svc)
		return vo_err_set(err, EINVAL, "no service descriptor");
	if (!svc->access_url)
		return vo_err_set(err, EINVAL, "service descriptor '%s' has no accessURL",
				  svc_label(svc));
	au = svc->access_url;
	aul = strlen(au);
	q = strchr(au, '?');
	sep = !q ? '?' : (au[aul - 1] == '?' || au[aul - 1] == '&') ? '\0' : '&';
	if (vo_buf_add(url, au, aul))
		return nomem(err);
	for (i = 0; i < svc->nparams && !rc; i++) {
		const struct vo_dl_param *p = &svc->params[i];
		const char *v = p->value;

		if (!p->name)
			continue;
		for (j = 0; j < nuser; j++)
			if (user[j].name && !strcasecmp(user[j].name, p->name))
				break;
		if (j < nuser)
			continue;
		if (!v && p->ref) {
			v = ref_fn ? ref_fn(ud, p->ref) : NULL;
			if (!v)
				return vo_err_set(err, EINVAL,
						  "service descriptor '%s': input parameter %s takes its value from column '%s', which the row does not have (or it is null)",
						  svc_label(svc), p->name, p->ref);
		}
		if (v)
			rc = add_kv(url, &sep, p->name, v);
	}
	for (j = 0; j < nuser && !rc; j++)
		if (user[j].name && user[j].value)
			rc = add_kv(url, &sep, user[j].name, user[j].value);
	return rc ? nomem(err) : 0;
}

static const char *link_ref(void *ud, const char *ref)
{
	return vo_dl_link_cell(ud, ref);
}

int vo_soda_url(const struct vo_dl_service *svc, const struct vo_dl_link *row,
		const char *pos, struct vo_buf *url, struct vo_err *err)
{
	const struct vo_dl_param *idp, *posp;
	struct vo_dl_kv kv[2];
	size_t nkv = 0;
	int rc;

	vo_buf_reset(url);
	if (!svc)
		return vo_err_set(err, EINVAL, "no SODA descriptor");
	if ((rc = vo_soda_check_pos(pos, err)))
		return rc;
	if (!svc->access_url)
		return vo_err_set(err, EINVAL, "SODA descriptor '%s' has no accessURL",
				  svc_label(svc));
	if (!(idp = vo_dl_service_param(svc, "ID")))
		return vo_err_set(err, EINVAL, "SODA descriptor '%s' has no ID input parameter",
				  svc_label(svc));
	if (!(posp = vo_dl_service_param(svc, "POS")))
		return vo_err_set(err, EINVAL, "SODA descriptor '%s' has no POS input parameter",
				  svc_label(svc));
	if (!idp->value && !idp->ref) {
		if (!row || !row->id)
			return vo_err_set(err, EINVAL,
					  "SODA descriptor '%s': the ID input parameter has no value and there is no row to take it from",
					  svc_label(svc));
		kv[nkv].name = idp->name;
		kv[nkv++].value = row->id;
	}
	kv[nkv].name = posp->name;
	kv[nkv++].value = pos;
	/* the row is only read: link_ref gets it back as const */
	return vo_dl_service_url(svc, row ? link_ref : NULL, (void *)(uintptr_t)row,
				 kv, nkv, url, err);
}

/* ------------------------------------------------------------ SODA POS */

/* A DALI number: [+-] digits [. digits] [e [+-] digits]; with inf_ok also
 * [+-]Inf.  0, -1 (not a number) or -2 (not finite). */
static int pos_number(const char *t, size_t n, int inf_ok, double *v)
{
	char buf[64];
	size_t i = 0, digits = 0;
	char *end;

	if (n && (t[0] == '+' || t[0] == '-'))
		i = 1;
	if (inf_ok && n - i == 3 && !strncasecmp(t + i, "inf", 3)) {
		*v = t[0] == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
		digits++;
	if (i < n && t[i] == '.')
		for (i++; i < n && t[i] >= '0' && t[i] <= '9'; i++)
			digits++;
	if (!digits)
		return -1;
	if (i < n && (t[i] == 'e' || t[i] == 'E')) {
		size_t ed = 0;

		i++;
		if (i < n && (t[i] == '+' || t[i] == '-'))
			i++;
		for (; i < n && t[i] >= '0' && t[i] <= '9'; i++)
			ed++;
		if (!ed)
			return -1;
	}
	if (i != n)
		return -1;
	if (n >= sizeof buf)
		return -2;   /* 64 digits: no useful coordinate */
	memcpy(buf, t, n);
	buf[n] = '\0';
	*v = strtod(buf, &end);
	return isfinite(*v) ? 0 : -2;
}

static const char *next_token(const char *s, size_t *n)
{
	while (is_blank(*s))
		s++;
	*n = 0;
	while (s[*n] && !is_blank(s[*n]))
		(*n)++;
	return s;
}

int vo_soda_check_pos(const char *pos, struct vo_err *err)
{
	enum { CIRCLE, RANGE, POLYGON } shape;
	double v[4] = {0, 0, 0, 0};
	const char *t;
	size_t tl, count = 0;

	if (!pos)
		return vo_err_set(err, EINVAL, "POS is missing");
	t = next_token(pos, &tl);
	if (!tl)
		return vo_err_set(err, EINVAL, "POS is empty");
	if (tl == 6 && !memcmp(t, "CIRCLE", 6))
		shape = CIRCLE;
	else if (tl == 5 && !memcmp(t, "RANGE", 5))
		shape = RANGE;
	else if (tl == 7 && !memcmp(t, "POLYGON", 7))
		shape = POLYGON;
	else
		return vo_err_set(err, EINVAL,
				  "POS: unknown shape '%.*s' (CIRCLE, RANGE or POLYGON, in upper case)",
				  (int)(tl > 40 ? 40 : tl), t);
	for (t = next_token(t + tl, &tl); tl; t = next_token(t + tl, &tl), count++) {
		double x;
		int lat = shape == RANGE ? count >= 2 : count % 2 == 1;
		int rc = pos_number(t, tl, shape == RANGE, &x);

		if (rc == -1)
			return vo_err_set(err, EINVAL, "POS: '%.*s' is not a number",
					  (int)(tl > 40 ? 40 : tl), t);
		if (rc == -2)
			return vo_err_set(err, EINVAL, "POS: %.*s is not a finite number",
					  (int)(tl > 40 ? 40 : tl), t);
		if (shape == CIRCLE && count == 2)
			lat = 0;   /* the radius */
		if (lat && isfinite(x) && (x < -90 || x > 90))
			return vo_err_set(err, EINVAL, "POS: latitude %.*s is outside [-90, 90]",
					  (int)(tl > 40 ? 40 : tl), t);
		if (count < 4)
			v[count] = x;
	}
	switch (shape) {
	case CIRCLE:
		if (count != 3)
			return vo_err_set(err, EINVAL,
					  "POS: CIRCLE takes 3 numbers (lon lat radius), not %zu", count);
		if (!(v[2] > 0 && v[2] <= 180))
			return vo_err_set(err, EINVAL,
					  "POS: CIRCLE radius must be > 0 and <= 180 degrees, not %g", v[2]);
		break;
	case RANGE:
		if (count != 4)
			return vo_err_set(err, EINVAL,
					  "POS: RANGE takes 4 numbers (lon1 lon2 lat1 lat2), not %zu", count);
		if (v[0] > v[1] || v[0] == INFINITY || v[1] == -INFINITY)
			return vo_err_set(err, EINVAL,
					  "POS: RANGE longitudes %g %g: the lower limit must not exceed the upper",
					  v[0], v[1]);
		if (v[2] > v[3] || v[2] == INFINITY || v[3] == -INFINITY)
			return vo_err_set(err, EINVAL,
					  "POS: RANGE latitudes %g %g: the lower limit must not exceed the upper",
					  v[2], v[3]);
		break;
	case POLYGON:
		if (count % 2)
			return vo_err_set(err, EINVAL,
					  "POS: POLYGON takes pairs of numbers (lon lat), not %zu numbers", count);
		if (count < 6)
			return vo_err_set(err, EINVAL,
					  "POS: POLYGON needs at least 3 vertices (6 numbers), not %zu numbers", count);
		break;
	}
	return 0;
}

/* ------------------------------------------------------------ batching */

static int is_overflow(const struct vo_dl_doc *d)
{
	return d->status && !strcmp(d->status, "OVERFLOW");
}

static int cmp_str(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;

	return x && y ? strcmp(x, y) : (x != NULL) - (y != NULL);
}

/* Whether the rows of each ID are together; 0 also when memory fails
 * (then nothing can be trusted either). */
static int runs_contiguous(const struct vo_dl_doc *d)
{
	const char **run = malloc((d->nlinks ? d->nlinks : 1) * sizeof *run);
	size_t nrun = 0, i;
	int ok = 1;

	if (!run)
		return 0;
	for (i = 0; i < d->nlinks; i++)
		if (!i || !same_str(d->links[i].id, d->links[i - 1].id))
			run[nrun++] = d->links[i].id;
	qsort(run, nrun, sizeof *run, cmp_str);
	for (i = 1; i < nrun && ok; i++)
		ok = !same_str(run[i], run[i - 1]);
	free(run);
	return ok;
}

size_t vo_dl_complete(const struct vo_dl_doc *d, const char *const *ids,
		      size_t n, unsigned char *answered, unsigned char *keep)
{
	const char *cut, *prev = NULL;
	size_t nkeep = 0, i, j;

	if (!is_overflow(d)) {
		memset(answered, 1, n);
		if (keep)
			memset(keep, 1, d->nlinks);
		return d->nlinks;
	}
	memset(answered, 0, n);
	if (keep)
		memset(keep, 0, d->nlinks);
	if (!runs_contiguous(d))
		return 0;
	/* the last row's ID may have been cut */
	cut = d->nlinks ? d->links[d->nlinks - 1].id : NULL;
	for (i = 0; i < d->nlinks; i++) {
		const char *id = d->links[i].id;
		int k = !same_str(id, cut);

		if (keep)
			keep[i] = (unsigned char)k;
		if (!k)
			continue;
		nkeep++;
		if (i && same_str(id, prev))
			continue;   /* a run of one ID is looked up once */
		prev = id;
		for (j = 0; id && j < n; j++)
			if (!answered[j] && !strcmp(ids[j], id))
				answered[j] = 1;
	}
	return nkeep;
}

/* ids sorted (by text, then position), for dedup and look-ups */
struct id_ent {
	const char *s;
	size_t i;
};

struct id_index {
	struct id_ent *e;
	size_t n;
};

static int cmp_ent(const void *a, const void *b)
{
	const struct id_ent *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : x->i < y->i ? -1 : x->i > y->i;
}

static int index_build(struct id_index *ix, const char *const *ids, size_t n)
{
	size_t i;

	ix->n = n;
	ix->e = malloc((n ? n : 1) * sizeof *ix->e);
	if (!ix->e)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ix->e[i].s = ids[i];
		ix->e[i].i = i;
	}
	qsort(ix->e, n, sizeof *ix->e, cmp_ent);
	return 0;
}

/* position of the first occurrence of id in ids, or n */
static size_t index_find(const struct id_index *ix, const char *id)
{
	size_t lo = 0, hi = ix->n;

	if (!id)
		return ix->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->e[mid].s, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && !strcmp(ix->e[lo].s, id) ? ix->e[lo].i : ix->n;
}

struct link_key {
	size_t key, seq;
};

static int cmp_key(const void *a, const void *b)
{
	const struct link_key *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Order links by the request position of their ID, stably. */
static int order_links(struct vo_dl_doc *d, const struct id_index *ix)
{
	struct link_key *k = malloc((d->nlinks ? d->nlinks : 1) * sizeof *k);
	struct vo_dl_link *nl = malloc((d->nlinks ? d->nlinks : 1) * sizeof *nl);
	size_t i;

	if (!k || !nl) {
		free(k);
		free(nl);
		return -ENOMEM;
	}
	for (i = 0; i < d->nlinks; i++) {
		k[i].key = index_find(ix, d->links[i].id);
		k[i].seq = i;
	}
	qsort(k, d->nlinks, sizeof *k, cmp_key);
	for (i = 0; i < d->nlinks; i++)
		nl[i] = d->links[k[i].seq];
	free(d->links);
	d->links = nl;
	free(k);
	return 0;
}

static int service_id_taken(const struct vo_dl_doc *a, const struct vo_dl_doc *b,
			    const char *id)
{
	return service_by_id(a, id) || service_by_id(b, id);
}

/* Move the links of r that keep[] says (all when keep is NULL), and all
 * descriptors and column sets, into out; r is left empty. */

/* Move *nsrc items of size sz from src to the end of the array *dst (of
 * *ndst items); *nsrc becomes 0 (src keeps nothing to free).  -ENOMEM
 * leaves everything as it was. */
static int append_items(void **dst, size_t *ndst, const void *src, size_t *nsrc, size_t sz)
{
	char *np;

	if (!*nsrc)
		return 0;
	np = realloc(*dst, (*ndst + *nsrc) * sz);
	if (!np)
		return -ENOMEM;
	memcpy(np + *ndst * sz, src, *nsrc * sz);
	*dst = np;
	*ndst += *nsrc;
	*nsrc = 0;
	return 0;
}

static int merge(struct vo_dl_doc *out, struct vo_dl_doc *r,
		 const unsigned char *keep, struct vo_err *err)
{
	const struct vo_dl_cols *hc = out->ncolsets ? out->colsets[0] : NULL;
	struct vo_buf tmp = VO_BUF_INIT;
	long *map = NULL;
	int rerender = 0;
	size_t i, j;
	void *np;

	for (i = 0, j = 0; keep && i < r->nlinks; i++) {
		if (keep[i])
			r->links[j++] = r->links[i];
		else
			link_free(&r->links[i]);
	}
	if (keep)
		r->nlinks = j;
	/* descriptor IDs must stay unique: rename r's clashing ones */
	for (i = 0; i < r->nservices; i++) {
		struct vo_dl_service *s = &r->services[i];
		char *old = s->id, *nid;
		size_t cap, k;

		if (!old || !service_by_id(out, old))
			continue;
		cap = strlen(old) + 24;
		if (!(nid = malloc(cap)))
			goto oom;
		for (k = 2;; k++) {
			snprintf(nid, cap, "%s~%zu", old, k);
			if (!service_id_taken(out, r, nid))
				break;
		}
		for (j = 0; j < r->nlinks; j++) {
			struct vo_dl_link *l = &r->links[j];
			long c = l->cols->col[C_SERVICE_DEF];
			char *cell;

			if (c < 0 || !same_str(l->service_def, old))
				continue;
			if (!(cell = strdup(nid))) {
				free(nid);
				goto oom;
			}
			free(l->cells[c]);
			l->cells[c] = cell;
			l->service_def = cell;
			free(l->csv);
			l->csv = NULL;   /* re-rendered below */
		}
		s->id = nid;
		free(old);
	}
	if (!out->csv_header) {
		out->csv_header = r->csv_header;
		r->csv_header = NULL;
	} else if (r->csv_header && strcmp(r->csv_header, out->csv_header)) {
		rerender = 1;
	}
	if (hc)
		map = malloc((hc->n ? hc->n : 1) * sizeof *map);
	if (hc && !map)
		goto oom;
	for (j = 0; j < r->nlinks; j++) {
		struct vo_dl_link *l = &r->links[j];

		if (!rerender && l->csv)
			continue;
		if (rerender) {
			/* the first response's columns, by name */
			for (i = 0; i < hc->n; i++) {
				size_t c;

				map[i] = -1;
				for (c = 0; c < l->cols->n && map[i] < 0; c++)
					if (!strcmp(l->cols->names[c], hc->names[i]))
						map[i] = (long)c;
				for (c = 0; c < l->cols->n && map[i] < 0; c++)
					if (!strcasecmp(l->cols->names[c], hc->names[i]))
						map[i] = (long)c;
			}
		}
		if (link_render(l, rerender ? map : NULL, rerender ? hc->n : 0, &tmp))
			goto oom;
	}
	free(map);
	map = NULL;
	vo_buf_free(&tmp);
	/* through void pointers of their own: no type punning */
	np = out->links;
	if (append_items(&np, &out->nlinks, r->links, &r->nlinks, sizeof *r->links))
		goto oom;
	out->links = np;
	np = out->services;
	if (append_items(&np, &out->nservices, r->services, &r->nservices, sizeof *r->services))
		goto oom;
	out->services = np;
	np = out->colsets;
	if (append_items(&np, &out->ncolsets, r->colsets, &r->ncolsets, sizeof *r->colsets))
		goto oom;
	out->colsets = np;
	out->mem += r->mem;
	vo_dl_doc_free(r);
	if (out->mem > VO_DL_MAX_MEM)
		return vo_err_set(err, EFBIG, "DataLink: links larger than %zu bytes (2 x doc_max)",
				  VO_DL_MAX_MEM);
	return 0;
oom:
	free(map);
	vo_buf_free(&tmp);
	vo_dl_doc_free(r);
	return nomem(err);
}

int vo_dl_fetch_with(const char *base, const char *const *ids, size_t n,
		     vo_dl_post_fn post, void *ud, struct vo_dl_doc *out,
		     struct vo_err *err)
{
	struct id_index ix = {0};
	struct vo_buf body = VO_BUF_INIT;
	struct vo_dl_doc r;
	size_t *queue = NULL, nq = 0, i, batch = VO_DL_MAX_BATCH, k, kmax;
	const char **req = NULL;
	unsigned char *ans = NULL, *asked = NULL, *keep = NULL;
	char *cut_id = NULL;
	size_t ncut = 0;
	int rc = 0;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if (index_build(&ix, ids, n))
		return nomem(err);
	kmax = n < batch ? (n ? n : 1) : batch;
	queue = malloc((n ? n : 1) * sizeof *queue);
	req = malloc(kmax * sizeof *req);
	ans = malloc(kmax);
	asked = malloc(kmax);
	if (!queue || !req || !ans || !asked) {
		rc = nomem(err);
		goto out;
	}
	/* each ID once, in the order of its first occurrence */
	for (i = 0; i < n; i++)
		if (index_find(&ix, ids[i]) == i)
			queue[nq++] = i;
	while (nq) {
		size_t nans = 0, nasked = 0, w;

		k = nq < batch ? nq : batch;
		for (i = 0; i < k; i++)
			req[i] = ids[queue[i]];
		memset(asked, 1, k);
		vo_buf_reset(&body);
		if ((rc = post(ud, base, req, k, asked, &body, err)))
			goto out;
		for (i = 0; i < k; i++)
			nasked += asked[i] != 0;
		if (!nasked) {
			rc = vo_err_set(err, EPROTO,
					"DataLink %s: the service answered about none of the IDs asked",
					base);
			goto out;
		}
		if ((rc = vo_dl_parse(body.p ? body.p : "", body.len, &r, err))) {
			vo_err_prefix(err, "DataLink %s: ", base);
			goto out;
		}
		free(keep);
		if (!(keep = malloc(r.nlinks ? r.nlinks : 1))) {
			rc = nomem(err);
			goto out;
		}
		vo_dl_complete(&r, req, k, ans, keep);
		for (i = 0; i < k; i++) {
			ans[i] = ans[i] && asked[i];
			nans += ans[i];
		}
		if (!nans) {
			if (k > 1) {
				/* not even one ID came whole: one at a time */
				batch = 1;
				vo_dl_doc_free(&r);
				continue;
			}
			/* one ID has more links than the server sends at once */
			memset(keep, 1, r.nlinks);
			ans[0] = 1;
			if (!ncut++ && !(cut_id = strdup(req[0]))) {
				rc = nomem(err);
				goto out;
			}
		} else if (is_overflow(&r) || nasked < k) {
			/* as many as the server showed it takes */
			batch = nans;
		}
		if ((rc = merge(out, &r, keep, err)))
			goto out;
		for (i = 0, w = 0; i < nq; i++)
			if (i >= k || !ans[i])
				queue[w++] = queue[i];
		nq = w;
	}
	if (order_links(out, &ix)) {
		rc = nomem(err);
		goto out;
	}
	if (sdup(&out->status, ncut ? "OVERFLOW" : "OK")) {
		rc = nomem(err);
		goto out;
	}
	if (ncut) {
		size_t cap = strlen(cut_id) + 128;

		out->status_msg = malloc(cap);
		if (!out->status_msg) {
			rc = nomem(err);
			goto out;
		}
		snprintf(out->status_msg, cap,
			 "the links of %s were cut by the service%s", cut_id,
			 ncut > 1 ? " (and of other IDs)" : "");
	}
out:
	vo_dl_doc_free(&r);
	vo_buf_free(&body);
	free(ix.e);
	free(queue);
	free(req);
	free(ans);
	free(asked);
	free(keep);
	free(cut_id);
	if (rc)
		vo_dl_doc_free(out);
	return rc;
}

/* ------------------------------------------------------------ HTTP */

struct http_ctx {
	long timeout_s;
};

/* After a redirect to url: if url names IDs itself (DaCHS's ObsCore links
 * endpoint sends each ID on to its collection's service, the first one
 * only), the answer is about those: clear asked[] for the others and
 * return 1; 0 when url names no ID. */
static int redirect_ids(const char *url, const char *const *ids, size_t k,
			unsigned char *asked)
{
	const char *qs, *qe, *p;
	struct qparam q;
	size_t i;
	int any = 0, bad;

	if (!url_query(url, &qs, &qe))
		return 0;
	for (p = qs; query_next(&p, qe, &q);) {
		char *v;

		if (!is_id_key(&q))
			continue;
		if (!any)
			memset(asked, 0, k);
		any = 1;
		if (!(v = pct_decode(q.v, q.vl, &bad)))
			continue;
		for (i = 0; i < k; i++)
			if (!strcmp(ids[i], v))
				asked[i] = 1;
		free(v);
	}
	return any;
}

/* POST the IDs, following redirects by hand: curl would turn a redirected
 * POST into a GET and lose them.  A 303, or a redirect to a URL naming its
 * own IDs, is followed with a plain GET. */
static int http_post(void *ud, const char *base, const char *const *ids,
		     size_t k, unsigned char *asked, struct vo_buf *body,
		     struct vo_err *err)
{
	const struct http_ctx *c = ud;
	struct vo_http_param *pv = calloc(k ? k : 1, sizeof *pv);
	struct vo_http_resp resp;
	char *url = strdup(base);
	int post = 1, hops, rc = 0;
	size_t i;

	memset(&resp, 0, sizeof resp);
	if (!pv || !url) {
		rc = nomem(err);
		goto out;
	}
	for (i = 0; i < k; i++) {
		pv[i].name = "ID";
		pv[i].value = ids[i];
	}
	for (hops = 0;; hops++) {
		struct vo_http_req req = {
			.method = post ? "POST" : "GET", .url = url,
			.params = post ? pv : NULL, .nparams = post ? k : 0,
			.follow = 0, .timeout_s = c->timeout_s,
			.max_body = VO_DL_MAX_DOC, .min_rate = VO_HTTP_MIN_RATE,
		};

		if ((rc = vo_http_do(&req, &resp, err)))
			goto out;
		if (resp.status < 300 || resp.status >= 400 || !resp.location[0])
			break;
		if (hops >= MAX_REDIRECTS) {
			rc = vo_err_set(err, ELOOP, "DataLink %s: more than %d redirects",
					base, MAX_REDIRECTS);
			goto out;
		}
		if (resp.status == 303 || redirect_ids(resp.location, ids, k, asked))
			post = 0;
		free(url);
		if (!(url = strdup(resp.location))) {
			rc = nomem(err);
			goto out;
		}
	}
	if (resp.status < 200 || resp.status >= 300) {
		rc = vo_http_status_err(&resp, err, "DataLink %s", url);
		goto out;
	}
	vo_buf_free(body);
	*body = resp.body;
	memset(&resp.body, 0, sizeof resp.body);
out:
	vo_http_resp_free(&resp);
	free(pv);
	free(url);
	return rc;
}

int vo_dl_fetch(const char *base, const char *const *ids, size_t n,
		long timeout_s, struct vo_dl_doc *out, struct vo_err *err)
{
	struct http_ctx c = {.timeout_s = timeout_s};

	return vo_dl_fetch_with(base, ids, n, http_post, &c, out, err);
}
