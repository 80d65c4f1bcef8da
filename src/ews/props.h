/* props.h - THE property table: every field ewsemu stores on a personal
 * contact (store.h struct contact_record), on a directory user shown as a
 * contact (struct user_record) and on a folder, with its EWS FieldURI
 * (optionally indexed), its MAPI identity (PropertyTag, or property set +
 * PropertyId) and its MAPI type (spec §8.3), plus the one getter that reads
 * its value from a record.
 *
 * Users: GetItem/ResolveNames shapes (the URI -> shape property mapping),
 * restrictions and sort orders (ews/query.h), t:ExtendedProperty answers.
 * No store access and no allocation: values point into the record.  The
 * lookups (props_find_*) binary-search an index of the table built once at
 * the first lookup (pthread_once: safe from any thread).
 */
#ifndef EMU_EWS_PROPS_H
#define EMU_EWS_PROPS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The item and contact properties a response shape can carry (a response
 * carries a set of them, op_props in ews/ops/ops.h; the adapter emits the set
 * ones in schema order).  Declared here so the table can say which shape
 * property a FieldURI adds. */
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
	/* t:ItemType's first element, but only on request (IncludeMimeContent or
	 * item:MimeContent; not part of AllProperties): op_contact_mime() */
	P_MIME_CONTENT,
	P_COUNT,
	P_NONE = -1               /* a table entry that adds no shape property */
};

/* MAPI property types (MapiPropertyTypeType spellings, spec §8.1). */
enum prop_type {
	PROP_T_STRING = 0, PROP_T_INTEGER, PROP_T_LONG, PROP_T_SHORT, PROP_T_BOOLEAN,
	PROP_T_SYSTEMTIME, PROP_T_BINARY, PROP_T_DOUBLE,
	PROP_T_OTHER              /* a spelling ewsemu never serves (arrays, CLSID, ...) */
};

/* Distinguished property sets (DistinguishedPropertySetType, spec §8.1). */
enum prop_set {
	PROP_SET_NONE = 0, PROP_SET_MEETING, PROP_SET_APPOINTMENT, PROP_SET_COMMON,
	PROP_SET_PUBLIC_STRINGS, PROP_SET_ADDRESS, PROP_SET_INTERNET_HEADERS,
	PROP_SET_CALENDAR_ASSISTANT, PROP_SET_UNIFIED_MESSAGING, PROP_SET_TASK, PROP_SET_SHARING,
	PROP_SET_COUNT
};

/* Which records an entry has a value on. */
enum { PROP_ON_CONTACT = 1, PROP_ON_USER = 2, PROP_ON_FOLDER = 4 };

/* What a folder getter reads (filled by the folder code). */
struct prop_folder {
	const char *display_name, *folder_class;   /* NULL: none */
	int total_count, unread_count, child_folder_count;
	int hidden;
	int folder_type;            /* PR_FOLDER_TYPE: 0 root, 1 generic, 2 search */
	int64_t changed;            /* unix seconds of the last change of the folder or an item
	                             * in it (PR_LAST_MODIFICATION_TIME, PR_LOCAL_COMMIT_TIME_MAX) */
	uint32_t article_next;      /* PR_ARTICLE_NUM_NEXT (>= 1); PR_IMAP_LAST_ARTICLE_ID is
	                             * one less */
};

/* The record a getter reads: exactly one of the three is set. */
struct prop_record {
	const struct contact_record *contact;   /* a personal contact */
	const struct user_record *user;         /* a directory user as a contact */
	const struct prop_folder *folder;
};

/* A property's value.  Strings point into the record (or static text);
 * SystemTime is unix seconds; Boolean 0/1. */
struct prop_value {
	enum prop_type type;
	const char *s;                 /* String; Binary bytes (len) */
	size_t len;                    /* Binary */
	int64_t i;                     /* Integer, Long, Short, Boolean, SystemTime */
};

struct prop_def;
/** Read @p d from @p r.  @return 1 with @p out set when the record has a
 * value (an empty string is no value), 0 when not. */
typedef int (*prop_getter)(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);

/* One table row. */
struct prop_def {
	const char *field_uri;      /* "contacts:DisplayName", NULL: MAPI only */
	const char *field_index;    /* FieldIndex of an IndexedFieldURI, NULL: not indexed */
	uint16_t tag;               /* PropertyTag, 0 for a named property or none */
	enum prop_set set;          /* named property: its set, with @c lid */
	uint32_t lid;               /* PropertyId of a named property */
	enum prop_type type;
	unsigned on;                /* PROP_ON_* */
	int shape;                  /* enum op_prop this URI adds to a shape, P_NONE */
	int queryable;              /* usable in Restriction / SortOrder */
	prop_getter get;            /* NULL: never has a value (shape-only rows) */
	int contact_off, user_off;  /* offsetof the char array read by the text getter, -1 none */
};

/* Longest text an ExtendedFieldURI attribute may have (PropertyName,
 * PropertyTag); longer is ErrorInvalidExtendedProperty. */
#define PROPS_NAME_MAX 256

/** The row for FieldURI @p uri (with @p index for an IndexedFieldURI, or
 * NULL); for an indexed URI without a matching index NULL. NULL: unknown. */
const struct prop_def *props_find_field(const char *uri, const char *index);

/** The first row whose FieldURI is @p uri, whatever its index (to ask which
 * shape property a URI adds).  NULL: unknown. */
const struct prop_def *props_find_uri(const char *uri);

/** Rows @p i = 0, 1, ... in table order; NULL past the end. */
const struct prop_def *props_at(size_t i);

/* An ExtendedFieldURI as a request spells it (attribute text, NULL when
 * absent). */
struct prop_ext_uri {
	const char *distinguished_set;   /* DistinguishedPropertySetId */
	const char *set_id;              /* PropertySetId (GUID) */
	const char *tag;                 /* PropertyTag: "0x3001", "0X3001" or "12289" */
	const char *name;                /* PropertyName */
	int has_id;
	long long id;                    /* PropertyId */
	const char *type;                /* PropertyType (required) */
};

enum prop_ext_outcome {
	PROP_EXT_SERVED = 0,        /* *out is the row */
	PROP_EXT_NOT_SERVED,        /* well-formed, ewsemu has no such property: leave it out */
	PROP_EXT_INVALID,           /* ErrorInvalidExtendedProperty (spec §8.1) */
	PROP_EXT_UNSUPPORTED_TYPE   /* Object/ObjectArray/Error/Null: ErrorUnsupportedMapiPropertyType */
};

/** Find the row an ExtendedFieldURI names.  Tags are hex (0x, any case) or
 * decimal; GUIDs compare case-insensitively and a PropertySetId equal to a
 * distinguished set's GUID is that set; the attribute combinations are
 * those of spec §8.1 (a tag alone; a set with exactly one of PropertyId /
 * PropertyName; tags 0x8000-0xFFFE are not allowed).  The identity decides;
 * PropertyType must be a known spelling but may differ from the row's.
 * Only rows on one of @p kinds (PROP_ON_*) match: 0x3001 is a contact's
 * and a folder's display name.
 * @return enum prop_ext_outcome. */
enum prop_ext_outcome props_find_extended(const struct prop_ext_uri *u, unsigned kinds,
                                           const struct prop_def **out);

/** MapiPropertyTypeType spelling -> enum prop_type (PROP_T_OTHER for any
 * other valid spelling); -1 for an unknown spelling or Object/Error/Null
 * (@p unsupported set to 1 for those four). */
int props_type_parse(const char *s, int *unsupported);

/** The lower-case GUID text of distinguished set @p s ("" for NONE). */
const char *props_set_guid(enum prop_set s);

/** "0x" + lower-case hex without padding (spec §8.2) into @p buf (>= 7). */
void props_tag_text(uint16_t tag, char *buf, size_t size);

/** Read @p d from @p r: 1 with @p out set, 0 when the record has no value
 * (also when @p d does not apply to the record's kind). */
int props_get(const struct prop_def *d, const struct prop_record *r, struct prop_value *out);

/** Render @p v as ExtendedProperty t:Value text (spec §8.2: Boolean
 * true/false, integers decimal, SystemTime yyyy-mm-ddThh:mm:ssZ; Binary is
 * left to the caller, it needs base64) into @p buf of @p size.
 * @return EMU_OK; EMU_ELIMIT @p buf too small; EMU_EINVAL Binary. */
int props_value_text(const struct prop_value *v, char *buf, size_t size);

#endif
