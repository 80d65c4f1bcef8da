/* store.h - the LMDB store: directory users, mailbox photos and their
 * renditions, directory thumbnails, deletion records, contacts.
 *
 * One store_t (one MDB_env) per process, opened at start-up.  All data calls
 * take a transaction.  Pointers that a call hands back into the database
 * (blobs) are valid only until that transaction ends: copy them out or use
 * them inside it.  Struct results are copied into caller memory.
 *
 * Layout (DBI names, key formats, value encodings) is described in
 * src/store/README.md.  Every function returns EMU_OK or a negative
 * emu_result; LMDB errors are logged here and reported as EMU_ESTORE
 * (MDB_MAP_FULL as EMU_ELIMIT).
 */
#ifndef EMU_STORE_STORE_H
#define EMU_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "photo/photo.h"

typedef struct store store_t;
typedef struct store_txn store_txn_t;

/* ---- limits: every string field has a declared maximum ------------------ */
#define STORE_ADDR_MAX 320      /* SMTP address, bytes, without NUL */
#define STORE_TEXT_MAX 256      /* names, company, title, ... */
#define STORE_PROXIES_MAX 16    /* proxy addresses per user */
#define STORE_HASH_MAX 160      /* password hash string */
#define STORE_ID_MAX 64         /* contact id text */
#define STORE_CONTACTS_MAX 5000 /* contacts per mailbox */

/** Default map size: an address-space reservation, not disk use. */
#define STORE_MAPSIZE_DEFAULT ((size_t)8 << 30)

/** Open (creating if needed) the store in directory @p dir (the file is
 * dir/ewsemu.mdb).  @p mapsize 0 means STORE_MAPSIZE_DEFAULT.
 * On success *out must be closed with store_close(). */
int store_open(const char *dir, size_t mapsize, store_t **out);
void store_close(store_t *s);

/** Begin a transaction; @p write = 1 for a write transaction (one writer at a
 * time, blocks while another is open).  End it with commit or abort. */
int store_txn_begin(store_t *s, int write, store_txn_t **out);
/** Commit (durably, for write txns) and free @p t.  On failure nothing was
 * written.  @p t is freed either way. */
int store_txn_commit(store_txn_t *t);
/** Abandon and free @p t (NULL is fine). */
void store_txn_abort(store_txn_t *t);

/* ---- users (the directory) ---------------------------------------------- */

struct user_record {
	char email[STORE_ADDR_MAX + 1];          /* primary SMTP as given */
	char display_name[STORE_TEXT_MAX + 1];
	char alias[STORE_TEXT_MAX + 1];
	char given_name[STORE_TEXT_MAX + 1];
	char surname[STORE_TEXT_MAX + 1];
	char company[STORE_TEXT_MAX + 1];
	char title[STORE_TEXT_MAX + 1];
	char department[STORE_TEXT_MAX + 1];
	char office[STORE_TEXT_MAX + 1];
	char phone[STORE_TEXT_MAX + 1];
	int nproxies;
	char proxies[STORE_PROXIES_MAX][STORE_ADDR_MAX + 1]; /* without "smtp:" */
	char password_hash[STORE_HASH_MAX + 1];  /* core/password.h format */
	int is_admin;                            /* may act on every mailbox */
};

/** Insert or replace a user, keyed by lower-cased primary address; indexes
 * the primary and every proxy address.  EMU_EEXIST if one of its addresses
 * already belongs to another user; EMU_EINVAL if email is empty. */
int store_user_put(store_txn_t *t, const struct user_record *u);
/** Look a user up by any of their addresses (case-insensitive).
 * EMU_ENOTFOUND when nobody has that address. */
int store_user_get(store_txn_t *t, const char *address, struct user_record *out);
/** Call @p fn for every user in primary-address order; a non-zero return from
 * @p fn stops the walk and is returned. */
int store_user_foreach(store_txn_t *t, int (*fn)(const struct user_record *u, void *ctx), void *ctx);
/** Number of users. */
int store_user_count(store_txn_t *t, size_t *out);

/* ---- photos (spec §6.1, §6.4) -------------------------------------------- */

struct store_image_info {
	uint32_t len;
	uint16_t width, height;
	char etag[PHOTO_ETAG_LEN + 1];
};

struct photo_record {
	int deleted;                      /* UserPhotoCacheId = 0 */
	unsigned mailbox_mask;            /* bit s -> mailbox rendition s stored */
	struct store_image_info mailbox[PHOTO_SIZE_COUNT];
	int source_width, source_height;  /* the upload the renditions came from */
	int has_thumbnail;
	struct store_image_info thumbnail;
	int64_t mailbox_changed;          /* unix seconds of last mailbox photo change, 0 never */
	int64_t thumbnail_changed;
};

/** The photo record of the user with primary address @p email (use
 * user_record.email).  A user with no photo data gets an all-zero record and
 * EMU_OK; EMU_ENOTFOUND only when the user does not exist. */
int store_photo_get(store_txn_t *t, const char *email, struct photo_record *out);
/** Point *data at mailbox rendition @p size (valid until the txn ends). */
int store_photo_blob(store_txn_t *t, const char *email, enum photo_size size,
                     const void **data, size_t *len);
/** Point *data at the directory thumbnail (valid until the txn ends). */
int store_thumbnail_blob(store_txn_t *t, const char *email, const void **data, size_t *len);
/** Replace the mailbox photo with @p set and clear the deletion record
 * (Set-UserPhoto). */
int store_photo_set(store_txn_t *t, const char *email, const struct photo_set *set);
/** Remove the mailbox photo and set the deletion record (Remove-UserPhoto). */
int store_photo_remove(store_txn_t *t, const char *email);
/** Clear the deletion record only (Remove-UserPhoto -ClearMailboxPhotoRecord). */
int store_photo_clear_record(store_txn_t *t, const char *email);
/** Set (or, with @p data NULL, remove) the directory thumbnail as given
 * (already validated with photo_inspect). */
int store_thumbnail_set(store_txn_t *t, const char *email, const void *data, size_t len,
                        int width, int height);

/* ---- contacts (served by a later issue; stored now) ---------------------- */

struct contact_record {
	char id[STORE_ID_MAX + 1];               /* opaque, stable; set by the store */
	uint32_t change;                          /* bumped on every change */
	char display_name[STORE_TEXT_MAX + 1];
	char given_name[STORE_TEXT_MAX + 1];
	char surname[STORE_TEXT_MAX + 1];
	char file_as[STORE_TEXT_MAX + 1];
	char email[STORE_ADDR_MAX + 1];
	char company[STORE_TEXT_MAX + 1];
	int has_photo;
	struct store_image_info photo;
};

/** Add a contact to @p owner's Contacts folder.  @p c->id is filled in.
 * @p photo (may be NULL) is a validated JPEG stored as the contact picture.
 * EMU_ELIMIT past STORE_CONTACTS_MAX. */
int store_contact_add(store_txn_t *t, const char *owner, struct contact_record *c,
                      const void *photo, size_t photo_len);
int store_contact_get(store_txn_t *t, const char *owner, const char *id, struct contact_record *out);
/** Point *data at a contact's picture (valid until the txn ends). */
int store_contact_photo(store_txn_t *t, const char *owner, const char *id,
                        const void **data, size_t *len);
int store_contact_remove(store_txn_t *t, const char *owner, const char *id);
/** Call @p fn for each of @p owner's contacts in id order. */
int store_contact_foreach(store_txn_t *t, const char *owner,
                          int (*fn)(const struct contact_record *c, void *ctx), void *ctx);

/** Check the reader table for dead readers (call periodically). */
void store_reader_check(store_t *s);

#endif
