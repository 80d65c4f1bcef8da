/* password.c - PBKDF2-HMAC-SHA256 password hashes for directory users. */
#include "core/password.h"
#include "core/hex.h"
#include "core/result.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ITERATIONS 10000
#define SALT_LEN 16
#define HASH_LEN 32
#define PASSWORD_MAX 1024


static int derive(const char *password, const unsigned char *salt, int iter, unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(password, (int)strlen(password), salt, SALT_LEN, iter,
	                         EVP_sha256(), HASH_LEN, out) == 1 ? 0 : -1;
}

/* 1 when @p password derives to @p want: the one place the work is done */
static int matches(const char *password, const unsigned char *salt, int iter, const unsigned char *want)
{
	unsigned char got[HASH_LEN];
	if (derive(password, salt, iter, got) != 0)
		return 0;
	return CRYPTO_memcmp(want, got, HASH_LEN) == 0;
}

int password_hash(const char *password, char *out, size_t outsz)
{
	unsigned char salt[SALT_LEN], h[HASH_LEN];
	char salthex[2 * SALT_LEN + 1], hhex[2 * HASH_LEN + 1];
	if (strlen(password) > PASSWORD_MAX)
		return EMU_ELIMIT;
	if (RAND_bytes(salt, sizeof salt) != 1 || derive(password, salt, ITERATIONS, h) != 0)
		return EMU_EINTERNAL;
	hex_encode(salt, SALT_LEN, HEX_LOWER, salthex, sizeof salthex);
	hex_encode(h, HASH_LEN, HEX_LOWER, hhex, sizeof hhex);
	int n = snprintf(out, outsz, "pbkdf2-sha256$%d$%s$%s", ITERATIONS, salthex, hhex);
	return n > 0 && (size_t)n < outsz ? EMU_OK : EMU_ELIMIT;
}

int password_verify(const char *password, const char *stored)
{
	unsigned char salt[SALT_LEN], want[HASH_LEN];
	const char *p = stored;
	if (strncmp(p, "pbkdf2-sha256$", 14) != 0 || strlen(password) > PASSWORD_MAX)
		return 0;
	p += 14;
	char *end;
	long iter = strtol(p, &end, 10);
	if (end == p || *end != '$' || iter < 1 || iter > 10000000)
		return 0;
	p = end + 1;
	if (strlen(p) != 2 * SALT_LEN + 1 + 2 * HASH_LEN || p[2 * SALT_LEN] != '$')
		return 0;
	if (hex_decode(p, 2 * SALT_LEN, HEX_LOWER, salt, SALT_LEN, NULL) ||
	    hex_decode(p + 2 * SALT_LEN + 1, 2 * HASH_LEN, HEX_LOWER, want, HASH_LEN, NULL))
		return 0;
	return matches(password, salt, (int)iter, want);
}

int password_verify_none(const char *password)
{
	/* a fixed salt and an all-zero hash: PBKDF2 output is never all zero
	 * in practice, and the result is ignored anyway */
	static const unsigned char salt[SALT_LEN] = "ewsemu:no-user:";
	static const unsigned char want[HASH_LEN];
	if (strlen(password) > PASSWORD_MAX)
		return 0;
	(void)matches(password, salt, ITERATIONS, want);
	return 0;
}
