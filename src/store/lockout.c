/* lockout.c - account lockout records (lockout DBI: primary -> record).
 *
 * The server (http/auth.c) decides when an account locks; the record lives
 * here so that other processes on the same store (`ewsemu diag`, `ewsemu
 * unlock`, import) see and clear it while the server runs.
 */
#include "store/store_int.h"

#include "core/result.h"

#include <string.h>

/* lockout record tags (README.md "lockout") */
enum { L_LOCKED_AT = 1, L_LOCKED_UNTIL, L_BAD_COUNT };

/* format byte + three fixed-width fields */
#define LOCKOUT_ENC_MAX (1 + 2 * (3 + 8) + (3 + 4))

static int decode_lockout(const MDB_val *v, const char *key, struct store_lockout *l)
{
	struct store_dec d;
	const unsigned char *p;
	size_t n;
	unsigned tag;
	int res;

	memset(l, 0, sizeof *l);
	if (store_dec_init(&d, v->mv_data, v->mv_size, "lockout") != EMU_OK)
		return store_corrupt("lockout", key);
	while ((res = store_dec_next(&d, &tag, &p, &n)) == 1) {
		switch (tag) {
		case L_LOCKED_AT: res = store_dec_i64(p, n, &l->locked_at); break;
		case L_LOCKED_UNTIL: res = store_dec_i64(p, n, &l->locked_until); break;
		case L_BAD_COUNT: res = store_dec_u32(p, n, &l->bad_count); break;
		default: res = -1;
		}
		if (res != 0)
			return store_corrupt("lockout", key);
	}
	return res == 0 ? EMU_OK : store_corrupt("lockout", key);
}

int store_lockout_get(store_txn_t *t, const char *address, struct store_lockout *out)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	MDB_val k, v;
	int rc = store_resolve(t, address, primary, &plen);
	if (rc != EMU_OK)
		return rc;
	k.mv_data = primary;
	k.mv_size = plen;
	rc = mdb_get(t->txn, t->s->lockout, &k, &v);
	if (rc == MDB_NOTFOUND) {
		memset(out, 0, sizeof *out);
		return EMU_OK;
	}
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "lockout get");
	return decode_lockout(&v, primary, out);
}

int store_lockout_set(store_txn_t *t, const char *address, const struct store_lockout *l)
{
	char primary[STORE_ADDR_MAX + 1];
	unsigned char buf[LOCKOUT_ENC_MAX];
	struct store_enc e;
	size_t plen;
	MDB_val k, v;
	int rc = store_need_write(t, "store_lockout_set");
	if (rc != EMU_OK)
		return rc;
	if (l == NULL || l->locked_at <= 0 || l->locked_until < l->locked_at)
		return EMU_EINVAL;
	if ((rc = store_resolve(t, address, primary, &plen)) != EMU_OK)
		return rc;
	store_enc_init(&e, buf, sizeof buf);
	store_enc_i64(&e, L_LOCKED_AT, l->locked_at);
	store_enc_i64(&e, L_LOCKED_UNTIL, l->locked_until);
	store_enc_u32(&e, L_BAD_COUNT, l->bad_count);
	if (e.overflow)
		return EMU_EINTERNAL;
	k.mv_data = primary;
	k.mv_size = plen;
	v.mv_data = buf;
	v.mv_size = e.len;
	return store_mdb_err(mdb_put(t->txn, t->s->lockout, &k, &v, 0), "lockout put");
}

int store_lockout_clear(store_txn_t *t, const char *address)
{
	char primary[STORE_ADDR_MAX + 1];
	size_t plen;
	int rc = store_need_write(t, "store_lockout_clear");
	if (rc != EMU_OK)
		return rc;
	if ((rc = store_resolve(t, address, primary, &plen)) != EMU_OK)
		return rc;
	return store_lockout_drop(t, primary, plen);
}

int store_lockout_drop(store_txn_t *t, const char *primary, size_t plen)
{
	return store_del_quiet(t, t->s->lockout, primary, plen, "lockout del");
}
