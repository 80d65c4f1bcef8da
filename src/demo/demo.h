/* demo.h - the built-in demo organisation ("Contoso"): users covering every
 * photo state of spec §6 (mailbox photo large and small, directory thumbnail
 * square and not, both, deleted record with a thumbnail left, none), shared
 * surnames and given names for name resolution, an administrator, contacts
 * with and without pictures in several mailboxes (among them a namesake of a
 * directory user and a colleague saved under a directory address), and a
 * generated team of 125 users sharing the name prefix "Ma".
 *
 * Everything is generated in-process (pictures by demo/avatar.h) from fixed
 * seeds: no downloads, no files at run time, the same pictures every time.
 */
#ifndef EMU_DEMO_DEMO_H
#define EMU_DEMO_DEMO_H

#include <stddef.h>

#include "store/store.h"

/** Domain used when demo_build() is given NULL or "". */
#define DEMO_DEFAULT_DOMAIN "contoso.test"
/** Password of every demo user (hashed with core/password.h in the store). */
#define DEMO_PASSWORD "Passw0rd!"

/* Photo states, as named in demo_user_info.photo_state:
 *   "large"                  mailbox photo from a 648x648 upload: all nine sizes
 *   "small"                  mailbox photo from a 240x240 upload: HR48 .. HR240
 *   "thumbnail"              96x96 directory thumbnail only
 *   "thumbnail-nonsquare"    96x72 directory thumbnail only
 *   "both"                   648x648 mailbox photo and a 96x96 thumbnail in a
 *                            different colour (so HR48x48 shows which is served)
 *   "deleted-with-thumbnail" mailbox photo removed (deletion record set), the
 *                            96x96 thumbnail still stored: spec §6.2 step 2
 *   "none"                   no picture at all */

/* One demo user.  All strings are static. */
struct demo_user_info {
	const char *email;         /* primary address at DEMO_DEFAULT_DOMAIN; with
	                            * another domain the part before '@' is kept */
	const char *alias;         /* proxy address alias@domain; also user_record.alias */
	const char *display_name;
	const char *given_name;
	const char *surname;
	const char *title;
	const char *department;
	const char *office;
	const char *phone;
	const char *password;      /* DEMO_PASSWORD */
	const char *photo_state;   /* see above */
	int is_admin;
	int ncontacts;             /* contacts in their Contacts folder */
	int ncontact_photos;       /* how many of those have a picture */
};

/** Users demo_build() creates: the named ones of demo_users() plus a
 * generated team of 125 "Field Services" users whose given names all begin
 * with "Ma" (Mabel Adams ... Maya Evans, address given.surname@domain, every
 * fourth with a 96x96 directory thumbnail), so a common prefix has more than
 * 100 matches. */
#define DEMO_STAFF_COUNT 125
#define DEMO_USER_COUNT (demo_named_count() + DEMO_STAFF_COUNT)
size_t demo_named_count(void);

/** The named demo users in the order demo_build() creates them.
 * @param[out] n number of entries (may be NULL)
 * @return a static table (never freed, never NULL). */
const struct demo_user_info *demo_users(size_t *n);

/** Create the demo organisation in @p s at @p domain (NULL or "" means
 * DEMO_DEFAULT_DOMAIN) in one write transaction: either everything is
 * written or nothing is.  Also records @p domain with store_domain_set().
 * Users: company "Contoso", primary address local@domain, one proxy
 * alias@domain; the administrator is admin@domain (is_admin = 1).
 * Takes about a second (password hashing, picture rendering).
 * @return EMU_OK;
 *	EMU_EEXIST the store already has users (nothing is changed);
 *	EMU_EINVAL @p s NULL or @p domain with characters other than letters,
 *	digits, '-' and '.';
 *	EMU_ELIMIT an address would exceed STORE_ADDR_MAX, or the map is full;
 *	EMU_ENOMEM; EMU_ESTORE; EMU_EINTERNAL (logged). */
int demo_build(store_t *s, const char *domain);

#endif
