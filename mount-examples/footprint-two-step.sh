#!/bin/bash
# Two-step footprint query: take the footprint (s_region POLYGON) of one
# image from ObsCore, then find every catalogue source inside it.  The TESS
# form of this workflow uses a full-frame image's footprint on MAST and the
# light curves inside it (the products themselves come with DataLink).
. "$(dirname "$0")/common.sh"

if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	STEP1="SELECT obs_id, s_region FROM ivoa.obscore WHERE obs_collection = 'vofstest' ORDER BY obs_id"
	CAT=vofstest.cat COLS="id, ra, dec, mag"
else
	SVC=mast URL=https://mast.stsci.edu/vo-tap/api/v0.1/caom
	STEP1="SELECT TOP 1 obs_id, s_region FROM ivoa.obscore WHERE obs_collection = 'TESS' AND dataproduct_type = 'image' AND calib_level = 2 ORDER BY t_min DESC"
	CAT=ivoa.obscore COLS="obs_id, s_ra AS ra, s_dec AS dec, t_exptime"
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries

echo "step 1: the footprint"
mkdir -p "$Q/footprint"
echo "$STEP1" > "$Q/footprint/query.adql"
wait_query "$Q/footprint"
read -r obs_id region < <(footprint "$Q/footprint/result.csv")
echo "  $obs_id: POLYGON($region)"

echo "step 2: sources inside it"
mkdir -p "$Q/inside"
cat > "$Q/inside/query.adql" <<ADQL
SELECT $COLS FROM $CAT
WHERE 1 = CONTAINS(POINT('ICRS', ra, dec), POLYGON('ICRS', $region))
ADQL
wait_query "$Q/inside"
cp "$Q/inside/result.csv" "$OUT/inside.csv"
n=$(rows "$OUT/inside.csv")
echo "  $n sources -> $OUT/inside.csv"
[ "$n" -gt 0 ] || { echo "no source inside the footprint" >&2; exit 1; }
