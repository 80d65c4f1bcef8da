/* folders.c - GetFolder: the three folders every ewsemu mailbox has.
 *
 * root ("" display name, as Exchange's root) holds msgfolderroot ("Top of
 * Information Store"), which holds contacts ("Contacts", the personal
 * contacts of ResolveNames and GetItem).  Ids are stable: {mailbox, folder
 * name} (ids.h), so they survive restarts and re-imports.  Other
 * distinguished folders (inbox, calendar, ...) do not exist here:
 * ErrorFolderNotFound.
 */
#include "ews/ops/ops.h"

#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/result.h"
#include "ews/access.h"
#include "ews/ops/ops_int.h"

static const struct op_folder_def FOLDERS[] = {
	{ OP_FOLDER_ROOT, NULL, NULL, "", OP_FOLDER_KIND_PLAIN, 0, 0 },
	{ OP_FOLDER_TOP, OP_FOLDER_ROOT, "IPF.Note", "Top of Information Store", OP_FOLDER_KIND_PLAIN, 0, 0 },
	{ OP_FOLDER_CONTACTS, OP_FOLDER_TOP, "IPF.Contact", "Contacts", OP_FOLDER_KIND_CONTACTS, 0, 1 },
};

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
unsigned op_folder_shape_props(enum ews_shape shape, const char *const *additional, size_t n)
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

static int count_one(const struct contact_record *c, void *ctx)
{
	(void)c;
	++*(int *)ctx;
	return 0;
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
	if ((def = op_folder_def_find(folder)) != NULL)
		*name = def->name;
	else
		ews_status_error(st, EWS_ERROR_FOLDER_NOT_FOUND, OP_MSG_FOLDER_NOT_FOUND);
	return EMU_OK;
}

int op_folder_describe(const struct ews_ctx *ctx, store_txn_t *t, const char *primary,
                       const struct op_folder_def *def, unsigned props, struct op_folder *f)
{
	int rc;

	memset(f, 0, sizeof *f);
	f->is_contacts = def->kind == OP_FOLDER_KIND_CONTACTS;
	if ((rc = op_folder_ref(ctx->arena, primary, def->name, &f->id, &f->change_key)) != EMU_OK)
		return rc;
	if (def->parent && (rc = op_folder_ref(ctx->arena, primary, def->parent, &f->parent_id,
	                                       &f->parent_change_key)) != EMU_OK)
		return rc;
	f->folder_class = def->folder_class;
	f->display_name = def->display_name;
	f->child_folder_count = op_folder_child_count(def->name);
	if (def->holds_contacts && (props & OP_FPROP_TOTAL) &&
	    (rc = store_contact_foreach(t, primary, count_one, &f->total_count)) != EMU_OK)
		return rc;
	/* only what this folder has: no parent for root, no class for root,
	 * no UnreadCount on a t:ContactsFolder */
	f->props = props;
	if (!def->parent)
		f->props &= ~(unsigned)OP_FPROP_PARENT;
	if (!def->folder_class)
		f->props &= ~(unsigned)OP_FPROP_CLASS;
	if (def->kind == OP_FOLDER_KIND_CONTACTS)
		f->props &= ~(unsigned)OP_FPROP_UNREAD;
	return EMU_OK;
}

struct folder_batch {
	const struct ews_ctx *ctx;
	unsigned props;
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
	ews_status_ok(&b->out[i].status);
	if ((rc = op_folder_resolve(b->ctx, t, &b->refs[i], &b->u, &name, &b->out[i].status)) != EMU_OK || !name)
		return rc;
	return op_folder_describe(b->ctx, t, b->u.email, op_folder_def_find(name), b->props, &b->out[i].folder);
}

int op_get_folder(const struct ews_ctx *ctx, enum ews_shape shape,
                  const char *const *additional, size_t n_additional,
                  const struct op_folder_ref *refs, size_t n, struct op_folder_result *out)
{
	struct folder_batch *b = arena_alloc(ctx->arena, sizeof *b);
	if (!b)
		return EMU_ENOMEM;
	b->ctx = ctx;
	b->props = op_folder_shape_props(shape, additional, n_additional);
	b->refs = refs;
	b->out = out;
	return op_batch(ctx, n, get_one_folder, b);
}
