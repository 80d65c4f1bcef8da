/* auth.c - Basic auth: verify against the store's password hashes, lock
 * accounts after repeated bad passwords, and cache successful checks
 * (keyed by a SHA-256 of the credentials, tagged with the store's last
 * transaction id) because PBKDF2 is deliberately slow.
 *
 * Timing: every path that ends in a refusal runs PBKDF2 once, so a wrong
 * password, an unknown user and a locked account cost the same; only a
 * correct, cached login is fast, and only who knows the password gets one.
 *
 * Lockout state: counts below the threshold are this process's memory (a
 * flood of bad passwords writes nothing); the lockout itself is a store
 * record, so `ewsemu diag` and `ewsemu unlock` in another process see and
 * clear it while the server runs. */
#include "http/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/password.h"
#include "core/result.h"

void auth_policy_defaults(struct auth_policy *p)
{
	p->lockout_threshold = AUTH_LOCKOUT_THRESHOLD_DEFAULT;
	p->lockout_window = AUTH_LOCKOUT_WINDOW_DEFAULT;
	p->lockout_duration = AUTH_LOCKOUT_DURATION_DEFAULT;
}

void auth_log_name(const char *name, char out[AUTH_LOG_NAME_MAX + 4])
{
	size_t i = 0;
	for (; name[i] && i < AUTH_LOG_NAME_MAX; i++) {
		unsigned char c = (unsigned char)name[i];
		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (name[i]) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

int auth_basic_credentials(const char *value, char *user, size_t usersz, char *pass, size_t passsz)
{
	unsigned char buf[AUTH_BASIC_DECODED_MAX];
	size_t n = 0;
	int rc = EMU_EINVAL;
	if (strncasecmp(value, "Basic", 5) != 0 || (value[5] != ' ' && value[5] != '\t'))
		return EMU_ENOTFOUND;
	const char *p = value + 5;
	p += strspn(p, " \t");
	if (base64_decode(p, strlen(p), buf, sizeof buf, &n) != EMU_OK)
		goto out;   /* malformed, or longer than any real credentials */
	/* a NUL would cut the name or password short: "pw\0junk" is not "pw" */
	const unsigned char *colon = memchr(buf, ':', n);
	if (!colon || memchr(buf, 0, n))
		goto out;
	size_t ul = (size_t)(colon - buf), pl = n - ul - 1;
	if (ul >= usersz || pl >= passsz) {
		rc = EMU_ELIMIT;
		goto out;
	}
	memcpy(user, buf, ul);
	user[ul] = '\0';
	memcpy(pass, colon + 1, pl);
	pass[pl] = '\0';
	rc = EMU_OK;
out:
	OPENSSL_cleanse(buf, n ? n : sizeof buf);
	return rc;
}

/* ---- the login cache ------------------------------------------------------- */

struct slot {
	unsigned char key[32];
	time_t expires;
	uint64_t txnid;          /* the store snapshot the login was verified in */
	struct auth_who who;
};

static struct slot g_cache[AUTH_CACHE_SLOTS];
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

/* A slot is live while unexpired and filled at the store's current txn:
 * any commit since (password, admin flag, lockout) makes it stale. */
static int live(const struct slot *s, time_t now, uint64_t txnid)
{
	return s->expires > now && s->txnid == txnid;
}

static int cache_get(const unsigned char key[32], uint64_t txnid, struct auth_who *who)
{
	time_t now = time(NULL);
	int hit = 0;
	pthread_mutex_lock(&g_lock);
	for (int i = 0; i < AUTH_CACHE_SLOTS; i++) {
		if (live(&g_cache[i], now, txnid) && CRYPTO_memcmp(g_cache[i].key, key, 32) == 0) {
			*who = g_cache[i].who;
			hit = 1;
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
	return hit;
}

static void cache_put(const unsigned char key[32], uint64_t txnid, const struct auth_who *who)
{
	time_t now = time(NULL);
	int victim = 0;
	pthread_mutex_lock(&g_lock);
	for (int i = 0; i < AUTH_CACHE_SLOTS; i++) {
		if (g_cache[i].expires < g_cache[victim].expires)
			victim = i;
		if (!live(&g_cache[i], now, txnid)) {
			victim = i;
			break;
		}
	}
	memcpy(g_cache[victim].key, key, 32);
	g_cache[victim].who = *who;
	g_cache[victim].txnid = txnid;
	g_cache[victim].expires = now + AUTH_CACHE_SECONDS;
	pthread_mutex_unlock(&g_lock);
}

/* ---- bad-password counts ----------------------------------------------------- */

struct track {
	uint64_t hash;           /* of the lower-cased primary address; 0 = free */
	unsigned count;
	time_t first;            /* first bad password of this count */
};

static struct track g_track[AUTH_LOCKOUT_TRACKED_MAX];
/* slots in use, changed under g_track_lock; a successful login reads it
 * without the lock and skips lock and scan while no account has a count */
static atomic_int g_tracked;
static pthread_mutex_t g_track_lock = PTHREAD_MUTEX_INITIALIZER;

/* FNV-1a of the ASCII-lower-cased address, never 0.  A collision would only
 * merge two accounts' counts. */
static uint64_t track_hash(const char *email)
{
	uint64_t h = 14695981039346656037ull;
	for (const unsigned char *p = (const unsigned char *)email; *p; p++) {
		unsigned char c = *p >= 'A' && *p <= 'Z' ? (unsigned char)(*p + ('a' - 'A')) : *p;
		h = (h ^ c) * 1099511628211ull;
	}
	return h ? h : 1;
}

static void track_free(struct track *t)
{
	if (t->hash)
		g_tracked--;
	t->hash = 0;
	t->count = 0;
}

/* One more bad password for @p email.  Returns the count when it reaches
 * the threshold (the slot is freed: the store holds the lockout now), else 0. */
static unsigned track_failure(const struct auth_policy *p, const char *email, time_t now)
{
	uint64_t h = track_hash(email);
	struct track *slot = NULL, *victim = &g_track[0];
	unsigned reached = 0;
	pthread_mutex_lock(&g_track_lock);
	for (int i = 0; i < AUTH_LOCKOUT_TRACKED_MAX; i++) {
		struct track *t = &g_track[i];
		if (t->hash == h) {
			slot = t;
			break;
		}
		if (victim->hash && (!t->hash || t->first < victim->first))
			victim = t;
	}
	if (slot && now - slot->first >= p->lockout_window)
		slot->count = 0;   /* AD: "reset account lockout counter after" */
	if (!slot) {
		slot = victim;
		track_free(slot);
		slot->hash = h;
		g_tracked++;
	}
	if (slot->count == 0)
		slot->first = now;
	if (++slot->count >= (unsigned)p->lockout_threshold) {
		reached = slot->count;
		track_free(slot);
	}
	pthread_mutex_unlock(&g_track_lock);
	return reached;
}

/* A successful login resets the account's count (AD's badPwdCount). */
static void track_success(const char *email)
{
	if (atomic_load_explicit(&g_tracked, memory_order_relaxed) == 0)
		return;   /* every cached login of a quiet server: no global lock */
	uint64_t h = track_hash(email);
	pthread_mutex_lock(&g_track_lock);
	for (int i = 0; i < AUTH_LOCKOUT_TRACKED_MAX; i++) {
		if (g_track[i].hash == h) {
			track_free(&g_track[i]);
			break;
		}
	}
	pthread_mutex_unlock(&g_track_lock);
}

/* ---- lockout records ------------------------------------------------------------ */

static void format_time(time_t t, char out[32])
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Write the lockout of @p email (one write txn).  A failure is logged by the
 * store; the request is refused either way. */
static void lock_account(store_t *store, const struct auth_policy *p, const char *email, time_t now,
                         unsigned count)
{
	struct store_lockout l = { .locked_at = now, .locked_until = now + p->lockout_duration, .bad_count = count };
	store_txn_t *t = NULL;
	char until[32], shown[AUTH_LOG_NAME_MAX + 4];
	int rc = store_txn_begin(store, 1, &t);
	if (rc == EMU_OK)
		rc = store_lockout_set(t, email, &l);
	if (rc == EMU_OK)
		rc = store_txn_commit(t);
	else
		store_txn_abort(t);
	auth_log_name(email, shown);
	format_time((time_t)l.locked_until, until);
	if (rc == EMU_OK)
		LOGW("auth", "account '%s' locked out until %s after %u bad passwords within %d s "
		     "(ewsemu unlock clears it)", shown, until, count, p->lockout_window);
	else
		LOGW("auth", "account '%s' reached %u bad passwords but its lockout was not recorded: %s",
		     shown, count, emu_strerror(rc));
}

/* ---- who a user name is -------------------------------------------------------- */

int auth_user_find(store_txn_t *t, const struct auth_policy *policy, const char *name, const char *domain,
                   struct user_record *u)
{
	char addr[STORE_ADDR_MAX + 2];
	int rc;
	if (strchr(name, '@'))
		return store_user_get(t, name, u);   /* UPN or any SMTP address of the user */
	if (!*name)
		return EMU_ENOTFOUND;
	/* a bare alias: in the DNS domain it came with ("contoso.com\\alice"),
	 * else in the server's own domain */
	if (domain && strchr(domain, '.') && (size_t)snprintf(addr, sizeof addr, "%s@%s", name, domain) < sizeof addr) {
		rc = store_user_get(t, addr, u);
		if (rc != EMU_ENOTFOUND && rc != EMU_EINVAL && rc != EMU_ELIMIT)
			return rc;
	}
	if (!policy->alias_domain || !*policy->alias_domain ||
	    (size_t)snprintf(addr, sizeof addr, "%s@%s", name, policy->alias_domain) >= sizeof addr)
		return EMU_ENOTFOUND;
	return store_user_get(t, addr, u);
}

/* ---- the check ----------------------------------------------------------------- */

int auth_basic(store_t *store, const struct auth_policy *policy, const char *userid, const char *passwd,
               struct auth_who *who)
{
	unsigned char key[32];
	struct user_record u;
	struct store_lockout lock = { 0 };
	store_txn_t *t = NULL;
	char shown[AUTH_LOG_NAME_MAX + 4], until[32];
	int rc, known, ok;

	memset(who, 0, sizeof *who);
	if (!userid || !passwd)
		return EMU_EAUTH;
	digest(userid, passwd, key);
	if (cache_get(key, store_last_txnid(store), who)) {
		track_success(who->email);
		return EMU_OK;
	}
	/* DOMAIN\user, user@domain and the bare alias: auth_user_find() */
	const char *bs = strchr(userid, '\\'), *name = bs ? bs + 1 : userid;
	char domain[AUTH_DOMAIN_MAX + 1] = "";
	if (bs && (size_t)(bs - userid) <= AUTH_DOMAIN_MAX) {
		memcpy(domain, userid, (size_t)(bs - userid));
		domain[bs - userid] = '\0';
	}
	rc = store_txn_begin(store, 0, &t);
	if (rc)
		return rc;
	uint64_t snapshot = store_txn_id(t);
	rc = auth_user_find(t, policy, name, domain, &u);
	if (rc == EMU_OK)
		rc = store_lockout_get(t, u.email, &lock);
	store_txn_abort(t);
	/* an empty or over-long name is nobody, like an unknown one */
	if (rc != EMU_OK && rc != EMU_ENOTFOUND && rc != EMU_EINVAL && rc != EMU_ELIMIT)
		return rc;
	known = rc == EMU_OK && u.password_hash[0];
	ok = known ? password_verify(passwd, u.password_hash) : password_verify_none(passwd);

	time_t now = time(NULL);
	auth_log_name(name, shown);
	if (known && lock.locked_until > now) {
		/* AD and IIS answer a locked account like a wrong password */
		memcpy(who->email, u.email, sizeof who->email);
		who->locked_out = 1;
		format_time((time_t)lock.locked_until, until);
		LOGI("auth", "rejected credentials for '%s': account locked out until %s%s", shown, until,
		     ok ? " (the password was right)" : "");
		return EMU_EAUTH;
	}
	if (!ok) {
		unsigned reached = known && policy->lockout_threshold > 0 ? track_failure(policy, u.email, now) : 0;
		LOGI("auth", "rejected credentials for '%s'", shown);
		if (reached) {
			lock_account(store, policy, u.email, now, reached);
			memcpy(who->email, u.email, sizeof who->email);
			who->locked_out = 1;
		}
		return EMU_EAUTH;
	}
	track_success(u.email);
	memcpy(who->email, u.email, sizeof who->email);
	who->is_admin = u.is_admin;
	cache_put(key, snapshot, who);
	return EMU_OK;
}

/* ---- NTLM ------------------------------------------------------------------------ */

int auth_ntlm_lookup(void *arg, const char *user, const char *domain, uint8_t nt_hash[NTLM_NT_HASH_LEN], char *account,
                     size_t account_size)
{
	struct auth_ntlm *a = arg;
	struct user_record *u = calloc(1, sizeof *u);
	struct store_lockout lock = { 0 };
	store_txn_t *t = NULL;
	char shown[AUTH_LOG_NAME_MAX + 4];
	int rc;

	if (!u)
		return EMU_ENOMEM;
	a->known = a->locked_out = a->is_admin = 0;
	a->email[0] = '\0';
	auth_log_name(user, shown);
	rc = store_txn_begin(a->store, 0, &t);
	if (rc)
		goto out;
	rc = auth_user_find(t, a->policy, user, domain, u);
	if (rc == EMU_OK)
		rc = store_lockout_get(t, u->email, &lock);
	store_txn_abort(t);
	if (rc == EMU_EINVAL || rc == EMU_ELIMIT)
		rc = EMU_ENOTFOUND;   /* an empty or over-long name is nobody */
	if (rc)
		goto out;
	if (!u->has_nt_hash) {
		LOGW("auth", "NTLM refused: no NT hash kept for %s: set the password again (import the user "
		     "with its password); Basic still works", u->email);
		rc = EMU_ENOTFOUND;
		goto out;
	}
	memcpy(a->email, u->email, sizeof a->email);
	a->is_admin = u->is_admin;
	if (lock.locked_until > time(NULL)) {
		/* AD and IIS answer a locked account like a wrong password */
		char until[32];
		format_time((time_t)lock.locked_until, until);
		LOGI("auth", "rejected NTLM login of '%s': account locked out until %s", shown, until);
		a->locked_out = 1;
		rc = EMU_ENOTFOUND;
		goto out;
	}
	a->known = 1;
	memcpy(nt_hash, u->nt_hash, NTLM_NT_HASH_LEN);
	if ((size_t)snprintf(account, account_size, "%s", u->email) >= account_size)
		rc = EMU_ELIMIT;
out:
	OPENSSL_cleanse(u, sizeof *u);
	free(u);
	return rc;
}

void auth_ntlm_done(struct auth_ntlm *a, int authenticated)
{
	if (authenticated) {
		track_success(a->email);
		return;
	}
	if (!a->known || a->policy->lockout_threshold <= 0)
		return;
	/* a wrong NTLM password counts as a wrong Basic one */
	unsigned reached = track_failure(a->policy, a->email, time(NULL));
	if (reached) {
		lock_account(a->store, a->policy, a->email, time(NULL), reached);
		a->locked_out = 1;
	}
}
