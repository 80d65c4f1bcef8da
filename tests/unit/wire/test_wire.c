/* test_wire.c - wire/ messages without sockets: parsing (heads, framing,
 * chunked decoding, limits, every truncation of valid input, malformed
 * input), serialising, header fields, URLs.  Inputs are copied into
 * buffers of their exact length so ASan catches any read past the end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/result.h"
#include "wire/wire.h"
#include "wire/wire_int.h"

#define LIT(s) s, sizeof(s) - 1

static int parse_n(const char *s, size_t n, int is_response, const char *method, size_t body_max,
                   struct wire_msg *m, size_t *consumed)
{
	unsigned char *copy = malloc(n ? n : 1);
	assert_non_null(copy);
	memcpy(copy, s, n);
	int rc = wire_parse(copy, n, is_response, method, body_max, m, consumed);
	free(copy);
	return rc;
}

static int parse_s(const char *s, int is_response, struct wire_msg *m, size_t *consumed)
{
	return parse_n(s, strlen(s), is_response, NULL, 0, m, consumed);
}

/* ---- parsing ---- */

static void test_parse_request(void **state)
{
	static const char in[] = "GET /EWS/Exchange.asmx?x=1 HTTP/1.1\r\nHost: mail.example.com\r\nX-Empty:\r\n"
	                         "X-Spaces:   padded value \t\r\n\r\nNEXT";
	struct wire_msg m;
	size_t used;
	assert_int_equal(parse_n(LIT(in), 0, NULL, 0, &m, &used), EMU_OK);
	assert_int_equal(used, sizeof in - 1 - 4);
	assert_false(m.is_response);
	assert_string_equal(m.method, "GET");
	assert_string_equal(m.target, "/EWS/Exchange.asmx?x=1");
	assert_int_equal(m.minor, 1);
	assert_int_equal(m.nheaders, 3);
	assert_string_equal(wire_msg_header(&m, "host"), "mail.example.com");
	assert_string_equal(wire_msg_header(&m, "X-EMPTY"), "");
	assert_string_equal(wire_msg_header(&m, "x-spaces"), "padded value");
	assert_null(wire_msg_header(&m, "Content-Length"));
	assert_null(m.body);
	assert_int_equal(m.body_len, 0);
	wire_msg_free(&m);
	assert_null(m.method);
	assert_int_equal(m.nheaders, 0);

	/* empty lines before a request line are skipped (RFC 9112 §2.2) */
	assert_int_equal(parse_s("\r\n\r\nPOST /p HTTP/1.0\r\n\r\n", 0, &m, &used), EMU_OK);
	assert_string_equal(m.method, "POST");
	assert_int_equal(m.minor, 0);
	assert_null(m.body);   /* no Content-Length, no chunking: no body */
	assert_int_equal(used, 24);
	wire_msg_free(&m);
}

static void test_parse_response(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/xml\r\n\r\n"
	                         "helloHTTP/1.1 204 No Content\r\n\r\n";
	struct wire_msg m;
	size_t used;
	assert_int_equal(parse_n(LIT(in), 1, "POST", 0, &m, &used), EMU_OK);
	assert_true(m.is_response);
	assert_int_equal(m.status, 200);
	assert_string_equal(m.reason, "OK");
	assert_int_equal(m.body_len, 5);
	assert_memory_equal(m.body, "hello", 5);
	assert_int_equal(m.body[5], 0);
	size_t first = used;
	wire_msg_free(&m);
	/* the next message follows */
	assert_int_equal(parse_n(in + first, sizeof in - 1 - first, 1, "GET", 0, &m, &used), EMU_OK);
	assert_int_equal(m.status, 204);
	assert_int_equal(first + used, sizeof in - 1);
	wire_msg_free(&m);

	/* no reason phrase; HTTP/1.0; a multi-word reason */
	assert_int_equal(parse_s("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n", 1, &m, &used), EMU_OK);
	assert_int_equal(m.status, 404);
	assert_string_equal(m.reason, "");
	wire_msg_free(&m);
	assert_int_equal(parse_s("HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n", 1, &m, &used),
	                 EMU_OK);
	assert_int_equal(m.minor, 0);
	assert_string_equal(m.reason, "Internal Server Error");
	wire_msg_free(&m);
}

static void test_parse_chunked(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	                         "4\r\nWiki\r\n5;name=val\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n"
	                         "0\r\nExpires: never\r\nX-Other: 1\r\n\r\nGARBAGE";
	struct wire_msg m;
	size_t used;
	assert_int_equal(parse_n(LIT(in), 1, "GET", 0, &m, &used), EMU_OK);
	assert_int_equal(used, sizeof in - 1 - 7);
	assert_int_equal(m.body_len, 23);
	assert_string_equal((char *)m.body, "Wikipedia in\r\n\r\nchunks.");
	wire_msg_free(&m);

	/* a request; upper-case hex, leading zeros, blank before an extension */
	static const char req[] = "POST /x HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
	                          "000A ;ext\r\n0123456789\r\n1\r\n!\r\n0\r\n\r\n";
	assert_int_equal(parse_n(LIT(req), 0, NULL, 0, &m, &used), EMU_OK);
	assert_int_equal(used, sizeof req - 1);
	assert_string_equal((char *)m.body, "0123456789!");
	wire_msg_free(&m);

	/* only the last chunk: an empty body */
	assert_int_equal(parse_s("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, &m, &used),
	                 EMU_OK);
	assert_null(m.body);
	assert_int_equal(m.body_len, 0);
	wire_msg_free(&m);
}

static void test_parse_bodiless(void **state)
{
	struct wire_msg m;
	size_t used;
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
	assert_int_equal(parse_n(LIT(head), 1, "HEAD", 0, &m, &used), EMU_OK);
	assert_int_equal(used, sizeof head - 1);
	assert_null(m.body);
	assert_string_equal(wire_msg_header(&m, "Content-Length"), "100");
	wire_msg_free(&m);
	/* without HEAD the same head waits for 100 bytes */
	assert_int_equal(parse_n(LIT(head), 1, "GET", 0, &m, &used), 1);

	static const char nm[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n";
	assert_int_equal(parse_n(LIT(nm), 1, "GET", 0, &m, &used), EMU_OK);
	assert_null(m.body);
	wire_msg_free(&m);
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n";
	assert_int_equal(parse_n(LIT(cont), 1, "POST", 0, &m, &used), EMU_OK);
	assert_int_equal(m.status, 100);
	assert_int_equal(used, 25);
	wire_msg_free(&m);
	static const char nc[] = "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(parse_n(LIT(nc), 1, "DELETE", 0, &m, &used), EMU_OK);
	wire_msg_free(&m);
}

static void test_parse_until_close(void **state)
{
	static const char in[] = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nabc";
	struct wire_msg m;
	size_t used;
	unsigned char copy[sizeof in - 1];
	memcpy(copy, in, sizeof copy);
	assert_int_equal(wire_parse(copy, sizeof copy, 1, "GET", 0, &m, &used), 1);
	assert_int_equal(wire_parse_final(copy, sizeof copy, 1, "GET", 0, &m, &used), EMU_OK);
	assert_int_equal(used, sizeof copy);
	assert_string_equal((char *)m.body, "abc");
	wire_msg_free(&m);
	/* a coding other than chunked last: delimited by the close too */
	static const char gz[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxyz";
	assert_int_equal(parse_n(LIT(gz), 1, "GET", 0, &m, &used), 1);
	assert_int_equal(wire_parse_final(gz, sizeof gz - 1, 1, "GET", 0, &m, &used), EMU_OK);
	assert_int_equal(m.body_len, 3);
	wire_msg_free(&m);
	/* body_max applies */
	assert_int_equal(wire_parse_final(copy, sizeof copy, 1, "GET", 2, &m, &used), EMU_ELIMIT);
	/* final parsing of a framed message is the same as wire_parse */
	assert_int_equal(wire_parse_final(LIT("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab"), 1, "GET", 0, &m, &used),
	                 1);
}

/* Every proper prefix of a valid message is "incomplete", never an error. */
static void test_truncated_prefixes(void **state)
{
	static const struct {
		const char *s;
		int is_response;
		const char *method;
	} cases[] = {
		{ "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: h\r\nContent-Type: text/xml; charset=utf-8\r\n"
		  "Content-Length: 10\r\n\r\n<a>body</a", 0, NULL },
		{ "\r\nPUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n10\r\n0123456789abcdef\r\n"
		  "0\r\nT: 1\r\n\r\n", 0, NULL },
		{ "GET /s/GetUserPhoto?email=a@b&size=HR48x48 HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n", 0, NULL },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 1, "POST" },
		{ "HTTP/1.1 200\r\nContent-Length: 3\r\n\r\nabc", 1, "GET" },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", 1, "HEAD" },
		{ "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n", 1, "GET" },
		{ "HTTP/1.0 204 No Content\r\n\r\n", 1, "GET" },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		size_t len = strlen(cases[k].s), used;
		struct wire_msg m;
		for (size_t n = 0; n < len; n++) {
			int rc = parse_n(cases[k].s, n, cases[k].is_response, cases[k].method, 0, &m, &used);
			if (rc != 1)
				fail_msg("case %zu, prefix %zu of %zu: rc %d", k, n, len, rc);
			assert_null(m.method);   /* left empty */
			assert_null(m.body);
		}
		assert_int_equal(parse_n(cases[k].s, len, cases[k].is_response, cases[k].method, 0, &m, &used), EMU_OK);
		assert_int_equal(used, len);
		wire_msg_free(&m);
	}
}

static void test_malformed(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		int is_response;
	} cases[] = {
		{ LIT("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"), 0 },     /* obs-fold */
		{ LIT("GET / HTTP/1.1\r\nHost: a\r\n\tfol"), 0 },               /* obs-fold, seen early */
		{ LIT("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 0 },               /* blank before colon */
		{ LIT("GET / HTTP/1.1\r\nBad[Name]: a\r\n\r\n"), 0 },
		{ LIT("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 0 },
		{ LIT("GET / HTTP/1.1\r\n: novalue\r\n\r\n"), 0 },
		{ LIT("GET / HTTP/1.1\nHost: a\n\n"), 0 },                      /* bare LF */
		{ LIT("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n"), 0 },             /* lone CR */
		{ LIT("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n"), 0 },                /* NUL in a value */
		{ LIT("GET / HTTP/1.1\r\nX: a\x01\r\n\r\n"), 0 },
		{ LIT("GET / HTTP/2.0\r\n\r\n"), 0 },
		{ LIT("GET / HTTP/1.1 \r\n\r\n"), 0 },
		{ LIT("GET /  HTTP/1.1\r\n\r\n"), 0 },
		{ LIT("GET HTTP/1.1\r\n\r\n"), 0 },
		{ LIT("G(T / HTTP/1.1\r\n\r\n"), 0 },
		{ LIT("GET /a b HTTP/1.1\r\n\r\n"), 0 },
		{ LIT("\x16\x03\x01\x02\x00\x01\x00"), 0 },                     /* TLS ClientHello, incomplete */
		{ LIT("\r\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length: 12a\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length: 3, 4\r\n\r\nabcd"), 0 },
		{ LIT("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n;x\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1FFFFFFFFFFFFFFFF\r\n"), 0 },   /* overflow */
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n"), 0 },
		{ LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\n"), 0 },
		{ LIT("HTTP/1.1 20x OK\r\n\r\n"), 1 },
		{ LIT("HTTP/1.1 099 X\r\n\r\n"), 1 },
		{ LIT("HTTP/1.1 200OK\r\n\r\n"), 1 },
		{ LIT("HTTP/1.1  200 OK\r\n\r\n"), 1 },
		{ LIT("XTTP/1.1 200 OK\r\n\r\n"), 1 },
		{ LIT("SSH-2.0"), 1 },                                           /* not HTTP, incomplete */
		{ LIT("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"), 1 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		struct wire_msg m;
		size_t used = 99;
		int rc = parse_n(cases[k].s, cases[k].len, cases[k].is_response, "GET", 0, &m, &used);
		if (rc != EMU_EINVAL)
			fail_msg("case %zu: rc %d, expected EMU_EINVAL", k, rc);
		assert_int_equal(used, 0);
		assert_null(m.strings);
	}
}

/* Random byte mutations of valid messages: the parser answers with one of
 * its codes and never reads or writes out of bounds (ASan watches). */
static void test_fuzz_mutations(void **state)
{
	static const char *seeds[] = {
		"POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
		"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e\r\nabc\r\n0\r\nT: v\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\n\r\n",
	};
	static const char alphabet[] = "\r\n :;0123456789abcdefABCDEF\t\x00\x80\xff-chunked";
	uint32_t x = 12345;
	for (int iter = 0; iter < 20000; iter++) {
		const char *seed = seeds[iter % 4];
		size_t len = strlen(seed), used;
		char buf[256];
		memcpy(buf, seed, len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			x = x * 1103515245u + 12345u;
			size_t at = (x >> 8) % len;
			buf[at] = alphabet[(x >> 20) % (sizeof alphabet - 1)];
		}
		x = x * 1103515245u + 12345u;
		size_t n = iter % 3 ? len : (x >> 8) % (len + 1);
		struct wire_msg m;
		int rc = parse_n(buf, n, iter % 4 >= 2, "GET", 64, &m, &used);
		if (rc != EMU_OK && rc != 1 && rc != EMU_EINVAL && rc != EMU_ELIMIT)
			fail_msg("iteration %d: rc %d", iter, rc);
		if (rc == EMU_OK) {
			assert_true(used <= n);
			assert_true(m.body_len <= 64);
			assert_true(m.body == NULL || m.body[m.body_len] == 0);
			wire_msg_free(&m);
		}
	}
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *s = malloc(hl + n + tl + 1);
	assert_non_null(s);
	memcpy(s, head, hl);
	memset(s + hl, c, n);
	memcpy(s + hl + n, tail, tl + 1);
	return s;
}

static void test_limits(void **state)
{
	struct wire_msg m;
	size_t used;
	/* a head over WIRE_HEAD_MAX, ended or not */
	char *s = repeat("GET / HTTP/1.1\r\nX: ", 'a', WIRE_HEAD_MAX, "");
	assert_int_equal(parse_s(s, 0, &m, &used), EMU_ELIMIT);
	free(s);
	s = repeat("GET / HTTP/1.1\r\nX: ", 'a', WIRE_HEAD_MAX, "\r\n\r\n");
	assert_int_equal(parse_s(s, 0, &m, &used), EMU_ELIMIT);
	free(s);
	/* exactly WIRE_HEAD_MAX is fine */
	size_t fixed = strlen("GET / HTTP/1.1\r\nX: ") + 4;
	s = repeat("GET / HTTP/1.1\r\nX: ", 'a', WIRE_HEAD_MAX - fixed, "\r\n\r\n");
	assert_int_equal(strlen(s), WIRE_HEAD_MAX);
	assert_int_equal(parse_s(s, 0, &m, &used), EMU_OK);
	assert_int_equal(used, WIRE_HEAD_MAX);
	wire_msg_free(&m);
	free(s);

	/* WIRE_HEADERS_MAX fields, then one more */
	char *big = malloc(WIRE_HEADERS_MAX * 16 + 64);
	assert_non_null(big);
	for (int extra = 0; extra <= 1; extra++) {
		size_t n = (size_t)snprintf(big, 64, "GET / HTTP/1.1\r\n");
		for (int i = 0; i < WIRE_HEADERS_MAX + extra; i++)
			n += (size_t)snprintf(big + n, 16, "H%d: v\r\n", i);
		memcpy(big + n, "\r\n", 3);
		int rc = parse_s(big, 0, &m, &used);
		assert_int_equal(rc, extra ? EMU_ELIMIT : EMU_OK);
		if (!rc) {
			assert_int_equal(m.nheaders, WIRE_HEADERS_MAX);
			assert_string_equal(m.headers[WIRE_HEADERS_MAX - 1].name, "H127");
			wire_msg_free(&m);
		}
	}
	free(big);

	/* a declared body over body_max is refused before it arrives */
	assert_int_equal(parse_n(LIT("POST / HTTP/1.1\r\nContent-Length: 2000\r\n\r\n"), 0, NULL, 1000, &m, &used),
	                 EMU_ELIMIT);
	assert_int_equal(parse_n(LIT("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n"), 0,
	                         NULL, 0, &m, &used),
	                 EMU_ELIMIT);
	assert_int_equal(parse_n(LIT("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd"), 0, NULL, 4, &m, &used),
	                 EMU_OK);
	wire_msg_free(&m);
	/* chunked: one chunk too big (refused on its size line), or the sum */
	assert_int_equal(parse_n(LIT("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e9\r\n"), 0, NULL, 1000,
	                         &m, &used),
	                 EMU_ELIMIT);
	s = repeat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n", 'x', 600, "\r\n258\r\n");
	assert_int_equal(parse_s(s, 0, &m, &used), 1);   /* fine so far with the default limit */
	assert_int_equal(parse_n(s, strlen(s), 0, NULL, 1000, &m, &used), EMU_ELIMIT);
	free(s);
	s = repeat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n", 'x', 1000, "\r\n0\r\n\r\n");
	assert_int_equal(parse_n(s, strlen(s), 0, NULL, 1000, &m, &used), EMU_OK);
	assert_int_equal(m.body_len, 1000);
	wire_msg_free(&m);
	free(s);
	/* a chunk extension line without end */
	s = repeat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1;", 'e', 5000, "");
	assert_int_equal(parse_s(s, 0, &m, &used), EMU_ELIMIT);
	free(s);
	/* endless trailers */
	s = repeat("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: ", 't', WIRE_HEAD_MAX + 10, "");
	assert_int_equal(parse_s(s, 0, &m, &used), EMU_ELIMIT);
	free(s);
}

/* The request line: a target at WIRE_TARGET_MAX and one above, and what a
 * start line not yet complete already gives away (a server answers it
 * without waiting for a line end that may never come). */
static void test_request_line(void **state)
{
	struct wire_msg m;
	size_t used;
	for (size_t extra = 0; extra <= 1; extra++) {
		char *s = repeat("GET /", 'p', WIRE_TARGET_MAX - 1 + extra, " HTTP/1.1\r\nHost: a\r\n\r\n");
		int rc = parse_s(s, 0, &m, &used);
		assert_int_equal(rc, extra ? EMU_ELIMIT : EMU_OK);
		if (!rc) {
			assert_int_equal(strlen(m.target), WIRE_TARGET_MAX);
			wire_msg_free(&m);
		} else {
			assert_int_equal(wire_head_status((unsigned char *)s, strlen(s), rc), 414);
		}
		free(s);
		/* the same target with no line end yet */
		s = repeat("GET /", 'p', WIRE_TARGET_MAX - 1 + extra, "");
		assert_int_equal(parse_s(s, 0, &m, &used), extra ? EMU_ELIMIT : 1);
		if (extra)
			assert_int_equal(wire_head_status((unsigned char *)s, strlen(s), EMU_ELIMIT), 414);
		free(s);
	}
	/* a long header is 431, a malformed head 400 */
	char *s = repeat("GET / HTTP/1.1\r\nX: ", 'a', WIRE_HEAD_MAX, "");
	assert_int_equal(wire_head_status((unsigned char *)s, strlen(s), EMU_ELIMIT), 431);
	assert_int_equal(wire_head_status((unsigned char *)s, strlen(s), EMU_EINVAL), 400);
	free(s);
	assert_int_equal(wire_head_status((const unsigned char *)"\r\nGET", 5, EMU_ELIMIT), 431);

	static const struct {
		const char *s;
		size_t len;
		int rc;
	} partial[] = {
		{ LIT("GET /\0"), EMU_EINVAL },              /* NUL ends the target */
		{ LIT("GET /a\x01b"), EMU_EINVAL },
		{ LIT("GET /a\x7f"), EMU_EINVAL },
		{ LIT("GET /a\tb"), EMU_EINVAL },
		{ LIT("GET  /"), EMU_EINVAL },                /* empty target */
		{ LIT(" / HTTP/1.1"), EMU_EINVAL },           /* empty method */
		{ LIT("GET / HTTP/1.1\0"), EMU_EINVAL },
		{ LIT("GET / HTTP/1.1 "), EMU_EINVAL },
		{ LIT("GET / HTTP/2"), EMU_EINVAL },
		{ LIT("GET / XTTP"), EMU_EINVAL },
		{ LIT("GET / HTTP/1.x"), EMU_EINVAL },
		{ LIT("GET / HTTP/1.1"), 1 },
		{ LIT("GET / HTTP/1."), 1 },
		{ LIT("GET / H"), 1 },
		{ LIT("GET / "), 1 },
		{ LIT("GET /a?b=c"), 1 },
		{ LIT("GET"), 1 },
	};
	for (size_t k = 0; k < sizeof partial / sizeof partial[0]; k++) {
		int rc = parse_n(partial[k].s, partial[k].len, 0, NULL, 0, &m, &used);
		if (rc != partial[k].rc)
			fail_msg("partial case %zu: rc %d, expected %d", k, rc, partial[k].rc);
	}
	/* the same bytes in a complete line */
	assert_int_equal(parse_s("GET /\x01 HTTP/1.1\r\n\r\n", 0, &m, &used), EMU_EINVAL);
	assert_int_equal(parse_n(LIT("GET /a\0b HTTP/1.1\r\n\r\n"), 0, NULL, 0, &m, &used), EMU_EINVAL);
}

/* ---- serialising ---- */

static void test_serialize(void **state)
{
	struct wire_msg m, p;
	char *out;
	size_t n, used;
	wire_msg_init(&m);
	assert_int_equal(wire_msg_request(&m, "POST", "/EWS/Exchange.asmx"), EMU_OK);
	assert_int_equal(wire_msg_set_header(&m, "Host", "mail.example.com"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "Content-Length", "999"), EMU_OK);
	assert_int_equal(wire_msg_set_header(&m, "Content-Type", "text/xml"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "Transfer-Encoding", "chunked"), EMU_OK);
	assert_int_equal(wire_msg_set_body(&m, "<x/>", 4), EMU_OK);
	assert_int_equal(wire_serialize(&m, &out, &n), EMU_OK);
	static const char want[] = "POST /EWS/Exchange.asmx HTTP/1.1\r\nHost: mail.example.com\r\n"
	                           "Content-Type: text/xml\r\nContent-Length: 4\r\n\r\n<x/>";
	assert_int_equal(n, sizeof want - 1);
	assert_string_equal(out, want);
	/* and back */
	assert_int_equal(parse_n(out, n, 0, NULL, 0, &p, &used), EMU_OK);
	assert_int_equal(used, n);
	assert_string_equal(p.method, "POST");
	assert_string_equal(p.target, "/EWS/Exchange.asmx");
	assert_string_equal(wire_msg_header(&p, "Content-Length"), "4");
	assert_null(wire_msg_header(&p, "Transfer-Encoding"));
	assert_int_equal(p.body_len, 4);
	assert_memory_equal(p.body, "<x/>", 4);
	free(out);
	wire_msg_free(&p);

	/* an empty POST states its length; a GET without body does not */
	assert_int_equal(wire_msg_set_body(&m, NULL, 0), EMU_OK);
	assert_int_equal(wire_serialize(&m, &out, &n), EMU_OK);
	assert_non_null(strstr(out, "\r\nContent-Length: 0\r\n\r\n"));
	free(out);
	assert_int_equal(wire_msg_request(&m, "GET", "/s/GetUserPhoto?email=a@b"), EMU_OK);
	assert_int_equal(wire_serialize(&m, &out, &n), EMU_OK);
	assert_null(strstr(out, "Content-Length"));
	assert_int_equal(strncmp(out, "GET /s/GetUserPhoto?email=a@b HTTP/1.1\r\n", 40), 0);
	free(out);
	wire_msg_free(&m);

	/* responses: 200 always has a length, 204/304/1xx never */
	static const struct { int status; int has_len; } rs[] = { { 200, 1 }, { 404, 1 }, { 204, 0 }, { 304, 0 }, { 100, 0 } };
	for (size_t k = 0; k < sizeof rs / sizeof rs[0]; k++) {
		wire_msg_init(&m);
		assert_int_equal(wire_msg_response(&m, rs[k].status, NULL), EMU_OK);
		assert_int_equal(wire_msg_add_header(&m, "Content-Length", "12"), EMU_OK);
		assert_int_equal(wire_serialize(&m, &out, &n), EMU_OK);
		assert_int_equal(strstr(out, "Content-Length: 0\r\n") != NULL, rs[k].has_len);
		assert_null(strstr(out, "Content-Length: 12"));
		if (rs[k].status == 404)
			assert_string_equal(out, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
		free(out);
		wire_msg_free(&m);
	}

	/* a parsed chunked response goes out with Content-Length */
	assert_int_equal(parse_s("HTTP/1.1 201 Made\r\nTransfer-Encoding: chunked\r\nX-A: b\r\n\r\n"
	                         "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
	                         1, &m, &used),
	                 EMU_OK);
	assert_int_equal(wire_serialize(&m, &out, &n), EMU_OK);
	assert_string_equal(out, "HTTP/1.1 201 Made\r\nX-A: b\r\nContent-Length: 5\r\n\r\nabcde");
	free(out);
	/* a copy serialises the same */
	assert_int_equal(wire_msg_copy(&p, &m), EMU_OK);
	wire_msg_free(&m);
	assert_int_equal(wire_serialize(&p, &out, &n), EMU_OK);
	assert_string_equal(out, "HTTP/1.1 201 Made\r\nX-A: b\r\nContent-Length: 5\r\n\r\nabcde");
	free(out);
	wire_msg_free(&p);

	/* nothing to serialise */
	wire_msg_init(&m);
	assert_int_equal(wire_serialize(&m, &out, &n), EMU_EINVAL);
	assert_null(out);
}

/* ---- header fields and message setters ---- */

static void test_headers(void **state)
{
	struct wire_msg m;
	size_t used;
	assert_int_equal(parse_s("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\na: 3\r\nC: 4\r\n\r\n", 0, &m, &used), EMU_OK);
	/* replacing a parsed (block-owned) field keeps its place, drops the rest */
	assert_int_equal(wire_msg_set_header(&m, "A", "  new  "), EMU_OK);
	assert_int_equal(m.nheaders, 3);
	assert_string_equal(m.headers[0].name, "A");
	assert_string_equal(m.headers[0].value, "new");
	assert_string_equal(m.headers[1].name, "B");
	assert_string_equal(m.headers[2].name, "C");
	assert_int_equal(wire_msg_add_header(&m, "b", "dup"), EMU_OK);
	assert_string_equal(wire_msg_header(&m, "B"), "2");
	assert_int_equal(wire_msg_set_header(&m, "B", NULL), EMU_OK);
	assert_null(wire_msg_header(&m, "b"));
	assert_int_equal(m.nheaders, 2);
	/* no header injection, names are tokens */
	assert_int_equal(wire_msg_set_header(&m, "X", "a\r\nEvil: 1"), EMU_EINVAL);
	assert_int_equal(wire_msg_add_header(&m, "X", "a\nb"), EMU_EINVAL);
	assert_int_equal(wire_msg_set_header(&m, "Bad Name", "v"), EMU_EINVAL);
	assert_int_equal(wire_msg_set_header(&m, "", "v"), EMU_EINVAL);
	assert_int_equal(wire_msg_set_header(&m, "Tab", "a\tb"), EMU_OK);
	/* start lines */
	assert_int_equal(wire_msg_request(&m, "GE T", "/"), EMU_EINVAL);
	assert_int_equal(wire_msg_request(&m, "GET", "/a b"), EMU_EINVAL);
	assert_int_equal(wire_msg_request(&m, "GET", ""), EMU_EINVAL);
	assert_string_equal(m.method, "GET");   /* unchanged after a refusal */
	assert_int_equal(wire_msg_request(&m, "OPTIONS", "*"), EMU_OK);
	assert_string_equal(m.method, "OPTIONS");
	assert_int_equal(wire_msg_response(&m, 1000, NULL), EMU_EINVAL);
	assert_int_equal(wire_msg_response(&m, 99, NULL), EMU_EINVAL);
	assert_int_equal(wire_msg_response(&m, 200, "O\r\nK"), EMU_EINVAL);
	assert_int_equal(wire_msg_response(&m, 503, NULL), EMU_OK);
	assert_string_equal(m.reason, "Service Unavailable");
	assert_true(m.is_response);
	wire_msg_free(&m);

	/* the field count is bounded */
	wire_msg_init(&m);
	for (int i = 0; i < WIRE_HEADERS_MAX; i++)
		assert_int_equal(wire_msg_add_header(&m, "X-N", "v"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "X-N", "v"), EMU_ELIMIT);
	assert_int_equal(wire_msg_set_header(&m, "X-Other", "v"), EMU_ELIMIT);
	assert_int_equal(wire_msg_set_header(&m, "X-N", "one"), EMU_OK);
	assert_int_equal(m.nheaders, 1);
	wire_msg_free(&m);

	assert_string_equal(wire_status_text(404), "Not Found");
	assert_string_equal(wire_status_text(299), "");
	wire_msg_free(NULL);
}

/* ---- URLs ---- */

static void test_url(void **state)
{
	struct wire_url u;
	assert_int_equal(wire_url_parse("http://example.com", &u), EMU_OK);
	assert_false(u.tls);
	assert_string_equal(u.host, "example.com");
	assert_int_equal(u.port, 80);
	assert_string_equal(u.path, "");
	assert_int_equal(wire_url_parse("HTTPS://Mail.Example.com:8443/EWS/Exchange.asmx?x=1#frag", &u), EMU_OK);
	assert_true(u.tls);
	assert_string_equal(u.host, "Mail.Example.com");
	assert_int_equal(u.port, 8443);
	assert_string_equal(u.path, "/EWS/Exchange.asmx?x=1");
	assert_int_equal(wire_url_parse("https://[::1]:9443/p", &u), EMU_OK);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 9443);
	assert_string_equal(u.path, "/p");
	assert_int_equal(wire_url_parse("https://[2001:db8::7]", &u), EMU_OK);
	assert_string_equal(u.host, "2001:db8::7");
	assert_int_equal(u.port, 443);
	assert_int_equal(wire_url_parse("http://h?q=1", &u), EMU_OK);
	assert_string_equal(u.path, "/?q=1");
	assert_int_equal(wire_url_parse("http://127.0.0.1:/x", &u), EMU_OK);   /* empty port: default */
	assert_int_equal(u.port, 80);

	static const char *bad[] = { "ftp://x", "http://", "http:///p", "http://:80/", "http://h:0", "http://h:65536",
		                     "http://h:8x", "http://h:123456", "http://u:p@h/", "http://[::1/", "http://[::1]x/",
		                     "http://[]/", "http://h/pa th", "http://bad!host/", "http://a:b:c/", "example.com",
		                     NULL };
	for (int i = 0; bad[i]; i++)
		if (wire_url_parse(bad[i], &u) != EMU_EINVAL)
			fail_msg("accepted %s", bad[i]);
	assert_int_equal(wire_url_parse(NULL, &u), EMU_EINVAL);
	char *s = repeat("http://", 'h', 300, "/");
	assert_int_equal(wire_url_parse(s, &u), EMU_ELIMIT);
	free(s);
	s = repeat("http://h/", 'p', 2000, "");
	assert_int_equal(wire_url_parse(s, &u), EMU_ELIMIT);
	free(s);
}

static void test_header_rules(void **state)
{
	(void)state;
	char user[16];
	/* "alice@x.test:pw" and a name with a control character */
	assert_int_equal(wire_basic_user("Basic YWxpY2VAeC50ZXN0OnB3", user, sizeof user), EMU_OK);
	assert_string_equal(user, "alice@x.test");
	assert_int_equal(wire_basic_user("basic\tYWxpY2VAeC50ZXN0OnB3", user, sizeof user), EMU_OK);
	assert_int_equal(wire_basic_user("Basic YWxpY2VAeC50ZXN0OnB3", user, 5), EMU_ELIMIT);
	assert_int_equal(wire_basic_user("Basic YQFiOnB3", user, sizeof user), EMU_EINVAL);   /* "a\x01b:pw" */
	assert_int_equal(wire_basic_user("Basic OnB3", user, sizeof user), EMU_EINVAL);       /* ":pw" */
	assert_int_equal(wire_basic_user("Bearer abc.def", user, sizeof user), EMU_EINVAL);
	assert_int_equal(wire_basic_user("Basic !!!", user, sizeof user), EMU_EINVAL);
	assert_int_equal(wire_basic_user(NULL, user, sizeof user), EMU_EINVAL);

	assert_true(wire_header_hop_by_hop("transfer-encoding") && wire_header_hop_by_hop("Content-Length"));
	assert_false(wire_header_hop_by_hop("Content-Type") || wire_header_hop_by_hop(NULL));
	assert_true(wire_header_credential("authorization") && wire_header_credential("Set-Cookie"));
	assert_false(wire_header_credential("ETag"));

	struct wire_msg m;
	wire_msg_init(&m);
	assert_int_equal(wire_msg_response(&m, 200, NULL), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "Connection", "close, X-Hop"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "X-Hop", "1"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "Keep-Alive", "timeout=5"), EMU_OK);
	assert_int_equal(wire_msg_add_header(&m, "Content-Type", "text/xml"), EMU_OK);
	assert_int_equal(wire_msg_strip_hop_by_hop(&m), EMU_OK);
	assert_int_equal(m.nheaders, 1);
	assert_string_equal(wire_msg_header(&m, "Content-Type"), "text/xml");
	wire_msg_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_rules),
		cmocka_unit_test(test_parse_request),
		cmocka_unit_test(test_parse_response),
		cmocka_unit_test(test_parse_chunked),
		cmocka_unit_test(test_parse_bodiless),
		cmocka_unit_test(test_parse_until_close),
		cmocka_unit_test(test_truncated_prefixes),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_fuzz_mutations),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_request_line),
		cmocka_unit_test(test_serialize),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
