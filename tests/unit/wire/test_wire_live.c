/* test_wire_live.c - wire/ over real loopback sockets: the server (keep-alive,
 * pipelining, HEAD, chunked requests, 100-continue, 400/413/431/500/503,
 * WIRE_RESET, HTTP/1.0, idle timeout, stop with idle connections), the
 * client (wire_connect, wire_request, responses framed by close or chunked
 * from a scripted raw server) and TLS with a throwaway self-signed
 * certificate.  Hostile clients: a trickled head (408) or TLS handshake
 * cut at its deadline, the per-address cap, a body cut short by a
 * half-close (400), a 401 that keeps the connection.  Every test runs
 * twice: with a thread per connection and with a worker pool (workers = 2,
 * WIRE_WORKERS_MIN); test_pool_not_held adds what only the pool must hold. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core/result.h"
#include "wire/wire.h"

static int g_workers;   /* struct wire_server_config.workers of this pass */

struct live {
	atomic_int handled;   /* handler calls */
	atomic_int ends;      /* end callbacks */
};

struct conn_count {
	int requests;
};

static enum wire_action echo(void *ctx, struct wire_peer *peer, const struct wire_msg *req, struct wire_msg *resp)
{
	struct live *L = ctx;
	struct conn_count *st = peer->conn_state;
	char n[16];
	atomic_fetch_add(&L->handled, 1);
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st)
			return WIRE_RESET;
		peer->conn_state = st;
	}
	st->requests++;
	if (!strcmp(req->target, "/reset"))
		return WIRE_RESET;
	if (!strcmp(req->target, "/busy")) {   /* holds its thread (a worker, with a pool) */
		struct timespec busy = { 2, 500 * 1000 * 1000 };
		nanosleep(&busy, NULL);
	}
	if (!strcmp(req->target, "/nothing"))
		return WIRE_REPLY;   /* status left 0: the server answers 500 */
	if (!strcmp(req->target, "/401")) {   /* a challenge, as IIS sends it: the connection stays */
		wire_msg_response(resp, 401, NULL);
		wire_msg_add_header(resp, "WWW-Authenticate", "Basic realm=\"x\"");
		wire_msg_set_body(resp, "Unauthorized", 12);
		return WIRE_REPLY;
	}
	wire_msg_response(resp, 200, NULL);
	snprintf(n, sizeof n, "%d", st->requests);
	wire_msg_set_header(resp, "X-Request-Number", n);
	wire_msg_set_header(resp, "X-Method", req->method);
	wire_msg_set_header(resp, "X-TLS", peer->tls ? "1" : "0");
	wire_msg_set_header(resp, "X-Peer", peer->addr);
	if (!strcmp(req->target, "/ten"))
		wire_msg_set_body(resp, "0123456789", 10);
	else
		wire_msg_set_body(resp, req->body, req->body_len);
	return !strcmp(req->target, "/close") ? WIRE_REPLY_CLOSE : WIRE_REPLY;
}

static void on_end(void *ctx, struct wire_peer *peer)
{
	struct live *L = ctx;
	free(peer->conn_state);
	peer->conn_state = NULL;
	atomic_fetch_add(&L->ends, 1);
}

static wire_server_t *start(struct live *L, const char *cert, int max_conns, int idle, size_t body_max,
                            struct wire_url *u)
{
	struct wire_server_config cfg = { .listen = "127.0.0.1:0", .cert_file = cert, .max_connections = max_conns,
		                          .idle_timeout = idle, .body_max = body_max, .workers = g_workers };
	wire_server_t *s = NULL;
	assert_int_equal(wire_server_start(&cfg, echo, on_end, L, &s), EMU_OK);
	assert_int_equal(wire_url_parse(wire_server_url(s), u), EMU_OK);
	assert_string_equal(u->host, "127.0.0.1");
	assert_true(u->port > 0);
	assert_int_equal(u->tls, cert != NULL);
	return s;
}

static void request(wire_conn_t *c, const char *method, const char *target, const char *body, struct wire_msg *resp)
{
	struct wire_msg req;
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, method, target), EMU_OK);
	assert_int_equal(wire_msg_set_header(&req, "Host", "test"), EMU_OK);
	if (body)
		assert_int_equal(wire_msg_set_body(&req, body, strlen(body)), EMU_OK);
	assert_int_equal(wire_write_msg(c, &req), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, method, 0, resp), EMU_OK);
	wire_msg_free(&req);
}

static void expect_number(const struct wire_msg *m, const char *n)
{
	const char *v = wire_msg_header(m, "X-Request-Number");
	assert_non_null(v);
	assert_string_equal(v, n);
}

/* Send raw bytes on a fresh connection and read one response. */
static int raw_exchange(const struct wire_url *u, const char *raw, struct wire_msg *resp, wire_conn_t **keep)
{
	wire_conn_t *c;
	assert_int_equal(wire_connect(u, 1, 5, &c), EMU_OK);
	assert_int_equal(wire_write_raw(c, raw, strlen(raw)), EMU_OK);
	int rc = wire_read_msg(c, 1, "POST", 0, resp);
	if (keep)
		*keep = c;
	else
		wire_close(c);
	return rc;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_keep_alive(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c, *idle;
	wire_server_t *s = start(&L, NULL, 0, 5, 1024, &u);

	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	request(c, "POST", "/EWS/Exchange.asmx", "<hello/>", &r);
	assert_int_equal(r.status, 200);
	expect_number(&r, "1");
	assert_int_equal(r.body_len, 8);
	assert_string_equal((char *)r.body, "<hello/>");
	assert_string_equal(wire_msg_header(&r, "X-TLS"), "0");
	assert_int_equal(strncmp(wire_msg_header(&r, "X-Peer"), "127.0.0.1:", 10), 0);
	wire_msg_free(&r);
	/* same connection: the handler's per-connection state counts on */
	request(c, "GET", "/two", NULL, &r);
	expect_number(&r, "2");
	assert_string_equal(wire_msg_header(&r, "Content-Length"), "0");
	assert_null(wire_msg_header(&r, "Connection"));
	wire_msg_free(&r);
	/* HEAD: the length of the body, but no body bytes on the wire */
	request(c, "HEAD", "/ten", NULL, &r);
	assert_string_equal(wire_msg_header(&r, "Content-Length"), "10");
	assert_null(r.body);
	wire_msg_free(&r);
	request(c, "GET", "/ten", NULL, &r);
	expect_number(&r, "4");
	assert_string_equal((char *)r.body, "0123456789");
	wire_msg_free(&r);
	/* a chunked request, pipelined with a second one */
	static const char two[] = "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
	                          "5\r\nhello\r\n6;x=y\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n"
	                          "POST /d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
	assert_int_equal(wire_write_raw(c, two, sizeof two - 1), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, "POST", 0, &r), EMU_OK);
	expect_number(&r, "5");
	assert_string_equal((char *)r.body, "hello world");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(c, 1, "POST", 0, &r), EMU_OK);
	expect_number(&r, "6");
	assert_string_equal((char *)r.body, "abc");
	wire_msg_free(&r);
	/* Expect: 100-continue is answered before the body is sent */
	static const char exp[] = "POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
	assert_int_equal(wire_write_raw(c, exp, sizeof exp - 1), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, "POST", 0, &r), EMU_OK);
	assert_int_equal(r.status, 100);
	wire_msg_free(&r);
	assert_int_equal(wire_write_raw(c, "data", 4), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, "POST", 0, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "data");
	wire_msg_free(&r);
	/* a handler that fills nothing: 500, connection kept */
	request(c, "GET", "/nothing", NULL, &r);
	assert_int_equal(r.status, 500);
	wire_msg_free(&r);
	/* WIRE_REPLY_CLOSE: answered with Connection: close, then EOF */
	request(c, "GET", "/close", NULL, &r);
	expect_number(&r, "9");
	assert_string_equal(wire_msg_header(&r, "Connection"), "close");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_ENOTFOUND);
	wire_close(c);

	/* the client asks to close */
	assert_int_equal(raw_exchange(&u, "GET /x HTTP/1.1\r\nConnection: close\r\n\r\n", &r, &c), EMU_OK);
	assert_string_equal(wire_msg_header(&r, "Connection"), "close");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_ENOTFOUND);
	wire_close(c);
	/* HTTP/1.0: closed unless keep-alive is asked for */
	assert_int_equal(raw_exchange(&u, "GET /x HTTP/1.0\r\n\r\n", &r, &c), EMU_OK);
	assert_string_equal(wire_msg_header(&r, "Connection"), "close");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_ENOTFOUND);
	wire_close(c);
	assert_int_equal(raw_exchange(&u, "GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", &r, &c), EMU_OK);
	assert_string_equal(wire_msg_header(&r, "Connection"), "keep-alive");
	wire_msg_free(&r);
	static const char again[] = "GET /y HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	assert_int_equal(wire_write_raw(c, again, sizeof again - 1), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_OK);
	expect_number(&r, "2");
	wire_msg_free(&r);
	wire_close(c);

	/* wire_request: a fresh connection of its own, Host added */
	struct wire_msg req;
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, "PUT", "/via-request"), EMU_OK);
	assert_int_equal(wire_msg_set_body(&req, "x", 1), EMU_OK);
	assert_int_equal(wire_request(&u, 0, 5, &req, &r), EMU_OK);
	expect_number(&r, "1");
	assert_string_equal((char *)r.body, "x");
	wire_msg_free(&r);
	wire_msg_free(&req);

	/* stop with an idle keep-alive connection open: it is shut at once,
	 * not after the 5 s idle timeout */
	assert_int_equal(wire_connect(&u, 0, 5, &idle), EMU_OK);
	request(idle, "GET", "/idle", NULL, &r);
	wire_msg_free(&r);
	int handled = atomic_load(&L.handled);
	double t0 = now();
	wire_server_stop(s);
	assert_true(now() - t0 < 2.5);
	assert_int_equal(atomic_load(&L.ends), 6);   /* every connection ended, its state freed */
	assert_int_equal(atomic_load(&L.handled), handled);
	assert_int_equal(wire_read_msg(idle, 1, "GET", 0, &r), EMU_ENOTFOUND);
	wire_close(idle);
	assert_int_equal(wire_connect(&u, 0, 2, &c), EMU_EIO);   /* nobody listens any more */
}

static void test_errors(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c;
	wire_server_t *s = start(&L, NULL, 0, 5, 1024, &u);

	/* 413 from the declared length, before any body byte is sent */
	assert_int_equal(raw_exchange(&u, "POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n", &r, &c),
	                 EMU_OK);
	assert_int_equal(r.status, 413);
	assert_string_equal(wire_msg_header(&r, "Connection"), "close");
	wire_msg_free(&r);
	int rc = wire_read_msg(c, 1, "GET", 0, &r);
	assert_true(rc == EMU_ENOTFOUND || rc == EMU_EIO);
	wire_close(c);
	/* ... and with 100-continue: no 100, the 413 straight away */
	assert_int_equal(raw_exchange(&u, "POST /big HTTP/1.1\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n",
	                              &r, NULL),
	                 EMU_OK);
	assert_int_equal(r.status, 413);
	wire_msg_free(&r);
	/* 413 for a chunked body growing past the limit */
	assert_int_equal(raw_exchange(&u, "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n", &r, NULL),
	                 EMU_OK);
	assert_int_equal(r.status, 413);
	wire_msg_free(&r);
	/* 400 for malformed requests */
	static const char *bad[] = { "GET / HTTP/1.1\r\nBad Header\r\n\r\n", "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
		                     "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
		                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
		                     "\x16\x03\x01\x00\xa5\x01\x00\x00", NULL };
	for (int i = 0; bad[i]; i++) {
		assert_int_equal(raw_exchange(&u, bad[i], &r, NULL), EMU_OK);
		assert_int_equal(r.status, 400);
		wire_msg_free(&r);
	}
	/* 431 for a head over the limit */
	char *huge = malloc(WIRE_HEAD_MAX + 64);
	assert_non_null(huge);
	int n = snprintf(huge, 64, "GET / HTTP/1.1\r\nX: ");
	memset(huge + n, 'a', WIRE_HEAD_MAX);
	memcpy(huge + n + WIRE_HEAD_MAX, "\r\n\r\n", 5);
	assert_int_equal(raw_exchange(&u, huge, &r, NULL), EMU_OK);
	assert_int_equal(r.status, 431);
	wire_msg_free(&r);
	free(huge);
	assert_int_equal(atomic_load(&L.handled), 0);   /* the handler saw none of these */

	/* WIRE_RESET: the client sees the connection reset (or at least its end) */
	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	assert_int_equal(wire_write_raw(c, "GET /reset HTTP/1.1\r\n\r\n", 23), EMU_OK);
	rc = wire_read_msg(c, 1, "GET", 0, &r);
	assert_true(rc == EMU_EIO || rc == EMU_ENOTFOUND);
	assert_null(r.reason);
	wire_close(c);
	assert_int_equal(atomic_load(&L.handled), 1);
	wire_server_stop(s);
}

static void test_limits_live(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c1, *c2;

	/* over max_connections: 503 */
	wire_server_t *s = start(&L, NULL, 1, 5, 0, &u);
	assert_int_equal(wire_connect(&u, 0, 5, &c1), EMU_OK);
	request(c1, "GET", "/one", NULL, &r);   /* c1 surely holds the only slot now */
	wire_msg_free(&r);
	assert_int_equal(wire_connect(&u, 0, 5, &c2), EMU_OK);
	assert_int_equal(wire_read_msg(c2, 1, "GET", 0, &r), EMU_OK);
	assert_int_equal(r.status, 503);
	wire_msg_free(&r);
	wire_close(c2);
	wire_close(c1);
	wire_server_stop(s);

	/* the idle timeout ends a quiet keep-alive connection */
	s = start(&L, NULL, 0, 1, 0, &u);
	assert_int_equal(wire_connect(&u, 0, 5, &c1), EMU_OK);
	double t0 = now();
	assert_int_equal(wire_read_msg(c1, 1, "GET", 0, &r), EMU_ENOTFOUND);
	double dt = now() - t0;
	assert_true(dt > 0.5 && dt < 4);
	wire_close(c1);

	/* a body bigger than any buffer, both ways */
	size_t big = 3u << 20;
	char *body = malloc(big + 1);
	assert_non_null(body);
	for (size_t i = 0; i < big; i++)
		body[i] = (char)('a' + i % 26);
	body[big] = 0;
	assert_int_equal(wire_connect(&u, 0, 5, &c1), EMU_OK);
	request(c1, "POST", "/big", body, &r);
	assert_int_equal(r.body_len, big);
	assert_memory_equal(r.body, body, big);
	wire_msg_free(&r);
	/* the client's body_max */
	struct wire_msg req;
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, "POST", "/big"), EMU_OK);
	assert_int_equal(wire_msg_set_body(&req, body, 5000), EMU_OK);
	assert_int_equal(wire_write_msg(c1, &req), EMU_OK);
	assert_int_equal(wire_read_msg(c1, 1, "POST", 4999, &r), EMU_ELIMIT);
	wire_msg_free(&req);
	wire_close(c1);
	free(body);
	wire_server_stop(s);
}

/* ---- hostile clients: deadlines, per-address cap, half-close ---- */

#define HANG_MS 30000   /* only catches a hang */

static wire_server_t *start_cfg(struct live *L, struct wire_server_config *cfg, struct wire_url *u)
{
	wire_server_t *s = NULL;
	cfg->listen = "127.0.0.1:0";
	if (!cfg->workers)
		cfg->workers = g_workers;
	assert_int_equal(wire_server_start(cfg, echo, on_end, L, &s), EMU_OK);
	assert_int_equal(wire_url_parse(wire_server_url(s), u), EMU_OK);
	return s;
}

/* A plain socket to @p u from the source address @p from. */
static int raw_connect(const struct wire_url *u, const char *from)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(inet_pton(AF_INET, from, &src.sin_addr), 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&src, sizeof src), 0);
	assert_int_equal(inet_pton(AF_INET, u->host, &dst.sin_addr), 1);
	dst.sin_port = htons((uint16_t)u->port);
	assert_int_equal(connect(fd, (struct sockaddr *)&dst, sizeof dst), 0);
	return fd;
}

static void send_str(int fd, const char *str)
{
	assert_int_equal(send(fd, str, strlen(str), MSG_NOSIGNAL), (ssize_t)strlen(str));
}

/* Everything the server sends until it closes (bounded by HANG_MS), NUL-terminated. */
static size_t read_all(int fd, char *out, size_t outsz)
{
	size_t n = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		assert_int_equal(poll(&p, 1, HANG_MS), 1);
		ssize_t r = recv(fd, out + n, outsz - 1 - n, 0);
		if (r <= 0)
			break;
		n += (size_t)r;
		assert_true(n < outsz - 1);
	}
	out[n] = 0;
	return n;
}

/* Send @p data a byte every 200 ms until the server answers or closes: 1,
 * or 0 when it still waits after all of it. */
static int trickle(int fd, const unsigned char *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (send(fd, data + i, 1, MSG_NOSIGNAL) != 1)
			return 1;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 200) == 1)
			return 1;
	}
	return 0;
}

/* The first flight of a TLS client (its ClientHello) into @p out. */
static size_t client_hello(unsigned char *out, size_t outsz)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	assert_non_null(ssl);
	assert_true(rb && wb);
	SSL_set_bio(ssl, rb, wb);
	SSL_set_connect_state(ssl);
	assert_int_equal(SSL_get_error(ssl, SSL_do_handshake(ssl)), SSL_ERROR_WANT_READ);
	int n = BIO_read(wb, out, (int)outsz);
	assert_true(n > 0);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return (size_t)n;
}

static void test_slow_clients(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	char got[4096];
	unsigned char slow[40];
	struct wire_server_config cfg = { .idle_timeout = 30, .head_timeout = 1 };
	wire_server_t *s = start_cfg(&L, &cfg, &u);

	/* a head trickled a byte at a time: 408 at the head deadline, then closed */
	memset(slow, 'a', sizeof slow);
	int fd = raw_connect(&u, "127.0.0.1");
	send_str(fd, "GET / HTTP/1.1\r\nX-Slow: ");
	if (!trickle(fd, slow, sizeof slow))
		fail_msg("the server still read the head after %zu trickled bytes", sizeof slow);
	read_all(fd, got, sizeof got);
	assert_int_equal(strncmp(got, "HTTP/1.1 408 ", 13), 0);
	assert_non_null(strstr(got, "Connection: close"));
	close(fd);
	/* ... but a keep-alive that was answered is just closed (no 408 for a
	 * request the client may not have sent yet) */
	fd = raw_connect(&u, "127.0.0.1");
	send_str(fd, "GET /ten HTTP/1.1\r\n\r\n");
	size_t n = 0;
	got[0] = 0;
	while (!strstr(got, "0123456789")) {   /* the whole first answer */
		ssize_t r = recv(fd, got + n, sizeof got - 1 - n, 0);
		assert_true(r > 0);
		n += (size_t)r;
		got[n] = 0;
	}
	assert_int_equal(strncmp(got, "HTTP/1.1 200 ", 13), 0);
	send_str(fd, "GET / HTTP/1.1\r\nX: ");
	if (!trickle(fd, slow, sizeof slow))
		fail_msg("the server still read the second head after %zu trickled bytes", sizeof slow);
	assert_int_equal(read_all(fd, got, sizeof got), 0);
	close(fd);
	assert_int_equal(atomic_load(&L.handled), 1);
	wire_server_stop(s);

	/* a body cut short by a half-close: 400 at once, with the reason */
	s = start_cfg(&L, &cfg, &u);
	static const char *cut[] = { "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
		                     "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\na\r\nabc", NULL };
	for (int i = 0; cut[i]; i++) {
		fd = raw_connect(&u, "127.0.0.1");
		send_str(fd, cut[i]);
		assert_int_equal(shutdown(fd, SHUT_WR), 0);
		read_all(fd, got, sizeof got);
		assert_int_equal(strncmp(got, "HTTP/1.1 400 ", 13), 0);
		assert_non_null(strstr(got, "\r\n\r\nthe request body ended early\n"));
		close(fd);
	}
	assert_int_equal(atomic_load(&L.handled), 1);
	wire_server_stop(s);
}

/* Clients that send part of a request and stall hold a thread each, never
 * a worker: with more of them than workers, a whole request on another
 * connection is still answered (and a pipelined pair, and a request
 * written in two pieces).  The head deadline (60 s) is far beyond the
 * client's read timeout (10 s, only there to catch the hang). */
static void test_pool_not_held(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c;
	int stalled[2 * WIRE_WORKERS_MIN + 1];
	struct wire_server_config cfg = { .idle_timeout = 60, .head_timeout = 60, .workers = WIRE_WORKERS_MIN };
	wire_server_t *s = start_cfg(&L, &cfg, &u);

	for (size_t i = 0; i < sizeof stalled / sizeof *stalled; i++) {
		stalled[i] = raw_connect(&u, "127.0.0.1");
		send_str(stalled[i], i % 2 ? "POST /x HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc" : "GET / HTTP/1.1\r\nX: ");
	}
	assert_int_equal(wire_connect(&u, 0, 10, &c), EMU_OK);
	request(c, "GET", "/ten", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "0123456789");
	wire_msg_free(&r);
	static const char two[] = "GET /a HTTP/1.1\r\n\r\nGET /ten HTTP/1.1\r\n\r\n";
	assert_int_equal(wire_write_raw(c, two, sizeof two - 1), EMU_OK);
	for (int i = 2; i <= 3; i++) {
		char n[4];
		snprintf(n, sizeof n, "%d", i);
		assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_OK);
		expect_number(&r, n);
		wire_msg_free(&r);
	}
	wire_close(c);
	/* a request in two writes, the second after the first was surely read */
	int fd = raw_connect(&u, "127.0.0.1");
	struct timeval hang = { .tv_sec = 10 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &hang, sizeof hang), 0);
	send_str(fd, "POST /b HTTP/1.1\r\nContent-Length: 4\r\n\r\nab");
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	send_str(fd, "cd");
	char got[4096];
	size_t n = 0;
	got[0] = 0;
	while (!strstr(got, "\r\n\r\nabcd")) {
		ssize_t rd = recv(fd, got + n, sizeof got - 1 - n, 0);
		assert_true(rd > 0);
		n += (size_t)rd;
		got[n] = 0;
	}
	assert_int_equal(strncmp(got, "HTTP/1.1 200 ", 13), 0);
	close(fd);
	for (size_t i = 0; i < sizeof stalled / sizeof *stalled; i++)
		close(stalled[i]);
	assert_int_equal(atomic_load(&L.handled), 4);
	wire_server_stop(s);
}

/* A request that waits for its busy worker is not taken for an idle
 * connection: with idle_timeout 1 s, connection B (parked, then sent a
 * request while its worker sleeps 2.5 s in another connection's handler)
 * is answered and stays open for a second request. */
static void test_pool_sweep_spares_pending(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *b, *c, *d;
	struct wire_server_config cfg = { .idle_timeout = 1, .workers = WIRE_WORKERS_MIN };
	wire_server_t *s = start_cfg(&L, &cfg, &u);

	/* dealt out in turn: B and D share a worker, C has the other */
	assert_int_equal(wire_connect(&u, 0, 10, &b), EMU_OK);
	request(b, "GET", "/one", NULL, &r);
	wire_msg_free(&r);
	assert_int_equal(wire_connect(&u, 0, 10, &c), EMU_OK);
	request(c, "GET", "/one", NULL, &r);
	wire_msg_free(&r);
	assert_int_equal(wire_connect(&u, 0, 10, &d), EMU_OK);
	static const char busy[] = "GET /busy HTTP/1.1\r\n\r\n";
	assert_int_equal(wire_write_raw(d, busy, sizeof busy - 1), EMU_OK);
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	nanosleep(&pause, NULL);
	request(b, "GET", "/two", NULL, &r);   /* waits for the worker, past the idle timeout */
	expect_number(&r, "2");
	wire_msg_free(&r);
	request(b, "GET", "/three", NULL, &r);   /* the same connection: it was not closed */
	expect_number(&r, "3");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(d, 1, "GET", 0, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
	wire_close(b);
	wire_close(c);
	wire_close(d);
	wire_server_stop(s);
}

static void test_per_address_cap(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	char got[4096];
	struct wire_server_config cfg = { .idle_timeout = 30, .max_per_address = 2, .max_connections = 4 };
	wire_server_t *s = start_cfg(&L, &cfg, &u);
	int held[2];
	/* two silent connections from 127.0.0.2, answered once so they surely hold their slots */
	for (int i = 0; i < 2; i++) {
		held[i] = raw_connect(&u, "127.0.0.2");
		send_str(held[i], "GET /ten HTTP/1.1\r\n\r\n");
		struct pollfd p = { .fd = held[i], .events = POLLIN };
		assert_int_equal(poll(&p, 1, HANG_MS), 1);
		assert_true(recv(held[i], got, sizeof got, 0) > 0);
	}
	/* a third from there: 503 */
	int fd = raw_connect(&u, "127.0.0.2");
	read_all(fd, got, sizeof got);
	assert_int_equal(strncmp(got, "HTTP/1.1 503 ", 13), 0);
	close(fd);
	/* another address is still served, twice on one connection */
	wire_conn_t *c;
	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	request(c, "GET", "/one", NULL, &r);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
	request(c, "GET", "/two", NULL, &r);
	expect_number(&r, "2");
	wire_msg_free(&r);
	wire_close(c);
	/* a freed slot is usable again by the first address */
	close(held[0]);
	for (int tries = 0;; tries++) {   /* the server notices the close on its own thread */
		fd = raw_connect(&u, "127.0.0.2");
		send_str(fd, "GET /ten HTTP/1.1\r\nConnection: close\r\n\r\n");
		read_all(fd, got, sizeof got);
		close(fd);
		if (!strncmp(got, "HTTP/1.1 200 ", 13))
			break;
		assert_int_equal(strncmp(got, "HTTP/1.1 503 ", 13), 0);
		assert_true(tries < 100);
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	close(held[1]);
	wire_server_stop(s);

	/* a negative value is refused */
	cfg.max_per_address = -1;
	assert_int_equal(wire_server_start(&cfg, echo, on_end, &L, &s), EMU_EINVAL);
}

static void test_401_keeps_connection(void **state)
{
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c;
	wire_server_t *s = start(&L, NULL, 0, 5, 0, &u);
	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	request(c, "POST", "/401", "<soap/>", &r);
	assert_int_equal(r.status, 401);
	assert_null(wire_msg_header(&r, "Connection"));
	wire_msg_free(&r);
	request(c, "POST", "/retry", "<soap/>", &r);   /* the same connection */
	assert_int_equal(r.status, 200);
	expect_number(&r, "2");
	wire_msg_free(&r);
	wire_close(c);

	/* pipelined: a 100-continue request whose body came with its head gets no
	 * 100 (RFC 9110 §10.1.1), the answers come in order */
	static const char two[] = "POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc"
	                          "GET /ten HTTP/1.1\r\n\r\n";
	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	assert_int_equal(wire_write_raw(c, two, sizeof two - 1), EMU_OK);
	assert_int_equal(wire_read_msg(c, 1, "POST", 0, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "abc");
	wire_msg_free(&r);
	assert_int_equal(wire_read_msg(c, 1, "GET", 0, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	expect_number(&r, "2");
	wire_msg_free(&r);
	wire_close(c);
	wire_server_stop(s);
}

/* ---- a scripted raw server, to test what the client accepts ---- */

struct script {
	int lfd;
	const char *const *pieces;   /* written one by one after the request head */
	int port;
};

static void *script_main(void *arg)
{
	struct script *sc = arg;
	int fd = accept(sc->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	char buf[4096];
	size_t have = 0;
	while (have < sizeof buf - 1) {
		ssize_t r = recv(fd, buf + have, sizeof buf - 1 - have, 0);
		if (r <= 0)
			break;
		have += (size_t)r;
		buf[have] = 0;
		if (strstr(buf, "\r\n\r\n"))
			break;
	}
	for (int i = 0; sc->pieces[i]; i++) {
		send(fd, sc->pieces[i], strlen(sc->pieces[i]), MSG_NOSIGNAL);
		struct timespec ts = { 0, 20 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	close(fd);
	return NULL;
}

/* Start the scripted server for one connection: fills @p sc, @p t, @p u. */
static void script_start(struct script *sc, const char *const *pieces, pthread_t *t, struct wire_url *u)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	char url[64];
	sc->pieces = pieces;
	sc->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sc->lfd >= 0);
	assert_int_equal(bind(sc->lfd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(sc->lfd, 1), 0);
	assert_int_equal(getsockname(sc->lfd, (struct sockaddr *)&a, &al), 0);
	assert_int_equal(pthread_create(t, NULL, script_main, sc), 0);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
	assert_int_equal(wire_url_parse(url, u), EMU_OK);
}

static void scripted_request(const char *const *pieces, struct wire_msg *resp)
{
	struct script sc;
	struct wire_url u;
	struct wire_msg req;
	pthread_t t;
	script_start(&sc, pieces, &t, &u);
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, "GET", "/"), EMU_OK);
	assert_int_equal(wire_request(&u, 0, 5, &req, resp), EMU_OK);
	wire_msg_free(&req);
	pthread_join(t, NULL);
	close(sc.lfd);
}

/* One GET to a scripted server on a connection with a deadline of
 * @p deadline_ms; returns what wire_read_msg returned. */
static int scripted_request_deadline(const char *const *pieces, int deadline_ms, struct wire_msg *resp)
{
	struct script sc;
	struct wire_url u;
	struct wire_msg req;
	pthread_t t;
	wire_conn_t *c;
	script_start(&sc, pieces, &t, &u);
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, "GET", "/"), EMU_OK);
	assert_int_equal(wire_msg_set_header(&req, "Host", "test"), EMU_OK);
	assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
	wire_conn_set_deadline(c, deadline_ms);
	assert_int_equal(wire_write_msg(c, &req), EMU_OK);
	int rc = wire_read_msg(c, 1, "GET", 0, resp);
	wire_close(c);
	wire_msg_free(&req);
	pthread_join(t, NULL);
	close(sc.lfd);
	return rc;
}

/* A peer that trickles its answer (every read succeeds, 20 ms apart) cannot
 * stretch an exchange past the connection's deadline (issue 10: verify
 * waited a minute per fixture); a deadline far away changes nothing. */
static void test_client_deadline(void **state)
{
	(void)state;
	static const char *const slow[] = { "HTTP/1.1 200 OK\r\n", "Content-Length: 10\r\n\r\n", "0", "1", "2", "3",
		                            "4", "5", "6", "7", "8", "9", NULL };
	struct wire_msg r;
	assert_int_equal(scripted_request_deadline(slow, 60, &r), EMU_EIO);
	assert_int_equal(scripted_request_deadline(slow, 30000, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "0123456789");
	wire_msg_free(&r);
}

static void test_client_framing(void **state)
{
	struct wire_msg r;
	/* delimited by the close, arriving in pieces */
	static const char *const eof[] = { "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "part1-", "part2", NULL };
	scripted_request(eof, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "part1-part2");
	wire_msg_free(&r);
	/* an interim 100 skipped, then chunks split at awkward places */
	static const char *const chunked[] = { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chu",
		                               "nked\r\n\r\n3\r", "\nab", "c\r\n", "0\r\n", "\r\n", NULL };
	scripted_request(chunked, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "abc");
	wire_msg_free(&r);
	/* a head split byte-wise */
	static const char *const split[] = { "H", "TTP/1.1 404 Not Found\r", "\n", "Content-Length: 2\r\n\r", "\nno", NULL };
	scripted_request(split, &r);
	assert_int_equal(r.status, 404);
	assert_string_equal((char *)r.body, "no");
	wire_msg_free(&r);
}

/* ---- TLS ---- */

static void make_cert(const char *path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	assert_non_null(key);
	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, key);
	X509_NAME *name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
	X509_set_issuer_name(x, name);
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
	X509_free(x);
	EVP_PKEY_free(key);
}

static void test_tls(void **state)
{
	char dir[] = "/tmp/test_wire_XXXXXX", pem[64];
	struct live L = { 0 };
	struct wire_url u;
	struct wire_msg req, r;
	wire_conn_t *c;
	assert_non_null(mkdtemp(dir));
	snprintf(pem, sizeof pem, "%s/cert.pem", dir);
	make_cert(pem);

	wire_server_t *s = start(&L, pem, 0, 5, 0, &u);
	assert_int_equal(strncmp(wire_server_url(s), "https://127.0.0.1:", 18), 0);
	wire_msg_init(&req);
	assert_int_equal(wire_msg_request(&req, "POST", "/EWS/Exchange.asmx"), EMU_OK);
	assert_int_equal(wire_msg_set_body(&req, "<secure/>", 9), EMU_OK);
	assert_int_equal(wire_request(&u, 1, 5, &req, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(wire_msg_header(&r, "X-TLS"), "1");
	assert_string_equal((char *)r.body, "<secure/>");
	wire_msg_free(&r);
	/* keep-alive over TLS, and a body spanning many records */
	assert_int_equal(wire_connect(&u, 1, 5, &c), EMU_OK);
	request(c, "GET", "/ten", NULL, &r);
	expect_number(&r, "1");
	wire_msg_free(&r);
	char *big = malloc(100001);
	assert_non_null(big);
	memset(big, 'z', 100000);
	big[100000] = 0;
	request(c, "POST", "/big", big, &r);
	expect_number(&r, "2");
	assert_int_equal(r.body_len, 100000);
	assert_memory_equal(r.body, big, 100000);
	wire_msg_free(&r);
	free(big);
	wire_close(c);
	/* verification on: a self-signed certificate is refused */
	assert_int_equal(wire_request(&u, 0, 5, &req, &r), EMU_EIO);
	/* plain HTTP to the TLS port: the handshake fails, the client sees EOF */
	struct wire_url plain = u;
	plain.tls = 0;
	int rc = wire_request(&plain, 0, 5, &req, &r);
	assert_true(rc == EMU_EIO || rc == EMU_ENOTFOUND || rc == EMU_EINVAL);
	wire_msg_free(&req);
	wire_server_stop(s);
	assert_int_equal(atomic_load(&L.ends), 4);

	/* a ClientHello trickled a byte at a time: cut at the handshake deadline */
	struct wire_server_config cfg = { .cert_file = pem, .idle_timeout = 30, .handshake_timeout = 1 };
	s = start_cfg(&L, &cfg, &u);
	unsigned char hello[4096];
	size_t hn = client_hello(hello, sizeof hello);
	int fd = raw_connect(&u, "127.0.0.1");
	if (!trickle(fd, hello, hn < 40 ? hn : 40))
		fail_msg("the server still waited for the handshake after 40 trickled bytes");
	char got[256];
	assert_int_equal(read_all(fd, got, sizeof got), 0);   /* closed, nothing sent */
	close(fd);
	wire_server_stop(s);

	/* an unusable certificate file */
	cfg = (struct wire_server_config){ .listen = "127.0.0.1:0", .cert_file = "/nonexistent/cert.pem" };
	wire_server_t *bad = NULL;
	assert_int_equal(wire_server_start(&cfg, echo, on_end, &L, &bad), EMU_EIO);
	assert_null(bad);
	unlink(pem);
	rmdir(dir);
}

static void test_listen_addresses(void **state)
{
	struct live L = { 0 };
	wire_server_t *s = NULL;
	struct wire_server_config cfg = { .listen = "[::1]:0" };
	struct wire_url u;
	struct wire_msg r;
	wire_conn_t *c;
	/* IPv6 loopback may be missing in a container: then only the parse counts */
	if (wire_server_start(&cfg, echo, on_end, &L, &s) == EMU_OK) {
		assert_int_equal(strncmp(wire_server_url(s), "http://[::1]:", 13), 0);
		assert_int_equal(wire_url_parse(wire_server_url(s), &u), EMU_OK);
		assert_int_equal(wire_connect(&u, 0, 5, &c), EMU_OK);
		request(c, "GET", "/v6", NULL, &r);
		assert_int_equal(strncmp(wire_msg_header(&r, "X-Peer"), "[::1]:", 6), 0);
		wire_msg_free(&r);
		wire_close(c);
		wire_server_stop(s);
	}
	static const char *bad[] = { "127.0.0.1", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:70000", "[::1:0", "::1:0",
		                     "[::1]0", NULL };
	for (int i = 0; bad[i]; i++) {
		cfg.listen = bad[i];
		s = NULL;
		if (wire_server_start(&cfg, echo, on_end, &L, &s) != EMU_EINVAL)
			fail_msg("accepted listen %s", bad[i]);
		assert_null(s);
	}
	cfg.listen = "127.0.0.1:0";
	assert_int_equal(wire_server_start(&cfg, NULL, NULL, NULL, &s), EMU_EINVAL);
	wire_server_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits_live),
		cmocka_unit_test(test_client_framing),
		cmocka_unit_test(test_client_deadline),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_slow_clients),
		cmocka_unit_test(test_per_address_cap),
		cmocka_unit_test(test_401_keeps_connection),
		cmocka_unit_test(test_listen_addresses),
		cmocka_unit_test(test_pool_not_held),
		cmocka_unit_test(test_pool_sweep_spares_pending),
	};
	int failed = cmocka_run_group_tests_name("thread per connection", tests, NULL, NULL);
	g_workers = WIRE_WORKERS_MIN;
	return failed + cmocka_run_group_tests_name("worker pool", tests, NULL, NULL);
}
