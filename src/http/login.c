/* login.c - who is calling: the one place a request's credentials become
 * its caller.  Basic goes to auth_basic() (store, lockout, cache), Bearer to
 * token_verify(); anything else (or nothing) is anonymous, admitted only
 * when the server allows it.  The result is a struct caller (ews/caller.h);
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

int http_authenticate(const struct http_front *f, struct request *rq)
{
	const char *a = wire_msg_header(rq->msg, "Authorization");
	if (a && !strncasecmp(a, "Basic", 5) && (a[5] == ' ' || a[5] == '\t'))
		return login_basic(f, rq, a);
	if (a && !strncasecmp(a, "Bearer", 6) && (a[6] == ' ' || a[6] == '\t')) {
		const char *t = a + 6;
		t += strspn(t, " \t");
		return login_bearer(f, rq, t);
	}
	caller_set_anonymous(&rq->who);
	return f->cfg->allow_anonymous ? 0 : 401;
}
