/* fs/ops.h - the FUSE operations table and what it needs at start. */
#ifndef FS_OPS_H
#define FS_OPS_H

#define FUSE_USE_VERSION 312
#include <fuse.h>

#include "config.h"

struct ops_settings {
	double entry_timeout;   /* seconds the kernel may keep names and attributes */
	double attr_timeout;
	long long cache_size;   /* bytes of product blocks to keep (0: no limit) */
	int offline;            /* serve only what is cached */
	double io_timeout;      /* seconds a product transfer may stall */
	unsigned file_mode;     /* shown for results and products (writes are
	                         * refused whatever it says) */
};

const struct fuse_operations *ops_get(void);
/* From a signal handler: the mount is going away; waits in FUSE requests
 * end with EINTR and product transfers are abandoned (async-signal-safe). */
void ops_request_stop(void);
/* Called before fuse_main: what init() will set up. */
void ops_prepare(struct config *cfg, const char *db_path, const struct ops_settings *s);

#endif
