/* fs/db.h - the SQLite metadata and result store (the only file that opens
 * the database).
 *
 * One connection per thread, opened on first use, in WAL mode: readers
 * never wait for a writer.  Every function returns 0 or a negative errno
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
/* Replace the whole list in one transaction.  Columns and samples already
 * fetched for tables that still exist are kept. */
int db_tables_begin(const char *svc);
int db_tables_add(const char *svc, const struct db_table_row *t);
int db_tables_commit(const char *svc, int ok);
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

/* Examples. */
int db_examples_replace_begin(const char *svc);
int db_example_add(const char *svc, const char *name, const char *adql);
int db_examples_commit(const char *svc, int ok);
int db_example_list(const char *svc, int (*cb)(void *ud, const char *name), void *ud);
int db_example_get(const char *svc, const char *name, struct vo_buf *out);

/* Saved queries: the persistent part of struct query (fs/query.h). */
struct db_query {
	int64_t id;
	char *service, *name, *adql, *maxrec, *phase, *job_url, *error;
	int64_t nrows, csv_size, vot_size, gen;
	int overflow;
	double created, started, finished;
};
void db_query_clear(struct db_query *q);
int db_query_load_all(int (*cb)(void *ud, struct db_query *q), void *ud);
int db_query_insert(const char *svc, const char *name, double created, int64_t *id);
int db_query_save(const struct db_query *q);     /* by id */
int db_query_delete(int64_t id);                 /* with its result */

/* Results. */
struct db_page {
	int64_t page, first_row, nrows, csv_off, vot_off;
};
/* Drop the stored result of a query (before a new run). */
int db_result_drop(int64_t qid);
/* The same in a transaction of its own. */
int db_result_drop_txn(int64_t qid);
/* Field names and the pieces that make the VOTable head, per query. */
int db_result_set_meta(int64_t qid, const void *meta, size_t len);
int db_result_get_meta(int64_t qid, struct vo_buf *out);
int db_result_add_page(int64_t qid, const struct db_page *p, const void *data,
		       size_t len);
/* The page holding byte off of the CSV (kind 0) or VOTable (kind 1) body. */
int db_result_find_page(int64_t qid, int kind, int64_t off, struct db_page *p,
			struct vo_buf *data);
/* Pages in order, for rows (products in a later step). */
int db_result_get_page(int64_t qid, int64_t page, struct db_page *p,
		       struct vo_buf *data);
/* Transactions around bulk writes from one thread. */
int db_begin(void);
int db_commit(void);
int db_rollback(void);

#endif
