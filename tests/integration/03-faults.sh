#!/bin/bash
# Error paths through the fault-injecting proxy: every failure ends the
# query in ERROR with a message naming the URL and the cause, reading the
# result gives EIO, and the daemon keeps serving everything else.
. "$(dirname "$0")/../lib.sh"

Q=$MNT/local/queries
# mode = async: the faults are those of UWS jobs and their results
svc() { printf '[%s]\nurl = %s/f/%s/tap\nmode = async\n' "$1" "$PROXY" "$2"; }
write_config \
	"$(svc f500 'http500@%2Fasync')" \
	"$(svc fhtml 'html@%2Fresults%2F')" \
	"$(svc fbadxml 'badxml@%2Fresults%2F')" \
	"$(svc fbomb 'entitybomb@%2Fresults%2F')" \
	"$(svc freset 'reset@%2Fresults%2F')" \
	"$(svc ftrunc 'truncate@%2Fresults%2F')" \
	"$(svc fhuge 'hugeline@%2Fresults%2F')" \
	"$(svc fjob 'badxml@%2Fasync%2F')" \
	"$(svc fonce 'reset*1@%2Fresults%2F,http503*1@%2Fasync')" \
	"$(svc fstall 'stall@%2Fresults%2F')" \
	"$(printf 'timeout = 8')"
check "mount" vofs_mount

ADQL="SELECT TOP 50 id, name FROM vofstest.cat ORDER BY id"
expect_error() {   # service, pattern for the error text, description
	local d="$MNT/$1/queries/q"
	mkdir "$d" && echo "$ADQL" > "$d/query.adql"
	local st; st=$(wait_final "$d")
	check "$3: phase ERROR" grep -q "^ERROR" <<<"$st"
	check "$3: error says $2" grep -qiE "$2" "$d/error"
	local e; e=$(cat "$d/result.csv" 2>&1 >/dev/null)
	check "$3: reading the result is EIO" grep -q "Input/output error" <<<"$e"
}

expect_error f500 "HTTP 500.*/tap/async" "HTTP 500 from /async"
expect_error fhtml "/results/result: not a VOTable \(root element <html>\)" "an HTML body instead of a VOTable"
expect_error fbadxml "/results/result: malformed XML at line" "malformed XML"
expect_error fbomb "/results/result: .*entity declarations are not allowed" "an entity-expansion bomb"
expect_error freset "/results/result: .*Connection reset by peer" "a connection reset mid-body"
expect_error ftrunc "/results/result: .*partial file" "a body shorter than Content-Length"
expect_error fhuge "/results/result: .*nesting deeper than" "an endless nested document"
expect_error fstall "timed out after 8 s .*/results/result" "a stalled transfer (service timeout 8 s)"
expect_error fjob "GET .*/async/[^ ]*: malformed XML" "a malformed UWS job document"

# one reset and one 503, then the server behaves: the retry gets it all
mkdir "$MNT/fonce/queries/q" && echo "$ADQL" > "$MNT/fonce/queries/q/query.adql"
st=$(wait_final "$MNT/fonce/queries/q")
check "a transient reset and 503 are retried and the query completes" grep -q "^COMPLETED rows=50 " <<<"$st"
check "the retried result equals the server's" "$(dirname "$0")/compare.py" "$TAP_URL" "$ADQL" "$MNT/fonce/queries/q/result.csv"
for s in f500 fhtml fbadxml fbomb freset ftrunc fhuge fstall fjob; do
	echo "    # $s: $(head -c 300 "$MNT/$s/queries/q/error")"
done

rss=$(awk '/VmHWM/ {print $2}' /proc/$VOFS_PID/status)
check "peak RSS stayed under 200 MiB through the hostile documents (${rss} kB)" test "$rss" -lt 204800
check "retries were logged for the reset" grep -q "attempt 1 of" "$LOG"

# the daemon still serves the good service
run_query "$Q/ok" "$ADQL"
st=$(wait_final "$Q/ok")
check "after all faults a normal query still completes" grep -q "^COMPLETED rows=50 " <<<"$st"
# a run that timed out deletes its job: the server would work for nobody
job=$(sed -n 's/.* job=//p' "$MNT/fstall/queries/q/status")
check "the timed-out job was deleted on the server (DELETE ${job##*/})" \
	grep -qE "DELETE [^ ]*/async/${job##*/} " /tmp/vofs-faultproxy.log

# a job resumed after a crash keeps what is left of the timeout (8 s)
mkdir "$MNT/fstall/queries/r" && echo "$ADQL" > "$MNT/fstall/queries/r/query.adql"
t0=$(date +%s)
check "the run has a job before the SIGKILL" wait_for 10 grep -q "job=" "$MNT/fstall/queries/r/status"
sleep 2   # deliberate: the stalled run spends 2 s of its 8 s budget before the crash
kill -9 "$VOFS_PID"; wait "$VOFS_PID" 2>/dev/null; VOFS_PID=
fusermount3 -uz "$MNT"
check "remount after SIGKILL during the stalled run" vofs_mount
st=$(wait_final "$MNT/fstall/queries/r")
t1=$(date +%s)
check "the resumed run times out too ($st)" grep -q "^ERROR" <<<"$st"
check "... within the 8 s budget counted from the first start ($((t1 - t0)) s)" \
	test $((t1 - t0)) -le 14
check "... and says so" grep -q "timed out after [1-8] s" "$MNT/fstall/queries/r/error"

check "unmount cleanly" vofs_umount
check_log_clean
finish
