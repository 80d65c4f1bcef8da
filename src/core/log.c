/* log.c - stderr logger: "2026-01-01T00:00:00Z LEVEL module: text". */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static volatile int g_level = LOG_INFO;
static const char *const g_names[] = { "ERROR", "WARN", "INFO", "DEBUG" };

void log_set_level(enum log_level level) { g_level = (int)level; }

int log_enabled(enum log_level level) { return (int)level <= g_level; }

int log_parse_level(const char *name, enum log_level *out)
{
	static const char *const lower[] = { "error", "warn", "info", "debug" };
	for (int i = 0; i < 4; i++) {
		if (strcmp(name, lower[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

int log_level_option(const char *name)
{
	enum log_level lvl;
	if (log_parse_level(name, &lvl)) {
		fprintf(stderr, "ewsemu: unknown log level '%s'\n", name);
		return -1;
	}
	log_set_level(lvl);
	return 0;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char line[1024];
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	int n = snprintf(line, sizeof line, "%s %s %s: ", stamp, g_names[level], module);
	if (n < 0 || (size_t)n >= sizeof line)
		n = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	/* one fputs per line: stdio locks the stream, so lines never interleave */
	size_t len = strlen(line);
	if (len + 1 < sizeof line) {
		line[len] = '\n';
		line[len + 1] = '\0';
	}
	fputs(line, stderr);
}

void log_text(enum log_level level, const char *module, const char *text, size_t len)
{
	if (!log_enabled(level))
		return;
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	flockfile(stderr);   /* prefix, text and newline as one line */
	fprintf(stderr, "%s %s %s: ", stamp, g_names[level], module);
	fwrite(text, 1, len, stderr);
	fputc('\n', stderr);
	funlockfile(stderr);
}
