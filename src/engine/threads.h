/*
 * threads.h - running one worker function on several threads (internal):
 * replications of a run and scenarios of a sweep share work this way.
 */
#ifndef CELLTWIN_ENGINE_THREADS_H
#define CELLTWIN_ENGINE_THREADS_H

/* Runs worker(ctx) on n threads, the calling thread being one of them, and
 * returns when all have returned. The workers take their tasks from ctx
 * (under their own lock). When a thread cannot be started, fewer run: the
 * work still gets done, by the calling thread if need be. */
void cti_run_threads(int n, void *(*worker)(void *), void *ctx);

#endif
