/* layer.c - serve --record: a wire_handler in front of the live routes.
 * It passes each request to the live handler and records the request and
 * reply values it sees (no bytes captured, nothing parsed a second time). */
#include "record/record.h"

#include "core/log.h"
#include "core/result.h"

enum wire_action record_layer_handle(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                     struct wire_msg *resp)
{
	struct record_layer *l = ctx;
	enum wire_action act = l->inner(l->inner_ctx, peer, req, resp);
	/* nothing to record when the live handler left no answer (wire sends 500) */
	if (act != WIRE_RESET && resp->status != 0) {
		int rc = record_exchange(l->rec, req, resp);
		if (rc != EMU_OK)
			LOGW("record", "%s %s: not recorded: %s", req->method, req->target, emu_strerror(rc));
	}
	return act;
}

void record_layer_conn_end(void *ctx, struct wire_peer *peer)
{
	struct record_layer *l = ctx;
	if (l->inner_end)
		l->inner_end(l->inner_ctx, peer);
}
