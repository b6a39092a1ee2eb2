#!/usr/bin/python3
"""Fault-injecting HTTP reverse proxy for the vofs integration tests.

    faultproxy.py --listen 127.0.0.1:8090 --upstream http://127.0.0.1:8080 [--log FILE]

Python 3 standard library only.  Every request is forwarded to the upstream
unchanged, except when its path starts with /f/<spec>/:

    http://127.0.0.1:8090/f/<spec>/tap/sync  ->  http://127.0.0.1:8080/tap/sync

with the faults in <spec> applied.  Faults are chosen statelessly from the URL,
so a test configures a "service URL" with its faults baked in; URLs in
responses (Location headers, and upstream URLs in XML/HTML/text bodies such as
UWS job documents and capabilities) are rewritten to point back at the proxy
with the same /f/<spec> prefix, so clients that follow them stay faulty.

<spec> is the first path segment after /f/: a comma-separated list of items

    FAULT[=ARG][*COUNT][@SCOPE]

  @SCOPE   apply only when the upstream path+query contains SCOPE (after
           percent-decoding; write "/" as %2F and "," as %2C inside the
           segment, e.g. http500@%2Fresults%2F)
  *COUNT   apply only to the first COUNT matching requests (counted per proxy
           process and per exact spec string; add nonce=<anything> to get a
           fresh counter).  Without it faults are stateless and always apply.

Faults:
  http500, http503, http404   answer that status with a short text/plain body
                              (http503 adds Retry-After: 1); upstream not contacted
  html                        200 text/html "<html>not a votable</html>"
  entitybomb                  200 application/x-votable+xml billion-laughs document
  hugeline[=MB]               200 application/x-votable+xml, chunked, MB (default
                              200) megabytes of "<VOTABLE>" + endless nested "<a>",
                              no newline, generated on the fly
  delay=SECONDS               sleep before forwarding (combines with the others)
  stall[=SECONDS]             forward, send the upstream status line and headers,
                              then send nothing for SECONDS (default 30) or until
                              the client goes away; then close
  reset                       forward, send headers (full Content-Length) and half
                              the body, then reset the connection (SO_LINGER 0)
  truncate                    forward, send headers (full Content-Length) and half
                              the body, then close normally
  badxml                      forward, but cut the body inside an element tag in
                              its middle and append "<<<&&" (Content-Length fits)
  drip=BYTES_PER_S            forward, send the upstream status line and headers at
                              once, then the body (URLs rewritten as usual) in small
                              writes at that rate: the first write (1/20 of the
                              rate, at least 1 byte) leaves at once, the next every
                              50 ms, so a 3000-byte body at drip=500 starts at once
                              and ends after about 6 s.  Framing as upstream's
                              (Content-Length, else chunked, one chunk a write); a
                              body is read whole first (up to 256 MiB)
  nonce=X                     no effect (makes a spec string unique)
  noprobe                     the other faults spare requests for a single byte
                              (Range: bytes=0-0, how clients learn a file's size)
  norange                     a server without Range support: the request's Range
                              header is dropped (the answer is 200, whole) and
                              Accept-Ranges is not passed on
  nolength                    the answer has no Content-Length (chunked), as for
                              a product generated on the fly
  swap=N                      the file changes on the server after the first N
                              requests under this spec: from request N+1 on, every
                              body byte is XORed with 0x5A (same size), the
                              Last-Modified is a later date and an ETag gets "-2";
                              a Range request whose If-Range names the old
                              version gets the new one whole (200), as RFC 9110
                              says
  swapnoir=N                  the same, but If-Range is ignored (as DaCHS does):
                              only Last-Modified tells the versions apart

The first matching response fault wins; delay applies in addition.  Request
bodies, Range headers, status codes (303 included: redirects are never
followed upstream) and response bodies are streamed through.  Requests
without /f/ are proxied unchanged (URLs still rewritten to the proxy).
URL rewriting covers textual bodies (text/*, XML, VOTable, JSON) except those
the upstream serves byte-addressably (Accept-Ranges: bytes, e.g. UWS results
and products: their bytes stay identical so ranged reads stay consistent) and
bodies with a Content-Length above 4 MiB (passed through untouched).

Forward-proxy mode: a request line in absolute form (GET http://HOST:PORT/path
HTTP/1.1, as sent by a client configured to use this as its HTTP proxy) is
forwarded to that HOST:PORT (http only; /f/<spec>/ in its path works as
above) and nothing in the answer is rewritten.

Each line of the request log ends with auth=- when the request had no
Authorization header, else auth=SCHEME:HASH with the first 16 hex digits
of the SHA-256 of the credentials after the scheme (so a test can tell
which token came without the log holding it).
"""

import argparse
import hashlib
import http.client
import select
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade",
}
RESPONSE_FAULTS = ("http500", "http503", "http404", "html", "entitybomb",
                   "hugeline", "stall", "reset", "truncate", "badxml", "drip")
MODIFIERS = ("norange", "nolength")
SWAPS = ("swap", "swapnoir")
SWAPPED_DATE = "Mon, 01 Jan 2035 00:00:00 GMT"
KNOWN_FAULTS = set(RESPONSE_FAULTS) | {"delay", "nonce", "noprobe"} | set(MODIFIERS) \
    | set(SWAPS)
REWRITE_TYPES = ("text/", "application/xml", "application/x-votable+xml",
                 "application/json", "application/xhtml+xml")
MAX_REWRITE_BUFFER = 4 << 20     # bodies up to this size with a Content-Length
                                 # are rewritten in memory (new Content-Length)
MAX_FAULT_BUFFER = 256 << 20     # reset/truncate/badxml read the whole body
CHUNK = 65536


class SpecError(ValueError):
    pass


class Fault:
    __slots__ = ("name", "arg", "count", "scope", "raw")

    def __init__(self, raw):
        self.raw = raw
        item, sep, scope = raw.partition("@")
        self.scope = urllib.parse.unquote(scope) if sep else None
        item, sep, count = item.partition("*")
        self.count = None
        if sep:
            try:
                self.count = int(count)
            except ValueError:
                raise SpecError("bad count in %r" % raw)
        name, sep, arg = item.partition("=")
        self.name = urllib.parse.unquote(name).strip().lower()
        self.arg = urllib.parse.unquote(arg) if sep else None
        if self.name not in KNOWN_FAULTS:
            raise SpecError("unknown fault %r" % self.name)
        if self.name in ("delay", "drip") + SWAPS:
            self.seconds(None)
        if self.name == "drip" and self.seconds(None) <= 0:
            raise SpecError("drip needs a rate above 0")
        elif self.name in ("stall", "hugeline") and self.arg is not None:
            self.seconds(None)

    def seconds(self, default):
        if self.arg is None or self.arg == "":
            if default is None:
                raise SpecError("%s needs a number" % self.name)
            return default
        try:
            v = float(self.arg)
        except ValueError:
            raise SpecError("bad number in %r" % self.raw)
        if v < 0:
            raise SpecError("negative number in %r" % self.raw)
        return v

    def matches(self, upstream_target):
        if self.scope is None:
            return True
        return self.scope in urllib.parse.unquote(upstream_target) \
            or self.scope in upstream_target


def parse_spec(spec):
    return [Fault(item) for item in spec.split(",") if item.strip()]


class Counters:
    def __init__(self):
        self.lock = threading.Lock()
        self.used = {}

    def take(self, spec, index, limit):
        with self.lock:
            key = (spec, index)
            n = self.used.get(key, 0)
            if n >= limit:
                return False
            self.used[key] = n + 1
            return True


class StreamReplacer:
    """Replace byte strings in a stream split into arbitrary chunks."""

    def __init__(self, pairs):
        self.pairs = [(a, b) for a, b in pairs if a and a != b]
        self.keep = max((len(a) for a, _ in self.pairs), default=1) - 1
        self.carry = b""

    def _replace_all(self, data):
        for a, b in self.pairs:
            data = data.replace(a, b)
        return data

    def feed(self, chunk):
        if not self.pairs:
            return chunk
        buf = self.carry + chunk
        if len(buf) <= self.keep:
            self.carry = buf
            return b""
        # Emit everything that cannot be the start of a match crossing into
        # the next chunk.  Find a safe cut point not inside a match.
        cut = len(buf) - self.keep
        for a, _ in self.pairs:
            start = max(0, cut - len(a) + 1)
            while True:
                j = buf.find(a, start)
                if j == -1 or j >= cut:
                    break
                if j + len(a) > cut:
                    cut = j + len(a)
                start = j + 1
        out, self.carry = buf[:cut], buf[cut:]
        return self._replace_all(out)

    def flush(self):
        out, self.carry = self.carry, b""
        return self._replace_all(out) if self.pairs else out


def entity_bomb():
    lines = ['<?xml version="1.0" encoding="utf-8"?>',
             "<!DOCTYPE VOTABLE [",
             '  <!ENTITY lol "lol">']
    prev = "lol"
    for i in range(1, 10):
        name = "lol%d" % i
        lines.append('  <!ENTITY %s "%s">' % (name, ("&%s;" % prev) * 10))
        prev = name
    lines.append("]>")
    lines.append('<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">'
                 '<RESOURCE type="results"><INFO name="QUERY_STATUS" value="OK">&%s;</INFO>'
                 '<TABLE><FIELD name="x" datatype="char" arraysize="*"/><DATA><TABLEDATA>'
                 '<TR><TD>&%s;</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>'
                 % (prev, prev))
    return ("\n".join(lines) + "\n").encode("ascii")


def cut_xml(body):
    """body cut inside an element tag near its middle, plus garbage."""
    mid = len(body) // 2
    j = body.find(b"<", mid)
    if j == -1:
        j = body.rfind(b"<", 0, mid)
    if j == -1:
        cut = mid
    else:
        cut = min(len(body), j + 2)   # "<" and one more byte of the tag name
    return body[:cut] + b"<<<&&"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "vofs-faultproxy/1"

    # -------------------------------------------------------------- plumbing
    def log_message(self, fmt, *args):   # silence the default stderr log
        pass

    def send_response(self, code, message=None):
        self.sent_status = code
        super().send_response(code, message)

    def _log(self, fault, status, nbytes):
        logf = self.server.logfile
        if logf is None:
            return
        auth = "-"
        value = self.headers.get("Authorization") if self.headers else None
        if value:
            scheme, _, cred = value.strip().partition(" ")
            auth = "%s:%s" % (scheme, hashlib.sha256(cred.strip().encode()).hexdigest()[:16])
        line = "%s %s %s %s upstream=%s fault=%s status=%s bytes=%s auth=%s\n" % (
            time.strftime("%Y-%m-%dT%H:%M:%S"), self.client_address[0],
            self.command, self.path, getattr(self, "upstream_target", "-"),
            fault or "-", status, nbytes, auth)
        with self.server.loglock:
            logf.write(line)
            logf.flush()

    def _read_request_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            parts = []
            while True:
                size_line = self.rfile.readline(1024)
                if not size_line:
                    break
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(parts)
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else None

    def _proxy_base(self):
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        return "http://" + host

    def _send_simple(self, status, ctype, body, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return len(body)

    def _write_chunk(self, data):
        if data:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def _end_chunks(self):
        self.wfile.write(b"0\r\n\r\n")

    def _abort(self, rst):
        """Drop the client connection; with rst, send a TCP RST."""
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            if rst:
                time.sleep(0.2)   # let the half body leave the send buffer first
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_WR)
        except OSError:
            pass
        try:
            self.connection.close()
        except OSError:
            pass

    def _client_gone(self, timeout):
        """wait up to timeout seconds; True when the client closed."""
        try:
            r, _, _ = select.select([self.connection], [], [], timeout)
            if r:
                if self.connection.recv(1, socket.MSG_PEEK) == b"":
                    return True
                time.sleep(timeout)   # client sent more data: do not spin
        except OSError:
            return True
        return False

    # -------------------------------------------------------------- dispatch
    def do_GET(self):
        self._handle()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = do_PATCH = do_GET

    def _handle(self):
        self.modifiers = set()
        fault_label = None
        status = "-"
        self.sent_status = "-"
        nbytes = 0
        self.forward_to = None
        try:
            body = self._read_request_body()
            path = self.path
            if path.startswith("http://"):     # absolute form: a forward proxy
                u = urllib.parse.urlsplit(path)
                self.forward_to = u
                path = (u.path or "/") + ("?" + u.query if u.query else "")
            spec, prefix, target = self._split_path(path)
            self.upstream_target = target
            try:
                faults = parse_spec(spec) if spec is not None else []
            except SpecError as e:
                fault_label = "badspec"
                status = 400
                nbytes = self._send_simple(400, "text/plain; charset=utf-8",
                                           ("vofs faultproxy: bad fault spec: %s\n" % e).encode())
                return
            active = []
            probe = (self.headers.get("Range") or "").replace(" ", "") == "bytes=0-0"
            spare = probe and any(f.name == "noprobe" for f in faults)
            self.swap = None
            for i, f in enumerate(faults):
                if f.name in SWAPS and f.matches(target):
                    # the version changes after N requests (probes count too)
                    if not self.server.counters.take(spec, i, int(f.seconds(0))):
                        self.swap = f.name
                    continue
                if spare or not f.matches(target):
                    continue
                if f.count is not None and not self.server.counters.take(spec, i, f.count):
                    continue
                active.append(f)
            labels = [f.raw for f in active if f.name not in ("nonce", "noprobe")]
            self.modifiers = {f.name for f in active if f.name in MODIFIERS}
            fault_label = "+".join(labels) if labels else None
            for f in active:
                if f.name == "delay":
                    time.sleep(f.seconds(0))
            rfault = next((f for f in active if f.name in RESPONSE_FAULTS), None)
            status, nbytes = self._respond(rfault, prefix, target, body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
            status = "%s/client-gone" % getattr(self, "sent_status", "-")
        except Exception as e:   # upstream trouble and bugs: answer 502 if possible
            self.close_connection = True
            status = "502/%s" % type(e).__name__
            try:
                self._send_simple(502, "text/plain; charset=utf-8",
                                  ("vofs faultproxy: upstream error: %r\n" % e).encode())
            except OSError:
                pass
        finally:
            self._log(fault_label, status, nbytes)

    def _split_path(self, path):
        """(spec or None, proxy prefix, upstream target)"""
        if not path.startswith("/f/"):
            return None, "", path
        rest = path[3:]
        cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0] or [len(rest)])
        seg, tail = rest[:cut], rest[cut:]
        if not tail.startswith("/"):
            tail = "/" + tail          # /f/<spec> or /f/<spec>?query
        return seg, "/f/" + seg, tail

    # -------------------------------------------------------------- responses
    def _respond(self, fault, prefix, target, body):
        name = fault.name if fault else None
        if name in ("http500", "http503", "http404"):
            code = int(name[4:])
            extra = [("Retry-After", "1")] if code == 503 else []
            return code, self._send_simple(
                code, "text/plain; charset=utf-8",
                ("vofs faultproxy: injected HTTP %d for %s\n" % (code, target)).encode(),
                extra)
        if name == "html":
            return 200, self._send_simple(200, "text/html; charset=utf-8",
                                          b"<html>not a votable</html>")
        if name == "entitybomb":
            return 200, self._send_simple(200, "application/x-votable+xml",
                                          entity_bomb())
        if name == "hugeline":
            return 200, self._hugeline(int(fault.seconds(200) * (1 << 20)))
        return self._forward(fault, prefix, target, body)

    def _hugeline(self, total):
        self.send_response(200)
        self.send_header("Content-Type", "application/x-votable+xml")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            return 0
        head = b'<?xml version="1.0" encoding="utf-8"?><VOTABLE version="1.4"><RESOURCE>'
        block = b"<a>" * (CHUNK // 3)
        sent = 0
        self._write_chunk(head)
        sent += len(head)
        while sent < total:
            piece = block[:min(len(block), total - sent)]
            self._write_chunk(piece)
            sent += len(piece)
        self._end_chunks()
        return sent

    def _forward(self, fault, prefix, target, body):
        up = self.forward_to or self.server.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port or 80,
                                          timeout=self.server.upstream_timeout)
        try:
            headers = {}
            for k, v in self.headers.items():
                if k.lower() in HOP_BY_HOP or k.lower() in ("host", "content-length",
                                                            "accept-encoding", "expect"):
                    continue
                if k.lower() == "range" and "norange" in self.modifiers:
                    continue
                if k.lower() == "range" and self.swap == "swap" and \
                        self.headers.get("If-Range") not in (None, SWAPPED_DATE):
                    continue     # If-Range names the old version: all of the new
                if k.lower() == "if-range":
                    continue
                headers[k] = v
            headers["Host"] = up.netloc
            headers["Accept-Encoding"] = "identity"
            headers["Connection"] = "close"
            if body is not None:
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, target, body=body, headers=headers)
            resp = conn.getresponse()
            return self._relay(resp, fault, prefix)
        finally:
            conn.close()

    def _relay(self, resp, fault, prefix):
        name = fault.name if fault else None
        up_base = "%s://%s" % (self.server.upstream.scheme, self.server.upstream.netloc)
        my_base = self._proxy_base() + prefix
        pairs = [(up_base.encode(), my_base.encode())]
        if self.forward_to:
            pairs = []     # a forward proxy passes answers on as they are
        elif self.server.upstream.hostname in ("127.0.0.1", "localhost"):
            port = self.server.upstream.port or 80
            other = "localhost" if self.server.upstream.hostname == "127.0.0.1" else "127.0.0.1"
            pairs.append((("http://%s:%d" % (other, port)).encode(), my_base.encode()))

        out_headers = []
        ctype = ""
        clen = None
        for k, v in resp.getheaders():
            lk = k.lower()
            if lk in HOP_BY_HOP:
                continue
            if lk == "content-length":
                clen = None if "nolength" in self.modifiers else int(v)
                continue
            if lk == "accept-ranges" and "norange" in self.modifiers:
                continue
            if lk == "content-type":
                ctype = v.lower()
            if self.swap and lk == "last-modified":
                v = SWAPPED_DATE
            if self.swap and lk == "etag":
                v = v[:-1] + '-2"' if v.endswith('"') else v + "-2"
            if lk in ("location", "content-location"):
                for a, b in pairs:
                    if v.startswith(a.decode()):
                        v = b.decode() + v[len(a):]
                        break
            out_headers.append((k, v))

        no_body = (self.command == "HEAD" or resp.status in (204, 304)
                   or 100 <= resp.status < 200)
        # Rewrite upstream URLs in textual bodies, but never in byte-addressable
        # ones (Accept-Ranges/Content-Range: UWS results, products), where
        # ranged reads must see exactly the bytes a full GET gave, nor in
        # large bodies whose Content-Length must survive.
        lheaders = {k.lower(): v for k, v in out_headers}
        rewrite = (not no_body and resp.status != 206 and bool(pairs)
                   and "content-range" not in lheaders
                   and "bytes" not in lheaders.get("accept-ranges", "").lower()
                   and (clen is None or clen <= MAX_REWRITE_BUFFER)
                   and ctype.startswith(REWRITE_TYPES))

        if name == "stall":
            self._start(resp, out_headers)
            if clen is not None:
                self.send_header("Content-Length", str(clen))
            else:
                self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            deadline = time.time() + fault.seconds(30)
            while time.time() < deadline:
                if self._client_gone(min(1.0, max(0.0, deadline - time.time()))):
                    break
            self._abort(rst=False)
            return resp.status, 0

        if name == "drip":
            return resp.status, self._drip(resp, out_headers, clen, no_body, rewrite,
                                           pairs, fault.seconds(None))

        if name in ("reset", "truncate", "badxml"):
            data = b"" if no_body else resp.read(MAX_FAULT_BUFFER)
            if rewrite:
                rep = StreamReplacer(pairs)
                data = rep.feed(data) + rep.flush()
            if name == "badxml":
                data = cut_xml(data)
                return resp.status, self._send_full(resp, out_headers, data)
            self._start(resp, out_headers)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            half = data[:len(data) // 2]
            if not no_body:
                self.wfile.write(half)
            self._abort(rst=(name == "reset"))
            return resp.status, len(half)

        if no_body:
            self._start(resp, out_headers)
            if clen is not None:
                self.send_header("Content-Length", str(clen))
            self.end_headers()
            return resp.status, 0

        if rewrite and clen is not None:
            rep = StreamReplacer(pairs)
            data = resp.read()
            data = rep.feed(data) + rep.flush()
            return resp.status, self._send_full(resp, out_headers, data)

        self._start(resp, out_headers)
        if clen is not None:
            self.send_header("Content-Length", str(clen))
            chunked = False
        else:
            self.send_header("Transfer-Encoding", "chunked")
            chunked = True
        self.end_headers()
        rep = StreamReplacer(pairs if rewrite else [])
        sent = 0
        while True:
            data = resp.read1(CHUNK) if hasattr(resp, "read1") else resp.read(CHUNK)
            if not data:
                break
            if self.swap:
                data = (int.from_bytes(data, "big") ^ int.from_bytes(b"\x5a" * len(data), "big")).to_bytes(len(data), "big")
            data = rep.feed(data)
            if chunked:
                self._write_chunk(data)
            else:
                self.wfile.write(data)
            sent += len(data)
        tail = rep.flush()
        if chunked:
            self._write_chunk(tail)
            self._end_chunks()
        sent += len(tail)
        if clen is not None and not chunked and sent != clen:
            self.close_connection = True   # upstream broke its Content-Length
        return resp.status, sent

    def _drip(self, resp, out_headers, clen, no_body, rewrite, pairs, rate):
        """the whole body at rate bytes/s in small writes (see drip=)"""
        data = b"" if no_body else resp.read(MAX_FAULT_BUFFER)
        if rewrite:
            rep = StreamReplacer(pairs)
            data = rep.feed(data) + rep.flush()
        chunked = clen is None and not no_body
        self._start(resp, out_headers)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif not no_body or clen is not None:
            self.send_header("Content-Length", str(len(data) if not no_body else clen))
        self.end_headers()
        self.wfile.flush()
        step = max(1, int(rate / 20))
        start = time.monotonic()
        sent = 0
        while sent < len(data):
            piece = data[sent:sent + step]
            if chunked:
                self._write_chunk(piece)
            else:
                self.wfile.write(piece)
            self.wfile.flush()
            sent += len(piece)
            # the next write when the rate allows it (no drift over a long body)
            pause = start + sent / rate - time.monotonic()
            if pause > 0 and sent < len(data):
                time.sleep(pause)
        if chunked:
            self._end_chunks()
        return sent

    def _start(self, resp, out_headers):
        """status line and upstream headers (keeping upstream Server/Date)"""
        self.sent_status = resp.status
        self.log_request(resp.status)
        self.send_response_only(resp.status, resp.reason)
        for k, v in out_headers:
            self.send_header(k, v)

    def _send_full(self, resp, out_headers, data):
        self._start(resp, out_headers)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        return len(data)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listen", default="127.0.0.1:8090", help="HOST:PORT to listen on")
    ap.add_argument("--upstream", default="http://127.0.0.1:8080", help="upstream base URL")
    ap.add_argument("--log", help="append one line per request to this file")
    ap.add_argument("--upstream-timeout", type=float, default=600.0,
                    help="seconds to wait for upstream data (default 600)")
    args = ap.parse_args(argv)

    host, _, port = args.listen.rpartition(":")
    up = urllib.parse.urlsplit(args.upstream.rstrip("/"))
    if up.scheme != "http" or not up.hostname:
        ap.error("--upstream must be an http:// URL")
    if up.path not in ("", "/"):
        ap.error("--upstream must not have a path")
    srv = Server((host or "127.0.0.1", int(port)), Handler)
    srv.upstream = up
    srv.upstream_timeout = args.upstream_timeout
    srv.counters = Counters()
    srv.loglock = threading.Lock()
    srv.logfile = open(args.log, "a", encoding="utf-8") if args.log else None
    sys.stderr.write("faultproxy: listening on http://%s:%s -> %s\n"
                     % (host, port, args.upstream))
    sys.stderr.flush()
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
