/* resolve_names.c - ResolveNames (spec §4): find directory users and the
 * caller's personal contacts by the beginning of a name or address.
 *
 * Who matches is op_people_match() (people_match.c), shared with FindPeople.
 * Rules (documented in README.md "ResolveNames"):
 *  - The entry is normalised (core/names.h); an entry without a routing
 *    prefix matches every name token of a directory user (display name and
 *    its words, given name, surname, alias, office, primary SMTP address) and
 *    of a contact (display name, given name, surname, file-as, nickname,
 *    first email address).  "smtp:" matches the beginning of any address:
 *    a user's primary and proxy addresses, a contact's three addresses.
 *    Other routing types (sip:, x500:, ...) match nothing here.
 *  - An exact address wins: when the entry is a user's primary address (or,
 *    with smtp:, any of their addresses) or a searched contact's address,
 *    only the exact matches are returned.
 *  - Blocks in scope order (directory then contacts for the default
 *    ActiveDirectoryContacts); each block sorted by display name
 *    (case-insensitive), then by address / item id.  At most 100 resolutions
 *    in all: the directory contributes the first 100 users its name index
 *    meets (in token order), contacts the 100 first by display name; then
 *    the block order and the cap apply.  IncludesLastItemInRange is false
 *    when anything matching was left out.
 */
#include "ews/ops/ops.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/names.h"
#include "core/result.h"
#include "ews/ids.h"
#include "ews/ops/ops_int.h"

static const char MSG_MULTIPLE[] = "Multiple results were found.";
static const char MSG_NONE[] = "No results were found.";

/* ---- ParentFolderIds ---------------------------------------------------------- */

/* Which mailbox's Contacts folder to search: *owner gets its lower-case
 * primary, or "" when nothing is to be searched (op_contacts_owner: an
 * anonymous caller without ParentFolderIds, or root / msgfolderroot). */
static int contacts_folder(const struct ews_ctx *ctx, store_txn_t *t, const struct op_resolve_req *r,
                           char *owner, struct ews_status *st)
{
	owner[0] = '\0';
	if (r->n_folders > 1) {
		ews_status_error(st, EWS_ERROR_INVALID_ARGUMENT,
		                 "ResolveNames searches at most one folder; ParentFolderIds holds several.");
		return EMU_OK;
	}
	struct op_folder_ref ref = { r->folder_id, r->distinguished, r->folder_mailbox };
	return op_contacts_owner(ctx, t, r->folder_id || r->distinguished ? &ref : NULL, owner, st);
}

/* ---- building the answer ------------------------------------------------------ */

static int dir_resolution(const struct ews_ctx *ctx, store_txn_t *t, const struct op_resolve_req *r,
                          const struct store_search_hit *h, struct op_resolution *out)
{
	memset(out, 0, sizeof *out);
	/* @p h is in the request arena (op_people_match), as the answer is: no copies */
	out->email = h->email;
	out->name = h->display_name[0] ? h->display_name : out->email;
	out->routing_type = "SMTP";
	out->mailbox_type = "Mailbox";
	if (!r->return_full_contact_data)
		return EMU_OK;
	enum ews_shape shape = r->has_shape ? r->shape : EWS_SHAPE_DEFAULT;
	if (shape == EWS_SHAPE_ID_ONLY)
		return EMU_OK;
	/* the contact data needs the whole record */
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	int rc;
	if (!u)
		return EMU_ENOMEM;
	if ((rc = store_user_get(t, h->primary, u)) != EMU_OK)
		return rc;   /* the index and the records change together */
	const unsigned char *photo = NULL;
	size_t photo_len = 0;
	if (shape == EWS_SHAPE_ALL) {
		struct photo_record rec;
		if ((rc = store_photo_get(t, u->email, &rec)) != EMU_OK)
			return rc;
		struct photo_avail a = { rec.deleted, rec.mailbox_mask, rec.has_thumbnail };
		if (photo_thumbnail_visible(&a)) {
			const void *data;
			if ((rc = store_thumbnail_blob(t, u->email, &data, &photo_len)) != EMU_OK)
				return rc;
			/* copied out: the blob lives only as long as the txn */
			if (!(photo = arena_memdup(ctx->arena, data, photo_len)))
				return EMU_ENOMEM;
		}
	}
	if (!(out->contact = arena_alloc(ctx->arena, sizeof *out->contact)))
		return EMU_ENOMEM;
	return op_contact_from_user(ctx, u, shape, photo, photo_len, out->contact);
}

static int contact_resolution(const struct ews_ctx *ctx, store_txn_t *t, const struct op_resolve_req *r,
                              const char *owner, const struct op_contact_hit *h, struct op_resolution *out)
{
	struct contact_record *c = arena_alloc(ctx->arena, sizeof *c);
	int rc;
	if (!c)
		return EMU_ENOMEM;
	if ((rc = store_contact_get(t, owner, h->id, c)) != EMU_OK)
		return rc;
	memset(out, 0, sizeof *out);
	if (!(out->contact = arena_alloc(ctx->arena, sizeof *out->contact)))
		return EMU_ENOMEM;
	/* the attribute does not affect contacts (spec §4.1); the shape does.
	 * Default here is GetItem's default set plus the names and the fields a
	 * directory entry shows, so both kinds of hit read alike. */
	enum ews_shape shape = r->has_shape ? r->shape : EWS_SHAPE_DEFAULT;
	op_props props = op_props_for_shape(shape);
	if (shape == EWS_SHAPE_DEFAULT)
		props |= OP_PROP(P_DISPLAY_NAME) | OP_PROP(P_GIVEN_NAME) | OP_PROP(P_SURNAME) |
		         OP_PROP(P_CONTACT_SOURCE) | OP_PROP(P_DEPARTMENT) | OP_PROP(P_OFFICE_LOCATION);
	if ((rc = op_contact_from_store(ctx, owner, c, props, out->contact)) != EMU_OK)
		return rc;
	/* @p c is in the request arena, as the answer is: no copies */
	out->name = c->display_name[0] ? c->display_name : c->email;
	if (c->email[0]) {
		out->email = c->email;
		out->routing_type = "SMTP";
	}
	out->mailbox_type = "Contact";
	out->item_id = out->contact->item_id;
	out->change_key = out->contact->change_key;
	return EMU_OK;
}

int op_resolve_names(const struct ews_ctx *ctx, const struct op_resolve_req *req,
                     struct op_resolve_result *out)
{
	struct op_people_query *q = arena_alloc(ctx->arena, sizeof *q);
	struct op_people_hits hits;
	char owner[STORE_ADDR_MAX + 1] = "";
	int rc;
	store_txn_t *t = NULL;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!q)
		return EMU_ENOMEM;
	op_people_query_parse(req->entry ? req->entry : "", q);
	int want_dir = req->scope != OP_SCOPE_CONTACTS;
	int want_contacts = req->scope != OP_SCOPE_AD;

	if ((rc = store_txn_begin(ctx->store, 0, &t)) != EMU_OK)
		return rc;
	if (want_contacts) {
		if (caller_address(ctx->caller) == NULL && req->scope == OP_SCOPE_CONTACTS) {
			ews_status_error(&out->status, EWS_ERROR_NAME_RESOLUTION_NO_MAILBOX,
			                 "The caller has no mailbox to search for contacts.");
			goto out;
		}
		if ((rc = contacts_folder(ctx, t, req, owner, &out->status)) != EMU_OK ||
		    out->status.cls != EWS_SUCCESS)
			goto out;
	}
	if ((rc = op_people_match(ctx, t, q, want_dir, owner, OP_RESOLVE_MAX, &hits)) != EMU_OK)
		goto out;

	size_t total = hits.ndir + hits.ncontacts;
	size_t take = total > OP_RESOLVE_MAX ? OP_RESOLVE_MAX : total;
	out->includes_last = !hits.dir_more && !hits.contacts_more && total <= OP_RESOLVE_MAX;
	if (take == 0) {
		out->status.cls = EWS_ERROR;
		out->status.code = EWS_ERROR_NAME_RESOLUTION_NONE;
		out->status.text = MSG_NONE;
		goto out;
	}
	if (!(out->res = arena_alloc(ctx->arena, take * sizeof *out->res))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	int contacts_first = req->scope == OP_SCOPE_CONTACTS_AD;
	for (int block = 0; block < 2 && out->n < take; block++) {
		int is_contacts = (block == 0) == contacts_first;
		size_t nb = is_contacts ? hits.ncontacts : hits.ndir;
		for (size_t i = 0; i < nb && out->n < take; i++) {
			rc = is_contacts ? contact_resolution(ctx, t, req, owner, &hits.contacts[i], &out->res[out->n])
			                 : dir_resolution(ctx, t, req, &hits.dir[i], &out->res[out->n]);
			if (rc)
				goto out;
			out->n++;
		}
	}
	out->has_set = 1;
	if (out->n > 1 || !out->includes_last) {
		out->status.cls = EWS_WARNING;
		out->status.code = EWS_ERROR_NAME_RESOLUTION_MULTIPLE;
		out->status.text = MSG_MULTIPLE;
	}
out:
	store_txn_abort(t);
	return rc;
}
