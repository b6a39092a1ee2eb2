#!/bin/bash
# Benchmark (issue 12): two small-query workflows through the mount, in
# mode = auto, sync and async, against the same with pyvo, side by side.
#
#   cone      a cone search on vofstest.cat (CONTAINS(POINT, CIRCLE)), then
#             the detections (vofstest.det) of the objects found, by their
#             ids: vofs reads both result.csv; pyvo runs both queries and
#             makes astropy tables of them
#   footprint the footprint (s_region) of the full-frame plate ffi-0001 from
#             ivoa.obscore, the light curves (obs_collection 'vofslc')
#             inside that POLYGON, then every light curve's bytes: vofs
#             `cat products/* > /dev/null`; pyvo + requests (one Session)
#             GETs each access_url
#   large     50,000 rows of vofstest.cat with MAXREC 50000 (the issue's
#             "large async work"): vofs reads result.csv; pyvo makes an
#             astropy table
#
# vofs: a fresh mount with an empty cache for every run, timed from the
# first mkdir to the last byte (the mount itself not counted).  pyvo: one
# python3 process per run, timed after its imports; TAPService.search
# (sync) and TAPService.run_async (async).  Each number is the best of
# $RUNS runs (default 5).  The goals of issue 12: auto mode's cone at most
# 1.2x pyvo's search, its footprint at most 1.0x pyvo + requests, large
# work as fast as mode=async.
# Needs the test archive (tests/server/setup.sh) and python3-pyvo.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOFS=${VOFS_BIN:-$ROOT/build/fs/vofs}
TAP=${TAP_URL:-http://127.0.0.1:8080/tap}
RUNS=${RUNS:-5}
RADIUS=${RADIUS:-0.05}
PY=/usr/bin/python3
CONE="SELECT id, ra, dec, mag FROM vofstest.cat WHERE 1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150, 2, $RADIUS))"
DET="SELECT obj_id, mjd, band, mag, mag_err FROM vofstest.det WHERE obj_id IN (%s) ORDER BY obj_id, mjd"
STEP1="SELECT obs_id, s_region FROM ivoa.obscore WHERE obs_id = 'ffi-0001'"
LC="SELECT obs_id, access_url, s_ra, s_dec FROM ivoa.obscore WHERE obs_collection = 'vofslc' AND 1 = CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', %s))"
BIG="SELECT id, ra, dec, mag, flux, nobs, flag, name, mags FROM vofstest.cat"
BIGMAX=50000
W=$(mktemp -d /tmp/vofs-bench-wf.XXXXXX)
MNT=$W/mnt; mkdir -p "$MNT"
. "$ROOT/tests/bench/common.sh"
now() { date +%s.%N; }
best() { sort -g | head -1; }

$PY -c 'import pyvo, requests' 2>/dev/null || { echo "workflows.sh: needs python3-pyvo (apt-get install python3-pyvo)" >&2; exit 1; }
curl -sf -o /dev/null "$TAP/capabilities" || { echo "workflows.sh: no TAP service at $TAP (bash tests/server/setup.sh)" >&2; exit 1; }
cleanup() { mountpoint -q "$MNT" && fusermount3 -u "$MNT"; [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

# --- through the mount ------------------------------------------------------------------
# (every step reads what the step before wrote: result.csv waits for its run)
vofs_cone() {
	local q=$MNT/local/queries ids
	mkdir "$q/cone"
	echo "$CONE" > "$q/cone/query.adql"
	ids=$(tr -d '\r' < "$q/cone/result.csv" | awk -F, 'NR > 1 { print $1 }' | paste -sd, -)
	mkdir "$q/det"
	printf "$DET\n" "$ids" > "$q/det/query.adql"
	cat "$q/det/result.csv" > "$W/det.csv"
	echo "$(grep -c . <<<"${ids//,/$'\n'}") objects, $(($(wc -l < "$W/det.csv") - 1)) detections" > "$W/vofs-cone.count"
}
vofs_footprint() {
	local q=$MNT/local/queries poly
	mkdir "$q/ffi"
	echo "$STEP1" > "$q/ffi/query.adql"
	poly=$(tr -d '\r' < "$q/ffi/result.csv" | awk -F, 'NR == 2 { print $2 }' |
		sed 's/^[A-Za-z]* [A-Za-z]* //; s/ /, /g')
	mkdir "$q/lc"
	printf "$LC\n" "$poly" > "$q/lc/query.adql"
	cat "$q/lc/products/"* > /dev/null
	echo "$(ls "$q/lc/products" | wc -l) light curves" > "$W/vofs-footprint.count"
}
vofs_large() {
	local q=$MNT/local/queries
	mkdir "$q/big"
	echo "$BIGMAX" > "$q/big/maxrec"
	echo "$BIG" > "$q/big/query.adql"
	cat "$q/big/result.csv" > /dev/null
	sed -n 's/^[A-Z]* rows=\([0-9]*\).*/\1 rows/p' "$q/big/status" > "$W/vofs-large.count"
}
# vofs_time MODE WORKFLOW: seconds of one run on a fresh mount
vofs_time() {
	local t0 t1
	printf '[local]\nurl = %s\nmode = %s\n' "$TAP" "$1" > "$W/services.ini"
	mount_fresh
	t0=$(now)
	"vofs_$2"
	t1=$(now)
	umount_it
	echo "$t1 - $t0" | bc
}

# --- pyvo (+ requests for the products), one process per run ----------------------------
pyvo_time() {   # pyvo_time sync|async: prints "cone footprint" seconds
	$PY - "$TAP" "$1" "$CONE" "$DET" "$STEP1" "$LC" "$W" "$BIG" "$BIGMAX" <<'PY'
import sys, time, warnings
warnings.simplefilter("ignore")
import pyvo, requests
tap, mode, cone, det, step1, lc, w, big, bigmax = sys.argv[1:10]

def run(svc, adql, **kw):
    r = svc.search(adql, **kw) if mode == "sync" else svc.run_async(adql, **kw)
    return r.to_table()

t0 = time.time()
svc = pyvo.dal.TAPService(tap)
c = run(svc, cone)
ids = ",".join(str(i) for i in c["id"])
d = run(svc, det % ids)
t1 = time.time()
open(w + "/pyvo-cone.count", "w").write("%d objects, %d detections\n" % (len(c), len(d)))

t2 = time.time()
svc = pyvo.dal.TAPService(tap)
f = run(svc, step1)
reg = str(f["s_region"][0]).split()
poly = ", ".join(x for x in reg if x[0].isdigit() or x[0] in "-.")
l = run(svc, lc % poly)
s = requests.Session()
n = 0
for url in l["access_url"]:
    r = s.get(str(url))
    r.raise_for_status()
    n += len(r.content)
t3 = time.time()
open(w + "/pyvo-footprint.count", "w").write("%d light curves\n" % len(l))

t4 = time.time()
svc = pyvo.dal.TAPService(tap)
b = run(svc, big, maxrec=int(bigmax))
t5 = time.time()
open(w + "/pyvo-large.count", "w").write("%d rows\n" % len(b))
print(t1 - t0, t3 - t2, t5 - t4)
PY
}

echo "workflows.sh: $RUNS runs each, best of them; TAP $TAP; vofs $VOFS"
for m in sync async; do
	for i in $(seq "$RUNS"); do pyvo_time $m; done > "$W/pyvo-$m.t"
	awk '{ print $1 }' "$W/pyvo-$m.t" | best > "$W/t.pyvo-$m-cone"
	awk '{ print $2 }' "$W/pyvo-$m.t" | best > "$W/t.pyvo-$m-footprint"
	awk '{ print $3 }' "$W/pyvo-$m.t" | best > "$W/t.pyvo-$m-large"
done
for m in auto sync async; do
	for wf in cone footprint large; do
		for i in $(seq "$RUNS"); do vofs_time $m $wf; done | best > "$W/t.vofs-$m-$wf"
	done
done

ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }
for wf in cone footprint large; do
	echo
	echo "$wf: vofs $(cat "$W/vofs-$wf.count"); pyvo $(cat "$W/pyvo-$wf.count")"
	printf '  %-22s %8s\n' "pyvo search (sync)" "$(printf '%.3f s' "$(cat "$W/t.pyvo-sync-$wf")")" \
		"pyvo run_async" "$(printf '%.3f s' "$(cat "$W/t.pyvo-async-$wf")")"
	for m in auto sync async; do
		t=$(cat "$W/t.vofs-$m-$wf")
		printf '  %-22s %8s   %5sx pyvo search   %5sx pyvo run_async\n' "vofs mode=$m" \
			"$(printf '%.3f s' "$t")" "$(ratio "$t" "$(cat "$W/t.pyvo-sync-$wf")")" \
			"$(ratio "$t" "$(cat "$W/t.pyvo-async-$wf")")"
	done
done
echo
echo "goals (issue 12): cone mode=auto <= 1.2x pyvo search: $(ratio "$(cat "$W/t.vofs-auto-cone")" "$(cat "$W/t.pyvo-sync-cone")")x;" \
	"footprint mode=auto <= 1.0x pyvo + requests: $(ratio "$(cat "$W/t.vofs-auto-footprint")" "$(cat "$W/t.pyvo-sync-footprint")")x;" \
	"large mode=auto vs mode=async: $(ratio "$(cat "$W/t.vofs-auto-large")" "$(cat "$W/t.vofs-async-large")")x"
