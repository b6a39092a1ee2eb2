/* fs/result.h - storing a streamed result and rendering it as CSV,
 * VOTable or IPAC table.
 *
 * Rows arrive from the VOTable reader (vo/votable.h) and are stored in
 * pages of encoded cells (each cell: a varint of len+1, 0 for null, then
 * the bytes and a NUL).  While storing, the length of every row in both
 * renderings is counted, so each page records where it starts in
 * result.csv and result.vot: `ls -l` knows the exact sizes and a read at
 * any offset renders only the page it needs.
 *
 * result.tbl (vo/ipac.h) has lines of one width, known only when every row
 * was seen: while storing, each column's widest value and each page's
 * bytes beyond one per character (UTF-8) are counted and kept in the
 * result's meta, so its size is head + rows x line + those bytes, and a
 * read finds its page by the pages' sizes and renders only the rows it
 * needs.  A result stored before result.tbl existed has none of that: the
 * first look at its result.tbl counts it from the stored rows (one pass,
 * logged) and stores it.
 *
 * The writer owns its buffers; it writes through db.h on the calling
 * thread.  A reader belongs to one open file and is safe to call from
 * several threads (it locks itself).
 */
#ifndef FS_RESULT_H
#define FS_RESULT_H

#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "votable.h"

enum result_kind { RESULT_CSV = 0, RESULT_VOT = 1, RESULT_TBL = 2 };

struct result_writer;
struct result_writer *result_writer_new(int64_t rid);
void result_writer_free(struct result_writer *w);
/* Forget everything stored for this query so far (a new attempt). */
int result_writer_begin(struct result_writer *w);
int result_writer_meta(struct result_writer *w, const struct vo_table_meta *m);
int result_writer_row(struct result_writer *w, const struct vo_cell *c, size_t n);
/* The result's service descriptors (RESOURCE type="meta" XML), kept for
 * its products; call before finish. */
int result_writer_services(struct result_writer *w, const char *xml);
/* Store the last pages with the rendered head and tail in one transaction
 * (on the store's writer: fs/db.h); report the totals. */
int result_writer_finish(struct result_writer *w, int overflow,
			 int64_t *nrows, int64_t *csv_size, int64_t *vot_size);
int64_t result_writer_rows(const struct result_writer *w);

/* The size of result.tbl of a stored result (remembered per generation:
 * they never change).  -EIO with a log line when the stored data is
 * damaged. */
int result_tbl_size(int64_t rid, int64_t *size);

struct result_reader;
/* size: the total file size recorded when the result was stored */
struct result_reader *result_reader_new(int64_t rid, enum result_kind kind,
					int64_t size);
void result_reader_free(struct result_reader *r);
/* Bytes read, or a negative errno (-EIO with a log line when the stored
 * data is inconsistent). */
ssize_t result_read(struct result_reader *r, char *buf, size_t size, off_t off);

/* The stored result's fields and service descriptors (all owned). */
struct result_fields {
	size_t n;
	struct { char *name, *ucd, *id; } *f;
	char *services;   /* "" when none */
};
int result_fields_load(int64_t rid, struct result_fields *rf);
void result_fields_free(struct result_fields *rf);
/* Every stored row in order; cells are borrowed for the call; non-zero from
 * row() stops and is returned. */
int result_scan(int64_t rid, size_t nfields,
		int (*row)(void *ud, int64_t rowno, const struct vo_cell *c, size_t n),
		void *ud);

/* Render a whole small result (samples): meta + rows -> CSV in memory. */
struct csv_sink {
	struct vo_buf out;
	size_t nrows;
};
int csv_sink_meta(void *ud, const struct vo_table_meta *m);
int csv_sink_row(void *ud, const struct vo_cell *c, size_t n);

#endif
