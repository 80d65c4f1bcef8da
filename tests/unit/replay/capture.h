/* capture.h - run a command entry point (journal_command, verify_command)
 * with its standard output captured, for the replay unit tests. */
#ifndef EMU_TEST_REPLAY_CAPTURE_H
#define EMU_TEST_REPLAY_CAPTURE_H

#include <stddef.h>

/** Run @p cmd(argc, argv) with stdout redirected into the file @p capfile,
 * then copy what it printed (at most @p outsz - 1 bytes, NUL-terminated)
 * into @p out.  Returns the command's exit status. */
int run_captured(int (*cmd)(int, char **), int argc, char **argv, const char *capfile, char *out, size_t outsz);

#endif
