/* fs/clock.h - wall-clock time for what is shown or kept across mounts,
 * the monotonic clock for intervals, and bounded condition waits on it. */
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

/* microseconds on the monotonic clock (for intervals and deadlines: a
 * step of the wall clock neither stretches nor cuts them) */
static inline int64_t clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A condition variable whose timed waits run on the monotonic clock:
 * every condition waited on with clock_cond_wait_us is made by this. */
static inline int clock_cond_init(pthread_cond_t *c)
{
	pthread_condattr_t ca;
	int rc;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = pthread_cond_init(c, &ca);
	pthread_condattr_destroy(&ca);
	return rc;
}

/* pthread_cond_timedwait for at most us microseconds (m held; c made by
 * clock_cond_init) */
static inline int clock_cond_wait_us(pthread_cond_t *c, pthread_mutex_t *m, int64_t us)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(us / 1000000);
	ts.tv_nsec += (long)(us % 1000000) * 1000;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return pthread_cond_timedwait(c, m, &ts);
}

#endif
