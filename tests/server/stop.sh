#!/bin/bash
# Stop the DaCHS server started by setup.sh (PostgreSQL is left running).
set -euo pipefail
BASE="http://127.0.0.1:8080"
command -v dachs >/dev/null || { echo "stop.sh: dachs not installed, nothing to stop"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "stop.sh: must run as root" >&2; exit 1; }
dachs serve stop >/dev/null 2>&1 || true
for _ in $(seq 1 40); do
    if ! curl -s -o /dev/null --max-time 2 "$BASE/tap/capabilities"; then
        echo "stop.sh: DaCHS stopped"
        exit 0
    fi
    sleep 0.5
done
echo "stop.sh: ERROR: DaCHS still answers at $BASE after 20 s" >&2
exit 1
