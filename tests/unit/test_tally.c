/* Unit tests for tally: steps, groups, window sums as partials. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "tally.h"

#define HOUR 3600000LL
#define T0 1793491200000LL

static struct slo_window win(const char *name, int64_t ms)
{
    struct slo_window w;

    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "%s", name);
    w.ms = ms;
    return w;
}

static void test_steps_are_left_open(void **state)
{
    struct tally t;

    (void)state;
    assert_int_equal(tally_init(&t, T0, HOUR, 24), 0);
    assert_int_equal(tally_step(&t, T0), -1);
    assert_int_equal(tally_step(&t, T0 + 1), 0);
    assert_int_equal(tally_step(&t, T0 + HOUR), 0);
    assert_int_equal(tally_step(&t, T0 + HOUR + 1), 1);
    assert_int_equal(tally_step(&t, T0 + 24 * HOUR), 23);
    assert_int_equal(tally_step(&t, T0 + 24 * HOUR + 1), -1);
    tally_free(&t);
    assert_int_equal(tally_init(&t, T0, HOUR, 0), -1);
    assert_int_equal(tally_init(&t, T0, HOUR, TALLY_MAX_STEPS + 1), -1);
}

/* Every window's sum equals a brute-force sum over the events added. */
static void test_window_sums_match_brute_force(void **state)
{
    struct tally t;
    struct labels a, b;
    long ga, gb;
    struct slo_window w[2] = {win("1h", HOUR), win("6h", 6 * HOUR)};
    int64_t ev_t[200];
    double ev_v[200];
    int ev_g[200];

    (void)state;
    labels_init(&a);
    labels_init(&b);
    assert_int_equal(labels_set(&a, "instance", "a"), 0);
    assert_int_equal(labels_set(&b, "instance", "b"), 0);
    assert_int_equal(tally_init(&t, T0, HOUR, 24), 0);
    ga = tally_group(&t, &a);
    gb = tally_group(&t, &b);
    assert_true(ga == 0 && gb == 1);
    assert_int_equal(tally_group(&t, &a), ga);
    srand(7);
    for (int i = 0; i < 200; i++) {
        ev_t[i] = T0 + 1 + (int64_t)(rand() % (int)(24 * 3600)) * 1000;
        ev_v[i] = rand() % 5;
        ev_g[i] = rand() % 2;
        tally_add(&t, ev_g[i] ? gb : ga, ANSWER_TOTAL, ev_t[i], ev_v[i]);
    }
    /* Outside the span: ignored. */
    tally_add(&t, ga, ANSWER_TOTAL, T0, 1000);
    tally_add(&t, ga, ANSWER_TOTAL, T0 + 25 * HOUR, 1000);
    for (int64_t at = T0 + 6 * HOUR; at <= T0 + 24 * HOUR; at += HOUR) {
        struct answer_partials ps;
        struct err e = {{0}};

        answer_partials_init(&ps);
        assert_int_equal(tally_partials(&t, at, w, 2, &ps, &e), 0);
        assert_int_equal(ps.n, 2);
        for (size_t k = 0; k < 2; k++)
            for (int g = 0; g < 2; g++) {
                double want = 0;

                for (int i = 0; i < 200; i++)
                    if (ev_g[i] == g && ev_t[i] > at - w[k].ms && ev_t[i] <= at)
                        want += ev_v[i];
                assert_true(ps.p[g].v[ANSWER_TOTAL][k] == want);
            }
        answer_partials_free(&ps);
    }
    labels_free(&a);
    labels_free(&b);
    tally_free(&t);
}

/* A part is seen in a window when any of its steps was; bad windows are refused. */
static void test_seen_and_refusals(void **state)
{
    struct tally t;
    struct labels none;
    long g;
    struct slo_window w1 = win("1h", HOUR), w3 = win("3h", 3 * HOUR), odd = win("90m", 90 * 60000);
    struct answer_partials ps;
    struct err e = {{0}};

    (void)state;
    labels_init(&none);
    assert_int_equal(tally_init(&t, T0, HOUR, 6), 0);
    g = tally_group(&t, &none);
    tally_seen(&t, g, ANSWER_BAD, 2); /* from step 2, (T0 + 2h, T0 + 3h], on */
    answer_partials_init(&ps);
    assert_int_equal(tally_partials(&t, T0 + 3 * HOUR, &w3, 1, &ps, &e), 0);
    assert_int_equal(ps.p[0].seen[ANSWER_BAD][0], 1);
    assert_int_equal(ps.p[0].seen[ANSWER_TOTAL][0], 0);
    answer_partials_free(&ps);
    answer_partials_init(&ps);
    assert_int_equal(tally_partials(&t, T0 + 2 * HOUR, &w1, 1, &ps, &e), 0);
    assert_int_equal(ps.p[0].seen[ANSWER_BAD][0], 0);
    tally_seen(&t, g, ANSWER_TOTAL, -1);
    answer_partials_free(&ps);
    answer_partials_init(&ps);
    assert_int_equal(tally_partials(&t, T0 + 3 * HOUR, &w1, 1, &ps, &e), 0);
    assert_int_equal(ps.p[0].seen[ANSWER_TOTAL][0], 1);
    /* Not a step's end; a window of part steps; a window before the span. */
    assert_int_equal(tally_partials(&t, T0 + 3 * HOUR + 1, &w1, 1, &ps, &e), -1);
    assert_int_equal(tally_partials(&t, T0 + 3 * HOUR, &odd, 1, &ps, &e), -1);
    assert_int_equal(tally_partials(&t, T0 + 2 * HOUR, &w3, 1, &ps, &e), -1);
    assert_int_equal(tally_partials(&t, T0 + 7 * HOUR, &w1, 1, &ps, &e), -1);
    answer_partials_free(&ps);
    tally_free(&t);
}

/* A closed tally keeps its groups and ignores new ones. */
static void test_closed_takes_no_new_group(void **state)
{
    struct tally t;
    struct labels a, b;
    long ga;

    (void)state;
    labels_init(&a);
    labels_init(&b);
    assert_int_equal(labels_set(&a, "ns", "a"), 0);
    assert_int_equal(labels_set(&b, "ns", "b"), 0);
    assert_int_equal(tally_init(&t, T0, HOUR, 4), 0);
    ga = tally_group(&t, &a);
    tally_close(&t);
    assert_int_equal(tally_group(&t, &a), ga);
    assert_int_equal(tally_group(&t, &b), TALLY_NONE);
    tally_add(&t, TALLY_NONE, ANSWER_TOTAL, T0 + 1, 5);
    tally_seen(&t, TALLY_NONE, ANSWER_TOTAL, 0);
    assert_int_equal(t.n, 1);
    labels_free(&a);
    labels_free(&b);
    tally_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steps_are_left_open),
        cmocka_unit_test(test_window_sums_match_brute_force),
        cmocka_unit_test(test_seen_and_refusals),
        cmocka_unit_test(test_closed_takes_no_new_group),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
