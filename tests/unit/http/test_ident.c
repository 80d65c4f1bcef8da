/* test_ident.c - request-ids and identity headers (http/ident.h), the W3C
 * line (http/access_log.h) and the credential redaction of the debug log
 * (http/debug_log.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "http/access_log.h"
#include "http/debug_log.h"
#include "http/ident.h"

/* ---- request-ids ---- */

static int is_guid(const char *s)
{
	if (strlen(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' || s[14] != '4' ||
	    !strchr("89ab", s[19]))
		return 0;
	for (int i = 0; i < 36; i++)
		if (i != 8 && i != 13 && i != 18 && i != 23 && !strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static int cmp_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void test_request_ids_are_unique_guids(void **state)
{
	(void)state;
	enum { N = 20000 };
	char(*ids)[HTTP_REQUEST_ID_LEN + 1] = calloc(N, sizeof *ids);
	assert_non_null(ids);
	for (int i = 0; i < N; i++) {
		http_request_id(ids[i]);
		assert_true(is_guid(ids[i]));
	}
	qsort(ids, N, sizeof *ids, cmp_id);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	free(ids);
}

static void test_server_names(void **state)
{
	(void)state;
	struct http_ident id;
	assert_int_equal(http_ident_init(&id, "exch-01"), EMU_OK);
	assert_string_equal(id.name, "EXCH-01");
	assert_string_equal(id.fqdn, "exch-01");
	assert_int_equal(http_ident_init(&id, NULL), EMU_OK);
	assert_true(id.name[0] && strlen(id.name) <= HTTP_SERVER_NAME_MAX);
	assert_int_equal(http_ident_init(&id, ""), EMU_EINVAL);
	assert_int_equal(http_ident_init(&id, "ABCDEFGHIJKLMNOP"), EMU_EINVAL);   /* 16 */
	assert_int_equal(http_ident_init(&id, "ABCDEFGHIJKLMNO"), EMU_OK);        /* 15 */
	assert_int_equal(http_ident_init(&id, "a b"), EMU_EINVAL);
	assert_int_equal(http_ident_init(&id, "a\r\nX: y"), EMU_EINVAL);
}

static void test_identity_headers(void **state)
{
	(void)state;
	struct http_ident id;
	struct wire_msg m;
	char rid[HTTP_REQUEST_ID_LEN + 1];
	assert_int_equal(http_ident_init(&id, "EXCH01"), EMU_OK);
	http_request_id(rid);
	wire_msg_init(&m);
	assert_int_equal(wire_msg_response(&m, 200, NULL), EMU_OK);
	assert_int_equal(http_ident_headers(&id, rid, HTTP_IDENT_BACK, "abc", &m), EMU_OK);
	assert_string_equal(wire_msg_header(&m, "Server"), "Microsoft-IIS/10.0");
	assert_string_equal(wire_msg_header(&m, "request-id"), rid);
	assert_string_equal(wire_msg_header(&m, "X-BEServer"), "EXCH01");
	assert_string_equal(wire_msg_header(&m, "X-BackEndHttpStatus"), "200");
	assert_string_equal(wire_msg_header(&m, "client-request-id"), "abc");
	/* the identity fits the reply's own store: no header allocation */
	assert_true(m.small_len < WIRE_MSG_SMALL / 2);
	wire_msg_free(&m);

	wire_msg_init(&m);
	assert_int_equal(wire_msg_response(&m, 401, NULL), EMU_OK);
	char long_id[HTTP_CLIENT_REQUEST_ID_MAX + 2];
	memset(long_id, 'x', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	assert_int_equal(http_ident_headers(&id, rid, HTTP_IDENT_FRONT, long_id, &m), EMU_OK);
	assert_null(wire_msg_header(&m, "client-request-id"));
	assert_null(wire_msg_header(&m, "X-BEServer"));
	assert_string_equal(wire_msg_header(&m, "X-FEServer"), "EXCH01");
	assert_int_equal(http_ident_headers(&id, rid, HTTP_IDENT_FRONT, "a b", &m), EMU_OK);
	assert_null(wire_msg_header(&m, "client-request-id"));
	wire_msg_free(&m);
}

/* ---- the W3C line ---- */

static int count_fields(const char *line)
{
	int n = 1;
	for (const char *p = line; *p && *p != '\n'; p++)
		n += *p == ' ';
	return n;
}

static struct access_entry sample(void)
{
	struct access_entry e = {
		.when = { 1662086609, 0 }, .s_ip = "10.0.0.21", .s_port = 443, .method = "POST",
		.stem = "/EWS/Exchange.asmx?ignored", .stem_len = 18, .query = NULL, .user = "CONTOSO\\alice",
		.c_ip = "172.20.1.1", .user_agent = "AppleExchangeWebServices/818.0.1", .referer = NULL,
		.status = 200, .substatus = 0, .win32 = 0, .time_taken_ms = 63,
		.request_id = "e7a7da63-88ac-408b-b800-82458bb450b8", .op = "GetItem",
		.codes = "NoError:2,ErrorInvalidIdMalformed:1",
	};
	return e;
}

static void test_line_as_iis_writes_it(void **state)
{
	(void)state;
	char buf[ACCESS_LOG_LINE_MAX];
	struct access_entry e = sample();
	size_t n = access_log_format(&e, buf, sizeof buf);
	assert_int_equal(n, strlen(buf));
	assert_string_equal(buf, "2022-09-02 02:43:29 10.0.0.21 POST /EWS/Exchange.asmx "
	                         "&CorrelationID=<empty>;&cafeReqId=e7a7da63-88ac-408b-b800-82458bb450b8;"
	                         "&Operation=GetItem;&ResponseCode=NoError:2,ErrorInvalidIdMalformed:1; 443 "
	                         "CONTOSO\\alice 172.20.1.1 AppleExchangeWebServices/818.0.1 - 200 0 0 63\n");
	e.user = NULL;
	e.op = "";
	e.codes = NULL;
	e.status = 401;
	e.substatus = 1;
	e.win32 = 2148074254UL;
	e.query = "a=b c";
	e.correlation_id = "x y";
	e.user_agent = "";
	access_log_format(&e, buf, sizeof buf);
	assert_string_equal(buf, "2022-09-02 02:43:29 10.0.0.21 POST /EWS/Exchange.asmx "
	                         "a=b+c&CorrelationID=x+y;&cafeReqId=e7a7da63-88ac-408b-b800-82458bb450b8; 443 "
	                         "- 172.20.1.1 - - 401 1 2148074254 63\n");
}

static void test_hostile_fields_stay_one_line(void **state)
{
	(void)state;
	char buf[ACCESS_LOG_LINE_MAX];
	char *ua = malloc(8193);
	assert_non_null(ua);
	for (int i = 0; i < 8192; i++)
		ua[i] = "a \"\n\r\t\x01\xc3\xa9%"[i % 10];
	ua[8192] = '\0';
	struct access_entry e = sample();
	e.user_agent = ua;
	e.referer = ua;
	e.query = ua;
	e.user = ua;
	e.stem = ua;
	e.stem_len = 8192;
	size_t n = access_log_format(&e, buf, sizeof buf);
	assert_true(n < ACCESS_LOG_LINE_MAX);
	assert_int_equal(buf[n - 1], '\n');
	assert_null(memchr(buf, '\n', n - 1));
	assert_null(memchr(buf, '\r', n));
	for (size_t i = 0; i + 1 < n; i++)
		assert_true(buf[i] >= 0x20 && buf[i] < 0x7f);
	assert_int_equal(count_fields(buf), 15);
	/* the tail is intact */
	assert_non_null(strstr(buf, " 200 0 0 63\n"));
	free(ua);
	/* a one-field maximum: 512 escaped bytes, never half an escape */
	char big[600];
	memset(big, 'b', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[510] = '\x01';
	e = sample();
	e.user_agent = big;
	access_log_format(&e, buf, sizeof buf);
	const char *f = strstr(buf, " 172.20.1.1 ") + 12;
	const char *end = strchr(f, ' ');
	assert_int_equal(end - f, 510);   /* %01 would pass 512: cut before it */
}

static void test_split_addr(void **state)
{
	(void)state;
	char ip[ACCESS_LOG_IP_MAX];
	int port;
	access_log_split_addr("127.0.0.1:5432", ip, &port);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 5432);
	access_log_split_addr("[::1]:8443", ip, &port);
	assert_string_equal(ip, "::1");
	assert_int_equal(port, 8443);
	access_log_split_addr("::1", ip, &port);
	assert_string_equal(ip, "::1");
	assert_int_equal(port, 0);
	access_log_split_addr("host:99999", ip, &port);
	assert_string_equal(ip, "host");
	assert_int_equal(port, 0);
	access_log_split_addr("", ip, &port);
	assert_string_equal(ip, "-");
	access_log_split_addr(NULL, ip, &port);
	assert_string_equal(ip, "-");
}

/* ---- redaction ---- */

static void redacts(const char *in, const char *want)
{
	char out[1024];
	size_t n = http_redact(in, strlen(in), out, sizeof out);
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void test_redaction(void **state)
{
	(void)state;
	redacts("<t:Password>Secr3t!</t:Password><t:Name>x</t:Name>", "<t:Password>[removed]</t:Password><t:Name>x</t:Name>");
	redacts("<a password=\"p1\" name='n' Secret='s2'/>", "<a password=\"[removed]\" name='n' Secret='[removed]'/>");
	redacts("<wsse:BinarySecurityToken x=\"1\">eyJhbGciOi</wsse:BinarySecurityToken>",
	        "<wsse:BinarySecurityToken x=\"1\">[removed]</wsse:BinarySecurityToken>");
	redacts("<Password><x>nested</x></Password>", "<Password>[removed]</Password>");
	redacts("<Password/><b>kept</b>", "<Password/><b>kept</b>");
	redacts("{\"user\": \"a\", \"password\" : \"p\\\"w\", \"access_token\":123}",
	        "{\"user\": \"a\", \"password\" : \"[removed]\", \"access_token\":[removed]}");
	redacts("Authorization was Bearer eyJ.abc.def here", "Authorization was Bearer [removed] here");
	/* cut by the cap: removed to the end */
	redacts("<m:Password>half-of-a-pass", "<m:Password>[removed]");
	redacts("<x a=\"1\" password=\"cut", "<x a=\"1\" password=\"[removed]");
	redacts("{\"password\": \"cut", "{\"password\": \"[removed]\"");
	/* nothing to remove */
	redacts("<m:GetItem><t:ItemId Id=\"AAMk\"/></m:GetItem>", "<m:GetItem><t:ItemId Id=\"AAMk\"/></m:GetItem>");
	redacts("a < b and \"c\" > d", "a < b and \"c\" > d");
	/* a tiny output buffer is never overrun */
	char small[8];
	assert_int_equal(http_redact("<Password>xyz</Password>", 24, small, sizeof small), sizeof small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_ids_are_unique_guids),
		cmocka_unit_test(test_server_names),
		cmocka_unit_test(test_identity_headers),
		cmocka_unit_test(test_line_as_iis_writes_it),
		cmocka_unit_test(test_hostile_fields_stay_one_line),
		cmocka_unit_test(test_split_addr),
		cmocka_unit_test(test_redaction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
