#!/bin/bash
# Set up a local GAVO DaCHS TAP server with the vofs test archive.
#
#   sudo tests/server/setup.sh        (must run as root, Debian 12)
#
# Idempotent: installs packages only when missing, re-imports the archive only
# when its definition (RD + generator scripts) changed, starts the server only
# when it is not answering.  Environment knobs:
#   VOFS_FORCE_IMPORT=1   re-import even if the stamp says it is current
#   VOFS_SKIP_INSTALL=1   never call apt-get (fail if something is missing)
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PORT=8080
BASE="http://127.0.0.1:${PORT}"
RDDIR=/var/gavo/inputs/vofstest
STAMP="$RDDIR/.vofs-import-stamp"
PG_VERSION=15
PG_CLUSTER=main

T_START=$(date +%s.%N)
T_LAST=$T_START

die() { echo "setup.sh: ERROR: $*" >&2; exit 1; }
log() { echo "setup.sh: $*"; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", b-a}'; }
timing() {
    local now; now=$(date +%s.%N)
    log "[$(elapsed "$T_LAST" "$now") s, total $(elapsed "$T_START" "$now") s] $*"
    T_LAST=$now
}
trap 'rc=$?; [ $rc -ne 0 ] && echo "setup.sh: FAILED (exit $rc) at line $LINENO after $(elapsed "$T_START" "$(date +%s.%N)") s" >&2' EXIT

[ "$(id -u)" = 0 ] || die "must run as root"
[ -r /etc/debian_version ] || die "this script expects Debian (12)"

# ---------------------------------------------------------------- packages
PKGS=(postgresql gavodachs2-server python3-astropy python3-numpy curl)

pkg_ok() {  # true when package is installed and configured
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

APT_OPTS=(-y -q -o DPkg::Lock::Timeout=900 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
apt_updated=0
apt_install() {
    if [ "${VOFS_SKIP_INSTALL:-0}" = 1 ]; then die "packages missing ($*) and VOFS_SKIP_INSTALL=1"; fi
    if [ $apt_updated = 0 ]; then
        log "apt-get update"
        local try
        for try in 1 2 3; do
            DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 update >/dev/null && break
            [ $try = 3 ] && die "apt-get update failed 3 times"
            log "apt-get update failed, retrying in 10 s"; sleep 10
        done
        apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" --no-install-recommends "$@"
}

pg_start() {
    # exit 2 = already running
    local rc=0
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >/dev/null 2>&1 || rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 2 ]; then
        pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start || true
    fi
    pg_lsclusters -h | awk -v v="$PG_VERSION" -v c="$PG_CLUSTER" '$1==v && $2==c {print $4}' | grep -q online \
        || die "PostgreSQL cluster $PG_VERSION/$PG_CLUSTER does not start (see /var/log/postgresql/)"
}

wait_dpkg_lock() {
    local i
    for i in $(seq 1 900); do
        if ! fuser /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock >/dev/null 2>&1; then return 0; fi
        [ $((i % 30)) = 1 ] && log "dpkg is locked by another process, waiting..."
        sleep 1
    done
    die "dpkg lock still held after 15 minutes"
}

# PostgreSQL 15.19+ (bookworm-security) refuses two obsolete compatibility
# operators "@(bigint|spoint, smoc)" in Debian 12's pgsphere 1.2.0 extension
# script ("commutator operator @> is already the commutator of operator <@"),
# so "CREATE EXTENSION pg_sphere" and with it DaCHS's postinst ("dachs init")
# fail.  pgsphere upstream deleted these operators (pgsphere PR #92); DaCHS 2.7
# does not use them.  Remove them from the extension scripts (idempotent).
patch_pgsphere() {
    local f re
    re='CREATE OPERATOR @ \(\s*LEFTARG\s*=\s*(?:bigint|spoint),\s*RIGHTARG\s*=\s*smoc,[^;]*?\);\n?'
    for f in /usr/share/postgresql/*/extension/pg_sphere--*.sql; do
        [ -f "$f" ] || continue
        if perl -0ne "exit(/$re/ ? 0 : 1)" "$f"; then   # perl: always there (perl-base)
            perl -0pi -e "s/$re/-- (vofs setup.sh: obsolete operator removed, see pgsphere PR #92)\n/g" "$f" \
                || die "patching $f failed"
            log "patched $f (PostgreSQL 15.19+ compatibility)"
        fi
    done
}

missing=()
for p in "${PKGS[@]}"; do pkg_ok "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "missing packages: ${missing[*]}"
    # PostgreSQL and the extensions first: the cluster must run and pgsphere
    # must be patched before gavodachs2-server's postinst creates the database.
    PGPKGS=(postgresql "postgresql-$PG_VERSION-pgsphere" "postgresql-$PG_VERSION-q3c")
    pg_missing=()
    for p in "${PGPKGS[@]}"; do pkg_ok "$p" || pg_missing+=("$p"); done
    if [ ${#pg_missing[@]} -gt 0 ]; then
        apt_install "${pg_missing[@]}" || die "installing ${pg_missing[*]} failed"
    fi
    patch_pgsphere
    pg_start
    if ! apt_install "${missing[@]}"; then
        log "apt-get install failed (DaCHS postinst needs a running PostgreSQL); retrying configure"
        patch_pgsphere
        pg_start
        wait_dpkg_lock
        DEBIAN_FRONTEND=noninteractive dpkg --configure -a || die "dpkg --configure -a failed"
    fi
    for p in "${PKGS[@]}"; do pkg_ok "$p" || die "package $p is still not installed/configured"; done
    timing "packages installed"
else
    timing "packages already installed"
fi

pg_start
# A previous interrupted install may have left gavodachs half-configured.
if dpkg -l | awk '$1 ~ /^(iF|iU|iH)/ {found=1} END{exit !found}'; then
    patch_pgsphere
    log "half-configured packages found; running dpkg --configure -a"
    wait_dpkg_lock
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a || die "dpkg --configure -a failed"
fi
command -v dachs >/dev/null || die "dachs command not found after install"
timing "postgresql running"

as_dachs() { su dachsroot -s /bin/bash -c "cd '$RDDIR' && $*"; }
server_up() { curl -sf -o /dev/null --max-time 10 "$BASE/tap/capabilities"; }
psql_gavo() { su postgres -c "psql -X -q -t -A -d gavo -c \"$1\"" 2>/dev/null; }

# ---------------------------------------------------------------- config
CONFIG_CHANGED=0
install_if_changed() {  # src dest owner mode
    if ! cmp -s "$1" "$2"; then
        install -o "$3" -g gavo -m "$4" "$1" "$2"
        CONFIG_CHANGED=1
        log "updated $2"
    fi
}
TMPD=$(mktemp -d)
trap 'rc=$?; rm -rf "$TMPD"; [ $rc -ne 0 ] && echo "setup.sh: FAILED (exit $rc) after $(elapsed "$T_START" "$(date +%s.%N)") s" >&2; exit $rc' EXIT

cat > "$TMPD/gavo.rc" <<RC
# written by vofs tests/server/setup.sh
[web]
bindAddress: 127.0.0.1
serverPort: ${PORT}
serverURL: ${BASE}
sitename: vofs test archive

[ivoa]
authority: vofs.test
RC
if ! cmp -s "$TMPD/gavo.rc" /etc/gavo.rc; then
    install -m 644 "$TMPD/gavo.rc" /etc/gavo.rc
    CONFIG_CHANGED=1
    log "updated /etc/gavo.rc"
fi

# TAP examples: DaCHS serves /tap/examples from the tapexamples STREAM of
# /var/gavo/etc/userconfig.rd; splice in the STREAM of the same id from q.rd.
UC_STAMP=/var/gavo/etc/.vofs-userconfig-stamp
UC_HASH=$( { cat "$HERE/q.rd"; dpkg-query -W -f='${Version}' python3-gavo; } | sha256sum | cut -c1-64)
if [ -f /var/gavo/etc/userconfig.rd ] && [ "$(cat "$UC_STAMP" 2>/dev/null)" = "$UC_HASH" ]; then
    :   # up to date; dumping the system userconfig takes a second, skip it
else
su dachsroot -s /bin/bash -c "dachs admin dumpDF //userconfig" > "$TMPD/userconfig.orig.rd" \
    || die "dachs admin dumpDF //userconfig failed"
/usr/bin/python3 - "$HERE/q.rd" "$TMPD/userconfig.orig.rd" "$TMPD/userconfig.rd" <<'PY' || die "building userconfig.rd failed"
import re, sys
rd, orig, out = sys.argv[1:]
pat = re.compile(r'<STREAM id="tapexamples">.*?</STREAM>', re.S)
mine = pat.search(open(rd, encoding="utf-8").read())
base = open(orig, encoding="utf-8").read()
if not mine or not pat.search(base):
    sys.exit("tapexamples STREAM not found")
open(out, "w", encoding="utf-8").write(
    pat.sub(lambda m: mine.group(0), base, count=1))
PY
install_if_changed "$TMPD/userconfig.rd" /var/gavo/etc/userconfig.rd dachsroot 664
echo "$UC_HASH" > "$UC_STAMP"
fi
timing "configuration checked (changed: $CONFIG_CHANGED)"

# ---------------------------------------------------------------- archive
install -d -o dachsroot -g gavo -m 775 "$RDDIR"
# //obscore must be imported once (re-importing it would drop published tables)
if [ "$(psql_gavo "SELECT to_regclass('ivoa._obscoresources') IS NOT NULL")" != t ]; then
    log "dachs imp //obscore"
    as_dachs "dachs imp //obscore" >"$TMPD/obscore.log" 2>&1 \
        || { cat "$TMPD/obscore.log" >&2; die "dachs imp //obscore failed"; }
    timing "obscore imported"
fi

SRC_FILES=(q.rd catgen.py mkimages.py mkplates.py mklightcurves.py)
HASH=$(cd "$HERE" && cat "${SRC_FILES[@]}" | sha256sum | cut -c1-64)
read -r N_EXPECTED NIMG_EXPECTED NPLATE_EXPECTED NLC_EXPECTED NDET_EXPECTED NPHOT_EXPECTED < <(cd "$HERE" && /usr/bin/python3 -c '
import catgen, mkimages, mkplates, mklightcurves
print(catgen.N, len(mkimages.centres()), len(mkplates.PLATES), mklightcurves.N,
      sum(1 for _ in catgen.det_rows()), catgen.N * catgen.PHOT_PER_OBJ)') \
    || die "cannot read the archive sizes from the generator scripts"

nfiles() { find "$RDDIR/data/$1" -maxdepth 1 -name "$2" -type f 2>/dev/null | wc -l; }
archive_ok() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$HASH" ] || return 1
    [ "$(nfiles . 'img-*.fits')" = "$NIMG_EXPECTED" ] || return 1
    [ "$(nfiles plates '*.fits')" = "$NPLATE_EXPECTED" ] || return 1
    [ "$(nfiles previews '*.png')" = "$NPLATE_EXPECTED" ] || return 1
    [ "$(nfiles lc 'lc-*.fits')" = "$NLC_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.cat")" = "$N_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.images")" = "$NIMG_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.plates")" = "$NPLATE_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.lightcurves")" = "$NLC_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.det")" = "$NDET_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT count(*) FROM vofstest.phot")" = "$NPHOT_EXPECTED" ] || return 1
    [ "$(psql_gavo "SELECT obs_collection || '=' || count(*) FROM ivoa.obscore
        WHERE obs_collection IN ('vofstest', 'vofsplates', 'vofslc')
        GROUP BY obs_collection ORDER BY obs_collection" | tr '\n' ' ')" \
        = "vofslc=$NLC_EXPECTED vofsplates=$NPLATE_EXPECTED vofstest=$NIMG_EXPECTED " ] || return 1
    cmp -s "$HERE/q.rd" "$RDDIR/q.rd"
}

REIMPORTED=0
if [ "${VOFS_FORCE_IMPORT:-0}" != 1 ] && archive_ok; then
    timing "archive up to date (stamp ${HASH:0:12}), skipping import"
else
    log "building archive in $RDDIR"
    rm -f "$STAMP"
    # The products (about 300 MB) are written to data.new on the same file
    # system (not /tmp: it may be a small tmpfs), then renamed.  The old ones
    # go first, so the disk never holds two copies.
    NEWDATA="$RDDIR/data.new"
    rm -rf "$NEWDATA" "$RDDIR/data"
    /usr/bin/python3 "$HERE/mkimages.py" "$NEWDATA" || die "mkimages.py failed"
    /usr/bin/python3 "$HERE/mkplates.py" "$NEWDATA" || die "mkplates.py failed"
    /usr/bin/python3 "$HERE/mklightcurves.py" "$NEWDATA" || die "mklightcurves.py failed"
    mv "$NEWDATA" "$RDDIR/data"
    install -m 664 "$HERE/q.rd" "$HERE/catgen.py" "$RDDIR/"
    chown -R dachsroot:gavo "$RDDIR"
    timing "products generated"
    as_dachs "dachs imp q" >"$TMPD/imp.log" 2>&1 \
        || { tail -50 "$TMPD/imp.log" >&2; die "dachs imp vofstest/q failed (log above)"; }
    grep -i "warning" "$TMPD/imp.log" | sort -u | sed 's/^/  dachs: /' || true
    timing "dachs imp vofstest/q done"
    as_dachs "dachs pub q" >"$TMPD/pub.log" 2>&1 \
        || { cat "$TMPD/pub.log" >&2; die "dachs pub vofstest/q failed"; }
    timing "dachs pub vofstest/q done"
    echo "$HASH" > "$STAMP"
    chown dachsroot:gavo "$STAMP"
    archive_ok || die "archive check failed after import (row counts or obscore)"
    REIMPORTED=1
fi

# ---------------------------------------------------------------- server
if server_up && [ $CONFIG_CHANGED = 0 ] && [ $REIMPORTED = 0 ]; then
    timing "server already running at $BASE"
else
    if pgrep -u gavo -f "dachs serve" >/dev/null 2>&1 || server_up; then
        log "restarting DaCHS (config changed: $CONFIG_CHANGED, reimported: $REIMPORTED)"
        dachs serve stop >/dev/null 2>&1 || true
        for _ in $(seq 1 30); do
            pgrep -u gavo -f "dachs serve" >/dev/null 2>&1 || break
            sleep 0.5
        done
    fi
    # a web.pid left by an unclean shutdown (e.g. a reboot) whose pid now
    # belongs to another process makes "dachs serve start" refuse to start
    PIDF=/var/gavo/state/web.pid
    if [ -f "$PIDF" ] && ! grep -qs dachs "/proc/$(cat "$PIDF" 2>/dev/null)/cmdline"; then
        log "removing stale $PIDF"
        rm -f "$PIDF"
    fi
    : > /var/gavo/logs/server.stderr 2>/dev/null || true
    dachs serve start >/dev/null 2>&1 || true   # exits 0 even when it fails
    ok=0
    for _ in $(seq 1 240); do
        if server_up; then ok=1; break; fi
        sleep 0.5
    done
    if [ $ok != 1 ]; then
        echo "---- /var/gavo/logs/server.stderr ----" >&2
        tail -50 /var/gavo/logs/server.stderr >&2 2>/dev/null || true
        die "DaCHS did not answer $BASE/tap/capabilities within 120 s"
    fi
    timing "server started at $BASE"
fi

# ---------------------------------------------------------------- smoke test
got=$(curl -sf --max-time 60 -d LANG=ADQL -d RESPONSEFORMAT=csv \
    --data-urlencode "QUERY=SELECT COUNT(*) AS n FROM vofstest.cat" "$BASE/tap/sync" | tail -n 1 | tr -d '\r') \
    || die "smoke query failed"
[ "$got" = "$N_EXPECTED" ] || die "smoke query: expected $N_EXPECTED rows, got '$got'"
curl -sf -o /dev/null --max-time 30 "$BASE/tap/examples" || die "$BASE/tap/examples does not answer"
timing "ready: TAP service $BASE/tap (vofstest.cat: $got rows)"
