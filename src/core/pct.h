/* pct.h - percent-decoding (RFC 3986 §2.1) of request targets and query
 * strings, the one decoder every route and the fixture matcher use. */
#ifndef EMU_CORE_PCT_H
#define EMU_CORE_PCT_H

#include <stddef.h>

/** pct_decode() flags. */
enum pct_flags {
	/** '+' decodes to a space (application/x-www-form-urlencoded queries). */
	PCT_PLUS = 1,
	/** Refuse a '%' not followed by two hex digits, and "%00" (a decoded
	 * NUL would cut the value short).  Without it such a '%' is kept as
	 * it is and "%00" gives a NUL byte. */
	PCT_STRICT = 2
};

/** Decode the @p n bytes at @p s into @p out of @p outsz bytes, followed
 * by a NUL.  Other bytes (a literal NUL among them) are copied unchanged.
 * The result is never longer than @p n, so outsz = n + 1 always fits.
 * @param[in] flags PCT_PLUS, PCT_STRICT or both (0: neither)
 * @param[out] outlen decoded bytes without the NUL; may be NULL
 * @return EMU_OK; EMU_EINVAL a malformed escape or %00 with PCT_STRICT;
 *	EMU_ELIMIT the result and its NUL do not fit @p outsz.  On failure
 *	@p out holds a NUL-terminated prefix of the result (when outsz > 0). */
int pct_decode(const char *s, size_t n, unsigned flags, char *out, size_t outsz, size_t *outlen);

#endif
