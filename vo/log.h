/* vo/log.h - one line per event, with a level.
 *
 * To stderr when running in the foreground, to syslog otherwise
 * (vo_log_init decides).  Thread-safe; a line is written with one write().
 */
#ifndef VO_LOG_H
#define VO_LOG_H

enum vo_log_level { VO_LOG_ERROR, VO_LOG_WARN, VO_LOG_INFO, VO_LOG_DEBUG };

void vo_log_init(int foreground, enum vo_log_level max);
enum vo_log_level vo_log_level(void);
void vo_log(enum vo_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define vo_error(...) vo_log(VO_LOG_ERROR, __VA_ARGS__)
#define vo_warn(...) vo_log(VO_LOG_WARN, __VA_ARGS__)
#define vo_info(...) vo_log(VO_LOG_INFO, __VA_ARGS__)
#define vo_debug(...) \
	do { if (vo_log_level() >= VO_LOG_DEBUG) vo_log(VO_LOG_DEBUG, __VA_ARGS__); } while (0)

#endif
