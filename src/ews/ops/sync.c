/* sync.c - SyncFolderHierarchy (spec §5) and SyncFolderItems (spec §6).
 *
 * The folder set is static (ops_int.h's table): a hierarchy state records a
 * fingerprint of the folders below its sync root; the same fingerprint means
 * no change (counts are not changes, spec §5).
 *
 * Items: the Contacts folder is described by the mailbox's change log
 * (store.h).  A first sync lists the folder itself, in contact-id order,
 * page by page ("listing"), against the log position S it started at;
 * contacts whose first log entry after S is a Create are left to the log.
 * Then, and on every later sync, the log after the client's position `base`
 * is replayed up to a `horizon` fixed when the round starts: each contact
 * is reported once, at its first entry after base, by comparing "existed at
 * base" (that first entry is not a Create) with "exists now":
 * Update, Delete, Create or nothing.  Paging keeps `pos`, the last entry
 * handled.  Everything runs in one read snapshot per request.
 */
#include "ews/ops/ops.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops_int.h"
#include "ews/syncstate.h"

#define MSG_INVALID_STATE "Synchronization state data is corrupt or otherwise invalid."
#define MSG_SYNC_FOLDER_NOT_FOUND "The specified folder could not be found in the store."

/* ---- shared -------------------------------------------------------------------- */

/* Resolve a SyncFolderId: 1 with @p u and *def, else 0 with @p st set.
 * An item id names no folder (ErrorCannotUseItemIdForFolderId); a folder
 * the mailbox lacks is ErrorSyncFolderNotFound (spec §6.4). */
static int sync_folder(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *ref,
                       struct user_record *u, const struct op_folder_def **def,
                       struct ews_status *st, int *rc)
{
	const char *name = NULL;
	struct ews_id id;

	*rc = EMU_OK;
	*def = NULL;
	if (ref->id && *ref->id && ews_id_decode(ref->id, EWS_FMT_EWS_ID, &id) == EMU_OK &&
	    id.kind == EWS_ID_ITEM) {
		ews_status_error(st, EWS_ERROR_ITEM_ID_FOR_FOLDER_ID,
		                 "The id is an item id and cannot be used as a folder id.");
		return 0;
	}
	if ((*rc = op_folder_resolve(ctx, t, ref, u, &name, st)) != EMU_OK)
		return 0;
	if (!name) {
		if (st->code && strcmp(st->code, EWS_ERROR_FOLDER_NOT_FOUND) == 0)
			ews_status_error(st, EWS_ERROR_SYNC_FOLDER_NOT_FOUND, MSG_SYNC_FOLDER_NOT_FOUND);
		return 0;
	}
	*def = op_folder_def_find(name);
	return 1;
}

static void invalid_state(struct ews_status *st, const char **state)
{
	ews_status_error(st, EWS_ERROR_INVALID_SYNC_STATE, MSG_INVALID_STATE);
	*state = "";
}

/* Lower-case copy of @p email (the mailbox part of ids and states). */
static void lower(const char *email, char out[STORE_ADDR_MAX + 1])
{
	size_t i = 0;
	for (; email[i] && i < STORE_ADDR_MAX; i++)
		out[i] = (char)(email[i] >= 'A' && email[i] <= 'Z' ? email[i] + 32 : email[i]);
	out[i] = '\0';
}

/* ---- SyncFolderHierarchy ------------------------------------------------------- */

/* Is @p def strictly below folder @p root? */
static int below(const struct op_folder_def *def, const char *root)
{
	for (const struct op_folder_def *p = op_folder_def_find(def->parent); p;
	     p = op_folder_def_find(p->parent))
		if (strcmp(p->name, root) == 0)
			return 1;
	return 0;
}

static uint64_t fnv(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); ; p++) {
		h = (h ^ *p) * 1099511628211ull;     /* FNV-1a 64, the NUL included */
		if (!*p)
			return h;
	}
}

/* Fingerprint of the folders below @p root: what a client was given. */
static uint64_t folder_set_fingerprint(const char *root)
{
	size_t n;
	const struct op_folder_def *defs = op_folder_defs(&n);
	uint64_t h = 14695981039346656037ull;
	for (size_t i = 0; i < n; i++) {
		if (!below(&defs[i], root))
			continue;
		h = fnv(fnv(fnv(fnv(h, defs[i].name), defs[i].parent), defs[i].folder_class), defs[i].display_name);
		h = (h ^ (uint64_t)(defs[i].kind * 2 + (defs[i].hidden ? 1 : 0))) * 1099511628211ull;
	}
	return h;
}

int op_sync_folder_hierarchy(const struct ews_ctx *ctx, const struct op_sync_hierarchy_req *req,
                             struct op_sync_hierarchy_result *out)
{
	static const struct op_folder_ref top = { NULL, OP_FOLDER_TOP, NULL };
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	struct op_folder_shape shape;
	const struct op_folder_def *root, *defs;
	struct ews_sync_state st;
	store_txn_t *t = NULL;
	char mbx[STORE_ADDR_MAX + 1];
	const char *bound;
	size_t ndefs;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	out->sync_state = "";
	if (!u)
		return EMU_ENOMEM;
	if ((rc = op_folder_shape(ctx, req->shape, req->additional, req->n_additional, req->ext, req->n_ext,
	                          &shape)) != EMU_OK)
		return rc;
	if (shape.status.cls != EWS_SUCCESS) {
		out->status = shape.status;   /* a malformed ExtendedFieldURI */
		return EMU_OK;
	}
	if ((rc = store_txn_begin(ctx->store, 0, &t)) != EMU_OK)
		return rc;
	if (!sync_folder(ctx, t, req->folder ? req->folder : &top, u, &root, &out->status, &rc))
		goto out;
	lower(u->email, mbx);
	/* spec §5: an absent SyncFolderId and `root` are different roots */
	bound = req->folder ? root->name : "";
	memset(&st, 0, sizeof st);
	st.kind = EWS_SYNC_HIERARCHY;
	st.fingerprint = folder_set_fingerprint(root->name);
	out->includes_last = 1;
	if (req->sync_state && *req->sync_state) {
		struct ews_sync_state had;
		if (ews_sync_state_decode(store_secret(ctx->store), mbx, bound, EWS_SYNC_HIERARCHY, 0,
		                          req->sync_state, &had) != EMU_OK ||
		    had.fingerprint != st.fingerprint) {
			/* another folder set (a build with other folders): the
			 * client's picture cannot be corrected, only rebuilt */
			invalid_state(&out->status, &out->sync_state);
			goto out;
		}
	} else {
		int contacts = -1;
		defs = op_folder_defs(&ndefs);
		if (!(out->changes = arena_alloc(ctx->arena, ndefs * sizeof *out->changes))) {
			rc = EMU_ENOMEM;
			goto out;
		}
		for (size_t i = 0; i < ndefs; i++) {
			struct op_folder_change *c = &out->changes[out->n];
			if (!below(&defs[i], root->name))
				continue;
			memset(c, 0, sizeof *c);
			c->kind = OP_CHANGE_CREATE;
			if ((rc = op_folder_describe(ctx, t, mbx, &defs[i], &shape, &contacts,
			                             &c->folder)) != EMU_OK)
				goto out;
			out->n++;
		}
	}
	rc = ews_sync_state_encode(ctx->arena, store_secret(ctx->store), mbx, bound, &st,
	                           (char **)&out->sync_state);
out:
	store_txn_abort(t);
	return rc;
}

/* ---- SyncFolderItems ----------------------------------------------------------- */

/* A contact's first log entry after some base. */
struct first_entry {
	char id[STORE_ID_MAX + 1];
	uint64_t seq;
	enum store_change_kind kind;
};

struct first_map {
	struct first_entry *e;
	size_t n, cap;
};

static int collect_entry(const struct store_change *c, void *arg)
{
	struct first_map *m = arg;
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct first_entry *e = realloc(m->e, cap * sizeof *e);
		if (!e)
			return EMU_ENOMEM;
		m->e = e;
		m->cap = cap;
	}
	memcpy(m->e[m->n].id, c->id, sizeof c->id);
	m->e[m->n].seq = c->seq;
	m->e[m->n].kind = c->kind;
	m->n++;
	return 0;
}

static int by_id_seq(const void *a, const void *b)
{
	const struct first_entry *x = a, *y = b;
	int d = strcmp(x->id, y->id);
	return d ? d : (x->seq > y->seq) - (x->seq < y->seq);
}

static int by_id(const void *key, const void *b)
{
	return strcmp(key, ((const struct first_entry *)b)->id);
}

/* The first entry after @p base (up to @p upto) of every contact in the
 * log, sorted by id: at most STORE_CHANGES_KEEP entries (heap, freed by
 * the caller). */
static int first_entries(store_txn_t *t, const char *mbx, uint64_t base, uint64_t upto,
                         struct first_map *m)
{
	size_t w = 0;
	int rc = store_changes_foreach(t, mbx, base, upto, collect_entry, m);
	if (rc != EMU_OK)
		return rc;
	if (m->n)
		qsort(m->e, m->n, sizeof *m->e, by_id_seq);
	for (size_t r = 0; r < m->n; r++)
		if (w == 0 || strcmp(m->e[w - 1].id, m->e[r].id) != 0)
			m->e[w++] = m->e[r];
	m->n = w;
	return EMU_OK;
}

static const struct first_entry *first_of(const struct first_map *m, const char *id)
{
	return m->n ? bsearch(id, m->e, m->n, sizeof *m->e, by_id) : NULL;
}

struct items_run {
	const struct ews_ctx *ctx;
	store_txn_t *t;
	const char *mbx;
	op_props props;
	const struct prop_ext_uri *ext; /* the shape's ExtendedFieldURIs and their rows */
	const struct prop_def **ext_defs;
	size_t n_ext;
	struct ews_id *ignore;          /* decoded Ignore ids */
	size_t n_ignore;
	size_t max;
	struct op_sync_items_result *out;
	struct ews_sync_state *st;
	struct first_map map;
	int more;                       /* a change did not fit */
	struct contact_record c;        /* scratch */
};

static int ignored(const struct items_run *r, const char *id)
{
	for (size_t i = 0; i < r->n_ignore; i++)
		if (strcmp(r->ignore[i].local, id) == 0)
			return 1;
	return 0;
}

static int emit(struct items_run *r, enum op_change_kind kind, const struct contact_record *c,
                const char *id)
{
	struct op_item_change *ch = &r->out->changes[r->out->n];
	memset(ch, 0, sizeof *ch);
	ch->kind = kind;
	if (kind == OP_CHANGE_DELETE) {
		/* the ChangeKey of a deleted item is optional: clients use the Id */
		ch->contact.props = OP_PROP(P_ITEM_ID);
		if (!(ch->contact.item_id = ews_id_text(r->ctx->arena, EWS_ID_ITEM, r->mbx, id)))
			return EMU_ENOMEM;
	} else {
		struct prop_record rec = { c, NULL, NULL };
		int rc = op_contact_from_store(r->ctx, r->mbx, c, r->props, &ch->contact);
		if (rc != EMU_OK ||
		    (rc = op_ext_values(r->ctx->arena, r->ext, r->ext_defs, r->n_ext, &rec, &ch->contact.ext,
		                        &ch->contact.n_ext)) != EMU_OK)
			return rc;
	}
	r->out->n++;
	return EMU_OK;
}

/* Listing: one contact of the walk after st->after. */
#define STOP_FULL 1
static int list_one(const struct contact_record *c, void *arg)
{
	struct items_run *r = arg;
	const struct first_entry *f = first_of(&r->map, c->id);
	int rc;
	if ((f && f->kind == STORE_CHANGE_CREATE) || ignored(r, c->id)) {
		/* created after the listing began: the log reports it */
		return 0;
	}
	if (r->out->n == r->max) {
		r->more = 1;
		return STOP_FULL;
	}
	if ((rc = emit(r, OP_CHANGE_CREATE, c, NULL)) != EMU_OK)
		return rc;
	memcpy(r->st->after, c->id, sizeof r->st->after - 1);
	r->st->after[sizeof r->st->after - 1] = '\0';
	return 0;
}

/* Replay: one log entry of (pos, horizon]. */
static int replay_one(const struct store_change *e, void *arg)
{
	struct items_run *r = arg;
	const struct first_entry *f = first_of(&r->map, e->id);
	int existed, exists, rc;
	enum op_change_kind kind;

	if (!f || f->seq != e->seq || ignored(r, e->id))
		goto handled;          /* reported at its first entry (maybe on an earlier page) */
	existed = f->kind != STORE_CHANGE_CREATE;
	rc = store_contact_get(r->t, r->mbx, e->id, &r->c);
	if (rc != EMU_OK && rc != EMU_ENOTFOUND)
		return rc;
	exists = rc == EMU_OK;
	if (!existed && !exists)
		goto handled;          /* created and deleted in between: nothing */
	kind = !existed ? OP_CHANGE_CREATE : exists ? OP_CHANGE_UPDATE : OP_CHANGE_DELETE;
	if (r->out->n == r->max) {
		r->more = 1;
		return STOP_FULL;
	}
	if ((rc = emit(r, kind, &r->c, e->id)) != EMU_OK)
		return rc;
handled:
	r->st->pos = e->seq;
	return 0;
}

static int items_contacts(struct items_run *r, uint64_t last)
{
	struct ews_sync_state *st = r->st;
	int rc;

	if (st->listing) {
		if ((rc = first_entries(r->t, r->mbx, st->base, last, &r->map)) != EMU_OK)
			return rc;
		rc = store_contact_foreach_after(r->t, r->mbx, st->after, list_one, r);
		if (rc != EMU_OK && rc != STOP_FULL)
			return rc;
		if (r->more)
			return EMU_OK;
		/* the folder is listed: the log after S comes next, in this
		 * response as far as it fits */
		st->listing = 0;
		st->after[0] = '\0';
		st->pos = st->horizon = st->base;
		r->map.n = 0;
	}
	if (st->pos == st->horizon) {
		/* a new round: the client knows everything up to pos */
		st->base = st->pos;
		st->horizon = last;
	}
	if (st->base == st->horizon)
		return EMU_OK;
	if ((rc = first_entries(r->t, r->mbx, st->base, st->horizon, &r->map)) != EMU_OK)
		return rc;
	rc = store_changes_foreach(r->t, r->mbx, st->pos, st->horizon, replay_one, r);
	if (rc != EMU_OK && rc != STOP_FULL)
		return rc;
	if (!r->more)
		st->base = st->pos = st->horizon;
	return EMU_OK;
}

int op_sync_folder_items(const struct ews_ctx *ctx, const struct op_sync_items_req *req,
                         struct op_sync_items_result *out)
{
	struct items_run *r = arena_alloc(ctx->arena, sizeof *r);
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	struct ews_sync_state *st = arena_alloc(ctx->arena, sizeof *st);
	const struct op_folder_def *def;
	char mbx[STORE_ADDR_MAX + 1];
	uint64_t first = 1, last = 0;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	out->sync_state = "";
	if (!r || !u || !st)
		return EMU_ENOMEM;
	memset(r, 0, sizeof *r);
	memset(st, 0, sizeof *st);
	if (req->max_changes < OP_SYNC_CHANGES_MIN || req->max_changes > OP_SYNC_CHANGES_MAX ||
	    req->n_ignore > OP_SYNC_IGNORE_MAX)
		return EMU_EINVAL;     /* the adapter's schema checks come first */
	/* spec §8.2: a malformed ExtendedFieldURI is the message's error */
	if (!(r->ext_defs = arena_alloc(ctx->arena, (req->n_ext ? req->n_ext : 1) * sizeof *r->ext_defs)))
		return EMU_ENOMEM;
	if (!op_ext_resolve(req->ext, req->n_ext, PROP_ON_CONTACT, r->ext_defs, &out->status))
		return EMU_OK;
	r->ext = req->ext;
	r->n_ext = req->n_ext;
	if ((rc = store_txn_begin(ctx->store, 0, &r->t)) != EMU_OK)
		return rc;
	if (!sync_folder(ctx, r->t, &req->folder, u, &def, &out->status, &rc))
		goto out;
	lower(u->email, mbx);
	if (def->holds_contacts && (rc = store_changes_range(r->t, mbx, &first, &last)) != EMU_OK)
		goto out;
	if (req->sync_state && *req->sync_state) {
		if (ews_sync_state_decode(store_secret(ctx->store), mbx, def->name, EWS_SYNC_ITEMS,
		                          req->associated ? 1 : 0, req->sync_state, st) != EMU_OK ||
		    st->base + 1 < first || st->horizon > last) {
			/* not ours, or older than the retained log (spec §6.5), or
			 * from a store restored to an earlier point */
			if (st->base + 1 < first)
				LOGI("sync", "%s: a SyncState at %llu is older than the retained log (%llu..%llu)",
				     mbx, (unsigned long long)st->base, (unsigned long long)first,
				     (unsigned long long)last);
			invalid_state(&out->status, &out->sync_state);
			goto out;
		}
	} else {
		st->kind = EWS_SYNC_ITEMS;
		st->scope = req->associated ? 1 : 0;
		st->listing = def->holds_contacts;
		st->base = st->pos = st->horizon = last;
	}
	/* Ignore: ids of this mailbox's items; anything else is a bad id */
	if (!(r->ignore = arena_alloc(ctx->arena, (req->n_ignore ? req->n_ignore : 1) * sizeof *r->ignore)) ||
	    !(out->changes = arena_alloc(ctx->arena, (size_t)req->max_changes * sizeof *out->changes))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < req->n_ignore; i++)
		if (!op_request_id(ctx, req->ignore[i], EWS_ID_ITEM, &r->ignore[i], &out->status))
			goto out;
	r->n_ignore = req->n_ignore;
	r->ctx = ctx;
	r->mbx = mbx;
	r->props = op_props_for_shape(req->shape) | req->additional | OP_PROP(P_ITEM_ID);
	r->max = (size_t)req->max_changes;
	r->out = out;
	r->st = st;
	if (def->holds_contacts && (rc = items_contacts(r, last)) != EMU_OK)
		goto out;
	out->includes_last = !r->more;
	rc = ews_sync_state_encode(ctx->arena, store_secret(ctx->store), mbx, def->name, st,
	                           (char **)&out->sync_state);
out:
	if (rc != EMU_OK || out->status.cls != EWS_SUCCESS)
		out->n = 0;
	free(r->map.e);
	store_txn_abort(r->t);
	return rc;
}
