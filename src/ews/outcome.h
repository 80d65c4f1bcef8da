/* outcome.h - what a transport has to express about one request, before
 * anyone speaks HTTP.  rest/, outlook/, soap/ and autodiscover/ answer with
 * one of these; http/status.c is the one table that turns each into an HTTP
 * status (layer 3 of the three error layers). */
#ifndef EMU_EWS_OUTCOME_H
#define EMU_EWS_OUTCOME_H

enum http_outcome {
	HTTP_OUT_OK = 0,
	HTTP_OUT_NOT_MODIFIED,      /* REST-style photo, If-None-Match hit */
	HTTP_OUT_NO_PHOTO,          /* mailbox without photo */
	HTTP_OUT_NO_MAILBOX,        /* REST-style GET: unknown user */
	HTTP_OUT_BAD_REQUEST,       /* bad query parameters, malformed request */
	HTTP_OUT_UNAUTHORIZED,      /* no or wrong credentials */
	HTTP_OUT_FORBIDDEN,
	HTTP_OUT_NOT_FOUND,         /* no such URL */
	HTTP_OUT_METHOD,            /* method not allowed on this URL */
	HTTP_OUT_TOO_LARGE,         /* body over the limit */
	HTTP_OUT_SOAP_FAULT,        /* request-level EWS failure */
	HTTP_OUT_INTERNAL,          /* a bug or store failure */
	HTTP_OUT_BUSY,              /* connection limit reached, or a decode waited too long */
	HTTP_OUT_UNSUPPORTED_MEDIA, /* upload is not a JPEG (Outlook REST PUT/PATCH) */
	HTTP_OUT_NO_CONTENT         /* done, nothing to send (Outlook REST DELETE) */
};

#endif
