/* admin.h - administration: tenant-file and vCard import, the commands that
 * mirror the Exchange photo cmdlets, and the contact commands.  Used by the
 * command line; each command runs
 * the same store/ops code as the network paths.  Every function returns
 * EMU_OK or a negative emu_result and, on failure, writes a one-line
 * explanation naming the entry and the reason into @p err. */
#ifndef EMU_ADMIN_ADMIN_H
#define EMU_ADMIN_ADMIN_H

#include <stddef.h>
#include <stdio.h>

#include "store/store.h"

/* ---- tenant import (import.c) --------------------------------------------- */

/** Largest tenant file admin_import_tenant() reads. */
#define ADMIN_IMPORT_MAX_FILE ((size_t)16 << 20)

/** Import the tenant JSON file at @p path (format in README.md) in one write
 * transaction: all or nothing.  On any error the transaction is aborted and
 * the store is exactly as before.
 *
 * Top level: "domain" (string, required; kept with store_domain_set) and
 * "users" (array, required).  Per user: "email" (required, local@domain),
 * the text fields of struct user_record, "proxies" (strings; a leading
 * "smtp:" is dropped), "password" (hashed with password_hash(); absent means
 * the user cannot log in), "admin" (bool), "photo" and "thumbnail" (JPEG file
 * paths relative to the tenant file's directory), "photo_deleted" (bool:
 * store_photo_remove() after the photos, so the deletion record is set and
 * the thumbnail kept), "contacts" (array of objects with display_name,
 * given_name, surname, file_as, email, company, photo).  Unknown keys and
 * wrong types are errors at every level; JSON objects with a key twice too.
 *
 * A user already in the store (same primary address) is replaced, not
 * merged: record, password, photos, deletion record, thumbnail and contacts
 * come from the file alone (contacts get new ids).  Users absent from the
 * file are kept.
 *
 * Limits: tenant file ADMIN_IMPORT_MAX_FILE, photos and contact pictures
 * PHOTO_MAX_UPLOAD_BYTES, thumbnails PHOTO_MAX_THUMBNAIL_BYTES, string fields
 * the STORE_*_MAX sizes; longer input is an error, never truncated.
 * @param[in] s the store
 * @param[in] path the tenant file
 * @param[out] err on failure one line naming the entry and the reason, e.g.
 *	'users[2] (bob@example.test): unknown key "phtoo"',
 *	'users[0].photo (alice@example.test): photos/a.jpg: not a valid JPEG
 *	image', 'users[1] (al2@example.test): duplicate address al@example.test
 *	(already used by alice@example.test)'; top-level problems start with
 *	"tenant: ".  Empty on success.
 * @param[in] errsz size of @p err (256 is plenty)
 * @return EMU_OK; EMU_EINVAL bad JSON, unknown key, wrong type, missing or
 *	malformed field; EMU_ELIMIT a value or file over its limit; EMU_EEXIST
 *	an address used twice; EMU_EIO a file cannot be read; EMU_EIMAGE /
 *	EMU_EFORMAT a photo is not a valid JPEG; EMU_ENOMEM; EMU_ESTORE. */
int admin_import_tenant(store_t *s, const char *path, char *err, size_t errsz);

/* ---- photo commands (commands.c) ------------------------------------------- */

/** Read the regular file @p path, at most @p max bytes, into malloc'd memory
 * (caller frees *out).  EMU_EIO, EMU_ELIMIT (larger than @p max), EMU_ENOMEM;
 * on failure @p why (size @p whysz) says what went wrong. */
int admin_read_file(const char *path, size_t max, unsigned char **out, size_t *outlen,
                    char *why, size_t whysz);

/** Set-UserPhoto: replace @p email's mailbox photo with the JPEG at @p path. */
int admin_set_user_photo(store_t *s, const char *email, const char *path, char *err, size_t errsz);

/** Remove-UserPhoto: delete the mailbox photo and set the deletion record; with
 * @p clear_record, only clear the deletion record (-ClearMailboxPhotoRecord). */
int admin_remove_user_photo(store_t *s, const char *email, int clear_record, char *err, size_t errsz);

/** Set the directory thumbnail from the JPEG at @p path (NULL removes it). */
int admin_set_thumbnail(store_t *s, const char *email, const char *path, char *err, size_t errsz);

/** Print @p email's account lockout state, photo data and, for each size
 * code, what would be served and why (like Get-UserPhotoDataOnPremises) to
 * @p out. */
int admin_diag(store_t *s, const char *email, int hr48_prefers_thumbnail, FILE *out, char *err, size_t errsz);

/** Unlock-ADAccount: clear @p email's account lockout (http/auth.h) in one
 * write txn; a running server sees it on the next login.  Says on @p out
 * whether the account was locked.  EMU_OK also when it was not;
 * EMU_ENOTFOUND no such user; store errors. */
int admin_unlock(store_t *s, const char *email, FILE *out, char *err, size_t errsz);

/* ---- vCard (vcard.c, vcard_syntax.c) ------------------------------------------ */

/** Longest logical line (after unfolding) of a vCard file: enough for a
 * PHOTO of PHOTO_MAX_UPLOAD_BYTES in base64 with its parameters. */
#define VCARD_MAX_LINE ((size_t)12 << 20)
/** Most cards in one file: a mailbox holds at most this many contacts. */
#define VCARD_MAX_CARDS STORE_CONTACTS_MAX

/* One card, mapped to a contact (RFC 2426 vCard 3.0, RFC 6350 4.0 and the
 * 2.1 exports of Outlook and Android):
 *	FN -> display_name (else composed from N, else ORG, else EMAIL);
 *	N -> surname; given; middle (prefix and suffix are not kept);
 *	NICKNAME (first) -> nickname; ORG -> company; department;
 *	TITLE -> job_title; NOTE -> notes; BDAY -> birthday (YYYY-MM-DD,
 *	YYYYMMDD or a date-time; dates without a year such as --MMDD and
 *	Apple's X-APPLE-OMIT-YEAR, a year or month alone, and VALUE=text are
 *	skipped);
 *	EMAIL -> email, email2, email3 (PREF / TYPE=pref first, then file order);
 *	TEL -> business (work), mobile (cell), home (home); fax and pager
 *	numbers are skipped; an untyped, voice or main number fills the business
 *	phone when no work number is given; the most preferred of each wins;
 *	ADR;TYPE=work (or an ADR without a home type when no work one is given)
 *	-> street (else the extended address), city, state, postal_code,
 *	country;
 *	PHOTO -> the first embedded picture (ENCODING=b/BASE64 or a base64 data:
 *	URI); it must be a JPEG that passes photo_inspect().  A PHOTO that is a
 *	link (http:, https:, ...) is not fetched: photo_link is set instead.
 *	file_as is "Surname, Given" when both exist, else the display name.
 * Unknown properties and parameters are ignored. */
struct vcard_card {
	unsigned index;                  /* 1-based position of the card in the file */
	unsigned long line;              /* line of its BEGIN:VCARD */
	int version;                     /* 21, 30 or 40 (30 when VERSION is absent) */
	int is_group;                    /* KIND:group or X-ADDRESSBOOKSERVER-KIND:group */
	struct contact_record rec;       /* the fields above; id, change, times zero;
	                                  * photo.width/height set when photo != NULL */
	const unsigned char *photo;      /* the JPEG, or NULL; valid during the callback */
	size_t photo_len;
	int photo_link;                  /* a PHOTO link was skipped */
};

/** Called for each complete, valid card.  Return 0 to go on; anything else
 * stops the parse and is returned by vcard_parse(), with @p why (size
 * @p whysz, "" on entry) as the reason in its error text. */
typedef int (*vcard_fn)(const struct vcard_card *card, void *ctx, char *why, size_t whysz);

/** Parse the vCard file @p in (one or many BEGIN:VCARD..END:VCARD blocks;
 * CRLF or LF; a UTF-8 byte order mark is skipped) and call @p fn for every
 * card, in file order.  Reads the stream once; memory is bounded by
 * VCARD_MAX_LINE plus one card's picture.
 *
 * Lines are unfolded (a line break followed by a space or tab is removed
 * with that character), property groups (item1.EMAIL) are ignored, the
 * parameters TYPE (lists, repeated, or bare 2.1 words), PREF, ENCODING
 * (b, BASE64, QUOTED-PRINTABLE with soft line breaks), VALUE, CHARSET
 * (UTF-8, ISO-8859-1, Windows-1252) and MEDIATYPE are understood, and text
 * escapes (\, \; \n \\) are decoded.  Text must be UTF-8 after decoding.
 *
 * The first problem stops the parse; no card after it is passed to @p fn.
 * @param[out] ncards cards passed to @p fn (may be NULL)
 * @param[out] err on failure one line naming the card (number and name)
 *	and the line, e.g. 'card 3 (Bob Builder), line 57: PHOTO is a PNG
 *	image; only JPEG pictures are accepted', or 'line 1: ...' outside any
 *	card; "" on success
 * @return EMU_OK; EMU_EINVAL malformed input (no card at all, a line that is
 *	not NAME:value, text outside a card, BEGIN:VCARD before END:VCARD, no
 *	END:VCARD, bad base64, text that is not UTF-8, an invalid e-mail
 *	address or date, a card with no name at all); EMU_ELIMIT a line over
 *	VCARD_MAX_LINE, more than VCARD_MAX_CARDS cards, a field over its
 *	STORE_*_MAX, a picture over PHOTO_MAX_UPLOAD_BYTES bytes or
 *	PHOTO_MAX_DIMENSION pixels; EMU_EFORMAT an unsupported VERSION, CHARSET
 *	or ENCODING, a picture that is not JPEG (PNG, GIF, ...); EMU_EIMAGE a
 *	corrupt JPEG; EMU_EIO a read error; EMU_ENOMEM; or what @p fn returned. */
int vcard_parse(FILE *in, vcard_fn fn, void *ctx, size_t *ncards, char *err, size_t errsz);

struct vcard_import_result {
	size_t contacts;        /* contacts added */
	size_t photos;          /* of which with a picture */
	size_t photo_links;     /* PHOTO links that were not fetched */
	size_t groups;          /* group cards skipped (they are lists, not people) */
};

/** Add the cards of the vCard file at @p path to the Contacts folder of
 * @p owner (any of the user's addresses) in ONE write transaction: all or
 * nothing.  Contacts are added, never merged: importing a file twice adds
 * its cards twice.  Group cards are skipped.  The write transaction is held
 * while the file is read and its pictures checked (other writers wait;
 * readers do not).  Errors as vcard_parse() (the text starts with @p path),
 * plus EMU_ENOTFOUND no such user, EMU_EIO the file cannot be opened or is
 * not a regular file, EMU_ELIMIT the folder would hold more than
 * STORE_CONTACTS_MAX contacts, EMU_ESTORE.
 * @param[out] res counts (may be NULL); zero on failure */
int admin_import_vcard(store_t *s, const char *owner, const char *path,
                       struct vcard_import_result *res, char *err, size_t errsz);

/* ---- contact commands (commands.c, fields.c) ------------------------------------ */

/* A contact field the command line can set (add-contact --OPTION VALUE). */
struct admin_contact_field {
	const char *option;     /* "display-name": the option without "--" */
	const char *help;       /* a few words for --help */
};

/** The @p i-th settable field (0-based), or NULL past the last one. */
const struct admin_contact_field *admin_contact_field(size_t i);

/** Set the field of option @p option in @p c to @p value.  Values longer
 * than the field, text that is not UTF-8, an e-mail address that is not
 * local@domain, a birthday that is not YYYY-MM-DD are errors (@p err says
 * which option); nothing is truncated.
 * @return EMU_OK; EMU_EINVAL; EMU_ELIMIT. */
int admin_contact_field_set(struct contact_record *c, const char *option, const char *value,
                            char *err, size_t errsz);

/** Add contact @p c (text fields; display_name required) to @p owner's
 * Contacts folder, with the JPEG at @p photo_path (NULL for none) as its
 * picture.  An empty file_as becomes "Surname, Given" (else the display
 * name).  On success c->id is the new contact's id.
 * @return EMU_OK; EMU_EINVAL no display name, a field fails
 *	admin_contact_field_set()'s checks; EMU_ENOTFOUND no such user; EMU_EIO
 *	/ EMU_EIMAGE / EMU_EFORMAT / EMU_ELIMIT the picture; EMU_ESTORE. */
int admin_add_contact(store_t *s, const char *owner, struct contact_record *c,
                      const char *photo_path, char *err, size_t errsz);

/** Delete contact @p id (and its picture) from @p owner's Contacts folder.
 * @return EMU_OK; EMU_ENOTFOUND no such user or contact; EMU_ESTORE. */
int admin_remove_contact(store_t *s, const char *owner, const char *id, char *err, size_t errsz);

/** Set contact @p id's picture to the JPEG at @p path, or remove it with
 * @p path NULL.  @return EMU_OK; EMU_ENOTFOUND no such user or contact (or,
 *	removing, no picture is not an error); EMU_EIO / EMU_EIMAGE /
 *	EMU_EFORMAT / EMU_ELIMIT the picture; EMU_ESTORE. */
int admin_set_contact_photo(store_t *s, const char *owner, const char *id, const char *path,
                            char *err, size_t errsz);

/** Print @p owner's contacts to @p out, one a line: id, display name, first
 * e-mail address ("-" when none) and the picture ("photo WxH, N bytes, ETag
 * "X"" or "no photo"), columns separated by two spaces or more.
 * @param[out] count contacts listed (may be NULL)
 * @return EMU_OK; EMU_ENOTFOUND no such user; EMU_ESTORE. */
int admin_list_contacts(store_t *s, const char *owner, FILE *out, size_t *count,
                        char *err, size_t errsz);

#endif
