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
 *
 * Threads: any number of read transactions plus one write transaction may be
 * open at once, from any threads (the environment uses MDB_NOTLS).  A
 * transaction handle itself must be used by one thread at a time.
 *
 * Write transactions: a call that fails with EMU_EINVAL, EMU_ELIMIT (field
 * limits), EMU_EEXIST or EMU_ENOTFOUND has changed nothing and the
 * transaction may go on; after EMU_ESTORE, EMU_ELIMIT from a full map, or
 * EMU_ENOMEM the transaction must be aborted.  Write calls on a read
 * transaction return EMU_EINVAL.
 *
 * Addresses are compared case-insensitively (ASCII lower-casing).  Every
 * call that takes a user address accepts any of the user's addresses
 * (primary or proxy).
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
#define STORE_NT_HASH_LEN 16    /* NT hash (NTLM), bytes: = NTLM_NT_HASH_LEN */
#define STORE_ID_MAX 64         /* contact id text */
#define STORE_CONTACTS_MAX 5000 /* contacts per mailbox */
/* Largest article number (contact_record.article): MAPI's Integer is
 * signed 32-bit.  A mailbox whose counter reached it gets EMU_ELIMIT from
 * store_contact_add (two billion creations). */
#define STORE_ARTICLE_MAX 0x7fffffffu
#define STORE_NOTES_MAX 2048    /* contact notes, bytes */
#define STORE_DATE_MAX 10       /* "YYYY-MM-DD" */

/** Default map size: an address-space reservation, not disk use. */
#define STORE_MAPSIZE_DEFAULT ((size_t)8 << 30)
/** Reader slots: concurrent read transactions (workers + admin + slack). */
#define STORE_MAXREADERS 256
/** Length of a contact id: 16 random bytes as lower-case hex. */
#define STORE_CONTACT_ID_LEN 32

/* ---- environment and transactions --------------------------------------- */

/** Open (creating if needed) the store in directory @p dir (the file is
 * dir/ewsemu.mdb, its lock file dir/ewsemu.mdb-lock).  The directory is
 * created with mode 0700 (parents too) when missing; the files get 0600.
 * All DBIs are created/opened here, once, in a committed write transaction.
 * @param[in] dir store directory
 * @param[in] mapsize map size in bytes; 0 means STORE_MAPSIZE_DEFAULT
 * @param[out] out the store; close it with store_close()
 * @return EMU_OK;
 *	EMU_EINVAL @p dir NULL, empty or too long;
 *	EMU_EIO the directory cannot be created or is not a directory;
 *	EMU_EEXIST this process already has this store open (LMDB forbids
 *	opening one file twice in a process: closing one copy drops the locks of
 *	the other);
 *	EMU_EFORMAT the file holds an unknown schema version (logged; written
 *	by a newer ewsemu, nothing is changed);
 *	EMU_ENOMEM; EMU_ESTORE any LMDB failure (logged). */
int store_open(const char *dir, size_t mapsize, store_t **out);

/** Close the store.  Every transaction must have ended.  NULL is fine. */
void store_close(store_t *s);

/** Begin a transaction.
 * @param[in] s the store
 * @param[in] write 1 for a write transaction (one writer at a time: blocks
 *	while another write transaction is open, so a thread must not begin a
 *	second one while it holds one), 0 for a read-only snapshot
 *	(MDB_RDONLY; never blocks)
 * @param[out] out end it with store_txn_commit() or store_txn_abort()
 * @return EMU_OK; EMU_ENOMEM; EMU_ESTORE (e.g. MDB_READERS_FULL, logged). */
int store_txn_begin(store_t *s, int write, store_txn_t **out);

/** Commit (durably, for write txns: the data is on disk when this returns
 * EMU_OK) and free @p t.  On failure nothing was written.  @p t is freed
 * either way.  Committing a read txn just ends it.
 * @return EMU_OK; EMU_ELIMIT map full; EMU_ESTORE (logged). */
int store_txn_commit(store_txn_t *t);

/** Abandon and free @p t (NULL is fine).  A write txn changes nothing. */
void store_txn_abort(store_txn_t *t);

/** Release the snapshot of read txn @p t but keep the handle (and its reader
 * slot) for store_txn_renew(): the per-request pattern of a worker thread.
 * Blob pointers obtained in @p t become invalid.  Ignored for write txns. */
void store_txn_reset(store_txn_t *t);

/** Take a fresh snapshot on a read txn that was reset.
 * @return EMU_OK; EMU_EINVAL for a write txn; EMU_ESTORE (logged). */
int store_txn_renew(store_txn_t *t);

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
	/* NTLM (schema 7): MD4 of the UTF-16LE password, kept beside the PBKDF2
	 * hash because NTLMv2 is verified with it (ntlm/ntlm.h).  It is a
	 * password equivalent for NTLM: whoever reads the store can log in as
	 * the user over NTLM.  Users written by an older build have none
	 * (has_nt_hash 0): Basic works, NTLM refuses them until the password
	 * is set again. */
	int has_nt_hash;
	uint8_t nt_hash[STORE_NT_HASH_LEN];
};

/** Set both password fields of @p u from @p password (UTF-8): the PBKDF2
 * hash (core/password.h) and the NT hash (ntlm_nt_hash()).  The one place a
 * password becomes a user's credentials (import, demo users).
 * @return EMU_OK; EMU_EINVAL not UTF-8; EMU_ELIMIT; EMU_EINTERNAL (logged).
 *	On failure both fields are cleared. */
int store_user_set_password(struct user_record *u, const char *password);

/** Insert or replace a user, keyed by lower-cased primary address; indexes
 * the primary and every proxy address.  Replacing a user re-indexes it:
 * proxies that were dropped stop resolving.  Photos and contacts are kept
 * (they hang off the primary address).
 * Every string field must be NUL-terminated within its array (a field that
 * fills its array is over-long); fields are stored as given, case kept.
 * @param[in] t write txn
 * @param[in] u the record
 * @return EMU_OK;
 *	EMU_EINVAL email or a proxy empty, nproxies < 0, an address repeated
 *	within @p u, or a read txn;
 *	EMU_ELIMIT a field without NUL in its array, nproxies above
 *	STORE_PROXIES_MAX, or map full;
 *	EMU_EEXIST one of its addresses already belongs to another user;
 *	EMU_ESTORE (logged). */
int store_user_put(store_txn_t *t, const struct user_record *u);

/** Look a user up by any of their addresses (case-insensitive).
 * @param[out] out the record, copied
 * @return EMU_OK; EMU_ENOTFOUND when nobody has that address; EMU_EINVAL
 *	empty address; EMU_ELIMIT address longer than STORE_ADDR_MAX;
 *	EMU_ESTORE (corrupt record or LMDB failure, logged). */
int store_user_get(store_txn_t *t, const char *address, struct user_record *out);

/** store_user_get() in a read transaction of its own, begun and ended here:
 * for a caller that holds no transaction and needs only the user.  The
 * record is a copy, valid after the snapshot is gone.
 * @param[in] s the store
 * @param[in] address any of the user's addresses (case-insensitive)
 * @param[out] out the record, copied (caller's memory, ~10 KiB: keep it
 *	off small stacks)
 * @return as store_user_get(); EMU_ENOMEM or EMU_ESTORE (logged) when the
 *	read transaction cannot begin. */
int store_user_lookup(store_t *s, const char *address, struct user_record *out);

/** Call @p fn for every user in primary-address order (lower-cased byte
 * order).  The record passed to @p fn is valid during the call only; @p fn
 * may read through @p t but must not write through it.
 * @return EMU_OK after the whole walk; a non-zero return from @p fn stops the
 *	walk and is returned; EMU_ESTORE (logged). */
int store_user_foreach(store_txn_t *t, int (*fn)(const struct user_record *u, void *ctx), void *ctx);

/** Number of users.
 * @return EMU_OK and *out; EMU_ESTORE (logged). */
int store_user_count(store_txn_t *t, size_t *out);

/* ---- directory search (ResolveNames, spec §4.2) --------------------------- */

enum store_search_kind {
	STORE_SEARCH_NAMES,      /* the name index: core/names.h tokens of display
	                          * name, given name, surname, alias, primary
	                          * address and office */
	STORE_SEARCH_ADDRESSES   /* every address, primary and proxies */
};

/* One user found by store_user_search(): enough to list them without
 * decoding their whole record. */
struct store_search_hit {
	char primary[STORE_ADDR_MAX + 1];        /* lower-cased (the users key) */
	char email[STORE_ADDR_MAX + 1];          /* primary address as stored */
	char display_name[STORE_TEXT_MAX + 1];
};

/** Find directory users by prefix.  @p prefix is normalised with
 * names_normalize() (NAMES_TOKEN_MAX bytes of it are compared).  Index keys
 * are walked in byte order of the matching token (or address), each user is
 * reported once, and the walk stops after @p max users; *more tells whether
 * at least one further user matches.  The name index carries each user's
 * display name and address, so a name search reads no user record.
 * @param[out] hits @p max slots (at most 255 are used), filled in walk order
 * @param[out] n how many were found
 * @param[out] more 1 when the walk stopped with matches left
 * @return EMU_OK (also for no match or an empty prefix); EMU_ESTORE. */
int store_user_search(store_txn_t *t, enum store_search_kind kind, const char *prefix,
                      struct store_search_hit *hits, size_t max, size_t *n, int *more);

/** Delete a user (found by any address) with everything hanging off them:
 * addresses, photo record, mailbox renditions, thumbnail, contacts and
 * contact pictures.
 * @return EMU_OK; EMU_ENOTFOUND; EMU_EINVAL (read txn, empty address);
 *	EMU_ELIMIT; EMU_ESTORE (logged). */
int store_user_delete(store_txn_t *t, const char *address);

/* ---- photos (spec §6.1, §6.4) -------------------------------------------- */

struct store_image_info {
	uint32_t len;
	uint16_t width, height;
	char etag[PHOTO_ETAG_LEN + 1];
};

struct photo_record {
	int deleted;                      /* UserPhotoCacheId = 0 */
	unsigned mailbox_mask;            /* bit s -> mailbox rendition s stored */
	struct store_image_info mailbox[PHOTO_RENDITION_COUNT];  /* [PHOTO_UPLOAD]: the
	                                     upload at its own size (schema 4) */
	int source_width, source_height;  /* the upload the renditions came from */
	int has_thumbnail;
	struct store_image_info thumbnail;
	int64_t mailbox_changed;          /* unix seconds of last mailbox photo change, 0 never */
	int64_t thumbnail_changed;
};

/** The photo record of the user with address @p email (any of their
 * addresses; user_record.email is the usual one).  A user with no photo data
 * gets an all-zero record and EMU_OK.
 * @return EMU_OK; EMU_ENOTFOUND only when the user does not exist;
 *	EMU_EINVAL; EMU_ELIMIT; EMU_ESTORE (logged). */
int store_photo_get(store_txn_t *t, const char *email, struct photo_record *out);

/** Point *data at mailbox rendition @p size (a size code, or PHOTO_UPLOAD
 * for the upload kept at its own size): memory inside the database,
 * read-only, valid until @p t ends (or is reset).  The deletion record is
 * not consulted (photo_select() decides what to serve).
 * @return EMU_OK; EMU_ENOTFOUND no such user or rendition; EMU_EINVAL bad
 *	@p size; EMU_ESTORE (logged). */
int store_photo_blob(store_txn_t *t, const char *email, enum photo_size size,
                     const void **data, size_t *len);

/** Point *data at the directory thumbnail: memory inside the database,
 * read-only, valid until @p t ends (or is reset).
 * @return EMU_OK; EMU_ENOTFOUND no such user or no thumbnail; EMU_ESTORE. */
int store_thumbnail_blob(store_txn_t *t, const char *email, const void **data, size_t *len);

/** Replace the mailbox photo with @p set and clear the deletion record
 * (Set-UserPhoto, spec §6.4).  Every rendition present in set->mask is
 * written with its blob's etag/width/height/len; renditions not in the mask
 * are removed.  mailbox_changed becomes time(NULL); the thumbnail is not
 * touched.  @p set stays owned by the caller.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL empty mask, bits
 *	beyond PHOTO_UPLOAD, a present rendition without data or etag, a
 *	dimension outside 1..65535, or a read txn; EMU_ELIMIT a rendition over
 *	4 GiB or map full; EMU_ESTORE (logged). */
int store_photo_set(store_txn_t *t, const char *email, const struct photo_set *set);

/** Remove the mailbox photo and set the deletion record (Remove-UserPhoto,
 * spec §6.4): every mailbox rendition is deleted, deleted = 1,
 * mailbox_changed = time(NULL).  The directory thumbnail is kept.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL; EMU_ESTORE. */
int store_photo_remove(store_txn_t *t, const char *email);

/** Clear the deletion record only (Remove-UserPhoto
 * -ClearMailboxPhotoRecord, spec §6.4); nothing else changes.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL; EMU_ESTORE. */
int store_photo_clear_record(store_txn_t *t, const char *email);

/** Set (or, with @p data NULL, remove) the directory thumbnail as given
 * (already validated with photo_inspect).  The store computes its ETag
 * (same value as photo_etag()); thumbnail_changed becomes time(NULL).  The
 * deletion record and the mailbox photo are not touched.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL empty data or a
 *	dimension outside 1..65535, read txn; EMU_ELIMIT over
 *	PHOTO_MAX_THUMBNAIL_BYTES or map full; EMU_ESTORE (logged). */
int store_thumbnail_set(store_txn_t *t, const char *email, const void *data, size_t len,
                        int width, int height);

/* ---- contacts (served by a later issue; stored now) ---------------------- */

struct contact_record {
	char id[STORE_ID_MAX + 1];               /* opaque, stable; set by the store */
	uint32_t change;                          /* bumped on every change */
	int64_t created, modified;                /* unix seconds, set by the store (0: unknown) */
	uint32_t article;                         /* PR_INTERNET_ARTICLE_NUMBER: set by the store at
	                                           * creation from the mailbox's counter, 1..
	                                           * STORE_ARTICLE_MAX, never changed, never reused */
	char display_name[STORE_TEXT_MAX + 1];
	char given_name[STORE_TEXT_MAX + 1];
	char middle_name[STORE_TEXT_MAX + 1];
	char surname[STORE_TEXT_MAX + 1];
	char nickname[STORE_TEXT_MAX + 1];
	char file_as[STORE_TEXT_MAX + 1];
	char email[STORE_ADDR_MAX + 1];           /* EmailAddress1 */
	char email2[STORE_ADDR_MAX + 1];
	char email3[STORE_ADDR_MAX + 1];
	char company[STORE_TEXT_MAX + 1];
	char job_title[STORE_TEXT_MAX + 1];
	char department[STORE_TEXT_MAX + 1];
	char office[STORE_TEXT_MAX + 1];
	char business_phone[STORE_TEXT_MAX + 1];
	char mobile_phone[STORE_TEXT_MAX + 1];
	char home_phone[STORE_TEXT_MAX + 1];
	/* business address */
	char street[STORE_TEXT_MAX + 1];
	char city[STORE_TEXT_MAX + 1];
	char state[STORE_TEXT_MAX + 1];
	char postal_code[STORE_TEXT_MAX + 1];
	char country[STORE_TEXT_MAX + 1];
	char birthday[STORE_DATE_MAX + 1];         /* "YYYY-MM-DD" or empty */
	char notes[STORE_NOTES_MAX + 1];
	int has_photo;
	struct store_image_info photo;
};

/** Add a contact to @p owner's Contacts folder.  The store fills in c->id
 * (STORE_CONTACT_ID_LEN random hex characters, unless the caller set c->id
 * to STORE_CONTACT_ID_LEN lower-case hex characters of its own: then that
 * id is used, EMU_EEXIST when taken), c->change = 1, c->created =
 * c->modified = time(NULL), c->article (the mailbox's next article number,
 * store_contacts_state), c->has_photo
 * and c->photo (len and etag computed here; width/height taken from
 * c->photo.width/height as the caller got them from photo_inspect()).
 * @param[in] owner any address of the owning user
 * @param[in,out] c text fields in, id/change/photo info out
 * @param[in] photo a validated JPEG stored as the contact picture, or NULL
 * @return EMU_OK; EMU_ENOTFOUND no such owner; EMU_EINVAL read txn, empty
 *	photo; EMU_ELIMIT a field without NUL in its array, more than
 *	STORE_CONTACTS_MAX contacts, a photo over PHOTO_MAX_UPLOAD_BYTES, the
 *	article counter past STORE_ARTICLE_MAX, map full; EMU_EINTERNAL no randomness; EMU_EEXIST a chosen id is taken;
 *	EMU_EINVAL a chosen id that is not 32 lower-case hex characters;
 *	EMU_ESTORE (logged). */
int store_contact_add(store_txn_t *t, const char *owner, struct contact_record *c,
                      const void *photo, size_t photo_len);

/** Replace the text fields of contact c->id (the picture, the creation
 * time and the article number are kept), bump its change counter and set modified = time(NULL);
 * c->change, c->created, c->modified, c->has_photo and c->photo are updated
 * to the stored values.
 * @return EMU_OK; EMU_ENOTFOUND no such owner or contact; EMU_EINVAL;
 *	EMU_ELIMIT; EMU_ESTORE (logged). */
int store_contact_update(store_txn_t *t, const char *owner, struct contact_record *c);

/** Set (or, with @p photo NULL, remove) a contact's picture, bump its
 * change counter and set modified = time(NULL).
 * @return EMU_OK; EMU_ENOTFOUND no such owner or contact; EMU_EINVAL empty
 *	photo, bad dimensions; EMU_ELIMIT; EMU_ESTORE (logged). */
int store_contact_set_photo(store_txn_t *t, const char *owner, const char *id,
                            const void *photo, size_t photo_len, int width, int height);

/** Copy contact @p id of @p owner into @p out.
 * @return EMU_OK; EMU_ENOTFOUND no such owner or contact; EMU_EINVAL empty
 *	id; EMU_ELIMIT id longer than STORE_ID_MAX; EMU_ESTORE (logged). */
int store_contact_get(store_txn_t *t, const char *owner, const char *id, struct contact_record *out);

/** Point *data at a contact's picture: memory inside the database, valid
 * until @p t ends (or is reset).
 * @return EMU_OK; EMU_ENOTFOUND no owner, contact or picture; EMU_ESTORE. */
int store_contact_photo(store_txn_t *t, const char *owner, const char *id,
                        const void **data, size_t *len);

/** Delete a contact and its picture.
 * @return EMU_OK; EMU_ENOTFOUND no such owner or contact; EMU_EINVAL;
 *	EMU_ESTORE (logged). */
int store_contact_remove(store_txn_t *t, const char *owner, const char *id);

/** Call @p fn for each of @p owner's contacts in id order.  The record is
 * valid during the call only; @p fn must not write through @p t.
 * @return EMU_OK (also for an owner without contacts); EMU_ENOTFOUND no such
 *	owner; a non-zero return of @p fn, which stops the walk; EMU_ESTORE. */
int store_contact_foreach(store_txn_t *t, const char *owner,
                          int (*fn)(const struct contact_record *c, void *ctx), void *ctx);

/** store_contact_foreach() starting after contact id @p after (byte order;
 * NULL or "" starts at the first): the paging walk of SyncFolderItems.
 * @return as store_contact_foreach(); EMU_ELIMIT @p after longer than
 *	STORE_ID_MAX. */
int store_contact_foreach_after(store_txn_t *t, const char *owner, const char *after,
                                int (*fn)(const struct contact_record *c, void *ctx), void *ctx);

/* ---- change log (SyncFolderItems, spec §6.5) -------------------------------
 * Every change of a mailbox's contacts (store_contact_add: Create;
 * store_contact_update, store_contact_set_photo: Update;
 * store_contact_remove, and store_user_delete for each contact the user had
 * (a re-import replaces a user this way): Delete) appends one entry
 * {sequence number, kind, contact id} to that mailbox's log in the SAME
 * write transaction as the change: both are committed or neither.  Sequence
 * numbers start at 1, grow by one per entry and are never reused, also
 * across a user's deletion and re-creation (the log outlives the user).
 * "Everything up to N" is thus a complete description of a mailbox's
 * contacts for a reader that knows entries 1..N. */

/** Log entries kept per mailbox.  Appending entry last + 1 when
 * STORE_CHANGES_KEEP are held drops the oldest.  A sync state that needs an
 * entry no longer held is refused (ErrorInvalidSyncStateData, and the client
 * syncs from scratch).  Twice STORE_CHANGES_MAX: a full re-import of a full
 * Contacts folder (5000 Deletes + 5000 Creates) fits. */
#define STORE_CHANGES_KEEP 10000
/** Bytes of the store secret (store_secret()). */
#define STORE_SECRET_LEN 32

enum store_change_kind { STORE_CHANGE_CREATE = 1, STORE_CHANGE_UPDATE = 2, STORE_CHANGE_DELETE = 3 };

struct store_change {
	uint64_t seq;
	enum store_change_kind kind;
	char id[STORE_ID_MAX + 1];      /* the contact id */
};

/** The log of the mailbox of @p owner (any of its addresses): *first is the
 * oldest sequence number held, *last the newest ever written (0 when the
 * mailbox never changed since the log exists; then *first is 1).  Entries
 * first..last are all held; first == last + 1 means none is.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL; EMU_ELIMIT;
 *	EMU_ESTORE (corrupt head or LMDB, logged). */
int store_changes_range(store_txn_t *t, const char *owner, uint64_t *first, uint64_t *last);

/** Call @p fn for every log entry of @p owner's mailbox with @p after < seq
 * <= @p upto, in sequence order (entries older than *first of
 * store_changes_range() are gone and silently not reported: check the range
 * first).  The entry is valid during the call; @p fn must not write.
 * @return EMU_OK; EMU_ENOTFOUND no such user; a non-zero return of @p fn,
 *	which stops the walk; EMU_ESTORE (corrupt entry, logged). */
int store_changes_foreach(store_txn_t *t, const char *owner, uint64_t after, uint64_t upto,
                          int (*fn)(const struct store_change *c, void *ctx), void *ctx);

/* The state of a mailbox's Contacts folder that MAPI folder properties show
 * (PR_ARTICLE_NUM_NEXT, PR_LOCAL_COMMIT_TIME_MAX): kept per mailbox in the
 * same write transaction as every contact change, and kept when the user is
 * deleted, so a re-created mailbox never hands out a number twice. */
struct store_folder_state {
	uint32_t article_next;   /* the article number the next new contact gets (>= 1) */
	int64_t changed;         /* unix seconds of the last contact change (create, update,
	                          * picture, delete); a mailbox that never changed: the time
	                          * the store was created (or upgraded to schema 6) */
	int64_t created;         /* the time the store was created (or upgraded to schema 6):
	                          * the last change of a folder without items */
};

/** The Contacts folder state of @p owner's mailbox.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL; EMU_ELIMIT;
 *	EMU_ESTORE (corrupt record or LMDB, logged). */
int store_contacts_state(store_txn_t *t, const char *owner, struct store_folder_state *out);

/** The store's secret: STORE_SECRET_LEN random bytes made when the store
 * file was created (or upgraded to schema 5) and never changed; it names
 * this store and keys the MACs of what the server hands out to clients
 * (sync states), so a state from another store is refused.  Valid while
 * @p s is open; never log or send it. */
const unsigned char *store_secret(store_t *s);

/* ---- account lockout (the policy is http/auth.h's; the state is here) ----- */

/* A lockout in force or past: it is in force while the clock is before
 * locked_until.  One record per user at most. */
struct store_lockout {
	int64_t locked_at;       /* unix seconds the account locked; 0 = no record */
	int64_t locked_until;    /* unix seconds the lockout ends */
	uint32_t bad_count;      /* bad passwords within the window that locked it */
};

/** The lockout record of the user with address @p address (any of their
 * addresses).  A user without one gets an all-zero record and EMU_OK;
 * whether it is still in force is for the caller to compare with the clock.
 * @return EMU_OK; EMU_ENOTFOUND only when the user does not exist;
 *	EMU_EINVAL; EMU_ELIMIT; EMU_ESTORE (corrupt record or LMDB, logged). */
int store_lockout_get(store_txn_t *t, const char *address, struct store_lockout *out);

/** Record (replace) the lockout of a user.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL read txn,
 *	locked_at <= 0 or locked_until < locked_at; EMU_ELIMIT; EMU_ESTORE. */
int store_lockout_set(store_txn_t *t, const char *address, const struct store_lockout *l);

/** Remove a user's lockout record (Unlock-ADAccount).  EMU_OK also when
 * there was none.  store_user_put() with a changed password hash and
 * store_user_delete() remove it too.
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_EINVAL; EMU_ESTORE. */
int store_lockout_clear(store_txn_t *t, const char *address);

/* ---- tenant settings ------------------------------------------------------ */

/** Record the tenant's domain (tenant-file "domain"), replacing any earlier.
 * @return EMU_OK; EMU_EINVAL empty or read txn; EMU_ELIMIT longer than
 *	STORE_ADDR_MAX; EMU_ESTORE (logged). */
int store_domain_set(store_txn_t *t, const char *domain);

/** Copy the tenant domain into @p out (@p outsz bytes).
 * @return EMU_OK; EMU_ENOTFOUND none recorded; EMU_ELIMIT @p out too small. */
int store_domain_get(store_txn_t *t, char *out, size_t outsz);

/* ---- maintenance ----------------------------------------------------------- */

/** Check the reader table for dead readers (call periodically); stale slots
 * of crashed processes are freed and their number is logged. */
void store_reader_check(store_t *s);

struct store_stat {
	uint64_t last_txnid;     /* id of the last committed write txn */
	size_t mapsize;          /* map size in bytes */
	size_t used_bytes;       /* pages in use * page size (file high-water mark) */
	unsigned maxreaders, numreaders;
	size_t users, addresses, names, photo_records, photo_blobs, contacts, contact_photos, lockouts;
};

/** Environment and per-DBI counts for diagnostics (counts from a fresh read
 * snapshot).
 * @return EMU_OK; EMU_ESTORE (logged). */
int store_stat(store_t *s, struct store_stat *out);

/** Id of the last committed write transaction of the store, by any process
 * (the same number as store_stat's last_txnid).  Cheap: reads the map's
 * meta page, takes no lock and no transaction, so it can run per request.
 * Two equal values mean nothing was committed in between.  0 when LMDB
 * cannot tell (never in practice). */
uint64_t store_last_txnid(store_t *s);

/** A number that names this open store among every store_t this process
 * has opened (never reused after store_close): with store_last_txnid() it
 * keys caches of store data (a new store_t at a freed one's address is
 * not taken for it).  Never 0. */
uint64_t store_serial(const store_t *s);

/** The snapshot id of read txn @p t: the last write txn it sees.  Data read
 * in @p t is current as long as store_last_txnid() still returns this. */
uint64_t store_txn_id(store_txn_t *t);

/** Hot backup: write a compacted copy of the whole store to the new file
 * @p path (mdb_env_copy2 with MDB_CP_COMPACT; the file must not exist).
 * Readers and the writer keep running meanwhile.  Restore by stopping the
 * server and putting the copy in place as dir/ewsemu.mdb.
 * @return EMU_OK; EMU_EINVAL; EMU_ESTORE (logged, e.g. file exists). */
int store_backup(store_t *s, const char *path);

#endif
