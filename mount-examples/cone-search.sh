#!/bin/bash
# Cone search on a large catalogue: every source within a radius of a
# position, kept as CSV and VOTable.  Real default: the GAVO DC's Gaia DR3
# lite table; under CI: the 100k-row test catalogue.
. "$(dirname "$0")/common.sh"

RA=${RA:-150.0} DEC=${DEC:-2.0} RADIUS=${RADIUS:-0.5}
if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap TABLE=vofstest.cat COLS="id, ra, dec, mag"
else
	SVC=gavo URL=http://dc.g-vo.org/tap TABLE=gaia.dr3lite COLS="source_id, ra, dec, phot_g_mean_mag"
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries/cone

echo "columns of $TABLE:"
head -5 "$MNT/$SVC/tables/$TABLE/columns.csv"

mkdir -p "$Q"
cat > "$Q/query.adql" <<ADQL
SELECT $COLS FROM $TABLE
WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', $RA, $DEC, $RADIUS))
ADQL
echo "cone of $RADIUS deg around ($RA, $DEC):"
wait_query "$Q"
cp "$Q/result.csv" "$Q/result.vot" "$OUT/"
n=$(rows "$OUT/result.csv")
echo "  $n sources -> $OUT/result.csv, $OUT/result.vot"

if [ "$TEST_ARCHIVE" = 1 ]; then
	# the same count straight from the server, to prove the files whole
	mkdir "$MNT/$SVC/queries/count"
	echo "SELECT COUNT(*) AS n FROM $TABLE WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', $RA, $DEC, $RADIUS))" \
		> "$MNT/$SVC/queries/count/query.adql"
	wait_query "$MNT/$SVC/queries/count" > /dev/null
	expect=$(sed -n 2p "$MNT/$SVC/queries/count/result.csv" | tr -d '\r')
	[ "$n" = "$expect" ] || { echo "expected $expect rows, got $n" >&2; exit 1; }
	[ "$n" -gt 100 ] || { echo "suspiciously few rows: $n" >&2; exit 1; }
	echo "  matches COUNT(*) on the server: $expect"
fi
