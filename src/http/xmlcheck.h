/* xmlcheck.h - a streaming XML 1.0 well-formedness check for SOAP request
 * bodies.  gSOAP's lax parser accepts mismatched end tags and undefined
 * entities; Exchange answers such bodies with ErrorSchemaValidation
 * (spec §1.5), so every body is checked on its way in.  Plain C, no
 * allocation, bounded state. */
#ifndef EMU_HTTP_XMLCHECK_H
#define EMU_HTTP_XMLCHECK_H

#include <stddef.h>

#include "core/xmllimit.h"

/* Nesting, attributes and namespace declarations per element are bounded
 * by core/xmllimit.h (as for every XML parse); the limits below bound this
 * checker's own state. */
#define XMLCHECK_MAX_DEPTH XML_LIMIT_DEPTH /* the name stack */
#define XMLCHECK_MAX_NAME 128     /* bytes of one qualified name */
#define XMLCHECK_MAX_NS 64        /* namespace prefixes declared at once */
#define XMLCHECK_MAX_PREFIX 32    /* bytes of one prefix */
#define XMLCHECK_MAX_ATTR_PREFIXES 16 /* prefixed attributes on one tag */

struct xmlcheck {
	int state, ret, quote, depth, root_done, seen_root;
	unsigned line;
	size_t len;                   /* bytes of the name/entity being read */
	char tok[XMLCHECK_MAX_NAME + 1];
	char stack[XMLCHECK_MAX_DEPTH][XMLCHECK_MAX_NAME + 1];
	int nns, npend;
	struct xml_limit_tag tag;     /* attributes of the start tag being read */
	struct { char prefix[XMLCHECK_MAX_PREFIX + 1]; int depth; } ns[XMLCHECK_MAX_NS];
	char pend[XMLCHECK_MAX_ATTR_PREFIXES][XMLCHECK_MAX_PREFIX + 1]; /* this tag's attribute prefixes */
	char error[200];              /* first problem, "" while fine */
};

/** Start checking a new document. */
void xmlcheck_init(struct xmlcheck *x);
/** Feed the next @p n bytes.  Returns 0, or -1 at the first error (then
 * x->error says what and where; later calls keep returning -1). */
int xmlcheck_feed(struct xmlcheck *x, const char *p, size_t n);
/** The document ended: -1 unless exactly one root element was completed. */
int xmlcheck_finish(struct xmlcheck *x);

#endif
