/* test_store.c - store.h round trips: users and the address index, photos
 * and deletion records, contacts, persistence, transactions, schema check.
 * Photo sets are built by hand from fake bytes: no libjpeg here. */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/password.h"
#include "core/result.h"
#include "store/store.h"

struct fixture {
	char dir[64];      /* temp dir, removed at teardown */
	char db[96];       /* dir/db: the store (created by store_open) */
	store_t *s;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/db", f->dir);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void make_user(struct user_record *u, const char *email, int nproxies, ...)
{
	va_list ap;
	memset(u, 0, sizeof *u);
	snprintf(u->email, sizeof u->email, "%s", email);
	snprintf(u->display_name, sizeof u->display_name, "Name of %s", email);
	snprintf(u->alias, sizeof u->alias, "alias");
	snprintf(u->company, sizeof u->company, "Contoso");
	snprintf(u->phone, sizeof u->phone, "+1 555 0100");
	va_start(ap, nproxies);
	for (int i = 0; i < nproxies; i++)
		snprintf(u->proxies[i], sizeof u->proxies[i], "%s", va_arg(ap, const char *));
	va_end(ap);
	u->nproxies = nproxies;
}

static void put_user(store_t *s, const struct user_record *u)
{
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

/* ---- users --------------------------------------------------------------- */

static int collect_emails(const struct user_record *u, void *ctx)
{
	char *buf = ctx;
	size_t n = strlen(buf);
	snprintf(buf + n, 256 - n, "%s;", u->email);
	return 0;
}

static int stop_at_first(const struct user_record *u, void *ctx)
{
	(void)u;
	(*(int *)ctx)++;
	return 42;
}

static void test_user_roundtrip(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	store_txn_t *t;
	size_t n;
	char order[256] = "";
	int calls = 0;

	make_user(&u, "Alice@Example.test", 2, "al@example.test", "A.Example@Example.TEST");
	snprintf(u.password_hash, sizeof u.password_hash, "pbkdf2-sha256$1$00$00");
	u.is_admin = 1;
	put_user(f->s, &u);
	make_user(&u, "bob@example.test", 0);
	put_user(f->s, &u);

	assert_int_equal(store_user_lookup(f->s, "alice@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "Alice@Example.test");  /* case kept */
	assert_string_equal(got.display_name, "Name of Alice@Example.test");
	assert_string_equal(got.alias, "alias");
	assert_string_equal(got.company, "Contoso");
	assert_string_equal(got.phone, "+1 555 0100");
	assert_string_equal(got.title, "");
	assert_int_equal(got.nproxies, 2);
	assert_string_equal(got.proxies[0], "al@example.test");
	assert_string_equal(got.proxies[1], "A.Example@Example.TEST");
	assert_string_equal(got.password_hash, "pbkdf2-sha256$1$00$00");
	assert_int_equal(got.is_admin, 1);

	/* any address, any case */
	assert_int_equal(store_user_lookup(f->s, "AL@EXAMPLE.TEST", &got), EMU_OK);
	assert_string_equal(got.email, "Alice@Example.test");
	assert_int_equal(store_user_lookup(f->s, "a.example@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "Alice@Example.test");
	assert_int_equal(store_user_lookup(f->s, "BOB@example.test", &got), EMU_OK);
	assert_int_equal(got.nproxies, 0);
	assert_int_equal(got.is_admin, 0);
	assert_int_equal(store_user_lookup(f->s, "carol@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "", &got), EMU_EINVAL);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_count(t, &n), EMU_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_user_foreach(t, collect_emails, order), EMU_OK);
	assert_string_equal(order, "Alice@Example.test;bob@example.test;");
	assert_int_equal(store_user_foreach(t, stop_at_first, &calls), 42);
	assert_int_equal(calls, 1);
	store_txn_abort(t);
}

static void test_user_replace_proxies(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	store_txn_t *t;
	size_t n;

	make_user(&u, "alice@example.test", 2, "old1@example.test", "keep@example.test");
	put_user(f->s, &u);
	make_user(&u, "ALICE@example.test", 2, "keep@example.test", "new@example.test");
	snprintf(u.title, sizeof u.title, "Engineer");
	put_user(f->s, &u);

	assert_int_equal(store_user_lookup(f->s, "old1@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "new@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "ALICE@example.test");
	assert_string_equal(got.title, "Engineer");
	assert_int_equal(store_user_lookup(f->s, "keep@example.test", &got), EMU_OK);
	assert_int_equal(got.nproxies, 2);

	/* the freed address can now go to someone else */
	make_user(&u, "bob@example.test", 1, "old1@example.test");
	put_user(f->s, &u);
	assert_int_equal(store_user_lookup(f->s, "old1@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "bob@example.test");

	struct store_stat st;
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.users, 2);
	assert_int_equal(st.addresses, 5);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_count(t, &n), EMU_OK);
	assert_int_equal(n, 2);
	store_txn_abort(t);
}

static void test_user_clash(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	store_txn_t *t;

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_user(&u, "bob@example.test", 1, "AL@example.test");
	assert_int_equal(store_user_put(t, &u), EMU_EEXIST);
	make_user(&u, "al@example.test", 0);          /* primary = alice's proxy */
	assert_int_equal(store_user_put(t, &u), EMU_EEXIST);
	make_user(&u, "bob@example.test", 1, "alice@example.test");
	assert_int_equal(store_user_put(t, &u), EMU_EEXIST);
	/* a refusal changes nothing and the txn goes on */
	make_user(&u, "bob@example.test", 1, "bobby@example.test");
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	assert_int_equal(store_user_lookup(f->s, "al@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "alice@example.test");
	assert_int_equal(store_user_lookup(f->s, "bobby@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "bob@example.test");
}

/* store_user_lookup: its own read txn, any address, the record copied out;
 * address limits at STORE_ADDR_MAX and one above; empty and unknown. */
static void test_user_lookup(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	char addr[STORE_ADDR_MAX + 2];

	make_user(&u, "Lookup@Example.test", 1, "alias.one@example.test");
	put_user(f->s, &u);
	memset(&got, 0x5a, sizeof got);
	assert_int_equal(store_user_lookup(f->s, "lookup@example.TEST", &got), EMU_OK);
	assert_string_equal(got.email, "Lookup@Example.test");
	assert_string_equal(got.display_name, "Name of Lookup@Example.test");
	assert_int_equal(got.nproxies, 1);
	assert_string_equal(got.proxies[0], "alias.one@example.test");
	memset(&got, 0, sizeof got);
	assert_int_equal(store_user_lookup(f->s, "ALIAS.ONE@example.test", &got), EMU_OK);
	assert_string_equal(got.email, "Lookup@Example.test");

	/* the copy outlives the snapshot: a later change does not reach it */
	make_user(&u, "Lookup@Example.test", 0);
	snprintf(u.display_name, sizeof u.display_name, "Renamed");
	put_user(f->s, &u);
	assert_string_equal(got.display_name, "Name of Lookup@Example.test");
	assert_int_equal(store_user_lookup(f->s, "lookup@example.test", &got), EMU_OK);
	assert_string_equal(got.display_name, "Renamed");
	assert_int_equal(store_user_lookup(f->s, "alias.one@example.test", &got), EMU_ENOTFOUND);

	/* empty, unknown, at the address limit (nobody) and one above */
	assert_int_equal(store_user_lookup(f->s, "", &got), EMU_EINVAL);
	assert_int_equal(store_user_lookup(f->s, "nobody@example.test", &got), EMU_ENOTFOUND);
	memset(addr, 'a', STORE_ADDR_MAX);
	addr[STORE_ADDR_MAX] = '\0';
	assert_int_equal(store_user_lookup(f->s, addr, &got), EMU_ENOTFOUND);
	addr[STORE_ADDR_MAX] = 'a';
	addr[STORE_ADDR_MAX + 1] = '\0';
	assert_int_equal(store_user_lookup(f->s, addr, &got), EMU_ELIMIT);

	/* a user whose primary address is exactly STORE_ADDR_MAX long is found */
	memset(addr, 'b', STORE_ADDR_MAX);
	memcpy(addr + STORE_ADDR_MAX - 13, "@example.test", 13);
	addr[STORE_ADDR_MAX] = '\0';
	make_user(&u, addr, 0);
	put_user(f->s, &u);
	assert_int_equal(store_user_lookup(f->s, addr, &got), EMU_OK);
	assert_string_equal(got.email, addr);

	/* a read txn of its own: works while this thread holds another read txn */
	store_txn_t *t;
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_lookup(f->s, "lookup@example.test", &got), EMU_OK);
	store_txn_abort(t);
}

static void test_user_limits(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	store_txn_t *t;

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	/* a field that fills its whole array has no room for the NUL: too long */
	make_user(&u, "x@example.test", 0);
	memset(u.email, 'a', sizeof u.email);
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 0);
	memset(u.display_name, 'a', sizeof u.display_name);
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 0);
	memset(u.department, 'a', sizeof u.department);
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 0);
	memset(u.password_hash, 'a', sizeof u.password_hash);
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 1, "p@example.test");
	memset(u.proxies[0], 'a', sizeof u.proxies[0]);
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 0);
	u.nproxies = STORE_PROXIES_MAX + 1;
	assert_int_equal(store_user_put(t, &u), EMU_ELIMIT);
	make_user(&u, "x@example.test", 0);
	u.nproxies = -1;
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);
	make_user(&u, "", 0);
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);
	make_user(&u, "x@example.test", 1, "");
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);
	make_user(&u, "x@example.test", 2, "p@example.test", "P@EXAMPLE.test");
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);
	make_user(&u, "x@example.test", 1, "X@example.test");
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);

	/* exactly at the maximum is fine */
	make_user(&u, "x@example.test", 0);
	memset(u.display_name, 'd', STORE_TEXT_MAX);
	u.nproxies = STORE_PROXIES_MAX;
	for (int i = 0; i < STORE_PROXIES_MAX; i++) {
		memset(u.proxies[i], 'a' + i, STORE_ADDR_MAX - 12);
		memcpy(u.proxies[i] + STORE_ADDR_MAX - 12, "@example.tst", 13);
	}
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(store_user_lookup(f->s, u.proxies[15], &got), EMU_OK);
	assert_int_equal(strlen(got.display_name), STORE_TEXT_MAX);
	assert_int_equal(got.nproxies, STORE_PROXIES_MAX);
	assert_string_equal(got.proxies[15], u.proxies[15]);

	/* lookups of over-long addresses */
	char longaddr[STORE_ADDR_MAX + 2];
	memset(longaddr, 'a', sizeof longaddr - 1);
	longaddr[sizeof longaddr - 1] = '\0';
	assert_int_equal(store_user_lookup(f->s, longaddr, &got), EMU_ELIMIT);

	/* writes need a write txn */
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	make_user(&u, "y@example.test", 0);
	assert_int_equal(store_user_put(t, &u), EMU_EINVAL);
	store_txn_abort(t);
}

/* ---- photos -------------------------------------------------------------- */

/* A set with renditions for every bit of @p mask; data "fake <tag> <s>". */
static void make_set(struct photo_set *set, unsigned mask, char tag)
{
	/* PHOTO_UPLOAD: a 200 x 200 upload kept at its own size */
	static const int pixels[PHOTO_RENDITION_COUNT] = { 48, 64, 96, 120, 240, 360, 432, 504, 648, 200 };
	memset(set, 0, sizeof *set);
	set->mask = mask;
	set->source_width = 800;
	set->source_height = 600;
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++) {
		if (!(mask & (1u << s)))
			continue;
		set->r[s].data = malloc(64);
		assert_non_null(set->r[s].data);
		set->r[s].len = (size_t)snprintf((char *)set->r[s].data, 64, "fake %c %d", tag, s);
		set->r[s].width = set->r[s].height = pixels[s];
		snprintf(set->r[s].etag, sizeof set->r[s].etag, "%c%015d", tag, s);
	}
}

static void free_set(struct photo_set *set)
{
	for (int s = 0; s < PHOTO_RENDITION_COUNT; s++)
		free(set->r[s].data);
}

static void expect_blob(store_txn_t *t, const char *email, enum photo_size s, const char *want)
{
	const void *p;
	size_t n;
	if (want == NULL) {
		assert_int_equal(store_photo_blob(t, email, s, &p, &n), EMU_ENOTFOUND);
		return;
	}
	assert_int_equal(store_photo_blob(t, email, s, &p, &n), EMU_OK);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(p, want, n);
}

static void test_photo(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct photo_record r;
	struct photo_set set;
	store_txn_t *t;
	const void *p;
	size_t n;
	time_t before = time(NULL);
	const unsigned m1 = 1u << PHOTO_HR48 | 1u << PHOTO_HR96 | 1u << PHOTO_HR648;
	const unsigned m2 = 1u << PHOTO_HR48 | 1u << PHOTO_HR240;

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);
	make_user(&u, "bob@example.test", 0);
	put_user(f->s, &u);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	/* no photo data: all-zero record; unknown user: not found */
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 0);
	assert_int_equal(r.deleted, 0);
	assert_int_equal(r.has_thumbnail, 0);
	assert_int_equal(store_photo_get(t, "nobody@example.test", &r), EMU_ENOTFOUND);
	make_set(&set, m1, 'A');
	assert_int_equal(store_photo_set(t, "nobody@example.test", &set), EMU_ENOTFOUND);
	assert_int_equal(store_photo_set(t, "AL@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", "abc", 3, 96, 120), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 0);
	assert_int_equal(r.mailbox_mask, m1);
	assert_int_equal(r.source_width, 800);
	assert_int_equal(r.source_height, 600);
	assert_int_equal(r.mailbox[PHOTO_HR96].width, 96);
	assert_int_equal(r.mailbox[PHOTO_HR96].height, 96);
	assert_int_equal(r.mailbox[PHOTO_HR96].len, strlen("fake A 2"));
	assert_string_equal(r.mailbox[PHOTO_HR96].etag, "A000000000000002");
	assert_string_equal(r.mailbox[PHOTO_HR648].etag, "A000000000000008");
	assert_int_equal(r.mailbox[PHOTO_HR648].width, 648);
	assert_int_equal(r.mailbox[PHOTO_HR240].len, 0);
	assert_true(r.mailbox_changed >= (int64_t)before && r.mailbox_changed <= (int64_t)time(NULL));
	assert_int_equal(r.has_thumbnail, 1);
	assert_int_equal(r.thumbnail.len, 3);
	assert_int_equal(r.thumbnail.width, 96);
	assert_int_equal(r.thumbnail.height, 120);
	/* photo_etag("abc"): first 8 bytes of SHA-256, upper-case hex */
	assert_string_equal(r.thumbnail.etag, "BA7816BF8F01CFEA");
	assert_true(r.thumbnail_changed >= (int64_t)before);
	expect_blob(t, "alice@example.test", PHOTO_HR48, "fake A 0");
	expect_blob(t, "alice@example.test", PHOTO_HR96, "fake A 2");
	expect_blob(t, "alice@example.test", PHOTO_HR648, "fake A 8");
	expect_blob(t, "alice@example.test", PHOTO_HR240, NULL);
	assert_int_equal(store_photo_blob(t, "alice@example.test", PHOTO_RENDITION_COUNT, &p, &n), EMU_EINVAL);
	expect_blob(t, "alice@example.test", PHOTO_UPLOAD, NULL);
	assert_int_equal(store_thumbnail_blob(t, "al@example.test", &p, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "abc", 3);
	/* bob has nothing */
	assert_int_equal(store_thumbnail_blob(t, "bob@example.test", &p, &n), EMU_ENOTFOUND);
	expect_blob(t, "bob@example.test", PHOTO_HR48, NULL);
	store_txn_abort(t);

	/* the upload at its own size is a rendition like the others, with its
	 * own dimensions (issue 10 defect 7) */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 0xFu | 1u << PHOTO_UPLOAD, 'U');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 0xFu | 1u << PHOTO_UPLOAD);
	assert_int_equal(r.mailbox[PHOTO_UPLOAD].width, 200);
	assert_int_equal(r.mailbox[PHOTO_UPLOAD].height, 200);
	assert_string_equal(r.mailbox[PHOTO_UPLOAD].etag, "U000000000000009");
	expect_blob(t, "alice@example.test", PHOTO_UPLOAD, "fake U 9");
	expect_blob(t, "alice@example.test", PHOTO_HR648, NULL);

	/* replace with a different set: stale renditions go */
	make_set(&set, m2, 'B');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, m2);
	assert_string_equal(r.mailbox[PHOTO_HR240].etag, "B000000000000004");
	assert_string_equal(r.mailbox[PHOTO_HR96].etag, "");
	expect_blob(t, "alice@example.test", PHOTO_HR48, "fake B 0");
	expect_blob(t, "alice@example.test", PHOTO_HR240, "fake B 4");
	expect_blob(t, "alice@example.test", PHOTO_HR96, NULL);
	expect_blob(t, "alice@example.test", PHOTO_HR648, NULL);
	expect_blob(t, "alice@example.test", PHOTO_UPLOAD, NULL);
	assert_int_equal(r.mailbox[PHOTO_UPLOAD].width, 0);

	/* Remove-UserPhoto: mailbox gone, deletion record, thumbnail kept */
	assert_int_equal(store_photo_remove(t, "alice@example.test"), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(r.mailbox_mask, 0);
	assert_int_equal(r.source_width, 0);
	assert_int_equal(r.has_thumbnail, 1);
	assert_string_equal(r.thumbnail.etag, "BA7816BF8F01CFEA");
	expect_blob(t, "alice@example.test", PHOTO_HR48, NULL);
	expect_blob(t, "alice@example.test", PHOTO_HR240, NULL);
	assert_int_equal(store_thumbnail_blob(t, "alice@example.test", &p, &n), EMU_OK);

	/* -ClearMailboxPhotoRecord: only the flag */
	assert_int_equal(store_photo_clear_record(t, "alice@example.test"), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 0);
	assert_int_equal(r.mailbox_mask, 0);
	assert_int_equal(r.has_thumbnail, 1);

	/* a new photo after a removal clears the record */
	assert_int_equal(store_photo_remove(t, "alice@example.test"), EMU_OK);
	make_set(&set, m1, 'C');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 0);
	assert_int_equal(r.mailbox_mask, m1);

	/* thumbnail removal */
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", NULL, 0, 0, 0), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.has_thumbnail, 0);
	assert_int_equal(r.mailbox_mask, m1);
	assert_int_equal(store_thumbnail_blob(t, "alice@example.test", &p, &n), EMU_ENOTFOUND);

	/* bad input */
	make_set(&set, 0, 'D');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_EINVAL);
	make_set(&set, 1u << PHOTO_RENDITION_COUNT, 'D');   /* beyond PHOTO_UPLOAD */
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_EINVAL);
	make_set(&set, 1, 'D');
	set.r[0].etag[0] = '\0';
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_EINVAL);
	free_set(&set);
	make_set(&set, 1, 'D');
	set.r[0].width = 0;
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_EINVAL);
	free_set(&set);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", "x", 0, 1, 1), EMU_EINVAL);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", "x", 1, 0, 1), EMU_EINVAL);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", "x",
	                                     PHOTO_MAX_THUMBNAIL_BYTES + 1, 1, 1), EMU_ELIMIT);
	assert_int_equal(store_photo_remove(t, "nobody@example.test"), EMU_ENOTFOUND);
	assert_int_equal(store_photo_clear_record(t, "nobody@example.test"), EMU_ENOTFOUND);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	/* photo writes need a write txn */
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_photo_remove(t, "alice@example.test"), EMU_EINVAL);
	store_txn_abort(t);
}

/* ---- contacts ------------------------------------------------------------ */

struct walk {
	int n;
	char ids[8][STORE_ID_MAX + 1];
};

static int collect_contacts(const struct contact_record *c, void *ctx)
{
	struct walk *w = ctx;
	if (w->n < 8)
		snprintf(w->ids[w->n], sizeof w->ids[0], "%s", c->id);
	w->n++;
	return 0;
}

static void make_contact(struct contact_record *c, const char *name)
{
	memset(c, 0, sizeof *c);
	snprintf(c->display_name, sizeof c->display_name, "%s", name);
	snprintf(c->given_name, sizeof c->given_name, "Given %s", name);
	snprintf(c->surname, sizeof c->surname, "Surname");
	snprintf(c->file_as, sizeof c->file_as, "Surname, %s", name);
	snprintf(c->email, sizeof c->email, "%s@builder.test", name);
	snprintf(c->company, sizeof c->company, "Builders");
}

static int is_hex_id(const char *id)
{
	if (strlen(id) != STORE_CONTACT_ID_LEN)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

static void test_contacts(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record a, b, c, got;
	struct walk w;
	store_txn_t *t;
	const void *p;
	size_t n;

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);
	make_user(&u, "bob@example.test", 0);
	put_user(f->s, &u);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_contact(&a, "anna");
	a.photo.width = 64;
	a.photo.height = 48;
	assert_int_equal(store_contact_add(t, "alice@example.test", &a, "abc", 3), EMU_OK);
	assert_true(is_hex_id(a.id));
	assert_int_equal(a.change, 1);
	assert_int_equal(a.has_photo, 1);
	assert_int_equal(a.photo.len, 3);
	assert_string_equal(a.photo.etag, "BA7816BF8F01CFEA");
	make_contact(&b, "bert");
	assert_int_equal(store_contact_add(t, "AL@example.test", &b, NULL, 0), EMU_OK);
	assert_true(is_hex_id(b.id));
	assert_string_not_equal(a.id, b.id);
	assert_int_equal(b.has_photo, 0);
	{
		/* a caller-chosen id is kept; a taken or malformed one is refused */
		struct contact_record d;
		make_contact(&d, "dora");
		memcpy(d.id, "0123456789abcdef0123456789abcdef", STORE_CONTACT_ID_LEN + 1);
		assert_int_equal(store_contact_add(t, "alice@example.test", &d, NULL, 0), EMU_OK);
		assert_string_equal(d.id, "0123456789abcdef0123456789abcdef");
		make_contact(&d, "dora2");
		memcpy(d.id, "0123456789abcdef0123456789abcdef", STORE_CONTACT_ID_LEN + 1);
		assert_int_equal(store_contact_add(t, "alice@example.test", &d, NULL, 0), EMU_EEXIST);
		make_contact(&d, "dora3");
		memcpy(d.id, "0123456789ABCDEF0123456789abcdef", STORE_CONTACT_ID_LEN + 1);
		assert_int_equal(store_contact_add(t, "alice@example.test", &d, NULL, 0), EMU_EINVAL);
		make_contact(&d, "dora4");
		memcpy(d.id, "0123", 5);
		assert_int_equal(store_contact_add(t, "alice@example.test", &d, NULL, 0), EMU_EINVAL);
		assert_int_equal(store_contact_remove(t, "alice@example.test", "0123456789abcdef0123456789abcdef"), EMU_OK);
	}
	make_contact(&c, "carl");
	assert_int_equal(store_contact_add(t, "bob@example.test", &c, NULL, 0), EMU_OK);
	make_contact(&got, "x");
	assert_int_equal(store_contact_add(t, "nobody@example.test", &got, NULL, 0), EMU_ENOTFOUND);
	memset(got.company, 'c', sizeof got.company);
	assert_int_equal(store_contact_add(t, "alice@example.test", &got, NULL, 0), EMU_ELIMIT);
	make_contact(&got, "x");
	assert_int_equal(store_contact_add(t, "alice@example.test", &got, "abc", 3), EMU_EINVAL); /* no size */
	assert_int_equal(store_txn_commit(t), EMU_OK);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, "alice@example.test", a.id, &got), EMU_OK);
	assert_string_equal(got.id, a.id);
	assert_string_equal(got.display_name, "anna");
	assert_string_equal(got.given_name, "Given anna");
	assert_string_equal(got.surname, "Surname");
	assert_string_equal(got.file_as, "Surname, anna");
	assert_string_equal(got.email, "anna@builder.test");
	assert_string_equal(got.company, "Builders");
	assert_int_equal(got.change, 1);
	assert_int_equal(got.has_photo, 1);
	assert_int_equal(got.photo.width, 64);
	assert_int_equal(got.photo.height, 48);
	assert_int_equal(store_contact_photo(t, "alice@example.test", a.id, &p, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "abc", 3);
	assert_int_equal(store_contact_photo(t, "alice@example.test", b.id, &p, &n), EMU_ENOTFOUND);
	/* contacts belong to their owner */
	assert_int_equal(store_contact_get(t, "bob@example.test", a.id, &got), EMU_ENOTFOUND);
	assert_int_equal(store_contact_get(t, "alice@example.test", "nope", &got), EMU_ENOTFOUND);
	assert_int_equal(store_contact_get(t, "alice@example.test", "", &got), EMU_EINVAL);

	memset(&w, 0, sizeof w);
	assert_int_equal(store_contact_foreach(t, "alice@example.test", collect_contacts, &w), EMU_OK);
	assert_int_equal(w.n, 2);
	assert_true(strcmp(w.ids[0], w.ids[1]) < 0);     /* id order */
	assert_true(strcmp(w.ids[0], a.id) == 0 || strcmp(w.ids[0], b.id) == 0);
	memset(&w, 0, sizeof w);
	assert_int_equal(store_contact_foreach(t, "bob@example.test", collect_contacts, &w), EMU_OK);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.ids[0], c.id);
	assert_int_equal(store_contact_foreach(t, "nobody@example.test", collect_contacts, &w), EMU_ENOTFOUND);
	store_txn_abort(t);

	/* changes bump the counter; the id stays */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	snprintf(b.display_name, sizeof b.display_name, "Bert Builder");
	assert_int_equal(store_contact_update(t, "alice@example.test", &b), EMU_OK);
	assert_int_equal(b.change, 2);
	assert_int_equal(store_contact_set_photo(t, "alice@example.test", b.id, "xyz", 3, 10, 10), EMU_OK);
	assert_int_equal(store_contact_get(t, "alice@example.test", b.id, &got), EMU_OK);
	assert_string_equal(got.display_name, "Bert Builder");
	assert_int_equal(got.change, 3);
	assert_int_equal(got.has_photo, 1);
	assert_int_equal(got.photo.width, 10);
	assert_int_equal(store_contact_set_photo(t, "alice@example.test", a.id, NULL, 0, 0, 0), EMU_OK);
	assert_int_equal(store_contact_get(t, "alice@example.test", a.id, &got), EMU_OK);
	assert_int_equal(got.change, 2);
	assert_int_equal(got.has_photo, 0);
	assert_int_equal(store_contact_photo(t, "alice@example.test", a.id, &p, &n), EMU_ENOTFOUND);

	assert_int_equal(store_contact_remove(t, "alice@example.test", b.id), EMU_OK);
	assert_int_equal(store_contact_remove(t, "alice@example.test", b.id), EMU_ENOTFOUND);
	assert_int_equal(store_contact_get(t, "alice@example.test", b.id, &got), EMU_ENOTFOUND);
	assert_int_equal(store_contact_photo(t, "alice@example.test", b.id, &p, &n), EMU_ENOTFOUND);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	struct store_stat st;
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.contacts, 2);
	assert_int_equal(st.contact_photos, 0);
}

static void test_contacts_limit(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record c;
	store_txn_t *t;

	make_user(&u, "alice@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	for (int i = 0; i < STORE_CONTACTS_MAX; i++) {
		make_contact(&c, "c");
		assert_int_equal(store_contact_add(t, "alice@example.test", &c, NULL, 0), EMU_OK);
	}
	make_contact(&c, "one too many");
	assert_int_equal(store_contact_add(t, "alice@example.test", &c, NULL, 0), EMU_ELIMIT);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

/* ---- user deletion ------------------------------------------------------- */

static void test_user_delete(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	struct contact_record c;
	struct photo_set set;
	struct store_stat st;
	store_txn_t *t;

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);
	make_user(&u, "alice2@example.test", 0);   /* a key that shares a prefix */
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 3, 'A');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	assert_int_equal(store_photo_set(t, "alice2@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_thumbnail_set(t, "alice@example.test", "abc", 3, 1, 1), EMU_OK);
	make_contact(&c, "c");
	assert_int_equal(store_contact_add(t, "alice@example.test", &c, NULL, 0), EMU_OK);
	c.photo.width = c.photo.height = 1;
	c.id[0] = '\0';   /* a new random id each time */
	assert_int_equal(store_contact_add(t, "alice@example.test", &c, "p", 1), EMU_OK);
	c.id[0] = '\0';
	assert_int_equal(store_contact_add(t, "alice2@example.test", &c, "p", 1), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_delete(t, "AL@example.test"), EMU_OK);
	assert_int_equal(store_user_delete(t, "al@example.test"), EMU_ENOTFOUND);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(store_user_lookup(f->s, "alice@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "al@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "alice2@example.test", &got), EMU_OK);
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.users, 1);
	assert_int_equal(st.addresses, 1);
	assert_int_equal(st.photo_records, 1);
	assert_int_equal(st.photo_blobs, 2);
	assert_int_equal(st.contacts, 1);
	assert_int_equal(st.contact_photos, 1);

	/* the last keys of every DBI */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_delete(t, "alice2@example.test"), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.users + st.addresses + st.photo_records + st.photo_blobs +
	                 st.contacts + st.contact_photos, 0);
}

/* ---- environment and transactions ---------------------------------------- */

static void test_persistence(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	struct contact_record c, cgot;
	struct photo_record r;
	struct photo_set set;
	store_txn_t *t;
	char dom[64];

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 1u << PHOTO_HR64, 'P');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	make_contact(&c, "anna");
	assert_int_equal(store_contact_add(t, "alice@example.test", &c, NULL, 0), EMU_OK);
	assert_int_equal(store_domain_set(t, "example.test"), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);

	assert_int_equal(store_user_lookup(f->s, "AL@EXAMPLE.TEST", &got), EMU_OK);
	assert_string_equal(got.email, "alice@example.test");
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 1u << PHOTO_HR64);
	assert_string_equal(r.mailbox[PHOTO_HR64].etag, "P000000000000001");
	expect_blob(t, "alice@example.test", PHOTO_HR64, "fake P 1");
	assert_int_equal(store_contact_get(t, "alice@example.test", c.id, &cgot), EMU_OK);
	assert_string_equal(cgot.display_name, "anna");
	assert_int_equal(store_domain_get(t, dom, sizeof dom), EMU_OK);
	assert_string_equal(dom, "example.test");
	assert_int_equal(store_domain_get(t, dom, 4), EMU_ELIMIT);
	store_txn_abort(t);
}

static void test_abort_changes_nothing(void **state)
{
	struct fixture *f = *state;
	struct user_record u, got;
	struct photo_record r;
	struct photo_set set;
	struct store_stat before, after;
	store_txn_t *t;

	make_user(&u, "alice@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_stat(f->s, &before), EMU_OK);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_user(&u, "alice@example.test", 1, "al@example.test");
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	make_user(&u, "bob@example.test", 0);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	make_set(&set, 1, 'X');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	/* visible inside the txn ... */
	assert_int_equal(store_user_get(t, "al@example.test", &got), EMU_OK);
	store_txn_abort(t);

	/* ... and gone after the abort */
	assert_int_equal(store_user_lookup(f->s, "al@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "bob@example.test", &got), EMU_ENOTFOUND);
	assert_int_equal(store_user_lookup(f->s, "alice@example.test", &got), EMU_OK);
	assert_int_equal(got.nproxies, 0);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 0);
	store_txn_abort(t);
	assert_int_equal(store_stat(f->s, &after), EMU_OK);
	assert_true(after.last_txnid == before.last_txnid);
	assert_int_equal(after.users, before.users);
	assert_int_equal(after.addresses, before.addresses);
	assert_int_equal(after.photo_blobs, 0);
}

static void test_value_copied_inside_txn(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct photo_set set;
	store_txn_t *t;
	const void *p;
	size_t n;
	char copy[64];

	make_user(&u, "alice@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 1u << PHOTO_HR120, 'V');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	/* the pattern every caller follows: copy the blob before the txn ends */
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_photo_blob(t, "alice@example.test", PHOTO_HR120, &p, &n), EMU_OK);
	assert_true(n < sizeof copy);
	memcpy(copy, p, n);
	copy[n] = '\0';
	/* reset + renew gives a new snapshot on the same handle */
	store_txn_reset(t);
	assert_int_equal(store_txn_renew(t), EMU_OK);
	assert_int_equal(store_photo_blob(t, "alice@example.test", PHOTO_HR120, &p, &n), EMU_OK);
	store_txn_abort(t);

	/* overwrite the value in a later txn; the copy keeps the old bytes */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 1u << PHOTO_HR120, 'W');
	assert_int_equal(store_photo_set(t, "alice@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_string_equal(copy, "fake V 3");
}

/* Write meta/schema_version = @p version straight into the closed store
 * file @p file (and empty the names DBI when @p drop_names), as an older or
 * newer build would have left it. */
/* The closed store file @p file opened with plain LMDB, as another build would. */
static MDB_env *open_raw(const char *file)
{
	MDB_env *env;
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, file, MDB_NOSUBDIR, 0600), 0);
	return env;
}

static void force_schema(const char *file, unsigned version, int drop_names)
{
	MDB_env *env = open_raw(file);
	MDB_txn *txn;
	MDB_dbi meta, names;
	MDB_val k = { 14, "schema_version" }, v;
	unsigned char ver[4] = { (unsigned char)(version >> 24), (unsigned char)(version >> 16),
	                         (unsigned char)(version >> 8), (unsigned char)version };

	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	if (drop_names) {
		assert_int_equal(mdb_dbi_open(txn, "names", 0, &names), 0);
		assert_int_equal(mdb_drop(txn, names, 0), 0);
	}
	v.mv_data = ver;
	v.mv_size = sizeof ver;
	assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
}

static void test_open_rules(void **state)
{
	struct fixture *f = *state;
	store_t *again = NULL;
	char other[128], backup[160];
	struct user_record u, got;

	/* the same file twice in one process is refused */
	assert_int_equal(store_open(f->db, 0, &again), EMU_EEXIST);
	assert_null(again);

	/* hot backup, then open the copy as a store of its own */
	make_user(&u, "alice@example.test", 0);
	put_user(f->s, &u);
	snprintf(other, sizeof other, "%s/copy", f->dir);
	assert_int_equal(mkdir(other, 0700), 0);
	snprintf(backup, sizeof backup, "%s/ewsemu.mdb", other);
	assert_int_equal(store_backup(f->s, backup), EMU_OK);
	assert_int_equal(store_backup(f->s, backup), EMU_ESTORE);    /* exists */
	assert_int_equal(store_open(other, 0, &again), EMU_OK);
	assert_int_equal(store_user_lookup(again, "alice@example.test", &got), EMU_OK);
	store_close(again);

	/* an unknown schema version is refused, and left alone */
	force_schema(backup, 99, 0);
	assert_int_equal(store_open(other, 0, &again), EMU_EFORMAT);
	assert_null(again);

	/* a store dir that is a file */
	snprintf(other, sizeof other, "%s/file", f->dir);
	FILE *fp = fopen(other, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(other, 0, &again), EMU_EIO);
	assert_int_equal(store_open("", 0, &again), EMU_EINVAL);
}


/* ---- directory search (name index) ---------------------------------------- */

/* The primaries found, into @p out (and the last hit's fields into *last). */
static size_t search(store_t *s, enum store_search_kind kind, const char *q, size_t max,
                     char out[][STORE_ADDR_MAX + 1], int *more)
{
	static struct store_search_hit hits[8];
	store_txn_t *t;
	size_t n = 99;
	assert_true(max <= 8);
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_user_search(t, kind, q, hits, max, &n, more), EMU_OK);
	store_txn_abort(t);
	for (size_t i = 0; i < n; i++) {
		strcpy(out[i], hits[i].primary);
		/* display name and address come with every hit */
		assert_true(hits[i].email[0] != '\0');
		assert_int_equal(strcasecmp(hits[i].email, hits[i].primary), 0);
	}
	return n;
}

static void test_search(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	store_txn_t *t;
	char out[8][STORE_ADDR_MAX + 1];
	int more;

	make_user(&u, "Alice@Example.test", 1, "al@example.test");
	snprintf(u.display_name, sizeof u.display_name, "Alice Example");
	snprintf(u.given_name, sizeof u.given_name, "Alice");
	snprintf(u.surname, sizeof u.surname, "Example");
	snprintf(u.alias, sizeof u.alias, "alice");
	put_user(f->s, &u);
	make_user(&u, "bob@example.test", 0);
	snprintf(u.display_name, sizeof u.display_name, "Bob Example");
	snprintf(u.surname, sizeof u.surname, "Example");
	snprintf(u.alias, sizeof u.alias, "bob");
	put_user(f->s, &u);

	/* by surname: both, each once although several tokens match */
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "exa", 8, out, &more), 2);
	assert_false(more);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "  ALICE ex", 8, out, &more), 1);
	assert_string_equal(out[0], "alice@example.test");
	{
		struct store_search_hit h;
		size_t n;
		assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
		assert_int_equal(store_user_search(t, STORE_SEARCH_NAMES, "alice", &h, 1, &n, &more), EMU_OK);
		assert_int_equal(n, 1);
		assert_string_equal(h.email, "Alice@Example.test");    /* case as stored */
		assert_string_equal(h.display_name, "Alice Example");
		assert_int_equal(store_user_search(t, STORE_SEARCH_ADDRESSES, "al@", &h, 1, &n, &more), EMU_OK);
		assert_string_equal(h.display_name, "Alice Example");
		store_txn_abort(t);
	}
	/* the cap and "more" */
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "exa", 1, out, &more), 1);
	assert_true(more);
	/* proxies are not in the name index, but in the address search */
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "al@", 8, out, &more), 0);
	assert_int_equal(search(f->s, STORE_SEARCH_ADDRESSES, "AL@", 8, out, &more), 1);
	assert_string_equal(out[0], "alice@example.test");
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "", 8, out, &more), 0);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "zed", 8, out, &more), 0);

	/* renaming re-indexes: the old name no longer finds her */
	make_user(&u, "alice@example.test", 0);
	snprintf(u.display_name, sizeof u.display_name, "Alicia Sample");
	put_user(f->s, &u);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "alice ex", 8, out, &more), 0);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "sample", 8, out, &more), 1);
	assert_int_equal(search(f->s, STORE_SEARCH_ADDRESSES, "al@", 8, out, &more), 0);

	/* deleting removes every index entry */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_delete(t, "alice@example.test"), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "a", 8, out, &more), 0);
	struct store_stat st;
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.users, 1);
	assert_true(st.names > 0);
}

/* A schema-1 store (no name index) is upgraded at open and searchable. */
/* Close the store and open its file with plain LMDB, to make it look like
 * one an older build wrote. */
static MDB_env *close_and_open_raw(struct fixture *f)
{
	char file[160];
	store_close(f->s);
	f->s = NULL;
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);
	return open_raw(file);
}

static void test_schema_upgrade(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	char file[160], out[4][STORE_ADDR_MAX + 1];
	int more;

	make_user(&u, "carol@example.test", 0);
	snprintf(u.display_name, sizeof u.display_name, "Carol Example");
	put_user(f->s, &u);
	/* make it look like schema 1: version 1, empty names DBI */
	store_close(f->s);
	f->s = NULL;
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);
	force_schema(file, 1, 1);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(search(f->s, STORE_SEARCH_NAMES, "carol", 4, out, &more), 1);
	assert_string_equal(out[0], "carol@example.test");
}

/* A schema-3 store (before the upload rendition) opens, is upgraded to 4,
 * keeps its photos, and then stores the upload rendition. */
static void test_schema3_photos(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct photo_record r;
	struct photo_set set;
	store_txn_t *t;
	char file[160];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi meta;
	MDB_val k = { 14, "schema_version" }, v;

	make_user(&u, "dora@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	make_set(&set, 0xFu, 'O');     /* what a schema-3 build stored for 200 x 200 */
	assert_int_equal(store_photo_set(t, "dora@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	store_close(f->s);
	f->s = NULL;
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);
	force_schema(file, 3, 0);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_photo_get(t, "dora@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 0xFu);
	expect_blob(t, "dora@example.test", PHOTO_HR120, "fake O 3");
	make_set(&set, 0xFu | 1u << PHOTO_UPLOAD, 'N');
	assert_int_equal(store_photo_set(t, "dora@example.test", &set), EMU_OK);
	free_set(&set);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	store_close(f->s);
	f->s = NULL;

	/* the version on disk is now the current one */
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_set_maxdbs(env, 16), 0);
	assert_int_equal(mdb_env_open(env, file, MDB_NOSUBDIR | MDB_RDONLY, 0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_get(txn, meta, &k, &v), 0);
	assert_int_equal(v.mv_size, 4);
	assert_int_equal(((unsigned char *)v.mv_data)[3], 7);   /* upgraded to the current schema */
	mdb_txn_abort(txn);
	mdb_env_close(env);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	expect_blob(t, "dora@example.test", PHOTO_UPLOAD, "fake N 9");
	store_txn_abort(t);
}

/* Every contact field survives a round trip; timestamps are the store's. */
static void test_contact_fields(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record c, got;
	store_txn_t *t;

	make_user(&u, "owner@example.test", 0);
	put_user(f->s, &u);
	memset(&c, 0, sizeof c);
	snprintf(c.display_name, sizeof c.display_name, "Dana Q. Builder");
	snprintf(c.middle_name, sizeof c.middle_name, "Q.");
	snprintf(c.nickname, sizeof c.nickname, "Dee");
	snprintf(c.email2, sizeof c.email2, "dana@home.test");
	snprintf(c.email3, sizeof c.email3, "dana@other.test");
	snprintf(c.job_title, sizeof c.job_title, "Architect");
	snprintf(c.department, sizeof c.department, "Design");
	snprintf(c.office, sizeof c.office, "HQ 3");
	snprintf(c.business_phone, sizeof c.business_phone, "+1 555 0101");
	snprintf(c.mobile_phone, sizeof c.mobile_phone, "+1 555 0102");
	snprintf(c.home_phone, sizeof c.home_phone, "+1 555 0103");
	snprintf(c.street, sizeof c.street, "1 Main St");
	snprintf(c.city, sizeof c.city, "Springfield");
	snprintf(c.state, sizeof c.state, "IL");
	snprintf(c.postal_code, sizeof c.postal_code, "62701");
	snprintf(c.country, sizeof c.country, "United States");
	snprintf(c.birthday, sizeof c.birthday, "1980-02-29");
	memset(c.notes, 'n', STORE_NOTES_MAX);
	c.notes[STORE_NOTES_MAX] = '\0';
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_add(t, "owner@example.test", &c, NULL, 0), EMU_OK);
	assert_true(c.created > 0);
	assert_int_equal(c.created, c.modified);
	assert_int_equal(store_contact_get(t, "owner@example.test", c.id, &got), EMU_OK);
	assert_int_equal(memcmp(&c, &got, sizeof c), 0);
	/* a field that fills its array is refused and changes nothing */
	got.notes[STORE_NOTES_MAX] = 'x';
	assert_int_equal(store_contact_update(t, "owner@example.test", &got), EMU_ELIMIT);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

static int lockout_of(store_t *s, const char *addr, struct store_lockout *out)
{
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	int rc = store_lockout_get(t, addr, out);
	store_txn_abort(t);
	return rc;
}

static void set_lockout(store_t *s, const char *addr, int64_t at, int64_t until, uint32_t n)
{
	struct store_lockout l = { .locked_at = at, .locked_until = until, .bad_count = n };
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 1, &t), EMU_OK);
	assert_int_equal(store_lockout_set(t, addr, &l), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
}

/* Lockout records: any address reaches them, a new password or deleting the
 * user drops them, bad values and read txns are refused. */
static void test_lockout(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct store_lockout l, bad = { .locked_at = 0, .locked_until = 5, .bad_count = 1 };
	store_txn_t *t;

	make_user(&u, "Lee@Example.test", 1, "lee.alt@example.test");
	snprintf(u.password_hash, sizeof u.password_hash, "hash-1");
	put_user(f->s, &u);
	assert_int_equal(lockout_of(f->s, "lee@example.test", &l), EMU_OK);
	assert_int_equal(l.locked_at, 0);
	assert_int_equal(l.locked_until, 0);
	assert_int_equal(lockout_of(f->s, "nobody@example.test", &l), EMU_ENOTFOUND);

	set_lockout(f->s, "LEE.ALT@example.test", 1000, 1600, 10);
	assert_int_equal(lockout_of(f->s, "lee@example.test", &l), EMU_OK);
	assert_int_equal(l.locked_at, 1000);
	assert_int_equal(l.locked_until, 1600);
	assert_int_equal(l.bad_count, 10);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_lockout_set(t, "lee@example.test", &l), EMU_EINVAL);   /* read txn */
	assert_int_equal(store_lockout_clear(t, "lee@example.test"), EMU_EINVAL);
	store_txn_abort(t);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_lockout_set(t, "lee@example.test", &bad), EMU_EINVAL);
	bad.locked_at = 10;
	assert_int_equal(store_lockout_set(t, "lee@example.test", &bad), EMU_EINVAL); /* ends before it began */
	assert_int_equal(store_lockout_set(t, "nobody@example.test", &l), EMU_ENOTFOUND);
	assert_int_equal(store_lockout_clear(t, "nobody@example.test"), EMU_ENOTFOUND);
	store_txn_abort(t);

	/* the same password hash (other fields changed) keeps the lockout ... */
	snprintf(u.title, sizeof u.title, "Manager");
	put_user(f->s, &u);
	assert_int_equal(lockout_of(f->s, "lee@example.test", &l), EMU_OK);
	assert_int_equal(l.locked_until, 1600);
	/* ... a new one ends it */
	snprintf(u.password_hash, sizeof u.password_hash, "hash-2");
	put_user(f->s, &u);
	assert_int_equal(lockout_of(f->s, "lee@example.test", &l), EMU_OK);
	assert_int_equal(l.locked_at, 0);

	/* clear: once with a record, once without */
	set_lockout(f->s, "lee@example.test", 1000, 1600, 10);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
		assert_int_equal(store_lockout_clear(t, "lee.alt@example.test"), EMU_OK);
		assert_int_equal(store_txn_commit(t), EMU_OK);
		assert_int_equal(lockout_of(f->s, "lee@example.test", &l), EMU_OK);
		assert_int_equal(l.locked_at, 0);
	}

	/* deleting the user deletes the record: a new user of that address starts clean */
	set_lockout(f->s, "lee@example.test", 1000, 1600, 10);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_delete(t, "lee@example.test"), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	struct store_stat st;
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.lockouts, 0);
}

/* store_last_txnid() moves with every commit (not with aborts or reads) and
 * equals the snapshot id of a read txn begun after the commit. */
static void test_txnid(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct store_stat st;
	store_txn_t *t;

	uint64_t before = store_last_txnid(f->s);
	assert_true(before > 0);
	assert_int_equal(store_stat(f->s, &st), EMU_OK);
	assert_int_equal(st.last_txnid, before);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_txn_id(t), before);
	make_user(&u, "tx@example.test", 0);
	put_user(f->s, &u);
	uint64_t after = store_last_txnid(f->s);
	assert_true(after > before);
	assert_int_equal(store_txn_id(t), before);   /* the old snapshot keeps its id */
	store_txn_abort(t);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	store_txn_abort(t);
	assert_int_equal(store_last_txnid(f->s), after);
}

/* A store written before the lockout DBI existed opens, and gains it. */
static void test_store_without_lockout_dbi(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct store_lockout l;
	MDB_txn *txn;
	MDB_dbi dbi;

	make_user(&u, "old@example.test", 0);
	put_user(f->s, &u);
	MDB_env *env = close_and_open_raw(f);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "lockout", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);   /* delete the DBI itself */
	assert_int_equal(mdb_txn_commit(txn), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "lockout", 0, &dbi), MDB_NOTFOUND);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(lockout_of(f->s, "old@example.test", &l), EMU_OK);
	assert_int_equal(l.locked_at, 0);
	set_lockout(f->s, "old@example.test", 1000, 1600, 3);
	assert_int_equal(lockout_of(f->s, "old@example.test", &l), EMU_OK);
	assert_int_equal(l.bad_count, 3);
}

/* ---- change log ------------------------------------------------------------ */

struct log_buf { char text[512]; size_t n; };

static int collect_change(const struct store_change *c, void *ctx)
{
	struct log_buf *b = ctx;
	size_t len = strlen(b->text);
	snprintf(b->text + len, sizeof b->text - len, "%llu%c%.4s;", (unsigned long long)c->seq,
	         "?CUD"[c->kind], c->id);
	b->n++;
	return 0;
}

/* The log of @p owner after @p after, as "seq kind id4;..." */
static const char *log_of(store_t *s, const char *owner, uint64_t after, uint64_t upto, struct log_buf *b)
{
	store_txn_t *t;
	memset(b, 0, sizeof *b);
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_changes_foreach(t, owner, after, upto, collect_change, b), EMU_OK);
	store_txn_abort(t);
	return b->text;
}

static void range_of(store_t *s, const char *owner, uint64_t *first, uint64_t *last)
{
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_changes_range(t, owner, first, last), EMU_OK);
	store_txn_abort(t);
}

static void add_named(store_txn_t *t, const char *owner, const char *id, const char *name)
{
	struct contact_record c;
	memset(&c, 0, sizeof c);
	snprintf(c.id, sizeof c.id, "%s", id);
	snprintf(c.display_name, sizeof c.display_name, "%s", name);
	assert_int_equal(store_contact_add(t, owner, &c, NULL, 0), EMU_OK);
}

#define ID_A "aaaa0000000000000000000000000000"
#define ID_B "bbbb0000000000000000000000000000"

/* Each contact change logs one entry in its own txn; an aborted txn logs
 * nothing; mailboxes have separate sequences; failed calls log nothing. */
static void test_change_log(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record c;
	struct log_buf b;
	store_txn_t *t;
	uint64_t first, last;

	make_user(&u, "alice@example.test", 1, "al@example.test");
	put_user(f->s, &u);
	make_user(&u, "bob@example.test", 0);
	put_user(f->s, &u);
	range_of(f->s, "alice@example.test", &first, &last);
	assert_true(first == 1 && last == 0);

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "AL@example.test", ID_A, "A");
	assert_int_equal(store_contact_get(t, "alice@example.test", ID_A, &c), EMU_OK);
	snprintf(c.surname, sizeof c.surname, "Smith");
	assert_int_equal(store_contact_update(t, "alice@example.test", &c), EMU_OK);
	assert_int_equal(store_contact_set_photo(t, "alice@example.test", ID_A, "jpg", 3, 1, 1), EMU_OK);
	add_named(t, "bob@example.test", ID_B, "B");
	/* refused calls change nothing, log included */
	assert_int_equal(store_contact_remove(t, "alice@example.test", ID_B), EMU_ENOTFOUND);
	assert_int_equal(store_contact_update(t, "alice@example.test", &(struct contact_record){ .id = ID_B }),
	                 EMU_ENOTFOUND);
	assert_int_equal(store_contact_remove(t, "alice@example.test", ID_A), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);

	assert_string_equal(log_of(f->s, "alice@example.test", 0, 100, &b), "1Caaaa;2Uaaaa;3Uaaaa;4Daaaa;");
	assert_string_equal(log_of(f->s, "alice@example.test", 1, 3, &b), "2Uaaaa;3Uaaaa;");
	assert_string_equal(log_of(f->s, "alice@example.test", 4, 100, &b), "");
	assert_string_equal(log_of(f->s, "bob@example.test", 0, 100, &b), "1Cbbbb;");
	range_of(f->s, "al@example.test", &first, &last);
	assert_true(first == 1 && last == 4);

	/* all or nothing: an aborted change leaves no entry */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "alice@example.test", ID_B, "B");
	store_txn_abort(t);
	range_of(f->s, "alice@example.test", &first, &last);
	assert_true(first == 1 && last == 4);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_changes_range(t, "nobody@example.test", &first, &last), EMU_ENOTFOUND);
	store_txn_abort(t);
}

/* Deleting a user (what a re-import does) logs a Delete for each contact;
 * the sequence goes on when the user comes back. */
static void test_change_log_user_delete(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct log_buf b;
	store_txn_t *t;
	uint64_t first, last;

	make_user(&u, "carol@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "carol@example.test", ID_A, "A");
	add_named(t, "carol@example.test", ID_B, "B");
	assert_int_equal(store_user_delete(t, "carol@example.test"), EMU_OK);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	add_named(t, "carol@example.test", ID_B, "B again");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_string_equal(log_of(f->s, "carol@example.test", 0, 100, &b),
	                    "1Caaaa;2Cbbbb;3Daaaa;4Dbbbb;5Cbbbb;");
	range_of(f->s, "carol@example.test", &first, &last);
	assert_true(first == 1 && last == 5);
}

/* At most STORE_CHANGES_KEEP entries are kept: the oldest go first. */
static void test_change_log_retention(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record c;
	struct log_buf b;
	store_txn_t *t;
	uint64_t first, last;

	make_user(&u, "dave@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "dave@example.test", ID_A, "A");
	assert_int_equal(store_contact_get(t, "dave@example.test", ID_A, &c), EMU_OK);
	for (int i = 0; i < STORE_CHANGES_KEEP + 4; i++)      /* one at the limit, then 4 above */
		assert_int_equal(store_contact_update(t, "dave@example.test", &c), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	range_of(f->s, "dave@example.test", &first, &last);
	assert_int_equal(last, STORE_CHANGES_KEEP + 5);
	assert_int_equal(first, 6);
	assert_int_equal(last - first + 1, STORE_CHANGES_KEEP);
	log_of(f->s, "dave@example.test", 0, last, &b);
	assert_int_equal(b.n, STORE_CHANGES_KEEP);      /* entries 1..5 are gone */
	assert_string_equal(log_of(f->s, "dave@example.test", 0, 6, &b), "6Uaaaa;");
}

/* A schema-4 store (no changes DBI, no secret) opens: upgraded to 5, its
 * contacts kept, an empty log whose next entry is 1, and a secret that
 * stays the same across opens and differs between stores. */
static void test_schema4_upgrade(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct contact_record c;
	struct log_buf b;
	unsigned char secret[STORE_SECRET_LEN];
	store_txn_t *t;
	uint64_t first, last;
	MDB_txn *txn;
	MDB_dbi dbi, meta;
	MDB_val k = { 6, "secret" };
	char file[160], other[96];
	store_t *s2;

	make_user(&u, "erin@example.test", 0);
	put_user(f->s, &u);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "erin@example.test", ID_A, "A");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	memcpy(secret, store_secret(f->s), sizeof secret);
	MDB_env *env = close_and_open_raw(f);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "changes", 0, &dbi), 0);
	assert_int_equal(mdb_drop(txn, dbi, 1), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_del(txn, meta, &k, NULL), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);
	force_schema(file, 4, 0);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	range_of(f->s, "erin@example.test", &first, &last);
	assert_true(first == 1 && last == 0);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, "erin@example.test", ID_A, &c), EMU_OK);
	assert_int_equal(store_contact_remove(t, "erin@example.test", ID_A), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_string_equal(log_of(f->s, "erin@example.test", 0, 9, &b), "1Daaaa;");
	/* a new secret was made (the old one was dropped) and is kept */
	memcpy(secret, store_secret(f->s), sizeof secret);
	store_close(f->s);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_memory_equal(secret, store_secret(f->s), sizeof secret);
	/* another store has another secret */
	snprintf(other, sizeof other, "%s/other", f->dir);
	assert_int_equal(store_open(other, 0, &s2), EMU_OK);
	assert_memory_not_equal(secret, store_secret(s2), sizeof secret);
	store_close(s2);
	/* a newer build's store is refused; schema 7 is the current one */
	store_close(f->s);
	f->s = NULL;
	force_schema(file, 8, 0);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_EFORMAT);
	force_schema(file, 7, 0);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
}

/* The NT hash beside the PBKDF2 hash (schema 7): store_user_set_password()
 * sets both (MS-NLMP 4.2.1: NT hash of "Password"), it survives a round
 * trip, a user written without one reads back without one, and a schema-5
 * store (users without NT hashes) opens, is upgraded and keeps its users. */
static void test_user_nt_hash(void **state)
{
	struct fixture *f = *state;
	static const uint8_t want[16] = {0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	                                 0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52};
	struct user_record *u = calloc(1, sizeof *u), *g = calloc(1, sizeof *g);
	store_txn_t *t;
	char file[600];
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);

	snprintf(u->email, sizeof u->email, "nt@example.test");
	assert_int_equal(store_user_set_password(u, "Password"), EMU_OK);
	assert_true(u->has_nt_hash);
	assert_memory_equal(u->nt_hash, want, 16);
	assert_true(password_verify("Password", u->password_hash));
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, u), EMU_OK);
	snprintf(u->email, sizeof u->email, "old@example.test");
	u->has_nt_hash = 0;   /* as an older build wrote it */
	assert_int_equal(store_user_put(t, u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	/* not UTF-8: refused, both fields cleared */
	assert_int_equal(store_user_set_password(u, "bad \xff"), EMU_EINVAL);
	assert_false(u->has_nt_hash);
	assert_string_equal(u->password_hash, "");

	store_close(f->s);
	f->s = NULL;
	force_schema(file, 5, 0);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_get(t, "NT@example.test", g), EMU_OK);
	assert_true(g->has_nt_hash);
	assert_memory_equal(g->nt_hash, want, 16);
	assert_int_equal(store_user_get(t, "old@example.test", g), EMU_OK);
	assert_false(g->has_nt_hash);
	assert_true(password_verify("Password", g->password_hash));
	store_txn_abort(t);
	free(u);
	free(g);
}

#define ID_C "cccc0000000000000000000000000000"
#define ID_D "dddd0000000000000000000000000000"

static uint32_t article_of(store_t *s, const char *owner, const char *id)
{
	struct contact_record c;
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, owner, id, &c), EMU_OK);
	store_txn_abort(t);
	return c.article;
}

static struct store_folder_state state_of(store_t *s, const char *owner)
{
	struct store_folder_state st;
	store_txn_t *t;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_contacts_state(t, owner, &st), EMU_OK);
	store_txn_abort(t);
	return st;
}

/* Article numbers: 1, 2, ... per mailbox at creation; kept by update and
 * picture changes; never reused after a delete, a user delete + re-create
 * or a restart; an aborted add takes none; the counter is per mailbox; at
 * STORE_ARTICLE_MAX the next add is refused and changes nothing. */
static void test_articles(void **state)
{
	struct fixture *f = *state;
	struct user_record u, u2;
	struct contact_record c;
	struct store_folder_state st;
	store_txn_t *t;

	make_user(&u, "ann@example.test", 0);
	make_user(&u2, "ben@example.test", 0);
	put_user(f->s, &u);
	put_user(f->s, &u2);
	st = state_of(f->s, "ann@example.test");
	assert_int_equal(st.article_next, 1);
	assert_true(st.changed > 0);   /* never changed: the store's creation time */
	int64_t created = st.changed;
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "ann@example.test", ID_B, "B");
	add_named(t, "ann@example.test", ID_A, "A");
	add_named(t, "ben@example.test", ID_A, "A");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_B), 1);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_A), 2);
	assert_int_equal(article_of(f->s, "ben@example.test", ID_A), 1);
	/* an aborted add takes no number */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "ann@example.test", ID_C, "C");
	store_txn_abort(t);
	assert_int_equal(state_of(f->s, "ann@example.test").article_next, 3);
	/* update and picture keep it; a delete + re-add gets a new one */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, "ann@example.test", ID_B, &c), EMU_OK);
	c.article = 77;   /* ignored: the store keeps its number */
	assert_int_equal(store_contact_update(t, "ann@example.test", &c), EMU_OK);
	assert_int_equal(c.article, 1);
	assert_int_equal(store_contact_set_photo(t, "ann@example.test", ID_B, "jpg", 3, 1, 1), EMU_OK);
	assert_int_equal(store_contact_remove(t, "ann@example.test", ID_A), EMU_OK);
	add_named(t, "ann@example.test", ID_A, "A again");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_B), 1);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_A), 3);
	/* a restart keeps numbers and counter */
	store_close(f->s);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_A), 3);
	st = state_of(f->s, "ann@example.test");
	assert_int_equal(st.article_next, 4);
	assert_true(st.changed >= created);
	/* the user goes and comes back: numbering continues */
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_delete(t, "ann@example.test"), EMU_OK);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	add_named(t, "ann@example.test", ID_D, "D");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(article_of(f->s, "ann@example.test", ID_D), 4);
	/* the last number, then one above (ben's counter set to the last) */
	{
		MDB_env *env = close_and_open_raw(f);
		MDB_txn *txn;
		MDB_dbi meta;
		unsigned char b[12] = { 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1 };
		MDB_val k = { sizeof "folder\0ben@example.test" - 1, "folder\0ben@example.test" },
		        v = { sizeof b, b };
		assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
		assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
		assert_int_equal(mdb_put(txn, meta, &k, &v, 0), 0);
		assert_int_equal(mdb_txn_commit(txn), 0);
		mdb_env_close(env);
		assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	}
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "ben@example.test", ID_B, "B");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(article_of(f->s, "ben@example.test", ID_B), STORE_ARTICLE_MAX);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	memset(&c, 0, sizeof c);
	memcpy(c.id, ID_C, sizeof ID_C);
	snprintf(c.display_name, sizeof c.display_name, "C");
	assert_int_equal(store_contact_add(t, "ben@example.test", &c, NULL, 0), EMU_ELIMIT);
	store_txn_abort(t);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_get(t, "ben@example.test", ID_C, &c), EMU_ENOTFOUND);
	store_txn_abort(t);
}

/* Drop tag 14 (the article number) from every contact record, and the
 * folder states and creation time from meta, as a schema-5 build left them. */
static void make_schema5(struct fixture *f)
{
	MDB_env *env = close_and_open_raw(f);
	MDB_txn *txn;
	MDB_dbi contacts, meta;
	MDB_cursor *cur;
	MDB_val k, v;
	char file[160], key[512];
	int rc;

	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, "contacts", 0, &contacts), 0);
	assert_int_equal(mdb_dbi_open(txn, "meta", 0, &meta), 0);
	assert_int_equal(mdb_cursor_open(txn, contacts, &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		unsigned char out[8192];
		const unsigned char *p = v.mv_data;
		size_t n = 1, i = 1;
		assert_true(v.mv_size <= sizeof out);
		out[0] = p[0];
		while (i < v.mv_size) {
			size_t len = (size_t)p[i + 1] << 8 | p[i + 2];
			if (p[i] != 14) {
				memcpy(out + n, p + i, 3 + len);
				n += 3 + len;
			}
			i += 3 + len;
		}
		assert_true(n < v.mv_size);   /* every record had a number */
		assert_true(k.mv_size <= sizeof key);
		memcpy(key, k.mv_data, k.mv_size);   /* the put moves the page k points into */
		k.mv_data = key;
		v.mv_data = out;
		v.mv_size = n;
		assert_int_equal(mdb_cursor_put(cur, &k, &v, MDB_CURRENT), 0);
	}
	mdb_cursor_close(cur);
	assert_int_equal(mdb_cursor_open(txn, meta, &cur), 0);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((k.mv_size > 7 && memcmp(k.mv_data, "folder", 7) == 0) ||
		    (k.mv_size == 7 && memcmp(k.mv_data, "created", 7) == 0))
			assert_int_equal(mdb_cursor_del(cur, 0), 0);
	mdb_cursor_close(cur);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	snprintf(file, sizeof file, "%s/ewsemu.mdb", f->db);
	force_schema(file, 5, 0);
}

/* A schema-5 store: its contacts are numbered 1..n per mailbox in key order
 * at open, the counters continue after them, and the numbers stay. */
static void test_schema5_upgrade(void **state)
{
	struct fixture *f = *state;
	struct user_record u, u2;
	store_txn_t *t;

	make_user(&u, "cy@example.test", 0);
	make_user(&u2, "di@example.test", 0);
	put_user(f->s, &u);
	put_user(f->s, &u2);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	add_named(t, "cy@example.test", ID_C, "C");
	add_named(t, "cy@example.test", ID_A, "A");
	add_named(t, "cy@example.test", ID_B, "B");
	add_named(t, "di@example.test", ID_D, "D");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	make_schema5(f);

	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_true(state_of(f->s, "di@example.test").changed > 0);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_A), 1);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_B), 2);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_C), 3);
	assert_int_equal(article_of(f->s, "di@example.test", ID_D), 1);
	assert_int_equal(state_of(f->s, "cy@example.test").article_next, 4);
	assert_int_equal(state_of(f->s, "di@example.test").article_next, 2);
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_contact_remove(t, "cy@example.test", ID_B), EMU_OK);
	add_named(t, "cy@example.test", ID_D, "D");
	assert_int_equal(store_txn_commit(t), EMU_OK);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_D), 4);
	/* a second open changes nothing */
	store_close(f->s);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_C), 3);
	assert_int_equal(article_of(f->s, "cy@example.test", ID_D), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_user_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_nt_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_replace_proxies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_clash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_photo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contacts_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persistence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_copied_inside_txn, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema3_photos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_contact_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lockout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txnid, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_without_lockout_dbi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_log_user_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_log_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema4_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_articles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema5_upgrade, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
