/* photos.c - mailbox photos, directory thumbnails and deletion records
 * (spec §6.1, §6.4): photo_meta (primary -> record) and photo_blob
 * (primary \0 kind -> JPEG bytes).  Mailbox renditions are indexed by
 * enum photo_size, PHOTO_UPLOAD (9) included: the upload kept at its own
 * size, written since schema 4.
 *
 * The record always describes exactly the blobs that exist; both change in
 * the same write txn.
 */
#include "store/store_int.h"

#include "core/log.h"
#include "core/result.h"

#include <string.h>
#include <time.h>

/* photo_meta record tags (README.md "photo_meta") */
enum {
	P_DELETED = 1, P_MAILBOX, P_SOURCE_WIDTH, P_SOURCE_HEIGHT, P_THUMBNAIL,
	P_MAILBOX_CHANGED, P_THUMBNAIL_CHANGED
};

#define INFO_ENC_MAX (3 + 1 + 8 + PHOTO_ETAG_LEN)
#define PHOTO_ENC_MAX (1 + 4 + PHOTO_RENDITION_COUNT * INFO_ENC_MAX + 2 * 7 + INFO_ENC_MAX + 2 * 11)

static int encode_photo(const struct photo_record *r, unsigned char *buf, size_t cap, size_t *len)
{
	struct store_enc e;
	store_enc_init(&e, buf, cap);
	if (r->deleted)
		store_enc_u8(&e, P_DELETED, 1);
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++)
		if (r->mailbox_mask & (1u << s))
			store_enc_info(&e, P_MAILBOX, s, &r->mailbox[s]);
	if (r->source_width > 0)
		store_enc_u32(&e, P_SOURCE_WIDTH, (uint32_t)r->source_width);
	if (r->source_height > 0)
		store_enc_u32(&e, P_SOURCE_HEIGHT, (uint32_t)r->source_height);
	if (r->has_thumbnail)
		store_enc_info(&e, P_THUMBNAIL, -1, &r->thumbnail);
	if (r->mailbox_changed != 0)
		store_enc_i64(&e, P_MAILBOX_CHANGED, r->mailbox_changed);
	if (r->thumbnail_changed != 0)
		store_enc_i64(&e, P_THUMBNAIL_CHANGED, r->thumbnail_changed);
	if (e.overflow) {
		LOGE("store", "photo record does not fit its buffer");
		return EMU_EINTERNAL;
	}
	*len = e.len;
	return EMU_OK;
}

static int decode_photo(const MDB_val *v, const char *key, struct photo_record *r)
{
	struct store_dec d;
	const unsigned char *p;
	size_t n;
	unsigned tag, u8, size;
	uint32_t u32 = 0;
	int res;

	memset(r, 0, sizeof *r);
	if (store_dec_init(&d, v->mv_data, v->mv_size, "photo_meta") != EMU_OK)
		return store_corrupt("photo_meta", key);
	while ((res = store_dec_next(&d, &tag, &p, &n)) == 1) {
		struct store_image_info info;
		switch (tag) {
		case P_DELETED:
			res = store_dec_u8(p, n, &u8);
			r->deleted = u8 != 0;
			break;
		case P_MAILBOX:
			res = store_dec_info(p, n, &size, &info);
			if (res == 0 && size < PHOTO_RENDITION_COUNT) {
				r->mailbox[size] = info;
				r->mailbox_mask |= 1u << size;
			} else {
				res = -1;
			}
			break;
		case P_SOURCE_WIDTH:
		case P_SOURCE_HEIGHT:
			res = store_dec_u32(p, n, &u32);
			if (res == 0 && u32 > 0x7fffffffu)
				res = -1;
			if (tag == P_SOURCE_WIDTH)
				r->source_width = (int)u32;
			else
				r->source_height = (int)u32;
			break;
		case P_THUMBNAIL:
			res = store_dec_info(p, n, NULL, &r->thumbnail);
			r->has_thumbnail = 1;
			break;
		case P_MAILBOX_CHANGED:
			res = store_dec_i64(p, n, &r->mailbox_changed);
			break;
		case P_THUMBNAIL_CHANGED:
			res = store_dec_i64(p, n, &r->thumbnail_changed);
			break;
		default:
			res = -1;
		}
		if (res != 0)
			return store_corrupt("photo_meta", key);
	}
	return res == 0 ? EMU_OK : store_corrupt("photo_meta", key);
}

/* The record of lower-cased @p primary; all zero when none is stored. */
static int load(store_txn_t *t, const char *primary, size_t plen, struct photo_record *r)
{
	MDB_val k = { plen, (void *)primary }, v;
	int rc = mdb_get(t->txn, t->s->photo_meta, &k, &v);
	if (rc == MDB_NOTFOUND) {
		memset(r, 0, sizeof *r);
		return EMU_OK;
	}
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "photo_meta get");
	return decode_photo(&v, primary, r);
}

static int save(store_txn_t *t, const char *primary, size_t plen, const struct photo_record *r)
{
	unsigned char buf[PHOTO_ENC_MAX];
	MDB_val k = { plen, (void *)primary }, v;
	size_t len;
	int ret = encode_photo(r, buf, sizeof buf, &len);
	if (ret != EMU_OK)
		return ret;
	v.mv_data = buf;
	v.mv_size = len;
	return store_mdb_err(mdb_put(t->txn, t->s->photo_meta, &k, &v, 0), "photo_meta put");
}

static size_t blob_key(char *key, const char *primary, size_t plen, unsigned kind)
{
	unsigned char b = (unsigned char)kind;
	return store_compose_key(key, primary, plen, &b, 1);
}

static int put_blob(store_txn_t *t, const char *primary, size_t plen, unsigned kind,
                    const void *data, size_t len)
{
	char key[STORE_KEY_MAX];
	MDB_val k, v = { len, (void *)data };
	k.mv_data = key;
	k.mv_size = blob_key(key, primary, plen, kind);
	return store_mdb_err(mdb_put(t->txn, t->s->photo_blob, &k, &v, 0), "photo_blob put");
}

static int del_blob(store_txn_t *t, const char *primary, size_t plen, unsigned kind)
{
	char key[STORE_KEY_MAX];
	size_t klen = blob_key(key, primary, plen, kind);
	return store_del_quiet(t, t->s->photo_blob, key, klen, "photo_blob del");
}

static int get_blob(store_txn_t *t, const char *email, unsigned kind,
                    const void **data, size_t *len)
{
	char primary[STORE_ADDR_MAX + 1], key[STORE_KEY_MAX];
	size_t plen;
	MDB_val k, v;
	int rc, ret = store_resolve(t, email, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	k.mv_data = key;
	k.mv_size = blob_key(key, primary, plen, kind);
	rc = mdb_get(t->txn, t->s->photo_blob, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "photo_blob get");
	*data = v.mv_data;
	*len = v.mv_size;
	return EMU_OK;
}

static int dimension_ok(int v)
{
	return v >= 1 && v <= 0xffff;
}

int store_photo_get(store_txn_t *t, const char *email, struct photo_record *out)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int ret = store_resolve(t, email, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	return load(t, primary, plen, out);
}

int store_photo_blob(store_txn_t *t, const char *email, enum photo_size size,
                     const void **data, size_t *len)
{
	if ((int)size < 0 || size >= PHOTO_RENDITION_COUNT)
		return EMU_EINVAL;
	return get_blob(t, email, (unsigned)size, data, len);
}

int store_thumbnail_blob(store_txn_t *t, const char *email, const void **data, size_t *len)
{
	return get_blob(t, email, STORE_KIND_THUMBNAIL, data, len);
}

static int check_set(const struct photo_set *set)
{
	if (set == NULL || set->mask == 0 || (set->mask >> PHOTO_RENDITION_COUNT) != 0)
		return EMU_EINVAL;
	if (set->source_width < 0 || set->source_height < 0)
		return EMU_EINVAL;
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		const struct photo_blob *b = &set->r[s];
		size_t elen;
		if (!(set->mask & (1u << s)))
			continue;
		if (b->data == NULL || b->len == 0)
			return EMU_EINVAL;
		if (b->len > UINT32_MAX)
			return EMU_ELIMIT;
		if (!dimension_ok(b->width) || !dimension_ok(b->height))
			return EMU_EINVAL;
		elen = strnlen(b->etag, PHOTO_ETAG_LEN + 1);
		if (elen == 0 || elen > PHOTO_ETAG_LEN)
			return EMU_EINVAL;
	}
	return EMU_OK;
}

int store_photo_set(store_txn_t *t, const char *email, const struct photo_set *set)
{
	char primary[STORE_ADDR_MAX + 1];
	struct photo_record r;
	size_t plen;
	int ret;

	if ((ret = store_need_write(t, "store_photo_set")) != EMU_OK ||
	    (ret = check_set(set)) != EMU_OK ||
	    (ret = store_resolve(t, email, primary, &plen)) != EMU_OK ||
	    (ret = load(t, primary, plen, &r)) != EMU_OK)
		return ret;
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		const struct photo_blob *b = &set->r[s];
		struct store_image_info *info = &r.mailbox[s];
		memset(info, 0, sizeof *info);
		if (!(set->mask & (1u << s))) {
			if ((ret = del_blob(t, primary, plen, (unsigned)s)) != EMU_OK)
				return ret;
			continue;
		}
		if ((ret = put_blob(t, primary, plen, (unsigned)s, b->data, b->len)) != EMU_OK)
			return ret;
		info->len = (uint32_t)b->len;
		info->width = (uint16_t)b->width;
		info->height = (uint16_t)b->height;
		memcpy(info->etag, b->etag, strnlen(b->etag, PHOTO_ETAG_LEN) + 1);
		info->etag[PHOTO_ETAG_LEN] = '\0';
	}
	r.mailbox_mask = set->mask;
	r.source_width = set->source_width;
	r.source_height = set->source_height;
	r.deleted = 0;    /* spec §6.4: a new photo clears the deletion record */
	r.mailbox_changed = (int64_t)time(NULL);
	return save(t, primary, plen, &r);
}

int store_photo_remove(store_txn_t *t, const char *email)
{
	char primary[STORE_ADDR_MAX + 1];
	struct photo_record r;
	size_t plen;
	int ret;

	if ((ret = store_need_write(t, "store_photo_remove")) != EMU_OK ||
	    (ret = store_resolve(t, email, primary, &plen)) != EMU_OK ||
	    (ret = load(t, primary, plen, &r)) != EMU_OK)
		return ret;
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++)
		if ((ret = del_blob(t, primary, plen, (unsigned)s)) != EMU_OK)
			return ret;
	memset(r.mailbox, 0, sizeof r.mailbox);
	r.mailbox_mask = 0;
	r.source_width = r.source_height = 0;
	/* spec §6.4: UserPhotoCacheId = 0; the directory thumbnail stays but is
	 * no longer a fallback (photo_select decides that) */
	r.deleted = 1;
	r.mailbox_changed = (int64_t)time(NULL);
	return save(t, primary, plen, &r);
}

int store_photo_clear_record(store_txn_t *t, const char *email)
{
	char primary[STORE_ADDR_MAX + 1];
	struct photo_record r;
	size_t plen;
	int ret;

	if ((ret = store_need_write(t, "store_photo_clear_record")) != EMU_OK ||
	    (ret = store_resolve(t, email, primary, &plen)) != EMU_OK ||
	    (ret = load(t, primary, plen, &r)) != EMU_OK)
		return ret;
	r.deleted = 0;
	return save(t, primary, plen, &r);
}

int store_thumbnail_set(store_txn_t *t, const char *email, const void *data, size_t len,
                        int width, int height)
{
	char primary[STORE_ADDR_MAX + 1];
	struct photo_record r;
	size_t plen;
	int ret;

	if ((ret = store_need_write(t, "store_thumbnail_set")) != EMU_OK)
		return ret;
	if (data != NULL) {
		if (len == 0 || !dimension_ok(width) || !dimension_ok(height))
			return EMU_EINVAL;
		if (len > PHOTO_MAX_THUMBNAIL_BYTES)
			return EMU_ELIMIT;
	}
	if ((ret = store_resolve(t, email, primary, &plen)) != EMU_OK ||
	    (ret = load(t, primary, plen, &r)) != EMU_OK)
		return ret;
	memset(&r.thumbnail, 0, sizeof r.thumbnail);
	if (data == NULL) {
		if ((ret = del_blob(t, primary, plen, STORE_KIND_THUMBNAIL)) != EMU_OK)
			return ret;
		r.has_thumbnail = 0;
	} else {
		photo_etag(data, len, r.thumbnail.etag);   /* the one ETag rule */
		if ((ret = put_blob(t, primary, plen, STORE_KIND_THUMBNAIL, data, len)) != EMU_OK)
			return ret;
		r.thumbnail.len = (uint32_t)len;
		r.thumbnail.width = (uint16_t)width;
		r.thumbnail.height = (uint16_t)height;
		r.has_thumbnail = 1;
	}
	r.thumbnail_changed = (int64_t)time(NULL);
	return save(t, primary, plen, &r);
}
