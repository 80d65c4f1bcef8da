/* conn.h - per-connection and per-request state shared by the HTTP layer
 * and the SOAP adapter (hung on soap->user).  Plain data; the gSOAP engine
 * types appear only as an opaque pointer. */
#ifndef EMU_HTTP_CONN_H
#define EMU_HTTP_CONN_H

#include <time.h>

#include "ews/ews.h"
#include "http/xmlcheck.h"
#include "store/store.h"

#define HTTP_INM_MAX 1024        /* If-None-Match header bytes kept */
#define HTTP_EXTRA_MAX 1024      /* response extra header bytes */

struct http_server;
struct server_config;
struct recorder;   /* record/record.h */

/* serve --record: the raw bytes of one direction of the exchange in
 * progress (http/io.c), bounded by RECORD_CAPTURE_MAX. */
struct http_capture {
	char *data;
	size_t len, cap;
	int over;                    /* passed the maximum: this exchange is not recorded */
};

/* Outcomes the transport must express; http/status.c maps each to an HTTP
 * status (the one place that decides HTTP statuses). */
enum http_outcome {
	HTTP_OUT_OK = 0,
	HTTP_OUT_NOT_MODIFIED,      /* REST-style photo, If-None-Match hit */
	HTTP_OUT_NO_PHOTO,          /* mailbox without photo */
	HTTP_OUT_NO_MAILBOX,        /* REST-style GET: unknown user */
	HTTP_OUT_BAD_REQUEST,       /* bad query parameters */
	HTTP_OUT_UNAUTHORIZED,      /* no or wrong credentials */
	HTTP_OUT_FORBIDDEN,
	HTTP_OUT_NOT_FOUND,         /* no such URL */
	HTTP_OUT_METHOD,            /* method not allowed on this URL */
	HTTP_OUT_TOO_LARGE,         /* body over the limit */
	HTTP_OUT_SOAP_FAULT,        /* request-level EWS failure */
	HTTP_OUT_INTERNAL,          /* a bug or store failure */
	HTTP_OUT_BUSY,              /* connection limit reached */
	HTTP_OUT_UNSUPPORTED_MEDIA, /* upload is not a JPEG (Outlook REST PUT/PATCH) */
	HTTP_OUT_NO_CONTENT         /* done, nothing to send (Outlook REST DELETE) */
};

/* Why a bearer token was refused (for the WWW-Authenticate error). */
enum http_token_error { HTTP_TOKEN_NONE = 0, HTTP_TOKEN_INVALID, HTTP_TOKEN_EXPIRED };

struct http_conn {
	struct http_server *srv;
	struct ews_ctx ews;          /* store, config, caller, arena for the ops */
	struct arena arena;          /* this connection's gSOAP request memory */
	int tls;
	int slot;                    /* in the server's socket table */
	/* socket I/O (http/io.c): a response is gathered here and sent whole */
	char *out;                   /* IO_OUT_CAP bytes, allocated on first use */
	size_t out_len;
	int direct_io;               /* plain TCP: blocking socket with timeouts, no select() */
	/* per request; reset by the parse hook */
	int has_inm;
	char inm[HTTP_INM_MAX];      /* If-None-Match as gSOAP hands it (quotes stripped) */
	long long content_length;    /* -1 when absent */
	long long body_remaining;    /* body bytes not yet read; -1 = no limit */
	int headers_done;            /* this request's headers were read */
	int refused;                 /* this request was answered during parsing */
	int early_error;             /* HTTP status to refuse with once headers are read */
	int xml_active;              /* body bytes still go through the checker */
	int chunked;                 /* this SOAP body comes chunked (checked as gSOAP de-chunks it) */
	int inflated;                /* ... or compressed (checked as gSOAP inflates it) */
	int body_ended;              /* the chunked body's last chunk was read */
	struct xmlcheck xml;         /* well-formedness of this request's body */
	int fault_keep_alive;        /* keep-alive count to restore around a fault */
	int status_override;         /* HTTP status for a normal SOAP body (e.g. 404) */
	struct caller who;           /* this request's caller (ews/caller.h); ews.caller points here */
	char caller[STORE_ADDR_MAX + 1]; /* the locked-out account's name (for the log line only) */
	int locked_out;              /* refused because the account is locked out (for the log line) */
	int token_error;             /* enum http_token_error of a refused token */
	char extra[HTTP_EXTRA_MAX];  /* extra response headers, "\r\n"-separated */
	char request_id[40];
	/* serve --record (http/io.c): NULL = not recording, nothing captured */
	struct recorder *recorder;
	struct http_capture cap_in;  /* bytes read since the last request ended */
	struct http_capture cap_out; /* bytes of the response(s) sent since then */
};

#define HTTP_DATE_MAX 64         /* bytes of a formatted HTTP date, NUL included */

/** Format @p t as an HTTP date ("Sun, 06 Nov 1994 08:49:37 GMT") into
 * @p out (http/date.c; cached per thread for the current second). */
void http_date(time_t t, char out[HTTP_DATE_MAX]);

/** The configuration of the server @p srv (server.c). */
const struct server_config *http_server_config(const struct http_server *srv);

/** Bytes of http_refusal_note()'s buffer: the longest quoted user name
 * (http/auth.h AUTH_LOG_NAME_MAX + 3) and the words around it. */
#define HTTP_REFUSAL_NOTE_MAX 128

/** What the log line of a refused request adds after its text: " (account
 * 'x' locked out)" when @p c was refused for a lockout, else "" (server.c).
 * @p buf has HTTP_REFUSAL_NOTE_MAX bytes; returns @p buf or "". */
const char *http_refusal_note(const struct http_conn *c, char *buf, size_t bufsz);

/** HTTP status for @p o (http/status.c: the one table). */
int http_status_for(enum http_outcome o);
/** Reason text for the log and plain-text bodies. */
const char *http_outcome_text(enum http_outcome o);

#endif
