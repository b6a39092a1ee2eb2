#!/bin/bash
# The whole test suite, from a fresh Debian 12 machine (as root):
# installs the build and test dependencies and GAVO DaCHS, builds vofs
# twice (release with -Werror; sanitizers for the unit tests), runs the C
# unit tests, starts DaCHS with the test archive and the fault proxy, runs
# the integration tests that mount for real, and the mount-examples.
# The last line is "N passed, N failed, N skipped" (CI reads the "N passed,
# N failed" at its start).  A skip is a line "ok - ... # SKIP reason" or
# "# SKIP reason": it counts as no pass, and every skip is listed, with its
# reason, just above the summary.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PASS=0
FAIL=0
SKIP=0
LOGDIR=${LOGDIR:-/tmp/vofs-test-logs}
mkdir -p "$LOGDIR"
SKIPS=$LOGDIR/skips.txt
: > "$SKIPS"

say() { echo "== $*"; }
is_skip='^(ok - .*# SKIP|# SKIP)'
tally() {   # tally FILE: count ok / not ok / skipped lines of a TAP-like output
	local p f s
	p=$(grep -E '^ok - ' "$1" | grep -vEc "$is_skip" || true)
	f=$(grep -c '^not ok - ' "$1" || true)
	s=$(grep -Ec "$is_skip" "$1" || true)
	grep -E "$is_skip" "$1" >> "$SKIPS"
	PASS=$((PASS + p)); FAIL=$((FAIL + f)); SKIP=$((SKIP + s))
}
step_fail() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# summary: the skips, loudly, then the last line
summary() {
	if [ -s "$SKIPS" ]; then
		echo
		echo "== SKIPPED: $SKIP checks did not run here; each line says why"
		sed 's/^/   /' "$SKIPS"
	fi
	echo
	echo "$PASS passed, $FAIL failed, $SKIP skipped"
}

# drop_work DIR PREFIX: keep DIR's daemon log as PREFIX.vofs.log, unmount
# what a killed script left mounted under DIR, and remove DIR
drop_work() {
	local m
	[ -f "$1/vofs.log" ] && cp "$1/vofs.log" "$2.vofs.log"
	for m in $(awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/mounts); do
		fusermount3 -uz "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	rm -rf "$1"
}

say "dependencies"
if ! tests/install-deps.sh; then
	step_fail "installing build dependencies"; summary; exit 1
fi

say "build (release, -Werror)"
if ! { meson setup build --buildtype=debugoptimized -Dwerror=true --reconfigure >/dev/null 2>&1 ||
       meson setup build --buildtype=debugoptimized -Dwerror=true; } || ! ninja -C build; then
	step_fail "build"; summary; exit 1
fi
PASS=$((PASS + 1)); echo "ok - build with -Werror"

say "unit tests (address and undefined sanitizers)"
if { meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false --reconfigure >/dev/null 2>&1 ||
     meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null; } &&
   ninja -C build-asan >/dev/null; then
	meson test -C build-asan --print-errorlogs > "$LOGDIR/unit.log" 2>&1
	grep -E '^ *[0-9]+/[0-9]+ ' "$LOGDIR/unit.log" | sed -E 's/^ *[0-9]+\/[0-9]+ +//' |
	while read -r line; do
		case "$line" in
			*" OK "*) echo "ok - unit: $line";;
			*SKIP*) echo "ok - unit: $line # SKIP the test exited 77; its reason is in $LOGDIR/unit.log";;
			*) echo "not ok - unit: $line";;
		esac
	done > "$LOGDIR/unit.tap"
	cat "$LOGDIR/unit.tap"
	tally "$LOGDIR/unit.tap"
	[ -s "$LOGDIR/unit.tap" ] || step_fail "unit tests ran (see $LOGDIR/unit.log)"
	grep -q "^not ok" "$LOGDIR/unit.tap" && tail -60 "$LOGDIR/unit.log"
else
	step_fail "sanitizer build"
fi

say "TAP server (GAVO DaCHS) with the test archive"
if tests/server/setup.sh > "$LOGDIR/dachs.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok - DaCHS test archive up"
else
	tail -40 "$LOGDIR/dachs.log"
	step_fail "DaCHS test archive up (log: $LOGDIR/dachs.log)"
	summary; exit 1
fi
if tests/server/proxy.sh start > "$LOGDIR/proxy-start.log" 2>&1; then
	PASS=$((PASS + 1)); echo "ok - fault proxy up"
else
	cat "$LOGDIR/proxy-start.log"; step_fail "fault proxy up"
fi

say "integration tests (real mounts), with the release build and then the sanitizer build"
for build in build build-asan; do
	[ -x "$build/fs/vofs" ] || { step_fail "no $build/fs/vofs to test"; continue; }
	for t in tests/integration/[0-9]*.sh; do
		name=$(basename "$t" .sh)
		out=$LOGDIR/$name-$build.out
		echo "-- $name ($build)"
		# each script's scratch directory (caches, copies of products: a
		# few hundred MB) goes when it ends; its daemon log is kept here
		work=$(mktemp -d /tmp/vofs-test.XXXXXX)
		WORK=$work VOFS_BIN=$ROOT/$build/fs/vofs timeout 1200 bash "$t" 2>&1 |
			sed "s/^\(not \)\{0,1\}ok - /&[$build] /; s/^# SKIP /&[$build] /" > "$out"
		rc=${PIPESTATUS[0]}
		drop_work "$work" "$LOGDIR/$name-$build"
		cat "$out"
		tally "$out"
		if [ "$rc" -ne 0 ] && ! grep -q '^not ok' "$out"; then
			step_fail "$name ($build) exited with status $rc"
		fi
	done
done

say "mount-examples against the test archive"
qs=$(mktemp -d /tmp/vofs-qs.XXXXXX)
if bash mount-examples/quickstart.sh --local "$qs/mnt" > "$LOGDIR/quickstart.out" 2>&1 &&
   grep -q "ivoa.obscore" <(ls "$qs/mnt/local/tables") && fusermount3 -u "$qs/mnt"; then
	PASS=$((PASS + 1)); echo "ok - README's quickstart builds and mounts the local archive"
else
	FAIL=$((FAIL + 1)); echo "not ok - README's quickstart (log: $LOGDIR/quickstart.out)"
	tail -20 "$LOGDIR/quickstart.out" | sed 's/^/    # /'
	mountpoint -q "$qs/mnt" && fusermount3 -uz "$qs/mnt"
fi
drop_work "$qs" "$LOGDIR/quickstart"
for ex in mount-examples/*.sh; do
	grep -q '/common.sh"$' "$ex" || continue   # quickstart and common.sh are not workflows
	name=$(basename "$ex" .sh)
	out=$LOGDIR/example-$name.out
	work=$(mktemp -d /tmp/vofs-ex.XXXXXX)
	if VOFS_BIN=$ROOT/build/fs/vofs VOFS_TEST_ARCHIVE=1 WORKDIR=$work timeout 900 bash "$ex" > "$out" 2>&1; then
		PASS=$((PASS + 1)); echo "ok - example $name"
	else
		FAIL=$((FAIL + 1)); echo "not ok - example $name"; tail -30 "$out" | sed 's/^/    # /'
	fi
	drop_work "$work" "$LOGDIR/example-$name"
done

tests/server/proxy.sh stop >/dev/null 2>&1 || true
summary
[ "$FAIL" -eq 0 ]
