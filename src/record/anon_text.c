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

#define TEXT_MAX ((size_t)RECORD_CAPTURE_MAX * 2)   /* bytes of any rewritten text */
#define ID_TEXT_LIMIT 1200                          /* longest text tried as an ewsemu id */

/* ---- a bounded growing buffer ---------------------------------------------- */


void anon_sb_put(struct anon_sbuf *b, const char *s, size_t n)
{
	if (b->err)
		return;
	if (!s)
		s = "";   /* an empty piece (n is 0) */
	if (b->len + n + 1 > TEXT_MAX) {
		b->err = EMU_ELIMIT;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t nc = b->cap ? b->cap : 256;
		while (nc < b->len + n + 1)
			nc *= 2;
		char *np = realloc(b->p, nc);
		if (!np) {
			b->err = EMU_ENOMEM;
			return;
		}
		b->p = np;
		b->cap = nc;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void anon_sb_free(struct anon_sbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

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

static void pass_addresses(struct anon_run *r, const char *s, size_t n, struct anon_sbuf *o)
{
	size_t from = 0, st, len, at, al;
	while (anon_next_address(s, n, from, &st, &len, &at, &al)) {
		int p = anon_person_of_address(r, s + st, len, at - st, al);
		anon_sb_put(o, s + from, st - from);
		if (p) {
			char fake[ANON_FAKE_MAX], *sep;
			anon_fake_address(r->a, p, fake, sizeof fake);
			sep = strchr(fake, '@');
			anon_sb_put(o, fake, (size_t)(sep - fake));
			anon_sb_put(o, al == 3 ? "%40" : "@", al);
			anon_sb_put(o, sep + 1, strlen(sep + 1));
		} else {
			anon_sb_put(o, s + st, len);
		}
		from = st + len;
	}
	anon_sb_put(o, s + from, n - from);
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
static void replace_each(struct anon_sbuf *cur, struct anon_sbuf *nxt, find_fn find, const char *needle, size_t nl,
                         const char *rep, bound_fn bound)
{
	size_t from = 0;
	const char *hit;
	nxt->len = 0;
	while ((hit = find(cur->p + from, cur->len - from, needle, nl)) != NULL) {
		size_t h = (size_t)(hit - cur->p), e = h + nl;
		anon_sb_put(nxt, cur->p + from, h - from);
		if (bound(cur->p, cur->len, h, e))
			anon_sb_put(nxt, rep, strlen(rep));
		else
			anon_sb_put(nxt, hit, nl);
		from = e;
	}
	anon_sb_put(nxt, cur->p + from, cur->len - from);
	struct anon_sbuf t = *cur;
	*cur = *nxt;
	*nxt = t;
}

/* The result of a pass into @p o; both buffers freed. */
static void pass_done(struct anon_sbuf *cur, struct anon_sbuf *nxt, struct anon_sbuf *o)
{
	if (cur->err)
		o->err = cur->err;
	else
		anon_sb_put(o, cur->p, cur->len);
	anon_sb_free(cur);
	anon_sb_free(nxt);
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
static void pass_names(struct anon_run *r, const char *s, size_t n, struct anon_sbuf *o)
{
	struct anon_sbuf cur = { 0 }, nxt = { 0 };
	if (!memchr(s, ' ', n)) {
		anon_sb_put(o, s, n);   /* no multi-word name fits (large base64 text, quickly) */
		return;
	}
	anon_sb_put(&cur, s, n);
	for (int i = 0; i < r->a->n && !cur.err; i++) {
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
static void pass_domains(struct anon_run *r, const char *s, size_t n, struct anon_sbuf *o)
{
	struct anon_sbuf cur = { 0 }, nxt = { 0 };
	if (!r->a->ndomains || !memchr(s, '.', n)) {
		anon_sb_put(o, s, n);   /* no domain without a dot */
		return;
	}
	anon_sb_put(&cur, s, n);
	for (int i = 0; i < r->a->ndomains && !cur.err; i++) {
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
static int rewrite_ewsemu_id(struct anon_run *r, const char *s, size_t n, struct anon_sbuf *o)
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
	anon_sb_put(o, t, strlen(t));
	free(t);
	return 1;
}

/* Rewrite one value (text node, attribute, JSON, target, header) into @p o. */
void anon_text(struct anon_run *r, const char *s, size_t n, struct anon_sbuf *o)
{
	size_t b, e;
	anon_trim(s, n, &b, &e);
	if (e > b) {
		const struct anon_entry *k = anon_lookup(r->a, ANON_KEY_NAME, s + b, e - b, 0);
		if (k && k->role != ANON_PERSON) {
			char fake[ANON_FAKE_MAX];
			anon_fake(r->a, k->person, k->role, fake, sizeof fake);
			anon_sb_put(o, s, b);
			anon_sb_put(o, fake, strlen(fake));
			anon_sb_put(o, s + e, n - e);
			return;
		}
		size_t mark = o->len;
		anon_sb_put(o, s, b);
		if (rewrite_ewsemu_id(r, s + b, e - b, o)) {
			anon_sb_put(o, s + e, n - e);
			return;
		}
		o->len = mark;
		if (o->p)
			o->p[mark] = '\0';
	}
	struct anon_sbuf t1 = { 0 }, t2 = { 0 };
	pass_addresses(r, s, n, &t1);
	if (!t1.err)
		pass_names(r, t1.p ? t1.p : "", t1.len, &t2);
	if (t1.err || t2.err)
		o->err = t1.err ? t1.err : t2.err;
	else
		pass_domains(r, t2.p ? t2.p : "", t2.len, o);
	anon_sb_free(&t1);
	anon_sb_free(&t2);
}

/* Replace the heap string *@p sp in place (NULL stays NULL). */
void anon_string(struct anon_run *r, char **sp)
{
	struct anon_sbuf o = { 0 };
	if (!*sp)
		return;
	anon_text(r, *sp, strlen(*sp), &o);
	if (o.err) {
		anon_fail(r, o.err);
		anon_sb_free(&o);
		return;
	}
	anon_sb_put(&o, "", 0);
	if (o.err) {
		anon_fail(r, o.err);
		anon_sb_free(&o);
		return;
	}
	free(*sp);
	*sp = o.p;
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
