#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int vo_buf_reserve(struct vo_buf *b, size_t extra)
{
	size_t cap = b->cap ? b->cap : VO_BUF_DEFAULT_CAP;
	size_t need, n;
	char *p;

	if (extra > cap || b->len > cap - extra)
		return -ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->alloc)
		return 0;
	n = b->alloc ? b->alloc : 256;
	while (n < need)
		n *= 2;
	p = realloc(b->p, n);
	if (!p)
		return -ENOMEM;
	b->p = p;
	b->alloc = n;
	return 0;
}

int vo_buf_add(struct vo_buf *b, const void *data, size_t n)
{
	int rc = vo_buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

int vo_buf_addc(struct vo_buf *b, char c)
{
	return vo_buf_add(b, &c, 1);
}

int vo_buf_adds(struct vo_buf *b, const char *s)
{
	return vo_buf_add(b, s, strlen(s));
}

int vo_buf_addf(struct vo_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	rc = vo_buf_reserve(b, (size_t)n);
	if (rc)
		return rc;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

void vo_buf_reset(struct vo_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

void vo_buf_free(struct vo_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->alloc = 0;
}

char *vo_buf_take(struct vo_buf *b)
{
	char *p = b->p;

	if (!p)
		p = calloc(1, 1);
	b->p = NULL;
	b->len = b->alloc = 0;
	return p;
}
