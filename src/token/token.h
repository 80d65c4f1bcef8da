/* token.h - bearer tokens for the Outlook REST photo API and EWS: issue and
 * verify a signed, expiring token naming a user and OAuth-style scopes
 * (spec §8: user.read, user.readwrite, user.readbasic.all, user.read.all,
 * user.readwrite.all).
 *
 * Format: JWT compact serialisation, base64url(header).base64url(payload).
 * base64url(HMAC-SHA256(key, header "." payload)); header
 * {"alg":"HS256","typ":"JWT","kid":KID}, payload {"iss":"ewsemu","sub":
 * PRIMARY ADDRESS,"scp":"space separated scopes","iat":N,"exp":N}.
 *
 * Pure functions over plain structs (no store, no sockets), except the key
 * file helpers.  Thread-safe.  Unit-tested in tests/unit/token/.
 */
#ifndef EMU_TOKEN_TOKEN_H
#define EMU_TOKEN_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define TOKEN_MAX 4096             /* longest token accepted or issued, bytes */
#define TOKEN_SECRET_LEN 32        /* HMAC-SHA256 key bytes */
#define TOKEN_KID_LEN 16           /* hex digits of the key id */
#define TOKEN_SUB_MAX 320          /* longest subject (an SMTP address) */
#define TOKEN_KEY_FILE "token.key" /* in the store folder, mode 0600 */

/* Scopes, as bits.  What each grants is decided in ews/access.h. */
enum token_scope {
	TOKEN_SCOPE_USER_READ = 1u << 0,            /* user.read: own photo, read */
	TOKEN_SCOPE_USER_READWRITE = 1u << 1,       /* user.readwrite: own photo, read + write */
	TOKEN_SCOPE_USER_READBASIC_ALL = 1u << 2,   /* user.readbasic.all: anyone's, read */
	TOKEN_SCOPE_USER_READ_ALL = 1u << 3,        /* user.read.all: anyone's, read */
	TOKEN_SCOPE_USER_READWRITE_ALL = 1u << 4    /* user.readwrite.all: anyone's, read + write */
};

struct token_key {
	unsigned char secret[TOKEN_SECRET_LEN];
	char kid[TOKEN_KID_LEN + 1];   /* hex of the first 8 bytes of SHA-256(secret) */
};

struct token_claims {
	char sub[TOKEN_SUB_MAX + 1];   /* the user's primary address */
	unsigned scopes;               /* token_scope bits */
	int64_t iat, exp;              /* unix seconds */
};

/** Make a key from @p secret (TOKEN_SECRET_LEN bytes) and derive its kid.
 * EMU_OK, EMU_EINTERNAL when OpenSSL fails. */
int token_key_from_secret(const unsigned char *secret, struct token_key *out);

/** Load the key from DIR/token.key, creating it first (RAND_bytes, file
 * mode 0600, O_EXCL so two processes agree) when absent.  A key file that
 * others may read (group/other permission bits) or that is malformed is
 * refused.  EMU_OK; EMU_EIO (file errors, logged), EMU_EINVAL (malformed or
 * too open), EMU_EINTERNAL (no randomness). */
int token_key_load_or_create(const char *dir, struct token_key *out);

/** Parse one scope name (ASCII case-insensitive, "User.Read" too) into its
 * bit.  EMU_OK, EMU_EINVAL for an unknown name. */
int token_scope_parse(const char *name, size_t len, unsigned *bit);

/** Write the space-separated names of @p scopes into @p out.  EMU_OK or
 * EMU_ELIMIT. */
int token_scopes_format(unsigned scopes, char *out, size_t outsz);

/** Issue a token for @p sub with @p scopes (non-zero), issued at @p iat,
 * expiring at @p exp (> iat), signed with @p key, into @p out (NUL-terminated).
 * EMU_OK; EMU_EINVAL (bad arguments), EMU_ELIMIT (@p outsz too small),
 * EMU_ENOMEM, EMU_EINTERNAL. */
int token_issue(const struct token_key *key, const char *sub, unsigned scopes, int64_t iat,
                int64_t exp, char *out, size_t outsz);

/** Verify @p token (the text after "Bearer ") against @p key at time @p now.
 * Checks, in order: size and shape (three strict base64url parts), header
 * (alg exactly HS256, kid equal to the key's), the signature (HMAC-SHA256,
 * compared in constant time), then the payload (sub, scp, iat, exp present
 * and well-typed, at least one known scope).  Unknown scopes in scp are
 * ignored.  On EMU_OK @p out holds the claims.
 * @return EMU_OK; EMU_EAUTH for anything malformed, forged or tampered;
 *         EMU_ELIMIT when the token has expired (exp <= now); EMU_ENOMEM. */
int token_verify(const struct token_key *key, const char *token, int64_t now, struct token_claims *out);

#endif
