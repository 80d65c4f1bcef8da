/* test_folders.c - the folder set (ops_int.h), GetFolder of every folder
 * and FindFolder (Shallow / Deep / SoftDeleted, paging, errors) through
 * ops.h on a temporary store (spec mailbox-ops §1, §2). */
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
#include "ews/ops/ops_int.h"
#include "ews_fixture.h"

#define ALICE "alice@example.test"
#define BOB "bob@example.test"

static int setup(void **state)
{
	struct ews_fx *f = calloc(1, sizeof *f);
	struct contact_record c;
	store_txn_t *t;

	ews_fx_open(f, "folders", ALICE);
	ews_fx_user(f->store, ALICE, NULL, NULL, NULL, NULL, 0);
	ews_fx_user(f->store, BOB, NULL, NULL, NULL, NULL, 0);
	for (int i = 0; i < 3; i++) {
		memset(&c, 0, sizeof c);
		snprintf(c.display_name, sizeof c.display_name, "contact %d", i);
		assert_int_equal(store_txn_begin(f->store, 1, &t), EMU_OK);
		assert_int_equal(store_contact_add(t, ALICE, &c, NULL, 0), EMU_OK);
		assert_int_equal(store_txn_commit(t), EMU_OK);
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct ews_fx *f = *state;
	ews_fx_close(f);
	free(f);
	return 0;
}

static int starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The table's own rules: a tree in order, unique names that fit an id,
 * the element kind following the class (spec §1.2 "Element per class"),
 * hidden folders only among the contacts subfolders. */
static void test_table_is_a_tree(void **state)
{
	size_t n;
	const struct op_folder_def *d = op_folder_defs(&n);
	(void)state;

	assert_true(n >= 50);
	assert_string_equal(d[0].name, "root");
	assert_null(d[0].parent);
	for (size_t i = 0; i < n; i++) {
		assert_true(strlen(d[i].name) <= STORE_ID_MAX);
		assert_ptr_equal(op_folder_def_find(d[i].name), &d[i]);   /* unique */
		assert_non_null(d[i].display_name);
		if (i > 0) {
			const struct op_folder_def *p = op_folder_def_find(d[i].parent);
			assert_non_null(p);
			assert_true(p < &d[i]);                              /* parent first */
		}
		/* a name outside the DistinguishedFolderIdNameType enum cannot clash with it */
		assert_true(d[i].distinguished != starts(d[i].name, "x-"));
		if (d[i].kind == OP_FOLDER_KIND_CONTACTS)
			assert_true(starts(d[i].folder_class, "IPF.Contact"));
		if (d[i].kind == OP_FOLDER_KIND_CALENDAR)
			assert_true(starts(d[i].folder_class, "IPF.Appointment"));
		if (d[i].kind == OP_FOLDER_KIND_TASKS)
			assert_true(starts(d[i].folder_class, "IPF.Task"));
		if (d[i].hidden)
			assert_string_equal(d[i].parent, "contacts");
		assert_int_equal(d[i].holds_contacts, strcmp(d[i].name, "contacts") == 0);
	}
	assert_null(op_folder_def_find("inboxx"));
	assert_null(op_folder_def_find(NULL));
	assert_int_equal(op_folder_child_count("syncissues"), 3);
	assert_int_equal(op_folder_child_count("inbox"), 0);
}

/* GetFolder of every folder: by DistinguishedFolderId when it has one (else
 * ErrorFolderNotFound), always by FolderId; the right kind and counts. */
static void test_get_every_folder(void **state)
{
	struct ews_fx *f = *state;
	size_t n;
	const struct op_folder_def *d = op_folder_defs(&n);
	struct op_folder_ref *refs = calloc(2 * n, sizeof *refs);
	struct op_folder_result *out = calloc(2 * n, sizeof *out);

	for (size_t i = 0; i < n; i++) {
		refs[i].distinguished = d[i].name;
		refs[n + i].id = ews_id_text(f->ctx.arena, EWS_ID_FOLDER, ALICE, d[i].name);
	}
	assert_int_equal(op_get_folder(&f->ctx, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs, 2 * n, out), EMU_OK);
	for (size_t i = 0; i < n; i++) {
		if (!d[i].distinguished) {
			assert_string_equal(out[i].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
		} else {
			assert_string_equal(out[i].status.code, EWS_NO_ERROR);
			assert_string_equal(out[i].folder.id, refs[n + i].id);
		}
		const struct op_folder *x = &out[n + i].folder;
		assert_string_equal(out[n + i].status.code, EWS_NO_ERROR);
		assert_int_equal(x->kind, d[i].kind);
		assert_string_equal(x->display_name, d[i].display_name);
		assert_int_equal(x->child_folder_count, op_folder_child_count(d[i].name));
		assert_int_equal(x->total_count, d[i].holds_contacts ? 3 : 0);
		assert_int_equal(x->unread_count, 0);
		/* UnreadCount only on the elements derived from t:Folder */
		assert_int_equal(!!(x->props & OP_FPROP_UNREAD),
		                 d[i].kind != OP_FOLDER_KIND_CONTACTS && d[i].kind != OP_FOLDER_KIND_CALENDAR);
		assert_int_equal(!!(x->props & OP_FPROP_CLASS), d[i].folder_class != NULL);
		assert_int_equal(!!(x->props & OP_FPROP_PARENT), d[i].parent != NULL);
	}
	free(refs);
	free(out);
}

static void test_names_a_2019_mailbox_lacks(void **state)
{
	struct ews_fx *f = *state;
	static const char *const absent[] = {
		"archiveroot", "archivemsgfolderroot", "archiveinbox", "archiverecoverableitemsroot",
		"publicfoldersroot", "voicemail", "adminauditlogs", "directory", "teamchat", "yammerroot",
		"onedriveroot", "important", "starred", "archive", "scheduled",
	};
	struct op_folder_ref refs[sizeof absent / sizeof *absent + 3];
	struct op_folder_result out[sizeof absent / sizeof *absent + 3];
	size_t n = sizeof absent / sizeof *absent;

	memset(refs, 0, sizeof refs);
	for (size_t i = 0; i < n; i++)
		refs[i].distinguished = absent[i];
	refs[n].distinguished = "mecontact";
	refs[n + 1].distinguished = "personmetadata";
	refs[n + 2].distinguished = "mecontact";
	refs[n + 2].mailbox = "nobody@example.test";    /* the name is checked first */
	assert_int_equal(op_get_folder(&f->ctx, EWS_SHAPE_DEFAULT, NULL, 0, NULL, 0, refs, n + 3, out), EMU_OK);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(out[i].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
	for (size_t i = n; i < n + 3; i++) {
		assert_string_equal(out[i].status.code, EWS_ERROR_INVALID_OPERATION);
		assert_string_equal(out[i].status.text, "The distinguished folder name is unrecognized.");
	}
}

static struct op_find_folder_result find(struct ews_fx *f, enum op_traversal tr, const char *parent,
                                         const struct query_view *v)
{
	struct op_folder_ref ref = { NULL, parent, NULL };
	struct op_find_folder_result r;
	struct op_find_folder_req req = { tr, EWS_SHAPE_DEFAULT, NULL, 0, NULL, 0, v, NULL, QE_OK, &ref, 1 };
	assert_int_equal(op_find_folder(&f->ctx, &req, &r), EMU_OK);
	return r;
}

static void test_find_traversals(void **state)
{
	struct ews_fx *f = *state;
	size_t n;
	const struct op_folder_def *d = op_folder_defs(&n);

	struct op_find_folder_result r = find(f, OP_TRAVERSAL_SHALLOW, "root", NULL);
	assert_string_equal(r.status.code, EWS_NO_ERROR);
	assert_int_equal(r.n, (size_t)op_folder_child_count("root"));
	assert_int_equal(r.page.total, op_folder_child_count("root"));
	assert_true(r.page.includes_last);
	assert_false(r.page.has_indexed_offset || r.page.has_fraction);

	/* Deep from root: every folder but root, each after its parent */
	r = find(f, OP_TRAVERSAL_DEEP, "root", NULL);
	assert_int_equal(r.n, n - 1);
	char *seen = calloc(n, 1);
	for (size_t k = 0; k < r.n; k++) {
		size_t i = 0;
		while (i < n && strcmp(ews_id_text(f->ctx.arena, EWS_ID_FOLDER, ALICE, d[i].name), r.folders[k].id))
			i++;
		assert_true(i < n && !seen[i]);
		seen[i] = 1;
		const struct op_folder_def *p = op_folder_def_find(d[i].parent);
		assert_true(strcmp(d[i].parent, "root") == 0 || seen[p - d]);
	}
	free(seen);

	/* Deep from msgfolderroot: the IPM subtree only */
	r = find(f, OP_TRAVERSAL_DEEP, "msgfolderroot", NULL);
	assert_int_equal(r.n, (size_t)(op_folder_child_count("msgfolderroot") + op_folder_child_count("contacts") +
	                               op_folder_child_count("syncissues")));
	r = find(f, OP_TRAVERSAL_DEEP, "contacts", NULL);
	assert_int_equal(r.n, (size_t)op_folder_child_count("contacts"));
	assert_int_equal(r.folders[0].kind, OP_FOLDER_KIND_CONTACTS);
	r = find(f, OP_TRAVERSAL_SHALLOW, "inbox", NULL);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.page.total, 0);
	assert_true(r.page.includes_last);
	/* SoftDeleted: an ewsemu mailbox has no deleted folders */
	r = find(f, OP_TRAVERSAL_SOFT_DELETED, "root", NULL);
	assert_string_equal(r.status.code, EWS_NO_ERROR);
	assert_int_equal(r.n, 0);
	assert_true(r.page.includes_last);
	/* parents fail as in GetFolder */
	r = find(f, OP_TRAVERSAL_DEEP, "archiveroot", NULL);
	assert_string_equal(r.status.code, EWS_ERROR_FOLDER_NOT_FOUND);
}

static void test_find_paging(void **state)
{
	struct ews_fx *f = *state;
	int total = op_folder_child_count("root");   /* 20 */
	struct query_view v = { QV_INDEXED, 1, 6, 0, 0, 0, 0, NULL, NULL };

	struct op_find_folder_result all = find(f, OP_TRAVERSAL_SHALLOW, "root", NULL);
	struct op_find_folder_result r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_int_equal(r.n, 6);
	assert_int_equal(r.page.total, total);
	assert_false(r.page.includes_last);
	assert_int_equal(r.page.indexed_offset, 6);
	/* exactly the last page */
	v.offset = total - 6;
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_int_equal(r.n, 6);
	assert_true(r.page.includes_last);
	assert_int_equal(r.page.indexed_offset, total);
	assert_string_equal(r.folders[5].id, all.folders[total - 1].id);
	/* offset past the end: success, nothing, the end */
	v.offset = total + 5;
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_string_equal(r.status.code, EWS_NO_ERROR);
	assert_int_equal(r.n, 0);
	assert_true(r.page.includes_last);
	assert_int_equal(r.page.indexed_offset, total);
	/* BasePoint End: the 6 rows ending 2 before the end, read forward */
	v.offset = 2;
	v.from_end = 1;
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_int_equal(r.n, 6);
	assert_string_equal(r.folders[0].id, all.folders[total - 8].id);
	assert_false(r.page.includes_last);
	assert_int_equal(r.page.indexed_offset, 8);
	v.offset = total - 3;     /* the first 3 rows: the range from the end is complete */
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.folders[0].id, all.folders[0].id);
	assert_true(r.page.includes_last);
	/* no MaxEntriesReturned: everything from Offset */
	v.from_end = 0;
	v.has_max = 0;
	v.offset = 4;
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &v);
	assert_int_equal(r.n, (size_t)total - 4);
	assert_true(r.page.includes_last);

	/* fractional: start = floor(N x total / D) */
	struct query_view fr = { QV_FRACTIONAL, 1, 4, 0, 0, 1, 2, NULL, NULL };
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &fr);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.folders[0].id, all.folders[total / 2].id);
	assert_true(r.page.has_fraction && !r.page.has_indexed_offset);
	assert_int_equal(r.page.numerator_offset, total / 2 + 4);
	assert_int_equal(r.page.absolute_denominator, total);
	fr.numerator = fr.denominator = 3;     /* the end */
	r = find(f, OP_TRAVERSAL_SHALLOW, "root", &fr);
	assert_int_equal(r.n, 0);
	assert_true(r.page.includes_last);
}

static void test_find_errors(void **state)
{
	struct ews_fx *f = *state;
	static const struct { struct query_view v; const char *code; } bad[] = {
		{ { QV_INDEXED, 1, 0, 0, 0, 0, 0, NULL, NULL }, EWS_ERROR_INVALID_PAGING_MAX_ROWS },
		{ { QV_INDEXED, 1, -1, 0, 0, 0, 0, NULL, NULL }, EWS_ERROR_INVALID_PAGING_MAX_ROWS },
		{ { QV_INDEXED, 1, 10, -1, 0, 0, 0, NULL, NULL }, EWS_ERROR_INVALID_INDEXED_PAGING },
		{ { QV_FRACTIONAL, 0, 0, 0, 0, 2, 1, NULL, NULL }, EWS_ERROR_INVALID_FRACTIONAL_PAGING },
		{ { QV_FRACTIONAL, 0, 0, 0, 0, -1, 1, NULL, NULL }, EWS_ERROR_INVALID_FRACTIONAL_PAGING },
		{ { QV_FRACTIONAL, 0, 0, 0, 0, 0, 0, NULL, NULL }, EWS_ERROR_INVALID_FRACTIONAL_PAGING },
		{ { QV_FRACTIONAL, 1, 0, 0, 0, 0, 1, NULL, NULL }, EWS_ERROR_INVALID_PAGING_MAX_ROWS },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct op_find_folder_result r = find(f, OP_TRAVERSAL_SHALLOW, "root", &bad[i].v);
		assert_string_equal(r.status.code, bad[i].code);
		assert_int_equal(r.n, 0);
	}
	/* another user's folder */
	struct op_folder_ref refs[] = { { NULL, "root", NULL }, { NULL, "contacts", BOB } };
	struct op_find_folder_result out[2];
	struct op_find_folder_req req = { OP_TRAVERSAL_SHALLOW, EWS_SHAPE_ID_ONLY, NULL, 0, NULL, 0, NULL, NULL, QE_OK, refs, 2 };
	assert_int_equal(op_find_folder(&f->ctx, &req, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_NO_ERROR);
	assert_string_equal(out[1].status.code, EWS_ERROR_ACCESS_DENIED);
}

/* FindFolder over one parent with restriction @p q (compiled by the op). */
static struct op_find_folder_result find_where(struct ews_fx *f, enum op_traversal tr, const char *parent,
                                               struct query_node *q, enum query_error built)
{
	struct op_folder_ref ref = { NULL, parent, NULL };
	struct op_find_folder_result r;
	struct op_find_folder_req req = { tr, EWS_SHAPE_DEFAULT, NULL, 0, NULL, 0, NULL, q, built, &ref, 1 };
	assert_int_equal(op_find_folder(&f->ctx, &req, &r), EMU_OK);
	return r;
}

static void test_find_restriction(void **state)
{
	struct ews_fx *f = *state;

	/* FolderClass = IPF.Contact, Deep from msgfolderroot: Contacts only (its
	 * subfolders have longer classes); paging counts the matches */
	struct query_node eq = { .op = Q_EQ, .lhs = { .kind = QP_FIELD, .uri = "folder:FolderClass" },
	                         .constant = "ipf.contact" };
	struct op_find_folder_result r = find_where(f, OP_TRAVERSAL_DEEP, "msgfolderroot", &eq, QE_OK);
	assert_string_equal(r.status.code, EWS_NO_ERROR);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.page.total, 1);
	assert_string_equal(r.folders[0].display_name, "Contacts");

	/* Prefixed IPF.Contact: Contacts and its seven subfolders */
	struct query_node pre = { .op = Q_CONTAINS, .lhs = { .kind = QP_FIELD, .uri = "folder:FolderClass" },
	                          .constant = "IPF.Contact", .mode = "Prefixed" };
	r = find_where(f, OP_TRAVERSAL_DEEP, "msgfolderroot", &pre, QE_OK);
	assert_int_equal(r.n, 1 + (size_t)op_folder_child_count("contacts"));

	/* TotalCount counts the contacts: Contacts holds three */
	struct query_node gt = { .op = Q_GT, .lhs = { .kind = QP_FIELD, .uri = "folder:TotalCount" }, .constant = "2" };
	r = find_where(f, OP_TRAVERSAL_DEEP, "root", &gt, QE_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.folders[0].display_name, "Contacts");

	/* PR_ATTR_HIDDEN is set on the hidden folders only: 0x10f4 = true (as
	 * evolution's decimal 4340) gives the hidden contacts subfolders, DavMail's
	 * "visible" Or(Not(Exists 0x10f4), 0x10f4 = false) every other folder */
	size_t all;
	(void)op_folder_defs(&all);
	size_t hidden = (size_t)op_folder_child_count("contacts");
	struct query_node hid = { .op = Q_EQ, .lhs = { .kind = QP_EXTENDED, .ext = { .tag = "4340", .type = "Boolean" } },
	                          .constant = "true" };
	r = find_where(f, OP_TRAVERSAL_DEEP, "root", &hid, QE_OK);
	assert_int_equal(r.n, hidden);
	struct query_node isfalse = { .op = Q_EQ, .lhs = { .kind = QP_EXTENDED, .ext = { .tag = "0x10f4", .type = "Boolean" } },
	                              .constant = "false" };
	struct query_node ex = { .op = Q_EXISTS, .lhs = { .kind = QP_EXTENDED, .ext = { .tag = "0x10f4", .type = "Boolean" } },
	                         .next = NULL };
	struct query_node no = { .op = Q_NOT, .kids = &ex, .next = &isfalse };
	struct query_node visible = { .op = Q_OR, .kids = &no };
	r = find_where(f, OP_TRAVERSAL_DEEP, "root", &visible, QE_OK);
	assert_int_equal(r.n, all - 1 - hidden);
	assert_int_equal(r.page.total, all - 1 - hidden);
	for (size_t k = 0; k < r.n; k++)
		assert_string_not_equal(r.folders[k].folder_class ? r.folders[k].folder_class : "", "IPF.Contact.GalContacts");

	/* a contact property is no folder property; an unknown URI; limits met
	 * by the transport; the request's error on every parent */
	struct query_node item = { .op = Q_EQ, .lhs = { .kind = QP_FIELD, .uri = "contacts:GivenName" }, .constant = "x" };
	r = find_where(f, OP_TRAVERSAL_SHALLOW, "root", &item, QE_OK);
	assert_string_equal(r.status.code, EWS_ERROR_UNSUPPORTED_PATH_FOR_QUERY);
	struct query_node unk = { .op = Q_EQ, .lhs = { .kind = QP_FIELD, .uri = "folder:Nope" }, .constant = "x" };
	r = find_where(f, OP_TRAVERSAL_SHALLOW, "root", &unk, QE_OK);
	assert_string_equal(r.status.code, EWS_ERROR_INVALID_PROPERTY_REQUEST);
	struct query_node bad = { .op = Q_GT, .lhs = { .kind = QP_FIELD, .uri = "folder:TotalCount" }, .constant = "many" };
	r = find_where(f, OP_TRAVERSAL_SHALLOW, "root", &bad, QE_OK);
	assert_string_equal(r.status.code, EWS_ERROR_INVALID_VALUE_FOR_PROPERTY);
	r = find_where(f, OP_TRAVERSAL_SHALLOW, "root", NULL, QE_TOO_LONG);
	assert_string_equal(r.status.code, EWS_ERROR_RESTRICTION_TOO_LONG);
	assert_int_equal(r.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_is_a_tree),
		cmocka_unit_test_setup_teardown(test_get_every_folder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_a_2019_mailbox_lacks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_traversals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_restriction, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
