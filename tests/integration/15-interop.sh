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
RPID=

cleanup() { vofs_cleanup; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null; }
trap cleanup EXIT

if ! $PY -c 'import astropy.io.votable' 2>/dev/null; then
	skip "interop corpus" "python3-astropy is not installed (apt-get install python3-astropy)"
	finish; exit
fi
check "replay server answers" replay_start
check "... and it is ours (pid $RPID alive)" kill -0 "$RPID"

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

# --- DataLink documents through products/ --------------------------------------
# A hand-written ObsCore-like result whose access_urls are the captured
# DataLink documents (CASDA with and without access, ALMA), each at its own
# replay endpoint, and one reaching ALMA's through a service descriptor.
# Each products/<id>/ must list one file per link as vofs.1 says, with
# user.vo.url and user.vo.semantics from the link, and links.csv must hold
# pyvo's reading of the capture (error rows only there).  The links point
# at the archives, which this machine cannot reach: no product is read.
# dl_dir SVC Q ID DIRNAME CAPTURE
dl_dir() {
	local d=$MNT/$1/queries/$2/products/$4
	check "$1: products/$4/ is a directory (DataLink $5)" test -d "$d"
	check "$1: products/$4/ lists $5's links of ID $3 as vofs.1 says, links.csv as pyvo reads it" \
		$CHECK links "$DATA/$5" "$3" "$d" && sed 's/^/    # /' "$WORK/check.out"
}
ALMA_ID='uid://A001/X12a3/Xe9' ALMA_DIR='uid:%2F%2FA001%2FX12a3%2FXe9'
q=$MNT/casda/queries/dl
run_query "$q" "SELECT * FROM t -- replay:dl_obscore"
st=$(wait_final "$q")
check "casda: the DataLink result completes ($st)" grep -q "^COMPLETED rows=3" <<<"$st"
check_eq "casda: products/ has one directory per row, named by obs_id" \
	"$(printf '%s\n' 3242 cube-244 "$ALMA_DIR")" "$(ls "$q/products" 2>&1 | LC_ALL=C sort)"
dl_dir casda dl cube-244 cube-244 casda/datalink.xml
dl_dir casda dl 3242 3242 casda/datalink_noaccess.xml
check "casda: the error row of 3242 is in links.csv with its message" \
	grep -qF "DefaultFault: Sorry, but you do not have permission" "$q/products/3242/links.csv"
dl_dir casda dl "$ALMA_ID" "$ALMA_DIR" alma/datalink.xml
q=$MNT/alma/queries/dl
run_query "$q" "SELECT * FROM t -- replay:dl_descriptor"
st=$(wait_final "$q")
check "alma: the result with a DataLink service descriptor completes ($st)" grep -q "^COMPLETED rows=1" <<<"$st"
check_eq "alma: products/ has the row's directory, named by obs_publisher_did" \
	"$ALMA_DIR" "$(ls "$q/products" 2>&1)"
dl_dir alma dl "$ALMA_ID" "$ALMA_DIR" alma/datalink.xml
check "replay: each DataLink document was asked for its own ID" \
	grep -qF "DataLink datalink.xml for ['$ALMA_ID']" "$WORK/replay.log"
# pyvo's capture of an OpenCADC ObsCore result (access_url DataLink
# documents + a descriptor): read right, one product directory per row
# (the documents are at CADC, not captured: not opened)
result pyvo  dlobscore dl_obscore_cadc pyvo/datalink.xml
check_eq "pyvo: the OpenCADC ObsCore result has a product directory per row (obs_id)" \
	"$(printf '%s\n' 54150 54151 54151~2)" "$(ls "$MNT/pyvo/queries/dlobscore/products" 2>&1)"

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
