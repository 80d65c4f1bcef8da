/* test_autodiscover.c - autodiscover/ without a socket: endpoint paths, URL
 * derivation, the setting table, POX decisions and the XML answers that need
 * no store (spec §9). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "autodiscover/autodiscover.h"
#include "core/result.h"

static void test_endpoint(void **state)
{
	(void)state;
	assert_int_equal(ad_endpoint_for("/autodiscover/autodiscover.xml"), AD_POX);
	assert_int_equal(ad_endpoint_for("/AutoDiscover/AutoDiscover.XML"), AD_POX);
	assert_int_equal(ad_endpoint_for("/Autodiscover/Autodiscover.svc?x=1"), AD_SOAP);
	assert_int_equal(ad_endpoint_for("/autodiscover/autodiscover.svc/wssecurity"), AD_NONE);
	assert_int_equal(ad_endpoint_for("/EWS/Exchange.asmx"), AD_NONE);
	assert_int_equal(ad_endpoint_for(NULL), AD_NONE);
}

static void test_base_url(void **state)
{
	(void)state;
	char out[AD_URL_MAX];
	struct ad_site s = { .scheme = "https", .host = "mail.example.test:8443" };
	assert_int_equal(ad_base_url(&s, out, sizeof out), EMU_OK);
	assert_string_equal(out, "https://mail.example.test:8443");
	s.scheme = "http";
	s.host = "[::1]:80";
	assert_int_equal(ad_base_url(&s, out, sizeof out), EMU_OK);
	assert_string_equal(out, "http://[::1]:80");
	/* a hostile Host never reaches a URL */
	s.host = "evil.test/x\"><a";
	assert_int_equal(ad_base_url(&s, out, sizeof out), EMU_OK);
	assert_string_equal(out, "http://localhost");
	s.host = NULL;
	assert_int_equal(ad_base_url(&s, out, sizeof out), EMU_OK);
	assert_string_equal(out, "http://localhost");
	/* configuration wins over the Host header; trailing slashes dropped */
	s.host = "127.0.0.1:1234";
	s.public_url = "https://mail.contoso.test//";
	assert_int_equal(ad_base_url(&s, out, sizeof out), EMU_OK);
	assert_string_equal(out, "https://mail.contoso.test");
	char small[8];
	assert_int_equal(ad_base_url(&s, small, sizeof small), EMU_ELIMIT);
	assert_string_equal(small, "");
}

static void test_server_init(void **state)
{
	(void)state;
	struct ad_server srv;
	struct ad_site s = { .scheme = "https", .host = "mail.example.test:8443" };
	assert_int_equal(ad_server_init(&s, &srv), EMU_OK);
	assert_string_equal(srv.ews_url, "https://mail.example.test:8443/EWS/Exchange.asmx");
	assert_string_equal(srv.ecp_url, "https://mail.example.test:8443/ecp/");
	assert_string_equal(srv.host, "mail.example.test");
	assert_int_equal(srv.https, 1);
	s.scheme = "http";
	s.host = "[::1]";
	assert_int_equal(ad_server_init(&s, &srv), EMU_OK);
	assert_string_equal(srv.host, "[::1]");
	assert_int_equal(srv.https, 0);
}

static void make_user(struct ad_user *u)
{
	struct user_record r;
	memset(&r, 0, sizeof r);
	strcpy(r.email, "alice@example.test");
	strcpy(r.display_name, "Alice Example");
	ad_user_from_record(&r, u);
}

static void test_user(void **state)
{
	(void)state;
	struct ad_user u, v;
	make_user(&u);
	make_user(&v);
	assert_string_equal(u.smtp, "alice@example.test");
	assert_string_equal(u.display_name, "Alice Example");
	assert_non_null(strstr(u.legacy_dn, "/cn=Recipients/cn=alice@example.test"));
	assert_int_equal(strlen(u.deployment_id), AD_GUID_LEN);
	assert_string_equal(u.deployment_id, v.deployment_id);   /* stable */
	assert_string_not_equal(u.deployment_id, u.mailbox_guid);
	assert_non_null(strstr(u.mailbox_dn, "/cn=Microsoft Private MDB"));
}

static void test_settings(void **state)
{
	(void)state;
	struct ad_user u;
	struct ad_server srv;
	struct ad_site s = { .scheme = "https", .host = "mail.example.test" };
	char buf[AD_URL_MAX];
	const char *v = NULL;
	make_user(&u);
	assert_int_equal(ad_server_init(&s, &srv), EMU_OK);

	static const struct { const char *name, *value; } ok[] = {
		{ "UserDisplayName", "Alice Example" },
		{ "AutoDiscoverSMTPAddress", "alice@example.test" },
		{ "ExternalEwsUrl", "https://mail.example.test/EWS/Exchange.asmx" },
		{ "InternalEwsUrl", "https://mail.example.test/EWS/Exchange.asmx" },
		{ "ExternalPhotosUrl", "https://mail.example.test/EWS/Exchange.asmx" },
		{ "CasVersion", "15.02.2562.017" },   /* the default profile, Exchange 2019 */
		{ "ExternalEwsVersion", "15.02.2562.017" },
		{ "ExternalMailboxServerRequiresSSL", "True" },
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		assert_int_equal(ad_setting_value(&u, &srv, ok[i].name, buf, sizeof buf, &v), AD_SETTING_OK);
		assert_string_equal(v, ok[i].value);
	}
	assert_int_equal(ad_setting_value(&u, &srv, "UserDN", buf, sizeof buf, &v), AD_SETTING_OK);
	assert_string_equal(v, u.legacy_dn);
	assert_int_equal(ad_setting_value(&u, &srv, "MailboxDN", buf, sizeof buf, &v), AD_SETTING_OK);
	assert_string_equal(v, u.mailbox_dn);
	assert_int_equal(ad_setting_value(&u, &srv, "EwsSupportedSchemas", buf, sizeof buf, &v), AD_SETTING_OK);
	assert_non_null(strstr(v, "Exchange2013_SP1"));
	assert_non_null(strstr(v, "Exchange2019"));

	/* known without a value / not a setting / names are exact */
	assert_int_equal(ad_setting_value(&u, &srv, "InternalOABUrl", buf, sizeof buf, &v), AD_SETTING_NOT_AVAILABLE);
	assert_int_equal(ad_setting_value(&u, &srv, "AlternateMailboxes", buf, sizeof buf, &v), AD_SETTING_NOT_AVAILABLE);
	assert_int_equal(ad_setting_value(&u, &srv, "NoSuchSetting", buf, sizeof buf, &v), AD_SETTING_INVALID);
	assert_int_equal(ad_setting_value(&u, &srv, "externalewsurl", buf, sizeof buf, &v), AD_SETTING_INVALID);
	assert_string_equal(ad_setting_error_code(AD_SETTING_INVALID), "InvalidSetting");
	assert_string_equal(ad_setting_error_code(AD_SETTING_NOT_AVAILABLE), "SettingIsNotAvailable");
}

static void test_pox_decide(void **state)
{
	(void)state;
	struct ad_user u;
	const char *text = NULL;
	struct ad_pox_request r = { .valid = 0 };
	assert_int_equal(ad_pox_decide(NULL, &r, &u, &text), AD_POX_INVALID_REQUEST);
	assert_string_equal(text, "Invalid Request");
	r.valid = 1;
	r.schema = AD_POX_OUTLOOK_NS;
	assert_int_equal(ad_pox_decide(NULL, &r, &u, &text), AD_POX_INVALID_REQUEST);   /* no address */
	r.email = "a@b.test";
	r.schema = NULL;
	assert_int_equal(ad_pox_decide(NULL, &r, &u, &text), AD_POX_INVALID_REQUEST);   /* no schema */
	r.schema = "http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006";
	assert_int_equal(ad_pox_decide(NULL, &r, &u, &text), AD_POX_NO_PROVIDER);
	assert_string_equal(text, "Provider is not available");
	assert_int_equal(ad_error_id("mail.example.test"), ad_error_id("mail.example.test"));
	char pox[9];
	exver_pox_hex(exver_default(), pox);   /* Exchange's POX encoding of 15.2.2562 */
	assert_string_equal(pox, "73C28A02");
}


/* answers that are decided before any store lookup */
static void test_answers(void **state)
{
	(void)state;
	struct heap_arena h;
	struct ad_reply r;
	struct ad_site s = { .scheme = "http", .host = "h.test" };
	heap_arena_init(&h);

	static const char bad[] = "<Autodiscover><Request>";
	assert_int_equal(autodiscover_answer(NULL, &h.arena, AD_POX, &s, bad, sizeof bad - 1, &r), EMU_OK);
	assert_int_equal(r.ok, 1);
	assert_string_equal(r.content_type, "text/xml; charset=utf-8");
	assert_non_null(strstr(r.body, "<ErrorCode>600</ErrorCode>"));
	assert_non_null(strstr(r.body, "<Message>Invalid Request</Message>"));

	/* a DTD is refused outright (no entity games) */
	static const char dtd[] =
		"<!DOCTYPE a [<!ENTITY x \"y\">]><Autodiscover xmlns=\"" AD_POX_REQUEST_NS "\"><Request>"
		"<EMailAddress>&x;</EMailAddress><AcceptableResponseSchema>" AD_POX_OUTLOOK_NS
		"</AcceptableResponseSchema></Request></Autodiscover>";
	assert_int_equal(autodiscover_answer(NULL, &h.arena, AD_POX, &s, dtd, sizeof dtd - 1, &r), EMU_OK);
	assert_non_null(strstr(r.body, "<ErrorCode>600</ErrorCode>"));

	static const char other[] =
		"<Autodiscover xmlns=\"" AD_POX_REQUEST_NS "\"><Request><EMailAddress>a@b.test</EMailAddress>"
		"<AcceptableResponseSchema>urn:other</AcceptableResponseSchema></Request></Autodiscover>";
	assert_int_equal(autodiscover_answer(NULL, &h.arena, AD_POX, &s, other, sizeof other - 1, &r), EMU_OK);
	assert_non_null(strstr(r.body, "<ErrorCode>601</ErrorCode>"));

	static const char notsoap[] = "<x/>";
	assert_int_equal(autodiscover_answer(NULL, &h.arena, AD_SOAP, &s, notsoap, sizeof notsoap - 1, &r), EMU_OK);
	assert_int_equal(r.ok, 0);
	assert_non_null(strstr(r.body, "Fault"));

	static const char nousers[] =
		"<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\" "
		"xmlns:a=\"http://schemas.microsoft.com/exchange/2010/Autodiscover\"><s:Body>"
		"<a:GetUserSettingsRequestMessage><a:Request><a:Users/><a:RequestedSettings><a:Setting>CasVersion</a:Setting>"
		"</a:RequestedSettings></a:Request></a:GetUserSettingsRequestMessage></s:Body></s:Envelope>";
	assert_int_equal(autodiscover_answer(NULL, &h.arena, AD_SOAP, &s, nousers, sizeof nousers - 1, &r), EMU_OK);
	assert_int_equal(r.ok, 1);
	assert_non_null(strstr(r.body, "<ErrorCode>InvalidRequest</ErrorCode>"));
	assert_non_null(strstr(r.body, "<h:MajorBuildNumber>2562</h:MajorBuildNumber>"));
	assert_non_null(strstr(r.body, "s:mustUnderstand=\"1\""));
	heap_arena_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_endpoint),    cmocka_unit_test(test_base_url), cmocka_unit_test(test_server_init),
		cmocka_unit_test(test_user),        cmocka_unit_test(test_settings), cmocka_unit_test(test_pox_decide),
		cmocka_unit_test(test_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
