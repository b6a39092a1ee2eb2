/* fs/uploads.h - the tables a query sends with its ADQL (TAP_UPLOAD),
 * the files of queries/<q>/upload/.
 *
 * Each query's tables live in a directory of the store,
 * <cache_dir>/uploads/<query id>/, so they survive a remount and follow a
 * renamed query; a symbolic link made there (ln -s) is a real symbolic
 * link in that directory, its target kept as written.  Names:
 *   <table>.csv, <table>.vot   a table sent as TAP_UPLOAD.<table>, where
 *                              <table> is an ADQL regular identifier
 *                              (vo_adql_table_name_ok)
 *   any other name             a temporary file (rsync's .name.XXXXXX,
 *                              sed -i's sedXXXXXX, vim's swap file and
 *                              4913): kept, never sent
 * A .csv or .vot name whose <table> is no ADQL identifier is -EINVAL, with
 * a log line naming the rule; a second file of one table (names compare
 * without case, as ADQL's do) is -EEXIST.
 *
 * Writes go to a private file (<cache_dir>/uploads/.pending/).  A close
 * (flush) after writes checks a table (CSV: every row as wide as the
 * header, UTF-8 text; VOTable: a document with a TABLE) and only then
 * puts it in place by rename: the name shows the file being written, but
 * a run never sends a half-written or invalid table.  A file growing past
 * the limit (-o upload_max) fails with -EFBIG at that write, and nothing
 * of it is kept.  A stored file is never written in place, so a run that
 * took it (a hard link in its run directory) sends one version whole.
 *
 * Queries are named by id (query_info's id); this module knows nothing of
 * the query list, FUSE or SQLite.  All functions return 0 (or a count)
 * or a negative errno.
 */
#ifndef FS_UPLOADS_H
#define FS_UPLOADS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#define UPLOAD_MAX_DEFAULT (64LL << 20)
#define UPLOAD_TABLE_MAX 64          /* bytes of a table name */

/* dir: the store's directory (cache_dir); max: -o upload_max in bytes */
int uploads_init(const char *dir, long long max);
long long uploads_max(void);

enum upload_kind { UPLOAD_CSV, UPLOAD_VOT, UPLOAD_TEMP };

/* What a file name of upload/ is: its kind and, for a table, the table
 * name in table (UPLOAD_TABLE_MAX + 1 bytes).  -EINVAL with the rule it
 * breaks in why. */
int uploads_name(const char *name, enum upload_kind *kind, char *table, char *why,
		 size_t wn);

/* The directory of a query exists (made on first use). */
int uploads_lstat(int64_t qid, const char *name, struct stat *st);
/* cb(ud, name) for each file, temporary ones included. */
int uploads_list(int64_t qid, int (*cb)(void *ud, const char *name), void *ud);
/* The number of files (0 without a directory, known without a system
 * call). */
int uploads_count(int64_t qid);

struct upload_fh;
/* flags as open(2): O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC.  Opening for
 * writing starts a private copy (of the stored file, unless O_TRUNC).
 * where: the file's path in the mount, for log lines (here and in the
 * other calls that take it). */
int uploads_open(int64_t qid, const char *name, const char *where, int flags, mode_t mode,
		 struct upload_fh **out);
ssize_t uploads_read(struct upload_fh *f, char *buf, size_t n, off_t off);
ssize_t uploads_write(struct upload_fh *f, const char *buf, size_t n, off_t off);
int uploads_ftruncate(struct upload_fh *f, off_t size);
int uploads_fstat(struct upload_fh *f, struct stat *st);
/* Check and store what was written since the last flush.  -EINVAL (bad
 * table; logged), -EFBIG (a write failed so), or the store's errno. */
int uploads_flush(struct upload_fh *f);
/* Stores what a last flush did not (logged on failure), and closes. */
void uploads_close(struct upload_fh *f);

int uploads_truncate(int64_t qid, const char *name, const char *where, off_t size);
int uploads_unlink(int64_t qid, const char *name);
/* Within one query's upload/; a stored table's content is checked when
 * it gets a table's name.  RENAME_NOREPLACE is honoured. */
int uploads_rename(int64_t qid, const char *from, const char *to, const char *where,
		   unsigned flags);
int uploads_symlink(int64_t qid, const char *target, const char *name, const char *where);
int uploads_readlink(int64_t qid, const char *name, char *buf, size_t n);
int uploads_chmod(int64_t qid, const char *name, mode_t mode);
int uploads_utimens(int64_t qid, const char *name, const struct timespec tv[2]);

/* The query is gone: its directory goes. */
void uploads_forget(int64_t qid);
/* At mount, once: directories of query ids not in ids[] (queries deleted
 * while unmounted, or by a crash) go, and so do files left by runs; the
 * others are remembered (uploads_count of a query without any asks the
 * disk nothing). */
void uploads_gc(const int64_t *ids, size_t n);

/* The tables of a query, sorted by name, for a run. */
struct upload_entry {
	char name[256];
	char table[UPLOAD_TABLE_MAX + 1];
	enum upload_kind kind;     /* UPLOAD_CSV or UPLOAD_VOT (by the name) */
	char *target;              /* a symbolic link's target, else NULL */
	char path[4096];           /* the stored file (a link: the link) */
	struct stat st;            /* lstat of it */
};
int uploads_entries(int64_t qid, struct upload_entry **out, size_t *n);
void uploads_entries_free(struct upload_entry *e, size_t n);

/* A directory for the files one run sends (made empty); run_done
 * removes it. */
int uploads_run_dir(int64_t rid, char *out, size_t n);
void uploads_run_done(int64_t rid);

/* Copy the whole of from (read from offset 0) to to: 0 or -errno. */
int uploads_copy_fd(int from, int to);

/* Check a table file: -EINVAL with the reason in why. */
int uploads_check(const char *path, enum upload_kind kind, char *why, size_t wn);

#endif
