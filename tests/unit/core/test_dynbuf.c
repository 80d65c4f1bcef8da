/* test_dynbuf.c - the growable buffer with a declared maximum (core/dynbuf.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/dynbuf.h"
#include "core/result.h"

/* Exactly max bytes fit; one more is EMU_ELIMIT and changes nothing. */
static void test_limit(void **state)
{
	(void)state;
	struct dynbuf d;
	dynbuf_init(&d, 8);
	assert_int_equal(dynbuf_add(&d, "abcd", 4), EMU_OK);
	assert_int_equal(dynbuf_addstr(&d, "efgh"), EMU_OK);
	assert_int_equal(d.len, 8);
	assert_string_equal(d.p, "abcdefgh");
	assert_int_equal(dynbuf_add(&d, "i", 1), EMU_ELIMIT);
	assert_int_equal(d.len, 8);
	assert_string_equal(d.p, "abcdefgh");
	/* the failure sticks: even an append that would fit is refused */
	assert_int_equal(dynbuf_setlen(&d, 2), EMU_OK);
	assert_int_equal(dynbuf_add(&d, "x", 1), EMU_ELIMIT);
	assert_string_equal(d.p, "ab");
	assert_int_equal(dynbuf_error(&d), EMU_ELIMIT);
	char *s = (char *)1;
	size_t n = 99;
	assert_int_equal(dynbuf_take(&d, &s, &n), EMU_ELIMIT);
	assert_null(s);
	assert_int_equal(n, 0);
	assert_null(d.p);
	/* after take the buffer is empty and usable with the same max */
	assert_int_equal(dynbuf_add(&d, "12345678", 8), EMU_OK);
	assert_int_equal(dynbuf_add(&d, "9", 1), EMU_ELIMIT);
	dynbuf_reset(&d);
	assert_int_equal(dynbuf_error(&d), 0);
	assert_int_equal(d.len, 0);
	assert_string_equal(dynbuf_str(&d), "");
	assert_int_equal(dynbuf_add(&d, "123456789", 9), EMU_ELIMIT);   /* one above in one piece */
	assert_string_equal(dynbuf_str(&d), "");
	dynbuf_free(&d);
}

/* Growth across many doublings keeps every byte and the NUL after them. */
static void test_growth_binary(void **state)
{
	(void)state;
	struct dynbuf d;
	size_t max = 3 * DYNBUF_INIT_CAP + 5;
	dynbuf_init(&d, max);
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)(i % 251);
		assert_int_equal(dynbuf_add(&d, &c, 1), EMU_OK);
		assert_int_equal(d.p[d.len], '\0');
	}
	assert_true(d.cap <= max + 1);
	for (size_t i = 0; i < max; i++)
		assert_int_equal((unsigned char)d.p[i], i % 251);
	unsigned char c = 0;
	assert_int_equal(dynbuf_add(&d, &c, 1), EMU_ELIMIT);
	char *s;
	size_t n;
	dynbuf_reset(&d);
	assert_int_equal(dynbuf_add(&d, "a\0b", 3), EMU_OK);   /* binary with a NUL inside */
	assert_int_equal(dynbuf_take(&d, &s, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(s, "a\0b\0", 4);
	free(s);
	dynbuf_free(&d);
}

/* Empty input: a zero-length append allocates (p is a string); take of an
 * untouched buffer hands over ""; a zeroed struct has max 0. */
static void test_empty(void **state)
{
	(void)state;
	struct dynbuf d;
	char *s;
	size_t n = 7;
	dynbuf_init(&d, 0);
	assert_null(d.p);
	assert_string_equal(dynbuf_str(&d), "");
	assert_int_equal(dynbuf_add(&d, NULL, 0), EMU_OK);
	assert_non_null(d.p);
	assert_string_equal(d.p, "");
	assert_int_equal(dynbuf_add(&d, "x", 1), EMU_ELIMIT);
	dynbuf_free(&d);
	dynbuf_init(&d, 10);
	assert_int_equal(dynbuf_take(&d, &s, &n), EMU_OK);
	assert_string_equal(s, "");
	assert_int_equal(n, 0);
	free(s);
	struct dynbuf z = { 0 };
	assert_int_equal(dynbuf_addstr(&z, "a"), EMU_ELIMIT);
	dynbuf_free(&z);
}

/* Formatted text: small, larger than the internal scratch, at the max and one above. */
static void test_addf(void **state)
{
	(void)state;
	struct dynbuf d;
	dynbuf_init(&d, 3000);
	assert_int_equal(dynbuf_addf(&d, "%d-%s", 42, "x"), EMU_OK);
	assert_string_equal(d.p, "42-x");
	char big[1501];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(dynbuf_addf(&d, "[%s]", big), EMU_OK);
	assert_int_equal(d.len, 4 + 1502);
	assert_int_equal(d.p[5], 'b');
	assert_int_equal(d.p[d.len - 1], ']');
	dynbuf_reset(&d);
	assert_int_equal(dynbuf_addf(&d, "%.*s", 1500, big), EMU_OK);
	size_t room = d.max - d.len;   /* 1500: more than the 512-byte scratch takes at once */
	assert_int_equal(dynbuf_addf(&d, "%0*d", (int)room + 1, 7), EMU_ELIMIT);   /* one above */
	assert_int_equal(d.len, 1500);
	dynbuf_reset(&d);
	assert_int_equal(dynbuf_addf(&d, "%.*s", 1500, big), EMU_OK);
	assert_int_equal(dynbuf_addf(&d, "%0*d", (int)room, 7), EMU_OK);        /* exactly at the max */
	assert_int_equal(d.len, d.max);
	assert_int_equal(d.p[d.len - 1], '7');
	dynbuf_free(&d);
}

/* reserve + added: a reader writing into the buffer directly. */
static void test_reserve(void **state)
{
	(void)state;
	struct dynbuf d;
	dynbuf_init(&d, 10);
	assert_int_equal(dynbuf_reserve(&d, 10), EMU_OK);
	memcpy(d.p, "0123456789", 10);
	assert_int_equal(dynbuf_added(&d, 10), EMU_OK);
	assert_string_equal(d.p, "0123456789");
	assert_int_equal(dynbuf_added(&d, 1), EMU_EINVAL);   /* more than reserved */
	assert_int_equal(dynbuf_reserve(&d, 1), EMU_ELIMIT);
	assert_int_equal(d.len, 10);
	assert_int_equal(dynbuf_setlen(&d, 11), EMU_EINVAL);
	dynbuf_free(&d);
	assert_int_equal(d.max, 10);
}

/* addbuf hands a scratch buffer's failure on instead of its contents. */
static void test_addbuf(void **state)
{
	(void)state;
	struct dynbuf a, b;
	dynbuf_init(&a, 16);
	dynbuf_init(&b, 2);
	assert_int_equal(dynbuf_addstr(&b, "hi"), EMU_OK);
	assert_int_equal(dynbuf_addbuf(&a, &b), EMU_OK);
	assert_string_equal(a.p, "hi");
	assert_int_equal(dynbuf_addstr(&b, "!"), EMU_ELIMIT);
	assert_int_equal(dynbuf_addbuf(&a, &b), EMU_ELIMIT);
	assert_string_equal(a.p, "hi");
	assert_int_equal(dynbuf_error(&a), EMU_ELIMIT);
	dynbuf_free(&a);
	dynbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_growth_binary),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_addf),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_addbuf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
