/* adapter_items.c - GetItem and GetAttachment (spec §5, §7): generated
 * request structs -> op_get_item / op_get_attachment -> one response message
 * per id, in request order; the request checks every batched operation
 * shares (adapter_int.h).
 *
 * Request-level problems (no shape, no ids, too many ids) are
 * ErrorSchemaValidation faults; everything about a single id is the op's
 * per-message outcome.
 */
#include "soap/adapter_int.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "ews/ops/ops.h"

/* Bounds on what a request may make us allocate (exchangelib sends at most
 * 100 ids per request by default and ~200 properties per shape). */
#define ITEM_IDS_MAX 1000
#define ATTACHMENT_IDS_MAX 100
#define PATHS_MAX 1000

int adapter_schema_fault(struct soap *soap, const char *what)
{
	char text[200];
	snprintf(text, sizeof text, "The request failed schema validation: %s", what);
	LOGI("soap", "%s", text);
	return adapter_fault(soap, "ErrorSchemaValidation", text);
}

int adapter_check_count(struct soap *soap, int n, int max, const char *what)
{
	char text[120];
	if (n <= 0) {
		snprintf(text, sizeof text, "%s is empty.", what);
		return adapter_schema_fault(soap, text);
	}
	if (n > max) {
		snprintf(text, sizeof text, "%s holds %d ids; ewsemu answers at most %d per request.", what, n, max);
		return adapter_schema_fault(soap, text);
	}
	return SOAP_OK;
}

/* The BaseShape of a shape element; 0, or a fault. */
int adapter_read_shape(struct soap *soap, enum t__DefaultShapeNamesType base, enum ews_shape *out)
{
	const char *s = soap_t__DefaultShapeNamesType2s(soap, base);
	if (!s || ews_shape_parse(s, out) != 0)
		return adapter_schema_fault(soap, "bad BaseShape.");
	return SOAP_OK;
}

/* FieldURI of AdditionalProperties entry @p i, or NULL for an extended
 * property (not served, ignored like unknown FieldURIs). */
const char *adapter_path_uri(const struct t__NonEmptyArrayOfPathsToElementType *paths, int i)
{
	const struct __t__union_NonEmptyArrayOfPathsToElementType *p = &paths->__union_NonEmptyArrayOfPathsToElementType[i];
	switch (p->__union_NonEmptyArrayOfPathsToElementType) {
	case SOAP_UNION__t__union_NonEmptyArrayOfPathsToElementType_FieldURI:
		return p->union_NonEmptyArrayOfPathsToElementType.FieldURI
		     ? p->union_NonEmptyArrayOfPathsToElementType.FieldURI->FieldURI : NULL;
	case SOAP_UNION__t__union_NonEmptyArrayOfPathsToElementType_IndexedFieldURI:
		return p->union_NonEmptyArrayOfPathsToElementType.IndexedFieldURI
		     ? p->union_NonEmptyArrayOfPathsToElementType.IndexedFieldURI->FieldURI : NULL;
	default:
		LOGD("soap", "ignoring an ExtendedFieldURI");
		return NULL;
	}
}

void adapter_shape_paths(struct soap *soap, const struct t__NonEmptyArrayOfPathsToElementType *paths, int n,
                         op_props *props, struct prop_ext_uri *ext, size_t *n_ext)
{
	for (int i = 0; i < n; i++) {
		const struct __t__union_NonEmptyArrayOfPathsToElementType *p = &paths->__union_NonEmptyArrayOfPathsToElementType[i];
		if (p->__union_NonEmptyArrayOfPathsToElementType == SOAP_UNION__t__union_NonEmptyArrayOfPathsToElementType_ExtendedFieldURI) {
			adapter_ext_uri_read(soap, p->union_NonEmptyArrayOfPathsToElementType.ExtendedFieldURI, &ext[(*n_ext)++]);
			continue;
		}
		const char *uri = adapter_path_uri(paths, i);
		op_props bit = uri ? op_props_for_field(uri) : 0;
		if (!bit && uri)
			LOGD("soap", "ignoring property %s", uri);
		*props |= bit;
	}
}

int adapter_path_count(struct soap *soap, const struct t__NonEmptyArrayOfPathsToElementType *paths, int *n)
{
	*n = paths ? paths->__size_NonEmptyArrayOfPathsToElementType : 0;
	if (*n < 0 || *n > PATHS_MAX)
		return adapter_schema_fault(soap, "too many AdditionalProperties.");
	return SOAP_OK;
}

/* The m:ResponseMessages of a batched response with @p n messages of kind
 * @p selector; NULL on no memory. */
struct m__ArrayOfResponseMessagesType *adapter_messages(struct soap *soap, size_t n, int selector)
{
	struct m__ArrayOfResponseMessagesType *msgs = adapter_calloc(soap, 1, sizeof *msgs);
	if (!msgs || !(msgs->__union_ArrayOfResponseMessagesType =
	               adapter_calloc(soap, n, sizeof *msgs->__union_ArrayOfResponseMessagesType)))
		return NULL;
	msgs->__size_ArrayOfResponseMessagesType = (int)n;
	for (size_t i = 0; i < n; i++)
		msgs->__union_ArrayOfResponseMessagesType[i].__union_ArrayOfResponseMessagesType = selector;
	return msgs;
}

/* ---- GetItem ------------------------------------------------------------------------ */

int __m__GetItem(struct soap *soap, struct m__GetItemType *req, struct __m__GetItemResponse *resp)
{
	const struct t__NonEmptyArrayOfBaseItemIdsType *ids = req->ItemIds;
	enum ews_shape shape;
	op_props additional = 0;
	int n, npaths;

	adapter_version_header(soap);
	if (!req->ItemShape)
		return adapter_schema_fault(soap, "ItemShape is required.");
	if (adapter_read_shape(soap, req->ItemShape->BaseShape, &shape) ||
	    adapter_path_count(soap, req->ItemShape->AdditionalProperties, &npaths) ||
	    adapter_check_count(soap, n = ids ? ids->__size_NonEmptyArrayOfBaseItemIdsType : 0, ITEM_IDS_MAX, "ItemIds"))
		return soap->error;
	struct prop_ext_uri *ext = adapter_calloc(soap, (size_t)(npaths ? npaths : 1), sizeof *ext);
	size_t n_ext = 0;
	if (!ext)
		return soap->error = SOAP_EOM;
	adapter_shape_paths(soap, req->ItemShape->AdditionalProperties, npaths, &additional, ext, &n_ext);
	if (req->ItemShape->IncludeMimeContent && *req->ItemShape->IncludeMimeContent == xsd__boolean__true_)
		additional |= OP_PROP(P_MIME_CONTENT);   /* spec §10 */
	const char **texts = adapter_calloc(soap, (size_t)n, sizeof *texts);
	const char **change_keys = adapter_calloc(soap, (size_t)n, sizeof *change_keys);
	struct op_item_result *out = adapter_calloc(soap, (size_t)n, sizeof *out);
	if (!texts || !change_keys || !out)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		const struct t__ItemIdType *id = ids->__union_NonEmptyArrayOfBaseItemIdsType[i].union_NonEmptyArrayOfBaseItemIdsType.ItemId;
		texts[i] = id && id->Id ? id->Id : "";
		change_keys[i] = id ? id->ChangeKey : NULL;
	}
	int rc = op_get_item(adapter_ctx(soap), shape, additional, ext, n_ext, texts, change_keys, (size_t)n, out);
	if (rc)
		return adapter_internal_fault(soap, "GetItem", rc);

	struct m__GetItemResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, (size_t)n, SOAP_UNION__m__union_ArrayOfResponseMessagesType_GetItemResponseMessage);
	if (!body || !msgs)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct m__ItemInfoResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
		/* spec §1.4: m:Items even in an error message (empty) */
		if (!m || !(m->Items = adapter_calloc(soap, 1, sizeof *m->Items)))
			return soap->error = SOAP_EOM;
		ADAPTER_SET_STATUS(soap, m, &out[i].status);
		if (out[i].status.cls == EWS_SUCCESS) {
			struct __t__union_ArrayOfRealItemsType *item = adapter_calloc(soap, 1, sizeof *item);
			if (!item || !(item->union_ArrayOfRealItemsType.Contact = adapter_contact(soap, &out[i].contact)))
				return soap->error = SOAP_EOM;
			item->__union_ArrayOfRealItemsType = SOAP_UNION__t__union_ArrayOfRealItemsType_Contact;
			m->Items->__size_ArrayOfRealItemsType = 1;
			m->Items->__union_ArrayOfRealItemsType = item;
		}
		msgs->__union_ArrayOfResponseMessagesType[i].union_ArrayOfResponseMessagesType.GetItemResponseMessage = m;
	}
	body->ResponseMessages = msgs;
	resp->m__GetItemResponse = body;
	return SOAP_OK;
}

/* ---- GetAttachment ------------------------------------------------------------------- */

int __m__GetAttachment(struct soap *soap, struct m__GetAttachmentType *req, struct __m__GetAttachmentResponse *resp)
{
	const struct t__NonEmptyArrayOfRequestAttachmentIdsType *ids = req->AttachmentIds;
	int n;

	adapter_version_header(soap);
	/* AttachmentShape only affects item attachments (spec §7.1): ignored */
	if (adapter_check_count(soap, n = ids ? ids->__size_NonEmptyArrayOfRequestAttachmentIdsType : 0,
	                ATTACHMENT_IDS_MAX, "AttachmentIds"))
		return soap->error;
	const char **texts = adapter_calloc(soap, (size_t)n, sizeof *texts);
	struct op_attachment_result *out = adapter_calloc(soap, (size_t)n, sizeof *out);
	if (!texts || !out)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		const struct t__RequestAttachmentIdType *id =
			ids->__union_NonEmptyArrayOfRequestAttachmentIdsType[i].union_NonEmptyArrayOfRequestAttachmentIdsType.AttachmentId;
		texts[i] = id && id->Id ? id->Id : "";
	}
	int rc = op_get_attachment(adapter_ctx(soap), texts, (size_t)n, out);
	if (rc)
		return adapter_internal_fault(soap, "GetAttachment", rc);

	struct m__GetAttachmentResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, (size_t)n, SOAP_UNION__m__union_ArrayOfResponseMessagesType_GetAttachmentResponseMessage);
	if (!body || !msgs)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct m__AttachmentInfoResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
		/* spec §1.4: m:Attachments even in an error message (empty) */
		if (!m || !(m->Attachments = adapter_calloc(soap, 1, sizeof *m->Attachments)))
			return soap->error = SOAP_EOM;
		ADAPTER_SET_STATUS(soap, m, &out[i].status);
		if (out[i].status.cls == EWS_SUCCESS) {
			struct __t__union_ArrayOfAttachmentsType *a = adapter_calloc(soap, 1, sizeof *a);
			if (!a || !(a->union_ArrayOfAttachmentsType.FileAttachment = adapter_file_attachment(soap, &out[i].att)))
				return soap->error = SOAP_EOM;
			a->__union_ArrayOfAttachmentsType = SOAP_UNION__t__union_ArrayOfAttachmentsType_FileAttachment;
			m->Attachments->__size_ArrayOfAttachmentsType = 1;
			m->Attachments->__union_ArrayOfAttachmentsType = a;
		}
		msgs->__union_ArrayOfResponseMessagesType[i].union_ArrayOfResponseMessagesType.GetAttachmentResponseMessage = m;
	}
	body->ResponseMessages = msgs;
	resp->m__GetAttachmentResponse = body;
	return SOAP_OK;
}
