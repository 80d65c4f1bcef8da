/* fuzz_common.h - small helpers shared by the libFuzzer targets in this
 * folder (tests/fuzz/README.md).  Header-only: each target is one
 * executable built from its fuzz_<name>.c alone. */
#ifndef EMU_FUZZ_COMMON_H
#define EMU_FUZZ_COMMON_H

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"

/* The entry points libFuzzer calls (declared here so -Wmissing-prototypes
 * style warnings stay quiet and every target spells them the same way). */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Only errors: every rejected input would otherwise print a line, and the
 * terminal output costs more than the parse.  EWSEMU_FUZZ_LOG=debug (or
 * info, warn) turns logging back on when a reproducer is being studied. */
static inline void fuzz_quiet_logs(void)
{
	const char *lvl = getenv("EWSEMU_FUZZ_LOG");
	if (lvl == NULL || log_level_option(lvl) != 0)
		log_set_level(LOG_ERROR);
}

/* A NUL-terminated heap copy of the input (the APIs that take C strings
 * see exactly the bytes up to the first NUL, as they would from a socket
 * buffer); NULL when out of memory. */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (s != NULL) {
		if (size > 0)
			memcpy(s, data, size);
		s[size] = '\0';
	}
	return s;
}

/* Remove @p path and, for a folder, what it holds (@p depth levels below it
 * at most: the trees the targets make are shallow). */
static inline void fuzz_remove_tree(const char *path, int depth)
{
	DIR *d = depth > 0 ? opendir(path) : NULL;
	struct dirent *e;
	char sub[4352];
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		fuzz_remove_tree(sub, depth - 1);
	}
	if (d != NULL)
		closedir(d);
	(void)remove(path);
}

/* A fresh folder $TMPDIR/ewsemu-fuzz-<name>-XXXXXX (/tmp without TMPDIR)
 * into @p dir, for a target's per-process store and files; the target
 * removes it at exit with fuzz_remove_tree().  Aborts when it cannot. */
static inline void fuzz_make_tmpdir(char *dir, size_t dirsz, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, dirsz, "%s/ewsemu-fuzz-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
	if (mkdtemp(dir) == NULL) {
		perror("fuzz: mkdtemp");
		abort();
	}
}

/* Invariant violated: crash so libFuzzer saves the input.  A finding of the
 * harness's own checks, not of a sanitizer. */
#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			log_msg(LOG_ERROR, "fuzz", "%s:%d: invariant failed: %s", __FILE__, \
			        __LINE__, #cond);                                      \
			abort();                                                       \
		}                                                                      \
	} while (0)

#endif
