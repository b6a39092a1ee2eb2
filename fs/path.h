/* fs/path.h - a path of the mount, parsed into a typed node.
 *
 * Parsing is purely syntactic: it checks that the shape is one the tree
 * can have and that the service is configured, not that a table or query
 * exists (ops.c asks the store).  Remote names are unescaped (names.h).
 */
#ifndef FS_PATH_H
#define FS_PATH_H

#include "config.h"

enum node_type {
	N_ROOT, N_README,
	N_SVC, N_ABOUT, N_CAPS,
	N_EXAMPLES, N_EXAMPLE,
	N_TABLES, N_TABLE, N_T_COLUMNS, N_T_DESC, N_T_SAMPLE,
	N_QUERIES, N_QUERY, N_QUERY_ALIAS,
	N_Q_ADQL, N_Q_MAXREC, N_Q_STATUS, N_Q_ERROR, N_Q_CSV, N_Q_VOT,
};

struct node {
	enum node_type type;
	const struct service_conf *svc;
	char name[1024];    /* table (remote name), query or example name */
};

/* 0, or -ENOENT when no node can have this path. */
int path_parse(const struct config *cfg, const char *path, struct node *n);
int node_is_dir(enum node_type t);

#endif
