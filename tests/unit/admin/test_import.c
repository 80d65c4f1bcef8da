/* test_import.c - admin_import_tenant(): a good tenant file, re-import
 * (replace), and error cases that must leave the store exactly unchanged and
 * name the entry.  Test JPEGs are generated with TurboJPEG into a temp dir. */
#define _GNU_SOURCE /* nftw */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>

#include "admin/admin.h"
#include "core/password.h"
#include "core/result.h"
#include "photo/photo.h"
#include "store/store.h"

struct fixture {
	char dir[64];
	char db[96];
	store_t *s;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static void write_file(const struct fixture *f, const char *name, const void *data, size_t len)
{
	char path[256];
	FILE *fp;
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void write_text(const struct fixture *f, const char *name, const char *text)
{
	write_file(f, name, text, strlen(text));
}

/* A w x h JPEG with a colour gradient, written to dir/name. */
static void write_jpeg(const struct fixture *f, const char *name, int w, int h)
{
	unsigned char *rgb = malloc((size_t)w * (size_t)h * 3), *jpeg = NULL;
	unsigned long size = 0;
	tjhandle tj = tjInitCompress();
	assert_non_null(rgb);
	assert_non_null(tj);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			unsigned char *p = rgb + ((size_t)y * (size_t)w + (size_t)x) * 3;
			p[0] = (unsigned char)(x * 255 / w);
			p[1] = (unsigned char)(y * 255 / h);
			p[2] = 128;
		}
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpeg, &size, TJSAMP_444, 85, 0), 0);
	write_file(f, name, jpeg, size);
	tjFree(jpeg);
	tjDestroy(tj);
	free(rgb);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	char big[PHOTO_MAX_THUMBNAIL_BYTES + 10];
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-import-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/db", f->dir);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	char sub[128];
	snprintf(sub, sizeof sub, "%s/photos", f->dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_jpeg(f, "photos/alice.jpg", 200, 150);
	write_jpeg(f, "photos/alice-thumb.jpg", 64, 80);
	write_jpeg(f, "photos/bob.jpg", 32, 32);
	write_jpeg(f, "photos/carol.jpg", 700, 700);
	write_text(f, "photos/bad.jpg", "this is not a JPEG image at all");
	write_file(f, "photos/image.png", "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\10\2\0\0\0", 29);
	memset(big, 0xff, sizeof big);
	write_file(f, "photos/big-thumb.jpg", big, sizeof big);
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

/* ---- fixtures ------------------------------------------------------------- */

static const char GOOD[] =
	"{ \"domain\": \"example.test\",\n"
	"  \"users\": [\n"
	"    { \"email\": \"alice@example.test\", \"display_name\": \"Alice Example\",\n"
	"      \"alias\": \"alice\", \"given_name\": \"Alice\", \"surname\": \"Example\",\n"
	"      \"proxies\": [\"al@example.test\", \"smtp:Alice.Example@example.test\"],\n"
	"      \"password\": \"secret\",\n"
	"      \"company\": \"Contoso\", \"title\": \"Engineer\", \"department\": \"R&D\",\n"
	"      \"office\": \"B1\", \"phone\": \"+1 555 0100\",\n"
	"      \"photo\": \"photos/alice.jpg\", \"thumbnail\": \"photos/alice-thumb.jpg\",\n"
	"      \"photo_deleted\": false,\n"
	"      \"contacts\": [ { \"display_name\": \"Bob Builder\", \"given_name\": \"Bob\",\n"
	"                      \"surname\": \"Builder\", \"file_as\": \"Builder, Bob\",\n"
	"                      \"email\": \"bob@builder.test\", \"company\": \"Builders\",\n"
	"                      \"photo\": \"photos/bob.jpg\" },\n"
	"                    { \"display_name\": \"Wendy\" } ] },\n"
	"    { \"email\": \"Bob@Example.test\", \"display_name\": \"Bob\", \"admin\": true,\n"
	"      \"photo\": \"photos/carol.jpg\", \"thumbnail\": \"photos/alice-thumb.jpg\",\n"
	"      \"photo_deleted\": true },\n"
	"    { \"email\": \"carol@example.test\" }\n"
	"  ] }\n";

/* A valid first user that differs from the stored alice, so an import that
 * wrote anything before failing would be noticed. */
#define ALICE2 "{ \"email\": \"alice@example.test\", \"display_name\": \"Changed\", " \
	"\"proxies\": [\"al@example.test\"], \"photo\": \"photos/bob.jpg\" }"

static int import(struct fixture *f, const char *name, char *err, size_t errsz)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return admin_import_tenant(f->s, path, err, errsz);
}

/* ---- a text fingerprint of everything the store holds --------------------- */

struct fp {
	char *buf;
	size_t len, cap;
	store_txn_t *t;
};

__attribute__((format(printf, 2, 3)))
static void fp_add(struct fp *p, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(p->buf + p->len, p->cap - p->len, fmt, ap);
		va_end(ap);
		assert_true(n >= 0);
		if ((size_t)n < p->cap - p->len)
			break;
		p->cap = p->cap * 2 + (size_t)n;
		p->buf = realloc(p->buf, p->cap);
		assert_non_null(p->buf);
	}
	p->len += (size_t)n;
}

static void fp_info(struct fp *p, const struct store_image_info *i)
{
	fp_add(p, "[%u %ux%u %s]", (unsigned)i->len, i->width, i->height, i->etag);
}

static int fp_contact(const struct contact_record *c, void *ctx)
{
	struct fp *p = ctx;
	fp_add(p, "  contact %s %u %s|%s|%s|%s|%s|%s %d", c->id, (unsigned)c->change,
	       c->display_name, c->given_name, c->surname, c->file_as, c->email, c->company,
	       c->has_photo);
	if (c->has_photo)
		fp_info(p, &c->photo);
	fp_add(p, "\n");
	return 0;
}

static int fp_user(const struct user_record *u, void *ctx)
{
	struct fp *p = ctx;
	struct photo_record r;
	fp_add(p, "user %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d|", u->email, u->display_name,
	       u->alias, u->given_name, u->surname, u->company, u->title, u->department,
	       u->office, u->phone, u->password_hash, u->is_admin);
	for (int i = 0; i < u->nproxies; i++)
		fp_add(p, "%s,", u->proxies[i]);
	assert_int_equal(store_photo_get(p->t, u->email, &r), EMU_OK);
	fp_add(p, "\n  photo del=%d mask=%x src=%dx%d ch=%lld/%lld ", r.deleted, r.mailbox_mask,
	       r.source_width, r.source_height, (long long)r.mailbox_changed,
	       (long long)r.thumbnail_changed);
	for (int s = 0; s < PHOTO_SIZE_COUNT; s++)
		fp_info(p, &r.mailbox[s]);
	fp_add(p, " thumb=%d", r.has_thumbnail);
	fp_info(p, &r.thumbnail);
	fp_add(p, "\n");
	assert_int_equal(store_contact_foreach(p->t, u->email, fp_contact, p), EMU_OK);
	return 0;
}

static char *fingerprint(store_t *s)
{
	struct fp p = { NULL, 0, 0, NULL };
	struct store_stat st;
	char dom[STORE_ADDR_MAX + 1];
	p.cap = 4096;
	p.buf = malloc(p.cap);
	assert_non_null(p.buf);
	p.buf[0] = '\0';
	assert_int_equal(store_txn_begin(s, 0, &p.t), EMU_OK);
	if (store_domain_get(p.t, dom, sizeof dom) != EMU_OK)
		dom[0] = '\0';
	fp_add(&p, "domain %s\n", dom);
	assert_int_equal(store_user_foreach(p.t, fp_user, &p), EMU_OK);
	store_txn_abort(p.t);
	assert_int_equal(store_stat(s, &st), EMU_OK);
	fp_add(&p, "txn %llu users %zu addr %zu meta %zu blobs %zu contacts %zu cphotos %zu\n",
	       (unsigned long long)st.last_txnid, st.users, st.addresses, st.photo_records,
	       st.photo_blobs, st.contacts, st.contact_photos);
	return p.buf;
}

/* ---- the good file ----------------------------------------------------------- */

static int count_contacts(const struct contact_record *c, void *ctx)
{
	(void)c;
	(*(int *)ctx)++;
	return 0;
}

static int find_bob_builder(const struct contact_record *c, void *ctx)
{
	if (strcmp(c->display_name, "Bob Builder") == 0)
		*(struct contact_record *)ctx = *c;
	return 0;
}

static void file_etag(const struct fixture *f, const char *name, char etag[PHOTO_ETAG_LEN + 1])
{
	char path[256];
	unsigned char buf[PHOTO_MAX_THUMBNAIL_BYTES];
	FILE *fp;
	size_t n;
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof buf, fp);
	fclose(fp);
	photo_etag(buf, n, etag);
}

static void test_import_good(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct photo_record r;
	struct contact_record c;
	store_txn_t *t;
	char err[256], etag[PHOTO_ETAG_LEN + 1], dom[64];
	const void *p;
	size_t n;
	int nc = 0;

	write_text(f, "tenant.json", GOOD);
	assert_int_equal(import(f, "tenant.json", err, sizeof err), EMU_OK);
	assert_string_equal(err, "");

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_count(t, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_domain_get(t, dom, sizeof dom), EMU_OK);
	assert_string_equal(dom, "example.test");

	/* alice: every field, proxies without "smtp:", hashed password */
	assert_int_equal(store_user_get(t, "ALICE.EXAMPLE@example.test", &u), EMU_OK);
	assert_string_equal(u.email, "alice@example.test");
	assert_string_equal(u.display_name, "Alice Example");
	assert_string_equal(u.alias, "alice");
	assert_string_equal(u.given_name, "Alice");
	assert_string_equal(u.surname, "Example");
	assert_string_equal(u.company, "Contoso");
	assert_string_equal(u.title, "Engineer");
	assert_string_equal(u.department, "R&D");
	assert_string_equal(u.office, "B1");
	assert_string_equal(u.phone, "+1 555 0100");
	assert_int_equal(u.nproxies, 2);
	assert_string_equal(u.proxies[0], "al@example.test");
	assert_string_equal(u.proxies[1], "Alice.Example@example.test");
	assert_true(password_verify("secret", u.password_hash));
	assert_int_equal(u.is_admin, 0);

	/* 200x150 upload: renditions up to 150 px -> HR48..HR120, and the
	 * centre-cropped upload at 150 x 150 (between two size codes) */
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 0);
	assert_int_equal(r.mailbox_mask, 0xfu | 1u << PHOTO_UPLOAD);
	assert_int_equal(r.mailbox[PHOTO_UPLOAD].width, 150);
	assert_int_equal(r.mailbox[PHOTO_UPLOAD].height, 150);
	assert_int_equal(r.source_width, 200);
	assert_int_equal(r.source_height, 150);
	for (int s = 0; s < 4; s++) {
		assert_int_equal(store_photo_blob(t, "alice@example.test", (enum photo_size)s, &p, &n), EMU_OK);
		assert_int_equal(n, r.mailbox[s].len);
		photo_etag(p, n, etag);
		assert_string_equal(etag, r.mailbox[s].etag);
		assert_int_equal(r.mailbox[s].width, photo_size_pixels((enum photo_size)s));
	}
	/* the store's thumbnail ETag is photo_etag() of the file */
	assert_int_equal(r.has_thumbnail, 1);
	assert_int_equal(r.thumbnail.width, 64);
	assert_int_equal(r.thumbnail.height, 80);
	file_etag(f, "photos/alice-thumb.jpg", etag);
	assert_string_equal(r.thumbnail.etag, etag);

	/* contacts */
	assert_int_equal(store_contact_foreach(t, "alice@example.test", count_contacts, &nc), EMU_OK);
	assert_int_equal(nc, 2);
	memset(&c, 0, sizeof c);
	assert_int_equal(store_contact_foreach(t, "alice@example.test", find_bob_builder, &c), EMU_OK);
	assert_string_equal(c.given_name, "Bob");
	assert_string_equal(c.surname, "Builder");
	assert_string_equal(c.file_as, "Builder, Bob");
	assert_string_equal(c.email, "bob@builder.test");
	assert_string_equal(c.company, "Builders");
	assert_int_equal(c.change, 1);
	assert_int_equal(c.has_photo, 1);
	assert_int_equal(c.photo.width, 32);
	file_etag(f, "photos/bob.jpg", etag);
	assert_string_equal(c.photo.etag, etag);
	assert_int_equal(store_contact_photo(t, "alice@example.test", c.id, &p, &n), EMU_OK);
	assert_int_equal(n, c.photo.len);

	/* bob: admin, no password, photo then deletion record; thumbnail kept */
	assert_int_equal(store_user_get(t, "bob@example.test", &u), EMU_OK);
	assert_string_equal(u.email, "Bob@Example.test");
	assert_int_equal(u.is_admin, 1);
	assert_string_equal(u.password_hash, "");
	assert_int_equal(store_photo_get(t, "bob@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 1);
	assert_int_equal(r.mailbox_mask, 0);
	assert_int_equal(r.has_thumbnail, 1);
	assert_int_equal(store_photo_blob(t, "bob@example.test", PHOTO_HR48, &p, &n), EMU_ENOTFOUND);
	assert_int_equal(store_thumbnail_blob(t, "bob@example.test", &p, &n), EMU_OK);

	/* carol: a bare entry */
	assert_int_equal(store_photo_get(t, "carol@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 0);
	assert_int_equal(r.has_thumbnail, 0);
	store_txn_abort(t);
}

static void test_import_replaces(void **state)
{
	struct fixture *f = *state;
	struct user_record u;
	struct photo_record r;
	store_txn_t *t;
	char err[256];
	size_t n;
	int nc = 0;

	write_text(f, "tenant.json", GOOD);
	assert_int_equal(import(f, "tenant.json", err, sizeof err), EMU_OK);
	/* same file again: same users, contacts not doubled */
	assert_int_equal(import(f, "tenant.json", err, sizeof err), EMU_OK);
	/* a smaller file replaces alice (proxy, photo, thumbnail, contacts go)
	 * and leaves bob and carol alone */
	write_text(f, "alice2.json", "{ \"domain\": \"example.test\", \"users\": [ " ALICE2 " ] }");
	assert_int_equal(import(f, "alice2.json", err, sizeof err), EMU_OK);

	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_user_count(t, &n), EMU_OK);
	assert_int_equal(n, 3);
	assert_int_equal(store_user_get(t, "alice.example@example.test", &u), EMU_ENOTFOUND);
	assert_int_equal(store_user_get(t, "al@example.test", &u), EMU_OK);
	assert_string_equal(u.display_name, "Changed");
	assert_string_equal(u.password_hash, "");
	assert_int_equal(store_photo_get(t, "alice@example.test", &r), EMU_OK);
	assert_int_equal(r.mailbox_mask, 1u << PHOTO_HR48);   /* 32 px upload */
	assert_int_equal(r.has_thumbnail, 0);
	assert_int_equal(store_contact_foreach(t, "alice@example.test", count_contacts, &nc), EMU_OK);
	assert_int_equal(nc, 0);
	assert_int_equal(store_photo_get(t, "bob@example.test", &r), EMU_OK);
	assert_int_equal(r.deleted, 1);
	store_txn_abort(t);
}

/* ---- errors ---------------------------------------------------------------- */

struct bad_case {
	const char *json;
	int rc;
	const char *msg;   /* expected substring of the error text */
};

#define TENANT(users) "{ \"domain\": \"example.test\", \"users\": [ " users " ] }"

static void test_import_errors(void **state)
{
	struct fixture *f = *state;
	char err[512], *before, *after, longname[400], longjson[1024];
	const struct bad_case cases[] = {
		{ "{ \"domain\": \"example.test\", \"userz\": [] }", EMU_EINVAL,
		  "tenant: unknown key \"userz\"" },
		{ "{ \"users\": [] }", EMU_EINVAL, "tenant: missing \"domain\"" },
		{ "{ \"domain\": 7, \"users\": [] }", EMU_EINVAL, "tenant: \"domain\" must be a string" },
		{ "{ \"domain\": \"exa mple\", \"users\": [] }", EMU_EINVAL, "not a domain name" },
		{ "{ \"domain\": \"example.test\", \"users\": {} }", EMU_EINVAL,
		  "tenant: \"users\" must be an array" },
		{ "[1, 2]", EMU_EINVAL, "tenant: the top level must be an object" },
		{ "{ \"domain\": \"example.test\", \"users\": [ }", EMU_EINVAL, "tenant.json:1:" },
		{ "{ \"domain\": \"a.test\", \"domain\": \"b.test\", \"users\": [] }", EMU_EINVAL,
		  "duplicate object key" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"phtoo\": \"x.jpg\" }"), EMU_EINVAL,
		  "users[1] (bob@example.test): unknown key \"phtoo\"" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": [ {}, "
		         "{ \"display_name\": \"X\", \"nickname\": \"x\" } ] }"), EMU_EINVAL,
		  "users[1].contacts[1] (bob@example.test): unknown key \"nickname\"" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"admin\": \"yes\" }"), EMU_EINVAL,
		  "users[1] (bob@example.test): \"admin\" must be true or false" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"display_name\": 5 }"), EMU_EINVAL,
		  "users[1] (bob@example.test): \"display_name\" must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"title\": null }"), EMU_EINVAL,
		  "users[1] (bob@example.test): \"title\" must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": [ { \"company\": true } ] }"),
		  EMU_EINVAL, "users[1].contacts[0] (bob@example.test): \"company\" must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"proxies\": \"b@example.test\" }"),
		  EMU_EINVAL, "users[1] (bob@example.test): \"proxies\" must be an array" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"proxies\": [ 1 ] }"),
		  EMU_EINVAL, "users[1].proxies[0] (bob@example.test): must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": { } }"),
		  EMU_EINVAL, "users[1] (bob@example.test): \"contacts\" must be an array" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": [ 3 ] }"),
		  EMU_EINVAL, "users[1].contacts[0] (bob@example.test): must be an object" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo_deleted\": 1 }"),
		  EMU_EINVAL, "users[1] (bob@example.test): \"photo_deleted\" must be true or false" },
		{ TENANT(ALICE2 ", { \"display_name\": \"No Mail\" }"), EMU_EINVAL,
		  "users[1]: missing \"email\"" },
		{ TENANT(ALICE2 ", { \"email\": [\"x@example.test\"] }"), EMU_EINVAL,
		  "users[1]: \"email\" must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob.example.test\" }"), EMU_EINVAL,
		  "users[1] (bob.example.test): \"email\" is not an e-mail address" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"proxies\": [\"b@@x\"] }"),
		  EMU_EINVAL, "users[1].proxies[0] (bob@example.test): \"b@@x\" is not an e-mail address" },
		{ TENANT(ALICE2 ", \"x\""), EMU_EINVAL, "users[1]: must be an object" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo\": \"photos/bad.jpg\" }"),
		  EMU_EIMAGE, "users[1].photo (bob@example.test): photos/bad.jpg: not a valid JPEG image" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo\": \"photos/image.png\" }"),
		  EMU_EFORMAT, "users[1].photo (bob@example.test): photos/image.png: not a JPEG image" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo\": \"photos/none.jpg\" }"),
		  EMU_EIO, "users[1].photo (bob@example.test): photos/none.jpg: No such file or directory" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo\": 1 }"),
		  EMU_EINVAL, "users[1].photo (bob@example.test): \"photo\" must be a string" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"photo\": \"photos\" }"),
		  EMU_EIO, "users[1].photo (bob@example.test): photos: not a regular file" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"thumbnail\": \"photos/big-thumb.jpg\" }"),
		  EMU_ELIMIT, "users[1].thumbnail (bob@example.test): photos/big-thumb.jpg: larger than 102400 bytes" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"thumbnail\": \"photos/bad.jpg\" }"),
		  EMU_EIMAGE, "users[1].thumbnail (bob@example.test): photos/bad.jpg: not a valid JPEG image" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": "
		         "[ { \"photo\": \"photos/bad.jpg\" } ] }"),
		  EMU_EIMAGE, "users[1].contacts[0].photo (bob@example.test): photos/bad.jpg: not a valid JPEG image" },
		{ TENANT(ALICE2 ", { \"email\": \"bob@example.test\", \"contacts\": "
		         "[ { \"email\": \"nope\" } ] }"),
		  EMU_EINVAL, "users[1].contacts[0] (bob@example.test): \"email\" is not an e-mail address" },
		{ TENANT(ALICE2 ", { \"email\": \"al2@example.test\", \"proxies\": [\"AL@example.test\"] }"),
		  EMU_EEXIST, "users[1] (al2@example.test): duplicate address AL@example.test (already used by alice@example.test)" },
		{ TENANT(ALICE2 ", { \"email\": \"al@example.test\" }"),
		  EMU_EEXIST, "users[1] (al@example.test): duplicate address al@example.test (already used by alice@example.test)" },
		{ TENANT(ALICE2 ", { \"email\": \"ALICE@example.test\" }"),
		  EMU_EEXIST, "users[1] (ALICE@example.test): duplicate address ALICE@example.test (also users[0])" },
		/* carol is in the store but not in the file */
		{ TENANT(ALICE2 ", { \"email\": \"dave@example.test\", \"proxies\": [\"carol@example.test\"] }"),
		  EMU_EEXIST, "users[1] (dave@example.test): duplicate address carol@example.test (already used by carol@example.test)" },
		{ TENANT(ALICE2 ", { \"email\": \"dave@example.test\", \"proxies\": [\"d@example.test\", \"D@example.test\"] }"),
		  EMU_EINVAL, "users[1] (dave@example.test): address D@example.test is listed twice" },
		{ TENANT(ALICE2 ", { \"email\": \"dave@example.test\", \"password\": \"\" }"),
		  EMU_EINVAL, "users[1] (dave@example.test): \"password\" is empty" },
		{ longjson, EMU_ELIMIT,
		  "users[1] (dave@example.test): \"display_name\" is longer than 256 bytes" },
	};

	memset(longname, 'n', 257);
	longname[257] = '\0';
	snprintf(longjson, sizeof longjson,
	         TENANT(ALICE2 ", { \"email\": \"dave@example.test\", \"display_name\": \"%s\" }"),
	         longname);

	write_text(f, "tenant.json", GOOD);
	assert_int_equal(import(f, "tenant.json", err, sizeof err), EMU_OK);
	before = fingerprint(f->s);

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc;
		write_text(f, "tenant.json", cases[i].json);
		memset(err, 'x', sizeof err);
		rc = import(f, "tenant.json", err, sizeof err);
		if (rc != cases[i].rc || strstr(err, cases[i].msg) == NULL)
			print_error("case %zu: rc %d (%s), err \"%s\"; want %d, \"%s\"\n", i, rc,
			            emu_strerror(rc), err, cases[i].rc, cases[i].msg);
		assert_int_equal(rc, cases[i].rc);
		assert_non_null(strstr(err, cases[i].msg));
		after = fingerprint(f->s);
		if (strcmp(before, after) != 0)
			print_error("case %zu changed the store:\n%s---\n%s", i, before, after);
		assert_string_equal(before, after);
		free(after);
	}

	/* a missing tenant file, and a tiny err buffer */
	assert_int_equal(import(f, "missing.json", err, sizeof err), EMU_EIO);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(import(f, "missing.json", err, 8), EMU_EIO);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(import(f, "missing.json", NULL, 0), EMU_EIO);
	after = fingerprint(f->s);
	assert_string_equal(before, after);
	free(after);
	free(before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
