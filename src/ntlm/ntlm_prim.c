/* ntlm_prim.c - the primitives under ntlm.c: MD4, HMAC-MD5, RC4 and DES
 * from OpenSSL 3 (MD4, RC4 and DES live in its legacy provider, loaded into a
 * private OSSL_LIB_CTX together with the default one: loading legacy into
 * the global context would switch the implicit default provider off, spec
 * §1.10), the NT hash, and the UTF-8 / UTF-16LE / OEM string conversions of
 * NTLM messages.  Declared in ntlm_int.h. */
#include "ntlm/ntlm.h"
#include "ntlm/ntlm_int.h"

#include <locale.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "core/log.h"
#include "core/result.h"

/* ---- crypto ------------------------------------------------------------ */

static pthread_once_t ntlm_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *ntlm_libctx;
static EVP_MD *ntlm_md4;
static EVP_MAC *ntlm_hmac;
static EVP_CIPHER *ntlm_rc4;
static EVP_CIPHER *ntlm_des;
static locale_t ntlm_utf8_locale;

static void ntlm_crypto_init(void)
{
	/* legacy (MD4, RC4, DES) and default in a private library context:
	 * loading legacy into the global one would switch its implicit default
	 * provider off (§1.10) */
	ntlm_libctx = OSSL_LIB_CTX_new();
	if (!ntlm_libctx || !OSSL_PROVIDER_load(ntlm_libctx, "legacy") || !OSSL_PROVIDER_load(ntlm_libctx, "default")) {
		LOGE("ntlm", "OpenSSL legacy provider cannot be loaded: NTLM is unavailable");
		return;
	}
	ntlm_md4 = EVP_MD_fetch(ntlm_libctx, "MD4", NULL);
	ntlm_rc4 = EVP_CIPHER_fetch(ntlm_libctx, "RC4", NULL);
	ntlm_des = EVP_CIPHER_fetch(ntlm_libctx, "DES-ECB", NULL);
	ntlm_hmac = EVP_MAC_fetch(ntlm_libctx, "HMAC", NULL);
	if (!ntlm_md4 || !ntlm_rc4 || !ntlm_des || !ntlm_hmac)
		LOGE("ntlm", "OpenSSL MD4/RC4/DES not available from the legacy provider: NTLM is unavailable");
	/* Unicode upper-casing of user names (NTOWFv2), independent of the
	 * process locale */
	ntlm_utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

int ntlm_crypto_ready(void)
{
	pthread_once(&ntlm_once, ntlm_crypto_init);
	return ntlm_md4 && ntlm_rc4 && ntlm_des && ntlm_hmac;
}

int ntlm_md4_digest(const uint8_t *data, size_t len, uint8_t out[16])
{
	unsigned int n = 0;
	if (!ntlm_crypto_ready() || !EVP_Digest(data, len, out, &n, ntlm_md4, NULL) || n != 16)
		return EMU_EINTERNAL;
	return EMU_OK;
}

/* HMAC-MD5 of the concatenation of @p n parts */
int ntlm_hmac_md5v(const uint8_t key[16], int n, const uint8_t *const *parts, const size_t *lens, uint8_t out[16])
{
	int rc = EMU_EINTERNAL;
	size_t got = 0;
	char digest[] = "MD5";
	OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
	EVP_MAC_CTX *h;
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	h = EVP_MAC_CTX_new(ntlm_hmac);
	if (!h)
		return EMU_ENOMEM;
	if (!EVP_MAC_init(h, key, 16, params))
		goto out;
	for (int i = 0; i < n; i++)
		if (lens[i] && !EVP_MAC_update(h, parts[i], lens[i]))
			goto out;
	if (!EVP_MAC_final(h, out, &got, 16) || got != 16)
		goto out;
	rc = EMU_OK;
out:
	EVP_MAC_CTX_free(h);
	return rc;
}

int ntlm_hmac_md5(const uint8_t key[16], const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                         uint8_t out[16])
{
	const uint8_t *parts[2] = {a, b};
	size_t lens[2] = {alen, blen};
	return ntlm_hmac_md5v(key, 2, parts, lens, out);
}

/* one cipher call without padding: RC4 (16-byte key) or DES-ECB (8 bytes) */
int ntlm_cipher(enum ntlm_cipher_kind kind, const uint8_t *key, const uint8_t *in, int len, uint8_t *out)
{
	int rc = EMU_EINTERNAL, n = 0, m = 0;
	EVP_CIPHER_CTX *x;
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	EVP_CIPHER *ciph = kind == NTLM_RC4 ? ntlm_rc4 : ntlm_des;
	x = EVP_CIPHER_CTX_new();
	if (!x)
		return EMU_ENOMEM;
	if (!EVP_EncryptInit_ex2(x, ciph, key, NULL, NULL) || !EVP_CIPHER_CTX_set_padding(x, 0) ||
	    !EVP_EncryptUpdate(x, out, &n, in, len) || !EVP_EncryptFinal_ex(x, out + n, &m) || n + m != len)
		goto out;
	rc = EMU_OK;
out:
	EVP_CIPHER_CTX_free(x);
	return rc;
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
		rc = ntlm_md4_digest(u16, n, out);
	OPENSSL_cleanse(u16, 2 * len + 2);
	free(u16);
	return rc;
}

/* DESL [6]: the 16-byte key padded to 21 bytes, three DES keys of 7 bytes
 * each (parity bits added) encrypting the same 8 bytes */
int ntlm_desl(const uint8_t k16[16], const uint8_t data[8], uint8_t out[24])
{
	uint8_t k21[21] = {0};
	int rc = EMU_OK;
	memcpy(k21, k16, 16);
	for (int i = 0; i < 3 && rc == EMU_OK; i++) {
		const uint8_t *s = k21 + 7 * i;
		uint8_t k[8];
		k[0] = s[0];
		for (int j = 1; j < 7; j++)
			k[j] = (uint8_t)(s[j - 1] << (8 - j) | s[j] >> j);
		k[7] = (uint8_t)(s[6] << 1);
		for (int j = 0; j < 8; j++) {
			uint8_t b = k[j] & 0xFE;
			b |= (uint8_t)(!(__builtin_popcount(b) & 1));
			k[j] = b;
		}
		rc = ntlm_cipher(NTLM_DES, k, data, 8, out + 8 * i);
		OPENSSL_cleanse(k, sizeof k);
	}
	OPENSSL_cleanse(k21, sizeof k21);
	return rc;
}
