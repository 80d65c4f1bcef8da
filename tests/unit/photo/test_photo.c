/* test_photo.c - size codes, ETags, If-None-Match, the selection table
 * (spec §6.2) and JPEG validation + renditions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <turbojpeg.h>

#include "core/result.h"
#include "photo/photo.h"

/* ---- helpers --------------------------------------------------------------- */

/* A JPEG of w x h made with tjCompress2.  pf: TJPF_RGB (a smooth pattern),
 * TJPF_GRAY, or TJPF_CMYK (uniform @p cmyk).  Caller frees with tjFree. */
static unsigned char *make_jpeg_ex(int w, int h, int pf, int samp, int flags,
                                   const unsigned char cmyk[4], unsigned long *len)
{
	int ps = tjPixelSize[pf];
	unsigned char *px = malloc((size_t)w * (size_t)h * (size_t)ps);
	unsigned char *jpeg = NULL;
	tjhandle tj = tjInitCompress();
	assert_non_null(px);
	assert_non_null(tj);
	for (int y = 0; y < h; y++) {
		for (int x = 0; x < w; x++) {
			unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * (size_t)ps;
			if (pf == TJPF_CMYK) {
				memcpy(p, cmyk, 4);
			} else if (pf == TJPF_GRAY) {
				p[0] = (unsigned char)((x + y) * 255 / (w + h));
			} else {
				p[0] = (unsigned char)(x * 255 / w);
				p[1] = (unsigned char)(y * 255 / h);
				p[2] = (unsigned char)(((x / 16 + y / 16) & 1) ? 200 : 60);
			}
		}
	}
	*len = 0;
	assert_int_equal(tjCompress2(tj, px, w, 0, h, pf, &jpeg, len, samp, 90, flags), 0);
	tjDestroy(tj);
	free(px);
	return jpeg;
}

static unsigned char *make_jpeg(int w, int h, unsigned long *len)
{
	return make_jpeg_ex(w, h, TJPF_RGB, TJSAMP_420, 0, NULL, len);
}

/* Three bands: red | blue | red, the blue centre square of side h. */
static unsigned char *make_banded(int w, int h, unsigned long *len)
{
	unsigned char *px = malloc((size_t)w * (size_t)h * 3), *jpeg = NULL;
	tjhandle tj = tjInitCompress();
	int x0 = (w - h) / 2;
	assert_non_null(px);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char *p = px + ((size_t)y * (size_t)w + (size_t)x) * 3;
			int centre = x >= x0 && x < x0 + h;
			p[0] = centre ? 0 : 255;
			p[1] = 0;
			p[2] = centre ? 255 : 0;
		}
	*len = 0;
	assert_int_equal(tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpeg, len, TJSAMP_444, 95, 0), 0);
	tjDestroy(tj);
	free(px);
	return jpeg;
}

/* Decode strictly (warnings are errors) to RGB; checks the dimensions. */
static unsigned char *decode_strict(const struct photo_blob *b, int *subsamp)
{
	int w, h, cs;
	unsigned char *px;
	tjhandle tj = tjInitDecompress();
	assert_non_null(tj);
	assert_int_equal(tjDecompressHeader3(tj, b->data, b->len, &w, &h, subsamp, &cs), 0);
	assert_int_equal(w, b->width);
	assert_int_equal(h, b->height);
	px = malloc((size_t)w * (size_t)h * 3);
	assert_non_null(px);
	assert_int_equal(tjDecompress2(tj, b->data, b->len, px, w, 0, h, TJPF_RGB,
	                               TJFLAG_STOPONWARNING), 0);
	tjDestroy(tj);
	return px;
}

/* Every rendition in set: exact N x N, clean decode, right chroma, ETag. */
static void check_set(const struct photo_set *set, unsigned want_mask)
{
	int side = set->source_width < set->source_height ? set->source_width : set->source_height;
	assert_int_equal(set->mask, want_mask);
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		const struct photo_blob *b = &set->r[s];
		char etag[PHOTO_ETAG_LEN + 1];
		/* the upload rendition keeps the upload's own (square) size */
		int n = s == PHOTO_UPLOAD ? side : photo_size_pixels((enum photo_size)s), samp;
		if (!(want_mask & (1u << s))) {
			assert_null(b->data);
			continue;
		}
		assert_non_null(b->data);
		assert_int_equal(b->width, n);
		assert_int_equal(b->height, n);
		free(decode_strict(b, &samp));
		assert_int_equal(samp, n <= 120 ? TJSAMP_444 : TJSAMP_420);
		photo_etag(b->data, b->len, etag);
		assert_string_equal(etag, b->etag);
	}
}

static size_t patch_sof(unsigned char *j, size_t len, int w, int h)
{
	for (size_t i = 2; i + 9 < len; i++) {
		if (j[i] == 0xFF && (j[i + 1] == 0xC0 || j[i + 1] == 0xC2)) {
			j[i + 5] = (unsigned char)(h >> 8);
			j[i + 6] = (unsigned char)h;
			j[i + 7] = (unsigned char)(w >> 8);
			j[i + 8] = (unsigned char)w;
			return i;
		}
	}
	fail_msg("no SOF marker");
	return 0;
}

/* ---- size codes ----------------------------------------------------------- */

static void test_size_table(void **state)
{
	static const char *codes[PHOTO_SIZE_COUNT] = {
		"HR48x48", "HR64x64", "HR96x96", "HR120x120", "HR240x240",
		"HR360x360", "HR432x432", "HR504x504", "HR648x648" };
	static const int px[PHOTO_SIZE_COUNT] = { 48, 64, 96, 120, 240, 360, 432, 504, 648 };
	(void)state;
	for (int i = 0; i < PHOTO_SIZE_COUNT; i++) {
		enum photo_size s = PHOTO_SIZE_COUNT;
		assert_int_equal(photo_size_parse(codes[i], 0, &s), EMU_OK);
		assert_int_equal(s, i);
		s = PHOTO_SIZE_COUNT;
		assert_int_equal(photo_size_parse(codes[i], 1, &s), EMU_OK);
		assert_int_equal(s, i);
		assert_string_equal(photo_size_code((enum photo_size)i), codes[i]);
		assert_int_equal(photo_size_pixels((enum photo_size)i), px[i]);
	}
	assert_null(photo_size_code(PHOTO_SIZE_COUNT));
	assert_int_equal(photo_size_pixels(PHOTO_SIZE_COUNT), 0);
}

static void test_size_case_rules(void **state)
{
	enum photo_size s;
	(void)state;
	/* schema spelling only, unless case-insensitive (REST-style GET) */
	assert_int_equal(photo_size_parse("HR96X96", 0, &s), EMU_EINVAL);
	assert_int_equal(photo_size_parse("hr96x96", 0, &s), EMU_EINVAL);
	assert_int_equal(photo_size_parse("Hr648X648", 0, &s), EMU_EINVAL);
	s = PHOTO_HR48;
	assert_int_equal(photo_size_parse("HR96X96", 1, &s), EMU_OK);
	assert_int_equal(s, PHOTO_HR96);
	assert_int_equal(photo_size_parse("hr648x648", 1, &s), EMU_OK);
	assert_int_equal(s, PHOTO_HR648);

	static const char *bad[] = { "HR1x1", "HR1X1", "", "HR96", "HR96x9", "HR96x96 ",
	                             " HR96x96", "HR96x960", "HR96x96\n", "96x96", "HR100x100",
	                             "HR48x64", "X", "hr" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		s = PHOTO_HR120;
		assert_int_equal(photo_size_parse(bad[i], 0, &s), EMU_EINVAL);
		assert_int_equal(photo_size_parse(bad[i], 1, &s), EMU_EINVAL);
		assert_int_equal(s, PHOTO_HR120);   /* untouched */
	}
	assert_int_equal(photo_size_parse(NULL, 1, &s), EMU_EINVAL);
	assert_int_equal(photo_size_parse("HR96x96", 0, NULL), EMU_EINVAL);
}

/* ---- ETags ---------------------------------------------------------------- */

static void test_etag(void **state)
{
	char a[PHOTO_ETAG_LEN + 1], b[PHOTO_ETAG_LEN + 1];
	(void)state;
	/* SHA-256("abc") = ba7816bf 8f01cfea ... */
	photo_etag("abc", 3, a);
	assert_string_equal(a, "BA7816BF8F01CFEA");
	photo_etag("", 0, a);
	assert_string_equal(a, "E3B0C44298FC1C14");
	photo_etag(NULL, 0, b);
	assert_string_equal(a, b);

	photo_etag("photo bytes", 11, a);
	photo_etag("photo bytes", 11, b);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), PHOTO_ETAG_LEN);
	for (int i = 0; i < PHOTO_ETAG_LEN; i++)
		assert_non_null(strchr("0123456789ABCDEF", a[i]));
	photo_etag("photo bytez", 11, b);
	assert_string_not_equal(a, b);
}

static void test_etag_matches(void **state)
{
	const char *e = "BA09D118AB12CD34";
	(void)state;
	/* quoted, unquoted, gSOAP quote-stripped */
	assert_true(photo_etag_matches("\"BA09D118AB12CD34\"", e));
	assert_true(photo_etag_matches("BA09D118AB12CD34", e));
	assert_true(photo_etag_matches("  \"BA09D118AB12CD34\"  ", e));
	/* weak */
	assert_true(photo_etag_matches("W/\"BA09D118AB12CD34\"", e));
	assert_true(photo_etag_matches("W/BA09D118AB12CD34", e));
	/* lists, as sent and as gSOAP hands them over */
	assert_true(photo_etag_matches("\"x\", W/\"BA09D118AB12CD34\"", e));
	assert_true(photo_etag_matches("x\", W/\"BA09D118AB12CD34", e));
	assert_true(photo_etag_matches("BA09D118AB12CD34\", \"y", e));
	assert_true(photo_etag_matches("\"a\",\"b\",\"BA09D118AB12CD34\",\"c\"", e));
	assert_true(photo_etag_matches("a,BA09D118AB12CD34", e));
	assert_false(photo_etag_matches("\"a\", \"b\"", e));
	/* star */
	assert_true(photo_etag_matches("*", e));
	assert_true(photo_etag_matches(" * ", e));
	assert_true(photo_etag_matches("\"x\", *", e));
	/* empty and absent */
	assert_false(photo_etag_matches("", e));
	assert_false(photo_etag_matches("   ", e));
	assert_false(photo_etag_matches("\"\"", e));
	assert_false(photo_etag_matches(",,", e));
	assert_false(photo_etag_matches(NULL, e));
	assert_false(photo_etag_matches("*", NULL));
	assert_false(photo_etag_matches("*", ""));
	/* near misses: prefix, suffix, case (opaque tags) */
	assert_false(photo_etag_matches("\"BA09D118AB12CD3\"", e));
	assert_false(photo_etag_matches("\"BA09D118AB12CD345\"", e));
	assert_false(photo_etag_matches("\"ba09d118ab12cd34\"", e));
	assert_false(photo_etag_matches("\"BA09D118 AB12CD34\"", e));
	/* the stored etag may itself be given quoted */
	assert_true(photo_etag_matches("BA09D118AB12CD34", "\"BA09D118AB12CD34\""));
}

/* ---- selection (spec §6.2) -------------------------------------------------- */

#define M_ALL 0x1FFu
#define M_240 0x01Fu   /* HR48 .. HR240: a 240x240 upload */
#define M_648 0x100u   /* only the largest (odd, but stores may hold it) */
#define M_UP (1u << PHOTO_UPLOAD)   /* the upload at its own size */

/* Nine outcomes per row, HR48 .. HR648: "-" none, "T" thumbnail, or the
 * pixel size of the mailbox rendition served. */
static const struct sel_row {
	int deleted;
	unsigned mask;
	int thumb, hr48opt;
	const char *expect;
} g_sel[] = {
	/* step 2: a deletion record hides everything, thumbnail included */
	{ 1, M_ALL, 0, 0, "- - - - - - - - -" },
	{ 1, M_ALL, 0, 1, "- - - - - - - - -" },
	{ 1, M_ALL, 1, 0, "- - - - - - - - -" },
	{ 1, M_ALL, 1, 1, "- - - - - - - - -" },
	{ 1, M_240, 0, 0, "- - - - - - - - -" },
	{ 1, M_240, 0, 1, "- - - - - - - - -" },
	{ 1, M_240, 1, 0, "- - - - - - - - -" },
	{ 1, M_240, 1, 1, "- - - - - - - - -" },
	{ 1, M_648, 0, 0, "- - - - - - - - -" },
	{ 1, M_648, 0, 1, "- - - - - - - - -" },
	{ 1, M_648, 1, 0, "- - - - - - - - -" },
	{ 1, M_648, 1, 1, "- - - - - - - - -" },
	{ 1, 0, 0, 0, "- - - - - - - - -" },
	{ 1, 0, 0, 1, "- - - - - - - - -" },
	{ 1, 0, 1, 0, "- - - - - - - - -" },
	{ 1, 0, 1, 1, "- - - - - - - - -" },
	/* step 4: the size asked for; step 3 only with thumbnail + option */
	{ 0, M_ALL, 0, 0, "48 64 96 120 240 360 432 504 648" },
	{ 0, M_ALL, 0, 1, "48 64 96 120 240 360 432 504 648" },
	{ 0, M_ALL, 1, 0, "48 64 96 120 240 360 432 504 648" },
	{ 0, M_ALL, 1, 1, "T 64 96 120 240 360 432 504 648" },
	/* step 4: above the upload size -> the largest stored */
	{ 0, M_240, 0, 0, "48 64 96 120 240 240 240 240 240" },
	{ 0, M_240, 0, 1, "48 64 96 120 240 240 240 240 240" },
	{ 0, M_240, 1, 0, "48 64 96 120 240 240 240 240 240" },
	{ 0, M_240, 1, 1, "T 64 96 120 240 240 240 240 240" },
	{ 0, M_648, 0, 0, "648 648 648 648 648 648 648 648 648" },
	{ 0, M_648, 0, 1, "648 648 648 648 648 648 648 648 648" },
	{ 0, M_648, 1, 0, "648 648 648 648 648 648 648 648 648" },
	{ 0, M_648, 1, 1, "T 648 648 648 648 648 648 648 648" },
	/* step 5: thumbnail as is for any size; step 6: nothing */
	{ 0, 0, 1, 0, "T T T T T T T T T" },
	{ 0, 0, 1, 1, "T T T T T T T T T" },
	{ 0, 0, 0, 0, "- - - - - - - - -" },
	{ 0, 0, 0, 1, "- - - - - - - - -" },
};

static void test_select_table(void **state)
{
	(void)state;
	for (size_t r = 0; r < sizeof g_sel / sizeof *g_sel; r++) {
		const struct sel_row *row = &g_sel[r];
		struct photo_avail a = { row->deleted, row->mask, row->thumb };
		char buf[64], *save = NULL, *tok;
		snprintf(buf, sizeof buf, "%s", row->expect);
		tok = strtok_r(buf, " ", &save);
		for (int s = 0; s < PHOTO_SIZE_COUNT; s++, tok = strtok_r(NULL, " ", &save)) {
			struct photo_pick p = photo_select(&a, (enum photo_size)s, row->hr48opt);
			assert_non_null(tok);
			assert_non_null(p.why);
			if (strcmp(tok, "-") == 0) {
				assert_int_equal(p.source, PHOTO_SRC_NONE);
			} else if (strcmp(tok, "T") == 0) {
				assert_int_equal(p.source, PHOTO_SRC_THUMBNAIL);
			} else {
				if (p.source != PHOTO_SRC_MAILBOX)
					fail_msg("row %zu size %s: source %d", r,
					         photo_size_code((enum photo_size)s), p.source);
				assert_int_equal(photo_size_pixels(p.size), (int)strtol(tok, NULL, 10));
			}
		}
		assert_null(tok);
	}
}

static void test_select_edges(void **state)
{
	struct photo_avail a = { 0, M_ALL | 0xFC00u, 1 };
	struct photo_pick p;
	(void)state;
	assert_int_equal(photo_select(NULL, PHOTO_HR96, 1).source, PHOTO_SRC_NONE);
	assert_int_equal(photo_select(&a, PHOTO_SIZE_COUNT, 1).source, PHOTO_SRC_NONE);
	assert_int_equal(photo_select(&a, PHOTO_UPLOAD, 1).source, PHOTO_SRC_NONE);   /* not a size code */
	assert_int_equal(photo_select(&a, (enum photo_size)-1, 1).source, PHOTO_SRC_NONE);
	/* bits above PHOTO_UPLOAD are ignored */
	a.mailbox_mask = 0xFC00u;
	a.has_thumbnail = 0;
	assert_int_equal(photo_select(&a, PHOTO_HR96, 1).source, PHOTO_SRC_NONE);
	/* a gap in the mask: the largest stored, not the next larger */
	a.mailbox_mask = (1u << PHOTO_HR48) | (1u << PHOTO_HR240);
	p = photo_select(&a, PHOTO_HR96, 1);
	assert_int_equal(p.source, PHOTO_SRC_MAILBOX);
	assert_int_equal(p.size, PHOTO_HR240);
}

/* Issue 10 defect 7: a 200 x 200 upload stores HR48..HR120 and the upload;
 * HR240x240 and above get the upload, which diag explains. */
static void test_select_upload(void **state)
{
	struct photo_avail a = { 0, 0xFu | M_UP, 0 };
	struct photo_pick p;
	(void)state;
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		p = photo_select(&a, (enum photo_size)s, 1);
		assert_int_equal(p.source, PHOTO_SRC_MAILBOX);
		if (s <= PHOTO_HR120) {
			assert_int_equal(p.size, s);
			assert_string_equal(p.why, "mailbox rendition of the requested size");
		} else {
			assert_int_equal(p.size, PHOTO_UPLOAD);
			assert_string_equal(p.why, "the upload at its own size, the largest stored rendition");
		}
	}
	/* HR48x48 still prefers the directory thumbnail; a deletion hides all */
	a.has_thumbnail = 1;
	assert_int_equal(photo_select(&a, PHOTO_HR48, 1).source, PHOTO_SRC_THUMBNAIL);
	assert_int_equal(photo_select(&a, PHOTO_HR648, 1).size, PHOTO_UPLOAD);
	a.deleted = 1;
	assert_int_equal(photo_select(&a, PHOTO_HR648, 1).source, PHOTO_SRC_NONE);
}

/* ---- JPEG validation and renditions ------------------------------------------- */

static void test_renditions_648(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(648, 648, &len);
	struct photo_set set;
	int w = 0, h = 0;
	(void)state;
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h), EMU_OK);
	assert_int_equal(w, 648);
	assert_int_equal(h, 648);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, M_ALL);
	assert_int_equal(set.source_width, 648);
	assert_int_equal(set.source_height, 648);
	for (int s = 1; s < PHOTO_SIZE_COUNT; s++)
		assert_string_not_equal(set.r[s].etag, set.r[s - 1].etag);
	photo_set_free(&set);
	assert_int_equal(set.mask, 0);
	photo_set_free(&set);   /* twice is harmless */
	photo_set_free(NULL);
	tjFree(j);
}

static void test_renditions_504(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(504, 504, &len);
	struct photo_set set;
	(void)state;
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, M_ALL & ~(1u << PHOTO_HR648));   /* no HR648x648 */
	photo_set_free(&set);
	tjFree(j);
}

static void test_renditions_nonsquare(void **state)
{
	unsigned long len;
	unsigned char *j = make_banded(800, 600, &len);
	struct photo_set set;
	(void)state;
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, (M_ALL & ~(1u << PHOTO_HR648)) | M_UP);   /* min side 600 */
	assert_int_equal(set.source_width, 800);
	assert_int_equal(set.source_height, 600);
	/* centre crop: the red side bands are gone, even at the edges */
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		int n, samp;
		unsigned char *px;
		if (!(set.mask & (1u << s)))
			continue;
		n = set.r[s].width;
		px = decode_strict(&set.r[s], &samp);
		for (int y = 0; y < n; y += n - 1) {
			for (int x = 0; x < n; x += n - 1) {
				unsigned char *p = px + ((size_t)y * (size_t)n + (size_t)x) * 3;
				if (!(p[0] < 40 && p[2] > 200))
					fail_msg("%dx%d corner (%d,%d) = %d,%d,%d", n, n, x, y, p[0], p[1], p[2]);
			}
		}
		free(px);
	}
	photo_set_free(&set);
	tjFree(j);

	/* portrait too */
	j = make_jpeg(300, 500, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, M_240 | M_UP);
	assert_int_equal(set.r[PHOTO_UPLOAD].width, 300);
	photo_set_free(&set);
	tjFree(j);
}

/* make_jpeg(w, h) gives exactly the renditions in @p mask. */
static void expect_renditions(int w, int h, unsigned mask)
{
	unsigned long len;
	struct photo_set set;
	unsigned char *j = make_jpeg(w, h, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, mask);
	photo_set_free(&set);
	tjFree(j);
}

/* Issue 10 defect 7: which renditions an upload between two size codes gets. */
static void test_renditions_between_codes(void **state)
{
	unsigned long len;
	struct photo_set set;
	unsigned char *j, *px;
	int samp;
	(void)state;

	/* 200 x 200: HR48..HR120 plus the upload itself at 200 x 200 (4:2:0);
	 * check_set decodes each strictly and checks its N x N */
	expect_renditions(200, 200, 0xFu | M_UP);
	/* 47 x 47: below the smallest code, HR48 upscaled and nothing else */
	expect_renditions(47, 47, 1u << PHOTO_HR48);
	/* exactly 240: a size code, no extra rendition */
	expect_renditions(240, 240, M_240);
	/* 49 and 647: just inside the range; 648 and above: HR648 is the largest */
	expect_renditions(49, 49, 1u | M_UP);
	expect_renditions(647, 700, (M_ALL & ~(1u << PHOTO_HR648)) | M_UP);
	expect_renditions(700, 700, M_ALL);

	/* 1000 x 500: centre-cropped 500 x 500 between HR432 and HR504 */
	j = make_banded(1000, 500, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 0x7Fu | M_UP);
	assert_int_equal(set.r[PHOTO_UPLOAD].width, 500);
	px = decode_strict(&set.r[PHOTO_UPLOAD], &samp);
	/* the red side bands are cropped away: blue at the corners */
	assert_true(px[0] < 40 && px[2] > 200);
	assert_true(px[(500 * 500 - 1) * 3] < 40 && px[(500 * 500 - 1) * 3 + 2] > 200);
	free(px);
	photo_set_free(&set);
	tjFree(j);
}

static void test_renditions_tiny(void **state)
{
	unsigned long len;
	struct photo_set set;
	unsigned char *j = make_jpeg(20, 20, &len);
	(void)state;
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 1u << PHOTO_HR48);   /* upscaled: always one rendition */
	photo_set_free(&set);
	tjFree(j);

	j = make_jpeg(1, 1, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 1u << PHOTO_HR48);
	photo_set_free(&set);
	tjFree(j);

	/* a thin strip within the limits: HR48 from its 2 px side */
	j = make_jpeg(PHOTO_MAX_DIMENSION, 2, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 1u << PHOTO_HR48);
	photo_set_free(&set);
	tjFree(j);

	j = make_jpeg(64, 64, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 3u);
	photo_set_free(&set);
	tjFree(j);
}

static void test_renditions_gray_cmyk_progressive(void **state)
{
	static const unsigned char white[4] = { 255, 255, 255, 255 };
	static const unsigned char red[4] = { 255, 0, 0, 255 };   /* inverted CMYK */
	unsigned long len;
	struct photo_set set;
	unsigned char *j, *px;
	int w, h, samp;
	(void)state;

	j = make_jpeg_ex(300, 300, TJPF_GRAY, TJSAMP_GRAY, 0, NULL, &len);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h), EMU_OK);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, M_240 | M_UP);
	photo_set_free(&set);
	tjFree(j);

	j = make_jpeg_ex(128, 128, TJPF_CMYK, TJSAMP_444, 0, white, &len);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_OK);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 0xFu | M_UP);
	px = decode_strict(&set.r[PHOTO_HR96], &samp);
	assert_in_range(px[0], 245, 255);
	assert_in_range(px[1], 245, 255);
	assert_in_range(px[2], 245, 255);
	free(px);
	photo_set_free(&set);
	tjFree(j);

	j = make_jpeg_ex(128, 128, TJPF_CMYK, TJSAMP_444, 0, red, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	px = decode_strict(&set.r[PHOTO_HR64], &samp);
	assert_in_range(px[0], 235, 255);
	assert_in_range(px[1], 0, 20);
	assert_in_range(px[2], 0, 20);
	free(px);
	photo_set_free(&set);
	tjFree(j);

	j = make_jpeg_ex(400, 400, TJPF_RGB, TJSAMP_420, TJFLAG_PROGRESSIVE, NULL, &len);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	check_set(&set, 0x3Fu | M_UP);
	photo_set_free(&set);
	/* truncated progressive data is rejected too */
	assert_int_equal(photo_inspect(j, len * 2 / 3, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	tjFree(j);
}

static void test_uniform_colour(void **state)
{
	/* area averaging of a flat colour is that colour at every size */
	unsigned char *px = malloc(500 * 500 * 3), *j = NULL, *d;
	unsigned long len = 0;
	struct photo_set set;
	tjhandle tj = tjInitCompress();
	int samp;
	(void)state;
	assert_non_null(px);
	for (int i = 0; i < 500 * 500; i++) {
		px[3 * i] = 30;
		px[3 * i + 1] = 140;
		px[3 * i + 2] = 220;
	}
	assert_int_equal(tjCompress2(tj, px, 500, 0, 500, TJPF_RGB, &j, &len, TJSAMP_444, 100, 0), 0);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		int n = photo_size_pixels((enum photo_size)s);
		if (!(set.mask & (1u << s)))
			continue;
		d = decode_strict(&set.r[s], &samp);
		for (int i = 0; i < n * n; i++) {
			assert_in_range(d[3 * i], 26, 34);
			assert_in_range(d[3 * i + 1], 136, 144);
			assert_in_range(d[3 * i + 2], 216, 224);
		}
		free(d);
	}
	photo_set_free(&set);
	tjFree(j);
	tjDestroy(tj);
	free(px);
}

static void test_reject_garbage(void **state)
{
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
	                                     0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1 };
	static const char gif[] = "GIF89a\x01\x00\x01\x00\x80\x00\x00";
	static const char webp[] = "RIFF\x24\x00\x00\x00WEBPVP8 ";
	unsigned char bmp[64] = { 'B', 'M' };
	unsigned char rnd[4096];
	struct photo_set set;
	int w = -1;
	(void)state;

	assert_int_equal(photo_inspect("", 0, PHOTO_MAX_UPLOAD_BYTES, &w, NULL), EMU_EIMAGE);
	assert_int_equal(w, -1);
	assert_int_equal(photo_inspect(NULL, 10, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	assert_int_equal(photo_make_renditions("", 0, &set), EMU_EIMAGE);
	assert_int_equal(set.mask, 0);
	assert_int_equal(photo_make_renditions("x", 1, NULL), EMU_EINVAL);

	assert_int_equal(photo_inspect(png, sizeof png, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EFORMAT);
	assert_int_equal(photo_make_renditions(png, sizeof png, &set), EMU_EFORMAT);
	assert_int_equal(photo_inspect(gif, sizeof gif - 1, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EFORMAT);
	assert_int_equal(photo_inspect(webp, sizeof webp - 1, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EFORMAT);
	assert_int_equal(photo_inspect(bmp, sizeof bmp, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EFORMAT);

	srand(42);
	for (size_t i = 0; i < sizeof rnd; i++)
		rnd[i] = (unsigned char)rand();
	rnd[0] = 0x00;
	assert_int_equal(photo_inspect(rnd, sizeof rnd, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	assert_int_equal(photo_make_renditions(rnd, sizeof rnd, &set), EMU_EIMAGE);
	assert_int_equal(photo_inspect("hello, world", 12, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	/* random bytes behind a JPEG SOI */
	rnd[0] = 0xFF;
	rnd[1] = 0xD8;
	rnd[2] = 0xFF;
	assert_int_equal(photo_inspect(rnd, sizeof rnd, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	assert_int_equal(photo_make_renditions(rnd, sizeof rnd, &set), EMU_EIMAGE);
	assert_int_equal(photo_inspect(rnd, 3, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
}

static void test_reject_truncated_corrupt(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(300, 300, &len), *c;
	struct photo_set set;
	size_t cuts[] = { 2, 20, 200, len / 3, len / 2, len - 100, len - 2, len - 1 };
	(void)state;
	for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
		if (photo_inspect(j, cuts[i], PHOTO_MAX_UPLOAD_BYTES, NULL, NULL) != EMU_EIMAGE)
			fail_msg("truncated at %zu of %lu accepted", cuts[i], len);
		assert_int_equal(photo_make_renditions(j, cuts[i], &set), EMU_EIMAGE);
		assert_int_equal(set.mask, 0);
	}
	/* every cut point, including inside the header tables */
	for (size_t cut = 0; cut < len; cut += 7)
		if (photo_inspect(j, cut, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL) != EMU_EIMAGE)
			fail_msg("truncated at %zu of %lu accepted", cut, len);
	/* trailing bytes after EOI are harmless */
	c = malloc(len + 16);
	assert_non_null(c);
	memcpy(c, j, len);
	memset(c + len, 0, 16);
	assert_int_equal(photo_inspect(c, len + 16, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_OK);
	/* scribbled entropy-coded data */
	memcpy(c, j, len);
	for (size_t i = len / 2; i < len / 2 + 64; i++)
		c[i] = 0xFF;
	assert_int_equal(photo_inspect(c, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	assert_int_equal(photo_make_renditions(c, len, &set), EMU_EIMAGE);
	free(c);
	tjFree(j);
}

static void test_reject_limits(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(64, 64, &len), *big;
	struct photo_set set;
	int w = -1, h = -1;
	(void)state;

	/* declared 20000x20000 in SOF: rejected from the header alone */
	patch_sof(j, len, 20000, 20000);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h), EMU_ELIMIT);
	assert_int_equal(w, -1);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_ELIMIT);
	assert_int_equal(set.mask, 0);
	patch_sof(j, len, PHOTO_MAX_DIMENSION + 1, 64);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_ELIMIT);
	patch_sof(j, len, 64, 64);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_OK);
	tjFree(j);

	/* a real tall thin image */
	j = make_jpeg(1, 9000, &len);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_ELIMIT);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_ELIMIT);
	tjFree(j);

	/* bytes: the caller's limit, the thumbnail limit, the upload limit */
	j = make_jpeg(96, 96, &len);
	assert_int_equal(photo_inspect(j, len, len, NULL, NULL), EMU_OK);
	assert_int_equal(photo_inspect(j, len, len - 1, NULL, NULL), EMU_ELIMIT);
	tjFree(j);
	big = calloc(1, PHOTO_MAX_UPLOAD_BYTES + 1);
	assert_non_null(big);
	j = make_jpeg(96, 96, &len);
	memcpy(big, j, len);   /* a valid JPEG followed by zeros */
	assert_int_equal(photo_inspect(big, PHOTO_MAX_THUMBNAIL_BYTES + 1, PHOTO_MAX_THUMBNAIL_BYTES,
	                               NULL, NULL), EMU_ELIMIT);
	assert_int_equal(photo_inspect(big, PHOTO_MAX_THUMBNAIL_BYTES, PHOTO_MAX_THUMBNAIL_BYTES,
	                               NULL, NULL), EMU_OK);
	assert_int_equal(photo_make_renditions(big, PHOTO_MAX_UPLOAD_BYTES + 1, &set), EMU_ELIMIT);
	assert_int_equal(photo_make_renditions(big, PHOTO_MAX_UPLOAD_BYTES, &set), EMU_OK);
	photo_set_free(&set);
	tjFree(j);
	free(big);
}

/* ---- determinism, threads, time ------------------------------------------------ */

struct job {
	const unsigned char *jpeg;
	unsigned long len;
	char etags[PHOTO_SIZE_COUNT][PHOTO_ETAG_LEN + 1];
	int rc;
};

static void *worker(void *arg)
{
	struct job *jb = arg;
	for (int round = 0; round < 5 && jb->rc == EMU_OK; round++) {
		struct photo_set set;
		jb->rc = photo_make_renditions(jb->jpeg, jb->len, &set);
		if (jb->rc != EMU_OK)
			break;
		for (int s = 0; s < PHOTO_SIZE_COUNT; s++)
			memcpy(jb->etags[s], set.r[s].etag, sizeof jb->etags[s]);
		photo_set_free(&set);
	}
	return NULL;
}

static void test_threads_deterministic(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(648, 648, &len);
	struct photo_set ref;
	struct job jobs[4];
	pthread_t th[4];
	(void)state;
	assert_int_equal(photo_make_renditions(j, len, &ref), EMU_OK);
	for (int i = 0; i < 4; i++) {
		memset(&jobs[i], 0, sizeof jobs[i]);
		jobs[i].jpeg = j;
		jobs[i].len = len;
		assert_int_equal(pthread_create(&th[i], NULL, worker, &jobs[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(jobs[i].rc, EMU_OK);
		for (int s = 0; s < PHOTO_SIZE_COUNT; s++)
			assert_string_equal(jobs[i].etags[s], ref.r[s].etag);
	}
	photo_set_free(&ref);
	tjFree(j);
}

static void test_time_648(void **state)
{
	unsigned long len;
	unsigned char *j = make_jpeg(648, 648, &len);
	struct photo_set set;
	struct timespec a, b;
	double ms;
	int rounds = 20;
	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < rounds; i++) {
		assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
		photo_set_free(&set);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = ((double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6) / rounds;
	/* a figure for the reader, never a verdict: timed asserts fail on a
	 * loaded machine (speed is measured by tests/bench/, not by tests) */
	print_message("photo_make_renditions 648x648 -> 9 sizes: %.2f ms\n", ms);
	tjFree(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_table),
		cmocka_unit_test(test_size_case_rules),
		cmocka_unit_test(test_etag),
		cmocka_unit_test(test_etag_matches),
		cmocka_unit_test(test_select_table),
		cmocka_unit_test(test_select_edges),
		cmocka_unit_test(test_select_upload),
		cmocka_unit_test(test_renditions_648),
		cmocka_unit_test(test_renditions_504),
		cmocka_unit_test(test_renditions_nonsquare),
		cmocka_unit_test(test_renditions_between_codes),
		cmocka_unit_test(test_renditions_tiny),
		cmocka_unit_test(test_renditions_gray_cmyk_progressive),
		cmocka_unit_test(test_uniform_colour),
		cmocka_unit_test(test_reject_garbage),
		cmocka_unit_test(test_reject_truncated_corrupt),
		cmocka_unit_test(test_reject_limits),
		cmocka_unit_test(test_threads_deterministic),
		cmocka_unit_test(test_time_648),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
