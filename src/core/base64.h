/* base64.h - RFC 4648 base64 with declared output bounds (hex digits: core/hex.h). */
#ifndef EMU_CORE_BASE64_H
#define EMU_CORE_BASE64_H

#include <stddef.h>

/** Bytes needed to encode @p n bytes, including the NUL. */
#define BASE64_ENCODED_SIZE(n) ((((n) + 2) / 3) * 4 + 1)

/** Encode @p n bytes of @p in into @p out (BASE64_ENCODED_SIZE(n) bytes);
 * returns the encoded length without the NUL. */
size_t base64_encode(const void *in, size_t n, char *out);

/** Decode @p in (whitespace ignored) into @p out, which has room for
 * @p outmax bytes.  Returns EMU_OK and *outlen, EMU_EINVAL for bad input,
 * EMU_ELIMIT when the result would exceed @p outmax. */
int base64_decode(const char *in, size_t inlen, unsigned char *out, size_t outmax, size_t *outlen);

#endif
