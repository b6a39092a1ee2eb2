/* vo/datalink.h - DataLink 1.1 link lists and service descriptors, SODA 1.0
 * sync cutouts.
 *
 * A DataLink response is a VOTable: a results table with one row per link
 * (read with the streaming reader of vo/votable.h, so TABLEDATA, BINARY
 * and BINARY2 read alike) plus RESOURCE type="meta" service descriptors
 * (read from vo_votable_meta_resources() with vo/xml.h).  Everything here
 * is pure except vo_dl_fetch(), which does HTTP through vo/http.h.
 *
 * Ownership: a struct vo_dl_doc owns every string, link and descriptor it
 * points to; vo_dl_doc_free() releases them (and accepts NULL).  Strings
 * passed in are borrowed.  Errors: 0 or a negative errno, the detail in the
 * caller's struct vo_err.
 */
#ifndef VO_DATALINK_H
#define VO_DATALINK_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* One response body is read up to vo_dl_max_doc() bytes, the links of one
 * document kept up to twice that (default 16 MiB: vo_dl_set_max_doc). */
#define VO_DL_MAX_DOC vo_dl_max_doc()
#define VO_DL_MAX_MEM (2 * vo_dl_max_doc())
size_t vo_dl_max_doc(void);
void vo_dl_set_max_doc(size_t bytes);   /* 0: the default */
#define VO_DL_MAX_BATCH 500                /* IDs in the first request */
#define VO_DL_MAX_SERVICES 4096            /* descriptors in one text */
#define VO_DL_MAX_PARAMS 1024              /* inputParams of one descriptor */

/* standardIDs, without the minor version (see vo_dl_service_is) */
#define VO_DL_STD_LINKS "ivo://ivoa.net/std/DataLink#links-1"
#define VO_DL_STD_SODA_SYNC "ivo://ivoa.net/std/SODA#sync-1"
#define VO_DL_STD_SODA_ASYNC "ivo://ivoa.net/std/SODA#async-1"

struct vo_dl_cols;   /* the FIELDs of one response, shared by its rows */

/* One row of the links table.  The named strings point into cells[]; they
 * are NULL when the column is absent or the cell null (an empty cell is
 * null: BINARY cannot say null for a string, so the three serializations
 * give the same links and CSV).  access_url, service_def, semantics,
 * content_type, content_qualifier and local_semantics are trimmed of
 * surrounding white space (a pretty-printed TD); ID, description and
 * error_message are kept as served. */
struct vo_dl_link {
	char *id, *access_url, *service_def, *error_message, *description,
	     *semantics, *content_type, *content_qualifier, *local_semantics;
	long long content_length;   /* -1 when null, absent or not a count */
	char *csv;        /* the whole row as one RFC 4180 record (CRLF ended),
			   * in the order of the doc's csv_header */
	size_t ncells;
	char **cells;     /* every cell as canonical text, NULL when null/empty */
	const struct vo_dl_cols *cols;
};

/* An input PARAM of a service descriptor (GROUP name="inputParams").
 * value is NULL when the attribute is absent or empty: DataLink's way of
 * saying "supplied by the user" or, with ref, "taken from the row". */
struct vo_dl_param {
	char *name, *value, *ref, *ucd, *datatype, *arraysize, *xtype, *unit;
	char *description;        /* DESCRIPTION text, trimmed, or NULL */
	char *min, *max;          /* VALUES/MIN and MAX value=, or NULL */
	char *options;            /* VALUES/OPTION values, one per line, or NULL */
};

/* A RESOURCE type="meta" utype="adhoc:service" (or "adhoc:this"). */
struct vo_dl_service {
	char *id;                 /* the RESOURCE's ID (what service_def names) */
	char *name;               /* its name attribute */
	char *description;        /* its DESCRIPTION, trimmed */
	int self;                 /* utype adhoc:this, or DataLink 1.0's
				   * adhoc:service with name="this" */
	char *access_url, *standard_id, *resource_identifier, *content_type;
	size_t nparams;
	struct vo_dl_param *params;
};

struct vo_dl_doc {
	size_t nlinks;
	struct vo_dl_link *links;
	size_t nservices;
	struct vo_dl_service *services;
	char *csv_header;         /* header record for links.csv (CRLF ended) */
	char *status;             /* the last QUERY_STATUS value, or NULL */
	char *status_msg;         /* its message, or NULL */
	size_t mem;               /* approximate bytes held by the links */
	/* internal: the column sets links[].cols point to */
	size_t ncolsets;
	struct vo_dl_cols **colsets;
};

/* --- parsing ------------------------------------------------------------- */

/* Parse a whole DataLink response held in memory (callers cap downloads:
 * VO_DL_MAX_DOC).  Columns are found by name, case-insensitively, in any
 * order; extra columns are kept (cells, csv).  Errors:
 *   -EBADMSG  malformed XML (entity declarations included), not a VOTable
 *             (an HTML error page), no results table, no ID column, or
 *             neither an access_url nor a service_def column;
 *   -EIO      the service said QUERY_STATUS="ERROR" (err has its message);
 *   -EFBIG    a cell or metadata over the reader's caps, links over
 *             VO_DL_MAX_MEM, descriptors over their caps;
 *   -ENOTSUP  a FITS serialization or a STREAM href;
 *   -ENOMEM.
 * On error *out is left empty (safe to free). */
int vo_dl_parse(const char *buf, size_t len, struct vo_dl_doc *out,
		struct vo_err *err);
void vo_dl_doc_free(struct vo_dl_doc *d);

/* Parse the service descriptors found in XML text: any sequence of
 * elements (what vo_votable_meta_resources() gives, or a whole VOTable);
 * every RESOURCE type="meta" with utype adhoc:service or adhoc:this, at
 * any depth, in document order.  *out is a new array of *n descriptors
 * (NULL when none).  -EBADMSG for malformed XML, -EFBIG over
 * VO_DL_MAX_SERVICES / VO_DL_MAX_PARAMS or 16 MiB of text. */
int vo_dl_parse_services(const char *xml, size_t len,
			 struct vo_dl_service **out, size_t *n,
			 struct vo_err *err);
void vo_dl_services_free(struct vo_dl_service *s, size_t n);

/* The cell of the row's column whose FIELD ID is field (what a PARAM's ref
 * names), else whose name is field; NULL when there is no such column or
 * the cell is null. */
const char *vo_dl_link_cell(const struct vo_dl_link *l, const char *field);

/* --- semantics and file names -------------------------------------------- */

/* 1 when sem is term or a narrower term of the DataLink core vocabulary
 * ("#preview-image" is a "#preview"), else 0.  Core terms may be written
 * "#term" or "http://www.ivoa.net/rdf/datalink/core#term" (either way, in
 * sem and in term; surrounding blanks ignored); any other URI is a custom
 * term, equal only to itself.  NULL sem or term: 0. */
int vo_dl_semantics_is(const char *sem, const char *term);

/* Base file name for a link: "this", "preview" (#preview and everything
 * narrower), else the core term itself ("auxiliary", "weight", "cutout",
 * "documentation" ...); for another URI its fragment, else its last path
 * segment; "link" when nothing usable.  '/' and control characters become
 * '_', a leading '.' too, and the term is cut at 100 bytes (at a UTF-8
 * boundary).  Then "." and vo_dl_ext_for_type(content_type).  Writes a
 * NUL-terminated name into out (size n); returns its length, or -ENOSPC
 * (out then holds ""). */
int vo_dl_link_basename(const struct vo_dl_link *l, char *out, size_t n);

/* File extension (no dot) for a media type; parameters and case ignored:
 * "fits" (image/fits, application/fits, application/x-fits*,
 * image/x-fits*), "jpg", "png", "gif", "svg", "vot"
 * (application/x-votable+xml, application/votable+xml), "xml" (text/xml,
 * application/xml, any other +xml), "csv", "tsv", "txt" (text/plain),
 * "html" (also application/xhtml+xml), "pdf", "json" (also +json), "tar",
 * "gz", "zip", "hdf5"; "bin" for anything else, NULL or empty. */
const char *vo_dl_ext_for_type(const char *content_type);

/* --- finding descriptors ------------------------------------------------- */

/* 1 when s's standardID is std, compared case-insensitively, ignoring any
 * minor version (std "ivo://ivoa.net/std/SODA#sync-1" matches "...sync-1",
 * "...sync-1.0", "...SYNC-1.3"; not "...sync-10"). */
int vo_dl_service_is(const struct vo_dl_service *s, const char *std);

/* The descriptor whose ID is l->service_def, or NULL. */
const struct vo_dl_service *vo_dl_link_service(const struct vo_dl_doc *d,
					       const struct vo_dl_link *l);

/* A SODA sync descriptor for dataset id: the one a row of that ID points
 * to through service_def, else one whose ID input parameter has the value
 * id; NULL if none.  *row (may be NULL) gets the pointing row, or NULL. */
const struct vo_dl_service *vo_dl_soda_sync(const struct vo_dl_doc *d,
					    const char *id,
					    const struct vo_dl_link **row);

/* The input parameter called name (case-insensitive), or NULL. */
const struct vo_dl_param *vo_dl_service_param(const struct vo_dl_service *s,
					      const char *name);

/* --- batching ------------------------------------------------------------ */

/* If url has exactly one ID query parameter (name compared
 * case-insensitively), *base gets url without it (other parameters kept,
 * in order; no '?' when none is left; a #fragment dropped) and *id its
 * value, percent-decoded ('+' is a space); both malloc'd.  -EINVAL when
 * there is no ID, more than one, an empty one or a bad %-escape (nothing
 * is allocated then); -ENOMEM. */
int vo_dl_split_url(const char *url, char **base, char **id);

/* The decision for one response d to a request for ids[0..n): sets
 * answered[i] to 1 for each ID whose links d holds in full, 0 otherwise;
 * keep[j] (d->nlinks entries; keep may be NULL) to 1 for each link to keep;
 * returns how many are kept.  Without OVERFLOW everything is kept and every
 * ID answered (an ID without rows has none).  With OVERFLOW the rows of the
 * last row's ID are dropped (the standard forbids cutting one ID's rows; a
 * server may still do it) and the IDs of the other rows count as answered
 * -- provided the rows of each ID are together, as the standard demands:
 * when they are not (DaCHS 2.7 puts all #proc rows first), a cut answer
 * proves nothing, and nothing is kept or answered.  (A server that breaks
 * both rules and cuts where every ID still looks together cannot be told
 * apart from an honest one.) */
size_t vo_dl_complete(const struct vo_dl_doc *d, const char *const *ids,
		      size_t n, unsigned char *answered, unsigned char *keep);

/* Links for ids[0..n) from a DataLink endpoint: POST to base (which may
 * carry a query string) with ID repeated in the form body, each body
 * capped at VO_DL_MAX_DOC.  Redirects are followed by hand: the IDs are
 * POSTed again, except after a 303 or a redirect to a URL naming IDs of
 * its own (DaCHS's ObsCore endpoint sends the first ID on to its
 * collection's service), which are followed with a GET; the answer then
 * counts only for the IDs that URL names.  The first request carries up
 * to VO_DL_MAX_BATCH IDs; after an OVERFLOW (or a partial answer like the
 * one above) the unanswered IDs are asked again in batches of as many as
 * the server answered in full, down to one ID a request.  If a single ID
 * overflows on its own, its rows are kept as served and out->status is
 * "OVERFLOW" (status_msg names the ID); otherwise "OK".  Duplicate IDs
 * are asked once.  out->links are in the request order of the IDs, the
 * rows of one ID together (rows naming no requested ID last); descriptors
 * of all responses are kept, an ID clashing with an earlier response's
 * renamed "<id>~<k>" (service_def cells and csv follow).  csv_header is the
 * first response's; rows of a later response with other columns are
 * re-rendered to it by column name.  n == 0 gives an empty doc without a
 * request.  timeout_s as in vo_http_req (per request).  Errors:
 * vo_http_do's, vo_http_status_errno() of an HTTP error (err has the
 * server's message), -ELOOP after 10 redirects, -EPROTO when an answer is
 * about none of the IDs asked, vo_dl_parse's (-EIO for QUERY_STATUS
 * ERROR), -EFBIG when the links exceed VO_DL_MAX_MEM.  On error *out is
 * empty. */
int vo_dl_fetch(const char *base, const char *const *ids, size_t n,
		long timeout_s, struct vo_dl_doc *out, struct vo_err *err);

/* vo_dl_fetch() with the transport supplied (tests, other transports):
 * post() must fill body with the answer to a POST of ID=ids[0..k) to base,
 * or return a negative errno with err set.  asked[0..k) comes set to 1;
 * post clears the entries of the IDs the answer is not about. */
typedef int (*vo_dl_post_fn)(void *ud, const char *base,
			     const char *const *ids, size_t k,
			     unsigned char *asked, struct vo_buf *body,
			     struct vo_err *err);
int vo_dl_fetch_with(const char *base, const char *const *ids, size_t n,
		     vo_dl_post_fn post, void *ud, struct vo_dl_doc *out,
		     struct vo_err *err);

/* --- SODA ---------------------------------------------------------------- */

/* Check a SODA POS value: "CIRCLE lon lat r", "RANGE lon1 lon2 lat1 lat2",
 * "POLYGON lon lat lon lat lon lat [...]": shape in upper case, numbers in
 * decimal (sign, point, exponent), blank separated, finite, latitudes in
 * [-90, 90], 0 < r <= 180, at least 3 polygon vertices; RANGE limits may be
 * -Inf/+Inf (open ranges, as in DALI) and need lower <= upper.  -EINVAL with
 * a message naming the problem. */
int vo_soda_check_pos(const char *pos, struct vo_err *err);

/* Resolves a PARAM's ref (a FIELD ID) to a value; NULL when unknown. */
typedef const char *(*vo_dl_ref_fn)(void *ud, const char *ref);

struct vo_dl_kv {
	const char *name, *value;
};

/* GET URL invoking a service descriptor: its accessURL ('?' or '&' as
 * needed), then each input parameter with a value: a fixed value= one, or
 * one with ref= resolved through ref_fn (ref_fn may be NULL), then the
 * user's parameters (an input parameter of the same name, compared
 * case-insensitively, is replaced by the user's); names and values
 * percent-encoded.  url is reset first.  -EINVAL when svc is NULL, has no
 * accessURL or a ref cannot be resolved (the message says which). */
int vo_dl_service_url(const struct vo_dl_service *svc, vo_dl_ref_fn ref_fn,
		      void *ud, const struct vo_dl_kv *user, size_t nuser,
		      struct vo_buf *url, struct vo_err *err);

/* GET URL of a SODA sync cutout: vo_dl_service_url() with refs resolved in
 * row (vo_dl_link_cell; row may be NULL) and POS=pos.  An ID parameter with
 * neither value nor ref takes row->id.  -EINVAL (message says which) when
 * pos is not valid (vo_soda_check_pos), svc is NULL, the descriptor has no
 * accessURL, no ID or no POS input parameter, or no ID value can be
 * found. */
int vo_soda_url(const struct vo_dl_service *svc, const struct vo_dl_link *row,
		const char *pos, struct vo_buf *url, struct vo_err *err);

#endif
