/* test_fold.c - Unicode simple case folding over UTF-8 (core/fold.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/fold.h"

static int eq(const char *a, const char *b)
{
	return fold_strcmp(a, b) == 0;
}

static void test_scripts(void **state)
{
	(void)state;
	assert_true(eq("ÉLODIE", "élodie"));
	assert_true(eq("Zoë", "ZOË"));
	assert_true(eq("ΑΛΈΞΗΣ", "αλέξης"));
	assert_true(eq("ΟΔΥΣΣΕΥΣ", "οδυσσευς"));   /* final sigma folds with sigma */
	assert_true(eq("ПЁТР ИВАНОВ", "пётр иванов"));
	assert_true(eq("\xe2\x84\xaa", "k"));        /* U+212A KELVIN SIGN */
	assert_true(eq("ŐRSÉG", "őrség"));
	assert_false(eq("élodie", "elodie"));        /* accents are not case */
	assert_false(eq("αλέξης", "αλεξης"));
	/* simple folding: ß is not ss; capital sharp s U+1E9E is ß */
	assert_false(eq("STRASSE", "straße"));
	assert_true(eq("STRA\xe1\xba\x9e" "E", "straße"));
	/* Turkic-only foldings are left alone */
	assert_false(eq("\xc4\xb1", "i"));
	assert_false(eq("\xc4\xb0", "i"));
}

static void test_order(void **state)
{
	(void)state;
	assert_true(fold_strcmp("abc", "ABD") < 0);
	assert_true(fold_strcmp("Émile", "émilie") < 0);
	assert_true(fold_strcmp("ab", "AB c") < 0);    /* a proper prefix first */
	assert_true(fold_strcmp("AB c", "ab") > 0);
	assert_true(fold_strcmp(NULL, "") == 0);
	assert_true(fold_strcmp("Я", "а") > 0);        /* by folded code point */
	assert_true(fold_has_prefix("Αλέξης Παππάς", "ΑΛΈ"));
	assert_true(fold_has_prefix("x", ""));
	assert_false(fold_has_prefix("ΑΛ", "ΑΛΈ"));
}

/* Ill-formed bytes: one at a time, never folded, equal only to themselves,
 * after every character; no read past the given length. */
static void test_ill_formed(void **state)
{
	static const char *const bad[] = {
		"\xff", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xc3", "\xe2\x84",
	};
	uint32_t cp;
	char out[64];
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		size_t n = strlen(bad[i]);
		assert_int_equal(fold_next(bad[i], n, &cp), 1);
		assert_int_equal(cp, FOLD_RAW_BASE + (unsigned char)bad[i][0]);
		assert_int_equal(fold_text(bad[i], n, out, sizeof out), n);
		assert_memory_equal(out, bad[i], n);       /* kept byte for byte */
		assert_true(fold_strcmp(bad[i], bad[i]) == 0);
		assert_true(fold_strcmp(bad[i], "\xf4\x8f\xbf\xbf") > 0);   /* after U+10FFFF */
	}
	assert_false(eq("\xc3", "\xc3\x89"));
	assert_false(eq("A\xff", "a\xfe"));
	assert_true(eq("A\xff", "a\xff"));
	/* a truncated sequence at the end of the given length is not read past */
	assert_int_equal(fold_next("\xc3\x89", 1, &cp), 1);
	assert_int_equal(cp, FOLD_RAW_BASE + 0xc3);
}

/* Every code point: decode(encode) round trip, folding is idempotent and
 * grows a character by at most FOLD_SIZE's half. */
static void test_all_code_points(void **state)
{
	(void)state;
	for (uint32_t c = 0; c <= 0x10FFFF; c++) {
		char a[4], b[4];
		uint32_t back, f;
		size_t n, m;
		if (c >= 0xD800 && c <= 0xDFFF)
			continue;
		n = fold_put(c, a);
		assert_int_equal(fold_next(a, n, &back), n);
		assert_int_equal(back, c);
		f = fold_char(c);
		assert_int_equal(fold_char(f), f);
		m = fold_put(f, b);
		assert_true(m <= FOLD_SIZE(n));
	}
}

static void test_text_room(void **state)
{
	char out[8];
	(void)state;
	/* U+023A (2 bytes) folds to U+2C65 (3 bytes) */
	assert_int_equal(fold_text("\xc8\xba\xc8\xba", 4, out, sizeof out), 6);
	assert_memory_equal(out, "\xe2\xb1\xa5\xe2\xb1\xa5", 6);
	assert_int_equal(fold_text("\xc8\xba\xc8\xba", 4, out, FOLD_SIZE(4)), 6);
	assert_int_equal(fold_text("\xc8\xba\xc8\xba", 4, out, 5), FOLD_NOROOM);
	assert_int_equal(fold_text("ABC", 3, out, 3), 3);
	assert_memory_equal(out, "abc", 3);
	assert_int_equal(fold_text("ABC", 3, out, 2), FOLD_NOROOM);
	assert_int_equal(fold_text("", 0, out, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_ill_formed),
		cmocka_unit_test(test_all_code_points),
		cmocka_unit_test(test_text_room),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
