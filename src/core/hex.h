/* hex.h - hexadecimal digits: encode bytes as text, decode text to bytes.
 *
 * The one hex module: every hex id, hash and escape in ewsemu goes through
 * it.  Nothing here allocates; callers give the output room and its size.
 */
#ifndef EMU_CORE_HEX_H
#define EMU_CORE_HEX_H

#include <stddef.h>

/** Bytes of text needed to encode @p n bytes, including the NUL. */
#define HEX_ENCODED_SIZE(n) (2 * (n) + 1)

/** Which digits: hex_encode() writes HEX_LOWER (0-9a-f) or HEX_UPPER
 * (0-9A-F); hex_decode() accepts the letters of the given case(s). */
enum hex_case {
	HEX_LOWER = 1,
	HEX_UPPER = 2,
	HEX_EITHER = HEX_LOWER | HEX_UPPER
};

/** The value of the hex digit @p c (0-9, a-f, A-F), or -1. */
int hex_digit_value(int c);

/** Encode @p n bytes of @p in as 2 * n digits of case @p cs (HEX_UPPER, or
 * lower otherwise) plus a NUL into @p out of @p outsz bytes.
 * @return EMU_OK; EMU_ELIMIT @p outsz is below HEX_ENCODED_SIZE(n) (then
 *	@p out is "" when @p outsz > 0). */
int hex_encode(const void *in, size_t n, enum hex_case cs, char *out, size_t outsz);

/** Decode the @p len digits at @p s (pairs, high digit first; no prefix,
 * no blanks) into @p out, which has room for @p outmax bytes.
 * @param[in] accept the letter case(s) accepted (HEX_EITHER for any)
 * @param[out] outlen bytes written (len / 2); may be NULL
 * @return EMU_OK; EMU_EINVAL odd @p len or a character that is not an
 *	accepted digit; EMU_ELIMIT len / 2 > @p outmax.  On failure *outlen is
 *	0 and @p out may hold part of the result. */
int hex_decode(const char *s, size_t len, enum hex_case accept, unsigned char *out, size_t outmax, size_t *outlen);

#endif
