/* fs/db.h - the SQLite metadata and result store (the only file that opens
 * the database).
 *
 * One connection per thread, opened on first use, in WAL mode: readers
 * never wait for a writer, and there is one writer (db_set_writer below).  Every function returns 0 or a negative errno
 * (-EIO for SQLite errors, with a log line naming the statement).  Blobs
 * returned through struct vo_buf are copies owned by the caller.
 *
 * What is stored: services' capabilities, table lists, columns and samples,
 * examples; saved queries with their state; results as pages of encoded
 * rows (see fs/result.c) with the offsets of each page in the CSV and
 * VOTable renderings, so a read at any offset finds its page with one
 * indexed look-up.
 */
#ifndef FS_DB_H
#define FS_DB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

int db_open(const char *path);   /* creates the schema; once, at mount */
void db_close_thread(void);      /* release this thread's connection */
void db_close(void);

/* A small key/value area per service: "caps_xml", "about", "caps_at",
 * "caps_error", "tables_at", "tables_error", "examples_at" ... */
int db_svc_get(const char *svc, const char *key, struct vo_buf *out);
int db_svc_set(const char *svc, const char *key, const void *val, size_t len);
int db_svc_del(const char *svc, const char *key);

/* Tables of a service. */
struct db_table_row {
	const char *name, *description, *title, *type;
};
/* Replace the whole list in one short transaction (the list is in memory:
 * no transaction waits on the network).  Columns and samples already
 * fetched for tables that still exist are kept; columns_csv[i] (may be
 * NULL) replaces table i's columns when the list came with them. */
int db_tables_replace(const char *svc, const struct db_table_row *t,
		      const struct vo_buf *columns_csv, size_t n);
/* -ENOENT when absent */
int db_table_exists(const char *svc, const char *name);
int db_table_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud);
int db_table_count(const char *svc, long long *n);
/* field: "description", "columns_csv", "sample_csv", "columns_error",
 * "sample_error".  -ENODATA when the table exists but the field is NULL. */
int db_table_get(const char *svc, const char *name, const char *field,
		 struct vo_buf *out);
int db_table_set(const char *svc, const char *name, const char *field,
		 const void *val, size_t len);

/* Examples: the whole set replaced in one short transaction. */
struct db_example {
	const char *name, *adql;
};
int db_examples_replace(const char *svc, const struct db_example *ex, size_t n);
int db_example_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud);
int db_example_get(const char *svc, const char *name, struct vo_buf *out);

/* Saved queries: the persistent part of struct query (fs/query.h). */
struct db_query {
	int64_t id;
	char *service, *name, *adql, *maxrec, *phase, *job_url, *error;
	char *cutout;        /* SODA POS for the products' cutout.fits, or NULL */
	char *inputs;        /* the signature of the upload/ tables the current
	                      * result was made from (fs/inputs.h), or NULL */
	int64_t nrows, csv_size, vot_size;
	int64_t rid;         /* the current result generation, 0: none */
	int overflow;
	double created, started, finished;
	int adopted;         /* job_url was adopted (queries/<q>/job), not created */
};
void db_query_clear(struct db_query *q);
int db_query_load_all(int (*cb)(void *ud, struct db_query *q), void *ud);
int db_query_insert(const char *svc, const char *name, double created, int64_t *id);
int db_query_save(const struct db_query *q);     /* by id */
int db_query_delete(int64_t id);                 /* the row; results go by rid */

/* Results. */
struct db_page {
	int64_t page, first_row, nrows, csv_off, vot_off;
};
/* Result generations: every run stores into a new rid (never reused);
 * pages, meta, products and links are keyed by it.  fs/query.c decides
 * when one is dropped (no query holds it and no reader pins it). */
int db_result_new(int64_t qid, int64_t *rid);
/* Drop one generation with its pages, products and links. */
int db_result_drop(int64_t rid);
/* Empty it, keeping its id (a new attempt of the same run). */
int db_result_clear(int64_t rid);
/* The same in a transaction of its own. */
int db_result_drop_txn(int64_t rid);
/* At mount: drop the generations no query holds (a crash's leftovers,
 * superseded ones still open at unmount). */
int db_results_gc(void);
/* Field names and the pieces that make the VOTable head, per result. */
int db_result_set_meta(int64_t rid, const void *meta, size_t len);
int db_result_get_meta(int64_t rid, struct vo_buf *out);
int db_result_add_page(int64_t rid, const struct db_page *p, const void *data,
		       size_t len);
/* The page holding byte off of the CSV (kind 0) or VOTable (kind 1) body. */
int db_result_find_page(int64_t rid, int kind, int64_t off, struct db_page *p,
			struct vo_buf *data);
/* Pages in order, for rows (products in a later step). */
int db_result_get_page(int64_t rid, int64_t page, struct db_page *p,
		       struct vo_buf *data);
/* Products of a result (fs/products.c).  kind: 0 a file (url is the
 * product), 1 a DataLink directory (url the DataLink document, or dl_base
 * + dl_id an endpoint and ID to batch).  state of a directory: 0 links not
 * fetched yet, 1 fetched, 2 failed (error says why). */
struct db_product {
	int64_t rid, seq;
	char *name;
	int kind;
	char *url, *dl_base, *dl_id, *obs_id, *ctype;
	int state;
	char *error;
	char *soda_url;   /* SODA sync URL without POS, or NULL */
};
struct db_link {
	char *name, *url, *semantics, *ctype, *description;
};
void db_product_clear(struct db_product *p);
void db_link_clear(struct db_link *l);
int db_product_add(const struct db_product *p);
int db_product_get(int64_t rid, const char *name, struct db_product *p);
/* cb gets a borrowed row (cleared after the call); non-zero stops */
int db_product_list(int64_t rid, int (*cb)(void *ud, struct db_product *p), void *ud);
int db_product_list_unresolved(int64_t rid, int (*cb)(void *ud, struct db_product *p),
			       void *ud);
int db_product_count(int64_t rid, int64_t *n);
/* URLs of up to n file products named after name, in name order. */
int db_product_next_urls(int64_t rid, const char *name, int n,
			 int (*cb)(void *ud, const char *url), void *ud);
int db_link_next_urls(int64_t rid, int64_t pseq, const char *name, int n,
		      int (*cb)(void *ud, const char *url), void *ud);
int db_product_resolved(int64_t rid, int64_t seq, int state, const char *error,
			const char *soda_url, const void *links_csv, size_t csv_len);
/* the state of product seq, -ENOENT when it is gone (a new result) */
int db_product_state(int64_t rid, int64_t seq);
int db_product_links_csv(int64_t rid, int64_t seq, struct vo_buf *out);
int db_link_add(int64_t rid, int64_t pseq, const struct db_link *l);
int db_link_get(int64_t rid, int64_t pseq, const char *name, struct db_link *l);
int db_link_list(int64_t rid, int64_t pseq, int (*cb)(void *ud, struct db_link *l), void *ud);

/* Block cache (fs/cache.c).  An object is a URL; size -1 while unknown;
 * ranges 1 when the server honours Range, 0 when it does not, -1 unknown.
 * A block's bytes are in the object's block file (<db>.blocks/), written
 * and synced before the transaction that adds its block_use row commits,
 * so a block that exists is complete.  Block idx covers the bytes from
 * idx * DB_BLOCK_BYTES. */
#define DB_BLOCK_BYTES ((size_t)256 << 10)
struct db_obj {
	int64_t oid, size;
	double mtime;
	char ctype[128];
	char etag[256];     /* the validators the blocks were fetched under: */
	int64_t last_modified;   /* ETag ("" none), Last-Modified (-1 none) */
	int ranges;
};
int db_obj_get(const char *url, struct db_obj *o);          /* -ENOENT */
int db_obj_ensure(const char *url, struct db_obj *o);       /* creates */
int db_obj_update(const struct db_obj *o);
int db_block_put(int64_t oid, int64_t idx, const void *data, size_t len, int64_t atime);
/* every block of oid used at atime (the engine keeps access times in
 * memory and hands them to the writer) */
int db_obj_touch(int64_t oid, int64_t atime);
/* the indexes of oid's stored blocks (cb non-zero stops) */
int db_block_list(int64_t oid, int (*cb)(void *ud, int64_t idx), void *ud);
/* Copy bytes [off, off+n) of a block into buf: bytes copied (short at the
 * block's end), -ENOENT when the block is absent. */
ssize_t db_block_read(int64_t oid, int64_t idx, size_t off, void *buf, size_t n);
int db_block_exists(int64_t oid, int64_t idx);              /* 1, 0 or -errno */
int db_blocks_total(int64_t *bytes);
/* Least recently used blocks first. */
int db_block_oldest(int limit, int (*cb)(void *ud, int64_t oid, int64_t idx, int64_t size),
		    void *ud);
int db_block_delete(int64_t oid, int64_t idx);
int db_obj_drop_blocks(int64_t oid, int64_t *freed);

/* Sync the block files' file system, then record every block row written
 * so far as synced (the writer, when idle).  A store opened after a mount
 * that did not end with db_mark_clean drops the rows stored after the
 * last sync: a power loss may have lost their bytes. */
int db_blocks_sync(void);
/* db_blocks_sync, then mark the store as cleanly closed (the writer, as it
 * ends; db_close where it can write). */
int db_mark_clean(void);

/* Copy the WAL into the database (passive: never waits for readers);
 * truncate: then cut the WAL file to nothing if no reader is in it.  No
 * connection does it on its own; the store's writer calls it. */
int db_checkpoint(int truncate);

/* The one writer.  Once db_set_writer() has named it, every write runs on
 * the writer's connection: the functions above that write hand themselves
 * over with db_write() and wait for the result, and the connections of all
 * other threads are opened read-only.  call(ctx, fn, arg) must run fn(arg)
 * on the writer's thread (which called db_writer_thread() first) and
 * return its result; db_set_writer(NULL, NULL) ends it (writes then run in
 * place again, as they do before a writer exists).  db_write runs fn in
 * place on the writer's thread or when there is no writer. */
typedef int db_write_fn(void *arg);
typedef int db_writer_call(void *ctx, db_write_fn *fn, void *arg);
void db_set_writer(db_writer_call *call, void *ctx);
void db_writer_thread(void);
int db_write(db_write_fn *fn, void *arg);
/* db_write of fn inside one transaction (a savepoint when one is open):
 * committed when fn returns 0, rolled back otherwise. */
int db_write_txn(db_write_fn *fn, void *arg);
/* For tests: 1 when this thread's connection is read-only. */
int db_conn_readonly(void);

/* Transactions around bulk writes: only inside a db_write function (or
 * with no writer); elsewhere -EPERM with a log line. */
int db_begin(void);
int db_commit(void);
int db_rollback(void);

#endif
