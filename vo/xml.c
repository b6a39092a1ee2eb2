/* vo/xml.c - hardened streaming XML parsing over libxml2's SAX2 push parser.
 *
 * libxml2 does the tokenizing; this file decides what it may do: no network,
 * no DTD loading, no entity declarations at all (so no entity expansion
 * attacks), a depth cap, and errors turned into a vo_err with a line number.
 */
#include "xml.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/entities.h>
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "buf.h"

/* Chunks larger than this are handed to libxml2 in pieces (its size
 * argument is an int, and smaller pieces let a stop take effect sooner). */
#define FEED_PIECE ((size_t)1 << 20)

struct vo_xml {
	struct vo_xml_handler h;
	struct vo_err *err;
	xmlParserCtxtPtr ctxt;
	int rc;              /* first failure, sticky */
	int depth;
	int seen_root;
	int finished;
	struct vo_buf abuf;  /* attribute names and values of the current tag */
	struct vo_xml_attr *attrs;
	size_t attrs_alloc;
	size_t *offs;        /* offsets into abuf, two per attribute */
};

static int line_of(const struct vo_xml *x)
{
	return x->ctxt ? xmlSAX2GetLineNumber(x->ctxt) : 0;
}

/* Record rc and make libxml2 stop delivering events.  Never called from the
 * error callback: libxml2 halts by itself after a fatal error there. */
static void stop(struct vo_xml *x, int rc)
{
	if (!x->rc)
		x->rc = rc;
	if (x->ctxt)
		xmlStopParser(x->ctxt);
}

/* libxml2 hands "&#38;" for '&' in attribute values when it does not
 * substitute entities (XML_PARSE_NOENT off): undo that, as its own tree
 * builder does. */
static int add_attr_value(struct vo_buf *b, const char *s, size_t n)
{
	size_t i = 0, start = 0;
	int rc;

	while (i < n) {
		if (s[i] == '&' && n - i >= 5 && !memcmp(s + i, "&#38;", 5)) {
			if ((rc = vo_buf_add(b, s + start, i - start)) ||
			    (rc = vo_buf_addc(b, '&')))
				return rc;
			i += 5;
			start = i;
		} else {
			i++;
		}
	}
	if ((rc = vo_buf_add(b, s + start, n - start)))
		return rc;
	return vo_buf_addc(b, '\0');
}

static void sax_start(void *ud, const xmlChar *localname,
		      const xmlChar *prefix, const xmlChar *uri,
		      int nb_namespaces, const xmlChar **namespaces,
		      int nb_attributes, int nb_defaulted,
		      const xmlChar **attributes)
{
	struct vo_xml *x = ud;
	size_t n = nb_attributes > 0 ? (size_t)nb_attributes : 0, i;
	int rc;

	(void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
	(void)nb_defaulted;
	if (x->rc)
		return;
	if (++x->depth > VO_XML_MAX_DEPTH) {
		stop(x, vo_err_set(x->err, EBADMSG,
				   "malformed XML at line %d: nesting deeper than %d elements",
				   line_of(x), VO_XML_MAX_DEPTH));
		return;
	}
	x->seen_root = 1;
	if (n > x->attrs_alloc) {
		struct vo_xml_attr *a = realloc(x->attrs, n * sizeof *a);
		size_t *o = a ? realloc(x->offs, 2 * n * sizeof *o) : NULL;

		if (a)
			x->attrs = a;
		if (!a || !o) {
			stop(x, vo_err_set(x->err, ENOMEM, "XML: out of memory"));
			return;
		}
		x->offs = o;
		x->attrs_alloc = n;
	}
	/* Copy first, point later: abuf may move while it grows. */
	vo_buf_reset(&x->abuf);
	for (i = 0; i < n; i++) {
		const char *name = (const char *)attributes[5 * i];
		const char *v = (const char *)attributes[5 * i + 3];
		const char *end = (const char *)attributes[5 * i + 4];

		x->offs[2 * i] = x->abuf.len;
		rc = vo_buf_add(&x->abuf, name, strlen(name) + 1);
		if (!rc) {
			x->offs[2 * i + 1] = x->abuf.len;
			rc = add_attr_value(&x->abuf, v, (size_t)(end - v));
		}
		if (rc) {
			stop(x, vo_err_set(x->err, ENOMEM,
					   "XML: attributes too large at line %d",
					   line_of(x)));
			return;
		}
	}
	for (i = 0; i < n; i++) {
		x->attrs[i].name = x->abuf.p + x->offs[2 * i];
		x->attrs[i].value = x->abuf.p + x->offs[2 * i + 1];
	}
	if (x->h.start) {
		rc = x->h.start(x->h.ud, (const char *)localname, x->attrs, n);
		if (rc)
			stop(x, rc);
	}
}

static void sax_end(void *ud, const xmlChar *localname,
		    const xmlChar *prefix, const xmlChar *uri)
{
	struct vo_xml *x = ud;
	int rc;

	(void)prefix, (void)uri;
	if (x->rc)
		return;
	x->depth--;
	if (x->h.end) {
		rc = x->h.end(x->h.ud, (const char *)localname);
		if (rc)
			stop(x, rc);
	}
}

static void sax_text(void *ud, const xmlChar *s, int len)
{
	struct vo_xml *x = ud;
	int rc;

	if (x->rc || len <= 0 || !x->h.text)
		return;
	rc = x->h.text(x->h.ud, (const char *)s, (size_t)len);
	if (rc)
		stop(x, rc);
}

/* Any entity declaration is refused: that closes billion laughs, quadratic
 * blowup and external entities (XXE) in one place. */
static void sax_entity_decl(void *ud, const xmlChar *name, int type,
			    const xmlChar *public_id, const xmlChar *system_id,
			    xmlChar *content)
{
	struct vo_xml *x = ud;

	(void)type, (void)public_id, (void)system_id, (void)content;
	if (x->rc)
		return;
	stop(x, vo_err_set(x->err, EBADMSG,
			   "malformed XML at line %d: entity declarations are not allowed (<!ENTITY %.64s>)",
			   line_of(x), (const char *)name));
}

static void sax_unparsed_entity_decl(void *ud, const xmlChar *name,
				     const xmlChar *public_id,
				     const xmlChar *system_id,
				     const xmlChar *notation)
{
	(void)notation;
	sax_entity_decl(ud, name, 0, public_id, system_id, NULL);
}

static xmlEntityPtr sax_get_entity(void *ud, const xmlChar *name)
{
	(void)ud;
	return xmlGetPredefinedEntity(name);
}

static void sax_error(void *ud, xmlErrorPtr e)
{
	struct vo_xml *x = ud;
	char msg[512];
	size_t n, i;

	/* Warnings and recoverable errors (namespace oddities) are tolerated:
	 * real services produce them and the data is still well formed. */
	if (!e || e->level != XML_ERR_FATAL || x->rc)
		return;
	if (e->code == XML_ERR_DOCUMENT_END && !x->seen_root)
		snprintf(msg, sizeof msg, "document is empty");
	else if (e->code == XML_ERR_DOCUMENT_END && x->depth > 0)
		/* libxml2 says "Extra content at the end of the document" */
		snprintf(msg, sizeof msg, "document is truncated (%d elements not closed)",
			 x->depth);
	else
		snprintf(msg, sizeof msg, "%s", e->message ? e->message : "error");
	n = strlen(msg);
	while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	for (i = 0; i < n; i++)
		if (msg[i] == '\n')
			msg[i] = ' ';
	if (e->code == XML_ERR_NO_MEMORY)
		x->rc = vo_err_set(x->err, ENOMEM, "XML parser: out of memory");
	else
		x->rc = vo_err_set(x->err, EBADMSG, "malformed XML at line %d: %s",
				   e->line, msg);
}

struct vo_xml *vo_xml_new(const struct vo_xml_handler *h, struct vo_err *err)
{
	struct vo_xml *x;
	xmlSAXHandler sax;

	xmlInitParser();  /* idempotent and locked in libxml2 */
	x = calloc(1, sizeof *x);
	if (!x) {
		vo_err_set(err, ENOMEM, "XML: out of memory");
		return NULL;
	}
	x->h = *h;
	x->err = err;
	x->abuf.cap = (size_t)XML_MAX_TEXT_LENGTH * 4;

	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;
	sax.startElementNs = sax_start;
	sax.endElementNs = sax_end;
	sax.characters = sax_text;
	sax.ignorableWhitespace = sax_text;
	sax.cdataBlock = sax_text;
	sax.entityDecl = sax_entity_decl;
	sax.unparsedEntityDecl = sax_unparsed_entity_decl;
	sax.getEntity = sax_get_entity;
	sax.serror = sax_error;
	/* externalSubset, resolveEntity stay NULL: nothing is ever loaded. */

	x->ctxt = xmlCreatePushParserCtxt(&sax, x, NULL, 0, NULL);
	if (!x->ctxt) {
		free(x);
		vo_err_set(err, ENOMEM, "XML: cannot create parser");
		return NULL;
	}
	/* No XML_PARSE_NOENT (entities are not substituted), no DTDLOAD, no
	 * HUGE (keeps libxml2's own size limits). */
	xmlCtxtUseOptions(x->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR |
			  XML_PARSE_NOWARNING);
	return x;
}

static int after_parse(struct vo_xml *x, int lrc)
{
	if (x->rc)
		return x->rc;
	if (lrc && lrc != XML_ERR_USER_STOP && x->ctxt->disableSAX &&
	    !x->ctxt->wellFormed)
		x->rc = vo_err_set(x->err, EBADMSG,
				   "malformed XML at line %d: libxml2 error %d",
				   line_of(x), lrc);
	return x->rc;
}

int vo_xml_feed(struct vo_xml *x, const char *buf, size_t len)
{
	while (!x->rc && len) {
		size_t n = len < FEED_PIECE ? len : FEED_PIECE;
		int lrc;

		if (x->finished)
			return vo_err_set(x->err, EINVAL, "XML: feed after finish");
		lrc = xmlParseChunk(x->ctxt, buf, (int)n, 0);
		if (after_parse(x, lrc))
			break;
		buf += n;
		len -= n;
	}
	return x->rc;
}

int vo_xml_finish(struct vo_xml *x)
{
	int lrc;

	if (x->rc || x->finished)
		return x->rc;
	x->finished = 1;
	lrc = xmlParseChunk(x->ctxt, NULL, 0, 1);
	if (after_parse(x, lrc))
		return x->rc;
	/* libxml2 reports both as fatal errors; this is belt and braces
	 * (recoverable errors, which leave wellFormed 0, are tolerated) */
	if (!x->seen_root)
		x->rc = vo_err_set(x->err, EBADMSG, "malformed XML: document is empty");
	else if (x->depth != 0)
		x->rc = vo_err_set(x->err, EBADMSG,
				   "malformed XML at line %d: document is truncated",
				   line_of(x));
	return x->rc;
}

void vo_xml_free(struct vo_xml *x)
{
	if (!x)
		return;
	if (x->ctxt) {
		/* libxml2 records entity declarations in a private document
		 * "for expat compatibility" even in SAX mode: ours to free */
		if (x->ctxt->myDoc)
			xmlFreeDoc(x->ctxt->myDoc);
		xmlFreeParserCtxt(x->ctxt);
	}
	vo_buf_free(&x->abuf);
	free(x->attrs);
	free(x->offs);
	free(x);
}

const char *vo_xml_attr(const struct vo_xml_attr *attrs, size_t n,
			const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(attrs[i].name, name))
			return attrs[i].value;
	return NULL;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0 when the
 * bytes there are not valid UTF-8 or encode a character XML 1.0 forbids
 * (surrogates, U+FFFE, U+FFFF). */
static size_t utf8_xml_char(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	uint32_t cp;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0xfffe || cp == 0xffff)
		return 0;
	return len;
}

int vo_xml_escape(struct vo_buf *b, const char *s, size_t len, int attr)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start = 0;
	int rc;

	while (i < len) {
		unsigned char c = u[i];
		const char *rep = NULL;
		size_t skip = 1;

		switch (c) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		/* a literal CR would be read back as LF by any XML parser */
		case '\r': rep = "&#13;"; break;
		case '\t': rep = attr ? "&#9;" : NULL; break;
		case '\n': rep = attr ? "&#10;" : NULL; break;
		default:
			if (c < 0x20) {
				rep = "";            /* not allowed in XML 1.0 */
			} else if (c >= 0x80) {
				skip = utf8_xml_char(u + i, len - i);
				if (!skip) {
					rep = "\xef\xbf\xbd"; /* U+FFFD */
					skip = 1;
				}
			}
		}
		if (rep) {
			if ((rc = vo_buf_add(b, s + start, i - start)) ||
			    (rc = vo_buf_adds(b, rep)))
				return rc;
			start = i + skip;
		}
		i += skip;
	}
	return vo_buf_add(b, s + start, len - start);
}

void vo_xml_global_init(void)
{
	xmlInitParser();
}
