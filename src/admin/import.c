/* import.c - tenant-file import: a JSON description of the directory
 * (users, their addresses, passwords, photos, thumbnails, deletion records
 * and contacts) loaded into the store in ONE write transaction.
 *
 * All or nothing: the first problem aborts the transaction, so the store is
 * exactly as before, and the error names the entry and the reason
 * ('users[2] (bob@example.test): unknown key "phtoo"').  Unknown keys at
 * every level are errors: a misspelt "photo" must not import a user without
 * a photo silently.
 *
 * Re-importing: a user that already exists (same primary address) is
 * REPLACED, not merged: their directory record, password, mailbox photo,
 * deletion record, thumbnail and contacts are dropped and rebuilt from the
 * file (contacts get new ids).  Users absent from the file are left alone;
 * the import never deletes anyone.  An address that belongs to a different
 * user already in the store is an error, as within the file.
 *
 * The one write txn is held while photos are decoded and passwords hashed
 * (PBKDF2, a few ms each): other writers wait for a large import, readers
 * do not.
 *
 * File reads are bounded: the tenant file by ADMIN_IMPORT_MAX_FILE, photos by
 * PHOTO_MAX_UPLOAD_BYTES, thumbnails by PHOTO_MAX_THUMBNAIL_BYTES.  Relative
 * paths are relative to the tenant file's directory.
 */
#include "admin/admin.h"
#include "admin/admin_int.h"

#include "core/log.h"
#include "core/result.h"
#include "photo/photo.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct imp {
	char *err;
	size_t errsz;
	char base[PATH_MAX];      /* tenant file's directory with '/', or "" */
	long idx;                 /* current users[] index, -1 at top level */
	const char *email;        /* current user's email for messages, or NULL */
	const char *primary;      /* the validated primary address */
};

static const char *const TOP_KEYS[] = { "domain", "users", NULL };
static const char *const USER_KEYS[] = {
	"email", "display_name", "alias", "given_name", "surname", "proxies", "password",
	"company", "title", "department", "office", "phone", "photo", "thumbnail",
	"photo_deleted", "contacts", "admin", NULL
};
static const char *const CONTACT_KEYS[] = {
	"display_name", "given_name", "surname", "file_as", "email", "company", "photo", NULL
};

/* ---- messages ------------------------------------------------------------ */

/* Write "<where> (<email>): <message>" into im->err (the first error only)
 * and return @p rc.  @p field extends the location: ".photo",
 * ".contacts[1]"; "" for the user entry itself. */
__attribute__((format(printf, 4, 5)))
static int fail(struct imp *im, int rc, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	if (im->errsz == 0 || im->err[0] != '\0')
		return rc;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (im->idx < 0)
		snprintf(im->err, im->errsz, "tenant%s: %s", field, msg);
	else if (im->email != NULL)
		snprintf(im->err, im->errsz, "users[%ld]%s (%s): %s", im->idx, field, im->email, msg);
	else
		snprintf(im->err, im->errsz, "users[%ld]%s: %s", im->idx, field, msg);
	return rc;
}

/* ---- JSON field access ----------------------------------------------------- */

static int check_keys(struct imp *im, json_t *obj, const char *const *allowed, const char *field)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		int ok = 0;
		for (const char *const *k = allowed; *k != NULL && !ok; k++)
			ok = strcmp(*k, key) == 0;
		if (!ok)
			return fail(im, EMU_EINVAL, field, "unknown key \"%s\"", key);
	}
	return EMU_OK;
}

/* Copy string member @p key of @p obj (at most @p max bytes) into @p dst.
 * Absent: dst = "" and EMU_OK unless @p required. */
static int get_str(struct imp *im, json_t *obj, const char *key, const char *field,
                   char *dst, size_t max, int required)
{
	json_t *v = json_object_get(obj, key);
	size_t n;
	dst[0] = '\0';
	if (v == NULL) {
		if (required)
			return fail(im, EMU_EINVAL, field, "missing \"%s\"", key);
		return EMU_OK;
	}
	if (!json_is_string(v))
		return fail(im, EMU_EINVAL, field, "\"%s\" must be a string", key);
	n = json_string_length(v);
	if (n > max)
		return fail(im, EMU_ELIMIT, field, "\"%s\" is longer than %zu bytes", key, max);
	memcpy(dst, json_string_value(v), n + 1);
	return EMU_OK;
}

static int get_bool(struct imp *im, json_t *obj, const char *key, const char *field, int *out)
{
	json_t *v = json_object_get(obj, key);
	*out = 0;
	if (v == NULL)
		return EMU_OK;
	if (!json_is_boolean(v))
		return fail(im, EMU_EINVAL, field, "\"%s\" must be true or false", key);
	*out = json_is_true(v);
	return EMU_OK;
}

/* Optional array member; *out NULL when absent. */
static int get_array(struct imp *im, json_t *obj, const char *key, const char *field,
                     size_t max, json_t **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL)
		return EMU_OK;
	if (!json_is_array(v))
		return fail(im, EMU_EINVAL, field, "\"%s\" must be an array", key);
	if (json_array_size(v) > max)
		return fail(im, EMU_ELIMIT, field, "\"%s\" has more than %zu entries", key, max);
	*out = v;
	return EMU_OK;
}

/* ---- files ------------------------------------------------------------------ */

int admin_read_file(const char *path, size_t max, unsigned char **out, size_t *len,
                        char *why, size_t whysz)
{
	unsigned char *buf = NULL;
	size_t n = 0, cap;
	struct stat st;
	int ret, fd = open(path, O_RDONLY | O_CLOEXEC);
	*out = NULL;
	if (fd < 0) {
		snprintf(why, whysz, "%s", strerror(errno));
		return EMU_EIO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "not a regular file");
		ret = EMU_EIO;
		goto out;
	}
	if ((uintmax_t)st.st_size > max) {
		snprintf(why, whysz, "larger than %zu bytes", max);
		ret = EMU_ELIMIT;
		goto out;
	}
	/* one byte more than the file has, to notice a file that grew meanwhile */
	cap = (size_t)st.st_size + 1;
	buf = malloc(cap);
	if (buf == NULL) {
		snprintf(why, whysz, "out of memory");
		ret = EMU_ENOMEM;
		goto out;
	}
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(why, whysz, "%s", strerror(errno));
			ret = EMU_EIO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap) {
		snprintf(why, whysz, "changed while being read");
		ret = EMU_EIO;
		goto out;
	}
	*out = buf;
	*len = n;
	buf = NULL;
	ret = EMU_OK;
out:
	free(buf);
	close(fd);
	return ret;
}

/* Read the file named by string member @p key (relative to the tenant
 * file's directory).  *data NULL when the member is absent. */
static int load_file(struct imp *im, json_t *obj, const char *key, const char *field,
                     size_t max, unsigned char **data, size_t *len)
{
	char rel[PATH_MAX], path[PATH_MAX], why[256];
	int n, ret;
	*data = NULL;
	*len = 0;
	if ((ret = get_str(im, obj, key, field, rel, sizeof rel - 1, 0)) != EMU_OK)
		return ret;
	if (rel[0] == '\0') {
		if (json_object_get(obj, key) != NULL)
			return fail(im, EMU_EINVAL, field, "empty file name");
		return EMU_OK;
	}
	n = snprintf(path, sizeof path, "%s%s", rel[0] == '/' ? "" : im->base, rel);
	if (n < 0 || (size_t)n >= sizeof path)
		return fail(im, EMU_ELIMIT, field, "%s: path too long", rel);
	ret = admin_read_file(path, max, data, len, why, sizeof why);
	if (ret != EMU_OK)
		return fail(im, ret, field, "%s: %s", rel, why);
	return EMU_OK;
}

/* Text for a photo.h error on file @p rel. */
static int image_fail(struct imp *im, int rc, const char *field, json_t *obj, const char *key)
{
	const char *rel = json_string_value(json_object_get(obj, key));
	return fail(im, rc, field, "%s: %s", rel != NULL ? rel : "?", photo_reject_reason(rc));
}

/* Generic text for a store refusal. */
static int store_fail(struct imp *im, int rc, const char *field, const char *what)
{
	return fail(im, rc, field, "%s: %s", what, emu_strerror(rc));
}

/* ---- users ---------------------------------------------------------------- */

/* Does any address of @p u belong to someone else?  Also catches an address
 * listed twice by the user itself. */
static int check_addresses(struct imp *im, store_txn_t *t, const struct user_record *u)
{
	struct user_record *other = malloc(sizeof *other);
	int ret = EMU_OK;
	if (other == NULL)
		return fail(im, EMU_ENOMEM, "", "out of memory");
	for (int i = 0; i <= u->nproxies && ret == EMU_OK; i++) {
		const char *a = i == 0 ? u->email : u->proxies[i - 1];
		for (int j = 0; j < i; j++) {
			const char *b = j == 0 ? u->email : u->proxies[j - 1];
			if (admin_ascii_casecmp(a, b) == 0) {
				ret = fail(im, EMU_EINVAL, "", "address %s is listed twice", a);
				break;
			}
		}
		if (ret != EMU_OK)
			break;
		int rc = store_user_get(t, a, other);
		if (rc == EMU_OK && admin_ascii_casecmp(other->email, u->email) != 0)
			ret = fail(im, EMU_EEXIST, "", "duplicate address %s (already used by %s)",
			           a, other->email);
		else if (rc != EMU_OK && rc != EMU_ENOTFOUND)
			ret = store_fail(im, rc, "", "address lookup");
	}
	free(other);
	return ret;
}

static int parse_user(struct imp *im, json_t *ju, struct user_record *u)
{
	static const struct { const char *key; size_t off; } text[] = {
		{ "display_name", offsetof(struct user_record, display_name) },
		{ "alias", offsetof(struct user_record, alias) },
		{ "given_name", offsetof(struct user_record, given_name) },
		{ "surname", offsetof(struct user_record, surname) },
		{ "company", offsetof(struct user_record, company) },
		{ "title", offsetof(struct user_record, title) },
		{ "department", offsetof(struct user_record, department) },
		{ "office", offsetof(struct user_record, office) },
		{ "phone", offsetof(struct user_record, phone) },
	};
	char password[1025];
	json_t *proxies;
	int ret;

	memset(u, 0, sizeof *u);
	if ((ret = get_str(im, ju, "email", "", u->email, STORE_ADDR_MAX, 1)) != EMU_OK)
		return ret;
	if (!admin_is_address(u->email))
		return fail(im, EMU_EINVAL, "", "\"email\" is not an e-mail address (local@domain)");
	if ((ret = check_keys(im, ju, USER_KEYS, "")) != EMU_OK)
		return ret;
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		if ((ret = get_str(im, ju, text[i].key, "", (char *)u + text[i].off,
		                   STORE_TEXT_MAX, 0)) != EMU_OK)
			return ret;
	if ((ret = get_array(im, ju, "proxies", "", STORE_PROXIES_MAX, &proxies)) != EMU_OK)
		return ret;
	for (size_t i = 0; proxies != NULL && i < json_array_size(proxies); i++) {
		json_t *p = json_array_get(proxies, i);
		const char *a;
		char field[32];
		snprintf(field, sizeof field, ".proxies[%zu]", i);
		if (!json_is_string(p))
			return fail(im, EMU_EINVAL, field, "must be a string");
		a = json_string_value(p);
		/* Exchange writes proxies as "smtp:addr"; the store keeps the address */
		if (strncasecmp(a, "smtp:", 5) == 0)
			a += 5;
		if (strlen(a) > STORE_ADDR_MAX)
			return fail(im, EMU_ELIMIT, field, "longer than %d bytes", STORE_ADDR_MAX);
		if (!admin_is_address(a))
			return fail(im, EMU_EINVAL, field, "\"%s\" is not an e-mail address", a);
		memcpy(u->proxies[u->nproxies++], a, strlen(a) + 1);
	}
	if ((ret = get_str(im, ju, "password", "", password, sizeof password - 1, 0)) != EMU_OK)
		return ret;
	if (json_object_get(ju, "password") != NULL && password[0] == '\0')
		return fail(im, EMU_EINVAL, "", "\"password\" is empty (omit it for a user who cannot log in)");
	if (password[0] != '\0') {
		ret = store_user_set_password(u, password);
		OPENSSL_cleanse(password, sizeof password);
		if (ret != EMU_OK)
			return fail(im, ret, "", "cannot hash \"password\": %s", emu_strerror(ret));
	}
	return get_bool(im, ju, "admin", "", &u->is_admin);
}

static int import_photos(struct imp *im, store_txn_t *t, json_t *ju)
{
	struct photo_set set;
	unsigned char *data = NULL;
	size_t len;
	int w, h, deleted, ret;

	memset(&set, 0, sizeof set);
	if ((ret = get_bool(im, ju, "photo_deleted", "", &deleted)) != EMU_OK)
		return ret;
	if ((ret = load_file(im, ju, "photo", ".photo", PHOTO_MAX_UPLOAD_BYTES, &data, &len)) != EMU_OK)
		goto out;
	if (data != NULL) {
		if ((ret = photo_make_renditions(data, len, &set)) != EMU_OK) {
			image_fail(im, ret, ".photo", ju, "photo");
			goto out;
		}
		if ((ret = store_photo_set(t, im->primary, &set)) != EMU_OK) {
			store_fail(im, ret, ".photo", "store");
			goto out;
		}
		free(data);
		data = NULL;
	}
	if ((ret = load_file(im, ju, "thumbnail", ".thumbnail", PHOTO_MAX_THUMBNAIL_BYTES,
	                     &data, &len)) != EMU_OK)
		goto out;
	if (data != NULL) {
		if ((ret = photo_inspect(data, len, PHOTO_MAX_THUMBNAIL_BYTES, &w, &h)) != EMU_OK) {
			image_fail(im, ret, ".thumbnail", ju, "thumbnail");
			goto out;
		}
		if ((ret = store_thumbnail_set(t, im->primary, data, len, w, h)) != EMU_OK) {
			store_fail(im, ret, ".thumbnail", "store");
			goto out;
		}
	}
	/* spec §6.4: the deletion record hides the photo; the thumbnail stays */
	if (deleted && (ret = store_photo_remove(t, im->primary)) != EMU_OK) {
		store_fail(im, ret, ".photo_deleted", "store");
		goto out;
	}
	ret = EMU_OK;
out:
	photo_set_free(&set);
	free(data);
	return ret;
}

static int import_contact(struct imp *im, store_txn_t *t, json_t *jc, const char *field)
{
	static const struct { const char *key; size_t off; size_t max; } text[] = {
		{ "display_name", offsetof(struct contact_record, display_name), STORE_TEXT_MAX },
		{ "given_name", offsetof(struct contact_record, given_name), STORE_TEXT_MAX },
		{ "surname", offsetof(struct contact_record, surname), STORE_TEXT_MAX },
		{ "file_as", offsetof(struct contact_record, file_as), STORE_TEXT_MAX },
		{ "email", offsetof(struct contact_record, email), STORE_ADDR_MAX },
		{ "company", offsetof(struct contact_record, company), STORE_TEXT_MAX },
	};
	struct contact_record c;
	unsigned char *data = NULL;
	size_t len = 0;
	char pfield[48];
	int w, h, ret;

	memset(&c, 0, sizeof c);
	if (!json_is_object(jc))
		return fail(im, EMU_EINVAL, field, "must be an object");
	if ((ret = check_keys(im, jc, CONTACT_KEYS, field)) != EMU_OK)
		return ret;
	for (size_t i = 0; i < sizeof text / sizeof *text; i++)
		if ((ret = get_str(im, jc, text[i].key, field, (char *)&c + text[i].off,
		                   text[i].max, 0)) != EMU_OK)
			return ret;
	if (c.email[0] != '\0' && !admin_is_address(c.email))
		return fail(im, EMU_EINVAL, field, "\"email\" is not an e-mail address");
	snprintf(pfield, sizeof pfield, "%s.photo", field);
	if ((ret = load_file(im, jc, "photo", pfield, PHOTO_MAX_UPLOAD_BYTES, &data, &len)) != EMU_OK)
		return ret;
	if (data != NULL) {
		if ((ret = photo_inspect(data, len, PHOTO_MAX_UPLOAD_BYTES, &w, &h)) != EMU_OK) {
			image_fail(im, ret, pfield, jc, "photo");
			goto out;
		}
		c.photo.width = (uint16_t)w;
		c.photo.height = (uint16_t)h;
	}
	if ((ret = store_contact_add(t, im->primary, &c, data, len)) != EMU_OK)
		store_fail(im, ret, field, "store");
out:
	free(data);
	return ret;
}

static int import_user(struct imp *im, store_txn_t *t, json_t *ju, const long *dup_of)
{
	struct user_record *u = NULL, *old = NULL;
	json_t *contacts;
	int ret;

	if (!json_is_object(ju))
		return fail(im, EMU_EINVAL, "", "must be an object");
	if (json_is_string(json_object_get(ju, "email")))
		im->email = json_string_value(json_object_get(ju, "email"));
	u = malloc(sizeof *u);
	old = malloc(sizeof *old);
	if (u == NULL || old == NULL) {
		ret = fail(im, EMU_ENOMEM, "", "out of memory");
		goto out;
	}
	if ((ret = parse_user(im, ju, u)) != EMU_OK)
		goto out;
	if (dup_of[im->idx] != im->idx) {
		ret = fail(im, EMU_EEXIST, "", "duplicate address %s (also users[%ld])",
		           u->email, dup_of[im->idx]);
		goto out;
	}
	if ((ret = get_array(im, ju, "contacts", "", STORE_CONTACTS_MAX, &contacts)) != EMU_OK ||
	    (ret = check_addresses(im, t, u)) != EMU_OK)
		goto out;
	im->primary = u->email;

	/* replace, not merge: drop everything the store has for this user */
	ret = store_user_get(t, u->email, old);
	if (ret == EMU_OK)
		ret = store_user_delete(t, u->email);
	if (ret != EMU_OK && ret != EMU_ENOTFOUND) {
		store_fail(im, ret, "", "replacing the existing user");
		goto out;
	}
	if ((ret = store_user_put(t, u)) != EMU_OK) {
		store_fail(im, ret, "", "store");
		goto out;
	}
	if ((ret = import_photos(im, t, ju)) != EMU_OK)
		goto out;
	for (size_t j = 0; contacts != NULL && j < json_array_size(contacts); j++) {
		char field[32];
		snprintf(field, sizeof field, ".contacts[%zu]", j);
		if ((ret = import_contact(im, t, json_array_get(contacts, j), field)) != EMU_OK)
			goto out;
	}
	ret = EMU_OK;
out:
	free(u);
	free(old);
	return ret;
}

/* ---- duplicates within the file ------------------------------------------ */

struct email_ref {
	const char *email;
	long idx;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct email_ref *x = a, *y = b;
	int c = admin_ascii_casecmp(x->email, y->email);
	if (c != 0)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* dup_of[i] = the first index with the same primary address as users[i]
 * (i itself when unique).  A store lookup cannot tell "imported earlier in
 * this file" from "already in the store", so this is decided up front. */
static int find_duplicates(json_t *users, long *dup_of)
{
	size_t n = json_array_size(users), m = 0;
	struct email_ref *refs = calloc(n ? n : 1, sizeof *refs);
	if (refs == NULL)
		return EMU_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_object_get(json_array_get(users, i), "email");
		dup_of[i] = (long)i;
		if (json_is_string(e)) {
			refs[m].email = json_string_value(e);
			refs[m].idx = (long)i;
			m++;
		}
	}
	qsort(refs, m, sizeof *refs, cmp_ref);
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		for (; j < m && admin_ascii_casecmp(refs[j].email, refs[i].email) == 0; j++)
			dup_of[refs[j].idx] = refs[i].idx;
		i = j;
	}
	free(refs);
	return EMU_OK;
}

/* ---- entry point ------------------------------------------------------------ */

int admin_import_tenant(store_t *s, const char *path, char *err, size_t errsz)
{
	struct imp im;
	unsigned char *buf = NULL;
	size_t len, users_n;
	json_t *root = NULL, *users;
	json_error_t jerr;
	store_txn_t *t = NULL;
	long *dup_of = NULL;
	char why[256], domain[STORE_ADDR_MAX + 1];
	const char *slash;
	int ret;

	memset(&im, 0, sizeof im);
	im.err = err;
	im.errsz = errsz;
	im.idx = -1;
	if (errsz > 0)
		err[0] = '\0';

	slash = strrchr(path, '/');
	if (slash != NULL) {
		size_t blen = (size_t)(slash - path) + 1;
		if (blen >= sizeof im.base)
			return fail(&im, EMU_EINVAL, "", "%s: path too long", path);
		memcpy(im.base, path, blen);
		im.base[blen] = '\0';
	}
	ret = admin_read_file(path, ADMIN_IMPORT_MAX_FILE, &buf, &len, why, sizeof why);
	if (ret != EMU_OK)
		return fail(&im, ret, "", "%s: %s", path, why);
	/* duplicate keys would make one of the values vanish silently */
	root = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		ret = fail(&im, EMU_EINVAL, "", "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if (!json_is_object(root)) {
		ret = fail(&im, EMU_EINVAL, "", "the top level must be an object");
		goto out;
	}
	if ((ret = check_keys(&im, root, TOP_KEYS, "")) != EMU_OK ||
	    (ret = get_str(&im, root, "domain", "", domain, STORE_ADDR_MAX, 1)) != EMU_OK)
		goto out;
	if (!admin_is_domain(domain)) {
		ret = fail(&im, EMU_EINVAL, "", "\"domain\" is not a domain name: %s", domain);
		goto out;
	}
	users = json_object_get(root, "users");
	if (users == NULL) {
		ret = fail(&im, EMU_EINVAL, "", "missing \"users\"");
		goto out;
	}
	if (!json_is_array(users)) {
		ret = fail(&im, EMU_EINVAL, "", "\"users\" must be an array");
		goto out;
	}
	users_n = json_array_size(users);
	dup_of = calloc(users_n ? users_n : 1, sizeof *dup_of);
	if (dup_of == NULL || find_duplicates(users, dup_of) != EMU_OK) {
		ret = fail(&im, EMU_ENOMEM, "", "out of memory");
		goto out;
	}

	if ((ret = store_txn_begin(s, 1, &t)) != EMU_OK) {
		store_fail(&im, ret, "", "begin transaction");
		goto out;
	}
	if ((ret = store_domain_set(t, domain)) != EMU_OK) {
		store_fail(&im, ret, "", "store domain");
		goto out;
	}
	for (size_t i = 0; i < users_n; i++) {
		im.idx = (long)i;
		im.email = NULL;
		im.primary = NULL;
		if ((ret = import_user(&im, t, json_array_get(users, i), dup_of)) != EMU_OK)
			goto out;
	}
	im.idx = -1;
	im.email = NULL;
	ret = store_txn_commit(t);
	t = NULL;
	if (ret != EMU_OK) {
		store_fail(&im, ret, "", "commit");
		goto out;
	}
	LOGI("admin", "imported %zu user(s) from %s", users_n, path);
out:
	store_txn_abort(t);
	json_decref(root);
	free(dup_of);
	free(buf);
	return ret;
}
