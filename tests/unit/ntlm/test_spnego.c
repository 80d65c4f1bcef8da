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
	};
	for (size_t i = 0; i < N(bad); i++)
		if (parse_rc(bad[i].tok, bad[i].len) != EMU_EINVAL)
			fail_msg("accepted: %s", bad[i].what);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
