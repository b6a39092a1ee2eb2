#!/usr/bin/python3
"""Write the deterministic FITS images of the vofs test archive.

    /usr/bin/python3 mkimages.py OUTDIR        # writes OUTDIR/img-0001.fits ...
    /usr/bin/python3 mkimages.py --list        # print obs_id, centre, footprint

Needs Debian's python3-astropy (hence /usr/bin/python3).  50 images, 64x64
float32 pixels, TAN projection, 3.6 arcsec/pixel (0.064 deg on a side):

  img-0001..0020  dense field: img-0001 centred on (150, 2), the others within
                  0.8 deg of it
  img-0021..0030  a row at Dec -30, RA 200..209 (1 deg apart): the polygon
                  (199 -31, 205.5 -31, 205.5 -29, 199 -29) contains exactly
                  img-0021..img-0026
  img-0031..0048  spread over the sky (Fibonacci lattice)
  img-0049        at RA 359.99, Dec 0 (footprint crosses RA = 0)
  img-0050        at RA 45, Dec 89.98 (footprint touches the pole region)
"""

import math
import os
import sys

NPIX = 64
PIXDEG = 0.001          # degrees per pixel
FILTERS = [             # name, wavemin, wavemax (metres)
    ("g", 4.0e-7, 5.5e-7),
    ("r", 5.5e-7, 7.0e-7),
    ("i", 7.0e-7, 8.5e-7),
]
POLYGON = [(199.0, -31.0), (205.5, -31.0), (205.5, -29.0), (199.0, -29.0)]


def centres():
    """list of (obs_id, object, ra, dec)"""
    out = [("img-0001", "dense", 150.0, 2.0)]
    # 19 more in the dense field on a deterministic spiral, r <= 0.8 deg
    for k in range(1, 20):
        r = 0.8 * math.sqrt(k / 19.0)
        th = k * 2.399963229728653     # golden angle
        dec = 2.0 + r * math.sin(th)
        ra = 150.0 + r * math.cos(th) / math.cos(math.radians(dec))
        out.append(("img-%04d" % (k + 1), "dense", round(ra, 6), round(dec, 6)))
    for k in range(10):
        out.append(("img-%04d" % (21 + k), "strip", 200.0 + k, -30.0))
    n = 18
    for k in range(n):
        z = 1 - (2 * k + 1) / float(n)
        dec = math.degrees(math.asin(z))
        ra = (k * 137.50776405003785) % 360.0
        out.append(("img-%04d" % (31 + k), "sky", round(ra, 6), round(dec, 6)))
    out.append(("img-0049", "seam", 359.99, 0.0))
    out.append(("img-0050", "pole", 45.0, 89.98))
    return out


def make_hdu(idx, obs_id, obj, ra, dec):
    import numpy
    from astropy.io import fits
    from astropy.wcs import WCS

    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [(NPIX + 1) / 2.0, (NPIX + 1) / 2.0]
    w.wcs.cdelt = [-PIXDEG, PIXDEG]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.radesys = "ICRS"
    w.wcs.equinox = 2000.0
    w.array_shape = (NPIX, NPIX)
    foot = w.calc_footprint(center=False)   # outer pixel edges, 4 corners

    y, x = numpy.mgrid[0:NPIX, 0:NPIX].astype(numpy.float64)
    sx = 10 + (idx * 7) % 44
    sy = 10 + (idx * 13) % 44
    data = (100.0 + 0.25 * x + 0.125 * y
            + 1000.0 * numpy.exp(-((x - sx) ** 2 + (y - sy) ** 2) / 8.0))
    data = data.astype(numpy.float32)

    hdr = w.to_header()
    fname, wmin, wmax = FILTERS[idx % len(FILTERS)]
    mjd = 60000.0 + idx * 1.25
    hdr["OBS_ID"] = (obs_id, "observation identifier")
    hdr["OBJECT"] = (obj, "field name")
    hdr["FILTER"] = (fname, "filter")
    hdr["WAVEMIN"] = (wmin, "[m] band lower limit")
    hdr["WAVEMAX"] = (wmax, "[m] band upper limit")
    hdr["MJD-OBS"] = (mjd, "exposure start (MJD)")
    hdr["EXPTIME"] = (300.0 + 60.0 * (idx % 3), "[s] exposure time")
    hdr["TELESCOP"] = "vofs test facility"
    hdr["INSTRUME"] = "synthcam"
    hdr["BUNIT"] = "count"
    hdr["FOVDIAG"] = (round(NPIX * PIXDEG * math.sqrt(2), 6), "[deg] diagonal")
    for i, (cra, cdec) in enumerate(foot):
        hdr["FPRA%d" % (i + 1)] = (round(float(cra) % 360.0, 9), "[deg] corner RA")
        hdr["FPDE%d" % (i + 1)] = (round(float(cdec), 9), "[deg] corner Dec")
    return fits.PrimaryHDU(data=data, header=hdr)


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for obs_id, obj, ra, dec in centres():
            print(obs_id, obj, ra, dec)
        return 0
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    for idx, (obs_id, obj, ra, dec) in enumerate(centres(), 1):
        hdu = make_hdu(idx, obs_id, obj, ra, dec)
        hdu.writeto(os.path.join(outdir, obs_id + ".fits"), overwrite=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
