/* test_core.c - base64, password hashing, arena, result texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/password.h"
#include "core/result.h"

static void test_base64_roundtrip(void **state)
{
	(void)state;
	const char *cases[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char enc[32];
		unsigned char dec[32];
		size_t n;
		base64_encode(cases[i], strlen(cases[i]), enc);
		assert_string_equal(enc, want[i]);
		assert_int_equal(base64_decode(enc, strlen(enc), dec, sizeof dec, &n), EMU_OK);
		assert_int_equal(n, strlen(cases[i]));
		assert_memory_equal(dec, cases[i], n);
	}
}

static void test_base64_errors(void **state)
{
	(void)state;
	unsigned char out[4];
	size_t n;
	assert_int_equal(base64_decode("Zm9v!", 5, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(base64_decode("Zg==Zg", 6, out, sizeof out, &n), EMU_EINVAL);
	assert_int_equal(base64_decode("Zm9vYmFy", 8, out, 4, &n), EMU_ELIMIT);
	assert_int_equal(base64_decode("Zm9v\r\n", 6, out, sizeof out, &n), EMU_OK);
	assert_int_equal(n, 3);
}

/* Every byte value: the 64 of the alphabet decode to their index (the
 * decoding table), blanks are skipped, '=' pads, anything else is refused. */
static void test_base64_every_byte(void **state)
{
	(void)state;
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	for (int c = 0; c < 256; c++) {
		char in[4] = { (char)c, 'A', '=', '=' };
		unsigned char out[4];
		size_t n = 99;
		int rc = base64_decode(in, 4, out, sizeof out, &n);
		const char *at = c ? memchr(alpha, c, 64) : NULL;
		if (at) {
			assert_int_equal(rc, EMU_OK);
			assert_int_equal(n, 1);
			assert_int_equal(out[0], (unsigned char)((at - alpha) << 2));
		} else {
			/* a blank is skipped and leaves "A==" (6 bits, no byte); '=' before
			 * data, and every other byte, is malformed */
			assert_int_equal(rc, EMU_EINVAL);
		}
	}
	unsigned char out[4];
	size_t n;
	assert_int_equal(base64_decode(" Z g = =", 7, out, sizeof out, &n), EMU_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'f');
}

static void test_password(void **state)
{
	(void)state;
	char h[160], h2[160];
	assert_int_equal(password_hash("secret", h, sizeof h), EMU_OK);
	assert_int_equal(password_hash("secret", h2, sizeof h2), EMU_OK);
	assert_string_not_equal(h, h2); /* salted */
	assert_true(password_verify("secret", h));
	assert_false(password_verify("Secret", h));
	assert_false(password_verify("secret", "plain"));
	assert_false(password_verify("", h));
}

static void test_arena(void **state)
{
	(void)state;
	struct heap_arena h;
	heap_arena_init(&h);
	char *s = arena_strdup(&h.arena, "hello");
	assert_string_equal(s, "hello");
	unsigned char *m = arena_memdup(&h.arena, "\0\1\2", 3);
	assert_int_equal(m[2], 2);
	assert_int_equal(m[3], 0);
	assert_null(arena_strdup(&h.arena, NULL));
	heap_arena_free(&h);

	/* blocks: small allocations share one, aligned and apart; a large one
	 * has its own; reset keeps memory usable for the next round */
	for (int round = 0; round < 3; round++) {
		char *p[64];
		for (int i = 0; i < 64; i++) {
			p[i] = arena_alloc(&h.arena, (size_t)i + 1);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)p[i] % _Alignof(max_align_t), 0);
			memset(p[i], i, (size_t)i + 1);
		}
		char *big = arena_alloc(&h.arena, HEAP_ARENA_BLOCK * 3);
		assert_non_null(big);
		memset(big, 0xee, HEAP_ARENA_BLOCK * 3);
		char *after = arena_strdup(&h.arena, "after the big one");
		for (int i = 0; i < 64; i++)   /* nothing overlapped */
			for (int k = 0; k <= i; k++)
				assert_int_equal(p[i][k], i);
		assert_string_equal(after, "after the big one");
		heap_arena_reset(&h);
	}
	heap_arena_free(&h);
	heap_arena_reset(&h);   /* an empty arena: nothing to keep */
	assert_null(h.head);
	assert_string_equal(emu_strerror(EMU_ENOTFOUND), "not found");
	assert_string_equal(emu_strerror(12345), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_roundtrip),
		cmocka_unit_test(test_base64_errors),
		cmocka_unit_test(test_base64_every_byte),
		cmocka_unit_test(test_password),
		cmocka_unit_test(test_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
