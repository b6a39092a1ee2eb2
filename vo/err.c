#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vo_err_set(struct vo_err *err, int code, const char *fmt, ...)
{
	if (!err)
		return -code;
	if (err->code == 0) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return -code;
}

void vo_err_prefix(struct vo_err *err, const char *fmt, ...)
{
	char pre[256], old[VO_ERR_MSG];
	va_list ap;

	if (!err || !err->code)
		return;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	snprintf(err->msg, sizeof err->msg, "%s%s", pre, old);
}

void vo_err_clear(struct vo_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
