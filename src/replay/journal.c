/* journal.c - the replay server's request journal: one JSON object per line
 * (jansson), appended and flushed per request so a test can read back what
 * its client sent while the server runs, and its reader (journal_cmd.c
 * prints it).  Credentials never reach the journal: Authorization, Cookie and the
 * like are dropped, the caller is only the Basic user name. */
#include "replay/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/log.h"
#include "core/result.h"
#include "replay/replay_int.h"

#define HEADER_JOIN_MAX (64u * 1024)   /* one header's values joined */

struct replay_journal {
	FILE *f;
	pthread_mutex_t lock;
	long long next_seq;
};

/* Request headers that never go into the journal: credentials and
 * hop-by-hop framing. */
static int header_dropped(const char *name)
{
	return wire_header_credential(name) || wire_header_hop_by_hop(name);
}

/* A JSON string for @p s (NULL -> null); bytes that are not UTF-8 become '?'
 * (jansson refuses them), so what a client sent is still visible. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *v = json_string(s);
	if (v)
		return v;
	size_t n = strlen(s);
	char *copy = malloc(n + 1);
	if (!copy)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, o = 0;
	while (i < n) {
		unsigned cp;
		int len = replay_utf8_char(p + i, n - i, &cp);
		if (len == 0) {
			copy[o++] = '?';
			i++;
		} else {
			memcpy(copy + o, p + i, (size_t)len);
			o += (size_t)len;
			i += (size_t)len;
		}
	}
	v = json_stringn(copy, o);
	free(copy);
	return v;
}

/* Bytes of @p body that are valid UTF-8 from the start; a sequence cut off
 * at the end counts as valid when @p cut (the body was truncated there). */
static size_t utf8_prefix(const unsigned char *body, size_t len, int cut, int *all_valid)
{
	size_t i = 0;
	while (i < len) {
		unsigned cp;
		int n = replay_utf8_char(body + i, len - i, &cp);
		if (n == 0) {
			/* a lead byte whose sequence runs past the cut is fine */
			*all_valid = cut && len - i < 4 && body[i] >= 0xC2 && body[i] <= 0xF4;
			if (*all_valid)
				for (size_t k = i + 1; k < len; k++)
					if ((body[k] & 0xC0) != 0x80)
						*all_valid = 0;
			return i;
		}
		i += (size_t)n;
	}
	*all_valid = 1;
	return len;
}

static void iso_now(char *out, size_t outsz)
{
	struct timespec ts;
	struct tm tm;
	char base[32];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, outsz, "%s.%03ldZ", base, ts.tv_nsec / 1000000L);
}

/* The headers as an object; repeated fields are joined with ", " (RFC 9110
 * §5.3). */
static json_t *headers_json(const struct wire_msg *req)
{
	json_t *h = json_object();
	if (!h)
		return NULL;
	for (int i = 0; i < req->nheaders; i++) {
		const char *name = req->headers[i].name;
		if (!name || header_dropped(name))
			continue;
		int seen = 0;
		for (int k = 0; k < i && !seen; k++)
			seen = req->headers[k].name && !strcasecmp(req->headers[k].name, name);
		if (seen)
			continue;
		struct dynbuf b;
		dynbuf_init(&b, HEADER_JOIN_MAX);
		for (int k = i; k < req->nheaders; k++) {
			if (!req->headers[k].name || strcasecmp(req->headers[k].name, name))
				continue;
			if (b.len)
				dynbuf_addstr(&b, ", ");
			dynbuf_addstr(&b, req->headers[k].value ? req->headers[k].value : "");
		}
		char *joined = NULL;
		if (dynbuf_take(&b, &joined, NULL) != EMU_OK) {
			json_decref(h);
			return NULL;
		}
		json_t *v = jstr(joined);
		free(joined);
		if (!v || json_object_set_new(h, name, v)) {
			json_decref(h);
			return NULL;
		}
	}
	return h;
}

static int body_json(json_t *o, const struct wire_msg *req)
{
	size_t len = req->body ? req->body_len : 0;
	int truncated = len > REPLAY_JOURNAL_BODY_MAX;
	size_t keep = truncated ? REPLAY_JOURNAL_BODY_MAX : len;
	int valid = 1;
	size_t text = utf8_prefix(req->body, keep, truncated, &valid);
	json_t *body;
	int b64 = 0;
	if (valid) {
		body = json_stringn(keep ? (const char *)req->body : "", text);
	} else {
		char *enc = malloc(BASE64_ENCODED_SIZE(keep));
		if (!enc)
			return EMU_ENOMEM;
		size_t n = base64_encode(req->body, keep, enc);
		body = json_stringn(enc, n);
		free(enc);
		b64 = 1;
	}
	if (!body || json_object_set_new(o, "body", body) ||
	    json_object_set_new(o, "body_base64", json_boolean(b64)) ||
	    json_object_set_new(o, "body_size", json_integer((json_int_t)len)) ||
	    json_object_set_new(o, "body_truncated", json_boolean(truncated)))
		return EMU_ENOMEM;
	return EMU_OK;
}

static long long last_seq(const char *path);

int replay_journal_open(const char *path, replay_journal_t **out)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		LOGE("replay", "cannot open the journal %s: %s", path, strerror(errno));
		return EMU_EIO;
	}
	replay_journal_t *j = calloc(1, sizeof *j);
	if (!j) {
		close(fd);
		return EMU_ENOMEM;
	}
	j->f = fdopen(fd, "a");
	if (!j->f) {
		LOGE("replay", "cannot open the journal %s: %s", path, strerror(errno));
		close(fd);
		free(j);
		return EMU_EIO;
	}
	pthread_mutex_init(&j->lock, NULL);
	j->next_seq = last_seq(path) + 1;
	*out = j;
	return EMU_OK;
}

void replay_journal_close(replay_journal_t *j)
{
	if (!j)
		return;
	if (fclose(j->f) != 0)
		LOGW("replay", "closing the journal: %s", strerror(errno));
	pthread_mutex_destroy(&j->lock);
	free(j);
}

int replay_journal_append(replay_journal_t *j, const struct wire_msg *req, const struct replay_journal_outcome *o,
                          long long *seq)
{
	char when[48];
	int rc = EMU_ENOMEM;
	char *line = NULL;
	json_t *obj = json_object();
	iso_now(when, sizeof when);
	if (!obj)
		goto out;
	/* "seq" first, filled in under the lock so lines are in seq order */
	if (json_object_set_new(obj, "seq", json_integer(0)) || json_object_set_new(obj, "time", json_string(when)) ||
	    json_object_set_new(obj, "method", jstr(req->method)) ||
	    json_object_set_new(obj, "target", jstr(req->target)) ||
	    json_object_set_new(obj, "operation", jstr(o->operation && *o->operation ? o->operation : NULL)) ||
	    json_object_set_new(obj, "caller", jstr(o->caller)) ||
	    json_object_set_new(obj, "headers", headers_json(req)))
		goto out;
	if ((rc = body_json(obj, req)) != EMU_OK)
		goto out;
	rc = EMU_ENOMEM;
	if (json_object_set_new(obj, "fixture", jstr(o->fixture)) ||
	    json_object_set_new(obj, "status", o->status ? json_integer(o->status) : json_string("reset")) ||
	    json_object_set_new(obj, "fault", jstr(o->fault)) ||
	    json_object_set_new(obj, "latency_ms", json_integer(o->latency_ms)) ||
	    json_object_set_new(obj, "fallthrough", json_boolean(o->fallthrough)) ||
	    json_object_set_new(obj, "near_miss", jstr(o->near_miss)))
		goto out;
	pthread_mutex_lock(&j->lock);
	long long n = j->next_seq;
	json_object_set_new(obj, "seq", json_integer((json_int_t)n));
	line = json_dumps(obj, JSON_COMPACT);
	if (!line) {
		pthread_mutex_unlock(&j->lock);
		goto out;
	}
	j->next_seq++;
	/* one line, flushed: a reader never sees half a request unless it reads
	 * during this write (it then skips the unterminated last line) */
	size_t len = strlen(line);
	int bad = fwrite(line, 1, len, j->f) != len || fputc('\n', j->f) == EOF || fflush(j->f) != 0;
	pthread_mutex_unlock(&j->lock);
	if (bad) {
		LOGE("replay", "cannot write the journal: %s", strerror(errno));
		rc = EMU_EIO;
		goto out;
	}
	if (seq)
		*seq = n;
	rc = EMU_OK;
out:
	free(line);
	json_decref(obj);
	return rc;
}

/* ---- reading ------------------------------------------------------------ */

static int dup_str(json_t *obj, const char *key, char **out)
{
	json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (!v || json_is_null(v))
		return EMU_OK;
	if (!json_is_string(v))
		return EMU_EINVAL;
	size_t n = json_string_length(v);
	*out = malloc(n + 1);
	if (!*out)
		return EMU_ENOMEM;
	memcpy(*out, json_string_value(v), n);
	(*out)[n] = '\0';
	return EMU_OK;
}

void replay_journal_entry_free(struct replay_journal_entry *e)
{
	free(e->time);
	free(e->method);
	free(e->target);
	free(e->operation);
	free(e->caller);
	for (int i = 0; i < e->nheaders; i++) {
		free(e->headers[i].name);
		free(e->headers[i].value);
	}
	free(e->headers);
	free(e->body);
	free(e->fixture);
	free(e->fault);
	free(e->near_miss);
	memset(e, 0, sizeof *e);
}

static int parse_headers(json_t *h, struct replay_journal_entry *e)
{
	if (!h || json_is_null(h))
		return EMU_OK;
	if (!json_is_object(h))
		return EMU_EINVAL;
	size_t n = json_object_size(h);
	if (n > WIRE_HEADERS_MAX)
		return EMU_ELIMIT;
	e->headers = calloc(n ? n : 1, sizeof *e->headers);
	if (!e->headers)
		return EMU_ENOMEM;
	const char *key;
	json_t *v;
	json_object_foreach(h, key, v) {
		if (!json_is_string(v))
			return EMU_EINVAL;
		struct wire_header *wh = &e->headers[e->nheaders++];
		wh->name = strdup(key);
		wh->value = strdup(json_string_value(v));
		if (!wh->name || !wh->value)
			return EMU_ENOMEM;
	}
	return EMU_OK;
}

static int parse_body(json_t *obj, struct replay_journal_entry *e)
{
	json_t *v = json_object_get(obj, "body");
	e->body_base64 = json_is_true(json_object_get(obj, "body_base64"));
	e->body_truncated = json_is_true(json_object_get(obj, "body_truncated"));
	json_t *sz = json_object_get(obj, "body_size");
	if (!v || json_is_null(v))
		return EMU_OK;
	if (!json_is_string(v))
		return EMU_EINVAL;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (n > REPLAY_JOURNAL_LINE_MAX)
		return EMU_ELIMIT;
	e->body = malloc(n + 1);
	if (!e->body)
		return EMU_ENOMEM;
	if (e->body_base64) {
		if (base64_decode(s, n, e->body, n, &e->body_len) != EMU_OK)
			return EMU_EINVAL;
	} else {
		memcpy(e->body, s, n);
		e->body_len = n;
	}
	e->body[e->body_len] = '\0';
	e->body_size = json_is_integer(sz) && json_integer_value(sz) >= 0 ? (size_t)json_integer_value(sz) : e->body_len;
	return EMU_OK;
}

int replay_journal_parse(const char *line, size_t len, struct replay_journal_entry *e)
{
	json_error_t jerr;
	int rc = EMU_EINVAL;
	memset(e, 0, sizeof *e);
	json_t *obj = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!obj || !json_is_object(obj) || !json_is_integer(json_object_get(obj, "seq")))
		goto out;
	e->seq = (long long)json_integer_value(json_object_get(obj, "seq"));
	json_t *st = json_object_get(obj, "status");
	if (json_is_integer(st))
		e->status = (int)json_integer_value(st);
	else if (!json_is_string(st) || strcmp(json_string_value(st), "reset"))
		goto out;
	json_t *lat = json_object_get(obj, "latency_ms");
	e->latency_ms = json_is_integer(lat) ? (int)json_integer_value(lat) : 0;
	e->fallthrough = json_is_true(json_object_get(obj, "fallthrough"));
	if ((rc = dup_str(obj, "time", &e->time)) || (rc = dup_str(obj, "method", &e->method)) ||
	    (rc = dup_str(obj, "target", &e->target)) || (rc = dup_str(obj, "operation", &e->operation)) ||
	    (rc = dup_str(obj, "caller", &e->caller)) || (rc = dup_str(obj, "fixture", &e->fixture)) ||
	    (rc = dup_str(obj, "fault", &e->fault)) || (rc = dup_str(obj, "near_miss", &e->near_miss)) ||
	    (rc = parse_headers(json_object_get(obj, "headers"), e)) || (rc = parse_body(obj, e)))
		goto out;
	rc = e->method && e->target ? EMU_OK : EMU_EINVAL;
out:
	json_decref(obj);
	if (rc != EMU_OK)
		replay_journal_entry_free(e);
	return rc;
}

/* The sequence number of the last complete line of @p path (0 if none). */
static long long last_seq(const char *path)
{
	long long seq = 0;
	char *buf = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	if (fseeko(f, 0, SEEK_END) != 0)
		goto out;
	off_t end = ftello(f);
	for (off_t win = 64 * 1024;; win *= 8) {
		if (win > end)
			win = end;
		if (win > (off_t)REPLAY_JOURNAL_LINE_MAX + 2)
			win = (off_t)REPLAY_JOURNAL_LINE_MAX + 2;
		free(buf);
		buf = malloc((size_t)win + 1);
		if (!buf || fseeko(f, end - win, SEEK_SET) != 0 || fread(buf, 1, (size_t)win, f) != (size_t)win)
			goto out;
		/* the last '\n' ends the last complete line; the one before starts it */
		off_t e = win;
		while (e > 0 && buf[e - 1] != '\n')
			e--;
		if (e == 0) {
			if (win == end || win > (off_t)REPLAY_JOURNAL_LINE_MAX)
				goto out;
			continue;
		}
		off_t s = e - 1;
		while (s > 0 && buf[s - 1] != '\n')
			s--;
		if (s == 0 && win < end) {
			if (win > (off_t)REPLAY_JOURNAL_LINE_MAX)
				goto out;
			continue;
		}
		struct replay_journal_entry ent;
		if (replay_journal_parse(buf + s, (size_t)(e - 1 - s), &ent) == EMU_OK) {
			seq = ent.seq;
			replay_journal_entry_free(&ent);
		}
		goto out;
	}
out:
	free(buf);
	fclose(f);
	return seq;
}
