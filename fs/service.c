/* fs/service.c - service metadata with caching; see service.h. */
#include "service.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "names.h"
#include "result.h"
#include "tap.h"
#include "vosi.h"

/* The pieces of a service's metadata that are fetched and refreshed. */
enum piece { P_CAPS, P_TABLES, P_EXAMPLES, NPIECES };
static const char *const piece_key[NPIECES] = {"caps_at", "tables_at", "examples_at"};

/* One fetch of one piece at a time (a flight): whoever needs the piece
 * while it is fetched waits for that fetch, up to its own deadline; nothing
 * else of the service, or of another, waits for it.  Pieces: "capabilities",
 * "tables", "examples", "columns <table>", "sample <table>". */
struct flight {
	struct flight *next;
	int running;
	int rc;                 /* of the last fetch */
	unsigned long runs;     /* fetches ended */
	double fail_at;         /* wall time of the last failed fetch, 0: none */
	char key[];
};

struct svc_state {
	pthread_mutex_t mu;            /* flights, at[] */
	pthread_cond_t cv;             /* a fetch ended (monotonic clock) */
	struct flight *flights;
	/* when each piece was stored, kept in memory: getattr asks for it
	 * once per entry (`ls -l` of a large schema); -1: not read yet */
	double at[NPIECES];
	char error[VO_ERR_MSG];
};

static const struct config *cfg;
static struct svc_state *states;
static pthread_mutex_t err_lock = PTHREAD_MUTEX_INITIALIZER;
/* refreshes running in the background, waited for at unmount */
static pthread_mutex_t bg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t bg_cv = PTHREAD_COND_INITIALIZER;
static int nbg;

static struct svc_state *state(const struct service_conf *s)
{
	return &states[s - cfg->svcs];
}

int svc_init(const struct config *c)
{
	cfg = c;
	states = calloc(c->nsvcs ? c->nsvcs : 1, sizeof *states);
	if (!states)
		return -ENOMEM;
	for (size_t i = 0; i < c->nsvcs; i++) {
		pthread_mutex_init(&states[i].mu, NULL);
		clock_cond_init(&states[i].cv);
		for (int k = 0; k < NPIECES; k++)
			states[i].at[k] = -1;
	}
	return 0;
}

void svc_shutdown(void)
{
	int64_t end = clock_mono_us() + 5000000;
	int busy;

	if (!states)
		return;
	/* background refreshes end with their transfers (aborted at unmount) */
	pthread_mutex_lock(&bg_lock);
	while (nbg > 0 && clock_mono_us() < end)
		pthread_cond_wait(&bg_cv, &bg_lock);
	busy = nbg;
	pthread_mutex_unlock(&bg_lock);
	if (busy) {
		vo_warn("%d service metadata refreshes still running at unmount", busy);
		return;   /* their state stays: they may still touch it */
	}
	for (size_t i = 0; i < cfg->nsvcs; i++) {
		while (states[i].flights) {
			struct flight *f = states[i].flights;
			states[i].flights = f->next;
			free(f);
		}
		pthread_mutex_destroy(&states[i].mu);
		pthread_cond_destroy(&states[i].cv);
	}
	free(states);
	states = NULL;
}

const struct config *svc_config(void)
{
	return cfg;
}

static void set_error(const struct service_conf *s, const struct vo_err *e)
{
	pthread_mutex_lock(&err_lock);
	snprintf(state(s)->error, sizeof state(s)->error, "%s", e ? e->msg : "");
	pthread_mutex_unlock(&err_lock);
}

void svc_last_error(const struct service_conf *s, char *out, size_t n)
{
	pthread_mutex_lock(&err_lock);
	snprintf(out, n, "%s", state(s)->error);
	pthread_mutex_unlock(&err_lock);
}

/* When a piece was stored, 0 when never.  Read from the store once.
 * Under the service's mu. */
static double fetched_at(const struct service_conf *s, enum piece k)
{
	double *at = &state(s)->at[k];

	if (*at < 0) {
		struct vo_buf b = VO_BUF_INIT;
		*at = db_svc_get(s->name, piece_key[k], &b) == 0 && b.p ? strtod(b.p, NULL) : 0;
		vo_buf_free(&b);
	}
	return *at;
}

/* Store that piece k was fetched at *t (in the caller's transaction, if
 * any); set_at() then tells the readers. */
static int stamp(const struct service_conf *s, enum piece k, double *t)
{
	char v[64];
	int n;

	*t = clock_wall();
	n = snprintf(v, sizeof v, "%.3f", *t);
	return db_svc_set(s->name, piece_key[k], v, (size_t)n);
}

static void set_at(const struct service_conf *s, enum piece k, double t)
{
	pthread_mutex_lock(&state(s)->mu);
	state(s)->at[k] = t;
	pthread_mutex_unlock(&state(s)->mu);
}

/* Whether a piece stored at time t should be fetched now. */
static int due(double t, double last_fail)
{
	double now = clock_wall();

	if (cfg->offline)
		return 0;   /* what is stored is all there is */
	if (last_fail > 0 && now - last_fail < SVC_RETRY_S)
		return 0;
	return t <= 0 || now - t > cfg->meta_ttl;
}

/* --- deadlines ------------------------------------------------------------------
 * A reader waits for a service's document (capabilities, table list,
 * examples, a table's columns or sample) at most META_TIMEOUT_S, or the
 * service's timeout when that is shorter, retries and fall-backs included;
 * a transfer under VO_HTTP_MIN_RATE for io_timeout is cut sooner. */
#define META_TIMEOUT_S 60

static int64_t meta_deadline(const struct service_conf *s)
{
	long b = s->timeout_s > 0 && s->timeout_s < META_TIMEOUT_S ? s->timeout_s : META_TIMEOUT_S;

	return clock_mono_us() + (int64_t)b * 1000000;
}

/* What is left until deadline, as limits of one fetch (a second short:
 * libcurl and the TAP client notice a timeout up to a second late). */
static struct vo_limits limits_until(int64_t deadline)
{
	int64_t left = deadline - clock_mono_us() - 1000000;
	struct vo_limits l = {
		.timeout_s = left > 1000000 ? (long)(left / 1000000) : 1,
		.stall_s = cfg->io_timeout >= 1 ? (long)(cfg->io_timeout + 0.5) : 1,
	};

	return l;
}

static int time_left(int64_t deadline)
{
	return deadline - clock_mono_us() >= 1000000;
}

/* --- flights ----------------------------------------------------------------------- */

typedef int fetch_fn(const struct service_conf *s, const char *arg, int64_t deadline);

/* Under st->mu: the flight of key, made on first use (NULL: no memory). */
static struct flight *flight_of(struct svc_state *st, const char *key)
{
	struct flight *f;

	for (f = st->flights; f; f = f->next)
		if (strcmp(f->key, key) == 0)
			return f;
	f = calloc(1, sizeof *f + strlen(key) + 1);
	if (!f)
		return NULL;
	memcpy(f->key, key, strlen(key) + 1);
	f->next = st->flights;
	st->flights = f;
	return f;
}

/* Under st->mu. */
static void flight_ended(struct svc_state *st, struct flight *f, int rc)
{
	f->running = 0;
	f->rc = rc;
	f->runs++;
	f->fail_at = rc ? clock_wall() : 0;
	pthread_cond_broadcast(&st->cv);
}

/* Under st->mu (dropped while the fetch runs): run f's fetch in this
 * thread, or join the one under way, waiting at most until deadline
 * (-ETIMEDOUT; the fetch goes on within its own deadline). */
static int flight_run(const struct service_conf *s, struct flight *f, fetch_fn *fn,
		      const char *arg, int64_t deadline)
{
	struct svc_state *st = state(s);
	unsigned long runs = f->runs;
	int rc;

	if (f->running) {
		while (f->runs == runs) {
			int64_t left = deadline - clock_mono_us();
			if (left <= 0)
				return -ETIMEDOUT;
			clock_cond_wait_us(&st->cv, &st->mu, left);
		}
		return f->rc;
	}
	f->running = 1;
	pthread_mutex_unlock(&st->mu);
	rc = fn(s, arg, deadline);
	pthread_mutex_lock(&st->mu);
	flight_ended(st, f, rc);
	return rc;
}

struct bg {
	const struct service_conf *s;
	struct flight *f;
	fetch_fn *fn;
};

static void *bg_main(void *p)
{
	struct bg *b = p;
	struct svc_state *st = state(b->s);
	int rc = b->fn(b->s, NULL, meta_deadline(b->s));

	pthread_mutex_lock(&st->mu);
	flight_ended(st, b->f, rc);
	pthread_mutex_unlock(&st->mu);
	free(b);
	db_close_thread();
	pthread_mutex_lock(&bg_lock);
	nbg--;
	pthread_cond_broadcast(&bg_cv);
	pthread_mutex_unlock(&bg_lock);
	return NULL;
}

/* Under st->mu: refresh f in a thread of its own; readers meanwhile get
 * the stored copy at once (stale while revalidating). */
static void flight_start_bg(const struct service_conf *s, struct flight *f, fetch_fn *fn)
{
	struct bg *b;
	pthread_attr_t attr;
	pthread_t t;
	int rc;

	if (f->running || !(b = malloc(sizeof *b)))
		return;
	*b = (struct bg){s, f, fn};
	f->running = 1;
	pthread_mutex_lock(&bg_lock);
	nbg++;
	pthread_mutex_unlock(&bg_lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, bg_main, b);
	pthread_attr_destroy(&attr);
	if (rc) {
		free(b);
		f->running = 0;
		pthread_mutex_lock(&bg_lock);
		nbg--;
		pthread_mutex_unlock(&bg_lock);
	}
}

static fetch_fn fetch_caps, fetch_tables, fetch_examples;
static fetch_fn *const piece_fetch[NPIECES] = {fetch_caps, fetch_tables, fetch_examples};
static const char *const piece_name[NPIECES] = {"capabilities", "tables", "examples"};

/* Piece k stored and fresh, or being refreshed while the stored copy is
 * served; a piece never stored is fetched (or its fetch joined) with the
 * caller waiting until deadline. */
static int piece_ensure(const struct service_conf *s, enum piece k, int64_t deadline)
{
	struct svc_state *st = state(s);
	struct flight *f;
	double t;
	int rc = 0;

	pthread_mutex_lock(&st->mu);
	t = fetched_at(s, k);
	if (!(f = flight_of(st, piece_name[k])))
		rc = -ENOMEM;
	else if (!due(t, f->fail_at))
		rc = t <= 0 && f->fail_at > 0 ? f->rc : 0;   /* a failure a moment ago */
	else if (t > 0)
		flight_start_bg(s, f, piece_fetch[k]);
	else
		rc = flight_run(s, f, piece_fetch[k], NULL, deadline);
	pthread_mutex_unlock(&st->mu);
	return rc;
}

/* On the store's writer, in one transaction (db_write_txn): a piece's
 * rows, put by put(ud), and the time it was fetched. */
struct piece_store {
	const struct service_conf *s;
	enum piece k;
	int (*put)(const void *ud);
	const void *ud;
	double at;
};

static int piece_store(void *arg)
{
	struct piece_store *a = arg;
	int rc = a->put(a->ud);

	return rc ? rc : stamp(a->s, a->k, &a->at);
}

/* Store a fetched piece and tell the readers. */
static int piece_put(const struct service_conf *s, enum piece k, int (*put)(const void *ud),
		     const void *ud)
{
	struct piece_store a = {s, k, put, ud, 0};
	int rc = db_write_txn(piece_store, &a);

	if (!rc)
		set_at(s, k, a.at);
	return rc;
}

/* --- capabilities ------------------------------------------------------------ */

struct caps_rows {
	const struct service_conf *s;
	const struct vo_caps *caps;
	const struct vo_buf *raw, *about;
};

static int caps_put(const void *ud)
{
	const struct caps_rows *a = ud;
	const char *name = a->s->name;
	int rc = db_svc_set(name, "caps_xml", a->raw->p, a->raw->len);

	if (!rc) rc = db_svc_set(name, "about", a->about->p, a->about->len);
	if (!rc && a->caps->tables_url)
		rc = db_svc_set(name, "tables_url", a->caps->tables_url,
				strlen(a->caps->tables_url));
	if (!rc && a->caps->examples_url)
		rc = db_svc_set(name, "examples_url", a->caps->examples_url,
				strlen(a->caps->examples_url));
	else if (!rc)
		rc = db_svc_del(name, "examples_url");
	if (!rc && a->caps->maxrec_default >= 0) {
		char n[32];
		snprintf(n, sizeof n, "%lld", a->caps->maxrec_default);
		rc = db_svc_set(name, "maxrec_default", n, strlen(n));
	} else if (!rc) {
		rc = db_svc_del(name, "maxrec_default");
	}
	return rc;
}

static int fetch_caps(const struct service_conf *s, const char *arg, int64_t deadline)
{
	struct vo_limits lim = limits_until(deadline);
	struct vo_caps caps;
	struct vo_buf raw = VO_BUF_INIT, about = VO_BUF_INIT;
	struct vo_err err = {0};
	int rc;

	rc = vo_vosi_fetch_caps(s->url, &caps, &raw, &lim, &err);
	if (rc) {
		vo_warn("service %s: %s", s->name, err.msg);
		set_error(s, &err);
		return rc;
	}
	rc = vo_caps_describe(&caps, s->name, s->url, &about);
	if (!rc) {
		struct caps_rows a = {s, &caps, &raw, &about};
		rc = piece_put(s, P_CAPS, caps_put, &a);
	}
	set_error(s, NULL);
	vo_caps_free(&caps);
	vo_buf_free(&raw);
	vo_buf_free(&about);
	return rc;
}

static int caps_ensure(const struct service_conf *s)
{
	return piece_ensure(s, P_CAPS, meta_deadline(s));
}

int svc_about(const struct service_conf *s, struct vo_buf *out)
{
	char e[VO_ERR_MSG];
	int have;

	caps_ensure(s);
	vo_buf_reset(out);
	have = db_svc_get(s->name, "about", out) == 0;
	svc_last_error(s, e, sizeof e);
	if (!have) {
		vo_buf_addf(out, "service               %s\nTAP base URL          %s\n",
			    s->name, s->url);
		vo_buf_addf(out, "capabilities          not available: %s\n",
			    e[0] ? e : "not fetched yet");
	} else if (e[0]) {
		vo_buf_addf(out, "last refresh failed   %s\n", e);
	}
	return out->p ? 0 : -ENOMEM;
}

int svc_capabilities(const struct service_conf *s, struct vo_buf *out)
{
	caps_ensure(s);
	vo_buf_reset(out);
	return db_svc_get(s->name, "caps_xml", out) == 0 ? 0 : -ENODATA;
}

long long svc_default_rows(const struct service_conf *s)
{
	struct vo_buf b = VO_BUF_INIT;
	long long n = -1;

	caps_ensure(s);
	if (db_svc_get(s->name, "maxrec_default", &b) == 0 && b.p)
		n = strtoll(b.p, NULL, 10);
	vo_buf_free(&b);
	return n;
}

int svc_upload_inline(const struct service_conf *s)
{
	struct vo_buf b = VO_BUF_INIT;
	struct vo_caps caps;
	struct vo_err err = {0};
	int yes = -1;

	caps_ensure(s);
	if (db_svc_get(s->name, "caps_xml", &b) == 0 && b.p && b.len &&
	    vo_caps_parse(b.p, b.len, &caps, &err) == 0) {
		yes = vo_caps_upload_inline(&caps) ? 1 : 0;
		vo_caps_free(&caps);
	}
	vo_buf_free(&b);
	return yes;
}

static void service_url(const struct service_conf *s, const char *key,
			const char *fallback, char *out, size_t n)
{
	struct vo_buf b = VO_BUF_INIT;

	/* callers have made sure of the capabilities (no lock held here) */
	if (db_svc_get(s->name, key, &b) == 0 && b.p && b.len)
		snprintf(out, n, "%s", b.p);
	else if (fallback)
		snprintf(out, n, "%s/%s", s->url, fallback);
	else
		out[0] = '\0';
	vo_buf_free(&b);
}

/* --- tables --------------------------------------------------------------------- */

static int columns_csv(const struct vo_table *t, struct vo_buf *out)
{
	static const char *const hdr[] = {"name", "datatype", "arraysize", "unit", "ucd",
					  "utype", "xtype", "description"};
	struct vo_cell c[8];
	int rc;

	for (int i = 0; i < 8; i++)
		c[i] = (struct vo_cell){.s = hdr[i], .len = strlen(hdr[i])};
	if ((rc = vo_csv_row(out, c, 8)))
		return rc;
	for (size_t k = 0; k < t->ncols; k++) {
		const struct vo_column *col = &t->cols[k];
		const char *v[8] = {col->name, col->datatype, col->arraysize, col->unit,
				    col->ucd, col->utype, col->xtype, col->description};
		for (int i = 0; i < 8; i++)
			c[i] = (struct vo_cell){.s = v[i] ? v[i] : "", .len = v[i] ? strlen(v[i]) : 0,
						.null = !v[i]};
		if ((rc = vo_csv_row(out, c, 8)))
			return rc;
	}
	return 0;
}

/* A table list is gathered in memory while it downloads (up to
 * TABLES_MAX_BYTES) and stored in one short transaction at its end: no
 * transaction waits on a slow server. */
#define TABLES_MAX_BYTES ((size_t)(cfg->doc_max > 0 ? 4 * cfg->doc_max : 64LL << 20))

struct list_ctx {
	const struct service_conf *s;
	size_t n, cap, bytes;
	struct db_table_row *rows;     /* strings owned */
	struct vo_buf *cols;           /* columns.csv per row, when sent along */
};

static char *dup_or_null(const char *v, size_t *bytes)
{
	if (!v)
		return NULL;
	*bytes += strlen(v) + 1;
	return strdup(v);
}

static void staged_clear(struct list_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n; i++) {
		free((char *)ctx->rows[i].name);
		free((char *)ctx->rows[i].description);
		free((char *)ctx->rows[i].title);
		free((char *)ctx->rows[i].type);
		vo_buf_free(&ctx->cols[i]);
	}
	free(ctx->rows);
	free(ctx->cols);
	ctx->rows = NULL;
	ctx->cols = NULL;
	ctx->n = ctx->cap = ctx->bytes = 0;
}

/* Keep one table (cols: its columns.csv, taken; may be NULL). */
static int stage_table(struct list_ctx *ctx, const char *name, const char *description,
		       const char *title, const char *type, struct vo_buf *cols)
{
	struct db_table_row *r;

	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 64;
		struct db_table_row *rows = realloc(ctx->rows, cap * sizeof *rows);
		struct vo_buf *cv;
		if (!rows)
			return -ENOMEM;
		ctx->rows = rows;
		if (!(cv = realloc(ctx->cols, cap * sizeof *cv)))
			return -ENOMEM;
		ctx->cols = cv;
		ctx->cap = cap;
	}
	r = &ctx->rows[ctx->n];
	memset(r, 0, sizeof *r);
	ctx->cols[ctx->n] = (struct vo_buf)VO_BUF_INIT;
	r->name = dup_or_null(name, &ctx->bytes);
	r->description = dup_or_null(description, &ctx->bytes);
	r->title = dup_or_null(title, &ctx->bytes);
	r->type = dup_or_null(type, &ctx->bytes);
	if (cols) {
		ctx->bytes += cols->len;
		ctx->cols[ctx->n] = *cols;
		*cols = (struct vo_buf)VO_BUF_INIT;
	}
	ctx->n++;
	if (!r->name || (description && !r->description) || (title && !r->title) ||
	    (type && !r->type))
		return -ENOMEM;
	if (ctx->bytes > TABLES_MAX_BYTES) {
		vo_error("service %s: the table list is larger than %zu bytes (4 x doc_max):"
			 " not kept", ctx->s->name, TABLES_MAX_BYTES);
		return -EFBIG;
	}
	return 0;
}

static int table_seen(void *ud, const struct vo_table *t)
{
	struct list_ctx *ctx = ud;
	struct vo_buf csv = VO_BUF_INIT;
	int rc;

	/* services that ignore detail=min send the columns along: keep them */
	if (t->ncols && columns_csv(t, &csv))
		vo_buf_free(&csv);
	rc = stage_table(ctx, t->name, t->description, t->title, t->type, t->ncols ? &csv : NULL);
	vo_buf_free(&csv);
	return rc;
}

/* TAP_SCHEMA, for services whose VOSI tables endpoint fails */
static int schema_meta(void *ud, const struct vo_table_meta *m)
{
	return 0;
}

static int schema_row(void *ud, const struct vo_cell *c, size_t n)
{
	struct list_ctx *ctx = ud;
	struct db_table_row row = {0};

	if (n < 3 || c[0].null)
		return 0;
	row.name = c[0].s;
	row.description = c[1].null ? NULL : c[1].s;
	row.type = c[2].null ? NULL : c[2].s;
	return stage_table(ctx, row.name, row.description, NULL, row.type, NULL);
}

static int tables_from_tap_schema(const struct service_conf *s, struct list_ctx *ctx,
				  int64_t deadline, struct vo_err *err)
{
	struct vo_limits lim = limits_until(deadline);
	struct vo_tap_query q = {.base_url = s->url, .maxrec = -1, .mode = VO_TAP_SYNC,
				 .timeout_s = lim.timeout_s, .stall_s = lim.stall_s,
				 .adql = "SELECT table_name, description, table_type FROM TAP_SCHEMA.tables"};
	struct vo_tap_hooks h = {.ud = ctx, .rows = {.meta = schema_meta, .row = schema_row}};
	struct vo_tap_outcome out = {0};
	int rc = vo_tap_run(&q, &h, &out, err);

	free(out.services);
	return rc;
}

/* Whether a failed VOSI request is worth asking TAP_SCHEMA instead: the
 * service answered, but not with a table list, and time is left. */
static int try_tap_schema(int rc, int64_t deadline)
{
	return rc && rc != -ENOMEM && rc != -ECONNREFUSED && rc != -EHOSTUNREACH &&
	       rc != -ETIMEDOUT && rc != -ECONNRESET && rc != -ECANCELED && time_left(deadline);
}

static int tables_put(const void *ud)
{
	const struct list_ctx *ctx = ud;

	return db_tables_replace(ctx->s->name, ctx->rows, ctx->cols, ctx->n);
}

static int fetch_tables(const struct service_conf *s, const char *arg, int64_t deadline)
{
	char url[2048];
	struct list_ctx ctx = {.s = s};
	struct vo_err err = {0};
	struct vo_limits lim;
	int rc;

	piece_ensure(s, P_CAPS, deadline);   /* for the tables URL */
	service_url(s, "tables_url", "tables", url, sizeof url);
	lim = limits_until(deadline);
	rc = vo_vosi_fetch_tables(url, 1, table_seen, &ctx, &lim, &err);
	/* TAP_SCHEMA only helps when the service answers but its VOSI
	 * tables endpoint does not (404, a broken document ...) */
	if (try_tap_schema(rc, deadline)) {
		struct vo_err err2 = {0};
		vo_warn("service %s: %s; trying TAP_SCHEMA", s->name, err.msg);
		staged_clear(&ctx);
		rc = tables_from_tap_schema(s, &ctx, deadline, &err2);
		if (rc) {
			char first[VO_ERR_MSG];
			snprintf(first, sizeof first, "%s", err.msg);
			vo_err_clear(&err);
			vo_err_set(&err, -rc, "%s; TAP_SCHEMA: %s", first, err2.msg);
		}
	}
	if (rc) {
		staged_clear(&ctx);
		vo_warn("service %s: table list: %s", s->name, err.msg);
		set_error(s, &err);
		return rc;
	}
	rc = piece_put(s, P_TABLES, tables_put, &ctx);
	vo_info("service %s: %zu tables", s->name, ctx.n);
	staged_clear(&ctx);
	return rc;
}

int svc_tables_ensure(const struct service_conf *s)
{
	return piece_ensure(s, P_TABLES, meta_deadline(s));
}

/* The fetch of one table's columns or sample, one at a time per table. */
static int table_fetch(const struct service_conf *s, const char *what, const char *table,
		       fetch_fn *fn)
{
	struct svc_state *st = state(s);
	struct vo_buf key = VO_BUF_INIT;
	struct flight *f;
	int rc;

	if (vo_buf_addf(&key, "%s %s", what, table))
		return -ENOMEM;
	pthread_mutex_lock(&st->mu);
	f = flight_of(st, key.p);
	rc = f ? flight_run(s, f, fn, table, meta_deadline(s)) : -ENOMEM;
	pthread_mutex_unlock(&st->mu);
	vo_buf_free(&key);
	return rc;
}

struct one_table {
	struct vo_buf *out;
	int found;
};

static int one_table_seen(void *ud, const struct vo_table *t)
{
	struct one_table *o = ud;

	if (o->found++)
		return 0;
	return columns_csv(t, o->out);
}

static int columns_from_tap_schema(const struct service_conf *s, const char *table,
				   struct vo_buf *out, int64_t deadline, struct vo_err *err)
{
	struct vo_limits lim = limits_until(deadline);
	struct vo_buf adql = VO_BUF_INIT;
	struct csv_sink sink = {.out = VO_BUF_INIT};
	struct vo_tap_query q = {.base_url = s->url, .maxrec = -1, .mode = VO_TAP_SYNC,
				 .timeout_s = lim.timeout_s, .stall_s = lim.stall_s};
	struct vo_tap_hooks h = {.ud = &sink, .rows = {.meta = csv_sink_meta, .row = csv_sink_row}};
	struct vo_tap_outcome res = {0};
	int rc;

	vo_buf_adds(&adql, "SELECT column_name AS name, datatype, arraysize, unit, ucd, utype,"
		    " xtype, description FROM TAP_SCHEMA.columns WHERE table_name = '");
	for (const char *p = table; *p; p++)
		vo_buf_add(&adql, *p == '\'' ? "''" : p, *p == '\'' ? 2 : 1);
	vo_buf_adds(&adql, "'");
	q.adql = adql.p;
	rc = vo_tap_run(&q, &h, &res, err);
	free(res.services);
	if (!rc && sink.nrows == 0)
		rc = vo_err_set(err, ENOENT, "TAP_SCHEMA.columns has no columns for %s", table);
	if (!rc) {
		vo_buf_reset(out);
		rc = vo_buf_add(out, sink.out.p, sink.out.len);
	}
	vo_buf_free(&adql);
	vo_buf_free(&sink.out);
	return rc;
}

static int fetch_columns(const struct service_conf *s, const char *table, int64_t deadline)
{
	char url[2048];
	struct vo_buf out = VO_BUF_INIT;
	struct one_table o = {.out = &out};
	struct vo_err err = {0};
	struct vo_limits lim;
	int rc;

	piece_ensure(s, P_CAPS, deadline);   /* for the tables URL */
	service_url(s, "tables_url", "tables", url, sizeof url);
	lim = limits_until(deadline);
	rc = vo_vosi_fetch_table(url, table, one_table_seen, &o, &lim, &err);
	if (!rc && !o.found)
		rc = vo_err_set(&err, ENOENT, "GET %s/%s: no table in the answer", url, table);
	if (rc && rc != -ECANCELED && time_left(deadline)) {
		struct vo_err err2 = {0};
		vo_buf_reset(&out);
		rc = columns_from_tap_schema(s, table, &out, deadline, &err2);
		if (rc)
			vo_warn("service %s: columns of %s: %s; TAP_SCHEMA: %s", s->name, table,
				err.msg, err2.msg);
	} else if (rc) {
		vo_warn("service %s: columns of %s: %s", s->name, table, err.msg);
	}
	if (!rc)
		rc = db_table_set(s->name, table, "columns_csv", out.p, out.len);
	vo_buf_free(&out);
	return rc;
}

int svc_table_columns(const struct service_conf *s, const char *table, struct vo_buf *out)
{
	int rc;

	vo_buf_reset(out);
	if (db_table_get(s->name, table, "columns_csv", out) == 0)
		return 0;
	if (cfg->offline)
		return -ENODATA;
	if ((rc = table_fetch(s, "columns", table, fetch_columns)))
		return rc;
	vo_buf_reset(out);
	return db_table_get(s->name, table, "columns_csv", out);
}

int svc_table_description(const struct service_conf *s, const char *table, struct vo_buf *out)
{
	int rc;

	vo_buf_reset(out);
	rc = db_table_get(s->name, table, "description", out);
	if (rc == -ENODATA)
		rc = 0;
	if (!rc && out->len && out->p[out->len - 1] != '\n')
		rc = vo_buf_addc(out, '\n');
	return rc;
}

static int fetch_sample(const struct service_conf *s, const char *table, int64_t deadline)
{
	struct vo_limits lim = limits_until(deadline);
	struct vo_buf adql = VO_BUF_INIT;
	struct csv_sink sink = {.out = VO_BUF_INIT};
	struct vo_tap_query q = {.base_url = s->url, .maxrec = 100, .mode = VO_TAP_SYNC,
				 .timeout_s = lim.timeout_s, .stall_s = lim.stall_s};
	struct vo_tap_hooks h = {.ud = &sink, .rows = {.meta = csv_sink_meta, .row = csv_sink_row}};
	struct vo_tap_outcome res = {0};
	struct vo_err err = {0};
	int rc;

	sink.out.cap = 64u << 20;
	vo_buf_addf(&adql, "SELECT TOP 100 * FROM %s", table);
	q.adql = adql.p;
	rc = vo_tap_run(&q, &h, &res, &err);
	free(res.services);
	if (rc)
		vo_error("service %s: sample of %s: %s", s->name, table, err.msg);
	else
		rc = db_table_set(s->name, table, "sample_csv", sink.out.p ? sink.out.p : "",
				  sink.out.len);
	vo_buf_free(&adql);
	vo_buf_free(&sink.out);
	return rc;
}

int svc_table_sample(const struct service_conf *s, const char *table, int fetch,
		     struct vo_buf *out)
{
	int rc;

	vo_buf_reset(out);
	if (db_table_get(s->name, table, "sample_csv", out) == 0)
		return 0;
	if (!fetch || cfg->offline)
		return -ENODATA;
	if ((rc = table_fetch(s, "sample", table, fetch_sample)))
		return rc;
	vo_buf_reset(out);
	return db_table_get(s->name, table, "sample_csv", out);
}

/* --- examples -------------------------------------------------------------------- */

/* Examples are gathered in memory (up to EXAMPLES_MAX_BYTES) and stored
 * in one short transaction once the document is read. */
#define EXAMPLES_MAX_BYTES ((size_t)(cfg->doc_max > 0 ? cfg->doc_max : 16LL << 20))

struct ex_ctx {
	const struct service_conf *s;
	size_t n, cap, bytes;
	struct db_example *v;          /* strings owned */
};

static void examples_clear(struct ex_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n; i++) {
		free((char *)ctx->v[i].name);
		free((char *)ctx->v[i].adql);
	}
	free(ctx->v);
	ctx->v = NULL;
	ctx->n = ctx->cap = ctx->bytes = 0;
}

static int example_named(const struct ex_ctx *ctx, const char *name)
{
	for (size_t i = 0; i < ctx->n; i++)
		if (strcmp(ctx->v[i].name, name) == 0)
			return 1;
	return 0;
}

static int example_seen(void *ud, const char *id, const char *name, const char *query)
{
	struct ex_ctx *ctx = ud;
	char fname[200], esc[240];
	struct vo_buf text = VO_BUF_INIT;
	size_t k = ctx->n + 1;

	if (id && *id)
		snprintf(fname, sizeof fname, "%s", id);
	else
		snprintf(fname, sizeof fname, "example-%zu", k);
	if (name_escape(fname, esc, sizeof esc - 8) < 0)
		snprintf(esc, sizeof esc, "example-%zu", k);
	/* ids are meant to be unique; keep both when they are not */
	if (example_named(ctx, esc))
		snprintf(esc + strlen(esc), 8, "-%zu", k);
	if (name && *name) {
		vo_buf_adds(&text, "-- ");
		vo_buf_adds(&text, name);
		vo_buf_addc(&text, '\n');
	}
	vo_buf_adds(&text, query);
	while (text.len && (text.p[text.len - 1] == '\n' || text.p[text.len - 1] == ' '))
		text.p[--text.len] = '\0';
	vo_buf_addc(&text, '\n');
	if (!text.p)
		return -ENOMEM;
	if (ctx->n == ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap * 2 : 32;
		struct db_example *v = realloc(ctx->v, cap * sizeof *v);
		if (!v) {
			vo_buf_free(&text);
			return -ENOMEM;
		}
		ctx->v = v;
		ctx->cap = cap;
	}
	ctx->bytes += text.len + strlen(esc);
	ctx->v[ctx->n].adql = vo_buf_take(&text);
	ctx->v[ctx->n].name = strdup(esc);
	ctx->n++;
	if (!ctx->v[ctx->n - 1].name)
		return -ENOMEM;
	if (ctx->bytes > EXAMPLES_MAX_BYTES) {
		vo_error("service %s: the examples are larger than %zu bytes (doc_max): not kept",
			 ctx->s->name, EXAMPLES_MAX_BYTES);
		return -EFBIG;
	}
	return 0;
}

static int examples_put(const void *ud)
{
	const struct ex_ctx *ctx = ud;

	return db_examples_replace(ctx->s->name, ctx->v, ctx->n);
}

static int fetch_examples(const struct service_conf *s, const char *arg, int64_t deadline)
{
	char url[2048];
	struct ex_ctx ctx = {.s = s};
	struct vo_err err = {0};
	struct vo_limits lim;
	int rc;

	piece_ensure(s, P_CAPS, deadline);   /* for the examples URL */
	service_url(s, "examples_url", NULL, url, sizeof url);
	if (!url[0]) {
		/* not declared: try the conventional place, quietly */
		snprintf(url, sizeof url, "%s/examples", s->url);
	}
	lim = limits_until(deadline);
	rc = vo_examples_fetch(url, example_seen, &ctx, &lim, &err);
	if (rc == -ENOENT) {
		/* no examples is a normal state: an empty directory */
		vo_info("service %s: no examples (%s)", s->name, err.msg);
		examples_clear(&ctx);
		rc = 0;
	}
	if (rc) {
		examples_clear(&ctx);
		vo_warn("service %s: examples: %s", s->name, err.msg);
		set_error(s, &err);
		return rc;
	}
	rc = piece_put(s, P_EXAMPLES, examples_put, &ctx);
	examples_clear(&ctx);
	return rc;
}

int svc_examples_ensure(const struct service_conf *s)
{
	return piece_ensure(s, P_EXAMPLES, meta_deadline(s));
}
