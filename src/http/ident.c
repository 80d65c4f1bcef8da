/* ident.c - request-ids and the identity headers (see ident.h). */
#include "http/ident.h"

#include <ctype.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/result.h"

/* ---- request-ids ----------------------------------------------------------- */

static uint64_t g_id_hi, g_id_lo;          /* the process's random GUID, set once */
static atomic_uint_fast64_t g_id_counter;
static pthread_once_t g_id_once = PTHREAD_ONCE_INIT;

static void id_seed(void)
{
	unsigned char r[16];
	if (RAND_bytes(r, sizeof r) != 1) {
		/* no entropy source: still unique within the process (the counter) */
		uint64_t t = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		memcpy(r, &t, sizeof t);
		memcpy(r + 8, &t, sizeof t);
	}
	memcpy(&g_id_hi, r, 8);
	memcpy(&g_id_lo, r + 8, 8);
	/* GUID version 4 (random) and RFC 4122 variant: the version nibble is
	 * in the high half, the variant's two bits are the low half's top bits,
	 * which a counter below 2^62 never reaches */
	g_id_hi = (g_id_hi & ~(uint64_t)0xF000) | 0x4000;
}

void http_request_id(char out[HTTP_REQUEST_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	pthread_once(&g_id_once, id_seed);
	uint64_t n = atomic_fetch_add_explicit(&g_id_counter, 1, memory_order_relaxed);
	uint64_t hi = g_id_hi;
	uint64_t lo = ((g_id_lo ^ n) & ~((uint64_t)3 << 62)) | ((uint64_t)2 << 62);
	int k = 0;
	for (int i = 0; i < 32; i++) {
		if (i == 8 || i == 12 || i == 16 || i == 20)
			out[k++] = '-';
		uint64_t v = i < 16 ? hi : lo;
		out[k++] = hex[(v >> (60 - 4 * (i % 16))) & 0xF];
	}
	out[k] = '\0';
}

/* ---- server names ----------------------------------------------------------- */

static int name_ok(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= HTTP_SERVER_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == n;
}

int http_ident_init(struct http_ident *id, const char *name)
{
	char host[HTTP_SERVER_FQDN_MAX + 1] = "";
	memset(id, 0, sizeof *id);
	if (name) {
		if (!name_ok(name))
			return EMU_EINVAL;
		snprintf(host, sizeof host, "%s", name);
	} else if (gethostname(host, sizeof host) != 0 || !host[0]) {
		snprintf(host, sizeof host, "%s", "ewsemu");
	}
	host[sizeof host - 1] = '\0';
	size_t label = strcspn(host, ".");
	if (label > HTTP_SERVER_NAME_MAX)
		label = HTTP_SERVER_NAME_MAX;
	for (size_t i = 0; i < label; i++) {
		unsigned char c = (unsigned char)host[i];
		id->name[i] = (char)(isalnum(c) || c == '-' ? toupper(c) : '-');
	}
	size_t n = strlen(host);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)host[i];
		id->fqdn[i] = (char)(isalnum(c) || c == '-' || c == '.' ? tolower(c) : '-');
	}
	if (!id->name[0]) {   /* a host name starting with '.' */
		snprintf(id->name, sizeof id->name, "%s", "EWSEMU");
		snprintf(id->fqdn, sizeof id->fqdn, "%s", "ewsemu");
	}
	return EMU_OK;
}

/* ---- the headers ------------------------------------------------------------ */

static int header_safe(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > HTTP_CLIENT_REQUEST_ID_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

int http_ident_headers(const struct http_ident *id, const char *request_id, enum http_ident_tier tier,
                       const char *client_request_id, struct wire_msg *reply)
{
	char date[WIRE_DATE_MAX], status[8];
	wire_http_date(time(NULL), date);
	/* the order of the captures (spec §5.1) */
	int rc = wire_msg_add_header(reply, "Server", "Microsoft-IIS/10.0");
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "request-id", request_id);
	if (rc == EMU_OK && tier == HTTP_IDENT_BACK) {
		snprintf(status, sizeof status, "%d", reply->status);
		rc = wire_msg_add_header(reply, "X-CalculatedBETarget", id->fqdn);
		if (rc == EMU_OK)
			rc = wire_msg_add_header(reply, "X-BackEndHttpStatus", status);
		if (rc == EMU_OK)
			rc = wire_msg_add_header(reply, "X-DiagInfo", id->name);
		if (rc == EMU_OK)
			rc = wire_msg_add_header(reply, "X-BEServer", id->name);
		if (rc == EMU_OK)
			rc = wire_msg_add_header(reply, "X-AspNet-Version", "4.0.30319");
	}
	if (rc == EMU_OK && client_request_id && header_safe(client_request_id))
		rc = wire_msg_add_header(reply, "client-request-id", client_request_id);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "X-Powered-By", "ASP.NET");
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "X-FEServer", id->name);
	if (rc == EMU_OK)
		rc = wire_msg_add_header(reply, "Date", date);
	return rc;
}
