/* items.c - GetItem (spec §5) and GetAttachment (spec §7) for personal
 * contacts and their pictures.
 *
 * Each request reads one store snapshot; every id gets its own outcome, in
 * request order (spec §1.4).  An item id is {owner, contact id}; an
 * attachment id is {owner, contact id "." picture ETag}, so a replaced
 * picture gets a new id and the old one stops resolving
 * (ErrorInvalidAttachmentId).
 */
#include "ews/ops/ops.h"

#include <string.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops_int.h"

/* Attachment content one GetAttachment response may carry in all; ids past
 * it get ErrorDataSizeLimitExceeded (each picture is at most 8 MiB). */
#define ATTACHMENTS_MAX_BYTES ((size_t)64 << 20)

static const char MSG_ATTACHMENT_NOT_FOUND[] = "The attachment could not be found.";

/* store_contact_get outcomes that mean "no such contact" rather than a
 * store failure. */
static int is_missing(int rc)
{
	return rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT;
}

struct item_batch {
	const struct ews_ctx *ctx;
	op_props props;
	const struct prop_ext_uri *ext;     /* AdditionalProperties ExtendedFieldURIs */
	const struct prop_def **ext_defs;
	size_t n_ext;
	struct ews_status ext_status;       /* a malformed one: every message's outcome */
	const char *const *ids, *const *change_keys;
	struct op_item_result *out;
	size_t mime_budget;         /* vCard bytes the response may still carry */
	struct contact_record c;    /* scratch */
};

static int get_one_item(void *arg, store_txn_t *t, size_t i)
{
	struct item_batch *b = arg;
	struct op_item_result *out = &b->out[i];
	const char *change_key = b->change_keys ? b->change_keys[i] : NULL;
	struct ews_id id;
	enum ews_id_kind ck_kind;
	uint32_t ck_change;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (b->ext_status.cls != EWS_SUCCESS) {
		out->status = b->ext_status;
		return EMU_OK;
	}
	if (!op_request_id(b->ctx, b->ids[i], EWS_ID_ITEM, &id, &out->status))
		return EMU_OK;
	/* spec §5.6: a ChangeKey need not be current for GetItem, but must parse */
	if (change_key && *change_key && ews_change_key_decode(change_key, &ck_kind, &ck_change) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_CHANGE_KEY, "The change key is invalid.");
		return EMU_OK;
	}
	rc = store_contact_get(t, id.mailbox, id.local, &b->c);
	if (is_missing(rc)) {
		ews_status_error(&out->status, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
		return EMU_OK;
	}
	if (rc)
		return rc;
	if ((rc = op_contact_from_store(b->ctx, id.mailbox, &b->c, b->props, &out->contact)) != EMU_OK)
		return rc;
	struct prop_record r = { &b->c, NULL, NULL };
	if ((rc = op_ext_values(b->ctx->arena, b->ext, b->ext_defs, b->n_ext, &r, &out->contact.ext,
	                        &out->contact.n_ext)) != EMU_OK || !(b->props & OP_PROP(P_MIME_CONTENT)))
		return rc;
	rc = op_contact_mime(b->ctx, t, id.mailbox, &b->c, &b->mime_budget, &out->contact);
	if (rc == EMU_ELIMIT) {
		memset(&out->contact, 0, sizeof out->contact);
		ews_status_error(&out->status, EWS_ERROR_DATA_SIZE_LIMIT,
		                 "The MIME content requested exceeds the response size limit; ask for fewer items at a time.");
		return EMU_OK;
	}
	return rc;
}

int op_get_item(const struct ews_ctx *ctx, enum ews_shape shape, op_props additional,
                const struct prop_ext_uri *ext, size_t n_ext,
                const char *const *ids, const char *const *change_keys, size_t n,
                struct op_item_result *out)
{
	struct item_batch *b = arena_alloc(ctx->arena, sizeof *b);
	if (!b || !(b->ext_defs = arena_alloc(ctx->arena, (n_ext ? n_ext : 1) * sizeof *b->ext_defs)))
		return EMU_ENOMEM;
	b->ext = ext;
	b->n_ext = n_ext;
	ews_status_ok(&b->ext_status);
	op_ext_resolve(ext, n_ext, PROP_ON_CONTACT, b->ext_defs, &b->ext_status);
	b->ctx = ctx;
	b->props = op_props_for_shape(shape) | additional | OP_PROP(P_ITEM_ID);
	b->mime_budget = OP_MIME_MAX_BYTES;
	b->ids = ids;
	b->change_keys = change_keys;
	b->out = out;
	return op_batch(ctx, n, get_one_item, b);
}

struct attachment_batch {
	const struct ews_ctx *ctx;
	const char *const *ids;
	struct op_attachment_result *out;
	size_t budget;              /* content the response may still carry */
	struct contact_record c;    /* scratch */
};

static int get_one_attachment(void *arg, store_txn_t *t, size_t i)
{
	struct attachment_batch *b = arg;
	struct op_attachment_result *out = &b->out[i];
	char item[STORE_ID_MAX + 1], part[STORE_ID_MAX + 1];
	struct ews_id id;
	struct op_contact view;
	const void *blob;
	size_t len;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!op_request_id(b->ctx, b->ids[i], EWS_ID_ATTACHMENT, &id, &out->status))
		return EMU_OK;
	if (ews_attachment_split(id.local, item, part) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
		return EMU_OK;
	}
	rc = store_contact_get(t, id.mailbox, item, &b->c);
	if (is_missing(rc)) {   /* spec §7.3: the parent item is gone */
		ews_status_error(&out->status, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
		return EMU_OK;
	}
	if (rc)
		return rc;
	/* the picture was removed or replaced since the id was handed out */
	if (!b->c.has_photo || strcmp(part, b->c.photo.etag) != 0) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ATTACHMENT_ID, MSG_ATTACHMENT_NOT_FOUND);
		return EMU_OK;
	}
	if (b->c.photo.len > b->budget) {
		ews_status_error(&out->status, EWS_ERROR_DATA_SIZE_LIMIT,
		                 "The attachments requested exceed the response size limit; ask for fewer at a time.");
		return EMU_OK;
	}
	/* the metadata is the one GetItem lists (one place builds it) */
	if ((rc = op_contact_from_store(b->ctx, id.mailbox, &b->c, OP_PROP(P_ATTACHMENTS), &view)) != EMU_OK)
		return rc;
	out->att = view.attachment;
	if ((rc = store_contact_photo(t, id.mailbox, item, &blob, &len)) != EMU_OK) {
		LOGE("get_attachment", "%s/%s: picture record without image data: %s", id.mailbox, item,
		     emu_strerror(rc));
		return rc == EMU_ENOTFOUND ? EMU_EINTERNAL : rc;
	}
	/* LMDB memory lives only as long as the txn: copy into the response */
	if (!(out->att.content = arena_memdup(b->ctx->arena, blob, len)))
		return EMU_ENOMEM;
	out->att.content_len = len;
	b->budget -= len < b->budget ? len : b->budget;
	return EMU_OK;
}

int op_get_attachment(const struct ews_ctx *ctx, const char *const *ids, size_t n,
                      struct op_attachment_result *out)
{
	struct attachment_batch *b = arena_alloc(ctx->arena, sizeof *b);
	if (!b)
		return EMU_ENOMEM;
	b->ctx = ctx;
	b->ids = ids;
	b->out = out;
	b->budget = ATTACHMENTS_MAX_BYTES;
	return op_batch(ctx, n, get_one_attachment, b);
}
