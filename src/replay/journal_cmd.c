/* journal_cmd.c - print a replay server's request journal (journal.c writes
 * it), filtered, as one summary line per request or as the JSON lines
 * themselves: the work of `ewsemu journal FILE` (parsed in cli/qa.c). */
#include "replay/replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/result.h"
#include "replay/replay_int.h"

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

int replay_journal_print(const char *path, const struct replay_journal_filter *flt, FILE *out)
{
	int rc = EMU_OK, lineno = 0;
	struct dynbuf line;
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "ewsemu: cannot open %s: %s\n", path, strerror(errno));
		return EMU_EIO;
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
			rc = got;
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
		if (e.seq > flt->since_seq && (!flt->unmatched || !e.fixture) &&
		    operation_wanted(flt->operation, e.operation)) {
			if (flt->json) {
				fwrite(line.p, 1, line.len, out);
				fputc('\n', out);
			} else {
				char status[16];
				if (e.status)
					snprintf(status, sizeof status, "%d", e.status);
				else
					snprintf(status, sizeof status, "reset");
				fprintf(out, "%lld %s %s %s -> %s %s\n", e.seq, e.method, e.target,
				        e.operation && *e.operation ? e.operation : "-", status,
				        e.fixture ? e.fixture : "(no match)");
			}
		}
		replay_journal_entry_free(&e);
	}
	dynbuf_free(&line);
	fclose(f);
	if (fflush(out) != 0 && rc == EMU_OK)
		rc = EMU_EIO;
	return rc;
}
