/* ntlm.h - NTLM (MS-NLMP) and Negotiate carrying NTLM (SPNEGO, RFC 4178),
 * the server side, as the IIS in front of Exchange runs it for EWS.
 *
 * Pure protocol: no store, no HTTP, no sockets.  The caller (http/login.c)
 * keeps one struct ntlm_ctx per connection (wire's conn_state), passes it
 * the value of each Authorization header that names NTLM or Negotiate, and
 * answers what ntlm_step() says: 401 with the token it built, or the request
 * runs as the user it names.  Who a user name is, and its NT hash, come from
 * the caller's lookup function, so the account rules (DOMAIN\user, UPN, bare
 * alias) live with the other account rules, not here.
 *
 * Crypto (MD4, HMAC-MD5, MD5, RC4, DES) from OpenSSL 3, all through
 * crypto.h: MD4, RC4 and DES live in its legacy provider, which this module
 * loads into a private OSSL_LIB_CTX together with the default one (loading
 * legacy into the global context would switch the implicit default provider
 * off for the whole process).
 *
 * Thread safety: ntlm_nt_hash() and ntlm_step() may run on many threads at
 * once; one ntlm_ctx is used by one thread at a time (wire never runs two
 * requests of one connection at once).
 */
#ifndef EMU_NTLM_NTLM_H
#define EMU_NTLM_NTLM_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/** Bytes of one decoded token (NTLM message or SPNEGO wrapper); a larger
 * one is refused (EMU_ELIMIT).  Real AUTHENTICATE messages are < 2 KiB. */
#define NTLM_TOKEN_MAX 65536
/** Bytes (UTF-8, without NUL) of a user or domain name taken from an
 * AUTHENTICATE message; a longer one is refused. */
#define NTLM_NAME_MAX 256
/** Seconds a CHALLENGE stays answerable on its connection (IIS/SSPI keep a
 * pending context about this long); after that an AUTHENTICATE is refused. */
#define NTLM_CHALLENGE_TTL 60
/** Bytes of the WWW-Authenticate value ntlm_step() may write ("Negotiate "
 * + base64 of the largest token we build), NUL included. */
#define NTLM_HEADER_MAX 1024
/** Bytes (ASCII) of one name in struct ntlm_server_names (dns_host: twice
 * that, plus one); a longer one makes ntlm_step() fail with EMU_ELIMIT, so
 * a CHALLENGE always fits NTLM_HEADER_MAX. */
#define NTLM_SERVER_NAME_MAX 63
/** Length of an NT hash (MD4 of the UTF-16LE password). */
#define NTLM_NT_HASH_LEN 16

/* What the server says about itself in CHALLENGE (TargetName and the AV
 * pairs).  Strings are ASCII; NULL or "" takes the default in brackets. */
struct ntlm_server_names {
	const char *netbios_domain;  /* MsvAvNbDomainName, TargetName ["EWSEMU"] */
	const char *netbios_host;    /* MsvAvNbComputerName ["EXCH01"] */
	const char *dns_domain;      /* MsvAvDnsDomainName ["ewsemu.test"] */
	const char *dns_host;        /* MsvAvDnsComputerName [host + "." + dns domain] */
	int allow_v1;                /* accept NTLMv1 / NTLM2-session responses (default 0: 401) */
};

/** The scheme a header used; the answer must use the same. */
enum ntlm_scheme {
	NTLM_SCHEME_NTLM = 1,        /* "NTLM <b64 NTLMSSP>" */
	NTLM_SCHEME_NEGOTIATE        /* "Negotiate <b64 SPNEGO or raw NTLMSSP>" */
};

/** What to do after ntlm_step(). */
enum ntlm_outcome {
	NTLM_CHALLENGE = 1,   /* answer 401 with WWW-Authenticate: @p header (only that one), keep alive */
	NTLM_AUTHENTICATED,   /* run the request as who->account; @p header may hold a final
	                       * Negotiate token ("" when none is due) to send on the answer */
	NTLM_REFUSED          /* answer 401 with the fresh offers (as to an anonymous request);
	                       * who->reason says why, for the log only */
};

/** Look a user up by the names as the client sent them (UTF-8; @p domain
 * may be "").  On success write the user's NT hash and the account the
 * request will run as (the primary SMTP address) into @p account.
 * @return EMU_OK; EMU_ENOTFOUND no such user or no NT hash kept (the
 *	step then refuses exactly as for a wrong password); another code on
 *	an internal failure (the step returns it). */
typedef int (*ntlm_lookup_fn)(void *arg, const char *user, const char *domain,
                              uint8_t nt_hash[NTLM_NT_HASH_LEN], char *account, size_t account_size);

struct ntlm_who {
	char account[320];                /* from the lookup; set on NTLM_AUTHENTICATED */
	char user[NTLM_NAME_MAX + 1];     /* as sent (for the access log), AUTHENTICATE only */
	char domain[NTLM_NAME_MAX + 1];   /* as sent, may be "" */
	const char *reason;               /* static text on NTLM_REFUSED: "wrong password or
	                                   * unknown user", "no pending challenge", "NTLMv1 refused",
	                                   * "bad MIC", "challenge expired", "anonymous" ... */
};

/* Opaque per-connection state: the NEGOTIATE and CHALLENGE bytes, the
 * server challenge, its time, the scheme and (SPNEGO) the mechListMIC state. */
struct ntlm_ctx;

/** @return a new context, or NULL when out of memory. */
struct ntlm_ctx *ntlm_ctx_new(void);
/** Free @p c (NULL is fine); wipes the keys it held. */
void ntlm_ctx_free(struct ntlm_ctx *c);

/** Recognise an Authorization header value: "NTLM ..." or "Negotiate ..."
 * (scheme case-insensitive, at least one blank, a token).
 * @return the scheme, or 0 when the value is another scheme or has no token. */
enum ntlm_scheme ntlm_scheme_of(const char *authorization);

/** One leg of the handshake.
 * @param[in,out] c the connection's context
 * @param[in] names what the server calls itself
 * @param[in] authorization the whole header value (ntlm_scheme_of() != 0)
 * @param[in] now wall clock (challenge expiry; MsvAvTimestamp)
 * @param[in] lookup, arg user lookup (AUTHENTICATE leg only)
 * @param[out] header the WWW-Authenticate value to send (scheme + token),
 *	NTLM_HEADER_MAX bytes
 * @param[out] who see struct ntlm_who
 * @return EMU_OK with *out set; EMU_EINVAL the header is malformed (bad
 *	base64, bad signature/type, an offset or length outside the token,
 *	bad DER) - answer as NTLM_REFUSED; EMU_ELIMIT a token over
 *	NTLM_TOKEN_MAX or a name over NTLM_NAME_MAX - likewise; EMU_ENOMEM;
 *	the lookup's error code.  Whatever the result, a NEGOTIATE starts a
 *	fresh handshake and an AUTHENTICATE ends the pending one (each
 *	server challenge answers exactly one AUTHENTICATE). */
int ntlm_step(struct ntlm_ctx *c, const struct ntlm_server_names *names, const char *authorization, time_t now,
              ntlm_lookup_fn lookup, void *arg, char header[NTLM_HEADER_MAX], enum ntlm_outcome *out,
              struct ntlm_who *who);

/** NT hash of a password: MD4 of its UTF-16LE form (@p password is UTF-8;
 * invalid UTF-8 -> EMU_EINVAL).  What the store keeps beside the PBKDF2
 * hash so NTLM can be verified (see store.h).
 * @return EMU_OK; EMU_EINVAL; EMU_ENOMEM / EMU_EINTERNAL when the legacy
 *	provider cannot be loaded (logged once). */
int ntlm_nt_hash(const char *password, uint8_t out[NTLM_NT_HASH_LEN]);

#endif
