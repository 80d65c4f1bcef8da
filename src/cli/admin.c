/* admin.c - the store commands: demo, import (tenant files and vCards),
 * set-userphoto, remove-userphoto, set-thumbnail, diag, unlock, users.
 * Parsing only; admin/ and demo/ do the work. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "admin/admin.h"
#include "cli/cli.h"
#include "cli/cli_int.h"
#include "core/result.h"
#include "store/store.h"

static const char DEMO_HELP[] =
	"usage: ewsemu demo [--store DIR] [--domain DOMAIN]\n"
	"\n"
	"Create the built-in demo organisation (users in every photo state, contacts)\n"
	"in an empty store. Every demo user's password is Passw0rd!\n";

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

static const char SET_PHOTO_HELP[] =
	"usage: ewsemu set-userphoto [--store DIR] EMAIL FILE.jpg\n"
	"\n"
	"Replace EMAIL's mailbox photo with a JPEG (at most 8 MiB, 8192x8192, and\n"
	"160 MiB of memory to decode: a progressive JPEG needs about 2 bytes per pixel\n"
	"and colour component) and clear any deletion record, like Set-UserPhoto.\n"
	"Every size code up to the picture's size is made once, now; a picture between\n"
	"two size codes is also kept at its own size as the largest rendition.\n";

static const char REMOVE_PHOTO_HELP[] =
	"usage: ewsemu remove-userphoto [--store DIR] EMAIL [--clear-mailbox-photo-record]\n"
	"\n"
	"Without the option: delete EMAIL's mailbox photo and set the deletion record\n"
	"(UserPhotoCacheId = 0), after which no photo is served, not even the directory\n"
	"thumbnail. With --clear-mailbox-photo-record: clear only that record, so the\n"
	"directory thumbnail is served again (Remove-UserPhoto -ClearMailboxPhotoRecord).\n";

static const char THUMB_HELP[] =
	"usage: ewsemu set-thumbnail [--store DIR] EMAIL (FILE.jpg | --remove)\n"
	"\n"
	"Set EMAIL's directory (AD thumbnailPhoto) picture: a JPEG of any dimensions,\n"
	"at most 100 KB, served as is. --remove deletes it.\n";

static const char UNLOCK_HELP[] =
	"usage: ewsemu unlock [--store DIR] EMAIL\n"
	"\n"
	"Clear EMAIL's account lockout (like Unlock-ADAccount): a running server lets the\n"
	"user log in again at once. `ewsemu diag EMAIL` shows the lockout state; importing a\n"
	"new password for the user clears it too.\n";

static const char DIAG_HELP[] =
	"usage: ewsemu diag [--store DIR] [--no-hr48-thumbnail] EMAIL\n"
	"\n"
	"Print EMAIL's account lockout state (see ewsemu unlock) and what\n"
	"Get-UserPhotoDataOnPremises would show for EMAIL: the photo record,\n"
	"the deletion flag, the stored renditions with sizes and ETags, and which image\n"
	"each size code returns and why.\n";

static const char USERS_HELP[] = "usage: ewsemu users [--store DIR]\n\nList the directory's users.\n";

enum { OPT_DOMAIN = 1, OPT_CLEAR, OPT_REMOVE, OPT_NO_HR48, OPT_USER };

static const struct cli_opt DOMAIN_OPTS[] = { { "domain", CLI_VALUE, OPT_DOMAIN }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt USER_OPTS[] = { { "user", CLI_VALUE, OPT_USER }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt CLEAR_OPTS[] = {
	{ "clear-mailbox-photo-record", CLI_FLAG, OPT_CLEAR }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt REMOVE_OPTS[] = { { "remove", CLI_FLAG, OPT_REMOVE }, { NULL, CLI_FLAG, 0 } };
static const struct cli_opt DIAG_OPTS[] = { { "no-hr48-thumbnail", CLI_FLAG, OPT_NO_HR48 }, { NULL, CLI_FLAG, 0 } };

/* The parsed command line of the simple commands: each command's table says
 * which of these it can set. */
struct admin_args {
	const char *domain, *user;
	int clear, remove, no_hr48;
};

/* Parse argv for @p cmd and check it has @p min..@p max arguments (with
 * --remove: one fewer).  Returns -1 to go on, else the exit status. */
static int parse(struct cli_parser *p, const struct cli_cmd *cmd, int argc, char **argv, int min, int max,
                 struct admin_args *a)
{
	int c;
	memset(a, 0, sizeof *a);
	a->domain = CLI_DEFAULT_DOMAIN;
	cli_begin(p, cmd, argc, argv);
	while ((c = cli_next(p)) > 0) {
		switch (c) {
		case OPT_DOMAIN: a->domain = p->value; break;
		case OPT_CLEAR: a->clear = 1; break;
		case OPT_REMOVE: a->remove = 1; break;
		case OPT_NO_HR48: a->no_hr48 = 1; break;
		case OPT_USER: a->user = p->value; break;
		}
	}
	return cli_end(p, c, min - a->remove, max - a->remove);
}

/* The work of one store command: an emu_result, with a message in @p err
 * (empty: emu_strerror() is said). */
typedef int (*admin_work)(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz);

/* A check of the command line beyond the argument count, before the store
 * is opened: 0, or the exit status with the message on stderr. */
typedef int (*admin_check)(char **args, const struct admin_args *a);

/* Parse, @p check (may be NULL), open the store, do @p work, close; the
 * exit status. */
static int run(const struct cli_cmd *cmd, int argc, char **argv, int min, int max, admin_check check,
               admin_work work)
{
	struct cli_parser p;
	struct admin_args a;
	store_t *s;
	char err[1024] = "";
	int rc = parse(&p, cmd, argc, argv, min, max, &a);
	if (rc >= 0)
		return rc;
	if (check && (rc = check(p.args, &a)) != 0)
		return rc;
	if (cli_open_store(p.store, &s))
		return 1;
	return cli_finish(s, work(s, p.args, &a, err, sizeof err), err);
}

int cli_demo(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "demo", .help = DEMO_HELP, .opts = DOMAIN_OPTS, .uses_store = 1 };
	struct cli_parser p;
	struct admin_args a;
	store_t *s;
	int rc = parse(&p, &cmd, argc, argv, 0, 0, &a);
	if (rc >= 0)
		return rc;
	if (cli_open_store(p.store, &s))
		return 1;
	rc = cli_build_demo(s, p.store, a.domain);   /* says what went wrong itself */
	store_close(s);
	return rc ? 1 : 0;
}

/* FILE.vcf / FILE.vcard without --user: the mailbox is missing. */
static int import_check(char **args, const struct admin_args *a)
{
	size_t n = strlen(args[0]);
	if (a->user || !((n > 4 && !strcasecmp(args[0] + n - 4, ".vcf")) ||
	                 (n > 6 && !strcasecmp(args[0] + n - 6, ".vcard"))))
		return 0;
	fprintf(stderr, "ewsemu: %s is a vCard file: say whose contacts they are with --user ADDRESS\n", args[0]);
	return 2;
}

static int import_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	int rc;
	if (a->user) {
		struct vcard_import_result r;
		rc = admin_import_vcard(s, a->user, args[0], &r, err, errsz);
		if (rc == EMU_OK) {
			printf("ewsemu: imported %zu contact%s (%zu with a picture) from %s into %s\n",
			       r.contacts, r.contacts == 1 ? "" : "s", r.photos, args[0], a->user);
			if (r.photo_links)
				printf("ewsemu: %zu picture%s given as a link (URL) %s not fetched\n",
				       r.photo_links, r.photo_links == 1 ? "" : "s", r.photo_links == 1 ? "was" : "were");
			if (r.groups)
				printf("ewsemu: %zu group card%s skipped (groups are not contacts)\n",
				       r.groups, r.groups == 1 ? "" : "s");
		}
		return rc;
	}
	rc = admin_import_tenant(s, args[0], err, errsz);
	if (rc == EMU_OK)
		printf("ewsemu: imported %s\n", args[0]);
	return rc;
}

int cli_import(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "import", .help = IMPORT_HELP, .opts = USER_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 1, 1, import_check, import_work);
}

static int set_photo_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	(void)a;
	return admin_set_user_photo(s, args[0], args[1], err, errsz);
}

int cli_set_user_photo(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "set-userphoto", .help = SET_PHOTO_HELP, .uses_store = 1 };
	return run(&cmd, argc, argv, 2, 2, NULL, set_photo_work);
}

static int remove_photo_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	return admin_remove_user_photo(s, args[0], a->clear, err, errsz);
}

int cli_remove_user_photo(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "remove-userphoto", .help = REMOVE_PHOTO_HELP, .opts = CLEAR_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 1, 1, NULL, remove_photo_work);
}

static int thumbnail_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	return admin_set_thumbnail(s, args[0], a->remove ? NULL : args[1], err, errsz);
}

int cli_set_thumbnail(int argc, char **argv)
{
	static const struct cli_cmd cmd = {
		.name = "set-thumbnail", .help = THUMB_HELP, .opts = REMOVE_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 2, 2, NULL, thumbnail_work);
}

static int unlock_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	(void)a;
	return admin_unlock(s, args[0], stdout, err, errsz);
}

int cli_unlock(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "unlock", .help = UNLOCK_HELP, .uses_store = 1 };
	return run(&cmd, argc, argv, 1, 1, NULL, unlock_work);
}

static int diag_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	return admin_diag(s, args[0], !a->no_hr48, stdout, err, errsz);
}

int cli_diag(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "diag", .help = DIAG_HELP, .opts = DIAG_OPTS, .uses_store = 1 };
	return run(&cmd, argc, argv, 1, 1, NULL, diag_work);
}

static int print_user(const struct user_record *u, void *ctx)
{
	(void)ctx;
	printf("%-36s %-28s%s\n", u->email, u->display_name, u->is_admin ? " (admin)" : "");
	return 0;
}

static int users_work(store_t *s, char **args, const struct admin_args *a, char *err, size_t errsz)
{
	store_txn_t *t;
	(void)args;
	(void)a;
	(void)err;
	(void)errsz;
	int rc = store_txn_begin(s, 0, &t);
	if (rc == EMU_OK) {
		rc = store_user_foreach(t, print_user, NULL);
		store_txn_abort(t);
	}
	return rc;
}

int cli_users(int argc, char **argv)
{
	static const struct cli_cmd cmd = { .name = "users", .help = USERS_HELP, .uses_store = 1 };
	return run(&cmd, argc, argv, 0, 0, NULL, users_work);
}
