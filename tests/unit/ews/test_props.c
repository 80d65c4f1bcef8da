/* test_props.c - the property table (ews/props.h): FieldURI and
 * ExtendedFieldURI lookups, the §8.1 attribute rules, getters per record
 * kind and the value texts of §8.2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/result.h"
#include "ews/props.h"

static struct prop_ext_uri tagged(const char *tag, const char *type)
{
	struct prop_ext_uri u = { 0 };
	u.tag = tag;
	u.type = type;
	return u;
}

static void test_field_lookup(void **state)
{
	(void)state;
	const struct prop_def *d = props_find_field("contacts:DisplayName", NULL);
	assert_non_null(d);
	assert_int_equal(d->tag, 0x3001);
	assert_int_equal(d->type, PROP_T_STRING);
	d = props_find_field("contacts:EmailAddress", "EmailAddress2");
	assert_non_null(d);
	assert_int_equal(d->set, PROP_SET_ADDRESS);
	assert_int_equal(d->lid, 0x8093);
	assert_null(props_find_field("contacts:EmailAddress", NULL));          /* index required */
	assert_null(props_find_field("contacts:EmailAddress", "EmailAddress4"));
	assert_null(props_find_field("contacts:DisplayName", "EmailAddress1")); /* not indexed */
	assert_null(props_find_field("contacts:Nope", NULL));
	assert_null(props_find_field(NULL, NULL));
	/* the shape bits GetItem used to keep in its own table */
	assert_int_equal(props_find_uri("contacts:EmailAddress")->shape, P_EMAIL_ADDRESSES);
	assert_int_equal(props_find_uri("item:Attachments")->shape, P_ATTACHMENTS);
	assert_false(props_find_uri("item:Attachments")->queryable);
	/* every row is reachable and has an identity or a FieldURI */
	size_t n = 0;
	for (const struct prop_def *r; (r = props_at(n)) != NULL; n++)
		assert_true(r->field_uri || r->tag || r->lid);
	assert_true(n > 60);
}

static void test_extended_tags(void **state)
{
	(void)state;
	const struct prop_def *d, *e;
	struct prop_ext_uri u = tagged("0x3001", "String");
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &d), PROP_EXT_SERVED);
	assert_string_equal(d->field_uri, "contacts:DisplayName");
	u.tag = "12289";   /* decimal, as evolution-ews sends */
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_SERVED);
	assert_ptr_equal(d, e);
	u.tag = "0X3001";
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_SERVED);
	assert_ptr_equal(d, e);
	/* the same tag on a folder is the folder's display name */
	u.tag = "0x3001";
	assert_int_equal(props_find_extended(&u, PROP_ON_FOLDER, &e), PROP_EXT_SERVED);
	assert_string_equal(e->field_uri, "folder:DisplayName");
	u = tagged("4340", "Boolean");   /* 0x10f4 */
	assert_int_equal(props_find_extended(&u, PROP_ON_FOLDER, &e), PROP_EXT_SERVED);
	assert_int_equal(e->tag, 0x10f4);
	u = tagged("0x1a", "String");
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_SERVED);
	assert_string_equal(e->field_uri, "item:ItemClass");
	/* unknown but well-formed: not served */
	u = tagged("0x0e08", "Integer");   /* PR_MESSAGE_SIZE */
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_NOT_SERVED);
	assert_null(e);
	u = tagged("0x3613", "String");   /* a folder property asked on a contact */
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_NOT_SERVED);
}

static void test_extended_malformed(void **state)
{
	(void)state;
	const struct prop_def *d;
	const char *bad_tags[] = { "", "0x", "0x12345", "65536", "12a", "-1", "0xg1", "0x8000", "0xfffe", "32768" };
	for (size_t i = 0; i < sizeof bad_tags / sizeof *bad_tags; i++) {
		struct prop_ext_uri u = tagged(bad_tags[i], "String");
		assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	}
	struct prop_ext_uri u = tagged("0xffff", "String");   /* top of range: a tag */
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_NOT_SERVED);
	u = tagged("0x3001", NULL);
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u = tagged("0x3001", "Banana");
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u = tagged("0x3001", "Object");
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_UNSUPPORTED_TYPE);
	u = tagged("0x3001", "Null");
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_UNSUPPORTED_TYPE);
	/* tag combined with a set or an id */
	u = tagged("0x3001", "String");
	u.distinguished_set = "Address";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u = tagged("0x3001", "String");
	u.has_id = 1;
	u.id = 5;
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	/* no identity at all */
	u = tagged(NULL, "String");
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	/* a set without id/name, both, two sets, a bad GUID, an unknown set */
	u = tagged(NULL, "Boolean");
	u.distinguished_set = "Address";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u.has_id = 1;
	u.id = 0x8015;
	u.name = "x";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u.name = NULL;
	u.set_id = "00062004-0000-0000-c000-000000000046";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u.distinguished_set = NULL;
	u.set_id = "00062004-0000-0000-c000-00000000004";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
	u.set_id = NULL;
	u.distinguished_set = "Nonsense";
	assert_int_equal(props_find_extended(&u, 0, &d), PROP_EXT_INVALID);
}

static void test_extended_named(void **state)
{
	(void)state;
	const struct prop_def *d, *e;
	struct prop_ext_uri u = tagged(NULL, "Boolean");
	u.distinguished_set = "Address";
	u.has_id = 1;
	u.id = 32789;   /* 0x8015 PidLidHasPicture */
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &d), PROP_EXT_SERVED);
	assert_string_equal(d->field_uri, "contacts:HasPicture");
	/* the same set by GUID, upper case */
	u.distinguished_set = NULL;
	u.set_id = "00062004-0000-0000-C000-000000000046";
	assert_int_equal(props_find_extended(&u, PROP_ON_CONTACT, &e), PROP_EXT_SERVED);
	assert_ptr_equal(d, e);
	/* an unknown GUID and a name: well-formed, not served */
	u.set_id = "12345678-1234-1234-1234-123456789abc";
	assert_int_equal(props_find_extended(&u, 0, &e), PROP_EXT_NOT_SERVED);
	u.set_id = NULL;
	u.distinguished_set = "PublicStrings";
	u.has_id = 0;
	u.name = "Keywords";
	assert_int_equal(props_find_extended(&u, 0, &e), PROP_EXT_NOT_SERVED);
	assert_string_equal(props_set_guid(PROP_SET_ADDRESS), "00062004-0000-0000-c000-000000000046");
}

static void test_getters(void **state)
{
	(void)state;
	static struct contact_record c;
	static struct user_record usr;
	struct prop_folder f = { "Contacts", "IPF.Contact", 7, 0, 0, 0, 1, 3000, 8 };
	struct prop_record rc = { &c, NULL, NULL }, ru = { NULL, &usr, NULL }, rf = { NULL, NULL, &f };
	struct prop_value v;
	char buf[64];

	strcpy(c.display_name, "Ada Lovelace");
	strcpy(c.email2, "ada@two.test");
	strcpy(c.birthday, "1815-12-10");
	c.created = 1000;
	c.modified = 2000;
	c.has_photo = 1;
	strcpy(usr.display_name, "Bob");
	strcpy(usr.title, "CTO");

	assert_int_equal(props_get(props_find_field("contacts:DisplayName", NULL), &rc, &v), 1);
	assert_string_equal(v.s, "Ada Lovelace");
	assert_int_equal(props_get(props_find_field("contacts:DisplayName", NULL), &ru, &v), 1);
	assert_string_equal(v.s, "Bob");
	assert_int_equal(props_get(props_find_field("contacts:JobTitle", NULL), &ru, &v), 1);
	assert_string_equal(v.s, "CTO");
	assert_int_equal(props_get(props_find_field("contacts:JobTitle", NULL), &rc, &v), 0);   /* empty */
	assert_int_equal(props_get(props_find_field("contacts:EmailAddress", "EmailAddress2"), &rc, &v), 1);
	assert_string_equal(v.s, "ada@two.test");
	assert_int_equal(props_get(props_find_field("contacts:EmailAddress", "EmailAddress2"), &ru, &v), 0);
	assert_int_equal(props_get(props_find_field("contacts:FileAs", NULL), &rc, &v), 1);
	assert_string_equal(v.s, "Ada Lovelace");   /* FileAs falls back to the display name */
	assert_int_equal(props_get(props_find_field("item:ItemClass", NULL), &rc, &v), 1);
	assert_string_equal(v.s, "IPM.Contact");
	assert_int_equal(props_get(props_find_field("contacts:HasPicture", NULL), &rc, &v), 1);
	assert_int_equal(v.type, PROP_T_BOOLEAN);
	assert_int_equal(v.i, 1);
	assert_int_equal(props_value_text(&v, buf, sizeof buf), EMU_OK);
	assert_string_equal(buf, "true");
	assert_int_equal(props_get(props_find_field("item:LastModifiedTime", NULL), &rc, &v), 1);
	assert_int_equal(v.i, 2000);
	assert_int_equal(props_value_text(&v, buf, sizeof buf), EMU_OK);
	assert_string_equal(buf, "1970-01-01T00:33:20Z");
	assert_int_equal(props_get(props_find_field("contacts:Birthday", NULL), &rc, &v), 1);
	assert_int_equal(props_value_text(&v, buf, sizeof buf), EMU_OK);
	assert_string_equal(buf, "1815-12-10T12:00:00Z");
	/* a contact field on a folder, a shape-only row: no value */
	assert_int_equal(props_get(props_find_field("contacts:DisplayName", NULL), &rf, &v), 0);
	assert_int_equal(props_get(props_find_field("item:Attachments", NULL), &rc, &v), 0);
	/* folders */
	assert_int_equal(props_get(props_find_field("folder:TotalCount", NULL), &rf, &v), 1);
	assert_int_equal(v.i, 7);
	assert_int_equal(props_value_text(&v, buf, sizeof buf), EMU_OK);
	assert_string_equal(buf, "7");
	assert_int_equal(props_get(props_find_field("folder:FolderClass", NULL), &rf, &v), 1);
	assert_string_equal(v.s, "IPF.Contact");
	struct prop_ext_uri u = tagged("0x360a", "Boolean");
	const struct prop_def *d;
	assert_int_equal(props_find_extended(&u, PROP_ON_FOLDER, &d), PROP_EXT_SERVED);
	assert_int_equal(props_get(d, &rf, &v), 1);
	assert_int_equal(v.i, 0);
	/* too small a buffer is a limit, never a truncation */
	assert_int_equal(props_get(props_find_field("contacts:DisplayName", NULL), &rc, &v), 1);
	assert_int_equal(props_value_text(&v, buf, 5), EMU_ELIMIT);
	props_tag_text(0x0e23, buf, sizeof buf);
	assert_string_equal(buf, "0xe23");
}

static int64_t ext_int(const char *tag, const char *type, unsigned kinds, const struct prop_record *r)
{
	struct prop_ext_uri u = tagged(tag, type);
	const struct prop_def *d;
	struct prop_value v;
	if (props_find_extended(&u, kinds, &d) != PROP_EXT_SERVED || props_get(d, r, &v) != 1)
		return -1;
	return v.i;
}

/* PR_INTERNET_ARTICLE_NUMBER on contacts (none on a contact without a
 * number, none on directory users); the folder's article and time rows. */
static void test_article_and_folder_state(void **state)
{
	(void)state;
	static struct contact_record c;
	static struct user_record usr;
	struct prop_folder f = { "Contacts", "IPF.Contact", 2, 0, 0, 0, 1, 5000, 9 };
	struct prop_folder root = { "Root", NULL, 0, 0, 3, 0, 0, 100, 1 };
	struct prop_record rc = { &c, NULL, NULL }, ru = { NULL, &usr, NULL }, rf = { NULL, NULL, &f },
	                   rr = { NULL, NULL, &root };
	c.modified = 2000;
	c.created = 1000;
	assert_int_equal(ext_int("0xe23", "Integer", PROP_ON_CONTACT, &rc), -1);
	c.article = 42;
	assert_int_equal(ext_int("0xe23", "Integer", PROP_ON_CONTACT, &rc), 42);
	assert_int_equal(ext_int("0x0E23", "Integer", PROP_ON_CONTACT, &rc), 42);
	assert_int_equal(ext_int("3619", "Long", PROP_ON_CONTACT, &rc), 42);   /* decimal, another type */
	assert_int_equal(ext_int("0xe23", "Integer", PROP_ON_USER, &ru), -1);
	assert_int_equal(ext_int("0xe23", "Integer", PROP_ON_FOLDER, &rf), -1);
	/* 0x3008 / 0x3007 are the contact's times, 0x3008 the folder's change */
	assert_int_equal(ext_int("0x3008", "SystemTime", PROP_ON_CONTACT, &rc), 2000);
	assert_int_equal(ext_int("0x3007", "SystemTime", PROP_ON_CONTACT, &rc), 1000);
	assert_int_equal(ext_int("0x3008", "SystemTime", PROP_ON_FOLDER, &rf), 5000);
	assert_int_equal(ext_int("0x670a", "SystemTime", PROP_ON_FOLDER, &rf), 5000);
	assert_int_equal(ext_int("0x6751", "Integer", PROP_ON_FOLDER, &rf), 9);
	assert_int_equal(ext_int("0x6752", "Integer", PROP_ON_FOLDER, &rf), 8);
	assert_int_equal(ext_int("0x3601", "Integer", PROP_ON_FOLDER, &rf), 1);
	assert_int_equal(ext_int("0x3601", "Integer", PROP_ON_FOLDER, &rr), 0);
	assert_int_equal(ext_int("0x6752", "Integer", PROP_ON_FOLDER, &rr), 0);
	assert_int_equal(ext_int("0x6751", "Integer", PROP_ON_CONTACT, &rc), -1);
	root.changed = 0;   /* no time: no value */
	assert_int_equal(ext_int("0x670a", "SystemTime", PROP_ON_FOLDER, &rr), -1);
}

/* The index answers what a scan of the table in order answers: for every
 * row, its FieldURI (+ index) and its MAPI identity per record kind. */
static void test_index_matches_table_order(void **state)
{
	(void)state;
	const struct prop_def *d, *e, *want;
	for (size_t i = 0; (d = props_at(i)) != NULL; i++) {
		if (d->field_uri) {
			want = NULL;
			for (size_t j = 0; !want && props_at(j); j++) {
				e = props_at(j);
				if (e->field_uri && strcmp(e->field_uri, d->field_uri) == 0 &&
				    (!e->field_index == !d->field_index) &&
				    (!e->field_index || strcmp(e->field_index, d->field_index) == 0))
					want = e;
			}
			assert_ptr_equal(props_find_field(d->field_uri, d->field_index), want);
			assert_non_null(props_find_uri(d->field_uri));
			assert_string_equal(props_find_uri(d->field_uri)->field_uri, d->field_uri);
		}
		if (!d->get || d->set != PROP_SET_NONE || !d->tag)
			continue;
		for (unsigned kind = PROP_ON_CONTACT; kind <= PROP_ON_FOLDER; kind <<= 1) {
			char tag[8];
			struct prop_ext_uri u;
			props_tag_text(d->tag, tag, sizeof tag);
			u = tagged(tag, "String");
			want = NULL;
			for (size_t j = 0; !want && props_at(j); j++) {
				e = props_at(j);
				if (e->get && e->set == PROP_SET_NONE && e->tag == d->tag && (e->on & kind))
					want = e;
			}
			assert_int_equal(props_find_extended(&u, kind, &e), want ? PROP_EXT_SERVED : PROP_EXT_NOT_SERVED);
			assert_ptr_equal(e, want);
		}
	}
	assert_null(props_find_field("contacts:Nope", NULL));
	assert_null(props_find_uri("zzz"));
	assert_null(props_find_uri(""));
	assert_null(props_find_field("contacts:EmailAddress", "EmailAddress4"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_lookup),
		cmocka_unit_test(test_extended_tags),
		cmocka_unit_test(test_extended_malformed),
		cmocka_unit_test(test_extended_named),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_article_and_folder_state),
		cmocka_unit_test(test_index_matches_table_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
