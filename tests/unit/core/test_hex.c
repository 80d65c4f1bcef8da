/* test_hex.c - hex encode/decode (core/hex.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/hex.h"
#include "core/result.h"

static void test_digit(void **state)
{
	(void)state;
	assert_int_equal(hex_digit_value('0'), 0);
	assert_int_equal(hex_digit_value('9'), 9);
	assert_int_equal(hex_digit_value('a'), 10);
	assert_int_equal(hex_digit_value('F'), 15);
	assert_int_equal(hex_digit_value('g'), -1);
	assert_int_equal(hex_digit_value('G'), -1);
	assert_int_equal(hex_digit_value('/'), -1);
	assert_int_equal(hex_digit_value(':'), -1);
	assert_int_equal(hex_digit_value('@'), -1);
	assert_int_equal(hex_digit_value('`'), -1);
	assert_int_equal(hex_digit_value(0), -1);
	assert_int_equal(hex_digit_value(0xC3), -1);
}

/* Output room exactly HEX_ENCODED_SIZE(n), and one byte less. */
static void test_encode(void **state)
{
	(void)state;
	const unsigned char in[] = { 0x00, 0x9f, 0xA0, 0xff };
	char out[HEX_ENCODED_SIZE(sizeof in)];
	assert_int_equal(hex_encode(in, sizeof in, HEX_LOWER, out, sizeof out), EMU_OK);
	assert_string_equal(out, "009fa0ff");
	assert_int_equal(hex_encode(in, sizeof in, HEX_UPPER, out, sizeof out), EMU_OK);
	assert_string_equal(out, "009FA0FF");
	assert_int_equal(hex_encode(in, sizeof in, HEX_LOWER, out, sizeof out - 1), EMU_ELIMIT);
	assert_string_equal(out, "");
	assert_int_equal(hex_encode(in, sizeof in, HEX_LOWER, out, 0), EMU_ELIMIT);
	/* empty input */
	assert_int_equal(hex_encode(in, 0, HEX_LOWER, out, 1), EMU_OK);
	assert_string_equal(out, "");
}

static void test_decode(void **state)
{
	(void)state;
	unsigned char out[4];
	size_t n = 99;
	assert_int_equal(hex_decode("009fA0Ff", 8, HEX_EITHER, out, sizeof out, &n), EMU_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, "\x00\x9f\xa0\xff", 4);
	/* case restrictions */
	assert_int_equal(hex_decode("009fa0ff", 8, HEX_LOWER, out, sizeof out, &n), EMU_OK);
	assert_int_equal(hex_decode("009Fa0ff", 8, HEX_LOWER, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(n, 0);
	assert_int_equal(hex_decode("009FA0FF", 8, HEX_UPPER, out, sizeof out, &n), EMU_OK);
	assert_int_equal(hex_decode("009FA0Ff", 8, HEX_UPPER, out, sizeof out, &n), EMU_EINVAL);
	/* malformed: odd length, non-digits, a NUL inside the length */
	assert_int_equal(hex_decode("abc", 3, HEX_EITHER, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(hex_decode("zz", 2, HEX_EITHER, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(hex_decode("a\0", 2, HEX_EITHER, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(hex_decode(" a", 2, HEX_EITHER, out, sizeof out, &n), EMU_EINVAL);
	/* limit: exactly outmax bytes, and one above */
	assert_int_equal(hex_decode("0102030405", 10, HEX_EITHER, out, sizeof out, &n), EMU_ELIMIT);
	assert_int_equal(n, 0);
	assert_int_equal(hex_decode("01020304", 8, HEX_EITHER, out, sizeof out, NULL), EMU_OK);
	/* empty input */
	assert_int_equal(hex_decode("", 0, HEX_EITHER, out, 0, &n), EMU_OK);
	assert_int_equal(n, 0);
}

/* encode then decode gives the bytes back, for every byte value */
static void test_round_trip(void **state)
{
	(void)state;
	unsigned char in[256], back[256];
	char text[HEX_ENCODED_SIZE(256)];
	size_t n;
	for (int i = 0; i < 256; i++)
		in[i] = (unsigned char)i;
	for (int cs = HEX_LOWER; cs <= HEX_UPPER; cs++) {
		assert_int_equal(hex_encode(in, sizeof in, (enum hex_case)cs, text, sizeof text), EMU_OK);
		assert_int_equal(hex_decode(text, strlen(text), (enum hex_case)cs, back, sizeof back, &n), EMU_OK);
		assert_int_equal(n, 256);
		assert_memory_equal(in, back, 256);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digit),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
