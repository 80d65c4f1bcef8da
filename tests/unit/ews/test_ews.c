/* test_ews.c - the EWS operations through ops.h, on a real store:
 * GetUserPhoto outcomes and ETag rules, SetUserPhoto access and
 * validation, Remove-UserPhoto, ConvertId and the id codec. */
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

static int setup(void **state)
{
	struct ews_fx *f = calloc(1, sizeof *f);
	ews_fx_open(f, "ews", "alice@example.test");
	ews_fx_user(f->store, "alice@example.test", NULL, NULL, NULL, NULL, 0);
	ews_fx_user(f->store, "bob@example.test", NULL, NULL, NULL, NULL, 0);
	ews_fx_user(f->store, "root@example.test", NULL, NULL, NULL, NULL, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	ews_fx_close(*state);
	free(*state);
	return 0;
}

static void set_photo(struct ews_fx *f, const char *as, int admin, const char *email, int size,
                      const char *want_code)
{
	ews_fx_set_photo(f, as, admin, email, size, 40, want_code);
}

static void test_get_photo_outcomes(void **state)
{
	struct ews_fx *f = *state;
	struct op_photo_result r;

	/* unknown address: ErrorNonExistentMailbox */
	assert_int_equal(op_get_user_photo(&f->ctx, "nobody@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_NO_MAILBOX);
	assert_string_equal(r.status.code, EWS_ERROR_NON_EXISTENT_MAILBOX);
	/* mailbox without photo: NONE, still Success */
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_NONE);
	assert_string_equal(r.status.code, EWS_NO_ERROR);

	set_photo(f, "bob@example.test", 0, "bob@example.test", 240, EWS_NO_ERROR);
	assert_int_equal(op_get_user_photo(&f->ctx, "BOB@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_int_equal(r.width, 96);
	assert_non_null(r.data);
	assert_int_equal(r.data[0], 0xFF);
	assert_string_equal(r.content_type, "image/jpeg");
	char etag[PHOTO_ETAG_LEN + 1];
	memcpy(etag, r.etag, sizeof etag);
	/* largest available for a size above the upload */
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR648, NULL, &r), EMU_OK);
	assert_int_equal(r.width, 240);
	/* If-None-Match: unchanged, without a copy of the bytes */
	char inm[PHOTO_ETAG_LEN + 3];
	snprintf(inm, sizeof inm, "\"%s\"", etag);
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, inm, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_UNCHANGED);
	assert_null(r.data);
	assert_string_equal(r.etag, etag);
	/* a new photo changes the ETag: the old one no longer matches */
	set_photo(f, "bob@example.test", 0, "bob@example.test", 120, EWS_NO_ERROR);
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, inm, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_string_not_equal(r.etag, etag);
}

static void test_set_photo_rules(void **state)
{
	struct ews_fx *f = *state;
	struct ews_status st;
	struct op_photo_result r;
	int why;

	/* another user's photo: denied; an admin may */
	set_photo(f, "alice@example.test", 0, "bob@example.test", 96, EWS_ERROR_ACCESS_DENIED);
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_NONE);
	set_photo(f, "root@example.test", 1, "bob@example.test", 96, EWS_NO_ERROR);
	set_photo(f, "alice@example.test", 0, "ghost@example.test", 96, EWS_ERROR_NON_EXISTENT_MAILBOX);

	/* a bad upload keeps the old photo */
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	char etag[PHOTO_ETAG_LEN + 1];
	memcpy(etag, r.etag, sizeof etag);
	struct ews_ctx ctx = f->ctx;
	struct caller bob;
	ctx.caller = ews_fx_as(&bob, "bob@example.test", 0);
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
	assert_int_equal(op_set_user_photo(&ctx, "bob@example.test", png, sizeof png, &st, &why), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_INVALID_ARGUMENT);
	assert_int_equal(why, EMU_EFORMAT);
	assert_int_equal(op_set_user_photo(&ctx, "bob@example.test", "", 0, &st, &why), EMU_OK);
	assert_int_equal(st.cls, EWS_ERROR);
	assert_int_equal(op_get_user_photo(&f->ctx, "bob@example.test", PHOTO_HR96, NULL, &r), EMU_OK);
	assert_string_equal(r.etag, etag);
}

static void test_remove_photo(void **state)
{
	struct ews_fx *f = *state;
	struct ews_status st;
	struct op_photo_result r;
	size_t len;
	unsigned char *thumb = ews_fx_jpeg(96, 72, 90, &len);
	store_txn_t *t;

	set_photo(f, "alice@example.test", 0, "alice@example.test", 648, EWS_NO_ERROR);
	assert_int_equal(store_txn_begin(f->store, 1, &t), EMU_OK);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", thumb, len, 96, 72), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	free(thumb);
	/* spec §6.2 step 3: HR48x48 prefers the thumbnail, unless turned off */
	assert_int_equal(op_get_user_photo(&f->ctx, "alice@example.test", PHOTO_HR48, NULL, &r), EMU_OK);
	assert_int_equal(r.pick.source, PHOTO_SRC_THUMBNAIL);
	assert_int_equal(r.width, 96);
	assert_int_equal(r.height, 72);
	f->cfg.hr48_prefers_thumbnail = 0;
	assert_int_equal(op_get_user_photo(&f->ctx, "alice@example.test", PHOTO_HR48, NULL, &r), EMU_OK);
	assert_int_equal(r.pick.source, PHOTO_SRC_MAILBOX);
	assert_int_equal(r.width, 48);
	f->cfg.hr48_prefers_thumbnail = 1;

	/* Remove-UserPhoto: no fallback to the thumbnail for any size */
	struct ews_ctx other = f->ctx;
	struct caller bob;
	other.caller = ews_fx_as(&bob, "bob@example.test", 0);
	assert_int_equal(op_remove_user_photo(&other, "alice@example.test", &st), EMU_OK);
	assert_string_equal(st.code, EWS_ERROR_ACCESS_DENIED);
	assert_int_equal(op_remove_user_photo(&f->ctx, "alice@example.test", &st), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		assert_int_equal(op_get_user_photo(&f->ctx, "alice@example.test", (enum photo_size)s, NULL, &r), EMU_OK);
		assert_int_equal(r.outcome, OP_PHOTO_NONE);
	}
	/* clearing the record brings the thumbnail back */
	assert_int_equal(store_txn_begin(f->store, 1, &t), EMU_OK);
	assert_int_equal(store_photo_clear_record(t, "alice@example.test"), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(op_get_user_photo(&f->ctx, "alice@example.test", PHOTO_HR240, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_int_equal(r.pick.source, PHOTO_SRC_THUMBNAIL);
}

static void test_ids_and_convert(void **state)
{
	struct ews_fx *f = *state;
	struct ews_id id = { .kind = EWS_ID_ITEM }, back;
	snprintf(id.mailbox, sizeof id.mailbox, "alice@example.test");
	snprintf(id.local, sizeof id.local, "0123456789abcdef");
	for (int fmt = 0; fmt < EWS_FMT_COUNT; fmt++) {
		char *text = ews_id_encode(f->ctx.arena, &id, (enum ews_id_format)fmt);
		assert_non_null(text);
		assert_int_equal(ews_id_decode(text, (enum ews_id_format)fmt, &back), EMU_OK);
		assert_string_equal(back.mailbox, id.mailbox);
		assert_string_equal(back.local, id.local);
		assert_int_equal(back.kind, id.kind);
	}
	assert_int_equal(ews_id_decode("DUMMY", EWS_FMT_EWS_ID, &back), EMU_EINVAL);
	assert_int_equal(ews_id_decode("", EWS_FMT_EWS_ID, &back), EMU_EINVAL);
	assert_int_equal(ews_id_decode("ZZ", EWS_FMT_HEX_ENTRY_ID, &back), EMU_EINVAL);

	/* spec §9: an EwsId is converted by its own mailbox, whatever Mailbox says;
	 * an EntryId in the request's Mailbox, which must own it */
	struct ews_id folder = { .kind = EWS_ID_FOLDER }, bobs = { .kind = EWS_ID_FOLDER };
	snprintf(folder.mailbox, sizeof folder.mailbox, "alice@example.test");
	snprintf(folder.local, sizeof folder.local, "contacts");
	bobs = folder;
	snprintf(bobs.mailbox, sizeof bobs.mailbox, "bob@example.test");
	char *ews = ews_id_encode(f->ctx.arena, &folder, EWS_FMT_EWS_ID);
	char *entry = ews_id_encode(f->ctx.arena, &folder, EWS_FMT_ENTRY_ID);
	struct op_alt_id in[10] = {
		{ "EwsId", ews, NULL },
		{ "EwsId", "DUMMY", "DUMMY" },
		{ "EwsId", "", NULL },
		{ "EwsId", ews, "blah@blah.com" },
		{ "EwsId", ews_id_encode(f->ctx.arena, &id, EWS_FMT_EWS_ID), "alice@example.test" },
		{ "EwsId", ews_id_encode(f->ctx.arena, &bobs, EWS_FMT_EWS_ID), "alice@example.test" },
		{ "EntryId", entry, "ALICE@example.test" },
		{ "EntryId", entry, "bob@example.test" },
		{ "EntryId", entry, "nobody@example.test" },
		{ "EntryId", entry, NULL },
	};
	struct op_convert_result out[10];
	assert_int_equal(ews_id_format_has_mailbox(EWS_FMT_EWS_ID), 1);
	assert_int_equal(ews_id_format_has_mailbox(EWS_FMT_ENTRY_ID), 0);
	assert_int_equal(ews_id_format_has_mailbox(EWS_FMT_COUNT), 0);
	assert_int_equal(op_convert_id(&f->ctx, "HexEntryId", in, 10, out), EMU_OK);
	assert_string_equal(out[0].status.code, EWS_NO_ERROR);
	assert_string_equal(out[0].id.format, "HexEntryId");
	assert_string_equal(out[0].id.mailbox, "alice@example.test");
	assert_int_equal(ews_id_decode(out[0].id.id, EWS_FMT_HEX_ENTRY_ID, &back), EMU_OK);
	assert_string_equal(back.local, "contacts");
	assert_string_equal(out[1].status.code, EWS_ERROR_INVALID_ID_MALFORMED);
	assert_string_equal(out[2].status.code, EWS_ERROR_INVALID_ID_EMPTY);
	assert_string_equal(out[3].status.code, EWS_NO_ERROR);
	assert_string_equal(out[3].id.mailbox, "alice@example.test");
	assert_string_equal(out[4].status.code, EWS_ERROR_ITEM_NOT_FOUND);   /* no such contact */
	assert_string_equal(out[5].status.code, EWS_ERROR_ACCESS_DENIED);
	assert_string_equal(out[6].status.code, EWS_NO_ERROR);
	assert_string_equal(out[6].id.mailbox, "alice@example.test");
	assert_string_equal(out[7].status.code, EWS_ERROR_ACCESS_DENIED);
	assert_string_equal(out[8].status.code, EWS_ERROR_NON_EXISTENT_MAILBOX);
	assert_string_equal(out[9].status.code, EWS_ERROR_INVALID_SMTP_ADDRESS);
	assert_int_equal(op_convert_id(&f->ctx, "Nonsense", in, 1, out), EMU_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get_photo_outcomes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_photo_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_photo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_and_convert, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
