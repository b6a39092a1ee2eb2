/* fs/uploads.c - the tables of queries/<q>/upload/; see uploads.h. */
#include "uploads.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "upload.h"     /* vo/: CSV checks, table names */
#include "votable.h"

/* one open file written through the mount */
struct upload_fh {
	int64_t qid;
	char name[256];
	int fd;
	int writing;
	int dirty;              /* written since the last store */
	int err;                /* sticky: what made this file unstorable */
	int orphan;             /* unlinked while open: never stored */
	char pending[4096];     /* the private copy being written */
	char where[1200];       /* its path in the mount, for messages */
	pthread_mutex_t lock;
	struct upload_fh *next; /* in writers */
};

static char *root;              /* <dir>/uploads */
static long long maxb = UPLOAD_MAX_DEFAULT;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct upload_fh *writers;   /* under lock */
static unsigned long seq;           /* under lock: private file names */
/* under lock: the queries that have a directory (uploads_gc learns them at
 * mount), so that asking a query without tables costs no system call: the
 * staleness check runs on every stat of a result */
static int64_t *dirs;
static size_t ndirs, cap_dirs;

static int mkdir_ok(const char *p)
{
	return mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -errno;
}

int uploads_init(const char *dir, long long max)
{
	char p[4200];
	int rc;

	free(root);
	if (asprintf(&root, "%s/uploads", dir) < 0) {
		root = NULL;
		return -ENOMEM;
	}
	if (max > 0)
		maxb = max;
	if ((rc = mkdir_ok(root)))
		return rc;
	snprintf(p, sizeof p, "%s/.pending", root);
	if ((rc = mkdir_ok(p)))
		return rc;
	snprintf(p, sizeof p, "%s/.run", root);
	return mkdir_ok(p);
}

long long uploads_max(void)
{
	return maxb;
}

int uploads_name(const char *name, enum upload_kind *kind, char *table, char *why,
		 size_t wn)
{
	const char *dot;

	if (name[0] == '.') {
		*kind = UPLOAD_TEMP;
		if (table)
			table[0] = '\0';
		return 0;
	}
	dot = strrchr(name, '.');
	if (!dot || (strcmp(dot, ".csv") != 0 && strcmp(dot, ".vot") != 0)) {
		/* sed -i's sedXXXXXX, vim's 4913 and x.csv~, Python's tmpXXXX */
		*kind = UPLOAD_TEMP;
		if (table)
			table[0] = '\0';
		return 0;
	}
	if ((size_t)(dot - name) > UPLOAD_TABLE_MAX || dot == name) {
		snprintf(why, wn, "a table name has 1 to %d characters", UPLOAD_TABLE_MAX);
		return -EINVAL;
	}
	*kind = strcmp(dot, ".csv") == 0 ? UPLOAD_CSV : UPLOAD_VOT;
	char t[UPLOAD_TABLE_MAX + 1];
	memcpy(t, name, (size_t)(dot - name));
	t[dot - name] = '\0';
	if (!vo_adql_table_name_ok(t, why, wn))
		return -EINVAL;
	if (table)
		memcpy(table, t, strlen(t) + 1);
	return 0;
}

static void qdir(int64_t qid, char *out, size_t n)
{
	snprintf(out, n, "%s/%" PRId64, root, qid);
}

static int qpath(int64_t qid, const char *name, char *out, size_t n)
{
	if (!root)
		return -EIO;
	if ((size_t)snprintf(out, n, "%s/%" PRId64 "/%s", root, qid, name) >= n)
		return -ENAMETOOLONG;
	return 0;
}

/* Called with lock held. */
static size_t dir_find(int64_t qid)
{
	size_t i;

	for (i = 0; i < ndirs && dirs[i] != qid; i++)
		;
	return i;
}

static int dir_note(int64_t qid)
{
	int rc = 0;

	pthread_mutex_lock(&lock);
	if (dir_find(qid) == ndirs) {
		if (ndirs == cap_dirs) {
			size_t nc = cap_dirs ? cap_dirs * 2 : 16;
			int64_t *nd = realloc(dirs, nc * sizeof *nd);
			if (nd) {
				dirs = nd;
				cap_dirs = nc;
			}
		}
		if (ndirs < cap_dirs)
			dirs[ndirs++] = qid;
		else
			rc = -ENOMEM;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

static int ensure_qdir(int64_t qid)
{
	char d[4200];
	int rc;

	qdir(qid, d, sizeof d);
	if ((rc = dir_note(qid)))
		return rc;
	return mkdir_ok(d);
}

/* f writes name of query qid (and was not unlinked) */
static int writes(const struct upload_fh *f, int64_t qid, const char *name)
{
	return f->qid == qid && !f->orphan && strcmp(f->name, name) == 0;
}

/* Called with lock held: the newest writer of a name not unlinked. */
static struct upload_fh *writer_of(int64_t qid, const char *name)
{
	for (struct upload_fh *f = writers; f; f = f->next)
		if (writes(f, qid, name))
			return f;
	return NULL;
}

int uploads_lstat(int64_t qid, const char *name, struct stat *st)
{
	char p[4400];
	struct upload_fh *w;
	int rc;

	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	pthread_mutex_lock(&lock);
	if ((w = writer_of(qid, name)) && fstat(w->fd, st) == 0) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	return lstat(p, st) ? -errno : 0;
}

struct name_list {
	char **v;
	size_t n, cap;
};

static int names_add(struct name_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, nc * sizeof *nv);
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = nc;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_free(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* The stored names and those being written for the first time. */
static int names_of(int64_t qid, struct name_list *l)
{
	char d[4200];
	DIR *dir;
	struct dirent *e;
	int rc = 0;

	qdir(qid, d, sizeof d);
	if ((dir = opendir(d))) {
		while (!rc && (e = readdir(dir)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				rc = names_add(l, e->d_name);
		closedir(dir);
	} else if (errno != ENOENT) {
		return -errno;
	}
	pthread_mutex_lock(&lock);
	for (struct upload_fh *f = writers; f && !rc; f = f->next)
		if (f->qid == qid && !f->orphan)
			rc = names_add(l, f->name);
	pthread_mutex_unlock(&lock);
	return rc;
}

int uploads_list(int64_t qid, int (*cb)(void *ud, const char *name), void *ud)
{
	struct name_list l = {0};
	int rc = names_of(qid, &l);

	for (size_t i = 0; !rc && i < l.n; i++)
		rc = cb(ud, l.v[i]);
	names_free(&l);
	return rc;
}

int uploads_count(int64_t qid)
{
	struct name_list l = {0};
	int rc, n, has;

	pthread_mutex_lock(&lock);
	has = dir_find(qid) < ndirs;
	pthread_mutex_unlock(&lock);
	if (!has)
		return 0;
	rc = names_of(qid, &l);
	n = (int)l.n;

	names_free(&l);
	return rc ? rc : n;
}

/* Another file of the query that names the same table: -EEXIST. */
static int table_taken(int64_t qid, const char *name, const char *table, const char *where)
{
	struct name_list l = {0};
	char t[UPLOAD_TABLE_MAX + 1], why[256];
	enum upload_kind k;
	int rc = names_of(qid, &l);

	for (size_t i = 0; !rc && i < l.n; i++)
		if (strcmp(l.v[i], name) != 0 && !uploads_name(l.v[i], &k, t, why, sizeof why) &&
		    k != UPLOAD_TEMP && strcasecmp(t, table) == 0) {
			vo_warn("%s: refused: upload/%s already names table %s", where, l.v[i],
				table);
			rc = -EEXIST;
		}
	names_free(&l);
	return rc;
}

/* A new name in upload/: valid, and not a second file of one table. */
static int new_name_ok(int64_t qid, const char *name, const char *where)
{
	char table[UPLOAD_TABLE_MAX + 1], why[512];
	enum upload_kind k;
	int rc = uploads_name(name, &k, table, why, sizeof why);

	if (rc) {
		vo_warn("%s: refused: %s", where, why);
		return rc;
	}
	if (k == UPLOAD_TEMP && name[0] != '.')
		vo_info("%s: not <table>.csv or <table>.vot: kept as a temporary file, never"
			" sent", where);
	return k == UPLOAD_TEMP ? 0 : table_taken(qid, name, table, where);
}

int uploads_copy_fd(int from, int to)
{
	off_t in = 0, out = 0;

	for (;;) {
		ssize_t n = copy_file_range(from, &in, to, &out, 1 << 30, 0);
		if (n == 0)
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EXDEV && errno != ENOSYS && errno != EOPNOTSUPP && errno != EINVAL)
			return -errno;
		break;
	}
	/* plain copy (copy_file_range refused) */
	char buf[65536];
	for (;;) {
		ssize_t n = pread(from, buf, sizeof buf, in), w;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		for (ssize_t k = 0; k < n; k += w) {
			w = pwrite(to, buf + k, (size_t)(n - k), out);
			if (w < 0)
				return -errno;
			out += w;
		}
		in += n;
	}
}

/* A new private file under .pending/ (open read-write). */
static int private_file(const char *prefix, char *path, size_t n)
{
	unsigned long k;
	int fd;

	pthread_mutex_lock(&lock);
	k = ++seq;
	pthread_mutex_unlock(&lock);
	snprintf(path, n, "%s/.pending/%s-%ld-%lu-XXXXXX", root, prefix, (long)getpid(), k);
	fd = mkstemp(path);
	return fd < 0 ? -errno : fd;
}

int uploads_open(int64_t qid, const char *name, const char *where, int flags, mode_t mode,
		 struct upload_fh **out)
{
	struct upload_fh *f;
	struct stat st;
	char p[4400];
	int acc = flags & O_ACCMODE, rc, exists, src = -1;

	*out = NULL;
	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	if (!(f = calloc(1, sizeof *f)))
		return -ENOMEM;
	f->qid = qid;
	f->fd = -1;
	snprintf(f->name, sizeof f->name, "%s", name);
	snprintf(f->where, sizeof f->where, "%s", where);
	pthread_mutex_init(&f->lock, NULL);
	if (acc == O_RDONLY) {
		f->fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (f->fd < 0 && errno == ENOENT) {
			/* a file being written for the first time reads as written */
			struct upload_fh *w;
			pthread_mutex_lock(&lock);
			if ((w = writer_of(qid, name)))
				f->fd = open(w->pending, O_RDONLY | O_CLOEXEC);
			pthread_mutex_unlock(&lock);
			if (!w)
				errno = ENOENT;
		}
		if (f->fd < 0) {
			rc = -errno;
			goto fail;
		}
		*out = f;
		return 0;
	}
	pthread_mutex_lock(&lock);
	exists = writer_of(qid, name) != NULL;
	pthread_mutex_unlock(&lock);
	if (lstat(p, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			rc = -ELOOP;   /* the kernel follows links before it asks */
			goto fail;
		}
		exists = 1;
		mode = st.st_mode & 07777;
		if (!(flags & O_TRUNC) && (src = open(p, O_RDONLY | O_CLOEXEC)) < 0) {
			rc = -errno;
			goto fail;
		}
	}
	if (exists && (flags & O_CREAT) && (flags & O_EXCL)) {
		rc = -EEXIST;
		goto fail;
	}
	if (!exists && !(flags & O_CREAT)) {
		rc = -ENOENT;
		goto fail;
	}
	if (!exists && (rc = new_name_ok(qid, name, where)))
		goto fail;
	if ((rc = ensure_qdir(qid)) < 0)
		goto fail;
	if ((rc = private_file("w", f->pending, sizeof f->pending)) < 0)
		goto fail;
	f->fd = rc;
	fchmod(f->fd, mode & 07777);
	if (src >= 0) {
		if ((rc = uploads_copy_fd(src, f->fd)))
			goto fail;
		close(src);
		src = -1;
	}
	f->writing = 1;
	/* a new or emptied file is stored even if nothing is written */
	f->dirty = !exists || (flags & O_TRUNC);
	pthread_mutex_lock(&lock);
	f->next = writers;
	writers = f;
	pthread_mutex_unlock(&lock);
	*out = f;
	return 0;
fail:
	if (src >= 0)
		close(src);
	if (f->fd >= 0)
		close(f->fd);
	if (f->pending[0])
		unlink(f->pending);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return rc;
}

ssize_t uploads_read(struct upload_fh *f, char *buf, size_t n, off_t off)
{
	ssize_t r = pread(f->fd, buf, n, off);

	return r < 0 ? -errno : r;
}

static int too_big(struct upload_fh *f, long long end)
{
	if (end <= maxb)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (!f->err)
		vo_warn("%s: larger than upload_max (%lld bytes): not stored", f->where, maxb);
	f->err = -EFBIG;
	pthread_mutex_unlock(&f->lock);
	return -EFBIG;
}

ssize_t uploads_write(struct upload_fh *f, const char *buf, size_t n, off_t off)
{
	ssize_t w;

	if (!f->writing)
		return -EBADF;
	if (too_big(f, (long long)off + (long long)n))
		return -EFBIG;
	w = pwrite(f->fd, buf, n, off);
	if (w < 0)
		return -errno;
	pthread_mutex_lock(&f->lock);
	f->dirty = 1;
	pthread_mutex_unlock(&f->lock);
	return w;
}

int uploads_ftruncate(struct upload_fh *f, off_t size)
{
	if (!f->writing)
		return -EBADF;
	if (too_big(f, (long long)size))
		return -EFBIG;
	if (ftruncate(f->fd, size))
		return -errno;
	pthread_mutex_lock(&f->lock);
	f->dirty = 1;
	pthread_mutex_unlock(&f->lock);
	return 0;
}

int uploads_fstat(struct upload_fh *f, struct stat *st)
{
	return fstat(f->fd, st) ? -errno : 0;
}

static int check_fd_file(const char *path, enum upload_kind kind, const char *where)
{
	char why[512];
	int rc;

	if (kind == UPLOAD_TEMP)
		return 0;
	rc = uploads_check(path, kind, why, sizeof why);
	if (rc)
		vo_warn("%s: not stored: %s", where, why);
	return rc;
}

/* Put a copy of f's private file in place under its name. */
static int store(struct upload_fh *f)
{
	char p[4400], tmp[4200], table[UPLOAD_TABLE_MAX + 1], why[256];
	enum upload_kind kind;
	struct stat st;
	int fd, rc;

	if (uploads_name(f->name, &kind, table, why, sizeof why))
		return -EINVAL;
	if (fstat(f->fd, &st))
		return -errno;
	if (st.st_size > 0 && (rc = check_fd_file(f->pending, kind, f->where)))
		return rc;
	if ((rc = qpath(f->qid, f->name, p, sizeof p)))
		return rc;
	if ((fd = private_file("c", tmp, sizeof tmp)) < 0)
		return fd;
	fchmod(fd, st.st_mode & 07777);
	rc = uploads_copy_fd(f->fd, fd);
	if (!rc && fdatasync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, p))
		rc = -errno;
	if (rc) {
		unlink(tmp);
		vo_error("%s: cannot store it: %s", f->where, strerror(-rc));
	}
	return rc;
}

int uploads_flush(struct upload_fh *f)
{
	int rc = 0;

	if (!f->writing)
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->err)
		rc = f->err;
	else if (f->dirty && !f->orphan) {
		if (!(rc = store(f)))
			f->dirty = 0;
		else if (rc == -EINVAL)
			f->err = rc;   /* said once; the last close does not store it */
	}
	pthread_mutex_unlock(&f->lock);
	return rc;
}

void uploads_close(struct upload_fh *f)
{
	if (!f)
		return;
	if (f->writing) {
		pthread_mutex_lock(&lock);
		for (struct upload_fh **pp = &writers; *pp; pp = &(*pp)->next)
			if (*pp == f) {
				*pp = f->next;
				break;
			}
		pthread_mutex_unlock(&lock);
		if (f->dirty && !f->err && !f->orphan)
			store(f);
		unlink(f->pending);
	}
	if (f->fd >= 0)
		close(f->fd);
	pthread_mutex_destroy(&f->lock);
	free(f);
}

int uploads_truncate(int64_t qid, const char *name, const char *where, off_t size)
{
	struct upload_fh *f;
	int rc = uploads_open(qid, name, where, O_WRONLY, 0644, &f);

	if (rc)
		return rc;
	rc = uploads_ftruncate(f, size);
	if (!rc)
		rc = uploads_flush(f);
	f->dirty = 0;
	uploads_close(f);
	return rc;
}

int uploads_unlink(int64_t qid, const char *name)
{
	char p[4400];
	int rc, had = 0;

	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	pthread_mutex_lock(&lock);
	for (struct upload_fh *f = writers; f; f = f->next)
		if (writes(f, qid, name)) {
			f->orphan = 1;   /* its writes go nowhere now */
			had = 1;
		}
	pthread_mutex_unlock(&lock);
	if (unlink(p) == 0)
		return 0;
	return errno == ENOENT && had ? 0 : -errno;
}

int uploads_rename(int64_t qid, const char *from, const char *to, const char *where,
		   unsigned flags)
{
	char a[4400], b[4400], table[UPLOAD_TABLE_MAX + 1], why[512];
	enum upload_kind kind;
	struct stat st;
	int rc;

	if ((rc = qpath(qid, from, a, sizeof a)) || (rc = qpath(qid, to, b, sizeof b)))
		return rc;
	if ((rc = uploads_name(to, &kind, table, why, sizeof why))) {
		vo_warn("%s: refused: %s", where, why);
		return rc;
	}
	if (lstat(a, &st))
		return -errno;
	if (kind != UPLOAD_TEMP && (rc = table_taken(qid, to, table, where)) &&
	    strcmp(from, to) != 0) {
		/* (renaming onto the other name of the same table is a
		 * replace of that file: only the source may name it too) */
		struct name_list l = {0};
		char t2[UPLOAD_TABLE_MAX + 1];
		enum upload_kind k2;
		int other = 0;
		if (!names_of(qid, &l))
			for (size_t i = 0; i < l.n; i++)
				if (strcmp(l.v[i], from) && strcmp(l.v[i], to) &&
				    !uploads_name(l.v[i], &k2, t2, why, sizeof why) &&
				    k2 != UPLOAD_TEMP && strcasecmp(t2, table) == 0)
					other = 1;
		names_free(&l);
		if (other)
			return rc;
	}
	if (S_ISREG(st.st_mode) && st.st_size > 0 && (rc = check_fd_file(a, kind, where)))
		return rc;
	if (renameat2(AT_FDCWD, a, AT_FDCWD, b, flags & RENAME_NOREPLACE))
		return -errno;
	return 0;
}

int uploads_symlink(int64_t qid, const char *target, const char *name, const char *where)
{
	char p[4400];
	int rc;

	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	if (strlen(target) >= 4096)
		return -ENAMETOOLONG;
	if ((rc = new_name_ok(qid, name, where)) || (rc = ensure_qdir(qid)))
		return rc;
	return symlink(target, p) ? -errno : 0;
}

int uploads_readlink(int64_t qid, const char *name, char *buf, size_t n)
{
	char p[4400];
	ssize_t k;
	int rc;

	if (n == 0)
		return -EINVAL;
	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	if ((k = readlink(p, buf, n - 1)) < 0)
		return -errno;
	buf[k] = '\0';
	return 0;
}

/* chmod (mode) or utimens (tv) of a stored file and of its open copies */
static int set_meta(int64_t qid, const char *name, const mode_t *mode,
		    const struct timespec *tv)
{
	char p[4400];
	int rc, done = 0;

	if ((rc = qpath(qid, name, p, sizeof p)))
		return rc;
	pthread_mutex_lock(&lock);
	for (struct upload_fh *f = writers; f; f = f->next)
		if (writes(f, qid, name) &&
		    (mode ? fchmod(f->fd, *mode & 07777) : futimens(f->fd, tv)) == 0)
			done = 1;
	pthread_mutex_unlock(&lock);
	if ((mode ? chmod(p, *mode & 07777) : utimensat(AT_FDCWD, p, tv, AT_SYMLINK_NOFOLLOW)) == 0)
		return 0;
	return errno == ENOENT && done ? 0 : -errno;
}

int uploads_chmod(int64_t qid, const char *name, mode_t mode)
{
	return set_meta(qid, name, &mode, NULL);
}

int uploads_utimens(int64_t qid, const char *name, const struct timespec tv[2])
{
	return set_meta(qid, name, NULL, tv);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

static void rm_tree(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void uploads_forget(int64_t qid)
{
	char d[4200];

	if (!root)
		return;
	qdir(qid, d, sizeof d);
	rm_tree(d);
	pthread_mutex_lock(&lock);
	size_t i = dir_find(qid);
	if (i < ndirs)
		dirs[i] = dirs[--ndirs];
	pthread_mutex_unlock(&lock);
}

void uploads_gc(const int64_t *ids, size_t n)
{
	char p[4400];
	DIR *dir;
	struct dirent *e;

	if (!root || !(dir = opendir(root)))
		return;
	while ((e = readdir(dir))) {
		char *end;
		long long id = strtoll(e->d_name, &end, 10);
		size_t i;
		if (e->d_name[0] == '.' || *end)
			continue;
		for (i = 0; i < n && ids[i] != id; i++)
			;
		if (i < n) {
			dir_note(id);
			continue;
		}
		snprintf(p, sizeof p, "%s/%s", root, e->d_name);
		vo_info("%s: the uploads of a query that is gone: removed", p);
		rm_tree(p);
	}
	closedir(dir);
	/* private files of writers and runs of the last mount */
	snprintf(p, sizeof p, "%s/.pending", root);
	rm_tree(p);
	mkdir_ok(p);
	snprintf(p, sizeof p, "%s/.run", root);
	rm_tree(p);
	mkdir_ok(p);
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct upload_entry *)a)->name,
		      ((const struct upload_entry *)b)->name);
}

int uploads_entries(int64_t qid, struct upload_entry **out, size_t *n)
{
	struct upload_entry *v = NULL;
	size_t k = 0, cap = 0;
	char d[4200], why[256];
	DIR *dir;
	struct dirent *e;
	int rc = 0;

	*out = NULL;
	*n = 0;
	qdir(qid, d, sizeof d);
	if (!(dir = opendir(d)))
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(dir))) {
		struct upload_entry *u;
		if (e->d_name[0] == '.')
			continue;
		if (k == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct upload_entry *nv = realloc(v, nc * sizeof *nv);
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = nc;
		}
		u = &v[k];
		memset(u, 0, sizeof *u);
		if (uploads_name(e->d_name, &u->kind, u->table, why, sizeof why) ||
		    u->kind == UPLOAD_TEMP)
			continue;   /* a tool's temporary file, or not made through the mount */
		snprintf(u->name, sizeof u->name, "%s", e->d_name);
		snprintf(u->path, sizeof u->path, "%s/%s", d, e->d_name);
		if (lstat(u->path, &u->st))
			continue;
		if (S_ISLNK(u->st.st_mode)) {
			char t[4096];
			ssize_t r = readlink(u->path, t, sizeof t - 1);
			if (r < 0)
				continue;
			t[r] = '\0';
			if (!(u->target = strdup(t))) {
				rc = -ENOMEM;
				break;
			}
		}
		k++;
	}
	closedir(dir);
	if (rc) {
		uploads_entries_free(v, k);
		return rc;
	}
	qsort(v, k, sizeof *v, entry_cmp);
	*out = v;
	*n = k;
	return 0;
}

void uploads_entries_free(struct upload_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].target);
	free(e);
}

int uploads_run_dir(int64_t rid, char *out, size_t n)
{
	if (!root)
		return -EIO;
	snprintf(out, n, "%s/.run/%" PRId64, root, rid);
	rm_tree(out);
	return mkdir_ok(out);
}

void uploads_run_done(int64_t rid)
{
	char p[4200];

	if (!root)
		return;
	snprintf(p, sizeof p, "%s/.run/%" PRId64, root, rid);
	rm_tree(p);
}

/* --- checks --------------------------------------------------------------------- */

static int vot_meta(void *ud, const struct vo_table_meta *m)
{
	(void)ud;
	(void)m;
	return 0;
}

static int vot_row(void *ud, const struct vo_cell *c, size_t n)
{
	(void)c;
	(void)n;
	(*(long long *)ud)++;
	return 0;
}

static int check_vot(const char *path, char *why, size_t wn)
{
	long long rows = 0;
	struct vo_votable_cb cb = {.ud = &rows, .meta = vot_meta, .row = vot_row};
	struct vo_err err = {0};
	struct vo_votable *v = vo_votable_new(&cb, &err);
	char buf[65536];
	int fd, rc = 0;
	ssize_t n;

	if (!v)
		return -ENOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = -errno;
		vo_votable_free(v);
		snprintf(why, wn, "%s", strerror(-rc));
		return rc;
	}
	while (!rc && (n = read(fd, buf, sizeof buf)) > 0)
		rc = vo_votable_feed(v, buf, (size_t)n);
	close(fd);
	if (!rc)
		rc = vo_votable_finish(v);
	if (!rc && !vo_votable_has_table(v)) {
		rc = -EINVAL;
		snprintf(why, wn, "not a VOTable with a TABLE");
	} else if (rc) {
		snprintf(why, wn, "not a VOTable this mount can read: %s",
			 err.msg[0] ? err.msg : strerror(-rc));
		rc = -EINVAL;
	}
	vo_votable_free(v);
	return rc;
}

int uploads_check(const char *path, enum upload_kind kind, char *why, size_t wn)
{
	if (kind == UPLOAD_VOT)
		return check_vot(path, why, wn);
	if (kind == UPLOAD_CSV) {
		struct vo_csv_info info = {0};
		struct vo_err err = {0};
		int rc = vo_csv_inspect(path, &info, &err);
		vo_csv_info_free(&info);
		if (rc)
			snprintf(why, wn, "%s", err.msg[0] ? err.msg : strerror(-rc));
		return rc;
	}
	return 0;
}
