/* auth.h - Basic (password) authentication against the store's users: the
 * same work for unknown users as for wrong passwords, account lockout like
 * Active Directory's, and a small cache so PBKDF2 runs once per credential
 * rather than once per request.  Bearer tokens are not passwords: they are
 * checked in http_authenticate() (http/login.c) and never lock an account. */
#ifndef EMU_HTTP_AUTH_H
#define EMU_HTTP_AUTH_H

#include <stdint.h>

#include "ntlm/ntlm.h"
#include "store/store.h"

/** A cached successful login is re-verified with PBKDF2 after this many
 * seconds at the latest.  Any commit to the store (by any process: import,
 * unlock, a photo upload) drops every cached login at once, so password,
 * admin-flag and lockout changes take effect on the next request. */
#define AUTH_CACHE_SECONDS 60
/** Logins cached at once (least recently filled are replaced). */
#define AUTH_CACHE_SLOTS 64

/** Lockout defaults: Windows' account lockout policy since 2022 (10 bad
 * passwords within 10 minutes lock the account for 10 minutes). */
#define AUTH_LOCKOUT_THRESHOLD_DEFAULT 10
#define AUTH_LOCKOUT_WINDOW_DEFAULT 600
#define AUTH_LOCKOUT_DURATION_DEFAULT 600
/** Upper bounds of the three settings (AD allows 999 attempts, 99999 min). */
#define AUTH_LOCKOUT_THRESHOLD_MAX 999
#define AUTH_LOCKOUT_SECONDS_MAX (99999 * 60)
/** Accounts whose bad-password count the server keeps in memory at once.
 * When full, the entry with the oldest window is reused (its count is
 * lost, as if its window had ended). */
#define AUTH_LOCKOUT_TRACKED_MAX 4096
/** Bytes of a user name quoted in a log line (the rest becomes "..."). */
#define AUTH_LOG_NAME_MAX 80

/* The account lockout policy (AD: "Account lockout threshold", "Reset account
 * lockout counter after", "Account lockout duration"). */
struct auth_policy {
	int lockout_threshold;   /* bad passwords within the window that lock; 0 = never lock */
	int lockout_window;      /* seconds from the first bad password of a count */
	int lockout_duration;    /* seconds an account stays locked */
	const char *alias_domain; /* a bare user name (no '@') is alias@this domain; NULL: none */
};

/** Fill @p p with the AUTH_LOCKOUT_*_DEFAULT values. */
void auth_policy_defaults(struct auth_policy *p);

struct auth_who {
	char email[STORE_ADDR_MAX + 1];  /* primary address; set on EMU_OK and when locked out */
	int is_admin;                    /* set on EMU_OK */
	int locked_out;                  /* on EMU_EAUTH: the account is locked out (any password) */
};

/** Check @p userid / @p passwd (userid: any address of the user, or
 * DOMAIN\\address).
 *
 * Every refusal costs one PBKDF2 run of the stored iteration count: an
 * unknown user, a user without a password and an over-long or empty name
 * are verified against a dummy hash (password_verify_none), a locked
 * account is verified although the answer is a refusal either way.
 *
 * A wrong password for an existing user counts against @p policy; the one
 * that reaches the threshold writes a lockout record to the store (one
 * write txn per lockout, none per bad password: counts below the
 * threshold live in this process's memory and are forgotten after the
 * window, on a successful login and on restart).  While the record is in
 * force every login of the account is refused, the right password too.
 *
 * @param[in] store the store (read txns; a write txn when an account locks)
 * @param[in] policy lockout settings
 * @param[out] who the caller (see the fields)
 * @return EMU_OK; EMU_EAUTH wrong, unknown or locked out (who->locked_out
 *	tells which is which, for the log only: the client must not learn it);
 *	EMU_ENOMEM, EMU_ESTORE store failures (logged).  Thread-safe. */
int auth_basic(store_t *store, const struct auth_policy *policy, const char *userid, const char *passwd,
               struct auth_who *who);

/** Longest decoded Basic credentials ("user:password") looked at: above the
 * longest DOMAIN\\address plus the longest password a hash is made of. */
#define AUTH_BASIC_DECODED_MAX 4096

/** The credentials of the Authorization header value @p value when it is
 * Basic: the decoded name (before the first ':') into @p user and the
 * password into @p pass, NUL-terminated.  EMU_OK; EMU_ENOTFOUND another
 * scheme; EMU_EINVAL malformed base64, no ':', or a NUL byte in them (a NUL
 * would cut them short: "pw\0junk" must not log in as "pw"); EMU_ELIMIT
 * more than AUTH_BASIC_DECODED_MAX bytes decoded, or a part longer than its
 * buffer.  The decoded bytes are wiped; on failure @p user and @p pass are
 * untouched. */
int auth_basic_credentials(const char *value, char *user, size_t usersz, char *pass, size_t passsz);

/** Copy @p name into @p out for a log line: at most AUTH_LOG_NAME_MAX bytes,
 * bytes outside printable ASCII as '?', "..."
 * when cut.  @p out has AUTH_LOG_NAME_MAX + 4 bytes. */
void auth_log_name(const char *name, char out[AUTH_LOG_NAME_MAX + 4]);

/** Bytes of the DOMAIN in "DOMAIN\\user" looked at (longer: ignored). */
#define AUTH_DOMAIN_MAX 255

/** The store user a login name names, for Basic and NTLM alike: @p name
 * with an '@' (a UPN or any SMTP address of the user) by address; a bare
 * alias as alias@@p domain when @p domain is a DNS name, else as
 * alias@policy->alias_domain.  @p domain is what came before '\\' ("" or
 * NULL when nothing did).
 * @return as store_user_get(): EMU_OK; EMU_ENOTFOUND; EMU_EINVAL/EMU_ELIMIT
 *	a malformed or over-long name; EMU_ESTORE. */
int auth_user_find(store_txn_t *t, const struct auth_policy *policy, const char *name, const char *domain,
                   struct user_record *u);

/* The NTLM user lookup's state for one AUTHENTICATE (auth_ntlm_lookup). */
struct auth_ntlm {
	store_t *store;                   /* in */
	const struct auth_policy *policy; /* in */
	int known;                        /* out: a user with an NT hash, not locked out */
	int locked_out;                   /* out: the account is (or just became) locked out */
	int is_admin;                     /* out */
	char email[STORE_ADDR_MAX + 1];   /* out: primary address ("" when unknown) */
};

/** The ntlm_lookup_fn of http/login.c (@p arg: struct auth_ntlm): finds the
 * user by auth_user_find() and hands its NT hash over.  A user without an
 * NT hash (a store from before schema 7) is refused and the log says
 * "no NT hash kept for USER: set the password again"; a locked-out account
 * is refused like a wrong password.
 * @return EMU_OK; EMU_ENOTFOUND; EMU_ENOMEM; EMU_ESTORE. */
int auth_ntlm_lookup(void *arg, const char *user, const char *domain, uint8_t nt_hash[NTLM_NT_HASH_LEN], char *account,
                     size_t account_size);

/** After ntlm_step() ended an AUTHENTICATE: a success resets the account's
 * bad-password count, a wrong password of a known user counts against the
 * lockout policy exactly as a Basic one does (and may lock the account). */
void auth_ntlm_done(struct auth_ntlm *a, int authenticated);

#endif
