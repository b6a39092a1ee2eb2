#!/bin/bash
# Benchmark (issue 13): a table uploaded with a query (TAP_UPLOAD) and
# joined with vofstest.phot (300,000 rows), through the mount against curl
# and pyvo, side by side.
#
#   small  1,000 object ids (a 6 kB CSV): 3,000 rows back
#   large  100,000 object ids (a 590 kB CSV; about 3.6 MB as VOTable, over
#          what DaCHS takes on /sync) with MAXREC 300000: 300,000 rows back,
#          through a UWS job (auto mode: MAXREC above its sync limit)
#   chain  the small join's result uploaded by a symbolic link into a
#          second query (SELECT COUNT(*) FROM TAP_UPLOAD.m): vofs renders
#          the stored result as VOTable; pyvo passes its astropy table
#
# vofs (mode = auto, the default): a fresh mount and an empty cache per
# run, timed from `cp ids.csv upload/` to the last byte of result.csv.
# curl: the same query with astropy's VOTable of the CSV (made beforehand,
# not timed), POSTed to /sync (small) or as a UWS job (large: /sync refuses
# it), the result read to its end; the floor, as nothing is converted.
# pyvo: TAPService.search(uploads={'ids': Table.read(csv)}) (small) or
# run_async (large), one python3 process per run, timed after its imports
# and including the CSV read, the result made an astropy table.
# Best of $RUNS runs (default 3).
# Needs the test archive (tests/server/setup.sh) and python3-pyvo.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOFS=${VOFS_BIN:-$ROOT/build/fs/vofs}
TAP=${TAP_URL:-http://127.0.0.1:8080/tap}
RUNS=${RUNS:-3}
PY=/usr/bin/python3
JOIN="SELECT p.phot_id, p.obj_id, p.epoch, p.flux FROM vofstest.phot AS p JOIN TAP_UPLOAD.ids AS u ON p.obj_id = u.id"
COUNT="SELECT COUNT(*) AS n FROM TAP_UPLOAD.m"
W=$(mktemp -d /tmp/vofs-bench-up.XXXXXX)
MNT=$W/mnt; mkdir -p "$MNT"
. "$ROOT/tests/bench/common.sh"
now() { date +%s.%N; }
best() { sort -g | head -1; }
ratio() { echo "scale=2; $1 / $2" | bc | sed 's/^\./0./'; }

$PY -c 'import pyvo' 2>/dev/null || { echo "uploads.sh: needs python3-pyvo (apt-get install python3-pyvo)" >&2; exit 1; }
curl -sf -o /dev/null "$TAP/capabilities" || { echo "uploads.sh: no TAP service at $TAP (bash tests/server/setup.sh)" >&2; exit 1; }
cleanup() { mountpoint -q "$MNT" && fusermount3 -u "$MNT"; [ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT

$PY -c 'print("id"); [print(1 + 97 * k) for k in range(1000)]' > "$W/small.csv"
$PY -c 'print("id"); [print(k) for k in range(1, 100001)]' > "$W/large.csv"
for s in small large; do
	$PY -c "from astropy.table import Table; Table.read('$W/$s.csv', format='csv').write('$W/$s.vot', format='votable')" 2>/dev/null
done

# --- through the mount -----------------------------------------------------------------
printf '[local]\nurl = %s\n' "$TAP" > "$W/services.ini"
vofs_time() {   # vofs_time small|large|chain
	local q=$MNT/local/queries t0 t1 s=$1
	mount_fresh
	mkdir "$q/j"
	[ "$s" = chain ] && s=small
	t0=$(now)
	cp "$W/$s.csv" "$q/j/upload/ids.csv"
	[ "$s" = large ] && echo 300000 > "$q/j/maxrec"
	echo "$JOIN" > "$q/j/query.adql"
	if [ "$1" = chain ]; then
		mkdir "$q/c"
		ln -s ../../j/result.vot "$q/c/upload/m.vot"
		echo "$COUNT" > "$q/c/query.adql"
		cat "$q/c/result.csv" > "$W/vofs-$1.out"
	else
		cat "$q/j/result.csv" > "$W/vofs-$1.out"
	fi
	t1=$(now)
	umount_it
	echo "$t1 - $t0" | bc
}

# --- curl: the floor ----------------------------------------------------------------------
curl_time() {   # curl_time small|large
	local t0 t1 job
	t0=$(now)
	if [ "$1" = small ]; then
		curl -sf -F REQUEST=doQuery -F LANG=ADQL -F "QUERY=$JOIN" -F "UPLOAD=ids,param:ids" \
			-F "ids=@$W/small.vot;type=application/x-votable+xml" "$TAP/sync" -o "$W/curl-$1.out"
	else
		job=$(curl -sf -o /dev/null -w '%{redirect_url}' -F REQUEST=doQuery -F LANG=ADQL \
			-F "QUERY=$JOIN" -F MAXREC=300000 -F "UPLOAD=ids,param:ids" \
			-F "ids=@$W/large.vot;type=application/x-votable+xml" "$TAP/async")
		curl -sf -o /dev/null -d PHASE=RUN "$job/phase"
		until curl -sf "$job/phase" | grep -qE 'COMPLETED|ERROR|ABORTED'; do sleep 0.05; done
		curl -sfL "$job/results/result" -o "$W/curl-$1.out"
		curl -sf -o /dev/null -X DELETE "$job" || true
	fi
	t1=$(now)
	echo "$t1 - $t0" | bc
}

# --- pyvo ----------------------------------------------------------------------------------
pyvo_time() {   # pyvo_time small|large|chain
	$PY - "$TAP" "$1" "$W" "$JOIN" "$COUNT" <<'PY'
import sys, time, warnings
warnings.simplefilter("ignore")
import pyvo
from astropy.table import Table
tap, which, w, join, count = sys.argv[1:6]
t0 = time.time()
svc = pyvo.dal.TAPService(tap)
ids = Table.read(w + "/" + ("large" if which == "large" else "small") + ".csv", format="csv")
if which == "large":
    r = svc.run_async(join, uploads={"ids": ids}, maxrec=300000).to_table()
else:
    r = svc.search(join, uploads={"ids": ids}).to_table()
if which == "chain":
    r = svc.search(count, uploads={"m": r}).to_table()
t1 = time.time()
open(w + "/pyvo-" + which + ".rows", "w").write("%d\n" % (r["n"][0] if which == "chain" else len(r)))
print(t1 - t0)
PY
}

echo "uploads.sh: $RUNS runs each, best of them; TAP $TAP; vofs $VOFS"
CASES=${CASES:-small large chain}
for s in $CASES; do
	for i in $(seq "$RUNS"); do vofs_time $s; done | best > "$W/t.vofs-$s"
	for i in $(seq "$RUNS"); do pyvo_time $s; done | best > "$W/t.pyvo-$s"
done
for s in $CASES; do
	[ "$s" = chain ] && continue
	for i in $(seq "$RUNS"); do curl_time $s; done | best > "$W/t.curl-$s"
done

rows() { $PY -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"; }
echo
for s in $CASES; do
	if [ "$s" = chain ]; then
		echo "$s: vofs counts $(tail -1 "$W/vofs-$s.out" | tr -d '\r'), pyvo $(cat "$W/pyvo-$s.rows")"
	else
		echo "$s: vofs $(rows "$W/vofs-$s.out") rows, pyvo $(cat "$W/pyvo-$s.rows") rows"
	fi
	tv=$(cat "$W/t.vofs-$s") tp=$(cat "$W/t.pyvo-$s")
	if [ -s "$W/t.curl-$s" ] 2>/dev/null; then
		tc=$(cat "$W/t.curl-$s")
		printf '  %-26s %8s\n' "curl (VOTable ready)" "$(printf '%.3f s' "$tc")"
	fi
	printf '  %-26s %8s\n' "pyvo" "$(printf '%.3f s' "$tp")"
	printf '  %-26s %8s   %5sx pyvo%s\n' "vofs (cp, query, cat)" "$(printf '%.3f s' "$tv")" \
		"$(ratio "$tv" "$tp")" "$([ -s "$W/t.curl-$s" ] && echo "   $(ratio "$tv" "$tc")x curl" || true)"
done
