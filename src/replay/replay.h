/* replay.h - answering clients from recorded fixtures, the request journal,
 * and verifying a server against recordings.
 *
 * `ewsemu serve --replay DIR` runs a replay server (own HTTP layer, wire/,
 * HTTP and HTTPS listeners) that answers each request from the best-matching
 * fixture (fixture/), injects faults (latency, ErrorServerBusy with
 * BackOffMilliseconds, connection reset) per fixture or globally, and
 * journals every request.  A request that matches nothing gets a well-formed
 * SOAP fault (404 for GET) and a near-miss report in the log, or with
 * fall-through goes to the live store's routes (a function call into
 * src/http/'s front, set by the command).
 *
 * Result codes (core/result.h): EMU_OK; EMU_EINVAL bad fixture directory or
 * option; EMU_EIO journal file or listener failure; EMU_ENOMEM.
 */
#ifndef EMU_REPLAY_REPLAY_H
#define EMU_REPLAY_REPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "fixture/fixture.h"
#include "wire/wire.h"

struct replay_options {
	const char *dir;                   /* fixtures */
	const char *http_listen;           /* NULL = off */
	const char *https_listen;          /* NULL = off */
	const char *cert_file;             /* for https */
	const char *journal;               /* journal file (JSON lines); NULL = none */
	/* serve --replay --fall-through: unmatched requests go to this handler
	 * (the live routes, http_front_handle), called in-process on the
	 * replay connection's own thread and state slot (peer->conn_state
	 * belongs to it; fallthrough_end frees it).  NULL = a fault. */
	wire_handler fallthrough;
	wire_conn_end fallthrough_end;
	void *fallthrough_ctx;
	int latency_ms;                    /* global fault injection: added to every answer */
	int busy_every;                    /* every Nth request answered ErrorServerBusy (0 = never) */
	int busy_backoff_ms;               /* BackOffMilliseconds of those answers */
	int reset_every;                   /* every Nth request's connection reset (0 = never) */
	int require_auth;                  /* answer 401 to requests without Authorization */
	/* the listeners' limits, as serve's (0 = wire's defaults) */
	int max_connections;
	int idle_timeout;
	size_t body_max;
};

/** Run until SIGINT/SIGTERM; prints the URLs on stdout.  Returns EMU_OK, or
 * the error of replay_server_start() (already reported on stderr). */
int replay_run(const struct replay_options *opt);

/* ---- the replay server, for replay_run() and tests --------------------- */

typedef struct replay_server replay_server_t;

/** Load the fixtures of opt->dir, open the journal (appending; sequence
 * numbers continue after the last line already there) and start the
 * listeners of @p opt (port 0 = any free port).  Nothing is printed on
 * stdout; failures are reported on stderr.  @p opt and its strings must
 * outlive the server.  The global fault counters (busy_every, reset_every)
 * count the requests that got past the authentication check.
 * Returns EMU_OK and *out (freed by replay_server_stop()), EMU_EINVAL (bad
 * fixtures, no listener), EMU_EIO (journal, listener),
 * EMU_ENOMEM. */
int replay_server_start(const struct replay_options *opt, replay_server_t **out);
/** "http://127.0.0.1:PORT" (@p tls 0) or "https://..." (@p tls 1) with the
 * real port; NULL when that listener is off.  Owned by the server. */
const char *replay_server_url(const replay_server_t *s, int tls);
/** Number of fixtures loaded. */
int replay_server_fixture_count(const replay_server_t *s);
/** Stop the listeners (requests in progress finish), close the journal and
 * free everything.  NULL is fine. */
void replay_server_stop(replay_server_t *s);

/* ---- SOAP fault bodies (HTTP 500, spec §1.5) ---------------------------- */

/** The ErrorServerBusy fault: faultcode t:ErrorServerBusy, detail with
 * e:ResponseCode, e:Message and t:MessageXml/t:Value
 * Name="BackOffMilliseconds".  *out is a NUL-terminated heap string the
 * caller free()s; *outlen its length.  EMU_ENOMEM. */
int replay_fault_busy_body(int backoff_ms, char **out, size_t *outlen);
/** The fault for a request no fixture matches: faultcode
 * t:ErrorInvalidOperation (a plain failure for EWS clients, never a "retry
 * with another version" code), the faultstring names @p operation and the
 * closest fixture of @p near (may be NULL).  Text from the request is
 * escaped and invalid UTF-8 replaced, so the body is always well-formed.
 * Memory as replay_fault_busy_body(). */
int replay_fault_unmatched_body(const char *operation, const struct fixture_near_miss *near, char **out,
                                size_t *outlen);

/* ---- the request journal (JSON lines) ----------------------------------- */

#define REPLAY_JOURNAL_BODY_MAX (1u << 20)   /* body bytes kept per request (then truncated) */
#define REPLAY_JOURNAL_LINE_MAX (8u << 20)   /* bytes of one journal line when reading */

typedef struct replay_journal replay_journal_t;

/* What the server did with a request (input of replay_journal_append). */
struct replay_journal_outcome {
	const char *operation;             /* fixture_operation_of(); NULL or "" when none */
	const char *caller;                /* Basic user name; NULL when none */
	const char *fixture;               /* name of the fixture that answered; NULL when unmatched */
	int status;                        /* HTTP status sent; 0 = connection reset */
	const char *fault;                 /* fault applied: "latency", "busy", "reset" joined by '+'; NULL none */
	int latency_ms;                    /* injected latency in total */
	int fallthrough;                   /* answered by the fall-through server */
	const char *near_miss;             /* near-miss text when unmatched; NULL otherwise */
};

/* One journal line read back.  Every string is heap-owned by the entry
 * (released by replay_journal_entry_free()); absent values are NULL. */
struct replay_journal_entry {
	long long seq;
	char *time;                        /* ISO 8601 UTC "2026-01-01T00:00:00.123Z" */
	char *method;
	char *target;
	char *operation;
	char *caller;
	struct wire_header *headers;       /* the request headers kept (never credentials) */
	int nheaders;
	unsigned char *body;               /* decoded (base64 undone); NUL-terminated extra byte */
	size_t body_len;                   /* bytes kept in the journal */
	size_t body_size;                  /* the request's real body size */
	int body_base64;                   /* the body was not UTF-8 text: stored as base64 */
	int body_truncated;                /* more than REPLAY_JOURNAL_BODY_MAX bytes */
	char *fixture;                     /* NULL = no match */
	int status;                        /* 0 = reset */
	char *fault;
	int latency_ms;
	int fallthrough;
	char *near_miss;
};

/** Open @p path for appending (created 0600 when missing).  The next
 * sequence number is one past the last complete line of the file.
 * Returns EMU_OK and *out (closed by replay_journal_close()), EMU_EIO. */
int replay_journal_open(const char *path, replay_journal_t **out);
/** Append one line for @p req (method, target, headers without
 * Authorization, Proxy-Authorization, Cookie and hop-by-hop fields; body as
 * text when UTF-8, else base64, cut at REPLAY_JOURNAL_BODY_MAX) with @p o and
 * the current time; flushed before returning.  Thread-safe.  Returns EMU_OK
 * and the sequence number written in *seq (may be NULL), EMU_EIO, EMU_ENOMEM. */
int replay_journal_append(replay_journal_t *j, const struct wire_msg *req, const struct replay_journal_outcome *o,
                          long long *seq);
/** Close and free (NULL is fine). */
void replay_journal_close(replay_journal_t *j);

/** Parse one journal line (without its newline).  Returns EMU_OK and @p e
 * (free it with replay_journal_entry_free()), EMU_EINVAL when the line is
 * not a journal entry, EMU_ENOMEM.  On failure @p e is left empty. */
int replay_journal_parse(const char *line, size_t len, struct replay_journal_entry *e);
void replay_journal_entry_free(struct replay_journal_entry *e);

/* Which journal lines replay_journal_print() prints. */
struct replay_journal_filter {
	const char *operation;             /* only this operation (case-insensitive; "GetUserPhoto" also
	                                      selects "GET GetUserPhoto"); NULL = all */
	int unmatched;                     /* only requests no fixture answered */
	int json;                          /* print the JSON lines as they are, not summaries */
	long long since_seq;               /* only sequence numbers greater than this */
};

/** Print the journal @p path (what `ewsemu journal` shows) on @p out: one
 * line per request "SEQ METHOD TARGET OPERATION -> STATUS FIXTURE|(no
 * match)", or with flt->json the JSON lines as they are.  Lines over
 * REPLAY_JOURNAL_LINE_MAX and lines that are not entries are skipped with a
 * note on stderr.  Returns EMU_OK; EMU_EIO (cannot open or read @p path, or
 * write @p out; said on stderr); EMU_ENOMEM. */
int replay_journal_print(const char *path, const struct replay_journal_filter *flt, FILE *out);

/* ---- verify ------------------------------------------------------------ */

#define REPLAY_VERIFY_TIMEOUT_S 10        /* default timeout_s: one request, connect to last byte */
#define REPLAY_VERIFY_DEADLINE_S 300      /* default deadline_s: the whole run */
#define REPLAY_VERIFY_SECONDS_MAX 86400   /* largest timeout_s / deadline_s */

struct replay_verify_options {
	const char *dir;                   /* the fixtures (*.fixture.xml, sent in file order) */
	struct wire_url url;               /* the server under test (wire_url_parse()) */
	const char *against;               /* that URL as given, for messages */
	const char *user;                  /* Basic user for every request; NULL = each fixture's caller */
	const char *password;              /* for user or the recorded callers; NULL = no credentials */
	const char *only;                  /* only fixtures whose name contains this; NULL = all */
	int insecure;                      /* do not check the server's TLS certificate */
	int quiet;                         /* print only failures */
	int timeout_s;                     /* one request, connecting to last byte (1..SECONDS_MAX) */
	int deadline_s;                    /* the whole run; fixtures not sent by then fail */
};

/** Send every fixture's request to the server and compare the answers
 * (`ewsemu verify`): prints "PASS NAME" (unless quiet) or "FAIL NAME" with
 * an element-level diff per fixture, and the line "N passed, M failed", on
 * stdout.  Returns EMU_OK with the counts in *passed and *failed; EMU_EINVAL
 * or EMU_EIO when the fixtures cannot be loaded (said on stderr, nothing
 * sent). */
int replay_verify_run(const struct replay_verify_options *o, int *passed, int *failed);

#endif
