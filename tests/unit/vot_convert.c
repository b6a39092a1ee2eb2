/* tests/unit/vot_convert.c - run the reader and the writers on a file.
 *
 *   vot_convert IN.vot                  print metadata and cells (debugging)
 *   vot_convert IN.vot OUT.vot OUT.csv  write what vofs would serve
 *
 * Used by astropy_check.py to have astropy judge the writer's output.
 */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "collect.h"

static int write_file(const char *path, const char *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct coll c = {0};
	struct vo_votable *v = NULL;
	struct vo_err err;
	struct vo_buf out = VO_BUF_INIT;
	size_t len;
	char *doc;
	int rc;

	if (argc != 2 && argc != 4) {
		fprintf(stderr, "usage: %s IN.vot [OUT.vot OUT.csv]\n", argv[0]);
		return 2;
	}
	doc = check_slurp(NULL, argv[1], &len);
	c.write = 1;
	rc = coll_run(doc, len, FEED_WHOLE, 0, &c, &err, &v);
	if (rc) {
		fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 1;
	}
	if (argc == 2) {
		printf("%sstatus %s: %s\n%s", c.meta.p ? c.meta.p : "",
		       vo_votable_status(v) ? vo_votable_status(v) : "(none)",
		       vo_votable_status_msg(v), c.dump.p ? c.dump.p : "");
	} else {
		const char *st = vo_votable_status(v), *msg = vo_votable_status_msg(v);

		if (c.nmeta) {
			vo_votable_write_head(&out, &c.m, st, msg);
			vo_buf_add(&out, c.body.p, c.body.len);
			vo_votable_write_tail(&out, st, msg, vo_votable_meta_resources(v));
		}
		if (write_file(argv[2], out.p, out.len) ||
		    write_file(argv[3], c.csv.p, c.csv.len))
			return 1;
	}
	vo_votable_free(v);
	vo_buf_free(&out);
	coll_free(&c);
	free(doc);
	return 0;
}
