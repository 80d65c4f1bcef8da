/* find_people.c - FindPeople and GetPersona (mailbox-ops spec §7, Exchange
 * 2013+): directory users and personal contacts as personas.
 *
 *  - Sources: ParentFolderId `directory` is the directory (GAL); the
 *    personal Contacts folder (also when ParentFolderId is absent) its
 *    contacts; root / msgfolderroot hold nobody; anything else is
 *    op_folder_resolve()'s error (unknown, malformed, another user's).
 *  - QueryString: op_people_match(), the rule ResolveNames uses, so both
 *    operations find the same people.  Empty text lists everyone.
 *  - Rows sorted by display name (case-insensitive), then address / id;
 *    the IndexedPageItemView page of them (query_page(), spec §2.3).
 *    FirstLoadedRowIndex = FirstMatchingRowIndex = the page's first row.
 *  - PersonaId: an EwsId-style id of kind EWS_ID_PERSONA: {user primary,
 *    EWS_PERSONA_DIRECTORY} for a directory user, {owner, contact id} for a
 *    contact; GetPersona decodes it back.
 *  - The photo's existence: PidLidHasPicture in t:ExtendedProperties, true
 *    when GetUserPhoto would return a picture (directory) or the contact has
 *    one.
 */
#include "ews/ops/ops.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/result.h"
#include "ews/access.h"
#include "ews/ops/ops_int.h"

static const char MSG_VERSION[] =
	"The request is valid but does not specify the correct server version in the RequestServerVersion "
	"SOAP header. Ensure that the RequestServerVersion SOAP header is set with the correct "
	"RequestServerVersionValue.";

/* RequestServerVersion values older than Exchange2013 (ExchangeVersionType
 * order): FindPeople and GetPersona do not exist in their schemas. */
static const char *const OLD_VERSIONS[] = {
	"Exchange2007", "Exchange2007_SP1", "Exchange2009", "Exchange2010", "Exchange2010_SP1",
	"Exchange2010_SP2", "Exchange2012", NULL
};

static int version_ok(const char *v, struct ews_status *st)
{
	for (int i = 0; v && OLD_VERSIONS[i]; i++)
		if (strcmp(v, OLD_VERSIONS[i]) == 0) {
			ews_status_error(st, EWS_ERROR_INCORRECT_SCHEMA_VERSION, MSG_VERSION);
			return 0;
		}
	return 1;
}

static const struct { const char *uri; unsigned props; } FIELDS[] = {
	{ "persona:PersonaType", OP_PERSONA_TYPE },
	{ "persona:CreationTime", OP_PERSONA_CREATED },
	{ "persona:DisplayName", OP_PERSONA_DISPLAY_NAME },
	{ "persona:DisplayNameFirstLast", OP_PERSONA_FIRST_LAST },
	{ "persona:DisplayNameLastFirst", OP_PERSONA_LAST_FIRST },
	{ "persona:FileAs", OP_PERSONA_FILE_AS },
	{ "persona:GivenName", OP_PERSONA_GIVEN_NAME },
	{ "persona:Surname", OP_PERSONA_SURNAME },
	{ "persona:Title", OP_PERSONA_TITLE },
	{ "persona:Department", OP_PERSONA_DEPARTMENT },
	{ "persona:CompanyName", OP_PERSONA_COMPANY },
	{ "persona:EmailAddress", OP_PERSONA_EMAIL },
	{ "persona:EmailAddresses", OP_PERSONA_EMAILS },
	{ "persona:PhoneNumber", OP_PERSONA_PHONE },
	{ "persona:WorkCity", OP_PERSONA_WORK_CITY },
	{ "persona:RelevanceScore", OP_PERSONA_RELEVANCE },
	{ "persona:FolderIds", OP_PERSONA_FOLDER_IDS },
	{ "persona:ExtendedProperties", OP_PERSONA_HAS_PICTURE },
};

unsigned op_persona_props_for_field(const char *field_uri)
{
	for (size_t i = 0; field_uri && i < sizeof FIELDS / sizeof *FIELDS; i++)
		if (strcmp(FIELDS[i].uri, field_uri) == 0)
			return FIELDS[i].props;
	return 0;
}

/* Default shape: the docs' example set plus company, phone and the picture flag. */
#define SHAPE_DEFAULT (OP_PERSONA_TYPE | OP_PERSONA_CREATED | OP_PERSONA_DISPLAY_NAME | \
	OP_PERSONA_FIRST_LAST | OP_PERSONA_LAST_FIRST | OP_PERSONA_FILE_AS | OP_PERSONA_GIVEN_NAME | \
	OP_PERSONA_SURNAME | OP_PERSONA_COMPANY | OP_PERSONA_EMAIL | OP_PERSONA_EMAILS | \
	OP_PERSONA_PHONE | OP_PERSONA_RELEVANCE | OP_PERSONA_HAS_PICTURE)
#define SHAPE_ALL 0x3ffffu

static unsigned shape_props(enum ews_shape s)
{
	return s == EWS_SHAPE_ID_ONLY ? 0 : s == EWS_SHAPE_DEFAULT ? SHAPE_DEFAULT : SHAPE_ALL;
}

/* ---- building personas -------------------------------------------------------- */

static const char *nonempty(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* "a<sep>b" in the arena when both are set, else NULL. */
static const char *join(struct arena *a, const char *x, const char *sep, const char *y)
{
	if (!nonempty(x) || !nonempty(y))
		return NULL;
	size_t lx = strlen(x), ls = strlen(sep), ly = strlen(y);
	char *o = arena_alloc(a, lx + ls + ly + 1);
	if (!o)
		return NULL;
	memcpy(o, x, lx);
	memcpy(o + lx, sep, ls);
	memcpy(o + lx + ls, y, ly + 1);
	return o;
}

static void names(struct arena *a, struct op_persona *p, const char *file_as)
{
	p->first_last = join(a, p->given_name, " ", p->surname);
	p->last_first = join(a, p->surname, " ", p->given_name);
	p->file_as = nonempty(file_as) ? file_as : join(a, p->surname, ", ", p->given_name);
	if (!p->file_as)
		p->file_as = p->display_name;
}

/* Persona of directory user @p u (arena copy made here). */
static int persona_from_user(const struct ews_ctx *ctx, store_txn_t *t, const struct user_record *in,
                             unsigned props, struct op_persona *p)
{
	struct user_record *u = arena_memdup(ctx->arena, in, sizeof *in);
	struct photo_record rec;
	int rc;

	memset(p, 0, sizeof *p);
	if (!u || !(p->id = ews_id_text(ctx->arena, EWS_ID_PERSONA, u->email, EWS_PERSONA_DIRECTORY)))
		return EMU_ENOMEM;
	p->props = props;
	p->type = "Person";
	p->display_name = nonempty(u->display_name) ? u->display_name : u->email;
	p->given_name = nonempty(u->given_name);
	p->surname = nonempty(u->surname);
	names(ctx->arena, p, NULL);
	p->title = nonempty(u->title);
	p->department = nonempty(u->department);
	p->company = nonempty(u->company);
	p->mailbox_type = "Mailbox";
	p->emails[0] = u->email;
	p->n_emails = 1;
	if (nonempty(u->phone)) {
		p->phone = u->phone;
		p->phone_type = "Business";
	}
	p->relevance = OP_PERSONA_RELEVANCE_UNRANKED;
	rc = store_photo_get(t, u->email, &rec);
	if (rc == EMU_OK) {
		struct photo_avail av = { rec.deleted, rec.mailbox_mask, rec.has_thumbnail };
		p->has_picture = photo_select(&av, PHOTO_HR96, ctx->config ? ctx->config->hr48_prefers_thumbnail : 1)
		                         .source != PHOTO_SRC_NONE;
	} else if (rc != EMU_ENOTFOUND) {
		return rc;
	}
	return EMU_OK;
}

/* Persona of contact @p in of mailbox @p owner (lower-case primary). */
static int persona_from_contact(const struct ews_ctx *ctx, const char *owner, const struct contact_record *in,
                                unsigned props, struct op_persona *p)
{
	struct contact_record *c = arena_memdup(ctx->arena, in, sizeof *in);
	const char *ck;
	int rc;

	memset(p, 0, sizeof *p);
	if (!c || !(p->id = ews_id_text(ctx->arena, EWS_ID_PERSONA, owner, c->id)))
		return EMU_ENOMEM;
	if ((rc = op_folder_ref(ctx->arena, owner, OP_FOLDER_CONTACTS, &p->folder_id, &ck)) != EMU_OK)
		return rc;
	p->props = props;
	p->type = "Person";
	p->created = c->created;
	p->display_name = nonempty(c->display_name) ? c->display_name : nonempty(c->email);
	p->given_name = nonempty(c->given_name);
	p->surname = nonempty(c->surname);
	names(ctx->arena, p, c->file_as);
	p->title = nonempty(c->job_title);
	p->department = nonempty(c->department);
	p->company = nonempty(c->company);
	p->mailbox_type = "Contact";
	const char *mails[OP_EMAILS_MAX] = { c->email, c->email2, c->email3 };
	for (int i = 0; i < OP_EMAILS_MAX; i++)
		if (nonempty(mails[i]))
			p->emails[p->n_emails++] = mails[i];
	const char *phones[3] = { c->business_phone, c->mobile_phone, c->home_phone };
	static const char *const phone_types[3] = { "Business", "Mobile", "Home" };
	for (int i = 0; i < 3 && !p->phone; i++)
		if (nonempty(phones[i])) {
			p->phone = phones[i];
			p->phone_type = phone_types[i];
		}
	p->work_city = nonempty(c->city);
	p->relevance = OP_PERSONA_RELEVANCE_UNRANKED;
	p->has_picture = c->has_photo;
	return EMU_OK;
}

/* ---- the rows of a view ----------------------------------------------------------- */

struct rows {
	struct store_search_hit *dir;        /* directory rows (heap or arena) */
	struct op_contact_hit *contacts;     /* contact rows */
	size_t n, cap;
	int heap;                            /* the arrays are the walk's heap memory */
	int oom;
};

static int cmp_user_row(const void *a, const void *b)
{
	const struct store_search_hit *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);
	return c ? c : strcasecmp(x->email, y->email);
}

static int cmp_contact_row(const void *a, const void *b)
{
	const struct op_contact_hit *x = a, *y = b;
	int c = strcasecmp(x->display_name, y->display_name);
	return c ? c : strcmp(x->id, y->id);
}

/* Make room for one more row of @p size bytes in *@p arr. */
static int grow(struct rows *r, void **arr, size_t size)
{
	if (r->n < r->cap)
		return 0;
	size_t cap = r->cap ? r->cap * 2 : 64;
	void *p = realloc(*arr, cap * size);
	if (!p) {
		r->oom = 1;
		return EMU_ENOMEM;
	}
	*arr = p;
	r->cap = cap;
	return 0;
}

static int visit_user(const struct user_record *u, void *arg)
{
	struct rows *r = arg;
	if (r->n >= OP_PEOPLE_GAL_MAX)
		return 0;
	if (grow(r, (void **)&r->dir, sizeof *r->dir))
		return EMU_ENOMEM;
	struct store_search_hit *h = &r->dir[r->n++];
	op_lower_copy(h->primary, u->email);
	memcpy(h->email, u->email, sizeof h->email);
	memcpy(h->display_name, nonempty(u->display_name) ? u->display_name : u->email, sizeof h->display_name);
	return 0;
}

static int visit_contact_row(const struct contact_record *c, void *arg)
{
	struct rows *r = arg;
	if (grow(r, (void **)&r->contacts, sizeof *r->contacts))
		return EMU_ENOMEM;
	struct op_contact_hit *h = &r->contacts[r->n++];
	memcpy(h->id, c->id, sizeof h->id);
	memcpy(h->display_name, nonempty(c->display_name) ? c->display_name : c->email, sizeof h->display_name);
	return 0;
}

/* Every row of the source (no QueryString), sorted. */
static int all_rows(store_txn_t *t, int directory, const char *owner, struct rows *r)
{
	int rc;
	r->heap = 1;
	if (directory) {
		rc = store_user_foreach(t, visit_user, r);
		if (!rc && r->n > 1)
			qsort(r->dir, r->n, sizeof *r->dir, cmp_user_row);
	} else {
		rc = store_contact_foreach(t, owner, visit_contact_row, r);
		if (!rc && r->n > 1)
			qsort(r->contacts, r->n, sizeof *r->contacts, cmp_contact_row);
	}
	return r->oom ? EMU_ENOMEM : rc;
}

static int is_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
			return 0;
	return 1;
}

/* Which people the request's folder names: *directory, or *owner (lower-case
 * primary of the contacts' mailbox, "" for a folder that holds nobody).  An
 * absent ParentFolderId is the caller's Contacts folder by name (so an
 * anonymous caller gets op_folder_resolve()'s ErrorFolderNotFound). */
static int source(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *folder,
                  int *directory, char *owner, struct ews_status *st)
{
	static const struct op_folder_ref DEFAULT = { NULL, OP_FOLDER_CONTACTS, NULL };

	*directory = 0;
	owner[0] = '\0';
	if (folder && folder->distinguished && strcmp(folder->distinguished, "directory") == 0) {
		*directory = 1;
		return EMU_OK;
	}
	return op_contacts_owner(ctx, t, folder ? folder : &DEFAULT, owner, st);
}

int op_find_people(const struct ews_ctx *ctx, const struct op_find_people_req *req,
                   struct op_find_people_result *out)
{
	struct rows rows = { 0 };
	char owner[STORE_ADDR_MAX + 1];
	int directory = 0, rc = EMU_OK;
	enum query_error qe;
	store_txn_t *t = NULL;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!version_ok(req->request_version, &out->status)) {
		out->request_error = 1;
		return EMU_OK;
	}
	if (req->view.kind != QV_INDEXED) {
		op_query_status(&out->status, QE_PAGING_INDEXED);
		return EMU_OK;
	}
	if ((qe = query_view_check(&req->view)) != QE_OK) {
		op_query_status(&out->status, qe);
		return EMU_OK;
	}
	if (req->has_filter) {
		ews_status_error(&out->status, EWS_ERROR_UNSUPPORTED_QUERY_FILTER,
		                 "FindPeople filters by QueryString only; Restriction, AggregationRestriction "
		                 "and SortOrder are not supported.");
		return EMU_OK;
	}
	if (req->query_string && strlen(req->query_string) > QUERY_AQS_MAX) {
		op_query_status(&out->status, QE_AQS_TOO_LONG);
		return EMU_OK;
	}
	if ((rc = store_txn_begin(ctx->store, 0, &t)) != EMU_OK)
		return rc;
	if ((rc = source(ctx, t, req->folder, &directory, owner, &out->status)) != EMU_OK ||
	    out->status.cls != EWS_SUCCESS)
		goto out;
	if (!directory && !owner[0]) {
		rows.n = 0;                       /* root, msgfolderroot: nobody */
	} else if (!is_blank(req->query_string)) {
		struct op_people_query *q = arena_alloc(ctx->arena, sizeof *q);
		struct op_people_hits hits;
		if (!q) {
			rc = EMU_ENOMEM;
			goto out;
		}
		op_people_query_parse(req->query_string, q);
		if ((rc = op_people_match(ctx, t, q, directory, directory ? "" : owner,
		                          directory ? OP_PEOPLE_DIR_MAX : STORE_CONTACTS_MAX, &hits)) != EMU_OK)
			goto out;
		rows.dir = hits.dir;
		rows.contacts = hits.contacts;
		rows.n = directory ? hits.ndir : hits.ncontacts;
	} else if ((rc = all_rows(t, directory, owner, &rows)) != EMU_OK) {
		goto out;
	}

	struct query_page page;
	query_page(&req->view, rows.n, &page);
	out->total = page.total;
	out->first_matching = out->first_loaded = page.start;
	if (page.count && !(out->people = arena_alloc(ctx->arena, page.count * sizeof *out->people))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	unsigned props = shape_props(req->shape) | req->additional;
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	struct contact_record *c = arena_alloc(ctx->arena, sizeof *c);
	if (!u || !c) {
		rc = EMU_ENOMEM;
		goto out;
	}
	for (size_t i = page.start; i < page.start + page.count; i++) {
		if (directory) {
			if ((rc = store_user_get(t, rows.dir[i].primary, u)) != EMU_OK ||
			    (rc = persona_from_user(ctx, t, u, props, &out->people[out->n])) != EMU_OK)
				goto out;
		} else if ((rc = store_contact_get(t, owner, rows.contacts[i].id, c)) != EMU_OK ||
		           (rc = persona_from_contact(ctx, owner, c, props, &out->people[out->n])) != EMU_OK) {
			goto out;
		}
		out->n++;
	}
out:
	if (rows.heap) {
		free(rows.dir);
		free(rows.contacts);
	}
	store_txn_abort(t);
	return rc;
}

/* ---- GetPersona ------------------------------------------------------------------- */

struct by_address {
	const char *address;
	struct contact_record *found;
	int hit;
};

static int visit_by_address(const struct contact_record *c, void *arg)
{
	struct by_address *b = arg;
	const char *mails[3] = { c->email, c->email2, c->email3 };
	for (int i = 0; i < 3; i++)
		if (mails[i][0] && strcasecmp(mails[i], b->address) == 0) {
			memcpy(b->found, c, sizeof *c);
			b->hit = 1;
			return 1;   /* stop the walk */
		}
	return 0;
}

static int persona_by_id(const struct ews_ctx *ctx, store_txn_t *t, const char *text,
                         struct op_get_persona_result *out)
{
	struct ews_id id;
	int rc;

	if (!*text) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_EMPTY, OP_MSG_ID_EMPTY);
		return EMU_OK;
	}
	if (ews_id_decode(text, EWS_FMT_EWS_ID, &id) != EMU_OK || id.kind != EWS_ID_PERSONA) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ID_MALFORMED, OP_MSG_ID_MALFORMED);
		return EMU_OK;
	}
	if (strcmp(id.local, EWS_PERSONA_DIRECTORY) == 0) {   /* the directory: everyone's */
		struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
		if (!u)
			return EMU_ENOMEM;
		rc = store_user_get(t, id.mailbox, u);
		if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
			ews_status_error(&out->status, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
			return EMU_OK;
		}
		return rc ? rc : persona_from_user(ctx, t, u, SHAPE_ALL, &out->persona);
	}
	/* access before existence: another mailbox's ids reveal nothing */
	if (access_check(ctx->caller, ACCESS_MAILBOX_READ, id.mailbox) != EMU_OK) {
		ews_status_error(&out->status, EWS_ERROR_ACCESS_DENIED, OP_MSG_ACCESS_DENIED);
		return EMU_OK;
	}
	struct contact_record *c = arena_alloc(ctx->arena, sizeof *c);
	if (!c)
		return EMU_ENOMEM;
	rc = store_contact_get(t, id.mailbox, id.local, c);
	if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
		ews_status_error(&out->status, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
		return EMU_OK;
	}
	return rc ? rc : persona_from_contact(ctx, id.mailbox, c, SHAPE_ALL, &out->persona);
}

static int persona_by_address(const struct ews_ctx *ctx, store_txn_t *t, const char *address,
                              struct op_get_persona_result *out)
{
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	struct contact_record *c = arena_alloc(ctx->arena, sizeof *c);
	char owner[STORE_ADDR_MAX + 1];
	int rc;

	if (!u || !c)
		return EMU_ENOMEM;
	rc = store_user_get(t, address, u);
	if (rc == EMU_OK)
		return persona_from_user(ctx, t, u, SHAPE_ALL, &out->persona);
	if (rc != EMU_ENOTFOUND && rc != EMU_EINVAL && rc != EMU_ELIMIT)
		return rc;
	const char *me = caller_address(ctx->caller);
	if (me && store_user_get(t, me, u) == EMU_OK) {
		struct by_address b = { address, c, 0 };
		op_lower_copy(owner, u->email);
		rc = store_contact_foreach(t, owner, visit_by_address, &b);
		if (rc != EMU_OK && !b.hit)
			return rc;
		if (b.hit)
			return persona_from_contact(ctx, owner, c, SHAPE_ALL, &out->persona);
	}
	ews_status_error(&out->status, EWS_ERROR_ITEM_NOT_FOUND, OP_MSG_ITEM_NOT_FOUND);
	return EMU_OK;
}

int op_get_persona(const struct ews_ctx *ctx, const struct op_get_persona_req *req,
                   struct op_get_persona_result *out)
{
	store_txn_t *t = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	ews_status_ok(&out->status);
	if (!version_ok(req->request_version, &out->status)) {
		out->request_error = 1;
		return EMU_OK;
	}
	if (!req->persona_id && (!req->email || !*req->email)) {
		ews_status_error(&out->status, EWS_ERROR_INVALID_ARGUMENT,
		                 "GetPersona needs a PersonaId or an EmailAddress.");
		return EMU_OK;
	}
	if ((rc = store_txn_begin(ctx->store, 0, &t)) != EMU_OK)
		return rc;
	rc = req->persona_id ? persona_by_id(ctx, t, req->persona_id, out)
	                     : persona_by_address(ctx, t, req->email, out);
	if (rc == EMU_OK && out->status.cls != EWS_SUCCESS)
		memset(&out->persona, 0, sizeof out->persona);
	store_txn_abort(t);
	return rc;
}
