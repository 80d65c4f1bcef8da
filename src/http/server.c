/* server.c - listeners, connection threads, the request loop and the HTTP
 * hooks.  Path of a request: accept -> (TLS) -> parse headers (our hooks
 * record If-None-Match, enforce the body limit, authenticate) -> GET routes
 * (fget) or SOAP dispatch (soap/) -> response -> per-request memory freed.
 * Every HTTP status comes from http_status_for() (status.c). */
#include "http/server.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <stdsoap2.h>

#include "core/log.h"
#include "core/result.h"
#include "core/xmllimit.h"
#include "http/auth.h"
#include "http/conn.h"
#include "http/io.h"
#include "http/outlook_glue.h"
#include "http/xmlcheck.h"
#include "autodiscover/autodiscover.h"
#include "rest/rest.h"
#include "soap/soap_adapter.h"

#define EWS_PATH "/ews/exchange.asmx"

struct http_server {
	store_t *store;
	const struct server_config *cfg;
	atomic_int nconns;
	/* sockets of open connections, so shutdown can wake idle keep-alives */
	pthread_mutex_t lock;
	SOAP_SOCKET *socks;   /* max_connections slots, SOAP_INVALID_SOCKET when free */
};

const struct server_config *http_server_config(const struct http_server *srv)
{
	return srv->cfg;
}

static int track_socket(struct http_server *srv, SOAP_SOCKET s)
{
	int slot = -1;
	pthread_mutex_lock(&srv->lock);
	for (int i = 0; i < srv->cfg->max_connections; i++) {
		if (srv->socks[i] == SOAP_INVALID_SOCKET) {
			srv->socks[i] = s;
			slot = i;
			break;
		}
	}
	pthread_mutex_unlock(&srv->lock);
	return slot;
}

static void untrack_socket(struct http_server *srv, int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&srv->lock);
	srv->socks[slot] = SOAP_INVALID_SOCKET;
	pthread_mutex_unlock(&srv->lock);
}

/* Stop reading on every connection: idle ones see EOF at once, a request in
 * progress still gets its response. */
static void wake_connections(struct http_server *srv)
{
	pthread_mutex_lock(&srv->lock);
	for (int i = 0; i < srv->cfg->max_connections; i++)
		if (srv->socks[i] != SOAP_INVALID_SOCKET)
			shutdown(srv->socks[i], SHUT_RD);
	pthread_mutex_unlock(&srv->lock);
}

struct listener {
	struct http_server *srv;
	struct soap *soap;
	int tls;
	char url[192];
};

static volatile sig_atomic_t g_stop;
static int (*g_orig_parse)(struct soap *);
static int (*g_orig_parsehdr)(struct soap *, const char *, const char *);
static int (*g_orig_response)(struct soap *, int, ULONG64);

/* Per-request memory for the ops: gSOAP's, freed by soap_end after sending. */
static void *request_alloc(void *ctx, size_t n)
{
	return soap_malloc((struct soap *)ctx, n);
}

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

void server_request_stop(void)
{
	g_stop = 1;
}

void server_config_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->http_listen = "127.0.0.1:8080";
	cfg->https_listen = "127.0.0.1:8443";
	cfg->realm = "ewsemu";
	cfg->max_connections = 256;
	cfg->max_body = 16u << 20;
	cfg->idle_timeout = 10;
	cfg->ews.hr48_prefers_thumbnail = 1;
	cfg->ews.photo_max_age = 3600;
	auth_policy_defaults(&cfg->auth);
}

/* ---- replies for non-SOAP requests ------------------------------------- */

/* Append the @p n bytes at @p s to @p p; returns the end. */
static char *put(char *p, const char *s, size_t n)
{
	memcpy(p, s, n);
	return p + n;
}

/* Add "Name: value" to the response's extra headers (bounded). */
static void add_header(struct http_conn *c, const char *name, const char *value)
{
	size_t used = strlen(c->extra), nl = strlen(name), vl = strlen(value);
	if (used + (used ? 2 : 0) + nl + 2 + vl >= sizeof c->extra)
		return;   /* keep what fits; never a cut header */
	char *p = c->extra + used;
	if (used)
		p = put(p, "\r\n", 2);
	p = put(p, name, nl);
	p = put(p, ": ", 2);
	memcpy(p, value, vl + 1);
}

static void add_date_header(struct http_conn *c, const char *name, time_t when)
{
	char buf[HTTP_DATE_MAX];
	http_date(when, buf);
	add_header(c, name, buf);
}

/* Send a complete non-SOAP response: status from @p o, optional body. */
static int reply(struct soap *soap, enum http_outcome o, const char *type, const void *body, size_t len)
{
	struct http_conn *c = soap->user;
	int status = http_status_for(o);
	soap->http_content = type ? type : "text/plain; charset=utf-8";
	soap->http_extra_header = c->extra[0] ? soap_strdup(soap, c->extra) : NULL;
	if (status == 401) {
		char challenge[160];
		snprintf(challenge, sizeof challenge, "Basic realm=\"%s\"", c->srv->cfg->realm);
		add_header(c, "WWW-Authenticate", challenge);
		glue_bearer_challenge(soap, challenge, sizeof challenge);
		add_header(c, "WWW-Authenticate", challenge);
		soap->http_extra_header = soap_strdup(soap, c->extra);
	}
	/* a known length: send Content-Length, not the chunking SOAP uses */
	soap_mode omode = soap->omode;
	soap->omode = (omode & ~SOAP_IO) | SOAP_IO_STORE;
	int rc = soap_response(soap, SOAP_FILE + status) || (len && soap_send_raw(soap, body, len)) ||
	         soap_end_send(soap);
	soap->omode = omode;
	return rc ? soap_closesock(soap) : SOAP_OK;
}

/* A clean 304: gSOAP's own would carry a Content-Type and a fault body. */
static int hook_response(struct soap *soap, int status, ULONG64 count)
{
	struct http_conn *c = soap->user;
	if (status == SOAP_FILE + 304) {
		static const char line[] = "HTTP/1.1 304 Not Modified\r\n", conn[] = "Connection: ";
		char head[sizeof line + HTTP_EXTRA_MAX + 2 + sizeof conn + sizeof "keep-alive\r\n\r\n"], *p = head;
		size_t n = strlen(c->extra);   /* < HTTP_EXTRA_MAX: head always fits */
		p = put(p, line, sizeof line - 1);
		if (n) {
			p = put(p, c->extra, n);
			p = put(p, "\r\n", 2);
		}
		p = put(p, conn, sizeof conn - 1);
		p = soap->keep_alive ? put(p, "keep-alive\r\n\r\n", 14) : put(p, "close\r\n\r\n", 9);
		/* gSOAP clears this after responses it writes; this one is ours */
		soap->http_extra_header = NULL;
		return soap_send_raw(soap, head, (size_t)(p - head));
	}
	/* gSOAP closes the connection after every fault; EWS clients (e.g.
	 * exchangelib's retry policy) read "500 + Connection: close" as an
	 * outage, so keep it open when the request was read completely */
	if (c->fault_keep_alive)
		soap->keep_alive = c->fault_keep_alive;
	if (c->status_override && (status == SOAP_OK || status == SOAP_FILE + 200 || status == 200)) {
		int o = c->status_override;
		c->status_override = 0;
		soap->http_content = "text/xml; charset=utf-8";
		return g_orig_response(soap, SOAP_FILE + o, count);
	}
	return g_orig_response(soap, status, count);
}

/* ---- request hooks ------------------------------------------------------ */

static void send_early_error(struct soap *soap, int err);

/* Answer a request that fails before its body is read (auth, size, path)
 * ourselves, and stop: gSOAP would send its own generic fault. */
static int refuse(struct soap *soap, int status)
{
	struct http_conn *c = soap->user;
	if (c->refused)
		return SOAP_STOP;
	c->refused = 1;
	send_early_error(soap, status);
	return SOAP_STOP;
}

/* Never read past the declared body: gSOAP would otherwise wait for more
 * bytes of a truncated XML body until the idle timeout.  (A chunked body
 * needs no such bound: gSOAP stops at its last chunk.) */
static size_t hook_recv(struct soap *soap, char *buf, size_t len)
{
	struct http_conn *c = soap->user;
	if (!c || c->body_remaining < 0)
		return io_recv(soap, buf, len);
	if (c->body_remaining == 0)
		return 0;
	if ((long long)len > c->body_remaining)
		len = (size_t)c->body_remaining;
	size_t n = io_recv(soap, buf, len);
	c->body_remaining -= (long long)n;
	return n;
}

/* The one place the body checker is fed while gSOAP reads.  gSOAP 2.8.124
 * calls fpreparerecv from soap_recv_raw() with each piece of input it has
 * just put into soap->buf (at soap->bufidx, @p n bytes) and before its
 * parser takes a byte of it.  For a Content-Length body that piece is what
 * frecv returned.  For a chunked body frecv sees the raw stream (chunk-size
 * lines and data mixed), while fpreparerecv gets the data of one chunk (or
 * of the part of a chunk that fits the buffer) without the framing, and
 * n == 0 once for the last chunk ("0" CRLF CRLF); a peer that closes inside
 * a chunk ends with frecv returning 0 and no call here.  So this hook sees
 * exactly the body gSOAP parses, whatever the framing; frecv would have to
 * de-chunk a second time.  A body that is not well-formed ends here for
 * gSOAP: the rejected bytes are marked consumed (bufidx = buflen, which
 * keeps gSOAP's chunk position, held in buflen/chunkbuflen/chunksize,
 * intact) and SOAP_EOF stops the parser; the request loop then answers
 * with the checker's message. */
static int hook_prepare_recv(struct soap *soap, const char *buf, size_t n)
{
	struct http_conn *c = soap->user;
	if (!c)
		return SOAP_OK;
	if (c->chunked && n == 0)
		c->body_ended = 1;
	if (!c->xml_active)
		return SOAP_OK;
	/* where an inflated body ends is gSOAP's business: its parser reports
	 * a truncated one; the checker still sees every byte */
	int end = c->inflated ? 0 : c->chunked ? n == 0 : c->body_remaining == 0;
	if (xmlcheck_feed(&c->xml, buf, n) || (end && xmlcheck_finish(&c->xml))) {
		c->xml_active = 0;
		soap->bufidx = soap->buflen;
		return SOAP_EOF;
	}
	if (end)
		c->xml_active = 0;
	return SOAP_OK;
}

/* Read and drop the rest of the request body (at most the body limit,
 * under the receive timeout) before an answer that closes the connection:
 * closing with unread bytes makes the kernel reset it, and a client still
 * sending would lose the answer.  A Content-Length body ends at its length
 * (hook_recv); a chunked one at its last chunk, read through gSOAP's own
 * de-chunking (soap_recv_raw; gSOAP's recv_maxlength bounds it). */
static void drain_body(struct soap *soap)
{
	struct http_conn *c = soap->user;
	char sink[4096];
	c->xml_active = 0;
	if (c->chunked) {
		while (!c->body_ended && soap_recv_raw(soap) == SOAP_OK)
			;
		return;
	}
	while (c->body_remaining > 0 && hook_recv(soap, sink, sizeof sink) > 0)
		;
}

/* Answer "not well-formed" with the checker's finding (spec §1.5), after
 * reading the rest of the body (drain_body). */
static int send_xml_fault(struct soap *soap)
{
	struct http_conn *c = soap->user;
	char msg[300];
	snprintf(msg, sizeof msg, "The request failed schema validation: the body is not well-formed XML: %s.",
	         c->xml.error);
	soap->keep_alive = 0;
	LOGI("http", "POST %s -> 500: %s", soap->path, msg);
	drain_body(soap);
	return soap_adapter_send_fault(soap, http_status_for(HTTP_OUT_SOAP_FAULT), "ErrorSchemaValidation", msg);
}

/* A chunked body carries no Content-Length for hook_parsehdr to refuse
 * early; gSOAP ends its input (SOAP_EOF) once it has read more than
 * recv_maxlength bytes of the message.  That is the body limit, answered
 * as for a declared length (413), not as a broken body. */
static int chunked_over_limit(struct soap *soap)
{
	struct http_conn *c = soap->user;
	return c->chunked && soap->recv_maxlength && soap->count > soap->recv_maxlength;
}

/* Start the well-formedness check of a SOAP body; hook_prepare_recv feeds
 * it, whatever the framing.  gSOAP 2.8.124 hands fpreparerecv the bytes it
 * buffered together with the headers twice: raw with the header read (before
 * anyone knows there is a body; the checker is not active then) and again,
 * as body, right after fparse and before parsing them (for Content-Length,
 * chunked and compressed bodies alike); later reads follow as they come.
 * Feeding the buffered bytes here as well would show the checker part of the
 * body twice (a 170 KB SetUserPhoto was refused as "ends inside an
 * element"). */
static int check_body(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (!(soap->status == SOAP_POST || soap->status == SOAP_POST_FILE))
		return SOAP_OK;
	c->chunked = c->content_length < 0 && (soap->imode & SOAP_IO) == SOAP_IO_CHUNK;
	c->inflated = soap->zlib_in != SOAP_ZLIB_NONE;
	if (!c->chunked && !c->inflated && c->content_length <= 0)
		return SOAP_OK;   /* empty: answered later */
	xmlcheck_init(&c->xml);
	c->xml_active = 1;
	return SOAP_OK;
}

static int hook_parsehdr(struct soap *soap, const char *key, const char *val)
{
	struct http_conn *c = soap->user;
	if (!strcasecmp(key, "If-None-Match")) {
		size_t n = strlen(val);
		if (n >= sizeof c->inm) {
			c->early_error = 400;   /* longer than any real client sends */
			return SOAP_OK;
		}
		memcpy(c->inm, val, n + 1);
		c->has_inm = 1;
		return g_orig_parsehdr(soap, key, val);
	} else if (!strcasecmp(key, "Authorization") && !auth_basic_header_ok(val)) {
		c->early_error = 401;   /* not to gSOAP: it would cut the credentials at a NUL */
		return SOAP_OK;
	} else if (!strcasecmp(key, "Content-Length")) {
		char *end;
		errno = 0;
		long long v = strtoll(val, &end, 10);
		if (errno || end == val || v < 0) {
			c->early_error = 400;
			return SOAP_OK;
		}
		c->content_length = v;
		/* 413 before reading the body: gSOAP would truncate silently */
		if ((unsigned long long)v > c->srv->cfg->max_body) {
			c->early_error = 413;
			return SOAP_OK;   /* not to gSOAP: it must not see the length */
		}
	}
	return g_orig_parsehdr(soap, key, val);
}

/* Is @p path (possibly with a query) our EWS endpoint? */
static int is_ews_path(const char *path)
{
	size_t n = strcspn(path, "?");
	return n == sizeof EWS_PATH - 1 && strncasecmp(path, EWS_PATH, n) == 0;
}

static int hook_get(struct soap *soap);

/* The request is admitted (authenticated, or anonymous access is on).  A
 * GET without a body is answered right here: gSOAP would next skip the
 * absent body and run soap_end_recv(), whose id/href resolution walks its
 * empty 1999-bucket tables, only to call hook_get() anyway.  Returning
 * SOAP_STOP ends soap_begin_recv() the way a refusal does.  Anything else
 * (a body, chunked or compressed input) takes gSOAP's own path. */
static int admitted(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (soap->status == SOAP_GET && c->content_length <= 0 && (soap->imode & SOAP_IO) != SOAP_IO_CHUNK &&
	    soap->zlib_in == SOAP_ZLIB_NONE) {
		c->refused = 1;   /* answered while parsing, like a refusal */
		int rc = hook_get(soap);
		return rc ? rc : SOAP_STOP;
	}
	if (ad_endpoint_for(soap->path) != AD_NONE)
		return SOAP_OK;   /* not SOAP-for-EWS: autodiscover/ parses (and judges) the body */
	return check_body(soap);
}

static int hook_parse(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (c->refused)
		return SOAP_STOP;   /* gSOAP may call again after a refusal: the answer is sent */
	soap->http_extra_header = NULL;   /* never a previous response's headers */
	c->has_inm = 0;
	c->inm[0] = '\0';
	c->content_length = -1;
	c->status_override = 0;
	c->extra[0] = '\0';
	c->caller[0] = '\0';
	c->locked_out = 0;
	caller_set_anonymous(&c->who);   /* admitted as such only with --anonymous */
	c->ews.caller = &c->who;
	c->token_error = HTTP_TOKEN_NONE;
	c->early_error = 0;
	c->xml_active = 0;
	c->chunked = 0;
	c->inflated = 0;
	c->body_ended = 0;
	c->xml.error[0] = '\0';

	int rc = g_orig_parse(soap);
	c->headers_done = rc == SOAP_OK;
	if (rc == SOAP_OK && c->early_error)
		return refuse(soap, c->early_error);
	if (rc)
		return rc;
	if (c->content_length >= 0) {
		/* part of the body may already sit in gSOAP's buffer */
		long long buffered = (long long)(soap->buflen - soap->bufidx);
		c->body_remaining = c->content_length > buffered ? c->content_length - buffered : 0;
	}
	if ((soap->status == SOAP_POST || soap->status == SOAP_POST_FILE) && !is_ews_path(soap->path) &&
	    ad_endpoint_for(soap->path) == AD_NONE)
		return refuse(soap, 404);
	if (soap->userid && soap->passwd) {
		struct auth_who who;
		rc = auth_basic(c->srv->store, &c->srv->cfg->auth, soap->userid, soap->passwd, &who);
		if (rc == EMU_OK)
			rc = caller_set_basic(&c->who, who.email, who.is_admin);
		if (rc == EMU_OK)
			return admitted(soap);
		if (who.locked_out) {
			memcpy(c->caller, who.email, sizeof c->caller);   /* named in the log line only */
			c->locked_out = 1;
		}
		return refuse(soap, rc == EMU_EAUTH ? 401 : 500);
	}
	if (soap->bearer) {
		rc = glue_bearer_auth(soap);   /* http/outlook_glue.c */
		return rc ? refuse(soap, rc) : admitted(soap);
	}
	if (c->srv->cfg->allow_anonymous)
		return admitted(soap);
	return refuse(soap, 401);
}

/* GET routes. */
static int hook_get(struct soap *soap)
{
	struct http_conn *c = soap->user;
	const char *q = strchr(soap->path, '?');
	size_t plen = q ? (size_t)(q - soap->path) : strlen(soap->path);
	struct rest_response r;

	if (is_ews_path(soap->path)) {
		static const char msg[] = "The EWS endpoint takes SOAP requests by POST.\n";
		add_header(c, "Allow", "POST");
		return reply(soap, HTTP_OUT_METHOD, NULL, msg, sizeof msg - 1);
	}
	if (glue_is_outlook(soap))
		return glue_outlook(soap);   /* Outlook REST photo API (spec §8) */
	if (!rest_is_photo_path(soap->path, plen)) {
		static const char msg[] = "No such resource.\n";
		return reply(soap, HTTP_OUT_NOT_FOUND, NULL, msg, sizeof msg - 1);
	}
	int rc = rest_get_user_photo(&c->ews, q ? q + 1 : NULL, c->has_inm ? c->inm : NULL, &r);
	if (rc) {
		LOGE("http", "GET photo failed: %s", emu_strerror(rc));
		static const char msg[] = "Internal server error.\n";
		return reply(soap, HTTP_OUT_INTERNAL, NULL, msg, sizeof msg - 1);
	}
	if (r.etag[0]) {
		char etag[PHOTO_ETAG_LEN + 3];
		size_t n = strnlen(r.etag, PHOTO_ETAG_LEN);
		etag[0] = '"';
		memcpy(etag + 1, r.etag, n);
		memcpy(etag + 1 + n, "\"", 2);
		add_header(c, "ETag", etag);
		add_header(c, "Cache-Control", "private");
		add_date_header(c, "Expires", time(NULL) + c->srv->cfg->ews.photo_max_age);
	}
	if (r.outcome != HTTP_OUT_OK)
		LOGD("http", "GET %s -> %d: %s", soap->path, http_status_for(r.outcome),
		     r.message ? r.message : "");
	return reply(soap, r.outcome, r.content_type, r.body, r.len);
}

/* ---- the request loop --------------------------------------------------- */

static const char *method_name(int status)
{
	switch (status) {
	case SOAP_GET: return "GET";
	case SOAP_PUT: return "PUT";
	case SOAP_PATCH: return "PATCH";
	case SOAP_DEL: return "DELETE";
	case SOAP_HEAD: return "HEAD";
	case SOAP_OPTIONS: return "OPTIONS";
	default: return "POST";
	}
}

/* Methods no URL of ours accepts yet. */
static int hook_not_allowed(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (glue_is_outlook(soap))
		return glue_outlook(soap);   /* PUT, PATCH, DELETE of the Outlook photo */
	add_header(c, "Allow", "GET, POST");
	return refuse(soap, 405);
}

const char *http_refusal_note(const struct http_conn *c, char *buf, size_t bufsz)
{
	char shown[AUTH_LOG_NAME_MAX + 4];
	if (!c->locked_out)
		return "";
	/* the client hears only "401"; the log says why (AD's event 4740) */
	auth_log_name(c->caller, shown);
	snprintf(buf, bufsz, " (account '%s' locked out)", shown);
	return buf;
}

/* Answer a request that failed before dispatch (auth, size, path, method). */
static void send_early_error(struct soap *soap, int err)
{
	struct http_conn *c = soap->user;
	enum http_outcome o;
	const char *ews_code = "ErrorInternalServerError", *msg;
	if (glue_refuse(soap, err))
		return;   /* Outlook API URLs (JSON) and token scope refusals */
	switch (err) {
	case 401: o = HTTP_OUT_UNAUTHORIZED; msg = "The request requires authentication (Basic)."; break;
	case 400: o = HTTP_OUT_BAD_REQUEST; msg = "The HTTP request is malformed."; break;
	case 404: o = HTTP_OUT_NOT_FOUND; msg = "No such resource."; break;
	case 405: o = HTTP_OUT_METHOD; msg = "This method is not allowed on this URL."; break;
	case 413:
		o = HTTP_OUT_TOO_LARGE;
		ews_code = "ErrorRequestStreamTooBig";
		msg = "The request body exceeds the server's limit.";
		break;
	default:
		o = HTTP_OUT_INTERNAL;
		msg = "Internal server error.";
		break;
	}
	/* an unread body leaves the stream position unknown: close then */
	int bodiless = c->content_length == 0 ||
	               (c->content_length < 0 && (soap->status == SOAP_GET || soap->status == SOAP_DEL));
	if (!bodiless || err == 413 || err == 400 || err >= 500)
		soap->keep_alive = 0;
	if (o != HTTP_OUT_METHOD)
		c->extra[0] = '\0';
	char note[HTTP_REFUSAL_NOTE_MAX];
	LOGI("http", "%s %s -> %d: %s%s", method_name(soap->status), soap->path[0] ? soap->path : "?",
	     http_status_for(o), msg, http_refusal_note(c, note, sizeof note));
	if ((soap->status == SOAP_POST || soap->status == SOAP_POST_FILE) && o != HTTP_OUT_NOT_FOUND) {
		soap->authrealm = c->srv->cfg->realm;
		soap_adapter_send_fault(soap, http_status_for(o), o == HTTP_OUT_UNAUTHORIZED ? "ErrorAccessDenied" : ews_code, msg);
	} else {
		char body[160];
		int n = snprintf(body, sizeof body, "%s\n", msg);
		reply(soap, o, NULL, body, (size_t)n);
	}
}

/* End a request: what soap_end() does, less soap_free_temp().  That part
 * clears gSOAP's temporary parser state (namespace stack, attribute list,
 * and its id and pointer hash tables: a 1999-bucket walk and a 32 KiB
 * memset), none of which points into the memory freed here, and
 * soap_begin_recv() clears it again first thing for the next request; the
 * soap_end() after the request loop does it once for the last one. */
static void request_done(struct soap *soap)
{
	io_record_done(soap);   /* serve --record: this exchange becomes a fixture */
	soap_destroy(soap);
	soap_dealloc(soap, NULL);
	soap_closesock(soap);   /* closes only after an error or without keep-alive */
}

/* POST /autodiscover/autodiscover.xml or .svc (spec §9): the whole body goes
 * to autodiscover/, which answers with XML (HTTP 200, or 500 for a SOAP fault). */
static int serve_autodiscover(struct soap *soap, enum ad_endpoint ep, int has_body)
{
	struct http_conn *c = soap->user;
	size_t len = 0;
	const char *body = has_body ? soap_http_get_body(soap, &len) : NULL;
	if (has_body && !body && soap->error) {
		soap->keep_alive = 0;
		static const char msg[] = "The request body could not be read.\n";
		return reply(soap, HTTP_OUT_BAD_REQUEST, NULL, msg, sizeof msg - 1);
	}
	/* gSOAP keeps the Host header as soap->endpoint, "http://" HOST PATH */
	char host[AD_HOST_MAX] = "";
	const char *e = strstr(soap->endpoint, "://");
	if (e) {
		size_t n = strlen(e + 3), pl = strlen(soap->path);
		n = n >= pl && !strcmp(e + 3 + n - pl, soap->path) ? n - pl : strcspn(e + 3, "/");
		if (n < sizeof host) {
			memcpy(host, e + 3, n);
			host[n] = '\0';
		}
	}
	struct ad_site site = { .public_url = c->srv->cfg->public_url, .scheme = c->tls ? "https" : "http", .host = host };
	struct ad_reply r;
	int rc = autodiscover_answer(c->srv->store, &c->arena, ep, &site, body, len, &r);
	if (rc) {
		LOGE("http", "autodiscover failed: %s", emu_strerror(rc));
		static const char msg[] = "Internal server error.\n";
		return reply(soap, HTTP_OUT_INTERNAL, NULL, msg, sizeof msg - 1);
	}
	return reply(soap, r.ok ? HTTP_OUT_OK : HTTP_OUT_SOAP_FAULT, r.content_type, r.body, r.len);
}

/* Answer a body gSOAP could not read to the end or parse, when we know why:
 * the checker's finding (ErrorSchemaValidation) or a chunked body over the
 * limit (413, as for a declared length).  Returns 0 when neither applies. */
static int answer_body_problem(struct soap *soap)
{
	struct http_conn *c = soap->user;
	if (c->xml.error[0])
		send_xml_fault(soap);
	else if (chunked_over_limit(soap))
		send_early_error(soap, 413);
	else
		return 0;
	return 1;
}

static void serve_connection(struct soap *soap)
{
	soap->keep_alive = soap->max_keep_alive + 1;
	do {
		if (soap->keep_alive > 0 && soap->max_keep_alive > 0)
			soap->keep_alive--;
		soap->path[0] = '\0';
		((struct http_conn *)soap->user)->body_remaining = -1;
		((struct http_conn *)soap->user)->refused = 0;
		((struct http_conn *)soap->user)->headers_done = 0;
		/* gSOAP reads the next request before calling fparse: the checker
		 * of an inflated body (which runs to the end of the request) stops */
		((struct http_conn *)soap->user)->xml_active = 0;
		/* soap_begin_serve() without its own error replies: we answer */
		if (soap_begin_recv(soap)) {
			int err = soap->error;
			if (err >= SOAP_STOP) {
				/* a GET answered by hook_get, or a request refused while parsing */
				request_done(soap);
				continue;
			}
			struct http_conn *c = soap->user;
			if (answer_body_problem(soap)) {
				/* answered */
			} else if (c->headers_done && (soap->status == SOAP_POST || soap->status == SOAP_POST_FILE) &&
			           ad_endpoint_for(soap->path) != AD_NONE) {
				soap->keep_alive = 0;   /* an empty body: Autodiscover answers it in its own terms */
				soap->error = SOAP_OK;
				serve_autodiscover(soap, ad_endpoint_for(soap->path), 0);
			} else if (c->headers_done && (soap->status == SOAP_POST || soap->status == SOAP_POST_FILE)) {
				soap->keep_alive = 0;   /* e.g. an empty body */
				soap_adapter_send_error(soap, http_status_for(HTTP_OUT_SOAP_FAULT));
			} else if (err >= 100 && err < 600)
				send_early_error(soap, err);
			else if (err == SOAP_HTTP_ERROR)
				send_early_error(soap, 400);
			else
				LOGD("http", "connection ends (gSOAP error %d)", err);
			/* else: the peer closed or idled out - nothing to answer */
			break;
		}
		if (((struct http_conn *)soap->user)->refused) {
			/* answered while parsing the headers */
			request_done(soap);
			continue;
		}
		enum ad_endpoint ad = ad_endpoint_for(soap->path);
		if (ad != AD_NONE && (soap->status == SOAP_POST || soap->status == SOAP_POST_FILE)) {
			serve_autodiscover(soap, ad, 1);
			request_done(soap);
			continue;
		}
		if (soap_envelope_begin_in(soap) || soap_recv_header(soap) || soap_body_begin_in(soap)) {
			/* headers were fine, the body is not a SOAP envelope (spec §1.5) */
			soap->keep_alive = 0;
			if (!answer_body_problem(soap))
				soap_adapter_send_error(soap, http_status_for(HTTP_OUT_SOAP_FAULT));
			break;
		}
		if (soap_adapter_dispatch(soap)) {
			/* a fault from an operation comes after the whole request was
			 * read: the connection stays usable; a parse failure may not */
			struct http_conn *c = soap->user;
			if (answer_body_problem(soap))
				break;
			if (soap->error != SOAP_FAULT)
				soap->keep_alive = 0;
			c->fault_keep_alive = soap->keep_alive;
			soap_adapter_send_error(soap, http_status_for(HTTP_OUT_SOAP_FAULT));
			soap->keep_alive = c->fault_keep_alive;
			c->fault_keep_alive = 0;
		}
		request_done(soap);
	} while (soap->keep_alive && !g_stop);
	io_record_done(soap);   /* the answers given before breaking out of the loop */
	soap_destroy(soap);
	soap_end(soap);
}

static void *connection_thread(void *arg)
{
	struct soap *soap = arg;
	struct http_conn *c = soap->user;
	c->recorder = c->srv->cfg->recorder;   /* NULL unless serve --record */
	if (!c->tls)
		io_direct_start(soap);
	if (!c->tls || soap_ssl_accept(soap) == SOAP_OK) {
		serve_connection(soap);
	} else {
		LOGD("http", "TLS handshake failed");
		soap_destroy(soap);
		soap_end(soap);   /* the fault record soap_ssl_accept() left behind */
	}
	io_release(soap);   /* the last response goes out before the socket closes */
	untrack_socket(c->srv, c->slot);
	soap_closesock(soap);
	atomic_fetch_sub(&c->srv->nconns, 1);
	free(c);
	soap->user = NULL;
	soap_free(soap);
	return NULL;
}

static int parse_listen(const char *spec, char *host, size_t hostsz, int *port)
{
	const char *colon;
	size_t hl;
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':')
			return -1;
		hl = (size_t)(close - spec - 1);
		spec++;
		colon = close + 1;
	} else {
		colon = strrchr(spec, ':');
		if (!colon)
			return -1;
		hl = (size_t)(colon - spec);
	}
	if (hl == 0 || hl >= hostsz)
		return -1;
	memcpy(host, spec, hl);
	host[hl] = '\0';
	char *end;
	long p = strtol(colon + 1, &end, 10);
	if (*end || p < 0 || p > 65535 || end == colon + 1)
		return -1;
	*port = (int)p;
	return 0;
}

/* gSOAP's fault text spans lines; the log wants one. */
static void one_line(char *s)
{
	char *end = s;
	for (; *s; s++) {
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
		if (*s != ' ')
			end = s + 1;
	}
	*end = '\0';
}

static int open_listener(struct http_server *srv, const char *spec, int tls, struct listener *l)
{
	char host[128];
	int port;
	const struct server_config *cfg = srv->cfg;
	if (parse_listen(spec, host, sizeof host, &port)) {
		LOGE("http", "bad listen address '%s' (want HOST:PORT or [V6]:PORT)", spec);
		return EMU_EINVAL;
	}
	struct soap *soap = soap_new1(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING);
	if (!soap)
		return EMU_ENOMEM;
	soap_adapter_init_context(soap);
	soap->bind_flags = SO_REUSEADDR;
	soap->accept_timeout = 1;                 /* poll the stop flag */
	soap->recv_timeout = cfg->idle_timeout;   /* also the keep-alive idle limit */
	soap->send_timeout = 30;
	soap->transfer_timeout = 60;
	soap->max_keep_alive = 1000;
	soap->recv_maxlength = cfg->max_body;     /* chunked bodies carry no Content-Length */
	soap->maxlevel = XML_LIMIT_DEPTH;   /* xmlcheck refuses deeper bodies first */
	soap->maxoccurs = 10000;
	soap->maxlength = (long)cfg->max_body;
	if (tls && soap_ssl_server_context(soap, SOAP_SSL_NO_AUTHENTICATION | SOAP_TLSv1_2 | SOAP_TLSv1_3,
	                                   cfg->cert_file, NULL, NULL, NULL, NULL, NULL, NULL)) {
		char buf[256];
		soap_sprint_fault(soap, buf, sizeof buf);
		one_line(buf);
		LOGE("tls", "cannot use certificate %s: %s", cfg->cert_file, buf);
		soap_free(soap);
		return EMU_EINVAL;
	}
	if (!soap_valid_socket(soap_bind(soap, host, port, 128))) {
		char buf[256];
		soap_sprint_fault(soap, buf, sizeof buf);
		one_line(buf);
		LOGE("http", "cannot listen on %s: %s", spec, buf);
		soap_free(soap);
		return EMU_EIO;
	}
	if (port == 0) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		if (getsockname(soap->master, (struct sockaddr *)&ss, &sl) == 0)
			port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			                                      : ((struct sockaddr_in *)&ss)->sin_port);
	}
	/* hooks: saved once (every context shares gSOAP's defaults) */
	if (!g_orig_parse) {
		g_orig_parse = soap->fparse;
		g_orig_parsehdr = soap->fparsehdr;
		g_orig_response = soap->fresponse;
	}
	io_install(soap);   /* fsend, fclose: one send per response */
	soap->frecv = hook_recv;
	soap->fpreparerecv = hook_prepare_recv;
	soap->fparse = hook_parse;
	soap->fparsehdr = hook_parsehdr;
	soap->fresponse = hook_response;
	soap->fget = hook_get;
	soap->fput = hook_not_allowed;
	soap->fpatch = hook_not_allowed;
	soap->fdel = hook_not_allowed;
	snprintf(l->url, sizeof l->url, "%s://%s%s%s:%d", tls ? "https" : "http",
	         strchr(host, ':') ? "[" : "", host, strchr(host, ':') ? "]" : "", port);
	l->srv = srv;
	l->soap = soap;
	l->tls = tls;
	return EMU_OK;
}

static void *accept_thread(void *arg)
{
	struct listener *l = arg;
	struct http_server *srv = l->srv;
	time_t last_check = time(NULL);
	while (!g_stop) {
		if (!soap_valid_socket(soap_accept(l->soap))) {
			if (l->soap->errnum && !g_stop)
				LOGW("http", "accept failed (errno %d)", l->soap->errnum);
			soap_destroy(l->soap);   /* the timeout's fault record */
			soap_end(l->soap);
			if (time(NULL) - last_check >= 60) {
				store_reader_check(srv->store);
				last_check = time(NULL);
			}
			continue;
		}
		struct http_conn *c = calloc(1, sizeof *c);
		struct soap *cs = c ? soap_copy(l->soap) : NULL;
		if (!cs) {
			free(c);
			soap_force_closesock(l->soap);
			continue;
		}
		l->soap->socket = SOAP_INVALID_SOCKET;   /* the copy owns the connection now */
		c->srv = srv;
		c->tls = l->tls;
		c->ews.store = srv->store;
		c->ews.config = &srv->cfg->ews;
		c->arena.alloc = request_alloc;
		c->arena.ctx = cs;
		c->ews.arena = &c->arena;
		cs->user = c;
		if (atomic_fetch_add(&srv->nconns, 1) >= srv->cfg->max_connections) {
			static const char msg[] = "Too many connections; try again later.\n";
			atomic_fetch_sub(&srv->nconns, 1);
			LOGW("http", "connection limit (%d) reached", srv->cfg->max_connections);
			if (!l->tls) {
				cs->keep_alive = 0;
				reply(cs, HTTP_OUT_BUSY, NULL, msg, sizeof msg - 1);
			}
			io_release(cs);
			soap_closesock(cs);
			free(c);
			cs->user = NULL;
			soap_free(cs);
			continue;
		}
		c->slot = track_socket(srv, cs->socket);
		pthread_t tid;
		pthread_attr_t attr;
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 512 * 1024);
		if (pthread_create(&tid, &attr, connection_thread, cs) != 0) {
			untrack_socket(srv, c->slot);
			atomic_fetch_sub(&srv->nconns, 1);
			soap_closesock(cs);
			free(c);
			cs->user = NULL;
			soap_free(cs);
		}
		pthread_attr_destroy(&attr);
	}
	return NULL;
}

int server_run(store_t *store, const struct server_config *cfg)
{
	struct http_server srv = { .store = store, .cfg = cfg };
	struct listener ls[2];
	pthread_t tids[2];
	int n = 0, rc = EMU_OK;

	atomic_init(&srv.nconns, 0);
	pthread_mutex_init(&srv.lock, NULL);
	srv.socks = malloc((size_t)cfg->max_connections * sizeof *srv.socks);
	if (!srv.socks)
		return EMU_ENOMEM;
	for (int i = 0; i < cfg->max_connections; i++)
		srv.socks[i] = SOAP_INVALID_SOCKET;
	signal(SIGPIPE, SIG_IGN);
	if (!cfg->no_signals) {
		struct sigaction sa = { .sa_handler = on_signal };
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
	}
	if (cfg->https_listen)
		soap_ssl_init();
	if (cfg->http_listen && (rc = open_listener(&srv, cfg->http_listen, 0, &ls[n])) == EMU_OK)
		n++;
	if (rc == EMU_OK && cfg->https_listen && (rc = open_listener(&srv, cfg->https_listen, 1, &ls[n])) == EMU_OK)
		n++;
	if (rc != EMU_OK || n == 0) {
		for (int i = 0; i < n; i++)
			soap_free(ls[i].soap);
		free(srv.socks);
		return rc ? rc : EMU_EINVAL;
	}
	for (int i = 0; i < n; i++) {
		if (cfg->on_listening)
			cfg->on_listening(cfg->on_listening_ctx, ls[i].tls, ls[i].url);
		if (cfg->quiet)
			continue;
		printf("ewsemu: EWS endpoint %s/EWS/Exchange.asmx\n", ls[i].url);
		printf("ewsemu: photo URL    %s/ews/Exchange.asmx/s/GetUserPhoto?email=ADDRESS&size=HR96x96\n", ls[i].url);
	}
	if (!cfg->quiet && cfg->example_user && cfg->example_password) {
		printf("ewsemu: login        %s / %s\n", cfg->example_user, cfg->example_password);
		printf("ewsemu: try          curl -k -u '%s:%s' -o photo.jpg '%s/ews/Exchange.asmx/s/GetUserPhoto?email=%s&size=HR240x240'\n",
		       cfg->example_user, cfg->example_password, ls[0].url, cfg->example_user);
	}
	fflush(stdout);
	LOGI("http", "serving (%s)", cfg->allow_anonymous ? "anonymous access allowed" : "Basic auth required");
	int started = 0;
	for (int i = 0; i < n; i++)
		if (pthread_create(&tids[i], NULL, accept_thread, &ls[i]) == 0)
			started++;
		else
			g_stop = 1;
	for (int i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	/* let open connections finish their request (they stop after it) */
	wake_connections(&srv);
	while (atomic_load(&srv.nconns) > 0)
		usleep(10000);
	for (int i = 0; i < n; i++) {
		soap_destroy(ls[i].soap);
		soap_end(ls[i].soap);
		soap_free(ls[i].soap);
	}
	free(srv.socks);
	pthread_mutex_destroy(&srv.lock);
	LOGI("http", "stopped");
	return EMU_OK;
}
