#!/bin/bash
# Capture real DaCHS responses as fixtures for the C unit tests:
#   tests/server/capture.sh [--only core|products] [OUTDIR]
#                                          (default OUTDIR tests/unit/fixtures/dachs)
# Needs the server from setup.sh.  For each fixture NAME it writes NAME (the
# body) and NAME.headers (status line and headers), and MANIFEST.txt lists the
# requests.  Job ids, dates and times differ from run to run.
#   core      TAP, VOSI, UWS responses (vofstest.cat, vofstest.images)
#   products  DataLink, SODA, product downloads and ObsCore rows of the
#             plates (vofsplates) and light curves (vofslc)
# Without --only both sets are captured and MANIFEST.txt is rewritten; with
# --only, only that set's files and MANIFEST lines are replaced.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ONLY=all
if [ "${1:-}" = --only ]; then
    ONLY=${2:-}; shift 2 || true
    case $ONLY in core|products) ;; *) echo "capture.sh: --only core|products" >&2; exit 2;; esac
fi
OUT=${1:-$HERE/../unit/fixtures/dachs}
B=${VOFS_TAP_BASE:-http://127.0.0.1:8080}
mkdir -p "$OUT"
MAN="$OUT/MANIFEST.txt"
NEWMAN=$(mktemp)
trap 'rm -f "$NEWMAN" "$NEWMAN.keep"' EXIT

die() { echo "capture.sh: ERROR: $*" >&2; exit 1; }
curl -sf -o /dev/null "$B/tap/capabilities" || die "no TAP service at $B (run setup.sh)"

# fetch NAME DESCRIPTION curl-args...
fetch() {
    local name=$1 desc=$2; shift 2
    curl -s -S -D "$OUT/$name.headers.tmp" -o "$OUT/$name" "$@" || die "request for $name failed"
    tr -d '\r' < "$OUT/$name.headers.tmp" | sed '/^$/d' > "$OUT/$name.headers"
    rm -f "$OUT/$name.headers.tmp"
    local st ct
    st=$(head -n 1 "$OUT/$name.headers" | awk '{print $2}')
    ct=$(grep -i '^content-type:' "$OUT/$name.headers" | head -n 1 | cut -d' ' -f2- || true)
    printf '%s | %s | %s | %s\n' "$name" "$st" "$ct" "$desc" >> "$NEWMAN"
}

sync() {  # sync NAME QUERY [extra curl args]
    local name=$1 q=$2; shift 2
    fetch "$name" "POST $B/tap/sync LANG=ADQL QUERY=$q $*" \
        -d LANG=ADQL --data-urlencode "QUERY=$q" "$@" "$B/tap/sync"
}

# ======================================================================= core
capture_core() {
ODD="SELECT TOP 30 * FROM vofstest.cat WHERE id <= 24 OR id IN (71, 83, 89, 97, 1009) ORDER BY id"
sync sync_cat_binary.vot "$ODD"
sync sync_cat_tabledata.vot "$ODD" -d RESPONSEFORMAT=votable/td
sync sync_cat_binary2.vot "$ODD" -d RESPONSEFORMAT=votable/b2
sync sync_cat.csv "$ODD" -d RESPONSEFORMAT=csv
sync sync_cat.tsv "$ODD" -d RESPONSEFORMAT=tsv
sync sync_cat_explicit_binary.vot "$ODD" \
    --data-urlencode "RESPONSEFORMAT=application/x-votable+xml;serialization=BINARY"
sync overflow_maxrec3_binary.vot "SELECT id, name FROM vofstest.cat ORDER BY id" -d MAXREC=3
sync overflow_maxrec3_tabledata.vot "SELECT id, name FROM vofstest.cat ORDER BY id" \
    -d MAXREC=3 -d RESPONSEFORMAT=votable/td
sync maxrec0_binary.vot "SELECT * FROM vofstest.cat" -d MAXREC=0
sync empty_binary.vot "SELECT * FROM vofstest.cat WHERE id < 0"
sync error_adql_syntax.vot "SELEKT * FROM vofstest.cat"
sync error_unknown_table.vot "SELECT * FROM vofstest.nosuch"
sync astral_uname_binary.vot "SELECT id, uname FROM vofstest.cat WHERE id IN (9, 99999, 100000) ORDER BY id"
sync astral_uname_tabledata.vot "SELECT id, uname FROM vofstest.cat WHERE id IN (9, 99999, 100000) ORDER BY id" \
    -d RESPONSEFORMAT=votable/td
sync obscore_binary.vot "SELECT * FROM ivoa.obscore WHERE obs_collection='vofstest' AND obs_id <= 'img-0003' ORDER BY obs_id"

fetch capabilities.xml "GET $B/tap/capabilities" "$B/tap/capabilities"
fetch tables_min.xml "GET $B/tap/tables?detail=min" "$B/tap/tables?detail=min"
fetch tables.xml "GET $B/tap/tables" "$B/tap/tables"
fetch table_vofstest_cat.xml "GET $B/tap/tables/vofstest.cat" "$B/tap/tables/vofstest.cat"
fetch examples.html "GET $B/tap/examples" "$B/tap/examples"
fetch availability.xml "GET $B/tap/availability" "$B/tap/availability"

# ---- UWS: one job that completes, one that fails
location() { tr -d '\r' < "$1" | awk 'tolower($1)=="location:" {print $2}'; }
curl -s -D "$OUT/.h" -o /dev/null -d LANG=ADQL -d RESPONSEFORMAT=votable/td \
    --data-urlencode "QUERY=SELECT TOP 5 id, name FROM vofstest.cat ORDER BY id" "$B/tap/async"
JOB=$(location "$OUT/.h"); [ -n "$JOB" ] || die "no job URL"
fetch uws_job_pending.xml "GET job (PENDING)" "$JOB"
fetch uws_phase_run_redirect.txt "POST job/phase PHASE=RUN" -d PHASE=RUN "$JOB/phase"
fetch uws_job_completed.xml "GET job?WAIT=30 (COMPLETED)" "$JOB?WAIT=30"
fetch uws_results.xml "GET job/results" "$JOB/results"
fetch uws_result_tabledata.vot "GET job/results/result" "$JOB/results/result"
fetch uws_phase.txt "GET job/phase" "$JOB/phase"
fetch uws_joblist.xml "GET async (job list)" "$B/tap/async"

curl -s -D "$OUT/.h" -o /dev/null -d LANG=ADQL \
    --data-urlencode "QUERY=SELEKT broken" "$B/tap/async"
EJOB=$(location "$OUT/.h"); [ -n "$EJOB" ] || die "no job URL"
curl -s -o /dev/null -d PHASE=RUN "$EJOB/phase"
fetch uws_job_error.xml "GET job?WAIT=30 (ERROR)" "$EJOB?WAIT=30"
fetch uws_error.vot "GET job/error" "$EJOB/error"
fetch uws_delete_redirect.txt "DELETE job" -X DELETE "$EJOB"
curl -s -o /dev/null -X DELETE "$JOB"
rm -f "$OUT/.h"
grep -q '<uws:phase>COMPLETED' "$OUT/uws_job_completed.xml" || die "job did not complete"
grep -q '<uws:phase>ERROR' "$OUT/uws_job_error.xml" || die "error job not in ERROR"
}

# =================================================================== products
capture_products() {
local DL=$B/vofstest/q/dl PFX='ivo://vofs.test/~?vofstest/data/plates/'
local FFI=${PFX}ffi-0001.fits
# DataLink documents of the DataLink/SODA service of vofstest.plates
fetch datalink_ffi.vot "GET $DL/dlmeta?ID=$FFI" -G "$DL/dlmeta" --data-urlencode "ID=$FFI"
fetch datalink_3ids.vot "GET $DL/dlmeta?ID=${PFX}ffi-0001.fits&ID=${PFX}plate-0001.fits&ID=${PFX}plate-0002.fits" \
    -G "$DL/dlmeta" --data-urlencode "ID=$FFI" \
    --data-urlencode "ID=${PFX}plate-0001.fits" --data-urlencode "ID=${PFX}plate-0002.fits"
fetch datalink_3ids_post.vot "POST $DL/dlmeta ID=${PFX}ffi-0001.fits ID=${PFX}plate-0001.fits ID=${PFX}plate-0002.fits" \
    "$DL/dlmeta" --data-urlencode "ID=$FFI" \
    --data-urlencode "ID=${PFX}plate-0001.fits" --data-urlencode "ID=${PFX}plate-0002.fits"
fetch datalink_unknown_id.vot "GET $DL/dlmeta?ID=${PFX}nosuch.fits" \
    -G "$DL/dlmeta" --data-urlencode "ID=${PFX}nosuch.fits"
fetch datalink_mixed_ids.vot "GET $DL/dlmeta?ID=${PFX}plate-0003.fits&ID=${PFX}nosuch.fits&ID=ivo://vofs.test/~?vofstest/data/lc/lc-0001.fits&ID=ivo://elsewhere/x" \
    -G "$DL/dlmeta" --data-urlencode "ID=${PFX}plate-0003.fits" --data-urlencode "ID=${PFX}nosuch.fits" \
    --data-urlencode "ID=ivo://vofs.test/~?vofstest/data/lc/lc-0001.fits" --data-urlencode "ID=ivo://elsewhere/x"
# ObsCore's own DataLink service (the descriptor in TAP results on
# ivoa.obscore): a plate ID is redirected (302) to the dl service above,
# with the first plate ID only; light curves get a minimal document
fetch obscore_dl_plate_redirect.txt "GET $B/__system__/obscore/dl/dlmeta?ID=${PFX}plate-0001.fits&ID=${PFX}plate-0002.fits" \
    -G "$B/__system__/obscore/dl/dlmeta" --data-urlencode "ID=${PFX}plate-0001.fits" \
    --data-urlencode "ID=${PFX}plate-0002.fits"
fetch obscore_dl_lc.vot "GET $B/__system__/obscore/dl/dlmeta?ID=ivo://vofs.test/~?vofstest/data/lc/lc-0001.fits" \
    -G "$B/__system__/obscore/dl/dlmeta" --data-urlencode "ID=ivo://vofs.test/~?vofstest/data/lc/lc-0001.fits"
# ObsCore rows
local PQ="SELECT TOP 3 * FROM ivoa.obscore WHERE obs_collection='vofsplates' ORDER BY obs_id"
sync obscore_plates_binary.vot "$PQ"
sync obscore_plates_tabledata.vot "$PQ" -d RESPONSEFORMAT=votable/td
sync obscore_lc_binary.vot "SELECT TOP 3 * FROM ivoa.obscore WHERE obs_collection='vofslc' ORDER BY obs_id"
sync obscore_lc_awkward_tabledata.vot "SELECT obs_id, obs_publisher_did, access_url, access_estsize FROM ivoa.obscore WHERE obs_publisher_did IN ('ivo://vofs.test/~?vofstest/data/lc/lc-0011.fits', 'ivo://vofs.test/~?vofstest/data/lc/lc-0012.fits', 'ivo://vofs.test/~?vofstest/data/lc/lc-0013.fits') ORDER BY obs_id" \
    -d RESPONSEFORMAT=votable/td
sync footprint_ffi.csv "SELECT s_region FROM ivoa.obscore WHERE obs_id='ffi-0001'" -d RESPONSEFORMAT=csv
# products: a ranged GET of a light curve, a plate's access_url (301 to
# dlmeta), a preview, a SODA cutout (the FITS itself is kept: 48960 bytes)
fetch lc_range_0_0.bin "GET $B/getproduct/vofstest/data/lc/lc-0001.fits Range: bytes=0-0" \
    -r 0-0 "$B/getproduct/vofstest/data/lc/lc-0001.fits"
fetch plate_access_url_redirect.txt "GET $B/getproduct/vofstest/data/plates/ffi-0001.fits" \
    "$B/getproduct/vofstest/data/plates/ffi-0001.fits"
fetch preview_plate-0001.png "GET $B/getproduct/vofstest/data/plates/plate-0001.fits?preview=True" \
    "$B/getproduct/vofstest/data/plates/plate-0001.fits?preview=True"
fetch soda_cutout_ffi.fits "GET $DL/dlget?ID=$FFI&POS=CIRCLE 156.01 48.15 0.05" \
    -G "$DL/dlget" --data-urlencode "ID=$FFI" --data-urlencode "POS=CIRCLE 156.01 48.15 0.05"
fetch soda_no_overlap.txt "GET $DL/dlget?ID=$FFI&POS=CIRCLE 10 10 0.05" \
    -G "$DL/dlget" --data-urlencode "ID=$FFI" --data-urlencode "POS=CIRCLE 10 10 0.05"
grep -q '#proc' "$OUT/datalink_ffi.vot" || die "datalink_ffi.vot has no #proc row"
[ "$(grep -o '<TR>' "$OUT/datalink_3ids.vot" | wc -l)" = 9 ] || die "datalink_3ids.vot: expected 9 rows"
}

case $ONLY in
    all) capture_core; capture_products ;;
    core) capture_core ;;
    products) capture_products ;;
esac

# MANIFEST.txt: a full run rewrites it; --only replaces the lines of the
# files just written and keeps the others (new ones go to the end)
if [ "$ONLY" = all ] || [ ! -f "$MAN" ]; then
    {
        echo "# Responses of GAVO DaCHS 2.7 (Debian 12 gavodachs2-server) serving the"
        echo "# vofs test archive (tests/server/q.rd, catgen.py, mkplates.py,"
        echo "# mklightcurves.py), captured by capture.sh."
        echo "# file | HTTP status | Content-Type | request"
        cat "$NEWMAN"
    } > "$MAN"
else
    awk -F' [|] ' 'NR==FNR {mine[$1]=1; next} /^#/ || !($1 in mine)' "$NEWMAN" "$MAN" > "$NEWMAN.keep"
    cat "$NEWMAN.keep" "$NEWMAN" > "$MAN"
fi
echo "capture.sh: wrote $(wc -l < "$NEWMAN") fixtures to $OUT ($(grep -vc '^#' "$MAN") in MANIFEST.txt)"
