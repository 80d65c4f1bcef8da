/* log.h - leveled logging to stderr, one line per event, thread-safe. */
#ifndef EMU_CORE_LOG_H
#define EMU_CORE_LOG_H

#include <stddef.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/** Set the most verbose level printed (default LOG_INFO). */
void log_set_level(enum log_level level);
/** Parse "error|warn|info|debug"; returns 0 or -1 when unknown. */
int log_parse_level(const char *name, enum log_level *out);
/** The --log-level option of every command: set the level named @p name, or
 * say on stderr that it is unknown and return -1. */
int log_level_option(const char *name);
int log_enabled(enum log_level level);
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/** Write @p len bytes at @p text as one log line of @p level (the same
 * prefix as log_msg; no length limit, no format: for long records such as
 * debug bodies; the caller keeps them one line).  One stdio write: lines
 * never interleave. */
void log_text(enum log_level level, const char *module, const char *text, size_t len);

#define LOGE(mod, ...) log_msg(LOG_ERROR, mod, __VA_ARGS__)
#define LOGW(mod, ...) log_msg(LOG_WARN, mod, __VA_ARGS__)
#define LOGI(mod, ...) log_msg(LOG_INFO, mod, __VA_ARGS__)
#define LOGD(mod, ...) do { if (log_enabled(LOG_DEBUG)) log_msg(LOG_DEBUG, mod, __VA_ARGS__); } while (0)

#endif
