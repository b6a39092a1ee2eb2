/* fs/path.c - path -> node; see path.h. */
#include "path.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "names.h"

/* Split off the next component of *p into out. */
static int next(const char **p, char *out, size_t n)
{
	const char *s = *p, *e;
	size_t k;

	while (*s == '/')
		s++;
	if (!*s)
		return 0;
	e = strchr(s, '/');
	k = e ? (size_t)(e - s) : strlen(s);
	if (k >= n)
		return -ENAMETOOLONG;
	memcpy(out, s, k);
	out[k] = '\0';
	*p = s + k;
	return 1;
}

int node_is_dir(enum node_type t)
{
	switch (t) {
	case N_ROOT: case N_SVC: case N_EXAMPLES: case N_TABLES: case N_TABLE:
	case N_QUERIES: case N_QUERY: case N_Q_PRODUCTS: case N_VOFS: case N_Q_UPLOADS:
		return 1;
	default:
		return 0;
	}
}

int node_in_query(enum node_type t)
{
	return t >= N_QUERY && t <= N_U_FILE;
}

static const struct { const char *name; enum node_type t; } query_files[] = {
	{"query.adql", N_Q_ADQL}, {"maxrec", N_Q_MAXREC}, {"status", N_Q_STATUS},
	{"error", N_Q_ERROR}, {"result.csv", N_Q_CSV}, {"result.vot", N_Q_VOT},
	{"result.tbl", N_Q_TBL}, {"cutout", N_Q_CUTOUT},
	{"job", N_Q_JOB},
};

static const struct { const char *name; enum node_type t; } table_files[] = {
	{"columns.csv", N_T_COLUMNS}, {"description.txt", N_T_DESC},
	{"sample.csv", N_T_SAMPLE},
};

int path_parse(const struct config *cfg, const char *path, struct node *n)
{
	char c[6][1024];
	const char *p = path;
	int depth = 0, r = 0;

	memset(n, 0, sizeof *n);
	while (depth < 6 && (r = next(&p, c[depth], sizeof c[0])) == 1)
		depth++;
	if (r < 0)
		return r;
	if (depth == 6 && next(&p, c[0], sizeof c[0]) != 0)
		return -ENOENT;   /* deeper than any node */
	if (depth == 0) {
		n->type = N_ROOT;
		return 0;
	}
	if (strcmp(c[0], ".vofs") == 0) {
		if (depth == 1)
			n->type = N_VOFS;
		else if (depth == 2 && strcmp(c[1], "stats") == 0)
			n->type = N_STATS;
		else if (depth == 2 && strcmp(c[1], "transfers") == 0)
			n->type = N_TRANSFERS;
		else
			return -ENOENT;
		return 0;
	}
	if (depth > 4 && !(strcmp(c[1], "queries") == 0 && (strcmp(c[3], "products") == 0 ||
							     (depth == 5 && strcmp(c[3], "upload") == 0))))
		return -ENOENT;
	if (depth == 1 && strcmp(c[0], "README") == 0) {
		n->type = N_README;
		return 0;
	}
	n->svc = config_find(cfg, c[0]);
	if (!n->svc)
		return -ENOENT;
	if (depth == 1) {
		n->type = N_SVC;
		return 0;
	}
	if (strcmp(c[1], "about.txt") == 0 && depth == 2) {
		n->type = N_ABOUT;
		return 0;
	}
	if (strcmp(c[1], "capabilities.xml") == 0 && depth == 2) {
		n->type = N_CAPS;
		return 0;
	}
	if (strcmp(c[1], "examples") == 0) {
		size_t k;
		if (depth == 2) {
			n->type = N_EXAMPLES;
			return 0;
		}
		k = strlen(c[2]);
		if (depth != 3 || k <= 5 || strcmp(c[2] + k - 5, ".adql") != 0)
			return -ENOENT;
		c[2][k - 5] = '\0';
		n->type = N_EXAMPLE;
		snprintf(n->name, sizeof n->name, "%s", c[2]);
		return 0;
	}
	if (strcmp(c[1], "tables") == 0) {
		if (depth == 2) {
			n->type = N_TABLES;
			return 0;
		}
		if (name_unescape(c[2], n->name, sizeof n->name) < 0)
			return -ENOENT;
		if (depth == 3) {
			n->type = N_TABLE;
			return 0;
		}
		for (size_t i = 0; i < sizeof table_files / sizeof table_files[0]; i++)
			if (strcmp(c[3], table_files[i].name) == 0) {
				n->type = table_files[i].t;
				return 0;
			}
		return -ENOENT;
	}
	if (strcmp(c[1], "queries") == 0) {
		size_t k;
		if (depth == 2) {
			n->type = N_QUERIES;
			return 0;
		}
		snprintf(n->name, sizeof n->name, "%s", c[2]);
		k = strlen(c[2]);
		if (depth == 3 && k > 5 && strcmp(c[2] + k - 5, ".adql") == 0) {
			n->name[k - 5] = '\0';
			n->type = N_QUERY_ALIAS;
			return 0;
		}
		if (depth == 3) {
			n->type = N_QUERY;
			return 0;
		}
		if (strcmp(c[3], "products") == 0) {
			if (depth == 4) {
				n->type = N_Q_PRODUCTS;
				return 0;
			}
			if (strlen(c[4]) >= sizeof n->pname ||
			    (depth == 6 && strlen(c[5]) >= sizeof n->fname))
				return -ENOENT;
			snprintf(n->pname, sizeof n->pname, "%s", c[4]);
			if (depth == 5) {
				n->type = N_P_ENTRY;
				return 0;
			}
			snprintf(n->fname, sizeof n->fname, "%s", c[5]);
			n->type = N_P_FILE;
			return 0;
		}
		if (strcmp(c[3], "upload") == 0) {
			if (depth == 4) {
				n->type = N_Q_UPLOADS;
				return 0;
			}
			if (strlen(c[4]) >= sizeof n->fname)
				return -ENAMETOOLONG;
			snprintf(n->fname, sizeof n->fname, "%s", c[4]);
			n->type = N_U_FILE;
			return 0;
		}
		if (depth != 4)
			return -ENOENT;
		for (size_t i = 0; i < sizeof query_files / sizeof query_files[0]; i++)
			if (strcmp(c[3], query_files[i].name) == 0) {
				n->type = query_files[i].t;
				return 0;
			}
		/* any other name is a temporary file of an editor or tool
		 * (sed -i, vim, Python's tempfile): fs/scratch.h */
		if (strlen(c[3]) >= sizeof n->fname)
			return -ENAMETOOLONG;
		snprintf(n->fname, sizeof n->fname, "%s", c[3]);
		n->type = N_Q_SCRATCH;
		return 0;
	}
	return -ENOENT;
}
