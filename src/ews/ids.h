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
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

/* EWS_ID_PERSONA: a FindPeople/GetPersona PersonaId; its local part is a
 * contact id, or EWS_PERSONA_DIRECTORY for the directory user the mailbox
 * part names. */
enum ews_id_kind { EWS_ID_FOLDER = 'F', EWS_ID_ITEM = 'I', EWS_ID_ATTACHMENT = 'A', EWS_ID_PERSONA = 'P' };
#define EWS_PERSONA_DIRECTORY "gal"  /* never a contact id (those are hex) */

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

/** Does an id in format @p f name its own mailbox (spec §9)?  EwsId,
 * EwsLegacyId and OwaId do: ConvertId takes the owner from the id and
 * ignores the request's Mailbox.  EntryId, HexEntryId and StoreId name only
 * the store (in ewsemu the same record, read as the store's identity): the
 * request's Mailbox says which mailbox to resolve them in.
 * @return 1 or 0 (0 for an unknown @p f). */
int ews_id_format_has_mailbox(enum ews_id_format f);

/** Encode @p id in format @p f into arena memory; NULL on no memory. */
char *ews_id_encode(struct arena *a, const struct ews_id *id, enum ews_id_format f);
/** Decode @p text in format @p f.  EMU_EINVAL when it is not an ewsemu id
 * (ErrorInvalidIdMalformed), EMU_ELIMIT when absurdly long. */
int ews_id_decode(const char *text, enum ews_id_format f, struct ews_id *out);

/** The EwsId text of {@p kind, @p mailbox (lower-cased here), @p local}
 * in arena memory: what every response carries.
 * @return the id; NULL on no memory, or when @p mailbox is empty or longer
 *	than STORE_ADDR_MAX or @p local longer than STORE_ID_MAX. */
char *ews_id_text(struct arena *a, enum ews_id_kind kind, const char *mailbox, const char *local);

/* ---- change keys ---------------------------------------------------------- */

/** The ChangeKey of version @p change of an object of @p kind: opaque base64
 * text (arena memory) that changes whenever @p change does; NULL on no
 * memory. */
char *ews_change_key(struct arena *a, enum ews_id_kind kind, uint32_t change);

/** Decode a ChangeKey made by ews_change_key().
 * @return EMU_OK with *kind and *change; EMU_EINVAL when @p text is not one
 *	(ErrorInvalidChangeKey). */
int ews_change_key_decode(const char *text, enum ews_id_kind *kind, uint32_t *change);

/* ---- attachment ids ------------------------------------------------------- */

/* An attachment id's local part is "<item local>.<part>": the item it hangs
 * off and a part naming this version of the attachment (for a contact
 * picture its ETag, so a replaced picture gets a new id). */
#define EWS_ATTACHMENT_SEP '.'

/** Join @p item_local and @p part into @p out (STORE_ID_MAX + 1 bytes).
 * @return EMU_OK; EMU_EINVAL either is empty or @p item_local holds the
 *	separator; EMU_ELIMIT the result would exceed STORE_ID_MAX. */
int ews_attachment_local(char *out, const char *item_local, const char *part);

/** Split an attachment id's local part (the inverse of
 * ews_attachment_local()); @p item_local and @p part have STORE_ID_MAX + 1
 * bytes each.
 * @return EMU_OK; EMU_EINVAL no separator or an empty half. */
int ews_attachment_split(const char *local, char *item_local, char *part);

#endif
