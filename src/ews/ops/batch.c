/* batch.c - what the batched read operations (GetFolder, GetItem,
 * GetAttachment) share: one store snapshot per request, the checks every id
 * goes through (decodable, the right kind, a mailbox the caller may read:
 * spec §5.6, §7.3), the folders' ids. */
#include "ews/ops/ops_int.h"

#include <string.h>

#include "core/result.h"
#include "ews/access.h"

/* Folders never change (their contents do, which Exchange does not count
 * as a folder change): one ChangeKey version for all of them. */
#define FOLDER_CHANGE 1

int op_request_id(const struct ews_ctx *ctx, const char *text, enum ews_id_kind want,
                  struct ews_id *id, struct ews_status *st)
{
	if (text == NULL || *text == '\0') {
		ews_status_error(st, EWS_ERROR_INVALID_ID_EMPTY, OP_MSG_ID_EMPTY);
		return 0;
	}
	if (ews_id_decode(text, EWS_FMT_EWS_ID, id) != EMU_OK) {
		ews_status_error(st, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
		return 0;
	}
	if (id->kind != want) {
		if (want == EWS_ID_ITEM && id->kind == EWS_ID_FOLDER)
			ews_status_error(st, EWS_ERROR_FOLDER_ID_FOR_ITEM_ID,
			                 "The id is a folder id and cannot be used as an item id.");
		else
			ews_status_error(st, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
		return 0;
	}
	/* access before existence: another mailbox's ids reveal nothing */
	if (access_check(ctx->caller, ACCESS_MAILBOX_READ, id->mailbox) != EMU_OK) {
		ews_status_error(st, EWS_ERROR_ACCESS_DENIED, OP_MSG_ACCESS_DENIED);
		return 0;
	}
	return 1;
}

int op_folder_ref(struct arena *a, const char *primary, const char *name,
                  const char **id, const char **change_key)
{
	*id = ews_id_text(a, EWS_ID_FOLDER, primary, name);
	*change_key = ews_change_key(a, EWS_ID_FOLDER, FOLDER_CHANGE);
	if (!*change_key)
		return EMU_ENOMEM;
	if (!*id)   /* too long for an id (cannot happen for a stored user) or no memory */
		return *primary && strlen(primary) <= STORE_ADDR_MAX ? EMU_ENOMEM : EMU_EINVAL;
	return EMU_OK;
}

int op_batch(const struct ews_ctx *ctx, size_t n, op_batch_fn fn, void *arg)
{
	store_txn_t *t = NULL;
	int rc = store_txn_begin(ctx->store, 0, &t);
	for (size_t i = 0; rc == EMU_OK && i < n; i++)
		rc = fn(arg, t, i);
	store_txn_abort(t);
	return rc;
}
