/* adapter_folders.c - GetFolder and FindFolder (spec mailbox-ops §1, §2):
 * generated request structs -> op_get_folder / op_find_folder -> one
 * response message per folder id, in request order; op_folder -> the
 * element of its kind.
 *
 * Request-level problems (no shape, no ids, too many ids) are
 * ErrorSchemaValidation faults; everything about a single folder is the
 * op's per-message outcome.  Error messages carry an empty m:Folders as
 * Exchange's do (spec §0.3).
 */
#include "soap/adapter_int.h"

#include <string.h>

#include "ews/ops/ops.h"

struct t__FolderIdType *adapter_folder_id(struct soap *soap, const char *id, const char *change_key)
{
	struct t__FolderIdType *f = adapter_calloc(soap, 1, sizeof *f);
	if (f) {
		f->Id = (char *)id;
		f->ChangeKey = (char *)change_key;
	}
	return f;
}

/* The rights of the mailbox owner on one of their folders. */
static struct t__EffectiveRightsType *owner_folder_rights(struct soap *soap)
{
	struct t__EffectiveRightsType *r = adapter_calloc(soap, 1, sizeof *r);
	if (!r || !(r->ViewPrivateItems = adapter_bool(soap, 1)))
		return NULL;
	r->CreateAssociated = r->CreateContents = r->CreateHierarchy = xsd__boolean__true_;
	r->Delete = r->Modify = r->Read = xsd__boolean__true_;
	return r;
}

/* The members the five folder elements share (their generated structs
 * differ, so they are passed member by member); unread is NULL for the
 * elements without UnreadCount (t:CalendarFolder, t:ContactsFolder). */
struct folder_members {
	struct t__FolderIdType **id, **parent;
	char **folder_class, **display_name;
	int **total, **children;
	int *n_ext;
	struct t__ExtendedPropertyType **ext;
	struct t__EffectiveRightsType **rights;
	int **unread;
};

#define MEMBERS(x, unread) { &(x)->FolderId, &(x)->ParentFolderId, &(x)->FolderClass, &(x)->DisplayName, \
	&(x)->TotalCount, &(x)->ChildFolderCount, &(x)->__sizeExtendedProperty, &(x)->ExtendedProperty, \
	&(x)->EffectiveRights, (unread) }

/* 0, or -1 on no memory. */
static int fill_folder(struct soap *soap, const struct op_folder *f, const struct folder_members *x)
{
	if ((f->props & OP_FPROP_ID) && !(*x->id = adapter_folder_id(soap, f->id, f->change_key)))
		return -1;
	if ((f->props & OP_FPROP_PARENT) && !(*x->parent = adapter_folder_id(soap, f->parent_id, f->parent_change_key)))
		return -1;
	if (f->props & OP_FPROP_CLASS)
		*x->folder_class = (char *)f->folder_class;
	if (f->props & OP_FPROP_DISPLAY_NAME)
		*x->display_name = (char *)f->display_name;
	if ((f->props & OP_FPROP_TOTAL) && !(*x->total = adapter_int(soap, f->total_count)))
		return -1;
	if ((f->props & OP_FPROP_CHILDREN) && !(*x->children = adapter_int(soap, f->child_folder_count)))
		return -1;
	if (adapter_ext_props(soap, f->ext, f->n_ext, x->n_ext, x->ext))   /* spec §8.2 */
		return -1;
	if ((f->props & OP_FPROP_RIGHTS) && !(*x->rights = owner_folder_rights(soap)))
		return -1;
	if (x->unread && (f->props & OP_FPROP_UNREAD) && !(*x->unread = adapter_int(soap, f->unread_count)))
		return -1;
	return 0;
}

/* Allocate element type T, fill the members every folder element has; the
 * element or NULL. */
#define FOLDER_ELEMENT(T, unread_member) do { \
	T *x = adapter_calloc(soap, 1, sizeof *x); \
	if (!x) \
		return NULL; \
	struct folder_members m = MEMBERS(x, unread_member); \
	return fill_folder(soap, f, &m) ? NULL : x; \
} while (0)

void *adapter_folder_element(struct soap *soap, const struct op_folder *f)
{
	switch (f->kind) {
	case OP_FOLDER_KIND_CONTACTS:
		FOLDER_ELEMENT(struct t__ContactsFolderType, NULL);
	case OP_FOLDER_KIND_CALENDAR:
		FOLDER_ELEMENT(struct t__CalendarFolderType, NULL);
	case OP_FOLDER_KIND_TASKS:
		FOLDER_ELEMENT(struct t__TasksFolderType, &x->UnreadCount);
	case OP_FOLDER_KIND_SEARCH:
		FOLDER_ELEMENT(struct t__SearchFolderType, &x->UnreadCount);
	case OP_FOLDER_KIND_PLAIN:
	default:
		FOLDER_ELEMENT(struct t__FolderType, &x->UnreadCount);
	}
}

/* Put @p f into @p u as the element of its kind; 0, or -1 on no memory. */
static int folder_element(struct soap *soap, const struct op_folder *f, struct __t__union_ArrayOfFoldersType *u)
{
	void *x = adapter_folder_element(soap, f);
	switch (f->kind) {
	case OP_FOLDER_KIND_CONTACTS:
		u->__union_ArrayOfFoldersType = SOAP_UNION__t__union_ArrayOfFoldersType_ContactsFolder;
		u->union_ArrayOfFoldersType.ContactsFolder = x;
		break;
	case OP_FOLDER_KIND_CALENDAR:
		u->__union_ArrayOfFoldersType = SOAP_UNION__t__union_ArrayOfFoldersType_CalendarFolder;
		u->union_ArrayOfFoldersType.CalendarFolder = x;
		break;
	case OP_FOLDER_KIND_TASKS:
		u->__union_ArrayOfFoldersType = SOAP_UNION__t__union_ArrayOfFoldersType_TasksFolder;
		u->union_ArrayOfFoldersType.TasksFolder = x;
		break;
	case OP_FOLDER_KIND_SEARCH:
		u->__union_ArrayOfFoldersType = SOAP_UNION__t__union_ArrayOfFoldersType_SearchFolder;
		u->union_ArrayOfFoldersType.SearchFolder = x;
		break;
	case OP_FOLDER_KIND_PLAIN:
	default:
		u->__union_ArrayOfFoldersType = SOAP_UNION__t__union_ArrayOfFoldersType_Folder;
		u->union_ArrayOfFoldersType.Folder = x;
	}
	return x ? 0 : -1;
}

struct t__ArrayOfFoldersType *adapter_folders(struct soap *soap, const struct op_folder *f, size_t n)
{
	struct t__ArrayOfFoldersType *arr = adapter_calloc(soap, 1, sizeof *arr);
	if (!arr)
		return NULL;
	if (n == 0)
		return arr;
	if (!(arr->__union_ArrayOfFoldersType = adapter_calloc(soap, n, sizeof *arr->__union_ArrayOfFoldersType)))
		return NULL;
	arr->__size_ArrayOfFoldersType = (int)n;
	for (size_t i = 0; i < n; i++)
		if (folder_element(soap, &f[i], &arr->__union_ArrayOfFoldersType[i]))
			return NULL;
	return arr;
}

int adapter_folder_refs(struct soap *soap, const struct t__NonEmptyArrayOfBaseFolderIdsType *ids,
                        struct op_folder_ref *refs)
{
	for (int i = 0; i < ids->__size_NonEmptyArrayOfBaseFolderIdsType; i++) {
		const struct __t__union_NonEmptyArrayOfBaseFolderIdsType *u = &ids->__union_NonEmptyArrayOfBaseFolderIdsType[i];
		memset(&refs[i], 0, sizeof refs[i]);
		if (u->__union_NonEmptyArrayOfBaseFolderIdsType == SOAP_UNION__t__union_NonEmptyArrayOfBaseFolderIdsType_FolderId) {
			const struct t__FolderIdType *f = u->union_NonEmptyArrayOfBaseFolderIdsType.FolderId;
			refs[i].id = f && f->Id ? f->Id : "";
			continue;
		}
		const struct t__DistinguishedFolderIdType *d = u->union_NonEmptyArrayOfBaseFolderIdsType.DistinguishedFolderId;
		if (!d)
			return adapter_schema_fault(soap, "bad FolderIds entry.");
		refs[i].distinguished = soap_t__DistinguishedFolderIdNameType2s(soap, d->Id);
		if (d->Mailbox)
			refs[i].mailbox = d->Mailbox->EmailAddress;
	}
	return SOAP_OK;
}

int adapter_folder_shape(struct soap *soap, const struct t__FolderResponseShapeType *fs,
                         struct adapter_folder_shape *out)
{
	int npaths;

	memset(out, 0, sizeof *out);
	if (!fs)
		return adapter_schema_fault(soap, "FolderShape is required.");
	if (adapter_read_shape(soap, fs->BaseShape, &out->shape) ||
	    adapter_path_count(soap, fs->AdditionalProperties, &npaths))
		return soap->error;
	if (!(out->uris = adapter_calloc(soap, (size_t)npaths + 1, sizeof *out->uris)) ||
	    !(out->ext = adapter_calloc(soap, (size_t)npaths + 1, sizeof *out->ext)))
		return soap->error = SOAP_EOM;
	for (int i = 0; i < npaths; i++) {
		const struct __t__union_NonEmptyArrayOfPathsToElementType *p =
			&fs->AdditionalProperties->__union_NonEmptyArrayOfPathsToElementType[i];
		if (p->__union_NonEmptyArrayOfPathsToElementType ==
		    SOAP_UNION__t__union_NonEmptyArrayOfPathsToElementType_ExtendedFieldURI)
			adapter_ext_uri_read(soap, p->union_NonEmptyArrayOfPathsToElementType.ExtendedFieldURI,
			                     &out->ext[out->n_ext++]);
		else
			out->uris[out->n_uris++] = adapter_path_uri(fs->AdditionalProperties, i);
	}
	return SOAP_OK;
}

/* The folder ids @p ids of a request -> @p refs (soap memory) and their
 * number @p n; 0 or a fault. */
static int read_ids(struct soap *soap, const struct t__NonEmptyArrayOfBaseFolderIdsType *ids, const char *what,
                    struct op_folder_ref **refs, int *n)
{
	if (adapter_check_count(soap, *n = ids ? ids->__size_NonEmptyArrayOfBaseFolderIdsType : 0,
	                        ADAPTER_FOLDER_IDS_MAX, what))
		return soap->error;
	if (!(*refs = adapter_calloc(soap, (size_t)*n, sizeof **refs)))
		return soap->error = SOAP_EOM;
	return adapter_folder_refs(soap, ids, *refs);
}

/* ---- GetFolder -------------------------------------------------------------------- */

int __m__GetFolder(struct soap *soap, struct m__GetFolderType *req, struct __m__GetFolderResponse *resp)
{
	struct adapter_folder_shape fs;
	struct op_folder_ref *refs;
	int n;

	adapter_version_header(soap);
	if (adapter_folder_shape(soap, req->FolderShape, &fs) ||
	    read_ids(soap, req->FolderIds, "FolderIds", &refs, &n))
		return soap->error;
	struct op_folder_result *out = adapter_calloc(soap, (size_t)n, sizeof *out);
	if (!out)
		return soap->error = SOAP_EOM;
	int rc = op_get_folder(adapter_ctx(soap), fs.shape, fs.uris, fs.n_uris, fs.ext, fs.n_ext, refs, (size_t)n, out);
	if (rc)
		return adapter_internal_fault(soap, "GetFolder", rc);

	struct m__GetFolderResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, (size_t)n, SOAP_UNION__m__union_ArrayOfResponseMessagesType_GetFolderResponseMessage);
	if (!body || !msgs)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct m__FolderInfoResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
		if (!m)
			return soap->error = SOAP_EOM;
		ADAPTER_SET_STATUS(soap, m, &out[i].status);
		/* spec §0.3: error messages carry an empty m:Folders too */
		if (!(m->Folders = adapter_folders(soap, &out[i].folder, out[i].status.cls == EWS_SUCCESS)))
			return soap->error = SOAP_EOM;
		msgs->__union_ArrayOfResponseMessagesType[i].union_ArrayOfResponseMessagesType.GetFolderResponseMessage = m;
	}
	body->ResponseMessages = msgs;
	resp->m__GetFolderResponse = body;
	return SOAP_OK;
}

/* ---- FindFolder ------------------------------------------------------------------- */

/* The paging view of a FindFolder request; 0 or a fault. */
static int read_view(struct soap *soap, const struct m__FindFolderType *req, struct query_view *v)
{
	memset(v, 0, sizeof *v);
	if (req->__union_FindFolderType == SOAP_UNION__m__union_FindFolderType_IndexedPageFolderView) {
		if (!req->union_FindFolderType.IndexedPageFolderView)
			return adapter_schema_fault(soap, "bad IndexedPageFolderView.");
		adapter_indexed_view(req->union_FindFolderType.IndexedPageFolderView, v);
	} else if (req->__union_FindFolderType == SOAP_UNION__m__union_FindFolderType_FractionalPageFolderView) {
		if (!req->union_FindFolderType.FractionalPageFolderView)
			return adapter_schema_fault(soap, "bad FractionalPageFolderView.");
		adapter_fractional_view(req->union_FindFolderType.FractionalPageFolderView, v);
	}
	return SOAP_OK;
}

/* The m:RootFolder of a success message. */
static struct t__FindFolderParentType *root_folder(struct soap *soap, const struct op_find_folder_result *r)
{
	struct t__FindFolderParentType *x = adapter_calloc(soap, 1, sizeof *x);
	if (!x || !(x->Folders = adapter_folders(soap, r->folders, r->n)) ||
	    !(x->TotalItemsInView = adapter_int(soap, (int)r->page.total)) ||
	    !(x->IncludesLastItemInRange = adapter_bool(soap, r->page.includes_last)))
		return NULL;
	if (r->page.has_indexed_offset && !(x->IndexedPagingOffset = adapter_int(soap, (int)r->page.indexed_offset)))
		return NULL;
	if (r->page.has_fraction && (!(x->NumeratorOffset = adapter_int(soap, (int)r->page.numerator_offset)) ||
	                             !(x->AbsoluteDenominator = adapter_int(soap, (int)r->page.absolute_denominator))))
		return NULL;
	return x;
}

int __m__FindFolder(struct soap *soap, struct m__FindFolderType *req, struct __m__FindFolderResponse *resp)
{
	static const enum op_traversal traversals[] = {
		[t__FolderQueryTraversalType__Shallow] = OP_TRAVERSAL_SHALLOW,
		[t__FolderQueryTraversalType__Deep] = OP_TRAVERSAL_DEEP,
		[t__FolderQueryTraversalType__SoftDeleted] = OP_TRAVERSAL_SOFT_DELETED,
	};
	struct adapter_folder_shape fs;
	struct op_folder_ref *refs;
	struct query_view view;
	int n;

	adapter_version_header(soap);
	if ((unsigned)req->Traversal >= sizeof traversals / sizeof *traversals)
		return adapter_schema_fault(soap, "bad Traversal.");
	if (adapter_folder_shape(soap, req->FolderShape, &fs) || read_view(soap, req, &view) ||
	    read_ids(soap, req->ParentFolderIds, "ParentFolderIds", &refs, &n))
		return soap->error;
	struct op_find_folder_result *out = adapter_calloc(soap, (size_t)n, sizeof *out);
	if (!out)
		return soap->error = SOAP_EOM;
	struct op_find_folder_req in = { traversals[req->Traversal], fs.shape, fs.uris, fs.n_uris, fs.ext, fs.n_ext,
	                                 &view, NULL, QE_OK, refs, (size_t)n };
	in.build_error = adapter_restriction(soap, req->Restriction, &in.restriction);
	if (soap->error != SOAP_OK)   /* no memory, an empty Restriction */
		return soap->error;
	int rc = op_find_folder(adapter_ctx(soap), &in, out);
	if (rc)
		return adapter_internal_fault(soap, "FindFolder", rc);

	struct m__FindFolderResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, (size_t)n, SOAP_UNION__m__union_ArrayOfResponseMessagesType_FindFolderResponseMessage);
	if (!body || !msgs)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct m__FindFolderResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
		if (!m)
			return soap->error = SOAP_EOM;
		ADAPTER_SET_STATUS(soap, m, &out[i].status);
		if (out[i].status.cls == EWS_SUCCESS && !(m->RootFolder = root_folder(soap, &out[i])))
			return soap->error = SOAP_EOM;
		msgs->__union_ArrayOfResponseMessagesType[i].union_ArrayOfResponseMessagesType.FindFolderResponseMessage = m;
	}
	body->ResponseMessages = msgs;
	resp->m__FindFolderResponse = body;
	return SOAP_OK;
}
