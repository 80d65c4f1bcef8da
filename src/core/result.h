/* result.h - the one internal result code used by every ewsemu module.
 *
 * Layer 1 of the three error layers (see src/README.md): functions return
 * EMU_OK (0) or a negative emu_result.  Library codes (LMDB, TurboJPEG,
 * OpenSSL, jansson) are translated into these at the module boundary and
 * logged there with their original text.  EWS ResponseCodes are decided only
 * in src/ews/ops/, HTTP status / SOAP faults only in src/http/ and src/soap/.
 */
#ifndef EMU_CORE_RESULT_H
#define EMU_CORE_RESULT_H

typedef enum emu_result {
	EMU_OK = 0,
	EMU_ENOTFOUND = -1,   /* no such user, item, photo, key */
	EMU_EINVAL = -2,      /* malformed argument or input */
	EMU_ENOMEM = -3,      /* allocation failed */
	EMU_ESTORE = -4,      /* LMDB failure (details logged) */
	EMU_EIMAGE = -5,      /* not a JPEG, or corrupt JPEG */
	EMU_ELIMIT = -6,      /* input exceeds a declared maximum */
	EMU_EEXIST = -7,      /* already exists */
	EMU_EIO = -8,         /* file or socket I/O failed */
	EMU_EDENIED = -9,     /* authenticated but not allowed */
	EMU_EAUTH = -10,      /* missing or wrong credentials */
	EMU_EFORMAT = -11,    /* well-formed but unsupported (e.g. PNG upload) */
	EMU_EDELETED = -12,   /* photo deletion record hides every photo */
	EMU_EINTERNAL = -13,  /* a bug or an impossible state */
	EMU_EBUSY = -14       /* a shared resource stayed exhausted; try again later */
} emu_result;

/** Return a static, human-readable text for @p r (never NULL). */
const char *emu_strerror(int r);

#endif
