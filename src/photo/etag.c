/* etag.c - content ETags for photos and If-None-Match matching (spec §6.3,
 * RFC 7232 §3.2). */
#include "photo/photo.h"
#include "core/hex.h"
#include "core/log.h"

#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

void photo_etag(const void *data, size_t len, char out[PHOTO_ETAG_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	static const unsigned char empty = 0;

	if (data == NULL) {
		data = &empty;   /* EVP_Digest wants a valid pointer even for len 0 */
		len = 0;
	}
	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen < PHOTO_ETAG_LEN / 2) {
		/* Only an allocation failure inside OpenSSL gets here.  Fall back to
		 * FNV-1a so the ETag is still content-derived and deterministic. */
		const unsigned char *p = data;
		uint64_t h = 14695981039346656037ull;
		LOGE("photo", "EVP_Digest(SHA-256) failed; using FNV-1a ETag");
		for (size_t i = 0; i < len; i++) {
			h ^= p[i];
			h *= 1099511628211ull;
		}
		for (int i = 0; i < 8; i++)
			md[i] = (unsigned char)(h >> (56 - 8 * i));
	}
	hex_encode(md, PHOTO_ETAG_LEN / 2, HEX_UPPER, out, PHOTO_ETAG_LEN + 1);
}

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim [*b, *e) of whitespace, a weak prefix and quotes.  Quotes are stripped
 * independently at each end: gSOAP removes the outermost pair of the whole
 * header value, which leaves single quotes on the first and last token. */
static void strip_token(const char **b, const char **e)
{
	while (*b < *e && is_ws(**b))
		(*b)++;
	while (*e > *b && is_ws((*e)[-1]))
		(*e)--;
	if (*e - *b >= 2 && ((*b)[0] == 'W' || (*b)[0] == 'w') && (*b)[1] == '/')
		*b += 2;
	while (*b < *e && is_ws(**b))
		(*b)++;
	if (*b < *e && **b == '"')
		(*b)++;
	if (*e > *b && (*e)[-1] == '"')
		(*e)--;
}

int photo_etag_matches(const char *if_none_match, const char *etag)
{
	const char *eb, *ee;
	size_t elen;

	if (if_none_match == NULL || etag == NULL)
		return 0;
	eb = etag;
	ee = etag + strlen(etag);
	strip_token(&eb, &ee);
	elen = (size_t)(ee - eb);
	if (elen == 0)
		return 0;

	for (const char *p = if_none_match; *p != '\0';) {
		const char *b = p, *e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		p = *e == ',' ? e + 1 : e;
		strip_token(&b, &e);
		if (e - b == 1 && *b == '*')
			return 1;   /* RFC 7232 §3.2: any current representation */
		/* weak comparison: opaque tags equal character by character */
		if ((size_t)(e - b) == elen && memcmp(b, eb, elen) == 0)
			return 1;
	}
	return 0;
}
