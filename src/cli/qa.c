/* qa.c - the QA commands (fixtures/README.md): record (the recording
 * proxy), verify (a server against recorded fixtures), journal (a replay
 * server's request journal).  Parsing only; record/ and replay/ do the work. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/result.h"
#include "record/record.h"
#include "replay/replay.h"
#include "wire/wire.h"

static const char RECORD_HELP[] =
	"usage: ewsemu record --upstream URL --listen HOST:PORT [OPTIONS] DIR\n"
	"\n"
	"A recording proxy in front of another EWS server (a real Exchange, or another\n"
	"ewsemu): every request is forwarded to URL over HTTP or HTTPS, authentication\n"
	"passed through (Basic, NTLM, Negotiate, Bearer), and every exchange written to\n"
	"DIR as a fixture file (fixtures/README.md).  Credentials never land in a\n"
	"fixture.  Autodiscover answers that name the upstream point at the proxy, so a\n"
	"client keeps talking through it.  Stop with Ctrl-C.\n"
	"\n"
	"  --upstream URL            the server to forward to, e.g. https://mail.example.com\n"
	"                            (a path is kept as a prefix of every request's path)\n"
	"  --listen HOST:PORT        where the proxy listens (port 0 = any free port)\n"
	"  --cert FILE.pem           key + certificate: the proxy speaks HTTPS on --listen\n"
	"  --insecure                do not verify the upstream's certificate\n"
	"  --anonymise               replace people consistently: fake names and addresses,\n"
	"                            generated photos of the same dimensions\n"
	"  --fake-domain DOMAIN      domain of the fake addresses (default example.test)\n"
	"  --timeout SECONDS         upstream connect/read/write timeout (default 60)\n"
	"  --log-level LEVEL         error, warn, info (default) or debug\n"
	"\n"
	"example:\n"
	"  ewsemu record --upstream https://127.0.0.1:8443 --insecure \\\n"
	"      --listen 127.0.0.1:9080 --anonymise fixtures/recorded\n";

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

static const char JOURNAL_HELP[] =
	"usage: ewsemu journal FILE [--operation OP] [--unmatched] [--json] [--since-seq N]\n"
	"Print the request journal a replay server wrote (serve --replay DIR --journal FILE),\n"
	"one line per request: SEQ METHOD TARGET OPERATION -> STATUS FIXTURE|(no match)\n"
	"  --operation OP   only requests of this operation (ResolveNames, \"GET GetUserPhoto\";\n"
	"                   GetUserPhoto also matches the GET form)\n"
	"  --unmatched      only requests no fixture answered\n"
	"  --json           print the journal lines (JSON objects) themselves\n"
	"  --since-seq N    only requests with a sequence number greater than N\n";

#define RECORD_TIMEOUT_MAX 3600   /* record --timeout at most, seconds */

int cli_record(int argc, char **argv)
{
	enum { OPT_UPSTREAM = 1, OPT_LISTEN, OPT_CERT, OPT_INSECURE, OPT_ANONYMISE, OPT_FAKE_DOMAIN, OPT_TIMEOUT };
	static const struct cli_opt opts[] = {
		{ "upstream", CLI_VALUE, OPT_UPSTREAM }, { "listen", CLI_VALUE, OPT_LISTEN },
		{ "cert", CLI_VALUE, OPT_CERT }, { "insecure", CLI_FLAG, OPT_INSECURE },
		{ "anonymise", CLI_FLAG, OPT_ANONYMISE }, { "anonymize", CLI_FLAG, OPT_ANONYMISE },
		{ "fake-domain", CLI_VALUE, OPT_FAKE_DOMAIN }, { "timeout", CLI_VALUE, OPT_TIMEOUT },
		{ NULL, CLI_FLAG, 0 } };
	static const struct cli_cmd cmd = { .name = "record", .help = RECORD_HELP, .opts = opts };
	struct record_options ro = { 0 };
	struct record_proxy_options po = { 0 };
	struct cli_parser p;
	recorder_t *rec = NULL;
	long n;
	int c, rc;

	cli_begin(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) > 0) {
		switch (c) {
		case OPT_UPSTREAM: po.upstream = p.value; break;
		case OPT_LISTEN: po.listen = p.value; break;
		case OPT_CERT: po.cert_file = p.value; break;
		case OPT_INSECURE: po.insecure = 1; break;
		case OPT_ANONYMISE: ro.anonymise = 1; break;
		case OPT_FAKE_DOMAIN: ro.fake_domain = p.value; break;
		case OPT_TIMEOUT:
			if (cli_number(&p, 1, RECORD_TIMEOUT_MAX, NULL, &n))
				return 2;
			po.timeout_s = (int)n;
			break;
		}
	}
	if ((c = cli_end(&p, c, 1, 1)) >= 0)
		return c;
	if (!po.upstream || !po.listen)
		return cli_usage_error(&p, "--upstream and --listen are required");
	if (ro.fake_domain && !ro.anonymise) {
		fprintf(stderr, "ewsemu: --fake-domain needs --anonymise\n");
		return 2;
	}
	if (strncmp(po.upstream, "http://", 7) && strncmp(po.upstream, "https://", 8)) {
		fprintf(stderr, "ewsemu: --upstream must start with http:// or https://\n");
		return 2;
	}
	ro.dir = p.args[0];
	if ((rc = recorder_open(&ro, &rec)) != EMU_OK) {
		fprintf(stderr, "ewsemu: cannot record into %s: %s (see the log)\n", ro.dir, emu_strerror(rc));
		return 1;
	}
	rc = record_proxy_run(rec, &po);
	recorder_close(rec);
	if (rc != EMU_OK) {
		fprintf(stderr, "ewsemu: the recording proxy did not start: %s (see the log)\n", emu_strerror(rc));
		return 1;
	}
	return 0;
}

int cli_verify(int argc, char **argv)
{
	enum { OPT_AGAINST = 1, OPT_USER, OPT_PASSWORD, OPT_INSECURE, OPT_ONLY, OPT_QUIET, OPT_TIMEOUT, OPT_DEADLINE };
	static const struct cli_opt opts[] = {
		{ "against", CLI_VALUE, OPT_AGAINST }, { "user", CLI_VALUE, OPT_USER },
		{ "password", CLI_VALUE, OPT_PASSWORD }, { "insecure", CLI_FLAG, OPT_INSECURE },
		{ "only", CLI_VALUE, OPT_ONLY }, { "quiet", CLI_FLAG, OPT_QUIET },
		{ "timeout", CLI_VALUE, OPT_TIMEOUT }, { "deadline", CLI_VALUE, OPT_DEADLINE }, { NULL, CLI_FLAG, 0 } };
	static const struct cli_cmd cmd = { .name = "verify", .help = VERIFY_HELP, .opts = opts };
	struct replay_verify_options o = { .timeout_s = REPLAY_VERIFY_TIMEOUT_S, .deadline_s = REPLAY_VERIFY_DEADLINE_S };
	struct cli_parser p;
	int c, passed, failed;
	long n;

	cli_begin(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) > 0) {
		switch (c) {
		case OPT_AGAINST: o.against = p.value; break;
		case OPT_USER: o.user = p.value; break;
		case OPT_PASSWORD: o.password = p.value; break;
		case OPT_INSECURE: o.insecure = 1; break;
		case OPT_ONLY: o.only = p.value; break;
		case OPT_QUIET: o.quiet = 1; break;
		case OPT_TIMEOUT:
		case OPT_DEADLINE:
			if (cli_number(&p, 1, REPLAY_VERIFY_SECONDS_MAX, "seconds", &n))
				return 2;
			*(c == OPT_TIMEOUT ? &o.timeout_s : &o.deadline_s) = (int)n;
			break;
		}
	}
	if ((c = cli_end(&p, c, 1, 1)) >= 0)
		return c;
	if (!o.against)
		return cli_usage_error(&p, "--against URL is required");
	if (wire_url_parse(o.against, &o.url) != EMU_OK) {
		fprintf(stderr, "ewsemu: --against needs an http:// or https:// URL, not '%s'\n", o.against);
		return 2;
	}
	if (!o.password)
		o.password = getenv("EWSEMU_VERIFY_PASSWORD");
	o.dir = p.args[0];
	if (replay_verify_run(&o, &passed, &failed) != EMU_OK)
		return 2;
	return failed ? 1 : 0;
}

int cli_journal(int argc, char **argv)
{
	enum { OPT_OPERATION = 1, OPT_UNMATCHED, OPT_JSON, OPT_SINCE };
	static const struct cli_opt opts[] = {
		{ "operation", CLI_VALUE, OPT_OPERATION }, { "unmatched", CLI_FLAG, OPT_UNMATCHED },
		{ "json", CLI_FLAG, OPT_JSON }, { "since-seq", CLI_VALUE, OPT_SINCE }, { NULL, CLI_FLAG, 0 } };
	static const struct cli_cmd cmd = { .name = "journal", .help = JOURNAL_HELP, .opts = opts };
	struct replay_journal_filter flt = { 0 };
	struct cli_parser p;
	long n;
	int c;

	cli_begin(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) > 0) {
		switch (c) {
		case OPT_OPERATION: flt.operation = p.value; break;
		case OPT_UNMATCHED: flt.unmatched = 1; break;
		case OPT_JSON: flt.json = 1; break;
		case OPT_SINCE:
			if (cli_number(&p, 0, LONG_MAX, NULL, &n))
				return 2;
			flt.since_seq = n;
			break;
		}
	}
	if ((c = cli_end(&p, c, 1, 1)) >= 0)
		return c;
	return replay_journal_print(p.args[0], &flt, stdout) == EMU_OK ? 0 : 2;
}
