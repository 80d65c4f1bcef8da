/* test_pct.c - the percent-decoder (core/pct.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/pct.h"
#include "core/result.h"

static int dec(const char *s, unsigned flags, char *out, size_t outsz, size_t *n)
{
	return pct_decode(s, strlen(s), flags, out, outsz, n);
}

static void test_plain(void **state)
{
	(void)state;
	char out[64];
	size_t n;
	assert_int_equal(dec("a%40b%2Fc%2fd", 0, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "a@b/c/d");
	assert_int_equal(n, 7);
	assert_int_equal(dec("a+b", 0, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "a+b");
	assert_int_equal(dec("a+b%2B", PCT_PLUS, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "a b+");
	/* a multi-byte UTF-8 character */
	assert_int_equal(dec("%C3%A9", PCT_STRICT, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "\xC3\xA9");
	/* empty input */
	assert_int_equal(dec("", PCT_STRICT | PCT_PLUS, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "");
	assert_int_equal(n, 0);
}

/* Malformed escapes: refused with PCT_STRICT, kept as they are without. */
static void test_malformed(void **state)
{
	(void)state;
	static const char *bad[] = { "%", "a%", "a%4", "%4g", "%g4", "%%41", "x%00y", "%-1", "% 41" };
	char out[64];
	size_t n;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(dec(bad[i], PCT_STRICT, out, sizeof out, &n), EMU_EINVAL);
		assert_int_equal(n, 0);
	}
	assert_int_equal(dec("a%4", 0, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "a%4");
	assert_int_equal(dec("%%41", 0, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "%A");
	assert_int_equal(dec("%zz%", 0, out, sizeof out, &n), EMU_OK);
	assert_string_equal(out, "%zz%");
	/* %00 without PCT_STRICT is a NUL byte inside the result */
	assert_int_equal(dec("x%00y", 0, out, sizeof out, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "x\0y", 4);
	/* a literal NUL inside the length is copied */
	assert_int_equal(pct_decode("a\0b", 3, PCT_STRICT, out, sizeof out, &n), EMU_OK);
	assert_int_equal(n, 3);
}

/* The output room: result + NUL exactly fits, one byte less does not. */
static void test_limit(void **state)
{
	(void)state;
	char out[4];
	size_t n;
	assert_int_equal(dec("a%41c", PCT_STRICT, out, 4, &n), EMU_OK);
	assert_string_equal(out, "aAc");
	assert_int_equal(dec("a%41cd", PCT_STRICT, out, 4, &n), EMU_ELIMIT);
	assert_int_equal(n, 0);
	assert_string_equal(out, "aAc");
	assert_int_equal(dec("", 0, out, 1, &n), EMU_OK);
	assert_int_equal(dec("a", 0, out, 1, &n), EMU_ELIMIT);
	assert_string_equal(out, "");
	assert_int_equal(dec("", 0, out, 0, &n), EMU_ELIMIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
