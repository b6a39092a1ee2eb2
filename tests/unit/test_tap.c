/* tests/unit/test_tap.c - auto mode's decisions in vo/tap.c: the TOP of an
 * ADQL query, which queries try /sync first, and which overflowing sync
 * results are asked again as async jobs.  Pure functions: no network.
 * (The fall-backs themselves run against DaCHS and the fault proxy in
 * tests/integration/13-auto.sh.)
 */
#include <errno.h>

#include "check.h"
#include "tap.h"

static void test_top(void)
{
	CHECK_INT(vo_tap_adql_top("SELECT TOP 10 * FROM t"), 10);
	CHECK_INT(vo_tap_adql_top("select top 5 a from t"), 5);
	CHECK_INT(vo_tap_adql_top("  \n\tSELECT\n  TOP\t7 x FROM t"), 7);
	CHECK_INT(vo_tap_adql_top("SELECT DISTINCT TOP 3 x FROM t"), 3);
	CHECK_INT(vo_tap_adql_top("SELECT ALL TOP 4 x FROM t"), 4);
	CHECK_INT(vo_tap_adql_top("-- a comment\n-- two\nSELECT TOP 0 x FROM t"), 0);
	CHECK_INT(vo_tap_adql_top("SELECT x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT topology FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT TOP x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("SELECTTOP 3 x FROM t"), -1);
	CHECK_INT(vo_tap_adql_top("WITH a AS (SELECT TOP 3 x FROM t) SELECT * FROM a"), -1);
	CHECK_INT(vo_tap_adql_top("SELECT TOP 3"), 3);
	CHECK_INT(vo_tap_adql_top(""), -1);
	CHECK_INT(vo_tap_adql_top("-- only a comment"), -1);
	/* a huge TOP does not overflow: it stays above the sync limit */
	CHECK(vo_tap_adql_top("SELECT TOP 99999999999999999999999999999 x FROM t") >
	      VO_TAP_AUTO_SYNC_ROWS);
}

static void test_sync_first(void)
{
	/* no limit given: the service's default, which is small */
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", -1), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", 1000), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", VO_TAP_AUTO_SYNC_ROWS), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", VO_TAP_AUTO_SYNC_ROWS + 1), 0);
	CHECK_INT(vo_tap_auto_sync_first("SELECT x FROM t", 20000000), 0);
	/* TOP and MAXREC: the smaller one counts */
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 100 x FROM t", 20000000), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", 50), 1);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", -1), 0);
	CHECK_INT(vo_tap_auto_sync_first("SELECT TOP 1000000 x FROM t", 2000000), 0);
	CHECK_INT(vo_tap_auto_sync_first(NULL, -1), 1);
}

static void test_overflow_rerun(void)
{
	/* no overflow: whatever the counts */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 0, -1), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(5, 3, 0, -1), 0);
	/* no MAXREC asked: the service cut it at its own limit */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 1, -1), 1);
	/* the user's own MAXREC reached: that is the answer asked for */
	CHECK_INT(vo_tap_auto_overflow_rerun(5, 5, 1, -1), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(0, 0, 1, -1), 0);
	/* a sync limit below the MAXREC asked for */
	CHECK_INT(vo_tap_auto_overflow_rerun(50000, 2000, 1, -1), 1);
	/* no MAXREC: at the service's default limit a job stops there too;
	 * below it (a sync-only cap) the job is asked */
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 20000, 1, 20000), 0);
	CHECK_INT(vo_tap_auto_overflow_rerun(-1, 1000, 1, 20000), 1);
	/* MAXREC asked: the default does not matter */
	CHECK_INT(vo_tap_auto_overflow_rerun(50000, 20000, 1, 20000), 1);
}

int main(void)
{
	check_init();
	test_top();
	test_sync_first();
	test_overflow_rerun();
	return check_done("test_tap");
}
