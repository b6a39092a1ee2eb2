/* vo/buf.h - growable byte buffer with a hard size cap.
 *
 * The buffer owns p; vo_buf_free() releases it and leaves an empty buffer.
 * Every append fails with -ENOMEM when allocation fails or when the result
 * would exceed cap (cap 0 means VO_BUF_DEFAULT_CAP), so data from the network
 * can never make the process allocate without bound.  p is always
 * NUL-terminated when non-NULL (the NUL is not counted in len).
 */
#ifndef VO_BUF_H
#define VO_BUF_H

#include <stddef.h>

#define VO_BUF_DEFAULT_CAP ((size_t)64 << 20)

struct vo_buf {
	char *p;
	size_t len;
	size_t alloc;
	size_t cap;
};

#define VO_BUF_INIT {NULL, 0, 0, 0}

int vo_buf_add(struct vo_buf *b, const void *data, size_t n);
int vo_buf_addc(struct vo_buf *b, char c);
int vo_buf_adds(struct vo_buf *b, const char *s);
int vo_buf_addf(struct vo_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int vo_buf_reserve(struct vo_buf *b, size_t extra);
void vo_buf_reset(struct vo_buf *b);   /* len = 0, keeps memory */
void vo_buf_free(struct vo_buf *b);
/* Hand the memory to the caller (free() it); the buffer becomes empty. */
char *vo_buf_take(struct vo_buf *b);

#endif
