/* token.c - `ewsemu token issue`: print a signed bearer token (token/). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_int.h"
#include "core/result.h"
#include "store/store.h"
#include "token/token.h"

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
	"  --store DIR        store folder (default ./" CLI_DEFAULT_STORE ")\n"
	"\n"
	"EWS SOAP requests need user.readwrite.all, or user.read.all (or user.readbasic.all)\n"
	"with user.readwrite.\n";

/* Add the scopes of @p list (separated by spaces or commas) to *scopes;
 * 0, or 2 with the message on stderr. */
static int add_scopes(const char *list, unsigned *scopes)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ,");
		unsigned bit;
		if (n && token_scope_parse(p, n, &bit) != EMU_OK) {
			fprintf(stderr, "ewsemu: unknown scope '%.*s' (user.read, user.readwrite, "
			        "user.readbasic.all, user.read.all, user.readwrite.all)\n", (int)n, p);
			return 2;
		}
		if (n)
			*scopes |= bit;
		p += n;
		p += strspn(p, " ,");
	}
	return 0;
}

/* Print a token for @p user (looked up in the store in @p dir); exit status. */
static int issue(const char *dir, const char *user, unsigned scopes, long expires)
{
	store_t *s;
	struct user_record *u = malloc(sizeof *u);
	struct token_key key;
	char tok[TOKEN_MAX + 1];
	int rc;
	if (!u)
		return 1;
	if (cli_open_store(dir, &s)) {
		free(u);
		return 1;
	}
	rc = store_user_lookup(s, user, u);
	if (rc == EMU_OK)
		rc = token_key_load_or_create(dir, &key);
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

int cli_token(int argc, char **argv)
{
	enum { OPT_USER = 1, OPT_SCOPE, OPT_EXPIRES };
	static const struct cli_opt opts[] = {
		{ "user", CLI_VALUE, OPT_USER }, { "scope", CLI_VALUE, OPT_SCOPE }, { "expires", CLI_VALUE, OPT_EXPIRES },
		{ NULL, CLI_FLAG, 0 } };
	static const struct cli_cmd cmd = { .name = "token", .help = TOKEN_HELP, .opts = opts, .uses_store = 1 };
	struct cli_parser p;
	const char *user = NULL;
	unsigned scopes = 0;
	long expires = CLI_TOKEN_EXPIRES_DEFAULT;
	int c;

	cli_begin(&p, &cmd, argc, argv);
	while ((c = cli_next(&p)) > 0) {
		switch (c) {
		case OPT_USER: user = p.value; break;
		case OPT_EXPIRES:
			if (cli_number(&p, 1, CLI_TOKEN_EXPIRES_MAX, NULL, &expires))
				return 2;
			break;
		case OPT_SCOPE:
			if (add_scopes(p.value, &scopes))
				return 2;
			break;
		}
	}
	if ((c = cli_end(&p, c, 1, 1)) >= 0)
		return c;
	if (strcmp(p.args[0], "issue") != 0)
		return cli_usage_error(&p, "unknown subcommand '%s' (token issue)", p.args[0]);
	if (!user || !scopes)
		return cli_usage_error(&p, "--user and --scope are required");
	return issue(p.store, user, scopes, expires);
}
