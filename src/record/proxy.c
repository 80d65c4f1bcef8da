/* proxy.c - the recording proxy: `ewsemu record --upstream URL --listen
 * ADDR DIR`.  Each request is forwarded to the upstream (its path prefixed
 * with the upstream URL's path, Host rewritten, Authorization passed
 * through), the answer goes back unchanged except for hop-by-hop headers
 * and, in Autodiscover answers, the URLs that point at the upstream (they
 * point at the proxy instead, so a client keeps talking through it).  What
 * the client saw is recorded.  One upstream keep-alive connection per
 * client connection keeps connection-bound authentication (NTLM,
 * Negotiate) working. */
#include "record/record.h"
#include "record/record_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "core/log.h"
#include "core/result.h"
#include "core/xmllimit.h"

#define DEFAULT_TIMEOUT 60
#define ORIGIN_MAX 320                    /* "https://" + host + ":port" */
#define HOST_MAX 272                      /* "[" + host (256) + "]:port" */
#define UPSTREAM_BODY_MAX RECORD_CAPTURE_MAX
/* no XML_PARSE_HUGE: an Autodiscover answer has no text node near libxml2's
 * 10 MB cap (one that has is forwarded unrewritten) */
#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

struct proxy {
	recorder_t *rec;
	struct wire_url up;
	char up_origin[ORIGIN_MAX];           /* "https://exchange.example.com" */
	char up_host[HOST_MAX];               /* its Host header value */
	const char *up_url;                   /* as given */
	char listen_origin[ORIGIN_MAX];       /* "http://" + the listen address */
	int insecure, timeout_s;
};

/* Per client connection: its own upstream connection. */
struct proxy_conn {
	wire_conn_t *up;
};

/* Did the upstream announce it closes after this response? */
static int closes(const struct wire_msg *m)
{
	const char *c = wire_msg_header(m, "Connection");
	if (c && rec_memcasemem(c, strlen(c), "close", 5))
		return 1;
	return m->minor == 0 && !(c && rec_memcasemem(c, strlen(c), "keep-alive", 10));
}

static int build_upstream_request(const struct proxy *p, const struct wire_msg *req, struct wire_msg *up)
{
	int rc;
	char *target = NULL;
	if ((rc = wire_msg_copy(up, req)) != EMU_OK)
		return rc;
	size_t bl = strlen(p->up.path);
	while (bl > 0 && p->up.path[bl - 1] == '/')
		bl--;
	if (bl > 0 && req->target[0] == '/') {
		size_t tl = strlen(req->target);
		if (!(target = malloc(bl + tl + 1)))
			return EMU_ENOMEM;
		memcpy(target, p->up.path, bl);
		memcpy(target + bl, req->target, tl + 1);
		free(up->target);
		up->target = target;
	}
	if ((rc = wire_msg_strip_hop_by_hop(up)) != EMU_OK)
		return rc;
	/* identity bodies: the recording must be readable (and anonymisable);
	 * the body is complete already, so no 100-continue either */
	if ((rc = wire_msg_set_header(up, "Accept-Encoding", NULL)) != EMU_OK ||
	    (rc = wire_msg_set_header(up, "Expect", NULL)) != EMU_OK)
		return rc;
	return wire_msg_set_header(up, "Host", p->up_host);
}

/* Send @p up on the client's upstream connection and read the answer.  A
 * kept-alive connection the upstream has meanwhile closed is replaced once. */
static int forward(const struct proxy *p, struct proxy_conn *pc, const struct wire_msg *up, struct wire_msg *ur,
                   int *closed)
{
	int rc = EMU_OK;
	*closed = 0;
	for (int attempt = 0; attempt < 2; attempt++) {
		int reused = pc->up != NULL;
		if (!pc->up && (rc = wire_connect(&p->up, p->insecure, p->timeout_s, &pc->up)) != EMU_OK)
			return rc;
		rc = wire_write_msg(pc->up, up);
		if (rc == EMU_OK)
			rc = wire_read_msg(pc->up, 1, up->method, UPSTREAM_BODY_MAX, ur);
		if (rc == EMU_OK)
			break;
		wire_close(pc->up);
		pc->up = NULL;
		wire_msg_free(ur);
		wire_msg_init(ur);
		if (!reused || (rc != EMU_EIO && rc != EMU_ENOTFOUND))
			return rc;
		LOGD("record", "upstream connection went stale; reconnecting");
	}
	if (rc == EMU_OK && closes(ur)) {
		wire_close(pc->up);
		pc->up = NULL;
		*closed = 1;
	}
	return rc;
}

/* ---- Autodiscover: upstream URLs become the proxy's ------------------------ */

/* The origin ("scheme://authority") that begins @p url; its length or 0. */
static size_t origin_len(const char *url)
{
	size_t s = !strncasecmp(url, "https://", 8) ? 8 : !strncasecmp(url, "http://", 7) ? 7 : 0;
	return s ? s + strcspn(url + s, "/?#") : 0;
}

/* @p url with its origin replaced by @p self (and the upstream's base path
 * dropped, which the proxy adds back).  malloc'd, or NULL if not a URL. */
static char *retarget_url(const struct proxy *p, const char *url, const char *self)
{
	size_t ol = origin_len(url), bl = strlen(p->up.path);
	if (!ol)
		return NULL;
	const char *rest = url + ol;
	while (bl > 0 && p->up.path[bl - 1] == '/')
		bl--;
	if (bl > 0 && strncasecmp(rest, p->up.path, bl) == 0 && (rest[bl] == '/' || rest[bl] == '\0'))
		rest += bl;
	size_t sl = strlen(self), rl = strlen(rest);
	char *o = malloc(sl + rl + 1);
	if (o) {
		memcpy(o, self, sl);
		memcpy(o + sl, rest, rl + 1);
	}
	return o;
}

static int ends_with_url(const xmlChar *name)
{
	size_t n = name ? strlen((const char *)name) : 0;
	return n > 3 && strcmp((const char *)name + n - 3, "Url") == 0;
}

/* Is text node @p t the value of a URL: <EwsUrl>, <ASUrl> ..., or a
 * GetUserSettings <Value> whose <Name> ends in "Url" (ExternalEwsUrl ...)? */
static int is_url_value(const xmlNode *t)
{
	const xmlNode *e = t->parent;
	if (!e || e->type != XML_ELEMENT_NODE)
		return 0;
	if (ends_with_url(e->name))
		return 1;
	if (strcmp((const char *)e->name, "Value") || !e->parent)
		return 0;
	for (const xmlNode *c = e->parent->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, "Name") == 0) {
			xmlChar *v = xmlNodeGetContent(c);
			int yes = ends_with_url(v);
			xmlFree(v);
			return yes;
		}
	return 0;
}

/* Replace every occurrence of the upstream origin in @p s by @p self;
 * malloc'd, or NULL when there is none. */
static char *replace_origin(const struct proxy *p, const char *s, const char *self)
{
	size_t ol = strlen(p->up_origin), sl = strlen(self), n = strlen(s), count = 0;
	for (const char *h = s; (h = rec_memcasemem(h, (size_t)(s + n - h), p->up_origin, ol)); h += ol)
		count++;
	if (!count)
		return NULL;
	char *o = malloc(n + count * (sl > ol ? sl - ol : 0) + 1), *w = o;
	if (!o)
		return NULL;
	const char *src = s, *end = s + n, *hit;
	while ((hit = rec_memcasemem(src, (size_t)(end - src), p->up_origin, ol)) != NULL) {
		memcpy(w, src, (size_t)(hit - src));
		w += hit - src;
		memcpy(w, self, sl);
		w += sl;
		src = hit + ol;
	}
	memcpy(w, src, (size_t)(end - src) + 1);
	return o;
}

static int rewrite_nodes(const struct proxy *p, xmlNode *n, const char *self)
{
	int changed = 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_ELEMENT_NODE) {
			changed |= rewrite_nodes(p, c, self);
			continue;
		}
		if (c->type != XML_TEXT_NODE || !c->content)
			continue;
		const char *s = (const char *)c->content;
		size_t b = strspn(s, " \t\r\n");
		char *v = is_url_value(c) ? retarget_url(p, s + b, self) : NULL;
		if (!v)
			v = replace_origin(p, s, self);
		if (v) {
			xmlNodeSetContent(c, (const xmlChar *)v);
			changed = 1;
			free(v);
		}
	}
	return changed;
}

/* An Autodiscover answer (POX or SOAP) naming the upstream: point it at
 * the proxy.  Left as it is when it is not XML. */
static void rewrite_autodiscover(const struct proxy *p, struct wire_msg *resp, const char *self)
{
	const char *ct = wire_msg_header(resp, "Content-Type");
	if (!resp->body || !resp->body_len || !ct || !rec_memcasemem(ct, strlen(ct), "xml", 3) ||
	    resp->body_len > (size_t)RECORD_CAPTURE_MAX)
		return;
	xmlDoc *d = xmlReadMemory((const char *)resp->body, (int)resp->body_len, "autodiscover.xml", NULL, XML_OPTIONS);
	if (!d)
		return;
	xmlNode *root = xmlDocGetRootElement(d);
	if (root && !d->intSubset && rewrite_nodes(p, (xmlNode *)d, self)) {
		xmlBuffer *buf = xmlBufferCreate();
		xmlSaveCtxt *ctx = buf ? xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_AS_XML) : NULL;
		if (ctx && xmlSaveDoc(ctx, d) >= 0) {
			xmlSaveClose(ctx);
			ctx = NULL;
			if (wire_msg_set_body(resp, xmlBufferContent(buf), (size_t)xmlBufferLength(buf)) != EMU_OK)
				LOGW("record", "cannot rewrite an Autodiscover answer (no memory)");
		}
		if (ctx)
			xmlSaveClose(ctx);
		xmlBufferFree(buf);
	}
	xmlFreeDoc(d);
}

/* ---- the handler ------------------------------------------------------------- */

/* The URL the client reached the proxy by: its scheme and Host header. */
static void self_origin(const struct proxy *p, const struct wire_peer *peer, const struct wire_msg *req, char *out,
                        size_t outsz)
{
	const char *host = wire_msg_header(req, "Host");
	if (host && host[0] && strlen(host) < 256 && !strpbrk(host, "/ \t\"<>"))
		snprintf(out, outsz, "%s://%s", peer->tls ? "https" : "http", host);
	else
		snprintf(out, outsz, "%s", p->listen_origin);
}

/* Answer 502: the upstream server did not answer (@p rc says why), or
 * answered with a body the proxy cannot take (@p why says why; then @p rc
 * is not used). */
static void bad_gateway(const struct proxy *p, struct wire_msg *resp, int rc, const char *why)
{
	char body[512];
	int n = why ? snprintf(body, sizeof body, "ewsemu record: the upstream server %s answered with a body "
	                       "the proxy cannot take: %s.\n", p->up_url, why)
	            : snprintf(body, sizeof body, "ewsemu record: the upstream server %s did not answer: %s.\n",
	                       p->up_url, emu_strerror(rc));
	if (n < 0 || (size_t)n >= sizeof body)
		n = (int)strlen(body);
	wire_msg_free(resp);
	wire_msg_init(resp);
	if (wire_msg_response(resp, 502, NULL) == EMU_OK &&
	    wire_msg_set_header(resp, "Content-Type", "text/plain; charset=utf-8") == EMU_OK)
		wire_msg_set_body(resp, body, (size_t)n);
}

/* An XML answer over the limits of core/xmllimit.h would cost the recorder
 * and a client's parser their stack or quadratic time: answered 502 and not
 * recorded (there is no usable answer to record).  Returns 1 when refused
 * (then @p ur is freed and @p resp holds the 502). */
static int upstream_body_refused(const struct proxy *p, const struct wire_msg *req, struct wire_msg *ur,
                                 struct wire_msg *resp)
{
	char why[128];
	const char *ct = wire_msg_header(ur, "Content-Type");
	if (!ur->body || !ct || !rec_memcasemem(ct, strlen(ct), "xml", 3) ||
	    xml_limit_check(ur->body, ur->body_len, 0, why, sizeof why) == EMU_OK)
		return 0;
	LOGW("record", "%s %s -> 502: upstream %s answered %d with XML over the limits (%s); not recorded",
	     req->method, req->target, p->up_url, ur->status, why);
	wire_msg_free(ur);
	bad_gateway(p, resp, EMU_ELIMIT, why);
	return 1;
}

static enum wire_action proxy_handle(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                     struct wire_msg *resp)
{
	struct proxy *p = ctx;
	struct proxy_conn *pc = peer->conn_state;
	struct wire_msg up, ur;
	int closed = 0, rc;
	char self[ORIGIN_MAX];
	wire_msg_init(&up);
	wire_msg_init(&ur);
	if (!pc) {
		if (!(pc = calloc(1, sizeof *pc))) {
			bad_gateway(p, resp, EMU_ENOMEM, NULL);
			return WIRE_REPLY_CLOSE;
		}
		peer->conn_state = pc;
	}
	if ((rc = build_upstream_request(p, req, &up)) != EMU_OK || (rc = forward(p, pc, &up, &ur, &closed)) != EMU_OK) {
		LOGW("record", "%s %s -> 502: upstream %s: %s", req->method, req->target, p->up_url, emu_strerror(rc));
		bad_gateway(p, resp, rc, NULL);   /* not recorded: no real answer */
		wire_msg_free(&up);
		return WIRE_REPLY;
	}
	wire_msg_free(&up);
	if (upstream_body_refused(p, req, &ur, resp))
		return closed ? WIRE_REPLY_CLOSE : WIRE_REPLY;
	wire_msg_free(resp);
	if ((rc = wire_msg_copy(resp, &ur)) != EMU_OK || (rc = wire_msg_strip_hop_by_hop(resp)) != EMU_OK) {
		wire_msg_free(&ur);
		bad_gateway(p, resp, rc, NULL);
		return WIRE_REPLY_CLOSE;
	}
	wire_msg_free(&ur);
	self_origin(p, peer, req, self, sizeof self);
	if (rec_memcasemem(req->target, strlen(req->target), "/autodiscover", 13))
		rewrite_autodiscover(p, resp, self);
	const char *loc = wire_msg_header(resp, "Location");
	char *nl = loc ? replace_origin(p, loc, self) : NULL;
	if (nl) {
		wire_msg_set_header(resp, "Location", nl);
		free(nl);
	}
	LOGI("record", "%s %s -> %d", req->method, req->target, resp->status);
	if ((rc = record_exchange(p->rec, req, resp)) != EMU_OK)
		LOGW("record", "%s %s was forwarded but not recorded: %s", req->method, req->target, emu_strerror(rc));
	return closed ? WIRE_REPLY_CLOSE : WIRE_REPLY;
}

static void proxy_conn_end(void *ctx, struct wire_peer *peer)
{
	struct proxy_conn *pc = peer->conn_state;
	(void)ctx;
	if (!pc)
		return;
	wire_close(pc->up);
	free(pc);
	peer->conn_state = NULL;
}

int record_proxy_run(recorder_t *r, const struct record_proxy_options *opt)
{
	struct proxy p;
	wire_server_t *srv = NULL;
	int rc;
	memset(&p, 0, sizeof p);
	if (!r || !opt || !opt->upstream || !opt->listen)
		return EMU_EINVAL;
	if ((rc = wire_url_parse(opt->upstream, &p.up)) != EMU_OK) {
		LOGE("record", "'%s' is not an http:// or https:// URL", opt->upstream);
		return rc;
	}
	int defport = p.up.port == (p.up.tls ? 443 : 80);
	int v6 = strchr(p.up.host, ':') != NULL;
	snprintf(p.up_host, sizeof p.up_host, "%s%s%s", v6 ? "[" : "", p.up.host, v6 ? "]" : "");
	if (!defport) {
		size_t n = strlen(p.up_host);
		snprintf(p.up_host + n, sizeof p.up_host - n, ":%d", p.up.port);
	}
	snprintf(p.up_origin, sizeof p.up_origin, "%s://%s", p.up.tls ? "https" : "http", p.up_host);
	p.rec = r;
	p.up_url = opt->upstream;
	p.insecure = opt->insecure;
	p.timeout_s = opt->timeout_s > 0 ? opt->timeout_s : DEFAULT_TIMEOUT;
	snprintf(p.listen_origin, sizeof p.listen_origin, "%s://%.300s", opt->cert_file ? "https" : "http", opt->listen);
	xmlInitParser();

	struct wire_server_config cfg = { .listen = opt->listen, .cert_file = opt->cert_file };
	wire_signal_catch();   /* a SIGTERM right after the URL is printed stops us cleanly */
	if ((rc = wire_server_start(&cfg, proxy_handle, proxy_conn_end, &p, &srv)) != EMU_OK) {
		LOGE("record", "cannot listen on %s: %s", opt->listen, emu_strerror(rc));
		return rc;
	}
	printf("ewsemu: recording proxy %s -> %s, fixtures in %s\n", wire_server_url(srv), opt->upstream, rec_dir(r));
	fflush(stdout);
	wire_wait_for_signal();
	wire_server_stop(srv);
	LOGI("record", "recording proxy stopped");
	return EMU_OK;
}
