/* wire_msg.c - HTTP/1.1 messages as data: building, copying, header fields,
 * and serialising them for the wire.  Parsing lives in wire_parse.c. */
#include "wire/wire_int.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/result.h"

/* a serialised head may be a little longer than any parsed one (Content-Length added) */
#define SERIAL_HEAD_MAX (WIRE_HEAD_MAX + 256)

size_t wire_body_limit(size_t body_max)
{
	if (body_max == 0)
		return WIRE_BODY_MAX;
	return body_max >= SIZE_MAX - 1 ? SIZE_MAX - 2 : body_max;
}

const char *wire_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 417: return "Expectation Failed";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "";
}

/* ---- ownership: strings inside the parse block are not freed one by one ---- */

static int in_block(const struct wire_msg *m, const char *p)
{
	uintptr_t a = (uintptr_t)p, b = (uintptr_t)m->strings;
	return m->strings && a >= b && a < b + m->strings_len;
}

static int in_small(const struct wire_msg *m, const char *p)
{
	return p >= m->small && p < m->small + sizeof m->small;
}

static void release(struct wire_msg *m, char *p)
{
	if (p && !in_block(m, p) && !in_small(m, p))
		free(p);
}

/* A NUL-terminated copy of @p n bytes at @p s: in m->small while it has
 * room, else malloc'd.  NULL when out of memory. */
static char *msg_dup(struct wire_msg *m, const char *s, size_t n)
{
	char *d;
	if (n < sizeof m->small - m->small_len) {
		d = m->small + m->small_len;
		m->small_len += n + 1;
	} else if (!(d = malloc(n + 1))) {
		return NULL;
	}
	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

void wire_msg_init(struct wire_msg *m)
{
	/* headers[] past nheaders and small[] past small_len are never read:
	 * zero the fields around them (two messages a request: 4 KiB less) */
	memset(m, 0, offsetof(struct wire_msg, headers));
	memset(&m->nheaders, 0, offsetof(struct wire_msg, small) - offsetof(struct wire_msg, nheaders));
	m->minor = 1;
}

void wire_msg_free(struct wire_msg *m)
{
	if (!m)
		return;
	release(m, m->method);
	release(m, m->target);
	release(m, m->reason);
	for (int i = 0; i < m->nheaders; i++) {
		release(m, m->headers[i].name);
		release(m, m->headers[i].value);
	}
	free(m->strings);
	if (!m->body_borrowed)
		free(m->body);
	wire_msg_init(m);
}

static char *dup_or_null(const char *s, int *failed)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*failed = 1;
	return d;
}

int wire_msg_copy(struct wire_msg *dst, const struct wire_msg *src)
{
	int failed = 0;
	wire_msg_init(dst);
	dst->is_response = src->is_response;
	dst->status = src->status;
	dst->minor = src->minor;
	dst->method = dup_or_null(src->method, &failed);
	dst->target = dup_or_null(src->target, &failed);
	dst->reason = dup_or_null(src->reason, &failed);
	int n = src->nheaders < 0 ? 0 : src->nheaders > WIRE_HEADERS_MAX ? WIRE_HEADERS_MAX : src->nheaders;
	for (int i = 0; i < n; i++) {
		dst->headers[i].name = dup_or_null(src->headers[i].name, &failed);
		dst->headers[i].value = dup_or_null(src->headers[i].value, &failed);
		dst->nheaders = i + 1;
	}
	if (src->body && src->body_len) {
		dst->body = malloc(src->body_len + 1);
		if (dst->body) {
			memcpy(dst->body, src->body, src->body_len);
			dst->body[src->body_len] = 0;
			dst->body_len = src->body_len;
		} else {
			failed = 1;
		}
	}
	if (failed) {
		wire_msg_free(dst);
		return EMU_ENOMEM;
	}
	return EMU_OK;
}

static int is_token(const char *s)
{
	if (!s || !*s)
		return 0;
	for (; *s; s++)
		if (!wire_is_tchar((unsigned char)*s))
			return 0;
	return 1;
}

/* No CR, LF or other control bytes except HT: nothing that ends a line. */
static int is_field_text(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return 0;
	}
	return 1;
}

static int replace_str(struct wire_msg *m, char **slot, const char *s)
{
	char *d = msg_dup(m, s, strlen(s));
	if (!d)
		return EMU_ENOMEM;
	release(m, *slot);
	*slot = d;
	return EMU_OK;
}

int wire_msg_request(struct wire_msg *m, const char *method, const char *target)
{
	if (!is_token(method) || !target || !*target)
		return EMU_EINVAL;
	for (const char *p = target; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p == 0x7f)
			return EMU_EINVAL;
	int rc = replace_str(m, &m->method, method);
	if (!rc)
		rc = replace_str(m, &m->target, target);
	if (rc)
		return rc;
	m->is_response = 0;
	m->status = 0;
	m->minor = 1;
	return EMU_OK;
}

int wire_msg_response(struct wire_msg *m, int status, const char *reason)
{
	if (status < 100 || status > 999)
		return EMU_EINVAL;
	if (!reason)
		reason = wire_status_text(status);
	if (!is_field_text(reason))
		return EMU_EINVAL;
	int rc = replace_str(m, &m->reason, reason);
	if (rc)
		return rc;
	m->is_response = 1;
	m->status = status;
	m->minor = 1;
	return EMU_OK;
}

const char *wire_msg_header(const struct wire_msg *m, const char *name)
{
	for (int i = 0; i < m->nheaders; i++)
		if (m->headers[i].name && !strcasecmp(m->headers[i].name, name))
			return m->headers[i].value ? m->headers[i].value : "";
	return NULL;
}

/* A copy of @p v without leading/trailing blanks (see msg_dup). */
static char *trimmed_dup(struct wire_msg *m, const char *v)
{
	while (*v == ' ' || *v == '\t')
		v++;
	size_t n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return msg_dup(m, v, n);
}

static void remove_at(struct wire_msg *m, int i)
{
	release(m, m->headers[i].name);
	release(m, m->headers[i].value);
	memmove(&m->headers[i], &m->headers[i + 1], (size_t)(m->nheaders - i - 1) * sizeof m->headers[0]);
	m->nheaders--;
}

int wire_msg_add_header(struct wire_msg *m, const char *name, const char *value)
{
	if (!is_token(name) || !value || !is_field_text(value))
		return EMU_EINVAL;
	if (m->nheaders >= WIRE_HEADERS_MAX)
		return EMU_ELIMIT;
	char *n = msg_dup(m, name, strlen(name)), *v = n ? trimmed_dup(m, value) : NULL;
	if (!n || !v) {
		release(m, n);
		return EMU_ENOMEM;
	}
	m->headers[m->nheaders].name = n;
	m->headers[m->nheaders].value = v;
	m->nheaders++;
	return EMU_OK;
}

int wire_msg_set_header(struct wire_msg *m, const char *name, const char *value)
{
	if (!is_token(name) || (value && !is_field_text(value)))
		return EMU_EINVAL;
	int first = -1;
	for (int i = 0; i < m->nheaders;) {
		if (m->headers[i].name && !strcasecmp(m->headers[i].name, name)) {
			if (first < 0 && value) {
				first = i++;
				continue;
			}
			remove_at(m, i);
			continue;
		}
		i++;
	}
	if (!value)
		return EMU_OK;
	if (first < 0)
		return wire_msg_add_header(m, name, value);
	char *v = trimmed_dup(m, value);
	if (!v)
		return EMU_ENOMEM;
	release(m, m->headers[first].value);
	m->headers[first].value = v;
	return EMU_OK;
}

int wire_msg_set_body(struct wire_msg *m, const void *data, size_t len)
{
	unsigned char *b = NULL;
	if (data && len) {
		if (len >= SIZE_MAX)
			return EMU_ELIMIT;
		b = malloc(len + 1);
		if (!b)
			return EMU_ENOMEM;
		memcpy(b, data, len);
		b[len] = 0;
	} else {
		len = 0;
	}
	if (!m->body_borrowed)
		free(m->body);
	m->body = b;
	m->body_len = len;
	m->body_borrowed = 0;
	return EMU_OK;
}

void wire_msg_set_body_ref(struct wire_msg *m, const void *data, size_t len)
{
	if (!m->body_borrowed)
		free(m->body);
	m->body = data && len ? (unsigned char *)data : NULL;
	m->body_len = m->body ? len : 0;
	m->body_borrowed = m->body != NULL;
}

int wire_msg_take_body(struct wire_msg *m, struct dynbuf *b)
{
	char *p;
	if (!m->body_borrowed)
		free(m->body);
	m->body = NULL;
	m->body_len = 0;
	m->body_borrowed = 0;
	if (b->len == 0) {
		dynbuf_free(b);
		return EMU_OK;
	}
	int rc = dynbuf_take(b, &p, &m->body_len);
	if (rc)
		return rc;
	m->body = (unsigned char *)p;
	return EMU_OK;
}

int wire_msg_has_token(const struct wire_msg *m, const char *name, const char *token)
{
	size_t tl = strlen(token);
	for (int i = 0; i < m->nheaders; i++) {
		if (!m->headers[i].name || strcasecmp(m->headers[i].name, name) || !m->headers[i].value)
			continue;
		const char *p = m->headers[i].value;
		while (*p) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			size_t n = strcspn(p, ",");
			size_t k = n;
			while (k && (p[k - 1] == ' ' || p[k - 1] == '\t'))
				k--;
			if (k == tl && !strncasecmp(p, token, tl))
				return 1;
			p += n;
		}
	}
	return 0;
}

/* ---- serialising ---- */

static int put(struct dynbuf *o, const char *s)
{
	return dynbuf_addstr(o, s);
}

/* @p v in decimal at @p out (room for 20 digits); returns the length.
 * Every answer states its length: no printf on that path. */
static size_t put_dec(char *out, size_t v)
{
	char tmp[24];
	size_t n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* RFC 9110 §8.6: no Content-Length in 1xx/204/304; a request states one
 * only when it has a body, except the methods that always carry content
 * (some servers answer a POST without it with 411). */
static int wants_length(const struct wire_msg *m)
{
	if (m->is_response)
		return !((m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304);
	if (m->body_len)
		return 1;
	return !strcasecmp(m->method, "POST") || !strcasecmp(m->method, "PUT") || !strcasecmp(m->method, "PATCH");
}

int wire_serialize_to(const struct wire_msg *m, int with_body, struct dynbuf *out)
{
	char line[64];
	int rc;
	size_t start = out->len;
	int minor = m->minor >= 0 && m->minor <= 9 ? m->minor : 1;

	if (m->is_response) {
		if (m->status < 100 || m->status > 999)
			return EMU_EINVAL;
		const char *reason = m->reason ? m->reason : wire_status_text(m->status);
		memcpy(line, "HTTP/1.x ", 9);
		line[7] = (char)('0' + minor);
		size_t n = 9 + put_dec(line + 9, (size_t)m->status);
		line[n++] = ' ';
		if ((rc = dynbuf_add(out, line, n)) || (rc = put(out, reason)) || (rc = put(out, "\r\n")))
			return rc;
	} else {
		if (!m->method || !*m->method || !m->target || !*m->target)
			return EMU_EINVAL;
		snprintf(line, sizeof line, " HTTP/1.%d\r\n", minor);
		if ((rc = put(out, m->method)) || (rc = put(out, " ")) || (rc = put(out, m->target)) ||
		    (rc = put(out, line)))
			return rc;
	}
	for (int i = 0; i < m->nheaders && i < WIRE_HEADERS_MAX; i++) {
		const struct wire_header *h = &m->headers[i];
		if (!h->name || !strcasecmp(h->name, "Content-Length") || !strcasecmp(h->name, "Transfer-Encoding"))
			continue;
		if ((rc = put(out, h->name)) || (rc = put(out, ": ")) || (rc = put(out, h->value ? h->value : "")) ||
		    (rc = put(out, "\r\n")))
			return rc;
	}
	if (wants_length(m)) {
		static const char cl[] = "Content-Length: ";
		memcpy(line, cl, sizeof cl - 1);
		size_t n = sizeof cl - 1 + put_dec(line + sizeof cl - 1, m->body_len);
		memcpy(line + n, "\r\n", 2);
		if ((rc = dynbuf_add(out, line, n + 2)))
			return rc;
	}
	if ((rc = put(out, "\r\n")))
		return rc;
	if (out->len - start > SERIAL_HEAD_MAX)
		return EMU_ELIMIT;
	if (with_body && m->body_len && (rc = dynbuf_add(out, m->body, m->body_len)))
		return rc;
	return EMU_OK;
}

int wire_serialize(const struct wire_msg *m, char **out, size_t *outlen)
{
	struct dynbuf b;
	dynbuf_init(&b, SIZE_MAX - 1);
	*out = NULL;
	*outlen = 0;
	int rc = wire_serialize_to(m, 1, &b);
	if (!rc)
		return dynbuf_take(&b, out, outlen);
	dynbuf_free(&b);
	return rc;
}
