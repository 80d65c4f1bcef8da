/* ntlm.c - the server side of NTLM (MS-NLMP) over HTTP, as IIS runs it in
 * front of Exchange: NEGOTIATE in, CHALLENGE out, AUTHENTICATE verified
 * (NTLMv2; NTLMv1 only when allowed), MIC checked, one AUTHENTICATE per
 * challenge.  Negotiate carrying NTLM goes through spnego.h.  The message
 * layouts and the rules cited below are those of
 * shared/spec/connect-like-exchange.md §1 and §3 (MS-NLMP section numbers in
 * brackets). */
#include "ntlm/ntlm.h"
#include "ntlm/crypto.h"
#include "ntlm/ntlm_int.h"
#include "ntlm/spnego.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/result.h"

/* NegotiateFlags [2.2.2.5] */
#define NF_UNICODE 0x00000001u
#define NF_OEM 0x00000002u
#define NF_REQUEST_TARGET 0x00000004u
#define NF_SIGN 0x00000010u
#define NF_SEAL 0x00000020u
#define NF_NTLM 0x00000200u
#define NF_ALWAYS_SIGN 0x00008000u
#define NF_TARGET_TYPE_DOMAIN 0x00010000u
#define NF_ESS 0x00080000u
#define NF_TARGET_INFO 0x00800000u
#define NF_VERSION 0x02000000u
#define NF_128 0x20000000u
#define NF_KEY_EXCH 0x40000000u
#define NF_56 0x80000000u
/* what the server echoes when the client asks for it (§1.3) */
#define NF_ECHO (NF_SIGN | NF_SEAL | NF_ESS | NF_128 | NF_KEY_EXCH | NF_56)
/* what the server always sets */
#define NF_ALWAYS (NF_REQUEST_TARGET | NF_NTLM | NF_ALWAYS_SIGN | NF_TARGET_TYPE_DOMAIN | NF_TARGET_INFO | NF_VERSION)
/* the flags assumed when SPNEGO brought no NEGOTIATE (NTLM not the first
 * mechanism): a Windows client's (§1.3) */
#define NF_WINDOWS_CLIENT 0xE2088297u

/* AV_PAIR ids [2.2.2.1] */
#define AV_EOL 0
#define AV_NB_COMPUTER 1
#define AV_NB_DOMAIN 2
#define AV_DNS_COMPUTER 3
#define AV_DNS_DOMAIN 4
#define AV_DNS_TREE 5
#define AV_FLAGS 6
#define AV_TIMESTAMP 7
#define AV_FLAG_MIC 0x2u

#define NTLM_SIG "NTLMSSP\0"
#define NTLM_AUTH_HEADER 64   /* AUTHENTICATE without Version and MIC */
#define NTLM_CHAL_HEADER 56   /* CHALLENGE with Version */
/* The largest CHALLENGE: header, target name, six AV pairs and EOL. */
#define NTLM_CHAL_MAX (NTLM_CHAL_HEADER + 2 * NTLM_SERVER_NAME_MAX + 5 * (4 + 4 * NTLM_SERVER_NAME_MAX + 2) + 12 + 4)
/* NTLMv2 blob: 28 fixed bytes before its AV pairs [2.2.2.7] */
#define NTLM_BLOB_FIXED 28
/* Windows Server 2019 (10.0.17763), NTLMRevision 15 [2.2.2.10] */
static const uint8_t ntlm_version[8] = {10, 0, 0x63, 0x45, 0, 0, 0, 0x0F};

struct ntlm_ctx {
	int pending;                   /* a CHALLENGE awaits its AUTHENTICATE */
	enum ntlm_scheme scheme;       /* of the pending handshake */
	int spnego;                    /* the pending handshake is SPNEGO-wrapped */
	int spnego_mic;                /* mechListMIC required (NTLM was not the first mech) */
	time_t issued;
	uint32_t flags;                /* CHALLENGE flags */
	uint8_t server_challenge[8];
	int fixed;                     /* ntlm_ctx_fix_challenge() */
	uint8_t fixed_challenge[8];
	uint8_t *negotiate;            /* raw NEGOTIATE (may be empty) */
	size_t negotiate_len;
	uint8_t challenge[NTLM_CHAL_MAX];
	size_t challenge_len;
	uint8_t *mech_types;           /* SPNEGO mechTypes DER */
	size_t mech_types_len;
};

/* ---- little-endian fields ------------------------------------------------ */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }

/* A security buffer [2.2.1]: Len, MaxLen, Offset.  An empty one is fine
 * anywhere; a non-empty one must lie in the payload (not over the fixed
 * header) and inside the message. */
struct ntlm_field {
	const uint8_t *p;
	size_t len;
	uint32_t off;
};

static int ntlm_field_at(const uint8_t *m, size_t mlen, size_t at, size_t header, struct ntlm_field *f)
{
	f->len = le16(m + at);
	f->off = le32(m + at + 4);
	f->p = m;
	if (!f->len)
		return EMU_OK;
	if (f->off < header || (uint64_t)f->off + f->len > mlen)
		return EMU_EINVAL;
	f->p = m + f->off;
	return EMU_OK;
}

/* ---- context -------------------------------------------------------------- */

struct ntlm_ctx *ntlm_ctx_new(void)
{
	return calloc(1, sizeof(struct ntlm_ctx));
}

static void ntlm_ctx_end(struct ntlm_ctx *c)
{
	if (c->negotiate) {
		OPENSSL_cleanse(c->negotiate, c->negotiate_len);
		free(c->negotiate);
	}
	free(c->mech_types);
	c->negotiate = NULL;
	c->mech_types = NULL;
	c->negotiate_len = c->mech_types_len = 0;
	OPENSSL_cleanse(c->server_challenge, sizeof c->server_challenge);
	c->pending = 0;
}

void ntlm_ctx_free(struct ntlm_ctx *c)
{
	if (!c)
		return;
	ntlm_ctx_end(c);
	OPENSSL_cleanse(c, sizeof *c);
	free(c);
}

void ntlm_ctx_fix_challenge(struct ntlm_ctx *c, const uint8_t challenge[8])
{
	memcpy(c->fixed_challenge, challenge, 8);
	c->fixed = 1;
}

enum ntlm_scheme ntlm_scheme_of(const char *a)
{
	enum ntlm_scheme s;
	size_t n;
	if (!a)
		return 0;
	if (!strncasecmp(a, "NTLM", 4)) {
		s = NTLM_SCHEME_NTLM;
		n = 4;
	} else if (!strncasecmp(a, "Negotiate", 9)) {
		s = NTLM_SCHEME_NEGOTIATE;
		n = 9;
	} else {
		return 0;
	}
	if (a[n] != ' ' && a[n] != '\t')
		return 0;
	a += n;
	a += strspn(a, " \t");
	return *a ? s : 0;
}

/* ---- CHALLENGE [2.2.1.2] ---------------------------------------------------- */

static const char *ntlm_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

/* an ASCII server name as an AV pair (UTF-16LE, always [2.2.2.1]) */
static int ntlm_put_av(uint8_t *m, size_t *o, uint16_t id, const char *s)
{
	size_t n = strlen(s);
	if (n > NTLM_SERVER_NAME_MAX * 2 + 1)
		return EMU_ELIMIT;
	if (*o + 4 + 2 * n > NTLM_CHAL_MAX - 4)
		return EMU_ELIMIT;
	put16(m + *o, id);
	put16(m + *o + 2, (uint32_t)(2 * n));
	*o += 4;
	for (size_t i = 0; i < n; i++) {
		m[*o + 2 * i] = (uint8_t)s[i];
		m[*o + 2 * i + 1] = 0;
	}
	*o += 2 * n;
	return EMU_OK;
}

static int ntlm_build_challenge(struct ntlm_ctx *c, const struct ntlm_server_names *names, uint32_t client_flags,
                                time_t now)
{
	const char *nb_domain = ntlm_or(names ? names->netbios_domain : NULL, "EWSEMU");
	const char *nb_host = ntlm_or(names ? names->netbios_host : NULL, "EXCH01");
	const char *dns_domain = ntlm_or(names ? names->dns_domain : NULL, "ewsemu.test");
	char dns_host_buf[2 * NTLM_SERVER_NAME_MAX + 2];
	const char *dns_host = names ? names->dns_host : NULL;
	uint8_t *m = c->challenge;
	size_t o = NTLM_CHAL_HEADER, tn_len, ti_off;
	uint32_t flags = NF_ALWAYS | (client_flags & NF_ECHO);
	int rc;

	if (strlen(nb_domain) > NTLM_SERVER_NAME_MAX || strlen(nb_host) > NTLM_SERVER_NAME_MAX ||
	    strlen(dns_domain) > NTLM_SERVER_NAME_MAX)
		return EMU_ELIMIT;
	if (!dns_host || !*dns_host) {
		size_t a = strlen(nb_host), b = strlen(dns_domain);
		for (size_t i = 0; i < a; i++)
			dns_host_buf[i] = (char)((nb_host[i] >= 'A' && nb_host[i] <= 'Z') ? nb_host[i] + 32 : nb_host[i]);
		dns_host_buf[a] = '.';
		memcpy(dns_host_buf + a + 1, dns_domain, b + 1);
		dns_host = dns_host_buf;
	} else if (strlen(dns_host) > 2 * NTLM_SERVER_NAME_MAX + 1) {
		return EMU_ELIMIT;
	}
	/* exactly one of UNICODE and OEM: UNICODE when asked for (§1.3) */
	flags |= (client_flags & NF_UNICODE) || !(client_flags & NF_OEM) ? NF_UNICODE : NF_OEM;

	memset(m, 0, NTLM_CHAL_HEADER);
	memcpy(m, NTLM_SIG, 8);
	put32(m + 8, 2);
	/* TargetName: the NetBIOS domain in the chosen encoding */
	tn_len = strlen(nb_domain) * ((flags & NF_UNICODE) ? 2 : 1);
	for (size_t i = 0; nb_domain[i]; i++) {
		if (flags & NF_UNICODE) {
			m[o++] = (uint8_t)nb_domain[i];
			m[o++] = 0;
		} else {
			m[o++] = (uint8_t)nb_domain[i];
		}
	}
	put16(m + 12, (uint32_t)tn_len);
	put16(m + 14, (uint32_t)tn_len);
	put32(m + 16, NTLM_CHAL_HEADER);
	put32(m + 20, flags);
	if (c->fixed) {
		memcpy(c->server_challenge, c->fixed_challenge, 8);
		c->fixed = 0;
	} else if (RAND_bytes(c->server_challenge, 8) != 1) {
		LOGE("ntlm", "RAND_bytes failed");
		return EMU_EINTERNAL;
	}
	memcpy(m + 24, c->server_challenge, 8);
	/* TargetInfo, in the order Windows sends it (§1.4); no MsvAvFlags */
	ti_off = o;
	if ((rc = ntlm_put_av(m, &o, AV_NB_DOMAIN, nb_domain)) || (rc = ntlm_put_av(m, &o, AV_NB_COMPUTER, nb_host)) ||
	    (rc = ntlm_put_av(m, &o, AV_DNS_DOMAIN, dns_domain)) || (rc = ntlm_put_av(m, &o, AV_DNS_COMPUTER, dns_host)) ||
	    (rc = ntlm_put_av(m, &o, AV_DNS_TREE, dns_domain)))
		return rc;
	/* MsvAvTimestamp makes clients add a MIC, which is then verified */
	uint64_t ft = ((uint64_t)now + 11644473600ull) * 10000000ull;
	put16(m + o, AV_TIMESTAMP);
	put16(m + o + 2, 8);
	put32(m + o + 4, (uint32_t)ft);
	put32(m + o + 8, (uint32_t)(ft >> 32));
	o += 12;
	put32(m + o, AV_EOL);
	o += 4;
	put16(m + 40, (uint32_t)(o - ti_off));
	put16(m + 42, (uint32_t)(o - ti_off));
	put32(m + 44, (uint32_t)ti_off);
	memcpy(m + 48, ntlm_version, 8);
	c->challenge_len = o;
	c->flags = flags;
	return EMU_OK;
}

/* "NTLM " / "Negotiate " + base64 of @p tok into @p header */
static int ntlm_header(enum ntlm_scheme s, const uint8_t *tok, size_t len, char header[NTLM_HEADER_MAX])
{
	const char *name = s == NTLM_SCHEME_NTLM ? "NTLM " : "Negotiate ";
	size_t n = strlen(name);
	if (n + BASE64_ENCODED_SIZE(len) > NTLM_HEADER_MAX)
		return EMU_ELIMIT;
	memcpy(header, name, n);
	base64_encode(tok, len, header + n);
	return EMU_OK;
}

/* ---- AUTHENTICATE [2.2.1.3] ---------------------------------------------------- */

struct ntlm_auth {
	struct ntlm_field lm, nt, domain, user, ws, key;
	uint32_t flags;
	size_t mic_off;   /* 0: no MIC field */
};

static int ntlm_parse_auth(const uint8_t *m, size_t len, struct ntlm_auth *a)
{
	size_t lowest = len;
	struct ntlm_field *fs[6] = {&a->lm, &a->nt, &a->domain, &a->user, &a->ws, &a->key};
	if (len < NTLM_AUTH_HEADER)
		return EMU_EINVAL;
	for (int i = 0; i < 6; i++) {
		if (ntlm_field_at(m, len, 12 + 8 * (size_t)i, NTLM_AUTH_HEADER, fs[i]))
			return EMU_EINVAL;
		if (fs[i]->len && fs[i]->off < lowest)
			lowest = fs[i]->off;
	}
	a->flags = le32(m + 60);
	/* Version and MIC are not flagged: the payload's start tells (§1.5) */
	if (lowest >= 88 && len >= 88)
		a->mic_off = 72;
	else if (lowest >= 80 && len >= 80)
		a->mic_off = 64;
	else
		a->mic_off = 0;
	return EMU_OK;
}

/* MsvAvFlags from the NTLMv2 blob's AV pairs; EMU_EINVAL when the list
 * runs past the blob */
static int ntlm_blob_av_flags(const uint8_t *blob, size_t len, uint32_t *flags)
{
	size_t o = NTLM_BLOB_FIXED;
	*flags = 0;
	while (o + 4 <= len) {
		uint16_t id = le16(blob + o), n = le16(blob + o + 2);
		o += 4;
		if (id == AV_EOL)
			return EMU_OK;
		if (n > len - o)
			return EMU_EINVAL;
		if (id == AV_FLAGS) {
			if (n != 4)
				return EMU_EINVAL;
			*flags = le32(blob + o);
		}
		o += n;
	}
	return EMU_EINVAL;   /* no MsvAvEOL */
}

/* The NTLMv2 check [3.3.2] for one spelling of the user name and domain:
 * on a match the SessionBaseKey. */
static int ntlm_v2_try(const uint8_t nt_hash[16], const uint8_t *user16, size_t ulen, const uint8_t *dom16, size_t dlen,
                       const uint8_t chal[8], const struct ntlm_field *nt, int *match, uint8_t base_key[16])
{
	uint8_t key[16], proof[16];
	const struct ntlm_crypto_part names[2] = {{user16, ulen}, {dom16, dlen}};
	const struct ntlm_crypto_part blob[2] = {{chal, 8}, {nt->p + 16, nt->len - 16}};
	const struct ntlm_crypto_part proof_in = {nt->p, 16};
	int rc = ntlm_crypto_hmac_md5(nt_hash, 16, names, 2, key);
	if (rc)
		return rc;
	rc = ntlm_crypto_hmac_md5(key, sizeof key, blob, 2, proof);
	if (rc)
		goto out;
	*match = CRYPTO_memcmp(proof, nt->p, 16) == 0;
	if (*match)
		rc = ntlm_crypto_hmac_md5(key, sizeof key, &proof_in, 1, base_key);
out:
	OPENSSL_cleanse(key, sizeof key);
	return rc;
}

/* NTLMv1 and NTLM2 session response [3.3.1]; SessionBaseKey = MD4(NT) */
static int ntlm_v1_check(const uint8_t nt_hash[16], const uint8_t chal[8], const struct ntlm_auth *a, int *match,
                         uint8_t base_key[16])
{
	uint8_t c8[8], expect[24];
	int rc;
	memcpy(c8, chal, 8);
	if (a->flags & NF_ESS) {
		/* NTLM2 session response: the first 8 bytes of MD5(server ‖ client challenge) */
		uint8_t md[NTLM_CRYPTO_DIGEST_LEN];
		const struct ntlm_crypto_part in[2] = {{chal, 8}, {a->lm.p, 8}};
		if (a->lm.len < 8)
			return EMU_EINVAL;
		if ((rc = ntlm_crypto_md5(in, 2, md)))
			return rc;
		memcpy(c8, md, 8);
	}
	rc = ntlm_crypto_desl(nt_hash, c8, expect);
	if (rc)
		return rc;
	*match = CRYPTO_memcmp(expect, a->nt.p, 24) == 0;
	return *match ? ntlm_crypto_md4(nt_hash, 16, base_key) : EMU_OK;
}

/* ---- the handshake ------------------------------------------------------------ */

static int ntlm_refuse(enum ntlm_outcome *out, struct ntlm_who *who, const char *why)
{
	*out = NTLM_REFUSED;
	who->reason = why;
	return EMU_OK;
}

/* NEGOTIATE leg (also: SPNEGO NegTokenInit without an NTLM NEGOTIATE) */
static int ntlm_on_negotiate(struct ntlm_ctx *c, const struct ntlm_server_names *names, enum ntlm_scheme scheme,
                             const struct spnego_in *sp, const uint8_t *msg, size_t len, time_t now,
                             char header[NTLM_HEADER_MAX], enum ntlm_outcome *out)
{
	uint32_t client_flags = NF_WINDOWS_CLIENT;
	int rc;
	if (msg) {
		if (len < 16)
			return EMU_EINVAL;
		client_flags = le32(msg + 12);
		c->negotiate = malloc(len);
		if (!c->negotiate)
			return EMU_ENOMEM;
		memcpy(c->negotiate, msg, len);
		c->negotiate_len = len;
	}
	rc = ntlm_build_challenge(c, names, client_flags, now);
	if (rc)
		return rc;
	c->scheme = scheme;
	c->issued = now;
#if NTLM_HAVE_SPNEGO
	if (sp && sp->kind == SPNEGO_INIT) {
		uint8_t resp[NTLM_CHAL_MAX + 64];
		size_t rlen = 0;
		c->spnego = 1;
		c->spnego_mic = !sp->ntlm_first;
		c->mech_types = malloc(sp->mech_types_len ? sp->mech_types_len : 1);
		if (!c->mech_types)
			return EMU_ENOMEM;
		memcpy(c->mech_types, sp->mech_types, sp->mech_types_len);
		c->mech_types_len = sp->mech_types_len;
		rc = spnego_build_resp(c->spnego_mic ? SPNEGO_REQUEST_MIC : SPNEGO_ACCEPT_INCOMPLETE, 1, c->challenge,
		                       c->challenge_len, NULL, resp, sizeof resp, &rlen);
		if (rc == EMU_OK)
			rc = ntlm_header(scheme, resp, rlen, header);
	} else
#endif
	{
		rc = ntlm_header(scheme, c->challenge, c->challenge_len, header);
	}
	if (rc)
		return rc;
	c->pending = 1;
	*out = NTLM_CHALLENGE;
	return EMU_OK;
}

/* the pending handshake, taken out of the context: each challenge answers
 * one AUTHENTICATE whatever happens to it */
struct ntlm_pending {
	int spnego, spnego_mic;
	uint32_t flags;
	uint8_t chal[8];
	time_t issued;
};

static int ntlm_verify(struct ntlm_ctx *c, const struct ntlm_server_names *names, const struct ntlm_pending *p,
                       const struct spnego_in *sp, const uint8_t *m, size_t len, ntlm_lookup_fn lookup, void *arg,
                       char header[NTLM_HEADER_MAX], enum ntlm_outcome *out, struct ntlm_who *who)
{
	struct ntlm_auth a;
	uint8_t user16[2 * NTLM_NAME_MAX], dom16[2 * NTLM_NAME_MAX], up16[2 * NTLM_NAME_MAX];
	size_t ulen = 0, dlen = 0;
	uint8_t nt_hash[16], base_key[16], exported[16];
	int rc, match = 0, unicode;
	uint32_t av_flags = 0;

	memset(nt_hash, 0, sizeof nt_hash);
	memset(base_key, 0, sizeof base_key);
	memset(exported, 0, sizeof exported);
	rc = ntlm_parse_auth(m, len, &a);
	if (rc)
		goto out;
	unicode = ((a.flags ? a.flags : p->flags) & NF_UNICODE) != 0;
	if ((rc = ntlm_name(a.user.p, a.user.len, unicode, user16, &ulen, who->user)) ||
	    (rc = ntlm_name(a.domain.p, a.domain.len, unicode, dom16, &dlen, who->domain)))
		goto out;
	/* anonymous: no user, no NT response (§1.11) */
	if (!a.user.len || !a.nt.len) {
		rc = ntlm_refuse(out, who, "anonymous");
		goto out;
	}
	if (a.nt.len == 24) {
		if (!names || !names->allow_v1) {
			rc = ntlm_refuse(out, who, "NTLMv1 refused");
			goto out;
		}
	} else if (a.nt.len < 16 + NTLM_BLOB_FIXED + 4 || a.nt.p[16] != 1 || a.nt.p[17] != 1) {
		rc = EMU_EINVAL;   /* neither an NTLMv1 response nor an NTLMv2 blob */
		goto out;
	} else if ((rc = ntlm_blob_av_flags(a.nt.p + 16, a.nt.len - 16, &av_flags))) {
		goto out;
	}
	rc = lookup(arg, who->user, who->domain, nt_hash, who->account, sizeof who->account);
	if (rc == EMU_ENOTFOUND) {
		rc = ntlm_refuse(out, who, "wrong password or unknown user");
		goto out;
	}
	if (rc)
		goto out;
	if (a.nt.len == 24) {
		rc = ntlm_v1_check(nt_hash, p->chal, &a, &match, base_key);
	} else {
		/* NTOWFv2 upper-cases the user name only: Unicode rules first,
		 * then ASCII-only when that differs; then the same with an empty
		 * domain, which NLMP servers SHOULD accept (§1.6) */
		for (int pass = 0; pass < 4 && !match && rc == EMU_OK; pass++) {
			memcpy(up16, user16, ulen);
			if (pass % 2 == 0)
				ntlm_upper16(up16, ulen, 1);
			else {
				uint8_t chk[2 * NTLM_NAME_MAX];
				memcpy(chk, user16, ulen);
				ntlm_upper16(up16, ulen, 0);
				ntlm_upper16(chk, ulen, 1);
				if (!memcmp(chk, up16, ulen))
					continue;   /* same bytes as the pass before */
			}
			if (pass >= 2 && !dlen)
				break;
			rc = ntlm_v2_try(nt_hash, up16, ulen, dom16, pass < 2 ? dlen : 0, p->chal, &a.nt, &match, base_key);
		}
	}
	if (rc)
		goto out;
	if (!match) {
		rc = ntlm_refuse(out, who, "wrong password or unknown user");
		goto out;
	}
	/* ExportedSessionKey [3.2.5.1.2]: RC4-unsealed when KEY_EXCH with SIGN or SEAL */
	memcpy(exported, base_key, 16);
	if ((a.flags & NF_KEY_EXCH) && (a.flags & (NF_SIGN | NF_SEAL)) && a.nt.len != 24) {
		if (a.key.len != 16) {
			rc = EMU_EINVAL;
			goto out;
		}
		if ((rc = ntlm_crypto_rc4(base_key, 16, a.key.p, 16, exported)))
			goto out;
	}
	if (av_flags & AV_FLAG_MIC) {
		uint8_t mic[16], *copy;
		if (!a.mic_off) {
			rc = ntlm_refuse(out, who, "bad MIC");
			goto out;
		}
		copy = malloc(len);
		if (!copy) {
			rc = EMU_ENOMEM;
			goto out;
		}
		memcpy(copy, m, len);
		memset(copy + a.mic_off, 0, 16);
		/* MIC [3.2.5.1.2] = HMAC-MD5(ExportedSessionKey, NEGOTIATE | CHALLENGE | AUTHENTICATE with MIC zeroed) */
		const struct ntlm_crypto_part parts[3] = {
			{c->negotiate, c->negotiate_len}, {c->challenge, c->challenge_len}, {copy, len}};
		rc = ntlm_crypto_hmac_md5(exported, 16, parts, 3, mic);
		free(copy);
		if (rc)
			goto out;
		if (CRYPTO_memcmp(mic, m + a.mic_off, 16)) {
			rc = ntlm_refuse(out, who, "bad MIC");
			goto out;
		}
	}
	header[0] = '\0';
#if NTLM_HAVE_SPNEGO
	if (p->spnego) {
		/* the final NegTokenResp; a mechListMIC both ways when required
		 * (§3.4), and whenever the client sent one: a received mechListMIC
		 * is verified and answered (RFC 4178 5; MIT's SPNEGO then expects
		 * ours) */
		uint8_t mine[16], theirs[16], resp[64];
		size_t rlen = 0;
		int need = p->spnego_mic || (av_flags & AV_FLAG_MIC) || sp->mic;
		if (need) {
			if (!sp->mic || sp->mic_len != 16) {
				rc = ntlm_refuse(out, who, "no mechListMIC");
				goto out;
			}
			if ((rc = spnego_ntlm_mic(exported, a.flags, 1, c->mech_types, c->mech_types_len, theirs)) ||
			    (rc = spnego_ntlm_mic(exported, a.flags, 0, c->mech_types, c->mech_types_len, mine)))
				goto out;
			if (CRYPTO_memcmp(theirs, sp->mic, 16)) {
				rc = ntlm_refuse(out, who, "bad mechListMIC");
				goto out;
			}
		}
		if ((rc = spnego_build_resp(SPNEGO_ACCEPT_COMPLETED, 0, NULL, 0, need ? mine : NULL, resp, sizeof resp,
		                            &rlen)) ||
		    (rc = ntlm_header(NTLM_SCHEME_NEGOTIATE, resp, rlen, header)))
			goto out;
	}
#endif
	who->reason = NULL;
	*out = NTLM_AUTHENTICATED;
	rc = EMU_OK;
out:
	OPENSSL_cleanse(nt_hash, sizeof nt_hash);
	OPENSSL_cleanse(base_key, sizeof base_key);
	OPENSSL_cleanse(exported, sizeof exported);
	return rc;
}

int ntlm_step(struct ntlm_ctx *c, const struct ntlm_server_names *names, const char *authorization, time_t now,
              ntlm_lookup_fn lookup, void *arg, char header[NTLM_HEADER_MAX], enum ntlm_outcome *out,
              struct ntlm_who *who)
{
	enum ntlm_scheme scheme = ntlm_scheme_of(authorization);
	const char *b64;
	uint8_t *tok = NULL;
	const uint8_t *msg;
	size_t tlen = 0, mlen, blen;
	struct spnego_in sp;
	struct ntlm_pending p;
	int rc, had_pending = c->pending;

	memset(who, 0, sizeof *who);
	memset(&sp, 0, sizeof sp);
	memset(&p, 0, sizeof p);
	header[0] = '\0';
	*out = NTLM_REFUSED;
	who->reason = "malformed token";
	/* the pending handshake is consumed by whatever comes now */
	p.spnego = c->spnego;
	p.spnego_mic = c->spnego_mic;
	p.flags = c->flags;
	p.issued = c->issued;
	memcpy(p.chal, c->server_challenge, 8);
	c->pending = 0;

	if (!scheme)
		return EMU_EINVAL;
	if (!ntlm_crypto_ready())
		return EMU_EINTERNAL;
	b64 = authorization + (scheme == NTLM_SCHEME_NTLM ? 4 : 9);
	b64 += strspn(b64, " \t");
	blen = strlen(b64);
	if (blen > BASE64_ENCODED_SIZE(NTLM_TOKEN_MAX) + 64) {   /* a little whitespace allowed */
		rc = EMU_ELIMIT;
		goto out;
	}
	tok = malloc(NTLM_TOKEN_MAX);
	if (!tok) {
		rc = EMU_ENOMEM;
		goto out;
	}
	rc = base64_decode(b64, blen, tok, NTLM_TOKEN_MAX, &tlen);
	if (rc)
		goto out;
	msg = tok;
	mlen = tlen;
	if (scheme == NTLM_SCHEME_NEGOTIATE && !(tlen >= 8 && !memcmp(tok, NTLM_SIG, 8))) {
		/* SPNEGO proper (not raw NTLMSSP under the Negotiate name) */
#if NTLM_HAVE_SPNEGO
		rc = spnego_parse(tok, tlen, &sp);
#else
		/* built without spnego.c: only raw NTLMSSP under Negotiate */
		rc = EMU_EINVAL;
#endif
		if (rc)
			goto out;
		msg = sp.ntlm;
		mlen = sp.ntlm_len;
		if (sp.kind == SPNEGO_INIT) {
			if (!sp.ntlm_offered) {
				rc = ntlm_refuse(out, who, "SPNEGO without NTLM (Kerberos only)");
				goto out;
			}
			ntlm_ctx_end(c);
			c->spnego = c->spnego_mic = 0;
			if (!sp.ntlm_first || !msg) {
				/* no usable optimistic NEGOTIATE: challenge without one, a
				 * mechListMIC then required (§3.2) */
				rc = ntlm_on_negotiate(c, names, scheme, &sp, NULL, 0, now, header, out);
				goto out;
			}
		} else if (sp.kind == SPNEGO_RESP && !msg) {
			rc = EMU_EINVAL;
			goto out;
		}
	} else {
		sp.kind = SPNEGO_RAW_NTLM;
	}
	if (mlen < 12 || memcmp(msg, NTLM_SIG, 8)) {
		rc = EMU_EINVAL;
		goto out;
	}
	switch (le32(msg + 8)) {
	case 1:
		if (sp.kind == SPNEGO_RESP) {
			rc = EMU_EINVAL;
			goto out;
		}
		ntlm_ctx_end(c);
		c->spnego = c->spnego_mic = 0;
		rc = ntlm_on_negotiate(c, names, scheme, &sp, msg, mlen, now, header, out);
		break;
	case 3:
		if (sp.kind == SPNEGO_INIT) {
			rc = EMU_EINVAL;
			goto out;
		}
		if (!had_pending) {
			rc = ntlm_refuse(out, who, "no pending challenge");
			break;
		}
		if (now - p.issued > NTLM_CHALLENGE_TTL || now < p.issued) {
			rc = ntlm_refuse(out, who, "challenge expired");
			break;
		}
		if ((p.spnego != 0) != (sp.kind == SPNEGO_RESP) || scheme != c->scheme) {
			rc = ntlm_refuse(out, who, "AUTHENTICATE in another scheme than its NEGOTIATE");
			break;
		}
		rc = ntlm_verify(c, names, &p, &sp, msg, mlen, lookup, arg, header, out, who);
		break;
	default:
		rc = EMU_EINVAL;
		break;
	}
out:
	if (rc == EMU_OK && *out == NTLM_REFUSED)
		header[0] = '\0';
	if (rc) {
		*out = NTLM_REFUSED;
		header[0] = '\0';
		if (rc == EMU_ELIMIT)
			who->reason = "token or name over the limit";
	}
	if (!c->pending)
		ntlm_ctx_end(c);
	OPENSSL_cleanse(p.chal, sizeof p.chal);
	if (tok) {
		OPENSSL_cleanse(tok, tlen);
		free(tok);
	}
	return rc;
}
