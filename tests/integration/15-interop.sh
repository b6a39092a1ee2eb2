#!/bin/bash
# Other servers' documents (issue 12, interop corpus): tests/server/replay.py
# serves the captures of tests/data/interop (ESA TAP+, CASDA, ALMA, IRSA,
# SIMBAD, VizieR, OpenCADC, and pyvo's DaCHS documents; see SOURCES.md
# there) as TAP services, one per server; vofs mounts them all and ordinary
# tools read the tree.  interop_check.py compares each result.csv and
# result.vot with astropy's reading of the captured document.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
DATA=$VOFS_ROOT/tests/data/interop
CHECK="$PY $VOFS_ROOT/tests/integration/interop_check.py"
RPORT=${REPLAY_PORT:-8095}
R=http://127.0.0.1:$RPORT
RPID=

cleanup() { vofs_cleanup; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null; }
trap cleanup EXIT

if ! $PY -c 'import astropy.io.votable' 2>/dev/null; then
	skip "interop corpus" "python3-astropy is not installed (apt-get install python3-astropy)"
	finish; exit
fi
$PY "$VOFS_ROOT/tests/server/replay.py" --port "$RPORT" 2> "$WORK/replay.log" &
RPID=$!
check "replay server answers" wait_for 10 curl -sf "$R/esa/tap/tables" -o /dev/null

# one service per server, sync; casdajob and pyvojob are the same captures
# asked through UWS (async)
cfg=()
for s in esa cadc casda alma irsa simbad vizier pyvo; do
	cfg+=("[$s]" "url = $R/$s/tap" "mode = sync" "timeout = 20")
done
cfg+=("[casdajob]" "url = $R/casda/tap" "mode = async" "timeout = 20")
cfg+=("[pyvojob]" "url = $R/pyvo/tap" "mode = async" "timeout = 20")
write_config "${cfg[@]}"
vofs_mount || { fail "mount"; finish; exit 1; }

# --- VOSI: tables, columns, capabilities ---------------------------------------
ls "$MNT/esa/tables" > "$WORK/esa.tables" 2>&1
check "esa: tables listed as in the captured tableset (ESA TAP+ Gaia)" \
	$CHECK tables "$DATA/esa/gaia/tables.xml" "$WORK/esa.tables"
for t in external.apassdr9 external.gaiadr2_geometric_distance external.galex_ais; do
	grep -qx "$t" "$WORK/esa.tables" || continue
	check "esa: $t/columns.csv has every column with datatype, unit, ucd" \
		$CHECK columns "$DATA/esa/gaia/tables.xml" "$t" "$MNT/esa/tables/$t/columns.csv"
done
ls "$MNT/pyvo/tables" > "$WORK/pyvo.tables" 2>&1
check "pyvo (DaCHS): tables listed as in the captured tableset" \
	$CHECK tables "$DATA/pyvo/tables.xml" "$WORK/pyvo.tables"
cp "$MNT/cadc/about.txt" "$WORK/cadc.about"
check "cadc: about.txt names the endpoints of the captured capabilities" \
	grep -q "tables .*$R/cadc/tap/tables" "$WORK/cadc.about"
grep -q "tables .*$R/cadc/tap/tables" "$WORK/cadc.about" || sed 's/^/    # /' "$WORK/cadc.about" | head
check "pyvo (DaCHS): capabilities.xml is served (accessURLs point at the replay)" \
	grep -q "<accessURL use=\"base\">$R/pyvo/tap</accessURL>" "$MNT/pyvo/capabilities.xml"

# --- results ------------------------------------------------------------------
# result SVC NAME MARKER CAPTURE: run a query the replay answers with CAPTURE
# and compare result.csv and result.vot with astropy's reading of it
result() {
	local svc=$1 name=$2 marker=$3 cap=$DATA/$4 q=$MNT/$1/queries/$2 st
	run_query "$q" "SELECT * FROM t -- replay:$marker"
	st=$(wait_final "$q")
	if [[ $st != COMPLETED* ]]; then
		fail "$svc: $4 completes (status: $st; error: $(head -c 300 "$q/error" 2>/dev/null))"
		return 1
	fi
	check "$svc: $4 read as astropy reads it (result.csv, result.vot)" \
		$CHECK result "$cap" "$q/result.csv" "$q/result.vot"
}
result esa   gaia_td   gaia_td          esa/gaia/sync_tabledata.vot
result esa   gaia_b2   gaia_b2          esa/gaia/sync_binary2.vot
result esa   hst       hst              esa/hst/sync_tabledata.vot
result esa   euclid    euclid           esa/euclid/sync_binary2.vot
result esa   jwst      jwst             esa/jwst/sync_nulls.vot
result casda cone      casda_cone       casda/sync_tabledata.vot
result alma  shapes    alma_shapes      alma/sync_tabledata.vot
result irsa  cone      gator_cone       irsa/gator_cone.vot
result irsa  polygon   gator_polygon    irsa/gator_polygon.vot
result irsa  most      most             irsa/most.vot
result simbad basic    simbad_td        simbad/sync_tabledata.vot
result simbad overflow simbad_overflow  simbad/sync_overflow.vot
result vizier kang     kang2010         vizier/sync_tabledata.vot
result pyvo  binary    binary           pyvo/sync_binary.vot
result pyvo  overflow  overflow         pyvo/sync_overflow.vot

# --- null tokens: "null" and "-" in numeric Gator columns -----------------------
q=$MNT/irsa/queries/nulls
run_query "$q" "SELECT * FROM t -- replay:gator_nulls"
st=$(wait_final "$q")
check "irsa: Gator null tokens: the query completes" grep -q "^COMPLETED rows=4" <<<"$st"
check "irsa: Gator null tokens are empty cells in result.csv, strings keep theirs" \
	$PY - "$q/result.csv" <<'PY'
import csv, sys
r = list(csv.DictReader(open(sys.argv[1], newline="")))
assert [x["j_m"] for x in r] == ["9.453", "", "", ""], [x["j_m"] for x in r]
assert [x["j_cmsig"] for x in r] == ["0.051", "", "+Inf", "-Inf"], [x["j_cmsig"] for x in r]
assert [x["ext_key"] for x in r] == ["12", "", "", "0"], [x["ext_key"] for x in r]
assert [x["designation"] for x in r][1:3] == ["null", "-"]
PY
check "irsa: astropy reads result.vot's null-token columns as numbers, masked there" \
	$PY - "$q/result.vot" <<'PY'
import sys, warnings
warnings.simplefilter("ignore")
from astropy.io.votable import parse
a = next(parse(sys.argv[1]).iter_tables()).array
for c in ("j_m", "j_cmsig", "ext_key", "dist"):
    assert a[c].dtype.kind in "fi", (c, a[c].dtype)
assert list(a["j_m"].mask) == [False, True, True, True], a["j_m"].mask
assert list(a["ext_key"].mask) == [False, True, True, False], a["ext_key"].mask
PY
check "irsa: the log says once how many cells held no number" \
	grep -q 'VOTable: 5 numeric TABLEDATA cells held no number.*j_m.*"null"' "$LOG"

# --- UWS: a pyvo (DaCHS) job, COMPLETED at once, whose result overflows ------
result pyvojob jobok job_ok pyvo/sync_overflow.vot

# --- OVERFLOW -----------------------------------------------------------------
for q in simbad/queries/overflow pyvo/queries/overflow; do
	check "$q: status says overflow" grep -q "overflow" "$MNT/$q/status"
	check_eq "$q: user.vo.overflow" "true" \
		"$(getfattr --only-values -n user.vo.overflow "$MNT/$q" 2>/dev/null)"
done

# --- UWS: a CASDA job (EXECUTING, then COMPLETED with CASDA's result list) ---
result casdajob job casda_job casda/sync_tabledata.vot
check "casda: the async job's status names its job URL" grep -q "$R/casda/tap/async/j" "$MNT/casdajob/queries/job/status"

# --- errors -------------------------------------------------------------------
# error SVC NAME MARKER MESSAGE: the query fails with the server's message
error() {
	local q=$MNT/$1/queries/$2 st
	run_query "$q" "SELECT * FROM t -- replay:$3"
	st=$(wait_final "$q")
	check "$1: $3 ends in ERROR" grep -q "^ERROR" <<<"$st"
	check "$1: error says the server's '$4'" grep -qF "$4" "$q/error"
	grep -qF "$4" "$q/error" || sed 's/^/    # error: /' "$q/error" | head -3
}
error pyvo   err      error         "ERROR"
# (VizieR's QUERY_STATUS text; its first INFO name="Error" is not in it)
error vizier err      vizier_error  "Couldn't connect with server"
# a UWS job in phase ERROR: the message is its errorSummary (the capture
# has no /error document)
error pyvojob joberr  job_error     "We have problem"

check_log_clean
check "unmount cleanly" vofs_umount
finish
