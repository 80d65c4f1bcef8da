/* io.h - socket I/O of a connection under gSOAP (http/ internal).
 *
 * gSOAP hands its transport a response in pieces: the header block, then
 * the body (or, for chunked SOAP, a chunk-size line, the chunk and the last
 * chunk), each with its own send() and, with timeouts set, its own select().
 * On loopback every piece is a TCP segment the client must wake up for.
 * These hooks collect a response in the connection's output buffer and send
 * it with one system call when the connection next reads (the client waits
 * for the answer before it asks again), before it closes, or when the
 * buffer is full.  On plain TCP they also drop the select() gSOAP puts in
 * front of every recv() and send(): the socket is made blocking with
 * SO_RCVTIMEO / SO_SNDTIMEO set to the same timeouts, so an idle keep-alive
 * connection still ends after recv_timeout and a stalled client after
 * send_timeout.  TLS connections keep gSOAP's own I/O underneath (buffered
 * the same way: one TLS record per response).
 *
 * The bytes on the wire are unchanged; only how many system calls (and TCP
 * segments) carry them.
 *
 * With serve --record (struct http_conn.recorder set) the same hooks keep a
 * copy of every byte read and sent, bounded by RECORD_CAPTURE_MAX, which
 * io_record_done() turns into a fixture when a request has been answered.
 * Without it they cost one NULL check.
 */
#ifndef EMU_HTTP_IO_H
#define EMU_HTTP_IO_H

#include <stddef.h>

struct soap;

#define IO_OUT_CAP (16u << 10)   /* bytes of a response gathered before sending */

/** Install the send/close hooks on @p soap (a listener context; the
 * connection copies inherit them).  gSOAP's own functions are remembered on
 * the first call.  Contexts whose soap->user is NULL use gSOAP's I/O as is. */
void io_install(struct soap *soap);

/** Prepare the accepted plain-TCP socket of @p soap (soap->user is its
 * struct http_conn) for direct I/O: blocking, with the context's
 * recv_timeout and send_timeout as socket timeouts.  When that fails the
 * connection keeps gSOAP's select()-based I/O (still buffered).  Not for TLS
 * connections. */
void io_direct_start(struct soap *soap);

/** Receive up to @p len bytes for gSOAP (the frecv contract: 0 on EOF,
 * timeout or error, soap->errnum set on errors), after sending any response
 * still gathered. */
size_t io_recv(struct soap *soap, char *buf, size_t len);

/** Send what is gathered.  SOAP_OK, or SOAP_EOF when the peer is gone (the
 * gathered bytes are dropped then). */
int io_flush(struct soap *soap);

/** Flush, then free the connection's output buffer and capture buffers
 * (before soap->user is freed). */
void io_release(struct soap *soap);

/** serve --record: a request has been answered (or the connection ends).
 * Hands the bytes read and sent for it to the connection's recorder
 * (record_exchange_capture) and empties both captures, keeping the bytes
 * of a next, pipelined request already read.  Nothing is recorded when no
 * response was sent or a capture passed RECORD_CAPTURE_MAX.  A no-op when
 * the connection does not record. */
void io_record_done(struct soap *soap);

#endif
