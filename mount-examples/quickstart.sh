#!/bin/bash
# Build vofs and mount it (Debian 12, as root).
#
#   bash mount-examples/quickstart.sh MOUNTPOINT          the public services
#   bash mount-examples/quickstart.sh --local MOUNTPOINT  the local test archive
#                                                         (GAVO DaCHS on 127.0.0.1,
#                                                         for machines without network)
# Installs what it needs, builds with meson into build/, installs vofs,
# its man page and the mount helpers (meson install: /usr/local/bin/vofs,
# man vofs, /sbin/mount.fuse.vofs for mount -t fuse.vofs and /etc/fstab),
# mounts in the background.  Unmount with: fusermount3 -u MOUNTPOINT
set -euo pipefail
cd "$(dirname "$0")/.."
local_archive=0
if [ "${1:-}" = "--local" ]; then local_archive=1; shift; fi
mnt=${1:?usage: quickstart.sh [--local] MOUNTPOINT}

tests/install-deps.sh --build
if [ ! -f build/build.ninja ]; then meson setup build --buildtype=debugoptimized; fi
ninja -C build
meson install -C build --quiet
opts=()
if [ $local_archive = 1 ]; then
	tests/server/setup.sh
	opts=(-o service=local=http://127.0.0.1:8080/tap)
fi
mkdir -p "$mnt"
/usr/local/bin/vofs "${opts[@]}" "$mnt"
echo
echo "vofs is mounted on $mnt:"
ls "$mnt"
cat <<TXT

Try:
  cat $mnt/README
  ls $mnt/*/tables | head
  mkdir $mnt/<service>/queries/first
  echo "SELECT TOP 10 * FROM ivoa.obscore" > $mnt/<service>/queries/first/query.adql
  cat $mnt/<service>/queries/first/status $mnt/<service>/queries/first/result.csv
  watch cat $mnt/.vofs/transfers          (downloads in flight)
  man vofs
Unmount: fusermount3 -u $mnt   (logs go to syslog; run vofs -f to see them)
TXT
