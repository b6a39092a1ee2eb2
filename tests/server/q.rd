<?xml version="1.0" encoding="utf-8"?>
<!-- vofs integration-test archive for GAVO DaCHS 2.7.
     Installed by tests/server/setup.sh into /var/gavo/inputs/vofstest/q.rd.
     Backslashes start DaCHS macros in this file: never write one literally
     in embedded code (use chr(92)). -->
<resource schema="vofstest" resdir=".">
  <meta name="creationDate">2024-01-01T00:00:00Z</meta>
  <meta name="title">vofs test archive</meta>
  <meta name="description">
    Synthetic data for the integration tests of vofs, a FUSE file system
    for IVOA TAP services: a deterministic 100000-row catalogue with
    awkward values (NULLs, NaNs, odd strings) and a small set of FITS
    images published to ObsCore.
  </meta>
  <meta name="subject">virtual-observatories</meta>
  <meta name="creator">vofs test suite</meta>
  <meta name="contentLevel">Research</meta>
  <meta name="type">Catalog</meta>
  <meta name="coverage.waveband">Optical</meta>

  <!-- ============================================================ catalogue -->
  <table id="cat" onDisk="True" adql="True" mixin="//scs#pgs-pos-index"
      primary="id">
    <meta name="description">
      Synthetic catalogue for vofs tests.  Rows are a pure function of id
      (see catgen.py).  2000 rows (id divisible by 50) lie within 1 degree
      of RA 150, Dec 2; names of ids 1 to 24 are deliberately awkward strings
      (quotes, commas, tabs, newlines, unicode, an empty string, a NULL).
    </meta>
    <column name="id" type="bigint" required="True"
      ucd="meta.id;meta.main" description="Row identifier, 1..N."/>
    <column name="ra" type="double precision" unit="deg"
      ucd="pos.eq.ra;meta.main" description="Right ascension (ICRS)."
      verbLevel="1"/>
    <column name="dec" type="double precision" unit="deg"
      ucd="pos.eq.dec;meta.main" description="Declination (ICRS)."
      verbLevel="1"/>
    <column name="mag" type="real" unit="mag"
      ucd="phot.mag;em.opt.R" description="Magnitude (float32; NULL when id
      is divisible by 97)."/>
    <column name="flux" type="double precision" unit="uJy"
      ucd="phot.flux.density;em.opt.R" description="Flux density derived from
      mag (NULL when id is divisible by 89)."/>
    <column name="nobs" type="integer" unit=""
      ucd="meta.number;obs" description="Number of observations (NULL when id
      is divisible by 83)."/>
    <column name="flag" type="smallint" unit=""
      ucd="meta.code.qual" description="Quality flags (never NULL)."
      required="True"/>
    <column name="name" type="text"
      ucd="meta.id" description="Object name; ids 1 to 24 carry edge-case
      strings."/>
    <column name="uname" type="unicode"
      ucd="meta.id" description="Same as name, but typed unicode (VOTable
      unicodeChar; DaCHS writes char columns as ASCII with '?' for
      everything else).  Characters outside the BMP are replaced by U+FFFD
      except on row 99999."/>
    <column name="mags" type="real[3]" unit="mag"
      ucd="phot.mag" description="Magnitudes in u, g, r (some elements NaN
      when id is divisible by 71; the whole array NULL when id is divisible
      by 1009)."/>
  </table>

  <data id="import_cat">
    <sources item="catalogue"/>
    <embeddedGrammar>
      <iterator>
        <code>
          import importlib.util, os
          path = os.path.join(self.grammar.rd.resdir, "catgen.py")
          spec = importlib.util.spec_from_file_location("vofs_catgen", path)
          catgen = importlib.util.module_from_spec(spec)
          spec.loader.exec_module(catgen)
          for r in catgen.rows():
            yield r
        </code>
      </iterator>
    </embeddedGrammar>
    <make table="cat">
      <rowmaker idmaps="*"/>
    </make>
  </data>

  <!-- ============================================================ detections
       Per-object detections (catgen.det_rows()): 3 to 8 for each of the
       2004 objects within 1 degree of (150, 2), none for the others.  The
       foreign key is declared for TAP_SCHEMA.keys only (metaOnly): no
       constraint ties the two tables together in PostgreSQL. -->
  <table id="det" onDisk="True" adql="True" primary="det_id">
    <meta name="description">
      Synthetic single-epoch detections of the objects of vofstest.cat
      within 1 degree of RA 150, Dec 2 (3 to 8 each; see catgen.py);
      obj_id is the id of the object in vofstest.cat.
    </meta>
    <foreignKey inTable="cat" source="obj_id" dest="id" metaOnly="True"/>
    <index columns="obj_id"/>
    <column name="det_id" type="bigint" required="True"
      ucd="meta.id;meta.main" description="Detection identifier,
      100 * obj_id + k for the object's k-th detection."/>
    <column name="obj_id" type="bigint" required="True"
      ucd="meta.id.cross" description="The object (vofstest.cat.id)."/>
    <column name="mjd" type="double precision" unit="d"
      ucd="time.epoch" description="Time of the exposure (MJD)."/>
    <column name="band" type="text"
      ucd="instr.bandpass" description="Filter: g, r, i, z or y."/>
    <column name="mag" type="real" unit="mag"
      ucd="phot.mag" description="PSF magnitude in band."/>
    <column name="mag_err" type="real" unit="mag"
      ucd="stat.error;phot.mag" description="Error of mag."/>
    <column name="ra" type="double precision" unit="deg"
      ucd="pos.eq.ra" description="Right ascension of the detection
      (ICRS)."/>
    <column name="dec" type="double precision" unit="deg"
      ucd="pos.eq.dec" description="Declination of the detection (ICRS)."/>
  </table>

  <data id="import_det">
    <sources item="detections"/>
    <embeddedGrammar>
      <iterator>
        <code>
          import importlib.util, os
          path = os.path.join(self.grammar.rd.resdir, "catgen.py")
          spec = importlib.util.spec_from_file_location("vofs_catgen", path)
          catgen = importlib.util.module_from_spec(spec)
          spec.loader.exec_module(catgen)
          for r in catgen.det_rows():
            yield r
        </code>
      </iterator>
    </embeddedGrammar>
    <make table="det">
      <rowmaker idmaps="*"/>
    </make>
  </data>

  <!-- ============================================================ phot
       Forced photometry (catgen.phot_rows()): 3 epochs for every object of
       vofstest.cat, 300000 rows: the large table uploads join with. -->
  <table id="phot" onDisk="True" adql="True" primary="phot_id">
    <meta name="description">
      Synthetic forced photometry: three epochs of every object of
      vofstest.cat (see catgen.py); obj_id is the id of the object.
    </meta>
    <foreignKey inTable="cat" source="obj_id" dest="id" metaOnly="True"/>
    <index columns="obj_id"/>
    <column name="phot_id" type="bigint" required="True"
      ucd="meta.id;meta.main" description="10 * obj_id + epoch."/>
    <column name="obj_id" type="bigint" required="True"
      ucd="meta.id.cross" description="The object (vofstest.cat.id)."/>
    <column name="epoch" type="integer" required="True"
      ucd="time.epoch" description="Epoch number, 1 to 3."/>
    <column name="flux" type="real" unit="uJy"
      ucd="phot.flux" description="Forced flux."/>
  </table>

  <data id="import_phot">
    <sources item="phot"/>
    <embeddedGrammar>
      <iterator>
        <code>
          import importlib.util, os
          path = os.path.join(self.grammar.rd.resdir, "catgen.py")
          spec = importlib.util.spec_from_file_location("vofs_catgen", path)
          catgen = importlib.util.module_from_spec(spec)
          spec.loader.exec_module(catgen)
          for r in catgen.phot_rows():
            yield r
        </code>
      </iterator>
    </embeddedGrammar>
    <make table="phot">
      <rowmaker idmaps="*"/>
    </make>
  </data>

  <!-- ============================================================ images
       Products table published to ivoa.obscore; access_url is the plain
       /getproduct/ URL of the file.  (The plates below show the DataLink
       variant.) -->
  <table id="images" onDisk="True" adql="True" mixin="//products#table">
    <meta name="description">
      Small synthetic 64x64 FITS images (one per row) with a celestial WCS;
      also published in ivoa.obscore (obs_collection 'vofstest').
    </meta>
    <mixin
      productType="'image'"
      collectionName="'vofstest'"
      calibLevel="2"
      obsId="obs_id"
      title="obs_title"
      ra="s_ra"
      dec="s_dec"
      fov="s_fov"
      coverage="s_region"
      tMin="t_min"
      tMax="t_max"
      expTime="t_exptime"
      emMin="em_min"
      emMax="em_max"
      targetName="target_name"
      facilityName="'vofs test facility'"
      instrumentName="'synthcam'"
      oUCD="'phot.count'"
      sXel1="naxis1"
      sXel2="naxis2"
      sPixelScale="s_pixel_scale"
    >//obscore#publish</mixin>

    <column name="obs_id" type="text" ucd="meta.id"
      description="Observation identifier (img-NNNN)." required="True"/>
    <column name="obs_title" type="text" ucd="meta.title"
      description="Human-readable title."/>
    <column name="target_name" type="text" ucd="meta.id;src"
      description="Target (field) name."/>
    <column name="s_ra" type="double precision" unit="deg"
      ucd="pos.eq.ra;meta.main" description="RA of image centre."/>
    <column name="s_dec" type="double precision" unit="deg"
      ucd="pos.eq.dec;meta.main" description="Dec of image centre."/>
    <column name="s_fov" type="real" unit="deg"
      ucd="phys.angSize;instr.fov" description="Field of view (diagonal)."/>
    <column name="s_region" type="spoly" unit="deg"
      ucd="pos.outline;obs.field" description="Footprint (corners)."/>
    <column name="s_pixel_scale" type="real" unit="arcsec"
      ucd="instr.scale" description="Pixel scale."/>
    <column name="t_min" type="double precision" unit="d"
      ucd="time.start;obs.exposure" description="Exposure start (MJD)."/>
    <column name="t_max" type="double precision" unit="d"
      ucd="time.end;obs.exposure" description="Exposure end (MJD)."/>
    <column name="t_exptime" type="real" unit="s"
      ucd="time.duration;obs.exposure" description="Exposure time."/>
    <column name="em_min" type="double precision" unit="m"
      ucd="em.wl;stat.min" description="Band lower limit."/>
    <column name="em_max" type="double precision" unit="m"
      ucd="em.wl;stat.max" description="Band upper limit."/>
    <column name="filter" type="text" ucd="instr.filter"
      description="Filter name."/>
    <column name="naxis1" type="integer" ucd="meta.number" required="True"
      description="Pixels along axis 1."/>
    <column name="naxis2" type="integer" ucd="meta.number" required="True"
      description="Pixels along axis 2."/>
  </table>

  <data id="import_images">
    <sources pattern="data/img-*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.images"</bind>
        <bind key="mime">"image/fits"</bind>
        <bind key="preview">None</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="images">
      <rowmaker>
        <map key="obs_id">@OBS_ID</map>
        <map key="obs_title">@OBJECT+" "+@FILTER+" "+@OBS_ID</map>
        <map key="target_name">@OBJECT</map>
        <map key="s_ra">float(@CRVAL1)</map>
        <map key="s_dec">float(@CRVAL2)</map>
        <map key="s_fov">float(@FOVDIAG)</map>
        <map key="s_pixel_scale">abs(float(@CDELT2))*3600</map>
        <map key="s_region">pgsphere.SPoly([
          pgsphere.SPoint.fromDegrees(float(@FPRA1), float(@FPDE1)),
          pgsphere.SPoint.fromDegrees(float(@FPRA2), float(@FPDE2)),
          pgsphere.SPoint.fromDegrees(float(@FPRA3), float(@FPDE3)),
          pgsphere.SPoint.fromDegrees(float(@FPRA4), float(@FPDE4))])</map>
        <map key="t_min">float(@MJD_OBS)</map>
        <map key="t_max">float(@MJD_OBS)+float(@EXPTIME)/86400.</map>
        <map key="t_exptime">float(@EXPTIME)</map>
        <map key="em_min">float(@WAVEMIN)</map>
        <map key="em_max">float(@WAVEMAX)</map>
        <map key="filter">@FILTER</map>
        <map key="naxis1">int(@NAXIS1)</map>
        <map key="naxis2">int(@NAXIS2)</map>
      </rowmaker>
    </make>
  </data>

  <!-- ============================================================ light curves
       FITS BINTABLE light curves (mklightcurves.py), published to
       ivoa.obscore with obs_collection 'vofslc'; access_url is the plain
       /getproduct/ URL of the file (no DataLink).  The primary header
       carries the metadata (OBS_ID may be a long string with CONTINUE
       cards, which astropy joins). -->
  <table id="lightcurves" onDisk="True" adql="True" mixin="//products#table">
    <meta name="description">
      Synthetic light curves (FITS binary tables, columns TIME, FLUX,
      FLUX_ERR, QUALITY), 1.5 to 3 MB each; 120 of the 130 lie inside the
      footprint of the full-frame plate ffi-0001 (vofstest.plates).  Also
      published in ivoa.obscore (obs_collection 'vofslc').
    </meta>
    <mixin
      productType="'timeseries'"
      collectionName="'vofslc'"
      calibLevel="2"
      obsId="obs_id"
      title="obs_title"
      ra="s_ra"
      dec="s_dec"
      tMin="t_min"
      tMax="t_max"
      expTime="t_exptime"
      emMin="em_min"
      emMax="em_max"
      targetName="target_name"
      facilityName="'vofs test facility'"
      instrumentName="'photcam'"
      oUCD="'phot.flux'"
      tXel="t_xel"
      tResolution="t_resolution"
      preview="NULL"
    >//obscore#publish</mixin>

    <column name="obs_id" type="text" ucd="meta.id"
      description="Observation identifier (lc-NNNN, and three awkward
      ones: with a slash, with a leading dot, 300 characters long)."
      required="True"/>
    <column name="obs_title" type="text" ucd="meta.title"
      description="Human-readable title."/>
    <column name="target_name" type="text" ucd="meta.id;src"
      description="Target name."/>
    <column name="s_ra" type="double precision" unit="deg"
      ucd="pos.eq.ra;meta.main" description="RA of the target."/>
    <column name="s_dec" type="double precision" unit="deg"
      ucd="pos.eq.dec;meta.main" description="Dec of the target."/>
    <column name="t_min" type="double precision" unit="d"
      ucd="time.start;obs.exposure" description="First sample (MJD)."/>
    <column name="t_max" type="double precision" unit="d"
      ucd="time.end;obs.exposure" description="End of the last sample (MJD)."/>
    <column name="t_exptime" type="real" unit="s"
      ucd="time.duration;obs.exposure" description="Total exposure time."/>
    <column name="t_resolution" type="real" unit="s"
      ucd="time.resolution" description="Sampling interval."/>
    <column name="t_xel" type="integer" ucd="meta.number" required="True"
      description="Number of samples (rows of the light curve)."/>
    <column name="em_min" type="double precision" unit="m"
      ucd="em.wl;stat.min" description="Band lower limit."/>
    <column name="em_max" type="double precision" unit="m"
      ucd="em.wl;stat.max" description="Band upper limit."/>
  </table>

  <data id="import_lightcurves">
    <sources pattern="data/lc/lc-*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.lightcurves"</bind>
        <bind key="mime">"application/fits"</bind>
        <bind key="preview">None</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="lightcurves">
      <rowmaker>
        <map key="obs_id">@OBS_ID</map>
        <map key="obs_title">"light curve of "+@OBJECT</map>
        <map key="target_name">@OBJECT</map>
        <map key="s_ra">float(@RA_OBJ)</map>
        <map key="s_dec">float(@DEC_OBJ)</map>
        <map key="t_min">float(@TSTART)</map>
        <map key="t_max">float(@TSTOP)</map>
        <map key="t_exptime">float(@EXPOSURE)</map>
        <map key="t_resolution">float(@CADENCE)</map>
        <map key="t_xel">int(@NROWS)</map>
        <map key="em_min">float(@WAVEMIN)</map>
        <map key="em_max">float(@WAVEMAX)</map>
      </rowmaker>
    </make>
  </data>

  <!-- ============================================================ plates
       FITS images (mkplates.py) whose product is a DataLink document:
       products#define binds path to the dlmeta URL of the service dl and
       mime to the DataLink media type, so ivoa.obscore's access_url
       (/getproduct/vofstest/data/plates/X.fits) redirects to
       dl/dlmeta?ID=<pubDID>.  dl adds #this (via dlget), #preview and a
       #proc SODA descriptor (POS, CIRCLE, POLYGON, PIXEL_n, RA/DEC...).
       Previews are the precomputed PNGs in data/previews: DaCHS's AUTO
       previews need a product with mime image/fits. -->
  <table id="plates" onDisk="True" adql="True" mixin="//products#table">
    <meta name="description">
      Synthetic FITS images with a celestial WCS served through DataLink
      and SODA: one 2048x2048 full-frame plate (ffi-0001, 2 deg square
      around RA 156, Dec 48) and 12 smaller plates.  Also published in
      ivoa.obscore (obs_collection 'vofsplates').
    </meta>
    <meta name="_associatedDatalinkService">
      <meta name="serviceId">dl</meta>
      <meta name="idColumn">pub_did</meta>
    </meta>
    <mixin
      productType="'image'"
      collectionName="'vofsplates'"
      calibLevel="2"
      obsId="obs_id"
      title="obs_title"
      ra="s_ra"
      dec="s_dec"
      fov="s_fov"
      coverage="s_region"
      tMin="t_min"
      tMax="t_max"
      expTime="t_exptime"
      emMin="em_min"
      emMax="em_max"
      targetName="target_name"
      facilityName="'vofs test facility'"
      instrumentName="'platecam'"
      oUCD="'phot.count'"
      sXel1="naxis1"
      sXel2="naxis2"
      sPixelScale="s_pixel_scale"
    >//obscore#publish</mixin>

    <column name="pub_did" type="text" ucd="meta.ref.ivoid"
      description="Publisher dataset identifier (the DataLink ID)."
      required="True"/>
    <column name="obs_id" type="text" ucd="meta.id"
      description="Observation identifier (ffi-0001, plate-NNNN)."
      required="True"/>
    <column name="obs_title" type="text" ucd="meta.title"
      description="Human-readable title."/>
    <column name="target_name" type="text" ucd="meta.id;src"
      description="Target (field) name."/>
    <column name="s_ra" type="double precision" unit="deg"
      ucd="pos.eq.ra;meta.main" description="RA of image centre."/>
    <column name="s_dec" type="double precision" unit="deg"
      ucd="pos.eq.dec;meta.main" description="Dec of image centre."/>
    <column name="s_fov" type="real" unit="deg"
      ucd="phys.angSize;instr.fov" description="Field of view (diagonal)."/>
    <column name="s_region" type="spoly" unit="deg"
      ucd="pos.outline;obs.field" description="Footprint (corners)."/>
    <column name="s_pixel_scale" type="real" unit="arcsec"
      ucd="instr.scale" description="Pixel scale."/>
    <column name="t_min" type="double precision" unit="d"
      ucd="time.start;obs.exposure" description="Exposure start (MJD)."/>
    <column name="t_max" type="double precision" unit="d"
      ucd="time.end;obs.exposure" description="Exposure end (MJD)."/>
    <column name="t_exptime" type="real" unit="s"
      ucd="time.duration;obs.exposure" description="Exposure time."/>
    <column name="em_min" type="double precision" unit="m"
      ucd="em.wl;stat.min" description="Band lower limit."/>
    <column name="em_max" type="double precision" unit="m"
      ucd="em.wl;stat.max" description="Band upper limit."/>
    <column name="filter" type="text" ucd="instr.filter"
      description="Filter name."/>
    <column name="naxis1" type="integer" ucd="meta.number" required="True"
      description="Pixels along axis 1."/>
    <column name="naxis2" type="integer" ucd="meta.number" required="True"
      description="Pixels along axis 2."/>
  </table>

  <!-- must come before import_plates: \dlMetaURI{dl} resolves it -->
  <service id="dl" allowed="dlget,dlmeta">
    <meta name="title">vofs plates: DataLink and SODA cutouts</meta>
    <meta name="description">DataLink documents and SODA cutouts for
      the plates of the vofs test archive (vofstest.plates).</meta>
    <datalinkCore>
      <descriptorGenerator procDef="//soda#fits_genDesc" name="genFITSDesc">
        <bind key="accrefPrefix">"vofstest/data/plates/"</bind>
        <bind key="descClass">DLFITSProductDescriptor</bind>
      </descriptorGenerator>
      <FEED source="//soda#fits_standardDLFuncs"/>
    </datalinkCore>
  </service>

  <data id="import_plates">
    <sources pattern="data/plates/*.fits"/>
    <fitsProdGrammar>
      <rowfilter procDef="//products#define">
        <bind key="table">"\schema.plates"</bind>
        <bind key="path">\dlMetaURI{dl}</bind>
        <bind key="mime">"application/x-votable+xml;content=datalink"</bind>
        <!-- inputs-relative path of the precomputed preview -->
        <bind key="preview">accref.replace("/plates/", "/previews/"
          ).replace(".fits", ".png")</bind>
        <bind key="preview_mime">"image/png"</bind>
      </rowfilter>
    </fitsProdGrammar>
    <make table="plates">
      <rowmaker>
        <map key="pub_did">\standardPubDID</map>
        <map key="obs_id">@OBS_ID</map>
        <map key="obs_title">@OBJECT+" "+@FILTER+" "+@OBS_ID</map>
        <map key="target_name">@OBJECT</map>
        <map key="s_ra">float(@CRVAL1)</map>
        <map key="s_dec">float(@CRVAL2)</map>
        <map key="s_fov">float(@FOVDIAG)</map>
        <map key="s_pixel_scale">float(@PIXSCALE)</map>
        <map key="s_region">pgsphere.SPoly([
          pgsphere.SPoint.fromDegrees(float(@FPRA1), float(@FPDE1)),
          pgsphere.SPoint.fromDegrees(float(@FPRA2), float(@FPDE2)),
          pgsphere.SPoint.fromDegrees(float(@FPRA3), float(@FPDE3)),
          pgsphere.SPoint.fromDegrees(float(@FPRA4), float(@FPDE4))])</map>
        <map key="t_min">float(@MJD_OBS)</map>
        <map key="t_max">float(@MJD_OBS)+float(@EXPTIME)/86400.</map>
        <map key="t_exptime">float(@EXPTIME)</map>
        <map key="em_min">float(@WAVEMIN)</map>
        <map key="em_max">float(@WAVEMAX)</map>
        <map key="filter">@FILTER</map>
        <map key="naxis1">int(@NAXIS1)</map>
        <map key="naxis2">int(@NAXIS2)</map>
      </rowmaker>
    </make>
  </data>

  <!-- TAP examples.  DaCHS serves /tap/examples from the //tap#run service,
       whose _example meta come from the tapexamples STREAM of
       /var/gavo/etc/userconfig.rd; setup.sh copies this STREAM (verbatim,
       by its id) into that file.  _example meta on tables of this RD would
       not show up there. -->
  <STREAM id="tapexamples">
    <meta name="_example" title="Cone search on the vofs catalogue">
      Objects within 0.1 degrees of the dense field centre in
      :taptable:`vofstest.cat`:

      .. tapquery::

        SELECT id, ra, dec, mag, name FROM vofstest.cat
        WHERE 1=CONTAINS(POINT('ICRS', ra, dec),
                         CIRCLE('ICRS', 150.0, 2.0, 0.1))
    </meta>
    <meta name="_example" title="Odd names">
      The first rows of :taptable:`vofstest.cat` have awkward names
      (quotes, commas, tabs, newlines, unicode, empty, NULL):

      .. tapquery::

        SELECT TOP 30 id, name, mag, mags FROM vofstest.cat ORDER BY id
    </meta>
    <meta name="_example" title="Images overlapping a polygon">
      ObsCore images whose footprint overlaps a polygon
      (:taptable:`ivoa.obscore`):

      .. tapquery::

        SELECT obs_id, s_ra, s_dec, access_url FROM ivoa.obscore
        WHERE obs_collection='vofstest' AND 1=INTERSECTS(s_region,
          POLYGON('ICRS', 199.0, -31.0, 205.5, -31.0, 205.5, -29.0, 199.0, -29.0))
    </meta>
  </STREAM>
</resource>
