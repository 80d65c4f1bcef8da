/* resample.c - area-averaging resampler for the renditions (jpeg.c).
 *
 * Downscaling weights each source pixel by the exact fraction of the output
 * pixel it covers (box filter of the output's footprint); upscaling, needed
 * only for uploads under 48 px, is bilinear.  Integer arithmetic throughout,
 * so results are identical on every machine.
 */
#include "photo/resample.h"
#include "core/result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WSHIFT 14               /* weights of one output sum to 1 << WSHIFT */

/* Taps for one axis: output i reads count[i] source pixels from start[i] on
 * with weights w[i * k ...]. */
struct taps {
	int k;
	int *start, *count;
	uint16_t *w;
};

static void taps_free(struct taps *t)
{
	free(t->start);
	free(t->count);
	free(t->w);
	memset(t, 0, sizeof *t);
}

/* Downscale: exact area coverage.  Upscale: bilinear (only for uploads
 * smaller than 48 px, where area coverage would be blocky). */
static int taps_make(int src, int dst, struct taps *t)
{
	memset(t, 0, sizeof *t);
	t->k = src >= dst ? (src + dst - 1) / dst + 1 : 2;
	t->start = calloc((size_t)dst, sizeof *t->start);
	t->count = calloc((size_t)dst, sizeof *t->count);
	t->w = calloc((size_t)dst * (size_t)t->k, sizeof *t->w);
	if (t->start == NULL || t->count == NULL || t->w == NULL) {
		taps_free(t);
		return EMU_ENOMEM;
	}
	for (int i = 0; i < dst; i++) {
		uint16_t *w = t->w + (size_t)i * (size_t)t->k;
		int n = 0, big = 0;
		unsigned sum = 0;

		if (src >= dst) {
			/* in units of 1/dst source pixel: output i covers [lo, hi) */
			int64_t lo = (int64_t)i * src, hi = lo + src;
			int j0 = (int)(lo / dst), j1 = (int)((hi + dst - 1) / dst);
			t->start[i] = j0;
			for (int j = j0; j < j1 && n < t->k; j++, n++) {
				int64_t a = (int64_t)j * dst > lo ? (int64_t)j * dst : lo;
				int64_t b = (int64_t)(j + 1) * dst < hi ? (int64_t)(j + 1) * dst : hi;
				w[n] = (uint16_t)(((b - a) << WSHIFT) / src);
			}
		} else {
			/* source position of the output centre, times 2 * dst */
			int64_t c = (int64_t)(2 * i + 1) * src - dst;
			int64_t j0 = c >= 0 ? c / (2 * dst) : -1;
			int64_t f = c - j0 * 2 * dst;   /* 0 .. 2*dst, weight of j0 + 1 */
			if (j0 < 0) {
				t->start[i] = 0;
				w[n++] = 1 << WSHIFT;
			} else if (j0 >= src - 1) {
				t->start[i] = src - 1;
				w[n++] = 1 << WSHIFT;
			} else {
				t->start[i] = (int)j0;
				w[n++] = (uint16_t)((((2 * dst - f) << WSHIFT) + dst) / (2 * dst));
				w[n++] = (uint16_t)(((f << WSHIFT) + dst) / (2 * dst));
			}
		}
		for (int j = 0; j < n; j++) {
			sum += w[j];
			if (w[j] > w[big])
				big = j;
		}
		/* rounding leftovers go to the heaviest tap: sums are exact */
		w[big] = (uint16_t)(w[big] + (1u << WSHIFT) - sum);
		t->count[i] = n;
	}
	return EMU_OK;
}

/* Vertical pass first: it runs over whole source rows with one weight per
 * row, which the compiler vectorises; the scalar horizontal pass then only
 * sees n rows. */
int photo_resample_square(const struct rgb_view *src, int n, unsigned char *dst)
{
	struct taps tx, ty;
	uint32_t *acc = NULL;
	uint16_t *mid = NULL;
	size_t srow = (size_t)src->w * 3;
	int rc;

	if (src->w == n && src->h == n) {
		for (int y = 0; y < n; y++)
			memcpy(dst + (size_t)y * srow, src->px + (size_t)y * (size_t)src->pitch, srow);
		return EMU_OK;
	}
	rc = taps_make(src->w, n, &tx);
	if (rc != EMU_OK)
		return rc;
	rc = taps_make(src->h, n, &ty);
	if (rc != EMU_OK)
		goto out;
	acc = malloc(srow * sizeof *acc);
	mid = malloc(srow * sizeof *mid);
	if (acc == NULL || mid == NULL) {
		rc = EMU_ENOMEM;
		goto out;
	}
	for (int y = 0; y < n; y++) {
		const uint16_t *wy = ty.w + (size_t)y * (size_t)ty.k;
		unsigned char *o = dst + (size_t)y * (size_t)n * 3;

		/* vertical: keep 8 fractional bits in mid (at most 65280) */
		memset(acc, 0, srow * sizeof *acc);
		for (int j = 0; j < ty.count[y]; j++) {
			const unsigned char *s = src->px + (size_t)(ty.start[y] + j) * (size_t)src->pitch;
			uint32_t w = wy[j];
			for (size_t x = 0; x < srow; x++)
				acc[x] += s[x] * w;
		}
		for (size_t x = 0; x < srow; x++)
			mid[x] = (uint16_t)((acc[x] + (1u << (WSHIFT - 9))) >> (WSHIFT - 8));

		/* horizontal: at most 65280 * 2^14 per sum, fits in 32 bits */
		for (int x = 0; x < n; x++) {
			const uint16_t *p = mid + (size_t)tx.start[x] * 3;
			const uint16_t *wx = tx.w + (size_t)x * (size_t)tx.k;
			uint32_t r = 0, g = 0, b = 0;
			for (int j = 0; j < tx.count[x]; j++, p += 3) {
				r += (uint32_t)p[0] * wx[j];
				g += (uint32_t)p[1] * wx[j];
				b += (uint32_t)p[2] * wx[j];
			}
			o[3 * x] = (unsigned char)((r + (1u << (WSHIFT + 7))) >> (WSHIFT + 8));
			o[3 * x + 1] = (unsigned char)((g + (1u << (WSHIFT + 7))) >> (WSHIFT + 8));
			o[3 * x + 2] = (unsigned char)((b + (1u << (WSHIFT + 7))) >> (WSHIFT + 8));
		}
	}
out:
	free(mid);
	free(acc);
	taps_free(&tx);
	taps_free(&ty);
	return rc;
}
