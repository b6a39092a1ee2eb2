#!/bin/bash
# A long async query with MAXREC on a slow service (Keck KOA in real life):
# set the row limit, start the query, watch its status while it runs, and
# keep the table as CSV and VOTable.  The status says "overflow" when the
# service cut the result at MAXREC.
. "$(dirname "$0")/common.sh"

MAXREC=${MAXREC:-5000}
if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	ADQL="SELECT id, ra, dec, mag, flux FROM vofstest.cat WHERE mag < 20 ORDER BY id"
else
	SVC=koa URL=https://koa.ipac.caltech.edu/TAP
	ADQL="SELECT koaid, ra, dec, instrume, date_obs FROM koa_hires ORDER BY date_obs DESC"
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries/recent

grep -E "MAXREC|async" "$MNT/$SVC/about.txt"
mkdir -p "$Q"
echo "$MAXREC" > "$Q/maxrec"
echo "$ADQL" > "$Q/query.adql"
echo "status while it runs:"
cat "$Q/status" | sed 's/^/  /'
wait_query "$Q"
cp "$Q/result.csv" "$OUT/recent.csv"
cp "$Q/result.vot" "$OUT/recent.vot"
n=$(rows "$OUT/recent.csv")
echo "  $n rows -> $OUT/recent.csv and $OUT/recent.vot"
if grep -q overflow "$Q/status"; then
	echo "  the service stopped at MAXREC=$MAXREC (result.vot says OVERFLOW)"
	grep -q 'value="OVERFLOW"' "$OUT/recent.vot"
	[ "$n" -eq "$MAXREC" ]
fi
