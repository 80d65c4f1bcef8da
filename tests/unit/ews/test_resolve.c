/* test_resolve.c - op_resolve_names() on a real store (spec §4): matching,
 * ordering, the cap, scopes, exact addresses, folders, every outcome code. */
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
#include "ews_fixture.h"

/* A user named "given surname" (the name index needs the parts). */
static void add_user(store_t *s, const char *email, const char *given, const char *surname,
                     const char *proxy)
{
	char display[64];
	snprintf(display, sizeof display, "%s %s", given, surname);
	ews_fx_user(s, email, display, given, surname, proxy, 0);
}

static void add_contact(store_t *s, const char *owner, const char *display, const char *email)
{
	struct contact_record c;
	store_txn_t *t;
	memset(&c, 0, sizeof c);
	snprintf(c.display_name, sizeof c.display_name, "%s", display);
	snprintf(c.email, sizeof c.email, "%s", email);
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_add(t, owner, &c, NULL, 0), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

static int setup(void **state)
{
	struct ews_fx *f = calloc(1, sizeof *f);
	char email[64], given[32];
	ews_fx_open(f, "resolve", "olivia@example.test");
	add_user(f->store, "olivia@example.test", "Olivia", "Owner", NULL);
	add_user(f->store, "ben@example.test", "Ben", "Lopez", NULL);
	add_user(f->store, "ana@example.test", "Ana", "Lopez", "al@example.test");
	for (int i = 0; i < 105; i++) {
		snprintf(email, sizeof email, "zed%03d@example.test", i);
		snprintf(given, sizeof given, "Zed%03d", 104 - i);   /* names sort against addresses */
		add_user(f->store, email, given, "Zulu", NULL);
	}
	add_contact(f->store, "olivia@example.test", "Ben Lopez", "ben@family.test");
	add_contact(f->store, "olivia@example.test", "Dora Contact", "dora@partner.test");
	add_contact(f->store, "olivia@example.test", "Ana (work)", "ana@example.test");
	add_contact(f->store, "ben@example.test", "Dora Elsewhere", "dora@elsewhere.test");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ews_fx_close(*state);
	free(*state);
	return 0;
}

static struct op_resolve_result run(struct ews_fx *f, const char *entry, enum op_scope scope)
{
	struct op_resolve_req r = { .entry = entry, .scope = scope };
	struct op_resolve_result out;
	assert_int_equal(op_resolve_names(&f->ctx, &r, &out), EMU_OK);
	return out;
}

static void test_outcomes(void **state)
{
	struct ews_fx *f = *state;
	struct op_resolve_result r = run(f, "olivia", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.status.cls, EWS_SUCCESS);
	assert_int_equal(r.n, 1);
	assert_true(r.includes_last);
	assert_string_equal(r.res[0].email, "olivia@example.test");
	assert_string_equal(r.res[0].mailbox_type, "Mailbox");
	assert_null(r.res[0].contact);

	r = run(f, "lopez", OP_SCOPE_AD);
	assert_int_equal(r.status.cls, EWS_WARNING);
	assert_string_equal(r.status.code, "ErrorNameResolutionMultipleResults");
	assert_string_equal(r.status.text, "Multiple results were found.");
	assert_int_equal(r.n, 2);
	assert_string_equal(r.res[0].name, "Ana Lopez");   /* sorted by display name */
	assert_string_equal(r.res[1].name, "Ben Lopez");

	r = run(f, "nobody", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.status.cls, EWS_ERROR);
	assert_string_equal(r.status.code, "ErrorNameResolutionNoResults");
	assert_string_equal(r.status.text, "No results were found.");
	assert_false(r.has_set);
	assert_int_equal(r.n, 0);
}

static void test_cap_and_order(void **state)
{
	struct ews_fx *f = *state;
	struct op_resolve_result r = run(f, "zed", OP_SCOPE_AD);
	assert_int_equal(r.status.cls, EWS_WARNING);
	assert_int_equal(r.n, OP_RESOLVE_MAX);
	assert_false(r.includes_last);
	for (size_t i = 1; i < r.n; i++)
		assert_true(strcmp(r.res[i - 1].name, r.res[i].name) < 0);
	/* given names Zed090..Zed099 and addresses zed090..zed099 belong to
	 * different users: 20 */
	r = run(f, "zed09", OP_SCOPE_AD);
	assert_int_equal(r.n, 20);
	assert_true(r.includes_last);
}

static void test_scopes(void **state)
{
	struct ews_fx *f = *state;
	struct op_resolve_result r = run(f, "ben", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.res[0].mailbox_type, "Mailbox");
	assert_string_equal(r.res[1].mailbox_type, "Contact");
	assert_non_null(r.res[1].item_id);
	assert_non_null(r.res[1].change_key);
	assert_non_null(r.res[1].contact);
	assert_string_equal(r.res[1].email, "ben@family.test");

	r = run(f, "ben", OP_SCOPE_CONTACTS_AD);
	assert_string_equal(r.res[0].mailbox_type, "Contact");
	assert_string_equal(r.res[1].mailbox_type, "Mailbox");
	r = run(f, "ben", OP_SCOPE_CONTACTS);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.res[0].mailbox_type, "Contact");
	r = run(f, "ben", OP_SCOPE_AD);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.res[0].mailbox_type, "Mailbox");

	/* the item id decodes to the caller's contact */
	r = run(f, "dora", OP_SCOPE_CONTACTS);
	assert_int_equal(r.n, 1);
	struct ews_id id;
	assert_int_equal(ews_id_decode(r.res[0].item_id, EWS_FMT_EWS_ID, &id), EMU_OK);
	assert_int_equal(id.kind, EWS_ID_ITEM);
	assert_string_equal(id.mailbox, "olivia@example.test");
}

static void test_addresses(void **state)
{
	struct ews_fx *f = *state;
	/* a proxy needs smtp: */
	struct op_resolve_result r = run(f, "al@example.test", OP_SCOPE_AD);
	assert_int_equal(r.status.cls, EWS_ERROR);
	r = run(f, "SMTP:AL@example.test", OP_SCOPE_AD);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.res[0].email, "ana@example.test");
	r = run(f, "smtp:al", OP_SCOPE_AD);
	assert_int_equal(r.n, 1);
	r = run(f, "sip:ana", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.status.cls, EWS_ERROR);
	/* an exact address wins: the directory user and the contact saved under it */
	r = run(f, "ana@example.test", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.res[0].mailbox_type, "Mailbox");
	assert_string_equal(r.res[1].mailbox_type, "Contact");
	assert_string_equal(r.res[1].name, "Ana (work)");
	/* zed001@ is a prefix of one address; the exact one is the only answer */
	r = run(f, "zed001@example.test", OP_SCOPE_AD);
	assert_int_equal(r.status.cls, EWS_SUCCESS);
	assert_int_equal(r.n, 1);
}

static void test_folders_and_callers(void **state)
{
	struct ews_fx *f = *state;
	struct op_resolve_req req = { .entry = "dora", .scope = OP_SCOPE_CONTACTS,
	                              .distinguished = "contacts", .n_folders = 1 };
	struct op_resolve_result out;
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_int_equal(out.n, 1);
	assert_string_equal(out.res[0].email, "dora@partner.test");

	req.folder_mailbox = "ben@example.test";         /* someone else's folder */
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_string_equal(out.status.code, "ErrorAccessDenied");
	req.folder_mailbox = NULL;
	req.distinguished = "archiveinbox";     /* no archive mailbox */
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_string_equal(out.status.code, "ErrorFolderNotFound");
	req.distinguished = NULL;
	req.folder_id = "not-an-id";
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_string_equal(out.status.code, "ErrorInvalidIdMalformed");
	req.folder_id = "";
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_string_equal(out.status.code, "ErrorInvalidIdEmpty");
	/* a FolderId of the caller's contacts folder works like the distinguished one */
	struct ews_id fid = { EWS_ID_FOLDER, "olivia@example.test", "contacts" };
	req.folder_id = ews_id_encode(f->ctx.arena, &fid, EWS_FMT_EWS_ID);
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_int_equal(out.n, 1);
	req.n_folders = 2;
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_int_equal(out.status.cls, EWS_ERROR);

	/* another caller sees their own contacts */
	ews_fx_as(&f->who, "ben@example.test", 0);
	struct op_resolve_result r = run(f, "dora", OP_SCOPE_CONTACTS);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.res[0].email, "dora@elsewhere.test");
	/* anonymous (demo mode): no mailbox */
	ews_fx_as(&f->who, NULL, 0);
	r = run(f, "dora", OP_SCOPE_CONTACTS);
	assert_string_equal(r.status.code, "ErrorNameResolutionNoMailbox");
	r = run(f, "ben", OP_SCOPE_AD_CONTACTS);
	assert_int_equal(r.n, 1);
}

static void test_full_contact_data(void **state)
{
	struct ews_fx *f = *state;
	struct op_resolve_req req = { .entry = "olivia", .scope = OP_SCOPE_AD,
	                              .return_full_contact_data = 1 };
	struct op_resolve_result out;
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_non_null(out.res[0].contact);
	assert_string_equal(out.res[0].contact->contact_source, "ActiveDirectory");
	assert_null(out.res[0].contact->photo);
	req.has_shape = 1;
	req.shape = EWS_SHAPE_ID_ONLY;
	assert_int_equal(op_resolve_names(&f->ctx, &req, &out), EMU_OK);
	assert_null(out.res[0].contact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folders_and_callers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_contact_data, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
