/* ews.h - shared EWS domain pieces: the per-message outcome (layer 2 of the
 * three error layers) and the operation context every op receives.
 *
 * Response codes are spelled as in the schema's ResponseCodeType; C code
 * names them through the EWS_* macros so a typo is a compile error.
 */
#ifndef EMU_EWS_EWS_H
#define EMU_EWS_EWS_H

#include "core/arena.h"
#include "core/exver.h"
#include "ews/caller.h"
#include "store/store.h"

enum ews_class { EWS_SUCCESS = 0, EWS_WARNING, EWS_ERROR };

/* ResponseCodeType values used by ewsemu (spec §10.1). */
#define EWS_NO_ERROR "NoError"
#define EWS_ERROR_NON_EXISTENT_MAILBOX "ErrorNonExistentMailbox"
#define EWS_ERROR_INVALID_PHOTO_SIZE "ErrorInvalidPhotoSize"
#define EWS_ERROR_ACCESS_DENIED "ErrorAccessDenied"
#define EWS_ERROR_INVALID_ARGUMENT "ErrorInvalidArgument"
#define EWS_ERROR_DATA_SIZE_LIMIT "ErrorDataSizeLimitExceeded"
#define EWS_ERROR_INTERNAL "ErrorInternalServerError"
#define EWS_ERROR_SCHEMA_VALIDATION "ErrorSchemaValidation"
#define EWS_ERROR_INVALID_ID_MALFORMED "ErrorInvalidIdMalformed"
#define EWS_ERROR_INVALID_ID_EMPTY "ErrorInvalidIdEmpty"
#define EWS_ERROR_FOLDER_NOT_FOUND "ErrorFolderNotFound"
#define EWS_ERROR_INVALID_SMTP_ADDRESS "ErrorInvalidSmtpAddress"
#define EWS_ERROR_SERVER_BUSY "ErrorServerBusy"
#define EWS_ERROR_NAME_RESOLUTION_MULTIPLE "ErrorNameResolutionMultipleResults"
#define EWS_ERROR_NAME_RESOLUTION_NONE "ErrorNameResolutionNoResults"
#define EWS_ERROR_NAME_RESOLUTION_NO_MAILBOX "ErrorNameResolutionNoMailbox"
#define EWS_ERROR_ITEM_NOT_FOUND "ErrorItemNotFound"
#define EWS_ERROR_INVALID_ATTACHMENT_ID "ErrorInvalidAttachmentId"
#define EWS_ERROR_INVALID_CHANGE_KEY "ErrorInvalidChangeKey"
#define EWS_ERROR_FOLDER_ID_FOR_ITEM_ID "ErrorCannotUseFolderIdForItemId"
/* FindItem, restrictions, views, extended properties (mailbox-ops spec §2.3, §3.7, §4.6, §8.1) */
#define EWS_ERROR_INVALID_EXTENDED_PROPERTY "ErrorInvalidExtendedProperty"
#define EWS_ERROR_UNSUPPORTED_MAPI_TYPE "ErrorUnsupportedMapiPropertyType"
#define EWS_ERROR_INVALID_VALUE_FOR_PROPERTY "ErrorInvalidValueForProperty"
#define EWS_ERROR_RESTRICTION_TOO_LONG "ErrorRestrictionTooLong"
#define EWS_ERROR_RESTRICTION_TOO_COMPLEX "ErrorRestrictionTooComplex"
#define EWS_ERROR_UNSUPPORTED_PATH_FOR_QUERY "ErrorUnsupportedPathForQuery"
#define EWS_ERROR_UNSUPPORTED_PATH_FOR_SORT "ErrorUnsupportedPathForSortGroup"
#define EWS_ERROR_INVALID_PROPERTY_REQUEST "ErrorInvalidPropertyRequest"
#define EWS_ERROR_INVALID_PROPERTY_FOR_EXISTS "ErrorInvalidPropertyForExists"
#define EWS_ERROR_INVALID_PAGING_MAX_ROWS "ErrorInvalidPagingMaxRows"
#define EWS_ERROR_INVALID_INDEXED_PAGING "ErrorInvalidIndexedPagingParameters"
#define EWS_ERROR_INVALID_FRACTIONAL_PAGING "ErrorInvalidFractionalPagingParameters"
#define EWS_ERROR_UNSUPPORTED_QUERY_FILTER "ErrorUnsupportedQueryFilter"
#define EWS_ERROR_QUERY_FILTER_TOO_LONG "ErrorQueryFilterTooLong"
#define EWS_ERROR_INVALID_OPERATION "ErrorInvalidOperation"
/* FindPeople/GetPersona with a RequestServerVersion older than Exchange2013 (spec §7) */
#define EWS_ERROR_INCORRECT_SCHEMA_VERSION "ErrorIncorrectSchemaVersion"
/* SyncFolderHierarchy / SyncFolderItems (spec §6.4) */
#define EWS_ERROR_INVALID_SYNC_STATE "ErrorInvalidSyncStateData"
#define EWS_ERROR_SYNC_FOLDER_NOT_FOUND "ErrorSyncFolderNotFound"
#define EWS_ERROR_ITEM_ID_FOR_FOLDER_ID "ErrorCannotUseItemIdForFolderId"

/* One response message's outcome: ResponseClass + ResponseCode + MessageText. */
struct ews_status {
	enum ews_class cls;
	const char *code;     /* EWS_* spelling, static */
	const char *text;     /* MessageText (arena or static), NULL on success */
};

/** "Success", "Warning" or "Error". */
const char *ews_class_name(enum ews_class c);
/** Set @p st to Success/NoError. */
void ews_status_ok(struct ews_status *st);
/** Set @p st to Error/@p code with @p text (static or arena memory). */
void ews_status_error(struct ews_status *st, const char *code, const char *text);

/* Server options that change EWS behaviour (set from the command line). */
struct ews_config {
	int hr48_prefers_thumbnail;  /* spec §6.2 step 3 (default on) */
	int photo_max_age;           /* seconds for Expires / Cache-Control */
	const struct exver_profile *profile; /* serve --exchange-version (core/exver.h); NULL = exver_default() */
};

/* Who is asking, and with what; passed to every operation.  What the
 * caller may do is decided by ews/access.h from @c caller alone. */
struct ews_ctx {
	store_t *store;
	struct arena *arena;              /* response memory */
	const struct ews_config *config;
	const struct caller *caller;      /* never NULL for a request (NULL: no rights at all) */
};

#endif
