/* fs/products.c - products of a result; see products.h. */
#include "products.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cache.h"
#include "datalink.h"
#include "db.h"
#include "http.h"
#include "hash.h"
#include "log.h"
#include "names.h"
#include "query.h"
#include "result.h"
#include "service.h"

#define DL_BATCH 100          /* IDs per DataLink request */
#define DL_TIMEOUT_S 300
#define DL_MAX_DOC VO_DL_MAX_DOC
#define PREFETCH_MAX ((int64_t)64 << 20)   /* larger files are not prefetched */

/* product list builds, one at a time (they write the store) */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER;
/* DataLink resolutions, one at a time: they wait on the network, so they
 * have a lock of their own and never hold up getattr of other products */
static pthread_mutex_t dl_lock = PTHREAD_MUTEX_INITIALIZER;

struct built {
	int64_t rid;
	int has;
	struct built *next;
};
static struct built *built_list;

/* --- products/<name> of a generation, remembered ------------------------------------ */

/* A product's row never changes once its generation's list is built (rids
 * are never reused; only a directory's links come later), so whether
 * products/<name> is a directory, and the URL of a file, are kept here
 * once looked up or listed: the open and stat of a product then ask the
 * store nothing.  Direct-mapped, a slot per hash of (rid, name); a
 * collision replaces. */
#define MEMO_SLOTS 4096

static struct {
	int64_t rid;         /* 0: empty */
	char *name, *url;    /* url NULL for a directory */
} memo[MEMO_SLOTS];
static pthread_mutex_t memo_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t memo_slot(int64_t rid, const char *name)
{
	return (size_t)(str_hash(name, (uint64_t)rid) % MEMO_SLOTS);
}

/* 1 with *is_dir and *url (malloc'd, NULL for a directory) when known,
 * 0 when not, -ENOMEM */
static int memo_get(int64_t rid, const char *name, int *is_dir, char **url)
{
	size_t i = memo_slot(rid, name);
	int found, rc = 0;

	pthread_mutex_lock(&memo_lock);
	found = memo[i].rid == rid && strcmp(memo[i].name, name) == 0;
	if (found) {
		*is_dir = memo[i].url == NULL;
		*url = NULL;
		if (memo[i].url && !(*url = strdup(memo[i].url)))
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&memo_lock);
	return rc ? rc : found;
}

static void memo_put(int64_t rid, const char *name, const char *url)
{
	size_t i = memo_slot(rid, name);
	char *n = strdup(name), *u = url ? strdup(url) : NULL;

	if (!n || (url && !u)) {
		free(n);
		free(u);
		return;
	}
	pthread_mutex_lock(&memo_lock);
	free(memo[i].name);
	free(memo[i].url);
	memo[i].rid = rid;
	memo[i].name = n;
	memo[i].url = u;
	pthread_mutex_unlock(&memo_lock);
}

static void memo_forget(int64_t rid)
{
	pthread_mutex_lock(&memo_lock);
	for (size_t i = 0; i < MEMO_SLOTS; i++)
		if (memo[i].rid == rid) {
			free(memo[i].name);
			free(memo[i].url);
			memo[i].rid = 0;
			memo[i].name = memo[i].url = NULL;
		}
	pthread_mutex_unlock(&memo_lock);
}

/* --- names ------------------------------------------------------------------- */

/* A set of names already given (open addressing; grows). */
struct nameset {
	char **v;
	unsigned *last;     /* per name: the last suffix given to a copy of it */
	size_t cap, n;
};

/* The slot of name, or -1. */
static long nameset_find(const struct nameset *s, const char *name)
{
	if (!s->cap)
		return -1;
	for (size_t i = str_hash(name, 0) % s->cap; s->v[i]; i = (i + 1) % s->cap)
		if (strcmp(s->v[i], name) == 0)
			return (long)i;
	return -1;
}

static int nameset_has(const struct nameset *s, const char *name)
{
	return nameset_find(s, name) >= 0;
}

static int nameset_add(struct nameset *s, const char *name)
{
	size_t k;

	if ((s->n + 1) * 2 > s->cap) {
		struct nameset g = {.cap = s->cap ? s->cap * 2 : 64};
		g.v = calloc(g.cap, sizeof *g.v);
		g.last = calloc(g.cap, sizeof *g.last);
		if (!g.v || !g.last) {
			free(g.v);
			free(g.last);
			return -ENOMEM;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->v[i]) {
				k = str_hash(s->v[i], 0) % g.cap;
				while (g.v[k])
					k = (k + 1) % g.cap;
				g.v[k] = s->v[i];
				g.last[k] = s->last[i];
			}
		g.n = s->n;
		free(s->v);
		free(s->last);
		*s = g;
	}
	k = str_hash(name, 0) % s->cap;
	while (s->v[k])
		k = (k + 1) % s->cap;
	if (!(s->v[k] = strdup(name)))
		return -ENOMEM;
	s->last[k] = 0;
	s->n++;
	return 0;
}

static void nameset_free(struct nameset *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->v[i]);
	free(s->v);
	free(s->last);
	memset(s, 0, sizeof *s);
}

/* Make name unique in s (suffix sep+N before the extension), and add it.
 * The copies of one name are numbered on from the last one given (a
 * document with 100,000 links of one semantics costs 100,000 look-ups,
 * not 5 billion). */
static int unique_name(struct nameset *s, char *name, size_t size, char sep)
{
	char base[256], ext[32] = "";
	long orig = nameset_find(s, name);
	unsigned k;
	char *dot;

	if (orig < 0)
		return nameset_add(s, name);
	snprintf(base, sizeof base, "%s", name);
	dot = strrchr(base, '.');
	if (dot && dot != base && strlen(dot) < sizeof ext) {
		snprintf(ext, sizeof ext, "%s", dot);
		*dot = '\0';
	}
	for (k = s->last[orig] ? s->last[orig] + 1 : 2; k < 1000000; k++) {
		snprintf(name, size, "%s%c%u%s", base, sep, k, ext);
		if (!nameset_has(s, name)) {
			s->last[orig] = k;   /* (carried along if the add grows the set) */
			return nameset_add(s, name);
		}
	}
	return -EEXIST;
}

/* Last path segment of a URL (no query or fragment), or "". */
static void url_leaf(const char *url, char *out, size_t n)
{
	const char *p = url, *end, *slash = NULL;

	if ((end = strstr(p, "://")))
		p = end + 3;
	end = p + strcspn(p, "?#");
	for (const char *q = p; q < end; q++)
		if (*q == '/')
			slash = q;
	p = slash ? slash + 1 : end;
	snprintf(out, n, "%.*s", (int)(end - p), p);
}

/* The extension of a file product: from its format, else from its URL. */
static const char *file_ext(const char *format, const char *url, char *tmp, size_t n)
{
	const char *dot;

	if (format && *format)
		return vo_dl_ext_for_type(format);
	url_leaf(url, tmp, n);
	dot = strrchr(tmp, '.');
	if (dot && dot[1] && strlen(dot + 1) <= 5) {
		for (const char *c = dot + 1; *c; c++)
			if (!isalnum((unsigned char)*c))
				return "bin";
		return dot + 1;
	}
	return "bin";
}

static int ends_with_ci(const char *s, const char *dot_ext)
{
	size_t a = strlen(s), b = strlen(dot_ext);
	return a > b && strcasecmp(s + a - b, dot_ext) == 0;
}

/* --- product hosts use their service's proxy -------------------------------------- */

/* Tell vo/http.c the hosts of urls before they are asked: a host found in
 * a service's results goes through that service's proxy, if it has one
 * (never with its token).  One call per run of URLs on the same host. */
static void learn_hosts(int64_t rid, char *const *urls, size_t n)
{
	const struct config *cfg = svc_config();
	const struct service_conf *sc;
	size_t i, k, lastn = 0;
	const char *last = NULL;
	int any = 0;

	/* a service without a proxy of its own may share its origin's */
	for (i = 0; cfg && i < cfg->nsvcs && !any; i++)
		any = cfg->svcs[i].proxy != NULL;
	/* the saved queries are in memory: no store look-up on this path
	 * (getattr of a product comes here) */
	if (!any || !(sc = query_service_of(rid)))
		return;
	for (i = 0; i < n; i++) {
		const char *u = urls[i], *p = u ? strstr(u, "://") : NULL;
		if (!p)
			continue;
		k = (size_t)(p + 3 - u) + strcspn(p + 3, "/?#");
		if (last && k == lastn && strncasecmp(u, last, k) == 0)
			continue;
		vo_http_site_inherit(u, sc->url);
		last = u;
		lastn = k;
	}
}

/* --- building the list ------------------------------------------------------------- */

struct build {
	int64_t rid;
	int c_url, c_format, c_obs, c_did, c_id;   /* column indexes, -1 absent */
	char *dl_base;                             /* from a service descriptor */
	struct nameset names;
	int64_t seq;
	size_t nfields;
	int rc;
};

static int find_col(const struct result_fields *rf, const char *name)
{
	for (size_t i = 0; i < rf->n; i++)
		if (strcasecmp(rf->f[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *cell(const struct vo_cell *c, size_t n, int i)
{
	return i >= 0 && (size_t)i < n && !c[i].null && c[i].len ? c[i].s : NULL;
}

static int build_row(void *ud, int64_t rowno, const struct vo_cell *c, size_t n)
{
	struct build *b = ud;
	struct db_product p = {.rid = b->rid};
	const char *url = cell(c, n, b->c_url), *fmt = cell(c, n, b->c_format);
	const char *id = cell(c, n, b->c_obs);
	const char *dlid = cell(c, n, b->c_id);
	char name[256], leaf[256], tmp[256], rowname[32];
	int rc;

	if (!id)
		id = cell(c, n, b->c_did);
	/* access_url says best what a row's product is; a descriptor of the
	 * whole result (ObsCore services add a generic one) serves rows
	 * without one */
	if (url) {
		char *base = NULL, *did = NULL;
		p.kind = fmt && strcasestr(fmt, "content=datalink") ? 1 : 0;
		if (p.kind == 1 && vo_dl_split_url(url, &base, &did) == 0) {
			p.dl_base = base;
			p.dl_id = did;
		} else if (p.kind == 1 && cell(c, n, b->c_did)) {
			/* the ID the document will most likely be asked by; see
			 * resolve_all (batching after a redirect) */
			p.dl_id = strdup(cell(c, n, b->c_did));
		}
	} else if (dlid && b->dl_base) {
		p.kind = 1;
		p.dl_base = b->dl_base;
		p.dl_id = (char *)dlid;
	} else {
		return 0;   /* no product in this row */
	}
	p.url = (char *)url;
	p.ctype = (char *)fmt;
	p.obs_id = (char *)id;
	p.seq = b->seq++;
	if (!id && url) {
		url_leaf(url, leaf, sizeof leaf);
		if (leaf[0])
			id = leaf;
	}
	if (!id) {
		snprintf(rowname, sizeof rowname, "row-%lld", (long long)rowno + 1);
		id = rowname;
	}
	if (p.kind == 0) {
		const char *ext = file_ext(fmt, url, tmp, sizeof tmp);
		char dotext[40];
		snprintf(dotext, sizeof dotext, ".%s", ext);
		rc = name_product(id, ends_with_ci(id, dotext) ? NULL : ext, name, sizeof name);
	} else {
		rc = name_product(id, NULL, name, sizeof name);
	}
	if (rc < 0 || (rc = unique_name(&b->names, name, sizeof name, '~')) < 0)
		goto out;
	p.name = name;
	rc = db_product_add(&p);
out:
	if (p.dl_base != b->dl_base)
		free(p.dl_base);
	if (p.dl_id != dlid)
		free(p.dl_id);
	return rc;
}

/* On the store's writer, in one transaction: the product list. */
static int build_txn(void *arg)
{
	struct build *b = arg;

	return result_scan(b->rid, b->nfields, build_row, b);
}

/* A DataLink links service among the result's descriptors whose ID
 * parameter refers to a column: base URL and column index. */
static void find_dl_service(const struct result_fields *rf, struct build *b)
{
	struct vo_dl_service *sv = NULL;
	size_t ns = 0;
	struct vo_err err = {0};

	if (!rf->services[0] ||
	    vo_dl_parse_services(rf->services, strlen(rf->services), &sv, &ns, &err))
		return;
	for (size_t i = 0; i < ns && !b->dl_base; i++) {
		const struct vo_dl_service *s = &sv[i];
		if (!s->access_url || !s->standard_id || !strcasestr(s->standard_id, "datalink"))
			continue;
		for (size_t k = 0; k < s->nparams; k++) {
			const struct vo_dl_param *pp = &s->params[k];
			if (!pp->name || strcasecmp(pp->name, "ID") != 0 || !pp->ref)
				continue;
			for (size_t f = 0; f < rf->n; f++)
				if (strcmp(rf->f[f].id, pp->ref) == 0 ||
				    (!rf->f[f].id[0] && strcmp(rf->f[f].name, pp->ref) == 0)) {
					b->c_id = (int)f;
					b->dl_base = strdup(s->access_url);
					break;
				}
			break;
		}
	}
	vo_dl_services_free(sv, ns);
}

static int build(int64_t rid, int *has)
{
	struct result_fields rf;
	struct build b = {.rid = rid, .c_id = -1};
	int64_t n = 0;
	int rc;

	*has = 0;
	if ((rc = db_product_count(rid, &n)))
		return rc;
	if (n > 0) {
		*has = 1;
		return 0;
	}
	if ((rc = result_fields_load(rid, &rf)))
		return rc == -ENOENT || rc == -ENODATA ? 0 : rc;
	b.c_url = find_col(&rf, "access_url");
	b.c_format = find_col(&rf, "access_format");
	b.c_obs = find_col(&rf, "obs_id");
	b.c_did = find_col(&rf, "obs_publisher_did");
	find_dl_service(&rf, &b);
	if (b.c_url < 0 && !b.dl_base) {
		result_fields_free(&rf);
		return 0;
	}
	b.nfields = rf.n;
	rc = db_write_txn(build_txn, &b);
	if (!rc)
		rc = db_product_count(rid, &n);
	if (!rc)
		*has = n > 0;
	if (rc)
		vo_error("result %lld: building the product list failed: %s", (long long)rid,
			 strerror(-rc));
	else
		vo_info("result %lld: %lld products", (long long)rid, (long long)n);
	nameset_free(&b.names);
	free(b.dl_base);
	result_fields_free(&rf);
	return rc;
}

int products_available(int64_t rid)
{
	struct built *e;
	int has = 0, rc = 0;

	pthread_mutex_lock(&build_lock);
	for (e = built_list; e && e->rid != rid; e = e->next)
		;
	if (e) {
		has = e->has;
		goto out;
	}
	if ((rc = build(rid, &has)))
		goto out;
	if ((e = calloc(1, sizeof *e))) {
		e->rid = rid;
		e->has = has;
		e->next = built_list;
		built_list = e;
	}
out:
	pthread_mutex_unlock(&build_lock);
	return rc ? rc : has;
}

void products_forget(int64_t rid)
{
	memo_forget(rid);
	pthread_mutex_lock(&build_lock);
	for (struct built **pp = &built_list; *pp; pp = &(*pp)->next)
		if ((*pp)->rid == rid) {
			struct built *e = *pp;
			*pp = e->next;
			free(e);
			break;
		}
	pthread_mutex_unlock(&build_lock);
}

/* --- DataLink resolution --------------------------------------------------------- */

struct unres {
	int64_t seq;
	char *url, *base, *id;
};
struct unres_list {
	struct unres *v;
	size_t n, cap;
};

static int collect_unres(void *ud, struct db_product *p)
{
	struct unres_list *l = ud;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct unres *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = (struct unres){p->seq, p->url, p->dl_base, p->dl_id};
	p->url = p->dl_base = p->dl_id = NULL;   /* taken */
	return 0;
}

static void unres_free(struct unres_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].url);
		free(l->v[i].base);
		free(l->v[i].id);
	}
	free(l->v);
}

static const char *ref_cell(void *ud, const char *ref)
{
	return ud ? vo_dl_link_cell(ud, ref) : NULL;
}

/* The SODA sync URL (all but POS) for dataset id, from the descriptor its
 * #proc row points to; NULL when it has none. */
static char *soda_for(const struct vo_dl_doc *d, const char *id)
{
	const struct vo_dl_link *row = NULL;
	const struct vo_dl_service *s = vo_dl_soda_sync(d, id, &row);
	const struct vo_dl_param *pid;
	struct vo_dl_kv user[1];
	struct vo_buf url = VO_BUF_INIT;
	struct vo_err err = {0};
	size_t nuser = 0;

	if (!s)
		return NULL;
	if (!vo_dl_service_param(s, "POS")) {
		vo_warn("SODA service %s: no POS parameter, no cutouts", s->access_url ?
			s->access_url : "(no accessURL)");
		return NULL;
	}
	pid = vo_dl_service_param(s, "ID");
	if (pid && !pid->value && !pid->ref) {
		const char *v = row && row->id ? row->id : id;
		if (!v)
			return NULL;
		user[nuser++] = (struct vo_dl_kv){"ID", v};
	}
	if (vo_dl_service_url(s, ref_cell, (void *)row, user, nuser, &url, &err)) {
		vo_warn("SODA service: %s", err.msg);
		vo_buf_free(&url);
		return NULL;
	}
	return url.p;   /* taken */
}

/* Store the links of one product (rows of d with ID id; all rows when id
 * is NULL).  Inside the caller's transaction. */
static int store_links(int64_t rid, int64_t seq, const struct vo_dl_doc *d, const char *id)
{
	struct nameset names = {0};
	struct vo_buf csv = VO_BUF_INIT;
	char *soda;
	int rc;

	/* the query may have been run again while the document was fetched:
	 * its products are new ones then, and not this document's */
	if (db_product_state(rid, seq) != 0)
		return 0;
	/* a document of its own: its rows' ID is the dataset's */
	soda = soda_for(d, id ? id : d->nlinks ? d->links[0].id : NULL);
	rc = nameset_add(&names, PROD_LINKS_CSV);

	if (!rc)
		rc = nameset_add(&names, PROD_CUTOUT);
	if (!rc)
		rc = vo_buf_adds(&csv, d->csv_header ? d->csv_header : "");
	for (size_t i = 0; i < d->nlinks && !rc; i++) {
		const struct vo_dl_link *l = &d->links[i];
		char name[256];
		if (id && (!l->id || strcmp(l->id, id) != 0))
			continue;
		if ((rc = vo_buf_adds(&csv, l->csv ? l->csv : "")))
			break;
		if (!l->access_url || l->error_message || l->service_def)
			continue;
		if (vo_dl_link_basename(l, name, sizeof name) < 0)
			snprintf(name, sizeof name, "link.bin");
		{
			/* a basename is a plain word and extension: still escape it */
			char esc[256];
			if (name_escape(name, esc, sizeof esc) > 0)
				snprintf(name, sizeof name, "%s", esc);
		}
		if ((rc = unique_name(&names, name, sizeof name, '-')) < 0)
			break;
		struct db_link dl = {.name = name, .url = l->access_url, .semantics = l->semantics,
				     .ctype = l->content_type, .description = l->description};
		if ((rc = db_link_add(rid, seq, &dl)))
			break;
		if (l->content_length >= 0) {
			struct cache_stat st;
			struct vo_err err = {0};
			cache_stat(l->access_url, l->content_length, 0, &st, &err);
		}
	}
	if (!rc)
		rc = db_product_resolved(rid, seq, 1, NULL, soda, csv.p ? csv.p : "", csv.len);
	free(soda);
	vo_buf_free(&csv);
	nameset_free(&names);
	return rc < 0 ? rc : 0;
}

/* The links of n products from one document, in one transaction: on the
 * store's writer (db_write_txn). */
struct links_txn {
	int64_t rid;
	const struct vo_dl_doc *doc;
	const int64_t *seq;
	const char *const *ids;     /* NULL: the whole document is seq[0]'s */
	size_t n;
};

static int links_txn(void *arg)
{
	const struct links_txn *t = arg;
	int rc = 0;

	for (size_t m = 0; m < t->n && !rc; m++)
		rc = store_links(t->rid, t->seq[m], t->doc, t->ids ? t->ids[m] : NULL);
	return rc;
}

/* scheme://host:port of both are equal */
static int same_origin(const char *a, const char *b)
{
	const char *pa = strstr(a, "://"), *pb = strstr(b, "://");
	size_t na, nb;

	if (!pa || !pb)
		return 0;
	na = (size_t)(pa - a) + 3 + strcspn(pa + 3, "/?#");
	nb = (size_t)(pb - b) + 3 + strcspn(pb + 3, "/?#");
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* effective: the URL that answered, when it differs from url (malloc'd) */
static int fetch_single(const char *url, struct vo_dl_doc *doc, char **effective,
			struct vo_err *err)
{
	struct vo_http_req req = {.url = url, .follow = 1, .timeout_s = DL_TIMEOUT_S,
				  .max_body = DL_MAX_DOC, .min_rate = VO_HTTP_MIN_RATE};
	struct vo_http_resp resp = {0};
	int rc = vo_http_do(&req, &resp, err);

	if (!rc && resp.status >= 400)
		rc = vo_http_status_err(&resp, err, "GET %s", url);
	if (!rc) {
		rc = vo_dl_parse(resp.body.p ? resp.body.p : "", resp.body.len, doc, err);
		if (rc)
			vo_err_prefix(err, "DataLink document %s: ", url);
	}
	if (!rc && effective && resp.effective_url[0] && strcmp(resp.effective_url, url) != 0)
		*effective = strdup(resp.effective_url);
	vo_http_resp_free(&resp);
	return rc;
}

/* Resolve every unresolved directory of the query. */
static int resolve_all(int64_t rid, struct vo_err *err)
{
	struct unres_list l = {0};
	int rc = db_product_list_unresolved(rid, collect_unres, &l);
	char *done = NULL;

	if (rc || !l.n)
		goto out;
	done = calloc(l.n, 1);
	if (!done) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < l.n && !rc; i++) {
		const char *ids[DL_BATCH];
		size_t idx[DL_BATCH], k = 0;
		struct vo_dl_doc doc = {0};

		if (done[i])
			continue;
		if (!l.v[i].base) {
			/* a document of its own */
			char *eff = NULL, *ebase = NULL, *eid = NULL;
			learn_hosts(rid, &l.v[i].url, 1);
			rc = fetch_single(l.v[i].url, &doc, &eff, err);
			if (!rc) {
				struct links_txn t = {rid, &doc, &l.v[i].seq, NULL, 1};
				rc = db_write_txn(links_txn, &t);
			}
			done[i] = 1;
			vo_dl_doc_free(&doc);
			/* it redirected to <endpoint>?ID=<the row's publisher DID>
			 * (DaCHS's /getproduct/ does): ask for the others in
			 * batches at that endpoint */
			if (!rc && eff && vo_dl_split_url(eff, &ebase, &eid) == 0 && l.v[i].id &&
			    strcmp(eid, l.v[i].id) == 0) {
				for (size_t j = i + 1; j < l.n; j++)
					if (!done[j] && !l.v[j].base && l.v[j].id && l.v[j].url &&
					    same_origin(l.v[j].url, l.v[i].url))
						l.v[j].base = strdup(ebase);
			}
			free(eff);
			free(ebase);
			free(eid);
			continue;
		}
		if (!l.v[i].id) {
			done[i] = 1;
			continue;
		}
		/* a batch of IDs for the same endpoint */
		for (size_t j = i; j < l.n && k < DL_BATCH; j++)
			if (!done[j] && l.v[j].base && l.v[j].id &&
			    strcmp(l.v[j].base, l.v[i].base) == 0) {
				idx[k] = j;
				ids[k++] = l.v[j].id;
			}
		learn_hosts(rid, &l.v[i].base, 1);
		rc = vo_dl_fetch(l.v[i].base, ids, k, DL_TIMEOUT_S, &doc, err);
		if (!rc) {
			int64_t seqs[DL_BATCH];
			struct links_txn t = {rid, &doc, seqs, ids, k};
			for (size_t m = 0; m < k; m++)
				seqs[m] = l.v[idx[m]].seq;
			rc = db_write_txn(links_txn, &t);
		}
		for (size_t m = 0; m < k; m++)
			done[idx[m]] = 1;
		vo_dl_doc_free(&doc);
	}
	if (rc)
		vo_error("result %lld: DataLink: %s", (long long)rid, err->msg[0] ? err->msg :
			 strerror(-rc));
out:
	free(done);
	unres_free(&l);
	return rc;
}

/* The product directory dir, with its links known. */
static int get_dir(int64_t rid, const char *dir, struct db_product *p)
{
	int rc = db_product_get(rid, dir, p);

	if (rc)
		return rc;
	if (p->kind != 1) {
		db_product_clear(p);
		return -ENOTDIR;
	}
	if (p->state == 0) {
		struct vo_err err = {0};
		pthread_mutex_lock(&dl_lock);
		rc = resolve_all(rid, &err);
		pthread_mutex_unlock(&dl_lock);
		db_product_clear(p);
		if (rc)
			return rc == -ENOENT ? -EIO : rc < 0 ? -EIO : rc;
		if ((rc = db_product_get(rid, dir, p)))
			return rc;
		if (p->state == 0) {
			vo_error("result %lld: the DataLink answer had no rows for %s",
				 (long long)rid, p->dl_id ? p->dl_id : p->url ? p->url : dir);
			db_product_clear(p);
			return -EIO;
		}
	}
	return 0;
}

/* --- listing ----------------------------------------------------------------------- */

struct plist {
	struct prod_entry *v;
	char **urls;
	size_t n, cap;
};

static int plist_add(struct plist *l, const char *name, int is_dir, const char *url)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct prod_entry *v = realloc(l->v, cap * sizeof *v);
		char **u;
		if (!v)
			return -ENOMEM;
		l->v = v;
		u = realloc(l->urls, cap * sizeof *u);
		if (!u)
			return -ENOMEM;
		l->urls = u;
		l->cap = cap;
	}
	memset(&l->v[l->n], 0, sizeof l->v[l->n]);
	snprintf(l->v[l->n].name, sizeof l->v[l->n].name, "%s", name);
	l->v[l->n].is_dir = is_dir;
	l->v[l->n].size = is_dir ? 0 : -1;
	l->urls[l->n] = url ? strdup(url) : NULL;
	if (url && !l->urls[l->n])
		return -ENOMEM;
	l->n++;
	return 0;
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->urls[i]);
	free(l->urls);
	free(l->v);
}

static int collect_product(void *ud, struct db_product *p)
{
	return plist_add(ud, p->name, p->kind == 1, p->kind == 1 ? NULL : p->url);
}

static int collect_link(void *ud, struct db_link *l)
{
	return plist_add(ud, l->name, 0, l->url);
}

/* Sizes of the files of l, probing the unknown ones together. */
static void plist_sizes(struct plist *l)
{
	const char **urls = calloc(l->n ? l->n : 1, sizeof *urls);
	struct cache_stat *st = calloc(l->n ? l->n : 1, sizeof *st);
	size_t *at = calloc(l->n ? l->n : 1, sizeof *at);
	size_t k = 0;

	if (urls && st && at) {
		for (size_t i = 0; i < l->n; i++)
			if (l->urls[i]) {
				at[k] = i;
				urls[k++] = l->urls[i];
			}
		cache_stat_many(urls, NULL, k, st);
		for (size_t j = 0; j < k; j++) {
			l->v[at[j]].size = st[j].size;
			l->v[at[j]].mtime = st[j].mtime;
		}
	}
	free(urls);
	free(st);
	free(at);
}

int products_list(int64_t rid, int (*cb)(void *ud, const struct prod_entry *e), void *ud)
{
	struct plist l = {0};
	int rc = db_product_list(rid, collect_product, &l);

	if (!rc) {
		learn_hosts(rid, l.urls, l.n);
		plist_sizes(&l);
	}
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = cb(ud, &l.v[i]);
	plist_free(&l);
	return rc < 0 ? rc : 0;
}

/* A product whose size the server refused (a #preview answering 404) is
 * listed and stat'ed with size 0 (ls -l shows it, not ????), opening it
 * fails with EIO, and user.vo.error gives the server's answer; the engine
 * remembers the refusal (cache.h: PROBE_FAIL_MEMORY_US), so ls -l does not
 * ask again meanwhile. */
static int file_entry(const char *url, int64_t known, struct prod_entry *e)
{
	struct cache_stat st;
	struct vo_err err = {0};
	int rc = cache_stat(url, known, 1, &st, &err);

	/* no answer at all (offline, out of memory, interrupted): say so */
	if (rc == -ENODATA || rc == -ENETDOWN || rc == -ENOMEM || rc == -EINTR)
		return rc;
	if (rc) {
		e->size = known > 0 ? known : 0;
		e->unreadable = 1;
		return 0;
	}
	e->size = st.size;
	e->mtime = st.mtime;
	return 0;
}

/* url of the cutout: SODA URL + POS */
static char *cutout_url(const char *soda, const char *pos)
{
	struct vo_buf b = VO_BUF_INIT;

	if (vo_buf_adds(&b, soda) || vo_buf_adds(&b, strchr(soda, '?') ? "&POS=" : "?POS=") ||
	    vo_http_urlencode(&b, pos)) {
		vo_buf_free(&b);
		return NULL;
	}
	return b.p;
}

static int add_extras(struct plist *l, int64_t rid, const struct db_product *p,
		      const char *cutout)
{
	struct vo_buf csv = VO_BUF_INIT;
	int rc = db_product_links_csv(rid, p->seq, &csv);

	if (rc == -ENODATA || rc == -ENOENT)
		rc = 0;
	if (!rc && !(rc = plist_add(l, PROD_LINKS_CSV, 0, NULL))) {
		l->v[l->n - 1].size = (int64_t)csv.len;
		l->v[l->n - 1].links_csv = 1;
	}
	vo_buf_free(&csv);
	if (!rc && cutout && *cutout && p->soda_url) {
		char *u = cutout_url(p->soda_url, cutout);
		if (!u)
			return -ENOMEM;
		learn_hosts(rid, &u, 1);
		rc = plist_add(l, PROD_CUTOUT, 0, u);
		free(u);
		if (!rc) {
			struct cache_stat st;
			struct vo_err err = {0};
			struct prod_entry *e = &l->v[l->n - 1];
			e->volatile_obj = 1;
			/* its size too is learnt before it is shown (a ranged GET
			 * of byte 0, or the whole cutout); a region that does not
			 * overlap this image (HTTP 204) has no cutout.fits */
			rc = cache_stat(l->urls[l->n - 1], -1, 1, &st, &err);
			if (!rc) {
				e->size = st.size;
				e->mtime = st.mtime;
			} else if (rc == -ENODATA) {
				free(l->urls[--l->n]);
			}
			rc = 0;
		}
	}
	return rc;
}

int products_dir_list(int64_t rid, const char *dir, const char *cutout,
		      int (*cb)(void *ud, const struct prod_entry *e), void *ud)
{
	struct db_product p = {0};
	struct plist l = {0};
	int rc = get_dir(rid, dir, &p);

	if (rc)
		return rc;
	rc = db_link_list(rid, p.seq, collect_link, &l);
	if (!rc)
		rc = add_extras(&l, rid, &p, cutout);
	if (!rc) {
		learn_hosts(rid, l.urls, l.n);
		plist_sizes(&l);
	}
	for (size_t i = 0; i < l.n && !rc; i++)
		rc = cb(ud, &l.v[i]);
	plist_free(&l);
	db_product_clear(&p);
	return rc < 0 ? rc : 0;
}

int products_file(int64_t rid, const char *dir, const char *file, const char *cutout,
		  struct prod_entry *e, char **url)
{
	struct db_product p = {0};
	struct db_link l = {0};
	struct vo_buf csv = VO_BUF_INIT;
	char *u = NULL;
	int rc;

	memset(e, 0, sizeof *e);
	snprintf(e->name, sizeof e->name, "%s", file);
	if (url)
		*url = NULL;
	if (!dir) {
		if ((rc = memo_get(rid, file, &e->is_dir, &u)) < 0)
			return rc;
		if (!rc) {
			if ((rc = db_product_get(rid, file, &p)))
				return rc;
			e->is_dir = p.kind == 1;
			if (!e->is_dir && !(u = strdup(p.url)))
				rc = -ENOMEM;
			else
				memo_put(rid, file, e->is_dir ? NULL : p.url);
		} else {
			rc = 0;
		}
	} else if ((rc = get_dir(rid, dir, &p))) {
		return rc;
	} else if (strcmp(file, PROD_LINKS_CSV) == 0) {
		rc = db_product_links_csv(rid, p.seq, &csv);
		rc = rc == -ENODATA ? 0 : rc;
		e->size = (int64_t)csv.len;
		e->links_csv = 1;
	} else if (strcmp(file, PROD_CUTOUT) == 0) {
		e->volatile_obj = 1;
		if (!cutout || !*cutout || !p.soda_url)
			rc = -ENOENT;
		else if (!(u = cutout_url(p.soda_url, cutout)))
			rc = -ENOMEM;
	} else if (!(rc = db_link_get(rid, p.seq, file, &l))) {
		if (!(u = strdup(l.url)))
			rc = -ENOMEM;
		db_link_clear(&l);
	}
	if (!rc && u) {
		learn_hosts(rid, &u, 1);
		rc = file_entry(u, -1, e);
		/* a cutout whose region misses the image (HTTP 204) is not there */
		if (rc == -ENODATA && e->volatile_obj)
			rc = -ENOENT;
		if (!rc && url) {
			*url = u;
			u = NULL;
		}
	}
	free(u);
	vo_buf_free(&csv);
	db_product_clear(&p);
	return rc;
}

struct urls {
	char *v[16];
	int n;
};

static int collect_url(void *ud, const char *url)
{
	struct urls *u = ud;

	if (u->n < 16 && url && (u->v[u->n] = strdup(url)))
		u->n++;
	return 0;
}

void products_prefetch_next(int64_t rid, const char *dir, const char *file, int n)
{
	struct urls u = {.n = 0};
	struct db_product p = {0};

	if (n > 16)
		n = 16;
	if (!dir) {
		db_product_next_urls(rid, file, n, collect_url, &u);
	} else if (!db_product_get(rid, dir, &p)) {
		if (p.kind == 1 && p.state == 1)
			db_link_next_urls(rid, p.seq, file, n, collect_url, &u);
		db_product_clear(&p);
	}
	learn_hosts(rid, u.v, (size_t)u.n);
	for (int i = 0; i < u.n; i++) {
		cache_prefetch(u.v[i], PREFETCH_MAX);
		free(u.v[i]);
	}
}

int products_links_csv(int64_t rid, const char *dir, struct vo_buf *out)
{
	struct db_product p = {0};
	int rc = get_dir(rid, dir, &p);

	if (rc)
		return rc;
	rc = db_product_links_csv(rid, p.seq, out);
	db_product_clear(&p);
	return rc == -ENODATA ? 0 : rc;
}

static int put_attr(struct vo_buf *out, const char *v)
{
	if (!v || !*v)
		return -ENODATA;
	vo_buf_reset(out);
	return vo_buf_adds(out, v);
}

/* user.vo.error of a product whose size probe failed lately */
static int error_attr(const char *url, const char *key, struct vo_buf *out)
{
	char msg[256];

	if (strcmp(key, "user.vo.error") != 0 || !url || !cache_failure(url, msg, sizeof msg))
		return -ENODATA;
	return put_attr(out, msg);
}

int products_xattr(int64_t rid, const char *dir, const char *file, const char *cutout,
		   const char *key, struct vo_buf *out)
{
	struct db_product p = {0};
	struct db_link l = {0};
	int rc;

	if (!dir) {   /* products/<name>: a file product or a directory */
		if ((rc = db_product_get(rid, file, &p)))
			return rc;
		if (strcmp(key, "user.vo.obs_id") == 0)
			rc = put_attr(out, p.obs_id ? p.obs_id : p.dl_id);
		else if (p.kind == 1)
			rc = -ENODATA;
		else if (strcmp(key, "user.vo.url") == 0)
			rc = put_attr(out, p.url);
		else if (strcmp(key, "user.vo.content_type") == 0)
			rc = put_attr(out, p.ctype);
		else if (strcmp(key, "user.vo.semantics") == 0)
			rc = put_attr(out, "#this");
		else
			rc = error_attr(p.url, key, out);
		db_product_clear(&p);
		return rc;
	}
	if ((rc = get_dir(rid, dir, &p)))
		return rc;
	if (strcmp(file, PROD_LINKS_CSV) == 0) {
		rc = -ENODATA;
	} else if (strcmp(file, PROD_CUTOUT) == 0) {
		char *u = cutout && *cutout && p.soda_url ? cutout_url(p.soda_url, cutout) : NULL;
		if (strcmp(key, "user.vo.url") == 0)
			rc = put_attr(out, u);
		else if (strcmp(key, "user.vo.semantics") == 0)
			rc = put_attr(out, u ? "#cutout" : NULL);
		else if (strcmp(key, "user.vo.content_type") == 0)
			rc = put_attr(out, u ? "application/fits" : NULL);
		else
			rc = -ENODATA;
		free(u);
	} else if (!(rc = db_link_get(rid, p.seq, file, &l))) {
		if (strcmp(key, "user.vo.url") == 0)
			rc = put_attr(out, l.url);
		else if (strcmp(key, "user.vo.content_type") == 0)
			rc = put_attr(out, l.ctype);
		else if (strcmp(key, "user.vo.semantics") == 0)
			rc = put_attr(out, l.semantics);
		else
			rc = error_attr(l.url, key, out);
		db_link_clear(&l);
	}
	db_product_clear(&p);
	return rc;
}

int products_xattr_list(int64_t rid, const char *dir, const char *file, const char *cutout,
			struct vo_buf *out)
{
	static const char *const keys[] = {"user.vo.url", "user.vo.content_type",
					   "user.vo.semantics", "user.vo.obs_id",
					   "user.vo.error"};
	struct vo_buf v = VO_BUF_INIT;
	int rc = 0;

	/* exactly the names that have a value: getfattr -d never meets one
	 * it cannot read */
	vo_buf_reset(out);
	for (size_t i = 0; i < sizeof keys / sizeof keys[0] && rc != -ENOMEM; i++) {
		vo_buf_reset(&v);
		rc = products_xattr(rid, dir, file, cutout, keys[i], &v);
		if (!rc)
			rc = vo_buf_add(out, keys[i], strlen(keys[i]) + 1);
		else if (rc == -ENOENT && i == 0)
			break;   /* no such product */
	}
	vo_buf_free(&v);
	return rc == -ENOMEM || rc == -ENOENT ? rc : 0;
}
