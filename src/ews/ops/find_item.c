/* find_item.c - FindItem (spec §3): the personal contacts of a mailbox's
 * Contacts folder through a restriction or AQS, the ContactsView names, a
 * SortOrder and a paging view; every other folder of the mailbox is empty.
 *
 * One read snapshot serves every parent folder.  The contacts are walked
 * once: each match keeps only its id and sort values (a contact record is
 * ~9 KiB, a folder holds up to STORE_CONTACTS_MAX), the matches are sorted,
 * and only the page's contacts are read again to build their views, their
 * strings cut to OP_FIND_STRING_CHARS_MAX characters (spec §3.1).
 */
#include "ews/ops/ops.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/fold.h"
#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops_int.h"

/* spec §3.7, §4.6, §2.3: query.h errors -> ResponseCode + MessageText */
static const struct { const char *code, *text; } ERRORS[] = {
	[QE_OK] = { EWS_NO_ERROR, NULL },
	[QE_TOO_LONG] = { EWS_ERROR_RESTRICTION_TOO_LONG, "The restriction has more than 255 nodes." },
	[QE_TOO_COMPLEX] = { EWS_ERROR_RESTRICTION_TOO_COMPLEX, "The restriction is too complex to evaluate." },
	[QE_UNSUPPORTED_PATH] = { EWS_ERROR_UNSUPPORTED_PATH_FOR_QUERY, "The property path is not supported in a restriction." },
	[QE_INVALID_VALUE] = { EWS_ERROR_INVALID_VALUE_FOR_PROPERTY, "The value is invalid for the property." },
	[QE_INVALID_EXTENDED] = { EWS_ERROR_INVALID_EXTENDED_PROPERTY, "The extended property attribute combination is invalid." },
	[QE_UNSUPPORTED_TYPE] = { EWS_ERROR_UNSUPPORTED_MAPI_TYPE, "The MAPI property type is not supported." },
	[QE_INVALID_PROPERTY] = { EWS_ERROR_INVALID_PROPERTY_REQUEST, "The property is not valid for this object type." },
	[QE_INVALID_FOR_EXISTS] = { EWS_ERROR_INVALID_PROPERTY_FOR_EXISTS, "The property cannot be used with Exists." },
	[QE_SORT_PATH] = { EWS_ERROR_UNSUPPORTED_PATH_FOR_SORT, "The property path cannot be used for sorting." },
	[QE_PAGING_MAX_ROWS] = { EWS_ERROR_INVALID_PAGING_MAX_ROWS, "MaxEntriesReturned must be greater than zero." },
	[QE_PAGING_INDEXED] = { EWS_ERROR_INVALID_INDEXED_PAGING, "The Offset of the indexed view is invalid." },
	[QE_PAGING_FRACTIONAL] = { EWS_ERROR_INVALID_FRACTIONAL_PAGING, "The fractional view's Numerator/Denominator are invalid." },
	[QE_AQS_UNSUPPORTED] = { EWS_ERROR_UNSUPPORTED_QUERY_FILTER, "The query string uses syntax ewsemu does not support: words, \"phrases\" and property:value only." },
	[QE_AQS_TOO_LONG] = { EWS_ERROR_QUERY_FILTER_TOO_LONG, "The query string is too long." },
};

void op_query_status(struct ews_status *st, enum query_error e)
{
	ews_status_error(st, ERRORS[e].code, ERRORS[e].text);
}

/* One match: its id and sort values (strings copied to the arena). */
struct hit {
	char id[STORE_ID_MAX + 1];
	struct prop_value *keys;    /* n_sort values; ties keep the walk (id) order */
};

struct find {
	const struct ews_ctx *ctx;
	struct op_find_item_req *req;
	struct op_find_item_result *out;
	const struct prop_def **ext_defs;
	op_props props;
	struct ews_status request_status;   /* a request error: every message's outcome */
	struct hit *hits;                   /* heap, grows to STORE_CONTACTS_MAX; freed per folder */
	size_t n_hits, cap;
	int oom;
	struct contact_record c;            /* scratch */
};

/* Stable merge sort of @p a (n) by the request's keys, with @p tmp (n) as
 * room; recursion depth log2(STORE_CONTACTS_MAX). */
static void sort_hits(struct hit *a, struct hit *tmp, size_t n, const struct query_sort_key *keys, size_t nk)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;
	if (n < 2)
		return;
	sort_hits(a, tmp, mid, keys, nk);
	sort_hits(a + mid, tmp, n - mid, keys, nk);
	while (i < mid && j < n)
		tmp[k++] = query_sort_cmp_values(keys, nk, a[j].keys, a[i].keys) < 0 ? a[j++] : a[i++];
	while (i < mid)
		tmp[k++] = a[i++];
	while (j < n)
		tmp[k++] = a[j++];
	memcpy(a, tmp, n * sizeof *a);
}

static int collect(const struct contact_record *c, void *arg)
{
	struct find *f = arg;
	struct prop_record r = { c, NULL, NULL };
	struct hit *h;

	if (f->req->restriction && !query_match(f->req->restriction, &r))
		return 0;
	if (!query_contacts_view_match(&f->req->view, c->display_name[0] ? c->display_name : NULL))
		return 0;
	if (f->n_hits == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;
		struct hit *grown;
		if (f->cap >= STORE_CONTACTS_MAX)
			return EMU_EINTERNAL;   /* the store holds at most STORE_CONTACTS_MAX */
		if (cap > STORE_CONTACTS_MAX)
			cap = STORE_CONTACTS_MAX;
		if (!(grown = realloc(f->hits, cap * sizeof *grown)))
			return EMU_ENOMEM;
		f->hits = grown;
		f->cap = cap;
	}
	h = &f->hits[f->n_hits];
	memcpy(h->id, c->id, sizeof h->id);
	h->keys = NULL;
	if (f->req->n_sort) {
		if (!(h->keys = arena_alloc(f->ctx->arena, f->req->n_sort * sizeof *h->keys)))
			return EMU_ENOMEM;
		query_sort_values(f->req->sort, f->req->n_sort, &r, h->keys);
		for (size_t k = 0; k < f->req->n_sort; k++)
			if (h->keys[k].type == PROP_T_STRING &&
			    !(h->keys[k].s = arena_memdup(f->ctx->arena, h->keys[k].s, h->keys[k].len)))
				return EMU_ENOMEM;
	}
	f->n_hits++;
	return 0;
}

/* @p s cut to OP_FIND_STRING_CHARS_MAX UTF-16 units at a character
 * boundary (a copy in @p a when cut); NULL when out of memory. */
static const char *cut_string(struct arena *a, const char *s)
{
	size_t n, i = 0, units = 0;
	char *c;
	if (!s)
		return s;
	n = strlen(s);
	if (n <= OP_FIND_STRING_CHARS_MAX)
		return s;   /* bytes >= UTF-16 units */
	while (i < n) {
		uint32_t cp;
		size_t len = fold_next(s + i, n - i, &cp);
		unsigned u = cp >= 0x10000 && cp < FOLD_RAW_BASE ? 2 : 1;
		if (units + u > OP_FIND_STRING_CHARS_MAX)
			break;
		units += u;
		i += len;
	}
	if (i == n)
		return s;
	if (!(c = arena_alloc(a, i + 1)))
		return NULL;
	memcpy(c, s, i);
	c[i] = '\0';
	return c;
}

/* spec §3.1: every string property of a FindItem answer, cut. */
static int cut_strings(struct arena *a, struct op_contact *v)
{
	const char **f[] = {
		&v->subject, &v->last_modified_name, &v->file_as, &v->display_name, &v->given_name,
		&v->initials, &v->middle_name, &v->nickname, &v->company, &v->department, &v->job_title,
		&v->office, &v->surname, &v->alias, &v->notes, &v->address.street, &v->address.city,
		&v->address.state, &v->address.country, &v->address.postal_code,
	};
	for (size_t i = 0; i < sizeof f / sizeof *f; i++)
		if (*f[i] && !(*f[i] = cut_string(a, *f[i])))
			return EMU_ENOMEM;
	for (int i = 0; i < v->n_emails; i++)
		if (v->emails[i].value && !(v->emails[i].value = cut_string(a, v->emails[i].value)))
			return EMU_ENOMEM;
	for (int i = 0; i < v->n_phones; i++)
		if (v->phones[i].value && !(v->phones[i].value = cut_string(a, v->phones[i].value)))
			return EMU_ENOMEM;
	for (int i = 0; i < v->n_ext; i++)
		if (v->ext[i].value && v->ext[i].uri->type && strcmp(v->ext[i].uri->type, "String") == 0 &&
		    !(v->ext[i].value = cut_string(a, v->ext[i].value)))
			return EMU_ENOMEM;
	return EMU_OK;
}

/* The Contacts folder of @p owner: match, sort, page, build the views. */
static int find_contacts(struct find *f, store_txn_t *t, const char *owner, struct op_find_item_result *out)
{
	struct hit *tmp = NULL;
	int rc;

	f->n_hits = 0;
	if ((rc = store_contact_foreach(t, owner, collect, f)) != EMU_OK)
		goto out;
	if (f->req->n_sort && f->n_hits > 1) {
		if (!(tmp = malloc(f->n_hits * sizeof *tmp))) {
			rc = EMU_ENOMEM;
			goto out;
		}
		sort_hits(f->hits, tmp, f->n_hits, f->req->sort, f->req->n_sort);
	}
	query_page(&f->req->view, f->n_hits, &out->page);
	if (out->page.count &&
	    !(out->items = arena_alloc(f->ctx->arena, out->page.count * sizeof *out->items))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < out->page.count; i++) {
		struct op_contact *v = &out->items[i];
		struct prop_record r = { &f->c, NULL, NULL };
		if ((rc = store_contact_get(t, owner, f->hits[out->page.start + i].id, &f->c)) != EMU_OK) {
			if (rc == EMU_ENOTFOUND)
				rc = EMU_EINTERNAL;   /* same snapshot: cannot vanish */
			goto out;
		}
		if ((rc = op_contact_from_store(f->ctx, owner, &f->c, f->props, v)) != EMU_OK ||
		    (rc = op_ext_values(f->ctx->arena, f->req->ext, f->ext_defs, f->req->n_ext, &r, &v->ext,
		                        &v->n_ext)) != EMU_OK ||
		    (rc = cut_strings(f->ctx->arena, v)) != EMU_OK)
			goto out;
		out->n++;
	}
	rc = EMU_OK;
out:
	free(tmp);
	free(f->hits);
	f->hits = NULL;
	f->cap = f->n_hits = 0;
	return rc;
}

static int find_one(void *arg, store_txn_t *t, size_t i)
{
	struct find *f = arg;
	struct op_find_item_result *out = &f->out[i];
	struct user_record u;
	const char *name;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (f->request_status.cls != EWS_SUCCESS) {
		out->status = f->request_status;
		return EMU_OK;
	}
	if ((rc = op_folder_resolve(f->ctx, t, &f->req->folders[i], &u, &name, &out->status)) != EMU_OK || !name)
		return rc;
	/* spec §3.1: only Shallow lists items; there are no soft-deleted or
	 * folder-associated contacts, and no other folder holds items */
	if (f->req->traversal == OP_TRAVERSAL_SHALLOW && strcmp(name, OP_FOLDER_CONTACTS) == 0)
		return find_contacts(f, t, u.email, out);
	query_page(&f->req->view, 0, &out->page);
	return EMU_OK;
}

/* Everything about the request itself, before any folder is looked at. */
static void check_request(struct find *f)
{
	struct op_find_item_req *req = f->req;
	enum query_error e = req->build_error;

	if (e == QE_OK && req->group_by) {
		/* spec §3.4: grouping is not served; the documented code for an
		 * unusable group path, not a silently ungrouped answer */
		ews_status_error(&f->request_status, EWS_ERROR_UNSUPPORTED_PATH_FOR_SORT,
		                 "GroupBy and DistinguishedGroupBy are not supported.");
		return;
	}
	if (e == QE_OK && req->restriction && req->query_string) {
		ews_status_error(&f->request_status, EWS_ERROR_INVALID_OPERATION,
		                 "Restriction and QueryString cannot be combined.");
		return;
	}
	if (e == QE_OK && req->query_string) {
		if (query_aqs_parse(f->ctx->arena, req->query_string, &req->restriction, &e) != EMU_OK)
			f->oom = 1;
	}
	if (e == QE_OK && req->restriction)
		e = query_compile(req->restriction, PROP_ON_CONTACT);
	if (e == QE_OK)
		e = query_sort_compile(req->sort, req->n_sort, PROP_ON_CONTACT);
	if (e == QE_OK)
		e = query_view_check(&req->view);
	if (e != QE_OK) {
		op_query_status(&f->request_status, e);
		return;
	}
	op_ext_resolve(req->ext, req->n_ext, PROP_ON_CONTACT, f->ext_defs, &f->request_status);
}

int op_find_item(const struct ews_ctx *ctx, struct op_find_item_req *req, struct op_find_item_result *out)
{
	struct find *f = arena_alloc(ctx->arena, sizeof *f);
	if (!f)
		return EMU_ENOMEM;
	memset(f, 0, sizeof *f);
	f->ctx = ctx;
	f->req = req;
	f->out = out;
	/* spec §3.1: FindItem returns no Body */
	f->props = (op_props_for_shape(req->shape) | req->additional | OP_PROP(P_ITEM_ID)) & ~OP_PROP(P_BODY);
	if (!(f->ext_defs = arena_alloc(ctx->arena, (req->n_ext ? req->n_ext : 1) * sizeof *f->ext_defs)))
		return EMU_ENOMEM;
	ews_status_ok(&f->request_status);
	check_request(f);
	if (f->oom)
		return EMU_ENOMEM;
	if (f->request_status.cls != EWS_SUCCESS)
		LOGD("find_item", "request refused: %s", f->request_status.code);
	return op_batch(ctx, req->n_folders, find_one, f);
}
