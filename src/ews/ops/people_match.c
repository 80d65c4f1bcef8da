/* people_match.c - THE rule of who matches a name or address (spec §4.2):
 * ResolveNames' UnresolvedEntry and FindPeople's QueryString both go
 * through op_people_match(), so the two operations agree on who matches.
 *
 *  - The text is normalised (core/names.h); without a routing prefix it
 *    matches every name token of a directory user (the store's name index:
 *    display name and its words, given name, surname, alias, office,
 *    primary SMTP address) and of a contact (display name, given name,
 *    surname, file-as, nickname, first email address).  "smtp:" matches the
 *    beginning of any address: a user's primary and proxy addresses, a
 *    contact's three addresses.  Other routing types (sip:, x500:, ...)
 *    match nothing.
 *  - An exact address wins: when the text is a user's primary address (or,
 *    with smtp:, any of their addresses) or a searched contact's address,
 *    only the exact matches are reported.
 *  - Names compare case-insensitively by the one rule of core/fold.h
 *    (Unicode simple case folding, through core/names.h).
 *  - Each block is sorted by display name (case-insensitive), then by
 *    address / item id; the first @p max of each are reported.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/fold.h"
#include "core/names.h"
#include "core/result.h"
#include "ews/ops/ops_int.h"

static const char *const ROUTING[] = { "smtp", "sip", "x400", "x500", "ex", "eum", NULL };

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void op_people_query_parse(const char *in, struct op_people_query *q)
{
	const char *colon;
	memset(q, 0, sizeof *q);
	while (is_space(*in))
		in++;
	colon = strchr(in, ':');
	if (colon != NULL) {
		for (int i = 0; ROUTING[i]; i++) {
			size_t n = strlen(ROUTING[i]);
			if ((size_t)(colon - in) == n && strncasecmp(in, ROUTING[i], n) == 0) {
				q->addresses = i == 0;
				q->other_routing = i != 0;
				in = colon + 1;
				break;
			}
		}
	}
	names_normalize(in, q->text, sizeof q->text);
	size_t n = strlen(in);
	while (n > 0 && is_space(in[n - 1]))
		n--;
	if (n <= STORE_ADDR_MAX) {
		memcpy(q->raw, in, n);
		q->raw[n] = '\0';
	}
}

void op_lower_copy(char *dst, const char *src)
{
	size_t i = 0;
	for (; src[i]; i++)
		dst[i] = (char)(src[i] >= 'A' && src[i] <= 'Z' ? src[i] + 32 : src[i]);
	dst[i] = '\0';
}

/* ---- the directory block ----------------------------------------------------- */

static int cmp_dir(const void *a, const void *b)
{
	const struct store_search_hit *x = a, *y = b;
	int c = fold_strcmp(x->display_name, y->display_name);
	return c ? c : strcasecmp(x->email, y->email);
}

/* Users matching @p q: *exact set when the text is one of their addresses
 * (then only that user is reported). */
static int search_directory(const struct ews_ctx *ctx, store_txn_t *t, const struct op_people_query *q,
                            size_t max, struct op_people_hits *out, int *exact)
{
	int rc;

	*exact = 0;
	if (max > OP_PEOPLE_DIR_MAX)
		max = OP_PEOPLE_DIR_MAX;
	if (!(out->dir = arena_alloc(ctx->arena, (max ? max : 1) * sizeof *out->dir)))
		return EMU_ENOMEM;
	if (q->other_routing || q->text[0] == '\0' || max == 0)
		return EMU_OK;
	if (q->raw[0] && strchr(q->raw, '@')) {
		struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
		if (!u)
			return EMU_ENOMEM;
		rc = store_user_get(t, q->raw, u);
		/* without a prefix only the primary address counts (spec §4.2) */
		if (rc == EMU_OK && (q->addresses || strcasecmp(u->email, q->raw) == 0)) {
			struct store_search_hit *h = &out->dir[0];
			op_lower_copy(h->primary, u->email);
			memcpy(h->email, u->email, sizeof h->email);
			memcpy(h->display_name, u->display_name, sizeof h->display_name);
			out->ndir = 1;
			*exact = 1;
			return EMU_OK;
		}
		if (rc != EMU_OK && rc != EMU_ENOTFOUND && rc != EMU_ELIMIT && rc != EMU_EINVAL)
			return rc;
	}
	rc = store_user_search(t, q->addresses ? STORE_SEARCH_ADDRESSES : STORE_SEARCH_NAMES,
	                       q->text, out->dir, max, &out->ndir, &out->dir_more);
	if (rc)
		return rc;
	if (out->ndir > 1)
		qsort(out->dir, out->ndir, sizeof *out->dir, cmp_dir);
	return EMU_OK;
}

/* ---- the contacts block ------------------------------------------------------- */

struct contact_search {
	const struct op_people_query *q;
	struct op_contact_hit *hits;   /* heap, every match (a mailbox has at most STORE_CONTACTS_MAX) */
	size_t n, cap;
	int exact;                     /* hits are exact address matches */
	int failed;                    /* no memory */
};

static int cmp_contact(const void *a, const void *b)
{
	const struct op_contact_hit *x = a, *y = b;
	int c = fold_strcmp(x->display_name, y->display_name);
	return c ? c : strcmp(x->id, y->id);
}

static int contact_matches(const struct contact_record *c, const struct op_people_query *q, int *exact)
{
	const char *mails[3] = { c->email, c->email2, c->email3 };
	*exact = 0;
	if (q->raw[0] && strchr(q->raw, '@')) {
		for (int i = 0; i < (q->addresses ? 3 : 1); i++)
			if (mails[i][0] && strcasecmp(mails[i], q->raw) == 0) {
				*exact = 1;
				return 1;
			}
	}
	if (q->addresses) {
		for (int i = 0; i < 3; i++)
			if (mails[i][0] && names_has_prefix_ci(mails[i], q->text))
				return 1;
		return 0;
	}
	struct names_fields f = { c->display_name, c->given_name, c->surname,
	                          { c->file_as, c->nickname, c->email, NULL, NULL, NULL } };
	return names_fields_match(&f, q->text);
}

static int visit_contact(const struct contact_record *c, void *arg)
{
	struct contact_search *s = arg;
	int exact;
	if (s->q->other_routing || !contact_matches(c, s->q, &exact))
		return 0;
	if (exact && !s->exact) {   /* the first exact match drops the prefix ones */
		s->exact = 1;
		s->n = 0;
	} else if (s->exact && !exact) {
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;
		struct op_contact_hit *h = realloc(s->hits, cap * sizeof *h);
		if (!h) {
			s->failed = 1;
			return EMU_ENOMEM;
		}
		s->hits = h;
		s->cap = cap;
	}
	memcpy(s->hits[s->n].id, c->id, sizeof s->hits[s->n].id);
	memcpy(s->hits[s->n].display_name, c->display_name, sizeof s->hits[s->n].display_name);
	s->n++;
	return 0;
}

static int search_contacts(const struct ews_ctx *ctx, store_txn_t *t, const struct op_people_query *q,
                           const char *owner, size_t max, struct op_people_hits *out, int *exact)
{
	struct contact_search s = { q, NULL, 0, 0, 0, 0 };
	int rc = EMU_OK;

	*exact = 0;
	if (q->text[0] == '\0' || q->other_routing)
		return EMU_OK;
	if ((rc = store_contact_foreach(t, owner, visit_contact, &s)) != EMU_OK)
		goto out;
	if (s.n > 1)   /* s.hits is NULL when nothing matched */
		qsort(s.hits, s.n, sizeof *s.hits, cmp_contact);
	out->ncontacts = s.n < max ? s.n : max;
	out->contacts_more = s.n > max;
	*exact = s.exact;
	if (out->ncontacts &&
	    !(out->contacts = arena_memdup(ctx->arena, s.hits, out->ncontacts * sizeof *s.hits)))
		rc = EMU_ENOMEM;
out:
	free(s.hits);
	return s.failed ? EMU_ENOMEM : rc;
}

int op_people_match(const struct ews_ctx *ctx, store_txn_t *t, const struct op_people_query *q,
                    int want_dir, const char *owner, size_t max, struct op_people_hits *out)
{
	int dir_exact = 0, contacts_exact = 0, rc;

	memset(out, 0, sizeof *out);
	if (want_dir && (rc = search_directory(ctx, t, q, max, out, &dir_exact)) != EMU_OK)
		return rc;
	if (owner && owner[0] && (rc = search_contacts(ctx, t, q, owner, max, out, &contacts_exact)) != EMU_OK)
		return rc;
	/* an exact address wins over every prefix match, in both blocks */
	if (dir_exact && !contacts_exact) {
		out->ncontacts = 0;
		out->contacts_more = 0;
	} else if (contacts_exact && !dir_exact) {
		out->ndir = 0;
		out->dir_more = 0;
	}
	return EMU_OK;
}
