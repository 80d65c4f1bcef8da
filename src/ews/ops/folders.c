/* folders.c - the folder set of every ewsemu mailbox and GetFolder.
 *
 * The set is what an Exchange 2019 on-premises mailbox answers (spec
 * mailbox-ops §1.1, §1.2): root ("" display name) holds the IPM subtree
 * msgfolderroot ("Top of Information Store": Inbox ... Contacts with its
 * hidden system subfolders, Tasks, Sync Issues ...), Finder (searchfolders),
 * Recoverable Items and the non-IPM system folders clients see when they walk
 * root Deep.  Only Contacts holds anything (the personal contacts); every
 * other folder is empty.  Ids are stable: {mailbox, folder name} (ids.h), so
 * they survive restarts and re-imports.  Folders no DistinguishedFolderId
 * names get a name outside that enumeration (their id's local part).
 */
#include "ews/ops/ops.h"

#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"
#include "ews/ops/ops_int.h"

#define P OP_FOLDER_KIND_PLAIN
#define CON OP_FOLDER_KIND_CONTACTS
#define CAL OP_FOLDER_KIND_CALENDAR
#define TSK OP_FOLDER_KIND_TASKS
#define SRCH OP_FOLDER_KIND_SEARCH

/* name, parent, class, display name, kind, hidden, holds contacts, distinguished;
 * tree order (a parent before its children). */
static const struct op_folder_def FOLDERS[] = {
	{ OP_FOLDER_ROOT, NULL, NULL, "", P, 0, 0, 1 },
	{ OP_FOLDER_TOP, OP_FOLDER_ROOT, NULL, "Top of Information Store", P, 0, 0, 1 },
	{ "inbox", OP_FOLDER_TOP, "IPF.Note", "Inbox", P, 0, 0, 1 },
	{ "drafts", OP_FOLDER_TOP, "IPF.Note", "Drafts", P, 0, 0, 1 },
	{ "sentitems", OP_FOLDER_TOP, "IPF.Note", "Sent Items", P, 0, 0, 1 },
	{ "deleteditems", OP_FOLDER_TOP, "IPF.Note", "Deleted Items", P, 0, 0, 1 },
	{ "outbox", OP_FOLDER_TOP, "IPF.Note", "Outbox", P, 0, 0, 1 },
	{ "junkemail", OP_FOLDER_TOP, "IPF.Note", "Junk Email", P, 0, 0, 1 },
	{ "calendar", OP_FOLDER_TOP, "IPF.Appointment", "Calendar", CAL, 0, 0, 1 },
	{ OP_FOLDER_CONTACTS, OP_FOLDER_TOP, "IPF.Contact", "Contacts", CON, 0, 1, 1 },
	/* spec §1.2: the system contacts subfolders are hidden (PR_ATTR_HIDDEN) */
	{ "recipientcache", OP_FOLDER_CONTACTS, "IPF.Contact.RecipientCache", "Recipient Cache", CON, 1, 0, 1 },
	{ "quickcontacts", OP_FOLDER_CONTACTS, "IPF.Contact.MOC.QuickContacts",
	  "{06967759-274D-40B2-A3EB-D7F9E73727D7}", CON, 1, 0, 1 },
	{ "imcontactlist", OP_FOLDER_CONTACTS, "IPF.Contact.MOC.ImContactList",
	  "{A9E2BC46-B3A0-4243-B315-60D991004455}", CON, 1, 0, 1 },
	{ "x-galcontacts", OP_FOLDER_CONTACTS, "IPF.Contact.GalContacts", "GAL Contacts", CON, 1, 0, 0 },
	{ "x-organizationalcontacts", OP_FOLDER_CONTACTS, "IPF.Contact.OrganizationalContacts",
	  "Organizational Contacts", CON, 1, 0, 0 },
	{ "x-companies", OP_FOLDER_CONTACTS, "IPF.Contact.Company", "Companies", CON, 1, 0, 0 },
	{ "x-peoplecentricconversationbuddies", OP_FOLDER_CONTACTS,
	  "IPF.Contact.PeopleCentricConversationBuddies", "PeopleCentricConversation Buddies", CON, 1, 0, 0 },
	{ "tasks", OP_FOLDER_TOP, "IPF.Task", "Tasks", TSK, 0, 0, 1 },
	{ "notes", OP_FOLDER_TOP, "IPF.StickyNote", "Notes", P, 0, 0, 1 },
	{ "journal", OP_FOLDER_TOP, "IPF.Journal", "Journal", P, 0, 0, 1 },
	{ "syncissues", OP_FOLDER_TOP, "IPF.Note", "Sync Issues", P, 0, 0, 1 },
	{ "conflicts", "syncissues", "IPF.Note", "Conflicts", P, 0, 0, 1 },
	{ "localfailures", "syncissues", "IPF.Note", "Local Failures", P, 0, 0, 1 },
	{ "serverfailures", "syncissues", "IPF.Note", "Server Failures", P, 0, 0, 1 },
	{ "conversationhistory", OP_FOLDER_TOP, "IPF.Note", "Conversation History", P, 0, 0, 1 },
	{ "x-conversationactionsettings", OP_FOLDER_TOP, "IPF.Configuration", "Conversation Action Settings",
	  P, 0, 0, 0 },
	{ "x-rssfeeds", OP_FOLDER_TOP, "IPF.Note.OutlookHomepage", "RSS Feeds", P, 0, 0, 0 },
	{ "searchfolders", OP_FOLDER_ROOT, NULL, "Finder", P, 0, 0, 1 },
	{ "todosearch", "searchfolders", "IPF.Task", "To-Do Search", SRCH, 0, 0, 1 },
	{ "peopleconnect", OP_FOLDER_ROOT, "IPF.Note", "PeopleConnect", P, 0, 0, 1 },
	{ "mycontacts", OP_FOLDER_ROOT, "IPF.Note", "My Contacts", SRCH, 0, 0, 1 },
	{ "favorites", OP_FOLDER_ROOT, "IPF.Note", "Favorites", P, 0, 0, 1 },
	{ "recoverableitemsroot", OP_FOLDER_ROOT, NULL, "Recoverable Items", P, 0, 0, 1 },
	{ "recoverableitemsdeletions", "recoverableitemsroot", NULL, "Deletions", P, 0, 0, 1 },
	{ "recoverableitemsversions", "recoverableitemsroot", NULL, "Versions", P, 0, 0, 1 },
	{ "recoverableitemspurges", "recoverableitemsroot", NULL, "Purges", P, 0, 0, 1 },
	{ "recoverableitemsdiscoveryholds", "recoverableitemsroot", NULL, "DiscoveryHolds", P, 0, 0, 1 },
	{ "x-calendarlogging", "recoverableitemsroot", NULL, "Calendar Logging", P, 0, 0, 0 },
	{ "x-audits", "recoverableitemsroot", NULL, "Audits", P, 0, 0, 0 },
	/* the non-IPM system folders of root (spec §1.1, §2.2) */
	{ "x-commonviews", OP_FOLDER_ROOT, NULL, "Common Views", P, 0, 0, 0 },
	{ "x-deferredaction", OP_FOLDER_ROOT, NULL, "Deferred Action", P, 0, 0, 0 },
	{ "x-freebusydata", OP_FOLDER_ROOT, NULL, "Freebusy Data", P, 0, 0, 0 },
	{ "x-schedule", OP_FOLDER_ROOT, NULL, "Schedule", P, 0, 0, 0 },
	{ "x-shortcuts", OP_FOLDER_ROOT, NULL, "Shortcuts", P, 0, 0, 0 },
	{ "x-spoolerqueue", OP_FOLDER_ROOT, NULL, "Spooler Queue", P, 0, 0, 0 },
	{ "x-system", OP_FOLDER_ROOT, NULL, "System", P, 0, 0, 0 },
	{ "x-views", OP_FOLDER_ROOT, NULL, "Views", P, 0, 0, 0 },
	{ "x-reminders", OP_FOLDER_ROOT, "Outlook.Reminder", "Reminders", P, 0, 0, 0 },
	{ "x-exchangesyncdata", OP_FOLDER_ROOT, NULL, "ExchangeSyncData", P, 0, 0, 0 },
	{ "x-mailboxassociations", OP_FOLDER_ROOT, NULL, "MailboxAssociations", P, 0, 0, 0 },
	{ "x-allitems", OP_FOLDER_ROOT, "IPF", "AllItems", P, 0, 0, 0 },
	{ "x-allcontacts", OP_FOLDER_ROOT, "IPF.Note", "AllContacts", P, 0, 0, 0 },
	{ "x-sharing", OP_FOLDER_ROOT, "IPF.Note", "Sharing", P, 0, 0, 0 },
};

#undef P
#undef CON
#undef CAL
#undef TSK
#undef SRCH

/* DistinguishedFolderIdNameType values the Exchange 2019 build does not know
 * (spec §1.3: ErrorInvalidOperation); every other value this set lacks is a
 * folder the mailbox does not have (archive, public folders, voicemail,
 * adminauditlogs, directory, the Exchange Online ones: ErrorFolderNotFound). */
static const char *const UNRECOGNIZED[] = { "mecontact", "personmetadata" };

const struct op_folder_def *op_folder_defs(size_t *n)
{
	*n = sizeof FOLDERS / sizeof *FOLDERS;
	return FOLDERS;
}

const struct op_folder_def *op_folder_def_find(const char *name)
{
	for (size_t i = 0; name && i < sizeof FOLDERS / sizeof *FOLDERS; i++)
		if (strcmp(name, FOLDERS[i].name) == 0)
			return &FOLDERS[i];
	return NULL;
}

int op_folder_child_count(const char *name)
{
	int n = 0;
	for (size_t i = 0; name && i < sizeof FOLDERS / sizeof *FOLDERS; i++)
		n += FOLDERS[i].parent && strcmp(FOLDERS[i].parent, name) == 0;
	return n;
}

#define FPROP_ALL (OP_FPROP_ID | OP_FPROP_PARENT | OP_FPROP_CLASS | OP_FPROP_DISPLAY_NAME | \
	OP_FPROP_TOTAL | OP_FPROP_CHILDREN | OP_FPROP_UNREAD | OP_FPROP_RIGHTS)

/* The FolderShape's properties: the base shape plus AdditionalProperties
 * (unknown URIs are ignored, like the item ones). */
static unsigned shape_props(enum ews_shape shape, const char *const *additional, size_t n)
{
	static const struct { const char *uri; unsigned prop; } fields[] = {
		{ "folder:FolderId", OP_FPROP_ID }, { "folder:ParentFolderId", OP_FPROP_PARENT },
		{ "folder:FolderClass", OP_FPROP_CLASS }, { "folder:DisplayName", OP_FPROP_DISPLAY_NAME },
		{ "folder:TotalCount", OP_FPROP_TOTAL }, { "folder:ChildFolderCount", OP_FPROP_CHILDREN },
		{ "folder:UnreadCount", OP_FPROP_UNREAD }, { "folder:EffectiveRights", OP_FPROP_RIGHTS },
	};
	unsigned p = shape == EWS_SHAPE_ALL ? FPROP_ALL
	           : shape == EWS_SHAPE_DEFAULT ? OP_FPROP_ID | OP_FPROP_DISPLAY_NAME | OP_FPROP_TOTAL |
	                                          OP_FPROP_CHILDREN | OP_FPROP_UNREAD
	           : OP_FPROP_ID;
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (k < sizeof fields / sizeof *fields && (!additional[i] || strcmp(additional[i], fields[k].uri)))
			k++;
		if (k < sizeof fields / sizeof *fields)
			p |= fields[k].prop;
		else
			LOGD("get_folder", "ignoring property %s", additional[i] ? additional[i] : "(none)");
	}
	return p;
}

int op_folder_shape(const struct ews_ctx *ctx, enum ews_shape shape, const char *const *additional, size_t n,
                    const struct prop_ext_uri *ext, size_t n_ext, struct op_folder_shape *out)
{
	memset(out, 0, sizeof *out);
	out->props = shape_props(shape, additional, n);
	out->ext = ext;
	out->n_ext = n_ext;
	ews_status_ok(&out->status);
	if (!n_ext)
		return EMU_OK;
	if (!(out->ext_defs = arena_alloc(ctx->arena, n_ext * sizeof *out->ext_defs)))
		return EMU_ENOMEM;
	op_ext_resolve(ext, n_ext, PROP_ON_FOLDER, out->ext_defs, &out->status);
	return EMU_OK;
}

static int count_one(const struct contact_record *c, void *ctx)
{
	(void)c;
	++*(int *)ctx;
	return 0;
}

int op_folder_record(store_txn_t *t, const char *primary, const struct op_folder_def *def, int *contacts,
                     struct prop_folder *r)
{
	struct store_folder_state st;
	int rc;

	memset(r, 0, sizeof *r);
	r->display_name = def->display_name;
	r->folder_class = def->folder_class;
	r->child_folder_count = op_folder_child_count(def->name);
	r->hidden = def->hidden;
	r->folder_type = !def->parent ? 0 : def->kind == OP_FOLDER_KIND_SEARCH ? 2 : 1;
	if ((rc = store_contacts_state(t, primary, &st)) != EMU_OK)
		return rc;
	/* only the contacts folder has items: the others never changed since
	 * the store exists and would give their first item number 1 */
	r->changed = def->holds_contacts ? st.changed : st.created;
	r->article_next = def->holds_contacts ? st.article_next : 1;
	if (def->holds_contacts) {
		if (*contacts < 0) {
			int n = 0;
			if ((rc = store_contact_foreach(t, primary, count_one, &n)) != EMU_OK)
				return rc;
			*contacts = n;
		}
		r->total_count = *contacts;
	}
	return EMU_OK;
}

int op_folder_resolve(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *ref,
                      struct user_record *u, const char **name, struct ews_status *st)
{
	const char *mailbox, *folder;
	const struct op_folder_def *def;
	struct ews_id id;
	int rc;

	*name = NULL;
	if (ref->id) {
		if (!op_request_id(ctx, ref->id, EWS_ID_FOLDER, &id, st))
			return EMU_OK;
		mailbox = id.mailbox;
		folder = id.local;
	} else {
		mailbox = ref->mailbox && *ref->mailbox ? ref->mailbox : caller_address(ctx->caller);
		folder = ref->distinguished;
		for (size_t k = 0; folder && k < sizeof UNRECOGNIZED / sizeof *UNRECOGNIZED; k++)
			if (strcmp(folder, UNRECOGNIZED[k]) == 0) {
				ews_status_error(st, EWS_ERROR_INVALID_OPERATION, OP_MSG_FOLDER_NAME_UNKNOWN);
				return EMU_OK;
			}
		if (!mailbox) {
			ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND,
			                 "An anonymous request has no mailbox: name one in DistinguishedFolderId/Mailbox.");
			return EMU_OK;
		}
	}
	rc = store_user_get(t, mailbox, u);
	if (rc == EMU_ENOTFOUND || rc == EMU_EINVAL || rc == EMU_ELIMIT) {
		/* an id of a mailbox that is gone; a Mailbox address of nobody */
		if (ref->id)
			ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND, OP_MSG_FOLDER_NOT_FOUND);
		else
			ews_status_error(st, EWS_ERROR_NON_EXISTENT_MAILBOX,
			                 "The SMTP address has no mailbox associated with it.");
		return EMU_OK;
	}
	if (rc)
		return rc;
	/* a Mailbox may name the user by a proxy address: compare primaries */
	if (access_check(ctx->caller, ACCESS_MAILBOX_READ, u->email) != EMU_OK) {
		ews_status_error(st, EWS_ERROR_ACCESS_DENIED, OP_MSG_ACCESS_DENIED);
		return EMU_OK;
	}
	if (ref->id && strcasecmp(u->email, id.mailbox) != 0) {
		/* the id's address became someone's proxy: not this mailbox's folder */
		ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND, OP_MSG_FOLDER_NOT_FOUND);
		return EMU_OK;
	}
	/* a folder without a distinguished name has only its FolderId */
	if ((def = op_folder_def_find(folder)) != NULL && (ref->id || def->distinguished))
		*name = def->name;
	else
		ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND, OP_MSG_FOLDER_NOT_FOUND);
	return EMU_OK;
}

int op_contacts_owner(const struct ews_ctx *ctx, store_txn_t *t, const struct op_folder_ref *ref,
                      char *owner, struct ews_status *st)
{
	struct user_record *u = arena_alloc(ctx->arena, sizeof *u);
	const char *name = NULL;
	int rc;

	owner[0] = '\0';
	if (!u)
		return EMU_ENOMEM;
	if (ref) {
		if ((rc = op_folder_resolve(ctx, t, ref, u, &name, st)) != EMU_OK || !name)
			return rc;
		if (strcmp(name, OP_FOLDER_CONTACTS) != 0)
			return EMU_OK;    /* root, msgfolderroot, mail folders: nobody */
	} else if (caller_address(ctx->caller) == NULL) {
		return EMU_OK;        /* anonymous: no mailbox, no contacts */
	} else if ((rc = store_user_get(t, caller_address(ctx->caller), u)) != EMU_OK) {
		return rc;
	}
	op_lower_copy(owner, u->email);
	return EMU_OK;
}

int op_folder_describe(const struct ews_ctx *ctx, store_txn_t *t, const char *primary,
                       const struct op_folder_def *def, const struct op_folder_shape *shape,
                       int *contacts, struct op_folder *f)
{
	unsigned props = shape->props;
	int rc;

	memset(f, 0, sizeof *f);
	f->kind = def->kind;
	f->is_contacts = def->kind == OP_FOLDER_KIND_CONTACTS;
	if ((rc = op_folder_ref(ctx->arena, primary, def->name, &f->id, &f->change_key)) != EMU_OK)
		return rc;
	if (def->parent && (rc = op_folder_ref(ctx->arena, primary, def->parent, &f->parent_id,
	                                       &f->parent_change_key)) != EMU_OK)
		return rc;
	f->folder_class = def->folder_class;
	f->display_name = def->display_name;
	f->child_folder_count = op_folder_child_count(def->name);
	if (shape->n_ext || (props & OP_FPROP_TOTAL)) {
		/* spec §8.2: the values of the one table, a property the folder
		 * lacks left out; TotalCount is the record's (one count per
		 * request through @p contacts) */
		struct prop_folder pf;
		struct prop_record rec = { NULL, NULL, &pf };
		if ((rc = op_folder_record(t, primary, def, contacts, &pf)) != EMU_OK)
			return rc;
		f->total_count = pf.total_count;
		if (shape->n_ext &&
		    (rc = op_ext_values(ctx->arena, shape->ext, shape->ext_defs, shape->n_ext, &rec,
		                        &f->ext, &f->n_ext)) != EMU_OK)
			return rc;
	}
	/* only what this folder has: no parent for root, no class where there
	 * is none, no UnreadCount on t:ContactsFolder and t:CalendarFolder
	 * (BaseFolderType; t:Folder, t:SearchFolder and t:TasksFolder have it) */
	f->props = props;
	if (!def->parent)
		f->props &= ~(unsigned)OP_FPROP_PARENT;
	if (!def->folder_class)
		f->props &= ~(unsigned)OP_FPROP_CLASS;
	if (def->kind == OP_FOLDER_KIND_CONTACTS || def->kind == OP_FOLDER_KIND_CALENDAR)
		f->props &= ~(unsigned)OP_FPROP_UNREAD;
	return EMU_OK;
}

struct folder_batch {
	const struct ews_ctx *ctx;
	struct op_folder_shape shape;
	const struct op_folder_ref *refs;
	struct op_folder_result *out;
	struct user_record u;       /* scratch */
};

static int get_one_folder(void *arg, store_txn_t *t, size_t i)
{
	struct folder_batch *b = arg;
	const char *name;
	int rc;

	memset(&b->out[i], 0, sizeof b->out[i]);
	if (b->shape.status.cls != EWS_SUCCESS) {
		b->out[i].status = b->shape.status;
		return EMU_OK;
	}
	ews_status_ok(&b->out[i].status);
	if ((rc = op_folder_resolve(b->ctx, t, &b->refs[i], &b->u, &name, &b->out[i].status)) != EMU_OK || !name)
		return rc;
	int contacts = -1;
	return op_folder_describe(b->ctx, t, b->u.email, op_folder_def_find(name), &b->shape, &contacts,
	                          &b->out[i].folder);
}

int op_get_folder(const struct ews_ctx *ctx, enum ews_shape shape,
                  const char *const *additional, size_t n_additional,
                  const struct prop_ext_uri *ext, size_t n_ext,
                  const struct op_folder_ref *refs, size_t n, struct op_folder_result *out)
{
	struct folder_batch *b = arena_alloc(ctx->arena, sizeof *b);
	int rc;

	if (!b)
		return EMU_ENOMEM;
	if ((rc = op_folder_shape(ctx, shape, additional, n_additional, ext, n_ext, &b->shape)) != EMU_OK)
		return rc;
	b->ctx = ctx;
	b->refs = refs;
	b->out = out;
	return op_batch(ctx, n, get_one_folder, b);
}
