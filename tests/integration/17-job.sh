#!/bin/bash
# queries/<name>/job (issue 13): a UWS job made elsewhere (here with curl)
# is adopted by writing its URL: the query follows that job (starting it
# when PENDING) instead of making one, its result is the job's own result,
# its query.adql and maxrec are the job's QUERY and MAXREC, an ERROR job's
# message lands in error.  A URL of another host or port, one that is no
# URL, and a job that is not there are refused with the query unchanged.
# Writing job cancels a run in progress (its own job is deleted); writing
# query.adql afterwards runs a job of vofs's own.  The adopted job survives
# a clean remount and a SIGKILL mid-run; rmdir and rm -r leave a job vofs
# did not create on the server (vofs(1)), and delete vofs's own.
. "$(dirname "$0")/../lib.sh"
here=$(dirname "$0")

SLOW=$PROXY/f/delay=8@%2Fresults%2F/tap
write_config "[async]" "url = $TAP_URL" "mode = async" \
	"[slow]" "url = $SLOW" "mode = async"
check "mount" vofs_mount || { finish; exit 1; }
Q=$MNT/local/queries

# mkjob BASE ADQL [MAXREC]: a job made with curl (not started); prints its URL
mkjob() {
	local args=(-d REQUEST=doQuery -d LANG=ADQL --data-urlencode "QUERY=$2")
	[ -n "${3:-}" ] && args+=(-d "MAXREC=$3")
	curl -s -o /dev/null -w '%{redirect_url}' "${args[@]}" "$1/async"
}
runjob() { curl -s -o /dev/null -d PHASE=RUN "$1/phase"; }
phase_of() { curl -s "$1/phase"; }
http_code_is() { curl -s -o /dev/null -w '%{http_code}' "$2" | grep -qx "$1"; }
phase_is() { [ "$(phase_of "$2")" == "$1" ]; }
# write_errno FILE TEXT: write and close as a program does; prints "ok" or
# the errno's name (close() reports what the adoption found)
write_errno() {
	python3 - "$1" "$2" <<'PY'
import errno, sys
try:
    with open(sys.argv[1], "w") as f:
        f.write(sys.argv[2])
    print("ok")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
PY
}
made=()   # jobs this script made, deleted at the end (vofs leaves them)

# --- a new query: job is one of its files, empty -----------------------------------
mkdir "$Q/a"
check "job is listed in a query directory" bash -c "ls '$Q/a' | grep -qx job"
check_eq "... with mode 644 like query.adql" "644 0" "$(stat -c '%a %s' "$Q/a/job")"
check_eq "... and empty while the query has not run" "" "$(cat "$Q/a/job")"

# --- a job made and started with curl is adopted ---------------------------------------
ADQL="SELECT id, ra, dec, mag, name FROM vofstest.cat WHERE id <= 50 ORDER BY id"
job=$(mkjob "$TAP_URL" "$ADQL" 7); made+=("$job")
check "curl made a job ($job)" grep -q "^http://" <<<"$job"
runjob "$job"
check "echo URL > job succeeds" bash -c "echo '$job' > '$Q/a/job'"
st=$(wait_final "$Q/a")
check "the adopted job's run COMPLETED with its MAXREC of 7 rows ($st)" \
	grep -qE "^COMPLETED rows=7 .*overflow job=$job\$" <<<"$st"
check_eq "cat job gives the job URL" "$job" "$(cat "$Q/a/job")"
check_eq "... with a newline, and stat says its size" "$(( ${#job} + 1 )) $(( ${#job} + 1 ))" \
	"$(wc -c < "$Q/a/job") $(stat -c %s "$Q/a/job")"
check_eq "getfattr user.vo.job_url says it too" "$job" \
	"$(getfattr --only-values -n user.vo.job_url "$Q/a" 2>/dev/null)"
check_eq "query.adql holds the job's query" "$ADQL" "$(cat "$Q/a/query.adql")"
check_eq "maxrec holds the job's MAXREC" "7" "$(cat "$Q/a/maxrec")"
curl -s "$job/results/result" -o "$WORK/a.vot"
check "result.csv and result.vot equal curl's fetch of the job's results/result, cell by cell" \
	"$here/compare.py" "$TAP_URL" "$ADQL" "$Q/a/result.csv" "$Q/a/result.vot" --server-vot "$WORK/a.vot"
csv_rows() { python3 -c 'import csv, sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' "$1"; }
check_eq "... which has the 7 rows" 7 "$(csv_rows "$Q/a/result.csv")"
check "the log says it adopted the job and followed it" \
	bash -c "grep -qF 'query local/a: adopting job $job (' '$LOG' && grep -q 'query local/a: following the adopted job' '$LOG'"

# --- a PENDING job is started by the adoption -------------------------------------------
P_ADQL="SELECT TOP 4 id, name FROM vofstest.cat WHERE id > 100 ORDER BY id"
pjob=$(mkjob "$TAP_URL" "$P_ADQL"); made+=("$pjob")
check_eq "curl's second job is PENDING" "PENDING" "$(phase_of "$pjob")"
mkdir "$Q/p"
echo "$pjob" > "$Q/p/job"
st=$(wait_final "$Q/p")
check "adopting the PENDING job runs it to COMPLETED ($st)" grep -qE "^COMPLETED rows=4 .*job=$pjob\$" <<<"$st"
check_eq "... the job itself was started (its phase on the server)" "COMPLETED" "$(phase_of "$pjob")"
check_eq "... maxrec is empty (the job has none)" "" "$(cat "$Q/p/maxrec")"
curl -s "$pjob/results/result" -o "$WORK/p.vot"
check "... and its result is the job's" "$here/compare.py" "$TAP_URL" "$P_ADQL" "$Q/p/result.csv" \
	--server-vot "$WORK/p.vot"

# --- a job that ends in ERROR -------------------------------------------------------------
BAD="SELEKT nothing FROM nowhere"
ejob=$(mkjob "$TAP_URL" "$BAD"); made+=("$ejob")
runjob "$ejob"
check "curl's bad query ends in ERROR on the server" wait_for 20 phase_is ERROR "$ejob"
mkdir "$Q/e"
echo "$ejob" > "$Q/e/job"
st=$(wait_final "$Q/e")
check "the adopted ERROR job gives status ERROR ($st)" grep -qE "^ERROR .*job=$ejob\$" <<<"$st"
check "... and its message in error" grep -qi "could not parse" "$Q/e/error"
check_eq "... query.adql holds its (bad) query" "$BAD" "$(cat "$Q/e/query.adql")"
check "... reading its result is EIO" bash -c "cat '$Q/e/result.csv' 2>&1 >/dev/null | grep -q 'Input/output error'"

# --- refused: another host or port, no URL, no job; the query stays as it was -------------
state() { cat "$Q/a/status" "$Q/a/query.adql" "$Q/a/maxrec" "$Q/a/job"; sha256sum < "$Q/a/result.csv"; }
before=$(state)
other=http://127.0.0.1:8090/tap/async/x
msg=$(bash -c "echo '$other' > '$Q/a/job'" 2>&1)
check "a job URL on another port (the proxy's) is refused: echo fails with EINVAL ($msg)" \
	grep -q "write error: Invalid argument" <<<"$msg"
check "... the log names the rule" \
	grep -qF "local/queries/a/job: $other is not a job of this service: a job URL must have the scheme, host and port of the service's URL (http://127.0.0.1:8080)" "$LOG"
check_eq "... written by a program: EINVAL" "EINVAL" "$(write_errno "$Q/a/job" "http://example.invalid/tap/async/x")"
check "... another host is refused in the log too" \
	grep -qF "local/queries/a/job: http://example.invalid/tap/async/x is not a job of this service" "$LOG"
check_eq "... status, query.adql, maxrec, job and result are unchanged" "$before" "$(state)"
check_eq "a job URL that is not there (404): ENOENT at close" "ENOENT" \
	"$(write_errno "$Q/a/job" "$TAP_URL/async/nosuchjob$$")"
check "... logged with the server's answer" grep -qE "local/queries/a/job: GET $TAP_URL/async/nosuchjob$$: HTTP 404" "$LOG"
check_eq "... unchanged" "$before" "$(state)"
check_eq "garbage text: EINVAL" "EINVAL" "$(write_errno "$Q/a/job" "take the job from yesterday")"
check_eq "a word: EINVAL" "EINVAL" "$(write_errno "$Q/a/job" "hello")"
check_eq "a URL of the service that is no UWS job (its capabilities): EBADMSG" "EBADMSG" \
	"$(write_errno "$Q/a/job" "$TAP_URL/capabilities")"
check_eq "... unchanged" "$before" "$(state)"
check_eq "writing nothing (: > job) changes nothing" "$before" "$(: > "$Q/a/job"; state)"

# --- writing query.adql afterwards: the query runs with a job of vofs's own ----------------
mkdir "$MNT/async/queries/r"
R=$MNT/async/queries/r
rjob=$(mkjob "$TAP_URL" "SELECT TOP 2 id FROM vofstest.cat ORDER BY id"); made+=("$rjob")
runjob "$rjob"
echo "$rjob" > "$R/job"
check "an adopted job completes on the async service" grep -q "^COMPLETED rows=2 " <(wait_final "$R")
echo "SELECT TOP 3 id FROM vofstest.cat ORDER BY id" > "$R/query.adql"
st=$(wait_final "$R")
own=$(cat "$R/job")
check "writing query.adql then runs it as a new job of vofs's own ($st)" \
	bash -c "grep -qE '^COMPLETED rows=3 .*job=http' <<<'$st' && [ -n '$own' ] && [ '$own' != '$rjob' ]"
check_eq "... its maxrec is the adopted job's (none)" "" "$(cat "$R/maxrec")"
check "... the adopted job was not deleted by the re-run" http_code_is 200 "$rjob"
check "rmdir of that query succeeds" rmdir "$R"
check "... and deletes vofs's own job (404 within 5 s)" wait_for 5 http_code_is 404 "$own"
check "... and leaves the adopted one" http_code_is 200 "$rjob"

# --- a query run through /sync (auto mode) has an empty job ---------------------------------
run_query "$Q/s" "SELECT TOP 2 id FROM vofstest.cat ORDER BY id"
st=$(wait_final "$Q/s")
check "a small query in auto mode runs through /sync ($st)" \
	bash -c "grep -q '^COMPLETED rows=2 ' <<<'$st' && ! grep -q 'job=' <<<'$st'"
check_eq "... and its job file is empty" "0 " "$(stat -c %s "$Q/s/job") $(cat "$Q/s/job")"

# --- writing job during a run cancels it; vofs's own job of that run is deleted ------------
S=$MNT/slow/queries/c
run_query "$S" "SELECT TOP 3 id FROM vofstest.cat ORDER BY id"
check "a run on the slow service has made its job" wait_for 15 grep -q "job=http" "$S/status"
j1=$(cat "$S/job")
check "... job names it while it runs" grep -q "^http://127.0.0.1:8090/" <<<"$j1"
S_ADQL="SELECT TOP 6 id, mag FROM vofstest.cat ORDER BY id"
sjob=$(mkjob "$SLOW" "$S_ADQL"); made+=("$sjob")
runjob "$sjob"
check "the proxy's job of the slow service is on its origin" grep -q "^http://127.0.0.1:8090/f/" <<<"$sjob"
check "writing job while the query runs succeeds" bash -c "echo '$sjob' > '$S/job'"
check_eq "... job names the adopted job at once" "$sjob" "$(cat "$S/job")"
check "... the cancelled run's own job is deleted on the server (404 within 10 s)" \
	wait_for 10 http_code_is 404 "$j1"
st=$(wait_final "$S")
check "... and the query completes with the adopted job's result ($st)" grep -qE "^COMPLETED rows=6 .*job=$sjob\$" <<<"$st"
check_eq "... query.adql is the adopted job's" "$S_ADQL" "$(cat "$S/query.adql")"
check "... the rows are the job's" "$here/compare.py" "$TAP_URL" "$S_ADQL" "$S/result.csv"

# --- SIGKILL while following an adopted job: the next mount follows it again ----------------
K_ADQL="SELECT TOP 5 id, name FROM vofstest.cat WHERE id > 50 ORDER BY id"
kjob=$(mkjob "$SLOW" "$K_ADQL"); made+=("$kjob")
mkdir "$MNT/slow/queries/k"
echo "$kjob" > "$MNT/slow/queries/k/job"
st=$(cat "$MNT/slow/queries/k/status")
check "the adopted run is under way when vofs is killed ($st)" grep -qE "^(QUEUED|PENDING|EXECUTING) " <<<"$st"
kill -9 "$VOFS_PID"; wait "$VOFS_PID" 2>/dev/null; VOFS_PID=
fusermount3 -uz "$MNT"
check "remount after SIGKILL" vofs_mount
st=$(wait_final "$MNT/slow/queries/k")
check "the adopted job was followed again and completed ($st)" grep -qE "^COMPLETED rows=5 .*job=$kjob\$" <<<"$st"
check "... as an adopted job (log)" \
	bash -c "[ \$(grep -c 'query slow/k: following the adopted job' '$LOG') -ge 2 ] && grep -q 'query slow/k was .* at unmount: resuming' '$LOG'"
check "... its rows are the job's" "$here/compare.py" "$TAP_URL" "$K_ADQL" "$MNT/slow/queries/k/result.csv"

# --- a clean remount keeps the adopted job, its text and its result -------------------------
keep() { for q in local/queries/a local/queries/p local/queries/e slow/queries/k; do
	cat "$MNT/$q/job" "$MNT/$q/query.adql" "$MNT/$q/maxrec" "$MNT/$q/status"
	sha256sum < "$MNT/$q/result.csv" 2>&1; done; }
before=$(keep)
check "unmount cleanly" vofs_umount
check "mount again" vofs_mount
check_eq "after a remount job, query.adql, maxrec, status and result are the same" "$before" "$(keep)"
check_eq "... job still gives the URL" "$job" "$(cat "$Q/a/job")"

# --- rmdir and rm -r leave an adopted job on the server -------------------------------------
in_job_list() { curl -s "$TAP_URL/async" | grep -qF "jobref id=\"${1##*/}\""; }
check "rmdir of a query with an adopted job succeeds" rmdir "$Q/a"
check "... the log says the job is left on the server" \
	grep -qF "query local/a: its adopted job $job is left on the server" "$LOG"
sleep 2   # a deletion would be under way by now (vofs's own: 404 within 5 s above)
check "... the job is still there (HTTP 200), COMPLETED" phase_is COMPLETED "$job"
check "... and in the service's job list" in_job_list "$job"
check "rm -r of a query with an adopted job removes it" rm -r "$Q/p"
check "... the query is gone" test ! -e "$Q/p"
sleep 2
check "... its job is still on the server" phase_is COMPLETED "$pjob"

# --- an editor's save (sed -i) onto job adopts the job it names ---------------------------------
mkdir "$Q/ed"
echo "$pjob" > "$Q/ed/job"
wait_final "$Q/ed" > /dev/null
check "sed -i on job succeeds" sed -i "s#$pjob#$ejob#" "$Q/ed/job"
st=$(wait_final "$Q/ed")
check "... and adopts the job it now names ($st)" grep -qE "^ERROR .*job=$ejob\$" <<<"$st"
mkdir "$Q/fresh"
check "... nothing of sed is left: it lists what a new query lists ($(ls -A "$Q/ed" | tr '\n' ' '))" \
	test "$(ls -A "$Q/ed" | sort | tr '\n' ' ')" == "$(ls -A "$Q/fresh" | sort | tr '\n' ' ')"

check "unmount cleanly" vofs_umount
check_log_clean
for j in "${made[@]}"; do curl -s -o /dev/null -X DELETE "$j"; done
finish
