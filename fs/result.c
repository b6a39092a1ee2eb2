/* fs/result.c - result pages; see result.h. */
#include "result.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "ipac.h"
#include "log.h"

#define PAGE_ROWS 512
#define PAGE_BYTES (256u << 10)
#define PAGES_PER_TXN 16
#define TBL_CHUNK (128u << 10)     /* result.tbl rendered this much at a time */

/* --- cell encoding ------------------------------------------------------ */

static int put_varint(struct vo_buf *b, uint64_t v)
{
	unsigned char tmp[10];
	size_t n = 0;

	do {
		unsigned char ch = v & 0x7f;
		v >>= 7;
		tmp[n++] = ch | (v ? 0x80 : 0);
	} while (v);
	return vo_buf_add(b, tmp, n);
}

static int get_varint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
	uint64_t r = 0;
	int shift = 0;

	while (*p < end && shift < 64) {
		unsigned char ch = *(*p)++;
		r |= (uint64_t)(ch & 0x7f) << shift;
		if (!(ch & 0x80)) {
			*v = r;
			return 0;
		}
		shift += 7;
	}
	return -EIO;
}

static int encode_row(struct vo_buf *b, const struct vo_cell *c, size_t n)
{
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++) {
		if (c[i].null) {
			rc = put_varint(b, 0);
			continue;
		}
		rc = put_varint(b, (uint64_t)c[i].len + 1);
		if (!rc)
			rc = vo_buf_add(b, c[i].s, c[i].len);
		if (!rc)
			rc = vo_buf_addc(b, '\0');
	}
	return rc;
}

/* Decode one row of n cells starting at *p. */
static int decode_row(const unsigned char **p, const unsigned char *end,
		      struct vo_cell *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t v;
		if (get_varint(p, end, &v))
			return -EIO;
		if (v == 0) {
			c[i] = (struct vo_cell){.s = "", .len = 0, .null = 1};
			continue;
		}
		v--;
		if ((uint64_t)(end - *p) < v + 1 || (*p)[v] != '\0')
			return -EIO;
		c[i] = (struct vo_cell){.s = (const char *)*p, .len = (size_t)v, .null = 0};
		*p += v + 1;
	}
	return 0;
}

/* --- stored metadata: the pieces of the renderings around the rows ------- */

static int put_str(struct vo_buf *b, const char *s, size_t n)
{
	int rc = put_varint(b, n);
	return rc ? rc : vo_buf_add(b, s, n);
}

static int get_str(const unsigned char **p, const unsigned char *end,
		   const char **s, size_t *n)
{
	uint64_t v;

	if (get_varint(p, end, &v) || (uint64_t)(end - *p) < v)
		return -EIO;
	*s = (const char *)*p;
	*n = (size_t)v;
	*p += v;
	return 0;
}

/* meta blob: nfields, csv head, vot head, vot tail, then per field: name,
 * datatype, arraysize, ucd, utype, xtype, unit, ID, then the service
 * descriptors of the result (kept for products), then flags (bit 0: CSV
 * lines end in CRLF), then the IPAC section (see below).  Blobs of layout
 * 2 end before the flags: their CSV was counted with CRLF, which the
 * reader keeps; blobs stored before result.tbl end after the flags. */
#define META_CRLF 1u
struct stored_meta {
	size_t nfields;
	const char *csv_head, *vot_head, *vot_tail;
	size_t csv_head_len, vot_head_len, vot_tail_len;
	const unsigned char *fields;   /* the per-field strings, then the rest */
	int crlf;
	int has_flags;
	const unsigned char *rest, *end;   /* after the flags: the IPAC section */
};

static int parse_meta(const struct vo_buf *b, struct stored_meta *m)
{
	const unsigned char *p = (const unsigned char *)b->p, *end = p + b->len;
	uint64_t nf;

	if (!b->p || get_varint(&p, end, &nf))
		return -EIO;
	m->nfields = (size_t)nf;
	if (get_str(&p, end, &m->csv_head, &m->csv_head_len) ||
	    get_str(&p, end, &m->vot_head, &m->vot_head_len) ||
	    get_str(&p, end, &m->vot_tail, &m->vot_tail_len))
		return -EIO;
	m->fields = p;
	/* past the fields and the services: the flags, if any */
	for (uint64_t i = 0; i < nf * 8 + 1; i++) {
		const char *s;
		size_t n;
		if (get_str(&p, end, &s, &n))
			return -EIO;
	}
	m->crlf = 1;
	m->has_flags = p < end;
	if (p < end) {
		uint64_t flags;
		if (get_varint(&p, end, &flags))
			return -EIO;
		m->crlf = (flags & META_CRLF) != 0;
	}
	m->rest = p;
	m->end = end;
	return 0;
}

/* Stored page `page`: 1, or 0 past the last, or a negative errno. */
static int next_page(int64_t rid, int64_t page, struct db_page *pg, struct vo_buf *data)
{
	int rc = db_result_get_page(rid, page, pg, data);

	return rc == -ENOENT ? 0 : rc ? rc : 1;
}

/* --- result.tbl: column widths and page sizes ------------------------------- */

/* The IPAC section of the meta blob: a version (1), then per field its
 * width and flags (bit 0: its nulls are blank, vo/ipac.h), then the number
 * of pages and per page its rows and its bytes beyond one per character.
 * Types, names and units come from the per-field strings. */
#define TBL_VERSION 1
#define TBL_BLANK_NULL 1u

struct tbl_layout {
	size_t n;
	struct vo_ipac_col *col;
	char **name, **unit;
};

static void layout_free(struct tbl_layout *t)
{
	for (size_t i = 0; i < t->n; i++) {
		if (t->name)
			free(t->name[i]);
		if (t->unit)
			free(t->unit[i]);
	}
	free(t->col);
	free(t->name);
	free(t->unit);
	memset(t, 0, sizeof *t);
}

static char *dup_n(const char *s, size_t n);

/* Columns as wide as their header strings, from the per-field strings
 * (name, datatype, arraysize, ucd, utype, xtype, unit, ID) at *p. */
static int layout_init(struct tbl_layout *t, const unsigned char **p,
		       const unsigned char *end, size_t n)
{
	memset(t, 0, sizeof *t);
	t->col = calloc(n ? n : 1, sizeof *t->col);
	t->name = calloc(n ? n : 1, sizeof *t->name);
	t->unit = calloc(n ? n : 1, sizeof *t->unit);
	if (!t->col || !t->name || !t->unit) {
		layout_free(t);
		return -ENOMEM;
	}
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		const char *v[8];
		size_t len[8];
		char *dt, *as;
		for (int k = 0; k < 8; k++)
			if (get_str(p, end, &v[k], &len[k])) {
				layout_free(t);
				return -EIO;
			}
		t->name[i] = dup_n(v[0], len[0]);
		t->unit[i] = dup_n(v[6], len[6]);
		dt = dup_n(v[1], len[1]);
		as = dup_n(v[2], len[2]);
		if (t->name[i] && t->unit[i] && dt && as)
			vo_ipac_col_init(&t->col[i], t->name[i], dt, *as ? as : NULL, t->unit[i]);
		free(dt);
		free(as);
		if (!t->name[i] || !t->unit[i] || !dt || !as) {
			layout_free(t);
			return -ENOMEM;
		}
	}
	return 0;
}

static int layout_head(const struct tbl_layout *t, struct vo_buf *out)
{
	return vo_ipac_head(out, t->col, t->n, (const char *const *)t->name,
			    (const char *const *)t->unit);
}

/* pages: (rows, extra bytes) varint pairs */
static int put_tbl_section(struct vo_buf *meta, const struct tbl_layout *t,
			   const struct vo_buf *pages, int64_t npages)
{
	int rc = put_varint(meta, TBL_VERSION);

	for (size_t i = 0; i < t->n && !rc; i++) {
		rc = put_varint(meta, t->col[i].width);
		if (!rc)
			rc = put_varint(meta, t->col[i].blank_null ? TBL_BLANK_NULL : 0);
	}
	if (!rc)
		rc = put_varint(meta, (uint64_t)npages);
	return rc ? rc : vo_buf_add(meta, pages->p ? pages->p : "", pages->len);
}

/* What a reader of result.tbl needs: the layout, the head, and where each
 * page starts in the body. */
struct tbl_info {
	struct tbl_layout lay;
	struct vo_buf head;
	uint64_t line;          /* characters (ASCII bytes) of every line */
	int64_t npages;
	int64_t *first_row;     /* npages + 1 entries */
	int64_t *start;         /* body offset of each page; [npages]: the body size */
};

static void tbl_info_free(struct tbl_info *ti)
{
	if (!ti)
		return;
	layout_free(&ti->lay);
	vo_buf_free(&ti->head);
	free(ti->first_row);
	free(ti->start);
	free(ti);
}

/* The section of a result stored before result.tbl: every stored row
 * measured, in page order; appended to the blob (and flags, for layout 2). */
static int tbl_compute(int64_t rid, struct vo_buf *blob, const struct stored_meta *m)
{
	struct vo_buf data = VO_BUF_INIT, pages = VO_BUF_INIT, out = VO_BUF_INIT;
	const unsigned char *p = m->fields;
	struct vo_cell *cells = calloc(m->nfields ? m->nfields : 1, sizeof *cells);
	struct tbl_layout t;
	struct db_page pg;
	int64_t npages = 0;
	int rc;

	if (!cells)
		return -ENOMEM;
	if ((rc = layout_init(&t, &p, m->end, m->nfields))) {
		free(cells);
		return rc;
	}
	for (int64_t page = 0; !rc; page++) {
		const unsigned char *q, *end;
		uint64_t extra = 0;
		if ((rc = next_page(rid, page, &pg, &data)) <= 0)
			break;
		rc = 0;
		if (pg.page != page || pg.nrows < 0) {
			rc = -EIO;
			break;
		}
		q = (const unsigned char *)data.p;
		end = q + data.len;
		for (int64_t i = 0; i < pg.nrows && !rc; i++) {
			if (decode_row(&q, end, cells, m->nfields))
				rc = -EIO;
			else
				extra += vo_ipac_measure(t.col, cells, m->nfields);
		}
		if (!rc)
			rc = put_varint(&pages, (uint64_t)pg.nrows);
		if (!rc)
			rc = put_varint(&pages, extra);
		npages++;
	}
	if (!rc)
		rc = vo_buf_add(&out, blob->p, (size_t)(m->rest - (const unsigned char *)blob->p));
	if (!rc && !m->has_flags)
		rc = put_varint(&out, m->crlf ? META_CRLF : 0);
	if (!rc)
		rc = put_tbl_section(&out, &t, &pages, npages);
	if (!rc) {
		vo_buf_free(blob);
		*blob = out;
		out = (struct vo_buf)VO_BUF_INIT;
	}
	layout_free(&t);
	free(cells);
	vo_buf_free(&data);
	vo_buf_free(&pages);
	vo_buf_free(&out);
	return rc;
}

struct meta_txn {
	int64_t rid;
	const struct vo_buf *meta;
};

static int meta_txn(void *arg)
{
	const struct meta_txn *t = arg;

	return db_result_set_meta(t->rid, t->meta->p, t->meta->len);
}

static int tbl_info_load(int64_t rid, struct tbl_info **out)
{
	struct vo_buf blob = VO_BUF_INIT;
	struct tbl_info *ti = calloc(1, sizeof *ti);
	struct stored_meta m;
	const unsigned char *p, *q;
	uint64_t v, np;
	int64_t total = 0;
	int rc;

	*out = NULL;
	if (!ti)
		return -ENOMEM;
	rc = db_result_get_meta(rid, &blob);
	if (rc) {
		rc = rc == -ENODATA || rc == -ENOENT ? -EIO : rc;
		goto out;
	}
	if ((rc = parse_meta(&blob, &m)))
		goto out;
	if (m.rest == m.end) {
		/* stored before result.tbl: count it now, once */
		struct meta_txn t = {rid, &blob};
		vo_info("result %lld: result.tbl of a result stored before it existed: "
			"measuring the stored rows", (long long)rid);
		if ((rc = tbl_compute(rid, &blob, &m)) || (rc = parse_meta(&blob, &m)))
			goto out;
		if (db_write_txn(meta_txn, &t))
			vo_warn("result %lld: cannot keep the result.tbl widths; they are "
				"counted again next time", (long long)rid);
	}
	p = m.fields;
	if ((rc = layout_init(&ti->lay, &p, m.end, m.nfields)))
		goto out;
	p = m.rest;
	rc = -EIO;
	if (get_varint(&p, m.end, &v) || v != TBL_VERSION)
		goto out;
	for (size_t i = 0; i < m.nfields; i++) {
		uint64_t w, f;
		if (get_varint(&p, m.end, &w) || get_varint(&p, m.end, &f) ||
		    w < ti->lay.col[i].width || w > ((uint64_t)1 << 40))
			goto out;
		ti->lay.col[i].width = (size_t)w;
		ti->lay.col[i].blank_null = (f & TBL_BLANK_NULL) != 0;
	}
	if (get_varint(&p, m.end, &np) || np > (uint64_t)(m.end - p) / 2)
		goto out;
	ti->npages = (int64_t)np;
	ti->line = vo_ipac_line_chars(ti->lay.col, ti->lay.n);
	ti->first_row = calloc(np + 1, sizeof *ti->first_row);
	ti->start = calloc(np + 1, sizeof *ti->start);
	if (!ti->first_row || !ti->start) {
		rc = -ENOMEM;
		goto out;
	}
	q = p;
	for (uint64_t i = 0; i < np; i++) {
		uint64_t nrows, extra;
		if (get_varint(&q, m.end, &nrows) || get_varint(&q, m.end, &extra) ||
		    nrows > INT32_MAX || extra > ((uint64_t)1 << 50))
			goto out;
		ti->first_row[i + 1] = ti->first_row[i] + (int64_t)nrows;
		total += (int64_t)(nrows * ti->line + extra);
		ti->start[i + 1] = total;
	}
	if ((rc = layout_head(&ti->lay, &ti->head)))
		goto out;
	*out = ti;
	ti = NULL;
out:
	if (rc == -EIO)
		vo_error("result %lld: stored metadata for result.tbl is damaged", (long long)rid);
	tbl_info_free(ti);
	vo_buf_free(&blob);
	return rc;
}

static int64_t tbl_size_of(const struct tbl_info *ti)
{
	return (int64_t)ti->head.len + ti->start[ti->npages];
}

/* Sizes of result.tbl by generation: generations never change, so a size
 * once known stays right. */
#define TBL_SIZES 64
static struct { int64_t rid, size; } tbl_sizes[TBL_SIZES];
static pthread_mutex_t tbl_sizes_lock = PTHREAD_MUTEX_INITIALIZER;

static void tbl_size_remember(int64_t rid, int64_t size)
{
	pthread_mutex_lock(&tbl_sizes_lock);
	tbl_sizes[(uint64_t)rid % TBL_SIZES].rid = rid;
	tbl_sizes[(uint64_t)rid % TBL_SIZES].size = size;
	pthread_mutex_unlock(&tbl_sizes_lock);
}

int result_tbl_size(int64_t rid, int64_t *size)
{
	struct tbl_info *ti;
	int rc, hit;

	pthread_mutex_lock(&tbl_sizes_lock);
	hit = rid && tbl_sizes[(uint64_t)rid % TBL_SIZES].rid == rid;
	if (hit)
		*size = tbl_sizes[(uint64_t)rid % TBL_SIZES].size;
	pthread_mutex_unlock(&tbl_sizes_lock);
	if (hit)
		return 0;
	if ((rc = tbl_info_load(rid, &ti)))
		return rc;
	*size = tbl_size_of(ti);
	tbl_info_free(ti);
	tbl_size_remember(rid, *size);
	return 0;
}

/* --- writer ------------------------------------------------------------------ */

struct result_writer {
	int64_t rid;
	struct vo_buf page;        /* encoded rows of the current page */
	struct vo_buf scratch;     /* one rendered row, to count its bytes */
	struct db_page cur;
	int64_t csv_body, vot_body;   /* bytes of rows so far */
	int64_t rows;
	/* pages wait here until PAGES_PER_TXN are ready, then go to the store
	 * in one short transaction: none is open while rows arrive */
	struct { struct db_page p; char *data; size_t len; } staged[PAGES_PER_TXN];
	int nstaged;
	int dropped;               /* the result before this run is gone */
	int have_meta;
	int crlf;                  /* CSV line ends of this result */
	size_t nfields;
	/* the meta pieces, until finish */
	struct vo_buf csv_head;
	struct vo_buf fields_blob;    /* per-field strings for the meta blob */
	struct vo_buf table_xml, resource_xml;
	struct vo_buf services;
	char **field_xml;
	/* result.tbl: widths so far, and (rows, extra bytes) of each page */
	struct tbl_layout tbl;
	struct vo_buf tbl_pages;
	int64_t tbl_npages;
	uint64_t page_extra;
};

struct result_writer *result_writer_new(int64_t rid)
{
	struct result_writer *w = calloc(1, sizeof *w);

	if (w) {
		w->rid = rid;
		w->crlf = vo_csv_crlf();
		w->page.cap = PAGE_BYTES + VO_VOT_MAX_CELL * 2;
		w->scratch.cap = VO_VOT_MAX_CELL * 8;
	}
	return w;
}

static void free_field_xml(struct result_writer *w)
{
	if (w->field_xml) {
		for (size_t i = 0; i < w->nfields; i++)
			free(w->field_xml[i]);
		free(w->field_xml);
		w->field_xml = NULL;
	}
}

static void staged_free(struct result_writer *w)
{
	for (int i = 0; i < w->nstaged; i++)
		free(w->staged[i].data);
	w->nstaged = 0;
}

struct staged_txn {
	struct result_writer *w;
	const struct vo_buf *meta;    /* with the last pages, else NULL */
};

/* On the store's writer, in one transaction: the staged pages (the old
 * result dropped first, once), and the meta with the last ones. */
static int staged_txn(void *arg)
{
	const struct staged_txn *t = arg;
	struct result_writer *w = t->w;
	int rc = w->dropped ? 0 : db_result_clear(w->rid);

	for (int i = 0; i < w->nstaged && !rc; i++)
		rc = db_result_add_page(w->rid, &w->staged[i].p, w->staged[i].data,
					w->staged[i].len);
	if (!rc && t->meta)
		rc = db_result_set_meta(w->rid, t->meta->p, t->meta->len);
	return rc;
}

static int store_staged(struct result_writer *w, const struct vo_buf *meta)
{
	struct staged_txn t = {w, meta};
	int rc = db_write_txn(staged_txn, &t);

	if (!rc)
		w->dropped = 1;
	staged_free(w);
	return rc;
}

void result_writer_free(struct result_writer *w)
{
	if (!w)
		return;
	staged_free(w);
	vo_buf_free(&w->page);
	vo_buf_free(&w->scratch);
	vo_buf_free(&w->csv_head);
	vo_buf_free(&w->fields_blob);
	vo_buf_free(&w->table_xml);
	vo_buf_free(&w->resource_xml);
	vo_buf_free(&w->services);
	vo_buf_free(&w->tbl_pages);
	layout_free(&w->tbl);
	free_field_xml(w);
	free(w);
}

int64_t result_writer_rows(const struct result_writer *w)
{
	return w->rows;
}

int result_writer_begin(struct result_writer *w)
{
	vo_buf_reset(&w->page);
	vo_buf_reset(&w->csv_head);
	vo_buf_reset(&w->fields_blob);
	vo_buf_reset(&w->table_xml);
	vo_buf_reset(&w->resource_xml);
	vo_buf_reset(&w->services);
	free_field_xml(w);
	layout_free(&w->tbl);
	vo_buf_reset(&w->tbl_pages);
	w->tbl_npages = 0;
	w->page_extra = 0;
	memset(&w->cur, 0, sizeof w->cur);
	w->csv_body = w->vot_body = w->rows = 0;
	w->have_meta = 0;
	w->crlf = vo_csv_crlf();
	w->nfields = 0;
	staged_free(w);
	w->dropped = 0;
	return 0;
}

int result_writer_meta(struct result_writer *w, const struct vo_table_meta *m)
{
	int rc;

	if (w->have_meta)
		return 0;
	w->have_meta = 1;
	w->nfields = m->nfields;
	w->field_xml = calloc(m->nfields ? m->nfields : 1, sizeof *w->field_xml);
	if (!w->field_xml)
		return -ENOMEM;
	if ((rc = vo_csv_header_eol(&w->csv_head, m, w->crlf)))
		return rc;
	for (size_t i = 0; i < m->nfields; i++) {
		const struct vo_field *f = &m->fields[i];
		const char *v[] = {f->name, f->datatype, f->arraysize, f->ucd, f->utype,
				   f->xtype, f->unit, f->id};
		w->field_xml[i] = strdup(f->xml ? f->xml : "");
		if (!w->field_xml[i])
			return -ENOMEM;
		for (size_t k = 0; k < sizeof v / sizeof v[0]; k++)
			if ((rc = put_str(&w->fields_blob, v[k] ? v[k] : "", v[k] ? strlen(v[k]) : 0)))
				return rc;
	}
	{
		const unsigned char *p = (const unsigned char *)w->fields_blob.p;
		if ((rc = layout_init(&w->tbl, &p, p + w->fields_blob.len, m->nfields)))
			return rc;
	}
	if ((rc = vo_buf_adds(&w->table_xml, m->table_xml ? m->table_xml : "")))
		return rc;
	return vo_buf_adds(&w->resource_xml, m->resource_xml ? m->resource_xml : "");
}

static int flush_page(struct result_writer *w)
{
	int k = w->nstaged;

	int rc;

	if (!w->cur.nrows)
		return 0;
	if ((rc = put_varint(&w->tbl_pages, (uint64_t)w->cur.nrows)) ||
	    (rc = put_varint(&w->tbl_pages, w->page_extra)))
		return rc;
	w->tbl_npages++;
	w->page_extra = 0;
	w->staged[k].p = w->cur;
	w->staged[k].len = w->page.len;
	if (!(w->staged[k].data = vo_buf_take(&w->page)))
		return -ENOMEM;
	w->nstaged++;
	w->page.cap = PAGE_BYTES + VO_VOT_MAX_CELL * 2;
	w->cur.page++;
	w->cur.first_row += w->cur.nrows;
	w->cur.nrows = 0;
	w->cur.csv_off = w->csv_body;
	w->cur.vot_off = w->vot_body;
	/* short transactions of pages already here: other writers wait at
	 * most for one batch, never for the network */
	return w->nstaged == PAGES_PER_TXN ? store_staged(w, NULL) : 0;
}

int result_writer_row(struct result_writer *w, const struct vo_cell *c, size_t n)
{
	int rc;

	if (!w->have_meta || n != w->nfields) {
		vo_error("result %lld: row with %zu cells, table has %zu fields",
			 (long long)w->rid, n, w->nfields);
		return -EIO;
	}
	vo_buf_reset(&w->scratch);
	if ((rc = vo_csv_row_eol(&w->scratch, c, n, w->crlf)))
		return rc;
	w->csv_body += (int64_t)w->scratch.len;
	vo_buf_reset(&w->scratch);
	if ((rc = vo_votable_write_row(&w->scratch, c, n)))
		return rc;
	w->vot_body += (int64_t)w->scratch.len;
	w->page_extra += vo_ipac_measure(w->tbl.col, c, n);
	if ((rc = encode_row(&w->page, c, n)))
		return rc;
	w->cur.nrows++;
	w->rows++;
	if (w->cur.nrows >= PAGE_ROWS || w->page.len >= PAGE_BYTES)
		return flush_page(w);
	return 0;
}

/* A meta struct rebuilt from what the writer kept: write_head needs only
 * the xml pieces. */
static int render_head_tail(struct result_writer *w, int overflow,
			    struct vo_buf *head, struct vo_buf *tail)
{
	struct vo_field *f = calloc(w->nfields ? w->nfields : 1, sizeof *f);
	struct vo_table_meta m = {.nfields = w->nfields, .fields = f,
				  .table_xml = w->table_xml.p ? w->table_xml.p : "",
				  .resource_xml = w->resource_xml.p ? w->resource_xml.p : ""};
	const char *st = overflow ? "OVERFLOW" : "OK";
	int rc;

	if (!f)
		return -ENOMEM;
	for (size_t i = 0; i < w->nfields; i++)
		f[i].xml = w->field_xml[i];
	rc = vo_votable_write_head(head, &m, st, "");
	if (!rc)
		rc = vo_votable_write_tail(tail, st, "", w->services.p);
	free(f);
	return rc;
}

int result_writer_services(struct result_writer *w, const char *xml)
{
	vo_buf_reset(&w->services);
	return xml ? vo_buf_adds(&w->services, xml) : 0;
}

int result_writer_finish(struct result_writer *w, int overflow,
			 int64_t *nrows, int64_t *csv_size, int64_t *vot_size)
{
	struct vo_buf head = VO_BUF_INIT, tail = VO_BUF_INIT, meta = VO_BUF_INIT;
	struct vo_buf tbl_head = VO_BUF_INIT;
	uint64_t extra = 0;
	int rc;

	if (!w->have_meta) {
		vo_error("result %lld: no table metadata", (long long)w->rid);
		return -EIO;
	}
	if ((rc = render_head_tail(w, overflow, &head, &tail)))
		goto out;
	/* the last page first: the IPAC section counts it */
	if ((rc = flush_page(w)))
		goto out;
	rc = put_varint(&meta, w->nfields);
	if (!rc) rc = put_str(&meta, w->csv_head.p, w->csv_head.len);
	if (!rc) rc = put_str(&meta, head.p, head.len);
	if (!rc) rc = put_str(&meta, tail.p, tail.len);
	if (!rc) rc = vo_buf_add(&meta, w->fields_blob.p ? w->fields_blob.p : "", w->fields_blob.len);
	if (!rc) rc = put_str(&meta, w->services.p ? w->services.p : "", w->services.len);
	if (!rc) rc = put_varint(&meta, w->crlf ? META_CRLF : 0);
	if (!rc) rc = put_tbl_section(&meta, &w->tbl, &w->tbl_pages, w->tbl_npages);
	if (!rc) rc = layout_head(&w->tbl, &tbl_head);
	/* the last pages and the meta in one transaction: the result is
	 * whole in the store or not there */
	if (!rc) rc = store_staged(w, &meta);
	if (rc)
		goto out;
	*nrows = w->rows;
	*csv_size = (int64_t)w->csv_head.len + w->csv_body;
	*vot_size = (int64_t)head.len + w->vot_body + (int64_t)tail.len;
	{
		const unsigned char *p = (const unsigned char *)w->tbl_pages.p;
		const unsigned char *end = p + w->tbl_pages.len;
		uint64_t nr, x;
		while (p < end && !get_varint(&p, end, &nr) && !get_varint(&p, end, &x))
			extra += x;
	}
	tbl_size_remember(w->rid, (int64_t)tbl_head.len +
			  w->rows * (int64_t)vo_ipac_line_chars(w->tbl.col, w->tbl.n) +
			  (int64_t)extra);
out:
	vo_buf_free(&tbl_head);
	vo_buf_free(&head);
	vo_buf_free(&tail);
	vo_buf_free(&meta);
	return rc;
}

/* --- reader ------------------------------------------------------------------ */

struct result_reader {
	pthread_mutex_t lock;
	int64_t rid;
	enum result_kind kind;
	int64_t size;
	struct vo_buf meta_blob;
	struct stored_meta meta;
	int have_meta;
	struct vo_buf pagedata;
	struct vo_buf text;          /* the current page rendered */
	int64_t text_off;            /* body offset of text, -1: none */
	struct vo_cell *cells;
	/* RESULT_TBL: the page in pagedata and where its rows start */
	struct tbl_info *tbl;
	int64_t tpage;               /* -1: none */
	size_t trows;
	int64_t *trow_off;           /* body offsets, trows + 1 */
	size_t *trow_pos;            /* in pagedata */
};

struct result_reader *result_reader_new(int64_t rid, enum result_kind kind, int64_t size)
{
	struct result_reader *r = calloc(1, sizeof *r);

	if (!r)
		return NULL;
	pthread_mutex_init(&r->lock, NULL);
	r->rid = rid;
	r->kind = kind;
	r->size = size;
	r->text_off = -1;
	r->tpage = -1;
	if (kind == RESULT_TBL)
		r->text.cap = SIZE_MAX / 2;   /* one row at least, however wide */
	return r;
}

void result_reader_free(struct result_reader *r)
{
	if (!r)
		return;
	vo_buf_free(&r->meta_blob);
	vo_buf_free(&r->pagedata);
	vo_buf_free(&r->text);
	free(r->cells);
	tbl_info_free(r->tbl);
	free(r->trow_off);
	free(r->trow_pos);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

static int load_meta(struct result_reader *r)
{
	int rc;

	if (r->have_meta)
		return 0;
	if (r->kind == RESULT_TBL) {
		if ((rc = tbl_info_load(r->rid, &r->tbl)))
			return rc;
		r->cells = calloc(r->tbl->lay.n ? r->tbl->lay.n : 1, sizeof *r->cells);
		if (!r->cells)
			return -ENOMEM;
		r->meta.nfields = r->tbl->lay.n;
		r->have_meta = 1;
		return 0;
	}
	rc = db_result_get_meta(r->rid, &r->meta_blob);
	if (rc)
		return rc == -ENODATA || rc == -ENOENT ? -EIO : rc;
	if (parse_meta(&r->meta_blob, &r->meta))
		return -EIO;
	r->cells = calloc(r->meta.nfields ? r->meta.nfields : 1, sizeof *r->cells);
	if (!r->cells)
		return -ENOMEM;
	r->have_meta = 1;
	return 0;
}

/* Render the page that holds body offset off into r->text. */
static int load_page(struct result_reader *r, int64_t off)
{
	struct db_page pg;
	const unsigned char *p, *end;
	int rc;

	rc = db_result_find_page(r->rid, r->kind, off, &pg, &r->pagedata);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	vo_buf_reset(&r->text);
	p = (const unsigned char *)r->pagedata.p;
	end = p + r->pagedata.len;
	for (int64_t i = 0; i < pg.nrows; i++) {
		if (decode_row(&p, end, r->cells, r->meta.nfields))
			return -EIO;
		rc = r->kind == RESULT_CSV ? vo_csv_row_eol(&r->text, r->cells, r->meta.nfields,
							     r->meta.crlf)
					   : vo_votable_write_row(&r->text, r->cells, r->meta.nfields);
		if (rc)
			return rc;
	}
	if (p != end)
		return -EIO;
	r->text_off = r->kind == RESULT_CSV ? pg.csv_off : pg.vot_off;
	return 0;
}

/* Decode page p of result.tbl: where each of its rows starts. */
static int tbl_load_page(struct result_reader *r, int64_t p)
{
	const struct tbl_info *ti = r->tbl;
	const unsigned char *q, *base, *end;
	struct db_page pg;
	int64_t off = ti->start[p];
	size_t n = (size_t)(ti->first_row[p + 1] - ti->first_row[p]);
	int rc;

	r->tpage = -1;
	rc = db_result_get_page(r->rid, p, &pg, &r->pagedata);
	if (rc)
		return rc == -ENOENT ? -EIO : rc;
	if (pg.nrows != (int64_t)n || pg.first_row != ti->first_row[p])
		return -EIO;
	free(r->trow_off);
	free(r->trow_pos);
	r->trow_off = calloc(n + 1, sizeof *r->trow_off);
	r->trow_pos = calloc(n + 1, sizeof *r->trow_pos);
	if (!r->trow_off || !r->trow_pos)
		return -ENOMEM;
	base = q = (const unsigned char *)r->pagedata.p;
	end = q + r->pagedata.len;
	for (size_t i = 0; i < n; i++) {
		r->trow_off[i] = off;
		r->trow_pos[i] = (size_t)(q - base);
		if (decode_row(&q, end, r->cells, ti->lay.n))
			return -EIO;
		off += (int64_t)(ti->line + vo_ipac_extra(r->cells, ti->lay.n));
	}
	if (q != end || off != ti->start[p + 1])
		return -EIO;
	r->trow_off[n] = off;
	r->trows = n;
	r->tpage = p;
	return 0;
}

/* The last of a[0..n) (ascending, a[0] <= off) at or before off. */
static size_t last_at_or_before(const int64_t *a, size_t n, int64_t off)
{
	size_t lo = 0, hi = n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo + 1) / 2;
		if (a[mid] <= off)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* Render the rows of result.tbl from the one holding body offset off, up
 * to TBL_CHUNK bytes (one row at least), into r->text. */
static int load_tbl_rows(struct result_reader *r, int64_t off)
{
	const struct tbl_info *ti = r->tbl;
	int64_t p;
	size_t i, j;
	int rc;

	if (off < 0 || off >= ti->start[ti->npages])
		return -EIO;
	p = (int64_t)last_at_or_before(ti->start, (size_t)ti->npages, off);
	if (r->tpage != p && (rc = tbl_load_page(r, p)))
		return rc;
	i = last_at_or_before(r->trow_off, r->trows, off);
	vo_buf_reset(&r->text);
	for (j = i; j < r->trows && (j == i || r->text.len < TBL_CHUNK); j++) {
		const unsigned char *q = (const unsigned char *)r->pagedata.p + r->trow_pos[j];
		const unsigned char *end = (const unsigned char *)r->pagedata.p + r->pagedata.len;
		if (decode_row(&q, end, r->cells, ti->lay.n))
			return -EIO;
		if ((rc = vo_ipac_row(&r->text, ti->lay.col, r->cells, ti->lay.n)))
			return rc == -ERANGE ? -EIO : rc;
	}
	if ((int64_t)r->text.len != r->trow_off[j] - r->trow_off[i])
		return -EIO;
	r->text_off = r->trow_off[i];
	return 0;
}

static size_t copy_part(char *dst, size_t want, const char *src, size_t srclen,
			int64_t src_off, int64_t off)
{
	size_t k;

	if (off < src_off || off >= src_off + (int64_t)srclen)
		return 0;
	k = srclen - (size_t)(off - src_off);
	if (k > want)
		k = want;
	memcpy(dst, src + (off - src_off), k);
	return k;
}

ssize_t result_read(struct result_reader *r, char *buf, size_t size, off_t off)
{
	size_t done = 0;
	int64_t head_len, tail_len, body_len;
	const char *head, *tail;
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if ((rc = load_meta(r)))
		goto out;
	if (r->kind == RESULT_TBL) {
		head = r->tbl->head.p;
		head_len = (int64_t)r->tbl->head.len;
		tail = "";
		tail_len = 0;
		if (tbl_size_of(r->tbl) != r->size) {
			rc = -EIO;
			goto out;
		}
	} else {
		head = r->kind == RESULT_CSV ? r->meta.csv_head : r->meta.vot_head;
		head_len = (int64_t)(r->kind == RESULT_CSV ? r->meta.csv_head_len
							   : r->meta.vot_head_len);
		tail = r->kind == RESULT_CSV ? "" : r->meta.vot_tail;
		tail_len = r->kind == RESULT_CSV ? 0 : (int64_t)r->meta.vot_tail_len;
	}
	body_len = r->size - head_len - tail_len;
	if (body_len < 0) {
		rc = -EIO;
		goto out;
	}
	if (off >= r->size)
		goto out;
	if ((int64_t)size > r->size - off)
		size = (size_t)(r->size - off);
	while (done < size) {
		int64_t pos = off + (int64_t)done;
		size_t k;
		if (pos < head_len) {
			k = copy_part(buf + done, size - done, head, (size_t)head_len, 0, pos);
		} else if (pos < head_len + body_len) {
			int64_t bpos = pos - head_len;
			if (r->text_off < 0 || bpos < r->text_off ||
			    bpos >= r->text_off + (int64_t)r->text.len) {
				rc = r->kind == RESULT_TBL ? load_tbl_rows(r, bpos) : load_page(r, bpos);
				if (rc)
					goto out;
			}
			k = copy_part(buf + done, size - done, r->text.p, r->text.len,
				      r->text_off, bpos);
			if (k > (size_t)(body_len - bpos))
				k = (size_t)(body_len - bpos);
		} else {
			k = copy_part(buf + done, size - done, tail, (size_t)tail_len,
				      head_len + body_len, pos);
		}
		if (k == 0) {
			rc = -EIO;   /* the stored pages do not cover this offset */
			goto out;
		}
		done += k;
	}
out:
	if (rc)
		vo_error("result %lld (%s): stored data inconsistent at offset %lld: %s",
			 (long long)r->rid, r->kind == RESULT_CSV ? "csv" :
			 r->kind == RESULT_VOT ? "votable" : "ipac",
			 (long long)off, strerror(-rc));
	pthread_mutex_unlock(&r->lock);
	return rc ? rc : (ssize_t)done;
}

/* --- small results into memory ------------------------------------------------- */

int csv_sink_meta(void *ud, const struct vo_table_meta *m)
{
	struct csv_sink *s = ud;
	return vo_csv_header(&s->out, m);
}

int csv_sink_row(void *ud, const struct vo_cell *c, size_t n)
{
	struct csv_sink *s = ud;
	s->nrows++;
	return vo_csv_row(&s->out, c, n);
}

/* --- fields and rows, for products ---------------------------------------------- */

void result_fields_free(struct result_fields *rf)
{
	if (!rf)
		return;
	for (size_t i = 0; rf->f && i < rf->n; i++) {
		free(rf->f[i].name);
		free(rf->f[i].ucd);
		free(rf->f[i].id);
	}
	free(rf->f);
	free(rf->services);
	memset(rf, 0, sizeof *rf);
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

int result_fields_load(int64_t rid, struct result_fields *rf)
{
	struct vo_buf blob = VO_BUF_INIT;
	struct stored_meta m;
	const unsigned char *p, *end;
	int rc;

	memset(rf, 0, sizeof *rf);
	if ((rc = db_result_get_meta(rid, &blob)))
		goto out;
	if ((rc = parse_meta(&blob, &m)))
		goto out;
	p = m.fields;
	end = (const unsigned char *)blob.p + blob.len;
	rf->n = m.nfields;
	rf->f = calloc(m.nfields ? m.nfields : 1, sizeof *rf->f);
	if (!rf->f) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < m.nfields; i++) {
		const char *v[8];
		size_t len[8];
		for (int k = 0; k < 8; k++)
			if (get_str(&p, end, &v[k], &len[k])) {
				rc = -EIO;
				goto out;
			}
		rf->f[i].name = dup_n(v[0], len[0]);
		rf->f[i].ucd = dup_n(v[3], len[3]);
		rf->f[i].id = dup_n(v[7], len[7]);
		if (!rf->f[i].name || !rf->f[i].ucd || !rf->f[i].id) {
			rc = -ENOMEM;
			goto out;
		}
	}
	{
		const char *sv;
		size_t svl;
		if (get_str(&p, end, &sv, &svl)) {
			rc = -EIO;
			goto out;
		}
		rf->services = dup_n(sv, svl);
		if (!rf->services)
			rc = -ENOMEM;
	}
out:
	if (rc == -EIO)
		vo_error("result %lld: stored metadata is damaged", (long long)rid);
	if (rc)
		result_fields_free(rf);
	vo_buf_free(&blob);
	return rc;
}

int result_scan(int64_t rid, size_t nfields,
		int (*row)(void *ud, int64_t rowno, const struct vo_cell *c, size_t n), void *ud)
{
	struct vo_buf data = VO_BUF_INIT;
	struct vo_cell *cells = calloc(nfields ? nfields : 1, sizeof *cells);
	struct db_page pg;
	int rc = 0;

	if (!cells)
		return -ENOMEM;
	for (int64_t page = 0; !rc; page++) {
		const unsigned char *p, *end;
		if ((rc = next_page(rid, page, &pg, &data)) <= 0)
			break;
		rc = 0;
		p = (const unsigned char *)data.p;
		end = p + data.len;
		for (int64_t r = 0; r < pg.nrows && !rc; r++) {
			if (decode_row(&p, end, cells, nfields)) {
				vo_error("result %lld: page %lld is damaged", (long long)rid,
					 (long long)page);
				rc = -EIO;
				break;
			}
			rc = row(ud, pg.first_row + r, cells, nfields);
		}
	}
	free(cells);
	vo_buf_free(&data);
	return rc;
}
