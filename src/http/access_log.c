/* access_log.c - the W3C access log (see access_log.h). */
#include "http/access_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/result.h"

#define FIELDS "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) " \
               "cs(Referer) sc-status sc-substatus sc-win32-status time-taken"

struct access_log {
	int fd;
	int is_stdout;
	int may_block;                    /* a pipe, socket or terminal: a reader that stops
	                                   * reading must not stop the server */
	char *path;                       /* a file's path (reopened on SIGHUP) */
	pthread_mutex_t reopen_lock;
	pthread_mutex_t pipe_lock;        /* may_block: poll + write as one step */
	atomic_int failed;                /* writes that failed since the last success */
};

static volatile sig_atomic_t g_hup;   /* SIGHUP seen: reopen at the next write */

static void on_hup(int sig)
{
	(void)sig;
	g_hup = 1;
}

/* ---- formatting --------------------------------------------------------------- */

struct out {
	char *p;
	size_t len, cap;                  /* cap excludes the NUL */
};

static void put_raw(struct out *o, const char *s, size_t n)
{
	if (n > o->cap - o->len)
		n = o->cap - o->len;
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void put_str(struct out *o, const char *s)
{
	put_raw(o, s, strlen(s));
}

/* @p n bytes at @p s escaped as IIS writes a field, at most @p max output
 * bytes (never half an escape); "-" when empty or NULL. */
static void put_field(struct out *o, const char *s, size_t n, size_t max)
{
	static const char hex[] = "0123456789ABCDEF";
	if (!s || n == 0) {
		put_raw(o, "-", 1);
		return;
	}
	if (max > o->cap - o->len)
		max = o->cap - o->len;
	size_t w = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char e[3];
		size_t k = 1;
		if (c == ' ')
			e[0] = '+';
		else if (c < 0x20 || c > 0x7e) {
			e[0] = '%';
			e[1] = hex[c >> 4];
			e[2] = hex[c & 15];
			k = 3;
		} else
			e[0] = (char)c;
		if (w + k > max)
			break;
		memcpy(o->p + o->len + w, e, k);
		w += k;
	}
	o->len += w;
}

static void put_text(struct out *o, const char *s)
{
	put_field(o, s, s ? strlen(s) : 0, ACCESS_LOG_FIELD_MAX);
}

static void put_num(struct out *o, unsigned long v)
{
	char b[24];
	int n = snprintf(b, sizeof b, "%lu", v);
	put_raw(o, b, (size_t)n);
}

/* cs-uri-query: the client's query, then Exchange's front-end items. */
static void put_query(struct out *o, const struct access_entry *e)
{
	if (e->query && e->query[0])
		put_text(o, e->query);
	put_str(o, "&CorrelationID=");
	if (e->correlation_id && e->correlation_id[0])
		put_field(o, e->correlation_id, strlen(e->correlation_id), 128);
	else
		put_str(o, "<empty>");
	put_str(o, ";&cafeReqId=");
	put_text(o, e->request_id);
	put_str(o, ";");
	if (e->op && e->op[0]) {
		put_str(o, "&Operation=");
		put_field(o, e->op, strlen(e->op), 128);
		put_str(o, ";");
	}
	if (e->codes && e->codes[0]) {
		put_str(o, "&ResponseCode=");
		put_field(o, e->codes, strlen(e->codes), ACCESS_LOG_CODES_MAX);
		put_str(o, ";");
	}
}

size_t access_log_format(const struct access_entry *e, char *buf, size_t bufsz)
{
	/* the tail (status .. time-taken and the newline) is at most ~60 bytes:
	 * the free-text fields before it are cut to leave room for it */
	enum { TAIL = 80 };
	struct out o = { buf, 0, bufsz - 1 - TAIL };
	struct tm tm;
	char stamp[32];
	gmtime_r(&e->when.tv_sec, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	put_str(&o, stamp);
	put_raw(&o, " ", 1);
	put_text(&o, e->s_ip);
	put_raw(&o, " ", 1);
	put_text(&o, e->method);
	put_raw(&o, " ", 1);
	put_field(&o, e->stem, e->stem ? e->stem_len : 0, ACCESS_LOG_FIELD_MAX);
	put_raw(&o, " ", 1);
	put_query(&o, e);
	put_raw(&o, " ", 1);
	if (e->s_port > 0)
		put_num(&o, (unsigned long)e->s_port);
	else
		put_raw(&o, "-", 1);
	put_raw(&o, " ", 1);
	put_text(&o, e->user);
	put_raw(&o, " ", 1);
	put_text(&o, e->c_ip);
	put_raw(&o, " ", 1);
	put_text(&o, e->user_agent);
	put_raw(&o, " ", 1);
	put_text(&o, e->referer);
	o.cap = bufsz - 1;   /* the tail always fits */
	char tail[TAIL];
	int n = snprintf(tail, sizeof tail, " %d %d %lu %ld\n", e->status, e->substatus, e->win32,
	                 e->time_taken_ms < 0 ? 0L : e->time_taken_ms);
	put_raw(&o, tail, (size_t)n);
	buf[o.len] = '\0';
	return o.len;
}

void access_log_split_addr(const char *addr, char ip[ACCESS_LOG_IP_MAX], int *port)
{
	const char *host = addr ? addr : "";
	size_t hlen;
	const char *colon;
	*port = 0;
	if (host[0] == '[') {
		const char *close = strchr(host, ']');
		hlen = close ? (size_t)(close - host - 1) : strlen(host + 1);
		host++;
		colon = close && close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(host, ':');
		if (colon && strchr(host, ':') != colon)
			colon = NULL;   /* a bare IPv6 address */
		hlen = colon ? (size_t)(colon - host) : strlen(host);
	}
	if (colon) {
		char *end;
		long v = strtol(colon + 1, &end, 10);
		if (end != colon + 1 && !*end && v > 0 && v < 65536)
			*port = (int)v;
	}
	if (hlen == 0 || hlen >= ACCESS_LOG_IP_MAX)
		snprintf(ip, ACCESS_LOG_IP_MAX, "-");
	else
		snprintf(ip, ACCESS_LOG_IP_MAX, "%.*s", (int)hlen, host);
}

/* ---- the file ------------------------------------------------------------------ */

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

static int write_header(int fd)
{
	char buf[512], stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
	int n = snprintf(buf, sizeof buf,
	                 "#Software: Microsoft Internet Information Services 10.0\n#Version: 1.0\n#Date: %s\n"
	                 "#Fields: " FIELDS "\n", stamp);
	return write_all(fd, buf, (size_t)n);
}

static int open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
}

int access_log_open(const char *path, access_log_t **out)
{
	*out = NULL;
	struct access_log *l = calloc(1, sizeof *l);
	if (!l)
		return EMU_ENOMEM;
	pthread_mutex_init(&l->reopen_lock, NULL);
	pthread_mutex_init(&l->pipe_lock, NULL);
	if (!strcmp(path, "-")) {
		l->fd = STDOUT_FILENO;
		l->is_stdout = 1;
		fflush(stdout);   /* what stdio holds goes before the header */
	} else {
		if (!(l->path = strdup(path))) {
			access_log_close(l);
			return EMU_ENOMEM;
		}
		l->fd = open_file(path);
		if (l->fd < 0) {
			LOGE("http", "cannot open the access log %s: %s", path, strerror(errno));
			l->is_stdout = 1;   /* nothing to close */
			access_log_close(l);
			return EMU_EIO;
		}
		struct sigaction sa = { .sa_handler = on_hup };
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		sigaction(SIGHUP, &sa, NULL);
	}
	struct stat st;
	l->may_block = fstat(l->fd, &st) != 0 || !S_ISREG(st.st_mode);
	if (write_header(l->fd) != 0)
		LOGW("http", "cannot write the access log header: %s", strerror(errno));
	*out = l;
	return EMU_OK;
}

void access_log_close(access_log_t *l)
{
	if (!l)
		return;
	if (!l->is_stdout && l->fd >= 0)
		close(l->fd);
	pthread_mutex_destroy(&l->reopen_lock);
	pthread_mutex_destroy(&l->pipe_lock);
	free(l->path);
	free(l);
}

/* After SIGHUP: the path's new file takes the old one's descriptor. */
static void reopen(struct access_log *l)
{
	pthread_mutex_lock(&l->reopen_lock);
	if (g_hup) {
		g_hup = 0;
		int fd = open_file(l->path);
		if (fd < 0) {
			LOGW("http", "cannot reopen the access log %s: %s (writing on to the old file)", l->path,
			     strerror(errno));
		} else {
			if (dup2(fd, l->fd) < 0)
				LOGW("http", "cannot reopen the access log %s: %s", l->path, strerror(errno));
			else
				write_header(l->fd);
			close(fd);
		}
	}
	pthread_mutex_unlock(&l->reopen_lock);
}

void access_log_write(access_log_t *l, const struct access_entry *e)
{
	char line[ACCESS_LOG_LINE_MAX];
	if (!l)
		return;
	if (g_hup && !l->is_stdout)
		reopen(l);
	size_t n = access_log_format(e, line, sizeof line);
	int bad;
	if (l->may_block) {
		/* a full pipe (its reader stopped reading): the line is dropped,
		 * not waited for.  POLLOUT on a pipe means a whole page is free, so
		 * a line (at most PIPE_BUF) goes in without blocking; the lock
		 * keeps another writer from taking that page in between */
		struct pollfd p = { .fd = l->fd, .events = POLLOUT };
		pthread_mutex_lock(&l->pipe_lock);
		int ready = poll(&p, 1, 0) == 1 && (p.revents & POLLOUT);
		bad = ready ? write_all(l->fd, line, n) : 1;
		pthread_mutex_unlock(&l->pipe_lock);
		if (!ready) {
			if (atomic_fetch_add(&l->failed, 1) == 0)
				LOGW("http", "the access log's reader is not reading: lines are dropped until it does");
			return;
		}
	} else {
		bad = write_all(l->fd, line, n);
	}
	if (bad) {
		if (atomic_fetch_add(&l->failed, 1) == 0)
			LOGW("http", "cannot write the access log: %s (lines are lost until it works again)", strerror(errno));
	} else if (atomic_load_explicit(&l->failed, memory_order_relaxed)) {
		atomic_store(&l->failed, 0);
	}
}
