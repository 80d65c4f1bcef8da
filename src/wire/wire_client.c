/* wire_client.c - the client side: URLs, connecting with a deadline, TLS
 * with SNI and verification against the system store, one-shot requests. */
#include "wire/wire_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/log.h"
#include "core/result.h"

#define DEFAULT_TIMEOUT 60

static pthread_mutex_t g_ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *g_client_ctx[2];   /* [insecure]; made once, kept for the process */

static SSL_CTX *client_ctx(int insecure)
{
	insecure = !!insecure;
	pthread_mutex_lock(&g_ctx_lock);
	SSL_CTX *ctx = g_client_ctx[insecure];
	if (!ctx) {
		ctx = SSL_CTX_new(TLS_client_method());
		if (ctx) {
			SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
			SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
			if (insecure) {
				SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
			} else {
				if (SSL_CTX_set_default_verify_paths(ctx) != 1)
					wire_log_ssl(1, "loading the system certificate store");
				SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
			}
			g_client_ctx[insecure] = ctx;
		} else {
			wire_log_ssl(1, "SSL_CTX_new");
		}
	}
	pthread_mutex_unlock(&g_ctx_lock);
	return ctx;
}

static int is_ip_literal(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];
	return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static int tls_client(wire_conn_t *c, const struct wire_url *u, int insecure)
{
	SSL_CTX *ctx = client_ctx(insecure);
	if (!ctx || !(c->ssl = SSL_new(ctx)) || SSL_set_fd(c->ssl, c->fd) != 1) {
		wire_log_ssl(1, "TLS setup");
		return EMU_EIO;
	}
	int ip = is_ip_literal(u->host);
	if (!ip)
		SSL_set_tlsext_host_name(c->ssl, u->host);
	if (!insecure) {
		int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), u->host)
		            : SSL_set1_host(c->ssl, u->host);
		if (ok != 1) {
			wire_log_ssl(1, "TLS host check setup");
			return EMU_EIO;
		}
	}
	ERR_clear_error();
	if (SSL_connect(c->ssl) != 1) {
		long v = SSL_get_verify_result(c->ssl);
		char what[400];
		snprintf(what, sizeof what, "TLS handshake with %s:%d%s%s", u->host, u->port,
		         v != X509_V_OK ? ": " : "", v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
		wire_log_ssl(1, what);
		return EMU_EIO;
	}
	return EMU_OK;
}

/* Connect one address with a deadline; returns the socket or -1. */
static int connect_one(const struct addrinfo *ai, int timeout_s)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		int err = 0;
		socklen_t el = sizeof err;
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int pr = errno == EINPROGRESS ? poll(&p, 1, timeout_s * 1000) : -1;
		if (pr == 0)
			err = ETIMEDOUT;
		else if (pr < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
			err = errno;
		if (err) {
			close(fd);
			errno = err;
			return -1;
		}
	}
	int fl = fcntl(fd, F_GETFL);
	struct timeval tv = { .tv_sec = timeout_s };
	int one = 1;
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) != 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	return fd;
}

int wire_connect(const struct wire_url *u, int insecure, int timeout_s, wire_conn_t **out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	struct addrinfo *res = NULL;
	char port[8];
	int fd = -1, rc;

	*out = NULL;
	wire_ignore_sigpipe();
	if (timeout_s <= 0)
		timeout_s = DEFAULT_TIMEOUT;
	if (u->port <= 0 || u->port > 65535 || !u->host[0])
		return EMU_EINVAL;
	snprintf(port, sizeof port, "%d", u->port);
	if ((rc = getaddrinfo(u->host, port, &hints, &res)) != 0) {
		LOGW("wire", "cannot resolve %s: %s", u->host, gai_strerror(rc));
		return EMU_EIO;
	}
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout_s);
	freeaddrinfo(res);
	if (fd < 0) {
		LOGW("wire", "cannot connect to %s:%d: %s", u->host, u->port, strerror(errno));
		return EMU_EIO;
	}
	wire_conn_t *c = wire_conn_wrap(fd);
	if (!c) {
		close(fd);
		return EMU_ENOMEM;
	}
	if (u->tls && (rc = tls_client(c, u, insecure))) {
		wire_close(c);
		return rc;
	}
	*out = c;
	return EMU_OK;
}

int wire_request(const struct wire_url *u, int insecure, int timeout_s, const struct wire_msg *req,
                 struct wire_msg *resp)
{
	wire_conn_t *c = NULL;
	/* a shallow copy, to add Host without touching @p req; never freed */
	struct wire_msg tmp = *req;
	char host[sizeof u->host + 16], host_name[] = "Host";
	int rc;

	wire_msg_init(resp);
	if (!wire_msg_header(req, "Host")) {
		int v6 = strchr(u->host, ':') != NULL, dflt = u->port == (u->tls ? 443 : 80);
		char port[8] = "";
		if (!dflt)
			snprintf(port, sizeof port, ":%d", u->port);
		snprintf(host, sizeof host, "%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "", port);
		if (tmp.nheaders >= WIRE_HEADERS_MAX)
			return EMU_ELIMIT;
		tmp.headers[tmp.nheaders].name = host_name;
		tmp.headers[tmp.nheaders].value = host;
		tmp.nheaders++;
	}
	if ((rc = wire_connect(u, insecure, timeout_s, &c)))
		return rc;
	if ((rc = wire_write_msg(c, &tmp)))
		goto out;
	for (;;) {
		rc = wire_read_msg(c, 1, req->method, WIRE_BODY_MAX, resp);
		if (rc || resp->status >= 200 || resp->status == 101)
			break;
		wire_msg_free(resp);   /* 100 Continue and other interim responses */
	}
out:
	wire_close(c);
	return rc;
}

/* ---- URLs ---- */

static int host_char(unsigned char ch, int bracketed)
{
	if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '-' ||
	    ch == '.' || ch == '_')
		return 1;
	return bracketed && (ch == ':' || ch == '%');
}

int wire_url_parse(const char *url, struct wire_url *out)
{
	const char *p, *end, *host, *hend, *port = NULL;
	int bracketed = 0;

	memset(out, 0, sizeof *out);
	if (!url)
		return EMU_EINVAL;
	if (!strncasecmp(url, "http://", 7)) {
		p = url + 7;
		out->port = 80;
	} else if (!strncasecmp(url, "https://", 8)) {
		p = url + 8;
		out->tls = 1;
		out->port = 443;
	} else {
		return EMU_EINVAL;
	}
	end = p + strcspn(p, "/?#");
	if (memchr(p, '@', (size_t)(end - p)))
		return EMU_EINVAL;   /* user info: credentials do not belong in a URL here */
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));
		if (!rb)
			return EMU_EINVAL;
		host = p + 1;
		hend = rb;
		bracketed = 1;
		if (rb + 1 < end) {
			if (rb[1] != ':')
				return EMU_EINVAL;
			port = rb + 2;
		}
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));
		host = p;
		hend = colon ? colon : end;
		if (colon)
			port = colon + 1;
	}
	if (hend == host)
		return EMU_EINVAL;
	if ((size_t)(hend - host) >= sizeof out->host)
		return EMU_ELIMIT;
	for (const char *h = host; h < hend; h++)
		if (!host_char((unsigned char)*h, bracketed))
			return EMU_EINVAL;
	memcpy(out->host, host, (size_t)(hend - host));
	if (port && port < end) {
		long v = 0;
		if (end - port > 5)
			return EMU_EINVAL;
		for (const char *d = port; d < end; d++) {
			if (*d < '0' || *d > '9')
				return EMU_EINVAL;
			v = v * 10 + (*d - '0');
		}
		if (v < 1 || v > 65535)
			return EMU_EINVAL;
		out->port = (int)v;
	}
	/* path (+ query), fragment dropped */
	size_t n = strcspn(end, "#");
	int slash = n > 0 && *end == '?';
	if (n + (size_t)slash >= sizeof out->path)
		return EMU_ELIMIT;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)end[i] <= 0x20 || (unsigned char)end[i] == 0x7f)
			return EMU_EINVAL;
	if (slash)
		out->path[0] = '/';
	memcpy(out->path + slash, end, n);
	return EMU_OK;
}
