/* tests/unit/test_datalink.c - vo/datalink.c, and the meta RESOURCEs kept
 * by vo/votable.c.
 *
 *   test_datalink FIXTURE_DIR
 *
 * Hand-written DataLink documents (fixtures/datalink/, see its README.md)
 * must give the links, descriptors and CSV that are in them, alike in
 * TABLEDATA, BINARY and BINARY2; hostile documents must fail cleanly.  The
 * batching of vo_dl_fetch is driven by a fake transport that answers like
 * a server with limits: no network.  Captured DaCHS documents named
 * *datalink* in fixtures/dachs/ are parsed too when they exist.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"
#include "datalink.h"
#include "votable.h"
#include "xml.h"

static const char *fixdir;

static uint32_t rng_state = 424242;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static char *fixture(const char *name, size_t *len)
{
	char path[512];

	snprintf(path, sizeof path, "datalink/%s", name);
	return check_slurp(fixdir, path, len);
}

static int parse_file(const char *name, struct vo_dl_doc *d, struct vo_err *err)
{
	size_t len;
	char *doc = fixture(name, &len);
	int rc;

	memset(err, 0, sizeof *err);
	rc = vo_dl_parse(doc, len, d, err);
	free(doc);
	return rc;
}

/* an emptied doc is all zero */
static int doc_is_empty(const struct vo_dl_doc *d)
{
	return !d->nlinks && !d->links && !d->nservices && !d->services &&
	       !d->csv_header && !d->status && !d->status_msg && !d->ncolsets &&
	       !d->colsets && !d->mem;
}

/* ====================================================== votable meta */

struct vcoll {
	char resource_xml[4096], table_xml[4096];
	size_t nrows, nfields;
};

static int vc_meta(void *ud, const struct vo_table_meta *m)
{
	struct vcoll *c = ud;

	snprintf(c->resource_xml, sizeof c->resource_xml, "%s", m->resource_xml);
	snprintf(c->table_xml, sizeof c->table_xml, "%s", m->table_xml);
	c->nfields = m->nfields;
	return 0;
}

static int vc_row(void *ud, const struct vo_cell *cells, size_t n)
{
	struct vcoll *c = ud;

	c->nrows++;
	return 0;
}

/* Read doc with the VOTable reader, chunk bytes at a time (0: whole);
 * meta gets a copy of vo_votable_meta_resources(). */
static int vot_read(const char *doc, size_t len, size_t chunk, struct vcoll *c,
		    char **meta, char *status, size_t statuslen, struct vo_err *err)
{
	struct vo_votable_cb cb = {.ud = c, .meta = vc_meta, .row = vc_row};
	struct vo_votable *v;
	size_t off = 0;
	int rc = 0;

	memset(c, 0, sizeof *c);
	memset(err, 0, sizeof *err);
	v = vo_votable_new(&cb, err);
	if (!v)
		return -ENOMEM;
	if (!chunk)
		chunk = len ? len : 1;
	while (off < len && !rc) {
		size_t k = len - off < chunk ? len - off : chunk;

		rc = vo_votable_feed(v, doc + off, k);
		off += k;
	}
	if (!rc)
		rc = vo_votable_finish(v);
	if (meta) {
		const char *m = vo_votable_meta_resources(v);

		*meta = m ? strdup(m) : NULL;
	}
	if (status)
		snprintf(status, statuslen, "%s", vo_votable_status(v) ?
			 vo_votable_status(v) : "(null)");
	vo_votable_free(v);
	return rc;
}

static const char tap_meta_expected[] =
	"<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"dl\" name=\"links\">"
	"<DESCRIPTION>Links &amp; more for each row</DESCRIPTION>"
	"<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"ivo://ivoa.net/std/DataLink#links-1.1\"/>"
	"<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"http://dc.example.org/test/q/dl/dlmeta\"/>"
	"<GROUP name=\"inputParams\">"
	"<PARAM name=\"ID\" datatype=\"char\" arraysize=\"*\" value=\"\" ref=\"pubdid\"/>"
	"</GROUP></RESOURCE>"
	"<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"soda\" name=\"cutouts\">"
	"<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"ivo://ivoa.net/std/SODA#sync-1.0\"/>"
	"<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"http://dc.example.org/test/q/soda/dlget\"/>"
	"<GROUP name=\"inputParams\">"
	"<PARAM name=\"ID\" datatype=\"char\" arraysize=\"*\" value=\"\" ref=\"pubdid\"/>"
	"<PARAM name=\"POS\" datatype=\"char\" arraysize=\"*\" value=\"\"/>"
	"</GROUP></RESOURCE>"
	"<RESOURCE type=\"meta\" name=\"outer\">"
	"<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>"
	"<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"async\">"
	"<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" value=\"ivo://ivoa.net/std/SODA#async-1.0\"/>"
	"<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"http://dc.example.org/test/q/soda/async\"/>"
	"</RESOURCE></RESOURCE>";

/* A document whose meta RESOURCE holds about `bytes` of PARAMs (or of
 * DESCRIPTION text when text != 0). */
static char *big_meta_doc(size_t bytes, int text, size_t *len)
{
	struct vo_buf b = VO_BUF_INIT;
	size_t i;

	vo_buf_adds(&b, "<VOTABLE><RESOURCE type=\"meta\" utype=\"adhoc:service\">");
	if (text) {
		vo_buf_adds(&b, "<DESCRIPTION>");
		for (i = 0; i < bytes / 64; i++)
			vo_buf_adds(&b, "0123456789abcdef0123456789abcdef"
				    "0123456789abcdef0123456789abcdef");
		vo_buf_adds(&b, "</DESCRIPTION>");
	} else {
		/* each PARAM re-serializes to exactly 64 bytes */
		for (i = 0; i < bytes / 64; i++)
			vo_buf_addf(&b, "<PARAM name=\"p%06zu\" datatype=\"char\" value=\"0123456789abcdef\"/>", i);
	}
	vo_buf_adds(&b, "</RESOURCE><RESOURCE><TABLE><FIELD name=\"a\" datatype=\"int\"/>"
		    "<DATA><TABLEDATA><TR><TD>1</TD></TR></TABLEDATA></DATA></TABLE>"
		    "</RESOURCE></VOTABLE>");
	*len = b.len;
	return vo_buf_take(&b);
}

static void test_votable_meta(void)
{
	struct vcoll c;
	struct vo_err err;
	char *doc, *meta = NULL, status[32];
	size_t len, chunk;
	int rc;

	doc = fixture("tap_result.vot", &len);
	rc = vot_read(doc, len, 0, &c, &meta, status, sizeof status, &err);
	CHECK_INT(rc, 0);
	CHECK_STR(meta, tap_meta_expected);
	/* the rest of the reader is as before: one row, three fields, the
	 * last QUERY_STATUS wins even inside a meta RESOURCE, resource_xml has
	 * the VOTABLE-level INFO and nothing of the descriptors */
	CHECK_INT(c.nrows, 1);
	CHECK_INT(c.nfields, 3);
	CHECK_STR(status, "OVERFLOW");
	CHECK_STR(c.resource_xml, "<INFO name=\"server\" value=\"test\"/>");
	CHECK_STR(c.table_xml, "");
	free(meta);
	/* the same in any chunking */
	for (chunk = 1; chunk < 200; chunk += 37) {
		meta = NULL;
		rc = vot_read(doc, len, chunk, &c, &meta, NULL, 0, &err);
		CHECK_INT(rc, 0);
		CHECK_STR(meta, tap_meta_expected);
		CHECK_INT(c.nrows, 1);
		free(meta);
	}
	free(doc);

	/* none: "" rather than NULL; the reader's own fixtures are unchanged */
	doc = check_slurp(fixdir, "table.td.vot", &len);
	meta = NULL;
	CHECK_INT(vot_read(doc, len, 0, &c, &meta, NULL, 0, &err), 0);
	CHECK_STR(meta, "");
	CHECK(c.nrows > 0);
	free(meta);
	free(doc);

	/* the DataLink document: four meta RESOURCEs, the first before the
	 * results, in document order; the TABLE is read as before */
	doc = fixture("links.td.vot", &len);
	meta = NULL;
	CHECK_INT(vot_read(doc, len, 0, &c, &meta, status, sizeof status, &err), 0);
	CHECK_INT(c.nrows, 10);
	CHECK_STR(status, "OK");
	CHECK(meta && !strncmp(meta, "<RESOURCE type=\"meta\" utype=\"adhoc:this\" ID=\"dlself\"", 52));
	CHECK(meta && strstr(meta, "ID=\"soda-a\"") < strstr(meta, "ID=\"soda-b\""));
	CHECK(meta && strstr(meta, "ID=\"soda-b\"") < strstr(meta, "ID=\"fit-svc\""));
	CHECK_HAS(meta, "<OPTION> text/plain </OPTION>");
	CHECK_HAS(meta, "value=\"ivo://example.org/test?images/b, &quot;two&quot;.fits\"");
	CHECK_HAS(meta, "ID=\"not-a-service\"");
	CHECK(meta && !strstr(meta, "TABLEDATA"));
	free(meta);
	free(doc);

	/* a TABLE inside a meta RESOURCE is kept whole there and still not
	 * taken for the results */
	{
		static const char d[] =
			"<VOTABLE><RESOURCE type=\"meta\"><TABLE><FIELD name=\"x\" datatype=\"int\"/>"
			"<DATA><TABLEDATA><TR><TD>5</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE>"
			"<RESOURCE><TABLE><FIELD name=\"a\" datatype=\"int\"/><FIELD name=\"b\" datatype=\"int\"/>"
			"<DATA><TABLEDATA><TR><TD>1</TD><TD>2</TD></TR><TR><TD>3</TD><TD>4</TD></TR>"
			"</TABLEDATA></DATA></TABLE></RESOURCE></VOTABLE>";

		meta = NULL;
		CHECK_INT(vot_read(d, strlen(d), 0, &c, &meta, NULL, 0, &err), 0);
		CHECK_INT(c.nfields, 2);
		CHECK_INT(c.nrows, 2);
		CHECK_STR(meta, "<RESOURCE type=\"meta\"><TABLE><FIELD name=\"x\" datatype=\"int\"/>"
			  "<DATA><TABLEDATA><TR><TD>5</TD></TR></TABLEDATA></DATA></TABLE></RESOURCE>");
		free(meta);
	}
	/* type is compared exactly, as for the results; other RESOURCEs are
	 * not kept */
	{
		static const char d[] =
			"<VOTABLE><RESOURCE type=\"META\"><PARAM name=\"a\" datatype=\"int\" value=\"1\"/></RESOURCE>"
			"<RESOURCE type=\"results\"><PARAM name=\"b\" datatype=\"int\" value=\"1\"/></RESOURCE></VOTABLE>";

		meta = NULL;
		CHECK_INT(vot_read(d, strlen(d), 0, &c, &meta, NULL, 0, &err), 0);
		CHECK_STR(meta, "");
		free(meta);
	}

	/* the 1 MiB cap: just under passes, just over is -EFBIG */
	doc = big_meta_doc((1 << 20) - 4096, 0, &len);
	meta = NULL;
	CHECK_INT(vot_read(doc, len, 65536, &c, &meta, NULL, 0, &err), 0);
	CHECK(meta && strlen(meta) > (1 << 20) - 4096 && strlen(meta) <= (1 << 20));
	CHECK_INT(c.nrows, 1);
	free(meta);
	free(doc);
	doc = big_meta_doc((1 << 20) + 4096, 0, &len);
	CHECK_INT(vot_read(doc, len, 65536, &c, NULL, NULL, 0, &err), -EFBIG);
	CHECK_HAS(err.msg, "1 MiB");
	free(doc);
	doc = big_meta_doc((1 << 20) + 4096, 1, &len);
	CHECK_INT(vot_read(doc, len, 65536, &c, NULL, NULL, 0, &err), -EFBIG);
	CHECK_HAS(err.msg, "1 MiB");
	free(doc);
	printf("votable: meta RESOURCEs kept whole, in order, capped\n");
}

/* ====================================================== parsing */

static const char *const ID_A = "ivo://example.org/test?images/a.fits";
static const char *const ID_B = "ivo://example.org/test?images/b, \"two\".fits";
static const char *const ID_C = "ivo://example.org/test?missing";

static const char links_header[] =
	"ID,access_url,service_def,error_message,description,semantics,"
	"content_type,content_length,content_qualifier,local_semantics,obs_id\r\n";

/* the csv of each row of links.*.vot */
static const char *const links_csv[10] = {
	"ivo://example.org/test?images/a.fits,http://dc.example.org/getproduct/images/a.fits,,,"
	"The full image,#this,image/fits,2880000,#image,full,obs-a\r\n",
	"ivo://example.org/test?images/a.fits,http://dc.example.org/preview/images/a.jpg,,,"
	"\"Preview, 512 pixels\",#preview-image,image/jpeg,12345,,preview,obs-a\r\n",
	"ivo://example.org/test?images/a.fits,http://dc.example.org/aux/a.weight.fits,,,"
	"Weight map,#auxiliary,application/fits,,,,obs-a\r\n",
	"ivo://example.org/test?images/a.fits,,soda-a,,Cutouts of a.fits,#proc,image/fits,,,,obs-a\r\n",
	"ivo://example.org/test?images/a.fits,http://example.org/spectra/a.vot?band=r&x=1,,,"
	"\"Extracted \"\"spectrum\"\"\",http://example.org/sem#spectrum-1d,"
	"application/x-votable+xml;content=spectrum,4096,,,obs-a\r\n",
	"ivo://example.org/test?images/a.fits,,fit-svc,,Power law fit,"
	"http://example.org/sem/fits/,text/plain,,,,obs-a\r\n",
	"\"ivo://example.org/test?images/b, \"\"two\"\".fits\",http://dc.example.org/getproduct/images/b.fits,,,"
	"The full image,#this,image/fits,5760,#image,full,obs-b\r\n",
	"\"ivo://example.org/test?images/b, \"\"two\"\".fits\",,,NotFoundFault: no preview of b,"
	"Preview,#preview,,,,,obs-b\r\n",
	"\"ivo://example.org/test?images/b, \"\"two\"\".fits\",,soda-b,,Cutouts of b.fits,#cutout,image/fits,,,,obs-b\r\n",
	"ivo://example.org/test?missing,,,NotFoundFault: ivo://example.org/test?missing,,#this,,,,,\r\n",
};

static const char *const links_basename[10] = {
	"this.fits", "preview.jpg", "auxiliary.fits", "proc.fits", "spectrum-1d.vot",
	"fits.txt", "this.fits", "preview.bin", "cutout.fits", "this.bin",
};

static void check_link(const struct vo_dl_link *l, const char *id, const char *url,
		       const char *sd, const char *em, const char *desc, const char *sem,
		       const char *ct, long long clen, const char *cq, const char *ls)
{
	CHECK_STR(l->id, id);
	CHECK_STR(l->access_url, url);
	CHECK_STR(l->service_def, sd);
	CHECK_STR(l->error_message, em);
	CHECK_STR(l->description, desc);
	CHECK_STR(l->semantics, sem);
	CHECK_STR(l->content_type, ct);
	CHECK_INT(l->content_length, clen);
	CHECK_STR(l->content_qualifier, cq);
	CHECK_STR(l->local_semantics, ls);
}

static void check_links_doc(const struct vo_dl_doc *d, const char *what)
{
	const struct vo_dl_service *s;
	const struct vo_dl_param *p;
	size_t i;
	char name[64];

	printf("links doc: %s\n", what);
	CHECK_INT(d->nlinks, 10);
	if (d->nlinks != 10)
		return;
	CHECK_STR(d->csv_header, links_header);
	CHECK_STR(d->status, "OK");
	CHECK_STR(d->status_msg, NULL);
	CHECK(d->mem > 1000 && d->mem < 100000);
	check_link(&d->links[0], ID_A, "http://dc.example.org/getproduct/images/a.fits", NULL,
		   NULL, "The full image", "#this", "image/fits", 2880000, "#image", "full");
	check_link(&d->links[1], ID_A, "http://dc.example.org/preview/images/a.jpg", NULL, NULL,
		   "Preview, 512 pixels", "#preview-image", "image/jpeg", 12345, NULL, "preview");
	/* the pretty-printed URL is trimmed */
	check_link(&d->links[2], ID_A, "http://dc.example.org/aux/a.weight.fits", NULL, NULL,
		   "Weight map", "#auxiliary", "application/fits", -1, NULL, NULL);
	check_link(&d->links[3], ID_A, NULL, "soda-a", NULL, "Cutouts of a.fits", "#proc",
		   "image/fits", -1, NULL, NULL);
	check_link(&d->links[4], ID_A, "http://example.org/spectra/a.vot?band=r&x=1", NULL, NULL,
		   "Extracted \"spectrum\"", "http://example.org/sem#spectrum-1d",
		   "application/x-votable+xml;content=spectrum", 4096, NULL, NULL);
	check_link(&d->links[5], ID_A, NULL, "fit-svc", NULL, "Power law fit",
		   "http://example.org/sem/fits/", "text/plain", -1, NULL, NULL);
	check_link(&d->links[6], ID_B, "http://dc.example.org/getproduct/images/b.fits", NULL,
		   NULL, "The full image", "#this", "image/fits", 5760, "#image", "full");
	check_link(&d->links[7], ID_B, NULL, NULL, "NotFoundFault: no preview of b", "Preview",
		   "#preview", NULL, -1, NULL, NULL);
	check_link(&d->links[8], ID_B, NULL, "soda-b", NULL, "Cutouts of b.fits", "#cutout",
		   "image/fits", -1, NULL, NULL);
	check_link(&d->links[9], ID_C, NULL, NULL, "NotFoundFault: ivo://example.org/test?missing",
		   NULL, "#this", NULL, -1, NULL, NULL);
	for (i = 0; i < 10; i++) {
		CHECK_STR(d->links[i].csv, links_csv[i]);
		CHECK_INT(d->links[i].ncells, 11);
		CHECK_INT(vo_dl_link_basename(&d->links[i], name, sizeof name),
			  (long long)strlen(links_basename[i]));
		CHECK_STR(name, links_basename[i]);
	}
	/* cells: by FIELD ID, then by name; null is NULL */
	CHECK_STR(vo_dl_link_cell(&d->links[0], "obsid"), "obs-a");
	CHECK_STR(vo_dl_link_cell(&d->links[6], "obs_id"), "obs-b");
	CHECK_STR(vo_dl_link_cell(&d->links[6], "idcol"), ID_B);
	CHECK_STR(vo_dl_link_cell(&d->links[0], "service_def"), NULL);
	CHECK_STR(vo_dl_link_cell(&d->links[9], "obsid"), NULL);
	CHECK_STR(vo_dl_link_cell(&d->links[0], "nope"), NULL);
	CHECK_STR(vo_dl_link_cell(&d->links[0], NULL), NULL);

	/* descriptors: 4, in document order; the utype="something:else" one is
	 * not a service */
	CHECK_INT(d->nservices, 4);
	if (d->nservices != 4)
		return;
	s = &d->services[0];
	CHECK_STR(s->id, "dlself");
	CHECK_STR(s->name, "Test links");
	CHECK_INT(s->self, 1);
	CHECK_STR(s->description, "Links to the test images, and what can be done with them.");
	CHECK_STR(s->standard_id, "ivo://ivoa.net/std/DataLink#links-1.1");
	CHECK_STR(s->access_url, "http://dc.example.org/test/q/dl/dlmeta");
	CHECK_INT(s->nparams, 1);
	CHECK_STR(s->params[0].name, "ID");
	CHECK_STR(s->params[0].value, NULL);
	CHECK_STR(s->params[0].ucd, "meta.id;meta.main");
	CHECK(vo_dl_service_is(s, VO_DL_STD_LINKS));
	CHECK(!vo_dl_service_is(s, VO_DL_STD_SODA_SYNC));

	s = &d->services[1];
	CHECK_STR(s->id, "soda-a");
	CHECK_STR(s->name, "cutout");
	CHECK_INT(s->self, 0);
	CHECK_STR(s->description, "SODA cutouts of a.fits");
	CHECK_STR(s->access_url, "http://dc.example.org/test/q/soda/dlget");
	CHECK_STR(s->standard_id, "ivo://ivoa.net/std/SODA#sync-1.0");
	CHECK_STR(s->resource_identifier, "ivo://example.org/test/q/soda");
	CHECK_STR(s->content_type, "image/fits");
	CHECK_INT(s->nparams, 6);
	p = vo_dl_service_param(s, "id");
	CHECK(p == &s->params[0]);
	CHECK_STR(p ? p->value : NULL, ID_A);
	CHECK_STR(p ? p->description : NULL, "The publisher DID of the dataset");
	p = vo_dl_service_param(s, "POS");
	CHECK(p && !p->value && !p->ref && !p->min && !p->max && !p->options);
	p = vo_dl_service_param(s, "CIRCLE");
	CHECK(p && !p->value);
	CHECK_STR(p ? p->max : NULL, "12.0 34.0 0.5");
	CHECK_STR(p ? p->xtype : NULL, "circle");
	CHECK_STR(p ? p->unit : NULL, "deg");
	CHECK_STR(p ? p->datatype : NULL, "double");
	CHECK_STR(p ? p->arraysize : NULL, "3");
	CHECK_STR(p ? p->description : NULL, "A spherical circle to be contained by the cutout");
	p = vo_dl_service_param(s, "POLYGON");
	CHECK_STR(p ? p->max : NULL, "11.5 33.5 12.5 33.5 12.5 34.5 11.5 34.5");
	CHECK_STR(p ? p->description : NULL, NULL);
	p = vo_dl_service_param(s, "BAND");
	CHECK_STR(p ? p->min : NULL, "3e-7");
	CHECK_STR(p ? p->max : NULL, "8e-7");
	CHECK_STR(p ? p->ucd : NULL, "em.wl;stat.interval");
	p = vo_dl_service_param(s, "FORMAT");
	CHECK_STR(p ? p->options : NULL, "image/fits\nimage/png\ntext/plain");
	CHECK(!vo_dl_service_param(s, "exampleURL"));
	CHECK(!vo_dl_service_param(s, "accessURL"));
	CHECK(!vo_dl_service_param(s, NULL));
	CHECK(vo_dl_service_is(s, VO_DL_STD_SODA_SYNC));
	CHECK(!vo_dl_service_is(s, VO_DL_STD_SODA_ASYNC));

	s = &d->services[2];
	CHECK_STR(s->id, "soda-b");
	CHECK_STR(s->name, NULL);
	CHECK_STR(s->description, NULL);
	CHECK_STR(s->standard_id, "ivo://ivoa.net/std/soda#SYNC-1.1");
	CHECK(vo_dl_service_is(s, VO_DL_STD_SODA_SYNC));
	CHECK_INT(s->nparams, 4);
	CHECK_STR(s->params[0].value, ID_B);

	s = &d->services[3];
	CHECK_STR(s->id, "fit-svc");
	CHECK_STR(s->name, "Power law fitting");
	CHECK_STR(s->standard_id, NULL);
	CHECK(!vo_dl_service_is(s, VO_DL_STD_SODA_SYNC));
	CHECK(!vo_dl_service_is(NULL, VO_DL_STD_SODA_SYNC));
	CHECK_INT(s->nparams, 3);
	/* the minor version is ignored, a major version 10 is not 1 */
	{
		struct vo_dl_service t = *s;
		static const struct {
			const char *sid;
			int is;
		} v[] = {
			{"ivo://ivoa.net/std/SODA#sync-1", 1},
			{"ivo://ivoa.net/std/SODA#sync-1.0", 1},
			{" IVO://IVOA.NET/STD/SODA#SYNC-1.7 ", 1},
			{"ivo://ivoa.net/std/SODA#sync-10", 0},
			{"ivo://ivoa.net/std/SODA#sync-2.0", 0},
			{"ivo://ivoa.net/std/SODA#sync", 0},
			{"ivo://ivoa.net/std/SODA#async-1.0", 0},
		};
		size_t k;

		for (k = 0; k < sizeof v / sizeof v[0]; k++) {
			t.standard_id = (char *)(uintptr_t)v[k].sid;
			CHECK_INT(vo_dl_service_is(&t, VO_DL_STD_SODA_SYNC), v[k].is);
		}
	}
	CHECK_STR(s->params[0].ref, "obsid");
	CHECK_STR(s->params[0].value, NULL);
	CHECK_STR(s->params[1].value, "powlaw");
	CHECK_STR(s->params[2].min, "1");
	CHECK_STR(s->params[2].max, "9");
	CHECK_STR(s->params[2].datatype, "float");

	/* rows to descriptors */
	CHECK(vo_dl_link_service(d, &d->links[3]) == &d->services[1]);
	CHECK(vo_dl_link_service(d, &d->links[8]) == &d->services[2]);
	CHECK(vo_dl_link_service(d, &d->links[5]) == &d->services[3]);
	CHECK(vo_dl_link_service(d, &d->links[0]) == NULL);
	CHECK(vo_dl_link_service(d, NULL) == NULL);
}

static void test_parse_links(void)
{
	static const char *const files[] = {"links.td.vot", "links.bin.vot", "links.bin2.vot"};
	struct vo_dl_doc d[3];
	struct vo_err err;
	size_t f, i, len;
	char *doc;

	for (f = 0; f < 3; f++) {
		CHECK_INT(parse_file(files[f], &d[f], &err), 0);
		CHECK_STR(err.msg, "");
		check_links_doc(&d[f], files[f]);
	}
	/* the three serializations agree, field by field */
	for (f = 1; f < 3; f++)
		for (i = 0; i < d[0].nlinks && i < d[f].nlinks; i++) {
			CHECK_STR(d[f].links[i].csv, d[0].links[i].csv);
			CHECK_INT(d[f].links[i].content_length, d[0].links[i].content_length);
		}
	for (f = 0; f < 3; f++)
		vo_dl_doc_free(&d[f]);
	CHECK(doc_is_empty(&d[0]));
	vo_dl_doc_free(NULL);

	/* byte-identical input whatever the buffer's alignment and with a
	 * trailing NUL-free end: parse from a copy without the terminator */
	doc = fixture("links.td.vot", &len);
	{
		char *copy = malloc(len);

		memcpy(copy, doc, len);
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse(copy, len, &d[0], &err), 0);
		CHECK_INT(d[0].nlinks, 10);
		vo_dl_doc_free(&d[0]);
		free(copy);
	}
	free(doc);
}

static void test_parse_odd(void)
{
	struct vo_dl_doc d;
	struct vo_err err;
	struct vo_buf url = VO_BUF_INIT;
	const struct vo_dl_service *s;
	const struct vo_dl_link *row;
	char name[64];

	CHECK_INT(parse_file("odd_order.v15.vot", &d, &err), 0);
	CHECK_INT(d.nlinks, 3);
	CHECK_STR(d.csv_header, "Semantics,CONTENT_LENGTH,extra,Description,Service_Def,"
		  "Access_URL,Content_Type,id,Error_Message\r\n");
	CHECK_STR(d.status, NULL);
	if (d.nlinks == 3) {
		check_link(&d.links[0], "ivo://x/s?1", "http://h/s1.fits", NULL, NULL, "the data",
			   "#this", "application/fits", 1024, NULL, NULL);
		check_link(&d.links[1], "ivo://x/s?1", NULL, "cut", NULL, "cut it", "#cutout",
			   "application/fits", -1, NULL, NULL);
		/* "not a number" is no length, and a null cell in links.csv */
		check_link(&d.links[2], "ivo://x/s?1", "http://h/s1.gif", NULL, NULL, NULL,
			   "#thumbnail", "IMAGE/GIF", -1, NULL, NULL);
		CHECK_STR(d.links[0].csv, "#this,1024,7,the data,,http://h/s1.fits,application/fits,ivo://x/s?1,\r\n");
		CHECK_STR(d.links[2].csv, "#thumbnail,,8,,,http://h/s1.gif,IMAGE/GIF,ivo://x/s?1,\r\n");
		CHECK_INT(vo_dl_link_basename(&d.links[2], name, sizeof name), 11);
		CHECK_STR(name, "preview.gif");
		CHECK_STR(vo_dl_link_cell(&d.links[0], "extra"), "7");
		CHECK_STR(vo_dl_link_cell(&d.links[1], "extra"), NULL);
	}
	/* the descriptor nested in the results RESOURCE, after the TABLE */
	CHECK_INT(d.nservices, 1);
	s = vo_dl_soda_sync(&d, "ivo://x/s?1", &row);
	CHECK(s && d.nservices == 1 && s == &d.services[0]);
	CHECK(d.nlinks == 3 && row == &d.links[1]);
	if (s) {
		/* ID has neither value nor ref: the row's ID; accessURL ends in '?' */
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_soda_url(s, row, "CIRCLE 12 34 0.5", &url, &err), 0);
		CHECK_STR(url.p, "https://h/soda?ID=ivo%3A%2F%2Fx%2Fs%3F1&POS=CIRCLE%2012%2034%200.5");
		/* and without a row there is no ID to give */
		CHECK_INT(vo_soda_url(s, NULL, "CIRCLE 12 34 0.5", &url, &err), -EINVAL);
		CHECK_HAS(err.msg, "no value");
		CHECK_INT((long long)url.len, 0);
	}
	vo_buf_free(&url);
	vo_dl_doc_free(&d);
	printf("odd documents: VOTable 1.5 prefixed, columns shuffled and recased\n");
}

static void test_parse_bad(void)
{
	struct vo_dl_doc d;
	struct vo_err err;
	char *doc;
	size_t len, cut, end;
	int rc, bad;

	CHECK_INT(parse_file("no_id.vot", &d, &err), -EBADMSG);
	CHECK_HAS(err.msg, "no ID column");
	CHECK(doc_is_empty(&d));
	CHECK_INT(parse_file("no_access.vot", &d, &err), -EBADMSG);
	CHECK_HAS(err.msg, "neither an access_url nor a service_def");
	CHECK(doc_is_empty(&d));
	CHECK_INT(parse_file("error.vot", &d, &err), -EIO);
	CHECK_STR(err.msg, "DataLink service error: UsageFault: the ID parameter is required");
	CHECK(doc_is_empty(&d));
	CHECK_INT(parse_file("html_error.html", &d, &err), -EBADMSG);
	CHECK_HAS(err.msg, "not a VOTable (root element <html>)");
	CHECK(doc_is_empty(&d));
	CHECK_INT(parse_file("entity_bomb.vot", &d, &err), -EBADMSG);
	CHECK_HAS(err.msg, "entity");
	CHECK(doc_is_empty(&d));

	/* a failing service whose error document has a table of its own: the
	 * service's message, not "no ID column" */
	{
		static const char e[] =
			"<VOTABLE><RESOURCE type=\"results\"><INFO name=\"QUERY_STATUS\" value=\"ERROR\">"
			"FatalFault: database down</INFO><TABLE><FIELD name=\"x\" datatype=\"int\"/></TABLE>"
			"</RESOURCE></VOTABLE>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse(e, strlen(e), &d, &err), -EIO);
		CHECK_HAS(err.msg, "FatalFault: database down");
	}
	/* an ERROR after the links (failure while streaming) */
	{
		static const char e[] =
			"<VOTABLE><RESOURCE type=\"results\"><TABLE><FIELD name=\"ID\" datatype=\"char\" arraysize=\"*\"/>"
			"<FIELD name=\"access_url\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA>"
			"<TR><TD>a</TD><TD>http://h/a</TD></TR></TABLEDATA></DATA></TABLE>"
			"<INFO name=\"QUERY_STATUS\" value=\"ERROR\">TransientFault: lost it</INFO></RESOURCE></VOTABLE>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse(e, strlen(e), &d, &err), -EIO);
		CHECK_HAS(err.msg, "TransientFault: lost it");
		CHECK(doc_is_empty(&d));
	}
	/* descriptors only, no table */
	{
		static const char e[] =
			"<VOTABLE><RESOURCE type=\"meta\" utype=\"adhoc:this\"><PARAM name=\"accessURL\" "
			"datatype=\"char\" arraysize=\"*\" value=\"http://h/\"/></RESOURCE></VOTABLE>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse(e, strlen(e), &d, &err), -EBADMSG);
		CHECK_HAS(err.msg, "no table");
	}
	/* an empty table is a valid answer (no IDs asked) */
	{
		static const char e[] =
			"<VOTABLE><RESOURCE type=\"results\"><TABLE><FIELD name=\"ID\" datatype=\"char\" arraysize=\"*\"/>"
			"<FIELD name=\"service_def\" datatype=\"char\" arraysize=\"*\"/></TABLE></RESOURCE></VOTABLE>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse(e, strlen(e), &d, &err), 0);
		CHECK_INT(d.nlinks, 0);
		CHECK_STR(d.csv_header, "ID,service_def\r\n");
		vo_dl_doc_free(&d);
	}
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse("", 0, &d, &err), -EBADMSG);
	CHECK(err.msg[0] != '\0');

	/* every truncation fails cleanly */
	doc = fixture("links.td.vot", &len);
	end = (size_t)(strstr(doc, "</VOTABLE>") - doc) + strlen("</VOTABLE>");
	bad = 0;
	for (cut = 0; cut < end; cut++) {
		memset(&err, 0, sizeof err);
		rc = vo_dl_parse(doc, cut, &d, &err);
		if (rc != -EBADMSG || !err.msg[0] || !doc_is_empty(&d)) {
			if (!bad++)
				fprintf(stderr, "    cut at %zu: rc %d, %s\n", cut, rc, err.msg);
			vo_dl_doc_free(&d);
		}
	}
	CHECK_INT(bad, 0);
	free(doc);

	/* random damage: never a crash; success or an error with a message */
	{
		static const char *const files[] = {"links.td.vot", "links.bin2.vot",
						    "odd_order.v15.vot"};
		size_t f, it;

		bad = 0;
		for (f = 0; f < 3; f++) {
			doc = fixture(files[f], &len);
			for (it = 0; it < 1500; it++) {
				char *copy = malloc(len);
				size_t k, nflip = 1 + rng() % 4;

				memcpy(copy, doc, len);
				for (k = 0; k < nflip; k++)
					copy[rng() % len] = (char)(rng() & 0xff);
				memset(&err, 0, sizeof err);
				rc = vo_dl_parse(copy, len, &d, &err);
				if (rc && (!err.msg[0] || !doc_is_empty(&d)))
					bad++;
				if (!rc && !d.csv_header)
					bad++;
				vo_dl_doc_free(&d);
				free(copy);
			}
			free(doc);
		}
		CHECK_INT(bad, 0);
	}
	printf("hostile documents: clean errors, no partial docs\n");
}

/* ====================================================== descriptors */

static void test_services(void)
{
	struct vo_dl_service *s = NULL;
	struct vo_err err;
	struct vo_buf b = VO_BUF_INIT;
	size_t n = 99, len, i;
	char *doc;

	/* what a TAP result's meta RESOURCEs give */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services(tap_meta_expected, strlen(tap_meta_expected), &s, &n, &err), 0);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(s[0].id, "dl");
		CHECK_STR(s[0].description, "Links & more for each row");
		CHECK(vo_dl_service_is(&s[0], VO_DL_STD_LINKS));
		CHECK_STR(s[0].params[0].ref, "pubdid");
		CHECK_STR(s[0].params[0].value, NULL);
		CHECK_STR(s[1].id, "soda");
		CHECK_INT(s[1].nparams, 2);
		CHECK(vo_dl_service_is(&s[1], VO_DL_STD_SODA_SYNC));
		/* the descriptor nested in a plain meta RESOURCE */
		CHECK_STR(s[2].id, "async");
		CHECK(vo_dl_service_is(&s[2], VO_DL_STD_SODA_ASYNC));
		CHECK_INT(s[2].nparams, 0);
		CHECK_STR(s[2].access_url, "http://dc.example.org/test/q/soda/async");

		/* a generic descriptor needs the row's column: none here */
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_soda_url(&s[1], NULL, "CIRCLE 1 2 3", &b, &err), -EINVAL);
		CHECK_HAS(err.msg, "'pubdid'");
	}
	vo_dl_services_free(s, n);

	/* a whole document, XML declaration and all, gives the same */
	doc = fixture("tap_result.vot", &len);
	CHECK_INT(vo_dl_parse_services(doc, len, &s, &n, &err), 0);
	CHECK_INT(n, 3);
	CHECK(n == 3 && !strcmp(s[2].id, "async"));
	vo_dl_services_free(s, n);
	free(doc);

	/* nothing */
	CHECK_INT(vo_dl_parse_services("", 0, &s, &n, &err), 0);
	CHECK_INT(n, 0);
	CHECK(s == NULL);
	CHECK_INT(vo_dl_parse_services("<PARAM name=\"x\"/>", 17, &s, &n, &err), 0);
	CHECK_INT(n, 0);
	/* DataLink 1.0's self-description */
	{
		static const char t[] = "<RESOURCE type=\"meta\" utype=\"adhoc:service\" name=\"this\">"
					"<PARAM name=\"accessURL\" value=\"  http://h/x  \"/></RESOURCE>"
					"<RESOURCE type=\"meta\" utype=\"ADHOC:SERVICE\"/>";

		CHECK_INT(vo_dl_parse_services(t, strlen(t), &s, &n, &err), 0);
		CHECK_INT(n, 2);
		CHECK(n == 2 && s[0].self == 1 && s[1].self == 0);
		CHECK(n == 2 && !strcmp(s[0].access_url, "http://h/x"));
		vo_dl_services_free(s, n);
	}
	/* malformed, and an entity declaration smuggled in */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services("<RESOURCE type=\"meta\"", 21, &s, &n, &err), -EBADMSG);
	CHECK_HAS(err.msg, "service descriptors: ");
	CHECK(s == NULL && n == 0);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services("<RESOURCE></PARAM>", 18, &s, &n, &err), -EBADMSG);
	{
		static const char t[] = "<!DOCTYPE x [<!ENTITY a \"b\">]><RESOURCE/>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_parse_services(t, strlen(t), &s, &n, &err), -EBADMSG);
	}
	/* caps: parameters per descriptor, descriptors, text */
	vo_buf_adds(&b, "<RESOURCE type=\"meta\" utype=\"adhoc:service\"><GROUP name=\"inputParams\">");
	for (i = 0; i <= VO_DL_MAX_PARAMS; i++)
		vo_buf_addf(&b, "<PARAM name=\"p%zu\" value=\"\"/>", i);
	vo_buf_adds(&b, "</GROUP></RESOURCE>");
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services(b.p, b.len, &s, &n, &err), -EFBIG);
	CHECK_HAS(err.msg, "input parameters");
	vo_buf_reset(&b);
	for (i = 0; i <= VO_DL_MAX_SERVICES; i++)
		vo_buf_adds(&b, "<RESOURCE type=\"meta\" utype=\"adhoc:service\"/>");
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services(b.p, b.len, &s, &n, &err), -EFBIG);
	CHECK_HAS(err.msg, "service descriptors");
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse_services(b.p, (size_t)17 << 20, &s, &n, &err), -EFBIG);
	vo_buf_free(&b);
	printf("service descriptors: TAP, nested, 1.0 style, hostile, caps\n");
}

/* ====================================================== semantics */

static void test_semantics(void)
{
	static const struct {
		const char *sem, *term;
		int is;
	} t[] = {
		{"#this", "#this", 1},
		{"#preview-image", "#preview", 1},
		{"#preview-plot", "#preview", 1},
		{"#thumbnail", "#preview", 1},
		{"#preview", "#preview-image", 0},
		{"#preview", "#preview", 1},
		{"#weight", "#auxiliary", 1},
		{"#error", "#auxiliary", 1},
		{"#noise", "#auxiliary", 1},
		{"#noise", "#calibration", 0},
		{"#bias", "#calibration", 1},
		{"#dark", "#calibration", 1},
		{"#flat", "#calibration", 1},
		{"#cutout", "#proc", 1},
		{"#proc", "#cutout", 0},
		{"#detached-header", "#documentation", 1},
		{"#coderived", "#coderived", 1},
		{"#counterpart", "#progenitor", 0},
		{"#package", "#package", 1},
		{"#derivation", "#this", 0},
		{"http://www.ivoa.net/rdf/datalink/core#preview-image", "#preview", 1},
		{"#preview-image", "http://www.ivoa.net/rdf/datalink/core#preview", 1},
		{"  #cutout\n", "#proc", 1},
		{"#Preview", "#preview", 0},
		{"preview", "#preview", 0},
		{"http://example.org/sem#preview", "#preview", 0},
		{"http://example.org/sem#x", "http://example.org/sem#x", 1},
		{"http://example.org/sem#x", "http://example.org/sem#y", 0},
		{"#unknown", "#unknown", 1},
		{"#unknown", "#this", 0},
		{"#", "#", 0},
		{"", "", 0},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		int got = vo_dl_semantics_is(t[i].sem, t[i].term);

		if (got != t[i].is)
			fprintf(stderr, "    vo_dl_semantics_is(\"%s\", \"%s\")\n", t[i].sem, t[i].term);
		CHECK_INT(got, t[i].is);
	}
	CHECK_INT(vo_dl_semantics_is(NULL, "#this"), 0);
	CHECK_INT(vo_dl_semantics_is("#this", NULL), 0);
	printf("semantics: core vocabulary and narrower terms\n");
}

static void test_names(void)
{
	static const struct {
		const char *sem, *ct, *want;
	} t[] = {
		{"#this", "image/fits", "this.fits"},
		{"#thumbnail", "image/png", "preview.png"},
		{"#preview-plot", "image/gif", "preview.gif"},
		{"#weight", "application/fits", "weight.fits"},
		{"#calibration", NULL, "calibration.bin"},
		{"#progenitor", "application/x-votable+xml;content=datalink", "progenitor.vot"},
		{"#documentation", "text/html; charset=utf-8", "documentation.html"},
		{"#detached-header", "text/plain", "detached-header.txt"},
		{"http://www.ivoa.net/rdf/datalink/core#counterpart", "application/pdf", "counterpart.pdf"},
		{"#unknown-term", "", "unknown-term.bin"},
		{"http://example.org/vocab#line-cube", "application/x-fits-bintable", "line-cube.fits"},
		{"http://example.org/vocab/line-cube", "image/x-fits", "line-cube.fits"},
		{"http://example.org/vocab/line-cube/", "application/zip", "line-cube.zip"},
		{"http://example.org/vocab/q?x=1", "text/csv", "q.csv"},
		{"http://example.org/vocab#", "application/json", "vocab.json"},
		{"urn:example:thing", "application/gzip", "thing.gz"},
		{"http://example.org/a#b/c", "application/x-tar", "b_c.tar"},
		{"http://example.org/a#.hidden", "application/x-hdf5", "_hidden.hdf5"},
		{"http://example.org/a#x\ty", NULL, "x_y.bin"},
		{"http://", NULL, "link.bin"},
		{"", NULL, "link.bin"},
		{NULL, "image/jpeg", "link.jpg"},
	};
	struct vo_dl_link l;
	char out[256], small[9];
	size_t i;
	int rc;

	memset(&l, 0, sizeof l);
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		l.semantics = (char *)(uintptr_t)t[i].sem;
		l.content_type = (char *)(uintptr_t)t[i].ct;
		rc = vo_dl_link_basename(&l, out, sizeof out);
		CHECK_STR(out, t[i].want);
		CHECK_INT(rc, (long long)strlen(t[i].want));
	}
	/* too small: -ENOSPC and "" */
	l.semantics = (char *)(uintptr_t)"#this";
	l.content_type = (char *)(uintptr_t)"image/fits";
	CHECK_INT(vo_dl_link_basename(&l, small, sizeof small), -ENOSPC);
	CHECK_STR(small, "");
	CHECK_INT(vo_dl_link_basename(&l, out, 10), 9);   /* "this.fits" just fits */
	/* long terms are cut at 100 bytes, not inside a UTF-8 sequence */
	{
		char sem[400];

		strcpy(sem, "http://example.org/#");
		for (i = 0; i < 60; i++)
			strcat(sem, "\xc3\xa9");   /* e-acute: 2 bytes */
		l.semantics = sem;
		l.content_type = NULL;
		rc = vo_dl_link_basename(&l, out, sizeof out);
		CHECK_INT(rc, 104);
		CHECK(!strcmp(out + 100, ".bin") && (unsigned char)out[99] == 0xa9);
		/* one byte on: byte 100 would split an e-acute, so 99 */
		strcpy(sem, "http://example.org/#x");
		for (i = 0; i < 60; i++)
			strcat(sem, "\xc3\xa9");
		rc = vo_dl_link_basename(&l, out, sizeof out);
		CHECK_INT(rc, 103);
		CHECK(!strcmp(out + 99, ".bin") && (unsigned char)out[98] == 0xa9);
	}

	/* extensions */
	{
		static const struct {
			const char *ct, *ext;
		} e[] = {
			{"image/fits", "fits"}, {"application/fits", "fits"},
			{"application/x-fits-bintable", "fits"}, {"image/x-fits-gzip", "fits"},
			{"IMAGE/FITS", "fits"}, {" image/fits ; x=y", "fits"},
			{"image/jpeg", "jpg"}, {"image/png", "png"}, {"image/gif", "gif"},
			{"application/x-votable+xml", "vot"},
			{"application/x-votable+xml;content=datalink", "vot"},
			{"application/x-votable+xml; content=\"datalink\"; charset=utf-8", "vot"},
			{"text/xml", "xml"}, {"application/xml", "xml"}, {"application/atom+xml", "xml"},
			{"text/csv", "csv"}, {"text/plain;charset=ascii", "txt"}, {"text/html", "html"},
			{"application/pdf", "pdf"}, {"application/json", "json"}, {"application/x-tar", "tar"},
			{"application/gzip", "gz"}, {"application/x-gzip", "gz"}, {"application/zip", "zip"},
			{"application/x-hdf5", "hdf5"}, {"application/octet-stream", "bin"},
			{"image/fitsx", "bin"}, {"fits", "bin"}, {"", "bin"}, {";", "bin"},
			{"text/tab-separated-values", "tsv"}, {"image/svg+xml", "svg"},
		};

		for (i = 0; i < sizeof e / sizeof e[0]; i++)
			CHECK_STR(vo_dl_ext_for_type(e[i].ct), e[i].ext);
		CHECK_STR(vo_dl_ext_for_type(NULL), "bin");
		memset(out, 'a', 200);
		memcpy(out, "image/", 6);
		out[200] = '\0';
		CHECK_STR(vo_dl_ext_for_type(out), "bin");
	}
	printf("names: base names and extensions\n");
}

/* ====================================================== URLs */

static void check_split(const char *url, const char *base, const char *id)
{
	char *b = (char *)1, *i = (char *)1;
	int rc = vo_dl_split_url(url, &b, &i);

	if (!base) {
		CHECK_INT(rc, -EINVAL);
		CHECK(b == NULL && i == NULL);
		return;
	}
	CHECK_INT(rc, 0);
	CHECK_STR(b, base);
	CHECK_STR(i, id);
	free(b);
	free(i);
}

static void test_split_url(void)
{
	check_split("http://h/dl?ID=ivo%3A%2F%2Fx%2Fy%3Fz", "http://h/dl", "ivo://x/y?z");
	check_split("http://h/dl?ID=ivo://x/y?z", "http://h/dl", "ivo://x/y?z");
	check_split("http://h/dl?RESPONSEFORMAT=votable&ID=a%2Bb+c&x=1",
		    "http://h/dl?RESPONSEFORMAT=votable&x=1", "a+b c");
	check_split("http://h/dl?id=lower", "http://h/dl", "lower");
	check_split("http://h/dl?ID=x#frag", "http://h/dl", "x");
	check_split("http://h/dl?a=1&&ID=x&IDX=2", "http://h/dl?a=1&IDX=2", "x");
	check_split("http://h/dl?ID=%e2%82%ac", "http://h/dl", "\xe2\x82\xac");
	/* no ID, two IDs, empty, bad escapes, NUL */
	check_split("http://h/dl", NULL, NULL);
	check_split("http://h/dl?x=ID", NULL, NULL);
	check_split("http://h/dl?ID=a&ID=b", NULL, NULL);
	check_split("http://h/dl?ID=a&id=b", NULL, NULL);
	check_split("http://h/dl?ID=", NULL, NULL);
	check_split("http://h/dl?ID", NULL, NULL);
	check_split("http://h/dl?ID=a%2", NULL, NULL);
	check_split("http://h/dl?ID=a%zz", NULL, NULL);
	check_split("http://h/dl?ID=a%00b", NULL, NULL);
	check_split("http://h/dl#?ID=x", NULL, NULL);
	check_split(NULL, NULL, NULL);
	printf("split_url: fixed cases\n");
}

static void test_pos(void)
{
	static const char *const good[] = {
		"CIRCLE 12 34 0.5", "CIRCLE 0 -90 180", "CIRCLE 359.999 90 1e-6",
		"  CIRCLE\t12.5  +34.25 .5 ", "CIRCLE -10 0 1E1",
		"RANGE 12 14 34 36", "RANGE 0 360 -2 2", "RANGE 0 360 89 90",
		"RANGE -Inf +Inf 10 +Inf", "RANGE 10 10 -90 -90",
		"POLYGON 12 34 14 34 14 36 12 36", "POLYGON 0 0 1 0 0 1",
	};
	static const struct {
		const char *pos, *msg;
	} bad[] = {
		{"", "empty"}, {"   ", "empty"},
		{"circle 1 2 3", "unknown shape 'circle'"}, {"BOX 1 2 3 4", "unknown shape 'BOX'"},
		{"CIRCLE 12 34", "CIRCLE takes 3 numbers"}, {"CIRCLE 12 34 0.5 1", "not 4"},
		{"CIRCLE 12 91 0.5", "latitude 91 is outside"}, {"CIRCLE 12 -90.5 1", "latitude -90.5"},
		{"CIRCLE 12 34 0", "radius"}, {"CIRCLE 12 34 -1", "radius"},
		{"CIRCLE 12 34 181", "radius"}, {"CIRCLE 12 34 nan", "'nan' is not a number"},
		{"CIRCLE 12 34 inf", "'inf' is not a number"}, {"CIRCLE 1e999 34 1", "not a finite"},
		{"CIRCLE 0x10 34 1", "'0x10' is not a number"}, {"CIRCLE 1,5 34 1", "'1,5'"},
		{"CIRCLE . 1 1", "'.' is not a number"}, {"CIRCLE 1e 1 1", "'1e'"},
		{"CIRCLE +Inf 1 1", "'+Inf' is not a number"},
		{"RANGE 1 2 3", "RANGE takes 4 numbers"}, {"RANGE 14 12 34 36", "longitudes"},
		{"RANGE 12 14 36 34", "latitudes"}, {"RANGE 12 14 -91 34", "latitude -91"},
		{"RANGE +Inf +Inf 1 2", "longitudes"}, {"RANGE 1 2 3 -Inf", "latitudes"},
		{"POLYGON 1 2 3 4", "at least 3 vertices"}, {"POLYGON 1 2 3 4 5", "pairs"},
		{"POLYGON 1 2 3 4 5 95", "latitude 95"}, {"POLYGON 1 2 3 4 -Inf 6", "'-Inf'"},
	};
	struct vo_err err;
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(&err, 0, sizeof err);
		if (vo_soda_check_pos(good[i], &err))
			fprintf(stderr, "    \"%s\": %s\n", good[i], err.msg);
		CHECK_INT(vo_soda_check_pos(good[i], &err), 0);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_soda_check_pos(bad[i].pos, &err), -EINVAL);
		CHECK_HAS(err.msg, bad[i].msg);
		CHECK(!strncmp(err.msg, "POS", 3));
	}
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_check_pos(NULL, &err), -EINVAL);
	printf("POS: %zu valid, %zu invalid values\n", sizeof good / sizeof good[0],
	       sizeof bad / sizeof bad[0]);
}

static const char *row_ref(void *ud, const char *ref)
{
	return vo_dl_link_cell(ud, ref);
}

static void test_soda_url(void)
{
	struct vo_dl_doc d;
	struct vo_err err;
	struct vo_buf url = VO_BUF_INIT;
	const struct vo_dl_link *row;
	const struct vo_dl_service *s;
	struct vo_dl_kv kv[2];

	CHECK_INT(parse_file("links.td.vot", &d, &err), 0);
	if (d.nlinks != 10 || d.nservices != 4) {
		CHECK(0);
		vo_dl_doc_free(&d);
		return;
	}
	/* the descriptor a #proc row points to */
	s = vo_dl_soda_sync(&d, ID_A, &row);
	CHECK(s == &d.services[1]);
	CHECK(row == &d.links[3]);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_url(s, row, "CIRCLE 12 34 0.5", &url, &err), 0);
	CHECK_STR(url.p, "http://dc.example.org/test/q/soda/dlget"
		  "?ID=ivo%3A%2F%2Fexample.org%2Ftest%3Fimages%2Fa.fits&POS=CIRCLE%2012%2034%200.5");
	/* accessURL with a query; minor version and case of the standardID */
	s = vo_dl_soda_sync(&d, ID_B, &row);
	CHECK(s == &d.services[2]);
	CHECK(row == &d.links[8]);
	CHECK_INT(vo_soda_url(s, row, "POLYGON 10 20 11 20 11 21", &url, &err), 0);
	CHECK_STR(url.p, "http://dc.example.org/test/q/soda/dlget?RESPONSEFORMAT=image/fits"
		  "&ID=ivo%3A%2F%2Fexample.org%2Ftest%3Fimages%2Fb%2C%20%22two%22.fits"
		  "&POS=POLYGON%2010%2020%2011%2020%2011%2021");
	/* no SODA for C; none for an unknown ID */
	CHECK(vo_dl_soda_sync(&d, ID_C, &row) == NULL && row == NULL);
	CHECK(vo_dl_soda_sync(&d, "nope", NULL) == NULL);
	CHECK(vo_dl_soda_sync(&d, NULL, NULL) == NULL);
	/* without the pointing row, found by its ID value */
	d.links[3].service_def = NULL;
	s = vo_dl_soda_sync(&d, ID_A, &row);
	CHECK(s == &d.services[1] && row == NULL);
	d.links[3].service_def = d.links[3].cells[2];

	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_url(NULL, NULL, "CIRCLE 1 2 3", &url, &err), -EINVAL);
	CHECK_HAS(err.msg, "no SODA descriptor");
	/* a bad POS: -EINVAL, nothing built */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_url(&d.services[1], &d.links[3], "CIRCLE 12 134 0.5", &url, &err), -EINVAL);
	CHECK_HAS(err.msg, "latitude 134");
	CHECK_INT((long long)url.len, 0);
	/* descriptors that cannot do it */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_url(&d.services[3], &d.links[5], "CIRCLE 1 2 3", &url, &err), -EINVAL);
	CHECK_STR(err.msg, "SODA descriptor 'fit-svc' has no ID input parameter");
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_soda_url(&d.services[0], &d.links[0], "CIRCLE 1 2 3", &url, &err), -EINVAL);
	CHECK_STR(err.msg, "SODA descriptor 'dlself' has no POS input parameter");
	{
		struct vo_dl_service copy = d.services[1];

		copy.access_url = NULL;
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_soda_url(&copy, &d.links[3], "CIRCLE 1 2 3", &url, &err), -EINVAL);
		CHECK_STR(err.msg, "SODA descriptor 'soda-a' has no accessURL");
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_dl_service_url(&copy, NULL, NULL, NULL, 0, &url, &err), -EINVAL);
		CHECK_HAS(err.msg, "no accessURL");
	}

	/* a custom service: ref= from the row, fixed values, user values */
	s = &d.services[3];
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_service_url(s, row_ref, &d.links[5], NULL, 0, &url, &err), 0);
	CHECK_STR(url.p, "http://fit.example.org/powlaw?obs=obs-a&model=powlaw");
	kv[0].name = "alpha";
	kv[0].value = "2.5";
	CHECK_INT(vo_dl_service_url(s, row_ref, &d.links[5], kv, 1, &url, &err), 0);
	CHECK_STR(url.p, "http://fit.example.org/powlaw?obs=obs-a&model=powlaw&alpha=2.5");
	kv[0].name = "MODEL";
	kv[0].value = "exp & co";
	kv[1].name = "alpha";
	kv[1].value = NULL;   /* no value: left out */
	CHECK_INT(vo_dl_service_url(s, row_ref, &d.links[6], kv, 2, &url, &err), 0);
	CHECK_STR(url.p, "http://fit.example.org/powlaw?obs=obs-b&MODEL=exp%20%26%20co");
	/* the referenced column is null in C's row, and no row at all */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_service_url(s, row_ref, &d.links[9], NULL, 0, &url, &err), -EINVAL);
	CHECK_HAS(err.msg, "'obsid'");
	CHECK_HAS(err.msg, "obs");
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_service_url(s, NULL, NULL, NULL, 0, &url, &err), -EINVAL);
	vo_buf_free(&url);
	vo_dl_doc_free(&d);
	printf("SODA: descriptor look-ups and URLs\n");
}

/* ====================================================== batching */

static void test_complete(void)
{
	static const char *const req4[] = {"x1", "x2", "x3", "x4"};
	static const char *const req_odd[] = {"x3", "zz", "x2", "x1"};
	static const char interleaved[] =
		"<VOTABLE><RESOURCE><TABLE><FIELD name=\"ID\" datatype=\"char\" arraysize=\"*\"/>"
		"<FIELD name=\"service_def\" datatype=\"char\" arraysize=\"*\"/><DATA><TABLEDATA>"
		"<TR><TD>x1</TD><TD>p</TD></TR><TR><TD>x2</TD><TD>p</TD></TR><TR><TD>x3</TD><TD>p</TD></TR>"
		"<TR><TD>x1</TD><TD/></TR><TR><TD>x2</TD><TD/></TR><TR><TD>x3</TD><TD/></TR>"
		"</TABLEDATA></DATA></TABLE><INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>"
		"</RESOURCE></VOTABLE>";
	struct vo_dl_doc d;
	struct vo_err err;
	unsigned char ans[4], keep[16];

	CHECK_INT(parse_file("overflow.vot", &d, &err), 0);
	CHECK_STR(d.status, "OVERFLOW");
	CHECK_STR(d.status_msg, "more than 6 links");
	CHECK_INT(d.nlinks, 6);
	memset(ans, 7, sizeof ans);
	memset(keep, 7, sizeof keep);
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 5);
	CHECK(ans[0] == 1 && ans[1] == 1 && ans[2] == 0 && ans[3] == 0);
	CHECK(keep[0] && keep[1] && keep[2] && keep[3] && keep[4] && !keep[5] && keep[6] == 7);
	/* whatever the request order; keep may be NULL */
	memset(ans, 7, sizeof ans);
	CHECK_INT(vo_dl_complete(&d, req_odd, 4, ans, NULL), 5);
	CHECK(ans[0] == 0 && ans[1] == 0 && ans[2] == 1 && ans[3] == 1);
	/* only one ID in an OVERFLOW answer: nothing is sure */
	d.nlinks = 2;
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 0);
	CHECK(!ans[0] && !ans[1] && !ans[2] && !ans[3] && !keep[0] && !keep[1]);
	d.nlinks = 0;
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 0);
	CHECK(!ans[0] && !ans[1]);
	d.nlinks = 6;
	vo_dl_doc_free(&d);

	/* rows of one ID apart (DaCHS) in a cut answer: nothing is sure */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_dl_parse(interleaved, strlen(interleaved), &d, &err), 0);
	CHECK_INT(d.nlinks, 6);
	memset(keep, 7, sizeof keep);
	memset(ans, 7, sizeof ans);
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 0);
	CHECK(!ans[0] && !ans[1] && !ans[2] && !ans[3]);
	CHECK(!keep[0] && !keep[1] && !keep[3] && !keep[5] && keep[6] == 7);
	/* the same rows without the OVERFLOW are all kept */
	free(d.status);
	d.status = NULL;
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 6);
	CHECK(ans[0] && ans[1] && ans[2] && ans[3] && keep[2] && keep[5]);
	vo_dl_doc_free(&d);

	/* no OVERFLOW: everything, and IDs without rows are answered too */
	CHECK_INT(parse_file("links.td.vot", &d, &err), 0);
	memset(ans, 0, sizeof ans);
	memset(keep, 0, sizeof keep);
	CHECK_INT(vo_dl_complete(&d, req4, 4, ans, keep), 10);
	CHECK(ans[0] == 1 && ans[1] == 1 && ans[2] == 1 && ans[3] == 1);
	CHECK(keep[0] && keep[9] && !keep[10]);
	vo_dl_doc_free(&d);
	printf("complete: which IDs an OVERFLOW answer holds in full\n");
}

/* A DataLink service with limits, answering from a made-up archive:
 * F_N IDs, ID i with i % 3 + 1 links. */
#define F_N 7
static const char *const f_ids[F_N] = {
	"ivo://t/1", "ivo://t/2?a&b", "ivo://t/3", "ivo://t/4", "ivo://t/5 <x>",
	"ivo://t/6", "ivo://t/7",
};

struct fake {
	size_t max_ids;      /* IDs per answer, then OVERFLOW; 0: all */
	size_t max_rows;     /* rows per answer, then OVERFLOW; 0: all */
	int reverse;         /* answer in reverse request order */
	int alt_cols;        /* answers after the first have other columns */
	int descriptors;     /* a "soda0" #proc link and descriptor for the
			      * first ID of each answer */
	int dachs;           /* like DaCHS 2.7: a #proc row and descriptor
			      * "procsvc", "procsvc0", ... per ID, all the
			      * #proc rows first */
	int redirect_first;  /* like DaCHS's ObsCore endpoint: answer the
			      * first ID only (a redirect naming it) */
	int stranger;        /* a row for an ID nobody asked for, first answer */
	int error_at;        /* answer n (1-based) is an ERROR document */
	int fail_at;         /* request n fails in transport */
	int html_at;         /* answer n is an HTML page */
	int none_at;         /* answer n is about none of the IDs asked */
	size_t nreq;
	size_t reqsize[32];
};

struct frow {
	const char *id, *sd, *sem;
	char url[64], sdbuf[32];
	int idx;             /* position of the ID in the answer */
};

static int f_index(const char *id)
{
	int i;

	for (i = 0; i < F_N; i++)
		if (!strcmp(f_ids[i], id))
			return i;
	return -1;
}

static void f_url(char *out, size_t n, int i, int j)
{
	snprintf(out, n, "http://h/%d/%d", i, j);
}

static void f_row(struct vo_buf *b, int alt, const char *id, const char *url,
		  const char *sd, const char *sem)
{
	const char *cells[4];
	size_t k;

	if (alt) {
		cells[0] = sem;
		cells[1] = url;
		cells[2] = id;
		cells[3] = sd;
	} else {
		cells[0] = id;
		cells[1] = url;
		cells[2] = sd;
		cells[3] = sem;
	}
	vo_buf_adds(b, "<TR>");
	for (k = 0; k < 4; k++) {
		vo_buf_adds(b, "<TD>");
		if (cells[k])
			vo_xml_escape(b, cells[k], strlen(cells[k]), 0);
		vo_buf_adds(b, "</TD>");
	}
	if (alt)
		vo_buf_adds(b, "<TD>42</TD>");
	vo_buf_adds(b, "</TR>\n");
}

static void f_descriptor(struct vo_buf *b, const char *name, const char *id)
{
	vo_buf_addf(b, "<RESOURCE type=\"meta\" utype=\"adhoc:service\" ID=\"%s\">"
		    "<PARAM name=\"standardID\" datatype=\"char\" arraysize=\"*\" "
		    "value=\"ivo://ivoa.net/std/SODA#sync-1.0\"/>"
		    "<PARAM name=\"accessURL\" datatype=\"char\" arraysize=\"*\" value=\"http://h/soda\"/>"
		    "<GROUP name=\"inputParams\"><PARAM name=\"ID\" datatype=\"char\" arraysize=\"*\" value=\"",
		    name);
	vo_xml_escape(b, id, strlen(id), 1);
	vo_buf_adds(b, "\"/><PARAM name=\"POS\" datatype=\"char\" arraysize=\"*\" value=\"\"/>"
		    "</GROUP></RESOURCE>\n");
}

static int fake_post(void *ud, const char *base, const char *const *ids, size_t k,
		     unsigned char *asked, struct vo_buf *body, struct vo_err *err)
{
	struct fake *f = ud;
	enum { MAXA = 1024, MAXR = 2 * MAXA };
	static struct frow rows[MAXR];
	static const char *answer[MAXA];
	size_t nrow = 0, nid = 0, x, r;
	int alt = f->alt_cols && f->nreq > 0, overflow = 0;

	if (f->nreq < sizeof f->reqsize / sizeof f->reqsize[0])
		f->reqsize[f->nreq] = k;
	f->nreq++;
	if (strcmp(base, "http://h/dl?x=1"))
		return vo_err_set(err, EINVAL, "wrong base %s", base);
	if ((int)f->nreq == f->fail_at)
		return vo_err_set(err, ECONNRESET, "POST %s: connection reset", base);
	if ((int)f->nreq == f->html_at) {
		vo_buf_adds(body, "<html><body>oops</body></html>");
		return 0;
	}
	if ((int)f->nreq == f->error_at) {
		vo_buf_adds(body, "<VOTABLE><RESOURCE><INFO name=\"QUERY_STATUS\" value=\"ERROR\">"
			    "UsageFault: too many</INFO></RESOURCE></VOTABLE>");
		return 0;
	}
	if ((int)f->nreq == f->none_at)
		memset(asked, 0, k);
	if (f->redirect_first && k > 1)
		memset(asked + 1, 0, k - 1);
	/* which IDs this answer is about, in the order answered */
	for (x = 0; x < k && x < MAXA; x++) {
		size_t y = f->reverse ? k - 1 - x : x;

		if (!asked[y])
			continue;
		if (f->max_ids && nid == f->max_ids) {
			overflow = 1;
			break;
		}
		answer[nid++] = ids[y];
	}
	/* the rows: DaCHS puts the #proc ones first */
	for (x = 0; f->dachs && x < nid; x++, nrow++) {
		struct frow *w = &rows[nrow];

		w->id = answer[x];
		w->url[0] = '\0';
		if (x)
			snprintf(w->sdbuf, sizeof w->sdbuf, "procsvc%zu", x - 1);
		else
			snprintf(w->sdbuf, sizeof w->sdbuf, "procsvc");
		w->sd = w->sdbuf;
		w->sem = "#proc";
		w->idx = (int)x;
	}
	for (x = 0; x < nid; x++) {
		int i = f_index(answer[x]), j, nl = i < 0 ? 1 : i % 3 + 1;

		for (j = 0; j < nl + (f->descriptors && x == 0) && nrow < MAXR; j++, nrow++) {
			struct frow *w = &rows[nrow];

			w->id = answer[x];
			w->idx = (int)x;
			if (j == nl) {
				w->url[0] = '\0';
				w->sd = "soda0";
				w->sem = "#proc";
			} else {
				f_url(w->url, sizeof w->url, i, j);
				w->sd = NULL;
				w->sem = j ? "#auxiliary" : "#this";
			}
		}
	}
	if (f->max_rows && nrow > f->max_rows) {
		nrow = f->max_rows;
		overflow = 1;
	}
	vo_buf_adds(body, "<?xml version=\"1.0\"?>\n<VOTABLE version=\"1.4\" "
		    "xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"><RESOURCE type=\"results\"><TABLE>\n");
	if (alt)
		vo_buf_adds(body, "<FIELD name=\"semantics\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"access_url\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"ID\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"service_def\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"extra\" datatype=\"int\"/>\n");
	else
		vo_buf_adds(body, "<FIELD name=\"ID\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"access_url\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"service_def\" datatype=\"char\" arraysize=\"*\"/>"
			    "<FIELD name=\"semantics\" datatype=\"char\" arraysize=\"*\"/>\n");
	vo_buf_adds(body, "<DATA><TABLEDATA>\n");
	for (r = 0; r < nrow; r++)
		f_row(body, alt, rows[r].id, rows[r].url[0] ? rows[r].url : NULL, rows[r].sd,
		      rows[r].sem);
	if (f->stranger && f->nreq == 1)
		f_row(body, alt, "ivo://stranger", "http://h/s", NULL, "#this");
	vo_buf_adds(body, "</TABLEDATA></DATA></TABLE>\n");
	if (overflow)
		vo_buf_adds(body, "<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>");
	vo_buf_adds(body, "</RESOURCE>\n");
	if (f->descriptors && nid)
		f_descriptor(body, "soda0", answer[0]);
	for (x = 0; f->dachs && x < nid; x++) {
		char name[32];

		if (x)
			snprintf(name, sizeof name, "procsvc%zu", x - 1);
		else
			snprintf(name, sizeof name, "procsvc");
		f_descriptor(body, name, answer[x]);
	}
	vo_buf_adds(body, "</VOTABLE>\n");
	return body->p ? 0 : -ENOMEM;
}

/* Links of doc in the order of ids (each i in order[]), each ID with its
 * links (max per ID: i % 3 + 1, fewer when cut) contiguous and complete. */
static void check_fetched(const struct vo_dl_doc *d, const int *order, size_t norder,
			  const int *cut_to)
{
	size_t pos = 0, o;
	char url[64];
	int bad = 0;

	for (o = 0; o < norder; o++) {
		int i = order[o], j, nl = cut_to && cut_to[i] ? cut_to[i] : i % 3 + 1;

		for (j = 0; j < nl; j++, pos++) {
			const struct vo_dl_link *l = pos < d->nlinks ? &d->links[pos] : NULL;

			f_url(url, sizeof url, i, j);
			if (!l || !l->id || strcmp(l->id, f_ids[i]) || !l->access_url ||
			    strcmp(l->access_url, url)) {
				if (!bad++)
					fprintf(stderr, "    link %zu: want %s %s, got %s %s\n", pos,
						f_ids[i], url, l && l->id ? l->id : "-",
						l && l->access_url ? l->access_url : "-");
			}
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(d->nlinks, pos);
}

/* The result of a DaCHS-like fake: per ID its #proc row (pointing at a
 * descriptor for that ID, named first_name for the first ID, names
 * starting with other_prefix for the others) then its other links. */
static void check_dachs_fetched(const struct vo_dl_doc *d, int nid,
				const char *first_name, const char *other_prefix)
{
	size_t pos = 0;
	int i, j, bad = 0;
	char url[64];

	for (i = 0; i < nid; i++) {
		const struct vo_dl_link *l = pos < d->nlinks ? &d->links[pos++] : NULL;
		const struct vo_dl_service *s = l ? vo_dl_link_service(d, l) : NULL;
		const struct vo_dl_param *p = vo_dl_service_param(s, "ID");

		if (!l || strcmp(l->id, f_ids[i]) || !l->semantics ||
		    strcmp(l->semantics, "#proc") || !p || !p->value ||
		    strcmp(p->value, f_ids[i]) ||
		    (i == 0 ? strcmp(s->id, first_name) :
		     strncmp(s->id, other_prefix, strlen(other_prefix)))) {
			if (!bad++)
				fprintf(stderr, "    #proc of %s wrong (link %zu, %s)\n", f_ids[i],
					pos - 1, s ? s->id : "no descriptor");
		}
		for (j = 0; j < i % 3 + 1; j++, pos++) {
			f_url(url, sizeof url, i, j);
			if (pos >= d->nlinks || strcmp(d->links[pos].id, f_ids[i]) ||
			    !d->links[pos].access_url || strcmp(d->links[pos].access_url, url))
				if (!bad++)
					fprintf(stderr, "    link %zu: want %s\n", pos, url);
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(d->nlinks, pos);
	CHECK_INT(d->nservices, nid);
}

static void test_fetch(void)
{
	static const int all[F_N] = {0, 1, 2, 3, 4, 5, 6};
	struct vo_dl_doc d;
	struct vo_err err;
	struct fake f;
	size_t i, j;

#define FETCH(ids, n) (memset(&err, 0, sizeof err), \
		       vo_dl_fetch_with("http://h/dl?x=1", ids, n, fake_post, &f, &d, &err))

	/* no limits: one request */
	memset(&f, 0, sizeof f);
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 1);
	CHECK_INT(f.reqsize[0], F_N);
	check_fetched(&d, all, F_N, NULL);
	CHECK_STR(d.status, "OK");
	CHECK_STR(d.status_msg, NULL);
	CHECK_STR(d.csv_header, "ID,access_url,service_def,semantics\r\n");
	CHECK(d.nlinks > 1 && !strcmp(d.links[1].csv, "ivo://t/2?a&b,http://h/1/0,,#this\r\n"));
	vo_dl_doc_free(&d);

	/* at most 3 IDs an answer: the third of each OVERFLOW answer is asked
	 * again; batches of 2 from then on */
	memset(&f, 0, sizeof f);
	f.max_ids = 3;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 4);
	CHECK(f.reqsize[0] == 7 && f.reqsize[1] == 2 && f.reqsize[2] == 2 && f.reqsize[3] == 1);
	check_fetched(&d, all, F_N, NULL);
	CHECK_STR(d.status, "OK");
	vo_dl_doc_free(&d);

	/* at most 4 rows an answer, cutting inside IDs */
	memset(&f, 0, sizeof f);
	f.max_rows = 4;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 5);
	CHECK(f.reqsize[0] == 7 && f.reqsize[1] == 2 && f.reqsize[2] == 2 &&
	      f.reqsize[3] == 1 && f.reqsize[4] == 1);
	check_fetched(&d, all, F_N, NULL);
	CHECK_STR(d.status, "OK");
	vo_dl_doc_free(&d);

	/* at most 2 rows: IDs with 3 links can never come whole; their first
	 * two are kept and the doc says OVERFLOW */
	memset(&f, 0, sizeof f);
	f.max_rows = 2;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	{
		static const int cut[F_N] = {0, 0, 2, 0, 0, 2, 0};

		check_fetched(&d, all, F_N, cut);
	}
	CHECK_STR(d.status, "OVERFLOW");
	CHECK_HAS(d.status_msg, "ivo://t/3");
	CHECK_HAS(d.status_msg, "other IDs");
	CHECK(f.nreq >= 7 && f.nreq <= 2 * F_N);
	vo_dl_doc_free(&d);

	/* answers in another order, and a row for an ID nobody asked for: the
	 * request order, the stranger last */
	memset(&f, 0, sizeof f);
	f.reverse = 1;
	f.stranger = 1;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(d.nlinks, 14);
	if (d.nlinks == 14) {
		CHECK_STR(d.links[13].id, "ivo://stranger");
		d.nlinks = 13;
		check_fetched(&d, all, F_N, NULL);
		d.nlinks = 14;
	}
	vo_dl_doc_free(&d);

	/* duplicates are asked once, kept in first-occurrence order */
	{
		const char *dup[] = {f_ids[2], f_ids[0], f_ids[2], f_ids[0], f_ids[2]};
		static const int order[] = {2, 0};

		memset(&f, 0, sizeof f);
		CHECK_INT(FETCH(dup, 5), 0);
		CHECK_INT(f.nreq, 1);
		CHECK_INT(f.reqsize[0], 2);
		check_fetched(&d, order, 2, NULL);
		vo_dl_doc_free(&d);
	}

	/* every answer has its descriptor "soda0": renamed apart, and each
	 * #proc row still finds the descriptor for its own ID */
	memset(&f, 0, sizeof f);
	f.max_ids = 3;
	f.descriptors = 1;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 4);
	CHECK_INT(d.nservices, 4);
	for (i = 0; i < d.nservices; i++)
		for (j = i + 1; j < d.nservices; j++)
			CHECK(strcmp(d.services[i].id, d.services[j].id));
	{
		/* the first ID of each answer: t/1, t/3, t/5, t/7 */
		static const int firsts[] = {0, 2, 4, 6};
		static const char *const names[] = {"soda0", "soda0~2", "soda0~3", "soda0~4"};

		for (i = 0; i < 4; i++) {
			const struct vo_dl_link *row = NULL;
			const struct vo_dl_service *s = vo_dl_soda_sync(&d, f_ids[firsts[i]], &row);
			const struct vo_dl_param *p = vo_dl_service_param(s, "ID");

			CHECK(s && row);
			CHECK_STR(p ? p->value : NULL, f_ids[firsts[i]]);
			CHECK_STR(row ? row->service_def : NULL, names[i]);
			CHECK_STR(s ? s->id : NULL, names[i]);
			if (row) {
				char want[128];

				snprintf(want, sizeof want, "%s,,%s,#proc\r\n", f_ids[firsts[i]], names[i]);
				CHECK_STR(row->csv, want);
			}
		}
	}
	vo_dl_doc_free(&d);

	/* later answers with other columns: re-rendered to the first header */
	memset(&f, 0, sizeof f);
	f.max_ids = 3;
	f.alt_cols = 1;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	check_fetched(&d, all, F_N, NULL);
	CHECK_STR(d.csv_header, "ID,access_url,service_def,semantics\r\n");
	{
		int bad = 0;

		for (i = 0; i < d.nlinks; i++) {
			char want[128];

			snprintf(want, sizeof want, "%s,%s,,%s\r\n", d.links[i].id,
				 d.links[i].access_url, d.links[i].semantics);
			if (strcmp(d.links[i].csv, want) && !bad++)
				fprintf(stderr, "    csv %zu: %s", i, d.links[i].csv);
		}
		CHECK_INT(bad, 0);
		/* the cells are the served ones */
		CHECK(d.nlinks == 13 && d.links[12].ncells == 5);
		CHECK_STR(d.nlinks == 13 ? vo_dl_link_cell(&d.links[12], "extra") : NULL, "42");
	}
	vo_dl_doc_free(&d);

	/* DaCHS's layout, #proc rows first: grouped by ID in the result */
	memset(&f, 0, sizeof f);
	f.dachs = 1;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 1);
	check_dachs_fetched(&d, 7, "procsvc", "procsvc");
	vo_dl_doc_free(&d);
	/* ... and cut after the #proc rows: one ID at a time from then on */
	memset(&f, 0, sizeof f);
	f.dachs = 1;
	f.max_rows = 10;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 8);
	CHECK(f.reqsize[0] == 7 && f.reqsize[1] == 1 && f.reqsize[7] == 1);
	check_dachs_fetched(&d, 7, "procsvc", "procsvc~");
	CHECK_STR(d.status, "OK");
	vo_dl_doc_free(&d);

	/* the endpoint answers the first ID only (a redirect naming it) */
	memset(&f, 0, sizeof f);
	f.redirect_first = 1;
	CHECK_INT(FETCH(f_ids, F_N), 0);
	CHECK_INT(f.nreq, 7);
	CHECK(f.reqsize[0] == 7 && f.reqsize[1] == 1 && f.reqsize[6] == 1);
	check_fetched(&d, all, F_N, NULL);
	vo_dl_doc_free(&d);

	/* failures: nothing kept */
	memset(&f, 0, sizeof f);
	f.none_at = 2;
	f.max_ids = 3;
	CHECK_INT(FETCH(f_ids, F_N), -EPROTO);
	CHECK_HAS(err.msg, "none of the IDs");
	CHECK(doc_is_empty(&d));
	memset(&f, 0, sizeof f);
	f.max_ids = 3;
	f.error_at = 2;
	CHECK_INT(FETCH(f_ids, F_N), -EIO);
	CHECK_HAS(err.msg, "UsageFault: too many");
	CHECK_HAS(err.msg, "http://h/dl?x=1");
	CHECK(doc_is_empty(&d));
	memset(&f, 0, sizeof f);
	f.fail_at = 1;
	CHECK_INT(FETCH(f_ids, F_N), -ECONNRESET);
	CHECK_HAS(err.msg, "connection reset");
	CHECK(doc_is_empty(&d));
	memset(&f, 0, sizeof f);
	f.html_at = 1;
	CHECK_INT(FETCH(f_ids, F_N), -EBADMSG);
	CHECK_HAS(err.msg, "not a VOTable");
	CHECK(doc_is_empty(&d));

	/* no IDs: no request */
	memset(&f, 0, sizeof f);
	CHECK_INT(FETCH(f_ids, 0), 0);
	CHECK_INT(f.nreq, 0);
	CHECK_INT(d.nlinks, 0);
	CHECK_STR(d.status, "OK");
	vo_dl_doc_free(&d);

	/* many IDs: the first batch is capped */
	{
		enum { MANY = VO_DL_MAX_BATCH + 20 };
		static char names[MANY][24];
		static const char *many[MANY];

		for (i = 0; i < MANY; i++) {
			snprintf(names[i], sizeof names[i], "ivo://many/%zu", i);
			many[i] = names[i];
		}
		memset(&f, 0, sizeof f);
		CHECK_INT(FETCH(many, MANY), 0);
		CHECK_INT(f.nreq, 2);
		CHECK(f.reqsize[0] == VO_DL_MAX_BATCH && f.reqsize[1] == 20);
		CHECK_INT(d.nlinks, MANY);
		CHECK(d.nlinks == MANY && !strcmp(d.links[MANY - 1].id, "ivo://many/519"));
		vo_dl_doc_free(&d);
	}
#undef FETCH
	printf("fetch: batching, OVERFLOW, order, duplicates, descriptors, failures\n");
}

/* ====================================================== DaCHS */

static int dachs_has(const char *name)
{
	char path[4200];
	FILE *fp;

	snprintf(path, sizeof path, "%s/dachs/%s", fixdir, name);
	fp = fopen(path, "rb");
	if (fp)
		fclose(fp);
	else
		printf("SKIP: dachs/%s is not captured (tests/server/capture.sh writes it)\n", name);
	return fp != NULL;
}

static int dachs_parse(const char *name, struct vo_dl_doc *d, struct vo_err *err)
{
	char path[256];
	size_t len;
	char *doc;
	int rc;

	snprintf(path, sizeof path, "dachs/%s", name);
	doc = check_slurp(fixdir, path, &len);
	memset(err, 0, sizeof *err);
	rc = vo_dl_parse(doc, len, d, err);
	if (rc)
		fprintf(stderr, "    %s: %s\n", name, err->msg);
	free(doc);
	return rc;
}

/* The request line MANIFEST.txt recorded for a captured file, after the
 * method ("" when absent). */
static void manifest_request(const char *file, char *out, size_t n)
{
	char *m = check_slurp(fixdir, "dachs/MANIFEST.txt", NULL), *line;
	size_t fl = strlen(file);

	out[0] = '\0';
	for (line = strtok(m, "\n"); line; line = strtok(NULL, "\n")) {
		char *g;

		if (strncmp(line, file, fl) || line[fl] != ' ')
			continue;
		if ((g = strstr(line, "| GET ")))
			snprintf(out, n, "%s", g + 6);
		break;
	}
	free(m);
}

static void pct_decode_test(const char *s, char *out, size_t n)
{
	size_t o = 0;

	for (; *s && o + 1 < n; s++) {
		unsigned v;

		if (*s == '%' && sscanf(s + 1, "%2x", &v) == 1) {
			out[o++] = (char)v;
			s += 2;
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
}

#define PLATES "ivo://vofs.test/~?vofstest/data/plates/"

static void test_dachs_captured(void)
{
	struct vo_dl_doc d, d2;
	struct vo_err err;
	struct vo_buf url = VO_BUF_INIT;
	const struct vo_dl_service *s;
	const struct vo_dl_link *row;
	const struct vo_dl_param *p;
	char name[64], want[1024], got[1024];
	size_t i;

	if (dachs_has("datalink_ffi.vot") && !dachs_parse("datalink_ffi.vot", &d, &err)) {
		CHECK_INT(d.nlinks, 3);
		CHECK_STR(d.status, "OK");
		CHECK_INT(d.nservices, 1);
		if (d.nlinks == 3) {
			check_link(&d.links[0], PLATES "ffi-0001.fits", NULL, "procsvc", NULL,
				   "An interactive service on this dataset.", "#proc", NULL, -1,
				   NULL, NULL);
			check_link(&d.links[1], PLATES "ffi-0001.fits",
				   "http://127.0.0.1:8080/vofstest/q/dl/dlget?ID=ivo%3A//vofs.test/~%3Fvofstest/data/plates/ffi-0001.fits",
				   NULL, NULL, "The full dataset.", "#this", "image/fits", 16784640,
				   NULL, NULL);
			check_link(&d.links[2], PLATES "ffi-0001.fits",
				   "http://127.0.0.1:8080/getproduct/vofstest/data/plates/ffi-0001.fits?preview=True",
				   NULL, NULL, "A preview for the dataset.", "#preview", "image/png", -1,
				   NULL, NULL);
			vo_dl_link_basename(&d.links[0], name, sizeof name);
			CHECK_STR(name, "proc.bin");
			vo_dl_link_basename(&d.links[1], name, sizeof name);
			CHECK_STR(name, "this.fits");
			vo_dl_link_basename(&d.links[2], name, sizeof name);
			CHECK_STR(name, "preview.png");
		}
		s = vo_dl_soda_sync(&d, PLATES "ffi-0001.fits", &row);
		CHECK(s && d.nservices == 1 && s == &d.services[0]);
		CHECK(d.nlinks == 3 && row == &d.links[0]);
		if (s) {
			CHECK_STR(s->id, "procsvc");
			CHECK_STR(s->name, "proc_svc");
			CHECK_STR(s->access_url, "http://127.0.0.1:8080/vofstest/q/dl/dlget");
			CHECK_INT(s->nparams, 10);
			p = vo_dl_service_param(s, "KIND");
			CHECK_STR(p ? p->options : NULL, "HEADER\nDATA");
			p = vo_dl_service_param(s, "CIRCLE");
			CHECK_STR(p ? p->max : NULL, "156.000729718 47.9995117164 1.4139268915");
			CHECK_STR(p ? p->xtype : NULL, "circle");
			p = vo_dl_service_param(s, "RA");
			CHECK_STR(p ? p->min : NULL, "154.47709970775594");
			CHECK_STR(p ? p->unit : NULL, "deg");
			/* the cutout URL is the one the capture asked, encoded */
			memset(&err, 0, sizeof err);
			CHECK_INT(vo_soda_url(s, row, "CIRCLE 156.01 48.15 0.05", &url, &err), 0);
			CHECK_STR(url.p, "http://127.0.0.1:8080/vofstest/q/dl/dlget"
				  "?ID=ivo%3A%2F%2Fvofs.test%2F~%3Fvofstest%2Fdata%2Fplates%2Fffi-0001.fits"
				  "&POS=CIRCLE%20156.01%2048.15%200.05");
			manifest_request("soda_cutout_ffi.fits", want, sizeof want);
			pct_decode_test(url.p ? url.p : "", got, sizeof got);
			if (want[0])
				CHECK_STR(got, want);
			else
				printf("SKIP: soda_cutout_ffi.fits is not in MANIFEST.txt\n");
		}
		vo_dl_doc_free(&d);
	}

	/* three IDs: each #proc row first, then the others (not contiguous);
	 * one descriptor per ID; POST gives the same as GET */
	if (dachs_has("datalink_3ids.vot") && dachs_has("datalink_3ids_post.vot") &&
	    !dachs_parse("datalink_3ids.vot", &d, &err)) {
		static const char *const ids[3] = {PLATES "ffi-0001.fits", PLATES "plate-0001.fits",
						   PLATES "plate-0002.fits"};
		static const char *const svcs[3] = {"procsvc", "procsvc0", "procsvc1"};
		unsigned char ans[3], keep[16];

		CHECK_INT(d.nlinks, 9);
		CHECK_INT(d.nservices, 3);
		for (i = 0; i < 3 && d.nlinks == 9; i++) {
			s = vo_dl_soda_sync(&d, ids[i], &row);
			CHECK(row == &d.links[i]);
			CHECK_STR(s ? s->id : NULL, svcs[i]);
			p = vo_dl_service_param(s, "ID");
			CHECK_STR(p ? p->value : NULL, ids[i]);
			CHECK_STR(d.links[3 + 2 * i].id, ids[i]);
			CHECK_STR(d.links[3 + 2 * i].semantics, "#this");
		}
		CHECK_INT(vo_dl_complete(&d, ids, 3, ans, keep), 9);
		CHECK(ans[0] && ans[1] && ans[2]);
		if (!dachs_parse("datalink_3ids_post.vot", &d2, &err)) {
			CHECK_INT(d2.nlinks, d.nlinks);
			for (i = 0; i < d.nlinks && i < d2.nlinks; i++)
				CHECK_STR(d2.links[i].csv, d.links[i].csv);
			vo_dl_doc_free(&d2);
		}
		vo_dl_doc_free(&d);
	}

	if (dachs_has("datalink_mixed_ids.vot") && !dachs_parse("datalink_mixed_ids.vot", &d, &err)) {
		CHECK_INT(d.nlinks, 6);
		if (d.nlinks == 6) {
			CHECK_STR(d.links[3].id, PLATES "nosuch.fits");
			CHECK(d.links[3].error_message &&
			      !strncmp(d.links[3].error_message, "NotFoundFault: ", 15));
			CHECK(!d.links[3].access_url && !d.links[3].service_def);
			CHECK(d.links[4].error_message &&
			      !strncmp(d.links[4].error_message, "AuthenticationFault: ", 21));
			CHECK_STR(d.links[5].id, "ivo://elsewhere/x");
			CHECK_STR(d.links[5].semantics, "#this");
			CHECK_INT(d.links[5].content_length, -1);
		}
		CHECK(vo_dl_soda_sync(&d, "ivo://elsewhere/x", NULL) == NULL);
		CHECK(vo_dl_soda_sync(&d, PLATES "plate-0003.fits", NULL) != NULL);
		vo_dl_doc_free(&d);
	}
	if (dachs_has("datalink_unknown_id.vot") && !dachs_parse("datalink_unknown_id.vot", &d, &err)) {
		CHECK_INT(d.nlinks, 1);
		CHECK_INT(d.nservices, 0);
		CHECK(d.nlinks == 1 && d.links[0].error_message &&
		      strstr(d.links[0].error_message, "nosuch.fits"));
		vo_dl_doc_free(&d);
	}
	if (dachs_has("obscore_dl_lc.vot") && !dachs_parse("obscore_dl_lc.vot", &d, &err)) {
		CHECK_INT(d.nlinks, 1);
		if (d.nlinks == 1)
			check_link(&d.links[0], "ivo://vofs.test/~?vofstest/data/lc/lc-0001.fits",
				   "http://127.0.0.1:8080/getproduct/vofstest/data/lc/lc-0001.fits",
				   NULL, NULL, "The main data product", "#this", "application/fits",
				   2876416, NULL, NULL);
		vo_dl_doc_free(&d);
	}
	/* the ObsCore links endpoint sends a request for two plates on to the
	 * plates' own service, naming only the first */
	if (dachs_has("obscore_dl_plate_redirect.txt.headers")) {
		char *h = check_slurp(fixdir, "dachs/obscore_dl_plate_redirect.txt.headers", NULL);
		char *loc = strstr(h, "Location: "), *b = NULL, *id = NULL;

		CHECK(loc != NULL);
		if (loc) {
			loc += 10;
			loc[strcspn(loc, "\r\n")] = '\0';
			CHECK_INT(vo_dl_split_url(loc, &b, &id), 0);
			CHECK_STR(b, "http://127.0.0.1:8080/vofstest/q/dl/dlmeta");
			CHECK_STR(id, PLATES "plate-0001.fits");
			free(b);
			free(id);
		}
		free(h);
	}
	/* TAP results carry the ObsCore links descriptor, ID from a column */
	{
		static const char *const taps[] = {"obscore_plates_binary.vot",
						   "obscore_plates_tabledata.vot",
						   "obscore_lc_binary.vot",
						   "obscore_lc_awkward_tabledata.vot"};

		for (i = 0; i < 4; i++) {
			struct vcoll c;
			struct vo_dl_service *sv = NULL;
			size_t n = 0, len;
			char *doc, *meta = NULL, path[128];

			if (!dachs_has(taps[i]))
				continue;
			snprintf(path, sizeof path, "dachs/%s", taps[i]);
			doc = check_slurp(fixdir, path, &len);
			CHECK_INT(vot_read(doc, len, 4096, &c, &meta, NULL, 0, &err), 0);
			CHECK(c.nrows > 0);
			CHECK_INT(vo_dl_parse_services(meta ? meta : "", meta ? strlen(meta) : 0,
						       &sv, &n, &err), 0);
			CHECK_INT(n, 1);
			if (n == 1) {
				CHECK_STR(sv[0].name, "links");
				CHECK(vo_dl_service_is(&sv[0], VO_DL_STD_LINKS));
				CHECK_STR(sv[0].access_url,
					  "http://127.0.0.1:8080/__system__/obscore/dl/dlmeta");
				CHECK(sv[0].description &&
				      !strncmp(sv[0].description, "A datalink service accompanying obscore.", 40));
				CHECK_STR(vo_dl_service_param(&sv[0], "ID") ?
					  vo_dl_service_param(&sv[0], "ID")->ref : NULL,
					  "obs_publisher_did");
			}
			vo_dl_services_free(sv, n);
			free(meta);
			free(doc);
		}
	}
	vo_buf_free(&url);
	printf("dachs: captured DataLink documents and descriptors\n");
}

/* Any other captured DataLink document must at least parse sensibly. */
static void test_dachs_all(void)
{
	char dir[4096];
	struct dirent *e;
	DIR *dp;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/dachs", fixdir);
	dp = opendir(dir);
	if (!dp) {
		printf("SKIP: no captured documents in %s\n", dir);
		return;
	}
	while ((e = readdir(dp))) {
		struct vo_dl_doc d;
		struct vo_err err;
		size_t i, len = strlen(e->d_name);

		if (strncmp(e->d_name, "datalink", 8) || len < 4 ||
		    strcmp(e->d_name + len - 4, ".vot"))
			continue;
		if (dachs_parse(e->d_name, &d, &err)) {
			CHECK(0);
			continue;
		}
		CHECK(d.nlinks > 0);
		for (i = 0; i < d.nlinks; i++) {
			const struct vo_dl_link *l = &d.links[i];

			CHECK(l->id != NULL);
			CHECK(!!l->access_url + !!l->service_def + !!l->error_message == 1);
			if (l->service_def)
				CHECK(vo_dl_link_service(&d, l) != NULL);
		}
		vo_dl_doc_free(&d);
		n++;
	}
	closedir(dp);
	printf("dachs: %d captured DataLink documents parse\n", n);
}

int main(int argc, char **argv)
{
	fixdir = check_init_fixtures(argc, argv);
	vo_csv_set_crlf(1);   /* the expected links.csv rows below are RFC 4180 */
	test_votable_meta();
	test_parse_links();
	test_parse_odd();
	test_parse_bad();
	test_services();
	test_semantics();
	test_names();
	test_split_url();
	test_pos();
	test_soda_url();
	test_complete();
	test_fetch();
	test_dachs_captured();
	test_dachs_all();
	return check_done("test_datalink");
}
