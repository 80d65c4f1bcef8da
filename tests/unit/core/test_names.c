/* test_names.c - name normalisation, tokens and prefix matching (core/names.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/names.h"

static void test_normalize(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(names_normalize("  Alice   EXAMPLE \t", out, sizeof out), 13);
	assert_string_equal(out, "alice example");
	names_normalize("\xC3\x89lodie \xC3\x96zt\xC3\xBCrk", out, sizeof out);   /* Élodie Öztürk */
	assert_string_equal(out, "\xC3\xA9lodie \xC3\xB6zt\xC3\xBCrk");
	names_normalize("A\xC3\x97" "B", out, sizeof out);   /* × is not a letter */
	assert_string_equal(out, "a\xC3\x97" "b");
	names_normalize(NULL, out, sizeof out);
	assert_string_equal(out, "");
	/* cut at a UTF-8 boundary */
	assert_int_equal(names_normalize("ab\xC3\x89", out, 4), 2);
	assert_string_equal(out, "ab");
}

static int has(const struct names_tokens *t, const char *s)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->tok[i], s) == 0)
			return 1;
	return 0;
}

/* core/fold.h: every script folds, ill-formed bytes pass through, the
 * output is cut at whole characters (a 2-byte letter can fold to 3 bytes). */
static void test_normalize_unicode(void **state)
{
	char out[64];
	(void)state;
	assert_int_equal(names_normalize("  ΑΛΈΞΗΣ   ΠΑΠΠΆΣ ", out, sizeof out), strlen("αλέξησ παππάσ"));
	assert_string_equal(out, "αλέξησ παππάσ");   /* final sigma folds to σ */
	names_normalize("ПЁТР Иванов", out, sizeof out);
	assert_string_equal(out, "пётр иванов");
	names_normalize("ŐRSÉG \xff\xc3", out, sizeof out);
	assert_string_equal(out, "őrség \xff\xc3");
	/* "ȺȺ" folds to 6 bytes: room for 5 (+NUL) keeps one whole character */
	assert_int_equal(names_normalize("\xc8\xba\xc8\xba", out, 6), 3);
	assert_string_equal(out, "\xe2\xb1\xa5");
	assert_true(names_has_prefix_ci("Αλέξης", "ΑΛΈ"));
	assert_false(names_has_prefix_ci("Αλ", "ΑΛΈ"));
	struct names_fields f = { "Пётр Иванов", "Пётр", "Иванов", { NULL } };
	names_normalize("иванов, п", out, sizeof out);
	assert_true(names_fields_match(&f, out));
}

static void test_tokens(void **state)
{
	(void)state;
	struct names_tokens t;
	struct names_fields f = { "Smith, Jane (Sales)", "Jane", "Smith",
	                          { "jsmith", "Jane.Smith@Contoso.test", "B1 2.03", NULL, NULL, NULL } };
	names_tokenize(&f, &t);
	assert_true(has(&t, "smith, jane (sales)"));
	assert_true(has(&t, "smith"));
	assert_true(has(&t, "jane"));
	assert_true(has(&t, "sales"));
	assert_true(has(&t, "jsmith"));
	assert_true(has(&t, "jane.smith@contoso.test"));
	assert_true(has(&t, "b1 2.03"));
	assert_true(has(&t, "jane smith"));
	assert_true(has(&t, "smith jane"));
	/* no duplicates: "jane" and "smith" came from two fields each */
	int n = 0;
	for (int i = 0; i < t.n; i++)
		n += strcmp(t.tok[i], "jane") == 0;
	assert_int_equal(n, 1);
}

static void test_match(void **state)
{
	(void)state;
	struct names_tokens t;
	struct names_fields f = { "Alice Example", "Alice", "Example",
	                          { "alice", "alice@example.test", NULL, NULL, NULL, NULL } };
	char q[64];
	names_tokenize(&f, &t);
	const char *yes[] = { "ali", "ALICE", "exa", "Alice Ex", "example, al", "alice@ex", "  alice  example " };
	const char *no[] = { "lice", "bob", "alice x", "ex alice", "" };
	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		names_normalize(yes[i], q, sizeof q);
		assert_true(names_match(&t, q));
		assert_true(names_fields_match(&f, q));   /* the same rule without the array */
	}
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		names_normalize(no[i], q, sizeof q);
		assert_false(names_match(&t, q));
		assert_false(names_fields_match(&f, q));
	}
	assert_true(names_has_prefix_ci("Alice@X", "alice@"));
	assert_false(names_has_prefix_ci("Al", "alice"));
}

static void test_token_limits(void **state)
{
	(void)state;
	struct names_tokens t;
	char longname[400];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	struct names_fields f = { .display_name = longname };
	names_tokenize(&f, &t);
	assert_int_equal(t.n, 1);
	assert_int_equal(strlen(t.tok[0]), NAMES_TOKEN_MAX);
	/* a query longer than a token still matches on its first NAMES_TOKEN_MAX bytes */
	assert_true(names_match(&t, longname));
	assert_true(names_fields_match(&f, longname));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_unicode),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_token_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
