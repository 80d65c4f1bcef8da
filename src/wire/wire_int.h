/* wire_int.h - private to src/wire/: the pieces the parser, the connections
 * and the server share.  Not for other modules (use wire.h). */
#ifndef EMU_WIRE_WIRE_INT_H
#define EMU_WIRE_WIRE_INT_H

#include <stddef.h>

#include <sys/time.h>

#include <openssl/ssl.h>

#include "core/dynbuf.h"
#include "wire/wire.h"

/* Byte classes of RFC 9110 for the parser and the setters: bit 1 tchar
 * (§5.6.2, a token's characters), bit 2 field-vchar / obs-text / SP / HTAB
 * (§5.5, a field value's).  A table: the head scan tests every byte. */
#define WIRE_CC_TCHAR 1
#define WIRE_CC_FIELD 2
extern const unsigned char wire_cclass[256];

static inline int wire_is_tchar(unsigned char c)
{
	return wire_cclass[c] & WIRE_CC_TCHAR;
}

static inline int wire_is_field_char(unsigned char c)
{
	return wire_cclass[c] & WIRE_CC_FIELD;
}

/** body_max as the API takes it (0 = WIRE_BODY_MAX), kept below SIZE_MAX
 * so that body_max + 1 (room for the NUL) cannot overflow. */
size_t wire_body_limit(size_t body_max);

/* How a message's body is delimited (RFC 9112 §6.3). */
enum wire_framing {
	WIRE_BODY_NONE = 0,
	WIRE_BODY_LENGTH,     /* Content-Length bytes */
	WIRE_BODY_CHUNKED,    /* chunked transfer coding */
	WIRE_BODY_EOF         /* a response delimited by the connection's close */
};

/** Scan the head (start line + fields + empty line) at @p b, validating
 * every complete line.  EMU_OK with *head_len; 1 incomplete; EMU_EINVAL;
 * EMU_ELIMIT (head over WIRE_HEAD_MAX, too many fields).  Allocates nothing. */
int wire_head_scan(const unsigned char *b, size_t len, int is_response, size_t *head_len);
/** The status a server answers when wire_head_scan() refused the request
 * head at @p b with @p rc (EMU_EINVAL or EMU_ELIMIT): 414 when the request
 * target (complete or not) is over WIRE_TARGET_MAX, 431 for other limits,
 * 400 for malformed input. */
int wire_head_status(const unsigned char *b, size_t len, int rc);
/** Fill @p m (zeroed by the caller) from a head wire_head_scan() accepted:
 * one allocation holds every string.  EMU_ENOMEM. */
int wire_head_extract(const unsigned char *b, size_t head_len, int is_response, struct wire_msg *m);
/** Decide the framing of @p m's body; *clen for WIRE_BODY_LENGTH (saturates
 * at SIZE_MAX for absurd values, which are over any limit).  EMU_EINVAL for a
 * bad or conflicting Content-Length, or a request Transfer-Encoding other
 * than exactly "chunked" or combined with Content-Length (smuggling). */
int wire_body_framing(const struct wire_msg *m, const char *req_method, enum wire_framing *kind, size_t *clen);

/* An incremental decoder of the chunked transfer coding (RFC 9112 §7.1). */
struct wire_chunked {
	int state;
	size_t size;          /* size of the chunk being read */
	size_t remaining;     /* its data bytes still to come */
	size_t linelen;       /* bytes of the current chunk-size line */
	size_t trailer_len;   /* bytes of trailer fields so far */
};

void wire_chunked_init(struct wire_chunked *d);
/** Feed @p len bytes; decoded data is appended to @p body (at most
 * @p body_max bytes; @p body's own max must be at least that).  Returns 1 when
 * the last chunk and trailers are complete, 0 when more input is needed,
 * EMU_EINVAL / EMU_ELIMIT / EMU_ENOMEM; *used is the bytes consumed. */
int wire_chunked_feed(struct wire_chunked *d, const unsigned char *in, size_t len, size_t *used,
                      struct dynbuf *body, size_t body_max);

/** Move @p b into m->body (NUL-terminated; NULL when empty); @p b is left
 * empty.  EMU_ENOMEM. */
int wire_msg_take_body(struct wire_msg *m, struct dynbuf *b);

/** Append @p m serialised to @p out: the head always, the body when
 * @p with_body (Content-Length is computed from body_len either way, as a
 * response to HEAD needs). */
int wire_serialize_to(const struct wire_msg *m, int with_body, struct dynbuf *out);

/** Whether a field named @p name (any of them) lists @p token in its
 * comma-separated value (case-insensitive), as Connection and Expect do. */
int wire_msg_has_token(const struct wire_msg *m, const char *name, const char *token);

/* ---- connections ---- */

#define WIRE_RBUF_INIT (16 * 1024)

struct wire_conn {
	int fd;
	SSL *ssl;                 /* NULL for plain TCP */
	unsigned char *rbuf;      /* bytes read ahead: rbuf[rpos..rlen) */
	size_t rcap, rpos, rlen;  /* rcap grows up to WIRE_HEAD_MAX */
	struct dynbuf wbuf;       /* reused for serialising output (max SIZE_MAX - 1) */
	long long deadline_ms;    /* CLOCK_MONOTONIC ms after which I/O fails; 0 = none */
	int eof;                  /* the peer closed (or half-closed) its sending side */
	int rfull;                /* the last wire_conn_fill_nowait() filled all the room: more may wait */
	struct timeval rcv_to, snd_to; /* the socket's own timeouts, restored without a deadline */
	int timeo_saved;          /* rcv_to/snd_to hold them: the deadline changed the socket's */
};

/** Wrap a connected socket (plain; set ->ssl afterwards for TLS).  NULL on
 * allocation failure (the socket is not closed then). */
wire_conn_t *wire_conn_wrap(int fd);
/** Wait (the socket's own read timeout) until at least one byte is
 * buffered: 1, or 0 on a clean EOF first, or EMU_EIO (timeout, error). */
int wire_conn_await(wire_conn_t *c);
/** One read into rbuf that never blocks (plain TCP only: the worker pool
 * of wire_server.c): 1 got bytes, 0 clean EOF, WIRE_FILL_NONE nothing to
 * read now, EMU_EIO, EMU_ELIMIT (rbuf full at WIRE_HEAD_MAX), EMU_ENOMEM.
 * c->rfull says whether the read filled all the room it had (then more
 * bytes may be waiting; else the socket was drained). */
#define WIRE_FILL_NONE 2
int wire_conn_fill_nowait(wire_conn_t *c);
/** Whether the deadline of wire_conn_set_deadline() is set and has passed. */
int wire_conn_deadline_passed(const wire_conn_t *c);
/** Server side of the TLS handshake on @p c (c->ssl is created from @p ctx),
 * all of it within @p ms milliseconds however the peer trickles its bytes.
 * EMU_OK; EMU_EIO failure or timeout (logged at debug level). */
int wire_conn_tls_accept(wire_conn_t *c, SSL_CTX *ctx, int ms, const char *peer);
/** Read and parse one head; EMU_ENOTFOUND on a clean EOF before any byte. */
int wire_conn_read_head(wire_conn_t *c, int is_response, struct wire_msg *m);
/** Read the body framed as @p kind into @p m (limit @p body_max, already
 * normalised by wire_body_limit). */
int wire_conn_read_body(wire_conn_t *c, struct wire_msg *m, enum wire_framing kind, size_t clen, size_t body_max);
/** Send @p m (without its body for a response to HEAD) with one write on
 * plain TCP (head and body gathered). */
int wire_conn_send_msg(wire_conn_t *c, const struct wire_msg *m, int with_body);
/** Log the OpenSSL error queue under @p what (debug level unless @p error). */
void wire_log_ssl(int error, const char *what);
/** Ignore SIGPIPE once per process (writes to a closed peer must fail, not
 * kill us; OpenSSL writes with write(2)). */
void wire_ignore_sigpipe(void);

#endif
