/*
 * Progress of long commands on stderr: one line rewritten in place
 * ("refheap: reading the heap... 40%"), only when stderr is a terminal and
 * the output is not JSON, so pipes, logs and machine-read output never
 * see it. REFHEAP_PROGRESS=0 turns it off, =1 forces it (tests).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/progress.h"

static int enabled = -1;   /* -1: not decided yet */
static size_t shown;       /* width of the line on screen */

void rh_progress_setup(bool json)
{
	const char *env = getenv("REFHEAP_PROGRESS");
	if (env && strcmp(env, "0") == 0)
		enabled = 0;
	else if (env && strcmp(env, "1") == 0)
		enabled = 1;
	else
		enabled = !json && isatty(STDERR_FILENO);
}

void rh_progress_line(const char *what, int percent)
{
	if (enabled < 0)
		rh_progress_setup(false);
	if (!enabled)
		return;
	char line[160];
	int n = percent >= 0 ? snprintf(line, sizeof(line), "refheap: %s %3d%%", what, percent)
			     : snprintf(line, sizeof(line), "refheap: %s", what);
	if (n < 0)
		return;
	size_t len = strlen(line);
	fprintf(stderr, "\r%s", line);
	for (size_t k = len; k < shown; k++)
		fputc(' ', stderr);
	shown = len;
	fflush(stderr);
}

void rh_progress_phase(const char *what, int percent)
{
	rh_progress_line(what, percent);
}

void rh_progress_done(void)
{
	if (enabled <= 0 || !shown)
		return;
	fputc('\r', stderr);
	for (size_t k = 0; k < shown; k++)
		fputc(' ', stderr);
	fputc('\r', stderr);
	fflush(stderr);
	shown = 0;
}
