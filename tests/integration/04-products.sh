#!/bin/bash
# DataLink products as files: the TESS-style footprint (two-step ADQL with
# a POLYGON, ~120 light curves with a direct access_url) rsynced out of the
# mount and compared with direct downloads; plates through DataLink with
# #this, #preview, links.csv and SODA cutouts; extended attributes; header
# reads that fetch only the first blocks; SIGKILL during downloads;
# eviction under cache_size; offline.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
DIRECT=$WORK/direct
mkdir -p "$DIRECT"
Q=$MNT/local/queries
stat_of() { cat "$MNT/.vofs/stats"; }
stat_val() { awk -v k="$1" '$1 == k {print $2}' "$MNT/.vofs/stats"; }

check "mount" vofs_mount -o cache_size=2G

# --- step 1: the FFI footprint --------------------------------------------------
run_query "$Q/ffi" "SELECT s_region FROM ivoa.obscore WHERE obs_id='ffi-0001'"
st=$(wait_final "$Q/ffi")
check "step 1 (footprint of ffi-0001) completes" grep -q "^COMPLETED rows=1 " <<<"$st"
region=$(sed -n 2p "$Q/ffi/result.csv" | tr -d '\r"')
poly=$(sed -E 's/^[Pp]olygon +ICRS +//; s/ +/, /g' <<<"$region")
check "s_region is an ICRS polygon ($region)" grep -qE "^Polygon ICRS( [0-9.-]+){8}$" <<<"$region"
# products/ is there from the moment the query is (its listing waits for
# a run); without a product column it is empty
check "step 1 has an empty products directory (no product column)" \
	test -d "$Q/ffi/products" -a -z "$(ls -A "$Q/ffi/products")"

# --- step 2: light curves inside it -----------------------------------------------
LCQ="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc'
 AND 1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $poly))"
run_query "$Q/lc" "$LCQ"
st=$(wait_final "$Q/lc")
check "step 2 (light curves in the footprint) gives 120 rows" grep -q "^COMPLETED rows=120 " <<<"$st"
t0=$(date +%s.%N)
n=$(ls "$Q/lc/products" | wc -l)
t1=$(date +%s.%N)
check_eq "products/ lists 120 files" 120 "$n"
echo "    # cold ls of 120 products: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s"
check "plain obs_ids are <obs_id>.fits" test -f "$Q/lc/products/lc-0001.fits"
check "an obs_id with '/' is escaped (tic 1234%2Fb.fits)" test -f "$Q/lc/products/tic 1234%2Fb.fits"
check "an obs_id with a leading dot is escaped (%2Elc-hidden.fits)" test -f "$Q/lc/products/%2Elc-hidden.fits"
long=$(ls "$Q/lc/products" | grep '^lc-0013-long' || true)
check "a 300-character obs_id is shortened with a hash (${#long} bytes)" \
	bash -c "[ ${#long} -le 205 ] && grep -qE '~[0-9a-f]{8}\.fits$' <<<'$long'"

# exact sizes: the server's Content-Range totals; direct downloads to compare
check "ls -l sizes are the servers' exact sizes; every file has user.vo.url" $PY - "$Q/lc/products" "$DIRECT" <<'PYEOF'
import os, sys, urllib.request
d, direct = sys.argv[1:]
bad = 0
for name in sorted(os.listdir(d)):
    p = os.path.join(d, name)
    url = os.getxattr(p, "user.vo.url").decode()
    req = urllib.request.Request(url, headers={"Range": "bytes=0-0"})
    with urllib.request.urlopen(req) as r:
        total = int(r.headers["Content-Range"].split("/")[1])
    if os.stat(p).st_size != total:
        bad += 1
        print("size of %s: mount %d, server %d" % (name, os.stat(p).st_size, total))
    urllib.request.urlretrieve(url, os.path.join(direct, os.path.basename(url)))
sys.exit(1 if bad else 0)
PYEOF
check "user.vo.semantics of a direct product is #this" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.semantics '$Q/lc/products/lc-0001.fits' | grep -qx '#this'"
check "user.vo.obs_id keeps the raw obs_id" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.obs_id '$Q/lc/products/tic 1234%2Fb.fits' | grep -qx 'tic 1234/b'"

# two readers of the same uncached file: each byte downloaded once (the
# last name, so no prefetch of next files counts)
r0=$(stat_val bytes_fetched)
LAST="$Q/lc/products/tic 1234%2Fb.fits"
cat "$LAST" > "$WORK/r1" & p1=$!
cat "$LAST" > "$WORK/r2" & p2=$!
wait $p1 $p2   # not a bare wait: the daemon is a background job too
check "two concurrent readers of one file both get the server's bytes" \
	bash -c "cmp '$WORK/r1' '$DIRECT/lc-0011.fits' && cmp '$WORK/r2' '$DIRECT/lc-0011.fits'"
lsize=$(stat -c %s "$LAST")
check "  and each byte was downloaded once ($(( $(stat_val bytes_fetched) - r0 )) bytes fetched for $lsize)" test $(( $(stat_val bytes_fetched) - r0 )) -eq "$lsize"

# --- rsync, checksums, a second rsync copies nothing ----------------------------------
req0=$(stat_val requests)
t0=$(date +%s.%N)
check "rsync -a of products/ succeeds" rsync -a "$Q/lc/products/" "$WORK/rs/"
t1=$(date +%s.%N)
echo "    # rsync of 120 light curves: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b-a}') s, $(( $(stat_val requests) - req0 )) requests"
bad=0
for f in "$WORK/rs/"*; do
	obs=$(getfattr --absolute-names --only-values -n user.vo.url "$Q/lc/products/$(basename "$f")" 2>/dev/null)
	d="$DIRECT/$(basename "$obs")"
	if ! cmp -s "$f" "$d"; then bad=$((bad + 1)); echo "    # differs: $f vs $d"; fi
done
check_eq "all 120 rsynced files equal their direct downloads" 0 "$bad"
check "sha256 of the rsynced tree equals the direct downloads'" bash -c "
	cd '$WORK/rs' && sha256sum * | awk '{print \$1}' | sort > '$WORK/a.sum'
	cd '$DIRECT' && sha256sum * | awk '{print \$1}' | sort | grep -Fxf '$WORK/a.sum' | wc -l | grep -qx 120"
out=$(rsync -a --stats "$Q/lc/products/" "$WORK/rs/" 2>&1)
check "a second rsync -a transfers nothing" grep -q "Number of regular files transferred: 0" <<<"$out"
fetched=$(stat_val bytes_fetched)
cat "$Q/lc/products/lc-0002.fits" > /dev/null
check_eq "re-reading a cached product fetches nothing" "$fetched" "$(stat_val bytes_fetched)"

# --- plates through DataLink ----------------------------------------------------------
run_query "$Q/plates" "SELECT obs_id, obs_publisher_did, access_url, access_format, s_ra, s_dec
 FROM ivoa.obscore WHERE obs_collection='vofsplates' ORDER BY obs_id"
st=$(wait_final "$Q/plates")
check "plates query completes (13 rows)" grep -q "^COMPLETED rows=13 " <<<"$st"
req0=$(stat_val requests)
ls "$Q/plates/products/ffi-0001/" > "$WORK/ffi.ls" 2>&1
check "ffi-0001/ is a directory with this.fits, preview.png, links.csv" \
	bash -c "grep -qx this.fits '$WORK/ffi.ls' && grep -qx preview.png '$WORK/ffi.ls' && grep -qx links.csv '$WORK/ffi.ls'"
cat "$WORK/ffi.ls" | sed 's/^/    # ffi-0001\/: /'
ls "$Q/plates/products/"*/ > /dev/null
dlreq=$(grep -c "dlmeta" "$LOG" || true)
echo "    # DataLink requests logged: $dlreq (debug off: 0 expected), total requests for 13 directories: $(( $(stat_val requests) - req0 ))"
check "links.csv has the DataLink header and the #this row" \
	bash -c "head -1 '$Q/plates/products/ffi-0001/links.csv' | grep -qi 'ID,access_url' && grep -q '#this' '$Q/plates/products/ffi-0001/links.csv'"
this_url=$(getfattr --absolute-names --only-values -n user.vo.url "$Q/plates/products/ffi-0001/this.fits")
check "this.fits has user.vo.url (dlget)" grep -q "/dl/dlget?ID=" <<<"$this_url"
check "this.fits has user.vo.content_type image/fits" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.content_type '$Q/plates/products/ffi-0001/this.fits' | grep -qx image/fits"
check "preview.png has user.vo.semantics #preview" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.semantics '$Q/plates/products/ffi-0001/preview.png' | grep -qx '#preview'"
check "the directory has user.vo.obs_id ffi-0001" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.obs_id '$Q/plates/products/ffi-0001' | grep -qx ffi-0001"
check_eq "this.fits size is the DataLink content_length" 16784640 "$(stat -c %s "$Q/plates/products/ffi-0001/this.fits")"

# a header-only read of the 16 MB image fetches only the first block(s)
f0=$(stat_val bytes_fetched)
check "astropy reads the header of this.fits through the mount" \
	$PY -c "from astropy.io import fits; h = fits.getheader('$Q/plates/products/ffi-0001/this.fits'); assert h['NAXIS1'] == 2048, h"
# the stream behind the read stops when the file is closed
no_transfers() { [ "$(stat_val transfers_in_flight)" = 0 ]; }
check "after the header read no transfer is left in flight" wait_for 10 no_transfers
f1=$(stat_val bytes_fetched)
check "the header read fetched at most 256 KiB of 16 MiB ($((f1 - f0)) bytes)" test $((f1 - f0)) -le 262144
# a 64 KiB read at 15 MiB (cold there): one ranged request there, not a
# stream from the header to it
check "a 64 KiB read at 15 MiB of this.fits" \
	$PY -c "f = open('$Q/plates/products/ffi-0001/this.fits', 'rb'); f.seek(15 << 20); assert len(f.read(65536)) == 65536"
check "after the seek no transfer is left in flight" wait_for 10 no_transfers
f2=$(stat_val bytes_fetched)
check "  it fetched at most 512 KiB ($((f2 - f1)) bytes)" test $((f2 - f1)) -le 524288
curl -sf -o "$DIRECT/ffi.fits" "$this_url"
check "this.fits read whole equals the direct download" cmp "$Q/plates/products/ffi-0001/this.fits" "$DIRECT/ffi.fits"
check "astropy data through the mount equals the direct file's" $PY -c "
from astropy.io import fits; import numpy
a = fits.getdata('$Q/plates/products/ffi-0001/this.fits'); b = fits.getdata('$DIRECT/ffi.fits')
assert a.shape == (2048, 2048) and numpy.array_equal(a, b)"
prev_url=$(getfattr --absolute-names --only-values -n user.vo.url "$Q/plates/products/plate-0001/preview.png")
curl -sf -o "$DIRECT/prev.png" "$prev_url"
check "preview.png equals its URL's bytes and is a PNG" bash -c "cmp '$Q/plates/products/plate-0001/preview.png' '$DIRECT/prev.png' && file '$DIRECT/prev.png' | grep -q PNG || head -c 8 '$DIRECT/prev.png' | grep -q PNG"

# --- cutouts ----------------------------------------------------------------------------
check "no cutout.fits while the query has no cutout" test ! -e "$Q/plates/products/plate-0001/cutout.fits"
err=$(echo "CIRCLE 156 95 0.1" 2>&1 > "$Q/plates/cutout")
check "a cutout with latitude 95 is refused (EINVAL)" bash -c "! echo 'CIRCLE 156 95 0.1' > '$Q/plates/cutout'"
check "a malformed cutout is refused" bash -c "! echo 'SQUARE 1 2' > '$Q/plates/cutout'"
check "a SODA POS is accepted" bash -c "echo 'CIRCLE 156.01 48.15 0.05' > '$Q/plates/cutout'"
check_eq "cutout reads back" "CIRCLE 156.01 48.15 0.05" "$(cat "$Q/plates/cutout")"
# the kernel keeps the "no cutout.fits" above for entry_timeout (1 s)
check "cutout.fits appears in the product directories (within 3 s)" \
	wait_for 3 test -e "$Q/plates/products/ffi-0001/cutout.fits"
check "the cutout is a FITS whose WCS covers the circle" $PY -c "
from astropy.io import fits; from astropy.wcs import WCS; import numpy
h = fits.open('$Q/plates/products/ffi-0001/cutout.fits')
hdu = [x for x in h if x.data is not None][0]
w = WCS(hdu.header); ny, nx = hdu.data.shape
ra, dec, r = 156.01, 48.15, 0.05
import math
for ang in range(0, 360, 30):
    p = (ra + r * math.cos(math.radians(ang)) / math.cos(math.radians(dec)), dec + r * math.sin(math.radians(ang)))
    x, y = w.all_world2pix([[p[0], p[1]]], 0)[0]
    assert -1 <= x <= nx and -1 <= y <= ny, (p, x, y, nx, ny)
assert nx < 2048 and ny < 2048
"
csize=$(stat -c %s "$Q/plates/products/ffi-0001/cutout.fits")
check "after reading, the cutout's size is known (${csize} bytes)" test "$csize" -gt 2880
check "a plate the region misses has no cutout.fits (the server's 204)" \
	bash -c "ls '$Q/plates/products/plate-0010/' | grep -qx this.fits && ! ls '$Q/plates/products/plate-0010/' | grep -qx cutout.fits"
check "user.vo.url of cutout.fits is the SODA request with POS" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.url '$Q/plates/products/ffi-0001/cutout.fits' | grep -q 'dlget?.*POS=CIRCLE'"

# --- SIGKILL during downloads, then byte-identical files ----------------------------
check "unmount" vofs_umount
rm -rf "$CACHE"; mkdir -p "$CACHE"
check "mount with a fresh cache" vofs_mount
check_eq "... which holds nothing (cache_used_bytes)" 0 "$(stat_val cache_used_bytes)"
check "... and no query (queries/ is empty)" test -z "$(ls -A "$Q")"
run_query "$Q/lc" "$LCQ"
check "the light-curve query runs again from scratch" grep -q "^COMPLETED rows=120 " <(wait_final "$Q/lc")
(cat "$Q/lc/products/"lc-00[2-6]*.fits > /dev/null 2>&1 &)
# kill the moment .vofs/transfers lists a product download in flight
product_in_flight() { grep -m1 '^product ' "$MNT/.vofs/transfers" > "$WORK/inflight"; }
WAIT_STEP=0.01 wait_for 20 product_in_flight
kill -9 "$VOFS_PID"; wait "$VOFS_PID" 2>/dev/null; VOFS_PID=
fusermount3 -uz "$MNT" 2>/dev/null
check "a product download was in flight when the daemon was SIGKILLed ($(cat "$WORK/inflight"))" \
	test -s "$WORK/inflight"
check "remount after SIGKILL mid-download" vofs_mount
bad=0
for f in "$Q/lc/products/"lc-00[1-6]*.fits; do
	u=$(getfattr --absolute-names --only-values -n user.vo.url "$f")
	cmp -s "$f" "$DIRECT/$(basename "$u")" || { bad=$((bad + 1)); echo "    # differs after SIGKILL: $f"; }
done
check_eq "every file read after the SIGKILL equals the server's" 0 "$bad"
check "unmount" vofs_umount

# --- eviction keeps the cache under cache_size ------------------------------------------
rm -rf "$CACHE"; mkdir -p "$CACHE"
check "mount with cache_size=24M" vofs_mount -o cache_size=24M
run_query "$Q/lc" "$LCQ"; wait_final "$Q/lc" > /dev/null
maxused=0; bad=0
for f in "$Q/lc/products/"lc-00[0-4]*.fits; do
	u=$(getfattr --absolute-names --only-values -n user.vo.url "$f")
	cmp -s "$f" "$DIRECT/$(basename "$u")" || bad=$((bad + 1))
	used=$(stat_val cache_used_bytes)
	[ "$used" -gt "$maxused" ] && maxused=$used
done
check_eq "files read while evicting are all correct" 0 "$bad"
check "the cache stayed under 24 MiB + one file in flight (peak $maxused bytes)" test "$maxused" -le $((24 * 1048576 + 3 * 1048576))
check "blocks were evicted ($(stat_val blocks_evicted))" test "$(stat_val blocks_evicted)" -gt 0
check "unmount" vofs_umount

# --- offline: what is cached is served, the rest is ENETDOWN --------------------------------
check "mount (default cache size)" vofs_mount
check "read lc-0060 whole" cmp "$Q/lc/products/lc-0060.fits" "$DIRECT/lc-0060.fits"
check "unmount" vofs_umount
check "mount offline" vofs_mount -o offline
check "offline: a cached product is served byte-identical" cmp "$Q/lc/products/lc-0060.fits" "$DIRECT/lc-0060.fits"
e=$(cat "$Q/lc/products/lc-0001.fits" 2>&1 >/dev/null)
check "offline: an evicted product fails with 'Network is down'" grep -q "Network is down" <<<"$e"
mkdir "$Q/new" && echo "SELECT TOP 1 * FROM ivoa.obscore" > "$Q/new/query.adql"
st=$(wait_final "$Q/new")
check "offline: a new query ends in ERROR saying so" grep -q "offline" "$Q/new/error"
check "unmount" vofs_umount

check_log_clean
finish
