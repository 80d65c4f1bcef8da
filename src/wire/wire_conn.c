/* wire_conn.c - one HTTP connection, plain TCP or TLS (OpenSSL 3): buffered
 * reads of whole messages, single-write sends, orderly and abortive close.
 * The client (wire_client.c) and the server (wire_server.c) share it. */
#include "wire/wire_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/log.h"
#include "core/result.h"

#define WBUF_KEEP (256 * 1024)   /* larger output buffers are not kept between messages */

void wire_log_ssl(int error, const char *what)
{
	char buf[256];
	unsigned long e = ERR_get_error();
	if (e)
		ERR_error_string_n(e, buf, sizeof buf);
	if (error)
		LOGW("wire", "%s: %s", what, e ? buf : "connection closed or timed out");
	else
		LOGD("wire", "%s: %s", what, e ? buf : "connection closed or timed out");
	ERR_clear_error();
}

static pthread_once_t g_sigpipe_once = PTHREAD_ONCE_INIT;

static void sigpipe_ignore_now(void)
{
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);
}

void wire_ignore_sigpipe(void)
{
	pthread_once(&g_sigpipe_once, sigpipe_ignore_now);
}

wire_conn_t *wire_conn_wrap(int fd)
{
	wire_conn_t *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->rbuf = malloc(WIRE_RBUF_INIT);
	if (!c->rbuf) {
		free(c);
		return NULL;
	}
	c->rcap = WIRE_RBUF_INIT;
	dynbuf_init(&c->wbuf, SIZE_MAX - 1);
	c->fd = fd;
	return c;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void wire_conn_set_deadline(wire_conn_t *c, int ms)
{
	if (!c)
		return;
	if (ms <= 0 && c->timeo_saved) {   /* conn_bound changed them: give them back */
		setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &c->rcv_to, sizeof c->rcv_to);
		setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &c->snd_to, sizeof c->snd_to);
		c->timeo_saved = 0;
	}
	c->deadline_ms = ms > 0 ? now_ms() + ms : 0;
}

/* With a deadline, bound the next blocking socket call @p opt (SO_RCVTIMEO
 * or SO_SNDTIMEO) by the time left.  -1 (errno ETIMEDOUT) when none is left:
 * the per-call timeout alone lets a peer that trickles a byte at a time hold
 * an exchange forever.  The socket's own timeouts are saved the first time
 * (not when the deadline is set): a server sets one per request head, and a
 * head that came whole in one read costs no extra system call. */
static int conn_bound(wire_conn_t *c, int opt)
{
	if (!c->deadline_ms)
		return 0;
	long long left = c->deadline_ms - now_ms();
	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (!c->timeo_saved) {
		socklen_t l = sizeof(struct timeval);
		if (getsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &c->rcv_to, &l) != 0)
			memset(&c->rcv_to, 0, sizeof c->rcv_to);
		l = sizeof(struct timeval);
		if (getsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &c->snd_to, &l) != 0)
			memset(&c->snd_to, 0, sizeof c->snd_to);
		c->timeo_saved = 1;
	}
	struct timeval tv = { .tv_sec = (time_t)(left / 1000), .tv_usec = (suseconds_t)(left % 1000) * 1000 };
	return setsockopt(c->fd, SOL_SOCKET, opt, &tv, sizeof tv);
}

/* >0 bytes read, 0 clean EOF, -1 error or timeout. */
static ssize_t conn_recv(wire_conn_t *c, void *dst, size_t n)
{
	if (conn_bound(c, SO_RCVTIMEO) != 0) {
		LOGD("wire", "read: the exchange's deadline has passed");
		return -1;
	}
	if (!c->ssl) {
		for (;;) {
			ssize_t r = recv(c->fd, dst, n, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r == 0)
				c->eof = 1;
			return r < 0 ? -1 : r;
		}
	}
	ERR_clear_error();
	int r = SSL_read(c->ssl, dst, n > INT_MAX ? INT_MAX : (int)n);
	if (r > 0)
		return r;
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_ZERO_RETURN || (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0)) {
		c->eof = 1;
		return 0;
	}
	wire_log_ssl(0, "TLS read");
	return -1;
}

/* Read more into rbuf: 1 got bytes, 0 EOF, EMU_EIO, EMU_ELIMIT (the
 * buffer is full of unconsumed bytes at its maximum), EMU_ENOMEM. */
static int conn_room(wire_conn_t *c)
{
	if (c->rpos == c->rlen) {
		c->rpos = c->rlen = 0;
	} else if (c->rlen == c->rcap && c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (c->rlen == c->rcap) {
		if (c->rcap >= WIRE_HEAD_MAX)
			return EMU_ELIMIT;
		size_t cap = c->rcap * 2 > WIRE_HEAD_MAX ? WIRE_HEAD_MAX : c->rcap * 2;
		unsigned char *p = realloc(c->rbuf, cap);
		if (!p)
			return EMU_ENOMEM;
		c->rbuf = p;
		c->rcap = cap;
	}
	return EMU_OK;
}

static int conn_fill(wire_conn_t *c)
{
	int rc = conn_room(c);
	if (rc)
		return rc;
	ssize_t r = conn_recv(c, c->rbuf + c->rlen, c->rcap - c->rlen);
	if (r < 0)
		return EMU_EIO;
	c->rlen += (size_t)r;
	return r > 0;
}

int wire_conn_fill_nowait(wire_conn_t *c)
{
	int rc = conn_room(c);
	if (rc)
		return rc;
	for (;;) {
		ssize_t r = recv(c->fd, c->rbuf + c->rlen, c->rcap - c->rlen, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? WIRE_FILL_NONE : EMU_EIO;
		c->rfull = r > 0 && (size_t)r == c->rcap - c->rlen;
		if (r == 0) {
			c->eof = 1;
			return 0;
		}
		c->rlen += (size_t)r;
		return 1;
	}
}

int wire_conn_await(wire_conn_t *c)
{
	if (c->rpos < c->rlen)
		return 1;
	int rc = conn_fill(c);
	return rc < 0 ? EMU_EIO : rc;
}

int wire_conn_deadline_passed(const wire_conn_t *c)
{
	return c->deadline_ms && now_ms() >= c->deadline_ms;
}

int wire_conn_tls_accept(wire_conn_t *c, SSL_CTX *ctx, int ms, const char *peer)
{
	char what[128];
	long long until = now_ms() + ms;
	int flags = fcntl(c->fd, F_GETFL), rc = EMU_EIO;

	snprintf(what, sizeof what, "TLS handshake from %s", peer);
	if (!(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
		wire_log_ssl(1, "TLS setup");
		return EMU_EIO;
	}
	/* non-blocking, so that the deadline bounds the handshake as a whole:
	 * a per-read timeout lets a peer sending a byte now and then hold it */
	if (flags < 0 || fcntl(c->fd, F_SETFL, flags | O_NONBLOCK) != 0)
		return EMU_EIO;
	for (;;) {
		ERR_clear_error();
		int r = SSL_accept(c->ssl);
		if (r == 1) {
			rc = EMU_OK;
			break;
		}
		int e = SSL_get_error(c->ssl, r);
		long long left = until - now_ms();
		if ((e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) || left <= 0) {
			if (left <= 0)
				LOGD("wire", "%s: not done within %d ms", what, ms);
			else
				wire_log_ssl(0, what);
			break;
		}
		struct pollfd p = { .fd = c->fd, .events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			LOGD("wire", "%s: poll: %s", what, strerror(errno));
			break;
		}
	}
	ERR_clear_error();
	if (fcntl(c->fd, F_SETFL, flags) != 0)
		rc = EMU_EIO;
	return rc;
}

int wire_conn_read_head(wire_conn_t *c, int is_response, struct wire_msg *m)
{
	size_t hl;
	int rc;
	wire_msg_init(m);
	for (;;) {
		size_t avail = c->rlen - c->rpos;
		if (avail) {
			rc = wire_head_scan(c->rbuf + c->rpos, avail, is_response, &hl);
			if (rc == EMU_OK)
				break;
			if (rc < 0)
				return rc;
		}
		rc = conn_fill(c);
		if (rc == 0)
			return avail ? EMU_EIO : EMU_ENOTFOUND;
		if (rc < 0)
			return rc;
	}
	rc = wire_head_extract(c->rbuf + c->rpos, hl, is_response, m);
	if (rc) {
		wire_msg_free(m);
		return rc;
	}
	c->rpos += hl;
	return EMU_OK;
}

static int read_length(wire_conn_t *c, struct dynbuf *b, size_t clen, size_t body_max)
{
	int rc = dynbuf_reserve(b, clen);
	if (rc)
		return rc;
	size_t avail = c->rlen - c->rpos, have = avail < clen ? avail : clen;
	memcpy(b->p, c->rbuf + c->rpos, have);
	c->rpos += have;
	/* the rest straight into the body: no copy through rbuf */
	while (have < clen) {
		ssize_t r = conn_recv(c, b->p + have, clen - have);
		if (r <= 0)
			return EMU_EIO;
		have += (size_t)r;
	}
	return dynbuf_added(b, clen);
}

static int read_chunked(wire_conn_t *c, struct dynbuf *b, size_t body_max)
{
	struct wire_chunked ch;
	wire_chunked_init(&ch);
	for (;;) {
		size_t used = 0, avail = c->rlen - c->rpos;
		if (avail) {
			int rc = wire_chunked_feed(&ch, c->rbuf + c->rpos, avail, &used, b, body_max);
			c->rpos += used;
			if (rc == 1)
				return EMU_OK;
			if (rc < 0)
				return rc;
		}
		int rc = conn_fill(c);
		if (rc == 0)
			return EMU_EIO;
		if (rc < 0)
			return rc;
	}
}

/* @p b's max is body_max + 1: a byte past body_max shows the body is too long */
static int read_to_eof(wire_conn_t *c, struct dynbuf *b, size_t body_max)
{
	size_t avail = c->rlen - c->rpos;
	int rc = avail > body_max ? EMU_ELIMIT : dynbuf_add(b, c->rbuf + c->rpos, avail);
	if (rc)
		return rc;
	c->rpos = c->rlen;
	for (;;) {
		size_t want = b->max - b->len > 16384 ? 16384 : b->max - b->len;
		if ((rc = dynbuf_reserve(b, want)))
			return rc;
		ssize_t r = conn_recv(c, b->p + b->len, want);
		if (r < 0)
			return EMU_EIO;
		if (r == 0)
			return EMU_OK;
		dynbuf_added(b, (size_t)r);
		if (b->len > body_max)
			return EMU_ELIMIT;
	}
}

int wire_conn_read_body(wire_conn_t *c, struct wire_msg *m, enum wire_framing kind, size_t clen, size_t body_max)
{
	struct dynbuf b;
	int rc = EMU_OK;
	dynbuf_init(&b, body_max + 1);   /* body_max is enforced below; + 1 for read_to_eof */
	switch (kind) {
	case WIRE_BODY_NONE:
		return EMU_OK;
	case WIRE_BODY_LENGTH:
		rc = clen > body_max ? EMU_ELIMIT : read_length(c, &b, clen, body_max);
		break;
	case WIRE_BODY_CHUNKED:
		rc = read_chunked(c, &b, body_max);
		break;
	case WIRE_BODY_EOF:
		rc = read_to_eof(c, &b, body_max);
		break;
	}
	if (!rc)
		rc = wire_msg_take_body(m, &b);
	dynbuf_free(&b);
	return rc;
}

int wire_read_msg(wire_conn_t *c, int is_response, const char *req_method, size_t body_max, struct wire_msg *m)
{
	enum wire_framing kind;
	size_t clen;
	body_max = wire_body_limit(body_max);
	int rc = wire_conn_read_head(c, is_response, m);
	if (rc)
		return rc;
	rc = wire_body_framing(m, req_method, &kind, &clen);
	if (!rc)
		rc = wire_conn_read_body(c, m, kind, clen, body_max);
	if (rc)
		wire_msg_free(m);
	return rc;
}

/* ---- writing ---- */

static int send_all(wire_conn_t *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	while (len) {
		if (conn_bound(c, SO_SNDTIMEO) != 0)
			return EMU_EIO;
		if (c->ssl) {
			ERR_clear_error();
			int n = SSL_write(c->ssl, p, len > INT_MAX ? INT_MAX : (int)len);
			if (n <= 0) {
				wire_log_ssl(0, "TLS write");
				return EMU_EIO;
			}
			p += n;
			len -= (size_t)n;
			continue;
		}
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return EMU_EIO;
		p += n;
		len -= (size_t)n;
	}
	return EMU_OK;
}

/* Head and body with one sendmsg (partial writes continue where they stopped). */
static int send_two(wire_conn_t *c, const void *a, size_t alen, const void *b, size_t blen)
{
	struct iovec iov[2] = { { (void *)a, alen }, { (void *)b, blen } };
	struct iovec *v = iov;
	int n = 2;
	while (n > 0) {
		if (conn_bound(c, SO_SNDTIMEO) != 0)
			return EMU_EIO;
		struct msghdr mh = { .msg_iov = v, .msg_iovlen = (size_t)n };
		ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return EMU_EIO;
		while (n > 0 && (size_t)w >= v->iov_len) {
			w -= (ssize_t)v->iov_len;
			v++;
			n--;
		}
		if (n > 0) {
			v->iov_base = (char *)v->iov_base + w;
			v->iov_len -= (size_t)w;
		}
	}
	return EMU_OK;
}

int wire_conn_send_msg(wire_conn_t *c, const struct wire_msg *m, int with_body)
{
	/* TLS: one buffer, so head and body share records; plain: gather */
	int gather = !c->ssl && with_body && m->body_len > 0;
	dynbuf_reset(&c->wbuf);
	int rc = wire_serialize_to(m, with_body && !gather, &c->wbuf);
	if (!rc)
		rc = gather ? send_two(c, c->wbuf.p, c->wbuf.len, m->body, m->body_len)
		            : send_all(c, c->wbuf.p, c->wbuf.len);
	if (c->wbuf.cap > WBUF_KEEP)
		dynbuf_free(&c->wbuf);
	return rc;
}

int wire_write_msg(wire_conn_t *c, const struct wire_msg *m)
{
	return wire_conn_send_msg(c, m, 1);
}

int wire_write_raw(wire_conn_t *c, const void *data, size_t len)
{
	return send_all(c, data, len);
}

static void conn_free(wire_conn_t *c)
{
	if (c->ssl)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	free(c->rbuf);
	dynbuf_free(&c->wbuf);
	free(c);
}

void wire_close(wire_conn_t *c)
{
	if (!c)
		return;
	if (c->ssl) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);   /* send close_notify; do not wait for the peer's */
		ERR_clear_error();
	}
	conn_free(c);
}

void wire_reset(wire_conn_t *c)
{
	if (!c)
		return;
	struct linger lg = { 1, 0 };
	if (c->fd >= 0)
		setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	conn_free(c);
}
