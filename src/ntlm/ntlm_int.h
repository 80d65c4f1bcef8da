/* ntlm_int.h - module-internal to src/ntlm/: the string primitives ntlm.c
 * builds on (ntlm_str.c; the crypto is crypto.h) and a seam for the unit
 * tests.  Nothing outside src/ntlm/ and tests/unit/ntlm/ includes it. */
#ifndef EMU_NTLM_NTLM_INT_H
#define EMU_NTLM_NTLM_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ntlm/ntlm.h"

struct ntlm_ctx;

/** The next CHALLENGE built on @p c uses @p challenge instead of random
 * bytes (once; later ones are random again).  For the unit tests only:
 * published vectors (MS-NLMP 4.2) were computed against a known challenge. */
void ntlm_ctx_fix_challenge(struct ntlm_ctx *c, const uint8_t challenge[8]);

/* ---- strings (ntlm_str.c) ---- */

/** UTF-8 -> UTF-16LE into @p out (@p max bytes).  EMU_OK; EMU_EINVAL
 * invalid UTF-8; EMU_ELIMIT does not fit. */
int ntlm_utf8_to_utf16(const char *s, size_t slen, uint8_t *out, size_t max, size_t *outlen);
/** UTF-16LE -> UTF-8, NUL-terminated.  EMU_OK; EMU_EINVAL odd length, a
 * lone surrogate or a NUL; EMU_ELIMIT more than NTLM_NAME_MAX bytes. */
int ntlm_utf16_to_utf8(const uint8_t *s, size_t len, char out[NTLM_NAME_MAX + 1]);
/** An AUTHENTICATE string as UTF-16LE (@p u16: 2 * NTLM_NAME_MAX bytes)
 * and as UTF-8: UNICODE strings as sent, OEM ones read as Latin-1 (curl
 * converts byte-wise).  As ntlm_utf16_to_utf8(). */
int ntlm_name(const uint8_t *s, size_t len, int unicode, uint8_t *u16, size_t *u16len, char utf8[NTLM_NAME_MAX + 1]);
/** Upper-case UTF-16LE code units in place: Unicode rules (@p unicode,
 * the C.UTF-8 locale's tables) or ASCII only.  Returns whether anything
 * changed. */
int ntlm_upper16(uint8_t *s, size_t len, int unicode);

#endif
