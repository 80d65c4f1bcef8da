/* record_cli.c - `ewsemu record`: option parsing for the recording proxy.
 * Parsing only; recorder and proxy do the work. */
#include "record/record.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/result.h"

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

enum { OPT_UPSTREAM = 3000, OPT_LISTEN, OPT_CERT, OPT_INSECURE, OPT_ANONYMISE, OPT_FAKE_DOMAIN, OPT_TIMEOUT, OPT_LOG };

int record_command(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "upstream", required_argument, 0, OPT_UPSTREAM }, { "listen", required_argument, 0, OPT_LISTEN },
		{ "cert", required_argument, 0, OPT_CERT }, { "insecure", no_argument, 0, OPT_INSECURE },
		{ "anonymise", no_argument, 0, OPT_ANONYMISE }, { "anonymize", no_argument, 0, OPT_ANONYMISE },
		{ "fake-domain", required_argument, 0, OPT_FAKE_DOMAIN }, { "timeout", required_argument, 0, OPT_TIMEOUT },
		{ "log-level", required_argument, 0, OPT_LOG }, { "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	struct record_options ro = { 0 };
	struct record_proxy_options po = { 0 };
	recorder_t *rec = NULL;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_UPSTREAM: po.upstream = optarg; break;
		case OPT_LISTEN: po.listen = optarg; break;
		case OPT_CERT: po.cert_file = optarg; break;
		case OPT_INSECURE: po.insecure = 1; break;
		case OPT_ANONYMISE: ro.anonymise = 1; break;
		case OPT_FAKE_DOMAIN: ro.fake_domain = optarg; break;
		case OPT_TIMEOUT: {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (!optarg[0] || *end || v < 1 || v > 3600) {
				fprintf(stderr, "ewsemu: --timeout must be a number from 1 to 3600\n");
				return 2;
			}
			po.timeout_s = (int)v;
			break;
		}
		case OPT_LOG:
			if (log_level_option(optarg))
				return 2;
			break;
		case 'h': fputs(RECORD_HELP, stdout); return 0;
		default: fputs(RECORD_HELP, stderr); return 2;
		}
	}
	if (optind + 1 != argc || !po.upstream || !po.listen) {
		fputs(RECORD_HELP, stderr);
		return 2;
	}
	if (ro.fake_domain && !ro.anonymise) {
		fprintf(stderr, "ewsemu: --fake-domain needs --anonymise\n");
		return 2;
	}
	if (strncmp(po.upstream, "http://", 7) && strncmp(po.upstream, "https://", 8)) {
		fprintf(stderr, "ewsemu: --upstream must start with http:// or https://\n");
		return 2;
	}
	ro.dir = argv[optind];
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
