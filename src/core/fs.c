/* fs.c - file-system helpers (fs.h). */
#include "core/fs.h"

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "core/log.h"
#include "core/result.h"

int fs_make_dirs(const char *dir, mode_t mode, const char *module)
{
	char path[PATH_MAX];
	struct stat st;
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof path)
		return EMU_EINVAL;
	memcpy(path, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (path[i] != '/' && path[i] != '\0')
			continue;
		char saved = path[i];
		path[i] = '\0';
		if (mkdir(path, mode) != 0 && errno != EEXIST) {
			log_msg(LOG_ERROR, module, "cannot create %s: %s", path, strerror(errno));
			return EMU_EIO;
		}
		path[i] = saved;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		log_msg(LOG_ERROR, module, "%s is not a folder", dir);
		return EMU_EIO;
	}
	return EMU_OK;
}
