/* budget.c - what a JPEG decode costs in memory, and the process-wide pool
 * that bounds all decodes together (issue 10 defect 3).
 *
 * TurboJPEG 2.1.5 has no memory limit, and DCT scaling does not help a
 * progressive (or non-interleaved multi-scan) JPEG: libjpeg then keeps every
 * coefficient of the whole image (jdcoefct.c, full-image buffer).  So the
 * cost is worked out from the markers before anything is decoded, with
 * libjpeg's own rules (jdinput.c initial_setup: width_in_blocks; jdinput.c
 * start_input_pass/has_multiple_scans; jdcoefct.c: arrays rounded up to the
 * sampling factor), and each decode holds its cost in a counting pool.
 */
#include "photo/photo.h"
#include "core/log.h"
#include "core/result.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#define BLOCK_BYTES 128u         /* 64 coefficients of 2 bytes (JCOEF) */
#define MAX_COMPONENTS 4         /* TurboJPEG decodes gray, YCbCr, CMYK/YCCK */
/* Allowance for libjpeg's row buffers (main/upsample/colour conversion
 * hold a few MCU rows per component at full width) plus the fixed pools;
 * measured VmHWM stays below it (tests/bench/upload-memory.py). */
#define WORK_ROWS 64u
#define WORK_FIXED (1024u * 1024u)

/* ---- marker walk ------------------------------------------------------------ */

struct frame {
	int seen, progressive, w, h, nc;
	int hs[MAX_COMPONENTS], vs[MAX_COMPONENTS];
};

static unsigned be16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int is_sof(unsigned m)
{
	/* C0..CF except DHT (C4), JPG (C8) and DAC (CC) */
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int parse_sof(unsigned m, const unsigned char *p, size_t n, struct frame *f)
{
	if (f->seen)
		return EMU_EIMAGE;           /* libjpeg: "Invalid JPEG file structure: two SOF markers" */
	if (n < 6)
		return EMU_EIMAGE;
	f->seen = 1;
	f->progressive = m == 0xC2 || m == 0xC6 || m == 0xCA || m == 0xCE;
	f->h = (int)be16(p + 1);
	f->w = (int)be16(p + 3);
	f->nc = p[5];
	if (f->w == 0 || f->h == 0 || f->nc < 1 || f->nc > MAX_COMPONENTS || n < 6 + 3u * (size_t)f->nc)
		return EMU_EIMAGE;
	for (int i = 0; i < f->nc; i++) {
		f->hs[i] = p[6 + 3 * i + 1] >> 4;
		f->vs[i] = p[6 + 3 * i + 1] & 15;
		if (f->hs[i] < 1 || f->hs[i] > 4 || f->vs[i] < 1 || f->vs[i] > 4)
			return EMU_EIMAGE;
	}
	return EMU_OK;
}

/* Skip entropy-coded data from @p i: returns the index of the next marker's
 * 0xFF (stuffed 0xFF00, restart markers and fill bytes are data), or @p len. */
static size_t skip_entropy(const unsigned char *p, size_t len, size_t i)
{
	while (i + 1 < len) {
		if (p[i] != 0xFF) {
			i++;
			continue;
		}
		unsigned m = p[i + 1];
		if (m == 0x00 || (m >= 0xD0 && m <= 0xD7)) {
			i += 2;
			continue;
		}
		if (m == 0xFF) {
			i++;
			continue;
		}
		return i;
	}
	return len;
}

/* One pass over the markers: the frame and the number of components of the
 * first scan, and the number of scans. */
static int walk(const unsigned char *p, size_t len, struct frame *f, int *first_scan_nc, int *scans)
{
	size_t i = 2;

	memset(f, 0, sizeof *f);
	*first_scan_nc = 0;
	*scans = 0;
	if (len < 4 || p[0] != 0xFF || p[1] != 0xD8)
		return EMU_EIMAGE;
	while (i < len) {
		unsigned m;
		size_t seg;
		if (p[i] != 0xFF)
			return EMU_EIMAGE;
		while (i < len && p[i] == 0xFF)   /* fill bytes */
			i++;
		if (i >= len)
			break;
		m = p[i++];
		if (m == 0xD9)                    /* EOI */
			break;
		if (m == 0x01 || (m >= 0xD0 && m <= 0xD8))
			continue;                 /* no length field */
		if (i + 2 > len)
			return EMU_EIMAGE;
		seg = be16(p + i);
		if (seg < 2 || i + seg > len)
			return EMU_EIMAGE;
		if (is_sof(m) && parse_sof(m, p + i + 2, seg - 2, f) != EMU_OK)
			return EMU_EIMAGE;
		if (m == 0xDA) {                  /* SOS */
			if (!f->seen || seg < 3)
				return EMU_EIMAGE;
			if (++*scans == 1)
				*first_scan_nc = p[i + 2];
			i = skip_entropy(p, len, i + seg);
			continue;
		}
		i += seg;
	}
	return f->seen ? EMU_OK : EMU_EIMAGE;
}

/* ---- arithmetic --------------------------------------------------------------- */

static size_t div_up(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

static size_t round_up(size_t a, size_t b)
{
	return div_up(a, b) * b;
}

int photo_decode_cost(const void *jpeg, size_t len, int scale_denom, struct photo_decode_cost *out)
{
	struct frame f;
	int first_nc, scans, hmax = 1, vmax = 1, rc;
	size_t blocks = 0, wpad = 0;

	if (jpeg == NULL || out == NULL ||
	    (scale_denom != 1 && scale_denom != 2 && scale_denom != 4 && scale_denom != 8))
		return EMU_EINVAL;
	memset(out, 0, sizeof *out);
	rc = walk(jpeg, len, &f, &first_nc, &scans);
	if (rc != EMU_OK)
		return rc;
	for (int c = 0; c < f.nc; c++) {
		hmax = f.hs[c] > hmax ? f.hs[c] : hmax;
		vmax = f.vs[c] > vmax ? f.vs[c] : vmax;
	}
	for (int c = 0; c < f.nc; c++) {
		/* jdinput.c: width_in_blocks = ceil(W * h_i / (h_max * 8));
		 * jdcoefct.c: the virtual array is rounded up to h_i x v_i blocks */
		size_t wb = round_up(div_up((size_t)f.w * (size_t)f.hs[c], (size_t)hmax * 8u), (size_t)f.hs[c]);
		size_t hb = round_up(div_up((size_t)f.h * (size_t)f.vs[c], (size_t)vmax * 8u), (size_t)f.vs[c]);
		blocks += wb * hb;
		if (wb * 8u > wpad)
			wpad = wb * 8u;
	}
	out->width = f.w;
	out->height = f.h;
	out->components = f.nc;
	out->progressive = f.progressive;
	out->scans = scans;
	/* jdinput.c: has_multiple_scans when progressive or when the first scan
	 * leaves a component out; then jdcoefct.c keeps the whole image */
	out->buffered = f.progressive || (scans > 0 && first_nc < f.nc);
	out->coef_bytes = out->buffered ? blocks * BLOCK_BYTES : 0;
	out->output_bytes = div_up((size_t)f.w, (size_t)scale_denom) * div_up((size_t)f.h, (size_t)scale_denom) *
	                    (f.nc == 4 ? 4u : 3u);
	out->work_bytes = wpad * (size_t)f.nc * WORK_ROWS + WORK_FIXED;
	out->total_bytes = out->coef_bytes + out->output_bytes + out->work_bytes;
	return EMU_OK;
}

/* ---- the pool ---------------------------------------------------------------- */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_freed;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static size_t g_used;

/* The condition variable waits on CLOCK_MONOTONIC: a wall-clock jump must
 * not turn a 30 s wait into hours. */
static void init_cond(void)
{
	pthread_condattr_t a;
	if (pthread_condattr_init(&a) == 0) {
		(void)pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
		(void)pthread_cond_init(&g_freed, &a);
		(void)pthread_condattr_destroy(&a);
	} else {
		(void)pthread_cond_init(&g_freed, NULL);
	}
}

int photo_decode_reserve(size_t bytes, int wait_ms)
{
	struct timespec until;
	size_t used;
	int rc = EMU_OK;

	if (bytes > PHOTO_DECODE_POOL_BYTES)
		return EMU_ELIMIT;
	(void)pthread_once(&g_once, init_cond);
	(void)clock_gettime(CLOCK_MONOTONIC, &until);
	if (wait_ms > 0) {
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&g_lock);
	while (bytes > PHOTO_DECODE_POOL_BYTES - g_used) {
		if (wait_ms <= 0 || pthread_cond_timedwait(&g_freed, &g_lock, &until) == ETIMEDOUT) {
			if (bytes > PHOTO_DECODE_POOL_BYTES - g_used) {
				rc = EMU_EBUSY;
				break;
			}
		}
	}
	if (rc == EMU_OK)
		g_used += bytes;
	used = g_used;
	pthread_mutex_unlock(&g_lock);
	if (rc == EMU_EBUSY)
		LOGI("photo", "decode pool full (%zu of %zu bytes taken) for %d ms; refusing a decode of %zu bytes",
		     used, (size_t)PHOTO_DECODE_POOL_BYTES, wait_ms, bytes);
	return rc;
}

void photo_decode_release(size_t bytes)
{
	(void)pthread_once(&g_once, init_cond);
	pthread_mutex_lock(&g_lock);
	g_used = bytes > g_used ? 0 : g_used - bytes;
	pthread_cond_broadcast(&g_freed);
	pthread_mutex_unlock(&g_lock);
}

size_t photo_decode_pool_used(void)
{
	size_t u;
	pthread_mutex_lock(&g_lock);
	u = g_used;
	pthread_mutex_unlock(&g_lock);
	return u;
}

const char *photo_reject_reason(int rc)
{
	switch (rc) {
	case EMU_EIMAGE: return "not a valid JPEG image";
	case EMU_EFORMAT: return "not a JPEG image (only JPEG is accepted)";
	case EMU_ELIMIT: return "image too large (bytes, pixels or decode memory above the limits)";
	case EMU_EBUSY: return "too many photos being decoded at once; try again";
	default: return emu_strerror(rc);
	}
}
