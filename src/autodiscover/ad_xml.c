/* ad_xml.c - the XML side of Autodiscover: request bodies are parsed with
 * libxml2 (no network, no DTD loading, no entity substitution; a document
 * with a DOCTYPE is refused), responses are built as libxml2 trees, so every
 * value is escaped by the serialiser.  Decisions come from autodiscover.c.
 *
 * Why not gSOAP here: the generated EWS code owns the one global
 * SOAP_ENV__Header (soap_putheader/soap_getheader are process-wide symbols),
 * and the Autodiscover response header (wsa:Action with mustUnderstand, a
 * ServerVersionInfo with child elements in another namespace) cannot be
 * expressed beside the EWS one without regenerating the EWS stubs; see
 * wsdl/README.md "Autodiscover". */
#include "autodiscover/autodiscover.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core/log.h"
#include "core/result.h"
#include "core/xmllimit.h"

#define SOAP11_NS "http://schemas.xmlsoap.org/soap/envelope/"
#define AD_NS "http://schemas.microsoft.com/exchange/2010/Autodiscover"
#define WSA_NS "http://www.w3.org/2005/08/addressing"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define ACTION_BASE AD_NS "/Autodiscover/"

static pthread_once_t g_once = PTHREAD_ONCE_INIT;

static void init_libxml(void)
{
	xmlInitParser();
}

/* ---- reading -------------------------------------------------------------- */

static int is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && !strcmp((const char *)n->ns->href, ns) &&
	       !strcmp((const char *)n->name, name);
}

static xmlNode *first_el(xmlNode *n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

static xmlNode *child(xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *n = parent ? parent->children : NULL; n; n = n->next)
		if (is_el(n, ns, name))
			return n;
	return NULL;
}

/* The text of @p n, trimmed, copied into @p a ("" for an empty element,
 * NULL on no memory). */
static char *text_of(struct arena *a, xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	size_t len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '\n'))
		len--;
	char *out = arena_alloc(a, len + 1);
	if (out) {
		memcpy(out, s, len);
		out[len] = '\0';
	}
	xmlFree(c);
	return out;
}

static xmlDoc *parse(const char *body, size_t len)
{
	char why[128];
	if (!body || len == 0 || len > (size_t)INT32_MAX)
		return NULL;
	if (xml_limit_check(body, len, 0, why, sizeof why) != EMU_OK) {
		LOGI("autodiscover", "request refused before parsing: %s", why);
		return NULL;
	}
	xmlDoc *doc = xmlReadMemory(body, (int)len, "request.xml", NULL,
	                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc && doc->intSubset) {   /* no DTDs in a web service request */
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* ---- writing -------------------------------------------------------------- */

static xmlNode *add(xmlNode *parent, xmlNs *ns, const char *name, const char *text)
{
	return xmlNewTextChild(parent, ns, (const xmlChar *)name, (const xmlChar *)text);
}

/* Serialise @p doc into the arena. */
static int finish(xmlDoc *doc, struct arena *a, struct ad_reply *out)
{
	xmlChar *buf = NULL;
	int size = 0;
	xmlDocDumpMemoryEnc(doc, &buf, &size, "utf-8");
	xmlFreeDoc(doc);
	if (!buf || size <= 0) {
		xmlFree(buf);
		LOGE("autodiscover", "libxml2 could not serialise a response");
		return EMU_EINTERNAL;
	}
	char *copy = arena_memdup(a, buf, (size_t)size);
	xmlFree(buf);
	if (!copy)
		return EMU_ENOMEM;
	out->body = copy;
	out->len = (size_t)size;
	return EMU_OK;
}

/* ---- POX (spec §9.1) ------------------------------------------------------ */

static void pox_parse(struct arena *a, const char *body, size_t len, struct ad_pox_request *req)
{
	memset(req, 0, sizeof *req);
	xmlDoc *doc = parse(body, len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *r = is_el(root, AD_POX_REQUEST_NS, "Autodiscover") ? child(root, AD_POX_REQUEST_NS, "Request") : NULL;
	if (r) {
		xmlNode *n;
		req->valid = 1;
		if ((n = child(r, AD_POX_REQUEST_NS, "EMailAddress")))
			req->email = text_of(a, n);
		if ((n = child(r, AD_POX_REQUEST_NS, "LegacyDN")))
			req->legacy_dn = text_of(a, n);
		if ((n = child(r, AD_POX_REQUEST_NS, "AcceptableResponseSchema")))
			req->schema = text_of(a, n);
		if (req->email && !req->email[0])
			req->email = NULL;
		if (req->legacy_dn && !req->legacy_dn[0])
			req->legacy_dn = NULL;
	}
	xmlFreeDoc(doc);
}

static int pox_error(const struct ad_server *srv, int code, const char *text, struct arena *a, struct ad_reply *out)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"Autodiscover");
	xmlNs *ns = xmlNewNs(root, (const xmlChar *)AD_POX_RESPONSE_NS, NULL);
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	xmlNode *resp = add(root, ns, "Response", NULL);
	xmlNode *err = add(resp, ns, "Error", NULL);

	/* spec §9.1: Time = server time of day, Id = hash of the server name */
	char tbuf[32], idbuf[16], cbuf[8];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(tbuf, sizeof tbuf, "%02d:%02d:%02d.%07ld", tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 100);
	snprintf(idbuf, sizeof idbuf, "%lu", ad_error_id(srv->host));
	snprintf(cbuf, sizeof cbuf, "%d", code);
	xmlNewProp(err, (const xmlChar *)"Time", (const xmlChar *)tbuf);
	xmlNewProp(err, (const xmlChar *)"Id", (const xmlChar *)idbuf);
	add(err, ns, "ErrorCode", cbuf);
	add(err, ns, "Message", text);
	add(err, ns, "DebugData", NULL);
	return finish(doc, a, out);
}

/* The EWS-bearing Protocol blocks (EXCH, EXPR) share most children. */
static void pox_protocol(xmlNode *acct, xmlNs *ns, const char *type, const struct ad_user *u,
                         const struct ad_server *srv, const char *server, const char *photo_fragment)
{
	xmlNode *p = add(acct, ns, "Protocol", NULL);
	add(p, ns, "Type", type);
	add(p, ns, "Server", server);
	if (!strcmp(type, "EXCH")) {
		add(p, ns, "ServerDN", u->server_dn);
		char pox[9];
		exver_pox_hex(srv->profile, pox);
		add(p, ns, "ServerVersion", pox);
		add(p, ns, "MdbDN", u->mailbox_dn);
	} else {
		add(p, ns, "SSL", srv->https ? "On" : "Off");
		add(p, ns, "AuthPackage", "Basic");
	}
	add(p, ns, "ASUrl", srv->ews_url);
	add(p, ns, "EwsUrl", srv->ews_url);
	add(p, ns, "EmwsUrl", srv->ews_url);
	add(p, ns, "EcpUrl", srv->ecp_url);
	add(p, ns, "EcpUrl-photo", photo_fragment);
	add(p, ns, "OOFUrl", srv->ews_url);
	if (!strcmp(type, "EXPR"))
		add(p, ns, "ServerExclusiveConnect", "On");
}

static int pox_answer(store_t *store, struct arena *a, const struct ad_server *srv, const char *body, size_t len,
                      struct ad_reply *out)
{
	struct ad_pox_request req;
	struct ad_user u;
	const char *text = NULL;
	pox_parse(a, body, len, &req);
	int code = ad_pox_decide(store, &req, &u, &text);
	if (code) {
		LOGD("autodiscover", "POX -> %d %s", code, text);
		return pox_error(srv, code, text, a, out);
	}

	char server[AD_GUID_LEN + 2 + STORE_ADDR_MAX], photo[STORE_ADDR_MAX + 96];
	const char *at = strrchr(u.smtp, '@');
	snprintf(server, sizeof server, "%s@%s", u.mailbox_guid, at ? at + 1 : srv->host);
	snprintf(photo, sizeof photo, "PersonalSettings/EditAccount.aspx?chgPhoto=1&exsvurl=1&realm=%s", at ? at + 1 : "");

	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"Autodiscover");
	xmlSetNs(root, xmlNewNs(root, (const xmlChar *)AD_POX_RESPONSE_NS, NULL));
	xmlDocSetRootElement(doc, root);
	xmlNode *resp = xmlNewChild(root, NULL, (const xmlChar *)"Response", NULL);
	xmlNs *ns = xmlNewNs(resp, (const xmlChar *)AD_POX_OUTLOOK_NS, NULL);
	xmlSetNs(resp, ns);

	xmlNode *user = add(resp, ns, "User", NULL);
	add(user, ns, "DisplayName", u.display_name);
	add(user, ns, "LegacyDN", u.legacy_dn);
	add(user, ns, "AutoDiscoverSMTPAddress", u.smtp);
	add(user, ns, "DeploymentId", u.deployment_id);

	xmlNode *acct = add(resp, ns, "Account", NULL);
	add(acct, ns, "AccountType", "email");
	add(acct, ns, "Action", "settings");
	add(acct, ns, "MicrosoftOnline", "False");
	pox_protocol(acct, ns, "EXCH", &u, srv, server, photo);
	pox_protocol(acct, ns, "EXPR", &u, srv, srv->host, photo);
	xmlNode *web = add(acct, ns, "Protocol", NULL);
	add(web, ns, "Type", "WEB");
	xmlNode *internal = add(web, ns, "Internal", NULL);
	xmlNode *owa = add(internal, ns, "OWAUrl", srv->owa_url);
	xmlNewProp(owa, (const xmlChar *)"AuthenticationMethod", (const xmlChar *)"Basic");
	xmlNode *ip = add(internal, ns, "Protocol", NULL);
	add(ip, ns, "Type", "EXCH");
	add(ip, ns, "ASUrl", srv->ews_url);
	return finish(doc, a, out);
}

/* ---- SOAP GetUserSettings (spec §9.2) ------------------------------------- */

struct gus_request {
	int nusers;
	const char *users[AD_MAX_USERS];
	int too_many;
	int nsettings;
	const char **settings;
};

/* Envelope/Body/GetUserSettingsRequestMessage/Request, or NULL. */
static xmlNode *gus_request_element(xmlDoc *doc)
{
	xmlNode *env = doc ? xmlDocGetRootElement(doc) : NULL;
	if (!is_el(env, SOAP11_NS, "Envelope"))
		return NULL;
	xmlNode *body = child(env, SOAP11_NS, "Body");
	xmlNode *msg = body ? first_el(body->children) : NULL;
	if (!is_el(msg, AD_NS, "GetUserSettingsRequestMessage"))
		return NULL;
	return child(msg, AD_NS, "Request");
}

static int gus_parse(struct arena *a, xmlNode *r, struct gus_request *req)
{
	memset(req, 0, sizeof *req);
	for (xmlNode *n = first_el(child(r, AD_NS, "Users") ? child(r, AD_NS, "Users")->children : NULL); n;
	     n = first_el(n->next)) {
		if (!is_el(n, AD_NS, "User"))
			continue;
		if (req->nusers == AD_MAX_USERS) {
			req->too_many = 1;
			break;
		}
		xmlNode *m = child(n, AD_NS, "Mailbox");
		const char *addr = m ? text_of(a, m) : "";
		if (!addr)
			return EMU_ENOMEM;
		req->users[req->nusers++] = addr;
	}
	xmlNode *rs = child(r, AD_NS, "RequestedSettings");
	int count = 0;
	for (xmlNode *n = rs ? rs->children : NULL; n; n = n->next)
		count += is_el(n, AD_NS, "Setting");
	if (count) {
		req->settings = arena_alloc(a, (size_t)count * sizeof *req->settings);
		if (!req->settings)
			return EMU_ENOMEM;
		for (xmlNode *n = rs->children; n; n = n->next) {
			if (!is_el(n, AD_NS, "Setting"))
				continue;
			if (!(req->settings[req->nsettings++] = text_of(a, n)))
				return EMU_ENOMEM;
		}
	}
	return EMU_OK;
}

/* Envelope + header (wsa:Action mustUnderstand, ServerVersionInfo with child
 * elements in the Autodiscover namespace) + Body; returns the Body. */
static xmlNode *soap_envelope(xmlDoc *doc, const char *action, const struct exver_profile *pr, xmlNs **s_out)
{
	xmlNode *env = xmlNewNode(NULL, (const xmlChar *)"Envelope");
	xmlNs *s = xmlNewNs(env, (const xmlChar *)SOAP11_NS, (const xmlChar *)"s");
	xmlNs *wsa = xmlNewNs(env, (const xmlChar *)WSA_NS, (const xmlChar *)"a");
	xmlSetNs(env, s);
	xmlDocSetRootElement(doc, env);
	xmlNode *hdr = add(env, s, "Header", NULL);
	if (action) {
		xmlNode *act = add(hdr, wsa, "Action", action);
		xmlNewNsProp(act, s, (const xmlChar *)"mustUnderstand", (const xmlChar *)"1");
		xmlNode *svi = xmlNewChild(hdr, NULL, (const xmlChar *)"ServerVersionInfo", NULL);
		xmlNs *h = xmlNewNs(svi, (const xmlChar *)AD_NS, (const xmlChar *)"h");
		xmlNewNs(svi, (const xmlChar *)XSI_NS, (const xmlChar *)"i");
		xmlSetNs(svi, h);
		char num[16];
		snprintf(num, sizeof num, "%d", pr->major);
		add(svi, h, "MajorVersion", num);
		snprintf(num, sizeof num, "%d", pr->minor);
		add(svi, h, "MinorVersion", num);
		snprintf(num, sizeof num, "%d", pr->build);
		add(svi, h, "MajorBuildNumber", num);
		snprintf(num, sizeof num, "%d", pr->revision);
		add(svi, h, "MinorBuildNumber", num);
		add(svi, h, "Version", pr->ad_version_name);
	}
	*s_out = s;
	return add(env, s, "Body", NULL);
}

static int soap_fault(struct arena *a, const char *code, const char *text, struct ad_reply *out)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNs *s;
	xmlNode *body = soap_envelope(doc, NULL, NULL, &s);
	xmlNode *f = add(body, s, "Fault", NULL);
	add(f, NULL, "faultcode", code);
	add(f, NULL, "faultstring", text);
	out->ok = 0;
	return finish(doc, a, out);
}

static void user_response(store_t *store, const struct ad_server *srv, const struct gus_request *req,
                          const char *addr, xmlNode *list, xmlNs *ns, xmlNs *xsi)
{
	struct ad_user u;
	xmlNode *ur = add(list, ns, "UserResponse", NULL);
	int rc = ad_user_lookup(store, addr, 0, &u);
	if (rc != EMU_OK) {
		char msg[STORE_ADDR_MAX + 64];
		if (rc == EMU_ENOTFOUND) {
			add(ur, ns, "ErrorCode", "InvalidUser");
			snprintf(msg, sizeof msg, "Invalid user: '%s'", addr);
		} else {
			add(ur, ns, "ErrorCode", "InternalServerError");
			snprintf(msg, sizeof msg, "The server could not look up '%s'.", addr);
		}
		add(ur, ns, "ErrorMessage", msg);
		xmlNode *rt = add(ur, ns, "RedirectTarget", NULL);
		xmlNewNsProp(rt, xsi, (const xmlChar *)"nil", (const xmlChar *)"true");
		add(ur, ns, "UserSettingErrors", NULL);
		add(ur, ns, "UserSettings", NULL);
		return;
	}
	add(ur, ns, "ErrorCode", "NoError");
	add(ur, ns, "ErrorMessage", "No error.");
	xmlNode *rt = add(ur, ns, "RedirectTarget", NULL);
	xmlNewNsProp(rt, xsi, (const xmlChar *)"nil", (const xmlChar *)"true");
	xmlNode *errs = add(ur, ns, "UserSettingErrors", NULL);
	xmlNode *sets = add(ur, ns, "UserSettings", NULL);
	for (int i = 0; i < req->nsettings; i++) {
		const char *name = req->settings[i], *value = NULL;
		char buf[AD_URL_MAX];
		enum ad_setting_status st = ad_setting_value(&u, srv, name, buf, sizeof buf, &value);
		if (st == AD_SETTING_OK) {
			xmlNode *us = add(sets, ns, "UserSetting", NULL);
			xmlNewNsProp(us, xsi, (const xmlChar *)"type", (const xmlChar *)"StringSetting");
			add(us, ns, "Name", name);
			add(us, ns, "Value", value);
		} else {
			xmlNode *e = add(errs, ns, "UserSettingError", NULL);
			add(e, ns, "ErrorCode", ad_setting_error_code(st));
			add(e, ns, "ErrorMessage", ad_setting_error_message(st));
			add(e, ns, "SettingName", name);
		}
	}
}

static int soap_answer(store_t *store, struct arena *a, const struct ad_server *srv, const char *body, size_t len,
                       struct ad_reply *out)
{
	xmlDoc *in = parse(body, len);
	xmlNode *r = gus_request_element(in);
	if (!r) {
		xmlFreeDoc(in);
		LOGD("autodiscover", "SOAP request is not a GetUserSettings envelope");
		/* what WCF answers an operation it does not know (exchangelib reads it) */
		return soap_fault(a, "s:Client",
		                  "The request is not a SOAP 1.1 envelope with a GetUserSettingsRequestMessage "
		                  "(only GetUserSettings is served).", out);
	}
	struct gus_request req;
	int rc = gus_parse(a, r, &req);
	xmlFreeDoc(in);
	if (rc)
		return rc;

	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNs *s;
	xmlNode *sbody = soap_envelope(doc, ACTION_BASE "GetUserSettingsResponse", srv->profile, &s);
	xmlNode *msg = add(sbody, NULL, "GetUserSettingsResponseMessage", NULL);
	/* the Autodiscover namespace as the default one, as Exchange writes it;
	 * i:type="StringSetting" resolves through it */
	xmlNs *ns = xmlNewNs(msg, (const xmlChar *)AD_NS, NULL);
	xmlSetNs(msg, ns);
	xmlNode *resp = add(msg, ns, "Response", NULL);
	xmlNs *xsi = xmlNewNs(resp, (const xmlChar *)XSI_NS, (const xmlChar *)"i");

	const char *req_err = NULL, *req_msg = "";
	if (req.nusers == 0) {
		req_err = "InvalidRequest";
		req_msg = "The request contains no users.";
	} else if (req.too_many) {
		req_err = "InvalidRequest";
		req_msg = "The request contains more than 100 users.";
	} else if (req.nsettings == 0) {
		req_err = "InvalidRequest";
		req_msg = "No settings were requested.";
	}
	add(resp, ns, "ErrorCode", req_err ? req_err : "NoError");
	add(resp, ns, "ErrorMessage", req_msg);
	xmlNode *list = add(resp, ns, "UserResponses", NULL);
	if (!req_err)
		for (int i = 0; i < req.nusers; i++)
			user_response(store, srv, &req, req.users[i], list, ns, xsi);
	out->ok = 1;
	return finish(doc, a, out);
}

int autodiscover_answer(store_t *store, struct arena *arena, enum ad_endpoint ep, const struct ad_site *site,
                        const char *body, size_t len, struct ad_reply *out)
{
	struct ad_server srv;
	pthread_once(&g_once, init_libxml);
	memset(out, 0, sizeof *out);
	out->ok = 1;
	out->content_type = "text/xml; charset=utf-8";
	if (ad_server_init(site, &srv) != EMU_OK) {
		/* an over-long configured URL: fall back to the Host-derived one */
		struct ad_site plain = *site;
		plain.public_url = NULL;
		if (ad_server_init(&plain, &srv) != EMU_OK)
			return EMU_EINTERNAL;
	}
	return ep == AD_POX ? pox_answer(store, arena, &srv, body, len, out)
	                    : soap_answer(store, arena, &srv, body, len, out);
}
