/* auth.h - Basic authentication against the store's users, with a small
 * cache so PBKDF2 runs once per credential, not once per request. */
#ifndef EMU_HTTP_AUTH_H
#define EMU_HTTP_AUTH_H

#include "store/store.h"

#define AUTH_CACHE_SECONDS 60   /* a password change takes effect within this */

struct auth_who {
	char email[STORE_ADDR_MAX + 1];  /* primary address */
	int is_admin;
};

/** Check @p userid / @p passwd (userid: any address of the user, or its
 * alias).  EMU_OK and @p who set; EMU_EAUTH when wrong; other errors from
 * the store.  Thread-safe. */
int auth_basic(store_t *store, const char *userid, const char *passwd, struct auth_who *who);

#endif
