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
        DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=900 update >/dev/null \
            || die "apt-get update failed"
        apt_updated=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" --no-install-recommends "$@"
}

pg_start() {
    # exit 2 = already running
    local rc=0
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start 2>/dev/null || rc=$?
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

missing=()
for p in "${PKGS[@]}"; do pkg_ok "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
    log "missing packages: ${missing[*]}"
    # postgresql first, so the cluster can run before gavodachs2-server's postinst
    if ! pkg_ok postgresql; then
        apt_install postgresql || die "installing postgresql failed"
    fi
    pg_start
    if ! apt_install "${missing[@]}"; then
        log "apt-get install failed (expected once: DaCHS postinst needs a running PostgreSQL); retrying configure"
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
    log "half-configured packages found; running dpkg --configure -a"
    wait_dpkg_lock
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a || die "dpkg --configure -a failed"
fi
command -v dachs >/dev/null || die "dachs command not found after install"
timing "postgresql running"
