/* fuzz_photo.c - JPEG validation and renditions (src/photo) as an upload
 * goes through them (SetUserPhoto, the REST/Outlook photo PUT, the tenant
 * and vCard imports): photo_inspect() with the upload limit, and for an
 * accepted picture photo_make_renditions().
 *
 * libjpeg-turbo is Debian's (not instrumented): coverage guidance comes
 * from our wrapper, the resampler and the size rules; the sanitizers still
 * see every byte libjpeg-turbo reads from the input and writes into our
 * buffers.
 *
 * Invariants checked beyond the sanitizers: an accepted picture has
 * dimensions within PHOTO_MAX_DIMENSION; its renditions always include
 * HR48x48, are square, and are themselves JPEGs photo_inspect() accepts
 * with the dimensions they claim. */
#include <stdio.h>

#include "core/result.h"
#include "photo/photo.h"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct photo_set set;
	int w = 0, h = 0, rc;

	rc = photo_inspect(data, size, PHOTO_MAX_UPLOAD_BYTES, &w, &h);
	if (rc != EMU_OK)
		return 0;
	FUZZ_ASSERT(w > 0 && h > 0 && w <= PHOTO_MAX_DIMENSION && h <= PHOTO_MAX_DIMENSION);
	rc = photo_make_renditions(data, size, &set);
	if (rc != EMU_OK) {
		FUZZ_ASSERT(rc != EMU_EIMAGE && rc != EMU_EFORMAT);   /* inspect accepted it */
		return 0;
	}
	FUZZ_ASSERT(set.source_width == w && set.source_height == h);
	FUZZ_ASSERT(set.mask & (1u << PHOTO_HR48));
	int side = w < h ? w : h;
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		int rw = 0, rh = 0;
		if (!(set.mask & (1u << s)))
			continue;
		/* the nine codes at their edge; the upload at its own (cropped) size, only
		 * when that lies between two codes */
		int edge = s == PHOTO_UPLOAD ? side : photo_size_pixels((enum photo_size)s);
		FUZZ_ASSERT(set.r[s].width == set.r[s].height && set.r[s].width == edge);
		if (s == PHOTO_UPLOAD)
			FUZZ_ASSERT(side > photo_size_pixels(PHOTO_HR48) && side < photo_size_pixels(PHOTO_HR648));
		FUZZ_ASSERT(photo_inspect(set.r[s].data, set.r[s].len, PHOTO_MAX_UPLOAD_BYTES, &rw, &rh) == EMU_OK);
		FUZZ_ASSERT(rw == set.r[s].width && rh == set.r[s].height);
	}
	photo_set_free(&set);
	return 0;
}
