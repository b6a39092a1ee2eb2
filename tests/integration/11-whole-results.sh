#!/bin/bash
# A result is whole or it is not there (issue 12): right after a query is
# written, stat, open and read of result.csv give the finished run's size and
# bytes, in sync and async mode, on fresh mounts (the kernel caches a size
# it was told: a size taken from a run still going would clip every later
# read to it, and `wc -c`, `rsync` and `cp` trust it).  products/ is there
# from the moment the query is, and rsync of it right after the query is
# written copies every product.
. "$(dirname "$0")/../lib.sh"

ROUNDS_SYNC=${ROUNDS_SYNC:-50}
ROUNDS_ASYNC=${ROUNDS_ASYNC:-50}
ROUNDS_AUTO=${ROUNDS_AUTO:-50}
ADQL="SELECT TOP 3 obs_id, obs_collection FROM ivoa.obscore WHERE obs_collection='vofslc' ORDER BY obs_id"
# what the server answers, as CSV, for the row count
want_rows=3

write_config "[s]" "url = $TAP_URL" "mode = sync" "[a]" "url = $TAP_URL" "mode = async" \
	"[u]" "url = $TAP_URL" "mode = auto"

# round SVC N: a fresh mount; write the query; wc -c by name (GNU wc takes
# st_size), then cat; both must agree and hold the header and all rows
round() {
	local svc=$1 n=$2 q size got lines
	rm -rf "$CACHE"; mkdir -p "$CACHE"
	vofs_mount || { echo "mount $n failed"; return 1; }
	q=$MNT/$svc/queries/r$n
	mkdir "$q" && echo "$ADQL" > "$q/query.adql"
	size=$(wc -c "$q/result.csv" | awk '{print $1}')
	got=$(cat "$q/result.csv" | wc -c)
	lines=$(cat "$q/result.csv" | wc -l)
	vofs_umount > /dev/null || echo "unmount $n failed"
	if [ "$size" -eq 0 ] || [ "$size" != "$got" ] || [ "$lines" != $((want_rows + 1)) ]; then
		echo "round $n ($svc): wc -c says $size, cat gives $got bytes in $lines lines"
		return 1
	fi
}

rounds() {
	local svc=$1 k=$2 bad=0
	for ((i = 1; i <= k; i++)); do
		round "$svc" "$i" || bad=$((bad + 1))
	done
	echo "$bad of $k rounds wrong"
	[ "$bad" -eq 0 ]
}

check "sync: $ROUNDS_SYNC fresh mounts: wc -c and cat of result.csv right after the query is written give the whole result" \
	rounds s "$ROUNDS_SYNC"
check "async: $ROUNDS_ASYNC fresh mounts: the same" rounds a "$ROUNDS_ASYNC"
check "auto (the default): $ROUNDS_AUTO fresh mounts: the same" rounds u "$ROUNDS_AUTO"

# --- products/ right after the query is written -----------------------------------
rm -rf "$CACHE"; mkdir -p "$CACHE"
vofs_mount
PQ="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' ORDER BY obs_id"
for svc in s a u; do
	q=$MNT/$svc/queries/lc
	mkdir "$q"
	check "$svc: products/ is listed as soon as the query exists" test -d "$q/products"
	echo "SELECT TOP 12 ${PQ#SELECT }" | tr '\n' ' ' > "$q/query.adql"
	rm -rf "$WORK/copy-$svc"
	check "$svc: rsync -a products/ right after writing the query succeeds" \
		rsync -a "$q/products/" "$WORK/copy-$svc/"
	n=$(find "$WORK/copy-$svc" -type f 2>/dev/null | wc -l)
	check_eq "$svc: ... and copies all 12 products" 12 "$n"
	check "$svc: ... each equal to the mount's bytes" diff -r "$q/products" "$WORK/copy-$svc"
done
# file modes: results and products show 0644 (copies are ordinary writable
# files); writes to them are still refused
q=$MNT/s/queries/lc
check_eq "result.csv shows mode 644" 644 "$(stat -c %a "$q/result.csv")"
check_eq "a product shows mode 644" 644 "$(stat -c %a "$(ls -d "$q"/products/* | head -1)")"
check "writing result.csv is refused (EACCES)" bash -c "! echo x >> '$q/result.csv' && [ -s '$q/result.csv' ]"
check "truncating result.csv is refused" bash -c "! truncate -s 0 '$q/result.csv' && [ -s '$q/result.csv' ]"
rm -f "$WORK/copy.csv"
(umask 022 && cp "$q/result.csv" "$WORK/copy.csv")
check_eq "a cp of result.csv is an ordinary writable file (umask 022: 644; it was 444)" \
	644 "$(stat -c %a "$WORK/copy.csv")"
# a query without a product column: an empty products/
q=$MNT/s/queries/noprod
mkdir "$q" && echo "SELECT TOP 1 table_name FROM tap_schema.tables" > "$q/query.adql"
check "a result without products has an empty products/" \
	test -d "$q/products" -a -z "$(ls -A "$q/products")"
check "unmount" vofs_umount
vofs_mount -o file_mode=0440
check_eq "-o file_mode=0440 sets it" 440 "$(stat -c %a "$MNT/s/queries/lc/result.csv")"
check "unmount" vofs_umount
check_log_clean
finish
