/* autodiscover.c - the domain part of Autodiscover (spec §9): URL
 * derivation, the mailbox's names, the GetUserSettings setting table and
 * the POX decision.  No XML here (see ad_xml.c). */
#include "autodiscover/autodiscover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/sha.h>

#include "core/log.h"
#include "core/result.h"

#define ORG_DN "/o=ewsemu/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)"
#define RECIPIENTS_DN ORG_DN "/cn=Recipients/cn="

static int path_is(const char *path, size_t n, const char *want)
{
	return n == strlen(want) && strncasecmp(path, want, n) == 0;
}

enum ad_endpoint ad_endpoint_for(const char *path)
{
	if (!path)
		return AD_NONE;
	size_t n = strcspn(path, "?");
	if (path_is(path, n, "/autodiscover/autodiscover.xml"))
		return AD_POX;
	if (path_is(path, n, "/autodiscover/autodiscover.svc"))
		return AD_SOAP;
	return AD_NONE;
}

/* A Host value we are willing to put into URLs: an authority of host name or
 * address characters and an optional port, nothing that could end or extend
 * the URL. */
static int plausible_host(const char *h)
{
	size_t n = h ? strlen(h) : 0;
	if (n == 0 || n >= AD_HOST_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = h[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      ch == '.' || ch == '-' || ch == ':' || ch == '[' || ch == ']' || ch == '_'))
			return 0;
	}
	return 1;
}

int ad_base_url(const struct ad_site *site, char *out, size_t outsz)
{
	int n;
	if (site->public_url && site->public_url[0]) {
		size_t len = strlen(site->public_url);
		while (len > 0 && site->public_url[len - 1] == '/')
			len--;
		n = snprintf(out, outsz, "%.*s", (int)len, site->public_url);
	} else {
		const char *scheme = site->scheme && !strcmp(site->scheme, "https") ? "https" : "http";
		n = snprintf(out, outsz, "%s://%s", scheme, plausible_host(site->host) ? site->host : "localhost");
	}
	if (n < 0 || (size_t)n >= outsz) {
		if (outsz)
			out[0] = '\0';
		return EMU_ELIMIT;
	}
	return EMU_OK;
}

static int join(char *out, size_t outsz, const char *a, const char *b)
{
	int n = snprintf(out, outsz, "%s%s", a, b);
	return n < 0 || (size_t)n >= outsz ? EMU_ELIMIT : EMU_OK;
}

int ad_server_init(const struct ad_site *site, struct ad_server *srv)
{
	memset(srv, 0, sizeof *srv);
	int rc = ad_base_url(site, srv->base, sizeof srv->base);
	if (rc == EMU_OK)
		rc = join(srv->ews_url, sizeof srv->ews_url, srv->base, "/EWS/Exchange.asmx");
	if (rc == EMU_OK)
		rc = join(srv->ecp_url, sizeof srv->ecp_url, srv->base, "/ecp/");
	if (rc == EMU_OK)
		rc = join(srv->owa_url, sizeof srv->owa_url, srv->base, "/owa/");
	if (rc != EMU_OK)
		return rc;
	srv->https = strncasecmp(srv->base, "https:", 6) == 0;
	srv->profile = site->profile ? site->profile : exver_default();
	const char *auth = strstr(srv->base, "://");
	auth = auth ? auth + 3 : srv->base;
	size_t n = strcspn(auth, "/");
	if (n >= sizeof srv->host)
		return EMU_ELIMIT;
	memcpy(srv->host, auth, n);
	srv->host[n] = '\0';
	/* the server name without the port (an IPv6 literal keeps its brackets) */
	char *colon = strrchr(srv->host, ':');
	if (colon && !strchr(colon, ']'))
		*colon = '\0';
	return EMU_OK;
}

/* A stable GUID from @p label (SHA-256, version-4 layout). */
static void guid_from(const char *label, char out[AD_GUID_LEN + 1])
{
	unsigned char h[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)label, strlen(label), h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x40);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, AD_GUID_LEN + 1,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

void ad_user_from_record(const struct user_record *u, struct ad_user *out)
{
	char label[STORE_ADDR_MAX + 32];
	const char *at = strrchr(u->email, '@');
	const char *domain = at ? at + 1 : u->email;

	memset(out, 0, sizeof *out);
	snprintf(out->smtp, sizeof out->smtp, "%s", u->email);
	snprintf(out->display_name, sizeof out->display_name, "%s", u->display_name[0] ? u->display_name : u->email);
	snprintf(out->legacy_dn, sizeof out->legacy_dn, RECIPIENTS_DN "%s", u->email);
	snprintf(label, sizeof label, "deployment:%s", domain);
	guid_from(label, out->deployment_id);
	snprintf(label, sizeof label, "mailbox:%s", u->email);
	guid_from(label, out->mailbox_guid);
	snprintf(out->server_dn, sizeof out->server_dn,
	         ORG_DN "/cn=Configuration/cn=Servers/cn=%s@%s", out->mailbox_guid, domain);
	snprintf(out->mailbox_dn, sizeof out->mailbox_dn, "%s/cn=Microsoft Private MDB", out->server_dn);
}

int ad_user_lookup(store_t *store, const char *address, int by_legacy_dn, struct ad_user *out)
{
	if (!address)
		return EMU_ENOTFOUND;
	if (by_legacy_dn) {
		/* our LegacyDNs end in the primary address (ad_user_from_record) */
		size_t pl = sizeof RECIPIENTS_DN - 1;
		if (strncasecmp(address, RECIPIENTS_DN, pl) != 0)
			return EMU_ENOTFOUND;
		address += pl;
	}
	if (!address[0] || strlen(address) > STORE_ADDR_MAX)
		return EMU_ENOTFOUND;

	struct user_record *u = calloc(1, sizeof *u);   /* ~10 KiB: not on a worker's stack */
	int rc = u ? store_user_lookup(store, address, u) : EMU_ENOMEM;
	if (rc == EMU_EINVAL || rc == EMU_ELIMIT)
		rc = EMU_ENOTFOUND;
	if (rc == EMU_OK)
		ad_user_from_record(u, out);
	free(u);
	return rc;
}

/* ---- GetUserSettings ---------------------------------------------------- */

/* What a setting's value is made of. */
enum src {
	S_NONE = 0,        /* known, no value in ewsemu: SettingIsNotAvailable */
	S_DISPLAY_NAME, S_USER_DN, S_DEPLOYMENT_ID, S_SMTP, S_MAILBOX_DN, S_SERVER_DN, S_SERVER,
	S_EWS_URL, S_ECP_URL, S_OWA_URL, S_REQUIRES_SSL, S_CAS_VERSION, S_SCHEMAS,
	S_STATIC
};

/* Every UserSettingName of the Autodiscover schema (setting-soap.md, in that
 * order) plus ExternalPhotosUrl (OSP-PHOTO, spec §9.2), with its source. */
static const struct {
	const char *name;
	enum src src;
	const char *value;   /* S_STATIC */
} g_settings[] = {
	{ "UserDisplayName", S_DISPLAY_NAME, NULL },
	{ "UserDN", S_USER_DN, NULL },
	{ "UserDeploymentId", S_DEPLOYMENT_ID, NULL },
	{ "InternalMailboxServer", S_SERVER, NULL },
	{ "InternalRpcClientServer", S_SERVER, NULL },
	{ "InternalMailboxServerDN", S_SERVER_DN, NULL },
	{ "InternalEcpUrl", S_ECP_URL, NULL },
	{ "InternalEcpVoicemailUrl", S_NONE, NULL },
	{ "InternalEcpEmailSubscriptionsUrl", S_NONE, NULL },
	{ "InternalEcpTextMessagingUrl", S_NONE, NULL },
	{ "InternalEcpDeliveryReportUrl", S_NONE, NULL },
	{ "InternalEcpRetentionPolicyTagsUrl", S_NONE, NULL },
	{ "InternalEcpPublishingUrl", S_NONE, NULL },
	{ "InternalEcpPhotoUrl", S_NONE, NULL },
	{ "InternalEcpConnectUrl", S_NONE, NULL },
	{ "InternalEcpTeamMailboxUrl", S_NONE, NULL },
	{ "InternalEcpTeamMailboxCreatingUrl", S_NONE, NULL },
	{ "InternalEcpTeamMailboxEditingUrl", S_NONE, NULL },
	{ "InternalEcpExtensionInstallationUrl", S_NONE, NULL },
	{ "InternalEwsUrl", S_EWS_URL, NULL },
	{ "InternalEmwsUrl", S_NONE, NULL },
	{ "InternalOABUrl", S_NONE, NULL },
	{ "InternalPhotosUrl", S_EWS_URL, NULL },
	{ "InternalUMUrl", S_NONE, NULL },
	{ "InternalWebClientUrls", S_NONE, NULL },
	{ "MailboxDN", S_MAILBOX_DN, NULL },
	{ "PublicFolderServer", S_NONE, NULL },
	{ "ActiveDirectoryServer", S_NONE, NULL },
	{ "ExternalMailboxServer", S_SERVER, NULL },
	{ "ExternalMailboxServerRequiresSSL", S_REQUIRES_SSL, NULL },
	{ "ExternalMailboxServerAuthenticationMethods", S_STATIC, "Basic" },
	{ "EcpVoicemailUrlFragment", S_NONE, NULL },
	{ "EcpEmailSubscriptionsUrlFragment", S_NONE, NULL },
	{ "EcpTextMessagingUrlFragment", S_NONE, NULL },
	{ "EcpDeliveryReportUrlFragment", S_NONE, NULL },
	{ "EcpRetentionPolicyTagsUrlFragment", S_NONE, NULL },
	{ "EcpPublishingUrlFragment", S_NONE, NULL },
	{ "EcpPhotoUrlFragment", S_STATIC, "PersonalSettings/EditAccount.aspx?chgPhoto=1&exsvurl=1&realm=" },
	{ "EcpConnectUrlFragment", S_NONE, NULL },
	{ "EcpTeamMailboxUrlFragment", S_NONE, NULL },
	{ "EcpTeamMailboxCreatingUrlFragment", S_NONE, NULL },
	{ "EcpTeamMailboxEditingUrlFragment", S_NONE, NULL },
	{ "EcpTeamMailboxHidingUrlFragment", S_NONE, NULL },
	{ "EcpExtensionInstallationUrlFragment", S_NONE, NULL },
	{ "ExternalEcpUrl", S_ECP_URL, NULL },
	{ "ExternalEcpVoicemailUrl", S_NONE, NULL },
	{ "ExternalEcpEmailSubscriptionsUrl", S_NONE, NULL },
	{ "ExternalEcpTextMessagingUrl", S_NONE, NULL },
	{ "ExternalEcpDeliveryReportUrl", S_NONE, NULL },
	{ "ExternalEcpRetentionPolicyTagsUrl", S_NONE, NULL },
	{ "ExternalEcpPublishingUrl", S_NONE, NULL },
	{ "ExternalEcpPhotoUrl", S_NONE, NULL },
	{ "ExternalEcpConnectUrl", S_NONE, NULL },
	{ "ExternalEcpTeamMailboxUrl", S_NONE, NULL },
	{ "ExternalEcpTeamMailboxCreatingUrl", S_NONE, NULL },
	{ "ExternalEcpTeamMailboxEditingUrl", S_NONE, NULL },
	{ "ExternalEcpExtensionInstallationUrl", S_NONE, NULL },
	{ "ExternalEwsUrl", S_EWS_URL, NULL },
	{ "ExternalEmwsUrl", S_NONE, NULL },
	{ "ExternalOABUrl", S_NONE, NULL },
	{ "ExternalPhotosUrl", S_EWS_URL, NULL },
	{ "ExternalUMUrl", S_NONE, NULL },
	{ "ExternalWebClientUrls", S_NONE, NULL },
	{ "CrossOrganizationSharingEnabled", S_STATIC, "False" },
	{ "AlternateMailboxes", S_NONE, NULL },
	{ "CasVersion", S_CAS_VERSION, NULL },
	{ "EwsSupportedSchemas", S_SCHEMAS, NULL },
	{ "InternalPop3Connections", S_NONE, NULL },
	{ "ExternalPop3Connections", S_NONE, NULL },
	{ "InternalImap4Connections", S_NONE, NULL },
	{ "ExternalImap4Connections", S_NONE, NULL },
	{ "InternalSmtpConnections", S_NONE, NULL },
	{ "ExternalSmtpConnections", S_NONE, NULL },
	{ "InternalServerExclusiveConnect", S_NONE, NULL },
	{ "ExternalEwsVersion", S_CAS_VERSION, NULL },
	{ "MobileMailboxPolicy", S_NONE, NULL },
	{ "DocumentSharingLocations", S_NONE, NULL },
	{ "UserMSOnline", S_STATIC, "False" },
	{ "InternalMailboxServerAuthenticationMethods", S_STATIC, "Basic" },
	{ "MailboxVersion", S_CAS_VERSION, NULL },
	{ "SPMySiteHostURL", S_NONE, NULL },
	{ "SiteMailboxCreationURL", S_NONE, NULL },
	{ "InternalRpcHttpServer", S_NONE, NULL },
	{ "InternalRpcHttpConnectivityRequiresSsl", S_NONE, NULL },
	{ "InternalRpcHttpAuthenticationMethod", S_NONE, NULL },
	{ "ExternalServerExclusiveConnect", S_NONE, NULL },
	{ "ExchangeRpcUrl", S_NONE, NULL },
	{ "ShowGalAsDefaultView", S_STATIC, "True" },
	{ "AutoDiscoverSMTPAddress", S_SMTP, NULL },
	{ "InteropExternalEwsUrl", S_NONE, NULL },
	{ "InteropExternalEwsVersion", S_NONE, NULL },
	{ "PublicFolderInformation", S_NONE, NULL },
	{ "RedirectUrl", S_NONE, NULL },
	{ "EwsPartnerUrl", S_NONE, NULL },
	{ "CertPrincipalName", S_NONE, NULL },
	{ "GroupingInformation", S_NONE, NULL },
	{ "MapiHttpEnabled", S_STATIC, "False" },
	{ "MapiHttpServerUrl", S_NONE, NULL },
	{ "ExternalMapiHttpServerUrl", S_NONE, NULL },
	{ "MobileMailboxPolicyInterop", S_NONE, NULL },
};

/* EwsSupportedSchemas: every version name EWS accepts, oldest first (clients
 * such as exchangelib take the greatest name as the newest). */
static const char g_schemas[] = "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, "
                                "Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2015, "
                                "Exchange2016, Exchange2019";

enum ad_setting_status ad_setting_value(const struct ad_user *user, const struct ad_server *srv,
                                        const char *name, char *buf, size_t bufsz, const char **value)
{
	(void)buf;
	(void)bufsz;
	for (size_t i = 0; i < sizeof g_settings / sizeof *g_settings; i++) {
		if (strcmp(g_settings[i].name, name) != 0)
			continue;
		const char *v = NULL;
		switch (g_settings[i].src) {
		case S_NONE: return AD_SETTING_NOT_AVAILABLE;
		case S_DISPLAY_NAME: v = user->display_name; break;
		case S_USER_DN: v = user->legacy_dn; break;
		case S_DEPLOYMENT_ID: v = user->deployment_id; break;
		case S_SMTP: v = user->smtp; break;
		case S_MAILBOX_DN: v = user->mailbox_dn; break;
		case S_SERVER_DN: v = user->server_dn; break;
		case S_SERVER: v = srv->host; break;
		case S_EWS_URL: v = srv->ews_url; break;
		case S_ECP_URL: v = srv->ecp_url; break;
		case S_OWA_URL: v = srv->owa_url; break;
		case S_REQUIRES_SSL: v = srv->https ? "True" : "False"; break;
		case S_CAS_VERSION:
			if (bufsz < EXVER_BUILD_STRING_MAX)
				return AD_SETTING_NOT_AVAILABLE;
			exver_build_string(srv->profile, buf);
			v = buf;
			break;
		case S_SCHEMAS: v = g_schemas; break;
		case S_STATIC: v = g_settings[i].value; break;
		}
		*value = v;
		return AD_SETTING_OK;
	}
	return AD_SETTING_INVALID;
}

const char *ad_setting_error_code(enum ad_setting_status st)
{
	return st == AD_SETTING_INVALID ? "InvalidSetting" : st == AD_SETTING_NOT_AVAILABLE ? "SettingIsNotAvailable" : "NoError";
}

const char *ad_setting_error_message(enum ad_setting_status st)
{
	/* [I] spec §9.2: the meanings of errorcode-soap.md; Exchange's wording is not documented */
	return st == AD_SETTING_INVALID ? "The requested setting is invalid."
	     : st == AD_SETTING_NOT_AVAILABLE ? "Setting is not available." : "No error.";
}

/* ---- POX ------------------------------------------------------------------ */

static int is_supported_schema(const char *s)
{
	return s && !strcmp(s, AD_POX_OUTLOOK_NS);
}

int ad_pox_decide(store_t *store, const struct ad_pox_request *req, struct ad_user *user, const char **text)
{
	if (!req->valid || (!req->email && !req->legacy_dn) || !req->schema) {
		*text = AD_POX_INVALID_REQUEST_TEXT;
		return AD_POX_INVALID_REQUEST;
	}
	if (!is_supported_schema(req->schema)) {
		*text = AD_POX_NO_PROVIDER_TEXT;
		return AD_POX_NO_PROVIDER;
	}
	int rc = req->email ? ad_user_lookup(store, req->email, 0, user) : ad_user_lookup(store, req->legacy_dn, 1, user);
	if (rc == EMU_OK)
		return 0;
	if (rc == EMU_ENOTFOUND) {
		*text = AD_POX_NOT_FOUND_TEXT;
		return AD_POX_NOT_FOUND;
	}
	LOGE("autodiscover", "user lookup failed: %s", emu_strerror(rc));
	*text = AD_POX_SERVER_ERROR_TEXT;
	return AD_POX_SERVER_ERROR;
}

unsigned long ad_error_id(const char *server_name)
{
	/* FNV-1a, 32 bits */
	unsigned long h = 2166136261ul;
	for (const unsigned char *p = (const unsigned char *)(server_name ? server_name : ""); *p; p++)
		h = ((h ^ *p) * 16777619ul) & 0xfffffffful;
	return h;
}
