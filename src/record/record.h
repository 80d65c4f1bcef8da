/* record.h - writing fixtures from live traffic.
 *
 * Two ways in: the server itself (`ewsemu serve --record DIR`: struct
 * record_layer, a handler around the live routes, records the request and
 * reply values of every exchange they answer), and a recording proxy (`ewsemu record --upstream
 * URL --listen ADDR DIR`) in front of another EWS server, forwarding over
 * HTTP or HTTPS with authentication passed through.  Credentials
 * (Authorization, Cookie, Set-Cookie ...) never land in a fixture.  With
 * anonymise on, people are replaced consistently across the recording
 * (same person -> same fake name, address and generated photo of the same
 * dimensions).  Thread-safe: one recorder serves every connection.
 */
#ifndef EMU_RECORD_RECORD_H
#define EMU_RECORD_RECORD_H

#include <stddef.h>

#include "wire/wire.h"

#define RECORD_CAPTURE_MAX (48u << 20)   /* body bytes recorded per exchange and direction */

typedef struct recorder recorder_t;

struct record_options {
	const char *dir;                   /* where fixtures go (created if missing) */
	int anonymise;                     /* replace people consistently */
	const char *fake_domain;           /* anonymised addresses' domain (NULL: "example.test") */
};

/** Open a recorder writing into opt->dir (created with its parents when
 * missing).  Numbering continues after the highest NNNN-*.fixture.xml already
 * there.  With opt->anonymise the person table DIR/.anonymise.json is read
 * (and kept up to date), so a later recording into DIR stays consistent.
 * Returns EMU_OK and *out (free with recorder_close()); EMU_EINVAL (no dir,
 * a bad fake_domain, a damaged table file); EMU_EIO (the folder cannot be
 * created or read); EMU_ENOMEM. */
int recorder_open(const struct record_options *opt, recorder_t **out);
/** Free @p r (NULL is fine).  No exchange may be in progress. */
void recorder_close(recorder_t *r);

/** Record one exchange (credentials stripped, anonymised as configured);
 * the file is DIR/NNNN-<operation>.fixture.xml with NNNN counting up,
 * written atomically.  @p req and @p resp stay the caller's.  Returns
 * EMU_OK; EMU_EINVAL (@p req not a request or @p resp not a response);
 * EMU_EIO (the file could not be written, logged); EMU_ENOMEM; EMU_ELIMIT
 * (the anonymiser's table is full). */
int record_exchange(recorder_t *r, const struct wire_msg *req, const struct wire_msg *resp);

/* serve --record: a wire_handler in front of another one (the live routes).
 * Each request goes to @c inner; the request and the reply it filled are
 * written as a fixture (record_exchange) before wire/ sends the reply.
 * Set the fields and pass the struct as the handler's ctx. */
struct record_layer {
	recorder_t *rec;
	wire_handler inner;
	wire_conn_end inner_end;           /* may be NULL */
	void *inner_ctx;
};
enum wire_action record_layer_handle(void *ctx, struct wire_peer *peer, const struct wire_msg *req,
                                     struct wire_msg *resp);
void record_layer_conn_end(void *ctx, struct wire_peer *peer);

struct record_proxy_options {
	const char *upstream;              /* "https://exchange.example.com" (path prefix kept) */
	const char *listen;                /* "127.0.0.1:8080" */
	const char *cert_file;             /* serve TLS with this PEM; NULL plain HTTP */
	int insecure;                      /* do not verify the upstream certificate */
	int timeout_s;                     /* upstream timeouts (0 = 60) */
};

/** Run the recording proxy until SIGINT/SIGTERM; prints
 * "ewsemu: recording proxy URL -> UPSTREAM, fixtures in DIR" on stdout.
 * Each client connection gets its own upstream keep-alive connection
 * (connection-bound authentication such as NTLM passes through); an
 * unreachable upstream is answered 502 and not recorded.  Returns EMU_OK
 * after the signal; EMU_EINVAL (bad upstream URL or listen address);
 * EMU_EIO (cannot listen). */
int record_proxy_run(recorder_t *r, const struct record_proxy_options *opt);

#endif
