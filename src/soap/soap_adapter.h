/* soap_adapter.h - the SOAP side of ewsemu: the only module that includes
 * gSOAP's generated headers.  gSOAP is used here as a (de)serialiser only:
 * a complete request body, already read by src/wire/, is parsed from memory
 * and the response envelope is written into memory.  No gSOAP socket, HTTP
 * parser or callback is involved; the caller (src/http/) speaks HTTP.
 *
 * Adapters map generated request structs to the plain-C operations in
 * src/ews/ops/ and their results back; request-level failures become EWS
 * SOAP faults (spec §1.5).
 *
 * A struct soap_engine is one gSOAP context with its per-request state.  It
 * is not thread-safe: one per connection (or thread), reused for every
 * request on it.  What the ops allocated from soap_engine_arena() lives
 * until soap_engine_end(); the envelope (soap_answer.body) until the
 * engine's next answer begins (or soap_engine_free), so a reply may point
 * at it without a copy.
 *
 * Result codes (core/result.h): EMU_OK; EMU_ENOMEM.  Everything about the
 * request itself (malformed XML, unknown operation, an op's failure) is an
 * answer, not an error code.
 */
#ifndef EMU_SOAP_ADAPTER_H
#define EMU_SOAP_ADAPTER_H

#include <stddef.h>

#include "core/arena.h"
#include "ews/ews.h"
#include "ews/outcome.h"
#include "photo/photo.h"

/** The largest response envelope written (an 8 MiB photo is ~11 MiB of
 * base64; a full ResolveNames with 100 contacts' pictures stays below). */
#define SOAP_ANSWER_MAX (64u << 20)

typedef struct soap_engine soap_engine_t;

/* issue 13: the ResponseCode summary of an answer (struct soap_answer.codes). */
#define SOAP_CODES_DISTINCT 8      /* distinct codes named; more are counted as "+N" */
#define SOAP_CODE_NAME_MAX 64      /* bytes of one code's name, NUL included (longest EWS code: 58) */
#define SOAP_CODES_MAX (SOAP_CODES_DISTINCT * (SOAP_CODE_NAME_MAX + 12) + 16)

/* One answer: what to send, in which outcome (http/status.c maps it to the
 * HTTP status: HTTP_OUT_OK 200; HTTP_OUT_NO_PHOTO 404 with a normal
 * GetUserPhoto body, spec §2.3; HTTP_OUT_SOAP_FAULT 500; or the outcome a
 * caller gave soap_engine_fault()). */
struct soap_answer {
	enum http_outcome outcome;
	const char *body;                 /* the envelope (engine memory, see above); never NULL on EMU_OK */
	size_t len;
	char etag[PHOTO_ETAG_LEN + 1];    /* GetUserPhoto with a photo (or unchanged): its ETag; the
	                                   * photo cache headers apply.  Else "" */
	const char *op;                   /* operation element name for the log ("GetUserPhoto"), or "" */
	/* issue 13: the answer's EWS ResponseCodes for the access log: the
	 * distinct ones in the order they first appear, each with its count
	 * ("NoError:2,ErrorInvalidIdMalformed:1"); a fault's code ("ErrorSchemaValidation:1");
	 * past SOAP_CODES_DISTINCT distinct codes the rest count as "+N" */
	char codes[SOAP_CODES_MAX];
};

/** A new engine (namespace table, UTF-8 strings, limits: maxlevel
 * XML_LIMIT_DEPTH, maxoccurs 10000).  EMU_OK or EMU_ENOMEM. */
int soap_engine_new(soap_engine_t **out);
/** Free @p e and everything it holds (NULL is fine). */
void soap_engine_free(soap_engine_t *e);

/** The request memory of @p e as an arena (soap_malloc): what ops allocate
 * for this answer; freed by soap_engine_end(). */
struct arena *soap_engine_arena(soap_engine_t *e);

/** Parse the SOAP request @p body (@p len bytes; any bytes, not necessarily
 * NUL-terminated) and run its operation for @p ews (store, config, caller;
 * its arena is replaced by this engine's).  @p if_none_match is the raw
 * If-None-Match header or NULL (GetUserPhoto).  The body should have passed
 * soap_body_check() (limits, well-formedness, no DTD); gSOAP parses it with
 * the same depth limit.  Returns EMU_OK with @p out filled (a fault is an
 * answer too), or EMU_ENOMEM. */
int soap_engine_serve(soap_engine_t *e, const struct ews_ctx *ews, const void *body, size_t len,
                      const char *if_none_match, struct soap_answer *out);

/** An EWS fault decided outside the operations (authentication, size limit,
 * a body that is not well-formed): faultcode t:@p ews_code, detail
 * e:ResponseCode / e:Message, with t:ServerVersionInfo; @p outcome is put in
 * out->outcome.  EMU_OK or EMU_ENOMEM. */
int soap_engine_fault(soap_engine_t *e, enum http_outcome outcome, const char *ews_code, const char *message,
                      struct soap_answer *out);

/** Free the ops' memory of the last answer (keeps the engine and the
 * envelope). */
void soap_engine_end(soap_engine_t *e);

/** Bytes of the message soap_body_check() writes. */
#define SOAP_CHECK_MSG_MAX 300

/** Is @p body (@p len bytes) an XML document we may hand to gSOAP?  Checks
 * the XML limits (core/xmllimit.h), then well-formedness and "no DTD" with
 * libxml2 (a SAX pass that builds nothing, loads nothing).  Returns 1 when
 * it is; 0 with @p msg (SOAP_CHECK_MSG_MAX bytes) holding the EWS fault text
 * ("The request failed schema validation: ...") when not.  An empty body
 * passes (gSOAP answers it).  Thread-safe. */
int soap_body_check(const void *body, size_t len, char msg[SOAP_CHECK_MSG_MAX]);

#endif
