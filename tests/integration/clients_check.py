#!/usr/bin/python3
"""Comparisons for tests/integration/06-clients.sh (run with /usr/bin/python3,
which has Debian's astropy and numpy).

  clients_check.py fits MOUNTED DIRECT
      astropy opens MOUNTED with memmap=True and with memmap=False: the same
      HDUs, header cards and data as DIRECT (opened without memmap); with
      memmap=True the mounted file must really be mapped (/proc/self/maps).
  clients_check.py ds9data DIRECT X Y W H  < output of `xpaget ds9 data image X Y W H no`
      every pixel of the block is there once and its value is what ds9
      prints for DIRECT's value at that pixel (C++ stream, 6 digits: '%g');
      X, Y are 1-based FITS pixel coordinates, astropy's array is [y-1, x-1]
      (data scaled by BSCALE/BZERO, as ds9 shows it).
  clients_check.py ds9fits DS9DUMP DIRECT
      the image ds9 holds (`xpaget ds9 fits`) has DIRECT's data and every
      keyword of DIRECT's header with the same value.
  clients_check.py stiltscsv SERVER.csv MOUNT.csv META.csv
      SERVER.csv: STILTS's CSV output of the server's VOTable; MOUNT.csv: its
      CSV output of the mount's result.csv read with ifmt=csv(header=true);
      META.csv: `cmd=meta ofmt=csv` of the server's VOTable.  Same column
      names, same row count, every cell the same up to what a CSV reader
      cannot know (listed in compare_cell).
  clients_check.py csvtypes VOTMETA.csv CSVMETA.csv
      the classes STILTS infers from result.csv are of the VOTable column's
      family: integers for short/int/long, floating point (or integers when
      all values are whole) for float/double, String for char and arrays;
      a column null throughout (STILTS: String of ElSize 0) has no type.
  clients_check.py votlint MOUNT.txt SERVER.txt
      votlint's messages on the mount's result.vot, without their positions,
      are all among those on the server's own TABLEDATA answer.
  clients_check.py tree MOUNTDIR [COPY...]
      every file of MOUNTDIR reads back exactly st_size bytes; each COPY has
      the same relative paths (files and directories) and byte-identical
      files; prints the totals that du must show:
      "files=N bytes=B blocks512=K".
"""
import csv
import math
import os
import re
import sys
import warnings

warnings.simplefilter("ignore")


def die(msg):
    print("DIFFERENCE:", msg)
    sys.exit(1)


# --- FITS ------------------------------------------------------------------------------

def cards(h):
    return [(c.keyword, c.value, c.comment) for c in h.cards]


def data_equal(a, b):
    import numpy as np
    if a is None or b is None:
        return a is None and b is None
    if a.dtype.names:   # a table: column by column, NaN equal to NaN
        if a.dtype.names != b.dtype.names or len(a) != len(b):
            return False
        for n in a.dtype.names:
            x, y = np.asarray(a[n]), np.asarray(b[n])
            if x.dtype.kind == "f":
                if not np.array_equal(x, y, equal_nan=True):
                    return False
            elif not np.array_equal(x, y):
                return False
        return True
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


def cmd_fits(mounted, direct):
    from astropy.io import fits
    with fits.open(direct, memmap=False) as d:
        dhdus = [(cards(h.header), None if h.data is None else h.data.copy()) for h in d]
    for mm in (True, False):
        with fits.open(mounted, memmap=mm) as m:
            if len(m) != len(dhdus):
                die(f"memmap={mm}: {len(m)} HDUs, direct file has {len(dhdus)}")
            for i, (h, (dc, dd)) in enumerate(zip(m, dhdus)):
                mc = cards(h.header)
                if mc != dc:
                    diff = [(x, y) for x, y in zip(mc, dc) if x != y][:3]
                    die(f"memmap={mm}: HDU {i} header differs ({len(mc)} vs {len(dc)} cards): {diff}")
                if not data_equal(h.data, dd):
                    die(f"memmap={mm}: HDU {i} data differs")
            if mm:
                real = os.path.realpath(mounted)
                with open("/proc/self/maps") as f:
                    maps = f.read()
                if real not in maps:
                    die("memmap=True: the mounted file is not mapped into the process")
    print(f"{os.path.basename(mounted)}: {len(dhdus)} HDUs equal with memmap True and False")


def cmd_ds9data(direct, x, y, w, h):
    from astropy.io import fits
    x, y, w, h = int(x), int(y), int(w), int(h)
    data = fits.getdata(direct)      # scaled by BSCALE/BZERO like ds9 shows it
    want = {(i, j) for i in range(x, x + w) for j in range(y, y + h)
            if 1 <= i <= data.shape[1] and 1 <= j <= data.shape[0]}
    seen = set()
    n = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        m = re.match(r"^(\d+),(\d+) = (\S+)$", line)
        if not m:
            die(f"unexpected ds9 output line {line!r}")
        i, j, v = int(m.group(1)), int(m.group(2)), m.group(3)
        if (i, j) in seen:
            die(f"pixel {i},{j} twice")
        seen.add((i, j))
        exp = "%g" % float(data[j - 1, i - 1])
        if v != exp:
            die(f"pixel {i},{j}: ds9 shows {v}, the direct file has {exp} ({data[j - 1, i - 1]!r})")
        n += 1
    if seen != want:
        die(f"ds9 gave pixels {sorted(seen)[:5]}..., expected {sorted(want)[:5]}... ({len(seen)} vs {len(want)})")
    print(f"{n} pixels from {x},{y} ({w}x{h}) equal")


def cmd_ds9fits(dump, direct):
    from astropy.io import fits
    import numpy as np
    with fits.open(dump) as a, fits.open(direct) as b:
        ha, hb = a[0].header, b[0].header
        for c in hb.cards:
            if c.keyword in ("", "COMMENT", "HISTORY"):
                continue
            if c.keyword not in ha or ha[c.keyword] != c.value:
                die(f"ds9's header has {c.keyword} = {ha.get(c.keyword)!r}, the direct file {c.value!r}")
        if not np.array_equal(a[0].data, b[0].data, equal_nan=True):
            die("ds9's image data differs from the direct file's")
        print(f"ds9 holds the direct file's {b[0].data.shape} data and header")


# --- STILTS ----------------------------------------------------------------------------

def read_csv(p):
    with open(p, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def read_meta(p):
    with open(p, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def num(s):
    try:
        return float(s)
    except ValueError:
        return None


def compare_cell(x, y, cls):
    """x: STILTS's rendering of the server's VOTable cell; y: of result.csv's."""
    import numpy as np
    if x == y:
        return True
    # STIL 4.1 reads CSV bytes as Latin-1: non-ASCII text comes out as the
    # UTF-8 bytes one by one
    try:
        if y.encode("latin-1").decode("utf-8") == x:
            return True
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    # a string of blanks only is read as an empty (null) cell
    if cls == "String" and x.strip() == "" and y == "":
        return True
    # arrays are their elements separated by one space in result.csv; STILTS
    # writes a float[] as "(a, b, c)"
    if cls.endswith("[]") and x == "(" + ", ".join(y.split(" ")) + ")":
        return True
    # numbers: CSV knows no float32/short, so the class can differ and with
    # it the way STILTS writes the same value
    a, b = num(x), num(y)
    if a is not None and b is not None:
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True
        if cls == "Float" and np.float32(a) == np.float32(b):
            return True
    return False


def cmd_stiltscsv(server, mount, meta):
    hs, rs = read_csv(server)
    hm, rm = read_csv(mount)
    cls = {m["Name"]: m["Class"] for m in read_meta(meta)}
    if hs != hm:
        die(f"column names: server {hs}, result.csv {hm}")
    if len(rs) != len(rm):
        die(f"rows: server {len(rs)}, result.csv {len(rm)}")
    n = 0
    for r, (a, b) in enumerate(zip(rs, rm)):
        if len(a) != len(b):
            die(f"row {r + 1}: {len(a)} vs {len(b)} cells")
        for name, x, y in zip(hs, a, b):
            if not compare_cell(x, y, cls.get(name, "String")):
                die(f"row {r + 1} column {name}: server {x!r}, result.csv {y!r}")
            n += 1
    print(f"{len(rs)} rows, {len(hs)} columns, {n} cells equal")


INTS = {"Byte", "Short", "Integer", "Long"}
FLOATS = {"Float", "Double"}


def cmd_csvtypes(votmeta, csvmeta):
    v = read_meta(votmeta)
    c = read_meta(csvmeta)
    if [m["Name"] for m in v] != [m["Name"] for m in c]:
        die(f"names {[m['Name'] for m in c]}")
    for a, b in zip(v, c):
        va, cb = a["Class"], b["Class"]
        if cb == "String" and b.get("ElSize") == "0":
            ok = True          # null throughout: nothing to infer a type from
        elif va in INTS:
            ok = cb in INTS
        elif va in FLOATS:
            ok = cb in FLOATS | INTS
        else:
            ok = cb == "String"
        if not ok:
            die(f"column {a['Name']}: VOTable class {va}, STILTS reads result.csv as {cb}")
        print(f"{a['Name']}: {va} -> {cb}")


def cmd_votlint(mount, server):
    def msgs(p):
        out = set()
        with open(p, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line:
                    out.add(re.sub(r"\(l\.\d+, c\.\d+\)", "", line))
        return out
    m, s = msgs(mount), msgs(server)
    extra = m - s
    if extra:
        die(f"votlint says of result.vot what it does not of the server's answer: {sorted(extra)[:5]}")
    print(f"{len(m)} kinds of votlint message, all also on the server's answer: {sorted(m)}")


# --- tree ------------------------------------------------------------------------------

def walk(root):
    out = {}
    for d, dirs, files in os.walk(root):
        for n in dirs:
            out[os.path.relpath(os.path.join(d, n), root)] = None
        for n in files:
            p = os.path.join(d, n)
            out[os.path.relpath(p, root)] = p
    return out


def cmd_tree(mount, *copies):
    m = walk(mount)
    files = nbytes = blocks = 0
    for rel, p in sorted(m.items()):
        if p is None:
            continue
        size = os.stat(p).st_size
        with open(p, "rb") as f:
            data = f.read()
        if len(data) != size:
            die(f"{rel}: st_size {size}, read {len(data)} bytes")
        files += 1
        nbytes += size
        blocks += (size + 511) // 512
        for c in copies:
            cp = os.path.join(c, rel)
            try:
                with open(cp, "rb") as f:
                    cd = f.read()
            except OSError as e:
                die(f"{cp}: {e}")
            if cd != data:
                die(f"{cp} differs from the mounted file ({len(cd)} vs {len(data)} bytes)")
    for c in copies:
        cm = walk(c)
        if set(cm) != set(m):
            die(f"{c}: paths differ: only in copy {sorted(set(cm) - set(m))[:5]}, "
                f"only in mount {sorted(set(m) - set(cm))[:5]}")
        for rel in m:
            if (m[rel] is None) != (cm[rel] is None):
                die(f"{c}/{rel}: file/directory mismatch")
    print(f"files={files} bytes={nbytes} blocks512={blocks}")


def main():
    cmds = {"fits": cmd_fits, "ds9data": cmd_ds9data, "ds9fits": cmd_ds9fits,
            "stiltscsv": cmd_stiltscsv, "csvtypes": cmd_csvtypes,
            "votlint": cmd_votlint, "tree": cmd_tree}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
