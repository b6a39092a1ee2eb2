#!/bin/bash
# Cross-match a local target list with a catalogue, then fetch the images of
# the matched objects through DataLink -- no Python, no pyvo, no temporary
# VOTables: the list is copied into the query's upload/ directory, and the
# second query takes the first one's result by a symbolic link.
#
#   1. targets.csv (name, ra, dec) -> queries/match/upload/targets.csv; the
#      query joins TAP_UPLOAD.targets with the catalogue within 5 arcsec;
#   2. queries/images/upload/matches.vot -> ../../match/result.vot; the query
#      joins the matches with ivoa.obscore (images whose footprint holds a
#      match);
#   3. rsync -a of images/products/: each image's #this file (a DataLink
#      document per row, resolved by vofs), checked to cover a match.
# Editing targets.csv (or re-running match) marks images STALE; reading its
# result runs the chain again.
#
# Real default: the GAVO data centre (gaia.dr3lite and its ObsCore table),
# not run from the CI machine (no network).  Under CI: the test archive's
# vofstest.cat and the vofsplates images.
. "$(dirname "$0")/common.sh"

if [ "$TEST_ARCHIVE" = 1 ]; then
	SVC=local URL=http://127.0.0.1:8080/tap
	CAT=vofstest.cat CAT_COLS="c.id, c.ra, c.dec, c.mag"
	IMG_WHERE="o.obs_collection = 'vofsplates'"
	# six targets about an arcsecond from catalogue objects, two far from any
	cat > "$OUT/targets.csv" <<CSV
name,ra,dec
T1,154.71240,48.14530
T2,156.88880,47.17320
T3,155.80730,48.80840
T4,156.80620,47.53260
T5,155.67640,47.35020
T6,157.30600,48.00520
T7,156.50000,48.50000
T8,155.00000,49.20000
CSV
	EXPECT=6
else
	SVC=gavo URL=https://dc.g-vo.org/tap
	CAT=gaia.dr3lite CAT_COLS="c.source_id, c.ra, c.dec, c.phot_g_mean_mag"
	IMG_WHERE="o.dataproduct_type = 'image' AND o.access_format LIKE '%datalink%'"
	# your own list: any CSV with a header, here three bright stars in M 67
	[ -s "${TARGETS:-}" ] && cp "$TARGETS" "$OUT/targets.csv" || cat > "$OUT/targets.csv" <<CSV
name,ra,dec
M67-a,132.8460,11.8140
M67-b,132.8250,11.8000
M67-c,132.8720,11.7780
CSV
	EXPECT=
fi
vo_mount "$SVC=$URL"
Q=$MNT/$SVC/queries

echo "step 1: $(($(wc -l < "$OUT/targets.csv") - 1)) targets joined with $CAT within 5 arcsec"
mkdir -p "$Q/match"
cp "$OUT/targets.csv" "$Q/match/upload/targets.csv"
cat > "$Q/match/query.adql" <<ADQL
SELECT t.name, $CAT_COLS,
       DISTANCE(POINT('ICRS', t.ra, t.dec), POINT('ICRS', c.ra, c.dec)) * 3600 AS sep_arcsec
FROM TAP_UPLOAD.targets AS t
JOIN $CAT AS c ON 1 = CONTAINS(POINT('ICRS', c.ra, c.dec), CIRCLE('ICRS', t.ra, t.dec, 5.0 / 3600))
ORDER BY t.name
ADQL
wait_query "$Q/match"
cp "$Q/match/result.csv" "$OUT/matches.csv"
n=$(rows "$OUT/matches.csv")
echo "  $n matches -> $OUT/matches.csv"
if [ -n "$EXPECT" ] && [ "$n" != "$EXPECT" ]; then
	echo "expected $EXPECT matches" >&2; exit 1
fi

echo "step 2: the images that hold a match (the matches uploaded by a link)"
mkdir -p "$Q/images"
ln -sf ../../match/result.vot "$Q/images/upload/matches.vot"
cat > "$Q/images/query.adql" <<ADQL
SELECT DISTINCT o.obs_id, o.obs_publisher_did, o.access_url, o.access_format, o.s_ra, o.s_dec
FROM ivoa.obscore AS o
JOIN TAP_UPLOAD.matches AS m ON 1 = CONTAINS(POINT('ICRS', m.ra, m.dec), o.s_region)
WHERE $IMG_WHERE
ADQL
wait_query "$Q/images"
nimg=$(rows "$Q/images/result.csv")
echo "  $nimg images"
[ "$nimg" -gt 0 ]

echo "step 3: rsync of their #this files"
rsync -a --include='*/' --include='this*' --exclude='*' "$Q/images/products/" "$OUT/images/"
find "$OUT/images" -type f | sed "s|^$OUT/|  |" | head -20
nf=$(find "$OUT/images" -type f -name 'this*' | wc -l)
echo "  $nf files"
[ "$nf" -gt 0 ]

# every FITS image copied covers at least one match (its WCS)
/usr/bin/python3 - "$OUT/matches.csv" $(find "$OUT/images" -type f -name 'this*.fits') <<'PY'
import csv, sys, warnings
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
warnings.simplefilter("ignore", FITSFixedWarning)
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
pos = [(float(r["ra"]), float(r["dec"])) for r in rows]
for f in sys.argv[2:]:
    with fits.open(f) as h:
        hdu = next(x for x in h if x.data is not None and x.data.ndim == 2)
        ny, nx = hdu.data.shape
        pix = WCS(hdu.header).all_world2pix(pos, 0)
        inside = [i for i, (x, y) in enumerate(pix) if 0 <= x < nx and 0 <= y < ny]
        assert inside, (f, "covers no match")
        print("  %s: %dx%d, holds %s" % (f.rsplit("/", 2)[-2], nx, ny,
                                         ", ".join(rows[i]["name"] for i in inside)))
PY

echo "step 4: a changed target list makes the images query stale; reading runs the chain again"
printf 'T9,157.55310,48.39190\n' >> "$Q/match/upload/targets.csv"
grep STALE "$Q/match/status" | sed 's/^/  match: /'
n2=$(rows "$Q/images/result.csv")   # runs match, then images
echo "  $(rows "$Q/match/result.csv") matches now, $n2 images"
if [ -n "$EXPECT" ] && [ "$(rows "$Q/match/result.csv")" != $((EXPECT + 1)) ]; then
	echo "expected $((EXPECT + 1)) matches after the edit" >&2; exit 1
fi
