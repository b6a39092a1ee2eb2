/* fs/config.h - the services file and the mount options.
 *
 * The services file is INI: one section per service, `url = ...` inside.
 * Unknown keys are kept for later use with a warning; a section without a
 * url is an error that names the file and line.
 * `token_file` and `proxy` are settings of the service's origin (scheme,
 * host, port), handed to vo/http.c by config_apply_http().
 */
#ifndef FS_CONFIG_H
#define FS_CONFIG_H

#include <stddef.h>

#include "err.h"
#include "tap.h"

#define SVC_NAME_MAX 64

struct service_conf {
	char name[SVC_NAME_MAX];
	char *url;               /* TAP base URL, no trailing slash */
	long long maxrec;        /* -1: the service's default */
	long timeout_s;          /* per query, 0: none */
	enum vo_tap_mode mode;   /* mode = auto (the default), sync or async */
	char *token_file;        /* absolute path of a bearer token file, or NULL */
	char *proxy;             /* proxy URL, "" for none, NULL: curl's default */
};

struct config {
	struct service_conf *svcs;
	size_t nsvcs;
	char *config_file;       /* as given, or the default that was used */
	char *cache_dir;
	double meta_ttl;         /* seconds before metadata is fetched again */
	double io_timeout;       /* a transfer stalled this long is cut (s) */
	long long doc_max;       /* bytes of one service document kept in
	                          * memory (-o doc_max; table lists 4x) */
	int builtin;             /* the built-in service list is in use */
	int offline;             /* -o offline: no network at all */
	char *mountpoint;        /* absolute, once mounted (links in upload/
	                          * that point into the mount are resolved
	                          * inside vofs) */
	long long upload_max;    /* bytes of one upload/ table (-o upload_max) */
};

/* Service names become directory names: [A-Za-z0-9_.-], not starting
 * with '.', at most SVC_NAME_MAX-1 bytes. */
int config_valid_name(const char *name);

/* Load a services file; -ENOENT when it does not exist. */
int config_load_file(struct config *c, const char *path, struct vo_err *err);
void config_load_builtin(struct config *c);
/* service=NAME=URL: add or override. */
int config_add_service(struct config *c, const char *spec, struct vo_err *err);
void config_free(struct config *c);
/* Register every service's token_file and proxy with vo/http.c (reading
 * and checking the token files now).  Errors name the service, the file
 * and what is wrong, never a token: -ENOENT, -EACCES, -EINVAL, -EEXIST
 * (two services of one origin with different settings), ... */
int config_apply_http(const struct config *c, struct vo_err *err);
const struct service_conf *config_find(const struct config *c, const char *name);

#endif
