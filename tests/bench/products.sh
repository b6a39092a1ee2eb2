#!/bin/bash
# Benchmark: DataLink products through the mount vs curl, a local copy and
# pyvo + requests, side by side on the test archive (tests/server/setup.sh
# must have run).  Each figure is the best of $RUNS runs; every cold run
# uses a fresh cache directory and a fresh mount.
#
#   1. cold sequential read of the 16 MiB FFI (#this of ffi-0001, through
#      DataLink) with cat, vs curl of its URL                 target <= 1.2x
#   2. warm read: again through the mount (page cache), and after a
#      remount (from the block cache on disk), vs cat of a local copy
#                                                              target <= 2x
#   3. the footprint's 120 light curves: rsync -a of products/ (sizes learnt
#      cold, then every byte fetched), vs the pyvo + requests loop users
#      write today (run_sync, then one requests.get per access_url), vs a
#      plain curl loop.  Both with the query included, and downloads only.
#                                                      target <= 0.7x pyvo
#      And again with 50 ms added to every product request (the fault
#      proxy's delay; both sides get the same URLs): a WAN round trip.
#   4. ls -l, cold, of a products directory of 508 entries     target < 2 s
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOFS=${VOFS_BIN:-$ROOT/build/fs/vofs}
TAP=${TAP_URL:-http://127.0.0.1:8080/tap}
RUNS=${RUNS:-3}
W=$(mktemp -d /tmp/vofs-pbench.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT"
now() { date +%s.%N; }
best() { sort -g | head -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
cleanup() { mountpoint -q "$MNT" && fusermount3 -u "$MNT"; rm -rf "$W"; }
trap cleanup EXIT

cat > "$W/services.ini" <<EOF
[local]
url = $TAP
mode = sync
EOF
. "$ROOT/tests/bench/common.sh"   # mount_fresh [keep], umount_it
wait_done() { while ! grep -qE "^(COMPLETED|ERROR)" "$1/status"; do sleep 0.05; done; }
Q=$MNT/local/queries

FFIQ="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore WHERE obs_id='ffi-0001'"
POLY="157.465738867, 46.990749109, 157.523658608, 48.989866016, 154.476341392, 48.989866016, 154.534261133, 46.990749109"
LCQ="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore WHERE obs_collection='vofslc' AND 1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $POLY))"
BIGQ="SELECT lc.obs_id || '-' || c.name AS obs_id,
 'http://127.0.0.1:8080/getproduct/' || lc.access_url || '?copy=' || c.name AS access_url,
 lc.access_format FROM ivoa.obscore AS lc CROSS JOIN vofstest.cat AS c
 WHERE lc.obs_collection='vofslc' AND c.id BETWEEN 30 AND 33"

# what users write today: pyvo for the query, requests for the files;
# prints the total time and the time of the downloads
cat > "$W/pyvo_loop.py" <<'PY'
import os, sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.time()
import pyvo, requests
tap, adql, out = sys.argv[1:]
rows = pyvo.dal.TAPService(tap).run_sync(adql)
t1 = time.time()
s = requests.Session()
for r in rows:
    url = r["access_url"]
    with s.get(url, stream=True) as resp:
        resp.raise_for_status()
        with open(os.path.join(out, url.rsplit("/", 1)[1]), "wb") as f:
            for chunk in resp.iter_content(1 << 20):
                f.write(chunk)
t2 = time.time()
assert len(os.listdir(out)) == 120
print(t2 - t0, t2 - t1)
PY

# --- 1. cold 16 MiB read vs curl ----------------------------------------------------------
mount_fresh
mkdir "$Q/ffi"; echo "$FFIQ" > "$Q/ffi/query.adql"; wait_done "$Q/ffi"
FFI=$Q/ffi/products/ffi-0001/this.fits
URL=$(getfattr --absolute-names --only-values -n user.vo.url "$FFI")
SIZE=$(stat -c %s "$FFI")
umount_it
for i in $(seq "$RUNS"); do
	t0=$(now); curl -sf -o /dev/null "$URL"; echo "$(now) - $t0" | bc
done | best > "$W/t.curl16"
for i in $(seq "$RUNS"); do
	mount_fresh
	mkdir "$Q/ffi"; echo "$FFIQ" > "$Q/ffi/query.adql"; wait_done "$Q/ffi"
	ls -l "$Q/ffi/products/ffi-0001/" > /dev/null      # DataLink resolved: not timed
	t0=$(now); cat "$FFI" > /dev/null; echo "$(now) - $t0" | bc >> "$W/t.cold16.all"
	[ "$i" = "$RUNS" ] || umount_it
done
best < "$W/t.cold16.all" > "$W/t.cold16"

# --- 2. warm reads vs a local copy --------------------------------------------------------
cp "$FFI" "$W/local.fits"
cmp "$FFI" "$W/local.fits"
for i in $(seq "$RUNS"); do t0=$(now); cat "$FFI" > /dev/null; echo "$(now) - $t0" | bc; done | best > "$W/t.warm16"
for i in $(seq "$RUNS"); do t0=$(now); cat "$W/local.fits" > /dev/null; echo "$(now) - $t0" | bc; done | best > "$W/t.local16"
for i in $(seq "$RUNS"); do
	umount_it; mount_fresh keep
	t0=$(now); cat "$FFI" > /dev/null; echo "$(now) - $t0" | bc
done | best > "$W/t.store16"
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
for i in 1; do t0=$(now); cat "$W/local.fits" > /dev/null; echo "$(now) - $t0" | bc; done > "$W/t.localcold16"
umount_it

# --- 3. 120 light curves: rsync vs pyvo + requests vs curl --------------------------------
for i in $(seq "$RUNS"); do
	rm -rf "$W/rs"
	mount_fresh
	t0=$(now)
	mkdir "$Q/lc"; echo "$LCQ" > "$Q/lc/query.adql"; wait_done "$Q/lc"
	t1=$(now)
	rsync -a "$Q/lc/products/" "$W/rs/"
	t2=$(now)
	echo "$(echo "$t2 - $t0" | bc) $(echo "$t2 - $t1" | bc)" >> "$W/t.rsync.all"
	n=$(ls "$W/rs" | wc -l)
	[ "$n" = 120 ] || { echo "rsync copied $n files"; exit 1; }
	umount_it
done
sort -g -k1 "$W/t.rsync.all" | head -1 > "$W/t.rsync"
for i in $(seq "$RUNS"); do
	rm -rf "$W/py"; mkdir "$W/py"
	/usr/bin/python3 "$W/pyvo_loop.py" "$TAP" "$LCQ" "$W/py" >> "$W/t.pyvo.all"
done
sort -g -k1 "$W/t.pyvo.all" | head -1 > "$W/t.pyvo"
curl -sf -d LANG=ADQL -d RESPONSEFORMAT=csv --data-urlencode "QUERY=$LCQ" "$TAP/sync" |
	sed 1d | awk -F, '{print $3}' | tr -d '\r"' > "$W/urls"
for i in $(seq "$RUNS"); do
	rm -rf "$W/cu"; mkdir "$W/cu"
	t0=$(now)
	(cd "$W/cu" && while read -r u; do curl -sf -O "$u"; done < "$W/urls")
	echo "$(now) - $t0" | bc
done | best > "$W/t.curlloop"
cmp <(cd "$W/rs" && cat lc-0001.fits lc-0050.fits) <(cd "$W/cu" && cat lc-0001.fits lc-0050.fits)

# --- 3b. the same with a 50 ms round trip per request (a WAN, as from Europe
# to MAST): product URLs through the fault proxy's delay, for both sides ----------------
bash "$ROOT/tests/server/proxy.sh" start > /dev/null
LCQW="SELECT obs_id, 'http://127.0.0.1:8090/f/delay=0.05/getproduct/' || access_url AS access_url,
 access_format FROM ivoa.obscore WHERE obs_collection='vofslc'
 AND 1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $POLY))"
for i in $(seq "$RUNS"); do
	rm -rf "$W/rsw"
	mount_fresh
	t0=$(now)
	mkdir "$Q/lcw"; echo "$LCQW" > "$Q/lcw/query.adql"; wait_done "$Q/lcw"
	rsync -a "$Q/lcw/products/" "$W/rsw/"
	echo "$(now) - $t0" | bc >> "$W/t.rsyncw.all"
	[ "$(ls "$W/rsw" | wc -l)" = 120 ] || { echo "rsync (WAN) copied too few"; exit 1; }
	umount_it
done
best < "$W/t.rsyncw.all" > "$W/t.rsyncw"
for i in $(seq "$RUNS"); do
	rm -rf "$W/pyw"; mkdir "$W/pyw"
	/usr/bin/python3 "$W/pyvo_loop.py" "$TAP" "$LCQW" "$W/pyw" | awk '{print $1}' >> "$W/t.pyvow.all"
done
best < "$W/t.pyvow.all" > "$W/t.pyvow"
cmp "$W/rsw/lc-0007.fits" "$W/py/lc-0007.fits"

# --- 4. ls -l of 508 products, cold -----------------------------------------------------------
for i in $(seq "$RUNS"); do
	mount_fresh
	mkdir "$Q/big"; echo "$BIGQ" > "$Q/big/query.adql"; wait_done "$Q/big"
	t0=$(now); n=$(ls -l "$Q/big/products" | grep -c '^-'); echo "$(now) - $t0" | bc >> "$W/t.ls.all"
	[ "$n" -ge 500 ] || { echo "only $n products"; exit 1; }
	umount_it
done
best < "$W/t.ls.all" > "$W/t.ls"

read -r rs_all rs_dl < "$W/t.rsync"
read -r py_all py_dl < "$W/t.pyvo"
c16=$(cat "$W/t.curl16"); m16=$(cat "$W/t.cold16")
w16=$(cat "$W/t.warm16"); s16=$(cat "$W/t.store16"); l16=$(cat "$W/t.local16")
lc16=$(cat "$W/t.localcold16"); cl=$(cat "$W/t.curlloop"); ls=$(cat "$W/t.ls")
printf '\nproducts benchmark (best of %d; loopback DaCHS; %s bytes FFI)\n' "$RUNS" "$SIZE"
printf '%-58s %8.3f s\n' "curl of the 16 MiB FFI (baseline)" "$c16"
printf '%-58s %8.3f s  %sx curl (target <= 1.2)\n' "mount cold: cat this.fits" "$m16" "$(ratio "$m16" "$c16")"
printf '%-58s %8.3f s\n' "local copy, page cache (baseline)" "$l16"
printf '%-58s %8.3f s  %sx local (target <= 2)\n' "mount warm: cat again (page cache)" "$w16" "$(ratio "$w16" "$l16")"
printf '%-58s %8.3f s  %sx local, %sx local from disk (%.3f s)\n' "mount warm after remount (block cache on disk)" "$s16" \
	"$(ratio "$s16" "$l16")" "$(ratio "$s16" "$lc16")" "$lc16"
printf '%-58s %8.3f s\n' "curl loop over the 120 URLs (downloads only)" "$cl"
printf '%-58s %8.3f s  (downloads %.3f s)\n' "pyvo run_sync + requests loop (query + downloads)" "$py_all" "$py_dl"
printf '%-58s %8.3f s  (rsync %.3f s)  %sx pyvo (target <= 0.7), downloads %sx pyvo, %sx curl loop\n' \
	"mount: query + rsync -a products/ (sync mode)" "$rs_all" "$rs_dl" "$(ratio "$rs_all" "$py_all")" \
	"$(ratio "$rs_dl" "$py_dl")" "$(ratio "$rs_dl" "$cl")"
rw=$(cat "$W/t.rsyncw"); pw=$(cat "$W/t.pyvow")
printf '%-58s %8.3f s\n' "pyvo + requests, 50 ms per request (query + downloads)" "$pw"
printf '%-58s %8.3f s  %sx pyvo (target <= 0.7)\n' "mount: query + rsync -a, 50 ms per request" "$rw" "$(ratio "$rw" "$pw")"
printf '%-58s %8.3f s  (target < 2)\n' "ls -l cold of 508 products (sizes probed)" "$ls"
