/* ops.h - EWS operations as plain C functions: plain structs in and out, no
 * gSOAP, no sockets.  Every transport (SOAP, REST-style GET, Outlook REST)
 * calls these; there is no second implementation anywhere.
 *
 * Each op decides the EWS outcome (struct ews_status: layer 2).  It returns
 * EMU_OK when it produced an outcome (even an EWS error), or a negative
 * emu_result when it could not (store failure, no memory); the transport
 * turns that into an internal-error fault.
 */
#ifndef EMU_EWS_OPS_H
#define EMU_EWS_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "ews/ews.h"
#include "ews/props.h"
#include "ews/query.h"
#include "photo/photo.h"

/* ---- GetUserPhoto (spec §2, §3, §6) -------------------------------------- */

enum op_photo_outcome {
	OP_PHOTO_RETURNED = 0,   /* data holds the image */
	OP_PHOTO_UNCHANGED,      /* If-None-Match matched the current ETag */
	OP_PHOTO_NONE,           /* mailbox exists, nothing to serve (or deleted) */
	OP_PHOTO_NO_MAILBOX,     /* the address is nobody's */
	OP_PHOTO_DENIED          /* ews/access.h: the caller may not read this photo */
};

struct op_photo_result {
	enum op_photo_outcome outcome;
	struct ews_status status;
	const unsigned char *data;   /* arena copy, RETURNED only */
	size_t len;
	const char *content_type;    /* "image/jpeg" when RETURNED/UNCHANGED */
	char etag[PHOTO_ETAG_LEN + 1]; /* RETURNED/UNCHANGED */
	int width, height;
	int64_t changed;             /* unix seconds the served image last changed */
	struct photo_pick pick;      /* what was chosen and why */
};

/** Select and fetch the photo of @p email at @p size (spec §6.2) for a
 * caller with ACCESS_PHOTO_READ over the mailbox (ews/access.h; checked
 * after the mailbox is found: NO_MAILBOX, then DENIED with
 * ErrorAccessDenied).  @p if_none_match is the raw If-None-Match header
 * value or NULL.  On EMU_OK @p out describes the outcome; image bytes are
 * copied into ctx->arena. */
int op_get_user_photo(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                      const char *if_none_match, struct op_photo_result *out);

/** Describe which photo each size code would return for @p email, without
 * copying image bytes (used by `ewsemu diag` and the Outlook metadata);
 * the same access check as op_get_user_photo(). */
int op_photo_explain(const struct ews_ctx *ctx, const char *email, enum photo_size size,
                     struct op_photo_result *out);

/* ---- SetUserPhoto (spec §2.5) -------------------------------------------- */

/** Replace the mailbox photo of @p email with the JPEG @p data (renditions
 * made once here) and clear the deletion record.  The caller needs
 * ACCESS_PHOTO_WRITE over the mailbox (ews/access.h: the owner, an
 * administrator, a token with the scope; ErrorAccessDenied otherwise); an invalid image gives
 * ErrorInvalidArgument and an oversized one ErrorDataSizeLimitExceeded, and
 * leave the old photo in place.  @p emu_reason (may be NULL) receives the
 * internal result behind an error outcome (EMU_EIMAGE, EMU_ELIMIT, ...). */
int op_set_user_photo(const struct ews_ctx *ctx, const char *email, const void *data, size_t len,
                      struct ews_status *st, int *emu_reason);

/** Remove the mailbox photo of @p email and set the deletion record
 * (Remove-UserPhoto); ACCESS_PHOTO_WRITE as op_set_user_photo(). */
int op_remove_user_photo(const struct ews_ctx *ctx, const char *email, struct ews_status *st);

/* ---- ConvertId ------------------------------------------------------------ */

struct op_alt_id {
	const char *format;    /* IdFormatType spelling: EwsId, EntryId, HexEntryId, ... */
	const char *id;
	const char *mailbox;
};

struct op_convert_result {
	struct ews_status status;
	struct op_alt_id id;   /* on success: converted id (arena strings) */
};

/** Convert each of @p n ids to @p dest_format; one result per id, in order,
 * read in one store snapshot (spec §9).  An id whose format names its
 * mailbox (EwsId, EwsLegacyId, OwaId) is converted by that mailbox and
 * in->mailbox is ignored; EntryId/HexEntryId/StoreId ids are resolved in
 * in->mailbox (ErrorInvalidSmtpAddress when it is no address,
 * ErrorNonExistentMailbox when nobody's, Item/FolderNotFound when the id is
 * not of that mailbox).  Then: ErrorAccessDenied for a mailbox the caller
 * may not read, ErrorFolderNotFound / ErrorItemNotFound for an object that
 * does not exist.  out->id.mailbox is the owner's primary address.
 * @return EMU_OK; EMU_EINVAL unknown @p dest_format; EMU_ENOMEM; EMU_ESTORE. */
int op_convert_id(const struct ews_ctx *ctx, const char *dest_format,
                  const struct op_alt_id *in, size_t n, struct op_convert_result *out);

/* ---- shapes and contact data (GetItem spec §5.3, ResolveNames §4.5) ------ */

enum ews_shape { EWS_SHAPE_ID_ONLY = 0, EWS_SHAPE_DEFAULT, EWS_SHAPE_ALL };

/** Parse a DefaultShapeNamesType spelling ("IdOnly", "Default",
 * "AllProperties"); EMU_EINVAL when unknown. */
int ews_shape_parse(const char *s, enum ews_shape *out);

/* The item and contact properties ewsemu serves (enum op_prop, declared in
 * ews/props.h with the table that maps FieldURIs to them).  A response
 * carries a set of them; the adapter emits the set ones in schema order. */
typedef uint64_t op_props;
#define OP_PROP(p) ((op_props)1 << (p))

/** The properties a FieldURI or IndexedFieldURI value adds ("item:Subject",
 * "contacts:HasPicture", "contacts:EmailAddress", ...); 0 for anything
 * ewsemu does not serve (ignored, as the issue asks: clients send ~200). */
op_props op_props_for_field(const char *field_uri);

/** The properties of @p shape for a contact item (spec §5.3). */
op_props op_props_for_shape(enum ews_shape shape);

struct op_dict_entry {
	const char *key;        /* EmailAddressKeyType / PhoneNumberKeyType spelling */
	const char *value;
};

struct op_postal_address {
	const char *key;        /* PhysicalAddressKeyType: "Business" */
	const char *street, *city, *state, *country, *postal_code;  /* NULL: omit */
};

/* A file attachment (the contact picture). */
struct op_attachment {
	const char *id;                  /* AttachmentId Id (arena) */
	const char *name;                /* "ContactPicture.jpg" */
	const char *content_type;        /* "image/jpeg" */
	uint32_t size;                   /* bytes of the decoded content */
	int64_t last_modified;           /* unix seconds */
	int is_inline, is_contact_photo;
	const unsigned char *content;    /* GetAttachment only (arena copy), else NULL */
	size_t content_len;
};

#define OP_EMAILS_MAX 3
#define OP_PHONES_MAX 4

/* One t:ExtendedProperty of an answer (spec §8.2): the request's
 * ExtendedFieldURI echoed (the tag canonical) with the value as text. */
struct op_ext_value {
	const struct prop_ext_uri *uri;  /* the request's attributes */
	const char *tag;                 /* canonical "0x3001", or NULL (named property) */
	const char *value;               /* t:Value text (arena) */
};

/* A contact as EWS shows it: a personal contact (t:Contact item, GetItem and
 * ResolveNames Contacts hits) or a directory entry (ResolveNames with
 * ReturnFullContactData).  @c props says which fields to emit; strings are
 * static or arena memory, never pointers into the store. */
struct op_contact {
	op_props props;
	const char *item_id, *change_key;             /* P_ITEM_ID */
	const char *parent_id, *parent_change_key;    /* P_PARENT_FOLDER_ID */
	const char *item_class;                       /* "IPM.Contact" */
	const char *subject;
	const char *sensitivity;                      /* "Normal" */
	const char *body;                             /* text body (notes), may be "" */
	int n_attachments;                            /* 0 or 1 */
	struct op_attachment attachment;              /* metadata only */
	int64_t received, sent, created, modified;    /* unix seconds */
	uint32_t size;
	const char *importance;                       /* "Normal" */
	const char *culture;                          /* "en-US" */
	const char *last_modified_name;
	const char *file_as, *file_as_mapping;
	const char *display_name, *given_name, *initials, *middle_name, *nickname;
	const char *company;
	int n_emails;
	struct op_dict_entry emails[OP_EMAILS_MAX];   /* EmailAddress1.. */
	int n_addresses;
	struct op_postal_address address;             /* one: Business */
	int n_phones;
	struct op_dict_entry phones[OP_PHONES_MAX];
	const char *birthday;                         /* xs:dateTime text, NULL: none */
	const char *contact_source;                   /* "Store" / "ActiveDirectory" */
	const char *department, *job_title, *office, *postal_address_index, *surname;
	int has_picture;
	const char *alias, *notes;
	const unsigned char *photo;                   /* t:Photo bytes (arena), NULL: none */
	size_t photo_len;
	const char *mime;                             /* P_MIME_CONTENT: the vCard (arena) */
	size_t mime_len;
	int n_ext;                                    /* t:ExtendedProperty, in request order */
	struct op_ext_value *ext;                     /* arena array, only properties with a value */
};

/** Build the view of personal contact @p c of mailbox @p owner (lower-case
 * primary) with properties @p props (only fields that have a value are
 * marked present, spec §5.3 "each only if it has a value").  No store access:
 * everything comes from @p c. */
int op_contact_from_store(const struct ews_ctx *ctx, const char *owner,
                          const struct contact_record *c, op_props props,
                          struct op_contact *out);

/** Most vCard bytes (t:MimeContent before base64) one GetItem or FindItem
 * response carries in all; items past it get ErrorDataSizeLimitExceeded
 * (one card is at most EWS_VCARD_MAX, ews/vcard.h). */
#define OP_MIME_MAX_BYTES ((size_t)32 << 20)

/** Add t:MimeContent to @p out (built by op_contact_from_store() for
 * contact @p c of @p owner): the contact as a vCard 3.0 (ews/vcard.h, the
 * one `ewsemu import` reads back), its picture read through @p t.  Sets
 * out->mime, out->mime_len and P_MIME_CONTENT.  @p budget (may be NULL)
 * is the vCard bytes the response may still carry, lowered here.
 * @return EMU_OK; EMU_ELIMIT the card exceeds *@p budget (nothing set:
 *	answer ErrorDataSizeLimitExceeded); EMU_ENOMEM; EMU_ESTORE. */
int op_contact_mime(const struct ews_ctx *ctx, store_txn_t *t, const char *owner,
                    const struct contact_record *c, size_t *budget, struct op_contact *out);

/** Build the directory contact of user @p u for ResolveNames
 * (ContactSource ActiveDirectory, EmailAddress1 "SMTP:...", spec §4.5) with
 * the properties of @p shape; @p photo/@p photo_len (arena, or NULL) becomes
 * t:Photo when the shape is AllProperties. */
int op_contact_from_user(const struct ews_ctx *ctx, const struct user_record *u,
                         enum ews_shape shape, const unsigned char *photo, size_t photo_len,
                         struct op_contact *out);

/* ---- ResolveNames (spec §4) ---------------------------------------------- */

enum op_scope { OP_SCOPE_AD = 0, OP_SCOPE_AD_CONTACTS, OP_SCOPE_CONTACTS, OP_SCOPE_CONTACTS_AD };

#define OP_RESOLVE_MAX 100    /* Resolution maxOccurs */

struct op_resolve_req {
	const char *entry;             /* UnresolvedEntry */
	int return_full_contact_data;
	enum op_scope scope;
	int has_shape;                 /* ContactDataShape present */
	enum ews_shape shape;
	/* ParentFolderIds: at most one of these */
	const char *folder_id;         /* t:FolderId Id */
	const char *distinguished;     /* t:DistinguishedFolderId Id spelling */
	const char *folder_mailbox;    /* its t:Mailbox/t:EmailAddress, or NULL */
	int n_folders;                 /* how many folder ids the request had */
};

struct op_resolution {
	const char *name, *email, *routing_type, *mailbox_type;   /* t:Mailbox */
	const char *item_id, *change_key;                         /* contacts only */
	struct op_contact *contact;                               /* NULL: no t:Contact */
};

struct op_resolve_result {
	struct ews_status status;
	int has_set;                   /* emit m:ResolutionSet */
	size_t n;
	struct op_resolution *res;     /* arena array of n */
	int includes_last;             /* IncludesLastItemInRange */
};

/** Resolve @p req for the caller (spec §4.2-4.5). */
int op_resolve_names(const struct ews_ctx *ctx, const struct op_resolve_req *req,
                     struct op_resolve_result *out);

/* ---- folders (GetFolder) --------------------------------------------------- */

/* A folder reference from a request: FolderId or DistinguishedFolderId. */
struct op_folder_ref {
	const char *id;                /* FolderId Id, or NULL */
	const char *distinguished;     /* DistinguishedFolderId Id spelling, or NULL */
	const char *mailbox;           /* DistinguishedFolderId Mailbox address, or NULL */
};

/* What a folder is, for the element that carries it (spec §1.2 "Element per
 * class": t:Folder, t:CalendarFolder, t:ContactsFolder, t:TasksFolder,
 * t:SearchFolder) and for what it holds. */
enum op_folder_kind { OP_FOLDER_KIND_PLAIN = 0, OP_FOLDER_KIND_CONTACTS, OP_FOLDER_KIND_CALENDAR,
                      OP_FOLDER_KIND_TASKS, OP_FOLDER_KIND_SEARCH };

struct op_folder {
	int is_contacts;               /* kind == OP_FOLDER_KIND_CONTACTS */
	enum op_folder_kind kind;      /* the element */
	unsigned props;                /* OP_FPROP_* bits to emit (only those the element has) */
	const char *id, *change_key;
	const char *parent_id, *parent_change_key;
	const char *folder_class, *display_name;
	int total_count, child_folder_count, unread_count;
	int n_ext;                     /* t:ExtendedProperty (after ChildFolderCount), in request order */
	struct op_ext_value *ext;      /* arena array, only properties the folder has */
};

enum { OP_FPROP_ID = 1, OP_FPROP_PARENT = 2, OP_FPROP_CLASS = 4, OP_FPROP_DISPLAY_NAME = 8,
       OP_FPROP_TOTAL = 16, OP_FPROP_CHILDREN = 32, OP_FPROP_UNREAD = 64,
       OP_FPROP_RIGHTS = 128 };

struct op_folder_result {
	struct ews_status status;
	struct op_folder folder;       /* Success only */
};

/** GetFolder (spec §1.2, §1.3): one result per ref, in order.  @p ext /
 * @p n_ext: the ExtendedFieldURIs of AdditionalProperties (spec §8.3: the
 * folder rows of ews/props.h; one a folder lacks is left out, a malformed one
 * is every message's ErrorInvalidExtendedProperty /
 * ErrorUnsupportedMapiPropertyType, as on GetItem).  Every folder
 * of the set (ops_int.h) by DistinguishedFolderId (with or without Mailbox)
 * or FolderId; a distinguished name a 2019 mailbox lacks (archive, public
 * folders, voicemail, Exchange Online folders) gives ErrorFolderNotFound, one
 * the 2019 build does not know (mecontact, personmetadata)
 * ErrorInvalidOperation; other errors as op_folder_resolve(). */
int op_get_folder(const struct ews_ctx *ctx, enum ews_shape shape,
                  const char *const *additional, size_t n_additional,
                  const struct prop_ext_uri *ext, size_t n_ext,
                  const struct op_folder_ref *refs, size_t n, struct op_folder_result *out);

/* ---- FindFolder (spec §2) ----------------------------------------------------- */

/* Traversal of FindFolder (Shallow, Deep, SoftDeleted) and FindItem
 * (Shallow, SoftDeleted, Associated). */
enum op_traversal { OP_TRAVERSAL_SHALLOW = 0, OP_TRAVERSAL_DEEP, OP_TRAVERSAL_SOFT_DELETED,
                    OP_TRAVERSAL_ASSOCIATED };

struct op_find_folder_result {
	struct ews_status status;
	struct query_page page;        /* Success only */
	size_t n;                      /* == page.count */
	struct op_folder *folders;     /* arena array of n, Success only */
};

struct op_find_folder_req {
	enum op_traversal traversal;
	enum ews_shape shape;
	const char *const *additional;        /* FieldURIs of AdditionalProperties */
	size_t n_additional;
	const struct prop_ext_uri *ext;       /* ExtendedFieldURIs of AdditionalProperties (as GetFolder) */
	size_t n_ext;
	const struct query_view *view;        /* NULL or QV_NONE: all */
	struct query_node *restriction;       /* raw tree (transport memory), NULL: none */
	enum query_error build_error;         /* a limit the transport met building it, else QE_OK */
	const struct op_folder_ref *refs;     /* ParentFolderIds */
	size_t n_refs;
};

/** FindFolder: one result per parent in @p req->refs, in order: the
 * parent's children (Shallow), all its descendants in pre-order (Deep) or
 * its soft-deleted children (SoftDeleted: none, an empty list), those the
 * Restriction matches (spec §2.4: folder properties of ews/props.h,
 * PROP_ON_FOLDER), paged by the view (TotalItemsInView counts the matches),
 * each folder with the properties of the shape as GetFolder.  Errors per
 * message: the parent's as GetFolder's; ErrorInvalidPagingMaxRows
 * (MaxEntriesReturned <= 0), ErrorInvalidIndexedPagingParameters (Offset <
 * 0), ErrorInvalidFractionalPagingParameters (Numerator < 0, Denominator <=
 * 0, Numerator > Denominator); the restriction's as FindItem's
 * (op_query_status: ErrorUnsupportedPathForQuery for a property folders do
 * not have, ErrorInvalidPropertyRequest for an unknown FieldURI,
 * ErrorRestrictionTooLong/TooComplex, ErrorInvalidValueForProperty ...). */
int op_find_folder(const struct ews_ctx *ctx, struct op_find_folder_req *req, struct op_find_folder_result *out);

/* ---- GetItem (spec §5) and GetAttachment (spec §7) ------------------------- */

struct op_item_result {
	struct ews_status status;
	struct op_contact contact;     /* Success only */
};

/** GetItem: one result per id (@p change_keys[i] may be NULL), in order.
 * @p ext / @p n_ext: the ExtendedFieldURIs of AdditionalProperties (spec §8):
 * served ones come back as t:ExtendedProperty, unknown ones are left out, a
 * malformed one gives every message ErrorInvalidExtendedProperty
 * (ErrorUnsupportedMapiPropertyType for Object/Error/Null types). */
int op_get_item(const struct ews_ctx *ctx, enum ews_shape shape, op_props additional,
                const struct prop_ext_uri *ext, size_t n_ext,
                const char *const *ids, const char *const *change_keys, size_t n,
                struct op_item_result *out);

struct op_attachment_result {
	struct ews_status status;
	struct op_attachment att;      /* Success only, with content */
};

/** GetAttachment: one result per id, in order. */
int op_get_attachment(const struct ews_ctx *ctx, const char *const *ids, size_t n,
                      struct op_attachment_result *out);

/* ---- FindItem (spec §3, §4) ------------------------------------------------- */

/* ParentFolderIds FindItem answers in one request (more: the transport's
 * ErrorSchemaValidation fault). */
#define OP_FIND_FOLDERS_MAX 100

/* spec §3.1: FindItem returns only the first 255 characters of a string
 * property (GetItem the whole value).  Characters are counted as Exchange
 * counts them, in UTF-16 units (a character beyond U+FFFF counts two), and
 * the cut never splits one. */
#define OP_FIND_STRING_CHARS_MAX 255


struct op_find_item_req {
	enum ews_shape shape;
	op_props additional;                 /* FieldURIs of AdditionalProperties */
	const struct prop_ext_uri *ext;      /* ExtendedFieldURIs of AdditionalProperties */
	size_t n_ext;
	enum op_traversal traversal;
	struct query_view view;
	struct query_node *restriction;      /* raw tree (transport memory), NULL: none */
	enum query_error build_error;        /* a limit the transport met building it, else QE_OK */
	struct query_sort_key *sort;         /* SortOrder (transport memory), n_sort <= QUERY_SORT_MAX */
	size_t n_sort;
	const char *query_string;            /* AQS, NULL: none */
	int group_by;                        /* GroupBy/DistinguishedGroupBy present: refused (spec §3.4) */
	const struct op_folder_ref *folders; /* ParentFolderIds */
	size_t n_folders;
};

struct op_find_item_result {
	struct ews_status status;
	struct query_page page;              /* Success: the RootFolder attributes */
	size_t n;
	struct op_contact *items;            /* Success: n contacts (arena) */
};

/** FindItem: one result per parent folder, in order.  The personal contacts
 * folder answers its contacts (Restriction or QueryString, ContactsView
 * names, SortOrder, then the view's page), every other folder an empty
 * RootFolder, an unknown or foreign folder the op_folder_resolve() error.
 * Request errors (restriction, sort, view, AQS, ExtendedFieldURI; spec
 * §2.3, §3.7, §4.6) are the outcome of every message; so is grouping,
 * which is not served (ErrorUnsupportedPathForSortGroup, spec §3.4).  @p req's trees are
 * compiled in place. */
int op_find_item(const struct ews_ctx *ctx, struct op_find_item_req *req, struct op_find_item_result *out);

/* ---- FindPeople and GetPersona (mailbox-ops spec §7; Exchange 2013+) ------------ */

/* Persona fields an answer carries (t:PersonaType, emitted in schema order). */
enum {
	OP_PERSONA_TYPE = 1 << 0, OP_PERSONA_CREATED = 1 << 1, OP_PERSONA_DISPLAY_NAME = 1 << 2,
	OP_PERSONA_FIRST_LAST = 1 << 3, OP_PERSONA_LAST_FIRST = 1 << 4, OP_PERSONA_FILE_AS = 1 << 5,
	OP_PERSONA_GIVEN_NAME = 1 << 6, OP_PERSONA_SURNAME = 1 << 7, OP_PERSONA_TITLE = 1 << 8,
	OP_PERSONA_DEPARTMENT = 1 << 9, OP_PERSONA_COMPANY = 1 << 10, OP_PERSONA_EMAIL = 1 << 11,
	OP_PERSONA_EMAILS = 1 << 12, OP_PERSONA_PHONE = 1 << 13, OP_PERSONA_WORK_CITY = 1 << 14,
	OP_PERSONA_RELEVANCE = 1 << 15, OP_PERSONA_FOLDER_IDS = 1 << 16,
	OP_PERSONA_HAS_PICTURE = 1 << 17,  /* t:ExtendedProperties: PidLidHasPicture */
	OP_PERSONA_ATTRIBUTIONS = 1 << 18  /* t:Attributions: the persona's sources */
};

/** The persona fields a "persona:..." FieldURI asks for; 0 for anything
 * else (left out, as unknown FieldURIs are elsewhere). */
unsigned op_persona_props_for_field(const char *field_uri);

/* Directory users FindPeople lists without a QueryString (the GAL walk);
 * further users are left out of the view. */
#define OP_PEOPLE_GAL_MAX 10000
/* Sources of one persona: the directory and one personal contact of the
 * same address (persona aggregation, spec §7.2). */
#define OP_PERSONA_SOURCES_MAX 2
/* RelevanceScore of every persona (unranked, as Exchange writes it). */
#define OP_PERSONA_RELEVANCE_UNRANKED 2147483647

/* One persona: a directory user or a personal contact.  Strings are arena or
 * static memory; NULL or "" fields are left out. */
struct op_persona {
	unsigned props;                 /* OP_PERSONA_* to emit (only those with a value are) */
	const char *id;                 /* PersonaId Id */
	const char *type;               /* PersonaType: "Person" */
	int64_t created;                /* unix seconds, 0: unknown */
	const char *display_name, *first_last, *last_first, *file_as, *given_name, *surname;
	const char *title, *department, *company;
	const char *mailbox_type;       /* EmailAddress MailboxType: "Mailbox" / "Contact" */
	int n_emails;
	const char *emails[OP_EMAILS_MAX];   /* [0] is EmailAddress */
	const char *phone, *phone_type; /* PhoneNumber: "Business", "Mobile", "Home" */
	const char *work_city;
	int relevance;
	const char *folder_id;          /* FolderIds: a contact's folder, NULL for the directory */
	int has_picture;                /* a picture exists (GetUserPhoto / the contact picture) */
	int n_sources;                  /* Attributions: 1, or 2 for a directory user who is also
	                                 * a personal contact (aggregated, spec §7.2) */
	struct op_persona_source {
		const char *id;             /* Attribution Id: "0", "1" (ExtendedProperties cite "0") */
		const char *source_id;      /* SourceId Id: the contact's ItemId, the directory's PersonaId */
		const char *source_ck;      /* its ChangeKey, NULL: none */
		const char *display_name;   /* the source's name for the person */
		int writable;               /* a personal contact (the directory is read-only) */
		const char *folder_id;      /* the contact's folder, NULL: the directory */
	} sources[OP_PERSONA_SOURCES_MAX];
};

struct op_find_people_req {
	const char *request_version;    /* RequestServerVersion Version, NULL: absent */
	enum ews_shape shape;           /* PersonaShape BaseShape (Default when absent) */
	unsigned additional;            /* OP_PERSONA_* from AdditionalProperties */
	struct query_view view;         /* IndexedPageItemView (kind QV_NONE: missing) */
	int has_filter;                 /* Restriction, AggregationRestriction or SortOrder given */
	const struct op_folder_ref *folder;   /* ParentFolderId, NULL: the caller's contacts */
	const char *query_string;       /* NULL: none */
};

struct op_find_people_result {
	struct ews_status status;
	int request_error;              /* the status is a request-level fault (schema version) */
	size_t total;                   /* TotalNumberOfPeopleInView */
	size_t first_matching, first_loaded;
	size_t n;
	struct op_persona *people;      /* arena array of n */
};

/** FindPeople: ParentFolderId `directory` lists the directory (GAL), the
 * personal contacts folder (the default) its contacts, root/msgfolderroot
 * nobody; QueryString narrows by op_people_match() (the rule ResolveNames
 * uses); rows sorted by display name; the IndexedPageItemView page.
 * Errors: RequestServerVersion below Exchange2013 -> ErrorIncorrectSchemaVersion
 * (request_error); bad paging -> ErrorInvalidPagingMaxRows /
 * ErrorInvalidIndexedPagingParameters; QueryString over QUERY_AQS_MAX bytes ->
 * ErrorQueryFilterTooLong; Restriction/SortOrder -> ErrorUnsupportedQueryFilter;
 * folders as op_folder_resolve().  A directory user who is also one of the
 * caller's contacts (same address) is one aggregated persona (directory id
 * and fields first, the contact fills gaps; two sources in Attributions),
 * in both views.
 * @return EMU_OK; EMU_ENOMEM; EMU_ESTORE. */
int op_find_people(const struct ews_ctx *ctx, const struct op_find_people_req *req,
                   struct op_find_people_result *out);

struct op_get_persona_req {
	const char *request_version;
	const char *persona_id;         /* PersonaId Id, NULL: absent */
	const char *email;              /* EmailAddress/EmailAddress, NULL: absent */
};

struct op_get_persona_result {
	struct ews_status status;
	int request_error;
	struct op_persona persona;      /* Success: every field */
};

/** GetPersona by PersonaId (as FindPeople gave it) or by EmailAddress (a
 * directory user's address, else a contact of the caller's).  Errors:
 * neither -> ErrorInvalidArgument; empty id -> ErrorInvalidIdEmpty; not a
 * PersonaId -> ErrorInvalidIdMalformed; another user's contact ->
 * ErrorAccessDenied; nobody -> ErrorItemNotFound; the version rule of
 * op_find_people().  The persona of a directory user who is also a contact
 * is the aggregated one, asked by either id.
 * @return EMU_OK; EMU_ENOMEM; EMU_ESTORE. */
int op_get_persona(const struct ews_ctx *ctx, const struct op_get_persona_req *req,
                   struct op_get_persona_result *out);

/* ---- SyncFolderHierarchy (spec §5) and SyncFolderItems (spec §6) ----------- */

/** MaxChangesReturned bounds (t:MaxSyncChangesReturnedType). */
#define OP_SYNC_CHANGES_MIN 1
#define OP_SYNC_CHANGES_MAX 512
/** Item ids one SyncFolderItems Ignore may list (more: ErrorSchemaValidation
 * fault in the adapter). */
#define OP_SYNC_IGNORE_MAX 512

enum op_change_kind { OP_CHANGE_CREATE = 0, OP_CHANGE_UPDATE, OP_CHANGE_DELETE, OP_CHANGE_READ_FLAG };

struct op_folder_change {
	enum op_change_kind kind;           /* Create, Update or Delete */
	struct op_folder folder;            /* Create/Update: the shape's properties;
	                                     * Delete: id and change_key only */
};

struct op_sync_hierarchy_req {
	enum ews_shape shape;
	const char *const *additional;      /* FieldURIs of AdditionalProperties */
	size_t n_additional;
	const struct prop_ext_uri *ext;     /* ExtendedFieldURIs of AdditionalProperties (as GetFolder) */
	size_t n_ext;
	const struct op_folder_ref *folder; /* SyncFolderId, NULL when absent (= msgfolderroot) */
	const char *sync_state;             /* NULL or "": first sync */
};

struct op_sync_hierarchy_result {
	struct ews_status status;           /* ErrorInvalidSyncStateData: sync_state "" */
	const char *sync_state;             /* arena text */
	int includes_last;                  /* always 1: one response holds every change */
	size_t n;
	struct op_folder_change *changes;   /* arena array of n */
};

/** SyncFolderHierarchy: the folders below the sync root (msgfolderroot when
 * @p req->folder is NULL; the root itself is not listed), all as Create on a
 * first sync, then what changed in the folder set since the state (counts do
 * not count, spec §5).  A state made for another root, mailbox or store, or
 * for another folder set, gets ErrorInvalidSyncStateData. */
int op_sync_folder_hierarchy(const struct ews_ctx *ctx, const struct op_sync_hierarchy_req *req,
                             struct op_sync_hierarchy_result *out);

struct op_item_change {
	enum op_change_kind kind;
	struct op_contact contact;          /* Create/Update: the shape's properties;
	                                     * Delete: item_id only */
};

struct op_sync_items_req {
	enum ews_shape shape;
	op_props additional;
	struct op_folder_ref folder;        /* SyncFolderId */
	const char *sync_state;             /* NULL or "": first sync */
	const char *const *ignore;          /* Ignore ItemIds */
	size_t n_ignore;
	int max_changes;                    /* OP_SYNC_CHANGES_MIN..MAX (checked by the adapter) */
	int associated;                     /* SyncScope NormalAndAssociatedItems */
	const struct prop_ext_uri *ext;     /* ExtendedFieldURIs of AdditionalProperties (as GetItem) */
	size_t n_ext;
};

struct op_sync_items_result {
	struct ews_status status;           /* ErrorInvalidSyncStateData: sync_state "" */
	const char *sync_state;             /* arena text */
	int includes_last;                  /* IncludesLastItemInRange */
	size_t n;
	struct op_item_change *changes;     /* arena array of n (at most max_changes) */
};

/** SyncFolderItems (spec §6.2): on the Contacts folder a first sync pages
 * through the contacts (Create), later syncs replay the mailbox's change log
 * (store.h) as Create/Update/Delete, at most @p req->max_changes per
 * response; every other folder is empty.  Items named in Ignore are not
 * reported.  Errors: ErrorInvalidSyncStateData (a state that is not ours,
 * for another mailbox/folder/scope, or older than the retained log),
 * ErrorSyncFolderNotFound, ErrorCannotUseItemIdForFolderId,
 * ErrorInvalidIdMalformed/Empty, ErrorAccessDenied, ErrorNonExistentMailbox. */
int op_sync_folder_items(const struct ews_ctx *ctx, const struct op_sync_items_req *req,
                         struct op_sync_items_result *out);

#endif
