#!/bin/bash
# Saved queries: async and sync runs, results compared cell by cell with
# the server's own answer, MAXREC overflow, a failing query, cp, rename,
# rmdir deleting the remote job, concurrency, and a remount (offline) that
# keeps every byte.
. "$(dirname "$0")/../lib.sh"
# mode = async: these checks are about UWS jobs (auto mode: 13-auto.sh)
here=$(dirname "$0")

write_config "[viaproxy]" "url = $PROXY/f/http404@%2Fasync/tap" \
	"[slow]" "url = $PROXY/f/delay=8@%2Fresults%2F/tap" "mode = async" "[local]" "mode = async"
check "mount" vofs_mount
Q=$MNT/local/queries

# --- the whole 100k-row catalogue, async -----------------------------------
# all columns but uname: DaCHS 2.7 writes a wrong BINARY length for the
# non-BMP character of row 99999 (tests/server/README.md)
ALL="SELECT id, ra, dec, mag, flux, nobs, flag, name, mags FROM vofstest.cat"
check "mkdir creates a query" mkdir "$Q/all"
check_eq "a new query's status is EMPTY" "EMPTY" "$(cat "$Q/all/status")"
check "reading the result of an empty query fails" bash -c "! cat '$Q/all/result.csv' >/dev/null 2>&1"
echo 200000 > "$Q/all/maxrec"
echo "$ALL" > "$Q/all/query.adql"
st=$(cat "$Q/all/status")
check "status answers at once while the query runs" grep -qE "^(QUEUED|PENDING|EXECUTING|COMPLETED) " <<<"$st"
# reading blocks until the job ends
csvsum=$(sha256sum < "$Q/all/result.csv")
st=$(cat "$Q/all/status")
check "async query COMPLETED with 100000 rows" grep -qE "^COMPLETED rows=100000 elapsed=[0-9.]+s job=http" <<<"$st"
check "result.csv equals the server's answer cell by cell, and result.vot too" \
	"$here/compare.py" "$TAP_URL" "$ALL" "$Q/all/result.csv" "$Q/all/result.vot" --maxrec 200000
check "ls -l shows the exact size of result.csv" test "$(stat -c %s "$Q/all/result.csv")" -eq "$(wc -c < "$Q/all/result.csv")"
check "ls -l shows the exact size of result.vot" test "$(stat -c %s "$Q/all/result.vot")" -eq "$(wc -c < "$Q/all/result.vot")"
check "result.vot carries QUERY_STATUS OK and every FIELD's metadata" \
	bash -c "grep -q '<INFO name=\"QUERY_STATUS\" value=\"OK\"' '$Q/all/result.vot' && grep -q 'ucd=\"pos.eq.ra;meta.main\"' '$Q/all/result.vot'"
check "a float32 is written with the digits it needs" bash -c "! grep -qE ',[0-9]+\.[0-9]{10,},' <(cut -d, -f4 '$Q/all/result.csv' | head -1000)"
check "reads at odd offsets give the same bytes" python3 - "$Q/all/result.csv" <<'PY'
import sys, random
p = sys.argv[1]
whole = open(p, "rb").read()
random.seed(7)
with open(p, "rb", buffering=0) as f:
    for _ in range(200):
        off = random.randrange(len(whole)); n = random.randrange(1, 300000)
        f.seek(off)
        if f.read(n) != whole[off:off + n]:
            sys.exit(f"mismatch at {off}+{n}")
PY

# --- odd strings come through intact (CSV and VOTable) -----------------------
ODD="SELECT id, name, uname FROM vofstest.cat WHERE id <= 30"
run_query "$Q/odd" "$ODD"
wait_final "$Q/odd" >/dev/null
check "odd strings: quotes, commas, tabs, newlines, unicode round-trip" \
	"$here/compare.py" "$TAP_URL" "$ODD" "$Q/odd/result.csv" "$Q/odd/result.vot"

# --- DaCHS's broken BINARY after a non-BMP unicodeChar: asked again as TABLEDATA -----
ASTRAL="SELECT id, name, uname FROM vofstest.cat WHERE id >= 99990 ORDER BY id"
run_query "$Q/astral" "$ASTRAL"
st=$(wait_final "$Q/astral")
check "a result the server breaks after a non-BMP character still completes" grep -q "^COMPLETED rows=11 " <<<"$st"
check "... by asking for TABLEDATA once more (logged)" grep -q "asking again for TABLEDATA" "$LOG"
check "... and equals the server's TABLEDATA answer" "$here/compare.py" "$TAP_URL" "$ASTRAL" "$Q/astral/result.csv" \
	--format "application/x-votable+xml;serialization=TABLEDATA"
check "the non-BMP character came through" grep -q "🔭" "$Q/astral/result.csv"

# --- a cone search through /sync (the proxy hides /async) --------------------
CONE="SELECT id, ra, dec, mag FROM vofstest.cat WHERE 1=CONTAINS(POINT('ICRS', ra, dec), CIRCLE('ICRS', 150, 2, 0.5))"
mkdir "$MNT/viaproxy/queries/cone"
echo "$CONE" > "$MNT/viaproxy/queries/cone/query.adql"
st=$(wait_final "$MNT/viaproxy/queries/cone")
check "a service without /async runs the query through /sync" grep -qE "^COMPLETED rows=[1-9][0-9]* " <<<"$st"
check "the sync result equals the server's" "$here/compare.py" "$TAP_URL" "$CONE" "$MNT/viaproxy/queries/cone/result.csv"

# --- MAXREC and overflow -----------------------------------------------------
run_query "$Q/capped" "SELECT id, mag FROM vofstest.cat ORDER BY id" 25
st=$(wait_final "$Q/capped")
check "MAXREC 25 gives 25 rows and says overflow" grep -qE "^COMPLETED rows=25 .* overflow" <<<"$st"
check_eq "maxrec reads back" "25" "$(cat "$Q/capped/maxrec")"
check "result.vot of a truncated result says OVERFLOW" grep -q 'value="OVERFLOW"' "$Q/capped/result.vot"
check "the capped result equals the server's with MAXREC 25" \
	"$here/compare.py" "$TAP_URL" "SELECT id, mag FROM vofstest.cat ORDER BY id" "$Q/capped/result.csv" "$Q/capped/result.vot" --maxrec 25
check "a maxrec that is not a number is refused" bash -c "! echo lots > '$Q/capped/maxrec'"
check_eq "the refused maxrec left the old value" "25" "$(cat "$Q/capped/maxrec")"

# --- malformed ADQL ------------------------------------------------------------
run_query "$Q/bad" "SELEKT nothing FROM nowhere"
st=$(wait_final "$Q/bad")
check "malformed ADQL ends in ERROR" grep -q "^ERROR" <<<"$st"
check "error holds the service's message" grep -qi "syntax\|could not parse\|expected" "$Q/bad/error"
err=$(cat "$Q/bad/result.csv" 2>&1 >/dev/null)
check "reading the result of a failed query is EIO" grep -q "Input/output error" <<<"$err"
check "the failure was logged" grep -q "query local/bad:" "$LOG"
check "other queries are unaffected" test "$(sha256sum < "$Q/all/result.csv")" == "$csvsum"

# --- cp creates a query; mv renames ------------------------------------------
echo "SELECT TOP 3 id FROM vofstest.cat ORDER BY id" > "$WORK/three.adql"
check "cp my.adql queries/ creates and runs query my" cp "$WORK/three.adql" "$Q/"
st=$(wait_final "$Q/three")
check "the copied query ran" grep -q "^COMPLETED rows=3 " <<<"$st"
check_eq "its result" "id 1 2 3" "$(tr -d '\r' < "$Q/three/result.csv" | tr '\n' ' ' | sed 's/ $//')"
check "mv renames a query" mv "$Q/three" "$Q/first3"
check "the renamed query keeps its result" grep -q "^3" "$Q/first3/result.csv"

# --- a long query does not block the rest of the tree --------------------------
run_query "$Q/slowish" "SELECT id, ra, dec, name FROM vofstest.cat WHERE mod(id, 3) = 0" 100000
( cat "$Q/slowish/result.csv" > /dev/null ) &
reader=$!
t0=$(date +%s%N)
ls "$MNT/local/tables" > /dev/null; cat "$Q/all/status" > /dev/null; head -c 100 "$Q/all/result.csv" > /dev/null
t1=$(date +%s%N)
check "while a reader waits for a running query, ls and reads elsewhere answer in < 1 s" test $(( (t1 - t0) / 1000000 )) -lt 1000
wait $reader
check "the waiting reader got the whole result" grep -q "^COMPLETED rows=33333 " "$Q/slowish/status"

# --- a rewritten query replaces its result everywhere, page cache included ----------
run_query "$Q/rerun" "SELECT TOP 3 id FROM vofstest.cat ORDER BY id"
wait_final "$Q/rerun" > /dev/null
first=$(tr -d '\r' < "$Q/rerun/result.csv" | tr '\n' ' ')
echo "SELECT TOP 5 id, flag FROM vofstest.cat ORDER BY id" > "$Q/rerun/query.adql"
second=$(tr -d '\r' < "$Q/rerun/result.csv" | tr '\n' ' ')
check_eq "the first result" "id 1 2 3 " "$first"
check_eq "rewriting query.adql gives the new result at once, never the old bytes" \
	"id,flag 1,32767 2,-32767 3,0 4,9 5,1 " "$second"
check "ls -l shows the new size" test "$(stat -c %s "$Q/rerun/result.csv")" -eq "$(wc -c < "$Q/rerun/result.csv")"

# --- the wait for a running query can be interrupted ----------------------------
run_query "$MNT/slow/queries/s" "SELECT TOP 5 id FROM vofstest.cat"
t0=$(date +%s%N)
timeout -s INT 1 cat "$MNT/slow/queries/s/result.csv" > /dev/null 2>&1
rc=$?
t1=$(date +%s%N)
check "SIGINT ends a reader waiting for a running query (rc $rc)" test $rc -ne 0
check "... promptly (< 3 s)" test $(( (t1 - t0) / 1000000 )) -lt 3000
check "the query itself goes on and completes" grep -q "^COMPLETED rows=5 " <(wait_final "$MNT/slow/queries/s")

# --- rmdir deletes the remote job ----------------------------------------------
job=$(sed -n 's/.* job=\([^ ]*\).*/\1/p' "$Q/capped/status")
check "an async query records its job URL" test -n "$job"
check "rmdir deletes the query" rmdir "$Q/capped"
check "the query is gone" test ! -e "$Q/capped"
http_code_is() { curl -s -o /dev/null -w '%{http_code}' "$2" | grep -qx "$1"; }
check "rmdir deleted the remote UWS job (404 within 5 s)" wait_for 5 http_code_is 404 "$job"

# --- SIGKILL in the middle of a run: the next mount resumes the job ---------------
KILLQ="SELECT TOP 40 id, name FROM vofstest.cat ORDER BY id"
run_query "$MNT/slow/queries/killed" "$KILLQ"
check "a job URL was recorded before the kill" wait_for 10 grep -q "job=" "$MNT/slow/queries/killed/status"
killed_job=$(sed -n 's/.* job=\([^ ]*\).*/\1/p' "$MNT/slow/queries/killed/status")
kill -9 "$VOFS_PID"; wait "$VOFS_PID" 2>/dev/null; VOFS_PID=
fusermount3 -uz "$MNT"
check "remount after SIGKILL" vofs_mount
st=$(wait_final "$MNT/slow/queries/killed")
check "the killed run was resumed from its job and completed" grep -q "^COMPLETED rows=40 .*job=$killed_job" <<<"$st"
check "the resumed result equals the server's" "$here/compare.py" "$TAP_URL" "$KILLQ" "$MNT/slow/queries/killed/result.csv"
check "the log says it resumed" grep -q "query slow/killed was .* at unmount: resuming" "$LOG"

# --- remount, offline: the same tree with the same bytes ------------------------
cat "$MNT/local/tables/vofstest.cat/columns.csv" "$MNT/local/tables/vofstest.cat/sample.csv" > /dev/null
sums() { (cd "$MNT/local/queries" && for f in */result.csv */result.vot */status */query.adql; do echo "$f $(sha256sum < "$f" 2>&1)"; done) }
before=$(sums)
check "unmount cleanly" vofs_umount
write_config "[viaproxy]" "url = $PROXY/f/http404@%2Fasync/tap" \
	"[slow]" "url = $PROXY/f/delay=8@%2Fresults%2F/tap" "mode = async" "[local]" "mode = async"
sed -i "s#^url = $TAP_URL#url = http://127.0.0.1:9/tap#" "$WORK/services.ini"
check "remount with the service unreachable" vofs_mount
after=$(sums)
check_eq "after an offline remount every result, status and query is byte-identical" "$before" "$after"
check "columns.csv is served from the cache offline" grep -q "^ra," "$MNT/local/tables/vofstest.cat/columns.csv"
check "sample.csv is served from the cache offline" test "$(wc -l < "$MNT/local/tables/vofstest.cat/sample.csv")" -gt 100
check "unmount cleanly" vofs_umount
check_log_clean
finish
