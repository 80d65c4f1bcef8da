/* verify.c - the work of `ewsemu verify` (parsed in cli/qa.c): send each recorded request
 * to a server and compare its answer with the recorded one, EWS-aware
 * (fixture_compare_response: canonical XML, volatile values ignored, images
 * by type and dimensions when the fixture says so).  One keep-alive
 * connection, reopened when the server closes it. */
#include "replay/replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/result.h"
#include "replay/replay_int.h"

#define VERIFY_BODY_MAX (64u << 20)
#define AUTH_MAX 1500

struct verify_ctx {
	struct wire_url url;
	int insecure;
	const char *user, *password;
	wire_conn_t *conn;
	int timeout_s, deadline_s;
	long long end_ms;           /* CLOCK_MONOTONIC ms of the overall deadline */
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds one request may take now: --timeout, cut by what is left of
 * --deadline (0 when nothing is left). */
static long long request_budget_ms(const struct verify_ctx *v)
{
	long long left = v->end_ms - mono_ms();
	long long t = (long long)v->timeout_s * 1000;
	return left <= 0 ? 0 : left < t ? left : t;
}

/* Seconds for wire_connect's per-call timeout: the budget rounded up. */
static int budget_seconds(long long ms)
{
	return (int)((ms + 999) / 1000);
}

static int skip_request_header(const char *name)
{
	return !strcasecmp(name, "Host") || wire_header_credential(name) || wire_header_hop_by_hop(name);
}

static int host_header(const struct wire_url *u, char *out, size_t outsz)
{
	int v6 = strchr(u->host, ':') != NULL;
	int dflt = u->port == (u->tls ? 443 : 80);
	int n;
	if (dflt)
		n = snprintf(out, outsz, v6 ? "[%s]" : "%s", u->host);
	else
		n = snprintf(out, outsz, v6 ? "[%s]:%d" : "%s:%d", u->host, u->port);
	return n < 0 || (size_t)n >= outsz ? EMU_ELIMIT : EMU_OK;
}

/* The request of @p f as it goes to the server under test. */
static int build_request(const struct verify_ctx *v, const struct fixture *f, struct wire_msg *req)
{
	const struct fixture_msg *r = &f->request;
	char target[2048], host[300];
	const char *path = r->target ? r->target : "/";
	size_t plen = strlen(v->url.path);
	while (plen && v->url.path[plen - 1] == '/')
		plen--;
	int n = snprintf(target, sizeof target, "%.*s%s%s", (int)plen, v->url.path, path[0] == '/' ? "" : "/", path);
	if (n < 0 || (size_t)n >= sizeof target)
		return EMU_ELIMIT;
	int rc = wire_msg_request(req, r->method ? r->method : "GET", target);
	if (rc == EMU_OK)
		rc = host_header(&v->url, host, sizeof host);
	if (rc == EMU_OK)
		rc = wire_msg_set_header(req, "Host", host);
	for (int i = 0; rc == EMU_OK && i < r->nheaders; i++)
		if (r->headers[i].name && !skip_request_header(r->headers[i].name))
			rc = wire_msg_add_header(req, r->headers[i].name, r->headers[i].value ? r->headers[i].value : "");
	/* a recorded 401 is the answer to a request without credentials */
	const char *user = v->user ? v->user : f->caller;
	if (rc == EMU_OK && user && f->response.status != 401 && (v->password || v->user)) {
		char auth[AUTH_MAX];
		if (replay_basic_auth(user, v->password, auth, sizeof auth) != 0)
			rc = EMU_ELIMIT;
		else
			rc = wire_msg_set_header(req, "Authorization", auth);
		memset(auth, 0, sizeof auth);
	}
	if (rc == EMU_OK && r->body.kind != FIXTURE_BODY_NONE && r->body.len)
		rc = wire_msg_set_body(req, r->body.data, r->body.len);
	return rc;
}

/* Send @p req on the kept-alive connection (reconnecting once when the
 * server closed it meanwhile) and read the answer. */
static int exchange(struct verify_ctx *v, const struct wire_msg *req, struct wire_msg *resp)
{
	int rc = EMU_EIO;
	long long start = mono_ms(), budget = request_budget_ms(v);
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = v->conn != NULL, wrote = 0;
		long long left = budget - (mono_ms() - start);
		if (left <= 0)
			return EMU_EIO;
		if (!v->conn && (rc = wire_connect(&v->url, v->insecure, budget_seconds(left), &v->conn)) != EMU_OK) {
			v->conn = NULL;
			return rc;
		}
		left = budget - (mono_ms() - start);
		wire_conn_set_deadline(v->conn, left > 0 ? (int)left : 1);
		rc = wire_write_msg(v->conn, req);
		if (rc == EMU_OK) {
			wrote = 1;
			rc = wire_read_msg(v->conn, 1, req->method, VERIFY_BODY_MAX, resp);
		}
		if (rc == EMU_OK) {
			const char *c = wire_msg_header(resp, "Connection");
			if ((c && !strcasecmp(c, "close")) || resp->minor == 0) {
				wire_close(v->conn);
				v->conn = NULL;
			}
			return EMU_OK;
		}
		wire_close(v->conn);
		v->conn = NULL;
		wire_msg_free(resp);
		wire_msg_init(resp);
		if (!reused || (wrote && rc != EMU_ENOTFOUND))
			break;
	}
	return rc;
}

/* Verify one fixture; prints its lines.  Returns 1 passed, 0 failed. */
static int verify_one(struct verify_ctx *v, const struct fixture *f, int quiet, const char *against)
{
	struct wire_msg req, resp;
	struct fixture_diff diff = { 0 };
	const char *name = f->name ? f->name : "?";
	int passed = 0, rc;
	wire_msg_init(&req);
	wire_msg_init(&resp);
	if ((rc = build_request(v, f, &req)) != EMU_OK) {
		printf("FAIL %s\n    cannot build the request: %s\n", name, emu_strerror(rc));
		goto out;
	}
	long long start = mono_ms();
	if ((rc = exchange(v, &req, &resp)) != EMU_OK) {
		long long took = mono_ms() - start;
		if (rc == EMU_EIO && took + 50 >= (long long)v->timeout_s * 1000)
			printf("FAIL %s\n    no complete answer from %s within --timeout %d s\n", name, against, v->timeout_s);
		else if (rc == EMU_EIO && mono_ms() + 50 >= v->end_ms)
			printf("FAIL %s\n    no complete answer from %s before --deadline %d s\n", name, against, v->deadline_s);
		else
			printf("FAIL %s\n    no answer from %s: %s\n", name, against, emu_strerror(rc));
		goto out;
	}
	rc = fixture_compare_response(f, resp.status, wire_msg_header(&resp, "Content-Type"),
	                              wire_msg_header(&resp, "ETag"), resp.body, resp.body ? resp.body_len : 0, &diff);
	if (rc == 0) {
		passed = 1;
		if (!quiet)
			printf("PASS %s\n", name);
	} else if (rc == 1) {
		printf("FAIL %s\n", name);
		for (int i = 0; i < diff.nlines; i++)
			printf("    %s\n", diff.lines[i]);
		if (diff.nlines == 0)
			printf("    the response differs (status %d)\n", resp.status);
	} else {
		printf("FAIL %s\n    cannot compare the response: %s\n", name, emu_strerror(rc));
	}
out:
	fixture_diff_free(&diff);
	wire_msg_free(&req);
	wire_msg_free(&resp);
	fflush(stdout);
	return passed;
}

int replay_verify_run(const struct replay_verify_options *o, int *passed, int *failed)
{
	struct verify_ctx v = { .url = o->url, .insecure = o->insecure, .user = o->user, .password = o->password,
	                        .timeout_s = o->timeout_s, .deadline_s = o->deadline_s };
	struct fixture *list = NULL;
	char err[FIXTURE_ERR_MAX] = "";
	int nf = 0;

	*passed = *failed = 0;
	int rc = fixture_load_dir(o->dir, &list, &nf, err, sizeof err);
	if (rc != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot load the fixtures in %s: %s\n", o->dir, err[0] ? err : emu_strerror(rc));
		return rc;
	}
	v.end_ms = mono_ms() + (long long)v.deadline_s * 1000;
	for (int i = 0; i < nf; i++) {
		const struct fixture *f = &list[i];
		if (o->only && (!f->name || !strstr(f->name, o->only)))
			continue;
		if (request_budget_ms(&v) <= 0) {
			printf("FAIL %s\n    not sent: --deadline %d s has passed\n", f->name ? f->name : "?", v.deadline_s);
			(*failed)++;
			continue;
		}
		if (verify_one(&v, f, o->quiet, o->against))
			(*passed)++;
		else
			(*failed)++;
	}
	wire_close(v.conn);
	fixture_list_free(list, nf);
	if (*passed + *failed == 0)
		fprintf(stderr, "ewsemu: no fixture to verify in %s%s%s\n", o->dir, o->only ? " matching " : "",
		        o->only ? o->only : "");
	printf("%d passed, %d failed\n", *passed, *failed);
	fflush(stdout);
	return EMU_OK;
}
