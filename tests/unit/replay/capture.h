/* capture.h - run a function that prints on stdout (replay_verify_run)
 * with its standard output captured, for the replay unit tests. */
#ifndef EMU_TEST_REPLAY_CAPTURE_H
#define EMU_TEST_REPLAY_CAPTURE_H

#include <stddef.h>

/** Run @p fn(@p ctx) with stdout redirected into the file @p capfile, then
 * copy what it printed (at most @p outsz - 1 bytes, NUL-terminated) into
 * @p out.  Returns what @p fn returned. */
int run_captured(int (*fn)(void *ctx), void *ctx, const char *capfile, char *out, size_t outsz);

#endif
