/* fuzz_fixture.c - the fixture reader and the EWS-aware canonical XML of
 * src/fixture, as `serve --replay` and `ewsemu verify` use them: a fixture
 * file parsed from memory (fixture_parse, what fixture_load does after
 * reading the file), its bodies canonicalised with the fixture's own rules,
 * the operation name read from its request, and the fixture written out
 * again; the raw input also goes to canon_xml() directly, as a request or
 * response body does in matching and verify.
 *
 * Invariants checked beyond the sanitizers: fixture_format() of a parsed
 * fixture parses again (what `ewsemu record` writes, replay must read);
 * a body canonicalises to the same lines twice (deterministic), and
 * compares equal to itself. */
#include <stdio.h>

#include "core/result.h"
#include "fixture/fixture.h"

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

static void canon_body(const struct fixture *f, const struct fixture_body *b, int side)
{
	struct canon c1, c2;
	char err[FIXTURE_ERR_MAX];
	if (b->kind != FIXTURE_BODY_XML)
		return;
	if (canon_xml(b->data, b->len, side, f->rules, f->nrules, f->no_default_rules, &c1, err, sizeof err) != EMU_OK)
		return;
	if (canon_xml(b->data, b->len, side, f->rules, f->nrules, f->no_default_rules, &c2, err, sizeof err) ==
	    EMU_OK) {
		FUZZ_ASSERT(canon_first_difference(&c1, &c2) == -1);
		FUZZ_ASSERT(canon_similarity(&c1, &c2) == 1000);
		canon_free(&c2);
	}
	canon_free(&c1);
}

static void use_fixture(const struct fixture *f)
{
	char op[128], err[FIXTURE_ERR_MAX], *out = NULL;
	size_t outlen = 0;
	struct fixture again;
	struct fixture_diff diff;
	int rc;

	canon_body(f, &f->request.body, FIXTURE_REQUEST);
	canon_body(f, &f->response.body, FIXTURE_RESPONSE);
	fixture_operation_of(f->request.method ? f->request.method : "POST",
	                     f->request.target ? f->request.target : "/", f->request.body.data, f->request.body.len,
	                     op, sizeof op);
	/* verify against its own recorded response: never a difference */
	rc = fixture_compare_response(f, f->response.status, NULL, NULL, f->response.body.data, f->response.body.len,
	                              &diff);
	if (rc != EMU_ENOMEM)
		fixture_diff_free(&diff);

	rc = fixture_format(f, &out, &outlen);
	if (rc != EMU_OK)
		return;
	rc = fixture_parse(out, outlen, "again.fixture.xml", &again, err, sizeof err);
	if (rc != EMU_OK && rc != EMU_ENOMEM) {
		fprintf(stderr, "fuzz_fixture: the written fixture does not parse again: %s\n%s\n", err, out);
		FUZZ_ASSERT(rc == EMU_OK);
	}
	fixture_free(&again);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fixture f;
	struct canon c;
	char err[FIXTURE_ERR_MAX], op[128];

	if (fixture_parse(data, size, "fuzz.fixture.xml", &f, err, sizeof err) == EMU_OK) {
		use_fixture(&f);
		fixture_free(&f);
	}
	/* the input as a body on either side, with the built-in rules */
	if (canon_xml(data, size, FIXTURE_REQUEST, NULL, 0, 0, &c, err, sizeof err) == EMU_OK)
		canon_free(&c);
	if (canon_xml(data, size, FIXTURE_RESPONSE, NULL, 0, 1, &c, err, sizeof err) == EMU_OK)
		canon_free(&c);
	fixture_operation_of("POST", "/EWS/Exchange.asmx", data, size, op, sizeof op);
	return 0;
}
