/* vo/vosi.c - VOSI capabilities and tables, DALI examples; see vosi.h. */
#include "vosi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "log.h"
#include "xml.h"

#define VOSI_DEPTH 32
#define VOSI_TEXT_CAP (1u << 20)
#define VOSI_DEFAULT_DOC_CAP ((size_t)16 << 20)
static size_t doc_cap = VOSI_DEFAULT_DOC_CAP;
#define VOSI_DOC_CAP vo_vosi_max_doc()

size_t vo_vosi_max_doc(void)
{
	return __atomic_load_n(&doc_cap, __ATOMIC_RELAXED);
}

void vo_vosi_set_max_doc(size_t bytes)
{
	__atomic_store_n(&doc_cap, bytes ? bytes : VOSI_DEFAULT_DOC_CAP, __ATOMIC_RELAXED);
}

/* Element-name stack and text accumulator shared by the parsers. */
struct path {
	char names[VOSI_DEPTH][48];
	int depth;            /* may exceed VOSI_DEPTH: deeper names not kept */
	struct vo_buf text;
};

static void path_push(struct path *p, const char *name)
{
	if (p->depth < VOSI_DEPTH)
		snprintf(p->names[p->depth], sizeof p->names[0], "%s", name);
	p->depth++;
	vo_buf_reset(&p->text);
}

static void path_pop(struct path *p)
{
	if (p->depth > 0)
		p->depth--;
}

/* name of the element n levels above the current one (0: current) */
static const char *path_up(const struct path *p, int n)
{
	int i = p->depth - 1 - n;

	if (i < 0 || i >= VOSI_DEPTH)
		return "";
	return p->names[i];
}

static int path_text(struct path *p, const char *s, size_t n)
{
	if (p->text.len + n > VOSI_TEXT_CAP)
		return 0;   /* overly long text is cut, not fatal */
	return vo_buf_add(&p->text, s, n);
}

/* trimmed copy of the accumulated text */
static char *text_dup(const struct path *p)
{
	const char *s = p->text.p ? p->text.p : "";
	size_t b = 0, e = p->text.len;

	while (b < e && (s[b] == ' ' || s[b] == '\n' || s[b] == '\r' || s[b] == '\t'))
		b++;
	while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\n' || s[e - 1] == '\r' || s[e - 1] == '\t'))
		e--;
	return strndup(s + b, e - b);
}

static void replace(char **dst, char *v)
{
	free(*dst);
	*dst = v;
}

/* --- capabilities ------------------------------------------------------- */

#define STD_TAP "ivo://ivoa.net/std/tap"
#define STD_TABLES "ivo://ivoa.net/std/vosi#tables"
#define STD_EXAMPLES "ivo://ivoa.net/std/dali#examples"
#define STD_AVAIL "ivo://ivoa.net/std/vosi#availability"

struct caps_parse {
	struct vo_caps *c;
	struct path path;
	char std[256];        /* lower-cased standardID of the current capability */
	char lang_name[64];
	int geo_features;     /* inside languageFeatures of the adqlgeo type */
	char fmt_mime[256];
	char fmt_alias[64];
	int iface_std;        /* current interface has role="std" */
	int have_std_iface;
};

static void lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

static int caps_start(void *ud, const char *name, const struct vo_xml_attr *a, size_t na)
{
	struct caps_parse *p = ud;

	path_push(&p->path, name);
	if (strcmp(name, "capability") == 0) {
		const char *std = vo_xml_attr(a, na, "standardID");
		snprintf(p->std, sizeof p->std, "%s", std ? std : "");
		lower(p->std);
		p->have_std_iface = 0;
		if (std && strncmp(p->std, STD_TAP, strlen(STD_TAP)) != 0 &&
		    strncmp(p->std, "ivo://ivoa.net/std/vosi#capabilities", 36) != 0) {
			vo_buf_adds(&p->c->other_caps, std);
			vo_buf_addc(&p->c->other_caps, '\n');
		}
	} else if (strcmp(name, "interface") == 0) {
		const char *role = vo_xml_attr(a, na, "role");
		const char *ver = vo_xml_attr(a, na, "version");
		p->iface_std = role && strcmp(role, "std") == 0;
		if (p->iface_std && ver && strncmp(p->std, STD_TAP, strlen(STD_TAP)) == 0 &&
		    !p->c->tap_version)
			p->c->tap_version = strdup(ver);
	} else if (strcmp(name, "languageFeatures") == 0) {
		const char *t = vo_xml_attr(a, na, "type");
		p->geo_features = t && strstr(t, "adqlgeo") != NULL;
	} else if (strcmp(name, "outputFormat") == 0) {
		p->fmt_mime[0] = p->fmt_alias[0] = '\0';
	} else if (strcmp(name, "uploadMethod") == 0) {
		const char *id = vo_xml_attr(a, na, "ivo-id");
		if (id) {
			vo_buf_adds(&p->c->uploads, id);
			vo_buf_addc(&p->c->uploads, '\n');
		}
	} else if (strcmp(name, "language") == 0) {
		p->lang_name[0] = '\0';
	}
	return 0;
}

static long long text_ll(const struct path *p)
{
	char *s = text_dup(p), *end;
	long long v;

	if (!s)
		return -1;
	v = strtoll(s, &end, 10);
	if (end == s)
		v = -1;
	free(s);
	return v;
}

/* std is the standard id or a version of it: VOSI 1.1 services (OpenCADC)
 * write "ivo://ivoa.net/std/VOSI#tables-1.1". */
static int std_is(const char *std, const char *id)
{
	size_t n = strlen(id);

	return strncmp(std, id, n) == 0 && (std[n] == '\0' || std[n] == '-');
}

static int caps_end(void *ud, const char *name)
{
	struct caps_parse *p = ud;
	struct vo_caps *c = p->c;
	const char *parent = path_up(&p->path, 1);
	int is_tap = strncmp(p->std, STD_TAP, strlen(STD_TAP)) == 0;

	if (strcmp(name, "accessURL") == 0 && strcmp(parent, "interface") == 0) {
		char **dst = NULL;
		if (is_tap)
			dst = &c->tap_base;
		else if (std_is(p->std, STD_TABLES))
			dst = &c->tables_url;
		else if (std_is(p->std, STD_EXAMPLES))
			dst = &c->examples_url;
		else if (std_is(p->std, STD_AVAIL))
			dst = &c->availability_url;
		/* the role="std" interface wins over auxiliary ones */
		if (dst && (!*dst || (p->iface_std && !p->have_std_iface))) {
			replace(dst, text_dup(&p->path));
			if (p->iface_std)
				p->have_std_iface = 1;
		}
	} else if (is_tap && strcmp(parent, "language") == 0) {
		if (strcmp(name, "name") == 0) {
			char *s = text_dup(&p->path);
			snprintf(p->lang_name, sizeof p->lang_name, "%s", s ? s : "");
			free(s);
		} else if (strcmp(name, "version") == 0) {
			char *s = text_dup(&p->path);
			if (c->nlanguages++)
				vo_buf_adds(&c->languages, ", ");
			vo_buf_addf(&c->languages, "%s %s", p->lang_name, s ? s : "");
			free(s);
		}
	} else if (is_tap && strcmp(name, "form") == 0 && p->geo_features) {
		char *s = text_dup(&p->path);
		if (s && *s) {
			if (c->geometry.len)
				vo_buf_addc(&c->geometry, ' ');
			/* "CONTAINS" or "POINT(...)": keep the function name */
			size_t k = strcspn(s, "( ");
			vo_buf_add(&c->geometry, s, k);
		}
		free(s);
	} else if (strcmp(name, "languageFeatures") == 0) {
		p->geo_features = 0;
	} else if (is_tap && strcmp(parent, "outputFormat") == 0) {
		char *s = text_dup(&p->path);
		if (strcmp(name, "mime") == 0)
			snprintf(p->fmt_mime, sizeof p->fmt_mime, "%s", s ? s : "");
		else if (strcmp(name, "alias") == 0 && !p->fmt_alias[0])
			snprintf(p->fmt_alias, sizeof p->fmt_alias, "%s", s ? s : "");
		free(s);
	} else if (is_tap && strcmp(name, "outputFormat") == 0) {
		vo_buf_addf(&c->formats, "%s%s%s%s\n", p->fmt_mime,
			    p->fmt_alias[0] ? " (" : "", p->fmt_alias,
			    p->fmt_alias[0] ? ")" : "");
	} else if (is_tap && (strcmp(name, "default") == 0 || strcmp(name, "hard") == 0)) {
		int hard = name[0] == 'h';
		long long v = text_ll(&p->path);
		if (strcmp(parent, "outputLimit") == 0)
			*(hard ? &c->maxrec_hard : &c->maxrec_default) = v;
		else if (strcmp(parent, "retentionPeriod") == 0)
			*(hard ? &c->retention_hard : &c->retention_default) = v;
		else if (strcmp(parent, "executionDuration") == 0)
			*(hard ? &c->exec_hard : &c->exec_default) = v;
	} else if (strcmp(name, "capability") == 0) {
		p->std[0] = '\0';
	}
	path_pop(&p->path);
	return 0;
}

static int caps_text(void *ud, const char *s, size_t n)
{
	struct caps_parse *p = ud;
	return path_text(&p->path, s, n);
}

void vo_caps_free(struct vo_caps *c)
{
	if (!c)
		return;
	free(c->tap_base);
	free(c->tap_version);
	free(c->tables_url);
	free(c->examples_url);
	free(c->availability_url);
	vo_buf_free(&c->languages);
	vo_buf_free(&c->formats);
	vo_buf_free(&c->uploads);
	vo_buf_free(&c->geometry);
	vo_buf_free(&c->other_caps);
	memset(c, 0, sizeof *c);
}

int vo_caps_parse(const char *xml, size_t len, struct vo_caps *c, struct vo_err *err)
{
	struct caps_parse p = {.c = c};
	struct vo_xml_handler h = {.ud = &p, .start = caps_start, .end = caps_end,
				   .text = caps_text};
	struct vo_xml *x;
	int rc;

	memset(c, 0, sizeof *c);
	c->maxrec_default = c->maxrec_hard = -1;
	c->retention_default = c->retention_hard = -1;
	c->exec_default = c->exec_hard = -1;
	x = vo_xml_new(&h, err);
	if (!x)
		return vo_err_set(err, ENOMEM, "capabilities: out of memory");
	rc = vo_xml_feed(x, xml, len);
	if (!rc)
		rc = vo_xml_finish(x);
	vo_xml_free(x);
	vo_buf_free(&p.path.text);
	if (!rc && !c->tap_base && !c->nlanguages)
		rc = vo_err_set(err, EBADMSG, "the capabilities document declares no TAP capability");
	return rc;
}

static void describe_limit(struct vo_buf *o, const char *what, long long def,
			   long long hard, const char *unit)
{
	vo_buf_addf(o, "%-22s", what);
	if (def >= 0)
		vo_buf_addf(o, "default %lld%s", def, unit);
	else
		vo_buf_adds(o, "default not stated");
	if (hard >= 0)
		vo_buf_addf(o, ", hard %lld%s", hard, unit);
	vo_buf_addc(o, '\n');
}

/* Each line of s, indented by two spaces. */
static void indent_lines(struct vo_buf *o, const char *s)
{
	while (*s) {
		size_t k = strcspn(s, "\n");
		vo_buf_adds(o, "  ");
		vo_buf_add(o, s, k);
		vo_buf_addc(o, '\n');
		s += k + (s[k] == '\n');
	}
}

int vo_caps_describe(const struct vo_caps *c, const char *service,
		     const char *base_url, struct vo_buf *o)
{
	vo_buf_addf(o, "service               %s\n", service);
	vo_buf_addf(o, "TAP base URL          %s\n", base_url);
	if (c->tap_base && strcmp(c->tap_base, base_url) != 0)
		vo_buf_addf(o, "TAP access URL        %s\n", c->tap_base);
	vo_buf_addf(o, "TAP version           %s\n", c->tap_version ? c->tap_version : "not stated");
	vo_buf_addf(o, "sync endpoint         %s/sync\n", base_url);
	vo_buf_addf(o, "async endpoint        %s/async\n", base_url);
	vo_buf_addf(o, "tables                %s\n", c->tables_url ? c->tables_url : "(not declared)");
	vo_buf_addf(o, "examples              %s\n", c->examples_url ? c->examples_url : "(not declared)");
	if (c->availability_url)
		vo_buf_addf(o, "availability          %s\n", c->availability_url);
	vo_buf_addf(o, "query languages       %s\n", c->languages.len ? c->languages.p : "(not declared)");
	if (c->geometry.len)
		vo_buf_addf(o, "ADQL geometry         %s\n", c->geometry.p);
	describe_limit(o, "MAXREC (rows)", c->maxrec_default, c->maxrec_hard, "");
	describe_limit(o, "retention", c->retention_default, c->retention_hard, " s");
	describe_limit(o, "execution duration", c->exec_default, c->exec_hard, " s");
	vo_buf_adds(o, "output formats\n");
	if (c->formats.len)
		indent_lines(o, c->formats.p);
	else
		vo_buf_adds(o, "  (not declared; VOTable is always available)\n");
	if (c->uploads.len) {
		vo_buf_adds(o, "upload methods\n");
		indent_lines(o, c->uploads.p);
	}
	return o->p ? 0 : -ENOMEM;
}

/* --- tables -------------------------------------------------------------- */

struct tables_parse {
	struct path path;
	int (*cb)(void *ud, const struct vo_table *t);
	void *ud;
	struct vo_err *err;
	char *schema;
	int in_table;
	struct vo_table t;
	size_t cols_alloc;
	struct vo_column *col;   /* current column or NULL */
};

static void column_free(struct vo_column *c)
{
	free(c->name); free(c->datatype); free(c->arraysize); free(c->unit);
	free(c->ucd); free(c->utype); free(c->xtype); free(c->description);
}

void vo_table_free(struct vo_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->ncols; i++)
		column_free(&t->cols[i]);
	free(t->cols);
	free(t->schema); free(t->name); free(t->title); free(t->description);
	free(t->type);
	memset(t, 0, sizeof *t);
}

static int tables_start(void *ud, const char *name, const struct vo_xml_attr *a, size_t na)
{
	struct tables_parse *p = ud;

	path_push(&p->path, name);
	if (strcmp(name, "table") == 0 && !p->in_table) {
		const char *type = vo_xml_attr(a, na, "type");
		memset(&p->t, 0, sizeof p->t);
		p->cols_alloc = 0;
		p->in_table = 1;
		p->t.type = type ? strdup(type) : NULL;
		p->t.schema = p->schema ? strdup(p->schema) : NULL;
	} else if (strcmp(name, "column") == 0 && p->in_table) {
		if (p->t.ncols >= VO_VOSI_MAX_COLS)
			return vo_err_set(p->err, EFBIG, "table has more than %d columns",
					  VO_VOSI_MAX_COLS);
		if (p->t.ncols == p->cols_alloc) {
			size_t n = p->cols_alloc ? p->cols_alloc * 2 : 16;
			struct vo_column *c = realloc(p->t.cols, n * sizeof *c);
			if (!c)
				return -ENOMEM;
			p->t.cols = c;
			p->cols_alloc = n;
		}
		p->col = &p->t.cols[p->t.ncols++];
		memset(p->col, 0, sizeof *p->col);
		p->col->nullable = -1;
	} else if (strcmp(name, "dataType") == 0 && p->col) {
		const char *as = vo_xml_attr(a, na, "arraysize");
		const char *xt = vo_xml_attr(a, na, "extendedType");
		if (as)
			replace(&p->col->arraysize, strdup(as));
		if (xt)
			replace(&p->col->xtype, strdup(xt));
	}
	return 0;
}

static int tables_end(void *ud, const char *name)
{
	struct tables_parse *p = ud;
	const char *parent = path_up(&p->path, 1);
	int rc = 0;

	if (p->col && strcmp(parent, "column") == 0) {
		struct vo_column *c = p->col;
		char *v = text_dup(&p->path);
		if (strcmp(name, "name") == 0) replace(&c->name, v);
		else if (strcmp(name, "description") == 0) replace(&c->description, v);
		else if (strcmp(name, "unit") == 0) replace(&c->unit, v);
		else if (strcmp(name, "ucd") == 0) replace(&c->ucd, v);
		else if (strcmp(name, "utype") == 0) replace(&c->utype, v);
		else if (strcmp(name, "xtype") == 0) replace(&c->xtype, v);
		else if (strcmp(name, "dataType") == 0) replace(&c->datatype, v);
		else if (strcmp(name, "flag") == 0) {
			if (v && strcmp(v, "indexed") == 0) c->indexed = 1;
			else if (v && strcmp(v, "primary") == 0) c->indexed = 1;
			else if (v && strcmp(v, "principal") == 0) c->principal = 1;
			else if (v && strcmp(v, "nullable") == 0) c->nullable = 1;
			free(v);
		} else free(v);
	} else if (strcmp(name, "column") == 0) {
		p->col = NULL;
	} else if (p->in_table && strcmp(parent, "table") == 0) {
		char *v = text_dup(&p->path);
		if (strcmp(name, "name") == 0) replace(&p->t.name, v);
		else if (strcmp(name, "title") == 0) replace(&p->t.title, v);
		else if (strcmp(name, "description") == 0) replace(&p->t.description, v);
		else free(v);
	} else if (strcmp(name, "table") == 0 && p->in_table) {
		p->in_table = 0;
		if (p->t.name && *p->t.name)
			rc = p->cb(p->ud, &p->t);
		vo_table_free(&p->t);
	} else if (strcmp(name, "name") == 0 && strcmp(parent, "schema") == 0) {
		replace(&p->schema, text_dup(&p->path));
	} else if (strcmp(name, "schema") == 0) {
		replace(&p->schema, NULL);
	}
	path_pop(&p->path);
	return rc;
}

static int tables_text(void *ud, const char *s, size_t n)
{
	struct tables_parse *p = ud;
	return path_text(&p->path, s, n);
}

struct vo_vosi_parser {
	struct tables_parse tp;
	struct vo_xml *x;
};

struct vo_vosi_parser *vo_vosi_parser_new(int (*cb)(void *ud, const struct vo_table *t),
					  void *ud, struct vo_err *err)
{
	struct vo_vosi_parser *p = calloc(1, sizeof *p);
	struct vo_xml_handler h = {.start = tables_start, .end = tables_end,
				   .text = tables_text};

	if (!p)
		return NULL;
	p->tp.cb = cb;
	p->tp.ud = ud;
	p->tp.err = err;
	h.ud = &p->tp;
	p->x = vo_xml_new(&h, err);
	if (!p->x) {
		free(p);
		return NULL;
	}
	return p;
}

int vo_vosi_parser_feed(struct vo_vosi_parser *p, const char *buf, size_t len)
{
	return vo_xml_feed(p->x, buf, len);
}

int vo_vosi_parser_finish(struct vo_vosi_parser *p)
{
	return vo_xml_finish(p->x);
}

void vo_vosi_parser_free(struct vo_vosi_parser *p)
{
	if (!p)
		return;
	vo_xml_free(p->x);
	vo_table_free(&p->tp.t);
	free(p->tp.schema);
	vo_buf_free(&p->tp.path.text);
	free(p);
}

/* --- network ---------------------------------------------------------------- */

static int http_check(const char *url, struct vo_http_resp *resp, int rc,
		      struct vo_err *err)
{
	if (rc)
		return rc;
	if (resp->status >= 200 && resp->status < 300)
		return 0;
	return vo_http_status_err(resp, err, "GET %s", url);
}

/* A document's limits on the request: 60 s in all, 120 s stalled unless
 * lim says otherwise; a drip under VO_HTTP_MIN_RATE counts as stalled. */
static void set_limits(struct vo_http_req *req, const struct vo_limits *lim)
{
	req->timeout_s = lim && lim->timeout_s > 0 ? lim->timeout_s : 60;
	req->stall_s = lim && lim->stall_s > 0 ? lim->stall_s : 120;
	req->min_rate = VO_HTTP_MIN_RATE;
}

int vo_vosi_fetch_caps(const char *base_url, struct vo_caps *c,
		       struct vo_buf *raw, const struct vo_limits *lim, struct vo_err *err)
{
	char url[2048];
	struct vo_http_req req = {.url = url, .follow = 1, .max_body = VOSI_DOC_CAP};
	struct vo_http_resp resp = {0};
	int rc;

	set_limits(&req, lim);
	snprintf(url, sizeof url, "%s/capabilities", base_url);
	rc = http_check(url, &resp, vo_http_do(&req, &resp, err), err);
	if (!rc) {
		rc = vo_caps_parse(resp.body.p, resp.body.len, c, err);
		if (rc)
			vo_err_prefix(err, "GET %s: ", url);
	}
	if (!rc && raw) {
		vo_buf_reset(raw);
		rc = vo_buf_add(raw, resp.body.p, resp.body.len);
	}
	vo_http_resp_free(&resp);
	return rc;
}

static int tables_sink(void *ud, const char *p, size_t n)
{
	return vo_vosi_parser_feed(ud, p, n);
}

static int fetch_tableset(const char *url, const struct vo_http_param *params,
			  size_t np, int (*cb)(void *ud, const struct vo_table *t),
			  void *ud, const struct vo_limits *lim, struct vo_err *err)
{
	struct vo_vosi_parser *p = vo_vosi_parser_new(cb, ud, err);
	struct vo_http_req req = {.url = url, .params = params, .nparams = np,
				  .follow = 1, .sink = tables_sink};
	struct vo_http_resp resp = {0};
	int rc;

	if (!p)
		return vo_err_set(err, ENOMEM, "GET %s: out of memory", url);
	set_limits(&req, lim);
	/* a table list is as long as the service has tables: by default
	 * only a stall bounds it */
	if (!lim || lim->timeout_s <= 0)
		req.timeout_s = 0;
	req.ud = p;
	rc = http_check(url, &resp, vo_http_do(&req, &resp, err), err);
	if (!rc)
		rc = vo_vosi_parser_finish(p);
	if (rc && err && err->code && strncmp(err->msg, "GET ", 4) != 0)
		vo_err_prefix(err, "GET %s: ", url);
	vo_vosi_parser_free(p);
	vo_http_resp_free(&resp);
	return rc;
}

int vo_vosi_fetch_tables(const char *tables_url, int detail_min,
			 int (*cb)(void *ud, const struct vo_table *t), void *ud,
			 const struct vo_limits *lim, struct vo_err *err)
{
	struct vo_http_param p[] = {{"detail", "min"}};

	return fetch_tableset(tables_url, p, detail_min ? 1 : 0, cb, ud, lim, err);
}

int vo_vosi_fetch_table(const char *tables_url, const char *name,
			int (*cb)(void *ud, const struct vo_table *t), void *ud,
			const struct vo_limits *lim, struct vo_err *err)
{
	struct vo_buf url = VO_BUF_INIT;
	int rc;

	rc = vo_buf_addf(&url, "%s/", tables_url);
	if (!rc)
		rc = vo_http_urlencode(&url, name);
	if (!rc)
		rc = fetch_tableset(url.p, NULL, 0, cb, ud, lim, err);
	vo_buf_free(&url);
	return rc;
}

/* --- DALI examples ------------------------------------------------------------ */

struct ex_parse {
	int (*cb)(void *ud, const char *id, const char *name, const char *query);
	void *ud;
	int depth;
	int ex_depth;          /* depth of the current example element, 0: none */
	int prop_depth;        /* depth of the element collecting text, 0: none */
	int prop;              /* 1 name, 2 query */
	char id[256];
	struct vo_buf name, query;
};

static int ex_start(void *ud, const char *name, const struct vo_xml_attr *a, size_t na)
{
	struct ex_parse *p = ud;
	const char *typeof_ = vo_xml_attr(a, na, "typeof");
	const char *prop = vo_xml_attr(a, na, "property");

	p->depth++;
	if (!p->ex_depth && typeof_ && strstr(typeof_, "example")) {
		const char *id = vo_xml_attr(a, na, "id");
		const char *res = vo_xml_attr(a, na, "resource");
		p->ex_depth = p->depth;
		snprintf(p->id, sizeof p->id, "%s", id ? id : res ? (res[0] == '#' ? res + 1 : res) : "");
		vo_buf_reset(&p->name);
		vo_buf_reset(&p->query);
	} else if (p->ex_depth && !p->prop_depth && prop) {
		if (strcmp(prop, "name") == 0 && !p->name.len)
			p->prop = 1;
		else if (strcmp(prop, "query") == 0 && !p->query.len)
			p->prop = 2;
		else
			p->prop = 0;
		if (p->prop)
			p->prop_depth = p->depth;
	}
	return 0;
}

static int ex_end(void *ud, const char *name)
{
	struct ex_parse *p = ud;
	int rc = 0;

	if (p->prop_depth == p->depth) {
		p->prop_depth = 0;
		p->prop = 0;
	}
	if (p->ex_depth == p->depth) {
		p->ex_depth = 0;
		if (p->query.len) {
			char empty[1] = "";   /* written to below: not a literal */
			char *nm = p->name.p ? p->name.p : empty;
			/* collapse whitespace in the name */
			char *w = nm;
			int sp = 1;
			for (char *r = nm; *r; r++) {
				char ch = (*r == '\n' || *r == '\t' || *r == '\r') ? ' ' : *r;
				if (ch == ' ' && sp)
					continue;
				sp = ch == ' ';
				*w++ = ch;
			}
			while (w > nm && w[-1] == ' ')
				w--;
			*w = '\0';
			rc = p->cb(p->ud, p->id, nm, p->query.p);
		}
	}
	p->depth--;
	return rc;
}

static int ex_text(void *ud, const char *s, size_t n)
{
	struct ex_parse *p = ud;

	if (p->prop == 1)
		return vo_buf_add(&p->name, s, n);
	if (p->prop == 2)
		return vo_buf_add(&p->query, s, n);
	return 0;
}

/* XHTML documents may use HTML entities (&nbsp;) that XML does not know;
 * rewrite them to character references instead of loading any DTD. */
static int fix_entities(const char *doc, size_t len, struct vo_buf *out)
{
	static const struct { const char *name; const char *ref; } known[] = {
		{"nbsp", "&#160;"}, {"copy", "&#169;"}, {"ndash", "&#8211;"},
		{"mdash", "&#8212;"}, {"deg", "&#176;"}, {"auml", "&#228;"},
		{"ouml", "&#246;"}, {"uuml", "&#252;"}, {"szlig", "&#223;"},
	};
	int rc = 0;

	for (size_t i = 0; i < len && !rc; i++) {
		if (doc[i] != '&') {
			rc = vo_buf_addc(out, doc[i]);
			continue;
		}
		size_t k = i + 1;
		while (k < len && k - i < 32 && ((doc[k] >= 'a' && doc[k] <= 'z') ||
						 (doc[k] >= 'A' && doc[k] <= 'Z') ||
						 (doc[k] >= '0' && doc[k] <= '9')))
			k++;
		size_t nl = k - i - 1;
		if (k < len && doc[k] == ';' && nl > 0 && doc[i + 1] != '#') {
			const char *nm = doc + i + 1;
			int predefined = (nl == 2 && (!strncmp(nm, "lt", 2) || !strncmp(nm, "gt", 2))) ||
					 (nl == 3 && !strncmp(nm, "amp", 3)) ||
					 (nl == 4 && (!strncmp(nm, "quot", 4) || !strncmp(nm, "apos", 4)));
			if (!predefined) {
				const char *ref = "&#65533;";
				for (size_t j = 0; j < sizeof known / sizeof known[0]; j++)
					if (strlen(known[j].name) == nl && !strncmp(known[j].name, nm, nl))
						ref = known[j].ref;
				rc = vo_buf_adds(out, ref);
				i = k;
				continue;
			}
		}
		rc = vo_buf_addc(out, '&');
	}
	return rc;
}

int vo_examples_parse(const char *doc, size_t len,
		      int (*cb)(void *ud, const char *id, const char *name,
				const char *query),
		      void *ud, struct vo_err *err)
{
	struct ex_parse p = {.cb = cb, .ud = ud};
	struct vo_xml_handler h = {.ud = &p, .start = ex_start, .end = ex_end,
				   .text = ex_text};
	struct vo_buf fixed = VO_BUF_INIT;
	struct vo_xml *x = NULL;
	int rc;

	fixed.cap = VOSI_DOC_CAP * 2;
	p.name.cap = 4096;
	p.query.cap = 1 << 20;
	rc = fix_entities(doc, len, &fixed);
	if (rc) {
		rc = vo_err_set(err, -rc, "examples: %s", strerror(-rc));
		goto out;
	}
	x = vo_xml_new(&h, err);
	if (!x) {
		rc = vo_err_set(err, ENOMEM, "examples: out of memory");
		goto out;
	}
	rc = vo_xml_feed(x, fixed.p ? fixed.p : "", fixed.len);
	if (!rc)
		rc = vo_xml_finish(x);
out:
	vo_xml_free(x);
	vo_buf_free(&fixed);
	vo_buf_free(&p.name);
	vo_buf_free(&p.query);
	return rc;
}

int vo_examples_fetch(const char *url,
		      int (*cb)(void *ud, const char *id, const char *name,
				const char *query),
		      void *ud, const struct vo_limits *lim, struct vo_err *err)
{
	struct vo_http_req req = {.url = url, .follow = 1, .max_body = VOSI_DOC_CAP};
	struct vo_http_resp resp = {0};
	int rc;

	set_limits(&req, lim);
	rc = http_check(url, &resp, vo_http_do(&req, &resp, err), err);
	if (!rc) {
		rc = vo_examples_parse(resp.body.p, resp.body.len, cb, ud, err);
		if (rc)
			vo_err_prefix(err, "GET %s: ", url);
	}
	vo_http_resp_free(&resp);
	return rc;
}

int vo_caps_upload_inline(const struct vo_caps *c)
{
	static const char suffix[] = "#upload-inline";
	const char *p = c->uploads.p;

	/* one ivo-id per line; TAPRegExt's is ivo://ivoa.net/std/TAPRegExt#
	 * upload-inline (ivo-ids compare without case); TAP 1.0 services
	 * write the same key under older prefixes */
	while (p && *p) {
		size_t n = strcspn(p, "\n");
		if (n >= sizeof suffix - 1 &&
		    strncasecmp(p + n - (sizeof suffix - 1), suffix, sizeof suffix - 1) == 0)
			return 1;
		p += n;
		if (*p)
			p++;
	}
	return 0;
}
