/* xmllimit.c - nesting and attribute limits for every XML parse, and the
 * linear pre-scan that applies them before libxml2 runs (see xmllimit.h). */
#include "core/xmllimit.h"

#include <stdio.h>
#include <string.h>

#include "core/result.h"

#define STR_(x) #x
#define STR(x) STR_(x)

const char *xml_limit_element(int depth)
{
	return depth > XML_LIMIT_DEPTH ? "elements nested deeper than " STR(XML_LIMIT_DEPTH) " levels" : NULL;
}

const char *xml_limit_attribute(struct xml_limit_tag *t, const char *name, size_t n)
{
	if (n >= 5 && !memcmp(name, "xmlns", 5) && (n == 5 || name[5] == ':')) {
		if (++t->ns_decls > XML_LIMIT_NS_DECLS)
			return "more than " STR(XML_LIMIT_NS_DECLS) " namespace declarations on one element";
		return NULL;
	}
	if (++t->attrs > XML_LIMIT_ATTRS)
		return "more than " STR(XML_LIMIT_ATTRS) " attributes on one element";
	return NULL;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* First occurrence of @p s (n bytes) in [p, end), or NULL. */
static const char *find(const char *p, const char *end, const char *s, size_t n)
{
	while (p < end && (size_t)(end - p) >= n) {
		const char *q = memchr(p, s[0], (size_t)(end - p) - n + 1);
		if (!q)
			return NULL;
		if (!memcmp(q, s, n))
			return q;
		p = q + 1;
	}
	return NULL;
}

/* Past a "<!" declaration: to its '>', skipping a bracketed internal subset. */
static const char *skip_decl(const char *p, const char *end)
{
	int brackets = 0;
	for (; p < end; p++) {
		if (*p == '[')
			brackets++;
		else if (*p == ']' && brackets)
			brackets--;
		else if (*p == '>' && !brackets)
			return p + 1;
	}
	return NULL;
}

/* A start tag whose name begins at @p p: its attributes against the limits.
 * Returns the byte after the tag (NULL when the document ends inside it),
 * sets *empty for "/>", or sets *msg and *at on a limit. */
static const char *start_tag(const char *p, const char *end, int *empty, const char **msg, const char **at)
{
	struct xml_limit_tag t = { 0, 0 };
	while (p < end && !is_space((unsigned char)*p) && *p != '>' && *p != '/')
		p++;
	for (;;) {
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p >= end)
			return NULL;
		if (*p == '>')
			return p + 1;
		if (*p == '/') {
			*empty = p + 1 < end && p[1] == '>';
			return *empty ? p + 2 : p + 1;
		}
		const char *name = p;
		while (p < end && !is_space((unsigned char)*p) && *p != '=' && *p != '>' && *p != '/')
			p++;
		if ((*msg = xml_limit_attribute(&t, name, (size_t)(p - name))) != NULL) {
			*at = name;
			return NULL;
		}
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p >= end || *p != '=')
			continue;     /* malformed: the parser says so */
		p++;
		while (p < end && is_space((unsigned char)*p))
			p++;
		if (p >= end)
			return NULL;
		if (*p != '"' && *p != '\'')
			continue;
		const char *q = memchr(p + 1, *p, (size_t)(end - p - 1));
		if (!q)
			return NULL;
		p = q + 1;
	}
}

int xml_limit_check(const void *data, size_t len, int extra_depth, char *err, size_t errsz)
{
	const char *base = data ? data : "", *p = base, *end = base + (data ? len : 0);
	const char *msg = NULL, *at = NULL;
	int depth = 0;

	while (p < end && !msg) {
		const char *lt = memchr(p, '<', (size_t)(end - p));
		if (!lt || lt + 1 >= end)
			break;
		p = lt + 1;
		if (*p == '?') {
			p = find(p + 1, end, "?>", 2);
			p = p ? p + 2 : end;
		} else if (*p == '!') {
			if (end - p >= 3 && !memcmp(p, "!--", 3)) {
				p = find(p + 3, end, "-->", 3);
				p = p ? p + 3 : end;
			} else if (end - p >= 8 && !memcmp(p, "![CDATA[", 8)) {
				p = find(p + 8, end, "]]>", 3);
				p = p ? p + 3 : end;
			} else {
				p = skip_decl(p, end);
				p = p ? p : end;
			}
		} else if (*p == '/') {
			if (depth > 0)
				depth--;
			p = memchr(p, '>', (size_t)(end - p));
			p = p ? p + 1 : end;
		} else {
			int empty = 0;
			if ((msg = xml_limit_element(++depth - extra_depth)) != NULL) {
				at = lt;
				break;
			}
			p = start_tag(p, end, &empty, &msg, &at);
			if (!p)
				break;
			if (empty)
				depth--;
		}
	}
	if (!msg)
		return EMU_OK;
	if (err && errsz) {
		unsigned line = 1;
		for (const char *q = base; q < at; q++)
			line += *q == '\n';
		snprintf(err, errsz, "line %u: %s", line, msg);
	}
	return EMU_ELIMIT;
}
