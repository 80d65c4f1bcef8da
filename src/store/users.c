/* users.c - the directory: user records (users DBI) and the address index
 * (addr DBI: every lower-cased address, primary and proxies -> primary).
 *
 * The two DBIs change together inside one write txn, so the index can never
 * disagree with the records a reader sees.
 */
#include "store/store_int.h"

#include "core/log.h"
#include "core/names.h"
#include "core/password.h"
#include "core/result.h"
#include "ntlm/ntlm.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

/* users record tags (README.md "users") */
enum {
	U_EMAIL = 1, U_DISPLAY_NAME, U_ALIAS, U_GIVEN_NAME, U_SURNAME, U_COMPANY,
	U_TITLE, U_DEPARTMENT, U_OFFICE, U_PHONE, U_PROXY, U_PASSWORD_HASH, U_IS_ADMIN,
	U_NT_HASH   /* schema 7 */
};

/* the largest encoded record: format byte + every field at its maximum */
#define USER_ENC_MAX (1 + 3 + STORE_ADDR_MAX + 9 * (3 + STORE_TEXT_MAX) + \
	STORE_PROXIES_MAX * (3 + STORE_ADDR_MAX) + 3 + STORE_HASH_MAX + 3 + 1 + 3 + STORE_NT_HASH_LEN)

#define NADDR (1 + STORE_PROXIES_MAX)

/* text fields in tag order U_DISPLAY_NAME..U_PHONE */
#define TEXT_FIELDS(u) { (u)->display_name, (u)->alias, (u)->given_name, (u)->surname, \
	(u)->company, (u)->title, (u)->department, (u)->office, (u)->phone }

static int encode_user(const struct user_record *u, unsigned char *buf, size_t cap, size_t *len)
{
	struct store_enc e;
	const char *text[] = TEXT_FIELDS(u);
	store_enc_init(&e, buf, cap);
	store_enc_str(&e, U_EMAIL, u->email);
	for (unsigned i = 0; i < sizeof text / sizeof *text; i++)
		store_enc_str(&e, U_DISPLAY_NAME + i, text[i]);
	for (int i = 0; i < u->nproxies; i++)
		store_enc_str(&e, U_PROXY, u->proxies[i]);
	store_enc_str(&e, U_PASSWORD_HASH, u->password_hash);
	if (u->is_admin)
		store_enc_u8(&e, U_IS_ADMIN, 1);
	if (u->has_nt_hash)
		store_enc_bytes(&e, U_NT_HASH, u->nt_hash, STORE_NT_HASH_LEN);
	if (e.overflow) {
		LOGE("store", "user record for %s does not fit its buffer", u->email);
		return EMU_EINTERNAL;
	}
	*len = e.len;
	return EMU_OK;
}

static int decode_user(const MDB_val *v, const char *key, struct user_record *u)
{
	struct store_dec d;
	const unsigned char *p;
	size_t n;
	unsigned tag, admin;
	int r;
	char *text[] = TEXT_FIELDS(u);

	memset(u, 0, sizeof *u);
	if (store_dec_init(&d, v->mv_data, v->mv_size, "users") != EMU_OK)
		return store_corrupt("users", key);
	while ((r = store_dec_next(&d, &tag, &p, &n)) == 1) {
		switch (tag) {
		case U_EMAIL:
			r = store_dec_str(p, n, u->email, STORE_ADDR_MAX);
			break;
		case U_DISPLAY_NAME: case U_ALIAS: case U_GIVEN_NAME: case U_SURNAME:
		case U_COMPANY: case U_TITLE: case U_DEPARTMENT: case U_OFFICE: case U_PHONE:
			r = store_dec_str(p, n, text[tag - U_DISPLAY_NAME], STORE_TEXT_MAX);
			break;
		case U_PROXY:
			if (u->nproxies >= STORE_PROXIES_MAX)
				return store_corrupt("users", key);
			r = store_dec_str(p, n, u->proxies[u->nproxies++], STORE_ADDR_MAX);
			break;
		case U_PASSWORD_HASH:
			r = store_dec_str(p, n, u->password_hash, STORE_HASH_MAX);
			break;
		case U_IS_ADMIN:
			r = store_dec_u8(p, n, &admin);
			u->is_admin = admin != 0;
			break;
		case U_NT_HASH:
			r = n == STORE_NT_HASH_LEN ? 0 : -1;
			if (r == 0) {
				memcpy(u->nt_hash, p, STORE_NT_HASH_LEN);
				u->has_nt_hash = 1;
			}
			break;
		default:
			r = -1;   /* unknown tag: written by something we do not know */
		}
		if (r != 0)
			return store_corrupt("users", key);
	}
	if (r != 0 || u->email[0] == '\0')
		return store_corrupt("users", key);
	return EMU_OK;
}

/* Check the field limits of @p u (see store_user_put). */
static int check_user(const struct user_record *u)
{
	const char *text[] = TEXT_FIELDS(u);
	size_t n = store_field_len(u->email, STORE_ADDR_MAX);
	if (n == (size_t)-1)
		return EMU_ELIMIT;
	if (n == 0)
		return EMU_EINVAL;
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		if (store_field_len(text[i], STORE_TEXT_MAX) == (size_t)-1)
			return EMU_ELIMIT;
	if (store_field_len(u->password_hash, STORE_HASH_MAX) == (size_t)-1)
		return EMU_ELIMIT;
	if (u->nproxies < 0)
		return EMU_EINVAL;
	if (u->nproxies > STORE_PROXIES_MAX)
		return EMU_ELIMIT;
	for (int i = 0; i < u->nproxies; i++) {
		n = store_field_len(u->proxies[i], STORE_ADDR_MAX);
		if (n == (size_t)-1)
			return EMU_ELIMIT;
		if (n == 0)
			return EMU_EINVAL;
	}
	return EMU_OK;
}

/* Lower-cased addresses of @p u: [0] primary, then the proxies. */
struct addr_set {
	int n;
	size_t len[NADDR];
	char a[NADDR][STORE_ADDR_MAX + 1];
};

static int addr_set_of(const struct user_record *u, struct addr_set *as)
{
	int rc;
	as->n = 0;
	rc = store_addr_key(u->email, as->a[0], &as->len[0]);
	if (rc != EMU_OK)
		return rc;
	as->n = 1;
	for (int i = 0; i < u->nproxies && i < STORE_PROXIES_MAX; i++) {
		rc = store_addr_key(u->proxies[i], as->a[as->n], &as->len[as->n]);
		if (rc != EMU_OK)
			return rc;
		as->n++;
	}
	return EMU_OK;
}

static int addr_set_has(const struct addr_set *as, int upto, const char *a, size_t len)
{
	for (int i = 0; i < upto; i++)
		if (as->len[i] == len && memcmp(as->a[i], a, len) == 0)
			return 1;
	return 0;
}

/* ---- the name index (names DBI: token \0 primary -> display \0 email) ---- */

static void user_tokens(const struct user_record *u, struct names_tokens *t)
{
	struct names_fields f = { u->display_name, u->given_name, u->surname,
	                          { u->alias, u->email, u->office, NULL, NULL, NULL } };
	names_tokenize(&f, t);
}

static size_t name_key(char *key, const char *tok, const char *primary, size_t plen)
{
	size_t tl = strlen(tok);
	memcpy(key, tok, tl);
	key[tl] = '\0';
	memcpy(key + tl + 1, primary, plen);
	return tl + 1 + plen;
}

/* Add (@p add) or remove the index entries of @p u, stored under @p primary. */
static int index_user(store_txn_t *t, const struct user_record *u, const char *primary,
                      size_t plen, int add)
{
	struct names_tokens toks;
	char key[NAMES_TOKEN_MAX + 1 + STORE_ADDR_MAX];
	char val[STORE_TEXT_MAX + 1 + STORE_ADDR_MAX];
	size_t dl = strlen(u->display_name), el = strlen(u->email);
	memcpy(val, u->display_name, dl);
	val[dl] = '\0';
	memcpy(val + dl + 1, u->email, el);
	user_tokens(u, &toks);
	for (int i = 0; i < toks.n; i++) {
		size_t kl = name_key(key, toks.tok[i], primary, plen);
		int ret;
		if (add) {
			MDB_val k = { kl, key }, v = { dl + 1 + el, val };
			ret = store_mdb_err(mdb_put(t->txn, t->s->names, &k, &v, 0), "names put");
		} else {
			ret = store_del_quiet(t, t->s->names, key, kl, "names del");
		}
		if (ret != EMU_OK)
			return ret;
	}
	return EMU_OK;
}

/* Read and decode the record stored under lower-cased @p primary. */
static int get_record(store_txn_t *t, const char *primary, size_t plen, struct user_record *out)
{
	MDB_val k = { plen, (void *)primary }, v;
	int rc = mdb_get(t->txn, t->s->users, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "users get");
	return decode_user(&v, primary, out);
}

int store_user_put(store_txn_t *t, const struct user_record *u)
{
	static const char what[] = "store_user_put";
	struct user_record old;
	struct addr_set now, before;
	unsigned char buf[USER_ENC_MAX];
	size_t len;
	MDB_val k, v;
	int ret, rc, had_old;

	if ((ret = store_need_write(t, what)) != EMU_OK)
		return ret;
	if ((ret = check_user(u)) != EMU_OK)
		return ret;
	if ((ret = addr_set_of(u, &now)) != EMU_OK)
		return ret;
	for (int i = 1; i < now.n; i++)
		if (addr_set_has(&now, i, now.a[i], now.len[i]))
			return EMU_EINVAL;
	if ((ret = encode_user(u, buf, sizeof buf, &len)) != EMU_OK)
		return ret;

	/* all checks before the first write, so a refusal leaves t usable */
	for (int i = 0; i < now.n; i++) {
		k.mv_data = now.a[i];
		k.mv_size = now.len[i];
		rc = mdb_get(t->txn, t->s->addr, &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc != MDB_SUCCESS)
			return store_mdb_err(rc, "addr get");
		if (v.mv_size != now.len[0] || memcmp(v.mv_data, now.a[0], now.len[0]) != 0)
			return EMU_EEXIST;
	}
	ret = get_record(t, now.a[0], now.len[0], &old);
	if (ret != EMU_OK && ret != EMU_ENOTFOUND)
		return ret;
	had_old = ret == EMU_OK;

	if (had_old) {
		if ((ret = index_user(t, &old, now.a[0], now.len[0], 0)) != EMU_OK)
			return ret;
		if ((ret = addr_set_of(&old, &before)) != EMU_OK)
			return ret;
		for (int i = 1; i < before.n; i++) {
			if (addr_set_has(&now, now.n, before.a[i], before.len[i]))
				continue;
			ret = store_del_quiet(t, t->s->addr, before.a[i], before.len[i], "addr del");
			if (ret != EMU_OK)
				return ret;
		}
	}
	for (int i = 0; i < now.n; i++) {
		k.mv_data = now.a[i];
		k.mv_size = now.len[i];
		v.mv_data = now.a[0];
		v.mv_size = now.len[0];
		if ((rc = mdb_put(t->txn, t->s->addr, &k, &v, 0)) != MDB_SUCCESS)
			return store_mdb_err(rc, "addr put");
	}
	if ((ret = index_user(t, u, now.a[0], now.len[0], 1)) != EMU_OK)
		return ret;
	/* a new password (or a new user) ends a lockout: it counted guesses
	 * against a password that is gone */
	if ((!had_old || strcmp(old.password_hash, u->password_hash) != 0) &&
	    (ret = store_lockout_drop(t, now.a[0], now.len[0])) != EMU_OK)
		return ret;
	k.mv_data = now.a[0];
	k.mv_size = now.len[0];
	v.mv_data = buf;
	v.mv_size = len;
	return store_mdb_err(mdb_put(t->txn, t->s->users, &k, &v, 0), "users put");
}

int store_user_get(store_txn_t *t, const char *address, struct user_record *out)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int ret = store_resolve(t, address, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	return get_record(t, primary, plen, out);
}

int store_user_lookup(store_t *s, const char *address, struct user_record *out)
{
	store_txn_t *t = NULL;
	int ret = store_txn_begin(s, 0, &t);
	if (ret == EMU_OK)
		ret = store_user_get(t, address, out);
	store_txn_abort(t);
	return ret;
}

int store_user_foreach(store_txn_t *t, int (*fn)(const struct user_record *u, void *ctx), void *ctx)
{
	struct user_record u;
	char key[STORE_ADDR_MAX + 1];
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int ret = EMU_OK;
	int rc = mdb_cursor_open(t->txn, t->s->users, &c);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "users cursor");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		size_t kn = k.mv_size < STORE_ADDR_MAX ? k.mv_size : STORE_ADDR_MAX;
		memcpy(key, k.mv_data, kn);
		key[kn] = '\0';
		if ((ret = decode_user(&v, key, &u)) != EMU_OK)
			goto out;
		if ((ret = fn(&u, ctx)) != 0)
			goto out;
	}
	ret = rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, "users walk");
out:
	mdb_cursor_close(c);
	return ret;
}

int store_user_count(store_txn_t *t, size_t *out)
{
	MDB_stat st;
	int rc = mdb_stat(t->txn, t->s->users, &st);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "users stat");
	*out = st.ms_entries;
	return EMU_OK;
}

int store_user_delete(store_txn_t *t, const char *address)
{
	struct user_record u;
	struct addr_set as;
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int ret;

	if ((ret = store_need_write(t, "store_user_delete")) != EMU_OK)
		return ret;
	if ((ret = store_resolve(t, address, primary, &plen)) != EMU_OK)
		return ret;
	if ((ret = get_record(t, primary, plen, &u)) != EMU_OK)
		return ret;
	if ((ret = addr_set_of(&u, &as)) != EMU_OK)
		return ret;
	for (int i = 0; i < as.n; i++)
		if ((ret = store_del_quiet(t, t->s->addr, as.a[i], as.len[i], "addr del")) != EMU_OK)
			return ret;
	if ((ret = index_user(t, &u, primary, plen, 0)) != EMU_OK)
		return ret;
	/* "primary\0" prefixes every per-user key of the blob and contact DBIs;
	 * the change log is kept (its sequence goes on if the user comes back) */
	if ((ret = store_change_log_owner_gone(t, primary, plen)) != EMU_OK ||
	    (ret = store_del_quiet(t, t->s->users, primary, plen, "users del")) != EMU_OK ||
	    (ret = store_del_quiet(t, t->s->photo_meta, primary, plen, "photo_meta del")) != EMU_OK ||
	    (ret = store_del_prefix(t, t->s->photo_blob, primary, plen + 1, "photo_blob del")) != EMU_OK ||
	    (ret = store_del_prefix(t, t->s->contacts, primary, plen + 1, "contacts del")) != EMU_OK ||
	    (ret = store_del_prefix(t, t->s->contact_photo, primary, plen + 1, "contact_photo del")) != EMU_OK ||
	    (ret = store_lockout_drop(t, primary, plen)) != EMU_OK)
		return ret;
	return EMU_OK;
}

/* ---- search ----------------------------------------------------------------- */

/* The primaries already reported: a small open-addressing set (the walk
 * stops after max + 1 users, so it never fills up). */
#define SEEN_SLOTS 512

struct seen_set {
	size_t cap;
	const char **slot;      /* points at hits[i].primary */
};

static uint32_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint32_t h = 2166136261u;                 /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 16777619u;
	return h;
}

/* 1 when @p p is in the set; else 0 and *free_slot is where it goes (one hash and
 * probe per user: the caller stores its copy of p there once it has one). */
static int seen_check(const struct seen_set *s, const char *p, size_t len, size_t *free_slot)
{
	size_t i = hash_bytes(p, len) & (s->cap - 1);
	for (; s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (strncmp(s->slot[i], p, len) == 0 && s->slot[i][len] == '\0')
			return 1;
	*free_slot = i;
	return 0;
}

/* Copy display name and email of @p primary from its record (address search). */
static int fill_from_record(store_txn_t *t, struct store_search_hit *h)
{
	struct user_record *u = malloc(sizeof *u);   /* 8 KB: not on a worker's stack */
	int ret;
	if (!u)
		return EMU_ENOMEM;
	ret = get_record(t, h->primary, strlen(h->primary), u);
	if (ret == EMU_OK) {
		memcpy(h->email, u->email, sizeof h->email);
		memcpy(h->display_name, u->display_name, sizeof h->display_name);
	}
	free(u);
	return ret;
}

/* Split a names value "display \0 email" into @p h. */
static int fill_from_value(const MDB_val *v, struct store_search_hit *h)
{
	const char *p = v->mv_data, *sep = memchr(p, '\0', v->mv_size);
	size_t dl, el;
	if (!sep)
		return -1;
	dl = (size_t)(sep - p);
	el = v->mv_size - dl - 1;
	if (dl > STORE_TEXT_MAX || el == 0 || el > STORE_ADDR_MAX)
		return -1;
	memcpy(h->display_name, p, dl);
	h->display_name[dl] = '\0';
	memcpy(h->email, sep + 1, el);
	h->email[el] = '\0';
	return 0;
}

int store_user_search(store_txn_t *t, enum store_search_kind kind, const char *prefix,
                      struct store_search_hit *hits, size_t max, size_t *n, int *more)
{
	char norm[NAMES_TOKEN_MAX + 1];
	const char *slots[SEEN_SLOTS] = { 0 };
	struct seen_set set = { SEEN_SLOTS, slots };
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t nl = names_normalize(prefix, norm, sizeof norm);
	int rc, ret = EMU_OK;

	*n = 0;
	*more = 0;
	if (nl == 0)
		return EMU_OK;
	if (max >= SEEN_SLOTS / 2)
		max = SEEN_SLOTS / 2 - 1;
	rc = mdb_cursor_open(t->txn, kind == STORE_SEARCH_NAMES ? t->s->names : t->s->addr, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "search cursor");
	k.mv_data = norm;
	k.mv_size = nl;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == MDB_SUCCESS && k.mv_size >= nl && memcmp(k.mv_data, norm, nl) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const char *p;
		size_t len;
		if (kind == STORE_SEARCH_NAMES) {   /* token \0 primary */
			const char *sep = memchr(k.mv_data, '\0', k.mv_size);
			if (sep == NULL)
				continue;
			p = sep + 1;
			len = k.mv_size - (size_t)(p - (const char *)k.mv_data);
		} else {                            /* address -> primary */
			p = v.mv_data;
			len = v.mv_size;
		}
		size_t slot;
		if (len == 0 || len > STORE_ADDR_MAX || seen_check(&set, p, len, &slot))
			continue;
		if (*n == max) {
			*more = 1;
			break;
		}
		struct store_search_hit *h = &hits[*n];
		memcpy(h->primary, p, len);
		h->primary[len] = '\0';
		if (kind == STORE_SEARCH_NAMES && fill_from_value(&v, h) != 0) {
			ret = store_corrupt("names", h->primary);
			break;
		}
		set.slot[slot] = h->primary;
		(*n)++;
	}
	mdb_cursor_close(cur);
	if (ret != EMU_OK)
		return ret;
	if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && !*more)
		return store_mdb_err(rc, "search walk");
	if (kind == STORE_SEARCH_ADDRESSES)
		for (size_t i = 0; i < *n; i++)
			if ((ret = fill_from_record(t, &hits[i])) != EMU_OK)
				return ret;
	return EMU_OK;
}

int store_names_rebuild(store_txn_t *t)
{
	struct user_record u;
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int ret = EMU_OK, rc = mdb_drop(t->txn, t->s->names, 0);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "names drop");
	if ((rc = mdb_cursor_open(t->txn, t->s->users, &c)) != MDB_SUCCESS)
		return store_mdb_err(rc, "users cursor");
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
		char key[STORE_ADDR_MAX + 1];
		size_t kn = k.mv_size < STORE_ADDR_MAX ? k.mv_size : STORE_ADDR_MAX;
		memcpy(key, k.mv_data, kn);
		key[kn] = '\0';
		if ((ret = decode_user(&v, key, &u)) != EMU_OK ||
		    (ret = index_user(t, &u, key, kn, 1)) != EMU_OK)
			goto out;
	}
	ret = rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, "users walk");
out:
	mdb_cursor_close(c);
	return ret;
}

int store_user_set_password(struct user_record *u, const char *password)
{
	int rc = password_hash(password, u->password_hash, sizeof u->password_hash);
	if (rc == EMU_OK)
		rc = ntlm_nt_hash(password, u->nt_hash);
	u->has_nt_hash = rc == EMU_OK;
	if (rc != EMU_OK) {
		OPENSSL_cleanse(u->nt_hash, sizeof u->nt_hash);
		u->password_hash[0] = '\0';
	}
	return rc;
}
