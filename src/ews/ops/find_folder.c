/* find_folder.c - FindFolder (spec mailbox-ops §2): the subfolders of each
 * parent folder a request names, from the one folder set (folders.c),
 * paged by IndexedPageFolderView / FractionalPageFolderView (§2.3).
 *
 * Shallow lists the children in the set's order, Deep every descendant in
 * pre-order (a parent before its children, §2.2), SoftDeleted the
 * dumpster's folders: an ewsemu mailbox has none, so an empty list.
 * A Restriction (§2.4) is compiled once per request for folder properties
 * (ews/query.h over ews/props.h's PROP_ON_FOLDER rows) and filters the
 * traversal's rows before the view pages them.
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
	const struct op_find_folder_req *req;
	struct op_folder_shape shape;
	struct ews_status request_status;    /* the restriction's or the view's error, else NoError */
	struct op_find_folder_result *out;
	const struct op_folder_def **rows;   /* scratch: room for the whole set */
	struct user_record u;                /* scratch */
};

/* Keep the rows of @p rows (@p *n) the compiled restriction matches. */
static int filter(struct find_batch *b, store_txn_t *t, int *contacts, size_t *n)
{
	size_t kept = 0;
	int rc;

	for (size_t i = 0; i < *n; i++) {
		struct prop_folder pf;
		struct prop_record rec = { NULL, NULL, &pf };
		if ((rc = op_folder_record(t, b->u.email, b->rows[i], contacts, &pf)) != EMU_OK)
			return rc;
		if (query_match(b->req->restriction, &rec))
			b->rows[kept++] = b->rows[i];
	}
	*n = kept;
	return EMU_OK;
}

static int find_one(void *arg, store_txn_t *t, size_t i)
{
	struct find_batch *b = arg;
	struct op_find_folder_result *r = &b->out[i];
	const struct query_view all = { 0 };
	const struct query_view *view = b->req->view ? b->req->view : &all;
	const char *name;
	size_t n = 0;
	int rc, contacts = -1;   /* the mailbox's contacts, counted once for filter and answer */

	memset(r, 0, sizeof *r);
	if (b->request_status.cls != EWS_SUCCESS) {
		r->status = b->request_status;
		return EMU_OK;
	}
	ews_status_ok(&r->status);
	if ((rc = op_folder_resolve(b->ctx, t, &b->req->refs[i], &b->u, &name, &r->status)) != EMU_OK || !name)
		return rc;
	if (b->req->traversal != OP_TRAVERSAL_SOFT_DELETED)
		subfolders(name, b->req->traversal == OP_TRAVERSAL_DEEP, b->rows, &n);
	if (b->req->restriction && (rc = filter(b, t, &contacts, &n)) != EMU_OK)
		return rc;
	query_page(view, n, &r->page);
	r->n = r->page.count;
	if (r->n == 0)
		return EMU_OK;
	if (!(r->folders = arena_alloc(b->ctx->arena, r->n * sizeof *r->folders)))
		return EMU_ENOMEM;
	for (size_t k = 0; k < r->n; k++)
		if ((rc = op_folder_describe(b->ctx, t, b->u.email, b->rows[r->page.start + k], &b->shape,
		                             &contacts, &r->folders[k])) != EMU_OK)
			return rc;
	return EMU_OK;
}

int op_find_folder(const struct ews_ctx *ctx, struct op_find_folder_req *req, struct op_find_folder_result *out)
{
	size_t all;
	struct find_batch *b = arena_alloc(ctx->arena, sizeof *b);
	enum query_error qe = req->build_error;
	int rc;

	(void)op_folder_defs(&all);
	if (!b || !(b->rows = arena_alloc(ctx->arena, all * sizeof *b->rows)))
		return EMU_ENOMEM;
	b->ctx = ctx;
	b->req = req;
	if ((rc = op_folder_shape(ctx, req->shape, req->additional, req->n_additional, req->ext, req->n_ext,
	                          &b->shape)) != EMU_OK)
		return rc;
	b->out = out;
	/* the request's own errors, the same for every parent */
	ews_status_ok(&b->request_status);
	if (qe == QE_OK && req->restriction)
		qe = query_compile(req->restriction, PROP_ON_FOLDER);
	if (qe == QE_OK && req->view)
		qe = query_view_check(req->view);
	if (qe != QE_OK)
		op_query_status(&b->request_status, qe);
	else
		b->request_status = b->shape.status;
	return op_batch(ctx, req->n_refs, find_one, b);
}
