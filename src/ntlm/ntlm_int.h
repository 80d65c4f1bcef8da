/* ntlm_int.h - module-internal: a seam for the unit tests of ntlm.c.
 *
 * The server challenge is 8 random bytes (RAND_bytes).  Published test
 * vectors (MS-NLMP 4.2.4) and captured exchanges were computed against a
 * known challenge, so a test can fix the next one.  Nothing outside
 * tests/unit/ntlm/ calls this. */
#ifndef EMU_NTLM_NTLM_INT_H
#define EMU_NTLM_NTLM_INT_H

#include <stdint.h>

struct ntlm_ctx;

/** The next CHALLENGE built on @p c uses @p challenge instead of random
 * bytes (once; later ones are random again). */
void ntlm_ctx_fix_challenge(struct ntlm_ctx *c, const uint8_t challenge[8]);

#endif
