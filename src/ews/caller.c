/* caller.c - the struct caller setters and accessors (see caller.h). */
#include "ews/caller.h"

#include <string.h>
#include <strings.h>

#include "core/result.h"

void caller_set_anonymous(struct caller *c)
{
	memset(c, 0, sizeof *c);
	c->auth = CALLER_ANONYMOUS;
}

/* A caller with a mailbox: the address must fit, else @p c stays anonymous. */
static int signed_in(struct caller *c, enum caller_auth auth, const char *address)
{
	caller_set_anonymous(c);
	if (!address || !*address)
		return EMU_EINVAL;
	size_t n = strnlen(address, STORE_ADDR_MAX + 1);
	if (n > STORE_ADDR_MAX)
		return EMU_ELIMIT;
	memcpy(c->address, address, n + 1);
	c->auth = auth;
	return EMU_OK;
}

int caller_set_basic(struct caller *c, const char *address, int is_admin)
{
	int rc = signed_in(c, CALLER_BASIC, address);
	if (rc == EMU_OK)
		c->is_admin = is_admin != 0;
	return rc;
}

int caller_set_bearer(struct caller *c, const char *address, unsigned scopes)
{
	int rc = signed_in(c, CALLER_BEARER, address);
	if (rc == EMU_OK)
		c->scopes = scopes;
	return rc;
}

const char *caller_address(const struct caller *c)
{
	if (!c || (c->auth != CALLER_BASIC && c->auth != CALLER_BEARER) || !c->address[0])
		return NULL;
	return c->address;
}

int caller_owns(const struct caller *c, const char *address)
{
	const char *me = caller_address(c);
	return me && address && strcasecmp(me, address) == 0;
}

const char *caller_auth_name(enum caller_auth a)
{
	switch (a) {
	case CALLER_ANONYMOUS: return "anonymous";
	case CALLER_BASIC: return "basic";
	case CALLER_BEARER: return "bearer";
	case CALLER_LOCAL: return "local";
	}
	return "?";
}
