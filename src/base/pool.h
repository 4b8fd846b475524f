/*
 * pool: a fixed set of worker threads that run jobs in the order they were
 * submitted, each on one worker (whose index the job function gets, so it
 * can use that worker's own connections). Finished jobs queue up until the
 * owner takes them; when the owner gave a file descriptor, one byte is
 * written to it per finished job, so a poll loop wakes up.
 *
 * Jobs are the caller's: a struct embedding struct pool_job first. The
 * pool never frees one. Any thread may submit and take; job functions run
 * on the workers.
 * Depends on util, pthreads.
 */
#ifndef SLO_POOL_H
#define SLO_POOL_H

#include <stddef.h>
#include "util.h"

struct pool_job {
    struct pool_job *next; /* the pool's link; do not touch */
};

/* Runs job on worker (0 .. n-1); ctx as given to pool_new. */
typedef void (*pool_fn)(void *ctx, size_t worker, struct pool_job *job);

struct pool;

/*
 * Starts n (>= 1) workers running fn. notify_fd >= 0 receives one byte 'j'
 * per finished job (a full pipe is not an error: the owner drains jobs
 * anyway). NULL with e set when threads cannot be started.
 */
struct pool *pool_new(size_t n, pool_fn fn, void *ctx, int notify_fd, struct err *e);

/* Queues job. Never blocks on the workers. */
void pool_submit(struct pool *p, struct pool_job *job);

/*
 * A finished job, or NULL when none is (yet): with block, waits until one
 * finishes, unless no job is queued or running (then NULL at once).
 */
struct pool_job *pool_take(struct pool *p, int block);

/* Jobs submitted and not taken yet (queued, running or finished). */
size_t pool_outstanding(struct pool *p);

/*
 * Stops the workers once the queued and running jobs have finished, and
 * frees the pool; finished jobs not taken are the caller's to have freed
 * before (take them first). Accepts NULL.
 */
void pool_free(struct pool *p);

#endif
