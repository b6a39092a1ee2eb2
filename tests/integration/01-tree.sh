#!/bin/bash
# The tree: services, about.txt, capabilities, tables, columns, samples,
# examples; an unreachable service neither blocks nor breaks the mount.
. "$(dirname "$0")/../lib.sh"

check "mount" vofs_mount
root=$(ls "$MNT" 2>&1)
check_eq "root lists README and both services" "README dead local" "$(echo $root)"
check "README explains the tree" grep -q "queries/<name>/" "$MNT/README"

about=$(cat "$MNT/local/about.txt")
check "about.txt names the TAP base URL" grep -q "TAP base URL  *$TAP_URL" <<<"$about"
check "about.txt lists ADQL" grep -q "query languages .*ADQL" <<<"$about"
check "about.txt states MAXREC limits" grep -qE "MAXREC \(rows\) +default [0-9]+, hard [0-9]+" <<<"$about"
check "about.txt lists output formats" grep -q "text/csv" <<<"$about"
check "capabilities.xml is the document as served" \
	cmp "$MNT/local/capabilities.xml" <(curl -sf "$TAP_URL/capabilities")
size=$(stat -c %s "$MNT/local/about.txt")
check_eq "ls -l size of about.txt is exact" "$(wc -c < "$MNT/local/about.txt")" "$size"

tables=$(ls "$MNT/local/tables")
check "tables lists vofstest.cat" grep -qx "vofstest.cat" <<<"$tables"
check "tables lists ivoa.obscore" grep -qx "ivoa.obscore" <<<"$tables"
check "tables lists tap_schema.tables" grep -qix "tap_schema.tables" <<<"$tables"
check_eq "a table directory holds its three files" "columns.csv description.txt sample.csv" \
	"$(ls "$MNT/local/tables/vofstest.cat" | tr '\n' ' ' | sed 's/ $//')"
cols="$MNT/local/tables/vofstest.cat/columns.csv"
check_eq "columns.csv header" "name,datatype,arraysize,unit,ucd,utype,xtype,description" \
	"$(head -1 "$cols" | tr -d '\r')"
check "columns.csv has ra with unit deg and its UCD" grep -q "^ra,double,,deg,pos.eq.ra;meta.main," "$cols"
check "columns.csv has the mags array column" grep -q "^mags,float,3," "$cols"
check "columns.csv size is exact in ls -l" test "$(stat -c %s "$cols")" -eq "$(wc -c < "$cols")"
check "description.txt is the table's description" grep -q "Synthetic catalogue" \
	"$MNT/local/tables/vofstest.cat/description.txt"

sample="$MNT/local/tables/vofstest.cat/sample.csv"
nrec=$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="")))) - 1)' "$sample")
check_eq "sample.csv has the first 100 rows" "100" "$nrec"
# the kernel keeps the old size for attr_timeout (1 s): the new one shows after that
size_exact() { [ "$(stat -c %s "$1")" -eq "$(wc -c < "$1")" ]; }
check "sample.csv size is exact after the first read (within 3 s)" wait_for 3 size_exact "$sample"

ex=$(ls "$MNT/local/examples")
check "examples lists .adql files" grep -q '\.adql$' <<<"$ex"
first=$(ls "$MNT/local/examples" | head -1)
check "an example holds ADQL" grep -qi "select" "$MNT/local/examples/$first"

# an unreachable service: readable error, quick answers
t0=$(date +%s.%N)
dead_about=$(cat "$MNT/dead/about.txt")
check "dead service's about.txt says why" grep -qi "not available: .*127.0.0.1:9" <<<"$dead_about"
ls "$MNT/dead/tables" > "$WORK/dead.ls" 2>&1
check "listing an unreachable service's tables fails with a clear errno" grep -qi "connection refused" "$WORK/dead.ls"
t1=$(date +%s.%N)
check "an unreachable service answers within 5 s" python3 -c "import sys; sys.exit(not ($t1 - $t0 < 5))"
check "nonexistent table is ENOENT" bash -c "! ls '$MNT/local/tables/no.such' 2>&1 | grep -vq 'No such file'"
check "writing a table file is refused" bash -c "! echo x > '$cols'"

check "unmount cleanly" vofs_umount
check_log_clean
finish
