/* spnego.c - SPNEGO (RFC 4178) tokens carrying NTLM, parsed and built by
 * hand, and the NTLM signature a mechListMIC carries (MS-NLMP 3.4.4.2).
 *
 * The parser is driven by the few shapes a Negotiate client sends (spec
 * connect-like-exchange.md 3.1-3.2), not by a general ASN.1 walker: every
 * element is read with der_read(), which checks the tag, the length form and
 * that the contents lie inside their container, and each container must be
 * filled exactly by what the shape allows in it.  Nesting is therefore fixed
 * by the code (no recursion), and anything else is EMU_EINVAL. */
#include "ntlm/spnego.h"

#include <string.h>

#include <openssl/crypto.h>

#include "core/result.h"
#include "ntlm/crypto.h"

/* NTLM negotiate flags used here (MS-NLMP 2.2.2.5). */
#define FLAG_128 0x20000000u
#define FLAG_KEY_EXCH 0x40000000u
#define FLAG_56 0x80000000u

/* OID 1.3.6.1.5.5.2 (SPNEGO), DER contents bytes. */
static const uint8_t spnego_oid[] = { 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02 };
static const uint8_t ntlmssp_sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* DER tags (X.690): context-specific constructed [n] is 0xA0 + n. */
#define TAG_ENUMERATED 0x0a
#define TAG_OCTET_STRING 0x04
#define TAG_OID 0x06
#define TAG_BIT_STRING 0x03
#define TAG_SEQUENCE 0x30
#define TAG_APPLICATION0 0x60
#define TAG_CTX(n) (0xa0 + (n))

/* Bytes of a length field's long form we accept: 0x81..0x84.  Tokens are
 * capped far below 2^32 (NTLM_TOKEN_MAX); 0x84 is what some Microsoft BER
 * encoders emit, and every value is checked against the bytes left. */
#define DER_LEN_BYTES_MAX 4

/* A view of bytes still to read: [p, end). */
struct der {
	const uint8_t *p;
	const uint8_t *end;
};

/** Read one element with tag @p tag at d->p: its contents go to @p val,
 * the whole element (tag and length included) to @p whole when non-NULL,
 * and d->p moves past it.  @return EMU_OK; EMU_EINVAL another tag, an
 * indefinite or over-long length form, contents beyond d->end. */
static int der_read(struct der *d, uint8_t tag, struct der *val, struct der *whole)
{
	const uint8_t *start = d->p, *p = d->p;
	size_t left, len;
	if (p >= d->end || *p != tag)
		return EMU_EINVAL;
	p++;
	if (p >= d->end)
		return EMU_EINVAL;
	len = *p++;
	if (len & 0x80) {
		size_t nbytes = len & 0x7f;
		/* 0x80 is BER's indefinite form, never valid DER. */
		if (nbytes == 0 || nbytes > DER_LEN_BYTES_MAX || nbytes > (size_t)(d->end - p))
			return EMU_EINVAL;
		len = 0;
		for (size_t i = 0; i < nbytes; i++)
			len = (len << 8) | *p++;
	}
	left = (size_t)(d->end - p);
	if (len > left)
		return EMU_EINVAL;
	val->p = p;
	val->end = p + len;
	if (whole) {
		whole->p = start;
		whole->end = p + len;
	}
	d->p = p + len;
	return EMU_OK;
}

/** Read [n] { <inner tag> ... } filling the [n] exactly. */
static int der_read_wrapped(struct der *d, int n, uint8_t inner, struct der *val, struct der *whole)
{
	struct der w;
	int rc = der_read(d, (uint8_t)TAG_CTX(n), &w, NULL);
	if (rc)
		return rc;
	rc = der_read(&w, inner, val, whole);
	if (rc)
		return rc;
	return w.p == w.end ? EMU_OK : EMU_EINVAL;
}

/** The next element of a SEQUENCE is [n] (it is present). */
static int der_next_is(const struct der *d, int n)
{
	return d->p < d->end && *d->p == TAG_CTX(n);
}

static size_t der_size(const struct der *d)
{
	return (size_t)(d->end - d->p);
}

static int der_is_oid(const struct der *v, const void *oid, size_t oid_len)
{
	return der_size(v) == oid_len && memcmp(v->p, oid, oid_len) == 0;
}

/* mechTypes: SEQUENCE OF OID, at least one. */
static int spnego_mech_types(struct der *seq, struct spnego_in *out)
{
	struct der list, whole, oid;
	int rc = der_read_wrapped(seq, 0, TAG_SEQUENCE, &list, &whole);
	if (rc)
		return rc;
	if (list.p == list.end)
		return EMU_EINVAL; /* an empty offer is no offer (RFC 4178 4.2.1) */
	out->mech_types = whole.p;
	out->mech_types_len = der_size(&whole);
	for (int first = 1; list.p < list.end; first = 0) {
		rc = der_read(&list, TAG_OID, &oid, NULL);
		if (rc)
			return rc;
		if (oid.p == oid.end)
			return EMU_EINVAL;
		if (der_is_oid(&oid, SPNEGO_NTLM_OID, SPNEGO_NTLM_OID_LEN)) {
			out->ntlm_offered = 1;
			if (first)
				out->ntlm_first = 1;
		}
	}
	return EMU_OK;
}

/* NegTokenInit ::= SEQUENCE { mechTypes [0], reqFlags [1] OPTIONAL,
 * mechToken [2] OPTIONAL, mechListMIC [3] OPTIONAL } (RFC 4178 4.2.1);
 * @p d holds the contents of the [0] around it. */
static int spnego_init(struct der *d, struct spnego_in *out)
{
	struct der seq, v;
	int rc = der_read(d, TAG_SEQUENCE, &seq, NULL);
	if (rc)
		return rc;
	if (d->p != d->end)
		return EMU_EINVAL;
	rc = spnego_mech_types(&seq, out);
	if (rc)
		return rc;
	if (der_next_is(&seq, 1) && (rc = der_read_wrapped(&seq, 1, TAG_BIT_STRING, &v, NULL)))
		return rc;
	if (der_next_is(&seq, 2)) {
		rc = der_read_wrapped(&seq, 2, TAG_OCTET_STRING, &v, NULL);
		if (rc)
			return rc;
		/* The optimistic token belongs to the first mech only (RFC 4178 5). */
		if (out->ntlm_first) {
			out->ntlm = v.p;
			out->ntlm_len = der_size(&v);
		}
	}
	/* A client's mechListMIC here is unusual and signs nothing we verify. */
	if (der_next_is(&seq, 3) && (rc = der_read_wrapped(&seq, 3, TAG_OCTET_STRING, &v, NULL)))
		return rc;
	return seq.p == seq.end ? EMU_OK : EMU_EINVAL;
}

/* NegTokenResp ::= SEQUENCE { negState [0] OPTIONAL, supportedMech [1]
 * OPTIONAL, responseToken [2] OPTIONAL, mechListMIC [3] OPTIONAL }
 * (RFC 4178 4.2.2); @p d holds the contents of the [1] around it. */
static int spnego_resp(struct der *d, struct spnego_in *out)
{
	struct der seq, v;
	int rc = der_read(d, TAG_SEQUENCE, &seq, NULL);
	if (rc)
		return rc;
	if (d->p != d->end)
		return EMU_EINVAL;
	if (der_next_is(&seq, 0)) {
		rc = der_read_wrapped(&seq, 0, TAG_ENUMERATED, &v, NULL);
		if (rc)
			return rc;
		if (der_size(&v) != 1 || v.p[0] > SPNEGO_REQUEST_MIC)
			return EMU_EINVAL;
	}
	if (der_next_is(&seq, 1)) {
		rc = der_read_wrapped(&seq, 1, TAG_OID, &v, NULL);
		if (rc)
			return rc;
		if (v.p == v.end)
			return EMU_EINVAL;
	}
	if (der_next_is(&seq, 2)) {
		rc = der_read_wrapped(&seq, 2, TAG_OCTET_STRING, &v, NULL);
		if (rc)
			return rc;
		out->ntlm = v.p;
		out->ntlm_len = der_size(&v);
	}
	if (der_next_is(&seq, 3)) {
		rc = der_read_wrapped(&seq, 3, TAG_OCTET_STRING, &v, NULL);
		if (rc)
			return rc;
		out->mic = v.p;
		out->mic_len = der_size(&v);
	}
	return seq.p == seq.end ? EMU_OK : EMU_EINVAL;
}

int spnego_parse(const uint8_t *tok, size_t len, struct spnego_in *out)
{
	struct der d = { tok, tok + len }, v, oid;
	int rc;
	memset(out, 0, sizeof *out);
	if (!tok || len == 0)
		return EMU_EINVAL;
	if (len >= sizeof ntlmssp_sig && memcmp(tok, ntlmssp_sig, sizeof ntlmssp_sig) == 0) {
		out->kind = SPNEGO_RAW_NTLM;
		out->ntlm = tok;
		out->ntlm_len = len;
		return EMU_OK;
	}
	switch (tok[0]) {
	case TAG_APPLICATION0: /* InitialContextToken: OID SPNEGO, then [0] NegTokenInit */
		rc = der_read(&d, TAG_APPLICATION0, &v, NULL);
		if (rc)
			goto fail;
		if (d.p != d.end) {
			rc = EMU_EINVAL;
			goto fail;
		}
		rc = der_read(&v, TAG_OID, &oid, NULL);
		if (rc)
			goto fail;
		if (!der_is_oid(&oid, spnego_oid, sizeof spnego_oid)) {
			rc = EMU_EINVAL;
			goto fail;
		}
		d = v; /* the rest is exactly a bare NegTokenInit */
		/* fall through */
	case TAG_CTX(0):
		out->kind = SPNEGO_INIT;
		rc = der_read(&d, TAG_CTX(0), &v, NULL);
		if (rc == EMU_OK && d.p != d.end)
			rc = EMU_EINVAL;
		if (rc == EMU_OK)
			rc = spnego_init(&v, out);
		break;
	case TAG_CTX(1):
		out->kind = SPNEGO_RESP;
		rc = der_read(&d, TAG_CTX(1), &v, NULL);
		if (rc == EMU_OK && d.p != d.end)
			rc = EMU_EINVAL;
		if (rc == EMU_OK)
			rc = spnego_resp(&v, out);
		break;
	default:
		rc = EMU_EINVAL;
		break;
	}
fail:
	if (rc)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- building ---- */

/* Bytes of a DER length field for @p n (shortest form). */
static size_t der_len_size(size_t n)
{
	size_t s = 1;
	if (n < 0x80)
		return 1;
	for (; n; n >>= 8)
		s++;
	return s;
}

/* Bytes of a whole element with @p n bytes of contents. */
static size_t der_elem_size(size_t n)
{
	return 1 + der_len_size(n) + n;
}

/* Write tag and length at @p p; @return the byte after them. */
static uint8_t *der_put_head(uint8_t *p, uint8_t tag, size_t n)
{
	size_t ls = der_len_size(n);
	*p++ = tag;
	if (ls == 1) {
		*p++ = (uint8_t)n;
		return p;
	}
	*p++ = (uint8_t)(0x80 | (ls - 1));
	for (size_t i = ls - 1; i > 0; i--)
		*p++ = (uint8_t)(n >> (8 * (i - 1)));
	return p;
}

/* [n] { OCTET STRING @p data } */
static uint8_t *der_put_wrapped_octets(uint8_t *p, int n, const uint8_t *data, size_t len)
{
	p = der_put_head(p, (uint8_t)TAG_CTX(n), der_elem_size(len));
	p = der_put_head(p, TAG_OCTET_STRING, len);
	if (len)
		memcpy(p, data, len);
	return p + len;
}

#define SPNEGO_MIC_LEN 16

int spnego_build_resp(enum spnego_state st, int with_mech, const uint8_t *ntlm, size_t ntlm_len, const uint8_t *mic,
                      uint8_t *out, size_t out_size, size_t *out_len)
{
	size_t state_sz = der_elem_size(der_elem_size(1));
	size_t mech_sz = with_mech ? der_elem_size(der_elem_size(SPNEGO_NTLM_OID_LEN)) : 0;
	size_t tok_sz = 0, mic_sz = mic ? der_elem_size(der_elem_size(SPNEGO_MIC_LEN)) : 0;
	size_t seq_len, total;
	uint8_t *p = out;
	if ((unsigned)st > SPNEGO_REQUEST_MIC)
		return EMU_EINVAL;
	if (ntlm) {
		if (ntlm_len > SPNEGO_BUILD_NTLM_MAX)
			return EMU_ELIMIT;
		tok_sz = der_elem_size(der_elem_size(ntlm_len));
	}
	seq_len = state_sz + mech_sz + tok_sz + mic_sz;
	total = der_elem_size(der_elem_size(seq_len));
	if (total > out_size)
		return EMU_ELIMIT;
	p = der_put_head(p, TAG_CTX(1), der_elem_size(seq_len));
	p = der_put_head(p, TAG_SEQUENCE, seq_len);
	p = der_put_head(p, TAG_CTX(0), der_elem_size(1));
	p = der_put_head(p, TAG_ENUMERATED, 1);
	*p++ = (uint8_t)st;
	if (with_mech) {
		p = der_put_head(p, TAG_CTX(1), der_elem_size(SPNEGO_NTLM_OID_LEN));
		p = der_put_head(p, TAG_OID, SPNEGO_NTLM_OID_LEN);
		memcpy(p, SPNEGO_NTLM_OID, SPNEGO_NTLM_OID_LEN);
		p += SPNEGO_NTLM_OID_LEN;
	}
	if (ntlm)
		p = der_put_wrapped_octets(p, 2, ntlm, ntlm_len);
	if (mic)
		p = der_put_wrapped_octets(p, 3, mic, SPNEGO_MIC_LEN);
	*out_len = (size_t)(p - out);
	return *out_len == total ? EMU_OK : EMU_EINTERNAL;
}

/* ---- the NTLM signature (MS-NLMP 3.4.4.2, extended session security) ---- */

/* The magic constants are hashed with their terminating NUL (MS-NLMP 3.4.5.2/3). */
static const char sign_c2s[] = "session key to client-to-server signing key magic constant";
static const char sign_s2c[] = "session key to server-to-client signing key magic constant";
static const char seal_c2s[] = "session key to client-to-server sealing key magic constant";
static const char seal_s2c[] = "session key to server-to-client sealing key magic constant";

int spnego_ntlm_mic(const uint8_t session_key[16], uint32_t flags, int from_client, const uint8_t *data, size_t len,
                    uint8_t mic[16])
{
	static const uint8_t seq0[4] = { 0, 0, 0, 0 };
	uint8_t sign_key[NTLM_CRYPTO_DIGEST_LEN], seal_key[NTLM_CRYPTO_DIGEST_LEN], sum[NTLM_CRYPTO_DIGEST_LEN];
	const char *sign_magic = from_client ? sign_c2s : sign_s2c;
	const char *seal_magic = from_client ? seal_c2s : seal_s2c;
	/* SEALKEY: the first 16, 7 or 5 bytes of the key, by the negotiated strength. */
	size_t seal_len = (flags & FLAG_128) ? 16 : (flags & FLAG_56) ? 7 : 5;
	struct ntlm_crypto_part sign_in[2] = { { session_key, 16 }, { sign_magic, sizeof sign_c2s } };
	struct ntlm_crypto_part seal_in[2] = { { session_key, seal_len }, { seal_magic, sizeof seal_c2s } };
	struct ntlm_crypto_part mac_in[2] = { { seq0, sizeof seq0 }, { data, len } };
	int rc = ntlm_crypto_md5(sign_in, 2, sign_key);
	if (rc == EMU_OK)
		rc = ntlm_crypto_hmac_md5(sign_key, sizeof sign_key, mac_in, 2, sum);
	if (rc == EMU_OK && (flags & FLAG_KEY_EXCH)) {
		rc = ntlm_crypto_md5(seal_in, 2, seal_key);
		if (rc == EMU_OK)
			rc = ntlm_crypto_rc4(seal_key, sizeof seal_key, sum, 8, sum);
	}
	if (rc == EMU_OK) {
		/* Version 1, checksum, SeqNum 0 (MS-NLMP 2.2.2.9.1). */
		memset(mic, 0, 16);
		mic[0] = 1;
		memcpy(mic + 4, sum, 8);
	}
	OPENSSL_cleanse(sign_key, sizeof sign_key);
	OPENSSL_cleanse(seal_key, sizeof seal_key);
	OPENSSL_cleanse(sum, sizeof sum);
	return rc;
}
