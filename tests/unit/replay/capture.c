/* capture.c - see capture.h. */
#include "capture.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include <cmocka.h>

int run_captured(int (*fn)(void *ctx), void *ctx, const char *capfile, char *out, size_t outsz)
{
	fflush(stdout);
	int saved = dup(1);
	int fd = open(capfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 1);
	close(fd);
	int rc = fn(ctx);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	FILE *f = fopen(capfile, "r");
	assert_non_null(f);
	size_t n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	fclose(f);
	return rc;
}
