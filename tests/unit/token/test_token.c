/* test_token.c - bearer tokens: issue/verify round trip, expiry, every
 * tamper case (signature, payload, header, alg none, other key, garbage),
 * scope parsing and the scope rules of spec §8, and the key file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/result.h"
#include "token/token.h"

#define NOW 1700000000

static void key_of(unsigned char fill, struct token_key *k)
{
	unsigned char s[TOKEN_SECRET_LEN];
	memset(s, fill, sizeof s);
	assert_int_equal(token_key_from_secret(s, k), EMU_OK);
}

static void issue(const struct token_key *k, unsigned scopes, int64_t exp, char *out)
{
	assert_int_equal(token_issue(k, "alice@example.test", scopes, NOW, exp, out, TOKEN_MAX + 1), EMU_OK);
}

static void b64url(const char *in, char *out)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(in), o = 0, i = 0;
	const unsigned char *s = (const unsigned char *)in;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)s[i] << 16 | (unsigned)s[i + 1] << 8 | s[i + 2];
		out[o++] = A[v >> 18 & 63]; out[o++] = A[v >> 12 & 63]; out[o++] = A[v >> 6 & 63]; out[o++] = A[v & 63];
	}
	if (n - i) {
		unsigned v = (unsigned)s[i] << 16 | (n - i == 2 ? (unsigned)s[i + 1] << 8 : 0);
		out[o++] = A[v >> 18 & 63]; out[o++] = A[v >> 12 & 63];
		if (n - i == 2) out[o++] = A[v >> 6 & 63];
	}
	out[o] = '\0';
}

static void test_round_trip(void **state)
{
	(void)state;
	struct token_key k;
	struct token_claims c;
	char t[TOKEN_MAX + 1];
	key_of(1, &k);
	assert_int_equal(strlen(k.kid), TOKEN_KID_LEN);
	issue(&k, TOKEN_SCOPE_USER_READ | TOKEN_SCOPE_USER_READWRITE_ALL, NOW + 3600, t);
	assert_int_equal(token_verify(&k, t, NOW + 10, &c), EMU_OK);
	assert_string_equal(c.sub, "alice@example.test");
	assert_int_equal(c.scopes, TOKEN_SCOPE_USER_READ | TOKEN_SCOPE_USER_READWRITE_ALL);
	assert_int_equal(c.iat, NOW);
	assert_int_equal(c.exp, NOW + 3600);
	/* three base64url parts, no padding */
	assert_null(strchr(t, '='));
	assert_non_null(strchr(strchr(t, '.') + 1, '.'));
}

static void test_expiry(void **state)
{
	(void)state;
	struct token_key k;
	struct token_claims c;
	char t[TOKEN_MAX + 1];
	key_of(2, &k);
	issue(&k, TOKEN_SCOPE_USER_READ, NOW + 60, t);
	assert_int_equal(token_verify(&k, t, NOW + 59, &c), EMU_OK);
	assert_int_equal(token_verify(&k, t, NOW + 60, &c), EMU_ELIMIT);
	assert_int_equal(token_verify(&k, t, NOW + 100000, &c), EMU_ELIMIT);
	/* issued far in the future: refused */
	assert_int_equal(token_verify(&k, t, NOW - 100000, &c), EMU_EAUTH);
	/* exp must follow iat */
	assert_int_equal(token_issue(&k, "a@b.test", TOKEN_SCOPE_USER_READ, NOW, NOW, t, sizeof t), EMU_EINVAL);
}

static void test_tampering(void **state)
{
	(void)state;
	struct token_key k, other;
	struct token_claims c;
	char t[TOKEN_MAX + 1], bad[TOKEN_MAX + 1], part[512], json[256];
	key_of(3, &k);
	key_of(4, &other);
	issue(&k, TOKEN_SCOPE_USER_READ, NOW + 3600, t);
	char *d1 = strchr(t, '.'), *d2 = strchr(d1 + 1, '.');

	/* every single character changed, anywhere */
	for (size_t i = 0; t[i]; i++) {
		memcpy(bad, t, sizeof t);
		if (bad[i] == '.')
			continue;
		bad[i] = bad[i] == 'A' ? 'B' : 'A';
		assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	}
	/* another key: refused (kid mismatch) */
	assert_int_equal(token_verify(&other, t, NOW, &c), EMU_EAUTH);
	/* an edited payload (more scopes) with the old signature */
	snprintf(json, sizeof json, "{\"sub\":\"alice@example.test\",\"scp\":\"user.readwrite.all\",\"iat\":%d,\"exp\":%d}",
	         NOW, NOW + 3600);
	b64url(json, part);
	snprintf(bad, sizeof bad, "%.*s.%s%s", (int)(d1 - t), t, part, d2);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	/* alg none, with and without a signature */
	snprintf(json, sizeof json, "{\"alg\":\"none\",\"typ\":\"JWT\",\"kid\":\"%s\"}", k.kid);
	b64url(json, part);
	snprintf(bad, sizeof bad, "%s%.*s.", part, (int)(d2 - d1), d1);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	snprintf(bad, sizeof bad, "%s%s", part, d1);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	/* wrong kid with our alg */
	b64url("{\"alg\":\"HS256\",\"typ\":\"JWT\",\"kid\":\"0000000000000000\"}", part);
	snprintf(bad, sizeof bad, "%s%s", part, d1);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	/* signature removed, truncated, extra part, padding, garbage */
	snprintf(bad, sizeof bad, "%.*s.", (int)(d2 - t), t);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	snprintf(bad, sizeof bad, "%.*s", (int)strlen(t) - 1, t);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	size_t tl = strlen(t);
	memcpy(bad, t, tl);
	memcpy(bad + tl, ".x", 3);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	memcpy(bad + tl, "=", 2);
	assert_int_equal(token_verify(&k, bad, NOW, &c), EMU_EAUTH);
	const char *garbage[] = { "", ".", "..", "a.b.c", "not a token", "eyJ.eyJ.sig" };
	for (size_t i = 0; i < sizeof garbage / sizeof *garbage; i++)
		assert_int_equal(token_verify(&k, garbage[i], NOW, &c), EMU_EAUTH);
	/* too long */
	char *huge = malloc(TOKEN_MAX + 10);
	assert_non_null(huge);
	memset(huge, 'A', TOKEN_MAX + 9);
	huge[TOKEN_MAX + 9] = '\0';
	assert_int_equal(token_verify(&k, huge, NOW, &c), EMU_EAUTH);
	free(huge);
	/* the original still verifies */
	assert_int_equal(token_verify(&k, t, NOW, &c), EMU_OK);
}

static void test_scopes(void **state)
{
	(void)state;
	unsigned bit;
	char buf[128];
	assert_int_equal(token_scope_parse("user.read", 9, &bit), EMU_OK);
	assert_int_equal(bit, TOKEN_SCOPE_USER_READ);
	assert_int_equal(token_scope_parse("User.ReadWrite.All", 18, &bit), EMU_OK);
	assert_int_equal(bit, TOKEN_SCOPE_USER_READWRITE_ALL);
	assert_int_equal(token_scope_parse("user.reads", 10, &bit), EMU_EINVAL);
	assert_int_equal(token_scope_parse("mail.read", 9, &bit), EMU_EINVAL);
	assert_int_equal(token_scopes_format(TOKEN_SCOPE_USER_READ | TOKEN_SCOPE_USER_READ_ALL, buf, sizeof buf), EMU_OK);
	assert_string_equal(buf, "user.read user.read.all");
	assert_int_equal(token_scopes_format(TOKEN_SCOPE_USER_READ, buf, 4), EMU_ELIMIT);

	/* what each scope grants: tests/unit/ews/test_access.c */

	/* a token whose scopes are all unknown is refused */
	struct token_key k;
	char t[TOKEN_MAX + 1];
	key_of(5, &k);
	assert_int_equal(token_issue(&k, "a@b.test", 0, NOW, NOW + 1, t, sizeof t), EMU_EINVAL);
}

static void test_key_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/ewsemu-token-XXXXXX", path[128];
	struct token_key a, b;
	struct stat st;
	char t[TOKEN_MAX + 1];
	struct token_claims c;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/%s", dir, TOKEN_KEY_FILE);
	assert_int_equal(token_key_load_or_create(dir, &a), EMU_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(token_key_load_or_create(dir, &b), EMU_OK);   /* same key the second time */
	assert_memory_equal(a.secret, b.secret, TOKEN_SECRET_LEN);
	assert_string_equal(a.kid, b.kid);
	issue(&a, TOKEN_SCOPE_USER_READ, NOW + 10, t);
	assert_int_equal(token_verify(&b, t, NOW, &c), EMU_OK);
	/* a key others can read is refused */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(token_key_load_or_create(dir, &b), EMU_EINVAL);
	/* a malformed key file is refused */
	assert_int_equal(chmod(path, 0600), 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("short\n", f);
	fclose(f);
	assert_int_equal(token_key_load_or_create(dir, &b), EMU_EINVAL);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip), cmocka_unit_test(test_expiry), cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_scopes), cmocka_unit_test(test_key_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
