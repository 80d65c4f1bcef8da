/* wire_server.c - a small HTTP/1.1 server: one accept thread, a detached
 * thread per connection (capped per listener and per client address),
 * keep-alive, pipelining, optional TLS, deadlines for the TLS handshake and
 * each request head.  Protocol errors are answered here
 * (400/408/413/414/431/503) without calling the handler; everything else
 * goes to the handler, which never touches a socket.
 *
 * With cfg->workers, plain connections start in a worker pool instead: each
 * worker has its own epoll set (edge-triggered), the accept thread deals
 * new connections out in turn, and a worker serves every request of its
 * connections that came whole (head and body in what non-blocking reads
 * brought).  A thread per connection costs a sleep and a wake-up (two
 * context switches) per keep-alive request; a worker goes from one ready
 * connection to the next, and a request costs one recv and one send.  Whatever would block a worker (part of a head or body, an error
 * to linger over) moves the connection to a thread of its own, which then
 * runs the code and deadlines of the thread-per-connection server, so slow
 * clients hold their own thread, never a worker.  The accept thread closes
 * parked connections idle past idle_timeout (shutdown: the worker that gets
 * the event sees the EOF). */
#define _GNU_SOURCE   /* accept4, pipe2 */
#include "wire/wire_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>

#include "core/log.h"
#include "core/result.h"

#define MIN_SEND_TIMEOUT 30
#define DRAIN_MAX (256 * 1024)   /* unread request bytes swallowed before closing */
#define POOL_EVENTS 64            /* epoll events a worker takes at once */
#define SWEEP_MS 1000             /* how often the accept thread looks for idle parked connections */

struct wire_server {
	int lfd;
	int wake[2];                     /* a byte here stops the accept loop */
	pthread_t accept_thread;
	SSL_CTX *ssl_ctx;
	wire_handler handler;
	wire_conn_end end;
	void (*refuse)(void *ctx, struct wire_peer *peer, const struct wire_msg *head, int status, const char *reason,
	               struct wire_msg *resp);
	void *refuse_ctx;
	void *ctx;
	int max_conns, idle_timeout, head_timeout, handshake_timeout, max_per_addr;
	size_t body_max;
	char url[300];

	pthread_mutex_t lock;
	pthread_cond_t idle;             /* signalled when nconns drops to 0 */
	int nconns;
	int *fds;                        /* max_conns slots, -1 when free: wire_server_stop wakes them */
	unsigned char (*ips)[16];        /* per slot: the client's IP (IPv4 as v4-mapped IPv6) */
	struct srv_conn **conns;         /* per slot, with a pool: the sweep reads parked_ms */

	/* the worker pool (cfg->workers, plain HTTP only) */
	struct pool_worker *pool;        /* NULL: a thread per connection */
	int nworkers;                    /* started */
	int max_workers;                 /* pool[] entries */
	int next_worker;                 /* the accept thread's turn */
	int stop[2];                     /* in every epoll set: readable = workers exit */
	long long last_sweep_ms;
};

struct pool_worker {
	struct wire_server *srv;
	pthread_t thread;
	int epfd;
};

struct srv_conn {
	struct wire_server *srv;
	int slot;
	wire_conn_t *c;
	struct wire_peer peer;
	int answered;                    /* responses sent on this connection */
	int epfd;                        /* pool: its worker's epoll set, else -1 */
	_Atomic long long parked_ms;     /* pool: when it was last left waiting for bytes; 0 = being served */
};

enum conn_end { END_CLOSE, END_LINGER, END_RESET };

/* ---- connection threads ---- */

/* Answer a protocol error ourselves; the connection closes afterwards.  The
 * body is @p detail, or the reason phrase when NULL. */
static void send_error(wire_conn_t *c, int status, const char *detail)
{
	char buf[256];
	const char *text = wire_status_text(status), *body = detail ? detail : text;
	int n = snprintf(buf, sizeof buf,
	                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s\n",
	                 status, text, strlen(body) + 1, body);
	if (n > 0 && (size_t)n < sizeof buf)
		wire_write_raw(c, buf, (size_t)n);
}

/* Refuse a request whose head was read: the handler's side writes the
 * answer when it wants to (cfg->refuse), else send_error's plain text. */
static void refuse_request(struct srv_conn *sc, const struct wire_msg *head, int status, const char *detail)
{
	struct wire_server *s = sc->srv;
	if (s->refuse) {
		struct wire_msg resp;
		wire_msg_init(&resp);
		s->refuse(s->refuse_ctx, &sc->peer, head, status, detail ? detail : wire_status_text(status), &resp);
		if (resp.status == status && wire_msg_set_header(&resp, "Connection", "close") == EMU_OK) {
			resp.is_response = 1;
			wire_conn_send_msg(sc->c, &resp, strcasecmp(head->method, "HEAD") != 0);
			wire_msg_free(&resp);
			return;
		}
		wire_msg_free(&resp);
	}
	send_error(sc->c, status, detail);
}

/* Closing with unread request bytes makes the kernel send RST, which can
 * destroy the error response before the client reads it: stop writing,
 * swallow what the client still sends (bounded), then close. */
static void linger_drain(wire_conn_t *c)
{
	char buf[4096];
	struct timeval tv = { .tv_sec = 1 };
	size_t total = 0;
	if (c->ssl) {
		ERR_clear_error();
		SSL_shutdown(c->ssl);
		ERR_clear_error();
	}
	shutdown(c->fd, SHUT_WR);
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	time_t until = time(NULL) + 2;
	while (total < DRAIN_MAX && time(NULL) <= until) {
		ssize_t r = recv(c->fd, buf, sizeof buf, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		total += (size_t)r;
	}
}

static int serve_head(struct srv_conn *sc, struct wire_msg *req, struct wire_msg *resp, enum conn_end *how);

/* Read, dispatch and answer one request.  Returns 1 to keep the connection. */
static int serve_one(struct srv_conn *sc, struct wire_msg *req, struct wire_msg *resp, enum conn_end *how)
{
	struct wire_server *s = sc->srv;
	wire_conn_t *c = sc->c;
	int rc;

	/* idle_timeout (the socket's own) up to the first byte, then the whole
	 * head within head_timeout: trickling cannot hold the slot */
	if (wire_conn_await(c) != 1)
		return 0;   /* closed, idle too long or broken */
	wire_conn_set_deadline(c, s->head_timeout * 1000);
	rc = wire_conn_read_head(c, 0, req);
	int late = rc == EMU_EIO && !c->eof && wire_conn_deadline_passed(c);
	wire_conn_set_deadline(c, 0);
	if (rc == EMU_EINVAL || rc == EMU_ELIMIT) {
		int status = wire_head_status(c->rbuf + c->rpos, c->rlen - c->rpos, rc);
		LOGD("wire", "%s: request head refused with %d", sc->peer.addr, status);
		send_error(c, status, NULL);
		*how = END_LINGER;
		return 0;
	}
	if (late) {
		LOGD("wire", "%s: request head not complete within %d s", sc->peer.addr, s->head_timeout);
		/* a 408 on a connection that was answered before could be taken for
		 * the answer to a request the client has not sent yet */
		if (!sc->answered) {
			send_error(c, 408, NULL);
			*how = END_LINGER;
		}
		return 0;
	}
	if (rc)
		return 0;   /* closed mid-head or broken */
	return serve_head(sc, req, resp, how);
}

/* The request whose head @p req holds (read from the connection): frame and
 * read its body, call the handler, send the answer.  1 to keep the connection. */
static int serve_head(struct srv_conn *sc, struct wire_msg *req, struct wire_msg *resp, enum conn_end *how)
{
	struct wire_server *s = sc->srv;
	wire_conn_t *c = sc->c;
	enum wire_framing kind;
	size_t clen;
	int rc, keep;

	if (wire_body_framing(req, NULL, &kind, &clen)) {
		refuse_request(sc, req, 400, NULL);
		*how = END_LINGER;
		return 0;
	}
	/* RFC 9110 §10.1.1: refuse before the client sends the body */
	if (kind == WIRE_BODY_LENGTH && clen > s->body_max) {
		refuse_request(sc, req, 413, NULL);
		*how = END_LINGER;
		return 0;
	}
	/* RFC 9110 §10.1.1: no 100 when body bytes already came (pipelined) */
	if (kind != WIRE_BODY_NONE && req->minor >= 1 && c->rpos == c->rlen &&
	    wire_msg_has_token(req, "Expect", "100-continue")) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
		if (wire_write_raw(c, cont, sizeof cont - 1))
			return 0;
	}
	rc = wire_conn_read_body(c, req, kind, clen, s->body_max);
	if (rc == EMU_ELIMIT || rc == EMU_EINVAL) {
		refuse_request(sc, req, rc == EMU_ELIMIT ? 413 : 400, NULL);
		*how = END_LINGER;
		return 0;
	}
	if (rc == EMU_EIO && c->eof) {
		/* closed or half-closed (SHUT_WR) mid-body: the client may still read */
		LOGD("wire", "%s: the request body ended early", sc->peer.addr);
		refuse_request(sc, req, 400, "the request body ended early");
		return 0;
	}
	if (rc)
		return 0;
	/* RFC 9112 §9.3: 1.1 persists unless "close"; 1.0 only when asked */
	keep = req->minor >= 1 ? !wire_msg_has_token(req, "Connection", "close")
	                       : wire_msg_has_token(req, "Connection", "keep-alive");

	enum wire_action act = s->handler(s->ctx, &sc->peer, req, resp);
	if (act == WIRE_RESET) {
		*how = END_RESET;
		return 0;
	}
	if (resp->status == 0 && wire_msg_response(resp, 500, NULL))
		return 0;
	resp->is_response = 1;
	if (act == WIRE_REPLY_CLOSE || wire_msg_has_token(resp, "Connection", "close"))
		keep = 0;
	if (!keep)
		rc = wire_msg_set_header(resp, "Connection", "close");
	else
		rc = req->minor == 0 ? wire_msg_set_header(resp, "Connection", "keep-alive") : EMU_OK;
	if (!rc)
		rc = wire_conn_send_msg(c, resp, strcasecmp(req->method, "HEAD") != 0);
	sc->answered++;
	return rc ? 0 : keep;
}

static void untrack(struct wire_server *s, int slot)
{
	pthread_mutex_lock(&s->lock);
	s->fds[slot] = -1;
	if (s->conns)
		s->conns[slot] = NULL;
	pthread_mutex_unlock(&s->lock);
}

/* The end of a connection, on whichever thread served it last. */
static void conn_finish(struct srv_conn *sc, enum conn_end how)
{
	struct wire_server *s = sc->srv;
	wire_conn_t *c = sc->c;
	if (how == END_LINGER)
		linger_drain(c);   /* still tracked: wire_server_stop can cut it short */
	untrack(s, sc->slot);
	if (how == END_RESET)
		wire_reset(c);
	else
		wire_close(c);
	if (s->end)
		s->end(s->ctx, &sc->peer);
	free(sc);
	pthread_mutex_lock(&s->lock);
	if (--s->nconns == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);   /* s may be freed from here on */
}

static void *conn_main(void *arg)
{
	struct srv_conn *sc = arg;
	struct wire_server *s = sc->srv;
	wire_conn_t *c = sc->c;
	enum conn_end how = END_CLOSE;
	struct wire_msg req, resp;

	if (s->ssl_ctx && wire_conn_tls_accept(c, s->ssl_ctx, s->handshake_timeout * 1000, sc->peer.addr))
		goto out;
	for (;;) {
		wire_msg_init(&req);
		wire_msg_init(&resp);
		int keep = serve_one(sc, &req, &resp, &how);
		wire_msg_free(&req);
		wire_msg_free(&resp);
		if (!keep)
			break;
	}
out:
	conn_finish(sc, how);
	return NULL;
}

static int start_thread(pthread_t *t, int detached, void *(*fn)(void *), void *arg);

/* ---- the worker pool ---- */

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The connection waits for its next bytes (or its EOF): the sweep's clock. */
static void pool_park(struct srv_conn *sc)
{
	atomic_store_explicit(&sc->parked_ms, mono_ms() + 1, memory_order_relaxed);   /* never 0 */
}

/* The head of a request that is whole in the read buffer (head and, framed
 * by Content-Length, body) into @p req, consumed from the buffer: 1.  0 when
 * the buffer holds less, or anything the server refuses (the connection's
 * own thread answers those, as without a pool). */
static int pool_take_ready(struct srv_conn *sc, struct wire_msg *req)
{
	wire_conn_t *c = sc->c;
	size_t hl, avail = c->rlen - c->rpos, clen;
	enum wire_framing kind;
	if (!avail || wire_head_scan(c->rbuf + c->rpos, avail, 0, &hl) != EMU_OK)
		return 0;
	if (wire_head_extract(c->rbuf + c->rpos, hl, 0, req) != EMU_OK)
		return 0;
	if (wire_body_framing(req, NULL, &kind, &clen) == EMU_OK &&
	    (kind == WIRE_BODY_NONE || (kind == WIRE_BODY_LENGTH && clen <= sc->srv->body_max && clen <= avail - hl))) {
		c->rpos += hl;
		return 1;
	}
	wire_msg_free(req);
	return 0;
}

static void *linger_main(void *arg)
{
	conn_finish(arg, END_LINGER);
	return NULL;
}

/* A connection that would block a worker goes on in a thread of its own
 * (@p fn: conn_main, or linger_main to close it after an error answer). */
static void pool_handoff(struct srv_conn *sc, void *(*fn)(void *))
{
	pthread_t t;
	epoll_ctl(sc->epfd, EPOLL_CTL_DEL, sc->c->fd, NULL);
	if (start_thread(&t, 1, fn, sc) != 0) {
		LOGW("wire", "cannot start a connection thread");
		conn_finish(sc, END_CLOSE);
	}
}

/* A worker's turn with @p sc: bytes, or the EOF (@p events), arrived.
 * Edge-triggered: the worker reads until the socket is drained (a read that
 * did not fill the buffer's room, or nothing to read) before it leaves the
 * connection waiting; what arrives later is a new event. */
static void pool_serve(struct srv_conn *sc, uint32_t events)
{
	wire_conn_t *c = sc->c;
	enum conn_end how = END_CLOSE;
	struct wire_msg req, resp;
	int fresh = 1, hup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;

	atomic_store_explicit(&sc->parked_ms, 0, memory_order_relaxed);
	for (;;) {
		wire_msg_init(&req);
		if (pool_take_ready(sc, &req)) {
			wire_msg_init(&resp);
			int keep = serve_head(sc, &req, &resp, &how);
			wire_msg_free(&req);
			wire_msg_free(&resp);
			if (keep)
				continue;
			if (how == END_LINGER)
				pool_handoff(sc, linger_main);
			else
				conn_finish(sc, how);
			return;
		}
		size_t had = c->rlen - c->rpos;
		if (!fresh && !had && !c->rfull && !hup) {
			pool_park(sc);   /* drained */
			return;
		}
		fresh = 0;
		int rc = wire_conn_fill_nowait(c);
		if (rc == 1)
			continue;
		if (rc == WIRE_FILL_NONE && !had) {
			pool_park(sc);
			return;
		}
		/* part of a request and no more for now, an early end, a head over
		 * its limit: a thread waits for the rest or answers; else closed */
		if (had && (rc == WIRE_FILL_NONE || rc == 0 || rc == EMU_ELIMIT))
			pool_handoff(sc, conn_main);
		else
			conn_finish(sc, END_CLOSE);
		return;
	}
}

static void *worker_main(void *arg)
{
	struct pool_worker *w = arg;
	struct epoll_event ev[POOL_EVENTS];
	for (;;) {
		int n = epoll_wait(w->epfd, ev, POOL_EVENTS, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++)
			if (!ev[i].data.ptr)
				return NULL;   /* the stop pipe */
		for (int i = 0; i < n; i++)
			pool_serve(ev[i].data.ptr, ev[i].events);
	}
	return NULL;
}

/* Called by the accept thread: shut the read side of connections parked
 * longer than idle_timeout with nothing to read; the worker that gets the
 * event closes them. */
static void pool_sweep(struct wire_server *s)
{
	long long now = mono_ms();
	if (now - s->last_sweep_ms < SWEEP_MS)
		return;
	s->last_sweep_ms = now;
	pthread_mutex_lock(&s->lock);
	for (int i = 0; i < s->max_conns; i++) {
		struct srv_conn *sc = s->conns[i];
		long long since = sc ? atomic_load_explicit(&sc->parked_ms, memory_order_relaxed) : 0;
		int pending = 0;
		/* bytes waiting: a request came and its worker has not got to it
		 * yet (busy with another connection), so the connection is not idle */
		if (since && now - since >= (long long)s->idle_timeout * 1000 &&
		    !(ioctl(s->fds[i], FIONREAD, &pending) == 0 && pending > 0))
			shutdown(s->fds[i], SHUT_RD);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- accepting ---- */

static void format_addr(const struct sockaddr_storage *ss, char *out, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
		snprintf(out, n, "%s:%d", host, port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		snprintf(out, n, "[%s]:%d", host, port);
	} else {
		snprintf(out, n, "?");
	}
}

/* Threads we start do not take SIGINT/SIGTERM: the main thread waits for them. */
static int start_thread(pthread_t *t, int detached, void *(*fn)(void *), void *arg)
{
	pthread_attr_t attr;
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (pthread_attr_init(&attr))
		return -1;
	if (detached)
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = pthread_create(t, &attr, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return rc ? -1 : 0;
}

static void setup_socket(struct wire_server *s, int fd)
{
	int one = 1;
	struct timeval rt = { .tv_sec = s->idle_timeout };
	struct timeval st = { .tv_sec = s->idle_timeout > MIN_SEND_TIMEOUT ? s->idle_timeout : MIN_SEND_TIMEOUT };
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &rt, sizeof rt);
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &st, sizeof st);
}

/* The IP of @p ss as 16 bytes (IPv4 v4-mapped), the key of the per-address cap. */
static void addr_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
	}
}

static void refuse_busy(struct wire_server *s, int fd)
{
	static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 1\r\n"
	                           "Connection: close\r\n\r\n";
	/* a TLS client could not read plain text: it only sees the close */
	if (!s->ssl_ctx && send(fd, busy, sizeof busy - 1, MSG_DONTWAIT | MSG_NOSIGNAL) > 0)
		shutdown(fd, SHUT_WR);
	close(fd);
}

static void handle_accept(struct wire_server *s, int fd, const struct sockaddr_storage *ss)
{
	int slot = -1, same = 0;
	unsigned char key[16];
	addr_key(ss, key);
	pthread_mutex_lock(&s->lock);
	if (s->nconns < s->max_conns) {
		for (int i = 0; i < s->max_conns; i++) {
			if (s->fds[i] < 0) {
				if (slot < 0)
					slot = i;
			} else if (!memcmp(s->ips[i], key, sizeof key)) {
				same++;
			}
		}
		if (same >= s->max_per_addr) {
			slot = -1;
		} else if (slot >= 0) {
			s->fds[slot] = fd;
			memcpy(s->ips[slot], key, sizeof key);
			s->nconns++;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (slot < 0) {
		char who[64];
		format_addr(ss, who, sizeof who);
		if (same >= s->max_per_addr)
			LOGD("wire", "%s: %d connections from that address: refusing", who, same);
		else
			LOGD("wire", "%s: connection limit %d reached: refusing", who, s->max_conns);
		refuse_busy(s, fd);
		return;
	}
	setup_socket(s, fd);
	struct srv_conn *sc = calloc(1, sizeof *sc);
	wire_conn_t *c = sc ? wire_conn_wrap(fd) : NULL;
	pthread_t t;
	if (c) {
		sc->srv = s;
		sc->slot = slot;
		sc->c = c;
		sc->peer.tls = s->ssl_ctx != NULL;
		format_addr(ss, sc->peer.addr, sizeof sc->peer.addr);
		sc->epfd = -1;
		if (s->pool) {
			/* tracked before a worker can see it: the sweep reads conns[] */
			struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.ptr = sc };
			sc->epfd = s->pool[s->next_worker].epfd;
			s->next_worker = (s->next_worker + 1) % s->nworkers;
			pool_park(sc);
			pthread_mutex_lock(&s->lock);
			s->conns[slot] = sc;
			pthread_mutex_unlock(&s->lock);
			if (epoll_ctl(sc->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
				return;
			LOGW("wire", "cannot add a connection to the worker pool: %s", strerror(errno));
		} else if (start_thread(&t, 1, conn_main, sc) == 0) {
			return;
		} else {
			LOGW("wire", "cannot start a connection thread");
		}
		c->fd = -1;
		wire_close(c);
	}
	free(sc);
	untrack(s, slot);
	close(fd);
	pthread_mutex_lock(&s->lock);
	if (--s->nconns == 0)
		pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

static void *accept_main(void *arg)
{
	struct wire_server *s = arg;
	struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN }, { .fd = s->wake[0], .events = POLLIN } };
	for (;;) {
		int n = poll(p, 2, s->pool ? SWEEP_MS : -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (s->pool)
			pool_sweep(s);
		if (n == 0)
			continue;
		if (!(p[0].revents & POLLIN)) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };   /* POLLERR: do not spin */
			nanosleep(&ts, NULL);
			continue;
		}
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				struct timespec ts = { 0, 50 * 1000 * 1000 };   /* out of descriptors: back off */
				nanosleep(&ts, NULL);
			}
			continue;
		}
		handle_accept(s, fd, &ss);
	}
	return NULL;
}

/* ---- start / stop ---- */

/* "HOST:PORT", "[V6]:PORT", "*:PORT", ":PORT" */
static int split_listen(const char *where, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon, *h = where;
	size_t hl;
	if (!where)
		return EMU_EINVAL;
	if (*where == '[') {
		const char *rb = strchr(where, ']');
		if (!rb || rb[1] != ':')
			return EMU_EINVAL;
		h = where + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(where, ':');
		if (!colon || memchr(where, ':', (size_t)(colon - where)))
			return EMU_EINVAL;
		hl = (size_t)(colon - where);
	}
	size_t pl = strlen(colon + 1);
	if (hl >= hn || pl == 0 || pl >= pn || strspn(colon + 1, "0123456789") != pl)
		return EMU_EINVAL;
	memcpy(host, h, hl);
	host[hl] = 0;
	memcpy(port, colon + 1, pl + 1);
	if (!strcmp(host, "*") || !host[0])
		snprintf(host, hn, "0.0.0.0");
	return strtol(port, NULL, 10) > 65535 ? EMU_EINVAL : EMU_OK;
}

static int open_listener(struct wire_server *s, const char *where)
{
	char host[256], port[8], addr[INET6_ADDRSTRLEN];
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		                  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	int one = 1, g;

	if (split_listen(where, host, sizeof host, port, sizeof port)) {
		LOGE("wire", "bad listen address '%s' (HOST:PORT or [V6]:PORT)", where ? where : "");
		return EMU_EINVAL;
	}
	if ((g = getaddrinfo(host, port, &hints, &res)) != 0) {
		LOGE("wire", "cannot resolve listen address %s: %s", where, gai_strerror(g));
		return EMU_EINVAL;
	}
	for (struct addrinfo *ai = res; ai && s->lfd < 0; ai = ai->ai_next) {
		int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, SOMAXCONN) == 0)
			s->lfd = fd;
		else
			close(fd);
	}
	freeaddrinfo(res);
	if (s->lfd < 0) {
		LOGE("wire", "cannot listen on %s: %s", where, strerror(errno));
		return EMU_EIO;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(s->lfd, (struct sockaddr *)&ss, &sl) != 0)
		return EMU_EIO;
	const char *scheme = s->ssl_ctx ? "https" : "http";
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		if (IN6_IS_ADDR_UNSPECIFIED(&a->sin6_addr))
			snprintf(addr, sizeof addr, "::1");
		else
			inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
		snprintf(s->url, sizeof s->url, "%s://[%s]:%d", scheme, addr, ntohs(a->sin6_port));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		if (a->sin_addr.s_addr == htonl(INADDR_ANY))
			snprintf(addr, sizeof addr, "127.0.0.1");
		else
			inet_ntop(AF_INET, &a->sin_addr, addr, sizeof addr);
		snprintf(s->url, sizeof s->url, "%s://%s:%d", scheme, addr, ntohs(a->sin_port));
	}
	return EMU_OK;
}

static SSL_CTX *server_ctx(const char *pem)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		goto fail;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
	/* key and certificate in one PEM file, as http/tls.c writes it */
	if (SSL_CTX_use_certificate_chain_file(ctx, pem) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, pem, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1)
		goto fail;
	return ctx;
fail:;
	char what[300];
	snprintf(what, sizeof what, "TLS certificate %s", pem);
	wire_log_ssl(1, what);
	SSL_CTX_free(ctx);
	return NULL;
}

/* Stop, join and free the workers (every connection has ended: none
 * holds one). */
static void pool_stop(struct wire_server *s)
{
	char b = 1;
	if (s->nworkers > 0)
		while (write(s->stop[1], &b, 1) < 0 && errno == EINTR)
			;
	for (int i = 0; i < s->nworkers; i++)
		pthread_join(s->pool[i].thread, NULL);
	s->nworkers = 0;
	for (int i = 0; s->pool && i < s->max_workers; i++)
		if (s->pool[i].epfd >= 0)
			close(s->pool[i].epfd);
	free(s->pool);
	s->pool = NULL;
}

/* cfg->workers threads (WIRE_WORKERS_AUTO: from the CPUs), each with its
 * epoll set. */
static int pool_start(struct wire_server *s, int workers)
{
	if (workers == WIRE_WORKERS_AUTO) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		workers = cpus > 0 && cpus < WIRE_WORKERS_MAX ? (int)cpus : WIRE_WORKERS_MAX;
	}
	if (workers < WIRE_WORKERS_MIN)
		workers = WIRE_WORKERS_MIN;
	if (workers > WIRE_WORKERS_MAX)
		workers = WIRE_WORKERS_MAX;
	if (pipe2(s->stop, O_CLOEXEC) != 0)
		return EMU_EIO;
	if (!(s->pool = calloc((size_t)workers, sizeof *s->pool)) ||
	    !(s->conns = calloc((size_t)s->max_conns, sizeof *s->conns)))
		return EMU_ENOMEM;
	s->max_workers = workers;
	for (int i = 0; i < workers; i++)
		s->pool[i].epfd = -1;
	for (int i = 0; i < workers; i++) {
		struct pool_worker *w = &s->pool[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };   /* level-triggered: stays readable */
		w->srv = s;
		if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, s->stop[0], &ev) != 0)
			return EMU_EIO;
	}
	for (; s->nworkers < workers; s->nworkers++)
		if (start_thread(&s->pool[s->nworkers].thread, 0, worker_main, &s->pool[s->nworkers]) != 0)
			return EMU_EIO;
	return EMU_OK;
}

static void server_free(struct wire_server *s)
{
	pool_stop(s);
	for (int i = 0; i < 2; i++)
		if (s->stop[i] >= 0)
			close(s->stop[i]);
	free(s->conns);
	if (s->lfd >= 0)
		close(s->lfd);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	SSL_CTX_free(s->ssl_ctx);
	pthread_cond_destroy(&s->idle);
	pthread_mutex_destroy(&s->lock);
	free(s->fds);
	free(s->ips);
	free(s);
}

int wire_server_start(const struct wire_server_config *cfg, wire_handler h, wire_conn_end end, void *ctx,
                      wire_server_t **out)
{
	int rc = EMU_ENOMEM;
	*out = NULL;
	if (!cfg || !h || cfg->max_connections < 0 || cfg->idle_timeout < 0 || cfg->head_timeout < 0 ||
	    cfg->handshake_timeout < 0 || cfg->max_per_address < 0 || cfg->workers < WIRE_WORKERS_AUTO)
		return EMU_EINVAL;
	wire_ignore_sigpipe();
	struct wire_server *s = calloc(1, sizeof *s);
	if (!s)
		return EMU_ENOMEM;
	s->lfd = s->wake[0] = s->wake[1] = s->stop[0] = s->stop[1] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	s->handler = h;
	s->end = end;
	s->refuse = cfg->refuse;
	s->refuse_ctx = cfg->refuse_ctx;
	s->ctx = ctx;
	s->max_conns = cfg->max_connections ? cfg->max_connections : WIRE_MAX_CONNECTIONS_DEFAULT;
	s->idle_timeout = cfg->idle_timeout ? cfg->idle_timeout : WIRE_IDLE_TIMEOUT_DEFAULT;
	s->head_timeout = cfg->head_timeout ? cfg->head_timeout : WIRE_HEAD_TIMEOUT_DEFAULT;
	s->handshake_timeout = cfg->handshake_timeout ? cfg->handshake_timeout : WIRE_HANDSHAKE_TIMEOUT_DEFAULT;
	s->max_per_addr = cfg->max_per_address ? cfg->max_per_address : WIRE_MAX_PER_ADDRESS_DEFAULT;
	if (s->max_per_addr > s->max_conns)
		s->max_per_addr = s->max_conns;
	s->body_max = wire_body_limit(cfg->body_max);
	if (!(s->fds = malloc((size_t)s->max_conns * sizeof *s->fds)) ||
	    !(s->ips = calloc((size_t)s->max_conns, sizeof *s->ips)))
		goto fail;
	for (int i = 0; i < s->max_conns; i++)
		s->fds[i] = -1;
	if (cfg->cert_file && !(s->ssl_ctx = server_ctx(cfg->cert_file))) {
		rc = EMU_EIO;
		goto fail;
	}
	if ((rc = open_listener(s, cfg->listen)))
		goto fail;
	/* TLS keeps a thread per connection: OpenSSL buffers records the epoll set cannot see */
	if (cfg->workers && !s->ssl_ctx && (rc = pool_start(s, cfg->workers)))
		goto fail;
	if (pipe2(s->wake, O_CLOEXEC) != 0 || start_thread(&s->accept_thread, 0, accept_main, s) != 0) {
		rc = EMU_EIO;
		goto fail;
	}
	*out = s;
	return EMU_OK;
fail:
	server_free(s);
	return rc;
}

const char *wire_server_url(const wire_server_t *s)
{
	return s ? s->url : "";
}

void wire_server_stop(wire_server_t *s)
{
	if (!s)
		return;
	char b = 1;
	while (write(s->wake[1], &b, 1) < 0 && errno == EINTR)
		;
	pthread_join(s->accept_thread, NULL);
	close(s->lfd);
	s->lfd = -1;
	pthread_mutex_lock(&s->lock);
	/* idle keep-alives see EOF at once; a request in progress still gets
	 * its response (only the read side is shut) */
	for (int i = 0; i < s->max_conns; i++)
		if (s->fds[i] >= 0)
			shutdown(s->fds[i], SHUT_RD);
	while (s->nconns > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
	server_free(s);   /* the workers too */
}
