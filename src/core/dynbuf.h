/* dynbuf.h - the one growable byte buffer, with a declared maximum.
 *
 * Modelled on curl's dynbuf: a buffer is set up with the most bytes it may
 * ever hold and grows on demand up to that; an append that would pass the
 * maximum fails with EMU_ELIMIT and leaves the contents as they were.  The
 * contents are always followed by a NUL (not counted in the length), so text
 * can be used as a C string; binary data may contain NULs of its own.
 *
 * The first failed append (EMU_ELIMIT or EMU_ENOMEM) sticks: every later
 * append returns the same code and changes nothing, so a caller may append
 * a whole message and check once, with dynbuf_error() or dynbuf_take().
 * dynbuf_reset() clears it.
 *
 * The struct is plain data: read p and len directly (p is NULL until the
 * first successful append or reserve).  A zeroed struct is a valid buffer
 * whose maximum is 0 (every non-empty append fails); set the maximum with
 * dynbuf_init().  Not thread-safe; one owner at a time.
 */
#ifndef EMU_CORE_DYNBUF_H
#define EMU_CORE_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

/** The first allocation, in bytes (grows by doubling up to max + 1). */
#define DYNBUF_INIT_CAP 256

struct dynbuf {
	char *p;        /* contents + NUL, malloc'd; NULL while nothing was allocated */
	size_t len;     /* bytes of contents (the NUL not counted) */
	size_t cap;     /* bytes allocated at p (len + 1 <= cap when p is set) */
	size_t max;     /* most bytes of contents the buffer may hold */
	int err;        /* 0, or the first failure: EMU_ELIMIT / EMU_ENOMEM */
};

/** Set up an empty buffer that may hold up to @p max bytes (plus the NUL).
 * Allocates nothing.  @p max must be below SIZE_MAX. */
void dynbuf_init(struct dynbuf *d, size_t max);

/** Append @p n bytes of @p data (@p data may be NULL when @p n is 0; even
 * then the buffer is allocated, so p is a valid string afterwards).
 * @return EMU_OK;
 *	EMU_ELIMIT len + n would pass max (contents unchanged);
 *	EMU_ENOMEM (contents unchanged);
 *	the stuck error of an earlier failure. */
int dynbuf_add(struct dynbuf *d, const void *data, size_t n);

/** dynbuf_add() of the C string @p s (without its NUL). */
int dynbuf_addstr(struct dynbuf *d, const char *s);

/** Append printf-formatted text.  The formatted text goes in whole or not
 * at all.
 * @return as dynbuf_add(); EMU_EINTERNAL when the format itself fails
 *	(also sticks). */
int dynbuf_addf(struct dynbuf *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** dynbuf_addf() with a va_list. */
int dynbuf_vaddf(struct dynbuf *d, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/** Append the contents of @p src; when @p src has failed, @p d takes its
 * error instead (so passes that build in a scratch buffer hand failures on).
 * @return as dynbuf_add(). */
int dynbuf_addbuf(struct dynbuf *d, const struct dynbuf *src);

/** Make room for @p n more bytes after the contents (and the NUL after
 * them), for a caller that writes into p + len itself (e.g. a recv()) and
 * then calls dynbuf_added().  Contents unchanged.
 * @return EMU_OK (p + len has room for n + 1 bytes); EMU_ELIMIT len + n
 *	would pass max; EMU_ENOMEM; a stuck error. */
int dynbuf_reserve(struct dynbuf *d, size_t n);

/** Count @p n bytes the caller wrote at p + len (after dynbuf_reserve())
 * as contents, and put the NUL after them.
 * @return EMU_OK; EMU_EINVAL @p n is more than the reserved room, or the
 *	buffer has failed (nothing changes). */
int dynbuf_added(struct dynbuf *d, size_t n);

/** Cut the contents to @p len bytes (memory kept).
 * @return EMU_OK; EMU_EINVAL @p len is longer than the contents. */
int dynbuf_setlen(struct dynbuf *d, size_t len);

/** Empty the buffer and clear a stuck error; memory and max are kept. */
void dynbuf_reset(struct dynbuf *d);

/** The contents as a C string: "" (static) while nothing was allocated. */
const char *dynbuf_str(const struct dynbuf *d);

/** 0, or the stuck error of the first failed append. */
int dynbuf_error(const struct dynbuf *d);

/** Hand the contents over: *@p out gets the malloc'd, NUL-terminated
 * string (the caller free()s it; "" allocated when empty) and *@p len its
 * length (@p len may be NULL).  The buffer is left empty with its max.
 * After a failed append the contents are freed instead and nothing is
 * handed over (*out NULL).
 * @return EMU_OK; the stuck error; EMU_ENOMEM. */
int dynbuf_take(struct dynbuf *d, char **out, size_t *len);

/** Free the memory; the buffer is left empty, error cleared, max kept. */
void dynbuf_free(struct dynbuf *d);

#endif
