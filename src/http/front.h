/* front.h - the live server's HTTP front (internal to src/http/): what a
 * request is once src/wire/ has read it whole, the route table, and the one
 * function that refuses a request.
 *
 * Path of a request:
 *   wire/ (listener, TLS, limits, whole request read)
 *   -> http_front_handle(): the route for method + path (front.c, g_routes)
 *   -> http_authenticate(): the caller, from Basic or Bearer (auth.c)
 *   -> the route's handler: fills the reply from the request value; the
 *      domain decides access (ews/ops, outlook/) and outcomes
 *   -> http_status_for() (status.c) turns the outcome into the HTTP status.
 * A handler never touches a connection: per-connection state (the gSOAP
 * engine) lives in wire's peer->conn_state, owned by the front. */
#ifndef EMU_HTTP_FRONT_H
#define EMU_HTTP_FRONT_H

#include <stddef.h>

#include "core/arena.h"
#include "ews/caller.h"
#include "ews/ews.h"
#include "ews/outcome.h"
#include "http/access_log.h"
#include "http/ident.h"
#include "ntlm/ntlm.h"
#include "http/server.h"
#include "soap/soap_adapter.h"
#include "store/store.h"
#include "svcdesc/svcdesc.h"
#include "wire/wire.h"

#define HTTP_INM_MAX 1024        /* If-None-Match bytes accepted (400 above) */

/* How a refusal on a route is written (the body's language). */
enum http_style {
	HTTP_STYLE_TEXT = 0,     /* text/plain: one line */
	HTTP_STYLE_SOAP,         /* an EWS SOAP fault (faultcode t:Error..., e:ResponseCode) */
	HTTP_STYLE_JSON          /* Outlook REST {"error":{"code","message"}} */
};

/* Why a bearer token was refused (for the WWW-Authenticate error). */
enum http_token_error { HTTP_TOKEN_NONE = 0, HTTP_TOKEN_INVALID, HTTP_TOKEN_EXPIRED };

/* One connection's state (wire peer->conn_state). */
struct http_conn_state {
	soap_engine_t *soap;              /* created by the first SOAP request */
	struct heap_arena heap;           /* request memory of the other routes; freed when the
	                                   * next request begins (the reply may point into it) */
	/* NTLM / Negotiate (http/login.c): the handshake, and after it the
	 * connection's user, as IIS keeps it (authPersistSingleRequest=false) */
	struct ntlm_ctx *ntlm;            /* created by the first NTLM header; freed at connection end */
	char ntlm_user[STORE_ADDR_MAX + 1]; /* authenticated primary address; "" = none */
	int ntlm_is_admin;
};

struct http_front {
	store_t *store;
	const struct server_config *cfg;
	svcdesc_t *svcdesc;               /* the served WSDL/XSDs for cfg->ews.profile (owned) */
	/* issue 13: Exchange's identity (http/ident.h) and the access log */
	struct http_ident ident;
	access_log_t *access_log;         /* NULL: off */
	struct {                          /* s-ip / s-port: set by server_listen (http_front_listener) */
		char ip[ACCESS_LOG_IP_MAX];
		int port;
		_Atomic int ready;
	} listener[2];                    /* [0] HTTP, [1] HTTPS */
};

/* Bytes of an operation name in the access log, NUL included. */
#define HTTP_OP_MAX 64

struct route;

/* One request, read whole, as the handlers see it. */
struct request {
	const struct wire_msg *msg;       /* method, target, headers, body */
	const struct wire_peer *peer;     /* tls, client address */
	const struct route *route;
	const char *path;                 /* msg->target up to '?' (not NUL-terminated there) */
	size_t path_len;
	const char *query;                /* after '?', or NULL */
	const char *if_none_match;        /* raw header or NULL */
	/* the caller (http_authenticate) */
	struct ews_ctx ews;               /* store, config, caller (= &who), arena */
	struct caller who;
	enum http_token_error token_error;
	char locked_out[STORE_ADDR_MAX + 1]; /* refused: this account is locked out (log only); "" */
	struct http_conn_state *conn;
	/* issue 13: identity and access log */
	char request_id[HTTP_REQUEST_ID_LEN + 1]; /* the request-id header and cafeReqId */
	int backend;                      /* a route's handler answered (X-BEServer & co.) */
	struct timespec started;          /* CLOCK_MONOTONIC when the request was taken */
	char op[HTTP_OP_MAX];             /* the operation that ran ("GetItem"), "" none */
	char codes[SOAP_CODES_MAX];       /* its ResponseCode(s) (soap_answer.codes), "" none */
	int substatus;                    /* sc-substatus / sc-win32-status (spec §2.6) */
	unsigned long win32;
	const char *ntlm_challenge;       /* 401 of an NTLM handshake leg: only this WWW-Authenticate */
	const char *ntlm_final;           /* a final Negotiate token for the successful answer; NULL */
};

/** Tell @p f where its HTTP (@p tls 0) or HTTPS listener listens (@p url
 * as wire_server_url gives it), for the access log's s-ip and s-port.
 * Thread-safe against requests already being served. */
void http_front_listener(struct http_front *f, int tls, const char *url);

/** The body of @p rq as sent, or inflated when it came with
 * Content-Encoding gzip, x-gzip or deflate (into rq->ews.arena, at most
 * @p max bytes: a body inflating past that is cut there).  EMU_OK;
 * EMU_EINVAL another encoding; EMU_ENOMEM. */
int http_request_body(const struct request *rq, size_t max, const void **body, size_t *len);

/** Authenticate @p rq: Basic against the store, Bearer against the token
 * key, anonymous when the server allows it.  Fills rq->who (the struct
 * caller of ews/caller.h that rq->ews.caller points at).  Returns 0 when
 * admitted, else the HTTP status to refuse with: 401, 500 (store
 * failure).  What the caller may do is not decided here (ews/access.h). */
int http_authenticate(const struct http_front *f, struct request *rq);

/** Refuse @p rq with @p o: the body in the route's style (@p ews_code for
 * a SOAP fault, the JSON error code for Outlook URLs), the 401 challenge
 * (http_challenge) when @p o is HTTP_OUT_UNAUTHORIZED, one log line.  The
 * connection stays open (the request was read whole).  EMU_OK or
 * EMU_ENOMEM. */
int http_refuse(const struct http_front *f, struct request *rq, enum http_outcome o, const char *ews_code,
                const char *msg, struct wire_msg *reply);

/** The WWW-Authenticate headers of every 401, the same on every endpoint
 * (Outlook REST URLs too): the bare "Negotiate" and "NTLM" (when --auth
 * offers them, one line each), Basic with the realm (when offered), then
 * Bearer (with
 * error="invalid_token" and a description when a bearer token was sent and
 * refused). */
int http_challenge(const struct http_front *f, const struct request *rq, struct wire_msg *reply);

/** Start @p reply: status from @p o, Content-Type @p type (NULL: none), the
 * identity headers every answer carries, @p len body bytes at @p body.
 * The body is not copied (wire_msg_set_body_ref): it must live until wire/
 * has sent the reply, which holds for static text, the request's arena
 * (freed when the connection's next request begins, or at its end) and the
 * connection's gSOAP engine output (kept until its next answer). */
int http_reply(struct wire_msg *reply, enum http_outcome o, const char *type, const void *body, size_t len);

/** The photo cache headers, the one definition: ETag "@p etag", then
 * Cache-Control: private, then Expires (now + @p max_age) unless @p max_age
 * is negative (Outlook REST sends none). */
int http_photo_cache_headers(struct wire_msg *reply, const char *etag, int max_age);

#endif
