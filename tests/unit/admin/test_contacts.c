/* test_contacts.c - admin_import_vcard() against a real store (all or
 * nothing, the owner, the folder limit) and the contact commands: add,
 * remove, set/remove the picture, list. */
#define _GNU_SOURCE /* nftw, open_memstream */
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
#include "core/base64.h"
#include "core/result.h"
#include "photo/photo.h"
#include "store/store.h"

#define OWNER "owner@example.test"

struct fixture {
	char dir[64];
	char db[96];
	store_t *s;
	unsigned char *jpeg;
	size_t jlen;
	char *jpeg_b64;
};

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag; (void)ftw;
	return remove(path);
}

static char *path_of(const struct fixture *f, const char *name)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	return path;
}

static void write_file(const struct fixture *f, const char *name, const void *data, size_t len)
{
	FILE *fp = fopen(path_of(f, name), "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static unsigned char *make_jpeg(int w, int h, size_t *len)
{
	unsigned char *rgb = calloc((size_t)w * (size_t)h, 3), *jpeg = NULL, *copy;
	unsigned long size = 0;
	tjhandle tj = tjInitCompress();
	assert_non_null(rgb);
	assert_non_null(tj);
	assert_int_equal(tjCompress2(tj, rgb, w, 0, h, TJPF_RGB, &jpeg, &size, TJSAMP_444, 80, 0), 0);
	copy = malloc(size);
	assert_non_null(copy);
	memcpy(copy, jpeg, size);
	tjFree(jpeg);
	tjDestroy(tj);
	free(rgb);
	*len = size;
	return copy;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	struct user_record u;
	store_txn_t *t;

	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/ewsemu-contacts-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof f->db, "%s/db", f->dir);
	assert_int_equal(store_open(f->db, 0, &f->s), EMU_OK);
	memset(&u, 0, sizeof u);
	strcpy(u.email, OWNER);
	strcpy(u.display_name, "Owner");
	u.nproxies = 1;
	strcpy(u.proxies[0], "alias@example.test");
	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	assert_int_equal(store_user_put(t, &u), EMU_OK);
	assert_int_equal(store_txn_commit(t), EMU_OK);
	f->jpeg = make_jpeg(80, 60, &f->jlen);
	f->jpeg_b64 = malloc(BASE64_ENCODED_SIZE(f->jlen));
	assert_non_null(f->jpeg_b64);
	base64_encode(f->jpeg, f->jlen, f->jpeg_b64);
	write_file(f, "photo.jpg", f->jpeg, f->jlen);
	write_file(f, "not.jpg", "GIF89a not really", 17);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(f->s);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f->jpeg);
	free(f->jpeg_b64);
	free(f);
	return 0;
}

/* ---- what the owner's folder holds, as text -------------------------------------- */

struct fp {
	char *buf;
	size_t len;
	FILE *out;
};

static int fp_contact(const struct contact_record *c, void *ctx)
{
	FILE *out = ctx;
	fprintf(out, "%s %u %s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%d", c->id, (unsigned)c->change,
	        c->display_name, c->given_name, c->middle_name, c->surname, c->nickname, c->file_as,
	        c->email, c->email2, c->email3, c->company, c->job_title, c->department,
	        c->business_phone, c->mobile_phone, c->home_phone, c->birthday, c->has_photo);
	if (c->has_photo)
		fprintf(out, " [%u %ux%u %s]", (unsigned)c->photo.len, c->photo.width, c->photo.height,
		        c->photo.etag);
	fputc('\n', out);
	return 0;
}

static char *folder(store_t *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	store_txn_t *t;
	struct store_stat st;
	assert_non_null(out);
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_foreach(t, OWNER, fp_contact, out), EMU_OK);
	store_txn_abort(t);
	assert_int_equal(store_stat(s, &st), EMU_OK);
	fprintf(out, "txn %llu contacts %zu photos %zu\n", (unsigned long long)st.last_txnid,
	        st.contacts, st.contact_photos);
	fclose(out);
	return buf;
}

struct find {
	const char *name;
	struct contact_record c;
	int n;
};

static int find_name(const struct contact_record *c, void *ctx)
{
	struct find *fd = ctx;
	if (strcmp(c->display_name, fd->name) == 0) {
		fd->c = *c;
		fd->n++;
	}
	return 0;
}

static int lookup(store_t *s, const char *name, struct contact_record *out)
{
	struct find *fd = calloc(1, sizeof *fd);
	store_txn_t *t;
	int n;
	assert_non_null(fd);
	fd->name = name;
	assert_int_equal(store_txn_begin(s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_foreach(t, OWNER, find_name, fd), EMU_OK);
	store_txn_abort(t);
	if (out != NULL)
		*out = fd->c;
	n = fd->n;
	free(fd);
	return n;
}

/* ---- vCard import ------------------------------------------------------------------ */

/* Write @p tmpl with its "%s" (if any) replaced by the test JPEG in base64. */
static void write_vcf(struct fixture *f, const char *name, const char *tmpl)
{
	const char *at = strstr(tmpl, "%s");
	char *text = NULL;
	int n;
	if (at == NULL) {
		write_file(f, name, tmpl, strlen(tmpl));
		return;
	}
	n = asprintf(&text, "%.*s%s%s", (int)(at - tmpl), tmpl, f->jpeg_b64, at + 2);
	assert_true(n >= 0);
	write_file(f, name, text, (size_t)n);
	free(text);
}

static const char GOOD[] =
	"BEGIN:VCARD\r\nVERSION:3.0\r\nN:Builder;Bob;;;\r\nFN:Bob Builder\r\nORG:Builders;Roofs\r\n"
	"EMAIL;TYPE=WORK:bob@builder.test\r\nTEL;TYPE=CELL:+1 555 0101\r\n"
	"PHOTO;ENCODING=b;TYPE=JPEG:%s\r\nEND:VCARD\r\n"
	"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Wendy\r\nPHOTO:https://example.test/w.jpg\r\nEND:VCARD\r\n"
	"BEGIN:VCARD\r\nVERSION:4.0\r\nKIND:group\r\nFN:Crew\r\nEND:VCARD\r\n";

static void test_import_good(void **state)
{
	struct fixture *f = *state;
	struct vcard_import_result r;
	struct contact_record c;
	store_txn_t *t;
	const void *p;
	size_t n;
	char err[512], etag[PHOTO_ETAG_LEN + 1];

	write_vcf(f, "good.vcf", GOOD);
	/* any of the owner's addresses */
	assert_int_equal(admin_import_vcard(f->s, "ALIAS@example.test", path_of(f, "good.vcf"), &r,
	                                    err, sizeof err), EMU_OK);
	assert_string_equal(err, "");
	assert_int_equal(r.contacts, 2);
	assert_int_equal(r.photos, 1);
	assert_int_equal(r.photo_links, 1);
	assert_int_equal(r.groups, 1);

	assert_int_equal(lookup(f->s, "Bob Builder", &c), 1);
	assert_int_equal(strlen(c.id), STORE_CONTACT_ID_LEN);
	assert_string_equal(c.file_as, "Builder, Bob");
	assert_string_equal(c.company, "Builders");
	assert_string_equal(c.department, "Roofs");
	assert_string_equal(c.email, "bob@builder.test");
	assert_string_equal(c.mobile_phone, "+1 555 0101");
	assert_int_equal(c.change, 1);
	assert_int_equal(c.has_photo, 1);
	assert_int_equal(c.photo.width, 80);
	assert_int_equal(c.photo.height, 60);
	assert_int_equal(c.photo.len, f->jlen);
	photo_etag(f->jpeg, f->jlen, etag);
	assert_string_equal(c.photo.etag, etag);
	assert_int_equal(store_txn_begin(f->s, 0, &t), EMU_OK);
	assert_int_equal(store_contact_photo(t, OWNER, c.id, &p, &n), EMU_OK);
	assert_int_equal(n, f->jlen);
	assert_memory_equal(p, f->jpeg, n);
	store_txn_abort(t);
	assert_int_equal(lookup(f->s, "Wendy", &c), 1);
	assert_int_equal(c.has_photo, 0);
	assert_int_equal(lookup(f->s, "Crew", NULL), 0);

	/* importing again adds, it does not merge */
	assert_int_equal(admin_import_vcard(f->s, OWNER, path_of(f, "good.vcf"), NULL, err, sizeof err), EMU_OK);
	assert_int_equal(lookup(f->s, "Bob Builder", NULL), 2);
}

static void test_import_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct vcard_import_result r;
	char err[512], *before, *after;
	static const struct { const char *vcf; int rc; const char *msg; } cases[] = {
		/* the bad card comes last, after good ones that must not stay */
		{ "BEGIN:VCARD\r\nFN:New One\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s\r\nEND:VCARD\r\n"
		  "BEGIN:VCARD\r\nFN:New Two\r\nEND:VCARD\r\n"
		  "BEGIN:VCARD\r\nFN:Bad Mail\r\nEMAIL:nope\r\nEND:VCARD\r\n",
		  EMU_EINVAL, "bad.vcf: card 3 (Bad Mail), line 10: EMAIL \"nope\" is not an e-mail address" },
		{ "BEGIN:VCARD\r\nFN:New One\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s\r\nEND:VCARD\r\n"
		  "BEGIN:VCARD\r\nFN:Cut Short\r\n",
		  EMU_EINVAL, "card 2 (Cut Short), line 5: no END:VCARD" },
		{ "BEGIN:VCARD\r\nFN:New One\r\nPHOTO;ENCODING=b;TYPE=JPEG:%s\r\nEND:VCARD\r\n"
		  "BEGIN:VCARD\r\nFN:Gif Pic\r\nPHOTO;ENCODING=b;TYPE=GIF:R0lGODlhAQABAAAAACw=\r\nEND:VCARD\r\n",
		  EMU_EFORMAT, "card 2 (Gif Pic), line 7: PHOTO is a GIF image; only JPEG" },
		{ "", EMU_EINVAL, "no vCard in the file" },
	};

	write_vcf(f, "good.vcf", GOOD);
	assert_int_equal(admin_import_vcard(f->s, OWNER, path_of(f, "good.vcf"), NULL, err, sizeof err), EMU_OK);
	before = folder(f->s);
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int rc;
		write_vcf(f, "bad.vcf", cases[i].vcf);
		memset(&r, 0xff, sizeof r);
		rc = admin_import_vcard(f->s, OWNER, path_of(f, "bad.vcf"), &r, err, sizeof err);
		if (rc != cases[i].rc || strstr(err, cases[i].msg) == NULL)
			print_error("case %zu: rc %d, err \"%s\"; want %d \"%s\"\n", i, rc, err, cases[i].rc,
			            cases[i].msg);
		assert_int_equal(rc, cases[i].rc);
		assert_non_null(strstr(err, cases[i].msg));
		assert_int_equal(r.contacts, 0);
		after = folder(f->s);
		assert_string_equal(before, after);
		free(after);
	}

	/* the owner and the file */
	assert_int_equal(admin_import_vcard(f->s, "ghost@example.test", path_of(f, "good.vcf"), NULL,
	                                    err, sizeof err), EMU_ENOTFOUND);
	assert_string_equal(err, "ghost@example.test: no such user");
	assert_int_equal(admin_import_vcard(f->s, OWNER, path_of(f, "missing.vcf"), NULL, err, sizeof err),
	                 EMU_EIO);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(admin_import_vcard(f->s, OWNER, f->dir, NULL, err, sizeof err), EMU_EIO);
	assert_non_null(strstr(err, "not a regular file"));
	after = folder(f->s);
	assert_string_equal(before, after);
	free(after);
	free(before);
}

/* A folder with room for one more: a two-card file is refused whole. */
static void test_import_folder_full(void **state)
{
	struct fixture *f = *state;
	store_txn_t *t;
	char err[512], *before, *after;

	assert_int_equal(store_txn_begin(f->s, 1, &t), EMU_OK);
	for (int i = 0; i < STORE_CONTACTS_MAX - 1; i++) {
		struct contact_record c;
		memset(&c, 0, sizeof c);
		snprintf(c.display_name, sizeof c.display_name, "Filler %d", i);
		assert_int_equal(store_contact_add(t, OWNER, &c, NULL, 0), EMU_OK);
	}
	assert_int_equal(store_txn_commit(t), EMU_OK);
	before = folder(f->s);
	write_file(f, "two.vcf", "BEGIN:VCARD\nFN:Last Fits\nEND:VCARD\nBEGIN:VCARD\nFN:Too Many\nEND:VCARD\n",
	           strlen("BEGIN:VCARD\nFN:Last Fits\nEND:VCARD\nBEGIN:VCARD\nFN:Too Many\nEND:VCARD\n"));
	assert_int_equal(admin_import_vcard(f->s, OWNER, path_of(f, "two.vcf"), NULL, err, sizeof err),
	                 EMU_ELIMIT);
	assert_non_null(strstr(err, "card 2 (Too Many): cannot be stored"));
	assert_non_null(strstr(err, "5000 contacts"));
	after = folder(f->s);
	assert_string_equal(before, after);
	free(after);
	free(before);
}

/* ---- the contact commands ------------------------------------------------------------ */

static void test_add_set_remove(void **state)
{
	struct fixture *f = *state;
	struct contact_record c, got;
	char err[512], id[STORE_ID_MAX + 1], *before, *after, *list = NULL;
	size_t listlen = 0, count;
	FILE *out;

	/* fields from option names, checked */
	memset(&c, 0, sizeof c);
	assert_int_equal(admin_contact_field_set(&c, "display-name", "Carla Contact", err, sizeof err), EMU_OK);
	assert_int_equal(admin_contact_field_set(&c, "given-name", "Carla", err, sizeof err), EMU_OK);
	assert_int_equal(admin_contact_field_set(&c, "surname", "Contact", err, sizeof err), EMU_OK);
	assert_int_equal(admin_contact_field_set(&c, "email", "carla@outside.test", err, sizeof err), EMU_OK);
	assert_int_equal(admin_contact_field_set(&c, "mobile", "+1 555 0199", err, sizeof err), EMU_OK);
	assert_int_equal(admin_contact_field_set(&c, "birthday", "19900315", err, sizeof err), EMU_OK);
	assert_string_equal(c.birthday, "1990-03-15");
	assert_int_equal(admin_contact_field_set(&c, "email2", "not mail", err, sizeof err), EMU_EINVAL);
	assert_non_null(strstr(err, "--email2"));
	assert_int_equal(admin_contact_field_set(&c, "birthday", "1990-02-30", err, sizeof err), EMU_EINVAL);
	assert_int_equal(admin_contact_field_set(&c, "frobnicate", "x", err, sizeof err), EMU_EINVAL);
	{
		char longv[STORE_TEXT_MAX + 2];
		memset(longv, 'a', sizeof longv - 1);
		longv[sizeof longv - 1] = '\0';
		assert_int_equal(admin_contact_field_set(&c, "company", longv, err, sizeof err), EMU_ELIMIT);
		assert_non_null(strstr(err, "--company is longer than 256 bytes"));
		assert_int_equal(admin_contact_field_set(&c, "company", "\xc3\x28", err, sizeof err), EMU_EINVAL);
	}
	for (size_t i = 0; admin_contact_field(i) != NULL; i++)
		assert_non_null(admin_contact_field(i)->help);

	assert_int_equal(admin_add_contact(f->s, "alias@example.test", &c, path_of(f, "photo.jpg"),
	                                   err, sizeof err), EMU_OK);
	assert_int_equal(strlen(c.id), STORE_CONTACT_ID_LEN);
	memcpy(id, c.id, sizeof id);
	assert_int_equal(lookup(f->s, "Carla Contact", &got), 1);
	assert_string_equal(got.id, id);
	assert_string_equal(got.file_as, "Contact, Carla");
	assert_string_equal(got.mobile_phone, "+1 555 0199");
	assert_int_equal(got.has_photo, 1);
	assert_int_equal(got.photo.len, f->jlen);

	/* the listing */
	out = open_memstream(&list, &listlen);
	assert_non_null(out);
	assert_int_equal(admin_list_contacts(f->s, OWNER, out, &count, err, sizeof err), EMU_OK);
	fclose(out);
	assert_int_equal(count, 1);
	assert_non_null(strstr(list, id));
	assert_non_null(strstr(list, "Carla Contact"));
	assert_non_null(strstr(list, "carla@outside.test"));
	assert_non_null(strstr(list, "photo 80x60"));
	assert_non_null(strstr(list, got.photo.etag));
	free(list);

	/* refusals change nothing */
	before = folder(f->s);
	memset(&c, 0, sizeof c);
	assert_int_equal(admin_add_contact(f->s, OWNER, &c, NULL, err, sizeof err), EMU_EINVAL);
	assert_non_null(strstr(err, "display name"));
	strcpy(c.display_name, "No Owner");
	assert_int_equal(admin_add_contact(f->s, "ghost@example.test", &c, NULL, err, sizeof err), EMU_ENOTFOUND);
	assert_string_equal(err, "ghost@example.test: no such user");
	assert_int_equal(admin_add_contact(f->s, OWNER, &c, path_of(f, "not.jpg"), err, sizeof err), EMU_EFORMAT);
	assert_non_null(strstr(err, "not.jpg: not a JPEG image"));
	assert_int_equal(admin_set_contact_photo(f->s, OWNER, id, path_of(f, "not.jpg"), err, sizeof err),
	                 EMU_EFORMAT);
	assert_int_equal(admin_set_contact_photo(f->s, OWNER, "0123", path_of(f, "photo.jpg"), err, sizeof err),
	                 EMU_ENOTFOUND);
	assert_string_equal(err, OWNER ": no contact with id \"0123\"");
	assert_int_equal(admin_remove_contact(f->s, OWNER, "0123", err, sizeof err), EMU_ENOTFOUND);
	assert_int_equal(admin_remove_contact(f->s, "ghost@example.test", id, err, sizeof err), EMU_ENOTFOUND);
	assert_int_equal(admin_list_contacts(f->s, "ghost@example.test", stdout, NULL, err, sizeof err),
	                 EMU_ENOTFOUND);
	after = folder(f->s);
	assert_string_equal(before, after);
	free(after);
	free(before);

	/* picture off, on, and the contact away */
	assert_int_equal(admin_set_contact_photo(f->s, OWNER, id, NULL, err, sizeof err), EMU_OK);
	assert_int_equal(lookup(f->s, "Carla Contact", &got), 1);
	assert_int_equal(got.has_photo, 0);
	assert_int_equal(got.change, 2);
	assert_int_equal(admin_set_contact_photo(f->s, OWNER, id, path_of(f, "photo.jpg"), err, sizeof err),
	                 EMU_OK);
	assert_int_equal(lookup(f->s, "Carla Contact", &got), 1);
	assert_int_equal(got.has_photo, 1);
	assert_int_equal(got.photo.width, 80);
	assert_int_equal(admin_remove_contact(f->s, OWNER, id, err, sizeof err), EMU_OK);
	assert_int_equal(lookup(f->s, "Carla Contact", NULL), 0);
	assert_int_equal(admin_remove_contact(f->s, OWNER, id, err, sizeof err), EMU_ENOTFOUND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_import_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_all_or_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_folder_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_set_remove, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
