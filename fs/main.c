/* fs/main.c - command line, configuration, and the FUSE main loop. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "ops.h"
#include "xml.h"

struct vofs_opts {
	char *config;
	char *cache_dir;
	double meta_ttl;
	double entry_timeout;
	double attr_timeout;
	char *cache_size;
	double io_timeout;
	int offline;
	int debug;
	int foreground;
	int show_help;
	int show_version;
	int max_threads_given;
	int max_idle_given;
};

enum { KEY_SERVICE, KEY_FG, KEY_HELP, KEY_VERSION, KEY_DEBUG, KEY_MAXTHREADS,
       KEY_MAXIDLE };

#define OPT(t, p) {t, offsetof(struct vofs_opts, p), 1}
static const struct fuse_opt vofs_opt_spec[] = {
	OPT("config=%s", config),
	OPT("cache_dir=%s", cache_dir),
	OPT("meta_ttl=%lf", meta_ttl),
	OPT("entry_timeout=%lf", entry_timeout),
	OPT("attr_timeout=%lf", attr_timeout),
	OPT("cache_size=%s", cache_size),
	OPT("io_timeout=%lf", io_timeout),
	OPT("offline", offline),
	FUSE_OPT_KEY("service=", KEY_SERVICE),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("max_threads=", KEY_MAXTHREADS),
	FUSE_OPT_KEY("max_idle_threads=", KEY_MAXIDLE),
	FUSE_OPT_KEY("-f", KEY_FG),
	FUSE_OPT_KEY("-d", KEY_FG),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

static struct config cfg;

static void on_intr_signal(int sig)
{
	(void)sig;   /* only there to interrupt a blocking call */
}
static char **service_specs;
static size_t nservice_specs;

static int opt_proc(void *data, const char *arg, int key, struct fuse_args *outargs)
{
	struct vofs_opts *o = data;

	switch (key) {
	case KEY_SERVICE: {
		char **n = realloc(service_specs, (nservice_specs + 1) * sizeof *n);
		if (!n)
			return -1;
		service_specs = n;
		service_specs[nservice_specs++] = strdup(arg + strlen("service="));
		return 0;
	}
	case KEY_DEBUG:
		o->debug = 1;
		return 0;
	case KEY_MAXTHREADS:
		o->max_threads_given = 1;
		return 1;
	case KEY_MAXIDLE:
		o->max_idle_given = 1;
		return 1;
	case KEY_FG:
		o->foreground = 1;
		return 1;   /* FUSE needs it too */
	case KEY_HELP:
		o->show_help = 1;
		return 0;
	case KEY_VERSION:
		o->show_version = 1;
		return 0;
	default:
		return 1;
	}
}

static void usage(const char *prog)
{
	printf("usage: %s [-o OPTIONS] MOUNTPOINT\n"
	       "Mount IVOA TAP services as a file system (unmount: fusermount3 -u MOUNTPOINT).\n"
	       "\n"
	       "vofs options:\n"
	       "    -o config=FILE         services file (INI: [name] url = ...);\n"
	       "                           default $XDG_CONFIG_HOME/vofs/services.ini,\n"
	       "                           else a built-in list of public services\n"
	       "    -o service=NAME=URL    add or override one service (repeatable)\n"
	       "    -o cache_dir=DIR       SQLite cache directory (default $XDG_CACHE_HOME/vofs)\n"
	       "    -o meta_ttl=SECONDS    refetch service metadata after this long (default 86400)\n"
	       "    -o entry_timeout=S     kernel name cache timeout (default 1)\n"
	       "    -o attr_timeout=S      kernel attribute cache timeout (default 1)\n"
	       "    -o cache_size=SIZE     product block cache limit, bytes or with K/M/G/T\n"
	       "                           (default 4G; least recently used blocks go first)\n"
	       "    -o offline             never use the network: serve what is cached\n"
	       "    -o io_timeout=SECONDS  abort a product transfer that stalls this long\n"
	       "                           (default 60)\n"
	       "    -o debug               log every HTTP request\n"
	       "    -V, --version          print the version\n"
	       "    -h, --help             print this help\n"
	       "\n", prog);
}

/* "4G", "512M", "1000000": bytes; -1 when malformed */
static long long parse_size(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	double mult = 1;

	if (end == s || v < 0)
		return -1;
	switch (*end) {
	case 'k': case 'K': mult = 1024.0; end++; break;
	case 'm': case 'M': mult = 1024.0 * 1024; end++; break;
	case 'g': case 'G': mult = 1024.0 * 1024 * 1024; end++; break;
	case 't': case 'T': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end == 'i' || *end == 'B')
		end += *end == 'i' && end[1] == 'B' ? 2 : 1;
	return *end ? -1 : (long long)(v * mult);
}

static char *xdg_path(const char *env, const char *fallback, const char *leaf)
{
	const char *base = getenv(env);
	const char *home = getenv("HOME");
	char *out = NULL;

	if (base && *base) {
		if (asprintf(&out, "%s/%s", base, leaf) < 0)
			return NULL;
	} else {
		if (asprintf(&out, "%s/%s/%s", home && *home ? home : "/tmp", fallback, leaf) < 0)
			return NULL;
	}
	return out;
}

static int mkdir_p(const char *dir)
{
	char tmp[4096];
	size_t n = strlen(dir);

	if (n >= sizeof tmp)
		return -ENAMETOOLONG;
	memcpy(tmp, dir, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(tmp, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct vofs_opts o = {.meta_ttl = 86400, .entry_timeout = 1, .attr_timeout = 1,
			      .io_timeout = 60};
	struct ops_settings s = {0};
	struct vo_err err = {0};
	char *dbpath = NULL;
	int rc;

	if (fuse_opt_parse(&args, &o, vofs_opt_spec, opt_proc) == -1)
		return 1;
	if (o.show_version) {
		printf("vofs %s (libfuse %d, %s)\n", VOFS_VERSION, fuse_version(), vo_http_version());
		return 0;
	}
	if (o.show_help) {
		usage(argv[0]);
		fuse_opt_add_arg(&args, "--help");
		args.argv[0][0] = '\0';
		fuse_main(args.argc, args.argv, ops_get(), NULL);
		return 0;
	}
	vo_log_init(o.foreground, o.debug ? VO_LOG_DEBUG : VO_LOG_INFO);

	/* services */
	if (o.config) {
		rc = config_load_file(&cfg, o.config, &err);
		if (rc == -ENOENT)
			vo_err_set(&err, ENOENT, "%s: no such file", o.config);
		if (rc) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			return 1;
		}
		cfg.config_file = strdup(o.config);
	} else {
		char *def = xdg_path("XDG_CONFIG_HOME", ".config", "vofs/services.ini");
		rc = def ? config_load_file(&cfg, def, &err) : -ENOMEM;
		if (rc == -ENOENT && !nservice_specs) {
			config_load_builtin(&cfg);
		} else if (rc && rc != -ENOENT) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			return 1;
		} else if (!rc) {
			cfg.config_file = def;
			def = NULL;
		}
		free(def);
	}
	for (size_t i = 0; i < nservice_specs; i++) {
		if (config_add_service(&cfg, service_specs[i], &err)) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			return 1;
		}
	}
	cfg.meta_ttl = o.meta_ttl;
	cfg.offline = o.offline;

	/* cache */
	cfg.cache_dir = o.cache_dir ? strdup(o.cache_dir)
				    : xdg_path("XDG_CACHE_HOME", ".cache", "vofs");
	if (!cfg.cache_dir || (rc = mkdir_p(cfg.cache_dir))) {
		fprintf(stderr, "vofs: cannot create cache directory %s: %s\n",
			cfg.cache_dir ? cfg.cache_dir : "?", strerror(cfg.cache_dir ? -rc : ENOMEM));
		return 1;
	}
	if (asprintf(&dbpath, "%s/vofs.db", cfg.cache_dir) < 0)
		return 1;
	/* create or check the schema now, so a broken cache fails the mount;
	 * the connection is reopened after FUSE forks */
	if (db_open(dbpath)) {
		fprintf(stderr, "vofs: cannot open the cache database %s\n", dbpath);
		return 1;
	}
	db_close();

	vo_xml_global_init();
	if (vo_http_global_init()) {
		fprintf(stderr, "vofs: cannot initialise libcurl\n");
		return 1;
	}
	/* libfuse signals a thread whose request the kernel interrupted
	 * (fuse_config.intr, set in init) with SIGUSR1, but libfuse 3 installs
	 * no handler for it: without this one the signal kills the daemon */
	{
		struct sigaction sa;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_intr_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGUSR1, &sa, NULL);
	}
	/* libfuse 3.14 warns about its own default; state a sane pool size */
	if (!o.max_threads_given)
		fuse_opt_add_arg(&args, "-omax_threads=32");
	/* libfuse 3.14.0 passes an unset max_idle_threads on as UINT_MAX and
	 * complains about it at every mount: give it its documented default */
	if (!o.max_idle_given)
		fuse_opt_add_arg(&args, "-omax_idle_threads=10");
	s.entry_timeout = o.entry_timeout;
	s.attr_timeout = o.attr_timeout;
	s.offline = o.offline;
	s.io_timeout = o.io_timeout;
	s.cache_size = o.cache_size ? parse_size(o.cache_size) : 4LL << 30;
	if (s.cache_size < 0) {
		fprintf(stderr, "vofs: cache_size=%s: not a size (bytes, or a number with K, M, G"
			" or T)\n", o.cache_size);
		return 1;
	}
	if (o.io_timeout <= 0) {
		fprintf(stderr, "vofs: io_timeout must be positive\n");
		return 1;
	}
	ops_prepare(&cfg, dbpath, &s);
	vo_info("vofs %s: %zu services from %s", VOFS_VERSION, cfg.nsvcs,
		cfg.config_file ? cfg.config_file : cfg.builtin ? "the built-in list" : "the command line");
	rc = fuse_main(args.argc, args.argv, ops_get(), NULL);
	fuse_opt_free_args(&args);
	vo_http_global_cleanup();
	config_free(&cfg);
	for (size_t i = 0; i < nservice_specs; i++)
		free(service_specs[i]);
	free(service_specs);
	free(dbpath);
	free(o.config);
	free(o.cache_dir);
	free(o.cache_size);
	return rc;
}
