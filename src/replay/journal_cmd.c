/* journal_cmd.c - `ewsemu journal FILE`: print a replay server's request
 * journal (journal.c writes it), filtered, as one summary line per request or
 * as the JSON lines themselves. */
#include "replay/replay.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/result.h"
#include "replay/replay_int.h"

static const char JOURNAL_HELP[] =
	"usage: ewsemu journal FILE [--operation OP] [--unmatched] [--json] [--since-seq N]\n"
	"Print the request journal a replay server wrote (serve --replay DIR --journal FILE),\n"
	"one line per request: SEQ METHOD TARGET OPERATION -> STATUS FIXTURE|(no match)\n"
	"  --operation OP   only requests of this operation (ResolveNames, \"GET GetUserPhoto\";\n"
	"                   GetUserPhoto also matches the GET form)\n"
	"  --unmatched      only requests no fixture answered\n"
	"  --json           print the journal lines (JSON objects) themselves\n"
	"  --since-seq N    only requests with a sequence number greater than N\n";

/* Read one line into @p b (without the newline).  Returns 1 for a line
 * (*complete = it ended with a newline), 0 at end of file, EMU_ELIMIT for a
 * line over REPLAY_JOURNAL_LINE_MAX (skipped up to its end), EMU_EIO. */
static int read_line(FILE *f, struct dynbuf *b, int *complete)
{
	char chunk[64 * 1024];
	int got = 0, over = 0;
	dynbuf_reset(b);
	*complete = 0;
	while (fgets(chunk, sizeof chunk, f)) {
		size_t n = strlen(chunk);
		got = 1;
		if (n && chunk[n - 1] == '\n') {
			*complete = 1;
			n--;
		}
		if (!over) {
			over = dynbuf_add(b, chunk, n) != EMU_OK;
		}
		if (*complete)
			break;
	}
	if (ferror(f))
		return EMU_EIO;
	if (over)
		return dynbuf_error(b) == EMU_ENOMEM ? EMU_ENOMEM : EMU_ELIMIT;
	return got;
}

static int operation_wanted(const char *want, const char *op)
{
	if (!want)
		return 1;
	if (!op)
		return 0;
	if (!strcasecmp(want, op))
		return 1;
	/* "GetUserPhoto" also selects the REST form "GET GetUserPhoto" */
	return !strncmp(op, "GET ", 4) && !strcasecmp(want, op + 4);
}

int journal_command(int argc, char **argv)
{
	enum { OPT_OPERATION = 1000, OPT_UNMATCHED, OPT_JSON, OPT_SINCE };
	static const struct option opts[] = {
		{ "operation", required_argument, 0, OPT_OPERATION }, { "unmatched", no_argument, 0, OPT_UNMATCHED },
		{ "json", no_argument, 0, OPT_JSON }, { "since-seq", required_argument, 0, OPT_SINCE },
		{ "help", no_argument, 0, 'h' }, { 0, 0, 0, 0 } };
	const char *operation = NULL;
	int unmatched = 0, json = 0, c, rc = 0, lineno = 0;
	long long since = 0;
	struct dynbuf line;
	FILE *f = NULL;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_OPERATION: operation = optarg; break;
		case OPT_UNMATCHED: unmatched = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_SINCE: {
			char *end;
			errno = 0;
			since = strtoll(optarg, &end, 10);
			if (*optarg == '\0' || *end || errno || since < 0) {
				fprintf(stderr, "ewsemu: --since-seq must be a number from 0\n");
				return 2;
			}
			break;
		}
		case 'h': fputs(JOURNAL_HELP, stdout); return 0;
		default: fputs(JOURNAL_HELP, stderr); return 2;
		}
	}
	if (optind != argc - 1) {
		fputs(JOURNAL_HELP, stderr);
		return 2;
	}
	const char *path = argv[optind];
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ewsemu: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	dynbuf_init(&line, REPLAY_JOURNAL_LINE_MAX);
	for (;;) {
		int complete;
		int got = read_line(f, &line, &complete);
		if (got == 0)
			break;
		lineno++;
		if (got == EMU_ELIMIT) {
			fprintf(stderr, "ewsemu: %s:%d: line longer than %u bytes, skipped\n", path, lineno,
			        REPLAY_JOURNAL_LINE_MAX);
			continue;
		}
		if (got < 0) {
			fprintf(stderr, "ewsemu: cannot read %s: %s\n", path, emu_strerror(got));
			rc = 2;
			break;
		}
		if (line.len == 0)
			continue;
		struct replay_journal_entry e;
		if (replay_journal_parse(line.p, line.len, &e) != EMU_OK) {
			/* the server may be writing this very line right now */
			if (complete)
				fprintf(stderr, "ewsemu: %s:%d: not a journal entry, skipped\n", path, lineno);
			continue;
		}
		if (e.seq > since && (!unmatched || !e.fixture) && operation_wanted(operation, e.operation)) {
			if (json) {
				fwrite(line.p, 1, line.len, stdout);
				fputc('\n', stdout);
			} else {
				char status[16];
				if (e.status)
					snprintf(status, sizeof status, "%d", e.status);
				else
					snprintf(status, sizeof status, "reset");
				printf("%lld %s %s %s -> %s %s\n", e.seq, e.method, e.target,
				       e.operation && *e.operation ? e.operation : "-", status,
				       e.fixture ? e.fixture : "(no match)");
			}
		}
		replay_journal_entry_free(&e);
	}
	dynbuf_free(&line);
	fclose(f);
	if (fflush(stdout) != 0)
		rc = 2;
	return rc;
}
