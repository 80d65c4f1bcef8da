/* test_budget.c - decode memory (issue 10 defect 3): the cost arithmetic for
 * baseline, progressive and multi-scan JPEGs, the limit at the budget and
 * one above, and the decode pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/result.h"
#include "photo/photo.h"

/* ---- hand-built marker streams -------------------------------------------- */

struct comp {
	int h, v;
};

static size_t put16(unsigned char *b, size_t n, unsigned v)
{
	b[n] = (unsigned char)(v >> 8);
	b[n + 1] = (unsigned char)v;
	return n + 2;
}

/* SOI, an APP0, a SOF of type @p sof, then @p nscans scans; scan i holds
 * scan_nc[i] components followed by a little entropy data with a stuffed
 * 0xFF00, a restart marker and fill bytes; EOI.  Returns the length. */
static size_t stream(unsigned char *b, unsigned sof, int w, int h, int nc, const struct comp *c,
                     int nscans, const int *scan_nc)
{
	static const unsigned char entropy[] = { 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xFF };
	size_t n = 0;
	b[n++] = 0xFF;
	b[n++] = 0xD8;
	b[n++] = 0xFF;
	b[n++] = 0xE0;
	n = put16(b, n, 6);
	memcpy(b + n, "JFIF", 4);
	n += 4;
	b[n++] = 0xFF;
	b[n++] = (unsigned char)sof;
	n = put16(b, n, 8 + 3 * (unsigned)nc);
	b[n++] = 8;
	n = put16(b, n, (unsigned)h);
	n = put16(b, n, (unsigned)w);
	b[n++] = (unsigned char)nc;
	for (int i = 0; i < nc; i++) {
		b[n++] = (unsigned char)(i + 1);
		b[n++] = (unsigned char)(c[i].h << 4 | c[i].v);
		b[n++] = 0;
	}
	for (int s = 0; s < nscans; s++) {
		b[n++] = 0xFF;
		b[n++] = 0xDA;
		n = put16(b, n, 6 + 2 * (unsigned)scan_nc[s]);
		b[n++] = (unsigned char)scan_nc[s];
		for (int i = 0; i < scan_nc[s]; i++) {
			b[n++] = (unsigned char)(i + 1);
			b[n++] = 0;
		}
		b[n++] = 0;
		b[n++] = 63;
		b[n++] = 0;
		memcpy(b + n, entropy, sizeof entropy);
		n += sizeof entropy;
	}
	b[n++] = 0xFF;
	b[n++] = 0xD9;
	return n;
}

static const struct comp S444[3] = { { 1, 1 }, { 1, 1 }, { 1, 1 } };
static const struct comp S420[3] = { { 2, 2 }, { 1, 1 }, { 1, 1 } };
static const struct comp CMYK[4] = { { 1, 1 }, { 1, 1 }, { 1, 1 }, { 1, 1 } };

/* work allowance: widest component's padded width x components x 64 rows + 1 MiB */
static size_t work(size_t wpad, int nc)
{
	return wpad * (size_t)nc * 64u + 1024u * 1024u;
}

/* ---- arithmetic -------------------------------------------------------------- */

static void test_cost_baseline(void **state)
{
	unsigned char b[256];
	struct photo_decode_cost c;
	int one[1] = { 3 };
	(void)state;

	/* baseline, one interleaved scan: no coefficient buffer at any size */
	size_t n = stream(b, 0xC0, 8192, 8192, 3, S444, 1, one);
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.width, 8192);
	assert_int_equal(c.height, 8192);
	assert_int_equal(c.components, 3);
	assert_int_equal(c.progressive, 0);
	assert_int_equal(c.scans, 1);
	assert_int_equal(c.buffered, 0);
	assert_int_equal(c.coef_bytes, 0);
	assert_int_equal(c.output_bytes, 1024u * 1024u * 3u);
	assert_int_equal(c.total_bytes, c.output_bytes + work(8192, 3));
	assert_true(c.total_bytes <= PHOTO_MAX_DECODE_BYTES);

	/* 8192 x 1295 CMYK baseline at 1/2: 4096 x 648 x 4 bytes */
	int four[1] = { 4 };
	n = stream(b, 0xC0, 8192, 1295, 4, CMYK, 1, four);
	assert_int_equal(photo_decode_cost(b, n, 2, &c), EMU_OK);
	assert_int_equal(c.buffered, 0);
	assert_int_equal(c.output_bytes, 4096u * 648u * 4u);
	assert_true(c.total_bytes <= PHOTO_MAX_DECODE_BYTES);
}

static void test_cost_progressive(void **state)
{
	unsigned char b[512];
	struct photo_decode_cost c;
	int scans[6] = { 3, 1, 1, 1, 1, 1 };
	(void)state;

	/* the image: 8192 x 8192 progressive 4:4:4 = 3 x 1024 x 1024
	 * blocks of 128 bytes = 402,653,184 bytes, whatever the scale */
	size_t n = stream(b, 0xC2, 8192, 8192, 3, S444, 6, scans);
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.progressive, 1);
	assert_int_equal(c.scans, 6);
	assert_int_equal(c.buffered, 1);
	assert_int_equal(c.coef_bytes, 402653184u);
	assert_int_equal(c.output_bytes, 1024u * 1024u * 3u);
	assert_true(c.total_bytes > PHOTO_MAX_DECODE_BYTES);

	/* 4:2:0: Y 1024 x 1024 + 2 x 512 x 512 blocks = 201,326,592 bytes */
	n = stream(b, 0xC2, 8192, 8192, 3, S420, 6, scans);
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.coef_bytes, 201326592u);
	assert_true(c.total_bytes > PHOTO_MAX_DECODE_BYTES);

	/* odd sizes round up: 100 x 100 4:2:0 -> Y ceil(200/16) = 13 blocks,
	 * rounded to 14 (h = 2); chroma 7: (14 x 14 + 2 x 7 x 7) x 128 */
	n = stream(b, 0xC2, 100, 100, 3, S420, 6, scans);
	assert_int_equal(photo_decode_cost(b, n, 1, &c), EMU_OK);
	assert_int_equal(c.coef_bytes, (14u * 14u + 2u * 7u * 7u) * 128u);
	assert_int_equal(c.output_bytes, 100u * 100u * 3u);
	assert_int_equal(c.work_bytes, work(112, 3));

	/* real photos the budget admits (photo.h): 48 MP 4:2:0 and 24 MP 4:4:4
	 * progressive, 8192 x 8192 progressive grayscale */
	n = stream(b, 0xC2, 8000, 6000, 3, S420, 6, scans);
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.coef_bytes, (1000u * 750u + 2u * 500u * 375u) * 128u);
	assert_true(c.total_bytes <= PHOTO_MAX_DECODE_BYTES);
	n = stream(b, 0xC2, 6000, 4000, 3, S444, 6, scans);
	assert_int_equal(photo_decode_cost(b, n, 4, &c), EMU_OK);
	assert_int_equal(c.coef_bytes, 3u * 750u * 500u * 128u);
	assert_true(c.total_bytes <= PHOTO_MAX_DECODE_BYTES);
	int gray[2] = { 1, 1 };
	n = stream(b, 0xCA, 8192, 8192, 1, S444, 2, gray);   /* SOF10: arithmetic progressive */
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.progressive, 1);
	assert_int_equal(c.coef_bytes, 1024u * 1024u * 128u);
	assert_true(c.total_bytes <= PHOTO_MAX_DECODE_BYTES);
}

static void test_cost_multiscan(void **state)
{
	unsigned char b[512];
	struct photo_decode_cost c;
	int non_interleaved[3] = { 1, 1, 1 }, interleaved_first[2] = { 3, 3 };
	(void)state;

	/* sequential, one component per scan: libjpeg buffers the whole image */
	size_t n = stream(b, 0xC0, 3000, 2000, 3, S444, 3, non_interleaved);
	assert_int_equal(photo_decode_cost(b, n, 4, &c), EMU_OK);
	assert_int_equal(c.progressive, 0);
	assert_int_equal(c.scans, 3);
	assert_int_equal(c.buffered, 1);
	assert_int_equal(c.coef_bytes, 3u * 375u * 250u * 128u);
	assert_int_equal(c.output_bytes, 750u * 500u * 3u);
	/* libjpeg decides from the first scan only */
	n = stream(b, 0xC1, 3000, 2000, 3, S444, 2, interleaved_first);
	assert_int_equal(photo_decode_cost(b, n, 4, &c), EMU_OK);
	assert_int_equal(c.buffered, 0);
	/* 8192 x 8192 non-interleaved 4:4:4: as costly as progressive */
	n = stream(b, 0xC0, 8192, 8192, 3, S444, 3, non_interleaved);
	assert_int_equal(photo_decode_cost(b, n, 8, &c), EMU_OK);
	assert_int_equal(c.coef_bytes, 402653184u);
	assert_true(c.total_bytes > PHOTO_MAX_DECODE_BYTES);
}

static void test_cost_malformed(void **state)
{
	unsigned char b[256];
	struct photo_decode_cost c;
	int one[1] = { 3 };
	(void)state;
	size_t n = stream(b, 0xC2, 64, 64, 3, S444, 1, one);

	assert_int_equal(photo_decode_cost(NULL, n, 1, &c), EMU_EINVAL);
	assert_int_equal(photo_decode_cost(b, n, 1, NULL), EMU_EINVAL);
	assert_int_equal(photo_decode_cost(b, n, 3, &c), EMU_EINVAL);
	assert_int_equal(photo_decode_cost(b, n, 16, &c), EMU_EINVAL);
	assert_int_equal(photo_decode_cost(b, 3, 1, &c), EMU_EIMAGE);
	/* every cut before the end of the SOF segment (byte 29) */
	for (size_t cut = 4; cut < 29; cut++)
		assert_int_equal(photo_decode_cost(b, cut, 1, &c), EMU_EIMAGE);
	/* SOS before any SOF */
	unsigned char sos_first[] = { 0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0xFF, 0xD9 };
	assert_int_equal(photo_decode_cost(sos_first, sizeof sos_first, 1, &c), EMU_EIMAGE);
	/* zero height (DNL), sampling factor 0 and 5, five components */
	unsigned char z[256];
	memcpy(z, b, n);
	z[15] = 0;
	z[16] = 0;
	assert_int_equal(photo_decode_cost(z, n, 1, &c), EMU_EIMAGE);
	memcpy(z, b, n);
	z[21] = 0x05;
	assert_int_equal(photo_decode_cost(z, n, 1, &c), EMU_EIMAGE);
	z[21] = 0x50;
	assert_int_equal(photo_decode_cost(z, n, 1, &c), EMU_EIMAGE);
	memcpy(z, b, n);
	z[19] = 5;
	assert_int_equal(photo_decode_cost(z, n, 1, &c), EMU_EIMAGE);
	/* a segment length running past the end */
	memcpy(z, b, n);
	z[12] = 0x7F;
	assert_int_equal(photo_decode_cost(z, n, 1, &c), EMU_EIMAGE);
	/* the unchanged stream is fine */
	assert_int_equal(photo_decode_cost(b, n, 1, &c), EMU_OK);
	assert_int_equal(c.width, 64);
}

/* ---- the limit through the real decoder --------------------------------------- */

/* A real progressive 4:4:4 JPEG of w x h (tjCompress2). */
static unsigned char *progressive(int w, int h, unsigned long *len)
{
	unsigned char *px = malloc((size_t)w * (size_t)h * 3), *jpeg = NULL;
	tjhandle tj = tjInitCompress();
	assert_non_null(px);
	for (size_t i = 0; i < (size_t)w * (size_t)h * 3; i++)
		px[i] = (unsigned char)(i * 7);
	*len = 0;
	assert_int_equal(tjCompress2(tj, px, w, 0, h, TJPF_RGB, &jpeg, len, TJSAMP_444, 80, TJFLAG_PROGRESSIVE), 0);
	tjDestroy(tj);
	free(px);
	return jpeg;
}

static void set_sof(unsigned char *j, size_t len, int w, int h)
{
	for (size_t i = 2; i + 9 < len; i++)
		if (j[i] == 0xFF && j[i + 1] == 0xC2) {
			j[i + 5] = (unsigned char)(h >> 8);
			j[i + 6] = (unsigned char)h;
			j[i + 7] = (unsigned char)(w >> 8);
			j[i + 8] = (unsigned char)w;
			return;
		}
	fail_msg("no SOF2");
}

/* The largest height of a W-wide stream whose decode at 1/8 fits the budget. */
static int max_height(unsigned char *j, size_t len, int w)
{
	int lo = 1, hi = PHOTO_MAX_DIMENSION;
	struct photo_decode_cost c;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		set_sof(j, len, w, mid);
		assert_int_equal(photo_decode_cost(j, len, 8, &c), EMU_OK);
		if (c.total_bytes <= PHOTO_MAX_DECODE_BYTES)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static void test_limit_at_and_above(void **state)
{
	unsigned long len;
	unsigned char *j = progressive(64, 64, &len);
	struct photo_set set;
	int hmax;
	(void)state;

	/* 8192 wide progressive 4:4:4: the last height within the budget is
	 * admitted (and then found corrupt, since the declared size is a lie:
	 * EMU_EIMAGE, not EMU_ELIMIT); one row more is refused before any
	 * decoding with EMU_ELIMIT */
	hmax = max_height(j, len, 8192);
	assert_true(hmax > 1000 && hmax < PHOTO_MAX_DIMENSION);
	set_sof(j, len, 8192, hmax + 1);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_ELIMIT);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_ELIMIT);
	assert_int_equal(set.mask, 0);
	set_sof(j, len, 8192, hmax);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_EIMAGE);
	/* the whole pool is free again after each call */
	assert_int_equal(photo_decode_pool_used(), 0);

	/* one above at the exact byte: the stream at hmax + 1 costs more */
	struct photo_decode_cost at, above;
	set_sof(j, len, 8192, hmax);
	assert_int_equal(photo_decode_cost(j, len, 8, &at), EMU_OK);
	set_sof(j, len, 8192, hmax + 1);
	assert_int_equal(photo_decode_cost(j, len, 8, &above), EMU_OK);
	assert_true(at.total_bytes <= PHOTO_MAX_DECODE_BYTES);
	assert_true(above.total_bytes > PHOTO_MAX_DECODE_BYTES);
	assert_int_equal(photo_inspect(j, len, PHOTO_MAX_UPLOAD_BYTES, NULL, NULL), EMU_ELIMIT);

	/* the honest 64 x 64 progressive image still makes its renditions */
	set_sof(j, len, 64, 64);
	assert_int_equal(photo_make_renditions(j, len, &set), EMU_OK);
	assert_int_equal(set.mask, 1u << PHOTO_HR48 | 1u << PHOTO_HR64);
	photo_set_free(&set);
	assert_int_equal(photo_decode_pool_used(), 0);
	tjFree(j);
}

/* ---- the pool -------------------------------------------------------------------- */

static void *hold_then_release(void *arg)
{
	int *rc = arg;
	/* waits (generous bound that only catches a hang) for the main thread
	 * to give the pool back */
	*rc = photo_decode_reserve(PHOTO_DECODE_POOL_BYTES, 60000);
	if (*rc == EMU_OK)
		photo_decode_release(PHOTO_DECODE_POOL_BYTES);
	return NULL;
}

static void test_pool(void **state)
{
	pthread_t th;
	int rc = -999;
	(void)state;

	assert_int_equal(photo_decode_reserve(PHOTO_DECODE_POOL_BYTES + 1, 0), EMU_ELIMIT);
	assert_int_equal(photo_decode_reserve(PHOTO_DECODE_POOL_BYTES, 0), EMU_OK);
	assert_int_equal(photo_decode_pool_used(), PHOTO_DECODE_POOL_BYTES);
	assert_int_equal(photo_decode_reserve(1, 0), EMU_EBUSY);
	assert_int_equal(photo_decode_reserve(1, 20), EMU_EBUSY);
	assert_int_equal(pthread_create(&th, NULL, hold_then_release, &rc), 0);
	photo_decode_release(PHOTO_DECODE_POOL_BYTES);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(rc, EMU_OK);
	assert_int_equal(photo_decode_pool_used(), 0);
	/* two halves fit, a third byte does not */
	assert_int_equal(photo_decode_reserve(PHOTO_DECODE_POOL_BYTES / 2, 0), EMU_OK);
	assert_int_equal(photo_decode_reserve(PHOTO_DECODE_POOL_BYTES / 2, 0), EMU_OK);
	assert_int_equal(photo_decode_reserve(1, 0), EMU_EBUSY);
	photo_decode_release(PHOTO_DECODE_POOL_BYTES / 2);
	photo_decode_release(PHOTO_DECODE_POOL_BYTES / 2);
	assert_int_equal(photo_decode_pool_used(), 0);
	assert_string_equal(photo_reject_reason(EMU_EBUSY), "too many photos being decoded at once; try again");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cost_baseline),
		cmocka_unit_test(test_cost_progressive),
		cmocka_unit_test(test_cost_multiscan),
		cmocka_unit_test(test_cost_malformed),
		cmocka_unit_test(test_limit_at_and_above),
		cmocka_unit_test(test_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
