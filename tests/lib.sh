# tests/lib.sh - shared by the integration tests and the examples.
# Source it; it defines check/ok/fail/skip counting, mounting, and cleanup.
# Results are TAP-like lines that tests/run.sh counts: "ok - ...", "not ok - ...",
# and "ok - ... # SKIP reason" for a check that could not run here.

VOFS_ROOT=${VOFS_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
VOFS_BIN=${VOFS_BIN:-$VOFS_ROOT/build/fs/vofs}
TAP_URL=${TAP_URL:-http://127.0.0.1:8080/tap}
PROXY=${PROXY:-http://127.0.0.1:8090}
WORK=${WORK:-$(mktemp -d /tmp/vofs-test.XXXXXX)}
MNT=$WORK/mnt
CACHE=$WORK/cache
LOG=$WORK/vofs.log
VOFS_PID=
PASS=0
FAIL=0
SKIP=0

mkdir -p "$MNT" "$CACHE"

ok()   { PASS=$((PASS + 1)); echo "ok - $*"; }
fail() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# skip "description" "reason": a check that cannot run on this machine.  It is
# no pass: tests/run.sh counts it apart and lists it, with its reason, above
# its summary line.  Say why, and what would make it run.
skip() { SKIP=$((SKIP + 1)); echo "ok - $1 # SKIP $2"; }

# check "description" command...: ok when the command succeeds
# (runs in this shell, not a subshell: vofs_mount must set VOFS_PID here)
check() {
	local desc=$1; shift
	if "$@" > "$WORK/check.out" 2>&1; then
		ok "$desc"
	else
		fail "$desc"
		head -20 "$WORK/check.out" | sed 's/^/    # /'
	fi
}

# check_eq "description" expected actual
check_eq() {
	if [ "$2" == "$3" ]; then ok "$1"; else fail "$1"; echo "    # expected: $2"; echo "    # actual:   $3"; fi
}

# A config file with the services of the test archive.
write_config() {
	cat > "$WORK/services.ini" <<CONF
# written by tests/lib.sh
[local]
url = $TAP_URL

[dead]
url = http://127.0.0.1:9/tap
CONF
	for extra in "$@"; do printf '%s\n' "$extra" >> "$WORK/services.ini"; done
}

# vofs_mount [vofs options...]: mount on $MNT in the foreground (background job)
vofs_mount() {
	[ -f "$WORK/services.ini" ] || write_config
	"$VOFS_BIN" -f -o config="$WORK/services.ini" -o cache_dir="$CACHE" "$@" "$MNT" >>"$LOG" 2>&1 &
	VOFS_PID=$!
	for _ in $(seq 1 100); do
		if ! kill -0 "$VOFS_PID" 2>/dev/null; then
			echo "# vofs died while mounting; log:"; tail -20 "$LOG" | sed 's/^/    # /'
			VOFS_PID=
			return 1
		fi
		mountpoint -q "$MNT" && return 0
		sleep 0.1
	done
	echo "# mount did not appear within 10 s"
	return 1
}

# vofs_umount: unmount and require a clean exit of the daemon
vofs_umount() {
	local rc=0
	[ -n "$VOFS_PID" ] || return 1
	fusermount3 -u "$MNT" || { echo "# fusermount3 -u failed"; rc=1; }
	for _ in $(seq 1 150); do kill -0 "$VOFS_PID" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$VOFS_PID" 2>/dev/null; then
		echo "# daemon still running 15 s after unmount"; kill -9 "$VOFS_PID"; rc=1
	fi
	wait "$VOFS_PID" || { echo "# daemon exit status $?"; rc=1; }
	VOFS_PID=
	return $rc
}

vofs_cleanup() {
	if mountpoint -q "$MNT" 2>/dev/null; then fusermount3 -uz "$MNT" 2>/dev/null; fi
	[ -n "$VOFS_PID" ] && kill -9 "$VOFS_PID" 2>/dev/null
	VOFS_PID=
}
trap vofs_cleanup EXIT

# scan the daemon log for crashes and sanitizer reports
check_log_clean() {
	if grep -E "AddressSanitizer|runtime error:|LeakSanitizer|Segmentation|Aborted|assert" "$LOG" >/dev/null 2>&1; then
		fail "daemon log has no crash or sanitizer report"
		grep -E -A5 "AddressSanitizer|runtime error:|LeakSanitizer|Segmentation|assert" "$LOG" | head -30 | sed 's/^/    # /'
	else
		ok "daemon log has no crash or sanitizer report"
	fi
}

# wait_phase DIR: block until status is final; prints the status line
wait_final() {
	local st
	for _ in $(seq 1 600); do
		st=$(cat "$1/status" 2>/dev/null)
		case "$st" in COMPLETED*|ERROR*|ABORTED*) echo "$st"; return 0;; esac
		sleep 0.2
	done
	echo "$st"; return 1
}

# run_query DIR ADQL [maxrec]: create the query dir and run it
run_query() {
	mkdir -p "$1" || return 1
	[ -n "${3:-}" ] && { printf '%s\n' "$3" > "$1/maxrec" || return 1; }
	printf '%s\n' "$2" > "$1/query.adql"
}

finish() {
	echo "# $(basename "$0"): $PASS passed, $FAIL failed, $SKIP skipped"
	[ "$FAIL" -eq 0 ]
}
