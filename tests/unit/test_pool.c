/*
 * Unit tests for pool: worker threads with a job queue. Jobs record which
 * worker ran them and when they overlapped; the owner takes them back,
 * blocking or not, and a notify pipe gets one byte per finished job.
 */
#include "testutil.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "pool.h"

struct tjob {
    struct pool_job link;
    int id;
    size_t worker;
    int done;
};

struct tctx {
    size_t nworkers;
    atomic_int running;
    atomic_int most; /* most jobs seen running at once */
    atomic_int ran;
    atomic_int held; /* jobs wait while it is set */
    int sleep_ms;
};

static void nap(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static void run(void *ctx, size_t worker, struct pool_job *pj)
{
    struct tctx *c = ctx;
    struct tjob *j = (struct tjob *)pj;
    int now = atomic_fetch_add(&c->running, 1) + 1;
    int most = atomic_load(&c->most);

    while (now > most && !atomic_compare_exchange_weak(&c->most, &most, now))
        ;
    while (atomic_load(&c->held))
        nap(1);
    if (c->sleep_ms > 0)
        nap(c->sleep_ms);
    j->worker = worker;
    j->done = 1;
    atomic_fetch_add(&c->ran, 1);
    atomic_fetch_sub(&c->running, 1);
}

/* Every job runs once, on a worker below n, at most n at a time; all come back. */
static void test_jobs_run_once_on_at_most_n_workers(void **state)
{
    struct tctx c = {.nworkers = 3, .sleep_ms = 5};
    struct tjob jobs[40];
    struct err e;
    struct pool *p;
    int seen[40] = {0};
    size_t back = 0;
    struct pool_job *pj;

    (void)state;
    atomic_init(&c.running, 0);
    atomic_init(&c.most, 0);
    atomic_init(&c.ran, 0);
    atomic_init(&c.held, 0);
    memset(jobs, 0, sizeof(jobs));
    p = pool_new(c.nworkers, run, &c, -1, &e);
    assert_non_null(p);
    for (int i = 0; i < 40; i++) {
        jobs[i].id = i;
        pool_submit(p, &jobs[i].link);
    }
    assert_true(pool_outstanding(p) <= 40);
    while ((pj = pool_take(p, 1)) != NULL) {
        struct tjob *j = (struct tjob *)pj;

        assert_true(j->done);
        assert_true(j->worker < c.nworkers);
        seen[j->id]++;
        back++;
    }
    assert_int_equal(back, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(seen[i], 1);
    assert_int_equal(atomic_load(&c.ran), 40);
    /* Three workers and sleeping jobs: they did overlap, never past three. */
    assert_true(atomic_load(&c.most) >= 2);
    assert_true(atomic_load(&c.most) <= 3);
    assert_int_equal(pool_outstanding(p), 0);
    pool_free(p);
}

/* Without block, take answers at once; the notify pipe counts finished jobs. */
static void test_take_without_blocking_and_notify_pipe(void **state)
{
    struct tctx c = {.nworkers = 2, .sleep_ms = 0};
    struct tjob jobs[5];
    struct err e;
    struct pool *p;
    int fd[2];
    char bytes[16];
    size_t back = 0;
    ssize_t n;

    (void)state;
    atomic_init(&c.running, 0);
    atomic_init(&c.most, 0);
    atomic_init(&c.ran, 0);
    atomic_init(&c.held, 1);
    memset(jobs, 0, sizeof(jobs));
    assert_int_equal(pipe(fd), 0);
    p = pool_new(c.nworkers, run, &c, fd[1], &e);
    assert_non_null(p);
    /* Nothing submitted: nothing to wait for, even blocking. */
    assert_null(pool_take(p, 1));
    for (int i = 0; i < 5; i++)
        pool_submit(p, &jobs[i].link);
    /* The jobs are held: none is done, and take does not wait for them. */
    assert_null(pool_take(p, 0));
    assert_int_equal(pool_outstanding(p), 5);
    atomic_store(&c.held, 0);
    while (back < 5) {
        if (pool_take(p, 0) != NULL)
            back++;
        else
            nap(1);
    }
    n = read(fd[0], bytes, sizeof(bytes));
    assert_int_equal(n, 5);
    assert_int_equal(pool_outstanding(p), 0);
    pool_free(p);
    close(fd[0]);
    close(fd[1]);
}

/* pool_free lets the queued and running jobs finish before it returns. */
static void test_free_finishes_queued_jobs(void **state)
{
    struct tctx c = {.nworkers = 1, .sleep_ms = 2};
    struct tjob jobs[6];
    struct err e;
    struct pool *p;

    (void)state;
    atomic_init(&c.running, 0);
    atomic_init(&c.most, 0);
    atomic_init(&c.ran, 0);
    atomic_init(&c.held, 0);
    memset(jobs, 0, sizeof(jobs));
    p = pool_new(c.nworkers, run, &c, -1, &e);
    assert_non_null(p);
    for (int i = 0; i < 6; i++)
        pool_submit(p, &jobs[i].link);
    pool_free(p);
    assert_int_equal(atomic_load(&c.ran), 6);
    for (int i = 0; i < 6; i++)
        assert_true(jobs[i].done);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_run_once_on_at_most_n_workers),
        cmocka_unit_test(test_take_without_blocking_and_notify_pipe),
        cmocka_unit_test(test_free_finishes_queued_jobs),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
