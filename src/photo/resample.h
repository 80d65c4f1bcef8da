/* resample.h - private to src/photo: resampling RGB pixels for renditions. */
#ifndef EMU_PHOTO_RESAMPLE_H
#define EMU_PHOTO_RESAMPLE_H

/* Packed RGB pixels, or a window into them: row y starts at px + y * pitch. */
struct rgb_view {
	const unsigned char *px;
	int w, h, pitch;
};

/** Resample the square @p src (w == h) to @p n x @p n packed RGB in @p dst
 * (n * n * 3 bytes, caller's).  Area averaging when shrinking, bilinear when
 * enlarging, a plain copy when the size is equal.
 * @return EMU_OK or EMU_ENOMEM. */
int photo_resample_square(const struct rgb_view *src, int n, unsigned char *dst);

#endif
