/* crypto.c - MD4, MD5, HMAC-MD5, RC4 and DES for NTLM from a private OpenSSL 3
 * library context holding the legacy and default providers (see crypto.h
 * for why it is private). */
#include "ntlm/crypto.h"

#include <limits.h>
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "core/log.h"
#include "core/result.h"

/* Set once by crypto_init(), read-only afterwards (fetched algorithm
 * objects may be shared between threads).  Kept for the process's life. */
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *g_libctx;
static EVP_MD *g_md4;
static EVP_MD *g_md5;
static EVP_MAC *g_hmac;
static EVP_CIPHER *g_rc4;
static EVP_CIPHER *g_des;
static int g_ready;

/* Log OpenSSL's queued error text with what we were doing. */
static void crypto_log(const char *what)
{
	unsigned long e = ERR_get_error();
	char text[256] = "no OpenSSL error queued";
	if (e)
		ERR_error_string_n(e, text, sizeof text);
	LOGE("ntlm", "%s: %s", what, text);
	ERR_clear_error();
}

static void crypto_init(void)
{
	g_libctx = OSSL_LIB_CTX_new();
	if (!g_libctx) {
		crypto_log("OSSL_LIB_CTX_new");
		return;
	}
	/* default first: legacy alone would leave MD5/HMAC unfetchable (spec 1.10). */
	if (!OSSL_PROVIDER_load(g_libctx, "default") || !OSSL_PROVIDER_load(g_libctx, "legacy")) {
		crypto_log("loading OpenSSL's default and legacy providers (MD4/RC4 for NTLM)");
		return;
	}
	g_md4 = EVP_MD_fetch(g_libctx, "MD4", NULL);
	g_md5 = EVP_MD_fetch(g_libctx, "MD5", NULL);
	g_hmac = EVP_MAC_fetch(g_libctx, "HMAC", NULL);
	g_rc4 = EVP_CIPHER_fetch(g_libctx, "RC4", NULL);
	g_des = EVP_CIPHER_fetch(g_libctx, "DES-ECB", NULL);
	if (!g_md4 || !g_md5 || !g_hmac || !g_rc4 || !g_des) {
		crypto_log("fetching MD4/MD5/HMAC/RC4/DES from the legacy+default providers: NTLM is unavailable");
		return;
	}
	g_ready = 1;
}

int ntlm_crypto_ready(void)
{
	if (pthread_once(&g_once, crypto_init) != 0 || !g_ready)
		return 0;
	return 1;
}

static int crypto_digest(EVP_MD *md, const char *name, const struct ntlm_crypto_part *parts, size_t n,
                         uint8_t out[NTLM_CRYPTO_DIGEST_LEN])
{
	int rc = EMU_EINTERNAL;
	unsigned int outl = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, md, NULL))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len && !EVP_DigestUpdate(ctx, parts[i].p, parts[i].len))
			goto fail;
	if (!EVP_DigestFinal_ex(ctx, out, &outl) || outl != NTLM_CRYPTO_DIGEST_LEN)
		goto fail;
	rc = EMU_OK;
	goto out;
fail:
	crypto_log(name);
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int ntlm_crypto_md4(const void *data, size_t len, uint8_t out[NTLM_CRYPTO_DIGEST_LEN])
{
	struct ntlm_crypto_part part = { data, len };
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	return crypto_digest(g_md4, "MD4", &part, 1, out);
}

int ntlm_crypto_md5(const struct ntlm_crypto_part *parts, size_t n, uint8_t out[NTLM_CRYPTO_DIGEST_LEN])
{
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	return crypto_digest(g_md5, "MD5", parts, n, out);
}

int ntlm_crypto_hmac_md5(const uint8_t *key, size_t key_len, const struct ntlm_crypto_part *parts, size_t n,
                         uint8_t out[NTLM_CRYPTO_DIGEST_LEN])
{
	int rc = EMU_EINTERNAL;
	size_t outl = 0;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"MD5", 0);
	params[1] = OSSL_PARAM_construct_end();
	ctx = EVP_MAC_CTX_new(g_hmac);
	if (!ctx || !EVP_MAC_init(ctx, key, key_len, params))
		goto fail;
	for (size_t i = 0; i < n; i++)
		if (parts[i].len && !EVP_MAC_update(ctx, parts[i].p, parts[i].len))
			goto fail;
	if (!EVP_MAC_final(ctx, out, &outl, NTLM_CRYPTO_DIGEST_LEN) || outl != NTLM_CRYPTO_DIGEST_LEN)
		goto fail;
	rc = EMU_OK;
	goto out;
fail:
	crypto_log("HMAC-MD5");
out:
	EVP_MAC_CTX_free(ctx);
	return rc;
}

int ntlm_crypto_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t *out)
{
	int rc = EMU_EINTERNAL;
	int outl = 0;
	unsigned int klen = (unsigned int)key_len;
	OSSL_PARAM params[2];
	EVP_CIPHER_CTX *ctx = NULL;
	if (key_len < 1 || key_len > 256 || len > INT_MAX)
		return EMU_EINVAL;
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	params[0] = OSSL_PARAM_construct_uint(OSSL_CIPHER_PARAM_KEYLEN, &klen);
	params[1] = OSSL_PARAM_construct_end();
	ctx = EVP_CIPHER_CTX_new();
	/* RC4's key length is variable: set it before the key goes in. */
	if (!ctx || !EVP_EncryptInit_ex2(ctx, g_rc4, NULL, NULL, params) ||
	    !EVP_EncryptInit_ex2(ctx, NULL, key, NULL, NULL))
		goto fail;
	if (len && !EVP_EncryptUpdate(ctx, out, &outl, in, (int)len))
		goto fail;
	if ((size_t)outl != len)
		goto fail;
	rc = EMU_OK;
	goto out;
fail:
	crypto_log("RC4");
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int ntlm_crypto_des_ecb(const uint8_t key[8], const uint8_t *in, size_t len, uint8_t *out)
{
	int rc = EMU_EINTERNAL;
	int n = 0, m = 0;
	EVP_CIPHER_CTX *ctx = NULL;
	if (len % 8 || len > INT_MAX)
		return EMU_EINVAL;
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx || !EVP_EncryptInit_ex2(ctx, g_des, key, NULL, NULL) || !EVP_CIPHER_CTX_set_padding(ctx, 0))
		goto fail;
	if (len && !EVP_EncryptUpdate(ctx, out, &n, in, (int)len))
		goto fail;
	if (!EVP_EncryptFinal_ex(ctx, out + n, &m) || (size_t)(n + m) != len)
		goto fail;
	rc = EMU_OK;
	goto out;
fail:
	crypto_log("DES-ECB");
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

/* Bytes of one DES key without its parity bits, and of DESL's padded key. */
#define DESL_KEY7 7
#define DESL_KEY21 21

int ntlm_crypto_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24])
{
	uint8_t k21[DESL_KEY21] = { 0 }, k8[8];
	int rc = EMU_OK;
	memcpy(k21, key, 16);
	for (int i = 0; i < 3 && rc == EMU_OK; i++) {
		const uint8_t *s = k21 + DESL_KEY7 * i;
		/* 56 key bits spread over 8 bytes, the low bit of each for parity (odd) */
		k8[0] = s[0];
		for (int j = 1; j < DESL_KEY7; j++)
			k8[j] = (uint8_t)(s[j - 1] << (8 - j) | s[j] >> j);
		k8[7] = (uint8_t)(s[6] << 1);
		for (int j = 0; j < 8; j++) {
			uint8_t b = k8[j] & 0xFE;
			k8[j] = (uint8_t)(b | !(__builtin_popcount(b) & 1));
		}
		rc = ntlm_crypto_des_ecb(k8, data, 8, out + 8 * i);
	}
	OPENSSL_cleanse(k8, sizeof k8);
	OPENSSL_cleanse(k21, sizeof k21);
	return rc;
}
