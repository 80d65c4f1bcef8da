/* fuzz_vcard.c - the vCard parser (src/admin: vcard_parse) as
 * `ewsemu import-vcard` drives it: one stream holding one or many cards,
 * each complete card handed to a callback, pictures checked with
 * photo_inspect().  The input is read through fmemopen() so the parser sees
 * a FILE as it does for a file on disk.
 *
 * Invariants checked beyond the sanitizers: every card passed on is within
 * the limits the header promises (fields NUL-terminated inside their
 * STORE_*_MAX arrays, at most VCARD_MAX_CARDS cards, a picture only with
 * dimensions), and the count reported equals the callbacks made. */
#include <stdio.h>

#include "admin/admin.h"
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

static int on_card(const struct vcard_card *card, void *ctx, char *why, size_t whysz)
{
	size_t *seen = ctx;
	(void)why;
	(void)whysz;
	(*seen)++;
	FUZZ_ASSERT(card->index == *seen);
	FUZZ_ASSERT(card->version == 21 || card->version == 30 || card->version == 40);
	FUZZ_ASSERT(memchr(card->rec.display_name, '\0', sizeof card->rec.display_name) != NULL);
	FUZZ_ASSERT(card->rec.display_name[0] != '\0' || card->is_group);
	FUZZ_ASSERT(memchr(card->rec.email, '\0', sizeof card->rec.email) != NULL);
	if (card->photo != NULL) {
		FUZZ_ASSERT(card->photo_len > 0 && card->photo_len <= PHOTO_MAX_UPLOAD_BYTES);
		FUZZ_ASSERT(card->rec.photo.width > 0 && card->rec.photo.height > 0);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	size_t seen = 0, ncards = 0;
	FILE *in;
	int rc;

	if (size == 0)
		return 0;
	in = fmemopen((void *)data, size, "rb");
	if (in == NULL)
		return 0;
	rc = vcard_parse(in, on_card, &seen, &ncards, err, sizeof err);
	fclose(in);
	FUZZ_ASSERT(ncards == seen);
	FUZZ_ASSERT(ncards <= VCARD_MAX_CARDS);
	FUZZ_ASSERT(rc == EMU_OK ? err[0] == '\0' : err[0] != '\0');
	return 0;
}
