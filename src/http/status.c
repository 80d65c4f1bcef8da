/* status.c - the one table that turns transport outcomes into HTTP statuses
 * (layer 3 of the three error layers; spec §2.3, §3.2, §10.2). */
#include "http/server.h"

static const struct {
	int status;
	const char *text;
} g_table[] = {
	[HTTP_OUT_OK] = { 200, "OK" },
	[HTTP_OUT_NOT_MODIFIED] = { 304, "Not Modified" },
	[HTTP_OUT_NO_PHOTO] = { 404, "The mailbox has no photo" },
	[HTTP_OUT_NO_MAILBOX] = { 404, "No mailbox has this address" },
	[HTTP_OUT_BAD_REQUEST] = { 400, "Bad request" },
	[HTTP_OUT_UNAUTHORIZED] = { 401, "Authentication required" },
	[HTTP_OUT_FORBIDDEN] = { 403, "Forbidden" },
	[HTTP_OUT_NOT_FOUND] = { 404, "No such resource" },
	[HTTP_OUT_METHOD] = { 405, "Method not allowed" },
	[HTTP_OUT_TOO_LARGE] = { 413, "Request body too large" },
	[HTTP_OUT_SOAP_FAULT] = { 500, "SOAP fault" },
	[HTTP_OUT_INTERNAL] = { 500, "Internal server error" },
	[HTTP_OUT_BUSY] = { 503, "Too many connections" },
	[HTTP_OUT_UNSUPPORTED_MEDIA] = { 415, "Unsupported media type" },
	[HTTP_OUT_NO_CONTENT] = { 204, "No Content" },
};

int http_status_for(enum http_outcome o)
{
	if ((unsigned)o >= sizeof g_table / sizeof *g_table)
		return 500;
	return g_table[o].status;
}

const char *http_outcome_text(enum http_outcome o)
{
	if ((unsigned)o >= sizeof g_table / sizeof *g_table)
		return "Internal server error";
	return g_table[o].text;
}
