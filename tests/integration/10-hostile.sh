#!/bin/bash
# Issue 14: one bad server harms nobody.  tests/server/hostile.py serves one
# misbehaving TAP service per scenario (stalls, drips, huge and nested
# documents, entity tricks, redirects off the origin, a gzip bomb, odd and
# long names, a product that changes under the reader, malformed UWS); each is
# mounted beside the good service (DaCHS, [good]).  For each scenario:
#  (a) the user's call on the hostile service returns within its bound, with
#      an error where one is due, and never with wrong bytes;
#  (b) meanwhile a prober keeps reading good/about.txt, listing good/tables
#      and running a small query on the good service: each must answer
#      within 2 s;
#  (c) the daemon's peak RSS (VmHWM) stays under 128 MiB;
#  (d) the daemon is still alive afterwards (and unmounts cleanly at the end).
# The stalls, drips and documents run in parallel, each group its own mount
# and daemon; then the memory-hungry ones alone.  About 35 s on this 2-core
# machine (the sample's 15 s bound sets the pace; it was 4 minutes before the
# deadlines of issue 14); the table at the end has every scenario's numbers.
#
# Checks that fail on today's code are listed in KNOWN below: they print
# "ok - ... # SKIP known failure, issue 14: <what was measured>" unless
# HOSTILE_STRICT=1, which makes them real checks (flip them on as fixes land;
# a known check that passes prints a plain "ok").
# Bounds (service timeout = 15, -o io_timeout=5), as the man page's WAITS
# section gives them: a product whose server stops sending or drips fails
# within 3 x io_timeout (15 s); a query after the service's timeout (15 s); a
# service document never fetched within the service's timeout when shorter
# than 60 s (15 s); the rest within the issue's 20 s.
. "$(dirname "$0")/../lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
HOSTILE=$HERE/../server/hostile.py
HPORT=${HOSTILE_PORT:-8097}
HOTHER=$((HPORT + 1))
HURL=http://127.0.0.1:$HPORT
HLOG=$WORK/hostile.log
STRICT=${HOSTILE_STRICT:-0}
GOOD_S=2          # the good service must answer within this (s)
RSS_KB=131072     # 128 MiB
CALL_MAX=150      # a hostile call still running after this is killed (a hang;
                  # longer than libcurl's 120 s low-speed cut-off of today's
                  # code: a reader killed while vofs waits stays in D state
                  # until vofs answers, and the unmount would fail)
# checks that fail on today's code: keys of hcheck (none since the fixes of
# issue 14 landed; before them: stalltables.call driptables.call
# stallcap.call dripcap.call stallsample.call stallsample.columns
# dripsample.call dripsample.columns stallprod.call dripprod.call names.long
# bigdl.call bigdl.good bigdl.rss bigdl.sigterm)
KNOWN=" ${HOSTILE_KNOWN:-} "
KNOWN=$(echo $KNOWN)   # one space between keys
KNOWN=" $KNOWN "

# --- helpers ----------------------------------------------------------------

# hcheck KEY DESC MEASURED CMD...: CMD must succeed; a failure of a KEY listed
# in KNOWN is a SKIP that says what was measured, unless HOSTILE_STRICT=1
hcheck() {
	local key=$1 desc=$2 measured=$3; shift 3
	if "$@" > "$WORK/check.out" 2>&1; then
		ok "$desc"
	elif [ "$STRICT" != 1 ] && [[ $KNOWN == *" $key "* ]]; then
		skip "$desc" "known failure, issue 14: $measured"
	else
		fail "$desc"
		echo "    # measured: $measured"
		head -5 "$WORK/check.out" | sed 's/^/    # /'
	fi
}

# secs CENTIS: 1234 -> 12.34
secs() { printf '%d.%02d' $(($1 / 100)) $(($1 % 100)); }
# le CENTIS SECONDS: the duration is at most SECONDS
le() { _centis "$2"; [ "$1" -le "$_CS" ]; }

# timed OUT CMD...: run CMD (killed after CALL_MAX s) with stdout to OUT and
# stderr to OUT.err; sets T (centiseconds) and RC, and HUNG when it was killed
timed() {
	local out=$1 t0; shift
	_uptime; t0=$_NOW
	(timeout -s KILL "$CALL_MAX" "$@" > "$out" 2> "$out.err"; exit $?) 2> /dev/null   # no "Killed" note
	RC=$?
	_uptime; T=$((_NOW - t0))
	[ "$RC" != 137 ] || HUNG=1
}
HUNG=

# the good service's probes, each timed: about.txt, the table list, a query
probe_once() {   # prints "about CS tables CS query CS"
	local t0 ta tt tq d=$MNT/good/queries/probe$1
	_uptime; t0=$_NOW
	timeout -s KILL 120 grep -q "^TAP version" "$MNT/good/about.txt" > /dev/null 2>&1 || ta=999999
	_uptime; ta=${ta:-$((_NOW - t0))}; t0=$_NOW
	timeout -s KILL 120 ls "$MNT/good/tables" 2>/dev/null | grep -qx vofstest.cat || tt=999999
	_uptime; tt=${tt:-$((_NOW - t0))}; t0=$_NOW
	# a query every fourth round (every 2-3 s): DaCHS is shared by all mounts
	[ "${1##*.}" = warm ] || [ $(( ${1##*.} % 4 )) = 1 ] || { echo "about $ta tables $tt"; return; }
	{ mkdir "$d" && echo "SELECT TOP 1 id FROM vofstest.cat" > "$d/query.adql" &&
	  timeout -s KILL 120 "$FINAL" "$d" && grep -q "^id" "$d/result.csv"; } > /dev/null 2>&1 || tq=999999
	_uptime; tq=${tq:-$((_NOW - t0))}
	echo "about $ta tables $tt query $tq"
}
# prober FILE: probe the good service until FILE.stop exists
prober() {
	local i=0
	while [ ! -e "$1.stop" ]; do
		i=$((i + 1))
		probe_once "$SCEN.$i" >> "$1"
		sleep 0.5   # pacing of the probe loop, not a synchronisation
	done
}
start_prober() { PF=$WORK/probe.$SCEN; rm -f "$PF" "$PF.stop"; prober "$PF" & PROBER=$!; }
# stop_prober: sets GOOD (worst latency, centis), GOOD_WHAT (a summary)
stop_prober() {
	touch "$PF.stop"; wait "$PROBER"
	GOOD_WHAT=$(awk '{ for (i = 1; i < NF; i += 2) { if ($(i+1) > m[$i]) m[$i] = $(i+1); if ($(i+1) >= 999999) bad[$i]++ }; n++ }
		function w(k) { return bad[k] ? sprintf("%d failed", bad[k]) : sprintf("%.2f s", m[k] / 100) }
		END { printf "%d rounds, worst about.txt %s, tables %s, query %s", n, w("about"), w("tables"), w("query") }' "$PF")
	GOOD=$(awk '{ for (i = 2; i <= NF; i += 2) if ($i > m) m = $i } END { print m + 0 }' "$PF")
	[ -s "$PF" ] || { GOOD=999999; GOOD_WHAT="no probe finished"; }
}

rss_kb() { awk '/VmHWM/ {print $2}' "/proc/$VOFS_PID/status" 2>/dev/null || echo 0; }
alive() { kill -0 "$VOFS_PID" 2>/dev/null && mountpoint -q "$MNT"; }

# after SCEN: the shared checks (b), (c), (d) of a scenario whose call took T
after() {
	local what=$1 rss
	stop_prober
	hcheck "$SCEN.good" "$SCEN: the good service answered within $GOOD_S s while $what ($GOOD_WHAT)" \
		"$GOOD_WHAT while $what ($(secs "$T") s)" le "$GOOD" "$GOOD_S"
	rss=$(rss_kb)
	LAST_RSS=$((rss / 1024))
	if [ "$ASAN" = 1 ]; then
		echo "    # $SCEN: peak RSS $((rss / 1024)) MiB (sanitizer build: not checked)"
	else hcheck "$SCEN.rss" "$SCEN: peak RSS under 128 MiB ($((rss / 1024)) MiB)" \
		"peak RSS $((rss / 1024)) MiB after $what" test "${rss:-0}" -lt "$RSS_KB"
	fi
	check "$SCEN: the daemon is alive and mounted" alive
}

# bounded KEY BOUND DESC: the call (timed) returned within BOUND s
bounded() {
	local tail=""
	[ "$RC" = 137 ] && tail=", killed: it hung"
	printf '%-12s %-58s %6s %10s%s %8s MiB %8s s\n' "$SCEN" "$3" "$2 s" "$(secs "$T") s" \
		"$([ "$RC" = 137 ] && echo + || echo " ")" "$LAST_RSS" "$(secs "$GOOD")" >> "$TOP/table.txt"
	hcheck "$SCEN.$1" "$SCEN: $3 returns within $2 s (took $(secs "$T") s$tail)" \
		"$3 took $(secs "$T") s$tail (bound $2 s)" le "$T" "$2"
}
failed() {   # the call failed (rc != 0): an error, not a silent success
	check "$SCEN: $1 fails with an error (rc $RC: $(head -c 120 "$2.err" | tr '\n' ' '))" test "$RC" -ne 0
}
no_passwd() { ! grep -rqs "root:.*:0:0:" "$@"; }

# group NAME SCENARIO...: a mount with the good service and these hostile ones
group_setup() {
	WORK=$TOP/$1; shift
	MNT=$WORK/mnt CACHE=$WORK/cache LOG=$WORK/vofs.log
	mkdir -p "$MNT" "$CACHE"
	{
		printf '[good]\nurl = %s\nmode = sync\n\n' "$TAP_URL"
		for s in "$@"; do
			printf '[%s]\nurl = %s/%s/tap\ntimeout = 15\ntoken_file = %s\n' "$s" "$HURL" "$s" "$TOP/token"
			case $s in uws*) printf 'mode = async\n';; *) printf 'mode = sync\n';; esac
			echo
		done
	} > "$WORK/services.ini"
	check "mount with the good service and $*" vofs_mount -o io_timeout=5 ${GROUP_OPTS:-}
	echo "$VOFS_PID" > "$WORK/daemon.pid"
	# the good service is fetched once before anything goes wrong
	check "the good service answers before the scenarios" probe_once warm
}
group_end() {
	if [ -z "$HUNG" ]; then
		check "unmount cleanly" vofs_umount
	else
		# a reader killed while vofs waits on the network stays in D state
		# until vofs answers it, so fusermount3 -u says EBUSY: a signal
		# unmounts anyway (documented), with status 0
		fusermount3 -u "$MNT" 2>/dev/null && echo "    # fusermount3 -u worked despite the hung reader"
		local st t0
		_uptime; t0=$_NOW
		kill -TERM "$VOFS_PID"
		wait_for 15 pid_gone "$VOFS_PID" > /dev/null || kill -9 "$VOFS_PID"
		wait "$VOFS_PID" 2> /dev/null; st=$?
		_uptime
		hcheck "$SCEN.sigterm" "$SCEN: a call hung; SIGTERM still unmounts within 15 s, status 0 (took $(secs $((_NOW - t0))) s, status $st)" \
			"SIGTERM did not end the daemon within 15 s while it served $SCEN (killed: status $st)" test "$st" = 0
		VOFS_PID=
		grep -q " $MNT " /proc/mounts && fusermount3 -uz "$MNT" 2>/dev/null
	fi
	rm -f "$WORK/daemon.pid"   # the daemon is gone: the cleanup must not kill its pid
	check_log_clean
}

# hquery SERVICE NAME ADQL: a query on a hostile service, started
hquery() { mkdir -p "$MNT/$1/queries/$2" && echo "$3" > "$MNT/$1/queries/$2/query.adql"; }
# hquery_done SERVICE NAME ADQL: ... and ended (at most 60 s)
hquery_done() { hquery "$@" && timeout -s KILL 60 "$FINAL" "$MNT/$1/queries/$2"; }
stall_seen() { grep -q "$1" "$HLOG"; }

# --- the scenarios ------------------------------------------------------------

# stalled or dripping /tables: ls tables of that service
sc_tables() {
	SCEN=$1; start_prober
	timed "$WORK/$SCEN.out" ls "$MNT/$SCEN/tables"
	after "$SCEN/tables ${2}"
	bounded call 15 "ls $SCEN/tables"
	failed "ls $SCEN/tables" "$WORK/$SCEN.out"
}
# stalled or dripping /capabilities: about.txt of that service
sc_cap() {
	SCEN=$1; start_prober
	timed "$WORK/$SCEN.out" cat "$MNT/$SCEN/about.txt"
	after "$SCEN/capabilities ${2}"
	bounded call 15 "cat $SCEN/about.txt"
	check "$SCEN: about.txt says capabilities are not available ($(grep -m1 capabilities "$WORK/$SCEN.out"))" \
		grep -q "not available" "$WORK/$SCEN.out"
}
# a stalled or dripping sample query: sample.csv, and meanwhile columns.csv of
# another table of the same service
sc_sample() {
	local tc
	SCEN=$1; start_prober
	ls "$MNT/$SCEN/tables" > /dev/null
	rm -f "$WORK/$SCEN.T"
	{ timed "$WORK/$SCEN.out" cat "$MNT/$SCEN/tables/hostile.t/sample.csv"; echo "$T $RC $HUNG" > "$WORK/$SCEN.T"; } &
	local bg=$!
	check "$SCEN: the server got the sample query" wait_for 20 stall_seen "$SCEN/tap/sync.*\(stall\|drip\): sync"
	_uptime; local t0=$_NOW
	(timeout -s KILL "$CALL_MAX" cat "$MNT/$SCEN/tables/hostile.other/columns.csv" > "$WORK/$SCEN.cols" 2>&1; exit $?) 2> /dev/null
	[ $? != 137 ] || { HUNG=1; echo "(nothing: killed after $CALL_MAX s)" >> "$WORK/$SCEN.cols"; }
	_uptime; tc=$((_NOW - t0))
	wait "$bg"
	local hung
	read -r T RC hung < "$WORK/$SCEN.T"   # what timed measured in the background
	HUNG=${HUNG:-$hung}
	after "$SCEN: the sample query ${2}"
	hcheck "$SCEN.columns" "$SCEN: columns.csv of another table answers within $GOOD_S s meanwhile (took $(secs "$tc") s)" \
		"hostile.other/columns.csv took $(secs "$tc") s while the sample of hostile.t ${2}" le "$tc" "$GOOD_S"
	hcheck "$SCEN.columns" "$SCEN: ... with the right columns" "columns.csv gave: $(head -c 100 "$WORK/$SCEN.cols")" \
		grep -q "^name,datatype" "$WORK/$SCEN.cols"
	bounded call 15 "cat $SCEN/tables/hostile.t/sample.csv"
	failed "the sample" "$WORK/$SCEN.out"
}
# a stalled or dripping product: cat it; what came before the error is right
sc_prod() {
	SCEN=$1
	hquery_done "$SCEN" p "SELECT * FROM hostile.products"
	check "$SCEN: the product query completes" grep -q "^obs_id" "$MNT/$SCEN/queries/p/result.csv"
	check "$SCEN: the product is listed" ls -l "$MNT/$SCEN/queries/p/products/$2.fits"
	start_prober
	timed "$WORK/$SCEN.out" cat "$MNT/$SCEN/queries/p/products/$2.fits"
	after "the product ${3}"
	bounded call "$4" "cat $SCEN/.../$2.fits"
	failed "the product read" "$WORK/$SCEN.out"
	check "$SCEN: the $(stat -c %s "$WORK/$SCEN.out") bytes read before the error are the server's" \
		cmp -n "$(stat -c %s "$WORK/$SCEN.out")" "$WORK/$SCEN.out" "$TOP/plain.bin"
}

# stale while revalidating: a table list fetched once, then (meta_ttl=2 s
# later) the service stalls: ls answers at once with the stored list, the
# refresh runs in the background, and when io_timeout cuts it the directory's
# user.vo.error says why; the list is still served
sc_stale() {
	local first again
	SCEN=staletables; start_prober
	first=$(ls "$MNT/$SCEN/tables" 2>&1)
	check "$SCEN: the first listing has the tables" grep -q "^hostile.t$" <<<"$first"
	sleep 2.5   # meta_ttl (2 s) passes: the list is due for a refresh
	timed "$WORK/$SCEN.out" ls "$MNT/$SCEN/tables"
	after "$SCEN/tables stalled on its refresh"
	bounded call 1 "ls $SCEN/tables while its refresh stalls"
	check_eq "$SCEN: ... and it is the stored list" "$first" "$(cat "$WORK/$SCEN.out")"
	check "$SCEN: the server was asked again (the refresh)" wait_for 10 stall_seen "staletables.*asked again"
	check "$SCEN: when the refresh is cut (io_timeout 5 s), user.vo.error of tables/ says why" \
		wait_for 15 bash -c "getfattr --only-values -n user.vo.error '$MNT/$SCEN/tables' 2>/dev/null | grep -q staletables"
	again=$(ls "$MNT/$SCEN/tables" 2>&1)
	check "$SCEN: the stored list is still served after the failed refresh" \
		bash -c "[ '$first' = '$again' ] && grep -q '^hostile.t$' <<<'$again'"
}
g_stale() { GROUP_OPTS="-o meta_ttl=2" group_setup g_stale staletables; sc_stale; group_end; }

# a mount each for the stalls and drips (each takes minutes on today's code)
STALLED="stalled after its headers"
DRIPPED="dripped a byte every 3 s"
g_stalltables() { group_setup g_stalltables stalltables; sc_tables stalltables "$STALLED"; group_end; }
g_driptables() { group_setup g_driptables driptables; sc_tables driptables "$DRIPPED"; group_end; }
g_stallcap() { group_setup g_stallcap stallcap; sc_cap stallcap "$STALLED"; group_end; }
g_dripcap() { group_setup g_dripcap dripcap; sc_cap dripcap "$DRIPPED"; group_end; }
g_stallsample() { group_setup g_stallsample stallsample; sc_sample stallsample "$STALLED"; group_end; }
g_dripsample() { group_setup g_dripsample dripsample; sc_sample dripsample "$DRIPPED"; group_end; }
g_stallprod() { group_setup g_stallprod stallprod; sc_prod stallprod stall "$STALLED" 15; group_end; }
g_dripprod() { group_setup g_dripprod dripprod; sc_prod dripprod drip "$DRIPPED" 15; group_end; }

# sc_uws SCEN WHAT BOUND CALL SAYS PATTERN: a query on a bad UWS service ends
# in ERROR within BOUND s, its result is an error, and its error file SAYS
sc_uws() {
	SCEN=$1; start_prober
	hquery "$1" q "SELECT * FROM hostile.t"
	timed "$WORK/$1.st" "$FINAL" "$MNT/$1/queries/q"
	local tq=$T
	timed "$WORK/$1.out" cat "$MNT/$1/queries/q/result.csv"
	T=$((T + tq))
	after "$1$2"
	bounded call "$3" "$4"
	failed "reading its result" "$WORK/$1.out"
	check "$1: the error $5 ($(head -c 120 "$MNT/$1/queries/q/error"))" grep -q "$6" "$MNT/$1/queries/q/error"
}

# group 5: documents and names (quick ones)
g_docs() { group_setup g_docs deep laughs xxe redir names badutf8 uwsbad uwsloop changing
	SCEN=deep; start_prober
	timed "$WORK/deep.out" ls "$MNT/deep/tables"
	after "deep/tables nested a million elements deep"
	bounded call 20 "ls deep/tables"
	check "deep: the tables come from TAP_SCHEMA instead" grep -qx hostile.t "$WORK/deep.out"

	SCEN=laughs; start_prober
	timed "$WORK/laughs.out" ls "$MNT/laughs/tables"
	local rcl=$RC
	hquery laughs q "SELECT * FROM hostile.t"
	timed "$WORK/laughs.res" "$FINAL" "$MNT/laughs/queries/q"
	after "laughs served billion-laughs documents"
	bounded call 20 "the billion-laughs result"
	check "laughs: ls laughs/tables fails (rc $rcl: $(head -c 120 "$WORK/laughs.out.err"))" test "$rcl" -ne 0
	check "laughs: the query ends in ERROR ($(head -c 100 "$MNT/laughs/queries/q/error"))" \
		grep -q "^ERROR" "$MNT/laughs/queries/q/status"

	SCEN=xxe; start_prober
	timed "$WORK/xxe.out" ls "$MNT/xxe/tables"
	hquery xxe q "SELECT * FROM hostile.t"
	timed "$WORK/xxe.res" "$FINAL" "$MNT/xxe/queries/q"
	cat "$MNT/xxe/queries/q/result.csv" >> "$WORK/xxe.res" 2>&1
	after "xxe served external entities"
	bounded call 20 "the XXE result"
	check "xxe: /etc/passwd shows nowhere (table list, result, error)" \
		no_passwd "$WORK/xxe.out" "$WORK/xxe.out.err" "$WORK/xxe.res" "$MNT/xxe/queries/q/error"
	check "xxe: the query ends in ERROR ($(head -c 100 "$MNT/xxe/queries/q/error"))" \
		grep -q "^ERROR" "$MNT/xxe/queries/q/status"

	SCEN=redir; start_prober
	timed "$WORK/redir.out" ls "$MNT/redir/tables"
	local tt=$T
	cat "$MNT/redir/about.txt" > "$WORK/redir.about" 2>&1
	hquery_done redir p "SELECT * FROM hostile.products"
	cat "$MNT/redir/queries/p/products/local.fits" > "$WORK/redir.local" 2>&1
	timed "$WORK/redir.away" cat "$MNT/redir/queries/p/products/away.fits"
	T=$tt
	after "redir redirected off its origin"
	bounded call 20 "ls redir/tables (302 to file://)"
	check "redir: /tables sent to file:// gives the tables from TAP_SCHEMA" grep -qx hostile.t "$WORK/redir.out"
	check "redir: the product sent to file:// fails" grep -q "Input/output error" "$WORK/redir.local"
	check "redir: /etc/passwd shows nowhere (tables, about.txt, the product sent to file://)" \
		no_passwd "$WORK/redir.out" "$WORK/redir.out.err" "$WORK/redir.about" "$WORK/redir.local"
	check "redir: the redirect to gopher:// was not followed" not_in_log "GOPHER-WAS-FOLLOWED"
	check "redir: the token went to the service's origin" grep -q "^[0-9:]* $HPORT .*auth=yes" "$HLOG"
	check "redir: the product moved to another port came without the token" not_in_log " $HOTHER .*auth=yes"
	check "redir: ... and its bytes are that server's (or it failed: rc $RC)" \
		bash -c '[ "$0" != 0 ] || cmp "$1" "$2"' "$RC" "$WORK/redir.away" "$TOP/plain.bin"

	SCEN=names; start_prober
	timed "$WORK/names.out" ls "$MNT/names/tables"
	cat "$MNT/names/tables/hostile.a%2Fb/columns.csv" > "$WORK/names.cols" 2>&1
	after "names listed odd names"
	bounded call 20 "ls names/tables"
	check "names: a slash, a newline and a leading dot are escaped ($(grep -c . "$WORK/names.out") names)" \
		bash -c 'grep -qx "hostile.a%2Fb" "$0" && grep -qx "hostile.nl%0Aname" "$0" && grep -qx "%2Ehidden" "$0"' "$WORK/names.out"
	check "names: columns.csv of hostile.a%2Fb" grep -q "^name,datatype" "$WORK/names.cols"
	hcheck names.long "names: the 300-byte table name is listed (shortened)" \
		"ls names/tables shows $(grep -c . "$WORK/names.out") of 6 names, not the 300-byte one (the log: $(grep -m1 -o 'warn: name too long[^:]*' "$LOG"))" \
		grep -q "^hostile.long_n" "$WORK/names.out"
	local long full
	long=$(grep -m1 "^hostile.long_n" "$WORK/names.out")
	full=hostile.long_$(printf 'n%.0s' $(seq 287))   # hostile.py's 300-byte name
	check "names: the shortened name is at most 200 bytes and ends in ~hash (${#long} bytes)" \
		bash -c '[ ${#0} -le 200 ] && [[ $0 =~ ~[0-9a-f]{8}$ ]]' "$long"
	check "names: ... its user.vo.name is the full 300-byte name" \
		bash -c '[ "$(getfattr --only-values -n user.vo.name "$0")" = "$1" ]' "$MNT/names/tables/$long" "$full"
	check "names: ... its description.txt starts with the full name" \
		bash -c '[ "$(head -1 "$0")" = "name: $1" ]' "$MNT/names/tables/$long/description.txt" "$full"
	check "names: ... and its columns.csv is found by the short name" \
		grep -q "^name,datatype" "$MNT/names/tables/$long/columns.csv"

	SCEN=badutf8; start_prober
	timed "$WORK/badutf8.out" ls "$MNT/badutf8/tables"
	after "badutf8 listed a name that is not UTF-8"
	bounded call 20 "ls badutf8/tables (not UTF-8)"
	check "badutf8: the tables come from TAP_SCHEMA instead" grep -qx hostile.t "$WORK/badutf8.out"

	sc_uws uwsbad " served a malformed job document" 18 "the query with a malformed job document" \
		"names the job document" "async/j1"
	sc_uws uwsloop "'s job never ended" 20 "the query whose job never ends (timeout 15)" \
		"says it timed out" "timed out"

	SCEN=changing   # one query per product: no read-ahead of one into another
	hquery_done changing p1 "SELECT * FROM hostile.products WHERE obs_id = 'chg'"
	hquery_done changing p2 "SELECT * FROM hostile.products WHERE obs_id = 'chgcut'"
	hquery_done changing p3 "SELECT * FROM hostile.products WHERE obs_id = 'chgseek'"
	start_prober
	timed "$WORK/chg.out" cat "$MNT/changing/queries/p1/products/chg.fits"
	local t1=$T rc1=$RC
	timed "$WORK/chgcut.out" cat "$MNT/changing/queries/p2/products/chgcut.fits"
	local rc2=$RC
	timed "$WORK/chg.seek" python3 -c '
import sys
with open(sys.argv[1], "rb") as f:       # one open, two ranged reads 20 MiB apart
    a = f.read(4096); f.seek(20 << 20); b = f.read(4096)
print(a[:7].decode(), b[:7].decode())' "$MNT/changing/queries/p3/products/chgseek.fits"
	local rc3=$RC
	T=$((t1 > T ? t1 : T))
	after "changing rewrote its products"
	bounded call 20 "reading the changing products"
	hcheck chg.whole "changing: read whole, chg.fits is one version or an error (rc $rc1: $(versions "$WORK/chg.out"))" \
		"chg.fits (a new version on every request) read back as $(versions "$WORK/chg.out") (rc $rc1)" \
		one_version "$WORK/chg.out" "$rc1"
	hcheck chg.cut "changing: chgcut.fits, cut mid-stream then changed, is one version or an error (rc $rc2: $(versions "$WORK/chgcut.out"))" \
		"chgcut.fits (the transfer cut in the middle, the retry got a new version) read back as $(versions "$WORK/chgcut.out") (rc $rc2)" \
		one_version "$WORK/chgcut.out" "$rc2"
	hcheck chg.seek "changing: two ranged reads of one open file are one version or an error (rc $rc3: $(cat "$WORK/chg.seek" "$WORK/chg.seek.err" | tail -1))" \
		"two reads of one open chgseek.fits 20 MiB apart gave $(cat "$WORK/chg.seek") (rc $rc3)" \
		bash -c '[ "$0" != 0 ] || { read -r a b < "$1"; [ "$a" = "$b" ]; }' "$rc3" "$WORK/chg.seek"
	group_end; }

# versions FILE: the product versions in FILE and its size ("v000003 x 24 MiB")
versions() {
	awk 'substr($0, 1, 1) == "v" { n[$1]++ } END { for (v in n) printf "%s%s x%d", s, v, n[v]; s = " + " }' "$1"
	printf ', %d bytes' "$(stat -c %s "$1")"
}
# one_version FILE RC: an error (RC != 0) with one version before it, or the
# whole product (24 MiB) in one version
one_version() {
	local nv
	nv=$(awk 'substr($0, 1, 1) == "v" { n[$1]++ } END { print length(n) }' "$1")
	[ "${nv:-0}" -le 1 ] || return 1
	[ "$2" != 0 ] || [ "$(stat -c %s "$1")" = $((24 * 1024 * 1024)) ]
}
not_in_log() { ! grep -q "$1" "$HLOG"; }

# group 6: the memory-hungry ones, one after the other
g_mem() { group_setup g_mem gzip bigdl
	SCEN=gzip; start_prober
	timed "$WORK/gzip.out" ls "$MNT/gzip/tables"
	local tt=$T
	hquery gzip q "SELECT * FROM hostile.t"
	timed "$WORK/gzip.st" "$FINAL" "$MNT/gzip/queries/q"
	cat "$MNT/gzip/queries/q/result.csv" > "$WORK/gzip.res" 2> "$WORK/gzip.res.err"; RC=$?
	T=$((tt > T ? tt : T))
	after "gzip sent 2 GiB bombs"
	bounded call 20 "ls gzip/tables and the query (gzip bombs)"
	failed "the query on a gzip bomb" "$WORK/gzip.res"

	SCEN=bigdl
	hquery_done bigdl p "SELECT * FROM hostile.products"
	check "bigdl: the product query completes" grep -q "^obs_id" "$MNT/bigdl/queries/p/result.csv"
	start_prober
	CALL_MAX=60 timed "$WORK/bigdl.out" ls "$MNT/bigdl/queries/p/products/big"
	after "bigdl sent a 500000-row DataLink document"
	bounded call 20 "ls of the DataLink directory of 500000 links"
	echo "    # bigdl: ls gave $(grep -c . "$WORK/bigdl.out") names, rc $RC: $(head -c 150 "$WORK/bigdl.out.err")"
	group_end; }

# --- run -----------------------------------------------------------------------

TOP=$WORK
# a sanitizer build's RSS is mostly ASan's shadow memory and quarantine
ASAN=0
if ldd "$VOFS_BIN" 2>/dev/null | grep -q libasan; then
	ASAN=1
	skip "peak RSS under 128 MiB in every scenario" "this is the sanitizer build: its RSS includes ASan's shadow memory; the release build's run checks it"
fi
# $FINAL DIR: wait (0.05 s steps) until the query's status is final
FINAL=$TOP/final.sh
cat > "$FINAL" <<'SH'
#!/bin/bash
until grep -qE '^(COMPLETED|ERROR|ABORTED)' "$1/status" 2>/dev/null; do sleep 0.05; done
SH
chmod +x "$FINAL"
trap hostile_cleanup EXIT
hostile_cleanup() {
	local d p
	for d in "$TOP"/g_*; do
		p=$(cat "$d/daemon.pid" 2>/dev/null) && [ -n "$p" ] && kill -9 "$p" 2>/dev/null
		# also a mount whose daemon died ("Transport endpoint is not connected")
		grep -q " $d/mnt " /proc/mounts && fusermount3 -uz "$d/mnt" 2>/dev/null
	done
	[ -n "${HPID:-}" ] && kill "$HPID" 2>/dev/null
	true
}

if ! curl -sf -m 5 -o /dev/null "$TAP_URL/availability"; then
	skip "hostile TAP services beside DaCHS" "DaCHS does not answer at $TAP_URL (tests/server/setup.sh)"
	finish; exit
fi
for p in "$HPORT" "$HOTHER"; do
	if curl -s -m 2 -o /dev/null "http://127.0.0.1:$p/"; then
		fail "port $p is free for hostile.py (set HOSTILE_PORT)"; finish; exit
	fi
done
python3 "$HOSTILE" "$HPORT" "$HOTHER" "$HLOG" &
HPID=$!
check "hostile.py answers on $HURL" wait_for 10 curl -sf -m 2 -o /dev/null "$HURL/fine/tap/availability"
curl -s -m 10 -o "$TOP/plain.bin" "$HURL/fine/prod/x"
echo "hostile-secret-token" > "$TOP/token"; chmod 600 "$TOP/token"

HGROUPS=${HGROUPS:-"g_stalltables g_driptables g_stallcap g_dripcap g_stallsample g_dripsample g_stallprod g_dripprod g_stale g_docs g_mem"}
wait_groups() { local j; for j in $(jobs -p); do [ "$j" = "$HPID" ] || wait "$j"; done; }
# the stalls and drips (waiting, mostly) and the documents in parallel, then
# the memory-hungry ones alone: their CPU would slow the good service's probes
for g in $HGROUPS; do
	[ "$g" = g_mem ] && wait_groups
	( trap - EXIT; $g ) > "$TOP/$g.tap" 2>&1 &
done
wait_groups
for g in $HGROUPS; do
	echo "# -- $g"
	cat "$TOP/$g.tap"
	PASS=$((PASS + $(grep -E '^ok - ' "$TOP/$g.tap" | grep -vc '# SKIP')))
	FAIL=$((FAIL + $(grep -c '^not ok - ' "$TOP/$g.tap")))
	SKIP=$((SKIP + $(grep -c '^ok - .*# SKIP' "$TOP/$g.tap")))
done
check "hostile.py is still running" kill -0 "$HPID"
echo "# scenario, call, bound, wall time (+: killed), peak RSS of the daemon so far, the good service's worst answer"
sed 's/^/#   /' "$TOP/table.txt"
finish
