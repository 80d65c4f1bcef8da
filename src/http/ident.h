/* ident.h - Exchange's HTTP identity (spec connect-like-exchange.md §5):
 * the request-id of every request and the response headers IIS and
 * Exchange's front end / back end put on every answer.  Internal to
 * src/http/ (front.c calls it once per reply).
 *
 * Cost: no allocation and no random call per request.  A request-id is a
 * per-process random 128-bit value with a 64-bit counter folded into its
 * low half (atomic increment), printed as a lowercase GUID; the headers
 * are short strings that fit the reply's own small store (WIRE_MSG_SMALL). */
#ifndef EMU_HTTP_IDENT_H
#define EMU_HTTP_IDENT_H

#include <stddef.h>

#include "wire/wire.h"

#define HTTP_REQUEST_ID_LEN 36      /* "c30f99ec-34a6-4cee-90df-3aca88a0d2c8" */
/* The server name of X-FEServer / X-BEServer / X-DiagInfo (a NetBIOS name
 * is 15 characters; longer names given by --server-name are refused). */
#define HTTP_SERVER_NAME_MAX 15
/* Bytes of the FQDN in X-CalculatedBETarget (the host name lowercased). */
#define HTTP_SERVER_FQDN_MAX 255
/* client-request-id values echoed (longer ones are not echoed; a GUID is 36). */
#define HTTP_CLIENT_REQUEST_ID_MAX 128

/* The names a server presents, fixed at start. */
struct http_ident {
	char name[HTTP_SERVER_NAME_MAX + 1];   /* "EXCH01": X-FEServer, X-BEServer, X-DiagInfo */
	char fqdn[HTTP_SERVER_FQDN_MAX + 1];   /* "exch01.contoso.local": X-CalculatedBETarget */
};

/** Fill @p id from @p name (serve --server-name) or, when NULL, from the
 * host name (gethostname: its first label, uppercased, cut to
 * HTTP_SERVER_NAME_MAX; the whole name lowercased as the FQDN; "EWSEMU"
 * when the host has none).  EMU_OK; EMU_EINVAL when @p name is empty,
 * longer than HTTP_SERVER_NAME_MAX or holds anything but letters, digits
 * and '-'. */
int http_ident_init(struct http_ident *id, const char *name);

/** A new request-id into @p out (lowercase GUID, NUL-terminated): unique
 * within the process (2^62 requests), unpredictable across processes.
 * Thread-safe, no allocation, no system call after the first. */
void http_request_id(char out[HTTP_REQUEST_ID_LEN + 1]);

/* Which part of Exchange wrote an answer: the front end alone (a 401, a
 * 404 for a URL nobody serves, a refusal before the caller is known) or
 * the back end behind it (everything a handler answered). */
enum http_ident_tier { HTTP_IDENT_FRONT = 0, HTTP_IDENT_BACK };

/** Add the identity headers to @p reply: Server: Microsoft-IIS/10.0,
 * request-id, X-Powered-By: ASP.NET, X-FEServer, Date; for
 * HTTP_IDENT_BACK also X-AspNet-Version: 4.0.30319, X-BEServer,
 * X-CalculatedBETarget, X-BackEndHttpStatus (reply's status) and
 * X-DiagInfo; and client-request-id = @p client_request_id when that is
 * not NULL (the caller decides: the client asked with
 * return-client-request-id: true, spec §5.3) and is at most
 * HTTP_CLIENT_REQUEST_ID_MAX bytes of visible ASCII.  Appended (the
 * front adds none of these elsewhere), so call it once per reply, after
 * the status is set.  EMU_OK, EMU_ELIMIT (WIRE_HEADERS_MAX), EMU_ENOMEM. */
int http_ident_headers(const struct http_ident *id, const char *request_id, enum http_ident_tier tier,
                       const char *client_request_id, struct wire_msg *reply);

#endif
