/* adapter.c - gSOAP service functions: thin maps from generated request
 * structs to src/ews/ops/ and back, plus ServerVersionInfo and EWS-shaped
 * faults.  No protocol decisions here beyond the mapping: outcomes come from
 * the ops, HTTP statuses from http/status.c. */
#include "soap/soap_adapter.h"

#include <stdio.h>
#include <string.h>

#include "soap/adapter_int.h"

#include "core/base64.h"
#include "core/log.h"
#include "core/result.h"
#include "ews/ops/ops.h"

#define NS_ERRORS "http://schemas.microsoft.com/exchange/services/2006/errors"

/* The op context of this request: caller, store, the engine's memory. */
const struct ews_ctx *adapter_ctx(struct soap *soap)
{
	return &((struct soap_engine *)soap->user)->ews;
}

/* The Exchange version presented (serve --exchange-version, core/exver.h). */
static const struct exver_profile *adapter_profile(struct soap *soap)
{
	const struct ews_config *c = adapter_ctx(soap)->config;
	return c && c->profile ? c->profile : exver_default();
}

/* Every response carries exactly one t:ServerVersionInfo header (spec §1.2):
 * the profile's build (Exchange 2019 15.2.2562.17 V2017_07_11 by default);
 * a fresh header, so RequestServerVersion is not echoed back. */
void adapter_version_header(struct soap *soap)
{
	const struct exver_profile *p = adapter_profile(soap);
	struct SOAP_ENV__Header *h = soap_new_SOAP_ENV__Header(soap, 1);
	struct _t__ServerVersionInfo *v = soap_malloc(soap, sizeof *v);
	if (!h || !v) {
		soap->header = NULL;
		return;
	}
	soap_default_SOAP_ENV__Header(soap, h);
	/* gSOAP writes through the pointers only; the profile is a constant */
	v->MajorVersion = (int *)&p->major;
	v->MinorVersion = (int *)&p->minor;
	v->MajorBuildNumber = (int *)&p->build;
	v->MinorBuildNumber = (int *)&p->revision;
	v->Version = (char *)p->svi_version;
	h->t__ServerVersionInfo = v;
	soap->header = h;
}

/* XML-escape @p s into soap memory. */
const char *adapter_xml_escape(struct soap *soap, const char *s)
{
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : *p == '"' ? 6 : 1;
	char *out = soap_malloc(soap, n + 1), *o = out;
	if (!out)
		return "";
	for (const char *p = s; *p; p++) {
		switch (*p) {
		case '&': memcpy(o, "&amp;", 5); o += 5; break;
		case '<': memcpy(o, "&lt;", 4); o += 4; break;
		case '>': memcpy(o, "&gt;", 4); o += 4; break;
		case '"': memcpy(o, "&quot;", 6); o += 6; break;
		default: *o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

/* Fill soap->fault in the EWS shape (spec §1.5) and return SOAP_FAULT. */
int adapter_fault(struct soap *soap, const char *code, const char *message)
{
	const char *msg = adapter_xml_escape(soap, message);
	size_t n = 2 * strlen(NS_ERRORS) + strlen(code) + strlen(msg) + 160;
	char *detail = soap_malloc(soap, n);
	char *faultcode = soap_malloc(soap, strlen(code) + 3);
	if (!detail || !faultcode)
		return soap->error = SOAP_EOM;
	snprintf(detail, n,
	         "<e:ResponseCode xmlns:e=\"%s\">%s</e:ResponseCode><e:Message xmlns:e=\"%s\">%s</e:Message>",
	         NS_ERRORS, code, NS_ERRORS, msg);
	snprintf(faultcode, strlen(code) + 3, "t:%s", code);
	soap_fault(soap);
	soap->fault->faultcode = faultcode;
	soap->fault->faultstring = soap_strdup(soap, message);
	if (!soap->fault->detail) {
		soap->fault->detail = soap_malloc(soap, sizeof *soap->fault->detail);
		if (!soap->fault->detail)
			return soap->error = SOAP_EOM;
	}
	memset(soap->fault->detail, 0, sizeof *soap->fault->detail);
	soap->fault->detail->__any = detail;
	adapter_note_code(soap, code, 1);
	return soap->error = SOAP_FAULT;
}

/* Map an emu failure inside an op to a fault (request-level). */
int adapter_internal_fault(struct soap *soap, const char *op, int rc)
{
	LOGE("soap", "%s failed: %s", op, emu_strerror(rc));
	return adapter_fault(soap, "ErrorInternalServerError", "The server could not complete the request.");
}

enum m__ResponseCodeType *adapter_response_code(struct soap *soap, const char *code)
{
	enum m__ResponseCodeType *v = soap_malloc(soap, sizeof *v);
	if (v && soap_s2m__ResponseCodeType(soap, code, v) != SOAP_OK) {
		LOGE("soap", "response code %s missing from the WSDL subset", code);
		soap->error = SOAP_OK;
		soap_s2m__ResponseCodeType(soap, "ErrorInternalServerError", v);
		code = "ErrorInternalServerError";
	}
	adapter_note_code(soap, code, 0);
	return v;
}

enum t__ResponseClassType adapter_response_class(enum ews_class c)
{
	return c == EWS_SUCCESS ? t__ResponseClassType__Success
	     : c == EWS_WARNING ? t__ResponseClassType__Warning : t__ResponseClassType__Error;
}

int adapter_zero = 0;

void *adapter_calloc(struct soap *soap, size_t n, size_t size)
{
	if (n != 0 && size > (size_t)-1 / n)
		return NULL;
	size_t total = n * size;
	void *p = soap_malloc(soap, total ? total : 1);
	if (p)
		memset(p, 0, total);
	return p;
}

/* ---- GetUserPhoto (spec §2) ---------------------------------------------- */

int __m__GetUserPhoto(struct soap *soap, struct m__GetUserPhotoType *req, struct __m__GetUserPhotoResponse *resp)
{
	struct soap_engine *e = soap->user;
	const struct ews_ctx *ctx = &e->ews;
	struct op_photo_result r;
	enum photo_size size;

	adapter_version_header(soap);
	if (!req->Email || !*req->Email)
		return adapter_fault(soap, "ErrorSchemaValidation", "The request failed schema validation: Email is required.");
	if (!req->SizeRequested)
		return adapter_fault(soap, "ErrorSchemaValidation",
		                 "The request failed schema validation: SizeRequested is required.");
	const char *code = soap_t__UserPhotoSizeType2s(soap, *req->SizeRequested);
	if (!code || photo_size_parse(code, 0, &size) != EMU_OK)
		return adapter_fault(soap, "ErrorInvalidPhotoSize", "The requested photo size is not supported.");
	int rc = op_get_user_photo(ctx, req->Email, size, e->if_none_match, &r);
	if (rc)
		return adapter_internal_fault(soap, "GetUserPhoto", rc);
	if (r.outcome == OP_PHOTO_NO_MAILBOX)   /* spec §2.3: HTTP 500 */
		return adapter_fault(soap, r.status.code, r.status.text);

	struct m__GetUserPhotoResponseMessageType *m = soap_new_m__GetUserPhotoResponseMessageType(soap, 1);
	if (!m)
		return soap->error = SOAP_EOM;
	soap_default_m__GetUserPhotoResponseMessageType(soap, m);
	m->ResponseClass = adapter_response_class(r.status.cls);
	m->ResponseCode = adapter_response_code(soap, r.status.code);
	/* EMA reads the PictureData start tag unconditionally: always send it */
	m->PictureData = soap_new_xsd__base64Binary(soap, 1);
	if (!m->PictureData)
		return soap->error = SOAP_EOM;
	soap_default_xsd__base64Binary(soap, m->PictureData);
	m->HasChanged = r.outcome == OP_PHOTO_RETURNED ? xsd__boolean__true_ : xsd__boolean__false_;
	if (r.outcome == OP_PHOTO_RETURNED) {
		m->PictureData->__ptr = (unsigned char *)r.data;
		m->PictureData->__size = (int)r.len;
		/* only where the presented version's messages.xsd declares it
		 * (Exchange 2016; the 2019 and Online schemas do not: spec §6.3) */
		if (adapter_profile(soap)->photo_content_type)
			m->ContentType = (char *)r.content_type;
	}
	/* the photo cache headers (ETag, Expires, Cache-Control) go on the HTTP
	 * answer: http/ adds them for a non-empty etag */
	if (r.outcome == OP_PHOTO_RETURNED || r.outcome == OP_PHOTO_UNCHANGED)
		snprintf(e->etag, sizeof e->etag, "%s", r.etag);
	if (r.outcome == OP_PHOTO_NONE)
		e->outcome = HTTP_OUT_NO_PHOTO;   /* spec §2.3: 404 with this body */
	resp->m__GetUserPhotoResponse = m;
	return SOAP_OK;
}

/* ---- SetUserPhoto (spec §2.5) -------------------------------------------- */

int __m__SetUserPhoto(struct soap *soap, struct m__SetUserPhotoType *req, struct __m__SetUserPhotoResponse *resp)
{
	const struct ews_ctx *ctx = adapter_ctx(soap);
	struct ews_status st;
	size_t len = 0;
	unsigned char *img = NULL;

	adapter_version_header(soap);
	if (!req->Email || !*req->Email || !req->Content)
		return adapter_fault(soap, "ErrorSchemaValidation",
		                 "The request failed schema validation: Email and Content are required.");
	size_t clen = strlen(req->Content);
	/* base64 never decodes to more than 3/4 of its length: bound it first */
	if (clen / 4 * 3 > PHOTO_MAX_UPLOAD_BYTES + 3) {
		ews_status_error(&st, EWS_ERROR_DATA_SIZE_LIMIT, "The photo exceeds the size limit (8 MiB).");
	} else if (!(img = soap_malloc(soap, clen / 4 * 3 + 3))) {
		return soap->error = SOAP_EOM;
	} else if (base64_decode(req->Content, clen, img, clen / 4 * 3 + 3, &len) != EMU_OK) {
		ews_status_error(&st, EWS_ERROR_INVALID_ARGUMENT, "Content is not valid base64.");
	} else {
		int rc = op_set_user_photo(ctx, req->Email, img, len, &st, NULL);
		if (rc)
			return adapter_internal_fault(soap, "SetUserPhoto", rc);
	}
	struct m__SetUserPhotoResponseMessageType *m = soap_new_m__SetUserPhotoResponseMessageType(soap, 1);
	if (!m)
		return soap->error = SOAP_EOM;
	soap_default_m__SetUserPhotoResponseMessageType(soap, m);
	m->ResponseClass = adapter_response_class(st.cls);
	m->ResponseCode = adapter_response_code(soap, st.code);
	if (st.cls != EWS_SUCCESS) {
		static int zero = 0;
		m->MessageText = (char *)st.text;
		m->DescriptiveLinkKey = &zero;
	}
	resp->m__SetUserPhotoResponse = m;
	return SOAP_OK;
}

/* ---- ConvertId (also exchangelib's version probe) ------------------------ */

#define CONVERT_MAX_IDS 1000   /* ids per request */

int __m__ConvertId(struct soap *soap, struct m__ConvertIdType *req, struct __m__ConvertIdResponse *resp)
{
	const struct ews_ctx *ctx = adapter_ctx(soap);
	struct t__NonEmptyArrayOfAlternateIdsType *src = req->SourceIds;
	int n = src ? src->__size_NonEmptyArrayOfAlternateIdsType : 0;

	adapter_version_header(soap);
	if (n <= 0)
		return adapter_fault(soap, "ErrorSchemaValidation", "The request failed schema validation: SourceIds is empty.");
	if (n > CONVERT_MAX_IDS)
		return adapter_fault(soap, "ErrorSchemaValidation", "The request failed schema validation: too many SourceIds.");
	struct op_alt_id *in = soap_malloc(soap, (size_t)n * sizeof *in);
	struct op_convert_result *out = soap_malloc(soap, (size_t)n * sizeof *out);
	if (!in || !out)
		return soap->error = SOAP_EOM;
	for (int i = 0; i < n; i++) {
		struct t__AlternateIdType *id = src->__union_NonEmptyArrayOfAlternateIdsType[i]
			.union_NonEmptyArrayOfAlternateIdsType.AlternateId;
		in[i].format = id ? soap_t__IdFormatType2s(soap, id->Format) : NULL;
		in[i].id = id ? id->Id : NULL;
		in[i].mailbox = id ? id->Mailbox : NULL;
	}
	int rc = op_convert_id(ctx, soap_t__IdFormatType2s(soap, req->DestinationFormat), in, (size_t)n, out);
	if (rc)
		return adapter_internal_fault(soap, "ConvertId", rc);

	struct m__ConvertIdResponseType *r = soap_malloc(soap, sizeof *r);
	struct m__ArrayOfResponseMessagesType *msgs = soap_malloc(soap, sizeof *msgs);
	struct __m__union_ArrayOfResponseMessagesType *items = soap_malloc(soap, (size_t)n * sizeof *items);
	if (!r || !msgs || !items)
		return soap->error = SOAP_EOM;
	soap_default_m__ConvertIdResponseType(soap, r);
	soap_default_m__ArrayOfResponseMessagesType(soap, msgs);
	for (int i = 0; i < n; i++) {
		struct m__ConvertIdResponseMessageType *m = soap_new_m__ConvertIdResponseMessageType(soap, 1);
		if (!m)
			return soap->error = SOAP_EOM;
		soap_default_m__ConvertIdResponseMessageType(soap, m);
		m->ResponseClass = adapter_response_class(out[i].status.cls);
		m->ResponseCode = adapter_response_code(soap, out[i].status.code);
		if (out[i].status.cls != EWS_SUCCESS) {
			static int zero = 0;
			m->MessageText = (char *)out[i].status.text;
			m->DescriptiveLinkKey = &zero;
		} else {
			struct t__AlternateIdBaseType *base = soap_malloc(soap, sizeof *base);
			struct t__AlternateIdType *alt = soap_malloc(soap, sizeof *alt);
			if (!base || !alt)
				return soap->error = SOAP_EOM;
			soap_default_t__AlternateIdBaseType(soap, base);
			soap_default_t__AlternateIdType(soap, alt);
			alt->Format = req->DestinationFormat;
			alt->Id = (char *)out[i].id.id;
			alt->Mailbox = (char *)out[i].id.mailbox;
			base->t__AlternateIdType = alt;   /* emitted with xsi:type (wsdl2h -F) */
			m->AlternateId = base;
		}
		items[i].__union_ArrayOfResponseMessagesType = SOAP_UNION__m__union_ArrayOfResponseMessagesType_ConvertIdResponseMessage;
		items[i].union_ArrayOfResponseMessagesType.ConvertIdResponseMessage = m;
	}
	msgs->__size_ArrayOfResponseMessagesType = n;
	msgs->__union_ArrayOfResponseMessagesType = items;
	r->ResponseMessages = msgs;
	resp->m__ConvertIdResponse = r;
	return SOAP_OK;
}
