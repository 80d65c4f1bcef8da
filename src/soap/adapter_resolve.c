/* adapter_resolve.c - ResolveNames (spec §4): m:ResolveNames -> op_resolve_names()
 * -> m:ResolveNamesResponse. */
#include "soap/adapter_int.h"

int __m__ResolveNames(struct soap *soap, struct m__ResolveNamesType *req, struct __m__ResolveNamesResponse *resp)
{
	(void)req; (void)resp;
	return adapter_not_yet(soap, "ResolveNames");
}
