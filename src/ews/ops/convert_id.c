/* convert_id.c - ConvertId: translate ewsemu ids between EwsId, EntryId,
 * HexEntryId, ... formats.  Clients also send it as a version probe
 * (exchangelib), so it must answer every well-formed request. */
#include "ews/ops/ops.h"

#include <strings.h>

#include "core/result.h"
#include "ews/ids.h"

static void convert_one(const struct ews_ctx *ctx, enum ews_id_format dest,
                        const struct op_alt_id *in, struct op_convert_result *out)
{
	enum ews_id_format src;
	struct ews_id id;
	struct user_record u;

	ews_status_ok(&out->status);
	if (!in->id || !*in->id) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_EMPTY, "Id is empty.");
		return;
	}
	if (!in->format || ews_id_format_parse(in->format, &src) != EMU_OK ||
	    ews_id_decode(in->id, src, &id) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_MALFORMED, "Id is malformed.");
		return;
	}
	/* the id names a mailbox: it must exist (and match Mailbox when given) */
	int rc = store_user_lookup(ctx->store, id.mailbox, &u);
	if (rc == EMU_ENOMEM || rc == EMU_ESTORE) {
		ews_status_error(&out->status, EWS_ERROR_INTERNAL, "The store could not be read.");
		return;
	}
	if (rc != EMU_OK || (in->mailbox && *in->mailbox && strcasecmp(in->mailbox, id.mailbox) != 0)) {
		ews_status_error(&out->status, EWS_ERROR_NON_EXISTENT_MAILBOX,
		                 "The mailbox of this id does not exist.");
		return;
	}
	out->id.format = ews_id_format_name(dest);
	out->id.mailbox = arena_strdup(ctx->arena, u.email);
	out->id.id = ews_id_encode(ctx->arena, &id, dest);
	if (!out->id.id || !out->id.mailbox)
		ews_status_error(&out->status, EWS_ERROR_INTERNAL, "Out of memory.");
}

int op_convert_id(const struct ews_ctx *ctx, const char *dest_format,
                  const struct op_alt_id *in, size_t n, struct op_convert_result *out)
{
	enum ews_id_format dest;
	if (!dest_format || ews_id_format_parse(dest_format, &dest) != EMU_OK)
		return EMU_EINVAL;   /* schema enum: the adapter faults with ErrorSchemaValidation */
	for (size_t i = 0; i < n; i++)
		convert_one(ctx, dest, &in[i], &out[i]);
	return EMU_OK;
}
