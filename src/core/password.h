/* password.h - password hashing for directory users (OpenSSL PBKDF2). */
#ifndef EMU_CORE_PASSWORD_H
#define EMU_CORE_PASSWORD_H

#include <stddef.h>

/** Hash @p password into @p out as "pbkdf2-sha256$<iter>$<salt-hex>$<hash-hex>".
 * @p outsz must be at least 160.  Returns EMU_OK, EMU_ELIMIT or EMU_EINTERNAL. */
int password_hash(const char *password, char *out, size_t outsz);
/** 1 when @p password matches @p stored, else 0 (constant-time compare). */
int password_verify(const char *password, const char *stored);
/** Do the work of password_verify() against a hash made by password_hash()
 * (same iterations, constant-time compare) that no password matches, and
 * return 0.  For logins of unknown users and users without a password, so
 * they cost what a wrong password of an existing user costs. */
int password_verify_none(const char *password);

#endif
