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

struct find_batch {
	const struct ews_ctx *ctx;
	enum op_traversal traversal;
	unsigned props;
	const struct query_view *view;
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
	enum query_error qe = b->view ? query_view_check(b->view) : QE_OK;
	if (qe != QE_OK) {
		op_query_status(&r->status, qe);
		return EMU_OK;
	}
	if ((rc = op_folder_resolve(b->ctx, t, &b->refs[i], &b->u, &name, &r->status)) != EMU_OK || !name)
		return rc;
	if (b->traversal != OP_TRAVERSAL_SOFT_DELETED)
		subfolders(name, b->traversal == OP_TRAVERSAL_DEEP, b->rows, &n);
	if (b->view)
		query_page(b->view, n, &r->page);
	else {
		struct query_view all = { 0 };
		query_page(&all, n, &r->page);
	}
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
                   const struct query_view *view, int has_restriction,
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
