/* parse.c - the one option parser of every ewsemu command (cli.h): a table
 * of long options per command, GNU spelling ("--name value", "--name=value",
 * unique prefixes, "--"), options and arguments in any order, and one
 * message format for every refusal. */
#include "cli/cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* ids of the options the parser handles itself (never returned) */
enum { OPT_HELP = -10, OPT_LOG_LEVEL = -11, OPT_STORE = -12 };

static const struct cli_opt COMMON[] = {
	{ "help", CLI_FLAG, OPT_HELP }, { "log-level", CLI_VALUE, OPT_LOG_LEVEL }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt STORE[] = { { "store", CLI_VALUE, OPT_STORE }, { NULL, CLI_FLAG, 0 } };

void cli_help(const struct cli_cmd *cmd, FILE *out)
{
	if (cmd->help)
		fputs(cmd->help, out);
	else if (cmd->help_fn)
		cmd->help_fn(out);
}

int cli_usage_error(const struct cli_parser *p, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "ewsemu %s: ", p->cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n\n", stderr);
	cli_help(p->cmd, stderr);
	return 2;
}

void cli_begin(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv)
{
	memset(p, 0, sizeof *p);
	p->cmd = cmd;
	p->argc = argc;
	p->argv = argv;
	p->next = 1;
	p->store = CLI_DEFAULT_STORE;
	p->args = argv + 1;
}

/* The tables an option of this command is looked up in. */
static void tables(const struct cli_cmd *cmd, const struct cli_opt *t[3])
{
	t[0] = cmd->opts;
	t[1] = COMMON;
	t[2] = cmd->uses_store ? STORE : NULL;
}

/* The option named @p name (@p len bytes): an exact match, else the only
 * one it is a prefix of (spellings of one option count once).  Returns it,
 * or NULL with *ambiguous set when several options begin with it. */
static const struct cli_opt *lookup(const struct cli_cmd *cmd, const char *name, size_t len, int *ambiguous)
{
	const struct cli_opt *t[3], *found = NULL;
	*ambiguous = 0;
	tables(cmd, t);
	for (int k = 0; k < 3; k++)
		for (const struct cli_opt *o = t[k]; o && o->name; o++)
			if (strlen(o->name) == len && !memcmp(o->name, name, len))
				return o;
	for (int k = 0; k < 3; k++)
		for (const struct cli_opt *o = t[k]; o && o->name; o++) {
			if (strncmp(o->name, name, len) != 0)
				continue;
			if (found && found->id != o->id)
				*ambiguous = 1;
			found = o;
		}
	return *ambiguous ? NULL : found;
}

static int stop(struct cli_parser *p, int status)
{
	p->status = status;
	return CLI_STOP;
}

int cli_next(struct cli_parser *p)
{
	while (p->next < p->argc) {
		char *a = p->argv[p->next++];
		if (p->only_args || a[0] != '-' || a[1] == '\0') {
			p->args[p->nargs++] = a;   /* never past p->next: each argument used one slot */
			continue;
		}
		if (!strcmp(a, "--")) {
			p->only_args = 1;
			continue;
		}
		if (!strcmp(a, "-h")) {
			cli_help(p->cmd, stdout);
			return stop(p, 0);
		}
		if (a[1] != '-')
			return stop(p, cli_usage_error(p, "unknown option '%s'", a));
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		int ambiguous;
		const struct cli_opt *o = len ? lookup(p->cmd, name, len, &ambiguous) : NULL;
		if (!o)
			return stop(p, cli_usage_error(p, "%s option '--%.*s'", len && ambiguous ? "ambiguous" : "unknown",
			                               (int)len, name));
		p->opt = o->name;
		p->value = NULL;
		if (o->arg == CLI_FLAG && eq)
			return stop(p, cli_usage_error(p, "option '--%s' takes no value", o->name));
		if (o->arg == CLI_VALUE) {
			if (eq)
				p->value = eq + 1;
			else if (p->next < p->argc)
				p->value = p->argv[p->next++];
			else
				return stop(p, cli_usage_error(p, "option '--%s' needs a value", o->name));
		}
		switch (o->id) {
		case OPT_HELP:
			cli_help(p->cmd, stdout);
			return stop(p, 0);
		case OPT_LOG_LEVEL:
			if (log_level_option(p->value))
				return stop(p, 2);
			continue;
		case OPT_STORE:
			p->store = p->value;
			continue;
		}
		return o->id;
	}
	return CLI_END;
}

int cli_args(struct cli_parser *p, int min, int max)
{
	if (p->nargs > max)
		return cli_usage_error(p, "unexpected argument '%s'", p->args[max]);
	if (p->nargs < min)
		return cli_usage_error(p, "%s", p->nargs + 1 == min ? "an argument is missing" : "arguments are missing");
	return 0;
}

int cli_end(struct cli_parser *p, int c, int min, int max)
{
	if (c == CLI_STOP)
		return p->status;
	return cli_args(p, min, max) ? 2 : -1;
}

int cli_number(const struct cli_parser *p, long min, long max, const char *unit, long *out)
{
	const char *s = p->value ? p->value : "";
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*s == '\0' || *end || errno || v < min || v > max) {
		if (unit)
			fprintf(stderr, "ewsemu: --%s needs a whole number of %s from %ld to %ld, not '%s'\n", p->opt, unit,
			        min, max, s);
		else
			fprintf(stderr, "ewsemu: --%s must be a number from %ld to %ld, not '%s'\n", p->opt, min, max, s);
		return 2;
	}
	*out = v;
	return 0;
}
