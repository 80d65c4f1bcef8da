/* verify.c - `ewsemu verify DIR --against URL`: send each recorded request
 * to a server and compare its answer with the recorded one, EWS-aware
 * (fixture_compare_response: canonical XML, volatile values ignored, images
 * by type and dimensions when the fixture says so).  One keep-alive
 * connection, reopened when the server closes it. */
#include "replay/replay.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/result.h"
#include "replay/replay_int.h"

#define VERIFY_TIMEOUT_S 10        /* default --timeout: one request, connect to last byte */
#define VERIFY_DEADLINE_S 300      /* default --deadline: the whole run */
#define VERIFY_SECONDS_MAX 86400   /* largest --timeout / --deadline */
#define VERIFY_BODY_MAX (64u << 20)
#define AUTH_MAX 1500

static const char VERIFY_HELP[] =
	"usage: ewsemu verify DIR --against URL [--user U] [--password P] [--insecure]\n"
	"                     [--only NAME-SUBSTRING] [--quiet] [--timeout S] [--deadline S]\n"
	"Send every recorded request in DIR (*.fixture.xml, in file order) to the server at URL\n"
	"and compare the answers with the recorded ones as canonical XML (volatile ids ignored,\n"
	"images by type and dimensions where the fixture says so).  Prints PASS/FAIL per fixture,\n"
	"an element-level diff for each failure and the line \"N passed, M failed\".\n"
	"  --against URL      http(s)://host[:port][/prefix] of the server to check\n"
	"  --user U           send Basic credentials for U (default: each fixture's recorded\n"
	"                     caller, with --password or $EWSEMU_VERIFY_PASSWORD)\n"
	"  --password P       the password for --user or the recorded callers\n"
	"  --insecure         do not check the server's TLS certificate\n"
	"  --only SUBSTRING   only fixtures whose name contains SUBSTRING\n"
	"  --quiet            print only failures and the summary\n"
	"  --timeout S        seconds one request may take, from connecting to the last byte of\n"
	"                     the answer (default 10); a slower answer fails that fixture\n"
	"  --deadline S       seconds the whole run may take (default 300); fixtures not sent\n"
	"                     by then fail as \"not sent\"\n"
	"exit status: 0 all passed, 1 any failed, 2 usage error or unreadable DIR\n";

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

/* A whole number of seconds, 1..VERIFY_SECONDS_MAX; 0, or -1 with a message. */
static int seconds_option(const char *name, const char *arg, int *out)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (errno || end == arg || *end || n < 1 || n > VERIFY_SECONDS_MAX) {
		fprintf(stderr, "ewsemu: %s needs a whole number of seconds from 1 to %d, not '%s'\n", name,
		        VERIFY_SECONDS_MAX, arg);
		return -1;
	}
	*out = (int)n;
	return 0;
}

int verify_command(int argc, char **argv)
{
	enum { OPT_AGAINST = 1000, OPT_USER, OPT_PASSWORD, OPT_INSECURE, OPT_ONLY, OPT_QUIET, OPT_LOG,
	       OPT_TIMEOUT, OPT_DEADLINE };
	static const struct option opts[] = {
		{ "against", required_argument, 0, OPT_AGAINST }, { "user", required_argument, 0, OPT_USER },
		{ "password", required_argument, 0, OPT_PASSWORD }, { "insecure", no_argument, 0, OPT_INSECURE },
		{ "only", required_argument, 0, OPT_ONLY }, { "quiet", no_argument, 0, OPT_QUIET },
		{ "log-level", required_argument, 0, OPT_LOG }, { "timeout", required_argument, 0, OPT_TIMEOUT },
		{ "deadline", required_argument, 0, OPT_DEADLINE }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	struct verify_ctx v = { .timeout_s = VERIFY_TIMEOUT_S, .deadline_s = VERIFY_DEADLINE_S };
	const char *against = NULL, *only = NULL;
	int quiet = 0, c, nf = 0, passed = 0, failed = 0;
	struct fixture *list = NULL;
	char err[FIXTURE_ERR_MAX] = "";

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_AGAINST: against = optarg; break;
		case OPT_USER: v.user = optarg; break;
		case OPT_PASSWORD: v.password = optarg; break;
		case OPT_INSECURE: v.insecure = 1; break;
		case OPT_ONLY: only = optarg; break;
		case OPT_QUIET: quiet = 1; break;
		case OPT_LOG:
			if (log_level_option(optarg))
				return 2;
			break;
		case OPT_TIMEOUT:
		case OPT_DEADLINE:
			if (seconds_option(c == OPT_TIMEOUT ? "--timeout" : "--deadline", optarg,
			                   c == OPT_TIMEOUT ? &v.timeout_s : &v.deadline_s))
				return 2;
			break;
		case 'h': fputs(VERIFY_HELP, stdout); return 0;
		default: fputs(VERIFY_HELP, stderr); return 2;
		}
	}
	if (optind != argc - 1 || !against) {
		fputs(VERIFY_HELP, stderr);
		return 2;
	}
	if (wire_url_parse(against, &v.url) != EMU_OK) {
		fprintf(stderr, "ewsemu: --against needs an http:// or https:// URL, not '%s'\n", against);
		return 2;
	}
	if (!v.password)
		v.password = getenv("EWSEMU_VERIFY_PASSWORD");
	const char *dir = argv[optind];
	int rc = fixture_load_dir(dir, &list, &nf, err, sizeof err);
	if (rc != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot load the fixtures in %s: %s\n", dir, err[0] ? err : emu_strerror(rc));
		return 2;
	}
	v.end_ms = mono_ms() + (long long)v.deadline_s * 1000;
	for (int i = 0; i < nf; i++) {
		const struct fixture *f = &list[i];
		if (only && (!f->name || !strstr(f->name, only)))
			continue;
		if (request_budget_ms(&v) <= 0) {
			printf("FAIL %s\n    not sent: --deadline %d s has passed\n", f->name ? f->name : "?", v.deadline_s);
			failed++;
			continue;
		}
		if (verify_one(&v, f, quiet, against))
			passed++;
		else
			failed++;
	}
	wire_close(v.conn);
	fixture_list_free(list, nf);
	if (passed + failed == 0)
		fprintf(stderr, "ewsemu: no fixture to verify in %s%s%s\n", dir, only ? " matching " : "", only ? only : "");
	printf("%d passed, %d failed\n", passed, failed);
	fflush(stdout);
	return failed ? 1 : 0;
}
