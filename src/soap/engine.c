/* engine.c - gSOAP as an in-memory (de)serialiser: a request body held in
 * memory goes in through frecv, the response envelope comes out through
 * fsend into a growable buffer.  SOAP_ENC_PLAIN in both directions: no HTTP
 * header is read or written (src/wire/ and src/http/ speak HTTP).  The
 * well-formedness check in front of gSOAP (soap_body_check) is libxml2's. */
#include "soap/soap_adapter.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "soap/adapter_int.h"

#include "core/log.h"
#include "core/result.h"
#include "core/xmllimit.h"

#define NS_ERRORS_URI "http://schemas.microsoft.com/exchange/services/2006/errors"

/* ---- gSOAP I/O: memory in, memory out ---------------------------------- */

static size_t engine_recv(struct soap *soap, char *buf, size_t len)
{
	struct soap_engine *e = soap->user;
	size_t n = len < e->in_left ? len : e->in_left;
	memcpy(buf, e->in, n);
	e->in += n;
	e->in_left -= n;
	return n;
}

static int engine_send(struct soap *soap, const char *s, size_t n)
{
	struct soap_engine *e = soap->user;
	if (e->out_over)
		return SOAP_OK;
	if (n > SOAP_ANSWER_MAX - e->out_len) {
		e->out_over = 1;   /* reported by soap_engine_serve */
		return SOAP_OK;
	}
	if (e->out_len + n + 1 > e->out_cap) {
		size_t cap = e->out_cap ? e->out_cap : 16384;
		while (cap < e->out_len + n + 1)
			cap *= 2;
		if (cap > SOAP_ANSWER_MAX + 1)
			cap = SOAP_ANSWER_MAX + 1;
		char *p = realloc(e->out, cap);
		if (!p)
			return soap->error = SOAP_EOM;
		e->out = p;
		e->out_cap = cap;
	}
	memcpy(e->out + e->out_len, s, n);
	e->out_len += n;
	e->out[e->out_len] = '\0';
	return SOAP_OK;
}

/* Per-request memory for the ops: gSOAP's, freed by soap_engine_end. */
static void *engine_alloc(void *ctx, size_t n)
{
	return soap_malloc((struct soap *)ctx, n);
}

int soap_engine_new(soap_engine_t **out)
{
	*out = NULL;
	struct soap_engine *e = calloc(1, sizeof *e);
	if (!e)
		return EMU_ENOMEM;
	e->soap = soap_new1(SOAP_C_UTFSTRING | SOAP_ENC_PLAIN);
	if (!e->soap) {
		free(e);
		return EMU_ENOMEM;
	}
	struct soap *soap = e->soap;
	soap_set_namespaces(soap, namespaces);
	soap->user = e;
	soap->frecv = engine_recv;
	soap->fsend = engine_send;
	soap->maxlevel = XML_LIMIT_DEPTH;   /* soap_body_check refused deeper bodies first */
	soap->maxoccurs = 10000;
	e->arena.alloc = engine_alloc;
	e->arena.ctx = soap;
	*out = e;
	return EMU_OK;
}

void soap_engine_free(soap_engine_t *e)
{
	if (!e)
		return;
	soap_destroy(e->soap);
	soap_end(e->soap);
	e->soap->user = NULL;
	soap_free(e->soap);
	free(e->out);
	free(e);
}

struct arena *soap_engine_arena(soap_engine_t *e)
{
	return &e->arena;
}

void soap_engine_end(soap_engine_t *e)
{
	/* what soap_end() does, less soap_free_temp(): that clears the parser's
	 * temporary state (a 32 KiB memset and a walk of its hash tables), which
	 * soap_begin_recv() clears again first thing; soap_engine_free() runs
	 * the whole soap_end().  The envelope (e->out) stays: a reply may still
	 * point into it (soap_answer.body) until the next answer begins. */
	soap_destroy(e->soap);
	soap_dealloc(e->soap, NULL);
}

/* A new answer: the last one's envelope is no longer pointed at; a large
 * buffer is not kept for the next, small answer. */
static void out_reset(struct soap_engine *e)
{
	e->ncodes = 0;
	e->codes_more = 0;
	e->out_len = 0;
	e->out_over = 0;
	if (e->out_cap > (1u << 20)) {
		free(e->out);
		e->out = NULL;
		e->out_cap = 0;
	}
}

static void engine_begin(struct soap_engine *e, const struct ews_ctx *ews, const void *body, size_t len,
                         const char *inm)
{
	struct soap *soap = e->soap;
	e->ews = *ews;
	e->ews.arena = &e->arena;
	e->if_none_match = inm;
	e->request_version = NULL;
	e->outcome = HTTP_OUT_OK;
	e->etag[0] = '\0';
	e->in = body;
	e->in_left = len;
	out_reset(e);
	soap->header = NULL;
	soap->error = SOAP_OK;
}

void adapter_note_code(struct soap *soap, const char *code, int restart)
{
	struct soap_engine *e = soap->user;
	if (!e)
		return;
	if (restart) {
		e->ncodes = 0;
		e->codes_more = 0;
	}
	for (int i = 0; i < e->ncodes; i++)
		if (!strcmp(e->codes[i].name, code)) {
			e->codes[i].count++;
			return;
		}
	if (e->ncodes == SOAP_CODES_DISTINCT) {
		e->codes_more++;
		return;
	}
	snprintf(e->codes[e->ncodes].name, sizeof e->codes[e->ncodes].name, "%s", code);
	e->codes[e->ncodes++].count = 1;
}

/* The summary of the codes noted, into @p out (SOAP_CODES_MAX bytes). */
static void codes_summary(const struct soap_engine *e, char out[SOAP_CODES_MAX])
{
	size_t n = 0;
	out[0] = '\0';
	for (int i = 0; i < e->ncodes; i++)
		n += (size_t)snprintf(out + n, SOAP_CODES_MAX - n, "%s%s:%u", i ? "," : "", e->codes[i].name,
		                      e->codes[i].count);
	if (e->codes_more)
		snprintf(out + n, SOAP_CODES_MAX - n, ",+%u", e->codes_more);
}

/* What was written, as the answer (EMU_ENOMEM when gSOAP ran out). */
static int engine_answer(struct soap_engine *e, enum http_outcome outcome, struct soap_answer *out)
{
	if (e->out_over) {
		LOGE("soap", "response envelope over %u bytes: not sent", SOAP_ANSWER_MAX);
		return EMU_ENOMEM;
	}
	if (!e->out_len)
		return EMU_ENOMEM;
	out->outcome = outcome;
	out->body = e->out;
	out->len = e->out_len;
	codes_summary(e, out->codes);
	return EMU_OK;
}

/* Serialise the fault now in soap->fault (faultcode, detail set by
 * adapter_fault) with the version header. */
static int engine_send_fault(struct soap_engine *e, enum http_outcome outcome, struct soap_answer *out)
{
	struct soap *soap = e->soap;
	e->out_len = 0;   /* a fault replaces what an operation may have begun to write */
	e->out_over = 0;
	adapter_version_header(soap);
	soap->error = SOAP_FAULT;
	soap_send_fault(soap);
	snprintf(out->etag, sizeof out->etag, "%s", "");
	return engine_answer(e, outcome, out);
}

int soap_engine_fault(soap_engine_t *e, enum http_outcome outcome, const char *ews_code, const char *message,
                      struct soap_answer *out)
{
	memset(out, 0, sizeof *out);
	out->op = "";
	out_reset(e);
	if (adapter_fault(e->soap, ews_code, message) != SOAP_FAULT)
		return EMU_ENOMEM;
	return engine_send_fault(e, outcome, out);
}

/* The request-level failure left in soap->error, in the EWS shape. */
static int engine_error(struct soap_engine *e, struct soap_answer *out)
{
	struct soap *soap = e->soap;
	if (soap->error == SOAP_EOM)
		return EMU_ENOMEM;
	if (soap->error != SOAP_FAULT || !soap->fault || !soap->fault->detail) {
		/* the engine failed before an adapter ran: unknown operation, or a
		 * body that is not schema-valid (spec §1.5) */
		char text[512];
		const char *code = "ErrorSchemaValidation";
		if (soap->error == SOAP_NO_METHOD) {
			code = "ErrorInvalidOperation";
			snprintf(text, sizeof text,
			         "ewsemu does not implement the operation '%.200s'. It serves GetUserPhoto, SetUserPhoto, "
			         "ResolveNames, GetFolder, FindFolder, GetItem, GetAttachment, FindItem, FindPeople, GetPersona, "
			         "SyncFolderHierarchy, SyncFolderItems and ConvertId.",
			         soap->tag[0] ? soap->tag : "(empty body)");
		} else if (soap->error == SOAP_EOF || soap->error == SOAP_NO_DATA) {
			snprintf(text, sizeof text, "The request failed schema validation: the body is empty or ends "
			         "before the SOAP envelope is complete.");
		} else if (soap->error >= SOAP_POST || (!soap->body && (soap->error == SOAP_TAG_MISMATCH ||
		                                                       soap->error == SOAP_NO_TAG))) {
			snprintf(text, sizeof text, "The request failed schema validation: the body is not a SOAP 1.1 "
			         "envelope (soap:Envelope/soap:Body expected%s%.200s).",
			         soap->tag[0] ? ", found " : "", soap->tag);
		} else {
			const char **fs = soap_faultstring(soap);
			soap_set_fault(soap);
			snprintf(text, sizeof text, "The request failed schema validation: %.200s%s%.200s%s",
			         fs && *fs ? *fs : "malformed XML", soap->tag[0] ? " (element " : "", soap->tag,
			         soap->tag[0] ? ")" : "");
		}
		LOGI("soap", "%s", text);
		if (adapter_fault(soap, code, text) != SOAP_FAULT)
			return EMU_ENOMEM;
	}
	return engine_send_fault(e, HTTP_OUT_SOAP_FAULT, out);
}

int soap_engine_serve(soap_engine_t *e, const struct ews_ctx *ews, const void *body, size_t len,
                      const char *if_none_match, struct soap_answer *out)
{
	struct soap *soap = e->soap;
	memset(out, 0, sizeof *out);
	out->op = "";
	engine_begin(e, ews, body, len, if_none_match);
	/* gSOAP takes a document that is not a SOAP envelope for REST XML when
	 * no HTTP status was read; as a POST it must be an envelope */
	if (soap_begin_recv(soap))
		return engine_error(e, out);
	soap->status = SOAP_POST;
	if (soap_envelope_begin_in(soap) || soap_recv_header(soap) || soap_body_begin_in(soap))
		return engine_error(e, out);
	if (soap->header && soap->header->t__RequestServerVersion)   /* soap memory: lives as the request */
		e->request_version = soap->header->t__RequestServerVersion->Version;
	soap->header = NULL;   /* the client's RequestServerVersion is never echoed */
	/* the operation element, for the log */
	if (soap_peek_element(soap) == SOAP_OK || soap->tag[0]) {
		soap->error = SOAP_OK;
	}
	out->op = soap_strdup(soap, strchr(soap->tag, ':') ? strchr(soap->tag, ':') + 1 : soap->tag);
	if (!out->op)
		out->op = "";
	if (soap_serve_request(soap) || soap->error) {
		const char *op = out->op;
		int rc = engine_error(e, out);
		out->op = op;
		return rc;
	}
	memcpy(out->etag, e->etag, sizeof out->etag);
	return engine_answer(e, e->outcome, out);
}

/* ---- the well-formedness check in front of gSOAP ----------------------- */

struct wf_state {
	xmlParserCtxtPtr ctxt;
	int dtd;                 /* a DOCTYPE was seen */
	char first[200];         /* the first error libxml2 reported */
	int line;
};

static void wf_error(void *user, xmlErrorPtr err)
{
	struct wf_state *st = user;
	if (st->first[0] || !err || err->level < XML_ERR_ERROR)
		return;
	snprintf(st->first, sizeof st->first, "%s", err->message ? err->message : "malformed XML");
	size_t n = strlen(st->first);
	while (n && (st->first[n - 1] == '\n' || st->first[n - 1] == ' '))
		st->first[--n] = '\0';
	st->line = err->line;
}

static void wf_dtd(void *user, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	struct wf_state *st = user;
	(void)name;
	(void)ext;
	(void)sys;
	st->dtd = 1;
	xmlStopParser(st->ctxt);
}

static pthread_once_t g_xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

int soap_body_check(const void *body, size_t len, char msg[SOAP_CHECK_MSG_MAX])
{
	static const char prefix[] = "The request failed schema validation: the body is not well-formed XML: ";
	char lim[XML_LIMIT_MSG_MAX + 32];
	msg[0] = '\0';
	if (len == 0)
		return 1;
	if (xml_limit_check(body, len, 0, lim, sizeof lim) != EMU_OK) {
		/* "line N: what" -> "what (line N)" */
		const char *what = strstr(lim, ": ");
		snprintf(msg, SOAP_CHECK_MSG_MAX, "%s%s (%.*s).", prefix, what ? what + 2 : lim,
		         what ? (int)(what - lim) : 0, lim);
		return 0;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(msg, SOAP_CHECK_MSG_MAX, "%sthe body is too large.", prefix);
		return 0;
	}
	pthread_once(&g_xml_once, xml_init);
	xmlSAXHandler sax;
	memset(&sax, 0, sizeof sax);
	sax.initialized = XML_SAX2_MAGIC;   /* namespaces checked as SAX2 parses them */
	sax.internalSubset = wf_dtd;
	sax.serror = wf_error;
	struct wf_state st = { 0 };
	xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(&sax, &st, NULL, 0, NULL);
	if (!ctxt) {
		snprintf(msg, SOAP_CHECK_MSG_MAX, "%sthe server is out of memory.", prefix);
		return 0;
	}
	st.ctxt = ctxt;
	/* nothing is loaded, substituted or validated; a base64 photo is one
	 * text node longer than libxml2's 10 MB default (the limits above
	 * bound depth and width) */
	xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOWARNING);
	xmlParseChunk(ctxt, body, (int)len, 1);
	int ok = ctxt->wellFormed && ctxt->nsWellFormed && !st.dtd;
	xmlFreeParserCtxt(ctxt);
	if (ok)
		return 1;
	if (st.dtd)
		snprintf(msg, SOAP_CHECK_MSG_MAX, "%sa DTD (DOCTYPE) is not allowed.", prefix);
	else
		snprintf(msg, SOAP_CHECK_MSG_MAX, "%s%.150s (line %d).", prefix, st.first[0] ? st.first : "malformed XML",
		         st.line);
	return 0;
}
