/*
 * threads.c - run one worker on several threads and wait for them.
 */
#include "engine/threads.h"

#include <pthread.h>
#include <stdlib.h>

void cti_run_threads(int n, void *(*worker)(void *), void *ctx)
{
    pthread_t *th = n > 1 ? calloc((size_t)n - 1, sizeof *th) : NULL;
    int started = 0;
    if (th)
        for (; started < n - 1; started++)
            if (pthread_create(&th[started], NULL, worker, ctx) != 0)
                break;
    worker(ctx);   /* the calling thread works too */
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    free(th);
}
