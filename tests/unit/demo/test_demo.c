/* test_demo.c - the demo organisation: users, addresses, passwords, every
 * photo state of spec §6, contacts, all-or-nothing and EMU_EEXIST. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/password.h"
#include "core/result.h"
#include "demo/demo.h"
#include "photo/photo.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	store_t *s;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-demo-XXXXXX");
	if (mkdtemp(f->dir) == NULL || store_open(f->dir, 64u << 20, &f->s) != EMU_OK) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];
	store_close(f->s);
	snprintf(p, sizeof p, "%s/ewsemu.mdb", f->dir);
	unlink(p);
	snprintf(p, sizeof p, "%s/ewsemu.mdb-lock", f->dir);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static size_t count_users(store_t *s)
{
	store_txn_t *t;
	size_t n = 0;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_user_count(t, &n), EMU_OK);
	store_txn_abort(t);
	return n;
}

struct ccount {
	int n, photos;
};

static int count_contact(const struct contact_record *c, void *ctx)
{
	struct ccount *cc = ctx;
	cc->n++;
	if (c->has_photo) {
		cc->photos++;
		assert_int_equal(c->photo.width, 200);
		assert_int_equal(c->photo.height, 200);
	}
	assert_string_not_equal(c->display_name, "");
	assert_non_null(strchr(c->email, '@'));
	return 0;
}

static void local_part(const char *email, char *out, size_t outsz)
{
	const char *at = strchr(email, '@');
	snprintf(out, outsz, "%.*s", (int)(at - email), email);
}

/* The table itself: enough users, every state at least twice, shared names. */
static void test_table(void **state)
{
	static const char *states[] = { "large", "small", "thumbnail", "thumbnail-nonsquare",
	                                "both", "deleted-with-thumbnail", "none" };
	size_t n = 0, admins = 0, smiths = 0, with_contacts = 0;
	const struct demo_user_info *u = demo_users(&n);
	(void)state;
	assert_non_null(u);
	assert_true(n >= 25);
	for (size_t k = 0; k < sizeof states / sizeof *states; k++) {
		int c = 0;
		for (size_t i = 0; i < n; i++)
			c += strcmp(u[i].photo_state, states[k]) == 0;
		if (c < 2)
			fail_msg("photo state %s used by %d users", states[k], c);
	}
	for (size_t i = 0; i < n; i++) {
		int known = 0;
		for (size_t k = 0; k < sizeof states / sizeof *states; k++)
			known |= strcmp(u[i].photo_state, states[k]) == 0;
		assert_true(known);
		assert_string_equal(u[i].password, DEMO_PASSWORD);
		admins += u[i].is_admin != 0;
		smiths += strcmp(u[i].surname, "Smith") == 0;
		if (u[i].ncontacts > 0) {
			with_contacts++;
			assert_in_range(u[i].ncontacts, 1, 4);
		}
		assert_true(u[i].ncontact_photos <= u[i].ncontacts);
		for (size_t j = i + 1; j < n; j++) {
			assert_string_not_equal(u[i].email, u[j].email);
			assert_string_not_equal(u[i].alias, u[j].alias);
		}
	}
	assert_int_equal(admins, 1);
	assert_true(smiths >= 2);
	assert_true(with_contacts >= 3);
	/* a given name shared by two users */
	{
		int shared = 0;
		for (size_t i = 0; i < n; i++)
			for (size_t j = i + 1; j < n; j++)
				shared |= u[i].given_name[0] != '\0' &&
				          strcmp(u[i].given_name, u[j].given_name) == 0;
		assert_true(shared);
	}
}

static void check_photo_state(store_txn_t *t, const struct demo_user_info *info, const char *email)
{
	struct photo_record pr;
	const char *st = info->photo_state;
	const void *data;
	size_t len;
	int w, h;

	assert_int_equal(store_photo_get(t, email, &pr), EMU_OK);
	if (strcmp(st, "large") == 0 || strcmp(st, "both") == 0) {
		assert_false(pr.deleted);
		assert_int_equal(pr.mailbox_mask, 0x1FFu);
		assert_int_equal(pr.source_width, 648);
		for (int s = 0; s < PHOTO_SIZE_COUNT; s++) {
			assert_int_equal(store_photo_blob(t, email, (enum photo_size)s, &data, &len), EMU_OK);
			assert_int_equal(photo_inspect(data, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h), EMU_OK);
			assert_int_equal(w, photo_size_pixels((enum photo_size)s));
			assert_int_equal(h, w);
			assert_int_equal(pr.mailbox[s].width, w);
		}
		assert_int_equal(pr.has_thumbnail, strcmp(st, "both") == 0);
	} else if (strcmp(st, "small") == 0) {
		assert_false(pr.deleted);
		assert_int_equal(pr.mailbox_mask, 0x1Fu);   /* HR48 .. HR240 */
		assert_false(pr.has_thumbnail);
	} else if (strcmp(st, "thumbnail") == 0 || strcmp(st, "thumbnail-nonsquare") == 0 ||
	           strcmp(st, "deleted-with-thumbnail") == 0) {
		int nonsq = strcmp(st, "thumbnail-nonsquare") == 0;
		assert_int_equal(pr.deleted, strcmp(st, "deleted-with-thumbnail") == 0);
		assert_int_equal(pr.mailbox_mask, 0);
		assert_true(pr.has_thumbnail);
		assert_int_equal(pr.thumbnail.width, 96);
		assert_int_equal(pr.thumbnail.height, nonsq ? 72 : 96);
		assert_int_equal(store_thumbnail_blob(t, email, &data, &len), EMU_OK);
		assert_true(len <= PHOTO_MAX_THUMBNAIL_BYTES);
		assert_int_equal(photo_inspect(data, len, PHOTO_MAX_THUMBNAIL_BYTES, &w, &h), EMU_OK);
		assert_int_equal(w, 96);
		assert_int_equal(h, nonsq ? 72 : 96);
	} else {
		assert_string_equal(st, "none");
		assert_false(pr.deleted);
		assert_int_equal(pr.mailbox_mask, 0);
		assert_false(pr.has_thumbnail);
	}
}

static void check_org(store_t *s, const char *domain)
{
	size_t n = 0;
	const struct demo_user_info *u = demo_users(&n);
	store_txn_t *t;
	char dom[STORE_ADDR_MAX + 1];

	assert_int_equal(n, demo_named_count());
	assert_int_equal(count_users(s), n + DEMO_STAFF_COUNT);
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	/* the generated team: more than 100 users begin with "Ma", a few with thumbnails */
	{
		struct store_search_hit *found = calloc(101, sizeof *found);
		size_t nf = 0;
		int more = 0;
		assert_non_null(found);
		assert_int_equal(store_user_search(t, STORE_SEARCH_NAMES, "ma", found, 100, &nf, &more), EMU_OK);
		assert_int_equal(nf, 100);
		assert_true(more);
		struct photo_record pr;
		char first[STORE_ADDR_MAX + 1];
		snprintf(first, sizeof first, "mabel.adams@%s", domain);
		assert_int_equal(store_photo_get(t, first, &pr), EMU_OK);
		assert_true(pr.has_thumbnail);
		free(found);
	}
	assert_int_equal(store_domain_get(t, dom, sizeof dom), EMU_OK);
	assert_string_equal(dom, domain);
	for (size_t i = 0; i < n; i++) {
		struct user_record *r = calloc(1, sizeof *r), *r2 = calloc(1, sizeof *r2);
		char local[64], email[STORE_ADDR_MAX + 1], proxy[STORE_ADDR_MAX + 1];
		struct ccount cc = { 0, 0 };
		assert_non_null(r);
		assert_non_null(r2);
		local_part(u[i].email, local, sizeof local);
		snprintf(email, sizeof email, "%s@%s", local, domain);
		snprintf(proxy, sizeof proxy, "%s@%s", u[i].alias, domain);

		assert_int_equal(store_user_get(t, email, r), EMU_OK);
		assert_string_equal(r->email, email);
		assert_string_equal(r->display_name, u[i].display_name);
		assert_string_equal(r->company, "Contoso");
		assert_string_equal(r->title, u[i].title);
		assert_string_equal(r->department, u[i].department);
		assert_string_equal(r->office, u[i].office);
		assert_string_equal(r->phone, u[i].phone);
		assert_string_equal(r->alias, u[i].alias);
		assert_int_equal(r->is_admin, u[i].is_admin);
		assert_int_equal(r->nproxies, 1);
		assert_string_equal(r->proxies[0], proxy);
		assert_true(password_verify(DEMO_PASSWORD, r->password_hash));
		assert_false(password_verify("passw0rd!", r->password_hash));
		/* the proxy finds the same user */
		assert_int_equal(store_user_get(t, proxy, r2), EMU_OK);
		assert_string_equal(r2->email, email);

		check_photo_state(t, &u[i], email);

		assert_int_equal(store_contact_foreach(t, email, count_contact, &cc), EMU_OK);
		assert_int_equal(cc.n, u[i].ncontacts);
		assert_int_equal(cc.photos, u[i].ncontact_photos);
		free(r);
		free(r2);
	}
	store_txn_abort(t);
}

static void test_build_default(void **state)
{
	struct fixture *f = *state;
	store_txn_t *t;
	struct user_record *admin = calloc(1, sizeof *admin);
	size_t n;

	assert_non_null(admin);
	assert_int_equal(demo_build(f->s, NULL), EMU_OK);
	check_org(f->s, DEMO_DEFAULT_DOMAIN);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_get(t, "admin@contoso.test", admin), EMU_OK);
	assert_true(admin->is_admin);
	assert_int_equal(store_user_get(t, "ALEX.SMITH@CONTOSO.TEST", admin), EMU_OK);
	assert_false(admin->is_admin);
	store_txn_abort(t);
	free(admin);

	/* a second build changes nothing */
	n = count_users(f->s);
	assert_int_equal(demo_build(f->s, NULL), EMU_EEXIST);
	assert_int_equal(demo_build(f->s, "other.test"), EMU_EEXIST);
	assert_int_equal(count_users(f->s), n);
}

static void test_build_domain(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(demo_build(f->s, "bad domain"), EMU_EINVAL);
	assert_int_equal(demo_build(f->s, "a@b.test"), EMU_EINVAL);
	assert_int_equal(demo_build(NULL, NULL), EMU_EINVAL);
	assert_int_equal(count_users(f->s), 0);
	assert_int_equal(demo_build(f->s, "Fabrikam-Demo.example"), EMU_OK);
	check_org(f->s, "Fabrikam-Demo.example");
}

static void test_selection_on_demo(void **state)
{
	/* spec §6.2 over the demo states, as the photo operation will see them */
	struct fixture *f = *state;
	size_t n = 0;
	const struct demo_user_info *u = demo_users(&n);
	store_txn_t *t;

	assert_int_equal(demo_build(f->s, ""), EMU_OK);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	for (size_t i = 0; i < n; i++) {
		struct photo_record pr;
		struct photo_avail a;
		struct photo_pick p48, p648;
		assert_int_equal(store_photo_get(t, u[i].email, &pr), EMU_OK);
		a.deleted = pr.deleted;
		a.mailbox_mask = pr.mailbox_mask;
		a.has_thumbnail = pr.has_thumbnail;
		p48 = photo_select(&a, PHOTO_HR48, 1);
		p648 = photo_select(&a, PHOTO_HR648, 1);
		if (strcmp(u[i].photo_state, "large") == 0) {
			assert_int_equal(p48.source, PHOTO_SRC_MAILBOX);
			assert_int_equal(p648.size, PHOTO_HR648);
		} else if (strcmp(u[i].photo_state, "small") == 0) {
			assert_int_equal(p648.source, PHOTO_SRC_MAILBOX);
			assert_int_equal(p648.size, PHOTO_HR240);
		} else if (strcmp(u[i].photo_state, "both") == 0) {
			assert_int_equal(p48.source, PHOTO_SRC_THUMBNAIL);
			assert_int_equal(p648.source, PHOTO_SRC_MAILBOX);
		} else if (strcmp(u[i].photo_state, "thumbnail") == 0 ||
		           strcmp(u[i].photo_state, "thumbnail-nonsquare") == 0) {
			assert_int_equal(p48.source, PHOTO_SRC_THUMBNAIL);
			assert_int_equal(p648.source, PHOTO_SRC_THUMBNAIL);
		} else {
			assert_int_equal(p48.source, PHOTO_SRC_NONE);
			assert_int_equal(p648.source, PHOTO_SRC_NONE);
		}
	}
	store_txn_abort(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test_setup_teardown(test_build_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_build_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection_on_demo, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
