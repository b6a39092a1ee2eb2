/* vo/upload.h - user tables for TAP_UPLOAD: CSV to VOTable, table names.
 *
 * A CSV file becomes a VOTable 1.4 TABLEDATA document that a TAP service
 * accepts as an upload (TAP 1.1 section 3.3.4).  The file is read twice,
 * in blocks, never whole: pass 1 checks it and infers each column's type,
 * pass 2 writes the document, one row at a time, to the caller's sink.
 * Memory stays bounded by one record (VO_CSV_MAX_ROW) and the columns.
 *
 * Reading (RFC 4180, and what astropy's Table.read(format="csv") reads):
 *   - fields separated by ',', records by LF, CRLF or a lone CR; a final
 *     record without a line end counts; a UTF-8 byte order mark at the very
 *     start is skipped;
 *   - a field may be quoted with '"' ("" inside is one quote); quoted
 *     fields may hold ',', quotes and line breaks (each CRLF or lone CR in
 *     them becomes LF); blanks before the opening quote are skipped, and
 *     text after the closing quote is appended ("ab"cd is abcd); a '"'
 *     inside an unquoted field is an ordinary character;
 *   - every field, quoted or not, loses its leading and trailing blanks
 *     (spaces and tabs): astropy strips them, and " 7 " must read as 7;
 *   - a line that holds only blanks is skipped (a line "" is not: that is
 *     one empty field);
 *   - the first record is the header.  A blank name becomes col<N>, N the
 *     column's position counted from 1.  Two columns with the same name,
 *     ignoring ASCII case (ADQL's regular identifiers ignore it and DaCHS
 *     refuses "a" beside "A"), are refused.  Names holding a tab or a line
 *     break are refused.
 *   - an empty file (or only blank lines) is -EINVAL; a header without rows
 *     is a valid empty table.
 *
 * Types, per column, over its non-empty cells:
 *   - long: every cell an integer ([+-]digits, ASCII) within int64;
 *   - double: else, every cell a number as Python's float() reads it:
 *     [+-] digits [. [digits]] | [+-] . digits, an optional exponent
 *     [eE][+-]digits, or inf, infinity, nan (any case, with a sign);
 *   - char (arraysize="*") when every value is ASCII, else unicodeChar.
 *   A column whose cells are all empty is long (astropy's choice).  An
 *   integer beyond int64 makes its column char (astropy: "OverflowError
 *   converting to IntType ..., reverting to String"), never double, which
 *   would round large identifiers.
 * Cells: an empty cell (after the blanks are stripped; "" too) is null, an
 * empty <TD/> (VOTable 1.3 section 5.5; DaCHS reads it as NULL in long,
 * double, char and unicodeChar columns).  Numbers are written as they stand
 * in the CSV (stripped), except that nan is written NaN, inf and infinity
 * +Inf or -Inf, and a double beyond the range of a double (1e400, 1e-400)
 * as what it reads as (+Inf, 0: what float() gives; PostgreSQL would refuse
 * the text).  VOTable has no NaN apart from null: a nan comes back from a
 * TAP service (and from astropy's VOTable reader) as null.
 *
 * Where this deliberately differs from astropy 5.2 (Debian 12):
 *   - rows with fewer fields than the header: astropy fills them with
 *     nulls; here -EINVAL, as for more fields;
 *   - duplicate names: astropy renames (a, a_1); here -EINVAL;
 *   - blank names: astropy names the first one col<position from 0> and
 *     the others _1, _2 ...; here each is col<position from 1>;
 *   - the byte order mark: astropy keeps it in the first column's name;
 *   - a quote left open at the end of the file: astropy yields an empty
 *     table; here -EINVAL;
 *   - control characters: astropy keeps them; XML 1.0 cannot hold them;
 *   - "0x10", "1_000", "nan(1)", "infinit" and non-ASCII digits: astropy's
 *     answer depends on its reader (the C reader, used for ASCII files,
 *     takes "0x10" as the float 16.0 and "1_000" as a string; the Python
 *     one, used when the file has other bytes, takes "0x10" as a string and
 *     "1_000" as the integer 1000); here all of them are strings, always;
 *   - blanks: only spaces and tabs are stripped (astropy's Python reader
 *     strips every Unicode space, such as U+00A0, too);
 *   - an integer beyond int64 in a column that also holds floats: astropy
 *     makes the column double or string depending on which comes first;
 *     here it is always char.
 *
 * Errors (err says what and where; the file itself is not named except
 * when it cannot be read): -EINVAL for a malformed file: "line N has K
 * fields, the header has M" (N counts physical lines from 1, the line
 * where the record starts), bytes that are not UTF-8, a character XML 1.0
 * forbids (a control character other than tab, LF and CR, U+FFFE,
 * U+FFFF), duplicate names, a quote left open, an empty file, a path that
 * is no regular file; -EFBIG for a record over VO_CSV_MAX_ROW bytes or a
 * header of more than VO_CSV_MAX_COLS columns; -ESTALE when the file
 * changed between the two passes; -ENOENT, -EACCES ... when it cannot be
 * opened or read; a sink's own error.
 */
#ifndef VO_UPLOAD_H
#define VO_UPLOAD_H

#include <stddef.h>

#include "err.h"

#define VO_CSV_MAX_ROW ((size_t)1 << 20)     /* bytes of one record */
#define VO_CSV_MAX_COLS 4096                 /* VO_VOT_MAX_FIELDS: reads back */
#define VO_ADQL_NAME_MAX 64

enum vo_csv_type {
	VO_CSV_LONG,      /* datatype="long" */
	VO_CSV_DOUBLE,    /* datatype="double" */
	VO_CSV_CHAR,      /* datatype="char" arraysize="*" */
	VO_CSV_UNICODE,   /* datatype="unicodeChar" arraysize="*" */
};

struct vo_csv_col {
	char *name;              /* as the FIELD says it (blank: col<N>) */
	enum vo_csv_type type;
	size_t nulls;            /* empty cells */
};

/* Filled by vo_csv_inspect / vo_csv_to_votable; vo_csv_info_free releases
 * the columns (and accepts an info never filled, once zeroed). */
struct vo_csv_info {
	size_t nrows, ncols;
	struct vo_csv_col *cols;
};

void vo_csv_info_free(struct vo_csv_info *info);

/* The VOTable datatype of a type: "long", "double", "char", "unicodeChar". */
const char *vo_csv_datatype(enum vo_csv_type t);

/* Pass 1 only: check the CSV file at path and describe it (for refusing a
 * bad table at close()).  info is filled on success and zeroed on error. */
int vo_csv_inspect(const char *path, struct vo_csv_info *info, struct vo_err *err);

/* Write the CSV file at path as a VOTable whose TABLE is named table,
 * through sink (called with pieces of at most about 64 KiB plus one row;
 * a non-zero return stops the conversion and is returned).  info, when
 * not NULL, is filled as by vo_csv_inspect.  On error the sink may have
 * received part of the document: the caller discards it. */
int vo_csv_to_votable(const char *path, const char *table,
		      int (*sink)(void *ud, const char *p, size_t n), void *ud,
		      struct vo_csv_info *info, struct vo_err *err);

/* 1 when name can be an upload's table name: an ADQL regular identifier
 * ([A-Za-z][A-Za-z0-9_]*, at most VO_ADQL_NAME_MAX characters) that is no
 * reserved word of ADQL 2.1 (section 2.1.2: SQL's and ADQL's own, any
 * case); TAP_UPLOAD.<name> needs no quotes then, and DaCHS refuses quoted
 * upload names.  0 otherwise, with the rule it broke in why (n bytes; why
 * may be NULL). */
int vo_adql_table_name_ok(const char *name, char *why, size_t n);

#endif
