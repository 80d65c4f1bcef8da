/* wire.h - plain HTTP/1.1 messages and connections, without gSOAP.
 *
 * Used by the QA tooling (record proxy, replay server, verify): they must see
 * and send exact HTTP exchanges, which gSOAP hides.  A message is parsed
 * whole (head + body, chunked bodies decoded) into heap memory owned by the
 * struct wire_msg; wire_msg_free() releases it.  Every buffer has a declared
 * maximum: WIRE_HEAD_MAX for the start line plus headers, a caller-given
 * body_max for the body.  No function here aborts on bad input; malformed
 * input is EMU_EINVAL, input over a limit is EMU_ELIMIT.
 *
 * Result codes (core/result.h): EMU_OK; EMU_EINVAL malformed message or
 * URL; EMU_ELIMIT head or body over its maximum; EMU_EIO socket or TLS
 * failure, or the peer closed mid-message; EMU_ENOTFOUND the peer closed
 * cleanly before the first byte of a message (normal end of keep-alive);
 * EMU_ENOMEM.
 */
#ifndef EMU_WIRE_WIRE_H
#define EMU_WIRE_WIRE_H

#include <stddef.h>
#include <time.h>

#define WIRE_HEAD_MAX (64 * 1024)      /* start line + headers */
#define WIRE_HEADERS_MAX 128           /* header fields in one message */
#define WIRE_BODY_MAX (16u << 20)      /* default body limit (same as serve --max-body) */
/* The request target (path + query) a server accepts: 8 KiB as nginx's
 * default large_client_header_buffers; longer gets 414 (wire_parse of a
 * request: EMU_ELIMIT). */
#define WIRE_TARGET_MAX (8 * 1024)

/* Bytes of a message's own store for the short strings its setters copy
 * (reason, header names and values); longer strings, or more, are
 * malloc'd one by one. */
/* (1024 since issue 13: a reply carries Exchange's identity headers too,
 * http/ident.h, about 330 bytes with their NULs.) */
#define WIRE_MSG_SMALL 1024

struct wire_header {
	char *name;
	char *value;                       /* leading/trailing blanks removed */
};

struct wire_msg {
	int is_response;
	/* request */
	char *method;                      /* "GET", "POST", ... */
	char *target;                      /* path + query as sent ("/EWS/Exchange.asmx") */
	/* response */
	int status;
	char *reason;                      /* "OK" */
	int minor;                         /* HTTP/1.<minor> */
	struct wire_header headers[WIRE_HEADERS_MAX];
	int nheaders;
	unsigned char *body;               /* decoded body (no chunk framing); always followed
	                                    * by one extra NUL byte; NULL when empty */
	size_t body_len;
	/* private: a parsed head keeps all its strings (method, target, reason,
	 * header names and values) in this one block, so parsing costs one
	 * allocation; wire_msg_free() frees each string not inside it.  Never
	 * free() a string of a message yourself: use the setters below (a
	 * pointer you put in a field yourself must come from malloc). */
	char *strings;
	size_t strings_len;
	int body_borrowed;                 /* body belongs to someone else (wire_msg_set_body_ref) */
	/* private: the setters copy short strings here rather than into a
	 * malloc of their own (a reply's reason and headers cost no
	 * allocation); like the block above, wire_msg_free() skips them.  A
	 * shallow copy of the struct must not outlive the original. */
	size_t small_len;
	char small[WIRE_MSG_SMALL];
};

/** Zero @p m, minor = 1 (no allocation). */
void wire_msg_init(struct wire_msg *m);
/** Free everything @p m owns and zero it. */
void wire_msg_free(struct wire_msg *m);
/** Deep copy @p src into @p dst (dst is overwritten, not freed first). */
int wire_msg_copy(struct wire_msg *dst, const struct wire_msg *src);

/** The standard reason phrase for @p status ("OK", "Not Found"), "" when
 * unknown; a static string. */
const char *wire_status_text(int status);

/** Set up a request: method and target are copied.  EMU_EINVAL when the
 * method is not a token or the target holds blanks or control bytes. */
int wire_msg_request(struct wire_msg *m, const char *method, const char *target);
/** Set up a response: reason may be NULL (the standard text is used).
 * EMU_EINVAL for a status outside 100..999 or a reason with CR/LF. */
int wire_msg_response(struct wire_msg *m, int status, const char *reason);
/** First header named @p name (case-insensitive), or NULL. */
const char *wire_msg_header(const struct wire_msg *m, const char *name);
/** Replace every header named @p name by one with @p value (copied, blanks
 * trimmed; the first one keeps its place); value NULL removes them.
 * EMU_ELIMIT past WIRE_HEADERS_MAX; EMU_EINVAL when the name is not a token
 * or the value holds CR, LF or NUL (no header injection). */
int wire_msg_set_header(struct wire_msg *m, const char *name, const char *value);
/** Append a header even if one of that name exists (e.g. WWW-Authenticate). */
int wire_msg_add_header(struct wire_msg *m, const char *name, const char *value);
/** Replace the body with a copy of @p len bytes at @p data (NULL/0 empties it).
 * Content-Length is computed on output, never stored here. */
int wire_msg_set_body(struct wire_msg *m, const void *data, size_t len);
/** Make @p len bytes at @p data the body without copying them (a reply
 * whose bytes already sit in memory that outlives it: a handler's
 * per-connection buffers, static text).  The caller keeps ownership and
 * must keep the bytes unchanged until @p m is freed or its body replaced;
 * wire_msg_free() does not free them.  Such a body is not NUL-terminated.
 * NULL/0 empties the body. */
void wire_msg_set_body_ref(struct wire_msg *m, const void *data, size_t len);

/** Parse one message from @p buf.  @p req_method is the method of the request
 * a response answers (HEAD and 304/204/1xx responses have no body); NULL for
 * requests.  On EMU_OK *consumed is the bytes used (the rest may be the next
 * message).  Returns 1 when @p buf holds only the beginning of a message; a
 * response framed by the connection's close (no Content-Length, not
 * chunked) is always incomplete here (see wire_parse_final).  @p m is
 * overwritten (not freed first) and is left empty on anything but EMU_OK.
 * @p body_max 0 means WIRE_BODY_MAX.  Chunked bodies are decoded, trailers
 * skipped.  Limits: EMU_ELIMIT for a head over WIRE_HEAD_MAX, more than
 * WIRE_HEADERS_MAX fields, a request target over WIRE_TARGET_MAX, or a body
 * (declared or decoded) over body_max. */
int wire_parse(const void *buf, size_t len, int is_response, const char *req_method, size_t body_max,
               struct wire_msg *m, size_t *consumed);
/** Like wire_parse(), for a buffer holding everything the peer sent before
 * it closed (a raw capture): a response without Content-Length or chunking
 * takes the rest of the buffer as its body. */
int wire_parse_final(const void *buf, size_t len, int is_response, const char *req_method, size_t body_max,
                     struct wire_msg *m, size_t *consumed);

/** Serialise @p m into a heap buffer (*out, freed by the caller with free();
 * NUL-terminated, the NUL not counted in *outlen): start line, headers except
 * Content-Length / Transfer-Encoding, then Content-Length and the body.
 * Content-Length is omitted for 1xx/204/304 responses and for requests
 * without a body, except POST/PUT/PATCH, which always carry one.
 * EMU_EINVAL when a request lacks method/target or a status is out of range. */
int wire_serialize(const struct wire_msg *m, char **out, size_t *outlen);

/** Is @p name a header that concerns one hop only (RFC 9110 §7.6.1:
 * Connection, Keep-Alive, TE, Trailer, Transfer-Encoding, Upgrade, Proxy-*)
 * or framing that wire_serialize() writes itself (Content-Length)? */
int wire_header_hop_by_hop(const char *name);
/** Is @p name a header that carries credentials (Authorization,
 * Proxy-Authorization, Cookie, Set-Cookie)? */
int wire_header_credential(const char *name);
/** Remove every hop-by-hop header from @p m, and the fields its Connection
 * header names.  EMU_OK or EMU_ENOMEM. */
int wire_msg_strip_hop_by_hop(struct wire_msg *m);
/** The user name of a Basic Authorization header value into @p out (never
 * the password; the decoded bytes are wiped).  EMU_OK; EMU_EINVAL not Basic,
 * bad base64, an empty name or one with control characters; EMU_ELIMIT the
 * name does not fit @p outsz. */
int wire_basic_user(const char *authorization, char *out, size_t outsz);

/* ---- connections ------------------------------------------------------ */

typedef struct wire_conn wire_conn_t;   /* one socket, plain or TLS */

/** A parsed http(s) URL.  path is "" or starts with '/'. */
struct wire_url {
	int tls;
	char host[256];
	int port;
	char path[1024];
};
/** Parse "http://host[:port][/path]" or "https://..."; [v6] hosts allowed
 * (host[] holds them without brackets); the scheme is case-insensitive, a
 * query directly after the authority gets a "/" path, a fragment is dropped,
 * user info is refused.  EMU_EINVAL malformed, EMU_ELIMIT host or path too
 * long for the fields. */
int wire_url_parse(const char *url, struct wire_url *out);

/** Connect to @p u (TLS when u->tls; @p insecure skips certificate checks,
 * as for a self-signed test server).  @p timeout_s bounds connect, each read
 * and each write (0 = 60).  TLS: SNI for host names; unless insecure, the
 * chain is verified against the system store and the host name (or IP
 * literal) against the certificate.  The connection is freed by
 * wire_close().  EMU_EIO when the host does not resolve, the connection
 * fails or the handshake / verification fails (logged). */
int wire_connect(const struct wire_url *u, int insecure, int timeout_s, wire_conn_t **out);
/** Read one whole message (see wire_parse for @p req_method and @p body_max);
 * @p m is overwritten and left empty on failure.  A response framed by the
 * close is read to EOF.  A 1xx interim response is returned as a message of
 * its own.  EMU_ENOTFOUND: the peer closed before the first byte. */
int wire_read_msg(wire_conn_t *c, int is_response, const char *req_method, size_t body_max,
                  struct wire_msg *m);
/** Write @p m as wire_serialize() does. */
int wire_write_msg(wire_conn_t *c, const struct wire_msg *m);
/** Write raw bytes. */
int wire_write_raw(wire_conn_t *c, const void *data, size_t len);
/** Give the reads and writes on @p c from now on one deadline, @p ms
 * milliseconds away (0 or less removes it; NULL is ignored).  Each blocking
 * call is bounded by the time left, so a peer that trickles bytes cannot
 * stretch an exchange past it; once it has passed, reads fail (as a timeout:
 * EMU_EIO from wire_read_msg) and writes fail with EMU_EIO.  Removing the
 * deadline gives the socket back its own per-call timeouts. */
void wire_conn_set_deadline(wire_conn_t *c, int ms);
/** Close and free (NULL is fine). */
void wire_close(wire_conn_t *c);
/** Close abortively (TCP RST: SO_LINGER 0) and free: a "connection reset". */
void wire_reset(wire_conn_t *c);

/** One request on a fresh connection: connect, send @p req (Host header
 * added from @p u when missing), read the response into @p resp (body up to
 * WIRE_BODY_MAX; 1xx interim responses skipped), close.  @p resp is
 * overwritten; the caller frees it with wire_msg_free(). */
int wire_request(const struct wire_url *u, int insecure, int timeout_s, const struct wire_msg *req,
                 struct wire_msg *resp);

/* ---- server ----------------------------------------------------------- */

/* What a handler wants done after it returns. */
enum wire_action {
	WIRE_REPLY = 0,      /* send resp, keep the connection if both sides allow */
	WIRE_REPLY_CLOSE,    /* send resp, then close */
	WIRE_RESET           /* send nothing, reset the connection */
};

struct wire_peer {
	int tls;                           /* the request came over TLS */
	char addr[64];                     /* client address "127.0.0.1:5432" */
	void *conn_state;                  /* the handler's per-connection slot (starts NULL) */
};

/** Called once per request, on a thread of the server: the connection's own,
 * or with a worker pool (struct wire_server_config.workers) a worker's;
 * never for two requests of one connection at once, and always in their
 * order.  @p resp is initialised empty; fill it (wire_msg_response ...).
 * The handler may sleep (latency injection), but with a pool a sleeping
 * handler holds a worker: a server whose handler sleeps runs without one. */
typedef enum wire_action (*wire_handler)(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                         struct wire_msg *resp);
/** Called when a connection ends, to free peer->conn_state (may be NULL). */
typedef void (*wire_conn_end)(void *ctx, struct wire_peer *peer);

/* Defaults of struct wire_server_config (a field left 0 takes them). */
#define WIRE_MAX_CONNECTIONS_DEFAULT 256 /* connections of one listener */
#define WIRE_IDLE_TIMEOUT_DEFAULT 10     /* s: a connection waiting for a request's first byte */
#define WIRE_HEAD_TIMEOUT_DEFAULT 10     /* s: first byte to blank line of one request head */
#define WIRE_HANDSHAKE_TIMEOUT_DEFAULT 10 /* s: the whole TLS handshake */
/* Connections one client address (IP, port ignored) may hold on one
 * listener: half the default global cap, so one address cannot take every
 * slot, and twice the 64 keep-alive connections the benchmark opens. */
#define WIRE_MAX_PER_ADDRESS_DEFAULT 128
/* struct wire_server_config.workers: WIRE_WORKERS_AUTO is one per online
 * CPU (each worker more than the CPUs sleeps and wakes per request: on 2
 * CPUs, 4 workers cost ~0.55 context switches and ~40 % more server CPU per
 * keep-alive 304 than 2 workers' ~0.27, tests/bench/README.md); any count
 * is held within WIRE_WORKERS_MIN..WIRE_WORKERS_MAX. */
#define WIRE_WORKERS_AUTO (-1)
#define WIRE_WORKERS_MIN 2
#define WIRE_WORKERS_MAX 16

struct wire_server_config {
	const char *listen;                /* "HOST:PORT" or "[V6]:PORT"; port 0 = any free */
	const char *cert_file;             /* PEM key + certificate: TLS; NULL = plain HTTP */
	int max_connections;               /* 0 = WIRE_MAX_CONNECTIONS_DEFAULT */
	int idle_timeout;                  /* seconds a connection may wait for the first byte
	                                    * of a request (new or keep-alive); 0 = default */
	size_t body_max;                   /* 0 = WIRE_BODY_MAX; larger bodies get 413 */
	/* added fields: 0 keeps the default, so older initialisers still work */
	int head_timeout;                  /* seconds from a request's first byte to the end of
	                                    * its head; 0 = WIRE_HEAD_TIMEOUT_DEFAULT */
	int handshake_timeout;             /* seconds for the whole TLS handshake; 0 = default */
	int max_per_address;               /* connections per client IP; 0 = default (capped
	                                    * at max_connections) */
	/* The answer to a request wire refuses itself after its head was read
	 * (400 bad framing, 413 body over body_max, 400 body ended early): the
	 * handler's side may write it in the language of the URL (a SOAP
	 * fault on the EWS endpoint).  Called on the connection's thread with
	 * the head (no body), the status and wire's one-line reason; fill
	 * @p resp with that status (Connection: close is added), or leave it
	 * empty for wire's plain-text answer.  NULL = always plain text. */
	void (*refuse)(void *ctx, struct wire_peer *peer, const struct wire_msg *head, int status, const char *reason,
	               struct wire_msg *resp);
	void *refuse_ctx;                  /* refuse's ctx */
	/* 0: a thread per connection.  N > 0 or WIRE_WORKERS_AUTO: plain-HTTP
	 * connections wait in one epoll set and N worker threads serve each
	 * request that arrived whole (head and Content-Length body in what one
	 * non-blocking read brings); a connection that would block a worker
	 * (part of a request, an error to linger over) goes on in a thread of
	 * its own with the same deadlines.  TLS listeners ignore it. */
	int workers;
};

typedef struct wire_server wire_server_t;

/** Bind and start accepting on a thread of its own (thread per connection,
 * or a worker pool: see struct wire_server_config.workers).
 *
 * Connection caps: over max_connections, or over max_per_address from one
 * client IP, a plain listener answers 503 (Retry-After: 1) and closes, a TLS
 * one closes.  Each listener has its own caps, so an HTTP flood does not
 * take HTTPS slots and the other way round.
 *
 * Deadlines (a slow client loses its slot, it cannot hold it by trickling):
 * the TLS handshake must end within handshake_timeout; a connection may wait
 * idle_timeout for the first byte of a request (also between keep-alive
 * requests; then it is closed without an answer); from that first byte the
 * whole head (request line to blank line) must arrive within head_timeout,
 * else 408 (only when no response was sent on the connection yet; a later
 * request just sees the close).  Body reads are bounded per read by
 * idle_timeout.
 *
 * Refused without calling @p h, with the connection closed after the answer:
 * 400 malformed head (control bytes such as NUL in the request line, bare LF,
 * obs-fold, a bad or conflicting Content-Length such as two values or "5, 6",
 * Transfer-Encoding other than "chunked" or together with Content-Length),
 * and a body that ends early (the client closed or half-closed before the
 * declared length or the last chunk: 400 "the request body ended early");
 * 414 a request target over WIRE_TARGET_MAX; 431 a head over WIRE_HEAD_MAX
 * or over WIRE_HEADERS_MAX fields; 413 a body over body_max (from
 * Content-Length before any body byte is read).
 *
 * Pipelining: requests sent back to back are answered in order on the same
 * connection (bytes read past one request are kept for the next).
 * `Expect: 100-continue` is answered before the body is read, unless body
 * bytes already arrived with the head.  HEAD responses are sent without
 * their body.  A handler that leaves resp->status 0 produces a 500.  The
 * connection stays open after any handler answer (4xx included, e.g. a 401
 * challenge) unless the handler returns WIRE_REPLY_CLOSE, the response
 * carries `Connection: close`, or the request asked for a close (or is
 * HTTP/1.0 without keep-alive).
 *
 * Listen "HOST:PORT", "[V6]:PORT", or "*:PORT" / ":PORT" for every IPv4
 * address.  wire_server_url() gives "http://127.0.0.1:PORT" (https:// with
 * TLS) with the real port.  EMU_EINVAL bad listen address or config (a
 * negative field); EMU_EIO bind/listen failure or an unusable certificate
 * file (logged); EMU_ENOMEM. */
int wire_server_start(const struct wire_server_config *cfg, wire_handler h, wire_conn_end end, void *ctx,
                      wire_server_t **out);
const char *wire_server_url(const wire_server_t *s);
/** Stop accepting, let requests in progress finish (idle keep-alive
 * connections are shut at once), wait for every connection thread and its
 * `end` callback, free.  NULL is fine. */
void wire_server_stop(wire_server_t *s);

#define WIRE_DATE_MAX 32   /* bytes of an HTTP date, NUL included */

/** Format @p t as an HTTP date (RFC 9110 §5.6.7 IMF-fixdate, "Sun, 06 Nov
 * 1994 08:49:37 GMT", independent of the locale) into @p out: the one HTTP
 * date of ewsemu (Date, Expires).  Cached per thread for the last second
 * asked. */
void wire_http_date(time_t t, char out[WIRE_DATE_MAX]);

/** Block until SIGINT or SIGTERM (installs the handlers; SIGPIPE ignored).
 * On return SIGINT/SIGTERM are back to their default action, so a second
 * Ctrl-C during shutdown ends the process. */
void wire_wait_for_signal(void);
/** Catch SIGINT/SIGTERM from now on (and ignore SIGPIPE), so that one
 * arriving while servers start - before wire_wait_for_signal() - is not
 * fatal: it ends the next wire_wait_for_signal() at once.  Call it before
 * printing anything that tells a parent the server is up. */
void wire_signal_catch(void);

#endif
