#!/bin/bash
# The block engine under pressure, through real mounts:
#  - a cache directory on a small tmpfs with cache_size far above it: the
#    store's commits fail (disk full); every cp either gives the server's
#    bytes or exits non-zero, never a short or wrong file that cp accepts;
#  - twenty files held open after a 4 KiB read each do not stall reads of
#    ten other files;
#  - reopening files read whole keeps the kernel's pages (the re-read makes
#    no request).
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
Q=$MNT/local/queries
DIRECT=$WORK/direct
mkdir -p "$DIRECT"
stat_val() { awk -v k="$1" '$1 == k {print $2}' "$MNT/.vofs/stats"; }
POLY="157.465738867, 46.990749109, 157.523658608, 48.989866016, 154.476341392, 48.989866016, 154.534261133, 46.990749109"
LCQ="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' AND 1=CONTAINS(POINT('ICRS', s_ra, s_dec), POLYGON('ICRS', $POLY))"
# direct NAME...: the server's bytes of light curves, for comparisons
direct() {
	local n
	for n in "$@"; do
		[ -f "$DIRECT/$n" ] || curl -sf -o "$DIRECT/$n" "http://127.0.0.1:8080/getproduct/vofstest/data/lc/$n"
	done
}

# --- a full cache disk ------------------------------------------------------------
SMALL=$WORK/small
mkdir -p "$SMALL"
trap 'vofs_cleanup; mountpoint -q "$SMALL" && umount -l "$SMALL"' EXIT
if mount -t tmpfs -o size=12m tmpfs "$SMALL"; then
	CACHE=$SMALL/cache
	mkdir -p "$CACHE"
	check "mount with the cache on a 12 MiB tmpfs and cache_size=1G" vofs_mount -o cache_size=1G
	run_query "$Q/lc" "$LCQ"
	st=$(wait_final "$Q/lc")
	check "the query completes (120 rows)" grep -q "^COMPLETED rows=120 " <<<"$st"
	mkdir -p "$WORK/copies"
	names=$(ls "$Q/lc/products" | grep -E '^lc-[0-9]{4}\.fits$' | head -40)
	# shellcheck disable=SC2086
	direct $names
	good=0 refused=0 bad=0
	for n in $names; do
		if cp "$Q/lc/products/$n" "$WORK/copies/" 2>>"$WORK/cp.err"; then
			if cmp -s "$WORK/copies/$n" "$DIRECT/$n"; then
				good=$((good + 1))
			else
				bad=$((bad + 1)); echo "    # cp exited 0 with wrong bytes: $n ($(stat -c %s "$WORK/copies/$n") bytes)"
			fi
		else
			refused=$((refused + 1))
		fi
	done
	echo "    # 40 copies: $good right, $refused failed (non-zero exit), $bad wrong; store used $(df -h --output=used "$SMALL" | tail -1 | tr -d ' ') of 12M"
	sed 's/^/    # /' "$WORK/cp.err" 2>/dev/null | sort | uniq -c | head -5
	check "every cp gave the server's bytes or exited non-zero (none wrong)" test "$bad" = 0
	check "files were copied right after the store filled up ($good)" test "$good" -ge 1
	check "the store filled up: the log says the disk is full" grep -qi "database or disk is full\|No space left" "$LOG"
	echo "    # failed commits of blocks: $(stat_val store_commit_errors)"
	bad2=0
	for n in $names; do
		if out=$(cat "$Q/lc/products/$n" 2>/dev/null | cmp - "$DIRECT/$n" 2>&1); then :; else
			# a failed read is fine; a whole read of other bytes is not
			cat "$Q/lc/products/$n" > /dev/null 2>&1 && { bad2=$((bad2 + 1)); echo "    # $out"; }
		fi
	done
	check "reading every file again: right bytes or an error, never wrong bytes" test "$bad2" = 0
	check "unmount" vofs_umount
	umount "$SMALL"
else
	skip "a full cache disk" "cannot mount a tmpfs here (not root, or no tmpfs)"
fi

# --- open files do not stall others ----------------------------------------------
CACHE=$WORK/cache2
mkdir -p "$CACHE"
check "mount with a fresh cache" vofs_mount
run_query "$Q/lc" "$LCQ"
st=$(wait_final "$Q/lc")
check "the query completes (120 rows)" grep -q "^COMPLETED rows=120 " <<<"$st"
ls -l "$Q/lc/products" > /dev/null
names=$(ls "$Q/lc/products" | grep -E '^lc-[0-9]{4}\.fits$' | head -60)
# shellcheck disable=SC2086
direct $names
check "20 files held open after a 4 KiB read each; 10 others read whole within 3 s" \
	$PY - "$Q/lc/products" "$DIRECT" <<'PYEOF'
import os, sys, time
d, direct = sys.argv[1:]
import re
names = sorted(n for n in os.listdir(d) if re.fullmatch(r"lc-[0-9]{4}\.fits", n))[:60]
held = []
for n in names[40:60]:
    f = open(os.path.join(d, n), "rb")
    f.read(4096)
    held.append(f)
t0 = time.time()
for n in names[0:10]:
    data = open(os.path.join(d, n), "rb").read()
    if data != open(os.path.join(direct, n), "rb").read():
        sys.exit("%s differs" % n)
dt = time.time() - t0
print("    # 10 files read whole in %.3f s with 20 held open" % dt)
for f in held:
    f.close()
sys.exit(0 if dt < 3 else 1)
PYEOF

# --- re-reads keep the page cache ---------------------------------------------------
set -- $(ls "$Q/lc/products" | grep -E '^lc-[0-9]{4}\.fits$' | tail -2)
direct "$1" "$2"
cat "$Q/lc/products/$1" "$Q/lc/products/$2" > /dev/null
r0=$(stat_val requests)
cat "$Q/lc/products/$1" "$Q/lc/products/$2" > "$WORK/reread"
check "a re-read of files read whole makes no request ($(( $(stat_val requests) - r0 )))" \
	test "$(stat_val requests)" = "$r0"
check "  and gives the server's bytes" bash -c "cat '$DIRECT/$1' '$DIRECT/$2' | cmp -s - '$WORK/reread'"
check "unmount" vofs_umount

# --- no store transaction waits on the network --------------------------------------
# A service whose table list stalls after its headers: while its listing
# hangs, another service's query is created, run and stored at once (the
# table list is gathered in memory and stored in one short transaction
# once complete, so nothing holds the store meanwhile).
CACHE=$WORK/cache3
mkdir -p "$CACHE"
write_config "[stalled]" "url = $PROXY/f/stall=25@tableMetadata,nonce=$(basename "$WORK")/tap"
check "mount with a service whose /tables stalls (-o debug: requests are logged as they start)" \
	vofs_mount -o debug
ls "$MNT/stalled/tables" > /dev/null 2>&1 &
lspid=$!
tables_requested() { grep -q "GET .*stall=25@tableMetadata.*tableMetadata" "$LOG"; }
check "the stalled table list was asked for" wait_for 20 tables_requested
t0=$(date +%s.%N)
run_query "$Q/small" "SELECT TOP 3 id FROM vofstest.cat ORDER BY id"
st=$(wait_final "$Q/small")
dt=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')
check "a query on the good service completes while the other's table list stalls (${dt} s)" \
	bash -c "grep -q '^COMPLETED rows=3 ' <<<'$st' && awk -v d=$dt 'BEGIN{exit !(d < 10)}'"
kill -9 "$lspid" 2>/dev/null; wait "$lspid" 2>/dev/null
check "unmount" vofs_umount
check_log_clean
finish
