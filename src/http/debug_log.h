/* debug_log.h - `--log-level debug`: every request and response, head and
 * body, in the debug log (stderr), with credentials removed.  Internal to
 * src/http/ (front.c calls http_debug_exchange once per request).
 *
 * Removed (replaced by "[removed]"):
 *   - the value of every header that carries credentials (wire_header_credential:
 *     Authorization, Proxy-Authorization, Cookie, Set-Cookie); an Authorization
 *     value keeps its scheme ("Basic [removed]");
 *   - in bodies, the content of every XML element and the value of every XML
 *     attribute or JSON member whose (local) name contains "password",
 *     "passwd", "secret" or "token" (case-insensitive; e.g. t:Password,
 *     wsse:BinarySecurityToken, "access_token"), and the token after
 *     "Bearer " anywhere.  A value cut by the cap below is removed whole.
 * Bounded: at most HTTP_DEBUG_BODY_MAX bytes of each body are shown, then
 * "... (N more bytes)"; an image or other non-text body is shown as its
 * size and type only.  Control bytes are written as \n, \r, \t or \xNN,
 * so one record is one log line. */
#ifndef EMU_HTTP_DEBUG_LOG_H
#define EMU_HTTP_DEBUG_LOG_H

#include <stddef.h>

#include "wire/wire.h"

/* Body bytes shown per request and per response (the rest is counted). */
#define HTTP_DEBUG_BODY_MAX 4096
/* Bytes of one debug record (head + body, escaped): a line of the log. */
#define HTTP_DEBUG_LINE_MAX (4 * HTTP_DEBUG_BODY_MAX + WIRE_HEAD_MAX / 8)

/** Copy @p len bytes at @p in to @p out (@p outsz bytes) with the
 * credential values named above replaced by "[removed]"; returns the
 * length written (output past @p outsz is dropped; 2 * len + 16 always
 * holds it all).  A value that runs to the end of the input (cut) is
 * removed to the end.  Not NUL-terminated.  Pure; no allocation. */
size_t http_redact(const char *in, size_t len, char *out, size_t outsz);

/** Write the debug records of one exchange (request: method, target,
 * headers, body; response: status, headers, body), tagged with
 * @p request_id.  Does nothing unless the log level is debug.  Allocates
 * one HTTP_DEBUG_LINE_MAX buffer while it runs (off the hot path: only at
 * debug level). */
void http_debug_exchange(const char *request_id, const struct wire_msg *req, const struct wire_msg *resp);

#endif
