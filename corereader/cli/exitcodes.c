/*
 * Error code -> exit status; see exitcodes.h.
 */
#include "config.h"

#include "cli/exitcodes.h"

int rh_exit_status(const struct rh_error *err)
{
	if (!err)
		return RH_EXIT_OK;
	switch (err->code) {
	case RH_ERR_NOT_CORE: return RH_EXIT_NOT_CORE;
	case RH_ERR_TRUNCATED: return RH_EXIT_TRUNCATED;
	case RH_ERR_NOT_PYTHON: return RH_EXIT_NOT_PYTHON;
	case RH_ERR_MISSING_DEBUG_INFO: return RH_EXIT_NO_DEBUG_INFO;
	case RH_ERR_UNSUPPORTED: return RH_EXIT_UNSUPPORTED;
	case RH_ERR_OS: return RH_EXIT_OS;
	case RH_ERR_NOT_FOUND: return RH_EXIT_NO_PROCESS;
	case RH_ERR_INVALID_ARGUMENT: return RH_EXIT_USAGE;
	case RH_ERR_NO_MEMORY:
	case RH_ERR_FAULT:
	case RH_ERR_BAD_DATA:
	case RH_ERR_LIMIT:
	default:
		return RH_EXIT_FATAL;
	}
}

const char rh_exit_status_help[] =
	"Exit status:\n"
	"   0  success\n"
	"   1  partial: done, but some target data was unreadable (listed as problems)\n"
	"   2  fatal: corrupt target data, unreadable memory, out of memory\n"
	"   3  the input is not an ELF core file\n"
	"   4  the core file is truncated\n"
	"   5  not a Python process (no CPython runtime found)\n"
	"   6  missing debug info (DWARF) for the interpreter\n"
	"   7  unsupported Python version or build\n"
	"   8  operating-system error (cannot open a file, permission denied)\n"
	"   9  no such process\n"
	"  10  no object at the address given (why, refs, referrers)\n"
	"  64  usage error\n";
