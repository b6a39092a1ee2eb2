#!/usr/bin/python3
"""Write the deterministic light curves (FITS BINTABLEs) of the vofs test
archive.

    /usr/bin/python3 mklightcurves.py OUTDIR   # OUTDIR/lc/lc-0001.fits ...
    /usr/bin/python3 mklightcurves.py --list   # file, obs_id, ra, dec, rows, inside

Needs Debian's python3-astropy and numpy (hence /usr/bin/python3).

130 files lc-0001.fits .. lc-0130.fits.  lc-0001..lc-0120 lie inside the
footprint of the FFI ffi-0001 (mkplates.py), at least 30 pixels (0.03 deg)
from its edges; lc-0121..lc-0130 lie outside it (6 within 0.4 deg of an
edge, 4 far away).  obs_id is the file name without .fits, except for three
in-footprint curves (see AWKWARD).

Primary HDU: header only (OBS_ID, OBJECT, RA_OBJ, DEC_OBJ, TSTART, TSTOP
[MJD], NROWS, ...).  HDU 1 "LIGHTCURVE": TIME (D, MJD), FLUX (E, e-/s),
FLUX_ERR (E), QUALITY (J) -- 20 bytes a row, 2-minute cadence,
75000..149193 rows, so files are 1.5 to 3.0 MB and all sizes differ.
"""

import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mkplates  # noqa: E402

N = 130
N_INSIDE = 120
CADENCE = 2.0 / 1440.0            # days
T0 = 60100.0                       # MJD of the first sample
AWKWARD = {
    11: "tic 1234/b",              # a slash
    12: ".lc-hidden",              # a leading dot
    13: "lc-0013-" + "".join(      # 300 characters
        "long-observation-identifier-%03d-" % k for k in range(10))[:292],
}


def nrows(i):
    # 130 distinct values in 75000..149193 (7919 is prime to 130)
    return 75000 + ((i * 7919) % N) * 575 + (i % 7) * 3


def obs_id(i):
    return AWKWARD.get(i, "lc-%04d" % i)


def positions():
    """list of (i, ra, dec, inside) for i = 1..N"""
    import numpy
    w = mkplates.ffi_wcs()
    npix = mkplates.FFI[4]
    rng = numpy.random.default_rng(4242)
    out = []
    # inside: pixel coordinates (0-based centres) 30 px from the edges
    px = rng.uniform(30, npix - 1 - 30, N_INSIDE)
    py = rng.uniform(30, npix - 1 - 30, N_INSIDE)
    ra, dec = w.all_pix2world(px, py, 0)
    for k in range(N_INSIDE):
        out.append((k + 1, round(float(ra[k]) % 360, 9), round(float(dec[k]), 9), True))
    # just outside: 100..400 pixels beyond one of the four edges
    near = [(-100, 700), (npix + 150, 300), (900, -250), (1500, npix + 400),
            (-300, -300), (npix + 200, npix + 120)]
    ra, dec = w.all_pix2world([p[0] for p in near], [p[1] for p in near], 0)
    for k in range(len(near)):
        out.append((N_INSIDE + k + 1, round(float(ra[k]) % 360, 9),
                    round(float(dec[k]), 9), False))
    far = [(150.0, 2.0), (156.0, 52.0), (160.0, 48.0), (336.0, -48.0)]
    for k, (a, d) in enumerate(far):
        out.append((N_INSIDE + len(near) + k + 1, a, d, False))
    return out


def make_hdul(i, ra, dec):
    import numpy
    from astropy.io import fits
    n = nrows(i)
    rng = numpy.random.default_rng(i)
    t = T0 + (i % 13) * 0.5 + numpy.arange(n, dtype=numpy.float64) * CADENCE
    base = 1000.0 + 37.0 * i
    period = 0.7 + 0.05 * i
    phase = ((t - T0) / period) % 1.0
    flux = base * (1.0 + 0.01 * numpy.sin(2 * math.pi * (t - T0) / (3.1 + 0.1 * i)))
    flux[phase < 0.02] *= 0.99                    # a transit
    err = numpy.sqrt(base) * (1.0 + 0.1 * rng.random(n))
    flux += rng.normal(0.0, 1.0, n) * err
    quality = numpy.zeros(n, dtype=numpy.int32)
    bad = rng.random(n) < 0.01
    quality[bad] = 1 << rng.integers(0, 12, int(bad.sum()))
    flux[quality == 8] = numpy.nan
    cols = [
        fits.Column(name="TIME", format="D", unit="d", array=t),
        fits.Column(name="FLUX", format="E", unit="e-/s", array=flux.astype(numpy.float32)),
        fits.Column(name="FLUX_ERR", format="E", unit="e-/s", array=err.astype(numpy.float32)),
        fits.Column(name="QUALITY", format="J", array=quality),
    ]
    tab = fits.BinTableHDU.from_columns(cols, name="LIGHTCURVE")
    tab.header["TIMESYS"] = "TDB"
    tab.header["TIMEUNIT"] = "d"
    ph = fits.PrimaryHDU()
    h = ph.header
    h["OBS_ID"] = (obs_id(i), "observation identifier")
    h["OBJECT"] = ("TIC %d" % (100000 + i * 37), "target")
    h["RA_OBJ"] = (ra, "[deg] target RA (ICRS)")
    h["DEC_OBJ"] = (dec, "[deg] target Dec (ICRS)")
    h["TSTART"] = (float(t[0]), "[d] first sample (MJD)")
    h["TSTOP"] = (float(t[-1]) + CADENCE, "[d] end of last sample (MJD)")
    h["EXPOSURE"] = (round(n * CADENCE * 86400.0, 3), "[s] total exposure")
    h["CADENCE"] = (CADENCE * 86400.0, "[s] sampling interval")
    h["NROWS"] = (n, "samples")
    h["WAVEMIN"] = (6.0e-7, "[m] band lower limit")
    h["WAVEMAX"] = (1.0e-6, "[m] band upper limit")
    h["TELESCOP"] = "vofs test facility"
    h["INSTRUME"] = "photcam"
    return fits.HDUList([ph, tab])


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for i, ra, dec, inside in positions():
            print("lc-%04d.fits" % i, repr(obs_id(i)), ra, dec, nrows(i),
                  "inside" if inside else "outside")
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = os.path.join(argv[1], "lc")
    os.makedirs(out, exist_ok=True)
    for i, ra, dec, inside in positions():
        make_hdul(i, ra, dec).writeto(os.path.join(out, "lc-%04d.fits" % i),
                                      overwrite=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
