/* store.c - the LMDB environment: open/close, schema check, transactions,
 * reader check, statistics, backup, and helpers shared by the other store
 * files (error translation, address keys, content ETags).
 */
#include "store/store_int.h"

#include "core/be64.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/result.h"

#include <errno.h>
#include <openssl/rand.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define DATA_FILE "ewsemu.mdb"
/* ten DBIs today; headroom so a later schema can add some without every
 * old environment needing a reopen with a bigger table */
#define MAXDBS 16

static const char K_SCHEMA[] = "schema_version";
static const char K_DOMAIN[] = "domain";
static const char K_SECRET[] = "secret";
static const char K_CREATED[] = "created";

/* Stores open in this process, to refuse opening one file twice. */
static pthread_mutex_t g_open_lock = PTHREAD_MUTEX_INITIALIZER;
static store_t *g_open;
static uint64_t g_serial;       /* the last store_serial() given (under g_open_lock) */

/* ---- shared helpers ------------------------------------------------------- */

int store_mdb_err(int rc, const char *what)
{
	switch (rc) {
	case MDB_SUCCESS:
		return EMU_OK;
	case MDB_NOTFOUND:
		return EMU_ENOTFOUND;
	case MDB_MAP_FULL:
	case MDB_TXN_FULL:
		LOGE("store", "%s: %s (raise the map size)", what, mdb_strerror(rc));
		return EMU_ELIMIT;
	case ENOMEM:
		LOGE("store", "%s: %s", what, mdb_strerror(rc));
		return EMU_ENOMEM;
	default:
		LOGE("store", "%s: %s", what, mdb_strerror(rc));
		return EMU_ESTORE;
	}
}

int store_need_write(store_txn_t *t, const char *what)
{
	if (t != NULL && t->write)
		return EMU_OK;
	LOGE("store", "%s: needs a write transaction", what);
	return EMU_EINVAL;
}

int store_addr_key(const char *addr, char *out, size_t *len)
{
	size_t n;
	if (addr == NULL || addr[0] == '\0')
		return EMU_EINVAL;
	n = strnlen(addr, STORE_ADDR_MAX + 1);
	if (n > STORE_ADDR_MAX)
		return EMU_ELIMIT;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)addr[i];
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
	}
	out[n] = '\0';
	*len = n;
	return EMU_OK;
}

int store_resolve(store_txn_t *t, const char *addr, char *primary, size_t *plen)
{
	char key[STORE_ADDR_MAX + 1];
	size_t klen;
	MDB_val k, v;
	int rc = store_addr_key(addr, key, &klen);
	if (rc != EMU_OK)
		return rc;
	k.mv_data = key;
	k.mv_size = klen;
	rc = mdb_get(t->txn, t->s->addr, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "addr get");
	if (v.mv_size == 0 || v.mv_size > STORE_ADDR_MAX)
		return store_corrupt("addr", key);
	memcpy(primary, v.mv_data, v.mv_size);
	primary[v.mv_size] = '\0';
	*plen = v.mv_size;
	return EMU_OK;
}

size_t store_compose_key(char *key, const char *primary, size_t plen,
                         const void *suffix, size_t slen)
{
	if (plen + 1 + slen > STORE_KEY_MAX)
		return 0;
	memcpy(key, primary, plen);
	key[plen] = '\0';
	if (slen > 0)
		memcpy(key + plen + 1, suffix, slen);
	return plen + 1 + slen;
}

size_t store_field_len(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);
	return n > max ? (size_t)-1 : n;
}

int store_del_quiet(store_txn_t *t, MDB_dbi dbi, const void *key, size_t klen, const char *what)
{
	MDB_val k = { klen, (void *)key };
	int rc = mdb_del(t->txn, dbi, &k, NULL);
	if (rc == MDB_NOTFOUND)
		return EMU_OK;
	return store_mdb_err(rc, what);
}

int store_del_prefix(store_txn_t *t, MDB_dbi dbi, const void *prefix, size_t plen,
                     const char *what)
{
	MDB_cursor *c = NULL;
	MDB_val k, v;
	int ret;
	int rc = mdb_cursor_open(t->txn, dbi, &c);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, what);
	for (;;) {
		/* seek again after each delete: where a deleted cursor points is
		 * not reliable at the end of the tree (MDB_GET_CURRENT -> EINVAL) */
		k.mv_data = (void *)prefix;
		k.mv_size = plen;
		rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
		if (rc != MDB_SUCCESS || k.mv_size < plen || memcmp(k.mv_data, prefix, plen) != 0)
			break;
		if ((rc = mdb_cursor_del(c, 0)) != MDB_SUCCESS)
			break;
	}
	ret = rc == MDB_SUCCESS || rc == MDB_NOTFOUND ? EMU_OK : store_mdb_err(rc, what);
	mdb_cursor_close(c);
	return ret;
}

int store_corrupt(const char *what, const char *key)
{
	LOGE("store", "%s: corrupt record for key \"%s\"", what, key);
	return EMU_ESTORE;
}

/* ---- open / close --------------------------------------------------------- */

static int open_dbi(MDB_txn *txn, const char *name, MDB_dbi *out)
{
	int rc = mdb_dbi_open(txn, name, MDB_CREATE, out);
	if (rc != MDB_SUCCESS) {
		LOGE("store", "open DBI %s: %s", name, mdb_strerror(rc));
		return rc == MDB_MAP_FULL ? EMU_ELIMIT : EMU_ESTORE;
	}
	return EMU_OK;
}

/* Does any data DBI hold entries?  (A store without a schema key must be
 * empty, else it was not written by us.) */
static int has_data(store_t *s, MDB_txn *txn, int *out)
{
	const MDB_dbi dbis[] = { s->users, s->addr, s->names, s->photo_meta, s->photo_blob,
	                         s->contacts, s->contact_photo };
	*out = 0;
	for (size_t i = 0; i < sizeof dbis / sizeof *dbis; i++) {
		MDB_stat st;
		int rc = mdb_stat(txn, dbis[i], &st);
		if (rc != MDB_SUCCESS)
			return store_mdb_err(rc, "mdb_stat");
		if (st.ms_entries > 0)
			*out = 1;
	}
	return EMU_OK;
}

static int write_version(store_t *s, MDB_txn *txn)
{
	unsigned char ver[4];
	MDB_val k = { sizeof K_SCHEMA - 1, (void *)K_SCHEMA }, v = { sizeof ver, ver };
	ver[0] = (unsigned char)(STORE_SCHEMA_VERSION >> 24);
	ver[1] = (unsigned char)(STORE_SCHEMA_VERSION >> 16);
	ver[2] = (unsigned char)(STORE_SCHEMA_VERSION >> 8);
	ver[3] = (unsigned char)STORE_SCHEMA_VERSION;
	return store_mdb_err(mdb_put(txn, s->meta, &k, &v, 0), "write schema version");
}

/* Read the store secret into s->secret, making it first (a new store, or
 * one upgraded from schema 4 or older). */
static int load_secret(store_t *s, MDB_txn *txn, const char *file)
{
	MDB_val k = { sizeof K_SECRET - 1, (void *)K_SECRET }, v;
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_SUCCESS) {
		if (v.mv_size != STORE_SECRET_LEN) {
			LOGE("store", "%s: secret has %zu bytes, expected %d", file, v.mv_size, STORE_SECRET_LEN);
			return EMU_EFORMAT;
		}
		memcpy(s->secret, v.mv_data, STORE_SECRET_LEN);
		return EMU_OK;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_err(rc, "read secret");
	if (RAND_bytes(s->secret, STORE_SECRET_LEN) != 1) {
		LOGE("store", "RAND_bytes failed");
		return EMU_EINTERNAL;
	}
	v.mv_data = s->secret;
	v.mv_size = STORE_SECRET_LEN;
	return store_mdb_err(mdb_put(txn, s->meta, &k, &v, 0), "write secret");
}

/* Read the store's creation time into s->created, recording @p now first (a
 * new store, or one upgraded from schema 5 or older). */
static int load_created(store_t *s, MDB_txn *txn, const char *file, int64_t now)
{
	MDB_val k = { sizeof K_CREATED - 1, (void *)K_CREATED }, v;
	unsigned char b[8];
	int rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_SUCCESS) {
		if (v.mv_size != sizeof b) {
			LOGE("store", "%s: created has %zu bytes, expected 8", file, v.mv_size);
			return EMU_EFORMAT;
		}
		s->created = (int64_t)be64_get(v.mv_data);
		return EMU_OK;
	}
	if (rc != MDB_NOTFOUND)
		return store_mdb_err(rc, "read created");
	s->created = now;
	be64_put(b, (uint64_t)now);
	v.mv_data = b;
	v.mv_size = sizeof b;
	return store_mdb_err(mdb_put(txn, s->meta, &k, &v, 0), "write created");
}

int64_t store_created(store_t *s)
{
	return s->created;
}

const unsigned char *store_secret(store_t *s)
{
	return s->secret;
}

/* Open every DBI and check or write the schema version, in one write txn. */
static int open_schema(store_t *s, const char *file)
{
	MDB_txn *txn = NULL;
	MDB_val k, v;
	int64_t now = (int64_t)time(NULL);
	int ret, rc = mdb_txn_begin(s->env, NULL, 0, &txn);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "begin schema txn");
	if ((ret = open_dbi(txn, "meta", &s->meta)) != EMU_OK ||
	    (ret = open_dbi(txn, "users", &s->users)) != EMU_OK ||
	    (ret = open_dbi(txn, "addr", &s->addr)) != EMU_OK ||
	    (ret = open_dbi(txn, "names", &s->names)) != EMU_OK ||
	    (ret = open_dbi(txn, "photo_meta", &s->photo_meta)) != EMU_OK ||
	    (ret = open_dbi(txn, "photo_blob", &s->photo_blob)) != EMU_OK ||
	    (ret = open_dbi(txn, "contacts", &s->contacts)) != EMU_OK ||
	    (ret = open_dbi(txn, "contact_photo", &s->contact_photo)) != EMU_OK ||
	    (ret = open_dbi(txn, "lockout", &s->lockout)) != EMU_OK ||
	    (ret = open_dbi(txn, "changes", &s->changes)) != EMU_OK)
		goto out;

	k.mv_data = (void *)K_SCHEMA;
	k.mv_size = sizeof K_SCHEMA - 1;
	rc = mdb_get(txn, s->meta, &k, &v);
	if (rc == MDB_SUCCESS) {
		uint32_t have;
		if (v.mv_size != 4) {
			LOGE("store", "%s: schema_version has %zu bytes, expected 4", file, v.mv_size);
			ret = EMU_EFORMAT;
			goto out;
		}
		const unsigned char *p = v.mv_data;
		have = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		if (have < STORE_SCHEMA_OLDEST || have > STORE_SCHEMA_VERSION) {
			LOGE("store", "%s: schema version %u is not supported (this build reads "
			     "versions %u to %u); refusing to open", file, (unsigned)have,
			     (unsigned)STORE_SCHEMA_OLDEST, (unsigned)STORE_SCHEMA_VERSION);
			ret = EMU_EFORMAT;
			goto out;
		}
		if (have < STORE_SCHEMA_VERSION) {
			/* 1 -> 2 -> 3: (re)build the name index; contact records
			 * only gained optional fields; 3 -> 4: photo records may
			 * gain rendition 9, nothing to convert; 4 -> 5: the
			 * changes DBI (opened above) starts empty and the secret
			 * is made below; 5 -> 6: article numbers and folder
			 * states (the creation time is recorded first: the
			 * states of mailboxes without contacts read it) */
			struct store_txn up = { s, txn, 1 };
			LOGI("store", "%s: upgrading schema %u to %u", file, (unsigned)have,
			     (unsigned)STORE_SCHEMA_VERSION);
			if (have < STORE_SCHEMA_NAMES_CURRENT && (ret = store_names_rebuild(&up)) != EMU_OK)
				goto out;
			if ((ret = load_created(s, txn, file, now)) != EMU_OK ||
			    (have < 6 && (ret = store_articles_number(&up, now)) != EMU_OK))
				goto out;
			if ((ret = write_version(s, txn)) != EMU_OK)
				goto out;
		}
	} else if (rc == MDB_NOTFOUND) {
		int data;
		if ((ret = has_data(s, txn, &data)) != EMU_OK)
			goto out;
		if (data) {
			LOGE("store", "%s: holds data but no schema version; refusing to open", file);
			ret = EMU_EFORMAT;
			goto out;
		}
		if ((ret = write_version(s, txn)) != EMU_OK)
			goto out;
	} else {
		ret = store_mdb_err(rc, "read schema version");
		goto out;
	}
	if ((ret = load_secret(s, txn, file)) != EMU_OK ||
	    (ret = load_created(s, txn, file, now)) != EMU_OK)
		goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	ret = store_mdb_err(rc, "commit schema txn");
out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return ret;
}

int store_open(const char *dir, size_t mapsize, store_t **out)
{
	char file[PATH_MAX];
	struct stat st;
	store_t *s = NULL;
	int locked = 0, ret, rc, n;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0')
		return EMU_EINVAL;
	n = snprintf(file, sizeof file, "%s/%s", dir, DATA_FILE);
	if (n < 0 || (size_t)n >= sizeof file)
		return EMU_EINVAL;
	if ((ret = fs_make_dirs(dir, 0700, "store")) != EMU_OK)
		return ret;
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return EMU_ENOMEM;

	if (pthread_mutex_lock(&g_open_lock) != 0) {
		ret = EMU_EINTERNAL;
		goto out;
	}
	locked = 1;
	if (stat(file, &st) == 0) {
		for (store_t *o = g_open; o != NULL; o = o->next) {
			if (o->dev == st.st_dev && o->ino == st.st_ino) {
				LOGE("store", "%s is already open in this process", file);
				ret = EMU_EEXIST;
				goto out;
			}
		}
	}

	if ((rc = mdb_env_create(&s->env)) != MDB_SUCCESS) {
		ret = store_mdb_err(rc, "mdb_env_create");
		goto out;
	}
	if ((rc = mdb_env_set_maxdbs(s->env, MAXDBS)) != MDB_SUCCESS ||
	    (rc = mdb_env_set_mapsize(s->env, mapsize ? mapsize : STORE_MAPSIZE_DEFAULT)) != MDB_SUCCESS ||
	    (rc = mdb_env_set_maxreaders(s->env, STORE_MAXREADERS)) != MDB_SUCCESS) {
		ret = store_mdb_err(rc, "environment setup");
		goto out;
	}
	/* default flags (no NOSYNC/WRITEMAP): every commit is durable */
	rc = mdb_env_open(s->env, file, MDB_NOSUBDIR | MDB_NOTLS, 0600);
	if (rc != MDB_SUCCESS) {
		LOGE("store", "open %s: %s", file, mdb_strerror(rc));
		ret = rc == ENOMEM ? EMU_ENOMEM : EMU_ESTORE;
		goto out;
	}
	if (stat(file, &st) != 0) {
		LOGE("store", "stat %s: %s", file, strerror(errno));
		ret = EMU_EIO;
		goto out;
	}
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	store_reader_check(s);
	if ((ret = open_schema(s, file)) != EMU_OK)
		goto out;
	s->next = g_open;
	g_open = s;
	s->serial = ++g_serial;   /* under g_open_lock */
	*out = s;
	s = NULL;
	ret = EMU_OK;
out:
	if (locked)
		pthread_mutex_unlock(&g_open_lock);
	if (s != NULL) {
		if (s->env != NULL)
			mdb_env_close(s->env);
		free(s);
	}
	return ret;
}

void store_close(store_t *s)
{
	if (s == NULL)
		return;
	if (pthread_mutex_lock(&g_open_lock) == 0) {
		for (store_t **pp = &g_open; *pp != NULL; pp = &(*pp)->next) {
			if (*pp == s) {
				*pp = s->next;
				break;
			}
		}
		pthread_mutex_unlock(&g_open_lock);
	}
	mdb_env_close(s->env);
	free(s);
}

/* ---- transactions --------------------------------------------------------- */

int store_txn_begin(store_t *s, int write, store_txn_t **out)
{
	store_txn_t *t;
	int rc;
	*out = NULL;
	t = calloc(1, sizeof *t);
	if (t == NULL)
		return EMU_ENOMEM;
	rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &t->txn);
	if (rc != MDB_SUCCESS) {
		free(t);
		return store_mdb_err(rc, write ? "begin write txn" : "begin read txn");
	}
	t->s = s;
	t->write = write ? 1 : 0;
	*out = t;
	return EMU_OK;
}

int store_txn_commit(store_txn_t *t)
{
	int rc;
	if (t == NULL)
		return EMU_EINVAL;
	rc = mdb_txn_commit(t->txn);
	free(t);
	return store_mdb_err(rc, "commit");
}

void store_txn_abort(store_txn_t *t)
{
	if (t == NULL)
		return;
	mdb_txn_abort(t->txn);
	free(t);
}

void store_txn_reset(store_txn_t *t)
{
	if (t != NULL && !t->write)
		mdb_txn_reset(t->txn);
}

int store_txn_renew(store_txn_t *t)
{
	if (t == NULL || t->write)
		return EMU_EINVAL;
	return store_mdb_err(mdb_txn_renew(t->txn), "renew read txn");
}

/* ---- tenant settings ------------------------------------------------------ */

int store_domain_set(store_txn_t *t, const char *domain)
{
	MDB_val k = { sizeof K_DOMAIN - 1, (void *)K_DOMAIN }, v;
	size_t n;
	int ret = store_need_write(t, "store_domain_set");
	if (ret != EMU_OK)
		return ret;
	if (domain == NULL || domain[0] == '\0')
		return EMU_EINVAL;
	n = strnlen(domain, STORE_ADDR_MAX + 1);
	if (n > STORE_ADDR_MAX)
		return EMU_ELIMIT;
	v.mv_data = (void *)domain;
	v.mv_size = n;
	return store_mdb_err(mdb_put(t->txn, t->s->meta, &k, &v, 0), "put domain");
}

int store_domain_get(store_txn_t *t, char *out, size_t outsz)
{
	MDB_val k = { sizeof K_DOMAIN - 1, (void *)K_DOMAIN }, v;
	int rc = mdb_get(t->txn, t->s->meta, &k, &v);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "get domain");
	if (v.mv_size >= outsz)
		return EMU_ELIMIT;
	memcpy(out, v.mv_data, v.mv_size);
	out[v.mv_size] = '\0';
	return EMU_OK;
}

/* ---- maintenance ---------------------------------------------------------- */

void store_reader_check(store_t *s)
{
	int dead = 0;
	int rc = mdb_reader_check(s->env, &dead);
	if (rc != MDB_SUCCESS)
		LOGE("store", "mdb_reader_check: %s", mdb_strerror(rc));
	else if (dead > 0)
		LOGW("store", "cleared %d stale reader slot(s)", dead);
}

int store_stat(store_t *s, struct store_stat *out)
{
	MDB_envinfo info;
	MDB_stat est;
	MDB_txn *txn = NULL;
	struct { MDB_dbi dbi; size_t *dst; } dbis[] = {
		{ s->users, &out->users }, { s->addr, &out->addresses }, { s->names, &out->names },
		{ s->photo_meta, &out->photo_records }, { s->photo_blob, &out->photo_blobs },
		{ s->contacts, &out->contacts }, { s->contact_photo, &out->contact_photos },
		{ s->lockout, &out->lockouts },
	};
	int ret, rc;
	memset(out, 0, sizeof *out);
	if ((rc = mdb_env_info(s->env, &info)) != MDB_SUCCESS ||
	    (rc = mdb_env_stat(s->env, &est)) != MDB_SUCCESS)
		return store_mdb_err(rc, "env info");
	out->last_txnid = (uint64_t)info.me_last_txnid;
	out->mapsize = info.me_mapsize;
	out->used_bytes = ((size_t)info.me_last_pgno + 1) * est.ms_psize;
	out->maxreaders = info.me_maxreaders;
	out->numreaders = info.me_numreaders;
	rc = mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn);
	if (rc != MDB_SUCCESS)
		return store_mdb_err(rc, "begin stat txn");
	for (size_t i = 0; i < sizeof dbis / sizeof *dbis; i++) {
		MDB_stat st;
		rc = mdb_stat(txn, dbis[i].dbi, &st);
		if (rc != MDB_SUCCESS) {
			ret = store_mdb_err(rc, "mdb_stat");
			goto out;
		}
		*dbis[i].dst = st.ms_entries;
	}
	ret = EMU_OK;
out:
	mdb_txn_abort(txn);
	return ret;
}

uint64_t store_last_txnid(store_t *s)
{
	MDB_envinfo info;
	/* reads the newer meta page of the shared map: no lock, no txn, and
	 * commits of other processes are seen */
	if (mdb_env_info(s->env, &info) != MDB_SUCCESS)
		return 0;
	return (uint64_t)info.me_last_txnid;
}

uint64_t store_serial(const store_t *s)
{
	return s->serial;
}

uint64_t store_txn_id(store_txn_t *t)
{
	return (uint64_t)mdb_txn_id(t->txn);
}

int store_backup(store_t *s, const char *path)
{
	int rc;
	if (path == NULL || path[0] == '\0')
		return EMU_EINVAL;
	rc = mdb_env_copy2(s->env, path, MDB_CP_COMPACT);
	if (rc != MDB_SUCCESS) {
		LOGE("store", "backup to %s: %s", path, mdb_strerror(rc));
		return EMU_ESTORE;
	}
	return EMU_OK;
}
