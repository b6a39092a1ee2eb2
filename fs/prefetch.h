/* fs/prefetch.h - the read window of one open file.
 *
 * Pure policy, no I/O: given each read, it says which bytes should be
 * present or on their way.  The first read of a run asks for what was read
 * (the kernel's own read-ahead is already in it), so a header read fetches
 * one block.  While reads stay sequential the window ahead of the reader
 * grows PF_GROWTH-fold, from PF_WIN_FIRST up to PF_WIN_MAX (fast: a server
 * that takes milliseconds to start each answer, as DaCHS does, would make a
 * slow ramp cost more round trips than the bytes); a read elsewhere (beyond a
 * short step back or past the window) is a seek: the window starts over
 * there, and the caller cancels what it had asked for that the new window
 * does not need.  The caller splits what is missing into requests of at
 * most PF_PART bytes, at most PF_MAX_REQS of them in flight per file.
 */
#ifndef FS_PREFETCH_H
#define FS_PREFETCH_H

#include <stdint.h>

#define PF_WIN_FIRST ((int64_t)8 << 20)
#define PF_GROWTH 4
#define PF_WIN_MAX ((int64_t)32 << 20)
#define PF_PART ((int64_t)8 << 20)
#define PF_BACK ((int64_t)1 << 20)
#define PF_MAX_REQS 4

struct pf {
	int64_t next_off;   /* where a sequential read continues */
	int64_t win;        /* bytes wanted ahead of the reader */
	int64_t run;        /* bytes read in the current sequential run */
	int64_t reads;
};

/* A read of [off, off+len) of a file of fsize bytes.  Sets [*from, *to)
 * to the bytes that should be present or requested now; returns 1 when
 * the read is a seek (the earlier window is of no more use), else 0. */
int pf_read(struct pf *p, int64_t off, int64_t len, int64_t fsize, int64_t *from,
	    int64_t *to);

#endif
