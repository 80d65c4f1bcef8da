/* mime.c - t:MimeContent of a personal contact (spec §10): the vCard of
 * ews/vcard.h with the contact's picture.  GetItem calls it, and FindItem
 * can: one function, one card. */
#include "ews/ops/ops.h"

#include "core/result.h"
#include "ews/vcard.h"

int op_contact_mime(const struct ews_ctx *ctx, store_txn_t *t, const char *owner,
                    const struct contact_record *c, size_t *budget, struct op_contact *out)
{
	const void *photo = NULL;
	size_t photo_len = 0, len;
	const char *card;
	int rc;

	if (c->has_photo) {
		rc = store_contact_photo(t, owner, c->id, &photo, &photo_len);
		if (rc == EMU_ENOTFOUND)
			photo = NULL;   /* the record says picture, the blob is gone: write none */
		else if (rc)
			return rc;
	}
	/* the picture stays in the map while the card is written: no copy */
	if ((rc = ews_vcard_write(ctx->arena, c, photo, photo_len, &card, &len)) != EMU_OK)
		return rc;
	if (budget) {
		if (len > *budget)
			return EMU_ELIMIT;
		*budget -= len;
	}
	out->mime = card;
	out->mime_len = len;
	out->props |= OP_PROP(P_MIME_CONTENT);
	return EMU_OK;
}
