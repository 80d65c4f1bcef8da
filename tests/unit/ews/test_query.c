/* test_query.c - restrictions, sort orders, views and AQS (ews/query.h)
 * over contact records: every operator, every value type, the limits and
 * the paging edges of spec §2.3/§3.2/§4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/result.h"
#include "ews/query.h"

static struct contact_record ada, bob, eve;
static struct prop_record RA = { &ada, NULL, NULL }, RB = { &bob, NULL, NULL }, RE = { &eve, NULL, NULL };

static int setup(void **state)
{
	(void)state;
	memset(&ada, 0, sizeof ada);
	memset(&bob, 0, sizeof bob);
	memset(&eve, 0, sizeof eve);
	strcpy(ada.display_name, "Ada Lovelace");
	strcpy(ada.given_name, "Ada");
	strcpy(ada.email, "ada@example.test");
	strcpy(ada.company, "Analytical Engines");
	strcpy(ada.birthday, "1815-12-10");
	ada.created = 1000;
	ada.modified = 5000;
	ada.has_photo = 1;
	strcpy(bob.display_name, "bob Béranger");
	strcpy(bob.email2, "bob@two.test");
	strcpy(bob.notes, "likes   chess and go");
	bob.created = 2000;
	bob.modified = 3000;
	strcpy(eve.display_name, "Eve");
	strcpy(eve.company, "analytical engines");
	eve.created = 3000;
	return 0;
}

static struct query_node N[64];
static size_t nn;

static struct query_node *node(enum query_op op)
{
	struct query_node *n = &N[nn++];
	memset(n, 0, sizeof *n);
	n->op = op;
	return n;
}

static struct query_node *field_cmp(enum query_op op, const char *uri, const char *index, const char *constant)
{
	struct query_node *n = node(op);
	n->lhs.kind = index ? QP_INDEXED : QP_FIELD;
	n->lhs.uri = uri;
	n->lhs.index = index;
	n->constant = constant;
	return n;
}

static struct query_node *ext_cmp(enum query_op op, const char *tag, const char *type, const char *constant)
{
	struct query_node *n = node(op);
	n->lhs.kind = QP_EXTENDED;
	n->lhs.ext.tag = tag;
	n->lhs.ext.type = type;
	n->constant = constant;
	return n;
}

static struct query_node *contains(const char *uri, const char *value, const char *mode, const char *cmp)
{
	struct query_node *n = field_cmp(Q_CONTAINS, uri, NULL, value);
	n->mode = mode;
	n->comparison = cmp;
	return n;
}

static struct query_node *join(enum query_op op, struct query_node *a, struct query_node *b)
{
	struct query_node *n = node(op);
	n->kids = a;
	a->next = b;
	return n;
}

/* 3-bit mask: which of ada, bob, eve match compiled @p n. */
static int hits(struct query_node *n)
{
	nn = 0;
	assert_int_equal(query_compile(n, PROP_ON_CONTACT), QE_OK);
	return query_match(n, &RA) | query_match(n, &RB) << 1 | query_match(n, &RE) << 2;
}

static void test_comparisons_strings(void **state)
{
	(void)state;
	/* spec §4.2: string equality is case-insensitive */
	assert_int_equal(hits(field_cmp(Q_EQ, "contacts:DisplayName", NULL, "ADA LOVELACE")), 1);
	assert_int_equal(hits(field_cmp(Q_NE, "contacts:DisplayName", NULL, "eve")), 3);
	assert_int_equal(hits(field_cmp(Q_GT, "contacts:DisplayName", NULL, "B")), 6);
	assert_int_equal(hits(field_cmp(Q_GE, "contacts:DisplayName", NULL, "eve")), 4);
	assert_int_equal(hits(field_cmp(Q_LT, "contacts:DisplayName", NULL, "C")), 3);
	assert_int_equal(hits(field_cmp(Q_LE, "contacts:DisplayName", NULL, "Ada Lovelace")), 1);
	/* a missing property: every comparison false, IsNotEqualTo included */
	assert_int_equal(hits(field_cmp(Q_NE, "contacts:CompanyName", NULL, "x")), 5);
	assert_int_equal(hits(field_cmp(Q_EQ, "contacts:EmailAddress", "EmailAddress2", "BOB@two.test")), 2);
	/* DavMail's listing: PR_MESSAGE_CLASS = IPM.Contact OR IPM.DistList */
	assert_int_equal(hits(join(Q_OR, ext_cmp(Q_EQ, "0x1a", "String", "IPM.Contact"),
	                           ext_cmp(Q_EQ, "0x001A", "String", "IPM.DistList"))), 7);
	/* a property ewsemu does not have: never set */
	assert_int_equal(hits(ext_cmp(Q_EQ, "0x10f3", "String", "x.EML")), 0);
	assert_int_equal(hits(ext_cmp(Q_NE, "0x10f3", "String", "x.EML")), 0);
	/* a dictionary entry not stored (CarPhone): never set, no error */
	assert_int_equal(hits(field_cmp(Q_EQ, "contacts:PhoneNumber", "CarPhone", "1")), 0);
}

static void test_comparisons_typed(void **state)
{
	(void)state;
	/* SystemTime: instants in UTC, zones honoured, no zone = UTC */
	assert_int_equal(hits(field_cmp(Q_GT, "item:DateTimeCreated", NULL, "1970-01-01T00:25:00Z")), 6);
	assert_int_equal(hits(field_cmp(Q_EQ, "item:DateTimeCreated", NULL, "1970-01-01T01:16:40+01:00")), 1);
	assert_int_equal(hits(field_cmp(Q_LE, "item:LastModifiedTime", NULL, "1970-01-01T00:50:00")), 2);
	assert_int_equal(hits(field_cmp(Q_LT, "contacts:Birthday", NULL, "1900-01-01T00:00:00Z")), 1);
	/* Boolean: true/false/1/0 */
	assert_int_equal(hits(field_cmp(Q_EQ, "contacts:HasPicture", NULL, "true")), 1);
	assert_int_equal(hits(field_cmp(Q_EQ, "contacts:HasPicture", NULL, "0")), 6);
	struct query_node *n = node(Q_EQ);
	n->lhs.kind = QP_EXTENDED;
	n->lhs.ext.distinguished_set = "Address";
	n->lhs.ext.has_id = 1;
	n->lhs.ext.id = 0x8015;
	n->lhs.ext.type = "Boolean";
	n->constant = "false";
	assert_int_equal(hits(n), 6);
	/* property vs property of the same class */
	n = node(Q_GT);
	n->lhs.kind = n->rhs.kind = QP_FIELD;
	n->lhs.uri = "item:LastModifiedTime";
	n->rhs.uri = "item:DateTimeCreated";
	n->rhs_is_path = 1;
	assert_int_equal(hits(n), 3);
}

static void test_contains(void **state)
{
	(void)state;
	/* spec §4.3: FullString and Exact by default */
	assert_int_equal(hits(contains("contacts:CompanyName", "Analytical Engines", NULL, NULL)), 1);
	assert_int_equal(hits(contains("contacts:CompanyName", "analytical", "Prefixed", NULL)), 4);
	assert_int_equal(hits(contains("contacts:CompanyName", "analytical", "Prefixed", "IgnoreCase")), 5);
	assert_int_equal(hits(contains("contacts:DisplayName", "ove", "Substring", "Exact")), 1);
	assert_int_equal(hits(contains("contacts:DisplayName", "LOVE", "PrefixOnWords", "IgnoreCase")), 1);
	assert_int_equal(hits(contains("contacts:DisplayName", "ove", "PrefixOnWords", "IgnoreCase")), 0);
	assert_int_equal(hits(contains("contacts:DisplayName", "Bob", "ExactPhrase", "IgnoreCase")), 2);
	assert_int_equal(hits(contains("contacts:DisplayName", "Bo", "ExactPhrase", "IgnoreCase")), 0);
	/* accents: Béranger */
	assert_int_equal(hits(contains("contacts:DisplayName", "beranger", "Substring", "IgnoreCase")), 0);
	assert_int_equal(hits(contains("contacts:DisplayName", "beranger", "Substring", "IgnoreCaseAndNonSpacingCharacters")), 2);
	assert_int_equal(hits(contains("contacts:DisplayName", "BÉRANGER", "Substring", "IgnoreCase")), 2);
	assert_int_equal(hits(contains("contacts:DisplayName", "Beranger", "Substring", "IgnoreNonSpacingCharacters")), 2);
	/* Loose: whitespace runs collapse */
	assert_int_equal(hits(contains("item:Body", "LIKES CHESS", "Substring", "Loose")), 2);
	assert_int_equal(hits(contains("item:Body", "likes chess", "Substring", "Exact")), 0);
}

static void test_logic_and_exists(void **state)
{
	(void)state;
	assert_int_equal(hits(join(Q_AND, contains("contacts:CompanyName", "analytical", "Prefixed", "IgnoreCase"),
	                           field_cmp(Q_EXISTS, "contacts:GivenName", NULL, NULL))), 1);
	struct query_node *not = node(Q_NOT);
	not->kids = field_cmp(Q_EXISTS, "contacts:CompanyName", NULL, NULL);
	assert_int_equal(hits(not), 2);
	/* Not(IsEqualTo) differs from IsNotEqualTo on a missing property */
	not = node(Q_NOT);
	not->kids = field_cmp(Q_EQ, "contacts:CompanyName", NULL, "x");
	assert_int_equal(hits(not), 7);
	/* an And/Or of one */
	struct query_node *one = node(Q_OR);
	one->kids = field_cmp(Q_EXISTS, "contacts:EmailAddress", "EmailAddress1", NULL);
	assert_int_equal(hits(one), 1);
}

static enum query_error err_of(struct query_node *n)
{
	nn = 0;
	return query_compile(n, PROP_ON_CONTACT);
}

static void test_errors(void **state)
{
	(void)state;
	/* constants of the wrong type (spec §4.2) */
	assert_int_equal(err_of(field_cmp(Q_EQ, "item:DateTimeCreated", NULL, "true")), QE_INVALID_VALUE);
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:HasPicture", NULL, "yes")), QE_INVALID_VALUE);
	/* a folder property on items is absent, but its constant still has the requested type */
	assert_int_equal(err_of(ext_cmp(Q_EQ, "0x360a", "Boolean", "true")), QE_OK);
	assert_int_equal(err_of(ext_cmp(Q_EQ, "0x360a", "Boolean", "maybe")), QE_INVALID_VALUE);
	assert_int_equal(err_of(field_cmp(Q_EQ, "item:DateTimeCreated", NULL, "2020-13-01T00:00:00Z")), QE_INVALID_VALUE);
	assert_int_equal(err_of(field_cmp(Q_EQ, "item:DateTimeCreated", NULL, NULL)), QE_INVALID_VALUE);
	/* Contains on a non-string; unknown mode / comparison */
	assert_int_equal(err_of(contains("contacts:HasPicture", "t", NULL, NULL)), QE_UNSUPPORTED_PATH);
	assert_int_equal(err_of(contains("contacts:DisplayName", "t", "Sideways", NULL)), QE_INVALID_VALUE);
	assert_int_equal(err_of(contains("contacts:DisplayName", "t", NULL, "Shouting")), QE_INVALID_VALUE);
	/* paths: unknown, shape-only, indexed without index, folder property */
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:Nope", NULL, "x")), QE_INVALID_PROPERTY);
	assert_int_equal(err_of(field_cmp(Q_EQ, "item:Attachments", NULL, "x")), QE_UNSUPPORTED_PATH);
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:EmailAddress", NULL, "x")), QE_INVALID_PROPERTY);
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:DisplayName", "EmailAddress1", "x")), QE_INVALID_PROPERTY);
	assert_int_equal(err_of(field_cmp(Q_EQ, "folder:DisplayName", NULL, "x")), QE_UNSUPPORTED_PATH);
	assert_int_equal(err_of(field_cmp(Q_EXISTS, "item:IsDraft", NULL, NULL)), QE_INVALID_FOR_EXISTS);
	/* extended: malformed and unsupported type */
	assert_int_equal(err_of(ext_cmp(Q_EQ, "0x8001", "String", "x")), QE_INVALID_EXTENDED);
	assert_int_equal(err_of(ext_cmp(Q_EQ, "zz", "String", "x")), QE_INVALID_EXTENDED);
	assert_int_equal(err_of(ext_cmp(Q_EQ, "0x3001", "Object", "x")), QE_UNSUPPORTED_TYPE);
	/* property vs property of different classes */
	struct query_node *n = node(Q_EQ);
	n->lhs.kind = n->rhs.kind = QP_FIELD;
	n->lhs.uri = "contacts:DisplayName";
	n->rhs.uri = "item:DateTimeCreated";
	n->rhs_is_path = 1;
	assert_int_equal(err_of(n), QE_INVALID_VALUE);
	/* a constant over the limit */
	char *big = malloc(QUERY_CONSTANT_MAX + 2);
	memset(big, 'a', QUERY_CONSTANT_MAX + 1);
	big[QUERY_CONSTANT_MAX + 1] = '\0';
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:DisplayName", NULL, big)), QE_INVALID_VALUE);
	big[QUERY_CONSTANT_MAX] = '\0';
	assert_int_equal(err_of(field_cmp(Q_EQ, "contacts:DisplayName", NULL, big)), QE_OK);
	free(big);
	/* Not with two children; And with none */
	assert_int_equal(err_of(join(Q_NOT, field_cmp(Q_EXISTS, "contacts:Surname", NULL, NULL),
	                             field_cmp(Q_EXISTS, "contacts:Surname", NULL, NULL))), QE_TOO_COMPLEX);
	assert_int_equal(err_of(node(Q_AND)), QE_TOO_COMPLEX);
}

static void test_limits(void **state)
{
	(void)state;
	static struct query_node big[QUERY_NODES_MAX + 2];
	/* an Or of QUERY_NODES_MAX - 1 leaves: exactly the limit */
	memset(big, 0, sizeof big);
	big[0].op = Q_OR;
	big[0].kids = &big[1];
	for (size_t i = 1; i < QUERY_NODES_MAX; i++) {
		big[i].op = Q_EXISTS;
		big[i].lhs.kind = QP_FIELD;
		big[i].lhs.uri = "contacts:Surname";
		big[i].next = i + 1 < QUERY_NODES_MAX ? &big[i + 1] : NULL;
	}
	assert_int_equal(query_compile(big, PROP_ON_CONTACT), QE_OK);
	big[QUERY_NODES_MAX - 1].next = &big[QUERY_NODES_MAX];   /* one more */
	big[QUERY_NODES_MAX] = big[1];
	big[QUERY_NODES_MAX].next = NULL;
	assert_int_equal(query_compile(big, PROP_ON_CONTACT), QE_TOO_LONG);
	/* nesting: QUERY_DEPTH_MAX levels pass, one more is too complex */
	static struct query_node deep[QUERY_DEPTH_MAX + 1];
	memset(deep, 0, sizeof deep);
	for (size_t i = 0; i < QUERY_DEPTH_MAX; i++) {
		deep[i].op = Q_NOT;
		deep[i].kids = &deep[i + 1];
	}
	deep[QUERY_DEPTH_MAX].op = Q_EXISTS;
	deep[QUERY_DEPTH_MAX].lhs.kind = QP_FIELD;
	deep[QUERY_DEPTH_MAX].lhs.uri = "contacts:Surname";
	assert_int_equal(query_compile(&deep[1], PROP_ON_CONTACT), QE_OK);
	assert_int_equal(query_compile(&deep[0], PROP_ON_CONTACT), QE_TOO_COMPLEX);
}

static void test_sort(void **state)
{
	(void)state;
	struct query_sort_key k[2];
	memset(k, 0, sizeof k);
	k[0].path.kind = QP_FIELD;
	k[0].path.uri = "contacts:CompanyName";
	k[1].path.kind = QP_EXTENDED;
	k[1].path.ext.tag = "0x3001";
	k[1].path.ext.type = "String";
	assert_int_equal(query_sort_compile(k, 2, PROP_ON_CONTACT), QE_OK);
	/* bob lacks a company: first ascending; ada/eve tie on company (case-insensitive), the tag decides */
	assert_true(query_sort_cmp(k, 2, &RB, &RA) < 0);
	assert_true(query_sort_cmp(k, 2, &RA, &RE) < 0);
	assert_true(query_sort_cmp(k, 1, &RA, &RE) == 0);
	k[0].descending = 1;
	assert_true(query_sort_cmp(k, 2, &RB, &RA) > 0);
	k[1].descending = 1;
	assert_true(query_sort_cmp(k, 2, &RA, &RE) > 0);
	/* time and boolean keys */
	k[0].path.uri = "item:DateTimeCreated";
	k[0].descending = 0;
	assert_int_equal(query_sort_compile(k, 1, PROP_ON_CONTACT), QE_OK);
	assert_true(query_sort_cmp(k, 1, &RA, &RB) < 0);
	/* unsortable paths */
	k[0].path.uri = "item:Attachments";
	assert_int_equal(query_sort_compile(k, 1, PROP_ON_CONTACT), QE_SORT_PATH);
	k[0].path.uri = "contacts:Zzz";
	assert_int_equal(query_sort_compile(k, 1, PROP_ON_CONTACT), QE_INVALID_PROPERTY);
	assert_int_equal(query_sort_compile(k, QUERY_SORT_MAX + 1, PROP_ON_CONTACT), QE_SORT_PATH);
}

static void check_page(const struct query_view *v, size_t total, size_t start, size_t count, int last, long long next)
{
	struct query_page p;
	assert_int_equal(query_view_check(v), QE_OK);
	query_page(v, total, &p);
	assert_int_equal(p.start, start);
	assert_int_equal(p.count, count);
	assert_int_equal(p.total, total);
	assert_int_equal(p.includes_last, last);
	if (v->kind == QV_INDEXED) {
		assert_true(p.has_indexed_offset);
		assert_int_equal(p.indexed_offset, next);
	} else if (v->kind == QV_FRACTIONAL) {
		assert_true(p.has_fraction);
		assert_int_equal(p.numerator_offset, next);
		assert_int_equal(p.absolute_denominator, (long long)total);
	}
}

static void test_views(void **state)
{
	(void)state;
	struct query_view v = { QV_INDEXED, 1, 10, 0, 0, 0, 0, NULL, NULL };
	check_page(&v, 25, 0, 10, 0, 10);
	v.offset = 20;
	check_page(&v, 25, 20, 5, 1, 25);        /* the last, short page */
	v.offset = 15;
	check_page(&v, 25, 15, 10, 1, 25);       /* exactly the last page */
	v.offset = 40;
	check_page(&v, 25, 25, 0, 1, 25);        /* past the end: empty, total as offset */
	v.offset = 0;
	check_page(&v, 0, 0, 0, 1, 0);           /* empty folder */
	v.from_end = 1;                          /* BasePoint End (spec §2.3): 100 rows, Offset 25 */
	v.offset = 25;
	check_page(&v, 100, 65, 10, 0, 35);
	v.offset = 95;
	check_page(&v, 100, 0, 5, 1, 100);
	v.has_max = 0;                           /* no MaxEntriesReturned: everything */
	v.from_end = 0;
	v.offset = 3;
	check_page(&v, 7, 3, 4, 1, 7);
	struct query_view f = { QV_FRACTIONAL, 1, 2, 0, 0, 2, 3, NULL, NULL };
	check_page(&f, 9, 6, 2, 0, 8);           /* 2/3 of 9 starts at the 7th */
	f.numerator = 3;
	check_page(&f, 9, 9, 0, 1, 9);
	f.numerator = 0;
	f.has_max = 0;
	check_page(&f, 9, 0, 9, 1, 9);
	struct query_view none = { 0 };
	check_page(&none, 4, 0, 4, 1, 0);
	/* errors */
	v.has_max = 1;
	v.max = 0;
	assert_int_equal(query_view_check(&v), QE_PAGING_MAX_ROWS);
	v.max = -1;
	assert_int_equal(query_view_check(&v), QE_PAGING_MAX_ROWS);
	v.max = 1;
	v.offset = -1;
	assert_int_equal(query_view_check(&v), QE_PAGING_INDEXED);
	f.numerator = 4;
	assert_int_equal(query_view_check(&f), QE_PAGING_FRACTIONAL);
	f.numerator = -1;
	assert_int_equal(query_view_check(&f), QE_PAGING_FRACTIONAL);
	f.numerator = 0;
	f.denominator = 0;
	assert_int_equal(query_view_check(&f), QE_PAGING_FRACTIONAL);
	/* ContactsView: [InitialName, FinalName], case-insensitive */
	struct query_view c = { QV_CONTACTS, 0, 0, 0, 0, 0, 0, "b", "eve" };
	assert_false(query_contacts_view_match(&c, "Ada Lovelace"));
	assert_true(query_contacts_view_match(&c, "bob"));
	assert_true(query_contacts_view_match(&c, "EVE"));
	assert_false(query_contacts_view_match(&c, "Eve Z"));
	assert_false(query_contacts_view_match(&c, NULL));
	assert_true(query_contacts_view_match(&v, NULL));
	c.max = 0;
	c.has_max = 1;
	assert_int_equal(query_view_check(&c), QE_PAGING_MAX_ROWS);
}

static int aqs_hits(const char *text, enum query_error want)
{
	struct heap_arena h;
	struct query_node *n;
	enum query_error e;
	int mask = -1;
	heap_arena_init(&h);
	assert_int_equal(query_aqs_parse(&h.arena, text, &n, &e), EMU_OK);
	assert_int_equal(e, want);
	if (e == QE_OK && n) {
		assert_int_equal(query_compile(n, PROP_ON_CONTACT), QE_OK);
		mask = query_match(n, &RA) | query_match(n, &RB) << 1 | query_match(n, &RE) << 2;
	} else if (e == QE_OK) {
		mask = 7;   /* no terms: everything */
	}
	heap_arena_free(&h);
	return mask;
}

static void test_aqs(void **state)
{
	(void)state;
	assert_int_equal(aqs_hits("ada", QE_OK), 1);
	assert_int_equal(aqs_hits("ANALYT", QE_OK), 5);            /* prefix on words, any case */
	assert_int_equal(aqs_hits("analytical eve", QE_OK), 4);    /* every term */
	assert_int_equal(aqs_hits("company:engines", QE_OK), 5);
	assert_int_equal(aqs_hits("Company:\"analytical engines\"", QE_OK), 5);
	assert_int_equal(aqs_hits("email:bob", QE_OK), 2);
	assert_int_equal(aqs_hits("body:chess", QE_OK), 2);
	assert_int_equal(aqs_hits("lov*", QE_OK), 1);
	assert_int_equal(aqs_hits("   ", QE_OK), 7);
	assert_int_equal(aqs_hits("\"ada love\"", QE_OK), 0);      /* a phrase is whole words */
	const char *bad[] = { "kind:email", "ada OR bob", "(ada)", "received:2020..2021", "size>5",
	                      "\"open", "a\"b\"", "company:", ":x", "x*y" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(aqs_hits(bad[i], QE_AQS_UNSUPPORTED), -1);
	char text[QUERY_AQS_MAX + 2];
	memset(text, 'a', sizeof text - 1);
	text[sizeof text - 1] = '\0';
	assert_int_equal(aqs_hits(text, QE_AQS_TOO_LONG), -1);
	char many[4 * (QUERY_AQS_TERMS_MAX + 1) + 1] = "";
	for (int i = 0; i <= QUERY_AQS_TERMS_MAX; i++)
		strcat(many, "ab ");
	assert_int_equal(aqs_hits(many, QE_AQS_TOO_LONG), -1);
	many[3 * QUERY_AQS_TERMS_MAX] = '\0';   /* exactly the limit: accepted and within the node limit */
	assert_int_equal(aqs_hits(many, QE_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_comparisons_strings, setup),
		cmocka_unit_test_setup(test_comparisons_typed, setup),
		cmocka_unit_test_setup(test_contains, setup),
		cmocka_unit_test_setup(test_logic_and_exists, setup),
		cmocka_unit_test_setup(test_errors, setup),
		cmocka_unit_test_setup(test_limits, setup),
		cmocka_unit_test_setup(test_sort, setup),
		cmocka_unit_test_setup(test_views, setup),
		cmocka_unit_test_setup(test_aqs, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
