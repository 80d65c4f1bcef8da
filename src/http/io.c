/* io.c - a connection's socket I/O under gSOAP: responses gathered and sent
 * with one system call, and no select() per call on plain TCP (see io.h). */
#include "http/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include <stdsoap2.h>

#include "core/log.h"
#include "http/conn.h"
#include "record/record.h"

#define CAPTURE_START (16u << 10)   /* first allocation of a capture buffer */

/* gSOAP's own functions, saved once (every context starts with them) */
static int (*g_orig_send)(struct soap *, const char *, size_t);
static size_t (*g_orig_recv)(struct soap *, char *, size_t);
static int (*g_orig_close)(struct soap *);

/* gSOAP's transfer_timeout: the whole request or response, counted from
 * soap->start (set when gSOAP begins to receive or send). */
static int transfer_expired(const struct soap *soap)
{
	if (soap->transfer_timeout == 0)
		return 0;
	double limit = soap->transfer_timeout > 0 ? (double)soap->transfer_timeout
	                                          : -1e-6 * (double)soap->transfer_timeout;
	return difftime(time(NULL), (time_t)soap->start) > limit;
}

/* A gSOAP timeout (> 0 seconds, < 0 microseconds, 0 none) as a socket
 * option value. */
static struct timeval timeout_tv(int t)
{
	struct timeval tv = { 0, 0 };
	if (t > 0)
		tv.tv_sec = t;
	else if (t < 0) {
		tv.tv_sec = -(long)t / 1000000;
		tv.tv_usec = -(long)t % 1000000;
	}
	return tv;
}

/* Write all of @p iov on a blocking socket (SO_SNDTIMEO bounds each stall,
 * like gSOAP's send_timeout). */
static int direct_sendv(struct soap *soap, struct iovec *iov, int n)
{
	soap->errnum = 0;
	while (n > 0) {
		if (transfer_expired(soap))
			return SOAP_EOF;
		struct msghdr m = { .msg_iov = iov, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(soap->socket, &m, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			/* EAGAIN: the send timeout expired; anything else: the peer is gone */
			soap->errnum = w < 0 && errno != EAGAIN && errno != EWOULDBLOCK ? errno : 0;
			return SOAP_EOF;
		}
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return SOAP_OK;
}

/* Send the gathered bytes followed by @p s (may be NULL), as one write on
 * plain TCP.  The buffer is empty afterwards, whatever happened. */
static int send_out(struct soap *soap, struct http_conn *c, const char *s, size_t n)
{
	int rc;
	if (c->direct_io) {
		struct iovec iov[2] = { { c->out, c->out_len }, { (void *)s, s ? n : 0 } };
		rc = direct_sendv(soap, iov, 2);
	} else {
		rc = c->out_len ? g_orig_send(soap, c->out, c->out_len) : SOAP_OK;
		if (rc == SOAP_OK && s && n)
			rc = g_orig_send(soap, s, n);
	}
	c->out_len = 0;
	return rc;
}

/* ---- serve --record: what crossed the socket ------------------------------ */

/* Append @p n bytes to a capture; past RECORD_CAPTURE_MAX (or without
 * memory) the capture stops and this exchange will not be recorded. */
static void capture(struct http_capture *cap, const char *s, size_t n, const char *what)
{
	if (cap->over || n == 0)
		return;
	if (cap->len + n > RECORD_CAPTURE_MAX) {
		LOGW("http", "recording: the %s passed %u bytes; this exchange is not recorded", what, RECORD_CAPTURE_MAX);
		cap->over = 1;
		return;
	}
	if (cap->len + n > cap->cap) {
		size_t nc = cap->cap ? cap->cap : CAPTURE_START;
		while (nc < cap->len + n)
			nc *= 2;
		if (nc > RECORD_CAPTURE_MAX)
			nc = RECORD_CAPTURE_MAX;
		char *p = realloc(cap->data, nc);
		if (!p) {
			LOGW("http", "recording: no memory for the %s; this exchange is not recorded", what);
			cap->over = 1;
			return;
		}
		cap->data = p;
		cap->cap = nc;
	}
	memcpy(cap->data + cap->len, s, n);
	cap->len += n;
}

static void capture_free(struct http_capture *cap)
{
	free(cap->data);
	memset(cap, 0, sizeof *cap);
}

void io_record_done(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (!c || !c->recorder)
		return;
	struct http_capture *in = &c->cap_in, *out = &c->cap_out;
	size_t used = in->len;
	/* the fixture is written before the end of the answer goes out: a client
	 * that sends its next request (on any connection) after this answer finds
	 * this exchange numbered before that one, so files follow request order */
	if (!in->over && !out->over && in->len && out->len)
		record_exchange_capture(c->recorder, in->data, in->len, out->data, out->len, &used);
	io_flush(soap);
	if (in->over || used >= in->len) {
		in->len = 0;
	} else {
		/* a pipelined request already read: it starts the next capture */
		memmove(in->data, in->data + used, in->len - used);
		in->len -= used;
	}
	in->over = 0;
	out->len = 0;
	out->over = 0;
}

/* soap->fsend: gather; send when full. */
static int hook_send(struct soap *soap, const char *s, size_t n)
{
	struct http_conn *c = soap->user;
	if (!c || !soap_valid_socket(soap->socket))
		return g_orig_send(soap, s, n);   /* not a connection of ours (or no longer one) */
	if (n == 0)
		return SOAP_OK;   /* gSOAP's "zero send" after an empty body */
	if (c->recorder)
		capture(&c->cap_out, s, n, "response");
	if (c->out_len + n <= IO_OUT_CAP) {
		if (!c->out && !(c->out = malloc(IO_OUT_CAP)))
			return send_out(soap, c, s, n);   /* no buffer: send at once */
		memcpy(c->out + c->out_len, s, n);
		c->out_len += n;
		return SOAP_OK;
	}
	return send_out(soap, c, s, n);
}

/* soap->fclose: what was gathered goes out before the socket closes. */
static int hook_close(struct soap *soap)
{
	io_flush(soap);
	return g_orig_close(soap);
}

void io_install(struct soap *soap)
{
	if (!g_orig_send) {
		g_orig_send = soap->fsend;
		g_orig_recv = soap->frecv;
		g_orig_close = soap->fclose;
	}
	soap->fsend = hook_send;
	soap->fclose = hook_close;
}

void io_direct_start(struct soap *soap)
{
	struct http_conn *c = soap->user;
	struct timeval rt = timeout_tv(soap->recv_timeout), st = timeout_tv(soap->send_timeout);
	int fl = fcntl(soap->socket, F_GETFL);
	c->direct_io = fl >= 0 && setsockopt(soap->socket, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt) == 0 &&
	               setsockopt(soap->socket, SOL_SOCKET, SO_SNDTIMEO, &st, sizeof st) == 0 &&
	               fcntl(soap->socket, F_SETFL, fl & ~O_NONBLOCK) == 0;
}

/* A read on a connection of ours, plain TCP or TLS. */
static size_t conn_recv(struct soap *soap, struct http_conn *c, char *buf, size_t len)
{
	if (c->out_len && io_flush(soap) != SOAP_OK)
		return 0;   /* the peer is gone: nothing more to read either */
	if (!c->direct_io || !soap_valid_socket(soap->socket))
		return g_orig_recv(soap, buf, len);
	soap->errnum = 0;
	for (;;) {
		if (transfer_expired(soap))
			return 0;
		ssize_t r = recv(soap->socket, buf, len, 0);
		if (r >= 0)
			return (size_t)r;
		if (errno == EINTR)
			continue;
		/* EAGAIN: SO_RCVTIMEO expired (idle keep-alive or a stalled body) */
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			soap->errnum = errno;
		return 0;
	}
}

/* Every byte gSOAP reads from a connection passes here (TLS included):
 * the one place the request side of serve --record is captured. */
size_t io_recv(struct soap *soap, char *buf, size_t len)
{
	struct http_conn *c = soap->user;
	if (!c)
		return g_orig_recv(soap, buf, len);
	size_t n = conn_recv(soap, c, buf, len);
	if (c->recorder)
		capture(&c->cap_in, buf, n, "request");
	return n;
}

int io_flush(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (!c || !c->out_len)
		return SOAP_OK;
	return send_out(soap, c, NULL, 0);
}

void io_release(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (!c)
		return;
	io_flush(soap);
	free(c->out);
	c->out = NULL;
	capture_free(&c->cap_in);
	capture_free(&c->cap_out);
}
