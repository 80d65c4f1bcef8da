/* adapter_int.h - private to src/soap/: helpers shared by the per-operation
 * adapter files (adapter.c: photos, ConvertId, faults; adapter_resolve.c:
 * ResolveNames; adapter_items.c: GetItem, GetAttachment and the request
 * checks of batched operations; adapter_folders.c: GetFolder, FindFolder and
 * op_folder -> t:Folder & co.; adapter_contact.c: op_contact -> t:Contact).  Only src/soap/ includes
 * gSOAP's generated headers. */
#ifndef EMU_SOAP_ADAPTER_INT_H
#define EMU_SOAP_ADAPTER_INT_H

#include "soapH.h"

#include "ews/ews.h"
#include "ews/ops/ops.h"
#include "ews/outcome.h"
#include "soap/soap_adapter.h"

/* The engine behind a context (soap->user): the request being answered. */
struct soap_engine {
	struct soap *soap;
	struct arena arena;               /* soap_malloc, freed by soap_engine_end */
	struct ews_ctx ews;               /* the caller's, with arena = &arena */
	const char *if_none_match;        /* GetUserPhoto: raw header or NULL */
	const char *request_version;      /* RequestServerVersion Version (soap memory), NULL: none */
	enum http_outcome outcome;        /* HTTP_OUT_OK unless an adapter says otherwise */
	char etag[PHOTO_ETAG_LEN + 1];    /* GetUserPhoto: the photo's ETag for the cache headers */
	const unsigned char *in;          /* request bytes not yet handed to gSOAP */
	size_t in_left;
	char *out;                        /* the response envelope (heap, grows to SOAP_ANSWER_MAX) */
	size_t out_len, out_cap;
	int out_over;                     /* passed SOAP_ANSWER_MAX */
	/* issue 13: the ResponseCodes written so far (adapter_note_code) */
	struct {
		char name[SOAP_CODE_NAME_MAX];
		unsigned count;
	} codes[SOAP_CODES_DISTINCT];
	int ncodes;
	unsigned codes_more;              /* codes past SOAP_CODES_DISTINCT distinct ones */
};

/** Count @p code among the answer's ResponseCodes (struct soap_answer.codes);
 * @p restart forgets those counted before (a fault replaces the messages). */
void adapter_note_code(struct soap *soap, const char *code, int restart);

/** The op context of this request: caller, store, config, arena. */
const struct ews_ctx *adapter_ctx(struct soap *soap);
/** Put the one t:ServerVersionInfo header on the response (spec §1.2). */
void adapter_version_header(struct soap *soap);
/** XML-escape @p s into soap memory ("" on no memory). */
const char *adapter_xml_escape(struct soap *soap, const char *s);
/** Fill soap->fault in the EWS shape (spec §1.5); returns SOAP_FAULT. */
int adapter_fault(struct soap *soap, const char *code, const char *message);
/** An op could not produce an outcome (store failure, no memory): log and
 * fault with ErrorInternalServerError. */
int adapter_internal_fault(struct soap *soap, const char *op, int rc);
/** ResponseCodeType value for an EWS_* spelling (soap memory). */
enum m__ResponseCodeType *adapter_response_code(struct soap *soap, const char *code);
enum t__ResponseClassType adapter_response_class(enum ews_class c);

/** DescriptiveLinkKey of Error/Warning messages (always 0, spec §1.3). */
extern int adapter_zero;

/* Set ResponseClass, ResponseCode and, unless Success, MessageText and
 * DescriptiveLinkKey on any generated ResponseMessage struct @p m from the
 * struct ews_status @p st. */
#define ADAPTER_SET_STATUS(soap, m, st) do { \
	(m)->ResponseClass = adapter_response_class((st)->cls); \
	(m)->ResponseCode = adapter_response_code((soap), (st)->code); \
	if ((st)->cls != EWS_SUCCESS) { \
		(m)->MessageText = (char *)(st)->text; \
		(m)->DescriptiveLinkKey = &adapter_zero; \
	} \
} while (0)

/** Allocate @p n zeroed objects of @p size in soap memory (NULL on no memory). */
void *adapter_calloc(struct soap *soap, size_t n, size_t size);

struct op_contact;
/** Map @p c (an op_contact from op_contact_from_store / op_contact_from_user)
 * to a t:Contact in soap memory: only the properties in c->props, in schema
 * order (spec §5.4).  NULL on no memory.  Used by GetItem and ResolveNames. */
struct t__ContactItemType *adapter_contact(struct soap *soap, const struct op_contact *c);

struct op_attachment;
/** Map @p a to a t:FileAttachment in soap memory (t:Content only when
 * a->content is set).  NULL on no memory. */
struct t__FileAttachmentType *adapter_file_attachment(struct soap *soap, const struct op_attachment *a);

/* ---- request checks of the batched operations (adapter_items.c) ---- */

/** Fault ErrorSchemaValidation "The request failed schema validation: @p what"
 * (logged); returns SOAP_FAULT. */
int adapter_schema_fault(struct soap *soap, const char *what);
/** Check an id array's size @p n against 1..@p max; SOAP_OK, or a fault
 * naming @p what. */
int adapter_check_count(struct soap *soap, int n, int max, const char *what);
/** The BaseShape @p base of a shape element; SOAP_OK, or a fault. */
int adapter_read_shape(struct soap *soap, enum t__DefaultShapeNamesType base, enum ews_shape *out);
/** How many AdditionalProperties @p paths (NULL: none) holds; SOAP_OK, or a
 * fault above the adapters' maximum. */
int adapter_path_count(struct soap *soap, const struct t__NonEmptyArrayOfPathsToElementType *paths, int *n);
/** FieldURI of AdditionalProperties entry @p i, or NULL for an extended
 * property (not served, ignored like unknown FieldURIs). */
const char *adapter_path_uri(const struct t__NonEmptyArrayOfPathsToElementType *paths, int i);
/** The m:ResponseMessages of a batched response with @p n messages of kind
 * @p selector; NULL on no memory. */
struct m__ArrayOfResponseMessagesType *adapter_messages(struct soap *soap, size_t n, int selector);

/** The Restriction of FindItem and FindFolder (adapter_find.c): @p x (NULL:
 * none, *out NULL) as a raw query.h tree in soap memory, for query_compile().  The walk stops at QUERY_DEPTH_MAX
 * levels and QUERY_NODES_MAX nodes.
 * @return QE_OK; QE_TOO_COMPLEX / QE_TOO_LONG for a limit met (the op
 *	reports it); on no memory soap->error is SOAP_EOM; a Restriction without
 *	a search expression is an ErrorSchemaValidation fault (soap->error set). */
enum query_error adapter_restriction(struct soap *soap, const struct t__RestrictionType *x, struct query_node **out);
/** The paging views of FindItem, FindFolder and FindPeople (adapter_find.c):
 * @p x (not NULL) -> @p v. */
void adapter_indexed_view(const struct t__IndexedPageViewType *x, struct query_view *v);
void adapter_fractional_view(const struct t__FractionalPageViewType *x, struct query_view *v);

/* ---- folders (adapter_folders.c) ---- */

/* FolderIds / ParentFolderIds per request (exchangelib sends at most 100). */
#define ADAPTER_FOLDER_IDS_MAX 100

/** A t:ArrayOfFoldersType in soap memory holding @p n folders @p f, each as
 * the element of its kind (t:Folder, t:CalendarFolder, t:ContactsFolder,
 * t:SearchFolder, t:TasksFolder) with the properties in its props, in
 * schema order; @p n 0 gives the empty container (spec §0.3).  NULL on no
 * memory. */
struct t__ArrayOfFoldersType *adapter_folders(struct soap *soap, const struct op_folder *f, size_t n);
/** The FolderIds/ParentFolderIds @p ids of a request -> @p refs (room for
 * all); SOAP_OK, or a fault. */
int adapter_folder_refs(struct soap *soap, const struct t__NonEmptyArrayOfBaseFolderIdsType *ids,
                        struct op_folder_ref *refs);
/** A t:FolderId in soap memory; NULL on no memory. */
struct t__FolderIdType *adapter_folder_id(struct soap *soap, const char *id, const char *change_key);
/** Folder @p f as the element of its kind (f->kind: struct t__FolderType,
 * t__ContactsFolderType, t__CalendarFolderType, t__TasksFolderType or
 * t__SearchFolderType) in soap memory, with the properties in f->props;
 * NULL on no memory.  Every container of folder elements (m:Folders, the
 * hierarchy sync's Create/Update) stores it under the member of that kind. */
void *adapter_folder_element(struct soap *soap, const struct op_folder *f);

/** time_t copy of unix seconds @p t in soap memory (NULL on no memory). */
time_t *adapter_time(struct soap *soap, int64_t t);
/** int @p i in soap memory (NULL on no memory). */
int *adapter_int(struct soap *soap, int i);
/** xsd:boolean in soap memory (NULL on no memory). */
enum xsd__boolean *adapter_bool(struct soap *soap, int v);

/* ---- item shapes (adapter_items.c) ----------------------------------------------- */

/** Split AdditionalProperties @p paths (@p n entries) into the FieldURI
 * properties (@p props |=) and the ExtendedFieldURIs (@p ext, room for
 * @p n; *n_ext counts).  Unknown FieldURIs are logged and ignored. */
void adapter_shape_paths(struct soap *soap, const struct t__NonEmptyArrayOfPathsToElementType *paths, int n,
                         op_props *props, struct prop_ext_uri *ext, size_t *n_ext);
/** How many AdditionalProperties @p paths holds (0 for NULL); a fault
 * (ErrorSchemaValidation) above the adapter's limit. */
int adapter_path_count(struct soap *soap, const struct t__NonEmptyArrayOfPathsToElementType *paths, int *n);
/** The m:ResponseMessages of a batched response with @p n messages of kind
 * @p selector; NULL on no memory. */
struct m__ArrayOfResponseMessagesType *adapter_messages(struct soap *soap, size_t n, int selector);
/** A fault ErrorSchemaValidation with @p what in its text. */
int adapter_schema_fault(struct soap *soap, const char *what);
/** ShapeBase -> enum ews_shape; 0 or a fault. */
int adapter_read_shape(struct soap *soap, enum t__DefaultShapeNamesType base, enum ews_shape *out);
/* A FolderShape as the folder ops take it (soap memory). */
struct adapter_folder_shape {
	enum ews_shape shape;
	const char **uris;             /* FieldURIs of AdditionalProperties (NULL entries: extended) */
	size_t n_uris;
	struct prop_ext_uri *ext;      /* ExtendedFieldURIs of AdditionalProperties */
	size_t n_ext;
};
/** Read FolderShape @p fs (GetFolder, FindFolder, SyncFolderHierarchy) into
 * @p out; 0 or a fault (no shape, too many paths). */
int adapter_folder_shape(struct soap *soap, const struct t__FolderResponseShapeType *fs,
                         struct adapter_folder_shape *out);
/** The FolderIds of a request -> @p refs (room for all); 0 or a fault. */
int adapter_folder_refs(struct soap *soap, const struct t__NonEmptyArrayOfBaseFolderIdsType *ids,
                        struct op_folder_ref *refs);

/* ---- ExtendedFieldURI (adapter_ext.c, spec §8) ---------------------------------- */

struct prop_ext_uri;
/** The attributes of @p x (NULL: all absent) as a struct prop_ext_uri;
 * strings stay in soap memory. */
void adapter_ext_uri_read(struct soap *soap, const struct t__PathToExtendedFieldType *x, struct prop_ext_uri *u);

/** The t:ExtendedProperty array of the @p n values @p v (an op_contact's or
 * op_folder's) in soap memory; 0, or -1 on no memory. */
int adapter_ext_props(struct soap *soap, const struct op_ext_value *v, int n, int *size,
                      struct t__ExtendedPropertyType **out);

#endif
