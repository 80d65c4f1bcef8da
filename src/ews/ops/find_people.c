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
 *  - Aggregation (spec §7.2): a directory user who is also a personal
 *    contact of the caller (same address) is one persona with the
 *    directory's PersonaId, in the directory view, in the Contacts view and
 *    from GetPersona of either id; t:Attributions lists both sources.
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
	{ "persona:Attributions", OP_PERSONA_ATTRIBUTIONS },
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
#define SHAPE_ALL 0x7ffffu

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

/* Persona of directory user @p u (arena memory: the persona points into it). */
static int persona_from_user(const struct ews_ctx *ctx, store_txn_t *t, const struct user_record *u,
                             unsigned props, struct op_persona *p)
{
	struct photo_record rec;
	int rc;

	memset(p, 0, sizeof *p);
	if (!(p->id = ews_id_text(ctx->arena, EWS_ID_PERSONA, u->email, EWS_PERSONA_DIRECTORY)))
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
	p->sources[0] = (struct op_persona_source){ "0", p->id, NULL, p->display_name, 0, NULL };
	p->n_sources = 1;
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
	const char *item = ews_id_text(ctx->arena, EWS_ID_ITEM, owner, c->id);
	const char *item_ck = ews_change_key(ctx->arena, EWS_ID_ITEM, c->change);
	if (!item || !item_ck)
		return EMU_ENOMEM;
	p->sources[0] = (struct op_persona_source){ "0", item, item_ck, p->display_name, 1, p->folder_id };
	p->n_sources = 1;
	return EMU_OK;
}

/* ---- persona aggregation (spec §7.2) ------------------------------------------------
 * A directory user who is also one of the caller's personal contacts (one of
 * the contact's addresses is the user's primary or proxy address) is one
 * persona: the directory's PersonaId and fields win, the contact fills the
 * fields the directory lacks and adds its other addresses; FolderIds names
 * the contact's folder and Attributions lists both sources (directory "0",
 * contact "1").  The first contact (in id order) of that address is the one
 * aggregated. */

/* Aggregate contact @p c of mailbox @p owner into directory persona @p p. */
static int persona_add_contact(const struct ews_ctx *ctx, const char *owner, const struct contact_record *c,
                               struct op_persona *p)
{
	struct op_persona *cp = arena_alloc(ctx->arena, sizeof *cp);
	int rc;

	if (!cp)
		return EMU_ENOMEM;
	if (p->n_sources >= OP_PERSONA_SOURCES_MAX)
		return EMU_OK;
	if ((rc = persona_from_contact(ctx, owner, c, p->props, cp)) != EMU_OK)
		return rc;
	if (!p->given_name)
		p->given_name = cp->given_name;
	if (!p->surname)
		p->surname = cp->surname;
	names(ctx->arena, p, NULL);
	if (!p->title)
		p->title = cp->title;
	if (!p->department)
		p->department = cp->department;
	if (!p->company)
		p->company = cp->company;
	if (!p->work_city)
		p->work_city = cp->work_city;
	if (!p->phone) {
		p->phone = cp->phone;
		p->phone_type = cp->phone_type;
	}
	if (!p->created)
		p->created = cp->created;
	for (int i = 0; i < cp->n_emails && p->n_emails < OP_EMAILS_MAX; i++) {
		int dup = 0;
		for (int k = 0; k < p->n_emails && !dup; k++)
			dup = strcasecmp(p->emails[k], cp->emails[i]) == 0;
		if (!dup)
			p->emails[p->n_emails++] = cp->emails[i];
	}
	p->has_picture |= cp->has_picture;
	p->folder_id = cp->folder_id;
	p->sources[p->n_sources] = cp->sources[0];
	p->sources[p->n_sources++].id = "1";
	return EMU_OK;
}

/* Persona of contact @p c of mailbox @p owner: the aggregated persona of the
 * directory user one of its addresses belongs to, else the contact's own. */
static int persona_of_contact(const struct ews_ctx *ctx, store_txn_t *t, const char *owner,
                              const struct contact_record *c, unsigned props, struct op_persona *p)
{
	const char *mails[OP_EMAILS_MAX] = { c->email, c->email2, c->email3 };
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	int rc;

	if (!u)
		return EMU_ENOMEM;
	for (int i = 0; i < OP_EMAILS_MAX; i++) {
		if (!nonempty(mails[i]))
			continue;
		rc = store_user_get(t, mails[i], u);
		if (rc == EMU_OK) {
			if ((rc = persona_from_user(ctx, t, u, props, p)) != EMU_OK)
				return rc;
			return persona_add_contact(ctx, owner, c, p);
		}
		if (rc != EMU_ENOTFOUND && rc != EMU_EINVAL && rc != EMU_ELIMIT)
			return rc;
	}
	return persona_from_contact(ctx, owner, c, props, p);
}

/* One address of a directory persona being aggregated. */
struct addr_ref {
	const char *addr;            /* lower-case */
	size_t idx;                  /* the persona */
};

static int cmp_addr_ref(const void *a, const void *b)
{
	return strcmp(((const struct addr_ref *)a)->addr, ((const struct addr_ref *)b)->addr);
}

struct aggregation {
	const struct ews_ctx *ctx;
	const char *owner;
	struct addr_ref *refs;
	size_t n;
	struct op_persona *people;
	int rc;
};

static int visit_aggregate(const struct contact_record *c, void *arg)
{
	struct aggregation *g = arg;
	const char *mails[OP_EMAILS_MAX] = { c->email, c->email2, c->email3 };
	char key[STORE_ADDR_MAX + 1];

	for (int i = 0; i < OP_EMAILS_MAX; i++) {
		if (!nonempty(mails[i]))
			continue;
		op_lower_copy(key, mails[i]);
		struct addr_ref want = { key, 0 };
		const struct addr_ref *hit = bsearch(&want, g->refs, g->n, sizeof *g->refs, cmp_addr_ref);
		if (hit && g->people[hit->idx].n_sources < OP_PERSONA_SOURCES_MAX) {
			if ((g->rc = persona_add_contact(g->ctx, g->owner, c, &g->people[hit->idx])) != EMU_OK)
				return 1;    /* stop the walk */
			break;
		}
	}
	return 0;
}

/* Aggregate the caller's personal contacts into directory personas
 * @p people (n) of users @p users (arena records): one walk over the
 * contacts, each address looked up among the users' addresses. */
static int aggregate_directory(const struct ews_ctx *ctx, store_txn_t *t, const struct user_record *const *users,
                               struct op_persona *people, size_t n)
{
	char *owner = arena_alloc(ctx->arena, STORE_ADDR_MAX + 1);
	struct ews_status st;
	size_t count = 0;
	int rc;

	if (!owner)
		return EMU_ENOMEM;
	if ((rc = op_contacts_owner(ctx, t, NULL, owner, &st)) != EMU_OK || !owner[0] || n == 0)
		return rc;
	for (size_t i = 0; i < n; i++)
		count += 1 + (size_t)users[i]->nproxies;
	struct aggregation g = { ctx, owner, arena_alloc(ctx->arena, count * sizeof *g.refs), 0, people, EMU_OK };
	if (!g.refs)
		return EMU_ENOMEM;
	for (size_t i = 0; i < n; i++)
		for (int k = -1; k < users[i]->nproxies; k++) {
			const char *a = k < 0 ? users[i]->email : users[i]->proxies[k];
			char *low = arena_alloc(ctx->arena, strlen(a) + 1);
			if (!low)
				return EMU_ENOMEM;
			op_lower_copy(low, a);
			g.refs[g.n++] = (struct addr_ref){ low, i };
		}
	qsort(g.refs, g.n, sizeof *g.refs, cmp_addr_ref);
	rc = store_contact_foreach(t, owner, visit_aggregate, &g);
	if (g.rc != EMU_OK)
		return g.rc;
	return rc == EMU_ENOTFOUND ? EMU_OK : rc;
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
	const struct user_record **users = directory && page.count ? arena_alloc(ctx->arena, page.count * sizeof *users) : NULL;
	if (!u || !c || (directory && page.count && !users)) {
		rc = EMU_ENOMEM;
		goto out;
	}
	for (size_t i = page.start; i < page.start + page.count; i++) {
		if (directory) {
			if ((rc = store_user_get(t, rows.dir[i].primary, u)) != EMU_OK)
				goto out;
			if (!(users[out->n] = arena_memdup(ctx->arena, u, sizeof *u))) {
				rc = EMU_ENOMEM;
				goto out;
			}
			if ((rc = persona_from_user(ctx, t, users[out->n], props, &out->people[out->n])) != EMU_OK)
				goto out;
		} else if ((rc = store_contact_get(t, owner, rows.contacts[i].id, c)) != EMU_OK ||
		           (rc = persona_of_contact(ctx, t, owner, c, props, &out->people[out->n])) != EMU_OK) {
			goto out;
		}
		out->n++;
	}
	if (directory)
		rc = aggregate_directory(ctx, t, users, out->people, out->n);
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
		if (rc || (rc = persona_from_user(ctx, t, u, SHAPE_ALL, &out->persona)) != EMU_OK)
			return rc;
		const struct user_record *one = u;
		return aggregate_directory(ctx, t, &one, &out->persona, 1);
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
	return rc ? rc : persona_of_contact(ctx, t, id.mailbox, c, SHAPE_ALL, &out->persona);
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
	if (rc == EMU_OK) {
		const struct user_record *one = u;
		if ((rc = persona_from_user(ctx, t, u, SHAPE_ALL, &out->persona)) != EMU_OK)
			return rc;
		return aggregate_directory(ctx, t, &one, &out->persona, 1);
	}
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
			return persona_of_contact(ctx, t, owner, c, SHAPE_ALL, &out->persona);
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
