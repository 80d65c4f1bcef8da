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

/** Convert each of @p n ids to @p dest_format; one result per id, in order. */
int op_convert_id(const struct ews_ctx *ctx, const char *dest_format,
                  const struct op_alt_id *in, size_t n, struct op_convert_result *out);

/* ---- shapes and contact data (GetItem spec §5.3, ResolveNames §4.5) ------ */

enum ews_shape { EWS_SHAPE_ID_ONLY = 0, EWS_SHAPE_DEFAULT, EWS_SHAPE_ALL };

/** Parse a DefaultShapeNamesType spelling ("IdOnly", "Default",
 * "AllProperties"); EMU_EINVAL when unknown. */
int ews_shape_parse(const char *s, enum ews_shape *out);

/* The item and contact properties ewsemu serves.  A response carries a set
 * of them (op_props); the adapter emits the set ones in schema order. */
enum op_prop {
	/* t:ItemType */
	P_ITEM_ID = 0, P_PARENT_FOLDER_ID, P_ITEM_CLASS, P_SUBJECT, P_SENSITIVITY, P_BODY,
	P_ATTACHMENTS, P_DATE_RECEIVED, P_SIZE, P_IMPORTANCE, P_IS_SUBMITTED, P_IS_DRAFT,
	P_IS_FROM_ME, P_IS_RESEND, P_IS_UNMODIFIED, P_DATE_SENT, P_DATE_CREATED,
	P_REMINDER_IS_SET, P_DISPLAY_CC, P_DISPLAY_TO, P_HAS_ATTACHMENTS, P_CULTURE,
	P_EFFECTIVE_RIGHTS, P_LAST_MODIFIED_NAME, P_LAST_MODIFIED_TIME, P_IS_ASSOCIATED,
	/* t:ContactItemType */
	P_FILE_AS, P_FILE_AS_MAPPING, P_DISPLAY_NAME, P_GIVEN_NAME, P_INITIALS, P_MIDDLE_NAME,
	P_NICKNAME, P_COMPLETE_NAME, P_COMPANY_NAME, P_EMAIL_ADDRESSES, P_PHYSICAL_ADDRESSES,
	P_PHONE_NUMBERS, P_BIRTHDAY, P_CONTACT_SOURCE, P_DEPARTMENT, P_JOB_TITLE,
	P_OFFICE_LOCATION, P_POSTAL_ADDRESS_INDEX, P_SURNAME, P_HAS_PICTURE, P_ALIAS, P_NOTES,
	P_PHOTO,
	P_COUNT
};
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
};

/** Build the view of personal contact @p c of mailbox @p owner (lower-case
 * primary) with properties @p props (only fields that have a value are
 * marked present, spec §5.3 "each only if it has a value").  No store access:
 * everything comes from @p c. */
int op_contact_from_store(const struct ews_ctx *ctx, const char *owner,
                          const struct contact_record *c, op_props props,
                          struct op_contact *out);

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
};

enum { OP_FPROP_ID = 1, OP_FPROP_PARENT = 2, OP_FPROP_CLASS = 4, OP_FPROP_DISPLAY_NAME = 8,
       OP_FPROP_TOTAL = 16, OP_FPROP_CHILDREN = 32, OP_FPROP_UNREAD = 64,
       OP_FPROP_RIGHTS = 128 };

struct op_folder_result {
	struct ews_status status;
	struct op_folder folder;       /* Success only */
};

/** GetFolder (spec §1.2, §1.3): one result per ref, in order.  Every folder
 * of the set (ops_int.h) by DistinguishedFolderId (with or without Mailbox)
 * or FolderId; a distinguished name a 2019 mailbox lacks (archive, public
 * folders, voicemail, Exchange Online folders) gives ErrorFolderNotFound, one
 * the 2019 build does not know (mecontact, personmetadata)
 * ErrorInvalidOperation; other errors as op_folder_resolve(). */
int op_get_folder(const struct ews_ctx *ctx, enum ews_shape shape,
                  const char *const *additional, size_t n_additional,
                  const struct op_folder_ref *refs, size_t n, struct op_folder_result *out);

/* ---- FindFolder (spec §2) ----------------------------------------------------- */

enum op_traversal { OP_TRAVERSAL_SHALLOW = 0, OP_TRAVERSAL_DEEP, OP_TRAVERSAL_SOFT_DELETED };

/* IndexedPageFolderView / FractionalPageFolderView (spec §2.3). */
enum op_view_kind { OP_VIEW_NONE = 0, OP_VIEW_INDEXED, OP_VIEW_FRACTIONAL };

struct op_page_view {
	enum op_view_kind kind;
	int has_max;                   /* MaxEntriesReturned present */
	int max_entries;
	int offset, from_end;          /* indexed: Offset, BasePoint="End" */
	int numerator, denominator;    /* fractional */
};

/* Where a page of @c total rows starts and how many it holds, and the
 * RootFolder paging attributes of the answer. */
struct op_page {
	size_t start, count;
	int total;                     /* TotalItemsInView */
	int includes_last;             /* IncludesLastItemInRange */
	int has_indexed_offset, indexed_offset;              /* indexed views */
	int has_fraction, numerator_offset, absolute_denominator;  /* fractional views */
};

struct op_find_folder_result {
	struct ews_status status;
	struct op_page page;           /* Success only */
	size_t n;                      /* == page.count */
	struct op_folder *folders;     /* arena array of n, Success only */
};

/** FindFolder: one result per parent in @p refs, in order: the parent's
 * children (Shallow), all its descendants in pre-order (Deep) or its
 * soft-deleted children (SoftDeleted: none, an empty list), paged by @p view
 * (NULL or OP_VIEW_NONE: all), each folder with the properties of @p shape +
 * @p additional as GetFolder.  Errors per message: the parent's as
 * GetFolder's; ErrorInvalidPagingMaxRows (MaxEntriesReturned <= 0),
 * ErrorInvalidIndexedPagingParameters (Offset < 0),
 * ErrorInvalidFractionalPagingParameters (Numerator < 0, Denominator <= 0,
 * Numerator > Denominator); @p has_restriction: ErrorUnsupportedQueryFilter
 * (no restriction engine on folders yet). */
int op_find_folder(const struct ews_ctx *ctx, enum op_traversal traversal, enum ews_shape shape,
                   const char *const *additional, size_t n_additional,
                   const struct op_page_view *view, int has_restriction,
                   const struct op_folder_ref *refs, size_t n, struct op_find_folder_result *out);

/* ---- GetItem (spec §5) and GetAttachment (spec §7) ------------------------- */

struct op_item_result {
	struct ews_status status;
	struct op_contact contact;     /* Success only */
};

/** GetItem: one result per id (@p change_keys[i] may be NULL), in order. */
int op_get_item(const struct ews_ctx *ctx, enum ews_shape shape, op_props additional,
                const char *const *ids, const char *const *change_keys, size_t n,
                struct op_item_result *out);

struct op_attachment_result {
	struct ews_status status;
	struct op_attachment att;      /* Success only, with content */
};

/** GetAttachment: one result per id, in order. */
int op_get_attachment(const struct ews_ctx *ctx, const char *const *ids, size_t n,
                      struct op_attachment_result *out);

#endif
