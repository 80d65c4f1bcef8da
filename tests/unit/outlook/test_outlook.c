/* test_outlook.c - Outlook REST photo API: route parsing, JSON shapes
 * (spec §8.2), $value / 304, writes through the photo ops, scope rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/result.h"
#include "ews/ops/ops.h"
#include "ews_fixture.h"
#include "outlook/outlook.h"
#include "token/token.h"

static void test_routes(void **state)
{
	(void)state;
	struct outlook_route r;
#define P(s) s, strlen(s)
	assert_int_equal(outlook_parse_route(P("/api/v2.0/me/photo"), &r), EMU_OK);
	assert_true(r.me);
	assert_int_equal(r.res, OUTLOOK_RES_PHOTO);
	assert_false(r.value);
	assert_string_equal(r.version, "v2.0");
	assert_int_equal(outlook_parse_route(P("/API/V2.0/ME/PHOTO/$VALUE"), &r), EMU_OK);
	assert_true(r.value);
	assert_int_equal(outlook_parse_route(P("/api/v2.0/Users('alice@example.test')/photo"), &r), EMU_OK);
	assert_false(r.me);
	assert_string_equal(r.user, "alice@example.test");
	assert_int_equal(outlook_parse_route(P("/api/v2.0/users('alice%40example.test')/photo/%24value"), &r), EMU_OK);
	assert_string_equal(r.user, "alice@example.test");
	assert_true(r.value);
	assert_int_equal(outlook_parse_route(P("/api/v2.0/users(%27o''neil@example.test%27)/photo"), &r), EMU_OK);
	assert_string_equal(r.user, "o'neil@example.test");
	assert_int_equal(outlook_parse_route(P("/api/beta/me/photos"), &r), EMU_OK);
	assert_int_equal(r.res, OUTLOOK_RES_PHOTOS);
	assert_string_equal(r.version, "beta");
	assert_int_equal(outlook_parse_route(P("/api/v2.0/me/photos('240x240')/$value"), &r), EMU_OK);
	assert_int_equal(r.res, OUTLOOK_RES_PHOTOS_ONE);
	assert_string_equal(r.size, "240x240");
	assert_true(r.value);
	const char *bad[] = { "/api/v2.0/me", "/api/v2.0/me/photo/", "/api/v2.0/me/photos/$value",
	                      "/api/v1.0/me/photo", "/api/v2.0/you/photo", "/api/v2.0/Users('')/photo",
	                      "/api/v2.0/Users('a@b.test/photo", "/api/v2.0/Users(a@b.test)/photo",
	                      "/api/v2.0/me/photo/$valuex", "/api/v2.0/me/photos('')", "/api/v2.0/me/photo%00",
	                      "/api/v2.0/me/photos('0123456789abcdef')", "/api/v2.0/me/photo%zz" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(outlook_parse_route(bad[i], strlen(bad[i]), &r), EMU_ENOTFOUND);
	assert_true(outlook_is_api_path(P("/api/v2.0/anything")));
	assert_true(outlook_is_api_path(P("/API/BETA/me")));
	assert_false(outlook_is_api_path(P("/api/v2.00/me")));
	assert_false(outlook_is_api_path(P("/ews/exchange.asmx")));
#undef P
}

struct fx {
	struct ews_fx f;
	unsigned char *jpeg;
	size_t jpeg_len;
};

static int setup(void **state)
{
	struct fx *x = calloc(1, sizeof *x);
	assert_non_null(x);
	ews_fx_open(&x->f, "outlook", "alice@example.test");
	ews_fx_user(x->f.store, "alice@example.test", "Alice", NULL, NULL, "al@example.test", 0);
	ews_fx_user(x->f.store, "bob@example.test", "Bob", NULL, NULL, NULL, 0);
	x->jpeg = ews_fx_jpeg(300, 300, 90, &x->jpeg_len);
	struct ews_ctx admin = x->f.ctx;
	struct ews_status st;
	struct caller root;
	admin.caller = ews_fx_as(&root, "root@example.test", 1);
	assert_int_equal(op_set_user_photo(&admin, "alice@example.test", x->jpeg, x->jpeg_len, &st, NULL), EMU_OK);
	assert_int_equal(st.cls, EWS_SUCCESS);
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fx *x = *state;
	free(x->jpeg);
	ews_fx_close(&x->f);
	free(x);
	return 0;
}

static json_t *serve(struct fx *x, enum outlook_method m, const char *path, const char *inm,
                     const struct caller *who, struct outlook_response *r)
{
	struct outlook_request req = { .method = m, .path = path, .path_len = strlen(path),
	                               .base_url = "https://mail.example.test", .if_none_match = inm };
	struct ews_ctx ctx = x->f.ctx;   /* who: NULL = the fixture's Basic caller alice */
	if (who)
		ctx.caller = who;
	if (m == OUTLOOK_PUT || m == OUTLOOK_PATCH) {
		req.body = x->jpeg;
		req.body_len = x->jpeg_len;
	}
	assert_int_equal(outlook_serve(&ctx, &req, r), EMU_OK);
	if (!r->content_type || strncmp(r->content_type, "application/json", 16) != 0)
		return NULL;
	assert_string_equal(r->content_type, OUTLOOK_JSON);
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	assert_non_null(j);
	return j;
}

static const char *str(json_t *j, const char *k)
{
	json_t *v = json_object_get(j, k);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static void test_metadata(void **state)
{
	struct fx *x = *state;
	struct outlook_response r;
	json_t *j = serve(x, OUTLOOK_GET, "/api/v2.0/me/photo", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	/* spec §8.2: fields in this order */
	const char *order[] = { "@odata.context", "@odata.id", "@odata.mediaContentType", "@odata.mediaEtag",
	                        "Id", "Width", "Height" };
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) {
		assert_true(i < 7);
		assert_string_equal(key, order[i++]);
	}
	assert_int_equal(i, 7);
	assert_string_equal(str(j, "@odata.context"), "https://mail.example.test/api/v2.0/$metadata#Me/photo/$entity");
	assert_string_equal(str(j, "@odata.id"), "https://mail.example.test/api/v2.0/Users('alice@example.test')/photo");
	assert_string_equal(str(j, "@odata.mediaContentType"), "image/jpeg");
	/* a 300 px upload: the largest is the upload itself (issue 10 defect 7) */
	assert_string_equal(str(j, "Id"), "300X300");
	assert_int_equal(json_integer_value(json_object_get(j, "Width")), 300);
	assert_int_equal(json_integer_value(json_object_get(j, "Height")), 300);
	const char *tag = str(j, "@odata.mediaEtag");
	assert_int_equal(strlen(tag), PHOTO_ETAG_LEN + 2);
	assert_true(tag[0] == '"' && tag[PHOTO_ETAG_LEN + 1] == '"');
	char etag[PHOTO_ETAG_LEN + 1];
	memcpy(etag, tag + 1, PHOTO_ETAG_LEN);
	etag[PHOTO_ETAG_LEN] = '\0';
	json_decref(j);

	/* $value: the same photo, its ETag; If-None-Match -> 304 */
	assert_null(serve(x, OUTLOOK_GET, "/api/v2.0/me/photo/$value", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	assert_string_equal(r.content_type, "image/jpeg");
	assert_string_equal(r.etag, etag);
	assert_true(r.len > 100);
	serve(x, OUTLOOK_GET, "/api/v2.0/me/photo/$value", etag, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_NOT_MODIFIED);

	/* another user, by a proxy address: context keeps the URL's id, @odata.id the primary */
	j = serve(x, OUTLOOK_GET, "/api/v2.0/Users('al@example.test')/photo", NULL, NULL, &r);
	assert_string_equal(str(j, "@odata.context"),
	                    "https://mail.example.test/api/v2.0/$metadata#Users('al@example.test')/photo/$entity");
	assert_string_equal(str(j, "@odata.id"), "https://mail.example.test/api/v2.0/Users('alice@example.test')/photo");
	json_decref(j);

	/* no photo: the 1X1 placeholder, 200; $value 404 */
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	assert_string_equal(str(j, "@odata.mediaContentType"), "image/gif");
	assert_string_equal(str(j, "@odata.mediaEtag"), "");
	assert_string_equal(str(j, "Id"), "1X1");
	assert_int_equal(json_integer_value(json_object_get(j, "Height")), 1);
	json_decref(j);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo/$value", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_NO_PHOTO);
	assert_string_equal(str(json_object_get(j, "error"), "code"), "ErrorItemNotFound");
	json_decref(j);

	/* unknown user, unknown URL, wrong method */
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('nobody@example.test')/photo", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_NO_MAILBOX);
	assert_string_equal(str(json_object_get(j, "error"), "code"), "ErrorNonExistentMailbox");
	json_decref(j);
	json_decref(serve(x, OUTLOOK_GET, "/api/v2.0/me/calendar", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_NOT_FOUND);
	json_decref(serve(x, OUTLOOK_PUT, "/api/v2.0/me/photos", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_METHOD);
	assert_non_null(r.allow);
}

static void test_photos(void **state)
{
	struct fx *x = *state;
	struct outlook_response r;
	json_t *j = serve(x, OUTLOOK_GET, "/api/v2.0/me/photos", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	assert_string_equal(str(j, "@odata.context"), "https://mail.example.test/api/v2.0/$metadata#Me/photos");
	json_t *arr = json_object_get(j, "value");
	assert_int_equal(json_array_size(arr), 6);   /* 48 64 96 120 240 and the 300 px upload */
	assert_string_equal(str(json_array_get(arr, 0), "Id"), "48X48");
	assert_string_equal(str(json_array_get(arr, 4), "Id"), "240X240");
	assert_string_equal(str(json_array_get(arr, 5), "Id"), "300X300");
	assert_string_equal(str(json_array_get(arr, 2), "@odata.id"),
	                    "https://mail.example.test/api/v2.0/Users('alice@example.test')/photos('96X96')");
	json_decref(j);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/me/photos('96x96')", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	assert_string_equal(str(j, "Id"), "96X96");
	assert_string_equal(str(j, "@odata.context"), "https://mail.example.test/api/v2.0/$metadata#Me/photos/$entity");
	json_decref(j);
	assert_null(serve(x, OUTLOOK_GET, "/api/v2.0/me/photos('96X96')/$value", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	json_decref(serve(x, OUTLOOK_GET, "/api/v2.0/me/photos('648x648')", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_NO_PHOTO);
	/* the upload's own entry, metadata and bytes */
	j = serve(x, OUTLOOK_GET, "/api/v2.0/me/photos('300x300')", NULL, NULL, &r);
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	assert_int_equal(json_integer_value(json_object_get(j, "Width")), 300);
	json_decref(j);
	assert_null(serve(x, OUTLOOK_GET, "/api/v2.0/me/photos('300X300')/$value", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	/* no photo: one 1X1 entry */
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photos", NULL, NULL, &r);
	arr = json_object_get(j, "value");
	assert_int_equal(json_array_size(arr), 1);
	assert_string_equal(str(json_array_get(arr, 0), "Id"), "1X1");
	json_decref(j);
}

static void test_writes_and_scopes(void **state)
{
	struct fx *x = *state;
	struct outlook_response r;
	struct caller read, rw, all, rwall;
	json_t *j;
	assert_int_equal(caller_set_bearer(&read, "alice@example.test", TOKEN_SCOPE_USER_READ), EMU_OK);
	assert_int_equal(caller_set_bearer(&rw, "alice@example.test", TOKEN_SCOPE_USER_READWRITE), EMU_OK);
	assert_int_equal(caller_set_bearer(&all, "alice@example.test", TOKEN_SCOPE_USER_READ_ALL), EMU_OK);
	assert_int_equal(caller_set_bearer(&rwall, "alice@example.test", TOKEN_SCOPE_USER_READWRITE_ALL), EMU_OK);

	/* user.read: own only, no writes */
	json_decref(serve(x, OUTLOOK_GET, "/api/v2.0/me/photo", NULL, &read, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo", NULL, &read, &r);
	assert_int_equal(r.outcome, HTTP_OUT_FORBIDDEN);
	assert_string_equal(str(json_object_get(j, "error"), "code"), "ErrorAccessDenied");
	json_decref(j);
	json_decref(serve(x, OUTLOOK_PATCH, "/api/v2.0/me/photo/$value", NULL, &read, &r));
	assert_int_equal(r.outcome, HTTP_OUT_FORBIDDEN);
	/* user.read.all reads anyone's but writes nothing */
	json_decref(serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo", NULL, &all, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	json_decref(serve(x, OUTLOOK_PUT, "/api/v2.0/me/photo/$value", NULL, &all, &r));
	assert_int_equal(r.outcome, HTTP_OUT_FORBIDDEN);
	/* user.readwrite: own photo yes, others no */
	json_decref(serve(x, OUTLOOK_PUT, "/api/v2.0/users('bob@example.test')/photo/$value", NULL, &rw, &r));
	assert_int_equal(r.outcome, HTTP_OUT_FORBIDDEN);
	assert_null(serve(x, OUTLOOK_PATCH, "/api/v2.0/me/photo/$value", NULL, &rw, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	/* user.readwrite.all writes bob's (through op_set_user_photo) */
	assert_null(serve(x, OUTLOOK_PUT, "/api/v2.0/users('bob@example.test')/photo/$value", NULL, &rwall, &r));
	assert_int_equal(r.outcome, HTTP_OUT_OK);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo", NULL, &rwall, &r);
	assert_string_equal(str(j, "Id"), "300X300");   /* the 300 px upload itself */
	json_decref(j);
	/* Basic callers (no token): others' photos are read-only */
	json_decref(serve(x, OUTLOOK_DELETE, "/api/v2.0/users('bob@example.test')/photo", NULL, NULL, &r));
	assert_int_equal(r.outcome, HTTP_OUT_FORBIDDEN);
	/* DELETE sets the deletion record: the placeholder again */
	assert_null(serve(x, OUTLOOK_DELETE, "/api/v2.0/users('bob@example.test')/photo", NULL, &rwall, &r));
	assert_int_equal(r.outcome, HTTP_OUT_NO_CONTENT);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/users('bob@example.test')/photo", NULL, &rwall, &r);
	assert_string_equal(str(j, "Id"), "1X1");
	json_decref(j);

	/* not a JPEG -> 415, corrupt JPEG -> 400, old photo kept */
	struct outlook_request req = { .method = OUTLOOK_PUT, .path = "/api/v2.0/me/photo/$value",
	                               .base_url = "http://h" };
	struct ews_ctx as_rw = x->f.ctx;
	as_rw.caller = &rw;
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
	                                     0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0 };
	req.path_len = strlen(req.path);
	req.body = png;
	req.body_len = sizeof png;
	assert_int_equal(outlook_serve(&as_rw, &req, &r), EMU_OK);
	assert_int_equal(r.outcome, HTTP_OUT_UNSUPPORTED_MEDIA);
	req.body = x->jpeg;
	req.body_len = x->jpeg_len / 2;
	assert_int_equal(outlook_serve(&as_rw, &req, &r), EMU_OK);
	assert_int_equal(r.outcome, HTTP_OUT_BAD_REQUEST);
	req.body_len = 0;
	assert_int_equal(outlook_serve(&as_rw, &req, &r), EMU_OK);
	assert_int_equal(r.outcome, HTTP_OUT_BAD_REQUEST);
	j = serve(x, OUTLOOK_GET, "/api/v2.0/me/photo", NULL, &rw, &r);
	assert_string_equal(str(j, "Id"), "300X300");
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes),
		cmocka_unit_test_setup_teardown(test_metadata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_photos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writes_and_scopes, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
