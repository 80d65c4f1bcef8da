/* access_log.h - the access log of `serve`: one line per request in IIS's
 * W3C extended format (spec connect-like-exchange.md §7.1), so tools that
 * read Exchange's IIS logs (u_exYYMMDD.log) read ewsemu's.
 *
 * The file starts (and restarts, after a reopen) with IIS's header:
 *   #Software: Microsoft Internet Information Services 10.0
 *   #Version: 1.0
 *   #Date: 2026-12-08 02:00:00
 *   #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip
 *            cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
 * (one line).  The 14 fields are IIS's default set, in its order.  As
 * Exchange's front end does, ewsemu appends its own data to cs-uri-query,
 * each item "&Name=value;":
 *   CorrelationID  the client-request-id header (valid ones), else <empty>
 *   cafeReqId      the request-id response header
 *   Operation      the EWS operation ("GetItem"), the REST/Outlook/Autodiscover
 *                  one ("GetUserPhoto", "OutlookGetPhotoValue", "GetUserSettings");
 *                  absent when no operation ran (401, 404)
 *   ResponseCode   the EWS ResponseCodes of the answer, distinct ones in the
 *                  order they first appear, each with its count
 *                  ("NoError:2,ErrorInvalidIdMalformed:1"), a SOAP fault's
 *                  code, the Outlook error code; absent when there is none
 * Escaping (IIS's): a space becomes '+', an empty field is '-'; a control
 * byte and a byte over 0x7E become %XX (a line is one line of
 * ASCII whatever a client sends).  date/time are UTC, time-taken in ms.
 *
 * Writes: a line is formatted in a stack buffer and written with one
 * write(2) (O_APPEND): lines of concurrent requests never interleave, in
 * a file or a pipe (a line is at most ACCESS_LOG_LINE_MAX = PIPE_BUF
 * bytes).  A file is reopened on SIGHUP (log rotation): the first write
 * after the signal opens the path again and puts the new file in place of
 * the old one atomically (dup2), so a concurrent write lands in one or the
 * other, never nowhere.  On a pipe, socket or terminal whose reader stops
 * reading, lines are dropped (counted, one WARN) rather than waited for:
 * the log never blocks a request. */
#ifndef EMU_HTTP_ACCESS_LOG_H
#define EMU_HTTP_ACCESS_LOG_H

#include <stddef.h>
#include <time.h>

/* Bytes of one line, newline included (PIPE_BUF: one atomic pipe write).
 * Fields past it are cut (the line always ends with its last fields). */
#define ACCESS_LOG_LINE_MAX 4096
/* Bytes of one escaped free-text field (cs-uri-stem, the client's query,
 * cs(User-Agent), cs(Referer), cs-username): longer ones are cut. */
#define ACCESS_LOG_FIELD_MAX 512
/* Bytes of the ResponseCode summary ("NoError:2,ErrorItemNotFound:1"). */
#define ACCESS_LOG_CODES_MAX 640
/* Bytes of an address without its port ("127.0.0.1", "::1"), NUL included. */
#define ACCESS_LOG_IP_MAX 64

/* One request as the log sees it.  Every string may be NULL (logged "-"). */
struct access_entry {
	struct timespec when;             /* CLOCK_REALTIME when the request was taken */
	const char *s_ip;                 /* the listener's address */
	int s_port;                       /* 0: unknown ("-") */
	const char *method;
	const char *stem;                 /* path, stem_len bytes (not NUL-terminated there) */
	size_t stem_len;
	const char *query;                /* the client's query (after '?'), NUL-terminated */
	const char *user;                 /* the name as the client sent it, NULL anonymous / refused */
	const char *c_ip;
	const char *user_agent;
	const char *referer;
	int status, substatus;
	unsigned long win32;              /* sc-win32-status */
	long time_taken_ms;
	const char *correlation_id;       /* client-request-id, NULL: <empty> */
	const char *request_id;           /* cafeReqId */
	const char *op;                   /* "" or NULL: none */
	const char *codes;                /* "" or NULL: none */
};

typedef struct access_log access_log_t;

/** Open the log at @p path ("-": standard output; a file is created 0640
 * or appended to) and write the header.  A file is reopened on SIGHUP
 * (installs a SIGHUP handler; standard output is never reopened).
 * EMU_OK; EMU_EIO cannot open (logged); EMU_ENOMEM. */
int access_log_open(const char *path, access_log_t **out);
/** Close (standard output is left open).  NULL is fine. */
void access_log_close(access_log_t *l);

/** Format @p e as one line ending in '\n' into @p buf (@p bufsz bytes,
 * at least 256; ACCESS_LOG_LINE_MAX holds any line); returns its length,
 * NUL not counted (the NUL is written).  Pure: no clock, no I/O. */
size_t access_log_format(const struct access_entry *e, char *buf, size_t bufsz);

/** Format @p e and write it (one write(2)).  A failed write is counted,
 * not retried, and logged once (WARN); the request is not affected.
 * Thread-safe. */
void access_log_write(access_log_t *l, const struct access_entry *e);

/** Split "HOST:PORT" / "[V6]:PORT" (a client address of wire_peer, or the
 * authority of a URL) into @p ip (ACCESS_LOG_IP_MAX bytes, without the
 * brackets) and *port (0 when there is none).  Always fills @p ip ("-"
 * when it does not fit). */
void access_log_split_addr(const char *addr, char ip[ACCESS_LOG_IP_MAX], int *port);

#endif
