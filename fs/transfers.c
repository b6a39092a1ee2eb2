/* fs/transfers.c - the downloads in flight (see transfers.h). */
#include "transfers.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "list.h"

struct xfer {
	struct list_link link;     /* in xfers, oldest first */
	char what[16];
	int64_t first;
	int64_t total;            /* atomic */
	int64_t done;             /* atomic */
	double start_us;
	char url[];
};

static pthread_mutex_t xlock = PTHREAD_MUTEX_INITIALIZER;
static struct list xfers;
static int count;

struct xfer *xfer_begin(const char *what, const char *url, int64_t first, int64_t total)
{
	size_t n = strlen(url);
	struct xfer *x = calloc(1, sizeof *x + n + 1);

	if (!x)
		return NULL;
	snprintf(x->what, sizeof x->what, "%s", what);
	memcpy(x->url, url, n + 1);
	x->first = first;
	x->total = total;
	x->start_us = (double)clock_us();
	pthread_mutex_lock(&xlock);
	list_push_back(&xfers, &x->link);
	count++;
	pthread_mutex_unlock(&xlock);
	return x;
}

void xfer_set_total(struct xfer *x, int64_t total)
{
	if (x)
		__atomic_store_n(&x->total, total, __ATOMIC_RELAXED);
}

void xfer_add(struct xfer *x, int64_t bytes)
{
	if (x)
		__atomic_add_fetch(&x->done, bytes, __ATOMIC_RELAXED);
}

void xfer_end(struct xfer *x)
{
	if (!x)
		return;
	pthread_mutex_lock(&xlock);
	list_remove(&xfers, &x->link);
	count--;
	pthread_mutex_unlock(&xlock);
	free(x);
}

int xfer_count(void)
{
	int n;

	pthread_mutex_lock(&xlock);
	n = count;
	pthread_mutex_unlock(&xlock);
	return n;
}

/* bytes per second, in binary units as rsync and ls -lh show them */
static void rate(char *out, size_t n, double v)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	while (v >= 1024 && u < 4) {
		v /= 1024;
		u++;
	}
	snprintf(out, n, v < 10 && u ? "%.1f%s/s" : "%.0f%s/s", v, units[u]);
}

int xfer_text(struct vo_buf *out)
{
	double now = (double)clock_us();
	int rc = 0;

	vo_buf_reset(out);
	pthread_mutex_lock(&xlock);
	for (struct list_link *k = xfers.head; k && !rc; k = k->next) {
		const struct xfer *x = list_item(k, struct xfer, link);
		int64_t done = __atomic_load_n(&x->done, __ATOMIC_RELAXED);
		int64_t total = __atomic_load_n(&x->total, __ATOMIC_RELAXED);
		double secs = (now - x->start_us) / 1e6;
		char t[24] = "?", pct[8] = "?", r[24], from[48] = "";

		if (total >= 0) {
			snprintf(t, sizeof t, "%" PRId64, total);
			snprintf(pct, sizeof pct, "%d%%",
				 total ? (int)(100.0 * (double)done / (double)total) : 100);
		}
		rate(r, sizeof r, secs > 0.01 ? (double)done / secs : 0);
		if (x->first > 0)
			snprintf(from, sizeof from, " from=%" PRId64, x->first);
		rc = vo_buf_addf(out, "%s %" PRId64 "/%s %s %s %.1fs%s %s\n", x->what, done, t,
				 pct, r, secs, from, x->url);
	}
	pthread_mutex_unlock(&xlock);
	return rc;
}
