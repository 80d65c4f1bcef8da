/* contact_view.c - what EWS shows of a contact: the shapes and FieldURIs of
 * GetItem (spec §5.3), personal contacts as t:Contact items (§5.4, §5.5) and
 * directory users as ResolveNames contacts (§4.5).
 *
 * A view is a struct op_contact whose props say which fields to emit: the
 * requested set, narrowed to the fields that have a value ("each only if it
 * has a value", spec §5.3).  Every string is copied into the arena, so a view
 * outlives the records it was made from.
 */
#include "ews/ops/ops.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/result.h"
#include "ews/ops/ops_int.h"

#define PROP OP_PROP

/* ---- shapes and FieldURIs ------------------------------------------------------ */

int ews_shape_parse(const char *s, enum ews_shape *out)
{
	static const struct { const char *name; enum ews_shape shape; } names[] = {
		{ "IdOnly", EWS_SHAPE_ID_ONLY }, { "Default", EWS_SHAPE_DEFAULT },
		{ "AllProperties", EWS_SHAPE_ALL },
	};
	for (size_t i = 0; s && i < sizeof names / sizeof *names; i++) {
		if (strcmp(s, names[i].name) == 0) {
			*out = names[i].shape;
			return EMU_OK;
		}
	}
	return EMU_EINVAL;
}

/* spec §5.3, property-sets table 3 (contact column) */
#define DEFAULT_PROPS (PROP(P_ITEM_ID) | PROP(P_HAS_ATTACHMENTS) | PROP(P_FILE_AS) | \
	PROP(P_COMPLETE_NAME) | PROP(P_COMPANY_NAME) | PROP(P_EMAIL_ADDRESSES) | PROP(P_JOB_TITLE) | \
	PROP(P_PHONE_NUMBERS) | PROP(P_PHYSICAL_ADDRESSES))

/* spec §5.3, table 4: everything ewsemu serves except Birthday, which the
 * table leaves out (AdditionalProperties contacts:Birthday asks for it) */
#define ALL_PROPS ((OP_PROP(P_COUNT) - 1) & ~PROP(P_BIRTHDAY) & ~PROP(P_MIME_CONTENT))

op_props op_props_for_shape(enum ews_shape shape)
{
	switch (shape) {
	case EWS_SHAPE_DEFAULT: return DEFAULT_PROPS;
	case EWS_SHAPE_ALL: return ALL_PROPS;
	case EWS_SHAPE_ID_ONLY:
	default: return PROP(P_ITEM_ID);
	}
}

/* FieldURI (and IndexedFieldURI FieldURI) values and what they add: the
 * property table (ews/props.h) is the one list; an indexed URI adds its whole
 * dictionary. */
op_props op_props_for_field(const char *field_uri)
{
	const struct prop_def *d = props_find_uri(field_uri);
	return d && d->shape != P_NONE ? PROP(d->shape) : 0;
}

/* ---- building a view --------------------------------------------------------------- */

struct view {
	struct arena *a;
	struct op_contact *c;
	op_props have;      /* fields with a value */
	int oom;
};

/* Arena copy of @p s, or NULL for an empty string. */
static const char *text(struct view *v, const char *s)
{
	if (!s || !*s)
		return NULL;
	char *d = arena_strdup(v->a, s);
	if (!d)
		v->oom = 1;
	return d;
}

/* Set field @p p to the copy of @p s; it has a value when @p s is not empty. */
static const char *field(struct view *v, enum op_prop p, const char *s)
{
	const char *d = text(v, s);
	if (d)
		v->have |= PROP(p);
	return d;
}

/* Append {@p key, @p prefix @p value} to @p e (@p max slots) unless empty. */
static void entry(struct view *v, struct op_dict_entry *e, int *n, int max, const char *key,
                  const char *prefix, const char *value)
{
	char buf[STORE_ADDR_MAX + 8];
	if (!value || !*value || *n >= max)
		return;
	snprintf(buf, sizeof buf, "%s%s", prefix, value);
	e[*n].key = key;
	if ((e[*n].value = text(v, buf)) != NULL)
		(*n)++;
}

/* "AE" for Alice Example: the first character (a whole UTF-8 sequence) of
 * each name, ASCII upper-cased. */
static void initials(const char *given, const char *surname, char *out, size_t outsz)
{
	const char *names[2] = { given, surname };
	size_t n = 0;
	for (int i = 0; i < 2; i++) {
		const unsigned char *p = (const unsigned char *)names[i];
		if (!p[0])
			continue;
		size_t len = 1;
		while (p[len] && (p[len] & 0xC0) == 0x80 && len < 4)
			len++;
		if (n + len >= outsz)
			break;
		memcpy(out + n, p, len);
		if (len == 1)
			out[n] = (char)toupper(p[0]);
		n += len;
	}
	out[n] = '\0';
}

/* A rough, stable item size: the text it holds plus its picture. */
static uint32_t item_size(const struct contact_record *c)
{
	const char *fields[] = { c->display_name, c->given_name, c->middle_name, c->surname,
	                         c->nickname, c->file_as, c->email, c->email2, c->email3,
	                         c->company, c->job_title, c->department, c->office,
	                         c->business_phone, c->mobile_phone, c->home_phone, c->street,
	                         c->city, c->state, c->postal_code, c->country, c->notes };
	uint32_t n = 512;   /* the fixed properties every item has */
	for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
		n += (uint32_t)strlen(fields[i]);
	return c->has_photo ? n + c->photo.len : n;
}

/* The t:ItemType part of a stored contact. */
static int store_item_part(struct view *v, const char *owner, const struct contact_record *c)
{
	struct op_contact *o = v->c;
	char local[STORE_ID_MAX + 1];
	int rc;

	o->item_id = ews_id_text(v->a, EWS_ID_ITEM, owner, c->id);
	o->change_key = ews_change_key(v->a, EWS_ID_ITEM, c->change);
	if (!o->item_id || !o->change_key)
		return EMU_ENOMEM;
	if ((rc = op_folder_ref(v->a, owner, OP_FOLDER_CONTACTS, &o->parent_id, &o->parent_change_key)))
		return rc;
	o->item_class = "IPM.Contact";
	o->subject = field(v, P_SUBJECT, c->display_name);
	o->sensitivity = "Normal";
	o->body = c->notes[0] ? text(v, c->notes) : "";   /* Exchange always has a (maybe empty) body */
	o->importance = "Normal";
	o->culture = "en-US";
	o->size = item_size(c);
	o->received = o->sent = o->created = c->created;
	o->modified = c->modified;
	v->have |= PROP(P_ITEM_ID) | PROP(P_PARENT_FOLDER_ID) | PROP(P_ITEM_CLASS) | PROP(P_SENSITIVITY) |
	           PROP(P_BODY) | PROP(P_SIZE) | PROP(P_IMPORTANCE) | PROP(P_IS_SUBMITTED) |
	           PROP(P_IS_DRAFT) | PROP(P_IS_FROM_ME) | PROP(P_IS_RESEND) | PROP(P_IS_UNMODIFIED) |
	           PROP(P_REMINDER_IS_SET) | PROP(P_HAS_ATTACHMENTS) | PROP(P_CULTURE) |
	           PROP(P_EFFECTIVE_RIGHTS) | PROP(P_IS_ASSOCIATED);
	if (c->created)
		v->have |= PROP(P_DATE_RECEIVED) | PROP(P_DATE_SENT) | PROP(P_DATE_CREATED);
	if (c->modified)
		v->have |= PROP(P_LAST_MODIFIED_TIME);

	/* spec §5.5: the picture is a file attachment flagged IsContactPhoto */
	if (c->has_photo) {
		struct op_attachment *att = &o->attachment;
		if ((rc = ews_attachment_local(local, c->id, c->photo.etag)) != EMU_OK)
			return rc == EMU_ELIMIT ? EMU_EINTERNAL : rc;   /* store ids are short */
		if (!(att->id = ews_id_text(v->a, EWS_ID_ATTACHMENT, owner, local)))
			return EMU_ENOMEM;
		att->name = "ContactPicture.jpg";
		att->content_type = "image/jpeg";
		att->size = c->photo.len;
		att->last_modified = c->modified;
		att->is_contact_photo = 1;
		o->n_attachments = 1;
		v->have |= PROP(P_ATTACHMENTS);
	}
	return EMU_OK;
}

/* The t:ContactItemType part of a stored contact. */
static void store_contact_part(struct view *v, const struct contact_record *c)
{
	struct op_contact *o = v->c;
	static const char *const email_keys[OP_EMAILS_MAX] = { "EmailAddress1", "EmailAddress2", "EmailAddress3" };
	const char *mails[OP_EMAILS_MAX] = { c->email, c->email2, c->email3 };

	o->file_as = field(v, P_FILE_AS, c->file_as[0] ? c->file_as : c->display_name);
	o->display_name = field(v, P_DISPLAY_NAME, c->display_name);
	o->given_name = field(v, P_GIVEN_NAME, c->given_name);
	o->middle_name = field(v, P_MIDDLE_NAME, c->middle_name);
	o->nickname = field(v, P_NICKNAME, c->nickname);
	o->surname = field(v, P_SURNAME, c->surname);
	if (o->display_name || o->given_name || o->middle_name || o->nickname || o->surname)
		v->have |= PROP(P_COMPLETE_NAME);
	o->company = field(v, P_COMPANY_NAME, c->company);
	for (int i = 0; i < OP_EMAILS_MAX; i++)
		entry(v, o->emails, &o->n_emails, OP_EMAILS_MAX, email_keys[i], "", mails[i]);
	if (o->n_emails)
		v->have |= PROP(P_EMAIL_ADDRESSES);
	o->address.key = "Business";
	o->address.street = text(v, c->street);
	o->address.city = text(v, c->city);
	o->address.state = text(v, c->state);
	o->address.country = text(v, c->country);
	o->address.postal_code = text(v, c->postal_code);
	if (o->address.street || o->address.city || o->address.state || o->address.country ||
	    o->address.postal_code) {
		o->n_addresses = 1;
		o->postal_address_index = "Business";
		v->have |= PROP(P_PHYSICAL_ADDRESSES) | PROP(P_POSTAL_ADDRESS_INDEX);
	}
	entry(v, o->phones, &o->n_phones, OP_PHONES_MAX, "BusinessPhone", "", c->business_phone);
	entry(v, o->phones, &o->n_phones, OP_PHONES_MAX, "MobilePhone", "", c->mobile_phone);
	entry(v, o->phones, &o->n_phones, OP_PHONES_MAX, "HomePhone", "", c->home_phone);
	if (o->n_phones)
		v->have |= PROP(P_PHONE_NUMBERS);
	if (c->birthday[0]) {
		/* a date: noon UTC is the same day in (almost) every time zone */
		char when[STORE_DATE_MAX + 16];
		snprintf(when, sizeof when, "%sT12:00:00Z", c->birthday);
		o->birthday = field(v, P_BIRTHDAY, when);
	}
	o->contact_source = "Store";
	o->department = field(v, P_DEPARTMENT, c->department);
	o->job_title = field(v, P_JOB_TITLE, c->job_title);
	o->office = field(v, P_OFFICE_LOCATION, c->office);
	o->has_picture = c->has_photo;
	v->have |= PROP(P_CONTACT_SOURCE) | PROP(P_HAS_PICTURE);
}

int op_contact_from_store(const struct ews_ctx *ctx, const char *owner,
                          const struct contact_record *c, op_props props,
                          struct op_contact *out)
{
	struct view v = { ctx->arena, out, 0, 0 };
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = store_item_part(&v, owner, c)) != EMU_OK)
		return rc;
	store_contact_part(&v, c);
	if (v.oom)
		return EMU_ENOMEM;
	out->props = props & v.have;
	return EMU_OK;
}

/* spec §4.5: what a directory contact shows (Default); AllProperties adds
 * the photo */
#define DIRECTORY_PROPS (PROP(P_DISPLAY_NAME) | PROP(P_GIVEN_NAME) | PROP(P_INITIALS) | \
	PROP(P_COMPANY_NAME) | PROP(P_EMAIL_ADDRESSES) | PROP(P_PHONE_NUMBERS) | \
	PROP(P_CONTACT_SOURCE) | PROP(P_DEPARTMENT) | PROP(P_JOB_TITLE) | PROP(P_OFFICE_LOCATION) | \
	PROP(P_SURNAME) | PROP(P_ALIAS))

int op_contact_from_user(const struct ews_ctx *ctx, const struct user_record *u,
                         enum ews_shape shape, const unsigned char *photo, size_t photo_len,
                         struct op_contact *out)
{
	static const char *const keys[OP_EMAILS_MAX] = { "EmailAddress1", "EmailAddress2", "EmailAddress3" };
	struct view v = { ctx->arena, out, 0, 0 };
	char ini[16];

	memset(out, 0, sizeof *out);
	if (shape == EWS_SHAPE_ID_ONLY)
		return EMU_OK;   /* a directory entry has no item id: nothing to show */
	out->display_name = field(&v, P_DISPLAY_NAME, u->display_name);
	out->given_name = field(&v, P_GIVEN_NAME, u->given_name);
	initials(u->given_name, u->surname, ini, sizeof ini);
	out->initials = field(&v, P_INITIALS, ini);
	out->company = field(&v, P_COMPANY_NAME, u->company);
	/* spec §4.5: the primary as "SMTP:", proxies as "smtp:" */
	entry(&v, out->emails, &out->n_emails, OP_EMAILS_MAX, keys[0], "SMTP:", u->email);
	for (int i = 0; i < u->nproxies && out->n_emails < OP_EMAILS_MAX; i++)
		if (strcasecmp(u->proxies[i], u->email) != 0)
			entry(&v, out->emails, &out->n_emails, OP_EMAILS_MAX, keys[out->n_emails], "smtp:", u->proxies[i]);
	if (out->n_emails)
		v.have |= PROP(P_EMAIL_ADDRESSES);
	entry(&v, out->phones, &out->n_phones, OP_PHONES_MAX, "BusinessPhone", "", u->phone);
	if (out->n_phones)
		v.have |= PROP(P_PHONE_NUMBERS);
	out->contact_source = "ActiveDirectory";
	v.have |= PROP(P_CONTACT_SOURCE);
	out->department = field(&v, P_DEPARTMENT, u->department);
	out->job_title = field(&v, P_JOB_TITLE, u->title);
	out->office = field(&v, P_OFFICE_LOCATION, u->office);
	out->surname = field(&v, P_SURNAME, u->surname);
	out->alias = field(&v, P_ALIAS, u->alias);
	if (v.oom)
		return EMU_ENOMEM;
	out->props = DIRECTORY_PROPS & v.have;
	if (shape == EWS_SHAPE_ALL && photo) {
		out->photo = photo;
		out->photo_len = photo_len;
		out->props |= PROP(P_PHOTO);
	}
	return EMU_OK;
}
