/* test_avatar.c - drawn avatars: valid JPEGs of the asked size, seeded,
 * deterministic, initials visible, bad arguments refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/result.h"
#include "demo/avatar.h"
#include "photo/photo.h"

/* Decode strictly; returns RGB (free()) after checking the dimensions. */
static unsigned char *decode(const unsigned char *j, size_t len, int w, int h)
{
	int dw, dh, samp, cs;
	unsigned char *px;
	tjhandle tj = tjInitDecompress();
	assert_non_null(tj);
	assert_int_equal(tjDecompressHeader3(tj, j, (unsigned long)len, &dw, &dh, &samp, &cs), 0);
	assert_int_equal(dw, w);
	assert_int_equal(dh, h);
	assert_int_equal(samp, TJSAMP_444);
	px = malloc((size_t)w * (size_t)h * 3);
	assert_non_null(px);
	assert_int_equal(tjDecompress2(tj, j, (unsigned long)len, px, w, 0, h, TJPF_RGB,
	                               TJFLAG_STOPONWARNING), 0);
	tjDestroy(tj);
	return px;
}

static size_t white_pixels(const unsigned char *px, int w, int h)
{
	size_t n = 0;
	for (size_t i = 0; i < (size_t)w * (size_t)h; i++)
		if (px[3 * i] > 235 && px[3 * i + 1] > 235 && px[3 * i + 2] > 235)
			n++;
	return n;
}

static void test_sizes(void **state)
{
	static const int dims[][2] = { { 96, 96 }, { 32, 32 }, { 16, 16 }, { 48, 48 }, { 200, 200 },
	                               { 648, 648 }, { 1024, 1024 }, { 96, 72 }, { 72, 96 },
	                               { 300, 100 }, { 33, 517 } };
	(void)state;
	for (size_t i = 0; i < sizeof dims / sizeof *dims; i++) {
		unsigned char *j = NULL, *px;
		size_t len = 0;
		int w = dims[i][0], h = dims[i][1], iw, ih;
		assert_int_equal(avatar_render_jpeg("AB", 7, w, h, 90, &j, &len), EMU_OK);
		assert_non_null(j);
		assert_true(len > 100);
		px = decode(j, len, w, h);
		/* the initials are drawn in white */
		int m = w < h ? w : h;
		if (white_pixels(px, w, h) <= (size_t)m * (size_t)m / 200)
			fail_msg("%dx%d: %zu white pixels", w, h, white_pixels(px, w, h));
		free(px);
		assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, &iw, &ih), EMU_OK);
		assert_int_equal(iw, w);
		assert_int_equal(ih, h);
		free(j);
	}
}

static void test_seeds_and_determinism(void **state)
{
	enum { N = 24 };
	unsigned char *j[N], *again;
	size_t len[N], alen;
	(void)state;
	for (int i = 0; i < N; i++)
		assert_int_equal(avatar_render_jpeg("JS", (uint32_t)i * 2654435761u, 64, 64, 90,
		                                    &j[i], &len[i]), EMU_OK);
	for (int a = 0; a < N; a++)
		for (int b = a + 1; b < N; b++)
			assert_false(len[a] == len[b] && memcmp(j[a], j[b], len[a]) == 0);
	/* same arguments, same bytes */
	assert_int_equal(avatar_render_jpeg("JS", 2654435761u, 64, 64, 90, &again, &alen), EMU_OK);
	assert_int_equal(alen, len[1]);
	assert_memory_equal(again, j[1], alen);
	free(again);
	/* other initials, other picture */
	assert_int_equal(avatar_render_jpeg("JT", 2654435761u, 64, 64, 90, &again, &alen), EMU_OK);
	assert_false(alen == len[1] && memcmp(again, j[1], alen) == 0);
	free(again);
	for (int i = 0; i < N; i++)
		free(j[i]);
}

static void test_initials(void **state)
{
	static const char *ok[] = { "A", "ZZ", "Q7", "0", "ABC", "WMW", "abc", "789" };
	unsigned char *j = NULL, *k = NULL, *px;
	size_t len = 0, klen = 0;
	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		assert_int_equal(avatar_render_jpeg(ok[i], 1, 120, 120, 90, &j, &len), EMU_OK);
		free(j);
	}
	/* lower case is drawn upper case */
	assert_int_equal(avatar_render_jpeg("ab", 5, 80, 80, 90, &j, &len), EMU_OK);
	assert_int_equal(avatar_render_jpeg("AB", 5, 80, 80, 90, &k, &klen), EMU_OK);
	assert_int_equal(len, klen);
	assert_memory_equal(j, k, len);
	free(j);
	free(k);
	/* no initials: silhouette only, no white */
	assert_int_equal(avatar_render_jpeg("", 5, 80, 80, 90, &j, &len), EMU_OK);
	px = decode(j, len, 80, 80);
	assert_int_equal(white_pixels(px, 80, 80), 0);
	free(px);
	free(j);
	assert_int_equal(avatar_render_jpeg(NULL, 5, 80, 80, 90, &j, &len), EMU_OK);
	free(j);
}

static void test_bad_arguments(void **state)
{
	static const char *bad[] = { "ABCD", "A B", "A-B", "\xc3\x89", "a.", "_" };
	unsigned char *j = (unsigned char *)"untouched";
	size_t len = 42;
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(avatar_render_jpeg(bad[i], 1, 64, 64, 90, &j, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, AVATAR_MIN_SIZE - 1, 64, 90, &j, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, 64, AVATAR_MAX_SIZE + 1, 90, &j, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, 64, 64, 0, &j, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, 64, 64, 101, &j, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, 64, 64, 90, NULL, &len), EMU_EINVAL);
	assert_int_equal(avatar_render_jpeg("A", 1, 64, 64, 90, &j, NULL), EMU_EINVAL);
	assert_string_equal((const char *)j, "untouched");
	assert_int_equal(len, 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_seeds_and_determinism),
		cmocka_unit_test(test_initials),
		cmocka_unit_test(test_bad_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
