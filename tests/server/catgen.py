"""Deterministic generator for the vofstest.cat catalogue.

Every row is a pure function of its id (no global RNG state), so tests can
recompute any expected value with ``row(id)`` without talking to the server:

    /usr/bin/python3 tests/server/catgen.py 1 5 17     # print rows as JSON

The DaCHS RD (q.rd) imports this module from its resource directory and yields
``rows()`` from an embeddedGrammar.

Layout (N = 100000 rows, ids 1..N):
  * ids 1..len(ODD_NAMES): names are the odd strings in ODD_NAMES (CSV/XML/
    unicode edge cases, one empty string, one NULL); all other names are
    "obj-%06d" % id.  uname (unicodeChar) = name, see ASTRAL_ID.
  * ids with id % 50 == 0 (2000 rows) lie within DENSE_RADIUS of
    (DENSE_RA, DENSE_DEC) = (150, 2); all others are spread uniformly over the
    whole sphere (about 8 of those also fall inside 1 degree of the centre).
  * NULLs: mag when id % 97 == 0, flux when id % 89 == 0, nobs when id % 83 == 0,
    the whole mags array when id % 1009 == 0; single NaN elements of mags when
    id % 71 == 0 (element id % 3).
  * A few fixed special values on low ids: see SPECIAL.

vofstest.det, the detections (``det_rows()``): every object within DET_RADIUS
(1 degree) of the dense centre (DET_NOBJ = 2004 objects: the 2000 dense ones
and 4 uniform ones) has DET_MIN..DET_MAX (3..8) detections, 11000-odd rows in
all; every other object has none.  Detection k (1..n) of object i has det_id
100 * i + k, epochs ascending with k, band g/r/i/z/y, mag near the object's
(also where cat.mag is NULL), and a position within 0.4 arcsec of it.  The
rows of cat are unchanged by this (their random streams are separate).

    /usr/bin/python3 tests/server/catgen.py --det 50 100   # detections as JSON
    /usr/bin/python3 tests/server/catgen.py --det-count     # objects, detections
"""

import json
import math
import sys

N = 100000
DENSE_RA = 150.0
DENSE_DEC = 2.0
DENSE_RADIUS = 0.98        # degrees; all dense rows are strictly inside 1 deg
DENSE_EVERY = 50           # id % DENSE_EVERY == 0 -> dense region

BS = chr(92)  # backslash (kept out of literals: DaCHS RDs treat it as macro syntax)

ODD_NAMES = [
    'with "double" quotes',                 # 1
    "comma, separated, value",              # 2
    "tab\there",                            # 3
    "line1\nline2",                         # 4
    "crlf\r\nline2",                        # 5
    "  leading and trailing spaces  ",      # 6
    "\u00c5str\u00f6m",                     # 7  Åström
    "\u5929\u4f53",                         # 8  天体
    "telescope \U0001F52D",                 # 9  🔭 (outside the BMP)
    "",                                     # 10 empty string
    None,                                   # 11 NULL
    "back" + BS + "slash",                  # 12 one backslash
    "<&>'\"",                               # 13 XML specials
    '"quoted start',                        # 14
    "trailing backslash" + BS,              # 15
    "NULL",                                 # 16 the literal string NULL
    " ",                                    # 17 a single space
    "e\u0301 combining accent",             # 18
    "\u03b1\u03b2\u03b3 greek",             # 19
    "semi;colon|pipe#hash",                 # 20
    "x" * 1000,                             # 21 long string
    "nan",                                  # 22
    "]]> cdata end",                        # 23
    "percent %s %d {} $HOME",               # 24
]

# uname is name with characters outside the BMP replaced by U+FFFD, except on
# row ASTRAL_ID: DaCHS 2.7 writes unicodeChar as UTF-16 with surrogate pairs in
# BINARY/BINARY2 but puts the number of *code points* in the length prefix, so
# the stream is corrupt from that row on (TABLEDATA and CSV are fine).
ASTRAL_ID = 99999
ASTRAL_UNAME = "astral \U0001F52D uname"

# fixed values for a few low ids (override the generated ones)
SPECIAL = {
    1: {"mag": 21.391468, "flux": 1.0e300, "nobs": 2147483647, "flag": 32767},
    2: {"mag": 0.1, "flux": 0.0, "nobs": -2147483647, "flag": -32767},
    3: {"mag": 1.0e-7, "flux": 5e-324, "nobs": 0, "flag": 0,
        "mags": [float("nan"), 1.5, float("nan")]},
    4: {"mag": -3.4028234663852886e38, "flux": 123456789.123456789, "nobs": 1},
    5: {"mag": None, "flux": None, "nobs": None, "mags": None},
}

MASK64 = (1 << 64) - 1


def _splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    z = x
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def _uniforms(i, n):
    """n deterministic uniforms in [0, 1) for row i."""
    out = []
    state = (i * 0x100000001B3) & MASK64
    for _ in range(n):
        state = _splitmix64(state)
        out.append((state >> 11) / float(1 << 53))
    return out


def position(i):
    u = _uniforms(i, 2)
    if i % DENSE_EVERY == 0:
        r = DENSE_RADIUS * math.sqrt(u[0])
        th = 2 * math.pi * u[1]
        dec = DENSE_DEC + r * math.sin(th)
        ra = DENSE_RA + r * math.cos(th) / math.cos(math.radians(dec))
    else:
        ra = 360.0 * u[0]
        dec = math.degrees(math.asin(2.0 * u[1] - 1.0))
    return round(ra, 9), round(dec, 9)


def row(i):
    """The row with id i as a dict (column name -> Python value)."""
    ra, dec = position(i)
    u = _uniforms(i + 7919 * N, 6)
    mag = round(14.0 + 10.0 * u[0], 6)          # e.g. 21.391468: not float32-exact
    flux = 10.0 ** (-0.4 * (mag - 23.9))        # microJansky-ish
    nobs = int(u[1] * 200)
    flag = int(u[2] * 16)
    mags = [round(mag + 1.2 * (u[3] - 0.3), 4), round(mag + 0.5 * (u[4] - 0.5), 4),
            round(mag - 0.4 * u[5], 4)]
    if i <= len(ODD_NAMES):
        name = ODD_NAMES[i - 1]
    else:
        name = "obj-%06d" % i
    if i % 97 == 0:
        mag = None
    if i % 89 == 0:
        flux = None
    if i % 83 == 0:
        nobs = None
    if i % 71 == 0:
        mags[i % 3] = float("nan")
    if i % 1009 == 0:
        mags = None
    uname = name
    if uname is not None:
        uname = "".join(c if ord(c) < 0x10000 else "\ufffd" for c in uname)
    if i == ASTRAL_ID:
        uname = ASTRAL_UNAME
    r = {"id": i, "ra": ra, "dec": dec, "mag": mag, "flux": flux, "nobs": nobs,
         "flag": flag, "name": name, "uname": uname, "mags": mags}
    r.update(SPECIAL.get(i, {}))
    return r


def rows(n=N):
    for i in range(1, n + 1):
        yield row(i)


# ---------------------------------------------------------------- detections
DET_RADIUS = 1.0           # degrees around (DENSE_RA, DENSE_DEC)
DET_MIN, DET_MAX = 3, 8    # detections per object
DET_NOBJ = 2004            # objects within DET_RADIUS (checked by --det-count)
DET_BANDS = "grizy"
DET_BAND_OFFSET = {"g": 0.45, "r": 0.0, "i": -0.2, "z": -0.3, "y": -0.35}
DET_MJD0, DET_MJD_SPAN = 55197.0, 1500.0
_DET_SEED = 2 * 7919 * N   # random streams of the detections start here


def separation(ra1, dec1, ra2, dec2):
    """Great-circle distance in degrees (haversine)."""
    r1, d1, r2, d2 = map(math.radians, (ra1, dec1, ra2, dec2))
    h = (math.sin((d2 - d1) / 2) ** 2
         + math.cos(d1) * math.cos(d2) * math.sin((r2 - r1) / 2) ** 2)
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def det_objects(n=N):
    """Ids of the objects that have detections, ascending."""
    for i in range(1, n + 1):
        ra, dec = position(i)
        if (i % DENSE_EVERY == 0
                or separation(ra, dec, DENSE_RA, DENSE_DEC) < DET_RADIUS):
            yield i


def ndet(i):
    """Number of detections of object i (which must be in det_objects)."""
    u = _uniforms(_DET_SEED + 16 * i, 1)[0]
    return DET_MIN + int(u * (DET_MAX - DET_MIN + 1))


def detections(i):
    """The detections of object i (in det_objects) as dicts, by det_id."""
    ra, dec = position(i)
    base = round(14.0 + 10.0 * _uniforms(i + 7919 * N, 1)[0], 6)  # mag before NULLs
    n = ndet(i)
    mjds = sorted(_uniforms(_DET_SEED + 16 * i + 15, n))
    out = []
    for k in range(1, n + 1):
        u = _uniforms(_DET_SEED + 16 * i + k, 6)
        band = DET_BANDS[int(u[0] * len(DET_BANDS))]
        err = round(0.01 + 0.04 * u[1], 4)
        noise = (u[2] + u[3] - 1.0) * 2.0 * err
        ddec = (u[5] - 0.5) * 0.5 / 3600.0
        dra = (u[4] - 0.5) * 0.5 / 3600.0 / math.cos(math.radians(dec))
        out.append({
            "det_id": 100 * i + k, "obj_id": i,
            "mjd": round(DET_MJD0 + DET_MJD_SPAN * mjds[k - 1], 6),
            "band": band,
            "mag": round(base + DET_BAND_OFFSET[band] + noise, 4),
            "mag_err": err,
            "ra": round(ra + dra, 9), "dec": round(dec + ddec, 9)})
    return out


def det_rows(n=N):
    for i in det_objects(n):
        for d in detections(i):
            yield d


PHOT_PER_OBJ = 3


def phot_rows(n=N):
    """vofstest.phot: forced photometry, PHOT_PER_OBJ epochs of every
    object of vofstest.cat (300,000 rows for the 100,000 objects): a large
    table for joins with uploaded id lists.  phot_id = 10 * obj_id + k,
    epoch k (1..3), flux a pure function of both."""
    for i in range(1, n + 1):
        for k in range(1, PHOT_PER_OBJ + 1):
            yield {"phot_id": 10 * i + k, "obj_id": i, "epoch": k,
                   "flux": 100.0 + ((i * 7919 + k * 104729) % 10000) / 100.0}


def _main(argv):
    if argv[1:2] == ["--det-count"]:
        objs = list(det_objects())
        print(len(objs), sum(ndet(i) for i in objs))
        return
    if argv[1:2] == ["--det"]:
        for i in [int(a) for a in argv[2:]] or [50]:
            for d in detections(i):
                print(json.dumps(d))
        return
    ids = [int(a) for a in argv[1:]] or [1, 2, 3]
    for i in ids:
        print(json.dumps(row(i), ensure_ascii=False))


if __name__ == "__main__":
    _main(sys.argv)
