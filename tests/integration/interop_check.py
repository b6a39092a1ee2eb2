#!/usr/bin/python3
"""interop_check.py - compare what vofs serves with astropy's / the XML's
reading of the captured document (tests/integration/15-interop.sh).

  interop_check.py tables  CAPTURE LISTING      names of the VOSI tableset == ls
  interop_check.py columns CAPTURE TABLE CSV    every column of TABLE in columns.csv,
                                                with datatype, arraysize, unit, ucd
  interop_check.py result  CAPTURE CSV VOT      result.csv and result.vot hold the
                                                capture's first table: names, values,
                                                nulls (astropy.io.votable)
  interop_check.py links   CAPTURE ID DIR       DIR (products/<id>/ of a DataLink
                                                product) as docs/vofs.1 says for the
                                                capture's rows of ID (pyvo's reading):
                                                one file per link with an access_url and
                                                neither error_message nor service_def
                                                (this.<ext>, this-2.<ext>, preview.<ext>,
                                                <semantics>.<ext>), their user.vo.url and
                                                user.vo.semantics, and links.csv: the
                                                capture's columns and rows of ID, error
                                                rows included

Exit 0 when equal; else 1 and the first differences on stdout.
"""
import csv
import math
import sys
import warnings
import xml.etree.ElementTree as ET

warnings.simplefilter("ignore")


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child_text(el, name):
    for c in el:
        if local(c.tag) == name:
            return (c.text or "").strip()
    return None


def tableset(path):
    """{table name: [(column, datatype, arraysize, unit, ucd)]}"""
    out = {}
    for t in ET.parse(path).getroot().iter():
        if local(t.tag) != "table":
            continue
        cols = []
        for c in t:
            if local(c.tag) != "column":
                continue
            dt = [d for d in c if local(d.tag) == "dataType"]
            cols.append((child_text(c, "name"), (dt[0].text or "").strip() if dt else "",
                         dt[0].get("arraysize", "") if dt else "",
                         child_text(c, "unit") or "", child_text(c, "ucd") or ""))
        out[child_text(t, "name")] = cols
    return out


def cmd_tables(capture, listing):
    want = sorted(tableset(capture))
    got = sorted(l.strip() for l in open(listing) if l.strip())
    if want == got:
        print("%d tables as in the capture" % len(want))
        return 0
    print("missing:", sorted(set(want) - set(got))[:10])
    print("extra:", sorted(set(got) - set(want))[:10])
    return 1


def cmd_columns(capture, table, path):
    want = tableset(capture)[table]
    rows = list(csv.DictReader(open(path, newline="", encoding="utf-8")))
    got = {r["name"]: r for r in rows}
    bad = []
    for name, dt, asz, unit, ucd in want:
        r = got.get(name)
        if r is None:
            bad.append("column %s missing" % name)
            continue
        for k, v in (("datatype", dt), ("arraysize", asz), ("unit", unit), ("ucd", ucd)):
            if v and r[k] != v:
                bad.append("%s.%s: %r, capture %r" % (name, k, r[k], v))
    if len(rows) != len(want):
        bad.append("%d columns, capture %d" % (len(rows), len(want)))
    for b in bad[:10]:
        print(b)
    if not bad:
        print("%s: %d columns with datatype, arraysize, unit, ucd" % (table, len(want)))
    return 1 if bad else 0


def first_table(path):
    from astropy.io.votable import parse
    v = parse(path, verify="ignore")
    return next(v.iter_tables())


def same(a, b, isfloat):
    if isfloat:
        a, b = float(a), float(b)
        if math.isnan(a) and math.isnan(b):
            return True
        return a == b or abs(a - b) <= 1e-6 * max(abs(a), abs(b))
    return a == b


def norm(v):
    """a cell value as comparable Python objects (arrays flattened)"""
    import numpy as np
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if isinstance(v, np.ndarray) or isinstance(v, np.ma.MaskedArray):
        return [norm(x) for x in np.ravel(np.ma.filled(v, np.nan) if v.dtype.kind == "f"
                                          else v)]
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, np.generic):
        return v.item()
    return v


def empty_int_tds(path):
    """{(row, field index)} of empty TDs of integer fields in the first
    TABLEDATA of a VOTable older than 1.3: astropy reads them as an unmasked
    0, vofs (and VOTable 1.3 on) as null."""
    root = ET.parse(path).getroot()
    if root.get("version", "1.3") >= "1.3":
        return set()
    for t in root.iter():
        if local(t.tag) != "TABLE":
            continue
        ints = [f.get("datatype") in ("short", "int", "long", "unsignedByte")
                for f in t if local(f.tag) == "FIELD"]
        out = set()
        rows = [r for r in t.iter() if local(r.tag) == "TR"]
        for i, r in enumerate(rows):
            for j, td in enumerate([d for d in r if local(d.tag) == "TD"]):
                if j < len(ints) and ints[j] and not (td.text or "").strip():
                    out.add((i, j))
        return out
    return set()


def cmd_result(capture, csv_path, vot_path):
    import numpy as np
    want = first_table(capture)
    empty_ints = empty_int_tds(capture)
    names = [f.name or f.ID for f in want.fields]
    wa = want.array
    bad = []
    got = first_table(vot_path)
    gnames = [f.name for f in got.fields]
    if gnames != names:
        bad.append("result.vot names %s, capture %s" % (gnames[:8], names[:8]))
    rows = list(csv.reader(open(csv_path, newline="", encoding="utf-8")))
    if rows and rows[0] != names:
        bad.append("result.csv header %s, capture %s" % (rows[0][:8], names[:8]))
    if len(rows) - 1 != len(wa) or len(got.array) != len(wa):
        bad.append("rows: result.csv %d, result.vot %d, capture %d"
                   % (len(rows) - 1, len(got.array), len(wa)))
    ga = got.array
    nulls = 0
    for j, name in enumerate(names):
        if bad and len(bad) > 10:
            break
        col = wa[name] if name in wa.dtype.names else wa[wa.dtype.names[j]]
        isfloat = col.dtype.kind in "fc"
        isnum = col.dtype.kind in "iufcb"
        gcol = ga[ga.dtype.names[j]] if j < len(ga.dtype.names) else None
        if gcol is not None and isnum and gcol.dtype.kind not in "iufcb":
            bad.append("result.vot reads %s as %s, capture as %s" % (name, gcol.dtype, col.dtype))
        for i in range(min(len(wa), len(rows) - 1, len(ga))):
            m = np.ma.getmaskarray(col)[i]
            m = bool(np.all(m))
            w = None if m else norm(col[i])
            if isinstance(w, float) and math.isnan(w):
                w, m = None, True
            if (i, j) in empty_ints:
                w, m = None, True
            nulls += m
            # result.vot, through astropy
            gm = bool(np.all(np.ma.getmaskarray(gcol)[i])) if gcol is not None else True
            g = None if gm else norm(gcol[i])
            if isinstance(g, float) and math.isnan(g):
                g = None
            if isinstance(w, str) and isinstance(g, str):
                ok = w.strip() == g.strip()     # astropy strips TD blanks
            elif isinstance(w, list) and isinstance(g, list):
                ok = len(w) == len(g) and all(
                    (isinstance(x, float) and math.isnan(x) and isinstance(y, float)
                     and math.isnan(y)) or same(x, y, isinstance(x, float))
                    for x, y in zip(w, g))
            elif w is None or g is None:
                ok = (w is None and g is None) or (w == "" and g is None) or (g == "" and w is None)
            else:
                ok = same(w, g, isfloat)
            if not ok:
                bad.append("result.vot row %d %s: %r, capture %r" % (i + 1, name, g, w))
            # result.csv: null is an empty cell
            c = rows[i + 1][j] if j < len(rows[i + 1]) else None
            if w is None or (isinstance(w, list) and not w):
                ok = c == ""
            elif isinstance(w, list):
                parts = c.split(" ") if c else []
                ok = len(parts) == len(w) and all(
                    (isinstance(x, float) and math.isnan(x)) or same(p, x, isfloat)
                    or (isinstance(x, bool) and p in ("T", "F") and (p == "T") == x)
                    for p, x in zip(parts, w))
            elif isinstance(w, bool):
                ok = c in ("T", "F", "true", "false") and (c in ("T", "true")) == w
            elif isinstance(w, str):
                ok = c == w or c.strip() == w.strip()
            else:
                try:
                    ok = same(c, w, True) if isfloat or isinstance(w, float) else int(c) == w
                except ValueError:
                    ok = False
            if not ok:
                bad.append("result.csv row %d %s: %r, capture %r" % (i + 1, name, c, w))
    for b in bad[:12]:
        print(b)
    if len(bad) > 12:
        print("... %d differences in all" % len(bad))
    if not bad:
        print("%d rows x %d fields (%d nulls) equal astropy's reading of the capture"
              % (len(wa), len(names), nulls) +
              ("; %d empty integer TDs of this VOTable %s are null (astropy reads 0)"
               % (len(empty_ints), ET.parse(capture).getroot().get("version"))
               if empty_ints else ""))
    return 1 if bad else 0


CORE = "http://www.ivoa.net/rdf/datalink/core#"
EXTS = {"image/fits": "fits", "application/fits": "fits", "image/jpeg": "jpg",
        "image/png": "png", "image/gif": "gif", "image/svg+xml": "svg",
        "application/x-votable+xml": "vot", "application/votable+xml": "vot",
        "text/xml": "xml", "application/xml": "xml", "text/csv": "csv",
        "text/tab-separated-values": "tsv", "text/plain": "txt", "text/html": "html",
        "application/xhtml+xml": "html", "application/pdf": "pdf",
        "application/json": "json", "application/x-tar": "tar", "application/gzip": "gz",
        "application/x-gzip": "gz", "application/zip": "zip", "application/x-hdf5": "hdf5"}


def link_ext(ctype):
    """the extension vofs.1 gives a link's content_type"""
    t = (ctype or "").split(";")[0].strip().lower()
    if t.startswith(("application/x-fits", "image/x-fits")):
        return "fits"
    if t in EXTS:
        return EXTS[t]
    return "xml" if t.endswith("+xml") else "json" if t.endswith("+json") else "bin"


def link_base(sem):
    """#this -> this, #preview and narrower -> preview, other core terms by
    name, custom terms by their fragment (else last path segment)"""
    sem = (sem or "").strip()
    if sem.startswith(CORE):
        sem = "#" + sem[len(CORE):]
    if sem.startswith("#"):
        term = sem[1:]
        return "preview" if term.split("-")[0] == "preview" else term or "link"
    tail = sem.rsplit("#", 1)[-1] if "#" in sem else sem.rstrip("/").rsplit("/", 1)[-1]
    return tail or "link"


def text(v):
    """a pyvo/astropy cell as links.csv writes it (null: empty)"""
    import numpy as np
    if v is None or v is np.ma.masked:
        return ""
    if isinstance(v, bytes):
        v = v.decode("utf-8")
    if isinstance(v, (np.integer, int)) and not isinstance(v, bool):
        return str(int(v))
    return str(v)


def cmd_links(capture, did, d):
    import os
    import numpy as np
    from astropy.io.votable import parse
    from pyvo.dal.adhoc import DatalinkResults
    dl = DatalinkResults(parse(capture, verify="ignore"))
    fields = list(dl.fieldnames)
    arr = dl.resultstable.array
    # the rows as dicts of text, masked cells (nulls) as ""
    rows_all = [{k: "" if np.ma.getmaskarray(arr[k])[i] else text(arr[k][i])
                 for k in fields} for i in range(len(arr))]
    want = [r for r in rows_all if r["ID"] == did]
    bad = []
    if not want:
        bad.append("the capture has no row of ID %r" % did)
    # files, named as vofs.1 says
    files, seen = {}, {}
    for r in want:
        if not r["access_url"] or r["error_message"] or r.get("service_def"):
            continue
        stem, ext = link_base(r["semantics"]), link_ext(r["content_type"])
        name = "%s.%s" % (stem, ext)
        if name in seen:
            seen[name] += 1
            name = "%s-%d.%s" % (stem, seen["%s.%s" % (stem, ext)], ext)
        else:
            seen[name] = 1
        files[name] = r
    got = sorted(os.listdir(d))
    if got != sorted(list(files) + ["links.csv"]):
        bad.append("listing %s, expected %s" % (got, sorted(list(files) + ["links.csv"])))
    for name, r in files.items():
        p = os.path.join(d, name)
        for attr, v in (("user.vo.url", r["access_url"]),
                        ("user.vo.semantics", r["semantics"])):
            try:
                g = os.getxattr(p, attr).decode()
            except OSError as e:
                g = "(%s)" % e.strerror
            if g != v:
                bad.append("%s %s: %r, capture %r" % (name, attr, g, v))
    # links.csv: the capture's columns, the rows of this ID
    with open(os.path.join(d, "links.csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != fields:
        bad.append("links.csv header %s, capture %s" % (rows[:1], fields))
    rows = rows[1:]
    if len(rows) != len(want):
        bad.append("links.csv has %d rows, the capture %d of ID %s" % (len(rows), len(want), did))
    errors = 0
    for i, (c, r) in enumerate(zip(rows, want)):
        rec = dict(zip(fields, c))
        errors += bool(r["error_message"])
        for k in ("ID", "access_url", "service_def", "error_message", "semantics",
                  "content_type", "content_length", "description"):
            if k not in fields:
                continue
            v = r[k]
            if k in ("access_url", "service_def", "semantics", "content_type"):
                v = v.strip()
            if rec.get(k, "") != v:
                bad.append("links.csv row %d %s: %r, capture %r" % (i + 1, k, rec.get(k), v))
    for b in bad[:12]:
        print(b)
    if not bad:
        print("%s: %d links: %d files (%s) + links.csv, %d error rows only in links.csv"
              % (did, len(want), len(files), " ".join(sorted(files)), errors))
    return 1 if bad else 0


def main(a):
    if a[1] == "tables":
        return cmd_tables(a[2], a[3])
    if a[1] == "columns":
        return cmd_columns(a[2], a[3], a[4])
    if a[1] == "result":
        return cmd_result(a[2], a[3], a[4])
    if a[1] == "links":
        return cmd_links(a[2], a[3], a[4])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
