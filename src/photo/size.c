/* size.c - the nine UserPhotoSizeType codes (spec §2.1) and their pixel sizes. */
#include "photo/photo.h"
#include "core/result.h"

#include <string.h>
#include <strings.h>

static const struct {
	const char *code;
	int px;
} g_sizes[PHOTO_SIZE_COUNT] = {
	{ "HR48x48", 48 },   { "HR64x64", 64 },   { "HR96x96", 96 },
	{ "HR120x120", 120 }, { "HR240x240", 240 }, { "HR360x360", 360 },
	{ "HR432x432", 432 }, { "HR504x504", 504 }, { "HR648x648", 648 },
};

int photo_size_parse(const char *code, int case_insensitive, enum photo_size *out)
{
	if (code == NULL || out == NULL)
		return EMU_EINVAL;
	for (int i = 0; i < PHOTO_SIZE_COUNT; i++) {
		int eq = case_insensitive ? strcasecmp(code, g_sizes[i].code) == 0
		                          : strcmp(code, g_sizes[i].code) == 0;
		if (eq) {
			*out = (enum photo_size)i;
			return EMU_OK;
		}
	}
	return EMU_EINVAL;
}

const char *photo_size_code(enum photo_size s)
{
	if ((int)s < 0 || s >= PHOTO_SIZE_COUNT)
		return NULL;
	return g_sizes[s].code;
}

int photo_size_pixels(enum photo_size s)
{
	if ((int)s < 0 || s >= PHOTO_SIZE_COUNT)
		return 0;
	return g_sizes[s].px;
}
