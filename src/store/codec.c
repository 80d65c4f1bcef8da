/* codec.c - the record encoding shared by users, photo_meta and contacts:
 * one format byte, then TLV fields (tag u8, length u16 big-endian, value).
 *
 * Why TLV and not JSON: a user record is decoded on every authenticated
 * request; walking a few dozen length-prefixed fields and memcpy'ing them is
 * well under a microsecond, and the format is endian-independent and easy
 * to extend (new tags) without a parser.  See README.md for the tag tables.
 */
#include "store/store_int.h"

#include "core/log.h"
#include "core/result.h"

#include <string.h>

static void put(struct store_enc *e, const void *p, size_t n)
{
	if (e->overflow || n > e->cap - e->len) {
		e->overflow = 1;
		return;
	}
	memcpy(e->buf + e->len, p, n);
	e->len += n;
}

static void put_head(struct store_enc *e, unsigned tag, size_t n)
{
	unsigned char h[3];
	if (n > 0xffff || tag > 0xff) {
		e->overflow = 1;
		return;
	}
	h[0] = (unsigned char)tag;
	h[1] = (unsigned char)(n >> 8);
	h[2] = (unsigned char)n;
	put(e, h, sizeof h);
}

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void store_enc_init(struct store_enc *e, unsigned char *buf, size_t cap)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->overflow = 0;
	unsigned char f = STORE_RECORD_FORMAT;
	put(e, &f, 1);
}

void store_enc_bytes(struct store_enc *e, unsigned tag, const void *p, size_t n)
{
	put_head(e, tag, n);
	put(e, p, n);
}

void store_enc_str(struct store_enc *e, unsigned tag, const char *s)
{
	if (s[0] != '\0')
		store_enc_bytes(e, tag, s, strlen(s));
}

void store_enc_u8(struct store_enc *e, unsigned tag, unsigned v)
{
	unsigned char b = (unsigned char)v;
	store_enc_bytes(e, tag, &b, 1);
}

void store_enc_u32(struct store_enc *e, unsigned tag, uint32_t v)
{
	unsigned char b[4];
	be32(b, v);
	store_enc_bytes(e, tag, b, sizeof b);
}

void store_enc_i64(struct store_enc *e, unsigned tag, int64_t v)
{
	unsigned char b[8];
	uint64_t u = (uint64_t)v;
	be32(b, (uint32_t)(u >> 32));
	be32(b + 4, (uint32_t)u);
	store_enc_bytes(e, tag, b, sizeof b);
}

/* [prefix u8] len u32, width u16, height u16, etag bytes */
void store_enc_info(struct store_enc *e, unsigned tag, int prefix,
                    const struct store_image_info *info)
{
	unsigned char b[1 + 8 + PHOTO_ETAG_LEN];
	size_t n = 0, elen = strnlen(info->etag, PHOTO_ETAG_LEN);
	if (prefix >= 0)
		b[n++] = (unsigned char)prefix;
	be32(b + n, info->len);
	n += 4;
	b[n++] = (unsigned char)(info->width >> 8);
	b[n++] = (unsigned char)info->width;
	b[n++] = (unsigned char)(info->height >> 8);
	b[n++] = (unsigned char)info->height;
	memcpy(b + n, info->etag, elen);
	n += elen;
	store_enc_bytes(e, tag, b, n);
}

int store_dec_init(struct store_dec *d, const void *val, size_t len, const char *what)
{
	const unsigned char *p = val;
	if (len < 1 || p[0] != STORE_RECORD_FORMAT) {
		LOGE("store", "%s: unknown record format %u", what, len < 1 ? 0u : p[0]);
		return EMU_ESTORE;
	}
	d->p = p + 1;
	d->end = p + len;
	return EMU_OK;
}

int store_dec_next(struct store_dec *d, unsigned *tag, const unsigned char **v, size_t *n)
{
	size_t left = (size_t)(d->end - d->p);
	if (left == 0)
		return 0;
	if (left < 3)
		return -1;
	*tag = d->p[0];
	*n = (size_t)d->p[1] << 8 | d->p[2];
	if (*n > left - 3)
		return -1;
	*v = d->p + 3;
	d->p += 3 + *n;
	return 1;
}

int store_dec_str(const unsigned char *v, size_t n, char *out, size_t max)
{
	if (n > max || memchr(v, '\0', n) != NULL)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int store_dec_u8(const unsigned char *v, size_t n, unsigned *out)
{
	if (n != 1)
		return -1;
	*out = v[0];
	return 0;
}

int store_dec_u32(const unsigned char *v, size_t n, uint32_t *out)
{
	if (n != 4)
		return -1;
	*out = rd32(v);
	return 0;
}

int store_dec_i64(const unsigned char *v, size_t n, int64_t *out)
{
	if (n != 8)
		return -1;
	*out = (int64_t)((uint64_t)rd32(v) << 32 | rd32(v + 4));
	return 0;
}

int store_dec_info(const unsigned char *v, size_t n, unsigned *prefix,
                   struct store_image_info *out)
{
	size_t base = prefix != NULL ? 9 : 8;
	if (n < base || n > base + PHOTO_ETAG_LEN)
		return -1;
	if (prefix != NULL) {
		*prefix = v[0];
		v++;
	}
	out->len = rd32(v);
	out->width = (uint16_t)(v[4] << 8 | v[5]);
	out->height = (uint16_t)(v[6] << 8 | v[7]);
	return store_dec_str(v + 8, n - base, out->etag, PHOTO_ETAG_LEN);
}
