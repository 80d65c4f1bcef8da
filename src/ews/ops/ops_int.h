/* ops_int.h - private to src/ews/ops/: the pieces GetFolder, GetItem,
 * GetAttachment and the contact views share (request-id checks, the
 * mailbox folders' ids, Exchange's message texts). */
#ifndef EMU_EWS_OPS_INT_H
#define EMU_EWS_OPS_INT_H

#include "ews/ews.h"
#include "ews/ids.h"
#include "core/names.h"
#include "ews/ops/ops.h"

/* MessageText of the per-message errors, Exchange's wording where known. */
#define OP_MSG_ID_EMPTY "Id must be non-empty."
#define OP_MSG_ID_MALFORMED "Id is malformed."
#define OP_MSG_ACCESS_DENIED "Access is denied. Check credentials and try again."
#define OP_MSG_ITEM_NOT_FOUND "The specified object was not found in the store."
#define OP_MSG_FOLDER_NOT_FOUND "The specified folder could not be found in the store."
#define OP_MSG_FOLDER_NAME_UNKNOWN "The distinguished folder name is unrecognized."

/* The folders every mailbox has (spec: root, msgfolderroot, contacts). */
#define OP_FOLDER_ROOT "root"
#define OP_FOLDER_TOP "msgfolderroot"
#define OP_FOLDER_CONTACTS "contacts"

/* One folder of the folder set every mailbox has: THE one table
 * (folders.c); ids, GetFolder, FindFolder and the hierarchy sync all read it. */
struct op_folder_def {
	const char *name;           /* DistinguishedFolderId spelling, and the id's local part */
	const char *parent;         /* name of the parent; NULL for root */
	const char *folder_class;   /* NULL: none */
	const char *display_name;
	enum op_folder_kind kind;
	int hidden;                 /* PR_ATTR_HIDDEN */
	int holds_contacts;         /* its items are the mailbox's personal contacts */
	int distinguished;          /* a DistinguishedFolderId names it (else only its FolderId) */
};

/** The folder set, in tree order (a parent before its children); @p n gets
 * its length.  Static data. */
const struct op_folder_def *op_folder_defs(size_t *n);
/** The folder named @p name (a DistinguishedFolderId spelling, exact
 * case); NULL when the mailbox has none (also for @p name NULL). */
const struct op_folder_def *op_folder_def_find(const char *name);
/** How many folders of the set have @p name as their parent. */
int op_folder_child_count(const char *name);

/* A resolved FolderShape (op_folder_shape). */
struct op_folder_shape {
	unsigned props;                       /* OP_FPROP_* */
	const struct prop_ext_uri *ext;       /* the request's ExtendedFieldURIs */
	const struct prop_def **ext_defs;     /* their rows, NULL: no folder has it */
	size_t n_ext;
	struct ews_status status;             /* NoError, or the malformed ExtendedFieldURI's error */
};

/** Fill @p f: folder @p def of mailbox @p primary (a user's primary
 * address) with the properties of @p shape (OP_FPROP_*, reduced to those the
 * folder's element has, and the t:ExtendedProperty values the folder has);
 * TotalCount counts the contacts through @p t once per @p contacts cache
 * (-1: not counted yet; op_folder_record's, shared with a restriction).
 * Strings are static or arena memory.
 * @return EMU_OK; EMU_ENOMEM; EMU_EINVAL @p primary unusable in an id; a
 *	store failure. */
int op_folder_describe(const struct ews_ctx *ctx, store_txn_t *t, const char *primary,
                       const struct op_folder_def *def, const struct op_folder_shape *shape,
                       int *contacts, struct op_folder *f);

/** The property-table record (ews/props.h) of folder @p def of mailbox
 * @p primary, for restrictions and t:ExtendedProperty: its names, counts
 * (TotalCount counts the contacts through @p t when the folder holds them;
 * @p contacts caches that count across calls: -1 = not counted yet),
 * PR_ATTR_HIDDEN, PR_FOLDER_TYPE and the store's folder state (last change,
 * next article number: the contacts folder's, for the others the store's
 * creation and 1).  Strings are static.
 * @return EMU_OK; a store failure. */
int op_folder_record(store_txn_t *t, const char *primary, const struct op_folder_def *def, int *contacts,
                     struct prop_folder *r);

/** Resolve a FolderShape into @p out: the OP_FPROP_* set of @p shape plus
 * the FieldURIs @p additional (unknown ones are ignored, logged at debug
 * level), and the rows of the ExtendedFieldURIs @p ext (arena memory; a
 * malformed one sets out->status, the outcome of every message).
 * @return EMU_OK; EMU_ENOMEM. */
int op_folder_shape(const struct ews_ctx *ctx, enum ews_shape shape, const char *const *additional, size_t n,
                    const struct prop_ext_uri *ext, size_t n_ext, struct op_folder_shape *out);

/** Decode the EwsId @p text a request names, expecting an id of @p want,
 * and check that the caller may read its mailbox (spec §5.6, §7.3).
 * @return 1 with @p id filled; 0 with @p st set to ErrorInvalidIdEmpty,
 *	ErrorInvalidIdMalformed, ErrorCannotUseFolderIdForItemId (a folder id
 *	where an item id belongs) or ErrorAccessDenied. */
int op_request_id(const struct ews_ctx *ctx, const char *text, enum ews_id_kind want,
                  struct ews_id *id, struct ews_status *st);

/** Id and ChangeKey (arena memory) of folder @p name of mailbox @p primary.
 * @return EMU_OK; EMU_ENOMEM; EMU_EINVAL @p primary unusable in an id. */
int op_folder_ref(struct arena *a, const char *primary, const char *name,
                  const char **id, const char **change_key);

struct op_folder_ref;
/** Which folder @p ref (a FolderId or DistinguishedFolderId of a request)
 * names, for the caller: on success *name is the name of a folder of the set
 * (op_folder_def_find) and @p u the mailbox's user; otherwise *name is NULL and
 * @p st says why: ErrorInvalidIdEmpty / ErrorInvalidIdMalformed (a bad or
 * non-folder id), ErrorAccessDenied (another user's mailbox),
 * ErrorNonExistentMailbox (a Mailbox address of nobody), ErrorFolderNotFound
 * (a folder a 2019 mailbox lacks, or an anonymous caller naming no mailbox),
 * ErrorInvalidOperation (a distinguished name the 2019 build does not know).
 * @return EMU_OK, or a store failure. */
int op_folder_resolve(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *ref,
                      struct user_record *u, const char **name, struct ews_status *st);

/** Whose personal contacts a request's folder @p ref names (ResolveNames'
 * ParentFolderIds, FindPeople's ParentFolderId): @p owner (STORE_ADDR_MAX + 1
 * bytes) gets that mailbox's lower-case primary when @p ref is its Contacts
 * folder, or the caller's when @p ref is NULL; "" when the folder holds no
 * contacts (root, msgfolderroot, mail folders) or @p ref is NULL for an
 * anonymous caller.  A folder op_folder_resolve() refuses sets @p st (its
 * errors) and leaves @p owner "".
 * @return EMU_OK; EMU_ENOMEM; a store failure. */
int op_contacts_owner(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *ref,
                      char *owner, struct ews_status *st);

/* One entry of a batch: reset result @p i, then fill it reading through
 * @p t.  Returns EMU_OK (also for an EWS error in the result) or the
 * failure that stops the batch. */
typedef int (*op_batch_fn)(void *arg, store_txn_t *t, size_t i);

/** Run @p fn for entries 0..@p n-1 in one read snapshot (every id of a
 * request sees the same store), stopping at the first failure.
 * @return EMU_OK; the failure of @p fn; EMU_ENOMEM / EMU_ESTORE (no txn). */
int op_batch(const struct ews_ctx *ctx, size_t n, op_batch_fn fn, void *arg);

/* ---- ExtendedProperty in answers (ext_props.c, spec §8) ------------------------- */

/** Resolve the ExtendedFieldURIs @p req (n) of a shape for records of
 * @p kinds into @p defs (n; NULL for a property ewsemu does not have).
 * @return 1; 0 with @p st set to ErrorInvalidExtendedProperty or
 *	ErrorUnsupportedMapiPropertyType. */
int op_ext_resolve(const struct prop_ext_uri *req, size_t n, unsigned kinds,
                   const struct prop_def **defs, struct ews_status *st);

/** The t:ExtendedProperty values of @p r for the resolved @p defs (n) of
 * request @p req: an arena array in *out, only the properties @p r has.
 * @return EMU_OK; EMU_ENOMEM. */
int op_ext_values(struct arena *a, const struct prop_ext_uri *req, const struct prop_def *const *defs,
                  size_t n, const struct prop_record *r, struct op_ext_value **out, int *n_out);


/* ---- who matches a name (people_match.c): ResolveNames and FindPeople ---------- */

/* A name or address to find people by (ResolveNames' UnresolvedEntry,
 * FindPeople's QueryString), split into its routing prefix and text. */
struct op_people_query {
	int addresses;          /* "smtp:" given: match addresses */
	int other_routing;      /* sip:, x500:, ...: matches nothing here */
	char text[NAMES_TOKEN_MAX * 2 + 1];   /* normalised (core/names.h) */
	char raw[STORE_ADDR_MAX + 1];         /* the text as given, trimmed (exact address) */
};

/** Parse @p in (NUL-terminated, any length: the normalised text is cut at
 * its buffer) into @p q. */
void op_people_query_parse(const char *in, struct op_people_query *q);

/* A personal contact found by op_people_match(). */
struct op_contact_hit {
	char id[STORE_ID_MAX + 1];
	char display_name[STORE_TEXT_MAX + 1];
};

struct op_people_hits {
	struct store_search_hit *dir;     /* arena, sorted by display name then address */
	size_t ndir;
	int dir_more;                     /* matching users were left out */
	struct op_contact_hit *contacts;  /* arena, sorted by display name then id */
	size_t ncontacts;
	int contacts_more;
};

/** Most directory users one op_people_match() reports (the name index's
 * walk limit, store_user_search()). */
#define OP_PEOPLE_DIR_MAX 255

/** THE rule of who matches @p q (spec §4.2; ResolveNames and FindPeople
 * agree on it): directory users when @p want_dir (the name index, or every
 * address with "smtp:"), contacts of mailbox @p owner (lower-case primary;
 * "" none) by names_fields_match() over display name, given name, surname,
 * file-as, nickname and first address (all three addresses with "smtp:").
 * An exact address wins: when @p q is a user's primary address (any
 * address with "smtp:") or a contact's, only exact matches are reported, in
 * both blocks.  At most @p max of each block (directory: at most
 * OP_PEOPLE_DIR_MAX), the first by display name.
 * @return EMU_OK; EMU_ENOMEM; EMU_ESTORE. */
int op_people_match(const struct ews_ctx *ctx, store_txn_t *t, const struct op_people_query *q,
                    int want_dir, const char *owner, size_t max, struct op_people_hits *out);

/** Set @p st to the ResponseCode and text of query error @p e (a
 * restriction, sort, view or AQS error; find_item.c holds the table). */
void op_query_status(struct ews_status *st, enum query_error e);

/** Copy @p src into @p dst ASCII-lower-cased (a primary address as a key). */
void op_lower_copy(char *dst, const char *src);

#endif
