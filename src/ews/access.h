/* access.h - the one place that decides what a caller may do.
 *
 * Every transport (EWS SOAP, the REST-style photo GET, the Outlook REST
 * API, the admin command line) asks here, with the struct caller its
 * authentication produced (ews/caller.h).  Token scopes map to rights here
 * and nowhere else (spec §8).
 *
 * The table (owner = the primary address of the mailbox concerned):
 *
 *   right          anonymous   local  Basic  Basic admin  Bearer (token scopes)
 *   EWS_SOAP       yes         yes    yes    yes          read anyone's photo AND write own
 *   PHOTO_READ     any owner   any    any    any          own: user.read, user.readwrite or *.all;
 *                                                         other: user.readbasic.all, user.read.all,
 *                                                                user.readwrite.all
 *   PHOTO_WRITE    no          any    own    any          own: user.readwrite, user.readwrite.all;
 *                                                         other: user.readwrite.all
 *   MAILBOX_READ   any owner   any    own    own          own
 *
 * Anonymous callers exist only when the server runs --anonymous (the demo
 * mode): they read every mailbox but change nothing.  An administrator's
 * flag only governs photos.  A token's rights come from its scopes only (a
 * token of an administrator account is not an administrator's grant), and
 * MAILBOX_READ needs no scope because a token reaches mailbox data only
 * through EWS SOAP, which EWS_SOAP gates.
 *
 * Refusal codes and what each layer makes of them:
 *   EMU_EDENIED  the caller is known but may not do this.  ews/ops answer
 *                ErrorAccessDenied in the response message; rest/ and
 *                outlook/ answer HTTP_OUT_FORBIDDEN (403); the HTTP front
 *                answers a refused EWS_SOAP with 403 (a SOAP fault
 *                ErrorAccessDenied for a POST).
 *   EMU_EINVAL   a programming error (NULL owner for a per-mailbox right,
 *                an unknown right): treat as an internal error.
 * EMU_EAUTH (missing or wrong credentials, 401) is never returned here: it
 * belongs to the authentication that builds the struct caller.
 *
 * Pure functions, no store access, thread-safe.  Owners are compared ASCII
 * case-insensitively with the caller's primary address, so pass the
 * owner's primary address (not a proxy address).
 */
#ifndef EMU_EWS_ACCESS_H
#define EMU_EWS_ACCESS_H

#include "ews/caller.h"

enum access_right {
	ACCESS_EWS_SOAP = 0,   /* call EWS SOAP / Autodiscover operations at all (no owner) */
	ACCESS_PHOTO_READ,     /* read the owner's photo: GetUserPhoto, REST GET, Outlook GET */
	ACCESS_PHOTO_WRITE,    /* replace or remove it: SetUserPhoto, Remove-UserPhoto,
	                        * Outlook PUT / PATCH / DELETE */
	ACCESS_MAILBOX_READ,   /* read the owner's mailbox: folders, contacts, items, attachments */
	ACCESS_RIGHT_COUNT
};

/** May @p c exercise @p right over the mailbox of @p owner (a primary
 * address; ignored, may be NULL, for ACCESS_EWS_SOAP)?
 * @return EMU_OK when allowed; EMU_EDENIED when not (also when @p c is
 *	NULL: no caller, no rights); EMU_EINVAL when @p owner is NULL for a
 *	per-mailbox right or @p right is unknown. */
int access_check(const struct caller *c, enum access_right right, const char *owner);

/** Has @p c @p right over every mailbox, whoever owns it?  Lets a hot path
 * skip looking the owner up (GetUserPhoto for a Basic caller).
 * @return EMU_OK when yes; EMU_EDENIED when the answer depends on the
 *	owner or is no for all (then call access_check() with the owner);
 *	EMU_EINVAL for an unknown @p right. */
int access_check_any(const struct caller *c, enum access_right right);

/** The token scopes that would grant @p right over the caller's own
 * mailbox (@p own = 1) or another's (@p own = 0), as a phrase for an error
 * message ("user.readwrite or user.readwrite.all"); NULL when no scope
 * grants it or scopes play no part (MAILBOX_READ).  Static text. */
const char *access_scopes_needed(enum access_right right, int own);

/** Name of @p right for log lines ("photo-read", ...); "?" when unknown. */
const char *access_right_name(enum access_right right);

#endif
