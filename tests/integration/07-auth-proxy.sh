#!/bin/bash
# token_file and proxy in the services file.  A bearer token goes to its
# service's origin (TAP, UWS, products there) and nowhere else: not to a
# product on another host, not after a redirect to another host or port;
# a rotated token file is picked up; the token is in no log, status, error
# file, xattr or store; a token file others can read fails the mount; a
# refused token says so.  With proxy=, queries and products go through the
# fault proxy acting as an HTTP forward proxy (and product hosts learnt from
# the results too), giving the right bytes.
# The fault proxy logs auth=SCHEME:HASH (SHA-256 of the credentials, 16 hex
# digits) per request; a small server written here plays a service that
# redirects elsewhere and one that refuses every token.
. "$(dirname "$0")/../lib.sh"

PY=/usr/bin/python3
PLOG=${VOFS_PROXY_LOG:-/tmp/vofs-faultproxy.log}
PPORT=${PROXY##*:}
RUN=$$-$RANDOM
DAC=${TAP_URL%/tap}                       # http://127.0.0.1:8080
DAC_OTHER=${DAC/127.0.0.1/localhost}      # the same server as another host
PROXY_OTHER=${PROXY/127.0.0.1/localhost}
tok_hash() { printf %s "$1" | sha256sum | cut -c1-16; }
newtoken() { echo "vofs-itest-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
TOKEN1=$(newtoken)
TOKEN2=$(newtoken)
H1=$(tok_hash "$TOKEN1")
H2=$(tok_hash "$TOKEN2")
plog_from() { tail -c +"$(( $1 + 1 ))" "$PLOG"; }   # proxy log lines after byte offset $1
plog_size() { stat -c %s "$PLOG" 2>/dev/null || echo 0; }
# plog_has OFFSET ERE...: the proxy log after OFFSET has a line matching each
# ERE (the proxy writes a request's line once it has answered it, so it can
# come a moment after the client has the whole answer: wait_for it)
plog_has() {
	local off=$1 p log; shift
	log=$(plog_from "$off")
	for p in "$@"; do grep -qE -- "$p" <<<"$log" || { echo "no line matching: $p"; return 1; }; done
}
re() { sed 's/[][\.*^$+?(){}|]/\\&/g' <<<"$1"; }   # an ERE matching the string $1

# --- the fault proxy must log Authorization and accept absolute-form requests
off=$(plog_size)
curl -s -o /dev/null --max-time 20 -x "$PROXY" -H "Authorization: Bearer probe-$RUN" \
	"$DAC/tap/capabilities?probe=$RUN" || true
if ! wait_for 5 plog_has "$off" \
	"GET $(re "$DAC/tap/capabilities?probe=$RUN") .*status=200 .*auth=Bearer:$(tok_hash "probe-$RUN")"; then
	fail "the fault proxy at $PROXY is a forward proxy and logs auth= (restart it: tests/server/proxy.sh restart)"
	finish
	exit 1
fi

# --- a service that redirects elsewhere, one that refuses every token ------------
cat > "$WORK/authsrv.py" <<'PYEOF'
import hashlib, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
portfile, logpath, proxy_port, run = sys.argv[1:]

class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a):
        pass
    def handle_one(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        value = self.headers.get("Authorization")
        auth = "-"
        if value:
            scheme, _, cred = value.partition(" ")
            auth = "%s:%s" % (scheme, hashlib.sha256(cred.encode()).hexdigest()[:16])
        with open(logpath, "a") as f:
            f.write("%s %s auth=%s\n" % (self.command, self.path, auth))
        if self.path.startswith("/deny/"):
            # echoes the credentials: vofs must mask them in its messages
            body = ("invalid token: %s" % (value or "")).encode()
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Bearer error="invalid_token"')
            self.send_header("Content-Type", "text/plain")
        else:
            host = {"/a/": "localhost", "/b/": "127.0.0.1"}.get(self.path[:3])
            if not host:
                body = b"no such path\n"
                self.send_response(404)
                self.send_header("Content-Type", "text/plain")
            else:
                body = b""
                loc = "http://%s:%s/f/nonce=redir%s-%s/%s" % (
                    host, proxy_port, self.path[1], run, self.path[3:])
                self.send_response(307)
                self.send_header("Location", loc)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    do_GET = do_POST = do_DELETE = do_HEAD = handle_one

srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
srv.daemon_threads = True
with open(portfile, "w") as f:
    f.write(str(srv.server_address[1]))
srv.serve_forever()
PYEOF
$PY "$WORK/authsrv.py" "$WORK/authsrv.port" "$WORK/authsrv.log" "$PPORT" "$RUN" &
AUTHSRV_PID=$!
trap 'vofs_cleanup; kill "$AUTHSRV_PID" 2>/dev/null' EXIT
check "the redirecting / refusing test server is up" wait_for 10 test -s "$WORK/authsrv.port"
RP=$(cat "$WORK/authsrv.port" 2>/dev/null)
echo "    # on port $RP"
touch "$WORK/authsrv.log"

# --- token files the mount refuses -------------------------------------------------
bad_mount() {   # description, token file content (- none, DIR a directory), mode, expected text [, owner]
	local f=$WORK/badtoken.$RANDOM out rc
	case "$2" in
		-) ;;
		DIR) mkdir -m "$3" "$f";;
		*) printf '%s' "$2" > "$f"; chmod "$3" "$f";;
	esac
	[ -n "${5:-}" ] && chown "$5" "$f"
	printf '[tok]\nurl = %s/tap\ntoken_file = %s\n' "$DAC" "$f" > "$WORK/bad.ini"
	out=$(timeout 20 "$VOFS_BIN" -f -o config="$WORK/bad.ini" -o cache_dir="$CACHE" "$MNT" 2>&1)
	rc=$?
	if mountpoint -q "$MNT"; then fusermount3 -u "$MNT"; fi
	check "$1: the mount fails (status $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
	check "$1: the message names the file and says '$4'" \
		bash -c 'grep -qF -- "$1" <<<"$3" && grep -qF -- "$2" <<<"$3"' _ "$f" "$4" "$out"
	check "$1: the message has no token" bash -c '! grep -qF -- "$1" <<<"$2"' _ "$TOKEN1" "$out"
	echo "    # $out"
}
bad_mount "a token file with mode 0644" "$TOKEN1" 644 "mode 0644"
bad_mount "a token file with mode 0660" "$TOKEN1" 660 "group or others"
bad_mount "an empty token file" $'\n  \n' 600 "empty"
bad_mount "a missing token file" - 600 "No such file"
bad_mount "a directory as token file" DIR 700 "not a regular file"
if [ "$(id -u)" -eq 0 ]; then
	bad_mount "a token file of another user" "$TOKEN1" 600 "owned by uid 65534" 65534:65534
else
	skip "a token file of another user fails the mount" \
		"only root can make one (run as root; tests/unit/test_config.c checks the rest)"
fi

# --- mount 1: a token through the reverse proxy, redirects, refusals ---------------
printf '%s\n' "$TOKEN1" > "$WORK/token"
chmod 600 "$WORK/token"
cat > "$WORK/services.ini" <<CONF
[tok]
url = $PROXY/f/nonce=tok-$RUN/tap
# a UWS job: the checks follow its requests (job, result) through the proxy
mode = async
# relative to this file
token_file = token
[redira]
url = http://127.0.0.1:$RP/a/tap
token_file = $WORK/token
[redirb]
url = http://127.0.0.1:$RP/b/tap
token_file = $WORK/token
[deny]
url = http://127.0.0.1:$RP/deny/tap
token_file = $WORK/token
CONF
off1=$(plog_size)
check "mount with token_file (-o debug)" vofs_mount -o debug
Q=$MNT/tok/queries
LC="FROM ivoa.obscore WHERE obs_collection='vofslc' AND obs_id IN ('lc-0001', 'lc-0002')"
GP=getproduct/vofstest/data/lc
# products on another origin (host localhost) of the same proxy
run_query "$Q/other" "SELECT obs_id, '$PROXY_OTHER/f/nonce=prod-$RUN/$GP/' || obs_id || '.fits'
 AS access_url, access_format $LC"
# products on the service's own origin
run_query "$Q/same" "SELECT obs_id, '$PROXY/f/nonce=tok-$RUN/$GP/' || obs_id || '.fits'
 AS access_url, access_format $LC"
for q in other same; do
	st=$(wait_final "$Q/$q")
	check "query $q with the token completes" grep -q "^COMPLETED rows=2 " <<<"$st"
done
curl -s -o "$WORK/lc-0001.fits" "$DAC/$GP/lc-0001.fits"
check "a product on another host reads right" cmp "$Q/other/products/lc-0001.fits" "$WORK/lc-0001.fits"
check "a product on the service's host reads right" cmp "$Q/same/products/lc-0001.fits" "$WORK/lc-0001.fits"
ls -l "$Q/other/products" "$Q/same/products" >/dev/null

# the redirecting services: about.txt and the table list fetch through a redirect
cat "$MNT/redira/about.txt" "$MNT/redirb/about.txt" >/dev/null 2>&1
ls "$MNT/redira/tables" "$MNT/redirb/tables" >/dev/null 2>&1
# the refusing one
about=$(cat "$MNT/deny/about.txt" 2>&1)
run_query "$MNT/deny/queries/q" "SELECT TOP 1 * FROM ivoa.obscore"
st=$(wait_final "$MNT/deny/queries/q")
check "a refused token ends the query in ERROR" grep -q "^ERROR" <<<"$st"
check "its error says the server refused the token (HTTP 401)" \
	grep -qE "refused the token of token_file $WORK/token \(HTTP 401" "$MNT/deny/queries/q/error"
check "about.txt of the refusing service says so too" grep -q "refused the token" <<<"$about"
check "the token the server echoed is masked in the error" grep -q "invalid token: Bearer \*\*\*\*" \
	"$MNT/deny/queries/q/error"
echo "    # error: $(head -c 400 "$MNT/deny/queries/q/error")"

check "the proxy logged the requests the checks below look at" wait_for 5 plog_has "$off1" \
	"POST /f/nonce=tok-$RUN/tap/async " "GET /f/nonce=tok-$RUN/$GP/lc-0001.fits " \
	"GET /f/nonce=prod-$RUN/$GP/lc-0001.fits " \
	" /f/nonce=redira-$RUN/tap/.* status=200 " " /f/nonce=redirb-$RUN/tap/.* status=200 "
p1=$(plog_from "$off1")
tokl=$(grep -F "/f/nonce=tok-$RUN/" <<<"$p1" || true)
check "requests to the service's origin went through the proxy ($(wc -l <<<"$tokl") lines)" \
	test "$(grep -c . <<<"$tokl")" -ge 4
check "TAP requests carried the token" grep -qE "^[^ ]+ [^ ]+ POST /f/nonce=tok-$RUN/tap/async .*auth=Bearer:$H1$" <<<"$tokl"
check "the product on the service's host got the token" \
	grep -qE "GET /f/nonce=tok-$RUN/$GP/lc-0001.fits .*auth=Bearer:$H1$" <<<"$tokl"
check "every request to the service's origin carried the token" \
	bash -c '! grep -v "auth=Bearer:$1\$" <<<"$2"' _ "$H1" "$tokl"
prodl=$(grep -F "/f/nonce=prod-$RUN/" <<<"$p1" || true)
check "the product on another host was fetched ($(grep -c . <<<"$prodl") requests)" \
	grep -q "GET /f/nonce=prod-$RUN/$GP/lc-0001.fits" <<<"$prodl"
check "... without the token" bash -c '! grep -v "auth=-$" <<<"$1"' _ "$prodl"
check "the redirecting service got the token on its own origin" \
	grep -qE "^GET /a/tap/[a-z]+ auth=Bearer:$H1$" "$WORK/authsrv.log"
# the requests the redirects led to (later ones go to the URLs of the
# capabilities, on the proxy's origin: 127.0.0.1 is [tok]'s, with its token)
ra=$(grep -F " /f/nonce=redira-$RUN/tap/" <<<"$p1" || true)
rb=$(grep -F " /f/nonce=redirb-$RUN/tap/" <<<"$p1" || true)
check "a redirect to another host was followed ($(grep -c . <<<"$ra") requests)" grep -q "status=200" <<<"$ra"
check "... without the token" bash -c '! grep -v "auth=-$" <<<"$1"' _ "$ra"
check "a redirect to another port of the same host was followed ($(grep -c . <<<"$rb") requests)" \
	grep -q "status=200" <<<"$rb"
check "... without the token (of either origin)" bash -c '! grep -v "auth=-$" <<<"$1"' _ "$rb"

# --- rotation: new content in the same file, then a new file renamed over it ------
off2=$(plog_size)
printf '%s\n' "$TOKEN2" > "$WORK/token"
# deliberate: vofs looks at a token file at most once a second (TOKEN_RECHECK_S
# in vo/http.c) and only when it sends a request, so there is nothing to poll;
# the next query must carry the new token and never the old one
sleep 1.5
echo "SELECT obs_id, access_url $LC" > "$Q/same/query.adql"
st=$(wait_final "$Q/same")
check "a query after the token file changed completes" grep -q "^COMPLETED rows=2 " <<<"$st"
wait_for 5 plog_has "$off2" "/f/nonce=tok-$RUN/.*auth=Bearer:$H2$"
p2=$(plog_from "$off2" | grep -F "/f/nonce=tok-$RUN/" || true)
check "requests after the rotation carry the new token" grep -q "auth=Bearer:$H2$" <<<"$p2"
check "... and none the old one" bash -c '! grep -q "auth=Bearer:$1" <<<"$2"' _ "$H1" "$p2"
check "the rotation was logged" grep -q "token_file $WORK/token: a new token" "$LOG"
off3=$(plog_size)
printf '%s\n' "$TOKEN1" > "$WORK/token.new"
chmod 600 "$WORK/token.new"
mv "$WORK/token.new" "$WORK/token"
sleep 1.5   # deliberate: the token recheck interval, as above
echo "SELECT obs_id, access_url $LC" > "$Q/same/query.adql"
st=$(wait_final "$Q/same")
wait_for 5 plog_has "$off3" "/f/nonce=tok-$RUN/.*auth=Bearer:$H1$"
p3=$(plog_from "$off3" | grep -F "/f/nonce=tok-$RUN/" || true)
check "a token file replaced by rename is picked up" bash -c \
	'grep -q "auth=Bearer:$1\$" <<<"$3" && ! grep -q "auth=Bearer:$2" <<<"$3"' _ "$H1" "$H2" "$p3"

# --- the token is nowhere to be seen ----------------------------------------------------
check "the daemon's debug log has requests with the token, but not the token" bash -c \
	'grep -q "(with the bearer token)" "$1" && ! grep -qF -e "$2" -e "$3" "$1"' _ "$LOG" "$TOKEN1" "$TOKEN2"
check "no status, error, query or about file has the token" bash -c \
	'! cat "$1"/*/about.txt "$1"/*/queries/*/{status,error,query.adql} 2>/dev/null | grep -qF -e "$2" -e "$3"' \
	_ "$MNT" "$TOKEN1" "$TOKEN2"
check "no extended attribute has the token" $PY - "$MNT" "$TOKEN1" "$TOKEN2" <<'PYEOF'
import os, sys
mnt, toks = sys.argv[1], [t.encode() for t in sys.argv[2:]]
seen = bad = 0
paths = [mnt]
for svc in ("tok", "deny", "redira"):
    base = os.path.join(mnt, svc)
    paths.append(base)
    for q in os.listdir(os.path.join(base, "queries")):
        qd = os.path.join(base, "queries", q)
        paths += [qd] + [os.path.join(qd, f) for f in os.listdir(qd)]
        pd = os.path.join(qd, "products")
        if os.path.isdir(pd):
            paths += [os.path.join(pd, f) for f in os.listdir(pd)]
for p in paths:
    for k in os.listxattr(p):
        try:
            v = os.getxattr(p, k)
        except OSError:    # listed but not set (a product without a type)
            continue
        seen += 1
        if any(t in v or t in k.encode() for t in toks):
            bad += 1
            print("token in", p, k)
print("%d attributes looked at" % seen)
sys.exit(1 if bad or not seen else 0)
PYEOF
grep -F "attributes looked at" "$WORK/check.out" | sed 's/^/    # /'
check "the .vofs files have no token" bash -c \
	'! cat "$1"/.vofs/* 2>/dev/null | grep -qF -e "$2" -e "$3"' _ "$MNT" "$TOKEN1" "$TOKEN2"
check "unmount cleanly" vofs_umount
check "the store has no token" bash -c '! grep -raF -e "$2" -e "$3" "$1"' _ "$CACHE" "$TOKEN1" "$TOKEN2"

# --- mount 2: proxy = the fault proxy as a forward proxy ------------------------------
cat > "$WORK/services.ini" <<CONF
[px]
url = $DAC/tap
mode = async
proxy = $PROXY
token_file = $WORK/token
CONF
off4=$(plog_size)
check "mount with proxy= and token_file" vofs_mount -o debug
Q=$MNT/px/queries
run_query "$Q/native" "SELECT obs_id, access_url, access_format $LC"
run_query "$Q/other" "SELECT obs_id, '$DAC_OTHER/$GP/' || obs_id || '.fits' AS access_url,
 access_format $LC"
for q in native other; do
	st=$(wait_final "$Q/$q")
	check "query $q through the proxy completes" grep -q "^COMPLETED rows=2 " <<<"$st"
done
check "result.csv through the proxy equals the server's answer" \
	"$(dirname "$0")/compare.py" "$TAP_URL" "SELECT obs_id, access_url, access_format $LC" "$Q/native/result.csv"
check "a product of the service's host through the proxy reads right" \
	cmp "$Q/native/products/lc-0001.fits" "$WORK/lc-0001.fits"
check "a product of another host through the proxy reads right" \
	cmp "$Q/other/products/lc-0001.fits" "$WORK/lc-0001.fits"
check "the proxy logged the requests the checks below look at" wait_for 5 plog_has "$off4" \
	"POST $(re "$DAC")/tap/async " "GET $(re "$DAC")/[^ ]+/results/result " \
	"GET $(re "$DAC/$GP")/lc-0001.fits " "GET $(re "$DAC_OTHER/$GP")/lc-0001.fits "
p4=$(plog_from "$off4" | grep -E " (GET|POST|DELETE) http://" || true)
echo "    # $(grep -c . <<<"$p4") requests through the proxy"
check "the TAP job was created through the proxy, with the token" \
	grep -qE "POST $DAC/tap/async upstream=/tap/async .*auth=Bearer:$H1$" <<<"$p4"
check "the result was fetched through the proxy" grep -qE "GET $DAC/[^ ]+/results/result .*auth=Bearer:$H1$" <<<"$p4"
check "the product of the service's host went through the proxy, with the token" \
	grep -qE "GET $DAC/$GP/lc-0001.fits .*auth=Bearer:$H1$" <<<"$p4"
check "the product of another host went through the proxy (learnt from the result)" \
	grep -qE "GET $DAC_OTHER/$GP/lc-0001.fits " <<<"$p4"
check "... without the token" bash -c '! grep -F "GET $1/" <<<"$2" | grep -qv "auth=-$"' _ "$DAC_OTHER" "$p4"
check "the debug log names the proxy" grep -q "via proxy $PROXY" "$LOG"
check "unmount cleanly" vofs_umount
check "no token in the daemon's log after both mounts" bash -c \
	'! grep -qF -e "$2" -e "$3" "$1"' _ "$LOG" "$TOKEN1" "$TOKEN2"
check_log_clean
finish
