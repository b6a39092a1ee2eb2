/* fs/inputs.c - a run's upload/ tables, links resolved; see inputs.h. */
#include "inputs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "log.h"
#include "path.h"
#include "query.h"
#include "result.h"
#include "upload.h"     /* vo/: CSV to VOTable */
#include "uploads.h"

/* Lexically normalized absolute path of dir + "/" + rel (rel absolute:
 * itself): "." and ".." resolved as the kernel would without links. */
static int join_norm(const char *dir, const char *rel, char *out, size_t n)
{
	char tmp[8400], *parts[512], *save = NULL, *tok;
	size_t np = 0, k = 0;

	if (rel[0] == '/')
		snprintf(tmp, sizeof tmp, "%s", rel);
	else if ((size_t)snprintf(tmp, sizeof tmp, "%s/%s", dir, rel) >= sizeof tmp)
		return -ENAMETOOLONG;
	for (tok = strtok_r(tmp, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			if (np)
				np--;
			continue;
		}
		if (np == sizeof parts / sizeof parts[0])
			return -ENAMETOOLONG;
		parts[np++] = tok;
	}
	if (np == 0)
		return snprintf(out, n, "/") >= (int)n ? -ENAMETOOLONG : 0;
	out[0] = '\0';
	for (size_t i = 0; i < np; i++) {
		size_t l = strlen(parts[i]);
		if (k + l + 2 > n)
			return -ENAMETOOLONG;
		out[k++] = '/';
		memcpy(out + k, parts[i], l);
		k += l;
		out[k] = '\0';
	}
	return 0;
}

int inputs_link(const struct config *cfg, const char *svc, const char *q,
		const char *target, char tsvc[SVC_NAME_MAX], char tq[1024],
		char outside[4096], char *why, size_t wn)
{
	const char *mnt = cfg->mountpoint ? cfg->mountpoint : "";
	char dir[4200], abs[4096];
	size_t ml = strlen(mnt);
	struct node nd;
	int rc;

	snprintf(dir, sizeof dir, "%s/%s/queries/%s/upload", mnt, svc, q);
	if ((rc = join_norm(dir, target, abs, sizeof abs))) {
		snprintf(why, wn, "the link's target is too long");
		return -EINVAL;
	}
	/* (an empty mountpoint: mount-relative targets only, as in tests) */
	if (ml && (strncmp(abs, mnt, ml) != 0 || (abs[ml] != '/' && abs[ml] != '\0'))) {
		snprintf(outside, 4096, "%s", abs);
		return 0;
	}
	if (path_parse(cfg, abs + ml, &nd) ||
	    (nd.type != N_Q_CSV && nd.type != N_Q_VOT && nd.type != N_Q_TBL)) {
		snprintf(why, wn, "it points to %s in the mount, which is not a query's"
			 " result.csv, result.vot or result.tbl", abs + ml);
		return -EINVAL;
	}
	snprintf(tsvc, SVC_NAME_MAX, "%s", nd.svc->name);
	snprintf(tq, 1024, "%s", nd.name);
	return 1;
}

/* --- cycles ------------------------------------------------------------------------ */

struct hop {
	char svc[SVC_NAME_MAX];
	char q[1024];
};

static int cycle_from(const struct config *cfg, struct hop *path, int depth, char *why,
		      size_t wn)
{
	struct upload_entry *e;
	struct query_info qi;
	size_t n;
	int rc;

	if (depth >= INPUTS_DEPTH) {
		snprintf(why, wn, "links in upload/ chained deeper than %d queries, from %s/%s",
			 INPUTS_DEPTH, path[0].svc, path[0].q);
		return -ELOOP;
	}
	if (query_info(path[depth].svc, path[depth].q, &qi))
		return 0;
	if ((rc = uploads_entries(qi.id, &e, &n)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char out[4096], w[512];
		struct hop *h = &path[depth + 1];
		if (!e[i].target || inputs_link(cfg, path[depth].svc, path[depth].q, e[i].target,
						h->svc, h->q, out, w, sizeof w) != 1)
			continue;
		for (int k = 0; k <= depth; k++)
			if (strcmp(path[k].svc, h->svc) == 0 && strcmp(path[k].q, h->q) == 0) {
				int off = snprintf(why, wn, "a cycle of links in upload/:");
				for (int j = k; j <= depth + 1 && off >= 0 && (size_t)off < wn; j++)
					off += snprintf(why + off, wn - (size_t)off, "%s %s/%s",
							j > k ? " ->" : "", path[j].svc, path[j].q);
				rc = -ELOOP;
				break;
			}
		if (!rc)
			rc = cycle_from(cfg, path, depth + 1, why, wn);
	}
	uploads_entries_free(e, n);
	return rc;
}

int inputs_cycle(const struct config *cfg, const char *svc, const char *q,
		 char *why, size_t wn)
{
	struct hop *path = calloc(INPUTS_DEPTH + 1, sizeof *path);
	int rc;

	if (!path)
		return -ENOMEM;
	snprintf(path[0].svc, sizeof path[0].svc, "%s", svc);
	snprintf(path[0].q, sizeof path[0].q, "%s", q);
	rc = cycle_from(cfg, path, 0, why, wn);
	free(path);
	return rc;
}

/* --- signatures -------------------------------------------------------------------- */

struct sig {
	uint64_t h;
	int any;
};

static void sig_add(struct sig *s, const char *part)
{
	s->h = str_hash(part, s->h);
	s->h = str_hash("\n", s->h);
	s->any = 1;
}

static void sig_out(const struct sig *s, char out[INPUTS_SIG])
{
	if (s->any)
		snprintf(out, INPUTS_SIG, "%016" PRIx64, s->h);
	else
		out[0] = '\0';
}

static void file_part(char *out, size_t n, const char *tag, const struct upload_entry *e,
		      const struct stat *st, const char *extra)
{
	snprintf(out, n, "%s %s %d %s %llu %lld %lld.%09ld", tag, e->name, (int)e->kind,
		 extra ? extra : "", (unsigned long long)st->st_ino, (long long)st->st_size,
		 (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

int inputs_sig(const struct config *cfg, const char *svc, const char *q, int64_t qid,
	       int fresh, int depth, int (*interrupted)(void), char sig[INPUTS_SIG],
	       int *stale, char *why, size_t wn)
{
	struct upload_entry *e;
	struct sig s = {0};
	size_t n;
	int rc;

	sig[0] = '\0';
	if (depth > INPUTS_DEPTH) {
		snprintf(why, wn, "links in upload/ chained deeper than %d queries", INPUTS_DEPTH);
		return -ELOOP;
	}
	if ((rc = uploads_entries(qid, &e, &n)))
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char part[8800], tsvc[SVC_NAME_MAX], tq[1024], out[4096], w[600];
		struct query_info qi;
		struct stat st;
		if (!e[i].target) {
			file_part(part, sizeof part, "F", &e[i], &e[i].st, NULL);
			sig_add(&s, part);
			continue;
		}
		int k = inputs_link(cfg, svc, q, e[i].target, tsvc, tq, out, w, sizeof w);
		if (k == 0) {
			if (stat(out, &st))
				memset(&st, 0, sizeof st);
			file_part(part, sizeof part, "X", &e[i], &st, out);
		} else if (k == 1) {
			if (fresh)
				rc = query_wait_fresh(tsvc, tq, depth + 1, interrupted, &qi, 0);
			else if ((rc = query_info(tsvc, tq, &qi)) == 0 && stale && !*stale &&
				 query_stale(tsvc, tq, depth + 1, w, sizeof w) > 0) {
				*stale = 1;
				snprintf(why, wn, "upload/%s: %s/%s is stale itself (%s)", e[i].name,
					 tsvc, tq, w);
			}
			if (rc == -ENOENT) {
				rc = 0;
				qi = (struct query_info){0};
			}
			snprintf(part, sizeof part, "L %s %d %s/%s %" PRId64 " %d", e[i].name,
				 (int)e[i].kind, tsvc, tq, qi.rid, qi.failed);
		} else {
			snprintf(part, sizeof part, "B %s %s", e[i].name, e[i].target);
		}
		sig_add(&s, part);
	}
	uploads_entries_free(e, n);
	sig_out(&s, sig);
	return rc;
}

/* --- a run's files ---------------------------------------------------------------- */

static int keep(struct inputs *in, const char *s, const char **out)
{
	char **v = realloc(in->strs, (in->nstrs + 1) * sizeof *v);

	if (!v)
		return -ENOMEM;
	in->strs = v;
	if (!(v[in->nstrs] = strdup(s)))
		return -ENOMEM;
	*out = v[in->nstrs++];
	return 0;
}

static int file_sink(void *ud, const char *p, size_t n)
{
	int fd = *(int *)ud;

	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The result of tsvc/tq, up to date, as a VOTable file at dst. */
static int linked_result(const char *tsvc, const char *tq, int depth, int (*cancel)(void),
			 const char *dst, const char *name, struct vo_err *err, int64_t *rid)
{
	struct query_info qi;
	struct result_reader *rr;
	static const size_t chunk = 1 << 20;
	char *buf;
	off_t off = 0;
	int fd, rc;

	rc = query_wait_fresh(tsvc, tq, depth, cancel, &qi, 1);
	if (rc == -ENOENT)
		return vo_err_set(err, ENOENT, "upload/%s: links to %s/queries/%s, which does"
				  " not exist", name, tsvc, tq);
	if (rc)
		return vo_err_set(err, -rc, "upload/%s: waiting for %s/queries/%s: %s", name,
				  tsvc, tq, strerror(-rc));
	if (!qi.has_adql) {
		rc = vo_err_set(err, ENODATA, "upload/%s: %s/queries/%s has no query.adql to run",
				name, tsvc, tq);
		goto out;
	}
	if (!qi.completed || !qi.held) {
		struct vo_buf e = VO_BUF_INIT;
		query_error_text(tsvc, tq, &e);
		rc = vo_err_set(err, EIO, "upload/%s: %s/queries/%s has no result: %.300s", name,
				tsvc, tq, e.len ? e.p : "it failed");
		vo_buf_free(&e);
		goto out;
	}
	*rid = qi.rid;
	if (!(rr = result_reader_new(qi.rid, RESULT_VOT, qi.vot_size)) || !(buf = malloc(chunk))) {
		result_reader_free(rr);
		rc = vo_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if ((fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		rc = vo_err_set(err, errno, "upload/%s: %s: %s", name, dst, strerror(errno));
	} else {
		for (;;) {
			ssize_t r = result_read(rr, buf, chunk, off);
			if (r < 0) {
				rc = vo_err_set(err, (int)-r, "upload/%s: reading the result of %s/"
						"queries/%s: %s", name, tsvc, tq, strerror((int)-r));
				break;
			}
			if (r == 0)
				break;
			if ((rc = file_sink(&fd, buf, (size_t)r))) {
				rc = vo_err_set(err, -rc, "upload/%s: %s: %s", name, dst,
						strerror(-rc));
				break;
			}
			off += r;
		}
		close(fd);
	}
	free(buf);
	result_reader_free(rr);
out:
	if (qi.held)
		query_release_result(qi.rid);
	return rc;
}

static int copy_path(const char *src, const char *dst, long long max, const char *name,
		     struct vo_err *err, struct stat *st)
{
	int in, out, rc;

	/* O_NONBLOCK: a FIFO must not hold the run */
	if ((in = open(src, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
		return vo_err_set(err, errno, "upload/%s: %s: %s", name, src, strerror(errno));
	if (fstat(in, st) || !S_ISREG(st->st_mode)) {
		close(in);
		return vo_err_set(err, EINVAL, "upload/%s: %s is not a regular file", name, src);
	}
	if (st->st_size > max) {
		close(in);
		return vo_err_set(err, EFBIG, "upload/%s: %s is larger than upload_max (%lld"
				  " bytes)", name, src, max);
	}
	if ((out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0) {
		close(in);
		return vo_err_set(err, errno, "upload/%s: %s: %s", name, dst, strerror(errno));
	}
	rc = uploads_copy_fd(in, out);
	close(in);
	close(out);
	if (rc)
		return vo_err_set(err, -rc, "upload/%s: copying %s: %s", name, src, strerror(-rc));
	return 0;
}

/* src (a CSV file) as a VOTable file at dst */
static int csv_to_vot(const char *src, const char *dst, const char *table, const char *name,
		      struct vo_err *err)
{
	struct vo_err e = {0};
	int fd, rc;

	if ((fd = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) < 0)
		return vo_err_set(err, errno, "upload/%s: %s: %s", name, dst, strerror(errno));
	rc = vo_csv_to_votable(src, table, file_sink, &fd, NULL, &e);
	close(fd);
	if (rc)
		return vo_err_set(err, -rc, "upload/%s: %s", name,
				  e.msg[0] ? e.msg : strerror(-rc));
	return 0;
}

int inputs_prepare(const struct config *cfg, const char *svc, const char *q, int64_t qid,
		   int64_t rid, int (*cancel)(void), struct inputs *in, struct vo_err *err)
{
	struct upload_entry *e = NULL;
	struct sig s = {0};
	char dir[4200], why[600];
	size_t n = 0;
	int rc;

	memset(in, 0, sizeof *in);
	if ((rc = uploads_entries(qid, &e, &n)))
		return vo_err_set(err, -rc, "upload/: %s", strerror(-rc));
	if (n == 0)
		return 0;
	if ((rc = inputs_cycle(cfg, svc, q, why, sizeof why))) {
		rc = vo_err_set(err, -rc, "%s", why);
		goto out;
	}
	if ((rc = uploads_run_dir(rid, dir, sizeof dir))) {
		rc = vo_err_set(err, -rc, "upload/: cannot make a run directory: %s",
				strerror(-rc));
		goto out;
	}
	in->rid = rid;
	if (!(in->up = calloc(n, sizeof *in->up))) {
		rc = vo_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char dst[4400], src[4400], part[8800], tsvc[SVC_NAME_MAX], tq[1024], out[4096];
		struct upload_entry *u = &e[i];
		struct stat st;
		int64_t lrid = 0;

		for (size_t j = 0; j < i; j++)
			if (strcasecmp(e[j].table, u->table) == 0) {
				rc = vo_err_set(err, EEXIST, "upload/%s and upload/%s name the same"
						" table %s", e[j].name, u->name, u->table);
				goto out;
			}
		snprintf(dst, sizeof dst, "%s/%s.vot", dir, u->table);
		snprintf(src, sizeof src, "%s/%s.src", dir, u->table);
		if (!u->target) {
			/* a stored file is never written in place: a hard link
			 * holds this version for the whole run */
			if (link(u->path, src) || stat(src, &st)) {
				rc = vo_err_set(err, errno, "upload/%s: %s", u->name, strerror(errno));
				break;
			}
			file_part(part, sizeof part, "F", u, &st, NULL);
		} else {
			int k = inputs_link(cfg, svc, q, u->target, tsvc, tq, out, why, sizeof why);
			if (k < 0) {
				rc = vo_err_set(err, EINVAL, "upload/%s: %s", u->name, why);
				break;
			}
			if (k == 1) {
				if ((rc = linked_result(tsvc, tq, 1, cancel, dst, u->name, err, &lrid)))
					break;
				snprintf(part, sizeof part, "L %s %d %s/%s %" PRId64 " 0", u->name,
					 (int)u->kind, tsvc, tq, lrid);
				vo_info("%s/queries/%s: upload/%s is the result of %s/queries/%s"
					" (generation %" PRId64 ")", svc, q, u->name, tsvc, tq, lrid);
			} else {
				if ((rc = copy_path(out, src, uploads_max(), u->name, err, &st)))
					break;
				file_part(part, sizeof part, "X", u, &st, out);
			}
		}
		sig_add(&s, part);
		if (!lrid) {
			struct stat cs;
			if (stat(src, &cs) == 0 && cs.st_size == 0) {
				rc = vo_err_set(err, EINVAL, "upload/%s: the file is empty", u->name);
				break;
			}
			if (u->kind == UPLOAD_CSV) {
				if ((rc = csv_to_vot(src, dst, u->table, u->name, err)))
					break;
			} else if ((rc = uploads_check(src, UPLOAD_VOT, why, sizeof why))) {
				rc = vo_err_set(err, EINVAL, "upload/%s: %s", u->name, why);
				break;
			} else if (rename(src, dst)) {
				rc = vo_err_set(err, errno, "upload/%s: %s", u->name, strerror(errno));
				break;
			}
		}
		if ((rc = keep(in, u->table, &in->up[in->n].table)) ||
		    (rc = keep(in, dst, &in->up[in->n].path))) {
			rc = vo_err_set(err, ENOMEM, "out of memory");
			break;
		}
		in->n++;
	}
	sig_out(&s, in->sig);
out:
	uploads_entries_free(e, n);
	if (rc)
		inputs_release(in);
	return rc;
}

void inputs_release(struct inputs *in)
{
	for (size_t i = 0; i < in->nstrs; i++)
		free(in->strs[i]);
	free(in->strs);
	free(in->up);
	if (in->rid)
		uploads_run_done(in->rid);
	in->strs = NULL;
	in->up = NULL;
	in->n = in->nstrs = 0;
	in->rid = 0;
}
