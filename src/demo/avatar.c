/* avatar.c - demo avatars drawn from scratch: background gradient, portrait
 * silhouette, initials in a home-made stroke font, anti-aliased by
 * distance-to-shape coverage, encoded with TurboJPEG.
 *
 * The font: each glyph is a list of strokes (lines and elliptical arcs) in a
 * box whose cap height is 1, y pointing down.  A pixel's ink is the coverage
 * of a round pen of fixed width moved along the strokes, computed from the
 * distance between the pixel centre and the nearest stroke segment.
 */
#include "demo/avatar.h"
#include "core/log.h"
#include "core/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#define DEG (3.14159265358979323846f / 180.0f)

/* ---- the stroke font -------------------------------------------------------- */

enum { END = 0, LN = 1, ARC = 2 };

/* LN x0 y0 x1 y1 | ARC cx cy rx ry a0 a1 (degrees, 0 = right, 90 = down) */
struct glyph {
	char ch;
	float width;          /* ink box width; strokes lie in [0, width] */
	const float *s;
};

#define G(c, w, ...) { c, w, (const float[]){ __VA_ARGS__, END } }

static const struct glyph g_font[] = {
	G('A', 0.70f, LN, 0, 1, 0.35f, 0, LN, 0.35f, 0, 0.70f, 1, LN, 0.13f, 0.64f, 0.57f, 0.64f),
	G('B', 0.60f, LN, 0, 0, 0, 1, LN, 0, 0, 0.33f, 0, ARC, 0.33f, 0.24f, 0.24f, 0.24f, -90, 90,
	  LN, 0.33f, 0.48f, 0, 0.48f, LN, 0.33f, 0.48f, 0.35f, 0.48f,
	  ARC, 0.35f, 0.74f, 0.25f, 0.26f, -90, 90, LN, 0.35f, 1, 0, 1),
	G('C', 0.72f, ARC, 0.42f, 0.5f, 0.42f, 0.5f, 42, 318),
	G('D', 0.68f, LN, 0, 0, 0, 1, LN, 0, 0, 0.22f, 0, LN, 0, 1, 0.22f, 1,
	  ARC, 0.22f, 0.5f, 0.46f, 0.5f, -90, 90),
	G('E', 0.54f, LN, 0.54f, 0, 0, 0, LN, 0, 0, 0, 1, LN, 0, 1, 0.54f, 1, LN, 0, 0.5f, 0.46f, 0.5f),
	G('F', 0.52f, LN, 0.52f, 0, 0, 0, LN, 0, 0, 0, 1, LN, 0, 0.5f, 0.44f, 0.5f),
	G('G', 0.78f, ARC, 0.42f, 0.5f, 0.42f, 0.5f, 318, 30,
	  LN, 0.78f, 0.55f, 0.78f, 0.75f, LN, 0.78f, 0.55f, 0.47f, 0.55f),
	G('H', 0.64f, LN, 0, 0, 0, 1, LN, 0.64f, 0, 0.64f, 1, LN, 0, 0.5f, 0.64f, 0.5f),
	G('I', 0.0f, LN, 0, 0, 0, 1),
	G('J', 0.48f, LN, 0.48f, 0, 0.48f, 0.74f, ARC, 0.24f, 0.74f, 0.24f, 0.26f, 0, 180),
	G('K', 0.60f, LN, 0, 0, 0, 1, LN, 0.60f, 0, 0, 0.62f, LN, 0.21f, 0.44f, 0.62f, 1),
	G('L', 0.50f, LN, 0, 0, 0, 1, LN, 0, 1, 0.50f, 1),
	G('M', 0.82f, LN, 0, 1, 0, 0, LN, 0, 0, 0.41f, 0.72f, LN, 0.41f, 0.72f, 0.82f, 0,
	  LN, 0.82f, 0, 0.82f, 1),
	G('N', 0.66f, LN, 0, 1, 0, 0, LN, 0, 0, 0.66f, 1, LN, 0.66f, 1, 0.66f, 0),
	G('O', 0.88f, ARC, 0.44f, 0.5f, 0.44f, 0.5f, 0, 360),
	G('P', 0.58f, LN, 0, 1, 0, 0, LN, 0, 0, 0.31f, 0, ARC, 0.31f, 0.27f, 0.27f, 0.27f, -90, 90,
	  LN, 0.31f, 0.54f, 0, 0.54f),
	G('Q', 0.88f, ARC, 0.44f, 0.5f, 0.44f, 0.5f, 0, 360, LN, 0.55f, 0.72f, 0.86f, 1.02f),
	G('R', 0.62f, LN, 0, 1, 0, 0, LN, 0, 0, 0.31f, 0, ARC, 0.31f, 0.26f, 0.26f, 0.26f, -90, 90,
	  LN, 0.31f, 0.52f, 0, 0.52f, LN, 0.30f, 0.52f, 0.62f, 1),
	G('S', 0.60f, ARC, 0.29f, 0.25f, 0.27f, 0.25f, 325, 90,
	  ARC, 0.31f, 0.75f, 0.29f, 0.25f, -90, 145),
	G('T', 0.66f, LN, 0, 0, 0.66f, 0, LN, 0.33f, 0, 0.33f, 1),
	G('U', 0.64f, LN, 0, 0, 0, 0.66f, ARC, 0.32f, 0.66f, 0.32f, 0.34f, 180, 0,
	  LN, 0.64f, 0.66f, 0.64f, 0),
	G('V', 0.70f, LN, 0, 0, 0.35f, 1, LN, 0.35f, 1, 0.70f, 0),
	G('W', 1.00f, LN, 0, 0, 0.24f, 1, LN, 0.24f, 1, 0.5f, 0.22f, LN, 0.5f, 0.22f, 0.76f, 1,
	  LN, 0.76f, 1, 1.00f, 0),
	G('X', 0.64f, LN, 0, 0, 0.64f, 1, LN, 0.64f, 0, 0, 1),
	G('Y', 0.66f, LN, 0, 0, 0.33f, 0.52f, LN, 0.66f, 0, 0.33f, 0.52f, LN, 0.33f, 0.52f, 0.33f, 1),
	G('Z', 0.60f, LN, 0, 0, 0.60f, 0, LN, 0.60f, 0, 0, 1, LN, 0, 1, 0.60f, 1),
	G('0', 0.62f, ARC, 0.31f, 0.5f, 0.31f, 0.5f, 0, 360),
	G('1', 0.34f, LN, 0, 0.2f, 0.30f, 0, LN, 0.30f, 0, 0.30f, 1),
	G('2', 0.60f, ARC, 0.29f, 0.28f, 0.29f, 0.28f, 195, 380,
	  LN, 0.563f, 0.376f, 0, 1, LN, 0, 1, 0.60f, 1),
	G('3', 0.58f, ARC, 0.28f, 0.25f, 0.27f, 0.25f, 205, 450,
	  ARC, 0.28f, 0.74f, 0.30f, 0.26f, -90, 155),
	G('4', 0.64f, LN, 0.48f, 1, 0.48f, 0, LN, 0.48f, 0, 0, 0.70f, LN, 0, 0.70f, 0.64f, 0.70f),
	G('5', 0.60f, LN, 0.56f, 0, 0.08f, 0, LN, 0.08f, 0, 0.04f, 0.47f,
	  ARC, 0.29f, 0.67f, 0.31f, 0.33f, 218, 505),
	G('6', 0.62f, ARC, 0.31f, 0.68f, 0.31f, 0.32f, 0, 360, LN, 0.50f, 0, 0.06f, 0.52f),
	G('7', 0.60f, LN, 0, 0, 0.60f, 0, LN, 0.60f, 0, 0.18f, 1),
	G('8', 0.60f, ARC, 0.30f, 0.25f, 0.26f, 0.25f, 0, 360, ARC, 0.30f, 0.74f, 0.30f, 0.26f, 0, 360),
	G('9', 0.62f, ARC, 0.31f, 0.32f, 0.31f, 0.32f, 0, 360, LN, 0.12f, 1, 0.56f, 0.48f),
};

#define STROKE 0.15f        /* pen width, in cap heights */
#define GAP 0.26f            /* space between glyph ink boxes, in cap heights */

static const struct glyph *glyph_for(char c)
{
	for (size_t i = 0; i < sizeof g_font / sizeof *g_font; i++)
		if (g_font[i].ch == c)
			return &g_font[i];
	return NULL;
}

/* ---- drawing ---------------------------------------------------------------- */

struct canvas {
	int w, h;
	float *ink;           /* text coverage 0..1 per pixel */
};

/* Max-accumulate the coverage of a round pen of radius r along a segment. */
static void pen_segment(struct canvas *c, float x0, float y0, float x1, float y1, float r)
{
	float dx = x1 - x0, dy = y1 - y0, ll = dx * dx + dy * dy;
	int bx0 = (int)floorf(fminf(x0, x1) - r - 1), bx1 = (int)ceilf(fmaxf(x0, x1) + r + 1);
	int by0 = (int)floorf(fminf(y0, y1) - r - 1), by1 = (int)ceilf(fmaxf(y0, y1) + r + 1);

	if (bx0 < 0) bx0 = 0;
	if (by0 < 0) by0 = 0;
	if (bx1 > c->w) bx1 = c->w;
	if (by1 > c->h) by1 = c->h;
	for (int y = by0; y < by1; y++) {
		for (int x = bx0; x < bx1; x++) {
			float px = (float)x + 0.5f - x0, py = (float)y + 0.5f - y0;
			float t = ll > 0 ? (px * dx + py * dy) / ll : 0;
			float ex, ey, cov;
			if (t < 0) t = 0;
			if (t > 1) t = 1;
			ex = px - t * dx;
			ey = py - t * dy;
			/* one-pixel ramp centred on the pen edge */
			cov = r + 0.5f - sqrtf(ex * ex + ey * ey);
			if (cov <= 0)
				continue;
			if (cov > 1)
				cov = 1;
			float *p = &c->ink[(size_t)y * (size_t)c->w + (size_t)x];
			if (cov > *p)
				*p = cov;
		}
	}
}

/* Draw glyph @p g with its top-left ink corner at (ox, oy), cap height @p cap. */
static void pen_glyph(struct canvas *c, const struct glyph *g, float ox, float oy, float cap, float r)
{
	const float *s = g->s;

	while (*s != END) {
		if (*s == LN) {
			pen_segment(c, ox + s[1] * cap, oy + s[2] * cap, ox + s[3] * cap, oy + s[4] * cap, r);
			s += 5;
		} else {
			float cx = ox + s[1] * cap, cy = oy + s[2] * cap, rx = s[3] * cap, ry = s[4] * cap;
			float a0 = s[5] * DEG, a1 = s[6] * DEG;
			/* chord error below 0.1 px at any size we draw */
			int n = (int)(fabsf(s[6] - s[5]) / 3.0f) + 2;
			float px = cx + rx * cosf(a0), py = cy + ry * sinf(a0);
			for (int i = 1; i <= n; i++) {
				float a = a0 + (a1 - a0) * (float)i / (float)n;
				float qx = cx + rx * cosf(a), qy = cy + ry * sinf(a);
				pen_segment(c, px, py, qx, qy, r);
				px = qx;
				py = qy;
			}
			s += 7;
		}
	}
}

/* Coverage of a disc / an ellipse at pixel centre (x, y), one-pixel ramp.
 * The ellipse uses the first-order distance estimate |f| / |grad f|. */
static float cover_circle(float x, float y, float cx, float cy, float r)
{
	float d = sqrtf((x - cx) * (x - cx) + (y - cy) * (y - cy)) - r;
	return fminf(fmaxf(0.5f - d, 0), 1);
}

static float cover_ellipse(float x, float y, float cx, float cy, float rx, float ry)
{
	float u = (x - cx) / rx, v = (y - cy) / ry;
	float k0 = sqrtf(u * u + v * v), k1 = sqrtf(u * u / (rx * rx) + v * v / (ry * ry));
	float d = k1 > 0 ? k0 * (k0 - 1) / k1 : -fminf(rx, ry);
	return fminf(fmaxf(0.5f - d, 0), 1);
}

/* Curated backgrounds, all dark enough for white initials (contrast >= 4.5). */
static const unsigned char g_palette[][3] = {
	{ 0x00, 0x78, 0xD4 }, { 0x00, 0x4E, 0x8C }, { 0x4F, 0x6B, 0xED }, { 0x71, 0x60, 0xE8 },
	{ 0x87, 0x64, 0xB8 }, { 0x5C, 0x2E, 0x91 }, { 0xB1, 0x46, 0xC2 }, { 0xBF, 0x00, 0x77 },
	{ 0xC5, 0x0F, 0x1F }, { 0xD1, 0x34, 0x38 }, { 0xCA, 0x50, 0x10 }, { 0x98, 0x6F, 0x0B },
	{ 0x8E, 0x56, 0x2E }, { 0x49, 0x82, 0x05 }, { 0x0B, 0x6A, 0x0B }, { 0x03, 0x83, 0x87 },
	{ 0x00, 0x5B, 0x70 }, { 0x69, 0x79, 0x7E },
};
#define PALETTE_N (sizeof g_palette / sizeof *g_palette)

static uint32_t mix32(uint32_t x)
{
	/* lowbias32 (public-domain integer hash) */
	x ^= x >> 16;
	x *= 0x7feb352du;
	x ^= x >> 15;
	x *= 0x846ca68bu;
	x ^= x >> 16;
	return x;
}

static float clamp255(float v)
{
	return v < 0 ? 0 : v > 255 ? 255 : v;
}

/* Upper-case copy of @p in, or -1 for an invalid character / length. */
static int normalise_initials(const char *in, char out[AVATAR_MAX_INITIALS + 1])
{
	size_t n = in != NULL ? strlen(in) : 0;

	if (n > AVATAR_MAX_INITIALS)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = in[i];
		if (ch >= 'a' && ch <= 'z')
			ch = (char)(ch - 'a' + 'A');
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')))
			return -1;
		out[i] = ch;
	}
	out[n] = '\0';
	return (int)n;
}

static void draw_initials(struct canvas *c, const char *text, int n, float cap, float cx, float cy)
{
	float total = 0, x, r;
	const struct glyph *g[AVATAR_MAX_INITIALS];

	for (int i = 0; i < n; i++) {
		g[i] = glyph_for(text[i]);
		total += g[i]->width + (i > 0 ? GAP : 0);
	}
	r = STROKE * cap / 2;
	if (r < 0.6f)
		r = 0.6f;    /* keep tiny avatars legible */
	x = cx - total * cap / 2;
	for (int i = 0; i < n; i++) {
		pen_glyph(c, g[i], x, cy - cap / 2, cap, r);
		x += (g[i]->width + GAP) * cap;
	}
}

int avatar_render_jpeg(const char *initials, uint32_t seed, int width, int height, int quality,
                       unsigned char **out, size_t *outlen)
{
	char text[AVATAR_MAX_INITIALS + 1];
	struct canvas c = { width, height, NULL };
	unsigned char *rgb = NULL, *jpeg = NULL, *shrunk;
	tjhandle tj = NULL;
	unsigned long cap_bytes, sz;
	uint32_t h = mix32(seed);
	float base[3], fig[3], s, cx, cap, tw;
	int n, rc = EMU_OK;

	if (out == NULL || outlen == NULL || width < AVATAR_MIN_SIZE || width > AVATAR_MAX_SIZE ||
	    height < AVATAR_MIN_SIZE || height > AVATAR_MAX_SIZE || quality < 1 || quality > 100)
		return EMU_EINVAL;
	n = normalise_initials(initials, text);
	if (n < 0)
		return EMU_EINVAL;

	/* colour: palette entry, lightness varied by -6 .. +6 % */
	{
		const unsigned char *p = g_palette[h % PALETTE_N];
		float k = 1.0f + (float)((int)((h >> 8) % 13) - 6) / 100.0f;
		for (int i = 0; i < 3; i++) {
			base[i] = clamp255((float)p[i] * k);
			fig[i] = base[i] * 0.80f;   /* the figure: a darker tone */
		}
	}

	c.ink = calloc((size_t)width * (size_t)height, sizeof *c.ink);
	rgb = malloc((size_t)width * (size_t)height * 3);
	if (c.ink == NULL || rgb == NULL) {
		rc = EMU_ENOMEM;
		goto out;
	}

	/* layout in units of the shorter side, centred horizontally */
	s = (float)(width < height ? width : height);
	cx = (float)width / 2;
	if (n > 0) {
		float total = 0;
		for (int i = 0; i < n; i++)
			total += glyph_for(text[i])->width + (i > 0 ? GAP : 0);
		cap = 0.30f * s;
		tw = total * cap + STROKE * cap;
		if (tw > 0.80f * (float)width)
			cap *= 0.80f * (float)width / tw;
		draw_initials(&c, text, n, cap, cx, (float)height / 2 + 0.23f * s);
	}

	{
		/* light from the top (left or right by seed): +9 % .. -9 % */
		float lx = (h >> 16) & 1 ? 0.35f : -0.35f;
		float head_cy = (float)height / 2 - 0.17f * s, head_r = 0.17f * s;
		float body_cy = (float)height / 2 + 0.46f * s, body_rx = 0.42f * s, body_ry = 0.40f * s;
		for (int y = 0; y < height; y++) {
			for (int x = 0; x < width; x++) {
				float fx = (float)x + 0.5f, fy = (float)y + 0.5f;
				float g = ((fx - cx) / s * lx + (fy - (float)height / 2) / s) * -0.18f;
				float f = fmaxf(cover_circle(fx, fy, cx, head_cy, head_r),
				                cover_ellipse(fx, fy, cx, body_cy, body_rx, body_ry));
				float t = c.ink[(size_t)y * (size_t)width + (size_t)x];
				unsigned char *o = rgb + ((size_t)y * (size_t)width + (size_t)x) * 3;
				for (int i = 0; i < 3; i++) {
					float v = base[i] + (fig[i] - base[i]) * f;
					v *= 1.0f + g;
					v += (255.0f - v) * t;
					o[i] = (unsigned char)(clamp255(v) + 0.5f);
				}
			}
		}
	}

	tj = tjInitCompress();
	if (tj == NULL) {
		LOGE("avatar", "tjInitCompress: %s", tjGetErrorStr2(NULL));
		rc = EMU_ENOMEM;
		goto out;
	}
	cap_bytes = tjBufSize(width, height, TJSAMP_444);
	if (cap_bytes == (unsigned long)-1) {
		rc = EMU_EINTERNAL;
		goto out;
	}
	jpeg = malloc(cap_bytes);
	if (jpeg == NULL) {
		rc = EMU_ENOMEM;
		goto out;
	}
	sz = cap_bytes;
	if (tjCompress2(tj, rgb, width, 0, height, TJPF_RGB, &jpeg, &sz, TJSAMP_444, quality,
	                TJFLAG_NOREALLOC) != 0) {
		LOGE("avatar", "tjCompress2 %dx%d: %s", width, height, tjGetErrorStr2(tj));
		rc = EMU_EINTERNAL;
		goto out;
	}
	shrunk = realloc(jpeg, sz);
	if (shrunk != NULL)
		jpeg = shrunk;
	*out = jpeg;
	*outlen = sz;
	jpeg = NULL;
out:
	free(jpeg);
	free(rgb);
	free(c.ink);
	if (tj != NULL)
		(void)tjDestroy(tj);
	return rc;
}
