/*
 * Unit tests for answer: partials found by group labels, and the fold into
 * the counts every mode answers: what a missing series means per part
 * (no total: no data; no error or good series: zero), the latency
 * threshold check, groups without totals, time-slice totals.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "answer.h"
#include "config.h"
#include "slo.h"

#define MIN 60000LL
#define T 1767571200000LL

static const struct slo_window win[2] = {{"5m", 5 * MIN, 0}, {"1h", 60 * MIN, 1}};

static struct labels group(const char *ns)
{
    struct labels l;

    labels_init(&l);
    if (ns != NULL)
        assert_int_equal(labels_set(&l, "ns", ns), 0);
    return l;
}

static long get(struct answer_partials *ps, const char *ns)
{
    struct labels l = group(ns);
    long i = answer_partial_get(ps, &l);

    labels_free(&l);
    assert_true(i >= 0);
    return i;
}

/* The same labels give the same partial; positions stay as partials are added. */
static void test_partials_found_by_labels(void **state)
{
    struct answer_partials ps;
    long a, b;

    (void)state;
    answer_partials_init(&ps);
    a = get(&ps, "a");
    b = get(&ps, "b");
    assert_int_not_equal(a, b);
    for (int i = 0; i < 100; i++) {
        char ns[16];

        snprintf(ns, sizeof(ns), "n%d", i);
        get(&ps, ns);
    }
    assert_int_equal(get(&ps, "a"), a);
    assert_int_equal(get(&ps, "b"), b);
    assert_int_equal(ps.n, 102);
    assert_string_equal(labels_get(&ps.p[b].group, "ns"), "b");
    answer_partials_free(&ps);
}

/* Events by errors: no error series is zero errors; no total series is no data. */
static void test_fold_events_missing_parts(void **state)
{
    struct config_slo slo;
    struct answer_partials ps;
    struct answer out;
    struct err e;
    long i;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_EVENTS;
    slo.name = "x";
    answer_partials_init(&ps);
    i = get(&ps, NULL);
    /* 5m: total 100, no error series; 1h: error series only. */
    ps.p[i].v[ANSWER_TOTAL][0] = 100;
    ps.p[i].seen[ANSWER_TOTAL][0] = 1;
    ps.p[i].v[ANSWER_BAD][1] = 3;
    ps.p[i].seen[ANSWER_BAD][1] = 1;
    assert_int_equal(answer_fold(&slo, T, win, 2, &ps, &out, &e), 0);
    assert_int_equal(out.n, 1);
    assert_true(out.g[0].w[0].has);
    assert_close(out.g[0].w[0].bad, 0);
    assert_close(out.g[0].w[0].good, 100);
    assert_false(out.g[0].w[1].has);
    answer_free(&out);
    answer_partials_free(&ps);
}

/* A grouped SLO: a group seen only in error series is not an instance. */
static void test_fold_drops_groups_without_totals(void **state)
{
    struct config_slo slo;
    char *by[] = {"ns"};
    struct answer_partials ps;
    struct answer out;
    struct err e;
    long a, b;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_EVENTS;
    slo.name = "x";
    slo.ngroup_by = 1;
    slo.group_by = by;
    answer_partials_init(&ps);
    a = get(&ps, "a");
    b = get(&ps, "b");
    ps.p[a].v[ANSWER_TOTAL][0] = 10;
    ps.p[a].seen[ANSWER_TOTAL][0] = 1;
    ps.p[b].v[ANSWER_BAD][0] = 1;
    ps.p[b].seen[ANSWER_BAD][0] = 1;
    assert_int_equal(answer_fold(&slo, T, win, 2, &ps, &out, &e), 0);
    assert_int_equal(out.n, 1);
    assert_string_equal(labels_get(&out.g[0].group, "ns"), "a");
    answer_free(&out);
    answer_partials_free(&ps);
}

/* Latency: a _count with data and no bucket at the threshold is an error. */
static void test_fold_latency_without_bucket_is_an_error(void **state)
{
    struct config_slo slo;
    struct selector sel = {"h", 0, NULL};
    struct answer_partials ps;
    struct answer out;
    struct err e;
    long i;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_LATENCY;
    slo.name = "lat";
    slo.latency.histogram_sel = &sel;
    slo.latency.threshold = 0.3;
    answer_partials_init(&ps);
    i = get(&ps, NULL);
    ps.p[i].v[ANSWER_TOTAL][0] = 5;
    ps.p[i].seen[ANSWER_TOTAL][0] = 1;
    assert_int_equal(answer_fold(&slo, T, win, 2, &ps, &out, &e), -1);
    assert_non_null(strstr(e.msg, "no h_bucket series with le=\"0.3\" in window 5m"));
    assert_int_equal(out.n, 0);
    answer_partials_free(&ps);
}

/* Time slices: the total is the number of whole slices; good as judged. */
static void test_fold_timeslice_totals(void **state)
{
    struct config_slo slo;
    struct answer_partials ps;
    struct answer out;
    struct err e;
    long i;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_TIMESLICE;
    slo.name = "ts";
    slo.timeslice.slice_ms = MIN;
    answer_partials_init(&ps);
    i = get(&ps, NULL);
    for (int k = 0; k < 2; k++)
        ps.p[i].seen[ANSWER_GOOD][k] = 1;
    ps.p[i].v[ANSWER_GOOD][0] = 4;
    ps.p[i].v[ANSWER_GOOD][1] = 50;
    assert_int_equal(answer_fold(&slo, T, win, 2, &ps, &out, &e), 0);
    assert_close(out.g[0].w[0].total, 5);
    assert_close(out.g[0].w[0].bad, 1);
    assert_close(out.g[0].w[1].total, 60);
    assert_close(out.g[0].w[1].good, 50);
    answer_free(&out);
    answer_partials_free(&ps);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partials_found_by_labels),
        cmocka_unit_test(test_fold_events_missing_parts),
        cmocka_unit_test(test_fold_drops_groups_without_totals),
        cmocka_unit_test(test_fold_latency_without_bucket_is_an_error),
        cmocka_unit_test(test_fold_timeslice_totals),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
