/* ids.h - ewsemu's opaque EWS identifiers (folders, items, attachments).
 *
 * An id is a small binary record {magic "EM", version, kind, mailbox, local
 * id}.  Its EwsId / EntryId form is that record in base64, its HexEntryId
 * form in upper-case hex; ConvertId translates between them.  Clients treat
 * ids as opaque, so only stability and round-tripping matter.
 */
#ifndef EMU_EWS_IDS_H
#define EMU_EWS_IDS_H

#include <stddef.h>

#include "core/arena.h"
#include "store/store.h"

enum ews_id_kind { EWS_ID_FOLDER = 'F', EWS_ID_ITEM = 'I', EWS_ID_ATTACHMENT = 'A' };

struct ews_id {
	enum ews_id_kind kind;
	char mailbox[STORE_ADDR_MAX + 1];  /* lower-case primary address */
	char local[STORE_ID_MAX + 1];      /* folder name or contact id, ... */
};

/* Textual encodings (IdFormatType spellings). */
enum ews_id_format { EWS_FMT_EWS_ID = 0, EWS_FMT_EWS_LEGACY_ID, EWS_FMT_ENTRY_ID,
                     EWS_FMT_HEX_ENTRY_ID, EWS_FMT_STORE_ID, EWS_FMT_OWA_ID, EWS_FMT_COUNT };

/** Parse an IdFormatType spelling; EMU_EINVAL when unknown. */
int ews_id_format_parse(const char *s, enum ews_id_format *out);
const char *ews_id_format_name(enum ews_id_format f);

/** Encode @p id in format @p f into arena memory; NULL on no memory. */
char *ews_id_encode(struct arena *a, const struct ews_id *id, enum ews_id_format f);
/** Decode @p text in format @p f.  EMU_EINVAL when it is not an ewsemu id
 * (ErrorInvalidIdMalformed), EMU_ELIMIT when absurdly long. */
int ews_id_decode(const char *text, enum ews_id_format f, struct ews_id *out);

#endif
