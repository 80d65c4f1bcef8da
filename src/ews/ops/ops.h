/* ops.h - EWS operations as plain C functions: plain structs in and out, no
 * gSOAP, no sockets.  Every transport (SOAP, REST-style GET, Outlook REST)
 * calls these; there is no second implementation anywhere.
 *
 * Each op decides the EWS outcome (struct ews_status: layer 2).  It returns
 * EMU_OK when it produced an outcome (even an EWS error), or a negative
 * emu_result when it could not (store failure, no memory); the transport
 * turns that into an internal-error fault.
 */
#ifndef EMU_EWS_OPS_H
#define EMU_EWS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "ews/ews.h"
#include "photo/photo.h"

/* ---- GetUserPhoto (spec §2, §3, §6) -------------------------------------- */

enum op_photo_outcome {
	OP_PHOTO_RETURNED = 0,   /* data holds the image */
	OP_PHOTO_UNCHANGED,      /* If-None-Match matched the current ETag */
	OP_PHOTO_NONE,           /* mailbox exists, nothing to serve (or deleted) */
	OP_PHOTO_NO_MAILBOX      /* the address is nobody's */
};

struct op_photo_result {
	enum op_photo_outcome outcome;
	struct ews_status status;
	const unsigned char *data;   /* arena copy, RETURNED only */
	size_t len;
	const char *content_type;    /* "image/jpeg" when RETURNED/UNCHANGED */
	char etag[PHOTO_ETAG_LEN + 1]; /* RETURNED/UNCHANGED */
	int width, height;
	int64_t changed;             /* unix seconds the served image last changed */
	struct photo_pick pick;      /* what was chosen and why */
};

/** Select and fetch the photo of @p email at @p size (spec §6.2) for any
 * authenticated caller.  @p if_none_match is the raw If-None-Match header
 * value or NULL.  On EMU_OK @p out describes the outcome; image bytes are
 * copied into ctx->arena. */
int op_get_user_photo(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                      const char *if_none_match, struct op_photo_result *out);

/** Describe which photo each size code would return for @p email, without
 * copying image bytes (used by `ewsemu diag`). */
int op_photo_explain(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                     struct op_photo_result *out);

/* ---- SetUserPhoto (spec §2.5) -------------------------------------------- */

/** Replace the mailbox photo of @p email with the JPEG @p data (renditions
 * made once here) and clear the deletion record.  Only the owner or an
 * admin may do this (ErrorAccessDenied otherwise); an invalid image gives
 * ErrorInvalidArgument and an oversized one ErrorDataSizeLimitExceeded, and
 * leave the old photo in place.  @p emu_reason (may be NULL) receives the
 * internal result behind an error outcome (EMU_EIMAGE, EMU_ELIMIT, ...). */
int op_set_user_photo(const struct ews_ctx *ctx, const char *email, const void *data, size_t len,
                      struct ews_status *st, int *emu_reason);

/** Remove the mailbox photo of @p email and set the deletion record
 * (Remove-UserPhoto); owner or admin only. */
int op_remove_user_photo(const struct ews_ctx *ctx, const char *email, struct ews_status *st);

/* ---- ConvertId ------------------------------------------------------------ */

struct op_alt_id {
	const char *format;    /* IdFormatType spelling: EwsId, EntryId, HexEntryId, ... */
	const char *id;
	const char *mailbox;
};

struct op_convert_result {
	struct ews_status status;
	struct op_alt_id id;   /* on success: converted id (arena strings) */
};

/** Convert each of @p n ids to @p dest_format; one result per id, in order. */
int op_convert_id(const struct ews_ctx *ctx, const char *dest_format,
                  const struct op_alt_id *in, size_t n, struct op_convert_result *out);

#endif
