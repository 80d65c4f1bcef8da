/* anonymise.c - replacing the people in a fixture, consistently across a
 * recording (the table is anon_table.c).
 *
 * Two passes over everything that can name someone.  The first learns:
 * every SMTP address becomes a person; names that appear with an address
 * (t:Mailbox Name + EmailAddress, a t:Contact's DisplayName, GivenName,
 * Surname, CompleteName parts and FileAs with its EmailAddresses, an
 * Autodiscover User's DisplayName with its AutoDiscoverSMTPAddress, a
 * GetUserSettings UserDisplayName) are tied to that person; remaining names
 * in name elements get a person of their own, keyed by the exact string.
 * The second replaces, in XML text and attribute values, JSON and plain
 * text, the target and a few headers: known names (whole values), addresses
 * (also URL-encoded, "alice%40contoso.test"), multi-word names inside longer
 * text, the domains of the addresses (host names too), and ewsemu ids,
 * which carry their mailbox's address.  JPEG photos (m:PictureData,
 * t:Photo, a FileAttachment's t:Content, binary bodies) become a generated
 * avatar of the same dimensions for the person they show.
 *
 * Not changed: phone numbers, titles, departments, companies, postal
 * addresses, legacy DNs (fixtures/README.md says so).
 */
#include "record/anon_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/tree.h>

#include "core/result.h"

/* A body that is not XML (or not parsable): text, or binary (a photo). */
static void rewrite_flat(struct anon_run *r, struct fixture_body *b)
{
	if (!b->data || b->len == 0)
		return;
	if (b->kind == FIXTURE_BODY_BASE64) {
		size_t fl = 0;
		unsigned char *fake = anon_fake_photo(r, r->subject, b->data, b->len, &fl);
		if (!fake)
			return;   /* binary, not a photo: nothing to replace */
		unsigned char *z = realloc(fake, fl + 1);
		if (!z) {
			free(fake);
			anon_fail(r, EMU_ENOMEM);
			return;
		}
		z[fl] = '\0';
		anon_body_take(b, z, fl);
		if (r->response)
			b->compare_image = 1;   /* generated: compare type and dimensions only */
		return;
	}
	struct dynbuf o;
	char *text;
	size_t len;
	dynbuf_init(&o, ANON_TEXT_MAX);
	anon_text(r, (const char *)b->data, b->len, &o);
	int rc = dynbuf_take(&o, &text, &len);
	if (rc) {
		anon_fail(r, rc);
		return;
	}
	anon_body_take(b, (unsigned char *)text, len);
}

/* Who the exchange is about: the address in the target (?email=,
 * /Users('x')), else the first address in the request body (m:Email),
 * else the caller. */
static int find_subject(struct anon_run *r, const xmlNode *req_root)
{
	const char *t = r->f->request.target;
	size_t st, len, at, al;
	if (t && anon_next_address(t, strlen(t), 0, &st, &len, &at, &al))
		return anon_person_of_address(r, t + st, len, at - st, al);
	if (req_root) {
		int p = anon_xml_first_address(r, req_root);
		if (p)
			return p;
	}
	const char *c = r->f->caller;
	if (c && anon_next_address(c, strlen(c), 0, &st, &len, &at, &al))
		return anon_person_of_address(r, c + st, len, at - st, al);
	return 0;
}

/* A Basic user name that is not an address ("CONTOSO\asmith"). */
static void anon_caller(struct anon_run *r)
{
	char *c = r->f->caller;
	size_t st, len, at, al;
	if (!c)
		return;
	if (anon_next_address(c, strlen(c), 0, &st, &len, &at, &al)) {
		anon_string(r, &r->f->caller);
		return;
	}
	int rc = EMU_OK;
	const struct anon_entry *e = anon_add(r->a, ANON_KEY_USER, c, strlen(c), 1, 0, ANON_PERSON, &rc);
	if (!e) {
		anon_fail(r, rc);
		return;
	}
	char fake[ANON_FAKE_MAX];
	anon_fake_user(r->a, e->person, fake, sizeof fake);
	char *n = strdup(fake);
	if (!n) {
		anon_fail(r, EMU_ENOMEM);
		return;
	}
	free(r->f->caller);
	r->f->caller = n;
}

static void anon_headers(struct anon_run *r, struct fixture_msg *m, int learn)
{
	static const char *const named_headers[] = { "X-AnchorMailbox", "Location", "WWW-Authenticate" };
	for (int i = 0; i < m->nheaders; i++)
		for (size_t k = 0; k < sizeof named_headers / sizeof *named_headers; k++)
			if (m->headers[i].name && m->headers[i].value && strcasecmp(m->headers[i].name, named_headers[k]) == 0) {
				if (learn)
					anon_learn_addresses(r, m->headers[i].value, strlen(m->headers[i].value));
				else
					anon_string(r, &m->headers[i].value);
			}
}

int anon_fixture(anon_t *a, struct fixture *f)
{
	struct anon_run r = { .a = a, .f = f };
	xmlDoc *dq = anon_xml_parse(&f->request.body), *ds = anon_xml_parse(&f->response.body);
	xmlNode *rq = dq ? xmlDocGetRootElement(dq) : NULL;

	/* learn: who is in this exchange */
	r.subject = find_subject(&r, rq);
	if (f->caller)
		anon_learn_addresses(&r, f->caller, strlen(f->caller));
	if (f->request.target)
		anon_learn_addresses(&r, f->request.target, strlen(f->request.target));
	anon_headers(&r, &f->request, 1);
	anon_headers(&r, &f->response, 1);
	if (dq)
		anon_xml_learn(&r, dq);
	if (ds)
		anon_xml_learn(&r, ds);
	struct fixture_body *bodies[2] = { &f->request.body, &f->response.body };
	xmlDoc *docs[2] = { dq, ds };
	for (int i = 0; i < 2; i++)
		if (!docs[i] && bodies[i]->kind != FIXTURE_BODY_BASE64 && bodies[i]->data)
			anon_learn_addresses(&r, (const char *)bodies[i]->data, bodies[i]->len);

	/* replace */
	anon_string(&r, &f->request.target);
	anon_caller(&r);
	anon_headers(&r, &f->request, 0);
	anon_headers(&r, &f->response, 0);
	for (int i = 0; i < 2 && !r.rc; i++) {
		r.response = i == 1;
		if (docs[i]) {
			anon_xml_rewrite(&r, docs[i]);
			if (!r.rc)
				anon_xml_write(&r, docs[i], bodies[i]);
		} else {
			rewrite_flat(&r, bodies[i]);
		}
	}
	xmlFreeDoc(dq);
	xmlFreeDoc(ds);
	if (r.rc)
		return r.rc;
	return anon_save(a) == EMU_OK ? EMU_OK : EMU_EIO;
}

