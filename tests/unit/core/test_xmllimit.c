/* test_xmllimit.c - the XML nesting/attribute/namespace limits and their
 * linear pre-scan (core/xmllimit.h): each at the limit and one above. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "core/xmllimit.h"

/* A growing test document (tests only; sized generously up front). */
struct doc {
	char *p;
	size_t n, cap;
};

static void put(struct doc *d, const char *s)
{
	size_t l = strlen(s);
	if (d->n + l + 1 > d->cap) {
		d->cap = (d->n + l + 1) * 2;
		d->p = realloc(d->p, d->cap);
		assert_non_null(d->p);
	}
	memcpy(d->p + d->n, s, l + 1);
	d->n += l;
}

/* <e><e>...</e></e> nested @p levels deep, with comments, CDATA, a PI and
 * markup-like text on the way that must not count. */
static struct doc nested(int levels)
{
	struct doc d = { 0 };
	put(&d, "<?xml version=\"1.0\"?>\n<!-- <a><b><c> -->\n");
	for (int i = 0; i < levels; i++)
		put(&d, i % 2 ? "<e a=\"x>/y\">" : "<t:e xmlns:t=\"urn:t\" b='<q>'>\n");
	put(&d, "<![CDATA[<x><y><z>]]><?pi <p> ?><self/>");
	for (int i = levels - 1; i >= 0; i--)
		put(&d, i % 2 ? "</e>" : "</t:e>\n");
	return d;
}

/* <root> + one element carrying @p attrs attributes and @p decls declarations. */
static struct doc wide(int attrs, int decls)
{
	struct doc d = { 0 };
	char b[64];
	put(&d, "<root>\n<e");
	for (int i = 0; i < attrs; i++) {
		snprintf(b, sizeof b, " a%d=\"v/>%d\"", i, i);
		put(&d, b);
	}
	for (int i = 0; i < decls; i++) {
		snprintf(b, sizeof b, i ? " xmlns:p%d='urn:%d'" : " xmlns='urn:default'", i, i);
		put(&d, b);
	}
	put(&d, "/></root>");
	return d;
}

static int check(struct doc d, int extra, char *err, size_t errsz)
{
	int r = xml_limit_check(d.p, d.n, extra, err, errsz);
	free(d.p);
	return r;
}

static void test_depth(void **state)
{
	(void)state;
	char err[128];
	/* the <self/> inside the innermost element is one level more */
	assert_int_equal(check(nested(XML_LIMIT_DEPTH - 1), 0, err, sizeof err), EMU_OK);
	assert_int_equal(check(nested(XML_LIMIT_DEPTH), 0, err, sizeof err), EMU_ELIMIT);
	assert_non_null(strstr(err, "nested deeper than 64"));
	assert_non_null(strstr(err, "line 35:"));   /* 2 prolog lines, then a new line every two levels */
	assert_int_equal(check(nested(XML_LIMIT_DEPTH + 2), 3, err, sizeof err), EMU_OK);
	assert_int_equal(check(nested(XML_LIMIT_DEPTH + 3), 3, err, sizeof err), EMU_ELIMIT);
	assert_int_equal(check(nested(100000), 0, NULL, 0), EMU_ELIMIT);

	/* siblings do not add up; only open elements count */
	struct doc d = { 0 };
	put(&d, "<r>");
	for (int i = 0; i < 1000; i++)
		put(&d, "<a><b/></a>");
	put(&d, "</r>");
	assert_int_equal(check(d, 0, err, sizeof err), EMU_OK);
	assert_null(xml_limit_element(XML_LIMIT_DEPTH));
	assert_non_null(xml_limit_element(XML_LIMIT_DEPTH + 1));
}

static void test_attributes(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(check(wide(XML_LIMIT_ATTRS, XML_LIMIT_NS_DECLS), 0, err, sizeof err), EMU_OK);
	assert_int_equal(check(wide(XML_LIMIT_ATTRS + 1, 0), 0, err, sizeof err), EMU_ELIMIT);
	assert_string_equal(err, "line 2: more than 64 attributes on one element");
	assert_int_equal(check(wide(100000, 0), 0, NULL, 0), EMU_ELIMIT);
	/* the limit is per element */
	struct doc d = { 0 };
	put(&d, "<r>");
	for (int i = 0; i < 3; i++) {
		struct doc w = wide(XML_LIMIT_ATTRS, 0);
		put(&d, w.p);
		free(w.p);
	}
	put(&d, "</r>");
	assert_int_equal(check(d, 0, err, sizeof err), EMU_OK);
}

static void test_namespace_declarations(void **state)
{
	(void)state;
	char err[128];
	assert_int_equal(check(wide(0, XML_LIMIT_NS_DECLS + 1), 0, err, sizeof err), EMU_ELIMIT);
	assert_string_equal(err, "line 2: more than 32 namespace declarations on one element");
	assert_int_equal(check(wide(0, 100000), 0, NULL, 0), EMU_ELIMIT);
	struct xml_limit_tag t = { 0, 0 };
	/* "xmlnsx" is an ordinary attribute name, not a declaration */
	for (int i = 0; i < XML_LIMIT_NS_DECLS; i++)
		assert_null(xml_limit_attribute(&t, "xmlns:a", 7));
	assert_null(xml_limit_attribute(&t, "xmlnsx", 6));
	assert_int_equal(t.attrs, 1);
	assert_non_null(xml_limit_attribute(&t, "xmlns", 5));
}

static void test_malformed_and_truncated(void **state)
{
	(void)state;
	static const char *const docs[] = {
		"", "<", "<a", "<a b", "<a b=", "<a b=\"", "<a b='x", "<!--", "<![CDATA[", "<?x", "<!DOCTYPE [",
		"</", "<a b c d=e f='g'>", "</a></b></c>", "<a =\"x\" =>", "text only",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++)
		assert_int_equal(xml_limit_check(docs[i], strlen(docs[i]), 0, NULL, 0), EMU_OK);
	assert_int_equal(xml_limit_check(NULL, 0, 0, NULL, 0), EMU_OK);
	/* a truncated document over the limits is still refused */
	struct doc d = nested(XML_LIMIT_DEPTH + 1);
	assert_int_equal(xml_limit_check(d.p, (size_t)(strstr(d.p, "<![CDATA[") - d.p), 0, NULL, 0), EMU_ELIMIT);
	free(d.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_namespace_declarations),
		cmocka_unit_test(test_malformed_and_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
