/* main.c - the ewsemu command line: serve, demo, import (tenant files and
 * vCards), the photo admin commands, diag and the contact commands.
 * Parsing only; the work is done by the modules. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include "admin/admin.h"
#include "core/log.h"
#include "core/result.h"
#include "demo/demo.h"
#include "http/server.h"
#include "record/record.h"
#include "replay/replay.h"
#include "store/store.h"
#include "token/token.h"

#define DEFAULT_STORE "ewsemu-data"
#define DEFAULT_DOMAIN "contoso.test"

static const char *g_store_dir = DEFAULT_STORE;

static const char USAGE[] =
	"usage: ewsemu COMMAND [OPTIONS]\n"
	"\n"
	"A local Exchange Web Services (EWS) server for user photos.\n"
	"\n"
	"commands:\n"
	"  serve                 run the server (HTTP and HTTPS)\n"
	"  demo                  create the built-in demo organisation in the store\n"
	"  import FILE.json      import a tenant file (all or nothing)\n"
	"  import FILE.vcf --user ADDRESS\n"
	"                        add the contacts of a vCard file to a mailbox\n"
	"  set-userphoto EMAIL FILE.jpg\n"
	"                        replace a user's mailbox photo (Set-UserPhoto)\n"
	"  remove-userphoto EMAIL [--clear-mailbox-photo-record]\n"
	"                        delete the mailbox photo and set the deletion record,\n"
	"                        or only clear that record (Remove-UserPhoto)\n"
	"  set-thumbnail EMAIL (FILE.jpg | --remove)\n"
	"                        set or remove the directory (AD) thumbnail\n"
	"  diag EMAIL            show a user's lockout state, photo data and what each size returns\n"
	"  unlock EMAIL          clear a user's account lockout (Unlock-ADAccount)\n"
	"  users                 list the directory\n"
	"  contacts --user ADDRESS\n"
	"                        list a mailbox's contacts\n"
	"  add-contact --user ADDRESS --display-name NAME [FIELDS] [--photo FILE.jpg]\n"
	"                        add a contact and print its id\n"
	"  remove-contact --user ADDRESS ID\n"
	"                        delete a contact\n"
	"  set-contact-photo --user ADDRESS ID (FILE.jpg | --remove)\n"
	"                        set or remove a contact's picture\n"
	"  token issue --user ADDRESS --scope SCOPE [--scope SCOPE ...] [--expires SECONDS]\n"
	"                        print a signed bearer token (Outlook REST API, EWS)\n"
	"  record --upstream URL --listen HOST:PORT DIR\n"
	"                        recording proxy: forward to another EWS server, write fixtures\n"
	"  verify DIR --against URL\n"
	"                        send recorded requests to a server, compare the answers\n"
	"  journal FILE          print the request journal of a replay server\n"
	"\n"
	"common options:\n"
	"  --store DIR           the store folder (default ./" DEFAULT_STORE ")\n"
	"  --log-level LEVEL     error, warn, info (default) or debug\n"
	"  -h, --help            help for a command: ewsemu COMMAND --help\n";

enum { OPT_STORE = 1000, OPT_LOG, OPT_HTTP, OPT_HTTPS, OPT_CERT, OPT_ANON, OPT_NO_HR48, OPT_MAX_BODY,
       OPT_MAX_CONN, OPT_IDLE, OPT_DEMO, OPT_DOMAIN, OPT_CLEAR, OPT_REMOVE, OPT_MAX_AGE, OPT_USER,
       OPT_PHOTO, OPT_PUBLIC_URL, OPT_RECORD, OPT_ANONYMISE, OPT_REPLAY, OPT_FALLTHROUGH, OPT_JOURNAL,
       OPT_F_LATENCY, OPT_F_BUSY, OPT_F_BACKOFF, OPT_F_RESET, OPT_LOCK_THRESHOLD, OPT_LOCK_WINDOW,
       OPT_LOCK_DURATION, OPT_FIELD = 2000 };

/* Options every command accepts; returns 1 when handled. */
static int common_option(int c)
{
	switch (c) {
	case OPT_STORE:
		g_store_dir = optarg;
		return 1;
	case OPT_LOG:
		if (log_level_option(optarg))
			exit(2);
		return 1;
	}
	return 0;
}

/* The store folder, for a replay server that keeps only its certificate there. */
static int mkdir_store_dir(void)
{
	if (mkdir(g_store_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "ewsemu: cannot create %s: %s\n", g_store_dir, strerror(errno));
		return EMU_EIO;
	}
	return EMU_OK;
}

static int open_store(store_t **s)
{
	int rc = store_open(g_store_dir, 0, s);
	if (rc)
		fprintf(stderr, "ewsemu: cannot open the store in %s: %s\n", g_store_dir, emu_strerror(rc));
	return rc;
}

static int fail_usage(const char *help)
{
	fputs(help, stderr);
	return 2;
}

static long parse_num(const char *s, long min, long max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || v < min || v > max) {
		fprintf(stderr, "ewsemu: %s must be a number from %ld to %ld\n", what, min, max);
		exit(2);
	}
	return v;
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

static int build_demo(store_t *s, const char *domain)
{
	int rc = demo_build(s, domain);
	if (rc == EMU_OK)
		printf("ewsemu: created the demo organisation @%s in %s\n", domain, g_store_dir);
	else
		fprintf(stderr, "ewsemu: demo: %s\n", rc == EMU_EEXIST ? "the store already has users" : emu_strerror(rc));
	return rc;
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

static const char SERVE_HELP[] =
	"usage: ewsemu serve [OPTIONS]\n"
	"\n"
	"Serve EWS (SOAP POST /EWS/Exchange.asmx) and the REST-style photo URL\n"
	"(GET /ews/Exchange.asmx/s/GetUserPhoto?email=..&size=..) until SIGINT/SIGTERM.\n"
	"\n"
	"  --store DIR               store folder (default ./" DEFAULT_STORE ")\n"
	"  --http HOST:PORT|off      HTTP listener (default 127.0.0.1:8080; port 0 = any free port)\n"
	"  --https HOST:PORT|off     HTTPS listener (default 127.0.0.1:8443)\n"
	"  --cert FILE.pem           key + certificate for HTTPS (default: a self-signed\n"
	"                            certificate created once as STORE/server.pem)\n"
	"  --demo                    create the demo organisation first if the store is empty\n"
	"  --domain DOMAIN           domain for --demo (default " DEFAULT_DOMAIN ")\n"
	"  --anonymous               allow requests without credentials (demo only)\n"
	"  --no-hr48-thumbnail       HR48x48 does not prefer the directory thumbnail\n"
	"  --photo-max-age SECONDS   Expires / Cache-Control lifetime of photos (default 3600)\n"
	"  --public-url URL          base of the URLs Autodiscover hands out, e.g.\n"
	"                            https://mail.example.test (default: the scheme and Host\n"
	"                            header of each Autodiscover request)\n"
	"  --max-body BYTES          largest request body (default 16777216; 413 above)\n"
	"  --max-connections N       concurrent connections (default 256)\n"
	"  --idle-timeout SECONDS    keep-alive idle limit (default 10)\n"
	"  --lockout-threshold N     bad passwords that lock an account (default 10; 0 = never\n"
	"                            lock); a locked account gets 401 even with the right\n"
	"                            password until the duration ends or `ewsemu unlock`\n"
	"  --lockout-window SECONDS  bad passwords count within this time (default 600)\n"
	"  --lockout-duration SECONDS  how long an account stays locked (default 600)\n"
	"  --log-level LEVEL         error, warn, info, debug\n"
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

/* serve --replay [--fall-through]: the replay server, whose unmatched
 * requests go to the live routes by a function call. */
static int serve_replay(store_t *s, struct server_config *cfg, struct replay_options *ro, int fallthrough)
{
	http_front_t *front = NULL;
	if (fallthrough) {
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

static int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, 0, OPT_STORE }, { "log-level", required_argument, 0, OPT_LOG },
		{ "http", required_argument, 0, OPT_HTTP }, { "https", required_argument, 0, OPT_HTTPS },
		{ "cert", required_argument, 0, OPT_CERT }, { "anonymous", no_argument, 0, OPT_ANON },
		{ "no-hr48-thumbnail", no_argument, 0, OPT_NO_HR48 }, { "max-body", required_argument, 0, OPT_MAX_BODY },
		{ "max-connections", required_argument, 0, OPT_MAX_CONN }, { "idle-timeout", required_argument, 0, OPT_IDLE },
		{ "demo", no_argument, 0, OPT_DEMO }, { "domain", required_argument, 0, OPT_DOMAIN },
		{ "photo-max-age", required_argument, 0, OPT_MAX_AGE }, { "public-url", required_argument, 0, OPT_PUBLIC_URL },
		{ "record", required_argument, 0, OPT_RECORD }, { "anonymise", no_argument, 0, OPT_ANONYMISE },
		{ "anonymize", no_argument, 0, OPT_ANONYMISE }, { "replay", required_argument, 0, OPT_REPLAY },
		{ "fall-through", no_argument, 0, OPT_FALLTHROUGH }, { "journal", required_argument, 0, OPT_JOURNAL },
		{ "fault-latency", required_argument, 0, OPT_F_LATENCY }, { "fault-busy-every", required_argument, 0, OPT_F_BUSY },
		{ "fault-backoff", required_argument, 0, OPT_F_BACKOFF }, { "fault-reset-every", required_argument, 0, OPT_F_RESET },
		{ "lockout-threshold", required_argument, 0, OPT_LOCK_THRESHOLD },
		{ "lockout-window", required_argument, 0, OPT_LOCK_WINDOW },
		{ "lockout-duration", required_argument, 0, OPT_LOCK_DURATION },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	struct server_config cfg;
	struct record_options rec = { 0 };
	struct replay_options rep = { .busy_backoff_ms = 5000 };
	recorder_t *recorder = NULL;
	int fallthrough = 0;
	const char *domain = DEFAULT_DOMAIN;
	char cert[PATH_MAX];
	int demo = 0, c, rc;
	store_t *s = NULL;

	server_config_defaults(&cfg);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(c))
			continue;
		switch (c) {
		case OPT_HTTP: cfg.http_listen = strcmp(optarg, "off") ? optarg : NULL; break;
		case OPT_HTTPS: cfg.https_listen = strcmp(optarg, "off") ? optarg : NULL; break;
		case OPT_CERT: cfg.cert_file = optarg; break;
		case OPT_ANON: cfg.allow_anonymous = 1; break;
		case OPT_NO_HR48: cfg.ews.hr48_prefers_thumbnail = 0; break;
		case OPT_MAX_BODY: cfg.max_body = (size_t)parse_num(optarg, 1024, 1L << 30, "--max-body"); break;
		case OPT_MAX_CONN: cfg.max_connections = (int)parse_num(optarg, 1, 100000, "--max-connections"); break;
		case OPT_IDLE: cfg.idle_timeout = (int)parse_num(optarg, 1, 3600, "--idle-timeout"); break;
		case OPT_LOCK_THRESHOLD:
			cfg.auth.lockout_threshold = (int)parse_num(optarg, 0, AUTH_LOCKOUT_THRESHOLD_MAX, "--lockout-threshold");
			break;
		case OPT_LOCK_WINDOW:
			cfg.auth.lockout_window = (int)parse_num(optarg, 1, AUTH_LOCKOUT_SECONDS_MAX, "--lockout-window");
			break;
		case OPT_LOCK_DURATION:
			cfg.auth.lockout_duration = (int)parse_num(optarg, 1, AUTH_LOCKOUT_SECONDS_MAX, "--lockout-duration");
			break;
		case OPT_MAX_AGE: cfg.ews.photo_max_age = (int)parse_num(optarg, 0, 31536000, "--photo-max-age"); break;
		case OPT_DEMO: demo = 1; break;
		case OPT_PUBLIC_URL:
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				fprintf(stderr, "ewsemu: --public-url must start with http:// or https://\n");
				return 2;
			}
			cfg.public_url = optarg;
			break;
		case OPT_DOMAIN: domain = optarg; break;
		case OPT_RECORD: rec.dir = optarg; break;
		case OPT_ANONYMISE: rec.anonymise = 1; break;
		case OPT_REPLAY: rep.dir = optarg; break;
		case OPT_FALLTHROUGH: fallthrough = 1; break;
		case OPT_JOURNAL: rep.journal = optarg; break;
		case OPT_F_LATENCY: rep.latency_ms = (int)parse_num(optarg, 0, 600000, "--fault-latency"); break;
		case OPT_F_BUSY: rep.busy_every = (int)parse_num(optarg, 0, 1000000, "--fault-busy-every"); break;
		case OPT_F_BACKOFF: rep.busy_backoff_ms = (int)parse_num(optarg, 0, 3600000, "--fault-backoff"); break;
		case OPT_F_RESET: rep.reset_every = (int)parse_num(optarg, 0, 1000000, "--fault-reset-every"); break;
		case 'h': fputs(SERVE_HELP, stdout); return 0;
		default: return fail_usage(SERVE_HELP);
		}
	}
	if (optind != argc || (!cfg.http_listen && !cfg.https_listen))
		return fail_usage(SERVE_HELP);
	if (rec.dir && rep.dir) {
		fprintf(stderr, "ewsemu: --record and --replay exclude each other (record a replay with `ewsemu record`)\n");
		return 2;
	}
	if ((rec.anonymise && !rec.dir) || ((fallthrough || rep.journal || rep.latency_ms || rep.busy_every ||
	                                     rep.reset_every) && !rep.dir)) {
		fprintf(stderr, "ewsemu: --anonymise needs --record; --fall-through, --journal and --fault-* need --replay\n");
		return 2;
	}
	if (rep.dir && !fallthrough) {
		/* a pure replay needs no store: only the fixtures and a certificate */
		if (cfg.https_listen && !cfg.cert_file) {
			if (mkdir_store_dir() != EMU_OK)
				return 1;
			snprintf(cert, sizeof cert, "%s/server.pem", g_store_dir);
			if (tls_ensure_cert(cert) != EMU_OK) {
				fprintf(stderr, "ewsemu: cannot create a certificate in %s\n", cert);
				return 1;
			}
			cfg.cert_file = cert;
		}
		rep.http_listen = cfg.http_listen;
		rep.https_listen = cfg.https_listen;
		rep.cert_file = cfg.cert_file;
		rep.require_auth = !cfg.allow_anonymous;
		return serve_replay(NULL, &cfg, &rep, 0);
	}
	if (open_store(&s))
		return 1;
	if (demo && store_is_empty(s) && build_demo(s, domain) != EMU_OK) {
		store_close(s);
		return 1;
	}
	char example[STORE_ADDR_MAX + 1];
	if (demo && demo_example_login(domain, example, sizeof example) == EMU_OK) {
		cfg.example_user = example;
		cfg.example_password = DEMO_PASSWORD;
	}
	if (cfg.https_listen && !cfg.cert_file) {
		snprintf(cert, sizeof cert, "%s/server.pem", g_store_dir);
		if (tls_ensure_cert(cert) != EMU_OK) {
			fprintf(stderr, "ewsemu: cannot create a certificate in %s\n", cert);
			store_close(s);
			return 1;
		}
		cfg.cert_file = cert;
	}
	struct token_key tkey;   /* created once in the store folder (token/token.h) */
	if (token_key_load_or_create(g_store_dir, &tkey) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot use the token key %s/%s (see the log)\n", g_store_dir, TOKEN_KEY_FILE);
		store_close(s);
		return 1;
	}
	cfg.token_key = &tkey;
	if (rep.dir) {
		rep.http_listen = cfg.http_listen;
		rep.https_listen = cfg.https_listen;
		rep.cert_file = cfg.cert_file;
		rep.require_auth = !cfg.allow_anonymous;
		rc = serve_replay(s, &cfg, &rep, fallthrough);
		store_close(s);
		return rc;
	}
	if (rec.dir) {
		if (recorder_open(&rec, &recorder) != EMU_OK) {
			fprintf(stderr, "ewsemu: cannot record into %s (see the log)\n", rec.dir);
			store_close(s);
			return 1;
		}
		http_front_t *front;
		if (http_front_new(s, &cfg, &front) != EMU_OK) {
			recorder_close(recorder);
			store_close(s);
			return 1;
		}
		struct record_layer layer = { .rec = recorder, .inner = http_front_handle,
			                      .inner_end = http_front_conn_end, .inner_ctx = front };
		rc = server_listen(&cfg, record_layer_handle, record_layer_conn_end, &layer);
		http_front_free(front);
	} else {
		rc = server_run(s, &cfg);
	}
	recorder_close(recorder);
	store_close(s);
	return rc == EMU_OK ? 0 : 1;
}

/* The simpler commands share one option table. */
static const struct option g_simple_opts[] = {
	{ "store", required_argument, 0, OPT_STORE }, { "log-level", required_argument, 0, OPT_LOG },
	{ "domain", required_argument, 0, OPT_DOMAIN },
	{ "clear-mailbox-photo-record", no_argument, 0, OPT_CLEAR }, { "remove", no_argument, 0, OPT_REMOVE },
	{ "no-hr48-thumbnail", no_argument, 0, OPT_NO_HR48 }, { "user", required_argument, 0, OPT_USER },
	{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };

struct simple_args {
	const char *domain, *user;
	int clear, remove, no_hr48;
};

/* Parse options allowed by @p allowed (a string of option letters: d c r n u). */
static int parse_simple(int argc, char **argv, const char *help, const char *allowed, struct simple_args *a)
{
	int c;
	memset(a, 0, sizeof *a);
	a->domain = DEFAULT_DOMAIN;
	while ((c = getopt_long(argc, argv, "h", g_simple_opts, NULL)) != -1) {
		if (common_option(c))
			continue;
		if (c == 'h') {
			fputs(help, stdout);
			exit(0);
		}
		if (c == OPT_DOMAIN && strchr(allowed, 'd')) a->domain = optarg;
		else if (c == OPT_CLEAR && strchr(allowed, 'c')) a->clear = 1;
		else if (c == OPT_REMOVE && strchr(allowed, 'r')) a->remove = 1;
		else if (c == OPT_NO_HR48 && strchr(allowed, 'n')) a->no_hr48 = 1;
		else if (c == OPT_USER && strchr(allowed, 'u')) a->user = optarg;
		else {
			fputs(help, stderr);
			exit(2);
		}
	}
	return optind;
}

static int finish(store_t *s, int rc, const char *err)
{
	if (rc)
		fprintf(stderr, "ewsemu: %s\n", err[0] ? err : emu_strerror(rc));
	store_close(s);
	return rc ? 1 : 0;
}

static const char DEMO_HELP[] =
	"usage: ewsemu demo [--store DIR] [--domain DOMAIN]\n"
	"\n"
	"Create the built-in demo organisation (users in every photo state, contacts)\n"
	"in an empty store. Every demo user's password is Passw0rd!\n";

static int cmd_demo(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	int i = parse_simple(argc, argv, DEMO_HELP, "d", &a);
	if (i != argc)
		return fail_usage(DEMO_HELP);
	if (open_store(&s))
		return 1;
	int rc = build_demo(s, a.domain);
	store_close(s);
	return rc ? 1 : 0;
}

static const char IMPORT_HELP[] =
	"usage: ewsemu import [--store DIR] FILE.json\n"
	"       ewsemu import [--store DIR] FILE.vcf --user ADDRESS\n"
	"\n"
	"Import a tenant file (users, photos, thumbnails, contacts); see README.md for\n"
	"the format. All or nothing: a bad file changes nothing and says which entry\n"
	"is wrong and why.\n"
	"\n"
	"With --user: add the contacts of a vCard file (vCard 2.1, 3.0 or 4.0, one or\n"
	"many cards, as exported by Apple Contacts, Google Contacts, Thunderbird or\n"
	"Outlook) to the Contacts folder of ADDRESS. Names, nickname, company and\n"
	"department, job title, up to three e-mail addresses, business, mobile and\n"
	"home phones, the business address, birthday, notes and an embedded JPEG\n"
	"picture are kept; other properties are ignored, and a picture that is only a\n"
	"link is not fetched. All or nothing too: a bad card changes nothing and the\n"
	"message names the card (number and name), the line and the reason.\n"
	"Importing a file twice adds its contacts twice.\n";

/* FILE.vcf / FILE.vcard without --user: the mailbox is missing. */
static int is_vcard_name(const char *path)
{
	size_t n = strlen(path);
	return (n > 4 && !strcasecmp(path + n - 4, ".vcf")) || (n > 6 && !strcasecmp(path + n - 6, ".vcard"));
}

static int cmd_import(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[1024] = "";
	int rc, i = parse_simple(argc, argv, IMPORT_HELP, "u", &a);
	if (argc - i != 1)
		return fail_usage(IMPORT_HELP);
	if (!a.user && is_vcard_name(argv[i])) {
		fprintf(stderr, "ewsemu: %s is a vCard file: say whose contacts they are with --user ADDRESS\n",
		        argv[i]);
		return 2;
	}
	if (open_store(&s))
		return 1;
	if (a.user) {
		struct vcard_import_result r;
		rc = admin_import_vcard(s, a.user, argv[i], &r, err, sizeof err);
		if (rc == EMU_OK) {
			printf("ewsemu: imported %zu contact%s (%zu with a picture) from %s into %s\n",
			       r.contacts, r.contacts == 1 ? "" : "s", r.photos, argv[i], a.user);
			if (r.photo_links)
				printf("ewsemu: %zu picture%s given as a link (URL) %s not fetched\n",
				       r.photo_links, r.photo_links == 1 ? "" : "s", r.photo_links == 1 ? "was" : "were");
			if (r.groups)
				printf("ewsemu: %zu group card%s skipped (groups are not contacts)\n",
				       r.groups, r.groups == 1 ? "" : "s");
		}
		return finish(s, rc, err);
	}
	rc = admin_import_tenant(s, argv[i], err, sizeof err);
	if (rc == EMU_OK)
		printf("ewsemu: imported %s\n", argv[i]);
	return finish(s, rc, err);
}

static const char SET_PHOTO_HELP[] =
	"usage: ewsemu set-userphoto [--store DIR] EMAIL FILE.jpg\n"
	"\n"
	"Replace EMAIL's mailbox photo with a JPEG (at most 8 MiB, 8192x8192, and\n"
	"160 MiB of memory to decode: a progressive JPEG needs about 2 bytes per pixel\n"
	"and colour component) and clear any deletion record, like Set-UserPhoto.\n"
	"Every size code up to the picture's size is made once, now; a picture between\n"
	"two size codes is also kept at its own size as the largest rendition.\n";

static int cmd_set_photo(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, SET_PHOTO_HELP, "", &a);
	if (argc - i != 2)
		return fail_usage(SET_PHOTO_HELP);
	if (open_store(&s))
		return 1;
	return finish(s, admin_set_user_photo(s, argv[i], argv[i + 1], err, sizeof err), err);
}

static const char REMOVE_PHOTO_HELP[] =
	"usage: ewsemu remove-userphoto [--store DIR] EMAIL [--clear-mailbox-photo-record]\n"
	"\n"
	"Without the option: delete EMAIL's mailbox photo and set the deletion record\n"
	"(UserPhotoCacheId = 0), after which no photo is served, not even the directory\n"
	"thumbnail. With --clear-mailbox-photo-record: clear only that record, so the\n"
	"directory thumbnail is served again (Remove-UserPhoto -ClearMailboxPhotoRecord).\n";

static int cmd_remove_photo(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, REMOVE_PHOTO_HELP, "c", &a);
	if (argc - i != 1)
		return fail_usage(REMOVE_PHOTO_HELP);
	if (open_store(&s))
		return 1;
	return finish(s, admin_remove_user_photo(s, argv[i], a.clear, err, sizeof err), err);
}

static const char THUMB_HELP[] =
	"usage: ewsemu set-thumbnail [--store DIR] EMAIL (FILE.jpg | --remove)\n"
	"\n"
	"Set EMAIL's directory (AD thumbnailPhoto) picture: a JPEG of any dimensions,\n"
	"at most 100 KB, served as is. --remove deletes it.\n";

static int cmd_thumbnail(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, THUMB_HELP, "r", &a);
	if (argc - i != (a.remove ? 1 : 2))
		return fail_usage(THUMB_HELP);
	if (open_store(&s))
		return 1;
	return finish(s, admin_set_thumbnail(s, argv[i], a.remove ? NULL : argv[i + 1], err, sizeof err), err);
}

static const char UNLOCK_HELP[] =
	"usage: ewsemu unlock [--store DIR] EMAIL\n"
	"\n"
	"Clear EMAIL's account lockout (like Unlock-ADAccount): a running server lets the\n"
	"user log in again at once. `ewsemu diag EMAIL` shows the lockout state; importing a\n"
	"new password for the user clears it too.\n";

static int cmd_unlock(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, UNLOCK_HELP, "", &a);
	if (argc - i != 1)
		return fail_usage(UNLOCK_HELP);
	if (open_store(&s))
		return 1;
	return finish(s, admin_unlock(s, argv[i], stdout, err, sizeof err), err);
}

static const char DIAG_HELP[] =
	"usage: ewsemu diag [--store DIR] [--no-hr48-thumbnail] EMAIL\n"
	"\n"
	"Print EMAIL's account lockout state (see ewsemu unlock) and what\n"
	"Get-UserPhotoDataOnPremises would show for EMAIL: the photo record,\n"
	"the deletion flag, the stored renditions with sizes and ETags, and which image\n"
	"each size code returns and why.\n";

static int cmd_diag(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, DIAG_HELP, "n", &a);
	if (argc - i != 1)
		return fail_usage(DIAG_HELP);
	if (open_store(&s))
		return 1;
	return finish(s, admin_diag(s, argv[i], !a.no_hr48, stdout, err, sizeof err), err);
}

static int print_user(const struct user_record *u, void *ctx)
{
	(void)ctx;
	printf("%-36s %-28s%s\n", u->email, u->display_name, u->is_admin ? " (admin)" : "");
	return 0;
}

static const char USERS_HELP[] = "usage: ewsemu users [--store DIR]\n\nList the directory's users.\n";

static int cmd_users(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	store_txn_t *t;
	int i = parse_simple(argc, argv, USERS_HELP, "", &a);
	if (i != argc)
		return fail_usage(USERS_HELP);
	if (open_store(&s))
		return 1;
	int rc = store_txn_begin(s, 0, &t);
	if (rc == EMU_OK) {
		rc = store_user_foreach(t, print_user, NULL);
		store_txn_abort(t);
	}
	return finish(s, rc, "");
}

/* ---- contacts ---------------------------------------------------------------- */

/* --user is required by the contact commands. */
static int need_user(const struct simple_args *a, const char *help)
{
	if (a->user)
		return 0;
	fprintf(stderr, "ewsemu: --user ADDRESS is required\n\n");
	fail_usage(help);
	return 2;
}

static const char CONTACTS_HELP[] =
	"usage: ewsemu contacts [--store DIR] --user ADDRESS\n"
	"\n"
	"List the contacts in ADDRESS's Contacts folder, one a line: id, display name,\n"
	"first e-mail address (- when none) and the picture (size, bytes and ETag, or\n"
	"\"no photo\").\n";

static int cmd_contacts(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, CONTACTS_HELP, "u", &a);
	if (i != argc)
		return fail_usage(CONTACTS_HELP);
	if (need_user(&a, CONTACTS_HELP))
		return 2;
	if (open_store(&s))
		return 1;
	return finish(s, admin_list_contacts(s, a.user, stdout, NULL, err, sizeof err), err);
}

static void add_contact_help(FILE *out)
{
	fputs("usage: ewsemu add-contact [--store DIR] --user ADDRESS --display-name NAME\n"
	      "                          [--FIELD VALUE ...] [--photo FILE.jpg]\n"
	      "\n"
	      "Add a contact to ADDRESS's Contacts folder and print its id. Values are\n"
	      "stored as given (UTF-8; longer than a field allows is an error, not cut).\n"
	      "\n"
	      "  --user ADDRESS         the mailbox (any of its addresses)\n", out);
	for (size_t i = 0; admin_contact_field(i) != NULL; i++) {
		const struct admin_contact_field *f = admin_contact_field(i);
		fprintf(out, "  --%-20s %s\n", f->option, f->help);
	}
	fputs("  --photo FILE.jpg       the contact's picture (JPEG, at most 8 MiB and 8192x8192)\n"
	      "  --store DIR            store folder (default ./" DEFAULT_STORE ")\n", out);
}

static int cmd_add_contact(int argc, char **argv)
{
	struct option opts[64];
	struct contact_record c;
	const char *user = NULL, *photo = NULL;
	char err[512] = "";
	size_t n = 0;
	store_t *s;
	int ch, rc;

	static const struct option fixed[] = {
		{ "store", required_argument, 0, OPT_STORE }, { "log-level", required_argument, 0, OPT_LOG },
		{ "user", required_argument, 0, OPT_USER }, { "photo", required_argument, 0, OPT_PHOTO },
		{ "help", no_argument, 0, 'h' } };
	for (; n < sizeof fixed / sizeof *fixed; n++)
		opts[n] = fixed[n];
	for (size_t i = 0; admin_contact_field(i) != NULL && n + 1 < sizeof opts / sizeof *opts; i++, n++) {
		opts[n].name = admin_contact_field(i)->option;
		opts[n].has_arg = required_argument;
		opts[n].flag = NULL;
		opts[n].val = OPT_FIELD + (int)i;
	}
	memset(&opts[n], 0, sizeof opts[n]);
	memset(&c, 0, sizeof c);
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(ch))
			continue;
		if (ch == 'h') {
			add_contact_help(stdout);
			return 0;
		} else if (ch == OPT_USER) {
			user = optarg;
		} else if (ch == OPT_PHOTO) {
			photo = optarg;
		} else if (ch >= OPT_FIELD && admin_contact_field((size_t)(ch - OPT_FIELD)) != NULL) {
			rc = admin_contact_field_set(&c, admin_contact_field((size_t)(ch - OPT_FIELD))->option,
			                             optarg, err, sizeof err);
			if (rc) {
				fprintf(stderr, "ewsemu: %s\n", err);
				return 2;
			}
		} else {
			add_contact_help(stderr);
			return 2;
		}
	}
	if (optind != argc || !user || !c.display_name[0]) {
		if (!user || !c.display_name[0])
			fprintf(stderr, "ewsemu: --user and --display-name are required\n\n");
		add_contact_help(stderr);
		return 2;
	}
	if (open_store(&s))
		return 1;
	rc = admin_add_contact(s, user, &c, photo, err, sizeof err);
	if (rc == EMU_OK)
		printf("%s\n", c.id);
	return finish(s, rc, err);
}

static const char REMOVE_CONTACT_HELP[] =
	"usage: ewsemu remove-contact [--store DIR] --user ADDRESS ID\n"
	"\n"
	"Delete contact ID (as listed by ewsemu contacts) and its picture from\n"
	"ADDRESS's Contacts folder.\n";

static int cmd_remove_contact(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, REMOVE_CONTACT_HELP, "u", &a);
	if (argc - i != 1)
		return fail_usage(REMOVE_CONTACT_HELP);
	if (need_user(&a, REMOVE_CONTACT_HELP))
		return 2;
	if (open_store(&s))
		return 1;
	return finish(s, admin_remove_contact(s, a.user, argv[i], err, sizeof err), err);
}

static const char CONTACT_PHOTO_HELP[] =
	"usage: ewsemu set-contact-photo [--store DIR] --user ADDRESS ID (FILE.jpg | --remove)\n"
	"\n"
	"Set the picture of contact ID in ADDRESS's Contacts folder to a JPEG (at most\n"
	"8 MiB and 8192x8192, stored as given), or delete it with --remove.\n";

static int cmd_set_contact_photo(int argc, char **argv)
{
	struct simple_args a;
	store_t *s;
	char err[512] = "";
	int i = parse_simple(argc, argv, CONTACT_PHOTO_HELP, "ur", &a);
	if (argc - i != (a.remove ? 1 : 2))
		return fail_usage(CONTACT_PHOTO_HELP);
	if (need_user(&a, CONTACT_PHOTO_HELP))
		return 2;
	if (open_store(&s))
		return 1;
	return finish(s, admin_set_contact_photo(s, a.user, argv[i], a.remove ? NULL : argv[i + 1],
	                                         err, sizeof err), err);
}

static const char TOKEN_HELP[] =
	"usage: ewsemu token issue [--store DIR] --user ADDRESS --scope SCOPE [--scope SCOPE ...]\n"
	"                          [--expires SECONDS]\n"
	"\n"
	"Print a bearer token for ADDRESS (any of the user's addresses; the token names the\n"
	"primary one), for the Outlook REST photo API (Authorization: Bearer TOKEN) and EWS.\n"
	"It is signed (HMAC-SHA256) with the key in STORE/" TOKEN_KEY_FILE ", created once (mode 0600).\n"
	"\n"
	"  --user ADDRESS     the signed-in user (\"me\")\n"
	"  --scope SCOPE      user.read        read the user's own photo\n"
	"                     user.readwrite   read and replace the user's own photo\n"
	"                     user.readbasic.all, user.read.all   read anyone's photo\n"
	"                     user.readwrite.all                  read and replace anyone's photo\n"
	"                     (repeat, or separate with spaces or commas)\n"
	"  --expires SECONDS  lifetime (default 3600, at most 31536000)\n"
	"  --store DIR        store folder (default ./" DEFAULT_STORE ")\n"
	"\n"
	"EWS SOAP requests need user.readwrite.all, or user.read.all (or user.readbasic.all)\n"
	"with user.readwrite.\n";

static int cmd_token(int argc, char **argv)
{
	enum { OPT_SCOPE = 3000, OPT_EXPIRES };
	static const struct option opts[] = {
		{ "store", required_argument, 0, OPT_STORE }, { "log-level", required_argument, 0, OPT_LOG },
		{ "user", required_argument, 0, OPT_USER }, { "scope", required_argument, 0, OPT_SCOPE },
		{ "expires", required_argument, 0, OPT_EXPIRES }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	const char *user = NULL;
	unsigned scopes = 0;
	long expires = 3600;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (common_option(c))
			continue;
		switch (c) {
		case OPT_USER: user = optarg; break;
		case OPT_EXPIRES: expires = parse_num(optarg, 1, 31536000, "--expires"); break;
		case OPT_SCOPE:
			for (const char *p = optarg; *p;) {
				size_t n = strcspn(p, " ,");
				unsigned bit;
				if (n && token_scope_parse(p, n, &bit) != EMU_OK) {
					fprintf(stderr, "ewsemu: unknown scope '%.*s' (user.read, user.readwrite, "
					        "user.readbasic.all, user.read.all, user.readwrite.all)\n", (int)n, p);
					return 2;
				}
				if (n)
					scopes |= bit;
				p += n;
				p += strspn(p, " ,");
			}
			break;
		case 'h': fputs(TOKEN_HELP, stdout); return 0;
		default: return fail_usage(TOKEN_HELP);
		}
	}
	if (optind + 1 != argc || strcmp(argv[optind], "issue") != 0 || !user || !scopes)
		return fail_usage(TOKEN_HELP);

	store_t *s;
	store_txn_t *t;
	struct user_record *u = malloc(sizeof *u);
	struct token_key key;
	char tok[TOKEN_MAX + 1];
	int rc;
	if (!u)
		return 1;
	if (open_store(&s)) {
		free(u);
		return 1;
	}
	rc = store_txn_begin(s, 0, &t);
	if (rc == EMU_OK) {
		rc = store_user_get(t, user, u);
		store_txn_abort(t);
	}
	if (rc == EMU_OK)
		rc = token_key_load_or_create(g_store_dir, &key);
	else
		fprintf(stderr, "ewsemu: %s: %s\n", user, rc == EMU_ENOTFOUND ? "no such user" : emu_strerror(rc));
	store_close(s);
	if (rc == EMU_OK) {
		int64_t now = (int64_t)time(NULL);
		rc = token_issue(&key, u->email, scopes, now, now + expires, tok, sizeof tok);
		if (rc == EMU_OK)
			printf("%s\n", tok);
		else
			fprintf(stderr, "ewsemu: cannot issue the token: %s\n", emu_strerror(rc));
	}
	free(u);
	return rc == EMU_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "serve", cmd_serve }, { "demo", cmd_demo }, { "import", cmd_import },
		{ "set-userphoto", cmd_set_photo }, { "remove-userphoto", cmd_remove_photo },
		{ "set-thumbnail", cmd_thumbnail }, { "diag", cmd_diag }, { "unlock", cmd_unlock },
		{ "users", cmd_users },
		{ "contacts", cmd_contacts }, { "add-contact", cmd_add_contact },
		{ "remove-contact", cmd_remove_contact }, { "set-contact-photo", cmd_set_contact_photo },
		{ "token", cmd_token }, { "record", record_command }, { "verify", verify_command },
		{ "journal", journal_command },
	};
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(USAGE, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "ewsemu: unknown command '%s'\n\n%s", argv[1], USAGE);
	return 2;
}
