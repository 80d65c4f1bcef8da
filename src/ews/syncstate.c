/* syncstate.c - encode and check SyncState blobs (see syncstate.h). */
#include "ews/syncstate.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <string.h>

#include "core/base64.h"
#include "core/be64.h"
#include "core/log.h"
#include "core/result.h"

/* Layout, big-endian:
 *   0 magic "EWSS"  4 version  5 kind  6 scope  7 listing
 *   8 store id (8)  16 mailbox tag (16)  32 folder tag (16)
 *  48 base (8)  56 pos (8)  64 horizon (8)  72 after (32, NUL-padded)
 * 104 fingerprint (8)  112 MAC (16) */
#define SS_MAGIC "EWSS"
#define SS_TAG 16
#define SS_MAC 16
#define SS_BODY 112
#define SS_LEN (SS_BODY + SS_MAC)

/* SHA-256(label \0 text), first @p n bytes: the store id (from the secret)
 * and the mailbox and folder tags. */
static void tag(const char *label, const void *text, size_t len, unsigned char *out, size_t n)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	memset(md, 0, sizeof md);
	if (c && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, label, strlen(label) + 1) == 1 && EVP_DigestUpdate(c, text, len) == 1)
		EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	memcpy(out, md, n);
}

static void mac(const unsigned char *secret, const unsigned char *body, unsigned char *out)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	memset(md, 0, sizeof md);
	HMAC(EVP_sha256(), secret, STORE_SECRET_LEN, body, SS_BODY, md, &n);
	memcpy(out, md, SS_MAC);
}

/* The context part of a state: what it is bound to. */
static void bind_to(unsigned char *b, const unsigned char *secret, const char *mailbox,
                    const char *folder)
{
	memcpy(b, SS_MAGIC, 4);
	b[4] = EWS_SYNCSTATE_VERSION;
	tag("store", secret, STORE_SECRET_LEN, b + 8, 8);
	tag("mailbox", mailbox, strlen(mailbox), b + 16, SS_TAG);
	tag("folder", folder, strlen(folder), b + 32, SS_TAG);
}

int ews_sync_state_encode(struct arena *a, const unsigned char *secret, const char *mailbox,
                          const char *folder, const struct ews_sync_state *st, char **out)
{
	unsigned char b[SS_LEN];
	size_t alen = strnlen(st->after, sizeof st->after);
	char *text;

	if (alen >= sizeof st->after)
		return EMU_EINVAL;
	memset(b, 0, sizeof b);
	bind_to(b, secret, mailbox, folder);
	b[5] = (unsigned char)st->kind;
	b[6] = (unsigned char)st->scope;
	b[7] = st->listing ? 1 : 0;
	be64_put(b + 48, st->base);
	be64_put(b + 56, st->pos);
	be64_put(b + 64, st->horizon);
	memcpy(b + 72, st->after, alen);
	be64_put(b + 104, st->fingerprint);
	mac(secret, b, b + SS_BODY);
	if (!(text = arena_alloc(a, BASE64_ENCODED_SIZE(SS_LEN))))
		return EMU_ENOMEM;
	base64_encode(b, SS_LEN, text);
	*out = text;
	return EMU_OK;
}

static int refuse(const char *why)
{
	LOGI("syncstate", "SyncState refused: %s", why);
	return EMU_EINVAL;
}

int ews_sync_state_decode(const unsigned char *secret, const char *mailbox, const char *folder,
                          enum ews_sync_kind kind, unsigned scope, const char *text,
                          struct ews_sync_state *out)
{
	unsigned char b[SS_LEN], want[SS_BODY], m[SS_MAC];
	size_t tlen, n = 0;

	memset(out, 0, sizeof *out);
	if (!text || !*text)
		return refuse("empty");
	if ((tlen = strnlen(text, EWS_SYNCSTATE_TEXT_MAX + 1)) > EWS_SYNCSTATE_TEXT_MAX)
		return refuse("too long");
	/* a blob longer than a state does not fit b: EMU_ELIMIT, refused */
	if (base64_decode(text, tlen, b, sizeof b, &n) != EMU_OK || n != SS_LEN)
		return refuse("not a state (base64 or length)");
	memset(want, 0, sizeof want);
	bind_to(want, secret, mailbox, folder);
	if (memcmp(b, want, 4) != 0)
		return refuse("bad magic");
	if (b[4] != EWS_SYNCSTATE_VERSION)
		return refuse("another format version");
	if (memcmp(b + 8, want + 8, 8) != 0)
		return refuse("made by another store");
	mac(secret, b, m);
	if (CRYPTO_memcmp(m, b + SS_BODY, SS_MAC) != 0)
		return refuse("MAC mismatch (altered or truncated)");
	if (memcmp(b + 16, want + 16, SS_TAG) != 0)
		return refuse("made for another mailbox");
	if (memcmp(b + 32, want + 32, SS_TAG) != 0)
		return refuse("made for another folder or sync root");
	if (b[5] != (unsigned char)kind)
		return refuse("made for the other sync operation");
	if (b[6] != scope)
		return refuse("made for another SyncScope");
	out->kind = kind;
	out->scope = scope;
	out->listing = b[7] == 1;
	out->base = be64_get(b + 48);
	out->pos = be64_get(b + 56);
	out->horizon = be64_get(b + 64);
	memcpy(out->after, b + 72, STORE_CONTACT_ID_LEN);
	out->after[STORE_CONTACT_ID_LEN] = '\0';
	out->fingerprint = be64_get(b + 104);
	if (b[7] > 1 || out->base > out->pos || out->pos > out->horizon)
		return refuse("inconsistent positions");
	return EMU_OK;
}
