/* fs/cache.h - remote files read lazily, block by block, through the
 * SQLite block cache: the block engine's API for the FUSE layer.
 *
 * An object is a URL.  Its bytes are fetched only when read, in blocks of
 * CACHE_BLOCK bytes, with HTTP Range requests, and kept in the store
 * (store.h, db.h); a later read of the same bytes never touches the
 * network.  A block counts as stored only once its commit succeeded.
 *
 * Each open file has a read window (prefetch.h): the first read fetches
 * what was asked for, sequential reads widen the window ahead of the
 * reader, a seek starts it over at the new place and cancels requests the
 * reader left behind.  Several readers of one block wait for one request.
 * Objects whose length is unknown (generated on the fly, e.g. SODA
 * cutouts) or whose server ignores Range are streamed whole and served
 * once complete.
 *
 * Every ranged request carries the object's validator (If-Range with its
 * ETag or Last-Modified); an object that changed on the server between
 * two requests is never served as a splice: reads of a file opened before
 * the change fail with -ESTALE (logged), the next open reads the new one.
 *
 * Failed or short transfers are retried (the one policy of vo/http.h:
 * vo_http_retryable, VO_HTTP_ATTEMPTS attempts, vo_http_backoff_ms); then the read fails with -EIO and a log line naming the URL.
 * With `offline`, nothing is fetched: uncached bytes are -ENETDOWN.
 *
 * The store stays under its limit by evicting the least recently used
 * blocks, never those of live objects (open, or being fetched).
 *
 * All functions are thread-safe.  Errors are negative errnos.
 */
#ifndef FS_CACHE_H
#define FS_CACHE_H

#include <stdint.h>
#include <sys/types.h>

#include "err.h"

#define CACHE_BLOCK ((size_t)256 << 10)
#define CACHE_PROBE_THREADS 16

int cache_init(int64_t limit, int offline, double timeout_s);
struct engine_cfg;
/* The same with every part given (unit tests: a fake transport, clock). */
int cache_init_cfg(const struct engine_cfg *cfg);
/* The running engine (unit tests reach its store through it). */
struct engine *cache_engine(void);
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
/* A size probe the server refused is remembered PROBE_FAIL_MEMORY_US:
 * cache_stat fails at once meanwhile, with the same errno and message.
 * That is far longer than the kernel keeps a size it was told (-o
 * attr_timeout, 1 s), so a size shown for a refused file never outlives
 * the refusal in the kernel.  cache_failure: 1 with the message when url's
 * fetch or probe failed lately. */
#define PROBE_FAIL_MEMORY_US (30 * 1000000LL)
int cache_failure(const char *url, char *msg, size_t n);
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
/* Bytes read (0 at the end), -EIO, -ENETDOWN, -ESTALE (the object changed
 * on the server since this file was opened), -EINTR (interrupted() said
 * so while waiting). */
ssize_t cache_read(struct cache_file *f, char *buf, size_t size, off_t off,
		   int (*interrupted)(void));
/* 1 when every byte of the file is here (in the store or in memory): the
 * kernel may keep the pages it holds of it (keep_cache).  0 otherwise: the
 * open must drop them, they may be of a version that changed since. */
int cache_file_complete(struct cache_file *f);
/* 1 exactly once: when this open file has just been read from its start
 * to its end in one sequential run (a copy), 0 otherwise. */
int cache_file_copied(struct cache_file *f);
/* Start downloading url whole in the background, if its size is known,
 * at most max_bytes, it is not cached, and the server takes ranges.
 * Never waits; never fails (a later read fetches what is missing). */
void cache_prefetch(const char *url, int64_t max_bytes);
void cache_close(struct cache_file *f);
/* The object's size now (-1 unknown), without a store look-up. */
int64_t cache_file_size(struct cache_file *f);

struct cache_counters {
	int64_t limit, used;
	int64_t hits, misses;          /* blocks served from the store / fetched for a read */
	int64_t bytes_fetched, requests, retries, errors, evicted;
	int64_t probes;
	int64_t cancelled;             /* requests no reader wanted any more */
	int64_t commit_errors;         /* store batches that failed */
};
void cache_counters(struct cache_counters *c);

#endif
