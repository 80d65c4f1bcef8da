/* fuzz_soap.c - SOAP requests through the generated gSOAP code and the
 * operations behind it, with a gSOAP context configured as src/http/
 * server.c configures a connection (SOAP_C_UTFSTRING, the namespace table
 * of src/soap, maxlevel 64, maxoccurs 10000, the default 16 MiB body
 * limit), reading from memory through a frecv hook and writing responses
 * into a sink.
 *
 * One input is what a client sends: a bare SOAP envelope, or an HTTP
 * request head followed by one (gSOAP's head parser runs when the input
 * does not start with '<').  The body first goes through the server's
 * streaming well-formedness check (http/xmlcheck.h), fed in pieces as from
 * a socket.  Then the steps of the server's request loop: soap_begin_recv,
 * envelope + header + body, soap_adapter_dispatch() (the generated
 * soap_serve_request: deserialisation of the operation element, the
 * adapter in src/soap, the operation in src/ews/ops against a store, the
 * serialised response), or soap_adapter_send_error() on failure.
 *
 * The store is the demo organisation (src/demo), built once per process
 * in a folder under $TMPDIR that is removed at exit; the caller is the
 * demo user alex.smith@contoso.test (not an administrator), as after Basic
 * authentication.  Not covered: authentication and the HTTP hooks of
 * src/http/server.c (see README.md).
 *
 * Invariant checked beyond the sanitizers: xmlcheck gives the same verdict
 * however the body is split. */
#include <stdio.h>

#include "soapH.h"
#include "core/result.h"
#include "demo/demo.h"
#include "http/conn.h"
#include "http/xmlcheck.h"
#include "soap/soap_adapter.h"
#include "store/store.h"

#include "fuzz_common.h"

#define FUZZ_SOAP_MAX_BODY (16u << 20)   /* the server's default --max-body */

struct mem_in {
	const uint8_t *p;
	size_t left;
};
static struct mem_in g_in;   /* what mem_recv hands out */

#define FUZZ_SOAP_CALLER "alex.smith@contoso.test"

/* One engine context and one connection for the process, as a listener's
 * copy serves request after request on a keep-alive connection. */
static struct soap *g_soap;
static struct http_conn g_conn;
static const struct ews_config g_config = { 1, 3600 };   /* serve's defaults */
static store_t *g_store;
static char g_dir[4096];

static void *request_alloc(void *ctx, size_t n)
{
	return soap_malloc((struct soap *)ctx, n);
}

static void cleanup(void)
{
	if (g_soap != NULL) {
		g_soap->user = NULL;
		soap_free(g_soap);
		g_soap = NULL;
	}
	store_close(g_store);
	g_store = NULL;
	if (g_dir[0] != '\0')
		fuzz_remove_tree(g_dir, 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	fuzz_make_tmpdir(g_dir, sizeof g_dir, "soap");
	atexit(cleanup);
	if (store_open(g_dir, (size_t)256 << 20, &g_store) != EMU_OK || demo_build(g_store, NULL) != EMU_OK)
		abort();
	return 0;
}

/* frecv: hand the input out in pieces of at most 1 KiB, as a socket would */
static size_t mem_recv(struct soap *soap, char *buf, size_t len)
{
	size_t n = len < g_in.left ? len : g_in.left;
	(void)soap;
	if (n > 1024)
		n = 1024;
	memcpy(buf, g_in.p, n);
	g_in.p += n;
	g_in.left -= n;
	return n;
}

/* the response goes nowhere, or to stderr with EWSEMU_FUZZ_LOG=debug (to
 * study a reproducer) */
static int sink_send(struct soap *soap, const char *s, size_t n)
{
	(void)soap;
	if (log_enabled(LOG_DEBUG))
		fwrite(s, 1, n, stderr);
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

/* The steps of the server's request loop (src/http/server.c) for one
 * request, without its HTTP hooks. */
static void serve_one(struct soap *soap)
{
	if (soap_begin_recv(soap)) {
		if (soap->error < SOAP_STOP && (soap->status == SOAP_POST || soap->status == SOAP_POST_FILE))
			(void)soap_adapter_send_error(soap, 500);
		return;
	}
	if (soap_envelope_begin_in(soap) || soap_recv_header(soap) || soap_body_begin_in(soap)) {
		(void)soap_adapter_send_error(soap, 500);
		return;
	}
	if (soap_adapter_dispatch(soap))
		(void)soap_adapter_send_error(soap, 500);
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
	/* the connection state the server's parse hook resets per request */
	memset(&g_conn, 0, sizeof g_conn);
	g_conn.ews.store = g_store;
	g_conn.ews.config = &g_config;
	g_conn.arena.alloc = request_alloc;
	g_conn.arena.ctx = soap;
	g_conn.ews.arena = &g_conn.arena;
	caller_set_basic(&g_conn.who, FUZZ_SOAP_CALLER, 0);
	g_conn.ews.caller = &g_conn.who;
	g_conn.content_length = -1;
	g_conn.body_remaining = -1;
	g_in = in;
	soap->user = &g_conn;
	soap->keep_alive = 0;
	serve_one(soap);
	/* per request, as the server's loop: gSOAP's memory of this request goes */
	soap_destroy(soap);
	soap_end(soap);
	return 0;
}
