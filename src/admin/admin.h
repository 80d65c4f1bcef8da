/* admin.h - administration: tenant-file import and the commands that mirror
 * the Exchange photo cmdlets.  Used by the command line; each command runs
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

/** Print @p email's photo data and, for each size code, what would be served
 * and why (like Get-UserPhotoDataOnPremises) to @p out. */
int admin_diag(store_t *s, const char *email, int hr48_prefers_thumbnail, FILE *out, char *err, size_t errsz);

#endif
