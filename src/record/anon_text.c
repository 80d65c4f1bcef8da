/* anon_text.c - the anonymiser's text passes: addresses (also URL-encoded),
 * known names, multi-word names inside longer text, address domains and
 * ewsemu ids, applied to any value (XML text and attributes, JSON, plain
 * text, the target, headers); generated photos for JPEGs. */
#define _GNU_SOURCE   /* memmem */
#include "record/anon_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/arena.h"
#include "core/log.h"
#include "core/result.h"
#include "ews/ids.h"
#include "photo/photo.h"
#include "record/record.h"

#define ID_TEXT_LIMIT 1200                          /* longest text tried as an ewsemu id */

/* ---- one exchange ------------------------------------------------------------- */


void anon_fail(struct anon_run *r, int rc)
{
	if (rc && !r->rc)
		r->rc = rc;
}

static int is_local_ch(int c)
{
	return isalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

static int is_dom_ch(int c)
{
	return isalnum(c) || c == '.' || c == '-';
}

/* Find the next address in @p s[from..n): start, length, the length of its
 * '@' ("@" 1, "%40" 3) and where that is.  0 when there is none. */
int anon_next_address(const char *s, size_t n, size_t from, size_t *start, size_t *len, size_t *at, size_t *atlen)
{
	for (size_t i = from; i < n; i++) {
		size_t al = s[i] == '@' ? 1 : (i + 3 <= n && s[i] == '%' && s[i + 1] == '4' && s[i + 2] == '0') ? 3 : 0;
		if (!al)
			continue;
		size_t l = i, e = i + al;
		while (l > from && is_local_ch((unsigned char)s[l - 1]))
			l--;
		while (l < i && s[l] == '.')
			l++;
		while (e < n && is_dom_ch((unsigned char)s[e]))
			e++;
		while (e > i + al && (s[e - 1] == '.' || s[e - 1] == '-'))
			e--;
		const char *dom = s + i + al;
		size_t dl = e - (i + al);
		if (l == i || dl < 3 || !isalnum((unsigned char)dom[0]) || !memchr(dom, '.', dl) || s[i - 1] == '.')
			continue;
		*start = l;
		*len = e - l;
		*at = i;
		*atlen = al;
		return 1;
	}
	return 0;
}

/* The person of the address at @p s (URL-encoded '@' decoded for the key). */
int anon_person_of_address(struct anon_run *r, const char *s, size_t n, size_t at, size_t atlen)
{
	char key[ANON_FAKE_MAX + 320];
	size_t k = 0;
	int rc = EMU_OK;
	if (n + 1 > sizeof key)
		return 0;
	memcpy(key, s, at);
	k = at;
	key[k++] = '@';
	memcpy(key + k, s + at + atlen, n - at - atlen);
	k += n - at - atlen;
	int p = anon_address_person(r->a, key, k, 0, &rc);
	anon_fail(r, rc);
	return p;
}

/* Is @p s[0..n) an address and nothing else ("SMTP:" prefix allowed)? */
int anon_whole_address(const char *s, size_t n, size_t *skip)
{
	size_t st, len, at, al;
	*skip = n >= 5 && strncasecmp(s, "smtp:", 5) == 0 ? 5 : 0;
	return anon_next_address(s, n, *skip, &st, &len, &at, &al) && st == *skip && len == n - *skip && al == 1;
}

void anon_trim(const char *s, size_t n, size_t *b, size_t *e)
{
	*b = 0;
	*e = n;
	while (*b < *e && isspace((unsigned char)s[*b]))
		(*b)++;
	while (*e > *b && isspace((unsigned char)s[*e - 1]))
		(*e)--;
}

/* Learn every address in @p s (no output). */
void anon_learn_addresses(struct anon_run *r, const char *s, size_t n)
{
	size_t from = 0, st, len, at, al;
	while (anon_next_address(s, n, from, &st, &len, &at, &al)) {
		anon_person_of_address(r, s + st, len, at - st, al);
		from = st + len;
	}
}

/* ---- the text passes -------------------------------------------------------------- */

static void pass_addresses(struct anon_run *r, const char *s, size_t n, struct dynbuf *o)
{
	size_t from = 0, st, len, at, al;
	while (anon_next_address(s, n, from, &st, &len, &at, &al)) {
		int p = anon_person_of_address(r, s + st, len, at - st, al);
		dynbuf_add(o, s + from, st - from);
		if (p) {
			char fake[ANON_FAKE_MAX], *sep;
			anon_fake_address(r->a, p, fake, sizeof fake);
			sep = strchr(fake, '@');
			dynbuf_add(o, fake, (size_t)(sep - fake));
			dynbuf_add(o, al == 3 ? "%40" : "@", al);
			dynbuf_add(o, sep + 1, strlen(sep + 1));
		} else {
			dynbuf_add(o, s + st, len);
		}
		from = st + len;
	}
	dynbuf_add(o, s + from, n - from);
}

static int word_ch(int c)
{
	return isalnum(c) || c >= 0x80;
}

typedef const char *(*find_fn)(const char *hay, size_t hl, const char *needle, size_t nl);
/* Does the occurrence at [start, end) of @p p stand on its own? */
typedef int (*bound_fn)(const char *p, size_t len, size_t start, size_t end);

static const char *find_exact(const char *hay, size_t hl, const char *needle, size_t nl)
{
	return memmem(hay, hl, needle, nl);
}

/* Replace in @p cur every occurrence of @p needle that @p bound accepts by
 * @p rep; @p nxt is scratch space, and the two are swapped afterwards. */
static void replace_each(struct dynbuf *cur, struct dynbuf *nxt, find_fn find, const char *needle, size_t nl,
                         const char *rep, bound_fn bound)
{
	size_t from = 0;
	const char *hit;
	dynbuf_setlen(nxt, 0);
	while ((hit = find(cur->p + from, cur->len - from, needle, nl)) != NULL) {
		size_t h = (size_t)(hit - cur->p), e = h + nl;
		dynbuf_add(nxt, cur->p + from, h - from);
		if (bound(cur->p, cur->len, h, e))
			dynbuf_add(nxt, rep, strlen(rep));
		else
			dynbuf_add(nxt, hit, nl);
		from = e;
	}
	dynbuf_add(nxt, cur->p + from, cur->len - from);
	struct dynbuf t = *cur;
	*cur = *nxt;
	*nxt = t;
}

/* The result of a pass into @p o; both buffers freed. */
static void pass_done(struct dynbuf *cur, struct dynbuf *nxt, struct dynbuf *o)
{
	dynbuf_addbuf(o, cur);   /* or its failure */
	dynbuf_free(cur);
	dynbuf_free(nxt);
}

static int word_bounded(const char *p, size_t len, size_t h, size_t e)
{
	return (h == 0 || !word_ch((unsigned char)p[h - 1])) && (e == len || !word_ch((unsigned char)p[e]));
}

/* A domain, or the end of a host name ("mail.contoso.test"), not part of a
 * longer label or domain. */
static int domain_bounded(const char *p, size_t len, size_t h, size_t e)
{
	int before = h == 0 || !(isalnum((unsigned char)p[h - 1]) || p[h - 1] == '-');
	int after = e == len || !(isalnum((unsigned char)p[e]) || p[e] == '-' ||
	                          (p[e] == '.' && e + 1 < len && isalnum((unsigned char)p[e + 1])));
	return before && after;
}

/* Names of more than one word known to this process, inside longer text
 * ("Meeting with Alex Smith"). */
static void pass_names(struct anon_run *r, const char *s, size_t n, struct dynbuf *o)
{
	struct dynbuf cur, nxt;
	if (!memchr(s, ' ', n)) {
		dynbuf_add(o, s, n);   /* no multi-word name fits (large base64 text, quickly) */
		return;
	}
	dynbuf_init(&cur, ANON_TEXT_MAX);
	dynbuf_init(&nxt, ANON_TEXT_MAX);
	dynbuf_add(&cur, s, n);
	for (int i = 0; i < r->a->n && !dynbuf_error(&cur); i++) {
		const struct anon_entry *e = &r->a->e[i];
		if (e->kind != ANON_KEY_NAME || !e->plain || !strchr(e->plain, ' ') || strlen(e->plain) < 5)
			continue;
		size_t pl = strlen(e->plain);
		if (!memmem(cur.p, cur.len, e->plain, pl))
			continue;
		char fake[ANON_FAKE_MAX];
		anon_fake(r->a, e->person, e->role, fake, sizeof fake);
		replace_each(&cur, &nxt, find_exact, e->plain, pl, fake, word_bounded);
	}
	pass_done(&cur, &nxt, o);
}

/* The real domains of the addresses seen, wherever they stand as a whole
 * domain or the end of a host name ("mail.contoso.test"). */
static void pass_domains(struct anon_run *r, const char *s, size_t n, struct dynbuf *o)
{
	struct dynbuf cur, nxt;
	if (!r->a->ndomains || !memchr(s, '.', n)) {
		dynbuf_add(o, s, n);   /* no domain without a dot */
		return;
	}
	dynbuf_init(&cur, ANON_TEXT_MAX);
	dynbuf_init(&nxt, ANON_TEXT_MAX);
	dynbuf_add(&cur, s, n);
	for (int i = 0; i < r->a->ndomains && !dynbuf_error(&cur); i++) {
		const char *d = r->a->domains[i];
		size_t dl = strlen(d);
		if (rec_memcasemem(cur.p, cur.len, d, dl))
			replace_each(&cur, &nxt, rec_memcasemem, d, dl, r->a->domain, domain_bounded);
	}
	pass_done(&cur, &nxt, o);
}

static void *heap_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return malloc(n);
}

/* An ewsemu id (EwsId form) names its mailbox: the same id for the fake
 * mailbox.  1 when @p s was one (fake written to @p o). */
static int rewrite_ewsemu_id(struct anon_run *r, const char *s, size_t n, struct dynbuf *o)
{
	char text[ID_TEXT_LIMIT + 1];
	struct ews_id id;
	if (n < 12 || n > ID_TEXT_LIMIT)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '+' && s[i] != '/' && s[i] != '=')
			return 0;
	memcpy(text, s, n);
	text[n] = '\0';
	if (ews_id_decode(text, EWS_FMT_EWS_ID, &id) != EMU_OK)
		return 0;
	int rc = EMU_OK;
	int p = anon_address_person(r->a, id.mailbox, strlen(id.mailbox), 0, &rc);
	if (!p) {
		anon_fail(r, rc);
		return 0;
	}
	char fake[ANON_FAKE_MAX];
	anon_fake_address(r->a, p, fake, sizeof fake);
	/* plain malloc: ews_id_text's result is freed right here */
	struct arena heap = { heap_alloc, NULL };
	char *t = ews_id_text(&heap, id.kind, fake, id.local);
	if (!t)
		return 0;   /* a fake domain too long for an id: left as it is */
	dynbuf_add(o, t, strlen(t));
	free(t);
	return 1;
}

/* Rewrite one value (text node, attribute, JSON, target, header) into @p o. */
void anon_text(struct anon_run *r, const char *s, size_t n, struct dynbuf *o)
{
	size_t b, e;
	anon_trim(s, n, &b, &e);
	if (e > b) {
		const struct anon_entry *k = anon_lookup(r->a, ANON_KEY_NAME, s + b, e - b, 0);
		if (k && k->role != ANON_PERSON) {
			char fake[ANON_FAKE_MAX];
			anon_fake(r->a, k->person, k->role, fake, sizeof fake);
			dynbuf_add(o, s, b);
			dynbuf_add(o, fake, strlen(fake));
			dynbuf_add(o, s + e, n - e);
			return;
		}
		size_t mark = o->len;
		dynbuf_add(o, s, b);
		if (rewrite_ewsemu_id(r, s + b, e - b, o)) {
			dynbuf_add(o, s + e, n - e);
			return;
		}
		dynbuf_setlen(o, mark);
	}
	struct dynbuf t1, t2;
	dynbuf_init(&t1, ANON_TEXT_MAX);
	dynbuf_init(&t2, ANON_TEXT_MAX);
	pass_addresses(r, s, n, &t1);
	if (!dynbuf_error(&t1))
		pass_names(r, dynbuf_str(&t1), t1.len, &t2);
	if (dynbuf_error(&t1) || dynbuf_error(&t2))
		dynbuf_addbuf(o, dynbuf_error(&t1) ? &t1 : &t2);   /* hands the failure on */
	else
		pass_domains(r, dynbuf_str(&t2), t2.len, o);
	dynbuf_free(&t1);
	dynbuf_free(&t2);
}

/* Replace the heap string *@p sp in place (NULL stays NULL). */
void anon_string(struct anon_run *r, char **sp)
{
	struct dynbuf o;
	char *s;
	if (!*sp)
		return;
	dynbuf_init(&o, ANON_TEXT_MAX);
	anon_text(r, *sp, strlen(*sp), &o);
	int rc = dynbuf_take(&o, &s, NULL);
	if (rc) {
		anon_fail(r, rc);
		return;
	}
	free(*sp);
	*sp = s;
}

/* ---- photos and bodies ----------------------------------------------------------- */

unsigned char *anon_fake_photo(struct anon_run *r, int person, const void *data, size_t len, size_t *outlen)
{
	int w = 0, h = 0;
	unsigned char *out = NULL;
	if (photo_inspect(data, len, RECORD_CAPTURE_MAX, &w, &h) != EMU_OK)
		return NULL;
	int rc = anon_photo_for(r->a, person, data, len, w, h, &out, outlen);
	if (rc) {
		anon_fail(r, rc);
		return NULL;
	}
	return out;
}

/* Replace @p b's bytes with @p len bytes at @p data (taken over). */
void anon_body_take(struct fixture_body *b, unsigned char *data, size_t len)
{
	free(b->data);
	b->data = data;
	b->len = len;
}
