/* vo/vosi.h - VOSI capabilities and tables, DALI examples.
 *
 * Parsers are streaming and pure (vo_vosi_*_parser feed functions take
 * chunks); the fetch functions do the HTTP and feed them.  Strings in the
 * structs are owned by the struct and released by its _free function.
 */
#ifndef VO_VOSI_H
#define VO_VOSI_H

#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "http.h"

/* --- capabilities ------------------------------------------------------ */

struct vo_caps {
	char *tap_base;          /* accessURL of the TAP capability, or NULL */
	char *tap_version;       /* interface version, e.g. "1.1" */
	char *tables_url;        /* VOSI#tables accessURL */
	char *examples_url;      /* DALI#examples accessURL */
	char *availability_url;
	struct vo_buf languages;      /* "ADQL 2.0, ADQL 2.1" */
	struct vo_buf formats;        /* one line per output format: mime (alias) */
	struct vo_buf uploads;        /* one line per upload method ivo-id */
	struct vo_buf geometry;       /* ADQL geometry functions, space separated */
	struct vo_buf other_caps;     /* one line per other standardID */
	long long maxrec_default, maxrec_hard;     /* -1: not stated */
	long long retention_default, retention_hard;
	long long exec_default, exec_hard;
	int nlanguages;
};

void vo_caps_free(struct vo_caps *c);
/* 1 when the capabilities declare inline table upload (an uploadMethod
 * ivo-id ending in #upload-inline, any case): TAP_UPLOAD with multipart
 * parts may be sent. */
int vo_caps_upload_inline(const struct vo_caps *c);
/* Parse a capabilities document held in memory. */
int vo_caps_parse(const char *xml, size_t len, struct vo_caps *c,
		  struct vo_err *err);
/* Human-readable summary (about.txt). */
int vo_caps_describe(const struct vo_caps *c, const char *service,
		     const char *base_url, struct vo_buf *out);

/* --- tables ------------------------------------------------------------ */

struct vo_column {
	char *name, *datatype, *arraysize, *unit, *ucd, *utype, *xtype,
	     *description;
	int indexed, principal, nullable;
};

struct vo_table {
	char *schema;        /* schema name, may be NULL */
	char *name;          /* qualified name as served ("ivoa.obscore") */
	char *title;
	char *description;
	char *type;          /* "table", "view", "output" ... */
	size_t ncols;
	struct vo_column *cols;
};

void vo_table_free(struct vo_table *t);

/* Streaming parser of a VOSI tableset (or a single <table> document):
 * calls cb once per table; the table is borrowed for the call.  The column
 * count of one table is capped (VO_VOSI_MAX_COLS). */
#define VO_VOSI_MAX_COLS 20000
struct vo_vosi_parser;
struct vo_vosi_parser *vo_vosi_parser_new(int (*cb)(void *ud, const struct vo_table *t),
					  void *ud, struct vo_err *err);
int vo_vosi_parser_feed(struct vo_vosi_parser *p, const char *buf, size_t len);
int vo_vosi_parser_finish(struct vo_vosi_parser *p);
void vo_vosi_parser_free(struct vo_vosi_parser *p);

/* Capabilities and examples documents are read up to this many bytes
 * (default 16 MiB; 0 sets the default). */
size_t vo_vosi_max_doc(void);
void vo_vosi_set_max_doc(size_t bytes);

/* --- network ----------------------------------------------------------------
 * lim (NULL: defaults of 60 s in all, 120 s stalled) bounds each fetch. */

/* GET <base>/capabilities (or url), parse. raw (optional) receives the
 * document as served (capped at 4 MiB). */
int vo_vosi_fetch_caps(const char *base_url, struct vo_caps *c,
		       struct vo_buf *raw, const struct vo_limits *lim, struct vo_err *err);
/* GET <tables_url>?detail=min and stream every table to cb. */
int vo_vosi_fetch_tables(const char *tables_url, int detail_min,
			 int (*cb)(void *ud, const struct vo_table *t), void *ud,
			 const struct vo_limits *lim, struct vo_err *err);
/* GET <tables_url>/<name>: one table with its columns. */
int vo_vosi_fetch_table(const char *tables_url, const char *name,
			int (*cb)(void *ud, const struct vo_table *t), void *ud,
			const struct vo_limits *lim, struct vo_err *err);

/* --- DALI examples --------------------------------------------------------- */

/* Parse an examples document (XHTML+RDFa): cb per example with its id (the
 * element's id), name (property="name") and query text (property="query").
 * Documents with XHTML entities like &nbsp; are not XML: they are tolerated
 * by replacing unknown entities, never by expanding declarations. */
int vo_examples_parse(const char *doc, size_t len,
		      int (*cb)(void *ud, const char *id, const char *name,
				const char *query),
		      void *ud, struct vo_err *err);
int vo_examples_fetch(const char *url,
		      int (*cb)(void *ud, const char *id, const char *name,
				const char *query),
		      void *ud, const struct vo_limits *lim, struct vo_err *err);

#endif
