/* outlook_glue.h - the HTTP side of bearer tokens and of the Outlook REST
 * photo API (internal to src/http/): token authentication for every
 * endpoint, reading PUT/PATCH bodies, and writing outlook/'s answers.
 * The decisions live in token/ and outlook/; this file only moves bytes. */
#ifndef EMU_HTTP_OUTLOOK_GLUE_H
#define EMU_HTTP_OUTLOOK_GLUE_H

#include <stddef.h>

struct soap;

/** Authenticate the request's Bearer token (soap->bearer).  Returns 0 when
 * admitted (c->who set with caller_set_bearer()), else the
 * HTTP status to refuse with: 401 (missing key, forged, tampered, expired,
 * unknown user), 403 (an EWS SOAP request whose token's scopes grant less
 * than Basic's rights), 500 (store failure). */
int glue_bearer_auth(struct soap *soap);

/** Is this request's path an Outlook REST API URL (any method)? */
int glue_is_outlook(struct soap *soap);

/** Serve an Outlook REST API request (GET, PUT, PATCH, DELETE); reads the
 * body itself.  Returns SOAP_STOP when answered, or a gSOAP error. */
int glue_outlook(struct soap *soap);

/** Answer a request refused before dispatch with status @p status when this
 * file owns the answer: any refusal of an Outlook URL (JSON error, Bearer
 * challenge) and every 403.  Returns 1 when it answered, 0 to let the
 * caller answer. */
int glue_refuse(struct soap *soap, int status);

/** The Bearer challenge for this request ("Bearer realm=...", with
 * error="invalid_token" after a bad token) into @p out. */
void glue_bearer_challenge(struct soap *soap, char *out, size_t outsz);

#endif
