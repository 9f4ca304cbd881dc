/*
 * Progress of long commands on stderr (see progress.c): only on a
 * terminal, never in pipes or with --json.
 */
#ifndef RH_CLI_PROGRESS_H
#define RH_CLI_PROGRESS_H

#include <stdbool.h>

/** Decide once per command: on when stderr is a terminal and not json. */
void rh_progress_setup(bool json);
/** Show "refheap: WHAT NN%" (percent < 0: no percent), replacing the last. */
void rh_progress_line(const char *what, int percent);
/** The same, for a phase of the command. */
void rh_progress_phase(const char *what, int percent);
/** Clear the line (before any other output to stderr, and at the end). */
void rh_progress_done(void);

#endif /* RH_CLI_PROGRESS_H */
