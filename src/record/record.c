/* record.c - the recorder: one finished HTTP exchange in, one fixture file
 * out (DIR/NNNN-<operation>.fixture.xml).  Only headers that matter for
 * replay are kept; credentials, cookies, dates and framing never are.  The
 * Basic user name (never the password) becomes the fixture's caller.  With
 * anonymise on, anonymise.c rewrites the fixture before it is saved. */
#include "record/record.h"
#include "record/record_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "core/base64.h"
#include "core/fs.h"
#include "core/log.h"
#include "core/result.h"
#include "fixture/fixture.h"

#define OPNAME_MAX 128            /* bytes of an operation name */
#define FILE_OP_MAX 60            /* characters of the operation in a file name */
#define CALLER_MAX 320            /* bytes of a decoded Basic user name */
#define DIR_PATH_MAX 4096

struct recorder {
	char *dir;
	anon_t *anon;                 /* NULL unless anonymising */
	pthread_mutex_t lock;         /* numbering and the anonymiser's table */
	unsigned long next;           /* number of the next fixture */
};

/* Request headers worth replaying: what selects or shapes the answer.
 * Authorization, Cookie and Proxy-Authorization never appear here. */
static const char *const g_req_keep[] = {
	"Content-Type", "SOAPAction", "If-None-Match", "Accept", "Prefer", "X-AnchorMailbox",
};
/* Response headers a client acts on.  Not Set-Cookie (a credential), Date,
 * Expires (time-volatile), Server, request ids, or framing. */
static const char *const g_resp_keep[] = {
	"Content-Type", "ETag", "Cache-Control", "WWW-Authenticate", "Location", "Allow", "Retry-After",
};

const char *rec_memcasemem(const char *hay, size_t n, const char *needle, size_t nl)
{
	if (nl == 0)
		return hay;
	for (size_t i = 0; i + nl <= n; i++)
		if (strncasecmp(hay + i, needle, nl) == 0)
			return hay + i;
	return NULL;
}

char *rec_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* The highest NNNN of "NNNN-*.fixture.xml" in @p dir (0 when none). */
static int highest_number(const char *dir, unsigned long *out)
{
	DIR *d = opendir(dir);
	if (!d) {
		LOGE("record", "cannot read %s: %s", dir, strerror(errno));
		return EMU_EIO;
	}
	unsigned long best = 0;
	size_t sl = strlen(FIXTURE_SUFFIX);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		const char *s = e->d_name;
		size_t n = strlen(s), i = 0;
		unsigned long v = 0;
		while (i < n && i < 9 && isdigit((unsigned char)s[i]))
			v = v * 10 + (unsigned long)(s[i++] - '0');
		if (i == 0 || s[i] != '-' || n < sl || strcmp(s + n - sl, FIXTURE_SUFFIX) != 0)
			continue;
		if (v > best)
			best = v;
	}
	closedir(d);
	*out = best;
	return EMU_OK;
}

int recorder_open(const struct record_options *opt, recorder_t **out)
{
	int rc;
	recorder_t *r = NULL;
	unsigned long high = 0;
	*out = NULL;
	if (!opt || !opt->dir || !opt->dir[0])
		return EMU_EINVAL;
	if ((rc = fs_make_dirs(opt->dir, 0755, "record")) != EMU_OK || (rc = highest_number(opt->dir, &high)) != EMU_OK)
		return rc;
	r = calloc(1, sizeof *r);
	if (!r || !(r->dir = strdup(opt->dir))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	if (opt->anonymise && (rc = anon_open(opt->dir, opt->fake_domain, &r->anon)) != EMU_OK)
		goto out;
	pthread_mutex_init(&r->lock, NULL);
	r->next = high + 1;
	LOGI("record", "recording into %s (next fixture %04lu%s)", r->dir, r->next,
	     r->anon ? ", people anonymised" : "");
	*out = r;
	return EMU_OK;
out:
	if (r)
		free(r->dir);
	free(r);
	return rc;
}

const char *rec_dir(const struct recorder *r)
{
	return r->dir;
}

void recorder_close(recorder_t *r)
{
	if (!r)
		return;
	anon_close(r->anon);
	pthread_mutex_destroy(&r->lock);
	free(r->dir);
	free(r);
}

/* ---- building the fixture ----------------------------------------------- */

/* Copy the headers of @p m named in @p keep (every occurrence). */
static int copy_headers(struct fixture_msg *dst, const struct wire_msg *m, const char *const *keep, size_t nkeep)
{
	int n = 0;
	if (m->nheaders <= 0)
		return EMU_OK;
	dst->headers = calloc((size_t)m->nheaders, sizeof *dst->headers);
	if (!dst->headers)
		return EMU_ENOMEM;
	for (int i = 0; i < m->nheaders; i++) {
		const struct wire_header *h = &m->headers[i];
		size_t k = 0;
		while (k < nkeep && strcasecmp(h->name, keep[k]) != 0)
			k++;
		if (k == nkeep)
			continue;
		/* the canonical spelling, whatever the sender used */
		dst->headers[n].name = strdup(keep[k]);
		dst->headers[n].value = strdup(h->value ? h->value : "");
		if (!dst->headers[n].name || !dst->headers[n].value) {
			dst->nheaders = n + 1;
			return EMU_ENOMEM;
		}
		n++;
	}
	dst->nheaders = n;
	return EMU_OK;
}

/* The user name of a Basic Authorization header (never the password), or
 * NULL for Bearer, NTLM, Negotiate or none.  malloc'd. */
static char *basic_user(const struct wire_msg *req)
{
	char user[CALLER_MAX + 1];
	if (wire_basic_user(wire_msg_header(req, "Authorization"), user, sizeof user) != EMU_OK)
		return NULL;
	return strdup(user);
}

/* "GET GetUserPhoto" -> "GET-GetUserPhoto": characters safe in any file name. */
static void file_op(const char *op, char *out, size_t outsz)
{
	size_t n = 0;
	int dash = 1;   /* no leading '-' */
	for (const char *p = op; *p && n + 1 < outsz && n < FILE_OP_MAX; p++) {
		unsigned char c = (unsigned char)*p;
		if (isalnum(c) || c == '.' || c == '_') {
			if (c == '.' && n == 0)
				continue;   /* never a hidden file */
			out[n++] = (char)c;
			dash = 0;
		} else if (!dash) {
			out[n++] = '-';
			dash = 1;
		}
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	if (n == 0) {
		snprintf(out, outsz, "exchange");
		return;
	}
	out[n] = '\0';
}

static char *make_notes(int anonymised, const char *extra)
{
	char when[32], buf[512];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(buf, sizeof buf, "Recorded by ewsemu at %s.%s%s%s", when,
	         anonymised ? " People anonymised (names, addresses and photos are generated)." : "",
	         extra ? " " : "", extra ? extra : "");
	return strdup(buf);
}

static int set_body(struct fixture_body *b, const struct wire_msg *m)
{
	if (!m->body || m->body_len == 0)
		return EMU_OK;
	return fixture_body_set(b, wire_msg_header(m, "Content-Type"), m->body, m->body_len);
}

/* record_exchange with a remark for the notes (NULL: none). */
static int record_with_note(recorder_t *r, const struct wire_msg *req, const struct wire_msg *resp,
                            const char *remark)
{
	struct fixture f;
	char op[OPNAME_MAX], fop[FILE_OP_MAX + 1], name[FILE_OP_MAX + 32], path[DIR_PATH_MAX];
	int rc;
	memset(&f, 0, sizeof f);
	if (!r || !req || !resp || !req->method || !req->target || req->is_response || !resp->is_response)
		return EMU_EINVAL;
	fixture_operation_of(req->method, req->target, req->body, req->body_len, op, sizeof op);
	if (!(f.operation = strdup(op)) || !(f.request.method = strdup(req->method)) ||
	    !(f.request.target = strdup(req->target)) || !(f.notes = make_notes(r->anon != NULL, remark))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	f.caller = basic_user(req);
	f.response.status = resp->status;
	if ((rc = copy_headers(&f.request, req, g_req_keep, sizeof g_req_keep / sizeof *g_req_keep)) ||
	    (rc = copy_headers(&f.response, resp, g_resp_keep, sizeof g_resp_keep / sizeof *g_resp_keep)) ||
	    (rc = set_body(&f.request.body, req)) || (rc = set_body(&f.response.body, resp)))
		goto out;

	pthread_mutex_lock(&r->lock);
	if (r->anon && (rc = anon_fixture(r->anon, &f)) != EMU_OK && rc != EMU_EIO) {
		pthread_mutex_unlock(&r->lock);
		LOGE("record", "cannot anonymise %s %s: %s; not recorded", req->method, req->target, emu_strerror(rc));
		goto out;
	}
	unsigned long num = r->next++;
	pthread_mutex_unlock(&r->lock);

	file_op(op, fop, sizeof fop);
	snprintf(name, sizeof name, "%04lu-%s", num, fop);
	if (!(f.name = strdup(name))) {
		rc = EMU_ENOMEM;
		goto out;
	}
	if ((size_t)snprintf(path, sizeof path, "%s/%s%s", r->dir, name, FIXTURE_SUFFIX) >= sizeof path) {
		rc = EMU_ELIMIT;
		goto out;
	}
	rc = fixture_save(path, &f);
	if (rc)
		LOGE("record", "cannot write %s: %s", path, emu_strerror(rc));
	else
		LOGD("record", "%s %s -> %d recorded as %s", f.request.method, f.request.target, resp->status, name);
out:
	fixture_free(&f);
	return rc;
}

int record_exchange(recorder_t *r, const struct wire_msg *req, const struct wire_msg *resp)
{
	return record_with_note(r, req, resp, NULL);
}

/* ---- raw captures --------------------------------------------------------- */

