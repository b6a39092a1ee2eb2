# tests/lib.sh - shared by the integration tests and the examples.
# Source it; it defines check/ok/fail/skip counting, waiting on a condition,
# mounting, and cleanup.
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

# _centis SECONDS: sets _CS to a duration such as 5, 0.3 or 1.25 in hundredths
# of a second
_centis() {
	local i=${1%%.*} f=
	[ "$i" = "$1" ] || f=${1#*.}
	f=${f}00
	_CS=$(( 10#${i:-0} * 100 + 10#${f:0:2} ))
}
# _uptime: sets _NOW to the time since boot in hundredths of a second (a
# monotonic clock: a step of the wall clock neither stretches nor cuts a wait)
_uptime() { local up _; read -r up _ < /proc/uptime; _NOW=$(( 10#${up/./} )); }

# wait_for TIMEOUT_S CMD [ARGS...]: run CMD (in this shell, so a function
# works; its output goes to $WORK/wait_for.PID.out) every WAIT_STEP seconds
# (default 0.05) until it succeeds, and return 0.  When TIMEOUT_S (may be
# fractional) passes first, say what was awaited and CMD's last output, and
# return 1: "check DESC wait_for 5 CMD" fails with the reason.  Use it
# instead of a sleep that hopes something has happened by then.
wait_for() {
	local limit=$1 end out=$WORK/wait_for.$BASHPID.out; shift
	_centis "$limit"; _uptime
	end=$((_NOW + _CS))
	until "$@" > "$out" 2>&1; do
		_uptime
		if [ "$_NOW" -ge "$end" ]; then
			echo "# TIMEOUT: still not true after $limit s: $*"
			head -5 "$out" | sed 's/^/#   /'
			return 1
		fi
		sleep "${WAIT_STEP:-0.05}"
	done
}

# pid_gone PID: the process has ended (for wait_for)
pid_gone() { ! kill -0 "$1" 2>/dev/null; }

# replay_start: tests/server/replay.py (other servers' captured documents)
# on a free port (REPLAY_PORT to choose one: another run of the tests may
# hold any fixed port, and its replay would answer ours); sets R (its base
# URL) and RPID, logs to $WORK/replay.log, and waits until it answers.
replay_start() {
	local port=${REPLAY_PORT:-$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
	R=http://127.0.0.1:$port
	/usr/bin/python3 "$VOFS_ROOT/tests/server/replay.py" --port "$port" 2> "$WORK/replay.log" &
	RPID=$!
	wait_for 10 curl -sf "$R/noup/tap/capabilities" -o /dev/null
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
	wait_for 10 _mounted_or_dead
	if ! kill -0 "$VOFS_PID" 2>/dev/null; then
		echo "# vofs died while mounting; log:"; tail -20 "$LOG" | sed 's/^/    # /'
		VOFS_PID=
		return 1
	fi
	mountpoint -q "$MNT" || { echo "# mount did not appear within 10 s"; return 1; }
}
_mounted_or_dead() { mountpoint -q "$MNT" || ! kill -0 "$VOFS_PID" 2>/dev/null; }

# vofs_umount: unmount and require a clean exit of the daemon
vofs_umount() {
	local rc=0
	[ -n "$VOFS_PID" ] || return 1
	fusermount3 -u "$MNT" || { echo "# fusermount3 -u failed"; rc=1; }
	if ! wait_for 15 pid_gone "$VOFS_PID"; then
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

# wait_final DIR: block until the query's status is final (COMPLETED, ERROR or
# ABORTED; at most 120 s); prints the status line, and on stderr why not
wait_final() {
	if WAIT_STEP=0.1 wait_for 120 _final_status "$1/status" > /dev/null; then
		cat "$WORK/wait_for.$BASHPID.out"
	else
		echo "# TIMEOUT: $1 did not end within 120 s" >&2
		cat "$1/status" 2>/dev/null
		return 1
	fi
}
_final_status() {
	local st=
	{ read -r st < "$1"; } 2>/dev/null
	echo "$st"
	case "$st" in COMPLETED*|ERROR*|ABORTED*) return 0;; esac
	return 1
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
