/* rest.h - REST-style photo URL: GET /ews/Exchange.asmx/s/GetUserPhoto
 * ?email=..&size=.. (spec §3).  Transport-neutral: parses the query, calls
 * the same op_get_user_photo() as the SOAP operation, and says what to send;
 * src/http/ writes it. */
#ifndef EMU_REST_REST_H
#define EMU_REST_REST_H

#include <stddef.h>
#include <stdint.h>

#include "ews/ews.h"
#include "ews/outcome.h"
#include "photo/photo.h"

#define REST_QUERY_MAX 2048     /* longest query string accepted */

struct rest_response {
	enum http_outcome outcome;
	const char *content_type;     /* for a body */
	const void *body;             /* arena memory */
	size_t len;
	char etag[PHOTO_ETAG_LEN + 1];/* empty when none */
	const char *message;          /* plain text for error bodies and the log */
};

/** Is @p path (no query) the REST-style photo URL?  Case-insensitive. */
int rest_is_photo_path(const char *path, size_t len);

/** Serve GET …/s/GetUserPhoto with query @p query (after '?', may be NULL)
 * and If-None-Match @p inm (may be NULL) for ctx->caller.  Outcomes: OK,
 * NOT_MODIFIED, BAD_REQUEST (query), NO_MAILBOX, NO_PHOTO, FORBIDDEN (the
 * caller lacks ACCESS_PHOTO_READ, ews/access.h: a token without a scope
 * for this user).  Returns EMU_OK with @p out set, or a negative
 * emu_result on internal failure. */
int rest_get_user_photo(const struct ews_ctx *ctx, const char *query, const char *inm,
                        struct rest_response *out);

/** Percent-decode a query parameter named @p name (ASCII case-insensitive)
 * from @p query into @p out (at most @p outsz-1 bytes).  Returns 1 when found,
 * 0 when absent, -1 when malformed or too long. */
int rest_query_param(const char *query, const char *name, char *out, size_t outsz);

#endif
