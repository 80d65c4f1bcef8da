/* server.h - the ewsemu listener: HTTP and HTTPS on the configured
 * addresses, one thread per connection (capped), keep-alive, Basic auth
 * against the store, SOAP dispatch and the non-SOAP routes. */
#ifndef EMU_HTTP_SERVER_H
#define EMU_HTTP_SERVER_H

#include <stddef.h>

#include "ews/ews.h"
#include "http/auth.h"
#include "store/store.h"

struct token_key;
struct recorder;   /* record/record.h */

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
	struct recorder *recorder;  /* serve --record: every exchange is written as a fixture; NULL = off */
	/* called once per listener after it is bound, with its real URL (port 0
	 * resolved); NULL = none.  Used to run a live server behind the replay
	 * server (serve --replay --fall-through). */
	void (*on_listening)(void *ctx, int tls, const char *url);
	void *on_listening_ctx;
	int quiet;                  /* print no URLs on stdout */
	int no_signals;             /* install no signal handlers: stopped by server_request_stop() */
};

/** Fill @p cfg with defaults (loopback, 256 connections, 16 MiB bodies,
 * 10 s idle, HR48x48 prefers the thumbnail, auth_policy_defaults()). */
void server_config_defaults(struct server_config *cfg);

/** Bind the listeners, print their URLs on stdout, and serve until SIGINT
 * or SIGTERM.  Returns EMU_OK after a clean shutdown, or an error when a
 * listener cannot be set up. */
int server_run(store_t *store, const struct server_config *cfg);

/** Make a running server_run() return (from any thread), as SIGTERM does. */
void server_request_stop(void);

/** Create a self-signed ECDSA certificate + key at @p path unless a file is
 * already there (then it is reused).  EMU_OK, EMU_EIO, EMU_EINTERNAL. */
int tls_ensure_cert(const char *path);

#endif
