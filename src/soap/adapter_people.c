/* adapter_people.c - FindPeople and GetPersona (mailbox-ops spec §7): the
 * generated requests -> op_find_people / op_get_persona -> the flat
 * m:FindPeopleResponse / m:GetPersonaResponseMessage with t:Persona
 * children in schema order.  A RequestServerVersion older than Exchange2013
 * is a fault (the op says so: request_error), as Exchange's schema check is. */
#include "soap/adapter_int.h"

#include <string.h>

#include "ews/ops/ops.h"

static char g_attribution[] = "0";

/* t:EmailAddress of @p p's address @p i. */
static int email(struct soap *soap, const struct op_persona *p, int i, struct t__EmailAddressType *e)
{
	memset(e, 0, sizeof *e);
	e->Name = (char *)p->display_name;
	e->EmailAddress = (char *)p->emails[i];
	e->RoutingType = "SMTP";
	if (p->mailbox_type) {
		enum t__MailboxTypeType *mt = soap_malloc(soap, sizeof *mt);
		if (!mt || soap_s2t__MailboxTypeType(soap, p->mailbox_type, mt))
			return -1;
		e->MailboxType = mt;
	}
	return 0;
}

#define WANT(p, bit, v) (((p)->props & (bit)) && (v) && *(v) ? (char *)(v) : NULL)

/* PidLidHasPicture (PSETID_Address 0x8015, Boolean) as t:ExtendedProperties. */
static struct t__ArrayOfExtendedPropertyAttributedValueType *has_picture(struct soap *soap, int v)
{
	struct t__ArrayOfExtendedPropertyAttributedValueType *a = adapter_calloc(soap, 1, sizeof *a);
	struct t__ExtendedPropertyAttributedValueType *x = adapter_calloc(soap, 1, sizeof *x);
	struct t__ExtendedPropertyType *val = adapter_calloc(soap, 1, sizeof *val);
	struct t__PathToExtendedFieldType *uri = adapter_calloc(soap, 1, sizeof *uri);
	struct t__ArrayOfValueAttributionsType *at = adapter_calloc(soap, 1, sizeof *at);
	enum t__DistinguishedPropertySetType *set = adapter_calloc(soap, 1, sizeof *set);
	char **names = adapter_calloc(soap, 1, sizeof *names);
	if (!a || !x || !val || !uri || !at || !set || !names || !(uri->PropertyId = adapter_int(soap, 0x8015)))
		return NULL;
	*set = t__DistinguishedPropertySetType__Address;
	uri->DistinguishedPropertySetId = set;
	uri->PropertyType = t__MapiPropertyTypeType__Boolean;
	val->ExtendedFieldURI = uri;
	val->__union_ExtendedPropertyType = SOAP_UNION__t__union_ExtendedPropertyType_Value;
	val->union_ExtendedPropertyType.Value = v ? "true" : "false";
	names[0] = g_attribution;
	at->__sizeAttribution = 1;
	at->Attribution = names;
	x->Value = val;
	x->Attributions = at;
	a->__sizeExtendedPropertyAttributedValue = 1;
	a->ExtendedPropertyAttributedValue = x;
	return a;
}

/* t:Attributions: the persona's sources (a directory user, a personal
 * contact, or both for an aggregated persona). */
static struct t__ArrayOfPersonaAttributionsType *attributions(struct soap *soap, const struct op_persona *p)
{
	struct t__ArrayOfPersonaAttributionsType *a = adapter_calloc(soap, 1, sizeof *a);
	if (!a || !(a->Attribution = adapter_calloc(soap, (size_t)p->n_sources, sizeof *a->Attribution)))
		return NULL;
	for (int i = 0; i < p->n_sources; i++) {
		const struct op_persona_source *src = &p->sources[i];
		struct t__PersonaAttributionType *x = &a->Attribution[i];
		if (!(x->SourceId = adapter_calloc(soap, 1, sizeof *x->SourceId)) ||
		    !(x->IsWritable = adapter_bool(soap, src->writable)) ||
		    !(x->IsQuickContact = adapter_bool(soap, 0)) || !(x->IsHidden = adapter_bool(soap, 0)))
			return NULL;
		x->Id = (char *)src->id;
		x->SourceId->Id = (char *)src->source_id;
		x->SourceId->ChangeKey = (char *)src->source_ck;
		x->DisplayName = (char *)(src->display_name ? src->display_name : "");
		if (src->folder_id) {
			if (!(x->FolderId = adapter_calloc(soap, 1, sizeof *x->FolderId)))
				return NULL;
			x->FolderId->Id = (char *)src->folder_id;
		}
	}
	a->__sizeAttribution = p->n_sources;
	return a;
}

static struct t__PersonaType *persona(struct soap *soap, const struct op_persona *p)
{
	struct t__PersonaType *t = adapter_calloc(soap, 1, sizeof *t);
	if (!t || !(t->PersonaId = adapter_calloc(soap, 1, sizeof *t->PersonaId)))
		return NULL;
	t->PersonaId->Id = (char *)p->id;
	t->PersonaType = WANT(p, OP_PERSONA_TYPE, p->type);
	if ((p->props & OP_PERSONA_CREATED) && p->created && !(t->CreationTime = adapter_time(soap, p->created)))
		return NULL;
	t->DisplayName = WANT(p, OP_PERSONA_DISPLAY_NAME, p->display_name);
	t->DisplayNameFirstLast = WANT(p, OP_PERSONA_FIRST_LAST, p->first_last);
	t->DisplayNameLastFirst = WANT(p, OP_PERSONA_LAST_FIRST, p->last_first);
	t->FileAs = WANT(p, OP_PERSONA_FILE_AS, p->file_as);
	t->GivenName = WANT(p, OP_PERSONA_GIVEN_NAME, p->given_name);
	t->Surname = WANT(p, OP_PERSONA_SURNAME, p->surname);
	t->Title = WANT(p, OP_PERSONA_TITLE, p->title);
	t->Department = WANT(p, OP_PERSONA_DEPARTMENT, p->department);
	t->CompanyName = WANT(p, OP_PERSONA_COMPANY, p->company);
	if ((p->props & OP_PERSONA_EMAIL) && p->n_emails > 0 &&
	    (!(t->EmailAddress = adapter_calloc(soap, 1, sizeof *t->EmailAddress)) || email(soap, p, 0, t->EmailAddress)))
		return NULL;
	if ((p->props & OP_PERSONA_EMAILS) && p->n_emails > 0) {
		struct t__ArrayOfEmailAddressesType *a = adapter_calloc(soap, 1, sizeof *a);
		if (!a || !(a->Address = adapter_calloc(soap, (size_t)p->n_emails, sizeof *a->Address)))
			return NULL;
		for (int i = 0; i < p->n_emails; i++)
			if (email(soap, p, i, &a->Address[i]))
				return NULL;
		a->__sizeAddress = p->n_emails;
		t->EmailAddresses = a;
	}
	if ((p->props & OP_PERSONA_PHONE) && p->phone) {
		if (!(t->PhoneNumber = adapter_calloc(soap, 1, sizeof *t->PhoneNumber)))
			return NULL;
		t->PhoneNumber->Number = (char *)p->phone;
		t->PhoneNumber->Type = (char *)p->phone_type;
	}
	t->WorkCity = WANT(p, OP_PERSONA_WORK_CITY, p->work_city);
	if ((p->props & OP_PERSONA_RELEVANCE) && !(t->RelevanceScore = adapter_int(soap, p->relevance)))
		return NULL;
	if ((p->props & OP_PERSONA_FOLDER_IDS) && p->folder_id) {
		struct t__ArrayOfFolderIdType *f = adapter_calloc(soap, 1, sizeof *f);
		struct t__FolderIdType *id = adapter_calloc(soap, 1, sizeof *id);
		if (!f || !id || !(f->__union_ArrayOfFolderIdType = adapter_calloc(soap, 1, sizeof *f->__union_ArrayOfFolderIdType)))
			return NULL;
		id->Id = (char *)p->folder_id;
		f->__union_ArrayOfFolderIdType[0].__union_ArrayOfFolderIdType = SOAP_UNION__t__union_ArrayOfFolderIdType_FolderId;
		f->__union_ArrayOfFolderIdType[0].union_ArrayOfFolderIdType.FolderId = id;
		f->__size_ArrayOfFolderIdType = 1;
		t->FolderIds = f;
	}
	if ((p->props & OP_PERSONA_ATTRIBUTIONS) && p->n_sources > 0 && !(t->Attributions = attributions(soap, p)))
		return NULL;
	if ((p->props & OP_PERSONA_HAS_PICTURE) && !(t->ExtendedProperties = has_picture(soap, p->has_picture)))
		return NULL;
	return t;
}

/* ParentFolderId -> @p ref; 0 or a fault. */
static int target_folder(struct soap *soap, const struct t__TargetFolderIdType *f, struct op_folder_ref *ref)
{
	memset(ref, 0, sizeof *ref);
	if (f->__union_TargetFolderIdType == SOAP_UNION__t__union_TargetFolderIdType_FolderId) {
		const struct t__FolderIdType *x = f->union_TargetFolderIdType.FolderId;
		ref->id = x && x->Id ? x->Id : "";
		return SOAP_OK;
	}
	const struct t__DistinguishedFolderIdType *d = f->__union_TargetFolderIdType ==
		SOAP_UNION__t__union_TargetFolderIdType_DistinguishedFolderId ? f->union_TargetFolderIdType.DistinguishedFolderId : NULL;
	if (!d)
		return adapter_schema_fault(soap, "ParentFolderId needs a FolderId or DistinguishedFolderId.");
	ref->distinguished = soap_t__DistinguishedFolderIdNameType2s(soap, d->Id);
	if (d->Mailbox)
		ref->mailbox = d->Mailbox->EmailAddress;
	return SOAP_OK;
}

/* AdditionalProperties -> OP_PERSONA_* bits (FieldURIs only; others are left out). */
static unsigned persona_paths(const struct t__NonEmptyArrayOfPathsToElementType *paths, int n)
{
	unsigned props = 0;
	for (int i = 0; i < n; i++) {
		const struct __t__union_NonEmptyArrayOfPathsToElementType *u = &paths->__union_NonEmptyArrayOfPathsToElementType[i];
		if (u->__union_NonEmptyArrayOfPathsToElementType == SOAP_UNION__t__union_NonEmptyArrayOfPathsToElementType_FieldURI &&
		    u->union_NonEmptyArrayOfPathsToElementType.FieldURI)
			props |= op_persona_props_for_field(u->union_NonEmptyArrayOfPathsToElementType.FieldURI->FieldURI);
	}
	return props;
}

int __m__FindPeople(struct soap *soap, struct m__FindPeopleType *req, struct __m__FindPeopleResponse *resp)
{
	const struct soap_engine *e = soap->user;
	struct op_find_people_req r;
	struct op_find_people_result out;
	struct op_folder_ref ref;
	int npaths = 0;

	adapter_version_header(soap);
	memset(&r, 0, sizeof r);
	r.request_version = e->request_version;
	r.shape = EWS_SHAPE_DEFAULT;
	if (!req->IndexedPageItemView)
		return adapter_schema_fault(soap, "IndexedPageItemView is required.");
	if (req->PersonaShape) {
		if (adapter_read_shape(soap, req->PersonaShape->BaseShape, &r.shape) ||
		    adapter_path_count(soap, req->PersonaShape->AdditionalProperties, &npaths))
			return soap->error;
		r.additional = persona_paths(req->PersonaShape->AdditionalProperties, npaths);
	}
	adapter_indexed_view(req->IndexedPageItemView, &r.view);
	r.has_filter = req->Restriction || req->AggregationRestriction || req->SortOrder;
	if (req->ParentFolderId) {
		if (target_folder(soap, req->ParentFolderId, &ref))
			return soap->error;
		r.folder = &ref;
	}
	r.query_string = req->QueryString;

	int rc = op_find_people(adapter_ctx(soap), &r, &out);
	if (rc)
		return adapter_internal_fault(soap, "FindPeople", rc);
	if (out.request_error)
		return adapter_fault(soap, out.status.code, out.status.text);

	struct m__FindPeopleResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!m)
		return soap->error = SOAP_EOM;
	ADAPTER_SET_STATUS(soap, m, &out.status);
	if (out.status.cls == EWS_SUCCESS) {
		/* spec §7.3: m:People always, the three counters always */
		struct t__ArrayOfPeopleType *people = adapter_calloc(soap, 1, sizeof *people);
		if (!people || !(m->TotalNumberOfPeopleInView = adapter_int(soap, (int)out.total)) ||
		    !(m->FirstMatchingRowIndex = adapter_int(soap, (int)out.first_matching)) ||
		    !(m->FirstLoadedRowIndex = adapter_int(soap, (int)out.first_loaded)))
			return soap->error = SOAP_EOM;
		if (out.n && !(people->__union_ArrayOfPeopleType = adapter_calloc(soap, out.n, sizeof *people->__union_ArrayOfPeopleType)))
			return soap->error = SOAP_EOM;
		for (size_t i = 0; i < out.n; i++) {
			struct __t__union_ArrayOfPeopleType *u = &people->__union_ArrayOfPeopleType[i];
			u->__union_ArrayOfPeopleType = SOAP_UNION__t__union_ArrayOfPeopleType_Persona;
			if (!(u->union_ArrayOfPeopleType.Persona = persona(soap, &out.people[i])))
				return soap->error = SOAP_EOM;
		}
		people->__size_ArrayOfPeopleType = (int)out.n;
		m->People = people;
	}
	resp->m__FindPeopleResponse = m;
	return SOAP_OK;
}

int __m__GetPersona(struct soap *soap, struct m__GetPersonaType *req, struct __m__GetPersonaResponse *resp)
{
	const struct soap_engine *e = soap->user;
	struct op_get_persona_req r;
	struct op_get_persona_result out;

	adapter_version_header(soap);
	memset(&r, 0, sizeof r);
	r.request_version = e->request_version;
	if (req->PersonaId)
		r.persona_id = req->PersonaId->Id ? req->PersonaId->Id : "";
	if (req->EmailAddress)
		r.email = req->EmailAddress->EmailAddress;

	int rc = op_get_persona(adapter_ctx(soap), &r, &out);
	if (rc)
		return adapter_internal_fault(soap, "GetPersona", rc);
	if (out.request_error)
		return adapter_fault(soap, out.status.code, out.status.text);

	struct m__GetPersonaResponseMessageType *m = adapter_calloc(soap, 1, sizeof *m);
	if (!m)
		return soap->error = SOAP_EOM;
	ADAPTER_SET_STATUS(soap, m, &out.status);
	if (out.status.cls == EWS_SUCCESS) {
		if (!(m->Persona = persona(soap, &out.persona)))
			return soap->error = SOAP_EOM;
	} else {
		/* spec §7.5: Persona is required, so an error carries an empty one
		 * (its required PersonaId with an empty Id) */
		if (!(m->Persona = adapter_calloc(soap, 1, sizeof *m->Persona)) ||
		    !(m->Persona->PersonaId = adapter_calloc(soap, 1, sizeof *m->Persona->PersonaId)))
			return soap->error = SOAP_EOM;
		m->Persona->PersonaId->Id = "";
	}
	resp->m__GetPersonaResponseMessage = m;
	return SOAP_OK;
}
