#!/usr/bin/python3
"""replay.py - serve captured documents of other TAP servers as TAP services.

    python3 tests/server/replay.py [--port 8095] [--map tests/data/interop/replay.map]

Python standard library only.  Each service of the map is served under
/<service>/tap (e.g. http://127.0.0.1:8095/esa/tap):

  GET  /<svc>/tap/capabilities   the "capabilities" capture (404 when none);
                                 <accessURL>s are rewritten to this server
                                 (capabilities, availability, tables[Metadata]
                                 to base/<that>, the rest to base), so a client
                                 follows them here, not to the archive
  GET  /<svc>/tap/tables         the "tables" capture, verbatim (404 if none)
  GET  /<svc>/tap/tables/<t>     the same tableset when it names <t>, else 404
  GET  /<svc>/tap/availability   the "availability" capture
  GET|POST /<svc>/tap/sync       the first "sync" line whose marker occurs in
                                 QUERY: its document with its status
  POST /<svc>/tap/async          a job for the first "async" line whose marker
                                 occurs in QUERY (303 to the job; 400 "no
                                 capture" when none matches)
  GET  <job>                     the line's job documents, one more per GET
                                 (the last one stays); result hrefs rewritten
                                 to <job>/results/<id>
  POST <job>/phase, DELETE <job> 303 to the job / 200
  GET  <job>/results/<id>        the line's result document
  GET  <job>/error               404 (the captures have no error document:
                                 the client must read the job's errorSummary)
  GET|POST /<svc>/tap/datalink?ID=x
                                 the service's first "datalink" capture
  GET|POST /<svc>/tap/datalink/<stem>?ID=x[&ID=y]
                                 the "datalink" capture whose file name
                                 without extension is <stem> (one endpoint
                                 per document, so a client batching IDs per
                                 endpoint asks each capture only for its
                                 own); ID may be repeated, in the query or a
                                 POST form: 404 when the document names none
                                 of the IDs (as <TD>ID</TD>), else served
                                 whole (a real service would answer those
                                 IDs' rows only; the test asks for every ID
                                 of the capture)

The map (one line each, '#' comments):
  <service> capabilities|tables|availability|datalink <file>
  <service> sync  <marker> <file> [status]
  <service> async <marker> <job1.xml>[,<job2.xml>...] <result file|->
Files are relative to the map's directory.  Captures are served byte for
byte except for the two rewrites said above.  Hand-written results (not
captures: see SOURCES.md) may name this server as http://replay.invalid;
sync and job results have that rewritten to its real address, so their
access_urls and DataLink descriptors point here.  Every request is logged
to stderr.
"""
import argparse
import os
import re
import sys
import threading
import urllib.parse
from xml.sax.saxutils import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAP = {}          # service -> {"capabilities": file, ..., "sync": [...], "async": [...],
                  #             "dl": {stem: file}}
PLACEHOLDER = b"http://replay.invalid"
BASE = ""
JOBS = {}         # job id -> {"svc", "docs", "result", "gets"}
LOCK = threading.Lock()


def load_map(path):
    root = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            w = line.split("#", 1)[0].split()
            if not w:
                continue
            svc, kind = w[0], w[1]
            s = MAP.setdefault(svc, {"sync": [], "async": [], "dl": {}})
            if kind == "sync":
                s["sync"].append((w[2], os.path.join(root, w[3]),
                                  int(w[4]) if len(w) > 4 else 200))
            elif kind == "async":
                docs = [os.path.join(root, d) for d in w[3].split(",")]
                res = None if w[4] == "-" else os.path.join(root, w[4])
                s["async"].append((w[2], docs, res))
            elif kind in ("capabilities", "tables", "availability", "datalink"):
                if kind == "datalink":
                    stem = os.path.splitext(os.path.basename(w[2]))[0]
                    s["dl"][stem] = os.path.join(root, w[2])
                    if kind in s:
                        continue     # /datalink stays the first one
                s[kind] = os.path.join(root, w[2])
            else:
                sys.exit("%s:%d: unknown kind %s" % (path, lineno, kind))


def read(path):
    with open(path, "rb") as f:
        return f.read()


def rewrite_caps(body, base):
    def sub(m):
        seg = m.group(2).strip().rstrip(b"/").rsplit(b"/", 1)[-1]
        seg = b"tables" if seg == b"tableMetadata" else seg
        tail = b"/" + seg if seg in (b"capabilities", b"availability", b"tables") else b""
        return m.group(1) + base.encode() + tail + m.group(3)
    return re.sub(rb"(<accessURL[^>]*>)([^<]*)(</accessURL>)", sub, body)


def rewrite_results(body, job_url):
    def sub(m):
        rid = re.search(rb'id="([^"]*)"', m.group(0))
        rid = rid.group(1).decode() if rid else "result"
        href = (job_url + "/results/" + urllib.parse.quote(rid)).encode()
        return re.sub(rb'xlink:href="[^"]*"', b'xlink:href="' + href + b'"', m.group(0))
    return re.sub(rb"<(?:uws:)?result\b[^>]*>", sub, body)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        sys.stderr.write("replay: " + (fmt % args) + "\n")

    def send(self, status, body, ctype="text/xml", extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def text(self, status, msg):
        self.send(status, (msg + "\n").encode(), "text/plain; charset=utf-8")

    def params(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        if self.command == "POST":
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n).decode("utf-8", "replace")
            for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                q.setdefault(k, []).extend(v)
        self.ids = [x for k, v in q.items() if k.upper() == "ID" for x in v]
        return u.path, {k.upper(): v[-1] for k, v in q.items()}

    def datalink(self, svc, f):
        body = read(f)
        cells = [b"<TD>" + escape(i).encode() + b"</TD>" for i in self.ids]
        if not any(c in body for c in cells):
            return self.text(404, "replay: %s names none of the IDs %r" % (f, self.ids))
        sys.stderr.write("replay: %s: DataLink %s for %r\n" % (svc, os.path.basename(f), self.ids))
        return self.send(200, body, "application/x-votable+xml;content=datalink")

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def do_DELETE(self):
        self.route()

    def route(self):
        path, p = self.params()
        parts = [x for x in path.split("/") if x]
        if len(parts) < 3 or parts[1] != "tap" or parts[0] not in MAP:
            return self.text(404, "no such service: " + path)
        svc, rest = parts[0], parts[2:]
        s, base = MAP[svc], "%s/%s/tap" % (BASE, svc)
        what = rest[0]
        if what == "datalink" and len(rest) == 2:
            if rest[1] not in s["dl"]:
                return self.text(404, "%s: no DataLink capture %s" % (svc, rest[1]))
            return self.datalink(svc, s["dl"][rest[1]])
        if what in ("capabilities", "availability", "tables", "datalink") and len(rest) == 1:
            if what not in s:
                return self.text(404, "%s: no %s captured" % (svc, what))
            body = read(s[what])
            if what == "capabilities":
                body = rewrite_caps(body, base)
            return self.send(200, body, "application/x-votable+xml" if what == "datalink"
                             else "text/xml")
        if what == "tables" and len(rest) == 2:
            if "tables" in s and b"<name>" + rest[1].encode() + b"</name>" in read(s["tables"]):
                return self.send(200, read(s["tables"]))
            return self.text(404, "%s: no table %s captured" % (svc, rest[1]))
        if what == "sync" and len(rest) == 1:
            for marker, f, status in s["sync"]:
                if marker in p.get("QUERY", ""):
                    return self.send(status, read(f).replace(PLACEHOLDER, BASE.encode()),
                                     "application/x-votable+xml")
            return self.text(400, "replay: no capture matches this query")
        if what == "async":
            return self.job(svc, s, base, rest[1:], p)
        return self.text(404, "replay: not served: " + path)

    def job(self, svc, s, base, rest, p):
        if not rest:
            if self.command != "POST":
                return self.text(405, "replay: no job list")
            for marker, docs, res in s["async"]:
                if marker in p.get("QUERY", ""):
                    with LOCK:
                        jid = "j%d" % (len(JOBS) + 1)
                        JOBS[jid] = {"svc": svc, "docs": docs, "result": res, "gets": 0}
                    return self.send(303, b"", "text/plain",
                                     [("Location", "%s/async/%s" % (base, jid))])
            return self.text(400, "replay: no capture matches this query")
        j = JOBS.get(rest[0])
        if j is None or j["svc"] != svc:
            return self.text(404, "replay: no such job")
        url = "%s/async/%s" % (base, rest[0])
        if self.command == "DELETE" or (len(rest) == 1 and self.command == "POST"):
            return self.send(303, b"", "text/plain", [("Location", base + "/async")])
        if len(rest) == 1:
            with LOCK:
                doc = j["docs"][min(j["gets"], len(j["docs"]) - 1)]
                j["gets"] += 1
            return self.send(200, rewrite_results(read(doc), url))
        if rest[1] == "phase" and self.command == "POST":
            return self.send(303, b"", "text/plain", [("Location", url)])
        if rest[1] == "results" and j["result"]:
            return self.send(200, read(j["result"]).replace(PLACEHOLDER, BASE.encode()),
                             "application/x-votable+xml")
        return self.text(404, "replay: %s not captured" % "/".join(rest[1:]))


def main():
    global BASE
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=8095)
    ap.add_argument("--map", default=os.path.join(os.path.dirname(__file__), "..",
                                                  "data", "interop", "replay.map"))
    a = ap.parse_args()
    load_map(a.map)
    BASE = "http://127.0.0.1:%d" % a.port
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    sys.stderr.write("replay: %s serves %s\n" % (BASE, " ".join(sorted(MAP))))
    sys.stderr.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
