/* vo/votable.h - streaming VOTable reader, and the text forms of its cells.
 *
 * The reader is fed the document in chunks as it downloads and calls back
 * once with the table's metadata and then once per row; memory stays bounded
 * whatever the size of the table (a single cell is capped at
 * VO_VOT_MAX_CELL bytes; more is -EFBIG).
 *
 * Only the first TABLE of a RESOURCE whose type is "results" (the default
 * when type is absent) is read; TABLEs in RESOURCE type="meta" (DataLink
 * service descriptors) and any later TABLE are skipped.  Every RESOURCE
 * type="meta" is nevertheless kept, whole, as XML text: see
 * vo_votable_meta_resources().  Element names are
 * matched without namespace, so VOTable 1.1 to 1.5 (and no namespace) read
 * alike.  TABLEDATA, BINARY and BINARY2 are decoded natively (base64 STREAM,
 * big-endian, per-field nulls, BINARY2 null bitmaps, variable-length arrays,
 * TD encoding="base64"); FITS serialization and STREAM href are rejected
 * with -ENOTSUP.  A document whose root is not VOTABLE is -EBADMSG "not a
 * VOTable (root element <html>)".
 *
 * Every cell is handed over as canonical text, the same for all three
 * serializations: what a VOTable TABLEDATA cell and a CSV cell both hold.
 *   - null -> cell.null = 1: an empty TABLEDATA cell (any type: VOTable 1.3
 *     section 5.5, "empty and null strings are not distinguished"), a
 *     numeric TD holding only blanks, the VALUES null value (integer
 *     scalars compared as numbers, strings as text), the BINARY2 null
 *     flag, a NaN float/double scalar, a complex scalar with both parts
 *     NaN, boolean '?' (or ' ', NUL in binary).  BINARY cannot say null
 *     for strings, bits or arrays: there they come out as "" / zeros / NaN.
 *   - integers in decimal (TABLEDATA hex "0x.." accepted); boolean "T"/"F"
 *     ("?" for a null element of an array); bit "0"/"1" (a binary scalar
 *     bit is 1 when any bit of its byte is set)
 *   - float and double: the first "%.{p}g", p = 1..9 / 1..17, that reads
 *     back as the same float32/float64 (so 21.391468f is "21.391468" and
 *     10.0 is "1e+01"), "NaN" inside arrays, "+Inf"/"-Inf"; this needs
 *     LC_NUMERIC "C", the default of a program that never calls setlocale
 *   - char: bytes up to the first NUL (fixed-width arrays are NUL padded);
 *     bytes that are not valid UTF-8 are taken as Latin-1; in a
 *     multi-dimensional char array ("8x3") each string ends at its NUL and
 *     all but the last are space-padded to their width.  unicodeChar:
 *     UCS-2 (surrogate pairs too) converted to UTF-8.  TABLEDATA strings are
 *     taken verbatim, white space included.
 *   - arrays and complex numbers: elements separated by one space
 *   - a TABLEDATA token that does not parse as its type is passed on as
 *     served rather than failing the whole table
 * TABLEDATA numbers are re-formatted the same way, so output does not depend
 * on how the server chose to serialize.
 *
 * QUERY_STATUS: INFO name="QUERY_STATUS" may come before the TABLE and again
 * after it (OVERFLOW, or ERROR while streaming); the last one wins, wherever
 * it is (VOTABLE, RESOURCE or TABLE level).
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
	 * GROUP, LINK, INFO), re-serialized in document order, QUERY_STATUS
	 * excluded; may be "" */
	const char *table_xml;
	/* INFO, COOSYS and TIMESYS elements seen before the TABLE, children of
	 * VOTABLE first, then of the RESOURCE holding the TABLE; re-serialized,
	 * QUERY_STATUS excluded; may be "".  (COOSYS/TIMESYS are kept because
	 * FIELD ref= attributes point at them.) */
	const char *resource_xml;
};

struct vo_cell {
	const char *s;   /* canonical text, NUL-terminated; "" when null */
	size_t len;
	int null;
};

struct vo_votable_cb {
	void *ud;
	/* once, when the first DATA (or the end of the TABLE) is reached; m
	 * and what it points to stay valid until vo_votable_free() */
	int (*meta)(void *ud, const struct vo_table_meta *m);
	/* once per row; cells are borrowed for the call */
	int (*row)(void *ud, const struct vo_cell *cells, size_t ncells);
};

struct vo_votable;

struct vo_votable *vo_votable_new(const struct vo_votable_cb *cb,
				  struct vo_err *err);
/* 0, a callback's error, -EBADMSG (malformed XML, not a VOTable, bad
 * base64 or binary framing, bad FIELD datatype/arraysize, a TR with the
 * wrong number of TD), -EFBIG (a cell over VO_VOT_MAX_CELL, more than
 * VO_VOT_MAX_FIELDS FIELDs, metadata over 16 MiB, RESOURCE type="meta"
 * elements over 1 MiB), -ENOTSUP; err has the
 * detail.  Errors are sticky: later calls return the same value. */
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
/* The first row whose variable unicodeChar held a character outside the
 * BMP (a surrogate pair), 0 if none: GAVO DaCHS 2.7 writes wrong length
 * prefixes for those in BINARY/BINARY2, so a framing error after such a
 * row is the server's; TABLEDATA from the same server is right. */
size_t vo_votable_astral_row(const struct vo_votable *v);
/* Every RESOURCE type="meta" of the document (before or after the TABLE,
 * at any depth; DataLink service descriptors), each re-serialized whole
 * (attributes, PARAM, GROUP, DESCRIPTION, nested elements, text; no
 * namespace prefixes or declarations, whitespace-only text dropped) and
 * concatenated in document order.  A meta RESOURCE nested in another is
 * part of the outer one's text, not repeated.  Never NULL, "" when there
 * is none; valid until vo_votable_free().  More than 1 MiB of them (kept
 * apart from the 16 MiB metadata budget) makes the parse fail with
 * -EFBIG. */
const char *vo_votable_meta_resources(const struct vo_votable *v);
/* whether a TABLE was found at all */
int vo_votable_has_table(const struct vo_votable *v);
/* TABLEDATA cells of numeric fields whose text was no number of the type
 * ("null", "-": IRSA Gator; NaN and Inf are floats, not integers): each is
 * delivered as a null cell, and the reader logs one warning line per table
 * with the count and the first field and token. */
size_t vo_votable_bad_cells(const struct vo_votable *v);

/* --- writers: the text forms vofs serves --------------------------------- */

/* One CSV record: cells joined with ',', quoted when they contain ',',
 * '"', CR, LF or leading/trailing space or tab (quotes doubled), empty for
 * null, "" for an empty non-null string, in every column type; terminated
 * by LF, or by CRLF (RFC 4180) when crlf is non-zero. */
int vo_csv_row_eol(struct vo_buf *out, const struct vo_cell *cells, size_t n, int crlf);
/* The header record: field names, same quoting. */
int vo_csv_header_eol(struct vo_buf *out, const struct vo_table_meta *m, int crlf);
/* The line end of the forms without _eol: LF unless set (configuration,
 * set once at mount before any thread renders CSV). */
void vo_csv_set_crlf(int crlf);
int vo_csv_crlf(void);
int vo_csv_row(struct vo_buf *out, const struct vo_cell *cells, size_t n);
int vo_csv_header(struct vo_buf *out, const struct vo_table_meta *m);

/* VOTable 1.4 output in TABLEDATA.  head = XML declaration, VOTABLE,
 * RESOURCE type="results", INFO QUERY_STATUS (status, NULL meaning "OK";
 * msg as its content, if any), resource_xml, TABLE, table_xml, the FIELD
 * xml, <DATA><TABLEDATA>.  The pieces of resource_xml and table_xml are put
 * in the order the schema wants (RESOURCE: INFO, then COOSYS/TIMESYS/
 * GROUP/PARAM; TABLE: DESCRIPTION, INFO, FIELDs, PARAM/GROUP, LINK); other
 * elements are dropped.  tail closes them and, when status is "OVERFLOW",
 * repeats the OVERFLOW INFO after the TABLE as TAP services do.  A row is
 * <TR><TD>..</TD>...</TR> with null as <TD/> (TABLEDATA cannot keep an empty
 * non-null string apart from null, nor C0 control characters other than
 * tab, LF and CR).
 *
 * vo_votable_write_head() uses only fields[i].xml (a minimal FIELD from
 * fields[i].name when xml is NULL), m->table_xml and m->resource_xml, so a
 * meta restored from storage with just those set is enough;
 * vo_csv_header() uses only fields[i].name. */
int vo_votable_write_head(struct vo_buf *out, const struct vo_table_meta *m,
			  const char *status, const char *msg);
int vo_votable_write_row(struct vo_buf *out, const struct vo_cell *cells,
			 size_t n);
/* ... then the closing tags; meta_resources (NULL or "": none) is XML
 * text, the RESOURCE type="meta" elements of the server's document
 * (vo_votable_meta_resources), written after the results RESOURCE as the
 * server had them: TOPCAT and pyvo find DataLink service descriptors there. */
int vo_votable_write_tail(struct vo_buf *out, const char *status,
			  const char *msg, const char *meta_resources);

/* Format helpers shared with other parsers (VOSI etc.): the canonical
 * float text above ("NaN", "+Inf", "-Inf" for the specials).  Return the
 * length written, or -ENOSPC when dst is too small (32 bytes always do). */
int vo_fmt_double(char *dst, size_t dstlen, double v);  /* shortest round trip */
int vo_fmt_float(char *dst, size_t dstlen, float v);

#endif
