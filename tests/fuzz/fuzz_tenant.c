/* fuzz_tenant.c - the tenant-file reader (src/admin: admin_import_tenant)
 * as `ewsemu import` runs it: a JSON file beside a photos/ folder, imported
 * into a real store in one write transaction.
 *
 * One store and one folder per process (created on the first input under
 * $TMPDIR, removed at exit): opening an LMDB environment per input would
 * cost more than the parse.  The folder holds photos/alice.jpg,
 * photos/alice-thumb.jpg, photos/bob.jpg and photos/carol-thumb.jpg
 * (avatars drawn by src/demo, the names the example tenant and the seeds
 * use), so inputs reach the photo, thumbnail and contact-picture paths.
 * Each input is written to tenant.json in that folder and imported; a good
 * file commits (the store keeps the users, as a real store would), a bad
 * one must leave the store as it was.
 *
 * Invariants checked beyond the sanitizers: a failed import explains
 * itself (err non-empty) and a successful one leaves err empty. */
#include <sys/stat.h>
#include <stdio.h>
#include <unistd.h>

#include "admin/admin.h"
#include "core/result.h"
#include "demo/avatar.h"
#include "store/store.h"

#include "fuzz_common.h"

#define FUZZ_TENANT_MAPSIZE ((size_t)256 << 20)   /* a full map is EMU_ELIMIT, not a crash */

static char g_dir[4096];
static char g_file[4200];
static store_t *g_store;

static void cleanup(void)
{
	store_close(g_store);
	g_store = NULL;
	if (g_dir[0] != '\0')
		fuzz_remove_tree(g_dir, 2);
}

static void put_avatar(const char *name, const char *initials, int size)
{
	char path[4300];
	unsigned char *jpeg = NULL;
	size_t len = 0;
	FILE *f;
	snprintf(path, sizeof path, "%s/photos/%s", g_dir, name);
	if (avatar_render_jpeg(initials, (uint32_t)size, size, size, 85, &jpeg, &len) != EMU_OK)
		abort();
	f = fopen(path, "wb");
	if (f == NULL || fwrite(jpeg, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(jpeg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[4300];
	(void)argc;
	(void)argv;
	fuzz_quiet_logs();
	fuzz_make_tmpdir(g_dir, sizeof g_dir, "tenant");
	atexit(cleanup);
	snprintf(path, sizeof path, "%s/photos", g_dir);
	if (mkdir(path, 0700) != 0)
		abort();
	put_avatar("alice.jpg", "AE", 256);
	put_avatar("alice-thumb.jpg", "AE", 64);
	put_avatar("bob.jpg", "BB", 120);
	put_avatar("carol-thumb.jpg", "CE", 48);
	snprintf(path, sizeof path, "%s/store", g_dir);
	if (store_open(path, FUZZ_TENANT_MAPSIZE, &g_store) != EMU_OK)
		abort();
	snprintf(g_file, sizeof g_file, "%s/tenant.json", g_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	FILE *f;
	int rc;

	if (size > ADMIN_IMPORT_MAX_FILE)
		return 0;
	f = fopen(g_file, "wb");
	if (f == NULL)
		abort();
	if ((size > 0 && fwrite(data, 1, size, f) != size) || fclose(f) != 0)
		abort();
	rc = admin_import_tenant(g_store, g_file, err, sizeof err);
	FUZZ_ASSERT(rc == EMU_OK ? err[0] == '\0' : err[0] != '\0');
	return 0;
}
