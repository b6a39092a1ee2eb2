#!/bin/bash
# Benchmark: the product block engine (issue 11).  The test archive's product
# files are served by nginx (sendfile on, 127.0.0.1:$NGINX_PORT, started and
# stopped here) and reached through queries on the test archive whose
# access_url points at nginx, so products/ holds plain files and the figures
# measure the engine, not DaCHS.  Every figure is the best of $RUNS runs
# (default 3); every cold run uses a fresh cache directory and a fresh mount
# (mode=sync).  Each line prints vofs, its baseline, the ratio and the target:
#
#   1. cold `cat products/*.fits` of the light curves of ffi-0001's footprint
#      (glob, size probes and reads all timed, the query not) vs one
#      `curl --parallel --parallel-max 8` process over the same URLs
#                                                      target <= 1.5x
#      and vs one curl process fetching them one after the other (info)
#   2. cold `rsync -a products/ dir/` (all 120) vs `rsync -a` of a local copy
#                                                      target <= 1.1x
#   3. the first re-read right after the cold read of 1. (cat to /dev/null)
#      vs cat of the local copy (page cache warm)      target <= 1.2x
#   4. astropy fits.getheader of the cold 16 MiB FFI: bytes fetched
#      (bytes_fetched of .vofs/stats)                  target <= 256 KiB
#   5. a 64 KiB pread at offset 15 MiB of the cold FFI: bytes fetched
#                                                      target <= 512 KiB
#      and its time (open + pread + close, timed in Python) vs one
#      `curl -r` range request (curl's time_total)     target <= 1.5x
#      In 4. and 5. the file is stat'ed first, untimed and before the
#      counters are read: the size probe is products.sh's business.
#   6. 20 light curves held open after a 4 KiB read each, then 10 others
#      read whole (timed in Python): wall time         target < 1 s
#      vs one curl process over the 10 URLs; and the same 10 files read
#      cold with nothing held open (info)
#   Floors (info): 1. again with every block stored (a remount on the same
#      cache: no network, no store write); 3. cat of the local copy on a
#      tmpfs with 4 KiB pages (FUSE's page cache uses 4 KiB pages on this
#      kernel, ext4 large folios); 5. again with its block stored.
#   7. CPU (utime + stime from /proc/PID/stat) of the daemon per GB served
#      in the cold reads of 1. vs the CPU of the parallel curl of 1. per GB
#                                                      target <= 2x
#   BIG=1: 936 x ~2.3 MB (the 117 plainly named footprint light curves x 8
#      copies, URLs made distinct with ?copy=N, which nginx ignores): 1., 2.
#      and 7. again.  Takes ~2.2 GB in /tmp for the local copy.
#
# Needs root (FUSE, apt-get): installs what is missing with apt-get (nginx-light,
# curl, rsync, fuse3, attr, bc, python3-astropy) and starts the test archive
# with tests/server/setup.sh when it does not answer.
#   VOFS_BIN=path  the vofs binary (default build/fs/vofs)
#   RUNS=N  BIG=1  NGINX_PORT=8095  TAP_URL=http://127.0.0.1:8080/tap
#   VERBOSE=1  also prints every run's figures (the files of $W)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
VOFS=${VOFS_BIN:-$ROOT/build/fs/vofs}
TAP=${TAP_URL:-http://127.0.0.1:8080/tap}
RUNS=${RUNS:-3}
BIG=${BIG:-0}
VERBOSE=${VERBOSE:-0}
NGPORT=${NGINX_PORT:-8095}
NG=http://127.0.0.1:$NGPORT/
DOCROOT=/var/gavo/inputs            # tests/server/setup.sh's RDDIR is $DOCROOT/vofstest
PY=/usr/bin/python3
ME=$(basename "$0")
die() { echo "$ME: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (FUSE mounts, apt-get)"
[ -x "$VOFS" ] || die "no vofs binary at $VOFS (build it, or set VOFS_BIN)"

# --- what the benchmark needs ----------------------------------------------------------------
need=()
for pc in nginx:nginx-light curl:curl rsync:rsync fusermount3:fuse3 getfattr:attr bc:bc \
	mountpoint:util-linux "$PY":python3; do
	command -v "${pc%%:*}" > /dev/null || need+=("${pc#*:}")
done
[ -x "$PY" ] && "$PY" -c 'import astropy' 2> /dev/null || need+=(python3-astropy)
if [ ${#need[@]} -gt 0 ]; then
	echo "$ME: installing ${need[*]}" >&2
	apt-get update -q > /dev/null
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" > /dev/null
fi
if ! curl -sf -o /dev/null --max-time 10 "$TAP/availability"; then
	[ "$TAP" = http://127.0.0.1:8080/tap ] || die "$TAP does not answer"
	echo "$ME: starting the test archive (tests/server/setup.sh)" >&2
	bash "$ROOT/tests/server/setup.sh" > /dev/null
fi
[ -f "$DOCROOT/vofstest/data/plates/ffi-0001.fits" ] ||
	die "no product files under $DOCROOT/vofstest/data (run tests/server/setup.sh)"

W=$(mktemp -d /tmp/vofs-ebench.XXXXXX)
MNT=$W/mnt
mkdir -p "$MNT" "$W/nginx"
NGINX_PID=''
. "$ROOT/tests/bench/common.sh"   # PID, mount_fresh [keep], umount_it

TMPFS_MNT=
cleanup() {
	set +e
	[ -n "$TMPFS_MNT" ] && umount "$TMPFS_MNT"
	if mountpoint -q "$MNT"; then fusermount3 -u "$MNT" 2> /dev/null || fusermount3 -uz "$MNT"; fi
	if [ -n "$PID" ]; then
		for _ in $(seq 50); do kill -0 "$PID" 2> /dev/null || break; sleep 0.1; done
		kill "$PID" 2> /dev/null
	fi
	if [ -n "$NGINX_PID" ]; then
		kill "$NGINX_PID" 2> /dev/null   # the master stops its workers
		for _ in $(seq 50); do kill -0 "$NGINX_PID" 2> /dev/null || break; sleep 0.1; done
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- nginx on its own port, serving the archive's files --------------------------------------
cat > "$W/nginx/nginx.conf" <<EOF
daemon off;
worker_processes 2;
pid $W/nginx/nginx.pid;
error_log $W/nginx/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000;
	types { application/fits fits; }
	default_type application/octet-stream;
	client_body_temp_path $W/nginx/body;
	server {
		listen 127.0.0.1:$NGPORT;
		root $DOCROOT;
		location / { }
	}
}
EOF
nginx -e "$W/nginx/error.log" -p "$W/nginx" -c "$W/nginx/nginx.conf" &
NGINX_PID=$!
TESTURL=${NG}vofstest/data/plates/ffi-0001.fits
for _ in $(seq 50); do curl -sf -r 0-0 -o /dev/null "$TESTURL" && break; sleep 0.1; done
kill -0 "$NGINX_PID" 2> /dev/null && curl -sf -r 0-0 -o /dev/null "$TESTURL" ||
	{ cat "$W/nginx/error.log" >&2; die "nginx does not serve $TESTURL (port $NGPORT taken?)"; }

cat > "$W/services.ini" <<EOF
[local]
url = $TAP
mode = sync
EOF
Q=$MNT/local/queries
POLY="157.465738867, 46.990749109, 157.523658608, 48.989866016, 154.476341392, 48.989866016, 154.534261133, 46.990749109"
FOOT="1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $POLY))"
LCQ="SELECT obs_id, '$NG' || access_url AS access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' AND $FOOT"
FFIQ="SELECT obs_id, '$NG' || access_url AS access_url, 'application/fits' AS access_format
 FROM ivoa.obscore WHERE obs_id='ffi-0001'"
BIGQ="SELECT lc.obs_id || '-' || c.name AS obs_id,
 '$NG' || lc.access_url || '?copy=' || c.name AS access_url, lc.access_format
 FROM ivoa.obscore AS lc CROSS JOIN vofstest.cat AS c
 WHERE lc.obs_collection='vofslc' AND lc.obs_id LIKE 'lc-____' AND c.id BETWEEN 30 AND 37
 AND 1=CONTAINS(POINT('ICRS', lc.s_ra, lc.s_dec), POLYGON('ICRS', $POLY))"

wait_done() { while ! grep -qE "^(COMPLETED|ERROR)" "$1/status"; do sleep 0.05; done
	grep -q "^COMPLETED" "$1/status" || die "query $(basename "$1") failed: $(cat "$1/error" 2> /dev/null)"; }
# query NAME ADQL: run it on the current mount, wait for it
query() { mkdir "$Q/$1"; echo "$2" > "$Q/$1/query.adql"; wait_done "$Q/$1"; }
elapsed() { echo "$EPOCHREALTIME - $1" | bc; }
best() { sort -g | head -1; }
# fetched: bytes_fetched of the mount, once no transfer is in flight (read-ahead
# a read started counts for that read)
fetched() {
	for _ in $(seq 200); do
		grep -qx "transfers_in_flight 0" "$MNT/.vofs/stats" && break
		sleep 0.05
	done
	awk '$1 == "bytes_fetched" {print $2}' "$MNT/.vofs/stats"
}
HZ=$(getconf CLK_TCK)
cpu_of() { awk -v hz="$HZ" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }   # utime + stime, s
# urls_of DIR FILES...: the user.vo.url of each file, one a line
urls_of() { local d=$1; shift; for f; do getfattr --absolute-names --only-values -n user.vo.url "$d/$f"; echo; done; }
# curl_cfg URLFILE: a curl config fetching every URL to /dev/null
curl_cfg() { while read -r u; do printf 'url = "%s"\noutput = "/dev/null"\n' "$u"; done < "$1"; }
# timed_cpu OUT cmd...: append "wall user+sys" of cmd to OUT
timed_cpu() {
	local out=$1 t; shift
	t=$( { TIMEFORMAT='%R %U %S'; time "$@" > /dev/null 2> "$W/cmd.err"; } 2>&1 ) ||
		die "$* failed: $(cat "$W/cmd.err")"
	echo "$t" | awk '{print $1, $2 + $3}' >> "$out"
}

# line NAME UNIT VOFS BASE TARGET KIND: one figure; KIND ratio (ratio <= TARGET),
# max (VOFS <= TARGET), less (VOFS < TARGET), info (no target)
line() {
	awk -v name="$1" -v u="$2" -v v="$3" -v b="$4" -v t="$5" -v k="$6" 'BEGIN {
		r = b > 0 ? v / b : 0
		fmt = u == "s" ? "%.4f" : "%.0f"
		vs = sprintf(fmt u, v); bs = sprintf(fmt u, b)
		if (k == "ratio") { tg = "target<=" t "x"; ok = r <= t }
		else if (k == "max") { tg = "target<=" sprintf(fmt u, t); ok = v <= t }
		else if (k == "less") { tg = "target<" sprintf(fmt u, t); ok = v < t }
		else { tg = "(info)"; ok = -1 }
		printf "%-56s vofs=%-10s baseline=%-10s ratio=%-6.2f %-16s %s\n", name, vs, bs, r, tg,
			ok < 0 ? "" : ok ? "PASS" : "MISS"
	}'
}

# --- set-up: names, URLs and a local copy (untimed) ------------------------------------------
mount_fresh
query lc "$LCQ"
P=$Q/lc/products
(cd "$P" && ls -- *.fits) > "$W/lc.names"        # the glob of `cat products/*.fits`
NLC=$(wc -l < "$W/lc.names")
NALL=$(ls -A "$P" | wc -l)
[ "$NALL" = 120 ] || die "the footprint query gave $NALL products, not 120"
mapfile -t LCN < "$W/lc.names"
urls_of "$P" "${LCN[@]}" > "$W/lc.urls"
grep -q "^$NG" "$W/lc.urls" || die "products do not point at nginx: $(head -1 "$W/lc.urls")"
curl_cfg "$W/lc.urls" > "$W/lc.curl"
rsync -a "$P/" "$W/local/"
cmp "$W/local/lc-0001.fits" "$DOCROOT/vofstest/data/lc/lc-0001.fits"
cmp "$W/local/lc-0120.fits" "$DOCROOT/vofstest/data/lc/lc-0120.fits"
LCBYTES=$(cd "$W/local" && stat -c %s "${LCN[@]}" | awk '{s += $1} END {print s}')
# figure 6: 20 files to hold open, 10 others to read whole
sed -n 1,20p "$W/lc.names" > "$W/hold.names"
sed -n 21,30p "$W/lc.names" > "$W/read.names"
mapfile -t RDN < "$W/read.names"
urls_of "$P" "${RDN[@]}" | curl_cfg /dev/stdin > "$W/read.curl"
umount_it
mount_fresh
query ffi "$FFIQ"
FFI=$Q/ffi/products/ffi-0001.fits
FFIURL=$(getfattr --absolute-names --only-values -n user.vo.url "$FFI")
FFISIZE=$(stat -c %s "$FFI")
[ "$FFISIZE" = 16784640 ] || die "ffi-0001.fits has $FFISIZE bytes through the mount"
umount_it

# --- 1, 3, 7: cold cat of the footprint, then the first re-read --------------------------------
for i in $(seq "$RUNS"); do
	mount_fresh
	query lc "$LCQ"
	sync
	f0=$(fetched); c0=$(cpu_of "$PID"); t0=$EPOCHREALTIME
	cat "$P"/*.fits > /dev/null
	t=$(elapsed "$t0"); c1=$(cpu_of "$PID"); f1=$(fetched)
	echo "$t" >> "$W/t.cold"
	echo "$c1 - $c0" | bc >> "$W/cpu.cold"
	echo "$f1 - $f0" | bc >> "$W/f.cold"
	t0=$EPOCHREALTIME
	cat "$P"/*.fits > /dev/null
	elapsed "$t0" >> "$W/t.reread"
	umount_it
	# a floor: every block stored (the block file in the page cache), the
	# kernel's pages of the mount gone with it: no network, no store write
	mount_fresh keep
	t0=$EPOCHREALTIME
	cat "$P"/*.fits > /dev/null
	elapsed "$t0" >> "$W/t.storedcat"
	umount_it
done
for i in $(seq "$RUNS"); do timed_cpu "$W/curlpar" curl -sf --parallel --parallel-max 8 -K "$W/lc.curl"; done
for i in $(seq "$RUNS"); do timed_cpu "$W/curlseq" curl -sf -K "$W/lc.curl"; done
cat "$W/local"/*.fits > /dev/null
for i in $(seq "$RUNS"); do
	t0=$EPOCHREALTIME; cat "$W/local"/*.fits > /dev/null; elapsed "$t0"
done >> "$W/t.localcat"
# a floor for 3: the same files in the page cache with 4 KiB pages (a tmpfs
# without huge pages), as FUSE's page cache holds them on this kernel, where
# ext4 gets large folios
mkdir -p "$W/tmpfs"
if mount -t tmpfs -o size=512m,huge=never tmpfs "$W/tmpfs" 2> /dev/null; then
	TMPFS_MNT=$W/tmpfs
	cp "$W/local"/*.fits "$W/tmpfs/"
	cat "$W/tmpfs"/*.fits > /dev/null
	for i in $(seq "$RUNS"); do
		t0=$EPOCHREALTIME; cat "$W/tmpfs"/*.fits > /dev/null; elapsed "$t0"
	done >> "$W/t.smallpages"
	umount "$W/tmpfs"
	TMPFS_MNT=
fi

# --- 2: cold rsync -a vs rsync -a of the local copy ---------------------------------------------
# cold_rsync NAME QUERY DIR N OUT: on a fresh mount, one timed rsync -a of
# DIR (the products of query NAME) into W/dst, which must get N files; the
# time goes to W/OUT.  The caller unmounts.
cold_rsync() {
	rm -rf "$W/dst"
	mount_fresh
	query "$1" "$2"
	sync
	t0=$EPOCHREALTIME; rsync -a "$3/" "$W/dst/"; elapsed "$t0" >> "$W/$5"
	[ "$(ls -A "$W/dst" | wc -l)" = "$4" ] || die "rsync copied $(ls -A "$W/dst" | wc -l) files, not $4"
}
for i in $(seq "$RUNS"); do
	cold_rsync lc "$LCQ" "$P" 120 t.rsync
	umount_it
done
cmp "$W/dst/lc-0077.fits" "$W/local/lc-0077.fits"
for i in $(seq "$RUNS"); do
	rm -rf "$W/dst"; sync
	t0=$EPOCHREALTIME; rsync -a "$W/local/" "$W/dst/"; elapsed "$t0" >> "$W/t.rsynclocal"
done
rm -rf "$W/dst"

# --- 4, 5: header and a 64 KiB read at 15 MiB of the cold FFI ----------------------------------
cat > "$W/header.py" <<'PY'
import sys, time, warnings
warnings.simplefilter("ignore")
from astropy.io import fits
t0 = time.perf_counter()
h = fits.getheader(sys.argv[1])
t = time.perf_counter() - t0
assert h["NAXIS1"] == 2048, h
print(t)
PY
cat > "$W/pread.py" <<'PY'
import os, sys, time
path, off, n, ref = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t0 = time.perf_counter()
fd = os.open(path, os.O_RDONLY)
b = os.pread(fd, n, off)
os.close(fd)
t = time.perf_counter() - t0
with open(ref, "rb") as f:
    f.seek(off)
    assert b == f.read(n), "the bytes read differ from the file's"
print(t)
PY
OFF=$((15 << 20)); LEN=$((64 << 10))
for i in $(seq "$RUNS"); do
	mount_fresh
	query ffi "$FFIQ"
	stat "$FFI" > /dev/null
	f0=$(fetched)
	"$PY" "$W/header.py" "$FFI" >> "$W/t.header"
	echo "$(fetched) - $f0" | bc >> "$W/f.header"
	umount_it
	mount_fresh
	query ffi "$FFIQ"
	stat "$FFI" > /dev/null
	f0=$(fetched)
	"$PY" "$W/pread.py" "$FFI" "$OFF" "$LEN" "$DOCROOT/vofstest/data/plates/ffi-0001.fits" >> "$W/t.pread"
	echo "$(fetched) - $f0" | bc >> "$W/f.pread"
	umount_it
	# a floor: the same read with its block stored (no network)
	mount_fresh keep
	stat "$FFI" > /dev/null
	"$PY" "$W/pread.py" "$FFI" "$OFF" "$LEN" "$DOCROOT/vofstest/data/plates/ffi-0001.fits" >> "$W/t.preadstored"
	umount_it
done
for i in $(seq "$RUNS"); do
	curl -sf -r "$OFF-$((OFF + LEN - 1))" -o /dev/null -w '%{time_total}\n' "$FFIURL"
done >> "$W/t.curlrange"
for i in $(seq "$RUNS"); do
	curl -sf -r 0-2879 -o /dev/null -w '%{time_total}\n' "$FFIURL"
done >> "$W/t.curlheader"

# --- 6: 10 files read whole while 20 are held open --------------------------------------------
cat > "$W/held.py" <<'PY'
import os, sys, time
d, hold, read = sys.argv[1], sys.argv[2], sys.argv[3]
names = lambda f: [l.rstrip("\n") for l in open(f) if l.strip()]
held = []
for n in names(hold) if hold != "-" else []:
    f = open(os.path.join(d, n), "rb", buffering=0)
    assert len(f.read(4096)) == 4096
    held.append(f)
t0 = time.perf_counter()
total = 0
for n in names(read):
    with open(os.path.join(d, n), "rb", buffering=0) as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                break
            total += len(b)
t = time.perf_counter() - t0
for f in held:
    f.close()
print(t, total)
PY
for i in $(seq "$RUNS"); do
	mount_fresh
	query lc "$LCQ"
	"$PY" "$W/held.py" "$P" "$W/hold.names" "$W/read.names" | awk '{print $1}' >> "$W/t.held"
	umount_it
	mount_fresh
	query lc "$LCQ"
	"$PY" "$W/held.py" "$P" - "$W/read.names" | awk '{print $1}' >> "$W/t.notheld"
	umount_it
done
for i in $(seq "$RUNS"); do timed_cpu "$W/curlread" curl -sf -K "$W/read.curl"; done

# --- BIG=1: 936 x ~2.3 MB ------------------------------------------------------------------------
if [ "$BIG" = 1 ]; then
	mount_fresh
	query big "$BIGQ"
	PB=$Q/big/products
	NBIG=$(ls -A "$PB" | wc -l)
	[ "$NBIG" -ge 900 ] || die "the BIG query gave $NBIG products"
	(cd "$PB" && ls -A) > "$W/big.names"
	mapfile -t BGN < "$W/big.names"
	urls_of "$PB" "${BGN[@]}" | curl_cfg /dev/stdin > "$W/big.curl"
	rsync -a "$PB/" "$W/biglocal/"
	BIGBYTES=$(du -sb --apparent-size "$W/biglocal" | awk '{print $1}')
	umount_it
	for i in $(seq "$RUNS"); do
		mount_fresh
		query big "$BIGQ"
		sync
		c0=$(cpu_of "$PID"); t0=$EPOCHREALTIME
		cat "$PB"/* > /dev/null
		elapsed "$t0" >> "$W/t.bigcold"
		echo "$(cpu_of "$PID") - $c0" | bc >> "$W/cpu.bigcold"
		umount_it
	done
	for i in $(seq "$RUNS"); do timed_cpu "$W/bigcurlpar" curl -sf --parallel --parallel-max 8 -K "$W/big.curl"; done
	for i in $(seq "$RUNS"); do
		cold_rsync big "$BIGQ" "$PB" "$NBIG" t.bigrsync
		awk '/VmHWM/ {print $2 * 1024}' "/proc/$PID/status" >> "$W/rss.big"
		fetched=$(awk '$1 == "bytes_fetched" {print $2}' "$MNT/.vofs/stats")
		umount_it
		# the store at rest (the daemon checkpoints at unmount) against what
		# came: the disk it takes (the block file is sparse: a file's last,
		# partial block leaves the rest of its 256 KiB slot unwritten)
		echo "$(du -s -B1 "$W/cache" | awk '{print $1}') $fetched" >> "$W/store.big"
	done
	for i in $(seq "$RUNS"); do
		rm -rf "$W/dst"; sync
		t0=$EPOCHREALTIME; rsync -a "$W/biglocal/" "$W/dst/"; elapsed "$t0" >> "$W/t.bigrsynclocal"
	done
	rm -rf "$W/dst" "$W/biglocal"
fi

# --- the figures --------------------------------------------------------------------------------
b() { best < "$W/$1"; }
col() { awk -v c="$2" '{print $c}' "$W/$1" | best; }
per_gb() { echo "$1 * 1000000000 / $2" | bc -l; }
printf '\nengine benchmark: %s, best of %d runs, products from nginx (sendfile) on 127.0.0.1:%s\n' \
	"$VOFS" "$RUNS" "$NGPORT"
printf '%s light curves, %s bytes (cat); ffi-0001 %s bytes\n\n' "$NLC" "$LCBYTES" "$FFISIZE"
line "1. cold cat products/*.fits vs curl --parallel-max 8" s "$(b t.cold)" "$(col curlpar 1)" 1.5 ratio
line "1. cold cat products/*.fits vs sequential curl" s "$(b t.cold)" "$(col curlseq 1)" 1 info
line "1. floor: cat, all blocks stored (no network) vs curl -Z" s "$(b t.storedcat)" "$(col curlpar 1)" 1 info
line "2. cold rsync -a products/ vs rsync -a of a local copy" s "$(b t.rsync)" "$(b t.rsynclocal)" 1.1 ratio
line "3. first re-read (cat) vs cat of the local copy" s "$(b t.reread)" "$(b t.localcat)" 1.2 ratio
[ -s "$W/t.smallpages" ] &&
	line "3. floor: cat of the copy on 4 KiB pages (tmpfs) vs ext4" s "$(b t.smallpages)" "$(b t.localcat)" 1 info
line "4. getheader, cold 16 MiB FITS: bytes fetched (vs 2880)" B "$(b f.header)" 2880 262144 max
line "4. getheader, cold 16 MiB FITS: time vs curl -r 0-2879" s "$(b t.header)" "$(b t.curlheader)" 1 info
line "5. 64 KiB at 15 MiB, cold: bytes fetched (vs 65536)" B "$(b f.pread)" 65536 524288 max
line "5. 64 KiB at 15 MiB, cold: time vs one curl -r" s "$(b t.pread)" "$(b t.curlrange)" 1.5 ratio
line "5. floor: the same read with its block stored vs curl -r" s "$(b t.preadstored)" "$(b t.curlrange)" 1 info
line "6. 10 files read, 20 held open: time vs curl of the 10" s "$(b t.held)" "$(col curlread 1)" 1 less
line "6. the same 10 files read with none held open (info)" s "$(b t.notheld)" "$(col curlread 1)" 1 info
line "7. daemon CPU s per cold GB vs parallel curl's" s "$(per_gb "$(b cpu.cold)" "$LCBYTES")" \
	"$(per_gb "$(col curlpar 2)" "$LCBYTES")" 2 ratio
line "   bytes fetched by the cold cat vs bytes read (info)" B "$(b f.cold)" "$LCBYTES" 1 info
if [ "$BIG" = 1 ]; then
	printf '\nBIG: %s products, %s bytes\n' "$NBIG" "$BIGBYTES"
	line "B1. cold cat products/* vs curl --parallel-max 8" s "$(b t.bigcold)" "$(col bigcurlpar 1)" 1.5 ratio
	line "B2. cold rsync -a products/ vs rsync -a local copy" s "$(b t.bigrsync)" "$(b t.bigrsynclocal)" 1.1 ratio
	line "B7. daemon CPU s per cold GB vs parallel curl's" s "$(per_gb "$(b cpu.bigcold)" "$BIGBYTES")" \
		"$(per_gb "$(col bigcurlpar 2)" "$BIGBYTES")" 2 ratio
	# worst run for these two
	line "B8. daemon peak RSS in the cold rsync (VmHWM)" B "$(sort -g "$W/rss.big" | tail -1)" \
		134217728 134217728 max
	read -r sb fb < <(sort -g "$W/store.big" | tail -1)
	line "B9. store size at rest vs bytes fetched" B "$sb" "$fb" 1.05 ratio
else
	printf '\n(BIG=1 adds the 936 x ~2.3 MB footprint: cold cat, rsync and CPU per GB)\n'
fi
if [ "$VERBOSE" = 1 ]; then
	printf '\nevery run (time s, or "time cpu-s", or bytes):\n'
	for f in "$W"/t.* "$W"/f.* "$W"/cpu.* "$W"/curl* "$W"/bigcurl*; do
		[ -f "$f" ] || continue
		printf '  %-16s %s\n' "$(basename "$f")" "$(paste -sd';' "$f" | sed 's/;/, /g')"
	done
fi
