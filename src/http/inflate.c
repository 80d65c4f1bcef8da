/* inflate.c - request bodies sent with Content-Encoding: gzip or deflate
 * (some EWS clients compress large requests).  Inflated with zlib into the
 * request's arena, never past the body limit: a body that inflates beyond
 * it is cut there, which the parser then reports (a gzip bomb costs at most
 * --max-body bytes and the time to inflate them). */
#include "http/front.h"

#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "core/result.h"

int http_request_body(const struct request *rq, size_t max, const void **body, size_t *len)
{
	const struct wire_msg *m = rq->msg;
	const char *enc = wire_msg_header(m, "Content-Encoding");
	*body = m->body ? (const void *)m->body : "";
	*len = m->body_len;
	if (!enc || !*enc || !strcasecmp(enc, "identity") || !m->body_len)
		return EMU_OK;
	int window;
	if (!strcasecmp(enc, "gzip") || !strcasecmp(enc, "x-gzip"))
		window = 16 + MAX_WBITS;
	else if (!strcasecmp(enc, "deflate"))
		window = 32 + MAX_WBITS;   /* zlib or gzip header, detected */
	else
		return EMU_EINVAL;
	size_t cap = m->body_len * 4 + 4096;
	if (cap > max + 1)
		cap = max + 1;
	unsigned char *out = arena_alloc(rq->ews.arena, cap + 1);
	if (!out)
		return EMU_ENOMEM;
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, window) != Z_OK)
		return EMU_ENOMEM;
	z.next_in = m->body;
	z.avail_in = (uInt)(m->body_len > UINT32_MAX ? UINT32_MAX : m->body_len);
	size_t used = 0;
	int zr;
	for (;;) {
		z.next_out = out + used;
		z.avail_out = (uInt)(cap - used);
		zr = inflate(&z, Z_NO_FLUSH);
		used = cap - z.avail_out;
		if (zr == Z_STREAM_END || (zr != Z_OK && zr != Z_BUF_ERROR))
			break;
		if (used < cap)
			break;   /* input exhausted */
		if (cap > max)
			break;   /* over the limit: cut */
		size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
		unsigned char *n = arena_alloc(rq->ews.arena, ncap + 1);
		if (!n) {
			inflateEnd(&z);
			return EMU_ENOMEM;
		}
		memcpy(n, out, used);
		out = n;
		cap = ncap;
	}
	inflateEnd(&z);
	if (used > max)
		used = max;   /* the parser sees a body that stops at the limit */
	out[used] = '\0';
	*body = out;
	*len = used;
	return EMU_OK;
}
