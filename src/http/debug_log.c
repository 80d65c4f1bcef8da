/* debug_log.c - request/response bodies in the debug log, credentials
 * removed (see debug_log.h). */
#include "http/debug_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"

#define REMOVED "[removed]"

/* ---- redaction -------------------------------------------------------------- */

struct sink {
	char *p;
	size_t len, cap;
};

static void put(struct sink *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static int has_ci(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!strncasecmp(s + i, needle, k))
			return 1;
	return 0;
}

/* Does a name (element, attribute, JSON member) name a credential? */
static int sensitive(const char *name, size_t n)
{
	return has_ci(name, n, "password") || has_ci(name, n, "passwd") || has_ci(name, n, "secret") ||
	       has_ci(name, n, "token");
}

static int name_char(char c)
{
	return c && !strchr(" \t\r\n/>=<\"'", c);
}

/* The tag at in[i] == '<': copied, sensitive attribute values removed;
 * returns the index after it.  *open_name and *open_len: the name of an
 * opening (not self-closing) sensitive element, else *open_len = 0. */
static size_t redact_tag(const char *in, size_t len, size_t i, struct sink *o, const char **open_name,
                         size_t *open_len)
{
	size_t start = i++;
	int closing = i < len && (in[i] == '/' || in[i] == '?' || in[i] == '!');
	*open_len = 0;
	if (closing)
		i++;
	size_t name = i;
	while (i < len && name_char(in[i]))
		i++;
	size_t name_len = i - name;
	put(o, in + start, i - start);
	while (i < len && in[i] != '>') {
		if (in[i] == '"' || in[i] == '\'') {   /* a value without a name before it: copy */
			char q = in[i];
			size_t e = i + 1;
			while (e < len && in[e] != q)
				e++;
			e = e < len ? e + 1 : len;
			put(o, in + i, e - i);
			i = e;
			continue;
		}
		if (!name_char(in[i])) {
			put(o, in + i, 1);
			i++;
			continue;
		}
		size_t an = i;
		while (i < len && name_char(in[i]))
			i++;
		size_t an_len = i - an;
		put(o, in + an, an_len);
		size_t eq = i;
		while (i < len && (in[i] == ' ' || in[i] == '\t' || in[i] == '\r' || in[i] == '\n' || in[i] == '='))
			i++;
		put(o, in + eq, i - eq);
		if (i < len && (in[i] == '"' || in[i] == '\'') && sensitive(in + an, an_len)) {
			char q = in[i];
			size_t e = i + 1;
			while (e < len && in[e] != q)
				e++;
			put(o, &q, 1);
			put(o, REMOVED, sizeof REMOVED - 1);
			if (e < len)
				put(o, &q, 1);
			i = e < len ? e + 1 : len;
		}
	}
	if (i < len) {
		if (!closing && i > start && in[i - 1] != '/' && sensitive(in + name, name_len)) {
			*open_name = in + name;
			*open_len = name_len;
		}
		put(o, ">", 1);
		i++;
	}
	return i;
}

/* The end of a JSON string starting at in[i] == '"' (the index after its
 * closing quote, or len). */
static size_t json_string_end(const char *in, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (in[i] == '\\')
			i++;
		else if (in[i] == '"')
			return i + 1;
	}
	return len;
}

size_t http_redact(const char *in, size_t len, char *out, size_t outsz)
{
	struct sink o = { out, 0, outsz };
	size_t i = 0;
	while (i < len) {
		if (len - i > 7 && !strncasecmp(in + i, "Bearer ", 7)) {
			put(&o, in + i, 7);
			i += 7;
			size_t e = i;
			while (e < len && !strchr(" \t\r\n<\"'&,;", in[e]))
				e++;
			if (e > i)
				put(&o, REMOVED, sizeof REMOVED - 1);
			i = e;
		} else if (in[i] == '<') {
			const char *name;
			size_t name_len;
			i = redact_tag(in, len, i, &o, &name, &name_len);
			if (name_len) {   /* skip to "</name" */
				size_t e = i;
				while (e < len && !(in[e] == '<' && e + 1 < len && in[e + 1] == '/' &&
				                    len - e - 2 >= name_len && !memcmp(in + e + 2, name, name_len)))
					e++;
				put(&o, REMOVED, sizeof REMOVED - 1);
				i = e;
			}
		} else if (in[i] == '"') {
			size_t e = json_string_end(in, len, i);
			put(&o, in + i, e - i);
			size_t k = e;
			while (k < len && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r' || in[k] == '\n'))
				k++;
			if (k < len && in[k] == ':' && e - i >= 2 && sensitive(in + i + 1, e - i - 2)) {
				k++;
				while (k < len && (in[k] == ' ' || in[k] == '\t' || in[k] == '\r' || in[k] == '\n'))
					k++;
				put(&o, in + e, k - e);
				size_t v = k;
				if (v < len && in[v] == '"') {
					v = json_string_end(in, len, v);
					put(&o, "\"" REMOVED "\"", sizeof REMOVED + 1);
				} else {
					while (v < len && !strchr(",}]\r\n", in[v]))
						v++;
					put(&o, REMOVED, sizeof REMOVED - 1);
				}
				e = v;
			}
			i = e;
		} else {
			put(&o, in + i, 1);
			i++;
		}
	}
	return o.len;
}

/* ---- the records -------------------------------------------------------------- */

/* @p n bytes of @p s, escaped so that a record stays one line. */
static void put_escaped(struct sink *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < n && o->len < o->cap; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[4] = { '\\', 0, 0, 0 };
		size_t k = 2;
		if (c == '\n')
			e[1] = 'n';
		else if (c == '\r')
			e[1] = 'r';
		else if (c == '\t')
			e[1] = 't';
		else if (c == '\\')
			e[1] = '\\';
		else if (c < 0x20 || c == 0x7f) {
			e[1] = 'x';
			e[2] = hex[c >> 4];
			e[3] = hex[c & 15];
			k = 4;
		} else {
			e[0] = (char)c;
			k = 1;
		}
		put(o, e, k);
	}
}

static void put_s(struct sink *o, const char *s)
{
	put_escaped(o, s, strlen(s));
}

static int textual(const char *type)
{
	if (!type)
		return 1;   /* no type: show it (it is redacted and escaped) */
	return !strncasecmp(type, "text/", 5) || strstr(type, "xml") || strstr(type, "json") ||
	       !strncasecmp(type, "application/x-www-form-urlencoded", 33);
}

static void put_body(struct sink *o, const struct wire_msg *m)
{
	char note[160];
	const char *type = wire_msg_header(m, "Content-Type");
	const char *enc = wire_msg_header(m, "Content-Encoding");
	if (!m->body_len) {
		put_s(o, " | (no body)");
		return;
	}
	if (!textual(type) || (enc && strcasecmp(enc, "identity"))) {
		snprintf(note, sizeof note, " | (%zu bytes of %.60s%s%.30s, not shown)", m->body_len,
		         type ? type : "?", enc ? ", Content-Encoding " : "", enc ? enc : "");
		put_s(o, note);
		return;
	}
	size_t n = m->body_len < HTTP_DEBUG_BODY_MAX ? m->body_len : HTTP_DEBUG_BODY_MAX;
	char red[2 * HTTP_DEBUG_BODY_MAX + 16];
	size_t rn = http_redact((const char *)m->body, n, red, sizeof red);
	snprintf(note, sizeof note, " | body (%zu bytes): ", m->body_len);
	put_s(o, note);
	put_escaped(o, red, rn);
	if (n < m->body_len) {
		snprintf(note, sizeof note, " ... (%zu more bytes)", m->body_len - n);
		put_s(o, note);
	}
}

static void put_headers(struct sink *o, const struct wire_msg *m)
{
	for (int i = 0; i < m->nheaders; i++) {
		const struct wire_header *h = &m->headers[i];
		if (!h->name)
			continue;
		put_s(o, " | ");
		put_s(o, h->name);
		put_s(o, ": ");
		if (!wire_header_credential(h->name)) {
			char red[2 * 512 + 16];
			size_t n = strlen(h->value ? h->value : "");
			if (n > 512)
				n = 512;
			put_escaped(o, red, http_redact(h->value ? h->value : "", n, red, sizeof red));
			continue;
		}
		/* the scheme stays: "Basic [removed]" */
		const char *v = h->value ? h->value : "";
		size_t scheme = strcspn(v, " \t");
		if (!strcasecmp(h->name, "Authorization") || !strcasecmp(h->name, "Proxy-Authorization")) {
			put_escaped(o, v, scheme < 32 ? scheme : 32);
			put_s(o, " ");
		}
		put_s(o, REMOVED);
	}
}

void http_debug_exchange(const char *request_id, const struct wire_msg *req, const struct wire_msg *resp)
{
	if (!log_enabled(LOG_DEBUG))
		return;
	char *buf = malloc(HTTP_DEBUG_LINE_MAX);
	if (!buf)
		return;
	char status[16];
	for (int side = 0; side < 2; side++) {
		const struct wire_msg *m = side ? resp : req;
		struct sink o = { buf, 0, HTTP_DEBUG_LINE_MAX - 1 };
		put_s(&o, side ? "response " : "request ");
		put_s(&o, request_id);
		put_s(&o, ": ");
		if (side) {
			snprintf(status, sizeof status, "%d", m->status);
			put_s(&o, status);
		} else {
			put_s(&o, m->method ? m->method : "?");
			put_s(&o, " ");
			char red[2 * 1024 + 16];
			size_t n = m->target ? strlen(m->target) : 0;
			put_escaped(&o, red, http_redact(m->target ? m->target : "", n < 1024 ? n : 1024, red, sizeof red));
		}
		put_headers(&o, m);
		put_body(&o, m);
		log_text(LOG_DEBUG, "http", buf, o.len);
	}
	free(buf);
}
