/* replay_int.h - helpers shared by the files of the replay module (not
 * part of its public interface). */
#ifndef EMU_REPLAY_REPLAY_INT_H
#define EMU_REPLAY_REPLAY_INT_H

#include <stddef.h>

/* A growing string with a declared maximum: once an append would pass
 * @max (or malloc fails) the buffer is marked failed and stays so. */
struct replay_buf {
	char *p;                           /* NUL-terminated when not NULL */
	size_t len, cap, max;
	int err;                           /* EMU_ELIMIT or EMU_ENOMEM after a failed append */
};

void replay_buf_init(struct replay_buf *b, size_t max);
void replay_buf_add(struct replay_buf *b, const void *data, size_t n);
void replay_buf_puts(struct replay_buf *b, const char *s);
void replay_buf_printf(struct replay_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Append @p s XML-escaped (& < > " '); bytes that are not valid UTF-8 or
 * not XML 1.0 characters become '?'. */
void replay_buf_xml(struct replay_buf *b, const char *s);
/** Hand over the string (caller free()s it) or, after a failure, free it
 * and return the error; *len may be NULL. */
int replay_buf_take(struct replay_buf *b, char **out, size_t *len);
void replay_buf_free(struct replay_buf *b);

/** Length of the valid UTF-8 sequence at @p p (1..4), or 0 when the bytes
 * there are invalid or cut off by @p n; *cp gets the code point. */
int replay_utf8_char(const unsigned char *p, size_t n, unsigned *cp);


/** "Basic base64(user:password)" into @p out; -1 when it does not fit. */
int replay_basic_auth(const char *user, const char *password, char *out, size_t outsz);

#endif
