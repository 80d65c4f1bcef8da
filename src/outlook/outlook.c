/* outlook.c - Outlook REST v2.0 user photo (spec §8): routes, access, JSON.
 * Photos come from the same ops as GetUserPhoto / SetUserPhoto; nothing
 * here selects, resizes or stores a photo itself. */
#include "outlook/outlook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "core/log.h"
#include "core/pct.h"
#include "core/result.h"
#include "ews/access.h"
#include "ews/ops/ops.h"

/* ---- routes ----------------------------------------------------------------- */

/* Match @p lit (lower case) at *@p p case-insensitively and advance. */
static int eat(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);
	if ((size_t)(end - *p) < n || strncasecmp(*p, lit, n) != 0)
		return 0;
	*p += n;
	return 1;
}

int outlook_is_api_path(const char *path, size_t len)
{
	const char *p = path, *end = path + len;
	return eat(&p, end, "/api/v2.0/") || eat(&p, end, "/api/beta/") ||
	       (eat(&p, end, "/api/") && (eat(&p, end, "v2.0") || eat(&p, end, "beta")) && p == end);
}

/* Read an OData string literal body up to the closing quote: '' is a quote. */
static int literal(const char **p, const char *end, char *out, size_t outsz)
{
	size_t o = 0;
	while (*p < end) {
		char c = **p;
		if (c == '\'') {
			if (end - *p >= 2 && (*p)[1] == '\'') {
				*p += 1;
			} else {
				*p += 1;
				out[o] = '\0';
				return o > 0;
			}
		}
		if (o + 1 >= outsz || c == '\0')
			return 0;
		out[o++] = c;
		*p += 1;
	}
	return 0;
}

int outlook_parse_route(const char *path, size_t len, struct outlook_route *out)
{
	char buf[OUTLOOK_PATH_MAX + 1];
	size_t n = 0;
	const char *p, *end;

	memset(out, 0, sizeof *out);
	if (len > OUTLOOK_PATH_MAX)
		return EMU_ELIMIT;
	if (pct_decode(path, len, PCT_STRICT, buf, sizeof buf, &n) != EMU_OK)
		return EMU_ENOTFOUND;   /* a malformed escape or %00 names no route */
	p = buf;
	end = buf + n;
	if (!eat(&p, end, "/api/"))
		return EMU_ENOTFOUND;
	if (eat(&p, end, "v2.0/"))
		memcpy(out->version, "v2.0", 5);
	else if (eat(&p, end, "beta/"))
		memcpy(out->version, "beta", 5);
	else
		return EMU_ENOTFOUND;
	if (eat(&p, end, "me")) {
		out->me = 1;
	} else if (eat(&p, end, "users('")) {
		if (!literal(&p, end, out->user, sizeof out->user) || !eat(&p, end, ")"))
			return EMU_ENOTFOUND;
	} else {
		return EMU_ENOTFOUND;
	}
	if (eat(&p, end, "/photos('")) {
		out->res = OUTLOOK_RES_PHOTOS_ONE;
		if (!literal(&p, end, out->size, sizeof out->size) || !eat(&p, end, ")"))
			return EMU_ENOTFOUND;
	} else if (eat(&p, end, "/photos")) {
		out->res = OUTLOOK_RES_PHOTOS;
	} else if (eat(&p, end, "/photo")) {
		out->res = OUTLOOK_RES_PHOTO;
	} else {
		return EMU_ENOTFOUND;
	}
	if (eat(&p, end, "/$value"))
		out->value = 1;
	if (p != end || (out->res == OUTLOOK_RES_PHOTOS && out->value))
		return EMU_ENOTFOUND;
	return EMU_OK;
}

/* ---- JSON ---------------------------------------------------------------------- */

/* Dump @p j (consumed) into the arena as the response body. */
static int set_json(const struct ews_ctx *ctx, json_t *j, enum http_outcome o, struct outlook_response *out)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!text)
		return EMU_ENOMEM;
	size_t n = strlen(text);
	out->body = arena_memdup(ctx->arena, text, n);
	free(text);
	if (!out->body)
		return EMU_ENOMEM;
	out->len = n;
	out->outcome = o;
	out->content_type = OUTLOOK_JSON;
	return EMU_OK;
}

int outlook_error(const struct ews_ctx *ctx, enum http_outcome o, const char *code, const char *msg,
                  struct outlook_response *out)
{
	out->message = msg;
	out->code = code;
	return set_json(ctx, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg), o, out);
}

/* One photo as the API describes it. */
struct entry {
	enum photo_size code;        /* the size code that selects it */
	int width, height;
	char etag[PHOTO_ETAG_LEN + 1];
	char id[24];                 /* "240X240"; "1X1" for the placeholder */
	int placeholder;
};

/* "@odata.mediaEtag" is the quoted ETag, "" for the placeholder (spec §8.2). */
static json_t *entry_json(const struct entry *e, const char *odata_id)
{
	char tag[PHOTO_ETAG_LEN + 3];
	if (e->placeholder)
		tag[0] = '\0';
	else
		snprintf(tag, sizeof tag, "\"%s\"", e->etag);
	json_t *j = json_object();
	if (!j)
		return NULL;
	if ((odata_id && json_object_set_new(j, "@odata.id", json_string(odata_id))) ||
	    json_object_set_new(j, "@odata.mediaContentType", json_string(e->placeholder ? "image/gif" : "image/jpeg")) ||
	    json_object_set_new(j, "@odata.mediaEtag", json_string(tag)) ||
	    json_object_set_new(j, "Id", json_string(e->id)) ||
	    json_object_set_new(j, "Width", json_integer(e->width)) ||
	    json_object_set_new(j, "Height", json_integer(e->height))) {
		json_decref(j);
		return NULL;
	}
	return j;
}

static void placeholder(struct entry *e)
{
	memset(e, 0, sizeof *e);
	e->placeholder = 1;
	e->width = e->height = 1;
	memcpy(e->id, "1X1", 4);
}

static void entry_from(struct entry *e, enum photo_size code, const struct op_photo_result *r)
{
	memset(e, 0, sizeof *e);
	e->code = code;
	e->width = r->width;
	e->height = r->height;
	memcpy(e->etag, r->etag, sizeof e->etag);
	snprintf(e->id, sizeof e->id, "%dX%d", r->width, r->height);
}

/* Every distinct photo the sizes select, smallest size code first (the
 * selection is op_photo_explain's, i.e. spec §6.2).  *n = 0: none.
 * *@p refused: OP_PHOTO_NO_MAILBOX or OP_PHOTO_DENIED when the op said so,
 * else OP_PHOTO_RETURNED. */
static int list_entries(const struct ews_ctx *ctx, const char *email, struct entry *e, size_t *n,
                        enum op_photo_outcome *refused)
{
	int seen_thumb = 0;
	unsigned seen_mask = 0;
	*n = 0;
	*refused = OP_PHOTO_RETURNED;
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		struct op_photo_result r;
		int rc = op_photo_explain(ctx, email, (enum photo_size)s, &r);
		if (rc)
			return rc;
		if (r.outcome == OP_PHOTO_NO_MAILBOX || r.outcome == OP_PHOTO_DENIED) {
			*refused = r.outcome;
			return EMU_OK;
		}
		if (r.outcome == OP_PHOTO_NONE)
			continue;
		if (r.pick.source == PHOTO_SRC_THUMBNAIL) {
			if (seen_thumb++)
				continue;
		} else {
			if (seen_mask & (1u << r.pick.size))
				continue;
			seen_mask |= 1u << r.pick.size;
		}
		entry_from(&e[(*n)++], (enum photo_size)s, &r);
	}
	return EMU_OK;
}

/* ---- the resource ------------------------------------------------------------------ */

struct target {
	const struct outlook_route *route;
	const char *base;               /* "https://host/api/v2.0/" */
	char primary[STORE_ADDR_MAX + 1];
};

/* "$metadata#Me/photo/$entity" or "$metadata#Users('x')/photo/$entity". */
static int context_url(const struct target *t, const char *what, char *out, size_t outsz)
{
	int n = t->route->me ? snprintf(out, outsz, "%s$metadata#Me/%s", t->base, what)
	                     : snprintf(out, outsz, "%s$metadata#Users('%s')/%s", t->base, t->route->user, what);
	return n < 0 || (size_t)n >= outsz ? EMU_ELIMIT : EMU_OK;
}

static int metadata(const struct ews_ctx *ctx, const struct target *t, const struct entry *e,
                    const char *entity, const char *id_suffix, struct outlook_response *out)
{
	char context[STORE_ADDR_MAX + 640], id[STORE_ADDR_MAX + 640];
	int n = snprintf(id, sizeof id, "%sUsers('%s')/%s", t->base, t->primary, id_suffix);
	if (n < 0 || (size_t)n >= sizeof id || context_url(t, entity, context, sizeof context))
		return EMU_ELIMIT;
	json_t *body = json_object(), *ej = entry_json(e, id);
	if (!body || !ej || json_object_set_new(body, "@odata.context", json_string(context)) ||
	    json_object_update(body, ej)) {
		json_decref(body);
		json_decref(ej);
		return EMU_ENOMEM;
	}
	json_decref(ej);
	return set_json(ctx, body, HTTP_OUT_OK, out);
}

static int no_mailbox(const struct ews_ctx *ctx, struct outlook_response *out)
{
	return outlook_error(ctx, HTTP_OUT_NO_MAILBOX, EWS_ERROR_NON_EXISTENT_MAILBOX,
	                     "The SMTP address has no mailbox associated with it.", out);
}

/* 403 for a caller without the right over this photo (ews/access.h); a
 * token is told which scopes would grant it. */
static int denied(const struct ews_ctx *ctx, const struct target *t, int write, struct outlook_response *out)
{
	const struct caller *c = ctx->caller;
	if (c && c->auth == CALLER_BEARER) {
		enum { MSG_MAX = 200 };
		const char *need = access_scopes_needed(write ? ACCESS_PHOTO_WRITE : ACCESS_PHOTO_READ,
		                                        caller_owns(c, t->primary));
		char *msg = arena_alloc(ctx->arena, MSG_MAX);
		if (!msg)
			return EMU_ENOMEM;
		snprintf(msg, MSG_MAX, "Access is denied: the token's scopes do not allow this; it needs %s.", need);
		return outlook_error(ctx, HTTP_OUT_FORBIDDEN, EWS_ERROR_ACCESS_DENIED, msg, out);
	}
	return outlook_error(ctx, HTTP_OUT_FORBIDDEN, EWS_ERROR_ACCESS_DENIED,
	                     write ? "Only the mailbox owner or an administrator can change this photo."
	                           : "Access is denied.", out);
}

static int no_photo(const struct ews_ctx *ctx, struct outlook_response *out)
{
	/* spec §8.3: the error Graph sends for a missing photo */
	return outlook_error(ctx, HTTP_OUT_NO_PHOTO, EWS_ERROR_ITEM_NOT_FOUND, "The photo wasn't found.", out);
}

/* The image of size code @p size (§6.2 selection), with ETag / 304. */
static int get_value(const struct ews_ctx *ctx, const struct outlook_request *req, const struct target *t,
                     enum photo_size size, struct outlook_response *out)
{
	struct op_photo_result r;
	int rc = op_get_user_photo(ctx, t->primary, size, req->if_none_match, &r);
	if (rc)
		return rc;
	switch (r.outcome) {
	case OP_PHOTO_RETURNED:
		out->outcome = HTTP_OUT_OK;
		out->content_type = r.content_type;
		out->body = r.data;
		out->len = r.len;
		memcpy(out->etag, r.etag, sizeof out->etag);
		return EMU_OK;
	case OP_PHOTO_UNCHANGED:
		out->outcome = HTTP_OUT_NOT_MODIFIED;
		memcpy(out->etag, r.etag, sizeof out->etag);
		out->message = "not modified";
		return EMU_OK;
	case OP_PHOTO_NO_MAILBOX:
		return no_mailbox(ctx, out);
	case OP_PHOTO_DENIED:
		return denied(ctx, t, 0, out);
	case OP_PHOTO_NONE:
	default:
		return no_photo(ctx, out);
	}
}

static int get_photo(const struct ews_ctx *ctx, const struct outlook_request *req, const struct target *t,
                     struct outlook_response *out)
{
	struct op_photo_result r;
	struct entry e;
	if (t->route->value)
		return get_value(ctx, req, t, PHOTO_HR648, out);
	/* spec §8.2: the largest available photo, else the 1X1 placeholder */
	int rc = op_photo_explain(ctx, t->primary, PHOTO_HR648, &r);
	if (rc)
		return rc;
	if (r.outcome == OP_PHOTO_NO_MAILBOX)
		return no_mailbox(ctx, out);
	if (r.outcome == OP_PHOTO_DENIED)
		return denied(ctx, t, 0, out);
	if (r.outcome == OP_PHOTO_NONE)
		placeholder(&e);
	else
		entry_from(&e, PHOTO_HR648, &r);
	return metadata(ctx, t, &e, "photo/$entity", "photo", out);
}

static int get_photos(const struct ews_ctx *ctx, const struct outlook_request *req, const struct target *t,
                      struct outlook_response *out)
{
	struct entry e[PHOTO_SIZE_COUNT];
	size_t n;
	enum op_photo_outcome refused;
	int rc = list_entries(ctx, t->primary, e, &n, &refused);
	if (rc)
		return rc;
	if (refused == OP_PHOTO_NO_MAILBOX)
		return no_mailbox(ctx, out);
	if (refused == OP_PHOTO_DENIED)
		return denied(ctx, t, 0, out);
	if (n == 0)
		placeholder(&e[n++]);
	if (t->route->res == OUTLOOK_RES_PHOTOS_ONE) {
		char suffix[48];
		for (size_t i = 0; i < n; i++) {
			if (strcasecmp(e[i].id, t->route->size) != 0)
				continue;
			if (t->route->value)
				return e[i].placeholder ? no_photo(ctx, out) : get_value(ctx, req, t, e[i].code, out);
			snprintf(suffix, sizeof suffix, "photos('%s')", e[i].id);
			return metadata(ctx, t, &e[i], "photos/$entity", suffix, out);
		}
		return outlook_error(ctx, HTTP_OUT_NO_PHOTO, EWS_ERROR_ITEM_NOT_FOUND,
		                     "The photo wasn't found in this size; GET .../photos lists the sizes.", out);
	}
	char context[STORE_ADDR_MAX + 640], id[STORE_ADDR_MAX + 640];
	json_t *body = json_object(), *arr = json_array();
	rc = context_url(t, "photos", context, sizeof context);
	if (rc || !body || !arr || json_object_set_new(body, "@odata.context", json_string(context))) {
		json_decref(body);
		json_decref(arr);
		return rc ? rc : EMU_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		int len = snprintf(id, sizeof id, "%sUsers('%s')/photos('%s')", t->base, t->primary, e[i].id);
		if (len < 0 || (size_t)len >= sizeof id || json_array_append_new(arr, entry_json(&e[i], id))) {
			json_decref(body);
			json_decref(arr);
			return EMU_ENOMEM;
		}
	}
	if (json_object_set_new(body, "value", arr)) {
		json_decref(body);
		return EMU_ENOMEM;
	}
	return set_json(ctx, body, HTTP_OUT_OK, out);
}

/* Layer 2 -> layer 3: a set/remove outcome to the HTTP outcome. */
static int write_failed(const struct ews_ctx *ctx, const struct ews_status *st, int reason, const void *body,
                        size_t len, struct outlook_response *out)
{
	enum http_outcome o = HTTP_OUT_BAD_REQUEST;
	const char *code = st->code ? st->code : EWS_ERROR_INTERNAL;
	const char *msg = st->text ? st->text : "The photo could not be changed.";
	if (!strcmp(code, EWS_ERROR_NON_EXISTENT_MAILBOX))
		o = HTTP_OUT_NO_MAILBOX;
	else if (!strcmp(code, EWS_ERROR_ACCESS_DENIED))
		o = HTTP_OUT_FORBIDDEN;
	else if (!strcmp(code, EWS_ERROR_DATA_SIZE_LIMIT))
		o = HTTP_OUT_TOO_LARGE;
	else if (!strcmp(code, EWS_ERROR_SERVER_BUSY))
		o = HTTP_OUT_BUSY;
	else if (reason == EMU_EFORMAT)
		o = HTTP_OUT_UNSUPPORTED_MEDIA;
	else if (reason == EMU_EIMAGE) {
		/* a body that does not even start like a JPEG is another media type;
		 * one that does but cannot be decoded is a bad request */
		const unsigned char *b = body;
		o = len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF ? HTTP_OUT_BAD_REQUEST : HTTP_OUT_UNSUPPORTED_MEDIA;
	}
	return outlook_error(ctx, o, code, msg, out);
}

static int put_photo(const struct ews_ctx *ctx, const struct outlook_request *req, const struct target *t,
                     struct outlook_response *out)
{
	struct ews_status st;
	int reason = EMU_OK;
	if (!req->body || req->body_len == 0)
		return outlook_error(ctx, HTTP_OUT_BAD_REQUEST, EWS_ERROR_INVALID_ARGUMENT,
		                     "The request body is empty: send the JPEG image (Content-Type: image/jpeg).", out);
	int rc = op_set_user_photo(ctx, t->primary, req->body, req->body_len, &st, &reason);
	if (rc)
		return rc;
	if (st.cls != EWS_SUCCESS)
		return write_failed(ctx, &st, reason, req->body, req->body_len, out);
	out->outcome = HTTP_OUT_OK;   /* spec §8.4: 200, no body */
	out->message = "photo replaced";
	return EMU_OK;
}

static int delete_photo(const struct ews_ctx *ctx, const struct target *t, struct outlook_response *out)
{
	struct ews_status st;
	int rc = op_remove_user_photo(ctx, t->primary, &st);
	if (rc)
		return rc;
	if (st.cls != EWS_SUCCESS)
		return write_failed(ctx, &st, EMU_OK, NULL, 0, out);
	out->outcome = HTTP_OUT_NO_CONTENT;
	out->message = "photo removed";
	return EMU_OK;
}

int outlook_primary_address(const struct ews_ctx *ctx, const char *address, char primary[STORE_ADDR_MAX + 1])
{
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	if (!u)
		return EMU_ENOMEM;
	int rc = store_user_lookup(ctx->store, address, u);
	if (rc == EMU_OK)
		memcpy(primary, u->email, STORE_ADDR_MAX + 1);
	return rc;
}

/* Which methods a route takes (405 otherwise). */
static const char *allowed(const struct outlook_route *r, enum outlook_method m, int *ok)
{
	const char *allow;
	if (r->res == OUTLOOK_RES_PHOTO && r->value)
		allow = "GET, PUT, PATCH, DELETE";
	else if (r->res == OUTLOOK_RES_PHOTO)
		allow = "GET, DELETE";
	else
		allow = "GET";
	*ok = m == OUTLOOK_GET || (m == OUTLOOK_DELETE && r->res == OUTLOOK_RES_PHOTO) ||
	      ((m == OUTLOOK_PUT || m == OUTLOOK_PATCH) && r->res == OUTLOOK_RES_PHOTO && r->value);
	return allow;
}

int outlook_serve(const struct ews_ctx *ctx, const struct outlook_request *req, struct outlook_response *out)
{
	struct outlook_route route;
	struct target t = { .route = &route };
	char base[256];
	int ok, rc;

	memset(out, 0, sizeof *out);
	rc = outlook_parse_route(req->path, req->path_len, &route);
	if (rc)
		return outlook_error(ctx, HTTP_OUT_NOT_FOUND, "ErrorInvalidUrlQuery",
		                     "The URL names no user photo resource of this API.", out);
	out->allow = allowed(&route, req->method, &ok);
	if (!ok)
		return outlook_error(ctx, HTTP_OUT_METHOD, "ErrorInvalidRequest",
		                     "This method is not allowed on this resource.", out);
	out->allow = NULL;
	out->op = req->method == OUTLOOK_PUT || req->method == OUTLOOK_PATCH ? "SetPhoto"
	        : req->method == OUTLOOK_DELETE                              ? "DeletePhoto"
	        : route.res == OUTLOOK_RES_PHOTOS                            ? "ListPhotos"
	        : route.value                                                ? "GetPhotoValue"
	                                                                     : "GetPhoto";
	int n = snprintf(base, sizeof base, "%s/api/%s/", req->base_url ? req->base_url : "", route.version);
	if (n < 0 || (size_t)n >= sizeof base)
		return EMU_ELIMIT;
	t.base = base;

	const char *who = route.me ? caller_address(ctx->caller) : route.user;
	if (!who)
		return outlook_error(ctx, HTTP_OUT_UNAUTHORIZED, "InvalidAuthenticationToken",
		                     "/me needs a signed-in user: send a bearer token or Basic credentials.", out);
	rc = outlook_primary_address(ctx, who, t.primary);
	if (rc == EMU_ENOTFOUND)
		return no_mailbox(ctx, out);
	if (rc)
		return rc;

	/* spec §8: ews/access.h decides (scopes for token callers; EWS's rules
	 * for Basic ones).  Checked before the body is looked at, so a caller
	 * without the right learns nothing from a 400 */
	int write = req->method != OUTLOOK_GET;
	rc = access_check(ctx->caller, write ? ACCESS_PHOTO_WRITE : ACCESS_PHOTO_READ, t.primary);
	if (rc == EMU_EDENIED)
		return denied(ctx, &t, write, out);
	if (rc)
		return rc;

	switch (req->method) {
	case OUTLOOK_PUT:
	case OUTLOOK_PATCH:
		return put_photo(ctx, req, &t, out);
	case OUTLOOK_DELETE:
		return delete_photo(ctx, &t, out);
	default:
		return route.res == OUTLOOK_RES_PHOTO ? get_photo(ctx, req, &t, out) : get_photos(ctx, req, &t, out);
	}
}
