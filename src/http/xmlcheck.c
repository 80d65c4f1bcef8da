/* xmlcheck.c - streaming well-formedness check (see xmlcheck.h).  Covers
 * what a SOAP body can contain: XML declaration, processing instructions,
 * comments, CDATA, elements, attributes and character/entity references.
 * A DOCTYPE is refused, as Exchange refuses DTDs. */
#include "http/xmlcheck.h"

#include <stdio.h>
#include <string.h>

enum {
	S_TEXT, S_LT, S_BANG, S_START, S_IN_TAG, S_ATTR, S_ATTR_EQ, S_ATTR_Q, S_ATTR_VAL,
	S_AFTER_ATTR, S_EMPTY, S_END, S_END_WS, S_PI, S_COMMENT, S_CDATA, S_ENTITY
};

static int fail(struct xmlcheck *x, const char *what)
{
	if (!x->error[0])
		snprintf(x->error, sizeof x->error, "%.160s (line %u)", what, x->line);
	return -1;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Name characters: ASCII letters, digits and . - _ :, and any non-ASCII
 * byte (UTF-8 names are allowed; their exact classes are not checked). */
static int is_name_start(unsigned char c)
{
	return (c | 32) >= 'a' && (c | 32) <= 'z' ? 1 : c == '_' || c == ':' || c >= 0x80;
}

static int is_name(unsigned char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

static int tok_add(struct xmlcheck *x, unsigned char c)
{
	if (x->len >= XMLCHECK_MAX_NAME)
		return fail(x, "a name or reference is too long");
	x->tok[x->len++] = (char)c;
	x->tok[x->len] = '\0';
	return 0;
}

static int entity_ok(const char *e)
{
	static const char *const named[] = { "lt", "gt", "amp", "quot", "apos" };
	for (int i = 0; i < 5; i++)
		if (!strcmp(e, named[i]))
			return 1;
	if (e[0] != '#' || !e[1])
		return 0;
	unsigned long v = 0;
	int hex = e[1] == 'x';
	const char *p = e + 1 + hex;
	if (!*p)
		return 0;
	for (; *p; p++) {
		int d;
		if (*p >= '0' && *p <= '9') d = *p - '0';
		else if (hex && (*p | 32) >= 'a' && (*p | 32) <= 'f') d = (*p | 32) - 'a' + 10;
		else return 0;
		v = v * (hex ? 16 : 10) + (unsigned long)d;
		if (v > 0x10FFFF)
			return 0;
	}
	/* XML 1.0 Char: no NUL or other C0 controls but tab, LF, CR; no surrogates */
	return (v >= 0x20 || v == 9 || v == 10 || v == 13) && !(v >= 0xD800 && v <= 0xDFFF) &&
	       v != 0xFFFE && v != 0xFFFF;
}

/* Copy the prefix of @p qname (empty when none) into @p out. */
static int prefix_of(struct xmlcheck *x, const char *qname, char out[XMLCHECK_MAX_PREFIX + 1])
{
	const char *colon = strchr(qname, ':');
	size_t n = colon ? (size_t)(colon - qname) : 0;
	if (n > XMLCHECK_MAX_PREFIX)
		return fail(x, "a namespace prefix is too long");
	memcpy(out, qname, n);
	out[n] = '\0';
	return 0;
}

static int declared(const struct xmlcheck *x, const char *prefix)
{
	if (!*prefix || !strcmp(prefix, "xml") || !strcmp(prefix, "xmlns"))
		return 1;
	for (int i = 0; i < x->nns; i++)
		if (!strcmp(x->ns[i].prefix, prefix))
			return 1;
	return 0;
}

/* An attribute name has been read (in x->tok): note declarations and the
 * prefixes to check once the tag is complete. */
static int attribute(struct xmlcheck *x)
{
	const char *over = xml_limit_attribute(&x->tag, x->tok, x->len);
	if (over)
		return fail(x, over);
	if (!strncmp(x->tok, "xmlns:", 6)) {
		if (x->nns >= XMLCHECK_MAX_NS)
			return fail(x, "too many namespace declarations");
		if (strlen(x->tok + 6) > XMLCHECK_MAX_PREFIX)
			return fail(x, "a namespace prefix is too long");
		strcpy(x->ns[x->nns].prefix, x->tok + 6);
		x->ns[x->nns++].depth = x->depth;
		return 0;
	}
	if (!strchr(x->tok, ':'))
		return 0;
	if (x->npend >= XMLCHECK_MAX_ATTR_PREFIXES)
		return fail(x, "too many prefixed attributes on one element");
	return prefix_of(x, x->tok, x->pend[x->npend++]);
}

/* The start tag is complete: its prefixes must be declared (Namespaces in
 * XML, "prefix declared") - here or on an ancestor. */
static int tag_complete(struct xmlcheck *x)
{
	char pfx[XMLCHECK_MAX_PREFIX + 1], msg[XMLCHECK_MAX_PREFIX + 64];
	if (prefix_of(x, x->stack[x->depth - 1], pfx))
		return -1;
	for (int i = -1; i < x->npend; i++) {
		const char *p = i < 0 ? pfx : x->pend[i];
		if (!declared(x, p)) {
			snprintf(msg, sizeof msg, "the namespace prefix '%s' is not declared", p);
			return fail(x, msg);
		}
	}
	x->npend = 0;
	return 0;
}

static int open_element(struct xmlcheck *x)
{
	if (x->root_done)
		return fail(x, "a second root element");
	const char *over = xml_limit_element(x->depth + 1);
	if (over)
		return fail(x, over);   /* and so the name stack is never full */
	memcpy(x->stack[x->depth++], x->tok, x->len + 1);
	x->seen_root = 1;
	return 0;
}

static int close_element(struct xmlcheck *x)
{
	char msg[XMLCHECK_MAX_NAME * 2 + 64];
	if (x->depth == 0)
		return fail(x, "an end tag without a start tag");
	if (strcmp(x->stack[x->depth - 1], x->tok) != 0) {
		snprintf(msg, sizeof msg, "end tag </%s> does not match <%s>", x->tok, x->stack[x->depth - 1]);
		return fail(x, msg);
	}
	if (--x->depth == 0)
		x->root_done = 1;
	while (x->nns > 0 && x->ns[x->nns - 1].depth > x->depth)
		x->nns--;   /* declarations of the element just closed */
	return 0;
}

void xmlcheck_init(struct xmlcheck *x)
{
	/* Only the scalars and the strings read before they are written: the
	 * name stack, namespace table and attribute prefixes are filled before
	 * they are read (open_element, attribute, prefix_of), and the whole
	 * struct is some 11 KiB - a memset per request would dwarf a body. */
	x->state = S_TEXT;
	x->ret = x->quote = x->depth = x->root_done = x->seen_root = 0;
	x->line = 1;
	x->len = 0;
	x->tok[0] = '\0';
	x->nns = x->npend = 0;
	x->error[0] = '\0';
}

/* One byte; the state machine of the grammar subset above. */
static int step(struct xmlcheck *x, unsigned char c)
{
	if (c == '\n')
		x->line++;
	if (c == 0)
		return fail(x, "a NUL byte");
	switch (x->state) {
	case S_TEXT:
		if (c == '<') {
			x->state = S_LT;
			x->len = 0;
		} else if (c == '&') {
			if (x->depth == 0)
				return fail(x, "a reference outside the root element");
			x->ret = S_TEXT;
			x->state = S_ENTITY;
			x->len = 0;
		} else if (x->depth == 0 && !is_space(c)) {
			/* a UTF-8 byte order mark may open the document */
			if (!(x->seen_root == 0 && x->line == 1 && c >= 0x80 && (c == 0xEF || c == 0xBB || c == 0xBF)))
				return fail(x, x->root_done ? "text after the root element" : "text before the root element");
		}
		return 0;
	case S_LT:
		if (c == '/') {
			x->state = S_END;
		} else if (c == '?') {
			x->state = S_PI;
			x->len = 0;
		} else if (c == '!') {
			x->state = S_BANG;
			x->len = 0;
		} else if (is_name_start(c)) {
			x->state = S_START;
			x->tag.attrs = x->tag.ns_decls = 0;
			return tok_add(x, c);
		} else {
			return fail(x, "'<' not followed by a name");
		}
		return 0;
	case S_BANG:
		if (tok_add(x, c))
			return -1;
		if (!strcmp(x->tok, "--")) {
			x->state = S_COMMENT;
			x->len = 0;
		} else if (!strcmp(x->tok, "[CDATA[")) {
			if (x->depth == 0)
				return fail(x, "CDATA outside the root element");
			x->state = S_CDATA;
			x->len = 0;
		} else if (!strcmp(x->tok, "DOCTYPE")) {
			return fail(x, "a DTD (DOCTYPE) is not allowed");
		} else if (strncmp("--", x->tok, x->len) && strncmp("[CDATA[", x->tok, x->len) &&
		           strncmp("DOCTYPE", x->tok, x->len)) {
			return fail(x, "malformed markup after '<!'");
		}
		return 0;
	case S_START:
		if (is_name(c))
			return tok_add(x, c);
		if (is_space(c)) {
			x->state = S_IN_TAG;
			return open_element(x) ? -1 : 0;
		}
		if (c == '>') {
			x->state = S_TEXT;
			return open_element(x) || tag_complete(x) ? -1 : 0;
		}
		if (c == '/') {
			if (open_element(x))
				return -1;
			x->state = S_EMPTY;
			return 0;
		}
		return fail(x, "a bad character in an element name");
	case S_IN_TAG:
	case S_AFTER_ATTR:
		if (is_space(c)) {
			x->state = S_IN_TAG;
		} else if (c == '>') {
			x->state = S_TEXT;
			return tag_complete(x);
		} else if (c == '/') {
			x->state = S_EMPTY;
		} else if (x->state == S_IN_TAG && is_name_start(c)) {
			x->state = S_ATTR;
			x->len = 0;
			return tok_add(x, c);
		} else {
			return fail(x, x->state == S_AFTER_ATTR ? "attributes must be separated by whitespace"
			                                        : "a bad character in a start tag");
		}
		return 0;
	case S_ATTR:
		if (is_name(c))
			return tok_add(x, c);
		if (is_space(c))
			x->state = S_ATTR_EQ;
		else if (c == '=')
			x->state = S_ATTR_Q;
		else
			return fail(x, "an attribute without a value");
		return attribute(x);
	case S_ATTR_EQ:
		if (c == '=')
			x->state = S_ATTR_Q;
		else if (!is_space(c))
			return fail(x, "an attribute without '='");
		return 0;
	case S_ATTR_Q:
		if (c == '"' || c == '\'') {
			x->quote = c;
			x->state = S_ATTR_VAL;
		} else if (!is_space(c)) {
			return fail(x, "an attribute value without quotes");
		}
		return 0;
	case S_ATTR_VAL:
		if (c == x->quote) {
			x->state = S_AFTER_ATTR;
		} else if (c == '<') {
			return fail(x, "'<' in an attribute value");
		} else if (c == '&') {
			x->ret = S_ATTR_VAL;
			x->state = S_ENTITY;
			x->len = 0;
		}
		return 0;
	case S_EMPTY:
		if (c != '>')
			return fail(x, "'/' not followed by '>' in a tag");
		x->state = S_TEXT;
		if (tag_complete(x))
			return -1;
		/* an empty element: opened above, closed here */
		memcpy(x->tok, x->stack[x->depth - 1], strlen(x->stack[x->depth - 1]) + 1);
		x->len = strlen(x->tok);
		return close_element(x);
	case S_END:
		if (x->len == 0 ? is_name_start(c) : is_name(c))
			return tok_add(x, c);
		if (x->len && is_space(c)) {
			x->state = S_END_WS;
			return 0;
		}
		if (x->len && c == '>') {
			x->state = S_TEXT;
			return close_element(x);
		}
		return fail(x, "a malformed end tag");
	case S_END_WS:
		if (c == '>') {
			x->state = S_TEXT;
			return close_element(x);
		}
		return is_space(c) ? 0 : fail(x, "a malformed end tag");
	case S_PI:
		/* x->len counts '?' seen last */
		if (c == '>' && x->len)
			x->state = S_TEXT;
		x->len = c == '?';
		return 0;
	case S_COMMENT:
		/* x->len counts consecutive '-' */
		if (c == '>' && x->len >= 2)
			x->state = S_TEXT;
		else if (x->len >= 2 && c != '-')
			return fail(x, "'--' inside a comment");
		x->len = c == '-' ? x->len + 1 : 0;
		return 0;
	case S_CDATA:
		if (c == '>' && x->len >= 2)
			x->state = S_TEXT;
		x->len = c == ']' ? x->len + 1 : 0;
		return 0;
	case S_ENTITY:
		if (c == ';') {
			if (!entity_ok(x->tok)) {
				char msg[XMLCHECK_MAX_NAME + 48];
				snprintf(msg, sizeof msg, "an undefined or invalid reference &%s;", x->tok);
				return fail(x, msg);
			}
			x->state = x->ret;
			return 0;
		}
		if (x->len >= 12 || !(is_name(c) || c == '#'))
			return fail(x, "a malformed reference ('&' must be written &amp;)");
		return tok_add(x, c);
	}
	return fail(x, "an internal state error");
}

/* A byte that changes nothing in character data inside the root element or
 * in an attribute value (besides that value's closing quote): step() would
 * only look at it and move on. */
static int plain(unsigned char c)
{
	return c != '<' && c != '&' && c != '\n' && c != 0;
}

int xmlcheck_feed(struct xmlcheck *x, const char *p, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	if (x->error[0])
		return -1;
	for (size_t i = 0; i < n; i++) {
		/* runs the per-byte state machine would only skip or copy */
		if (x->state == S_TEXT && x->depth > 0) {
			while (i < n && plain(b[i]))
				i++;
		} else if (x->state == S_ATTR_VAL) {
			while (i < n && plain(b[i]) && b[i] != x->quote)
				i++;
		} else if (x->state == S_START || x->state == S_ATTR || (x->state == S_END && x->len > 0)) {
			/* the rest of a name: tok_add() for each byte, at once; a name
			 * that grows too long is left to step() to refuse */
			size_t j = i, room = XMLCHECK_MAX_NAME - x->len;
			while (j < n && j - i < room && is_name(b[j]))
				j++;
			memcpy(x->tok + x->len, b + i, j - i);
			x->len += j - i;
			x->tok[x->len] = '\0';
			i = j;
		}
		if (i < n && step(x, b[i]))
			return -1;
	}
	return 0;
}

int xmlcheck_finish(struct xmlcheck *x)
{
	if (x->error[0])
		return -1;
	if (x->state != S_TEXT)
		return fail(x, "the document ends inside a tag");
	if (!x->seen_root)
		return fail(x, "no root element");
	if (!x->root_done)
		return fail(x, "the document ends inside an element");
	return 0;
}
