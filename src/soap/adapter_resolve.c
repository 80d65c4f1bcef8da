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

static struct t__EmailAddressType *mailbox_of(struct soap *soap, const struct op_resolution *res)
{
	struct t__EmailAddressType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!m)
		return NULL;
	m->Name = (char *)res->name;
	m->EmailAddress = (char *)res->email;
	m->RoutingType = (char *)res->routing_type;
	if (res->mailbox_type) {
		m->MailboxType = adapter_calloc(soap, 1, sizeof *m->MailboxType);
		if (!m->MailboxType || soap_s2t__MailboxTypeType(soap, res->mailbox_type, m->MailboxType))
			return NULL;
	}
	if (res->item_id) {
		m->ItemId = adapter_calloc(soap, 1, sizeof *m->ItemId);
		if (!m->ItemId)
			return NULL;
		m->ItemId->Id = (char *)res->item_id;
		m->ItemId->ChangeKey = (char *)res->change_key;
	}
	return m;
}

static struct t__ArrayOfResolutionType *resolution_set(struct soap *soap, const struct op_resolve_result *r)
{
	struct t__ArrayOfResolutionType *set = adapter_calloc(soap, 1, sizeof *set);
	if (!set || !(set->Resolution = adapter_calloc(soap, r->n, sizeof *set->Resolution)) ||
	    !(set->IncludesLastItemInRange = adapter_calloc(soap, 1, sizeof *set->IncludesLastItemInRange)) ||
	    !(set->TotalItemsInView = adapter_calloc(soap, 1, sizeof *set->TotalItemsInView)))
		return NULL;
	set->__sizeResolution = (int)r->n;
	*set->IncludesLastItemInRange = r->includes_last ? xsd__boolean__true_ : xsd__boolean__false_;
	*set->TotalItemsInView = (int)r->n;
	for (size_t i = 0; i < r->n; i++) {
		struct t__ResolutionType *res = &set->Resolution[i];
		if (!(res->Mailbox = mailbox_of(soap, &r->res[i])))
			return NULL;
		if (r->res[i].contact && !(res->Contact = adapter_contact(soap, r->res[i].contact)))
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
