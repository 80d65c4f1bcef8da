/* test_journal.c - the replay journal (writer, reader, replay_journal_print)
 * and the SOAP fault bodies of the replay server (journal.c, fault.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/result.h"
#include "replay/replay.h"

static char g_dir[256];

static int setup(void **state)
{
	(void)state;
	snprintf(g_dir, sizeof g_dir, "/tmp/ewsemu-test-journal-XXXXXX");
	return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t outsz, const char *name)
{
	snprintf(out, outsz, "%s/%s", g_dir, name);
}

/* a request as the wire module hands it to a handler (built by hand: only
 * the struct is needed) */
static void make_req(struct wire_msg *m, const char *method, const char *target, const void *body, size_t len)
{
	memset(m, 0, sizeof *m);
	m->method = (char *)method;
	m->target = (char *)target;
	m->headers[0] = (struct wire_header){ "Content-Type", "text/xml; charset=utf-8" };
	m->headers[1] = (struct wire_header){ "Authorization", "Basic YWxpY2U6c2VjcmV0" };
	m->headers[2] = (struct wire_header){ "SOAPAction", "\"http://schemas.microsoft.com/exchange/services/2006/messages/ResolveNames\"" };
	m->headers[3] = (struct wire_header){ "Cookie", "session=abc" };
	m->headers[4] = (struct wire_header){ "X-Test", "one" };
	m->headers[5] = (struct wire_header){ "x-test", "two" };
	m->headers[6] = (struct wire_header){ "Content-Length", "12" };
	m->nheaders = 7;
	m->body = (unsigned char *)body;
	m->body_len = len;
}

/* Read every line of @p path into entries (at most @p max). */
static int read_entries(const char *path, struct replay_journal_entry *out, int max)
{
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	static char line[3u << 20];
	int n = 0;
	while (n < max && fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		assert_true(len > 0 && line[len - 1] == '\n');
		assert_int_equal(replay_journal_parse(line, len - 1, &out[n]), EMU_OK);
		n++;
	}
	fclose(f);
	return n;
}

static void test_journal_roundtrip(void **state)
{
	(void)state;
	char path[300];
	path_in(path, sizeof path, "j1.jsonl");
	replay_journal_t *j;
	assert_int_equal(replay_journal_open(path, &j), EMU_OK);

	static const char xml[] = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\">"
	                          "<s:Body><m:ResolveNames>caf\xc3\xa9 \"q\"\n</m:ResolveNames></s:Body></s:Envelope>";
	struct wire_msg m;
	long long seq = 0;
	make_req(&m, "POST", "/EWS/Exchange.asmx", xml, sizeof xml - 1);
	struct replay_journal_outcome o = { .operation = "ResolveNames", .caller = "alice", .fixture = "0001-ResolveNames",
		                            .status = 200 };
	assert_int_equal(replay_journal_append(j, &m, &o, &seq), EMU_OK);
	assert_int_equal(seq, 1);

	/* binary body, unmatched, reset */
	static const unsigned char bin[] = { 0xff, 0xd8, 0xff, 0x00, 0x01, 0x80 };
	make_req(&m, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=a%40b&size=HR48x48", bin, sizeof bin);
	struct replay_journal_outcome o2 = { .operation = "GET GetUserPhoto", .status = 0, .fault = "latency+reset",
		                             .latency_ms = 25, .near_miss = "no fixture for GET ...; closest x" };
	assert_int_equal(replay_journal_append(j, &m, &o2, &seq), EMU_OK);
	assert_int_equal(seq, 2);

	/* a text body over the limit, cut inside a two-byte sequence */
	size_t big = REPLAY_JOURNAL_BODY_MAX + 100;
	unsigned char *text = malloc(big);
	assert_non_null(text);
	memset(text, 'a', big);
	text[REPLAY_JOURNAL_BODY_MAX - 1] = 0xc3;
	text[REPLAY_JOURNAL_BODY_MAX] = 0xa9;
	make_req(&m, "POST", "/EWS/Exchange.asmx", text, big);
	struct replay_journal_outcome o3 = { .operation = "", .status = 500, .fallthrough = 1 };
	assert_int_equal(replay_journal_append(j, &m, &o3, &seq), EMU_OK);
	assert_int_equal(seq, 3);
	replay_journal_close(j);

	struct replay_journal_entry e[4];
	assert_int_equal(read_entries(path, e, 4), 3);

	assert_int_equal(e[0].seq, 1);
	assert_string_equal(e[0].method, "POST");
	assert_string_equal(e[0].target, "/EWS/Exchange.asmx");
	assert_string_equal(e[0].operation, "ResolveNames");
	assert_string_equal(e[0].caller, "alice");
	assert_string_equal(e[0].fixture, "0001-ResolveNames");
	assert_int_equal(e[0].status, 200);
	assert_null(e[0].fault);
	assert_null(e[0].near_miss);
	assert_false(e[0].body_base64);
	assert_false(e[0].body_truncated);
	assert_int_equal(e[0].body_len, sizeof xml - 1);
	assert_memory_equal(e[0].body, xml, sizeof xml - 1);
	assert_non_null(e[0].time);
	assert_int_equal(strlen(e[0].time), 24);   /* 2026-01-01T00:00:00.000Z */
	assert_int_equal(e[0].time[23], 'Z');
	/* credentials and framing never reach the journal; repeats are joined */
	int found_type = 0, found_test = 0;
	for (int i = 0; i < e[0].nheaders; i++) {
		assert_string_not_equal(e[0].headers[i].name, "Authorization");
		assert_string_not_equal(e[0].headers[i].name, "Cookie");
		assert_string_not_equal(e[0].headers[i].name, "Content-Length");
		if (!strcmp(e[0].headers[i].name, "Content-Type")) {
			found_type = 1;
			assert_string_equal(e[0].headers[i].value, "text/xml; charset=utf-8");
		}
		if (!strcmp(e[0].headers[i].name, "X-Test")) {
			found_test = 1;
			assert_string_equal(e[0].headers[i].value, "one, two");
		}
	}
	assert_true(found_type && found_test);
	assert_int_equal(e[0].nheaders, 3);

	assert_int_equal(e[1].seq, 2);
	assert_int_equal(e[1].status, 0);
	assert_null(e[1].fixture);
	assert_null(e[1].caller);
	assert_string_equal(e[1].fault, "latency+reset");
	assert_int_equal(e[1].latency_ms, 25);
	assert_string_equal(e[1].near_miss, "no fixture for GET ...; closest x");
	assert_true(e[1].body_base64);
	assert_int_equal(e[1].body_len, sizeof bin);
	assert_memory_equal(e[1].body, bin, sizeof bin);
	assert_string_equal(e[1].target, "/ews/Exchange.asmx/s/GetUserPhoto?email=a%40b&size=HR48x48");

	assert_int_equal(e[2].seq, 3);
	assert_true(e[2].body_truncated);
	assert_false(e[2].body_base64);
	assert_true(e[2].fallthrough);
	assert_null(e[2].operation);
	assert_int_equal(e[2].body_size, big);
	assert_int_equal(e[2].body_len, REPLAY_JOURNAL_BODY_MAX - 1);   /* the cut sequence left out */
	assert_true(e[2].body_len <= REPLAY_JOURNAL_BODY_MAX);
	for (int i = 0; i < 3; i++)
		replay_journal_entry_free(&e[i]);

	/* reopening continues the numbering */
	assert_int_equal(replay_journal_open(path, &j), EMU_OK);
	make_req(&m, "POST", "/EWS/Exchange.asmx", xml, sizeof xml - 1);
	assert_int_equal(replay_journal_append(j, &m, &o, &seq), EMU_OK);
	assert_int_equal(seq, 4);
	replay_journal_close(j);
	free(text);

	/* a half-written last line does not disturb the numbering */
	FILE *f = fopen(path, "a");
	assert_non_null(f);
	fputs("{\"seq\":99,\"meth", f);
	fclose(f);
	assert_int_equal(replay_journal_open(path, &j), EMU_OK);
	assert_int_equal(replay_journal_append(j, &m, &o, &seq), EMU_OK);
	assert_int_equal(seq, 5);
	replay_journal_close(j);
}

static void test_journal_parse_rejects(void **state)
{
	(void)state;
	struct replay_journal_entry e;
	static const char *const bad[] = { "", "[]", "{}", "{\"seq\":1}", "{\"seq\":\"1\",\"method\":\"GET\",\"target\":\"/\",\"status\":200}",
		                          "{\"seq\":1,\"method\":\"GET\",\"target\":\"/\",\"status\":\"x\"}",
		                          "{\"seq\":1,\"method\":\"GET\",\"target\":\"/\",\"status\":200,\"body\":\"!!\",\"body_base64\":true}",
		                          "not json" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(replay_journal_parse(bad[i], strlen(bad[i]), &e), EMU_EINVAL);
		assert_null(e.method);
	}
	static const char ok[] = "{\"seq\":7,\"method\":\"GET\",\"target\":\"/x\",\"status\":404}";
	assert_int_equal(replay_journal_parse(ok, sizeof ok - 1, &e), EMU_OK);
	assert_int_equal(e.seq, 7);
	assert_int_equal(e.status, 404);
	assert_null(e.body);
	replay_journal_entry_free(&e);
}

/* replay_journal_print(@p path, @p flt) into @p out; returns its result. */
static int print_journal(const char *path, const struct replay_journal_filter *flt, char *out, size_t outsz)
{
	char cap[300];
	path_in(cap, sizeof cap, "stdout.txt");
	FILE *f = fopen(cap, "w+");
	assert_non_null(f);
	int rc = replay_journal_print(path, flt, f);
	rewind(f);
	size_t n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}

static void test_journal_print(void **state)
{
	(void)state;
	char path[300], out[8192];
	path_in(path, sizeof path, "j2.jsonl");
	replay_journal_t *j;
	assert_int_equal(replay_journal_open(path, &j), EMU_OK);
	struct wire_msg m;
	static const char body[] = "<x/>";
	make_req(&m, "POST", "/EWS/Exchange.asmx", body, 4);
	struct replay_journal_outcome a = { .operation = "ResolveNames", .fixture = "0001-ResolveNames", .status = 200 };
	struct replay_journal_outcome b = { .operation = "GetUserPhoto", .status = 500, .near_miss = "no fixture" };
	struct replay_journal_outcome c = { .operation = "GET GetUserPhoto", .status = 0, .fault = "reset" };
	assert_int_equal(replay_journal_append(j, &m, &a, NULL), EMU_OK);
	assert_int_equal(replay_journal_append(j, &m, &b, NULL), EMU_OK);
	make_req(&m, "GET", "/ews/Exchange.asmx/s/GetUserPhoto?email=x", NULL, 0);
	assert_int_equal(replay_journal_append(j, &m, &c, NULL), EMU_OK);
	replay_journal_close(j);

	struct replay_journal_filter all = { 0 };
	assert_int_equal(print_journal(path, &all, out, sizeof out), EMU_OK);
	assert_string_equal(out, "1 POST /EWS/Exchange.asmx ResolveNames -> 200 0001-ResolveNames\n"
	                         "2 POST /EWS/Exchange.asmx GetUserPhoto -> 500 (no match)\n"
	                         "3 GET /ews/Exchange.asmx/s/GetUserPhoto?email=x GET GetUserPhoto -> reset (no match)\n");

	struct replay_journal_filter unm = { .unmatched = 1 };
	assert_int_equal(print_journal(path, &unm, out, sizeof out), EMU_OK);
	assert_non_null(strstr(out, "2 POST"));
	assert_null(strstr(out, "1 POST"));

	struct replay_journal_filter op = { .operation = "GetUserPhoto" };
	assert_int_equal(print_journal(path, &op, out, sizeof out), EMU_OK);
	assert_null(strstr(out, "ResolveNames"));
	assert_non_null(strstr(out, "\n3 GET"));

	struct replay_journal_filter since = { .since_seq = 2, .json = 1 };
	assert_int_equal(print_journal(path, &since, out, sizeof out), EMU_OK);
	assert_int_equal(strncmp(out, "{\"seq\":3,", 9), 0);
	assert_non_null(strchr(out, '\n'));
	assert_int_equal(strchr(out, '\n')[1], '\0');   /* one line */
	struct replay_journal_entry e;
	assert_int_equal(replay_journal_parse(out, strlen(out) - 1, &e), EMU_OK);
	assert_int_equal(e.seq, 3);
	replay_journal_entry_free(&e);

	assert_int_equal(print_journal("/nonexistent/journal.jsonl", &all, out, sizeof out), EMU_EIO);
}

/* ---- fault bodies ------------------------------------------------------- */

static xmlDocPtr parse_xml(const char *body, size_t len)
{
	xmlDocPtr doc = xmlReadMemory(body, (int)len, "fault.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR);
	assert_non_null(doc);
	return doc;
}

/* The text of the single node at @p expr (heap, xmlFree), or NULL. */
static xmlChar *xpath_text(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://schemas.xmlsoap.org/soap/envelope/");
	xmlXPathRegisterNs(ctx, BAD_CAST "t", BAD_CAST "http://schemas.microsoft.com/exchange/services/2006/types");
	xmlXPathRegisterNs(ctx, BAD_CAST "e", BAD_CAST "http://schemas.microsoft.com/exchange/services/2006/errors");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	xmlChar *text = NULL;
	if (r && r->nodesetval && r->nodesetval->nodeNr == 1)
		text = xmlNodeGetContent(r->nodesetval->nodeTab[0]);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
	return text;
}

static void assert_xpath(xmlDocPtr doc, const char *expr, const char *want)
{
	xmlChar *t = xpath_text(doc, expr);
	if (!t)
		fail_msg("no single node at %s", expr);
	assert_string_equal((const char *)t, want);
	xmlFree(t);
}

/* faultcode is a QName: its prefix must map to the EWS types namespace */
static void assert_faultcode(xmlDocPtr doc, const char *local)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(ctx, BAD_CAST "s", BAD_CAST "http://schemas.xmlsoap.org/soap/envelope/");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST "/s:Envelope/s:Body/s:Fault/faultcode", ctx);
	assert_true(r && r->nodesetval && r->nodesetval->nodeNr == 1);
	xmlNodePtr n = r->nodesetval->nodeTab[0];
	xmlChar *qname = xmlNodeGetContent(n);
	const char *colon = strchr((const char *)qname, ':');
	assert_non_null(colon);
	char prefix[16];
	snprintf(prefix, sizeof prefix, "%.*s", (int)(colon - (const char *)qname), (const char *)qname);
	xmlNsPtr ns = xmlSearchNs(doc, n, BAD_CAST prefix);
	assert_non_null(ns);
	assert_string_equal((const char *)ns->href, "http://schemas.microsoft.com/exchange/services/2006/types");
	assert_string_equal(colon + 1, local);
	xmlFree(qname);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(ctx);
}

static void test_fault_busy(void **state)
{
	(void)state;
	char *body;
	size_t len;
	assert_int_equal(replay_fault_busy_body(5000, &body, &len), EMU_OK);
	assert_int_equal(len, strlen(body));
	/* exchangelib only parses 500 bodies starting like this */
	assert_int_equal(strncmp(body, "<?xml", 5), 0);
	xmlDocPtr doc = parse_xml(body, len);
	assert_faultcode(doc, "ErrorServerBusy");
	assert_xpath(doc, "/s:Envelope/s:Body/s:Fault/detail/e:ResponseCode", "ErrorServerBusy");
	xmlChar *msg = xpath_text(doc, "/s:Envelope/s:Body/s:Fault/detail/e:Message");
	assert_non_null(msg);
	assert_true(xmlStrlen(msg) > 0);
	xmlFree(msg);
	assert_xpath(doc, "/s:Envelope/s:Body/s:Fault/detail/t:MessageXml/t:Value[@Name='BackOffMilliseconds']", "5000");
	xmlFreeDoc(doc);
	free(body);

	assert_int_equal(replay_fault_busy_body(0, &body, &len), EMU_OK);
	doc = parse_xml(body, len);
	assert_xpath(doc, "//t:MessageXml/t:Value[@Name='BackOffMilliseconds']", "0");
	xmlFreeDoc(doc);
	free(body);
}

static void test_fault_unmatched(void **state)
{
	(void)state;
	struct fixture closest;
	memset(&closest, 0, sizeof closest);
	closest.name = "0007-ResolveNames";
	struct fixture_near_miss near = { .closest = &closest, .similarity = 873 };
	/* request text with markup and a byte that is not UTF-8 */
	snprintf(near.what, sizeof near.what, "first difference at /s:Envelope/s:Body/m:ResolveNames/m:UnresolvedEntry: "
	                                      "got <b>&\"x\xff\", fixture has alice");
	char *body;
	size_t len;
	assert_int_equal(replay_fault_unmatched_body("ResolveNames", &near, &body, &len), EMU_OK);
	xmlDocPtr doc = parse_xml(body, len);
	assert_faultcode(doc, "ErrorInvalidOperation");
	assert_xpath(doc, "/s:Envelope/s:Body/s:Fault/detail/e:ResponseCode", "ErrorInvalidOperation");
	xmlChar *fs = xpath_text(doc, "/s:Envelope/s:Body/s:Fault/faultstring");
	assert_non_null(fs);
	assert_non_null(strstr((const char *)fs, "ResolveNames"));
	assert_non_null(strstr((const char *)fs, "0007-ResolveNames"));
	assert_non_null(strstr((const char *)fs, "got <b>&\"x?\""));
	xmlFree(fs);
	xmlFreeDoc(doc);
	free(body);

	/* nothing loaded, no operation */
	assert_int_equal(replay_fault_unmatched_body(NULL, NULL, &body, &len), EMU_OK);
	doc = parse_xml(body, len);
	assert_faultcode(doc, "ErrorInvalidOperation");
	xmlFreeDoc(doc);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_roundtrip),
		cmocka_unit_test(test_journal_parse_rejects),
		cmocka_unit_test(test_journal_print),
		cmocka_unit_test(test_fault_busy),
		cmocka_unit_test(test_fault_unmatched),
	};
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	xmlCleanupParser();
	return rc;
}
