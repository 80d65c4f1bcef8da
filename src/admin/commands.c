/* commands.c - admin commands that mirror the Exchange cmdlets:
 * Set-UserPhoto, Remove-UserPhoto [-ClearMailboxPhotoRecord], the directory
 * thumbnail, and a diag like Get-UserPhotoDataOnPremises.  They run the same
 * operations as the network paths, as an administrator. */
#include "admin/admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops.h"

static void admin_ctx(store_t *s, struct heap_arena *h, struct ews_ctx *ctx, struct ews_config *cfg)
{
	heap_arena_init(h);
	memset(cfg, 0, sizeof *cfg);
	cfg->hr48_prefers_thumbnail = 1;
	memset(ctx, 0, sizeof *ctx);
	ctx->store = s;
	ctx->arena = &h->arena;
	ctx->config = cfg;
	ctx->caller_is_admin = 1;
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

int admin_diag(store_t *s, const char *email, int hr48_prefers_thumbnail, FILE *out, char *err, size_t errsz)
{
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
	store_txn_abort(t);
	if (rc) {
		snprintf(err, errsz, "%s: %s", email, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
		return rc;
	}
	fprintf(out, "Identity               : %s (%s)\n", u.email, u.display_name);
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
	for (int i = 0; i < PHOTO_SIZE_COUNT; i++) {
		if (rec.mailbox_mask & (1u << i))
			fprintf(out, "  %-10s %4ux%-4u %7u bytes  ETag \"%s\"\n", photo_size_code((enum photo_size)i),
			        rec.mailbox[i].width, rec.mailbox[i].height, rec.mailbox[i].len, rec.mailbox[i].etag);
		else
			fprintf(out, "  %-10s (not stored)\n", photo_size_code((enum photo_size)i));
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
			        r.pick.source == PHOTO_SRC_MAILBOX ? photo_size_code(r.pick.size) : "thumbnail",
			        r.width, r.height, r.etag, r.pick.why);
	}
	heap_arena_free(&h);
	if (rc)
		snprintf(err, errsz, "%s", emu_strerror(rc));
	return rc;
}
