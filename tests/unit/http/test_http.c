/* test_http.c - the status table (layer 3) and the certificate helper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/result.h"
#include "http/server.h"
#include "http/server.h"

static void test_status_table(void **state)
{
	(void)state;
	static const struct { enum http_outcome o; int status; } want[] = {
		{ HTTP_OUT_OK, 200 }, { HTTP_OUT_NOT_MODIFIED, 304 }, { HTTP_OUT_NO_PHOTO, 404 },
		{ HTTP_OUT_NO_MAILBOX, 404 }, { HTTP_OUT_BAD_REQUEST, 400 }, { HTTP_OUT_UNAUTHORIZED, 401 },
		{ HTTP_OUT_FORBIDDEN, 403 }, { HTTP_OUT_NOT_FOUND, 404 }, { HTTP_OUT_METHOD, 405 },
		{ HTTP_OUT_TOO_LARGE, 413 }, { HTTP_OUT_SOAP_FAULT, 500 }, { HTTP_OUT_INTERNAL, 500 },
		{ HTTP_OUT_BUSY, 503 },
	};
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		assert_int_equal(http_status_for(want[i].o), want[i].status);
		assert_non_null(http_outcome_text(want[i].o));
	}
	assert_int_equal(http_status_for((enum http_outcome)999), 500);
}

static void test_certificate_created_once(void **state)
{
	(void)state;
	char dir[] = "/tmp/ewsemu-test-tls-XXXXXX", path[64], cmd[96];
	struct stat a, b;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/server.pem", dir);
	assert_int_equal(tls_ensure_cert(path), EMU_OK);
	assert_int_equal(stat(path, &a), 0);
	assert_int_equal(a.st_mode & 0777, 0600);
	assert_true(a.st_size > 300);
	assert_int_equal(tls_ensure_cert(path), EMU_OK);   /* reused, not rewritten */
	assert_int_equal(stat(path, &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_mtime, b.st_mtime);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_table),
		cmocka_unit_test(test_certificate_created_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
