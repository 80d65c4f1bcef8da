/* test_svcdesc.c - the served service description (svcdesc/svcdesc.h) and
 * the version profiles it is finished for (core/exver.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/arena.h"
#include "core/exver.h"
#include "core/result.h"
#include "svcdesc/svcdesc.h"

static void test_paths(void **state)
{
	(void)state;
	assert_int_equal(svcdesc_doc_for("/EWS/Services.wsdl", 18), SVCDESC_WSDL);
	assert_int_equal(svcdesc_doc_for("/ews/services.WSDL", 18), SVCDESC_WSDL);
	assert_int_equal(svcdesc_doc_for("/EWS/messages.xsd", 17), SVCDESC_MESSAGES);
	assert_int_equal(svcdesc_doc_for("/EWS/TYPES.XSD", 14), SVCDESC_TYPES);
	assert_int_equal(svcdesc_doc_for("/EWS/types.xsd?x", 16), SVCDESC_NONE);
	assert_int_equal(svcdesc_doc_for("/EWS/types.xs", 13), SVCDESC_NONE);
	assert_int_equal(svcdesc_doc_for("/EWS/Exchange.asmx", 18), SVCDESC_NONE);
	assert_int_equal(svcdesc_doc_for("", 0), SVCDESC_NONE);
}

static void test_profiles(void **state)
{
	char b[EXVER_BUILD_STRING_MAX], pox[9];
	(void)state;
	assert_ptr_equal(exver_find("2019"), exver_default());
	assert_null(exver_find("2010"));
	assert_null(exver_find(""));
	assert_null(exver_find(NULL));
	exver_build_string(exver_default(), b);
	assert_string_equal(b, "15.02.2562.017");
	exver_pox_hex(exver_default(), pox);
	assert_string_equal(pox, "73C28A02");
	exver_pox_hex(exver_find("2016"), pox);
	assert_string_equal(pox, "73C189CB");   /* 15.1.2507 */
	assert_int_equal(exver_find("2016")->photo_content_type, 1);
	assert_int_equal(exver_find("2019")->photo_content_type, 0);
}

/* The part of @p body between the GetUserPhotoResponseMessageType start and its end tag. */
static int photo_type_declares_content_type(const struct svcdesc_answer *a)
{
	const char *t = strstr(a->body, "name=\"GetUserPhotoResponseMessageType\"");
	const char *end = t ? strstr(t, "</xs:complexType>") : NULL;
	const char *ct = t ? strstr(t, "name=\"ContentType\"") : NULL;
	assert_non_null(end);
	return ct && ct < end;
}

static void test_documents(void **state)
{
	struct heap_arena h;
	struct svcdesc_answer a, b;
	svcdesc_t *d16, *d19;
	(void)state;
	heap_arena_init(&h);
	assert_int_equal(svcdesc_new(exver_find("2016"), &d16), EMU_OK);
	assert_int_equal(svcdesc_new(NULL, &d19), EMU_OK);

	assert_int_equal(svcdesc_get(d16, SVCDESC_MESSAGES, NULL, &h.arena, &a), EMU_OK);
	assert_int_equal(strlen(a.body), a.len);
	assert_true(photo_type_declares_content_type(&a));
	assert_non_null(strstr(a.body, "schemaLocation=\"types.xsd\""));
	assert_null(strstr(a.body, "ews-types.xsd\""));
	assert_non_null(strstr(a.body, "version=\"Exchange2016\""));
	assert_int_equal(svcdesc_get(d19, SVCDESC_MESSAGES, NULL, &h.arena, &b), EMU_OK);
	assert_false(photo_type_declares_content_type(&b));
	assert_string_not_equal(a.etag, b.etag);

	assert_int_equal(svcdesc_get(d19, SVCDESC_TYPES, NULL, &h.arena, &a), EMU_OK);
	assert_non_null(strstr(a.body, "<xs:schema"));
	assert_int_equal(svcdesc_get(d19, SVCDESC_WSDL, NULL, &h.arena, &a), EMU_EINVAL);
	assert_int_equal(svcdesc_get(d19, SVCDESC_NONE, "x", &h.arena, &a), EMU_EINVAL);

	/* the address is escaped, whatever it holds */
	assert_int_equal(svcdesc_get(d19, SVCDESC_WSDL, "http://a\"<b>&'/EWS/Exchange.asmx", &h.arena, &a), EMU_OK);
	assert_non_null(strstr(a.body, "location=\"http://a&quot;&lt;b&gt;&amp;&apos;/EWS/Exchange.asmx\""));
	assert_non_null(strstr(a.body, "schemaLocation=\"messages.xsd\""));
	assert_int_equal(svcdesc_get(d19, SVCDESC_WSDL, "http://b/EWS/Exchange.asmx", &h.arena, &b), EMU_OK);
	assert_string_not_equal(a.etag, b.etag);

	/* the location limit, at and one above */
	char url[SVCDESC_LOCATION_MAX + 2];
	memset(url, 'h', sizeof url - 1);
	url[sizeof url - 1] = '\0';
	assert_int_equal(svcdesc_get(d19, SVCDESC_WSDL, url, &h.arena, &a), EMU_ELIMIT);
	url[SVCDESC_LOCATION_MAX] = '\0';
	assert_int_equal(svcdesc_get(d19, SVCDESC_WSDL, url, &h.arena, &a), EMU_OK);

	svcdesc_free(d16);
	svcdesc_free(d19);
	svcdesc_free(NULL);
	heap_arena_free(&h);
}

static void test_etag_match(void **state)
{
	(void)state;
	assert_true(svcdesc_etag_matches("\"abc\"", "\"abc\""));
	assert_true(svcdesc_etag_matches("W/\"abc\"", "\"abc\""));
	assert_true(svcdesc_etag_matches("\"x\", \"abc\" ", "\"abc\""));
	assert_true(svcdesc_etag_matches("*", "\"abc\""));
	assert_false(svcdesc_etag_matches("\"abcd\"", "\"abc\""));
	assert_false(svcdesc_etag_matches("abc", "\"abc\""));
	assert_false(svcdesc_etag_matches("", "\"abc\""));
	assert_false(svcdesc_etag_matches(NULL, "\"abc\""));
	assert_false(svcdesc_etag_matches(",,, ", "\"abc\""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_profiles),
		cmocka_unit_test(test_documents),
		cmocka_unit_test(test_etag_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
