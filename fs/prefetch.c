/* fs/prefetch.c - the read window of one open file; see prefetch.h. */
#include "prefetch.h"

int pf_read(struct pf *p, int64_t off, int64_t len, int64_t fsize, int64_t *from,
	    int64_t *to)
{
	int seq = p->reads > 0 && off >= p->next_off - PF_BACK && off <= p->next_off + p->win;
	int seek = p->reads > 0 && !seq;
	int64_t end;

	p->reads++;
	if (seq) {
		p->run += len;
		p->win = p->win ? p->win * PF_GROWTH : PF_WIN_FIRST;
		if (p->win > PF_WIN_MAX)
			p->win = PF_WIN_MAX;
		if (off + len > p->next_off)
			p->next_off = off + len;
	} else {
		p->run = len;
		p->win = 0;
		p->next_off = off + len;
	}
	end = off + len + p->win;
	*from = off < fsize ? off : fsize;
	*to = end < fsize ? end : fsize;
	return seek;
}
