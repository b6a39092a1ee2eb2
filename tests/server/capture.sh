#!/bin/bash
# Capture real DaCHS responses as fixtures for the C unit tests:
#   tests/server/capture.sh [OUTDIR]      (default tests/unit/fixtures/dachs)
# Needs the server from setup.sh.  For each fixture NAME it writes NAME (the
# body) and NAME.headers (status line and headers), and MANIFEST.txt lists the
# requests.  Job ids, dates and times differ from run to run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE/../unit/fixtures/dachs}
B=${VOFS_TAP_BASE:-http://127.0.0.1:8080}
mkdir -p "$OUT"
MAN="$OUT/MANIFEST.txt"
{
    echo "# Responses of GAVO DaCHS 2.7 (Debian 12 gavodachs2-server) serving the"
    echo "# vofs test archive (tests/server/q.rd, catgen.py), captured by capture.sh."
    echo "# file | HTTP status | Content-Type | request"
} > "$MAN"

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
    ct=$(grep -i '^content-type:' "$OUT/$name.headers" | head -n 1 | cut -d' ' -f2-)
    printf '%s | %s | %s | %s\n' "$name" "$st" "$ct" "$desc" >> "$MAN"
}

sync() {  # sync NAME QUERY [extra curl args]
    local name=$1 q=$2; shift 2
    fetch "$name" "POST $B/tap/sync LANG=ADQL QUERY=$q $*" \
        -d LANG=ADQL --data-urlencode "QUERY=$q" "$@" "$B/tap/sync"
}

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
echo "capture.sh: wrote $(grep -vc '^#' "$MAN") fixtures to $OUT"
