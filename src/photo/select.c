/* select.c - which photo to serve (spec §6.2).  The only implementation:
 * SOAP GetUserPhoto, the REST-style GET and the Outlook REST API all call
 * photo_select(). */
#include "photo/photo.h"

#define ALL_RENDITIONS ((1u << PHOTO_RENDITION_COUNT) - 1u)

struct photo_pick photo_select(const struct photo_avail *a, enum photo_size want,
                               int hr48_prefers_thumbnail)
{
	struct photo_pick p = { PHOTO_SRC_NONE, want, "no photo" };
	unsigned mask;

	if (a == NULL || (int)want < 0 || want >= PHOTO_SIZE_COUNT) {
		p.why = "invalid request";
		return p;
	}
	/* spec §6.2 step 2: an explicit deletion hides the thumbnail too */
	if (a->deleted) {
		p.why = "mailbox photo deletion record";
		return p;
	}
	/* spec §6.2 step 3 (server option photo_hr48_prefers_directory) */
	if (want == PHOTO_HR48 && a->has_thumbnail && hr48_prefers_thumbnail) {
		p.source = PHOTO_SRC_THUMBNAIL;
		p.why = "HR48x48 prefers the directory thumbnail";
		return p;
	}
	/* spec §6.2 step 4 */
	mask = a->mailbox_mask & ALL_RENDITIONS;
	if (mask != 0) {
		p.source = PHOTO_SRC_MAILBOX;
		if (mask & (1u << want)) {
			p.why = "mailbox rendition of the requested size";
			return p;
		}
		/* renditions are indexed smallest first, the upload at its own
		 * size (between two size codes) last */
		for (int s = PHOTO_RENDITION_COUNT - 1; s >= 0; s--) {
			if (mask & (1u << s)) {
				p.size = (enum photo_size)s;
				break;
			}
		}
		p.why = p.size == PHOTO_UPLOAD ? "the upload at its own size, the largest stored rendition"
		                                : "largest stored mailbox rendition";
		return p;
	}
	/* spec §6.2 step 5: the thumbnail as is, for any size */
	if (a->has_thumbnail) {
		p.source = PHOTO_SRC_THUMBNAIL;
		p.why = "directory thumbnail (no mailbox photo)";
		return p;
	}
	return p;
}

int photo_thumbnail_visible(const struct photo_avail *a)
{
	return a != NULL && a->has_thumbnail && !a->deleted;
}
