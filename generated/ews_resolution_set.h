/* ews_resolution_set.h - the C type behind t:ArrayOfResolutionType (m:ResolutionSet).
 *
 * Hand-written companion of the generated code: soapStub.h includes it (through the
 * #import file wsdl/resolution_set.h), src/soap/resolution_set.c serialises it and
 * src/soap/adapter_resolve.c fills it.  Plain C: no gSOAP header here.
 *
 * Strings are UTF-8 and unescaped (the serialiser escapes exactly as gSOAP does);
 * NULL omits the element.  All memory belongs to whoever filled the struct (soap memory
 * or the request arena): the serialisers never free anything. */
#ifndef EWS_RESOLUTION_SET_H
#define EWS_RESOLUTION_SET_H

struct t__ContactItemType;

/* One t:Resolution. */
struct ews_resolution {
	/* t:Mailbox (t:EmailAddressType), children in schema order; t:OriginalDisplayName is
	 * never written (ResolveNames has no use for it). */
	const char *name;                  /* t:Name */
	const char *email;                 /* t:EmailAddress */
	const char *routing_type;          /* t:RoutingType */
	const char *mailbox_type;          /* t:MailboxType: a t:MailboxTypeType spelling */
	const char *item_id;               /* t:ItemId/@Id (NULL: no t:ItemId) */
	const char *change_key;            /* t:ItemId/@ChangeKey */
	struct t__ContactItemType *contact; /* t:Contact, gSOAP's generated serialiser */
};

/* t:ArrayOfResolutionType. */
struct ews_resolution_set {
	int n;                             /* number of resolutions (schema: at most 100) */
	struct ews_resolution *res;        /* n of them */
	int includes_last;                 /* @IncludesLastItemInRange: 1 true, 0 false, -1 omitted */
	int total;                         /* @TotalItemsInView; -1 omitted */
};

#endif
