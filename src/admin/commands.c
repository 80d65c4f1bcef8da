/* commands.c - admin commands that mirror the Exchange cmdlets:
 * Set-UserPhoto, Remove-UserPhoto [-ClearMailboxPhotoRecord], the directory
 * thumbnail, and a diag like Get-UserPhotoDataOnPremises.  They run the same
 * operations as the network paths, as an administrator.  Also what people do
 * to a mailbox's contacts: add one, remove one, set or remove its picture,
 * list them. */
#include "admin/admin.h"
#include "admin/admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops.h"

/* The commands run as the operator on the machine: every right (ews/access.h). */
static const struct caller OPERATOR = { .auth = CALLER_LOCAL };

static void admin_ctx(store_t *s, struct heap_arena *h, struct ews_ctx *ctx, struct ews_config *cfg)
{
	heap_arena_init(h);
	memset(cfg, 0, sizeof *cfg);
	cfg->hr48_prefers_thumbnail = 1;
	memset(ctx, 0, sizeof *ctx);
	ctx->store = s;
	ctx->arena = &h->arena;
	ctx->config = cfg;
	ctx->caller = &OPERATOR;
}

static int report(const struct ews_status *st, char *err, size_t errsz)
{
	if (st->cls == EWS_SUCCESS)
		return EMU_OK;
	snprintf(err, errsz, "%s: %s", st->code, st->text ? st->text : "");
	return EMU_EINVAL;
}

int admin_set_user_photo(store_t *s, const char *email, const char *path, char *err, size_t errsz)
{
	unsigned char *data = NULL;
	size_t len;
	struct heap_arena h;
	struct ews_ctx ctx;
	struct ews_config cfg;
	struct ews_status st;
	char why[128];
	int rc = admin_read_file(path, PHOTO_MAX_UPLOAD_BYTES, &data, &len, why, sizeof why);
	if (rc) {
		snprintf(err, errsz, "%s: %s", path, why);
		return rc;
	}
	admin_ctx(s, &h, &ctx, &cfg);
	rc = op_set_user_photo(&ctx, email, data, len, &st, NULL);
	if (rc)
		snprintf(err, errsz, "%s", emu_strerror(rc));
	else
		rc = report(&st, err, errsz);
	heap_arena_free(&h);
	free(data);
	return rc;
}

int admin_remove_user_photo(store_t *s, const char *email, int clear_record, char *err, size_t errsz)
{
	struct heap_arena h;
	struct ews_ctx ctx;
	struct ews_config cfg;
	struct ews_status st;
	store_txn_t *t = NULL;
	struct user_record u;
	int rc;

	if (!clear_record) {
		admin_ctx(s, &h, &ctx, &cfg);
		rc = op_remove_user_photo(&ctx, email, &st);
		if (rc)
			snprintf(err, errsz, "%s", emu_strerror(rc));
		else
			rc = report(&st, err, errsz);
		heap_arena_free(&h);
		return rc;
	}
	/* -ClearMailboxPhotoRecord: the fallback to the thumbnail works again */
	rc = store_txn_begin(s, 1, &t);
	if (rc == EMU_OK)
		rc = store_user_get(t, email, &u);
	if (rc == EMU_OK)
		rc = store_photo_clear_record(t, u.email);
	if (rc == EMU_OK) {
		rc = store_txn_commit(t);
		t = NULL;
	}
	store_txn_abort(t);
	if (rc)
		snprintf(err, errsz, "%s: %s", email, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
	return rc;
}

int admin_set_thumbnail(store_t *s, const char *email, const char *path, char *err, size_t errsz)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int w = 0, h = 0, rc;
	store_txn_t *t = NULL;
	struct user_record u;
	char why[128];

	if (path) {
		rc = admin_read_file(path, PHOTO_MAX_THUMBNAIL_BYTES, &data, &len, why, sizeof why);
		if (rc) {
			snprintf(err, errsz, "%s: %s", path, why);
			goto out;
		}
		rc = photo_inspect(data, len, PHOTO_MAX_THUMBNAIL_BYTES, &w, &h);
		if (rc) {
			snprintf(err, errsz, "%s: %s", path,
			         rc == EMU_ELIMIT ? "larger than the 100 KB directory thumbnail limit" : emu_strerror(rc));
			goto out;
		}
	}
	rc = store_txn_begin(s, 1, &t);
	if (rc == EMU_OK)
		rc = store_user_get(t, email, &u);
	if (rc == EMU_OK)
		rc = store_thumbnail_set(t, u.email, data, len, w, h);
	if (rc == EMU_OK) {
		rc = store_txn_commit(t);
		t = NULL;
	}
	if (rc)
		snprintf(err, errsz, "%s: %s", email, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
out:
	store_txn_abort(t);
	free(data);
	return rc;
}

static void print_time(FILE *out, const char *label, int64_t when)
{
	char buf[64] = "never";
	if (when) {
		time_t t = (time_t)when;
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	fprintf(out, "  %-22s %s\n", label, buf);
}

static void print_lockout(FILE *out, const struct store_lockout *l, const char *email)
{
	if (!l->locked_at) {
		fprintf(out, "Account lockout        : not locked out\n");
		return;
	}
	if (l->locked_until > (int64_t)time(NULL))
		fprintf(out, "Account lockout        : LOCKED OUT after %u bad passwords (clear with: ewsemu unlock %s)\n",
		        (unsigned)l->bad_count, email);
	else
		fprintf(out, "Account lockout        : not locked out (an earlier lockout after %u bad passwords has ended)\n",
		        (unsigned)l->bad_count);
	print_time(out, "locked at", l->locked_at);
	print_time(out, "until", l->locked_until);
}

/* "HR96x96" for a size code; "the upload" for the upload kept at its own size. */
static const char *rendition_name(int r)
{
	return r == PHOTO_UPLOAD ? "the upload" : photo_size_code((enum photo_size)r);
}

int admin_diag(store_t *s, const char *email, int hr48_prefers_thumbnail, FILE *out, char *err, size_t errsz)
{
	struct store_lockout lock;
	struct heap_arena h;
	struct ews_ctx ctx;
	struct ews_config cfg;
	struct photo_record rec;
	struct user_record u;
	store_txn_t *t = NULL;
	int rc;

	rc = store_txn_begin(s, 0, &t);
	if (rc == EMU_OK)
		rc = store_user_get(t, email, &u);
	if (rc == EMU_OK)
		rc = store_photo_get(t, u.email, &rec);
	if (rc == EMU_OK)
		rc = store_lockout_get(t, u.email, &lock);
	store_txn_abort(t);
	if (rc) {
		snprintf(err, errsz, "%s: %s", email, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
		return rc;
	}
	fprintf(out, "Identity               : %s (%s)\n", u.email, u.display_name);
	print_lockout(out, &lock, u.email);
	fprintf(out, "Mailbox photo          : %s\n", rec.mailbox_mask ? "present" : "none");
	if (rec.mailbox_mask)
		fprintf(out, "  uploaded size        %dx%d\n", rec.source_width, rec.source_height);
	print_time(out, "changed", rec.mailbox_changed);
	fprintf(out, "UserPhotoCacheId       : %s\n",
	        rec.deleted ? "0 (deletion record set: no fallback to the directory thumbnail; clear with remove-userphoto --clear-mailbox-photo-record)"
	                    : "not set");
	fprintf(out, "Directory thumbnail    : ");
	if (rec.has_thumbnail)
		fprintf(out, "%ux%u, %u bytes, ETag \"%s\"\n", rec.thumbnail.width, rec.thumbnail.height,
		        rec.thumbnail.len, rec.thumbnail.etag);
	else
		fprintf(out, "none\n");
	print_time(out, "changed", rec.thumbnail_changed);
	fprintf(out, "Renditions:\n");
	for (int i = 0; i < PHOTO_RENDITION_COUNT; i++) {
		if (rec.mailbox_mask & (1u << i))
			fprintf(out, "  %-10s %4ux%-4u %7u bytes  ETag \"%s\"\n", rendition_name(i),
			        rec.mailbox[i].width, rec.mailbox[i].height, rec.mailbox[i].len, rec.mailbox[i].etag);
		else if (i != PHOTO_UPLOAD)
			fprintf(out, "  %-10s (not stored)\n", rendition_name(i));
	}
	fprintf(out, "Selection (HR48x48 prefers the directory thumbnail: %s):\n",
	        hr48_prefers_thumbnail ? "yes" : "no");
	admin_ctx(s, &h, &ctx, &cfg);
	cfg.hr48_prefers_thumbnail = hr48_prefers_thumbnail;
	for (int i = 0; i < PHOTO_SIZE_COUNT && rc == EMU_OK; i++) {
		struct op_photo_result r;
		rc = op_photo_explain(&ctx, u.email, (enum photo_size)i, &r);
		if (rc)
			break;
		if (r.outcome == OP_PHOTO_NONE)
			fprintf(out, "  %-10s -> 404 no photo: %s\n", photo_size_code((enum photo_size)i), r.pick.why);
		else
			fprintf(out, "  %-10s -> %s %dx%d ETag \"%s\": %s\n", photo_size_code((enum photo_size)i),
			        r.pick.source == PHOTO_SRC_MAILBOX ? rendition_name(r.pick.size) : "thumbnail",
			        r.width, r.height, r.etag, r.pick.why);
	}
	heap_arena_free(&h);
	if (rc)
		snprintf(err, errsz, "%s", emu_strerror(rc));
	return rc;
}

int admin_unlock(store_t *s, const char *email, FILE *out, char *err, size_t errsz)
{
	struct store_lockout lock;
	store_txn_t *t = NULL;
	int rc = store_txn_begin(s, 1, &t);
	if (rc == EMU_OK)
		rc = store_lockout_get(t, email, &lock);
	if (rc == EMU_OK)
		rc = store_lockout_clear(t, email);
	if (rc == EMU_OK)
		rc = store_txn_commit(t);
	else
		store_txn_abort(t);
	if (rc) {
		snprintf(err, errsz, "%s: %s", email, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
		return rc;
	}
	fprintf(out, "ewsemu: %s %s\n", email,
	        lock.locked_until > (int64_t)time(NULL) ? "unlocked" : "was not locked out (nothing to clear)");
	return EMU_OK;
}

/* ---- contacts ------------------------------------------------------------------ */

/* Read and check a contact picture: a JPEG of at most PHOTO_MAX_UPLOAD_BYTES. */
static int load_contact_photo(const char *path, unsigned char **data, size_t *len, int *w, int *h,
                              char *err, size_t errsz)
{
	char why[128];
	int rc = admin_read_file(path, PHOTO_MAX_UPLOAD_BYTES, data, len, why, sizeof why);
	if (rc) {
		snprintf(err, errsz, "%s: %s", path, why);
		return rc;
	}
	rc = photo_inspect(*data, *len, PHOTO_MAX_UPLOAD_BYTES, w, h);
	if (rc) {
		snprintf(err, errsz, "%s: %s", path, photo_reject_reason(rc));
		free(*data);
		*data = NULL;
	}
	return rc;
}

/* Begin a txn and resolve @p owner to the user's primary address in @p u. */
static int begin_owner(store_t *s, int write, const char *owner, store_txn_t **t,
                       struct user_record *u, char *err, size_t errsz)
{
	int rc = store_txn_begin(s, write, t);
	if (rc) {
		snprintf(err, errsz, "%s", emu_strerror(rc));
		return rc;
	}
	rc = store_user_get(*t, owner, u);
	if (rc) {
		snprintf(err, errsz, "%s: %s", owner, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
		store_txn_abort(*t);
		*t = NULL;
	}
	return rc;
}

static void contact_fail(int rc, const char *owner, const char *id, char *err, size_t errsz)
{
	if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || (rc == EMU_ELIMIT && strlen(id) > STORE_ID_MAX))
		snprintf(err, errsz, "%s: no contact with id \"%s\"", owner, id);
	else
		snprintf(err, errsz, "%s: %s", owner, emu_strerror(rc));
}

int admin_add_contact(store_t *s, const char *owner, struct contact_record *c,
                      const char *photo_path, char *err, size_t errsz)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int w = 0, h = 0, rc;
	store_txn_t *t = NULL;
	struct user_record u;
	char why[256];

	if (c->display_name[0] == '\0') {
		snprintf(err, errsz, "a contact needs a display name (--display-name)");
		return EMU_EINVAL;
	}
	if ((rc = admin_contact_check(c, why, sizeof why)) != EMU_OK ||
	    (rc = admin_contact_finish(c, why, sizeof why)) != EMU_OK) {
		snprintf(err, errsz, "%s", why);
		return rc;
	}
	if (photo_path && (rc = load_contact_photo(photo_path, &data, &len, &w, &h, err, errsz)) != EMU_OK)
		return rc;
	c->photo.width = (uint16_t)w;
	c->photo.height = (uint16_t)h;
	if ((rc = begin_owner(s, 1, owner, &t, &u, err, errsz)) != EMU_OK)
		goto out;
	rc = store_contact_add(t, u.email, c, data, len);
	if (rc == EMU_OK) {
		rc = store_txn_commit(t);
		t = NULL;
	}
	if (rc == EMU_ELIMIT)
		snprintf(err, errsz, "%s: the Contacts folder is full (at most %d contacts)", owner,
		         STORE_CONTACTS_MAX);
	else if (rc)
		snprintf(err, errsz, "%s: %s", owner, emu_strerror(rc));
out:
	store_txn_abort(t);
	free(data);
	return rc;
}

int admin_remove_contact(store_t *s, const char *owner, const char *id, char *err, size_t errsz)
{
	store_txn_t *t = NULL;
	struct user_record u;
	int rc = begin_owner(s, 1, owner, &t, &u, err, errsz);
	if (rc)
		return rc;
	rc = store_contact_remove(t, u.email, id);
	if (rc == EMU_OK) {
		rc = store_txn_commit(t);
		t = NULL;
	}
	if (rc)
		contact_fail(rc, owner, id, err, errsz);
	store_txn_abort(t);
	return rc;
}

int admin_set_contact_photo(store_t *s, const char *owner, const char *id, const char *path,
                            char *err, size_t errsz)
{
	unsigned char *data = NULL;
	size_t len = 0;
	int w = 0, h = 0, rc;
	store_txn_t *t = NULL;
	struct user_record u;

	if (path && (rc = load_contact_photo(path, &data, &len, &w, &h, err, errsz)) != EMU_OK)
		return rc;
	if ((rc = begin_owner(s, 1, owner, &t, &u, err, errsz)) != EMU_OK)
		goto out;
	rc = store_contact_set_photo(t, u.email, id, data, len, w, h);
	if (rc == EMU_OK) {
		rc = store_txn_commit(t);
		t = NULL;
	}
	if (rc)
		contact_fail(rc, owner, id, err, errsz);
out:
	store_txn_abort(t);
	free(data);
	return rc;
}

struct list_ctx {
	FILE *out;
	size_t n;
};

static int print_contact(const struct contact_record *c, void *ctx)
{
	struct list_ctx *l = ctx;
	fprintf(l->out, "%-32s  %-28s  %-32s  ", c->id, c->display_name, c->email[0] ? c->email : "-");
	if (c->has_photo)
		fprintf(l->out, "photo %ux%u, %u bytes, ETag \"%s\"\n", c->photo.width, c->photo.height,
		        c->photo.len, c->photo.etag);
	else
		fprintf(l->out, "no photo\n");
	l->n++;
	return 0;
}

int admin_list_contacts(store_t *s, const char *owner, FILE *out, size_t *count,
                        char *err, size_t errsz)
{
	struct list_ctx l = { out, 0 };
	store_txn_t *t = NULL;
	struct user_record u;
	int rc = begin_owner(s, 0, owner, &t, &u, err, errsz);
	if (count)
		*count = 0;
	if (rc)
		return rc;
	rc = store_contact_foreach(t, u.email, print_contact, &l);
	store_txn_abort(t);
	if (rc)
		snprintf(err, errsz, "%s: %s", owner, emu_strerror(rc));
	else if (count)
		*count = l.n;
	return rc;
}
