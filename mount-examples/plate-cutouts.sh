#!/bin/bash
# ObsCore images around a position, through DataLink: each image is a
# directory with this.fits (#this), preview.png (#preview), links.csv,
# and cutout.fits, a SODA cutout of the region written to the query's
# `cutout` file.  Open any of them in ds9 or astropy from the mount path.
. "$(dirname "$0")/common.sh"

RA=156.01 DEC=48.15 R=0.05
if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	WHERE="obs_collection = 'vofsplates'"
else
	SVC=gavo URL=https://dc.g-vo.org/tap
	WHERE="dataproduct_type = 'image' AND access_format LIKE '%datalink%'"
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries

echo "images covering ($RA, $DEC)"
mkdir -p "$Q/plates"
cat > "$Q/plates/query.adql" <<ADQL
SELECT TOP 20 obs_id, obs_publisher_did, access_url, access_format, s_ra, s_dec
FROM ivoa.obscore
WHERE $WHERE AND 1 = CONTAINS(POINT('ICRS', $RA, $DEC), s_region)
ADQL
wait_query "$Q/plates"
echo "CIRCLE $RA $DEC $R" > "$Q/plates/cutout"
ls "$Q/plates/products"
n=0
for d in "$Q/plates/products"/*/; do
	name=$(basename "$d")
	echo "  $name: $(ls "$d" | tr '\n' ' ')"
	[ -e "$d/cutout.fits" ] || continue
	cp "$d/cutout.fits" "$OUT/$name-cutout.fits"
	for p in "$d"/preview.*; do [ -e "$p" ] && cp "$p" "$OUT/$name-$(basename "$p")"; done
	n=$((n + 1))
done
echo "  $n cutouts -> $OUT"
[ "$n" -gt 0 ]
# the cutouts are FITS images whose WCS covers the circle
/usr/bin/python3 - "$RA" "$DEC" "$OUT"/*-cutout.fits <<'PY'
import sys
from astropy.io import fits
from astropy.wcs import WCS
ra, dec = float(sys.argv[1]), float(sys.argv[2])
for f in sys.argv[3:]:
    with fits.open(f) as h:
        hdu = next(x for x in h if x.data is not None)
        x, y = WCS(hdu.header).all_world2pix([[ra, dec]], 0)[0]
        ny, nx = hdu.data.shape
        assert 0 <= x < nx and 0 <= y < ny, (f, x, y)
        print("  %s: %dx%d, centre at pixel (%.1f, %.1f)" % (f.rsplit("/", 1)[1], nx, ny, x, y))
PY
