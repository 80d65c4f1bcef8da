/* test_items.c - GetFolder, GetItem and GetAttachment through ops.h on a
 * real store (src/ews/ops/folders.c, items.c, request_ids.c): every outcome
 * code, batch order, shapes, stale and replaced pictures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "core/arena.h"
#include "core/result.h"
#include "ews/ids.h"
#include "ews/ops/ops.h"
#include "ews_fixture.h"

#define P OP_PROP
#define ALICE "alice@example.test"
#define BOB "bob@example.test"

struct fx {
	struct ews_fx b;                     /* store, ctx, arena */
	char with_photo[STORE_ID_MAX + 1];   /* alice's contacts */
	char without_photo[STORE_ID_MAX + 1];
	char bobs[STORE_ID_MAX + 1];         /* bob's contact */
	unsigned char *jpeg;
	size_t jpeg_len;
};

static void add_user(store_t *s, const char *email, const char *proxy)
{
	ews_fx_user(s, email, NULL, NULL, NULL, proxy, 0);
}

static void add_contact(struct fx *f, const char *owner, const char *name, int photo, char *id_out)
{
	struct contact_record c;
	store_txn_t *t;
	memset(&c, 0, sizeof c);
	snprintf(c.display_name, sizeof c.display_name, "%s", name);
	snprintf(c.email, sizeof c.email, "%s@contacts.test", name);
	c.photo.width = c.photo.height = 64;
	assert_int_equal(store_txn_begin(f->b.store, 1, &t), EMU_OK);
	assert_int_equal(store_contact_add(t, owner, &c, photo ? f->jpeg : NULL, photo ? f->jpeg_len : 0), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	strcpy(id_out, c.id);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	ews_fx_open(&f->b, "items", ALICE);
	add_user(f->b.store, ALICE, "al@example.test");
	add_user(f->b.store, BOB, NULL);
	f->jpeg = ews_fx_jpeg(64, 64, 40, &f->jpeg_len);
	add_contact(f, ALICE, "withphoto", 1, f->with_photo);
	add_contact(f, ALICE, "nophoto", 0, f->without_photo);
	add_contact(f, BOB, "bobs", 1, f->bobs);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ews_fx_close(&f->b);
	free(f->jpeg);
	free(f);
	return 0;
}

static char *id_of(struct fx *f, enum ews_id_kind kind, const char *mailbox, const char *local)
{
	char *s = ews_id_text(f->b.ctx.arena, kind, mailbox, local);
	assert_non_null(s);
	return s;
}

/* ---- GetFolder -------------------------------------------------------------------- */

static void test_folders_distinguished(void **state)
{
	struct fx *f = *state;
	struct op_folder_ref refs[] = {
		{ NULL, "root", NULL }, { NULL, "msgfolderroot", NULL }, { NULL, "contacts", NULL },
		{ NULL, "archiveinbox", NULL }, { NULL, "contacts", "AL@example.test" }, { NULL, "contacts", BOB },
		{ NULL, "contacts", "nobody@example.test" }, { NULL, "voicemail", NULL },
	};
	struct op_folder_result out[8], again[8];
	size_t n = sizeof refs / sizeof *refs;

	assert_int_equal(op_get_folder(&f->b.ctx, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs, n, out), EMU_OK);
	const struct op_folder *root = &out[0].folder, *top = &out[1].folder, *con = &out[2].folder;
	for (int i = 0; i < 3; i++)
		assert_string_equal(out[i].status.code, EWS_NO_ERROR);
	/* the tree: root <- msgfolderroot <- contacts */
	assert_false(root->props & OP_FPROP_PARENT);
	assert_string_equal(top->parent_id, root->id);
	assert_string_equal(con->parent_id, top->id);
	assert_false(root->is_contacts || top->is_contacts);
	assert_true(con->is_contacts);
	assert_false(root->props & OP_FPROP_CLASS);
	assert_false(top->props & OP_FPROP_CLASS);      /* mailbox-ops §1.2: none */
	assert_string_equal(con->folder_class, "IPF.Contact");
	assert_string_equal(root->display_name, "");
	assert_string_equal(top->display_name, "Top of Information Store");
	assert_string_equal(con->display_name, "Contacts");
	assert_int_equal(con->total_count, 2);
	assert_int_equal(root->child_folder_count, 20);
	assert_int_equal(top->child_folder_count, 15);
	assert_int_equal(con->child_folder_count, 7);     /* the hidden system subfolders */
	assert_false(con->props & OP_FPROP_UNREAD);     /* t:ContactsFolder has no UnreadCount */
	assert_true(root->props & OP_FPROP_UNREAD);
	assert_true(con->props & OP_FPROP_RIGHTS);
	assert_string_equal(out[3].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
	/* a Mailbox naming the caller by a proxy is the caller's own */
	assert_string_equal(out[4].status.code, EWS_NO_ERROR);
	assert_string_equal(out[4].folder.id, con->id);
	assert_string_equal(out[5].status.code, EWS_ERROR_ACCESS_DENIED);
	assert_non_null(out[5].status.text);
	assert_string_equal(out[6].status.code, EWS_ERROR_NON_EXISTENT_MAILBOX);
	assert_string_equal(out[7].status.code, EWS_ERROR_FOLDER_NOT_FOUND);

	/* stable ids, usable as FolderIds */
	assert_int_equal(op_get_folder(&f->b.ctx, EWS_SHAPE_ID_ONLY, NULL, 0, NULL, 0, refs, 3, again), EMU_OK);
	for (int i = 0; i < 3; i++) {
		assert_string_equal(again[i].folder.id, out[i].folder.id);
		assert_string_equal(again[i].folder.change_key, out[i].folder.change_key);
		assert_true(again[i].folder.props == OP_FPROP_ID);
	}
	struct op_folder_ref by_id[] = { { con->id, NULL, NULL }, { root->id, NULL, NULL } };
	assert_int_equal(op_get_folder(&f->b.ctx, EWS_SHAPE_DEFAULT, NULL, 0, NULL, 0, by_id, 2, again), EMU_OK);
	assert_string_equal(again[0].status.code, EWS_NO_ERROR);
	assert_true(again[0].folder.is_contacts);
	assert_true(again[0].folder.props == (OP_FPROP_ID | OP_FPROP_DISPLAY_NAME | OP_FPROP_TOTAL | OP_FPROP_CHILDREN));
	assert_string_equal(again[1].status.code, EWS_NO_ERROR);
	assert_true(again[1].folder.props & OP_FPROP_UNREAD);
}

static void test_folders_shape_and_errors(void **state)
{
	struct fx *f = *state;
	const char *extra[] = { "folder:FolderClass", "folder:ParentFolderId", "folder:PermissionSet",
	                        "item:Subject", NULL, "folder:Nonsense" };
	struct op_folder_ref one[] = { { NULL, "contacts", NULL } };
	struct op_folder_result out[8];

	assert_int_equal(op_get_folder(&f->b.ctx, EWS_SHAPE_ID_ONLY, extra, 6, NULL, 0, one, 1, out), EMU_OK);
	assert_true(out[0].folder.props == (OP_FPROP_ID | OP_FPROP_CLASS | OP_FPROP_PARENT));

	struct op_folder_ref bad[] = {
		{ "", NULL, NULL },
		{ "not an id", NULL, NULL },
		{ id_of(f, EWS_ID_ITEM, ALICE, f->with_photo), NULL, NULL },
		{ id_of(f, EWS_ID_FOLDER, BOB, "contacts"), NULL, NULL },
		{ id_of(f, EWS_ID_FOLDER, ALICE, "archiveinbox"), NULL, NULL },
		{ id_of(f, EWS_ID_FOLDER, "gone@example.test", "contacts"), NULL, NULL },
		{ NULL, NULL, NULL },
	};
	assert_int_equal(op_get_folder(&f->b.ctx, EWS_SHAPE_DEFAULT, NULL, 0, NULL, 0, bad, 7, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_ERROR_INVALID_ID_EMPTY);
	assert_string_equal(out[1].status.code, EWS_ERROR_INVALID_ID_MALFORMED);
	assert_string_equal(out[2].status.code, EWS_ERROR_INVALID_ID_MALFORMED);
	assert_string_equal(out[3].status.code, EWS_ERROR_ACCESS_DENIED);
	assert_string_equal(out[4].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
	assert_string_equal(out[5].status.code, EWS_ERROR_ACCESS_DENIED);   /* not the caller's */
	assert_string_equal(out[6].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
	for (int i = 0; i < 7; i++)
		assert_int_equal(out[i].status.cls, EWS_ERROR);

	/* anonymous (--anonymous demo): any mailbox, but one must be named */
	struct ews_ctx anon = f->b.ctx;
	struct caller nobody;
	anon.caller = ews_fx_as(&nobody, NULL, 0);
	struct op_folder_ref refs[] = { { NULL, "contacts", NULL }, { NULL, "contacts", BOB },
	                                { id_of(f, EWS_ID_FOLDER, ALICE, "contacts"), NULL, NULL },
	                                { id_of(f, EWS_ID_FOLDER, "gone@example.test", "contacts"), NULL, NULL } };
	assert_int_equal(op_get_folder(&anon, EWS_SHAPE_ALL, NULL, 0, NULL, 0, refs, 4, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
	assert_string_equal(out[1].status.code, EWS_NO_ERROR);
	assert_int_equal(out[1].folder.total_count, 1);
	assert_string_equal(out[2].status.code, EWS_NO_ERROR);
	assert_int_equal(out[2].folder.total_count, 2);
	assert_string_equal(out[3].status.code, EWS_ERROR_FOLDER_NOT_FOUND);
}

/* ---- GetItem ------------------------------------------------------------------------ */

static void test_get_item_shapes(void **state)
{
	struct fx *f = *state;
	const char *ids[2] = { id_of(f, EWS_ID_ITEM, ALICE, f->with_photo),
	                       id_of(f, EWS_ID_ITEM, ALICE, f->without_photo) };
	struct op_item_result out[2];

	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ID_ONLY, 0, NULL, 0, ids, NULL, 2, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_NO_ERROR);
	assert_true(out[0].contact.props == P(P_ITEM_ID));
	assert_string_equal(out[0].contact.item_id, ids[0]);

	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ID_ONLY, P(P_HAS_PICTURE) | P(P_ATTACHMENTS), NULL, 0, ids, NULL, 2,
	                             out), EMU_OK);
	assert_true(out[0].contact.props == (P(P_ITEM_ID) | P(P_HAS_PICTURE) | P(P_ATTACHMENTS)));
	assert_true(out[0].contact.has_picture);
	assert_int_equal(out[0].contact.attachment.size, f->jpeg_len);
	/* no picture: HasPicture false, no Attachments */
	assert_true(out[1].contact.props == (P(P_ITEM_ID) | P(P_HAS_PICTURE)));
	assert_false(out[1].contact.has_picture);

	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_DEFAULT, 0, NULL, 0, ids, NULL, 1, out), EMU_OK);
	assert_true(out[0].contact.props == (P(P_ITEM_ID) | P(P_HAS_ATTACHMENTS) | P(P_FILE_AS) |
	                                     P(P_COMPLETE_NAME) | P(P_EMAIL_ADDRESSES)));
	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ALL, 0, NULL, 0, ids, NULL, 1, out), EMU_OK);
	assert_true(out[0].contact.props & P(P_ATTACHMENTS));
	assert_true(out[0].contact.props & P(P_PARENT_FOLDER_ID));
	assert_false(out[0].contact.props & P(P_BIRTHDAY));
}

static void test_get_item_errors(void **state)
{
	struct fx *f = *state;
	char *good = id_of(f, EWS_ID_ITEM, ALICE, f->with_photo);
	char *stale_ck = ews_change_key(f->b.ctx.arena, EWS_ID_ITEM, 99);
	char *big = calloc(1, 4096);
	memset(big, 'A', 4095);
	const char *ids[] = {
		good,                                              /* 0 ok */
		"",                                                /* 1 empty */
		"AAMkAGI2TG93AAA=",                                /* 2 Exchange's, not ours */
		id_of(f, EWS_ID_FOLDER, ALICE, "contacts"),        /* 3 folder id */
		id_of(f, EWS_ID_ITEM, BOB, f->bobs),               /* 4 another user's */
		id_of(f, EWS_ID_ITEM, ALICE, "0000"),              /* 5 no such contact */
		id_of(f, EWS_ID_ITEM, "gone@example.test", "x"),   /* 6 no such mailbox */
		good,                                              /* 7 bad ChangeKey */
		good,                                              /* 8 stale ChangeKey: fine */
		NULL,                                              /* 9 no Id */
		big,                                               /* 10 absurdly long */
		id_of(f, EWS_ID_ATTACHMENT, ALICE, "a.b"),         /* 11 attachment id */
	};
	const char *cks[] = { NULL, NULL, NULL, NULL, NULL, NULL, NULL, "not-a-changekey", stale_ck, NULL, NULL, NULL };
	const char *want[] = {
		EWS_NO_ERROR, EWS_ERROR_INVALID_ID_EMPTY, EWS_ERROR_INVALID_ID_MALFORMED,
		EWS_ERROR_FOLDER_ID_FOR_ITEM_ID, EWS_ERROR_ACCESS_DENIED, EWS_ERROR_ITEM_NOT_FOUND,
		EWS_ERROR_ACCESS_DENIED, EWS_ERROR_INVALID_CHANGE_KEY, EWS_NO_ERROR, EWS_ERROR_INVALID_ID_EMPTY,
		EWS_ERROR_INVALID_ID_MALFORMED, EWS_ERROR_INVALID_ID_MALFORMED,
	};
	size_t n = sizeof ids / sizeof *ids;
	struct op_item_result out[12];

	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ALL, 0, NULL, 0, ids, cks, n, out), EMU_OK);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(out[i].status.code, want[i]);
		if (strcmp(want[i], EWS_NO_ERROR) != 0) {
			assert_int_equal(out[i].status.cls, EWS_ERROR);
			assert_non_null(out[i].status.text);
		}
	}
	assert_string_equal(out[5].status.text, "The specified object was not found in the store.");
	assert_string_equal(out[2].status.text, "Id is malformed.");

	/* anonymous mode reads any mailbox; a missing mailbox is a missing item */
	struct ews_ctx anon = f->b.ctx;
	struct caller nobody;
	anon.caller = ews_fx_as(&nobody, NULL, 0);
	assert_int_equal(op_get_item(&anon, EWS_SHAPE_DEFAULT, 0, NULL, 0, ids + 4, NULL, 3, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_NO_ERROR);
	assert_string_equal(out[1].status.code, EWS_ERROR_ITEM_NOT_FOUND);
	assert_string_equal(out[2].status.code, EWS_ERROR_ITEM_NOT_FOUND);
	free(big);
}

static void test_change_key_follows_changes(void **state)
{
	struct fx *f = *state;
	const char *ids[1] = { id_of(f, EWS_ID_ITEM, ALICE, f->without_photo) };
	struct op_item_result out[1];
	struct contact_record c;
	store_txn_t *t;

	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ID_ONLY, 0, NULL, 0, ids, NULL, 1, out), EMU_OK);
	char *before = strdup(out[0].contact.change_key);
	assert_int_equal(store_txn_begin(f->b.store, 1, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, ALICE, f->without_photo, &c), EMU_OK);
	snprintf(c.company, sizeof c.company, "New Co");
	assert_int_equal(store_contact_update(t, ALICE, &c), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ID_ONLY, 0, NULL, 0, ids, NULL, 1, out), EMU_OK);
	assert_string_equal(out[0].contact.item_id, ids[0]);          /* same item */
	assert_string_not_equal(out[0].contact.change_key, before);   /* new version */
	free(before);
}

/* ---- GetAttachment ------------------------------------------------------------------ */

static const char *attachment_id(struct fx *f, const char *contact)
{
	const char *ids[1] = { id_of(f, EWS_ID_ITEM, ALICE, contact) };
	struct op_item_result out[1];
	assert_int_equal(op_get_item(&f->b.ctx, EWS_SHAPE_ID_ONLY, P(P_ATTACHMENTS), NULL, 0, ids, NULL, 1, out), EMU_OK);
	assert_int_equal(out[0].contact.n_attachments, 1);
	return out[0].contact.attachment.id;
}

static void test_get_attachment(void **state)
{
	struct fx *f = *state;
	const char *att = attachment_id(f, f->with_photo);
	struct op_attachment_result out[3];
	const char *ids[3] = { att, att, "" };

	assert_int_equal(op_get_attachment(&f->b.ctx, ids, 3, out), EMU_OK);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(out[i].status.code, EWS_NO_ERROR);
		assert_string_equal(out[i].att.id, att);
		assert_string_equal(out[i].att.name, "ContactPicture.jpg");
		assert_string_equal(out[i].att.content_type, "image/jpeg");
		assert_true(out[i].att.is_contact_photo);
		assert_false(out[i].att.is_inline);
		assert_int_equal(out[i].att.size, f->jpeg_len);
		assert_int_equal(out[i].att.content_len, f->jpeg_len);
		assert_memory_equal(out[i].att.content, f->jpeg, f->jpeg_len);
	}
	assert_string_equal(out[2].status.code, EWS_ERROR_INVALID_ID_EMPTY);
}

static void test_get_attachment_errors(void **state)
{
	struct fx *f = *state;
	const char *att = attachment_id(f, f->with_photo);
	char bob_local[STORE_ID_MAX + 1];
	struct op_attachment_result out[8];
	store_txn_t *t;

	assert_int_equal(ews_attachment_local(bob_local, f->bobs, "0123456789ABCDEF"), EMU_OK);
	const char *ids[] = {
		"garbage",
		id_of(f, EWS_ID_ITEM, ALICE, f->with_photo),                 /* an item id */
		id_of(f, EWS_ID_ATTACHMENT, ALICE, f->with_photo),           /* no part */
		id_of(f, EWS_ID_ATTACHMENT, BOB, bob_local),                 /* another user's */
		id_of(f, EWS_ID_ATTACHMENT, ALICE, "0000.0123456789ABCDEF"), /* no such contact */
		id_of(f, EWS_ID_ATTACHMENT, ALICE, "x.y"),
	};
	const char *want[] = { EWS_ERROR_INVALID_ID_MALFORMED, EWS_ERROR_INVALID_ID_MALFORMED,
	                       EWS_ERROR_INVALID_ID_MALFORMED, EWS_ERROR_ACCESS_DENIED,
	                       EWS_ERROR_ITEM_NOT_FOUND, EWS_ERROR_ITEM_NOT_FOUND };
	assert_int_equal(op_get_attachment(&f->b.ctx, ids, 6, out), EMU_OK);
	for (int i = 0; i < 6; i++) {
		assert_string_equal(out[i].status.code, want[i]);
		assert_non_null(out[i].status.text);
	}

	/* a replaced picture: new id, the old one is gone */
	size_t len;
	unsigned char *other = ews_fx_jpeg(80, 80, 120, &len);
	assert_int_equal(store_txn_begin(f->b.store, 1, &t), EMU_OK);
	assert_int_equal(store_contact_set_photo(t, ALICE, f->with_photo, other, len, 80, 80), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	const char *att2 = attachment_id(f, f->with_photo);
	assert_string_not_equal(att, att2);
	const char *ids2[] = { att, att2 };
	assert_int_equal(op_get_attachment(&f->b.ctx, ids2, 2, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_ERROR_INVALID_ATTACHMENT_ID);
	assert_string_equal(out[0].status.text, "The attachment could not be found.");
	assert_string_equal(out[1].status.code, EWS_NO_ERROR);
	assert_int_equal(out[1].att.content_len, len);
	assert_memory_equal(out[1].att.content, other, len);
	free(other);

	/* a removed picture; then a removed contact */
	assert_int_equal(store_txn_begin(f->b.store, 1, &t), EMU_OK);
	assert_int_equal(store_contact_set_photo(t, ALICE, f->with_photo, NULL, 0, 0, 0), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(op_get_attachment(&f->b.ctx, ids2 + 1, 1, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_ERROR_INVALID_ATTACHMENT_ID);
	assert_int_equal(store_txn_begin(f->b.store, 1, &t), EMU_OK);
	assert_int_equal(store_contact_remove(t, ALICE, f->with_photo), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(op_get_attachment(&f->b.ctx, ids2 + 1, 1, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_ERROR_ITEM_NOT_FOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_folders_distinguished, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folders_shape_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_item_shapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_item_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_key_follows_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_attachment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_get_attachment_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
