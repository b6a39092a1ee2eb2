#!/usr/bin/python3
"""Compare what vofs serves with what the TAP server returns for the same query.

usage: compare.py TAP_URL ADQL RESULT.csv [RESULT.vot] [--maxrec N] [--format F]
                  [--server-vot FILE]

The server's answer is fetched directly (sync, VOTable) and parsed with
astropy; every cell of result.csv must hold the same value (floats the same
binary value, written in at most the digits the type needs), nulls must be
empty cells, and result.vot must parse with astropy to the same table.
Prints what was compared; exits 1 at the first difference (with the cell).
--server-vot FILE: the server's answer was fetched already (e.g. by curl
with a TAP_UPLOAD): compare with that VOTable instead of asking.
"""
import csv
import io
import math
import sys
import urllib.parse
import urllib.request
import warnings

import numpy as np
from astropy.io import votable

warnings.simplefilter("ignore")


def server_table(url, adql, maxrec, fmt=None):
    params = {"LANG": "ADQL", "QUERY": adql, "REQUEST": "doQuery"}
    if maxrec is not None:
        params["MAXREC"] = str(maxrec)
    if fmt:
        params["RESPONSEFORMAT"] = fmt
    data = urllib.parse.urlencode(params).encode()
    with urllib.request.urlopen(url + "/sync", data=data, timeout=600) as r:
        body = r.read()
    return votable.parse(io.BytesIO(body)).get_first_table()


def fail(msg):
    print("DIFFERENCE:", msg)
    sys.exit(1)


def scalar_equal(field, ours, val, where):
    dt = field.datatype
    if dt in ("float", "double"):
        got = np.float32(float(ours)) if dt == "float" else float(ours)
        exp = np.float32(val) if dt == "float" else float(val)
        if math.isnan(exp):
            return ours in ("", "NaN")
        if got != exp:
            fail(f"{where}: {ours!r} != {exp!r}")
        digits = len(ours.lower().split("e")[0].replace("-", "").replace(".", "").lstrip("0"))
        if digits > (9 if dt == "float" else 17):
            fail(f"{where}: {ours!r} has more digits than a {dt} needs")
        return True
    if dt in ("short", "int", "long", "unsignedByte"):
        if int(ours) != int(val):
            fail(f"{where}: {ours!r} != {val!r}")
        return True
    if dt == "boolean":
        if ours != ("T" if val else "F"):
            fail(f"{where}: {ours!r} != {val!r}")
        return True
    exp = val.decode() if isinstance(val, bytes) else str(val)
    if ours != exp:
        fail(f"{where}: {ours!r} != {exp!r}")
    return True


def main():
    args = sys.argv[1:]
    maxrec = None
    fmt = None
    if "--maxrec" in args:
        i = args.index("--maxrec")
        maxrec = int(args[i + 1])
        del args[i:i + 2]
    if "--format" in args:
        i = args.index("--format")
        fmt = args[i + 1]
        del args[i:i + 2]
    given = None
    if "--server-vot" in args:
        i = args.index("--server-vot")
        given = args[i + 1]
        del args[i:i + 2]
    url, adql, csv_path = args[:3]
    vot_path = args[3] if len(args) > 3 else None

    if given:
        t = votable.parse(given).get_first_table()
    else:
        t = server_table(url, adql, maxrec, fmt)
    fields = t.fields
    arr = t.array
    with open(csv_path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    names = [fl.name for fl in fields]
    if header != names:
        fail(f"header {header} != {names}")
    if len(body) != len(arr):
        fail(f"{len(body)} rows in result.csv, server sent {len(arr)}")
    cells = nulls = 0
    for i, row in enumerate(body):
        if len(row) != len(names):
            fail(f"row {i}: {len(row)} cells")
        for j, fl in enumerate(fields):
            val = arr[names[j]][i]
            masked = np.ma.is_masked(val)
            ours = row[j]
            where = f"row {i} column {names[j]}"
            cells += 1
            if fl.arraysize and fl.datatype not in ("char", "unicodeChar"):
                vals = np.ma.filled(np.ma.asarray(val).astype(float), np.nan).ravel()
                if masked and np.ma.asarray(val).mask.all():
                    if ours != "":
                        fail(f"{where}: null array written as {ours!r}")
                    nulls += 1
                    continue
                parts = ours.split(" ") if ours else []
                if len(parts) != len(vals):
                    fail(f"{where}: {ours!r} vs {vals}")
                for k, (p, v) in enumerate(zip(parts, vals)):
                    if math.isnan(v):
                        if p != "NaN":
                            fail(f"{where}[{k}]: {p!r} for NaN")
                    else:
                        scalar_equal(fl, p, v, f"{where}[{k}]")
                continue
            if masked or (fl.datatype in ("float", "double") and math.isnan(float(val))):
                if ours != "":
                    fail(f"{where}: null written as {ours!r}")
                nulls += 1
                continue
            scalar_equal(fl, ours, val, where)
    print(f"result.csv: {len(body)} rows, {cells} cells equal to the server's "
          f"({nulls} nulls)")

    if vot_path:
        ours = votable.parse(vot_path).get_first_table().array
        if len(ours) != len(arr):
            fail(f"result.vot has {len(ours)} rows, server {len(arr)}")
        for n in names:
            a, b = ours[n], arr[n]
            for i in range(len(arr)):
                x, y = a[i], b[i]
                mx, my = np.ma.is_masked(x), np.ma.is_masked(y)
                if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                    xa = np.ma.filled(np.ma.asarray(x).astype(float), np.nan)
                    ya = np.ma.filled(np.ma.asarray(y).astype(float), np.nan)
                    if not np.array_equal(xa, ya, equal_nan=True):
                        fail(f"result.vot row {i} {n}: {x!r} != {y!r}")
                    continue
                if mx or my:
                    if not (mx and my):
                        # a NaN float and a masked float are both null
                        fx = mx or (isinstance(x, float) and math.isnan(x))
                        fy = my or (isinstance(y, (float, np.floating)) and math.isnan(y))
                        if not (fx and fy):
                            fail(f"result.vot row {i} {n}: {x!r} != {y!r}")
                    continue
                if isinstance(y, (float, np.floating)) and math.isnan(y):
                    if not math.isnan(x):
                        fail(f"result.vot row {i} {n}: {x!r} != NaN")
                    continue
                if x != y:
                    # astropy strips blanks around TABLEDATA cells (even
                    # &#32;): blank-padded strings cannot survive its reading
                    # of any TABLEDATA; result.csv above checks them exactly
                    if isinstance(x, str) and isinstance(y, str) and x == y.strip():
                        continue
                    fail(f"result.vot row {i} {n}: {x!r} != {y!r}")
        print(f"result.vot: {len(ours)} rows equal to the server's")


if __name__ == "__main__":
    main()
