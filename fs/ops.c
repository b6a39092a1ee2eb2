/* fs/ops.c - FUSE handlers: thin, each maps a node to the module that
 * knows it (service.c, query.c, result.c). */
#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "clock.h"
#include "datalink.h"
#include "db.h"
#include "http.h"
#include "hash.h"
#include "log.h"
#include "names.h"
#include "list.h"
#include "path.h"
#include "products.h"
#include "query.h"
#include "transfers.h"
#include "result.h"
#include "scratch.h"
#include "service.h"
#include "inputs.h"
#include "uploads.h"
#include "tap.h"

#define WRITE_MAX ((size_t)1 << 20)
#define PREFETCH_FILES 4   /* files fetched ahead of a tree copy */

static struct config *cfg;
static char *dbfile;
static struct ops_settings settings;
static struct fuse *the_fuse;
static time_t mount_time;

static const char readme_text[] =
	"vofs: IVOA TAP services as files.\n"
	"\n"
	"  <service>/about.txt            endpoints, languages, formats, MAXREC limits\n"
	"  <service>/capabilities.xml     the VOSI capabilities document\n"
	"  <service>/examples/*.adql      the service's DALI examples\n"
	"  <service>/tables/<table>/      columns.csv, description.txt, sample.csv\n"
	"  <service>/queries/<name>/      mkdir a query; write ADQL to query.adql;\n"
	"                                 read status, error, result.csv, result.vot,\n"
	"                                 result.tbl (IPAC)\n"
	"  <service>/queries/<name>/products/   the DataLink products of the result,\n"
	"                                 fetched block by block when read\n"
	"  <service>/queries/<name>/cutout      a SODA POS (\"CIRCLE ra dec r\"):\n"
	"                                 products/<id>/cutout.fits\n"
	"  <service>/queries/<name>/job   the run's UWS job URL; write one of the\n"
	"                                 service's to adopt a job started elsewhere\n"
	"  <service>/queries/<name>/upload/     <table>.csv or .vot, sent as\n"
	"                                 TAP_UPLOAD.<table>; ln -s another query's\n"
	"                                 result.vot here to chain the two\n"
	"  .vofs/stats                    cache and transfer counters\n"
	"\n"
	"Table names with '/' or '%' are percent-escaped (%2F, %25).\n"
	"See vofs(1) and docs/ for everything else.\n";

/* --- invalidation, from a thread of its own ---------------------------------------- */

struct inval {
	struct inval *next;
	char path[];
};
static pthread_mutex_t inval_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t inval_cond = PTHREAD_COND_INITIALIZER;
static struct inval *inval_head, **inval_tail = &inval_head;
static int inval_stop;
static pthread_t inval_thread;
static int inval_started;

static void *inval_main(void *arg)
{
	pthread_mutex_lock(&inval_lock);
	for (;;) {
		while (!inval_head && !inval_stop)
			pthread_cond_wait(&inval_cond, &inval_lock);
		if (!inval_head)
			break;
		struct inval *i = inval_head;
		inval_head = i->next;
		if (!inval_head)
			inval_tail = &inval_head;
		pthread_mutex_unlock(&inval_lock);
		if (the_fuse)
			fuse_invalidate_path(the_fuse, i->path);
		free(i);
		pthread_mutex_lock(&inval_lock);
	}
	pthread_mutex_unlock(&inval_lock);
	return NULL;
}

/* Tell the kernel a file changed (its attributes and cached pages). */
static void notify_changed(const char *path)
{
	size_t n = strlen(path) + 1;
	struct inval *i = malloc(sizeof *i + n);

	if (!i)
		return;
	memcpy(i->path, path, n);
	i->next = NULL;
	pthread_mutex_lock(&inval_lock);
	*inval_tail = i;
	inval_tail = &i->next;
	pthread_cond_signal(&inval_cond);
	pthread_mutex_unlock(&inval_lock);
}

/* --- open files ---------------------------------------------------------------------- */

enum fh_kind { FH_BUF, FH_RESULT, FH_WRITE, FH_FAIL, FH_PRODUCT, FH_SCRATCH, FH_UPLOAD };

struct fh {
	enum fh_kind kind;
	struct node node;
	struct vo_buf buf;           /* FH_BUF contents, FH_WRITE pending text */
	struct result_reader *rr;
	struct cache_file *cf;       /* FH_PRODUCT */
	struct scratch_file *sf;     /* FH_SCRATCH: an editor's temporary file */
	struct upload_fh *uf;        /* FH_UPLOAD: a file of upload/ */
	/* FH_RESULT, FH_PRODUCT: the result generation the file was opened in,
	 * pinned until release (query_hold_result); FH_PRODUCT of a fixed size:
	 * its mtime, for fstat() answered without a look-up (fast_attr) */
	int64_t rid;
	double mtime;
	int fast_attr;
	int err;                     /* FH_FAIL: what reads return */
	int dirty;
	int refused;                 /* FH_WRITE: invalid text was written */
	int written;                 /* FH_WRITE: write() was called */
	pthread_mutex_t lock;
	struct list_link link;       /* in open_fhs */
};

/* Every open handle, so that destroy can free those the kernel never
 * released (files still open when a signal ended the session). */
static pthread_mutex_t fhs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list open_fhs;

static struct fh *fh_new(enum fh_kind k, const struct node *n)
{
	struct fh *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->kind = k;
	f->node = *n;
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_lock(&fhs_lock);
	list_push_front(&open_fhs, &f->link);
	pthread_mutex_unlock(&fhs_lock);
	return f;
}

static void fh_free(struct fh *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&fhs_lock);
	list_remove(&open_fhs, &f->link);
	pthread_mutex_unlock(&fhs_lock);
	vo_buf_free(&f->buf);
	result_reader_free(f->rr);
	cache_close(f->cf);
	scratch_put(f->sf);
	uploads_close(f->uf);
	if (f->rid)
		query_release_result(f->rid);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

static struct fh *FH(struct fuse_file_info *fi)
{
	return (struct fh *)(uintptr_t)fi->fh;
}

/* --- helpers ------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_requested;

void ops_request_stop(void)
{
	stop_requested = 1;
	query_request_stop();   /* first: runs cut short below stay resumable */
	vo_http_abort_all();    /* every transfer, queries' and products' */
}

static int interrupted(void)
{
	return fuse_interrupted() || stop_requested;
}

struct short_find {
	const char *file;
	struct node *n;
	int found;
};

static int short_match(void *ud, const char *name)
{
	struct short_find *f = ud;
	char fn[NAME_FILE_MAX + 1];

	if (!f->found && strlen(name) < sizeof f->n->name &&
	    name_table(name, fn, sizeof fn) >= 0 && strcmp(fn, f->file) == 0) {
		memcpy(f->n->name, name, strlen(name) + 1);
		f->found = 1;
	}
	return 0;
}

/* A table's file name shortened from a long name (names.h) is looked up
 * among the service's tables: n->name becomes the full name. */
static void resolve_short(struct node *n)
{
	char file[NAME_FILE_MAX + 1];
	struct short_find f = {.file = file, .n = n};

	if (n->type < N_TABLE || n->type > N_T_SAMPLE || !name_shortened(n->name) ||
	    db_table_exists(n->svc->name, n->name) != -ENOENT ||
	    name_escape(n->name, file, sizeof file) < 0)
		return;
	db_table_list(n->svc->name, short_match, &f);
}

/* The removal mark's item of a query's node (scratch.h): each of the
 * query's files, and products/ for everything in it. */
static unsigned removal_item(enum node_type t)
{
	if (t == N_QUERY_ALIAS)
		t = N_Q_ADQL;
	if (t > N_Q_PRODUCTS)
		t = N_Q_PRODUCTS;
	return (unsigned)(t - N_QUERY);
}

/* A query's file that `rm -r` has unlinked is absent (to every handler,
 * through parse) until the query's rmdir, or until the mark lapses. */
static int removed(const struct node *n)
{
	return n->svc && node_in_query(n->type) && n->type != N_QUERY &&
	       n->type != N_Q_SCRATCH && n->type != N_Q_UPLOADS && n->type != N_U_FILE &&
	       scratch_hidden(n->svc->name, n->name, removal_item(n->type));
}

/* libfuse keeps a file unlinked while open under this name until it is
 * closed (so fstat and reads go on): not listed, it is already removed */
static int fuse_hidden(const char *name)
{
	return strncmp(name, ".fuse_hidden", 12) == 0;
}

static int parse(const char *path, struct node *n)
{
	int rc;

	/* a file unlinked while open (hard_remove) has no path any more */
	if (!path)
		return -ESTALE;
	rc = path_parse(cfg, path, n);
	if (!rc)
		resolve_short(n);
	if (!rc && removed(n))
		rc = -ENOENT;
	return rc;
}

static int stats_text(struct vo_buf *out)
{
	struct cache_counters c;

	cache_counters(&c);
	return vo_buf_addf(out,
		"cache_used_bytes %lld\n"
		"cache_limit_bytes %lld\n"
		"block_hits %lld\n"
		"block_misses %lld\n"
		"bytes_fetched %lld\n"
		"requests %lld\n"
		"size_probes %lld\n"
		"retries %lld\n"
		"errors %lld\n"
		"blocks_evicted %lld\n"
		"requests_cancelled %lld\n"
		"store_commit_errors %lld\n"
		"transfers_in_flight %d\n"
		"offline %d\n",
		(long long)c.used, (long long)c.limit, (long long)c.hits, (long long)c.misses,
		(long long)c.bytes_fetched, (long long)c.requests, (long long)c.probes,
		(long long)c.retries, (long long)c.errors, (long long)c.evicted,
		(long long)c.cancelled, (long long)c.commit_errors, xfer_count(), settings.offline);
}

/* The query's cutout POS without its newline ("" for none). */
static void cutout_of(const struct node *n, char *out, size_t len)
{
	struct vo_buf b = VO_BUF_INIT;

	out[0] = '\0';
	if (!query_get_cutout(n->svc->name, n->name, &b) && b.len) {
		snprintf(out, len, "%s", b.p);
		out[strcspn(out, "\n")] = '\0';
	}
	vo_buf_free(&b);
}

/* A products node: the query must be complete with products. */
static int products_of(const struct query_info *qi)
{
	int rc;

	if (!qi->completed)
		return -ENOENT;
	rc = products_available(qi->rid);
	return rc < 0 ? rc : rc == 1 ? 0 : -ENOENT;
}

/* The query a products node lives in, which must have products. */
static int query_products(const struct node *n, struct query_info *qi)
{
	int rc = query_info(n->svc->name, n->name, qi);

	return rc ? rc : products_of(qi);
}

/* Fill out with the current text of a small read-only file. */
static int file_text(const struct node *n, int fetch, struct vo_buf *out)
{
	vo_buf_reset(out);
	switch (n->type) {
	case N_README:
		return vo_buf_adds(out, readme_text);
	case N_ABOUT:
		return svc_about(n->svc, out);
	case N_CAPS:
		return svc_capabilities(n->svc, out);
	case N_EXAMPLE:
		return db_example_get(n->svc->name, n->name, out);
	case N_T_COLUMNS:
		return svc_table_columns(n->svc, n->name, out);
	case N_T_DESC: {
		/* a table listed under a shortened name says its full one first */
		char esc[NAME_FILE_MAX + 1];
		struct vo_buf d = VO_BUF_INIT;
		int rc = svc_table_description(n->svc, n->name, &d);
		if (!rc && name_escape(n->name, esc, sizeof esc) < 0)
			rc = vo_buf_addf(out, "name: %s\n", n->name);
		if (!rc)
			rc = vo_buf_add(out, d.p ? d.p : "", d.len);
		vo_buf_free(&d);
		return rc;
	}
	case N_T_SAMPLE:
		return svc_table_sample(n->svc, n->name, fetch, out);
	case N_Q_ADQL:
	case N_QUERY_ALIAS:
		return query_get_adql(n->svc->name, n->name, out);
	case N_Q_MAXREC:
		return query_get_maxrec(n->svc->name, n->name, out);
	case N_Q_STATUS:
		return query_status_text(n->svc->name, n->name, out);
	case N_Q_ERROR:
		return query_error_text(n->svc->name, n->name, out);
	case N_Q_CUTOUT:
		return query_get_cutout(n->svc->name, n->name, out);
	case N_Q_JOB:
		return query_get_job(n->svc->name, n->name, out);
	case N_STATS:
		return stats_text(out);
	case N_TRANSFERS:
		return xfer_text(out);
	default:
		return -EISDIR;
	}
}

static int table_exists(const struct node *n)
{
	int rc = svc_tables_ensure(n->svc);

	if (rc)
		return rc;
	return db_table_exists(n->svc->name, n->name);
}

/* Check that the table or query a node lives in exists. */
static int node_exists(const struct node *n)
{
	struct query_info qi;

	switch (n->type) {
	case N_TABLE: case N_T_COLUMNS: case N_T_DESC: case N_T_SAMPLE:
		return table_exists(n);
	case N_QUERY: case N_QUERY_ALIAS: case N_Q_ADQL: case N_Q_MAXREC:
	case N_Q_STATUS: case N_Q_ERROR: case N_Q_CSV: case N_Q_VOT: case N_Q_TBL:
	case N_Q_CUTOUT: case N_Q_JOB:
		return query_info(n->svc->name, n->name, &qi);
	case N_Q_PRODUCTS: case N_P_ENTRY: case N_P_FILE:
		return query_products(n, &qi);
	case N_Q_UPLOADS: case N_U_FILE: {
		struct stat st;
		int rc = query_info(n->svc->name, n->name, &qi);
		return rc || n->type == N_Q_UPLOADS ? rc : uploads_lstat(qi.id, n->fname, &st);
	}
	case N_Q_SCRATCH: {
		struct scratch_stat ss;
		int rc = query_info(n->svc->name, n->name, &qi);
		return rc ? rc : scratch_stat(n->svc->name, n->name, n->fname, &ss);
	}
	case N_EXAMPLE: {
		struct vo_buf b = VO_BUF_INIT;
		int rc;
		svc_examples_ensure(n->svc);
		rc = db_example_get(n->svc->name, n->name, &b);
		vo_buf_free(&b);
		return rc;
	}
	default:
		return 0;
	}
}

/* --- getattr ----------------------------------------------------------------------------- */

static void fill_stat(struct stat *st, int dir, mode_t perm, off_t size, time_t mtime)
{
	memset(st, 0, sizeof *st);
	st->st_mode = (dir ? S_IFDIR : S_IFREG) | perm;
	st->st_nlink = dir ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = size;
	st->st_blksize = 65536;
	st->st_blocks = (size + 511) / 512;
	st->st_mtime = st->st_ctime = st->st_atime = mtime;
}

/* fstat() of an open product: what open learnt, while the query still
 * has the result the file was opened in (else -EAGAIN: look it up).  The
 * kernel asks this after every file read cold (a read makes it forget the
 * atime), so a re-read costs no store look-up. */
static int product_attr(const struct fh *f, struct stat *st)
{
	struct query_info qi;
	int64_t size;

	if (!f->fast_attr || query_info(f->node.svc->name, f->node.name, &qi) ||
	    !qi.completed || qi.rid != f->rid)
		return -EAGAIN;
	if ((size = cache_file_size(f->cf)) < 0)
		return -EAGAIN;
	fill_stat(st, 0, settings.file_mode, (off_t)size, (time_t)f->mtime);
	return 0;
}

static void scratch_fill(const struct scratch_stat *ss, struct stat *st)
{
	fill_stat(st, 0, ss->mode, (off_t)ss->size, (time_t)ss->mtime);
	st->st_mtim.tv_nsec = (long)((ss->mtime - (double)(time_t)ss->mtime) * 1e9);
}

static int is_result(enum node_type t)
{
	return t == N_Q_CSV || t == N_Q_VOT || t == N_Q_TBL;
}

/* The size of a result file of the finished run qi describes (0 when it
 * has no result). */
static int result_size(enum node_type t, const struct query_info *qi, int64_t *size)
{
	*size = t == N_Q_CSV ? qi->csv_size : t == N_Q_VOT ? qi->vot_size : 0;
	if (t == N_Q_TBL && qi->completed && qi->rid)
		return result_tbl_size(qi->rid, size);
	return 0;
}

/* The stat of an editor's temporary file, and of the files of a query
 * being removed by `rm -r` (at once: no wait for a run the rmdir is about
 * to cancel, and products/ lists empty).  -EAGAIN: neither. */
static int editing_attr(const struct node *n, struct stat *st)
{
	struct scratch_stat ss;
	struct query_info qi;
	int rc;

	if (n->type != N_Q_SCRATCH &&
	    !(n->type >= N_Q_CSV && n->type != N_Q_CUTOUT && scratch_marked(n->svc->name, n->name)))
		return -EAGAIN;
	if ((rc = query_info(n->svc->name, n->name, &qi)))
		return rc;
	switch (n->type) {
	case N_Q_SCRATCH:
		if ((rc = scratch_stat(n->svc->name, n->name, n->fname, &ss)))
			return rc;
		scratch_fill(&ss, st);
		return 0;
	case N_Q_CSV: case N_Q_VOT: case N_Q_TBL: {
		int64_t size;
		if ((rc = result_size(n->type, &qi, &size)))
			return rc;
		fill_stat(st, 0, settings.file_mode, size, (time_t)qi.mtime);
		return 0;
	}
	case N_Q_PRODUCTS:
		fill_stat(st, 1, 0555, 0, (time_t)qi.mtime);
		return 0;
	default:
		return -ENOENT;
	}
}

/* products/<entry> or products/<dir>/<file> of the result qi names */
static int product_stat(const struct node *n, const struct query_info *qi, struct stat *st)
{
	struct prod_entry e;
	char pos[4200];
	int rc;

	if (n->type == N_P_ENTRY) {
		rc = products_file(qi->rid, NULL, n->pname, NULL, &e, NULL);
	} else {
		cutout_of(n, pos, sizeof pos);
		rc = products_file(qi->rid, n->pname, n->fname, pos, &e, NULL);
	}
	if (rc)
		return rc == -ENOTDIR ? -ENOENT : rc;
	fill_stat(st, e.is_dir, e.is_dir ? 0555 : settings.file_mode, e.size > 0 ? e.size : 0,
		  e.mtime > 0 ? (time_t)e.mtime : (time_t)qi->mtime);
	return 0;
}

/* upload/ and its files: real files of the store, as they are */
static int upload_attr(const struct node *n, struct stat *st)
{
	struct query_info qi;
	int rc = query_info(n->svc->name, n->name, &qi);

	if (rc)
		return rc;
	if (n->type == N_Q_UPLOADS) {
		fill_stat(st, 1, 0755, 0, (time_t)qi.created);
		return 0;
	}
	if ((rc = uploads_lstat(qi.id, n->fname, st)))
		return rc;
	st->st_uid = getuid();
	st->st_gid = getgid();
	return 0;
}

static int op_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct vo_buf b = VO_BUF_INIT;
	struct query_info qi = {0};
	struct node n;
	int rc;

	if (fi && fi->fh && FH(fi)->kind == FH_PRODUCT && !product_attr(FH(fi), st))
		return 0;
	if (fi && fi->fh && FH(fi)->kind == FH_SCRATCH) {
		struct scratch_stat ss;
		scratch_fstat(FH(fi)->sf, &ss);
		scratch_fill(&ss, st);
		return 0;
	}
	if (fi && fi->fh && FH(fi)->kind == FH_UPLOAD)
		return uploads_fstat(FH(fi)->uf, st);
	if ((rc = parse(path, &n)))
		return rc;
	if (n.type == N_Q_UPLOADS || n.type == N_U_FILE)
		return upload_attr(&n, st);
	if (node_in_query(n.type) && (rc = editing_attr(&n, st)) != -EAGAIN)
		return rc;
	/* a query's files need its state anyway: one look-up is the check.
	 * A result is whole or not there: the size of result.csv, .vot, .tbl
	 * and anything in products/ is that of a finished run, so their stat
	 * waits for a running query (bounded by the service's timeout), as
	 * their open does */
	if (node_in_query(n.type)) {
		if (is_result(n.type) || n.type >= N_Q_PRODUCTS)
			rc = query_wait(n.svc->name, n.name, interrupted, &qi);
		else
			rc = query_info(n.svc->name, n.name, &qi);
		if (!rc && n.type > N_Q_PRODUCTS)
			rc = products_of(&qi);
	} else {
		rc = node_exists(&n);
	}
	if (rc)
		return rc;
	switch (n.type) {
	case N_Q_PRODUCTS:
		fill_stat(st, 1, 0555, 0, (time_t)qi.mtime);
		return 0;
	case N_P_ENTRY: case N_P_FILE:
		return product_stat(&n, &qi, st);
	case N_Q_CUTOUT:
		fill_stat(st, 0, 0644, qi.cutout_len ? qi.cutout_len + 1 : 0, (time_t)qi.mtime);
		return 0;
	case N_QUERIES:
		fill_stat(st, 1, 0755, 0, mount_time);
		return 0;
	case N_QUERY:
		fill_stat(st, 1, 0755, 0, (time_t)qi.created);
		return 0;
	case N_Q_CSV: case N_Q_VOT: case N_Q_TBL: {
		int64_t size;
		if ((rc = result_size(n.type, &qi, &size)))
			return rc;
		fill_stat(st, 0, settings.file_mode, size, (time_t)qi.mtime);
		return 0;
	}
	case N_Q_ADQL: case N_QUERY_ALIAS:
		fill_stat(st, 0, 0644, qi.adql_len, (time_t)qi.mtime);
		return 0;
	case N_Q_MAXREC:
		fill_stat(st, 0, 0644, qi.maxrec_len ? qi.maxrec_len + 1 : 0, (time_t)qi.mtime);
		return 0;
	case N_Q_JOB:
		rc = file_text(&n, 0, &b);
		fill_stat(st, 0, 0644, rc ? 0 : (off_t)b.len, (time_t)qi.mtime);
		vo_buf_free(&b);
		return 0;
	default:
		break;
	}
	if (node_is_dir(n.type)) {
		fill_stat(st, 1, 0555, 0, mount_time);
		return 0;
	}
	/* small files: their size is their current text (never a network
	 * round trip for sample.csv: it is fetched when read) */
	rc = file_text(&n, 0, &b);
	fill_stat(st, 0, 0444, rc ? 0 : (off_t)b.len,
		  n.type == N_Q_STATUS || n.type == N_Q_ERROR ? (time_t)qi.mtime : mount_time);
	vo_buf_free(&b);
	return 0;
}

/* --- readdir ------------------------------------------------------------------------------ */

struct dir_ctx {
	void *buf;
	fuse_fill_dir_t fill;
	const char *suffix;
	int escape;
	/* READDIRPLUS: hand the entry's attributes along (what getattr would
	 * say), so `ls -l` of 50,000 tables needs no lookup per entry */
	int plus;
	const char *svc;          /* for query entries */
};

static int add_entry(void *ud, const char *name)
{
	struct dir_ctx *d = ud;
	char esc[1100];

	if (d->escape) {
		/* (a name longer than a file name can be is shortened) */
		if (name_table(name, esc, sizeof esc) < 0) {
			vo_warn("name not listed (cannot be a file name): %.200s", name);
			return 0;
		}
	} else {
		snprintf(esc, sizeof esc, "%s%s", name, d->suffix ? d->suffix : "");
	}
	if (d->plus) {
		struct stat st;
		struct query_info qi;
		if (d->svc) {
			if (query_info(d->svc, name, &qi))
				return 0;   /* gone meanwhile */
			fill_stat(&st, 1, 0755, 0, (time_t)qi.created);
		} else {
			fill_stat(&st, 1, 0555, 0, mount_time);
		}
		return d->fill(d->buf, esc, &st, 0, FUSE_FILL_DIR_PLUS);
	}
	return d->fill(d->buf, esc, NULL, 0, 0);
}

struct pdir_ctx {
	void *buf;
	fuse_fill_dir_t fill;
	time_t mtime;
	int plus;
};

static int add_product(void *ud, const struct prod_entry *e)
{
	struct pdir_ctx *d = ud;
	struct stat st;

	fill_stat(&st, e->is_dir, e->is_dir ? 0555 : settings.file_mode, e->size > 0 ? e->size : 0,
		  e->mtime > 0 ? (time_t)e->mtime : d->mtime);
	return d->fill(d->buf, e->name, &st, 0, d->plus ? FUSE_FILL_DIR_PLUS : 0);
}

static int readdir_products(const struct node *n, void *buf, fuse_fill_dir_t fill,
			    enum fuse_readdir_flags flags)
{
	struct pdir_ctx d = {.buf = buf, .fill = fill, .plus = (flags & FUSE_READDIR_PLUS) != 0};
	struct query_info qi;
	char pos[4200];
	int rc;

	/* products/ is there from the moment the query is: its listing waits
	 * for a running query, and is empty when the result has no products */
	if ((rc = query_wait(n->svc->name, n->name, interrupted, &qi)))
		return rc;
	if (n->type == N_Q_PRODUCTS && products_of(&qi) == -ENOENT) {
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		return 0;
	}
	if ((rc = products_of(&qi)))
		return rc;
	d.mtime = (time_t)qi.mtime;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	if (n->type == N_Q_PRODUCTS)
		return products_list(qi.rid, add_product, &d);
	cutout_of(n, pos, sizeof pos);
	rc = products_dir_list(qi.rid, n->pname, pos, add_product, &d);
	return rc == -ENOTDIR ? -ENOTDIR : rc;
}

struct qdir_ctx {
	void *buf;
	fuse_fill_dir_t fill;
};

static int add_scratch(void *ud, const char *name)
{
	struct qdir_ctx *d = ud;

	return fuse_hidden(name) ? 0 : d->fill(d->buf, name, NULL, 0, 0);
}

static int readdir_query(const struct node *n, void *buf, fuse_fill_dir_t fill)
{
	/* query.adql first: rm -r and shutil.rmtree unlink in this order,
	 * and unlinking query.adql is what lets the others go (op_unlink) */
	static const struct { const char *name; enum node_type t; } files[] = {
		{"query.adql", N_Q_ADQL}, {"maxrec", N_Q_MAXREC}, {"status", N_Q_STATUS},
		{"error", N_Q_ERROR}, {"cutout", N_Q_CUTOUT}, {"products", N_Q_PRODUCTS},
		{"result.csv", N_Q_CSV}, {"result.vot", N_Q_VOT}, {"result.tbl", N_Q_TBL},
		{"job", N_Q_JOB},
	};
	struct qdir_ctx d = {.buf = buf, .fill = fill};
	struct query_info qi;
	const char *svc = n->svc->name;
	int results;

	/* products/ is always there (empty without products); the result
	 * files are listed while the query runs or has a result: find,
	 * cp -r, tar and rsync then copy a query tree without errors, and
	 * never a half-run result (their stat and open wait for the run).
	 * They can still be opened by name at any time (a failed query's
	 * read says EIO). */
	results = !query_info(svc, n->name, &qi) && (qi.completed || qi.running);
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (is_result(files[i].t) && !results)
			continue;
		if (!scratch_hidden(svc, n->name, removal_item(files[i].t)))
			fill(buf, files[i].name, NULL, 0, 0);
	}
	/* the tables to upload (real files: rm -r removes them one by one) */
	fill(buf, "upload", NULL, 0, 0);
	/* an editor's temporary files, while they exist (vim looks for its
	 * swap file) */
	return scratch_list(svc, n->name, add_scratch, &d);
}

static int op_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_ctx d = {.buf = buf, .fill = fill};
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc;
	if ((n.type == N_Q_PRODUCTS || n.type == N_P_ENTRY) &&
	    scratch_marked(n.svc->name, n.name)) {
		/* rm -r of the query: nothing to wait for, nothing to remove */
		fill(buf, ".", NULL, 0, 0);
		fill(buf, "..", NULL, 0, 0);
		return 0;
	}
	if (n.type == N_Q_PRODUCTS || n.type == N_P_ENTRY)
		return readdir_products(&n, buf, fill, flags);
	if (!node_is_dir(n.type))
		return -ENOTDIR;
	if ((rc = node_exists(&n)))
		return rc;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	switch (n.type) {
	case N_ROOT:
		fill(buf, "README", NULL, 0, 0);
		fill(buf, ".vofs", NULL, 0, 0);
		for (size_t i = 0; i < cfg->nsvcs; i++)
			fill(buf, cfg->svcs[i].name, NULL, 0, 0);
		return 0;
	case N_SVC:
		fill(buf, "about.txt", NULL, 0, 0);
		fill(buf, "capabilities.xml", NULL, 0, 0);
		fill(buf, "examples", NULL, 0, 0);
		fill(buf, "tables", NULL, 0, 0);
		fill(buf, "queries", NULL, 0, 0);
		return 0;
	case N_EXAMPLES:
		svc_examples_ensure(n.svc);
		d.suffix = ".adql";
		return db_example_list(n.svc->name, add_entry, &d);
	case N_TABLES:
		if ((rc = svc_tables_ensure(n.svc)))
			return rc;
		d.escape = 1;
		d.plus = (flags & FUSE_READDIR_PLUS) != 0;
		return db_table_list(n.svc->name, add_entry, &d);
	case N_TABLE:
		fill(buf, "columns.csv", NULL, 0, 0);
		fill(buf, "description.txt", NULL, 0, 0);
		fill(buf, "sample.csv", NULL, 0, 0);
		return 0;
	case N_QUERIES:
		d.plus = (flags & FUSE_READDIR_PLUS) != 0;
		d.svc = n.svc->name;
		return query_list(n.svc->name, add_entry, &d);
	case N_QUERY:
		return readdir_query(&n, buf, fill);
	case N_Q_UPLOADS: {
		struct query_info qi;
		struct qdir_ctx qd = {.buf = buf, .fill = fill};
		if ((rc = query_info(n.svc->name, n.name, &qi)))
			return rc;
		return uploads_list(qi.id, add_scratch, &qd);
	}
	case N_VOFS:
		fill(buf, "stats", NULL, 0, 0);
		fill(buf, "transfers", NULL, 0, 0);
		return 0;
	default:
		return -ENOTDIR;
	}
}

/* --- open / read ---------------------------------------------------------------------------- */

static int writable(enum node_type t)
{
	return t == N_Q_ADQL || t == N_Q_MAXREC || t == N_QUERY_ALIAS || t == N_Q_CUTOUT ||
	       t == N_Q_JOB;
}

static int open_result(const struct node *n, struct fuse_file_info *fi)
{
	struct query_info qi;
	struct fh *f;
	int64_t size = 0;
	int rc;

	/* the generation complete now is this open's to the end: a re-run or
	 * rmdir meanwhile does not change a byte of what it reads */
	rc = query_hold_result(n->svc->name, n->name, interrupted, &qi);
	if (rc)
		return rc;
	if (qi.completed && (rc = result_size(n->type, &qi, &size))) {
		if (qi.held)
			query_release_result(qi.rid);
		return rc;
	}
	if (qi.completed) {
		f = fh_new(FH_RESULT, n);
		if (f) {
			f->rid = qi.held ? qi.rid : 0;
			f->rr = result_reader_new(qi.rid, n->type == N_Q_CSV ? RESULT_CSV :
						  n->type == N_Q_VOT ? RESULT_VOT : RESULT_TBL, size);
		} else if (qi.held) {
			query_release_result(qi.rid);
		}
		if (!f || !f->rr) {
			fh_free(f);
			return -ENOMEM;
		}
		/* no page cache: the kernel keeps one per path, and readers of
		 * two generations of result.csv may be open at once (one opened
		 * before a re-run, one after); each must get its own bytes */
		fi->direct_io = 1;
	} else {
		if (qi.held)
			query_release_result(qi.rid);
		f = fh_new(FH_FAIL, n);
		if (!f)
			return -ENOMEM;
		f->err = qi.has_adql ? EIO : ENODATA;
		fi->direct_io = 1;
	}
	fi->fh = (uintptr_t)f;
	return 0;
}

/* The kernel keeps one page cache per path.  The same product path can
 * name another URL after a re-run (a new generation): its pages must not
 * be served for the new one.  A small direct-mapped table remembers, per
 * path, the URL whose pages the kernel may hold; keep_cache only when it
 * is this open's (a slot taken by another path counts as a change). */
#define PAGE_OWNERS 4096
static struct { uint64_t path, url; int64_t direct_until; } page_owner[PAGE_OWNERS];
static pthread_mutex_t page_owner_lock = PTHREAD_MUTEX_INITIALIZER;

/* never 0, the empty slot */
static uint64_t fnv64(const char *s)
{
	return str_hash(s, 0) | 1;
}

enum page_owner { PAGES_OTHER, PAGES_SAME, PAGES_CHANGED };

/* PAGES_SAME when the kernel's pages of path, if any, are of url;
 * PAGES_CHANGED when path named another URL lately (a re-run remapped
 * it): for attr_timeout after the change the kernel may still hold that
 * file's size, and would end reads there; PAGES_OTHER when the slot knows
 * nothing of path.  Records url. */
static enum page_owner pages_are_of(const char *path, const char *url)
{
	uint64_t p = fnv64(path), u = fnv64(url);
	size_t slot = (size_t)(p % PAGE_OWNERS);
	int64_t now = clock_mono_us();
	enum page_owner r = PAGES_OTHER;

	pthread_mutex_lock(&page_owner_lock);
	if (page_owner[slot].path == p && page_owner[slot].url != u) {
		r = PAGES_CHANGED;
		page_owner[slot].direct_until = now + (int64_t)(settings.attr_timeout * 1e6) + 1000000;
	} else if (page_owner[slot].path == p) {
		r = now < page_owner[slot].direct_until ? PAGES_CHANGED : PAGES_SAME;
	} else {
		page_owner[slot].direct_until = 0;
	}
	page_owner[slot].path = p;
	page_owner[slot].url = u;
	pthread_mutex_unlock(&page_owner_lock);
	return r;
}

static int open_product(const char *path, const struct node *n, struct fuse_file_info *fi)
{
	struct query_info qi;
	struct prod_entry e;
	const char *dir = n->type == N_P_FILE ? n->pname : NULL;
	const char *file = n->type == N_P_FILE ? n->fname : n->pname;
	char pos[4200], *url = NULL;
	int vol = 0, rc;
	enum page_owner pages = PAGES_OTHER;
	struct fh *f;

	if ((rc = query_hold_result(n->svc->name, n->name, interrupted, &qi)))
		return rc;
	if ((rc = products_of(&qi)) || !(f = fh_new(FH_BUF, n))) {
		if (qi.held)
			query_release_result(qi.rid);
		return rc ? rc : -ENOMEM;
	}
	f->rid = qi.held ? qi.rid : 0;   /* released by fh_free */
	cutout_of(n, pos, sizeof pos);
	if (dir && strcmp(file, PROD_LINKS_CSV) == 0) {
		rc = products_links_csv(qi.rid, dir, &f->buf);
		if (rc) {
			fh_free(f);
			return rc;
		}
		fi->keep_cache = 1;
		fi->fh = (uintptr_t)f;
		return 0;
	}
	rc = products_file(qi.rid, dir, file, pos, &e, &url);
	if (!rc && e.is_dir)
		rc = -EISDIR;
	if (!rc && e.unreadable) {
		/* listed with size 0; the reason is in user.vo.error */
		vo_error("%s: its server refused it (see user.vo.error): EIO", path);
		free(url);
		f->kind = FH_FAIL;
		f->err = EIO;
		fi->direct_io = 1;
		fi->fh = (uintptr_t)f;
		return 0;
	}
	vol = e.volatile_obj;
	if (!rc)
		rc = cache_open(url, vol, &f->cf);
	if (!rc)
		pages = pages_are_of(path, url);
	free(url);
	if (rc) {
		fh_free(f);
		return rc == -EISDIR ? -EISDIR : rc;
	}
	f->kind = FH_PRODUCT;
	f->mtime = e.mtime > 0 ? e.mtime : qi.mtime;
	f->fast_attr = !vol && e.size >= 0;
	/* generated on the fly, or the size not known yet: no page cache.
	 * Else the kernel keeps the pages it holds when every byte is here
	 * (a re-read runs at page-cache speed); when some are not, they may
	 * be of a version that changed on the server since: it drops them */
	if (vol || e.size < 0)
		fi->direct_io = 1;
	else
		fi->keep_cache = (unsigned)(pages == PAGES_SAME && cache_file_complete(f->cf));
	/* the path named another URL until lately: the kernel may still hold
	 * that file's size (for attr_timeout) and would end reads there.  Opens
	 * bypass it until then, and the kernel is told to drop it (for stat) */
	if (pages == PAGES_CHANGED) {
		fi->direct_io = 1;
		notify_changed(path);
	}
	/* read-only, nothing to commit: close() need not wait for a FLUSH */
	fi->noflush = 1;
	fi->fh = (uintptr_t)f;
	return 0;
}

/* An editor's temporary file: the handle holds the file itself, so it
 * reads and writes on after an unlink or a rename (hard_remove). */
static int open_scratch(const struct node *n, struct fuse_file_info *fi)
{
	struct fh *f = fh_new(FH_SCRATCH, n);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = scratch_open(n->svc->name, n->name, n->fname, &f->sf);
	if (!rc && (fi->flags & O_TRUNC) && (fi->flags & O_ACCMODE) != O_RDONLY)
		rc = scratch_truncate(f->sf, 0);
	if (rc) {
		fh_free(f);
		return rc;
	}
	fi->direct_io = 1;
	fi->fh = (uintptr_t)f;
	return 0;
}

/* a file of upload/ (mode: of a new file) */
static int open_upload(const char *path, const struct node *n, struct fuse_file_info *fi,
		       mode_t mode)
{
	struct query_info qi;
	struct fh *f;
	int rc = query_info(n->svc->name, n->name, &qi);

	if (rc)
		return rc;
	if (!(f = fh_new(FH_UPLOAD, n)))
		return -ENOMEM;
	if ((rc = uploads_open(qi.id, n->fname, path, fi->flags, mode, &f->uf))) {
		fh_free(f);
		return rc;
	}
	/* its bytes change by rename, under names the kernel caches */
	fi->direct_io = 1;
	fi->fh = (uintptr_t)f;
	return 0;
}

static int op_open(const char *path, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	struct node n;
	struct fh *f;
	int rc;

	if ((rc = parse(path, &n)))
		return rc;
	if (node_is_dir(n.type))
		return -EISDIR;
	if ((rc = node_exists(&n)))
		return rc;
	if (n.type == N_Q_SCRATCH)
		return open_scratch(&n, fi);
	if (n.type == N_U_FILE)
		return open_upload(path, &n, fi, 0);
	if (acc != O_RDONLY) {
		if (!writable(n.type))
			return -EACCES;
		/* the query is edited again, not removed */
		scratch_unmark(n.svc->name, n.name);
		f = fh_new(FH_WRITE, &n);
		if (!f)
			return -ENOMEM;
		f->buf.cap = WRITE_MAX;
		if (!(fi->flags & O_TRUNC))
			file_text(&n, 0, &f->buf);
		if (n.type == N_Q_MAXREC && f->buf.len && f->buf.p[f->buf.len - 1] == '\n')
			f->buf.p[--f->buf.len] = '\0';
		f->dirty = (fi->flags & O_TRUNC) != 0;
		fi->direct_io = 1;
		fi->fh = (uintptr_t)f;
		return 0;
	}
	if (is_result(n.type))
		return open_result(&n, fi);
	if (n.type == N_P_ENTRY || n.type == N_P_FILE)
		return open_product(path, &n, fi);
	f = fh_new(FH_BUF, &n);
	if (!f)
		return -ENOMEM;
	/* a snapshot: what this open reads stays consistent */
	rc = file_text(&n, 1, &f->buf);
	if (rc) {
		vo_error("%s: %s", path, strerror(-rc));
		f->kind = FH_FAIL;
		f->err = rc == -ENODATA ? EIO : -rc;
	}
	/* sizes of these may differ from what the kernel was told earlier */
	fi->direct_io = 1;
	fi->fh = (uintptr_t)f;
	return 0;
}

static int op_read(const char *path, char *buf, size_t size, off_t off,
		   struct fuse_file_info *fi)
{
	struct fh *f = FH(fi);
	ssize_t n = 0;

	switch (f->kind) {
	case FH_RESULT:
		return (int)result_read(f->rr, buf, size, off);
	case FH_PRODUCT: {
		ssize_t r = cache_read(f->cf, buf, size, off, interrupted);
		if (r < 0 && r != -EINTR)
			vo_error("%s: read at %lld: %s", path, (long long)off, strerror((int)-r));
		/* a whole file was just copied: cp -r, rsync and tar go on with
		 * the next names; have them on the way */
		if (r > 0 && cache_file_copied(f->cf)) {
			const struct node *nd = &f->node;
			products_prefetch_next(f->rid, nd->type == N_P_FILE ? nd->pname : NULL,
					       nd->type == N_P_FILE ? nd->fname : nd->pname,
					       PREFETCH_FILES);
		}
		return (int)r;
	}
	case FH_FAIL:
		return -f->err;
	case FH_SCRATCH:
		return (int)scratch_read(f->sf, buf, size, off);
	case FH_UPLOAD:
		return (int)uploads_read(f->uf, buf, size, off);
	case FH_BUF:
	case FH_WRITE:
		pthread_mutex_lock(&f->lock);
		if ((size_t)off < f->buf.len) {
			n = (ssize_t)(f->buf.len - (size_t)off);
			if ((size_t)n > size)
				n = (ssize_t)size;
			memcpy(buf, f->buf.p + off, (size_t)n);
		}
		pthread_mutex_unlock(&f->lock);
		return (int)n;
	}
	return -EIO;
}

/* --- writing queries ------------------------------------------------------------------------ */

/* A job URL that cannot be the service's (vo_tap_job_url_check), refused
 * at write() as a bad maxrec is (shells ignore errors of close()): 1, and
 * the log names the rule. */
static int job_refused(const struct node *n, const char *p, size_t len)
{
	struct vo_err err = {0};
	char url[VO_TAP_JOB_URL_MAX + 2];
	size_t b = 0, e = len;

	while (b < e && (p[b] == ' ' || p[b] == '\t' || p[b] == '\r' || p[b] == '\n'))
		b++;
	while (e > b && (p[e - 1] == ' ' || p[e - 1] == '\t' || p[e - 1] == '\r' ||
			 p[e - 1] == '\n' || p[e - 1] == '/'))
		e--;
	if (b == e)
		return 0;
	if (e - b > VO_TAP_JOB_URL_MAX)
		e = b + VO_TAP_JOB_URL_MAX + 1;   /* the check says it is too long */
	memcpy(url, p + b, e - b);
	url[e - b] = '\0';
	if (memchr(url, '\0', e - b))
		vo_err_set(&err, EINVAL, "a job URL has no NUL bytes");
	else if (!vo_tap_job_url_check(n->svc->url, url, &err))
		return 0;
	vo_warn("%s/queries/%s/job: %s", n->svc->name, n->name, err.msg);
	return 1;
}

static int op_write(const char *path, const char *data, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fh *f = FH(fi);
	int rc = 0;

	if (f->kind == FH_SCRATCH)
		return (int)scratch_write(f->sf, data, size, off);
	if (f->kind == FH_UPLOAD)
		return (int)uploads_write(f->uf, data, size, off);
	if (f->kind != FH_WRITE)
		return -EBADF;
	if (off < 0 || (size_t)off + size > WRITE_MAX)
		return -EFBIG;
	pthread_mutex_lock(&f->lock);
	if ((size_t)off > f->buf.len) {
		/* a hole: fill with blanks rather than NUL bytes */
		size_t gap = (size_t)off - f->buf.len;
		while (gap-- && !rc)
			rc = vo_buf_addc(&f->buf, ' ');
	}
	if (!rc && (size_t)off + size > f->buf.len)
		rc = vo_buf_reserve(&f->buf, (size_t)off + size - f->buf.len);
	if (!rc) {
		memcpy(f->buf.p + off, data, size);
		if ((size_t)off + size > f->buf.len) {
			f->buf.len = (size_t)off + size;
			f->buf.p[f->buf.len] = '\0';
		}
		f->dirty = 1;
		f->written = 1;
	}
	/* refuse a bad maxrec at write(): shells ignore errors of close() */
	if (!rc && f->node.type == N_Q_MAXREC) {
		for (size_t i = 0; i < f->buf.len; i++) {
			char ch = f->buf.p[i];
			if (!(ch >= '0' && ch <= '9') && ch != ' ' && ch != '\n' &&
			    ch != '\r' && ch != '\t') {
				f->refused = 1;
				pthread_mutex_unlock(&f->lock);
				vo_warn("%s: '%.40s' is not a number of rows", path, f->buf.p);
				return -EINVAL;
			}
		}
	}
	/* and a bad cutout region, once the text looks complete */
	if (!rc && f->node.type == N_Q_CUTOUT && f->buf.len && f->buf.p[f->buf.len - 1] == '\n') {
		struct vo_err err = {0};
		char *t = strndup(f->buf.p, f->buf.len);
		if (t) {
			t[strcspn(t, "\r\n")] = '\0';
			if (t[0] && vo_soda_check_pos(t, &err)) {
				f->refused = 1;
				vo_warn("%s: %s", path, err.msg);
				free(t);
				pthread_mutex_unlock(&f->lock);
				return -EINVAL;
			}
			free(t);
		}
	}
	if (!rc && f->node.type == N_Q_JOB && f->buf.len && f->buf.p[f->buf.len - 1] == '\n' &&
	    job_refused(&f->node, f->buf.p, f->buf.len)) {
		f->refused = 1;
		pthread_mutex_unlock(&f->lock);
		return -EINVAL;
	}
	pthread_mutex_unlock(&f->lock);
	return rc ? -EFBIG : (int)size;
}

/* New text for one of the query's writable files (p NUL-terminated): what
 * closing a written file and renaming a temporary file onto it both do. */
static int commit_text(const struct node *n, const char *p, size_t len)
{
	int rc;

	if (n->type == N_Q_CUTOUT) {
		struct vo_err err = {0};
		rc = query_set_cutout(n->svc->name, n->name, p, len, &err);
		if (rc == -EINVAL)
			vo_warn("%s/queries/%s/cutout: %s", n->svc->name, n->name, err.msg);
		return rc;
	}
	if (n->type == N_Q_JOB) {
		struct vo_err err = {0};
		rc = query_adopt_job(n->svc->name, n->name, p, len, interrupted, &err);
		if (rc)
			vo_warn("%s/queries/%s/job: %s (%s)", n->svc->name, n->name,
				err.msg[0] ? err.msg : strerror(-rc), strerror(-rc));
		return rc;
	}
	if (n->type == N_Q_MAXREC) {
		rc = query_set_maxrec(n->svc->name, n->name, p, len);
		if (rc == -EINVAL)
			vo_warn("%s/queries/%s/maxrec: '%.40s' is not a number of rows",
				n->svc->name, n->name, p);
		return rc;
	}
	/* empty ADQL: nothing to run */
	size_t i = 0;
	while (i < len && (p[i] == ' ' || p[i] == '\n' || p[i] == '\t' || p[i] == '\r'))
		i++;
	if (i == len)
		return 0;
	rc = query_set_adql(n->svc->name, n->name, p, len);
	if (rc)
		vo_error("%s/queries/%s: cannot start the query: %s", n->svc->name, n->name,
			 strerror(-rc));
	return rc;
}

static int commit_write(struct fh *f)
{
	if (!f->dirty || f->refused)
		return f->refused ? -EINVAL : 0;
	f->dirty = 0;
	return commit_text(&f->node, f->buf.p ? f->buf.p : "", f->buf.len);
}

static int op_flush(const char *path, struct fuse_file_info *fi)
{
	struct fh *f = FH(fi);
	int rc = 0;

	/* `echo x > f` flushes once before writing (the shell closes the fd
	 * it dup2()ed): only text that was written is committed here; a bare
	 * truncation is committed at release */
	if (f->kind == FH_WRITE) {
		pthread_mutex_lock(&f->lock);
		if (f->written)
			rc = commit_write(f);
		pthread_mutex_unlock(&f->lock);
	}
	/* a table is checked and stored at close: cp and rsync see its error */
	if (f->kind == FH_UPLOAD)
		rc = uploads_flush(f->uf);
	return rc;
}

static int op_release(const char *path, struct fuse_file_info *fi)
{
	struct fh *f = FH(fi);

	if (f->kind == FH_WRITE)
		commit_write(f);
	fh_free(f);
	return 0;
}

static int op_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct node n;
	int rc;

	if (fi && FH(fi)->kind == FH_WRITE) {
		struct fh *f = FH(fi);
		pthread_mutex_lock(&f->lock);
		if ((size_t)size < f->buf.len) {
			f->buf.len = (size_t)size;
			f->buf.p[size] = '\0';
		} else {
			while (f->buf.len < (size_t)size && vo_buf_addc(&f->buf, ' ') == 0)
				;
		}
		f->dirty = 1;
		pthread_mutex_unlock(&f->lock);
		return 0;
	}
	if (fi && FH(fi)->kind == FH_SCRATCH)
		return scratch_truncate(FH(fi)->sf, size);
	if (fi && FH(fi)->kind == FH_UPLOAD)
		return uploads_ftruncate(FH(fi)->uf, size);
	if ((rc = parse(path, &n)))
		return rc;
	if ((rc = node_exists(&n)))
		return rc;
	if (n.type == N_U_FILE) {
		struct query_info qi;
		return (rc = query_info(n.svc->name, n.name, &qi)) ? rc :
		       uploads_truncate(qi.id, n.fname, path, size);
	}
	if (n.type == N_Q_SCRATCH) {
		struct scratch_file *sf;
		if ((rc = scratch_open(n.svc->name, n.name, n.fname, &sf)))
			return rc;
		rc = scratch_truncate(sf, size);
		scratch_put(sf);
		return rc;
	}
	/* open(O_TRUNC) arrives as truncate + open: the write that follows
	 * replaces the text, so there is nothing to do here */
	return writable(n.type) ? 0 : -EACCES;
}

/* A new temporary file in a query directory (the query must exist);
 * f gets a handle on it when not NULL. */
static int create_scratch(const struct node *n, mode_t mode, int excl, struct fh *f)
{
	struct query_info qi;
	int rc = query_info(n->svc->name, n->name, &qi);

	if (rc)
		return rc;
	rc = scratch_create(n->svc->name, n->name, n->fname, mode, f ? &f->sf : NULL);
	/* lost a race with another creator: open what is there */
	if (rc == -EEXIST && !excl && f)
		rc = scratch_open(n->svc->name, n->name, n->fname, &f->sf);
	return rc;
}

static int op_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct node n;
	struct fh *f;
	int rc;

	/* (path_parse, not parse: a file rm -r has unlinked may be created
	 * again, and that ends the removal) */
	if ((rc = path_parse(cfg, path, &n)))
		return rc == -ENOENT ? -EACCES : rc;
	if (n.type == N_Q_SCRATCH) {
		if (!(f = fh_new(FH_SCRATCH, &n)))
			return -ENOMEM;
		if ((rc = create_scratch(&n, mode, (fi->flags & O_EXCL) != 0, f))) {
			fh_free(f);
			return rc;
		}
		fi->direct_io = 1;
		fi->fh = (uintptr_t)f;
		return 0;
	}
	if (n.type == N_U_FILE)
		return fi->flags |= O_CREAT, open_upload(path, &n, fi, mode);
	if (node_in_query(n.type))
		scratch_unmark(n.svc->name, n.name);
	if (n.type == N_QUERY_ALIAS) {
		rc = query_create(n.svc->name, n.name);
		if (rc && rc != -EEXIST)
			return rc;
	} else if (!writable(n.type)) {
		return -EACCES;
	}
	fi->flags = (fi->flags & ~O_ACCMODE) | O_WRONLY | O_TRUNC;
	return op_open(path, fi);
}

/* mknod(S_IFREG) makes a temporary file, as create does (tools that
 * call mknod; the kernel uses create when it can). */
static int op_mknod(const char *path, mode_t mode, dev_t dev)
{
	struct node n;
	int rc;

	if ((rc = path_parse(cfg, path, &n)))
		return rc == -ENOENT ? -EACCES : rc;
	if (n.type == N_U_FILE && S_ISREG(mode)) {
		struct fuse_file_info fi = {.flags = O_WRONLY | O_CREAT | O_EXCL};
		if ((rc = open_upload(path, &n, &fi, mode & 07777)))
			return rc;
		fh_free(FH(&fi));
		return 0;
	}
	if (n.type != N_Q_SCRATCH)
		return node_exists(&n) ? -EACCES : -EEXIST;
	if (!S_ISREG(mode))
		return -EPERM;
	return create_scratch(&n, mode, 1, NULL);
}

static int op_mkdir(const char *path, mode_t mode)
{
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc == -ENOENT ? -EACCES : rc;
	if (n.type != N_QUERY)
		return -EACCES;
	rc = query_create(n.svc->name, n.name);
	if (!rc)
		scratch_forget_query(n.svc->name, n.name);
	return rc;
}

/* rm -r of a query: unlinking query.adql marks the query as being
 * removed (scratch.h), and then its other files and products/ go, each
 * absent from then on; the rmdir of the directory deletes the query as
 * rmdir always has.  Without the mark the generated files stay: -EPERM. */
static int remove_query_file(const struct node *n)
{
	const char *svc = n->svc->name;

	if (n->type != N_Q_ADQL && n->type != N_QUERY_ALIAS && !scratch_marked(svc, n->name)) {
		vo_warn("%s/queries/%s: a query's files are not removed one by one: "
			"use rmdir or rm -r on the query directory", svc, n->name);
		return -EPERM;
	}
	/* products/<id> and products/<id>/<file> only renew the mark: the
	 * listing of products/ is already empty */
	scratch_remove_item(svc, n->name,
			    n->type > N_Q_PRODUCTS ? SCRATCH_NO_ITEM : removal_item(n->type));
	return 0;
}

static int op_rmdir(const char *path)
{
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc;
	if (n.type == N_QUERY) {
		rc = query_delete(n.svc->name, n.name);
		scratch_forget_query(n.svc->name, n.name);
		return rc;
	}
	/* products/ and products/<id>/ of a query rm -r is removing */
	if ((n.type == N_Q_PRODUCTS || n.type == N_P_ENTRY) &&
	    scratch_marked(n.svc->name, n.name))
		return remove_query_file(&n);
	/* upload/ stays while the query does: its rmdir goes with the query's */
	if (n.type == N_Q_UPLOADS) {
		if (scratch_marked(n.svc->name, n.name))
			return 0;
		vo_warn("%s/queries/%s/upload: every query has one; rmdir the query to remove"
			" it", n.svc->name, n.name);
		return -EPERM;
	}
	return -EACCES;
}

static int op_unlink(const char *path)
{
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc;
	if (n.type == N_Q_SCRATCH) {
		struct query_info qi;
		rc = query_info(n.svc->name, n.name, &qi);
		return rc ? rc : scratch_unlink(n.svc->name, n.name, n.fname);
	}
	if (n.type == N_U_FILE) {
		struct query_info qi;
		rc = query_info(n.svc->name, n.name, &qi);
		return rc ? rc : uploads_unlink(qi.id, n.fname);
	}
	/* product entries of a query being removed are not looked up (the
	 * store may no longer be asked for them) */
	if ((n.type == N_P_ENTRY || n.type == N_P_FILE) && scratch_marked(n.svc->name, n.name))
		return remove_query_file(&n);
	if ((rc = node_exists(&n)))
		return rc;
	if (node_is_dir(n.type))
		return -EISDIR;
	if (node_in_query(n.type) && n.type != N_QUERY)
		return remove_query_file(&n);
	return -EPERM;
}

/* rename(tmp, query.adql | maxrec | cutout): a save, taken as a write and
 * close of that file; the temporary file goes. */
static int save_scratch(const struct node *a, const struct node *b)
{
	struct vo_buf t = VO_BUF_INIT;
	int rc = node_exists(b);

	if (!rc)
		rc = scratch_contents(a->svc->name, a->name, a->fname, &t);
	if (!rc) {
		scratch_unmark(b->svc->name, b->name);
		rc = commit_text(b, t.p ? t.p : "", t.len);
	}
	if (!rc)
		rc = scratch_unlink(a->svc->name, a->name, a->fname);
	vo_buf_free(&t);
	return rc;
}

/* rename(query.adql, query.adql~): a backup by renaming (vim's
 * writebackup, emacs).  The query keeps its file and text; the backup is
 * a temporary file with a copy, and the editor's next create of
 * query.adql opens the query's file for writing. */
static int backup_to_scratch(const struct node *a, const struct node *b)
{
	struct vo_buf t = VO_BUF_INIT;
	int rc = file_text(a, 0, &t);

	if (!rc)
		rc = scratch_set(b->svc->name, b->name, b->fname, t.p ? t.p : "", t.len, 0644);
	vo_buf_free(&t);
	return rc;
}

static int op_rename(const char *from, const char *to, unsigned int flags)
{
	struct node a, b;
	struct scratch_stat ss;
	int rc;

	if ((rc = parse(from, &a)))
		return rc;
	if ((rc = parse(to, &b)))
		return rc == -ENOENT ? -EXDEV : rc;
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (a.type == N_U_FILE || b.type == N_U_FILE) {
		struct query_info qi;
		if (a.type != b.type || a.svc != b.svc || strcmp(a.name, b.name) != 0)
			return -EXDEV;   /* (mv copies) */
		if ((rc = query_info(a.svc->name, a.name, &qi)))
			return rc;
		return uploads_rename(qi.id, a.fname, b.fname, to, flags);
	}
	if (a.type == N_Q_SCRATCH || b.type == N_Q_SCRATCH) {
		if ((rc = node_exists(&a)))
			return rc;
		if (a.type == N_Q_SCRATCH && b.type == N_Q_SCRATCH) {
			struct query_info qi;
			if ((rc = query_info(b.svc->name, b.name, &qi)))
				return rc;
			return scratch_rename(a.svc->name, a.name, a.fname, b.svc->name, b.name,
					      b.fname, (flags & RENAME_NOREPLACE) != 0);
		}
		if (flags & RENAME_NOREPLACE) {
			if (b.type != N_Q_SCRATCH ||
			    !scratch_stat(b.svc->name, b.name, b.fname, &ss))
				return -EEXIST;
		}
		if (a.type == N_Q_SCRATCH)
			return writable(b.type) ? save_scratch(&a, &b) : -EACCES;
		/* unlink of an open file of the query: rm -r's removal, or EPERM */
		if (fuse_hidden(b.fname) && a.type != N_QUERY && node_in_query(a.type))
			return remove_query_file(&a);
		return writable(a.type) ? backup_to_scratch(&a, &b) : -EXDEV;
	}
	if (a.type != N_QUERY || b.type != N_QUERY || a.svc != b.svc)
		return -EXDEV;
	rc = query_rename(a.svc->name, a.name, b.name);
	if (!rc)
		scratch_rename_query(a.svc->name, a.name, b.name);
	return rc;
}

/* chmod and chown: a temporary file keeps its mode (sed -i and cp -p set
 * them); on the query's writable files they are accepted and ignored, as
 * utimens is (modes and owners are vofs's own). */
/* The node chmod, chown and utimens act on: 0, or 1 for a temporary file
 * unlinked while open (nothing left to change), or a negative errno. */
static int attr_target(const char *path, struct fuse_file_info *fi, struct node *n)
{
	int rc;

	if (!path && fi && (FH(fi)->kind == FH_SCRATCH || FH(fi)->kind == FH_UPLOAD))
		return 1;
	if ((rc = parse(path, n)))
		return rc;
	return node_exists(n);
}

static int set_owner_or_mode(const char *path, int chmod, mode_t mode,
			     struct fuse_file_info *fi)
{
	struct node n;
	int rc;

	if ((rc = attr_target(path, fi, &n)))
		return rc < 0 ? rc : 0;
	if (n.type == N_Q_SCRATCH)
		return chmod ? scratch_chmod(n.svc->name, n.name, n.fname, mode) : 0;
	if (n.type == N_U_FILE) {
		struct query_info qi;
		if (!chmod)
			return 0;   /* (owners are vofs's own) */
		return (rc = query_info(n.svc->name, n.name, &qi)) ? rc :
		       uploads_chmod(qi.id, n.fname, mode);
	}
	return writable(n.type) ? 0 : -EPERM;
}

static int op_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return set_owner_or_mode(path, 1, mode, fi);
}

static int op_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	return set_owner_or_mode(path, 0, 0, fi);
}

/* Nothing of a temporary file or a query's text is on a disk to sync;
 * a query's text is stored when it is committed. */
static int op_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	return 0;
}

static int op_utimens(const char *path, const struct timespec tv[2],
		      struct fuse_file_info *fi)
{
	struct node n;
	int rc;

	if ((rc = attr_target(path, fi, &n)))
		return rc < 0 ? rc : 0;
	if (n.type == N_Q_SCRATCH) {
		double t = clock_wall();
		if (tv && tv[1].tv_nsec == UTIME_OMIT)
			return 0;
		if (tv && tv[1].tv_nsec != UTIME_NOW)
			t = (double)tv[1].tv_sec + tv[1].tv_nsec / 1e9;
		return scratch_touch(n.svc->name, n.name, n.fname, t);
	}
	if (n.type == N_U_FILE) {
		struct query_info qi;
		return (rc = query_info(n.svc->name, n.name, &qi)) ? rc :
		       uploads_utimens(qi.id, n.fname, tv);
	}
	/* touch and cp -p on the writable files: times are vofs's own */
	return writable(n.type) ? 0 : -EPERM;
}

/* ln -s TARGET upload/<table>.vot: a table taken from elsewhere at run
 * time (fs/inputs.h); a target in the mount must be a query's result, and
 * no cycle may form. */
static int op_symlink(const char *target, const char *path)
{
	char tsvc[SVC_NAME_MAX], tq[1024], out[4096], why[1200];
	struct query_info qi;
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc == -ENOENT ? -EACCES : rc;
	if (n.type != N_U_FILE)
		return -EACCES;
	if ((rc = query_info(n.svc->name, n.name, &qi)))
		return rc;
	if (inputs_link(cfg, n.svc->name, n.name, target, tsvc, tq, out, why, sizeof why) < 0) {
		vo_warn("%s: refused: %s", path, why);
		return -EINVAL;
	}
	if ((rc = uploads_symlink(qi.id, target, n.fname, path)))
		return rc;
	if ((rc = inputs_cycle(cfg, n.svc->name, n.name, why, sizeof why))) {
		vo_warn("%s: refused: %s", path, why);
		uploads_unlink(qi.id, n.fname);
	}
	return rc;
}

static int op_readlink(const char *path, char *buf, size_t size)
{
	struct query_info qi;
	struct node n;
	int rc;

	if ((rc = parse(path, &n)))
		return rc;
	if (n.type != N_U_FILE)
		return -EINVAL;
	if ((rc = query_info(n.svc->name, n.name, &qi)))
		return rc;
	return uploads_readlink(qi.id, n.fname, buf, size);
}

static int op_statfs(const char *path, struct statvfs *sv)
{
	memset(sv, 0, sizeof *sv);
	sv->f_bsize = 65536;
	sv->f_frsize = 65536;
	sv->f_namemax = 255;
	return 0;
}

/* --- extended attributes ----------------------------------------------------------------- */

/* Which attributes a node has: 1 for a query's own nodes (query_attrs),
 * 0 for products (products_xattr, qi filled), 3 for a service's documents
 * (svc_xattr), 2 for none. */
static int xattr_node(const char *path, struct node *n, struct query_info *qi)
{
	int rc = parse(path, n);

	if (rc)
		return rc;
	/* the kernel looked the path up before asking: no existence check
	 * here (ls -l of 50,000 tables lists the attributes of each) */
	if (n->type >= N_SVC && n->type <= N_T_SAMPLE)
		return 3;
	if (n->type != N_P_ENTRY && n->type != N_P_FILE)
		return node_in_query(n->type) && n->type != N_Q_SCRATCH ? 1 : 2;
	if ((rc = query_products(n, qi)))
		return rc;
	return 0;
}

/* A service's documents: user.vo.error, the last failed fetch of one of
 * them (the stored copies are still served meanwhile), and a table's
 * user.vo.name, its name as the service spells it (the file name may be
 * escaped or shortened).  name NULL: the list of names. */
static int svc_xattr(const struct node *n, const char *name, struct vo_buf *out)
{
	int table = n->type >= N_TABLE && n->type <= N_T_SAMPLE;
	char e[VO_ERR_MSG];

	svc_last_error(n->svc, e, sizeof e);
	vo_buf_reset(out);
	if (!name) {
		int rc = table ? vo_buf_add(out, "user.vo.name", sizeof "user.vo.name") : 0;
		if (!rc && e[0])
			rc = vo_buf_add(out, "user.vo.error", sizeof "user.vo.error");
		return rc;
	}
	if (table && strcmp(name, "user.vo.name") == 0)
		return vo_buf_adds(out, n->name);
	if (e[0] && strcmp(name, "user.vo.error") == 0)
		return vo_buf_adds(out, e);
	return -ENODATA;
}

static int copy_out(const struct vo_buf *b, char *value, size_t size)
{
	if (!size)
		return (int)b->len;
	if (b->len > size)
		return -ERANGE;
	memcpy(value, b->p ? b->p : "", b->len);
	return (int)b->len;
}

/* The attributes of a query's nodes: its pairs (query_attrs), as one
 * value (name != NULL) or as the list of names. */
static int query_xattr(const struct node *n, const char *name, struct vo_buf *out)
{
	struct vo_buf pairs = VO_BUF_INIT;
	int rc = query_attrs(n->svc->name, n->name, &pairs);
	size_t i = 0;

	vo_buf_reset(out);
	while (!rc && i < pairs.len) {
		const char *k = pairs.p + i;
		const char *v = k + strlen(k) + 1;
		if (!name)
			rc = vo_buf_add(out, k, strlen(k) + 1);
		else if (strcmp(k, name) == 0) {
			rc = vo_buf_adds(out, v);
			break;
		}
		i = (size_t)(v - pairs.p) + strlen(v) + 1;
	}
	if (!rc && name && i >= pairs.len)
		rc = -ENODATA;
	vo_buf_free(&pairs);
	return rc;
}

static int op_getxattr(const char *path, const char *name, char *value, size_t size)
{
	struct vo_buf b = VO_BUF_INIT;
	struct query_info qi;
	struct node n;
	char pos[4200];
	int rc;

	/* ls -l, cp -a and rsync -X ask every file for ACLs and security
	 * labels: answer those without a query or store look-up (the
	 * kernel has looked the path up already). */
	if (strncmp(name, "user.vo.", 8) != 0) {
		rc = parse(path, &n);
		return rc ? rc : -ENODATA;
	}
	rc = xattr_node(path, &n, &qi);
	if (rc == 1) {
		rc = query_xattr(&n, name, &b);
	} else if (rc == 3) {
		rc = svc_xattr(&n, name, &b);
	} else if (rc == 0) {
		cutout_of(&n, pos, sizeof pos);
		rc = n.type == N_P_FILE ? products_xattr(qi.rid, n.pname, n.fname, pos, name, &b)
			: products_xattr(qi.rid, NULL, n.pname, pos, name, &b);
	} else {
		return rc > 0 ? -ENODATA : rc;
	}
	if (!rc)
		rc = copy_out(&b, value, size);
	vo_buf_free(&b);
	return rc == -ENOENT ? -ENODATA : rc;
}

static int op_listxattr(const char *path, char *list, size_t size)
{
	struct vo_buf b = VO_BUF_INIT;
	struct query_info qi;
	struct node n;
	int rc = xattr_node(path, &n, &qi);

	if (rc == 1) {
		rc = query_xattr(&n, NULL, &b);
	} else if (rc == 3) {
		rc = svc_xattr(&n, NULL, &b);
	} else if (rc == 0) {
		char pos[4200];
		cutout_of(&n, pos, sizeof pos);
		rc = n.type == N_P_FILE ? products_xattr_list(qi.rid, n.pname, n.fname, pos, &b)
			: products_xattr_list(qi.rid, NULL, n.pname, pos, &b);
	} else
		return rc > 0 ? 0 : rc;
	if (!rc)
		rc = copy_out(&b, list, size);
	vo_buf_free(&b);
	return rc;
}

/* --- init / destroy ------------------------------------------------------------------------- */

static void *op_init(struct fuse_conn_info *conn, struct fuse_config *c)
{
	int rc;

	the_fuse = fuse_get_context()->fuse;
	c->entry_timeout = settings.entry_timeout;
	c->attr_timeout = settings.attr_timeout;
	c->negative_timeout = 0;
	/* let the kernel's INTERRUPT reach waits for running queries
	 * (fuse_interrupted); main() installed the SIGUSR1 handler */
	c->intr = 1;
	c->intr_signal = SIGUSR1;
	c->use_ino = 0;
	conn->max_readahead = 1u << 20;
	if (conn->capable & FUSE_CAP_ASYNC_READ)
		conn->want |= FUSE_CAP_ASYNC_READ;
	mount_time = time(NULL);
	/* the store is opened after fuse_main forked into the background */
	rc = db_open(dbfile);
	if (rc)
		vo_error("cannot open the cache database %s", dbfile);
	if (pthread_create(&inval_thread, NULL, inval_main, NULL) == 0)
		inval_started = 1;
	svc_init(cfg);
	rc = cache_init(settings.cache_size, settings.offline, settings.io_timeout);
	if (rc)
		vo_error("cannot start the block cache: %s", strerror(-rc));
	rc = query_init(cfg, notify_changed);
	if (rc)
		vo_error("cannot load the saved queries: %s", strerror(-rc));
	vo_info("mounted: %zu services, cache %s", cfg->nsvcs, dbfile);
	return NULL;
}

static void op_destroy(void *ud)
{
	query_shutdown();
	pthread_mutex_lock(&inval_lock);
	inval_stop = 1;
	pthread_cond_signal(&inval_cond);
	pthread_mutex_unlock(&inval_lock);
	if (inval_started)
		pthread_join(inval_thread, NULL);
	the_fuse = NULL;
	/* no request runs any more: what is still open was never released */
	while (open_fhs.head)
		fh_free(list_item(open_fhs.head, struct fh, link));
	scratch_shutdown();
	cache_shutdown();
	svc_shutdown();
	db_close();
	vo_info("unmounted");
}

static const struct fuse_operations ops = {
	.init = op_init,
	.destroy = op_destroy,
	.getattr = op_getattr,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.truncate = op_truncate,
	.chmod = op_chmod,
	.chown = op_chown,
	.fsync = op_fsync,
	.create = op_create,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.rmdir = op_rmdir,
	.unlink = op_unlink,
	.rename = op_rename,
	.symlink = op_symlink,
	.readlink = op_readlink,
	.utimens = op_utimens,
	.statfs = op_statfs,
	.getxattr = op_getxattr,
	.listxattr = op_listxattr,
};

const struct fuse_operations *ops_get(void)
{
	return &ops;
}

void ops_prepare(struct config *c, const char *db_path, const struct ops_settings *s)
{
	cfg = c;
	dbfile = strdup(db_path);
	settings = *s;
}
