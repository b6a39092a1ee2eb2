#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static int log_fg = 1;
static enum vo_log_level log_max = VO_LOG_INFO;

void vo_log_init(int foreground, enum vo_log_level max)
{
	log_fg = foreground;
	log_max = max;
	if (!foreground)
		openlog("vofs", LOG_PID, LOG_DAEMON);
}

enum vo_log_level vo_log_level(void)
{
	return log_max;
}

void vo_log(enum vo_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = {"error", "warn", "info", "debug"};
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char line[2048];
	size_t n = 0;
	va_list ap;

	if (lvl > log_max)
		return;
	if (log_fg) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		n = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
		n += (size_t)snprintf(line + n, sizeof line - n, ".%03ldZ vofs %s: ",
				      ts.tv_nsec / 1000000L, names[lvl]);
	}
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - n, fmt, ap);
	va_end(ap);
	/* one event, one line: fold embedded newlines */
	for (char *p = line + n; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (log_fg) {
		n = strlen(line);
		if (n > sizeof line - 2)
			n = sizeof line - 2;
		line[n++] = '\n';
		if (write(2, line, n) < 0) {
			/* nowhere left to report it */
		}
	} else {
		syslog(prio[lvl], "%s", line);
	}
}
