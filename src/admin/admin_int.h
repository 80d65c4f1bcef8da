/* admin_int.h - helpers shared by the files of src/admin (private to the
 * module: the public header is admin.h).  Implemented in fields.c. */
#ifndef EMU_ADMIN_ADMIN_INT_H
#define EMU_ADMIN_ADMIN_INT_H

#include <stddef.h>

#include "store/store.h"

/** 1 when @p d is a domain name: labels of 1..63 letters, digits, hyphens
 * (not first or last) or UTF-8 bytes, at most 253 bytes in all. */
int admin_is_domain(const char *d);

/** 1 when @p a is local@domain with a dot-atom local part of at most 64
 * bytes (RFC 5322 §3.4.1, UTF-8 allowed as in RFC 6531); quoted local parts
 * are not accepted. */
int admin_is_address(const char *a);

/** ASCII case-insensitive comparison (strcasecmp without the locale). */
int admin_ascii_casecmp(const char *a, const char *b);

/** 1 when the @p n bytes at @p s are well-formed UTF-8 (no overlong forms,
 * surrogates or code points above U+10FFFF) without control characters
 * other than tab, line feed and carriage return (which XML 1.0 could not
 * carry in a response). */
int admin_is_text(const char *s, size_t n);

/** Normalise a calendar date "YYYY-MM-DD" or "YYYYMMDD" (year 0001..9999,
 * a real day of that month, leap years included) to "YYYY-MM-DD" in @p out.
 * @return EMU_OK; EMU_EINVAL anything else (@p out is then ""). */
int admin_parse_date(const char *s, char out[STORE_DATE_MAX + 1]);

/** Complete a contact the way Outlook files it: an empty display_name is
 * composed from given, middle and surname, else the company, else the first
 * e-mail address; an empty file_as becomes "Surname, Given" when both are
 * set, else the display name.
 * @return EMU_OK; EMU_EINVAL nothing to name the contact by (@p why says
 *	so); EMU_ELIMIT a composed name longer than STORE_TEXT_MAX. */
int admin_contact_finish(struct contact_record *c, char *why, size_t whysz);

/** Check the fields of a contact about to be stored: every text is UTF-8
 * (admin_is_text), each non-empty e-mail address is an address, a
 * non-empty birthday is a date (normalised in place).  @p why names the
 * field ("email2", "birthday"). @return EMU_OK or EMU_EINVAL. */
int admin_contact_check(struct contact_record *c, char *why, size_t whysz);

#endif
