/* fs/main.c - command line, configuration, and the FUSE main loop. */
#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <pwd.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "datalink.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "ops.h"
#include "uploads.h"
#include <fuse_lowlevel.h>   /* fuse_parse_cmdline, after ops.h set the API version */
#include "votable.h"
#include "vosi.h"
#include "xml.h"

struct vofs_opts {
	char *config;
	char *cache_dir;
	double meta_ttl;
	double entry_timeout;
	double attr_timeout;
	char *cache_size;
	char *doc_max;
	char *upload_max;
	double io_timeout;
	unsigned file_mode;      /* of results and products */
	int csv_crlf;            /* CSV lines end in CRLF (default LF) */
	int offline;
	int debug;
	int foreground;
	int show_help;
	int show_version;
	unsigned given;          /* GIVEN(KEY_...): libfuse options the user set */
	char *nonopt[2];         /* [SOURCE] MOUNTPOINT, as mount(8) passes them */
	int nnonopt;
};

enum { KEY_SERVICE, KEY_FG, KEY_HELP, KEY_VERSION, KEY_DEBUG, KEY_MAXTHREADS,
       KEY_MAXIDLE, KEY_FSNAME, KEY_SUBTYPE };
#define GIVEN(key) (1u << (key))

#define OPT(t, p) {t, offsetof(struct vofs_opts, p), 1}
static const struct fuse_opt vofs_opt_spec[] = {
	OPT("config=%s", config),
	OPT("cache_dir=%s", cache_dir),
	OPT("meta_ttl=%lf", meta_ttl),
	OPT("entry_timeout=%lf", entry_timeout),
	OPT("attr_timeout=%lf", attr_timeout),
	OPT("cache_size=%s", cache_size),
	OPT("doc_max=%s", doc_max),
	OPT("upload_max=%s", upload_max),
	OPT("io_timeout=%lf", io_timeout),
	OPT("file_mode=%o", file_mode),
	OPT("csv_crlf", csv_crlf),
	OPT("offline", offline),
	FUSE_OPT_KEY("service=", KEY_SERVICE),
	FUSE_OPT_KEY("debug", KEY_DEBUG),
	FUSE_OPT_KEY("max_threads=", KEY_MAXTHREADS),
	FUSE_OPT_KEY("max_idle_threads=", KEY_MAXIDLE),
	FUSE_OPT_KEY("fsname=", KEY_FSNAME),
	FUSE_OPT_KEY("subtype=", KEY_SUBTYPE),
	FUSE_OPT_KEY("-f", KEY_FG),
	FUSE_OPT_KEY("-d", KEY_FG),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_KEY("-V", KEY_VERSION),
	FUSE_OPT_KEY("--version", KEY_VERSION),
	FUSE_OPT_END
};

static struct config cfg;
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
	case KEY_MAXTHREADS: case KEY_MAXIDLE: case KEY_FSNAME: case KEY_SUBTYPE:
		o->given |= GIVEN(key);
		return 1;   /* libfuse's: passed on, vofs only notes it was set */
	case FUSE_OPT_KEY_NONOPT:
		if (o->nnonopt >= 2) {
			fprintf(stderr, "vofs: too many arguments: %s (usage: vofs [SOURCE]"
				" MOUNTPOINT [-o OPTIONS])\n", arg);
			return -1;
		}
		o->nonopt[o->nnonopt++] = strdup(arg);
		return 0;
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
	printf("usage: %s [SOURCE] MOUNTPOINT [-o OPTION[,OPTION...]]\n"
	       "Mount IVOA TAP services (TAP, UWS, VOSI, DataLink, SODA) as a file system.\n"
	       "Unmount with fusermount3 -u MOUNTPOINT (or SIGTERM).  See vofs(1).\n"
	       "\n"
	       "vofs options:\n"
	       "    -o config=FILE         services file (default $XDG_CONFIG_HOME/vofs/services.ini)\n"
	       "    -o service=NAME=URL    add or replace one TAP service (repeatable)\n"
	       "    -o cache_dir=DIR       metadata and block cache (default $XDG_CACHE_HOME/vofs)\n"
	       "    -o cache_size=SIZE     product block cache limit, e.g. 500M, 20G (default 4G)\n"
	       "    -o meta_ttl=SECONDS    refetch service metadata after this long (default 86400)\n"
	       "    -o io_timeout=SECONDS  give up on a product transfer stalled this long (default 60)\n"
	       "    -o file_mode=OCTAL     mode shown for results and products (default 0644)\n"
	       "    -o doc_max=SIZE        largest service document kept in memory (default 16M)\n"
	       "    -o upload_max=SIZE     largest table in a query's upload/ (default 64M)\n"
	       "    -o csv_crlf            end CSV lines with CRLF (RFC 4180; default LF)\n"
	       "    -o entry_timeout=S     kernel cache time for names (default 1)\n"
	       "    -o attr_timeout=S      kernel cache time for attributes (default 1)\n"
	       "    -o offline             never use the network: serve what is cached\n"
	       "    -o debug               log every HTTP request (level debug)\n"
	       "    -f                     stay in the foreground, log to stderr (else syslog)\n"
	       "    -d                     -f plus libfuse's own request trace\n"
	       "    -V, --version          print the version and exit\n"
	       "    -h, --help             print this help and exit\n"
	       "\n"
	       "As mount helper (mount -t fuse.vofs vofs MOUNTPOINT -o ..., or /etc/fstab):\n"
	       "    -o setuid=USER         run the file system as USER (mount as root only)\n"
	       "    _netdev, user, users, noauto, auto, nofail, defaults, x-*, comment=*\n"
	       "                           are for mount(8) and systemd; vofs ignores them\n"
	       "\n", prog);
}

/* --- mount(8) helper ------------------------------------------------------------------ */

/* Options of fstab that are for mount(8) or systemd, not for FUSE. */
static int mount_only_option(const char *o)
{
	static const char *const words[] = {"defaults", "auto", "noauto", "user", "users",
					    "nouser", "owner", "group", "_netdev", "nofail",
					    "rw", NULL};

	for (int i = 0; words[i]; i++)
		if (strcmp(o, words[i]) == 0)
			return 1;
	return strncmp(o, "x-", 2) == 0 || strncmp(o, "comment=", 8) == 0;
}

static int drop_privileges(const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		fprintf(stderr, "vofs: setuid=%s: no such user\n", user);
		return -1;
	}
	if (getuid() != 0 && getuid() != pw->pw_uid) {
		fprintf(stderr, "vofs: setuid=%s: only root can mount as another user\n", user);
		return -1;
	}
	if (getuid() == 0 && (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
			      setuid(pw->pw_uid))) {
		fprintf(stderr, "vofs: setuid=%s: %s\n", user, strerror(errno));
		return -1;
	}
	setenv("HOME", pw->pw_dir, 1);
	setenv("USER", pw->pw_name, 1);
	setenv("LOGNAME", pw->pw_name, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_CACHE_HOME");
	return 0;
}

/* mount(8) runs /sbin/mount.fuse.vofs (or /sbin/mount.vofs) as
 *     mount.vofs SOURCE MOUNTPOINT [-sfnv] [-o OPTIONS] [-t TYPE]
 * Rewrite that into vofs's own command line: the mount-only options
 * dropped, setuid= applied, -f ("fake") answered at once.  Returns 0 to
 * go on, 1 to exit with success, -1 on error. */
static int mount_helper_args(int argc, char **argv, struct fuse_args *out)
{
	char *opts = NULL, *setuid_to = NULL;
	int fake = 0, npos = 0, rc = 0;

	fuse_opt_add_arg(out, argv[0]);
	for (int i = 1; i < argc && !rc; i++) {
		const char *a = argv[i], *list = NULL;
		if (strcmp(a, "-o") == 0 && i + 1 < argc)
			list = argv[++i];
		else if (strncmp(a, "-o", 2) == 0)
			list = a + 2;
		else if (strcmp(a, "-t") == 0 && i + 1 < argc)
			i++;                           /* the type: it is us */
		else if (a[0] == '-' && a[1] && strspn(a + 1, "sfnvi") == strlen(a + 1))
			fake |= strchr(a, 'f') != NULL;   /* -s -n -v -i: nothing to do */
		else if (a[0] == '-')
			rc = fuse_opt_add_arg(out, a);    /* vofs's own (-d, -h, -V) */
		else if (npos++ < 2)
			rc = fuse_opt_add_arg(out, a);    /* SOURCE MOUNTPOINT */
		else {
			fprintf(stderr, "vofs: unexpected argument %s\n", a);
			rc = -1;
		}
		if (!list)
			continue;
		/* split on commas; fuse_opt_add_opt_escaped keeps a value's
		 * commas escaped for the FUSE option parser */
		char *copy = strdup(list), *save = NULL;
		for (char *o = copy ? strtok_r(copy, ",", &save) : NULL; o && !rc;
		     o = strtok_r(NULL, ",", &save)) {
			if (strncmp(o, "setuid=", 7) == 0) {
				free(setuid_to);
				setuid_to = strdup(o + 7);
			} else if (!mount_only_option(o)) {
				rc = fuse_opt_add_opt_escaped(&opts, o);
			}
		}
		if (!copy)
			rc = -1;
		free(copy);
	}
	if (!rc && opts) {
		rc = fuse_opt_add_arg(out, "-o");
		if (!rc)
			rc = fuse_opt_add_arg(out, opts);
	}
	free(opts);
	if (!rc && setuid_to && drop_privileges(setuid_to))
		rc = -1;
	free(setuid_to);
	if (rc || fake)
		fuse_opt_free_args(out);
	if (rc)
		return -1;
	return fake ? 1 : 0;
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

	/* mount(8) at boot and systemd mount units run without $HOME */
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());
		home = pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
	}

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

static void on_intr_signal(int sig)
{
	(void)sig;   /* only there to interrupt a blocking call */
}

static struct fuse_session *stop_session;
static volatile sig_atomic_t stop_signal;

/* SIGTERM, SIGINT, SIGHUP: end the session loop, and make every wait and
 * transfer of a FUSE request give up now (the loop joins its threads
 * before it returns, and a read waiting for a stalled server would hold
 * the unmount for io_timeout).  Async-signal-safe: flag stores only. */
static void on_stop_signal(int sig)
{
	stop_signal = sig;
	ops_request_stop();
	if (stop_session)
		fuse_session_exit(stop_session);
}

static int set_stop_signals(struct fuse_session *se)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	stop_session = se;
	sa.sa_handler = on_stop_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL) ||
	    sigaction(SIGHUP, &sa, NULL))
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/* What fuse_main does, but a SIGTERM, SIGINT or SIGHUP (systemd's stop,
 * Ctrl-C) is a requested unmount and ends with status 0 like
 * fusermount3 -u; the init and destroy operations run as usual
 * (destroy stores the cache blocks still in memory, ends transfers and
 * rolls back half-stored results).  Returns the exit status. */
static int run_fuse(struct fuse_args *args)
{
	const struct fuse_operations *fops = ops_get();
	struct fuse_cmdline_opts co;
	struct fuse_session *se;
	struct fuse *f;
	int rc = 1;

	if (fuse_parse_cmdline(args, &co))
		return 1;
	if (!co.mountpoint) {
		fprintf(stderr, "vofs: no mount point\n");
		return 1;
	}
	/* links in upload/ that point into the mount are read inside vofs */
	free(cfg.mountpoint);
	cfg.mountpoint = realpath(co.mountpoint, NULL);
	f = fuse_new(args, fops, sizeof *fops, NULL);
	if (!f)
		goto out;
	if (fuse_mount(f, co.mountpoint)) {
		fuse_destroy(f);
		goto out;
	}
	se = fuse_get_session(f);
	if (fuse_daemonize(co.foreground) || set_stop_signals(se)) {
		fuse_unmount(f);
		fuse_destroy(f);
		goto out;
	}
	if (co.singlethread) {
		rc = fuse_loop(f);
	} else {
		struct fuse_loop_config *lc = fuse_loop_cfg_create();
		if (!lc) {
			rc = -ENOMEM;
		} else {
			fuse_loop_cfg_set_clone_fd(lc, (unsigned)co.clone_fd);
			fuse_loop_cfg_set_idle_threads(lc, co.max_idle_threads);
			fuse_loop_cfg_set_max_threads(lc, co.max_threads);
			rc = fuse_loop_mt(f, lc);
			fuse_loop_cfg_destroy(lc);
		}
	}
	if (stop_signal) {
		vo_info("%s: unmounting on %s", co.mountpoint, strsignal(stop_signal));
		rc = 0;
	} else if (rc) {
		vo_error("%s: the FUSE session ended with an error: %s", co.mountpoint,
			 strerror(rc < 0 ? -rc : rc));
	}
	fuse_unmount(f);
	fuse_destroy(f);   /* calls destroy: the cache is stored after this */
	rc = rc ? 1 : 0;
out:
	free(co.mountpoint);
	return rc;
}

/* Parse the command line into args (for libfuse) and o.  0: go on and
 * mount; 1: done, exit with success (--help, --version, mount -f);
 * -1: exit with failure (the message is printed). */
static int command_line(int argc, char **argv, struct fuse_args *args, struct vofs_opts *o)
{
	int rc;

	/* invoked by mount(8) through /sbin/mount.vofs or mount.fuse.vofs */
	if (strncmp(basename(argv[0]), "mount.", 6) == 0) {
		struct fuse_args margs = FUSE_ARGS_INIT(0, NULL);
		rc = mount_helper_args(argc, argv, &margs);
		if (rc)
			return rc;
		*args = margs;
	}
	if (fuse_opt_parse(args, o, vofs_opt_spec, opt_proc) == -1)
		return -1;
	if (o->show_version) {
		printf("vofs %s (libfuse %s, %s)\n", VOFS_VERSION, fuse_pkgversion(),
		       vo_http_version());
		return 1;
	}
	if (o->show_help) {
		usage(basename(argv[0]));
		printf("FUSE options:\n");
		fuse_lib_help(args);
		return 1;
	}
	if (o->nnonopt == 0) {
		fprintf(stderr, "vofs: no mount point (usage: vofs [SOURCE] MOUNTPOINT [-o OPTIONS];"
			" vofs --help)\n");
		return -1;
	}
	/* the mount shows as "SOURCE on MOUNTPOINT type fuse.vofs", as fstab
	 * and umount(8) expect; SOURCE is only a label ("vofs") */
	{
		char *opts = NULL, *fsname = NULL;
		/* escaped by libfuse's own helper: a comma would split it */
		rc = asprintf(&fsname, "fsname=%s", o->nnonopt == 2 ? o->nonopt[0] : "vofs") < 0;
		if (rc)
			fsname = NULL;
		if (!rc && !(o->given & GIVEN(KEY_FSNAME)))
			rc = fuse_opt_add_opt_escaped(&opts, fsname);
		if (!rc && !(o->given & GIVEN(KEY_SUBTYPE)))
			rc = fuse_opt_add_opt(&opts, "subtype=vofs");
		if (!rc && opts)
			rc = fuse_opt_add_arg(args, "-o") || fuse_opt_add_arg(args, opts);
		free(fsname);
		free(opts);
		if (rc)
			return -1;
		fuse_opt_add_arg(args, o->nonopt[o->nnonopt - 1]);
	}
	return 0;
}

static void free_opts(struct vofs_opts *o)
{
	for (int i = 0; i < o->nnonopt; i++)
		free(o->nonopt[i]);
	o->nnonopt = 0;
	free(o->config);
	free(o->cache_dir);
	free(o->cache_size);
	free(o->doc_max);
	free(o->upload_max);
	for (size_t i = 0; i < nservice_specs; i++)
		free(service_specs[i]);
	free(service_specs);
	service_specs = NULL;
	nservice_specs = 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct vofs_opts o = {.meta_ttl = 86400, .entry_timeout = 1, .attr_timeout = 1,
			      .io_timeout = 60, .file_mode = 0644};
	struct ops_settings s = {0};
	struct vo_err err = {0};
	char *dbpath = NULL;
	int rc;

	rc = command_line(argc, argv, &args, &o);
	if (rc) {
		fuse_opt_free_args(&args);
		free_opts(&o);
		return rc > 0 ? 0 : 1;
	}
	vo_log_init(o.foreground, o.debug ? VO_LOG_DEBUG : VO_LOG_INFO);
	/* bad values fail before anything is created */
	s.cache_size = o.cache_size ? parse_size(o.cache_size) : 4LL << 30;
	if (s.cache_size < 0) {
		fprintf(stderr, "vofs: cache_size=%s: not a size (bytes, or a number with K, M, G"
			" or T)\n", o.cache_size);
		goto fail;
	}
	if (o.io_timeout <= 0) {
		fprintf(stderr, "vofs: io_timeout must be positive\n");
		goto fail;
	}

	/* services */
	if (o.config) {
		rc = config_load_file(&cfg, o.config, &err);
		if (rc == -ENOENT)
			vo_err_set(&err, ENOENT, "%s: no such file", o.config);
		if (rc) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			goto fail;
		}
		cfg.config_file = strdup(o.config);
	} else {
		char *def = xdg_path("XDG_CONFIG_HOME", ".config", "vofs/services.ini");
		rc = def ? config_load_file(&cfg, def, &err) : -ENOMEM;
		if (rc == -ENOENT && !nservice_specs) {
			config_load_builtin(&cfg);
		} else if (rc && rc != -ENOENT) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			goto fail;
		} else if (!rc) {
			cfg.config_file = def;
			def = NULL;
		}
		free(def);
	}
	for (size_t i = 0; i < nservice_specs; i++) {
		if (config_add_service(&cfg, service_specs[i], &err)) {
			fprintf(stderr, "vofs: %s\n", err.msg);
			goto fail;
		}
	}
	/* token files and proxies: a bad token file fails the mount now */
	if (config_apply_http(&cfg, &err)) {
		fprintf(stderr, "vofs: %s\n", err.msg);
		goto fail;
	}
	cfg.meta_ttl = o.meta_ttl;
	cfg.io_timeout = o.io_timeout;
	cfg.doc_max = o.doc_max ? parse_size(o.doc_max) : 16LL << 20;
	if (cfg.doc_max < 4096 || cfg.doc_max > (1LL << 32)) {
		fprintf(stderr, "vofs: doc_max=%s: a size from 4K to 4G (bytes, or a number with"
			" K, M or G)\n", o.doc_max ? o.doc_max : "?");
		goto fail;
	}
	vo_dl_set_max_doc((size_t)cfg.doc_max);
	cfg.upload_max = o.upload_max ? parse_size(o.upload_max) : UPLOAD_MAX_DEFAULT;
	if (cfg.upload_max < 1 || cfg.upload_max > (1LL << 40)) {
		fprintf(stderr, "vofs: upload_max=%s: a size from 1 byte to 1T (bytes, or a number"
			" with K, M or G)\n", o.upload_max ? o.upload_max : "?");
		goto fail;
	}
	vo_csv_set_crlf(o.csv_crlf);
	vo_vosi_set_max_doc((size_t)cfg.doc_max);
	cfg.offline = o.offline;

	/* cache */
	cfg.cache_dir = o.cache_dir ? strdup(o.cache_dir)
				    : xdg_path("XDG_CACHE_HOME", ".cache", "vofs");
	if (!cfg.cache_dir || (rc = mkdir_p(cfg.cache_dir))) {
		fprintf(stderr, "vofs: cannot create cache directory %s: %s\n",
			cfg.cache_dir ? cfg.cache_dir : "?", strerror(cfg.cache_dir ? -rc : ENOMEM));
		goto fail;
	}
	/* the daemon runs in "/" once in the background: a relative cache
	 * directory is taken from where vofs was started */
	if (cfg.cache_dir[0] != '/') {
		char *abs = realpath(cfg.cache_dir, NULL);
		if (!abs) {
			fprintf(stderr, "vofs: cache directory %s: %s\n", cfg.cache_dir,
				strerror(errno));
			goto fail;
		}
		free(cfg.cache_dir);
		cfg.cache_dir = abs;
	}
	if (asprintf(&dbpath, "%s/vofs.db", cfg.cache_dir) < 0)
		goto fail;
	/* create or check the schema now, so a broken cache fails the mount;
	 * the connection is reopened after FUSE forks */
	if (db_open(dbpath)) {
		fprintf(stderr, "vofs: cannot open the cache database %s\n", dbpath);
		goto fail;
	}
	db_close();

	vo_xml_global_init();
	if (vo_http_global_init()) {
		fprintf(stderr, "vofs: cannot initialise libcurl\n");
		goto fail;
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
	if (!(o.given & GIVEN(KEY_MAXTHREADS)))
		fuse_opt_add_arg(&args, "-omax_threads=32");
	/* libfuse 3.14.0 passes an unset max_idle_threads on as UINT_MAX and
	 * complains about it at every mount: give it its documented default */
	if (!(o.given & GIVEN(KEY_MAXIDLE)))
		fuse_opt_add_arg(&args, "-omax_idle_threads=10");
	s.entry_timeout = o.entry_timeout;
	s.attr_timeout = o.attr_timeout;
	s.offline = o.offline;
	s.io_timeout = o.io_timeout;
	s.file_mode = o.file_mode & 0777;
	ops_prepare(&cfg, dbpath, &s);
	vo_info("vofs %s: %zu services from %s", VOFS_VERSION, cfg.nsvcs,
		cfg.config_file ? cfg.config_file : cfg.builtin ? "the built-in list" : "the command line");
	rc = run_fuse(&args);
	vo_http_global_cleanup();
	goto out;
fail:
	rc = 1;
out:
	fuse_opt_free_args(&args);
	config_free(&cfg);
	free_opts(&o);
	free(dbpath);
	return rc;
}
