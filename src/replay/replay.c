/* replay.c - the replay server: answers each request from the fixture that
 * matches it (fixture/), with fault injection, the request journal and
 * optional fall-through to the live server.  Own HTTP layer (wire/), so the
 * recorded bytes go out as they were recorded.
 *
 * Per request, in this order: authentication check (401 without an
 * Authorization header, as the live server does; a recorded 401 for that
 * request is replayed instead), global faults (reset /
 * busy every Nth request, added latency), matching, the fixture's own
 * faults, then the recorded answer; unmatched requests go to the
 * fall-through server or get a fault with a near-miss report in the log. */
#include "replay/replay.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/result.h"
#include "replay/replay_int.h"

#define NEAR_TEXT_MAX 1024
#define CALLER_MAX 512
#define OPERATION_MAX 128

struct replay_server {
	const struct replay_options *opt;
	fixture_set_t *set;
	replay_journal_t *journal;
	atomic_ulong count;                /* requests past the authentication check */
	wire_server_t *http, *https;
	char http_url[320], https_url[320];
};

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int add_date(struct wire_msg *resp)
{
	char date[WIRE_DATE_MAX];
	wire_http_date(time(NULL), date);
	return wire_msg_set_header(resp, "Date", date);
}

static int answer_text(struct wire_msg *resp, int status, const char *text)
{
	int rc = wire_msg_response(resp, status, NULL);
	if (rc == EMU_OK)
		rc = wire_msg_set_header(resp, "Content-Type", "text/plain; charset=utf-8");
	if (rc == EMU_OK)
		rc = add_date(resp);
	if (rc == EMU_OK)
		rc = wire_msg_set_body(resp, text, strlen(text));
	return rc;
}

/* An XML fault body built by fault.c: HTTP 500 (spec §1.5). */
static int answer_fault(struct wire_msg *resp, char *body, size_t len)
{
	int rc = wire_msg_response(resp, 500, NULL);
	if (rc == EMU_OK)
		rc = wire_msg_set_header(resp, "Content-Type", "text/xml; charset=utf-8");
	if (rc == EMU_OK)
		rc = add_date(resp);
	if (rc == EMU_OK)
		rc = wire_msg_set_body(resp, body, len);
	free(body);
	return rc;
}

static int answer_busy(struct wire_msg *resp, int backoff_ms)
{
	char *body;
	size_t len;
	int rc = replay_fault_busy_body(backoff_ms, &body, &len);
	return rc == EMU_OK ? answer_fault(resp, body, len) : rc;
}

static int answer_unauthorized(struct wire_msg *resp)
{
	int rc = answer_text(resp, 401, "Authentication required\n");
	if (rc == EMU_OK)
		rc = wire_msg_add_header(resp, "WWW-Authenticate", "Basic realm=\"ewsemu\"");
	return rc;
}

/* The recorded answer: status, recorded headers (less framing and Date),
 * a fresh Date, the stored body bytes. */
static int answer_recorded(struct wire_msg *resp, const struct fixture *f)
{
	const struct fixture_msg *r = &f->response;
	int status = r->status >= 100 && r->status <= 599 ? r->status : 500;
	int rc = wire_msg_response(resp, status, NULL);
	for (int i = 0; rc == EMU_OK && i < r->nheaders; i++) {
		const char *name = r->headers[i].name;
		if (!name || wire_header_hop_by_hop(name) || !strcasecmp(name, "Date"))
			continue;
		rc = wire_msg_add_header(resp, name, r->headers[i].value ? r->headers[i].value : "");
	}
	if (rc == EMU_OK)
		rc = add_date(resp);
	if (rc == EMU_OK && r->body.kind != FIXTURE_BODY_NONE && r->body.len)
		rc = wire_msg_set_body(resp, r->body.data, r->body.len);
	return rc;
}

static int answer_unmatched(struct wire_msg *resp, const struct wire_msg *req, const char *op,
                            const struct fixture_near_miss *near)
{
	if (!strcmp(req->method, "POST")) {
		char *body;
		size_t len;
		int rc = replay_fault_unmatched_body(op, near, &body, &len);
		return rc == EMU_OK ? answer_fault(resp, body, len) : rc;
	}
	char text[700];
	if (near->closest)
		snprintf(text, sizeof text, "No recorded answer for %s %.500s (closest fixture %.120s).\n", req->method,
		         req->target, near->closest->name ? near->closest->name : "?");
	else
		snprintf(text, sizeof text, "No recorded answer for %s %.500s.\n", req->method, req->target);
	return answer_text(resp, 404, text);
}

/* Fall-through: a function call into the live routes (opt->fallthrough),
 * on this connection's own state slot. */
static int forward(struct replay_server *s, struct wire_peer *peer, const struct wire_msg *req,
                   struct wire_msg *resp)
{
	enum wire_action act = s->opt->fallthrough(s->opt->fallthrough_ctx, peer, req, resp);
	if (act == WIRE_RESET || resp->status == 0) {
		LOGW("replay", "fall-through %s %s: the live routes gave no answer", req->method, req->target);
		wire_msg_free(resp);
		wire_msg_init(resp);
		return answer_text(resp, 502, "The fall-through server did not answer.\n");
	}
	return EMU_OK;
}

static void conn_end(void *ctx, struct wire_peer *peer)
{
	struct replay_server *s = ctx;
	if (s->opt->fallthrough_end)
		s->opt->fallthrough_end(s->opt->fallthrough_ctx, peer);
}

static void add_fault(char *faults, size_t sz, const char *what)
{
	size_t n = strlen(faults);
	snprintf(faults + n, sz - n, "%s%s", n ? "+" : "", what);
}

/* The fixture for @p req; the matcher sees no credentials, only the Basic
 * user name @p caller. */
static const struct fixture *match_request(const struct replay_server *s, const struct wire_msg *req,
                                           const char *caller, struct fixture_near_miss *near)
{
	struct fixture_header hs[WIRE_HEADERS_MAX];
	int nh = 0;
	for (int i = 0; i < req->nheaders && nh < WIRE_HEADERS_MAX; i++) {
		if (!strcasecmp(req->headers[i].name, "Authorization") || !strcasecmp(req->headers[i].name, "Cookie"))
			continue;
		hs[nh].name = req->headers[i].name;
		hs[nh].value = req->headers[i].value;
		nh++;
	}
	return fixture_set_match(s->set, req->method, req->target, caller, hs, nh, req->body,
	                         req->body ? req->body_len : 0, near);
}

/* The first fixture that recorded a 401 for this method and path: a server
 * refuses a request without credentials before it reads the body (or the
 * query), so that answer applies to any request of that method and path. */
static const struct fixture *recorded_401_for(const struct replay_server *s, const struct wire_msg *req)
{
	size_t plen = strcspn(req->target, "?");
	for (int i = 0; i < fixture_set_count(s->set); i++) {
		const struct fixture *f = fixture_set_at(s->set, i);
		if (f->response.status != 401 || !f->request.method || !f->request.target ||
		    strcmp(f->request.method, req->method))
			continue;
		if (strcspn(f->request.target, "?") == plen && !strncasecmp(f->request.target, req->target, plen))
			return f;
	}
	return NULL;
}

/* The request's operation ("ResolveNames", "GET GetUserPhoto") into @p op,
 * once: an empty @p op is filled, a filled one kept. */
static void operation_of(const struct wire_msg *req, char *op, size_t opsz)
{
	if (!op[0])
		fixture_operation_of(req->method, req->target, req->body, req->body_len, op, opsz);
}

static enum wire_action handle(void *ctx, struct wire_peer *peer, const struct wire_msg *req, struct wire_msg *resp)
{
	struct replay_server *s = ctx;
	const struct replay_options *opt = s->opt;
	struct replay_journal_outcome o = { 0 };
	struct fixture_near_miss near;
	char op[OPERATION_MAX], caller[CALLER_MAX], faults[48] = "", near_text[NEAR_TEXT_MAX] = "";
	enum wire_action act = WIRE_REPLY;
	const char *auth = wire_msg_header(req, "Authorization");
	int rc;

	memset(&near, 0, sizeof near);
	/* the operation name reads the body once more: only for the journal,
	 * the debug log and unmatched requests, not on the matched hot path */
	op[0] = '\0';
	if (s->journal || log_enabled(LOG_DEBUG))
		operation_of(req, op, sizeof op);
	o.operation = op;
	if (wire_basic_user(auth, caller, sizeof caller) == EMU_OK)
		o.caller = caller;
	if (opt->require_auth && !auth) {
		/* a recorded 401 (what the recorded server said to a request without
		 * credentials) is replayed as it was; anything else gets ours */
		const struct fixture *f401 = match_request(s, req, NULL, &near);
		if (!f401 || f401->response.status != 401)
			f401 = recorded_401_for(s, req);
		if (f401) {
			o.fixture = f401->name;
			rc = answer_recorded(resp, f401);
		} else {
			rc = answer_unauthorized(resp);
		}
		memset(&near, 0, sizeof near);
		goto done;
	}

	unsigned long n = atomic_fetch_add(&s->count, 1) + 1;
	int reset = opt->reset_every > 0 && n % (unsigned long)opt->reset_every == 0;
	int busy = !reset && opt->busy_every > 0 && n % (unsigned long)opt->busy_every == 0;
	if (opt->latency_ms > 0) {
		sleep_ms(opt->latency_ms);
		o.latency_ms += opt->latency_ms;
		add_fault(faults, sizeof faults, "latency");
	}
	if (reset) {
		LOGI("replay", "%s %s: connection reset (every %d requests)", req->method, req->target, opt->reset_every);
		add_fault(faults, sizeof faults, "reset");
		act = WIRE_RESET;
		rc = EMU_OK;
		goto done;
	}
	if (busy) {
		LOGI("replay", "%s %s: ErrorServerBusy (every %d requests)", req->method, req->target, opt->busy_every);
		add_fault(faults, sizeof faults, "busy");
		rc = answer_busy(resp, opt->busy_backoff_ms);
		goto done;
	}

	const struct fixture *f = match_request(s, req, o.caller, &near);
	if (f) {
		o.fixture = f->name;
		LOGD("replay", "%s %s %s -> %s", req->method, req->target, op, f->name);
		if (f->fault.latency_ms > 0) {
			sleep_ms(f->fault.latency_ms);
			o.latency_ms += f->fault.latency_ms;
			if (!strstr(faults, "latency"))
				add_fault(faults, sizeof faults, "latency");
		}
		if (f->fault.reset) {
			LOGI("replay", "%s %s: connection reset (fixture %s)", req->method, req->target, f->name);
			add_fault(faults, sizeof faults, "reset");
			act = WIRE_RESET;
			rc = EMU_OK;
		} else if (f->fault.busy_backoff_ms > 0) {
			LOGI("replay", "%s %s: ErrorServerBusy (fixture %s)", req->method, req->target, f->name);
			add_fault(faults, sizeof faults, "busy");
			rc = answer_busy(resp, f->fault.busy_backoff_ms);
		} else {
			rc = answer_recorded(resp, f);
		}
		goto done;
	}

	operation_of(req, op, sizeof op);
	if (near.closest)
		snprintf(near_text, sizeof near_text, "no fixture for %s %s %s; closest %s (similarity %d)%s%s",
		         req->method, req->target, op[0] ? op : "-", near.closest->name ? near.closest->name : "?",
		         near.similarity, near.what[0] ? ": " : "", near.what);
	else
		snprintf(near_text, sizeof near_text, "no fixture for %s %s %s; no fixtures loaded", req->method,
		         req->target, op[0] ? op : "-");
	o.near_miss = near_text;
	if (opt->fallthrough) {
		LOGI("replay", "%s, falling through to the live server", near_text);
		o.fallthrough = 1;
		rc = forward(s, peer, req, resp);
		goto done;
	}
	LOGW("replay", "%s", near_text);
	rc = answer_unmatched(resp, req, op, &near);

done:
	if (rc != EMU_OK && act != WIRE_RESET) {
		LOGE("replay", "%s %s: cannot build the answer: %s", req->method, req->target, emu_strerror(rc));
		wire_msg_free(resp);
		wire_msg_init(resp);
		if (answer_text(resp, 500, "Internal server error\n") != EMU_OK)
			act = WIRE_RESET;
		else
			act = WIRE_REPLY_CLOSE;
	}
	o.status = act == WIRE_RESET ? 0 : resp->status;
	o.fault = faults[0] ? faults : NULL;
	if (s->journal)
		replay_journal_append(s->journal, req, &o, NULL);
	return act;
}

/* wire_server_url() for a listener, with the scheme it really speaks. */
static int start_listener(struct replay_server *s, const char *listen, const char *cert, wire_server_t **w)
{
	struct wire_server_config cfg = { .listen = listen, .cert_file = cert,
		                          .max_connections = s->opt->max_connections,
		                          .idle_timeout = s->opt->idle_timeout, .body_max = s->opt->body_max };
	wire_signal_catch();   /* a SIGTERM right after the URLs are printed stops us cleanly */
	int rc = wire_server_start(&cfg, handle, conn_end, s, w);
	if (rc != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot listen on %s%s: %s\n", listen, cert ? " (https)" : "", emu_strerror(rc));
		*w = NULL;
	}
	return rc;
}

int replay_server_start(const struct replay_options *opt, replay_server_t **out)
{
	char err[FIXTURE_ERR_MAX] = "";
	int rc;
	struct replay_server *s = calloc(1, sizeof *s);
	*out = NULL;
	if (!s)
		return EMU_ENOMEM;
	s->opt = opt;
	atomic_init(&s->count, 0);
	if (!opt->dir || (!opt->http_listen && !opt->https_listen) || (opt->https_listen && !opt->cert_file)) {
		fprintf(stderr, "ewsemu: replay needs a fixture folder, a listener and, for https, a certificate\n");
		rc = EMU_EINVAL;
		goto fail;
	}
	if ((rc = fixture_set_load(opt->dir, &s->set, err, sizeof err)) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot load the fixtures in %s: %s\n", opt->dir, err[0] ? err : emu_strerror(rc));
		rc = EMU_EINVAL;
		goto fail;
	}
	if (opt->journal && (rc = replay_journal_open(opt->journal, &s->journal)) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot open the journal %s: %s\n", opt->journal, emu_strerror(rc));
		goto fail;
	}
	if (opt->http_listen) {
		if ((rc = start_listener(s, opt->http_listen, NULL, &s->http)) != EMU_OK)
			goto fail;
		snprintf(s->http_url, sizeof s->http_url, "%s", wire_server_url(s->http));
	}
	if (opt->https_listen) {
		if ((rc = start_listener(s, opt->https_listen, opt->cert_file, &s->https)) != EMU_OK)
			goto fail;
		snprintf(s->https_url, sizeof s->https_url, "%s", wire_server_url(s->https));   /* https:// */
	}
	*out = s;
	return EMU_OK;
fail:
	replay_server_stop(s);
	return rc;
}

const char *replay_server_url(const replay_server_t *s, int tls)
{
	if (tls)
		return s->https ? s->https_url : NULL;
	return s->http ? s->http_url : NULL;
}

int replay_server_fixture_count(const replay_server_t *s)
{
	return s->set ? fixture_set_count(s->set) : 0;
}

void replay_server_stop(replay_server_t *s)
{
	if (!s)
		return;
	wire_server_stop(s->http);
	wire_server_stop(s->https);
	replay_journal_close(s->journal);
	fixture_set_free(s->set);
	free(s);
}

int replay_run(const struct replay_options *opt)
{
	replay_server_t *s;
	int rc = replay_server_start(opt, &s);
	if (rc != EMU_OK)
		return rc;
	printf("ewsemu: replaying %d fixtures from %s\n", replay_server_fixture_count(s), opt->dir);
	for (int tls = 0; tls < 2; tls++) {
		const char *url = replay_server_url(s, tls);
		if (!url)
			continue;
		printf("ewsemu: EWS endpoint %s/EWS/Exchange.asmx\n", url);
		printf("ewsemu: photo URL    %s/ews/Exchange.asmx/s/GetUserPhoto?email=ADDRESS&size=HR96x96\n", url);
	}
	if (opt->journal)
		printf("ewsemu: journal      %s\n", opt->journal);
	fflush(stdout);
	LOGI("replay", "replaying (%s%s%s)", opt->require_auth ? "Basic auth required" : "anonymous access allowed",
	     opt->fallthrough ? ", unmatched requests fall through to the live store" : "",
	     opt->latency_ms || opt->busy_every || opt->reset_every ? ", global fault injection on" : "");
	wire_wait_for_signal();
	replay_server_stop(s);
	return EMU_OK;
}
