/* fs/db.c - SQLite store; see db.h.  The only file that opens the database. */
#include "db.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

/* 1: the first layout (queries.cutout added later, without a version)
 * 2: objects.etag and objects.last_modified, the validators an object's
 *    blocks were fetched under
 * 3: result generations (results.rid)
 * 4: block bytes in one file (<db>.blocks), not in the database: the
 *    blocks table is gone; block_use says which blocks are stored, in
 *    which slot of the file, written in which sync sequence
 * 5: queries.inputs, what the current result was made from (its upload/
 *    tables: fs/inputs.h) */
#define DB_SCHEMA_VERSION 5
#define STMT_CACHE 64

static char *db_path;
static char *blocks_path;  /* <db_path>.blocks: the block file */
static int blk_fd = -1;     /* open on it (writer writes, readers pread) */
/* the sync sequence new block rows get: rows up to meta blocks_synced
 * have their bytes on the disk (see "the block file") */
static int64_t sync_seq;
static int file_fail(const char *what, const char *path, int err);
static int slot_write(int64_t slot, const void *data, size_t len);
static int slots_load(sqlite3 *db);
static int64_t slot_alloc(void);
static int blocks_open(const char *path, int new_store);
static int blocks_recover(sqlite3 *db);
static void blocks_close(void);
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
	" finished REAL, cutout TEXT, rid INTEGER NOT NULL DEFAULT 0, inputs TEXT,"
	" UNIQUE(service, name))",
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
	/* a stored block: its bytes are in a slot of the block file (see "the
	 * block file" below); a row is committed only after they are written */
	"CREATE TABLE IF NOT EXISTS block_use(oid INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" atime INTEGER NOT NULL, size INTEGER NOT NULL, seq INTEGER NOT NULL DEFAULT 0,"
	" slot INTEGER NOT NULL DEFAULT -1, PRIMARY KEY(oid, idx)) WITHOUT ROWID",
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

/* Layouts 1-3 kept the blocks' bytes in the blocks table: they move to
 * slots of the block file, each with its block_use row (layout 1 had
 * none); synced before the migration commits. */
static int blocks_to_slots(sqlite3 *db)
{
	sqlite3_stmt *st = NULL, *use = NULL;
	int64_t n = 0, bytes = 0;
	int rc;

	if ((rc = slots_load(db)))
		return rc;
	if (sqlite3_prepare_v2(db, "SELECT oid, idx, data FROM blocks", -1, &st, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO block_use(oid, idx, atime, size, slot)"
			       " VALUES(?1,?2,0,?3,?4) ON CONFLICT(oid, idx) DO UPDATE SET"
			       " size=excluded.size, slot=excluded.slot", -1, &use, NULL) !=
	    SQLITE_OK) {
		rc = db_fail(db, "moving blocks to the block file");
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *data = sqlite3_column_blob(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		int64_t slot = slot_alloc();
		if (slot < 0) {
			rc = (int)slot;
			goto out;
		}
		if (len > DB_BLOCK_BYTES)
			continue;   /* not a block this layout can hold */
		if ((rc = slot_write(slot, data, len)))
			goto out;
		sqlite3_reset(use);
		sqlite3_bind_int64(use, 1, sqlite3_column_int64(st, 0));
		sqlite3_bind_int64(use, 2, sqlite3_column_int64(st, 1));
		sqlite3_bind_int64(use, 3, (int64_t)len);
		sqlite3_bind_int64(use, 4, slot);
		if (sqlite3_step(use) != SQLITE_DONE) {
			rc = db_fail(db, "moving blocks to the block file");
			goto out;
		}
		n++;
		bytes += (int64_t)len;
	}
	rc = rc == SQLITE_DONE ? 0 : db_fail(db, "moving blocks to the block file");
	if (!rc && sqlite3_exec(db, "DELETE FROM block_use WHERE slot < 0", NULL, NULL, NULL) !=
	    SQLITE_OK)
		rc = db_fail(db, "moving blocks to the block file");
	if (!rc && fdatasync(blk_fd) != 0)
		rc = file_fail("syncing", blocks_path, errno);
	if (!rc)
		vo_info("%s: %" PRId64 " stored blocks (%" PRId64 " bytes) moved to %s", db_path,
			n, bytes, blocks_path);
out:
	sqlite3_finalize(st);
	sqlite3_finalize(use);
	return rc;
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
	/* layout 4: the blocks' bytes go to the block file (synced before the
	 * COMMIT that drops them from the database); block rows carry their
	 * slot and a sync sequence */
	if (from >= 1 && from < 4 && !has_column(db, "block_use", "seq") &&
	    sqlite3_exec(db, "ALTER TABLE block_use ADD COLUMN seq INTEGER NOT NULL DEFAULT 0",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (from >= 1 && from < 4 && !has_column(db, "block_use", "slot") &&
	    sqlite3_exec(db, "ALTER TABLE block_use ADD COLUMN slot INTEGER NOT NULL DEFAULT -1",
			 NULL, NULL, NULL) != SQLITE_OK)
		goto fail;
	if (from >= 1 && from < 4 && has_column(db, "blocks", "data") &&
	    (blocks_to_slots(db) || sqlite3_exec(db, "DROP TABLE blocks", NULL, NULL,
						 NULL) != SQLITE_OK))
		goto fail;
	/* layout 5: the signature of the inputs a result was made from */
	if (from >= 1 && from < 5 && !has_column(db, "queries", "inputs") &&
	    sqlite3_exec(db, "ALTER TABLE queries ADD COLUMN inputs TEXT", NULL, NULL,
			 NULL) != SQLITE_OK)
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

/* Columns that older vofs of the same layout ignore come without a layout
 * version (such a vofs keeps using the store): added when missing.
 *   queries.adopted  the job at job_url was written to queries/<q>/job,
 *                    not created by vofs (it is never deleted) */
static int add_columns(sqlite3 *db)
{
	if (!has_column(db, "queries", "adopted") &&
	    sqlite3_exec(db, "ALTER TABLE queries ADD COLUMN adopted INTEGER NOT NULL DEFAULT 0",
			 NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, "adding queries.adopted");
	return 0;
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
	if ((rc = blocks_open(path, version == 0)))
		return rc;
	for (size_t i = 0; i < sizeof schema / sizeof schema[0]; i++)
		if (sqlite3_exec(c->db, schema[i], NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, schema[i]);
	if (version < DB_SCHEMA_VERSION && (rc = migrate(c->db, version)))
		return rc;
	if ((rc = add_columns(c->db)))
		return rc;
	for (size_t i = 0; i < sizeof indexes / sizeof indexes[0]; i++)
		if (sqlite3_exec(c->db, indexes[i], NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(c->db, indexes[i]);
	return blocks_recover(c->db);
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
	/* where this thread may write (no writer, or it is the writer): the
	 * blocks are synced and the store marked clean; else the writer did
	 * that as it ended */
	if (tl_conn && on_writer() && !sqlite3_db_readonly(tl_conn->db, "main"))
		db_mark_clean();
	db_close_thread();
	free(db_path);
	db_path = NULL;
	blocks_close();
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

/* --- the block file ------------------------------------------------------------------
 * The bytes of stored blocks live in one file, <db>.blocks, in slots of
 * DB_BLOCK_BYTES; a block_use row names the slot of a block.  No page of
 * the database is written twice for them (WAL, then the database file),
 * no file is created per object, and readers share one descriptor.
 *
 * - The writer writes a block's bytes into a free slot before the
 *   transaction that adds its row commits: a row never names bytes that
 *   are not in the file.  A transaction that fails gives its slots back.
 * - A reader reads the slot, then checks the row still names that slot: a
 *   slot is only ever reused after the row that named it is gone.
 * - Power loss: neither the rows nor the file are synced at each commit
 *   (that would hold every download to the disk's speed).  Each row
 *   carries the sync sequence it was written in; db_blocks_sync() syncs
 *   the file system and records the sequence as synced (the store's writer
 *   calls it when idle; db_mark_clean at unmount).  A store opened after a
 *   mount that did not end cleanly drops the rows written after the last
 *   sync.  A slot freed (its row deleted) is reused, and its disk space
 *   given back (a hole), only after the next sync: until then a power loss
 *   could bring the deleted row back, and it must find its bytes. */

/* Slots (writer only): used ones in a bitmap; freed ones wait in
 * 'released' for the next sync, those of the open transaction in 'txn_free'
 * (they become released at COMMIT) and 'txn_new' (given back at ROLLBACK). */
struct slots {
	int64_t *v;
	size_t n, cap;
};
static uint64_t *slot_bits;
static int64_t slot_nbits;
static struct slots txn_new, txn_free, released;
#define MAX_DEPTH 8
static size_t mark_new[MAX_DEPTH], mark_free[MAX_DEPTH];

static int file_fail(const char *what, const char *path, int err)
{
	vo_error("cache: %s %s: %s", what, path, strerror(err));
	return err == ENOSPC || err == EDQUOT ? -ENOSPC : -EIO;
}

static int slots_add(struct slots *l, int64_t slot)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		int64_t *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = slot;
	return 0;
}

static int slot_set(int64_t slot, int used)
{
	if (slot >= slot_nbits) {
		int64_t nbits = slot_nbits ? slot_nbits : 4096;
		uint64_t *b;
		while (nbits <= slot)
			nbits *= 2;
		if (!(b = realloc(slot_bits, (size_t)nbits / 8)))
			return -ENOMEM;
		memset(b + slot_nbits / 64, 0, (size_t)(nbits - slot_nbits) / 8);
		slot_bits = b;
		slot_nbits = nbits;
	}
	if (used)
		slot_bits[slot / 64] |= (uint64_t)1 << (slot % 64);
	else
		slot_bits[slot / 64] &= ~((uint64_t)1 << (slot % 64));
	return 0;
}

/* The lowest free slot, marked used and noted in txn_new: >= 0, or -errno */
static int64_t slot_alloc(void)
{
	int64_t w = 0, slot;

	while (w < slot_nbits / 64 && slot_bits[w] == ~(uint64_t)0)
		w++;
	slot = w < slot_nbits / 64 ? w * 64 + __builtin_ctzll(~slot_bits[w]) : slot_nbits;
	if (slot_set(slot, 1) || slots_add(&txn_new, slot))
		return -ENOMEM;
	return slot;
}

static int slot_write(int64_t slot, const void *data, size_t len)
{
	off_t at = (off_t)(slot * (int64_t)DB_BLOCK_BYTES);

	for (size_t done_n = 0; done_n < len;) {
		ssize_t w = pwrite(blk_fd, (const char *)data + done_n, len - done_n,
				   at + (off_t)done_n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return file_fail("writing", blocks_path, w < 0 ? errno : ENOSPC);
		done_n += (size_t)w;
	}
	return 0;
}

/* The used slots are those the rows name (after blocks_recover dropped
 * what it drops). */
static int slots_load(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc;

	free(slot_bits);
	slot_bits = NULL;
	slot_nbits = 0;
	txn_new.n = txn_free.n = released.n = 0;
	if (sqlite3_prepare_v2(db, "SELECT slot FROM block_use WHERE slot >= 0", -1, &st,
			       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return 0;   /* an old layout's table: the migration calls again */
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (slot_set(sqlite3_column_int64(st, 0), 1)) {
			sqlite3_finalize(st);
			return -ENOMEM;
		}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : db_fail(db, "reading the block slots");
}

/* rows written since the last db_blocks_sync (writer only) */
static int blocks_dirty;

int db_blocks_sync(void)
{
	int64_t seq = __atomic_load_n(&sync_seq, __ATOMIC_RELAXED);
	int rc;

	if (blk_fd < 0 || (!blocks_dirty && !released.n))
		return 0;
	if (syncfs(blk_fd) != 0)
		return file_fail("syncing", blocks_path, errno);
	/* rows from here on belong to the next sync */
	__atomic_store_n(&sync_seq, seq + 1, __ATOMIC_RELAXED);
	blocks_dirty = 0;
	/* the deletions that freed these slots are on the disk now: the slots
	 * can be reused, and their space is given back meanwhile */
	for (size_t i = 0; i < released.n; i++) {
		static int warned;
		if (fallocate(blk_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			      (off_t)(released.v[i] * (int64_t)DB_BLOCK_BYTES),
			      (off_t)DB_BLOCK_BYTES) != 0 && !warned++)
			vo_warn("cache: %s: evicted blocks' disk space is not given back (%s);"
				" it is reused by new blocks", blocks_path, strerror(errno));
		slot_set(released.v[i], 0);
	}
	released.n = 0;
	rc = WEXEC("INSERT OR REPLACE INTO meta VALUES('blocks_synced', ?1)", "block sync",
		   WI(seq));
	return rc;
}

int db_mark_clean(void)
{
	int rc = db_blocks_sync();

	if (!rc)
		rc = WEXEC("INSERT OR REPLACE INTO meta VALUES('clean', 1)", "clean mark", WI(0));
	return rc;
}

static int64_t meta_int(sqlite3 *db, const char *key, int64_t dflt)
{
	sqlite3_stmt *st = NULL;
	int64_t v = dflt;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?1", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
	}
	sqlite3_finalize(st);
	return v;
}

/* db_open: after a mount that did not end with db_mark_clean (killed, a
 * crash, a power loss), the rows of blocks stored after the last sync go:
 * their bytes may not have reached the disk.  Then the slots in use are
 * read, and this mount is marked not clean until it ends. */
static int blocks_recover(sqlite3 *db)
{
	int64_t synced = meta_int(db, "blocks_synced", 0);
	sqlite3_stmt *st = NULL;
	char sql[160];
	int rc = 0;

	if (meta_int(db, "clean", 1) == 0) {
		snprintf(sql, sizeof sql, "DELETE FROM block_use WHERE seq > %" PRId64, synced);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(db, "dropping unsynced blocks");
		if (sqlite3_changes(db) > 0)
			vo_warn("%s: the last mount did not end cleanly: %d blocks stored after its"
				" last sync are dropped (their bytes may not be on the disk);"
				" they are fetched again when read", db_path, sqlite3_changes(db));
	}
	if (sqlite3_prepare_v2(db, "SELECT coalesce(max(seq), 0) FROM block_use", -1, &st,
			       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		int64_t m = sqlite3_column_int64(st, 0);
		__atomic_store_n(&sync_seq, (m > synced ? m : synced) + 1, __ATOMIC_RELAXED);
	} else {
		rc = db_fail(db, "reading the block sync sequence");
	}
	sqlite3_finalize(st);
	blocks_dirty = 0;
	if (!rc)
		rc = slots_load(db);
	if (!rc && sqlite3_exec(db, "INSERT OR REPLACE INTO meta VALUES('clean', 0)", NULL, NULL,
				NULL) != SQLITE_OK)
		rc = db_fail(db, "marking the store in use");
	return rc;
}

/* db_open: the block file; a new store starts with an empty one */
static int blocks_open(const char *path, int new_store)
{
	if (blk_fd >= 0)
		close(blk_fd);
	free(blocks_path);
	if (asprintf(&blocks_path, "%s.blocks", path) < 0) {
		blocks_path = NULL;
		return -ENOMEM;
	}
	blk_fd = open(blocks_path, O_RDWR | O_CREAT | O_CLOEXEC | (new_store ? O_TRUNC : 0), 0600);
	if (blk_fd < 0)
		return file_fail("opening", blocks_path, errno);
	return 0;
}

static void blocks_close(void)
{
	if (blk_fd >= 0)
		close(blk_fd);
	blk_fd = -1;
	free(blocks_path);
	blocks_path = NULL;
	free(slot_bits);
	slot_bits = NULL;
	slot_nbits = 0;
	free(txn_new.v);
	free(txn_free.v);
	free(released.v);
	txn_new = txn_free = released = (struct slots){0};
}

/* the transaction's slot lists at BEGIN, COMMIT and ROLLBACK (any depth) */
static void slots_begin(int depth)
{
	if (depth < MAX_DEPTH) {
		mark_new[depth] = txn_new.n;
		mark_free[depth] = txn_free.n;
	}
}

static void slots_commit(void)
{
	static int warned;

	/* freed slots wait for the next sync; the new ones are the rows' now */
	for (size_t i = 0; i < txn_free.n; i++)
		if (slots_add(&released, txn_free.v[i]) && !warned++)
			vo_warn("cache: out of memory: a freed block slot is not reused");
	txn_free.n = 0;
	txn_new.n = 0;
	/* many slots waiting: sync now rather than let the file grow */
	if ((int64_t)released.n * (int64_t)DB_BLOCK_BYTES >= ((int64_t)256 << 20))
		db_blocks_sync();
}

static void slots_rollback(int depth)
{
	size_t keep_new = depth < MAX_DEPTH ? mark_new[depth] : txn_new.n;
	size_t keep_free = depth < MAX_DEPTH ? mark_free[depth] : txn_free.n;

	if (depth == 0)
		keep_new = keep_free = 0;
	for (size_t i = keep_new; i < txn_new.n; i++)
		slot_set(txn_new.v[i], 0);   /* no row names them */
	txn_new.n = keep_new;
	txn_free.n = keep_free;          /* their rows are back */
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

	if (!rc) {
		slots_begin(tl_depth);
		tl_depth++;
	}
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
	if (!rc)
		slots_commit();
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
		slots_rollback(tl_depth);
		return rc;
	}
	tl_depth = 0;
	slots_rollback(0);
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
	free(q->inputs);
	memset(q, 0, sizeof *q);
}

int db_query_load_all(int (*cb)(void *ud, struct db_query *q), void *ud)
{
	sqlite3_stmt *st = stmt(
		"SELECT id, service, name, adql, maxrec, phase, job_url, error, nrows,"
		" csv_size, vot_size, rid, overflow, created, started, finished, cutout,"
		" inputs, adopted FROM queries ORDER BY id");
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
			.inputs = col_dup(st, 17),
			.adopted = sqlite3_column_int(st, 18),
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
		     " started=?13, finished=?14, name=?15, cutout=?16, inputs=?17, adopted=?18"
		     " WHERE id=?1",
		     "query save",
		     WI(q->id), WT(q->adql), WT(q->maxrec), WT(q->phase), WT(q->job_url),
		     WT(q->error), WI(q->nrows), WI(q->csv_size), WI(q->vot_size), WI(q->rid),
		     WI(q->overflow), WD(q->created), WD(q->started), WD(q->finished),
		     WT(q->name), WT(q->cutout), WT(q->inputs), WI(q->adopted));
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

/* the slot of oid's block idx: >= 0, -ENOENT, or -errno */
static int64_t block_slot(int64_t oid, int64_t idx, int64_t *size)
{
	sqlite3_stmt *st = stmt_block("SELECT slot, size FROM block_use WHERE oid=?1 AND idx=?2",
				      oid, idx);
	int64_t slot;
	int rc;

	if (!st)
		return -EIO;
	if ((rc = step_row(st, "block find")))
		return rc;
	slot = sqlite3_column_int64(st, 0);
	if (size)
		*size = sqlite3_column_int64(st, 1);
	done(st);
	return slot;
}

int db_block_put(int64_t oid, int64_t idx, const void *data, size_t len, int64_t atime)
{
	sqlite3_stmt *st;
	int64_t slot, old;
	int rc;

	if (len > DB_BLOCK_BYTES || blk_fd < 0)
		return -EINVAL;
	/* stored again (in a new slot: a reader may be in the old one) */
	if ((old = block_slot(oid, idx, NULL)) >= 0 && (rc = slots_add(&txn_free, old)))
		return rc;
	if (old < 0 && old != -ENOENT)
		return (int)old;
	if ((slot = slot_alloc()) < 0)
		return (int)slot;
	if ((rc = slot_write(slot, data, len)))
		return rc;
	st = stmt_block("INSERT OR REPLACE INTO block_use(oid, idx, atime, size, seq, slot)"
			" VALUES(?1,?2,?3,?4,?5,?6)", oid, idx);
	if (!st)
		return -EIO;
	sqlite3_bind_int64(st, 3, atime);
	sqlite3_bind_int64(st, 4, (int64_t)len);
	sqlite3_bind_int64(st, 5, __atomic_load_n(&sync_seq, __ATOMIC_RELAXED));
	sqlite3_bind_int64(st, 6, slot);
	blocks_dirty = 1;
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
	int64_t size, slot = block_slot(oid, idx, &size), again;
	off_t at;
	size_t got = 0;

	if (slot < 0)
		return slot == -ENOENT ? -ENOENT : (ssize_t)slot;
	if ((int64_t)off >= size)
		return 0;
	if ((int64_t)n > size - (int64_t)off)
		n = (size_t)(size - (int64_t)off);
	at = (off_t)(slot * (int64_t)DB_BLOCK_BYTES + (int64_t)off);
	while (got < n) {
		ssize_t r = pread(blk_fd, (char *)buf + got, n - got, at + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return file_fail("reading", blocks_path, errno);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	/* the row after the bytes: a slot is reused only once the row that
	 * named it is gone, so if it still names this slot, the bytes are its */
	if ((again = block_slot(oid, idx, NULL)) != slot)
		return again < 0 && again != -ENOENT ? (ssize_t)again : -ENOENT;
	if (got < n) {
		vo_warn("cache: %s: block %" PRId64 " of object %" PRId64 " has %zu of its %zu"
			" bytes; it is fetched again", blocks_path, idx, oid, got, n);
		return -ENOENT;
	}
	return (ssize_t)n;
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
	int64_t slot = block_slot(oid, idx, NULL);
	sqlite3_stmt *st;
	int rc;

	if (slot == -ENOENT)
		return 0;
	if (slot < 0)
		return (int)slot;
	st = stmt_block("DELETE FROM block_use WHERE oid=?1 AND idx=?2", oid, idx);
	if (!st)
		return -EIO;
	if ((rc = step_done(st, "block delete")))
		return rc;
	return slots_add(&txn_free, slot);   /* free after COMMIT and a sync */
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
	if (!(st = stmt("SELECT slot FROM block_use WHERE oid=?1")))
		return -EIO;
	sqlite3_bind_int64(st, 1, oid);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = slots_add(&txn_free, sqlite3_column_int64(st, 0)))) {
			done(st);
			return rc;
		}
	rc = rc == SQLITE_DONE ? 0 : db_fail(cur_db(), "object blocks");
	done(st);
	if (rc)
		return rc;
	return exec_id("DELETE FROM block_use WHERE oid=?1", oid, "object use drop");
}
