/* caller.h - who is asking: the one description of an authenticated (or
 * anonymous) caller that every transport hands to the EWS domain.
 *
 * The authentication code of a transport (Basic and Bearer today, NTLM
 * later) fills a struct caller once per request and points
 * ews_ctx.caller at it; nothing below the transport looks at credentials.
 * Whether the caller may do something is decided by ews/access.h, never by
 * reading these fields elsewhere.
 *
 * Plain data, no allocation: a struct caller is copied or kept inside the
 * per-request state.  The setters below are the only way the fields are
 * meant to be written; they always leave a consistent value behind.
 */
#ifndef EMU_EWS_CALLER_H
#define EMU_EWS_CALLER_H

#include "store/store.h"

/* How the caller was admitted. */
enum caller_auth {
	CALLER_ANONYMOUS = 0,  /* no credentials, admitted because the server runs --anonymous */
	CALLER_BASIC,          /* user name + password (http/auth.c) */
	CALLER_BEARER,         /* a verified bearer token (token/token.h): its scopes apply */
	CALLER_LOCAL           /* the command line (admin commands): an operator on the machine */
};

struct caller {
	enum caller_auth auth;
	char address[STORE_ADDR_MAX + 1]; /* primary SMTP address; "" for ANONYMOUS and LOCAL */
	int is_admin;                     /* BASIC: the account's administrator flag; 0 otherwise
	                                   * (a token's rights come from its scopes only) */
	unsigned scopes;                  /* BEARER: token_scope bits; 0 otherwise */
};

/** Make @p c an anonymous caller (no mailbox, no rights beyond the
 * anonymous ones of ews/access.h). */
void caller_set_anonymous(struct caller *c);


/** Make @p c a Basic caller: @p address is the account's primary address
 * (as the store spells it), @p is_admin its administrator flag.
 * @return EMU_OK; EMU_EINVAL (@p address NULL or empty) or EMU_ELIMIT
 *	(longer than STORE_ADDR_MAX), and then @p c is anonymous. */
int caller_set_basic(struct caller *c, const char *address, int is_admin);

/** Make @p c a Bearer caller: @p address is the primary address of the
 * token's subject, @p scopes its token_scope bits (token/token.h).
 * @return as caller_set_basic(). */
int caller_set_bearer(struct caller *c, const char *address, unsigned scopes);

/** The caller's primary address, or NULL when it has none (anonymous,
 * local, or @p c NULL).  The string lives in @p c. */
const char *caller_address(const struct caller *c);

/** 1 when @p address is the caller's own primary address (ASCII
 * case-insensitive), else 0 (also for a caller without an address and for
 * @p address NULL). */
int caller_owns(const struct caller *c, const char *address);

/** "anonymous", "basic", "bearer" or "local" (for log lines). */
const char *caller_auth_name(enum caller_auth a);

#endif
