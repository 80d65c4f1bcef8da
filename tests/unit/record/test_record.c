/* test_record.c - the recorder (record/record.h): fixtures written from
 * exchanges, credentials stripped, raw captures (chunked, pipelined,
 * refused early), and the anonymiser (consistent fakes, photos of the same
 * dimensions, nothing of the original left in the files). */
#define _GNU_SOURCE   /* asprintf, strndup */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/arena.h"
#include "core/base64.h"
#include "core/result.h"
#include "demo/avatar.h"
#include "ews/ids.h"
#include "fixture/fixture.h"
#include "photo/photo.h"
#include "record/record.h"

#define SOAP_OPEN                                                                                              \
	"<?xml version=\"1.0\" encoding=\"utf-8\"?>"                                                               \
	"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\""                                        \
	" xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\""                                 \
	" xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"><s:Body>"
#define SOAP_CLOSE "</s:Body></s:Envelope>"

/* "alex.smith@contoso.test:Secret-Pa55" */
#define BASIC_ALEX "Basic YWxleC5zbWl0aEBjb250b3NvLnRlc3Q6U2VjcmV0LVBhNTU="

/* ---- helpers ---------------------------------------------------------------- */

static char *make_tmpdir(void)
{
	char tmpl[] = "/tmp/ewsemu-test-record-XXXXXX";
	char *d = mkdtemp(tmpl);
	assert_non_null(d);
	return strdup(d);
}

/* EWSEMU_TEST_KEEP=1 keeps the recordings for a look (the path is printed). */
static void remove_tree(const char *dir)
{
	if (getenv("EWSEMU_TEST_KEEP")) {
		printf("kept %s\n", dir);
		return;
	}
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];
	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

/* All of the files in @p dir concatenated (fixtures and the table). */
static char *slurp_dir(const char *dir, size_t *total)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *all = calloc(1, 1);
	size_t n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		if (e->d_name[0] == '.' && (e->d_name[1] == '\0' || e->d_name[1] == '.'))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		fseek(f, 0, SEEK_END);
		long len = ftell(f);
		fseek(f, 0, SEEK_SET);
		all = realloc(all, n + (size_t)len + 1);
		assert_non_null(all);
		assert_int_equal(fread(all + n, 1, (size_t)len, f), (size_t)len);
		n += (size_t)len;
		all[n] = '\0';
		fclose(f);
	}
	closedir(d);
	if (total)
		*total = n;
	return all;
}

static void load_all(const char *dir, struct fixture **list, int *n)
{
	char err[FIXTURE_ERR_MAX] = "";
	int rc = fixture_load_dir(dir, list, n, err, sizeof err);
	if (rc)
		fail_msg("fixture_load_dir: %s (%s)", emu_strerror(rc), err);
}

static const char *fx_header(const struct fixture_msg *m, const char *name)
{
	for (int i = 0; i < m->nheaders; i++)
		if (!strcasecmp(m->headers[i].name, name))
			return m->headers[i].value;
	return NULL;
}

static void soap_request(struct wire_msg *m, const char *body)
{
	wire_msg_init(m);
	assert_int_equal(wire_msg_request(m, "POST", "/EWS/Exchange.asmx"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Host", "127.0.0.1:8080"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Content-Type", "text/xml; charset=utf-8"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Authorization", BASIC_ALEX), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Cookie", "session=c00kie-value"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Proxy-Authorization", "Basic cHJveHk6cHc="), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "X-AnchorMailbox", "alex.smith@contoso.test"), EMU_OK);
	assert_int_equal(wire_msg_set_body(m, body, strlen(body)), EMU_OK);
}

static void soap_response(struct wire_msg *m, const char *body)
{
	wire_msg_init(m);
	assert_int_equal(wire_msg_response(m, 200, NULL), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Content-Type", "text/xml; charset=utf-8"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Set-Cookie", "session=s3t-cookie; HttpOnly"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Date", "Sun, 06 Nov 1994 08:49:37 GMT"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Expires", "Sun, 06 Nov 1994 09:49:37 GMT"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "Server", "ewsemu"), EMU_OK);
	assert_int_equal(wire_msg_set_header(m, "ETag", "\"0123456789ABCDEF\""), EMU_OK);
	assert_int_equal(wire_msg_set_body(m, body, strlen(body)), EMU_OK);
}

static recorder_t *open_rec(const char *dir, int anonymise)
{
	struct record_options o = { .dir = dir, .anonymise = anonymise };
	recorder_t *r = NULL;
	assert_int_equal(recorder_open(&o, &r), EMU_OK);
	assert_non_null(r);
	return r;
}

/* The text of the first element <p:NAME ...> (any prefix) in @p xml: a
 * malloc'd copy, NULL when absent. */
static char *element_text(const char *xml, size_t len, const char *name)
{
	char pat[64];
	size_t pl = (size_t)snprintf(pat, sizeof pat, ":%s", name);
	const char *end = xml + len;
	for (const char *p = xml; (p = strstr(p, pat)) != NULL && p < end; p += pl) {
		const char *lt = p;
		while (lt > xml && *lt != '<' && *lt != ' ' && *lt != '>')
			lt--;
		char next = p[pl];
		if (*lt != '<' || lt[1] == '/' || (next != '>' && next != ' ' && next != '/'))
			continue;
		const char *gt = strchr(p, '>');
		if (!gt || gt[-1] == '/')
			return strdup("");
		const char *e = strchr(gt + 1, '<');
		return e ? strndup(gt + 1, (size_t)(e - gt - 1)) : NULL;
	}
	return NULL;
}

static unsigned char *jpeg_of(int w, int h, uint32_t seed, size_t *len)
{
	unsigned char *j = NULL;
	assert_int_equal(avatar_render_jpeg("AS", seed, w, h, 90, &j, len), EMU_OK);
	return j;
}

static char *b64(const unsigned char *d, size_t n)
{
	char *o = malloc(BASE64_ENCODED_SIZE(n));
	assert_non_null(o);
	base64_encode(d, n, o);
	return o;
}

/* ---- plain recording ------------------------------------------------------------ */

static const char GUP_REQ[] = SOAP_OPEN "<m:GetUserPhoto><m:Email>alex.smith@contoso.test</m:Email>"
                                        "<m:SizeRequested>HR96x96</m:SizeRequested></m:GetUserPhoto>" SOAP_CLOSE;

static void test_record_exchange_strips_credentials(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	recorder_t *r = open_rec(dir, 0);
	struct wire_msg q, s;
	soap_request(&q, GUP_REQ);
	soap_response(&s, SOAP_OPEN "<m:GetUserPhotoResponse ResponseClass=\"Success\"><m:ResponseCode>NoError"
	                            "</m:ResponseCode><m:HasChanged>true</m:HasChanged><m:PictureData>AAAA"
	                            "</m:PictureData></m:GetUserPhotoResponse>" SOAP_CLOSE);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	recorder_close(r);

	struct fixture *list = NULL;
	int n = 0;
	load_all(dir, &list, &n);
	assert_int_equal(n, 1);
	struct fixture *f = &list[0];
	assert_string_equal(f->name, "0001-GetUserPhoto");
	assert_string_equal(f->operation, "GetUserPhoto");
	assert_non_null(f->caller);
	assert_string_equal(f->caller, "alex.smith@contoso.test");
	assert_string_equal(f->request.method, "POST");
	assert_string_equal(f->request.target, "/EWS/Exchange.asmx");
	assert_null(fx_header(&f->request, "Authorization"));
	assert_null(fx_header(&f->request, "Cookie"));
	assert_null(fx_header(&f->request, "Proxy-Authorization"));
	assert_null(fx_header(&f->request, "Host"));
	assert_non_null(fx_header(&f->request, "Content-Type"));
	assert_string_equal(fx_header(&f->request, "X-AnchorMailbox"), "alex.smith@contoso.test");
	assert_int_equal(f->response.status, 200);
	assert_null(fx_header(&f->response, "Set-Cookie"));
	assert_null(fx_header(&f->response, "Date"));
	assert_null(fx_header(&f->response, "Expires"));
	assert_null(fx_header(&f->response, "Server"));
	assert_string_equal(fx_header(&f->response, "ETag"), "\"0123456789ABCDEF\"");
	assert_int_equal(f->request.body.kind, FIXTURE_BODY_XML);
	assert_non_null(strstr((const char *)f->request.body.data, "HR96x96"));
	assert_int_equal(f->response.body.kind, FIXTURE_BODY_XML);
	assert_int_equal(f->nrules, 0);              /* not anonymised: bytes as recorded */
	assert_int_equal(f->response.body.compare_image, 0);
	fixture_list_free(list, n);

	/* nothing of the credentials anywhere in the file */
	char *all = slurp_dir(dir, NULL);
	assert_null(strstr(all, "Secret-Pa55"));
	assert_null(strstr(all, "YWxleC5zbWl0aEBjb250b3NvLnRlc3Q6U2VjcmV0LVBhNTU"));
	assert_null(strstr(all, "c00kie"));
	assert_null(strstr(all, "s3t-cookie"));
	assert_null(strstr(all, "cHJveHk6cHc"));
	free(all);

	/* a second recorder into the same folder continues the numbering */
	r = open_rec(dir, 0);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	recorder_close(r);
	load_all(dir, &list, &n);
	assert_int_equal(n, 2);
	assert_string_equal(list[1].name, "0002-GetUserPhoto");
	fixture_list_free(list, n);

	wire_msg_free(&q);
	wire_msg_free(&s);
	remove_tree(dir);
	free(dir);
}

static void test_record_bearer_has_no_caller(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	recorder_t *r = open_rec(dir, 0);
	struct wire_msg q, s;
	wire_msg_init(&q);
	wire_msg_init(&s);
	assert_int_equal(wire_msg_request(&q, "GET", "/api/v2.0/me/photo/$value"), EMU_OK);
	assert_int_equal(wire_msg_set_header(&q, "Authorization", "Bearer eyJhbGciOi.secret-token.sig"), EMU_OK);
	assert_int_equal(wire_msg_response(&s, 404, NULL), EMU_OK);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	/* a response is not a request */
	assert_int_equal(record_exchange(r, &s, &q), EMU_EINVAL);
	recorder_close(r);

	struct fixture *list = NULL;
	int n = 0;
	load_all(dir, &list, &n);
	assert_int_equal(n, 1);
	assert_null(list[0].caller);
	assert_int_equal(list[0].response.status, 404);
	assert_int_equal(strncmp(list[0].name, "0001-GET", 8), 0);
	fixture_list_free(list, n);
	char *all = slurp_dir(dir, NULL);
	assert_null(strstr(all, "secret-token"));
	free(all);
	wire_msg_free(&q);
	wire_msg_free(&s);
	remove_tree(dir);
	free(dir);
}

/* ---- the recording layer (serve --record) ---------------------------------------- */

/* The live routes as the layer sees them: a handler filling a reply value. */
static enum wire_action inner_401(void *ctx, struct wire_peer *peer, const struct wire_msg *req, struct wire_msg *resp)
{
	(void)peer;
	(void)req;
	(*(int *)ctx)++;
	assert_int_equal(wire_msg_response(resp, 401, NULL), EMU_OK);
	assert_int_equal(wire_msg_add_header(resp, "WWW-Authenticate", "Basic realm=\"ewsemu\""), EMU_OK);
	assert_int_equal(wire_msg_add_header(resp, "WWW-Authenticate", "Bearer realm=\"ewsemu\""), EMU_OK);
	assert_int_equal(wire_msg_set_header(resp, "Set-Cookie", "a=b"), EMU_OK);
	assert_int_equal(wire_msg_set_body(resp, "no\n", 3), EMU_OK);
	return WIRE_REPLY;
}

static enum wire_action inner_reset(void *ctx, struct wire_peer *peer, const struct wire_msg *req, struct wire_msg *resp)
{
	(void)ctx;
	(void)peer;
	(void)req;
	(void)resp;
	return WIRE_RESET;
}

static int g_ends;
static void inner_end(void *ctx, struct wire_peer *peer)
{
	(void)ctx;
	(void)peer;
	g_ends++;
}

/* Every exchange the inner handler answers is recorded from the request and
 * reply values (credentials and cookies left out); an exchange it resets is
 * not; the connection's end is passed on. */
static void test_record_layer(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	recorder_t *r = open_rec(dir, 0);
	int calls = 0;
	struct record_layer l = { .rec = r, .inner = inner_401, .inner_end = inner_end, .inner_ctx = &calls };
	struct wire_peer peer = { 0 };
	struct wire_msg req, resp;
	wire_msg_init(&req);
	wire_msg_init(&resp);
	assert_int_equal(wire_msg_request(&req, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=a%40b.test&size=HR48x48"),
	                 EMU_OK);
	assert_int_equal(wire_msg_set_header(&req, "Authorization", BASIC_ALEX), EMU_OK);
	assert_int_equal(record_layer_handle(&l, &peer, &req, &resp), WIRE_REPLY);
	assert_int_equal(calls, 1);
	assert_int_equal(resp.status, 401);   /* the reply goes out as the inner handler made it */
	wire_msg_free(&resp);
	wire_msg_init(&resp);
	l.inner = inner_reset;
	assert_int_equal(record_layer_handle(&l, &peer, &req, &resp), WIRE_RESET);
	record_layer_conn_end(&l, &peer);
	assert_int_equal(g_ends, 1);
	wire_msg_free(&resp);
	wire_msg_free(&req);
	recorder_close(r);

	struct fixture *list = NULL;
	int n = 0;
	load_all(dir, &list, &n);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].response.status, 401);
	int challenges = 0;
	for (int i = 0; i < list[0].response.nheaders; i++)
		challenges += !strcasecmp(list[0].response.headers[i].name, "WWW-Authenticate");
	assert_int_equal(challenges, 2);
	assert_null(fx_header(&list[0].response, "Set-Cookie"));
	assert_null(fx_header(&list[0].request, "Authorization"));
	assert_string_equal(list[0].caller, "alex.smith@contoso.test");
	assert_string_equal(list[0].request.target, "/ews/Exchange.asmx/s/GetUserPhoto?email=a%40b.test&size=HR48x48");
	fixture_list_free(list, n);
	remove_tree(dir);
	free(dir);
}

/* ---- anonymisation ------------------------------------------------------------------ */

static char *resolve_names_body(const char *item_id)
{
	char *b = NULL;
	int n = asprintf(&b,
	                 SOAP_OPEN "<m:ResolveNamesResponse><m:ResponseMessages><m:ResolveNamesResponseMessage "
	                           "ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>"
	                           "<m:ResolutionSet TotalItemsInView=\"1\"><t:Resolution>"
	                           "<t:Mailbox><t:Name>Alex Smith</t:Name><t:EmailAddress>alex.smith@contoso.test"
	                           "</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType></t:Mailbox>"
	                           "<t:Contact><t:ItemId Id=\"%s\"/><t:DisplayName>Alex Smith</t:DisplayName>"
	                           "<t:GivenName>Alex</t:GivenName><t:Surname>Smith</t:Surname>"
	                           "<t:FileAs>Smith, Alex</t:FileAs><t:EmailAddresses><t:Entry Key=\"EmailAddress1\">"
	                           "SMTP:alex.smith@contoso.test</t:Entry><t:Entry Key=\"EmailAddress2\">"
	                           "smtp:a.smith@contoso.test</t:Entry></t:EmailAddresses><t:Alias>asmith</t:Alias>"
	                           "<t:Manager>Jordan Lee</t:Manager>"
	                           "<t:Notes>Ask Alex Smith about mail.contoso.test</t:Notes>"
	                           "<t:CompanyName>Contoso</t:CompanyName></t:Contact>"
	                           "</t:Resolution><t:Resolution><t:Mailbox><t:Name>Alex Johnson</t:Name>"
	                           "<t:EmailAddress>alex.johnson@contoso.test</t:EmailAddress></t:Mailbox><t:Contact>"
	                           "<t:DisplayName>Alex Johnson</t:DisplayName><t:GivenName>Alex</t:GivenName>"
	                           "<t:Surname>Johnson</t:Surname></t:Contact>"
	                           "</t:Resolution></m:ResolutionSet></m:ResolveNamesResponseMessage>"
	                           "</m:ResponseMessages></m:ResolveNamesResponse>" SOAP_CLOSE,
	                 item_id);
	assert_true(n > 0);
	return b;
}

/* Find the single fixture whose name contains @p part. */
static struct fixture *by_name(struct fixture *list, int n, const char *part)
{
	for (int i = 0; i < n; i++)
		if (strstr(list[i].name, part))
			return &list[i];
	fail_msg("no fixture named *%s*", part);
	return NULL;
}

static void record_three(recorder_t *r, const unsigned char *jpeg, size_t jl, const char *item_id)
{
	struct wire_msg q, s;
	/* 1: SOAP GetUserPhoto with a 96x96 photo */
	char *pic = b64(jpeg, jl), *body = NULL;
	assert_true(asprintf(&body,
	                     SOAP_OPEN "<m:GetUserPhotoResponse ResponseClass=\"Success\"><m:ResponseCode>NoError"
	                               "</m:ResponseCode><m:HasChanged>true</m:HasChanged><m:PictureData>%s"
	                               "</m:PictureData></m:GetUserPhotoResponse>" SOAP_CLOSE,
	                     pic) > 0);
	soap_request(&q, GUP_REQ);
	soap_response(&s, body);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	wire_msg_free(&q);
	wire_msg_free(&s);
	free(body);
	free(pic);

	/* 2: ResolveNames: the same person by name and address */
	/* 2a: GetFolder: a folder's DisplayName is no person */
	soap_request(&q, SOAP_OPEN "<m:GetFolder><m:FolderIds><t:DistinguishedFolderId Id=\"contacts\"/>"
	                           "</m:FolderIds></m:GetFolder>" SOAP_CLOSE);
	soap_response(&s, SOAP_OPEN "<m:GetFolderResponse><m:ResponseMessages><m:GetFolderResponseMessage "
	                            "ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Folders>"
	                            "<t:ContactsFolder><t:DisplayName>Contacts</t:DisplayName></t:ContactsFolder>"
	                            "</m:Folders></m:GetFolderResponseMessage></m:ResponseMessages>"
	                            "</m:GetFolderResponse>" SOAP_CLOSE);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	wire_msg_free(&q);
	wire_msg_free(&s);

	static const char rn_req[] = SOAP_OPEN "<m:ResolveNames ReturnFullContactData=\"true\"><m:UnresolvedEntry>"
	                                       "Alex Smith</m:UnresolvedEntry></m:ResolveNames>" SOAP_CLOSE;
	soap_request(&q, rn_req);
	body = resolve_names_body(item_id);
	soap_response(&s, body);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	wire_msg_free(&q);
	wire_msg_free(&s);
	free(body);

	/* 3: REST-style GET with a binary JPEG body */
	wire_msg_init(&q);
	wire_msg_init(&s);
	assert_int_equal(
		wire_msg_request(&q, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=alex.smith%40contoso.test&size=HR96x96"),
		EMU_OK);
	assert_int_equal(wire_msg_set_header(&q, "Authorization", BASIC_ALEX), EMU_OK);
	assert_int_equal(wire_msg_response(&s, 200, NULL), EMU_OK);
	assert_int_equal(wire_msg_set_header(&s, "Content-Type", "image/jpeg"), EMU_OK);
	assert_int_equal(wire_msg_set_body(&s, jpeg, jl), EMU_OK);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	wire_msg_free(&q);
	wire_msg_free(&s);
}

static void check_photo(const unsigned char *orig, size_t ol, const void *data, size_t len)
{
	int w = 0, h = 0;
	assert_int_equal(photo_inspect(data, len, 1u << 24, &w, &h), EMU_OK);
	assert_int_equal(w, 96);
	assert_int_equal(h, 96);
	assert_false(len == ol && memcmp(data, orig, ol) == 0);
}

static void test_anonymise_consistent(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	size_t jl = 0;
	unsigned char *jpeg = jpeg_of(96, 96, 7, &jl);
	struct heap_arena ha;
	heap_arena_init(&ha);
	const char *item_id = ews_id_text(&ha.arena, EWS_ID_ITEM, "alex.smith@contoso.test", "c0001");
	assert_non_null(item_id);

	recorder_t *r = open_rec(dir, 1);
	record_three(r, jpeg, jl, item_id);
	recorder_close(r);

	/* nothing of the originals in any file (fixtures and the table) */
	char *all = slurp_dir(dir, NULL);
	static const char *const gone[] = { "alex", "Alex", "Smith", "smith", "Johnson", "contoso", "Contoso.test", "Jordan Lee",
	                                    "Secret-Pa55" };
	for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
		if (strstr(all, gone[i]))
			fail_msg("'%s' is still in the recording", gone[i]);
	char *orig_pic = b64(jpeg, jl);
	assert_null(strstr(all, orig_pic));
	assert_null(strstr(all, item_id));
	free(orig_pic);
	free(all);

	struct fixture *list = NULL;
	int n = 0;
	load_all(dir, &list, &n);
	assert_int_equal(n, 4);
	struct fixture *gup = by_name(list, n, "GetUserPhoto"), *rn = by_name(list, n, "ResolveNames"),
	               *get = by_name(list, n, "GET"), *gf = by_name(list, n, "GetFolder");
	char *folder = element_text((const char *)gf->response.body.data, gf->response.body.len, "DisplayName");
	assert_string_equal(folder, "Contacts");
	free(folder);
	assert_true(gup != get);

	/* the same fake address everywhere */
	char expect[256];
	char *fake = element_text((const char *)gup->request.body.data, gup->request.body.len, "Email");
	assert_non_null(fake);
	assert_non_null(strstr(fake, "@example.test"));
	assert_string_equal(gup->caller, fake);
	assert_string_equal(fx_header(&gup->request, "X-AnchorMailbox"), fake);
	char *rn_addr = element_text((const char *)rn->response.body.data, rn->response.body.len, "EmailAddress");
	assert_non_null(rn_addr);
	assert_string_equal(rn_addr, fake);
	char *entry = element_text((const char *)rn->response.body.data, rn->response.body.len, "Entry");
	assert_non_null(entry);
	assert_int_equal(strncmp(entry, "SMTP:", 5), 0);
	assert_string_equal(entry + 5, fake);
	/* a second address of the same contact is the same person */
	const char *e2 = strstr((const char *)rn->response.body.data, "\"EmailAddress2\">");
	assert_non_null(e2);
	snprintf(expect, sizeof expect, "\"EmailAddress2\">smtp:%s<", fake);
	assert_memory_equal(e2, expect, strlen(expect));
	/* the alias is the fake address's local part */
	char *alias = element_text((const char *)rn->response.body.data, rn->response.body.len, "Alias");
	assert_non_null(alias);
	assert_int_equal(strncmp(fake, alias, strlen(alias)), 0);
	assert_int_equal(fake[strlen(alias)], '@');
	free(alias);
	assert_string_equal(get->caller, fake);
	char *at = strchr(fake, '@'), enc[512];
	snprintf(enc, sizeof enc, "email=%.*s%%40%s&", (int)(at - fake), fake, at + 1);
	assert_non_null(strstr(get->request.target, enc));

	/* names tied to the address follow it: Mailbox Name = Contact DisplayName,
	 * GivenName/Surname are its parts, and the request's UnresolvedEntry too */
	char *name = element_text((const char *)rn->response.body.data, rn->response.body.len, "Name");
	char *dn = element_text((const char *)rn->response.body.data, rn->response.body.len, "DisplayName");
	char *gn = element_text((const char *)rn->response.body.data, rn->response.body.len, "GivenName");
	char *sn = element_text((const char *)rn->response.body.data, rn->response.body.len, "Surname");
	char *fa = element_text((const char *)rn->response.body.data, rn->response.body.len, "FileAs");
	char *ue = element_text((const char *)rn->request.body.data, rn->request.body.len, "UnresolvedEntry");
	char *mgr = element_text((const char *)rn->response.body.data, rn->response.body.len, "Manager");
	assert_non_null(name);
	assert_non_null(gn);
	assert_non_null(sn);
	assert_string_equal(name, dn);
	assert_string_equal(ue, name);
	snprintf(expect, sizeof expect, "%s %s", gn, sn);
	assert_string_equal(name, expect);
	snprintf(expect, sizeof expect, "%s, %s", sn, gn);
	assert_string_equal(fa, expect);
	assert_string_not_equal(mgr, name);   /* another person */
	/* another Alex: the given name follows that person, not the string */
	const char *second = strstr((const char *)rn->response.body.data, "</t:Resolution>");
	assert_non_null(second);
	char *name2 = element_text(second, strlen(second), "Name");
	char *gn2 = element_text(second, strlen(second), "GivenName");
	char *sn2 = element_text(second, strlen(second), "Surname");
	snprintf(expect, sizeof expect, "%s %s", gn2, sn2);
	assert_string_equal(name2, expect);
	assert_string_not_equal(name2, name);
	free(name2);
	free(gn2);
	free(sn2);
	/* the fake address is made from the fake name */
	snprintf(expect, sizeof expect, "%s.%s@example.test", gn, sn);
	assert_string_equal(strcasecmp(expect, fake) == 0 ? "same" : expect, "same");
	/* CompanyName is not a person: left alone */
	char *co = element_text((const char *)rn->response.body.data, rn->response.body.len, "CompanyName");
	assert_string_equal(co, "Contoso");

	/* the ewsemu item id now names the fake mailbox */
	const char *idp = strstr((const char *)rn->response.body.data, "ItemId Id=\"");
	assert_non_null(idp);
	idp += strlen("ItemId Id=\"");
	char idtext[512];
	snprintf(idtext, sizeof idtext, "%.*s", (int)strcspn(idp, "\""), idp);
	struct ews_id id;
	assert_int_equal(ews_id_decode(idtext, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_string_equal(id.mailbox, fake);
	assert_string_equal(id.local, "c0001");

	/* photos: another valid 96x96 JPEG, the same one in both exchanges */
	char *pd = element_text((const char *)gup->response.body.data, gup->response.body.len, "PictureData");
	assert_non_null(pd);
	unsigned char bin[1 << 16];
	size_t bl = 0;
	assert_int_equal(base64_decode(pd, strlen(pd), bin, sizeof bin, &bl), EMU_OK);
	check_photo(jpeg, jl, bin, bl);
	assert_int_equal(get->response.body.kind, FIXTURE_BODY_BASE64);
	check_photo(jpeg, jl, get->response.body.data, get->response.body.len);
	assert_int_equal(get->response.body.len, bl);
	assert_memory_equal(get->response.body.data, bin, bl);
	assert_int_equal(get->response.body.compare_image, 1);
	int image_rule = 0;
	for (int i = 0; i < gup->nrules; i++)
		image_rule |= gup->rules[i].kind == FIXTURE_RULE_IMAGE && !strcmp(gup->rules[i].path, "//m:PictureData");
	assert_true(image_rule);

	/* a later recording into the same folder keeps the same fakes */
	r = open_rec(dir, 1);
	struct wire_msg q, s;
	soap_request(&q, GUP_REQ);
	soap_response(&s, SOAP_OPEN "<m:GetUserPhotoResponse ResponseClass=\"Error\"><m:ResponseCode>ErrorNoPhoto"
	                            "</m:ResponseCode></m:GetUserPhotoResponse>" SOAP_CLOSE);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	recorder_close(r);
	wire_msg_free(&q);
	wire_msg_free(&s);
	struct fixture *l2 = NULL;
	int n2 = 0;
	load_all(dir, &l2, &n2);
	assert_int_equal(n2, 5);
	assert_string_equal(l2[4].caller, fake);
	fixture_list_free(l2, n2);

	free(fake);
	free(rn_addr);
	free(entry);
	free(name);
	free(dn);
	free(gn);
	free(sn);
	free(fa);
	free(ue);
	free(mgr);
	free(co);
	free(pd);
	fixture_list_free(list, n);
	heap_arena_free(&ha);
	free(jpeg);
	remove_tree(dir);
	free(dir);
}

static void test_anonymise_bad_domain(void **state)
{
	(void)state;
	char *dir = make_tmpdir();
	struct record_options o = { .dir = dir, .anonymise = 1, .fake_domain = "no spaces allowed" };
	recorder_t *r = NULL;
	assert_int_equal(recorder_open(&o, &r), EMU_EINVAL);
	assert_null(r);
	o.fake_domain = "fake.example";
	assert_int_equal(recorder_open(&o, &r), EMU_OK);
	struct wire_msg q, s;
	soap_request(&q, GUP_REQ);
	soap_response(&s, SOAP_OPEN "<m:GetUserPhotoResponse/>" SOAP_CLOSE);
	assert_int_equal(record_exchange(r, &q, &s), EMU_OK);
	recorder_close(r);
	struct fixture *list = NULL;
	int n = 0;
	load_all(dir, &list, &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(list[0].caller, "@fake.example"));
	fixture_list_free(list, n);
	wire_msg_free(&q);
	wire_msg_free(&s);
	remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_exchange_strips_credentials),
		cmocka_unit_test(test_record_bearer_has_no_caller),
		cmocka_unit_test(test_record_layer),
		cmocka_unit_test(test_anonymise_consistent),
		cmocka_unit_test(test_anonymise_bad_domain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
