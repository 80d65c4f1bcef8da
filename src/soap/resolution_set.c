/* resolution_set.c - the hand-written gSOAP serialisers of t:ArrayOfResolutionType
 * (m:ResolutionSet), declared `extern typedef` in wsdl/resolution_set.h; the C type is
 * struct ews_resolution_set (generated/ews_resolution_set.h).
 *
 * Why: through the generated code a t:Resolution cost ~6.6 k instructions
 * (soap_element_begin_out, soap_element_id, soap_outstring ... for t:Resolution,
 * t:Mailbox and its four children), two thirds of a 100-resolution ResolveNames answer.
 * Here the fixed markup is literal text, gathered with the names and addresses (each in
 * one piece when it has nothing to escape) in a 4 KB buffer on the stack that goes out
 * with soap_send_raw(); the output is byte for byte what the generated serialisers wrote:
 *   - tags: "t:" prefix (the namespace table declares t on the envelope), start and end
 *     tags (no <x/>), no id/href attributes (document/literal, no SOAP_XML_GRAPH);
 *   - a NULL string omits its element, as soap_outstring() does without SOAP_XML_NIL;
 *     an empty one is written by soap_outstring() itself (it writes <t:Name/>);
 *   - text: a string with any byte below 0x20, '&', '<', '>', '"' or 0x7F goes through
 *     gSOAP's own soap_string_out() (flag 0 for element content, 1 for attribute values),
 *     every other byte (UTF-8 included, SOAP_C_UTFSTRING) is written as is, which is what
 *     soap_string_out() does with it (tests/unit/soap/test_soap.c checks all of this
 *     against the generated serialiser of t:ResolutionType, still generated and used
 *     here to read the type back).
 * With an output mode that changes the markup (SOAP_XML_INDENT, SOAP_XML_CANONICAL,
 * SOAP_XML_DEFAULTNS, SOAP_XML_NIL, SOAP_XML_GRAPH, SOAP_XML_DOM, or without
 * SOAP_C_UTFSTRING) every element goes through the gSOAP calls the generated code makes.
 * t:Contact is always written by the generated soap_out_PointerTot__ContactItemType(). */
#include "soap/adapter_int.h"

#include <string.h>

/* Modes under which literal markup would differ from what gSOAP writes. */
#define GENERIC_MODES (SOAP_XML_INDENT | SOAP_XML_CANONICAL | SOAP_XML_DEFAULTNS | \
                       SOAP_XML_NIL | SOAP_XML_GRAPH | SOAP_XML_DOM | SOAP_C_MBSTRING)

static int literal_mode(const struct soap *soap)
{
	return !(soap->mode & GENERIC_MODES) && (soap->mode & SOAP_C_UTFSTRING);
}

/* Bytes soap_string_out() may rewrite (element content or attribute value). */
static const unsigned char needs_escape[256] = {
	[0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
	[0x08] = 1, [0x09] = 1, [0x0A] = 1, [0x0B] = 1, [0x0C] = 1, [0x0D] = 1, [0x0E] = 1,
	[0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1, [0x13] = 1, [0x14] = 1, [0x15] = 1,
	[0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1, [0x1B] = 1, [0x1C] = 1,
	[0x1D] = 1, [0x1E] = 1, [0x1F] = 1,
	['&'] = 1, ['<'] = 1, ['>'] = 1, ['"'] = 1, [0x7F] = 1,
};

/* ---- literal mode: markup and clean text gathered in a local buffer ------------- */

struct out {
	struct soap *soap;
	size_t n;
	char b[4096];
};

static int flush(struct out *o)
{
	size_t n = o->n;
	o->n = 0;
	return n ? soap_send_raw(o->soap, o->b, n) : SOAP_OK;
}

static inline int put(struct out *o, const char *s, size_t len)
{
	if (len > sizeof o->b - o->n) {
		if (flush(o))
			return o->soap->error;
		if (len > sizeof o->b)
			return soap_send_raw(o->soap, s, len);
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
	return SOAP_OK;
}

#define PUT_LIT(o, lit) put((o), (lit), sizeof(lit) - 1)

/* Text of element content (flag 0) or an attribute value (flag 1). */
static inline int put_text(struct out *o, const char *s, int flag)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p && !needs_escape[*p])
		p++;
	if (!*p)
		return put(o, s, (size_t)(p - (const unsigned char *)s));
	if (flush(o))
		return o->soap->error;
	return soap_string_out(o->soap, s, flag);
}

/* <t:NAME>text</t:NAME>; nothing when @p s is NULL.  An empty string goes through
 * soap_outstring(), which writes <t:NAME/> for it. */
static inline int put_text_element(struct out *o, const char *tag, const char *open, size_t open_len,
                            const char *close, size_t close_len, const char *s)
{
	if (!s)
		return SOAP_OK;
	if (!*s) {
		if (flush(o))
			return o->soap->error;
		return soap_outstring(o->soap, tag, -1, (char *const *)&s, "", 0);
	}
	if (put(o, open, open_len) || put_text(o, s, 0))
		return o->soap->error;
	return put(o, close, close_len);
}

#define PUT_TEXT_ELEMENT(o, name, s) \
	put_text_element((o), "t:" name, "<t:" name ">", sizeof("<t:" name ">") - 1, \
	                 "</t:" name ">", sizeof("</t:" name ">") - 1, (s))

static int resolution_literal(struct out *o, const struct ews_resolution *r)
{
	struct soap *soap = o->soap;
	if (PUT_LIT(o, "<t:Resolution><t:Mailbox>") ||
	    PUT_TEXT_ELEMENT(o, "Name", r->name) ||
	    PUT_TEXT_ELEMENT(o, "EmailAddress", r->email) ||
	    PUT_TEXT_ELEMENT(o, "RoutingType", r->routing_type) ||
	    PUT_TEXT_ELEMENT(o, "MailboxType", r->mailbox_type))
		return soap->error;
	if (r->item_id) {   /* as soap_out_t__ItemIdType: start and end tag */
		if (PUT_LIT(o, "<t:ItemId Id=\"") || put_text(o, r->item_id, 1))
			return soap->error;
		if (r->change_key && (PUT_LIT(o, "\" ChangeKey=\"") || put_text(o, r->change_key, 1)))
			return soap->error;
		if (PUT_LIT(o, "\"></t:ItemId>"))
			return soap->error;
	}
	if (PUT_LIT(o, "</t:Mailbox>"))
		return soap->error;
	if (r->contact) {
		if (flush(o))
			return soap->error;
		soap->level += 2;   /* inside t:Resolution, as with soap_element_begin_out */
		int rc = soap_out_PointerTot__ContactItemType(soap, "t:Contact", -1, &r->contact, "");
		soap->level -= 2;
		if (rc)
			return soap->error;
	}
	return PUT_LIT(o, "</t:Resolution>");
}

/* ---- generic mode: the calls the generated serialisers make ---------------------- */

/* soap_outstring() also for NULL: soap_element_null() writes xsi:nil under SOAP_XML_NIL. */
static int text_element(struct soap *soap, const char *tag, const char *s)
{
	return soap_outstring(soap, tag, -1, (char *const *)&s, "", 0);
}

static int resolution_generic(struct soap *soap, const struct ews_resolution *r)
{
	struct t__ItemIdType id, *idp = NULL;
	const char *original_display_name = NULL;
	if (r->item_id) {
		soap_default_t__ItemIdType(soap, &id);
		id.Id = (char *)r->item_id;
		id.ChangeKey = (char *)r->change_key;
		idp = &id;
	}
	if (soap_element_begin_out(soap, "t:Resolution", -1, "") ||
	    soap_element_begin_out(soap, "t:Mailbox", -1, "") ||
	    text_element(soap, "t:Name", r->name) ||
	    text_element(soap, "t:EmailAddress", r->email) ||
	    text_element(soap, "t:RoutingType", r->routing_type) ||
	    text_element(soap, "t:MailboxType", r->mailbox_type) ||
	    soap_out_PointerTot__ItemIdType(soap, "t:ItemId", -1, &idp, "") ||
	    text_element(soap, "t:OriginalDisplayName", original_display_name) ||
	    soap_element_end_out(soap, "t:Mailbox") ||
	    soap_out_PointerTot__ContactItemType(soap, "t:Contact", -1, &r->contact, ""))
		return soap->error;
	return soap_element_end_out(soap, "t:Resolution");
}

void soap_default_t__ArrayOfResolutionType(struct soap *soap, struct ews_resolution_set *a)
{
	(void)soap;
	memset(a, 0, sizeof *a);
	a->includes_last = -1;
	a->total = -1;
}

void soap_serialize_t__ArrayOfResolutionType(struct soap *soap, const struct ews_resolution_set *a)
{
	for (int i = 0; i < a->n; i++)
		soap_serialize_PointerTot__ContactItemType(soap, &a->res[i].contact);
}

int soap_out_t__ArrayOfResolutionType(struct soap *soap, const char *tag, int id,
                                      const struct ews_resolution_set *a, const char *type)
{
	if (a->includes_last >= 0)
		soap_set_attr(soap, "IncludesLastItemInRange",
		              soap_xsd__boolean2s(soap, a->includes_last ? xsd__boolean__true_ : xsd__boolean__false_), 1);
	if (a->total >= 0)
		soap_set_attr(soap, "TotalItemsInView", soap_int2s(soap, a->total), 1);
	if (soap_element_begin_out(soap, tag, soap_embedded_id(soap, id, a, SOAP_TYPE_t__ArrayOfResolutionType), type))
		return soap->error;
	if (literal_mode(soap)) {
		struct out o;
		o.soap = soap;
		o.n = 0;
		for (int i = 0; i < a->n; i++)
			if (resolution_literal(&o, &a->res[i]))
				return soap->error;
		if (flush(&o))
			return soap->error;
	} else {
		for (int i = 0; i < a->n; i++)
			if (resolution_generic(soap, &a->res[i]))
				return soap->error;
	}
	return soap_element_end_out(soap, tag);
}

/* Reading (never needed by the server, which only writes ResolveNamesResponse): each
 * t:Resolution through the generated soap_in_t__ResolutionType, then into struct
 * ews_resolution (t:OriginalDisplayName, which the struct does not carry, is dropped). */
static int from_generated(struct soap *soap, const struct t__ResolutionType *g, struct ews_resolution *r)
{
	memset(r, 0, sizeof *r);
	r->contact = g->Contact;
	const struct t__EmailAddressType *m = g->Mailbox;
	if (!m)
		return SOAP_OK;
	r->name = m->Name;
	r->email = m->EmailAddress;
	r->routing_type = m->RoutingType;
	if (m->MailboxType && !(r->mailbox_type = soap_t__MailboxTypeType2s(soap, *m->MailboxType)))
		return soap->error = SOAP_EOM;
	if (m->ItemId) {
		r->item_id = m->ItemId->Id ? m->ItemId->Id : "";
		r->change_key = m->ItemId->ChangeKey;
	}
	return SOAP_OK;
}

struct ews_resolution_set *soap_in_t__ArrayOfResolutionType(struct soap *soap, const char *tag,
                                                            struct ews_resolution_set *a, const char *type)
{
	(void)type;
	if (soap_element_begin_in(soap, tag, 0, NULL))
		return NULL;
	if (!a && !(a = soap_malloc(soap, sizeof *a)))
		return NULL;
	soap_default_t__ArrayOfResolutionType(soap, a);
	const char *t = soap_attr_value(soap, "IncludesLastItemInRange", 5, 0);
	if (t) {
		enum xsd__boolean b;
		if (soap_s2xsd__boolean(soap, t, &b))
			return NULL;
		a->includes_last = b == xsd__boolean__true_;
	} else if (soap->error) {
		return NULL;
	}
	if ((t = soap_attr_value(soap, "TotalItemsInView", 5, 0))) {
		if (soap_s2int(soap, t, &a->total))
			return NULL;
	} else if (soap->error) {
		return NULL;
	}
	if (!soap->body)
		return a;
	int cap = 0;
	for (;;) {
		struct t__ResolutionType g;
		soap_default_t__ResolutionType(soap, &g);
		if (soap_in_t__ResolutionType(soap, "t:Resolution", &g, "t:ResolutionType")) {
			if (a->n == cap) {
				int ncap = cap ? 2 * cap : 16;
				struct ews_resolution *nres = soap_malloc(soap, (size_t)ncap * sizeof *nres);
				if (!nres)
					return NULL;
				if (a->n)
					memcpy(nres, a->res, (size_t)a->n * sizeof *nres);
				a->res = nres;
				cap = ncap;
			}
			if (from_generated(soap, &g, &a->res[a->n]))
				return NULL;
			a->n++;
			continue;
		}
		if (soap->error == SOAP_TAG_MISMATCH)
			soap->error = soap_ignore_element(soap);
		if (soap->error == SOAP_NO_TAG)
			break;
		if (soap->error)
			return NULL;
	}
	if (soap_element_end_in(soap, tag))
		return NULL;
	return a;
}
