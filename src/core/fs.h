/* fs.h - small file-system helpers shared by the store and the recorder. */
#ifndef EMU_CORE_FS_H
#define EMU_CORE_FS_H

#include <sys/types.h>

/** mkdir -p: create @p dir and the missing folders above it with @p mode.
 * @return EMU_OK when @p dir is a folder afterwards; EMU_EINVAL empty or
 *	longer than PATH_MAX; EMU_EIO a part cannot be created or @p dir is
 *	not a folder (logged under @p module, with the system's reason). */
int fs_make_dirs(const char *dir, mode_t mode, const char *module);

#endif
