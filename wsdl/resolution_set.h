/*	resolution_set.h - gSOAP interface header (#import'ed into ews.h through typemap.dat)

	t:ArrayOfResolutionType (m:ResolutionSet of ResolveNamesResponseMessage) as a custom
	type: soapcpp2 generates everything around it (PointerTo..., the member of
	m:ResolveNamesResponseMessageType) but not its serialisers, which are hand-written in
	src/soap/resolution_set.c: soap_default_, soap_serialize_, soap_out_, soap_in_.

	The #include below is passed through to soapStub.h; it defines the C struct
	(generated/ews_resolution_set.h, plain C, no gSOAP).  The schema shape (official
	MS-OXWSRSLNM-types.xsd, copied in wsdl/ews-types.xsd) is unchanged:
	  t:ArrayOfResolutionType = sequence of t:Resolution (0..100)
	    @IncludesLastItemInRange, @TotalItemsInView (t:FindResponsePagingAttributes)
	  t:Resolution = t:Mailbox (t:EmailAddressType), t:Contact? (t:ContactItemType)
*/

#include "ews_resolution_set.h"

extern typedef struct ews_resolution_set t__ArrayOfResolutionType;
