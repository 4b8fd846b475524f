/*
 * pool: worker threads with a job queue. See pool.h.
 *
 * One mutex guards both queues and the counters; workers sleep on one
 * condition variable (work), takers on another (done).
 */
#include "pool.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct queue {
    struct pool_job *head;
    struct pool_job *tail;
};

struct worker {
    struct pool *pool;
    size_t index;
    pthread_t thread;
    int started;
};

struct pool {
    pthread_mutex_t mu;
    pthread_cond_t work;
    pthread_cond_t done_cv;
    struct queue todo;
    struct queue done;
    size_t outstanding; /* submitted, not taken */
    size_t finished;    /* in done */
    int stop;
    pool_fn fn;
    void *ctx;
    int notify_fd;
    struct worker *w;
    size_t n;
};

static void push(struct queue *q, struct pool_job *j)
{
    j->next = NULL;
    if (q->tail != NULL)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
}

static struct pool_job *pop(struct queue *q)
{
    struct pool_job *j = q->head;

    if (j != NULL) {
        q->head = j->next;
        if (q->head == NULL)
            q->tail = NULL;
        j->next = NULL;
    }
    return j;
}

static void *run(void *arg)
{
    struct worker *w = arg;
    struct pool *p = w->pool;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        struct pool_job *j;

        while (p->todo.head == NULL && !p->stop)
            pthread_cond_wait(&p->work, &p->mu);
        j = pop(&p->todo);
        if (j == NULL)
            break;
        pthread_mutex_unlock(&p->mu);
        p->fn(p->ctx, w->index, j);
        pthread_mutex_lock(&p->mu);
        push(&p->done, j);
        p->finished++;
        pthread_cond_broadcast(&p->done_cv);
        if (p->notify_fd >= 0) {
            char c = 'j';
            ssize_t r = write(p->notify_fd, &c, 1);

            /* A full pipe already holds a wake-up; the owner drains all jobs. */
            (void)r;
        }
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

struct pool *pool_new(size_t n, pool_fn fn, void *ctx, int notify_fd, struct err *e)
{
    struct pool *p = calloc(1, sizeof(*p));

    if (p == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done_cv, NULL);
    p->fn = fn;
    p->ctx = ctx;
    p->notify_fd = notify_fd;
    p->n = n ? n : 1;
    p->w = calloc(p->n, sizeof(*p->w));
    if (p->w == NULL) {
        util_err(e, "out of memory");
        pool_free(p);
        return NULL;
    }
    for (size_t i = 0; i < p->n; i++) {
        int rc;

        p->w[i].pool = p;
        p->w[i].index = i;
        rc = pthread_create(&p->w[i].thread, NULL, run, &p->w[i]);
        if (rc != 0) {
            util_err(e, "cannot start a worker thread: %s", strerror(rc));
            pool_free(p);
            return NULL;
        }
        p->w[i].started = 1;
    }
    return p;
}

void pool_submit(struct pool *p, struct pool_job *job)
{
    pthread_mutex_lock(&p->mu);
    push(&p->todo, job);
    p->outstanding++;
    pthread_cond_signal(&p->work);
    pthread_mutex_unlock(&p->mu);
}

struct pool_job *pool_take(struct pool *p, int block)
{
    struct pool_job *j;

    pthread_mutex_lock(&p->mu);
    while (block && p->done.head == NULL && p->outstanding > p->finished)
        pthread_cond_wait(&p->done_cv, &p->mu);
    j = pop(&p->done);
    if (j != NULL) {
        p->finished--;
        p->outstanding--;
    }
    pthread_mutex_unlock(&p->mu);
    return j;
}

size_t pool_outstanding(struct pool *p)
{
    size_t n;

    pthread_mutex_lock(&p->mu);
    n = p->outstanding;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void pool_free(struct pool *p)
{
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->mu);
    for (size_t i = 0; p->w != NULL && i < p->n; i++)
        if (p->w[i].started)
            pthread_join(p->w[i].thread, NULL);
    free(p->w);
    pthread_cond_destroy(&p->done_cv);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
