/* adapter_contact.c - struct op_contact -> t:Contact (spec §4.5, §5.3-5.5).
 *
 * Pure mapping: the op decided which properties to show (c->props) and
 * their values; this file only fills the generated struct, whose member
 * order is the schema order, so the wire order follows by construction.
 * Shared by GetItem (adapter_items.c) and ResolveNames (adapter_resolve.c).
 */
#include "soap/adapter_int.h"

#include <string.h>

#include "core/base64.h"
#include "core/log.h"
#include "ews/ops/ops.h"

#define HAS(c, p) (((c)->props & OP_PROP(p)) != 0)

time_t *adapter_time(struct soap *soap, int64_t t)
{
	time_t *v = soap_malloc(soap, sizeof *v);
	if (v)
		*v = (time_t)t;
	return v;
}

enum xsd__boolean *adapter_bool(struct soap *soap, int b)
{
	enum xsd__boolean *v = soap_malloc(soap, sizeof *v);
	if (v)
		*v = b ? xsd__boolean__true_ : xsd__boolean__false_;
	return v;
}

int *adapter_int(struct soap *soap, int i)
{
	int *v = soap_malloc(soap, sizeof *v);
	if (v)
		*v = i;
	return v;
}

/* An enum-typed element from its schema spelling: a spelling missing from
 * the WSDL subset is a bug in the op, logged, and the element is left out. */
#define ENUM_FROM(soap, type, text, out) do { \
	(out) = soap_malloc((soap), sizeof *(out)); \
	if ((out) && soap_s2##type((soap), (text), (out)) != SOAP_OK) { \
		LOGE("soap", "%s: no value %s in the WSDL subset", #type, (text)); \
		(soap)->error = SOAP_OK; \
		(out) = NULL; \
	} \
} while (0)

struct t__FileAttachmentType *adapter_file_attachment(struct soap *soap, const struct op_attachment *a)
{
	struct t__FileAttachmentType *f = adapter_calloc(soap, 1, sizeof *f);
	if (!f || !(f->AttachmentId = adapter_calloc(soap, 1, sizeof *f->AttachmentId)))
		return NULL;
	f->AttachmentId->Id = (char *)a->id;
	f->Name = (char *)a->name;
	f->ContentType = (char *)a->content_type;
	f->Size = adapter_int(soap, (int)a->size);
	f->LastModifiedTime = adapter_time(soap, a->last_modified);
	f->IsInline = adapter_bool(soap, a->is_inline);
	f->IsContactPhoto = adapter_bool(soap, a->is_contact_photo);
	if (!f->Size || !f->LastModifiedTime || !f->IsInline || !f->IsContactPhoto)
		return NULL;
	if (a->content) {
		if (!(f->Content = adapter_calloc(soap, 1, sizeof *f->Content)))
			return NULL;
		f->Content->__ptr = (unsigned char *)a->content;
		f->Content->__size = (int)a->content_len;
	}
	return f;
}

static struct t__NonEmptyArrayOfAttachmentsType *attachments(struct soap *soap, const struct op_contact *c)
{
	struct t__NonEmptyArrayOfAttachmentsType *arr = adapter_calloc(soap, 1, sizeof *arr);
	if (!arr || !(arr->__union_NonEmptyArrayOfAttachmentsType =
	              adapter_calloc(soap, 1, sizeof *arr->__union_NonEmptyArrayOfAttachmentsType)))
		return NULL;
	struct t__FileAttachmentType *f = adapter_file_attachment(soap, &c->attachment);
	if (!f)
		return NULL;
	arr->__size_NonEmptyArrayOfAttachmentsType = 1;
	arr->__union_NonEmptyArrayOfAttachmentsType[0].__union_NonEmptyArrayOfAttachmentsType =
		SOAP_UNION__t__union_NonEmptyArrayOfAttachmentsType_FileAttachment;
	arr->__union_NonEmptyArrayOfAttachmentsType[0].union_NonEmptyArrayOfAttachmentsType.FileAttachment = f;
	return arr;
}

static struct t__CompleteNameType *complete_name(struct soap *soap, const struct op_contact *c)
{
	struct t__CompleteNameType *n = adapter_calloc(soap, 1, sizeof *n);
	if (!n)
		return NULL;
	n->FirstName = (char *)c->given_name;
	n->MiddleName = (char *)c->middle_name;
	n->LastName = (char *)c->surname;
	n->Initials = (char *)c->initials;
	n->FullName = (char *)c->display_name;
	n->Nickname = (char *)c->nickname;
	return n;
}

static struct t__EmailAddressDictionaryType *emails(struct soap *soap, const struct op_contact *c)
{
	struct t__EmailAddressDictionaryType *d = adapter_calloc(soap, 1, sizeof *d);
	if (!d || !(d->Entry = adapter_calloc(soap, (size_t)c->n_emails, sizeof *d->Entry)))
		return NULL;
	for (int i = 0; i < c->n_emails && i < OP_EMAILS_MAX; i++) {
		struct t__EmailAddressDictionaryEntryType *e = &d->Entry[d->__sizeEntry];
		if (soap_s2t__EmailAddressKeyType(soap, c->emails[i].key, &e->Key) != SOAP_OK) {
			LOGE("soap", "EmailAddressKeyType %s missing from the WSDL subset", c->emails[i].key);
			soap->error = SOAP_OK;
			continue;
		}
		e->__item = (char *)c->emails[i].value;
		d->__sizeEntry++;
	}
	return d;
}

static struct t__PhoneNumberDictionaryType *phones(struct soap *soap, const struct op_contact *c)
{
	struct t__PhoneNumberDictionaryType *d = adapter_calloc(soap, 1, sizeof *d);
	if (!d || !(d->Entry = adapter_calloc(soap, (size_t)c->n_phones, sizeof *d->Entry)))
		return NULL;
	for (int i = 0; i < c->n_phones && i < OP_PHONES_MAX; i++) {
		struct t__PhoneNumberDictionaryEntryType *e = &d->Entry[d->__sizeEntry];
		if (soap_s2t__PhoneNumberKeyType(soap, c->phones[i].key, &e->Key) != SOAP_OK) {
			LOGE("soap", "PhoneNumberKeyType %s missing from the WSDL subset", c->phones[i].key);
			soap->error = SOAP_OK;
			continue;
		}
		e->__item = (char *)c->phones[i].value;
		d->__sizeEntry++;
	}
	return d;
}

static struct t__PhysicalAddressDictionaryType *addresses(struct soap *soap, const struct op_contact *c)
{
	struct t__PhysicalAddressDictionaryType *d = adapter_calloc(soap, 1, sizeof *d);
	if (!d || !(d->Entry = adapter_calloc(soap, 1, sizeof *d->Entry)))
		return NULL;
	struct t__PhysicalAddressDictionaryEntryType *e = d->Entry;
	if (soap_s2t__PhysicalAddressKeyType(soap, c->address.key, &e->Key) != SOAP_OK) {
		LOGE("soap", "PhysicalAddressKeyType %s missing from the WSDL subset", c->address.key);
		soap->error = SOAP_OK;
		return d;
	}
	e->Street = (char *)c->address.street;
	e->City = (char *)c->address.city;
	e->State = (char *)c->address.state;
	e->CountryOrRegion = (char *)c->address.country;
	e->PostalCode = (char *)c->address.postal_code;
	d->__sizeEntry = 1;
	return d;
}

/* t:ItemType part; 0 or -1 on no memory. */
static int item_part(struct soap *soap, const struct op_contact *c, struct t__ContactItemType *x)
{
	if (HAS(c, P_MIME_CONTENT)) {
		/* spec §10: base64 of the vCard, CharacterSet="UTF-8" */
		char *b64 = soap_malloc(soap, BASE64_ENCODED_SIZE(c->mime_len));
		if (!b64 || !(x->MimeContent = adapter_calloc(soap, 1, sizeof *x->MimeContent)))
			return -1;
		base64_encode(c->mime, c->mime_len, b64);
		x->MimeContent->__item = b64;
		x->MimeContent->CharacterSet = "UTF-8";
	}
	if (HAS(c, P_ITEM_ID)) {
		if (!(x->ItemId = adapter_calloc(soap, 1, sizeof *x->ItemId)))
			return -1;
		x->ItemId->Id = (char *)c->item_id;
		x->ItemId->ChangeKey = (char *)c->change_key;
	}
	if (HAS(c, P_PARENT_FOLDER_ID)) {
		if (!(x->ParentFolderId = adapter_calloc(soap, 1, sizeof *x->ParentFolderId)))
			return -1;
		x->ParentFolderId->Id = (char *)c->parent_id;
		x->ParentFolderId->ChangeKey = (char *)c->parent_change_key;
	}
	if (HAS(c, P_ITEM_CLASS))
		x->ItemClass = (char *)c->item_class;
	if (HAS(c, P_SUBJECT))
		x->Subject = (char *)c->subject;
	if (HAS(c, P_SENSITIVITY))
		ENUM_FROM(soap, t__SensitivityChoicesType, c->sensitivity, x->Sensitivity);
	if (HAS(c, P_BODY)) {
		if (!(x->Body = adapter_calloc(soap, 1, sizeof *x->Body)))
			return -1;
		x->Body->__item = (char *)c->body;
		x->Body->BodyType = t__BodyTypeType__Text;
	}
	if (HAS(c, P_ATTACHMENTS) && c->n_attachments > 0 && !(x->Attachments = attachments(soap, c)))
		return -1;
	if (HAS(c, P_DATE_RECEIVED) && !(x->DateTimeReceived = adapter_time(soap, c->received)))
		return -1;
	if (HAS(c, P_SIZE) && !(x->Size = adapter_int(soap, (int)c->size)))
		return -1;
	if (HAS(c, P_IMPORTANCE))
		ENUM_FROM(soap, t__ImportanceChoicesType, c->importance, x->Importance);
	/* a stored contact is never submitted, a draft, from me or resent */
	if (HAS(c, P_IS_SUBMITTED) && !(x->IsSubmitted = adapter_bool(soap, 0)))
		return -1;
	if (HAS(c, P_IS_DRAFT) && !(x->IsDraft = adapter_bool(soap, 0)))
		return -1;
	if (HAS(c, P_IS_FROM_ME) && !(x->IsFromMe = adapter_bool(soap, 0)))
		return -1;
	if (HAS(c, P_IS_RESEND) && !(x->IsResend = adapter_bool(soap, 0)))
		return -1;
	if (HAS(c, P_IS_UNMODIFIED) && !(x->IsUnmodified = adapter_bool(soap, c->modified == c->created)))
		return -1;
	if (HAS(c, P_DATE_SENT) && !(x->DateTimeSent = adapter_time(soap, c->sent)))
		return -1;
	if (HAS(c, P_DATE_CREATED) && !(x->DateTimeCreated = adapter_time(soap, c->created)))
		return -1;
	if (HAS(c, P_REMINDER_IS_SET) && !(x->ReminderIsSet = adapter_bool(soap, 0)))
		return -1;
	if (HAS(c, P_HAS_ATTACHMENTS) && !(x->HasAttachments = adapter_bool(soap, c->n_attachments > 0)))
		return -1;
	if (adapter_ext_props(soap, c->ext, c->n_ext, &x->__sizeExtendedProperty, &x->ExtendedProperty))   /* spec §8.2 */
		return -1;
	if (HAS(c, P_CULTURE))
		x->Culture = (char *)c->culture;
	if (HAS(c, P_EFFECTIVE_RIGHTS)) {
		/* the op sets it for the mailbox owner, the only reader of an item */
		if (!(x->EffectiveRights = adapter_calloc(soap, 1, sizeof *x->EffectiveRights)))
			return -1;
		x->EffectiveRights->Delete = xsd__boolean__true_;
		x->EffectiveRights->Modify = xsd__boolean__true_;
		x->EffectiveRights->Read = xsd__boolean__true_;
		if (!(x->EffectiveRights->ViewPrivateItems = adapter_bool(soap, 1)))
			return -1;
	}
	if (HAS(c, P_LAST_MODIFIED_NAME))
		x->LastModifiedName = (char *)c->last_modified_name;
	if (HAS(c, P_LAST_MODIFIED_TIME) && !(x->LastModifiedTime = adapter_time(soap, c->modified)))
		return -1;
	if (HAS(c, P_IS_ASSOCIATED) && !(x->IsAssociated = adapter_bool(soap, 0)))
		return -1;
	return 0;
}

/* t:ContactItemType part; 0 or -1 on no memory. */
static int contact_part(struct soap *soap, const struct op_contact *c, struct t__ContactItemType *x)
{
	if (HAS(c, P_FILE_AS))
		x->FileAs = (char *)c->file_as;
	if (HAS(c, P_FILE_AS_MAPPING))
		ENUM_FROM(soap, t__FileAsMappingType, c->file_as_mapping, x->FileAsMapping);
	if (HAS(c, P_DISPLAY_NAME))
		x->DisplayName = (char *)c->display_name;
	if (HAS(c, P_GIVEN_NAME))
		x->GivenName = (char *)c->given_name;
	if (HAS(c, P_INITIALS))
		x->Initials = (char *)c->initials;
	if (HAS(c, P_MIDDLE_NAME))
		x->MiddleName = (char *)c->middle_name;
	if (HAS(c, P_NICKNAME))
		x->Nickname = (char *)c->nickname;
	if (HAS(c, P_COMPLETE_NAME) && !(x->CompleteName = complete_name(soap, c)))
		return -1;
	if (HAS(c, P_COMPANY_NAME))
		x->CompanyName = (char *)c->company;
	if (HAS(c, P_EMAIL_ADDRESSES) && c->n_emails > 0 && !(x->EmailAddresses = emails(soap, c)))
		return -1;
	if (HAS(c, P_PHYSICAL_ADDRESSES) && c->n_addresses > 0 && !(x->PhysicalAddresses = addresses(soap, c)))
		return -1;
	if (HAS(c, P_PHONE_NUMBERS) && c->n_phones > 0 && !(x->PhoneNumbers = phones(soap, c)))
		return -1;
	if (HAS(c, P_BIRTHDAY) && c->birthday) {
		if (!(x->Birthday = soap_malloc(soap, sizeof *x->Birthday)))
			return -1;
		if (soap_s2dateTime(soap, c->birthday, x->Birthday) != SOAP_OK) {
			LOGE("soap", "contact birthday %s is not an xs:dateTime", c->birthday);
			soap->error = SOAP_OK;
			x->Birthday = NULL;
		}
	}
	if (HAS(c, P_CONTACT_SOURCE))
		ENUM_FROM(soap, t__ContactSourceType, c->contact_source, x->ContactSource);
	if (HAS(c, P_DEPARTMENT))
		x->Department = (char *)c->department;
	if (HAS(c, P_JOB_TITLE))
		x->JobTitle = (char *)c->job_title;
	if (HAS(c, P_OFFICE_LOCATION))
		x->OfficeLocation = (char *)c->office;
	if (HAS(c, P_POSTAL_ADDRESS_INDEX))
		ENUM_FROM(soap, t__PhysicalAddressIndexType, c->postal_address_index, x->PostalAddressIndex);
	if (HAS(c, P_SURNAME))
		x->Surname = (char *)c->surname;
	if (HAS(c, P_HAS_PICTURE) && !(x->HasPicture = adapter_bool(soap, c->has_picture)))
		return -1;
	if (HAS(c, P_ALIAS))
		x->Alias = (char *)c->alias;
	if (HAS(c, P_NOTES))
		x->Notes = (char *)c->notes;
	if (HAS(c, P_PHOTO) && c->photo) {
		if (!(x->Photo = adapter_calloc(soap, 1, sizeof *x->Photo)))
			return -1;
		x->Photo->__ptr = (unsigned char *)c->photo;
		x->Photo->__size = (int)c->photo_len;
	}
	return 0;
}

struct t__ContactItemType *adapter_contact(struct soap *soap, const struct op_contact *c)
{
	struct t__ContactItemType *x = adapter_calloc(soap, 1, sizeof *x);
	if (!x || item_part(soap, c, x) || contact_part(soap, c, x))
		return NULL;
	return x;
}
