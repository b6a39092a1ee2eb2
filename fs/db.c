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
#define DB_SCHEMA_VERSION 2
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
	"CREATE TABLE IF NOT EXISTS queries(id INTEGER PRIMARY KEY, service TEXT NOT NULL,"
	" name TEXT NOT NULL, adql TEXT, maxrec TEXT, phase TEXT, job_url TEXT, error TEXT,"
	" nrows INTEGER DEFAULT 0, csv_size INTEGER DEFAULT 0, vot_size INTEGER DEFAULT 0,"
	" gen INTEGER DEFAULT 0, overflow INTEGER DEFAULT 0, created REAL, started REAL,"
	" finished REAL, result_meta BLOB, UNIQUE(service, name))",
	"CREATE TABLE IF NOT EXISTS result_pages(qid INTEGER NOT NULL, page INTEGER NOT NULL,"
	" first_row INTEGER NOT NULL, nrows INTEGER NOT NULL, csv_off INTEGER NOT NULL,"
	" vot_off INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY(qid, page))",
	"CREATE INDEX IF NOT EXISTS result_pages_csv ON result_pages(qid, csv_off)",
	"CREATE INDEX IF NOT EXISTS result_pages_vot ON result_pages(qid, vot_off)",
	/* products of a result (fs/products.c) and the links of DataLink rows */
	"CREATE TABLE IF NOT EXISTS products(qid INTEGER NOT NULL, seq INTEGER NOT NULL,"
	" name TEXT NOT NULL, kind INTEGER NOT NULL, url TEXT, dl_base TEXT, dl_id TEXT,"
	" obs_id TEXT, ctype TEXT, state INTEGER NOT NULL DEFAULT 0, error TEXT,"
	" soda_url TEXT, links_csv BLOB, PRIMARY KEY(qid, seq), UNIQUE(qid, name))",
	"CREATE TABLE IF NOT EXISTS links(qid INTEGER NOT NULL, pseq INTEGER NOT NULL,"
	" name TEXT NOT NULL, url TEXT NOT NULL, semantics TEXT, ctype TEXT,"
	" description TEXT, PRIMARY KEY(qid, pseq, name))",
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
	int rc;

	if (c)
		return c;
	c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	rc = sqlite3_open_v2(db_path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
			     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		db_fail(c->db, db_path);
		sqlite3_close(c->db);
		free(c);
		return NULL;
	}
	sqlite3_busy_timeout(c->db, 30000);
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
	tl_conn = c;
	pthread_once(&conn_once, conn_key_init);
	pthread_setspecific(conn_key, c);
	return c;
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
	if (version < DB_SCHEMA_VERSION)
		return migrate(c->db, version);
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

int db_begin(void)
{
	sqlite3_stmt *st = stmt("BEGIN IMMEDIATE");
	return st ? step_done(st, "BEGIN") : -EIO;
}

int db_commit(void)
{
	sqlite3_stmt *st = stmt("COMMIT");
	return st ? step_done(st, "COMMIT") : -EIO;
}

int db_rollback(void)
{
	sqlite3_stmt *st = stmt("ROLLBACK");
	return st ? step_done(st, "ROLLBACK") : -EIO;
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
	sqlite3_stmt *st = stmt("INSERT OR REPLACE INTO svc_kv VALUES(?1, ?2, ?3)");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, key);
	sqlite3_bind_blob64(st, 3, val ? val : "", len, SQLITE_TRANSIENT);
	return step_done(st, "svc_kv set");
}

int db_svc_del(const char *svc, const char *key)
{
	sqlite3_stmt *st = stmt("DELETE FROM svc_kv WHERE service=?1 AND key=?2");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, key);
	return step_done(st, "svc_kv del");
}

/* --- tables ---------------------------------------------------------------- */

static int tables_add(const char *svc, const struct db_table_row *t)
{
	sqlite3_stmt *st = stmt(
		"INSERT INTO tables(service, name, description, title, type, seen)"
		" VALUES(?1, ?2, ?3, ?4, ?5, 1) ON CONFLICT(service, name) DO UPDATE SET"
		" description=excluded.description, title=excluded.title,"
		" type=excluded.type, seen=1");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, t->name);
	bind_text(st, 3, t->description);
	bind_text(st, 4, t->title);
	bind_text(st, 5, t->type);
	return step_done(st, "tables add");
}

static int exec_svc(const char *sql, const char *svc, const char *what)
{
	sqlite3_stmt *st = stmt(sql);

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	return step_done(st, what);
}

int db_tables_replace(const char *svc, const struct db_table_row *t,
		      const struct vo_buf *columns_csv, size_t n)
{
	int rc = db_begin();

	if (rc)
		return rc;
	rc = exec_svc("UPDATE tables SET seen=0 WHERE service=?1", svc, "tables begin");
	for (size_t i = 0; i < n && !rc; i++) {
		rc = tables_add(svc, &t[i]);
		if (!rc && columns_csv && columns_csv[i].p)
			rc = db_table_set(svc, t[i].name, "columns_csv", columns_csv[i].p,
					  columns_csv[i].len);
	}
	if (!rc)
		rc = exec_svc("DELETE FROM tables WHERE service=?1 AND seen=0", svc, "tables prune");
	if (!rc)
		rc = db_commit();
	if (rc)
		db_rollback();
	return rc;
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
	sqlite3_stmt *st = sql ? stmt(sql) : NULL;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	if (val)
		sqlite3_bind_blob64(st, 3, val, len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 3);
	return step_done(st, "table set");
}

/* --- examples ---------------------------------------------------------------- */

int db_examples_replace(const char *svc, const struct db_example *ex, size_t n)
{
	int rc = db_begin();

	if (rc)
		return rc;
	rc = exec_svc("DELETE FROM examples WHERE service=?1", svc, "examples clear");
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_stmt *st = stmt("INSERT OR REPLACE INTO examples VALUES(?1, ?2, ?3)");
		if (!st) {
			rc = -EIO;
			break;
		}
		bind_text(st, 1, svc);
		bind_text(st, 2, ex[i].name);
		bind_text(st, 3, ex[i].adql);
		rc = step_done(st, "example add");
	}
	if (!rc)
		rc = db_commit();
	if (rc)
		db_rollback();
	return rc;
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
		" csv_size, vot_size, gen, overflow, created, started, finished, cutout"
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
			.gen = sqlite3_column_int64(st, 11),
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
	sqlite3_stmt *st = stmt("INSERT INTO queries(service, name, created, phase)"
				" VALUES(?1, ?2, ?3, NULL)");
	int rc;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	sqlite3_bind_double(st, 3, created);
	rc = sqlite3_step(st);
	if (rc == SQLITE_CONSTRAINT) {
		done(st);
		return -EEXIST;
	}
	if (rc != SQLITE_DONE) {
		rc = db_fail(cur_db(), "query insert");
		done(st);
		return rc;
	}
	*id = sqlite3_last_insert_rowid(cur_db());
	done(st);
	return 0;
}

int db_query_save(const struct db_query *q)
{
	sqlite3_stmt *st = stmt(
		"UPDATE queries SET adql=?2, maxrec=?3, phase=?4, job_url=?5, error=?6,"
		" nrows=?7, csv_size=?8, vot_size=?9, gen=?10, overflow=?11, created=?12,"
		" started=?13, finished=?14, name=?15, cutout=?16 WHERE id=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, q->id);
	bind_text(st, 2, q->adql);
	bind_text(st, 3, q->maxrec);
	bind_text(st, 4, q->phase);
	bind_text(st, 5, q->job_url);
	bind_text(st, 6, q->error);
	sqlite3_bind_int64(st, 7, q->nrows);
	sqlite3_bind_int64(st, 8, q->csv_size);
	sqlite3_bind_int64(st, 9, q->vot_size);
	sqlite3_bind_int64(st, 10, q->gen);
	sqlite3_bind_int(st, 11, q->overflow);
	sqlite3_bind_double(st, 12, q->created);
	sqlite3_bind_double(st, 13, q->started);
	sqlite3_bind_double(st, 14, q->finished);
	bind_text(st, 15, q->name);
	bind_text(st, 16, q->cutout);
	return step_done(st, "query save");
}

int db_query_delete(int64_t id)
{
	sqlite3_stmt *st;
	int rc = db_begin();

	if (rc)
		return rc;
	rc = db_result_drop(id);
	if (!rc && (st = stmt("DELETE FROM queries WHERE id=?1"))) {
		sqlite3_bind_int64(st, 1, id);
		rc = step_done(st, "query delete");
	} else if (!rc) {
		rc = -EIO;
	}
	if (rc) {
		db_rollback();
		return rc;
	}
	return db_commit();
}

/* --- results -------------------------------------------------------------------- */

static int exec_qid(const char *sql, int64_t qid, const char *what)
{
	sqlite3_stmt *st = stmt(sql);

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_done(st, what);
}

int db_result_drop(int64_t qid)
{
	sqlite3_stmt *st;
	int rc = exec_qid("DELETE FROM result_pages WHERE qid=?1", qid, "result drop");

	if (!rc)
		rc = exec_qid("DELETE FROM products WHERE qid=?1", qid, "products drop");
	if (!rc)
		rc = exec_qid("DELETE FROM links WHERE qid=?1", qid, "links drop");
	if (rc)
		return rc;
	st = stmt("UPDATE queries SET result_meta=NULL WHERE id=?1");
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_done(st, "result meta drop");
}

int db_result_drop_txn(int64_t qid)
{
	int rc = db_begin();

	if (rc)
		return rc;
	rc = db_result_drop(qid);
	if (rc) {
		db_rollback();
		return rc;
	}
	return db_commit();
}

int db_result_set_meta(int64_t qid, const void *meta, size_t len)
{
	sqlite3_stmt *st = stmt("UPDATE queries SET result_meta=?2 WHERE id=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_blob64(st, 2, meta, len, SQLITE_TRANSIENT);
	return step_done(st, "result meta");
}

int db_result_get_meta(int64_t qid, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT result_meta FROM queries WHERE id=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_blob(st, out, "result meta get");
}

int db_result_add_page(int64_t qid, const struct db_page *p, const void *data, size_t len)
{
	sqlite3_stmt *st = stmt("INSERT OR REPLACE INTO result_pages VALUES(?1,?2,?3,?4,?5,?6,?7)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, p->page);
	sqlite3_bind_int64(st, 3, p->first_row);
	sqlite3_bind_int64(st, 4, p->nrows);
	sqlite3_bind_int64(st, 5, p->csv_off);
	sqlite3_bind_int64(st, 6, p->vot_off);
	sqlite3_bind_blob64(st, 7, data, len, SQLITE_STATIC);
	return step_done(st, "result page");
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

int db_result_find_page(int64_t qid, int kind, int64_t off, struct db_page *p,
			struct vo_buf *data)
{
	sqlite3_stmt *st = stmt(kind == 0 ?
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE qid=?1 AND csv_off<=?2 ORDER BY csv_off DESC LIMIT 1" :
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE qid=?1 AND vot_off<=?2 ORDER BY vot_off DESC LIMIT 1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, off);
	return page_row(st, p, data);
}

int db_result_get_page(int64_t qid, int64_t page, struct db_page *p, struct vo_buf *data)
{
	sqlite3_stmt *st = stmt(
		"SELECT page, first_row, nrows, csv_off, vot_off, data FROM result_pages"
		" WHERE qid=?1 AND page=?2");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
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
	sqlite3_stmt *st = stmt("INSERT INTO products(qid, seq, name, kind, url, dl_base,"
				" dl_id, obs_id, ctype) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, p->qid);
	sqlite3_bind_int64(st, 2, p->seq);
	bind_text(st, 3, p->name);
	sqlite3_bind_int(st, 4, p->kind);
	bind_text(st, 5, p->url);
	bind_text(st, 6, p->dl_base);
	bind_text(st, 7, p->dl_id);
	bind_text(st, 8, p->obs_id);
	bind_text(st, 9, p->ctype);
	return step_done(st, "product add");
}

#define PRODUCT_COLS "qid, seq, name, kind, url, dl_base, dl_id, obs_id, ctype, state," \
	" error, soda_url"

static void product_from_row(sqlite3_stmt *st, struct db_product *p)
{
	p->qid = sqlite3_column_int64(st, 0);
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

int db_product_get(int64_t qid, const char *name, struct db_product *p)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE qid=?1 AND name=?2");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	bind_text(st, 2, name);
	if ((rc = step_row(st, "product get")))
		return rc;
	product_from_row(st, p);
	done(st);
	return 0;
}

int db_product_list(int64_t qid, int (*cb)(void *ud, struct db_product *p), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE qid=?1 ORDER BY seq");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_products(st, cb, ud, "product list");
}

int db_product_list_unresolved(int64_t qid, int (*cb)(void *ud, struct db_product *p),
			       void *ud)
{
	sqlite3_stmt *st = stmt("SELECT " PRODUCT_COLS " FROM products WHERE qid=?1"
				" AND kind=1 AND state=0 ORDER BY seq");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_products(st, cb, ud, "product list unresolved");
}

int db_product_count(int64_t qid, int64_t *n)
{
	sqlite3_stmt *st = stmt("SELECT count(*) FROM products WHERE qid=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	return step_int64(st, n, "product count");
}

int db_product_next_urls(int64_t qid, const char *name, int n,
			 int (*cb)(void *ud, const char *url), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT url FROM products WHERE qid=?1 AND name>?2 AND kind=0"
				" ORDER BY name LIMIT ?3");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	bind_text(st, 2, name);
	sqlite3_bind_int(st, 3, n);
	return step_names(st, cb, ud, "product next");
}

int db_link_next_urls(int64_t qid, int64_t pseq, const char *name, int n,
		      int (*cb)(void *ud, const char *url), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT url FROM links WHERE qid=?1 AND pseq=?2 AND name>?3"
				" ORDER BY name LIMIT ?4");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pseq);
	bind_text(st, 3, name);
	sqlite3_bind_int(st, 4, n);
	return step_names(st, cb, ud, "link next");
}

int db_product_resolved(int64_t qid, int64_t seq, int state, const char *error,
			const char *soda_url, const void *links_csv, size_t csv_len)
{
	sqlite3_stmt *st = stmt("UPDATE products SET state=?3, error=?4, soda_url=?5,"
				" links_csv=?6 WHERE qid=?1 AND seq=?2");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, seq);
	sqlite3_bind_int(st, 3, state);
	bind_text(st, 4, error);
	bind_text(st, 5, soda_url);
	if (links_csv)
		sqlite3_bind_blob64(st, 6, links_csv, csv_len, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, 6);
	return step_done(st, "product resolved");
}

int db_product_state(int64_t qid, int64_t seq)
{
	sqlite3_stmt *st = stmt("SELECT state FROM products WHERE qid=?1 AND seq=?2");
	int64_t v;
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, seq);
	rc = step_int64(st, &v, "product state");
	return rc ? rc : (int)v;
}

int db_product_links_csv(int64_t qid, int64_t seq, struct vo_buf *out)
{
	sqlite3_stmt *st = stmt("SELECT links_csv FROM products WHERE qid=?1 AND seq=?2");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, seq);
	return step_blob(st, out, "links csv");
}

int db_link_add(int64_t qid, int64_t pseq, const struct db_link *l)
{
	sqlite3_stmt *st = stmt("INSERT OR REPLACE INTO links VALUES(?1,?2,?3,?4,?5,?6,?7)");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pseq);
	bind_text(st, 3, l->name);
	bind_text(st, 4, l->url);
	bind_text(st, 5, l->semantics);
	bind_text(st, 6, l->ctype);
	bind_text(st, 7, l->description);
	return step_done(st, "link add");
}

static void link_from_row(sqlite3_stmt *st, struct db_link *l)
{
	l->name = col_dup(st, 0);
	l->url = col_dup(st, 1);
	l->semantics = col_dup(st, 2);
	l->ctype = col_dup(st, 3);
	l->description = col_dup(st, 4);
}

int db_link_get(int64_t qid, int64_t pseq, const char *name, struct db_link *l)
{
	sqlite3_stmt *st = stmt("SELECT name, url, semantics, ctype, description FROM links"
				" WHERE qid=?1 AND pseq=?2 AND name=?3");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	sqlite3_bind_int64(st, 2, pseq);
	bind_text(st, 3, name);
	if ((rc = step_row(st, "link get")))
		return rc;
	link_from_row(st, l);
	done(st);
	return 0;
}

int db_link_list(int64_t qid, int64_t pseq, int (*cb)(void *ud, struct db_link *l), void *ud)
{
	sqlite3_stmt *st = stmt("SELECT name, url, semantics, ctype, description FROM links"
				" WHERE qid=?1 AND pseq=?2 ORDER BY rowid");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
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
	sqlite3_stmt *st;
	int rc = db_obj_get(url, o);

	if (rc != -ENOENT)
		return rc;
	st = stmt("INSERT OR IGNORE INTO objects(url) VALUES(?1)");
	if (!st)
		return -EIO;
	bind_text(st, 1, url);
	rc = step_done(st, "object add");
	return rc ? rc : db_obj_get(url, o);
}

int db_obj_update(const struct db_obj *o)
{
	sqlite3_stmt *st = stmt("UPDATE objects SET size=?2, mtime=?3, ctype=?4, ranges=?5,"
				" etag=?6, last_modified=?7 WHERE oid=?1");

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, o->oid);
	sqlite3_bind_int64(st, 2, o->size);
	if (o->mtime > 0)
		sqlite3_bind_double(st, 3, o->mtime);
	else
		sqlite3_bind_null(st, 3);
	bind_text(st, 4, o->ctype[0] ? o->ctype : NULL);
	sqlite3_bind_int(st, 5, o->ranges);
	bind_text(st, 6, o->etag[0] ? o->etag : NULL);
	if (o->last_modified > 0)
		sqlite3_bind_int64(st, 7, o->last_modified);
	else
		sqlite3_bind_null(st, 7);
	return step_done(st, "object update");
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
	if ((rc = exec_qid("DELETE FROM blocks WHERE oid=?1", oid, "object blocks drop")))
		return rc;
	return exec_qid("DELETE FROM block_use WHERE oid=?1", oid, "object use drop");
}
