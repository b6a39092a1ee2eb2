#!/bin/bash
# Cone search in an object table, then the detections of the objects found
# (Pan-STARRS style: objects in one table, single-epoch detections in another).
#
#   1. every object within RADIUS of (RA, DEC): queries/cone/, kept as CSV and
#      VOTable;
#   2. the detections of all of them in one query (a JOIN on the object id):
#      queries/detections/;
#   3. one query directory per object for the first NOBJ objects, made by
#      copying an .adql file into queries/ (cp det-ID.adql queries/ creates
#      queries/det-ID/ and runs it); they run side by side.
#
# Real default: Pan-STARRS DR2 at MAST (dbo.ObjectThin, dbo.Detection).
# Under CI: the test catalogue vofstest.cat and its detections vofstest.det,
# where every count is checked against the others.
. "$(dirname "$0")/common.sh"

NOBJ=${NOBJ:-3}
if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	RA=${RA:-150.0} DEC=${DEC:-2.0} RADIUS=${RADIUS:-0.5}
	OBJ=vofstest.cat OBJ_ID=id OBJ_RA=ra OBJ_DEC=dec OBJ_WHERE=
	OBJ_COLS="o.id, o.ra, o.dec, o.mag"
	DET=vofstest.det DET_ID=det_id DET_OBJ=obj_id DET_TIME=mjd
	DET_COLS="d.det_id, d.obj_id, d.mjd, d.band, d.mag, d.mag_err"
else
	# Pan-STARRS DR2 through MAST's TAP service (the built-in service ps1).
	# Names as MAST documents them: dbo.ObjectThin (objID, raMean, decMean,
	# nDetections) and dbo.Detection (detectID, objID, obsTime in MJD,
	# filterID 1..5 = g r i z y, psfFlux and psfFluxErr in Jy).  Not run in
	# CI (no network there) and not tried against MAST from this machine.
	SVC=ps1 URL=http://vao.stsci.edu/PS1DR2/tapservice.aspx
	RA=${RA:-187.706} DEC=${DEC:-12.391} RADIUS=${RADIUS:-0.01}
	OBJ=dbo.ObjectThin OBJ_ID=objID OBJ_RA=raMean OBJ_DEC=decMean
	OBJ_WHERE="AND o.nDetections >= 3"
	OBJ_COLS="o.objID, o.raMean, o.decMean, o.nDetections"
	DET=dbo.Detection DET_ID=detectID DET_OBJ=objID DET_TIME=obsTime
	DET_COLS="d.detectID, d.objID, d.obsTime, d.filterID, d.psfFlux, d.psfFluxErr"
fi
CONE="CONTAINS(POINT('ICRS', o.$OBJ_RA, o.$OBJ_DEC), CIRCLE('ICRS', $RA, $DEC, $RADIUS)) = 1 $OBJ_WHERE"
vo_mount "$SVC=$URL"
QS=$MNT/$SVC/queries

echo "columns of $OBJ and $DET:"
sed -n 2,4p "$MNT/$SVC/tables/$OBJ/columns.csv" | sed 's/^/  /'
sed -n 2,4p "$MNT/$SVC/tables/$DET/columns.csv" | sed 's/^/  /'

echo "step 1: objects within $RADIUS deg of ($RA, $DEC)"
mkdir -p "$QS/cone"
cat > "$QS/cone/query.adql" <<ADQL
SELECT $OBJ_COLS FROM $OBJ AS o
WHERE $CONE
ORDER BY o.$OBJ_ID
ADQL
wait_query "$QS/cone"
cp "$QS/cone/result.csv" "$OUT/cone.csv"
cp "$QS/cone/result.vot" "$OUT/cone.vot"
n=$(rows "$OUT/cone.csv")
echo "  $n objects -> $OUT/cone.csv, $OUT/cone.vot"

echo "step 2: the detections of all of them, in one query"
mkdir -p "$QS/detections"
cat > "$QS/detections/query.adql" <<ADQL
SELECT $DET_COLS
FROM $DET AS d JOIN $OBJ AS o ON d.$DET_OBJ = o.$OBJ_ID
WHERE $CONE
ORDER BY d.$DET_OBJ, d.$DET_TIME
ADQL
wait_query "$QS/detections"
cp "$QS/detections/result.csv" "$OUT/detections.csv"
ndet=$(rows "$OUT/detections.csv")
echo "  $ndet detections -> $OUT/detections.csv"

echo "step 3: one query per object for the first $NOBJ, copied in as .adql files"
ids=$(awk -F, -v k="$NOBJ" 'NR > 1 && NR <= k + 1 { sub(/\r$/, ""); print $1 }' "$OUT/cone.csv")
for id in $ids; do
	cat > "$OUT/det-$id.adql" <<ADQL
SELECT $DET_COLS FROM $DET AS d
WHERE d.$DET_OBJ = $id
ORDER BY d.$DET_TIME
ADQL
	cp "$OUT/det-$id.adql" "$QS/"     # creates queries/det-$id/ and starts it
done
ls "$QS" | sed 's/^/  queries\//'
for id in $ids; do
	wait_query "$QS/det-$id"
	cp "$QS/det-$id/result.csv" "$OUT/det-$id.csv"
done
first=${ids%%[[:space:]]*}
if [ -n "$first" ]; then
	echo "  $OUT/det-$first.csv:"
	sed -n 1,4p "$OUT/det-$first.csv" | sed 's/^/    /'
fi

# the files against each other: every object of the cone has its
# detections in detections.csv, and each det-ID query has the same rows
# for its object as detections.csv (only checked on the test archive,
# where every object within 1 deg of (150, 2) has 3 to 8 detections)
python3 - "$OUT" "$OBJ_ID" "$DET_ID" "$DET_OBJ" "$TEST_ARCHIVE" $ids <<'PY'
import csv, sys
out, obj_id, det_id, det_obj, strict, ids = sys.argv[1], *sys.argv[2:6], sys.argv[6:]
read = lambda f: list(csv.DictReader(open(f"{out}/{f}", newline="")))
cone = [r[obj_id] for r in read("cone.csv")]
per = {}
for r in read("detections.csv"):
    per.setdefault(r[det_obj], set()).add(r[det_id])
counts = [len(per.get(i, ())) for i in cone]
print(f"  {sum(counts)} detections of {len(cone)} objects "
      f"({min(counts, default=0)} to {max(counts, default=0)} each)")
bad = []
if strict == "1":
    if set(per) != set(cone):
        bad.append("objects of detections.csv differ from cone.csv")
    if min(counts, default=0) < 3:
        bad.append("an object has fewer than 3 detections")
for i in ids:
    mine = {r[det_id] for r in read(f"det-{i}.csv")}
    ok = mine == per.get(i, set())
    print(f"  det-{i}: {len(mine)} detections, {'the same' if ok else 'NOT the same'}"
          " as in detections.csv")
    if not ok and strict == "1":
        bad.append(f"det-{i} differs from detections.csv")
if bad:
    sys.exit("; ".join(bad))
PY

if [ "$TEST_ARCHIVE" = 1 ]; then
	# the same counts straight from the server, to prove the files whole
	mkdir "$QS/count" "$QS/count-det"
	echo "SELECT COUNT(*) AS n FROM $OBJ AS o WHERE $CONE" > "$QS/count/query.adql"
	echo "SELECT COUNT(*) AS n FROM $DET AS d JOIN $OBJ AS o ON d.$DET_OBJ = o.$OBJ_ID WHERE $CONE" \
		> "$QS/count-det/query.adql"
	wait_query "$QS/count" > /dev/null
	wait_query "$QS/count-det" > /dev/null
	expect=$(sed -n 2p "$QS/count/result.csv" | tr -d '\r')
	expect_det=$(sed -n 2p "$QS/count-det/result.csv" | tr -d '\r')
	[ "$n" = "$expect" ] || { echo "expected $expect objects, got $n" >&2; exit 1; }
	[ "$ndet" = "$expect_det" ] || { echo "expected $expect_det detections, got $ndet" >&2; exit 1; }
	[ "$n" -gt 100 ] || { echo "suspiciously few objects: $n" >&2; exit 1; }
	[ "$ndet" -ge $((3 * n)) ] || { echo "suspiciously few detections: $ndet" >&2; exit 1; }
	echo "  match COUNT(*) on the server: $expect objects, $expect_det detections"
fi
