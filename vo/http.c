/* vo/http.c - libcurl behind vo_http_do(); see http.h for the contract. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "votable.h"

#ifndef VOFS_VERSION
#define VOFS_VERSION "dev"
#endif

#include <pthread.h>

static __thread CURL *tl_curl;
/* releases the handle of a thread that exits */
static pthread_key_t curl_key;
static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_destroy(void *p)
{
	curl_easy_cleanup(p);
}

static void curl_key_init(void)
{
	pthread_key_create(&curl_key, curl_destroy);
}

struct xfer {
	const struct vo_http_req *req;
	struct vo_http_resp *resp;
	CURL *c;
	int sink_rc;       /* error returned by the sink, if any */
	int cancelled;
	int overflow;
	int started;
};

int vo_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

const char *vo_http_version(void)
{
	return curl_version();
}

void vo_http_global_cleanup(void)
{
	vo_http_site_clear();
	curl_global_cleanup();
}

void vo_http_thread_cleanup(void)
{
	if (tl_curl) {
		pthread_setspecific(curl_key, NULL);
		curl_easy_cleanup(tl_curl);
		tl_curl = NULL;
	}
}

void vo_http_resp_free(struct vo_http_resp *r)
{
	if (!r)
		return;
	vo_buf_free(&r->body);
	vo_buf_free(&r->errbody);
}

int vo_http_status_errno(long status)
{
	if (status >= 200 && status < 400)
		return 0;
	switch (status) {
	case 404: case 410: return ENOENT;
	case 401: case 403: return EACCES;
	case 400: case 422: return EINVAL;
	case 408: case 504: return ETIMEDOUT;
	case 413: return EFBIG;
	case 429: case 502: case 503: return EAGAIN;
	default: return EIO;
	}
}

int vo_http_parse_range(const char *cr, long long *first, long long *last,
			long long *total)
{
	char *end;

	while (*cr == ' ')
		cr++;
	if (strncasecmp(cr, "bytes", 5) != 0)
		return -EPROTO;
	cr += 5;
	while (*cr == ' ' || *cr == '=')
		cr++;
	if (!isdigit((unsigned char)*cr))
		return -EPROTO;
	*first = strtoll(cr, &end, 10);
	if (*end != '-' || !isdigit((unsigned char)end[1]))
		return -EPROTO;
	*last = strtoll(end + 1, &end, 10);
	if (*end != '/' || *last < *first)
		return -EPROTO;
	end++;
	if (*end == '*') {
		*total = -1;
		end++;
	} else {
		if (!isdigit((unsigned char)*end))
			return -EPROTO;
		*total = strtoll(end, &end, 10);
		if (*total <= *last)
			return -EPROTO;
	}
	while (*end == ' ' || *end == '\r' || *end == '\n')
		end++;
	return *end ? -EPROTO : 0;
}

int vo_http_urlencode(struct vo_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int rc = 0;

	for (; *s && !rc; s++) {
		unsigned char ch = (unsigned char)*s;
		if (isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			rc = vo_buf_addc(b, (char)ch);
		} else {
			char enc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
			rc = vo_buf_add(b, enc, 3);
		}
	}
	return rc;
}

/* --- the words of an answer, for messages ---------------------------------- */

/* Length of the well-formed UTF-8 sequence at p (n bytes left, n > 0):
 * 1 to 4; 0 when malformed; -1 when the buffer ends inside it. */
static int utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xBF;
	int len;

	if (p[0] < 0x80)
		return 1;
	if (p[0] < 0xC2 || p[0] > 0xF4)
		return 0;
	len = p[0] < 0xE0 ? 2 : p[0] < 0xF0 ? 3 : 4;
	if (p[0] == 0xE0)
		lo = 0xA0;            /* overlong */
	else if (p[0] == 0xED)
		hi = 0x9F;            /* surrogates */
	else if (p[0] == 0xF0)
		lo = 0x90;            /* overlong */
	else if (p[0] == 0xF4)
		hi = 0x8F;            /* beyond U+10FFFF */
	for (int i = 1; i < len; i++, lo = 0x80, hi = 0xBF) {
		if ((size_t)i >= n)
			return -1;
		if (p[i] < lo || p[i] > hi)
			return 0;
	}
	return len;
}

/* A C0 or C1 control character or DEL (the sequence of k bytes at p);
 * white space counts as control here too. */
static int is_control(const unsigned char *p, int k)
{
	return (k == 1 && (p[0] < 0x20 || p[0] == 0x7F || p[0] == ' ')) ||
	       (k == 2 && p[0] == 0xC2 && p[1] < 0xA0);
}

/* A body whose Content-Type says nothing: text when it is UTF-8 with no
 * control bytes other than white space (a sequence cut by the end of the
 * buffer is fine when the body was cut there). */
static int sniff_text(const unsigned char *p, size_t len, int cut)
{
	for (size_t i = 0; i < len;) {
		int k = utf8_seq(p + i, len - i);
		if (k < 0 && cut)
			break;
		if (k <= 0 || (is_control(p + i, k) && !isspace(p[i])))
			return 0;
		i += (size_t)k;
	}
	return 1;
}

/* The media type of a Content-Type into mt: lower case, up to the first
 * character that cannot be in one (the header is the server's). */
static void media_type(const char *ct, char *mt, size_t n)
{
	size_t o = 0;

	while (ct && (*ct == ' ' || *ct == '\t'))
		ct++;
	for (; ct && *ct && o + 1 < n; ct++) {
		unsigned char ch = (unsigned char)*ct;
		if (!isalnum(ch) && !strchr("!#$&^_.+-/*", ch))
			break;
		mt[o++] = (char)tolower(ch);
	}
	mt[o] = '\0';
}

static int ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Whether a body may be shown as text: by its Content-Type, and by its
 * bytes when the type is absent or generic.  Text types holding a NUL
 * byte are not text either. */
static int body_is_text(const char *p, size_t len, const char *content_type)
{
	char mt[128];

	media_type(content_type, mt, sizeof mt);
	if (!mt[0] || strcmp(mt, "application/octet-stream") == 0 ||
	    strcmp(mt, "binary/octet-stream") == 0 || strcmp(mt, "application/unknown") == 0 ||
	    strcmp(mt, "*/*") == 0)
		return sniff_text((const unsigned char *)p, len, len >= VO_HTTP_ERRBODY);
	if (strncmp(mt, "text/", 5) == 0 || strcmp(mt, "application/xml") == 0 ||
	    strcmp(mt, "application/json") == 0 || strcmp(mt, "application/javascript") == 0 ||
	    ends_with(mt, "+xml") || ends_with(mt, "+json"))
		return !memchr(p, '\0', len);
	return 0;
}

/* Folded text written into a caller's buffer: runs of white space and
 * control characters become one space, never at either end; a character
 * that does not fit whole ends it. */
struct text {
	char *out;
	size_t n, o;
	int space, full;
};

static void text_put(struct text *t, const char *s, size_t k)
{
	if (t->full || t->o + k >= t->n) {
		t->full = 1;
		return;
	}
	if (t->space && t->o) {
		if (t->o + k + 1 >= t->n) {
			t->full = 1;
			return;
		}
		t->out[t->o++] = ' ';
	}
	memcpy(t->out + t->o, s, k);
	t->o += k;
	t->space = 0;
}

/* One character of UTF-8 text at p (len bytes left); returns the bytes
 * used.  Malformed bytes show as '?'. */
static size_t text_char(struct text *t, const char *p, size_t len)
{
	int k = utf8_seq((const unsigned char *)p, len);

	if (k < 0)
		return len;           /* cut by the end of the buffer */
	if (k == 0) {
		text_put(t, "?", 1);
		return 1;
	}
	if (is_control((const unsigned char *)p, k))
		t->space = 1;
	else
		text_put(t, p, (size_t)k);
	return (size_t)k;
}

/* The character of an entity at p ("&lt;", "&#233;"), as UTF-8 into u;
 * returns the entity's length, 0 when p holds none. */
static size_t entity(const char *p, size_t len, char *u, size_t *ulen)
{
	static const char *const names[][2] = {
		{"lt", "<"}, {"gt", ">"}, {"amp", "&"}, {"quot", "\""}, {"apos", "'"},
		{"nbsp", " "},
	};
	const char *semi = memchr(p, ';', len < 12 ? len : 12);
	size_t nl;
	unsigned long cp;
	char *end;

	if (!semi)
		return 0;
	nl = (size_t)(semi - p) - 1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (strlen(names[i][0]) == nl && strncmp(p + 1, names[i][0], nl) == 0) {
			*ulen = strlen(names[i][1]);
			memcpy(u, names[i][1], *ulen);
			return nl + 2;
		}
	}
	if (nl < 2 || p[1] != '#')
		return 0;
	cp = p[2] == 'x' || p[2] == 'X' ? strtoul(p + 3, &end, 16) : strtoul(p + 2, &end, 10);
	if (end != semi || !isxdigit((unsigned char)p[nl]) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp < 0xE000))
		return 0;
	if (cp < 0x80) {
		u[0] = (char)cp; *ulen = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); *ulen = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F)); *ulen = 3;
	} else {
		u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); *ulen = 4;
	}
	return nl + 2;
}

/* Where needle (lower case) starts in p, case ignored; NULL if nowhere. */
static const char *find_ci(const char *p, const char *end, const char *needle)
{
	size_t nl = strlen(needle);

	for (; p && (size_t)(end - p) >= nl; p++)
		if (strncasecmp(p, needle, nl) == 0)
			return p;
	return NULL;
}

/* Skip the markup at p ('<'): a tag, a comment, or an element whose
 * content is not for reading (script, style); a CDATA section's content
 * is read.  Returns where reading goes on. */
static const char *skip_markup(struct text *t, const char *p, const char *end)
{
	static const char *const hidden[] = {"script", "style"};
	const char *q;

	t->space = 1;
	if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
		p += 9;
		q = memmem(p, (size_t)(end - p), "]]>", 3);
		for (const char *e = q ? q : end; p < e;)
			p += text_char(t, p, (size_t)(e - p));
		return q ? q + 3 : end;
	}
	if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		q = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
		return q ? q + 3 : end;
	}
	for (size_t i = 0; i < sizeof hidden / sizeof hidden[0]; i++) {
		size_t hl = strlen(hidden[i]);
		if ((size_t)(end - p) > hl + 1 && strncasecmp(p + 1, hidden[i], hl) == 0 &&
		    p[hl + 1] && strchr(" \t\r\n/>", p[hl + 1])) {
			char close[16];
			snprintf(close, sizeof close, "</%s", hidden[i]);
			if (!(p = find_ci(p + 1, end, close)))
				return end;
			break;
		}
	}
	q = memchr(p, '>', (size_t)(end - p));
	return q ? q + 1 : end;
}

/* The readable text of p into out (n bytes): with markup, tags, comments
 * and scripts are left out and entities decoded. */
static void readable(const char *p, size_t len, int markup, char *out, size_t n)
{
	struct text t = {.out = out, .n = n};
	const char *end = p + len;

	while (p < end && !t.full) {
		char u[4];
		size_t ul, el;
		if (markup && *p == '<') {
			p = skip_markup(&t, p, end);
		} else if (markup && *p == '&' && (el = entity(p, (size_t)(end - p), u, &ul))) {
			text_char(&t, u, ul);
			p += el;
		} else {
			p += text_char(&t, p, (size_t)(end - p));
		}
	}
	out[t.o] = '\0';
}

/* The message of a VOTable error document (DALI: the QUERY_STATUS INFO);
 * "" when p holds none. */
static void votable_words(const char *p, size_t len, char *out, size_t n)
{
	struct vo_votable_cb cb = {0};
	struct vo_err e = {0};
	struct vo_votable *v = vo_votable_new(&cb, &e);
	const char *msg;

	out[0] = '\0';
	if (!v)
		return;
	vo_votable_feed(v, p, len);
	vo_votable_finish(v);
	msg = vo_votable_status_msg(v);
	readable(msg, strlen(msg), 0, out, n);
	vo_votable_free(v);
}

int vo_http_body_text(const struct vo_buf *body, const char *content_type, char *out,
		      size_t n)
{
	const char *p = body->p;
	size_t len = p ? body->len : 0, i = 0;

	if (!n)
		return 0;
	out[0] = '\0';
	if (!len)
		return 0;
	if (!body_is_text(p, len, content_type))
		return 1;
	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;                /* a byte order mark */
	while (i < len && isspace((unsigned char)p[i]))
		i++;
	if (i < len && p[i] == '<')
		votable_words(p, len, out, n);
	if (!out[0])
		readable(p + i, len - i, i < len && p[i] == '<', out, n);
	return 0;
}

void vo_http_excerpt(const struct vo_buf *body, char *out, size_t n)
{
	vo_http_body_text(body, NULL, out, n);
}

/* What the error body of r says: ": <the server's words>", " (image/png,
 * 826 bytes)" for a body that is not text, or "" */
static void body_part(const struct vo_http_resp *r, char *out, size_t n)
{
	char mt[128];
	size_t got = r->errbody.p ? r->errbody.len : 0;

	if (n < 3) {
		if (n)
			out[0] = '\0';
		return;
	}
	if (!vo_http_body_text(&r->errbody, r->content_type, out + 2, n - 2)) {
		if (out[2])
			memcpy(out, ": ", 2);
		else
			out[0] = '\0';
		return;
	}
	media_type(r->content_type, mt, sizeof mt);
	if (got < VO_HTTP_ERRBODY)
		snprintf(out, n, " (%s, %zu bytes)", mt[0] ? mt : "binary", got);
	else if (r->content_length > (long long)got)
		snprintf(out, n, " (%s, %lld bytes)", mt[0] ? mt : "binary", r->content_length);
	else
		snprintf(out, n, " (%s, at least %zu bytes)", mt[0] ? mt : "binary", got);
}

void vo_http_status_text(const struct vo_http_resp *r, char *out, size_t n)
{
	int k;

	if (!n)
		return;
	k = snprintf(out, n, "HTTP %ld", r->status);
	if (k > 0 && (size_t)k < n)
		body_part(r, out + k, n - (size_t)k);
}

int vo_http_status_err(const struct vo_http_resp *r, struct vo_err *err, const char *fmt,
		       ...)
{
	char what[VO_ERR_MSG], msg[VO_ERR_MSG];
	int e = vo_http_status_errno(r->status);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	vo_http_status_text(r, msg, sizeof msg);
	return vo_err_set(err, e ? e : EPROTO, "%s: %s", what, msg);
}

/* --- the retry policy ------------------------------------------------------- */

int vo_http_retryable(int rc)
{
	switch (-rc) {
	case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH: case EPROTO:
	case ETIMEDOUT: case EAGAIN:
		return 1;
	default:
		return 0;
	}
}

long vo_http_backoff_ms(int attempt)
{
	long ms = 250;

	for (int i = 0; i < attempt && ms < VO_HTTP_BACKOFF_MAX_MS; i++)
		ms *= 4;
	return ms < VO_HTTP_BACKOFF_MAX_MS ? ms : VO_HTTP_BACKOFF_MAX_MS;
}

/* --- per-origin settings ---------------------------------------------------- */

#define SITES_MAX 4096        /* origins learnt from results stop there */
#define TOKEN_RECHECK_S 1.0   /* a token file is looked at this often at most */

struct site {
	char origin[VO_HTTP_ORIGIN_MAX];
	char *proxy;              /* when has_proxy; "" for none */
	int has_proxy;
	int learnt;               /* by vo_http_site_inherit: a proxy only */
	char *token_file;         /* NULL: no token */
	/* under tok_lock: the token as last read, and what the file was */
	char *token;
	int tok_errno;            /* the last look failed: why (message below) */
	char tok_msg[VO_ERR_MSG];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	double checked;           /* when the file was last looked at */
	int fresh;                /* it had just changed then: read it again */
};

/* the list: added to at startup and as products are found, read by every
 * request; token state changes under tok_lock (taken inside sites_lock) */
static pthread_rwlock_t sites_lock = PTHREAD_RWLOCK_INITIALIZER;
static pthread_mutex_t tok_lock = PTHREAD_MUTEX_INITIALIZER;
static struct site **sites;
static size_t nsites;

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double (*site_now)(void) = mono_now;

void vo_http_site_clock(double (*now)(void))
{
	site_now = now ? now : mono_now;
}

int vo_http_origin(const char *url, char *out, size_t n)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -EINVAL, len;

	if (!u)
		return -ENOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK)
		goto out;
	if ((strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) || !host[0])
		goto out;
	len = snprintf(out, n, "%s://%s:%s", scheme, host, port);
	if (len < 0 || (size_t)len >= n) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

static void token_free(char *t)
{
	if (t) {
		explicit_bzero(t, strlen(t));
		free(t);
	}
}

/* read and check an open token file; st is its fstat */
static int token_from_fd(int fd, const char *path, const struct stat *st, char **token,
			 struct vo_err *err)
{
	char buf[VO_HTTP_TOKEN_MAX + 2];
	size_t n = 0, b, e;
	ssize_t r;
	int rc = 0;

	if (!S_ISREG(st->st_mode))
		return vo_err_set(err, EINVAL, "token_file %s: not a regular file", path);
	if (st->st_uid != geteuid())
		return vo_err_set(err, EACCES, "token_file %s: owned by uid %ld, not by the"
				  " user who mounts (uid %ld)", path, (long)st->st_uid,
				  (long)geteuid());
	if (st->st_mode & 077)
		return vo_err_set(err, EACCES, "token_file %s: mode %04o gives group or others"
				  " access; it must be 0600 or stricter (chmod 600 %s)", path,
				  (unsigned)(st->st_mode & 07777), path);
	while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = vo_err_set(err, errno, "token_file %s: %s", path, strerror(errno));
			goto out;
		}
		n += (size_t)r;
	}
	for (b = 0; b < n && isspace((unsigned char)buf[b]); b++)
		;
	for (e = n; e > b && isspace((unsigned char)buf[e - 1]); e--)
		;
	if (e - b > VO_HTTP_TOKEN_MAX) {
		rc = vo_err_set(err, EFBIG, "token_file %s: longer than %d bytes", path,
				VO_HTTP_TOKEN_MAX);
		goto out;
	}
	if (e == b) {
		rc = vo_err_set(err, EINVAL, "token_file %s: empty", path);
		goto out;
	}
	for (size_t i = b; i < e; i++)
		if ((unsigned char)buf[i] <= ' ' || (unsigned char)buf[i] == 0x7f) {
			rc = vo_err_set(err, EINVAL, "token_file %s: whitespace or control"
					" characters inside the token (one token expected)", path);
			goto out;
		}
	if (!(*token = strndup(buf + b, e - b)))
		rc = vo_err_set(err, ENOMEM, "token_file %s: out of memory", path);
out:
	explicit_bzero(buf, sizeof buf);
	return rc;
}

/* st: what the file was when read (may be NULL) */
static int token_read(const char *path, char **token, struct stat *st, struct vo_err *err)
{
	struct stat sb;
	int fd, rc;

	*token = NULL;
	/* O_NONBLOCK: a FIFO must not hang the mount; it is refused below */
	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return vo_err_set(err, e, "token_file %s: %s", path, strerror(e));
	}
	if (fstat(fd, &sb)) {
		int e = errno;
		close(fd);
		return vo_err_set(err, e, "token_file %s: %s", path, strerror(e));
	}
	rc = token_from_fd(fd, path, &sb, token, err);
	close(fd);
	if (!rc && st)
		*st = sb;
	return rc;
}

int vo_http_token_read(const char *path, char **token, struct vo_err *err)
{
	return token_read(path, token, NULL, err);
}

/* s takes token t (tok_lock held), read from a file that was st then. A
 * file changed less than 2 s ago is read again at the next look (a write
 * in the same clock tick would not show in its mtime). */
static void token_adopt(struct site *s, char *t, const struct stat *st)
{
	token_free(s->token);
	s->token = t;
	s->tok_errno = 0;
	s->tok_msg[0] = '\0';
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->size = st->st_size;
	s->mtime = st->st_mtim;
	s->fresh = (double)time(NULL) - (double)st->st_mtim.tv_sec < 2.0;
}

/* s's token is up to date (tok_lock held): look at the file again when it
 * was last looked at more than TOKEN_RECHECK_S ago; read it when it
 * changed, or when it had only just changed at the last read (a write in
 * the same clock tick would not show in its mtime). */
static void token_refresh(struct site *s)
{
	double now = site_now();
	struct stat st;
	struct vo_err e = {0};
	char *t = NULL;

	if (s->checked && now - s->checked < TOKEN_RECHECK_S)
		return;
	s->checked = now;
	if (!s->tok_errno && !s->fresh && stat(s->token_file, &st) == 0 &&
	    st.st_dev == s->dev && st.st_ino == s->ino && st.st_size == s->size &&
	    st.st_mtim.tv_sec == s->mtime.tv_sec && st.st_mtim.tv_nsec == s->mtime.tv_nsec)
		return;
	if (token_read(s->token_file, &t, &st, &e)) {
		if (s->tok_errno != e.code || strcmp(s->tok_msg, e.msg) != 0)
			vo_warn("%s", e.msg);
		s->tok_errno = e.code;
		snprintf(s->tok_msg, sizeof s->tok_msg, "%s", e.msg);
		return;
	}
	if (s->tok_errno || !s->token || strcmp(s->token, t) != 0)
		vo_info("token_file %s: %s", s->token_file,
			s->tok_errno ? "usable again" : s->token ? "a new token" : "read");
	token_adopt(s, t, &st);
}

static struct site *site_find(const char *origin)
{
	for (size_t i = 0; i < nsites; i++)
		if (strcmp(sites[i]->origin, origin) == 0)
			return sites[i];
	return NULL;
}

static void site_free(struct site *s)
{
	if (!s)
		return;
	free(s->proxy);
	free(s->token_file);
	token_free(s->token);
	free(s);
}

/* a new site (not yet listed); sites_lock held for writing */
static int site_add(struct site *s)
{
	struct site **v;

	if (nsites >= SITES_MAX)
		return -ENOSPC;
	v = realloc(sites, (nsites + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	sites = v;
	sites[nsites++] = s;
	return 0;
}

static int strdup_or_null(const char *s, char **out)
{
	*out = NULL;
	if (s && !(*out = strdup(s)))
		return -ENOMEM;
	return 0;
}

int vo_http_site_set(const char *url, const struct vo_http_site *site, struct vo_err *err)
{
	char origin[VO_HTTP_ORIGIN_MAX];
	struct site *s, *fresh = NULL;
	struct stat st;
	char *token = NULL;
	int rc;

	if ((rc = vo_http_origin(url, origin, sizeof origin)))
		return vo_err_set(err, -rc, "%s: not an http(s) URL with a host", url);
	/* read the file before taking the lock: nothing else waits on it */
	if (site->token_file && (rc = token_read(site->token_file, &token, &st, err)))
		return rc;
	pthread_rwlock_wrlock(&sites_lock);
	s = site_find(origin);
	if (s && s->learnt) {
		/* learnt from results before: the service's own settings win */
		free(s->proxy);
		s->proxy = NULL;
		s->has_proxy = 0;
		s->learnt = 0;
	}
	if (s && site->token_file && s->token_file && strcmp(s->token_file, site->token_file)) {
		rc = vo_err_set(err, EEXIST, "%s: another service there has token_file %s"
				" (a host's services share one token_file)", origin, s->token_file);
		goto out;
	}
	if (s && site->proxy && s->has_proxy && strcmp(s->proxy, site->proxy)) {
		rc = vo_err_set(err, EEXIST, "%s: another service there has a different"
				" proxy (a host's services share one proxy)", origin);
		goto out;
	}
	if (!s) {
		if (!(fresh = s = calloc(1, sizeof *s))) {
			rc = -ENOMEM;
			goto out;
		}
		snprintf(s->origin, sizeof s->origin, "%s", origin);
	}
	if (site->proxy && !s->has_proxy) {
		if ((rc = strdup_or_null(site->proxy, &s->proxy)))
			goto out;
		s->has_proxy = 1;
	}
	if (site->token_file && !s->token_file) {
		if ((rc = strdup_or_null(site->token_file, &s->token_file)))
			goto out;
		pthread_mutex_lock(&tok_lock);
		token_adopt(s, token, &st);
		token = NULL;
		s->checked = site_now();
		pthread_mutex_unlock(&tok_lock);
	}
	if (fresh && (rc = site_add(fresh)) == 0)
		fresh = NULL;
out:
	pthread_rwlock_unlock(&sites_lock);
	site_free(fresh);
	token_free(token);
	if (rc == -ENOMEM || rc == -ENOSPC)
		vo_err_set(err, -rc, "%s: %s", origin, strerror(-rc));
	return rc;
}

int vo_http_site_inherit(const char *url, const char *from)
{
	char origin[VO_HTTP_ORIGIN_MAX], forigin[VO_HTTP_ORIGIN_MAX];
	const struct site *f;
	struct site *s;
	int rc = 0, known;

	if (vo_http_origin(from, forigin, sizeof forigin) ||
	    vo_http_origin(url, origin, sizeof origin) || strcmp(origin, forigin) == 0)
		return 0;
	pthread_rwlock_rdlock(&sites_lock);
	f = site_find(forigin);
	known = !f || !f->has_proxy || site_find(origin);
	pthread_rwlock_unlock(&sites_lock);
	if (known)
		return 0;
	pthread_rwlock_wrlock(&sites_lock);
	f = site_find(forigin);
	if (f && f->has_proxy && !site_find(origin)) {
		if (!(s = calloc(1, sizeof *s)) || (rc = strdup_or_null(f->proxy, &s->proxy))) {
			rc = -ENOMEM;
		} else {
			snprintf(s->origin, sizeof s->origin, "%s", origin);
			s->has_proxy = 1;
			s->learnt = 1;
			rc = site_add(s);
			if (!rc) {
				vo_debug("%s: the proxy of %s (found in its results)", origin, forigin);
				s = NULL;
			} else if (rc == -ENOSPC) {
				rc = 0;   /* past SITES_MAX: direct */
			}
		}
		site_free(s);
	}
	pthread_rwlock_unlock(&sites_lock);
	return rc;
}

int vo_http_site_get(const char *url, char **token, char **proxy, int *has_proxy,
		     struct vo_err *err)
{
	char origin[VO_HTTP_ORIGIN_MAX];
	struct site *s;
	int rc = 0;

	*token = *proxy = NULL;
	*has_proxy = 0;
	pthread_rwlock_rdlock(&sites_lock);
	if (!nsites || vo_http_origin(url, origin, sizeof origin) || !(s = site_find(origin)))
		goto out;
	if (s->has_proxy) {
		if ((rc = strdup_or_null(s->proxy, proxy)))
			goto out;
		*has_proxy = 1;
	}
	if (s->token_file) {
		pthread_mutex_lock(&tok_lock);
		token_refresh(s);
		if (s->tok_errno)
			rc = vo_err_set(err, EACCES, "%s", s->tok_msg);
		else if ((rc = strdup_or_null(s->token, token)))
			vo_err_set(err, ENOMEM, "out of memory");
		pthread_mutex_unlock(&tok_lock);
	}
out:
	pthread_rwlock_unlock(&sites_lock);
	if (rc) {
		free(*proxy);
		*proxy = NULL;
		*has_proxy = 0;
	}
	return rc;
}

void vo_http_site_clear(void)
{
	pthread_rwlock_wrlock(&sites_lock);
	for (size_t i = 0; i < nsites; i++)
		site_free(sites[i]);
	free(sites);
	sites = NULL;
	nsites = 0;
	pthread_rwlock_unlock(&sites_lock);
}

/* the token file of an origin, for messages (malloc'd, or NULL) */
static char *site_token_file(const char *origin)
{
	struct site *s;
	char *f = NULL;

	pthread_rwlock_rdlock(&sites_lock);
	if ((s = site_find(origin)) && s->token_file)
		f = strdup(s->token_file);
	pthread_rwlock_unlock(&sites_lock);
	return f;
}

/* a proxy URL for the log: without user and password */
static void proxy_for_log(const char *proxy, char *out, size_t n)
{
	const char *p = strstr(proxy, "://"), *at, *host = proxy;

	if (p) {
		at = strchr(p + 3, '@');
		if (at && at < p + 3 + strcspn(p + 3, "/?#"))
			host = at + 1;
		else
			host = p + 3;
		snprintf(out, n, "%.*s%s", (int)(p + 3 - proxy), proxy, host);
	} else {
		at = strchr(proxy, '@');
		snprintf(out, n, "%s", at ? at + 1 : proxy);
	}
}

/* every copy of the token in the error body becomes '*'s */
static void mask_token(struct vo_buf *b, const char *token)
{
	size_t tl = strlen(token);
	char *p = b->p, *end = b->p + b->len;

	while (p && tl && (p = memmem(p, (size_t)(end - p), token, tl))) {
		memset(p, '*', tl);
		p += tl;
	}
}

/* A 401 or 403 from origin: say in errbody whether it refused the token
 * (sent) or asks for one that was not sent, then what the server sent. */
static void auth_failure(struct vo_http_resp *resp, const char *origin, int sent,
			 const char *token_file)
{
	char said[512];

	if (!sent && resp->status != 401)
		return;
	body_part(resp, said, sizeof said);
	vo_buf_reset(&resp->errbody);
	if (sent)
		vo_buf_addf(&resp->errbody, "%s refused the token of token_file %s (HTTP %ld:"
			    " expired, revoked, or not valid for this)", origin, token_file,
			    resp->status);
	else
		vo_buf_addf(&resp->errbody, "%s asks for credentials (HTTP 401), and %s", origin,
			    token_file ? "a token is sent only to its service's own scheme,"
			    " host and port, not after a redirect elsewhere"
			    : "no token_file is set for it");
	if (said[0] == ':')
		vo_buf_addf(&resp->errbody, "; the server says%s", said);
	else if (said[0])
		vo_buf_addf(&resp->errbody, "; the server sent%s", said);
	/* the body is this message now */
	snprintf(resp->content_type, sizeof resp->content_type, "text/plain; charset=utf-8");
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb, k;
	char *dst = NULL;
	size_t dstlen = 0;

	if (n >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or 100): forget the old one */
		x->resp->content_type[0] = '\0';
		x->resp->content_range[0] = '\0';
		x->resp->etag[0] = '\0';
		x->resp->last_modified = -1;
		x->resp->location[0] = '\0';
		return n;
	}
	if (n > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		dst = x->resp->content_type; dstlen = sizeof x->resp->content_type; k = 13;
	} else if (n > 14 && strncasecmp(p, "Content-Range:", 14) == 0) {
		dst = x->resp->content_range; dstlen = sizeof x->resp->content_range; k = 14;
	} else if (n > 5 && strncasecmp(p, "ETag:", 5) == 0) {
		dst = x->resp->etag; dstlen = sizeof x->resp->etag; k = 5;
	} else if (n > 14 && n < 200 && strncasecmp(p, "Last-Modified:", 14) == 0) {
		/* known before the body (a start callback compares validators) */
		char date[200];
		memcpy(date, p + 14, n - 14);
		date[n - 14] = '\0';
		x->resp->last_modified = (long long)curl_getdate(date, NULL);
		if (x->resp->last_modified < 0)
			x->resp->last_modified = -1;
		return n;
	} else {
		return n;
	}
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	size_t e = n;
	while (e > k && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
		e--;
	if (e - k >= dstlen)
		e = k + dstlen - 1;
	memcpy(dst, p + k, e - k);
	dst[e - k] = '\0';
	return n;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	struct xfer *x = ud;
	size_t n = size * nmemb;
	long status = 0;

	curl_easy_getinfo(x->c, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 400 || (status >= 300 && !x->req->follow)) {
		/* keep the start of an error body for the message */
		size_t room = VO_HTTP_ERRBODY - x->resp->errbody.len;
		if (status >= 400 && room)
			vo_buf_add(&x->resp->errbody, p, n < room ? n : room);
		return n;
	}
	if (!x->started) {
		x->started = 1;
		if (x->req->start) {
			curl_off_t cl = -1;
			x->resp->status = status;
			curl_easy_getinfo(x->c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
			x->resp->content_length = cl;
			int rc = x->req->start(x->req->ud, x->resp);
			if (rc) {
				x->sink_rc = rc;
				return 0;
			}
		}
	}
	if (x->req->sink) {
		int rc = x->req->sink(x->req->ud, p, n);
		if (rc) {
			x->sink_rc = rc;
			return 0;   /* makes curl abort with CURLE_WRITE_ERROR */
		}
		return n;
	}
	if (vo_buf_add(&x->resp->body, p, n)) {
		x->overflow = 1;
		return 0;
	}
	return n;
}

static int abort_all;   /* vo_http_abort_all() */

void vo_http_abort_all(void)
{
	__atomic_store_n(&abort_all, 1, __ATOMIC_RELAXED);
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct xfer *x = ud;

	if (__atomic_load_n(&abort_all, __ATOMIC_RELAXED) ||
	    (x->req->cancel && x->req->cancel(x->req->ud))) {
		x->cancelled = 1;
		return 1;
	}
	return 0;
}

static int curl_errno(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT: return ETIMEDOUT;
	case CURLE_COULDNT_CONNECT: return ECONNREFUSED;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY: return EHOSTUNREACH;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING: return ECONNRESET;
	case CURLE_PARTIAL_FILE:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_BAD_CONTENT_ENCODING: return EPROTO;
	case CURLE_TOO_MANY_REDIRECTS: return ELOOP;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL: return EINVAL;
	case CURLE_OUT_OF_MEMORY: return ENOMEM;
	default: return EIO;
	}
}

static int build_params(struct vo_buf *b, const struct vo_http_req *req)
{
	int rc = 0;

	for (size_t i = 0; i < req->nparams && !rc; i++) {
		if (i)
			rc = vo_buf_addc(b, '&');
		if (!rc)
			rc = vo_http_urlencode(b, req->params[i].name);
		if (!rc)
			rc = vo_buf_addc(b, '=');
		if (!rc)
			rc = vo_http_urlencode(b, req->params[i].value);
	}
	return rc;
}

static CURL *thread_handle(void)
{
	if (!tl_curl) {
		tl_curl = curl_easy_init();
		pthread_once(&curl_once, curl_key_init);
		if (tl_curl)
			pthread_setspecific(curl_key, tl_curl);
	} else
		curl_easy_reset(tl_curl);   /* keeps the connection cache */
	return tl_curl;
}

static void resp_reset(struct vo_http_resp *resp, const struct vo_http_req *req)
{
	resp->status = 0;
	resp->location[0] = resp->content_type[0] = resp->content_range[0] = '\0';
	resp->etag[0] = '\0';
	resp->effective_url[0] = '\0';
	resp->content_length = -1;
	resp->last_modified = -1;
	vo_buf_reset(&resp->body);
	vo_buf_reset(&resp->errbody);
	resp->body.cap = req->max_body;
	resp->errbody.cap = VO_HTTP_ERRBODY;
}

/* What one request is made of, besides the request itself. */
struct call {
	const char *method;
	int post;
	struct vo_buf url, form;
	char curlmsg[CURL_ERROR_SIZE];
	char *token, *proxy, via[300];
	int has_proxy;
	struct curl_slist *hdrs;
	curl_mime *mime;           /* a multipart POST's body */
};

/* A multipart/form-data body: the params as text parts, then the files
 * (curl reads each when it sends it).  Each file is looked at first, so
 * that a missing one is told apart from a failed transfer. */
static int call_mime(CURL *c, struct call *k, const struct vo_http_req *req,
		     struct vo_err *err)
{
	curl_mimepart *part;
	struct stat st;

	if (!(k->mime = curl_mime_init(c)))
		return -ENOMEM;
	for (size_t i = 0; i < req->nparams; i++) {
		if (!(part = curl_mime_addpart(k->mime)) ||
		    curl_mime_name(part, req->params[i].name) != CURLE_OK ||
		    curl_mime_data(part, req->params[i].value, CURL_ZERO_TERMINATED) != CURLE_OK)
			return -ENOMEM;
	}
	for (size_t i = 0; i < req->nparts; i++) {
		const struct vo_http_part *p = &req->parts[i];
		int fd = open(p->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) < 0) {
			int e = errno;
			if (fd >= 0)
				close(fd);
			return vo_err_set(err, e, "%s %s: the file of part %s, %s: %s", k->method,
					  req->url, p->name, p->path, strerror(e));
		}
		close(fd);
		if (!S_ISREG(st.st_mode))
			return vo_err_set(err, EINVAL, "%s %s: the file of part %s, %s, is not a"
					  " regular file", k->method, req->url, p->name, p->path);
		if (!(part = curl_mime_addpart(k->mime)) ||
		    curl_mime_name(part, p->name) != CURLE_OK)
			return -ENOMEM;
		if (curl_mime_filedata(part, p->path) != CURLE_OK)
			return -EIO;
		/* (filedata names the part after the file: say what was asked) */
		curl_mime_filename(part, p->filename);
		curl_mime_type(part, p->content_type ? p->content_type :
			       "application/octet-stream");
	}
	curl_easy_setopt(c, CURLOPT_MIMEPOST, k->mime);
	return 0;
}

/* The URL (with the parameters of a GET) and the form (of a POST). */
static int call_url(struct call *k, const struct vo_http_req *req)
{
	int rc = vo_buf_adds(&k->url, req->url);

	if (rc || !req->nparams)
		return rc;
	if (k->post && req->nparts)
		return 0;   /* call_mime */
	if (k->post)
		return build_params(&k->form, req);
	rc = vo_buf_addc(&k->url, strchr(req->url, '?') ? '&' : '?');
	return rc ? rc : build_params(&k->url, req);
}

/* The site's proxy and token, the range and its validator. */
static int set_site_options(CURL *c, struct call *k, const struct vo_http_req *req)
{
	if (k->has_proxy) {
		char shown[256];
		curl_easy_setopt(c, CURLOPT_PROXY, k->proxy);
		proxy_for_log(k->proxy, shown, sizeof shown);
		if (k->proxy[0])
			snprintf(k->via, sizeof k->via, " via proxy %s", shown);
		else
			snprintf(k->via, sizeof k->via, " (no proxy)");
	}
	if (k->token) {
		/* curl sends it to this scheme, host and port only, also when
		 * a redirect leads elsewhere (CURLOPT_UNRESTRICTED_AUTH unset) */
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, k->token);
	}
	if (req->range)
		curl_easy_setopt(c, CURLOPT_RANGE, req->range);
	if (req->range && req->if_range && req->if_range[0] &&
	    !strpbrk(req->if_range, "\r\n") && strlen(req->if_range) < 512) {
		char h[600];
		snprintf(h, sizeof h, "If-Range: %s", req->if_range);
		if (!(k->hdrs = curl_slist_append(NULL, h)))
			return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, k->hdrs);
	return 0;
}

static void set_options(CURL *c, struct call *k, const struct vo_http_req *req,
			struct xfer *x)
{
	curl_easy_setopt(c, CURLOPT_URL, k->url.p);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, k->curlmsg);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "vofs/" VOFS_VERSION " (IVOA TAP filesystem; libcurl)");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, req->follow ? 1L : 0L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
	/* a redirected POST stays a POST only where the standard says so;
	 * UWS 303s are not followed anyway */
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, req->timeout_s > 0 ? req->timeout_s : 0L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, req->min_rate > 0 ? req->min_rate : 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req->stall_s > 0 ? req->stall_s : 120L);
	if (!req->identity)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->buffer_size > 0)
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, req->buffer_size);
	if (k->post && req->nparts) {
		/* call_mime sets the body */
	} else if (k->post) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->form.p ? k->form.p : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)k->form.len);
	} else if (strcmp(k->method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, k->method);
	}
}

/* Status, length, date, redirect and final URL of the answer. */
static void read_info(CURL *c, struct vo_http_resp *resp)
{
	curl_off_t cl = -1, ft = -1;
	double secs = 0;
	char *loc = NULL;

	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
	resp->content_length = cl;
	if (curl_easy_getinfo(c, CURLINFO_FILETIME_T, &ft) == CURLE_OK && ft >= 0)
		resp->last_modified = ft;
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
	resp->seconds = secs;
	if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		snprintf(resp->location, sizeof resp->location, "%s", loc);
	loc = NULL;
	if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &loc) == CURLE_OK && loc)
		snprintf(resp->effective_url, sizeof resp->effective_url, "%s", loc);
}

/* A 401 or 403: say whether the token was sent, and where it came from. */
static void note_auth(struct vo_http_resp *resp, const struct vo_http_req *req,
		      const char *token)
{
	char o[VO_HTTP_ORIGIN_MAX], a[VO_HTTP_ORIGIN_MAX], *file;
	const char *eff = resp->effective_url[0] ? resp->effective_url : req->url;

	if (vo_http_origin(req->url, o, sizeof o) == 0 &&
	    vo_http_origin(eff, a, sizeof a) == 0) {
		int same = strcmp(o, a) == 0;
		file = token ? site_token_file(o) : NULL;
		auth_failure(resp, a, token && same, file ? file : token ? "?" : NULL);
		free(file);
	}
}

/* The error of a transfer that did not complete. */
static int xfer_error(const struct call *k, const struct vo_http_req *req,
		      const struct vo_http_resp *resp, const struct xfer *x, CURLcode cc,
		      struct vo_err *err)
{
	const char *method = k->method;
	int rc;

	if (x->sink_rc) {
		rc = x->sink_rc;   /* the sink recorded its own message: say where */
		if (err && !err->code)
			vo_err_set(err, -rc, "%s %s: %s", method, req->url, strerror(-rc));
		else if (err && strncmp(err->msg, method, strlen(method)) != 0)
			vo_err_prefix(err, "%s %s: ", method, req->url);
		return rc;
	}
	if (x->cancelled)
		return vo_err_set(err, ECANCELED, "%s %s: cancelled", method, req->url);
	if (x->overflow)
		return vo_err_set(err, EFBIG, "%s %s: response larger than %zu bytes", method,
				  req->url, resp->body.cap ? resp->body.cap : VO_BUF_DEFAULT_CAP);
	return vo_err_set(err, curl_errno(cc), "%s %s: %s%s%s", method, req->url,
			  curl_easy_strerror(cc), k->curlmsg[0] ? ": " : "", k->curlmsg);
}

int vo_http_do(const struct vo_http_req *req, struct vo_http_resp *resp,
	       struct vo_err *err)
{
	struct call k = {.method = req->method ? req->method : "GET", .url = VO_BUF_INIT,
			 .form = VO_BUF_INIT};
	struct xfer x = {.req = req, .resp = resp};
	const char *method = k.method;
	CURLcode cc;
	int rc = 0;
	CURL *c;

	if (__atomic_load_n(&abort_all, __ATOMIC_RELAXED))
		return vo_err_set(err, ECANCELED, "%s %s: cancelled (unmounting)", method, req->url);
	k.post = strcmp(method, "POST") == 0;
	resp_reset(resp, req);
	c = thread_handle();
	if (!c)
		return vo_err_set(err, ENOMEM, "%s %s: cannot create a curl handle",
				  method, req->url);
	x.c = c;
	if ((rc = vo_http_site_get(req->url, &k.token, &k.proxy, &k.has_proxy, err))) {
		if (rc != -ENOMEM)
			vo_err_prefix(err, "%s %s: ", method, req->url);
		goto out;
	}
	if ((rc = call_url(&k, req)))
		goto out;
	set_options(c, &k, req, &x);
	if ((rc = set_site_options(c, &k, req)))
		goto out;
	if (k.post && req->nparts && (rc = call_mime(c, &k, req, err)))
		goto out;
	vo_debug("%s %s%s%s%s%s%s", method, k.url.p, k.post && k.form.len ? " " : "",
		 k.post && k.form.len ? k.form.p : "", req->nparts ? " (multipart)" : "",
		 k.token ? " (with the bearer token)" : "", k.via);
	cc = curl_easy_perform(c);
	read_info(c, resp);
	vo_debug("%s %s -> %ld (%.3f s, curl %d)", method, req->url, resp->status,
		 resp->seconds, (int)cc);
	if (k.token)
		mask_token(&resp->errbody, k.token);
	if (resp->status == 401 || resp->status == 403)
		note_auth(resp, req, k.token);
	if (cc != CURLE_OK)
		rc = xfer_error(&k, req, resp, &x, cc, err);
out:
	if (k.hdrs) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(k.hdrs);
	}
	if (k.mime) {
		curl_easy_setopt(c, CURLOPT_MIMEPOST, NULL);
		curl_mime_free(k.mime);
	}
	vo_buf_free(&k.url);
	vo_buf_free(&k.form);
	token_free(k.token);
	free(k.proxy);
	if (rc == -ENOMEM && err && !err->code)
		vo_err_set(err, ENOMEM, "%s %s: out of memory", method, req->url);
	return rc;
}
