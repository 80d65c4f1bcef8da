/* access.c - who may do what (see access.h for the table).  The token
 * scope -> right mapping lives here and only here (spec §8). */
#include "ews/access.h"

#include "core/result.h"
#include "token/token.h"

#define ALL_READ (TOKEN_SCOPE_USER_READBASIC_ALL | TOKEN_SCOPE_USER_READ_ALL | TOKEN_SCOPE_USER_READWRITE_ALL)

/* spec §8: the scopes any one of which grants a photo right over the
 * caller's own photo or another user's.  user.read / user.readwrite reach
 * only one's own photo (read / read + write); user.readbasic.all and
 * user.read.all read anyone's; user.readwrite.all reads and writes anyone's. */
static unsigned photo_scopes(int write, int own)
{
	if (write)
		return own ? TOKEN_SCOPE_USER_READWRITE | TOKEN_SCOPE_USER_READWRITE_ALL
		           : TOKEN_SCOPE_USER_READWRITE_ALL;
	return (own ? TOKEN_SCOPE_USER_READ | TOKEN_SCOPE_USER_READWRITE : 0) | ALL_READ;
}

/* A token's rights: scopes alone decide. */
static int bearer_may(unsigned scopes, enum access_right right, int own)
{
	switch (right) {
	case ACCESS_EWS_SOAP:
		/* EWS SOAP operations are not scoped one by one (Exchange Online
		 * wants EWS.AccessAsUser.All for any of them): a token reaches them
		 * only when its scopes grant at least what Basic gives (read anyone's
		 * photo, write one's own), so SOAP never grants more than the
		 * token's scopes */
		return (scopes & photo_scopes(0, 0)) && (scopes & photo_scopes(1, 1));
	case ACCESS_PHOTO_READ:
		return (scopes & photo_scopes(0, own)) != 0;
	case ACCESS_PHOTO_WRITE:
		return (scopes & photo_scopes(1, own)) != 0;
	case ACCESS_MAILBOX_READ:
		return own;
	case ACCESS_RIGHT_COUNT:
		break;
	}
	return 0;
}

/* The table of access.h for a known @p right; @p own: the mailbox is the
 * caller's.  Every right granted over another's mailbox is granted over
 * one's own too (the tests check it), which access_check_any() relies on. */
static int decide(const struct caller *c, enum access_right right, int own)
{
	int ok = 0;
	switch (c->auth) {
	case CALLER_LOCAL:
		ok = 1;
		break;
	case CALLER_ANONYMOUS:
		/* the --anonymous demo: read everything, change nothing */
		ok = right != ACCESS_PHOTO_WRITE;
		break;
	case CALLER_BASIC:
		/* EWS's rules: read anyone's photo, change one's own (an
		 * administrator anyone's); mailbox data is the owner's alone */
		ok = right == ACCESS_EWS_SOAP || right == ACCESS_PHOTO_READ ||
		     (right == ACCESS_PHOTO_WRITE && (own || c->is_admin)) ||
		     (right == ACCESS_MAILBOX_READ && own);
		break;
	case CALLER_BEARER:
		ok = bearer_may(c->scopes, right, own);
		break;
	}
	return ok;
}

int access_check(const struct caller *c, enum access_right right, const char *owner)
{
	if ((unsigned)right >= ACCESS_RIGHT_COUNT || (right != ACCESS_EWS_SOAP && !owner))
		return EMU_EINVAL;
	if (!c)
		return EMU_EDENIED;
	return decide(c, right, caller_owns(c, owner)) ? EMU_OK : EMU_EDENIED;
}

int access_check_any(const struct caller *c, enum access_right right)
{
	if ((unsigned)right >= ACCESS_RIGHT_COUNT)
		return EMU_EINVAL;
	if (!c)
		return EMU_EDENIED;
	return decide(c, right, 0) ? EMU_OK : EMU_EDENIED;
}

const char *access_scopes_needed(enum access_right right, int own)
{
	switch (right) {
	case ACCESS_EWS_SOAP:
		return "user.readwrite.all, or user.read.all with user.readwrite";
	case ACCESS_PHOTO_READ:
		return own ? "user.read, user.readwrite or a *.all scope"
		           : "user.readbasic.all, user.read.all or user.readwrite.all";
	case ACCESS_PHOTO_WRITE:
		return own ? "user.readwrite or user.readwrite.all" : "user.readwrite.all";
	case ACCESS_MAILBOX_READ:
	case ACCESS_RIGHT_COUNT:
		break;
	}
	return NULL;
}

const char *access_right_name(enum access_right right)
{
	switch (right) {
	case ACCESS_EWS_SOAP: return "ews-soap";
	case ACCESS_PHOTO_READ: return "photo-read";
	case ACCESS_PHOTO_WRITE: return "photo-write";
	case ACCESS_MAILBOX_READ: return "mailbox-read";
	case ACCESS_RIGHT_COUNT: break;
	}
	return "?";
}
