/* vcard.h - a personal contact as a vCard 3.0 (RFC 2426): what GetItem and
 * FindItem return as t:MimeContent (spec §10).
 *
 * The one vCard definition of ewsemu: this writer emits exactly the
 * properties `ewsemu import FILE.vcf` (admin/admin.h, vcard_parse) maps to a
 * contact, with the same TYPE choices, so a card written here imports back
 * to the same contact:
 *	FN display_name; N surname;given;middle;;; NICKNAME; ORG company;department;
 *	TITLE job_title; NOTE notes; BDAY birthday;
 *	EMAIL;TYPE=INTERNET email, email2, email3 (in that order, no PREF);
 *	TEL;TYPE=WORK,VOICE business, TEL;TYPE=CELL,VOICE mobile, TEL;TYPE=HOME,VOICE home;
 *	ADR;TYPE=WORK ;;street;city;state;postal_code;country (plus LABEL;TYPE=WORK);
 *	PHOTO;ENCODING=b;TYPE=JPEG the picture; REV the last modification.
 * Exchange's framing lines (PROFILE, MAILER, PRODID, CLASS) come first, and
 * like Exchange the name, company, title and phone properties are written
 * even when empty.  Not carried: office and a file_as other than the one
 * the import derives ("Surname, Given" or the display name): vCard has no
 * property for them that the import reads.
 *
 * Text is escaped (\\ \, \; \n; a CR LF or lone CR becomes \n), lines are
 * CR LF and folded at 75 octets (never inside a UTF-8 sequence), the picture
 * is base64.
 */
#ifndef EMU_EWS_VCARD_H
#define EMU_EWS_VCARD_H

#include <stddef.h>

#include "core/arena.h"
#include "store/store.h"

/** Largest vCard ews_vcard_write() makes: a PHOTO of PHOTO_MAX_UPLOAD_BYTES
 * in base64, folded, plus every text field escaped. */
#define EWS_VCARD_MAX ((size_t)12 << 20)

/** Write contact @p c (picture @p photo / @p photo_len, or NULL) as a vCard
 * 3.0 into arena memory.
 * @param[out] out the card (NUL-terminated; *len bytes without the NUL)
 * @return EMU_OK; EMU_ENOMEM; EMU_ELIMIT the card would exceed EWS_VCARD_MAX
 *	(cannot happen for a stored contact). */
int ews_vcard_write(struct arena *a, const struct contact_record *c,
                    const void *photo, size_t photo_len, const char **out, size_t *len);

#endif
