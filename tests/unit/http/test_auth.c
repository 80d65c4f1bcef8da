/* test_auth.c - http/auth.h: the work done for unknown users, account
 * lockout, and a credential cache that follows the store.  The password
 * verifiers are wrapped (-Wl,--wrap, see CMakeLists.txt) to count calls: the
 * tests check which one ran, never how long anything took. */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/password.h"
#include "core/result.h"
#include "http/auth.h"
#include "http/server.h"
#include "ntlm/ntlm.h"
#include "store/store.h"

int __real_password_verify(const char *password, const char *stored);
int __real_password_verify_none(const char *password);
int __wrap_password_verify(const char *password, const char *stored);
int __wrap_password_verify_none(const char *password);

static int g_verify, g_verify_none;

int __wrap_password_verify(const char *password, const char *stored)
{
	g_verify++;
	return __real_password_verify(password, stored);
}

int __wrap_password_verify_none(const char *password)
{
	g_verify_none++;
	return __real_password_verify_none(password);
}

struct fixture {
	char dir[64];
	store_t *s;
	struct auth_policy policy;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void put_user(store_t *s, const char *email, const char *alias_addr, const char *password, int admin)
{
	struct user_record u;
	store_txn_t *t;
	memset(&u, 0, sizeof u);
	snprintf(u.email, sizeof u.email, "%s", email);
	snprintf(u.display_name, sizeof u.display_name, "%s", email);
	if (alias_addr) {
		snprintf(u.proxies[0], sizeof u.proxies[0], "%s", alias_addr);
		u.nproxies = 1;
	}
	if (password)
		assert_int_equal(password_hash(password, u.password_hash, sizeof u.password_hash), EMU_OK);
	u.is_admin = admin;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-auth-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	assert_int_equal(store_open(f->dir, 0, &f->s), EMU_OK);
	auth_policy_defaults(&f->policy);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* auth_basic with the calls of each verifier counted. */
static int login(struct fixture *f, const char *user, const char *pw, struct auth_who *who, int *real, int *none)
{
	g_verify = g_verify_none = 0;
	int rc = auth_basic(f->s, &f->policy, user, pw, who);
	*real = g_verify;
	*none = g_verify_none;
	return rc;
}

static struct store_lockout lockout_of(store_t *s, const char *addr)
{
	struct store_lockout l;
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_lockout_get(t, addr, &l), EMU_OK);
	store_txn_abort(t);
	return l;
}

static void unlock(store_t *s, const char *addr)
{
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_lockout_clear(t, addr), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

/* Unknown users, users without a password and names the store rejects
 * (empty, over-long) run the dummy verifier once: the same PBKDF2 work as a
 * wrong password, which runs the real one once. */
static void test_refusals_do_the_same_work(void **state)
{
	struct fixture *f = *state;
	struct auth_who who;
	int real, none;
	char longname[STORE_ADDR_MAX + 50];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';

	put_user(f->s, "ann@example.test", NULL, "Ann-pw-1", 0);
	put_user(f->s, "nopw@example.test", NULL, NULL, 0);

	assert_int_equal(login(f, "ann@example.test", "wrong", &who, &real, &none), EMU_EAUTH);
	assert_int_equal(real, 1);
	assert_int_equal(none, 0);
	assert_false(who.locked_out);
	const char *nobody[] = { "ghost@example.test", "nopw@example.test", longname, "", "DOMAIN\\",
	                         "DOMAIN\\ghost@example.test", "\x01\x7f\xff@example.test" };
	for (size_t i = 0; i < sizeof nobody / sizeof *nobody; i++) {
		assert_int_equal(login(f, nobody[i], "wrong", &who, &real, &none), EMU_EAUTH);
		assert_int_equal(real, 0);
		assert_int_equal(none, 1);
		assert_false(who.locked_out);
		assert_string_equal(who.email, "");
	}
	/* the dummy never matches, whatever the password */
	assert_int_equal(login(f, "nopw@example.test", "", &who, &real, &none), EMU_EAUTH);
	assert_int_equal(none, 1);
	assert_int_equal(password_verify_none(""), 0);

	assert_int_equal(login(f, "DOMAIN\\ann@example.test", "Ann-pw-1", &who, &real, &none), EMU_OK);
	assert_string_equal(who.email, "ann@example.test");
}

/* A right login is cached (no PBKDF2 the second time) until the store
 * changes: then it is verified again. */
static void test_cache_follows_the_store(void **state)
{
	struct fixture *f = *state;
	struct auth_who who;
	int real, none;

	put_user(f->s, "cal@example.test", NULL, "Cal-pw-1", 0);
	assert_int_equal(login(f, "cal@example.test", "Cal-pw-1", &who, &real, &none), EMU_OK);
	assert_int_equal(real, 1);
	assert_int_equal(login(f, "cal@example.test", "Cal-pw-1", &who, &real, &none), EMU_OK);
	assert_int_equal(real + none, 0);   /* cached */
	put_user(f->s, "other@example.test", NULL, "x", 0);   /* any commit */
	assert_int_equal(login(f, "cal@example.test", "Cal-pw-1", &who, &real, &none), EMU_OK);
	assert_int_equal(real, 1);
}

/* Defect 5: a new password and a removed admin flag count at once, although
 * the old login was cached a moment ago. */
static void test_password_and_admin_change_apply_at_once(void **state)
{
	struct fixture *f = *state;
	struct auth_who who;
	int real, none;

	put_user(f->s, "boss@example.test", NULL, "Old-pw-1", 1);
	assert_int_equal(login(f, "boss@example.test", "Old-pw-1", &who, &real, &none), EMU_OK);
	assert_true(who.is_admin);
	assert_int_equal(login(f, "boss@example.test", "Old-pw-1", &who, &real, &none), EMU_OK);
	assert_int_equal(real, 0);   /* served from the cache */
	put_user(f->s, "boss@example.test", NULL, "New-pw-2", 0);
	assert_int_equal(login(f, "boss@example.test", "Old-pw-1", &who, &real, &none), EMU_EAUTH);
	assert_false(who.is_admin);
	assert_int_equal(login(f, "boss@example.test", "New-pw-2", &who, &real, &none), EMU_OK);
	assert_false(who.is_admin);
}

/* threshold bad passwords lock the account: the right password is refused
 * too (with the same work), other users are not affected, clearing the
 * record or its end in time lets the user in again. */
static void test_lockout(void **state)
{
	struct fixture *f = *state;
	struct auth_who who;
	int real, none;

	f->policy.lockout_threshold = 3;
	put_user(f->s, "dan@example.test", "dan.alt@example.test", "Dan-pw-1", 0);
	put_user(f->s, "eve@example.test", NULL, "Eve-pw-1", 0);

	/* a successful login resets the count */
	for (int i = 0; i < 2; i++)
		assert_int_equal(login(f, "dan@example.test", "bad", &who, &real, &none), EMU_EAUTH);
	assert_int_equal(login(f, "dan@example.test", "Dan-pw-1", &who, &real, &none), EMU_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(login(f, "dan@example.test", "bad", &who, &real, &none), EMU_EAUTH);
	assert_int_equal(lockout_of(f->s, "dan@example.test").locked_at, 0);
	/* any address of the user counts against the same account */
	assert_int_equal(login(f, "DAN.ALT@example.test", "bad", &who, &real, &none), EMU_EAUTH);
	assert_true(who.locked_out);
	struct store_lockout l = lockout_of(f->s, "dan@example.test");
	assert_int_equal(l.bad_count, 3);
	assert_int_equal(l.locked_until - l.locked_at, f->policy.lockout_duration);

	assert_int_equal(login(f, "dan@example.test", "Dan-pw-1", &who, &real, &none), EMU_EAUTH);
	assert_true(who.locked_out);
	assert_int_equal(real, 1);   /* verified anyway: a lockout costs what a wrong password costs */
	assert_string_equal(who.email, "dan@example.test");
	assert_int_equal(login(f, "eve@example.test", "Eve-pw-1", &who, &real, &none), EMU_OK);

	unlock(f->s, "dan@example.test");
	assert_int_equal(login(f, "dan@example.test", "Dan-pw-1", &who, &real, &none), EMU_OK);
	assert_false(who.locked_out);

	/* a lockout whose time is over no longer counts */
	store_txn_t *t;
	struct store_lockout past = { .locked_at = time(NULL) - 100, .locked_until = time(NULL) - 1, .bad_count = 3 };
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_lockout_set(t, "dan@example.test", &past), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(login(f, "dan@example.test", "Dan-pw-1", &who, &real, &none), EMU_OK);

	/* unknown users never lock anything */
	for (int i = 0; i < 10; i++)
		assert_int_equal(login(f, "ghost@example.test", "bad", &who, &real, &none), EMU_EAUTH);
	assert_false(who.locked_out);
}

static void test_threshold_zero_never_locks(void **state)
{
	struct fixture *f = *state;
	struct auth_who who;
	int real, none;

	f->policy.lockout_threshold = 0;
	put_user(f->s, "fay@example.test", NULL, "Fay-pw-1", 0);
	for (int i = 0; i < AUTH_LOCKOUT_THRESHOLD_DEFAULT * 2; i++)
		assert_int_equal(login(f, "fay@example.test", "bad", &who, &real, &none), EMU_EAUTH);
	assert_int_equal(login(f, "fay@example.test", "Fay-pw-1", &who, &real, &none), EMU_OK);
	assert_int_equal(lockout_of(f->s, "fay@example.test").locked_at, 0);
}

static void test_log_name(void **state)
{
	(void)state;
	char out[AUTH_LOG_NAME_MAX + 4], longname[AUTH_LOG_NAME_MAX + 2];
	auth_log_name("a\nb\x01\xc3\xa9'c", out);
	assert_string_equal(out, "a?b?\?\?'c");
	memset(longname, 'x', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	auth_log_name(longname, out);
	assert_int_equal(strlen(out), AUTH_LOG_NAME_MAX + 3);
	assert_string_equal(out + AUTH_LOG_NAME_MAX, "...");
}

/* Basic credentials are decoded here (no gSOAP): a NUL in them, a missing
 * ':', malformed base64 and more than the maximum are refused; the name
 * ends at the first ':', the password may hold more. */
static void test_basic_credentials(void **state)
{
	(void)state;
	char big[AUTH_BASIC_DECODED_MAX * 2], u[AUTH_BASIC_DECODED_MAX], p[AUTH_BASIC_DECODED_MAX];
	assert_int_equal(auth_basic_credentials("Basic YW5uOnB3", u, sizeof u, p, sizeof p), EMU_OK);   /* ann:pw */
	assert_string_equal(u, "ann");
	assert_string_equal(p, "pw");
	assert_int_equal(auth_basic_credentials("basic  YW5uOnB3OmM=", u, sizeof u, p, sizeof p), EMU_OK);  /* ann:pw:c */
	assert_string_equal(u, "ann");
	assert_string_equal(p, "pw:c");
	assert_int_equal(auth_basic_credentials("Basic YW5uOnB3AHg=", u, sizeof u, p, sizeof p), EMU_EINVAL); /* ann:pw\0x */
	assert_int_equal(auth_basic_credentials("Basic AGFubjpwdw==", u, sizeof u, p, sizeof p), EMU_EINVAL); /* \0ann:pw */
	assert_int_equal(auth_basic_credentials("Basic YW5u", u, sizeof u, p, sizeof p), EMU_EINVAL);         /* ann */
	assert_int_equal(auth_basic_credentials("Basic !!!", u, sizeof u, p, sizeof p), EMU_EINVAL);
	assert_int_equal(auth_basic_credentials("Bearer abc.def", u, sizeof u, p, sizeof p), EMU_ENOTFOUND);
	assert_int_equal(auth_basic_credentials("Basically", u, sizeof u, p, sizeof p), EMU_ENOTFOUND);
	assert_int_equal(auth_basic_credentials("Basic YW5uOnB3", u, 3, p, sizeof p), EMU_ELIMIT);  /* "ann" needs 4 */
	memcpy(big, "Basic ", 6);
	memset(big + 6, 'Q', sizeof big - 7);                         /* decodes to > the maximum */
	big[sizeof big - 1] = '\0';
	assert_int_not_equal(auth_basic_credentials(big, u, sizeof u, p, sizeof p), EMU_OK);
}

/* issue 13: one user lookup for Basic and NTLM: any address, DOMAIN\\alias
 * with a DNS domain, a bare alias in the server's domain. */
static void test_user_find(void **state)
{
	struct fixture *f = *state;
	struct user_record *u = calloc(1, sizeof *u);
	store_txn_t *t;
	put_user(f->s, "ann.lee@example.test", "ann@example.test", "pw", 0);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(auth_user_find(t, &f->policy, "ANN.LEE@example.test", "", u), EMU_OK);
	assert_int_equal(auth_user_find(t, &f->policy, "ann@example.test", NULL, u), EMU_OK);
	assert_string_equal(u->email, "ann.lee@example.test");
	/* bare alias: nowhere without a domain, then in the DNS domain sent or the server's */
	assert_int_equal(auth_user_find(t, &f->policy, "ann", "", u), EMU_ENOTFOUND);
	assert_int_equal(auth_user_find(t, &f->policy, "ann", "example.test", u), EMU_OK);
	f->policy.alias_domain = "example.test";
	assert_int_equal(auth_user_find(t, &f->policy, "ann", "EXAMPLE", u), EMU_OK);
	assert_int_equal(auth_user_find(t, &f->policy, "nobody", "EXAMPLE", u), EMU_ENOTFOUND);
	assert_int_equal(auth_user_find(t, &f->policy, "", "EXAMPLE", u), EMU_ENOTFOUND);
	store_txn_abort(t);
	/* Basic takes the same forms */
	struct auth_who who;
	int real, none;
	assert_int_equal(login(f, "EXAMPLE\\ann", "pw", &who, &real, &none), EMU_OK);
	assert_int_equal(login(f, "ann", "pw", &who, &real, &none), EMU_OK);
	assert_string_equal(who.email, "ann.lee@example.test");
	free(u);
}

/* The NTLM lookup: the NT hash of a user that has one, a refusal (and the
 * log line) for one written before schema 7, lockout counting as Basic. */
static void test_ntlm_lookup(void **state)
{
	struct fixture *f = *state;
	struct user_record *u = calloc(1, sizeof *u);
	store_txn_t *t;
	uint8_t h[NTLM_NT_HASH_LEN], want[NTLM_NT_HASH_LEN];
	char account[STORE_ADDR_MAX + 1];
	struct auth_ntlm an = { .store = f->s, .policy = &f->policy };
	f->policy.alias_domain = "example.test";
	put_user(f->s, "old@example.test", NULL, "pw", 0);   /* no NT hash */
	snprintf(u->email, sizeof u->email, "nt@example.test");
	assert_int_equal(store_user_set_password(u, "pw"), EMU_OK);
	u->is_admin = 1;
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(ntlm_nt_hash("pw", want), EMU_OK);

	assert_int_equal(auth_ntlm_lookup(&an, "nt", "EXAMPLE", h, account, sizeof account), EMU_OK);
	assert_memory_equal(h, want, sizeof h);
	assert_string_equal(account, "nt@example.test");
	assert_true(an.known && an.is_admin);
	assert_int_equal(auth_ntlm_lookup(&an, "old@example.test", "", h, account, sizeof account), EMU_ENOTFOUND);
	assert_false(an.known);
	assert_int_equal(auth_ntlm_lookup(&an, "nobody", "", h, account, sizeof account), EMU_ENOTFOUND);
	/* three wrong NTLM passwords lock the account (threshold 3) */
	f->policy.lockout_threshold = 3;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(auth_ntlm_lookup(&an, "nt", "", h, account, sizeof account), EMU_OK);
		auth_ntlm_done(&an, 0);
	}
	assert_true(an.locked_out);
	assert_true(lockout_of(f->s, "nt@example.test").locked_until > time(NULL));
	assert_int_equal(auth_ntlm_lookup(&an, "nt", "", h, account, sizeof account), EMU_ENOTFOUND);
	assert_true(an.locked_out);
	free(u);
}

static void test_auth_parse(void **state)
{
	unsigned bits = 0;
	(void)state;
	assert_int_equal(server_auth_parse("negotiate,ntlm,basic", &bits), EMU_OK);
	assert_int_equal(bits, SERVER_AUTH_DEFAULT);
	assert_int_equal(server_auth_parse("NTLM", &bits), EMU_OK);
	assert_int_equal(bits, SERVER_AUTH_NTLM);
	assert_int_equal(server_auth_parse("basic,kerberos", &bits), EMU_EINVAL);
	assert_int_equal(server_auth_parse("", &bits), EMU_EINVAL);
	assert_int_equal(server_auth_parse("ntlm,", &bits), EMU_EINVAL);
	assert_int_equal(bits, SERVER_AUTH_NTLM);   /* untouched on failure */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusals_do_the_same_work, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_follows_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_and_admin_change_apply_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threshold_zero_never_locks, setup, teardown),
		cmocka_unit_test(test_log_name),
		cmocka_unit_test_setup_teardown(test_user_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ntlm_lookup, setup, teardown),
		cmocka_unit_test(test_auth_parse),
		cmocka_unit_test(test_basic_credentials),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
