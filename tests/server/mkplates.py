#!/usr/bin/python3
"""Write the deterministic plates (FITS images served through DataLink/SODA)
of the vofs test archive, with a PNG preview for each.

    /usr/bin/python3 mkplates.py OUTDIR     # OUTDIR/plates/*.fits, OUTDIR/previews/*.png
    /usr/bin/python3 mkplates.py --list     # obs_id, size, centre, footprint
    /usr/bin/python3 mkplates.py --footprint  # the FFI footprint as ADQL POLYGON

Needs Debian's python3-astropy and numpy (hence /usr/bin/python3).

  ffi-0001          2048x2048 float32 (16 MiB), TAN, 3.515625"/pixel, exactly
                    2 deg on a side, centred on (156, 48); its footprint holds
                    the 120 in-footprint light curves of mklightcurves.py
  plate-0001..0004  512x512 float32, 1.8"/pixel (0.256 deg), around (156, 48):
                    plate-0001 is centred on (156.0, 48.15), so the cutout
                    CIRCLE 156.01 48.15 0.05 lies inside it (and inside the FFI)
  plate-0005..0012  256x256 float32, 3.6"/pixel (0.256 deg), elsewhere:
                    plate-0011 straddles RA 0, plate-0012 is near the pole

Pixel values: background + a gradient + Gaussian stars + seeded noise.
Previews: 8-bit greyscale PNG, 256 pixels on the long side (block means,
asinh stretch), written with zlib only so that they are byte-reproducible.
"""

import math
import os
import struct
import sys
import zlib

FFI = ("ffi-0001", "ffi", 156.0, 48.0, 2048, 2.0 / 2048)
PLATES = [FFI] + [
    ("plate-0001", "ursa-major", 156.0, 48.15, 512, 0.0005),
    ("plate-0002", "ursa-major", 156.2, 48.05, 512, 0.0005),
    ("plate-0003", "ursa-major", 155.85, 47.9, 512, 0.0005),
    ("plate-0004", "ursa-major", 156.1, 48.3, 512, 0.0005),
    ("plate-0005", "m31", 10.6847, 41.2690, 256, 0.001),
    ("plate-0006", "orion", 83.8221, -5.3911, 256, 0.001),
    ("plate-0007", "centaurus", 201.365, -43.019, 256, 0.001),
    ("plate-0008", "galactic-centre", 266.417, -29.008, 256, 0.001),
    ("plate-0009", "dense", 150.0, 2.0, 256, 0.001),
    ("plate-0010", "south", 30.0, -60.0, 256, 0.001),
    ("plate-0011", "seam", 359.95, 10.0, 256, 0.001),
    ("plate-0012", "pole", 120.0, 89.5, 256, 0.001),
]
FILTERS = [("g", 4.0e-7, 5.5e-7), ("r", 5.5e-7, 7.0e-7), ("i", 7.0e-7, 8.5e-7)]
PREVIEW_SIZE = 256


def make_wcs(ra, dec, npix, pixdeg):
    from astropy.wcs import WCS
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(npix + 1) / 2.0, (npix + 1) / 2.0]
    w.wcs.cdelt = [-pixdeg, pixdeg]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    w.array_shape = (npix, npix)
    return w


def footprint(ra, dec, npix, pixdeg):
    """4 corners (outer pixel edges) as [(ra, dec)], rounded to 1e-9 deg.
    TAN maps straight pixel lines to great circles, so the pgsphere polygon
    through these corners is exactly the image outline."""
    foot = make_wcs(ra, dec, npix, pixdeg).calc_footprint(center=False)
    return [(round(float(a) % 360.0, 9), round(float(d), 9)) for a, d in foot]


def ffi_wcs():
    _, _, ra, dec, npix, pixdeg = FFI
    return make_wcs(ra, dec, npix, pixdeg)


def ffi_footprint():
    _, _, ra, dec, npix, pixdeg = FFI
    return footprint(ra, dec, npix, pixdeg)


def make_data(idx, npix):
    import numpy
    rng = numpy.random.default_rng(1000 + idx)
    y, x = numpy.mgrid[0:npix, 0:npix].astype(numpy.float32)
    data = 100.0 + (20.0 / npix) * x + (10.0 / npix) * y
    nstars = 40 + npix * npix // 8000
    xs = rng.uniform(0, npix, nstars)
    ys = rng.uniform(0, npix, nstars)
    amps = 50.0 * rng.pareto(1.5, nstars) + 20.0
    sig = 1.2 + npix / 1024.0
    r = int(math.ceil(5 * sig))
    gy, gx = numpy.mgrid[-r:r + 1, -r:r + 1].astype(numpy.float32)
    for sx, sy, a in zip(xs, ys, amps):
        ix, iy = int(sx), int(sy)
        stamp = a * numpy.exp(-((gx - (sx - ix)) ** 2 + (gy - (sy - iy)) ** 2)
                              / (2 * sig * sig))
        x0, x1 = max(ix - r, 0), min(ix + r + 1, npix)
        y0, y1 = max(iy - r, 0), min(iy + r + 1, npix)
        data[y0:y1, x0:x1] += stamp[y0 - (iy - r):y1 - (iy - r),
                                    x0 - (ix - r):x1 - (ix - r)]
    data += rng.normal(0.0, 3.0, (npix, npix)).astype(numpy.float32)
    return data.astype(">f4")


def write_png(path, img):
    """img: 2-D uint8 numpy array (row 0 = top).  Greyscale PNG, zlib only."""
    h, w = img.shape
    raw = b"".join(b"\x00" + img[i].tobytes() for i in range(h))

    def chunk(tag, body):
        c = struct.pack(">I", len(body)) + tag + body
        return c + struct.pack(">I", zlib.crc32(tag + body) & 0xffffffff)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def make_preview(data):
    import numpy
    npix = data.shape[0]
    f = max(1, npix // PREVIEW_SIZE)
    small = data.astype(numpy.float64).reshape(
        npix // f, f, npix // f, f).mean(axis=(1, 3))
    lo, hi = numpy.percentile(small, [1.0, 99.7])
    s = numpy.clip((small - lo) / max(hi - lo, 1e-9), 0, 1)
    s = numpy.arcsinh(10 * s) / math.asinh(10)
    # FITS row 0 is the bottom; PNG row 0 the top
    return (s[::-1] * 255 + 0.5).astype(numpy.uint8)


def make_hdu(idx, obs_id, obj, ra, dec, npix, pixdeg):
    from astropy.io import fits
    w = make_wcs(ra, dec, npix, pixdeg)
    data = make_data(idx, npix)
    hdr = w.to_header()
    fname, wmin, wmax = FILTERS[idx % len(FILTERS)]
    hdr["OBS_ID"] = (obs_id, "observation identifier")
    hdr["OBJECT"] = (obj, "field name")
    hdr["FILTER"] = (fname, "filter")
    hdr["WAVEMIN"] = (wmin, "[m] band lower limit")
    hdr["WAVEMAX"] = (wmax, "[m] band upper limit")
    hdr["MJD-OBS"] = (60100.0 + idx * 0.75, "exposure start (MJD)")
    hdr["EXPTIME"] = (1800.0 if obs_id == FFI[0] else 600.0, "[s] exposure time")
    hdr["TELESCOP"] = "vofs test facility"
    hdr["INSTRUME"] = "platecam"
    hdr["BUNIT"] = "count"
    hdr["PIXSCALE"] = (round(pixdeg * 3600, 9), "[arcsec] pixel scale")
    hdr["FOVDIAG"] = (round(npix * pixdeg * math.sqrt(2), 6), "[deg] diagonal")
    for i, (cra, cdec) in enumerate(footprint(ra, dec, npix, pixdeg)):
        hdr["FPRA%d" % (i + 1)] = (cra, "[deg] corner RA")
        hdr["FPDE%d" % (i + 1)] = (cdec, "[deg] corner Dec")
    return fits.PrimaryHDU(data=data, header=hdr)


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for obs_id, obj, ra, dec, npix, pixdeg in PLATES:
            fp = " ".join("%.9f %.9f" % c for c in footprint(ra, dec, npix, pixdeg))
            print(obs_id, obj, ra, dec, "%dx%d" % (npix, npix), fp)
        return 0
    if len(argv) == 2 and argv[1] == "--footprint":
        print("POLYGON('ICRS', %s)" % ", ".join(
            "%.9f, %.9f" % c for c in ffi_footprint()))
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    os.makedirs(os.path.join(out, "plates"), exist_ok=True)
    os.makedirs(os.path.join(out, "previews"), exist_ok=True)
    for idx, (obs_id, obj, ra, dec, npix, pixdeg) in enumerate(PLATES, 1):
        hdu = make_hdu(idx, obs_id, obj, ra, dec, npix, pixdeg)
        hdu.writeto(os.path.join(out, "plates", obs_id + ".fits"), overwrite=True)
        write_png(os.path.join(out, "previews", obs_id + ".png"),
                  make_preview(hdu.data))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
