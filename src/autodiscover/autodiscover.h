/* autodiscover.h - Autodiscover (spec §9): POX autodiscover.xml and SOAP
 * GetUserSettings.
 *
 * Two layers, like the EWS side:
 *  - the domain part (autodiscover.c): which user, which settings and their
 *    values, URL derivation, error codes and messages - plain C over plain
 *    structs, no XML, unit-testable without a socket;
 *  - the XML part (ad_xml.c): parses request bodies and writes response
 *    documents with libxml2 (a real parser; every value escaped by the
 *    writer).  autodiscover_answer() is the one entry point the listener
 *    calls with a complete request body.
 */
#ifndef EMU_AUTODISCOVER_AUTODISCOVER_H
#define EMU_AUTODISCOVER_AUTODISCOVER_H

#include <stddef.h>

#include "core/arena.h"
#include "core/exver.h"
#include "store/store.h"

/* The two Autodiscover endpoints (spec §9.1, §9.2). */
enum ad_endpoint { AD_NONE = 0, AD_POX, AD_SOAP };

/** Which Autodiscover endpoint @p path (may carry a query) names:
 * /autodiscover/autodiscover.xml -> AD_POX, /autodiscover/autodiscover.svc
 * -> AD_SOAP, case-insensitively; anything else AD_NONE. */
enum ad_endpoint ad_endpoint_for(const char *path);

#define AD_URL_MAX 512            /* bytes of a derived URL, NUL included */
#define AD_HOST_MAX 256           /* bytes of a Host value we accept */

/* Where the client reached us: the base of every URL we hand out. */
struct ad_site {
	const char *public_url;   /* serve --public-url, e.g. "https://mail.example.test"; NULL = derive */
	const char *scheme;       /* "http" or "https": the listener the request came in on */
	const char *host;         /* the Host header as sent (may be NULL or hostile) */
	const struct exver_profile *profile; /* serve --exchange-version; NULL = exver_default() */
};

/** The base URL ("scheme://host[:port]", no trailing slash): the configured
 * public URL when set (its trailing slashes dropped), else scheme + the Host
 * header when that is a plausible authority (letters, digits, ".-:[]_"),
 * else scheme + "localhost".
 * @return EMU_OK; EMU_ELIMIT when it does not fit @p outsz (then "" ). */
int ad_base_url(const struct ad_site *site, char *out, size_t outsz);

/* The URLs and names every answer is built from, derived once per request. */
struct ad_server {
	char base[AD_URL_MAX];       /* ad_base_url() */
	char ews_url[AD_URL_MAX];    /* base + "/EWS/Exchange.asmx" */
	char ecp_url[AD_URL_MAX];    /* base + "/ecp/" */
	char owa_url[AD_URL_MAX];    /* base + "/owa/" */
	char host[AD_HOST_MAX];      /* the authority part of base (server name) */
	int https;                   /* base starts with https: */
	const struct exver_profile *profile; /* the version numbers reported (never NULL) */
};

/** Fill @p srv from @p site.  EMU_OK; EMU_ELIMIT (a URL too long). */
int ad_server_init(const struct ad_site *site, struct ad_server *srv);

#define AD_DN_MAX 640
#define AD_GUID_LEN 36

/* What Autodiscover says about one mailbox. */
struct ad_user {
	char smtp[STORE_ADDR_MAX + 1];          /* primary SMTP address */
	char display_name[STORE_ADDR_MAX + 1];     /* (falls back to the address) */
	char legacy_dn[AD_DN_MAX];              /* "/o=ewsemu/ou=.../cn=Recipients/cn=<smtp>" */
	char mailbox_dn[AD_DN_MAX + 32];        /* the mailbox database's DN (server_dn + "/cn=...") */
	char server_dn[AD_DN_MAX];              /* the mailbox server's DN */
	char deployment_id[AD_GUID_LEN + 1];    /* stable GUID of the organisation */
	char mailbox_guid[AD_GUID_LEN + 1];     /* stable GUID of the mailbox */
};

/** Look a mailbox up by any of its SMTP addresses (case-insensitive) or by
 * the LegacyDN ad_user gives out (@p by_legacy_dn).
 * @return EMU_OK; EMU_ENOTFOUND (no such mailbox, also for an empty or
 *	over-long address or a DN that is not ours); EMU_ESTORE (logged). */
int ad_user_lookup(store_t *store, const char *address, int by_legacy_dn, struct ad_user *out);

/** Fill @p out from a directory record (the part of ad_user_lookup that
 * needs no store; @p domain may be NULL). */
void ad_user_from_record(const struct user_record *u, struct ad_user *out);

/* ---- SOAP GetUserSettings (spec §9.2) ----------------------------------- */

/* Per-setting outcome (UserSettingError ErrorCode values). */
enum ad_setting_status {
	AD_SETTING_OK = 0,            /* answered */
	AD_SETTING_NOT_AVAILABLE,     /* SettingIsNotAvailable: a known setting ewsemu has no value for */
	AD_SETTING_INVALID            /* InvalidSetting: not a setting name */
};

/** The value of setting @p name for @p user as reached through @p srv.
 * @param[out] value on AD_SETTING_OK: a static string or one written to
 *	@p buf (@p bufsz bytes); untouched otherwise.
 * Names are matched exactly (they are schema enumeration values). */
enum ad_setting_status ad_setting_value(const struct ad_user *user, const struct ad_server *srv,
                                        const char *name, char *buf, size_t bufsz, const char **value);

/** "InvalidSetting" / "SettingIsNotAvailable" and their ErrorMessage. */
const char *ad_setting_error_code(enum ad_setting_status st);
const char *ad_setting_error_message(enum ad_setting_status st);

#define AD_MAX_USERS 100          /* Users per GetUserSettings request (Exchange's limit) */

/* The version numbers Autodiscover reports (ServerVersionInfo, CasVersion,
 * ExternalEwsVersion, POX ServerVersion) are the ad_server's profile
 * (core/exver.h): the same build EWS reports in its ServerVersionInfo. */

/* ---- POX autodiscover.xml (spec §9.1) ------------------------------------ */

#define AD_POX_REQUEST_NS "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"
#define AD_POX_RESPONSE_NS "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define AD_POX_OUTLOOK_NS "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"

/* POX error codes and their Message texts. */
#define AD_POX_NOT_FOUND 500
#define AD_POX_NOT_FOUND_TEXT "The email address can't be found."
#define AD_POX_INVALID_REQUEST 600
#define AD_POX_INVALID_REQUEST_TEXT "Invalid Request"
#define AD_POX_NO_PROVIDER 601
#define AD_POX_NO_PROVIDER_TEXT "Provider is not available"
#define AD_POX_SERVER_ERROR 603
#define AD_POX_SERVER_ERROR_TEXT "Server Error"

/* A parsed POX request (strings in the caller's memory; NULL = absent). */
struct ad_pox_request {
	int valid;                    /* an Autodiscover/Request document in the request namespace */
	const char *email;            /* EMailAddress */
	const char *legacy_dn;        /* LegacyDN */
	const char *schema;           /* AcceptableResponseSchema */
};

/** Decide a POX request: 0 and @p user filled on success, else the POX
 * error code (600 invalid, 601 unsupported schema, 500 unknown address,
 * 603 store failure) with *text its Message. */
int ad_pox_decide(store_t *store, const struct ad_pox_request *req, struct ad_user *user, const char **text);

/** Error/@Id: a hash of the server name, in decimal (spec §9.1). */
unsigned long ad_error_id(const char *server_name);

/* ---- the listener's entry point (ad_xml.c) ------------------------------ */

struct ad_reply {
	int ok;                       /* 1: HTTP 200 with this body; 0: a SOAP fault (HTTP 500) */
	const char *body;             /* arena memory */
	size_t len;
	const char *content_type;     /* static */
};

/** Answer one Autodiscover request whose complete body is @p body (@p len
 * bytes).  POX answers are always HTTP 200 (errors are <Error> documents);
 * SOAP answers are HTTP 200 except a body that is not a SOAP envelope with
 * a GetUserSettings request, which gets a SOAP 1.1 fault (ok = 0).
 * @param[in] arena the response memory (freed by the caller after sending)
 * @return EMU_OK and @p out filled; EMU_ENOMEM; EMU_EINTERNAL (libxml2
 *	failed to write, logged). */
int autodiscover_answer(store_t *store, struct arena *arena, enum ad_endpoint ep, const struct ad_site *site,
                        const char *body, size_t len, struct ad_reply *out);

#endif
