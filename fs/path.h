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
	N_Q_ADQL, N_Q_MAXREC, N_Q_STATUS, N_Q_ERROR,
	N_Q_JOB,          /* queries/<q>/job: the job URL; written: a job to adopt */
	N_Q_CSV, N_Q_VOT, N_Q_TBL,
	N_Q_CUTOUT,
	N_Q_SCRATCH,      /* queries/<q>/<any other name>: an editor's temporary file */
	N_Q_PRODUCTS,     /* queries/<q>/products/ */
	N_P_ENTRY,        /* products/<name>: a file or a directory (ask the store) */
	N_P_FILE,         /* products/<dir>/<file> */
	N_Q_UPLOADS,      /* queries/<q>/upload/ */
	N_U_FILE,         /* upload/<name>: a table, a link or a temporary file */
	N_VOFS, N_STATS, N_TRANSFERS,  /* .vofs/, .vofs/stats, .vofs/transfers */
};

struct node {
	enum node_type type;
	const struct service_conf *svc;
	char name[1024];    /* table (remote name), query or example name */
	char pname[256];    /* N_P_ENTRY, N_P_FILE: the product's file name */
	char fname[256];    /* N_P_FILE: the file in the product directory;
	                     * N_Q_SCRATCH: the temporary file's name;
	                     * N_U_FILE: the file's name in upload/ */
};

/* 0, or -ENOENT when no node can have this path. */
int path_parse(const struct config *cfg, const char *path, struct node *n);
/* 1 for directories; N_P_ENTRY can be either (0 here: ask products.h). */
int node_is_dir(enum node_type t);
/* nodes that belong to a query (N_QUERY .. N_U_FILE, N_Q_SCRATCH included) */
int node_in_query(enum node_type t);

#endif
