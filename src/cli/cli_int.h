/* cli_int.h - what the command files of src/cli/ share (not public). */
#ifndef EMU_CLI_CLI_INT_H
#define EMU_CLI_CLI_INT_H

#include <stddef.h>

#include "store/store.h"

/** Open the store in @p dir; on failure says so on stderr.  Returns
 * store_open()'s result. */
int cli_open_store(const char *dir, store_t **s);
/** Close @p s and turn @p rc into an exit status (0, or 1 with @p err, or
 * emu_strerror(rc) when @p err is empty, on stderr). */
int cli_finish(store_t *s, int rc, const char *err);
/** Build the demo organisation @ @p domain in @p s (the store in @p dir) and
 * say so; EMU_EEXIST when the store already has users (said on stderr). */
int cli_build_demo(store_t *s, const char *dir, const char *domain);

#endif
