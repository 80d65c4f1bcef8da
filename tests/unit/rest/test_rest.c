/* test_rest.c - REST-style photo URL: path recognition, query parsing, the
 * outcome mapping for bad parameters (no store needed for those) and, on a
 * store, for the caller's rights (ews/access.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "ews/ops/ops.h"
#include "ews_fixture.h"
#include "rest/rest.h"
#include "token/token.h"

static void test_path(void **state)
{
	(void)state;
	const char *ok[] = { "/ews/Exchange.asmx/s/GetUserPhoto", "/EWS/EXCHANGE.ASMX/S/GETUSERPHOTO" };
	for (size_t i = 0; i < 2; i++)
		assert_true(rest_is_photo_path(ok[i], strlen(ok[i])));
	const char *bad[] = { "/ews/Exchange.asmx", "/ews/Exchange.asmx/s/GetUserPhotox", "/x" };
	for (size_t i = 0; i < 3; i++)
		assert_false(rest_is_photo_path(bad[i], strlen(bad[i])));
}

static void test_query(void **state)
{
	(void)state;
	char v[32];
	assert_int_equal(rest_query_param("email=a%40b.test&size=HR96x96", "email", v, sizeof v), 1);
	assert_string_equal(v, "a@b.test");
	assert_int_equal(rest_query_param("EMAIL=x&Size=hr96X96", "size", v, sizeof v), 1);
	assert_string_equal(v, "hr96X96");
	assert_int_equal(rest_query_param("emailx=1", "email", v, sizeof v), 0);
	assert_int_equal(rest_query_param(NULL, "email", v, sizeof v), 0);
	assert_int_equal(rest_query_param("email=%4", "email", v, sizeof v), -1);
	assert_int_equal(rest_query_param("email=%zz", "email", v, sizeof v), -1);
	assert_int_equal(rest_query_param("email=%00", "email", v, sizeof v), -1);
	assert_int_equal(rest_query_param("email=0123456789012345678901234567890123456789", "email", v, sizeof v), -1);
	assert_int_equal(rest_query_param("a=1&email=x+y", "email", v, sizeof v), 1);
	assert_string_equal(v, "x y");
}

static void test_bad_parameters(void **state)
{
	(void)state;
	struct rest_response r;
	struct ews_ctx ctx = { 0 };   /* never reaches the store */
	const char *queries[] = { NULL, "size=HR96x96", "email=a@b.test", "email=a@b.test&size=HR1x1",
	                          "email=&size=HR96x96", "email=%zz&size=HR96x96" };
	for (size_t i = 0; i < sizeof queries / sizeof *queries; i++) {
		assert_int_equal(rest_get_user_photo(&ctx, queries[i], NULL, &r), EMU_OK);
		assert_int_equal(r.outcome, HTTP_OUT_BAD_REQUEST);
		assert_non_null(r.message);
	}
}

/* A token without a scope for another user's photo gets 403 (after 404 for
 * nobody's address); Basic callers and the own photo get the image. */
static void test_rights(void **state)
{
	(void)state;
	struct ews_fx f;
	struct rest_response r;
	struct ews_status st;
	struct caller who;
	size_t len;
	unsigned char *jpg = ews_fx_jpeg(96, 96, 50, &len);
	ews_fx_open(&f, "rest", "root@example.test");
	ews_fx_user(f.store, "alice@example.test", NULL, NULL, NULL, NULL, 0);
	ews_fx_user(f.store, "bob@example.test", NULL, NULL, NULL, "robert@example.test", 0);
	ews_fx_as(&f.who, "root@example.test", 1);
	assert_int_equal(op_set_user_photo(&f.ctx, "bob@example.test", jpg, len, &st, NULL), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	free(jpg);

	struct ews_ctx ctx = f.ctx;
	ctx.caller = &who;
	static const struct {
		unsigned scopes;   /* 0: Basic alice */
		const char *query;
		enum http_outcome want;
	} cases[] = {
		{ 0, "email=bob@example.test&size=HR96x96", HTTP_OUT_OK },
		{ TOKEN_SCOPE_USER_READ, "email=bob@example.test&size=HR96x96", HTTP_OUT_FORBIDDEN },
		{ TOKEN_SCOPE_USER_READWRITE, "email=robert@example.test&size=HR96x96", HTTP_OUT_FORBIDDEN },
		{ TOKEN_SCOPE_USER_READ, "email=ghost@example.test&size=HR96x96", HTTP_OUT_NO_MAILBOX },
		{ TOKEN_SCOPE_USER_READ, "email=alice@example.test&size=HR96x96", HTTP_OUT_NO_PHOTO },
		{ TOKEN_SCOPE_USER_READBASIC_ALL, "email=robert@example.test&size=HR96x96", HTTP_OUT_OK },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		if (cases[i].scopes)
			assert_int_equal(caller_set_bearer(&who, "alice@example.test", cases[i].scopes), EMU_OK);
		else
			ews_fx_as(&who, "alice@example.test", 0);
		assert_int_equal(rest_get_user_photo(&ctx, cases[i].query, NULL, &r), EMU_OK);
		assert_int_equal(r.outcome, cases[i].want);
		if (r.outcome == HTTP_OUT_FORBIDDEN) {
			assert_string_equal(r.message,
			                    "Access is denied: the token's scopes do not allow reading this user's photo.\n");
			assert_int_equal(r.len, strlen(r.message));
			assert_int_equal(r.etag[0], '\0');
		}
	}
	ews_fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_bad_parameters),
		cmocka_unit_test(test_rights),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
