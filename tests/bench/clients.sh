#!/bin/bash
# Benchmark: real clients on mount paths vs the same file on local disk, on
# the test archive (tests/server/setup.sh must have run).  Not part of
# tests/run.sh: run it by hand, RUNS=N bash tests/bench/clients.sh (every
# figure is the best of $RUNS runs, default 3; every "cold" run uses a fresh
# cache directory and a fresh mount, in mode=sync).
#
#   1. ds9 (under Xvfb, driven through XPA): xpaset -p file of the 16 MiB FFI
#      (products/ffi-0001/this.fits of the plates query, through DataLink):
#      mount cold, mount warm (the second load), vs the file downloaded with
#      curl from its user.vo.url to local disk (page cache warm)
#   2. astropy: fits.open(memmap=True) and the primary header only, cold
#      mount vs local (and the bytes the mount fetched for it, from
#      .vofs/stats: a header read needs the first blocks only); the sum of
#      the data with memmap=False, cold and warm mount vs local.  Timed in
#      Python, around fits.open (the interpreter and the imports are not).
#   3. STILTS: tpipe omode=count of result.vot and result.csv of a
#      100000-row query (vofstest.cat, maxrec 100000), mount vs a local
#      copy (cp from the mount; page cache warm for both).  STILTS's own
#      work (JVM start-up, timed alone on a 1-row CSV, and parsing) is
#      nearly all of it; cat > /dev/null of both shows the reading alone
#   4. du -sh, find | wc -l, tar c | wc -c over queries/ holding a
#      light-curve query and its 130 products, warm (everything read once),
#      vs the same tree copied to local disk
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOFS=${VOFS_BIN:-$ROOT/build/fs/vofs}
TAP=${TAP_URL:-http://127.0.0.1:8080/tap}
RUNS=${RUNS:-3}
PY=/usr/bin/python3
W=$(mktemp -d /tmp/vofs-cbench.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT"
. "$ROOT/tests/bench/common.sh"   # PID, mount_fresh (a fresh cache every time), umount_it
DS9_PID='' XVFB_PID=''

cleanup() {
	set +e
	if [ -n "$DS9_PID" ]; then
		xpaset -p "$DS9" exit > /dev/null 2>&1
		for _ in $(seq 30); do kill -0 "$DS9_PID" 2>/dev/null || break; sleep 0.1; done
		kill "$DS9_PID" 2>/dev/null; wait "$DS9_PID" 2>/dev/null
	fi
	[ -n "$XVFB_PID" ] && { kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; }
	if mountpoint -q "$MNT"; then fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"; fi
	if [ -n "$PID" ]; then
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null
	fi
	chmod -R u+w "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# timeit NAME cmd...: run cmd (stdout to $W/out) and append its wall time to $W/t.NAME
timeit() {
	local name=$1; shift
	local t0=$EPOCHREALTIME
	"$@" > "$W/out"
	local t1=$EPOCHREALTIME
	awk -v a="$t1" -v b="$t0" 'BEGIN{printf "%.6f\n", a-b}' >> "$W/t.$name"
}
best() { sort -g "$W/t.$1" | head -1; }
fetched() { awk '$1=="bytes_fetched"{print $2}' "$MNT/.vofs/stats"; }
die() { echo "clients.sh: $*" >&2; [ -f "$W/vofs.log" ] && tail -5 "$W/vofs.log" >&2; exit 1; }

cat > "$W/services.ini" <<EOF
[local]
url = $TAP
mode = sync
EOF
Q=$MNT/local/queries
run_query() {   # run_query NAME ADQL [MAXREC]: create, run, wait for the end
	mkdir "$Q/$1"
	[ -z "${3:-}" ] || echo "$3" > "$Q/$1/maxrec"
	echo "$2" > "$Q/$1/query.adql"
	for _ in $(seq 1200); do
		grep -qE "^COMPLETED" "$Q/$1/status" && return 0
		grep -qE "^(ERROR|ABORTED)" "$Q/$1/status" && die "query $1: $(cat "$Q/$1/status")"
		sleep 0.05
	done
	die "query $1 did not end within 60 s"
}

PLATES="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore WHERE obs_collection='vofsplates'"
LCQ="SELECT obs_id, access_url, access_format FROM ivoa.obscore WHERE obs_collection='vofslc'"
CATQ="SELECT * FROM vofstest.cat"
FFI=$Q/plates/products/ffi-0001/this.fits
plates_ready() {   # a fresh mount with the plates query done and ffi-0001's DataLink resolved
	mount_fresh
	run_query plates "$PLATES"
	ls -l "$Q/plates/products/ffi-0001/" > /dev/null
}

cat > "$W/fits.py" <<'PY'
import sys, time
import numpy as np
from astropy.io import fits
mode, path = sys.argv[1:]
t0 = time.perf_counter()
if mode == "header":
    with fits.open(path, memmap=True) as h:
        hdr = h[0].header
        assert hdr["NAXIS1"] == 2048 and hdr["NAXIS2"] == 2048, repr(hdr)[:400]
        t = time.perf_counter() - t0
    print("%.6f" % t)
else:
    with fits.open(path, memmap=False) as h:
        s = float(np.sum(h[0].data, dtype=np.float64))
    t = time.perf_counter() - t0
    print("%.6f %r" % (t, s))
PY

# --- the local copy of the FFI: straight from its user.vo.url -------------------------------
plates_ready
URL=$(getfattr --absolute-names --only-values -n user.vo.url "$FFI")
SIZE=$(stat -c %s "$FFI")
curl -sf -o "$W/ffi.fits" "$URL"
[ "$(stat -c %s "$W/ffi.fits")" = "$SIZE" ] || die "curl of $URL: wrong size"
umount_it
cat "$W/ffi.fits" > /dev/null

# --- 1. ds9 -------------------------------------------------------------------------------------
export XPA_METHOD=local XPA_TMPDIR=$W/xpa
mkdir -p "$XPA_TMPDIR"
DS9=vofsbench_$$
Xvfb -displayfd 5 -screen 0 1024x768x24 -nolisten tcp 5> "$W/display" > "$W/xvfb.log" 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do [ -s "$W/display" ] && break; sleep 0.1; done
disp=$(head -1 "$W/display")
[ -n "$disp" ] || die "Xvfb did not start"
DISPLAY=:$disp ds9 -title "$DS9" > "$W/ds9.log" 2>&1 &
DS9_PID=$!
up=no
for _ in $(seq 300); do
	# (xpaaccess exits 1 when it answers yes: no pipe under pipefail)
	case "$(xpaaccess "$DS9" 2>/dev/null || true)" in yes*) up=yes; break;; esac
	kill -0 "$DS9_PID" 2>/dev/null || break
	sleep 0.1
done
[ "$up" = yes ] || die "ds9 does not answer on XPA: $(head -3 "$W/ds9.log")"
ds9_load() { xpaset -p "$DS9" file "$1"; }
ds9_loaded() {   # ds9 holds this 2048x2048 file
	[ "$(xpaget "$DS9" file)" = "$1" ] || die "ds9 holds $(xpaget "$DS9" file), not $1"
	local w h
	read -r w h _ <<<"$(xpaget "$DS9" fits size | tr '\n' ' ')"
	[ "$w $h" = "2048 2048" ] || die "ds9: image size $w x $h"
}
ds9_load "$W/ffi.fits"; ds9_loaded "$W/ffi.fits"      # ds9's first load: not timed
# what a cold read of the mount cannot beat: the download itself, and its first byte
for _ in $(seq "$RUNS"); do
	timeit curl curl -sf -o "$W/ffi2.fits" "$URL"
	curl -sf -o /dev/null -w '%{time_starttransfer}\n' "$URL" >> "$W/t.ttfb"
done
cmp -s "$W/ffi.fits" "$W/ffi2.fits" || die "two downloads of $URL differ"
for _ in $(seq "$RUNS"); do
	plates_ready
	f0=$(fetched)
	timeit ds9cold ds9_load "$FFI"
	echo $(($(fetched) - f0)) >> "$W/b.ds9cold"
	ds9_loaded "$FFI"
	timeit ds9warm ds9_load "$FFI"
	ds9_loaded "$FFI"
	# the local file, which also lets go of the mount's
	timeit ds9local ds9_load "$W/ffi.fits"
	ds9_loaded "$W/ffi.fits"
	umount_it
done
xpaset -p "$DS9" exit > /dev/null 2>&1 || true
for _ in $(seq 50); do kill -0 "$DS9_PID" 2>/dev/null || break; sleep 0.1; done
kill "$DS9_PID" 2>/dev/null || true; wait "$DS9_PID" 2>/dev/null || true; DS9_PID=
kill "$XVFB_PID" 2>/dev/null || true; wait "$XVFB_PID" 2>/dev/null || true; XVFB_PID=
unset XPA_METHOD XPA_TMPDIR

# --- 2. astropy ---------------------------------------------------------------------------------
$PY "$W/fits.py" header "$W/ffi.fits" > /dev/null      # the imports' files in the page cache
for _ in $(seq "$RUNS"); do
	$PY "$W/fits.py" header "$W/ffi.fits" | awk '{print $1}' >> "$W/t.hdrlocal"
	plates_ready
	f0=$(fetched)
	$PY "$W/fits.py" header "$FFI" | awk '{print $1}' >> "$W/t.hdrcold"
	echo $(($(fetched) - f0)) >> "$W/b.hdrcold"
	umount_it

	$PY "$W/fits.py" sum "$W/ffi.fits" > "$W/sum.local"
	awk '{print $1}' "$W/sum.local" >> "$W/t.sumlocal"
	plates_ready
	$PY "$W/fits.py" sum "$FFI" > "$W/sum.cold"
	$PY "$W/fits.py" sum "$FFI" > "$W/sum.warm"
	umount_it
	for k in cold warm; do
		awk '{print $1}' "$W/sum.$k" >> "$W/t.sum$k"
		[ "$(awk '{print $2}' "$W/sum.$k")" = "$(awk '{print $2}' "$W/sum.local")" ] ||
			die "astropy: the data sum on the mount ($k) differs from the local file's"
	done
done

# --- 3. STILTS ----------------------------------------------------------------------------------
mount_fresh
run_query cat "$CATQ" 100000
CATST=$(cat "$Q/cat/status")
mkdir "$W/cat"
cp "$Q/cat/result.vot" "$Q/cat/result.csv" "$W/cat/"
cat "$Q/cat/result.vot" "$Q/cat/result.csv" > /dev/null
printf 'a,b\n1,2\n' > "$W/tiny.csv"
VOTSZ=$(stat -c %s "$W/cat/result.vot"); CSVSZ=$(stat -c %s "$W/cat/result.csv")
count() { stilts tpipe in="$1" omode=count; }
catnull() { cat "$1" > /dev/null; }
count "$W/tiny.csv" > /dev/null      # the JVM's and STILTS's jars in the page cache
for _ in $(seq "$RUNS"); do
	timeit jvm count "$W/tiny.csv"
	for fmt in vot csv; do
		timeit "cat${fmt}local" catnull "$W/cat/result.$fmt"
		timeit "cat${fmt}mount" catnull "$Q/cat/result.$fmt"
		timeit "st${fmt}local" count "$W/cat/result.$fmt"
		cp "$W/out" "$W/count.$fmt.local"
		timeit "st${fmt}mount" count "$Q/cat/result.$fmt"
		cmp -s "$W/out" "$W/count.$fmt.local" || die "stilts counts differ on result.$fmt: $(cat "$W/out")"
		grep -q "rows: 100000$" "$W/out" || die "stilts: $(cat "$W/out")"
	done
done
umount_it

# --- 4. tree tools over queries/ ----------------------------------------------------------------
mount_fresh
run_query lc "$LCQ"
LCST=$(cat "$Q/lc/status")
tar c -C "$MNT/local" queries | wc -c > /dev/null     # every size and byte once: warm from here on
mkdir "$W/local"
cp -a "$Q" "$W/local/queries"
tarc() { tar c -C "$1" queries | wc -c; }
findc() { find "$1/queries" | wc -l; }
dush() { du -sh "$1/queries"; }
for _ in $(seq "$RUNS"); do
	for side in local mount; do
		[ $side = local ] && top=$W/local || top=$MNT/local
		timeit "du$side" dush "$top"; cut -f1 "$W/out" > "$W/du.$side"
		timeit "find$side" findc "$top"; cp "$W/out" "$W/find.$side"
		timeit "tar$side" tarc "$top"; cp "$W/out" "$W/tar.$side"
	done
done
NFILES=$(cat "$W/find.mount"); TARB=$(cat "$W/tar.mount")
[ "$NFILES" = "$(cat "$W/find.local")" ] || die "find: $NFILES entries on the mount, $(cat "$W/find.local") local"
[ "$TARB" = "$(cat "$W/tar.local")" ] || die "tar: $TARB bytes from the mount, $(cat "$W/tar.local") local"
umount_it

# --- the table ----------------------------------------------------------------------------------
row() {   # row WHAT NAME BASE [NOTE]
	local t b r
	t=$(best "$2")
	if [ "$3" = - ]; then r=baseline; elif [ "$3" = ref ]; then r=reference; else b=$(best "$3"); r=$(awk -v a="$t" -v b="$b" 'BEGIN{printf "%.2fx", a/b}'); fi
	printf '  %-50s %9.3f  %-9s %s\n' "$1" "$t" "$r" "${4:-}"
}
mib() { awk -v b="$1" 'BEGIN{printf "%.2f MiB", b/1048576}'; }
minb() { sort -g "$W/b.$1" | head -1; }
printf '\nclients benchmark (best of %d; loopback DaCHS; mode=sync; ratios vs the local file)\n' "$RUNS"
printf '  %-50s %9s  %-9s %s\n' "what" "seconds" "ratio" "note"
echo "1. ds9 xpaset -p file ffi-0001/this.fits ($SIZE bytes, 2048x2048 float)"
row "local file (curl of user.vo.url; page cache)" ds9local -
row "mount cold (fresh cache and mount)" ds9cold ds9local "fetched $(mib "$(minb ds9cold)") (all of it: ds9 scans min/max)"
row "  (reference: curl of user.vo.url to local disk)" curl ref
row "mount warm (second load)" ds9warm ds9local
echo "2. astropy, the same FFI"
row "header, memmap=True: local file" hdrlocal -
row "header, memmap=True: mount cold" hdrcold hdrlocal \
	"fetched $(sort -g "$W/b.hdrcold" | awk -v s="$SIZE" 'NR==1{a=$1} {b=$1}
		END{printf "%d..%d bytes of %d (%.1f..%.1f%%; runs differ)", a, b, s, 100*a/s, 100*b/s}')"
row "  (reference: curl, time to first byte)" ttfb ref "what any cold read of the product waits for"
row "data sum, memmap=False: local file" sumlocal -
row "data sum, memmap=False: mount cold" sumcold sumlocal
row "data sum, memmap=False: mount warm" sumwarm sumlocal
echo "3. STILTS, 100000 rows of vofstest.cat ($CATST)"
row "stilts tpipe omode=count of a 1-row CSV" jvm ref "JVM and STILTS start-up: in every stilts line"
row "cat result.vot > /dev/null: local copy" catvotlocal - "$(mib "$VOTSZ")"
row "cat result.vot > /dev/null: mount" catvotmount catvotlocal
row "stilts tpipe omode=count result.vot: local copy" stvotlocal -
row "stilts tpipe omode=count result.vot: mount" stvotmount stvotlocal
row "cat result.csv > /dev/null: local copy" catcsvlocal - "$(mib "$CSVSZ")"
row "cat result.csv > /dev/null: mount" catcsvmount catcsvlocal
row "stilts tpipe omode=count result.csv: local copy" stcsvlocal -
row "stilts tpipe omode=count result.csv: mount" stcsvmount stcsvlocal
echo "4. queries/ with the light-curve query ($LCST), warm: $NFILES entries, tar $(mib "$TARB")"
row "du -sh: local copy" dulocal - "$(cat "$W/du.local")"
row "du -sh: mount" dumount dulocal "$(cat "$W/du.mount")"
row "find | wc -l: local copy" findlocal -
row "find | wc -l: mount" findmount findlocal
row "tar c | wc -c: local copy" tarlocal -
row "tar c | wc -c: mount" tarmount tarlocal
