/* xmllimit.h - the one definition of how deep and how wide an XML document
 * may be, for every place ewsemu parses XML: the live SOAP body check
 * (http/xmlcheck, before gSOAP), libxml2 in fixture/, record/, replay/ and
 * autodiscover/.
 *
 * Why a pre-scan: libxml2 (and gSOAP) recurse once per nesting level, so a
 * deep document overflows a worker thread's stack (XML_PARSE_HUGE lifts
 * libxml2's own depth cap), and both check attribute names for duplicates
 * pairwise, so one start tag with n attributes costs O(n^2).  The scan below
 * is linear in the input, needs no allocation, and refuses before a parser
 * spends anything.
 *
 * The values: the deepest document we serve or record (an EWS FindItem
 * restriction inside Envelope/Body) is about 15 levels; EWS elements carry
 * at most a handful of attributes (ItemId: Id, ChangeKey; xsi:type), and
 * clients declare fewer than a dozen namespaces on the Envelope.  64 is
 * gSOAP's own maxlevel as this server used it before; at 64 levels the
 * recursive tree walks in our code use a few KiB of stack. */
#ifndef EMU_CORE_XMLLIMIT_H
#define EMU_CORE_XMLLIMIT_H

#include <stddef.h>

#define XML_LIMIT_DEPTH 64     /* elements nested in one document (the root is level 1) */
#define XML_LIMIT_ATTRS 64     /* attributes on one start tag, namespace declarations not counted */
#define XML_LIMIT_NS_DECLS 32  /* namespace declarations (xmlns, xmlns:p) on one start tag */
#define XML_LIMIT_MSG_MAX 96   /* bytes of the messages below, NUL included */

/* What one start tag has carried so far (zero it for every tag). */
struct xml_limit_tag {
	int attrs, ns_decls;
};

/** An element opens at nesting level @p depth (1 for the root).
 * Returns NULL, or a static message ("elements nested deeper than 64
 * levels") when the depth is over XML_LIMIT_DEPTH. */
const char *xml_limit_element(int depth);

/** The start tag @p t has one more attribute, named by @p n bytes at
 * @p name (a namespace declaration when the name is "xmlns" or starts with
 * "xmlns:").  Returns NULL, or a static message when the tag now has more
 * attributes or declarations than allowed. */
const char *xml_limit_attribute(struct xml_limit_tag *t, const char *name, size_t n);

/** Check a whole document against the limits, linear in @p len, without
 * allocating.  @p extra_depth levels are allowed on top of XML_LIMIT_DEPTH
 * (a fixture file wraps a body in a few elements of its own; 0 elsewhere).
 * It lexes only what it needs (tags, attributes, comments, CDATA, PIs and
 * declarations) and does not judge well-formedness: a malformed document
 * that stays within the limits passes, for the parser to refuse.
 * Returns EMU_OK, or EMU_ELIMIT with "line N: <message>" in @p err
 * (@p errsz bytes, may be 0). */
int xml_limit_check(const void *data, size_t len, int extra_depth, char *err, size_t errsz);

#endif
