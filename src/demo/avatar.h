/* avatar.h - drawn demo avatars: a coloured background, a soft portrait
 * silhouette and the person's initials, encoded as JPEG.
 *
 * Everything is drawn by ewsemu itself (the letter shapes are a stroke font
 * defined in avatar.c), so the pictures are licence-clean, need no files at
 * run time and are identical for identical arguments on every machine.
 */
#ifndef EMU_DEMO_AVATAR_H
#define EMU_DEMO_AVATAR_H

#include <stddef.h>
#include <stdint.h>

/** Accepted edge lengths, pixels. */
#define AVATAR_MIN_SIZE 16
#define AVATAR_MAX_SIZE 2048
/** Most initials drawn. */
#define AVATAR_MAX_INITIALS 3

/** Render an avatar and encode it as a baseline JPEG (4:4:4, so the letter
 * edges stay crisp).
 * @param[in] initials 0 to AVATAR_MAX_INITIALS characters from A-Z, a-z
 *	(drawn upper-case) and 0-9; NULL or "" draws the silhouette only
 * @param[in] seed picks the background colour from a curated palette and a
 *	small variation of tone and light direction; different seeds give
 *	different pictures (equal seeds, equal pictures)
 * @param[in] width,height AVATAR_MIN_SIZE .. AVATAR_MAX_SIZE; need not be
 *	equal (the figure is centred and scaled to the shorter side)
 * @param[in] quality JPEG quality 1 .. 100
 * @param[out] out the JPEG bytes, malloc'd: the caller frees them with free()
 * @param[out] outlen their length
 * @return EMU_OK;
 *	EMU_EINVAL a NULL @p out / @p outlen, a size or quality out of range, or
 *	initials too long or with other characters (*out untouched);
 *	EMU_ENOMEM; EMU_EINTERNAL the encoder failed (logged). */
int avatar_render_jpeg(const char *initials, uint32_t seed, int width, int height, int quality,
                       unsigned char **out, size_t *outlen);

#endif
