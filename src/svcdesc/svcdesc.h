/* svcdesc.h - the EWS service description ewsemu serves: Services.wsdl,
 * messages.xsd, types.xsd (spec connect-like-exchange §4, issue 13 item 1).
 *
 * The three documents are generated at build time from wsdl/ (the same
 * files the gSOAP stubs come from; scripts/svcdesc-embed.cmake renames the
 * imports to messages.xsd / types.xsd) and finished once at start-up for
 * the Exchange version profile (core/exver.h): the schema version
 * attributes and whether GetUserPhotoResponse declares m:ContentType.  The
 * WSDL's wsdl:service address is filled in per request with the URL the
 * client used.  A svcdesc is immutable after svcdesc_new(): threads share it.
 */
#ifndef EMU_SVCDESC_SVCDESC_H
#define EMU_SVCDESC_SVCDESC_H

#include <stddef.h>
#include <time.h>

#include "core/arena.h"
#include "core/exver.h"

/** Bytes of a quoted ETag ("\"" + 16 hex digits + "\""), NUL included. */
#define SVCDESC_ETAG_MAX 19
/** Bytes of the soap:address location we write (the EWS URL), NUL excluded;
 * a longer one is refused with EMU_ELIMIT. */
#define SVCDESC_LOCATION_MAX 1024

enum svcdesc_doc {
	SVCDESC_NONE = 0,
	SVCDESC_WSDL,       /* /EWS/Services.wsdl, /EWS/Exchange.asmx[?wsdl] */
	SVCDESC_MESSAGES,   /* /EWS/messages.xsd */
	SVCDESC_TYPES,      /* /EWS/types.xsd */
};

typedef struct svcdesc svcdesc_t;

/** Which document a GET of @p path (@p len bytes, no query) asks for:
 * /ews/services.wsdl, /ews/messages.xsd, /ews/types.xsd, compared
 * case-insensitively (as IIS); anything else SVCDESC_NONE.  Exchange.asmx
 * is the SOAP endpoint's own path: the caller maps its GET to SVCDESC_WSDL. */
enum svcdesc_doc svcdesc_doc_for(const char *path, size_t len);

/** Build the documents for profile @p p (NULL: exver_default()).
 * @return EMU_OK; EMU_ENOMEM; EMU_EINTERNAL when the embedded documents
 *	do not have the shape this module edits (a wsdl/ change it must follow). */
int svcdesc_new(const struct exver_profile *p, svcdesc_t **out);
void svcdesc_free(svcdesc_t *d);

struct svcdesc_answer {
	const char *body;      /* the document; lives in the svcdesc or in the arena */
	size_t len;
	char etag[SVCDESC_ETAG_MAX];   /* quoted, over the exact bytes of body */
	time_t last_modified;  /* when svcdesc_new() built it (a static file's mtime) */
};

/** Document @p doc with, for SVCDESC_WSDL, soap:address location = @p ews_url
 * (XML-escaped here; memory from @p a).
 * @return EMU_OK; EMU_EINVAL @p doc is SVCDESC_NONE or ews_url is NULL for
 *	the WSDL; EMU_ELIMIT @p ews_url is longer than SVCDESC_LOCATION_MAX;
 *	EMU_ENOMEM. */
int svcdesc_get(const svcdesc_t *d, enum svcdesc_doc doc, const char *ews_url, struct arena *a,
                struct svcdesc_answer *out);

/** 1 when the If-None-Match value @p inm (may be NULL) names @p etag ("*",
 * or one of a comma-separated list, W/ prefixes ignored), else 0. */
int svcdesc_etag_matches(const char *inm, const char *etag);

#endif
