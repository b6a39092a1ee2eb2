/* tests/unit/csv2vot.c - run the CSV to VOTable converter on a file.
 *
 *   csv2vot IN.csv                 print what pass 1 found (rows, columns,
 *                                  types) or the error
 *   csv2vot IN.csv OUT.vot [NAME]  write the VOTable (table NAME, default t)
 *
 * Used by upload_check.py to have astropy compare the VOTable with its own
 * reading of the CSV, and by hand to make an upload for a TAP service.
 * Exit status 1 with the error on stderr (first line "errno N").
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "upload.h"

static int to_file(void *ud, const char *p, size_t n)
{
	return fwrite(p, 1, n, ud) == n ? 0 : -EIO;
}

int main(int argc, char **argv)
{
	struct vo_csv_info info = {0};
	struct vo_err err = {0};
	FILE *f = NULL;
	int rc;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: %s IN.csv [OUT.vot [TABLE]]\n", argv[0]);
		return 2;
	}
	if (argc == 2) {
		rc = vo_csv_inspect(argv[1], &info, &err);
	} else {
		if (!(f = fopen(argv[2], "wb"))) {
			perror(argv[2]);
			return 1;
		}
		rc = vo_csv_to_votable(argv[1], argc == 4 ? argv[3] : "t", to_file, f, &info,
				       &err);
		if (fclose(f) && !rc) {
			perror(argv[2]);
			return 1;
		}
	}
	if (rc) {
		fprintf(stderr, "errno %d\n%s\n", -rc, err.msg);
		return 1;
	}
	printf("rows %zu columns %zu\n", info.nrows, info.ncols);
	for (size_t i = 0; i < info.ncols; i++)
		printf("%s %s nulls %zu\n", info.cols[i].name, vo_csv_datatype(info.cols[i].type),
		       info.cols[i].nulls);
	vo_csv_info_free(&info);
	return 0;
}
