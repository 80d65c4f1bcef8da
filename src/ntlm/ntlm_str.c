/* ntlm_str.c - the strings of NTLM messages under ntlm.c: UTF-8 / UTF-16LE
 * / OEM conversions, the upper-casing NTOWFv2 applies to user names, and
 * the NT hash (MD4 through crypto.h, the module's one crypto file).
 * Declared in ntlm_int.h. */
#include "ntlm/ntlm.h"
#include "ntlm/ntlm_int.h"

#include <locale.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "core/result.h"
#include "ntlm/crypto.h"

static pthread_once_t ntlm_locale_once = PTHREAD_ONCE_INIT;
static locale_t ntlm_utf8_locale;

/* Unicode upper-casing of user names (NTOWFv2), independent of the process
 * locale; without C.UTF-8 only ASCII is upper-cased */
static void ntlm_locale_init(void)
{
	ntlm_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/* ---- strings ------------------------------------------------------------ */

/* UTF-8 -> UTF-16LE; EMU_EINVAL invalid UTF-8, EMU_ELIMIT over @p max bytes */
int ntlm_utf8_to_utf16(const char *s, size_t slen, uint8_t *out, size_t max, size_t *outlen)
{
	size_t i = 0, o = 0;
	while (i < slen) {
		uint32_t c = (uint8_t)s[i], min;
		int more;
		if (c < 0x80) { more = 0; min = 0; }
		else if ((c & 0xE0) == 0xC0) { c &= 0x1F; more = 1; min = 0x80; }
		else if ((c & 0xF0) == 0xE0) { c &= 0x0F; more = 2; min = 0x800; }
		else if ((c & 0xF8) == 0xF0) { c &= 0x07; more = 3; min = 0x10000; }
		else return EMU_EINVAL;
		if (slen - i - 1 < (size_t)more)
			return EMU_EINVAL;
		for (int k = 1; k <= more; k++) {
			uint8_t b = (uint8_t)s[i + k];
			if ((b & 0xC0) != 0x80)
				return EMU_EINVAL;
			c = (c << 6) | (b & 0x3F);
		}
		if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
			return EMU_EINVAL;
		i += (size_t)more + 1;
		if (c >= 0x10000) {
			if (max - o < 4)
				return EMU_ELIMIT;
			c -= 0x10000;
			uint16_t hi = (uint16_t)(0xD800 | (c >> 10)), lo = (uint16_t)(0xDC00 | (c & 0x3FF));
			out[o++] = (uint8_t)hi; out[o++] = (uint8_t)(hi >> 8);
			out[o++] = (uint8_t)lo; out[o++] = (uint8_t)(lo >> 8);
		} else {
			if (max - o < 2)
				return EMU_ELIMIT;
			out[o++] = (uint8_t)c; out[o++] = (uint8_t)(c >> 8);
		}
	}
	*outlen = o;
	return EMU_OK;
}

/* UTF-16LE -> UTF-8 (NUL-terminated); EMU_EINVAL odd length, a lone
 * surrogate or a NUL; EMU_ELIMIT more than NTLM_NAME_MAX bytes */
int ntlm_utf16_to_utf8(const uint8_t *s, size_t len, char out[NTLM_NAME_MAX + 1])
{
	size_t o = 0;
	if (len % 2)
		return EMU_EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		uint32_t c = (uint32_t)s[i] | (uint32_t)s[i + 1] << 8;
		if (c >= 0xD800 && c <= 0xDBFF) {
			if (i + 3 >= len)
				return EMU_EINVAL;
			uint32_t lo = (uint32_t)s[i + 2] | (uint32_t)s[i + 3] << 8;
			if (lo < 0xDC00 || lo > 0xDFFF)
				return EMU_EINVAL;
			c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
			i += 2;
		} else if ((c >= 0xDC00 && c <= 0xDFFF) || c == 0) {
			return EMU_EINVAL;
		}
		uint8_t b[4];
		size_t n;
		if (c < 0x80) { b[0] = (uint8_t)c; n = 1; }
		else if (c < 0x800) { b[0] = (uint8_t)(0xC0 | c >> 6); b[1] = (uint8_t)(0x80 | (c & 0x3F)); n = 2; }
		else if (c < 0x10000) {
			b[0] = (uint8_t)(0xE0 | c >> 12); b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
			b[2] = (uint8_t)(0x80 | (c & 0x3F)); n = 3;
		} else {
			b[0] = (uint8_t)(0xF0 | c >> 18); b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
			b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F)); b[3] = (uint8_t)(0x80 | (c & 0x3F)); n = 4;
		}
		if (o + n > NTLM_NAME_MAX)
			return EMU_ELIMIT;
		memcpy(out + o, b, n);
		o += n;
	}
	out[o] = '\0';
	return EMU_OK;
}

/* An AUTHENTICATE string as UTF-16LE (@p u16, at most 2 * NTLM_NAME_MAX
 * bytes) and as UTF-8: UNICODE strings as sent, OEM ones read as Latin-1
 * (curl converts byte-wise, §1.5). */
int ntlm_name(const uint8_t *s, size_t len, int unicode, uint8_t *u16, size_t *u16len,
                     char utf8[NTLM_NAME_MAX + 1])
{
	if (unicode) {
		if (len > 2 * NTLM_NAME_MAX)
			return EMU_ELIMIT;
		int rc = ntlm_utf16_to_utf8(s, len, utf8);
		if (rc)
			return rc;
		memcpy(u16, s, len);
		*u16len = len;
		return EMU_OK;
	}
	if (len > NTLM_NAME_MAX)
		return EMU_ELIMIT;
	for (size_t i = 0; i < len; i++) {
		if (!s[i])
			return EMU_EINVAL;
		u16[2 * i] = s[i];
		u16[2 * i + 1] = 0;
	}
	*u16len = 2 * len;
	return ntlm_utf16_to_utf8(u16, 2 * len, utf8);
}

/* upper-case UTF-16LE code units in place: Unicode rules (@p unicode) or
 * ASCII only; returns whether anything changed */
int ntlm_upper16(uint8_t *s, size_t len, int unicode)
{
	int changed = 0;
	if (unicode)
		pthread_once(&ntlm_locale_once, ntlm_locale_init);
	for (size_t i = 0; i + 1 < len; i += 2) {
		uint32_t c = (uint32_t)s[i] | (uint32_t)s[i + 1] << 8, u = c;
		if (c >= 'a' && c <= 'z')
			u = c - 32;
		else if (unicode && c >= 0x80 && (c < 0xD800 || c > 0xDFFF) && ntlm_utf8_locale) {
			wint_t w = towupper_l((wint_t)c, ntlm_utf8_locale);
			if (w <= 0xFFFF && (w < 0xD800 || w > 0xDFFF))
				u = (uint32_t)w;
		}
		if (u != c) {
			s[i] = (uint8_t)u;
			s[i + 1] = (uint8_t)(u >> 8);
			changed = 1;
		}
	}
	return changed;
}

int ntlm_nt_hash(const char *password, uint8_t out[NTLM_NT_HASH_LEN])
{
	size_t len = strlen(password), n = 0;
	/* every UTF-8 byte becomes at most one UTF-16 code unit */
	uint8_t *u16 = malloc(2 * len + 2);
	int rc;
	if (!u16)
		return EMU_ENOMEM;
	rc = ntlm_utf8_to_utf16(password, len, u16, 2 * len + 2, &n);
	if (rc == EMU_OK)
		rc = ntlm_crypto_md4(u16, n, out);
	OPENSSL_cleanse(u16, 2 * len + 2);
	free(u16);
	return rc;
}
