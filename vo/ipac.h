/* vo/ipac.h - IPAC ASCII tables (IRSA's format; astropy's ascii.ipac).
 *
 * A table is four header lines, |name|, |type|, |unit|, |null|, then one
 * line per row with each value between the positions of the header's bars
 * (a blank under each bar).  Every line has the same number of characters:
 * a column is as wide as its widest header string or value, so the widths
 * must be known, from every row, before the first line is written.  The
 * caller measures every row first (vo_ipac_measure), then writes.
 *
 * Widths count characters (UTF-8 code points), as readers slice a decoded
 * line; a row's bytes are its characters plus what vo_ipac_measure returns
 * (the extra bytes of multi-byte characters).
 *
 * Values are the canonical cells of votable.h.  What IPAC cannot hold:
 * - line breaks: CR, LF and the other characters a reader splits lines at
 *   (VT, FF, FS, GS, RS, NEL, U+2028, U+2029) are written as a space;
 * - leading and trailing blanks, and the difference between an empty
 *   string and null: readers strip values, and a blank value is null;
 * - '|' in a header string (name, unit) is written as '_'.
 * Nulls are written as "null", except in a column where a value reads as
 * "null" (blanks stripped): there they are blank and the column's null
 * header is blank, so that value stays a value.
 * Types: scalar short, int, unsignedByte and bit are "int", long "long",
 * float "float", double "double"; everything else (strings, booleans,
 * arrays, complex numbers) "char".  Numbers are right-aligned, the rest
 * left-aligned.
 */
#ifndef VO_IPAC_H
#define VO_IPAC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "votable.h"

struct vo_ipac_col {
	size_t width;        /* characters between two bars */
	const char *type;    /* static: "int", "long", "float", "double", "char" */
	int blank_null;      /* a value reads as "null": nulls are blank */
};

/* The IPAC type of a VOTable datatype and arraysize (NULL: scalar). */
const char *vo_ipac_type(const char *datatype, const char *arraysize);
/* A column as wide as its header strings (name and unit may be NULL). */
void vo_ipac_col_init(struct vo_ipac_col *c, const char *name, const char *datatype,
		      const char *arraysize, const char *unit);
/* Widen the columns for one row of n cells and note values that read as
 * null; returns the row's bytes beyond its characters. */
uint64_t vo_ipac_measure(struct vo_ipac_col *cols, const struct vo_cell *c, size_t n);
/* The same bytes, without widening anything (rows measured before). */
uint64_t vo_ipac_extra(const struct vo_cell *c, size_t n);
/* Characters of every line (bars, values, the newline). */
uint64_t vo_ipac_line_chars(const struct vo_ipac_col *cols, size_t n);
/* The four header lines; names[i] and units[i] may be NULL. */
int vo_ipac_head(struct vo_buf *out, const struct vo_ipac_col *cols, size_t n,
		 const char *const *names, const char *const *units);
/* One row; every value must have been measured. */
int vo_ipac_row(struct vo_buf *out, const struct vo_ipac_col *cols,
		const struct vo_cell *c, size_t n);

#endif
