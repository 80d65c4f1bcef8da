/* syncstate.h - the opaque SyncState of SyncFolderHierarchy and
 * SyncFolderItems (spec §6.5).
 *
 * A state is a fixed 128-byte record in base64: magic "EWSS", format
 * version, kind (hierarchy / items), SyncScope, phase, the store's identity,
 * tags of the mailbox and the folder (or hierarchy root) it was made for,
 * the change-log positions, the paging position, the folder-set fingerprint,
 * and an HMAC-SHA256 (truncated) keyed with the store secret (store.h
 * store_secret) over all of it.  So a state is valid across restarts (the
 * secret is in the store), and one that is garbage, truncated, edited, of
 * another format version, from another store, or made for another mailbox,
 * folder, kind or scope is refused; the op answers ErrorInvalidSyncStateData.
 */
#ifndef EMU_EWS_SYNCSTATE_H
#define EMU_EWS_SYNCSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "store/store.h"

/** Format version written into every state; states of another version are
 * refused (the client then syncs from scratch). */
#define EWS_SYNCSTATE_VERSION 1
/** Longest SyncState text looked at: longer ones are refused without being
 * decoded (ours are 172 characters). */
#define EWS_SYNCSTATE_TEXT_MAX 1024

enum ews_sync_kind { EWS_SYNC_HIERARCHY = 1, EWS_SYNC_ITEMS = 2 };

/* Where a client stands, as the state says. */
struct ews_sync_state {
	enum ews_sync_kind kind;
	unsigned scope;       /* items: 0 NormalItems, 1 NormalAndAssociatedItems; hierarchy: 0 */
	int listing;          /* items: 1 while a first sync pages through the folder */
	uint64_t base;        /* the client knows every change up to this log entry */
	uint64_t pos;         /* paging in the log: entries base+1..pos are handled */
	uint64_t horizon;     /* paging in the log: the last entry of this round */
	char after[STORE_CONTACT_ID_LEN + 1];  /* listing: the last contact id sent ("" none) */
	uint64_t fingerprint; /* hierarchy: the folder set the client was given */
};

/** Encode @p st for mailbox @p mailbox (lower-case primary) and folder
 * @p folder (the folder name, or for a hierarchy the sync root's name with
 * "" for an absent SyncFolderId) into arena text.
 * @param[in] secret store_secret() of the store
 * @return EMU_OK and *out; EMU_EINVAL @p st->after longer than a contact id;
 *	EMU_ENOMEM. */
int ews_sync_state_encode(struct arena *a, const unsigned char *secret, const char *mailbox,
                          const char *folder, const struct ews_sync_state *st, char **out);

/** Decode and check @p text, a state the client sent for @p kind on
 * @p mailbox / @p folder with SyncScope @p scope.
 * @return EMU_OK and *out; EMU_EINVAL for anything else: empty, longer than
 *	EWS_SYNCSTATE_TEXT_MAX, not base64, wrong length, unknown magic or
 *	version, another store, a bad MAC, another mailbox, folder, kind or
 *	scope, or inconsistent positions (the reason is logged at info level). */
int ews_sync_state_decode(const unsigned char *secret, const char *mailbox, const char *folder,
                          enum ews_sync_kind kind, unsigned scope, const char *text,
                          struct ews_sync_state *out);

#endif
