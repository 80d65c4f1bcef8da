/* adapter_resolve.c - ResolveNames (spec §4): m:ResolveNames -> op_resolve_names()
 * -> m:ResolveNamesResponse. */
#include "soap/adapter_int.h"

#include <string.h>

#include "ews/ops/ops.h"

static enum op_scope scope_of(enum t__ResolveNamesSearchScopeType s)
{
	switch (s) {
	case t__ResolveNamesSearchScopeType__ActiveDirectory: return OP_SCOPE_AD;
	case t__ResolveNamesSearchScopeType__Contacts: return OP_SCOPE_CONTACTS;
	case t__ResolveNamesSearchScopeType__ContactsActiveDirectory: return OP_SCOPE_CONTACTS_AD;
	default: return OP_SCOPE_AD_CONTACTS;
	}
}

/* The generated request -> struct op_resolve_req; 0, or a fault. */
static int read_request(struct soap *soap, const struct m__ResolveNamesType *in,
                        struct op_resolve_req *r)
{
	memset(r, 0, sizeof *r);
	if (!in->UnresolvedEntry || !*in->UnresolvedEntry)
		return adapter_fault(soap, "ErrorSchemaValidation",
		                     "The request failed schema validation: UnresolvedEntry must not be empty.");
	if (!in->ReturnFullContactData)   /* optional in our WSDL only to see this */
		return adapter_fault(soap, "ErrorSchemaValidation",
		                     "The request failed schema validation: The required attribute "
		                     "'ReturnFullContactData' is missing.");
	r->entry = in->UnresolvedEntry;
	r->return_full_contact_data = *in->ReturnFullContactData == xsd__boolean__true_;
	r->scope = scope_of(in->SearchScope);
	if (in->ContactDataShape) {
		const char *s = soap_t__DefaultShapeNamesType2s(soap, *in->ContactDataShape);
		if (!s || ews_shape_parse(s, &r->shape) != 0)
			return adapter_fault(soap, "ErrorSchemaValidation",
			                     "The request failed schema validation: bad ContactDataShape.");
		r->has_shape = 1;
	}
	if (in->ParentFolderIds) {
		const struct t__NonEmptyArrayOfBaseFolderIdsType *f = in->ParentFolderIds;
		r->n_folders = f->__size_NonEmptyArrayOfBaseFolderIdsType;
		if (r->n_folders <= 0)
			return adapter_fault(soap, "ErrorSchemaValidation",
			                     "The request failed schema validation: ParentFolderIds is empty.");
		const struct __t__union_NonEmptyArrayOfBaseFolderIdsType *u = &f->__union_NonEmptyArrayOfBaseFolderIdsType[0];
		if (u->__union_NonEmptyArrayOfBaseFolderIdsType == SOAP_UNION__t__union_NonEmptyArrayOfBaseFolderIdsType_FolderId) {
			const struct t__FolderIdType *id = u->union_NonEmptyArrayOfBaseFolderIdsType.FolderId;
			r->folder_id = id && id->Id ? id->Id : "";
		} else {
			const struct t__DistinguishedFolderIdType *d = u->union_NonEmptyArrayOfBaseFolderIdsType.DistinguishedFolderId;
			if (!d)
				return adapter_fault(soap, "ErrorSchemaValidation",
				                     "The request failed schema validation: bad ParentFolderIds.");
			r->distinguished = soap_t__DistinguishedFolderIdNameType2s(soap, d->Id);
			if (d->Mailbox && d->Mailbox->EmailAddress)
				r->folder_mailbox = d->Mailbox->EmailAddress;
		}
	}
	return SOAP_OK;
}

/* op_resolve_result -> struct ews_resolution_set, written by the custom serialiser in
 * resolution_set.c; the strings stay in the request arena. */
static t__ArrayOfResolutionType *resolution_set(struct soap *soap, const struct op_resolve_result *r)
{
	t__ArrayOfResolutionType *set = adapter_calloc(soap, 1, sizeof *set);
	if (!set || (r->n && !(set->res = adapter_calloc(soap, r->n, sizeof *set->res))))
		return NULL;
	set->n = (int)r->n;
	set->includes_last = r->includes_last ? 1 : 0;
	set->total = (int)r->n;
	/* The t:MailboxType spelling of the previous resolution: they are nearly all alike. */
	const char *last_in = NULL, *last_out = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const struct op_resolution *in = &r->res[i];
		struct ews_resolution *out = &set->res[i];
		out->name = in->name;
		out->email = in->email;
		out->routing_type = in->routing_type;
		if (in->mailbox_type) {
			/* only t:MailboxTypeType values, as the generated enum enforced */
			if (!last_in || strcmp(in->mailbox_type, last_in)) {
				enum t__MailboxTypeType mt;
				if (soap_s2t__MailboxTypeType(soap, in->mailbox_type, &mt))
					return NULL;
				last_in = in->mailbox_type;
				last_out = soap_t__MailboxTypeType2s(soap, mt);
			}
			out->mailbox_type = last_out;
		}
		if (in->item_id) {
			out->item_id = in->item_id;
			out->change_key = in->change_key;
		}
		if (in->contact && !(out->contact = adapter_contact(soap, in->contact)))
			return NULL;
	}
	return set;
}

int __m__ResolveNames(struct soap *soap, struct m__ResolveNamesType *req, struct __m__ResolveNamesResponse *resp)
{
	struct op_resolve_req r;
	struct op_resolve_result out;

	adapter_version_header(soap);
	if (read_request(soap, req, &r) != SOAP_OK)
		return soap->error;
	int rc = op_resolve_names(adapter_ctx(soap), &r, &out);
	if (rc)
		return adapter_internal_fault(soap, "ResolveNames", rc);

	struct m__ResolveNamesResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs = adapter_calloc(soap, 1, sizeof *msgs);
	struct __m__union_ArrayOfResponseMessagesType *item = adapter_calloc(soap, 1, sizeof *item);
	struct m__ResolveNamesResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!body || !msgs || !item || !m)
		return soap->error = SOAP_EOM;
	ADAPTER_SET_STATUS(soap, m, &out.status);
	if (out.has_set && !(m->ResolutionSet = resolution_set(soap, &out)))
		return soap->error = SOAP_EOM;
	item->__union_ArrayOfResponseMessagesType = SOAP_UNION__m__union_ArrayOfResponseMessagesType_ResolveNamesResponseMessage;
	item->union_ArrayOfResponseMessagesType.ResolveNamesResponseMessage = m;
	msgs->__size_ArrayOfResponseMessagesType = 1;
	msgs->__union_ArrayOfResponseMessagesType = item;
	body->ResponseMessages = msgs;
	resp->m__ResolveNamesResponse = body;
	return SOAP_OK;
}
