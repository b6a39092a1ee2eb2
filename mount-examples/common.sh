# mount-examples/common.sh - sourced by the example scripts.
#
# Mounts vofs on $WORKDIR/mnt with the services the example needs and
# unmounts on exit.  With VOFS_TEST_ARCHIVE=1 the examples run against the
# local DaCHS archive that tests/server/setup.sh builds (this is how CI runs
# them); otherwise against the real services named in each script.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${VOFS_BIN:-}" ]; then
	if [ -x "$here/../build/fs/vofs" ]; then VOFS_BIN=$here/../build/fs/vofs; else VOFS_BIN=vofs; fi
fi
WORKDIR=${WORKDIR:-$(mktemp -d /tmp/vofs-example.XXXXXX)}
MNT=$WORKDIR/mnt
OUT=$WORKDIR/out
mkdir -p "$MNT" "$OUT"
TEST_ARCHIVE=${VOFS_TEST_ARCHIVE:-0}

vo_mount() {   # vo_mount NAME=URL ...
	local opts=()
	for s in "$@"; do opts+=(-o "service=$s"); done
	"$VOFS_BIN" -f "${opts[@]}" -o cache_dir="$WORKDIR/cache" "$MNT" > "$WORKDIR/vofs.log" 2>&1 &
	VOFS_PID=$!
	for _ in $(seq 1 100); do
		mountpoint -q "$MNT" && return 0
		kill -0 "$VOFS_PID" 2>/dev/null || { cat "$WORKDIR/vofs.log"; return 1; }
		sleep 0.1
	done
	echo "vofs did not mount" >&2
	return 1
}

vo_umount() {
	if mountpoint -q "$MNT"; then fusermount3 -u "$MNT"; fi
	[ -n "${VOFS_PID:-}" ] && wait "$VOFS_PID" 2>/dev/null || true
	VOFS_PID=
}
trap vo_umount EXIT

# wait_query DIR: wait until the query has ended; fail (with its error) unless COMPLETED
wait_query() {
	local st
	while :; do
		st=$(cat "$1/status")
		case "$st" in
			COMPLETED*) echo "  $st"; return 0;;
			ERROR*|ABORTED*) echo "  $st"; cat "$1/error" >&2; return 1;;
		esac
		sleep 1
	done
}

# rows FILE: number of records of a CSV file (embedded newlines allowed)
rows() {
	python3 -c 'import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=""))) - 1)' "$1"
}

# footprint RESULT_CSV: "obs_id ra1, dec1, ra2, dec2, ..." for the first row
# with an s_region (DALI polygon "ra1 dec1 ..." or STC-S "POLYGON ICRS
# ra1 dec1 ..."): the numbers ready for POLYGON('ICRS', ...)
footprint() {
	python3 - "$1" <<'PY'
import csv, sys
rows = csv.DictReader(open(sys.argv[1], newline=""))
r = next(r for r in rows if r["s_region"])
reg = r["s_region"].strip().replace("(", " ").replace(")", " ")
nums = [t for t in reg.split() if t[0].isdigit() or t[0] in "-."]
print(r["obs_id"], ", ".join(nums))
PY
}
