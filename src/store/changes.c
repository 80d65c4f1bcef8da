/* changes.c - the per-mailbox change log of contacts (DBI "changes"), the
 * ground truth of SyncFolderItems (spec §6.5: a per-mailbox modseq).
 *
 * Keys: "<primary>\0" -> the head {first, last} (u64be each), and
 * "<primary>\0" + seq (u64be) -> kind (u8) + contact id.  The head sorts
 * right before its entries.  Every entry is written by the same write
 * transaction as the contact change it records (the store_contact_* calls
 * and store_user_delete call store_change_log), so the log and the
 * contacts never disagree.  At most STORE_CHANGES_KEEP entries are kept per
 * mailbox: appending one more drops the oldest and advances `first`, and a
 * sync state older than that is refused by the EWS layer.
 *
 * The folder state (store.h struct store_folder_state) lives in the meta
 * DBI under "folder\0<primary>" -> article_next (u32be) + changed (i64be):
 * store_change_log stamps `changed`, store_contact_add takes article_next.
 */
#include "store/store_int.h"

#include "core/be64.h"
#include "core/log.h"
#include "core/result.h"

#include <string.h>
#include <time.h>

#define SEQ_LEN 8
#define HEAD_LEN 16
#define STATE_LEN 12

static const char K_FOLDER[] = "folder";

static size_t state_key(char *key, const char *primary, size_t plen)
{
	return store_compose_key(key, K_FOLDER, sizeof K_FOLDER - 1, primary, plen);
}

int store_folder_state_get(store_txn_t *t, const char *primary, size_t plen, struct store_folder_state *out)
{
	char key[STORE_KEY_MAX];
	size_t klen = state_key(key, primary, plen);
	MDB_val k = { klen, key }, v;
	const unsigned char *p;
	int rc;
	out->article_next = 1;
	out->changed = out->created = store_created(t->s);
	if (klen == 0)
		return EMU_ELIMIT;
	rc = mdb_get(t->txn, t->s->meta, &k, &v);
	if (rc == MDB_NOTFOUND)
		return EMU_OK;
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "folder state get");
	p = v.mv_data;
	if (v.mv_size != STATE_LEN)
		return store_corrupt("folder state", primary);
	out->article_next = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	out->changed = (int64_t)be64_get(p + 4);
	if (out->article_next == 0 || out->article_next > STORE_ARTICLE_MAX + 1u)
		return store_corrupt("folder state", primary);
	return EMU_OK;
}

int store_folder_state_put(store_txn_t *t, const char *primary, size_t plen, const struct store_folder_state *st)
{
	char key[STORE_KEY_MAX];
	unsigned char b[STATE_LEN];
	size_t klen = state_key(key, primary, plen);
	MDB_val k = { klen, key }, v = { sizeof b, b };
	if (klen == 0)
		return EMU_ELIMIT;
	b[0] = (unsigned char)(st->article_next >> 24);
	b[1] = (unsigned char)(st->article_next >> 16);
	b[2] = (unsigned char)(st->article_next >> 8);
	b[3] = (unsigned char)st->article_next;
	be64_put(b + 4, (uint64_t)st->changed);
	return store_mdb_err(mdb_put(t->txn, t->s->meta, &k, &v, 0), "folder state put");
}

int store_contacts_state(store_txn_t *t, const char *owner, struct store_folder_state *out)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int ret = store_resolve(t, owner, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	return store_folder_state_get(t, primary, plen, out);
}

/* Stamp the folder state of @p primary with the time of a change (never
 * backwards: a clock step back keeps the last stamp). */
static int stamp_changed(store_txn_t *t, const char *primary, size_t plen)
{
	struct store_folder_state st;
	int64_t now = (int64_t)time(NULL);
	int ret = store_folder_state_get(t, primary, plen, &st);
	if (ret != EMU_OK)
		return ret;
	if (now > st.changed)
		st.changed = now;
	return store_folder_state_put(t, primary, plen, &st);
}

/* Read the head of lower-cased @p primary: an absent head (a mailbox that
 * never changed since schema 5, or a store upgraded from before) is
 * first = 1, last = 0. */
static int read_head(store_txn_t *t, const char *primary, size_t plen, uint64_t *first, uint64_t *last)
{
	char key[STORE_KEY_MAX];
	size_t klen = store_compose_key(key, primary, plen, NULL, 0);
	MDB_val k = { klen, key }, v;
	int rc;
	*first = 1;
	*last = 0;
	if (klen == 0)
		return EMU_ELIMIT;
	rc = mdb_get(t->txn, t->s->changes, &k, &v);
	if (rc == MDB_NOTFOUND)
		return EMU_OK;
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "changes head get");
	if (v.mv_size != HEAD_LEN)
		return store_corrupt("changes head", primary);
	*first = be64_get(v.mv_data);
	*last = be64_get((const unsigned char *)v.mv_data + 8);
	if (*first == 0 || *first > *last + 1)
		return store_corrupt("changes head", primary);
	return EMU_OK;
}

static size_t entry_key(char *key, const char *primary, size_t plen, uint64_t seq)
{
	unsigned char s[SEQ_LEN];
	be64_put(s, seq);
	return store_compose_key(key, primary, plen, s, sizeof s);
}

int store_change_log(store_txn_t *t, const char *primary, size_t plen, enum store_change_kind kind,
                     const char *id)
{
	char key[STORE_KEY_MAX];
	unsigned char head[HEAD_LEN], val[1 + STORE_ID_MAX];
	size_t ilen = strnlen(id, STORE_ID_MAX + 1), klen;
	uint64_t first, last;
	MDB_val k, v;
	int ret;

	if (ilen == 0 || ilen > STORE_ID_MAX || kind < STORE_CHANGE_CREATE || kind > STORE_CHANGE_DELETE)
		return EMU_EINVAL;
	if ((ret = read_head(t, primary, plen, &first, &last)) != EMU_OK)
		return ret;
	last++;
	/* the entry */
	if ((klen = entry_key(key, primary, plen, last)) == 0)
		return EMU_ELIMIT;
	val[0] = (unsigned char)kind;
	memcpy(val + 1, id, ilen);
	k.mv_data = key;
	k.mv_size = klen;
	v.mv_data = val;
	v.mv_size = 1 + ilen;
	if ((ret = store_mdb_err(mdb_put(t->txn, t->s->changes, &k, &v, 0), "changes put")) != EMU_OK)
		return ret;
	/* retention: drop the oldest beyond STORE_CHANGES_KEEP */
	while (last - first + 1 > STORE_CHANGES_KEEP) {
		klen = entry_key(key, primary, plen, first);
		if ((ret = store_del_quiet(t, t->s->changes, key, klen, "changes trim")) != EMU_OK)
			return ret;
		first++;
	}
	be64_put(head, first);
	be64_put(head + 8, last);
	klen = store_compose_key(key, primary, plen, NULL, 0);
	k.mv_data = key;
	k.mv_size = klen;
	v.mv_data = head;
	v.mv_size = sizeof head;
	if ((ret = store_mdb_err(mdb_put(t->txn, t->s->changes, &k, &v, 0), "changes head put")) != EMU_OK)
		return ret;
	return stamp_changed(t, primary, plen);
}

int store_changes_range(store_txn_t *t, const char *owner, uint64_t *first, uint64_t *last)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int ret = store_resolve(t, owner, primary, &plen);
	if (ret != EMU_OK)
		return ret;
	return read_head(t, primary, plen, first, last);
}

int store_changes_foreach(store_txn_t *t, const char *owner, uint64_t after, uint64_t upto,
                          int (*fn)(const struct store_change *c, void *ctx), void *ctx)
{
	char primary[STORE_ADDR_MAX + 1], key[STORE_KEY_MAX];
	struct store_change c;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	size_t plen, klen;
	int rc, ret = store_resolve(t, owner, primary, &plen);

	if (ret != EMU_OK)
		return ret;
	if (after >= upto)
		return EMU_OK;
	if ((klen = entry_key(key, primary, plen, after + 1)) == 0)
		return EMU_ELIMIT;
	rc = mdb_cursor_open(t->txn, t->s->changes, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "changes cursor");
	k.mv_data = key;
	k.mv_size = klen;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == MDB_SUCCESS && k.mv_size == plen + 1 + SEQ_LEN &&
	     memcmp(k.mv_data, primary, plen + 1) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		c.seq = be64_get((const unsigned char *)k.mv_data + plen + 1);
		if (c.seq > upto)
			break;
		if (v.mv_size < 2 || v.mv_size > 1 + STORE_ID_MAX ||
		    ((const unsigned char *)v.mv_data)[0] < STORE_CHANGE_CREATE ||
		    ((const unsigned char *)v.mv_data)[0] > STORE_CHANGE_DELETE) {
			ret = store_corrupt("changes", primary);
			goto out;
		}
		c.kind = (enum store_change_kind)((const unsigned char *)v.mv_data)[0];
		memcpy(c.id, (const char *)v.mv_data + 1, v.mv_size - 1);
		c.id[v.mv_size - 1] = '\0';
		if ((ret = fn(&c, ctx)) != 0)
			goto out;
	}
	ret = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, "changes walk");
out:
	mdb_cursor_close(cur);
	return ret;
}

int store_change_log_owner_gone(store_txn_t *t, const char *primary, size_t plen)
{
	MDB_cursor *cur = NULL;
	MDB_val k = { plen + 1, (void *)primary }, v;
	char id[STORE_ID_MAX + 1];
	int rc, ret = EMU_OK;

	/* primary is NUL-terminated, so primary[plen] is the separator */
	rc = mdb_cursor_open(t->txn, t->s->contacts, &cur);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "contacts cursor");
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	     rc == MDB_SUCCESS && k.mv_size > plen + 1 && memcmp(k.mv_data, primary, plen + 1) == 0;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		size_t n = k.mv_size - plen - 1;
		if (n > STORE_ID_MAX) {
			ret = store_corrupt("contacts", primary);
			goto out;
		}
		memcpy(id, (const char *)k.mv_data + plen + 1, n);
		id[n] = '\0';
		if ((ret = store_change_log(t, primary, plen, STORE_CHANGE_DELETE, id)) != EMU_OK)
			goto out;
	}
	ret = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, "contacts walk");
out:
	mdb_cursor_close(cur);
	return ret;
}
