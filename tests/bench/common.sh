# tests/bench/common.sh - sourced by the benchmarks that time the mount
# (products.sh, clients.sh): mounting and unmounting it.  The caller sets
# VOFS (the binary), W (its work directory, with services.ini) and MNT.
PID=

# mount_fresh [keep]: mount MNT on the cache W/cache, emptied first unless
# "keep"; the daemon's log goes to W/vofs.log
mount_fresh() {
	[ "${1:-}" = keep ] || rm -rf "$W/cache"
	"$VOFS" -f -o config="$W/services.ini" -o cache_dir="$W/cache" "$MNT" >>"$W/vofs.log" 2>&1 &
	PID=$!
	for _ in $(seq 100); do mountpoint -q "$MNT" && return 0; sleep 0.1; done
	echo "$(basename "$0"): mount failed; log:" >&2
	tail -5 "$W/vofs.log" >&2
	exit 1
}

# umount_it: unmount and wait for the daemon to end (polled, as the mount
# may have been made in a subshell, whose child this shell cannot wait for)
umount_it() {
	fusermount3 -u "$MNT" || { echo "$(basename "$0"): unmount failed (busy?)" >&2; exit 1; }
	while kill -0 "$PID" 2>/dev/null; do sleep 0.05; done
	PID=
}
