/* fs/transfers.h - the downloads in flight, for MOUNT/.vofs/transfers.
 *
 * Each transfer is one HTTP request's body: registered when its answer
 * starts, fed its byte counts as they arrive, removed when it ends.
 * Counting is a relaxed atomic add (no lock per chunk); the list is
 * locked only to add, remove and print.  Thread-safe.
 */
#ifndef FS_TRANSFERS_H
#define FS_TRANSFERS_H

#include <stdint.h>

#include "buf.h"

struct xfer;

/* what: a short word for the kind ("product", "result", ...); url is
 * copied; first: the first byte of the range asked for (0 for a whole
 * body); total: bytes this request will bring, -1 while unknown.
 * NULL when out of memory: the other functions accept NULL. */
struct xfer *xfer_begin(const char *what, const char *url, int64_t first, int64_t total);
void xfer_set_total(struct xfer *x, int64_t total);
void xfer_add(struct xfer *x, int64_t bytes);
void xfer_end(struct xfer *x);

/* One line per transfer, oldest first, fields separated by one blank:
 *   WHAT DONE/TOTAL PERCENT RATE SECONDSs [from=FIRST] URL
 * e.g. "product 8650752/16784640 51% 41MiB/s 0.2s http://...": DONE and
 * TOTAL in bytes of this request's body ("?" while the total is unknown),
 * RATE the mean since it started, from= the first byte of a Range
 * request.  Nothing when no transfer is in flight. */
int xfer_text(struct vo_buf *out);
/* Transfers in flight now. */
int xfer_count(void);

#endif
