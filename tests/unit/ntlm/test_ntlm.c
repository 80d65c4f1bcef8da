/* test_ntlm.c - the NTLM server side through ntlm.h: the MS-NLMP 4.2
 * test vectors (NTLMv1, NTLM2 session, NTLMv2 with user "User", domain
 * "Domain", password "Password", server challenge 0123456789abcdef), the
 * CHALLENGE the server builds, the user-name upper-casing variants and the
 * empty-domain retry, the MIC, single use, expiry, anonymous, and every
 * hostile token (truncated, offsets outside, names over the limit, wrong
 * signature or type, bad base64, oversized), a captured curl exchange, and
 * Negotiate with SPNEGO through ntlm_step() (mechListMIC both ways, verify
 * failure, a missing one, NTLM offered second -> request-mic, Kerberos only
 * -> refused, SPNEGO and raw legs mixed).
 *
 * The AUTHENTICATE messages are built here by a small client written from
 * MS-NLMP 3.1.5 (its own OpenSSL context), checked against the published
 * vector values before the server sees them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/result.h"
#include "ntlm/ntlm.h"
#include "ntlm/ntlm_int.h"
#include "ntlm/spnego.h"

#define NOW 1700000000
static const uint8_t CHAL[8] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
/* MS-NLMP 4.2.1 and 4.2.4 */
static const uint8_t NT_PASSWORD[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
                                        0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
static const uint8_t V2_PROOF[16] = {0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
                                     0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c};
static const uint8_t V2_BASE_KEY[16] = {0x8d, 0xe4, 0x0c, 0xca, 0xdb, 0xc1, 0x4a, 0x82,
                                        0xf1, 0x5c, 0xb0, 0xad, 0x0d, 0xe9, 0x5c, 0xa3};
static const uint8_t V2_ENC_KEY[16] = {0xc5, 0xda, 0xd2, 0x54, 0x4f, 0xc9, 0x79, 0x90,
                                       0x94, 0xce, 0x1c, 0xe9, 0x0b, 0xc9, 0xd0, 0x3e};
/* MS-NLMP 4.2.2.2.1 (NTLMv1) and 4.2.3.2.2 (NTLM2 session, client challenge aa..) */
static const uint8_t V1_NT[24] = {0x67, 0xc4, 0x30, 0x11, 0xf3, 0x02, 0x98, 0xa2, 0xad, 0x35, 0xec, 0xe6,
                                  0x4f, 0x16, 0x33, 0x1c, 0x44, 0xbd, 0xbe, 0xd9, 0x27, 0x84, 0x1f, 0x94};
static const uint8_t ESS_NT[24] = {0x75, 0x37, 0xf8, 0x03, 0xae, 0x36, 0x71, 0x28, 0xca, 0x45, 0x82, 0x04,
                                   0xbd, 0xe7, 0xca, 0xf8, 0x1e, 0x97, 0xed, 0x26, 0x83, 0x26, 0x72, 0x32};

/* ---- the test client's crypto ---- */
static OSSL_LIB_CTX *tctx;

static void hmac_md5(const uint8_t *key, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, uint8_t out[16])
{
	size_t n = 0;
	char dg[] = "MD5";
	OSSL_PARAM p[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, dg, 0), OSSL_PARAM_construct_end()};
	EVP_MAC *mac = EVP_MAC_fetch(tctx, "HMAC", NULL);
	EVP_MAC_CTX *h = EVP_MAC_CTX_new(mac);
	assert_non_null(h);
	assert_true(EVP_MAC_init(h, key, 16, p));
	assert_true(EVP_MAC_update(h, a, alen));
	if (blen)
		assert_true(EVP_MAC_update(h, b, blen));
	assert_true(EVP_MAC_final(h, out, &n, 16));
	EVP_MAC_CTX_free(h);
	EVP_MAC_free(mac);
}

static void rc4(const uint8_t key[16], const uint8_t in[16], uint8_t out[16])
{
	int n = 0;
	EVP_CIPHER *c = EVP_CIPHER_fetch(tctx, "RC4", NULL);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	assert_true(EVP_EncryptInit_ex2(x, c, key, NULL, NULL));
	assert_true(EVP_EncryptUpdate(x, out, &n, in, 16));
	EVP_CIPHER_CTX_free(x);
	EVP_CIPHER_free(c);
}

static size_t u16(const char *s, uint8_t *out)   /* ASCII/Latin-1 bytes -> UTF-16LE */
{
	size_t n = 0;
	for (; *s; s++) {
		out[n++] = (uint8_t)*s;
		out[n++] = 0;
	}
	return n;
}

/* ---- messages ---- */
static int lookups;

static int lookup(void *arg, const char *user, const char *domain, uint8_t h[NTLM_NT_HASH_LEN], char *account,
                  size_t size)
{
	(void)arg;
	(void)domain;
	lookups++;
	if (strcasecmp(user, "User") && strcmp(user, "j\xc3\xbcrgen"))
		return EMU_ENOTFOUND;
	memcpy(h, NT_PASSWORD, 16);
	snprintf(account, size, "%s@example.test", user);
	return EMU_OK;
}

static int step(struct ntlm_ctx *c, const struct ntlm_server_names *n, const char *scheme, const uint8_t *tok,
                size_t len, time_t now, char *header, enum ntlm_outcome *out, struct ntlm_who *who)
{
	char *a = malloc(strlen(scheme) + 1 + BASE64_ENCODED_SIZE(len));
	assert_non_null(a);
	size_t k = strlen(scheme);
	memcpy(a, scheme, k);
	a[k] = ' ';
	base64_encode(tok, len, a + k + 1);
	int rc = ntlm_step(c, n, a, now, lookup, NULL, header, out, who);
	free(a);
	return rc;
}

static size_t decode_header(const char *header, const char *scheme, uint8_t *out)
{
	size_t k = strlen(scheme), n = 0;
	assert_int_equal(strncmp(header, scheme, k), 0);
	assert_int_equal(header[k], ' ');
	assert_int_equal(base64_decode(header + k + 1, strlen(header + k + 1), out, 4096, &n), EMU_OK);
	return n;
}

static size_t negotiate_msg(uint32_t flags, uint8_t *m)
{
	memset(m, 0, 32);
	memcpy(m, "NTLMSSP\0", 8);
	m[8] = 1;
	memcpy(m + 12, &flags, 4);   /* little-endian host */
	return 32;
}

/* a handshake's first leg; the CHALLENGE decoded into @p chal */
static size_t challenge_of(struct ntlm_ctx *c, const struct ntlm_server_names *n, uint32_t flags, const char *scheme,
                           uint8_t *chal)
{
	uint8_t neg[32];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	size_t len = negotiate_msg(flags, neg);
	ntlm_ctx_fix_challenge(c, CHAL);
	assert_int_equal(step(c, n, scheme, neg, len, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_CHALLENGE);
	return decode_header(header, scheme, chal);
}

struct client {
	const char *user, *domain;         /* as sent (Latin-1 bytes) */
	const char *hash_user, *hash_domain; /* as hashed (NULL: upper(user), domain) */
	int oem;                           /* strings as 8-bit */
	int mic;                           /* MsvAvFlags 2 + MIC */
	int key_exch;                      /* KEY_EXCH|SIGN with session key 55.. */
	int version;                       /* header with Version (and the MIC field) */
	const uint8_t *password_hash;
};

/* Build an AUTHENTICATE answering @p chal (NTLMv2 with the MS-NLMP 4.2.4
 * blob: time 0, client challenge aa.., NbDomain "Domain", NbComputer
 * "Server") */
static size_t authenticate_msg(const struct client *cl, const uint8_t *neg, size_t neglen, const uint8_t *chal,
                               size_t chal_len, uint8_t *m)
{
	uint8_t blob[256], ident[1024], key[16], proof[16], base[16], nt[300], exported[16], enc[16];
	size_t b = 0, il = 0, ntlen, o;
	char up[128];
	const char *hu = cl->hash_user ? cl->hash_user : up;
	const char *hd = cl->hash_domain ? cl->hash_domain : cl->domain;
	size_t i;
	for (i = 0; cl->user[i] && i < sizeof up - 1; i++)
		up[i] = (char)((cl->user[i] >= 'a' && cl->user[i] <= 'z') ? cl->user[i] - 32 : cl->user[i]);
	up[i] = 0;
	memset(blob, 0, sizeof blob);
	blob[0] = blob[1] = 1;
	memset(blob + 16, 0xaa, 8);
	b = 28;
	blob[b] = 2; blob[b + 2] = 12; b += 4; b += u16("Domain", blob + b);
	blob[b] = 1; blob[b + 2] = 12; b += 4; b += u16("Server", blob + b);
	if (cl->mic) {
		blob[b] = 6; blob[b + 2] = 4; blob[b + 4] = 2; b += 8;
	}
	b += 4;   /* EOL */
	b += 4;   /* padding */
	il = u16(hu, ident);
	il += u16(hd, ident + il);
	hmac_md5(cl->password_hash ? cl->password_hash : NT_PASSWORD, ident, il, NULL, 0, key);
	uint8_t cb[8 + 256];
	memcpy(cb, CHAL, 8);
	memcpy(cb + 8, blob, b);
	(void)chal_len;
	assert_memory_equal(chal + 24, CHAL, 8);
	hmac_md5(key, cb, 8 + b, NULL, 0, proof);
	if (!cl->mic && !strcmp(hu, "USER") && !strcmp(hd, "Domain") && !cl->password_hash)
		assert_memory_equal(proof, V2_PROOF, 16);   /* the published vector */
	hmac_md5(key, proof, 16, NULL, 0, base);
	if (!cl->mic && !strcmp(hu, "USER") && !strcmp(hd, "Domain") && !cl->password_hash)
		assert_memory_equal(base, V2_BASE_KEY, 16);
	memcpy(nt, proof, 16);
	memcpy(nt + 16, blob, b);
	ntlen = 16 + b;
	memcpy(exported, base, 16);
	uint32_t flags = (cl->oem ? 0x2u : 0x1u) | 0x00080204u;
	if (cl->key_exch) {
		uint8_t rnd[16];
		memset(rnd, 0x55, 16);
		rc4(base, rnd, enc);
		if (!cl->mic && !strcmp(hu, "USER") && !strcmp(hd, "Domain"))
			assert_memory_equal(enc, V2_ENC_KEY, 16);
		memcpy(exported, rnd, 16);
		flags |= 0x40000010u;
	}
	size_t hdr = cl->version || cl->mic ? 88 : 64;
	memset(m, 0, hdr);
	memcpy(m, "NTLMSSP\0", 8);
	m[8] = 3;
	o = hdr;
	struct {
		const uint8_t *p;
		size_t n;
	} f[6];
	uint8_t d8[1024], u8[1024], lm[24];
	memset(lm, 0, sizeof lm);
	f[0].p = lm; f[0].n = 24;
	f[1].p = nt; f[1].n = ntlen;
	if (cl->oem) {
		f[2].p = (const uint8_t *)cl->domain; f[2].n = strlen(cl->domain);
		f[3].p = (const uint8_t *)cl->user; f[3].n = strlen(cl->user);
	} else {
		f[2].p = d8; f[2].n = u16(cl->domain, d8);
		f[3].p = u8; f[3].n = u16(cl->user, u8);
	}
	f[4].p = NULL; f[4].n = 0;
	f[5].p = enc; f[5].n = cl->key_exch ? 16 : 0;
	for (int k = 0; k < 6; k++) {
		m[12 + 8 * k] = (uint8_t)f[k].n; m[13 + 8 * k] = (uint8_t)(f[k].n >> 8);
		m[14 + 8 * k] = (uint8_t)f[k].n; m[15 + 8 * k] = (uint8_t)(f[k].n >> 8);
		uint32_t off = (uint32_t)o;
		memcpy(m + 16 + 8 * k, &off, 4);
		if (f[k].n)
			memcpy(m + o, f[k].p, f[k].n);
		o += f[k].n;
	}
	memcpy(m + 60, &flags, 4);
	if (cl->mic) {
		uint8_t all[8192];
		size_t al = 0;
		memcpy(all, neg, neglen); al += neglen;
		memcpy(all + al, chal, chal_len); al += chal_len;
		memcpy(all + al, m, o); al += o;
		hmac_md5(exported, all, al, NULL, 0, m + 72);
	}
	return o;
}

/* the whole handshake for one client; returns the outcome of leg 2 */
static enum ntlm_outcome login(const struct ntlm_server_names *n, const struct client *cl, struct ntlm_who *who)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	uint8_t neg[32], chal[4096], auth[4096];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	size_t nl = negotiate_msg(0xE2088297u, neg);
	size_t cl_len = challenge_of(c, n, 0xE2088297u, "NTLM", chal);
	size_t al = authenticate_msg(cl, neg, nl, chal, cl_len, auth);
	assert_int_equal(step(c, n, "NTLM", auth, al, NOW + 1, header, &out, who), EMU_OK);
	if (out == NTLM_AUTHENTICATED)
		assert_string_equal(header, "");
	ntlm_ctx_free(c);
	return out;
}

/* ---- tests ---- */

static void test_nt_hash(void **state)
{
	uint8_t h[16];
	(void)state;
	assert_int_equal(ntlm_nt_hash("Password", h), EMU_OK);
	assert_memory_equal(h, NT_PASSWORD, 16);
	assert_int_equal(ntlm_nt_hash("bad \xff utf8", h), EMU_EINVAL);
	assert_int_equal(ntlm_nt_hash("", h), EMU_OK);   /* MD4("") = 31d6cfe0... */
	assert_int_equal(h[0], 0x31);
	assert_int_equal(h[1], 0xd6);
}

static void test_scheme_of(void **state)
{
	(void)state;
	assert_int_equal(ntlm_scheme_of("NTLM TlRMTVNTUAAB"), NTLM_SCHEME_NTLM);
	assert_int_equal(ntlm_scheme_of("ntlm \t x"), NTLM_SCHEME_NTLM);
	assert_int_equal(ntlm_scheme_of("Negotiate YIIB"), NTLM_SCHEME_NEGOTIATE);
	assert_int_equal(ntlm_scheme_of("NEGOTIATE x"), NTLM_SCHEME_NEGOTIATE);
	assert_int_equal(ntlm_scheme_of("NTLM"), 0);
	assert_int_equal(ntlm_scheme_of("NTLM   "), 0);
	assert_int_equal(ntlm_scheme_of("NTLMx y"), 0);
	assert_int_equal(ntlm_scheme_of("Basic dXNlcjpwdw=="), 0);
	assert_int_equal(ntlm_scheme_of(NULL), 0);
}

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

static void test_challenge_shape(void **state)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	uint8_t chal[4096];
	struct ntlm_server_names n = {"CONTOSO", "EXCH01", "contoso.com", NULL, 0};
	(void)state;
	/* Windows client: UNICODE and the echoed flags (spec §1.3) */
	size_t len = challenge_of(c, &n, 0xE2088297u, "NTLM", chal);
	assert_true(len > 56);
	assert_memory_equal(chal, "NTLMSSP\0\x02\0\0\0", 12);
	assert_int_equal(rd32(chal + 20), 0xE2898215u);
	assert_memory_equal(chal + 24, CHAL, 8);
	assert_int_equal(rd32(chal + 16), 56);
	assert_memory_equal(chal + 56, "C\0O\0N\0T\0O\0S\0O\0", 14);
	/* TargetInfo: NbDomain, NbComputer, DnsDomain, DnsComputer, DnsTree, Timestamp, EOL */
	size_t ti = rd32(chal + 44), tl = chal[40] | chal[41] << 8, o = ti;
	int ids[8], k = 0;
	assert_true(ti + tl == len);
	while (o + 4 <= ti + tl && k < 8) {
		int id = chal[o] | chal[o + 1] << 8, l = chal[o + 2] | chal[o + 3] << 8;
		ids[k++] = id;
		if (id == 3)
			assert_memory_equal(chal + o + 4, "e\0x\0c\0h\0" "0\0" "1\0.\0c\0", 16);
		if (id == 7) {
			uint64_t ft = rd32(chal + o + 4) | (uint64_t)rd32(chal + o + 8) << 32;
			assert_true(ft == ((uint64_t)NOW + 11644473600ull) * 10000000ull);
		}
		o += 4 + (size_t)l;
		if (!id)
			break;
	}
	int want[7] = {2, 1, 4, 3, 5, 7, 0};
	assert_int_equal(k, 7);
	assert_memory_equal(ids, want, sizeof want);
	/* curl: OEM only -> OEM target name, no echo of what it did not ask */
	len = challenge_of(c, &n, 0x00088206u, "NTLM", chal);
	assert_int_equal(rd32(chal + 20), 0x02898206u);
	assert_memory_equal(chal + 56, "CONTOSO", 7);
	/* raw NTLMSSP under Negotiate answers in Negotiate */
	len = challenge_of(c, NULL, 0x00088206u, "Negotiate", chal);
	assert_memory_equal(chal + 56, "EWSEMU", 6);
	ntlm_ctx_free(c);
}

static void test_v2_vector(void **state)
{
	struct ntlm_who who;
	struct client cl = {.user = "User", .domain = "Domain"};
	(void)state;
	lookups = 0;
	assert_int_equal(login(NULL, &cl, &who), NTLM_AUTHENTICATED);
	assert_string_equal(who.user, "User");
	assert_string_equal(who.domain, "Domain");
	assert_string_equal(who.account, "User@example.test");
	assert_int_equal(lookups, 1);
	/* the same with KEY_EXCH (ExportedSessionKey 55..) and a MIC */
	cl.key_exch = 1;
	assert_int_equal(login(NULL, &cl, &who), NTLM_AUTHENTICATED);
	cl.mic = 1;
	assert_int_equal(login(NULL, &cl, &who), NTLM_AUTHENTICATED);
	cl.key_exch = 0;
	assert_int_equal(login(NULL, &cl, &who), NTLM_AUTHENTICATED);
	/* OEM strings (curl after an OEM CHALLENGE) */
	struct client oem = {.user = "user", .domain = "Domain", .oem = 1};
	assert_int_equal(login(NULL, &oem, &who), NTLM_AUTHENTICATED);
	assert_string_equal(who.user, "user");
}

static void test_v2_refusals(void **state)
{
	struct ntlm_who who;
	uint8_t other[16];
	(void)state;
	assert_int_equal(ntlm_nt_hash("Passw0rd", other), EMU_OK);
	struct client wrong = {.user = "User", .domain = "Domain", .password_hash = other};
	assert_int_equal(login(NULL, &wrong, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "wrong password or unknown user");
	struct client unknown = {.user = "Nobody", .domain = "Domain"};
	assert_int_equal(login(NULL, &unknown, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "wrong password or unknown user");
	/* hashed with the user name not upper-cased: no variant matches it */
	struct client lower = {.user = "User", .domain = "Domain", .hash_user = "User"};
	assert_int_equal(login(NULL, &lower, &who), NTLM_REFUSED);
}

static void test_v2_variants(void **state)
{
	struct ntlm_who who;
	(void)state;
	/* a client that hashed an empty domain but sent one (NLMP 3.2.5.1.2) */
	struct client nil = {.user = "User", .domain = "Domain", .hash_domain = ""};
	assert_int_equal(login(NULL, &nil, &who), NTLM_AUTHENTICATED);
	/* ASCII-only upper-casing of a non-ASCII name (curl, ntlm-client):
	 * "jürgen" (Latin-1 ü = 0xFC) hashed as "JüRGEN" */
	struct client ascii = {.user = "j\xfcrgen", .domain = "", .oem = 1, .hash_user = "J\xfcRGEN"};
	assert_int_equal(login(NULL, &ascii, &who), NTLM_AUTHENTICATED);
	assert_string_equal(who.user, "j\xc3\xbcrgen");
	/* Unicode upper-casing (libsoup, Windows): "JÜRGEN" */
	struct client uni = {.user = "j\xfcrgen", .domain = "", .oem = 1, .hash_user = "J\xdcRGEN"};
	assert_int_equal(login(NULL, &uni, &who), NTLM_AUTHENTICATED);
}

static void test_mic(void **state)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	uint8_t neg[32], chal[4096], auth[4096];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	struct client cl = {.user = "User", .domain = "Domain", .mic = 1, .key_exch = 1};
	(void)state;
	size_t nl = negotiate_msg(0xE2088297u, neg);
	size_t cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	size_t al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	auth[80] ^= 1;   /* inside the MIC */
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "bad MIC");
	/* MsvAvFlags says MIC, but the header has no MIC field (64-byte header) */
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	uint8_t shortm[4096];
	memcpy(shortm, auth, 64);
	memcpy(shortm + 64, auth + 88, al - 88);
	for (int k = 0; k < 6; k++) {
		uint32_t off = rd32(shortm + 16 + 8 * k) - 24;
		memcpy(shortm + 16 + 8 * k, &off, 4);
	}
	assert_int_equal(step(c, NULL, "NTLM", shortm, al - 24, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "bad MIC");
	ntlm_ctx_free(c);
}

static void test_single_use_and_expiry(void **state)
{
	struct ntlm_ctx *c = ntlm_ctx_new(), *c2 = ntlm_ctx_new();
	uint8_t neg[32], chal[4096], auth[4096];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	struct client cl = {.user = "User", .domain = "Domain"};
	(void)state;
	size_t nl = negotiate_msg(0xE2088297u, neg);
	size_t cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	size_t al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_AUTHENTICATED);
	/* replayed on the same connection and on another one */
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "no pending challenge");
	assert_int_equal(step(c2, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	/* a failed AUTHENTICATE ends the challenge too */
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	auth[al - 30] ^= 1;   /* inside the blob: wrong proof */
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	auth[al - 30] ^= 1;
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_string_equal(who.reason, "no pending challenge");
	/* at the TTL still fine, one second later expired */
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW + NTLM_CHALLENGE_TTL, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_AUTHENTICATED);
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW + NTLM_CHALLENGE_TTL + 1, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "challenge expired");
	/* NEGOTIATE by NTLM, AUTHENTICATE by Negotiate */
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "Negotiate", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	/* raw NTLMSSP under Negotiate: succeeds without a final token */
	cln = challenge_of(c, NULL, 0xE2088297u, "Negotiate", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "Negotiate", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_AUTHENTICATED);
	assert_string_equal(header, "");
	ntlm_ctx_free(c);
	ntlm_ctx_free(c2);
}

/* an NTLMv1-style AUTHENTICATE: 24-byte LM and NT responses */
static size_t v1_msg(const uint8_t lm[24], const uint8_t nt[24], uint32_t flags, uint8_t *m)
{
	uint8_t u[16], d[16];
	size_t ul = u16("User", u), dl = u16("Domain", d), o = 64;
	memset(m, 0, 64);
	memcpy(m, "NTLMSSP\0", 8);
	m[8] = 3;
	const uint8_t *p[4] = {lm, nt, d, u};
	size_t n[4] = {24, 24, dl, ul};
	for (int k = 0; k < 4; k++) {
		m[12 + 8 * k] = m[14 + 8 * k] = (uint8_t)n[k];
		uint32_t off = (uint32_t)o;
		memcpy(m + 16 + 8 * k, &off, 4);
		memcpy(m + o, p[k], n[k]);
		o += n[k];
	}
	memcpy(m + 44 + 4, &o, 4);
	memcpy(m + 52 + 4, &o, 4);
	memcpy(m + 60, &flags, 4);
	return o;
}

static void test_v1(void **state)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	uint8_t chal[4096], auth[512], lm[24];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	struct ntlm_server_names v1 = {.allow_v1 = 1};
	(void)state;
	memset(lm, 0, 24);
	size_t al = v1_msg(lm, V1_NT, 0x00000201u, auth);
	challenge_of(c, NULL, 0x00000207u, "NTLM", chal);
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "NTLMv1 refused");
	challenge_of(c, &v1, 0x00000207u, "NTLM", chal);
	assert_int_equal(step(c, &v1, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_AUTHENTICATED);
	/* NTLM2 session response: LM = client challenge aa.. + zeros */
	memset(lm, 0xaa, 8);
	al = v1_msg(lm, ESS_NT, 0x00080201u, auth);
	challenge_of(c, &v1, 0x00080207u, "NTLM", chal);
	assert_int_equal(step(c, &v1, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_AUTHENTICATED);
	/* wrong one */
	al = v1_msg(lm, V1_NT, 0x00080201u, auth);
	challenge_of(c, &v1, 0x00080207u, "NTLM", chal);
	assert_int_equal(step(c, &v1, "NTLM", auth, al, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	ntlm_ctx_free(c);
}

/* a hostile AUTHENTICATE (after a real CHALLENGE) must give @p want and REFUSED */
static void hostile_auth(const uint8_t *auth, size_t al, int want)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	uint8_t chal[4096];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	assert_int_equal(step(c, NULL, "NTLM", auth, al, NOW, header, &out, &who), want);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(header, "");
	ntlm_ctx_free(c);
}

static void test_hostile(void **state)
{
	uint8_t neg[32], chal[4096], auth[4096], bad[4096];
	struct client cl = {.user = "User", .domain = "Domain"};
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	struct ntlm_ctx *c = ntlm_ctx_new();
	(void)state;
	size_t nl = negotiate_msg(0xE2088297u, neg);
	size_t cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	size_t al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	/* truncated: every length below the whole message */
	for (size_t n = 0; n < al; n += (n < 100 ? 1 : 17))
		hostile_auth(auth, n, EMU_EINVAL);
	/* an offset past the end, a length past the end, an offset into the header */
	memcpy(bad, auth, al);
	uint32_t far = 0xFFFFFFF0u;
	memcpy(bad + 24, &far, 4);
	hostile_auth(bad, al, EMU_EINVAL);
	memcpy(bad, auth, al);
	bad[20] = 0xFF; bad[21] = 0xFF;
	hostile_auth(bad, al, EMU_EINVAL);
	memcpy(bad, auth, al);
	uint32_t low = 8;
	memcpy(bad + 40, &low, 4);
	hostile_auth(bad, al, EMU_EINVAL);
	/* wrong signature, wrong type (a CHALLENGE sent back), unknown type */
	memcpy(bad, auth, al);
	bad[0] = 'X';
	hostile_auth(bad, al, EMU_EINVAL);
	hostile_auth(chal, cln, EMU_EINVAL);
	memcpy(bad, auth, al);
	bad[8] = 9;
	hostile_auth(bad, al, EMU_EINVAL);
	/* NT response neither 24 bytes nor an NTLMv2 blob */
	memcpy(bad, auth, al);
	bad[20] = 30;
	hostile_auth(bad, al, EMU_EINVAL);
	memcpy(bad, auth, al);
	bad[rd32(auth + 24) + 16] = 2;   /* RespType */
	hostile_auth(bad, al, EMU_EINVAL);
	/* blob AV pairs running past the blob */
	memcpy(bad, auth, al);
	size_t av = rd32(auth + 24) + 16 + 28;
	bad[av + 2] = 0xF0;
	hostile_auth(bad, al, EMU_EINVAL);
	/* anonymous: no user, no NT response */
	memcpy(bad, auth, al);
	memset(bad + 20, 0, 4);
	memset(bad + 36, 0, 4);
	hostile_auth(bad, al, EMU_OK);
	/* a user name at NTLM_NAME_MAX is fine, one above is refused */
	{
		char longu[NTLM_NAME_MAX + 2];
		memset(longu, 'u', sizeof longu);
		longu[NTLM_NAME_MAX] = 0;
		struct client lc = {.user = longu, .domain = "D"};
		struct ntlm_who w;
		assert_int_equal(login(NULL, &lc, &w), NTLM_REFUSED);
		assert_string_equal(w.reason, "wrong password or unknown user");   /* parsed, unknown */
		longu[NTLM_NAME_MAX] = 'u';
		longu[NTLM_NAME_MAX + 1] = 0;
		size_t l2;
		cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
		l2 = authenticate_msg(&lc, neg, nl, chal, cln, auth);
		hostile_auth(auth, l2, EMU_ELIMIT);
	}
	/* not base64, empty, odd UTF-16 */
	assert_int_equal(ntlm_step(c, NULL, "NTLM !!!!", NOW, lookup, NULL, header, &out, &who), EMU_EINVAL);
	assert_int_equal(out, NTLM_REFUSED);
	assert_int_equal(ntlm_step(c, NULL, "NTLM ", NOW, lookup, NULL, header, &out, &who), EMU_EINVAL);
	assert_int_equal(ntlm_step(c, NULL, "Basic abc", NOW, lookup, NULL, header, &out, &who), EMU_EINVAL);
	/* a NEGOTIATE shorter than 16 bytes */
	assert_int_equal(step(c, NULL, "NTLM", neg, 12, NOW, header, &out, &who), EMU_EINVAL);
	/* a token over NTLM_TOKEN_MAX decoded bytes; one at the limit is parsed */
	{
		size_t big = NTLM_TOKEN_MAX + 3;
		uint8_t *t = calloc(1, big);
		memcpy(t, neg, 32);
		assert_int_equal(step(c, NULL, "NTLM", t, big, NOW, header, &out, &who), EMU_ELIMIT);
		assert_int_equal(out, NTLM_REFUSED);
		assert_int_equal(step(c, NULL, "NTLM", t, NTLM_TOKEN_MAX, NOW, header, &out, &who), EMU_OK);
		assert_int_equal(out, NTLM_CHALLENGE);
		free(t);
	}
	/* Negotiate with SPNEGO-shaped garbage */
	{
		uint8_t g[8] = {0x60, 0x80, 0xff, 0xff, 0, 0, 0, 0};
		assert_int_equal(step(c, NULL, "Negotiate", g, sizeof g, NOW, header, &out, &who), EMU_EINVAL);
		assert_int_equal(out, NTLM_REFUSED);
	}
	ntlm_ctx_free(c);
}

/* A captured exchange: curl 7.88.1 `--ntlm -u 'CONTOSO\alex.smith:Passw0rd!'`
 * against ewsemu (curl -v), replayed with the server challenge it answered.
 * curl offers OEM only and sends NTLMv2 without a MIC, with its own clock in
 * the blob. */
static const char CURL_T1[] = "TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=";
static const uint8_t CURL_CHAL[8] = {0xa0, 0x81, 0xf9, 0xde, 0x1f, 0x51, 0xb1, 0xd7};
static const char CURL_T3[] =
	"TlRMTVNTUAADAAAAGAAYAEAAAADEAMQAWAAAAAcABwAcAQAACgAKACMBAAALAAsALQEAAAAAAAAAAAAABoKJAkfs1TrEgiZR2+0tein1zgGh"
	"/FAt5sOUrP3rMSL60CCbY7PsJUhN8goBAQAAAAAAAICgUVu9ht0BofxQLebDlKwAAAAAAgAOAEMATwBOAFQATwBTAE8AAQAMAEUAWABDAEgA"
	"MAAxAAQAGABjAG8AbgB0AG8AcwBvAC4AdABlAHMAdAADACYAZQB4AGMAaAAwADEALgBjAG8AbgB0AG8AcwBvAC4AdABlAHMAdAAFABgAYwBv"
	"AG4AdABvAHMAbwAuAHQAZQBzAHQABwAIAICgUVu9ht0BAAAAAAAAAABDT05UT1NPYWxleC5zbWl0aFdPUktTVEFUSU9O";
static const char *curl_password;

static int curl_lookup(void *arg, const char *user, const char *domain, uint8_t h[NTLM_NT_HASH_LEN], char *account,
                       size_t size)
{
	(void)arg;
	assert_string_equal(user, "alex.smith");
	assert_string_equal(domain, "CONTOSO");
	assert_int_equal(ntlm_nt_hash(curl_password, h), EMU_OK);
	snprintf(account, size, "alex.smith@contoso.test");
	return EMU_OK;
}

static enum ntlm_outcome curl_replay(const char *password)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	struct ntlm_server_names n = {"CONTOSO", "EXCH01", "contoso.test", NULL, 0};
	char header[NTLM_HEADER_MAX], a[sizeof CURL_T3 + 8];
	enum ntlm_outcome out;
	struct ntlm_who who;
	curl_password = password;
	ntlm_ctx_fix_challenge(c, CURL_CHAL);
	snprintf(a, sizeof a, "NTLM %s", CURL_T1);
	assert_int_equal(ntlm_step(c, &n, a, NOW, curl_lookup, NULL, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_CHALLENGE);
	snprintf(a, sizeof a, "NTLM %s", CURL_T3);
	assert_int_equal(ntlm_step(c, &n, a, NOW, curl_lookup, NULL, header, &out, &who), EMU_OK);
	if (out == NTLM_AUTHENTICATED) {
		assert_string_equal(who.account, "alex.smith@contoso.test");
		assert_string_equal(who.user, "alex.smith");
	}
	ntlm_ctx_free(c);
	return out;
}

static void test_curl_capture(void **state)
{
	(void)state;
	assert_int_equal(curl_replay("Passw0rd!"), NTLM_AUTHENTICATED);
	assert_int_equal(curl_replay("Passw0rd?"), NTLM_REFUSED);
}

/* ---- ntlm_step() with SPNEGO (Negotiate carrying NTLM, spec §3) ---- */

/* OIDs as DER contents: NTLMSSP, MS-KRB5, KRB5 */
static const uint8_t OID_NTLM[] = {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a};
static const uint8_t OID_MSKRB5[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t OID_KRB5[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};

/* tag, shortest DER length and @p n bytes of contents at @p out; returns the size */
static size_t der(uint8_t tag, const uint8_t *contents, size_t n, uint8_t *out)
{
	size_t o = 0;
	out[o++] = tag;
	if (n < 0x80) {
		out[o++] = (uint8_t)n;
	} else if (n < 0x100) {
		out[o++] = 0x81;
		out[o++] = (uint8_t)n;
	} else {
		out[o++] = 0x82;
		out[o++] = (uint8_t)(n >> 8);
		out[o++] = (uint8_t)n;
	}
	memmove(out + o, contents, n);
	return o + n;
}

/* [n] { OCTET STRING @p data } */
static size_t der_octets(int n, const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t in[4096];
	size_t k = der(0x04, data, len, in);
	return der((uint8_t)(0xa0 + n), in, k, out);
}

/* A client's first token: InitialContextToken { SPNEGO, NegTokenInit { mechTypes
 * (@p mechs, @p nmechs OIDs), mechToken @p tok } }; the mechTypes SEQUENCE
 * (what a mechListMIC signs) into @p types. */
static size_t init_token(const uint8_t *const *mechs, const size_t *lens, int nmechs, const uint8_t *tok, size_t tlen,
                         uint8_t *types, size_t *types_len, uint8_t *out)
{
	static const uint8_t spnego_oid[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
	uint8_t oids[256], seq[4096], a[4096], b[4096];
	size_t o = 0, s;
	for (int i = 0; i < nmechs; i++)
		o += der(0x06, mechs[i], lens[i], oids + o);
	*types_len = der(0x30, oids, o, types);
	s = der(0xa0, types, *types_len, seq);
	if (tok)
		s += der_octets(2, tok, tlen, seq + s);
	s = der(0x30, seq, s, a);          /* NegTokenInit */
	s = der(0xa0, a, s, b);            /* [0] */
	memcpy(a, spnego_oid, sizeof spnego_oid);
	memcpy(a + sizeof spnego_oid, b, s);
	return der(0x60, a, sizeof spnego_oid + s, out);
}

/* The client's second token: NegTokenResp { responseToken, mechListMIC } */
static size_t resp_token(const uint8_t *auth, size_t al, const uint8_t *mic, uint8_t *out)
{
	uint8_t seq[4096], a[4096];
	size_t s = der_octets(2, auth, al, seq);
	if (mic)
		s += der_octets(3, mic, 16, seq + s);
	s = der(0x30, seq, s, a);
	return der(0xa1, a, s, out);
}

/* negState of a server NegTokenResp (the first field of its SEQUENCE) */
static int neg_state(const uint8_t *tok, size_t len)
{
	for (size_t i = 0; i + 5 <= len; i++)
		if (tok[i] == 0xa0 && tok[i + 1] == 3 && tok[i + 2] == 0x0a && tok[i + 3] == 1)
			return tok[i + 4];
	fail_msg("no negState");
	return -1;
}

struct spnego_case {
	int ntlm_second;       /* mechTypes {MS-KRB5, NTLM} with a Kerberos mechToken */
	int mic;               /* MsvAvFlags MIC in the AUTHENTICATE */
	int send_mech_mic;     /* the client sends a mechListMIC */
	int bad_mech_mic;      /* ... with one bit flipped */
	/* out */
	int final_token;       /* the AUTHENTICATED answer carried a final NegTokenResp */
	int server_mech_mic;   /* ... with the server's mechListMIC (checked) */
};

/* the ExportedSessionKey authenticate_msg() sends with key_exch */
static const uint8_t EXPORTED[16] = {0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
                                     0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55};

/* Legs 1 and 2 of Negotiate with SPNEGO for User/Domain/Password; returns
 * leg 2's outcome, its header in @p header; leg 1 is checked here. */
static enum ntlm_outcome spnego_login(struct spnego_case *k, char header[NTLM_HEADER_MAX], struct ntlm_who *who)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	static const uint8_t krb_tok[] = {0x60, 0x03, 0x06, 0x01, 0x00};   /* stands for an AP-REQ */
	const uint8_t *mechs[2] = {OID_NTLM, NULL};
	size_t lens[2] = {sizeof OID_NTLM, 0}, tl, types_len, nl = 0, cl_len, al, rl;
	uint8_t neg[32], tok[4096], types[256], resp[4096], chal[4096], auth[4096], mech_mic[16];
	enum ntlm_outcome out, res;
	struct client cl = {.user = "User", .domain = "Domain", .mic = k->mic, .key_exch = 1};
	struct spnego_in in;

	assert_non_null(c);
	if (k->ntlm_second) {
		mechs[0] = OID_MSKRB5;
		lens[0] = sizeof OID_MSKRB5;
		mechs[1] = OID_NTLM;
		lens[1] = sizeof OID_NTLM;
		tl = init_token(mechs, lens, 2, krb_tok, sizeof krb_tok, types, &types_len, tok);
	} else {
		nl = negotiate_msg(0xE2088297u, neg);
		tl = init_token(mechs, lens, 1, neg, nl, types, &types_len, tok);
	}
	ntlm_ctx_fix_challenge(c, CHAL);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, who), EMU_OK);
	assert_int_equal(out, NTLM_CHALLENGE);
	rl = decode_header(header, "Negotiate", resp);
	/* leg 1's answer: NegTokenResp, request-mic when NTLM was not first, the CHALLENGE inside */
	assert_int_equal(resp[0], 0xa1);
	assert_int_equal(neg_state(resp, rl), k->ntlm_second ? 3 : 1);
	assert_int_equal(spnego_parse(resp, rl, &in), EMU_OK);
	assert_int_equal(in.kind, SPNEGO_RESP);
	assert_non_null(in.ntlm);
	assert_memory_equal(in.ntlm, "NTLMSSP\0\2\0\0\0", 12);
	cl_len = in.ntlm_len;
	memcpy(chal, in.ntlm, cl_len);
	/* without an NTLM NEGOTIATE the MIC hashes an empty one (spec §3.2) */
	al = authenticate_msg(&cl, neg, nl, chal, cl_len, auth);
	assert_int_equal(spnego_ntlm_mic(EXPORTED, rd32(auth + 60), 1, types, types_len, mech_mic), EMU_OK);
	if (k->bad_mech_mic)
		mech_mic[9] ^= 0x10;
	tl = resp_token(auth, al, k->send_mech_mic ? mech_mic : NULL, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW + 1, header, &out, who), EMU_OK);
	res = out;
	k->final_token = k->server_mech_mic = 0;
	if (out == NTLM_REFUSED)
		assert_string_equal(header, "");   /* 401 with the fresh offers */
	if (out == NTLM_AUTHENTICATED && header[0]) {
		/* the final token: accept-completed, with the server's mechListMIC when one was due */
		uint8_t mine[16];
		rl = decode_header(header, "Negotiate", resp);
		assert_int_equal(resp[0], 0xa1);
		assert_int_equal(neg_state(resp, rl), 0);
		assert_int_equal(spnego_parse(resp, rl, &in), EMU_OK);
		assert_null(in.ntlm);
		k->final_token = 1;
		if (in.mic) {
			k->server_mech_mic = 1;
			assert_int_equal(in.mic_len, 16);
			assert_int_equal(spnego_ntlm_mic(EXPORTED, rd32(auth + 60), 0, types, types_len, mine), EMU_OK);
			assert_memory_equal(in.mic, mine, 16);
		}
	}
	/* whatever happened, the challenge is spent */
	struct ntlm_who again;
	char h2[NTLM_HEADER_MAX];
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW + 2, h2, &out, &again), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(again.reason, "no pending challenge");
	ntlm_ctx_free(c);
	return res;
}

/* NTLM first with its NEGOTIATE, AUTHENTICATE with a MIC: mechListMIC both ways */
static void test_spnego_login(void **state)
{
	char header[NTLM_HEADER_MAX];
	struct ntlm_who who;
	struct spnego_case k = {.mic = 1, .send_mech_mic = 1};
	(void)state;
	assert_int_equal(spnego_login(&k, header, &who), NTLM_AUTHENTICATED);
	assert_string_equal(who.account, "User@example.test");
	assert_true(k.final_token);
	assert_true(k.server_mech_mic);
	/* no MIC, no mechListMIC: accept-completed without one (spec §3.4) */
	struct spnego_case plain = {0};
	assert_int_equal(spnego_login(&plain, header, &who), NTLM_AUTHENTICATED);
	assert_true(plain.final_token);
	assert_false(plain.server_mech_mic);
}

/* a mechListMIC that does not verify, or none where one is due, is a refusal */
static void test_spnego_mech_list_mic_refused(void **state)
{
	char header[NTLM_HEADER_MAX];
	struct ntlm_who who;
	(void)state;
	struct spnego_case bad = {.mic = 1, .send_mech_mic = 1, .bad_mech_mic = 1};
	assert_int_equal(spnego_login(&bad, header, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "bad mechListMIC");
	struct spnego_case none = {.mic = 1};
	assert_int_equal(spnego_login(&none, header, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "no mechListMIC");
	/* a client that sends one unasked gets it checked too (RFC 4178 5) */
	struct spnego_case unasked = {.send_mech_mic = 1, .bad_mech_mic = 1};
	assert_int_equal(spnego_login(&unasked, header, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "bad mechListMIC");
	struct spnego_case unasked_ok = {.send_mech_mic = 1};
	assert_int_equal(spnego_login(&unasked_ok, header, &who), NTLM_AUTHENTICATED);
	assert_true(unasked_ok.server_mech_mic);
}

/* NTLM offered second (Kerberos first, its token ignored): request-mic, a
 * CHALLENGE without NEGOTIATE, the MIC over an empty NEGOTIATE, and the
 * mechListMIC required even without MsvAvFlags MIC */
static void test_spnego_ntlm_second(void **state)
{
	char header[NTLM_HEADER_MAX];
	struct ntlm_who who;
	(void)state;
	struct spnego_case k = {.ntlm_second = 1, .mic = 1, .send_mech_mic = 1};
	assert_int_equal(spnego_login(&k, header, &who), NTLM_AUTHENTICATED);
	assert_true(k.server_mech_mic);
	struct spnego_case nomic = {.ntlm_second = 1, .send_mech_mic = 1};
	assert_int_equal(spnego_login(&nomic, header, &who), NTLM_AUTHENTICATED);
	assert_true(nomic.server_mech_mic);
	struct spnego_case missing = {.ntlm_second = 1};
	assert_int_equal(spnego_login(&missing, header, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "no mechListMIC");
	struct spnego_case bad = {.ntlm_second = 1, .send_mech_mic = 1, .bad_mech_mic = 1};
	assert_int_equal(spnego_login(&bad, header, &who), NTLM_REFUSED);
	assert_string_equal(who.reason, "bad mechListMIC");
}

/* Kerberos only: refused with the fresh offers, nothing pending; and SPNEGO
 * legs mixed with raw NTLM ones are refused */
static void test_spnego_refusals(void **state)
{
	struct ntlm_ctx *c = ntlm_ctx_new();
	static const uint8_t krb_tok[] = {0x60, 0x03, 0x06, 0x01, 0x00};
	const uint8_t *mechs[2] = {OID_MSKRB5, OID_KRB5};
	size_t lens[2] = {sizeof OID_MSKRB5, sizeof OID_KRB5}, tl, types_len, nl, al, cln;
	uint8_t tok[4096], types[256], neg[32], chal[4096], auth[4096];
	char header[NTLM_HEADER_MAX];
	enum ntlm_outcome out;
	struct ntlm_who who;
	struct client cl = {.user = "User", .domain = "Domain"};
	(void)state;
	tl = init_token(mechs, lens, 2, krb_tok, sizeof krb_tok, types, &types_len, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(header, "");
	assert_non_null(strstr(who.reason, "Kerberos"));
	/* nothing is pending after it */
	nl = negotiate_msg(0xE2088297u, neg);
	cln = challenge_of(c, NULL, 0xE2088297u, "NTLM", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_OK);   /* ends it */
	tl = resp_token(auth, al, NULL, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "no pending challenge");
	/* a raw NTLM handshake answered with a SPNEGO AUTHENTICATE */
	cln = challenge_of(c, NULL, 0xE2088297u, "Negotiate", chal);
	al = authenticate_msg(&cl, neg, nl, chal, cln, auth);
	tl = resp_token(auth, al, NULL, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_OK);
	assert_int_equal(out, NTLM_REFUSED);
	assert_string_equal(who.reason, "AUTHENTICATE in another scheme than its NEGOTIATE");
	/* a NegTokenResp without a responseToken, and a NEGOTIATE inside a NegTokenResp */
	tl = der(0xa1, (const uint8_t *)"\x30\x00", 2, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_EINVAL);
	assert_int_equal(out, NTLM_REFUSED);
	tl = resp_token(neg, nl, NULL, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_EINVAL);
	/* an AUTHENTICATE as the optimistic token of a NegTokenInit */
	const uint8_t *ntlm_only[1] = {OID_NTLM};
	size_t ntlm_len[1] = {sizeof OID_NTLM};
	tl = init_token(ntlm_only, ntlm_len, 1, auth, al, types, &types_len, tok);
	assert_int_equal(step(c, NULL, "Negotiate", tok, tl, NOW, header, &out, &who), EMU_EINVAL);
	ntlm_ctx_free(c);
}

int main(void)
{
	tctx = OSSL_LIB_CTX_new();
	OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(tctx, "legacy"), *dflt = OSSL_PROVIDER_load(tctx, "default");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nt_hash),
		cmocka_unit_test(test_scheme_of),
		cmocka_unit_test(test_challenge_shape),
		cmocka_unit_test(test_v2_vector),
		cmocka_unit_test(test_v2_refusals),
		cmocka_unit_test(test_v2_variants),
		cmocka_unit_test(test_mic),
		cmocka_unit_test(test_single_use_and_expiry),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_curl_capture),
		cmocka_unit_test(test_spnego_login),
		cmocka_unit_test(test_spnego_mech_list_mic_refused),
		cmocka_unit_test(test_spnego_ntlm_second),
		cmocka_unit_test(test_spnego_refusals),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	OSSL_PROVIDER_unload(legacy);
	OSSL_PROVIDER_unload(dflt);
	OSSL_LIB_CTX_free(tctx);
	return r;
}
