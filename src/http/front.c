/* front.c - the live server's routes: one table from method + path to a
 * handler and the style its refusals are written in, one function that
 * refuses, one that challenges.  wire/ hands every request here whole
 * (http_front_handle is a wire_handler); see front.h for the path. */
#include "http/front.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdatomic.h>
#include <time.h>

#include "autodiscover/autodiscover.h"
#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"
#include "http/auth.h"
#include "http/debug_log.h"
#include "outlook/outlook.h"
#include "rest/rest.h"

#define EWS_PATH "/ews/exchange.asmx"

/* The headers every answer carries besides Exchange's identity, which
 * http_front_handle adds to every reply (http/ident.h). */
static const char *const g_identity[][2] = {
	{ "X-Frame-Options", "SAMEORIGIN" },
};

int http_reply(struct wire_msg *reply, enum http_outcome o, const char *type, const void *body, size_t len)
{
	int status = http_status_for(o);
	int rc = wire_msg_response(reply, status, NULL);
	if (status == 304)
		return rc;   /* a 304 carries only the validators (the caller adds them) */
	for (size_t i = 0; rc == EMU_OK && i < sizeof g_identity / sizeof *g_identity; i++)
		rc = wire_msg_add_header(reply, g_identity[i][0], g_identity[i][1]);
	if (rc == EMU_OK && type)
		rc = wire_msg_add_header(reply, "Content-Type", type);
	if (rc == EMU_OK)
		wire_msg_set_body_ref(reply, body, len);   /* see http_reply() in front.h: no copy */
	return rc;
}

int http_photo_cache_headers(struct wire_msg *reply, const char *etag, int max_age)
{
	char quoted[PHOTO_ETAG_LEN + 3];
	size_t n = strnlen(etag, PHOTO_ETAG_LEN);
	quoted[0] = '"';
	memcpy(quoted + 1, etag, n);
	memcpy(quoted + 1 + n, "\"", 2);
	int rc = wire_msg_add_header(reply, "ETag", quoted);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "Cache-Control", "private");
	if (rc == EMU_OK && max_age >= 0) {
		char date[WIRE_DATE_MAX];
		wire_http_date(time(NULL) + max_age, date);
		rc = wire_msg_add_header(reply, "Expires", date);
	}
	return rc;
}

/* ---- the routes ---------------------------------------------------------- */

typedef int (*route_fn)(struct http_front *f, struct request *rq, struct wire_msg *reply);

struct route {
	const char *name;                 /* for the log */
	int (*match)(const char *path, size_t len);
	const char *methods;              /* "POST", "GET", "*" (every method goes to the handler) */
	route_fn handler;
	enum http_style style;            /* refusals of a POST on SOAP-speaking routes: SOAP faults */
	int soap_ops;                     /* runs EWS / Autodiscover operations: needs ACCESS_EWS_SOAP */
};

static int is_ews(const char *path, size_t len)
{
	return len == sizeof EWS_PATH - 1 && strncasecmp(path, EWS_PATH, len) == 0;
}

static int is_autodiscover(const char *path, size_t len)
{
	char buf[64];
	if (len >= sizeof buf)
		return 0;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return ad_endpoint_for(buf) != AD_NONE;
}

static int is_anything(const char *path, size_t len)
{
	(void)path;
	(void)len;
	return 1;
}

static int serve_soap(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_ews_get(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_rest(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_outlook(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_autodiscover(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_not_found(struct http_front *f, struct request *rq, struct wire_msg *reply);
static int serve_svcdesc(struct http_front *f, struct request *rq, struct wire_msg *reply);
static const char *host_of(const struct request *rq);

static int is_svcdesc(const char *path, size_t len)
{
	return svcdesc_doc_for(path, len) != SVCDESC_NONE;
}

/* First match wins.  Outlook URLs take every method (outlook/ answers 405
 * itself, in JSON); elsewhere a method the table does not list gets 405. */
static const struct route g_routes[] = {
	{ "ews", is_ews, "POST", serve_soap, HTTP_STYLE_SOAP, 1 },
	{ "ews-get", is_ews, "GET", serve_ews_get, HTTP_STYLE_TEXT, 0 },
	{ "outlook", outlook_is_api_path, "*", serve_outlook, HTTP_STYLE_JSON, 0 },
	{ "rest-photo", rest_is_photo_path, "GET", serve_rest, HTTP_STYLE_TEXT, 0 },
	{ "autodiscover", is_autodiscover, "POST", serve_autodiscover, HTTP_STYLE_SOAP, 1 },
	/* the service description (spec connect-like-exchange §4): every method to
	 * the handler, which answers 405 to all but GET/HEAD after authentication */
	{ "svcdesc", is_svcdesc, "*", serve_svcdesc, HTTP_STYLE_TEXT, 0 },
	{ "not-found", is_anything, "GET", serve_not_found, HTTP_STYLE_TEXT, 0 },
};

static int method_listed(const char *methods, const char *method)
{
	return !strcmp(methods, "*") || !strcmp(methods, method);
}

/* The route for @p method on @p path: the first entry whose path matches
 * and that lists the method; *path_known says whether any entry's path
 * matched (a 405 rather than a 404). */
static const struct route *route_find(const char *method, const char *path, size_t len)
{
	for (size_t i = 0; i < sizeof g_routes / sizeof *g_routes; i++)
		if (g_routes[i].match(path, len) && method_listed(g_routes[i].methods, method))
			return &g_routes[i];
	return NULL;
}

/* ---- refusals ------------------------------------------------------------ */

int http_challenge(const struct http_front *f, const struct request *rq, struct wire_msg *reply)
{
	char v[256];
	const char *realm = f->cfg->realm;
	int rc = EMU_OK;
	/* Exchange's EWS vdir: Negotiate first, then NTLM, bare, one line each (spec §2.1) */
	if (f->cfg->auth_schemes & SERVER_AUTH_NEGOTIATE)
		rc = wire_msg_add_header(reply, "WWW-Authenticate", "Negotiate");
	if (rc == EMU_OK && (f->cfg->auth_schemes & SERVER_AUTH_NTLM))
		rc = wire_msg_add_header(reply, "WWW-Authenticate", "NTLM");
	snprintf(v, sizeof v, "Basic realm=\"%s\"", realm);
	if (rc == EMU_OK && (f->cfg->auth_schemes & SERVER_AUTH_BASIC))
		rc = wire_msg_add_header(reply, "WWW-Authenticate", v);
	if (rq->token_error == HTTP_TOKEN_EXPIRED)
		snprintf(v, sizeof v, "Bearer realm=\"%s\", error=\"invalid_token\", error_description=\"The token has expired\"",
		         realm);
	else if (rq->token_error == HTTP_TOKEN_INVALID)
		snprintf(v, sizeof v, "Bearer realm=\"%s\", error=\"invalid_token\", error_description=\"The token is not valid\"",
		         realm);
	else
		snprintf(v, sizeof v, "Bearer realm=\"%s\"", realm);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "WWW-Authenticate", v);
	return rc;
}

/* " (account 'x' locked out)" for the log line of a locked-out login. */
static const char *refusal_note(const struct request *rq, char *buf, size_t bufsz)
{
	char shown[AUTH_LOG_NAME_MAX + 4];
	if (!rq->locked_out[0])
		return "";
	/* the client hears only "401"; the log says why (AD's event 4740) */
	auth_log_name(rq->locked_out, shown);
	snprintf(buf, bufsz, " (account '%s' locked out)", shown);
	return buf;
}

static enum http_style style_of(const struct request *rq, enum http_outcome o)
{
	if (o == HTTP_OUT_NOT_FOUND && (!rq->route || rq->route->style != HTTP_STYLE_JSON))
		return HTTP_STYLE_TEXT;   /* no such URL: nothing there speaks SOAP */
	if (rq->route && rq->route->style == HTTP_STYLE_JSON)
		return HTTP_STYLE_JSON;
	/* a POST speaks SOAP (EWS and Autodiscover refusals are SOAP faults) */
	if (!strcmp(rq->msg->method, "POST") && (!rq->route || rq->route->style == HTTP_STYLE_SOAP))
		return HTTP_STYLE_SOAP;
	return HTTP_STYLE_TEXT;
}

static int conn_soap(struct request *rq, soap_engine_t **out)
{
	if (!rq->conn->soap && soap_engine_new(&rq->conn->soap) != EMU_OK)
		return EMU_ENOMEM;
	*out = rq->conn->soap;
	return EMU_OK;
}

int http_refuse(const struct http_front *f, struct request *rq, enum http_outcome o, const char *ews_code,
                const char *msg, struct wire_msg *reply)
{
	char note[128];
	int rc;
	LOGI("http", "%s %.*s -> %d: %s%s", rq->msg->method, (int)rq->path_len, rq->path, http_status_for(o), msg,
	     refusal_note(rq, note, sizeof note));
	wire_msg_free(reply);
	wire_msg_init(reply);
	if (o == HTTP_OUT_UNAUTHORIZED && style_of(rq, o) != HTTP_STYLE_JSON) {
		/* IIS/Exchange (spec §2.1): Content-Length: 0, no Content-Type, the
		 * offers; Outlook REST URLs keep their JSON error */
		rc = http_reply(reply, o, NULL, NULL, 0);
		return rc == EMU_OK ? http_challenge(f, rq, reply) : rc;
	}
	switch (style_of(rq, o)) {
	case HTTP_STYLE_SOAP: {
		soap_engine_t *e;
		struct soap_answer a;
		if ((rc = conn_soap(rq, &e)) != EMU_OK)
			return rc;
		rc = soap_engine_fault(e, o, ews_code, msg, &a);
		if (rc == EMU_OK)
			memcpy(rq->codes, a.codes, sizeof rq->codes);
		if (rc == EMU_OK)
			rc = http_reply(reply, o, "text/xml; charset=utf-8", a.body, a.len);
		soap_engine_end(e);
		break;
	}
	case HTTP_STYLE_JSON: {
		struct outlook_response r;
		memset(&r, 0, sizeof r);
		rc = outlook_error(&rq->ews, o, ews_code, msg, &r);
		if (rc == EMU_OK)
			snprintf(rq->codes, sizeof rq->codes, "%s:1", ews_code);
		if (rc == EMU_OK)
			rc = http_reply(reply, o, r.content_type, r.body, r.len);
		break;
	}
	default: {
		size_t n = strlen(msg);
		char *body = arena_alloc(rq->ews.arena, n + 2);
		if (!body)
			return EMU_ENOMEM;
		memcpy(body, msg, n);
		memcpy(body + n, "\n", 2);
		rc = http_reply(reply, o, "text/plain; charset=utf-8", body, n + 1);
		break;
	}
	}
	if (rc == EMU_OK && o == HTTP_OUT_UNAUTHORIZED)
		rc = http_challenge(f, rq, reply);
	return rc;
}

/* Refuse after http_authenticate said no (401/500). */
static int refuse_auth(struct http_front *f, struct request *rq, int status, struct wire_msg *reply)
{
	enum http_style st = style_of(rq, HTTP_OUT_UNAUTHORIZED);
	if (status == 401 && rq->ntlm_challenge) {
		/* an NTLM handshake leg: empty 401, only the challenge, keep-alive (spec §2.2) */
		LOGD("http", "%s %.*s -> 401: NTLM challenge", rq->msg->method, (int)rq->path_len, rq->path);
		rq->substatus = 1;            /* IIS's log of a handshake leg: 401 1 0x8009030E (§2.6) */
		rq->win32 = 2148074254ul;
		wire_msg_free(reply);
		wire_msg_init(reply);
		int rc = http_reply(reply, HTTP_OUT_UNAUTHORIZED, NULL, NULL, 0);
		return rc == EMU_OK ? wire_msg_add_header(reply, "WWW-Authenticate", rq->ntlm_challenge) : rc;
	}
	if (status == 401) {
		/* IIS's log (spec §2.6): anonymous 401.2 (5: access denied), refused
		 * credentials 401.1 (1326: ERROR_LOGON_FAILURE) */
		int sent = wire_msg_header(rq->msg, "Authorization") != NULL;
		rq->substatus = sent ? 1 : 2;
		rq->win32 = sent ? 1326 : 5;
		if (st == HTTP_STYLE_JSON)
			return http_refuse(f, rq, HTTP_OUT_UNAUTHORIZED, "InvalidAuthenticationToken",
			                   rq->token_error == HTTP_TOKEN_EXPIRED   ? "The access token has expired."
			                   : rq->token_error == HTTP_TOKEN_INVALID ? "The access token is not valid."
			                                                           : "Access token is empty.",
			                   reply);
		return http_refuse(f, rq, HTTP_OUT_UNAUTHORIZED, "ErrorAccessDenied",
		                   "The request requires authentication (Basic).", reply);
	}
	return http_refuse(f, rq, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.", reply);
}

/* ---- handlers ------------------------------------------------------------ */

static int serve_soap(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	char why[SOAP_CHECK_MSG_MAX];
	soap_engine_t *e;
	struct soap_answer a;
	const void *body;
	size_t len;
	int rc = http_request_body(rq, f->cfg->max_body, &body, &len);

	if (rc == EMU_EINVAL)
		return http_refuse(f, rq, HTTP_OUT_UNSUPPORTED_MEDIA, "ErrorInvalidRequest",
		                   "The request body's Content-Encoding is not supported (gzip, deflate).", reply);
	if (rc != EMU_OK)
		return rc;
	if (!soap_body_check(body, len, why))
		return http_refuse(f, rq, HTTP_OUT_SOAP_FAULT, "ErrorSchemaValidation", why, reply);
	if ((rc = conn_soap(rq, &e)) != EMU_OK)
		return rc;
	rc = soap_engine_serve(e, &rq->ews, body, len, rq->if_none_match, &a);
	if (rc == EMU_OK) {
		snprintf(rq->op, sizeof rq->op, "%s", a.op);   /* a.op lives until soap_engine_end */
		memcpy(rq->codes, a.codes, sizeof rq->codes);
	}
	if (rc == EMU_OK)
		rc = http_reply(reply, a.outcome, "text/xml; charset=utf-8", a.body, a.len);
	if (rc == EMU_OK && a.etag[0])
		rc = http_photo_cache_headers(reply, a.etag, f->cfg->ews.photo_max_age);
	if (rc == EMU_OK && a.outcome != HTTP_OUT_OK)
		LOGD("http", "POST %s -> %d", a.op, http_status_for(a.outcome));
	soap_engine_end(e);
	return rc;
}

/* @p doc of the service description, as IIS serves a static file: text/xml,
 * ETag + Last-Modified, 304 on a matching If-None-Match; the WSDL's
 * soap:address is the EWS URL the client used (or --public-url), built by
 * Autodiscover's rule (a Host that is no plausible authority -> localhost). */
static int serve_description(struct http_front *f, struct request *rq, enum svcdesc_doc doc, struct wire_msg *reply)
{
	char base[AD_URL_MAX], url[AD_URL_MAX + sizeof "/EWS/Exchange.asmx"];
	struct ad_site site = { .public_url = f->cfg->public_url, .scheme = rq->peer->tls ? "https" : "http",
		                .host = host_of(rq) };
	struct svcdesc_answer a;
	int rc = ad_base_url(&site, base, sizeof base);
	if (rc == EMU_OK) {
		snprintf(url, sizeof url, "%s/EWS/Exchange.asmx", base);
		rc = svcdesc_get(f->svcdesc, doc, url, rq->ews.arena, &a);
	}
	if (rc == EMU_ELIMIT)
		return http_refuse(f, rq, HTTP_OUT_BAD_REQUEST, EWS_ERROR_INTERNAL, "The Host header is too long.", reply);
	if (rc != EMU_OK)
		return rc;
	char date[WIRE_DATE_MAX];
	wire_http_date(a.last_modified, date);
	rc = http_reply(reply, svcdesc_etag_matches(rq->if_none_match, a.etag) ? HTTP_OUT_NOT_MODIFIED : HTTP_OUT_OK,
	                "text/xml", a.body, a.len);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "ETag", a.etag);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "Last-Modified", date);
	return rc;
}

/* GET /EWS/Exchange.asmx, with ?wsdl or without: the WSDL (spec §4). */
static int serve_ews_get(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	return serve_description(f, rq, SVCDESC_WSDL, reply);
}

/* /EWS/Services.wsdl, /EWS/messages.xsd, /EWS/types.xsd. */
static int serve_svcdesc(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	const char *m = rq->msg->method;
	int rc;
	if (!strcmp(m, "GET") || !strcmp(m, "HEAD"))
		return serve_description(f, rq, svcdesc_doc_for(rq->path, rq->path_len), reply);
	if (!strcmp(m, "OPTIONS"))
		rc = http_reply(reply, HTTP_OUT_OK, NULL, NULL, 0);
	else
		rc = http_refuse(f, rq, HTTP_OUT_METHOD, EWS_ERROR_INTERNAL, "This method is not allowed on this URL.", reply);
	return rc == EMU_OK ? wire_msg_add_header(reply, "Allow", "GET, HEAD, OPTIONS") : rc;
}

static int serve_not_found(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	return http_refuse(f, rq, HTTP_OUT_NOT_FOUND, EWS_ERROR_INTERNAL, "No such resource.", reply);
}

/* REST-style GET …/s/GetUserPhoto (spec §3). */
static int serve_rest(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	struct rest_response r;
	char query[REST_QUERY_MAX + 1];
	const char *q = NULL;
	if (rq->query) {
		size_t n = strlen(rq->query);
		if (n > REST_QUERY_MAX)
			return http_refuse(f, rq, HTTP_OUT_BAD_REQUEST, EWS_ERROR_INTERNAL, "The query string is too long.",
			                   reply);
		memcpy(query, rq->query, n + 1);
		q = query;
	}
	snprintf(rq->op, sizeof rq->op, "%s", "GetUserPhoto");
	int rc = rest_get_user_photo(&rq->ews, q, rq->if_none_match, &r);
	if (rc) {
		LOGE("http", "GET photo failed: %s", emu_strerror(rc));
		return http_refuse(f, rq, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.", reply);
	}
	if (r.outcome != HTTP_OUT_OK)
		LOGD("http", "GET %.*s -> %d: %s", (int)rq->path_len, rq->path, http_status_for(r.outcome),
		     r.message ? r.message : "");
	rc = http_reply(reply, r.outcome, r.content_type ? r.content_type : "text/plain; charset=utf-8", r.body, r.len);
	if (rc == EMU_OK && r.etag[0])
		rc = http_photo_cache_headers(reply, r.etag, f->cfg->ews.photo_max_age);
	return rc;
}

/* The Host header if it is a plausible authority, else "". */
static const char *host_of(const struct request *rq)
{
	const char *h = wire_msg_header(rq->msg, "Host");
	return h ? h : "";
}

/* "https://host:port" for @odata ids: --public-url, else the scheme and the
 * Host header (only host-name characters; anything else -> localhost). */
static void base_url(const struct http_front *f, const struct request *rq, char *out, size_t outsz)
{
	const char *pub = f->cfg->public_url;
	if (pub) {
		size_t n = strlen(pub);
		while (n && pub[n - 1] == '/')
			n--;
		snprintf(out, outsz, "%.*s", (int)n, pub);
		return;
	}
	const char *h = host_of(rq);
	size_t n = strlen(h);
	if (n == 0 || n > 255 || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_") < n) {
		h = "localhost";
		n = 9;
	}
	snprintf(out, outsz, "%s://%.*s", rq->peer->tls ? "https" : "http", (int)n, h);
}

static int serve_outlook(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	struct outlook_request req;
	struct outlook_response r;
	char base[300];
	const char *m = rq->msg->method;

	memset(&req, 0, sizeof req);
	req.method = !strcmp(m, "GET") || !strcmp(m, "HEAD") ? OUTLOOK_GET
	           : !strcmp(m, "PUT")                       ? OUTLOOK_PUT
	           : !strcmp(m, "PATCH")                     ? OUTLOOK_PATCH
	           : !strcmp(m, "DELETE")                    ? OUTLOOK_DELETE
	                                                     : OUTLOOK_OTHER;
	if (req.method != OUTLOOK_GET) {
		req.body = rq->msg->body;
		req.body_len = rq->msg->body_len;
	}
	base_url(f, rq, base, sizeof base);
	req.path = rq->path;
	req.path_len = rq->path_len;
	req.base_url = base;
	req.if_none_match = rq->if_none_match;
	int rc = outlook_serve(&rq->ews, &req, &r);
	if (rc == EMU_OK && r.op)
		snprintf(rq->op, sizeof rq->op, "Outlook%s", r.op);
	if (rc == EMU_OK && r.code)
		snprintf(rq->codes, sizeof rq->codes, "%s:1", r.code);
	if (rc) {
		LOGE("http", "Outlook API %.*s failed: %s", (int)rq->path_len, rq->path, emu_strerror(rc));
		return http_refuse(f, rq, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.", reply);
	}
	if (r.outcome != HTTP_OUT_OK)
		LOGD("http", "%s %.*s -> %d: %s", m, (int)rq->path_len, rq->path, http_status_for(r.outcome),
		     r.message ? r.message : "");
	rc = http_reply(reply, r.outcome, r.content_type, r.body, r.len);
	if (rc == EMU_OK && r.etag[0])
		rc = http_photo_cache_headers(reply, r.etag, -1);
	if (rc == EMU_OK && r.allow)
		rc = wire_msg_add_header(reply, "Allow", r.allow);
	return rc;
}

/* POST /autodiscover/autodiscover.xml or .svc (spec §9): the whole body goes
 * to autodiscover/, which answers with XML (HTTP 200, or 500 for a SOAP fault). */
static int serve_autodiscover(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	char path[64];
	snprintf(path, sizeof path, "%.*s", (int)rq->path_len, rq->path);
	struct ad_site site = { .public_url = f->cfg->public_url, .scheme = rq->peer->tls ? "https" : "http",
		                .host = host_of(rq), .profile = f->cfg->ews.profile };
	struct ad_reply r;
	snprintf(rq->op, sizeof rq->op, "%s", ad_endpoint_for(path) == AD_SOAP ? "GetUserSettings" : "Autodiscover");
	int rc = autodiscover_answer(f->store, rq->ews.arena, ad_endpoint_for(path), &site,
	                             rq->msg->body ? (const char *)rq->msg->body : NULL, rq->msg->body_len, &r);
	if (rc) {
		LOGE("http", "autodiscover failed: %s", emu_strerror(rc));
		return http_refuse(f, rq, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.", reply);
	}
	return http_reply(reply, r.ok ? HTTP_OUT_OK : HTTP_OUT_SOAP_FAULT, r.content_type, r.body, r.len);
}

/* ---- the one entry point --------------------------------------------------- */

static int known_method(const char *m)
{
	static const char *const known[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
	for (size_t i = 0; i < sizeof known / sizeof *known; i++)
		if (!strcmp(m, known[i]))
			return 1;
	return 0;
}

/* Every URL's methods, for OPTIONS and 405 answers. */
static const char *allowed_on(const char *path, size_t len)
{
	if (outlook_is_api_path(path, len))
		return "GET, PUT, PATCH, DELETE, OPTIONS";
	return "GET, HEAD, POST, OPTIONS";
}

static int dispatch(struct http_front *f, struct request *rq, struct wire_msg *reply)
{
	const struct wire_msg *m = rq->msg;
	/* HEAD is GET without the body (wire/ leaves the body out) */
	const char *method = !strcmp(m->method, "HEAD") ? "GET" : m->method;

	if (rq->if_none_match && strlen(rq->if_none_match) >= HTTP_INM_MAX)   /* longer than any client sends */
		return http_refuse(f, rq, HTTP_OUT_BAD_REQUEST, EWS_ERROR_INTERNAL, "The HTTP request is malformed.", reply);
	if (!known_method(m->method))
		return http_refuse(f, rq, HTTP_OUT_METHOD, EWS_ERROR_INTERNAL, "This method is not allowed on this URL.",
		                   reply);
	/* a POST to a URL nobody serves: 404 before any credentials are checked;
	 * on an Outlook REST URL that is a 405 (no resource there takes POST) */
	if (!strcmp(method, "POST") && rq->route && rq->route->style == HTTP_STYLE_JSON) {
		int rc = http_refuse(f, rq, HTTP_OUT_METHOD, "ErrorInvalidRequest",
		                     "This method is not allowed on this resource.", reply);
		return rc == EMU_OK ? wire_msg_add_header(reply, "Allow", "GET, PUT, PATCH, DELETE") : rc;
	}
	if (!rq->route && !strcmp(method, "POST"))
		return http_refuse(f, rq, HTTP_OUT_NOT_FOUND, EWS_ERROR_INTERNAL, "No such resource.", reply);
	int st = http_authenticate(f, rq);
	if (st)
		return refuse_auth(f, rq, st, reply);
	if (rq->route && rq->route->soap_ops && access_check(&rq->who, ACCESS_EWS_SOAP, NULL) != EMU_OK) {
		/* EWS operations are not scoped one by one: a token reaches them only
		 * when its scopes grant at least what Basic gives (ews/access.c) */
		char msg[300];
		snprintf(msg, sizeof msg, "Access is denied: the token's scopes do not cover EWS operations (use %s).",
		         access_scopes_needed(ACCESS_EWS_SOAP, 0));
		return http_refuse(f, rq, HTTP_OUT_FORBIDDEN, "ErrorAccessDenied", msg, reply);
	}
	if (!strcmp(method, "OPTIONS") && (!rq->route || strcmp(rq->route->methods, "*"))) {
		int rc = http_reply(reply, HTTP_OUT_OK, NULL, NULL, 0);
		return rc == EMU_OK ? wire_msg_add_header(reply, "Allow", allowed_on(rq->path, rq->path_len)) : rc;
	}
	if (!rq->route) {
		int rc = http_refuse(f, rq, HTTP_OUT_METHOD, EWS_ERROR_INTERNAL, "This method is not allowed on this URL.",
		                     reply);
		return rc == EMU_OK ? wire_msg_add_header(reply, "Allow", "GET, POST") : rc;
	}
	rq->backend = 1;
	return rq->route->handler(f, rq, reply);
}

/* The request value for @p msg on @p peer's connection state (created on
 * the connection's first request).  NULL when out of memory. */
static struct http_conn_state *request_init(struct http_front *f, struct wire_peer *peer, const struct wire_msg *msg,
                                            struct request *rq)
{
	struct http_conn_state *cs = peer->conn_state;
	if (!cs) {
		if (!(cs = calloc(1, sizeof *cs)))
			return NULL;
		heap_arena_init(&cs->heap);
		peer->conn_state = cs;
	}
	/* the previous request's memory: its reply (whose body may point into
	 * it, see http_reply) has been sent; one block stays for this one */
	heap_arena_reset(&cs->heap);
	memset(rq, 0, sizeof *rq);
	rq->msg = msg;
	rq->peer = peer;
	rq->conn = cs;
	rq->path = msg->target;
	rq->path_len = strcspn(msg->target, "?");
	rq->query = msg->target[rq->path_len] == '?' ? msg->target + rq->path_len + 1 : NULL;
	rq->if_none_match = wire_msg_header(msg, "If-None-Match");
	rq->ews.store = f->store;
	rq->ews.config = &f->cfg->ews;
	rq->ews.arena = &cs->heap.arena;
	caller_set_anonymous(&rq->who);
	rq->ews.caller = &rq->who;
	const char *method = !strcmp(msg->method, "HEAD") ? "GET" : msg->method;
	rq->route = route_find(method, rq->path, rq->path_len);
	http_request_id(rq->request_id);
	clock_gettime(CLOCK_MONOTONIC, &rq->started);
	return cs;
}

void http_front_listener(struct http_front *f, int tls, const char *url)
{
	const char *auth = strstr(url, "://");
	access_log_split_addr(auth ? auth + 3 : url, f->listener[tls].ip, &f->listener[tls].port);
	atomic_store_explicit(&f->listener[tls].ready, 1, memory_order_release);
}

/* cs-username: the name as the client sent it (Basic), the token's
 * subject's address (Bearer); NULL when anonymous or refused. */
static const char *log_user(const struct request *rq, char *buf, size_t bufsz)
{
	if (rq->who.auth == CALLER_BASIC) {
		const char *a = wire_msg_header(rq->msg, "Authorization");
		if (a && wire_basic_user(a, buf, bufsz) == EMU_OK)
			return buf;
	}
	return caller_address(&rq->who);
}

/* The access log line of @p rq answered by @p reply. */
static void log_access(const struct http_front *f, const struct request *rq, const struct wire_msg *reply)
{
	char user[ACCESS_LOG_FIELD_MAX], c_ip[ACCESS_LOG_IP_MAX];
	struct timespec now;
	int c_port;
	if (!f->access_log)
		return;
	int tls = rq->peer->tls ? 1 : 0;
	int have_s = atomic_load_explicit(&f->listener[tls].ready, memory_order_acquire);
	clock_gettime(CLOCK_MONOTONIC, &now);
	access_log_split_addr(rq->peer->addr, c_ip, &c_port);
	const char *crid = wire_msg_header(rq->msg, "client-request-id");
	struct access_entry e = {
		.s_ip = have_s ? f->listener[tls].ip : NULL,
		.s_port = have_s ? f->listener[tls].port : 0,
		.method = rq->msg->method,
		.stem = rq->path,
		.stem_len = rq->path_len,
		.query = rq->query,
		.user = reply->status == 401 ? NULL : log_user(rq, user, sizeof user),
		.c_ip = c_ip,
		.user_agent = wire_msg_header(rq->msg, "User-Agent"),
		.referer = wire_msg_header(rq->msg, "Referer"),
		.status = reply->status,
		.substatus = rq->substatus,
		.win32 = rq->win32,
		.time_taken_ms = (long)(now.tv_sec - rq->started.tv_sec) * 1000 +
		                 (now.tv_nsec - rq->started.tv_nsec) / 1000000,
		.correlation_id = crid && strlen(crid) <= HTTP_CLIENT_REQUEST_ID_MAX ? crid : NULL,
		.request_id = rq->request_id,
		.op = rq->op,
		.codes = rq->codes,
	};
	clock_gettime(CLOCK_REALTIME, &e.when);
	access_log_write(f->access_log, &e);
}

/* Exchange's identity on @p reply (spec §5), client-request-id echoed
 * when the client asked for it (§5.3). */
static int identify(const struct http_front *f, const struct request *rq, struct wire_msg *reply)
{
	const char *ret = wire_msg_header(rq->msg, "return-client-request-id");
	const char *crid = ret && !strcasecmp(ret, "true") ? wire_msg_header(rq->msg, "client-request-id") : NULL;
	return http_ident_headers(&f->ident, rq->request_id, rq->backend ? HTTP_IDENT_BACK : HTTP_IDENT_FRONT, crid,
	                          reply);
}

enum wire_action http_front_handle(void *ctx, struct wire_peer *peer, const struct wire_msg *msg,
                                   struct wire_msg *reply)
{
	struct http_front *f = ctx;
	struct request rq;
	struct http_conn_state *cs = request_init(f, peer, msg, &rq);
	if (!cs)
		return WIRE_REPLY_CLOSE;   /* reply stays empty: wire answers 500 */
	int rc = dispatch(f, &rq, reply);
	if (rc == EMU_OK && rq.ntlm_final)   /* Negotiate's last token rides on the answer */
		rc = wire_msg_add_header(reply, "WWW-Authenticate", rq.ntlm_final);
	if (rc == EMU_OK)
		rc = identify(f, &rq, reply);
	if (rc != EMU_OK) {
		LOGE("http", "%s %.*s: %s", msg->method, (int)rq.path_len, rq.path, emu_strerror(rc));
		wire_msg_free(reply);
		wire_msg_init(reply);
		reply->status = 500;   /* what wire answers, for the log line */
		log_access(f, &rq, reply);
		reply->status = 0;
		return WIRE_REPLY_CLOSE;   /* wire answers 500 */
	}
	log_access(f, &rq, reply);
	http_debug_exchange(rq.request_id, msg, reply);
	return WIRE_REPLY;
}

void http_front_refuse(void *ctx, struct wire_peer *peer, const struct wire_msg *head, int status,
                       const char *reason, struct wire_msg *resp)
{
	struct http_front *f = ctx;
	struct request rq;
	struct http_conn_state *cs = request_init(f, peer, head, &rq);
	if (!cs)
		return;   /* wire's plain text */
	int rc;
	if (status == 413)
		rc = http_refuse(f, &rq, HTTP_OUT_TOO_LARGE, "ErrorRequestStreamTooBig",
		                 "The request body exceeds the server's limit.", resp);
	else if (status == 400)
		rc = http_refuse(f, &rq, HTTP_OUT_BAD_REQUEST, "ErrorInvalidRequest",
		                 strstr(reason, "ended early") ? "The request body ended early." : "The HTTP request is malformed.",
		                 resp);
	else
		rc = EMU_EINVAL;
	if (rc == EMU_OK)
		rc = identify(f, &rq, resp);
	if (rc != EMU_OK) {
		wire_msg_free(resp);
		wire_msg_init(resp);
		return;   /* wire's plain text */
	}
	log_access(f, &rq, resp);
	http_debug_exchange(rq.request_id, head, resp);
}

void http_front_conn_end(void *ctx, struct wire_peer *peer)
{
	struct http_conn_state *cs = peer->conn_state;
	(void)ctx;
	if (!cs)
		return;
	soap_engine_free(cs->soap);
	ntlm_ctx_free(cs->ntlm);
	heap_arena_free(&cs->heap);
	free(cs);
	peer->conn_state = NULL;
}
