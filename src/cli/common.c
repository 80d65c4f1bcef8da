/* common.c - store handling shared by the command files. */
#include "cli/cli_int.h"

#include <stdio.h>

#include "cli/cli.h"
#include "core/result.h"
#include "demo/demo.h"

int cli_open_store(const char *dir, store_t **s)
{
	int rc = store_open(dir, 0, s);
	if (rc)
		fprintf(stderr, "ewsemu: cannot open the store in %s: %s\n", dir, emu_strerror(rc));
	return rc;
}

int cli_finish(store_t *s, int rc, const char *err)
{
	if (rc)
		fprintf(stderr, "ewsemu: %s\n", err[0] ? err : emu_strerror(rc));
	store_close(s);
	return rc ? 1 : 0;
}

int cli_build_demo(store_t *s, const char *dir, const char *domain)
{
	int rc = demo_build(s, domain);
	if (rc == EMU_OK)
		printf("ewsemu: created the demo organisation @%s in %s\n", domain, dir);
	else
		fprintf(stderr, "ewsemu: demo: %s\n", rc == EMU_EEXIST ? "the store already has users" : emu_strerror(rc));
	return rc;
}
