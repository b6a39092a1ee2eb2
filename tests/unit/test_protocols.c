/* tests/unit/test_protocols.c - vo/uws.c, vo/vosi.c and fs/names.c.
 *
 *   test_protocols FIXTURE_DIR
 *
 * UWS job documents, VOSI capabilities and tablesets, DALI examples: the
 * documents GAVO DaCHS served (fixtures/dachs/) must give the values that
 * are in them, whatever the chunking; hand-written documents cover what
 * DaCHS does not send (UWS 1.0 prefixes, TAP 1.0 capabilities, XHTML
 * entities); hostile documents must fail cleanly.  A synthetic VizieR-sized
 * tableset checks that tables stream.  File names: the escape must be
 * reversible and canonical.  Only the pure parsers are called: no network.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "check.h"
#include "names.h"
#include "uws.h"
#include "vosi.h"

static const char *fixdir;

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	/* xorshift32: reproducible on every platform */
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ================================================================ UWS */

static int uws(const char *doc, struct vo_uws_job *job, struct vo_err *err)
{
	memset(err, 0, sizeof *err);
	return vo_uws_parse(doc, strlen(doc), job, err);
}

static void test_uws_captured(void)
{
	struct vo_uws_job job;
	struct vo_err err;
	char *doc;
	size_t len;

	doc = check_slurp(fixdir, "dachs/uws_job_completed.xml", &len);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_uws_parse(doc, len, &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_COMPLETED);
	CHECK_STR(job.job_id, "v7dql5g1");
	CHECK_STR(job.start_time, "2026-11-21T05:42:45Z");
	CHECK_STR(job.end_time, "2026-11-21T05:42:45Z");
	CHECK_STR(job.result_url,
		  "http://127.0.0.1:8080/__system__/tap/run/async/v7dql5g1/results/result");
	CHECK_STR(job.error_summary, "");
	CHECK_INT(err.code, 0);
	free(doc);

	doc = check_slurp(fixdir, "dachs/uws_job_error.xml", &len);
	CHECK_INT(vo_uws_parse(doc, len, &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_ERROR);
	CHECK_STR(job.job_id, "2uj3m5cd");
	CHECK_STR(job.start_time, "2026-11-21T05:42:47Z");
	CHECK_STR(job.end_time, "2026-11-21T05:42:47Z");
	CHECK_STR(job.result_url, "");
	CHECK_STR(job.error_summary,
		  "Field query: Could not parse your query: Expected \"SELECT\", "
		  "found 'S'  (at char 0), (line:1, col:1)");
	free(doc);

	/* PENDING: startTime and endTime are xsi:nil */
	doc = check_slurp(fixdir, "dachs/uws_job_pending.xml", &len);
	CHECK_INT(vo_uws_parse(doc, len, &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_PENDING);
	CHECK_STR(job.job_id, "v7dql5g1");
	CHECK_STR(job.start_time, "");
	CHECK_STR(job.end_time, "");
	CHECK_STR(job.result_url, "");
	free(doc);

	/* a job list and a result list are UWS, but not a job */
	doc = check_slurp(fixdir, "dachs/uws_joblist.xml", &len);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_uws_parse(doc, len, &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "not a UWS job document");
	free(doc);
	doc = check_slurp(fixdir, "dachs/uws_results.xml", &len);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_uws_parse(doc, len, &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "not a UWS job document");
	free(doc);

	/* byte by byte is not possible through vo_uws_parse, but every
	 * truncation of a real document must fail without a crash */
	doc = check_slurp(fixdir, "dachs/uws_job_completed.xml", &len);
	{
		size_t cut;
		int bad = 0;

		for (cut = 0; cut < len; cut++) {
			memset(&err, 0, sizeof err);
			if (vo_uws_parse(doc, cut, &job, &err) != -EBADMSG || !err.msg[0])
				bad++;
		}
		CHECK_INT(bad, 0);
		memset(&err, 0, sizeof err);
		CHECK_INT(vo_uws_parse(doc, len / 2, &job, &err), -EBADMSG);
		CHECK_HAS(err.msg, "truncated");
	}
	free(doc);
}

static void test_uws_phases(void)
{
	static const struct {
		enum vo_uws_phase ph;
		const char *name;
		int active, final, err;
	} t[] = {
		{VO_UWS_UNKNOWN, "UNKNOWN", 1, 0, EAGAIN},
		{VO_UWS_PENDING, "PENDING", 1, 0, EAGAIN},
		{VO_UWS_QUEUED, "QUEUED", 1, 0, EAGAIN},
		{VO_UWS_EXECUTING, "EXECUTING", 1, 0, EAGAIN},
		{VO_UWS_COMPLETED, "COMPLETED", 0, 1, 0},
		{VO_UWS_ERROR, "ERROR", 0, 1, EIO},
		{VO_UWS_ABORTED, "ABORTED", 0, 1, ECANCELED},
		{VO_UWS_HELD, "HELD", 1, 0, EAGAIN},
		{VO_UWS_SUSPENDED, "SUSPENDED", 1, 0, EAGAIN},
		{VO_UWS_ARCHIVED, "ARCHIVED", 0, 1, ENOENT},
	};
	size_t i;

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		char s[64], lowered[32];
		size_t k;

		CHECK_STR(vo_uws_phase_name(t[i].ph), t[i].name);
		CHECK_INT(vo_uws_phase_active(t[i].ph), t[i].active);
		CHECK_INT(vo_uws_phase_final(t[i].ph), t[i].final);
		CHECK_INT(vo_uws_phase_errno(t[i].ph), t[i].err);
		if (t[i].ph == VO_UWS_UNKNOWN)
			continue;   /* "UNKNOWN" is not a UWS phase name */
		CHECK_INT(vo_uws_phase_parse(t[i].name), t[i].ph);
		for (k = 0; t[i].name[k]; k++)
			lowered[k] = (char)(t[i].name[k] - 'A' + 'a');
		lowered[k] = '\0';
		CHECK_INT(vo_uws_phase_parse(lowered), t[i].ph);
		/* mixed case and whitespace on both sides, as in a
		 * text/plain body of GET job/phase */
		snprintf(s, sizeof s, " \t\r\n%c%s\r\n", t[i].name[0], lowered + 1);
		CHECK_INT(vo_uws_phase_parse(s), t[i].ph);
		snprintf(s, sizeof s, "%sX", t[i].name);
		CHECK_INT(vo_uws_phase_parse(s), VO_UWS_UNKNOWN);
		snprintf(s, sizeof s, "%.*s", (int)strlen(t[i].name) - 1, t[i].name);
		CHECK_INT(vo_uws_phase_parse(s), VO_UWS_UNKNOWN);
	}
	CHECK_INT(vo_uws_phase_parse(""), VO_UWS_UNKNOWN);
	CHECK_INT(vo_uws_phase_parse("  \n"), VO_UWS_UNKNOWN);
	CHECK_INT(vo_uws_phase_parse("RUN"), VO_UWS_UNKNOWN);
	CHECK_INT(vo_uws_phase_parse("FINISHED"), VO_UWS_UNKNOWN);
	CHECK_STR(vo_uws_phase_name((enum vo_uws_phase)99), "UNKNOWN");
	/* the real text/plain answer DaCHS gave */
	{
		char *doc = check_slurp(fixdir, "dachs/uws_phase.txt", NULL);

		CHECK_INT(vo_uws_phase_parse(doc), VO_UWS_COMPLETED);
		free(doc);
	}
}

static void test_uws_handwritten(void)
{
	struct vo_uws_job job;
	struct vo_err err;
	char *doc;

	/* UWS 1.0, another prefix */
	CHECK_INT(uws("<?xml version=\"1.0\"?>\n"
		      "<w:job xmlns:w=\"http://www.ivoa.net/xml/UWS/v1.0\" "
		      "xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
		      "  <w:jobId>\n    job-17\n  </w:jobId>\n"
		      "  <w:runId>r</w:runId>\n"
		      "  <w:phase> EXECUTING </w:phase>\n"
		      "  <w:startTime>2024-01-02T03:04:05.678</w:startTime>\n"
		      "  <w:endTime xsi:nil=\"true\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>\n"
		      "  <w:results/>\n"
		      "</w:job>\n", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_EXECUTING);
	CHECK_STR(job.job_id, "job-17");
	CHECK_STR(job.start_time, "2024-01-02T03:04:05.678");
	CHECK_STR(job.end_time, "");

	/* UWS 1.0 in the default namespace, no prefix; the result named
	 * "result" wins over earlier ones, and entities are expanded */
	CHECK_INT(uws("<job xmlns=\"http://www.ivoa.net/xml/UWS/v1.0\" "
		      "xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
		      "<jobId>a&amp;b</jobId><phase>completed</phase>"
		      "<results>"
		      "<result id=\"log\" xlink:href=\"http://x/log?a=1&amp;b=2\"/>"
		      "<result id=\"result\" xlink:href=\"http://x/result\"/>"
		      "<result id=\"other\" xlink:href=\"http://x/other\"/>"
		      "</results></job>", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_COMPLETED);
	CHECK_STR(job.job_id, "a&b");
	CHECK_STR(job.result_url, "http://x/result");

	/* no result named "result": the first one */
	CHECK_INT(uws("<job xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
		      "<phase>COMPLETED</phase><results>"
		      "<result id=\"table\" xlink:href=\"http://x/first&amp;x\"/>"
		      "<result id=\"log\" xlink:href=\"http://x/second\"/>"
		      "</results></job>", &job, &err), 0);
	CHECK_STR(job.result_url, "http://x/first&x");

	/* xsi:nil everywhere (a job that has not been given an id yet) */
	CHECK_INT(uws("<uws:job xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" "
		      "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
		      "<uws:jobId xsi:nil=\"true\"/><uws:ownerId xsi:nil=\"true\"/>"
		      "<uws:phase>QUEUED</uws:phase>"
		      "<uws:startTime xsi:nil=\"true\"></uws:startTime>"
		      "<uws:endTime xsi:nil=\"true\"/>"
		      "</uws:job>", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_QUEUED);
	CHECK_STR(job.job_id, "");
	CHECK_STR(job.start_time, "");

	/* an unknown phase name parses, as UNKNOWN */
	CHECK_INT(uws("<job><phase>WAITING</phase></job>", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_UNKNOWN);

	/* errorSummary with the message split by a comment and a CDATA
	 * section, whitespace around it trimmed */
	CHECK_INT(uws("<job><phase>ERROR</phase><errorSummary type=\"fatal\">\n"
		      "<message>\n  disk <!-- c --><![CDATA[full <now>]]>\n</message>"
		      "</errorSummary></job>", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_ERROR);
	CHECK_STR(job.error_summary, "disk full <now>");

	/* an over-long message is cut, not overflowed */
	{
		struct vo_buf b = VO_BUF_INIT;
		size_t i;

		vo_buf_adds(&b, "<job><phase>ERROR</phase><errorSummary><message>");
		for (i = 0; i < 5000; i++)
			vo_buf_addc(&b, (char)('a' + i % 26));
		vo_buf_adds(&b, "</message></errorSummary><jobId>");
		for (i = 0; i < 1000; i++)
			vo_buf_addc(&b, 'j');
		vo_buf_adds(&b, "</jobId></job>");
		CHECK_INT(uws(b.p, &job, &err), 0);
		CHECK_INT(strlen(job.error_summary), sizeof job.error_summary - 1);
		CHECK_MEM(job.error_summary, 3, "abc", 3);
		CHECK_INT(strlen(job.job_id), sizeof job.job_id - 1);
		vo_buf_free(&b);
	}

	/* jobInfo may hold any XML: its elements are not the job's */
	CHECK_INT(uws("<job><jobId>real</jobId><phase>EXECUTING</phase>"
		      "<jobInfo><phase>COMPLETED</phase><jobId>fake</jobId>"
		      "<startTime>1999</startTime></jobInfo>"
		      "<startTime>2024</startTime></job>", &job, &err), 0);
	CHECK_INT(job.phase, VO_UWS_EXECUTING);
	CHECK_STR(job.job_id, "real");
	CHECK_STR(job.start_time, "2024");
	/* a <message> outside errorSummary, a <result> outside results */
	CHECK_INT(uws("<job><phase>ERROR</phase><jobInfo><message>m</message>"
		      "<result href=\"http://x/no\"/></jobInfo></job>", &job, &err), 0);
	CHECK_STR(job.error_summary, "");
	CHECK_STR(job.result_url, "");

	/* --- malformed --- */
	/* no phase */
	CHECK_INT(uws("<job><jobId>x</jobId></job>", &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "without a phase");
	CHECK_INT(uws("<job><phase>  </phase></job>", &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "without a phase");
	/* a VOTable (what job/error answers) */
	doc = check_slurp(fixdir, "dachs/uws_error.vot", NULL);
	CHECK_INT(uws(doc, &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "not a UWS job document");
	free(doc);
	/* XHTML: well-formed, but not a job */
	CHECK_INT(uws("<html xmlns=\"http://www.w3.org/1999/xhtml\"><body><p>job</p>"
		      "</body></html>", &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "not a UWS job document");
	/* HTML: not even XML */
	CHECK_INT(uws("<!DOCTYPE html><html><body><p>Service unavailable<br>"
		      "</body></html>", &job, &err), -EBADMSG);
	CHECK(err.msg[0] != '\0');
	/* text/plain */
	CHECK_INT(uws("COMPLETED\n", &job, &err), -EBADMSG);
	CHECK(err.msg[0] != '\0');
	CHECK_INT(uws("", &job, &err), -EBADMSG);
	CHECK(err.msg[0] != '\0');
	/* truncated in a tag, in text */
	CHECK_INT(uws("<job><phase>COMPLETED</phase><results><result id=\"re", &job, &err),
		  -EBADMSG);
	CHECK_INT(uws("<job><phase>COMPL", &job, &err), -EBADMSG);
	CHECK_HAS(err.msg, "truncated");
	/* entity bomb: refused, not expanded */
	{
		double t0 = now_s();

		CHECK_INT(uws("<?xml version=\"1.0\"?>\n<!DOCTYPE job [\n"
			      " <!ENTITY a \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\">\n"
			      " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n"
			      " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">\n"
			      " <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">\n"
			      " <!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">\n"
			      " <!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">\n"
			      " <!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">\n"
			      "]>\n<job><phase>ERROR</phase><errorSummary><message>&g;"
			      "</message></errorSummary></job>", &job, &err), -EBADMSG);
		CHECK_HAS(err.msg, "entity");
		CHECK(now_s() - t0 < 2.0);
		/* external entity: not fetched, refused */
		CHECK_INT(uws("<!DOCTYPE job [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
			      "<job><phase>ERROR</phase><jobId>&x;</jobId></job>",
			      &job, &err), -EBADMSG);
		CHECK_STR(job.job_id, "");
	}
	/* deep nesting */
	{
		struct vo_buf b = VO_BUF_INIT;
		int i;

		vo_buf_adds(&b, "<job><phase>QUEUED</phase><jobInfo>");
		for (i = 0; i < 100000; i++)
			vo_buf_adds(&b, "<x>");
		CHECK_INT(uws(b.p, &job, &err), -EBADMSG);
		CHECK_HAS(err.msg, "nesting");
		vo_buf_free(&b);
	}
	/* NUL byte inside */
	{
		static const char nul[] = "<job><phase>COMP\0LETED</phase></job>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_uws_parse(nul, sizeof nul - 1, &job, &err), -EBADMSG);
	}
	printf("UWS: captured, hand-written and malformed job documents\n");
}

/* ====================================================== capabilities */

static void test_caps_dachs(void)
{
	struct vo_caps c;
	struct vo_buf d = VO_BUF_INIT;
	struct vo_err err = {0};
	size_t len;
	char *doc = check_slurp(fixdir, "dachs/capabilities.xml", &len);

	CHECK_INT(vo_caps_parse(doc, len, &c, &err), 0);
	CHECK_STR(c.tap_base, "http://127.0.0.1:8080/tap");
	CHECK_STR(c.tap_version, "1.1");
	CHECK_STR(c.tables_url, "http://127.0.0.1:8080/__system__/tap/run/tableMetadata");
	CHECK_STR(c.examples_url, "http://127.0.0.1:8080/__system__/tap/run/examples");
	CHECK_STR(c.availability_url, "http://127.0.0.1:8080/__system__/tap/run/availability");
	CHECK_STR(c.languages.p, "ADQL 2.0, ADQL 2.1");
	CHECK_INT(c.nlanguages, 2);
	CHECK_INT(c.maxrec_default, 20000);
	CHECK_INT(c.maxrec_hard, 20000000);
	CHECK_INT(c.retention_default, 172800);
	CHECK_INT(c.retention_hard, -1);
	CHECK_INT(c.exec_default, 3600);
	CHECK_INT(c.exec_hard, -1);
	/* mime (first alias), one a line, in document order */
	CHECK_MEM(c.formats.p, strcspn(c.formats.p, "\n"),
		  "text/tab-separated-values (tsv)", 31);
	CHECK_HAS(c.formats.p, "\ntext/csv (csv_bare)\n");
	CHECK_HAS(c.formats.p, "\ntext/csv;header=present (csv)\n");
	CHECK_HAS(c.formats.p, "\napplication/x-votable+xml (votable)\n");
	CHECK_HAS(c.formats.p, "\napplication/x-votable+xml;serialization=BINARY2 (votable/b2)\n");
	CHECK_HAS(c.formats.p, "\napplication/x-votable+xml;serialization=TABLEDATA (text/xml)\n");
	{
		size_t n = 0;
		const char *s;

		for (s = c.formats.p; *s; s++)
			n += *s == '\n';
		CHECK_INT(n, 16);
	}
	CHECK_STR(c.uploads.p,
		  "ivo://ivoa.net/std/TAPRegExt#upload-inline\n"
		  "ivo://ivoa.net/std/TAPRegExt#upload-http\n"
		  "ivo://ivoa.net/std/TAPRegExt#upload-https\n"
		  "ivo://ivoa.net/std/TAPRegExt#upload-ftp\n");
	CHECK_INT(vo_caps_upload_inline(&c), 1);
	/* only the adqlgeo features, not the UDFs nor the string functions */
	CHECK_STR(c.geometry.p, "BOX POINT CIRCLE POLYGON REGION CENTROID COORD1 COORD2 "
		  "DISTANCE CONTAINS INTERSECTS AREA");
	CHECK_STR(c.other_caps.p, "ivo://ivoa.net/std/VOSI#availability\n"
		  "ivo://ivoa.net/std/VOSI#tables\n"
		  "ivo://ivoa.net/std/DALI#examples\n");

	CHECK_INT(vo_caps_describe(&c, "dachs", "http://127.0.0.1:8080/tap", &d), 0);
	CHECK_HAS(d.p, "service               dachs\n");
	CHECK_HAS(d.p, "TAP base URL          http://127.0.0.1:8080/tap\n");
	CHECK(!strstr(d.p, "TAP access URL"));   /* same as the base */
	CHECK_HAS(d.p, "\nTAP version           1.1\n");
	CHECK_HAS(d.p, "\nsync endpoint         http://127.0.0.1:8080/tap/sync\n");
	CHECK_HAS(d.p, "\ntables                http://127.0.0.1:8080/__system__/tap/run/tableMetadata\n");
	CHECK_HAS(d.p, "\nexamples              http://127.0.0.1:8080/__system__/tap/run/examples\n");
	CHECK_HAS(d.p, "\navailability          http://127.0.0.1:8080/__system__/tap/run/availability\n");
	CHECK_HAS(d.p, "\nquery languages       ADQL 2.0, ADQL 2.1\n");
	CHECK_HAS(d.p, "\nADQL geometry         BOX POINT CIRCLE POLYGON ");
	CHECK_HAS(d.p, "\nMAXREC (rows)         default 20000, hard 20000000\n");
	CHECK_HAS(d.p, "\nretention             default 172800 s\n");
	CHECK_HAS(d.p, "\nexecution duration    default 3600 s\n");
	CHECK_HAS(d.p, "\noutput formats\n  text/tab-separated-values (tsv)\n");
	CHECK_HAS(d.p, "\n  text/csv (csv_bare)\n");
	CHECK_HAS(d.p, "\nupload methods\n  ivo://ivoa.net/std/TAPRegExt#upload-inline\n");
	vo_buf_reset(&d);
	CHECK_INT(vo_caps_describe(&c, "dachs", "http://proxy/tap", &d), 0);
	CHECK_HAS(d.p, "\nTAP access URL        http://127.0.0.1:8080/tap\n");
	vo_buf_free(&d);
	vo_caps_free(&c);
	CHECK(c.tap_base == NULL && c.languages.p == NULL);
	vo_caps_free(&c);   /* twice is harmless */
	vo_caps_free(NULL);

	/* every chunk of a truncated document fails cleanly */
	{
		size_t cut;
		int bad = 0;

		for (cut = 0; cut < len; cut += 97) {
			memset(&err, 0, sizeof err);
			if (vo_caps_parse(doc, cut, &c, &err) != -EBADMSG || !err.msg[0])
				bad++;
			vo_caps_free(&c);
		}
		CHECK_INT(bad, 0);
	}
	free(doc);
	printf("capabilities.xml: TAP 1.1, 2 languages, 16 formats, 4 uploads, limits\n");
}

static void test_caps_handwritten(void)
{
	struct vo_caps c;
	struct vo_buf d = VO_BUF_INIT;
	struct vo_err err = {0};
	const char *tap10 =
		"<?xml version=\"1.0\"?>\n"
		"<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\"\n"
		"  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
		"  xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.0\">\n"
		" <capability standardID=\"ivo://ivoa.net/std/TAP\">\n"
		"  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n"
		"   <accessURL use=\"base\"> http://example.org/tap </accessURL>\n"
		"  </interface>\n"
		"  <language><name>ADQL</name><version>2.0</version></language>\n"
		" </capability>\n"
		" <capability standardID=\"ivo://ivoa.net/std/VOSI#tables\">\n"
		"  <interface xsi:type=\"vs:ParamHTTP\" role=\"std\">\n"
		"   <accessURL use=\"full\">http://example.org/tap/tables</accessURL>\n"
		"  </interface>\n"
		" </capability>\n"
		"</vosi:capabilities>\n";

	CHECK_INT(vo_caps_parse(tap10, strlen(tap10), &c, &err), 0);
	CHECK_STR(c.tap_base, "http://example.org/tap");
	CHECK(c.tap_version == NULL);
	CHECK_STR(c.tables_url, "http://example.org/tap/tables");
	CHECK(c.examples_url == NULL);
	CHECK(c.availability_url == NULL);
	CHECK_STR(c.languages.p, "ADQL 2.0");
	CHECK_INT(c.maxrec_default, -1);
	CHECK_INT(c.maxrec_hard, -1);
	CHECK_INT(c.retention_default, -1);
	CHECK_INT(c.exec_hard, -1);
	CHECK_INT(c.formats.len, 0);
	CHECK_INT(c.geometry.len, 0);
	CHECK_INT(vo_caps_describe(&c, "tap10", "http://example.org/tap", &d), 0);
	CHECK_HAS(d.p, "\nTAP version           not stated\n");
	CHECK_HAS(d.p, "\nexamples              (not declared)\n");
	CHECK_HAS(d.p, "\nMAXREC (rows)         default not stated\n");
	CHECK_HAS(d.p, "\nretention             default not stated\n");
	CHECK_HAS(d.p, "\noutput formats\n  (not declared; VOTable is always available)\n");
	CHECK(!strstr(d.p, "upload methods"));
	CHECK_INT(vo_caps_upload_inline(&c), 0);   /* none declared */
	/* ivo-ids compare without case; only inline upload counts */
	vo_buf_adds(&c.uploads, "ivo://ivoa.net/std/TAPRegExt#upload-http\n");
	CHECK_INT(vo_caps_upload_inline(&c), 0);
	vo_buf_adds(&c.uploads, "IVO://ivoa.net/std/TAPRegExt#Upload-Inline\n");
	CHECK_INT(vo_caps_upload_inline(&c), 1);
	vo_buf_reset(&c.uploads);
	vo_buf_adds(&c.uploads, "ivo://ivoa.net/std/TAPRegExt#upload-inline-not");
	CHECK_INT(vo_caps_upload_inline(&c), 0);
	CHECK(!strstr(d.p, "ADQL geometry"));
	CHECK(!strstr(d.p, "availability "));
	vo_buf_free(&d);
	vo_caps_free(&c);

	/* the role="std" interface wins over an auxiliary one, whatever the
	 * order; only a hard limit stated */
	{
		const char *aux_first =
			"<capabilities><capability standardID=\"ivo://ivoa.net/std/TAP\">"
			"<interface><accessURL>http://aux/tap</accessURL></interface>"
			"<interface role=\"std\" version=\"1.1\"><accessURL>http://std/tap</accessURL></interface>"
			"<outputLimit><hard unit=\"row\">500</hard></outputLimit>"
			"</capability></capabilities>";
		char *no_aux = check_replace_all(aux_first, "<interface><accessURL>http://aux/tap"
					   "</accessURL></interface>", "");
		char *std_first = check_replace_all(no_aux, "</interface><output",
					      "</interface><interface><accessURL>http://aux/tap"
					      "</accessURL></interface><output");

		free(no_aux);
		CHECK_INT(vo_caps_parse(aux_first, strlen(aux_first), &c, &err), 0);
		CHECK_STR(c.tap_base, "http://std/tap");
		CHECK_STR(c.tap_version, "1.1");
		CHECK_INT(c.maxrec_default, -1);
		CHECK_INT(c.maxrec_hard, 500);
		CHECK_INT(vo_caps_describe(&c, "x", "http://std/tap", &d), 0);
		CHECK_HAS(d.p, "\nMAXREC (rows)         default not stated, hard 500\n");
		vo_buf_free(&d);
		vo_caps_free(&c);
		CHECK_HAS(std_first, "</interface><interface><accessURL>http://aux");
		CHECK_INT(vo_caps_parse(std_first, strlen(std_first), &c, &err), 0);
		CHECK_STR(c.tap_base, "http://std/tap");
		vo_caps_free(&c);
		free(std_first);
	}

	/* no TAP capability */
	{
		const char *notap =
			"<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\">"
			"<capability standardID=\"ivo://ivoa.net/std/ConeSearch\"><interface role=\"std\">"
			"<accessURL>http://example.org/scs</accessURL></interface></capability>"
			"<capability standardID=\"ivo://ivoa.net/std/VOSI#tables\"><interface role=\"std\">"
			"<accessURL>http://example.org/tables</accessURL></interface></capability>"
			"</vosi:capabilities>";

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_caps_parse(notap, strlen(notap), &c, &err), -EBADMSG);
		CHECK_HAS(err.msg, "no TAP capability");
		vo_caps_free(&c);
	}
	{
		char *doc = check_slurp(fixdir, "dachs/sync_cat_tabledata.vot", NULL);

		memset(&err, 0, sizeof err);
		CHECK_INT(vo_caps_parse(doc, strlen(doc), &c, &err), -EBADMSG);
		CHECK(err.msg[0] != '\0');
		vo_caps_free(&c);
		free(doc);
	}
	memset(&err, 0, sizeof err);
	{
		const char *h = "<html><body>Not found</body></html>";

		CHECK_INT(vo_caps_parse(h, strlen(h), &c, &err), -EBADMSG);
	}
	CHECK_HAS(err.msg, "no TAP capability");
	vo_caps_free(&c);
	memset(&err, 0, sizeof err);
	{
		const char *t = "<capabilities><capability standardID=\"ivo://ivoa.net/std/TAP\">"
				"<interface>";

		CHECK_INT(vo_caps_parse(t, strlen(t), &c, &err), -EBADMSG);
	}
	CHECK_HAS(err.msg, "truncated");
	vo_caps_free(&c);
	printf("capabilities: TAP 1.0 without limits, std interface preference, no TAP\n");
}

/* ============================================================ tables */

struct tcoll {
	struct vo_table *t;
	size_t n, alloc;
	struct vo_buf dump;
	int stop_after;          /* >0: return -ECANCELED after that many */
};

static char *sdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

#define S(x) ((x) ? (x) : "(null)")

static int collect_table(void *ud, const struct vo_table *t)
{
	struct tcoll *c = ud;
	struct vo_table *d;
	size_t i;

	if (c->n == c->alloc) {
		c->alloc = c->alloc ? 2 * c->alloc : 16;
		c->t = realloc(c->t, c->alloc * sizeof *c->t);
	}
	d = &c->t[c->n++];
	memset(d, 0, sizeof *d);
	d->schema = sdup(t->schema);
	d->name = sdup(t->name);
	d->title = sdup(t->title);
	d->description = sdup(t->description);
	d->type = sdup(t->type);
	d->ncols = t->ncols;
	d->cols = calloc(t->ncols ? t->ncols : 1, sizeof *d->cols);
	vo_buf_addf(&c->dump, "table %s|%s|%s|%s|%s|%zu\n", S(t->schema), S(t->name),
		    S(t->title), S(t->description), S(t->type), t->ncols);
	for (i = 0; i < t->ncols; i++) {
		const struct vo_column *s = &t->cols[i];
		struct vo_column *k = &d->cols[i];

		k->name = sdup(s->name);
		k->datatype = sdup(s->datatype);
		k->arraysize = sdup(s->arraysize);
		k->unit = sdup(s->unit);
		k->ucd = sdup(s->ucd);
		k->utype = sdup(s->utype);
		k->xtype = sdup(s->xtype);
		k->description = sdup(s->description);
		k->indexed = s->indexed;
		k->principal = s->principal;
		k->nullable = s->nullable;
		vo_buf_addf(&c->dump, "  %s|%s|%s|%s|%s|%s|%s|%s|%d|%d|%d\n",
			    S(s->name), S(s->datatype), S(s->arraysize), S(s->unit),
			    S(s->ucd), S(s->utype), S(s->xtype), S(s->description),
			    s->indexed, s->principal, s->nullable);
	}
	if (c->stop_after && c->n >= (size_t)c->stop_after)
		return -ECANCELED;
	return 0;
}

static void tcoll_free(struct tcoll *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		vo_table_free(&c->t[i]);
	free(c->t);
	vo_buf_free(&c->dump);
	memset(c, 0, sizeof *c);
}

static const struct vo_table *find_table(const struct tcoll *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->t[i].name && strcmp(c->t[i].name, name) == 0)
			return &c->t[i];
	return NULL;
}

static const struct vo_column *find_col(const struct vo_table *t, const char *name)
{
	size_t i;

	for (i = 0; t && i < t->ncols; i++)
		if (t->cols[i].name && strcmp(t->cols[i].name, name) == 0)
			return &t->cols[i];
	return NULL;
}

enum { FEED_WHOLE, FEED_BYTES, FEED_RANDOM };

static int tables_run(const char *doc, size_t len, int how, struct tcoll *c,
		      struct vo_err *err)
{
	struct vo_vosi_parser *p;
	size_t off = 0;
	int rc = 0;

	memset(err, 0, sizeof *err);
	p = vo_vosi_parser_new(collect_table, c, err);
	if (!p)
		return -ENOMEM;
	while (off < len && !rc) {
		size_t n = len - off;

		if (how == FEED_BYTES)
			n = 1;
		else if (how == FEED_RANDOM && n > 1)
			n = 1 + rng() % (n < 3000 ? n : 3000);
		rc = vo_vosi_parser_feed(p, doc + off, n);
		off += n;
	}
	if (!rc)
		rc = vo_vosi_parser_finish(p);
	vo_vosi_parser_free(p);
	return rc;
}

/* Parse whole, byte by byte and in 20 random chunkings: all must agree. */
static int tables_parse(const char *file, struct tcoll *c)
{
	size_t len;
	char *doc = check_slurp(fixdir, file, &len);
	struct vo_err err;
	int rc = tables_run(doc, len, FEED_WHOLE, c, &err), i;

	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "    %s: %s\n", file, err.msg);
	for (i = 0; i <= 20; i++) {
		struct tcoll c2 = {0};

		CHECK_INT(tables_run(doc, len, i ? FEED_RANDOM : FEED_BYTES, &c2, &err), rc);
		CHECK_MEM(c2.dump.p, c2.dump.len, c->dump.p, c->dump.len);
		tcoll_free(&c2);
	}
	free(doc);
	return rc;
}

static void check_cat_columns(const struct vo_table *t)
{
	const struct vo_column *k;

	if (!CHECK(t != NULL))
		return;
	CHECK_STR(t->name, "vofstest.cat");
	CHECK_INT(t->ncols, 10);
	CHECK_STR(t->description,
		  "Synthetic catalogue for vofs tests. Rows are a pure function of id\n"
		  "(see catgen.py). 2000 rows (id divisible by 50) lie within 1 degree of\n"
		  "RA 150, Dec 2; names of ids 1 to 24 are deliberately awkward strings\n"
		  "(quotes, commas, tabs, newlines, unicode, an empty string, a NULL).");
	if (t->ncols == 10) {
		static const char *const names[10] = {"id", "ra", "dec", "mag", "flux",
			"nobs", "flag", "name", "uname", "mags"};
		static const char *const types[10] = {"long", "double", "double",
			"float", "double", "int", "short", "char", "unicodeChar", "float"};
		int i;

		for (i = 0; i < 10; i++) {
			CHECK_STR(t->cols[i].name, names[i]);
			CHECK_STR(t->cols[i].datatype, types[i]);
		}
	}
	k = find_col(t, "id");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->description, "Row identifier, 1..N.");
		CHECK_STR(k->ucd, "meta.id;meta.main");
		CHECK(k->unit == NULL);
		CHECK(k->arraysize == NULL);
		CHECK_INT(k->indexed, 1);      /* indexed, primary */
		CHECK_INT(k->principal, 0);
		CHECK_INT(k->nullable, -1);    /* no nullable flag: not stated */
	}
	k = find_col(t, "ra");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->unit, "deg");
		CHECK_STR(k->ucd, "pos.eq.ra;meta.main");
		CHECK_STR(k->description, "Right ascension (ICRS).");
		CHECK_INT(k->indexed, 1);
		CHECK_INT(k->nullable, 1);
	}
	k = find_col(t, "flag");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->datatype, "short");
		CHECK_STR(k->ucd, "meta.code.qual");
		CHECK_STR(k->description, "Quality flags (never NULL).");
		CHECK_INT(k->indexed, 0);
		CHECK_INT(k->nullable, -1);
	}
	k = find_col(t, "name");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->arraysize, "*");
		CHECK_STR(k->ucd, "meta.id");
		CHECK_INT(k->nullable, 1);
	}
	k = find_col(t, "mags");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->datatype, "float");
		CHECK_STR(k->arraysize, "3");
		CHECK_STR(k->unit, "mag");
		CHECK_STR(k->ucd, "phot.mag");
		CHECK(k->xtype == NULL);
		CHECK_STR(k->description, "Magnitudes in u, g, r (some elements NaN when id "
			  "is divisible by 71; the whole array NULL when id is divisible by 1009).");
		CHECK_INT(k->indexed, 0);
		CHECK_INT(k->nullable, 1);
	}
}

static void test_tables_dachs(void)
{
	static const char *const min_names[9][2] = {
		{"ivoa", "ivoa.obscore"},
		{"tap_schema", "tap_schema.schemas"},
		{"tap_schema", "tap_schema.tables"},
		{"tap_schema", "tap_schema.columns"},
		{"tap_schema", "tap_schema.keys"},
		{"tap_schema", "tap_schema.key_columns"},
		{"tap_schema", "tap_schema.groups"},
		{"vofstest", "vofstest.cat"},
		{"vofstest", "vofstest.images"},
	};
	static const size_t ncols[9] = {38, 4, 8, 15, 6, 4, 6, 10, 21};
	struct tcoll c = {0};
	const struct vo_table *t;
	const struct vo_column *k;
	size_t i;

	/* detail=min: names and descriptions, no columns */
	CHECK_INT(tables_parse("dachs/tables_min.xml", &c), 0);
	CHECK_INT(c.n, 9);
	for (i = 0; i < c.n && i < 9; i++) {
		CHECK_STR(c.t[i].schema, min_names[i][0]);
		CHECK_STR(c.t[i].name, min_names[i][1]);
		CHECK_INT(c.t[i].ncols, 0);
		CHECK(c.t[i].description && c.t[i].description[0]);
		CHECK(c.t[i].type == NULL);
	}
	t = find_table(&c, "ivoa.obscore");
	if (CHECK(t != NULL)) {
		CHECK_STR(t->title, "vofs test archive Obscore Table");
		CHECK_STR(t->description, "The IVOA-defined obscore table, containing generic "
			  "metadata for\ndatasets within this datacenter.");
	}
	t = find_table(&c, "tap_schema.keys");
	if (CHECK(t != NULL)) {
		CHECK(t->title == NULL);
		CHECK_STR(t->description, "Foreign key relationships between tables available "
			  "for ADQL querying.");
	}
	t = find_table(&c, "vofstest.images");
	if (CHECK(t != NULL))
		CHECK_STR(t->description, "Small synthetic 64x64 FITS images (one per row) "
			  "with a celestial WCS;\nalso published in ivoa.obscore "
			  "(obs_collection 'vofstest').");
	tcoll_free(&c);

	/* full tableset: the same tables, with their columns */
	CHECK_INT(tables_parse("dachs/tables.xml", &c), 0);
	CHECK_INT(c.n, 9);
	for (i = 0; i < c.n && i < 9; i++) {
		CHECK_STR(c.t[i].schema, min_names[i][0]);
		CHECK_STR(c.t[i].name, min_names[i][1]);
		CHECK_INT(c.t[i].ncols, ncols[i]);
	}
	t = find_table(&c, "vofstest.cat");
	check_cat_columns(t);
	CHECK_STR(t ? t->schema : NULL, "vofstest");
	t = find_table(&c, "ivoa.obscore");
	k = find_col(t, "s_region");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->xtype, "adql:REGION");
		CHECK_STR(k->datatype, "char");
		CHECK_STR(k->arraysize, "*");
		CHECK_STR(k->utype, "obscore:char.spatialaxis.coverage.support.area");
		CHECK_STR(k->description, "Region covered by the observation, as a polygon");
	}
	k = find_col(t, "dataproduct_type");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->ucd, "meta.code.class");
		CHECK_STR(k->utype, "obscore:obsdataset.dataproducttype");
	}
	k = find_col(find_table(&c, "vofstest.images"), "s_region");
	if (CHECK(k != NULL)) {
		CHECK_STR(k->xtype, "polygon");
		CHECK_STR(k->datatype, "double");
		CHECK_STR(k->unit, "deg");
	}
	tcoll_free(&c);

	/* GET tables/vofstest.cat: a <table> root, no schema */
	CHECK_INT(tables_parse("dachs/table_vofstest_cat.xml", &c), 0);
	CHECK_INT(c.n, 1);
	if (c.n) {
		check_cat_columns(&c.t[0]);
		CHECK(c.t[0].schema == NULL);
	}
	tcoll_free(&c);
	printf("tables_min.xml, tables.xml, table_vofstest_cat.xml: identical when fed "
	       "1 byte at a time and in 20 random chunkings\n");
}

static void test_tables_edges(void)
{
	struct tcoll c = {0};
	struct vo_err err;
	size_t len;
	char *doc = check_slurp(fixdir, "dachs/tables.xml", &len);

	/* the callback stops the parse with its error */
	c.stop_after = 2;
	CHECK_INT(tables_run(doc, len, FEED_RANDOM, &c, &err), -ECANCELED);
	CHECK_INT(c.n, 2);
	tcoll_free(&c);

	/* truncated after vofstest.cat: the complete tables were delivered */
	{
		const char *cut = strstr(doc, "<table><name>vofstest.images");

		if (CHECK(cut != NULL)) {
			CHECK_INT(tables_run(doc, (size_t)(cut - doc) + 20, FEED_WHOLE, &c, &err),
				  -EBADMSG);
			CHECK_INT(c.n, 8);
			CHECK(find_table(&c, "vofstest.cat") != NULL);
			CHECK(find_table(&c, "vofstest.images") == NULL);
			tcoll_free(&c);
		}
	}
	free(doc);

	/* tables without a name are not reported; a type is */
	{
		const char *s = "<tableset><schema><name>s</name>"
				"<table type=\"view\"><name>s.v</name><column><name>c</name>"
				"<dataType arraysize=\"10*\">char</dataType>"
				"<flag>principal</flag><flag>nullable</flag></column></table>"
				"<table><title>nameless</title></table>"
				"<table><name> </name></table>"
				"</schema><table><name>bare</name></table></tableset>";

		CHECK_INT(tables_run(s, strlen(s), FEED_WHOLE, &c, &err), 0);
		CHECK_INT(c.n, 2);
		if (c.n == 2) {
			CHECK_STR(c.t[0].name, "s.v");
			CHECK_STR(c.t[0].type, "view");
			CHECK_STR(c.t[0].schema, "s");
			CHECK_INT(c.t[0].ncols, 1);
			CHECK_STR(c.t[0].cols[0].arraysize, "10*");
			CHECK_INT(c.t[0].cols[0].principal, 1);
			CHECK_INT(c.t[0].cols[0].nullable, 1);
			CHECK_INT(c.t[0].cols[0].indexed, 0);
			/* nameless and blank-named tables are skipped */
			CHECK_STR(c.t[1].name, "bare");
			CHECK(c.t[1].schema == NULL);   /* outside any schema */
		}
		tcoll_free(&c);
	}

	/* not a tableset: nothing reported, no error from the parser; a
	 * malformed document is an error */
	CHECK_INT(tables_run("<VOTABLE/>", 10, FEED_WHOLE, &c, &err), 0);
	CHECK_INT(c.n, 0);
	{
		const char *t = "<tableset><table><name>a</name></tableset>";

		CHECK_INT(tables_run(t, strlen(t), FEED_WHOLE, &c, &err), -EBADMSG);
	}
	CHECK(err.msg[0] != '\0');
	CHECK_INT(c.n, 0);
	tcoll_free(&c);

	/* column cap */
	{
		struct vo_buf b = VO_BUF_INIT;
		size_t i;

		vo_buf_adds(&b, "<tableset><schema><name>w</name><table><name>w.wide</name>");
		for (i = 0; i < VO_VOSI_MAX_COLS; i++)
			vo_buf_addf(&b, "<column><name>c%zu</name></column>", i);
		vo_buf_adds(&b, "</table></schema></tableset>");
		CHECK_INT(tables_run(b.p, b.len, FEED_RANDOM, &c, &err), 0);
		CHECK_INT(c.n, 1);
		if (c.n) {
			CHECK_INT(c.t[0].ncols, VO_VOSI_MAX_COLS);
			CHECK_STR(c.t[0].cols[VO_VOSI_MAX_COLS - 1].name, "c19999");
		}
		tcoll_free(&c);
		vo_buf_reset(&b);
		vo_buf_adds(&b, "<tableset><schema><name>w</name><table><name>w.wider</name>");
		for (i = 0; i < VO_VOSI_MAX_COLS + 1; i++)
			vo_buf_addf(&b, "<column><name>c%zu</name></column>", i);
		vo_buf_adds(&b, "</table></schema></tableset>");
		CHECK_INT(tables_run(b.p, b.len, FEED_RANDOM, &c, &err), -EFBIG);
		CHECK_INT(err.code, EFBIG);
		CHECK_HAS(err.msg, "more than 20000 columns");
		CHECK_INT(c.n, 0);
		tcoll_free(&c);
		vo_buf_free(&b);
	}
	printf("tables: callback stop, truncation, nameless tables, column cap\n");
}

/* VizieR-like: 50,000 tables, names with slashes, in 64 kB pieces. */
struct stream_state {
	size_t n;               /* tables seen */
	size_t fed;             /* bytes fed so far */
	size_t max_lag;         /* largest (bytes fed - end of that table) */
	const char *doc;
	size_t bad;
};

#define BIG_TABLES 50000

static void big_name(char *out, size_t cap, size_t k)
{
	snprintf(out, cap, "J/AJ/%zu/%zu/table%zu", 100 + k / 1000, 1000 + k % 1000 / 5, k % 5);
}

static int stream_cb(void *ud, const struct vo_table *t)
{
	struct stream_state *s = ud;
	char want[64], schema[64];
	const char *end;

	big_name(want, sizeof want, s->n);
	snprintf(schema, sizeof schema, "%.*s", (int)(strrchr(want, '/') - want), want);
	if (!t->name || strcmp(t->name, want) || !t->schema || strcmp(t->schema, schema) ||
	    t->ncols != 3 || strcmp(S(t->cols[2].name), "Vmag") ||
	    strcmp(t->cols[2].unit ? t->cols[2].unit : "", "mag")) {
		if (!s->bad++)
			fprintf(stderr, "    table %zu: got %s in %s, want %s in %s\n", s->n,
				S(t->name), S(t->schema), want, schema);
	}
	/* how far behind the input is this callback?  The end of this
	 * table in the document is where its name's </table> follows. */
	{
		/* memmem over a window: strstr would scan the whole rest of
		 * the document under the sanitizers */
		size_t from = s->fed > 70000 ? s->fed - 70000 : 0;

		end = memmem(s->doc + from, s->fed - from, want, strlen(want));
	}
	if (end && (size_t)(end - s->doc) <= s->fed) {
		size_t lag = s->fed - (size_t)(end - s->doc);

		if (lag > s->max_lag)
			s->max_lag = lag;
	} else if (!s->bad++) {
		fprintf(stderr, "    table %zu: not within 70 kB before the input position\n",
			s->n);
	}
	s->n++;
	return 0;
}

static void test_tables_big(void)
{
	struct vo_buf doc = VO_BUF_INIT;
	struct stream_state st = {0};
	struct vo_vosi_parser *p;
	struct vo_err err = {0};
	char name[64], schema[64] = "";
	size_t k, off;
	double t0, dt;
	int rc = 0;

	doc.cap = (size_t)256 << 20;
	vo_buf_adds(&doc, "<?xml version=\"1.0\"?>\n<vosi:tableset "
			  "xmlns:vosi=\"http://www.ivoa.net/xml/VOSITables/v1.0\" "
			  "xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\">");
	for (k = 0; k < BIG_TABLES; k++) {
		char sch[64];

		big_name(name, sizeof name, k);
		snprintf(sch, sizeof sch, "%.*s", (int)(strrchr(name, '/') - name), name);
		if (strcmp(sch, schema)) {
			if (k)
				vo_buf_adds(&doc, "</schema>");
			vo_buf_addf(&doc, "<schema><name>%s</name><description>Catalogue "
				    "%s</description>", sch, sch);
			snprintf(schema, sizeof schema, "%s", sch);
		}
		vo_buf_addf(&doc, "<table type=\"table\"><name>%s</name><description>Table %zu "
			    "&amp; friends</description>"
			    "<column><name>RAJ2000</name><unit>deg</unit><ucd>pos.eq.ra</ucd>"
			    "<dataType xsi:type=\"vs:VOTableType\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">double</dataType></column>"
			    "<column><name>DEJ2000</name><unit>deg</unit></column>"
			    "<column><name>Vmag</name><unit>mag</unit><flag>nullable</flag></column>"
			    "</table>\n", name, k);
	}
	vo_buf_adds(&doc, "</schema></vosi:tableset>\n");
	CHECK(doc.p != NULL);
	if (!doc.p)
		return;

	st.doc = doc.p;
	t0 = now_s();
	p = vo_vosi_parser_new(stream_cb, &st, &err);
	for (off = 0; off < doc.len && !rc; off += 65536) {
		size_t n = doc.len - off < 65536 ? doc.len - off : 65536;

		st.fed = off + n;
		rc = vo_vosi_parser_feed(p, doc.p + off, n);
		/* streaming: halfway through the input, about half the
		 * tables have been reported */
		if (off < doc.len / 2 && off + n >= doc.len / 2) {
			CHECK(st.n > BIG_TABLES * 4 / 10);
			CHECK(st.n < BIG_TABLES * 6 / 10);
		}
	}
	if (!rc)
		rc = vo_vosi_parser_finish(p);
	dt = now_s() - t0;
	vo_vosi_parser_free(p);
	CHECK_INT(rc, 0);
	if (rc)
		fprintf(stderr, "    %s\n", err.msg);
	CHECK_INT(st.n, BIG_TABLES);
	CHECK_INT(st.bad, 0);
	/* each table is reported within one 64 kB piece of its end */
	CHECK(st.max_lag <= 65536 + 1000);
	CHECK(dt < 5.0);
	printf("streamed %d tables (%zu MB, names like J/AJ/100/1000/table0) in 64 kB "
	       "pieces: %.3f s, callback at most %zu bytes behind the input\n",
	       BIG_TABLES, doc.len >> 20, dt, st.max_lag);
	vo_buf_free(&doc);
}

/* ========================================================== examples */

struct ex {
	size_t n;
	char id[8][128];
	char name[8][256];
	char query[8][1024];
};

static int ex_cb(void *ud, const char *id, const char *name, const char *query)
{
	struct ex *e = ud;

	if (e->n < 8) {
		snprintf(e->id[e->n], sizeof e->id[0], "%s", id ? id : "(null)");
		snprintf(e->name[e->n], sizeof e->name[0], "%s", name ? name : "(null)");
		snprintf(e->query[e->n], sizeof e->query[0], "%s", query ? query : "(null)");
	}
	e->n++;
	return 0;
}

static int ex_parse(const char *doc, struct ex *e, struct vo_err *err)
{
	memset(e, 0, sizeof *e);
	memset(err, 0, sizeof *err);
	return vo_examples_parse(doc, strlen(doc), ex_cb, e, err);
}

static void test_examples(void)
{
	struct ex e;
	struct vo_err err;
	size_t len, i;
	char *doc = check_slurp(fixdir, "dachs/examples.html", &len);

	memset(&e, 0, sizeof e);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_examples_parse(doc, len, ex_cb, &e, &err), 0);
	CHECK_INT(e.n, 3);
	CHECK_STR(e.id[0], "Conesearchonthevofscatalogue");
	CHECK_STR(e.name[0], "Cone search on the vofs catalogue");
	CHECK_STR(e.query[0], "\nSELECT id, ra, dec, mag, name FROM vofstest.cat\n"
		  "WHERE 1=CONTAINS(POINT('ICRS', ra, dec),\n"
		  "                 CIRCLE('ICRS', 150.0, 2.0, 0.1))\n");
	CHECK_STR(e.id[1], "Oddnames");
	CHECK_STR(e.name[1], "Odd names");
	CHECK_STR(e.query[1], "\nSELECT TOP 30 id, name, mag, mags FROM vofstest.cat ORDER BY id\n");
	CHECK_STR(e.id[2], "Imagesoverlappingapolygon");
	CHECK_STR(e.name[2], "Images overlapping a polygon");
	CHECK_HAS(e.query[2], "POLYGON('ICRS', 199.0, -31.0, 205.5, -31.0, 205.5, -29.0, 199.0, -29.0))\n");
	for (i = 0; i < 3; i++) {
		const char *q = e.query[i] + strspn(e.query[i], " \n\t\r");

		CHECK_MEM(q, 7, "SELECT ", 7);
	}
	/* a truncated document fails */
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_examples_parse(doc, len / 2, ex_cb, &e, &err), -EBADMSG);
	CHECK(err.msg[0] != '\0');
	free(doc);

	/* hand-written XHTML: HTML entities, an unknown one, a numeric
	 * reference, nested markup in the query, an example without query,
	 * an id from resource, whitespace collapsed in names */
	CHECK_INT(ex_parse(
		"<!DOCTYPE html PUBLIC \"-//W3C//DTD XHTML+RDFa 1.1//EN\" "
		"\"http://www.w3.org/MarkUp/DTD/xhtml-rdfa-2.dtd\">\n"
		"<html xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>Ex&nbsp;&copy;</title></head>"
		"<body vocab=\"ivo://ivoa.net/std/DALI-examples#\">\n"
		"<div typeof=\"example\" id=\"a\"><h2 property=\"name\">First&nbsp;one\n\t  &bogus; x</h2>"
		"<pre property=\"query\">SELECT <b>ra</b>, <span class=\"x\"><i>dec</i></span> "
		"FROM t WHERE x &lt; 3 AND s = '&auml;'&#160;&#x41;</pre></div>\n"
		"<div typeof=\"example\" id=\"noquery\"><h2 property=\"name\">No query</h2>"
		"<p property=\"table\">t</p></div>\n"
		"<div typeof=\"example\" resource=\"#fromres\"><p property=\"name\">R</p>"
		"<p property=\"query\">SELECT 1</p><p property=\"query\">SELECT 2</p></div>\n"
		"<p property=\"query\">SELECT outside</p>\n"
		"</body></html>", &e, &err), 0);
	CHECK_INT(e.n, 2);
	CHECK_STR(e.id[0], "a");
	CHECK_STR(e.name[0], "First\xc2\xa0one \xef\xbf\xbd x");
	CHECK_STR(e.query[0], "SELECT ra, dec FROM t WHERE x < 3 AND s = '\xc3\xa4'\xc2\xa0" "A");
	CHECK_STR(e.id[1], "fromres");
	CHECK_STR(e.name[1], "R");
	CHECK_STR(e.query[1], "SELECT 1");   /* the first query */

	/* an example without a name, first in the document */
	CHECK_INT(ex_parse("<html><body><div typeof=\"example\" id=\"x\">"
			   "<pre property=\"query\">SELECT 1</pre></div></body></html>",
			   &e, &err), 0);
	CHECK_INT(e.n, 1);
	CHECK_STR(e.id[0], "x");
	CHECK_STR(e.name[0], "");
	CHECK_STR(e.query[0], "SELECT 1");

	/* an empty query is no example */
	CHECK_INT(ex_parse("<html><div typeof=\"example\" id=\"x\"><h2 property=\"name\">n</h2>"
			   "<pre property=\"query\"></pre></div></html>", &e, &err), 0);
	CHECK_INT(e.n, 0);

	/* entity declarations are refused, not expanded */
	CHECK_INT(ex_parse("<!DOCTYPE html [<!ENTITY q \"SELECT secret\">]>"
			   "<html><div typeof=\"example\" id=\"x\"><pre property=\"query\">&q;</pre>"
			   "</div></html>", &e, &err), -EBADMSG);
	CHECK_INT(e.n, 0);
	/* plain HTML (not XML) fails cleanly */
	CHECK_INT(ex_parse("<html><body><p>Examples<br><p>none</body></html>", &e, &err),
		  -EBADMSG);
	CHECK(err.msg[0] != '\0');
	/* "&" without a name is left alone and makes the XML malformed */
	CHECK_INT(ex_parse("<html><div typeof=\"example\"><pre property=\"query\">a & b</pre>"
			   "</div></html>", &e, &err), -EBADMSG);
	printf("examples: 3 DaCHS examples, XHTML entities, nested markup\n");
}

/* ============================================================= names */

static void check_esc(const char *in, const char *want)
{
	char out[1024], back[1024];
	int n = name_escape(in, out, sizeof out);

	CHECK_INT(n, (int)strlen(want));
	if (n >= 0) {
		CHECK_STR(out, want);
		CHECK_INT(name_unescape(out, back, sizeof back), (int)strlen(in));
		CHECK_STR(back, in);
	}
}

static void check_unesc_bad(const char *in)
{
	char out[1024];

	check_count++;
	if (name_unescape(in, out, sizeof out) != -EINVAL) {
		check_fail_head(__FILE__, __LINE__, "name_unescape rejects");
		fputs("    accepted ", stderr);
		check_print_str(in, strlen(in));
		fputc('\n', stderr);
	}
}

/* name_table: table names; long ones shortened by the products' rule */
static void test_table_names(void)
{
	char a[300], b[300], name[400];
	int n;

	CHECK_INT(name_table("ivoa.obscore", a, sizeof a), 12);
	CHECK_STR(a, "ivoa.obscore");
	CHECK_INT(name_shortened(a), 0);
	name_table("J/AJ/132/1202/table4", a, sizeof a);
	CHECK_STR(a, "J%2FAJ%2F132%2F1202%2Ftable4");
	/* 255 bytes escaped: kept whole */
	memset(name, 't', 255);
	name[255] = '\0';
	CHECK_INT(name_table(name, a, sizeof a), 255);
	CHECK_INT(name_shortened(a), 0);
	/* 300 bytes: at most NAME_PRODUCT_MAX, '~' and the hash, stable,
	 * and recognised as shortened */
	memset(name, 't', 300);
	name[300] = '\0';
	n = name_table(name, a, sizeof a);
	CHECK(n > 0 && n <= NAME_PRODUCT_MAX);
	CHECK_INT(name_shortened(a), 1);
	name_table(name, b, sizeof b);
	CHECK_STR(a, b);
	name[299] = 'u';
	name_table(name, b, sizeof b);
	CHECK(strcmp(a, b) != 0);
	/* 100 '/' escape to 300 bytes: shortened too */
	memset(name, '/', 100);
	name[100] = '\0';
	n = name_table(name, a, sizeof a);
	CHECK(n > 0 && n <= NAME_PRODUCT_MAX && name_shortened(a));
	CHECK_INT(name_shortened("x~0123abcd"), 1);
	CHECK_INT(name_shortened("x~0123abcD"), 0);
	CHECK_INT(name_shortened("~0123abc"), 0);
}

/* name_product: the file names of products */
static void test_product_names(void)
{
	char a[256], b[256], id[1200];
	int n;

	CHECK_INT(name_product("lc-0001", "fits", a, sizeof a), 12);
	CHECK_STR(a, "lc-0001.fits");
	CHECK_INT(name_product("tic 1234/b", "fits", a, sizeof a), 17);
	CHECK_STR(a, "tic 1234%2Fb.fits");
	name_product(".hidden", "fits", a, sizeof a);
	CHECK_STR(a, "%2Ehidden.fits");
	name_product("a\nb\tc", NULL, a, sizeof a);
	CHECK_STR(a, "a%0Ab%09c");
	name_product("", "fits", a, sizeof a);
	CHECK_STR(a, "product.fits");
	name_product("x", "", a, sizeof a);
	CHECK_STR(a, "x");
	/* the same id always gives the same name */
	name_product("ivo://x/y?z", "fits", a, sizeof a);
	name_product("ivo://x/y?z", "fits", b, sizeof b);
	CHECK_STR(a, b);
	/* long ids: at most NAME_PRODUCT_MAX bytes, a '~' and a hash, and two
	 * that differ only at the end stay apart */
	memset(id, 'q', 300);
	strcpy(id + 300, "-1");
	n = name_product(id, "fits", a, sizeof a);
	CHECK(n > 0 && n <= NAME_PRODUCT_MAX);
	CHECK(strstr(a, "~") != NULL && strcmp(a + n - 5, ".fits") == 0);
	id[301] = '2';
	name_product(id, "fits", b, sizeof b);
	CHECK(strcmp(a, b) != 0);
	CHECK_INT((int)strspn(a, "q"), (int)(strchr(a, '~') - a));
	/* a cut never splits an escape or a UTF-8 character */
	for (int k = 0; k < 1100; k += 3)
		memcpy(id + k, k % 2 ? "/ab" : "\xc3\xa9/", 3);
	id[1100] = '\0';
	n = name_product(id, "fits", a, sizeof a);
	CHECK(n > 0 && n <= NAME_PRODUCT_MAX);
	{
		const char *t = strchr(a, '~');
		int ok = t != NULL;
		/* before the '~': whole %XX escapes, whole 2-byte characters */
		for (const char *p = a; ok && p < t; p++) {
			if (*p == '%')
				ok = p + 2 < t, p += 2;
			else if ((unsigned char)*p == 0xc3)
				ok = p + 1 < t && (unsigned char)p[1] == 0xa9, p++;
		}
		CHECK(ok);
	}
	/* a huge id (longer than the escape buffer) still gets a distinct name */
	{
		static char big[5000];
		memset(big, '/', sizeof big - 2);
		big[sizeof big - 2] = 'x';
		n = name_product(big, NULL, a, sizeof a);
		big[sizeof big - 2] = 'y';
		name_product(big, NULL, b, sizeof b);
		CHECK(n > 0 && n <= NAME_PRODUCT_MAX && strcmp(a, b) != 0);
	}
	CHECK_INT(name_product("x", "fits", a, 16), -ENAMETOOLONG);
	CHECK_INT(name_product("x", "a-very-long-extension", a, sizeof a), -ENAMETOOLONG);
}

static void test_names(void)
{
	char out[1024], back[1024], in[300];
	size_t i;
	int n, bad;

	check_esc("J/AJ/132/1202/table4", "J%2FAJ%2F132%2F1202%2Ftable4");
	check_esc("%", "%25");
	check_esc("100%/x", "100%25%2Fx");
	check_esc(".hidden", "%2Ehidden");
	check_esc(".", "%2E");
	check_esc("..", "%2E.");
	check_esc("a.b", "a.b");
	check_esc("a..", "a..");
	check_esc("ivoa.obscore", "ivoa.obscore");
	check_esc("tab\there\nnl\x01\x1f\x7f", "tab%09here%0Anl%01%1F%7F");
	check_esc("Sternwarte-Königstuhl ☉ \xf0\x9f\x94\xad", "Sternwarte-Königstuhl ☉ \xf0\x9f\x94\xad");
	check_esc("\xff\xfe not UTF-8", "\xff\xfe not UTF-8");
	check_esc("sp ace:colon*star?\"q\\<>|", "sp ace:colon*star?\"q\\<>|");
	check_esc("%2F", "%252F");
	check_esc("", "");

	CHECK_INT(name_unescape("J%2FAJ%2F132%2F1202%2Ftable4", out, sizeof out), 20);
	CHECK_STR(out, "J/AJ/132/1202/table4");
	CHECK_INT(name_unescape("%2Ehidden", out, sizeof out), 7);
	CHECK_STR(out, ".hidden");
	/* non-canonical or impossible forms */
	check_unesc_bad("J%2fAJ");         /* lower-case hex */
	check_unesc_bad("%2e");
	check_unesc_bad("%41");            /* 'A' needs no escape */
	check_unesc_bad("a%2Eb");          /* '.' escaped only in front */
	check_unesc_bad("%2E%2E");
	check_unesc_bad("%20");
	check_unesc_bad("%C3%A4");         /* UTF-8 is kept as is */
	check_unesc_bad("a/b");            /* raw '/' */
	check_unesc_bad("/");
	check_unesc_bad(".hidden");        /* raw leading '.' */
	check_unesc_bad(".");
	check_unesc_bad("..");
	check_unesc_bad("a\x01");          /* raw control character */
	check_unesc_bad("a\x7f");
	check_unesc_bad("abc%4");          /* truncated escapes */
	check_unesc_bad("abc%");
	check_unesc_bad("%G0");
	check_unesc_bad("%0G");
	check_unesc_bad("%00");            /* NUL cannot be in a name */
	check_unesc_bad("100%");

	/* length: the escaped name must fit NAME_MAX (255) and the buffer */
	memset(in, 'a', 255);
	in[255] = '\0';
	CHECK_INT(name_escape(in, out, sizeof out), 255);
	in[254] = '/';
	CHECK_INT(name_escape(in, out, sizeof out), -ENAMETOOLONG);  /* 257 */
	in[254] = 'a';
	memset(in, '/', 85);
	in[85] = '\0';
	CHECK_INT(name_escape(in, out, sizeof out), 255);
	in[85] = '/';
	in[86] = '\0';
	CHECK_INT(name_escape(in, out, sizeof out), -ENAMETOOLONG);  /* 258 */
	memset(in, 'b', 256);
	in[256] = '\0';
	CHECK_INT(name_escape(in, out, sizeof out), -ENAMETOOLONG);
	CHECK_INT(name_escape("abcd", out, 5), 4);
	CHECK_STR(out, "abcd");
	CHECK_INT(name_escape("abcd", out, 4), -ENAMETOOLONG);
	CHECK_INT(name_escape("a/", out, 4), -ENAMETOOLONG);
	CHECK_INT(name_escape("a/", out, 5), 4);
	CHECK_INT(name_escape("", out, 0), -ENAMETOOLONG);
	CHECK_INT(name_unescape("ab%2F", out, 3), -ENAMETOOLONG);
	CHECK_INT(name_unescape("ab%2F", out, 4), 3);
	CHECK_STR(out, "ab/");

	/* 10,000 random byte strings: escape, check the result is a valid
	 * file name, unescape back */
	bad = 0;
	for (i = 0; i < 10000; i++) {
		size_t len = 1 + rng() % 85, k;

		for (k = 0; k < len; k++) {
			uint32_t r = rng();
			/* favour the interesting bytes */
			static const char hot[] = "%/.\x01\x7f" "A";

			in[k] = r % 4 == 0 ? hot[(r >> 8) % 6] : (char)(1 + (r >> 8) % 255);
		}
		in[len] = '\0';
		n = name_escape(in, out, sizeof out);
		if (n < 0 || (size_t)n != strlen(out) || strchr(out, '/') || out[0] == '.' ||
		    name_unescape(out, back, sizeof back) != (int)len || strcmp(back, in)) {
			if (!bad++) {
				fputs("    round trip failed for ", stderr);
				check_print_str(in, len);
				fputc('\n', stderr);
			}
			continue;
		}
		for (k = 0; out[k]; k++)
			if ((unsigned char)out[k] < 0x20 || out[k] == 0x7f)
				bad++;
	}
	CHECK_INT(bad, 0);

	/* and the other way: whatever unescape accepts, escape gives back
	 * unchanged (one file name per remote name) */
	bad = 0;
	{
		static const char alpha[] = "%%%2EF0Aa/.7\x01";
		size_t accepted = 0;

		for (i = 0; i < 20000; i++) {
			size_t len = 1 + rng() % 12, k;
			char re[1024];

			for (k = 0; k < len; k++)
				in[k] = alpha[rng() % (sizeof alpha - 1)];
			in[len] = '\0';
			if (name_unescape(in, out, sizeof out) < 0)
				continue;
			accepted++;
			if (name_escape(out, re, sizeof re) < 0 || strcmp(re, in)) {
				if (!bad++) {
					fputs("    not canonical: ", stderr);
					check_print_str(in, len);
					fputc('\n', stderr);
				}
			}
		}
		CHECK(accepted > 1000);
	}
	CHECK_INT(bad, 0);
	printf("names: fixed cases, 10000 random round trips, canonical forms\n");
}

/* OpenCADC's capabilities (astroquery's cadc/tests/data/tap_caps.xml):
 * VOSI 1.1 standardIDs carry a version, "#tables-1.1". */
static void test_caps_cadc(void)
{
	size_t len;
	char *doc = check_slurp(fixdir, "cadc_capabilities.xml", &len);
	struct vo_caps c = {0};
	struct vo_err err = {0};

	CHECK_INT(vo_caps_parse(doc, len, &c, &err), 0);
	CHECK_STR(c.tables_url, "https://www.cadc-ccda.hia-iha.nrc-cnrc.gc.ca/argus/tables");
	CHECK_STR(c.availability_url, "https://www.cadc-ccda.hia-iha.nrc-cnrc.gc.ca/argus/availability");
	CHECK_STR(c.tap_base, "https://www.cadc-ccda.hia-iha.nrc-cnrc.gc.ca/argus");
	vo_caps_free(&c);
	free(doc);
	printf("cadc_capabilities.xml: VOSI#tables-1.1 is the tables endpoint\n");
}

/* Inline upload, on captured capabilities (DaCHS, OpenCADC, the pyvo
 * test service), and DaCHS's without it. */
static void test_caps_upload(void)
{
	static const char *const docs[] = {
		"dachs/capabilities.xml", "cadc_capabilities.xml",
		"../../data/interop/cadc/capabilities.xml",
		"../../data/interop/pyvo/capabilities.xml",
	};
	struct vo_caps c;
	struct vo_err err = {0};
	size_t len;

	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char *doc = check_slurp(fixdir, docs[i], &len);
		CHECK_INT(vo_caps_parse(doc, len, &c, &err), 0);
		if (!vo_caps_upload_inline(&c)) {
			fprintf(stderr, "    %s: %s\n", docs[i], c.uploads.p ? c.uploads.p : "");
			CHECK(!"inline upload not seen");
		}
		vo_caps_free(&c);
		free(doc);
	}

	/* DaCHS's document with upload-http alone, and with none */
	{
		char *doc = check_slurp(fixdir, "dachs/capabilities.xml", &len);
		char *http_only = check_replace_all(doc, "TAPRegExt#upload-inline", "TAPRegExt#upload-ftp");
		char *none = check_replace_all(doc, "uploadMethod", "uploadMethodX");
		CHECK_INT(vo_caps_parse(http_only, strlen(http_only), &c, &err), 0);
		CHECK_HAS(c.uploads.p, "#upload-http\n");
		CHECK_INT(vo_caps_upload_inline(&c), 0);
		vo_caps_free(&c);
		CHECK_INT(vo_caps_parse(none, strlen(none), &c, &err), 0);
		CHECK_INT(c.uploads.len, 0);
		CHECK_INT(vo_caps_upload_inline(&c), 0);
		vo_caps_free(&c);
		free(http_only);
		free(none);
		free(doc);
	}

	printf("capabilities: inline upload in DaCHS, CADC and pyvo documents\n");
}

/* The parameters a job runs with (adopting a job: queries/<q>/job). */
static int uws_p(const char *doc, struct vo_uws_job *job, struct vo_uws_params *pa,
		 struct vo_err *err)
{
	memset(err, 0, sizeof *err);
	vo_uws_params_free(pa);
	return vo_uws_parse_params(doc, strlen(doc), job, pa, err);
}

static void test_uws_params(void)
{
	struct vo_uws_params pa = {0};
	struct vo_uws_job job;
	struct vo_err err;
	size_t len;
	char *doc;

	/* DaCHS: lower-case ids, an empty maxrec */
	doc = check_slurp(fixdir, "dachs/uws_job_completed.xml", &len);
	memset(&err, 0, sizeof err);
	CHECK_INT(vo_uws_parse_params(doc, len, &job, &pa, &err), 0);
	CHECK_INT(job.phase, VO_UWS_COMPLETED);
	CHECK_STR(job.job_id, "v7dql5g1");
	CHECK_STR(pa.query ? pa.query : "(null)",
		  "SELECT TOP 5 id, name FROM vofstest.cat ORDER BY id");
	CHECK_INT(pa.query_by_ref, 0);
	CHECK_STR(pa.lang, "ADQL");
	CHECK_STR(pa.maxrec, "");
	free(doc);
	doc = check_slurp(fixdir, "dachs/uws_job_error.xml", &len);
	CHECK_INT(uws_p(doc, &job, &pa, &err), 0);
	CHECK_INT(job.phase, VO_UWS_ERROR);
	CHECK_STR(pa.query ? pa.query : "(null)", "SELEKT broken");
	free(doc);
	/* pyvo's test job: parameters in another order, indented */
	doc = check_slurp(fixdir, "../../data/interop/pyvo/job.xml", &len);
	CHECK_INT(uws_p(doc, &job, &pa, &err), 0);
	CHECK_STR(pa.query ? pa.query : "(null)", "SELECT 'test'");
	CHECK_STR(pa.lang, "ADQL");
	free(doc);
	/* CASDA's data access job: parameters, but no query (and a CDATA id) */
	doc = check_slurp(fixdir, "../../data/interop/casda/job_completed.xml", &len);
	CHECK_INT(uws_p(doc, &job, &pa, &err), 0);
	CHECK_INT(job.phase, VO_UWS_COMPLETED);
	CHECK(pa.query == NULL);
	CHECK_INT(pa.query_by_ref, 0);
	CHECK_STR(pa.lang, "");
	free(doc);
	/* vo_uws_parse ignores them; NULL params is vo_uws_parse */
	CHECK_INT(uws("<job><phase>PENDING</phase><parameters><parameter id=\"QUERY\">"
		      "SELECT 1</parameter></parameters></job>", &job, &err), 0);
	CHECK_INT(vo_uws_parse_params("<job><phase>QUEUED</phase></job>", 32, &job, NULL,
				      &err), 0);
	CHECK_INT(job.phase, VO_UWS_QUEUED);

	/* upper-case ids (TAP's own spelling), MAXREC, entities, CDATA, blanks
	 * around; the first QUERY counts */
	CHECK_INT(uws_p("<uws:job xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\">"
			"<uws:phase>EXECUTING</uws:phase><uws:parameters>"
			"<uws:parameter id=\"LANG\"> ADQL-2.0 </uws:parameter>"
			"<uws:parameter id=\"MAXREC\">\n 1000\n</uws:parameter>"
			"<uws:parameter id=\"QUERY\">\n  SELECT a &lt; 3, 'x&amp;y'"
			"<![CDATA[ FROM t WHERE b < 2]]>\n</uws:parameter>"
			"<uws:parameter id=\"Query\">SELECT second</uws:parameter>"
			"<uws:parameter id=\"maxrec\">7</uws:parameter>"
			"</uws:parameters></uws:job>", &job, &pa, &err), 0);
	CHECK_INT(job.phase, VO_UWS_EXECUTING);
	CHECK_STR(pa.query ? pa.query : "(null)",
		  "SELECT a < 3, 'x&y' FROM t WHERE b < 2");
	CHECK_STR(pa.lang, "ADQL-2.0");
	CHECK_STR(pa.maxrec, "1000");
	/* a query by reference is a URL, not the query */
	CHECK_INT(uws_p("<job><phase>PENDING</phase><parameters>"
			"<parameter id=\"query\" byReference=\"true\">http://x/q.adql</parameter>"
			"<parameter id=\"lang\" byReference=\"false\">ADQL</parameter>"
			"</parameters></job>", &job, &pa, &err), 0);
	CHECK(pa.query == NULL);
	CHECK_INT(pa.query_by_ref, 1);
	CHECK_STR(pa.lang, "ADQL");
	/* a blank query is none; parameters outside <parameters> (in
	 * jobInfo) and elements inside a parameter are not the job's */
	CHECK_INT(uws_p("<job><phase>PENDING</phase><jobInfo><parameters>"
			"<parameter id=\"query\">SELECT fake</parameter></parameters></jobInfo>"
			"<parameters><parameter id=\"query\">  \n </parameter>"
			"<parameter id=\"maxrec\">5<x>6</x></parameter></parameters></job>",
			&job, &pa, &err), 0);
	CHECK(pa.query == NULL);
	CHECK_STR(pa.maxrec, "5");
	/* bounded: an over-long QUERY is EFBIG, an over-long MAXREC EBADMSG */
	{
		struct vo_buf b = VO_BUF_INIT;

		vo_buf_adds(&b, "<job><phase>PENDING</phase><parameters><parameter id=\"QUERY\">");
		while (b.len < VO_UWS_QUERY_MAX + 100)
			vo_buf_adds(&b, "SELECT x FROM t UNION ");
		vo_buf_adds(&b, "SELECT 1</parameter></parameters></job>");
		CHECK_INT(uws_p(b.p, &job, &pa, &err), -EFBIG);
		CHECK_HAS(err.msg, "QUERY is longer than");
		vo_buf_reset(&b);
		vo_buf_adds(&b, "<job><phase>PENDING</phase><parameters><parameter id=\"MAXREC\">");
		for (int i = 0; i < 40; i++)
			vo_buf_addc(&b, '9');
		vo_buf_adds(&b, "</parameter></parameters></job>");
		CHECK_INT(uws_p(b.p, &job, &pa, &err), -EBADMSG);
		CHECK_HAS(err.msg, "MAXREC is too long");
		vo_buf_free(&b);
	}
	/* not a job: EBADMSG, and params are left empty to free */
	CHECK_INT(uws_p("<html><body>no</body></html>", &job, &pa, &err), -EBADMSG);
	CHECK(pa.query == NULL);
	vo_uws_params_free(&pa);
	vo_uws_params_free(NULL);
	printf("UWS: job parameters (QUERY, LANG, MAXREC)\n");
}

int main(int argc, char **argv)
{
	fixdir = check_init_fixtures(argc, argv);
	test_uws_captured();
	test_uws_phases();
	test_uws_handwritten();
	test_uws_params();
	test_caps_dachs();
	test_caps_handwritten();
	test_caps_cadc();
	test_caps_upload();
	test_tables_dachs();
	test_tables_edges();
	test_tables_big();
	test_examples();
	test_names();
	test_product_names();
	test_table_names();
	return check_done("test_protocols");
}
