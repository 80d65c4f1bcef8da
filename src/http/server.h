/* server.h - the live ewsemu server: its configuration, the HTTP front
 * (the routes of front.c as a wire_handler) and the listeners (src/wire/:
 * HTTP and HTTPS, one thread per connection, capped, keep-alive).
 *
 * A QA layer (serve --record, serve --replay --fall-through) is set up by
 * the command, not here: it wraps http_front_handle() in a wire_handler of
 * its own and runs that with server_listen(), so this library never links
 * the QA tools. */
#ifndef EMU_HTTP_SERVER_H
#define EMU_HTTP_SERVER_H

#include <stddef.h>

#include "ews/ews.h"
#include "ews/outcome.h"
#include "http/auth.h"
#include "ntlm/ntlm.h"
#include "store/store.h"
#include "wire/wire.h"

struct token_key;

struct server_config {
	const char *http_listen;    /* "127.0.0.1:8080", "[::1]:0"; NULL = off */
	const char *https_listen;   /* NULL = off */
	const char *cert_file;      /* PEM with key + certificate */
	const char *public_url;     /* base of the URLs Autodiscover hands out ("https://mail.example.test"); NULL = from Host */
	const char *realm;          /* Basic realm */
	const struct token_key *token_key; /* bearer tokens (token/token.h); NULL = refused */
	int allow_anonymous;        /* demo flag: no credentials needed */
	int max_connections;        /* concurrent connections */
	size_t max_body;            /* request body bytes (413 above) */
	int idle_timeout;           /* seconds a keep-alive connection may idle */
	struct auth_policy auth;    /* account lockout of Basic logins (http/auth.h) */
	struct ews_config ews;
	const char *example_user;   /* printed with a ready-to-run curl line; may be NULL */
	const char *example_password;
	int quiet;                  /* print no URLs on stdout */
	/* issue 13 */
	const char *server_name;    /* X-FEServer & co. (http/ident.h); NULL = from the host name */
	const char *access_log;     /* W3C access log (http/access_log.h): a file, "-" stdout; NULL = off */
	/* NTLM / Negotiate (issue 13) */
	unsigned auth_schemes;      /* SERVER_AUTH_* bits: what a 401 offers and what is accepted */
	struct ntlm_server_names ntlm_names; /* what the CHALLENGE says (server_ntlm_domain()) */
	char ntlm_netbios[16];      /* storage of ntlm_names.netbios_domain */
};

/* The password schemes of `serve --auth` (Bearer tokens are separate: they
 * are accepted whenever the server has a token key). */
#define SERVER_AUTH_NEGOTIATE 1u  /* SPNEGO carrying NTLM, or raw NTLMSSP under "Negotiate" */
#define SERVER_AUTH_NTLM 2u
#define SERVER_AUTH_BASIC 4u
/** The default: an Exchange 2019 EWS virtual directory (Negotiate, NTLM) plus Basic. */
#define SERVER_AUTH_DEFAULT (SERVER_AUTH_NEGOTIATE | SERVER_AUTH_NTLM | SERVER_AUTH_BASIC)
/** Bytes of a --auth list looked at. */
#define SERVER_AUTH_LIST_MAX 64

/** Parse a --auth list ("negotiate,ntlm,basic": names case-insensitive,
 * comma-separated, at least one) into SERVER_AUTH_* bits.
 * @return EMU_OK; EMU_EINVAL an unknown or empty name; EMU_ELIMIT too long. */
int server_auth_parse(const char *list, unsigned *out);

/** Name the server in NTLM CHALLENGEs after the tenant's DNS domain
 * @p domain ("contoso.com": NetBIOS domain "CONTOSO", DNS domain
 * "contoso.com"), and look bare aliases up in it.  @p domain must live as
 * long as @p cfg. */
void server_ntlm_domain(struct server_config *cfg, const char *domain);

/** Fill @p cfg with defaults (loopback, 256 connections, 16 MiB bodies,
 * 10 s idle, HR48x48 prefers the thumbnail, auth_policy_defaults()). */
void server_config_defaults(struct server_config *cfg);

typedef struct http_front http_front_t;

/** The live routes for @p store under @p cfg (both must outlive it).
 * EMU_OK or EMU_ENOMEM. */
int http_front_new(store_t *store, const struct server_config *cfg, http_front_t **out);
void http_front_free(http_front_t *f);
/** The front as a wire_handler (ctx: the http_front_t) and its
 * end-of-connection callback (frees the connection's gSOAP engine). */
enum wire_action http_front_handle(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                   struct wire_msg *resp);
void http_front_conn_end(void *ctx, struct wire_peer *peer);
/** wire's refusal hook (struct wire_server_config.refuse) for the front
 * (ctx: the http_front_t): a request wire refuses after reading its head
 * (413, 400) is answered by http_refuse() in the route's style. */
void http_front_refuse(void *ctx, struct wire_peer *peer, const struct wire_msg *head, int status,
                       const char *reason, struct wire_msg *resp);

/** Run @p h on the listeners of @p cfg (http_listen, https_listen with
 * cert_file; max_connections, idle_timeout, max_body each), with @p front's
 * refusals for what wire refuses itself, print their URLs unless
 * cfg->quiet, and serve until SIGINT or SIGTERM; requests in progress
 * finish.  @p h is the front itself or a layer around it (serve --record).
 * Returns EMU_OK after a clean shutdown, or the error of a listener that
 * cannot be set up (logged). */
int server_listen(const struct server_config *cfg, http_front_t *front, wire_handler h, wire_conn_end end,
                  void *ctx);

/** http_front_new() + server_listen() with the front. */
int server_run(store_t *store, const struct server_config *cfg);

/** HTTP status for @p o (http/status.c: the one table). */
int http_status_for(enum http_outcome o);
/** Reason text of @p o for the log. */
const char *http_outcome_text(enum http_outcome o);

/** Create a self-signed ECDSA certificate + key at @p path unless a file is
 * already there (then it is reused).  EMU_OK, EMU_EIO, EMU_EINTERNAL. */
int tls_ensure_cert(const char *path);

#endif
