/* pct.c - percent-decoding (see pct.h). */
#include "core/pct.h"

#include "core/hex.h"
#include "core/result.h"

int pct_decode(const char *s, size_t n, unsigned flags, char *out, size_t outsz, size_t *outlen)
{
	size_t o = 0;
	int rc = EMU_OK;
	if (outlen)
		*outlen = 0;
	if (outsz == 0)
		return EMU_ELIMIT;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '%') {
			int hi = i + 2 < n ? hex_digit_value((unsigned char)s[i + 1]) : -1;
			int lo = hi >= 0 ? hex_digit_value((unsigned char)s[i + 2]) : -1;
			if (lo >= 0 && (hi | lo || !(flags & PCT_STRICT))) {
				c = (char)(hi << 4 | lo);
				i += 2;
			} else if (flags & PCT_STRICT) {
				rc = EMU_EINVAL;
				goto out;
			}
		} else if (c == '+' && (flags & PCT_PLUS)) {
			c = ' ';
		}
		if (o + 1 >= outsz) {
			rc = EMU_ELIMIT;
			goto out;
		}
		out[o++] = c;
	}
	if (outlen)
		*outlen = o;
out:
	out[o] = '\0';
	return rc;
}
