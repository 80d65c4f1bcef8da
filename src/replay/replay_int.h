/* replay_int.h - helpers shared by the files of the replay module (not
 * part of its public interface). */
#ifndef EMU_REPLAY_REPLAY_INT_H
#define EMU_REPLAY_REPLAY_INT_H

#include <stddef.h>

#include "core/dynbuf.h"

/** Append @p s XML-escaped (& < > " '); bytes that are not valid UTF-8 or
 * not XML 1.0 characters become '?'.  Failures stick in @p b. */
void replay_buf_xml(struct dynbuf *b, const char *s);

/** Length of the valid UTF-8 sequence at @p p (1..4), or 0 when the bytes
 * there are invalid or cut off by @p n; *cp gets the code point. */
int replay_utf8_char(const unsigned char *p, size_t n, unsigned *cp);


/** "Basic base64(user:password)" into @p out; -1 when it does not fit. */
int replay_basic_auth(const char *user, const char *password, char *out, size_t outsz);

#endif
