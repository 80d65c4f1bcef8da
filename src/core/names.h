/* names.h - the one definition of how a person's names are matched by
 * ResolveNames (spec §4.2): normalisation, the tokens a record is found by,
 * and prefix matching.  The store's name index (directory users) and the
 * contact search (ews/ops) both use these functions, so a directory entry and
 * a personal contact are matched by exactly the same rule.
 *
 * Normalised text: leading/trailing white space dropped, inner runs of white
 * space collapsed to one space, every character case-folded by the one rule
 * of core/fold.h (Unicode simple case folding: Latin, Greek, Cyrillic, ...;
 * ill-formed UTF-8 bytes kept as they are).
 *
 * Tokens of a record: every non-empty field as a whole; every word of a field
 * that has several (words split at white space and , ; ( ) " < > [ ]); and,
 * when both are set, "given surname", "surname given" and "surname, given".
 * Duplicates are dropped.  An entry matches a record when some token starts
 * with the normalised entry.
 */
#ifndef EMU_CORE_NAMES_H
#define EMU_CORE_NAMES_H

#include <stddef.h>

/** Longest token kept, in bytes (longer ones are cut at a UTF-8 boundary):
 * fits an LMDB key together with a 320-byte address and a separator. */
#define NAMES_TOKEN_MAX 180
/** Most tokens one record yields (later ones are dropped). */
#define NAMES_TOKENS_MAX 48

struct names_tokens {
	int n;
	char tok[NAMES_TOKENS_MAX][NAMES_TOKEN_MAX + 1];
};

/** The fields of a record, any of them NULL or empty. */
struct names_fields {
	const char *display_name;
	const char *given_name;
	const char *surname;
	const char *other[6];   /* alias, primary address, office, file-as, nickname, ... */
};

/** Normalise @p in into @p out (@p outsz bytes, NUL-terminated, cut at a
 * UTF-8 boundary when it does not fit).  Returns the length written. */
size_t names_normalize(const char *in, char *out, size_t outsz);

/** Compute the tokens of @p f into @p out (see the file comment). */
void names_tokenize(const struct names_fields *f, struct names_tokens *out);

/** 1 when some token of @p t starts with the normalised entry @p norm (an
 * empty @p norm matches nothing). */
int names_match(const struct names_tokens *t, const char *norm);

/** The same as names_tokenize() then names_match(), without building the
 * token array (stops at the first matching token): for one-off checks such
 * as scanning a mailbox's contacts. */
int names_fields_match(const struct names_fields *f, const char *norm);

/** Case-insensitively (core/fold.h) "does @p s start with @p prefix". */
int names_has_prefix_ci(const char *s, const char *prefix);

#endif
