/* test_access.c - ews/access.h and ews/caller.h: the whole access table
 * (every right x anonymous / local / Basic user / Basic admin / a bearer
 * token with each of the 32 scope combinations x own / another's mailbox),
 * checked against spec §8 restated here as a per-scope table; then the ops
 * that ask it (GetUserPhoto, SetUserPhoto, Remove-UserPhoto, GetFolder,
 * GetItem) on a real store for token callers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "ews/access.h"
#include "ews/ids.h"
#include "ews/ops/ops.h"
#include "ews_fixture.h"
#include "token/token.h"

#define ME "alice@example.test"
#define OTHER "bob@example.test"

/* ---- caller ------------------------------------------------------------- */

static void test_caller_setters(void **state)
{
	(void)state;
	struct caller c;
	char long_addr[STORE_ADDR_MAX + 2];

	assert_int_equal(caller_set_basic(&c, ME, 7), EMU_OK);
	assert_int_equal(c.auth, CALLER_BASIC);
	assert_string_equal(caller_address(&c), ME);
	assert_int_equal(c.is_admin, 1);
	assert_int_equal(c.scopes, 0);
	assert_true(caller_owns(&c, "Alice@Example.TEST"));
	assert_false(caller_owns(&c, OTHER));
	assert_false(caller_owns(&c, NULL));

	assert_int_equal(caller_set_bearer(&c, ME, TOKEN_SCOPE_USER_READ), EMU_OK);
	assert_int_equal(c.auth, CALLER_BEARER);
	assert_int_equal(c.is_admin, 0);
	assert_int_equal(c.scopes, TOKEN_SCOPE_USER_READ);

	/* at the limit and one above; empty; NULL: anonymous afterwards */
	memset(long_addr, 'a', STORE_ADDR_MAX);
	long_addr[STORE_ADDR_MAX] = '\0';
	assert_int_equal(caller_set_basic(&c, long_addr, 0), EMU_OK);
	assert_int_equal(strlen(caller_address(&c)), STORE_ADDR_MAX);
	long_addr[STORE_ADDR_MAX] = 'a';
	long_addr[STORE_ADDR_MAX + 1] = '\0';
	assert_int_equal(caller_set_basic(&c, long_addr, 1), EMU_ELIMIT);
	assert_int_equal(c.auth, CALLER_ANONYMOUS);
	assert_null(caller_address(&c));
	assert_int_equal(c.is_admin, 0);
	assert_int_equal(caller_set_bearer(&c, "", TOKEN_SCOPE_USER_READWRITE_ALL), EMU_EINVAL);
	assert_int_equal(c.auth, CALLER_ANONYMOUS);
	assert_int_equal(c.scopes, 0);
	assert_int_equal(caller_set_basic(&c, NULL, 1), EMU_EINVAL);
	assert_null(caller_address(&c));

	caller_set_anonymous(&c);
	assert_null(caller_address(&c));
	assert_false(caller_owns(&c, ""));
	assert_null(caller_address(NULL));
	struct caller local = { .auth = CALLER_LOCAL };
	assert_null(caller_address(&local));
	assert_string_equal(caller_auth_name(CALLER_BEARER), "bearer");
}

/* ---- the table ------------------------------------------------------------ */

/* spec §8, one scope at a time: what it grants over one's own photo and
 * another user's (read, write).  A token holds the union of its scopes. */
static const struct {
	unsigned scope;
	int read_own, read_other, write_own, write_other;
} SCOPE_GRANTS[] = {
	{ TOKEN_SCOPE_USER_READ, 1, 0, 0, 0 },
	{ TOKEN_SCOPE_USER_READWRITE, 1, 0, 1, 0 },
	{ TOKEN_SCOPE_USER_READBASIC_ALL, 1, 1, 0, 0 },
	{ TOKEN_SCOPE_USER_READ_ALL, 1, 1, 0, 0 },
	{ TOKEN_SCOPE_USER_READWRITE_ALL, 1, 1, 1, 1 },
};
#define N_SCOPES (sizeof SCOPE_GRANTS / sizeof *SCOPE_GRANTS)

/* What the spec says a token with @p scopes may do. */
static int token_expect(unsigned scopes, enum access_right r, int own)
{
	int read_own = 0, read_other = 0, write_own = 0, write_other = 0;
	for (size_t i = 0; i < N_SCOPES; i++) {
		if (!(scopes & SCOPE_GRANTS[i].scope))
			continue;
		read_own |= SCOPE_GRANTS[i].read_own;
		read_other |= SCOPE_GRANTS[i].read_other;
		write_own |= SCOPE_GRANTS[i].write_own;
		write_other |= SCOPE_GRANTS[i].write_other;
	}
	switch (r) {
	case ACCESS_EWS_SOAP: return read_other && write_own;   /* at least Basic's rights */
	case ACCESS_PHOTO_READ: return own ? read_own : read_other;
	case ACCESS_PHOTO_WRITE: return own ? write_own : write_other;
	case ACCESS_MAILBOX_READ: return own;                  /* scopes play no part */
	default: return 0;
	}
}

static void expect(const struct caller *c, enum access_right r, const char *owner, int allowed)
{
	int rc = access_check(c, r, owner);
	if (rc != (allowed ? EMU_OK : EMU_EDENIED))
		fail_msg("%s caller (scopes %#x, admin %d) %s over %s: got %s, want %s",
		         c ? caller_auth_name(c->auth) : "NULL", c ? c->scopes : 0, c ? c->is_admin : 0,
		         access_right_name(r), owner ? owner : "-", emu_strerror(rc), allowed ? "allowed" : "denied");
}

static void test_table_without_token(void **state)
{
	(void)state;
	struct caller anon, local = { .auth = CALLER_LOCAL }, user, admin;
	caller_set_anonymous(&anon);
	assert_int_equal(caller_set_basic(&user, ME, 0), EMU_OK);
	assert_int_equal(caller_set_basic(&admin, ME, 1), EMU_OK);
	/* {right, anonymous, local, user own, user other, admin own, admin other} */
	static const int T[][7] = {
		[ACCESS_EWS_SOAP] = { ACCESS_EWS_SOAP, 1, 1, 1, 1, 1, 1 },
		[ACCESS_PHOTO_READ] = { ACCESS_PHOTO_READ, 1, 1, 1, 1, 1, 1 },
		[ACCESS_PHOTO_WRITE] = { ACCESS_PHOTO_WRITE, 0, 1, 1, 0, 1, 1 },
		[ACCESS_MAILBOX_READ] = { ACCESS_MAILBOX_READ, 1, 1, 1, 0, 1, 0 },
	};
	for (size_t i = 0; i < sizeof T / sizeof *T; i++) {
		enum access_right r = (enum access_right)T[i][0];
		expect(&anon, r, OTHER, T[i][1]);
		expect(&anon, r, ME, T[i][1]);
		expect(&local, r, OTHER, T[i][2]);
		expect(&user, r, ME, T[i][3]);
		expect(&user, r, "ALICE@EXAMPLE.TEST", T[i][3]);   /* case-insensitive owner */
		expect(&user, r, OTHER, T[i][4]);
		expect(&admin, r, ME, T[i][5]);
		expect(&admin, r, OTHER, T[i][6]);
	}
	/* an anonymous value with a stray admin flag is still anonymous */
	anon.is_admin = 1;
	expect(&anon, ACCESS_PHOTO_WRITE, OTHER, 0);
}

static void test_table_tokens(void **state)
{
	(void)state;
	struct caller c;
	for (unsigned scopes = 0; scopes < (1u << N_SCOPES); scopes++) {
		assert_int_equal(caller_set_bearer(&c, ME, scopes), EMU_OK);
		for (int r = 0; r < ACCESS_RIGHT_COUNT; r++) {
			expect(&c, (enum access_right)r, ME, token_expect(scopes, (enum access_right)r, 1));
			expect(&c, (enum access_right)r, OTHER, token_expect(scopes, (enum access_right)r, 0));
		}
		/* a token of an administrator account is no administrator's grant */
		c.is_admin = 1;
		expect(&c, ACCESS_PHOTO_WRITE, OTHER, token_expect(scopes, ACCESS_PHOTO_WRITE, 0));
	}
	/* a few rows spelled out (spec §8), independent of the table above */
	assert_int_equal(caller_set_bearer(&c, ME, TOKEN_SCOPE_USER_READ), EMU_OK);
	expect(&c, ACCESS_PHOTO_READ, ME, 1);
	expect(&c, ACCESS_PHOTO_READ, OTHER, 0);
	expect(&c, ACCESS_PHOTO_WRITE, ME, 0);
	expect(&c, ACCESS_EWS_SOAP, NULL, 0);
	assert_int_equal(caller_set_bearer(&c, ME, TOKEN_SCOPE_USER_READ_ALL | TOKEN_SCOPE_USER_READWRITE), EMU_OK);
	expect(&c, ACCESS_EWS_SOAP, NULL, 1);
	expect(&c, ACCESS_PHOTO_WRITE, OTHER, 0);
	assert_int_equal(caller_set_bearer(&c, ME, TOKEN_SCOPE_USER_READWRITE_ALL), EMU_OK);
	expect(&c, ACCESS_EWS_SOAP, NULL, 1);
	expect(&c, ACCESS_PHOTO_WRITE, OTHER, 1);
	expect(&c, ACCESS_MAILBOX_READ, OTHER, 0);   /* no scope opens another's mailbox */
	expect(&c, ACCESS_MAILBOX_READ, ME, 1);
}

/* access_check_any() says yes exactly when another's mailbox is allowed,
 * and then one's own is allowed too (what lets GetUserPhoto skip the owner
 * lookup). */
static void test_check_any(void **state)
{
	(void)state;
	struct caller cs[3 + (1u << N_SCOPES)];
	size_t n = 0;
	caller_set_anonymous(&cs[n++]);
	assert_int_equal(caller_set_basic(&cs[n++], ME, 0), EMU_OK);
	assert_int_equal(caller_set_basic(&cs[n++], ME, 1), EMU_OK);
	for (unsigned s = 0; s < (1u << N_SCOPES); s++)
		assert_int_equal(caller_set_bearer(&cs[n++], ME, s), EMU_OK);
	for (size_t i = 0; i < n; i++)
		for (int r = 0; r < ACCESS_RIGHT_COUNT; r++) {
			int any = access_check_any(&cs[i], (enum access_right)r);
			assert_int_equal(any, access_check(&cs[i], (enum access_right)r, OTHER));
			if (any == EMU_OK)
				assert_int_equal(access_check(&cs[i], (enum access_right)r, ME), EMU_OK);
		}
}

static void test_bad_arguments(void **state)
{
	(void)state;
	struct caller c;
	assert_int_equal(caller_set_basic(&c, ME, 1), EMU_OK);
	/* no caller, no rights */
	for (int r = 0; r < ACCESS_RIGHT_COUNT; r++) {
		assert_int_equal(access_check(NULL, (enum access_right)r, ME), EMU_EDENIED);
		assert_int_equal(access_check_any(NULL, (enum access_right)r), EMU_EDENIED);
	}
	/* a per-mailbox right needs an owner; unknown rights are refused */
	assert_int_equal(access_check(&c, ACCESS_PHOTO_READ, NULL), EMU_EINVAL);
	assert_int_equal(access_check(&c, ACCESS_MAILBOX_READ, NULL), EMU_EINVAL);
	assert_int_equal(access_check(&c, ACCESS_RIGHT_COUNT, ME), EMU_EINVAL);
	assert_int_equal(access_check(&c, (enum access_right)-1, ME), EMU_EINVAL);
	assert_int_equal(access_check_any(&c, ACCESS_RIGHT_COUNT), EMU_EINVAL);
	assert_string_equal(access_right_name(ACCESS_RIGHT_COUNT), "?");
}

static void test_scopes_needed(void **state)
{
	(void)state;
	/* the phrases clients see in 403 bodies (Outlook REST, EWS SOAP) */
	assert_string_equal(access_scopes_needed(ACCESS_PHOTO_WRITE, 1), "user.readwrite or user.readwrite.all");
	assert_string_equal(access_scopes_needed(ACCESS_PHOTO_WRITE, 0), "user.readwrite.all");
	assert_string_equal(access_scopes_needed(ACCESS_PHOTO_READ, 1), "user.read, user.readwrite or a *.all scope");
	assert_string_equal(access_scopes_needed(ACCESS_PHOTO_READ, 0),
	                    "user.readbasic.all, user.read.all or user.readwrite.all");
	assert_string_equal(access_scopes_needed(ACCESS_EWS_SOAP, 0),
	                    "user.readwrite.all, or user.read.all with user.readwrite");
	assert_null(access_scopes_needed(ACCESS_MAILBOX_READ, 1));
	/* every scope a phrase names grants the right on its own */
	struct caller c;
	for (size_t i = 0; i < N_SCOPES; i++) {
		char name[64];
		assert_int_equal(token_scopes_format(SCOPE_GRANTS[i].scope, name, sizeof name), EMU_OK);
		for (int own = 0; own <= 1; own++) {
			const char *p = access_scopes_needed(ACCESS_PHOTO_WRITE, own);
			/* "user.readwrite" is also a prefix of "user.readwrite.all" */
			const char *hit = strstr(p, name);
			int named = hit && (hit[strlen(name)] == '\0' || hit[strlen(name)] == ' ') &&
			            (hit == p || hit[-1] == ' ');
			assert_int_equal(caller_set_bearer(&c, ME, SCOPE_GRANTS[i].scope), EMU_OK);
			assert_int_equal(named, access_check(&c, ACCESS_PHOTO_WRITE, own ? ME : OTHER) == EMU_OK);
		}
	}
}

/* ---- the ops that ask it ---------------------------------------------------- */

static int setup(void **state)
{
	struct ews_fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	ews_fx_open(f, "access", ME);
	ews_fx_user(f->store, ME, NULL, NULL, NULL, "al@example.test", 0);
	ews_fx_user(f->store, OTHER, NULL, NULL, NULL, NULL, 1);   /* an administrator account */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ews_fx_close(*state);
	free(*state);
	return 0;
}

static void test_photo_ops_for_tokens(void **state)
{
	struct ews_fx *f = *state;
	struct ews_ctx ctx = f->ctx;
	struct caller who;
	struct ews_status st;
	struct op_photo_result r;
	size_t len;
	unsigned char *jpg = ews_fx_jpeg(96, 96, 20, &len);

	ctx.caller = &who;
	/* user.readwrite writes the own photo only (by a proxy address too) */
	assert_int_equal(caller_set_bearer(&who, ME, TOKEN_SCOPE_USER_READWRITE), EMU_OK);
	assert_int_equal(op_set_user_photo(&ctx, "al@example.test", jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	assert_int_equal(op_set_user_photo(&ctx, OTHER, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	assert_int_equal(op_remove_user_photo(&ctx, OTHER, &st), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	/* ... and reads it, but not another's: DENIED after NO_MAILBOX */
	assert_int_equal(op_get_user_photo(&ctx, "AL@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_int_equal(op_get_user_photo(&ctx, OTHER, PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_DENIED);
	assert_int_equal(r.status.cls, EWS_ERROR);
	assert_string_equal(r.status.code, EWS_ERROR_ACCESS_DENIED);
	assert_null(r.data);
	assert_int_equal(op_photo_explain(&ctx, OTHER, PHOTO_HR96, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_DENIED);
	assert_int_equal(op_get_user_photo(&ctx, "ghost@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_NO_MAILBOX);

	/* user.readwrite.all writes and removes anyone's */
	assert_int_equal(caller_set_bearer(&who, ME, TOKEN_SCOPE_USER_READWRITE_ALL), EMU_OK);
	assert_int_equal(op_set_user_photo(&ctx, OTHER, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	assert_int_equal(op_get_user_photo(&ctx, OTHER, PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_int_equal(op_remove_user_photo(&ctx, OTHER, &st), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);

	/* the token of an administrator account grants only its scopes */
	assert_int_equal(caller_set_bearer(&who, OTHER, TOKEN_SCOPE_USER_READ), EMU_OK);
	who.is_admin = 1;
	assert_int_equal(op_set_user_photo(&ctx, ME, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	/* the same account over Basic is an administrator */
	assert_int_equal(caller_set_basic(&who, OTHER, 1), EMU_OK);
	assert_int_equal(op_set_user_photo(&ctx, ME, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	/* anonymous (--anonymous) reads photos, changes none */
	caller_set_anonymous(&who);
	assert_int_equal(op_get_user_photo(&ctx, ME, PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_int_equal(op_remove_user_photo(&ctx, ME, &st), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	/* no caller at all: nothing */
	ctx.caller = NULL;
	assert_int_equal(op_get_user_photo(&ctx, ME, PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_DENIED);
	assert_int_equal(op_set_user_photo(&ctx, ME, jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	free(jpg);
}

static void test_mailbox_ops_for_tokens(void **state)
{
	struct ews_fx *f = *state;
	struct ews_ctx ctx = f->ctx;
	struct caller who;
	struct op_folder_result out[3];
	struct op_item_result items[1];
	ctx.caller = &who;
	struct op_folder_ref refs[] = { { NULL, "contacts", NULL }, { NULL, "contacts", OTHER },
	                                { NULL, "contacts", "al@example.test" } };
	const char *item = ews_id_text(f->ctx.arena, EWS_ID_ITEM, OTHER, "0123456789abcdef0123456789abcdef");
	assert_non_null(item);

	/* even user.readwrite.all opens no other mailbox: the owner's alone */
	unsigned scopes[] = { TOKEN_SCOPE_USER_READWRITE_ALL, TOKEN_SCOPE_USER_READ_ALL | TOKEN_SCOPE_USER_READWRITE };
	for (size_t i = 0; i < sizeof scopes / sizeof *scopes; i++) {
		assert_int_equal(caller_set_bearer(&who, ME, scopes[i]), EMU_OK);
		assert_int_equal(op_get_folder(&ctx, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs, 3, out), EMU_OK);
		assert_string_equal(out[0].status.code, EWS_NO_ERROR);
		assert_string_equal(out[1].status.code, EWS_ERROR_ACCESS_DENIED);
		assert_string_equal(out[2].status.code, EWS_NO_ERROR);
		assert_int_equal(op_get_item(&ctx, EWS_SHAPE_DEFAULT, 0, NULL, 0, &item, NULL, 1, items), EMU_OK);
		assert_string_equal(items[0].status.code, EWS_ERROR_ACCESS_DENIED);
	}
	/* nor does the administrator flag over Basic */
	assert_int_equal(caller_set_basic(&who, ME, 1), EMU_OK);
	assert_int_equal(op_get_folder(&ctx, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs, 3, out), EMU_OK);
	assert_string_equal(out[1].status.code, EWS_ERROR_ACCESS_DENIED);
	/* the operator on the command line reads any */
	struct caller local = { .auth = CALLER_LOCAL };
	ctx.caller = &local;
	assert_int_equal(op_get_folder(&ctx, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs + 1, 1, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_NO_ERROR);
	assert_int_equal(op_get_item(&ctx, EWS_SHAPE_DEFAULT, 0, NULL, 0, &item, NULL, 1, items), EMU_OK);
	assert_string_equal(items[0].status.code, EWS_ERROR_ITEM_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_caller_setters),
		cmocka_unit_test(test_table_without_token),
		cmocka_unit_test(test_table_tokens),
		cmocka_unit_test(test_check_any),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_scopes_needed),
		cmocka_unit_test_setup_teardown(test_photo_ops_for_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mailbox_ops_for_tokens, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
