/* wire_parse.c - the HTTP/1.1 message parser (RFC 9112): a head scanner that
 * validates without allocating (so it can be re-run cheaply as bytes
 * arrive), an extractor that copies a head into one block, body framing
 * rules, and an incremental chunked decoder.  Every read is bounded by the
 * length given; nothing here relies on a NUL terminator in the input. */
#include "wire/wire_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/hex.h"
#include "core/result.h"

#define CHUNK_LINE_MAX 4096   /* a chunk-size line with its extensions */

/* T: tchar (also a field char), F: field char only; 0 elsewhere (controls,
 * DEL).  0x80-0xff are obs-text: field chars. */
#define T (WIRE_CC_TCHAR | WIRE_CC_FIELD)
#define F WIRE_CC_FIELD
const unsigned char wire_cclass[256] = {
	/* 0x00 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, F, 0, 0, 0, 0, 0, 0,
	/* 0x10 */ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* 0x20  SP !  "  #  $  %  &  '  (  )  *  +  ,  -  .  / */
	           F, T, F, T, T, T, T, T, F, F, T, T, F, T, T, F,
	/* 0x30  0-9 : ; < = > ? */
	           T, T, T, T, T, T, T, T, T, T, F, F, F, F, F, F,
	/* 0x40  @ A-O */
	           F, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T,
	/* 0x50  P-Z [ \ ] ^ _ */
	           T, T, T, T, T, T, T, T, T, T, T, F, F, F, T, T,
	/* 0x60  ` a-o */
	           T, T, T, T, T, T, T, T, T, T, T, T, T, T, T, T,
	/* 0x70  p-z { | } ~ DEL */
	           T, T, T, T, T, T, T, T, T, T, T, F, T, F, T, 0,
	[0x80] = F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
	F, F, F, F, F, F, F, F, F, F, F, F, F, F, F, F,
};
#undef T
#undef F


static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The end of a request target starting at s[i]: the first byte that is
 * not a visible ASCII character (so a blank, or a control byte such as NUL). */
static size_t target_end(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && s[i] >= 0x21 && s[i] != 0x7f)
		i++;
	return i;
}

static int check_request_line(const unsigned char *s, size_t n)
{
	size_t i = 0, t;
	while (i < n && wire_is_tchar(s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ' ')
		return EMU_EINVAL;
	t = ++i;
	i = target_end(s, n, t);
	if (i - t > WIRE_TARGET_MAX)
		return EMU_ELIMIT;
	if (i == t || i >= n || s[i] != ' ')
		return EMU_EINVAL;
	i++;
	if (n - i != 8 || memcmp(s + i, "HTTP/1.", 7) || !is_digit(s[i + 7]))
		return EMU_EINVAL;
	return EMU_OK;
}

/* "HTTP/1.x NNN[ reason]"; a missing reason (no blank) is tolerated. */
static int check_status_line(const unsigned char *s, size_t n)
{
	if (n < 12 || memcmp(s, "HTTP/1.", 7) || !is_digit(s[7]) || s[8] != ' ' || s[9] < '1' || s[9] > '9' ||
	    !is_digit(s[10]) || !is_digit(s[11]))
		return EMU_EINVAL;
	if (n == 12)
		return EMU_OK;
	if (s[12] != ' ')
		return EMU_EINVAL;
	for (size_t i = 13; i < n; i++)
		if (!wire_is_field_char(s[i]))
			return EMU_EINVAL;
	return EMU_OK;
}

/* RFC 9112 §5.1: no whitespace between name and colon; §5.2: obs-fold is
 * rejected by the caller (a line starting with a blank). */
static int check_field_line(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n && wire_is_tchar(s[i]))
		i++;
	if (i == 0 || i >= n || s[i] != ':')
		return EMU_EINVAL;
	for (i++; i < n; i++)
		if (!wire_is_field_char(s[i]))
			return EMU_EINVAL;
	return EMU_OK;
}

/* What can be told from the beginning of a start line not yet complete:
 * rejects e.g. a TLS ClientHello on a plain port, a control byte in the
 * request line or a target over WIRE_TARGET_MAX without waiting for a line
 * end that may never come. */
static int check_partial_start(const unsigned char *s, size_t n, int is_response)
{
	if (is_response) {
		size_t k = n < 7 ? n : 7;
		return memcmp(s, "HTTP/1.", k) ? EMU_EINVAL : EMU_OK;
	}
	size_t i = 0, t, e;
	for (; i < n && s[i] != ' '; i++)
		if (!wire_is_tchar(s[i]))
			return EMU_EINVAL;
	if (i == n)
		return EMU_OK;
	t = i + 1;
	e = target_end(s, n, t);
	if (e - t > WIRE_TARGET_MAX)
		return EMU_ELIMIT;
	if (e == n)
		return EMU_OK;
	if (i == 0 || e == t || s[e] != ' ')
		return EMU_EINVAL;
	size_t k = n - e - 1 < 7 ? n - e - 1 : 7;
	if (memcmp(s + e + 1, "HTTP/1.", k) || (n - e - 1 > 7 && (n - e - 1 > 8 || !is_digit(s[e + 8]))))
		return EMU_EINVAL;
	return EMU_OK;
}

int wire_head_scan(const unsigned char *b, size_t len, int is_response, size_t *head_len)
{
	size_t lim = len < WIRE_HEAD_MAX ? len : WIRE_HEAD_MAX, pos = 0;
	int line = 0, nfields = 0, rc;

	/* RFC 9112 §2.2: a server ignores empty lines before the request-line */
	while (!is_response && pos < lim && b[pos] == '\r') {
		if (pos + 1 >= lim)
			goto incomplete;
		if (b[pos + 1] != '\n')
			return EMU_EINVAL;
		pos += 2;
	}
	for (;;) {
		size_t start = pos, e = pos;
		while (e < lim && b[e] != '\r' && b[e] != '\n')
			e++;
		if (e >= lim) {
			if (line == 0 && (rc = check_partial_start(b + start, e - start, is_response)))
				return rc;
			if (line > 0 && e > start && (b[start] == ' ' || b[start] == '\t'))
				return EMU_EINVAL;
			goto incomplete;
		}
		if (b[e] == '\n')
			return EMU_EINVAL;   /* bare LF: strict, it is a smuggling vector */
		if (e + 1 >= lim)
			goto incomplete;
		if (b[e + 1] != '\n')
			return EMU_EINVAL;
		if (line == 0) {
			rc = is_response ? check_status_line(b + start, e - start) : check_request_line(b + start, e - start);
			if (rc)
				return rc;
		} else if (e == start) {
			*head_len = e + 2;
			return EMU_OK;
		} else {
			if (b[start] == ' ' || b[start] == '\t')
				return EMU_EINVAL;   /* obs-fold */
			if ((rc = check_field_line(b + start, e - start)))
				return rc;
			if (++nfields > WIRE_HEADERS_MAX)
				return EMU_ELIMIT;
		}
		line++;
		pos = e + 2;
	}
incomplete:
	return len >= WIRE_HEAD_MAX ? EMU_ELIMIT : 1;
}

int wire_head_status(const unsigned char *b, size_t len, int rc)
{
	size_t i = 0;
	if (rc != EMU_ELIMIT)
		return 400;
	while (i + 1 < len && b[i] == '\r' && b[i + 1] == '\n')
		i += 2;
	while (i < len && b[i] != ' ' && b[i] != '\r')
		i++;
	if (i < len && b[i] == ' ' && target_end(b, len, i + 1) - (i + 1) > WIRE_TARGET_MAX)
		return 414;
	return 431;
}

int wire_head_extract(const unsigned char *b, size_t head_len, int is_response, struct wire_msg *m)
{
	char *blk = malloc(head_len + 1), *p, *eol;
	if (!blk)
		return EMU_ENOMEM;
	memcpy(blk, b, head_len);
	blk[head_len] = 0;
	m->strings = blk;
	m->strings_len = head_len + 1;
	m->is_response = is_response;
	p = blk;
	while (*p == '\r')
		p += 2;
	/* the scan guarantees one CR per line, right before its LF */
	eol = strchr(p, '\r');
	*eol = 0;
	if (is_response) {
		m->minor = p[7] - '0';
		m->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
		m->reason = p[12] ? p + 13 : p + 12;
	} else {
		char *sp = strchr(p, ' ');
		*sp = 0;
		m->method = p;
		m->target = sp + 1;
		sp = strchr(m->target, ' ');
		*sp = 0;
		m->minor = sp[8] - '0';
	}
	p = eol + 2;
	while (*p != '\r') {
		eol = strchr(p, '\r');
		*eol = 0;
		char *colon = strchr(p, ':'), *v = colon + 1, *end = eol;
		*colon = 0;
		while (*v == ' ' || *v == '\t')
			v++;
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		*end = 0;
		m->headers[m->nheaders].name = p;
		m->headers[m->nheaders].value = v;
		m->nheaders++;
		p = eol + 2;
	}
	return EMU_OK;
}

/* One Content-Length field value: 1#DIGIT, every element equal (RFC 9110
 * §8.6).  *v saturates at SIZE_MAX. */
static int parse_length_list(const char *s, int *have, size_t *v)
{
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!is_digit((unsigned char)*s))
			return EMU_EINVAL;
		size_t n = 0;
		for (; is_digit((unsigned char)*s); s++) {
			unsigned d = (unsigned)(*s - '0');
			n = n > (SIZE_MAX - d) / 10 ? SIZE_MAX : n * 10 + d;
		}
		while (*s == ' ' || *s == '\t')
			s++;
		if (*have && n != *v)
			return EMU_EINVAL;
		*have = 1;
		*v = n;
		if (!*s)
			return EMU_OK;
		if (*s++ != ',')
			return EMU_EINVAL;
	}
}

/* The codings listed in Transfer-Encoding fields: the last one, and
 * whether "chunked" is the only one. */
static void scan_codings(const char *s, int *chunked_last, int *chunked_only, int *count)
{
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		size_t n = strcspn(s, ","), k = n;
		while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		int is_chunked = k == 7 && !strncasecmp(s, "chunked", 7);
		*chunked_last = is_chunked;
		if (!is_chunked || *count > 0)
			*chunked_only = 0;
		(*count)++;
		s += n;
	}
}

int wire_body_framing(const struct wire_msg *m, const char *req_method, enum wire_framing *kind, size_t *clen)
{
	int have_cl = 0, have_te = 0, chunked_last = 0, chunked_only = 1, ncodings = 0;
	size_t cl = 0;

	*kind = WIRE_BODY_NONE;
	*clen = 0;
	if (m->is_response && ((m->status >= 100 && m->status < 200) || m->status == 204 || m->status == 304 ||
	                       (req_method && !strcasecmp(req_method, "HEAD"))))
		return EMU_OK;
	for (int i = 0; i < m->nheaders; i++) {
		const char *n = m->headers[i].name, *v = m->headers[i].value ? m->headers[i].value : "";
		if (!n)
			continue;
		if (!strcasecmp(n, "Content-Length")) {
			if (parse_length_list(v, &have_cl, &cl))
				return EMU_EINVAL;
		} else if (!strcasecmp(n, "Transfer-Encoding")) {
			have_te = 1;
			scan_codings(v, &chunked_last, &chunked_only, &ncodings);
		}
	}
	if (have_te) {
		/* RFC 9112 §6.1/§6.3: a request with both, or with codings we
		 * cannot frame, is rejected rather than guessed at */
		if (!m->is_response) {
			if (have_cl || ncodings == 0 || !chunked_only)
				return EMU_EINVAL;
			*kind = WIRE_BODY_CHUNKED;
		} else {
			*kind = chunked_last ? WIRE_BODY_CHUNKED : WIRE_BODY_EOF;
		}
		return EMU_OK;
	}
	if (have_cl) {
		*kind = cl ? WIRE_BODY_LENGTH : WIRE_BODY_NONE;
		*clen = cl;
		return EMU_OK;
	}
	*kind = m->is_response ? WIRE_BODY_EOF : WIRE_BODY_NONE;
	return EMU_OK;
}

/* ---- chunked transfer coding ---- */

enum {
	CH_SIZE0,        /* first hex digit of a chunk size */
	CH_SIZE,         /* more hex digits */
	CH_EXT,          /* chunk extensions, up to CR */
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER,      /* start of a trailer line, or the final CRLF */
	CH_TRAILER_LINE,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_DONE
};

void wire_chunked_init(struct wire_chunked *d)
{
	memset(d, 0, sizeof *d);
	d->state = CH_SIZE0;
}

int wire_chunked_feed(struct wire_chunked *d, const unsigned char *in, size_t len, size_t *used,
                      struct dynbuf *body, size_t body_max)
{
	size_t i = 0;
	int rc = 0;

	while (i < len && rc == 0) {
		unsigned char c = in[i];
		switch (d->state) {
		case CH_SIZE0:
		case CH_SIZE: {
			int v = hex_digit_value(c);
			if (v >= 0) {
				if (d->size > (SIZE_MAX >> 4))
					return EMU_EINVAL;   /* chunk-size overflow */
				d->size = d->size * 16 + (size_t)v;
				d->state = CH_SIZE;
				if (++d->linelen > CHUNK_LINE_MAX)
					return EMU_ELIMIT;
				i++;
			} else if (d->state == CH_SIZE0) {
				return EMU_EINVAL;
			} else if (c == '\r') {
				d->state = CH_SIZE_LF;
				i++;
			} else if (c == ';' || c == ' ' || c == '\t') {
				d->state = CH_EXT;
			} else {
				return EMU_EINVAL;
			}
			break;
		}
		case CH_EXT:
			if (c == '\r') {
				d->state = CH_SIZE_LF;
			} else if ((c < 0x20 && c != '\t') || c == 0x7f) {
				return EMU_EINVAL;
			} else if (++d->linelen > CHUNK_LINE_MAX) {
				return EMU_ELIMIT;
			}
			i++;
			break;
		case CH_SIZE_LF:
			if (c != '\n')
				return EMU_EINVAL;
			i++;
			d->linelen = 0;
			if (d->size == 0) {
				d->state = CH_TRAILER;
				break;
			}
			if (d->size > body_max - body->len)
				return EMU_ELIMIT;
			if ((rc = dynbuf_reserve(body, d->size)))
				return rc;
			d->remaining = d->size;
			d->state = CH_DATA;
			break;
		case CH_DATA: {
			size_t n = len - i < d->remaining ? len - i : d->remaining;
			memcpy(body->p + body->len, in + i, n);
			dynbuf_added(body, n);
			d->remaining -= n;
			i += n;
			if (d->remaining == 0)
				d->state = CH_DATA_CR;
			break;
		}
		case CH_DATA_CR:
			if (c != '\r')
				return EMU_EINVAL;
			d->state = CH_DATA_LF;
			i++;
			break;
		case CH_DATA_LF:
			if (c != '\n')
				return EMU_EINVAL;
			d->state = CH_SIZE0;
			d->size = 0;
			i++;
			break;
		case CH_TRAILER:
			if (c == '\r') {
				d->state = CH_END_LF;
				i++;
			} else {
				d->state = CH_TRAILER_LINE;
			}
			break;
		case CH_TRAILER_LINE:
			if (c == '\r')
				d->state = CH_TRAILER_LF;
			else if (c == '\n')
				return EMU_EINVAL;
			else if (++d->trailer_len > WIRE_HEAD_MAX)
				return EMU_ELIMIT;
			i++;
			break;
		case CH_TRAILER_LF:
			if (c != '\n')
				return EMU_EINVAL;
			d->state = CH_TRAILER;
			i++;
			break;
		case CH_END_LF:
			if (c != '\n')
				return EMU_EINVAL;
			d->state = CH_DONE;
			i++;
			rc = 1;
			break;
		default:
			rc = 1;
			break;
		}
	}
	*used = i;
	return rc;
}

/* ---- one-shot parsing of a buffer ---- */

static int parse(const unsigned char *b, size_t len, int is_response, const char *req_method, size_t body_max,
                 int at_eof, struct wire_msg *m, size_t *consumed)
{
	size_t hl, clen, used;
	enum wire_framing kind;
	struct dynbuf body;
	struct wire_chunked ch;
	int rc;

	wire_msg_init(m);
	*consumed = 0;
	body_max = wire_body_limit(body_max);
	dynbuf_init(&body, body_max);
	if ((rc = wire_head_scan(b, len, is_response, &hl)))
		return rc;
	if ((rc = wire_head_extract(b, hl, is_response, m)) || (rc = wire_body_framing(m, req_method, &kind, &clen)))
		goto out;
	switch (kind) {
	case WIRE_BODY_NONE:
		*consumed = hl;
		break;
	case WIRE_BODY_LENGTH:
		if (clen > body_max) {
			rc = EMU_ELIMIT;
		} else if (len - hl < clen) {
			rc = 1;
		} else if (!(rc = dynbuf_add(&body, b + hl, clen))) {
			rc = wire_msg_take_body(m, &body);
			*consumed = hl + clen;
		}
		break;
	case WIRE_BODY_CHUNKED:
		wire_chunked_init(&ch);
		rc = wire_chunked_feed(&ch, b + hl, len - hl, &used, &body, body_max);
		if (rc == 1) {
			rc = wire_msg_take_body(m, &body);
			*consumed = hl + used;
		} else if (rc == 0) {
			rc = 1;
		}
		break;
	case WIRE_BODY_EOF:
		if (!at_eof) {
			rc = 1;
		} else if (len - hl > body_max) {
			rc = EMU_ELIMIT;
		} else if (!(rc = dynbuf_add(&body, b + hl, len - hl))) {
			rc = wire_msg_take_body(m, &body);
			*consumed = len;
		}
		break;
	}
out:
	dynbuf_free(&body);
	if (rc) {
		wire_msg_free(m);
		*consumed = 0;
	}
	return rc;
}

int wire_parse(const void *buf, size_t len, int is_response, const char *req_method, size_t body_max,
               struct wire_msg *m, size_t *consumed)
{
	return parse(buf, len, is_response, req_method, body_max, 0, m, consumed);
}

int wire_parse_final(const void *buf, size_t len, int is_response, const char *req_method, size_t body_max,
                     struct wire_msg *m, size_t *consumed)
{
	return parse(buf, len, is_response, req_method, body_max, 1, m, consumed);
}
