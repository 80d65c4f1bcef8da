/* test_replay.c - the replay server and `ewsemu verify`, live on loopback:
 * fixtures written with fixture_save(), requests sent with wire_request(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "capture.h"
#include <fcntl.h>
#include <getopt.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/result.h"
#include "replay/replay.h"

#define NS_S "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_T "http://schemas.microsoft.com/exchange/services/2006/types"
#define NS_M "http://schemas.microsoft.com/exchange/services/2006/messages"
#define EWS "/EWS/Exchange.asmx"
#define PHOTO "/ews/Exchange.asmx/s/GetUserPhoto?email=alice%40example.test&size=HR48x48"
#define ALICE "alice@example.test"

static char g_root[256], g_all[300], g_plain[300], g_changed[300], g_extra[300], g_journal[300];

/* ---- fixtures ------------------------------------------------------------ */

static char *resolve_request(const char *who)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ % 4];
	snprintf(b, sizeof buf[0],
	         "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
	         "<soap:Envelope xmlns:soap=\"" NS_S "\" xmlns:t=\"" NS_T "\" xmlns:m=\"" NS_M "\">\n"
	         "  <soap:Header><t:RequestServerVersion Version=\"Exchange2013\"/></soap:Header>\n"
	         "  <soap:Body>\n"
	         "    <m:ResolveNames ReturnFullContactData=\"true\" SearchScope=\"ActiveDirectory\">\n"
	         "      <m:UnresolvedEntry>%s</m:UnresolvedEntry>\n"
	         "    </m:ResolveNames>\n"
	         "  </soap:Body>\n"
	         "</soap:Envelope>\n",
	         who);
	return b;
}

static char *resolve_response(const char *name)
{
	static char buf[4][1024];
	static int k;
	char *b = buf[k++ % 4];
	snprintf(b, sizeof buf[0],
	         "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
	         "<s:Envelope xmlns:s=\"" NS_S "\"><s:Body>"
	         "<m:ResolveNamesResponse xmlns:m=\"" NS_M "\" xmlns:t=\"" NS_T "\"><m:ResponseMessages>"
	         "<m:ResolveNamesResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>"
	         "<m:ResolutionSet TotalItemsInView=\"1\"><t:Resolution><t:Mailbox><t:Name>%s</t:Name>"
	         "</t:Mailbox></t:Resolution></m:ResolutionSet></m:ResolveNamesResponseMessage>"
	         "</m:ResponseMessages></m:ResolveNamesResponse></s:Body></s:Envelope>",
	         name);
	return b;
}

static const unsigned char g_photo[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01,
	                                 0x02, 0x00, 0x80, 0x81, 0xfe, 0xff, 0xd9 };

/* what the live server answers a POST without credentials */
static const char g_denied[] =
	"<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"" NS_S "\"><s:Body><s:Fault>"
	"<faultcode xmlns:t=\"" NS_T "\">t:ErrorAccessDenied</faultcode><faultstring>Authentication required</faultstring>"
	"</s:Fault></s:Body></s:Envelope>";

static void save(const char *dir, const char *name, const char *caller, const char *method, const char *target,
                 const char *req_body, int status, const char *type, const void *resp_body, size_t resp_len,
                 struct fixture_fault fault)
{
	struct fixture f;
	struct fixture_header reqh[1] = { { "Content-Type", "text/xml; charset=utf-8" } };
	struct fixture_header resph[2] = { { "Content-Type", (char *)type }, { "X-Recorded", "yes" } };
	memset(&f, 0, sizeof f);
	f.name = (char *)name;
	f.caller = (char *)caller;
	f.request.method = (char *)method;
	f.request.target = (char *)target;
	if (req_body) {
		f.request.headers = reqh;
		f.request.nheaders = 1;
		assert_int_equal(fixture_body_set(&f.request.body, "text/xml", req_body, strlen(req_body)), EMU_OK);
	}
	f.response.status = status;
	f.response.headers = resph;
	f.response.nheaders = 2;
	assert_int_equal(fixture_body_set(&f.response.body, type, resp_body, resp_len), EMU_OK);
	f.fault = fault;
	char path[400];
	snprintf(path, sizeof path, "%s/%s" FIXTURE_SUFFIX, dir, name);
	assert_int_equal(fixture_save(path, &f), EMU_OK);
	free(f.request.body.data);
	free(f.response.body.data);
}

static void save_set(const char *dir, int changed, int faults)
{
	struct fixture_fault none = { 0 };
	const char *resp = resolve_response(changed ? "Alice Changed" : "Alice Example");
	save(dir, "0001-ResolveNames", ALICE, "POST", EWS, resolve_request("alice"), 200, "text/xml; charset=utf-8",
	     resp, strlen(resp), none);
	save(dir, "0002-GET-GetUserPhoto", ALICE, "GET", PHOTO, NULL, 200, "image/jpeg", g_photo, sizeof g_photo, none);
	if (!faults)
		save(dir, "0003-no-credentials-401", NULL, "POST", EWS, resolve_request("anonymous"), 401,
		     "text/xml; charset=utf-8", g_denied, strlen(g_denied), none);
	if (faults) {
		struct fixture_fault busy = { .busy_backoff_ms = 1234 }, reset = { .reset = 1 };
		resp = resolve_response("Bob");
		save(dir, "0003-ResolveNames-busy", NULL, "POST", EWS, resolve_request("bob"), 200,
		     "text/xml; charset=utf-8", resp, strlen(resp), busy);
		resp = resolve_response("Carol");
		save(dir, "0004-ResolveNames-reset", NULL, "POST", EWS, resolve_request("carol"), 200,
		     "text/xml; charset=utf-8", resp, strlen(resp), reset);
	}
}

/* ---- servers --------------------------------------------------------------- */

enum { SRV_ALL, SRV_PLAIN, SRV_CHANGED, SRV_AUTH, SRV_GLOBAL, SRV_EXTRA, SRV_FALL, SRV_N };
static struct replay_options g_opt[SRV_N];
static replay_server_t *g_srv[SRV_N];

static int start(int i)
{
	g_opt[i].http_listen = "127.0.0.1:0";
	return replay_server_start(&g_opt[i], &g_srv[i]);
}

/* The fall-through handler of SRV_FALL: a function call, as serve's live
 * routes are; here it asks the SRV_EXTRA replay server. */
static enum wire_action fall_to_extra(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                      struct wire_msg *resp)
{
	replay_server_t **extra = ctx;
	struct wire_url u;
	(void)peer;
	if (wire_url_parse(replay_server_url(*extra, 0), &u) != EMU_OK ||
	    wire_request(&u, 1, 10, req, resp) != EMU_OK)
		return WIRE_RESET;
	return WIRE_REPLY;
}

static int setup(void **state)
{
	(void)state;
	snprintf(g_root, sizeof g_root, "/tmp/ewsemu-test-replay-XXXXXX");
	if (!mkdtemp(g_root))
		return -1;
	snprintf(g_all, sizeof g_all, "%s/all", g_root);
	snprintf(g_plain, sizeof g_plain, "%s/plain", g_root);
	snprintf(g_changed, sizeof g_changed, "%s/changed", g_root);
	snprintf(g_extra, sizeof g_extra, "%s/extra", g_root);
	snprintf(g_journal, sizeof g_journal, "%s/journal.jsonl", g_root);
	if (mkdir(g_all, 0700) || mkdir(g_plain, 0700) || mkdir(g_changed, 0700) || mkdir(g_extra, 0700))
		return -1;
	save_set(g_all, 0, 1);
	save_set(g_plain, 0, 0);
	save_set(g_changed, 1, 0);
	const char *resp = resolve_response("Dave");
	save(g_extra, "0001-ResolveNames-dave", NULL, "POST", EWS, resolve_request("dave"), 200, "text/xml; charset=utf-8",
	     resp, strlen(resp), (struct fixture_fault){ 0 });

	g_opt[SRV_ALL] = (struct replay_options){ .dir = g_all, .journal = g_journal };
	g_opt[SRV_PLAIN] = (struct replay_options){ .dir = g_plain };
	g_opt[SRV_CHANGED] = (struct replay_options){ .dir = g_changed };
	g_opt[SRV_AUTH] = (struct replay_options){ .dir = g_plain, .require_auth = 1 };
	g_opt[SRV_GLOBAL] = (struct replay_options){ .dir = g_plain, .busy_every = 2, .busy_backoff_ms = 777,
		                                     .reset_every = 3, .latency_ms = 5 };
	g_opt[SRV_EXTRA] = (struct replay_options){ .dir = g_extra };
	g_opt[SRV_FALL] = (struct replay_options){ .dir = g_plain };
	for (int i = 0; i < SRV_N; i++) {
		if (i == SRV_FALL) {
			g_opt[i].fallthrough = fall_to_extra;
			g_opt[i].fallthrough_ctx = &g_srv[SRV_EXTRA];
		}
		if (start(i) != EMU_OK)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = SRV_N - 1; i >= 0; i--)
		replay_server_stop(g_srv[i]);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_root);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- a client ------------------------------------------------------------- */

static int send_req(int srv, const char *method, const char *target, const char *user, const char *body,
                    struct wire_msg *resp)
{
	struct wire_url u;
	struct wire_msg req;
	assert_int_equal(wire_url_parse(replay_server_url(g_srv[srv], 0), &u), EMU_OK);
	wire_msg_init(&req);
	wire_msg_init(resp);
	assert_int_equal(wire_msg_request(&req, method, target), EMU_OK);
	if (user) {
		char plain[128], auth[200] = "Basic ";
		snprintf(plain, sizeof plain, "%s:secret", user);
		base64_encode(plain, strlen(plain), auth + 6);
		assert_int_equal(wire_msg_set_header(&req, "Authorization", auth), EMU_OK);
	}
	if (body) {
		assert_int_equal(wire_msg_set_header(&req, "Content-Type", "text/xml; charset=utf-8"), EMU_OK);
		assert_int_equal(wire_msg_set_body(&req, body, strlen(body)), EMU_OK);
	}
	int rc = wire_request(&u, 0, 10, &req, resp);
	wire_msg_free(&req);
	return rc;
}

/* the same request as fixture 0001, other prefixes, attribute order,
 * whitespace and RequestServerVersion */
static const char g_alice_variant[] =
	"<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"" NS_S "\"><s:Header>"
	"<x:RequestServerVersion xmlns:x=\"" NS_T "\" Version=\"Exchange2016\"/></s:Header><s:Body>"
	"<ResolveNames xmlns=\"" NS_M "\" SearchScope=\"ActiveDirectory\" ReturnFullContactData=\"true\">"
	"<UnresolvedEntry>alice</UnresolvedEntry></ResolveNames></s:Body></s:Envelope>";

static xmlChar *fault_text(const struct wire_msg *resp, const char *expr)
{
	xmlDocPtr doc = xmlReadMemory((const char *)resp->body, (int)resp->body_len, "r.xml", NULL,
	                              XML_PARSE_NONET | XML_PARSE_NOERROR);
	assert_non_null(doc);
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST NS_S);
	xmlXPathRegisterNs(ctx, BAD_CAST "t", BAD_CAST NS_T);
	xmlXPathRegisterNs(ctx, BAD_CAST "e", BAD_CAST "http://schemas.microsoft.com/exchange/services/2006/errors");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	xmlChar *t = NULL;
	if (r && r->nodesetval && r->nodesetval->nodeNr == 1)
		t = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	if (!t)
		fail_msg("no single node at %s in %s", expr, (const char *)resp->body);
	return t;
}

static void assert_fault(const struct wire_msg *resp, const char *code)
{
	assert_int_equal(resp->status, 500);
	assert_non_null(resp->body);
	xmlChar *t = fault_text(resp, "/s:Envelope/s:Body/s:Fault/detail/e:ResponseCode");
	assert_string_equal((const char *)t, code);
	xmlFree(t);
	t = fault_text(resp, "/s:Envelope/s:Body/s:Fault/faultcode");
	assert_non_null(strstr((const char *)t, code));
	xmlFree(t);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_match_variant(void **state)
{
	(void)state;
	struct wire_msg r;
	assert_int_equal(send_req(SRV_ALL, "POST", EWS, ALICE, g_alice_variant, &r), EMU_OK);
	assert_int_equal(r.status, 200);
	/* the body bytes the fixture holds (fixture/ keeps embedded XML as it re-reads it) */
	char path[400], err[FIXTURE_ERR_MAX];
	struct fixture f;
	snprintf(path, sizeof path, "%s/0001-ResolveNames" FIXTURE_SUFFIX, g_all);
	assert_int_equal(fixture_load(path, &f, err, sizeof err), EMU_OK);
	assert_int_equal(r.body_len, f.response.body.len);
	assert_memory_equal(r.body, f.response.body.data, r.body_len);
	assert_non_null(strstr((const char *)r.body, "<t:Name>Alice Example</t:Name>"));
	fixture_free(&f);
	assert_string_equal(wire_msg_header(&r, "Content-Type"), "text/xml; charset=utf-8");
	assert_string_equal(wire_msg_header(&r, "X-Recorded"), "yes");
	assert_non_null(wire_msg_header(&r, "Date"));
	wire_msg_free(&r);

	/* the recorded request itself, and without credentials (no caller) */
	assert_int_equal(send_req(SRV_ALL, "POST", "/ews/exchange.asmx", NULL, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
}

static void test_unmatched_post(void **state)
{
	(void)state;
	struct wire_msg r;
	assert_int_equal(send_req(SRV_ALL, "POST", EWS, ALICE, resolve_request("zed"), &r), EMU_OK);
	assert_fault(&r, "ErrorInvalidOperation");
	xmlChar *fs = fault_text(&r, "/s:Envelope/s:Body/s:Fault/faultstring");
	assert_non_null(strstr((const char *)fs, "ResolveNames"));
	assert_non_null(strstr((const char *)fs, "closest 000"));
	xmlFree(fs);
	wire_msg_free(&r);

	/* another caller than the recorded one does not match */
	assert_int_equal(send_req(SRV_ALL, "POST", EWS, "mallory@example.test", resolve_request("alice"), &r), EMU_OK);
	assert_fault(&r, "ErrorInvalidOperation");
	wire_msg_free(&r);
}

static void test_get(void **state)
{
	(void)state;
	struct wire_msg r;
	/* query parameters as a set */
	assert_int_equal(send_req(SRV_ALL, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?size=HR48x48&email=alice%40example.test",
	                          ALICE, NULL, &r),
	                 EMU_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, sizeof g_photo);
	assert_memory_equal(r.body, g_photo, sizeof g_photo);
	assert_string_equal(wire_msg_header(&r, "Content-Type"), "image/jpeg");
	wire_msg_free(&r);

	assert_int_equal(send_req(SRV_ALL, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=nobody%40example.test&size=HR48x48",
	                          ALICE, NULL, &r),
	                 EMU_OK);
	assert_int_equal(r.status, 404);
	assert_non_null(r.body);
	assert_non_null(strstr((const char *)r.body, "closest fixture 0002-GET-GetUserPhoto"));
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_ALL, "DELETE", EWS, ALICE, NULL, &r), EMU_OK);
	assert_int_equal(r.status, 404);
	wire_msg_free(&r);
}

static void test_fixture_faults(void **state)
{
	(void)state;
	struct wire_msg r;
	assert_int_equal(send_req(SRV_ALL, "POST", EWS, NULL, resolve_request("bob"), &r), EMU_OK);
	assert_fault(&r, "ErrorServerBusy");
	xmlChar *t = fault_text(&r, "//t:MessageXml/t:Value[@Name='BackOffMilliseconds']");
	assert_string_equal((const char *)t, "1234");
	xmlFree(t);
	wire_msg_free(&r);

	int rc = send_req(SRV_ALL, "POST", EWS, NULL, resolve_request("carol"), &r);
	assert_true(rc == EMU_EIO || rc == EMU_ENOTFOUND);
	wire_msg_free(&r);
}

static void test_require_auth(void **state)
{
	(void)state;
	struct wire_msg r;
	/* no recorded 401 for this method and path: the replay server's own */
	assert_int_equal(send_req(SRV_AUTH, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=a@b.test&size=HR96x96",
	                          NULL, NULL, &r), EMU_OK);
	assert_int_equal(r.status, 401);
	assert_non_null(wire_msg_header(&r, "WWW-Authenticate"));
	assert_string_equal(wire_msg_header(&r, "WWW-Authenticate"), "Basic realm=\"ewsemu\"");
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_AUTH, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
	/* a recorded 401 for this very request is replayed as recorded, and
	 * so it is for any request of that method and path (a server refuses
	 * before it reads the body) */
	assert_int_equal(send_req(SRV_AUTH, "POST", EWS, NULL, resolve_request("anonymous"), &r), EMU_OK);
	assert_int_equal(r.status, 401);
	assert_string_equal(wire_msg_header(&r, "Content-Type"), "text/xml; charset=utf-8");
	assert_non_null(strstr((const char *)r.body, "ErrorAccessDenied"));
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_AUTH, "POST", EWS, NULL, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 401);
	assert_non_null(r.body);
	assert_non_null(strstr((const char *)r.body, "ErrorAccessDenied"));
	wire_msg_free(&r);
}

static void test_global_faults(void **state)
{
	(void)state;
	struct wire_msg r;
	/* every 2nd busy, every 3rd reset: 1 ok, 2 busy, 3 reset, 4 busy, 5 ok */
	assert_int_equal(send_req(SRV_GLOBAL, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_GLOBAL, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_fault(&r, "ErrorServerBusy");
	xmlChar *t = fault_text(&r, "//t:MessageXml/t:Value[@Name='BackOffMilliseconds']");
	assert_string_equal((const char *)t, "777");
	xmlFree(t);
	wire_msg_free(&r);
	int rc = send_req(SRV_GLOBAL, "POST", EWS, ALICE, resolve_request("alice"), &r);
	assert_true(rc == EMU_EIO || rc == EMU_ENOTFOUND);
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_GLOBAL, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 500);
	wire_msg_free(&r);
	assert_int_equal(send_req(SRV_GLOBAL, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 200);
	wire_msg_free(&r);
}

static void test_fallthrough(void **state)
{
	(void)state;
	struct wire_msg r;
	/* matched locally */
	assert_int_equal(send_req(SRV_FALL, "POST", EWS, ALICE, resolve_request("alice"), &r), EMU_OK);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr((const char *)r.body, "Alice Example"));
	wire_msg_free(&r);
	/* only the fall-through handler knows dave; twice */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(send_req(SRV_FALL, "POST", EWS, ALICE, resolve_request("dave"), &r), EMU_OK);
		assert_int_equal(r.status, 200);
		assert_non_null(strstr((const char *)r.body, "Dave"));
		wire_msg_free(&r);
	}
	/* neither: the other server's fault comes back */
	assert_int_equal(send_req(SRV_FALL, "POST", EWS, ALICE, resolve_request("zed"), &r), EMU_OK);
	assert_fault(&r, "ErrorInvalidOperation");
	wire_msg_free(&r);
}

static void test_server_journal(void **state)
{
	(void)state;
	FILE *f = fopen(g_journal, "r");
	assert_non_null(f);
	static char line[1 << 20];
	int n = 0, matched = 0, unmatched = 0, reset = 0, busy = 0;
	long long last = 0;
	while (fgets(line, sizeof line, f)) {
		struct replay_journal_entry e;
		size_t len = strlen(line);
		assert_int_equal(line[len - 1], '\n');
		assert_null(strstr(line, "Authorization"));
		assert_null(strstr(line, "secret"));
		assert_int_equal(replay_journal_parse(line, len - 1, &e), EMU_OK);
		assert_true(e.seq > last);
		last = e.seq;
		n++;
		if (e.fixture && !strcmp(e.fixture, "0001-ResolveNames") && e.caller && !strcmp(e.caller, ALICE)) {
			matched++;
			assert_int_equal(e.status, 200);
			assert_string_equal(e.operation, "ResolveNames");
			assert_string_equal(e.method, "POST");
			assert_memory_equal(e.body, g_alice_variant, e.body_len);
		}
		if (!e.fixture && e.operation && !strcmp(e.operation, "ResolveNames")) {
			unmatched++;
			assert_int_equal(e.status, 500);
			assert_non_null(e.near_miss);
			assert_int_equal(strncmp(e.near_miss, "no fixture for POST " EWS " ResolveNames; closest ", 52), 0);
		}
		if (e.fixture && !strcmp(e.fixture, "0004-ResolveNames-reset")) {
			reset++;
			assert_int_equal(e.status, 0);
			assert_string_equal(e.fault, "reset");
		}
		if (e.fixture && !strcmp(e.fixture, "0003-ResolveNames-busy")) {
			busy++;
			assert_int_equal(e.status, 500);
			assert_string_equal(e.fault, "busy");
		}
		replay_journal_entry_free(&e);
	}
	fclose(f);
	assert_int_equal(n, 9);
	assert_int_equal(matched, 1);
	assert_int_equal(unmatched, 2);
	assert_int_equal(reset, 1);
	assert_int_equal(busy, 1);
}

struct verify_call {
	struct replay_verify_options o;
	int passed, failed;
};

static int verify_call(void *ctx)
{
	struct verify_call *c = ctx;
	int rc = replay_verify_run(&c->o, &c->passed, &c->failed);
	return rc != EMU_OK ? rc : c->failed ? 1 : 0;
}

/* replay_verify_run(@p dir against @p url, @p user / @p password, @p only,
 * @p quiet) with stdout captured into @p out.  Returns the result, or 1
 * when a fixture failed, 0 when all passed. */
static int run_verify(char *out, size_t outsz, const char *dir, const char *url, const char *user,
                      const char *password, const char *only, int quiet)
{
	char cap[400];
	struct verify_call c = { .o = { .dir = dir, .against = url, .user = user, .password = password, .only = only,
	                                .quiet = quiet, .timeout_s = REPLAY_VERIFY_TIMEOUT_S,
	                                .deadline_s = REPLAY_VERIFY_DEADLINE_S } };
	assert_int_equal(wire_url_parse(url, &c.o.url), EMU_OK);
	snprintf(cap, sizeof cap, "%s/verify.txt", g_root);
	return run_captured(verify_call, &c, cap, out, outsz);
}

static void test_verify(void **state)
{
	(void)state;
	char out[8192], url[300];
	snprintf(url, sizeof url, "%s", replay_server_url(g_srv[SRV_PLAIN], 0));
	assert_int_equal(run_verify(out, sizeof out, g_plain, url, NULL, "secret", NULL, 0), 0);
	assert_string_equal(out, "PASS 0001-ResolveNames\nPASS 0002-GET-GetUserPhoto\nPASS 0003-no-credentials-401\n"
	                         "3 passed, 0 failed\n");

	/* a changed response is caught, with an element-level diff */
	snprintf(url, sizeof url, "%s", replay_server_url(g_srv[SRV_CHANGED], 0));
	assert_int_equal(run_verify(out, sizeof out, g_plain, url, ALICE, "secret", NULL, 0), 1);
	assert_int_equal(strncmp(out, "FAIL 0001-ResolveNames\n    ", 27), 0);
	assert_non_null(strstr(out, "t:Name"));
	assert_non_null(strstr(out, "\nPASS 0002-GET-GetUserPhoto\n"));
	assert_non_null(strstr(out, "\n2 passed, 1 failed\n"));
	assert_int_equal(run_verify(out, sizeof out, g_plain, url, NULL, NULL, "Photo", 1), 0);
	assert_string_equal(out, "1 passed, 0 failed\n");

	/* authentication: the server wants credentials, the recorded caller is used */
	snprintf(url, sizeof url, "%s", replay_server_url(g_srv[SRV_AUTH], 0));
	assert_int_equal(run_verify(out, sizeof out, g_plain, url, NULL, "secret", NULL, 0), 0);
	assert_non_null(strstr(out, "\n3 passed, 0 failed\n"));
	assert_int_equal(run_verify(out, sizeof out, g_plain, url, NULL, NULL, NULL, 0), 1);
	assert_non_null(strstr(out, "FAIL 0001-ResolveNames\n"));
	assert_non_null(strstr(out, "PASS 0003-no-credentials-401\n"));
	assert_non_null(strstr(out, "1 passed, 2 failed\n"));

	/* a server that is not there: every fixture fails with the reason */
	assert_int_equal(run_verify(out, sizeof out, g_plain, "http://127.0.0.1:1", NULL, NULL, NULL, 0), 1);
	assert_non_null(strstr(out, "FAIL 0001-ResolveNames\n    no answer from http://127.0.0.1:1: "));
	assert_non_null(strstr(out, "0 passed, 3 failed\n"));

	/* fixtures that cannot be loaded: nothing is sent */
	assert_int_not_equal(run_verify(out, sizeof out, "/nonexistent/fixtures", url, NULL, NULL, NULL, 0), EMU_OK);
}

static void test_start_errors(void **state)
{
	(void)state;
	replay_server_t *s = (replay_server_t *)1;
	struct replay_options o = { .dir = "/nonexistent/fixtures", .http_listen = "127.0.0.1:0" };
	assert_int_equal(replay_server_start(&o, &s), EMU_EINVAL);
	assert_null(s);
	struct replay_options none = { .dir = g_plain };
	assert_int_equal(replay_server_start(&none, &s), EMU_EINVAL);
	struct replay_options badj = { .dir = g_plain, .http_listen = "127.0.0.1:0", .journal = "/nonexistent/j" };
	assert_int_equal(replay_server_start(&badj, &s), EMU_EIO);
	assert_int_equal(replay_server_fixture_count(g_srv[SRV_ALL]), 4);
	assert_null(replay_server_url(g_srv[SRV_ALL], 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match_variant),
		cmocka_unit_test(test_unmatched_post),
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_fixture_faults),
		cmocka_unit_test(test_server_journal),
		cmocka_unit_test(test_require_auth),
		cmocka_unit_test(test_global_faults),
		cmocka_unit_test(test_fallthrough),
		cmocka_unit_test(test_verify),
		cmocka_unit_test(test_start_errors),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	xmlCleanupParser();
	return rc;
}
