#!/bin/bash
# Product transfers through the fault-injecting proxy: 5xx bursts, resets
# mid-body, stalls and bodies shorter than Content-Length.  Every read
# either returns the server's bytes or fails with EIO (and a log line that
# names the URL); it never returns wrong bytes.
#
# The product URLs are built in ADQL ('http://proxy/f/<faults>/getproduct/'
# || obs_id || '.fits'), so each query gets its own faults.  "noprobe"
# spares the one-byte requests that learn sizes: the faults hit the data.
. "$(dirname "$0")/../lib.sh"

Q=$MNT/local/queries
DIRECT=$WORK/direct
mkdir -p "$DIRECT"
PY=/usr/bin/python3
NONCE=$(basename "$WORK")   # fresh fault counters in a long-running proxy
stat_val() { awk -v k="$1" '$1 == k {print $2}' "$MNT/.vofs/stats"; }
for i in 1 2 3 4 5 6 7 8 9; do
	curl -sf -o "$DIRECT/lc-000$i.fits" "http://127.0.0.1:8080/getproduct/vofstest/data/lc/lc-000$i.fits"
done

check "mount (io_timeout=2)" vofs_mount -o io_timeout=2

# faulty NAME SPEC: a query whose 9 products go through the proxy with SPEC
faulty() {
	run_query "$Q/$1" "SELECT obs_id,
 '$PROXY/f/$2,nonce=$NONCE/getproduct/vofstest/data/lc/' || obs_id || '.fits' AS access_url,
 'application/fits' AS access_format
 FROM ivoa.obscore WHERE obs_collection='vofslc' AND obs_id LIKE 'lc-000_' ORDER BY obs_id"
	wait_final "$Q/$1" > /dev/null
}

# all_equal NAME: every product read whole equals the direct download
all_equal() {
	local bad=0 f
	for f in "$Q/$1/products/"*.fits; do
		cmp -s "$f" "$DIRECT/$(basename "$f")" || { bad=$((bad + 1)); echo "    # differs: $f"; }
	done
	[ "$bad" = 0 ] && [ "$(ls "$Q/$1/products" | wc -l)" = 9 ]
}

# fails_cleanly NAME FILE: the read fails with EIO and what came before the
# error is a prefix of the right bytes
fails_cleanly() {
	local f="$Q/$1/products/$2" out="$WORK/$1.out" err
	err=$(cat "$f" 2>&1 >"$out") && { echo "    # read succeeded"; return 1; }
	grep -q "Input/output error" <<<"$err" || { echo "    # error was: $err"; return 1; }
	cmp -s -n "$(stat -c %s "$out")" "$out" "$DIRECT/$2" || { echo "    # wrong bytes before the error"; return 1; }
	echo "    # $2: EIO after $(stat -c %s "$out") correct bytes"
}

r0=$(stat_val retries)
faulty burst "noprobe,http503*2"
check "a burst of two 503s: all 9 products read right" all_equal burst
check "the 503s were retried ($(( $(stat_val retries) - r0 )) retries)" test $(( $(stat_val retries) - r0 )) -ge 2

faulty once_reset "noprobe,reset*1"
check "one reset mid-body: the transfer resumes, all 9 right" all_equal once_reset
faulty once_trunc "noprobe,truncate*1"
check "one body shorter than Content-Length: retried, all 9 right" all_equal once_trunc
faulty once_stall "noprobe,stall=20*1"
check "one stalled transfer (io_timeout 2 s): retried, all 9 right" all_equal once_stall
faulty delay "noprobe,delay=0.3*3"
check "slow answers: all 9 right" all_equal delay

# servers that do not take ranges, or do not say the length
faulty norange "norange"
check "a server without Range support: sizes from Content-Length, all 9 right" all_equal norange
check_eq "  and ls -l showed the exact size" "$(stat -c %s "$DIRECT/lc-0005.fits")" "$(stat -c %s "$Q/norange/products/lc-0005.fits")"
faulty nolen "norange,nolength"
r0=$(stat_val bytes_fetched)
ls -l "$Q/nolen/products" > /dev/null
check_eq "no Range and no Content-Length: ls -l still shows the exact size" \
	"$(stat -c %s "$DIRECT/lc-0006.fits")" "$(stat -c %s "$Q/nolen/products/lc-0006.fits")"
check "  learnt by reading the files whole while listing ($(( $(stat_val bytes_fetched) - r0 )) bytes)" \
	test $(( $(stat_val bytes_fetched) - r0 )) -gt 9000000
check "  and all 9 read right (served from the cache)" all_equal nolen

e0=$(stat_val errors)
faulty reset "noprobe,reset"
check "resets on every attempt: EIO, never wrong bytes" fails_cleanly reset lc-0001.fits
faulty trunc "noprobe,truncate"
check "short bodies on every attempt: EIO, never wrong bytes" fails_cleanly trunc lc-0002.fits
faulty h500 "noprobe,http500"
check "HTTP 500 on every attempt: EIO" fails_cleanly h500 lc-0003.fits
check "the log names the URL and HTTP 500" grep -q "f/noprobe,http500,nonce=$NONCE/getproduct/vofstest/data/lc/lc-0003.fits: HTTP 500" "$LOG"
check "the log names the reset" grep -qi "lc-0001.fits.*reset" "$LOG"
# a product whose server answers 404 even to the size probe (a #preview that
# is not there): ls -l lists it with size 0, not "?????????"; reading it
# fails with EIO; user.vo.error gives the server's answer
faulty h404 "http404"
ls -l "$Q/h404/products" > "$WORK/h404.ls" 2>&1
check "404 on the size probe: ls -l lists all 9 with size 0, no ??????" bash -c "
	[ \$(grep -c ' 0 .*lc-000.\.fits' '$WORK/h404.ls') = 9 ] && ! grep -q '?????' '$WORK/h404.ls'"
check_eq "  stat says size 0" 0 "$(stat -c %s "$Q/h404/products/lc-0001.fits")"
check "  reading it fails with EIO" bash -c "cat '$Q/h404/products/lc-0001.fits' 2>&1 >/dev/null | grep -q 'Input/output error'"
check "  user.vo.error names HTTP 404" bash -c "getfattr --absolute-names --only-values -n user.vo.error '$Q/h404/products/lc-0001.fits' | grep -q 'HTTP 404'"
check "  getfattr -d lists user.vo.error" bash -c "getfattr --absolute-names -d '$Q/h404/products/lc-0001.fits' | grep -q '^user.vo.error='"
check "  cp fails (exit status), copies nothing it calls whole" bash -c "! cp '$Q/h404/products/lc-0002.fits' '$WORK/h404.copy'"

faulty stall "noprobe,stall=30"
t0=$(date +%s)
check "a transfer that always stalls: EIO" fails_cleanly stall lc-0004.fits
echo "    # gave up after $(( $(date +%s) - t0 )) s (io_timeout 2 s, 4 attempts)"
check "errors were counted ($(( $(stat_val errors) - e0 )))" test $(( $(stat_val errors) - e0 )) -ge 4
check "a failed file reads right once the server is fine (same query, clean URL)" bash -c "
	cmp '$MNT/local/queries/burst/products/lc-0001.fits' '$DIRECT/lc-0001.fits'"

# A product that changes on the server between two reads (the proxy's swap:
# same size, other bytes and Last-Modified from the third request on; the
# listing's probe and the first read are the first two).  The file opened
# before the change must never give bytes of both versions: the read after
# the change fails (ESTALE), and the next open reads the new version whole.
# "swap" honours If-Range as RFC 9110 says (a 200 with the new version);
# "swapnoir" ignores it, as DaCHS does (only Last-Modified differs).
cat > "$WORK/swap.py" <<'PY'
import errno, os, sys
path, direct = sys.argv[1:]
old = open(direct, "rb").read()
new = bytes(b ^ 0x5A for b in old)
with open(path, "rb", buffering=0) as f:
    head = f.read(65536)
    if head != old[:65536]:
        sys.exit("the first read is not the old version's bytes")
    try:
        f.seek(2 << 20)
        got = f.read(65536)
    except OSError as e:
        if e.errno != errno.ESTALE:
            sys.exit("the read after the change failed with %s, not ESTALE" % e)
        print("    # the read after the change: %s" % e.strerror)
    else:
        sys.exit("the read after the change gave %d bytes (%s version)" % (len(got),
                 "new" if got == new[2 << 20:(2 << 20) + 65536] else "old"))
whole = open(path, "rb").read()
if whole != new:
    sys.exit("the next open did not read the new version (%d bytes, %s)" % (len(whole),
             "old version" if whole == old else "neither version"))
PY
for mode in swap swapnoir; do
	faulty "$mode" "$mode=2@lc-0007"
	ls -l "$Q/$mode/products" > /dev/null
	check "$mode: a product changed on the server between two reads: ESTALE, then the new version, never a mix" \
		$PY "$WORK/swap.py" "$Q/$mode/products/lc-0007.fits" "$DIRECT/lc-0007.fits"
done
check "the log says the file changed on the server" grep -q "lc-0007.fits.*changed on the server" "$LOG"

rss=$(awk '/VmHWM/ {print $2}' /proc/$VOFS_PID/status)
if grep -q "asan" <<<"$VOFS_BIN"; then
	skip "daemon peak RSS under 200 MiB (${rss} kB)" \
		"not meaningful with AddressSanitizer: its quarantine keeps up to 256 MiB of freed memory (the release build checks it)"
else
	check "daemon peak RSS under 200 MiB (${rss} kB)" test "$rss" -lt 204800
fi
check "unmount" vofs_umount
check_log_clean
finish
