/* store_int.h - private to src/store/: the environment, transaction handles,
 * key helpers and the record codec shared by users.c, photos.c, contacts.c.
 *
 * Nothing outside src/store/ includes this file.  The on-disk format it
 * implements is described in src/store/README.md; change both together and
 * bump STORE_SCHEMA_VERSION when an old build could misread new data.
 */
#ifndef EMU_STORE_STORE_INT_H
#define EMU_STORE_STORE_INT_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "store/store.h"

/** The schema this build reads and writes (meta DBI, key "schema_version"). */
#define STORE_SCHEMA_VERSION 7u
/** Oldest schema this build opens; it is upgraded to STORE_SCHEMA_VERSION
 * in place (1 -> 2: the names DBI is built from the users; 2 -> 3: its
 * values carry display name and address, so it is rebuilt; 3 -> 4: nothing
 * to convert, but photo_meta may now hold mailbox rendition 9, the upload at
 * its own size, which a schema-3 build would reject as corrupt; 4 -> 5: the
 * changes DBI (empty: the first sync of an upgraded mailbox lists every
 * contact as Create) and the store secret are created; a schema-4 build
 * would change contacts without logging them, so it must not open it;
 * 5 -> 6: every contact gets its article number, per mailbox in key order,
 * and each mailbox its folder state (meta "folder\0<primary>"); a schema-5
 * build would add contacts without numbers; 6 -> 7: user records may carry
 * the NT hash (tag 14), which an older build would reject as an unknown
 * tag; nothing to convert: old users have none and NTLM refuses them until
 * their password is set again; the names DBI is rebuilt, because its keys
 * are now folded with Unicode simple case folding, core/fold.h). */
#define STORE_SCHEMA_OLDEST 1u
/** The first schema whose names DBI needs no rebuild at upgrade. */
#define STORE_SCHEMA_NAMES_CURRENT 7u
/** First byte of every encoded record (users, photo_meta, contacts). */
#define STORE_RECORD_FORMAT 1u

/** photo_blob key kind byte of the directory thumbnail (mailbox renditions
 * use their enum photo_size value, 0..8, and 9 = PHOTO_UPLOAD). */
#define STORE_KIND_THUMBNAIL 0x10u

/** Key buffer large enough for "primary\0id" and "primary\0kind". */
#define STORE_KEY_MAX (STORE_ADDR_MAX + 1 + STORE_ID_MAX)

struct store {
	MDB_env *env;
	MDB_dbi meta;          /* "schema_version", "domain" */
	MDB_dbi users;         /* primary -> user record */
	MDB_dbi addr;          /* any address -> primary */
	MDB_dbi names;         /* name token \0 primary -> display name \0 email */
	MDB_dbi photo_meta;    /* primary -> photo record */
	MDB_dbi photo_blob;    /* primary \0 kind -> JPEG */
	MDB_dbi contacts;      /* primary \0 id -> contact record */
	MDB_dbi contact_photo; /* primary \0 id -> JPEG */
	MDB_dbi lockout;       /* primary -> lockout record (lockout.c) */
	MDB_dbi changes;       /* primary \0 [seq] -> change log (changes.c) */
	unsigned char secret[STORE_SECRET_LEN];   /* meta "secret", read at open */
	int64_t created;       /* meta "created", read (or made) at open */
	dev_t dev;             /* identity of the data file, to refuse a */
	ino_t ino;             /* second open of it in this process */
	struct store *next;    /* list of open stores (store.c) */
	uint64_t serial;       /* store_serial(): set at open, never reused */
};

struct store_txn {
	store_t *s;
	MDB_txn *txn;
	int write;
};

/** Translate an LMDB return code: MDB_NOTFOUND -> EMU_ENOTFOUND (not logged),
 * MDB_MAP_FULL / MDB_TXN_FULL -> EMU_ELIMIT, anything else -> EMU_ESTORE.
 * Everything but NOTFOUND is logged with @p what and mdb_strerror().
 * Returns EMU_OK for rc 0. */
int store_mdb_err(int rc, const char *what);

/** EMU_EINVAL (logged) unless @p t is a write transaction. */
int store_need_write(store_txn_t *t, const char *what);

/** ASCII-lower-case @p addr into @p out (STORE_ADDR_MAX + 1 bytes).
 * Returns EMU_OK and *len, EMU_EINVAL for NULL/empty, EMU_ELIMIT when longer
 * than STORE_ADDR_MAX. */
int store_addr_key(const char *addr, char *out, size_t *len);

/** Resolve any address of a user to the lower-cased primary (the users key).
 * Returns EMU_OK, EMU_ENOTFOUND, EMU_EINVAL, EMU_ELIMIT or EMU_ESTORE. */
int store_resolve(store_txn_t *t, const char *addr, char *primary, size_t *plen);

/** Build "primary \0 suffix" into @p key (STORE_KEY_MAX bytes); returns the
 * length, or 0 when it would not fit. */
size_t store_compose_key(char *key, const char *primary, size_t plen,
                         const void *suffix, size_t slen);

/** Length of @p s when it is NUL-terminated within @p max + 1 bytes,
 * else (size_t)-1 (a field that fills its whole array is over-long). */
size_t store_field_len(const char *s, size_t max);

/** Delete the lockout record of lower-cased @p primary (none is fine):
 * store_user_put() on a password change, store_user_delete(). */
int store_lockout_drop(store_txn_t *t, const char *primary, size_t plen);

/** Append a change of contact @p id to the log of lower-cased @p primary
 * (write txn; called by every contact change in the same txn), dropping the
 * oldest entry beyond STORE_CHANGES_KEEP.
 * @return EMU_OK; EMU_EINVAL empty/long id or bad kind; EMU_ELIMIT;
 *	EMU_ESTORE (logged). */
int store_change_log(store_txn_t *t, const char *primary, size_t plen, enum store_change_kind kind,
                     const char *id);

/** Log a Delete for every contact of @p primary (store_user_delete, before
 * the contacts go). */
int store_change_log_owner_gone(store_txn_t *t, const char *primary, size_t plen);

/** Number the contacts of every mailbox 1..n in key order, where they have
 * no article number, and write each mailbox's folder state (schema 5 -> 6;
 * write txn; @p now the upgrade time). */
int store_articles_number(store_txn_t *t, int64_t now);

/** Read / write the folder state of lower-cased @p primary (meta
 * "folder\0<primary>").  Without a record *out is { 1, store created }. */
int store_folder_state_get(store_txn_t *t, const char *primary, size_t plen, struct store_folder_state *out);
int store_folder_state_put(store_txn_t *t, const char *primary, size_t plen, const struct store_folder_state *st);

/** The time the store was created (meta "created"; 0: a store older than
 * schema 6 that is being upgraded right now). */
int64_t store_created(store_t *s);

/** Rebuild the names DBI from every user record (write txn). */
int store_names_rebuild(store_txn_t *t);

/** Delete @p key from @p dbi, treating "not there" as success. */
int store_del_quiet(store_txn_t *t, MDB_dbi dbi, const void *key, size_t klen, const char *what);

/** Delete every key of @p dbi that starts with @p prefix (plen bytes). */
int store_del_prefix(store_txn_t *t, MDB_dbi dbi, const void *prefix, size_t plen,
                     const char *what);

/* ---- record codec: 1 format byte, then TLV fields ------------------------
 * Field = tag (1 byte), length (2 bytes, big-endian), value.  Integers are
 * fixed-width big-endian; strings are raw bytes without NUL. */

struct store_enc {
	unsigned char *buf;
	size_t len, cap;
	int overflow;
};

void store_enc_init(struct store_enc *e, unsigned char *buf, size_t cap);
void store_enc_bytes(struct store_enc *e, unsigned tag, const void *p, size_t n);
/** Strings: empty ones are omitted. */
void store_enc_str(struct store_enc *e, unsigned tag, const char *s);
void store_enc_u8(struct store_enc *e, unsigned tag, unsigned v);
void store_enc_u32(struct store_enc *e, unsigned tag, uint32_t v);
void store_enc_i64(struct store_enc *e, unsigned tag, int64_t v);
/** An image info, optionally preceded by one byte @p prefix (>= 0). */
void store_enc_info(struct store_enc *e, unsigned tag, int prefix,
                    const struct store_image_info *info);

struct store_dec {
	const unsigned char *p, *end;
};

/** Check the format byte and position @p d on the first field.
 * EMU_ESTORE (logged with @p what) on an unknown format. */
int store_dec_init(struct store_dec *d, const void *val, size_t len, const char *what);
/** Next field: 1 and tag/value, 0 at the end, -1 when truncated. */
int store_dec_next(struct store_dec *d, unsigned *tag, const unsigned char **v, size_t *n);
/** Copy a string field of at most @p max bytes into @p out (max + 1).
 * -1 when too long. */
int store_dec_str(const unsigned char *v, size_t n, char *out, size_t max);
/** Fixed-width integers; -1 unless @p n is exactly the width. */
int store_dec_u8(const unsigned char *v, size_t n, unsigned *out);
int store_dec_u32(const unsigned char *v, size_t n, uint32_t *out);
int store_dec_i64(const unsigned char *v, size_t n, int64_t *out);
/** Image info, with one leading prefix byte when @p prefix is non-NULL. */
int store_dec_info(const unsigned char *v, size_t n, unsigned *prefix,
                   struct store_image_info *out);

/** Log a corrupt record and return EMU_ESTORE. */
int store_corrupt(const char *what, const char *key);

#endif
