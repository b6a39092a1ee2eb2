#!/usr/bin/python3
"""Have astropy judge what vofs writes.

    astropy_check.py VOT_CONVERT FIXTURE_DIR OUT_DIR

For each fixture, vot_convert reads it with vo/votable.c and writes the
VOTable and CSV that vofs would serve.  Then:
  - astropy.io.votable must parse the VOTable without complaint (warnings
    are errors, except the two the input itself causes: W47 for a char
    FIELD without arraysize, W55 for non-ASCII text in char);
  - its values and masks must equal astropy's reading of table.td.vot;
  - the metadata (FIELD attributes, DESCRIPTION, PARAM, GROUP, LINK, INFO,
    COOSYS) must have come through;
  - the CSV, read with Python's csv module, must hold the cells of
    table.expected.
Exit status 77 (skip) when astropy is missing.
"""
import csv
import io
import os
import subprocess
import sys
import warnings

try:
    import numpy as np
    from astropy.io.votable import parse
except ImportError as e:  # pragma: no cover
    print("SKIP: astropy is not available (%s); install python3-astropy" % e)
    sys.exit(77)

ALLOWED = ("W47", "W55")
failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAILED: " + msg)


def load(path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vot = parse(path, verify="warn")
    bad = [str(w.message) for w in caught
           if not any(code in str(w.message) for code in ALLOWED)]
    return vot, bad


def norm(x):
    """A comparable text form of one astropy cell (masked -> None)."""
    if x is np.ma.masked:
        return "MASKED"
    if isinstance(x, np.ma.MaskedArray):
        return repr(x.tolist())
    if isinstance(x, np.ndarray):
        return repr(x.tolist())
    if isinstance(x, bytes):
        x = x.decode("utf-8")
    if hasattr(x, "item"):
        x = x.item()
    return repr(x)


def unescape(s):
    out, i = [], 0
    while i < len(s):
        c = s[i]
        if c == "\\":
            n = s[i + 1]
            if n == "x":
                out.append(chr(int(s[i + 2:i + 4], 16)))
                i += 4
                continue
            out.append({"n": "\n", "t": "\t", "r": "\r"}.get(n, n))
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)


def expected_rows(path):
    rows, cur = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("# row "):
            cur = []
            rows.append(cur)
        elif line.startswith("#") or not line:
            continue
        else:
            name, val = line.split(" = ", 1)
            cur.append((name, None if val == "NULL" else unescape(val[1:-1])))
    return rows


def main():
    tool, fixdir, outdir = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    ref, bad = load(os.path.join(fixdir, "table.td.vot"))
    ref_table = ref.get_first_table()
    expected = expected_rows(os.path.join(fixdir, "table.expected"))

    for name in ("table.td.vot", "table.bin2.vot"):
        before = failures
        src = os.path.join(fixdir, name)
        out_vot = os.path.join(outdir, name + ".out.vot")
        out_csv = os.path.join(outdir, name + ".out.csv")
        subprocess.run([tool, src, out_vot, out_csv], check=True)

        vot, bad = load(out_vot)
        for w in bad:
            fail("%s: astropy warns: %s" % (out_vot, w))
        t = vot.get_first_table()
        if len(t.array) != len(ref_table.array):
            fail("%s: %d rows, expected %d" % (out_vot, len(t.array), len(ref_table.array)))
        for f_out, f_ref in zip(t.fields, ref_table.fields):
            for attr in ("name", "ID", "datatype", "arraysize", "unit", "ucd",
                         "ref", "precision", "width", "description"):
                a, b = getattr(f_out, attr), getattr(f_ref, attr)
                if str(a) != str(b):
                    fail("%s: FIELD %s %s is %r, expected %r" % (out_vot, f_ref.name, attr, a, b))
            if str(f_out.values.null) != str(f_ref.values.null):
                fail("%s: FIELD %s VALUES null differs" % (out_vot, f_ref.name))
            col = f_ref.name
            for r, (a, b) in enumerate(zip(t.array[col], ref_table.array[col])):
                if norm(a) != norm(b):
                    fail("%s: row %d %s: %s != %s" % (out_vot, r + 1, col, norm(a), norm(b)))
        ra = t.get_field_by_id("ra")
        if [(l.href, l.content_role) for l in ra.links] != [("http://example.org/ra?x=1&y=2", "doc")]:
            fail("%s: LINK of ra lost" % out_vot)
        if (ra.values.min, ra.values.max) != (0.0, 360.0):
            fail("%s: VALUES MIN/MAX of ra lost: %r %r" % (out_vot, ra.values.min, ra.values.max))
        code = [f for f in t.fields if f.name == "code"][0]
        if [(o[0], o[1]) for o in code.values.options] != [("galaxy", "NGC224"), (None, 'A,B"C')]:
            fail("%s: OPTIONs of code: %r" % (out_vot, code.values.options))
        if [p.value for p in t.params] != [2000.0]:
            fail("%s: PARAM lost" % out_vot)
        if len(t.groups) != 1 or [e.ref for e in t.groups[0].entries] != ["ra", "epoch"]:
            fail("%s: GROUP lost" % out_vot)
        if t.description != "All VOTable datatypes" or len(t.links) != 1:
            fail("%s: TABLE DESCRIPTION/LINK lost" % out_vot)
        res = vot.resources[0]
        infos = [(i.name, i.value) for i in res.infos]
        want = [("QUERY_STATUS", "OVERFLOW"), ("server", "hand-written"),
                ("provider", "vofs tests"),
                ("query", 'SELECT * FROM t WHERE a < 5 AND b > "x"'),
                ("QUERY_STATUS", "OVERFLOW")]
        if infos != want:
            fail("%s: RESOURCE INFOs %r" % (out_vot, infos))
        if [c.ID for c in res.coordinate_systems] != ["sys"]:
            fail("%s: COOSYS lost" % out_vot)

        with open(out_csv, newline="", encoding="utf-8") as f:
            data = f.read()
        # LF line ends by default (-o csv_crlf gives RFC 4180's CRLF)
        if not data.endswith("\n") or data.endswith("\r\n"):
            fail("%s: CSV records must end with LF" % out_csv)
        recs = list(csv.reader(io.StringIO(data)))
        header = [n for n, _ in expected[0]]
        if recs[0] != header:
            fail("%s: CSV header %r" % (out_csv, recs[0]))
        if len(recs) - 1 != len(expected):
            fail("%s: %d CSV rows" % (out_csv, len(recs) - 1))
        for r, (got, want_row) in enumerate(zip(recs[1:], expected)):
            for name_, g, (_, w) in zip(header, got, want_row):
                if g != (w if w is not None else ""):
                    fail("%s: CSV row %d %s: %r, expected %r" % (out_csv, r + 1, name_, g, w))
        if failures == before:
            print("%s: written VOTable parsed by astropy %s without warnings, values equal "
                  "astropy's reading of table.td.vot, metadata kept; CSV read back by "
                  "Python's csv module equals table.expected"
                  % (name, __import__("astropy").__version__))

    # Real DaCHS output, when captured: astropy must see the same table in
    # what DaCHS sent and in what vofs writes from it.
    for name in ("sync_cat_tabledata.vot", "overflow_maxrec3_tabledata.vot",
                 "astral_uname_tabledata.vot", "obscore_binary.vot"):
        src = os.path.join(fixdir, "dachs", name)
        if not os.path.exists(src):
            print("SKIP %s: not captured" % src)
            continue
        before = failures
        out_vot = os.path.join(outdir, "dachs_" + name + ".out.vot")
        out_csv = os.path.join(outdir, "dachs_" + name + ".out.csv")
        subprocess.run([tool, src, out_vot, out_csv], check=True)
        orig, _ = load(src)
        vot, bad = load(out_vot)
        for w in bad:
            if "W06" not in w:      # DaCHS's UCDs are newer than astropy's list
                fail("%s: astropy warns: %s" % (out_vot, w))
        a, b = vot.get_first_table(), orig.get_first_table()
        if [f.name for f in a.fields] != [f.name for f in b.fields]:
            fail("%s: fields differ" % out_vot)
        if len(a.array) != len(b.array):
            fail("%s: %d rows, expected %d" % (out_vot, len(a.array), len(b.array)))
        for f in b.fields:
            for r, (x, y) in enumerate(zip(a.array[f.name], b.array[f.name])):
                if norm(x) != norm(y):
                    fail("%s: row %d %s: %s != %s" % (out_vot, r + 1, f.name, norm(x), norm(y)))
        if failures == before:
            print("dachs/%s: vofs's VOTable reads in astropy as DaCHS's own (%d rows)"
                  % (name, len(a.array)))

    print("astropy_check: %d failed" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
