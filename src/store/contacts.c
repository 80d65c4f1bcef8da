/* contacts.c - each mailbox's Contacts folder: contacts (primary \0 id ->
 * record) and contact_photo (same key -> JPEG).
 *
 * Ids are opaque and stable: 16 random bytes (OpenSSL RAND_bytes) as 32
 * lower-case hex characters, never reused for another contact in practice
 * and never derived from contact data, so editing a contact keeps its id.
 */
#include "store/store_int.h"

#include "core/hex.h"
#include "core/log.h"
#include "core/result.h"

#include <openssl/rand.h>
#include <string.h>
#include <time.h>

/* contacts record tags (README.md "contacts"); tags 10.. came with schema 2 */
enum {
	C_ID = 1, C_CHANGE, C_DISPLAY_NAME, C_GIVEN_NAME, C_SURNAME, C_FILE_AS,
	C_EMAIL, C_COMPANY, C_PHOTO,
	C_CREATED = 10, C_MODIFIED, C_NOTES, C_BIRTHDAY,
	C_ARTICLE = 14,     /* schema 6: u32, on every contact */
	C_TEXT_FIRST = 20   /* then the text fields of text_fields() in order */
};

#define N_TEXT 18   /* entries of text_fields() */

/* Every short text field with its maximum, in a fixed order: the first
 * four keep their schema-1 tags, the rest are C_TEXT_FIRST + index. */
struct text_field { char *p; size_t max; };

static void text_fields(struct contact_record *c, struct text_field f[N_TEXT])
{
	struct text_field all[N_TEXT] = {
		{ c->display_name, STORE_TEXT_MAX }, { c->given_name, STORE_TEXT_MAX },
		{ c->surname, STORE_TEXT_MAX }, { c->file_as, STORE_TEXT_MAX },
		{ c->middle_name, STORE_TEXT_MAX }, { c->nickname, STORE_TEXT_MAX },
		{ c->email2, STORE_ADDR_MAX }, { c->email3, STORE_ADDR_MAX },
		{ c->job_title, STORE_TEXT_MAX }, { c->department, STORE_TEXT_MAX },
		{ c->office, STORE_TEXT_MAX }, { c->business_phone, STORE_TEXT_MAX },
		{ c->mobile_phone, STORE_TEXT_MAX }, { c->home_phone, STORE_TEXT_MAX },
		{ c->street, STORE_TEXT_MAX }, { c->city, STORE_TEXT_MAX },
		{ c->state, STORE_TEXT_MAX }, { c->postal_code, STORE_TEXT_MAX },
	};
	memcpy(f, all, sizeof all);
}

static unsigned text_tag(int i)
{
	return i < 4 ? (unsigned)(C_DISPLAY_NAME + i) : (unsigned)(C_TEXT_FIRST + i - 4);
}

/* country comes last among the texts (tag C_TEXT_FIRST + N_TEXT - 4) */
#define C_COUNTRY (C_TEXT_FIRST + N_TEXT - 4)

#define CONTACT_ENC_MAX (1 + 3 + STORE_ID_MAX + 7 + 2 * 11 + 7 + \
	(N_TEXT + 2) * (3 + STORE_ADDR_MAX) + 3 + STORE_NOTES_MAX + 3 + STORE_DATE_MAX + \
	3 + 8 + PHOTO_ETAG_LEN)

static int encode_contact(const struct contact_record *c, unsigned char *buf, size_t cap,
                          size_t *len)
{
	struct store_enc e;
	struct text_field f[N_TEXT];
	text_fields((struct contact_record *)c, f);
	store_enc_init(&e, buf, cap);
	store_enc_str(&e, C_ID, c->id);
	store_enc_u32(&e, C_CHANGE, c->change);
	for (int i = 0; i < N_TEXT; i++)
		store_enc_str(&e, text_tag(i), f[i].p);
	store_enc_str(&e, C_COUNTRY, c->country);
	store_enc_str(&e, C_EMAIL, c->email);
	store_enc_str(&e, C_COMPANY, c->company);
	if (c->created)
		store_enc_i64(&e, C_CREATED, c->created);
	if (c->modified)
		store_enc_i64(&e, C_MODIFIED, c->modified);
	if (c->article)
		store_enc_u32(&e, C_ARTICLE, c->article);
	store_enc_str(&e, C_NOTES, c->notes);
	store_enc_str(&e, C_BIRTHDAY, c->birthday);
	if (c->has_photo)
		store_enc_info(&e, C_PHOTO, -1, &c->photo);
	if (e.overflow) {
		LOGE("store", "contact record does not fit its buffer");
		return EMU_EINTERNAL;
	}
	*len = e.len;
	return EMU_OK;
}

static int decode_contact(const MDB_val *v, const char *key, struct contact_record *c)
{
	struct store_dec d;
	struct text_field f[N_TEXT];
	const unsigned char *p;
	size_t n;
	unsigned tag;
	int r;

	memset(c, 0, sizeof *c);
	text_fields(c, f);
	if (store_dec_init(&d, v->mv_data, v->mv_size, "contacts") != EMU_OK)
		return store_corrupt("contacts", key);
	while ((r = store_dec_next(&d, &tag, &p, &n)) == 1) {
		switch (tag) {
		case C_ID:
			r = store_dec_str(p, n, c->id, STORE_ID_MAX);
			break;
		case C_CHANGE:
			r = store_dec_u32(p, n, &c->change);
			break;
		case C_DISPLAY_NAME: case C_GIVEN_NAME: case C_SURNAME: case C_FILE_AS:
			r = store_dec_str(p, n, f[tag - C_DISPLAY_NAME].p, STORE_TEXT_MAX);
			break;
		case C_EMAIL:
			r = store_dec_str(p, n, c->email, STORE_ADDR_MAX);
			break;
		case C_COMPANY:
			r = store_dec_str(p, n, c->company, STORE_TEXT_MAX);
			break;
		case C_PHOTO:
			r = store_dec_info(p, n, NULL, &c->photo);
			c->has_photo = 1;
			break;
		case C_CREATED:
			r = store_dec_i64(p, n, &c->created);
			break;
		case C_MODIFIED:
			r = store_dec_i64(p, n, &c->modified);
			break;
		case C_ARTICLE:
			r = store_dec_u32(p, n, &c->article);
			if (r == 0 && (c->article == 0 || c->article > STORE_ARTICLE_MAX))
				r = -1;
			break;
		case C_NOTES:
			r = store_dec_str(p, n, c->notes, STORE_NOTES_MAX);
			break;
		case C_BIRTHDAY:
			r = store_dec_str(p, n, c->birthday, STORE_DATE_MAX);
			break;
		case C_COUNTRY:
			r = store_dec_str(p, n, c->country, STORE_TEXT_MAX);
			break;
		default:
			if (tag >= C_TEXT_FIRST && tag < C_COUNTRY) {
				struct text_field *t = &f[tag - C_TEXT_FIRST + 4];
				r = store_dec_str(p, n, t->p, t->max);
			} else {
				r = -1;
			}
		}
		if (r != 0)
			return store_corrupt("contacts", key);
	}
	if (r != 0 || c->id[0] == '\0')
		return store_corrupt("contacts", key);
	return EMU_OK;
}

static int check_fields(const struct contact_record *c)
{
	struct text_field f[N_TEXT];
	text_fields((struct contact_record *)c, f);
	for (int i = 0; i < N_TEXT; i++)
		if (store_field_len(f[i].p, f[i].max) == (size_t)-1)
			return EMU_ELIMIT;
	if (store_field_len(c->company, STORE_TEXT_MAX) == (size_t)-1 ||
	    store_field_len(c->country, STORE_TEXT_MAX) == (size_t)-1 ||
	    store_field_len(c->email, STORE_ADDR_MAX) == (size_t)-1 ||
	    store_field_len(c->notes, STORE_NOTES_MAX) == (size_t)-1 ||
	    store_field_len(c->birthday, STORE_DATE_MAX) == (size_t)-1)
		return EMU_ELIMIT;
	return EMU_OK;
}

static int check_photo(const void *photo, size_t len, int width, int height)
{
	if (photo == NULL)
		return EMU_OK;
	if (len == 0 || width < 1 || width > 0xffff || height < 1 || height > 0xffff)
		return EMU_EINVAL;
	if (len > PHOTO_MAX_UPLOAD_BYTES)
		return EMU_ELIMIT;
	return EMU_OK;
}

/* "primary \0 id" for owner address @p owner and contact @p id. */
static int contact_key(store_txn_t *t, const char *owner, const char *id, char *key, size_t *klen)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen, ilen;
	int ret;
	if (id == NULL || id[0] == '\0')
		return EMU_EINVAL;
	ilen = strnlen(id, STORE_ID_MAX + 1);
	if (ilen > STORE_ID_MAX)
		return EMU_ELIMIT;
	if ((ret = store_resolve(t, owner, primary, &plen)) != EMU_OK)
		return ret;
	*klen = store_compose_key(key, primary, plen, id, ilen);
	return *klen ? EMU_OK : EMU_ELIMIT;
}

/* Log a change of the contact whose key ("primary \0 id") is @p key. */
static int log_key(store_txn_t *t, const char *key, size_t klen, enum store_change_kind kind)
{
	size_t plen = strnlen(key, klen);
	char id[STORE_ID_MAX + 1];
	if (plen >= klen || klen - plen - 1 > STORE_ID_MAX)
		return EMU_EINTERNAL;
	memcpy(id, key + plen + 1, klen - plen - 1);
	id[klen - plen - 1] = '\0';
	return store_change_log(t, key, plen, kind, id);
}

static int load(store_txn_t *t, const char *key, size_t klen, struct contact_record *out)
{
	MDB_val k = { klen, (void *)key }, v;
	int rc = mdb_get(t->txn, t->s->contacts, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts get");
	return decode_contact(&v, key, out);
}

static int save(store_txn_t *t, const char *key, size_t klen, const struct contact_record *c,
                unsigned flags)
{
	unsigned char buf[CONTACT_ENC_MAX];
	MDB_val k = { klen, (void *)key }, v;
	size_t len;
	int ret = encode_contact(c, buf, sizeof buf, &len);
	if (ret != EMU_OK)
		return ret;
	v.mv_data = buf;
	v.mv_size = len;
	return store_mdb_err(mdb_put(t->txn, t->s->contacts, &k, &v, flags), "contacts put");
}

/* Store or (photo NULL) delete the picture and describe it in @p c. */
static int put_photo(store_txn_t *t, const char *key, size_t klen, struct contact_record *c,
                     const void *photo, size_t len, int width, int height)
{
	MDB_val k = { klen, (void *)key }, v = { len, (void *)photo };
	int ret;
	memset(&c->photo, 0, sizeof c->photo);
	c->has_photo = 0;
	if (photo == NULL)
		return store_del_quiet(t, t->s->contact_photo, key, klen, "contact_photo del");
	photo_etag(photo, len, c->photo.etag);   /* the one ETag rule */
	ret = store_mdb_err(mdb_put(t->txn, t->s->contact_photo, &k, &v, 0), "contact_photo put");
	if (ret != EMU_OK)
		return ret;
	c->has_photo = 1;
	c->photo.len = (uint32_t)len;
	c->photo.width = (uint16_t)width;
	c->photo.height = (uint16_t)height;
	return EMU_OK;
}

/* Count the keys that start with @p prefix, stopping at @p limit. */
static int count_prefix(store_txn_t *t, const char *prefix, size_t plen, size_t limit,
                        size_t *out)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { plen, (void *)prefix }, v;
	size_t n = 0;
	int rc = mdb_cursor_open(t->txn, t->s->contacts, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == MDB_SUCCESS && n < limit && k.mv_size >= plen &&
	     memcmp(k.mv_data, prefix, plen) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		n++;
	mdb_cursor_close(cur);
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND)
		return store_mdb_err(rc, "contacts count");
	*out = n;
	return EMU_OK;
}

/* Compose the key of contact @p id of @p primary into @p key (*klen) and
 * look it up: EMU_OK taken, EMU_ENOTFOUND free, EMU_ELIMIT, EMU_ESTORE. */
static int id_taken(store_txn_t *t, char key[STORE_KEY_MAX], size_t *klen, const char *primary, size_t plen,
                    const char *id)
{
	MDB_val k, v;
	*klen = store_compose_key(key, primary, plen, id, STORE_CONTACT_ID_LEN);
	if (*klen == 0)
		return EMU_ELIMIT;
	k.mv_data = key;
	k.mv_size = *klen;
	int rc = mdb_get(t->txn, t->s->contacts, &k, &v);
	if (rc == MDB_SUCCESS)
		return EMU_OK;
	return rc == MDB_NOTFOUND ? EMU_ENOTFOUND : store_mdb_err(rc, "contacts get");
}

/* The next article number of @p primary's mailbox, advancing its counter. */
static int take_article(store_txn_t *t, const char *primary, size_t plen, uint32_t *out)
{
	struct store_folder_state st;
	int ret = store_folder_state_get(t, primary, plen, &st);
	if (ret != EMU_OK)
		return ret;
	if (st.article_next > STORE_ARTICLE_MAX)
		return EMU_ELIMIT;
	*out = st.article_next++;
	return store_folder_state_put(t, primary, plen, &st);
}

int store_articles_number(store_txn_t *t, int64_t now)
{
	char key[STORE_KEY_MAX + 1], cur_primary[STORE_ADDR_MAX + 1] = "";
	unsigned char buf[CONTACT_ENC_MAX];
	struct store_folder_state st = { 1, now, now };
	struct contact_record c;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t len, cur_plen = 0;
	int rc, ret;

	if ((ret = store_need_write(t, "store_articles_number")) != EMU_OK)
		return ret;
	rc = mdb_cursor_open(t->txn, t->s->contacts, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts cursor");
	/* keys are "primary \0 id": one mailbox's contacts are adjacent */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t kn = k.mv_size < STORE_KEY_MAX ? k.mv_size : STORE_KEY_MAX;
		size_t plen = strnlen(k.mv_data, kn);
		memcpy(key, k.mv_data, kn);
		key[kn] = '\0';
		if (plen >= kn || plen > STORE_ADDR_MAX || k.mv_size > STORE_KEY_MAX) {
			ret = store_corrupt("contacts", key);
			goto out;
		}
		if (plen != cur_plen || memcmp(key, cur_primary, plen) != 0) {
			if (cur_plen && (ret = store_folder_state_put(t, cur_primary, cur_plen, &st)) != EMU_OK)
				goto out;
			memcpy(cur_primary, key, plen);
			cur_primary[plen] = '\0';
			cur_plen = plen;
			st.article_next = 1;
		}
		if ((ret = decode_contact(&v, key, &c)) != EMU_OK)
			goto out;
		if (!c.article) {
			c.article = st.article_next;
			if ((ret = encode_contact(&c, buf, sizeof buf, &len)) != EMU_OK)
				goto out;
			v.mv_data = buf;
			v.mv_size = len;
			/* the key from a copy: a put that resizes the record moves
			 * the page memory k points into */
			k.mv_data = key;
			k.mv_size = kn;
			rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
			if ((ret = store_mdb_err(rc, "contacts renumber")) != EMU_OK)
				goto out;
		}
		if (c.article >= st.article_next)
			st.article_next = c.article + 1;
	}
	if (rc != MDB_NOTFOUND) {
		ret = store_mdb_err(rc, "contacts walk");
		goto out;
	}
	ret = cur_plen ? store_folder_state_put(t, cur_primary, cur_plen, &st) : EMU_OK;
out:
	mdb_cursor_close(cur);
	return ret;
}

int store_contact_add(store_txn_t *t, const char *owner, struct contact_record *c,
                      const void *photo, size_t photo_len)
{
	char primary[STORE_ADDR_MAX + 1], key[STORE_KEY_MAX];
	struct contact_record n;
	unsigned char rnd[STORE_CONTACT_ID_LEN / 2];   /* also the caller's id, decoded */
	size_t plen, klen, count = 0;
	int ret;

	if ((ret = store_need_write(t, "store_contact_add")) != EMU_OK ||
	    (ret = check_fields(c)) != EMU_OK ||
	    (ret = check_photo(photo, photo_len, c->photo.width, c->photo.height)) != EMU_OK ||
	    (ret = store_resolve(t, owner, primary, &plen)) != EMU_OK)
		return ret;
	/* a linear count: at most STORE_CONTACTS_MAX short keys, all on a few
	 * adjacent pages */
	if ((ret = count_prefix(t, primary, plen + 1, STORE_CONTACTS_MAX, &count)) != EMU_OK)
		return ret;
	if (count >= STORE_CONTACTS_MAX)
		return EMU_ELIMIT;

	n = *c;
	if (c->id[0]) {
		/* a caller-chosen id (the demo organisation: the same ids in every
		 * demo store, so recorded fixtures replay and verify against any) */
		if (strnlen(c->id, sizeof c->id) != STORE_CONTACT_ID_LEN ||
		    hex_decode(c->id, STORE_CONTACT_ID_LEN, HEX_LOWER, rnd, sizeof rnd, NULL) != EMU_OK)
			return EMU_EINVAL;
		if ((ret = id_taken(t, key, &klen, primary, plen, n.id)) != EMU_ENOTFOUND)
			return ret == EMU_OK ? EMU_EEXIST : ret;
	}
	for (int attempt = 0; !c->id[0]; attempt++) {
		if (RAND_bytes(rnd, sizeof rnd) != 1) {
			LOGE("store", "RAND_bytes failed");
			return EMU_EINTERNAL;
		}
		hex_encode(rnd, sizeof rnd, HEX_LOWER, n.id, STORE_CONTACT_ID_LEN + 1);
		if ((ret = id_taken(t, key, &klen, primary, plen, n.id)) == EMU_ENOTFOUND)
			break;
		if (ret != EMU_OK)
			return ret;
		if (attempt >= 3) {   /* 2^-128 per try: the RNG is broken */
			LOGE("store", "contact id collisions; RNG broken?");
			return EMU_EINTERNAL;
		}
	}
	n.change = 1;
	n.created = n.modified = (int64_t)time(NULL);
	if ((ret = take_article(t, primary, plen, &n.article)) != EMU_OK)
		return ret;
	if ((ret = put_photo(t, key, klen, &n, photo, photo_len, c->photo.width, c->photo.height)) != EMU_OK ||
	    (ret = save(t, key, klen, &n, MDB_NOOVERWRITE)) != EMU_OK ||
	    (ret = store_change_log(t, primary, plen, STORE_CHANGE_CREATE, n.id)) != EMU_OK)
		return ret;
	*c = n;
	return EMU_OK;
}

int store_contact_update(store_txn_t *t, const char *owner, struct contact_record *c)
{
	char key[STORE_KEY_MAX];
	struct contact_record old, n;
	size_t klen;
	int ret;

	if ((ret = store_need_write(t, "store_contact_update")) != EMU_OK ||
	    (ret = check_fields(c)) != EMU_OK ||
	    (ret = contact_key(t, owner, c->id, key, &klen)) != EMU_OK ||
	    (ret = load(t, key, klen, &old)) != EMU_OK)
		return ret;
	n = *c;
	memcpy(n.id, old.id, sizeof n.id);
	n.change = old.change + 1;
	n.created = old.created;
	n.article = old.article;
	n.modified = (int64_t)time(NULL);
	n.has_photo = old.has_photo;
	n.photo = old.photo;
	if ((ret = save(t, key, klen, &n, 0)) != EMU_OK ||
	    (ret = log_key(t, key, klen, STORE_CHANGE_UPDATE)) != EMU_OK)
		return ret;
	*c = n;
	return EMU_OK;
}

int store_contact_set_photo(store_txn_t *t, const char *owner, const char *id,
                            const void *photo, size_t photo_len, int width, int height)
{
	char key[STORE_KEY_MAX];
	struct contact_record c;
	size_t klen;
	int ret;

	if ((ret = store_need_write(t, "store_contact_set_photo")) != EMU_OK ||
	    (ret = check_photo(photo, photo_len, width, height)) != EMU_OK ||
	    (ret = contact_key(t, owner, id, key, &klen)) != EMU_OK ||
	    (ret = load(t, key, klen, &c)) != EMU_OK ||
	    (ret = put_photo(t, key, klen, &c, photo, photo_len, width, height)) != EMU_OK)
		return ret;
	c.change++;
	c.modified = (int64_t)time(NULL);
	if ((ret = save(t, key, klen, &c, 0)) != EMU_OK)
		return ret;
	return log_key(t, key, klen, STORE_CHANGE_UPDATE);
}

int store_contact_get(store_txn_t *t, const char *owner, const char *id, struct contact_record *out)
{
	char key[STORE_KEY_MAX];
	size_t klen;
	int ret = contact_key(t, owner, id, key, &klen);
	if (ret != EMU_OK)
		return ret;
	return load(t, key, klen, out);
}

int store_contact_photo(store_txn_t *t, const char *owner, const char *id,
                        const void **data, size_t *len)
{
	char key[STORE_KEY_MAX];
	size_t klen;
	MDB_val k, v;
	int rc, ret = contact_key(t, owner, id, key, &klen);
	if (ret != EMU_OK)
		return ret;
	k.mv_data = key;
	k.mv_size = klen;
	rc = mdb_get(t->txn, t->s->contact_photo, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contact_photo get");
	*data = v.mv_data;
	*len = v.mv_size;
	return EMU_OK;
}

int store_contact_remove(store_txn_t *t, const char *owner, const char *id)
{
	char key[STORE_KEY_MAX];
	size_t klen;
	MDB_val k;
	int rc, ret;

	if ((ret = store_need_write(t, "store_contact_remove")) != EMU_OK ||
	    (ret = contact_key(t, owner, id, key, &klen)) != EMU_OK)
		return ret;
	k.mv_data = key;
	k.mv_size = klen;
	rc = mdb_del(t->txn, t->s->contacts, &k, NULL);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts del");
	if ((ret = store_del_quiet(t, t->s->contact_photo, key, klen, "contact_photo del")) != EMU_OK)
		return ret;
	return log_key(t, key, klen, STORE_CHANGE_DELETE);
}

int store_contact_foreach(store_txn_t *t, const char *owner,
                          int (*fn)(const struct contact_record *c, void *ctx), void *ctx)
{
	return store_contact_foreach_after(t, owner, NULL, fn, ctx);
}

int store_contact_foreach_after(store_txn_t *t, const char *owner, const char *after,
                                int (*fn)(const struct contact_record *c, void *ctx), void *ctx)
{
	char primary[STORE_ADDR_MAX + 1], key[STORE_KEY_MAX + 1];
	struct contact_record c;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen;
	size_t alen = after ? strnlen(after, STORE_ID_MAX + 1) : 0;
	int rc, ret = store_resolve(t, owner, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	if (alen > STORE_ID_MAX)
		return EMU_ELIMIT;
	rc = mdb_cursor_open(t->txn, t->s->contacts, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts cursor");
	/* "primary \0" (with the NUL separator), or "primary \0 after" */
	k.mv_size = store_compose_key(key, primary, plen, after, alen);
	k.mv_data = key;
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc == MDB_SUCCESS && alen && k.mv_size == plen + 1 + alen &&
	    memcmp(k.mv_data, key, k.mv_size) == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);    /* strictly after */
	for (; rc == MDB_SUCCESS && k.mv_size > plen && memcmp(k.mv_data, primary, plen + 1) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t kn = k.mv_size < STORE_KEY_MAX ? k.mv_size : STORE_KEY_MAX;
		memcpy(key, k.mv_data, kn);
		key[kn] = '\0';      /* logs show the owner part */
		if ((ret = decode_contact(&v, key, &c)) != EMU_OK)
			goto out;
		if ((ret = fn(&c, ctx)) != 0)
			goto out;
	}
	ret = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, "contacts walk");
out:
	mdb_cursor_close(cur);
	return ret;
}
