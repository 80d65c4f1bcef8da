/* fold.h - THE case-insensitive text rule of ewsemu: Unicode simple case
 * folding over UTF-8, without a locale (no setlocale, same answer in every
 * process and thread).
 *
 * Folding maps every letter of a case class to one representative code
 * point (uc_tolower(uc_toupper(c)) from GNU libunistring's Unicode tables;
 * U+0130 and U+0131, whose folding is Turkic-only, stay as they are), so
 * "ÉLODIE" = "élodie", "ΑΛΈΞΗΣ" = "αλέξης" = "αλέξηϛ", "ПЁТР" = "пётр",
 * "K" (U+212A KELVIN SIGN) = "k".  It is *simple* folding: one code point
 * to one code point, so "ß" does not equal "ss" ("STRASSE" does not match
 * "straße"; "STRAẞE" with U+1E9E does), and nothing is normalised
 * (precomposed "é" differs from "e" + U+0301).
 *
 * Bytes that are not well-formed UTF-8 (overlong forms, surrogates, values
 * above U+10FFFF, stray continuation bytes, truncated sequences) are taken
 * one byte at a time as themselves: they are never folded, compare equal
 * only to the same byte, and sort after every character.  Nothing here
 * allocates or fails on any input.
 *
 * Users: ews/query.c (Contains IgnoreCase*, string comparisons, string
 * sorts, ContactsView), core/names.c (the name tokens ResolveNames and
 * FindPeople match), ews/ops/people_match.c (their order).
 */
#ifndef EMU_CORE_FOLD_H
#define EMU_CORE_FOLD_H

#include <stddef.h>
#include <stdint.h>

/** fold_next() code for an ill-formed byte b: FOLD_RAW_BASE + b (above
 * every Unicode code point). */
#define FOLD_RAW_BASE 0x110000u

/** Bytes fold_text() may need for @p n bytes of input: a 2-byte letter can
 * fold to a 3-byte one (e.g. U+023A to U+2C65), nothing grows more. */
#define FOLD_SIZE(n) ((n) + (n) / 2)

/** fold_text() result when the output does not fit. */
#define FOLD_NOROOM ((size_t)-1)

/** Decode the character at @p s (@p n > 0 bytes available) into *@p cp.
 * @return the bytes it takes (1-4); an ill-formed byte gives
 *	FOLD_RAW_BASE + byte and 1. */
size_t fold_next(const char *s, size_t n, uint32_t *cp);

/** The case-fold representative of code point @p cp (FOLD_RAW_BASE codes
 * are returned unchanged). */
uint32_t fold_char(uint32_t cp);

/** Write @p cp as UTF-8 (a FOLD_RAW_BASE code as its one byte) to @p out,
 * which has room for 4 bytes.  @return the bytes written (1-4). */
size_t fold_put(uint32_t cp, char *out);

/** Fold @p n bytes of @p s into @p out (@p cap bytes, not NUL-terminated;
 * FOLD_SIZE(n) always fits).  @return the folded length, or FOLD_NOROOM. */
size_t fold_text(const char *s, size_t n, char *out, size_t cap);

/** Compare @p a (@p an bytes) and @p b (@p bn bytes) case-insensitively:
 * <0, 0, >0 by the folded code points, a proper prefix first. */
int fold_cmp(const char *a, size_t an, const char *b, size_t bn);

/** fold_cmp() of two NUL-terminated strings (NULL reads as ""). */
int fold_strcmp(const char *a, const char *b);

/** 1 when NUL-terminated @p s starts with @p prefix case-insensitively
 * (an empty prefix: 1). */
int fold_has_prefix(const char *s, const char *prefix);

#endif
