/* outlook_glue.c - bearer tokens and the Outlook REST photo API on the wire
 * (see outlook_glue.h).  HTTP statuses come from http_status_for(). */
#include "http/outlook_glue.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <stdsoap2.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"
#include "http/conn.h"
#include "http/server.h"
#include "outlook/outlook.h"
#include "rest/rest.h"
#include "soap/soap_adapter.h"
#include "token/token.h"

#define CFG(c) http_server_config((c)->srv)

/* PATCH paths arrive as "H /api/..." (gSOAP 2.8.124 bug, see the notes). */
static const char *req_path(struct soap *soap)
{
	const char *p = soap->path;
	if (p[0] == 'H' && p[1] == ' ')
		p += 2;
	return p;
}

int glue_is_outlook(struct soap *soap)
{
	const char *p = req_path(soap);
	return outlook_is_api_path(p, strcspn(p, "?"));
}

static void add_header(struct http_conn *c, const char *name, const char *value)
{
	size_t used = strlen(c->extra), nl = strlen(name), vl = strlen(value);
	if (used + (used ? 2 : 0) + nl + 2 + vl >= sizeof c->extra)
		return;   /* keep what fits; never a cut header */
	char *p = c->extra + used;
	if (used) {
		memcpy(p, "\r\n", 2);
		p += 2;
	}
	memcpy(p, name, nl);
	p += nl;
	memcpy(p, ": ", 2);
	memcpy(p + 2, value, vl + 1);
}

void glue_bearer_challenge(struct soap *soap, char *out, size_t outsz)
{
	struct http_conn *c = soap->user;
	const char *realm = CFG(c)->realm;
	switch (c->token_error) {
	case HTTP_TOKEN_EXPIRED:
		snprintf(out, outsz, "Bearer realm=\"%s\", error=\"invalid_token\", error_description=\"The token has expired\"", realm);
		break;
	case HTTP_TOKEN_INVALID:
		snprintf(out, outsz, "Bearer realm=\"%s\", error=\"invalid_token\", error_description=\"The token is not valid\"", realm);
		break;
	default:
		snprintf(out, outsz, "Bearer realm=\"%s\"", realm);
		break;
	}
}

/* Send a complete response; a 401 offers Bearer, then Basic. */
static int send_reply(struct soap *soap, enum http_outcome o, const char *type, const void *body, size_t len)
{
	struct http_conn *c = soap->user;
	int status = http_status_for(o);
	if (status == 401) {
		char challenge[256];
		glue_bearer_challenge(soap, challenge, sizeof challenge);
		add_header(c, "WWW-Authenticate", challenge);
		snprintf(challenge, sizeof challenge, "Basic realm=\"%s\"", CFG(c)->realm);
		add_header(c, "WWW-Authenticate", challenge);
	}
	soap->http_content = type ? type : "text/plain; charset=utf-8";
	soap->http_extra_header = c->extra[0] ? soap_strdup(soap, c->extra) : NULL;
	soap_mode omode = soap->omode;
	soap->omode = (omode & ~SOAP_IO) | SOAP_IO_STORE;
	int rc = soap_response(soap, SOAP_FILE + status) || (len && soap_send_raw(soap, body, len)) ||
	         soap_end_send(soap);
	soap->omode = omode;
	return rc ? soap_closesock(soap) : SOAP_OK;
}

static int send_json_error(struct soap *soap, enum http_outcome o, const char *code, const char *msg)
{
	struct http_conn *c = soap->user;
	struct outlook_response r;
	memset(&r, 0, sizeof r);
	if (outlook_error(&c->ews, o, code, msg, &r) != EMU_OK) {
		static const char oom[] = "{\"error\":{\"code\":\"ErrorInternalServerError\",\"message\":\"Out of memory.\"}}";
		return send_reply(soap, HTTP_OUT_INTERNAL, OUTLOOK_JSON, oom, sizeof oom - 1);
	}
	return send_reply(soap, r.outcome, r.content_type, r.body, r.len);
}

/* ---- authentication --------------------------------------------------------- */

int glue_bearer_auth(struct soap *soap)
{
	struct http_conn *c = soap->user;
	const struct token_key *key = CFG(c)->token_key;
	struct token_claims cl;
	char primary[STORE_ADDR_MAX + 1];
	int rc;

	caller_set_anonymous(&c->who);
	c->token_error = HTTP_TOKEN_INVALID;
	if (!key) {
		LOGI("auth", "bearer token refused: the server has no token key");
		return 401;
	}
	rc = token_verify(key, soap->bearer, (int64_t)time(NULL), &cl);
	if (rc == EMU_ELIMIT) {
		c->token_error = HTTP_TOKEN_EXPIRED;
		LOGI("auth", "bearer token for '%s' has expired", cl.sub);
		return 401;
	}
	if (rc == EMU_ENOMEM)
		return 500;
	if (rc) {
		LOGI("auth", "bearer token refused: forged, tampered or malformed");
		return 401;
	}
	/* the subject must still be a user; the caller is their primary address */
	rc = outlook_primary_address(&c->ews, cl.sub, primary);
	if (rc == EMU_ENOTFOUND) {
		LOGI("auth", "bearer token for '%s': no such user", cl.sub);
		return 401;
	}
	if (rc || caller_set_bearer(&c->who, primary, cl.scopes) != EMU_OK)
		return 500;
	c->token_error = HTTP_TOKEN_NONE;
	/* ews/access.h decides whether this token may use EWS SOAP at all */
	const char *p = soap->path;
	size_t n = strcspn(p, "?");
	int ews = (soap->status == SOAP_POST || soap->status == SOAP_POST_FILE) && !outlook_is_api_path(p, n) &&
	          !rest_is_photo_path(p, n);
	if (ews && access_check(&c->who, ACCESS_EWS_SOAP, NULL) != EMU_OK) {
		LOGI("auth", "bearer token for '%s': scopes too narrow for EWS", cl.sub);
		return 403;
	}
	return 0;
}

/* ---- refusals --------------------------------------------------------------- */

int glue_refuse(struct soap *soap, int status)
{
	struct http_conn *c = soap->user;
	int outlook = glue_is_outlook(soap);
	int post = soap->status == SOAP_POST || soap->status == SOAP_POST_FILE;
	if (!outlook && status != 403)
		return 0;
	int bodiless = c->content_length == 0 ||
	               (c->content_length < 0 && (soap->status == SOAP_GET || soap->status == SOAP_DEL));
	if (!bodiless || status == 413 || status == 400 || status >= 500)
		soap->keep_alive = 0;
	if (status != 405)
		c->extra[0] = '\0';
	char note[HTTP_REFUSAL_NOTE_MAX];
	LOGI("http", "%s -> %d (refused before dispatch)%s", req_path(soap), status == 404 && post ? 405 : status,
	     http_refusal_note(c, note, sizeof note));
	if (!outlook) {
		char msg[200];
		int len = snprintf(msg, sizeof msg, "Access is denied: the token's scopes do not cover EWS operations (use %s).",
		                   access_scopes_needed(ACCESS_EWS_SOAP, 0));
		if (post)
			soap_adapter_send_fault(soap, http_status_for(HTTP_OUT_FORBIDDEN), "ErrorAccessDenied", msg);
		else
			send_reply(soap, HTTP_OUT_FORBIDDEN, NULL, msg, (size_t)len);
		return 1;
	}
	switch (status) {
	case 401:
		send_json_error(soap, HTTP_OUT_UNAUTHORIZED, "InvalidAuthenticationToken",
		                c->token_error == HTTP_TOKEN_EXPIRED   ? "The access token has expired."
		                : c->token_error == HTTP_TOKEN_INVALID ? "The access token is not valid."
		                                                       : "Access token is empty.");
		break;
	case 403:
		send_json_error(soap, HTTP_OUT_FORBIDDEN, "ErrorAccessDenied", "Access is denied.");
		break;
	case 404:
	case 405:
		/* a POST to an API URL (the only case refused with 404 here) */
		c->extra[0] = '\0';
		add_header(c, "Allow", "GET, PUT, PATCH, DELETE");
		send_json_error(soap, HTTP_OUT_METHOD, "ErrorInvalidRequest", "This method is not allowed on this resource.");
		break;
	case 413:
		send_json_error(soap, HTTP_OUT_TOO_LARGE, "ErrorRequestStreamTooBig",
		                "The request body exceeds the server's limit.");
		break;
	case 400:
		send_json_error(soap, HTTP_OUT_BAD_REQUEST, "ErrorInvalidRequest", "The HTTP request is malformed.");
		break;
	default:
		send_json_error(soap, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.");
		break;
	}
	return 1;
}

/* ---- the API ---------------------------------------------------------------- */

/* "https://host:port" for @odata ids: --public-url, else the scheme and the
 * Host header (only host-name characters; anything else -> localhost). */
static void base_url(struct soap *soap, char *out, size_t outsz)
{
	struct http_conn *c = soap->user;
	const char *pub = CFG(c)->public_url;
	if (pub) {
		size_t n = strlen(pub);
		while (n && pub[n - 1] == '/')
			n--;
		snprintf(out, outsz, "%.*s", (int)n, pub);
		return;
	}
	const char *h = strstr(soap->endpoint, "://");
	size_t n = 0;
	if (h) {
		h += 3;
		n = strcspn(h, "/");
		if (n == 0 || n > 255 || strspn(h, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_") < n)
			n = 0;
	}
	if (!n) {
		h = "localhost";
		n = 9;
	}
	snprintf(out, outsz, "%s://%.*s", c->tls ? "https" : "http", (int)n, h);
}

int glue_outlook(struct soap *soap)
{
	struct http_conn *c = soap->user;
	struct outlook_request req;
	struct outlook_response r;
	char base[300];
	const char *path = req_path(soap);
	int rc;

	c->refused = 1;   /* answered here, like a GET answered while parsing */
	memset(&req, 0, sizeof req);
	switch (soap->status) {
	case SOAP_GET: req.method = OUTLOOK_GET; break;
	case SOAP_PUT: req.method = OUTLOOK_PUT; break;
	case SOAP_PATCH: req.method = OUTLOOK_PATCH; break;
	case SOAP_DEL: req.method = OUTLOOK_DELETE; break;
	default: req.method = OUTLOOK_OTHER; break;
	}
	if (req.method != OUTLOOK_GET &&
	    (c->content_length > 0 || (c->content_length < 0 && (soap->imode & SOAP_IO) == SOAP_IO_CHUNK))) {
		size_t len = 0;
		const char *body = soap_http_get_body(soap, &len);
		if (!body && soap->error) {
			soap->keep_alive = 0;
			int big = soap->error == SOAP_EOM;
			soap->error = SOAP_OK;
			send_json_error(soap, big ? HTTP_OUT_TOO_LARGE : HTTP_OUT_BAD_REQUEST,
			                big ? "ErrorRequestStreamTooBig" : "ErrorInvalidRequest",
			                big ? "The request body exceeds the server's limit." : "The request body could not be read.");
			return SOAP_STOP;
		}
		req.body = body;
		req.body_len = len;
	}
	base_url(soap, base, sizeof base);
	req.path = path;
	req.path_len = strcspn(path, "?");
	req.base_url = base;
	req.if_none_match = c->has_inm ? c->inm : NULL;
	rc = outlook_serve(&c->ews, &req, &r);
	if (rc) {
		LOGE("http", "Outlook API %s failed: %s", path, emu_strerror(rc));
		send_json_error(soap, HTTP_OUT_INTERNAL, EWS_ERROR_INTERNAL, "Internal server error.");
		return SOAP_STOP;
	}
	if (r.etag[0]) {
		char etag[PHOTO_ETAG_LEN + 3];
		snprintf(etag, sizeof etag, "\"%s\"", r.etag);
		add_header(c, "ETag", etag);
		add_header(c, "Cache-Control", "private");
	}
	if (r.allow)
		add_header(c, "Allow", r.allow);
	if (r.outcome != HTTP_OUT_OK)
		LOGD("http", "%s %s -> %d: %s", req.method == OUTLOOK_GET ? "GET" : "write", path,
		     http_status_for(r.outcome), r.message ? r.message : "");
	send_reply(soap, r.outcome, r.content_type, r.body, r.len);
	return SOAP_STOP;
}
