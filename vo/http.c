/* vo/http.c - libcurl behind vo_http_do(); see http.h for the contract. */
#include "http.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"

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
	case 429: case 503: return EAGAIN;
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

void vo_http_excerpt(const struct vo_buf *body, char *out, size_t n)
{
	size_t o = 0;
	int intag = 0, space = 1;

	if (!n)
		return;
	for (size_t i = 0; body->p && i < body->len && o + 1 < n; i++) {
		unsigned char ch = (unsigned char)body->p[i];
		if (ch == '<') { intag = 1; continue; }
		if (ch == '>' && intag) { intag = 0; ch = ' '; }
		if (intag)
			continue;
		if (isspace(ch) || ch < 32) {
			if (space)
				continue;
			space = 1;
			ch = ' ';
		} else {
			space = 0;
		}
		out[o++] = (char)ch;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
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
		x->resp->location[0] = '\0';
		return n;
	}
	if (n > 13 && strncasecmp(p, "Content-Type:", 13) == 0) {
		dst = x->resp->content_type; dstlen = sizeof x->resp->content_type; k = 13;
	} else if (n > 14 && strncasecmp(p, "Content-Range:", 14) == 0) {
		dst = x->resp->content_range; dstlen = sizeof x->resp->content_range; k = 14;
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

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct xfer *x = ud;

	if (x->req->cancel && x->req->cancel(x->req->ud)) {
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

int vo_http_do(const struct vo_http_req *req, struct vo_http_resp *resp,
	       struct vo_err *err)
{
	const char *method = req->method ? req->method : "GET";
	struct vo_buf url = VO_BUF_INIT, form = VO_BUF_INIT;
	struct xfer x = {.req = req, .resp = resp};
	char curlmsg[CURL_ERROR_SIZE] = "";
	int post = strcmp(method, "POST") == 0;
	CURLcode cc;
	int rc = 0;
	CURL *c;

	resp->status = 0;
	resp->location[0] = resp->content_type[0] = resp->content_range[0] = '\0';
	resp->effective_url[0] = '\0';
	resp->content_length = -1;
	resp->last_modified = -1;
	vo_buf_reset(&resp->body);
	vo_buf_reset(&resp->errbody);
	resp->body.cap = req->max_body;
	resp->errbody.cap = VO_HTTP_ERRBODY;

	c = thread_handle();
	if (!c)
		return vo_err_set(err, ENOMEM, "%s %s: cannot create a curl handle",
				  method, req->url);
	x.c = c;
	if ((rc = vo_buf_adds(&url, req->url)))
		goto out;
	if (req->nparams) {
		if (post) {
			rc = build_params(&form, req);
		} else {
			rc = vo_buf_addc(&url, strchr(req->url, '?') ? '&' : '?');
			if (!rc)
				rc = build_params(&url, req);
		}
		if (rc)
			goto out;
	}

	curl_easy_setopt(c, CURLOPT_URL, url.p);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curlmsg);
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
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, req->stall_s > 0 ? req->stall_s : 120L);
	if (!req->identity)
		curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &x);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c, CURLOPT_XFERINFODATA, &x);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	if (req->range)
		curl_easy_setopt(c, CURLOPT_RANGE, req->range);
	if (req->buffer_size > 0)
		curl_easy_setopt(c, CURLOPT_BUFFERSIZE, req->buffer_size);
	if (post) {
		curl_easy_setopt(c, CURLOPT_POST, 1L);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, form.p ? form.p : "");
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)form.len);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}

	vo_debug("%s %s%s%s", method, url.p, post && form.len ? " " : "",
		 post && form.len ? form.p : "");
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	{
		curl_off_t cl = -1;
		double secs = 0;
		char *loc = NULL;
		curl_off_t ft = -1;
		curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		resp->content_length = cl;
		if (curl_easy_getinfo(c, CURLINFO_FILETIME_T, &ft) == CURLE_OK)
			resp->last_modified = ft;
		curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &secs);
		resp->seconds = secs;
		if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
			snprintf(resp->location, sizeof resp->location, "%s", loc);
		loc = NULL;
		if (curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &loc) == CURLE_OK && loc)
			snprintf(resp->effective_url, sizeof resp->effective_url, "%s", loc);
	}
	vo_debug("%s %s -> %ld (%.3f s, curl %d)", method, req->url, resp->status,
		 resp->seconds, (int)cc);

	if (cc == CURLE_OK)
		goto out;
	if (x.sink_rc) {
		rc = x.sink_rc;   /* the sink recorded its own message: say where */
		if (err && !err->code)
			vo_err_set(err, -rc, "%s %s: %s", method, req->url, strerror(-rc));
		else if (err && strncmp(err->msg, method, strlen(method)) != 0)
			vo_err_prefix(err, "%s %s: ", method, req->url);
	} else if (x.cancelled) {
		rc = vo_err_set(err, ECANCELED, "%s %s: cancelled", method, req->url);
	} else if (x.overflow) {
		rc = vo_err_set(err, EFBIG, "%s %s: response larger than %zu bytes",
				method, req->url, resp->body.cap ? resp->body.cap : VO_BUF_DEFAULT_CAP);
	} else {
		int e = curl_errno(cc);
		rc = vo_err_set(err, e, "%s %s: %s%s%s", method, req->url,
				curl_easy_strerror(cc), curlmsg[0] ? ": " : "", curlmsg);
	}
out:
	vo_buf_free(&url);
	vo_buf_free(&form);
	if (rc == -ENOMEM && err && !err->code)
		vo_err_set(err, ENOMEM, "%s %s: out of memory", method, req->url);
	return rc;
}
