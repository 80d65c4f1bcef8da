/* resolve_names.c - ResolveNames (spec §4): find directory users and the
 * caller's personal contacts by the beginning of a name or address.
 *
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

/* The entry split into its routing prefix and text. */
struct entry {
	int addresses;          /* "smtp:" given: match addresses */
	int other_routing;      /* sip:, x500:, ...: matches nothing here */
	char text[NAMES_TOKEN_MAX * 2 + 1];   /* normalised */
	char raw[STORE_ADDR_MAX + 1];         /* the text as given, trimmed (exact address) */
};

static const char *const ROUTING[] = { "smtp", "sip", "x400", "x500", "ex", "eum", NULL };

static void parse_entry(const char *in, struct entry *e)
{
	const char *colon;
	memset(e, 0, sizeof *e);
	while (*in == ' ' || *in == '\t' || *in == '\r' || *in == '\n')
		in++;
	colon = strchr(in, ':');
	if (colon != NULL) {
		for (int i = 0; ROUTING[i]; i++) {
			size_t n = strlen(ROUTING[i]);
			if ((size_t)(colon - in) == n && strncasecmp(in, ROUTING[i], n) == 0) {
				e->addresses = i == 0;
				e->other_routing = i != 0;
				in = colon + 1;
				break;
			}
		}
	}
	names_normalize(in, e->text, sizeof e->text);
	size_t n = strlen(in);
	while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t' || in[n - 1] == '\r' || in[n - 1] == '\n'))
		n--;
	if (n <= STORE_ADDR_MAX) {
		memcpy(e->raw, in, n);
		e->raw[n] = '\0';
	}
}

/* ---- the directory block ----------------------------------------------------- */

/* A directory hit as the name index gives it (no user record read). */
typedef struct store_search_hit dir_hit;

static int cmp_dir(const void *a, const void *b)
{
	const dir_hit *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);
	return c ? c : strcasecmp(x->email, y->email);
}

/* Users matching @p e: *exact set when the entry is one of their addresses
 * (then only that user is returned). */
static int search_directory(const struct ews_ctx *ctx, store_txn_t *t, const struct entry *e,
                            dir_hit **hits, size_t *n, int *more, int *exact)
{
	int rc;

	*n = 0;
	*more = 0;
	*exact = 0;
	if (!(*hits = arena_alloc(ctx->arena, OP_RESOLVE_MAX * sizeof **hits)))
		return EMU_ENOMEM;
	if (e->other_routing || e->text[0] == '\0')
		return EMU_OK;
	if (e->raw[0] && strchr(e->raw, '@')) {
		struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
		if (!u)
			return EMU_ENOMEM;
		rc = store_user_get(t, e->raw, u);
		/* without a prefix only the primary address counts (spec §4.2) */
		if (rc == EMU_OK && (e->addresses || strcasecmp(u->email, e->raw) == 0)) {
			dir_hit *h = &(*hits)[0];
			size_t i = 0;
			for (; u->email[i]; i++)
				h->primary[i] = (char)(u->email[i] >= 'A' && u->email[i] <= 'Z' ? u->email[i] + 32 : u->email[i]);
			h->primary[i] = '\0';
			memcpy(h->email, u->email, sizeof h->email);
			memcpy(h->display_name, u->display_name, sizeof h->display_name);
			*n = 1;
			*exact = 1;
			return EMU_OK;
		}
		if (rc != EMU_OK && rc != EMU_ENOTFOUND && rc != EMU_ELIMIT && rc != EMU_EINVAL)
			return rc;
	}
	rc = store_user_search(t, e->addresses ? STORE_SEARCH_ADDRESSES : STORE_SEARCH_NAMES,
	                       e->text, *hits, OP_RESOLVE_MAX, n, more);
	if (rc)
		return rc;
	qsort(*hits, *n, sizeof **hits, cmp_dir);
	return EMU_OK;
}

/* ---- the contacts block ------------------------------------------------------- */

struct contact_hit {
	char id[STORE_ID_MAX + 1];
	char display_name[STORE_TEXT_MAX + 1];
};

struct contact_search {
	const struct entry *e;
	struct contact_hit *hits;   /* the best OP_RESOLVE_MAX by display name, sorted */
	size_t n;
	int more;                   /* a match fell off the end */
	int exact;                  /* hits are exact address matches */
};

static int cmp_contact(const struct contact_hit *x, const struct contact_hit *y)
{
	int c = strcasecmp(x->display_name, y->display_name);
	return c ? c : strcmp(x->id, y->id);
}

static int contact_matches(const struct contact_record *c, const struct entry *e, int *exact)
{
	const char *mails[3] = { c->email, c->email2, c->email3 };
	*exact = 0;
	if (e->raw[0] && strchr(e->raw, '@')) {
		for (int i = 0; i < (e->addresses ? 3 : 1); i++)
			if (mails[i][0] && strcasecmp(mails[i], e->raw) == 0) {
				*exact = 1;
				return 1;
			}
	}
	if (e->addresses) {
		for (int i = 0; i < 3; i++)
			if (mails[i][0] && names_has_prefix_ci(mails[i], e->text))
				return 1;
		return 0;
	}
	struct names_fields f = { c->display_name, c->given_name, c->surname,
	                          { c->file_as, c->nickname, c->email, NULL, NULL, NULL } };
	return names_fields_match(&f, e->text);
}

/* Insert @p h keeping the OP_RESOLVE_MAX best (sorted) hits. */
static void keep_best(struct contact_search *s, const struct contact_hit *h)
{
	size_t pos = s->n;
	while (pos > 0 && cmp_contact(h, &s->hits[pos - 1]) < 0)
		pos--;
	if (pos >= OP_RESOLVE_MAX) {
		s->more = 1;
		return;
	}
	if (s->n == OP_RESOLVE_MAX) {
		s->more = 1;
		s->n--;
	}
	memmove(&s->hits[pos + 1], &s->hits[pos], (s->n - pos) * sizeof *s->hits);
	s->hits[pos] = *h;
	s->n++;
}

static int visit_contact(const struct contact_record *c, void *ctx)
{
	struct contact_search *s = ctx;
	struct contact_hit h;
	int exact;
	if (s->e->other_routing || !contact_matches(c, s->e, &exact))
		return 0;
	if (exact && !s->exact) {   /* the first exact match drops the prefix ones */
		s->exact = 1;
		s->n = 0;
		s->more = 0;
	} else if (s->exact && !exact) {
		return 0;
	}
	memcpy(h.id, c->id, sizeof h.id);
	memcpy(h.display_name, c->display_name, sizeof h.display_name);
	keep_best(s, &h);
	return 0;
}

/* ---- ParentFolderIds ---------------------------------------------------------- */

/* Which mailbox's Contacts folder to search: *owner gets its lower-case
 * primary, or "" when nothing is to be searched (an anonymous caller without
 * ParentFolderIds, or root / msgfolderroot, which hold no contacts).  The
 * folder is resolved by the same rule as GetFolder's (op_folder_resolve). */
static int contacts_folder(const struct ews_ctx *ctx, store_txn_t *t, const struct op_resolve_req *r,
                           char *owner, struct ews_status *st)
{
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	const char *name = NULL;
	int rc;

	owner[0] = '\0';
	if (!u)
		return EMU_ENOMEM;
	if (r->n_folders > 1) {
		ews_status_error(st, EWS_ERROR_INVALID_ARGUMENT,
		                 "ResolveNames searches at most one folder; ParentFolderIds holds several.");
		return EMU_OK;
	}
	if (r->folder_id || r->distinguished) {
		struct op_folder_ref ref = { r->folder_id, r->distinguished, r->folder_mailbox };
		if ((rc = op_folder_resolve(ctx, t, &ref, u, &name, st)) != EMU_OK || name == NULL)
			return rc;
		if (strcmp(name, OP_FOLDER_CONTACTS) != 0)
			return EMU_OK;
	} else if (caller_address(ctx->caller) == NULL) {
		return EMU_OK;    /* anonymous: no mailbox, no contacts */
	} else if ((rc = store_user_get(t, caller_address(ctx->caller), u)) != EMU_OK) {
		return rc;
	}
	size_t i = 0;
	for (; u->email[i]; i++)
		owner[i] = (char)(u->email[i] >= 'A' && u->email[i] <= 'Z' ? u->email[i] + 32 : u->email[i]);
	owner[i] = '\0';
	return EMU_OK;
}

/* ---- building the answer ------------------------------------------------------ */

static int dir_resolution(const struct ews_ctx *ctx, store_txn_t *t, const struct op_resolve_req *r,
                          const dir_hit *h, struct op_resolution *out)
{
	memset(out, 0, sizeof *out);
	/* @p h is in the request arena (search_directory), as the answer is: no copies */
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
                              const char *owner, const struct contact_hit *h, struct op_resolution *out)
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
	struct entry *e = arena_alloc(ctx->arena, sizeof *e);
	dir_hit *dir = NULL;
	struct contact_search cs = { 0 };
	char owner[STORE_ADDR_MAX + 1] = "";
	size_t ndir = 0;
	int dir_more = 0, dir_exact = 0, rc;
	store_txn_t *t = NULL;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!e)
		return EMU_ENOMEM;
	parse_entry(req->entry ? req->entry : "", e);
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
	if (want_dir && (rc = search_directory(ctx, t, e, &dir, &ndir, &dir_more, &dir_exact)) != EMU_OK)
		goto out;
	if (want_contacts && owner[0]) {
		cs.e = e;
		if (!(cs.hits = arena_alloc(ctx->arena, OP_RESOLVE_MAX * sizeof *cs.hits))) {
			rc = EMU_ENOMEM;
			goto out;
		}
		if ((rc = store_contact_foreach(t, owner, visit_contact, &cs)) != EMU_OK)
			goto out;
	}
	/* an exact address wins over every prefix match, in both blocks */
	if (dir_exact && !cs.exact) {
		cs.n = 0;
		cs.more = 0;
	} else if (cs.exact && !dir_exact) {
		ndir = 0;
		dir_more = 0;
	}

	size_t total = ndir + cs.n;
	size_t take = total > OP_RESOLVE_MAX ? OP_RESOLVE_MAX : total;
	out->includes_last = !dir_more && !cs.more && total <= OP_RESOLVE_MAX;
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
		size_t nb = is_contacts ? cs.n : ndir;
		for (size_t i = 0; i < nb && out->n < take; i++) {
			rc = is_contacts ? contact_resolution(ctx, t, req, owner, &cs.hits[i], &out->res[out->n])
			                 : dir_resolution(ctx, t, req, &dir[i], &out->res[out->n]);
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
