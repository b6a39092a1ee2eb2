/* fs/hash.h - the one string hash of the FUSE layer (FNV-1a, 64 bits),
 * for its in-memory tables: the engine's live objects, the product names
 * of a generation, the URLs whose pages the kernel holds, name sets. */
#ifndef FS_HASH_H
#define FS_HASH_H

#include <stdint.h>

/* seed: 0, or a value mixed in first (e.g. an id the string belongs to) */
static inline uint64_t str_hash(const char *s, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

#endif
