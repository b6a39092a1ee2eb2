/* fs/config.c - services file parsing; see config.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "http.h"
#include "log.h"

static const struct { const char *name, *url; } builtin[] = {
	{"mast", "https://mast.stsci.edu/vo-tap/api/v0.1/caom"},
	{"ps1", "http://vao.stsci.edu/PS1DR2/tapservice.aspx"},
	{"koa", "https://koa.ipac.caltech.edu/TAP"},
	{"gavo", "http://dc.g-vo.org/tap"},
};

int config_valid_name(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SVC_NAME_MAX || name[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("_.-", name[i]))
			return 0;
	return 1;
}

static struct service_conf *get_or_add(struct config *c, const char *name)
{
	struct service_conf *s;

	for (size_t i = 0; i < c->nsvcs; i++)
		if (strcmp(c->svcs[i].name, name) == 0)
			return &c->svcs[i];
	s = realloc(c->svcs, (c->nsvcs + 1) * sizeof *s);
	if (!s)
		return NULL;
	c->svcs = s;
	s = &c->svcs[c->nsvcs++];
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->maxrec = -1;
	s->mode = VO_TAP_AUTO;
	return s;
}

static int set_url(struct service_conf *s, const char *url)
{
	size_t n = strlen(url);
	char *u;

	while (n > 0 && url[n - 1] == '/')
		n--;
	if (n == 0)
		return -EINVAL;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	u = strndup(url, n);
	if (!u)
		return -ENOMEM;
	free(s->url);
	s->url = u;
	return 0;
}

/* "none" or a proxy URL curl understands */
static int set_proxy(struct service_conf *s, const char *v)
{
	static const char *const schemes[] = {"http://", "https://", "socks4://", "socks4a://",
					      "socks5://", "socks5h://"};
	int ok = strcmp(v, "none") == 0;
	char *p;

	for (size_t i = 0; !ok && i < sizeof schemes / sizeof schemes[0]; i++) {
		size_t n = strlen(schemes[i]);
		ok = strncasecmp(v, schemes[i], n) == 0 && v[n] && !strpbrk(v, " \t");
	}
	if (!ok)
		return -EINVAL;
	if (!(p = strdup(strcmp(v, "none") == 0 ? "" : v)))
		return -ENOMEM;
	free(s->proxy);
	s->proxy = p;
	return 0;
}

/* A token file path: "~/..." is under $HOME, a relative one is relative to
 * the services file (the daemon's working directory is "/"). */
static int set_token_file(struct service_conf *s, const char *v, const char *conf_path)
{
	const char *home = getenv("HOME"), *slash = strrchr(conf_path, '/');
	char *p = NULL;
	int n;

	if (!*v || (v[0] == '~' && v[1] == '/' && !(home && *home)))
		return -EINVAL;
	if (v[0] == '/')
		n = asprintf(&p, "%s", v);
	else if (v[0] == '~' && v[1] == '/')
		n = asprintf(&p, "%s%s", home, v + 1);
	else if (slash)
		n = asprintf(&p, "%.*s/%s", (int)(slash - conf_path), conf_path, v);
	else
		n = asprintf(&p, "%s", v);
	if (n < 0)
		return -ENOMEM;
	if (p[0] != '/') {   /* a services file named without a directory */
		char cwd[4096], *abs = NULL;
		if (!getcwd(cwd, sizeof cwd) || asprintf(&abs, "%s/%s", cwd, p) < 0) {
			free(p);
			return -ENOMEM;
		}
		free(p);
		p = abs;
	}
	free(s->token_file);
	s->token_file = p;
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path, struct vo_err *err)
{
	FILE *f = fopen(path, "r");
	struct service_conf *cur = NULL;
	char line[4096];
	int lineno = 0, rc = 0;

	if (!f) {
		int e = errno;
		return e == ENOENT ? -ENOENT : vo_err_set(err, e, "%s: %s", path, strerror(e));
	}
	while (fgets(line, sizeof line, f)) {
		char *s = trim(line), *eq, *k, *v;
		lineno++;
		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');
			if (!e) {
				rc = vo_err_set(err, EINVAL, "%s:%d: unterminated section", path, lineno);
				break;
			}
			*e = '\0';
			s = trim(s + 1);
			if (!config_valid_name(s)) {
				rc = vo_err_set(err, EINVAL, "%s:%d: service name '%s' must be"
						" letters, digits, '_', '.', '-' (not starting with '.')",
						path, lineno, s);
				break;
			}
			cur = get_or_add(c, s);
			if (!cur) {
				rc = vo_err_set(err, ENOMEM, "out of memory");
				break;
			}
			continue;
		}
		eq = strchr(s, '=');
		if (!eq || !cur) {
			rc = vo_err_set(err, EINVAL, "%s:%d: expected 'key = value' inside a [service] section",
					path, lineno);
			break;
		}
		*eq = '\0';
		k = trim(s);
		v = trim(eq + 1);
		if (strcmp(k, "url") == 0) {
			if (set_url(cur, v)) {
				rc = vo_err_set(err, EINVAL, "%s:%d: url must be an http(s) URL", path, lineno);
				break;
			}
		} else if (strcmp(k, "maxrec") == 0) {
			char *end;
			long long m = strtoll(v, &end, 10);
			if (*v == '\0' || *end || m < 0) {
				rc = vo_err_set(err, EINVAL, "%s:%d: maxrec must be a number >= 0", path, lineno);
				break;
			}
			cur->maxrec = m;
		} else if (strcmp(k, "timeout") == 0) {
			char *end;
			long t = strtol(v, &end, 10);
			if (*v == '\0' || *end || t < 0) {
				rc = vo_err_set(err, EINVAL, "%s:%d: timeout must be seconds >= 0", path, lineno);
				break;
			}
			cur->timeout_s = t;
		} else if (strcmp(k, "mode") == 0) {
			if (strcmp(v, "auto") == 0) {
				cur->mode = VO_TAP_AUTO;
			} else if (strcmp(v, "sync") == 0) {
				cur->mode = VO_TAP_SYNC;
			} else if (strcmp(v, "async") == 0) {
				cur->mode = VO_TAP_ASYNC;
			} else {
				rc = vo_err_set(err, EINVAL, "%s:%d: mode must be auto, sync or async",
						path, lineno);
				break;
			}
		} else if (strcmp(k, "token_file") == 0) {
			int e = set_token_file(cur, v, path);
			if (e) {
				rc = vo_err_set(err, -e, "%s:%d: %s", path, lineno, e == -ENOMEM ?
						"out of memory" : "token_file must be a file name");
				break;
			}
		} else if (strcmp(k, "proxy") == 0) {
			int e = set_proxy(cur, v);
			if (e) {
				rc = vo_err_set(err, -e, "%s:%d: %s", path, lineno, e == -ENOMEM ?
						"out of memory" : "proxy must be a URL (http://host:port,"
						" socks5h://host:port, ...) or none");
				break;
			}
		} else {
			vo_warn("%s:%d: unknown key '%s' ignored", path, lineno, k);
		}
	}
	fclose(f);
	if (!rc)
		for (size_t i = 0; i < c->nsvcs; i++)
			if (!c->svcs[i].url)
				return vo_err_set(err, EINVAL, "%s: service [%s] has no url", path,
						  c->svcs[i].name);
	return rc;
}

void config_load_builtin(struct config *c)
{
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		struct service_conf *s = get_or_add(c, builtin[i].name);
		if (s)
			set_url(s, builtin[i].url);
	}
	c->builtin = 1;
}

int config_add_service(struct config *c, const char *spec, struct vo_err *err)
{
	const char *eq = strchr(spec, '=');
	char name[SVC_NAME_MAX];
	struct service_conf *s;

	if (!eq || (size_t)(eq - spec) >= sizeof name)
		return vo_err_set(err, EINVAL, "service=%s: expected service=NAME=URL", spec);
	memcpy(name, spec, (size_t)(eq - spec));
	name[eq - spec] = '\0';
	if (!config_valid_name(name))
		return vo_err_set(err, EINVAL, "service=%s: bad name '%s'", spec, name);
	s = get_or_add(c, name);
	if (!s)
		return vo_err_set(err, ENOMEM, "out of memory");
	if (set_url(s, eq + 1))
		return vo_err_set(err, EINVAL, "service=%s: '%s' is not an http(s) URL", spec, eq + 1);
	return 0;
}

int config_apply_http(const struct config *c, struct vo_err *err)
{
	for (size_t i = 0; i < c->nsvcs; i++) {
		const struct service_conf *s = &c->svcs[i];
		struct vo_http_site site = {.token_file = s->token_file, .proxy = s->proxy};
		int rc;

		if (!s->url || (!s->token_file && !s->proxy))
			continue;
		if ((rc = vo_http_site_set(s->url, &site, err))) {
			vo_err_prefix(err, "service [%s]: ", s->name);
			return rc;
		}
	}
	return 0;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < c->nsvcs; i++) {
		free(c->svcs[i].url);
		free(c->svcs[i].token_file);
		free(c->svcs[i].proxy);
	}
	free(c->svcs);
	free(c->config_file);
	free(c->cache_dir);
	free(c->mountpoint);
	memset(c, 0, sizeof *c);
}

const struct service_conf *config_find(const struct config *c, const char *name)
{
	for (size_t i = 0; i < c->nsvcs; i++)
		if (strcmp(c->svcs[i].name, name) == 0)
			return &c->svcs[i];
	return NULL;
}
