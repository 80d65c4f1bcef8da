/* cli.h - the ewsemu command line: one entry point per command, and the one
 * option parser every command uses.
 *
 * Each command is `int cli_X(int argc, char **argv)` with argv[0] the command
 * name; it returns the process exit status: 0 done, 1 the work failed
 * (message on stderr), 2 a usage error (message and the command's usage on
 * stderr).  `ewsemu X --help` prints the usage on stdout and returns 0.
 *
 * The parser (cli_next) reads GNU-style long options: "--name value" and
 * "--name=value", a unique prefix of a name, "-h", "--" ending the options,
 * options and arguments in any order.  Every command accepts --help and
 * --log-level LEVEL; commands that open the store accept --store DIR.  It
 * refuses, with one message format and the usage on stderr (exit 2): an
 * unknown or ambiguous option, a missing value, a value given to a flag, and
 * (cli_args) too few or too many arguments.
 */
#ifndef EMU_CLI_CLI_H
#define EMU_CLI_CLI_H

#include <stdio.h>

#define CLI_DEFAULT_STORE "ewsemu-data"   /* --store default, relative to the working folder */
#define CLI_DEFAULT_DOMAIN "contoso.test" /* demo organisation's domain (--domain default) */
#define CLI_OPTIONS_MAX 64                /* options of one command (add-contact builds its table) */
#define CLI_TOKEN_EXPIRES_DEFAULT 3600L   /* token issue --expires default, seconds */
#define CLI_TOKEN_EXPIRES_MAX 31536000L   /* token issue --expires at most (a year) */

/* ---- commands (src/cli/<family>.c) ------------------------------------- */

int cli_serve(int argc, char **argv);             /* serve.c */
int cli_demo(int argc, char **argv);              /* admin.c */
int cli_import(int argc, char **argv);
int cli_set_user_photo(int argc, char **argv);
int cli_remove_user_photo(int argc, char **argv);
int cli_set_thumbnail(int argc, char **argv);
int cli_diag(int argc, char **argv);
int cli_unlock(int argc, char **argv);
int cli_users(int argc, char **argv);
int cli_contacts(int argc, char **argv);          /* contacts.c */
int cli_add_contact(int argc, char **argv);
int cli_remove_contact(int argc, char **argv);
int cli_set_contact_photo(int argc, char **argv);
int cli_token(int argc, char **argv);             /* token.c */
int cli_record(int argc, char **argv);            /* qa.c */
int cli_verify(int argc, char **argv);
int cli_journal(int argc, char **argv);

/* ---- the option parser (parse.c) --------------------------------------- */

enum cli_arg { CLI_FLAG, CLI_VALUE };

/* One option of a command; a table ends with { NULL }.  @id > 0 is what
 * cli_next() returns for it. */
struct cli_opt {
	const char *name;                  /* without the dashes: "max-body" */
	enum cli_arg arg;
	int id;
};

struct cli_cmd {
	const char *name;                  /* "serve": messages say "ewsemu serve: ..." */
	const char *help;                  /* the usage text ... */
	void (*help_fn)(FILE *out);        /* ... or a function printing it (help NULL) */
	const struct cli_opt *opts;        /* the command's own options; NULL = none */
	int uses_store;                    /* accept --store DIR */
};

enum { CLI_END = 0, CLI_STOP = -1 };

struct cli_parser {
	const struct cli_cmd *cmd;
	int argc;
	char **argv;
	int next;                          /* next argv element to read */
	int only_args;                     /* "--" seen */
	const char *opt;                   /* name of the option just returned (for messages) */
	const char *value;                 /* its value; NULL for a flag */
	const char *store;                 /* --store, else CLI_DEFAULT_STORE */
	char **args;                       /* the arguments (not options), in order ... */
	int nargs;                         /* ... valid after CLI_END */
	int status;                        /* exit status when cli_next() returned CLI_STOP */
};

/** Start parsing @p argv (argv[0] is the command name) for @p cmd.  The
 * arguments are gathered into argv itself (p->args points into it). */
void cli_begin(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv);
/** The next option of the command: its id (> 0, p->opt and p->value set);
 * CLI_END when argv is used up; CLI_STOP when the command must return
 * p->status now (0 after --help, 2 after a refusal that is already on
 * stderr).  --help, --log-level and --store are handled here. */
int cli_next(struct cli_parser *p);
/** Check that between @p min and @p max arguments were given; 0, or 2 with
 * the message and usage on stderr. */
int cli_args(struct cli_parser *p, int min, int max);
/** After the loop over cli_next() that ended with @p c: -1 when the
 * command goes on (CLI_END and @p min..@p max arguments), else its exit
 * status (p->status after CLI_STOP, 2 for a wrong number of arguments). */
int cli_end(struct cli_parser *p, int c, int min, int max);
/** Print "ewsemu CMD: MESSAGE", a blank line and the usage on stderr;
 * returns 2. */
int cli_usage_error(const struct cli_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** p->value as a whole number from @p min to @p max into *out; 0, or 2 with
 * "ewsemu: --OPT must be a number from MIN to MAX, not 'VALUE'" on stderr
 * (with @p unit, e.g. "seconds": "--OPT needs a whole number of seconds from
 * MIN to MAX, not 'VALUE'"). */
int cli_number(const struct cli_parser *p, long min, long max, const char *unit, long *out);
/** Print the command's usage on @p out. */
void cli_help(const struct cli_cmd *cmd, FILE *out);

#endif
