/*
 * progress.c - the progress bar that long commands (run, sweep) draw on
 * stderr, only when stderr is a terminal and not under CI=true.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

bool cti_progress_wanted(void)
{
    const char *ci = getenv("CI");
    return isatty(STDERR_FILENO) && !(ci && strcmp(ci, "true") == 0);
}

void cti_progress_draw(cti_progress *p, double fraction)
{
    int pct = (int)(fraction * 100);
    if (pct == p->last)
        return;
    p->last = pct;
    int filled = pct * 40 / 100;
    fprintf(stderr, "\r[%.*s%*s] %3d %%", filled, "########################################",
            40 - filled, "", pct);
    if (pct >= 100)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}
