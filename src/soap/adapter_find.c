/* adapter_find.c - FindItem (spec §3): the generated request -> struct
 * op_find_item_req (restriction tree, sort keys, view, AQS, shape) ->
 * op_find_item -> one FindItemResponseMessage per parent folder with its
 * m:RootFolder paging attributes and t:Items.  Also the one t:RestrictionType
 * reader, adapter_restriction(), FindFolder's too.
 *
 * The restriction is copied into query.h nodes here; the walk stops at
 * QUERY_DEPTH_MAX levels and QUERY_NODES_MAX nodes, so a hostile tree costs
 * no more than a legal one (the op reports ErrorRestrictionTooComplex /
 * ErrorRestrictionTooLong).
 */
#include "soap/adapter_int.h"

#include <string.h>

#include "core/log.h"
#include "ews/ops/ops.h"

/* Every SearchExpression union (Restriction, And, Or, Not) numbers its
 * members alike, and every path union (Contains, Exists, two-operand
 * expressions, FieldOrder, FieldURIOrConstant) too: one reader serves all. */
enum { X_AND = SOAP_UNION__t__union_RestrictionType_And, X_OR = SOAP_UNION__t__union_RestrictionType_Or,
       X_NOT = SOAP_UNION__t__union_RestrictionType_Not, X_CONTAINS = SOAP_UNION__t__union_RestrictionType_Contains,
       X_EXISTS = SOAP_UNION__t__union_RestrictionType_Exists, X_EQ = SOAP_UNION__t__union_RestrictionType_IsEqualTo,
       X_NE = SOAP_UNION__t__union_RestrictionType_IsNotEqualTo, X_GT = SOAP_UNION__t__union_RestrictionType_IsGreaterThan,
       X_GE = SOAP_UNION__t__union_RestrictionType_IsGreaterThanOrEqualTo,
       X_LT = SOAP_UNION__t__union_RestrictionType_IsLessThan,
       X_LE = SOAP_UNION__t__union_RestrictionType_IsLessThanOrEqualTo };
_Static_assert(SOAP_UNION__t__union_AndType_IsLessThanOrEqualTo == X_LE && SOAP_UNION__t__union_OrType_And == X_AND &&
               SOAP_UNION__t__union_NotType_IsLessThanOrEqualTo == X_LE && SOAP_UNION__t__union_AndType_Not == X_NOT,
               "SearchExpression unions differ");
enum { PATH_FIELD = SOAP_UNION__t__union_ContainsExpressionType_FieldURI,
       PATH_INDEXED = SOAP_UNION__t__union_ContainsExpressionType_IndexedFieldURI,
       PATH_EXTENDED = SOAP_UNION__t__union_ContainsExpressionType_ExtendedFieldURI };
_Static_assert(SOAP_UNION__t__union_FieldOrderType_ExtendedFieldURI == PATH_EXTENDED &&
               SOAP_UNION__t__union_FieldURIOrConstantType_ExtendedFieldURI == PATH_EXTENDED &&
               SOAP_UNION__t__union_ExistsType_IndexedFieldURI == PATH_INDEXED &&
               SOAP_UNION__t__union_IsEqualToType_FieldURI == PATH_FIELD,
               "path unions differ");

/* The pointer a union of pointers holds (every member is a pointer). */
#define UNION_PTR(u) union_ptr(&(u), sizeof(u))
static void *union_ptr(const void *u, size_t size)
{
	void *p;
	(void)size;
	memcpy(&p, u, sizeof p);
	return p;
}

struct conv {
	struct soap *soap;
	size_t nodes;
	enum query_error err;
};

static void read_path(struct soap *soap, int sel, void *x, struct query_path *p)
{
	memset(p, 0, sizeof *p);
	if (!x)
		return;
	switch (sel) {
	case PATH_FIELD:
		p->kind = QP_FIELD;
		p->uri = ((struct t__PathToUnindexedFieldType *)x)->FieldURI;
		break;
	case PATH_INDEXED:
		p->kind = QP_INDEXED;
		p->uri = ((struct t__PathToIndexedFieldType *)x)->FieldURI;
		p->index = ((struct t__PathToIndexedFieldType *)x)->FieldIndex;
		break;
	case PATH_EXTENDED:
		p->kind = QP_EXTENDED;
		adapter_ext_uri_read(soap, x, &p->ext);
		break;
	default:
		break;   /* QP_NONE: query_compile answers ErrorRestrictionTooComplex */
	}
}

static struct query_node *expr(struct conv *c, int sel, void *x, int depth);

/* The children of And/Or (their generated structs differ only in names). */
#define KIDS(c, n, T, x, depth) do { \
	struct query_node **tail = &(n)->kids; \
	for (int i_ = 0; i_ < (x)->__size_##T && !(c)->err; i_++) { \
		struct query_node *k_ = expr((c), (x)->__union_##T[i_].__union_##T, \
		                             UNION_PTR((x)->__union_##T[i_].union_##T), (depth) + 1); \
		if (k_) { *tail = k_; tail = &k_->next; } \
	} \
} while (0)

/* A two-operand expression: path + FieldURIOrConstant. */
#define TWO(c, n, T, x) do { \
	read_path((c)->soap, (x)->__union_##T, UNION_PTR((x)->union_##T), &(n)->lhs); \
	const struct t__FieldURIOrConstantType *o_ = (x)->FieldURIOrConstant; \
	if (o_ && o_->__union_FieldURIOrConstantType == SOAP_UNION__t__union_FieldURIOrConstantType_Constant) { \
		(n)->constant = o_->union_FieldURIOrConstantType.Constant ? o_->union_FieldURIOrConstantType.Constant->Value : NULL; \
	} else if (o_) { \
		(n)->rhs_is_path = 1; \
		read_path((c)->soap, o_->__union_FieldURIOrConstantType, UNION_PTR(o_->union_FieldURIOrConstantType), &(n)->rhs); \
	} \
} while (0)

static struct query_node *expr(struct conv *c, int sel, void *x, int depth)
{
	struct query_node *n;

	if (depth > QUERY_DEPTH_MAX) {
		c->err = QE_TOO_COMPLEX;
		return NULL;
	}
	if (++c->nodes > QUERY_NODES_MAX) {
		c->err = QE_TOO_LONG;
		return NULL;
	}
	if (!(n = adapter_calloc(c->soap, 1, sizeof *n))) {
		c->err = QE_TOO_COMPLEX;   /* the op never runs: the caller faults on soap->error */
		c->soap->error = SOAP_EOM;
		return NULL;
	}
	n->op = Q_AND;   /* an unknown or empty expression: an And without children, refused by compile */
	if (!x)
		return n;
	switch (sel) {
	case X_AND:
		KIDS(c, n, AndType, (struct t__AndType *)x, depth);
		break;
	case X_OR:
		n->op = Q_OR;
		KIDS(c, n, OrType, (struct t__OrType *)x, depth);
		break;
	case X_NOT: {
		struct t__NotType *t = x;
		n->op = Q_NOT;
		n->kids = expr(c, t->__union_NotType, UNION_PTR(t->union_NotType), depth + 1);
		break;
	}
	case X_CONTAINS: {
		struct t__ContainsExpressionType *t = x;
		n->op = Q_CONTAINS;
		read_path(c->soap, t->__union_ContainsExpressionType, UNION_PTR(t->union_ContainsExpressionType), &n->lhs);
		n->constant = t->Constant ? t->Constant->Value : NULL;
		n->mode = t->ContainmentMode ? soap_t__ContainmentModeType2s(c->soap, *t->ContainmentMode) : NULL;
		n->comparison = t->ContainmentComparison
		              ? soap_t__ContainmentComparisonType2s(c->soap, *t->ContainmentComparison) : NULL;
		break;
	}
	case X_EXISTS: {
		struct t__ExistsType *t = x;
		n->op = Q_EXISTS;
		read_path(c->soap, t->__union_ExistsType, UNION_PTR(t->union_ExistsType), &n->lhs);
		break;
	}
	case X_EQ: n->op = Q_EQ; TWO(c, n, IsEqualToType, (struct t__IsEqualToType *)x); break;
	case X_NE: n->op = Q_NE; TWO(c, n, IsNotEqualToType, (struct t__IsNotEqualToType *)x); break;
	case X_GT: n->op = Q_GT; TWO(c, n, IsGreaterThanType, (struct t__IsGreaterThanType *)x); break;
	case X_GE: n->op = Q_GE; TWO(c, n, IsGreaterThanOrEqualToType, (struct t__IsGreaterThanOrEqualToType *)x); break;
	case X_LT: n->op = Q_LT; TWO(c, n, IsLessThanType, (struct t__IsLessThanType *)x); break;
	case X_LE: n->op = Q_LE; TWO(c, n, IsLessThanOrEqualToType, (struct t__IsLessThanOrEqualToType *)x); break;
	default:
		break;
	}
	return n;
}

enum query_error adapter_restriction(struct soap *soap, const struct t__RestrictionType *x, struct query_node **out)
{
	struct conv c = { soap, 0, QE_OK };
	if (x && (!x->__union_RestrictionType || !UNION_PTR(x->union_RestrictionType))) {
		/* t:RestrictionType holds exactly one SearchExpression */
		*out = NULL;
		adapter_schema_fault(soap, "Restriction holds no search expression.");
		return QE_OK;
	}
	*out = x ? expr(&c, x->__union_RestrictionType, UNION_PTR(x->union_RestrictionType), 1) : NULL;
	return c.err;
}

void adapter_indexed_view(const struct t__IndexedPageViewType *x, struct query_view *v)
{
	memset(v, 0, sizeof *v);
	v->kind = QV_INDEXED;
	v->has_max = x->MaxEntriesReturned != NULL;
	v->max = x->MaxEntriesReturned ? *x->MaxEntriesReturned : 0;
	v->offset = x->Offset;
	v->from_end = x->BasePoint == t__IndexBasePointType__End;
}

void adapter_fractional_view(const struct t__FractionalPageViewType *x, struct query_view *v)
{
	memset(v, 0, sizeof *v);
	v->kind = QV_FRACTIONAL;
	v->has_max = x->MaxEntriesReturned != NULL;
	v->max = x->MaxEntriesReturned ? *x->MaxEntriesReturned : 0;
	v->numerator = x->Numerator;
	v->denominator = x->Denominator;
}

static void read_view(const struct m__FindItemType *req, struct query_view *v)
{
	memset(v, 0, sizeof *v);
	switch (req->__union_FindItemType) {
	case SOAP_UNION__m__union_FindItemType_IndexedPageItemView:
		if (req->union_FindItemType.IndexedPageItemView)
			adapter_indexed_view(req->union_FindItemType.IndexedPageItemView, v);
		return;
	case SOAP_UNION__m__union_FindItemType_FractionalPageItemView:
		if (req->union_FindItemType.FractionalPageItemView)
			adapter_fractional_view(req->union_FindItemType.FractionalPageItemView, v);
		return;
	case SOAP_UNION__m__union_FindItemType_ContactsView: {
		const struct t__ContactsViewType *x = req->union_FindItemType.ContactsView;
		if (!x)
			return;
		v->kind = QV_CONTACTS;
		v->has_max = x->MaxEntriesReturned != NULL;
		v->max = x->MaxEntriesReturned ? *x->MaxEntriesReturned : 0;
		v->initial = x->InitialName;
		v->final = x->FinalName;
		return;
	}
	default:
		return;
	}
}

/* The request's SortOrder -> keys (at most QUERY_SORT_MAX + 1 are read: one
 * more is enough for the op to refuse). */
static int read_sort(struct soap *soap, const struct t__NonEmptyArrayOfFieldOrdersType *so, struct op_find_item_req *r)
{
	int n = so ? so->__sizeFieldOrder : 0;
	if (n <= 0)
		return SOAP_OK;
	if (n > QUERY_SORT_MAX + 1)
		n = QUERY_SORT_MAX + 1;
	if (!(r->sort = adapter_calloc(soap, (size_t)n, sizeof *r->sort)))
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		const struct t__FieldOrderType *f = &so->FieldOrder[i];
		read_path(soap, f->__union_FieldOrderType, UNION_PTR(f->union_FieldOrderType), &r->sort[i].path);
		r->sort[i].descending = f->Order == t__SortDirectionType__Descending;
	}
	r->n_sort = (size_t)n;
	return SOAP_OK;
}

static struct t__FindItemParentType *root_folder(struct soap *soap, const struct op_find_item_result *res,
                                                 int indexed, int fractional)
{
	struct t__FindItemParentType *rf = adapter_calloc(soap, 1, sizeof *rf);
	struct t__ArrayOfRealItemsType *items;
	const struct query_page *p = &res->page;

	/* spec §2.3: TotalItemsInView and IncludesLastItemInRange always */
	if (!rf || !(items = adapter_calloc(soap, 1, sizeof *items)) ||
	    !(rf->TotalItemsInView = adapter_int(soap, (int)p->total)) ||
	    !(rf->IncludesLastItemInRange = adapter_bool(soap, p->includes_last)))
		return NULL;
	if (indexed && !(rf->IndexedPagingOffset = adapter_int(soap, (int)p->indexed_offset)))
		return NULL;
	if (fractional && (!(rf->NumeratorOffset = adapter_int(soap, (int)p->numerator_offset)) ||
	                   !(rf->AbsoluteDenominator = adapter_int(soap, (int)p->absolute_denominator))))
		return NULL;
	rf->__union_FindItemParentType = SOAP_UNION__t__union_FindItemParentType_Items;
	rf->union_FindItemParentType.Items = items;   /* spec §3.6: t:Items even when empty */
	if (!res->n)
		return rf;
	if (!(items->__union_ArrayOfRealItemsType = adapter_calloc(soap, res->n, sizeof *items->__union_ArrayOfRealItemsType)))
		return NULL;
	for (size_t i = 0; i < res->n; i++) {
		struct __t__union_ArrayOfRealItemsType *u = &items->__union_ArrayOfRealItemsType[i];
		u->__union_ArrayOfRealItemsType = SOAP_UNION__t__union_ArrayOfRealItemsType_Contact;
		if (!(u->union_ArrayOfRealItemsType.Contact = adapter_contact(soap, &res->items[i])))
			return NULL;
	}
	items->__size_ArrayOfRealItemsType = (int)res->n;
	return rf;
}

int __m__FindItem(struct soap *soap, struct m__FindItemType *req, struct __m__FindItemResponse *resp)
{
	const struct t__NonEmptyArrayOfBaseFolderIdsType *ids = req->ParentFolderIds;
	struct op_find_item_req r;
	struct op_folder_ref *refs;
	struct op_find_item_result *out;
	const char *traversal;
	int n, npaths;
	char text[160];

	adapter_version_header(soap);
	memset(&r, 0, sizeof r);
	if (!req->ItemShape)
		return adapter_schema_fault(soap, "ItemShape is required.");
	n = ids ? ids->__size_NonEmptyArrayOfBaseFolderIdsType : 0;
	if (n <= 0 || n > OP_FIND_FOLDERS_MAX) {
		snprintf(text, sizeof text, "ParentFolderIds must hold 1 to %d folder ids.", OP_FIND_FOLDERS_MAX);
		return adapter_schema_fault(soap, text);
	}
	if (adapter_read_shape(soap, req->ItemShape->BaseShape, &r.shape) ||
	    adapter_path_count(soap, req->ItemShape->AdditionalProperties, &npaths))
		return soap->error;
	if (!(r.ext = adapter_calloc(soap, (size_t)(npaths ? npaths : 1), sizeof *r.ext)) ||
	    !(refs = adapter_calloc(soap, (size_t)n, sizeof *refs)) ||
	    !(out = adapter_calloc(soap, (size_t)n, sizeof *out)))
		return soap->error = SOAP_EOM;
	adapter_shape_paths(soap, req->ItemShape->AdditionalProperties, npaths, &r.additional,
	                    (struct prop_ext_uri *)r.ext, &r.n_ext);
	if (req->ItemShape->IncludeMimeContent && *req->ItemShape->IncludeMimeContent == xsd__boolean__true_)
		LOGD("soap", "FindItem: IncludeMimeContent is not served; ignored");
	traversal = soap_t__ItemQueryTraversalType2s(soap, req->Traversal);
	r.traversal = traversal && strcmp(traversal, "SoftDeleted") == 0 ? OP_TRAVERSAL_SOFT_DELETED
	            : traversal && strcmp(traversal, "Associated") == 0 ? OP_TRAVERSAL_ASSOCIATED
	            : OP_TRAVERSAL_SHALLOW;
	read_view(req, &r.view);
	r.build_error = adapter_restriction(soap, req->Restriction, &r.restriction);
	if (soap->error != SOAP_OK)   /* no memory, an empty Restriction */
		return soap->error;
	if (read_sort(soap, req->SortOrder, &r))
		return soap->error;
	r.group_by = req->__union_FindItemType_ != 0;   /* GroupBy or DistinguishedGroupBy */
	if (req->QueryString)
		r.query_string = req->QueryString->__item ? req->QueryString->__item : "";
	if (adapter_folder_refs(soap, ids, refs))
		return soap->error;
	r.folders = refs;
	r.n_folders = (size_t)n;

	int rc = op_find_item(adapter_ctx(soap), &r, out);
	if (rc)
		return adapter_internal_fault(soap, "FindItem", rc);

	struct m__FindItemResponseType *body = adapter_calloc(soap, 1, sizeof *body);
	struct m__ArrayOfResponseMessagesType *msgs =
		adapter_messages(soap, (size_t)n, SOAP_UNION__m__union_ArrayOfResponseMessagesType_FindItemResponseMessage);
	if (!body || !msgs)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct m__FindItemResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
		if (!m)
			return soap->error = SOAP_EOM;
		ADAPTER_SET_STATUS(soap, m, &out[i].status);
		if (out[i].status.cls == EWS_SUCCESS &&
		    !(m->RootFolder = root_folder(soap, &out[i], r.view.kind == QV_INDEXED, r.view.kind == QV_FRACTIONAL)))
			return soap->error = SOAP_EOM;
		msgs->__union_ArrayOfResponseMessagesType[i].union_ArrayOfResponseMessagesType.FindItemResponseMessage = m;
	}
	body->ResponseMessages = msgs;
	resp->m__FindItemResponse = body;
	return SOAP_OK;
}
