/* fs/db.c - SQLite store; see db.h.  The only file that opens the database. */
#include "db.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define DB_SCHEMA_VERSION 1
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
};

static int db_fail(sqlite3 *db, const char *what)
{
	vo_error("sqlite: %s: %s", what, db ? sqlite3_errmsg(db) : "no connection");
	return -EIO;
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
	sqlite3_exec(c->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     " PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384;"
		     " PRAGMA mmap_size=268435456;", NULL, NULL, NULL);
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
		db_fail(cur_db(), what);
		done(st);
		return -EIO;
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

int db_open(const char *path)
{
	struct conn *c;

	free(db_path);
	db_path = strdup(path);
	if (!db_path)
		return -ENOMEM;
	c = conn_get();
	if (!c)
		return -EIO;
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		if (sqlite3_exec(c->db, schema[i], NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, schema[i]);
	{
		char sql[128];
		snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO meta VALUES('schema', %d)",
			 DB_SCHEMA_VERSION);
		if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, sql);
	}
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

int db_tables_begin(const char *svc)
{
	sqlite3_stmt *st;
	int rc = db_begin();

	if (rc)
		return rc;
	st = stmt("UPDATE tables SET seen=0 WHERE service=?1");
	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	return step_done(st, "tables begin");
}

int db_tables_add(const char *svc, const struct db_table_row *t)
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

int db_tables_commit(const char *svc, int ok)
{
	sqlite3_stmt *st;
	int rc;

	if (!ok)
		return db_rollback();
	st = stmt("DELETE FROM tables WHERE service=?1 AND seen=0");
	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	rc = step_done(st, "tables prune");
	if (rc) {
		db_rollback();
		return rc;
	}
	return db_commit();
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
	int rc;

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*n = sqlite3_column_int64(st, 0);
		rc = 0;
	} else {
		rc = db_fail(cur_db(), "table count");
	}
	done(st);
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

int db_examples_replace_begin(const char *svc)
{
	sqlite3_stmt *st;
	int rc = db_begin();

	if (rc)
		return rc;
	st = stmt("DELETE FROM examples WHERE service=?1");
	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	return step_done(st, "examples clear");
}

int db_example_add(const char *svc, const char *name, const char *adql)
{
	sqlite3_stmt *st = stmt("INSERT OR REPLACE INTO examples VALUES(?1, ?2, ?3)");

	if (!st)
		return -EIO;
	bind_text(st, 1, svc);
	bind_text(st, 2, name);
	bind_text(st, 3, adql);
	return step_done(st, "example add");
}

int db_examples_commit(const char *svc, int ok)
{
	return ok ? db_commit() : db_rollback();
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
	free(q->phase); free(q->job_url); free(q->error);
	memset(q, 0, sizeof *q);
}

int db_query_load_all(int (*cb)(void *ud, struct db_query *q), void *ud)
{
	sqlite3_stmt *st = stmt(
		"SELECT id, service, name, adql, maxrec, phase, job_url, error, nrows,"
		" csv_size, vot_size, gen, overflow, created, started, finished"
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
		" started=?13, finished=?14, name=?15 WHERE id=?1");

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

int db_result_drop(int64_t qid)
{
	sqlite3_stmt *st = stmt("DELETE FROM result_pages WHERE qid=?1");
	int rc;

	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 1, qid);
	rc = step_done(st, "result drop");
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
