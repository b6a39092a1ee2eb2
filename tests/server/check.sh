#!/bin/bash
# Smoke-check the DaCHS test server and the fault proxy with curl.
#   tests/server/check.sh          (after setup.sh; starts/stops the proxy itself
#                                   unless one already runs)
# Prints one line per check and "N passed, N failed"; exits non-zero on failure.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
B=http://127.0.0.1:8080
P=http://127.0.0.1:8090
TMP=$(mktemp -d)
PASS=0
FAIL=0
STARTED_PROXY=0
cleanup() {
    [ $STARTED_PROXY = 1 ] && "$HERE/proxy.sh" stop >/dev/null 2>&1
    rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $1${2:+: $2}"; }
check() {  # check NAME COMMAND...   (passes when the command succeeds)
    local name=$1; shift
    if "$@" >"$TMP/out" 2>&1; then ok "$name"; else bad "$name" "$(head -c 300 "$TMP/out")"; fi
}
# http STATUS URL [curl args] : body in $TMP/body, headers in $TMP/hdr
http() {
    local want=$1 url=$2; shift 2
    local got
    got=$(curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' --max-time 60 "$@" "$url") || true
    [ "$got" = "$want" ] || { echo "status $got, wanted $want for $url"; return 1; }
}
has() { grep -q -- "$1" "$TMP/body" || { echo "body lacks $1"; head -c 300 "$TMP/body"; return 1; }; }
hdr() { tr -d '\r' < "$TMP/hdr" | grep -qi -- "$1" || { echo "headers lack $1"; cat "$TMP/hdr"; return 1; }; }
sync() {  # sync QUERY [curl args]  -> $TMP/body
    local q=$1; shift
    http 200 "$B/tap/sync" -d LANG=ADQL --data-urlencode "QUERY=$q" "$@"
}
location() { tr -d '\r' < "$TMP/hdr" | awk 'tolower($1)=="location:" {print $2}'; }

# ------------------------------------------------------------------ server
check "capabilities" bash -c "$(declare -f http has); TMP=$TMP; http 200 $B/tap/capabilities && has 'ivo://ivoa.net/std/TAP'"
check "tables?detail=min lists vofstest.cat without columns" bash -c \
    "$(declare -f http has); TMP=$TMP; http 200 '$B/tap/tables?detail=min' && has '<name>vofstest.cat</name>' && ! grep -q '<column>' $TMP/body"
check "tables/vofstest.cat has mags float[3]" bash -c \
    "$(declare -f http has); TMP=$TMP; http 200 $B/tap/tables/vofstest.cat && has 'arraysize=\"3\"'"
check "examples lists 3 examples" bash -c \
    "$(declare -f http has); TMP=$TMP; http 200 $B/tap/examples && [ \$(grep -c 'typeof=\"example\"' $TMP/body) = 3 ]"

check_sync_binary() { sync "SELECT TOP 5 * FROM vofstest.cat" && has "<BINARY>"; }
check "sync default is BINARY" check_sync_binary
check_td() { sync "SELECT TOP 5 * FROM vofstest.cat" -d RESPONSEFORMAT=votable/td && has "<TABLEDATA>"; }
check "RESPONSEFORMAT=votable/td" check_td
check_b2() { sync "SELECT TOP 5 * FROM vofstest.cat" --data-urlencode "RESPONSEFORMAT=application/x-votable+xml;serialization=BINARY2" && has "<BINARY2>"; }
check "RESPONSEFORMAT=...;serialization=BINARY2" check_b2
check_count() {
    sync "SELECT COUNT(*) AS n FROM vofstest.cat" -d RESPONSEFORMAT=csv && [ "$(tail -n 1 "$TMP/body" | tr -d '\r')" = 100000 ]
}
check "vofstest.cat has 100000 rows" check_count
check_cone() {
    sync "SELECT COUNT(*) AS n FROM vofstest.cat WHERE 1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150, 2, 1))" \
        -d RESPONSEFORMAT=csv && [ "$(tail -n 1 "$TMP/body" | tr -d '\r')" -ge 2000 ]
}
check "dense region: >= 2000 rows within 1 deg of (150, 2)" check_cone
check_csv() { sync "SELECT name FROM vofstest.cat WHERE id=1" -d RESPONSEFORMAT=csv && has '"with ""double"" quotes"'; }
check "CSV quoting of odd names" check_csv
check_overflow() { sync "SELECT id FROM vofstest.cat" -d MAXREC=3 && has 'value="OVERFLOW"'; }
check "MAXREC=3 gives OVERFLOW" check_overflow
check_error() { sync "SELEKT 1" && has 'value="ERROR"'; }
check "malformed ADQL gives an ERROR VOTable (HTTP 200)" check_error
check_obscore() {
    sync "SELECT obs_id FROM ivoa.obscore WHERE obs_collection='vofstest' AND 1=INTERSECTS(s_region, POLYGON('ICRS', 199.0, -31.0, 205.5, -31.0, 205.5, -29.0, 199.0, -29.0))" \
        -d RESPONSEFORMAT=csv && [ "$(grep -c '^img-' "$TMP/body")" = 6 ]
}
check "obscore polygon selects img-0021..0026" check_obscore
check_obscore_n() {
    sync "SELECT COUNT(*) AS n FROM ivoa.obscore WHERE obs_collection='vofstest'" -d RESPONSEFORMAT=csv \
        && [ "$(tail -n 1 "$TMP/body" | tr -d '\r')" = 50 ]
}
check "obscore has 50 vofstest rows" check_obscore_n
check_product() {
    http 206 "$B/getproduct/vofstest/data/img-0001.fits" -H "Range: bytes=0-79" && has "SIMPLE  ="
}
check "product range request" check_product

# ---- light curves (vofslc) and plates (vofsplates, DataLink + SODA)
FFI_POLY="157.465738867, 46.990749109, 157.523658608, 48.989866016, 154.476341392, 48.989866016, 154.534261133, 46.990749109"
FFI_DID='ivo%3A%2F%2Fvofs.test%2F~%3Fvofstest%2Fdata%2Fplates%2Fffi-0001.fits'
check_collections() {
    sync "SELECT obs_collection, COUNT(*) AS n FROM ivoa.obscore WHERE obs_collection IN ('vofslc', 'vofsplates') GROUP BY obs_collection ORDER BY obs_collection" \
        -d RESPONSEFORMAT=csv && [ "$(tail -n +2 "$TMP/body" | tr -d '\r' | tr '\n' ' ')" = "vofslc,130 vofsplates,13 " ]
}
check "obscore has 130 vofslc and 13 vofsplates rows" check_collections
check_footprint() {
    sync "SELECT s_region FROM ivoa.obscore WHERE obs_id='ffi-0001'" -d RESPONSEFORMAT=csv \
        && has "Polygon ICRS ${FFI_POLY//, / }" || return 1
    sync "SELECT COUNT(*) AS n FROM ivoa.obscore WHERE obs_collection='vofslc' AND 1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $FFI_POLY))" \
        -d RESPONSEFORMAT=csv && [ "$(tail -n 1 "$TMP/body" | tr -d '\r')" = 120 ]
}
check "footprint of ffi-0001 holds 120 light curves" check_footprint
check_lc_range() {
    http 206 "$B/getproduct/vofstest/data/lc/lc-0001.fits" -r 0-0 && hdr '^Content-Range: bytes 0-0/2877120$' \
        && hdr '^Last-Modified:'
}
check "light curve: ranged GET 206 with total size" check_lc_range
check_plate_redirect() {
    http 301 "$B/getproduct/vofstest/data/plates/ffi-0001.fits" \
        && hdr "^Location: $B/vofstest/q/dl/dlmeta?ID=$FFI_DID"
}
check "plate access_url redirects to dlmeta" check_plate_redirect
check_dlmeta() {
    http 200 "$B/vofstest/q/dl/dlmeta?ID=$FFI_DID" && has '<TD>#this</TD><TD>image/fits</TD><TD>16784640</TD>' \
        && has '<TD>#preview</TD><TD>image/png</TD>' && has '<TD>#proc</TD>' && has 'name="POS"' \
        && has 'ivo://ivoa.net/std/SODA#sync-1.0'
}
check "DataLink document: #this, #preview, #proc with POS" check_dlmeta
check_preview() {
    http 200 "$B/getproduct/vofstest/data/plates/ffi-0001.fits?preview=True" && hdr '^Content-Type: image/png' \
        && head -c 8 "$TMP/body" | grep -q PNG
}
check "plate preview is a PNG" check_preview
check_soda() {
    http 200 "$B/vofstest/q/dl/dlget?ID=$FFI_DID" -G --data-urlencode "POS=CIRCLE 156.01 48.15 0.05" \
        && hdr '^Content-Type: image/fits' && has "SIMPLE  =" && has "CRVAL1"
}
check "SODA cutout of ffi-0001" check_soda

uws_roundtrip() {  # uws_roundtrip BASE
    local base=$1 job
    http 303 "$base/tap/async" -d LANG=ADQL -d RESPONSEFORMAT=csv \
        --data-urlencode "QUERY=SELECT TOP 3 id FROM vofstest.cat ORDER BY id" || return 1
    job=$(location)
    case "$job" in "$base"/*) ;; *) echo "job URL $job not under $base"; return 1 ;; esac
    http 303 "$job/phase" -d PHASE=RUN || return 1
    http 200 "$job?WAIT=30" && has "<uws:phase>COMPLETED" && has "xlink:href=\"$base/" || return 1
    http 200 "$job/results/result" && has "^3" || return 1
    http 303 "$job" -X DELETE || return 1
}
check "UWS job: create, run, WAIT, result, DELETE" uws_roundtrip "$B"

# ------------------------------------------------------------------ proxy
if ! curl -s -o /dev/null --max-time 2 "$P/f/http404/"; then
    "$HERE/proxy.sh" start >/dev/null && STARTED_PROXY=1
fi
check "proxy: passthrough rewrites URLs" bash -c \
    "$(declare -f http has); TMP=$TMP; http 200 $P/tap/capabilities && has 'accessURL use=\"full\">$P/tap<'"
check "proxy: UWS via /f/delay=0.2 keeps the prefix" uws_roundtrip "$P/f/delay=0.2"
for code in 500 503 404; do
    check "proxy: http$code" http $code "$P/f/http$code/tap/capabilities"
done
scoped() {
    http 200 "$P/f/http500@%2Fresults%2F/tap/capabilities" || return 1
    http 303 "$P/f/http500@%2Fresults%2F/tap/async" -d LANG=ADQL \
        --data-urlencode "QUERY=SELECT TOP 1 id FROM vofstest.cat" || return 1
    local job; job=$(location)
    http 303 "$job/phase" -d PHASE=RUN && http 200 "$job?WAIT=30" && has COMPLETED || return 1
    http 500 "$job/results/result" || return 1
    http 303 "$job" -X DELETE
}
check "proxy: http500@/results/ only hits results" scoped
check "proxy: html" bash -c "$(declare -f http has); TMP=$TMP; http 200 $P/f/html/tap/sync && has 'not a votable'"
check "proxy: entitybomb" bash -c "$(declare -f http has); TMP=$TMP; http 200 $P/f/entitybomb/tap/sync && has '<!ENTITY lol9'"
delay_check() {
    local t; t=$(curl -s -o /dev/null -w '%{time_total}' "$P/f/delay=1.5/tap/availability")
    awk -v t="$t" 'BEGIN{exit !(t >= 1.5 && t < 10)}'
}
check "proxy: delay=1.5" delay_check
expect_curl_rc() {  # expect_curl_rc RC URL [args]  : curl exit code must be RC
    local want=$1 url=$2; shift 2
    curl -s -o /dev/null "$@" "$url"; local rc=$?
    [ $rc = "$want" ] || { echo "curl exit $rc, wanted $want"; return 1; }
}
BIGQ="QUERY=SELECT TOP 3000 * FROM vofstest.cat ORDER BY id"
check "proxy: reset -> curl 56 (recv failure)" expect_curl_rc 56 "$P/f/reset/tap/sync" -d LANG=ADQL --data-urlencode "$BIGQ"
check "proxy: truncate -> curl 18 (partial file)" expect_curl_rc 18 "$P/f/truncate/tap/sync" -d LANG=ADQL --data-urlencode "$BIGQ"
check "proxy: stall=2 -> curl 18 after 2 s" expect_curl_rc 18 "$P/f/stall=2/tap/capabilities"
check "proxy: stall -> client timeout (curl 28)" expect_curl_rc 28 "$P/f/stall/tap/capabilities" --max-time 2
badxml_check() {
    http 200 "$P/f/badxml/tap/sync" -d LANG=ADQL --data-urlencode "QUERY=SELECT TOP 3 id FROM vofstest.cat" || return 1
    tail -c 5 "$TMP/body" | grep -q '<<<&&' || return 1
    ! /usr/bin/python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$TMP/body" 2>/dev/null
}
check "proxy: badxml is malformed" badxml_check
huge_check() {
    local n; n=$(curl -s "$P/f/hugeline=3/tap/sync" | wc -c)
    [ "$n" = 3145728 ] || { echo "got $n bytes"; return 1; }
}
check "proxy: hugeline=3 streams 3 MiB" huge_check
huge_abort() {  # the default 200 MB stream; the client stops after 1 MB
    local n; n=$(curl -s "$P/f/hugeline/tap/sync" | head -c 1048576 | wc -c)
    [ "$n" = 1048576 ]
}
check "proxy: hugeline (client hangs up early)" huge_abort
count_check() {
    local a b c
    a=$(curl -s -o /dev/null -w '%{http_code}' "$P/f/http503*1,nonce=$$-$RANDOM/tap/availability")
    b=$(curl -s -o /dev/null -w '%{http_code}' "$P/f/http503*1,nonce=$$-$RANDOM/tap/availability")
    [ "$a" = 503 ] && [ "$b" = 503 ] || { echo "$a $b"; return 1; }
    local spec="http503*1,nonce=fixed-$$-$RANDOM"
    a=$(curl -s -o /dev/null -w '%{http_code}' "$P/f/$spec/tap/availability")
    b=$(curl -s -o /dev/null -w '%{http_code}' "$P/f/$spec/tap/availability")
    [ "$a" = 503 ] && [ "$b" = 200 ] || { echo "$a $b"; return 1; }
}
check "proxy: http503*1 fails only the first request" count_check
range_check() {
    http 206 "$P/f/delay=0/getproduct/vofstest/data/img-0001.fits" -H "Range: bytes=10-19" && hdr "Content-Range: bytes 10-19/"
}
check "proxy: Range passes through" range_check

echo "$PASS passed, $FAIL failed"
[ $FAIL = 0 ]
