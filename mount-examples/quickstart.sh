#!/bin/bash
# Build vofs and mount it (Debian 12, as root).
#
#   bash mount-examples/quickstart.sh MOUNTPOINT          the public services
#   bash mount-examples/quickstart.sh --local MOUNTPOINT  the local test archive
#                                                         (GAVO DaCHS on 127.0.0.1,
#                                                         for machines without network)
# Installs what it needs, builds with meson into build/, mounts in the
# background.  Unmount with: fusermount3 -u MOUNTPOINT
set -euo pipefail
cd "$(dirname "$0")/.."
local_archive=0
if [ "${1:-}" = "--local" ]; then local_archive=1; shift; fi
mnt=${1:?usage: quickstart.sh [--local] MOUNTPOINT}

tests/install-deps.sh --build
if [ ! -f build/build.ninja ]; then meson setup build --buildtype=debugoptimized; fi
ninja -C build
opts=()
if [ $local_archive = 1 ]; then
	tests/server/setup.sh
	opts=(-o service=local=http://127.0.0.1:8080/tap)
fi
mkdir -p "$mnt"
build/fs/vofs "${opts[@]}" "$mnt"
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
Unmount: fusermount3 -u $mnt   (logs go to syslog; run vofs -f to see them)
TXT
