/* test_contact_view.c - shapes, FieldURIs and contact views (ops.h,
 * src/ews/ops/contact_view.c) and the id helpers they use (ids.h): item,
 * attachment and ChangeKey round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/result.h"
#include "ews/ids.h"
#include "ews/ops/ops.h"

#define P OP_PROP

struct fx {
	struct heap_arena heap;
	struct caller who;
	struct ews_ctx ctx;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	heap_arena_init(&f->heap);
	f->ctx.arena = &f->heap.arena;
	assert_int_equal(caller_set_basic(&f->who, "alice@example.test", 0), EMU_OK);
	f->ctx.caller = &f->who;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	heap_arena_free(&f->heap);
	free(f);
	return 0;
}

/* ---- shapes and FieldURIs --------------------------------------------------- */

static void test_shape_parse(void **state)
{
	enum ews_shape s;
	(void)state;
	assert_int_equal(ews_shape_parse("IdOnly", &s), EMU_OK);
	assert_int_equal(s, EWS_SHAPE_ID_ONLY);
	assert_int_equal(ews_shape_parse("Default", &s), EMU_OK);
	assert_int_equal(s, EWS_SHAPE_DEFAULT);
	assert_int_equal(ews_shape_parse("AllProperties", &s), EMU_OK);
	assert_int_equal(s, EWS_SHAPE_ALL);
	assert_int_equal(ews_shape_parse("allproperties", &s), EMU_EINVAL);
	assert_int_equal(ews_shape_parse("", &s), EMU_EINVAL);
	assert_int_equal(ews_shape_parse(NULL, &s), EMU_EINVAL);
}

static void test_shape_props(void **state)
{
	(void)state;
	/* spec §5.3 */
	assert_true(op_props_for_shape(EWS_SHAPE_ID_ONLY) == P(P_ITEM_ID));
	op_props d = op_props_for_shape(EWS_SHAPE_DEFAULT);
	assert_true(d == (P(P_ITEM_ID) | P(P_HAS_ATTACHMENTS) | P(P_FILE_AS) | P(P_COMPLETE_NAME) |
	                  P(P_COMPANY_NAME) | P(P_EMAIL_ADDRESSES) | P(P_JOB_TITLE) | P(P_PHONE_NUMBERS) |
	                  P(P_PHYSICAL_ADDRESSES)));
	op_props a = op_props_for_shape(EWS_SHAPE_ALL);
	assert_true((a & d) == d);
	for (int p = 0; p < P_COUNT; p++)
		if (p != P_BIRTHDAY && p != P_MIME_CONTENT)
			assert_true(a & P(p));
	assert_false(a & P(P_BIRTHDAY));
	/* spec §10: MimeContent only on request, never in a base shape */
	assert_false(a & P(P_MIME_CONTENT));
	assert_true(op_props_for_field("item:MimeContent") == P(P_MIME_CONTENT));
}

static void test_field_uris(void **state)
{
	(void)state;
	assert_true(op_props_for_field("item:ItemId") == P(P_ITEM_ID));
	assert_true(op_props_for_field("item:Subject") == P(P_SUBJECT));
	assert_true(op_props_for_field("item:Attachments") == P(P_ATTACHMENTS));
	assert_true(op_props_for_field("item:HasAttachments") == P(P_HAS_ATTACHMENTS));
	assert_true(op_props_for_field("item:LastModifiedTime") == P(P_LAST_MODIFIED_TIME));
	assert_true(op_props_for_field("contacts:HasPicture") == P(P_HAS_PICTURE));
	assert_true(op_props_for_field("contacts:Birthday") == P(P_BIRTHDAY));
	assert_true(op_props_for_field("contacts:Photo") == P(P_PHOTO));
	/* IndexedFieldURI values add the whole dictionary */
	assert_true(op_props_for_field("contacts:EmailAddress") == P(P_EMAIL_ADDRESSES));
	assert_true(op_props_for_field("contacts:PhoneNumber") == P(P_PHONE_NUMBERS));
	assert_true(op_props_for_field("contacts:PhysicalAddress:Street") == P(P_PHYSICAL_ADDRESSES));
	assert_true(op_props_for_field("contacts:PhysicalAddress:PostalCode") == P(P_PHYSICAL_ADDRESSES));
	/* unknown or inapplicable: ignored */
	assert_true(op_props_for_field("message:From") == 0);
	assert_true(op_props_for_field("calendar:Start") == 0);
	assert_true(op_props_for_field("folder:DisplayName") == 0);
	assert_true(op_props_for_field("item:Nonsense") == 0);
	assert_true(op_props_for_field("item:subject") == 0);
	assert_true(op_props_for_field("") == 0);
	assert_true(op_props_for_field(NULL) == 0);
}

/* ---- ids ------------------------------------------------------------------------- */

static void test_id_helpers(void **state)
{
	struct fx *f = *state;
	struct ews_id id;
	char local[STORE_ID_MAX + 1], item[STORE_ID_MAX + 1], part[STORE_ID_MAX + 1];
	char big[STORE_ID_MAX + 2];

	/* ids name the lower-cased mailbox: the same text whatever the case */
	char *a = ews_id_text(f->ctx.arena, EWS_ID_FOLDER, "Alice@Example.TEST", "contacts");
	char *b = ews_id_text(f->ctx.arena, EWS_ID_FOLDER, "alice@example.test", "contacts");
	assert_non_null(a);
	assert_string_equal(a, b);
	assert_int_equal(ews_id_decode(a, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_int_equal(id.kind, EWS_ID_FOLDER);
	assert_string_equal(id.mailbox, "alice@example.test");
	assert_string_equal(id.local, "contacts");
	assert_null(ews_id_text(f->ctx.arena, EWS_ID_ITEM, "", "x"));
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_null(ews_id_text(f->ctx.arena, EWS_ID_ITEM, "a@b.test", big));

	/* ChangeKeys */
	enum ews_id_kind kind;
	uint32_t change;
	char *ck1 = ews_change_key(f->ctx.arena, EWS_ID_ITEM, 1);
	char *ck2 = ews_change_key(f->ctx.arena, EWS_ID_ITEM, 2);
	char *ckx = ews_change_key(f->ctx.arena, EWS_ID_ITEM, 0xDEADBEEFu);
	assert_string_not_equal(ck1, ck2);
	assert_int_equal(ews_change_key_decode(ck2, &kind, &change), EMU_OK);
	assert_int_equal(kind, EWS_ID_ITEM);
	assert_int_equal(change, 2);
	assert_int_equal(ews_change_key_decode(ckx, &kind, &change), EMU_OK);
	assert_true(change == 0xDEADBEEFu);
	assert_int_equal(ews_change_key_decode("", &kind, &change), EMU_EINVAL);
	assert_int_equal(ews_change_key_decode("garbage!", &kind, &change), EMU_EINVAL);
	assert_int_equal(ews_change_key_decode("EQAAABYAAAD2", &kind, &change), EMU_EINVAL);   /* Exchange's */
	assert_int_equal(ews_change_key_decode(a, &kind, &change), EMU_EINVAL);               /* an id */

	/* attachment local parts */
	assert_int_equal(ews_attachment_local(local, "0123abcd", "ETAG01"), EMU_OK);
	assert_string_equal(local, "0123abcd.ETAG01");
	assert_int_equal(ews_attachment_split(local, item, part), EMU_OK);
	assert_string_equal(item, "0123abcd");
	assert_string_equal(part, "ETAG01");
	assert_int_equal(ews_attachment_local(local, "a.b", "E"), EMU_EINVAL);
	assert_int_equal(ews_attachment_local(local, "", "E"), EMU_EINVAL);
	assert_int_equal(ews_attachment_local(local, "abc", ""), EMU_EINVAL);
	assert_int_equal(ews_attachment_local(local, big + 10, "0123456789ABCDEF"), EMU_ELIMIT);
	assert_int_equal(ews_attachment_split("noseparator", item, part), EMU_EINVAL);
	assert_int_equal(ews_attachment_split(".E", item, part), EMU_EINVAL);
	assert_int_equal(ews_attachment_split("abc.", item, part), EMU_EINVAL);
}

/* ---- views ------------------------------------------------------------------------ */

static void full_contact(struct contact_record *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "00112233445566778899aabbccddeeff");
	c->change = 3;
	c->created = 1700000000;
	c->modified = 1700000500;
	snprintf(c->display_name, sizeof c->display_name, "Bob Builder");
	snprintf(c->given_name, sizeof c->given_name, "Bob");
	snprintf(c->middle_name, sizeof c->middle_name, "The");
	snprintf(c->surname, sizeof c->surname, "Builder");
	snprintf(c->nickname, sizeof c->nickname, "Bobby");
	snprintf(c->email, sizeof c->email, "bob@builder.test");
	snprintf(c->email3, sizeof c->email3, "bob3@builder.test");
	snprintf(c->company, sizeof c->company, "Builders");
	snprintf(c->job_title, sizeof c->job_title, "Builder");
	snprintf(c->department, sizeof c->department, "Sites");
	snprintf(c->office, sizeof c->office, "Yard");
	snprintf(c->business_phone, sizeof c->business_phone, "+1 555 0101");
	snprintf(c->home_phone, sizeof c->home_phone, "+1 555 0103");
	snprintf(c->city, sizeof c->city, "Bobton");
	snprintf(c->birthday, sizeof c->birthday, "1980-02-29");
	snprintf(c->notes, sizeof c->notes, "Can we fix it?");
	c->has_photo = 1;
	c->photo.len = 1234;
	snprintf(c->photo.etag, sizeof c->photo.etag, "0123456789ABCDEF");
}

static void test_view_of_stored_contact(void **state)
{
	struct fx *f = *state;
	struct contact_record c;
	struct op_contact v;
	struct ews_id id;
	enum ews_id_kind kind;
	uint32_t change;

	full_contact(&c);
	op_props all = op_props_for_shape(EWS_SHAPE_ALL) | P(P_BIRTHDAY);
	assert_int_equal(op_contact_from_store(&f->ctx, "alice@example.test", &c, all, &v), EMU_OK);
	/* things a stored contact never has */
	assert_false(v.props & (P(P_DISPLAY_CC) | P(P_DISPLAY_TO) | P(P_LAST_MODIFIED_NAME) | P(P_INITIALS) |
	                        P(P_FILE_AS_MAPPING) | P(P_ALIAS) | P(P_NOTES) | P(P_PHOTO)));
	assert_true(v.props & P(P_BIRTHDAY));
	assert_true(v.props & P(P_ATTACHMENTS));
	assert_true(v.props & P(P_HAS_PICTURE));
	assert_int_equal(ews_id_decode(v.item_id, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_int_equal(id.kind, EWS_ID_ITEM);
	assert_string_equal(id.mailbox, "alice@example.test");
	assert_string_equal(id.local, c.id);
	assert_int_equal(ews_change_key_decode(v.change_key, &kind, &change), EMU_OK);
	assert_int_equal(change, 3);
	assert_int_equal(ews_id_decode(v.parent_id, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_int_equal(id.kind, EWS_ID_FOLDER);
	assert_string_equal(id.local, "contacts");
	assert_string_equal(v.item_class, "IPM.Contact");
	assert_string_equal(v.subject, "Bob Builder");
	assert_string_equal(v.body, "Can we fix it?");
	assert_string_equal(v.file_as, "Bob Builder");   /* no FileAs stored: the display name */
	assert_string_equal(v.contact_source, "Store");
	assert_string_equal(v.birthday, "1980-02-29T12:00:00Z");
	assert_true(v.received == 1700000000 && v.modified == 1700000500);
	/* dictionary keys follow the slot, not the position */
	assert_int_equal(v.n_emails, 2);
	assert_string_equal(v.emails[0].key, "EmailAddress1");
	assert_string_equal(v.emails[1].key, "EmailAddress3");
	assert_string_equal(v.emails[1].value, "bob3@builder.test");
	assert_int_equal(v.n_phones, 2);
	assert_string_equal(v.phones[0].key, "BusinessPhone");
	assert_string_equal(v.phones[1].key, "HomePhone");
	assert_int_equal(v.n_addresses, 1);
	assert_string_equal(v.address.city, "Bobton");
	assert_null(v.address.street);
	assert_string_equal(v.postal_address_index, "Business");
	/* the picture as an attachment (spec §5.5) */
	assert_int_equal(v.n_attachments, 1);
	assert_string_equal(v.attachment.name, "ContactPicture.jpg");
	assert_string_equal(v.attachment.content_type, "image/jpeg");
	assert_int_equal(v.attachment.size, 1234);
	assert_true(v.attachment.is_contact_photo && !v.attachment.is_inline);
	assert_null(v.attachment.content);
	assert_int_equal(ews_id_decode(v.attachment.id, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_int_equal(id.kind, EWS_ID_ATTACHMENT);
	assert_string_equal(id.local, "00112233445566778899aabbccddeeff.0123456789ABCDEF");
	assert_true(v.size > 1234);

	/* the view owns its strings */
	char *before = strdup(v.display_name);
	memset(&c, 'X', sizeof c);
	assert_string_equal(v.display_name, before);
	free(before);

	/* Default: only the default set, only with values */
	full_contact(&c);
	assert_int_equal(op_contact_from_store(&f->ctx, "alice@example.test", &c,
	                                       op_props_for_shape(EWS_SHAPE_DEFAULT), &v), EMU_OK);
	assert_true(v.props == op_props_for_shape(EWS_SHAPE_DEFAULT));
	/* IdOnly plus one additional property */
	assert_int_equal(op_contact_from_store(&f->ctx, "alice@example.test", &c,
	                                       P(P_ITEM_ID) | P(P_HAS_PICTURE), &v), EMU_OK);
	assert_true(v.props == (P(P_ITEM_ID) | P(P_HAS_PICTURE)));
}

static void test_view_of_bare_contact(void **state)
{
	struct fx *f = *state;
	struct contact_record c;
	struct op_contact v;

	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "ffeeddccbbaa99887766554433221100");
	c.change = 1;
	assert_int_equal(op_contact_from_store(&f->ctx, "alice@example.test", &c,
	                                       op_props_for_shape(EWS_SHAPE_ALL), &v), EMU_OK);
	/* "each only if it has a value" */
	assert_false(v.props & (P(P_SUBJECT) | P(P_ATTACHMENTS) | P(P_FILE_AS) | P(P_DISPLAY_NAME) |
	                        P(P_COMPLETE_NAME) | P(P_EMAIL_ADDRESSES) | P(P_PHONE_NUMBERS) |
	                        P(P_PHYSICAL_ADDRESSES) | P(P_POSTAL_ADDRESS_INDEX) | P(P_COMPANY_NAME) |
	                        P(P_DATE_CREATED) | P(P_LAST_MODIFIED_TIME)));
	/* what every item has */
	assert_true(v.props & P(P_ITEM_ID));
	assert_true(v.props & P(P_HAS_ATTACHMENTS));
	assert_true(v.props & P(P_HAS_PICTURE));
	assert_true(v.props & P(P_BODY));
	assert_string_equal(v.body, "");
	assert_int_equal(v.n_attachments, 0);
	assert_int_equal(v.has_picture, 0);
}

static void directory_user(struct user_record *u)
{
	memset(u, 0, sizeof *u);
	snprintf(u->email, sizeof u->email, "Alice@Example.test");
	snprintf(u->display_name, sizeof u->display_name, "Alice Example");
	snprintf(u->alias, sizeof u->alias, "alice");
	snprintf(u->given_name, sizeof u->given_name, "alice");
	snprintf(u->surname, sizeof u->surname, "Example");
	snprintf(u->company, sizeof u->company, "Contoso");
	snprintf(u->title, sizeof u->title, "Engineer");
	snprintf(u->department, sizeof u->department, "R&D");
	snprintf(u->office, sizeof u->office, "B1");
	snprintf(u->phone, sizeof u->phone, "+1 555 0100");
	u->nproxies = 4;
	snprintf(u->proxies[0], sizeof u->proxies[0], "alice@example.test");   /* the primary again */
	snprintf(u->proxies[1], sizeof u->proxies[1], "al@example.test");
	snprintf(u->proxies[2], sizeof u->proxies[2], "ali@example.test");
	snprintf(u->proxies[3], sizeof u->proxies[3], "alice.e@example.test");
}

static void test_view_of_directory_user(void **state)
{
	struct fx *f = *state;
	struct user_record u;
	struct op_contact v;
	static const unsigned char photo[] = { 0xFF, 0xD8, 0xFF, 0xD9 };

	directory_user(&u);
	assert_int_equal(op_contact_from_user(&f->ctx, &u, EWS_SHAPE_ID_ONLY, photo, sizeof photo, &v), EMU_OK);
	assert_true(v.props == 0);

	assert_int_equal(op_contact_from_user(&f->ctx, &u, EWS_SHAPE_DEFAULT, photo, sizeof photo, &v), EMU_OK);
	op_props want = P(P_DISPLAY_NAME) | P(P_GIVEN_NAME) | P(P_INITIALS) | P(P_COMPANY_NAME) |
	                P(P_EMAIL_ADDRESSES) | P(P_PHONE_NUMBERS) | P(P_CONTACT_SOURCE) | P(P_DEPARTMENT) |
	                P(P_JOB_TITLE) | P(P_OFFICE_LOCATION) | P(P_SURNAME) | P(P_ALIAS);
	assert_true(v.props == want);
	assert_null(v.photo);
	assert_string_equal(v.contact_source, "ActiveDirectory");
	assert_string_equal(v.initials, "AE");
	assert_int_equal(v.n_emails, 3);
	assert_string_equal(v.emails[0].key, "EmailAddress1");
	assert_string_equal(v.emails[0].value, "SMTP:Alice@Example.test");
	assert_string_equal(v.emails[1].key, "EmailAddress2");
	assert_string_equal(v.emails[1].value, "smtp:al@example.test");
	assert_string_equal(v.emails[2].key, "EmailAddress3");
	assert_string_equal(v.emails[2].value, "smtp:ali@example.test");
	assert_int_equal(v.n_phones, 1);
	assert_string_equal(v.phones[0].key, "BusinessPhone");
	assert_string_equal(v.job_title, "Engineer");
	assert_string_equal(v.office, "B1");

	assert_int_equal(op_contact_from_user(&f->ctx, &u, EWS_SHAPE_ALL, photo, sizeof photo, &v), EMU_OK);
	assert_true(v.props == (want | P(P_PHOTO)));
	assert_ptr_equal(v.photo, photo);
	assert_int_equal(v.photo_len, sizeof photo);
	assert_int_equal(op_contact_from_user(&f->ctx, &u, EWS_SHAPE_ALL, NULL, 0, &v), EMU_OK);
	assert_true(v.props == want);

	/* empty fields are left out; initials of non-ASCII names keep whole characters */
	memset(&u, 0, sizeof u);
	snprintf(u.email, sizeof u.email, "zoe@example.test");
	snprintf(u.given_name, sizeof u.given_name, "\xc3\x89lodie");     /* Élodie */
	snprintf(u.surname, sizeof u.surname, "\xc3\xb6sterberg");         /* österberg */
	assert_int_equal(op_contact_from_user(&f->ctx, &u, EWS_SHAPE_ALL, NULL, 0, &v), EMU_OK);
	assert_true(v.props == (P(P_GIVEN_NAME) | P(P_INITIALS) | P(P_EMAIL_ADDRESSES) |
	                        P(P_CONTACT_SOURCE) | P(P_SURNAME)));
	assert_string_equal(v.initials, "\xc3\x89\xc3\xb6");
	assert_int_equal(v.n_emails, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_parse),
		cmocka_unit_test(test_shape_props),
		cmocka_unit_test(test_field_uris),
		cmocka_unit_test_setup_teardown(test_id_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_of_stored_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_of_bare_contact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_view_of_directory_user, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
