/* fuzz_soap.c - SOAP request deserialisation through the generated gSOAP
 * code, configured as the server configures a connection (src/http/
 * server.c: SOAP_C_UTFSTRING, the namespace table of src/soap, maxlevel 64,
 * maxoccurs 10000, the default 16 MiB body limit), reading from memory
 * through a frecv hook.
 *
 * One input is what a client sends on a connection: either a bare SOAP
 * envelope or an HTTP request head followed by one (gSOAP's head parser
 * runs when the input does not start with '<').  The body first goes
 * through the server's streaming well-formedness check (http/xmlcheck.h),
 * fed in pieces as from a socket, then gSOAP reads envelope, header and
 * body and deserialises the operation element with the generated
 * soap_get___m__<Op>() the generated soap_serve_request() would call.  The
 * operation adapters themselves (which need a store and a connection) do
 * not run; a request that fails is answered with soap_adapter_send_error()
 * into a sink, which covers the fault text built from the input.
 *
 * Invariant checked beyond the sanitizers: xmlcheck gives the same verdict
 * however the body is split. */
#include <stdio.h>

#include "soapH.h"
#include "http/xmlcheck.h"
#include "soap/soap_adapter.h"

#include "fuzz_common.h"

#define FUZZ_SOAP_MAX_BODY (16u << 20)   /* the server's default --max-body */

struct mem_in {
	const uint8_t *p;
	size_t left;
};

/* One engine context for the process, as a listener's copy serves request
 * after request on a keep-alive connection (created lazily: the sink hooks
 * below are defined after this point). */
static struct soap *g_soap;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	return 0;
}

/* frecv: hand the input out in pieces of at most 1 KiB, as a socket would */
static size_t mem_recv(struct soap *soap, char *buf, size_t len)
{
	struct mem_in *in = soap->user;
	size_t n = len < in->left ? len : in->left;
	if (n > 1024)
		n = 1024;
	memcpy(buf, in->p, n);
	in->p += n;
	in->left -= n;
	return n;
}

static int sink_send(struct soap *soap, const char *s, size_t n)
{
	(void)soap;
	(void)s;
	(void)n;
	return SOAP_OK;
}

/* The body the server's xmlcheck sees: after the head's blank line, or the
 * whole input when it starts as XML. */
static void check_body(const uint8_t *data, size_t size, size_t split)
{
	const uint8_t *body = data;
	size_t n = size;
	struct xmlcheck whole, parts;
	int a, b;

	if (size > 0 && data[0] != '<' && data[0] != ' ' && data[0] != '\r' && data[0] != '\n') {
		const uint8_t *end = NULL;
		for (size_t i = 0; i + 3 < size; i++)
			if (memcmp(data + i, "\r\n\r\n", 4) == 0) {
				end = data + i + 4;
				break;
			}
		if (end == NULL)
			return;
		body = end;
		n = size - (size_t)(end - data);
	}
	xmlcheck_init(&whole);
	a = xmlcheck_feed(&whole, (const char *)body, n);
	if (a == 0)
		a = xmlcheck_finish(&whole);

	xmlcheck_init(&parts);
	split = n ? split % n : 0;
	b = xmlcheck_feed(&parts, (const char *)body, split);
	for (size_t off = split; b == 0 && off < n; off++)   /* the rest a byte at a time */
		b = xmlcheck_feed(&parts, (const char *)body + off, 1);
	if (b == 0)
		b = xmlcheck_finish(&parts);
	FUZZ_ASSERT((a == 0) == (b == 0));
}

/* soap_serve_request() of generated/soapServer.c without the service call */
#define READ_OP(op)                                                                     \
	if (!soap_match_tag(soap, soap->tag, "m:" #op)) {                               \
		struct __m__##op req;                                                   \
		soap_default___m__##op(soap, &req);                                     \
		if (!soap_get___m__##op(soap, &req, "-m:" #op, NULL))                  \
			return soap->error;                                             \
		return soap_body_end_in(soap) || soap_envelope_end_in(soap) || soap_end_recv(soap) \
		       ? soap->error : SOAP_OK;                                          \
	}

static int read_request(struct soap *soap)
{
	if (soap_begin_serve(soap))
		return soap->error;
	(void)soap_peek_element(soap);
	READ_OP(GetItem)
	READ_OP(GetFolder)
	READ_OP(GetAttachment)
	READ_OP(ResolveNames)
	READ_OP(ConvertId)
	READ_OP(GetUserPhoto)
	READ_OP(SetUserPhoto)
	return soap->error = SOAP_NO_METHOD;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem_in in = { data, size };
	struct soap *soap;

	check_body(data, size, size > 0 ? data[size - 1] * 31u : 0);

	if (g_soap == NULL) {
		g_soap = soap_new1(SOAP_C_UTFSTRING);
		if (g_soap == NULL)
			return 0;
		soap_adapter_init_context(g_soap);
		g_soap->recv_maxlength = FUZZ_SOAP_MAX_BODY;
		g_soap->maxlevel = 64;
		g_soap->maxoccurs = 10000;
		g_soap->maxlength = (long)FUZZ_SOAP_MAX_BODY;
		g_soap->frecv = mem_recv;
		g_soap->fsend = sink_send;
	}
	soap = g_soap;
	soap->user = &in;
	soap->keep_alive = 0;
	if (read_request(soap) != SOAP_OK && soap->error < SOAP_STOP)
		(void)soap_adapter_send_error(soap, 500);
	/* per request, as the server's loop: gSOAP's memory of this request goes */
	soap_destroy(soap);
	soap_end(soap);
	soap->user = NULL;
	return 0;
}
