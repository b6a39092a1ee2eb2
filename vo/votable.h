/* vo/votable.h - streaming VOTable reader, and the text forms of its cells.
 *
 * The reader is fed the document in chunks as it downloads and calls back
 * once with the table's metadata and then once per row; memory stays bounded
 * whatever the size of the table (a single cell is capped at
 * VO_VOT_MAX_CELL bytes; more is -EFBIG).
 *
 * Only the first TABLE of the first RESOURCE type="results" (else the first
 * RESOURCE holding a TABLE) is read.  TABLEDATA, BINARY and BINARY2 are
 * decoded natively (base64 STREAM, big-endian, per-field nulls, BINARY2 null
 * bitmaps, variable-length arrays); FITS serialization and STREAM href are
 * rejected with -ENOTSUP.
 *
 * Every cell is handed over as canonical text, the same for all three
 * serializations: what a VOTable TABLEDATA cell and a CSV cell both hold.
 *   - null (TABLEDATA empty cell for non-char types, VALUES null value,
 *     BINARY2 null flag, NaN float scalar, boolean '?') -> cell.null = 1
 *   - integers in decimal; boolean "T"/"F"; bit "0"/"1"
 *   - float and double: the shortest decimal that reads back as the same
 *     float32/float64 ("%.{1..9}g" / "%.{1..17}g"), "NaN" inside arrays,
 *     "+Inf"/"-Inf"
 *   - char: bytes up to the first NUL (fixed-width arrays are NUL padded);
 *     unicodeChar: UCS-2 converted to UTF-8
 *   - arrays and complex numbers: elements separated by one space
 * TABLEDATA numbers are re-formatted the same way, so output does not depend
 * on how the server chose to serialize.
 *
 * QUERY_STATUS: INFO name="QUERY_STATUS" may come before the TABLE and again
 * after it (OVERFLOW, or ERROR while streaming); the last one wins.
 */
#ifndef VO_VOTABLE_H
#define VO_VOTABLE_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define VO_VOT_MAX_CELL ((size_t)16 << 20)
#define VO_VOT_MAX_FIELDS 4096

enum vo_dtype {
	VO_T_BOOLEAN, VO_T_BIT, VO_T_UBYTE, VO_T_SHORT, VO_T_INT, VO_T_LONG,
	VO_T_CHAR, VO_T_UNICODE, VO_T_FLOAT, VO_T_DOUBLE, VO_T_FCOMPLEX,
	VO_T_DCOMPLEX
};

struct vo_field {
	/* attribute values as in the document; NULL when absent */
	char *name, *id, *datatype, *arraysize, *unit, *ucd, *utype, *xtype,
	     *ref, *width, *precision;
	char *description;   /* text of the DESCRIPTION child, or NULL */
	char *null_value;    /* VALUES null="..." or NULL */
	/* The complete FIELD element re-serialized (attributes, DESCRIPTION,
	 * VALUES, LINK children), ready to be written into a VOTable. */
	char *xml;
	enum vo_dtype type;
	/* parsed arraysize: total fixed element count (1 for scalars), and
	 * whether the last dimension is variable ("*" or "n*") */
	size_t count;
	int variable;
};

struct vo_table_meta {
	size_t nfields;
	const struct vo_field *fields;
	/* TABLE-level children other than FIELD/DATA (DESCRIPTION, PARAM,
	 * GROUP, LINK, INFO), re-serialized in document order; may be "" */
	const char *table_xml;
	/* INFO elements of the RESOURCE seen before the TABLE, re-serialized,
	 * QUERY_STATUS excluded; may be "" */
	const char *resource_xml;
};

struct vo_cell {
	const char *s;   /* canonical text, NUL-terminated; "" when null */
	size_t len;
	int null;
};

struct vo_votable_cb {
	void *ud;
	/* once, when the first DATA (or the end of the TABLE) is reached */
	int (*meta)(void *ud, const struct vo_table_meta *m);
	/* once per row; cells are borrowed for the call */
	int (*row)(void *ud, const struct vo_cell *cells, size_t ncells);
};

struct vo_votable;

struct vo_votable *vo_votable_new(const struct vo_votable_cb *cb,
				  struct vo_err *err);
/* 0, a callback's error, -EBADMSG (malformed XML, not a VOTable, bad
 * base64 or binary framing), -EFBIG, -ENOTSUP; err has the detail. */
int vo_votable_feed(struct vo_votable *v, const char *buf, size_t len);
/* End of input: -EBADMSG if the document or the binary stream is truncated
 * (a row cut in the middle is never delivered). */
int vo_votable_finish(struct vo_votable *v);
void vo_votable_free(struct vo_votable *v);

/* After finish (or at any time, for what was seen so far): */
/* "OK", "ERROR", "OVERFLOW" or another value as served; NULL if absent */
const char *vo_votable_status(const struct vo_votable *v);
/* the last QUERY_STATUS INFO's message (its content, else ""), never NULL */
const char *vo_votable_status_msg(const struct vo_votable *v);
size_t vo_votable_nrows(const struct vo_votable *v);
/* whether a TABLE was found at all */
int vo_votable_has_table(const struct vo_votable *v);

/* --- writers: the text forms vofs serves --------------------------------- */

/* One RFC 4180 record: cells joined with ',', quoted when they contain
 * ',', '"', CR, LF or leading/trailing space (quotes doubled), empty for
 * null, "" for an empty non-null string; terminated by CRLF. */
int vo_csv_row(struct vo_buf *out, const struct vo_cell *cells, size_t n);
/* The header record: field names, same quoting. */
int vo_csv_header(struct vo_buf *out, const struct vo_table_meta *m);

/* VOTable 1.4 output in TABLEDATA.  head = XML declaration, VOTABLE,
 * RESOURCE type="results", INFO QUERY_STATUS (status, msg), resource_xml,
 * TABLE, table_xml, the FIELD xml, <DATA><TABLEDATA>.  tail closes them
 * and, when status is "OVERFLOW", repeats the OVERFLOW INFO after the TABLE
 * as TAP services do.  A row is <TR><TD>..</TD>...</TR> with null as <TD/>. */
int vo_votable_write_head(struct vo_buf *out, const struct vo_table_meta *m,
			  const char *status, const char *msg);
int vo_votable_write_row(struct vo_buf *out, const struct vo_cell *cells,
			 size_t n);
int vo_votable_write_tail(struct vo_buf *out, const char *status,
			  const char *msg);

/* Format helpers shared with other parsers (VOSI etc.). */
int vo_fmt_double(char *dst, size_t dstlen, double v);  /* shortest round trip */
int vo_fmt_float(char *dst, size_t dstlen, float v);

#endif
