/*
 * Unit tests for statefile: round trip, refusal of damaged files, and
 * kill -9 in the middle of writes: a child process rewrites a large state
 * file over and over and is killed at a random moment; the file left behind
 * is always one complete payload (the previous or the new one), never a
 * torn one, and a leftover temporary file does not stop the next write.
 */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "statefile.h"

static char dir[] = "/tmp/slo-statefile-XXXXXX";
static char path[256];

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/state.bin", dir);
    return 0;
}

static int teardown(void **state)
{
    char tmp[300];

    (void)state;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    unlink(path);
    unlink(tmp);
    rmdir(dir);
    return 0;
}

/* Payload number k: len bytes, each a function of k and its offset. */
static uint8_t *payload(uint32_t k, size_t len)
{
    uint8_t *p = malloc(len);

    assert_non_null(p);
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)((i * 2654435761u) >> 13 ^ k * 40503u);
    memcpy(p, &k, sizeof(k));
    return p;
}

static void test_round_trip_and_damage(void **state)
{
    uint8_t *p = payload(7, 100000), *got = NULL;
    size_t len = 0;
    struct err e;
    FILE *f;

    (void)state;
    unlink(path);
    assert_int_equal(statefile_read(path, &got, &len, &e), 1);
    assert_int_equal(statefile_write(path, p, 100000, &e), 0);
    assert_int_equal(statefile_read(path, &got, &len, &e), 0);
    assert_int_equal(len, 100000);
    assert_memory_equal(got, p, len);
    free(got);
    /* One flipped byte in the payload: the checksum refuses it. */
    f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 5000, SEEK_SET);
    fputc(fgetc(f) ^ 1, f);
    fclose(f);
    assert_int_equal(statefile_read(path, &got, &len, &e), -1);
    /* Truncated: refused. */
    assert_int_equal(statefile_write(path, p, 100000, &e), 0);
    assert_int_equal(truncate(path, 60000), 0);
    assert_int_equal(statefile_read(path, &got, &len, &e), -1);
    free(p);
}

/*
 * 40 rounds or more: a child writes payloads k, k+1, ... (4 MiB each, 1 MiB under
 * valgrind) as fast as it
 * can; the parent kills it with SIGKILL after a random delay of 0 to 30 ms
 * (a write with its fsync takes a few ms, so many kills land inside one).
 * The file must then read back as exactly some payload k' >= the last one
 * seen, and a new write must succeed over the leftovers.
 */
static void test_kill9_during_writes_leaves_a_whole_file(void **state)
{
    const size_t len = RUNNING_ON_VALGRIND ? 1u << 20 : 4u << 20;
    uint32_t last = 0;
    unsigned seed = 12345;
    int mid = 0, round;

    (void)state;
    unlink(path);
    /*
     * On a loaded machine a child may be killed before it writes at all;
     * rounds go on (up to 400) until one kill has landed mid-write.
     */
    for (round = 0; round < 40 || (mid == 0 && round < 400); round++) {
        char tmp[300];
        uint8_t *got = NULL;
        size_t glen = 0;
        uint32_t k = 0;
        struct err e;
        int ready[2];
        char b = 0;
        pid_t pid;
        /* valgrind runs the child about 50 times slower. */
        long ms = (long)(rand_r(&seed) % 30) * (RUNNING_ON_VALGRIND ? 50 : 1);
        struct timespec d = {ms / 1000, (ms % 1000) * 1000000L};

        assert_int_equal(pipe(ready), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* The delay counts from here, not from fork (slow under load). */
            if (write(ready[1], "r", 1) != 1)
                _exit(3);
            for (uint32_t n = last + 1;; n++) {
                uint8_t *p = payload(n, len);
                struct err ce;

                if (statefile_write(path, p, len, &ce) != 0)
                    _exit(2);
                free(p);
            }
        }
        close(ready[1]);
        assert_int_equal(read(ready[0], &b, 1), 1);
        close(ready[0]);
        nanosleep(&d, NULL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        mid += access(tmp, F_OK) == 0;
        switch (statefile_read(path, &got, &glen, &e)) {
        case 1:
            /* Killed before the first rename: only allowed while none was written. */
            assert_int_equal(last, 0);
            continue;
        case 0:
            break;
        default:
            fail_msg("round %d: the file left by kill -9 is refused: %s", round, e.msg);
        }
        assert_int_equal(glen, len);
        memcpy(&k, got, sizeof(k));
        assert_true(k >= last);
        {
            uint8_t *want = payload(k, len);

            assert_memory_equal(got, want, len);
            free(want);
        }
        free(got);
        last = k;
    }
    print_message("%d kills: %d left a temporary file behind (killed mid-write), last payload "
                  "%u\n",
                  round, mid, last);
    /* A write over whatever is left still works. */
    {
        uint8_t *p = payload(99999, 1000), *got = NULL;
        size_t glen = 0;
        struct err e;

        assert_int_equal(statefile_write(path, p, 1000, &e), 0);
        assert_int_equal(statefile_read(path, &got, &glen, &e), 0);
        assert_memory_equal(got, p, 1000);
        free(got);
        free(p);
    }
    assert_true(mid > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_damage),
        cmocka_unit_test(test_kill9_during_writes_leaves_a_whole_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
