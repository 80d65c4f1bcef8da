/* token.c - signed bearer tokens (see token.h).
 *
 * Why HMAC-SHA256 and not a key pair: ewsemu is both the issuer (`ewsemu
 * token issue`) and the only verifier, and both read the same store folder,
 * so nobody else ever needs to verify a token with a public key.  A 256-bit
 * secret from RAND_bytes gives the same forgery resistance as Ed25519 or
 * P-256 here, with no key encoding to get wrong and verification that is one
 * HMAC plus CRYPTO_memcmp.  The kid binds a token to the key that signed it:
 * a token from another store's key is refused before the HMAC is checked. */
#include "token/token.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "core/hex.h"
#include "core/log.h"
#include "core/result.h"

#define HMAC_LEN 32
#define PART_MAX 2048              /* decoded header or payload bytes */
#define IAT_SKEW 300               /* seconds a clock may run ahead */

static const struct {
	const char *name;
	unsigned bit;
} g_scopes[] = {
	{ "user.read", TOKEN_SCOPE_USER_READ },
	{ "user.readwrite", TOKEN_SCOPE_USER_READWRITE },
	{ "user.readbasic.all", TOKEN_SCOPE_USER_READBASIC_ALL },
	{ "user.read.all", TOKEN_SCOPE_USER_READ_ALL },
	{ "user.readwrite.all", TOKEN_SCOPE_USER_READWRITE_ALL },
};
#define N_SCOPES (sizeof g_scopes / sizeof *g_scopes)

/* ---- base64url (RFC 4648 §5, no padding) --------------------------------- */

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Bytes of the encoding of @p n bytes, without a NUL. */
static size_t b64url_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

static void b64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
		*out++ = B64URL[v >> 18 & 63];
		*out++ = B64URL[v >> 12 & 63];
		*out++ = B64URL[v >> 6 & 63];
		*out++ = B64URL[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)in[i] << 16;
		*out++ = B64URL[v >> 18 & 63];
		*out++ = B64URL[v >> 12 & 63];
	} else if (n - i == 2) {
		unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
		*out++ = B64URL[v >> 18 & 63];
		*out++ = B64URL[v >> 12 & 63];
		*out++ = B64URL[v >> 6 & 63];
	}
	*out = '\0';
}

static int b64val(char c)
{
	if (c >= 'A' && c <= 'Z') return c - 'A';
	if (c >= 'a' && c <= 'z') return c - 'a' + 26;
	if (c >= '0' && c <= '9') return c - '0' + 52;
	if (c == '-') return 62;
	if (c == '_') return 63;
	return -1;
}

/* Strict decode: only the URL alphabet, no padding, and the unused low bits
 * of the last character must be zero, so each byte string has exactly one
 * accepted spelling (an edited signature cannot decode to the same bytes). */
static int b64url_decode(const char *in, size_t n, unsigned char *out, size_t outmax, size_t *outlen)
{
	size_t o = 0;
	unsigned acc = 0;
	int bits = 0;
	if (n % 4 == 1)
		return EMU_EAUTH;
	for (size_t i = 0; i < n; i++) {
		int v = b64val(in[i]);
		if (v < 0)
			return EMU_EAUTH;
		acc = (acc << 6 | (unsigned)v) & 0xffffu;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o >= outmax)
				return EMU_EAUTH;
			out[o++] = (unsigned char)(acc >> bits);
		}
	}
	if (bits && (acc & ((1u << bits) - 1)))
		return EMU_EAUTH;
	*outlen = o;
	return EMU_OK;
}

/* ---- keys ----------------------------------------------------------------- */

int token_key_from_secret(const unsigned char *secret, struct token_key *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	if (!secret || !out)
		return EMU_EINVAL;
	memcpy(out->secret, secret, TOKEN_SECRET_LEN);
	if (!EVP_Digest(secret, TOKEN_SECRET_LEN, md, &mdlen, EVP_sha256(), NULL) || mdlen < TOKEN_KID_LEN / 2) {
		LOGE("token", "SHA-256 failed");
		return EMU_EINTERNAL;
	}
	return hex_encode(md, TOKEN_KID_LEN / 2, HEX_LOWER, out->kid, TOKEN_KID_LEN + 1);
}

/* The file holds the secret as base64url text and a newline. */
static int read_key(int fd, const char *path, struct token_key *out)
{
	char text[128];
	unsigned char secret[TOKEN_SECRET_LEN + 1];
	size_t got = 0, len = 0;
	struct stat st;
	int rc = EMU_EINVAL;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		LOGE("token", "%s: not a regular file", path);
		return EMU_EIO;
	}
	if (st.st_mode & 077) {
		LOGE("token", "%s: readable by others (mode %03o); want 0600", path, (unsigned)(st.st_mode & 0777));
		return EMU_EINVAL;
	}
	for (;;) {
		ssize_t n = read(fd, text + got, sizeof text - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			LOGE("token", "%s: %s", path, strerror(errno));
			return EMU_EIO;
		}
		if (n == 0 || got + (size_t)n >= sizeof text - 1) {
			got += (size_t)n;
			break;
		}
		got += (size_t)n;
	}
	text[got] = '\0';
	while (got && (text[got - 1] == '\n' || text[got - 1] == '\r'))
		text[--got] = '\0';
	if (b64url_decode(text, got, secret, sizeof secret, &len) == EMU_OK && len == TOKEN_SECRET_LEN)
		rc = token_key_from_secret(secret, out);
	else
		LOGE("token", "%s: not a token key", path);
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

int token_key_load_or_create(const char *dir, struct token_key *out)
{
	char path[4096], text[64];
	unsigned char secret[TOKEN_SECRET_LEN];
	int n = snprintf(path, sizeof path, "%s/%s", dir, TOKEN_KEY_FILE);
	int fd, rc;

	if (n < 0 || (size_t)n >= sizeof path)
		return EMU_EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd >= 0) {
		rc = read_key(fd, path, out);
		close(fd);
		return rc;
	}
	if (errno != ENOENT) {
		LOGE("token", "%s: %s", path, strerror(errno));
		return EMU_EIO;
	}
	if (RAND_bytes(secret, sizeof secret) != 1) {
		LOGE("token", "RAND_bytes failed");
		return EMU_EINTERNAL;
	}
	b64url_encode(secret, sizeof secret, text);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* another process created it first: use that one */
		OPENSSL_cleanse(secret, sizeof secret);
		OPENSSL_cleanse(text, sizeof text);
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			LOGE("token", "%s: %s", path, strerror(errno));
			return EMU_EIO;
		}
		rc = read_key(fd, path, out);
		close(fd);
		return rc;
	}
	if (fd < 0) {
		LOGE("token", "cannot create %s: %s", path, strerror(errno));
		OPENSSL_cleanse(secret, sizeof secret);
		OPENSSL_cleanse(text, sizeof text);
		return EMU_EIO;
	}
	size_t len = strlen(text);
	text[len++] = '\n';
	rc = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0 ? EMU_OK : EMU_EIO;
	if (close(fd) != 0)
		rc = EMU_EIO;
	if (rc == EMU_OK)
		rc = token_key_from_secret(secret, out);
	else {
		LOGE("token", "cannot write %s: %s", path, strerror(errno));
		unlink(path);
	}
	OPENSSL_cleanse(secret, sizeof secret);
	OPENSSL_cleanse(text, sizeof text);
	return rc;
}

/* ---- scopes ----------------------------------------------------------------- */

int token_scope_parse(const char *name, size_t len, unsigned *bit)
{
	for (size_t i = 0; i < N_SCOPES; i++) {
		if (strlen(g_scopes[i].name) == len && strncasecmp(g_scopes[i].name, name, len) == 0) {
			*bit = g_scopes[i].bit;
			return EMU_OK;
		}
	}
	return EMU_EINVAL;
}

int token_scopes_format(unsigned scopes, char *out, size_t outsz)
{
	size_t o = 0;
	if (!outsz)
		return EMU_ELIMIT;
	out[0] = '\0';
	for (size_t i = 0; i < N_SCOPES; i++) {
		if (!(scopes & g_scopes[i].bit))
			continue;
		size_t n = strlen(g_scopes[i].name);
		if (o + (o ? 1 : 0) + n >= outsz)
			return EMU_ELIMIT;
		if (o)
			out[o++] = ' ';
		memcpy(out + o, g_scopes[i].name, n + 1);
		o += n;
	}
	return EMU_OK;
}

/* ---- issue and verify ------------------------------------------------------------ */

static int sign(const struct token_key *key, const char *msg, size_t len, unsigned char mac[HMAC_LEN])
{
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha256(), key->secret, TOKEN_SECRET_LEN, (const unsigned char *)msg, len, mac, &maclen) ||
	    maclen != HMAC_LEN) {
		LOGE("token", "HMAC-SHA256 failed");
		return EMU_EINTERNAL;
	}
	return EMU_OK;
}

/* Append base64url(@p json compact) to @p out at *@p o. */
static int put_json(json_t *json, char *out, size_t outsz, size_t *o)
{
	char *text = json ? json_dumps(json, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	int rc = EMU_ENOMEM;
	if (text) {
		size_t n = strlen(text);
		if (*o + b64url_len(n) + 1 > outsz) {
			rc = EMU_ELIMIT;
		} else {
			b64url_encode((const unsigned char *)text, n, out + *o);
			*o += b64url_len(n);
			rc = EMU_OK;
		}
		free(text);
	}
	return rc;
}

int token_issue(const struct token_key *key, const char *sub, unsigned scopes, int64_t iat,
                int64_t exp, char *out, size_t outsz)
{
	char scp[128];
	unsigned char mac[HMAC_LEN];
	json_t *hdr = NULL, *pay = NULL;
	size_t o = 0;
	int rc;

	if (!key || !sub || !*sub || strlen(sub) > TOKEN_SUB_MAX || !scopes || exp <= iat || !out)
		return EMU_EINVAL;
	if (outsz > TOKEN_MAX + 1)
		outsz = TOKEN_MAX + 1;
	rc = token_scopes_format(scopes, scp, sizeof scp);
	if (rc)
		return rc;
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "HS256", "typ", "JWT", "kid", key->kid);
	pay = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", "ewsemu", "sub", sub, "scp", scp,
	                "iat", (json_int_t)iat, "exp", (json_int_t)exp);
	rc = put_json(hdr, out, outsz, &o);
	if (rc)
		goto out;
	if (o + 2 > outsz) {
		rc = EMU_ELIMIT;
		goto out;
	}
	out[o++] = '.';
	rc = put_json(pay, out, outsz, &o);
	if (rc)
		goto out;
	rc = sign(key, out, o, mac);
	if (rc)
		goto out;
	if (o + 1 + b64url_len(HMAC_LEN) + 1 > outsz) {
		rc = EMU_ELIMIT;
		goto out;
	}
	out[o++] = '.';
	b64url_encode(mac, HMAC_LEN, out + o);
out:
	json_decref(hdr);
	json_decref(pay);
	if (rc && outsz)
		out[0] = '\0';
	return rc;
}

/* Decode one part and parse it as a JSON object (NULL when it is not). */
static json_t *part_json(const char *s, size_t n)
{
	unsigned char buf[PART_MAX];
	size_t len;
	if (b64url_decode(s, n, buf, sizeof buf, &len) != EMU_OK)
		return NULL;
	json_t *j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int token_verify(const struct token_key *key, const char *token, int64_t now, struct token_claims *out)
{
	unsigned char mac[HMAC_LEN], given[HMAC_LEN + 3];
	size_t glen = 0, n;
	json_t *hdr = NULL, *pay = NULL;
	const char *d1, *d2, *alg, *kid, *sub, *scp;
	json_t *iat, *exp;
	int rc = EMU_EAUTH;

	if (!key || !token || !out)
		return EMU_EINVAL;
	memset(out, 0, sizeof *out);
	n = strnlen(token, TOKEN_MAX + 1);
	if (n > TOKEN_MAX)
		return EMU_EAUTH;
	d1 = memchr(token, '.', n);
	d2 = d1 ? memchr(d1 + 1, '.', n - (size_t)(d1 + 1 - token)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', n - (size_t)(d2 + 1 - token)))
		return EMU_EAUTH;

	/* header first: only HS256 with our key id ("none", RS256, another key: refused) */
	hdr = part_json(token, (size_t)(d1 - token));
	if (!hdr || json_unpack(hdr, "{s:s, s:s}", "alg", &alg, "kid", &kid) || strcmp(alg, "HS256") != 0 ||
	    strcmp(kid, key->kid) != 0)
		goto out;
	/* then the signature over the exact bytes sent, compared in constant time */
	if (b64url_decode(d2 + 1, n - (size_t)(d2 + 1 - token), given, sizeof given, &glen) != EMU_OK ||
	    glen != HMAC_LEN)
		goto out;
	rc = sign(key, token, (size_t)(d2 - token), mac);
	if (rc)
		goto out;
	rc = EMU_EAUTH;
	if (CRYPTO_memcmp(mac, given, HMAC_LEN) != 0)
		goto out;
	/* only a genuine payload is parsed */
	pay = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
	if (!pay || json_unpack(pay, "{s:s, s:s, s:o, s:o}", "sub", &sub, "scp", &scp, "iat", &iat, "exp", &exp) ||
	    !json_is_integer(iat) || !json_is_integer(exp) || !*sub || strlen(sub) > TOKEN_SUB_MAX)
		goto out;
	for (const char *p = scp; *p;) {
		size_t len = strcspn(p, " ");
		unsigned bit;
		if (len && token_scope_parse(p, len, &bit) == EMU_OK)
			out->scopes |= bit;
		p += len;
		while (*p == ' ')
			p++;
	}
	if (!out->scopes)
		goto out;
	out->iat = json_integer_value(iat);
	out->exp = json_integer_value(exp);
	if (out->iat > now + IAT_SKEW)
		goto out;
	memcpy(out->sub, sub, strlen(sub) + 1);
	rc = out->exp <= now ? EMU_ELIMIT : EMU_OK;
out:
	json_decref(hdr);
	json_decref(pay);
	OPENSSL_cleanse(mac, sizeof mac);
	if (rc != EMU_OK && rc != EMU_ELIMIT)
		memset(out, 0, sizeof *out);
	return rc;
}
