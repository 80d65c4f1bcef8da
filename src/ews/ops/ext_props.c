/* ext_props.c - t:ExtendedProperty of GetItem and FindItem answers (spec
 * §8.2): the requested ExtendedFieldURIs resolved through the property table
 * (ews/props.h), values rendered as Exchange writes them.
 */
#include "ews/ops/ops.h"

#include <string.h>

#include "core/result.h"
#include "ews/ops/ops_int.h"

int op_ext_resolve(const struct prop_ext_uri *req, size_t n, unsigned kinds,
                   const struct prop_def **defs, struct ews_status *st)
{
	for (size_t i = 0; i < n; i++) {
		switch (props_find_extended(&req[i], kinds, &defs[i])) {
		case PROP_EXT_SERVED:
		case PROP_EXT_NOT_SERVED:   /* spec §8.2: left out of the answer */
			break;
		case PROP_EXT_UNSUPPORTED_TYPE:
			ews_status_error(st, EWS_ERROR_UNSUPPORTED_MAPI_TYPE,
			                 "The MAPI property type is not supported.");
			return 0;
		default:
			ews_status_error(st, EWS_ERROR_INVALID_EXTENDED_PROPERTY,
			                 "The extended property attribute combination is invalid.");
			return 0;
		}
	}
	return 1;
}

int op_ext_values(struct arena *a, const struct prop_ext_uri *req, const struct prop_def *const *defs,
                  size_t n, const struct prop_record *r, struct op_ext_value **out, int *n_out)
{
	char text[STORE_NOTES_MAX + 64];
	char tag[8];
	struct op_ext_value *v;
	int k = 0;

	*out = NULL;
	*n_out = 0;
	if (!n)
		return EMU_OK;
	if (!(v = arena_alloc(a, n * sizeof *v)))
		return EMU_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct prop_value pv;
		if (!defs[i] || !props_get(defs[i], r, &pv) || props_value_text(&pv, text, sizeof text) != EMU_OK)
			continue;   /* not set (or Binary, which no stored property is): omitted */
		v[k].uri = &req[i];
		v[k].tag = NULL;
		if (req[i].tag) {
			props_tag_text(defs[i]->tag, tag, sizeof tag);
			if (!(v[k].tag = arena_strdup(a, tag)))
				return EMU_ENOMEM;
		}
		if (!(v[k].value = arena_strdup(a, text)))
			return EMU_ENOMEM;
		k++;
	}
	*out = v;
	*n_out = k;
	return EMU_OK;
}
