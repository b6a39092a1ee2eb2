#!/bin/bash
# queries/<name>/result.tbl, the result as an IPAC table (issue 13): astropy's
# IPAC reader gives what its CSV reader gives of result.csv (names, values,
# masks) for results with every VOTable datatype the test archive has (long,
# int, short, float, double, char, unicodeChar, a float[3] array, a variable
# double array), nulls in each (a LEFT JOIN adds null long, double and char
# cells; short and float[3] nulls: cat.flag is never null, cat.mags is),
# awkward strings (quotes, '|', tabs, unicode outside the BMP, 1000
# characters, "NULL", "nan") and NaN.  Line breaks in a value are written as
# spaces (IPAC rows are lines) and compare so.  wc -c equals stat's size;
# reads at random offsets equal the whole file's bytes; the 100,000 rows of
# vofstest.cat (200 MB of IPAC: a 1000-character name widens every row)
# stream through the daemon with bounded memory.  A result stored before
# result.tbl existed gets its widths from its stored rows, once.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
CHK=$(dirname "$0")/ipac_check.py

if ! $PY -c 'import astropy.io.ascii' 2>/dev/null; then
	skip "result.tbl read by astropy" "python3-astropy is not installed (apt-get install python3-astropy)"
	finish
	exit
fi

vofs_mount || { fail "mount"; finish; exit 1; }
Q=$MNT/local/queries

MIXED="SELECT c.*, d.det_id, d.mjd, d.band FROM vofstest.cat AS c
 LEFT OUTER JOIN vofstest.det AS d ON d.obj_id = c.id
 WHERE c.id <= 30 OR c.id IN (50, 71, 97, 142, 166, 178, 1009, 2018)
 ORDER BY c.id, d.det_id"
IMAGES="SELECT * FROM vofstest.images ORDER BY obs_id"

run_query "$Q/mixed" "$(echo $MIXED)"
run_query "$Q/images" "$IMAGES"
for q in mixed images; do
	st=$(wait_final "$Q/$q")
	check "$q: COMPLETED" grep -q '^COMPLETED' <<<"$st"
	check "$q: result.tbl is listed" bash -c "ls '$Q/$q' | grep -qx result.tbl"
	check "$q: astropy reads result.tbl as it reads result.csv (names, values, nulls)" \
		$PY "$CHK" same "$Q/$q/result.tbl" "$Q/$q/result.csv"
	check_eq "$q: wc -c of result.tbl equals its stat size" \
		"$(stat -c %s "$Q/$q/result.tbl")" "$(cat "$Q/$q/result.tbl" | wc -c)"
	check "$q: 300 reads at random offsets equal the whole file's bytes" \
		$PY "$CHK" offsets "$Q/$q/result.tbl" 300
done
check "mixed: the header has the four lines, types long, int, float, double, char" \
	bash -c "head -4 '$Q/mixed/result.tbl' | sed -n 2p | tr -d ' ' | grep -qx '|long|double|double|float|double|int|int|char|char|char|long|double|char|'"
check "mixed: every line has the same number of characters" \
	bash -c "[ \$(python3 -c \"import sys; print(len({len(l) for l in open(sys.argv[1], encoding='utf-8')}))\" '$Q/mixed/result.tbl') = 1 ]"
cp "$Q/mixed/result.tbl" "$WORK/mixed.tbl"

# a failed query: result.tbl says EIO, as result.csv does
run_query "$Q/bad" "SELECT nosuchcolumn FROM vofstest.cat"
wait_final "$Q/bad" > /dev/null
check "a failed query's result.tbl has size 0 and reading it fails" \
	bash -c "[ \$(stat -c %s '$Q/bad/result.tbl') = 0 ] && ! cat '$Q/bad/result.tbl' 2>/dev/null"

# --- 100,000 rows, streamed --------------------------------------------------------------
run_query "$Q/all" "SELECT * FROM vofstest.cat" 200000
st=$(wait_final "$Q/all")
check "all: COMPLETED with 100000 rows" grep -q '^COMPLETED rows=100000' <<<"$st"
size=$(stat -c %s "$Q/all/result.tbl")
check "all: result.tbl is over 100 MB (every row as wide as the widest)" test "$size" -gt 100000000
# the daemon's peak memory while cat streams the whole file (VmHWM reset first)
echo 5 > /proc/$VOFS_PID/clear_refs
before=$(awk '/VmRSS/ {print $2}' /proc/$VOFS_PID/status)
got=$(cat "$Q/all/result.tbl" | wc -c)
peak=$(awk '/VmHWM/ {print $2}' /proc/$VOFS_PID/status)
check_eq "all: cat gives the stat size" "$size" "$got"
if ldd "$VOFS_BIN" 2>/dev/null | grep -q libasan; then
	skip "all: the daemon's memory grew by < 64 MB while $((size >> 20)) MB streamed (RSS $before kB, peak $peak kB)" \
		"not meaningful with AddressSanitizer: its quarantine keeps up to 256 MiB of freed memory (the release build checks it)"
else
	check "all: the daemon's memory grew by < 64 MB while $((size >> 20)) MB streamed (RSS $before kB, peak $peak kB)" \
		test $((peak - before)) -lt 65536
fi
check "all: astropy reads result.tbl as it reads result.csv" \
	$PY "$CHK" same "$Q/all/result.tbl" "$Q/all/result.csv"
check "all: 100 reads at random offsets equal the whole file's bytes" \
	$PY "$CHK" offsets "$Q/all/result.tbl" 100
rmdir "$Q/all" 2>/dev/null || rm -rf "$Q/all"
check "unmount" vofs_umount

# --- results stored before result.tbl existed ---------------------------------------------
check "the stored results' result.tbl sections dropped (as stored by an older vofs)" \
	$PY "$CHK" strip-tbl "$CACHE/vofs.db"
vofs_mount || { fail "remount"; finish; exit 1; }
check "an old result: result.tbl has the same size and bytes as before" \
	cmp "$WORK/mixed.tbl" "$Q/mixed/result.tbl"
check_eq "an old result: wc -c equals stat" \
	"$(stat -c %s "$Q/images/result.tbl")" "$(cat "$Q/images/result.tbl" | wc -c)"
check "an old result: the log says its widths were measured from the stored rows" \
	grep -q "result.tbl of a result stored before it existed" "$LOG"
n=$(grep -c "result.tbl of a result stored before it existed" "$LOG")
check "unmount" vofs_umount
vofs_mount || { fail "remount"; finish; exit 1; }
cat "$Q/mixed/result.tbl" "$Q/images/result.tbl" > /dev/null
check_eq "... once: the widths were kept, the next mount does not measure again" \
	"$n" "$(grep -c "result.tbl of a result stored before it existed" "$LOG")"
check "unmount" vofs_umount
check_log_clean
finish
