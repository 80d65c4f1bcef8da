/* auth.c - Basic auth: verify against the store's password hashes; cache
 * successful checks (keyed by a SHA-256 of the credentials) for
 * AUTH_CACHE_SECONDS, because PBKDF2 is deliberately slow. */
#include "http/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/password.h"
#include "core/result.h"

#define CACHE_SLOTS 64

struct slot {
	unsigned char key[32];
	time_t expires;
	struct auth_who who;
};

static struct slot g_cache[CACHE_SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static EVP_MD *g_sha256;   /* fetched once: an implicit fetch per digest costs as much as the hash */
static pthread_once_t g_sha256_once = PTHREAD_ONCE_INIT;

static void fetch_sha256(void)
{
	g_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static void digest(const char *userid, const char *passwd, unsigned char out[32])
{
	unsigned int n = 32;
	pthread_once(&g_sha256_once, fetch_sha256);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, g_sha256 ? g_sha256 : EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, userid, strlen(userid) + 1) ||
	    !EVP_DigestUpdate(ctx, passwd, strlen(passwd)) || !EVP_DigestFinal_ex(ctx, out, &n))
		memset(out, 0, 32);
	EVP_MD_CTX_free(ctx);
}

static int cache_get(const unsigned char key[32], struct auth_who *who)
{
	time_t now = time(NULL);
	int hit = 0;
	pthread_mutex_lock(&g_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (g_cache[i].expires > now && CRYPTO_memcmp(g_cache[i].key, key, 32) == 0) {
			*who = g_cache[i].who;
			hit = 1;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return hit;
}

static void cache_put(const unsigned char key[32], const struct auth_who *who)
{
	time_t now = time(NULL);
	int victim = 0;
	pthread_mutex_lock(&g_lock);
	for (int i = 0; i < CACHE_SLOTS; i++) {
		if (g_cache[i].expires < g_cache[victim].expires)
			victim = i;
		if (g_cache[i].expires <= now) {
			victim = i;
			break;
		}
	}
	memcpy(g_cache[victim].key, key, 32);
	g_cache[victim].who = *who;
	g_cache[victim].expires = now + AUTH_CACHE_SECONDS;
	pthread_mutex_unlock(&g_lock);
}

int auth_basic(store_t *store, const char *userid, const char *passwd, struct auth_who *who)
{
	unsigned char key[32];
	struct user_record u;
	store_txn_t *t = NULL;
	int rc;

	if (!userid || !passwd || !*userid)
		return EMU_EAUTH;
	digest(userid, passwd, key);
	if (cache_get(key, who))
		return EMU_OK;
	/* DOMAIN\user and user@domain both reach the user by address */
	const char *name = strchr(userid, '\\') ? strchr(userid, '\\') + 1 : userid;
	rc = store_txn_begin(store, 0, &t);
	if (rc)
		return rc;
	rc = store_user_get(t, name, &u);
	store_txn_abort(t);
	if (rc == EMU_ENOTFOUND || (rc == EMU_OK && (!u.password_hash[0] || !password_verify(passwd, u.password_hash)))) {
		LOGI("auth", "rejected credentials for '%s'", name);
		return EMU_EAUTH;
	}
	if (rc)
		return rc;
	memcpy(who->email, u.email, sizeof who->email);
	who->is_admin = u.is_admin;
	cache_put(key, who);
	return EMU_OK;
}
