/* spnego.h - module-internal: SPNEGO (RFC 4178) tokens carrying NTLM, and
 * the NTLM message signature SPNEGO's mechListMIC uses (MS-NLMP 3.4.4.2,
 * extended session security, sequence number 0).  DER is parsed by hand,
 * bounds-checked at every length (no libasn1 dependency): only the shapes
 * below are accepted, anything else is EMU_EINVAL.  No Kerberos: a token
 * that offers only Kerberos mechanisms parses with ntlm_offered = 0 and the
 * caller answers with a reject.
 *
 * Used by ntlm.c only (ntlm_step() for the Negotiate scheme). */
#ifndef EMU_NTLM_SPNEGO_H
#define EMU_NTLM_SPNEGO_H

#include <stddef.h>
#include <stdint.h>

/* OID 1.3.6.1.4.1.311.2.2.10 (NTLMSSP), DER contents bytes. */
#define SPNEGO_NTLM_OID "\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"
#define SPNEGO_NTLM_OID_LEN 10

/** Bytes of an NTLM message spnego_build_resp() wraps at most: far above
 * any CHALLENGE (NTLM_TOKEN_MAX), low enough that no size sum overflows. */
#define SPNEGO_BUILD_NTLM_MAX 0x1000000u

/* negState values (RFC 4178 4.2.2). */
enum spnego_state {
	SPNEGO_ACCEPT_COMPLETED = 0,
	SPNEGO_ACCEPT_INCOMPLETE = 1,
	SPNEGO_REJECT = 2,
	SPNEGO_REQUEST_MIC = 3  /* first answer when NTLM was not the client's first mech */
};

enum spnego_kind {
	SPNEGO_RAW_NTLM = 1, /* not SPNEGO: the token is an NTLMSSP message ("NTLMSSP\0") */
	SPNEGO_INIT,         /* [APPLICATION 0] { OID 1.3.6.1.5.5.2, NegTokenInit [0] } */
	SPNEGO_RESP          /* NegTokenResp [1] */
};

struct spnego_in {
	enum spnego_kind kind;
	const uint8_t *ntlm;       /* the NTLMSSP message inside (points into the token); NULL if none */
	size_t ntlm_len;
	/* INIT only */
	int ntlm_offered;          /* the NTLM OID is in mechTypes */
	int ntlm_first;            /* ... and it is the first (the optimistic mechToken is NTLM's) */
	const uint8_t *mech_types; /* the whole DER of mechTypes (SEQUENCE OF OID, tag and length
	                            * included): what mechListMIC signs */
	size_t mech_types_len;
	/* RESP only */
	const uint8_t *mic;        /* mechListMIC contents, NULL if absent */
	size_t mic_len;
};

/** Classify and parse @p tok (the decoded bytes after "Negotiate ").
 * Pointers in @p out point into @p tok.  Lengths may come in the short
 * form or the long forms 0x81..0x84 (non-minimal BER is tolerated, each
 * value checked against the bytes left); the indefinite form is refused.
 * Every container must be filled exactly by the fields RFC 4178 allows in
 * it, in tag order, each at most once.  In a NegTokenInit, mechTypes must
 * hold at least one OID; the mechToken is reported in @p ntlm only when NTLM
 * is the first mech (else it is Kerberos's and ignored); reqFlags and a
 * mechListMIC there are checked for shape and ignored.  A NegTokenResp's
 * negState, when present, must be 0..3.  On error @p out is all zero.
 * @return EMU_OK; EMU_EINVAL malformed DER, a length beyond the token,
 *	nesting deeper than the shapes above, an unexpected tag, trailing
 *	bytes, an empty mechTypes. */
int spnego_parse(const uint8_t *tok, size_t len, struct spnego_in *out);

/** Build a NegTokenResp: negState @p st; supportedMech NTLM when
 * @p with_mech (the first answer); responseToken @p ntlm when non-NULL;
 * mechListMIC @p mic (16 bytes) when non-NULL.
 * Shortest-form DER, byte for byte the spec's 3.3 tables.
 * @return EMU_OK with *out_len set; EMU_ELIMIT when it does not fit
 *	@p out_size (nothing is written past it) or @p ntlm_len is over
 *	SPNEGO_BUILD_NTLM_MAX;
 *	EMU_EINVAL @p st is not a spnego_state. */
int spnego_build_resp(enum spnego_state st, int with_mech, const uint8_t *ntlm, size_t ntlm_len, const uint8_t *mic,
                      uint8_t *out, size_t out_size, size_t *out_len);

/** The NTLM signature (16 bytes: version 1, checksum, seq num 0) of @p data
 * in direction client->server (@p from_client 1) or server->client, keyed
 * from the ExportedSessionKey and the negotiated flags (KEY_EXCH: the
 * checksum is RC4-sealed with the direction's sealing key; 128/56 pick the
 * sealing key length, 40 bits when neither).  Extended session security
 * is assumed (NTLMv2 always negotiates it here); NTLMv1's CRC32 signature
 * is not made.  Crypto through ntlm/crypto.h.  ntlm.c compares the
 * client's mechListMIC with CRYPTO_memcmp and sends its own.
 * @return EMU_OK; EMU_EINTERNAL when a digest/cipher cannot be run (logged). */
int spnego_ntlm_mic(const uint8_t session_key[16], uint32_t flags, int from_client, const uint8_t *data, size_t len,
                    uint8_t mic[16]);

#endif
