/* main.c - the ewsemu command line: picks the command (src/cli/ parses and
 * runs it) and prints the list of commands. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

/* One line (or two) of `ewsemu --help`; a command may have several
 * synopses (the first row of a name is the one dispatched). */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *synopsis;              /* "import FILE.json" */
	const char *summary;               /* may hold '\n': continued under the first line */
} COMMANDS[] = {
	{ "serve", cli_serve, "serve", "run the server (HTTP and HTTPS)" },
	{ "demo", cli_demo, "demo", "create the built-in demo organisation in the store" },
	{ "import", cli_import, "import FILE.json", "import a tenant file (all or nothing)" },
	{ "import", cli_import, "import FILE.vcf --user ADDRESS", "add the contacts of a vCard file to a mailbox" },
	{ "set-userphoto", cli_set_user_photo, "set-userphoto EMAIL FILE.jpg",
	  "replace a user's mailbox photo (Set-UserPhoto)" },
	{ "remove-userphoto", cli_remove_user_photo, "remove-userphoto EMAIL [--clear-mailbox-photo-record]",
	  "delete the mailbox photo and set the deletion record,\n"
	  "or only clear that record (Remove-UserPhoto)" },
	{ "set-thumbnail", cli_set_thumbnail, "set-thumbnail EMAIL (FILE.jpg | --remove)",
	  "set or remove the directory (AD) thumbnail" },
	{ "diag", cli_diag, "diag EMAIL", "show a user's lockout state, photo data and what each size returns" },
	{ "unlock", cli_unlock, "unlock EMAIL", "clear a user's account lockout (Unlock-ADAccount)" },
	{ "users", cli_users, "users", "list the directory" },
	{ "contacts", cli_contacts, "contacts --user ADDRESS", "list a mailbox's contacts" },
	{ "add-contact", cli_add_contact, "add-contact --user ADDRESS --display-name NAME [FIELDS] [--photo FILE.jpg]",
	  "add a contact and print its id" },
	{ "remove-contact", cli_remove_contact, "remove-contact --user ADDRESS ID", "delete a contact" },
	{ "set-contact-photo", cli_set_contact_photo, "set-contact-photo --user ADDRESS ID (FILE.jpg | --remove)",
	  "set or remove a contact's picture" },
	{ "token", cli_token, "token issue --user ADDRESS --scope SCOPE [--scope SCOPE ...] [--expires SECONDS]",
	  "print a signed bearer token (Outlook REST API, EWS)" },
	{ "record", cli_record, "record --upstream URL --listen HOST:PORT DIR",
	  "recording proxy: forward to another EWS server, write fixtures" },
	{ "verify", cli_verify, "verify DIR --against URL", "send recorded requests to a server, compare the answers" },
	{ "journal", cli_journal, "journal FILE", "print the request journal of a replay server" },
};

#define SYNOPSIS_WIDTH 22   /* a longer synopsis gets a line of its own */

static void usage(FILE *out)
{
	fputs("usage: ewsemu COMMAND [OPTIONS]\n"
	      "\n"
	      "A local Exchange Web Services (EWS) server for user photos.\n"
	      "\n"
	      "commands:\n", out);
	for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++) {
		const struct command *c = &COMMANDS[i];
		if (strlen(c->synopsis) < SYNOPSIS_WIDTH)
			fprintf(out, "  %-*s", SYNOPSIS_WIDTH, c->synopsis);
		else
			fprintf(out, "  %s\n  %*s", c->synopsis, SYNOPSIS_WIDTH, "");
		for (const char *s = c->summary; *s;) {
			size_t n = strcspn(s, "\n");
			fprintf(out, "%.*s\n", (int)n, s);
			s += n;
			if (*s == '\n' && *++s)
				fprintf(out, "  %*s", SYNOPSIS_WIDTH, "");
		}
	}
	fputs("\n"
	      "common options:\n"
	      "  --store DIR           the store folder (default ./" CLI_DEFAULT_STORE ")\n"
	      "  --log-level LEVEL     error, warn, info (default) or debug\n"
	      "  -h, --help            help for a command: ewsemu COMMAND --help\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
		if (!strcmp(argv[1], COMMANDS[i].name))
			return COMMANDS[i].run(argc - 1, argv + 1);
	fprintf(stderr, "ewsemu: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
