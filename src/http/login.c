/* login.c - who is calling: the one place a request's credentials become
 * its caller.  Basic goes to auth_basic() (store, lockout, cache), Bearer to
 * token_verify(), NTLM and Negotiate to ntlm_step() (the handshake state and,
 * after it, the user live on the connection, as IIS keeps them); anything
 * else (or nothing) is anonymous, admitted only when the server allows it.  The result is a struct caller (ews/caller.h);
 * what it may do is decided by ews/access.c. */
#include "http/front.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/log.h"
#include "core/result.h"
#include "http/auth.h"
#include "http/server.h"
#include "ntlm/ntlm.h"
#include "outlook/outlook.h"
#include "token/token.h"

static int login_basic(const struct http_front *f, struct request *rq, const char *value)
{
	char user[AUTH_BASIC_DECODED_MAX], pass[AUTH_BASIC_DECODED_MAX];
	struct auth_who who;
	if (auth_basic_credentials(value, user, sizeof user, pass, sizeof pass) != EMU_OK) {
		LOGI("auth", "malformed Basic credentials");
		return 401;
	}
	int rc = auth_basic(f->store, &f->cfg->auth, user, pass, &who);
	OPENSSL_cleanse(pass, strlen(pass));   /* what was written: the rest was never touched */
	if (rc == EMU_OK)
		return caller_set_basic(&rq->who, who.email, who.is_admin) == EMU_OK ? 0 : 500;
	if (who.locked_out)
		memcpy(rq->locked_out, who.email, sizeof rq->locked_out);   /* named in the log line only */
	return rc == EMU_EAUTH ? 401 : 500;
}

static int login_bearer(const struct http_front *f, struct request *rq, const char *token)
{
	const struct token_key *key = f->cfg->token_key;
	struct token_claims cl;
	int rc;

	rq->token_error = HTTP_TOKEN_INVALID;
	if (!key) {
		LOGI("auth", "bearer token refused: the server has no token key");
		return 401;
	}
	rc = token_verify(key, token, (int64_t)time(NULL), &cl);
	if (rc == EMU_ELIMIT) {
		rq->token_error = HTTP_TOKEN_EXPIRED;
		LOGI("auth", "bearer token for '%s' has expired", cl.sub);
		return 401;
	}
	if (rc == EMU_ENOMEM)
		return 500;
	if (rc) {
		LOGI("auth", "bearer token refused: forged, tampered or malformed");
		return 401;
	}
	/* the subject must still be a user; the caller is their primary address */
	char primary[STORE_ADDR_MAX + 1];
	rc = outlook_primary_address(&rq->ews, cl.sub, primary);
	if (rc == EMU_ENOTFOUND) {
		LOGI("auth", "bearer token for '%s': no such user", cl.sub);
		return 401;
	}
	if (rc)
		return 500;
	rq->token_error = HTTP_TOKEN_NONE;
	return caller_set_bearer(&rq->who, primary, cl.scopes) == EMU_OK ? 0 : 500;
}

/* One NTLM / Negotiate leg (spec §1, §2.2, §2.3). */
static int login_ntlm(const struct http_front *f, struct request *rq, const char *value)
{
	struct http_conn_state *cs = rq->conn;
	struct auth_ntlm an = { .store = f->store, .policy = &f->cfg->auth };
	struct ntlm_who who;
	enum ntlm_outcome out;
	char shown[AUTH_LOG_NAME_MAX + 4], *header = arena_alloc(rq->ews.arena, NTLM_HEADER_MAX);
	if (!header)
		return 500;
	if (!cs->ntlm && !(cs->ntlm = ntlm_ctx_new()))
		return 500;
	int rc = ntlm_step(cs->ntlm, &f->cfg->ntlm_names, value, time(NULL), auth_ntlm_lookup, &an, header, &out, &who);
	if (rc == EMU_ENOMEM || rc == EMU_ESTORE || rc == EMU_EINTERNAL)
		return 500;
	if (rc) {
		LOGI("auth", "NTLM token refused: %s (%s)", who.reason ? who.reason : "malformed", emu_strerror(rc));
		return 401;
	}
	if (out == NTLM_CHALLENGE) {
		rq->ntlm_challenge = header;
		return 401;
	}
	auth_log_name(who.user, shown);
	auth_ntlm_done(&an, out == NTLM_AUTHENTICATED);
	if (out != NTLM_AUTHENTICATED) {
		char dom[AUTH_LOG_NAME_MAX + 4];
		auth_log_name(who.domain, dom);
		LOGI("auth", "rejected NTLM login of '%s%s%s': %s", dom, dom[0] ? "\\" : "", shown, who.reason);
		if (an.locked_out && an.email[0])
			memcpy(rq->locked_out, an.email, sizeof rq->locked_out);
		return 401;
	}
	/* the connection is this user's until it ends or another Authorization comes */
	memcpy(cs->ntlm_user, an.email, sizeof cs->ntlm_user);
	cs->ntlm_is_admin = an.is_admin;
	if (header[0])
		rq->ntlm_final = header;
	LOGD("auth", "NTLM login of '%s' as %s", shown, an.email);
	return caller_set_basic(&rq->who, an.email, an.is_admin) == EMU_OK ? 0 : 500;
}

/* The scheme bit of --auth an NTLM-family header needs. */
static unsigned ntlm_scheme_bit(enum ntlm_scheme s)
{
	return s == NTLM_SCHEME_NTLM ? SERVER_AUTH_NTLM : SERVER_AUTH_NEGOTIATE;
}

int http_authenticate(const struct http_front *f, struct request *rq)
{
	const char *a = wire_msg_header(rq->msg, "Authorization");
	enum ntlm_scheme ns = ntlm_scheme_of(a);
	if (a)
		rq->conn->ntlm_user[0] = '\0';   /* a new Authorization header restarts (IIS) */
	if (ns && (f->cfg->auth_schemes & ntlm_scheme_bit(ns)))
		return login_ntlm(f, rq, a);
	if (ns) {
		LOGI("auth", "%s refused: not offered (--auth)", ns == NTLM_SCHEME_NTLM ? "NTLM" : "Negotiate");
		return 401;
	}
	if (a && !strncasecmp(a, "Basic", 5) && (a[5] == ' ' || a[5] == '\t')) {
		if (!(f->cfg->auth_schemes & SERVER_AUTH_BASIC)) {
			LOGI("auth", "Basic refused: not offered (--auth)");
			return 401;
		}
		return login_basic(f, rq, a);
	}
	if (a && !strncasecmp(a, "Bearer", 6) && (a[6] == ' ' || a[6] == '\t')) {
		const char *t = a + 6;
		t += strspn(t, " \t");
		return login_bearer(f, rq, t);
	}
	if (!a && rq->conn->ntlm_user[0])   /* authenticated earlier on this connection */
		return caller_set_basic(&rq->who, rq->conn->ntlm_user, rq->conn->ntlm_is_admin) == EMU_OK ? 0 : 500;
	caller_set_anonymous(&rq->who);
	return f->cfg->allow_anonymous ? 0 : 401;
}
