#!/bin/bash
# Result generations (issue 12): every run of a query makes a new result; a
# reader that opened result.csv or result.vot before a re-run (or an rmdir)
# reads its own bytes to the end, the same as a copy taken before, as a file
# replaced by rename on a disk does; a new open sees the new result once it is
# complete; a superseded generation is dropped from the store when its last
# reader closes.  rmdir racing a run that is finishing never crashes the
# daemon (run this script with the sanitizer build to make that a real check:
# VOFS_BIN=build-asan/fs/vofs).  CSV lines end in LF unless -o csv_crlf.
. "$(dirname "$0")/../lib.sh"

RACES=${RACES:-50}
BIG="SELECT id, ra, dec, mag FROM vofstest.cat ORDER BY id"
BIG2="SELECT id, ra, dec, mag FROM vofstest.cat ORDER BY id DESC"

write_config "[sync]" "url = $TAP_URL" "mode = sync" "[async]" "url = $TAP_URL" "mode = async"
vofs_mount || { fail "mount"; finish; exit 1; }
Q=$MNT/local/queries

# results generations in the store (the mount's own SQLite file, read-only)
gens() {
	python3 - "$CACHE" <<'PY'
import sqlite3, sys, glob
db = sqlite3.connect("file:%s?mode=ro" % glob.glob(sys.argv[1] + "/*.db")[0], uri=True)
print(db.execute("SELECT count(*) FROM results").fetchone()[0],
      db.execute("SELECT count(DISTINCT rid) FROM result_pages").fetchone()[0])
PY
}

run_query "$Q/big" "$BIG" 100000
check "the 100k-row query completes" wait_final "$Q/big"
cp "$Q/big/result.csv" "$WORK/before.csv"
cp "$Q/big/result.vot" "$WORK/before.vot"
check_eq "result.csv has the header and 100000 rows" 100001 "$(wc -l < "$WORK/before.csv")"
check "LF line ends: no CR in result.csv" bash -c "! grep -q $'\r' '$WORK/before.csv'"

# hold_read FILE OUT TRIGGER: read 1 MiB of FILE, then run TRIGGER (a re-run
# or an rmdir) and wait for it to take effect, then read the rest into OUT
hold_read() {
	python3 - "$@" <<'PY'
import subprocess, sys
path, out, trigger = sys.argv[1:4]
with open(path, "rb") as f, open(out, "wb") as o:
    o.write(f.read(1 << 20))
    subprocess.run(["bash", "-c", trigger], check=True)
    while True:
        b = f.read(65536)
        if not b:
            break
        o.write(b)
PY
}

# a re-run with a different answer while result.csv and result.vot are open
rerun_now() {
	echo "$BIG2" > "$Q/big/query.adql" && wait_final "$Q/big" > /dev/null
}
check "a reader of result.csv goes on through a re-run" \
	hold_read "$Q/big/result.csv" "$WORK/held.csv" "$(declare -f wait_for _centis _uptime wait_final _final_status rerun_now); Q='$Q' BIG2='$BIG2' WORK='$WORK' rerun_now"
check "... and reads the old bytes whole (same checksum as a copy taken before)" \
	cmp "$WORK/before.csv" "$WORK/held.csv"
cp "$Q/big/result.csv" "$WORK/after.csv"
check_eq "a new open sees the new result" "100000" "$(sed -n 2p "$WORK/after.csv" | cut -d, -f1)"
check_eq "the new result is whole" 100001 "$(wc -l < "$WORK/after.csv")"
check_eq "the superseded generation is gone once its reader closed (results, paged)" "1 1" "$(gens)"

# result.vot, and two readers of two generations at once
exec 7< "$Q/big/result.vot"     # generation 2 (DESC), held open
head -c 100 <&7 > /dev/null
echo "$BIG" > "$Q/big/query.adql"
check "the query runs again while result.vot is open" wait_final "$Q/big"
cp "$Q/big/result.vot" "$WORK/vot3"
check "a new reader gets the new result.vot (ascending again)" cmp "$WORK/before.vot" "$WORK/vot3"
check_eq "two generations are stored while the old one is open" "2 2" "$(gens)"
exec 7<&-
check_eq "... and one after it is closed" "1 1" "$(gens)"

# rmdir while a reader is half-way: it still reads to the end
cp "$Q/big/result.csv" "$WORK/before2.csv"
check "a reader of result.csv goes on through rmdir of its query" \
	hold_read "$Q/big/result.csv" "$WORK/held2.csv" "rmdir '$Q/big'"
check "... with the bytes of its generation" cmp "$WORK/before2.csv" "$WORK/held2.csv"
check "the query is gone" test ! -e "$Q/big"
check_eq "nothing of it is left in the store" "0 0" "$(gens)"

# rmdir racing a run that is finishing: on a sync service a run takes tens of
# milliseconds, so sleeps of 0 to 140 ms land before, during and right after
# its end; every 5th round on the async service lands 0.2 to 1.4 s in
race() {
	local i bad=0 svc d
	for ((i = 1; i <= RACES; i++)); do
		svc=sync; d=0.$(printf '%03d' $(( (i % 15) * 10 )))
		if [ $((i % 5)) -eq 0 ]; then svc=async; d=0.$(( i % 7 + 2 )); fi
		mkdir "$MNT/$svc/queries/race" || { bad=$((bad + 1)); continue; }
		echo "SELECT TOP $((i % 7 + 1)) id FROM vofstest.cat" > "$MNT/$svc/queries/race/query.adql"
		sleep "$d"
		rmdir "$MNT/$svc/queries/race" || bad=$((bad + 1))
		kill -0 "$VOFS_PID" || { echo "daemon died in round $i"; return 1; }
	done
	echo "$bad rounds where mkdir or rmdir failed"
	[ "$bad" -eq 0 ]
}
check "$RACES rounds of rmdir racing a finishing run: every mkdir and rmdir works, the daemon lives" race
check "no query is left after the races" bash -c "[ -z \"\$(ls -A '$Q')\$(ls -A '$MNT/sync/queries')\$(ls -A '$MNT/async/queries')\" ]"
check "the store holds no result after the races (the next mount's clean-up aside)" \
	wait_for 10 bash -c "[ \"\$(python3 -c 'import sqlite3,glob; print(sqlite3.connect(\"file:\"+glob.glob(\"$CACHE/*.db\")[0]+\"?mode=ro\", uri=True).execute(\"SELECT count(*) FROM results\").fetchone()[0])')\" = 0 ]"
check "unmount cleanly" vofs_umount
check_log_clean
# the same product path naming another URL after a re-run: the kernel's
# pages of the first must not be served for the second, nor its size (a
# long attr_timeout makes the kernel keep the old file's size for sure)
vofs_mount -o attr_timeout=30 || { fail "mount with attr_timeout=30"; finish; exit 1; }
PQ="SELECT TOP 1 'same' AS obs_id, access_url, access_format FROM ivoa.obscore WHERE obs_collection='vofslc' ORDER BY access_url"
# the second URL is whole in the block cache first (another query read it),
# so the re-run's open finds a complete object
run_query "$Q/pre" "$PQ DESC"
wait_final "$Q/pre" > /dev/null
cat "$Q/pre/products/same.fits" > /dev/null
run_query "$Q/swap" "$PQ"
wait_final "$Q/swap" > /dev/null
url1=$(getfattr --only-values -n user.vo.url "$Q/swap/products/same.fits" 2>/dev/null)
cat "$Q/swap/products/same.fits" > /dev/null; cat "$Q/swap/products/same.fits" > /dev/null
stat "$Q/swap/products/same.fits" > /dev/null
echo "$PQ DESC" > "$Q/swap/query.adql"
wait_final "$Q/swap" > /dev/null
url2=$(getfattr --only-values -n user.vo.url "$Q/swap/products/same.fits" 2>/dev/null)
check "a re-run maps products/same.fits to another URL ($url1 -> $url2)" 	test -n "$url1" -a -n "$url2" -a "$url1" != "$url2"
curl -sf "$url2" -o "$WORK/url2.fits"
check "... and a read gives the new URL's bytes, not the kernel's pages of the old one" 	cmp "$WORK/url2.fits" "$Q/swap/products/same.fits"
check "... and so does a second read" cmp "$WORK/url2.fits" "$Q/swap/products/same.fits"
check "... and stat gives the new URL's size (the kernel was told to drop the old one)" \
	wait_for 5 bash -c "[ \"\$(stat -c %s '$Q/swap/products/same.fits')\" = $(stat -c %s "$WORK/url2.fits") ]"

check "unmount cleanly" vofs_umount
check_log_clean

# -o csv_crlf: RFC 4180 line ends, for new results; a result stored with LF
# keeps LF (its sizes were counted so)
vofs_mount -o csv_crlf || { fail "mount with csv_crlf"; finish; exit 1; }
run_query "$Q/crlf" "SELECT TOP 3 id, name FROM vofstest.cat ORDER BY id"
wait_final "$Q/crlf" > /dev/null
check_eq "-o csv_crlf: lines end in CRLF" 4 "$(grep -c $'\r$' "$Q/crlf/result.csv")"
check_eq "... and wc -c agrees with the bytes read" "$(stat -c %s "$Q/crlf/result.csv")" "$(cat "$Q/crlf/result.csv" | wc -c)"
check "unmount cleanly" vofs_umount
vofs_mount || { fail "remount"; finish; exit 1; }
check_eq "after a remount without csv_crlf the stored result keeps its CRLF" 4 "$(grep -c $'\r$' "$Q/crlf/result.csv")"
check "unmount cleanly" vofs_umount
check_log_clean
finish
