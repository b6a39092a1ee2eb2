/* fs/products.h - the DataLink products of a query's result, as files.
 *
 *   products/<id>.<ext>       a row whose access_url is the product itself
 *   products/<id>/            a row whose access_url is a DataLink document
 *                             (content=datalink), or that a DataLink service
 *                             descriptor of the result points at
 *       this.fits, preview.jpg, <semantics>.<ext>   one file per link
 *       cutout.fits           a SODA cutout when the query has a cutout
 *       links.csv             the DataLink rows of this product
 *
 * The list is built once per result, from the stored rows, and kept in the
 * store so names are stable (the same row always gets the same name).
 * DataLink documents are fetched when a product directory is first needed,
 * for all unresolved rows of the query at once, several IDs per request.
 * File sizes come from DataLink content_length, else from the block cache
 * (cache.h), which learns them with ranged GETs, many at a time.
 *
 * Names passed in are file names as they appear in the mount.
 */
#ifndef FS_PRODUCTS_H
#define FS_PRODUCTS_H

#include <stdint.h>

#include "buf.h"

#define PROD_LINKS_CSV "links.csv"
#define PROD_CUTOUT "cutout.fits"

struct prod_entry {
	char name[256];
	int is_dir;
	int64_t size;          /* -1: unknown until read (cutouts) */
	double mtime;
	int volatile_obj;      /* generated per request: stream whole */
	int links_csv;         /* links.csv (served from the store) */
	int unreadable;        /* its size probe failed lately (a #preview
	                        * answering 404): size 0, opening it is EIO,
	                        * user.vo.error says why */
};

/* 1 when the result generation rid has products, 0 when not.  Builds the
 * list the first time; products_forget(rid) when the generation is dropped. */
int products_available(int64_t rid);
void products_forget(int64_t rid);
/* products/ */
int products_list(int64_t rid, int (*cb)(void *ud, const struct prod_entry *e), void *ud);
/* products/<dir>/ ; cutout: the query's SODA POS, or NULL */
int products_dir_list(int64_t rid, const char *dir, const char *cutout,
		      int (*cb)(void *ud, const struct prod_entry *e), void *ud);
/* One entry: products/<file> (dir NULL) or products/<dir>/<file>, with its
 * size learnt if unknown (a ranged GET of byte 0, or the whole file); and,
 * when url is not NULL, the URL behind it (malloc'd; NULL for links.csv
 * and for directories).  -ENOENT when there is no such file (a cutout whose
 * region misses the image among them); when the server refused its size
 * (HTTP 404 ...) the entry is there with e->unreadable set. */
int products_file(int64_t rid, const char *dir, const char *file, const char *cutout,
		  struct prod_entry *e, char **url);
/* A file of the products directory (dir NULL) or of a product directory
 * was just copied whole: fetch the next n files in name order in the
 * background (what cp -r, rsync and tar read next). */
void products_prefetch_next(int64_t rid, const char *dir, const char *file, int n);
int products_links_csv(int64_t rid, const char *dir, struct vo_buf *out);
/* Extended attributes: "user.vo.url", "user.vo.content_type",
 * "user.vo.semantics" on files, "user.vo.obs_id" on directories (and on
 * products/<id>.<ext>).  -ENODATA when the attribute does not apply. */
int products_xattr(int64_t rid, const char *dir, const char *file, const char *cutout,
		   const char *key, struct vo_buf *out);
/* The names products_xattr has a value for at this node, NUL-separated. */
int products_xattr_list(int64_t rid, const char *dir, const char *file, const char *cutout,
			struct vo_buf *out);

#endif
