/* photo.h - user photos: size codes, renditions (libjpeg-turbo), ETags, and
 * the one selection rule shared by every transport (spec §6).
 *
 * Pure functions: no store, no sockets, no gSOAP.  Unit-tested in
 * tests/unit/photo/.
 */
#ifndef EMU_PHOTO_PHOTO_H
#define EMU_PHOTO_PHOTO_H

#include <stddef.h>

/* ---- size codes (spec §2.1: UserPhotoSizeType) ------------------------- */

enum photo_size {
	PHOTO_HR48 = 0, PHOTO_HR64, PHOTO_HR96, PHOTO_HR120, PHOTO_HR240,
	PHOTO_HR360, PHOTO_HR432, PHOTO_HR504, PHOTO_HR648,
	PHOTO_SIZE_COUNT,
	/* Not a size code: the rendition slot of the upload itself,
	 * centre-cropped to a square and kept at its own size, when that size
	 * lies between two size codes (a 200 x 200 upload: HR48..HR120 plus
	 * the 200 x 200 upload).  It is then the largest stored rendition, so
	 * photo_select() serves it for HR240x240 and above.  Indexes r[] of
	 * struct photo_set, store mailbox arrays and mailbox masks. */
	PHOTO_UPLOAD = PHOTO_SIZE_COUNT,
	PHOTO_RENDITION_COUNT
};

/** Parse a size code.  @p case_insensitive = 0 accepts only the schema
 * spelling ("HR96x96"); 1 also accepts "hr96X96" (REST-style GET, spec §3.1).
 * No whitespace is trimmed.
 * @return EMU_OK and *out, or EMU_EINVAL (unknown code, NULL argument; *out
 *         untouched). */
int photo_size_parse(const char *code, int case_insensitive, enum photo_size *out);
/** "HR96x96" for PHOTO_HR96 (static string, never freed); NULL when @p s is
 * not a valid size. */
const char *photo_size_code(enum photo_size s);
/** Edge length in pixels (96 for PHOTO_HR96); 0 when @p s is not valid. */
int photo_size_pixels(enum photo_size s);

/* ---- limits (documented in README.md) ---------------------------------- */

/** Largest accepted upload (SetUserPhoto, import, PUT): bytes of JPEG. */
#define PHOTO_MAX_UPLOAD_BYTES (8u * 1024u * 1024u)
/** Largest accepted declared width or height of an upload, in pixels. */
#define PHOTO_MAX_DIMENSION 8192
/** Largest accepted directory thumbnail (AD thumbnailPhoto allows 100 KB). */
#define PHOTO_MAX_THUMBNAIL_BYTES (100u * 1024u)

/** Most memory one JPEG decode may need, in bytes (photo_decode_cost()'s
 * total).  A progressive JPEG, or a sequential one whose first scan does not
 * hold every component, makes libjpeg keep every DCT coefficient of the
 * whole image (2 bytes each, all components, full resolution, whatever DCT
 * scale is asked for): an 8192 x 8192 progressive 4:4:4 JPEG needs 402 MB
 * from a 770 KB file.  160 MiB (167.8 MB) admits every real camera photo up
 * to 48 MP progressive 4:2:0 (8000 x 6000: 149 MB with pixels and rows),
 * 24 MP progressive 4:4:4 (6000 x 4000: 151 MB), 4000 x 3000 progressive
 * phone photos (40 MB) and any baseline JPEG within PHOTO_MAX_DIMENSION
 * (8192 x 1295 CMYK: 14 MB); it refuses 8192 x 8192 progressive 4:2:0
 * (207 MB) and 4:4:4 (408 MB).  Arithmetic: photo_decode_cost(). */
#define PHOTO_MAX_DECODE_BYTES (160u * 1024u * 1024u)
/** Decode memory all concurrent decodes of the process may hold together:
 * two decodes at PHOTO_MAX_DECODE_BYTES (decoding is CPU-bound and the
 * target machine has two cores), or many small ones. */
#define PHOTO_DECODE_POOL_BYTES (2u * PHOTO_MAX_DECODE_BYTES)
/** How long a decode waits for room in the pool before giving up with
 * EMU_EBUSY, in milliseconds.  A decode within the budget takes about a
 * second of CPU, so a full pool drains well within this. */
#define PHOTO_DECODE_WAIT_MS 30000

/* ---- ETags (spec §6.3) -------------------------------------------------- */

/** ETag text length: hex digits, no quotes. */
#define PHOTO_ETAG_LEN 16

/** Content-derived ETag of @p data: first 8 bytes of SHA-256, upper-case hex,
 * NUL-terminated into @p out (@p data NULL counts as empty).  Same bytes ->
 * same ETag, always.  The caller adds the quotes when sending it.  (Should
 * OpenSSL fail to allocate, a 64-bit FNV-1a of the bytes is used instead and
 * an error is logged.) */
void photo_etag(const void *data, size_t len, char out[PHOTO_ETAG_LEN + 1]);

/** Does an If-None-Match header value match @p etag?  Tolerates quotes,
 * weak "W/" prefixes, whitespace, comma lists, and "*" (RFC 7232 §3.2), and
 * the quote-stripped forms gSOAP hands over ('x", W/"abc').  Comparison is
 * the weak one: opaque tags equal character by character (case matters).
 * @return 1 on a match, else 0; NULL or empty header, or a NULL or empty
 *         @p etag -> 0. */
int photo_etag_matches(const char *if_none_match, const char *etag);

/* ---- validation and renditions (libjpeg-turbo) ------------------------- */

/* What decoding a JPEG costs, read from its markers (no pixel decoded). */
struct photo_decode_cost {
	int width, height, components;
	int progressive;        /* SOF2, SOF6, SOF10 or SOF14 */
	int scans;              /* SOS markers in the stream */
	int buffered;           /* libjpeg keeps a whole-image coefficient buffer */
	size_t coef_bytes;      /* that buffer; 0 when not buffered */
	size_t output_bytes;    /* the decoded pixels at 1/@c scale_denom */
	size_t work_bytes;      /* an allowance for libjpeg's row buffers */
	size_t total_bytes;     /* coef_bytes + output_bytes + work_bytes */
};

/** Work out the memory a decode of @p jpeg at DCT scale 1/@p scale_denom
 * (1, 2, 4 or 8) needs, by walking its markers once (bounded, linear in
 * @p len; entropy-coded data is skipped, not decoded).  The rule is
 * libjpeg's: the coefficient buffer exists when the frame is progressive
 * or the first scan holds fewer components than the frame; it has
 * ceil(W * h_i / (8 * h_max)) x ceil(H * v_i / (8 * v_max)) blocks per
 * component i, each rounded up to a multiple of h_i / v_i, 128 bytes a
 * block.  The output is ceil(W / d) x ceil(H / d) pixels, 4 bytes each for
 * 4-component (CMYK/YCCK) frames, else 3.  Compare total_bytes with
 * PHOTO_MAX_DECODE_BYTES.
 * @return EMU_OK and *out; EMU_EIMAGE (no SOI, no frame header before the
 *         first scan, a truncated or malformed marker segment, zero
 *         dimensions, or a sampling factor outside 1..4); EMU_EINVAL (NULL
 *         argument, bad @p scale_denom). */
int photo_decode_cost(const void *jpeg, size_t len, int scale_denom, struct photo_decode_cost *out);

/** Take @p bytes from the process-wide decode pool (PHOTO_DECODE_POOL_BYTES),
 * waiting up to @p wait_ms milliseconds (0: do not wait) for other decodes
 * to give theirs back.  Every photo/ decode does this itself; the function
 * is public for tests and for callers that decode JPEG by other means.
 * Thread-safe.
 * @return EMU_OK (give it back with photo_decode_release()); EMU_ELIMIT
 *         (@p bytes is more than the whole pool); EMU_EBUSY (still no room
 *         after @p wait_ms). */
int photo_decode_reserve(size_t bytes, int wait_ms);
/** Give back @p bytes taken with photo_decode_reserve() and wake waiters. */
void photo_decode_release(size_t bytes);
/** Bytes of the pool currently taken (for diag and tests). */
size_t photo_decode_pool_used(void);

struct photo_blob {
	unsigned char *data;    /* JPEG bytes, malloc'd; NULL if absent */
	size_t len;
	int width, height;
	char etag[PHOTO_ETAG_LEN + 1];
};

/* All mailbox renditions made from one upload: size codes, plus
 * r[PHOTO_UPLOAD] when the upload lies between two size codes. */
struct photo_set {
	unsigned mask;                          /* bit s set -> r[s] present */
	struct photo_blob r[PHOTO_RENDITION_COUNT];
	int source_width, source_height;        /* the upload's dimensions */
};

/** Check that @p jpeg is a decodable JPEG within the limits and report its
 * dimensions.  Decodes the whole image (catches truncated/corrupt data; the
 * pixels are decoded at 1/8 scale, which still entropy-decodes every
 * coefficient).  Any libjpeg warning (premature end of file, bad Huffman
 * code, extraneous bytes ...) counts as corrupt.  Grayscale, CMYK/YCCK and
 * progressive JPEGs are accepted.  Limits are checked before any pixel is
 * decoded: bytes, dimensions, then the decode memory (photo_decode_cost()
 * at 1/8 scale against PHOTO_MAX_DECODE_BYTES); the decode then holds its
 * share of the decode pool.  Thread-safe.
 * @param[out] width,height the declared dimensions; either may be NULL.
 * @return EMU_OK, EMU_EIMAGE (not JPEG / corrupt / zero-size / NULL),
 *         EMU_EFORMAT (PNG, GIF, BMP, WebP, TIFF, HEIF/AVIF: recognised but
 *         not JPEG), EMU_ELIMIT (more than @p max_bytes, checked first, a
 *         dimension above PHOTO_MAX_DIMENSION, or a decode needing more than
 *         PHOTO_MAX_DECODE_BYTES), EMU_EBUSY (the decode pool stayed full
 *         for PHOTO_DECODE_WAIT_MS), EMU_ENOMEM. */
int photo_inspect(const void *jpeg, size_t len, size_t max_bytes, int *width, int *height);

/** Decode @p jpeg once and make every HR size up to min(width, height) of the
 * upload (centre-cropped to a square, DCT-scaled decode then area
 * resampling, 4:4:4 chroma up to 120 px, 4:2:0 above).  An upload smaller
 * than 48 px still yields HR48x48 so a stored photo always has a rendition.
 * When min(width, height) = N lies strictly between two size codes
 * (48 < N < 648, N not a size code), the centre-cropped upload is also kept
 * at N x N as r[PHOTO_UPLOAD], so nothing above HR120x120 loses resolution
 * for a 200 x 200 upload.  Each r[s] gets its JPEG bytes (quality 90),
 * N x N dimensions and ETag.
 * Thread-safe; deterministic (same upload -> same bytes and ETags).  Peak
 * memory is photo_decode_cost() at the chosen DCT scale, at most
 * PHOTO_MAX_DECODE_BYTES, taken from the decode pool for the whole call.
 * Same error codes as photo_inspect with max_bytes = PHOTO_MAX_UPLOAD_BYTES,
 * plus EMU_EINVAL for a NULL @p out and EMU_EINTERNAL if encoding fails.
 * On success the caller owns @p out and frees it with photo_set_free(); on
 * failure @p out is zeroed and holds nothing to free. */
int photo_make_renditions(const void *jpeg, size_t len, struct photo_set *out);
/** Why photo_inspect() or photo_make_renditions() refused an image, as a
 * lower-case phrase for CLI and import messages ("not a valid JPEG image",
 * "image too large (...)"); emu_strerror() for other codes.  Static string. */
const char *photo_reject_reason(int rc);

/** Free every rendition of @p set and zero it (NULL is fine). */
void photo_set_free(struct photo_set *set);

/* ---- selection (spec §6.2) — the only implementation ------------------- */

/* What a mailbox has, as the store reports it. */
struct photo_avail {
	int deleted;          /* deletion record (UserPhotoCacheId = 0) */
	unsigned mailbox_mask;/* bit s -> mailbox rendition s stored; bit
	                       * PHOTO_UPLOAD: the upload at its own size, larger
	                       * than every size-code rendition stored with it */
	int has_thumbnail;    /* directory (AD) thumbnail stored */
};

enum photo_source { PHOTO_SRC_NONE = 0, PHOTO_SRC_MAILBOX, PHOTO_SRC_THUMBNAIL };

struct photo_pick {
	enum photo_source source;
	enum photo_size size;   /* the mailbox rendition, when source is MAILBOX */
	const char *why;        /* static text for diag and debug logs */
};

/** Decide what to serve for size @p want (spec §6.2 steps 2-6):
 * deleted -> NONE; HR48x48 and a thumbnail and @p hr48_prefers_thumbnail ->
 * THUMBNAIL; mailbox photo -> that size or the largest stored (the
 * PHOTO_UPLOAD rendition when there is one; pick.size is then PHOTO_UPLOAD);
 * thumbnail -> THUMBNAIL; else NONE.  Mask bits above PHOTO_UPLOAD are
 * ignored.  A NULL @p a or an invalid @p want (PHOTO_UPLOAD included: it is
 * not a size code) gives NONE.  @c why is always a static string.
 * Step 1 (unknown recipient) is the caller's. */
struct photo_pick photo_select(const struct photo_avail *a, enum photo_size want,
                               int hr48_prefers_thumbnail);

/** Whether the directory thumbnail may be shown as a directory entry's
 * picture (ResolveNames t:Photo, spec §4.5): it exists and no deletion
 * record hides it (the same step 2 as photo_select()). */
int photo_thumbnail_visible(const struct photo_avail *a);

#endif
