/* svcdesc.c - the served service description (see svcdesc.h). */
#include "svcdesc/svcdesc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/result.h"

/* scripts/svcdesc-embed.cmake's output (wsdl/ with the imports renamed) */
extern const unsigned char svcdesc_src_wsdl[], svcdesc_src_messages[], svcdesc_src_types[];
extern const size_t svcdesc_src_wsdl_len, svcdesc_src_messages_len, svcdesc_src_types_len;

#define NS_XS "http://www.w3.org/2001/XMLSchema"
#define NS_WSDL "http://schemas.xmlsoap.org/wsdl/"
#define NS_WSDL_SOAP "http://schemas.xmlsoap.org/wsdl/soap/"
/* what svcdesc_new() writes into soap:address before it cuts the WSDL in two */
#define LOCATION_MARK "ewsemu-location-mark"

struct doc_bytes {
	char *body;
	size_t len;
	char etag[SVCDESC_ETAG_MAX];
};

struct svcdesc {
	struct doc_bytes messages, types;
	char *wsdl_head, *wsdl_tail;   /* the WSDL before and after the location */
	size_t head_len, tail_len;
	time_t built;
};

enum svcdesc_doc svcdesc_doc_for(const char *path, size_t len)
{
	static const struct { const char *path; enum svcdesc_doc doc; } map[] = {
		{ "/ews/services.wsdl", SVCDESC_WSDL },
		{ "/ews/messages.xsd", SVCDESC_MESSAGES },
		{ "/ews/types.xsd", SVCDESC_TYPES },
	};
	for (size_t i = 0; i < sizeof map / sizeof *map; i++)
		if (len == strlen(map[i].path) && !strncasecmp(path, map[i].path, len))
			return map[i].doc;
	return SVCDESC_NONE;
}

/* FNV-1a 64 over @p n bytes, continuing from @p h. */
static unsigned long long fnv(unsigned long long h, const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}
#define FNV_START 0xcbf29ce484222325ull

static void etag_of(unsigned long long h, char out[SVCDESC_ETAG_MAX])
{
	snprintf(out, SVCDESC_ETAG_MAX, "\"%016llx\"", h);
}

static int is_elem(const xmlNode *n, const char *ns, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && !strcmp((const char *)n->ns->href, ns) &&
	       !strcmp((const char *)n->name, name);
}

static int has_name(const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)"name");
	int r = v && !strcmp((const char *)v, name);
	xmlFree(v);
	return r;
}

/* The first element below @p n (depth first) that is ns:name, with @name
 * = @p attr_name unless that is NULL. */
static xmlNode *find(xmlNode *n, const char *ns, const char *name, const char *attr_name)
{
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_elem(c, ns, name) && (!attr_name || has_name(c, attr_name)))
			return c;
		xmlNode *r = find(c, ns, name, attr_name);
		if (r)
			return r;
	}
	return NULL;
}

static xmlDoc *parse(const unsigned char *src, size_t len)
{
	return xmlReadMemory((const char *)src, (int)len, "svcdesc.xml", NULL, XML_PARSE_NONET);
}

/* Serialise @p doc into a malloc'd buffer. */
static int dump(xmlDoc *doc, char **out, size_t *len)
{
	xmlChar *buf = NULL;
	int n = 0;
	xmlDocDumpMemoryEnc(doc, &buf, &n, "utf-8");
	if (!buf || n <= 0) {
		xmlFree(buf);
		return EMU_ENOMEM;
	}
	*out = malloc((size_t)n + 1);
	if (*out) {
		memcpy(*out, buf, (size_t)n);
		(*out)[n] = '\0';
		*len = (size_t)n;
	}
	xmlFree(buf);
	return *out ? EMU_OK : EMU_ENOMEM;
}

/* messages.xsd / types.xsd: the profile's version attribute on xs:schema;
 * m:ContentType of GetUserPhotoResponse only when the profile declares it. */
static int build_schema(const unsigned char *src, size_t len, const struct exver_profile *p, int is_messages,
                        struct doc_bytes *out)
{
	int rc = EMU_EINTERNAL;
	xmlDoc *doc = parse(src, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!root || !is_elem(root, NS_XS, "schema"))
		goto out;
	if (!xmlSetProp(root, (const xmlChar *)"version", (const xmlChar *)p->schema_version)) {
		rc = EMU_ENOMEM;
		goto out;
	}
	if (is_messages) {
		xmlNode *t = find(root, NS_XS, "complexType", "GetUserPhotoResponseMessageType");
		xmlNode *ct = t ? find(t, NS_XS, "element", "ContentType") : NULL;
		if (!ct)
			goto out;   /* wsdl/ declares it (the stubs send it for some profiles) */
		if (!p->photo_content_type) {
			xmlUnlinkNode(ct);
			xmlFreeNode(ct);
		}
	}
	rc = dump(doc, &out->body, &out->len);
	if (rc == EMU_OK)
		etag_of(fnv(FNV_START, out->body, out->len), out->etag);
out:
	xmlFreeDoc(doc);
	return rc;
}

/* The WSDL cut around its wsdl:service soap:address location. */
static int build_wsdl(svcdesc_t *d)
{
	int rc = EMU_EINTERNAL;
	char *all = NULL;
	size_t len = 0;
	xmlDoc *doc = parse(svcdesc_src_wsdl, svcdesc_src_wsdl_len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *svc = root ? find(root, NS_WSDL, "service", "ExchangeServices") : NULL;
	xmlNode *port = svc ? find(svc, NS_WSDL, "port", "ExchangeServicePort") : NULL;
	xmlNode *addr = port ? find(port, NS_WSDL_SOAP, "address", NULL) : NULL;
	if (!addr)
		goto out;
	if (!xmlSetProp(addr, (const xmlChar *)"location", (const xmlChar *)LOCATION_MARK)) {
		rc = EMU_ENOMEM;
		goto out;
	}
	if ((rc = dump(doc, &all, &len)) != EMU_OK)
		goto out;
	rc = EMU_EINTERNAL;
	char *mark = strstr(all, LOCATION_MARK);
	if (!mark || strstr(mark + 1, LOCATION_MARK))
		goto out;   /* exactly one: the text never carries the mark elsewhere */
	d->head_len = (size_t)(mark - all);
	d->tail_len = len - d->head_len - (sizeof LOCATION_MARK - 1);
	d->wsdl_head = malloc(d->head_len + 1);
	d->wsdl_tail = malloc(d->tail_len + 1);
	if (!d->wsdl_head || !d->wsdl_tail) {
		rc = EMU_ENOMEM;
		goto out;
	}
	memcpy(d->wsdl_head, all, d->head_len);
	memcpy(d->wsdl_tail, mark + sizeof LOCATION_MARK - 1, d->tail_len);
	rc = EMU_OK;
out:
	free(all);
	xmlFreeDoc(doc);
	return rc;
}

int svcdesc_new(const struct exver_profile *p, svcdesc_t **out)
{
	svcdesc_t *d = calloc(1, sizeof *d);
	int rc = EMU_ENOMEM;
	*out = NULL;
	if (!p)
		p = exver_default();
	if (!d)
		return rc;
	d->built = time(NULL);
	if ((rc = build_schema(svcdesc_src_messages, svcdesc_src_messages_len, p, 1, &d->messages)) != EMU_OK ||
	    (rc = build_schema(svcdesc_src_types, svcdesc_src_types_len, p, 0, &d->types)) != EMU_OK ||
	    (rc = build_wsdl(d)) != EMU_OK) {
		svcdesc_free(d);
		return rc;
	}
	*out = d;
	return EMU_OK;
}

void svcdesc_free(svcdesc_t *d)
{
	if (!d)
		return;
	free(d->messages.body);
	free(d->types.body);
	free(d->wsdl_head);
	free(d->wsdl_tail);
	free(d);
}

/* @p s XML-escaped for an attribute value into @p out (room: 6 * strlen + 1). */
static size_t attr_escape(const char *s, char *out)
{
	size_t n = 0;
	for (; *s; s++) {
		const char *e = *s == '&' ? "&amp;" : *s == '<' ? "&lt;" : *s == '>' ? "&gt;"
		              : *s == '"' ? "&quot;" : *s == '\'' ? "&apos;" : NULL;
		if (e) {
			memcpy(out + n, e, strlen(e));
			n += strlen(e);
		} else {
			out[n++] = *s;
		}
	}
	return n;
}

int svcdesc_get(const svcdesc_t *d, enum svcdesc_doc doc, const char *ews_url, struct arena *a,
                struct svcdesc_answer *out)
{
	memset(out, 0, sizeof *out);
	out->last_modified = d->built;
	if (doc == SVCDESC_MESSAGES || doc == SVCDESC_TYPES) {
		const struct doc_bytes *b = doc == SVCDESC_MESSAGES ? &d->messages : &d->types;
		out->body = b->body;
		out->len = b->len;
		memcpy(out->etag, b->etag, sizeof out->etag);
		return EMU_OK;
	}
	if (doc != SVCDESC_WSDL || !ews_url)
		return EMU_EINVAL;
	size_t ulen = strlen(ews_url);
	if (ulen > SVCDESC_LOCATION_MAX)
		return EMU_ELIMIT;
	char *body = arena_alloc(a, d->head_len + 6 * ulen + d->tail_len + 1);
	if (!body)
		return EMU_ENOMEM;
	size_t n = d->head_len;
	memcpy(body, d->wsdl_head, n);
	n += attr_escape(ews_url, body + n);
	memcpy(body + n, d->wsdl_tail, d->tail_len);
	n += d->tail_len;
	body[n] = '\0';
	out->body = body;
	out->len = n;
	etag_of(fnv(FNV_START, body, n), out->etag);
	return EMU_OK;
}

int svcdesc_etag_matches(const char *inm, const char *etag)
{
	size_t el = strlen(etag);
	while (inm && *inm) {
		inm += strspn(inm, " \t,");
		if (!strncmp(inm, "W/", 2))
			inm += 2;
		size_t n = strcspn(inm, ",");
		while (n && (inm[n - 1] == ' ' || inm[n - 1] == '\t'))
			n--;
		if ((n == 1 && *inm == '*') || (n == el && !strncmp(inm, etag, el)))
			return 1;
		inm += n;
		inm += strcspn(inm, ",");
	}
	return 0;
}
