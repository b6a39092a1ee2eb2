/* fs/names.h - remote names <-> file names.
 *
 * A table name can hold characters a file name cannot ("/" in VizieR's
 * J/AJ/132/1202/table4).  The escape is percent-encoding of exactly these
 * bytes: '%', '/', control characters (0x00-0x1F, 0x7F), and a leading '.'
 * (so "." and ".." and hidden names cannot occur).  Everything else,
 * UTF-8 included, is kept.  name_unescape(name_escape(x)) == x for all x,
 * and name_unescape rejects anything name_escape cannot produce, so each
 * file name maps to one remote name.
 */
#ifndef FS_NAMES_H
#define FS_NAMES_H

#include <stddef.h>

/* Return the length written (excluding NUL), or -ENAMETOOLONG. */
int name_escape(const char *in, char *out, size_t outlen);
/* -EINVAL when in is not a valid escaped name. */
int name_unescape(const char *in, char *out, size_t outlen);

/* The file name of a product: id escaped as above, shortened to at most
 * NAME_PRODUCT_MAX bytes (a prefix, '~' and a hash of the whole id, so
 * distinct long ids stay distinct), then "." ext unless ext is NULL/"".
 * Deterministic: the same id always gives the same name.  Returns the
 * length, -ENAMETOOLONG when outlen < 32 or ext is absurd. */
#define NAME_PRODUCT_MAX 200
int name_product(const char *id, const char *ext, char *out, size_t outlen);

/* The file name of a table (or any remote name): escaped as above; one
 * whose escaped form is longer than NAME_FILE_MAX bytes is shortened by
 * name_product's rule (a prefix, '~' and the hash of the whole name, at
 * most NAME_PRODUCT_MAX bytes).  name_shortened() tells whether a file
 * name has that form (and must be looked up by name_table of each
 * candidate, not unescaped). */
#define NAME_FILE_MAX 255
int name_table(const char *name, char *out, size_t outlen);
int name_shortened(const char *file);

#endif
