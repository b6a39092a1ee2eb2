/* fs/clock.h - wall-clock time and bounded condition waits, for the
 * modules that poll (queries, services, the block cache). */
#ifndef FS_CLOCK_H
#define FS_CLOCK_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* seconds since the epoch */
static inline double clock_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* microseconds since the epoch */
static inline int64_t clock_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* pthread_cond_timedwait for at most us microseconds (m held) */
static inline int clock_cond_wait_us(pthread_cond_t *c, pthread_mutex_t *m, int64_t us)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(c, m, &ts);
}

#endif
