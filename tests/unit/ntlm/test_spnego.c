/* test_spnego.c - SPNEGO tokens carrying NTLM and the mechListMIC signature
 * (ntlm/spnego.h), and the crypto helpers under them (ntlm/crypto.h).
 *
 * The real tokens in spnego_vectors.h come from MIT Kerberos's SPNEGO with
 * gss-ntlmssp (client and server), the reference signatures from
 * python3-ntlm-auth: see make_spnego_vectors.py.  The MS-NLMP 4.2.4.4
 * values are the specification's NTLMv2 example. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "core/result.h"
#include "ntlm/crypto.h"
#include "ntlm/spnego.h"

#include "spnego_vectors.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NTLM_FLAGS_ESS 0x00080000u
#define NTLM_FLAGS_128 0x20000000u
#define NTLM_FLAGS_KEY_EXCH 0x40000000u

static const uint8_t ntlmssp[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };

/* Parse a private copy of exactly @p len bytes, so ASan sees any read past
 * the end; the copy is kept in *copy for the caller to free. */
static int parse_copy(const uint8_t *tok, size_t len, struct spnego_in *in, uint8_t **copy)
{
	*copy = malloc(len ? len : 1);
	assert_non_null(*copy);
	if (len)
		memcpy(*copy, tok, len);
	return spnego_parse(*copy, len, in);
}

static int parse_rc(const uint8_t *tok, size_t len)
{
	struct spnego_in in;
	uint8_t *copy;
	int rc = parse_copy(tok, len, &in, &copy);
	if (rc)
		assert_null(in.ntlm); /* nothing half-parsed is left behind */
	free(copy);
	return rc;
}

static void assert_ntlm_type(const struct spnego_in *in, uint8_t type)
{
	assert_non_null(in->ntlm);
	assert_true(in->ntlm_len >= 12);
	assert_memory_equal(in->ntlm, ntlmssp, sizeof ntlmssp);
	assert_int_equal(in->ntlm[8], type);
}

/* ---- real handshakes ---- */

static void test_real_init(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		struct spnego_in in;
		uint8_t *t;
		assert_int_equal(parse_copy(h->init, h->init_len, &in, &t), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_INIT);
		assert_true(in.ntlm_offered);
		assert_true(in.ntlm_first);
		assert_ntlm_type(&in, 1);
		assert_ptr_equal(in.ntlm + in.ntlm_len, t + h->init_len); /* mechToken is the last field */
		/* the exact DER of mechTypes, tag and length included */
		assert_int_equal(in.mech_types_len, sizeof sig_data);
		assert_memory_equal(in.mech_types, sig_data, sizeof sig_data);
		assert_null(in.mic);
		free(t);
	}
}

static void test_real_resp(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		struct spnego_in in;
		uint8_t *t;
		/* the server's leg 2 (negState, supportedMech, responseToken) */
		assert_int_equal(parse_copy(h->challenge, h->challenge_len, &in, &t), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_RESP);
		assert_ntlm_type(&in, 2);
		assert_ptr_equal(in.ntlm + in.ntlm_len, t + h->challenge_len);
		assert_null(in.mic);
		assert_null(in.mech_types);
		free(t);
		/* the client's leg 3: AUTHENTICATE + mechListMIC */
		assert_int_equal(parse_copy(h->auth, h->auth_len, &in, &t), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_RESP);
		assert_ntlm_type(&in, 3);
		assert_non_null(in.mic);
		assert_int_equal(in.mic_len, 16);
		assert_ptr_equal(in.mic + 16, t + h->auth_len);
		assert_int_equal(in.ntlm_offered, 0);
		free(t);
		/* the server's final accept-completed + mechListMIC */
		assert_int_equal(parse_copy(h->final, h->final_len, &in, &t), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_RESP);
		assert_null(in.ntlm);
		assert_int_equal(in.mic_len, 16);
		free(t);
	}
}

/* Our NegTokenResp tokens are byte for byte what MIT's SPNEGO server sends. */
static void test_build_matches_real(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		struct spnego_in in;
		uint8_t out[512];
		size_t n = 0;
		assert_int_equal(spnego_parse(h->challenge, h->challenge_len, &in), EMU_OK);
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, in.ntlm, in.ntlm_len, NULL, out, sizeof out,
		                                   &n), EMU_OK);
		assert_int_equal(n, h->challenge_len);
		assert_memory_equal(out, h->challenge, n);
		assert_int_equal(spnego_parse(h->final, h->final_len, &in), EMU_OK);
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, in.mic, out, sizeof out, &n), EMU_OK);
		assert_int_equal(n, h->final_len);
		assert_memory_equal(out, h->final, n);
	}
}

/* The mechListMICs both sides of a real handshake sent, from the
 * ExportedSessionKey and the negotiated flags (KEY_EXCH, 128, 56). */
static void test_real_mech_list_mic(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		struct spnego_in init, auth, fin;
		uint8_t mic[16];
		assert_int_equal(spnego_parse(h->init, h->init_len, &init), EMU_OK);
		assert_int_equal(spnego_parse(h->auth, h->auth_len, &auth), EMU_OK);
		assert_int_equal(spnego_parse(h->final, h->final_len, &fin), EMU_OK);
		assert_true(h->flags & NTLM_FLAGS_KEY_EXCH);
		assert_int_equal(spnego_ntlm_mic(h->key, h->flags, 1, init.mech_types, init.mech_types_len, mic), EMU_OK);
		assert_memory_equal(mic, auth.mic, 16);
		assert_int_equal(spnego_ntlm_mic(h->key, h->flags, 0, init.mech_types, init.mech_types_len, mic), EMU_OK);
		assert_memory_equal(mic, fin.mic, 16);
		/* a wrong key or the wrong direction does not verify */
		assert_memory_not_equal(mic, auth.mic, 16);
	}
}

/* ---- the other shapes ---- */

static void test_raw_ntlm(void **state)
{
	(void)state;
	struct spnego_in in, init;
	uint8_t *t;
	assert_int_equal(spnego_parse(handshakes[0].init, handshakes[0].init_len, &init), EMU_OK);
	assert_int_equal(parse_copy(init.ntlm, init.ntlm_len, &in, &t), EMU_OK);
	assert_int_equal(in.kind, SPNEGO_RAW_NTLM);
	assert_ptr_equal(in.ntlm, t);
	assert_int_equal(in.ntlm_len, init.ntlm_len);
	assert_null(in.mech_types);
	free(t);
	/* "NTLMSSP" without its NUL is not NTLM, and not DER either */
	assert_int_equal(parse_rc(ntlmssp, 7), EMU_EINVAL);
	assert_int_equal(parse_rc(ntlmssp, 0), EMU_EINVAL);
}

/* [0] NegTokenInit without the 0x60 GSS wrapper (spec 3.1). */
static void test_bare_init(void **state)
{
	(void)state;
	const struct handshake *h = &handshakes[0];
	struct spnego_in wrapped, bare;
	uint8_t *t;
	/* 60 L 06 06 <SPNEGO OID> then the bare token; L is one byte here */
	size_t skip = 2 + 2 + 6;
	assert_int_equal(h->init[0], 0x60);
	assert_true(h->init[1] < 0x80);
	assert_int_equal(h->init[skip], 0xa0);
	assert_int_equal(spnego_parse(h->init, h->init_len, &wrapped), EMU_OK);
	assert_int_equal(parse_copy(h->init + skip, h->init_len - skip, &bare, &t), EMU_OK);
	assert_int_equal(bare.kind, SPNEGO_INIT);
	assert_true(bare.ntlm_first);
	assert_int_equal(bare.ntlm_len, wrapped.ntlm_len);
	assert_memory_equal(bare.ntlm, wrapped.ntlm, bare.ntlm_len);
	assert_int_equal(bare.mech_types_len, wrapped.mech_types_len);
	assert_memory_equal(bare.mech_types, wrapped.mech_types, bare.mech_types_len);
	free(t);
}

#define OID_MSKRB5 0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02
#define OID_KRB5 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
#define OID_NTLM 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a
#define KRB_TOKEN 0xa2, 0x07, 0x04, 0x05, 0x60, 0x03, 0x06, 0x01, 0x00

/* Kerberos only: parses, nothing for NTLM. */
static void test_kerberos_only(void **state)
{
	(void)state;
	static const uint8_t tok[] = { 0xa0, 0x25, 0x30, 0x23, 0xa0, 0x18, 0x30, 0x16, OID_MSKRB5, OID_KRB5, KRB_TOKEN };
	static const uint8_t wrapped[] = { 0x60, 0x2f, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	                                   0xa0, 0x25, 0x30, 0x23, 0xa0, 0x18, 0x30, 0x16, OID_MSKRB5, OID_KRB5, KRB_TOKEN };
	const uint8_t *toks[] = { tok, wrapped };
	size_t lens[] = { sizeof tok, sizeof wrapped };
	for (size_t i = 0; i < 2; i++) {
		struct spnego_in in;
		uint8_t *t;
		assert_int_equal(parse_copy(toks[i], lens[i], &in, &t), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_INIT);
		assert_int_equal(in.ntlm_offered, 0);
		assert_int_equal(in.ntlm_first, 0);
		assert_null(in.ntlm);
		assert_int_equal(in.mech_types_len, 24);
		assert_ptr_equal(in.mech_types, t + lens[i] - 9 - 24);
		free(t);
	}
}

/* NTLM offered second: the optimistic token is Kerberos's and is not ours. */
static void test_ntlm_not_first(void **state)
{
	(void)state;
	static const uint8_t tok[] = { 0xa0, 0x26, 0x30, 0x24, 0xa0, 0x19, 0x30, 0x17, OID_MSKRB5, OID_NTLM, KRB_TOKEN };
	struct spnego_in in;
	uint8_t *t;
	assert_int_equal(parse_copy(tok, sizeof tok, &in, &t), EMU_OK);
	assert_int_equal(in.kind, SPNEGO_INIT);
	assert_int_equal(in.ntlm_offered, 1);
	assert_int_equal(in.ntlm_first, 0);
	assert_null(in.ntlm);
	assert_int_equal(in.mech_types_len, 25);
	free(t);
}

/* NTLM first with reqFlags and no optimistic token. */
static void test_no_mech_token(void **state)
{
	(void)state;
	static const uint8_t tok[] = { 0xa0, 0x18, 0x30, 0x16, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM,
	                               0xa1, 0x04, 0x03, 0x02, 0x07, 0x80 };
	static const uint8_t resp[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x01 };
	struct spnego_in in;
	uint8_t *t;
	assert_int_equal(parse_copy(tok, sizeof tok, &in, &t), EMU_OK);
	assert_int_equal(in.kind, SPNEGO_INIT);
	assert_true(in.ntlm_offered);
	assert_true(in.ntlm_first);
	assert_null(in.ntlm);
	assert_int_equal(in.ntlm_len, 0);
	free(t);
	assert_int_equal(parse_copy(resp, sizeof resp, &in, &t), EMU_OK);
	assert_int_equal(in.kind, SPNEGO_RESP);
	assert_null(in.ntlm);
	assert_null(in.mic);
	free(t);
}

/* ---- length forms ---- */

static void test_length_forms(void **state)
{
	(void)state;
	/* the same NegTokenResp with its outer length in each form */
	static const uint8_t f1[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t f81[] = { 0xa1, 0x81, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t f82[] = { 0xa1, 0x82, 0x00, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t f84[] = { 0xa1, 0x84, 0x00, 0x00, 0x00, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	/* hostile: 4 GiB, 5 length bytes, indefinite, one byte too long */
	static const uint8_t h84[] = { 0xa1, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t h85[] = { 0xa1, 0x85, 0x00, 0x00, 0x00, 0x00, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t h80[] = { 0xa1, 0x80, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t hlong[] = { 0xa1, 0x08, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t hinner[] = { 0xa1, 0x07, 0x30, 0x06, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t hlen_cut[] = { 0xa1, 0x82, 0x00 };
	assert_int_equal(parse_rc(f1, sizeof f1), EMU_OK);
	assert_int_equal(parse_rc(f81, sizeof f81), EMU_OK);
	assert_int_equal(parse_rc(f82, sizeof f82), EMU_OK);
	assert_int_equal(parse_rc(f84, sizeof f84), EMU_OK);
	assert_int_equal(parse_rc(h84, sizeof h84), EMU_EINVAL);
	assert_int_equal(parse_rc(h85, sizeof h85), EMU_EINVAL);
	assert_int_equal(parse_rc(h80, sizeof h80), EMU_EINVAL);
	assert_int_equal(parse_rc(hlong, sizeof hlong), EMU_EINVAL);
	assert_int_equal(parse_rc(hinner, sizeof hinner), EMU_EINVAL);
	assert_int_equal(parse_rc(hlen_cut, sizeof hlen_cut), EMU_EINVAL);
}

/* ---- hostile DER ---- */

/* Every real token cut short at every byte is refused. */
static void test_truncated_everywhere(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		const uint8_t *toks[] = { h->init, h->challenge, h->auth, h->final };
		size_t lens[] = { h->init_len, h->challenge_len, h->auth_len, h->final_len };
		for (size_t k = 0; k < 4; k++)
			for (size_t n = 0; n < lens[k]; n++)
				if (parse_rc(toks[k], n) != EMU_EINVAL)
					fail_msg("token %zu/%zu cut to %zu of %zu bytes was accepted", i, k, n, lens[k]);
	}
}

/* Every byte of every real token replaced by values that break lengths and
 * tags: whatever the parser accepts must point inside the token. */
static void test_mutated_everywhere(void **state)
{
	(void)state;
	static const uint8_t vals[] = { 0x00, 0x01, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0xff };
	for (size_t i = 0; i < N(handshakes); i++) {
		const struct handshake *h = &handshakes[i];
		const uint8_t *toks[] = { h->init, h->challenge, h->auth, h->final };
		size_t lens[] = { h->init_len, h->challenge_len, h->auth_len, h->final_len };
		for (size_t k = 0; k < 4; k++) {
			uint8_t *t = malloc(lens[k]);
			assert_non_null(t);
			for (size_t pos = 0; pos < lens[k]; pos++) {
				for (size_t v = 0; v < N(vals) + 2; v++) {
					struct spnego_in in;
					memcpy(t, toks[k], lens[k]);
					t[pos] = v < N(vals) ? vals[v] : (uint8_t)(toks[k][pos] + (v == N(vals) ? 1 : 0xff));
					if (spnego_parse(t, lens[k], &in) != EMU_OK)
						continue;
					if (in.ntlm)
						assert_true(in.ntlm >= t && in.ntlm + in.ntlm_len <= t + lens[k]);
					if (in.mic)
						assert_true(in.mic >= t && in.mic + in.mic_len <= t + lens[k]);
					if (in.mech_types)
						assert_true(in.mech_types >= t && in.mech_types + in.mech_types_len <= t + lens[k]);
				}
			}
			free(t);
		}
	}
}

static void test_hostile_shapes(void **state)
{
	(void)state;
	static const uint8_t nested_app[] = { 0x60, 0x0a, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02, 0x60, 0x00 };
	static const uint8_t nested_ctx[] = { 0xa0, 0x0a, 0xa0, 0x08, 0xa0, 0x06, 0xa0, 0x04, 0xa0, 0x02, 0xa0, 0x00 };
	static const uint8_t nested_resp[] = { 0xa1, 0x04, 0xa1, 0x02, 0x30, 0x00 };
	static const uint8_t wrong_oid[] = { 0x60, 0x0f, OID_KRB5, 0xa0, 0x02, 0x30, 0x00 };
	static const uint8_t empty_mechs[] = { 0xa0, 0x06, 0x30, 0x04, 0xa0, 0x02, 0x30, 0x00 };
	static const uint8_t empty_oid[] = { 0xa0, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x30, 0x02, 0x06, 0x00 };
	static const uint8_t int_mech[] = { 0xa0, 0x09, 0x30, 0x07, 0xa0, 0x05, 0x30, 0x03, 0x02, 0x01, 0x00 };
	static const uint8_t no_mechs[] = { 0xa0, 0x0d, 0x30, 0x0b, KRB_TOKEN, 0xa1, 0x00 };
	static const uint8_t int_state[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x02, 0x01, 0x00 };
	static const uint8_t state4[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x04 };
	static const uint8_t state_long[] = { 0xa1, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x0a, 0x02, 0x00, 0x01 };
	static const uint8_t out_of_order[] = { 0xa1, 0x0c, 0x30, 0x0a, 0xa2, 0x03, 0x04, 0x01, 0xaa,
	                                        0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t twice[] = { 0xa1, 0x0c, 0x30, 0x0a, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t trailing[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0x00 };
	static const uint8_t inner_trailing[] = { 0xa1, 0x08, 0x30, 0x06, 0xa0, 0x04, 0x0a, 0x01, 0x00, 0x00 };
	static const uint8_t unknown_field[] = { 0xa1, 0x07, 0x30, 0x05, 0xa4, 0x03, 0x04, 0x01, 0x00 };
	static const uint8_t token_not_octets[] = { 0xa1, 0x07, 0x30, 0x05, 0xa2, 0x03, 0x30, 0x01, 0x00 };
	static const uint8_t mic_not_octets[] = { 0xa1, 0x07, 0x30, 0x05, 0xa3, 0x03, 0x06, 0x01, 0x00 };
	static const uint8_t mech_not_oid[] = { 0xa1, 0x07, 0x30, 0x05, 0xa1, 0x03, 0x04, 0x01, 0x00 };
	static const uint8_t not_seq[] = { 0xa1, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const uint8_t high_tag[] = { 0xbf, 0x81, 0x00, 0x00 };
	static const uint8_t init_field4[] = { 0xa0, 0x15, 0x30, 0x13, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM, 0xa4, 0x01, 0x00 };
	static const uint8_t init_order[] = { 0xa0, 0x1d, 0x30, 0x1b, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM, KRB_TOKEN,
	                                      0xa1, 0x04, 0x03, 0x02, 0x07, 0x80 };
	/* app_ok parses; the same with one byte more outside or inside the wrapper does not */
	static const uint8_t app_ok[] = { 0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	                                  0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM };
	static const uint8_t app_trailing[] = { 0x60, 0x1c, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	                                        0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM, 0x00 };
	static const uint8_t app_inner_trailing[] = { 0x60, 0x1d, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
	                                              0xa0, 0x12, 0x30, 0x10, 0xa0, 0x0e, 0x30, 0x0c, OID_NTLM, 0x00 };
	static const uint8_t seq_first[] = { 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x00 };
	static const struct {
		const char *what;
		const uint8_t *tok;
		size_t len;
	} bad[] = {
		{ "0x60 in 0x60", nested_app, sizeof nested_app },
		{ "[0] in [0] ...", nested_ctx, sizeof nested_ctx },
		{ "[1] in [1]", nested_resp, sizeof nested_resp },
		{ "Kerberos OID in the GSS wrapper", wrong_oid, sizeof wrong_oid },
		{ "empty mechTypes", empty_mechs, sizeof empty_mechs },
		{ "empty OID", empty_oid, sizeof empty_oid },
		{ "INTEGER in mechTypes", int_mech, sizeof int_mech },
		{ "no mechTypes", no_mechs, sizeof no_mechs },
		{ "negState INTEGER", int_state, sizeof int_state },
		{ "negState 4", state4, sizeof state4 },
		{ "negState two bytes", state_long, sizeof state_long },
		{ "fields out of order", out_of_order, sizeof out_of_order },
		{ "field twice", twice, sizeof twice },
		{ "byte after the token", trailing, sizeof trailing },
		{ "byte after a field", inner_trailing, sizeof inner_trailing },
		{ "[4] in NegTokenResp", unknown_field, sizeof unknown_field },
		{ "responseToken not OCTET STRING", token_not_octets, sizeof token_not_octets },
		{ "mechListMIC not OCTET STRING", mic_not_octets, sizeof mic_not_octets },
		{ "supportedMech not OID", mech_not_oid, sizeof mech_not_oid },
		{ "no SEQUENCE", not_seq, sizeof not_seq },
		{ "high tag number", high_tag, sizeof high_tag },
		{ "SEQUENCE first", seq_first, sizeof seq_first },
		{ "[4] in NegTokenInit", init_field4, sizeof init_field4 },
		{ "NegTokenInit fields out of order", init_order, sizeof init_order },
		{ "byte after the GSS wrapper", app_trailing, sizeof app_trailing },
		{ "byte inside the GSS wrapper after NegTokenInit", app_inner_trailing, sizeof app_inner_trailing },
	};
	assert_int_equal(parse_rc(app_ok, sizeof app_ok), EMU_OK);
	for (size_t i = 0; i < N(bad); i++)
		if (parse_rc(bad[i].tok, bad[i].len) != EMU_EINVAL)
			fail_msg("accepted: %s", bad[i].what);
}

/* ---- building ---- */

/* Shortest-form lengths at every boundary, parsed back; 70000 bytes needs
 * three length bytes. */
static void test_build_lengths(void **state)
{
	(void)state;
	static const size_t sizes[] = { 0, 1, 100, 113, 114, 115, 127, 128, 255, 256, 65535, 65536, 70000 };
	size_t cap = 70100;
	uint8_t *ntlm = malloc(70000), *out = malloc(cap);
	assert_non_null(ntlm);
	assert_non_null(out);
	for (size_t i = 0; i < 70000; i++)
		ntlm[i] = (uint8_t)(i * 7);
	for (size_t i = 0; i < N(sizes); i++) {
		struct spnego_in in;
		size_t n = 0;
		assert_int_equal(spnego_build_resp(SPNEGO_REQUEST_MIC, 1, ntlm, sizes[i], NULL, out, cap, &n), EMU_OK);
		assert_int_equal(spnego_parse(out, n, &in), EMU_OK);
		assert_int_equal(in.kind, SPNEGO_RESP);
		assert_non_null(in.ntlm);
		assert_int_equal(in.ntlm_len, sizes[i]);
		assert_memory_equal(in.ntlm, ntlm, sizes[i]);
		assert_ptr_equal(in.ntlm + sizes[i], out + n);
		assert_null(in.mic);
		/* negState and supportedMech exactly as spec 3.3 */
		static const uint8_t head[] = { 0xa0, 0x03, 0x0a, 0x01, 0x03, 0xa1, 0x0c, OID_NTLM };
		/* after A1 L 30 L, which are two bytes each while the SEQUENCE
		 * (19 + 4 + token bytes) stays below 0x80 */
		if (19 + 4 + sizes[i] < 0x80)
			assert_memory_equal(out + 4, head, sizeof head);
	}
	/* 70000: A1 83 01 11 92 | 30 83 01 11 8D | negState 5 | mech 14 | A2 83 01 11 75 04 83 01 11 70 */
	{
		static const uint8_t want[] = { 0xa1, 0x83, 0x01, 0x11, 0x92, 0x30, 0x83, 0x01, 0x11, 0x8d };
		static const uint8_t want_tok[] = { 0xa2, 0x83, 0x01, 0x11, 0x75, 0x04, 0x83, 0x01, 0x11, 0x70 };
		size_t n = 0;
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, ntlm, 70000, NULL, out, cap, &n), EMU_OK);
		assert_int_equal(n, 70039);
		assert_memory_equal(out, want, sizeof want);
		assert_memory_equal(out + 10 + 5 + 14, want_tok, sizeof want_tok);
	}
	/* 0x7f and 0x80 bytes of token: the octet string's length switches form */
	{
		static const uint8_t want7f[] = { 0xa1, 0x81, 0x8c, 0x30, 0x81, 0x89, 0xa0, 0x03, 0x0a, 0x01, 0x01,
		                                  0xa2, 0x81, 0x81, 0x04, 0x7f };
		static const uint8_t want80[] = { 0xa1, 0x81, 0x8e, 0x30, 0x81, 0x8b, 0xa0, 0x03, 0x0a, 0x01, 0x01,
		                                  0xa2, 0x81, 0x83, 0x04, 0x81, 0x80 };
		size_t n = 0;
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 0, ntlm, 0x7f, NULL, out, cap, &n), EMU_OK);
		assert_int_equal(n, sizeof want7f + 0x7f);
		assert_memory_equal(out, want7f, sizeof want7f);
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 0, ntlm, 0x80, NULL, out, cap, &n), EMU_OK);
		assert_int_equal(n, sizeof want80 + 0x80);
		assert_memory_equal(out, want80, sizeof want80);
	}
	free(ntlm);
	free(out);
}

/* Exactly the room it needs: one byte less is EMU_ELIMIT and nothing is
 * written past the buffer (each buffer is allocated to its size). */
static void test_build_room(void **state)
{
	(void)state;
	const struct handshake *h = &handshakes[0];
	struct spnego_in in;
	size_t n = 0;
	assert_int_equal(spnego_parse(h->challenge, h->challenge_len, &in), EMU_OK);
	for (size_t room = 0; room <= h->challenge_len; room++) {
		uint8_t *out = malloc(room ? room : 1);
		assert_non_null(out);
		int rc = spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, in.ntlm, in.ntlm_len, NULL, out, room, &n);
		assert_int_equal(rc, room == h->challenge_len ? EMU_OK : EMU_ELIMIT);
		free(out);
	}
	/* the final token: negState 0 and a 16-byte mechListMIC */
	{
		static const uint8_t mic[16] = { 1, 0, 0, 0, 9, 8, 7, 6, 5, 4, 3, 2, 0, 0, 0, 0 };
		static const uint8_t want[] = { 0xa1, 0x1b, 0x30, 0x19, 0xa0, 0x03, 0x0a, 0x01, 0x00, 0xa3, 0x12, 0x04, 0x10,
		                                1, 0, 0, 0, 9, 8, 7, 6, 5, 4, 3, 2, 0, 0, 0, 0 };
		static const uint8_t reject[] = { 0xa1, 0x07, 0x30, 0x05, 0xa0, 0x03, 0x0a, 0x01, 0x02 };
		uint8_t out[64];
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, mic, out, sizeof out, &n), EMU_OK);
		assert_int_equal(n, sizeof want);
		assert_memory_equal(out, want, sizeof want);
		assert_int_equal(spnego_build_resp(SPNEGO_REJECT, 0, NULL, 0, NULL, out, sizeof out, &n), EMU_OK);
		assert_int_equal(n, sizeof reject);
		assert_memory_equal(out, reject, sizeof reject);
		assert_int_equal(spnego_build_resp((enum spnego_state)4, 0, NULL, 0, NULL, out, sizeof out, &n), EMU_EINVAL);
		/* over the declared maximum: refused before a byte of it is read */
		assert_int_equal(spnego_build_resp(SPNEGO_ACCEPT_INCOMPLETE, 1, mic, (size_t)SPNEGO_BUILD_NTLM_MAX + 1, NULL,
		                                   out, sizeof out, &n), EMU_ELIMIT);
	}
}

/* ---- the NTLM signature ---- */

/* python3-ntlm-auth's signatures for 128/56/40-bit seal keys, with and
 * without KEY_EXCH, both directions. */
static void test_mic_reference(void **state)
{
	(void)state;
	for (size_t i = 0; i < N(sigs); i++) {
		uint8_t mic[16];
		assert_int_equal(spnego_ntlm_mic(sig_key, sigs[i].flags, sigs[i].from_client, sig_data, sizeof sig_data, mic),
		                 EMU_OK);
		if (memcmp(mic, sigs[i].mic, 16) != 0)
			fail_msg("signature %zu (flags 0x%08x, %s) differs", i, (unsigned)sigs[i].flags,
			         sigs[i].from_client ? "client" : "server");
	}
}

/* MS-NLMP 4.2.4.4: ExportedSessionKey 0x55 x 16, "Plaintext" in UTF-16LE,
 * sealed (RC4 stream bytes 0..17) then signed (bytes 18..25 encrypt the
 * checksum).  spnego_ntlm_mic signs without sealing first, so the test
 * takes its unencrypted checksum (no KEY_EXCH) and the key stream of the
 * spec's sealing keys, which the spec's ciphertext proves. */
static void test_mic_ms_nlmp(void **state)
{
	(void)state;
	static const uint8_t key[16] = { 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
	                                 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55 };
	static const uint8_t plain[18] = { 'P', 0, 'l', 0, 'a', 0, 'i', 0, 'n', 0, 't', 0, 'e', 0, 'x', 0, 't', 0 };
	static const uint8_t c2s_seal_key[16] = { 0x59, 0xf6, 0x00, 0x97, 0x3c, 0xc4, 0x96, 0x0a,
	                                          0x25, 0x48, 0x0a, 0x7c, 0x19, 0x6e, 0x4c, 0x58 };
	static const char s2c_seal_magic[] = "session key to server-to-client sealing key magic constant";
	static const uint8_t sealed[2][18] = {
		{ 0x54, 0xe5, 0x01, 0x65, 0xbf, 0x19, 0x36, 0xdc, 0x99, 0x60, 0x20, 0xc1, 0x81, 0x1b, 0x0f, 0x06, 0xfb, 0x5f },
		{ 0x16, 0x08, 0x71, 0xb7, 0x30, 0xba, 0x74, 0xe9, 0x46, 0xc4, 0x53, 0xd7, 0x46, 0x5b, 0x54, 0x27, 0x8d, 0xd0 },
	};
	static const uint8_t signature[2][16] = {
		{ 0x01, 0x00, 0x00, 0x00, 0x7f, 0xb3, 0x8e, 0xc5, 0xc5, 0x5d, 0x49, 0x76, 0x00, 0x00, 0x00, 0x00 },
		{ 0x01, 0x00, 0x00, 0x00, 0xb2, 0x98, 0xb8, 0x47, 0xce, 0x7c, 0x58, 0x07, 0x00, 0x00, 0x00, 0x00 },
	};
	const uint32_t flags = 0xe28a8233u; /* the example's: ESS, KEY_EXCH, 128, 56, SIGN, SEAL ... */
	for (int dir = 0; dir < 2; dir++) {
		int from_client = dir == 0;
		uint8_t seal_key[16], stream[26], zero[26] = { 0 }, plain_mic[16], mic[16];
		if (from_client) {
			memcpy(seal_key, c2s_seal_key, 16);
		} else {
			struct ntlm_crypto_part parts[2] = { { key, 16 }, { s2c_seal_magic, sizeof s2c_seal_magic } };
			assert_int_equal(ntlm_crypto_md5(parts, 2, seal_key), EMU_OK);
		}
		assert_int_equal(ntlm_crypto_rc4(seal_key, 16, zero, sizeof zero, stream), EMU_OK);
		for (int i = 0; i < 18; i++)
			assert_int_equal(stream[i] ^ plain[i], sealed[dir][i]); /* this is the spec's key stream */
		/* the checksum: HMAC-MD5(SignKey, seq 0 || data), RC4'd after the sealed data */
		assert_int_equal(spnego_ntlm_mic(key, flags & ~NTLM_FLAGS_KEY_EXCH, from_client, plain, sizeof plain, plain_mic),
		                 EMU_OK);
		assert_int_equal(plain_mic[0], 1);
		for (int i = 0; i < 8; i++)
			assert_int_equal(plain_mic[4 + i] ^ stream[18 + i], signature[dir][4 + i]);
		/* with KEY_EXCH the checksum is sealed with the start of the same stream */
		assert_int_equal(spnego_ntlm_mic(key, flags, from_client, plain, sizeof plain, mic), EMU_OK);
		assert_memory_equal(mic, signature[dir], 4);
		for (int i = 0; i < 8; i++)
			assert_int_equal(mic[4 + i], plain_mic[4 + i] ^ stream[i]);
		assert_memory_equal(mic + 12, signature[dir] + 12, 4);
	}
}

/* ---- crypto helpers ---- */

static void test_crypto(void **state)
{
	(void)state;
	/* RFC 1320 MD4("abc"), RFC 1321 MD5("abc") */
	static const uint8_t md4_abc[16] = { 0xa4, 0x48, 0x01, 0x7a, 0xaf, 0x21, 0xd8, 0x52,
	                                     0x5f, 0xc1, 0x0a, 0xe8, 0x7a, 0xa6, 0x72, 0x9d };
	static const uint8_t md5_abc[16] = { 0x90, 0x01, 0x50, 0x98, 0x3c, 0xd2, 0x4f, 0xb0,
	                                     0xd6, 0x96, 0x3f, 0x7d, 0x28, 0xe1, 0x7f, 0x72 };
	/* MS-NLMP 4.2.1: NTOWFv1("Password") */
	static const uint8_t pw[] = { 'P', 0, 'a', 0, 's', 0, 's', 0, 'w', 0, 'o', 0, 'r', 0, 'd', 0 };
	static const uint8_t nt_password[16] = { 0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	                                         0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52 };
	/* RFC 2202 HMAC-MD5 test case 2 */
	static const uint8_t hmac_2[16] = { 0x75, 0x0c, 0x78, 0x3e, 0x6a, 0xb0, 0xb5, 0x03,
	                                    0xea, 0xa8, 0x6e, 0x31, 0x0a, 0x5d, 0xb7, 0x38 };
	/* RC4 key "Key", plaintext "Plaintext" */
	static const uint8_t rc4_ct[9] = { 0xbb, 0xf3, 0x16, 0xe8, 0xd9, 0x40, 0xaf, 0x0a, 0xd3 };
	uint8_t out[16], buf[9];
	struct ntlm_crypto_part abc[2] = { { "a", 1 }, { "bc", 2 } };
	struct ntlm_crypto_part msg[3] = { { "what do ya", 10 }, { NULL, 0 }, { " want for nothing?", 18 } };
	assert_int_equal(ntlm_crypto_md4("abc", 3, out), EMU_OK);
	assert_memory_equal(out, md4_abc, 16);
	assert_int_equal(ntlm_crypto_md4(pw, sizeof pw, out), EMU_OK);
	assert_memory_equal(out, nt_password, 16);
	assert_int_equal(ntlm_crypto_md5(abc, 2, out), EMU_OK);
	assert_memory_equal(out, md5_abc, 16);
	assert_int_equal(ntlm_crypto_hmac_md5((const uint8_t *)"Jefe", 4, msg, 3, out), EMU_OK);
	assert_memory_equal(out, hmac_2, 16);
	memcpy(buf, "Plaintext", 9);
	assert_int_equal(ntlm_crypto_rc4((const uint8_t *)"Key", 3, buf, 9, buf), EMU_OK);
	assert_memory_equal(buf, rc4_ct, 9);
	assert_int_equal(ntlm_crypto_rc4((const uint8_t *)"Key", 0, buf, 9, buf), EMU_EINVAL);
}

/* DES-ECB and DESL, the NTLMv1 primitives crypto.c took over from the old
 * second crypto file: the classic DES example (key 133457799bbcdff1) and
 * MS-NLMP 4.2.2.2.1 (NTLMv1 NtChallengeResponse = DESL(NTOWFv1("Password"),
 * server challenge 0123456789abcdef)). */
static void test_crypto_des(void **state)
{
	(void)state;
	static const uint8_t key[8] = { 0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1 };
	static const uint8_t pt[8] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
	static const uint8_t ct[8] = { 0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05 };
	static const uint8_t nt_password[16] = { 0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	                                         0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52 };
	static const uint8_t v1_nt[24] = { 0x67, 0xc4, 0x30, 0x11, 0xf3, 0x02, 0x98, 0xa2, 0xad, 0x35, 0xec, 0xe6,
	                                   0x4f, 0x16, 0x33, 0x1c, 0x44, 0xbd, 0xbe, 0xd9, 0x27, 0x84, 0x1f, 0x94 };
	uint8_t out[24], two[16];
	assert_int_equal(ntlm_crypto_ready(), 1);
	assert_int_equal(ntlm_crypto_des_ecb(key, pt, 8, out), EMU_OK);
	assert_memory_equal(out, ct, 8);
	/* ECB: two equal blocks give two equal blocks, no padding block */
	uint8_t in2[16];
	memcpy(in2, pt, 8);
	memcpy(in2 + 8, pt, 8);
	assert_int_equal(ntlm_crypto_des_ecb(key, in2, 16, two), EMU_OK);
	assert_memory_equal(two, ct, 8);
	assert_memory_equal(two + 8, ct, 8);
	assert_int_equal(ntlm_crypto_des_ecb(key, pt, 7, out), EMU_EINVAL);
	assert_int_equal(ntlm_crypto_desl(nt_password, pt, out), EMU_OK);
	assert_memory_equal(out, v1_nt, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_init),
		cmocka_unit_test(test_real_resp),
		cmocka_unit_test(test_build_matches_real),
		cmocka_unit_test(test_real_mech_list_mic),
		cmocka_unit_test(test_raw_ntlm),
		cmocka_unit_test(test_bare_init),
		cmocka_unit_test(test_kerberos_only),
		cmocka_unit_test(test_ntlm_not_first),
		cmocka_unit_test(test_no_mech_token),
		cmocka_unit_test(test_length_forms),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_mutated_everywhere),
		cmocka_unit_test(test_hostile_shapes),
		cmocka_unit_test(test_build_lengths),
		cmocka_unit_test(test_build_room),
		cmocka_unit_test(test_mic_reference),
		cmocka_unit_test(test_mic_ms_nlmp),
		cmocka_unit_test(test_crypto),
		cmocka_unit_test(test_crypto_des),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
