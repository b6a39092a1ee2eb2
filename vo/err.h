/* vo/err.h - error reporting without allocation.
 *
 * Functions in vo/ and fs/ return 0 on success or a negative errno.  The
 * human-readable detail goes into a caller-owned struct vo_err whose message
 * buffer is fixed, so reporting an error never allocates.  The first error
 * set wins unless vo_err_clear() is called in between: the deepest cause is
 * usually the most useful one.
 */
#ifndef VO_ERR_H
#define VO_ERR_H

#include <stddef.h>

#define VO_ERR_MSG 1024

struct vo_err {
	int code;            /* positive errno, 0 when no error was recorded */
	char msg[VO_ERR_MSG];
};

/* Record an error (if none is recorded yet) and return -code, so callers can
 * write `return vo_err_set(err, EIO, "GET %s: %s", url, why);`.  err may be
 * NULL. */
int vo_err_set(struct vo_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context to an already recorded message ("tables: " + msg). */
void vo_err_prefix(struct vo_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vo_err_clear(struct vo_err *err);

#endif
