/* tests/unit/test_ipac.c - vo/ipac.c: types, widths from the header and
 * the values, character (not byte) widths, line breaks, nulls, and the
 * "null" value that turns a column's nulls blank. */
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "ipac.h"

#define CELL(str) {(str), sizeof(str) - 1, 0}
#define NUL {"", 0, 1}

static void types(void)
{
	CHECK_STR(vo_ipac_type("short", NULL), "int");
	CHECK_STR(vo_ipac_type("unsignedByte", "1"), "int");
	CHECK_STR(vo_ipac_type("long", NULL), "long");
	CHECK_STR(vo_ipac_type("float", NULL), "float");
	CHECK_STR(vo_ipac_type("double", ""), "double");
	CHECK_STR(vo_ipac_type("double", "*"), "char");
	CHECK_STR(vo_ipac_type("float", "3"), "char");
	CHECK_STR(vo_ipac_type("boolean", NULL), "char");
	CHECK_STR(vo_ipac_type("doubleComplex", NULL), "char");
	CHECK_STR(vo_ipac_type("unicodeChar", "*"), "char");
	CHECK_STR(vo_ipac_type(NULL, NULL), "char");
}

static void table(void)
{
	struct vo_ipac_col col[3];
	const char *names[] = {"id", "name|x", "mag"};
	const char *units[] = {NULL, NULL, "mag"};
	struct vo_cell r1[] = {CELL("1"), CELL("\xc3\x85str\xc3\xb6m"), CELL("NaN")};
	struct vo_cell r2[] = {CELL("12345678901"), CELL("a|b\r\nc"), NUL};
	struct vo_cell r3[] = {NUL, NUL, CELL("-1.5")};
	struct vo_buf out = VO_BUF_INIT;
	uint64_t x1, x2, x3;

	vo_ipac_col_init(&col[0], names[0], "long", NULL, units[0]);
	vo_ipac_col_init(&col[1], names[1], "char", "*", units[1]);
	vo_ipac_col_init(&col[2], names[2], "double", NULL, units[2]);
	CHECK_INT(col[0].width, 4);   /* "long", "null" */
	CHECK_INT(col[1].width, 6);   /* the name */
	x1 = vo_ipac_measure(col, r1, 3);
	x2 = vo_ipac_measure(col, r2, 3);
	x3 = vo_ipac_measure(col, r3, 3);
	CHECK_INT(x1, 2);             /* Å and ö take two bytes each */
	CHECK_INT(x2, 0);
	CHECK_INT(x3, 0);
	CHECK_INT(col[0].width, 11);
	CHECK_INT(col[1].width, 6);   /* "Åström": 6 characters, 8 bytes */
	CHECK_INT(vo_ipac_line_chars(col, 3), (1 + 11) + (1 + 6) + (1 + 6) + 1 + 1);   /* bars, the newline */
	CHECK(vo_ipac_extra(r1, 3) == 2);
	CHECK(!vo_ipac_head(&out, col, 3, names, units));
	CHECK(!vo_ipac_row(&out, col, r1, 3));
	CHECK(!vo_ipac_row(&out, col, r2, 3));
	CHECK(!vo_ipac_row(&out, col, r3, 3));
	CHECK_STR(out.p,
		"|         id|name_x|   mag|\n"
		"|       long|char  |double|\n"
		"|           |      |   mag|\n"
		"|       null|null  |  null|\n"
		"           1 \xc3\x85str\xc3\xb6m    NaN \n"
		" 12345678901 a|b  c   null \n"
		"        null null     -1.5 \n");
	/* every line has the same characters; bytes: those plus the extras */
	CHECK_INT(out.len, 7 * vo_ipac_line_chars(col, 3) + x1);
	vo_buf_free(&out);
}

/* a value that reads as "null" keeps the column's nulls blank */
static void null_word(void)
{
	struct vo_ipac_col col;
	struct vo_cell a[] = {CELL(" null "), NUL, CELL("NULL")};
	struct vo_buf out = VO_BUF_INIT;
	const char *name = "s", *unit = NULL;

	vo_ipac_col_init(&col, name, "char", "*", NULL);
	CHECK(!col.blank_null);
	vo_ipac_measure(&col, &a[2], 1);
	CHECK(!col.blank_null);       /* "NULL" is no null to a reader */
	vo_ipac_measure(&col, &a[0], 1);
	CHECK(col.blank_null);
	CHECK(!vo_ipac_head(&out, &col, 1, &name, &unit));
	CHECK(!vo_ipac_row(&out, &col, &a[0], 1));
	CHECK(!vo_ipac_row(&out, &col, &a[1], 1));
	CHECK_STR(out.p, "|s     |\n|char  |\n|      |\n|      |\n"
			 "  null  \n"
			 "        \n");
	/* a value wider than measured is refused, not cut */
	vo_buf_reset(&out);
	{
		struct vo_cell wide = CELL("much too wide");
		CHECK_INT(vo_ipac_row(&out, &col, &wide, 1), -ERANGE);
	}
	vo_buf_free(&out);
}

/* line breaks a reader splits lines at are one space each */
static void breaks(void)
{
	struct vo_ipac_col col;
	struct vo_cell c = CELL("a\xc2\x85" "b\xe2\x80\xa8" "c\vd\x1e" "e\tf");
	struct vo_buf out = VO_BUF_INIT;

	vo_ipac_col_init(&col, "x", "char", "*", NULL);
	CHECK_INT(vo_ipac_measure(&col, &c, 1), 0);   /* NEL and LS become 1 byte */
	CHECK_INT(col.width, 11);
	CHECK(!vo_ipac_row(&out, &col, &c, 1));
	CHECK_STR(out.p, " a b c d e\tf \n");
	vo_buf_free(&out);
}

int main(void)
{
	check_init();
	types();
	table();
	null_word();
	breaks();
	return check_done("ipac");
}
