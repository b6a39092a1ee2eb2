#!/bin/bash
# Install what building and testing vofs needs (Debian 12, as root).
# Quick when everything is there already.
set -euo pipefail
# --build: only what building and mounting needs
pkgs=(meson ninja-build pkg-config gcc libc6-dev libfuse3-dev fuse3 libcurl4-openssl-dev
      libxml2-dev libsqlite3-dev curl)
if [ "${1:-}" != "--build" ]; then
	pkgs+=(sqlite3 python3 python3-astropy python3-numpy python3-pyvo python3-requests
	       rsync attr time bc
	       saods9 xpa-tools xvfb xauth stilts   # the real clients of tests/integration/06-clients.sh
	       groff-base mount passwd              # 08-mounting.sh: the man page, mount(8), useradd
	       vim nano emacs-nox)                  # 12-editing.sh: the editors whose saves it checks
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
[ -e /dev/fuse ] || { echo "no /dev/fuse on this machine: vofs cannot mount" >&2; exit 1; }
