/* set_user_photo.c - SetUserPhoto and Remove-UserPhoto (spec §2.5, §6.4). */
#include "ews/ops/ops.h"

#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"

/* Check the caller may change the photo of @p u, the owner that looking
 * the address up gave (@p rc: the lookup's result). */
static int authorize(const struct ews_ctx *ctx, int rc, const struct user_record *u, struct ews_status *st)
{
	if (rc == EMU_ENOTFOUND) {
		ews_status_error(st, EWS_ERROR_NON_EXISTENT_MAILBOX,
		                 "The SMTP address has no mailbox associated with it.");
		return 1;
	}
	if (rc)
		return rc;
	if (access_check(ctx->caller, ACCESS_PHOTO_WRITE, u->email) != EMU_OK) {
		ews_status_error(st, EWS_ERROR_ACCESS_DENIED,
		                 "Only the mailbox owner or an administrator can change this photo.");
		return 1;
	}
	return 0;
}

int op_set_user_photo(const struct ews_ctx *ctx, const char *email, const void *data, size_t len,
                      struct ews_status *st, int *emu_reason)
{
	struct photo_set set = { 0 };
	store_txn_t *t = NULL;
	struct user_record *u;
	int rc;

	ews_status_ok(st);
	if (emu_reason)
		*emu_reason = EMU_OK;
	u = arena_alloc(ctx->arena, sizeof *u);
	if (!u)
		return EMU_ENOMEM;
	/* check the target before the (costly) resize, with a short read txn */
	rc = authorize(ctx, store_user_lookup(ctx->store, email, u), u, st);
	if (rc)
		return rc > 0 ? EMU_OK : rc;

	rc = photo_make_renditions(data, len, &set);
	if (rc) {
		if (emu_reason)
			*emu_reason = rc;
		if (rc == EMU_ENOMEM)
			return rc;
		if (rc == EMU_ELIMIT)
			ews_status_error(st, EWS_ERROR_DATA_SIZE_LIMIT,
			                 "The photo exceeds the size limits (8 MiB of JPEG, 8192x8192 pixels, "
			                 "160 MiB of memory to decode; a progressive JPEG needs about 2 bytes "
			                 "per pixel and colour component).");
		else if (rc == EMU_EBUSY)
			/* the decode pool stayed full for PHOTO_DECODE_WAIT_MS: a
			 * transient refusal the client may retry, as Exchange does
			 * when it throttles */
			ews_status_error(st, EWS_ERROR_SERVER_BUSY,
			                 "The server is decoding too many photos at once; try again later.");
		else if (rc == EMU_EFORMAT)
			ews_status_error(st, EWS_ERROR_INVALID_ARGUMENT,
			                 "The photo must be a JPEG image; this format is not supported.");
		else
			ews_status_error(st, EWS_ERROR_INVALID_ARGUMENT,
			                 "The photo is not a valid JPEG image (empty, truncated or corrupt).");
		LOGI("set_user_photo", "%s: rejected upload of %zu bytes: %s", u->email, len,
		     emu_strerror(rc));
		return EMU_OK;
	}
	rc = store_txn_begin(ctx->store, 1, &t);
	if (rc)
		goto out;
	rc = store_photo_set(t, u->email, &set);
	if (rc)
		goto out;
	rc = store_txn_commit(t);
	t = NULL;
	if (rc == EMU_OK)
		LOGI("set_user_photo", "%s: new photo %dx%d, %d renditions", u->email,
		     set.source_width, set.source_height, __builtin_popcount(set.mask));
out:
	store_txn_abort(t);
	photo_set_free(&set);
	return rc;
}

int op_remove_user_photo(const struct ews_ctx *ctx, const char *email, struct ews_status *st)
{
	store_txn_t *t = NULL;
	struct user_record *u;
	int rc;

	ews_status_ok(st);
	u = arena_alloc(ctx->arena, sizeof *u);
	if (!u)
		return EMU_ENOMEM;
	rc = store_txn_begin(ctx->store, 1, &t);
	if (rc)
		return rc;
	rc = authorize(ctx, store_user_get(t, email, u), u, st);
	if (rc) {
		store_txn_abort(t);
		return rc > 0 ? EMU_OK : rc;
	}
	rc = store_photo_remove(t, u->email);
	if (rc) {
		store_txn_abort(t);
		return rc;
	}
	return store_txn_commit(t);
}
