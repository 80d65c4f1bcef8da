/* adapter_sync.c - SyncFolderHierarchy and SyncFolderItems (spec §5, §6):
 * generated request structs -> op_sync_folder_hierarchy /
 * op_sync_folder_items -> one response message.
 *
 * Request-level problems (no shape, no SyncFolderId, MaxChangesReturned
 * outside 1..512, too many Ignore ids) are ErrorSchemaValidation faults, as
 * a schema-validating Exchange answers them; everything else is the op's
 * per-message outcome.  A success message always carries SyncState, the
 * IncludesLast... element and m:Changes (spec §6.3, exchangelib reads all
 * three); ErrorInvalidSyncStateData carries an empty m:SyncState.
 */
#include "soap/adapter_int.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"

/* A TargetFolderIdType -> op_folder_ref; 0 or a fault. */
static int read_target(struct soap *soap, const struct t__TargetFolderIdType *f, struct op_folder_ref *ref)
{
	memset(ref, 0, sizeof *ref);
	if (f->__union_TargetFolderIdType == SOAP_UNION__t__union_TargetFolderIdType_FolderId) {
		const struct t__FolderIdType *id = f->union_TargetFolderIdType.FolderId;
		ref->id = id && id->Id ? id->Id : "";
		return SOAP_OK;
	}
	const struct t__DistinguishedFolderIdType *d = f->union_TargetFolderIdType.DistinguishedFolderId;
	if (f->__union_TargetFolderIdType != SOAP_UNION__t__union_TargetFolderIdType_DistinguishedFolderId || !d)
		return adapter_schema_fault(soap, "bad SyncFolderId.");
	ref->distinguished = soap_t__DistinguishedFolderIdNameType2s(soap, d->Id);
	if (d->Mailbox)
		ref->mailbox = d->Mailbox->EmailAddress;
	return SOAP_OK;
}

/* ---- SyncFolderHierarchy ------------------------------------------------------- */

/* The folder of a Create/Update in the element of its kind; 0 or -1. */
static int folder_element(struct soap *soap, const struct op_folder_change *c,
                          struct t__SyncFolderHierarchyCreateOrUpdateType *u)
{
	void *x = adapter_folder_element(soap, &c->folder);
	switch (c->folder.kind) {
	case OP_FOLDER_KIND_CONTACTS:
		u->__union_SyncFolderHierarchyCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderHierarchyCreateOrUpdateType_ContactsFolder;
		u->union_SyncFolderHierarchyCreateOrUpdateType.ContactsFolder = x;
		break;
	case OP_FOLDER_KIND_CALENDAR:
		u->__union_SyncFolderHierarchyCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderHierarchyCreateOrUpdateType_CalendarFolder;
		u->union_SyncFolderHierarchyCreateOrUpdateType.CalendarFolder = x;
		break;
	case OP_FOLDER_KIND_TASKS:
		u->__union_SyncFolderHierarchyCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderHierarchyCreateOrUpdateType_TasksFolder;
		u->union_SyncFolderHierarchyCreateOrUpdateType.TasksFolder = x;
		break;
	case OP_FOLDER_KIND_SEARCH:
		u->__union_SyncFolderHierarchyCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderHierarchyCreateOrUpdateType_SearchFolder;
		u->union_SyncFolderHierarchyCreateOrUpdateType.SearchFolder = x;
		break;
	case OP_FOLDER_KIND_PLAIN:
	default:
		u->__union_SyncFolderHierarchyCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderHierarchyCreateOrUpdateType_Folder;
		u->union_SyncFolderHierarchyCreateOrUpdateType.Folder = x;
	}
	return x ? 0 : -1;
}

static struct t__SyncFolderHierarchyChangesType *hierarchy_changes(struct soap *soap,
                                                                   const struct op_sync_hierarchy_result *r)
{
	struct t__SyncFolderHierarchyChangesType *ch = adapter_calloc(soap, 1, sizeof *ch);
	if (!ch || (r->n && !(ch->__union_SyncFolderHierarchyChangesType =
	                      adapter_calloc(soap, r->n, sizeof *ch->__union_SyncFolderHierarchyChangesType))))
		return NULL;
	ch->__size_SyncFolderHierarchyChangesType = (int)r->n;
	for (size_t i = 0; i < r->n; i++) {
		struct __t__union_SyncFolderHierarchyChangesType *e = &ch->__union_SyncFolderHierarchyChangesType[i];
		const struct op_folder_change *c = &r->changes[i];
		if (c->kind == OP_CHANGE_DELETE) {
			struct t__SyncFolderHierarchyDeleteType *d = adapter_calloc(soap, 1, sizeof *d);
			if (!d || !(d->FolderId = adapter_folder_id(soap, c->folder.id, c->folder.change_key)))
				return NULL;
			e->__union_SyncFolderHierarchyChangesType = SOAP_UNION__t__union_SyncFolderHierarchyChangesType_Delete;
			e->union_SyncFolderHierarchyChangesType.Delete = d;
			continue;
		}
		struct t__SyncFolderHierarchyCreateOrUpdateType *u = adapter_calloc(soap, 1, sizeof *u);
		if (!u || folder_element(soap, c, u))
			return NULL;
		if (c->kind == OP_CHANGE_UPDATE) {
			e->__union_SyncFolderHierarchyChangesType = SOAP_UNION__t__union_SyncFolderHierarchyChangesType_Update;
			e->union_SyncFolderHierarchyChangesType.Update = u;
		} else {
			e->__union_SyncFolderHierarchyChangesType = SOAP_UNION__t__union_SyncFolderHierarchyChangesType_Create;
			e->union_SyncFolderHierarchyChangesType.Create = u;
		}
	}
	return ch;
}

int __m__SyncFolderHierarchy(struct soap *soap, struct m__SyncFolderHierarchyType *req,
                             struct __m__SyncFolderHierarchyResponse *resp)
{
	struct op_sync_hierarchy_req in;
	struct op_sync_hierarchy_result out;
	struct op_folder_ref ref;
	struct adapter_folder_shape fs;

	adapter_version_header(soap);
	memset(&in, 0, sizeof in);
	if (adapter_folder_shape(soap, req->FolderShape, &fs) ||
	    (req->SyncFolderId && read_target(soap, req->SyncFolderId, &ref)))
		return soap->error;
	in.shape = fs.shape;
	in.additional = fs.uris;
	in.n_additional = fs.n_uris;
	in.ext = fs.ext;
	in.n_ext = fs.n_ext;
	in.folder = req->SyncFolderId ? &ref : NULL;
	in.sync_state = req->SyncState;
	int rc = op_sync_folder_hierarchy(adapter_ctx(soap), &in, &out);
	if (rc)
		return adapter_internal_fault(soap, "SyncFolderHierarchy", rc);

	struct m__SyncFolderHierarchyResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, 1, SOAP_UNION__m__union_ArrayOfResponseMessagesType_SyncFolderHierarchyResponseMessage);
	struct m__SyncFolderHierarchyResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!body || !msgs || !m)
		return soap->error = SOAP_EOM;
	ADAPTER_SET_STATUS(soap, m, &out.status);
	if (out.status.cls == EWS_SUCCESS) {
		m->SyncState = (char *)out.sync_state;
		if (!(m->IncludesLastFolderInRange = adapter_bool(soap, out.includes_last)) ||
		    !(m->Changes = hierarchy_changes(soap, &out)))
			return soap->error = SOAP_EOM;
	} else if (strcmp(out.status.code, EWS_ERROR_INVALID_SYNC_STATE) == 0) {
		m->SyncState = "";     /* spec §6.4: an empty m:SyncState */
	}
	msgs->__union_ArrayOfResponseMessagesType[0].union_ArrayOfResponseMessagesType.SyncFolderHierarchyResponseMessage = m;
	body->ResponseMessages = msgs;
	resp->m__SyncFolderHierarchyResponse = body;
	return SOAP_OK;
}

/* ---- SyncFolderItems ----------------------------------------------------------- */

static struct t__ItemIdType *item_id(struct soap *soap, const char *id, const char *change_key)
{
	struct t__ItemIdType *x = adapter_calloc(soap, 1, sizeof *x);
	if (x) {
		x->Id = (char *)id;
		x->ChangeKey = (char *)change_key;
	}
	return x;
}

static struct t__SyncFolderItemsChangesType *item_changes(struct soap *soap, const struct op_sync_items_result *r)
{
	struct t__SyncFolderItemsChangesType *ch = adapter_calloc(soap, 1, sizeof *ch);
	if (!ch || (r->n && !(ch->__union_SyncFolderItemsChangesType =
	                      adapter_calloc(soap, r->n, sizeof *ch->__union_SyncFolderItemsChangesType))))
		return NULL;
	ch->__size_SyncFolderItemsChangesType = (int)r->n;
	for (size_t i = 0; i < r->n; i++) {
		struct __t__union_SyncFolderItemsChangesType *e = &ch->__union_SyncFolderItemsChangesType[i];
		const struct op_item_change *c = &r->changes[i];
		struct t__SyncFolderItemsCreateOrUpdateType *u;
		switch (c->kind) {
		case OP_CHANGE_DELETE: {
			struct t__SyncFolderItemsDeleteType *d = adapter_calloc(soap, 1, sizeof *d);
			if (!d || !(d->ItemId = item_id(soap, c->contact.item_id, c->contact.change_key)))
				return NULL;
			e->__union_SyncFolderItemsChangesType = SOAP_UNION__t__union_SyncFolderItemsChangesType_Delete;
			e->union_SyncFolderItemsChangesType.Delete = d;
			break;
		}
		case OP_CHANGE_READ_FLAG: {   /* contacts never have one (spec §6.2); kept for the kind's sake */
			struct t__SyncFolderItemsReadFlagType *f = adapter_calloc(soap, 1, sizeof *f);
			if (!f || !(f->ItemId = item_id(soap, c->contact.item_id, c->contact.change_key)))
				return NULL;
			f->IsRead = xsd__boolean__true_;
			e->__union_SyncFolderItemsChangesType = SOAP_UNION__t__union_SyncFolderItemsChangesType_ReadFlagChange;
			e->union_SyncFolderItemsChangesType.ReadFlagChange = f;
			break;
		}
		default:
			if (!(u = adapter_calloc(soap, 1, sizeof *u)) ||
			    !(u->union_SyncFolderItemsCreateOrUpdateType.Contact = adapter_contact(soap, &c->contact)))
				return NULL;
			u->__union_SyncFolderItemsCreateOrUpdateType = SOAP_UNION__t__union_SyncFolderItemsCreateOrUpdateType_Contact;
			if (c->kind == OP_CHANGE_UPDATE) {
				e->__union_SyncFolderItemsChangesType = SOAP_UNION__t__union_SyncFolderItemsChangesType_Update;
				e->union_SyncFolderItemsChangesType.Update = u;
			} else {
				e->__union_SyncFolderItemsChangesType = SOAP_UNION__t__union_SyncFolderItemsChangesType_Create;
				e->union_SyncFolderItemsChangesType.Create = u;
			}
		}
	}
	return ch;
}

int __m__SyncFolderItems(struct soap *soap, struct m__SyncFolderItemsType *req,
                         struct __m__SyncFolderItemsResponse *resp)
{
	struct op_sync_items_req in;
	struct op_sync_items_result out;
	const struct t__ArrayOfBaseItemIdsType *ign = req->Ignore;
	int npaths, nign = ign ? ign->__size_ArrayOfBaseItemIdsType : 0;
	char text[160];

	adapter_version_header(soap);
	memset(&in, 0, sizeof in);
	if (!req->ItemShape)
		return adapter_schema_fault(soap, "ItemShape is required.");
	if (!req->SyncFolderId)
		return adapter_schema_fault(soap, "SyncFolderId is required.");
	/* t:MaxSyncChangesReturnedType; a missing element reads as 0 in lax mode */
	if (req->MaxChangesReturned < OP_SYNC_CHANGES_MIN || req->MaxChangesReturned > OP_SYNC_CHANGES_MAX) {
		snprintf(text, sizeof text, "MaxChangesReturned must lie between %d and %d.",
		         OP_SYNC_CHANGES_MIN, OP_SYNC_CHANGES_MAX);
		return adapter_schema_fault(soap, text);
	}
	if (nign < 0 || nign > OP_SYNC_IGNORE_MAX) {
		snprintf(text, sizeof text, "Ignore holds more than %d ids.", OP_SYNC_IGNORE_MAX);
		return adapter_schema_fault(soap, text);
	}
	if (adapter_read_shape(soap, req->ItemShape->BaseShape, &in.shape) ||
	    adapter_path_count(soap, req->ItemShape->AdditionalProperties, &npaths) ||
	    read_target(soap, req->SyncFolderId, &in.folder))
		return soap->error;
	struct prop_ext_uri *ext = adapter_calloc(soap, (size_t)(npaths ? npaths : 1), sizeof *ext);
	if (!ext)
		return soap->error = SOAP_EOM;
	adapter_shape_paths(soap, req->ItemShape->AdditionalProperties, npaths, &in.additional, ext, &in.n_ext);
	in.ext = ext;
	if (req->ItemShape->IncludeMimeContent && *req->ItemShape->IncludeMimeContent == xsd__boolean__true_)
		LOGD("soap", "SyncFolderItems: IncludeMimeContent is not served; ignored");
	const char **ids = adapter_calloc(soap, nign ? (size_t)nign : 1, sizeof *ids);
	if (!ids)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < nign; i++) {
		const struct t__ItemIdType *id = ign->__union_ArrayOfBaseItemIdsType[i].union_ArrayOfBaseItemIdsType.ItemId;
		ids[i] = id && id->Id ? id->Id : "";
	}
	in.ignore = ids;
	in.n_ignore = (size_t)nign;
	in.sync_state = req->SyncState;
	in.max_changes = req->MaxChangesReturned;
	in.associated = req->SyncScope && *req->SyncScope == t__SyncFolderItemsScopeType__NormalAndAssociatedItems;
	int rc = op_sync_folder_items(adapter_ctx(soap), &in, &out);
	if (rc)
		return adapter_internal_fault(soap, "SyncFolderItems", rc);

	struct m__SyncFolderItemsResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, 1, SOAP_UNION__m__union_ArrayOfResponseMessagesType_SyncFolderItemsResponseMessage);
	struct m__SyncFolderItemsResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!body || !msgs || !m)
		return soap->error = SOAP_EOM;
	ADAPTER_SET_STATUS(soap, m, &out.status);
	if (out.status.cls == EWS_SUCCESS) {
		m->SyncState = (char *)out.sync_state;
		if (!(m->IncludesLastItemInRange = adapter_bool(soap, out.includes_last)) ||
		    !(m->Changes = item_changes(soap, &out)))
			return soap->error = SOAP_EOM;
	} else if (strcmp(out.status.code, EWS_ERROR_INVALID_SYNC_STATE) == 0) {
		m->SyncState = "";
	}
	msgs->__union_ArrayOfResponseMessagesType[0].union_ArrayOfResponseMessagesType.SyncFolderItemsResponseMessage = m;
	body->ResponseMessages = msgs;
	resp->m__SyncFolderItemsResponse = body;
	return SOAP_OK;
}
