/* rest.c - REST-style GetUserPhoto (spec §3): query parsing and outcome
 * mapping; the photo itself comes from op_get_user_photo(). */
#include "rest/rest.h"

#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/pct.h"
#include "core/result.h"
#include "ews/ops/ops.h"

static const char PHOTO_PATH[] = "/ews/exchange.asmx/s/getuserphoto";

int rest_is_photo_path(const char *path, size_t len)
{
	return len == sizeof PHOTO_PATH - 1 && strncasecmp(path, PHOTO_PATH, len) == 0;
}

int rest_query_param(const char *query, const char *name, char *out, size_t outsz)
{
	size_t nl = strlen(name);
	const char *p = query;
	if (!query)
		return 0;
	while (*p) {
		const char *end = strchr(p, '&');
		size_t seg = end ? (size_t)(end - p) : strlen(p);
		if (seg > nl && p[nl] == '=' && strncasecmp(p, name, nl) == 0)
			return pct_decode(p + nl + 1, seg - nl - 1, PCT_PLUS | PCT_STRICT, out, outsz, NULL) == EMU_OK ? 1 : -1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

static void fail(struct rest_response *out, enum http_outcome o, const char *msg)
{
	out->outcome = o;
	out->content_type = "text/plain; charset=utf-8";
	out->body = msg;
	out->len = strlen(msg);
	out->message = msg;
}

int rest_get_user_photo(const struct ews_ctx *ctx, const char *query, const char *inm,
                        struct rest_response *out)
{
	char email[STORE_ADDR_MAX + 1], size_code[32];
	enum photo_size size;
	struct op_photo_result res;
	int rc;

	memset(out, 0, sizeof out[0]);
	if (query && strlen(query) > REST_QUERY_MAX) {
		fail(out, HTTP_OUT_BAD_REQUEST, "The query string is too long.\n");
		return EMU_OK;
	}
	rc = rest_query_param(query, "email", email, sizeof email);
	if (rc <= 0 || !email[0]) {
		fail(out, HTTP_OUT_BAD_REQUEST, rc < 0 ? "The email parameter is malformed or too long.\n"
		                                       : "The email parameter is missing.\n");
		return EMU_OK;
	}
	/* spec §3.1: the size value is matched case-insensitively here */
	rc = rest_query_param(query, "size", size_code, sizeof size_code);
	if (rc <= 0 || photo_size_parse(size_code, 1, &size) != EMU_OK) {
		fail(out, HTTP_OUT_BAD_REQUEST,
		     rc == 0 ? "The size parameter is missing (HR48x48 ... HR648x648).\n"
		             : "The size parameter is not a photo size code (HR48x48 ... HR648x648).\n");
		return EMU_OK;
	}
	rc = op_get_user_photo(ctx, email, size, inm, &res);
	if (rc)
		return rc;
	switch (res.outcome) {
	case OP_PHOTO_RETURNED:
		out->outcome = HTTP_OUT_OK;
		out->content_type = res.content_type;
		out->body = res.data;
		out->len = res.len;
		memcpy(out->etag, res.etag, sizeof out->etag);
		break;
	case OP_PHOTO_UNCHANGED:
		out->outcome = HTTP_OUT_NOT_MODIFIED;
		memcpy(out->etag, res.etag, sizeof out->etag);
		break;
	case OP_PHOTO_NONE:
		fail(out, HTTP_OUT_NO_PHOTO, "This mailbox has no photo.\n");
		break;
	case OP_PHOTO_NO_MAILBOX:
		fail(out, HTTP_OUT_NO_MAILBOX, "No mailbox has this address.\n");
		break;
	case OP_PHOTO_DENIED:
		/* ews/access.h: only a token's scopes refuse a photo read */
		fail(out, HTTP_OUT_FORBIDDEN,
		     "Access is denied: the token's scopes do not allow reading this user's photo.\n");
		break;
	}
	return EMU_OK;
}
