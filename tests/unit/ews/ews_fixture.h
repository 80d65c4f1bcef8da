/* ews_fixture.h - what the store-backed EWS unit tests share: a temporary
 * store with an op context, test JPEGs and directory users.  Include after
 * <cmocka.h>; link ews_fixture.c (tests/unit/ews/CMakeLists.txt). */
#ifndef EMU_TEST_EWS_FIXTURE_H
#define EMU_TEST_EWS_FIXTURE_H

#include <stddef.h>

#include "core/arena.h"
#include "ews/ews.h"

struct ews_fx {
	char dir[64];              /* the store directory, removed by ews_fx_close() */
	store_t *store;
	struct heap_arena heap;    /* ctx.arena */
	struct ews_config cfg;
	struct caller who;         /* ctx.caller */
	struct ews_ctx ctx;
};

/** Open a fresh store in a temp dir named after @p tag and set up ctx with
 * a Basic caller @p caller (NULL: anonymous) (HR48x48 prefers the
 * thumbnail, as the server's default). */
void ews_fx_open(struct ews_fx *f, const char *tag, const char *caller);
/** Make @p c a Basic caller @p address (NULL: anonymous) with admin flag
 * @p admin; returns @p c (for ctx.caller). */
const struct caller *ews_fx_as(struct caller *c, const char *address, int admin);

/** Free the arena, close the store, remove its directory. */
void ews_fx_close(struct ews_fx *f);

/** A w x h 4:4:4 JPEG of a pattern around @p shade (malloc'd; free it). */
unsigned char *ews_fx_jpeg(int w, int h, unsigned char shade, size_t *len);

/** SetUserPhoto of a @p size x @p size JPEG around @p shade for @p email,
 * as the Basic caller @p as (admin flag @p admin); the ResponseCode must
 * be @p want_code. */
void ews_fx_set_photo(struct ews_fx *f, const char *as, int admin, const char *email, int size,
                      unsigned char shade, const char *want_code);

/** Add directory user @p email (display name @p display or the address,
 * optional given/surname, one optional proxy, admin flag). */
void ews_fx_user(store_t *s, const char *email, const char *display, const char *given,
                 const char *surname, const char *proxy, int admin);

#endif
