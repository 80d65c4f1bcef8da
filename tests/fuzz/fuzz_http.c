/* fuzz_http.c - the plain HTTP/1.1 parser of src/wire (wire_parse,
 * wire_parse_final) as the replay server, the recording proxy and verify
 * use it: requests read back to back from one connection buffer (pipelining),
 * responses with each request method, and what callers do with a parsed
 * message (header lookups, hop-by-hop stripping, Basic user names, the
 * target as a URL, serialising it again).
 *
 * Invariant checked beyond the sanitizers: a message that parsed, once
 * serialised with wire_serialize(), parses again to the same start line
 * and body.
 *
 * The live server reads requests with the same parser (wire's server);
 * what it does with a parsed request (src/http/ front) is fuzzed by
 * fuzz_soap (inputs that start with a request line). */
#include <stdio.h>

#include "core/result.h"
#include "wire/wire.h"

#include "fuzz_common.h"

static const char *const k_methods[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS" };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

/* serialise(m) parses back to the same start line and body */
static void check_round_trip(const struct wire_msg *m, const char *req_method)
{
	char *out = NULL;
	size_t outlen = 0, used = 0;
	struct wire_msg again;
	int rc = wire_serialize(m, &out, &outlen);
	if (rc == EMU_ENOMEM)
		return;
	FUZZ_ASSERT(rc == EMU_OK);
	rc = wire_parse(out, outlen, m->is_response, req_method, m->body_len + 1, &again, &used);
	FUZZ_ASSERT(rc == EMU_OK || rc == EMU_ENOMEM);
	if (rc == EMU_OK) {
		FUZZ_ASSERT(used == outlen);
		FUZZ_ASSERT(again.body_len == m->body_len);
		FUZZ_ASSERT(m->body_len == 0 || memcmp(again.body, m->body, m->body_len) == 0);
		if (m->is_response)
			FUZZ_ASSERT(again.status == m->status);
		else
			FUZZ_ASSERT(strcmp(again.method, m->method) == 0 && strcmp(again.target, m->target) == 0);
		wire_msg_free(&again);
	}
	free(out);
}

/* What the replay server and the recorder do with a request they read. */
static void use_request(struct wire_msg *m)
{
	char user[256];
	struct wire_url url;
	const char *auth = wire_msg_header(m, "Authorization");
	if (auth != NULL)
		(void)wire_basic_user(auth, user, sizeof user);
	(void)wire_msg_header(m, "Content-Type");
	(void)wire_url_parse(m->target, &url);
	check_round_trip(m, NULL);
	if (wire_msg_strip_hop_by_hop(m) == EMU_OK)
		check_round_trip(m, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg m;
	size_t off = 0, used;
	const char *method;
	int rc;

	if (size < 1)
		return 0;
	/* first byte: the method the response answers, the rest: the bytes */
	method = k_methods[data[0] % (sizeof k_methods / sizeof k_methods[0])];
	data++;
	size--;

	/* requests, back to back as on a keep-alive connection */
	for (int n = 0; n < 16 && off < size; n++) {
		rc = wire_parse(data + off, size - off, 0, NULL, 0, &m, &used);
		if (rc != EMU_OK)
			break;
		FUZZ_ASSERT(used > 0 && used <= size - off);
		use_request(&m);
		wire_msg_free(&m);
		off += used;
	}

	/* the same bytes as a response to @method, live and as a closed capture */
	rc = wire_parse(data, size, 1, method, 0, &m, &used);
	if (rc == EMU_OK) {
		FUZZ_ASSERT(used > 0 && used <= size);
		check_round_trip(&m, method);
		wire_msg_free(&m);
	}
	rc = wire_parse_final(data, size, 1, method, 0, &m, &used);
	if (rc == EMU_OK) {
		FUZZ_ASSERT(used <= size);
		(void)wire_msg_header(&m, "ETag");
		wire_msg_free(&m);
	}
	return 0;
}
