#!/usr/bin/python3
"""Have astropy compare the CSV-to-VOTable converter with its own CSV reading.

    upload_check.py CSV2VOT FIXTURE_DIR OUT_DIR

For each FIXTURE_DIR/*.csv, csv2vot (vo/upload.c) writes OUT_DIR/<name>.vot.
astropy then reads the CSV with Table.read(format="csv") and the VOTable
with astropy.io.votable (no warning allowed), and per column, by position:
  - the names are equal (a blank CSV name is col<N> here, see vo/upload.h);
  - the kinds are equal: integer (VOTable long), float (double), string
    (char/unicodeChar);
  - row by row, the masks and the values are equal; a NaN that astropy
    reads from the CSV is a null in the VOTable (VOTable's NaN is null).
    astropy's VOTable reader has two ways of its own with strings, allowed
    for: it masks no empty string (a null <TD/> comes back as ""; DaCHS
    reads it as NULL), and it strips white space, line breaks too, from
    both ends of a TD (DaCHS keeps them); the C unit test checks them on
    vo/votable.c's reading.  W03 (an ID made up from a name that is no XML
    name, such as "a&b") is allowed: a FIELD needs no ID.
The differences vo/upload.h documents are listed in DIFFERS below: for
those columns the script checks that astropy still differs as described
(so the header comment stays true) instead of comparing.
Exit status 77 (skip) when astropy is missing.
"""
import glob
import math
import os
import subprocess
import sys
import warnings

try:
    import numpy as np
    from astropy.io.votable import parse
    from astropy.table import Table
    import astropy
except ImportError as e:  # pragma: no cover
    print("SKIP: astropy is not available (%s); install python3-astropy" % e)
    sys.exit(77)

# (file, column position from 0): (kind astropy gives, why it differs)
DIFFERS = {
    ("differs.csv", 0): ("float", "astropy's C reader takes 0x10 as the float 16.0"),
    ("differs.csv", 3): ("float", "astropy's C reader takes nan(1) as a NaN"),
    ("differs.csv", 4): ("float", "astropy's C reader takes infinit as inf"),
}

failures = 0


def fail(msg):
    global failures
    failures += 1
    print("FAILED: " + msg)


def kind(dtype):
    return {"i": "int", "u": "int", "f": "float", "U": "str", "S": "str",
            "O": "str"}.get(dtype.kind, dtype.kind)


def cells(col):
    """(masked, value) per row of an astropy column."""
    mask = np.ma.getmaskarray(col)
    out = []
    for m, v in zip(mask, np.ma.getdata(col)):
        if isinstance(v, bytes):
            v = v.decode("utf-8")
        if hasattr(v, "item"):
            v = v.item()
        out.append((bool(m), None if m else v))
    return out


def csv_names(path):
    """The header names as the CSV has them (stripped, BOM dropped)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        import csv
        return [n.strip(" \t") for n in next(csv.reader(f))]


def same(a, b):
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def check(tool, src, outdir):
    base = os.path.basename(src)
    out = os.path.join(outdir, base[:-4] + ".vot")
    r = subprocess.run([tool, src, out, "t"], capture_output=True, text=True)
    if r.returncode:
        fail("%s: csv2vot failed: %s" % (base, r.stderr.strip()))
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ref = Table.read(src, format="csv")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        vot = parse(out, verify="warn")
    for w in caught:
        if "W03" in str(w.message):
            continue
        fail("%s: astropy warns about the VOTable: %s" % (base, w.message))
    got = vot.get_first_table().to_table(use_names_over_ids=True)
    if len(got.colnames) != len(ref.colnames):
        fail("%s: %d columns, astropy reads %d" % (base, len(got.colnames), len(ref.colnames)))
        return
    if len(got) != len(ref):
        fail("%s: %d rows, astropy reads %d" % (base, len(got), len(ref)))
        return
    names = csv_names(src)
    before = failures
    compared = 0
    for i, (a, b) in enumerate(zip(got.colnames, ref.colnames)):
        want_name = names[i] if names[i] else "col%d" % (i + 1)
        if a != want_name:
            fail("%s: column %d is named %r, expected %r" % (base, i + 1, a, want_name))
        if names[i] and b.lstrip("\ufeff") != names[i]:
            fail("%s: astropy names column %d %r, the CSV %r" % (base, i + 1, b, names[i]))
        ka, kb = kind(got[a].dtype), kind(ref[b].dtype)
        if (base, i) in DIFFERS:
            want, why = DIFFERS[(base, i)]
            if kb != want or ka != "str":
                fail("%s: column %s: documented difference (%s) no longer holds:"
                     " astropy %s, here %s" % (base, a, why, kb, ka))
            continue
        if ka != kb:
            fail("%s: column %s is %s, astropy reads %s" % (base, a, ka, kb))
            continue
        for r, ((ma, va), (mb, vb)) in enumerate(zip(cells(got[a]), cells(ref[b]))):
            if kb == "float" and not mb and math.isnan(vb):
                mb, vb = True, None       # NaN is null in VOTable
            if kb == "str":               # astropy's VOTable reader, see above
                mb, vb = False, "" if mb else vb.strip()
            if ma != mb or (not ma and not same(va, vb)):
                fail("%s: row %d column %s: %r, astropy reads %r from the CSV"
                     % (base, r + 1, a, None if ma else va, None if mb else vb))
        compared += 1
    if failures == before:
        print("%s: %d columns x %d rows agree with astropy %s (%d documented differences)"
              % (base, compared, len(ref), astropy.__version__,
                 len(got.colnames) - compared))


def main():
    tool, fixdir, outdir = sys.argv[1:4]
    os.makedirs(outdir, exist_ok=True)
    srcs = sorted(glob.glob(os.path.join(fixdir, "*.csv")))
    if not srcs:
        fail("no fixtures in %s" % fixdir)
    for src in srcs:
        check(tool, src, outdir)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
