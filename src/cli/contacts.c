/* contacts.c - the contact commands: contacts, add-contact, remove-contact,
 * set-contact-photo.  Parsing only; admin/ does the work. */
#include <stdio.h>
#include <string.h>

#include "admin/admin.h"
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "core/result.h"

static const char CONTACTS_HELP[] =
	"usage: ewsemu contacts [--store DIR] --user ADDRESS\n"
	"\n"
	"List the contacts in ADDRESS's Contacts folder, one a line: id, display name,\n"
	"first e-mail address (- when none) and the picture (size, bytes and ETag, or\n"
	"\"no photo\").\n";

static const char REMOVE_CONTACT_HELP[] =
	"usage: ewsemu remove-contact [--store DIR] --user ADDRESS ID\n"
	"\n"
	"Delete contact ID (as listed by ewsemu contacts) and its picture from\n"
	"ADDRESS's Contacts folder.\n";

static const char CONTACT_PHOTO_HELP[] =
	"usage: ewsemu set-contact-photo [--store DIR] --user ADDRESS ID (FILE.jpg | --remove)\n"
	"\n"
	"Set the picture of contact ID in ADDRESS's Contacts folder to a JPEG (at most\n"
	"8 MiB and 8192x8192, stored as given), or delete it with --remove.\n";

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
	      "  --store DIR            store folder (default ./" CLI_DEFAULT_STORE ")\n", out);
}

enum { OPT_USER = 1, OPT_REMOVE, OPT_PHOTO, OPT_FIELD = 100 };

static const struct cli_opt USER_OPTS[] = { { "user", CLI_VALUE, OPT_USER }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt USER_REMOVE_OPTS[] = {
	{ "user", CLI_VALUE, OPT_USER }, { "remove", CLI_FLAG, OPT_REMOVE }, { NULL, CLI_FLAG, 0 } };

/* The work of one contact command on the mailbox @p user: an emu_result,
 * with a message in @p err. */
typedef int (*contact_work)(store_t *s, const char *user, char **args, int remove, char *err, size_t errsz);

/* Parse argv for @p cmd: --user (required), --remove (one argument fewer)
 * and @p min..@p max arguments; then open the store, do @p work, close.
 * Returns the exit status. */
static int run(const struct cli_cmd *cmd, int argc, char **argv, int min, int max, contact_work work)
{
	struct cli_parser p;
	const char *user = NULL;
	int remove = 0, c;
	store_t *s;
	char err[512] = "";

	cli_begin(&p, cmd, argc, argv);
	while ((c = cli_next(&p)) > 0) {
		if (c == OPT_USER)
			user = p.value;
		else if (c == OPT_REMOVE)
			remove = 1;
	}
	if ((c = cli_end(&p, c, min - remove, max - remove)) >= 0)
		return c;
	if (!user)
		return cli_usage_error(&p, "--user ADDRESS is required");
	if (cli_open_store(p.store, &s))
		return 1;
	return cli_finish(s, work(s, user, p.args, remove, err, sizeof err), err);
}

static int list_work(store_t *s, const char *user, char **args, int remove, char *err, size_t errsz)
{
	(void)args;
	(void)remove;
	return admin_list_contacts(s, user, stdout, NULL, err, errsz);
}

int cli_contacts(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "contacts", .help = CONTACTS_HELP, .opts = USER_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 0, 0, list_work);
}

static int remove_work(store_t *s, const char *user, char **args, int remove, char *err, size_t errsz)
{
	(void)remove;
	return admin_remove_contact(s, user, args[0], err, errsz);
}

int cli_remove_contact(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "remove-contact", .help = REMOVE_CONTACT_HELP, .opts = USER_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 1, 1, remove_work);
}

static int photo_work(store_t *s, const char *user, char **args, int remove, char *err, size_t errsz)
{
	return admin_set_contact_photo(s, user, args[0], remove ? NULL : args[1], err, errsz);
}

int cli_set_contact_photo(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "set-contact-photo", .help = CONTACT_PHOTO_HELP, .opts = USER_REMOVE_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 2, 2, photo_work);
}

int cli_add_contact(int argc, char **argv)
{
	struct cli_opt opts[CLI_OPTIONS_MAX];
	struct cli_cmd cmd = { .name = "add-contact", .help_fn = add_contact_help, .opts = opts, .uses_store = 1 };
	struct cli_parser p;
	struct contact_record c;
	const char *user = NULL, *photo = NULL;
	char err[512] = "";
	size_t n = 0;
	store_t *s;
	int ch, rc;

	opts[n++] = (struct cli_opt){ "user", CLI_VALUE, OPT_USER };
	opts[n++] = (struct cli_opt){ "photo", CLI_VALUE, OPT_PHOTO };
	for (size_t i = 0; admin_contact_field(i) != NULL && n + 1 < CLI_OPTIONS_MAX; i++)
		opts[n++] = (struct cli_opt){ admin_contact_field(i)->option, CLI_VALUE, OPT_FIELD + (int)i };
	opts[n] = (struct cli_opt){ NULL, CLI_FLAG, 0 };
	memset(&c, 0, sizeof c);
	cli_begin(&p, &cmd, argc, argv);
	while ((ch = cli_next(&p)) > 0) {
		if (ch == OPT_USER) {
			user = p.value;
		} else if (ch == OPT_PHOTO) {
			photo = p.value;
		} else if (admin_contact_field_set(&c, p.opt, p.value, err, sizeof err) != EMU_OK) {
			fprintf(stderr, "ewsemu: %s\n", err);
			return 2;
		}
	}
	if ((ch = cli_end(&p, ch, 0, 0)) >= 0)
		return ch;
	if (!user || !c.display_name[0])
		return cli_usage_error(&p, "--user and --display-name are required");
	if (cli_open_store(p.store, &s))
		return 1;
	rc = admin_add_contact(s, user, &c, photo, err, sizeof err);
	if (rc == EMU_OK)
		printf("%s\n", c.id);
	return cli_finish(s, rc, err);
}
