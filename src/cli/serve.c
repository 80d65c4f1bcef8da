/* serve.c - `ewsemu serve`: the options (parse_serve) and, apart from them,
 * the wiring of a server (serve_wire): the store and the demo organisation,
 * the certificate and the token key, then the live routes, the recording
 * layer around them (--record) or the replay server (--replay, with
 * --fall-through calling the live routes for unmatched requests). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/cli_int.h"
#include "core/exver.h"
#include "core/result.h"
#include "demo/demo.h"
#include "http/ident.h"
#include "http/server.h"
#include "record/record.h"
#include "replay/replay.h"
#include "store/store.h"
#include "token/token.h"

static const char SERVE_HELP[] =
	"usage: ewsemu serve [OPTIONS]\n"
	"\n"
	"Serve EWS (SOAP POST /EWS/Exchange.asmx) and the REST-style photo URL\n"
	"(GET /ews/Exchange.asmx/s/GetUserPhoto?email=..&size=..) until SIGINT/SIGTERM.\n"
	"\n"
	"  --store DIR               store folder (default ./" CLI_DEFAULT_STORE ")\n"
	"  --http HOST:PORT|off      HTTP listener (default 127.0.0.1:8080; port 0 = any free port)\n"
	"  --https HOST:PORT|off     HTTPS listener (default 127.0.0.1:8443)\n"
	"  --cert FILE.pem           key + certificate for HTTPS (default: a self-signed\n"
	"                            certificate created once as STORE/server.pem)\n"
	"  --demo                    create the demo organisation first if the store is empty\n"
	"  --domain DOMAIN           domain for --demo (default " CLI_DEFAULT_DOMAIN "); also the\n"
	"                            NTLM domain (DOMAIN\\user, bare aliases are alias@DOMAIN)\n"
	"  --auth LIST               password schemes offered and accepted, from negotiate,\n"
	"                            ntlm, basic (default: all three, offered in that order;\n"
	"                            Negotiate is NTLM inside SPNEGO, no Kerberos); Bearer\n"
	"                            tokens are accepted as before\n"
	"  --anonymous               allow requests without credentials (demo only)\n"
	"  --no-hr48-thumbnail       HR48x48 does not prefer the directory thumbnail\n"
	"  --photo-max-age SECONDS   Expires / Cache-Control lifetime of photos (default 3600)\n"
	"  --public-url URL          base of the URLs Autodiscover hands out, e.g.\n"
	"                            https://mail.example.test (default: the scheme and Host\n"
	"                            header of each Autodiscover request)\n"
	"  --exchange-version V      Exchange version presented: 2013|2016|2019|online (default\n"
	"                            2019): ServerVersionInfo, Autodiscover's versions, the\n"
	"                            served WSDL/XSDs and GetUserPhoto's m:ContentType\n"
	"  --max-body BYTES          largest request body (default 16777216; 413 above)\n"
	"  --max-connections N       concurrent connections (default 256)\n"
	"  --idle-timeout SECONDS    keep-alive idle limit (default 10)\n"
	"  --lockout-threshold N     bad passwords that lock an account (default 10; 0 = never\n"
	"                            lock); a locked account gets 401 even with the right\n"
	"                            password until the duration ends or `ewsemu unlock`\n"
	"  --lockout-window SECONDS  bad passwords count within this time (default 600)\n"
	"  --lockout-duration SECONDS  how long an account stays locked (default 600)\n"
	"  --log-level LEVEL         error, warn, info, debug\n"
	"                            (debug: request/response bodies, credentials removed)\n"
	"  --access-log FILE|-|off   one IIS W3C line per request (default -: stdout)\n"
	"  --server-name NAME        X-FEServer / X-BEServer name (default: the host name)\n"
	"\n"
	"QA (fixtures/README.md):\n"
	"  --record DIR              write every exchange as a fixture file in DIR\n"
	"  --anonymise               with --record: replace people consistently (fake names,\n"
	"                            addresses, generated photos of the same dimensions)\n"
	"  --replay DIR              answer from the fixtures in DIR instead of the store\n"
	"  --fall-through            with --replay: unmatched requests go to the store's\n"
	"                            handlers instead of getting a fault\n"
	"  --journal FILE            with --replay: append every request to FILE (ewsemu journal)\n"
	"  --fault-latency MS        with --replay: delay every answer by MS milliseconds\n"
	"  --fault-busy-every N      with --replay: every Nth request gets ErrorServerBusy\n"
	"  --fault-backoff MS        BackOffMilliseconds of those answers (default 5000)\n"
	"  --fault-reset-every N     with --replay: every Nth request's connection is reset\n";

/* Ranges of the numeric options. */
#define SERVE_MAX_BODY_MIN 1024L
#define SERVE_MAX_BODY_MAX (1L << 30)
#define SERVE_CONNECTIONS_MAX 100000L
#define SERVE_IDLE_MAX 3600L              /* seconds */
#define SERVE_PHOTO_MAX_AGE_MAX 31536000L /* seconds (a year) */
#define SERVE_FAULT_MS_MAX 600000L        /* --fault-latency */
#define SERVE_FAULT_EVERY_MAX 1000000L    /* --fault-busy-every, --fault-reset-every */
#define SERVE_BACKOFF_MS_MAX 3600000L     /* --fault-backoff */
#define SERVE_BACKOFF_MS_DEFAULT 5000

/* Everything `ewsemu serve` was told. */
struct serve_args {
	const char *store;                 /* store folder */
	struct server_config cfg;          /* the live server (http/server.h) */
	struct record_options rec;         /* --record, --anonymise */
	struct replay_options rep;         /* --replay, --journal, --fault-* */
	int fallthrough;                   /* --fall-through */
	int demo;                          /* --demo */
	const char *domain;                /* --domain */
};

/* ---- the wiring --------------------------------------------------------- */

/* The store folder, for a replay server that keeps only its certificate there. */
static int mkdir_store_dir(const char *dir)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "ewsemu: cannot create %s: %s\n", dir, strerror(errno));
		return EMU_EIO;
	}
	return EMU_OK;
}

/* STORE/server.pem, created once, unless --cert named one or HTTPS is off. */
static int ensure_cert(struct serve_args *a, char *cert, size_t certsz)
{
	if (!a->cfg.https_listen || a->cfg.cert_file)
		return EMU_OK;
	int n = snprintf(cert, certsz, "%s/server.pem", a->store);
	if (n < 0 || (size_t)n >= certsz || tls_ensure_cert(cert) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot create a certificate in %s\n", cert);
		return EMU_EIO;
	}
	a->cfg.cert_file = cert;
	return EMU_OK;
}

static int store_is_empty(store_t *s)
{
	store_txn_t *t;
	size_t n = 0;
	if (store_txn_begin(s, 0, &t) == EMU_OK) {
		store_user_count(t, &n);
		store_txn_abort(t);
	}
	return n == 0;
}

/* The first demo user with a large mailbox photo, at @p domain. */
static int demo_example_login(const char *domain, char *out, size_t outsz)
{
	size_t n;
	const struct demo_user_info *u = demo_users(&n);
	for (size_t i = 0; i < n; i++) {
		if (!u[i].is_admin && !strcmp(u[i].photo_state, "large")) {
			int len = snprintf(out, outsz, "%.*s@%s", (int)strcspn(u[i].email, "@"), u[i].email, domain);
			return len > 0 && (size_t)len < outsz ? EMU_OK : EMU_ELIMIT;
		}
	}
	return EMU_ENOTFOUND;
}

/* The replay server on the listeners of @p cfg; with @p s (fall-through)
 * its unmatched requests go to the live routes on the store, by a function
 * call on the replay connection's own thread.  Returns the exit status. */
static int serve_replay(store_t *s, const struct server_config *cfg, struct replay_options *ro)
{
	http_front_t *front = NULL;
	ro->http_listen = cfg->http_listen;
	ro->https_listen = cfg->https_listen;
	ro->cert_file = cfg->cert_file;
	ro->require_auth = !cfg->allow_anonymous;
	ro->max_connections = cfg->max_connections;
	ro->idle_timeout = cfg->idle_timeout;
	ro->body_max = cfg->max_body;
	if (s) {
		if (http_front_new(s, cfg, &front) != EMU_OK) {
			fprintf(stderr, "ewsemu: out of memory\n");
			return 1;
		}
		ro->fallthrough = http_front_handle;
		ro->fallthrough_end = http_front_conn_end;
		ro->fallthrough_ctx = front;
	}
	int rc = replay_run(ro);
	http_front_free(front);
	return rc == EMU_OK ? 0 : 1;
}

/* The live routes, or with --record the recording layer around them, on
 * the listeners of @p cfg.  Returns the exit status. */
static int serve_live(store_t *s, const struct server_config *cfg, recorder_t *recorder)
{
	if (!recorder)
		return server_run(s, cfg) == EMU_OK ? 0 : 1;
	http_front_t *front;
	if (http_front_new(s, cfg, &front) != EMU_OK) {
		fprintf(stderr, "ewsemu: out of memory\n");
		return 1;
	}
	struct record_layer layer = { .rec = recorder, .inner = http_front_handle, .inner_end = http_front_conn_end,
		                      .inner_ctx = front };
	int rc = server_listen(cfg, front, record_layer_handle, record_layer_conn_end, &layer);
	http_front_free(front);
	return rc == EMU_OK ? 0 : 1;
}

/* Set up and run what @p a asks for until SIGINT/SIGTERM: a pure replay
 * (no store), or the store with the live server, its recording tap or a
 * replay server falling through to it.  Returns the exit status. */
static int serve_wire(struct serve_args *a)
{
	char cert[PATH_MAX], example[STORE_ADDR_MAX + 1];
	struct token_key tkey;   /* created once in the store folder (token/token.h) */
	recorder_t *recorder = NULL;
	store_t *s = NULL;
	int rc = 1;

	if (a->rep.dir && !a->fallthrough) {
		/* a pure replay needs no store: only the fixtures and a certificate */
		if (a->cfg.https_listen && !a->cfg.cert_file && mkdir_store_dir(a->store) != EMU_OK)
			return 1;
		if (ensure_cert(a, cert, sizeof cert) != EMU_OK)
			return 1;
		return serve_replay(NULL, &a->cfg, &a->rep);
	}
	if (cli_open_store(a->store, &s))
		return 1;
	if (a->demo && store_is_empty(s) && cli_build_demo(s, a->store, a->domain) != EMU_OK)
		goto out;
	if (a->demo && demo_example_login(a->domain, example, sizeof example) == EMU_OK) {
		a->cfg.example_user = example;
		a->cfg.example_password = DEMO_PASSWORD;
	}
	if (ensure_cert(a, cert, sizeof cert) != EMU_OK)
		goto out;
	if (token_key_load_or_create(a->store, &tkey) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot use the token key %s/%s (see the log)\n", a->store, TOKEN_KEY_FILE);
		goto out;
	}
	a->cfg.token_key = &tkey;
	if (a->rep.dir) {
		rc = serve_replay(s, &a->cfg, &a->rep);
		goto out;
	}
	if (a->rec.dir) {
		if (recorder_open(&a->rec, &recorder) != EMU_OK) {
			fprintf(stderr, "ewsemu: cannot record into %s (see the log)\n", a->rec.dir);
			goto out;
		}
	}
	rc = serve_live(s, &a->cfg, recorder);
out:
	recorder_close(recorder);
	store_close(s);
	return rc;
}

/* ---- the options -------------------------------------------------------- */

enum { OPT_HTTP = 1, OPT_HTTPS, OPT_CERT, OPT_ANON, OPT_NO_HR48, OPT_MAX_BODY, OPT_MAX_CONN, OPT_IDLE, OPT_DEMO,
       OPT_DOMAIN, OPT_MAX_AGE, OPT_PUBLIC_URL, OPT_RECORD, OPT_ANONYMISE, OPT_REPLAY, OPT_FALLTHROUGH,
       OPT_JOURNAL, OPT_F_LATENCY, OPT_F_BUSY, OPT_F_BACKOFF, OPT_F_RESET, OPT_LOCK_THRESHOLD, OPT_LOCK_WINDOW,
       OPT_LOCK_DURATION };
/* issue 13 */
enum { OPT_EXCHANGE_VERSION = 100, OPT_ACCESS_LOG, OPT_SERVER_NAME, OPT_AUTH };

static const struct cli_opt SERVE_OPTS[] = {
	{ "http", CLI_VALUE, OPT_HTTP }, { "https", CLI_VALUE, OPT_HTTPS }, { "cert", CLI_VALUE, OPT_CERT },
	{ "anonymous", CLI_FLAG, OPT_ANON }, { "no-hr48-thumbnail", CLI_FLAG, OPT_NO_HR48 },
	{ "max-body", CLI_VALUE, OPT_MAX_BODY }, { "max-connections", CLI_VALUE, OPT_MAX_CONN },
	{ "idle-timeout", CLI_VALUE, OPT_IDLE }, { "demo", CLI_FLAG, OPT_DEMO }, { "domain", CLI_VALUE, OPT_DOMAIN },
	{ "photo-max-age", CLI_VALUE, OPT_MAX_AGE }, { "public-url", CLI_VALUE, OPT_PUBLIC_URL },
	{ "record", CLI_VALUE, OPT_RECORD }, { "anonymise", CLI_FLAG, OPT_ANONYMISE },
	{ "anonymize", CLI_FLAG, OPT_ANONYMISE }, { "replay", CLI_VALUE, OPT_REPLAY },
	{ "fall-through", CLI_FLAG, OPT_FALLTHROUGH }, { "journal", CLI_VALUE, OPT_JOURNAL },
	{ "fault-latency", CLI_VALUE, OPT_F_LATENCY }, { "fault-busy-every", CLI_VALUE, OPT_F_BUSY },
	{ "fault-backoff", CLI_VALUE, OPT_F_BACKOFF }, { "fault-reset-every", CLI_VALUE, OPT_F_RESET },
	{ "lockout-threshold", CLI_VALUE, OPT_LOCK_THRESHOLD }, { "lockout-window", CLI_VALUE, OPT_LOCK_WINDOW },
	{ "lockout-duration", CLI_VALUE, OPT_LOCK_DURATION },
	{ "exchange-version", CLI_VALUE, OPT_EXCHANGE_VERSION },
	{ "access-log", CLI_VALUE, OPT_ACCESS_LOG }, { "server-name", CLI_VALUE, OPT_SERVER_NAME },
	{ "auth", CLI_VALUE, OPT_AUTH },
	{ NULL, CLI_FLAG, 0 } };

/* p->value as a number from @p min to @p max into *out; 0 or 2. */
static int int_option(const struct cli_parser *p, long min, long max, int *out)
{
	long v;
	if (cli_number(p, min, max, NULL, &v))
		return 2;
	*out = (int)v;
	return 0;
}

/* One option of serve into @p a; 0, or 2 with the message on stderr. */
static int serve_option(const struct cli_parser *p, int id, struct serve_args *a)
{
	struct server_config *cfg = &a->cfg;
	const char *v = p->value;
	long n;
	switch (id) {
	case OPT_HTTP: cfg->http_listen = strcmp(v, "off") ? v : NULL; return 0;
	case OPT_HTTPS: cfg->https_listen = strcmp(v, "off") ? v : NULL; return 0;
	case OPT_CERT: cfg->cert_file = v; return 0;
	case OPT_ANON: cfg->allow_anonymous = 1; return 0;
	case OPT_NO_HR48: cfg->ews.hr48_prefers_thumbnail = 0; return 0;
	case OPT_MAX_BODY:
		if (cli_number(p, SERVE_MAX_BODY_MIN, SERVE_MAX_BODY_MAX, NULL, &n))
			return 2;
		cfg->max_body = (size_t)n;
		return 0;
	case OPT_MAX_CONN: return int_option(p, 1, SERVE_CONNECTIONS_MAX, &cfg->max_connections);
	case OPT_IDLE: return int_option(p, 1, SERVE_IDLE_MAX, &cfg->idle_timeout);
	case OPT_LOCK_THRESHOLD: return int_option(p, 0, AUTH_LOCKOUT_THRESHOLD_MAX, &cfg->auth.lockout_threshold);
	case OPT_LOCK_WINDOW: return int_option(p, 1, AUTH_LOCKOUT_SECONDS_MAX, &cfg->auth.lockout_window);
	case OPT_LOCK_DURATION: return int_option(p, 1, AUTH_LOCKOUT_SECONDS_MAX, &cfg->auth.lockout_duration);
	case OPT_MAX_AGE: return int_option(p, 0, SERVE_PHOTO_MAX_AGE_MAX, &cfg->ews.photo_max_age);
	case OPT_DEMO: a->demo = 1; return 0;
	case OPT_PUBLIC_URL:
		if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8)) {
			fprintf(stderr, "ewsemu: --public-url must start with http:// or https://\n");
			return 2;
		}
		cfg->public_url = v;
		return 0;
	case OPT_EXCHANGE_VERSION:
		if (!(cfg->ews.profile = exver_find(v))) {
			fprintf(stderr, "ewsemu: --exchange-version must be one of %s\n", exver_names());
			return 2;
		}
		return 0;
	case OPT_DOMAIN: a->domain = v; return 0;
	case OPT_RECORD: a->rec.dir = v; return 0;
	case OPT_ANONYMISE: a->rec.anonymise = 1; return 0;
	case OPT_REPLAY: a->rep.dir = v; return 0;
	case OPT_FALLTHROUGH: a->fallthrough = 1; return 0;
	case OPT_JOURNAL: a->rep.journal = v; return 0;
	case OPT_F_LATENCY: return int_option(p, 0, SERVE_FAULT_MS_MAX, &a->rep.latency_ms);
	case OPT_F_BUSY: return int_option(p, 0, SERVE_FAULT_EVERY_MAX, &a->rep.busy_every);
	case OPT_F_BACKOFF: return int_option(p, 0, SERVE_BACKOFF_MS_MAX, &a->rep.busy_backoff_ms);
	case OPT_F_RESET: return int_option(p, 0, SERVE_FAULT_EVERY_MAX, &a->rep.reset_every);
	case OPT_ACCESS_LOG: cfg->access_log = strcmp(v, "off") ? v : NULL; return 0;
	case OPT_SERVER_NAME: {
		struct http_ident names;
		if (http_ident_init(&names, v) != EMU_OK) {
			fprintf(stderr, "ewsemu: --server-name takes 1 to %d letters, digits or '-'\n", HTTP_SERVER_NAME_MAX);
			return 2;
		}
		cfg->server_name = v;
		return 0;
	}
	case OPT_AUTH:
		if (server_auth_parse(v, &cfg->auth_schemes) != EMU_OK) {
			fprintf(stderr, "ewsemu: --auth takes a comma-separated list of negotiate, ntlm, basic\n");
			return 2;
		}
		return 0;
	}
	return 2;
}

int cli_serve(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "serve", .help = SERVE_HELP, .opts = SERVE_OPTS, .uses_store = 1 };
	struct serve_args a = { .domain = CLI_DEFAULT_DOMAIN, .rep = { .busy_backoff_ms = SERVE_BACKOFF_MS_DEFAULT } };
	struct cli_parser p;
	int c;

	server_config_defaults(&a.cfg);
	a.cfg.access_log = "-";   /* serve logs every request unless --access-log off */
	cli_begin(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) > 0)
		if (serve_option(&p, c, &a))
			return 2;
	if ((c = cli_end(&p, c, 0, 0)) >= 0)
		return c;
	a.store = p.store;
	if (strlen(a.domain) > NTLM_SERVER_NAME_MAX) {
		fprintf(stderr, "ewsemu: --domain is longer than %d characters (it names the NTLM domain)\n",
		        NTLM_SERVER_NAME_MAX);
		return 2;
	}
	server_ntlm_domain(&a.cfg, a.domain);
	if (!a.cfg.http_listen && !a.cfg.https_listen)
		return cli_usage_error(&p, "--http and --https are both off");
	if (a.rec.dir && a.rep.dir) {
		fprintf(stderr, "ewsemu: --record and --replay exclude each other (record a replay with `ewsemu record`)\n");
		return 2;
	}
	if ((a.rec.anonymise && !a.rec.dir) || ((a.fallthrough || a.rep.journal || a.rep.latency_ms ||
	                                         a.rep.busy_every || a.rep.reset_every) && !a.rep.dir)) {
		fprintf(stderr, "ewsemu: --anonymise needs --record; --fall-through, --journal and --fault-* need --replay\n");
		return 2;
	}
	return serve_wire(&a);
}
