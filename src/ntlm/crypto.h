/* crypto.h - module-internal: the one crypto module of src/ntlm/: the
 * digests and ciphers NTLM needs (MD4, MD5, HMAC-MD5, RC4, DES), from
 * OpenSSL 3.
 *
 * MD4, RC4 and DES live only in OpenSSL's legacy provider.  Loading legacy into
 * the global library context would switch off the implicit default provider
 * for the whole process (even MD5 could no longer be fetched elsewhere), so
 * this file keeps a private OSSL_LIB_CTX holding both legacy and default,
 * created once (thread-safe) on first use and kept for the process's life.
 * The algorithms are fetched once into it; every call below is one-shot and
 * may run on many threads at once.
 *
 * Used by ntlm.c (NTOWFv2, NTProofStr, session keys, MIC, NTLMv1),
 * ntlm_str.c (the NT hash) and spnego.c (the mechListMIC signature). */
#ifndef EMU_NTLM_CRYPTO_H
#define EMU_NTLM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/** Length of an MD4, MD5 or HMAC-MD5 result. */
#define NTLM_CRYPTO_DIGEST_LEN 16

/** One piece of a message hashed as the concatenation of several. */
struct ntlm_crypto_part {
	const void *p; /* may be NULL when len is 0 */
	size_t len;
};

/** Whether the providers are loaded and every algorithm above was fetched
 * (once, on first use; a failure is logged once).
 * @return 1 ready; 0 NTLM cannot run. */
int ntlm_crypto_ready(void);

/** MD4 of @p len bytes at @p data (NTOWFv1 = MD4(UTF-16LE(password))).
 * @return EMU_OK; EMU_EINTERNAL when the providers cannot be loaded or the
 *	digest fails (logged with OpenSSL's text). */
int ntlm_crypto_md4(const void *data, size_t len, uint8_t out[NTLM_CRYPTO_DIGEST_LEN]);

/** MD5 of the concatenation of @p n parts.
 * @return EMU_OK; EMU_EINTERNAL (logged). */
int ntlm_crypto_md5(const struct ntlm_crypto_part *parts, size_t n, uint8_t out[NTLM_CRYPTO_DIGEST_LEN]);

/** HMAC-MD5 keyed with @p key_len bytes at @p key over the concatenation
 * of @p n parts.
 * @return EMU_OK; EMU_EINTERNAL (logged). */
int ntlm_crypto_hmac_md5(const uint8_t *key, size_t key_len, const struct ntlm_crypto_part *parts, size_t n,
                         uint8_t out[NTLM_CRYPTO_DIGEST_LEN]);

/** RC4 with a fresh key schedule: @p out = @p in XOR the first @p len bytes
 * of the key stream of @p key (@p key_len 1..256).  @p in and @p out may be
 * the same buffer.
 * @return EMU_OK; EMU_EINVAL bad key length; EMU_EINTERNAL (logged). */
int ntlm_crypto_rc4(const uint8_t *key, size_t key_len, const uint8_t *in, size_t len, uint8_t *out);

/** DES-ECB without padding: @p len (a multiple of 8) bytes at @p in
 * encrypted with the 8-byte key @p key (parity bits as given) into @p out.
 * @return EMU_OK; EMU_EINVAL @p len not a multiple of 8; EMU_EINTERNAL
 *	(logged). */
int ntlm_crypto_des_ecb(const uint8_t key[8], const uint8_t *in, size_t len, uint8_t *out);

/** DESL (MS-NLMP 6), the NTLMv1 response function: the 16-byte @p key
 * padded with zeros to 21 bytes, split into three 7-byte DES keys (parity
 * bits added), each encrypting the same 8 bytes of @p data.
 * @return as ntlm_crypto_des_ecb(). */
int ntlm_crypto_desl(const uint8_t key[16], const uint8_t data[8], uint8_t out[24]);

#endif
