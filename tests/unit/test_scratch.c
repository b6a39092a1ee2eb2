/* tests/unit/test_scratch.c - fs/scratch.c: temporary files of query
 * directories (caps, rename, unlink while open) and the removal mark,
 * whose lapse runs on an injected clock (no sleeps). */
#include <errno.h>

#include "check.h"
#include "scratch.h"

static int64_t fake_now;
static int64_t fake_clock(void) { return fake_now; }

static int count(void *ud, const char *name)
{
	(void)name;
	(*(int *)ud)++;
	return 0;
}

int main(void)
{
	struct scratch_file *f = NULL, *g = NULL;
	struct scratch_stat st;
	struct vo_buf b = VO_BUF_INIT;
	char buf[16];
	int n = 0;

	scratch_set_clock(fake_clock);
	CHECK_INT(scratch_create("s", "q", "sedAB12", 0600, &f), 0);
	CHECK_INT(scratch_create("s", "q", "sedAB12", 0600, NULL), -EEXIST);
	CHECK_INT((int)scratch_write(f, "SELECT 1", 8, 0), 8);
	CHECK_INT((int)scratch_write(f, "x", 1, 10), 1);      /* a hole of NULs */
	scratch_fstat(f, &st);
	CHECK_INT((int)st.size, 11);
	CHECK_INT((int)st.mode, 0600);
	CHECK_INT((int)scratch_read(f, buf, sizeof buf, 8), 3);
	CHECK_MEM(buf, 3, "\0\0x", 3);
	CHECK_INT((int)scratch_write(f, "y", 1, (off_t)SCRATCH_FILE_MAX), -EFBIG);
	CHECK_INT(scratch_truncate(f, 8), 0);
	CHECK_INT(scratch_list("s", "q", count, &n), 0);
	CHECK_INT(n, 1);

	/* rename replaces, and the open handle follows the file */
	CHECK_INT(scratch_set("s", "q", "query.adql~", "old", 3, 0644), 0);
	CHECK_INT(scratch_rename("s", "q", "sedAB12", "s", "q", "query.adql~", 1), -EEXIST);
	CHECK_INT(scratch_rename("s", "q", "sedAB12", "s", "q", "query.adql~", 0), 0);
	CHECK_INT(scratch_stat("s", "q", "sedAB12", &st), -ENOENT);
	CHECK_INT(scratch_contents("s", "q", "query.adql~", &b), 0);
	CHECK_MEM(b.p, b.len, "SELECT 1", 8);

	/* unlinked while open: the handle reads on */
	CHECK_INT(scratch_unlink("s", "q", "query.adql~"), 0);
	CHECK_INT(scratch_unlink("s", "q", "query.adql~"), -ENOENT);
	CHECK_INT((int)scratch_read(f, buf, sizeof buf, 0), 8);
	scratch_put(f);

	/* a query's files together are capped */
	CHECK_INT(scratch_create("s", "q", "a", 0644, &f), 0);
	CHECK_INT(scratch_create("s", "q", "b", 0644, &g), 0);
	CHECK_INT(scratch_truncate(f, (off_t)SCRATCH_FILE_MAX), 0);
	CHECK_INT(scratch_truncate(g, (off_t)SCRATCH_FILE_MAX), 0);
	CHECK_INT(scratch_create("s", "q", "c", 0644, NULL), 0);
	CHECK_INT(scratch_create("s", "q", "d", 0644, NULL), 0);
	scratch_put(f);
	{
		struct scratch_file *c, *d;
		CHECK_INT(scratch_open("s", "q", "c", &c), 0);
		CHECK_INT(scratch_open("s", "q", "d", &d), 0);
		CHECK_INT(scratch_truncate(c, (off_t)SCRATCH_FILE_MAX), 0);
		CHECK_INT(scratch_truncate(d, (off_t)SCRATCH_FILE_MAX), 0);
		CHECK_INT(scratch_create("s", "q", "e", 0644, &f), 0);
		CHECK_INT(scratch_truncate(f, 1), -ENOSPC);
		scratch_put(f);
		scratch_put(c);
		scratch_put(d);
	}
	scratch_put(g);

	/* the query goes: its files go, handles keep theirs */
	scratch_forget_query("s", "q");
	n = 0;
	CHECK_INT(scratch_list("s", "q", count, &n), 0);
	CHECK_INT(n, 0);

	/* the removal mark, and its lapse */
	fake_now = 1000;
	CHECK_INT(scratch_marked("s", "r"), 0);
	scratch_remove_item("s", "r", 2);
	CHECK_INT(scratch_marked("s", "r"), 1);
	CHECK_INT(scratch_hidden("s", "r", 2), 1);
	CHECK_INT(scratch_hidden("s", "r", 3), 0);
	fake_now += SCRATCH_REMOVE_TTL_US;
	scratch_remove_item("s", "r", SCRATCH_NO_ITEM);   /* renews */
	fake_now += SCRATCH_REMOVE_TTL_US;
	CHECK_INT(scratch_hidden("s", "r", 2), 1);
	fake_now += 1;
	CHECK_INT(scratch_hidden("s", "r", 2), 0);
	CHECK_INT(scratch_marked("s", "r"), 0);
	scratch_remove_item("s", "r", 4);
	scratch_unmark("s", "r");
	CHECK_INT(scratch_hidden("s", "r", 4), 0);

	vo_buf_free(&b);
	scratch_shutdown();
	return check_done("scratch");
}
