#!/bin/bash
# Real clients on the mount, each compared with the same file fetched
# straight from the server: ds9 (under Xvfb, driven through XPA) opening
# plates through DataLink; astropy opening light curves and plates with
# memmap on and off; STILTS (TOPCAT's table library) reading result.vot and
# result.csv of a catalogue and an ObsCore query against the server's own
# VOTable; and the tree tools (find, du, cp -r, tar, rsync) over a whole
# queries/ tree with a completed query with products, a failed query and a
# query that never ran.
#
# Uses saods9, xpa-tools, xvfb, stilts, rsync, attr (getfattr), curl and
# /usr/bin/python3 with Debian's astropy; the comparisons are in
# clients_check.py next to this script.
if [ -z "${WORK:-}" ]; then OWN_WORK=1; else OWN_WORK=0; fi
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

PY=/usr/bin/python3
CHK="$here/clients_check.py"
DIRECT=$WORK/direct
mkdir -p "$DIRECT"
Q=$MNT/local/queries
T=$MNT/tree/queries       # a second service on the same server: a queries/ tree of our own
DS9_PID=
XVFB_PID=

cleanup() {
	[ -n "$DS9_PID" ] && kill "$DS9_PID" 2>/dev/null
	[ -n "$XVFB_PID" ] && kill "$XVFB_PID" 2>/dev/null
	DS9_PID= XVFB_PID=
	vofs_cleanup
	# the copies are big; keep everything when something failed
	if [ "$OWN_WORK" = 1 ] && [ "$FAIL" -eq 0 ] && ! mountpoint -q "$MNT" 2>/dev/null; then
		chmod -R u+w "$WORK" 2>/dev/null
		rm -rf "$WORK"
	elif [ "$FAIL" -ne 0 ]; then
		echo "# work directory kept: $WORK"
	fi
}
trap cleanup EXIT

# missing tools make loud skips (everything is installed by tests/install-deps.sh)
have() {
	local t
	for t in "$@"; do
		command -v "$t" > /dev/null 2>&1 ||
			{ skip "$SECTION" "$t is not installed (tests/install-deps.sh installs it)"; return 1; }
	done
}

# direct_of FILE: the product behind a mounted file, downloaded straight
# from its user.vo.url (once); prints the local path
direct_of() {
	local url f
	url=$(getfattr --absolute-names --only-values -n user.vo.url "$1" 2>/dev/null) || return 1
	[ -n "$url" ] || return 1
	f=$DIRECT/$(printf '%s' "$url" | sha1sum | cut -c1-16)
	[ -s "$f" ] || curl -sf -o "$f" "$url" || return 1
	echo "$f"
}

# ds9_pixels NAME DIRECT W H "X Y"...: the WxH block at each FITS pixel
# X,Y (1-based) as ds9 reports it equals the direct file's
ds9_pixels() {
	local name=$1 direct=$2 w=$3 h=$4 xy x y
	shift 4
	for xy in "$@"; do
		read -r x y <<<"$xy"
		xpaget "$DS9" data image "$x" "$y" "$w" "$h" no > "$WORK/ds9.dat" 2>&1
		check "$name pixels $x,$y (${w}x$h) in ds9 equal the direct file's" \
			$PY "$CHK" ds9data "$direct" "$x" "$y" "$w" "$h" < "$WORK/ds9.dat"
	done
}

# ds9_whole "desc" DIRECT: the image ds9 holds (xpaget fits) equals DIRECT
ds9_whole() {
	xpaget "$DS9" fits > "$WORK/ds9.fits" 2>/dev/null
	check "$1" $PY "$CHK" ds9fits "$WORK/ds9.fits" "$2"
	rm -f "$WORK/ds9.fits"
}

# quiet "desc" cmd...: ok when the command exits 0 and writes nothing on
# stderr (its stdout stays in $WORK/quiet.out)
quiet() {
	local desc=$1 rc; shift
	"$@" > "$WORK/quiet.out" 2> "$WORK/quiet.err"
	rc=$?
	if [ $rc -eq 0 ] && [ ! -s "$WORK/quiet.err" ]; then
		ok "$desc"
	else
		fail "$desc (exit status $rc)"
		head -10 "$WORK/quiet.err" | sed 's/^/    # /'
	fi
}

# sync_vot FILE FORMAT ADQL [MAXREC]: the server's own answer, straight
sync_vot() {
	local args=(--data-urlencode LANG=ADQL --data-urlencode REQUEST=doQuery
		--data-urlencode "QUERY=$3" --data-urlencode "FORMAT=$2")
	[ -n "${4:-}" ] && args+=(--data-urlencode "MAXREC=$4")
	curl -sf -o "$1" "${args[@]}" "$TAP_URL/sync"
}

write_config "[tree]" "url = $TAP_URL"
check "mount" vofs_mount

# every query starts now and runs while the clients start up
PLATES="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofsplates' AND obs_id IN ('ffi-0001', 'plate-0001', 'plate-0012') ORDER BY obs_id"
LCS="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' AND obs_id IN ('lc-0001', 'lc-0002', 'tic 1234/b', 'lc-0121') ORDER BY obs_id"
# every type of the catalogue, capped by MAXREC (so OVERFLOW); ids 1..24
# hold the awkward strings, 1009 and 2018 a null float[3]
CAT="SELECT id, ra, dec, mag, flux, nobs, flag, name, uname, mags FROM vofstest.cat ORDER BY id"
CATMAX=3000
OBSCORE="SELECT * FROM ivoa.obscore ORDER BY obs_publisher_did"
run_query "$Q/plates" "$PLATES"
run_query "$Q/lc" "$LCS"
run_query "$Q/cat" "$CAT" "$CATMAX"
run_query "$Q/oc" "$OBSCORE"
TREE_LC="SELECT obs_id, obs_publisher_did, access_url, access_format FROM ivoa.obscore
 WHERE obs_collection='vofslc' AND obs_id IN ('lc-0003', 'lc-0122', 'lc-0123', 'lc-0124') ORDER BY obs_id"
TREE_PLATES="SELECT obs_id, obs_publisher_did, access_url, access_format, s_ra, s_dec FROM ivoa.obscore
 WHERE obs_collection='vofsplates' AND obs_id IN ('plate-0005', 'plate-0006', 'plate-0007') ORDER BY obs_id"
run_query "$T/lc" "$TREE_LC"
run_query "$T/plates" "$TREE_PLATES"
run_query "$T/cat" "SELECT TOP 500 id, ra, dec, mag, name, mags FROM vofstest.cat ORDER BY id"
run_query "$T/bad" "SELEKT nothing FROM nowhere"
mkdir "$T/empty"

st=$(wait_final "$Q/plates")
check "plates query completes (3 rows)" grep -q "^COMPLETED rows=3 " <<<"$st"
st=$(wait_final "$Q/lc")
check "light-curve query completes (4 rows)" grep -q "^COMPLETED rows=4 " <<<"$st"

# --- 1. ds9 under Xvfb, driven through XPA ---------------------------------------------------
SECTION="ds9 checks"
if have Xvfb ds9 xpaget xpaset xpaaccess; then
	# XPA over unix sockets (XPA_METHOD=local is what works on these
	# machines) in a directory of our own, under a name of our own: no
	# other ds9 on this machine can answer our requests
	export XPA_METHOD=local XPA_TMPDIR=$WORK/xpa
	mkdir -p "$XPA_TMPDIR"
	DS9=vofs06_$$
	# -displayfd: Xvfb picks a free display itself and says which
	Xvfb -displayfd 5 -screen 0 1024x768x24 -nolisten tcp 5> "$WORK/display" > "$WORK/xvfb.log" 2>&1 &
	XVFB_PID=$!
	check "Xvfb started on a free display" wait_for 10 test -s "$WORK/display"
	disp=$(head -1 "$WORK/display" 2>/dev/null)
	echo "    # display :$disp"
	# ds9 loads FITS files with mmap (its default load type, mmapincr): the
	# pixels come through the mount's page cache
	P1=$Q/plates/products/plate-0001/this.fits
	FFI=$Q/plates/products/ffi-0001/this.fits
	DISPLAY=:$disp ds9 -title "$DS9" "$P1" > "$WORK/ds9.log" 2>&1 &
	DS9_PID=$!
	# ds9 answers on XPA, or has died (then no use waiting longer)
	ds9_up_or_dead() { xpaaccess "$DS9" 2>/dev/null | grep -q yes || pid_gone "$DS9_PID"; }
	WAIT_STEP=0.1 wait_for 30 ds9_up_or_dead
	up=$(xpaaccess "$DS9" 2>/dev/null)
	check_eq "ds9 answers on XPA within 30 s (xpaaccess $DS9)" yes "$up"
	[ "$up" = yes ] || sed 's/^/    # ds9: /' "$WORK/ds9.log" | head -10

	d1=$(direct_of "$P1")
	check "plate-0001 downloaded straight from its user.vo.url" test -s "$d1"
	check_eq "xpaget file names the file on the mount" "$P1" "$(xpaget "$DS9" file 2>&1)"
	check_eq "ds9 sees a 512x512 image" "512 512" "$(xpaget "$DS9" fits size 2>&1 | xargs)"
	# 3x3 blocks at the four corners (FITS pixels are 1-based) and the centre
	ds9_pixels plate-0001 "$d1" 3 3 "1 1" "510 1" "1 510" "510 510" "255 255"
	ds9_whole "the image ds9 holds (xpaget fits) is the direct file's, data and header" "$d1"

	# the 16 MiB FFI, loaded through XPA
	dffi=$(direct_of "$FFI")
	check "xpaset file loads the 16 MiB ffi-0001 from the mount" \
		timeout 120 xpaset -p "$DS9" file "$FFI"
	check_eq "xpaget file names the FFI on the mount" "$FFI" "$(xpaget "$DS9" file 2>&1)"
	check_eq "ds9 sees a 2048x2048 image" "2048 2048" "$(xpaget "$DS9" fits size 2>&1 | xargs)"
	ds9_pixels ffi-0001 "$dffi" 5 3 "1 1" "2044 1" "1 2045" "2043 2046" "1024 1024" "777 1501"
	ds9_whole "the whole FFI in ds9 equals the direct file's" "$dffi"

	xpaset -p "$DS9" exit > /dev/null 2>&1
	wait_for 5 pid_gone "$DS9_PID" > /dev/null ||
		{ kill "$DS9_PID" 2>/dev/null; echo "    # ds9 did not exit on 'xpaset exit' within 5 s; killed"; }
	wait "$DS9_PID" 2>/dev/null; DS9_PID=
	kill "$XVFB_PID" 2>/dev/null; wait "$XVFB_PID" 2>/dev/null; XVFB_PID=
	unset XPA_METHOD XPA_TMPDIR
fi

# --- 2. astropy, memmap on and off -------------------------------------------------------------
SECTION="astropy checks"
if have "$PY" && $PY -c "import astropy, numpy" 2>/dev/null; then
	n=0
	for f in "$Q/lc/products/"*.fits; do
		d=$(direct_of "$f") || { fail "download of $f"; continue; }
		check "astropy: light curve $(basename "$f") (BINTABLE) equals the direct file, memmap on and off" \
			$PY "$CHK" fits "$f" "$d"
		n=$((n + 1))
	done
	check_eq "4 light curves compared" 4 "$n"
	for p in plate-0001 plate-0012 ffi-0001; do
		f=$Q/plates/products/$p/this.fits
		d=$(direct_of "$f") || { fail "download of $f"; continue; }
		check "astropy: $p/this.fits (image) equals the direct file, memmap on and off" \
			$PY "$CHK" fits "$f" "$d"
	done
elif [ -x "$PY" ]; then
	skip "$SECTION" "$PY has no astropy or numpy (tests/install-deps.sh installs python3-astropy)"
fi

# --- 3. STILTS on result.vot and result.csv -------------------------------------------------
# result.vot must read in STILTS (and so TOPCAT) as the server's own VOTable
# for the same ADQL and MAXREC does: same row count, same column metadata
# (class, datatype, shape, units, UCD, utype, xtype, null value), the same
# parameters and description, the same cells.
#
# Differences by nature, not compared:
# - vofs writes the final QUERY_STATUS (OVERFLOW) also in the INFO before
#   the table; DaCHS writes OK there and OVERFLOW after the table; STILTS
#   shows the first one (checked on its own below).
# - DaCHS's plain "votable" is BINARY, which cannot flag a null float array:
#   STILTS reads it as (NaN, NaN, NaN) where vofs (docs/layout.md) and the
#   server's BINARY2 say null, so the cells are compared with BINARY2.
# - Service_links (the RESOURCE type="meta" DataLink descriptors) is checked
#   by count: STILTS names it by a Java object's address.
# - votlint flags the empty <TD/> of a null fixed-size array; so it does on
#   the server's own TABLEDATA, so only messages the server's answer does not
#   draw fail the test.
# result.csv: STILTS infers the types (no float32, no short: the narrowest
# type holding the values; arrays are strings), reads the bytes as Latin-1
# and reads a cell of blanks only as empty; clients_check.py compares names,
# row count, type families and every cell up to exactly that.
SECTION="STILTS checks"
if have stilts curl; then
	st=$(wait_final "$Q/cat")
	check "catalogue query completes capped at $CATMAX rows" grep -q "^COMPLETED rows=$CATMAX .*overflow" <<<"$st"
	st=$(wait_final "$Q/oc")
	check "ObsCore query completes (193 rows)" grep -q "^COMPLETED rows=193 " <<<"$st"
	# the meta report without the name of the file, QUERY_STATUS, the
	# trailing blank DaCHS echoes after the query text vofs sent with its
	# newline, and Service_links (an object's address; checked on its own)
	meta() { sed -e '/^Name: /d' -e '/^QUERY_STATUS:$/{N;d}' -e '/^Service_links:$/{N;d}' -e 's/ *$//' "$1"; }
	stilts_q() {   # stilts_q NAME DIR ADQL MAXREC ROWS
		local name=$1 dir=$2 adql=$3 maxrec=$4 rows=$5 s=$WORK/stilts-$1 srvcount
		mkdir -p "$s"
		sync_vot "$s/srv.vot" votable "$adql" "$maxrec"
		sync_vot "$s/srv-b2.vot" "application/x-votable+xml;serialization=BINARY2" "$adql" "$maxrec"
		sync_vot "$s/srv-td.vot" "application/x-votable+xml;serialization=TABLEDATA" "$adql" "$maxrec"
		check "$name: the server's own VOTables fetched (votable, BINARY2, TABLEDATA)" \
			test -s "$s/srv.vot" -a -s "$s/srv-b2.vot" -a -s "$s/srv-td.vot"
		srvcount=$(stilts tpipe in="$s/srv.vot" ifmt=votable omode=count 2>&1)
		check_eq "$name: the server's VOTable has $rows rows for STILTS" "$rows" "$(awk '{print $4}' <<<"$srvcount")"
		# counts
		quiet "$name: stilts tpipe omode=count reads result.vot (streamed)" \
			timeout 120 stilts tpipe in="$dir/result.vot" ifmt=votable istream=true omode=count
		check_eq "$name: result.vot has the server's columns and rows for STILTS ($srvcount)" \
			"$srvcount" "$(cat "$WORK/quiet.out")"
		# column metadata
		stilts tpipe in="$s/srv.vot" ifmt=votable cmd=meta ofmt=csv out="$s/srv.cols" 2>&1
		quiet "$name: stilts cmd=meta reads result.vot's columns" \
			timeout 120 stilts tpipe in="$dir/result.vot" ifmt=votable cmd=meta ofmt=csv out="$s/vot.cols"
		check "$name: every column's class, datatype, shape, units, UCD, xtype, null equal the server's" \
			diff "$s/srv.cols" "$s/vot.cols"
		stilts tpipe in="$s/srv.vot" ifmt=votable omode=meta > "$s/srv.meta" 2>&1
		quiet "$name: stilts omode=meta reads result.vot" \
			timeout 120 stilts tpipe in="$dir/result.vot" ifmt=votable omode=meta
		cp "$WORK/quiet.out" "$s/vot.meta"
		check "$name: parameters, description and columns (omode=meta) equal the server's" \
			diff <(meta "$s/srv.meta") <(meta "$s/vot.meta")
		# a DataLink service descriptor (RESOURCE type="meta" utype="adhoc:service")
		# is what TOPCAT's DataLink activation action needs
		check_eq "$name: result.vot keeps the server's DataLink service descriptors (STILTS Service_links)" \
			"$(grep -c '^Service_links:' "$s/srv.meta")" "$(grep -c '^Service_links:' "$s/vot.meta")"
		# cells
		stilts tpipe in="$s/srv-b2.vot" ifmt=votable ofmt=csv out="$s/srv.csv" 2>&1
		quiet "$name: stilts writes result.vot's cells out" \
			timeout 120 stilts tpipe in="$dir/result.vot" ifmt=votable ofmt=csv out="$s/vot.csv"
		check "$name: every cell STILTS reads from result.vot equals the server's (BINARY2)" \
			cmp "$s/srv.csv" "$s/vot.csv"
		stilts votlint "$dir/result.vot" > "$s/vot.lint" 2>&1
		stilts votlint "$s/srv-td.vot" > "$s/srv.lint" 2>&1
		check "$name: stilts votlint finds nothing in result.vot it does not find in the server's TABLEDATA" \
			$PY "$CHK" votlint "$s/vot.lint" "$s/srv.lint"
		# result.csv
		quiet "$name: stilts omode=count reads result.csv" \
			timeout 120 stilts tpipe in="$dir/result.csv" ifmt='csv(header=true)' omode=count
		check_eq "$name: result.csv has the server's columns and rows for STILTS" \
			"$srvcount" "$(cat "$WORK/quiet.out")"
		quiet "$name: stilts cmd=meta reads result.csv's columns" \
			timeout 120 stilts tpipe in="$dir/result.csv" ifmt='csv(header=true)' cmd=meta ofmt=csv out="$s/csv.cols"
		check "$name: result.csv's columns have the server's names and types STILTS infers of that family" \
			$PY "$CHK" csvtypes "$s/srv.cols" "$s/csv.cols"
		quiet "$name: stilts writes result.csv's cells out" \
			timeout 120 stilts tpipe in="$dir/result.csv" ifmt='csv(header=true)' ofmt=csv out="$s/csv.csv"
		check "$name: every cell STILTS reads from result.csv equals the server's (up to what CSV cannot say)" \
			$PY "$CHK" stiltscsv "$s/srv.csv" "$s/csv.csv" "$s/srv.cols"
	}
	stilts_q catalogue "$Q/cat" "$CAT" "$CATMAX" "$CATMAX"
	check "catalogue: STILTS reads QUERY_STATUS OVERFLOW from result.vot" \
		bash -c "grep -A1 -x 'QUERY_STATUS:' '$WORK/stilts-catalogue/vot.meta' | grep -qx '    OVERFLOW'"
	# the whole ObsCore table: 50 images, 130 light curves, 13 plates
	stilts_q obscore "$Q/oc" "$OBSCORE" "" 193
	check "obscore: STILTS reads QUERY_STATUS OK from result.vot" \
		bash -c "grep -A1 -x 'QUERY_STATUS:' '$WORK/stilts-obscore/vot.meta' | grep -qx '    OK'"
fi

# --- 4. tree tools over a whole queries/ tree --------------------------------------------------
# tree/queries/: lc (4 light curves, direct access_url), plates (3 plates
# through DataLink: this.fits, preview.png, links.csv), cat (500 rows, no
# products), bad (malformed ADQL: ERROR) and empty (mkdir only).  Result
# files are listed only once a query has COMPLETED: the others could not be
# read (EIO, ENODATA), which cp, tar and rsync would report.
SECTION="tree tools"
if have find du cp tar rsync cmp; then
	check "tree/lc completes (4 light curves)" grep -q "^COMPLETED rows=4 " <(wait_final "$T/lc")
	check "tree/plates completes (3 plates)" grep -q "^COMPLETED rows=3 " <(wait_final "$T/plates")
	check "tree/cat completes (500 rows)" grep -q "^COMPLETED rows=500 " <(wait_final "$T/cat")
	check "tree/bad (malformed ADQL) ends in ERROR" grep -q "^ERROR" <(wait_final "$T/bad")
	check_eq "tree/empty (mkdir only) is EMPTY" EMPTY "$(cat "$T/empty/status")"

	quiet "find over queries/ exits 0, nothing on stderr" timeout 120 find "$T"
	sed "s|^$T/||" "$WORK/quiet.out" | sort > "$WORK/find.list"
	check "find lists result.csv, result.vot of the completed query" \
		bash -c "grep -qx lc/result.csv '$WORK/find.list' && grep -qx lc/result.vot '$WORK/find.list'"
	check_eq "find lists the 4 light curves in lc/products/" 4 "$(grep -c '^lc/products/[^/]*\.fits$' "$WORK/find.list")"
	check "find lists this.fits, preview.png, links.csv in the 3 plate directories" bash -c "
		for p in plate-0005 plate-0006 plate-0007; do for f in this.fits preview.png links.csv; do
			grep -qx \"plates/products/\$p/\$f\" '$WORK/find.list' || { echo missing \$p/\$f; exit 1; }; done; done"
	check "a failed query lists no result.csv or result.vot" \
		bash -c "! grep -E '^bad/result\.(csv|vot)$' '$WORK/find.list'"
	check "a query that never ran lists no result.csv or result.vot" \
		bash -c "! grep -E '^empty/result\.(csv|vot)$' '$WORK/find.list'"
	e=$(cat "$T/bad/result.csv" 2>&1 >/dev/null)
	check "cat result.csv of the failed query still fails ($e)" test -n "$e"
	e=$(cat "$T/empty/result.csv" 2>&1 >/dev/null)
	check "cat result.csv of the never-run query still fails ($e)" test -n "$e"

	# every file reads back exactly its size; the totals du must show
	check "every file under queries/ reads back exactly st_size bytes" $PY "$CHK" tree "$T"
	totals=$(tail -1 "$WORK/check.out")
	bytes=$(sed -n 's/.* bytes=\([0-9]*\).*/\1/p' <<<"$totals")
	blocks=$(sed -n 's/.* blocks512=\([0-9]*\).*/\1/p' <<<"$totals")
	echo "    # $totals"
	quiet "du -sh exits 0, nothing on stderr" timeout 120 du -sh "$T"
	check "du -sh prints a size for the tree ($(cut -f1 "$WORK/quiet.out"))" \
		grep -qE "^[0-9.,]+[KMG]?	$T\$" "$WORK/quiet.out"
	quiet "du -b exits 0, nothing on stderr" timeout 120 du -b "$T"
	check_eq "du -b (apparent size) totals the exact file sizes" "$bytes" "$(tail -1 "$WORK/quiet.out" | cut -f1)"
	quiet "du --apparent-size -s -B1 exits 0, nothing on stderr" timeout 120 du --apparent-size -s -B1 "$T"
	check_eq "du --apparent-size totals the exact file sizes" "$bytes" "$(cut -f1 "$WORK/quiet.out")"
	quiet "du -s -B512 exits 0, nothing on stderr" timeout 120 du -s -B512 "$T"
	check_eq "du -s -B512 (allocated blocks) is the sum of ceil(size/512)" "$blocks" "$(cut -f1 "$WORK/quiet.out")"

	quiet "cp -r queries/ exits 0, nothing on stderr" timeout 300 cp -r "$T" "$WORK/cp"
	quiet "tar c of queries/ exits 0, nothing on stderr" timeout 300 tar -C "$MNT/tree" -cf "$WORK/queries.tar" queries
	mkdir -p "$WORK/untar"
	quiet "tar x of that archive exits 0, nothing on stderr" tar -C "$WORK/untar" -xf "$WORK/queries.tar"
	quiet "rsync -a queries/ exits 0, nothing on stderr" timeout 300 rsync -a "$T/" "$WORK/rsync/"
	check "cp -r, tar and rsync copies hold the mount's paths and byte-identical files" \
		$PY "$CHK" tree "$T" "$WORK/cp" "$WORK/untar/queries" "$WORK/rsync"
	check_eq "  (and the same totals)" "$totals" "$(tail -1 "$WORK/check.out")"
	check "the failed query's error file came along with the service's message" test -s "$WORK/cp/bad/error"
	rsync -a --stats "$T/" "$WORK/rsync/" > "$WORK/rsync2.out" 2>&1
	check "a second rsync -a transfers nothing (stable sizes and mtimes)" \
		grep -q "Number of regular files transferred: 0" "$WORK/rsync2.out"
	check "rsync -a kept the products' mtimes (the servers' Last-Modified)" bash -c "
		cd '$T' && for f in lc/products/*.fits plates/products/*/this.fits; do
			[ \"\$(stat -c %Y \"\$f\")\" = \"\$(stat -c %Y '$WORK/rsync/'\"\$f\")\" ] || { echo \"\$f\"; exit 1; }; done"

	# products against the direct downloads, in every copy
	nprod=0 bad=0
	while IFS= read -r rel; do
		d=$(direct_of "$T/$rel") || { bad=$((bad + 1)); echo "    # no direct download of $rel"; continue; }
		nprod=$((nprod + 1))
		for c in "$T" "$WORK/cp" "$WORK/untar/queries" "$WORK/rsync"; do
			cmp -s "$c/$rel" "$d" || { bad=$((bad + 1)); echo "    # $c/$rel differs from the direct download"; }
		done
	done < <(grep -E '^(lc/products/[^/]*\.fits|plates/products/[^/]*/(this\.fits|preview\.png))$' "$WORK/find.list")
	check_eq "10 products (4 light curves, 3 this.fits, 3 preview.png) compared" 10 "$nprod"
	check_eq "every product, on the mount and in every copy, equals its direct download" 0 "$bad"
	rm -rf "$WORK/queries.tar"
fi

check "unmount" vofs_umount
check_log_clean
finish
