#!/bin/bash
# TESS-style light curves inside a full-frame image's footprint, copied
# with rsync straight from the mount.
#
#   1. the footprint (s_region) of one full-frame image, from ObsCore;
#   2. every light curve whose position lies inside that POLYGON;
#   3. rsync -a queries/lc/products/ ./lightcurves/   (each product is
#      fetched when rsync reads it, into the block cache; a second rsync
#      copies nothing: sizes and mtimes are stable).
. "$(dirname "$0")/common.sh"

if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	STEP1="SELECT obs_id, s_region FROM ivoa.obscore WHERE obs_id = 'ffi-0001'"
	LC="obs_collection = 'vofslc'"
else
	SVC=mast URL=https://mast.stsci.edu/vo-tap/api/v0.1/caom
	STEP1="SELECT TOP 1 obs_id, s_region FROM ivoa.obscore WHERE obs_collection = 'TESS' AND dataproduct_type = 'image' ORDER BY t_min DESC"
	LC="obs_collection = 'TESS' AND dataproduct_type = 'timeseries'"
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries

echo "step 1: the footprint of the full-frame image"
mkdir -p "$Q/ffi"
echo "$STEP1" > "$Q/ffi/query.adql"
wait_query "$Q/ffi"
read -r obs_id poly < <(footprint "$Q/ffi/result.csv")
echo "  $obs_id: POLYGON($poly)"

echo "step 2: the light curves inside it"
mkdir -p "$Q/lc"
cat > "$Q/lc/query.adql" <<ADQL
SELECT obs_id, obs_publisher_did, access_url, access_format, s_ra, s_dec
FROM ivoa.obscore
WHERE $LC AND 1 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $poly))
ADQL
wait_query "$Q/lc"
n=$(ls "$Q/lc/products" | wc -l)
echo "  $n light curves; ls -l shows their exact sizes:"
ls -l "$Q/lc/products" | sed -n 1,4p   # sed reads it all: no SIGPIPE under pipefail

echo "step 3: rsync them out"
t0=$(date +%s.%N)
rsync -a "$Q/lc/products/" "$OUT/lightcurves/"
t1=$(date +%s.%N)
echo "  $(ls "$OUT/lightcurves" | wc -l) files, $(du -sh "$OUT/lightcurves" | cut -f1) in $(echo "$t1 - $t0" | bc) s -> $OUT/lightcurves"
again=$(rsync -a --stats "$Q/lc/products/" "$OUT/lightcurves/" | awk -F: '/regular files transferred/ {gsub(/ /, "", $2); print $2}')
echo "  a second rsync transferred $again files"
[ "$n" -gt 0 ] && [ "$(ls "$OUT/lightcurves" | wc -l)" = "$n" ] && [ "$again" = 0 ]

# what came out is the server's bytes: compare one file with its URL
f=$(ls "$OUT/lightcurves" | sed -n 1p)
url=$(getfattr --absolute-names --only-values -n user.vo.url "$Q/lc/products/$f")
curl -sfL "$url" | cmp - "$OUT/lightcurves/$f"
echo "  $f equals $url"
if [ "$TEST_ARCHIVE" = 1 ]; then [ "$n" = 120 ]; fi
