/* find_folder.c - FindFolder (spec mailbox-ops §2): the subfolders of each
 * parent folder a request names, from the one folder set (folders.c),
 * paged by IndexedPageFolderView / FractionalPageFolderView (§2.3).
 *
 * Shallow lists the children in the set's order, Deep every descendant in
 * pre-order (a parent before its children, §2.2), SoftDeleted the
 * dumpster's folders: an ewsemu mailbox has none, so an empty list.
 * Restrictions on folders (§2.4) need the restriction engine of the query
 * part; until it is wired here a request with one gets
 * ErrorUnsupportedQueryFilter.
 */
#include "ews/ops/ops.h"

#include <string.h>

#include "core/result.h"
#include "ews/ops/ops_int.h"

/* Append the subfolders of @p parent to @p out (room for every folder of
 * the set): the children, and with @p deep each child's own subtree after it. */
static void subfolders(const char *parent, int deep, const struct op_folder_def **out, size_t *n)
{
	size_t all;
	const struct op_folder_def *defs = op_folder_defs(&all);

	for (size_t i = 0; i < all; i++) {
		if (!defs[i].parent || strcmp(defs[i].parent, parent) != 0)
			continue;
		out[(*n)++] = &defs[i];
		if (deep)
			subfolders(defs[i].name, deep, out, n);
	}
}

/* The view's own errors (spec §2.3 "View errors"); 1 when usable. */
static int view_ok(const struct op_page_view *v, struct ews_status *st)
{
	if (!v || v->kind == OP_VIEW_NONE)
		return 1;
	if (v->has_max && v->max_entries <= 0) {
		ews_status_error(st, EWS_ERROR_INVALID_PAGING_MAX_ROWS,
		                 "MaxEntriesReturned must be greater than zero.");
		return 0;
	}
	if (v->kind == OP_VIEW_INDEXED && v->offset < 0) {
		ews_status_error(st, EWS_ERROR_INVALID_INDEXED_PAGING,
		                 "The indexed paging parameters are invalid: Offset must not be negative.");
		return 0;
	}
	if (v->kind == OP_VIEW_FRACTIONAL &&
	    (v->numerator < 0 || v->denominator <= 0 || v->numerator > v->denominator)) {
		ews_status_error(st, EWS_ERROR_INVALID_FRACTIONAL_PAGING,
		                 "The fractional paging parameters are invalid: 0 <= Numerator <= Denominator, "
		                 "Denominator > 0.");
		return 0;
	}
	return 1;
}

/* The page of @p total rows view @p v (checked by view_ok) selects. */
static void page_of(const struct op_page_view *v, size_t total, struct op_page *p)
{
	size_t start = 0, end = total;

	memset(p, 0, sizeof *p);
	p->total = (int)total;
	if (v && v->kind == OP_VIEW_INDEXED && !v->from_end) {
		start = (size_t)v->offset < total ? (size_t)v->offset : total;
		if (v->has_max && (size_t)v->max_entries < total - start)
			end = start + (size_t)v->max_entries;
	} else if (v && v->kind == OP_VIEW_INDEXED) {
		/* BasePoint End: the page ends Offset rows before the end and is read
		 * forward; the next page (Offset + count from the end) lies before it,
		 * so the range is complete when the page reaches the first row */
		end = (size_t)v->offset < total ? total - (size_t)v->offset : 0;
		start = v->has_max && (size_t)v->max_entries < end ? end - (size_t)v->max_entries : 0;
	} else if (v && v->kind == OP_VIEW_FRACTIONAL) {
		/* start = floor(Numerator x total / Denominator), in 64 bits */
		start = (size_t)(((unsigned long long)v->numerator * total) / (unsigned long long)v->denominator);
		if (v->has_max && (size_t)v->max_entries < total - start)
			end = start + (size_t)v->max_entries;
	}
	p->start = start;
	p->count = end - start;
	p->includes_last = v && v->kind == OP_VIEW_INDEXED && v->from_end ? start == 0 : end == total;
	if (v && v->kind == OP_VIEW_INDEXED) {
		p->has_indexed_offset = 1;
		p->indexed_offset = v->from_end ? v->offset + (int)p->count : (int)end;
	} else if (v && v->kind == OP_VIEW_FRACTIONAL) {
		p->has_fraction = 1;
		p->numerator_offset = (int)end;
		p->absolute_denominator = (int)total;
	}
}

struct find_batch {
	const struct ews_ctx *ctx;
	enum op_traversal traversal;
	unsigned props;
	const struct op_page_view *view;
	int has_restriction;
	const struct op_folder_ref *refs;
	struct op_find_folder_result *out;
	const struct op_folder_def **rows;   /* scratch: room for the whole set */
	struct user_record u;                /* scratch */
};

static int find_one(void *arg, store_txn_t *t, size_t i)
{
	struct find_batch *b = arg;
	struct op_find_folder_result *r = &b->out[i];
	const char *name;
	size_t n = 0;
	int rc;

	memset(r, 0, sizeof *r);
	ews_status_ok(&r->status);
	if (b->has_restriction) {
		ews_status_error(&r->status, EWS_ERROR_UNSUPPORTED_QUERY_FILTER,
		                 "Restrictions on FindFolder are not supported by this server.");
		return EMU_OK;
	}
	if (!view_ok(b->view, &r->status))
		return EMU_OK;
	if ((rc = op_folder_resolve(b->ctx, t, &b->refs[i], &b->u, &name, &r->status)) != EMU_OK || !name)
		return rc;
	if (b->traversal != OP_TRAVERSAL_SOFT_DELETED)
		subfolders(name, b->traversal == OP_TRAVERSAL_DEEP, b->rows, &n);
	page_of(b->view, n, &r->page);
	r->n = r->page.count;
	if (r->n == 0)
		return EMU_OK;
	if (!(r->folders = arena_alloc(b->ctx->arena, r->n * sizeof *r->folders)))
		return EMU_ENOMEM;
	for (size_t k = 0; k < r->n; k++)
		if ((rc = op_folder_describe(b->ctx, t, b->u.email, b->rows[r->page.start + k], b->props,
		                             &r->folders[k])) != EMU_OK)
			return rc;
	return EMU_OK;
}

int op_find_folder(const struct ews_ctx *ctx, enum op_traversal traversal, enum ews_shape shape,
                   const char *const *additional, size_t n_additional,
                   const struct op_page_view *view, int has_restriction,
                   const struct op_folder_ref *refs, size_t n, struct op_find_folder_result *out)
{
	size_t all;
	struct find_batch *b = arena_alloc(ctx->arena, sizeof *b);

	(void)op_folder_defs(&all);
	if (!b || !(b->rows = arena_alloc(ctx->arena, all * sizeof *b->rows)))
		return EMU_ENOMEM;
	b->ctx = ctx;
	b->traversal = traversal;
	b->props = op_folder_shape_props(shape, additional, n_additional);
	b->view = view;
	b->has_restriction = has_restriction;
	b->refs = refs;
	b->out = out;
	return op_batch(ctx, n, find_one, b);
}
