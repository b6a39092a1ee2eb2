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

#endif
