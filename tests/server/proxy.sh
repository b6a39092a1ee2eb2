#!/bin/bash
# Run tests/server/faultproxy.py in the background.
#   proxy.sh start|stop|restart|status
# Environment: VOFS_PROXY_LISTEN (127.0.0.1:8090), VOFS_PROXY_UPSTREAM
# (http://127.0.0.1:8080), VOFS_PROXY_PIDFILE (/tmp/vofs-faultproxy.pid),
# VOFS_PROXY_LOG (request log, /tmp/vofs-faultproxy.log).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LISTEN=${VOFS_PROXY_LISTEN:-127.0.0.1:8090}
UPSTREAM=${VOFS_PROXY_UPSTREAM:-http://127.0.0.1:8080}
PIDFILE=${VOFS_PROXY_PIDFILE:-/tmp/vofs-faultproxy.pid}
LOG=${VOFS_PROXY_LOG:-/tmp/vofs-faultproxy.log}
STDERR_LOG="${PIDFILE%.pid}.stderr"

running() {
    [ -f "$PIDFILE" ] || return 1
    local pid; pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
        && grep -q faultproxy "/proc/$pid/cmdline" 2>/dev/null
}

listening() {  # an injected 404 is answered without contacting the upstream
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://$LISTEN/f/http404/ping" || true)" = 404 ]
}

start() {
    if running; then
        echo "proxy.sh: already running (pid $(cat "$PIDFILE")) on $LISTEN"
        return 0
    fi
    if listening; then
        echo "proxy.sh: ERROR: something else already answers on $LISTEN" >&2
        exit 1
    fi
    nohup /usr/bin/python3 "$HERE/faultproxy.py" --listen "$LISTEN" --upstream "$UPSTREAM" \
        --log "$LOG" </dev/null >"$STDERR_LOG" 2>&1 &
    echo $! > "$PIDFILE"
    for _ in $(seq 1 100); do
        if listening; then
            echo "proxy.sh: faultproxy running (pid $(cat "$PIDFILE")) on http://$LISTEN -> $UPSTREAM, log $LOG"
            return 0
        fi
        running || break
        sleep 0.1
    done
    echo "proxy.sh: ERROR: faultproxy did not start; its stderr:" >&2
    cat "$STDERR_LOG" >&2 || true
    stop >/dev/null 2>&1 || true
    exit 1
}

stop() {
    if running; then
        local pid; pid=$(cat "$PIDFILE")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
        echo "proxy.sh: stopped (pid $pid)"
    else
        echo "proxy.sh: not running"
    fi
    rm -f "$PIDFILE"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    restart) stop; start ;;
    status) if running; then echo "running (pid $(cat "$PIDFILE"))"; else echo "not running"; exit 3; fi ;;
    *) echo "usage: $0 start|stop|restart|status" >&2; exit 2 ;;
esac
