/* test_rest.c - REST-style photo URL: path recognition, query parsing and
 * the outcome mapping for bad parameters (no store needed for those). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/result.h"
#include "rest/rest.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_bad_parameters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
