/* tests/unit/collect.h - run the VOTable reader over a document and record
 * what it delivered as text, for comparing with expectations and across
 * chunkings and serializations.  Shared by test_votable.c and test_write.c.
 */
#ifndef VOFS_COLLECT_H
#define VOFS_COLLECT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "votable.h"

struct coll {
	struct vo_buf dump;     /* "# row N\nname = \"text\"\n" ... */
	struct vo_buf meta;     /* the metadata as delivered */
	struct vo_buf body;     /* rows as VOTable TABLEDATA (write != 0) */
	struct vo_buf csv;      /* header and rows as CSV (write != 0) */
	struct vo_table_meta m; /* valid until the reader is freed */
	int write;
	int nmeta;
	size_t rows;
	size_t stop_row;        /* row callback fails on this row (1-based) */
	int stop_rc;
	int meta_rc;            /* meta callback returns this */
};

static inline void coll_free(struct coll *c)
{
	vo_buf_free(&c->dump);
	vo_buf_free(&c->meta);
	vo_buf_free(&c->body);
	vo_buf_free(&c->csv);
}

static inline void coll_escape(struct vo_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '"' || ch == '\\')
			vo_buf_addf(b, "\\%c", ch);
		else if (ch == '\n')
			vo_buf_adds(b, "\\n");
		else if (ch == '\t')
			vo_buf_adds(b, "\\t");
		else if (ch == '\r')
			vo_buf_adds(b, "\\r");
		else if (ch < 0x20)
			vo_buf_addf(b, "\\x%02x", ch);
		else
			vo_buf_addc(b, (char)ch);
	}
}

static inline const char *coll_s(const char *s)
{
	return s ? s : "(null)";
}

static inline int coll_meta(void *ud, const struct vo_table_meta *m)
{
	struct coll *c = ud;
	size_t i;

	c->nmeta++;
	c->m = *m;
	for (i = 0; i < m->nfields; i++) {
		const struct vo_field *f = &m->fields[i];

		vo_buf_addf(&c->meta,
			    "FIELD %s id=%s type=%d datatype=%s arraysize=%s count=%zu variable=%d "
			    "unit=%s ucd=%s utype=%s xtype=%s ref=%s width=%s precision=%s "
			    "null=%s description=%s\n  %s\n",
			    coll_s(f->name), coll_s(f->id), (int)f->type,
			    coll_s(f->datatype), coll_s(f->arraysize), f->count,
			    f->variable, coll_s(f->unit), coll_s(f->ucd),
			    coll_s(f->utype), coll_s(f->xtype), coll_s(f->ref),
			    coll_s(f->width), coll_s(f->precision),
			    coll_s(f->null_value), coll_s(f->description),
			    coll_s(f->xml));
	}
	vo_buf_addf(&c->meta, "TABLE %s\nRESOURCE %s\n", coll_s(m->table_xml),
		    coll_s(m->resource_xml));
	if (c->write)
		vo_csv_header(&c->csv, m);
	return c->meta_rc;
}

static inline int coll_row(void *ud, const struct vo_cell *cells, size_t n)
{
	struct coll *c = ud;
	size_t i;

	c->rows++;
	vo_buf_addf(&c->dump, "# row %zu\n", c->rows);
	for (i = 0; i < n; i++) {
		const char *name = i < c->m.nfields && c->m.fields[i].name ?
				   c->m.fields[i].name : "?";

		if (cells[i].null) {
			vo_buf_addf(&c->dump, "%s = NULL\n", name);
			continue;
		}
		vo_buf_addf(&c->dump, "%s = \"", name);
		coll_escape(&c->dump, cells[i].s, cells[i].len);
		vo_buf_adds(&c->dump, "\"\n");
		/* the cell contract: NUL-terminated, len is strlen */
		if (strlen(cells[i].s) != cells[i].len)
			vo_buf_addf(&c->dump, "!!! cell %zu: strlen %zu != len %zu\n",
				    i, strlen(cells[i].s), cells[i].len);
	}
	if (c->write) {
		vo_votable_write_row(&c->body, cells, n);
		vo_csv_row(&c->csv, cells, n);
	}
	if (c->stop_row && c->rows == c->stop_row)
		return c->stop_rc;
	return 0;
}

enum { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

/* Parse doc into c.  With keep, the reader is handed back (for status and
 * for c->m, which points into it); else it is freed. */
static inline int coll_run(const char *doc, size_t len, int how, uint32_t seed,
			   struct coll *c, struct vo_err *err,
			   struct vo_votable **keep)
{
	struct vo_votable_cb cb = {c, coll_meta, coll_row};
	struct vo_votable *v;
	size_t off = 0;
	int rc = 0;

	if (keep)
		*keep = NULL;
	vo_err_clear(err);
	v = vo_votable_new(&cb, err);
	if (!v)
		return -ENOMEM;
	while (off < len && !rc) {
		size_t n = len - off;

		if (how == FEED_BYTES) {
			n = 1;
		} else if (how == FEED_RANDOM) {
			seed = seed * 1103515245u + 12345u;
			/* mostly small pieces, sometimes large ones */
			n = (seed >> 16) % 8 ? 1 + (seed >> 8) % 97 : 1 + (seed >> 4) % 4000;
			if (n > len - off)
				n = len - off;
		}
		rc = vo_votable_feed(v, doc + off, n);
		off += n;
	}
	if (!rc)
		rc = vo_votable_finish(v);
	if (keep)
		*keep = v;
	else
		vo_votable_free(v);
	return rc;
}

/* Drop comment lines ("# ..." other than "# row N") from expected text. */
static inline char *coll_expected(const char *text)
{
	struct vo_buf b = VO_BUF_INIT;
	const char *p = text;

	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) + 1 : strlen(p);

		if (p[0] != '#' || !strncmp(p, "# row ", 6))
			vo_buf_add(&b, p, n);
		p += n;
	}
	return vo_buf_take(&b);
}

#endif
