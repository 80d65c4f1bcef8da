/* adapter_ext.c - ExtendedFieldURI in both directions (spec §8): request
 * attributes -> struct prop_ext_uri, and op_ext_value -> t:ExtendedProperty
 * with the canonical echo of spec §8.2 (tag as 0x + lower-case hex, PropertyId
 * decimal, the set as the client named it, a GUID in lower case).
 */
#include "soap/adapter_int.h"

#include <ctype.h>
#include <string.h>

#include "ews/ops/ops.h"

void adapter_ext_uri_read(struct soap *soap, const struct t__PathToExtendedFieldType *x, struct prop_ext_uri *u)
{
	memset(u, 0, sizeof *u);
	if (!x)
		return;
	u->distinguished_set = x->DistinguishedPropertySetId
	                     ? soap_t__DistinguishedPropertySetType2s(soap, *x->DistinguishedPropertySetId) : NULL;
	u->set_id = x->PropertySetId;
	u->tag = x->PropertyTag;
	u->name = x->PropertyName;
	if (x->PropertyId) {
		u->has_id = 1;
		u->id = *x->PropertyId;
	}
	u->type = soap_t__MapiPropertyTypeType2s(soap, x->PropertyType);
}

static struct t__PathToExtendedFieldType *echo(struct soap *soap, const struct op_ext_value *v)
{
	const struct prop_ext_uri *u = v->uri;
	struct t__PathToExtendedFieldType *x = adapter_calloc(soap, 1, sizeof *x);
	if (!x || soap_s2t__MapiPropertyTypeType(soap, u->type, &x->PropertyType) != SOAP_OK)
		return NULL;
	if (v->tag) {
		x->PropertyTag = (char *)v->tag;
		return x;
	}
	if (u->distinguished_set) {
		if (!(x->DistinguishedPropertySetId = adapter_calloc(soap, 1, sizeof *x->DistinguishedPropertySetId)) ||
		    soap_s2t__DistinguishedPropertySetType(soap, u->distinguished_set, x->DistinguishedPropertySetId) != SOAP_OK)
			return NULL;
	} else if (u->set_id) {
		size_t n = strlen(u->set_id);
		if (!(x->PropertySetId = adapter_calloc(soap, n + 1, 1)))
			return NULL;
		for (size_t i = 0; i < n; i++)
			x->PropertySetId[i] = (char)tolower((unsigned char)u->set_id[i]);
	}
	if (u->has_id && !(x->PropertyId = adapter_int(soap, (int)u->id)))
		return NULL;
	x->PropertyName = (char *)u->name;
	return x;
}

int adapter_ext_props(struct soap *soap, const struct op_ext_value *v, int n, int *size,
                      struct t__ExtendedPropertyType **out)
{
	struct t__ExtendedPropertyType *a;
	*size = 0;
	*out = NULL;
	if (n <= 0)
		return 0;
	if (!(a = adapter_calloc(soap, (size_t)n, sizeof *a)))
		return -1;
	for (int i = 0; i < n; i++) {
		if (!(a[i].ExtendedFieldURI = echo(soap, &v[i])))
			return -1;
		a[i].__union_ExtendedPropertyType = SOAP_UNION__t__union_ExtendedPropertyType_Value;
		a[i].union_ExtendedPropertyType.Value = (char *)v[i].value;
	}
	*size = n;
	*out = a;
	return 0;
}
