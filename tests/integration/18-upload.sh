#!/bin/bash
# queries/<name>/upload/ (issue 13): tables sent with the query as
# TAP_UPLOAD.<table>, against DaCHS (which takes inline uploads).
#  - a CSV of 1,000 object ids copied in joins vofstest.phot (300,000 rows)
#    and gives the rows curl gets with the same upload (astropy's own
#    VOTable of the CSV), and the table survives a remount;
#  - two services on the same server: a query on one uploads the other's
#    result through `ln -s`; its rows equal the server's answer to the
#    equivalent subquery; re-running the first marks the second STALE and
#    reading it runs it again; a chain A -> B -> C re-runs in order; a cycle
#    is refused with ELOOP;
#  - bad input: a name that is no ADQL identifier, a ragged CSV, a file over
#    upload_max, a link into the mount that is no result: each a clear errno
#    and a log line, nothing stored, the query unchanged;
#  - a service whose capabilities lack upload-inline (replay.py serving a
#    copy of OpenCADC's without it) gets an error and no request;
#  - rm -r removes a query with its tables; editors' saves work in upload/.
. "$(dirname "$0")/../lib.sh"
PY=/usr/bin/python3
here=$(dirname "$0")
RPID=
cleanup() { vofs_cleanup; [ -n "$RPID" ] && kill "$RPID" 2>/dev/null; }
trap cleanup EXIT

if ! $PY -c 'import astropy.io.votable' 2>/dev/null; then
	skip "uploads" "python3-astropy is not installed (apt-get install python3-astropy)"
	finish; exit
fi
check "replay server answers" replay_start

write_config "[other]" "url = $TAP_URL" "" "[noup]" "url = $R/noup/tap" "mode = sync" "timeout = 20"
vofs_mount -o upload_max=2M || { fail "mount"; finish; exit 1; }
Q=$MNT/local/queries
O=$MNT/other/queries

# --- 1,000 ids joined with a 300,000-row table ---------------------------------------------
$PY -c 'print("id"); [print(1 + 97 * k) for k in range(1000)]' > "$WORK/ids.csv"
mkdir "$Q/xm"
check "upload/ is in every query directory" bash -c "ls '$Q/xm' | grep -qx upload"
check "cp of a CSV into upload/ succeeds" cp "$WORK/ids.csv" "$Q/xm/upload/ids.csv"
check "upload/ lists it, with its bytes" cmp "$WORK/ids.csv" "$Q/xm/upload/ids.csv"
printf 'not a table\n' > "$Q/xm/upload/notes.txt"
check "a file that is no <table>.csv or .vot is kept, with a log line saying it is not sent" \
	grep -q "notes.txt: not <table>.csv or <table>.vot: kept as a temporary file, never sent" "$LOG"
JOIN="SELECT p.phot_id, p.obj_id, p.epoch, p.flux FROM vofstest.phot AS p JOIN TAP_UPLOAD.ids AS u ON p.obj_id = u.id ORDER BY p.phot_id"
printf '%s\n' "$JOIN" > "$Q/xm/query.adql"
st=$(wait_final "$Q/xm")
check "the join COMPLETED ($st)" grep -q '^COMPLETED' <<<"$st"
$PY -c "from astropy.table import Table; Table.read('$WORK/ids.csv', format='csv').write('$WORK/ids.vot', format='votable')" 2>/dev/null
curl -sf -F REQUEST=doQuery -F LANG=ADQL -F "QUERY=$JOIN" -F "UPLOAD=ids,param:ids" \
	-F "ids=@$WORK/ids.vot;type=application/x-votable+xml" "$TAP_URL/sync" -o "$WORK/curl.vot"
check "curl with the same upload (astropy's VOTable of the CSV) got an answer" test -s "$WORK/curl.vot"
check "result.csv and result.vot hold the rows curl got" \
	$PY "$here/compare.py" "$TAP_URL" "$JOIN" "$Q/xm/result.csv" "$Q/xm/result.vot" --server-vot "$WORK/curl.vot"
rows=$(($(wc -l < "$Q/xm/result.csv") - 1))
check_eq "the join has the 3 epochs of each of the 1,000 ids" 3000 "$rows"
check "the daemon log names no error for it" bash -c "! grep -E 'error.*xm' '$LOG'"
rm "$Q/xm/upload/notes.txt"

# --- links between services: other/b uploads local/a's result -------------------------------
A="SELECT TOP 40 id, ra, dec FROM vofstest.cat WHERE MOD(id, 7) = 0 ORDER BY id"
run_query "$Q/a" "$A"
mkdir "$O/b"
check "ln -s of another service's result.vot into upload/" ln -s ../../../../local/queries/a/result.vot "$O/b/upload/a.vot"
check "readlink gives the target as written" test "$(readlink "$O/b/upload/a.vot")" = ../../../../local/queries/a/result.vot
B="SELECT p.phot_id, p.obj_id, p.epoch FROM vofstest.phot AS p JOIN TAP_UPLOAD.a AS a ON p.obj_id = a.id ORDER BY p.phot_id"
SUB="SELECT p.phot_id, p.obj_id, p.epoch FROM vofstest.phot AS p WHERE p.obj_id IN (SELECT TOP %s id FROM vofstest.cat WHERE MOD(id, 7) = 0 ORDER BY id) ORDER BY p.phot_id"
printf '%s\n' "$B" > "$O/b/query.adql"
st=$(wait_final "$O/b")
check "b (on the other service) COMPLETED ($st)" grep -q '^COMPLETED rows=120 ' <<<"$st"
check "b's rows equal the server's answer to the equivalent subquery" \
	$PY "$here/compare.py" "$TAP_URL" "$(printf "$SUB" 40)" "$O/b/result.csv"
check "b is not stale" bash -c "! grep -q STALE '$O/b/status'"
check "the log says b uploaded a's result" grep -q "upload/a.vot is the result of local/queries/a" "$LOG"

# re-running a makes b stale; reading b runs it again
printf '%s\n' "${A/TOP 40/TOP 15}" > "$Q/a/query.adql"
wait_final "$Q/a" > /dev/null
check "after a re-run of a, b's status says STALE" grep -q '^STALE' "$O/b/status"
check "reading b's result.csv runs b again: the rows of the new a" \
	$PY "$here/compare.py" "$TAP_URL" "$(printf "$SUB" 15)" "$O/b/result.csv"
check "... and b is not stale any more" bash -c "! grep -q STALE '$O/b/status'"

# a chain: local/c uploads other/b's result (b uploads a's)
mkdir "$Q/c"
check "ln -s for a chain a -> b -> c" ln -s ../../../../other/queries/b/result.csv "$Q/c/upload/b.vot"
printf '%s\n' "SELECT COUNT(*) AS n FROM TAP_UPLOAD.b" > "$Q/c/query.adql"
wait_final "$Q/c" > /dev/null
n15=$(tail -1 "$Q/c/result.csv")
printf '%s\n' "${A/TOP 40/TOP 25}" > "$Q/a/query.adql"
wait_final "$Q/a" > /dev/null
check "after a re-runs, c is STALE (through b)" grep -q '^STALE' "$Q/c/status"
n25=$(tail -1 "$Q/c/result.csv")
exp25=$(curl -sf -d REQUEST=doQuery -d LANG=ADQL -d RESPONSEFORMAT=csv \
	--data-urlencode "QUERY=SELECT COUNT(*) AS n FROM ($(printf "$SUB" 25 | sed 's/ ORDER BY p.phot_id$//')) AS s" \
	"$TAP_URL/sync" | tail -1 | tr -d '\r')
check_eq "reading c ran b, then c: c counts the rows of the new chain" "$exp25" "$n25"
check "... which differ from before ($n15 -> $n25)" test "$n15" != "$n25"
check "b ran before c (log order)" bash -c "grep -n 'query other/b: COMPLETED\|query local/c: COMPLETED' '$LOG' | tail -2 | head -1 | grep -q other/b"

# a cycle: a link from a to c's result closes a -> b -> c -> a
ln -s ../../c/result.vot "$Q/a/upload/c.vot" 2> "$WORK/ln.err"; rc=$?
check "a link that closes a cycle fails" test $rc -ne 0
check "... with ELOOP (Too many levels of symbolic links)" grep -q "Too many levels" "$WORK/ln.err"
check "... and a log line naming the cycle" grep -q "a cycle of links in upload/" "$LOG"
check "... and the link is not there" bash -c "! ls -a '$Q/a/upload' | grep -q c.vot"

# a link to a file outside the mount: read at each run; a change makes the query stale
printf 'id\n7\n14\n' > "$WORK/ext.csv"
mkdir "$Q/ext"
check "ln -s to a CSV outside the mount" ln -s "$WORK/ext.csv" "$Q/ext/upload/ext.csv"
printf '%s\n' "SELECT u.id FROM TAP_UPLOAD.ext AS u ORDER BY u.id" > "$Q/ext/query.adql"
check_eq "the outside file's rows are sent" "id 7 14" "$(tr -d '\r' < "$Q/ext/result.csv" | tr '\n' ' ' | sed 's/ $//')"
printf '21\n' >> "$WORK/ext.csv"
check "a change of the outside file makes the query STALE" grep -q '^STALE' "$Q/ext/status"
check_eq "... and reading runs it again with the new rows" "id 7 14 21" \
	"$(tr -d '\r' < "$Q/ext/result.csv" | tr '\n' ' ' | sed 's/ $//')"

# --- bad input ----------------------------------------------------------------------------
mkdir "$Q/bad"
printf '%s\n' "SELECT TOP 1 id FROM vofstest.cat" > "$Q/bad/query.adql"
wait_final "$Q/bad" > /dev/null
before=$(head -1 "$Q/bad/status" | cut -d' ' -f1-2)
cp "$WORK/ids.csv" "$Q/bad/upload/1bad.csv" 2> "$WORK/cp.err"; rc=$?
check "an upload named 1bad.csv is refused" test $rc -ne 0
check "... with EINVAL" grep -q "Invalid argument" "$WORK/cp.err"
check "... and a log line naming the rule" grep -q "1bad.csv: refused: an ADQL name starts with a letter" "$LOG"
printf 'id,name\n1,a\n2\n3,c\n' > "$WORK/ragged.csv"
cp "$WORK/ragged.csv" "$Q/bad/upload/ragged.csv" 2> "$WORK/cp.err"; rc=$?
check "a CSV with a ragged row fails at close" test $rc -ne 0
check "... with EINVAL" grep -q "Invalid argument" "$WORK/cp.err"
check "... and a log line naming the line" grep -q "ragged.csv: not stored: line 3 has 1 field, the header has 2" "$LOG"
head -c 3000000 /dev/urandom | base64 -w 60 | sed '1i col' > "$WORK/big.csv"
cp "$WORK/big.csv" "$Q/bad/upload/big.csv" 2> "$WORK/cp.err"; rc=$?
check "a file over upload_max (2M) fails" test $rc -ne 0
check "... with EFBIG" grep -q "File too large" "$WORK/cp.err"
check "... and a log line" grep -q "big.csv: larger than upload_max" "$LOG"
ln -s ../../a/status "$Q/bad/upload/st.vot" 2> "$WORK/ln.err"; rc=$?
check "a link into the mount to no result is refused (EINVAL)" \
	bash -c "test $rc -ne 0 && grep -q 'Invalid argument' '$WORK/ln.err'"
check "nothing of them is stored: upload/ is empty" test -z "$(ls -A "$Q/bad/upload")"
check "... and nothing half-stored in the store's uploads" \
	bash -c "! find '$CACHE/uploads' -name '*ragged*' -o -name '*big*' | grep -q ."
check_eq "... and the query is unchanged (not stale, not re-run)" "$before" "$(head -1 "$Q/bad/status" | cut -d' ' -f1-2)"
check "... no STALE line" bash -c "! grep -q STALE '$Q/bad/status'"
# a query the server refuses, with a table: ERROR with the server's message
printf 'x,y\n1,2\n' > "$WORK/kw.csv"
cp "$WORK/kw.csv" "$Q/bad/upload/kw.csv"
printf '%s\n' "SELECT nosuchcolumn FROM TAP_UPLOAD.kw" > "$Q/bad/query.adql"
st=$(wait_final "$Q/bad")
check "a query on an upload the server refuses ends in ERROR ($st)" grep -q '^ERROR' <<<"$st"
check "... with the server's message in error" grep -qi "nosuchcolumn" "$Q/bad/error"
rm -f "$Q/bad/upload/kw.csv"

# editors and tools: rsync's temporary file, then a rename; sed -i
check "rsync into upload/ (temporary .name.XXXXXX, then rename)" \
	rsync "$WORK/ids.csv" "$Q/bad/upload/ids2.csv"
check "... the table is there whole" cmp "$WORK/ids.csv" "$Q/bad/upload/ids2.csv"
check "sed -i on an upload" sed -i 's/^1$/2/' "$Q/bad/upload/ids2.csv"
check "... changed it" bash -c "sed -n 2p '$Q/bad/upload/ids2.csv' | grep -qx 2"
check "... and left no temporary file" test "$(ls -A "$Q/bad/upload")" = ids2.csv
check "rm of an upload" rm "$Q/bad/upload/ids2.csv"

# --- a service without upload-inline ------------------------------------------------------
mkdir "$MNT/noup/queries/n"
cp "$WORK/ids.csv" "$MNT/noup/queries/n/upload/ids.csv"
printf '%s\n' "SELECT * FROM TAP_UPLOAD.ids" > "$MNT/noup/queries/n/query.adql"
st=$(wait_final "$MNT/noup/queries/n")
check "a service without upload-inline: ERROR ($st)" grep -q '^ERROR' <<<"$st"
check "... saying why" grep -q "declares no inline upload" "$MNT/noup/queries/n/error"
check "... and nothing was sent to it" bash -c "! grep -E 'POST /noup/tap/(sync|async)' '$WORK/replay.log'"

# --- a remount keeps the tables ---------------------------------------------------------------
check "unmount" vofs_umount
vofs_mount -o upload_max=2M || fail "remount"
check "after a remount, upload/ids.csv has its bytes" cmp "$WORK/ids.csv" "$Q/xm/upload/ids.csv"
check "... the link is still there" test "$(readlink "$O/b/upload/a.vot")" = ../../../../local/queries/a/result.vot
check "... and xm is not stale" bash -c "! grep -q STALE '$Q/xm/status'"

# --- rm -r takes the tables with the query ---------------------------------------------------
xid=$(ls "$CACHE/uploads" | grep -v '^\.' | wc -l)
check "rm -r of a query with upload/ tables" rm -r "$Q/xm"
check "... the query is gone" test ! -e "$Q/xm"
check "... and so is its directory in the store" test "$(ls "$CACHE/uploads" | grep -v '^\.' | wc -l)" -lt "$xid"

check "unmount at the end" vofs_umount
check_log_clean
finish
