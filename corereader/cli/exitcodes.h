/*
 * Exit statuses of the refheap command: one table mapping error codes to
 * statuses, so every command exits the same way (eu-stack's convention for
 * 0/1/2/64, plus one status per failure a user must tell apart).
 */
#ifndef RH_CLI_EXITCODES_H
#define RH_CLI_EXITCODES_H

#include "util/error.h"

enum {
	RH_EXIT_OK = 0,
	RH_EXIT_PARTIAL = 1,       /* done, but some data was unreadable */
	RH_EXIT_FATAL = 2,         /* corrupt data, fault, no memory, ... */
	RH_EXIT_NOT_CORE = 3,
	RH_EXIT_TRUNCATED = 4,
	RH_EXIT_NOT_PYTHON = 5,
	RH_EXIT_NO_DEBUG_INFO = 6,
	RH_EXIT_UNSUPPORTED = 7,
	RH_EXIT_OS = 8,
	RH_EXIT_NO_PROCESS = 9,
	RH_EXIT_NO_OBJECT = 10,    /* the address given is not an object found */
	RH_EXIT_USAGE = 64,
};

/** The exit status for an error. */
int rh_exit_status(const struct rh_error *err);

/** The table as text for --help. */
extern const char rh_exit_status_help[];

#endif /* RH_CLI_EXITCODES_H */
