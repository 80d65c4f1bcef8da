/* fuzz_token.c - the bearer-token verifier (src/token: token_verify) the
 * way the Outlook REST API and EWS call it with the text after "Bearer ",
 * including the paths behind the signature check.  A random string almost
 * never carries a valid HMAC, so the harness holds a fixed key and signs
 * part of the inputs itself.  The first input byte picks the mode:
 *   0  the rest is the token, verified as sent;
 *   1  the rest is a payload: the harness adds the correct header and the
 *      signature (reaches the claims parser);
 *   2  the rest is "header\npayload", both fuzzed, signed by the harness
 *      (reaches alg/kid checks and then the claims parser);
 *   3  the rest names a subject and scopes: token_issue() then
 *      token_verify() must give the same claims back (round trip). */
#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/base64.h"
#include "core/result.h"
#include "token/token.h"

#include "fuzz_common.h"

#define FUZZ_NOW ((int64_t)1767225600)   /* 2026-01-01T00:00:00Z */

static struct token_key g_key;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char secret[TOKEN_SECRET_LEN];
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	for (size_t i = 0; i < sizeof secret; i++)
		secret[i] = (unsigned char)(0x5a ^ i);
	if (token_key_from_secret(secret, &g_key) != EMU_OK)
		abort();
	return 0;
}

/* base64url without padding of @p n bytes, appended at out + *o (bounded by outsz) */
static int put_b64url(const void *in, size_t n, char *out, size_t outsz, size_t *o)
{
	char *tmp = malloc(BASE64_ENCODED_SIZE(n));
	size_t len;
	int rc = EMU_ELIMIT;
	if (tmp == NULL)
		return EMU_ENOMEM;
	len = base64_encode(in, n, tmp);
	while (len > 0 && tmp[len - 1] == '=')
		len--;
	if (*o + len + 1 <= outsz) {
		for (size_t i = 0; i < len; i++)
			out[*o + i] = tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i];
		*o += len;
		out[*o] = '\0';
		rc = EMU_OK;
	}
	free(tmp);
	return rc;
}

/* header.payload.signature with the harness key; then verify */
static void verify_signed(const uint8_t *hdr, size_t hlen, const uint8_t *pay, size_t plen)
{
	char tok[TOKEN_MAX + 64];
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned maclen = 0;
	size_t o = 0;
	struct token_claims c;
	int rc;

	if (put_b64url(hdr, hlen, tok, sizeof tok, &o) != EMU_OK || o + 2 > sizeof tok)
		return;
	tok[o++] = '.';
	if (put_b64url(pay, plen, tok, sizeof tok, &o) != EMU_OK)
		return;
	if (HMAC(EVP_sha256(), g_key.secret, TOKEN_SECRET_LEN, (const unsigned char *)tok, o, mac, &maclen) == NULL ||
	    o + 2 > sizeof tok)
		return;
	tok[o++] = '.';
	if (put_b64url(mac, maclen, tok, sizeof tok, &o) != EMU_OK)
		return;
	rc = token_verify(&g_key, tok, FUZZ_NOW, &c);
	if (rc == EMU_OK || rc == EMU_ELIMIT) {
		FUZZ_ASSERT(c.sub[0] != '\0' && strlen(c.sub) <= TOKEN_SUB_MAX);
		FUZZ_ASSERT(c.scopes != 0);
	}
}

/* issue(sub, scopes) verifies to the same claims */
static void round_trip(const uint8_t *data, size_t size)
{
	char tok[TOKEN_MAX + 1], *sub;
	struct token_claims c;
	unsigned scopes;
	int64_t iat, exp;
	int rc;

	if (size < 3)
		return;
	scopes = data[0] & 0x1fu;
	iat = FUZZ_NOW - data[1];
	exp = FUZZ_NOW + 1 + data[2];
	sub = fuzz_strndup(data + 3, size - 3);
	if (sub == NULL)
		return;
	rc = token_issue(&g_key, sub, scopes, iat, exp, tok, sizeof tok);
	if (rc == EMU_OK) {
		rc = token_verify(&g_key, tok, FUZZ_NOW, &c);
		FUZZ_ASSERT(rc == EMU_OK);
		FUZZ_ASSERT(strcmp(c.sub, sub) == 0);
		FUZZ_ASSERT(c.scopes == scopes && c.iat == iat && c.exp == exp);
	}
	free(sub);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char hdr[160];
	struct token_claims c;
	const uint8_t *nl;
	char *tok;
	int n;

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		tok = fuzz_strndup(data + 1, size - 1);
		if (tok != NULL) {
			(void)token_verify(&g_key, tok, FUZZ_NOW, &c);
			free(tok);
		}
		break;
	case 1:
		n = snprintf(hdr, sizeof hdr, "{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", g_key.kid);
		verify_signed((const uint8_t *)hdr, (size_t)n, data + 1, size - 1);
		break;
	case 2:
		nl = memchr(data + 1, '\n', size - 1);
		if (nl != NULL)
			verify_signed(data + 1, (size_t)(nl - data - 1), nl + 1, size - (size_t)(nl - data) - 1);
		break;
	default:
		round_trip(data + 1, size - 1);
		break;
	}
	return 0;
}
