/* fuzz_soap.c - the live server's request path after src/wire/ has read a
 * request, on the demo organisation's store.
 *
 * An input starting with '<' (or blanks) is a SOAP body: the checks in
 * front of gSOAP (soap_body_check: XML limits, libxml2 well-formedness, no
 * DTD), then the in-memory engine (soap_engine_serve: generated
 * deserialisers, the adapters of src/soap, the operations of src/ews/ops,
 * the serialised answer), as alex.smith@contoso.test, not an administrator.
 *
 * Any other input is an HTTP request (head and body, as a client sends it):
 * parsed with wire_parse() as wire's server does, then handed to the front
 * (http_front_handle: route table, authentication, refusals, every route's
 * handler) with anonymous access allowed, as `serve --anonymous` runs.
 *
 * The store is built once per process in a folder under $TMPDIR that is
 * removed at exit.  Invariants beyond the sanitizers: every answer of the
 * engine is a non-empty envelope; every request the front takes gets a
 * status. */
#include <stdio.h>

#include "core/result.h"
#include "demo/demo.h"
#include "ews/caller.h"
#include "http/server.h"
#include "soap/soap_adapter.h"
#include "store/store.h"
#include "wire/wire.h"

#include "fuzz_common.h"

#define FUZZ_SOAP_CALLER "alex.smith@contoso.test"

static soap_engine_t *g_engine;
static struct server_config g_cfg;
static http_front_t *g_front;
static store_t *g_store;
static char g_dir[4096];

static void cleanup(void)
{
	soap_engine_free(g_engine);
	g_engine = NULL;
	http_front_free(g_front);
	g_front = NULL;
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
	server_config_defaults(&g_cfg);
	g_cfg.allow_anonymous = 1;
	if (soap_engine_new(&g_engine) != EMU_OK || http_front_new(g_store, &g_cfg, &g_front) != EMU_OK)
		abort();
	return 0;
}

static void serve_body(const uint8_t *data, size_t size)
{
	char why[SOAP_CHECK_MSG_MAX];
	static struct caller who;
	if (!who.address[0] && caller_set_basic(&who, FUZZ_SOAP_CALLER, 0) != EMU_OK)
		abort();
	struct ews_ctx ews = { .store = g_store, .config = &g_cfg.ews, .caller = &who };
	struct soap_answer a;
	int rc = soap_body_check(data, size, why)
	             ? soap_engine_serve(g_engine, &ews, data, size, NULL, &a)
	             : soap_engine_fault(g_engine, HTTP_OUT_SOAP_FAULT, "ErrorSchemaValidation", why, &a);
	FUZZ_ASSERT(rc == EMU_OK || rc == EMU_ENOMEM);
	if (rc == EMU_OK) {
		FUZZ_ASSERT(a.body != NULL && a.len > 0);
		if (log_enabled(LOG_DEBUG))
			fwrite(a.body, 1, a.len, stderr);
	}
	soap_engine_end(g_engine);
}

static void serve_request(const uint8_t *data, size_t size)
{
	struct wire_msg req, resp;
	size_t used = 0;
	if (wire_parse(data, size, 0, NULL, g_cfg.max_body, &req, &used) != EMU_OK)
		return;
	struct wire_peer peer = { .tls = size & 1 };
	snprintf(peer.addr, sizeof peer.addr, "127.0.0.1:1");
	wire_msg_init(&resp);
	enum wire_action act = http_front_handle(g_front, &peer, &req, &resp);
	FUZZ_ASSERT(act == WIRE_REPLY_CLOSE || resp.status >= 100);
	http_front_conn_end(g_front, &peer);
	wire_msg_free(&resp);
	wire_msg_free(&req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i = 0;
	while (i < size && (data[i] == ' ' || data[i] == '\r' || data[i] == '\n' || data[i] == '\t'))
		i++;
	if (i < size && data[i] == '<')
		serve_body(data, size);
	else
		serve_request(data, size);
	return 0;
}
