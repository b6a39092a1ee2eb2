/* fs/scratch.h - what a query directory holds besides the query's own
 * files, in memory only: the temporary files editors and tools make
 * beside the file they save (sed -i's sedXXXXXX, Python's tmpXXXXXXXX,
 * vim's .query.adql.swp, 4913 and query.adql~), and the removal mark that
 * `rm -r` of a query sets by unlinking query.adql.
 *
 * Nothing here is stored: temporary files die with the query (rmdir,
 * rm -r) and with the mount.  Queries are named by service and query
 * name, as in query.h; scratch.c knows nothing of FUSE, the store or the
 * query list (the caller checks that the query exists).
 *
 * A scratch_file is reference-counted: the table holds one reference
 * while the name exists, each open handle one more, so a file unlinked
 * or renamed over while open keeps its bytes until the last close.  All
 * functions return 0 (or a count) or a negative errno.
 */
#ifndef FS_SCRATCH_H
#define FS_SCRATCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define SCRATCH_FILE_MAX ((size_t)4 << 20)    /* one file: EFBIG beyond */
#define SCRATCH_QUERY_MAX ((size_t)16 << 20)  /* one query's files together: ENOSPC */
#define SCRATCH_QUERY_FILES 64                /* files in one query: ENOSPC beyond */
/* The removal mark lapses this long after the last removal in the query
 * (rm -r takes milliseconds; `rm q/query.adql` alone must not hide the
 * query's text for ever). */
#define SCRATCH_REMOVE_TTL_US ((int64_t)30 * 1000000)

struct scratch_file;

struct scratch_stat {
	size_t size;
	unsigned mode;       /* permission bits as created or chmod'ed */
	double mtime;        /* wall-clock seconds */
};

/* Create name; -EEXIST when it exists.  *out (may be NULL) gets a
 * reference to release with scratch_put. */
int scratch_create(const char *svc, const char *q, const char *name, unsigned mode,
		   struct scratch_file **out);
/* A reference to an existing file; -ENOENT. */
int scratch_open(const char *svc, const char *q, const char *name,
		 struct scratch_file **out);
void scratch_put(struct scratch_file *f);   /* NULL is fine */

ssize_t scratch_read(struct scratch_file *f, char *buf, size_t size, off_t off);
/* -EFBIG past SCRATCH_FILE_MAX, -ENOSPC past SCRATCH_QUERY_MAX; a hole is
 * filled with NUL bytes. */
ssize_t scratch_write(struct scratch_file *f, const char *data, size_t size, off_t off);
int scratch_truncate(struct scratch_file *f, off_t size);
void scratch_fstat(struct scratch_file *f, struct scratch_stat *st);

/* By name: -ENOENT when the file does not exist. */
int scratch_stat(const char *svc, const char *q, const char *name, struct scratch_stat *st);
int scratch_chmod(const char *svc, const char *q, const char *name, unsigned mode);
int scratch_touch(const char *svc, const char *q, const char *name, double mtime);
int scratch_unlink(const char *svc, const char *q, const char *name);
/* Move a file to another name (in the same or another query); an
 * existing target is replaced, unless noreplace (-EEXIST). */
int scratch_rename(const char *svc, const char *q, const char *from,
		   const char *tsvc, const char *tq, const char *to, int noreplace);
/* A copy of the file's bytes in out (reset first). */
int scratch_contents(const char *svc, const char *q, const char *name, struct vo_buf *out);
/* Create or replace name with these bytes (a backup made by renaming a
 * query file). */
int scratch_set(const char *svc, const char *q, const char *name, const char *data,
		size_t len, unsigned mode);
/* cb(ud, name) for each file, under the module's lock (cb must not call
 * scratch_*); the first non-zero return ends the walk and is returned. */
int scratch_list(const char *svc, const char *q, int (*cb)(void *ud, const char *name),
		 void *ud);

/* The query is gone (rmdir) or new (mkdir): forget its files and mark. */
void scratch_forget_query(const char *svc, const char *q);
/* The query directory was renamed: its files and mark follow it. */
void scratch_rename_query(const char *svc, const char *from, const char *to);

/* The removal mark.  Items are small numbers (< 32) chosen by the caller:
 * the query's files that `rm -r` has unlinked so far, which the caller
 * then treats as absent.  scratch_remove_item marks the query (or renews
 * its mark) and hides the item; marked/hidden say whether the mark is in
 * force (it lapses SCRATCH_REMOVE_TTL_US after the last removal, and then
 * every item is back); scratch_unmark ends it at once.  SCRATCH_NO_ITEM
 * only marks or renews. */
#define SCRATCH_NO_ITEM 32u
void scratch_remove_item(const char *svc, const char *q, unsigned item);
int scratch_marked(const char *svc, const char *q);
int scratch_hidden(const char *svc, const char *q, unsigned item);
void scratch_unmark(const char *svc, const char *q);

/* For tests: the monotonic clock the mark lapses on (NULL: the real one). */
void scratch_set_clock(int64_t (*now_us)(void));

/* Free everything (unmount); handles still open keep their files. */
void scratch_shutdown(void);

#endif
