/* test_photo_cache.c - ews/ops/photo_cache.h: the per-thread memory of
 * photo lookups behind conditional GetUserPhoto.  Its key (store, snapshot,
 * address, size, the HR48x48 rule) at and around every part, and through
 * op_get_user_photo(): a commit is seen by the next conditional request
 * (new ETag, the photo returned), access is checked on every request, and
 * a second store is never answered from the first one's entries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "ews/ops/ops.h"
#include "ews/ops/photo_cache.h"
#include "ews_fixture.h"
#include "token/token.h"

#define ME "alice@example.test"
#define OTHER "bob@example.test"

static int setup(void **state)
{
	struct ews_fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	ews_fx_open(f, "pcache", ME);
	ews_fx_user(f->store, ME, "Alice", NULL, NULL, NULL, 0);
	ews_fx_user(f->store, OTHER, "Bob", NULL, NULL, NULL, 0);
	op_photo_cache_clear();
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

static void result(struct op_photo_result *r, const char *etag)
{
	memset(r, 0, sizeof *r);
	snprintf(r->etag, sizeof r->etag, "%s", etag);
	r->len = 1234;
	r->width = 96;
	r->height = 64;
	r->changed = 1700000000;
	r->pick.source = PHOTO_SRC_MAILBOX;
	r->pick.size = PHOTO_HR96;
	r->pick.why = "test";
	r->content_type = "image/jpeg";
}

/* Every part of the key decides: the same key hits, one part off misses. */
static void test_key(void **state)
{
	struct ews_fx *f = *state;
	struct op_photo_result in, out;
	char addr[STORE_ADDR_MAX + 2];

	result(&in, "00112233AABBCCDD");
	op_photo_cache_put(f->store, 7, ME, PHOTO_HR96, 1, &in);
	memset(&out, 0, sizeof out);
	out.outcome = OP_PHOTO_NONE;
	assert_int_equal(op_photo_cache_get(f->store, 7, ME, PHOTO_HR96, 1, &out), 1);
	assert_string_equal(out.etag, "00112233AABBCCDD");
	assert_int_equal(out.len, 1234);
	assert_int_equal(out.width, 96);
	assert_int_equal(out.height, 64);
	assert_int_equal(out.changed, 1700000000);
	assert_int_equal(out.pick.source, PHOTO_SRC_MAILBOX);
	assert_int_equal(out.pick.size, PHOTO_HR96);
	assert_string_equal(out.content_type, "image/jpeg");
	assert_int_equal(out.outcome, OP_PHOTO_NONE);   /* left to the caller */

	assert_int_equal(op_photo_cache_get(f->store, 8, ME, PHOTO_HR96, 1, &out), 0);   /* a commit since */
	assert_int_equal(op_photo_cache_get(f->store, 6, ME, PHOTO_HR96, 1, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 0, ME, PHOTO_HR96, 1, &out), 0);   /* LMDB could not tell */
	assert_int_equal(op_photo_cache_get(f->store, 7, ME, PHOTO_HR120, 1, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 7, ME, PHOTO_HR96, 0, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 7, "Alice@example.test", PHOTO_HR96, 1, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 7, "alice@example.tes", PHOTO_HR96, 1, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 7, "alice@example.test.", PHOTO_HR96, 1, &out), 0);
	assert_int_equal(op_photo_cache_get(f->store, 7, "", PHOTO_HR96, 1, &out), 0);

	/* snapshot 0 is never remembered */
	op_photo_cache_put(f->store, 0, OTHER, PHOTO_HR96, 1, &in);
	assert_int_equal(op_photo_cache_get(f->store, 0, OTHER, PHOTO_HR96, 1, &out), 0);

	/* an address at STORE_ADDR_MAX is kept, one byte more is not */
	memset(addr, 'a', STORE_ADDR_MAX);
	addr[STORE_ADDR_MAX] = '\0';
	op_photo_cache_put(f->store, 7, addr, PHOTO_HR48, 1, &in);
	assert_int_equal(op_photo_cache_get(f->store, 7, addr, PHOTO_HR48, 1, &out), 1);
	addr[STORE_ADDR_MAX] = 'a';
	addr[STORE_ADDR_MAX + 1] = '\0';
	op_photo_cache_put(f->store, 7, addr, PHOTO_HR64, 1, &in);
	assert_int_equal(op_photo_cache_get(f->store, 7, addr, PHOTO_HR64, 1, &out), 0);

	/* every size of one address has its own entry (or evicts: never wrong) */
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		char tag[PHOTO_ETAG_LEN + 1];
		snprintf(tag, sizeof tag, "%016X", s);
		result(&in, tag);
		op_photo_cache_put(f->store, 9, OTHER, (enum photo_size)s, 1, &in);
		assert_int_equal(op_photo_cache_get(f->store, 9, OTHER, (enum photo_size)s, 1, &out), 1);
		assert_string_equal(out.etag, tag);
	}
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
		char tag[PHOTO_ETAG_LEN + 1];
		snprintf(tag, sizeof tag, "%016X", s);
		if (op_photo_cache_get(f->store, 9, OTHER, (enum photo_size)s, 1, &out))
			assert_string_equal(out.etag, tag);
	}

	op_photo_cache_clear();
	assert_int_equal(op_photo_cache_get(f->store, 7, ME, PHOTO_HR96, 1, &out), 0);
}

static void set_photo(struct ews_fx *f, const char *email, unsigned char shade)
{
	ews_fx_set_photo(f, ME, 1, email, 96, shade, EWS_NO_ERROR);
}

/* A conditional GET after a commit: the new photo, never the old ETag. */
static void test_commit_is_seen(void **state)
{
	struct ews_fx *f = *state;
	struct op_photo_result r;
	char e1[PHOTO_ETAG_LEN + 3], e2[PHOTO_ETAG_LEN + 3];

	set_photo(f, ME, 10);
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, NULL, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	snprintf(e1, sizeof e1, "\"%s\"", r.etag);
	/* twice: the first fills the cache, the second is answered from it */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e1, &r), EMU_OK);
		assert_int_equal(r.outcome, OP_PHOTO_UNCHANGED);
		assert_int_equal(r.status.cls, EWS_SUCCESS);
		assert_string_equal(r.content_type, "image/jpeg");
		assert_null(r.data);
	}
	/* another ETag than the remembered one: the photo */
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, "\"0000000000000000\"", &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_non_null(r.data);

	set_photo(f, ME, 200);   /* a commit */
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e1, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
	assert_non_null(r.data);
	snprintf(e2, sizeof e2, "\"%s\"", r.etag);
	assert_string_not_equal(e1, e2);
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e2, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_UNCHANGED);

	/* removed: no photo, whatever ETag the client holds */
	struct ews_status st;
	assert_int_equal(op_remove_user_photo(&f->ctx, ME, &st), EMU_OK);
	assert_string_equal(st.code, EWS_NO_ERROR);
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e2, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_NONE);
}

/* Access is decided per request: a caller who may not read the photo is
 * refused although a permitted caller's lookup is remembered. */
static void test_access_not_cached(void **state)
{
	struct ews_fx *f = *state;
	struct ews_ctx ctx = f->ctx;
	struct caller who;
	struct op_photo_result r;
	char e[PHOTO_ETAG_LEN + 3];

	set_photo(f, OTHER, 50);
	assert_int_equal(op_get_user_photo(&f->ctx, OTHER, PHOTO_HR96, NULL, &r), EMU_OK);
	snprintf(e, sizeof e, "\"%s\"", r.etag);
	assert_int_equal(op_get_user_photo(&f->ctx, OTHER, PHOTO_HR96, e, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_UNCHANGED);

	ctx.caller = &who;
	assert_int_equal(caller_set_bearer(&who, ME, TOKEN_SCOPE_USER_READ), EMU_OK);   /* own photo only */
	assert_int_equal(op_get_user_photo(&ctx, OTHER, PHOTO_HR96, e, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_DENIED);
	assert_string_equal(r.status.code, EWS_ERROR_ACCESS_DENIED);
	ctx.caller = NULL;
	assert_int_equal(op_get_user_photo(&ctx, OTHER, PHOTO_HR96, e, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_DENIED);
}

/* A second store (possibly at the first one's address, with the same
 * transaction ids) is not answered from the first one's entries. */
static void test_other_store(void **state)
{
	struct ews_fx *f = *state;
	struct op_photo_result r;
	char e[PHOTO_ETAG_LEN + 3];

	set_photo(f, ME, 10);
	uint64_t txnid = store_last_txnid(f->store);
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, NULL, &r), EMU_OK);
	snprintf(e, sizeof e, "\"%s\"", r.etag);
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_UNCHANGED);
	uint64_t serial = store_serial(f->store);

	ews_fx_close(f);
	ews_fx_open(f, "pcache2", ME);
	assert_int_not_equal(store_serial(f->store), serial);
	ews_fx_user(f->store, ME, "Alice", NULL, NULL, NULL, 0);
	ews_fx_user(f->store, OTHER, "Bob", NULL, NULL, NULL, 0);
	set_photo(f, ME, 99);
	assert_int_equal(store_last_txnid(f->store), txnid);   /* the same history, other bytes */
	assert_int_equal(op_get_user_photo(&f->ctx, ME, PHOTO_HR96, e, &r), EMU_OK);
	assert_int_equal(r.outcome, OP_PHOTO_RETURNED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_is_seen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_not_cached, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_store, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
