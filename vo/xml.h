/* vo/xml.h - hardened, streaming XML parsing for everything vo/ reads.
 *
 * A thin layer over libxml2's SAX2 push parser.  Documents arrive in chunks
 * straight from the network (vo_xml_feed), so nothing is ever held whole.
 * Hardening, always on:
 *   - no network access from the parser (XML_PARSE_NONET), no external DTD
 *     or entity loading;
 *   - any entity declaration (<!ENTITY ...>) is rejected: -EBADMSG;
 *     only the five predefined entities and character references expand;
 *   - element nesting depth is capped (VO_XML_MAX_DEPTH), text delivered to
 *     the handler is chunked, attribute values, names and the input libxml2
 *     buffers while looking for the end of a tag are capped by libxml2's
 *     own limits (10 MB; XML_PARSE_HUGE is never set).
 * Errors: -EBADMSG with "malformed XML at line N: <why>" in err (libxml2's
 * message, or "document is truncated", "document is empty", "nesting deeper
 * than 256 elements", "entity declarations are not allowed"); warnings and
 * recoverable namespace errors are tolerated.  The first error is sticky.
 * Names handed to callbacks are local names (namespace prefix removed);
 * attribute names likewise ("xsi:type" -> "type").  All strings are UTF-8,
 * NUL-terminated and borrowed for the duration of the callback only.
 * A callback returning non-zero (a negative errno) stops the parse; that
 * value is returned by the vo_xml_feed/vo_xml_finish call in progress.
 */
#ifndef VO_XML_H
#define VO_XML_H

#include <stddef.h>

#include "err.h"

#define VO_XML_MAX_DEPTH 256

struct vo_xml_attr {
	const char *name;
	const char *value;
};

struct vo_xml_handler {
	void *ud;
	int (*start)(void *ud, const char *name, const struct vo_xml_attr *attrs,
		     size_t nattrs);
	int (*end)(void *ud, const char *name);
	/* Character data, possibly split into several calls. */
	int (*text)(void *ud, const char *s, size_t len);
};

struct vo_xml;

/* Once, before threads start (libxml2's own global set-up). */
void vo_xml_global_init(void);

/* Returns NULL only on allocation failure.  h is copied. */
struct vo_xml *vo_xml_new(const struct vo_xml_handler *h, struct vo_err *err);
/* 0, a callback's error, or -EBADMSG for malformed/forbidden XML (err says
 * where: line number and libxml2's message). */
int vo_xml_feed(struct vo_xml *x, const char *buf, size_t len);
/* Signals end of input: -EBADMSG if the document is incomplete. */
int vo_xml_finish(struct vo_xml *x);
void vo_xml_free(struct vo_xml *x);

/* Lookup helper: value of attribute name, or NULL. */
const char *vo_xml_attr(const struct vo_xml_attr *attrs, size_t n,
			const char *name);

/* Append s to b with XML escaping of & < > " ' and of control characters
 * (CR always as &#13;, which a parser would otherwise turn into LF; tab and
 * LF as character references inside attributes when attr != 0; other C0
 * controls, not allowed in XML 1.0, are dropped).  Bytes that are not valid
 * UTF-8, and U+FFFE/U+FFFF, become U+FFFD, so the output is always
 * well-formed. */
struct vo_buf;
int vo_xml_escape(struct vo_buf *b, const char *s, size_t len, int attr);

#endif
