/* test_xmlcheck.c - the request-body well-formedness check: what SOAP
 * clients send passes, byte by byte as well as whole; malformed XML fails
 * with a message that says why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "http/xmlcheck.h"

static struct xmlcheck g_x;

static int check_whole(const char *doc)
{
	xmlcheck_init(&g_x);
	return xmlcheck_feed(&g_x, doc, strlen(doc)) || xmlcheck_finish(&g_x) ? -1 : 0;
}

/* The same document one byte at a time (the socket may split it anywhere). */
static int check_bytes(const char *doc)
{
	xmlcheck_init(&g_x);
	for (size_t i = 0; doc[i]; i++)
		if (xmlcheck_feed(&g_x, doc + i, 1))
			return -1;
	return xmlcheck_finish(&g_x);
}

static const char GOOD_ENVELOPE[] =
	"\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n"
	"<!-- a comment -->\n"
	"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'\n"
	"    xmlns:t=\"http://schemas.microsoft.com/exchange/services/2006/types\"\n"
	"    xmlns:m=\"http://schemas.microsoft.com/exchange/services/2006/messages\">\n"
	"  <soap:Header><t:RequestServerVersion Version=\"Exchange2013\" /></soap:Header>\n"
	"  <soap:Body>\n"
	"    <m:GetUserPhoto><m:Email>a&amp;b&#64;c&#x2E;test</m:Email>"
	"<m:SizeRequested >HR96x96</m:SizeRequested ><x:Any xmlns:x=\"urn:x\" x:attr=\"&lt;&quot;\"/>"
	"<![CDATA[ <not> & markup ]]></m:GetUserPhoto>\n"
	"  </soap:Body>\n"
	"</soap:Envelope>\n";

static void test_good_documents(void **state)
{
	(void)state;
	const char *docs[] = {
		GOOD_ENVELOPE,
		"<a/>",
		"<a b='1' c=\"2\"><b></b><c/></a>",
		"<?pi data?><a>t</a><!--end-->  ",
		"<p:a xmlns:p='u'><p:b xmlns:q='v' q:c='1'/></p:a>",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		if (check_whole(docs[i]))
			fail_msg("whole: %s: %s", docs[i], g_x.error);
		if (check_bytes(docs[i]))
			fail_msg("bytes: %s: %s", docs[i], g_x.error);
	}
}

static void test_bad_documents(void **state)
{
	(void)state;
	static const struct { const char *doc, *why; } bad[] = {
		{ "<a><b></c></a>", "does not match" },
		{ "<a>x &nope; y</a>", "undefined or invalid reference" },
		{ "<a>x & y</a>", "malformed reference" },
		{ "<a>&#0;</a>", "invalid reference" },
		{ "<a>&#x110000;</a>", "invalid reference" },
		{ "<x:a/>", "prefix 'x' is not declared" },
		{ "<a y:b='1'/>", "prefix 'y' is not declared" },
		{ "<p:a xmlns:p='u'/><p:b/>", "second root" },
		{ "<p:a xmlns:p='u'><b/></p:a><p:c/>", "second root" },
		{ "<a><p:b xmlns:p='u'/><p:c/></a>", "not declared" },   /* out of scope */
		{ "<a>", "ends inside" },
		{ "<a", "ends inside" },
		{ "", "no root" },
		{ "notxml", "text before the root" },
		{ "<a/>junk", "text after the root" },
		{ "<!DOCTYPE a [<!ENTITY x 'y'>]><a/>", "DTD" },
		{ "<a b=1/>", "without quotes" },
		{ "<a b='1'c='2'/>", "separated by whitespace" },
		{ "<a b='<'/>", "'<' in an attribute" },
		{ "<a><!-- x -- y --></a>", "'--' inside a comment" },
		{ "</a>", "end tag without" },
		{ "<1a/>", "not followed by a name" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		for (int bytes = 0; bytes < 2; bytes++) {
			int rc = bytes ? check_bytes(bad[i].doc) : check_whole(bad[i].doc);
			if (rc == 0)
				fail_msg("accepted: %s", bad[i].doc);
			if (!strstr(g_x.error, bad[i].why))
				fail_msg("%s: error '%s' lacks '%s'", bad[i].doc, g_x.error, bad[i].why);
		}
	}
}

static void test_limits(void **state)
{
	(void)state;
	/* core/xmllimit.h: at the limit passes (byte by byte too), one above fails */
	char deep[XML_LIMIT_DEPTH * 8 + 16] = "";
	for (int i = 0; i < XML_LIMIT_DEPTH; i++)
		strcat(deep, "<a>");
	for (int i = 0; i < XML_LIMIT_DEPTH; i++)
		strcat(deep, "</a>");
	assert_int_equal(check_whole(deep), 0);
	assert_int_equal(check_bytes(deep), 0);
	memmove(deep + 3, deep, strlen(deep) + 1);
	memcpy(deep, "<a>", 3);
	strcat(deep, "</a>");
	assert_int_equal(check_whole(deep), -1);
	assert_non_null(strstr(g_x.error, "nested deeper than 64 levels"));

	/* attributes and namespace declarations, per start tag */
	char wide[(XML_LIMIT_ATTRS + XML_LIMIT_NS_DECLS + 2) * 24 + 64];
	for (int attrs = XML_LIMIT_ATTRS; attrs <= XML_LIMIT_ATTRS + 1; attrs++) {
		for (int decls = XML_LIMIT_NS_DECLS; decls <= XML_LIMIT_NS_DECLS + 1; decls++) {
			size_t n = (size_t)snprintf(wide, sizeof wide, "<r><e");
			for (int i = 0; i < attrs; i++)
				n += (size_t)snprintf(wide + n, sizeof wide - n, " a%d='v'", i);
			for (int i = 0; i < decls; i++)
				n += (size_t)snprintf(wide + n, sizeof wide - n, " xmlns:p%d='urn:p'", i);
			snprintf(wide + n, sizeof wide - n, "/><e a='1' xmlns='urn:x'/></r>");
			int over = attrs > XML_LIMIT_ATTRS || decls > XML_LIMIT_NS_DECLS;
			assert_int_equal(check_whole(wide), over ? -1 : 0);
			assert_int_equal(check_bytes(wide), over ? -1 : 0);
			if (attrs > XML_LIMIT_ATTRS)
				assert_non_null(strstr(g_x.error, "more than 64 attributes on one element"));
			else if (over)
				assert_non_null(strstr(g_x.error, "more than 32 namespace declarations"));
		}
	}

	char longname[XMLCHECK_MAX_NAME + 8] = "<";
	memset(longname + 1, 'n', XMLCHECK_MAX_NAME + 2);
	longname[XMLCHECK_MAX_NAME + 3] = '\0';
	assert_int_equal(check_whole(longname), -1);
	assert_non_null(strstr(g_x.error, "too long"));
	/* errors name the line */
	assert_int_equal(check_whole("<a>\n\n<b></c></a>"), -1);
	assert_non_null(strstr(g_x.error, "line 3"));
	/* after an error every call keeps failing */
	assert_int_equal(xmlcheck_feed(&g_x, "<a/>", 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_documents),
		cmocka_unit_test(test_bad_documents),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
