#!/usr/bin/env python3
"""A hostile TAP server for the tests of issue 14 (python3 standard library).

    hostile.py PORT OTHER_PORT [LOGFILE]

One process serves every scenario as its own TAP service:

    http://127.0.0.1:PORT/<scenario>/tap            the TAP base URL
    http://127.0.0.1:PORT/<scenario>/tap/capabilities, /tables, /tables/<t>,
        /availability, /examples, /sync, /async[/<job>[/phase|/results/result]]
    http://127.0.0.1:PORT/<scenario>/prod/<name>    products (Range, ETag)
    http://127.0.0.1:PORT/<scenario>/dl?ID=<id>     DataLink documents

Each scenario behaves like a small, correct TAP service (documents modelled
on what GAVO DaCHS 2.7 returns, cut down) except for the one misbehaviour in
its name; SCENARIOS below lists them and what real-world fault each models.
OTHER_PORT is "another origin" (same handler): redirects off the origin
point there, and its requests are logged with whether they carried an
Authorization header, so a test can tell that no token leaked.

The log (LOGFILE, else stderr) has one line per request:
    <port> <method> <path> auth=<yes|no> <what was done>
"""
import os
import select
import socket
import sys
import threading
import time
import zlib
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8095
OTHER_PORT = int(sys.argv[2]) if len(sys.argv) > 2 else PORT + 1
LOGF = open(sys.argv[3], "a", buffering=1) if len(sys.argv) > 3 else sys.stderr
LOG_LOCK = threading.Lock()
HOLD_MAX = 300          # a stalled answer is held at most this long (s)
DRIP_EVERY = 3.0        # a dripping answer sends one byte this often (s)
ORIGIN = "http://127.0.0.1:%d" % PORT
OTHER = "http://127.0.0.1:%d" % OTHER_PORT

# scenario -> what it does wrong (and what in the real world it models)
SCENARIOS = {
    # a TAP service that behaves: the baseline every other scenario differs from
    "fine": "nothing",
    # a VOSI endpoint behind a proxy/load balancer whose backend hangs after
    # the proxy has sent the status line: headers, then silence
    "stalltables": "/tables: headers, then nothing",
    "stallcap": "/capabilities: headers, then nothing",
    # a database that blocks on a lock while answering one table's query
    # (the sample); other tables' metadata still answers
    "stallsample": "sync queries on hostile.t: headers, then nothing",
    # a tape-staged or overloaded file server: the product's headers come,
    # its body never does (the one-byte size probe still answers)
    "stallprod": "product body: headers, then nothing",
    # a saturated or throttled link: the body trickles in, one byte every
    # few seconds, so no single gap is long enough to look stalled
    "driptables": "/tables: one byte every %g s" % DRIP_EVERY,
    "dripcap": "/capabilities: one byte every %g s" % DRIP_EVERY,
    "dripsample": "sync queries on hostile.t: one byte every %g s" % DRIP_EVERY,
    "dripprod": "product body: one byte every %g s" % DRIP_EVERY,
    # an observation with a huge number of associated files (or a buggy
    # DataLink service that ignores the ID): 500,000 rows, about 50 MB,
    # generated as it is sent
    "bigdl": "a DataLink document of 500000 rows",
    # a broken generator (or an attack) nesting elements without end
    "deep": "/tables nested 1,000,000 elements deep",
    # entity tricks: the billion laughs (exponential internal entities) and
    # an external entity that names a local file (XXE)
    "laughs": "/tables and results with a billion-laughs DTD",
    "xxe": "/tables and results with an external entity on file:///etc/passwd",
    # redirects off the origin: to a local file, to gopher, to another port
    # (a product mirrored elsewhere; the service's token must not follow)
    "redir": "/tables -> file://, /capabilities -> gopher://, a product -> another port",
    # a compressed body that expands to 2 GiB of spaces inside the document
    # (Content-Encoding: gzip whatever the client asked for)
    "gzip": "/tables and results gzip-encoded, 2 GiB once expanded",
    # odd and long table names: 300 bytes, a slash, a newline, a leading dot
    "names": "table names of 300 bytes, with '/', a newline, a leading dot",
    # bytes that are not UTF-8 in a name (an archive that stores Latin-1)
    "badutf8": "a table name with bytes that are not UTF-8",
    # a product rewritten on the server while it is being read: every GET
    # gives a new version with a new ETag and Last-Modified, and Range is
    # honoured but If-Range ignored (as some caches and CDNs do); 'chgcut'
    # breaks the first transfer in the middle and changes before the retry,
    # 'chgseek' changes after the first data request
    "changing": "products whose bytes change on every request",
    # a UWS job document that is not XML
    "uwsbad": "the UWS job document is malformed",
    # a job that never ends, and ignores WAIT (answers at once)
    "uwsloop": "the UWS job stays EXECUTING for ever, WAIT ignored",
    # a service that worked yesterday and stalls today: the first /tables
    # is answered, every later one stalls after its headers
    "staletables": "/tables: the first answered, later ones stall",
}

# --- documents (DaCHS's, cut down) -----------------------------------------

CAPS = """<?xml version='1.0' encoding='utf-8'?>
<cap:capabilities xmlns:cap="http://www.ivoa.net/xml/VOSICapabilities/v1.0" \
xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0" xmlns:vr="http://www.ivoa.net/xml/VOResource/v1.0" \
xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<capability standardID="ivo://ivoa.net/std/TAP" xsi:type="tr:TableAccess">\
<interface role="std" version="1.1" xsi:type="vs:ParamHTTP"><accessURL use="full">{b}</accessURL></interface>\
<language><name>ADQL</name><version ivo-id="ivo://ivoa.net/std/ADQL#v2.0">2.0</version></language>\
<outputFormat ivo-id="ivo://ivoa.net/std/TAPRegExt#output-votable-td"><mime>application/x-votable+xml;serialization=TABLEDATA</mime><alias>votable/td</alias></outputFormat>\
<retentionPeriod><default>172800</default></retentionPeriod><executionDuration><default>3600</default></executionDuration>\
<outputLimit><default unit="row">20000</default><hard unit="row">20000000</hard></outputLimit></capability>\
<capability standardID="ivo://ivoa.net/std/VOSI#availability"><interface role="std" xsi:type="vs:ParamHTTP"><accessURL use="full">{b}/availability</accessURL></interface></capability>\
<capability standardID="ivo://ivoa.net/std/VOSI#capabilities"><interface role="std" xsi:type="vs:ParamHTTP"><accessURL use="full">{b}/capabilities</accessURL></interface></capability>\
<capability standardID="ivo://ivoa.net/std/VOSI#tables"><interface role="std" xsi:type="vs:ParamHTTP"><accessURL use="full">{b}/tables</accessURL></interface></capability>\
<capability standardID="ivo://ivoa.net/std/DALI#examples"><interface role="std" xsi:type="vs:ParamHTTP"><accessURL use="full">{b}/examples</accessURL></interface></capability>\
</cap:capabilities>"""

TS_HEAD = """<?xml version='1.0' encoding='utf-8'?>{dtd}
<vtm:tableset xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" \
xmlns:vtm="http://www.ivoa.net/xml/VOSITables/v1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
<schema><name>hostile</name><description>{desc}</description>"""
TS_TAIL = "</schema></vtm:tableset>"
COLUMNS = """<column><name>id</name><description>Row identifier.</description>\
<dataType xsi:type="vs:VOTableType">long</dataType></column><column><name>name</name>\
<description>A name.</description><dataType xsi:type="vs:VOTableType" arraysize="*">char</dataType></column>"""
PRODUCT_COLUMNS = """<column><name>obs_id</name><dataType xsi:type="vs:VOTableType" arraysize="*">char</dataType></column>\
<column><name>access_url</name><dataType xsi:type="vs:VOTableType" arraysize="*">char</dataType></column>\
<column><name>access_format</name><dataType xsi:type="vs:VOTableType" arraysize="*">char</dataType></column>"""
ONE_TABLE = """<?xml version='1.0' encoding='utf-8'?>
<vtm:table xmlns:vs="http://www.ivoa.net/xml/VODataService/v1.1" xmlns:vtm="http://www.ivoa.net/xml/VOSITables/v1.0" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>{n}</name><description>{d}</description>{c}</vtm:table>"""

AVAIL = """<?xml version='1.0' encoding='utf-8'?>
<avl:availability xmlns:avl="http://www.ivoa.net/xml/VOSIAvailability/v1.0"><avl:available>true</avl:available></avl:availability>"""
EXAMPLES = """<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html version="XHTML+RDFa 1.1" xmlns="http://www.w3.org/1999/xhtml"><head><title>Examples</title></head><body>
<div typeof="example" id="count" resource="#count"><h2 property="name">count</h2>
<pre class="dachs-ex-tapquery literal-block" property="query">SELECT COUNT(*) FROM hostile.t</pre></div></body></html>"""

VOT_HEAD = """<?xml version='1.0' encoding='utf-8'?>{dtd}
<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3"><RESOURCE type="results">\
<INFO name="QUERY_STATUS" value="OK">Query successful</INFO><TABLE name="t">{fields}<DATA><TABLEDATA>"""
VOT_TAIL = "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"
FIELDS_T = """<FIELD ID="id" datatype="long" name="id"/><FIELD ID="name" arraysize="*" datatype="char" name="name"/>"""
FIELDS_TS = """<FIELD ID="table_name" arraysize="*" datatype="char" name="table_name"/>\
<FIELD ID="description" arraysize="*" datatype="char" name="description"/>\
<FIELD ID="table_type" arraysize="*" datatype="char" name="table_type"/>"""
FIELDS_P = """<FIELD ID="obs_id" arraysize="*" datatype="char" name="obs_id"/>\
<FIELD ID="access_url" arraysize="*" datatype="char" name="access_url"/>\
<FIELD ID="access_format" arraysize="*" datatype="char" name="access_format"/>"""

DL_HEAD = """<VOTABLE version="1.4" xmlns="http://www.ivoa.net/xml/VOTable/v1.3">\
<INFO name="QUERY_STATUS" value="OK"></INFO><RESOURCE type="results"><TABLE name="dlresponse">\
<FIELD ID="ID" arraysize="*" datatype="char" name="ID" ucd="meta.id;meta.main"/>\
<FIELD ID="access_url" arraysize="*" datatype="char" name="access_url" ucd="meta.ref.url"/>\
<FIELD ID="service_def" arraysize="*" datatype="char" name="service_def" ucd="meta.code"/>\
<FIELD ID="error_message" arraysize="*" datatype="char" name="error_message" ucd="meta.code.error"/>\
<FIELD ID="description" arraysize="*" datatype="char" name="description" ucd="meta.note"/>\
<FIELD ID="semantics" arraysize="*" datatype="char" name="semantics" ucd="meta.code"/>\
<FIELD ID="content_type" arraysize="*" datatype="char" name="content_type" ucd="meta.code.mime"/>\
<FIELD ID="content_length" datatype="long" name="content_length" ucd="phys.size;meta.file" unit="byte"><VALUES null="-1"/></FIELD>\
<DATA><TABLEDATA>"""
DL_TAIL = "</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>"
DL_ROWS = 500000

LAUGHS_DTD = """
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">]>"""
XXE_DTD = """
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"""

LONG_NAME = "hostile.long_" + "n" * (300 - len("hostile.long_"))   # 300 bytes
ODD_NAMES = [LONG_NAME, "hostile.a/b", "hostile.nl&#10;name", ".hidden", "hostile.t"]

PRODUCTS = {   # scenario -> [(obs_id, product path or URL, access_format)]
    "stallprod": [("stall", "stall", "application/fits")],
    "dripprod": [("drip", "drip", "application/fits")],
    "changing": [("chg", "chg", "application/fits"), ("chgcut", "chgcut", "application/fits"),
                 ("chgseek", "chgseek", "application/fits")],
    "redir": [("away", "away", "application/fits"), ("local", "local", "application/fits")],
    "bigdl": [("big", "@dl", "application/x-votable+xml;content=datalink")],
}
PROD_SIZE = 24 * 1024 * 1024   # bigger than one 8 MiB request of the reader
STALL_SIZE = 1024 * 1024
VERSIONS = {}                  # product path -> requests served (its version)
VLOCK = threading.Lock()


def versioned_bytes(version, start, end):
    """bytes [start, end) of version VERSION of a 'changing' product: lines of
    64 bytes 'v<version> off <offset>' padded with dots"""
    out = []
    first = start - start % 64
    for off in range(first, end, 64):
        line = ("v%06d off %012d " % (version, off)).ljust(63, ".") + "\n"
        out.append(line)
    blob = "".join(out).encode()
    return blob[start - first:end - first]


def plain_bytes(size):
    return (b"HOSTILE PRODUCT " * (size // 16 + 1))[:size]


# --- the gzip bomb: 2 GiB of spaces inside an XML element -----------------
BOMB_SPACES = 2048           # MiB of spaces
_bombs = {}
_bomb_lock = threading.Lock()


def gzip_bomb(prefix, suffix):
    """(head, block, count, tail): a gzip member of PREFIX, 2 GiB of spaces
    and SUFFIX whose deflate stream is head, then block repeated count times,
    then tail.  Each block is 1 MiB of spaces compressed after a full flush,
    so all blocks are the same bytes and the server never compresses 2 GiB."""
    with _bomb_lock:
        if prefix not in _bombs:
            mib = b" " * (1 << 20)
            c = zlib.compressobj(9, zlib.DEFLATED, -15)
            head = c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH)
            b1 = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
            b2 = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
            b3 = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
            assert b2 == b3, "deflate blocks after a full flush differ"
            end = c.compress(suffix) + c.flush()
            crc = zlib.crc32(prefix)
            for _ in range(BOMB_SPACES):
                crc = zlib.crc32(mib, crc)
            crc = zlib.crc32(suffix, crc)
            size = len(prefix) + BOMB_SPACES * len(mib) + len(suffix)
            gzhead = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
            trailer = crc.to_bytes(4, "little") + (size & 0xFFFFFFFF).to_bytes(4, "little")
            _bombs[prefix] = (gzhead + head + b1, b2, BOMB_SPACES - 1, end + trailer)
        return _bombs[prefix]


class Gone(Exception):
    """the client went away"""


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1"

    def log_message(self, fmt, *args):   # our own log only
        pass

    def log_error(self, fmt, *args):     # e.g. a gopher selector instead of HTTP
        with LOG_LOCK:
            LOGF.write("%s %d bad request: %s\n" % (time.strftime("%H:%M:%S"),
                       self.server.server_address[1], fmt % args))

    def note(self, what):
        with LOG_LOCK:
            LOGF.write("%s %d %s %s auth=%s %s\n" % (
                time.strftime("%H:%M:%S"), self.server.server_address[1], self.command,
                self.path, "yes" if self.headers.get("Authorization") else "no", what))

    # -- sending --
    def head(self, code, ctype, length=None, extra=()):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length is None:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.flush()

    def send(self, code, ctype, body, extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.head(code, ctype, len(body), extra)
        if self.command != "HEAD":
            self.wfile.write(body)

    def hold(self, what):
        """headers are out; now send nothing until the client leaves (or
        HOLD_MAX s pass), then close"""
        self.note("stall: " + what)
        self.close_connection = True
        end = time.monotonic() + HOLD_MAX
        sock = self.connection
        while time.monotonic() < end:
            r, _, _ = select.select([sock], [], [], 1.0)
            if r:
                try:
                    if not sock.recv(1, socket.MSG_PEEK):
                        break          # the client closed
                except OSError:
                    break
                time.sleep(0.5)        # more request bytes (pipelining): keep silent
        self.note("stall ended after %.1f s: %s" % (HOLD_MAX - (end - time.monotonic()), what))

    def drip(self, body, what):
        """send BODY one byte every DRIP_EVERY s until done or the client leaves"""
        self.note("drip: " + what)
        self.close_connection = True
        t0 = time.monotonic()
        try:
            for i in range(len(body)):
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                if time.monotonic() - t0 > HOLD_MAX:
                    break
                time.sleep(DRIP_EVERY)
        except OSError:
            pass
        self.note("drip ended after %.1f s: %s" % (time.monotonic() - t0, what))

    def stream(self, parts):
        try:
            for p in parts:
                self.wfile.write(p)
        except OSError:
            self.note("client left the stream")

    # -- routing --
    def do_HEAD(self):
        self.do_GET()

    def do_DELETE(self):
        self.note("delete")
        self.send_response(303)
        self.send_header("Location", self.path.rsplit("/", 1)[0])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(n).decode("utf-8", "replace")) if n else {}
        self.route(form)

    def do_GET(self):
        self.route(parse_qs(urlsplit(self.path).query))

    def route(self, form):
        parts = urlsplit(self.path)
        segs = parts.path.split("/")[1:]   # scenario, tap|prod|dl, ...
        try:
            if self.server.server_address[1] == OTHER_PORT:
                return self.other(segs)
            if not segs or segs[0] not in SCENARIOS:
                self.note("404")
                return self.send(404, "text/plain", "no such scenario\n")
            sc = segs[0]
            base = "%s/%s/tap" % (ORIGIN, sc)
            if len(segs) >= 3 and segs[1] == "prod":
                return self.product(sc, segs[2])
            if len(segs) >= 2 and segs[1] == "dl":
                return self.datalink(sc, form)
            if len(segs) < 3 or segs[1] != "tap":
                self.note("404")
                return self.send(404, "text/plain", "not found\n")
            ep = segs[2]
            if ep == "capabilities":
                return self.capabilities(sc, base)
            if ep == "tables":
                return self.tables(sc, unquote("/".join(segs[3:])) if len(segs) > 3 else None)
            if ep == "availability":
                self.note("ok")
                return self.send(200, "text/xml", AVAIL)
            if ep == "examples":
                self.note("ok")
                return self.send(200, "text/html", EXAMPLES)
            if ep == "sync":
                return self.sync(sc, form)
            if ep == "async":
                return self.uws(sc, segs[3:], form, base)
            self.note("404")
            self.send(404, "text/plain", "not found\n")
        except (BrokenPipeError, ConnectionResetError):
            self.note("client left")
            self.close_connection = True

    # -- VOSI --
    def capabilities(self, sc, base):
        body = CAPS.format(b=base).encode()
        if sc == "stallcap":
            self.head(200, "text/xml", len(body))
            return self.hold("capabilities")
        if sc == "dripcap":
            self.head(200, "text/xml", len(body))
            return self.drip(body, "capabilities")
        if sc == "redir":
            self.note("302 to gopher://")
            return self.send(302, "text/plain", "moved\n",
                             [("Location", "gopher://127.0.0.1:%d/_GOPHER-WAS-FOLLOWED" % PORT)])
        self.note("ok")
        self.send(200, "text/xml", body)

    def tableset(self, sc):
        names, dtd, desc = ["hostile.t", "hostile.other", "hostile.products"], "", "Tables."
        if sc == "names":
            names = ODD_NAMES + ["hostile.products"]
        elif sc == "laughs":
            dtd, desc = LAUGHS_DTD, "&lol9;"
            names = names + ["hostile.&lol9;"]
        elif sc == "xxe":
            dtd, desc = XXE_DTD, "&xxe;"
            names = names + ["hostile.&xxe;"]
        body = TS_HEAD.format(dtd=dtd, desc=desc)
        for n in names:
            body += "<table><name>%s</name><description>%s</description></table>" % (n, desc)
        body = body.encode() + TS_TAIL.encode()
        if sc == "badutf8":
            body = body.replace(b"hostile.other", b"hostile.caf\xe9\xff\xfe")
        return body

    def tables(self, sc, one):
        if sc == "staletables":
            with VLOCK:
                H.stale_asked = getattr(H, "stale_asked", 0) + 1
                n = H.stale_asked
            if n > 1:
                self.head(200, "text/xml", 4096)
                return self.hold("tables (asked again)")
        if sc == "stalltables":
            self.head(200, "text/xml", 4096)
            return self.hold("tables")
        if sc == "driptables":
            body = self.tableset("fine")
            self.head(200, "text/xml", len(body))
            return self.drip(body, "tables")
        if sc == "redir":
            self.note("302 to file://")
            return self.send(302, "text/plain", "moved\n", [("Location", "file:///etc/passwd")])
        if sc == "deep":
            # a million nested elements inside the tableset, sent as generated
            self.note("deep")
            self.head(200, "text/xml")
            head = TS_HEAD.format(dtd="", desc="deep").encode() + b"<table><name>hostile.t</name>"
            return self.stream([head] + [b"<a>" * 100000] * 10 + [b"</a>" * 100000] * 10
                               + [b"</table>" + TS_TAIL.encode()])
        if sc == "gzip":
            head, block, count, tail = gzip_bomb(
                TS_HEAD.format(dtd="", desc="bomb").encode() + b"<table><name>hostile.t</name><description>",
                b"</description></table>" + TS_TAIL.encode())
            self.note("gzip bomb")
            self.head(200, "text/xml", None, [("Content-Encoding", "gzip")])
            return self.stream(_repeat(head, block, count, tail))
        if one is None:
            self.note("ok")
            return self.send(200, "text/xml", self.tableset(sc))
        if one.startswith("hostile.products"):
            cols = PRODUCT_COLUMNS
        else:
            cols = COLUMNS
        name = one.replace("&", "&amp;").replace("<", "&lt;").replace("\n", "&#10;")
        self.note("ok")
        self.send(200, "text/xml", ONE_TABLE.format(n=name, d="One table.", c=cols))

    # -- TAP queries --
    def result(self, sc, query):
        """the result VOTable of QUERY on scenario SC"""
        dtd, cell = "", "obj-%d"
        if sc == "laughs":
            dtd, cell = LAUGHS_DTD, "&lol9;%d"
        elif sc == "xxe":
            dtd, cell = XXE_DTD, "&xxe;%d"
        if "tap_schema.tables" in query.lower():      # vofs's fallback for a broken /tables
            rows = "".join("<TR><TD>%s</TD><TD>From TAP_SCHEMA.</TD><TD>table</TD></TR>" % n
                           for n in ("hostile.t", "hostile.other", "hostile.products"))
            return (VOT_HEAD.format(dtd=dtd, fields=FIELDS_TS) + rows + VOT_TAIL).encode()
        if "hostile.products" in query:
            rows = []
            for obs_id, where, fmt in PRODUCTS.get(sc, []):
                if "'" in query and "'%s'" % obs_id not in query:
                    continue                            # WHERE obs_id = '...'

                url = "%s/%s/dl?ID=%s" % (ORIGIN, sc, obs_id) if where == "@dl" else \
                      "%s/%s/prod/%s" % (ORIGIN, sc, where)
                rows.append("<TR><TD>%s</TD><TD>%s</TD><TD>%s</TD></TR>" % (obs_id, url, fmt))
            return (VOT_HEAD.format(dtd=dtd, fields=FIELDS_P) + "".join(rows) + VOT_TAIL).encode()
        rows = "".join("<TR><TD>%d</TD><TD>%s</TD></TR>" % (i, cell % i) for i in (1, 2, 3))
        return (VOT_HEAD.format(dtd=dtd, fields=FIELDS_T) + rows + VOT_TAIL).encode()

    def sync(self, sc, form):
        query = (form.get("QUERY") or [""])[0]
        body = self.result(sc, query)
        if sc in ("stallsample", "dripsample") and "hostile.t" in query.replace("hostile.products", ""):
            self.head(200, "application/x-votable+xml", len(body))
            if sc == "stallsample":
                return self.hold("sync " + query)
            return self.drip(body, "sync " + query)
        if sc == "gzip":
            head, block, count, tail = gzip_bomb(body.split(b"<TABLEDATA>")[0] + b"<TABLEDATA><TR><TD>1</TD><TD>",
                                                 b"</TD></TR>" + VOT_TAIL.encode())
            self.note("gzip bomb (sync)")
            self.head(200, "application/x-votable+xml", None, [("Content-Encoding", "gzip")])
            return self.stream(_repeat(head, block, count, tail))
        self.note("sync ok: " + query)
        self.send(200, "application/x-votable+xml", body)

    def uws(self, sc, rest, form, base):
        job = "%s/async/j1" % base
        if not rest:                       # create a job
            self.note("job created")
            return self.send(303, "text/plain", "", [("Location", job)])
        if len(rest) >= 2 and rest[1] == "phase":
            self.note("phase")
            return self.send(303, "text/plain", "", [("Location", job)])
        if len(rest) >= 2 and rest[1] == "results":
            self.note("result")
            return self.send(200, "application/x-votable+xml", self.result(sc, ""))
        if sc == "uwsbad":
            self.note("malformed job")
            return self.send(200, "text/xml", "<uws:job xmlns:uws='http://www.ivoa.net/xml/UWS/v1.0'>"
                             "<uws:jobId>j1</uws:jobId><uws:phase>EXECU<<&&")
        phase = "EXECUTING" if sc == "uwsloop" else "COMPLETED"
        self.note("job " + phase)
        self.send(200, "text/xml", """<?xml version="1.0" encoding="UTF-8"?>
<uws:job xmlns:uws="http://www.ivoa.net/xml/UWS/v1.0" xmlns:xlink="http://www.w3.org/1999/xlink">\
<uws:jobId>j1</uws:jobId><uws:phase>%s</uws:phase><uws:executionDuration>3600</uws:executionDuration>\
<uws:results><uws:result id="result" xlink:href="%s/async/j1/results/result"/></uws:results></uws:job>""" % (phase, base))

    # -- DataLink --
    def datalink(self, sc, form):
        ident = (form.get("ID") or ["?"])[0]
        if sc != "bigdl":
            self.note("datalink")
            return self.send(200, "application/x-votable+xml;content=datalink", DL_HEAD + DL_TAIL)
        self.note("datalink of %d rows" % DL_ROWS)
        self.head(200, "application/x-votable+xml;content=datalink")

        def rows():
            yield DL_HEAD.encode()
            # about 100 bytes a row, as in the 50 MB document
            row = ("<TR><TD>" + ident + "</TD><TD>" + ORIGIN + "/bigdl/prod/a%d</TD><TD/><TD/><TD/>"
                   "<TD>#auxiliary</TD><TD/><TD>2880</TD></TR>")
            for i in range(0, DL_ROWS, 1000):
                yield "".join(row % j for j in range(i, i + 1000)).encode()
            yield DL_TAIL.encode()
        self.stream(rows())
        self.note("datalink sent")

    # -- products --
    def product(self, sc, name):
        rng = self.headers.get("Range")
        probe = rng == "bytes=0-0"
        if sc == "redir" and name == "away":
            self.note("302 to the other port")
            return self.send(302, "text/plain", "", [("Location", "%s/elsewhere/away.fits" % OTHER)])
        if sc == "redir" and name == "local":
            self.note("302 to file://")
            return self.send(302, "text/plain", "", [("Location", "file:///etc/passwd")])
        if sc in ("stallprod", "dripprod") and not probe:
            body = plain_bytes(STALL_SIZE)
            start, end = _range(rng, len(body))
            self.head(206 if rng else 200, "application/fits", end - start,
                      [("Accept-Ranges", "bytes"), ("ETag", '"p1"')] +
                      ([("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(body)))] if rng else []))
            if sc == "stallprod":
                return self.hold("product " + name)
            return self.drip(body[start:end], "product " + name)
        if sc == "changing":
            # chg: a new version on every request; chgcut and chgseek: the
            # size probe and the first data request see version 1, every
            # request after them a new version
            with VLOCK:
                n = VERSIONS[name] = VERSIONS.get(name, 0) + 1
            v = n if name == "chg" else max(1, n - 1)
            start, end = _range(rng, PROD_SIZE)
            extra = [("Accept-Ranges", "bytes"), ("ETag", '"v%d"' % v),
                     ("Last-Modified", formatdate(1700000000 + 3600 * v, usegmt=True))]
            if rng:
                extra.append(("Content-Range", "bytes %d-%d/%d" % (start, end - 1, PROD_SIZE)))
            self.note("version %d bytes %d-%d (If-Range %s ignored)" % (v, start, end - 1, self.headers.get("If-Range")))
            self.head(206 if rng else 200, "application/fits", end - start, extra)
            if self.command == "HEAD":
                return None
            if name == "chgcut" and n == 2:   # the first data request (the 1st was the size probe)
                half = start + (end - start) // 2
                self.stream(versioned_bytes(v, s, min(s + 65536, half)) for s in range(start, half, 65536))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return None
            return self.stream(versioned_bytes(v, s, min(s + 65536, end)) for s in range(start, end, 65536))
        body = plain_bytes(STALL_SIZE)
        start, end = _range(rng, len(body))
        self.note("product ok")
        self.send(206 if rng else 200, "application/fits", body[start:end],
                  [("Accept-Ranges", "bytes"), ("ETag", '"p1"')] +
                  ([("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(body)))] if rng else []))

    def other(self, segs):
        """another origin: serves any path as a small product"""
        self.note("other origin")
        body = plain_bytes(STALL_SIZE)
        rng = self.headers.get("Range")
        start, end = _range(rng, len(body))
        self.send(206 if rng else 200, "application/fits", body[start:end],
                  [("Accept-Ranges", "bytes")] +
                  ([("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(body)))] if rng else []))


def _repeat(head, block, count, tail):
    yield head
    for _ in range(count):
        yield block
    yield tail


def _range(rng, size):
    """[start, end) of a 'bytes=a-b' or 'bytes=a-' header (whole body without)"""
    if not rng or not rng.startswith("bytes="):
        return 0, size
    a, _, b = rng[6:].partition("-")
    start = int(a) if a else 0
    end = min(int(b) + 1, size) if b else size
    return start, max(start, end)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return                     # a client that left: not our problem
        super().handle_error(request, client_address)


def main():
    for p in (PORT, OTHER_PORT):
        s = Server(("127.0.0.1", p), H)
        threading.Thread(target=s.serve_forever, daemon=True).start()
    LOGF.write("hostile.py: listening on %s and %s; scenarios: %s\n" % (ORIGIN, OTHER, " ".join(SCENARIOS)))
    LOGF.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
