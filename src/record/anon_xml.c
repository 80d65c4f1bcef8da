/* anon_xml.c - the anonymiser in XML bodies: which names belong to whom
 * (person elements: t:Mailbox, t:Contact, t:Persona, Autodiscover User and
 * UserResponse), and rewriting text, attribute values and base64 photos. */
#include "record/anon_int.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "core/base64.h"
#include "core/result.h"
#include "core/xmllimit.h"
#include "record/record.h"

/* HUGE for the text-node size only (a base64 photo passes libxml2's 10 MB
 * cap); nesting is bounded by xml_limit_check() before parsing */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE)
#define NS_MESSAGES "http://schemas.microsoft.com/exchange/services/2006/messages"
#define NS_TYPES "http://schemas.microsoft.com/exchange/services/2006/types"

/* ---- names in XML ------------------------------------------------------------------- */

enum { ROLE_NONE = -1, ROLE_OTHER = -2 };   /* besides enum anon_role */

static int named(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->name && strcmp((const char *)n->name, name) == 0;
}

/* Elements that stand for one person: what is inside names them. */
static int is_scope(const xmlNode *n)
{
	static const char *const s[] = { "Mailbox", "Contact", "Persona", "User", "UserResponse" };
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		if (named(n, s[i]))
			return 1;
	return 0;
}

/* The text of the first element child named @p name of @p n (xmlFree). */
static xmlChar *child_text(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (named(c, name))
			return xmlNodeGetContent(c);
	return NULL;
}

/* Which name, if any, element @p n holds. */
static int name_role(const xmlNode *n)
{
	static const struct {
		const char *name;
		int role;
	} t[] = {
		{ "DisplayName", ANON_FULL }, { "FullName", ANON_FULL }, { "DisplayNameFirstLast", ANON_FULL },
		{ "GivenName", ANON_GIVEN }, { "FirstName", ANON_GIVEN }, { "YomiFirstName", ANON_GIVEN },
		{ "Surname", ANON_SURNAME }, { "LastName", ANON_SURNAME }, { "YomiLastName", ANON_SURNAME },
		{ "MiddleName", ANON_MIDDLE }, { "Nickname", ANON_NICK }, { "FileAs", ANON_FILEAS },
		{ "DisplayNameLastFirst", ANON_FILEAS }, { "Initials", ANON_INITIALS }, { "Alias", ANON_ALIAS },
		{ "Manager", ROLE_OTHER }, { "AssistantName", ROLE_OTHER }, { "SpouseName", ROLE_OTHER },
	};
	if (n->type != XML_ELEMENT_NODE || !n->name)
		return ROLE_NONE;
	if (named(n, "Name"))
		return named(n->parent, "Mailbox") ? ANON_FULL : ROLE_NONE;   /* t:Mailbox/t:Name only */
	if (named(n, "Value") && named(n->parent, "UserSetting")) {
		/* Autodiscover GetUserSettings: <Name>UserDisplayName</Name><Value>..</Value> */
		xmlChar *sn = child_text(n->parent, "Name");
		int yes = sn && strcmp((const char *)sn, "UserDisplayName") == 0;
		xmlFree(sn);
		return yes ? ANON_FULL : ROLE_NONE;
	}
	for (size_t i = 0; i < sizeof t / sizeof *t; i++)
		if (strcmp((const char *)n->name, t[i].name) == 0)
			return t[i].role;
	return ROLE_NONE;
}

/* The first whole address in the text below @p n, not looking into nested
 * person elements.  Returns its person or 0. */
static int scope_address(struct anon_run *r, const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const char *s = (const char *)c->content;
			size_t b, e, skip;
			if (!s)
				continue;
			anon_trim(s, strlen(s), &b, &e);
			if (e > b && anon_whole_address(s + b, e - b, &skip)) {
				int rc = EMU_OK;
				int p = anon_address_person(r->a, s + b + skip, e - b - skip, 0, &rc);
				anon_fail(r, rc);
				if (p)
					return p;
			}
		} else if (c->type == XML_ELEMENT_NODE && !is_scope(c)) {
			int p = scope_address(r, c);
			if (p)
				return p;
		}
	}
	return 0;
}

/* Every other whole address below @p n (not in nested person elements)
 * belongs to @p person too (a t:Contact's EmailAddress2, an alias), unless
 * known already. */
static void scope_addresses(struct anon_run *r, const xmlNode *n, int person)
{
	for (const xmlNode *c = n->children; c && !r->rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			const char *s = (const char *)c->content;
			size_t b, e, skip;
			if (!s)
				continue;
			anon_trim(s, strlen(s), &b, &e);
			if (e > b && anon_whole_address(s + b, e - b, &skip)) {
				int rc = EMU_OK;
				anon_address_person(r->a, s + b + skip, e - b - skip, person, &rc);
				anon_fail(r, rc);
			}
		} else if (c->type == XML_ELEMENT_NODE && !is_scope(c)) {
			scope_addresses(r, c, person);
		}
	}
}

/* The first name of @p role below @p n (not in nested person elements). */
static xmlChar *scope_name(const xmlNode *n, int role)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || is_scope(c))
			continue;
		if (name_role(c) == role) {
			xmlChar *t = xmlNodeGetContent(c);
			if (t && t[0])
				return t;
			xmlFree(t);
		}
		xmlChar *t = scope_name(c, role);
		if (t)
			return t;
	}
	return NULL;
}

/* A person of their own for a name seen without an address. */
static int name_person(struct anon_run *r, const char *s, size_t n, int role)
{
	int rc = EMU_OK;
	const struct anon_entry *e = anon_add(r->a, ANON_KEY_NAME, s, n, 0, 0, role, &rc);
	anon_fail(r, rc);
	return e ? e->person : 0;
}

/* Who the person element @p n stands for (made when new); 0 if nobody. */
static int scope_person(struct anon_run *r, const xmlNode *n)
{
	int p = scope_address(r, n);
	if (p)
		return p;
	if (named(n, "UserResponse") && r->subject)
		return r->subject;   /* GetUserSettings answers for the mailbox the request names */
	xmlChar *t = scope_name(n, ANON_FULL);
	if (!t) {
		xmlChar *g = scope_name(n, ANON_GIVEN), *s = scope_name(n, ANON_SURNAME);
		if (g && s) {
			size_t gl = strlen((const char *)g), sl = strlen((const char *)s);
			t = xmlMalloc(gl + sl + 2);
			if (t) {
				memcpy(t, g, gl);
				t[gl] = ' ';
				memcpy(t + gl + 1, s, sl + 1);
			}
		}
		xmlFree(g);
		xmlFree(s);
	}
	if (!t)
		return 0;
	size_t b, e, skip;
	anon_trim((const char *)t, strlen((const char *)t), &b, &e);
	if (e > b && !anon_whole_address((const char *)t + b, e - b, &skip))
		p = name_person(r, (const char *)t + b, e - b, ANON_FULL);
	xmlFree(t);
	return p;
}

/* Tie the name in element @p n (of @p role) to @p person, or give it a
 * person of its own. */
static void learn_name(struct anon_run *r, const xmlNode *n, int role, int person)
{
	xmlChar *t = xmlNodeGetContent(n);
	size_t b, e, skip;
	if (!t)
		return;
	const char *s = (const char *)t;
	anon_trim(s, strlen(s), &b, &e);
	/* initials are too short to stand for someone anywhere else ("IT"):
	 * they change only inside their person element (rewrite_name).  A
	 * DisplayName outside a person element names a folder ("Contacts"). */
	if (e - b >= 2 && role != ANON_INITIALS && (person || role == ROLE_OTHER) &&
	    !anon_whole_address(s + b, e - b, &skip)) {
		if (role == ROLE_OTHER) {
			name_person(r, s + b, e - b, ANON_FULL);
		} else {
			/* "Surname, Given" as FileAs; anything else there is the full name */
			if (role == ANON_FILEAS && !memchr(s + b, ',', e - b))
				role = ANON_FULL;
			int rc = EMU_OK;
			anon_add(r->a, ANON_KEY_NAME, s + b, e - b, 0, person, role, &rc);
			anon_fail(r, rc);
		}
	}
	xmlFree(t);
}

static void learn_attrs(struct anon_run *r, const xmlNode *n)
{
	for (const xmlAttr *at = n->properties; at; at = at->next)
		for (const xmlNode *c = at->children; c; c = c->next)
			if (c->content)
				anon_learn_addresses(r, (const char *)c->content, strlen((const char *)c->content));
}

static void learn_tree(struct anon_run *r, const xmlNode *n, int person)
{
	for (const xmlNode *c = n->children; c && !r->rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			if (c->content)
				anon_learn_addresses(r, (const char *)c->content, strlen((const char *)c->content));
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		learn_attrs(r, c);
		if (is_scope(c)) {
			int p = scope_person(r, c);
			if (p)
				scope_addresses(r, c, p);
			learn_tree(r, c, p);
			continue;
		}
		int role = name_role(c);
		if (role != ROLE_NONE)
			learn_name(r, c, role, person);
		learn_tree(r, c, person);
	}
}

/* ---- rewriting XML --------------------------------------------------------------------- */

static void set_text_node(struct anon_run *r, xmlNode *c)
{
	struct dynbuf o;
	const char *s = (const char *)c->content;
	if (!s || !s[0])
		return;
	dynbuf_init(&o, ANON_TEXT_MAX);
	anon_text(r, s, strlen(s), &o);
	if (dynbuf_error(&o))
		anon_fail(r, dynbuf_error(&o));
	else if (o.p && strcmp(o.p, s) != 0)
		xmlNodeSetContent(c, (const xmlChar *)o.p);   /* a text node's content is taken as is */
	dynbuf_free(&o);
}

static int decode_b64(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	size_t max = n / 4 * 3 + 3;
	*out = malloc(max);
	if (!*out)
		return EMU_ENOMEM;
	int rc = base64_decode(s, n, *out, max, outlen);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static void add_image_rule(struct anon_run *r, const xmlNode *e)
{
	const char *pfx = !e->ns || !e->ns->href ? NULL
	                  : strcmp((const char *)e->ns->href, NS_MESSAGES) == 0 ? "m"
	                  : strcmp((const char *)e->ns->href, NS_TYPES) == 0    ? "t"
	                                                                        : NULL;
	char path[128];
	struct fixture *f = r->f;
	if (!pfx)
		return;
	snprintf(path, sizeof path, "//%s:%s", pfx, (const char *)e->name);
	for (int i = 0; i < f->nrules; i++)
		if (f->rules[i].kind == FIXTURE_RULE_IMAGE && f->rules[i].path && strcmp(f->rules[i].path, path) == 0)
			return;
	struct fixture_rule *nr = realloc(f->rules, (size_t)(f->nrules + 1) * sizeof *nr);
	if (!nr) {
		anon_fail(r, EMU_ENOMEM);
		return;
	}
	f->rules = nr;
	if (!(nr[f->nrules].path = strdup(path))) {
		anon_fail(r, EMU_ENOMEM);
		return;
	}
	nr[f->nrules].kind = FIXTURE_RULE_IMAGE;
	nr[f->nrules].side = FIXTURE_RESPONSE;
	f->nrules++;
}

/* Elements whose text is a base64 photo. */
static int is_photo_element(const xmlNode *n)
{
	return named(n, "PictureData") || named(n, "Photo") || (named(n, "Content") && named(n->parent, "FileAttachment"));
}

/* Replace a base64 JPEG element; 1 when done. */
static int rewrite_photo(struct anon_run *r, xmlNode *n, int person)
{
	xmlChar *t = xmlNodeGetContent(n);
	unsigned char *bin = NULL, *fake = NULL;
	size_t bl = 0, fl = 0;
	int done = 0;
	if (!t || decode_b64((const char *)t, strlen((const char *)t), &bin, &bl) != EMU_OK)
		goto out;
	if (!(fake = anon_fake_photo(r, person ? person : r->subject, bin, bl, &fl)))
		goto out;
	char *b64 = malloc(BASE64_ENCODED_SIZE(fl));
	if (!b64) {
		anon_fail(r, EMU_ENOMEM);
		goto out;
	}
	base64_encode(fake, fl, b64);
	xmlNodeSetContent(n, (const xmlChar *)b64);   /* base64 has nothing to escape */
	free(b64);
	if (r->response) {
		r->photos++;
		add_image_rule(r, n);
	}
	done = 1;
out:
	xmlFree(t);
	free(bin);
	free(fake);
	return done;
}

/* A name element inside a person element: that person's fake name of the
 * same part, whatever other people share the string ("Alex" is one fake
 * given name in one contact and another in the next).  1 when done. */
static int rewrite_name(struct anon_run *r, xmlNode *n, int person)
{
	int role = name_role(n);
	if (person == 0 || role < 0)
		return 0;   /* outside a person element, or another person's name (Manager) */
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type != XML_TEXT_NODE)
			return 0;
	xmlChar *t = xmlNodeGetContent(n);
	size_t b, e, skip;
	int done = 0;
	if (!t)
		return 0;
	const char *s = (const char *)t;
	anon_trim(s, strlen(s), &b, &e);
	if (e - b >= 2 && !anon_whole_address(s + b, e - b, &skip)) {
		char fake[ANON_FAKE_MAX];
		if (role == ANON_FILEAS && !memchr(s + b, ',', e - b))
			role = ANON_FULL;
		anon_fake(r->a, person, role, fake, sizeof fake);
		xmlNodeSetContent(n, NULL);
		xmlNodeAddContent(n, (const xmlChar *)fake);   /* as text: nothing is parsed */
		done = 1;
	}
	xmlFree(t);
	return done;
}

static void rewrite_tree(struct anon_run *r, xmlNode *n, int person)
{
	for (xmlNode *c = n->children; c && !r->rc; c = c->next) {
		if (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) {
			set_text_node(r, c);
			continue;
		}
		if (c->type != XML_ELEMENT_NODE)
			continue;
		for (xmlAttr *at = c->properties; at; at = at->next)
			for (xmlNode *v = at->children; v; v = v->next)
				if (v->type == XML_TEXT_NODE)
					set_text_node(r, v);
		int p = is_scope(c) ? scope_person(r, c) : person;
		if (is_photo_element(c) && rewrite_photo(r, c, p))
			continue;
		if (rewrite_name(r, c, p))
			continue;
		rewrite_tree(r, c, p);
	}
}

static pthread_once_t g_xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

xmlDoc *anon_xml_parse(const struct fixture_body *b)
{
	if (b->kind != FIXTURE_BODY_XML || !b->data || b->len == 0 || b->len > (size_t)RECORD_CAPTURE_MAX ||
	    xml_limit_check(b->data, b->len, 0, NULL, 0) != EMU_OK)
		return NULL;
	pthread_once(&g_xml_once, xml_init);
	xmlDoc *d = xmlReadMemory((const char *)b->data, (int)b->len, "body.xml", NULL, XML_OPTIONS);
	if (d && d->intSubset) {
		xmlFreeDoc(d);   /* a DOCTYPE: treated as text */
		return NULL;
	}
	return d;
}


void anon_xml_write(struct anon_run *r, xmlDoc *d, struct fixture_body *b)
{
	size_t i = 0;
	while (i < b->len && isspace(b->data[i]))
		i++;
	int decl = b->len - i >= 5 && memcmp(b->data + i, "<?xml", 5) == 0;
	xmlBuffer *buf = xmlBufferCreate();
	xmlSaveCtxt *ctx = buf ? xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_AS_XML | (decl ? 0 : XML_SAVE_NO_DECL)) : NULL;
	if (!ctx || xmlSaveDoc(ctx, d) < 0) {
		if (ctx)
			xmlSaveClose(ctx);
		xmlBufferFree(buf);
		anon_fail(r, EMU_ENOMEM);
		return;
	}
	xmlSaveClose(ctx);
	size_t n = (size_t)xmlBufferLength(buf);
	unsigned char *out = malloc(n + 1);
	if (!out) {
		xmlBufferFree(buf);
		anon_fail(r, EMU_ENOMEM);
		return;
	}
	memcpy(out, xmlBufferContent(buf), n);
	out[n] = '\0';
	while (n > 0 && out[n - 1] == '\n' && !(b->len && b->data[b->len - 1] == '\n'))
		out[--n] = '\0';   /* libxml2 ends with a newline the original did not have */
	xmlBufferFree(buf);
	anon_body_take(b, out, n);
}

int anon_xml_first_address(struct anon_run *r, const xmlNode *n)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			const char *s = (const char *)c->content;
			size_t b, e, skip;
			anon_trim(s, strlen(s), &b, &e);
			if (e > b && anon_whole_address(s + b, e - b, &skip)) {
				int rc = EMU_OK;
				int p = anon_address_person(r->a, s + b + skip, e - b - skip, 0, &rc);
				anon_fail(r, rc);
				return p;
			}
		} else if (c->type == XML_ELEMENT_NODE) {
			int p = anon_xml_first_address(r, c);
			if (p)
				return p;
		}
	}
	return 0;
}

void anon_xml_learn(struct anon_run *r, xmlDoc *d)
{
	learn_tree(r, (xmlNode *)d, 0);
}

void anon_xml_rewrite(struct anon_run *r, xmlDoc *d)
{
	rewrite_tree(r, (xmlNode *)d, 0);
}
