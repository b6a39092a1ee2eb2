/* fs/cache.h - remote files read lazily, block by block, through the
 * SQLite block cache.
 *
 * An object is a URL.  Its bytes are fetched only when read, in blocks of
 * CACHE_BLOCK bytes, with HTTP Range requests, and kept in the store
 * (db.h); a later read of the same bytes never touches the network.  A
 * block is stored whole in one transaction or not at all, so a block that
 * is present is the server's bytes, whatever happened to the daemon.
 *
 * Reads that follow each other are detected per open file and read ahead
 * with range requests that grow up to CACHE_RA_MAX bytes, two in flight;
 * several readers of the same block wait for one download.  Objects whose
 * length is unknown (generated on the fly, e.g. SODA cutouts) or whose
 * server ignores Range are streamed whole on first read and served only
 * once complete; their size is then recorded.
 *
 * Failed or short transfers are retried (CACHE_RETRIES times, with
 * back-off); then the read fails with -EIO and a log line naming the URL.
 * With `offline`, nothing is fetched: uncached bytes are -ENETDOWN.
 *
 * The cache stays under its limit by evicting the least recently used
 * blocks, never those of open files.
 *
 * All functions are thread-safe.  Errors are negative errnos.
 */
#ifndef FS_CACHE_H
#define FS_CACHE_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define CACHE_BLOCK ((size_t)256 << 10)
#define CACHE_RA_MAX ((size_t)16 << 20)
#define CACHE_RETRIES 3
#define CACHE_PROBE_THREADS 16

int cache_init(int64_t limit, int offline, double timeout_s);
void cache_shutdown(void);

struct cache_stat {
	int64_t size;      /* -1 while unknown (streamed objects before first read) */
	double mtime;      /* Last-Modified, or the time the object was first seen */
};

/* Size and mtime of url.  known_size >= 0 (a DataLink content_length) is
 * taken as given; otherwise the store answers, else (probe != 0) one
 * ranged GET of byte 0 learns it from Content-Range (or Content-Length of a
 * server that ignores ranges).  probe == 0 never touches the network. */
int cache_stat(const char *url, int64_t known_size, int probe, struct cache_stat *st,
	       struct vo_err *err);
/* The same for many URLs at once, out[i] for urls[i] (size -1 where it
 * could not be had: the error is logged).  The store answers first; the
 * unknown ones are probed together, on 2, 4 or CACHE_PROBE_THREADS
 * connections as the first probe's time suggests. */
void cache_stat_many(const char *const *urls, const int64_t *known, size_t n,
		     struct cache_stat *out);

struct cache_file;
/* volatile_obj: the object is generated per request (no stable length):
 * always streamed whole.  -ENETDOWN offline when nothing is cached. */
int cache_open(const char *url, int volatile_obj, struct cache_file **out);
/* Bytes read (0 at the end), -EIO, -ENETDOWN, -EINTR (interrupted() said
 * so while waiting). */
ssize_t cache_read(struct cache_file *f, char *buf, size_t size, off_t off,
		   int (*interrupted)(void));
/* 1 exactly once: when this open file has just been read from its start
 * to its end in one sequential run (a copy), 0 otherwise. */
int cache_file_copied(struct cache_file *f);
/* Start downloading url whole in the background, if its size is known,
 * at most max_bytes, it is not cached, and the server takes ranges.
 * Never waits; never fails (a later read fetches what is missing). */
void cache_prefetch(const char *url, int64_t max_bytes);
void cache_close(struct cache_file *f);

struct cache_counters {
	int64_t limit, used;
	int64_t hits, misses;          /* blocks served from the store / fetched for a read */
	int64_t bytes_fetched, requests, retries, errors, evicted;
	int64_t probes;
};
void cache_counters(struct cache_counters *c);

#endif
