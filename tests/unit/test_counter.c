/* Unit tests for the contract's counting rules (src/exact/counter.c) and the series map. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "counter.h"
#include "seriesmap.h"

static double stale(void)
{
    uint64_t bits = COUNTER_STALE_BITS;
    double v;

    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* Sum of the increments of samples t[i], v[i], like one series read. */
static double feed(struct counter_series *s, const int64_t *t, const double *v, size_t n)
{
    double sum = 0, inc;

    for (size_t i = 0; i < n; i++)
        if (counter_next(s, t[i], v[i], &inc) == 1)
            sum += inc;
    return sum;
}

static void test_first_sample_adds_nothing(void **state)
{
    struct counter_series s = {0};
    double inc = -1;

    (void)state;
    assert_int_equal(counter_next(&s, 1000, 500, &inc), 0);
    assert_int_equal(counter_next(&s, 2000, 507, &inc), 1);
    assert_close(inc, 7);
}

static void test_reset_counts_the_new_value(void **state)
{
    struct counter_series s = {0};
    const int64_t t[] = {1, 2, 3, 4, 5};
    const double v[] = {100, 110, 4, 4, 9};

    (void)state;
    /* 10, then a drop to 4 counts 4, 0, 5. */
    assert_close(feed(&s, t, v, 5), 19);
}

static void test_stale_markers_are_skipped(void **state)
{
    struct counter_series s = {0};
    const int64_t t[] = {1, 2, 3, 4};
    double v[] = {10, 0, 12, 15};

    (void)state;
    v[1] = stale();
    assert_true(counter_is_stale(v[1]));
    assert_false(counter_is_stale(NAN));
    /* The stale marker is not a drop to NaN: 10 -> 12 -> 15. */
    assert_close(feed(&s, t, v, 4), 5);
    assert_int_equal(s.last_t, 4);
}

static void test_overlapping_reads_count_once(void **state)
{
    struct counter_series s = {0};
    const int64_t t1[] = {10, 20, 30};
    const double v1[] = {1, 2, 4};
    const int64_t t2[] = {20, 30, 40, 40, 50}; /* re-read with overlap and a duplicate */
    const double v2[] = {2, 4, 8, 8, 9};

    (void)state;
    assert_close(feed(&s, t1, v1, 3), 3);
    assert_close(feed(&s, t2, v2, 5), 5);
}

static void test_non_finite_is_an_error(void **state)
{
    struct counter_series s = {0};
    double inc;

    (void)state;
    assert_int_equal(counter_next(&s, 1, 1, &inc), 0);
    assert_int_equal(counter_next(&s, 2, INFINITY, &inc), -1);
    assert_int_equal(counter_next(&s, 3, NAN, &inc), -1);
    /* The state did not move: the next good sample pairs with the first. */
    assert_int_equal(counter_next(&s, 4, 3, &inc), 1);
    assert_close(inc, 2);
}

static void test_slices(void **state)
{
    (void)state;
    /* (0, 60000] is slice 0; 60000 itself still belongs to it. */
    assert_int_equal(counter_slice_of(1, 60000), 0);
    assert_int_equal(counter_slice_of(60000, 60000), 0);
    assert_int_equal(counter_slice_of(60001, 60000), 1);
    assert_int_equal(counter_slice_of(0, 60000), -1);
    assert_close(counter_slice_subject(1, 1000000, 700), 300);
    assert_close(counter_slice_subject(0, 1000000, 700), 700);
    assert_true(counter_slice_ok(CONFIG_CMP_LE, 300, 300));
    assert_false(counter_slice_ok(CONFIG_CMP_LT, 300, 300));
    assert_true(counter_slice_ok(CONFIG_CMP_GE, 300, 300));
    assert_false(counter_slice_ok(CONFIG_CMP_GT, 300, 300));
    assert_true(counter_slice_ok(CONFIG_CMP_EQ, 1, 1));
    assert_true(counter_slice_ok(CONFIG_CMP_NE, 1, 2));
    assert_false(counter_slice_ok(CONFIG_CMP_NE, NAN, 2));
    assert_false(counter_slice_ok(CONFIG_CMP_LE, NAN, 2));
}

static void test_slicer_newest_sample_and_worst_series(void **state)
{
    struct config_sli_timeslice ts = {0};
    struct counter_slicer sl;
    unsigned char v[4] = {0};

    (void)state;
    ts.op = CONFIG_CMP_LE;
    ts.value = 10;
    ts.slice_ms = 60000;
    /* Slices 100..103, i.e. (6000000, 6060000] and so on. */
    counter_slicer_begin(&sl, &ts, v, 100, 4);
    counter_slicer_add(&sl, 6000000, 99);      /* slice 99: outside, ignored */
    counter_slicer_add(&sl, 6010000, 50);      /* slice 100: bad sample ... */
    counter_slicer_add(&sl, 6060000, 5);       /* ... but the newest one is good */
    counter_slicer_add(&sl, 6070000, 5);       /* slice 101: good ... */
    counter_slicer_add(&sl, 6110000, stale()); /* ... a stale marker changes nothing */
    counter_slicer_add(&sl, 6130000, 11);      /* slice 102: bad */
    counter_slicer_end(&sl);
    assert_int_equal(v[0], COUNTER_SLICE_GOOD);
    assert_int_equal(v[1], COUNTER_SLICE_GOOD);
    assert_int_equal(v[2], COUNTER_SLICE_BAD);
    assert_int_equal(v[3], COUNTER_SLICE_EMPTY); /* no sample: stays empty (bad) */
    /* A second series: good where the first was bad changes nothing, bad wins. */
    counter_slicer_begin(&sl, &ts, v, 100, 4);
    counter_slicer_add(&sl, 6050000, 20);
    counter_slicer_add(&sl, 6130000, 1);
    counter_slicer_add(&sl, 6200000, 1);
    counter_slicer_end(&sl);
    assert_int_equal(v[0], COUNTER_SLICE_BAD);
    assert_int_equal(v[1], COUNTER_SLICE_GOOD);
    assert_int_equal(v[2], COUNTER_SLICE_BAD);
    assert_int_equal(v[3], COUNTER_SLICE_GOOD);
}

static void test_slicer_age(void **state)
{
    struct config_sli_timeslice ts = {0};
    struct counter_slicer sl;
    unsigned char v[1] = {0};

    (void)state;
    ts.age = 1;
    ts.op = CONFIG_CMP_LE;
    ts.value = 300;
    ts.slice_ms = 60000;
    counter_slicer_begin(&sl, &ts, v, 0, 1);
    counter_slicer_add(&sl, 60000, 60.0 - 301); /* age 301 s */
    counter_slicer_end(&sl);
    assert_int_equal(v[0], COUNTER_SLICE_BAD);
    v[0] = 0;
    counter_slicer_begin(&sl, &ts, v, 0, 1);
    counter_slicer_add(&sl, 60000, 60.0 - 300); /* age 300 s: good */
    counter_slicer_end(&sl);
    assert_int_equal(v[0], COUNTER_SLICE_GOOD);
}

static void make(struct labels *l, int i)
{
    char v[32];

    labels_init(l);
    snprintf(v, sizeof(v), "pod-%d", i);
    assert_int_equal(labels_set(l, "__name__", "x_total"), 0);
    assert_int_equal(labels_set(l, "pod", v), 0);
}

static void test_seriesmap_dense_indexes(void **state)
{
    struct seriesmap *m = seriesmap_new();
    struct labels l;
    size_t idx;

    (void)state;
    assert_non_null(m);
    for (int i = 0; i < 5000; i++) {
        make(&l, i);
        assert_int_equal(seriesmap_get(m, &l, 0, &idx), 1);
        assert_int_equal(idx, (size_t)i);
        labels_free(&l);
    }
    for (int i = 4999; i >= 0; i--) {
        make(&l, i);
        assert_int_equal(seriesmap_get(m, &l, 0, &idx), 0);
        assert_int_equal(idx, (size_t)i);
        assert_int_equal(seriesmap_find(m, &l), i);
        assert_int_equal(labels_cmp(seriesmap_labels(m, idx), &l), 0);
        labels_free(&l);
    }
    make(&l, 5000);
    assert_int_equal(seriesmap_find(m, &l), -1);
    assert_int_equal(seriesmap_get(m, &l, 5000, &idx), -1); /* over the limit */
    labels_free(&l);
    assert_int_equal(seriesmap_count(m), 5000);
    assert_true(seriesmap_memory(m) > 5000 * 20);
    seriesmap_free(m);
    seriesmap_free(NULL);
}

static void test_seriesmap_label_boundaries_differ(void **state)
{
    struct seriesmap *m = seriesmap_new();
    struct labels a, b;
    size_t ia, ib;

    (void)state;
    /* {a="bc"} and {ab="c"} must not collide into one entry. */
    labels_init(&a);
    labels_init(&b);
    assert_int_equal(labels_set(&a, "a", "bc"), 0);
    assert_int_equal(labels_set(&b, "ab", "c"), 0);
    assert_int_equal(seriesmap_get(m, &a, 0, &ia), 1);
    assert_int_equal(seriesmap_get(m, &b, 0, &ib), 1);
    assert_int_not_equal(ia, ib);
    labels_free(&a);
    labels_free(&b);
    seriesmap_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_sample_adds_nothing),
        cmocka_unit_test(test_reset_counts_the_new_value),
        cmocka_unit_test(test_stale_markers_are_skipped),
        cmocka_unit_test(test_overlapping_reads_count_once),
        cmocka_unit_test(test_non_finite_is_an_error),
        cmocka_unit_test(test_slices),
        cmocka_unit_test(test_slicer_newest_sample_and_worst_series),
        cmocka_unit_test(test_slicer_age),
        cmocka_unit_test(test_seriesmap_dense_indexes),
        cmocka_unit_test(test_seriesmap_label_boundaries_differ),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
