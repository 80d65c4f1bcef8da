/* get_user_photo.c - GetUserPhoto: the one photo lookup behind the SOAP
 * operation, the REST-style GET and the Outlook REST $value (spec §6.2). */
#include "ews/ops/ops.h"

#include <string.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"
#include "ews/ops/photo_cache.h"

static const char *const JPEG = "image/jpeg";

/* May the caller read @p email's photo?  1 yes, 0 no (outcome DENIED set),
 * or a store failure.  Most callers may read every photo: only then is the
 * directory record (the owner's primary address) not read. */
static int may_read(const struct ews_ctx *ctx, store_txn_t *t, const char *email,
                    struct op_photo_result *out)
{
	if (access_check_any(ctx->caller, ACCESS_PHOTO_READ) == EMU_OK)
		return 1;
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	if (!u)
		return EMU_ENOMEM;
	int rc = store_user_get(t, email, u);
	if (rc)
		return rc;
	if (access_check(ctx->caller, ACCESS_PHOTO_READ, u->email) == EMU_OK)
		return 1;
	out->outcome = OP_PHOTO_DENIED;
	ews_status_error(&out->status, EWS_ERROR_ACCESS_DENIED,
	                 "The caller's rights do not allow reading this user's photo.");
	return 0;
}

/* Look the photo up inside one read txn; copy bytes only if @p copy. */
static int lookup(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                  const char *if_none_match, int copy, struct op_photo_result *out)
{
	struct photo_record rec;
	store_txn_t *t = NULL;
	const struct store_image_info *info;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	/* A conditional request of a caller who may read every photo: while
	 * nothing was committed since, the last lookup's ETag decides a match
	 * without a transaction (photo_cache.h).  Anything else looks again. */
	int hr48 = ctx->config->hr48_prefers_thumbnail;
	int cacheable = copy && if_none_match && access_check_any(ctx->caller, ACCESS_PHOTO_READ) == EMU_OK;
	if (cacheable &&
	    op_photo_cache_get(ctx->store, store_last_txnid(ctx->store), email, size, hr48, out)) {
		if (photo_etag_matches(if_none_match, out->etag)) {
			out->outcome = OP_PHOTO_UNCHANGED;
			return EMU_OK;
		}
		memset(out, 0, sizeof *out);
		ews_status_ok(&out->status);
	}
	rc = store_txn_begin(ctx->store, 0, &t);
	if (rc)
		return rc;
	/* the photo calls take any of the user's addresses: no need to decode
	 * the directory record on this hot path */
	rc = store_photo_get(t, email, &rec);
	if (rc == EMU_ENOTFOUND) {
		out->outcome = OP_PHOTO_NO_MAILBOX;
		ews_status_error(&out->status, EWS_ERROR_NON_EXISTENT_MAILBOX,
		                 "The SMTP address has no mailbox associated with it.");
		rc = EMU_OK;
		goto out;
	}
	if (rc)
		goto out;
	rc = may_read(ctx, t, email, out);
	if (rc <= 0)
		goto out;
	rc = EMU_OK;

	struct photo_avail avail = {
		.deleted = rec.deleted,
		.mailbox_mask = rec.mailbox_mask,
		.has_thumbnail = rec.has_thumbnail,
	};
	out->pick = photo_select(&avail, size, ctx->config->hr48_prefers_thumbnail);
	switch (out->pick.source) {
	case PHOTO_SRC_NONE:
		out->outcome = OP_PHOTO_NONE;
		goto out;
	case PHOTO_SRC_MAILBOX:
		info = &rec.mailbox[out->pick.size];
		out->changed = rec.mailbox_changed;
		break;
	case PHOTO_SRC_THUMBNAIL:
	default:
		info = &rec.thumbnail;
		out->changed = rec.thumbnail_changed;
		break;
	}
	memcpy(out->etag, info->etag, sizeof out->etag);
	out->width = info->width;
	out->height = info->height;
	out->len = info->len;
	out->content_type = JPEG;
	if (cacheable)
		op_photo_cache_put(ctx->store, store_txn_id(t), email, size, hr48, out);
	if (photo_etag_matches(if_none_match, info->etag)) {
		out->outcome = OP_PHOTO_UNCHANGED;
		goto out;
	}
	out->outcome = OP_PHOTO_RETURNED;
	if (!copy)
		goto out;

	const void *blob;
	size_t len;
	if (out->pick.source == PHOTO_SRC_MAILBOX)
		rc = store_photo_blob(t, email, out->pick.size, &blob, &len);
	else
		rc = store_thumbnail_blob(t, email, &blob, &len);
	if (rc) {
		/* the record says it exists: a missing blob is a damaged store */
		LOGE("get_user_photo", "%s: photo record without image data: %s", email,
		     emu_strerror(rc));
		rc = rc == EMU_ENOTFOUND ? EMU_EINTERNAL : rc;
		goto out;
	}
	/* LMDB memory is only valid inside the txn: copy to the response arena */
	out->data = arena_memdup(ctx->arena, blob, len);
	out->len = len;
	if (!out->data)
		rc = EMU_ENOMEM;
out:
	store_txn_abort(t);
	return rc;
}

int op_get_user_photo(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                      const char *if_none_match, struct op_photo_result *out)
{
	return lookup(ctx, email, size, if_none_match, 1, out);
}

int op_photo_explain(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                     struct op_photo_result *out)
{
	return lookup(ctx, email, size, NULL, 0, out);
}
