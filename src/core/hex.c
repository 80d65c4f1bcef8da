/* hex.c - hexadecimal encode/decode (see hex.h). */
#include "core/hex.h"

#include "core/result.h"

int hex_digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int hex_encode(const void *in, size_t n, enum hex_case cs, char *out, size_t outsz)
{
	const char *d = cs == HEX_UPPER ? "0123456789ABCDEF" : "0123456789abcdef";
	const unsigned char *p = in;
	if (n > (outsz - 1) / 2 || outsz == 0) {
		if (outsz)
			out[0] = '\0';
		return EMU_ELIMIT;
	}
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
	return EMU_OK;
}

/* The value of @p c when it is a digit of an accepted case, else -1. */
static int digit(int c, enum hex_case accept)
{
	if ((c >= 'a' && c <= 'f' && !(accept & HEX_LOWER)) || (c >= 'A' && c <= 'F' && !(accept & HEX_UPPER)))
		return -1;
	return hex_digit_value(c);
}

int hex_decode(const char *s, size_t len, enum hex_case accept, unsigned char *out, size_t outmax, size_t *outlen)
{
	if (outlen)
		*outlen = 0;
	if (len % 2)
		return EMU_EINVAL;
	if (len / 2 > outmax)
		return EMU_ELIMIT;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = digit((unsigned char)s[2 * i], accept), lo = digit((unsigned char)s[2 * i + 1], accept);
		if (hi < 0 || lo < 0)
			return EMU_EINVAL;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	if (outlen)
		*outlen = len / 2;
	return EMU_OK;
}
