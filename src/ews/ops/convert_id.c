/* convert_id.c - ConvertId (spec §9): translate ewsemu ids between EwsId,
 * EntryId, HexEntryId, ... formats.  Clients also send it as a version probe
 * (exchangelib), so it must answer every well-formed request.
 *
 * Which mailbox converts an id: for a format that names its mailbox
 * (ews_id_format_has_mailbox: EwsId, EwsLegacyId, OwaId) the one inside the
 * id, whatever the request's Mailbox says (DavMail sends the root folder's
 * EwsId with Mailbox="blah@blah.com" and reads the owner from the answer);
 * for the others (EntryId, HexEntryId, StoreId) the request's Mailbox, and
 * the id must belong to it.  The answer's Mailbox is that mailbox's primary
 * address.  Access is checked before existence, as for every id
 * (op_request_id): another mailbox's ids reveal nothing.
 */
#include "ews/ops/ops.h"

#include <string.h>
#include <strings.h>

#include "core/result.h"
#include "ews/access.h"
#include "ews/ids.h"
#include "ews/ops/ops_int.h"

struct convert_batch {
	const struct ews_ctx *ctx;
	enum ews_id_format dest;
	const struct op_alt_id *in;
	struct op_convert_result *out;
	struct user_record u;         /* scratch */
	struct contact_record c;      /* scratch */
};

static void not_found(struct ews_status *st, enum ews_id_kind kind)
{
	if (kind == EWS_ID_FOLDER)
		ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND, OP_MSG_FOLDER_NOT_FOUND);
	else
		ews_status_error(st, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
}

/* Does object @p id (its mailbox readable by the caller) exist?  1 yes;
 * 0 with @p st set; a negative emu_result on a store failure. */
static int exists(struct convert_batch *b, store_txn_t *t, const struct ews_id *id,
                  struct ews_status *st)
{
	char item[STORE_ID_MAX + 1], part[STORE_ID_MAX + 1];
	const char *contact = id->local;
	int rc;

	if (id->kind == EWS_ID_FOLDER) {
		/* the folder rule is GetFolder's (op_folder_resolve), fed the EwsId */
		struct op_folder_ref ref = { ews_id_encode(b->ctx->arena, id, EWS_FMT_EWS_ID), NULL, NULL };
		const char *name = NULL;
		if (!ref.id)
			return EMU_ENOMEM;
		if ((rc = op_folder_resolve(b->ctx, t, &ref, &b->u, &name, st)) != EMU_OK)
			return rc;
		return name != NULL;
	}
	if (id->kind == EWS_ID_ATTACHMENT) {
		if (ews_attachment_split(id->local, item, part) != EMU_OK) {
			ews_status_error(st, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
			return 0;
		}
		contact = item;
	}
	rc = store_contact_get(t, id->mailbox, contact, &b->c);
	if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
		not_found(st, id->kind);
		return 0;
	}
	return rc ? rc : 1;
}

static int convert_one(void *arg, store_txn_t *t, size_t i)
{
	struct convert_batch *b = arg;
	const struct op_alt_id *in = &b->in[i];
	struct op_convert_result *out = &b->out[i];
	enum ews_id_format src;
	struct ews_id id;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!in->id || !*in->id) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_EMPTY, OP_MSG_ID_EMPTY);
		return EMU_OK;
	}
	if (!in->format || ews_id_format_parse(in->format, &src) != EMU_OK ||
	    ews_id_decode(in->id, src, &id) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
		return EMU_OK;
	}
	if (!ews_id_format_has_mailbox(src)) {
		/* the request's Mailbox names the mailbox to resolve the id in */
		if (!in->mailbox || !strchr(in->mailbox, '@')) {
			ews_status_error(&out->status, EWS_ERROR_INVALID_SMTP_ADDRESS,
			                 "The Mailbox attribute must be an SMTP address for this id format.");
			return EMU_OK;
		}
		rc = store_user_get(t, in->mailbox, &b->u);
		if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
			ews_status_error(&out->status, EWS_ERROR_NON_EXISTENT_MAILBOX,
			                 "The SMTP address has no mailbox associated with it.");
			return EMU_OK;
		}
		if (rc)
			return rc;
		if (access_check(b->ctx->caller, ACCESS_MAILBOX_READ, b->u.email) != EMU_OK) {
			ews_status_error(&out->status, EWS_ERROR_ACCESS_DENIED, OP_MSG_ACCESS_DENIED);
			return EMU_OK;
		}
		if (strcasecmp(b->u.email, id.mailbox) != 0) {   /* spec §12.12 */
			not_found(&out->status, id.kind);
			return EMU_OK;
		}
	}
	/* access before existence (op_request_id's rule) */
	if (access_check(b->ctx->caller, ACCESS_MAILBOX_READ, id.mailbox) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_ACCESS_DENIED, OP_MSG_ACCESS_DENIED);
		return EMU_OK;
	}
	rc = store_user_get(t, id.mailbox, &b->u);
	if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
		not_found(&out->status, id.kind);   /* the mailbox is gone, and with it the object */
		return EMU_OK;
	}
	if (rc)
		return rc;
	if ((rc = exists(b, t, &id, &out->status)) <= 0)
		return rc;
	out->id.format = ews_id_format_name(b->dest);
	out->id.mailbox = arena_strdup(b->ctx->arena, b->u.email);
	out->id.id = ews_id_encode(b->ctx->arena, &id, b->dest);
	if (!out->id.id || !out->id.mailbox)
		return EMU_ENOMEM;
	return EMU_OK;
}

int op_convert_id(const struct ews_ctx *ctx, const char *dest_format,
                  const struct op_alt_id *in, size_t n, struct op_convert_result *out)
{
	struct convert_batch *b;
	enum ews_id_format dest;
	if (!dest_format || ews_id_format_parse(dest_format, &dest) != EMU_OK)
		return EMU_EINVAL;   /* schema enum: the adapter faults with ErrorSchemaValidation */
	if (!(b = arena_alloc(ctx->arena, sizeof *b)))
		return EMU_ENOMEM;
	b->ctx = ctx;
	b->dest = dest;
	b->in = in;
	b->out = out;
	return op_batch(ctx, n, convert_one, b);
}
