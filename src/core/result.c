/* result.c - the strerror table for emu_result. */
#include "core/result.h"

const char *emu_strerror(int r)
{
	switch ((emu_result)r) {
	case EMU_OK: return "success";
	case EMU_ENOTFOUND: return "not found";
	case EMU_EINVAL: return "invalid input";
	case EMU_ENOMEM: return "out of memory";
	case EMU_ESTORE: return "store failure";
	case EMU_EIMAGE: return "not a valid JPEG image";
	case EMU_ELIMIT: return "input exceeds a limit";
	case EMU_EEXIST: return "already exists";
	case EMU_EIO: return "I/O error";
	case EMU_EDENIED: return "access denied";
	case EMU_EAUTH: return "authentication required";
	case EMU_EFORMAT: return "unsupported format";
	case EMU_EDELETED: return "photo deleted";
	case EMU_EINTERNAL: return "internal error";
	case EMU_EBUSY: return "server busy";
	}
	return "unknown error";
}
