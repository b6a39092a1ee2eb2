/* fs/db.c - SQLite store; see db.h.  The only file that opens the database. */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* 1: the first layout (queries.cutout added later, without a version)
 * 2: objects.etag and objects.last_modified, the validators an object's
 *    blocks were fetched under */
#define DB_SCHEMA_VERSION 3
#define STMT_CACHE 64

static char *db_path;
/* every connection, so db_close() can find those of finished threads */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;

struct conn {
	sqlite3 *db;
	struct { const char *sql; sqlite3_stmt *st; } cache[STMT_CACHE];
	int ncache;
};
static __thread struct conn *tl_conn;
/* closes the connection of a thread that exits (FUSE retires idle threads) */
static pthread_key_t conn_key;
static pthread_once_t conn_once = PTHREAD_ONCE_INIT;

static void conn_destroy(void *p)
{
	struct conn *c = p;

	for (int i = 0; i < c->ncache; i++)
		sqlite3_finalize(c->cache[i].st);
	sqlite3_close(c->db);
	free(c);
}

static void conn_key_init(void)
{
	pthread_key_create(&conn_key, conn_destroy);
}

/* --- the one writer ----------------------------------------------------------------
 * Once a writer is registered (the store's thread, fs/store.c), every write
 * runs on its connection: db_write hands the function over and waits for
 * it.  Other threads' connections are opened read-only.  Before (db_open,
 * loading the saved queries) and after (unmount), writes run in place. */
static db_writer_call *writer_call;
static void *writer_ctx;
static __thread int tl_writer;

void db_set_writer(db_writer_call *call, void *ctx)
{
	__atomic_store_n(&writer_ctx, ctx, __ATOMIC_RELEASE);
	__atomic_store_n(&writer_call, call, __ATOMIC_RELEASE);
}

void db_writer_thread(void)
{
	tl_writer = 1;
}

static int on_writer(void)
{
	return tl_writer || !__atomic_load_n(&writer_call, __ATOMIC_ACQUIRE);
}

int db_write(db_write_fn *fn, void *arg)
{
	db_writer_call *call = __atomic_load_n(&writer_call, __ATOMIC_ACQUIRE);

	if (tl_writer || !call)
		return fn(arg);
	return call(__atomic_load_n(&writer_ctx, __ATOMIC_ACQUIRE), fn, arg);
}

struct txn_call {
	db_write_fn *fn;
	void *arg;
};

static int txn_run(void *p)
{
	const struct txn_call *t = p;
	int rc = db_begin();

	if (rc)
		return rc;
	rc = t->fn(t->arg);
	if (!rc)
		rc = db_commit();
	if (rc)
		db_rollback();
	return rc;
}

int db_write_txn(db_write_fn *fn, void *arg)
{
	struct txn_call t = {fn, arg};

	return db_write(txn_run, &t);
}

static const char *const schema[] = {
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value)",
	"CREATE TABLE IF NOT EXISTS svc_kv(service TEXT NOT NULL, key TEXT NOT NULL,"
	" value BLOB, PRIMARY KEY(service, key))",
	"CREATE TABLE IF NOT EXISTS tables(service TEXT NOT NULL, name TEXT NOT NULL,"
	" description TEXT, title TEXT, type TEXT, columns_csv BLOB, columns_error TEXT,"
	" sample_csv BLOB, sample_error TEXT, seen INTEGER NOT NULL DEFAULT 1,"
	" PRIMARY KEY(service, name))",
	"CREATE TABLE IF NOT EXISTS examples(service TEXT NOT NULL, name TEXT NOT NULL,"
	" adql TEXT NOT NULL, PRIMARY KEY(service, name))",
	/* rid: the query's current result (a generation; 0: none) */
	"CREATE TABLE IF NOT EXISTS queries(id INTEGER PRIMARY KEY, service TEXT NOT NULL,"
	" name TEXT NOT NULL, adql TEXT, maxrec TEXT, phase TEXT, job_url TEXT, error TEXT,"
	" nrows INTEGER DEFAULT 0, csv_size INTEGER DEFAULT 0, vot_size INTEGER DEFAULT 0,"
	" overflow INTEGER DEFAULT 0, created REAL, started REAL,"
	" finished REAL, cutout TEXT, rid INTEGER NOT NULL DEFAULT 0, UNIQUE(service, name))",
	/* result generations: one per run, ids never reused (AUTOINCREMENT),
	 * so nothing keyed by one can be mistaken for a later result */
	"CREATE TABLE IF NOT EXISTS results(rid INTEGER PRIMARY KEY AUTOINCREMENT,"
	" qid INTEGER NOT NULL, meta BLOB)",
	"CREATE TABLE IF NOT EXISTS result_pages(rid INTEGER NOT NULL, page INTEGER NOT NULL,"
	" first_row INTEGER NOT NULL, nrows INTEGER NOT NULL, csv_off INTEGER NOT NULL,"
	" vot_off INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(rid, page))",
	/* products of a result (fs/products.c) and the links of DataLink rows */
	"CREATE TABLE IF NOT EXISTS products(rid INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" name TEXT NOT NULL, kind INTEGER NOT NULL, url TEXT, dl_base TEXT, dl_id TEXT,"
	" obs_id TEXT, ctype TEXT, state INTEGER NOT NULL DEFAULT 0, error TEXT,"
	" soda_url TEXT, links_csv BLOB, PRIMARY KEY(rid, seq), UNIQUE(rid, name))",
	"CREATE TABLE IF NOT EXISTS links(rid INTEGER NOT NULL, pseq INTEGER NOT NULL,"
	" name TEXT NOT NULL, url TEXT NOT NULL, semantics TEXT, ctype TEXT,"
	" description TEXT, PRIMARY KEY(rid, pseq, name))",
	/* the block cache (fs/cache.c): one object per URL; a block row is
	 * written whole in one transaction, so present means complete */
	"CREATE TABLE IF NOT EXISTS objects(oid INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL,"
	" size INTEGER NOT NULL DEFAULT -1, mtime REAL, ctype TEXT,"
	" ranges INTEGER NOT NULL DEFAULT -1, etag TEXT, last_modified INTEGER)",
	"CREATE TABLE IF NOT EXISTS blocks(oid INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" data BLOB NOT NULL, PRIMARY KEY(oid, idx))",
	/* access times apart from the blobs: updating one never rewrites a block */
	"CREATE TABLE IF NOT EXISTS block_use(oid INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" atime INTEGER NOT NULL, size INTEGER NOT NULL, PRIMARY KEY(oid, idx)) WITHOUT ROWID",
};

/* after the tables are migrated: they may name columns a migration adds */
static const char *const indexes[] = {
	"CREATE INDEX IF NOT EXISTS result_pages_csv ON result_pages(rid, csv_off)",
	"CREATE INDEX IF NOT EXISTS result_pages_vot ON result_pages(rid, vot_off)",
	"CREATE INDEX IF NOT EXISTS block_use_atime ON block_use(atime)",
};

/* Log a failed statement; -ENOSPC when the disk (or SQLite's size limit)
 * is full, else -EIO. */
static int db_fail(sqlite3 *db, const char *what)
{
	int code = db ? sqlite3_errcode(db) & 0xff : SQLITE_ERROR;

	vo_error("sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
	return code == SQLITE_FULL ? -ENOSPC : -EIO;
}

static struct conn *conn_get(void)
{
	struct conn *c = tl_conn;
	int rc, ro;

	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	ro = !on_writer();
	rc = sqlite3_open_v2(db_path, &c->db, (ro ? SQLITE_OPEN_READONLY :
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		db_fail(c->db, db_path);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 30000);
	if (ro) {
		/* a reader: the file's modes are the writer's business */
		sqlite3_exec(c->db, "PRAGMA cache_size=-16384; PRAGMA mmap_size=268435456;",
			     NULL, NULL, NULL);
		goto keep;
	}
	/* 64 KiB pages suit the blobs (result pages, cache blocks); it only
	 * takes effect in a new database, before WAL is switched on */
	sqlite3_exec(c->db, "PRAGMA page_size=65536;", NULL, NULL, NULL);
	/* No connection checkpoints on its own (a FUSE thread would copy the
	 * WAL and fsync in a user's open): the store's writer does, when it
	 * is idle (and then cuts the WAL file to nothing) or every 256 MiB
	 * stored (db_checkpoint; the WAL file is reused meanwhile, not cut and
	 * grown again: at most 288 MiB). */
	sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     " PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"
		     " PRAGMA mmap_size=268435456; PRAGMA wal_autocheckpoint=0;"
		     " PRAGMA journal_size_limit=301989888;", NULL, NULL, NULL);
keep:
	tl_conn = c;
	pthread_once(&conn_once, conn_key_init);
	pthread_setspecific(conn_key, c);
	return c;
}

int db_conn_readonly(void)
{
	struct conn *c = conn_get();

	return c ? sqlite3_db_readonly(c->db, "main") == 1 : -EIO;
}

static sqlite3_stmt *stmt(const char *sql)
{
	struct conn *c = conn_get();
	sqlite3_stmt *st = NULL;

	if (!c)
		return NULL;
	for (int i = 0; i < c->ncache; i++)
		if (c->cache[i].sql == sql) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return c->cache[i].st;
		}
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		db_fail(c->db, sql);
		return NULL;
	}
	if (c->ncache < STMT_CACHE) {
		c->cache[c->ncache].sql = sql;
		c->cache[c->ncache].st = st;
		c->ncache++;
	}
	return st;
}

/* statements not in the cache (it was full) are finalized after use */
static void done(sqlite3_stmt *st)
{
	struct conn *c = tl_conn;

	if (!st)
		return;
	for (int i = 0; c && i < c->ncache; i++)
		if (c->cache[i].st == st) {
			sqlite3_reset(st);
			return;
		}
	sqlite3_finalize(st);
}

static sqlite3 *cur_db(void)
{
	return tl_conn ? tl_conn->db : NULL;
}

/* Run a statement that returns no rows. */
static int step_done(sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		int e = db_fail(cur_db(), what);
		done(st);
		return e;
	}
	done(st);
	return 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static int col_to_buf(sqlite3_stmt *st, int i, struct vo_buf *out)
{
	const void *p;
	int n;

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return -ENODATA;
	p = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	vo_buf_reset(out);
	return vo_buf_add(out, p ? p : "", (size_t)n);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

/* Step a one-column look-up into out: -ENOENT without a row. */
static int step_blob(sqlite3_stmt *st, struct vo_buf *out, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		rc = col_to_buf(st, 0, out);
	else if (rc == SQLITE_DONE)
		rc = -ENOENT;
	else
		rc = db_fail(cur_db(), what);
	done(st);
	return rc;
}

/* Step a one-row, one-integer query: -ENOENT without a row. */
static int step_int64(sqlite3_stmt *st, int64_t *out, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? -ENOENT : db_fail(cur_db(), what);
	}
	done(st);
	return rc;
}

/* Step a one-row look-up: 0 with the row current (the caller reads it,
 * then calls done), -ENOENT without a row (done already called). */
static int step_row(sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		return 0;
	rc = rc == SQLITE_DONE ? -ENOENT : db_fail(cur_db(), what);
	done(st);
	return rc;
}

/* Step a one-column list of names into cb (non-zero from cb stops). */
static int step_names(sqlite3_stmt *st, int (*cb)(void *ud, const char *name),
		      void *ud, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = cb(ud, (const char *)sqlite3_column_text(st, 0));
		if (r) {
			done(st);
			return r < 0 ? r : 0;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), what);
	done(st);
	return rc;
}

/* The layout version the store was written with: 0 for a new, empty file. */
/* --- writes ---------------------------------------------------------------------------
 * One statement with its values, run on the writer (the caller waits, so
 * the values are borrowed).  A constraint violation is -EEXIST, unlogged. */
enum { W_NULL, W_INT, W_DBL, W_TEXT, W_BLOB };
struct wv {
	int t;
	int64_t i;
	double d;
	const void *p;
	size_t n;
};
#define WI(x) {.t = W_INT, .i = (x)}
#define WD(x) {.t = W_DBL, .d = (x)}
#define WT(x) {.t = W_TEXT, .p = (x)}
#define WB(x, len) {.t = W_BLOB, .p = (x), .n = (len)}

struct wexec_arg {
	const char *sql, *what;
	const struct wv *v;
	int n;
	int64_t *rowid;
};

static int wexec_run(void *arg)
{
	const struct wexec_arg *a = arg;
	sqlite3_stmt *st = stmt(a->sql);
	int rc;

	if (!st)
		return -EIO;
	for (int i = 0; i < a->n; i++) {
		const struct wv *v = &a->v[i];
		if (v->t == W_INT)
			sqlite3_bind_int64(st, i + 1, v->i);
		else if (v->t == W_DBL)
			sqlite3_bind_double(st, i + 1, v->d);
		else if (v->t == W_TEXT && v->p)
			sqlite3_bind_text(st, i + 1, v->p, -1, SQLITE_STATIC);
		else if (v->t == W_BLOB && v->p)
			sqlite3_bind_blob64(st, i + 1, v->p, v->n, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, i + 1);
	}
	rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT) {
		done(st);
		return -EEXIST;
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = db_fail(cur_db(), a->what);
		done(st);
		return rc;
	}
	if (a->rowid)
		*a->rowid = sqlite3_last_insert_rowid(cur_db());
	done(st);
	return 0;
}

static int wexec(const char *sql, const char *what, const struct wv *v, int n, int64_t *rowid)
{
	struct wexec_arg a = {sql, what, v, n, rowid};

	return db_write(wexec_run, &a);
}

#define WEXEC(sql, what, ...) \
	wexec(sql, what, (const struct wv[]){__VA_ARGS__}, \
	      (int)(sizeof((const struct wv[]){__VA_ARGS__}) / sizeof(struct wv)), NULL)

static int schema_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*version = 0;
	rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='schema'", -1, &st, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st);
		/* no meta table: a new database, or not one of ours */
		return sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 0", NULL, NULL, NULL)
			== SQLITE_OK ? 0 : db_fail(db, "reading the schema version");
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		*version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return 0;
}

static int has_column(sqlite3 *db, const char *table, const char *col)
{
	sqlite3_stmt *st = NULL;
	int found = 0;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM pragma_table_info(?1) WHERE name=?2", -1,
			       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, col, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

/* Bring a store of an older layout up to this one, in one transaction. */
static int migrate(sqlite3 *db, int from)
{
	char sql[128];

	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "BEGIN (schema migration)");
	/* queries.cutout came without a version: new stores and version 1
	 * stores may lack it (an error here means it is there) */
	sqlite3_exec(db, "ALTER TABLE queries ADD COLUMN cutout TEXT", NULL, NULL, NULL);
	if (from == 1 && (sqlite3_exec(db, "ALTER TABLE objects ADD COLUMN etag TEXT", NULL,
				       NULL, NULL) != SQLITE_OK ||
			  sqlite3_exec(db, "ALTER TABLE objects ADD COLUMN last_modified INTEGER",
				       NULL, NULL, NULL) != SQLITE_OK))
		goto fail;
	/* layout 3: results are generations with ids of their own.  A query's
	 * stored result becomes generation <query id> (the sequence goes on
	 * above the largest), so its pages, products and links keep their keys */
	if (from >= 1 && from < 3) {
		static const char *const keyed[] = {"result_pages", "products", "links"};
		for (size_t i = 0; i < sizeof keyed / sizeof keyed[0]; i++)
			if (has_column(db, keyed[i], "qid")) {
				snprintf(sql, sizeof sql, "ALTER TABLE %s RENAME COLUMN qid TO rid",
					 keyed[i]);
				if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
					goto fail;
			}
		if (!has_column(db, "queries", "rid") &&
		    sqlite3_exec(db, "ALTER TABLE queries ADD COLUMN rid INTEGER NOT NULL DEFAULT 0",
				 NULL, NULL, NULL) != SQLITE_OK)
			goto fail;
		if (has_column(db, "queries", "result_meta") &&
		    (sqlite3_exec(db, "INSERT INTO results(rid, qid, meta) SELECT id, id,"
				  " result_meta FROM queries WHERE result_meta IS NOT NULL",
				  NULL, NULL, NULL) != SQLITE_OK ||
		     sqlite3_exec(db, "UPDATE queries SET rid=id WHERE result_meta IS NOT NULL",
				  NULL, NULL, NULL) != SQLITE_OK ||
		     sqlite3_exec(db, "UPDATE queries SET result_meta=NULL", NULL, NULL,
				  NULL) != SQLITE_OK))
			goto fail;
	}
	snprintf(sql, sizeof sql, "INSERT OR REPLACE INTO meta VALUES('schema', %d)",
		 DB_SCHEMA_VERSION);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (from)
		vo_info("%s: store migrated from layout %d to %d", db_path, from,
			DB_SCHEMA_VERSION);
	return 0;
fail:
	db_fail(db, "schema migration");
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -EIO;
}

int db_open(const char *path)
{
	struct conn *c;
	const char *mode;
	sqlite3_stmt *st = NULL;
	int version, rc;

	free(db_path);
	db_path = strdup(path);
	if (!db_path)
		return -ENOMEM;
	c = conn_get();
	if (!c)
		return -EIO;
	/* WAL is what lets readers go on while the writer commits: refuse to
	 * run without it rather than have every reader wait */
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		vo_error("%s: cannot be used as the store: %s", path, sqlite3_errmsg(c->db));
		sqlite3_finalize(st);
		return -EIO;
	}
	mode = (const char *)sqlite3_column_text(st, 0);
	if (!mode || strcmp(mode, "wal") != 0) {
		vo_error("%s: SQLite did not grant WAL journal mode (got '%s'); the store needs"
			 " it (a file system without shared memory or locks?)", path,
			 mode ? mode : "?");
		sqlite3_finalize(st);
		return -EIO;
	}
	sqlite3_finalize(st);
	if ((rc = schema_version(c->db, &version)))
		return rc;
	if (version > DB_SCHEMA_VERSION) {
		vo_error("%s: written by a newer vofs (store layout %d; this one knows up to %d):"
			 " refusing to use it; give another cache_dir= or remove it", path,
			 version, DB_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (version == 0) {
		/* a new store, or one whose meta table is missing */
		int tables = 0;
		if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master WHERE"
				       " type='table' AND name='objects'", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW)
			tables = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
		if (tables) {
			vo_error("%s: not a vofs store this version knows (no layout version):"
				 " refusing to use it; give another cache_dir= or remove it", path);
			return -EPROTO;
		}
	}
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		if (sqlite3_exec(c->db, schema[i], NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, schema[i]);
	if (version < DB_SCHEMA_VERSION && (rc = migrate(c->db, version)))
		return rc;
	for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++)
		if (sqlite3_exec(c->db, indexes[i], NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, indexes[i]);
	return 0;
}

void db_close_thread(void)
{
	struct conn *c = tl_conn;

	if (!c)
		return;
	pthread_setspecific(conn_key, NULL);
	pthread_mutex_lock(&conns_lock);
	conn_destroy(c);
	pthread_mutex_unlock(&conns_lock);
	tl_conn = NULL;
}

void db_close(void)
{
	db_close_thread();
	free(db_path);
	db_path = NULL;
}

int db_checkpoint(int truncate)
{
	struct conn *c = conn_get();
	int log = 0, done_n = 0, rc;

	if (!c)
		return -EIO;
	rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done_n);
	if (truncate && rc == SQLITE_OK && done_n == log && log > 0) {
		/* all copied: cut the WAL file to nothing, unless a reader is
		 * in it right now (then it is reused from its start anyway) */
		sqlite3_busy_timeout(c->db, 0);
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
		sqlite3_busy_timeout(c->db, 30000);
	}
	vo_debug("checkpoint: %d of %d WAL frames copied (%s)", done_n, log, sqlite3_errstr(rc));
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : db_fail(c->db, "checkpoint");
}

/* Transactions belong to the writer (inside a db_write function); they
 * nest: an inner one is a savepoint of the outer. */
static __thread int tl_depth;

static int txn(const char *sql)
{
	sqlite3_stmt *st;

	if (!on_writer()) {
		vo_error("sqlite: %s outside the writer: refused (a bug)", sql);
		return -EPERM;
	}
	st = stmt(sql);
	return st ? step_done(st, sql) : -EIO;
}

int db_begin(void)
{
	int rc = txn(tl_depth ? "SAVEPOINT inner" : "BEGIN IMMEDIATE");

	if (!rc)
		tl_depth++;
	return rc;
}

int db_commit(void)
{
	int rc;

	if (tl_depth > 1) {
		rc = txn("RELEASE inner");
		if (!rc)
			tl_depth--;
		return rc;
	}
	rc = txn("COMMIT");
	if (!rc || !cur_db() || sqlite3_get_autocommit(cur_db()))
		tl_depth = 0;
	return rc;
}

int db_rollback(void)
{
	int rc;

	if (tl_depth > 1) {
		rc = txn("ROLLBACK TO inner");
		if (!rc)
			rc = txn("RELEASE inner");
		tl_depth--;
		return rc;
	}
	tl_depth = 0;
	if (cur_db() && sqlite3_get_autocommit(cur_db()))
		return 0;   /* nothing open (a failed COMMIT may have ended it) */
	return txn("ROLLBACK");
}

/* --- per-service key/value ------------------------------------------------ */

int db_svc_get(const char *svc, const char *key, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT value FROM svc_kv WHERE service=?1 AND key=?2");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, key);
	return step_blob(st, out, "svc_kv get");
}

int db_svc_set(const char *svc, const char *key, const void *val, size_t len)
{
	return WEXEC("INSERT OR REPLACE INTO svc_kv VALUES(?1, ?2, ?3)", "svc_kv set",
		     WT(svc), WT(key), WB(val ? val : "", len));
}

int db_svc_del(const char *svc, const char *key)
{
	return WEXEC("DELETE FROM svc_kv WHERE service=?1 AND key=?2", "svc_kv del",
		     WT(svc), WT(key));
}

/* --- tables ---------------------------------------------------------------- */

static int tables_add(const char *svc, const struct db_table_row *t)
{
	return WEXEC("INSERT INTO tables(service, name, description, title, type, seen)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT(service, name) DO UPDATE SET"
		     " description=excluded.description, title=excluded.title,"
		     " type=excluded.type, seen=1", "tables add",
		     WT(svc), WT(t->name), WT(t->description), WT(t->title), WT(t->type));
}

static int exec_svc(const char *sql, const char *svc, const char *what)
{
	return WEXEC(sql, what, WT(svc));
}

struct tables_arg {
	const char *svc;
	const struct db_table_row *t;
	const struct vo_buf *columns_csv;
	size_t n;
};

static int tables_replace(void *arg)
{
	const struct tables_arg *a = arg;
	int rc = exec_svc("UPDATE tables SET seen=0 WHERE service=?1", a->svc, "tables begin");

	for (size_t i = 0; i < a->n && !rc; i++) {
		rc = tables_add(a->svc, &a->t[i]);
		if (!rc && a->columns_csv && a->columns_csv[i].p)
			rc = db_table_set(a->svc, a->t[i].name, "columns_csv",
					  a->columns_csv[i].p, a->columns_csv[i].len);
	}
	if (!rc)
		rc = exec_svc("DELETE FROM tables WHERE service=?1 AND seen=0", a->svc,
			      "tables prune");
	return rc;
}

int db_tables_replace(const char *svc, const struct db_table_row *t,
		      const struct vo_buf *columns_csv, size_t n)
{
	struct tables_arg a = {svc, t, columns_csv, n};

	return db_write_txn(tables_replace, &a);
}

int db_table_exists(const char *svc, const char *name)
{
	sqlite3_stmt *st = stmt("SELECT 1 FROM tables WHERE service=?1 AND name=?2");
	int rc;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : db_fail(cur_db(), "table exists");
	done(st);
	return rc;
}

int db_table_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT name FROM tables WHERE service=?1 ORDER BY name");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	return step_names(st, cb, ud, "table list");
}

int db_table_count(const char *svc, long long *n)
{
	sqlite3_stmt *st = stmt("SELECT count(*) FROM tables WHERE service=?1");
	int64_t v = 0;
	int rc;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	rc = step_int64(st, &v, "table count");
	*n = rc ? 0 : v;
	return rc;
}

static const char *table_field_sql(const char *field, int set)
{
	static const struct { const char *f, *get, *set; } m[] = {
#define F(x) {#x, "SELECT " #x " FROM tables WHERE service=?1 AND name=?2", \
	     "UPDATE tables SET " #x "=?3 WHERE service=?1 AND name=?2"}
		F(description), F(columns_csv), F(columns_error), F(sample_csv),
		F(sample_error),
#undef F
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (strcmp(m[i].f, field) == 0)
			return set ? m[i].set : m[i].get;
	return NULL;
}

int db_table_get(const char *svc, const char *name, const char *field, struct vo_buf *out)
{
	const char *sql = table_field_sql(field, 0);
	sqlite3_stmt *st = sql ? stmt(sql) : NULL;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	return step_blob(st, out, "table get");
}

int db_table_set(const char *svc, const char *name, const char *field,
		 const void *val, size_t len)
{
	const char *sql = table_field_sql(field, 1);

	if (!sql)
		return -EIO;
	return WEXEC(sql, "table set", WT(svc), WT(name), WB(val, len));
}

/* --- examples ---------------------------------------------------------------- */

struct examples_arg {
	const char *svc;
	const struct db_example *ex;
	size_t n;
};

static int examples_replace(void *arg)
{
	const struct examples_arg *a = arg;
	int rc = exec_svc("DELETE FROM examples WHERE service=?1", a->svc, "examples clear");

	for (size_t i = 0; i < a->n && !rc; i++)
		rc = WEXEC("INSERT OR REPLACE INTO examples VALUES(?1, ?2, ?3)", "example add",
			   WT(a->svc), WT(a->ex[i].name), WT(a->ex[i].adql));
	return rc;
}

int db_examples_replace(const char *svc, const struct db_example *ex, size_t n)
{
	struct examples_arg a = {svc, ex, n};

	return db_write_txn(examples_replace, &a);
}

int db_example_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT name FROM examples WHERE service=?1 ORDER BY name");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	return step_names(st, cb, ud, "example list");
}

int db_example_get(const char *svc, const char *name, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT adql FROM examples WHERE service=?1 AND name=?2");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	return step_blob(st, out, "example get");
}

/* --- queries ------------------------------------------------------------------ */

void db_query_clear(struct db_query *q)
{
	free(q->service); free(q->name); free(q->adql); free(q->maxrec);
	free(q->phase); free(q->job_url); free(q->error); free(q->cutout);
	memset(q, 0, sizeof *q);
}

int db_query_load_all(int (*cb)(void *ud, struct db_query *q), void *ud)
{
	sqlite3_stmt *st = stmt(
		"SELECT id, service, name, adql, maxrec, phase, job_url, error, nrows,"
		" csv_size, vot_size, rid, overflow, created, started, finished, cutout"
		" FROM queries ORDER BY id");
	int rc;

	if (!st)
		return -EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_query q = {
			.id = sqlite3_column_int64(st, 0),
			.service = col_dup(st, 1), .name = col_dup(st, 2),
			.adql = col_dup(st, 3), .maxrec = col_dup(st, 4),
			.phase = col_dup(st, 5), .job_url = col_dup(st, 6),
			.error = col_dup(st, 7), .nrows = sqlite3_column_int64(st, 8),
			.csv_size = sqlite3_column_int64(st, 9),
			.vot_size = sqlite3_column_int64(st, 10),
			.rid = sqlite3_column_int64(st, 11),
			.overflow = sqlite3_column_int(st, 12),
			.created = sqlite3_column_double(st, 13),
			.started = sqlite3_column_double(st, 14),
			.finished = sqlite3_column_double(st, 15),
			.cutout = col_dup(st, 16),
		};
		int r = cb(ud, &q);   /* cb takes ownership of the strings */
		if (r) {
			done(st);
			return r;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "query load");
	done(st);
	return rc;
}

int db_query_insert(const char *svc, const char *name, double created, int64_t *id)
{
	const struct wv v[] = {WT(svc), WT(name), WD(created)};

	return wexec("INSERT INTO queries(service, name, created, phase) VALUES(?1, ?2, ?3, NULL)",
		     "query insert", v, 3, id);
}

int db_query_save(const struct db_query *q)
{
	return WEXEC("UPDATE queries SET adql=?2, maxrec=?3, phase=?4, job_url=?5, error=?6,"
		     " nrows=?7, csv_size=?8, vot_size=?9, rid=?10, overflow=?11, created=?12,"
		     " started=?13, finished=?14, name=?15, cutout=?16 WHERE id=?1", "query save",
		     WI(q->id), WT(q->adql), WT(q->maxrec), WT(q->phase), WT(q->job_url),
		     WT(q->error), WI(q->nrows), WI(q->csv_size), WI(q->vot_size), WI(q->rid),
		     WI(q->overflow), WD(q->created), WD(q->started), WD(q->finished),
		     WT(q->name), WT(q->cutout));
}

static int query_delete(void *arg)
{
	return WEXEC("DELETE FROM queries WHERE id=?1", "query delete",
		     WI(*(const int64_t *)arg));
}

int db_query_delete(int64_t id)
{
	return db_write_txn(query_delete, &id);
}

/* --- results -------------------------------------------------------------------- */

static int exec_id(const char *sql, int64_t rid, const char *what)
{
	return WEXEC(sql, what, WI(rid));
}

int db_result_clear(int64_t rid)
{
	int rc = exec_id("DELETE FROM result_pages WHERE rid=?1", rid, "result drop");

	if (!rc)
		rc = exec_id("DELETE FROM products WHERE rid=?1", rid, "products drop");
	if (!rc)
		rc = exec_id("DELETE FROM links WHERE rid=?1", rid, "links drop");
	if (!rc)
		rc = exec_id("UPDATE results SET meta=NULL WHERE rid=?1", rid, "result meta drop");
	return rc;
}

int db_result_drop(int64_t rid)
{
	int rc = db_result_clear(rid);

	return rc ? rc : exec_id("DELETE FROM results WHERE rid=?1", rid, "result row drop");
}

static int result_drop(void *arg)
{
	return db_result_drop(*(const int64_t *)arg);
}

int db_result_drop_txn(int64_t rid)
{
	return db_write_txn(result_drop, &rid);
}

int db_result_new(int64_t qid, int64_t *rid)
{
	const struct wv v[] = {WI(qid)};

	*rid = 0;
	return wexec("INSERT INTO results(qid) VALUES(?1)", "result new", v, 1, rid);
}

static int results_gc(void *arg)
{
	static const char *const sql[] = {
		"DELETE FROM result_pages WHERE rid NOT IN (SELECT rid FROM queries)",
		"DELETE FROM products WHERE rid NOT IN (SELECT rid FROM queries)",
		"DELETE FROM links WHERE rid NOT IN (SELECT rid FROM queries)",
		"DELETE FROM results WHERE rid NOT IN (SELECT rid FROM queries)",
	};
	int rc = 0;

	(void)arg;
	for (size_t i = 0; i < sizeof sql / sizeof sql[0] && !rc; i++)
		rc = wexec(sql[i], "dropping results no query holds", NULL, 0, NULL);
	return rc;
}

int db_results_gc(void)
{
	return db_write_txn(results_gc, NULL);
}

int db_result_set_meta(int64_t rid, const void *meta, size_t len)
{
	return WEXEC("UPDATE results SET meta=?2 WHERE rid=?1", "result meta",
		     WI(rid), WB(meta ? meta : "", len));
}

int db_result_get_meta(int64_t rid, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT meta FROM results WHERE rid=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	return step_blob(st, out, "result meta get");
}

int db_result_add_page(int64_t rid, const struct db_page *p, const void *data, size_t len)
{
	return WEXEC("INSERT OR REPLACE INTO result_pages VALUES(?1,?2,?3,?4,?5,?6,?7)",
		     "result page", WI(rid), WI(p->page), WI(p->first_row), WI(p->nrows),
		     WI(p->csv_off), WI(p->vot_off), WB(data ? data : "", len));
}

static int page_row(sqlite3_stmt *st, struct db_page *p, struct vo_buf *data)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		p->page = sqlite3_column_int64(st, 0);
		p->first_row = sqlite3_column_int64(st, 1);
		p->nrows = sqlite3_column_int64(st, 2);
		p->csv_off = sqlite3_column_int64(st, 3);
		p->vot_off = sqlite3_column_int64(st, 4);
		rc = data ? col_to_buf(st, 5, data) : 0;
	} else if (rc == SQLITE_DONE) {
		rc = -ENOENT;
	} else {
		rc = db_fail(cur_db(), "result page get");
	}
	done(st);
	return rc;
}

int db_result_find_page(int64_t rid, int kind, int64_t off, struct db_page *p,
			struct vo_buf *data)
{
	sqlite3_stmt *st = stmt(kind == 0 ?
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE rid=?1 AND csv_off<=?2 ORDER BY csv_off DESC LIMIT 1" :
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE rid=?1 AND vot_off<=?2 ORDER BY vot_off DESC LIMIT 1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, off);
	return page_row(st, p, data);
}

int db_result_get_page(int64_t rid, int64_t page, struct db_page *p, struct vo_buf *data)
{
	sqlite3_stmt *st = stmt(
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE rid=?1 AND page=?2");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, page);
	return page_row(st, p, data);
}

/* --- products ------------------------------------------------------------------- */

void db_product_clear(struct db_product *p)
{
	free(p->name);
	free(p->url);
	free(p->dl_base);
	free(p->dl_id);
	free(p->obs_id);
	free(p->ctype);
	free(p->error);
	free(p->soda_url);
	memset(p, 0, sizeof *p);
}

void db_link_clear(struct db_link *l)
{
	free(l->name);
	free(l->url);
	free(l->semantics);
	free(l->ctype);
	free(l->description);
	memset(l, 0, sizeof *l);
}

int db_product_add(const struct db_product *p)
{
	return WEXEC("INSERT INTO products(rid, seq, name, kind, url, dl_base,"
		     " dl_id, obs_id, ctype) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)", "product add",
		     WI(p->rid), WI(p->seq), WT(p->name), WI(p->kind), WT(p->url),
		     WT(p->dl_base), WT(p->dl_id), WT(p->obs_id), WT(p->ctype));
}

#define PRODUCT_COLS "rid, seq, name, kind, url, dl_base, dl_id, obs_id, ctype, state," \
	" error, soda_url"

static void product_from_row(sqlite3_stmt *st, struct db_product *p)
{
	p->rid = sqlite3_column_int64(st, 0);
	p->seq = sqlite3_column_int64(st, 1);
	p->name = col_dup(st, 2);
	p->kind = sqlite3_column_int(st, 3);
	p->url = col_dup(st, 4);
	p->dl_base = col_dup(st, 5);
	p->dl_id = col_dup(st, 6);
	p->obs_id = col_dup(st, 7);
	p->ctype = col_dup(st, 8);
	p->state = sqlite3_column_int(st, 9);
	p->error = col_dup(st, 10);
	p->soda_url = col_dup(st, 11);
}

static int step_products(sqlite3_stmt *st, int (*cb)(void *ud, struct db_product *p),
			 void *ud, const char *what)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_product p = {0};
		product_from_row(st, &p);
		int r = cb(ud, &p);
		db_product_clear(&p);
		if (r) {
			done(st);
			return r < 0 ? r : 0;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), what);
	done(st);
	return rc;
}

int db_product_get(int64_t rid, const char *name, struct db_product *p)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE rid=?1 AND name=?2");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	bind_text(st, 2, name);
	if ((rc = step_row(st, "product get")))
		return rc;
	product_from_row(st, p);
	done(st);
	return 0;
}

int db_product_list(int64_t rid, int (*cb)(void *ud, struct db_product *p), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE rid=?1 ORDER BY seq");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	return step_products(st, cb, ud, "product list");
}

int db_product_list_unresolved(int64_t rid, int (*cb)(void *ud, struct db_product *p),
			       void *ud)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE rid=?1"
				" AND kind=1 AND state=0 ORDER BY seq");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	return step_products(st, cb, ud, "product list unresolved");
}

int db_product_count(int64_t rid, int64_t *n)
{
	sqlite3_stmt *st = stmt("SELECT count(*) FROM products WHERE rid=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	return step_int64(st, n, "product count");
}

int db_product_next_urls(int64_t rid, const char *name, int n,
			 int (*cb)(void *ud, const char *url), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT url FROM products WHERE rid=?1 AND name>?2 AND kind=0"
				" ORDER BY name LIMIT ?3");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, n);
	return step_names(st, cb, ud, "product next");
}

int db_link_next_urls(int64_t rid, int64_t pseq, const char *name, int n,
		      int (*cb)(void *ud, const char *url), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT url FROM links WHERE rid=?1 AND pseq=?2 AND name>?3"
				" ORDER BY name LIMIT ?4");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, pseq);
	bind_text(st, 3, name);
	sqlite3_bind_int(st, 4, n);
	return step_names(st, cb, ud, "link next");
}

int db_product_resolved(int64_t rid, int64_t seq, int state, const char *error,
			const char *soda_url, const void *links_csv, size_t csv_len)
{
	return WEXEC("UPDATE products SET state=?3, error=?4, soda_url=?5,"
		     " links_csv=?6 WHERE rid=?1 AND seq=?2", "product resolved",
		     WI(rid), WI(seq), WI(state), WT(error), WT(soda_url),
		     WB(links_csv, csv_len));
}

int db_product_state(int64_t rid, int64_t seq)
{
	sqlite3_stmt *st = stmt("SELECT state FROM products WHERE rid=?1 AND seq=?2");
	int64_t v;
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, seq);
	rc = step_int64(st, &v, "product state");
	return rc ? rc : (int)v;
}

int db_product_links_csv(int64_t rid, int64_t seq, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT links_csv FROM products WHERE rid=?1 AND seq=?2");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, seq);
	return step_blob(st, out, "links csv");
}

int db_link_add(int64_t rid, int64_t pseq, const struct db_link *l)
{
	return WEXEC("INSERT OR REPLACE INTO links VALUES(?1,?2,?3,?4,?5,?6,?7)", "link add",
		     WI(rid), WI(pseq), WT(l->name), WT(l->url), WT(l->semantics),
		     WT(l->ctype), WT(l->description));
}

static void link_from_row(sqlite3_stmt *st, struct db_link *l)
{
	l->name = col_dup(st, 0);
	l->url = col_dup(st, 1);
	l->semantics = col_dup(st, 2);
	l->ctype = col_dup(st, 3);
	l->description = col_dup(st, 4);
}

int db_link_get(int64_t rid, int64_t pseq, const char *name, struct db_link *l)
{
	sqlite3_stmt *st = stmt("SELECT name, url, semantics, ctype, description FROM links"
				" WHERE rid=?1 AND pseq=?2 AND name=?3");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, pseq);
	bind_text(st, 3, name);
	if ((rc = step_row(st, "link get")))
		return rc;
	link_from_row(st, l);
	done(st);
	return 0;
}

int db_link_list(int64_t rid, int64_t pseq, int (*cb)(void *ud, struct db_link *l), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT name, url, semantics, ctype, description FROM links"
				" WHERE rid=?1 AND pseq=?2 ORDER BY rowid");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, rid);
	sqlite3_bind_int64(st, 2, pseq);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct db_link l = {0};
		link_from_row(st, &l);
		int r = cb(ud, &l);
		db_link_clear(&l);
		if (r) {
			done(st);
			return r < 0 ? r : 0;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "link list");
	done(st);
	return rc;
}

/* a statement with a block's oid and idx bound as ?1 and ?2 */
static sqlite3_stmt *stmt_block(const char *sql, int64_t oid, int64_t idx)
{
	sqlite3_stmt *st = stmt(sql);

	if (st) {
		sqlite3_bind_int64(st, 1, oid);
		sqlite3_bind_int64(st, 2, idx);
	}
	return st;
}

/* --- block cache ---------------------------------------------------------------- */

static void obj_from_row(sqlite3_stmt *st, struct db_obj *o)
{
	const unsigned char *ct;

	o->oid = sqlite3_column_int64(st, 0);
	o->size = sqlite3_column_int64(st, 1);
	o->mtime = sqlite3_column_type(st, 2) == SQLITE_NULL ? 0 : sqlite3_column_double(st, 2);
	ct = sqlite3_column_text(st, 3);
	snprintf(o->ctype, sizeof o->ctype, "%s", ct ? (const char *)ct : "");
	o->ranges = sqlite3_column_int(st, 4);
	ct = sqlite3_column_text(st, 5);
	snprintf(o->etag, sizeof o->etag, "%s", ct ? (const char *)ct : "");
	o->last_modified = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1
		: sqlite3_column_int64(st, 6);
}

int db_obj_get(const char *url, struct db_obj *o)
{
	sqlite3_stmt *st = stmt("SELECT oid, size, mtime, ctype, ranges, etag, last_modified FROM objects"
				 " WHERE url=?1");
	int rc;

	if (!st)
		return -EIO;
	bind_text(st, 1, url);
	if ((rc = step_row(st, "object get")))
		return rc;
	obj_from_row(st, o);
	done(st);
	return 0;
}

int db_obj_ensure(const char *url, struct db_obj *o)
{
	int rc = db_obj_get(url, o);

	if (rc != -ENOENT)
		return rc;
	rc = WEXEC("INSERT OR IGNORE INTO objects(url) VALUES(?1)", "object add", WT(url));
	return rc ? rc : db_obj_get(url, o);
}

int db_obj_update(const struct db_obj *o)
{
	const struct wv none = {.t = W_NULL};
	const struct wv mtime = WD(o->mtime), lm = WI(o->last_modified);

	return WEXEC("UPDATE objects SET size=?2, mtime=?3, ctype=?4, ranges=?5,"
		     " etag=?6, last_modified=?7 WHERE oid=?1", "object update",
		     WI(o->oid), WI(o->size), o->mtime > 0 ? mtime : none,
		     WT(o->ctype[0] ? o->ctype : NULL), WI(o->ranges),
		     WT(o->etag[0] ? o->etag : NULL), o->last_modified > 0 ? lm : none);
}

int db_block_put(int64_t oid, int64_t idx, const void *data, size_t len, int64_t atime)
{
	sqlite3_stmt *st = stmt_block("INSERT OR REPLACE INTO blocks VALUES(?1,?2,?3)", oid, idx);
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_blob64(st, 3, data, len, SQLITE_STATIC);
	rc = step_done(st, "block put");
	if (rc)
		return rc;
	st = stmt_block("INSERT OR REPLACE INTO block_use VALUES(?1,?2,?3,?4)", oid, idx);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 3, atime);
	sqlite3_bind_int64(st, 4, (int64_t)len);
	return step_done(st, "block use");
}

int db_obj_touch(int64_t oid, int64_t atime)
{
	sqlite3_stmt *st = stmt("UPDATE block_use SET atime=?2 WHERE oid=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, oid);
	sqlite3_bind_int64(st, 2, atime);
	return step_done(st, "object touch");
}

int db_block_list(int64_t oid, int (*cb)(void *ud, int64_t idx), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT idx FROM block_use WHERE oid=?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, oid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = cb(ud, sqlite3_column_int64(st, 0));
		if (r) {
			done(st);
			return r < 0 ? r : 0;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "block list");
	done(st);
	return rc;
}

ssize_t db_block_read(int64_t oid, int64_t idx, size_t off, void *buf, size_t n)
{
	/* (no access time here: the engine keeps them in memory) */
	sqlite3_stmt *st = stmt_block("SELECT rowid FROM blocks WHERE oid=?1 AND idx=?2", oid, idx);
	sqlite3_blob *blob = NULL;
	sqlite3_int64 rowid;
	ssize_t ret;
	int rc, len;

	if (!st)
		return -EIO;
	if ((rc = step_row(st, "block find")))
		return rc;
	rowid = sqlite3_column_int64(st, 0);
	done(st);
	/* a blob handle reads only the pages it needs; it is closed at once so
	 * no read transaction stays open (that would hold back checkpoints) */
	if (sqlite3_blob_open(cur_db(), "main", "blocks", "data", rowid, 0, &blob) != SQLITE_OK) {
		sqlite3_blob_close(blob);
		/* evicted between the two statements */
		return sqlite3_extended_errcode(cur_db()) == SQLITE_ERROR ? -ENOENT
			: db_fail(cur_db(), "block open");
	}
	len = sqlite3_blob_bytes(blob);
	if (off >= (size_t)len) {
		ret = 0;
	} else {
		if (n > (size_t)len - off)
			n = (size_t)len - off;
		ret = sqlite3_blob_read(blob, buf, (int)n, (int)off) == SQLITE_OK ? (ssize_t)n
			: db_fail(cur_db(), "block read");
	}
	sqlite3_blob_close(blob);
	return ret;
}

int db_block_exists(int64_t oid, int64_t idx)
{
	sqlite3_stmt *st = stmt_block("SELECT 1 FROM block_use WHERE oid=?1 AND idx=?2", oid, idx);
	int rc;

	if (!st)
		return -EIO;
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "block exists");
	done(st);
	return rc;
}

int db_blocks_total(int64_t *bytes)
{
	sqlite3_stmt *st = stmt("SELECT coalesce(sum(size), 0) FROM block_use");

	if (!st)
		return -EIO;
	return step_int64(st, bytes, "blocks total");
}

int db_block_oldest(int limit, int (*cb)(void *ud, int64_t oid, int64_t idx, int64_t size),
		    void *ud)
{
	sqlite3_stmt *st = stmt("SELECT oid, idx, size FROM block_use ORDER BY atime LIMIT ?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int(st, 1, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int r = cb(ud, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1),
			   sqlite3_column_int64(st, 2));
		if (r) {
			done(st);
			return r < 0 ? r : 0;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "blocks oldest");
	done(st);
	return rc;
}

int db_block_delete(int64_t oid, int64_t idx)
{
	sqlite3_stmt *st = stmt_block("DELETE FROM blocks WHERE oid=?1 AND idx=?2", oid, idx);
	int rc;

	if (!st)
		return -EIO;
	if ((rc = step_done(st, "block delete")))
		return rc;
	st = stmt_block("DELETE FROM block_use WHERE oid=?1 AND idx=?2", oid, idx);
	return st ? step_done(st, "block use delete") : -EIO;
}

int db_obj_drop_blocks(int64_t oid, int64_t *freed)
{
	sqlite3_stmt *st = stmt("SELECT coalesce(sum(size), 0) FROM block_use WHERE oid=?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, oid);
	if ((rc = step_int64(st, freed, "object blocks size")))
		return rc;
	if ((rc = exec_id("DELETE FROM blocks WHERE oid=?1", oid, "object blocks drop")))
		return rc;
	return exec_id("DELETE FROM block_use WHERE oid=?1", oid, "object use drop");
}
