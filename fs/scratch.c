/* fs/scratch.c - temporary files and the removal mark of query
 * directories, in memory; see scratch.h.  One lock for all: the files are
 * small and few, and every call is short. */
#include "scratch.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "list.h"

struct sq;

struct scratch_file {
	char *name;
	struct vo_buf data;
	unsigned mode;
	double mtime;
	int refs;               /* the table's (while named) and each handle's */
	struct sq *owner;       /* NULL once unlinked */
	struct list_link link;  /* in owner->files */
};

/* one query directory with files or a mark */
struct sq {
	char *svc, *q;
	struct list files;
	size_t nfiles, bytes;
	int marked;
	int64_t mark_us;        /* last removal */
	uint32_t hidden;        /* items removed under the mark */
	struct list_link link;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct list queries;
static int64_t (*now)(void) = clock_mono_us;

void scratch_set_clock(int64_t (*now_us)(void))
{
	now = now_us ? now_us : clock_mono_us;
}

static struct sq *sq_find(const char *svc, const char *q)
{
	for (struct list_link *l = queries.head; l; l = l->next) {
		struct sq *s = list_item(l, struct sq, link);
		if (strcmp(s->svc, svc) == 0 && strcmp(s->q, q) == 0)
			return s;
	}
	return NULL;
}

static struct sq *sq_get(const char *svc, const char *q)
{
	struct sq *s = sq_find(svc, q);

	if (s)
		return s;
	s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->svc = strdup(svc);
	s->q = strdup(q);
	if (!s->svc || !s->q) {
		free(s->svc);
		free(s->q);
		free(s);
		return NULL;
	}
	list_push_back(&queries, &s->link);
	return s;
}

/* A lapsed mark is no mark. */
static void sq_expire(struct sq *s)
{
	if (s->marked && now() - s->mark_us > SCRATCH_REMOVE_TTL_US) {
		s->marked = 0;
		s->hidden = 0;
	}
}

/* Drop the record once it holds nothing. */
static void sq_release(struct sq *s)
{
	if (!s || s->files.head || s->marked)
		return;
	list_remove(&queries, &s->link);
	free(s->svc);
	free(s->q);
	free(s);
}

static void file_unref(struct scratch_file *f)
{
	if (--f->refs > 0)
		return;
	vo_buf_free(&f->data);
	free(f->name);
	free(f);
}

/* Take f out of its query's table (the table's reference goes). */
static void file_detach(struct scratch_file *f)
{
	struct sq *s = f->owner;

	if (!s)
		return;
	list_remove(&s->files, &f->link);
	s->nfiles--;
	s->bytes -= f->data.len;
	f->owner = NULL;
	file_unref(f);
}

static struct scratch_file *file_find(struct sq *s, const char *name)
{
	if (!s)
		return NULL;
	for (struct list_link *l = s->files.head; l; l = l->next) {
		struct scratch_file *f = list_item(l, struct scratch_file, link);
		if (strcmp(f->name, name) == 0)
			return f;
	}
	return NULL;
}

static struct scratch_file *lookup(const char *svc, const char *q, const char *name)
{
	return file_find(sq_find(svc, q), name);
}

/* Put a new file named name into s (locked; s has room). */
static int file_add(struct sq *s, const char *name, unsigned mode, struct scratch_file **out)
{
	struct scratch_file *f;

	if (s->nfiles >= SCRATCH_QUERY_FILES)
		return -ENOSPC;
	f = calloc(1, sizeof *f);
	if (!f || !(f->name = strdup(name))) {
		free(f);
		return -ENOMEM;
	}
	f->data.cap = SCRATCH_FILE_MAX + 1;
	f->mode = mode & 07777;
	f->mtime = clock_wall();
	f->refs = 1;
	f->owner = s;
	list_push_back(&s->files, &f->link);
	s->nfiles++;
	*out = f;
	return 0;
}

int scratch_create(const char *svc, const char *q, const char *name, unsigned mode,
		   struct scratch_file **out)
{
	struct scratch_file *f = NULL;
	struct sq *s;
	int rc;

	pthread_mutex_lock(&lock);
	s = sq_get(svc, q);
	if (!s)
		rc = -ENOMEM;
	else if (file_find(s, name))
		rc = -EEXIST;
	else
		rc = file_add(s, name, mode, &f);
	if (!rc && out) {
		f->refs++;
		*out = f;
	}
	if (rc)
		sq_release(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_open(const char *svc, const char *q, const char *name,
		 struct scratch_file **out)
{
	struct scratch_file *f;

	pthread_mutex_lock(&lock);
	f = lookup(svc, q, name);
	if (f)
		f->refs++;
	pthread_mutex_unlock(&lock);
	*out = f;
	return f ? 0 : -ENOENT;
}

void scratch_put(struct scratch_file *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&lock);
	file_unref(f);
	pthread_mutex_unlock(&lock);
}

ssize_t scratch_read(struct scratch_file *f, char *buf, size_t size, off_t off)
{
	size_t n = 0;

	if (off < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	if ((size_t)off < f->data.len) {
		n = f->data.len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, f->data.p + off, n);
	}
	pthread_mutex_unlock(&lock);
	return (ssize_t)n;
}

/* Make f size bytes long (locked): NUL bytes when it grows. */
static int resize(struct scratch_file *f, size_t size)
{
	size_t old = f->data.len;

	if (size > SCRATCH_FILE_MAX)
		return -EFBIG;
	if (f->owner && size > old && f->owner->bytes + (size - old) > SCRATCH_QUERY_MAX)
		return -ENOSPC;
	if (size > old) {
		if (vo_buf_reserve(&f->data, size - old))
			return -ENOMEM;
		memset(f->data.p + old, 0, size - old);
	}
	f->data.len = size;
	if (f->data.p)
		f->data.p[size] = '\0';
	if (f->owner)
		f->owner->bytes = f->owner->bytes - old + size;
	f->mtime = clock_wall();
	return 0;
}

ssize_t scratch_write(struct scratch_file *f, const char *data, size_t size, off_t off)
{
	int rc = 0;

	if (off < 0)
		return -EINVAL;
	if ((size_t)off > SCRATCH_FILE_MAX || size > SCRATCH_FILE_MAX - (size_t)off)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	if ((size_t)off + size > f->data.len)
		rc = resize(f, (size_t)off + size);
	if (!rc) {
		memcpy(f->data.p + off, data, size);
		f->mtime = clock_wall();
	}
	pthread_mutex_unlock(&lock);
	return rc ? rc : (ssize_t)size;
}

int scratch_truncate(struct scratch_file *f, off_t size)
{
	int rc;

	if (size < 0)
		return -EINVAL;
	pthread_mutex_lock(&lock);
	rc = resize(f, (size_t)size);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void fill(const struct scratch_file *f, struct scratch_stat *st)
{
	st->size = f->data.len;
	st->mode = f->mode;
	st->mtime = f->mtime;
}

void scratch_fstat(struct scratch_file *f, struct scratch_stat *st)
{
	pthread_mutex_lock(&lock);
	fill(f, st);
	pthread_mutex_unlock(&lock);
}

int scratch_stat(const char *svc, const char *q, const char *name, struct scratch_stat *st)
{
	struct scratch_file *f;

	pthread_mutex_lock(&lock);
	f = lookup(svc, q, name);
	if (f)
		fill(f, st);
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

/* Set a named file's mode (mode < 0: keep) and mtime (NAN: keep). */
static int set_attrs(const char *svc, const char *q, const char *name, long mode,
		     double mtime)
{
	struct scratch_file *f;

	pthread_mutex_lock(&lock);
	f = lookup(svc, q, name);
	if (f && mode >= 0)
		f->mode = (unsigned)mode & 07777;
	if (f && !isnan(mtime))
		f->mtime = mtime;
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

int scratch_chmod(const char *svc, const char *q, const char *name, unsigned mode)
{
	return set_attrs(svc, q, name, (long)mode, NAN);
}

int scratch_touch(const char *svc, const char *q, const char *name, double mtime)
{
	return set_attrs(svc, q, name, -1, mtime);
}

int scratch_unlink(const char *svc, const char *q, const char *name)
{
	struct sq *s;
	struct scratch_file *f;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	f = file_find(s, name);
	if (f) {
		file_detach(f);
		sq_release(s);
	}
	pthread_mutex_unlock(&lock);
	return f ? 0 : -ENOENT;
}

int scratch_rename(const char *svc, const char *q, const char *from,
		   const char *tsvc, const char *tq, const char *to, int noreplace)
{
	struct sq *s, *t;
	struct scratch_file *f, *old;
	char *nn;
	int rc = 0;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	f = file_find(s, from);
	t = f ? sq_get(tsvc, tq) : NULL;
	old = t ? file_find(t, to) : NULL;
	if (!f)
		rc = -ENOENT;
	else if (!t)
		rc = -ENOMEM;
	else if (old == f)
		rc = 0;
	else if (old && noreplace)
		rc = -EEXIST;
	else if (t != s && (t->nfiles - (old != NULL) >= SCRATCH_QUERY_FILES ||
			    t->bytes - (old ? old->data.len : 0) + f->data.len > SCRATCH_QUERY_MAX))
		rc = -ENOSPC;
	else if (!(nn = strdup(to)))
		rc = -ENOMEM;
	else {
		if (old)
			file_detach(old);
		free(f->name);
		f->name = nn;
		if (t != s) {
			list_remove(&s->files, &f->link);
			s->nfiles--;
			s->bytes -= f->data.len;
			list_push_back(&t->files, &f->link);
			t->nfiles++;
			t->bytes += f->data.len;
			f->owner = t;
		}
	}
	sq_release(t);
	if (s != t)
		sq_release(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_contents(const char *svc, const char *q, const char *name, struct vo_buf *out)
{
	struct scratch_file *f;
	int rc = -ENOENT;

	vo_buf_reset(out);
	pthread_mutex_lock(&lock);
	f = lookup(svc, q, name);
	if (f)
		rc = vo_buf_add(out, f->data.p ? f->data.p : "", f->data.len) ? -ENOMEM : 0;
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_set(const char *svc, const char *q, const char *name, const char *data,
		size_t len, unsigned mode)
{
	struct scratch_file *f;
	struct sq *s;
	int rc = 0;

	pthread_mutex_lock(&lock);
	s = sq_get(svc, q);
	f = file_find(s, name);
	if (!s)
		rc = -ENOMEM;
	else if (!f)
		rc = file_add(s, name, mode, &f);
	if (!rc)
		rc = resize(f, 0);
	if (!rc)
		rc = resize(f, len);
	if (!rc && len)
		memcpy(f->data.p, data, len);
	sq_release(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_list(const char *svc, const char *q, int (*cb)(void *ud, const char *name),
		 void *ud)
{
	struct sq *s;
	int rc = 0;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	for (struct list_link *l = s ? s->files.head : NULL; l && !rc; l = l->next)
		rc = cb(ud, list_item(l, struct scratch_file, link)->name);
	pthread_mutex_unlock(&lock);
	return rc;
}

static void sq_free(struct sq *s)
{
	while (s->files.head)
		file_detach(list_item(s->files.head, struct scratch_file, link));
	s->marked = 0;
	sq_release(s);
}

void scratch_forget_query(const char *svc, const char *q)
{
	struct sq *s;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	if (s)
		sq_free(s);
	pthread_mutex_unlock(&lock);
}

void scratch_rename_query(const char *svc, const char *from, const char *to)
{
	struct sq *s, *t;
	char *nq;

	pthread_mutex_lock(&lock);
	/* the target was no query (query_rename refuses an existing one) */
	t = sq_find(svc, to);
	if (t)
		sq_free(t);
	s = sq_find(svc, from);
	if (s && (nq = strdup(to))) {
		free(s->q);
		s->q = nq;
	} else if (s) {
		sq_free(s);
	}
	pthread_mutex_unlock(&lock);
}

void scratch_remove_item(const char *svc, const char *q, unsigned item)
{
	struct sq *s;

	pthread_mutex_lock(&lock);
	s = sq_get(svc, q);
	if (s) {
		sq_expire(s);
		s->marked = 1;
		s->mark_us = now();
		if (item < 32)
			s->hidden |= (uint32_t)1 << item;
	}
	pthread_mutex_unlock(&lock);
}

int scratch_marked(const char *svc, const char *q)
{
	struct sq *s;
	int m = 0;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	if (s) {
		sq_expire(s);
		m = s->marked;
		sq_release(s);
	}
	pthread_mutex_unlock(&lock);
	return m;
}

int scratch_hidden(const char *svc, const char *q, unsigned item)
{
	struct sq *s;
	int h = 0;

	if (item >= 32)
		return 0;
	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	if (s) {
		sq_expire(s);
		h = (s->hidden >> item) & 1;
		sq_release(s);
	}
	pthread_mutex_unlock(&lock);
	return h;
}

void scratch_unmark(const char *svc, const char *q)
{
	struct sq *s;

	pthread_mutex_lock(&lock);
	s = sq_find(svc, q);
	if (s) {
		s->marked = 0;
		s->hidden = 0;
		sq_release(s);
	}
	pthread_mutex_unlock(&lock);
}

void scratch_shutdown(void)
{
	pthread_mutex_lock(&lock);
	while (queries.head)
		sq_free(list_item(queries.head, struct sq, link));
	pthread_mutex_unlock(&lock);
}
