/* tests/unit/check.h - tiny assertion helpers for the unit tests.
 *
 * A failed check prints file:line, the expression and both values, counts
 * the failure and carries on, so one run shows every failure.  Each test
 * program ends with `return check_done("name");`, which prints the tally
 * and turns it into the exit status meson expects.
 */
#ifndef VOFS_CHECK_H
#define VOFS_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures;
static long check_count;

/* Print s (n bytes) C-escaped, cut after 300 bytes. */
static inline void check_print_str(const char *s, size_t n)
{
	size_t i;

	if (!s) {
		fputs("(null)", stderr);
		return;
	}
	fputc('"', stderr);
	for (i = 0; i < n && i < 300; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			fprintf(stderr, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", stderr);
		else if (c == '\t')
			fputs("\\t", stderr);
		else if (c == '\r')
			fputs("\\r", stderr);
		else if (c < 0x20)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs(i < n ? "\"..." : "\"", stderr);
}

static inline int check_fail_head(const char *file, int line, const char *expr)
{
	check_failures++;
	fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, expr);
	return 0;
}

#define CHECK(cond)                                                        \
	(check_count++, (cond) ? 1 : check_fail_head(__FILE__, __LINE__, #cond))

#define CHECK_INT(a, b)                                                    \
	do {                                                               \
		long long a_ = (long long)(a), b_ = (long long)(b);        \
		check_count++;                                             \
		if (a_ != b_) {                                            \
			check_fail_head(__FILE__, __LINE__, #a " == " #b); \
			fprintf(stderr, "    got %lld, expected %lld\n", a_, b_); \
		}                                                          \
	} while (0)

#define CHECK_MEM(a, alen, b, blen)                                        \
	do {                                                               \
		const char *a_ = (a), *b_ = (b);                           \
		size_t al_ = (alen), bl_ = (blen);                         \
		check_count++;                                             \
		if ((!a_ || !b_) ? a_ != b_ :                              \
		    (al_ != bl_ || memcmp(a_, b_, al_))) {                 \
			check_fail_head(__FILE__, __LINE__, #a " == " #b); \
			fputs("    got      ", stderr);                    \
			check_print_str(a_, al_);                          \
			fputs("\n    expected ", stderr);                  \
			check_print_str(b_, bl_);                          \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

#define CHECK_STR(a, b)                                                    \
	do {                                                               \
		const char *as_ = (a), *bs_ = (b);                         \
		CHECK_MEM(as_, as_ ? strlen(as_) : 0, bs_, bs_ ? strlen(bs_) : 0); \
	} while (0)

/* a contains b */
#define CHECK_HAS(a, b)                                                    \
	do {                                                               \
		const char *ah_ = (a), *bh_ = (b);                         \
		check_count++;                                             \
		if (!ah_ || !strstr(ah_, bh_)) {                           \
			check_fail_head(__FILE__, __LINE__, #a " contains " #b); \
			fputs("    got ", stderr);                         \
			check_print_str(ah_, ah_ ? strlen(ah_) : 0);       \
			fputs("\n    missing ", stderr);                   \
			check_print_str(bh_, strlen(bh_));                 \
			fputc('\n', stderr);                               \
		}                                                          \
	} while (0)

/* Unbuffered stdout: progress lines must survive a sanitizer abort. */
static inline void check_init(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
}

/* check_init, and the one argument of the tests fed with fixtures: the
 * fixture directory (exits 2 with a usage line without it). */
static inline const char *check_init_fixtures(int argc, char **argv)
{
	check_init();
	if (argc != 2) {
		fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
		exit(2);
	}
	return argv[1];
}

static inline int check_done(const char *name)
{
	printf("%s: %ld checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

/* Read a whole file (dir/name, or name when dir is NULL); exits on
 * failure. */
/* s with every occurrence of from replaced by to (malloc'd; exits on
 * allocation failure: this is test code). */
static inline char *check_replace_all(const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0, cap = strlen(s) + 1;
	char *out = malloc(cap);
	const char *p;

	for (;;) {
		size_t seg;
		p = strstr(s, from);
		seg = p ? (size_t)(p - s) : strlen(s);
		if (n + seg + tl + 1 > cap) {
			cap = (n + seg + tl + 1) * 2;
			out = realloc(out, cap);
		}
		if (!out) {
			fputs("check_replace_all: out of memory\n", stderr);
			exit(2);
		}
		memcpy(out + n, s, seg);
		n += seg;
		if (!p)
			break;
		memcpy(out + n, to, tl);
		n += tl;
		s = p + fl;
	}
	out[n] = '\0';
	return out;
}

static inline char *check_slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *p;
	long n;

	if (dir)
		snprintf(path, sizeof path, "%s/%s", dir, name);
	else
		snprintf(path, sizeof path, "%s", name);
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	p = malloc((size_t)n + 1);
	if (!p || fread(p, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

#endif
