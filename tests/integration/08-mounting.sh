#!/bin/bash
# Mounting like any other file system, and seeing what happens:
# --version and --help, the man page against the option table, meson
# install, mount -t fuse.vofs through /sbin/mount.fuse.vofs, an fstab line
# (root with mount -T, and a normal user with the "user" option in
# /etc/fstab), setuid=, the systemd user unit's commands, SIGTERM during
# downloads and during a stalled transfer (prompt, status 0, the cache
# blocks kept), syslog when not in the foreground, -o debug,
# .vofs/transfers during an rsync, .vofs/stats, and status as xattrs.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
Q=$MNT/local/queries
MAIN_C=$VOFS_ROOT/fs/main.c
MAN=$VOFS_ROOT/docs/vofs.1
stat_val() { awk -v k="$1" '$1 == k {print $2}' "$MNT/.vofs/stats"; }

# --- command line and documentation ----------------------------------------------------
ver=$("$VOFS_BIN" --version)
check "vofs --version names the version and libfuse ($ver)" \
	grep -qE '^vofs [0-9]+\.[0-9]+\.[0-9]+ \(libfuse 3\.' <<<"$ver"
"$VOFS_BIN" --help > "$WORK/help.txt"
check "vofs --help exits 0" test -s "$WORK/help.txt"
# every option in the option table: one line of --help, and in the man page
opts=$(grep -oE '(OPT|FUSE_OPT_KEY)\("[a-z_]+' "$MAIN_C" | sed -E 's/.*"//' | sort -u |
	grep -vE '^(max_threads|max_idle_threads|fsname|subtype)$')
missing_help= missing_man=
for o in $opts; do
	grep -qE "^ +-o $o([= ]|$)" "$WORK/help.txt" || missing_help="$missing_help $o"
	grep -qF -- "\\-o $o" "$MAN" || missing_man="$missing_man $o"
done
check_eq "every mount option has its line in --help ($(echo $opts | wc -w) options)" "" "$missing_help"
check_eq "every mount option is in the man page" "" "$missing_man"
long=$(awk 'length > 100' "$WORK/help.txt" | wc -l)
check_eq "no --help line is wider than 100 columns" 0 "$long"
keys_missing=
for k in url maxrec timeout mode token_file proxy; do
	grep -qE "^\.BI? \"$k " "$MAN" || keys_missing="$keys_missing $k"
done
check_eq "every services-file key is in the man page" "" "$keys_missing"
for sec in LAYOUT "NAME ESCAPING" OPTIONS "SERVICES FILE" MOUNTING "PROGRESS AND LOGS" \
	"EXTENDED ATTRIBUTES" ERRORS CACHE; do
	check "the man page has a section $sec" grep -qE "^\.SH \"?$sec\"?$" "$MAN"
done
if command -v groff >/dev/null; then
	warn=$(groff -man -Tutf8 -ww "$MAN" 2>&1 >/dev/null | head -5)
	check_eq "the man page renders without groff warnings" "" "$warn"
else
	skip "the man page renders without groff warnings" \
		"groff is not installed (man-db without groff; tests/install-deps.sh installs groff-base)"
fi

# meson install puts the binary, the man page and the mount helpers in place
inst=$WORK/root
# (from the build directory of the binary under test: build, build-asan, ...)
if meson install -C "$(dirname "$(dirname "$VOFS_BIN")")" --destdir "$inst" >"$WORK/install.log" 2>&1; then
	check "meson install: bin/vofs" test -x "$inst/usr/local/bin/vofs"
	check "meson install: the man page" test -f "$inst/usr/local/share/man/man1/vofs.1"
	check "meson install: /sbin/mount.fuse.vofs -> bin/vofs" \
		test "$(readlink "$inst/sbin/mount.fuse.vofs")" = /usr/local/bin/vofs
	check "meson install: /sbin/mount.vofs -> bin/vofs" \
		test "$(readlink "$inst/sbin/mount.vofs")" = /usr/local/bin/vofs
else
	fail "meson install --destdir"; tail -5 "$WORK/install.log" | sed 's/^/    # /'
fi

# --- mount(8): -t fuse.vofs, fstab -----------------------------------------------------
# the helpers point at the binary under test while this script runs
HELPERS="/sbin/mount.fuse.vofs /sbin/mount.vofs"
for h in $HELPERS; do
	[ -e "$h" ] || [ -L "$h" ] && mv "$h" "$h.vofs-test-saved"
	ln -s "$VOFS_BIN" "$h"
done
FSTAB_MARK="# vofs-test $$"
restore_system() {
	for h in $HELPERS; do
		rm -f "$h"
		[ -e "$h.vofs-test-saved" ] || [ -L "$h.vofs-test-saved" ] && mv "$h.vofs-test-saved" "$h"
	done
	sed -i "/$FSTAB_MARK/d" /etc/fstab
	[ -n "${UMNT:-}" ] && mountpoint -q "$UMNT" && fusermount3 -uz "$UMNT"
	[ -n "${SYSLOG_PID:-}" ] && kill "$SYSLOG_PID" 2>/dev/null && rm -f /dev/log
	[ -n "${fuse_mode:-}" ] && chmod "$fuse_mode" /dev/fuse
	vofs_cleanup
}
trap restore_system EXIT
write_config "[local]" "mode = async"   # the checks follow UWS jobs

# daemon_of MOUNTPOINT: the pid of the vofs serving it
daemon_of() { pgrep -f -- " $1( |$)" | head -1; }
gone() { wait_for 10 pid_gone "$1"; }   # gone PID: the process ends within 10 s
# term_daemon "what" LIMIT "status check": SIGTERM to the daemon; it must end
# within LIMIT seconds with exit status 0 (the log's tail when not)
term_daemon() {
	local t0 t1 secs trc
	t0=$(date +%s.%N)
	kill -TERM "$VOFS_PID"
	gone "$VOFS_PID"; t1=$(date +%s.%N)
	wait "$VOFS_PID"; trc=$?
	VOFS_PID=
	secs=$(echo "$t1 - $t0" | bc)
	check "$1 ($secs s)" test "$(echo "$secs < $2" | bc)" = 1
	check_eq "$3" 0 "$trc"
	[ "$trc" = 0 ] || tail -5 "$LOG" | sed 's/^/    # /'
}

if mount -t fuse.vofs vofs "$MNT" -o "config=$WORK/services.ini,cache_dir=$CACHE,_netdev,nofail" \
	>"$WORK/mount.out" 2>&1; then
	ok "mount -t fuse.vofs vofs MNT -o config=...,_netdev"
	check_eq "findmnt: source vofs, type fuse.vofs" "vofs fuse.vofs" \
		"$(findmnt -n -o SOURCE,FSTYPE "$MNT" | tr -s ' ')"
	check "the mount lists the test archive's tables" grep -qx ivoa.obscore <(ls "$MNT/local/tables")
	pid=$(daemon_of "$MNT")
	check "umount MNT unmounts" umount "$MNT"
	check "... and the daemon exits" gone "$pid"
else
	fail "mount -t fuse.vofs"; sed 's/^/    # /' "$WORK/mount.out"
fi
check "mount -f (fake) does nothing and succeeds" \
	mount -f -t fuse.vofs vofs "$MNT" -o "config=$WORK/services.ini"
check "... and mounted nothing" bash -c "! mountpoint -q '$MNT'"

echo "vofs $MNT fuse.vofs config=$WORK/services.ini,cache_dir=$CACHE,_netdev,user,noauto 0 0" \
	> "$WORK/fstab"
if mount -T "$WORK/fstab" "$MNT" >"$WORK/mount.out" 2>&1; then
	ok "an fstab line (vofs MNT fuse.vofs config=...,_netdev,user,noauto 0 0) mounts"
	check "... and serves the archive" test -s "$MNT/local/about.txt"
	check "umount by mount point" umount "$MNT"
else
	fail "fstab line mounts"; sed 's/^/    # /' "$WORK/mount.out"
fi

# a normal user mounts and unmounts the "user" fstab line.  Debian's udev
# rule makes /dev/fuse 0666; some containers leave it 0600, where no user
# can mount any FUSE file system: give it the usual mode for this test.
fuse_mode=$(stat -c %a /dev/fuse)
if [ "$fuse_mode" != 666 ]; then
	echo "# NOTE: /dev/fuse is $fuse_mode here; setting Debian's 0666 for the user-mount checks"
	chmod 0666 /dev/fuse
fi
USER_NAME=vofstest
id "$USER_NAME" >/dev/null 2>&1 || useradd -m -s /bin/bash "$USER_NAME"
UHOME=$(getent passwd "$USER_NAME" | cut -d: -f6)
UMNT=$(mktemp -d /tmp/vofs-user.XXXXXX)
UCONF=$UHOME/.config/vofs
mkdir -p "$UCONF" && cp "$WORK/services.ini" "$UCONF/services.ini"
chown -R "$USER_NAME:" "$UMNT" "$UHOME/.config"
echo "vofs $UMNT fuse.vofs config=$UCONF/services.ini,_netdev,user,noauto 0 0 $FSTAB_MARK" >> /etc/fstab
if runuser -u "$USER_NAME" -- mount "$UMNT" >"$WORK/umount.out" 2>&1; then
	ok "user $USER_NAME mounts the 'user' fstab line with mount MNT"
	check_eq "... the daemon runs as $USER_NAME" "$USER_NAME" \
		"$(ps -o user= -p "$(daemon_of "$UMNT")" 2>/dev/null | tr -d ' ')"
	check_eq "... files belong to $USER_NAME" "$USER_NAME" \
		"$(runuser -u "$USER_NAME" -- stat -c %U "$UMNT/README")"
	check "... its cache is in the user's home" test -f "$UHOME/.cache/vofs/vofs.db"
	check "user $USER_NAME unmounts with umount MNT" runuser -u "$USER_NAME" -- umount "$UMNT"
	check "... and the mount is gone" bash -c "! mountpoint -q '$UMNT'"
else
	fail "user mount from /etc/fstab"; sed 's/^/    # /' "$WORK/umount.out"
fi
sed -i "/$FSTAB_MARK/d" /etc/fstab

if mount -t fuse.vofs vofs "$UMNT" -o "config=$UCONF/services.ini,setuid=$USER_NAME" \
	>"$WORK/mount.out" 2>&1; then
	check_eq "setuid=$USER_NAME: root mounts, the daemon runs as $USER_NAME" "$USER_NAME" \
		"$(ps -o user= -p "$(daemon_of "$UMNT")" 2>/dev/null | tr -d ' ')"
	umount "$UMNT" || fusermount3 -uz "$UMNT"
else
	fail "mount -o setuid=$USER_NAME"; sed 's/^/    # /' "$WORK/mount.out"
fi
out=$(mount -t fuse.vofs vofs "$UMNT" -o "config=$UCONF/services.ini,setuid=nosuchuser" 2>&1)
check "setuid= of an unknown user fails with a message ($out)" grep -q "no such user" <<<"$out"

# --- the systemd user unit, run as systemd would ----------------------------------------
UNIT=$VOFS_ROOT/mount-examples/vofs.service
SHOME=$WORK/home
mkdir -p "$SHOME/.config/vofs" && cp "$WORK/services.ini" "$SHOME/.config/vofs/"
unit_cmd() {   # the unit's command line of KEY, %h expanded, the binary under test
	sed -n "s/^$1=-\{0,1\}//p" "$UNIT" | sed "s|%h|$SHOME|g; s|/usr/local/bin/vofs|$VOFS_BIN|"
}
$(unit_cmd ExecStartPre)
HOME=$SHOME XDG_CACHE_HOME=$WORK/scache $(unit_cmd ExecStart) >"$WORK/unit.log" 2>&1 &
UPID=$!
check "the unit's ExecStart mounts ~/vo in the foreground" wait_for 10 mountpoint -q "$SHOME/vo"
check "... with the services of ~/.config/vofs/services.ini" test -d "$SHOME/vo/local"
kill -TERM "$UPID"   # systemctl --user stop
gone "$UPID"; wait "$UPID"; urc=$?
check_eq "stop (SIGTERM): exit status 0, as systemd wants for a clean stop" 0 "$urc"
check "stop: ~/vo is unmounted" bash -c "! mountpoint -q '$SHOME/vo'"
check "stop: the log says why" grep -q "unmounting on Terminated" "$WORK/unit.log"
$(unit_cmd ExecStopPost) 2>/dev/null || true
if systemd-analyze --version >/dev/null 2>&1; then
	# the unit's syntax (its binary and man page need not be installed here)
	verr=$(systemd-analyze verify "$UNIT" 2>&1 | grep -vE "is not executable|man vofs|man:vofs" || true)
	check_eq "systemd-analyze verify finds nothing wrong with the unit" "" "$verr"
fi

# --- SIGTERM during downloads: prompt, status 0, what arrived is kept ---------------------
check "mount (foreground)" vofs_mount
run_query "$Q/lc" "SELECT obs_id, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' AND obs_id LIKE 'lc-00__' ORDER BY obs_id"
st=$(wait_final "$Q/lc")
check "a query of ~100 light curves completes ($st)" grep -qE "^COMPLETED rows=(9[0-9]|1[0-9][0-9]) " <<<"$st"
ls -l "$Q/lc/products" > /dev/null
rsync -a "$Q/lc/products/" "$WORK/rs1/" 2>/dev/null &
RS=$!
# sample .vofs/transfers until 30 MB have come (the SIGTERM then hits a busy rsync)
: > "$WORK/transfers.seen"
sample_until_30mb() {
	cat "$MNT/.vofs/transfers" >> "$WORK/transfers.seen" 2>/dev/null
	[ -s "$WORK/transfers.seen" ] && [ "$(stat_val bytes_fetched)" -gt 30000000 ]
}
WAIT_STEP=0.01 wait_for 10 sample_until_30mb
line=$(grep -m1 '^product ' "$WORK/transfers.seen")
check ".vofs/transfers showed the download in flight ($line)" \
	grep -qE '^product [0-9]+/[0-9]+ [0-9]+% [0-9.]+[KMG]?i?B/s [0-9.]+s( from=[0-9]+)? http://127\.0\.0\.1:8080/' <<<"$line"
fetched=$(stat_val bytes_fetched)
term_daemon "SIGTERM during an rsync: the daemon ends within 3 s" 3 "... with exit status 0"
wait "$RS" 2>/dev/null
check "... the mount is gone" bash -c "! mountpoint -q '$MNT'"
check "... the log says why and that it unmounted" \
	bash -c "grep -q 'unmounting on Terminated' '$LOG' && grep -q 'vofs info: unmounted' '$LOG'"
check_eq "... the store is intact (PRAGMA integrity_check)" ok \
	"$(sqlite3 "$CACHE/vofs.db" 'PRAGMA integrity_check')"
check "remount" vofs_mount
used=$(stat_val cache_used_bytes)
# the blocks that had arrived were stored, not dropped: all but the few
# partial 256 KiB blocks of the transfers that were cut
check "... the cache kept what had arrived ($used of $fetched bytes fetched)" \
	test "$used" -ge $((fetched - 8 * 262144))
check "rsync after the remount completes" rsync -a "$Q/lc/products/" "$WORK/rs2/"
bad=0
for f in "$WORK/rs2/"*.fits; do
	u=$(getfattr --absolute-names --only-values -n user.vo.url "$Q/lc/products/$(basename "$f")")
	curl -sf "$u" | cmp -s - "$f" || bad=$((bad + 1))
done
check_eq "... every file equals its direct download" 0 "$bad"
check "after the rsync, .vofs/transfers is empty" test ! -s "$MNT/.vofs/transfers"
check_eq ".vofs/stats: transfers_in_flight 0" 0 "$(stat_val transfers_in_flight)"
for k in cache_used_bytes cache_limit_bytes block_hits block_misses bytes_fetched requests \
	retries errors; do
	check ".vofs/stats has $k" grep -qE "^$k [0-9]+$" "$MNT/.vofs/stats"
done

# --- status as extended attributes -------------------------------------------------------
read -r phase rows elapsed job <<<"$(cat "$Q/lc/status")"
for f in "$Q/lc" "$Q/lc/status" "$Q/lc/result.csv" "$Q/lc/query.adql"; do
	getfattr -d --absolute-names "$f" > "$WORK/attrs" 2>&1
	check "getfattr -d $(basename "$f"): phase, rows, elapsed, job URL as in status" \
		bash -c "grep -qx 'user.vo.phase=\"$phase\"' '$WORK/attrs' &&
			grep -qx 'user.vo.rows=\"${rows#rows=}\"' '$WORK/attrs' &&
			grep -qx 'user.vo.elapsed=\"$(sed 's/elapsed=//; s/s$//' <<<"$elapsed")\"' '$WORK/attrs' &&
			grep -qx 'user.vo.job_url=\"${job#job=}\"' '$WORK/attrs' &&
			grep -qx 'user.vo.service_url=\"$TAP_URL\"' '$WORK/attrs'"
done
run_query "$Q/bad" "SELEC nothing"
wait_final "$Q/bad" > /dev/null
check "a failed query's error is user.vo.error" \
	bash -c "getfattr --absolute-names --only-values -n user.vo.error '$Q/bad' | grep -q 'Could not parse'"
# status, error and user.vo.error flip together: a reader that sees ERROR in
# status must find the error text at once (CI once saw status say ERROR
# while the run was still being saved, and user.vo.error missing)
torn=0
for i in $(seq 1 6); do
	printf 'SELEC nothing %s\n' "$i" > "$Q/bad/query.adql"
	end=$((SECONDS + 30))
	while [ $SECONDS -lt $end ]; do
		case "$(cat "$Q/bad/status")" in ERROR*) break;; esac
	done
	getfattr --absolute-names --only-values -n user.vo.error "$Q/bad" 2>/dev/null |
		grep -q 'Could not parse' || torn=$((torn + 1))
	grep -q 'Could not parse' "$Q/bad/error" || torn=$((torn + 1))
done
check_eq "6 failed runs: every time status says ERROR, error and user.vo.error hold the text" 0 "$torn"
mkdir "$Q/empty"
check_eq "an empty query's phase is EMPTY" EMPTY "$(getfattr --absolute-names --only-values -n user.vo.phase "$Q/empty")"
check "a product file keeps its own attributes (user.vo.url)" \
	bash -c "getfattr --absolute-names -d '$Q/lc/products/lc-0001.fits' | grep -q user.vo.url"

# a result download in .vofs/transfers
run_query "$Q/big" "SELECT * FROM vofstest.cat" 100000
: > "$WORK/transfers.seen"
# sample .vofs/transfers until it shows the result download (or the run ended)
sample_until_result() {
	cat "$MNT/.vofs/transfers" >> "$WORK/transfers.seen"
	grep -q '^result ' "$WORK/transfers.seen" && return 0
	case "$(cat "$Q/big/status")" in COMPLETED*|ERROR*) return 0;; esac
	return 1
}
WAIT_STEP=0.01 wait_for 60 sample_until_result
line=$(grep -m1 '^result ' "$WORK/transfers.seen")
check "a 100k-row result download shows in .vofs/transfers ($line)" \
	grep -qE '^result [0-9]+/\? \? [0-9.]+[KMG]?i?B/s [0-9.]+s http://' <<<"$line"
wait_final "$Q/big" > /dev/null

# --- SIGTERM while a transfer is stalled ---------------------------------------------------
NONCE=$(basename "$WORK")
run_query "$Q/stall" "SELECT obs_id,
 '$PROXY/f/stall=120,noprobe,nonce=$NONCE/getproduct/vofstest/data/lc/' || obs_id || '.fits' AS access_url,
 'application/fits' AS access_format FROM ivoa.obscore WHERE obs_id='lc-0002'"
wait_final "$Q/stall" > /dev/null
ls -l "$Q/stall/products" > /dev/null
cat "$Q/stall/products/lc-0002.fits" > /dev/null 2>&1 &
CAT=$!
check "the stalled transfer shows at 0%" wait_for 5 grep -q '^product 0/[0-9]* 0% .*stall=' "$MNT/.vofs/transfers"
term_daemon "SIGTERM with a read waiting on a stalled server: ends within 3 s, not io_timeout" \
	3 "... exit status 0"
wait "$CAT"; crc=$?
check "... the waiting reader got an error, not a short file (status $crc)" test "$crc" -ne 0

# --- SIGTERM during a query run: the job survives and resumes -----------------------------------
write_config "[slow]" "url = $PROXY/f/delay=4/tap" "mode = async"
check "mount with a slow service (every request 4 s late)" vofs_mount
run_query "$MNT/slow/queries/s" "SELECT TOP 777 id FROM vofstest.cat ORDER BY id"
check "the run has a job" wait_for 10 grep -q "job=" "$MNT/slow/queries/s/status"
echo "    # $(cat "$MNT/slow/queries/s/status")"
term_daemon "SIGTERM while a request waits 4 s on the server: ends within 2.5 s" 2.5 \
	"... exit status 0"
check "remount" vofs_mount
st=$(wait_final "$MNT/slow/queries/s")
check "the run resumes by its job URL and completes ($st)" grep -q "^COMPLETED rows=777 " <<<"$st"
check "... the log says it resumed" grep -q "query slow/s: resuming job" "$LOG"
check "vofs_umount" vofs_umount
write_config "[local]" "mode = async"

# --- -o doc_max: the cap on a service document in memory is the user's -------------------
rm -rf "$CACHE"; mkdir -p "$CACHE"
check "mount with -o doc_max=8K" vofs_mount -o doc_max=8K
about=$(cat "$MNT/local/about.txt" 2>&1)
check "capabilities over 8 KiB (DaCHS's are 18 KiB) are refused, and about.txt says so" \
	grep -q "not available: .*larger than 8192 bytes" <<<"$about"
check "... and so does the directory's user.vo.error" \
	bash -c "getfattr --only-values -n user.vo.error '$MNT/local' | grep -q 'larger than 8192'"
check "vofs_umount" vofs_umount
doc_refused() {
	local out
	out=$(timeout 5 "$VOFS_BIN" -f -o config="$WORK/services.ini" -o cache_dir="$CACHE" \
		-o doc_max=1 "$MNT" 2>&1) && return 1
	grep -q "doc_max=1: a size from 4K" <<<"$out"
}
check "-o doc_max=1 is refused at mount, saying why" doc_refused
mountpoint -q "$MNT" && fusermount3 -u "$MNT"
rm -rf "$CACHE"; mkdir -p "$CACHE"

# --- -o debug, and syslog when in the background ---------------------------------------------
: > "$LOG"
check "mount with -o debug" vofs_mount -o debug
run_query "$Q/dbg" "SELECT TOP 1 id FROM vofstest.cat"
wait_final "$Q/dbg" > /dev/null
check "-o debug logs each request with its level" grep -qE 'vofs debug: POST http://127\.0\.0\.1:8080/tap/async' "$LOG"
check "... and its outcome" grep -qE 'vofs debug: GET http://127\.0\.0\.1:8080/.*/results/result -> 200 ' "$LOG"
check "vofs_umount" vofs_umount
: > "$LOG"
check "mount without debug" vofs_mount
run_query "$Q/dbg2" "SELECT TOP 1 id FROM vofstest.cat"
wait_final "$Q/dbg2" > /dev/null
check "without -o debug, no request lines" bash -c "! grep -q 'vofs debug:' '$LOG'"
check "every log line has a time stamp and a level" \
	bash -c "! grep -vE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z vofs (error|warn|info|debug): ' '$LOG'"
check "vofs_umount" vofs_umount

if [ -e /dev/log ]; then
	skip "in the background, events go to syslog" \
		"/dev/log belongs to a running syslog daemon here; the test does not replace it"
else
	$PY - "$WORK/syslog.txt" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
PYEOF
	SYSLOG_PID=$!
	wait_for 5 test -S /dev/log
	"$VOFS_BIN" -o config="$WORK/services.ini" -o cache_dir="$CACHE" "$MNT"
	brc=$?
	check_eq "vofs without -f returns once mounted" 0 "$brc"
	check "... and the mount is there" mountpoint -q "$MNT"
	cat "$MNT/local/about.txt" > /dev/null
	pid=$(daemon_of "$MNT")
	fusermount3 -u "$MNT"
	gone "$pid"
	# <30> is daemon.info
	check "in the background, events go to syslog (daemon.info, tagged vofs[pid])" \
		grep -qE '^<30>.*vofs\[[0-9]+\]: mounted: ' "$WORK/syslog.txt"
	check "... the unmount too" grep -qE '^<30>.*vofs\[[0-9]+\]: unmounted' "$WORK/syslog.txt"
	kill "$SYSLOG_PID"; rm -f /dev/log; SYSLOG_PID=
fi

check_log_clean
finish
