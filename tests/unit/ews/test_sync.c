/* test_sync.c - SyncFolderItems through ops.h on a real store
 * (src/ews/ops/sync.c): the retained-log limit of a state (at the limit it
 * still works, one entry beyond it is ErrorInvalidSyncStateData), and a first
 * sync paged while the folder changes: every contact the folder ends with
 * is created exactly once and nothing removed stays. */
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

#define ALICE "alice@example.test"

static void add(store_t *s, const char *name, char *id_out)
{
	struct contact_record c;
	store_txn_t *t;
	memset(&c, 0, sizeof c);
	snprintf(c.display_name, sizeof c.display_name, "%s", name);
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_add(t, ALICE, &c, NULL, 0), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	if (id_out)
		strcpy(id_out, c.id);
}

static void update(store_t *s, const char *id, int times)
{
	struct contact_record c;
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, ALICE, id, &c), EMU_OK);
	for (int i = 0; i < times; i++)
		assert_int_equal(store_contact_update(t, ALICE, &c), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

static void removed(store_t *s, const char *id)
{
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_remove(t, ALICE, id), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

static int sync(struct ews_fx *f, const char *state, int max, struct op_sync_items_result *out)
{
	struct op_sync_items_req req;
	memset(&req, 0, sizeof req);
	req.shape = EWS_SHAPE_ID_ONLY;
	req.folder.distinguished = "contacts";
	req.sync_state = state;
	req.max_changes = max;
	assert_int_equal(op_sync_folder_items(&f->ctx, &req, out), EMU_OK);
	return out->status.cls == EWS_SUCCESS;
}

static const char *local_of(const struct op_item_change *c)
{
	static struct ews_id id;
	assert_int_equal(ews_id_decode(c->contact.item_id, EWS_FMT_EWS_ID, &id), EMU_OK);
	return id.local;
}

static void test_retained_log_limit(void **state)
{
	struct ews_fx f;
	struct op_sync_items_result r;
	char id[STORE_ID_MAX + 1];
	const char *st;
	(void)state;

	ews_fx_open(&f, "sync-keep", ALICE);
	ews_fx_user(f.store, ALICE, NULL, NULL, NULL, NULL, 0);
	add(f.store, "a", id);                                /* entry 1 */
	assert_true(sync(&f, NULL, 512, &r));
	assert_int_equal(r.n, 1);
	st = r.sync_state;                                    /* knows entries up to 1 */
	/* entries 2..KEEP+1: all retained (the oldest, 1, is dropped) */
	update(f.store, id, STORE_CHANGES_KEEP);
	assert_true(sync(&f, st, 512, &r));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.changes[0].kind, OP_CHANGE_UPDATE);
	assert_true(r.includes_last);
	/* one more: entry 2 is gone, the state can no longer be caught up */
	update(f.store, id, 1);
	assert_false(sync(&f, st, 512, &r));
	assert_string_equal(r.status.code, "ErrorInvalidSyncStateData");
	assert_string_equal(r.sync_state, "");
	assert_int_equal(r.n, 0);
	/* a client that starts again gets the folder */
	assert_true(sync(&f, NULL, 512, &r));
	assert_int_equal(r.n, 1);
	assert_int_equal(r.changes[0].kind, OP_CHANGE_CREATE);
	ews_fx_close(&f);
}

/* The client's picture of the folder after applying changes. */
struct picture { char ids[16][STORE_ID_MAX + 1]; int n, creates[16]; };

static void apply(struct picture *p, const struct op_sync_items_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const char *id = local_of(&r->changes[i]);
		int k = 0;
		while (k < p->n && strcmp(p->ids[k], id))
			k++;
		if (k == p->n) {
			assert_true(p->n < 16);
			strcpy(p->ids[p->n++], id);
		}
		if (r->changes[i].kind == OP_CHANGE_CREATE)
			p->creates[k]++;
		else if (r->changes[i].kind == OP_CHANGE_DELETE)
			p->ids[k][0] = '\0';          /* gone from the client's picture */
	}
}

static void test_paging_while_the_folder_changes(void **state)
{
	struct ews_fx f;
	struct op_sync_items_result r;
	struct picture p;
	char ids[6][STORE_ID_MAX + 1];
	const char *st;
	int pages = 0, live = 0;
	(void)state;

	memset(&p, 0, sizeof p);
	ews_fx_open(&f, "sync-paging", ALICE);
	ews_fx_user(f.store, ALICE, NULL, NULL, NULL, NULL, 0);
	for (int i = 0; i < 4; i++)
		add(f.store, "c", ids[i]);
	assert_true(sync(&f, NULL, 1, &r));
	assert_false(r.includes_last);
	apply(&p, &r);
	/* between pages: one added, one changed, one removed, one added and removed */
	add(f.store, "late", ids[4]);
	update(f.store, ids[0], 1);
	update(f.store, ids[3], 1);
	removed(f.store, ids[1]);
	add(f.store, "brief", ids[5]);
	removed(f.store, ids[5]);
	st = r.sync_state;
	do {
		assert_true(sync(&f, st, 1, &r));
		assert_true(r.n <= 1);
		apply(&p, &r);
		st = r.sync_state;
		assert_true(++pages < 20);
	} while (!r.includes_last);
	/* the client has exactly the contacts the folder has, each created once */
	for (int i = 0; i < p.n; i++) {
		if (!p.ids[i][0])
			continue;
		live++;
		assert_int_equal(p.creates[i], 1);
		assert_true(strcmp(p.ids[i], ids[1]) && strcmp(p.ids[i], ids[5]));
	}
	assert_int_equal(live, 4);       /* 0, 2, 3, 4 */
	/* and the next sync has nothing */
	assert_true(sync(&f, st, 1, &r));
	assert_int_equal(r.n, 0);
	assert_true(r.includes_last);
	ews_fx_close(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retained_log_limit),
		cmocka_unit_test(test_paging_while_the_folder_changes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
