#!/usr/bin/python3
"""Checks of result.tbl for 16-ipac.sh.

  ipac_check.py same TBL CSV       astropy's IPAC reading of TBL equals its CSV
                                   reading of CSV: names, masks, values (line
                                   breaks in a string compare as spaces: IPAC
                                   rows are lines)
  ipac_check.py offsets FILE N     N reads at random offsets and sizes equal
                                   the whole file's bytes there
  ipac_check.py strip-tbl DB       drop the result.tbl section of every stored
                                   result's meta (as stored before result.tbl)
"""
import math
import os
import random
import sqlite3
import sys


def same(tbl, csv):
    from astropy.io import ascii
    t = ascii.read(tbl, format='ipac')
    c = ascii.read(csv, format='csv')
    bad = []
    if t.colnames != c.colnames:
        bad.append('names: %r != %r' % (t.colnames, c.colnames))
    if len(t) != len(c):
        bad.append('rows: %d != %d' % (len(t), len(c)))
    for name in c.colnames:
        if name not in t.colnames:
            continue
        a, b = t[name], c[name]
        bm_all = getattr(b, 'mask', None) is not None and bool(b.mask.all())
        # (a column of nulls only reads as numbers from CSV: no values to keep)
        if b.dtype.kind in 'if' and a.dtype.kind not in 'if' and not bm_all:
            bad.append('%s: CSV reads numbers (%s), IPAC %s' % (name, b.dtype, a.dtype))
        am, bm = getattr(a, 'mask', None), getattr(b, 'mask', None)
        for i in range(min(len(t), len(c))):
            ma = bool(am[i]) if am is not None else False
            mb = bool(bm[i]) if bm is not None else False
            if ma != mb:
                bad.append('%s row %d: masked %s in IPAC, %s in CSV (%r, %r)' % (name, i, ma, mb, a[i], b[i]))
                continue
            if ma:
                continue
            x, y = a[i], b[i]
            if isinstance(x, str) or isinstance(y, str):
                x, y = str(x), str(y)
                if '\n' in y or '\r' in y:
                    x, y = ' '.join(x.split()), ' '.join(y.split())
                ok = x == y
            else:
                ok = x == y or (math.isnan(x) and math.isnan(y))
            if not ok:
                bad.append('%s row %d: %r != %r' % (name, i, x, y))
    for line in bad[:20]:
        print(line)
    print('%d columns, %d rows, %d differences' % (len(c.colnames), len(c), len(bad)))
    return not bad


def offsets(path, n):
    whole = open(path, 'rb').read()
    if len(whole) != os.stat(path).st_size:
        print('read %d bytes, stat says %d' % (len(whole), os.stat(path).st_size))
        return False
    rnd = random.Random(13)
    fd = os.open(path, os.O_RDONLY)
    bad = 0
    for _ in range(n):
        off = rnd.randrange(0, len(whole) + 10)
        size = rnd.choice([1, 7, 100, 4096, 65536, 200000])
        got = os.pread(fd, size, off)
        if got != whole[off:off + size]:
            bad += 1
            if bad < 5:
                print('at %d (+%d): %r... != %r...' % (off, size, got[:40], whole[off:off + 40]))
    os.close(fd)
    print('%d of %d reads differ' % (bad, n))
    return bad == 0


def varint(b, p):
    r = shift = 0
    while True:
        ch = b[p]
        p += 1
        r |= (ch & 0x7f) << shift
        if not ch & 0x80:
            return r, p
        shift += 7


def strip_tbl(db):
    """fs/result.c's meta blob: nfields, 3 strings, 8 per field, services,
    flags, then the result.tbl section: cut it."""
    con = sqlite3.connect(db)
    n = 0
    for rid, meta in con.execute('SELECT rid, meta FROM results WHERE meta IS NOT NULL').fetchall():
        b = bytes(meta)
        nf, p = varint(b, 0)
        for _ in range(3 + 8 * nf + 1):
            ln, p = varint(b, p)
            p += ln
        _, p = varint(b, p)   # flags
        if p < len(b):
            con.execute('UPDATE results SET meta=? WHERE rid=?', (b[:p], rid))
            n += 1
    con.commit()
    print('%d results stripped' % n)
    return n > 0


if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'same':
        ok = same(sys.argv[2], sys.argv[3])
    elif cmd == 'offsets':
        ok = offsets(sys.argv[2], int(sys.argv[3]))
    elif cmd == 'strip-tbl':
        ok = strip_tbl(sys.argv[2])
    else:
        sys.exit(__doc__)
    sys.exit(0 if ok else 1)
