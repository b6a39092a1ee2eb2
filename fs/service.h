/* fs/service.h - a service's metadata, fetched once and kept in the store.
 *
 * Nothing here runs at mount time: each piece is fetched the first time it
 * is needed (and again after meta_ttl), by the thread that needs it, while
 * other threads wait for that one fetch.  When a fetch fails, what was
 * stored before is still served and the error is kept for the service's
 * about.txt; the next attempt is made after a short back-off
 * (SVC_RETRY_S), so an unreachable service does not make every `ls` wait.
 *
 * Texts are returned in caller-owned buffers.
 */
#ifndef FS_SERVICE_H
#define FS_SERVICE_H

#include "buf.h"
#include "config.h"

#define SVC_RETRY_S 30.0

int svc_init(const struct config *cfg);
void svc_shutdown(void);
const struct config *svc_config(void);

/* about.txt (capabilities summary, or the reason it is missing) */
int svc_about(const struct service_conf *s, struct vo_buf *out);
/* capabilities.xml as served; -ENODATA when never fetched */
int svc_capabilities(const struct service_conf *s, struct vo_buf *out);
/* The default row limit its capabilities state (outputLimit default),
 * kept when they are stored; -1 when not stated or not known (a store
 * from before this key: until the capabilities are fetched again). */
long long svc_default_rows(const struct service_conf *s);
/* 1 when the service's capabilities declare inline table upload
 * (TAPRegExt upload-inline): queries/<q>/upload/ can be sent; 0 when they
 * do not; -1 when no capabilities could be read. */
int svc_upload_inline(const struct service_conf *s);
/* Make sure the table list is stored. 0 even when the fetch failed but an
 * older list exists. */
int svc_tables_ensure(const struct service_conf *s);
int svc_examples_ensure(const struct service_conf *s);
/* columns.csv / description.txt / sample.csv of one table (remote name) */
int svc_table_columns(const struct service_conf *s, const char *table, struct vo_buf *out);
int svc_table_description(const struct service_conf *s, const char *table, struct vo_buf *out);
/* fetch: 0 = only what is stored (-ENODATA if nothing), 1 = fetch if needed */
int svc_table_sample(const struct service_conf *s, const char *table, int fetch,
		     struct vo_buf *out);
/* The last metadata error of a service, "" when none. */
void svc_last_error(const struct service_conf *s, char *out, size_t n);

#endif
