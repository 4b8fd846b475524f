/*
 * Unit tests for buckets: hand-computed edge cases first, then checkpoints,
 * then randomized scenarios that play the remote_read caller (advance, add
 * the new events, fill the edges from a re-read) and compare every window
 * at every step with a brute-force sum over every event, exactly.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "buckets.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
/* 2026-01-01T00:00:00Z: a day boundary. */
#define D0 1767225600000LL

/* ---- helpers ---------------------------------------------------------- */

static struct buckets *mk(int64_t g, int64_t fine, int64_t lng, int64_t coarse, int64_t at)
{
    struct buckets_params p = {.grid_ms = g, .fine_ms = fine, .long_ms = lng, .coarse_ms = coarse};
    struct err e = {{0}};
    struct buckets *b = buckets_new(&p, at, &e);

    if (b == NULL)
        fail_msg("buckets_new: %s", e.msg);
    return b;
}

static double sum_ok(const struct buckets *b, int64_t w)
{
    struct err e = {{0}};
    double v = -1;

    if (buckets_sum(b, w, &v, &e) != 0)
        fail_msg("buckets_sum(%lld): %s", (long long)w, e.msg);
    return v;
}

static void advance_ok(struct buckets *b, int64_t at)
{
    struct err e = {{0}};

    if (buckets_advance(b, at, &e) != 0)
        fail_msg("buckets_advance(%lld): %s", (long long)at, e.msg);
}

/* The small store most edge-case tests use: g = 1m, fine 1h, long 3h,
 * c = 10m (r = 10), so edges move every 10 minutes. */
static struct buckets *small(int64_t at)
{
    return mk(MIN, HOUR, 3 * HOUR, 10 * MIN, at);
}

/* ---- parameters --------------------------------------------------------- */

static void test_new_rejects_bad_params(void **state)
{
    struct buckets_params p;
    struct err e;

    (void)state;
    p = (struct buckets_params){.grid_ms = 0, .fine_ms = HOUR, .long_ms = DAY};
    assert_null(buckets_new(&p, D0, &e));
    assert_non_null(strstr(e.msg, "grid"));
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = 0, .long_ms = DAY};
    assert_null(buckets_new(&p, D0, &e));
    assert_string_equal(e.msg, "fine span 0s must be positive");
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = DAY, .long_ms = HOUR};
    assert_null(buckets_new(&p, D0, &e));
    assert_non_null(strstr(e.msg, "at least the fine span 1d"));
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = -DAY};
    assert_null(buckets_new(&p, D0, &e));
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = DAY + 1};
    assert_null(buckets_new(&p, D0, &e));
    p = (struct buckets_params){
        .grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = DAY, .coarse_ms = 45 * SEC};
    assert_null(buckets_new(&p, D0, &e));
    assert_non_null(strstr(e.msg, "coarse width 45s"));
    p = (struct buckets_params){
        .grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = DAY, .coarse_ms = -HOUR};
    assert_null(buckets_new(&p, D0, &e));
    /* keep_ms belongs to calendar periods only, and must cover fine_ms. */
    p = (struct buckets_params){
        .grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = DAY, .keep_ms = DAY};
    assert_null(buckets_new(&p, D0, &e));
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = DAY, .keep_ms = HOUR};
    assert_null(buckets_new(&p, D0, &e));
    /* Not on the grid, or out of range. */
    p = (struct buckets_params){.grid_ms = 30 * SEC, .fine_ms = HOUR, .long_ms = DAY};
    assert_null(buckets_new(&p, D0 + 1, &e));
    assert_non_null(strstr(e.msg, "not a multiple of the interval 30s"));
    assert_null(buckets_new(&p, (1LL << 53) + 30 * SEC * 1000, &e));
    /* Too many buckets: 1ms grid over a year. */
    p = (struct buckets_params){.grid_ms = 1, .fine_ms = 365 * DAY, .long_ms = 365 * DAY};
    assert_null(buckets_new(&p, 0, &e));
    assert_non_null(strstr(e.msg, "more than"));
    p = (struct buckets_params){
        .grid_ms = 1LL << 50, .fine_ms = 1LL << 50, .long_ms = INT64_MAX - 1};
    assert_null(buckets_new(&p, 0, &e));
    buckets_free(NULL);
}

static void test_fine_span_rounded_up_to_grid(void **state)
{
    struct buckets *b = mk(7 * MIN, 3 * DAY, 7 * DAY + 7 * MIN * 5, 0, 0);
    struct buckets_params q;

    (void)state;
    buckets_params_get(b, &q);
    /* 3d = 617.14 * 7m: 618 intervals. */
    assert_int_equal(q.fine_ms, 618 * 7 * MIN);
    assert_int_equal(q.grid_ms, 7 * MIN);
    assert_int_equal(q.keep_ms, 0);
    buckets_free(b);
}

static int64_t coarse_for(int64_t g)
{
    struct buckets *b = mk(g, 6 * g, 12 * g, 0, 0);
    struct buckets_params q;

    buckets_params_get(b, &q);
    buckets_free(b);
    return q.coarse_ms;
}

static void test_coarse_default_is_multiple_of_grid_near_1h(void **state)
{
    (void)state;
    assert_int_equal(coarse_for(15 * SEC), HOUR);
    assert_int_equal(coarse_for(30 * SEC), HOUR);
    assert_int_equal(coarse_for(45 * SEC), HOUR);
    assert_int_equal(coarse_for(MIN), HOUR);
    /* 7m: 8 * 7m = 56m, 9 * 7m = 63m; 63m is closer to 1h. */
    assert_int_equal(coarse_for(7 * MIN), 63 * MIN);
    /* 70s does not divide 1h: 51 * 70s = 59m30s. */
    assert_int_equal(coarse_for(70 * SEC), 51 * 70 * SEC);
    /* 25m: 50m (2 * 25m) is closer to 1h than 75m. */
    assert_int_equal(coarse_for(25 * MIN), 50 * MIN);
    /* At least one interval. */
    assert_int_equal(coarse_for(2 * HOUR), 2 * HOUR);
}

static void test_calendar_keep_defaults_to_a_quarter(void **state)
{
    struct buckets_params p = {.grid_ms = 7 * MIN, .fine_ms = 7 * HOUR};
    struct buckets *b;
    struct err e;

    (void)state;
    b = buckets_new(&p, 0, &e);
    assert_non_null(b);
    buckets_params_get(b, &p);
    /* 92d rounded up to a multiple of 7m. */
    assert_int_equal(p.keep_ms, (92 * DAY + 7 * MIN - 1) / (7 * MIN) * (7 * MIN));
    assert_int_equal(p.long_ms, 0);
    buckets_free(b);
}

/* ---- adding and summing ------------------------------------------------ */

static void test_event_on_grid_point_belongs_to_earlier_bucket(void **state)
{
    struct buckets *b = small(D0);

    (void)state;
    assert_int_equal(buckets_add(b, D0, 1), 0);        /* bucket (D0 - 1m, D0] */
    assert_int_equal(buckets_add(b, D0 - MIN, 10), 0); /* bucket (D0 - 2m, D0 - 1m] */
    assert_int_equal(buckets_add(b, D0 - MIN + 1, 100), 0);
    assert_int_equal(buckets_add(b, D0 - 2 * MIN + 1, 1000), 0);
    assert_true(sum_ok(b, 0) == 0);
    assert_true(sum_ok(b, MIN) == 101);
    assert_true(sum_ok(b, 2 * MIN) == 1111);
    assert_true(sum_ok(b, HOUR) == 1111);
    /* Also across a coarse boundary, once the buckets are coarse. */
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR, 7), 0);     /* (D0-2h10m, D0-2h] */
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR + 1, 5), 0); /* (D0-2h, D0-1h50m] */
    assert_true(sum_ok(b, 2 * HOUR) == 1116);
    assert_true(sum_ok(b, 2 * HOUR + 10 * MIN) == 1123);
    buckets_free(b);
}

static void test_old_events_ignored_future_events_wait(void **state)
{
    struct buckets *b = small(D0);

    (void)state;
    /* The oldest span kept starts at D0 - 3h. */
    assert_int_equal(buckets_horizon(b), D0 - 3 * HOUR);
    assert_int_equal(buckets_add(b, D0 - 3 * HOUR, 1), 1);
    assert_int_equal(buckets_add(b, D0 - 30 * DAY, 1), 1);
    assert_int_equal(buckets_add(b, INT64_MIN, 1), 1);
    assert_int_equal(buckets_add(b, D0 - 3 * HOUR + 1, 2), 0);
    /* Up to one coarse span (10m) ahead is kept; past that is refused. */
    assert_int_equal(buckets_add(b, D0 + 1, 4), 0);
    assert_int_equal(buckets_add(b, D0 + 10 * MIN, 8), 0);
    assert_int_equal(buckets_add(b, D0 + 10 * MIN + 1, 16), -1);
    assert_int_equal(buckets_add(b, INT64_MAX, 16), -1);
    /* Counts must be finite and >= 0. */
    assert_int_equal(buckets_add(b, D0, -1), -1);
    assert_int_equal(buckets_add(b, D0, NAN), -1);
    assert_int_equal(buckets_add(b, D0, INFINITY), -1);
    assert_true(sum_ok(b, 3 * HOUR) == 2);
    advance_ok(b, D0 + MIN);
    assert_true(sum_ok(b, MIN) == 4);
    advance_ok(b, D0 + 10 * MIN);
    assert_true(sum_ok(b, 10 * MIN) == 12);
    /* The old event at D0 - 3h + 1 has left the 3h window... */
    assert_true(sum_ok(b, HOUR) == 12);
    /* ...and is now older than anything kept. */
    assert_int_equal(buckets_add(b, D0 - 3 * HOUR + 1, 2), 1);
    buckets_free(b);
}

static void test_sum_rejects_bad_windows(void **state)
{
    struct buckets *b = small(D0);
    struct err e;
    double v;

    (void)state;
    assert_int_equal(buckets_sum(b, 30 * SEC, &v, &e), -1);
    assert_non_null(strstr(e.msg, "not a multiple of the interval 1m"));
    assert_int_equal(buckets_sum(b, -MIN, &v, &e), -1);
    assert_int_equal(buckets_sum(b, 3 * HOUR + MIN, &v, &e), -1);
    assert_non_null(strstr(e.msg, "oldest data kept"));
    assert_int_equal(buckets_sum(b, INT64_MAX - INT64_MAX % MIN, &v, &e), -1);
    /* A window between fine and long whose start is inside a coarse span
     * that has no edge: refused, never approximated. */
    advance_ok(b, D0 + 5 * MIN);
    assert_int_equal(buckets_sum(b, 2 * HOUR, &v, &e), -1);
    assert_non_null(strstr(e.msg, "must start on a multiple of 10m or be an edge window"));
    /* But on a coarse boundary it is exact. */
    assert_int_equal(buckets_sum(b, 2 * HOUR + 5 * MIN, &v, &e), 0);
    buckets_free(b);
}

static void test_advance_rejects_backwards_and_off_grid(void **state)
{
    struct buckets *b = small(D0);
    struct err e;

    (void)state;
    assert_int_equal(buckets_advance(b, D0 - MIN, &e), -1);
    assert_non_null(strstr(e.msg, "later multiple of the interval"));
    assert_int_equal(buckets_advance(b, D0 + 1, &e), -1);
    assert_int_equal(buckets_advance(b, INT64_MAX - INT64_MAX % MIN, &e), -1);
    assert_int_equal(buckets_advance(b, D0, &e), 0);
    assert_int_equal(buckets_at(b), D0);
    buckets_free(b);
}

/* ---- edges ---------------------------------------------------------------- */

/* Fills the span starting at from with n events of 1 spread over it. */
static void fill(struct buckets *b, int64_t from, int n)
{
    struct err e;

    for (int i = 0; i < n; i++)
        assert_int_equal(buckets_edge_add(b, from, from + 1 + i * MIN, 1), 0);
    if (buckets_edge_commit(b, from, &e) != 0)
        fail_msg("commit: %s", e.msg);
}

static void test_edge_on_coarse_boundary_needs_no_fill(void **state)
{
    struct buckets *b = small(D0);
    int64_t from, to;

    (void)state;
    assert_int_equal(buckets_add(b, D0 - 3 * HOUR + 1, 1), 0);
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR, 2), 0);
    /* The edge D0 - 3h is a multiple of c: nothing to fill now. */
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 3);
    /* One interval ahead, the next edge is inside (D0 - 3h, D0 - 2h50m]. */
    assert_int_equal(buckets_edge_want(b, MIN, &from, &to), 1);
    assert_int_equal(from, D0 - 3 * HOUR);
    assert_int_equal(to, D0 - 3 * HOUR + 10 * MIN);
    /* Ten minutes later the edge is on a boundary again: the filled span is
     * dropped and no fill is needed. */
    fill(b, from, 1);
    advance_ok(b, D0 + MIN);
    assert_true(sum_ok(b, 3 * HOUR) == 2);
    advance_ok(b, D0 + 10 * MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 2);
    buckets_free(b);
}

static void test_edge_not_filled_is_an_error(void **state)
{
    struct buckets *b = small(D0);
    struct err e;
    int64_t from, to;
    double v = 42;

    (void)state;
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 55 * MIN, 5), 0);
    advance_ok(b, D0 + MIN);
    assert_int_equal(buckets_sum(b, 3 * HOUR, &v, &e), -1);
    assert_true(v == 42);
    assert_string_equal(e.msg, "window 3h starts at 2025-12-31T21:01:00Z, inside the coarse "
                               "span (2025-12-31T21:00:00Z, 2025-12-31T21:10:00Z] whose edge "
                               "buckets are not filled (re-read the span)");
    /* Fine windows do not need it. */
    assert_true(sum_ok(b, HOUR) == 0);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(from, D0 - 3 * HOUR);
    assert_int_equal(to, D0 - 3 * HOUR + 10 * MIN);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 5), 0);
    /* Not filled until committed. */
    assert_int_equal(buckets_sum(b, 3 * HOUR, &v, &e), -1);
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 5);
    /* Committing twice is harmless; adding after the commit is not. */
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_int_equal(buckets_edge_add(b, from, from + 1, 1), -1);
    assert_true(sum_ok(b, 3 * HOUR) == 5);
    buckets_free(b);
}

static void test_edge_commit_mismatch_discards(void **state)
{
    struct buckets *b = small(D0);
    struct err e;
    int64_t from, to;
    double v;

    (void)state;
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 55 * MIN, 5), 0);
    advance_ok(b, D0 + MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 4), 0);
    assert_int_equal(buckets_edge_commit(b, from, &e), -1);
    assert_string_equal(e.msg, "re-read of (2025-12-31T21:00:00Z, 2025-12-31T21:10:00Z] counts "
                               "4 events where the first read counted 5: the raw data "
                               "changed; edge discarded");
    assert_int_equal(buckets_sum(b, 3 * HOUR, &v, &e), -1);
    /* Announced again; a correct re-read is accepted. */
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(from, D0 - 3 * HOUR);
    /* The event may sit in another fine bucket of the span only if the data
     * changed; the check is on the span total, the window on the buckets. */
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 5), 0);
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 5);
    /* An empty re-read of a span that has events is a mismatch too. */
    advance_ok(b, D0 + 10 * MIN);
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 45 * MIN, 3), 0);
    advance_ok(b, D0 + 11 * MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(from, D0 - 2 * HOUR - 50 * MIN);
    assert_int_equal(buckets_edge_commit(b, from, &e), -1);
    assert_non_null(strstr(e.msg, "counts 0 events where the first read counted 3"));
    buckets_free(b);
}

static void test_edge_add_rejects_other_spans(void **state)
{
    struct buckets *b = small(D0 + 5 * MIN);
    struct err e;
    int64_t k0 = D0 - 3 * HOUR; /* current span (k0, k0 + 10m] */

    (void)state;
    /* Not a span start, too old, too new (only current and next). */
    assert_int_equal(buckets_edge_add(b, k0 + MIN, k0 + 2 * MIN, 1), -1);
    assert_int_equal(buckets_edge_add(b, k0 - 10 * MIN, k0 - MIN, 1), -1);
    assert_int_equal(buckets_edge_add(b, k0 + 20 * MIN, k0 + 21 * MIN, 1), -1);
    assert_int_equal(buckets_edge_commit(b, k0 + 20 * MIN, &e), -1);
    assert_non_null(strstr(e.msg, "not the current or next edge span"));
    assert_int_equal(buckets_edge_add(b, INT64_MIN, 0, 1), -1);
    assert_int_equal(buckets_edge_add(b, INT64_MAX - INT64_MAX % (10 * MIN), INT64_MAX, 1), -1);
    /* Event outside the span, bad counts. */
    assert_int_equal(buckets_edge_add(b, k0, k0, 1), -1);
    assert_int_equal(buckets_edge_add(b, k0, k0 + 10 * MIN + 1, 1), -1);
    assert_int_equal(buckets_edge_add(b, k0, k0 + 1, -1), -1);
    assert_int_equal(buckets_edge_add(b, k0, k0 + 1, NAN), -1);
    /* The next span is accepted; both at once. */
    assert_int_equal(buckets_edge_add(b, k0, k0 + 10 * MIN, 0), 0);
    assert_int_equal(buckets_edge_add(b, k0 + 10 * MIN, k0 + 20 * MIN, 0), 0);
    assert_int_equal(buckets_edge_commit(b, k0, &e), 0);
    assert_int_equal(buckets_edge_commit(b, k0 + 10 * MIN, &e), 0);
    buckets_free(b);

    /* A span that is not over yet cannot be filled: long = fine. */
    b = mk(MIN, HOUR, HOUR, 10 * MIN, D0 + 5 * MIN);
    assert_int_equal(buckets_edge_commit(b, D0, &e), -1);
    buckets_free(b);
}

static void test_edge_fill_not_committed_is_dropped_by_advance(void **state)
{
    struct buckets *b = small(D0);
    struct err e;
    int64_t from, to;

    (void)state;
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 55 * MIN, 2), 0);
    advance_ok(b, D0 + MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    /* The re-read failed halfway: one event added, no commit. */
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 1), 0);
    advance_ok(b, D0 + 2 * MIN);
    /* Next evaluation: the fill starts over instead of counting twice. */
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 1), 0);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 55 * MIN, 1), 0);
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 2);
    buckets_free(b);
}

static void test_edge_want_lead_announces_next_span_early(void **state)
{
    struct buckets *b = small(D0 + 8 * MIN);
    int64_t from, to, k0 = D0 - 3 * HOUR;

    (void)state;
    /* Current span first. */
    assert_int_equal(buckets_edge_want(b, 5 * MIN, &from, &to), 1);
    assert_int_equal(from, k0);
    fill(b, from, 0);
    /* The edge (k0 + 8m) reaches the next span within 3m, not within 1m. */
    assert_int_equal(buckets_edge_want(b, MIN, &from, &to), 0);
    assert_int_equal(buckets_edge_want(b, 2 * MIN, &from, &to), 0);
    assert_int_equal(buckets_edge_want(b, 3 * MIN, &from, &to), 1);
    assert_int_equal(from, k0 + 10 * MIN);
    /* lead is clamped to c: never more than the next span. */
    assert_int_equal(buckets_edge_want(b, 10 * DAY, &from, &to), 1);
    assert_int_equal(from, k0 + 10 * MIN);
    fill(b, from, 0);
    assert_int_equal(buckets_edge_want(b, 10 * DAY, &from, &to), 0);
    assert_int_equal(buckets_edge_want(b, -5, &from, &to), 0);
    /* The next span is ready when the edge gets there. */
    advance_ok(b, D0 + 11 * MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 0);
    buckets_free(b);
}

/* A span is announced only once it is over, even when the lead reaches it
 * earlier (possible with fine_ms < c and long_ms < 2c). */
static void test_edge_want_only_spans_that_are_over(void **state)
{
    struct buckets *b = mk(MIN, 5 * MIN, 70 * MIN, HOUR, D0 + 50 * MIN);
    int64_t from, to;
    struct err e;

    (void)state;
    assert_int_equal(buckets_edge_want(b, HOUR, &from, &to), 1);
    assert_int_equal(from, D0 - HOUR);
    fill(b, from, 0);
    /* The next span (D0, D0 + 1h] is needed at D0 + 1h10m, over at D0 + 1h. */
    assert_int_equal(buckets_edge_want(b, HOUR, &from, &to), 0);
    assert_int_equal(buckets_edge_commit(b, D0, &e), -1);
    assert_non_null(strstr(e.msg, "is not complete yet"));
    advance_ok(b, D0 + HOUR);
    assert_int_equal(buckets_edge_want(b, HOUR, &from, &to), 1);
    assert_int_equal(from, D0);
    buckets_free(b);
}

/*
 * The store is created at D0 + 3m, so the first long window starts at
 * since = D0 - 2h57m inside the span (D0 - 3h, D0 - 2h50m]. The caller may
 * backfill from since or from the span's start: both must verify.
 */
static void partial_span_case(int from_horizon)
{
    struct buckets *b = small(D0 + 3 * MIN);
    struct err e;
    double v;
    int64_t from, to, k0 = D0 - 3 * HOUR;

    assert_int_equal(buckets_horizon(b), k0);
    if (from_horizon) {
        assert_int_equal(buckets_add(b, k0 + 1, 100), 0);
        assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 57 * MIN, 10), 0);
    }
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 57 * MIN + 1, 1), 0);
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 50 * MIN, 2), 0);
    /* Right after creation the long window already needs its edge. */
    assert_int_equal(buckets_sum(b, 3 * HOUR, &v, &e), -1);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(from, k0);
    /* The re-read sees the whole span, whatever was backfilled. */
    assert_int_equal(buckets_edge_add(b, from, k0 + 1, 100), 0);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 57 * MIN, 10), 0);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 57 * MIN + 1, 1), 0);
    assert_int_equal(buckets_edge_add(b, from, D0 - 2 * HOUR - 50 * MIN, 2), 0);
    if (buckets_edge_commit(b, from, &e) != 0)
        fail_msg("commit: %s", e.msg);
    assert_true(sum_ok(b, 3 * HOUR) == 3);
    advance_ok(b, D0 + 4 * MIN);
    assert_true(sum_ok(b, 3 * HOUR) == 2);
    /* A late event in the known part keeps the filled edge exact. */
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 51 * MIN, 4), 0);
    assert_true(sum_ok(b, 3 * HOUR) == 6);
    advance_ok(b, D0 + 8 * MIN);
    assert_true(sum_ok(b, 3 * HOUR) == 6);
    advance_ok(b, D0 + 10 * MIN);
    assert_true(sum_ok(b, 3 * HOUR) == 0);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 0);
    buckets_free(b);

    /* The part after since is still checked: a re-read that differs there
     * is refused. */
    b = small(D0 + 3 * MIN);
    if (from_horizon)
        assert_int_equal(buckets_add(b, k0 + 1, 100), 0);
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 50 * MIN, 2), 0);
    assert_int_equal(buckets_edge_add(b, k0, k0 + 1, 100), 0);
    assert_int_equal(buckets_edge_add(b, k0, D0 - 2 * HOUR - 50 * MIN, 3), 0);
    assert_int_equal(buckets_edge_commit(b, k0, &e), -1);
    assert_non_null(strstr(e.msg, "counts 3 events where the first read counted 2"));
    buckets_free(b);
}

static void test_partial_first_span_backfilled_from_since(void **state)
{
    (void)state;
    partial_span_case(0);
}

static void test_partial_first_span_backfilled_from_horizon(void **state)
{
    (void)state;
    partial_span_case(1);
}

static void test_window_never_reaches_before_creation(void **state)
{
    struct buckets *b = small(D0 + 3 * MIN);
    struct err e;
    double v;

    (void)state;
    /* Data back to D0 - 3h (the horizon) is accepted, but the backfill is
     * only known from D0 - 2h57m: a window from before that is refused. */
    assert_int_equal(buckets_sum(b, 3 * HOUR + 3 * MIN, &v, &e), -1);
    assert_non_null(strstr(e.msg, "oldest data kept"));
    assert_int_equal(buckets_sum(b, 3 * HOUR + MIN, &v, &e), -1);
    assert_non_null(strstr(e.msg, "oldest data kept"));
    /* From since itself it needs the edge; from a boundary it does not. */
    assert_int_equal(buckets_sum(b, 3 * HOUR, &v, &e), -1);
    assert_non_null(strstr(e.msg, "edge buckets are not filled"));
    assert_int_equal(buckets_sum(b, 2 * HOUR + 53 * MIN, &v, &e), 0);
    buckets_free(b);
}

static void test_late_event_updates_filled_edge(void **state)
{
    struct buckets *b = small(D0);
    int64_t from, to;

    (void)state;
    advance_ok(b, D0 + 4 * MIN);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    fill(b, from, 0);
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 55 * MIN, 9), 0);  /* after the edge */
    assert_int_equal(buckets_add(b, D0 - 2 * HOUR - 57 * MIN, 20), 0); /* before it */
    assert_true(sum_ok(b, 3 * HOUR) == 9);
    advance_ok(b, D0 + 6 * MIN);
    assert_true(sum_ok(b, 3 * HOUR) == 0);
    buckets_free(b);
}

/* ---- calendar periods ----------------------------------------------------- */

static void test_calendar_windows_from_period_start(void **state)
{
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .coarse_ms = 10 * MIN, .keep_ms = 2 * DAY};
    struct buckets *b;
    struct err e;
    int64_t from, to;
    double v;

    (void)state;
    b = buckets_new(&p, D0 + 7 * HOUR + 3 * MIN, &e);
    assert_non_null(b);
    assert_int_equal(buckets_add(b, D0 - 1, 1000), 0); /* previous day */
    assert_int_equal(buckets_add(b, D0 + 1, 1), 0);
    assert_int_equal(buckets_add(b, D0 + 3 * HOUR, 2), 0);
    assert_int_equal(buckets_add(b, D0 + 7 * HOUR, 4), 0);
    /* The period started at D0: exact at any point of the day. */
    assert_true(sum_ok(b, 7 * HOUR + 3 * MIN) == 7);
    assert_true(sum_ok(b, 7 * HOUR + 3 * MIN + DAY) == 1007);
    /* Fine windows of any length; a coarse-aligned start too. */
    assert_true(sum_ok(b, 5 * MIN) == 4);
    assert_true(sum_ok(b, 4 * HOUR + 3 * MIN) == 4);  /* (D0 + 3h, T] */
    assert_true(sum_ok(b, 4 * HOUR + 13 * MIN) == 6); /* (D0 + 2h50m, T] */
    /* A start inside a coarse span older than the fine span: refused. */
    assert_int_equal(buckets_sum(b, 7 * HOUR, &v, &e), -1);
    assert_non_null(strstr(e.msg, "must start on a multiple of 10m"));
    /* No edges in a calendar period. */
    assert_int_equal(buckets_edge_want(b, HOUR, &from, &to), 0);
    assert_int_equal(buckets_edge_add(b, D0, D0 + 1, 1), -1);
    assert_int_equal(buckets_edge_commit(b, D0, &e), -1);
    assert_non_null(strstr(e.msg, "calendar"));
    /* Reach: two days back, no more. */
    assert_int_equal(buckets_sum(b, 2 * DAY + 10 * MIN, &v, &e), -1);
    /* A day later the old period's events are still counted from D0... */
    advance_ok(b, D0 + DAY + 7 * HOUR);
    assert_true(sum_ok(b, DAY + 7 * HOUR) == 7);
    /* ...and the new period starts empty. */
    assert_true(sum_ok(b, 7 * HOUR) == 0);
    buckets_free(b);
}

/* ---- jumps, memory ---------------------------------------------------------- */

static void test_advance_far_jump_is_exact_and_fast(void **state)
{
    struct buckets *b = mk(30 * SEC, 3 * DAY, 30 * DAY, 0, D0);
    int64_t far = D0 + 1000 * 365 * DAY + 7 * MIN;
    int64_t from, to;
    struct err e;

    (void)state;
    for (int64_t t = D0 - 30 * DAY + 1; t <= D0 + HOUR; t += 7 * MIN + 1)
        assert_int_equal(buckets_add(b, t, 1), 0);
    /* A thousand years would be 10^12 grid steps: done in O(buckets). */
    advance_ok(b, far);
    assert_int_equal(buckets_add(b, far - 1, 3), 0);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_true(sum_ok(b, 30 * SEC) == 3);
    assert_true(sum_ok(b, 3 * DAY) == 3);
    assert_true(sum_ok(b, 30 * DAY) == 3);
    /* A jump just past the fine ring keeps nothing from before it. */
    advance_ok(b, far + 3 * DAY + 2 * HOUR);
    assert_true(sum_ok(b, 3 * DAY) == 0);
    assert_int_equal(buckets_edge_want(b, 0, &from, &to), 1);
    assert_int_equal(buckets_edge_commit(b, from, &e), 0);
    assert_true(sum_ok(b, 30 * DAY) == 3);
    buckets_free(b);
}

static void test_memory_bounded_and_constant(void **state)
{
    struct buckets *b = mk(30 * SEC, 3 * DAY, 30 * DAY, HOUR, D0);
    size_t m0 = buckets_memory(b);
    struct buckets *b90, *b15;

    (void)state;
    /* (72 + 2) * 120 fine + 649 coarse + 240 edge doubles, plus the struct. */
    assert_true(m0 >= (8880 + 649 + 240) * sizeof(double));
    assert_true(m0 < 160 * 1024);
    for (int64_t t = D0; t < D0 + 5 * DAY; t += HOUR + 30 * SEC) {
        advance_ok(b, t);
        assert_int_equal(buckets_add(b, t, 1), 0);
        assert_int_equal(buckets_memory(b), m0);
    }
    advance_ok(b, D0 + 400 * DAY);
    assert_int_equal(buckets_memory(b), m0);
    b90 = mk(30 * SEC, 3 * DAY, 90 * DAY, 0, D0);
    b15 = mk(15 * SEC, 3 * DAY, 30 * DAY, 0, D0);
    print_message("buckets memory: 30s/3d/30d %zu B, 30s/3d/90d %zu B, 15s/3d/30d %zu B\n", m0,
                  buckets_memory(b90), buckets_memory(b15));
    assert_true(buckets_memory(b90) < 160 * 1024);
    buckets_free(b90);
    buckets_free(b15);
    buckets_free(b);
}

/* ---- checkpoints ---------------------------------------------------------- */

/* The raw events of the busy store in (from, to]: added to the store, or
 * to the edge span starting at from when edge. */
static void busy_events(struct buckets *b, int64_t from, int64_t to, int edge)
{
    if (from < D0 - 3 * HOUR + 1 && D0 - 3 * HOUR + 1 <= to)
        assert_int_equal(edge ? buckets_edge_add(b, from, D0 - 3 * HOUR + 1, 100)
                              : buckets_add(b, D0 - 3 * HOUR + 1, 100),
                         0);
    for (int64_t t = D0 - 2 * HOUR - 58 * MIN; t <= D0 + 3 * MIN; t += 7 * MIN)
        if (t > from && t <= to)
            assert_int_equal(edge ? buckets_edge_add(b, from, t, (double)(t / MIN % 5))
                                  : buckets_add(b, t, (double)(t / MIN % 5)),
                             0);
}

/* The caller's edge fill sequence for the busy store. */
static void busy_fill(struct buckets *b)
{
    int64_t from, to;
    struct err e;

    while (buckets_edge_want(b, 0, &from, &to) == 1) {
        busy_events(b, from, to, 1);
        if (buckets_edge_commit(b, from, &e) != 0)
            fail_msg("commit at %lld: %s", (long long)buckets_at(b), e.msg);
    }
}

/* A store with something everywhere: fine, coarse, a filled edge, an event
 * ahead, and the partial first span. */
static struct buckets *busy_store(void)
{
    struct buckets *b = small(D0 + 3 * MIN);

    busy_events(b, D0 - 4 * HOUR, D0 + 3 * MIN, 0);
    busy_fill(b);
    advance_ok(b, D0 + 5 * MIN);
    assert_int_equal(buckets_add(b, D0 + 9 * MIN, 6), 0);
    busy_fill(b);
    return b;
}

static void same_sums(const struct buckets *a, const struct buckets *b)
{
    for (int64_t w = 0; w <= 3 * HOUR; w += MIN) {
        struct err e;
        double va = -1, vb = -2;
        int ra = buckets_sum(a, w, &va, &e);
        int rb = buckets_sum(b, w, &vb, &e);

        assert_int_equal(ra, rb);
        if (ra == 0)
            assert_true(va == vb);
    }
}

static void test_checkpoint_round_trip(void **state)
{
    struct buckets *b = busy_store();
    struct buckets *c = NULL;
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .long_ms = 3 * HOUR, .coarse_ms = 10 * MIN};
    struct buf img, img2;
    struct err e;
    size_t used = 0;

    (void)state;
    buf_init(&img, 1 << 20);
    buf_init(&img2, 1 << 20);
    assert_int_equal(buckets_save(b, &img), 0);
    /* Trailing bytes are left for the caller. */
    assert_int_equal(buf_append(&img, "tail", 4), 0);
    if (buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e) != 0)
        fail_msg("load: %s", e.msg);
    assert_int_equal(used, img.len - 4);
    assert_int_equal(buckets_at(c), buckets_at(b));
    assert_true(sum_ok(c, 3 * HOUR) == sum_ok(b, 3 * HOUR));
    same_sums(b, c);
    assert_int_equal(buckets_save(c, &img2), 0);
    assert_int_equal(img2.len, used);
    assert_memory_equal(img.data, img2.data, used);
    /* Both go on the same way: the event ahead, the next edge. */
    for (int64_t t = D0 + 6 * MIN; t <= D0 + 40 * MIN; t += MIN) {
        struct buckets *s[2] = {b, c};

        for (int i = 0; i < 2; i++) {
            advance_ok(s[i], t);
            assert_int_equal(buckets_add(s[i], t - 1, 1), 0);
            busy_fill(s[i]);
        }
        same_sums(b, c);
    }
    /* An empty store round-trips too. */
    buckets_free(c);
    c = small(D0);
    buf_reset(&img);
    assert_int_equal(buckets_save(c, &img), 0);
    buckets_free(c);
    c = NULL;
    assert_int_equal(buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e), 0);
    assert_int_equal(used, 88 + 12); /* header and 12 coarse zeros, a byte each */
    buckets_free(c);
    buf_free(&img);
    buf_free(&img2);
    buckets_free(b);
}

static void test_checkpoint_rejects_other_params(void **state)
{
    struct buckets *b = busy_store();
    struct buckets *c = NULL;
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .long_ms = 4 * HOUR, .coarse_ms = 10 * MIN};
    struct buf img;
    struct err e;
    size_t used;

    (void)state;
    buf_init(&img, 1 << 20);
    assert_int_equal(buckets_save(b, &img), 0);
    assert_int_equal(buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e), -1);
    assert_null(c);
    assert_non_null(strstr(e.msg, "other parameters"));
    p.long_ms = 3 * HOUR;
    p.coarse_ms = 0; /* resolves to 1h, not 10m */
    assert_int_equal(buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e), -1);
    p.coarse_ms = 10 * MIN;
    p.grid_ms = 30 * SEC;
    assert_int_equal(buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e), -1);
    p.grid_ms = 0;
    assert_int_equal(buckets_load(&p, (const uint8_t *)img.data, img.len, &used, &c, &e), -1);
    buf_free(&img);
    buckets_free(b);
}

/* Writes v little-endian at off. */
static void put_le(uint8_t *p, size_t off, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[off + (size_t)i] = (uint8_t)(v >> (8 * i));
}

static void test_checkpoint_rejects_hostile_fields(void **state)
{
    struct buckets *b = busy_store();
    struct buckets *c = NULL;
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .long_ms = 3 * HOUR, .coarse_ms = 10 * MIN};
    struct buf img;
    struct err e;
    size_t used;
    uint8_t *x;
    double nan = NAN, neg = -1;
    uint64_t u;
    /* Offsets in the header. */
    const size_t at_off = 48, since_off = 56, pre_off = 64, nw_off = 72, nf_off = 76, nc_off = 80,
                 ne_off = 84, vals = 88;
    size_t nvals;
    struct {
        size_t off;
        uint64_t v;
        int bytes;
        const char *msg;
    } cases[] = {
        {0, 'X', 1, "bad magic"},
        {4, 1, 4, "unsupported version 1"},
        {4, 3, 4, "unsupported version 3"},
        {nw_off, 1, 4, "other parameters"},
        {nw_off, 0xffffffffu, 4, "other parameters"},
        {at_off, (uint64_t)(D0 + 5 * MIN + 1), 8, "not a multiple"},
        {at_off, (uint64_t)INT64_MAX, 8, "not a multiple"},
        {since_off, (uint64_t)(D0 + 5 * MIN), 8, "backfill start"},
        {since_off, (uint64_t)(D0 - 2 * HOUR - 57 * MIN + 1), 8, "backfill start"},
        {nf_off, 0xffffffffu, 4, "do not match the position"},
        {nf_off, 76, 4, "do not match the position"},
        {nf_off, 75, 4, "truncated values"},
        {nc_off, 0xffffffffu, 4, "do not match the position"},
        {nc_off, 11, 4, "do not match the position"},
        {nc_off, 13, 4, "do not match the position"},
        {ne_off, 3, 4, "do not match the position"},
        {ne_off, 2, 4, "truncated values"},
    };

    (void)state;
    buf_init(&img, 1 << 20);
    assert_int_equal(buckets_save(b, &img), 0);
    x = malloc(img.len);
    assert_non_null(x);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memcpy(x, img.data, img.len);
        put_le(x, cases[i].off, cases[i].v, cases[i].bytes);
        if (buckets_load(&p, x, img.len, &used, &c, &e) != -1)
            fail_msg("case %zu (%s) was accepted", i, cases[i].msg);
        assert_null(c);
        if (strstr(e.msg, cases[i].msg) == NULL)
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.msg, cases[i].msg);
    }
    /* A non-finite or negative remainder. */
    for (int k = 0; k < 2; k++) {
        memcpy(x, img.data, img.len);
        memcpy(&u, k ? &neg : &nan, 8);
        put_le(x, pre_off, u, 8);
        assert_int_equal(buckets_load(&p, x, img.len, &used, &c, &e), -1);
        assert_null(c);
    }
    /* Every fine and coarse value in turn written as the f64 escape holding
     * NaN or -1, as an odd varint other than 1, or as an overlong varint. */
    nvals = (size_t)x[nf_off] + (size_t)x[nc_off];
    for (size_t i = 0, off = vals; i < nvals; i++) {
        size_t len = 1;
        uint8_t *y = malloc(img.len + 16);

        assert_non_null(y);
        while (x[off + len - 1] & 0x80)
            len++;
        for (int k = 0; k < 4; k++) {
            size_t n = off;

            memcpy(y, img.data, off);
            if (k < 2) {
                y[n++] = 1;
                memcpy(&u, k ? &neg : &nan, 8);
                put_le(y, n, u, 8);
                n += 8;
            } else if (k == 2) {
                y[n++] = 3;
            } else {
                memset(y + n, 0x80, 10);
                y[n + 10] = 0;
                n += 11;
            }
            memcpy(y + n, img.data + off + len, img.len - off - len);
            n += img.len - off - len;
            if (buckets_load(&p, y, n, &used, &c, &e) != -1)
                fail_msg("value %zu (case %d) was accepted", i, k);
            assert_null(c);
            if (strstr(e.msg, "malformed, negative or not finite") == NULL)
                fail_msg("value %zu (case %d): %s", i, k, e.msg);
        }
        free(y);
        off += len;
    }
    /* An edge that no longer adds up to its coarse bucket: its last value
     * (a one-byte varint) one more or one less. */
    memcpy(x, img.data, img.len);
    assert_true(x[img.len - 1] < 0x80 && x[img.len - 2] < 0x80);
    x[img.len - 1] = x[img.len - 1] >= 2 ? x[img.len - 1] - 2 : 2;
    assert_int_equal(buckets_load(&p, x, img.len, &used, &c, &e), -1);
    assert_non_null(strstr(e.msg, "does not add up"));
    free(x);
    buf_free(&img);
    buckets_free(b);
}

static void test_checkpoint_truncated_and_flipped(void **state)
{
    struct buckets *b = busy_store();
    struct buckets *c = NULL;
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .long_ms = 3 * HOUR, .coarse_ms = 10 * MIN};
    struct buf img;
    struct err e;
    size_t used;
    uint8_t *x;
    int loaded = 0;

    (void)state;
    buf_init(&img, 1 << 20);
    assert_int_equal(buckets_save(b, &img), 0);
    /* Every truncation fails; the copy is exactly len bytes so that an
     * over-read shows under ASan and valgrind. */
    for (size_t n = 0; n < img.len; n++) {
        x = malloc(n ? n : 1);
        assert_non_null(x);
        memcpy(x, img.data, n);
        assert_int_equal(buckets_load(&p, x, n, &used, &c, &e), -1);
        assert_null(c);
        free(x);
    }
    /* Every single bit flipped: fails cleanly, or loads a store that is
     * self-consistent (a flipped count can still be a count). */
    x = malloc(img.len);
    assert_non_null(x);
    for (size_t bit = 0; bit < img.len * 8; bit++) {
        memcpy(x, img.data, img.len);
        x[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (buckets_load(&p, x, img.len, &used, &c, &e) == 0) {
            double v;

            loaded++;
            assert_true(used <= img.len);
            for (int64_t w = 0; w <= 3 * HOUR; w += 30 * MIN)
                if (buckets_sum(c, w, &v, &e) == 0)
                    assert_true(isfinite(v) && v >= 0);
            advance_ok(c, buckets_at(c) + DAY);
            buckets_free(c);
            c = NULL;
        }
    }
    assert_true(loaded > 0);
    free(x);
    buf_free(&img);
    buckets_free(b);
}

static void test_checkpoint_random_bytes(void **state)
{
    struct buckets *b = busy_store();
    struct buckets *c = NULL;
    struct buckets_params p = {
        .grid_ms = MIN, .fine_ms = HOUR, .long_ms = 3 * HOUR, .coarse_ms = 10 * MIN};
    struct buf img;
    struct err e;
    size_t used;
    uint64_t s = 0x9e3779b97f4a7c15ull;

    (void)state;
    buf_init(&img, 1 << 20);
    assert_int_equal(buckets_save(b, &img), 0);
    for (int i = 0; i < 3000; i++) {
        size_t n, keep;
        uint8_t *x;

        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        n = (size_t)(s % (img.len + 64));
        x = malloc(n ? n : 1);
        assert_non_null(x);
        /* Keep a valid prefix of random length (the header, often) so the
         * checks past the magic are reached too. */
        keep = (size_t)((s >> 20) % (n + 1));
        if (keep > img.len)
            keep = img.len;
        memcpy(x, img.data, keep);
        for (size_t j = keep; j < n; j++) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            x[j] = (uint8_t)s;
        }
        if (buckets_load(&p, x, n, &used, &c, &e) == 0) {
            assert_true(used <= n);
            buckets_free(c);
            c = NULL;
        } else {
            assert_null(c);
        }
        free(x);
    }
    assert_int_equal(buckets_load(&p, NULL, 0, &used, &c, &e), -1);
    buf_free(&img);
    buckets_free(b);
}

static void test_save_respects_buf_cap(void **state)
{
    struct buckets *b = busy_store();
    struct buf img;

    (void)state;
    buf_init(&img, 100);
    assert_int_equal(buf_append(&img, "x", 1), 0);
    assert_int_equal(buckets_save(b, &img), -1);
    assert_int_equal(img.len, 1);
    assert_string_equal(img.data, "x");
    buf_free(&img);
    buckets_free(b);
}

/* ---- randomized scenarios against a brute force ------------------------------ */

/*
 * Every event there is (the "raw data"), sorted by time, with prefix sums
 * for quick window sums; ref_brute is the literal loop they are checked
 * against.
 */
struct ref {
    int64_t *t;
    double *v;
    double *pre; /* pre[i] = v[0] + ... + v[i-1] */
    size_t n, cap;
    int dirty;
};

static size_t ref_upper(const struct ref *r, int64_t x)
{
    size_t lo = 0, hi = r->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (r->t[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void ref_add(struct ref *r, int64_t t, double v)
{
    size_t i;

    if (r->n + 1 >= r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4096;
        r->t = realloc(r->t, r->cap * sizeof(*r->t));
        r->v = realloc(r->v, r->cap * sizeof(*r->v));
        r->pre = realloc(r->pre, (r->cap + 1) * sizeof(*r->pre));
        assert_true(r->t != NULL && r->v != NULL && r->pre != NULL);
        if (r->n == 0)
            r->pre[0] = 0;
    }
    i = ref_upper(r, t);
    if (i < r->n) {
        memmove(&r->t[i + 1], &r->t[i], (r->n - i) * sizeof(*r->t));
        memmove(&r->v[i + 1], &r->v[i], (r->n - i) * sizeof(*r->v));
        r->dirty = 1;
    }
    r->t[i] = t;
    r->v[i] = v;
    r->n++;
    if (!r->dirty)
        r->pre[r->n] = r->pre[r->n - 1] + v;
}

/* Sum of the events in (a, b]. */
static double ref_sum(struct ref *r, int64_t a, int64_t b)
{
    if (r->dirty) {
        r->pre[0] = 0;
        for (size_t i = 0; i < r->n; i++)
            r->pre[i + 1] = r->pre[i] + r->v[i];
        r->dirty = 0;
    }
    return r->pre[ref_upper(r, b)] - r->pre[ref_upper(r, a)];
}

static double ref_brute(const struct ref *r, int64_t a, int64_t b)
{
    double s = 0;

    for (size_t i = 0; i < r->n; i++)
        if (r->t[i] > a && r->t[i] <= b)
            s += r->v[i];
    return s;
}

static void ref_free(struct ref *r)
{
    free(r->t);
    free(r->v);
    free(r->pre);
}

static double rnd_count(struct rng *g)
{
    int64_t x = rnd_below(g, 100);

    if (x < 2)
        return (double)(1000 + rnd_below(g, 100000));
    return (double)(x % 10); /* zero counts too */
}

/* Generates the raw events of (a, b]: about density per grid bucket, at
 * random times, a quarter of them exactly on a grid point. */
static void gen(struct ref *r, struct rng *g, int64_t grid, double density, int64_t a, int64_t b)
{
    uint64_t thr = (uint64_t)(density * 1e6);

    for (int64_t s = a; s < b; s += grid) {
        while (rnd(g) % 1000000 < thr) {
            int64_t t = rnd_below(g, 4) == 0 ? s + grid : s + 1 + rnd_below(g, grid);

            if (t > b)
                t = b;
            ref_add(r, t, rnd_count(g));
            thr /= 4; /* sometimes two in a bucket */
        }
        thr = (uint64_t)(density * 1e6);
    }
}

struct scenario {
    const char *name;
    int64_t g, fine, lng, coarse, keep;
    int64_t t0;      /* creation time (not on a coarse boundary) */
    int64_t stepped; /* time walked one interval at a time, per phase */
    int phases;      /* walks, separated by jumps */
    double density;  /* events per grid bucket */
    int64_t period;  /* calendar: periods start at multiples of this */
    uint64_t seed;
    int64_t edges[3]; /* edge windows besides the long one (0: none) */
};

struct run {
    const struct scenario *sc;
    struct rng rng;
    struct ref ref;
    struct buckets *b;
    struct buckets_params p;
    int64_t c, fine, reach, since;
    int64_t T;
    int64_t gen_end;   /* raw events exist up to here */
    int64_t given_end; /* and were given to the store up to here */
    int64_t lead;
    long steps, fills, checks;
};

static void gen_to(struct run *r, int64_t end)
{
    if (end > r->gen_end) {
        gen(&r->ref, &r->rng, r->sc->g, r->sc->density, r->gen_end, end);
        r->gen_end = end;
    }
}

/* buckets_add of every raw event of (given_end, end]: 1 for the ones at or
 * before the horizon, 0 for the rest. */
static void give(struct run *r, int64_t end)
{
    int64_t h = buckets_horizon(r->b);

    gen_to(r, end);
    for (size_t i = ref_upper(&r->ref, r->given_end); i < r->ref.n && r->ref.t[i] <= end; i++) {
        int rc = buckets_add(r->b, r->ref.t[i], r->ref.v[i]);

        if (rc != (r->ref.t[i] <= h ? 1 : 0))
            fail_msg("%s: add(%lld) = %d at %lld", r->sc->name, (long long)r->ref.t[i], rc,
                     (long long)r->T);
    }
    if (end > r->given_end)
        r->given_end = end;
}

/* What the caller does after its adds: fill the edges announced. */
static void fill_edges(struct run *r)
{
    int64_t from, to;
    int n = 0;
    struct err e;

    while (buckets_edge_want(r->b, r->lead, &from, &to) == 1) {
        if (++n > 2 * (1 + (int)r->p.nedge))
            fail_msg("%s: more than two edge spans per window wanted at %lld", r->sc->name,
                     (long long)r->T);
        assert_int_equal(to - from, r->c);
        assert_int_equal(from % r->c, 0);
        assert_true(to <= r->T);
        for (size_t i = ref_upper(&r->ref, from); i < r->ref.n && r->ref.t[i] <= to; i++)
            assert_int_equal(buckets_edge_add(r->b, from, r->ref.t[i], r->ref.v[i]), 0);
        if (buckets_edge_commit(r->b, from, &e) != 0)
            fail_msg("%s: commit at %lld: %s", r->sc->name, (long long)r->T, e.msg);
        r->fills++;
    }
}

static void check_window(struct run *r, int64_t w, int must)
{
    struct err e = {{0}};
    double got = -1, want;
    int rc = buckets_sum(r->b, w, &got, &e);

    if (rc != 0) {
        if (must)
            fail_msg("%s: sum(%lld) at %lld: %s", r->sc->name, (long long)w, (long long)r->T,
                     e.msg);
        return;
    }
    want = ref_sum(&r->ref, r->T - w, r->T);
    if (got != want)
        fail_msg("%s: sum(%lld) at %lld = %.17g, brute force %.17g", r->sc->name, (long long)w,
                 (long long)r->T, got, want);
    if (r->checks % 97 == 0 && got != ref_brute(&r->ref, r->T - w, r->T))
        fail_msg("%s: prefix sums disagree with the loop", r->sc->name);
}

static void check_all(struct run *r)
{
    static const int64_t alert[] = {5 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR, DAY, 3 * DAY};
    const struct scenario *sc = r->sc;
    int64_t c = r->c;
    int64_t oldest = r->since > buckets_horizon(r->b) ? r->since : buckets_horizon(r->b);
    int64_t fine_start = (r->T - r->fine) - ((r->T - r->fine) % c + c) % c;
    struct err e;
    double v;
    int fine_seen = 0;

    r->checks++;
    for (size_t i = 0; i < sizeof(alert) / sizeof(alert[0]); i++) {
        if (alert[i] <= r->fine && alert[i] % sc->g == 0)
            check_window(r, alert[i], 1);
        fine_seen |= alert[i] == r->fine;
    }
    check_window(r, 0, 1);
    for (size_t i = 0; i < r->p.nedge; i++)
        check_window(r, r->p.edge_ms[i], 1);
    if (!fine_seen)
        check_window(r, r->fine, 1);
    for (int i = 0; i < 2; i++)
        check_window(r, rnd_below(&r->rng, r->fine / sc->g + 1) * sc->g, 1);
    if (sc->lng != 0) {
        /* The long window, always; the first coarse boundary after its
         * edge, always; a start in a span that has no edge never. */
        int64_t a = r->T - sc->lng + ((c - (r->T - sc->lng) % c) % c + c) % c;

        check_window(r, sc->lng, 1);
        check_window(r, r->T - a, 1);
        if (a + 3 * c <= fine_start && buckets_sum(r->b, r->T - (a + 2 * c + sc->g), &v, &e) == 0)
            fail_msg("%s: a window without its edge was answered at %lld", sc->name,
                     (long long)r->T);
    } else {
        /* This period and the one before, from their starts. */
        int64_t p0 = r->T - ((r->T % sc->period) + sc->period) % sc->period;

        for (int64_t s = p0; s >= p0 - sc->period; s -= sc->period) {
            if (s >= oldest)
                check_window(r, r->T - s, 1);
            else
                assert_int_equal(buckets_sum(r->b, r->T - s, &v, &e), -1);
        }
    }
}

/* Saves, frees, loads, and checks the image is stable. */
static void reload(struct run *r)
{
    struct buf img, img2;
    struct buckets *c = NULL;
    struct err e;
    size_t used;

    buf_init(&img, 64 << 20);
    buf_init(&img2, 64 << 20);
    assert_int_equal(buckets_save(r->b, &img), 0);
    if (buckets_load(&r->p, (const uint8_t *)img.data, img.len, &used, &c, &e) != 0)
        fail_msg("%s: load: %s", r->sc->name, e.msg);
    assert_int_equal(used, img.len);
    assert_int_equal(buckets_save(c, &img2), 0);
    assert_int_equal(img2.len, img.len);
    assert_memory_equal(img.data, img2.data, img.len);
    buckets_free(r->b);
    r->b = c;
    buf_free(&img);
    buf_free(&img2);
}

static void step_to(struct run *r, int64_t at)
{
    int64_t ahead = 0;

    r->T = at;
    advance_ok(r->b, at);
    /* Reads usually end at T; sometimes events a little newer arrive. */
    if (rnd_below(&r->rng, 8) == 0)
        ahead = rnd_below(&r->rng, r->c / r->sc->g + 1) * r->sc->g - rnd_below(&r->rng, 2);
    give(r, at + (ahead > 0 ? ahead : 0));
    /* Now and then a late event anywhere back to past the horizon. */
    if (rnd_below(&r->rng, 40) == 0) {
        int64_t t = at - rnd_below(&r->rng, r->reach + 2 * r->c);
        double n = rnd_count(&r->rng);
        int rc = buckets_add(r->b, t, n);

        assert_int_equal(rc, t <= buckets_horizon(r->b) ? 1 : 0);
        ref_add(&r->ref, t, n);
    }
    fill_edges(r);
    check_all(r);
    r->steps++;
}

static void run_scenario(const struct scenario *sc)
{
    struct run r = {.sc = sc, .rng = {sc->seed}};
    /* valgrind runs ~50 times slower: walk a 25th of the way (the small
     * scenarios still pass hundreds of edges). */
    int64_t walk = RUNNING_ON_VALGRIND ? sc->stepped / 25 : sc->stepped;
    static const int64_t leads[] = {0, 1, 2, -1}; /* in intervals; -1: c */
    int64_t jumps[6];
    size_t m0;
    struct err e;

    r.p = (struct buckets_params){.grid_ms = sc->g,
                                  .fine_ms = sc->fine,
                                  .long_ms = sc->lng,
                                  .coarse_ms = sc->coarse,
                                  .keep_ms = sc->keep};
    for (size_t i = 0; i < 3 && sc->edges[i] != 0; i++)
        r.p.edge_ms[r.p.nedge++] = sc->edges[i];
    r.b = buckets_new(&r.p, sc->t0, &e);
    if (r.b == NULL)
        fail_msg("%s: %s", sc->name, e.msg);
    {
        struct buckets_params q;

        buckets_params_get(r.b, &q);
        r.c = q.coarse_ms;
        r.fine = q.fine_ms;
        r.reach = sc->lng ? sc->lng : q.keep_ms;
    }
    r.lead = leads[sc->seed % 4] < 0 ? r.c : leads[sc->seed % 4] * sc->g;
    r.since = sc->t0 - r.reach;
    r.T = sc->t0;
    m0 = buckets_memory(r.b);
    /* The raw data starts a little before anything the store keeps. */
    r.gen_end = buckets_horizon(r.b) - 2 * r.c;
    /* Backfill from since or from the horizon (or before it: ignored). */
    r.given_end = rnd_below(&r.rng, 2) ? r.since : r.gen_end;
    gen_to(&r, r.given_end);
    give(&r, sc->t0);
    fill_edges(&r);
    check_all(&r);
    jumps[0] = sc->g * (1 + rnd_below(&r.rng, 5));
    jumps[1] = r.c + sc->g * rnd_below(&r.rng, 7);
    jumps[2] = r.fine + r.c - sc->g;
    jumps[3] = DAY + 7 * sc->g;
    jumps[4] = r.reach / 2 + 3 * sc->g;
    jumps[5] = r.reach + 2 * r.c + sc->g;
    for (int ph = 0; ph < sc->phases; ph++) {
        if (ph > 0)
            step_to(&r, r.T + jumps[rnd_below(&r.rng, 6)]);
        for (int64_t t = r.T + sc->g, end = r.T + walk; t <= end; t += sc->g) {
            step_to(&r, t);
            if (r.steps % (RUNNING_ON_VALGRIND ? 97 : 1009) == 0)
                reload(&r);
        }
    }
    assert_int_equal(buckets_memory(r.b), m0);
    if ((sc->lng != 0 && sc->lng > r.fine + 2 * r.c) || r.p.nedge > 0)
        assert_true(r.fills > 0);
    print_message("%s: %ld steps, %ld fills, %zu events, %zu bytes\n", sc->name, r.steps, r.fills,
                  r.ref.n, m0);
    buckets_free(r.b);
    ref_free(&r.ref);
}

/* Realistic configurations first, then small ones that pass many edges. */
/* clang-format off */
static const struct scenario scenarios[] = {
    {.name = "30s/3d/30d", .g = 30 * SEC, .fine = 3 * DAY, .lng = 30 * DAY,
     .t0 = D0 + 17 * MIN + 30 * SEC, .stepped = 16 * HOUR, .phases = 3, .density = 0.3,
     .seed = 1},
    {.name = "15s/3d/7d", .g = 15 * SEC, .fine = 3 * DAY, .lng = 7 * DAY,
     .t0 = D0 - 5 * HOUR + 45 * SEC, .stepped = 3 * HOUR, .phases = 3, .density = 0.2, .seed = 2},
    {.name = "45s/3d/90d", .g = 45 * SEC, .fine = 3 * DAY, .lng = 90 * DAY,
     .t0 = D0 + 45 * SEC * 77, .stepped = 14 * HOUR, .phases = 3, .density = 0.1, .seed = 3},
    {.name = "60s/3d/30d", .g = MIN, .fine = 3 * DAY, .lng = 30 * DAY, .t0 = D0 + 13 * MIN,
     .stepped = 20 * HOUR, .phases = 3, .density = 0.5, .seed = 4},
    /* 70s does not divide 1h (c = 59m30s) nor 3d (fine rounds up). */
    {.name = "70s/3d/7d", .g = 70 * SEC, .fine = 3 * DAY, .lng = 7 * DAY,
     .t0 = D0 + 70 * SEC * 1001, .stepped = 16 * HOUR, .phases = 3, .density = 0.4, .seed = 5},
    {.name = "30s/3d/90d c=2h", .g = 30 * SEC, .fine = 3 * DAY, .lng = 90 * DAY,
     .coarse = 2 * HOUR, .t0 = D0 + 30 * SEC * 7, .stepped = 8 * HOUR, .phases = 3,
     .density = 0.05, .seed = 6},
    /* Small ones that pass many edges quickly. */
    {.name = "60s/1h/1d c=10m", .g = MIN, .fine = HOUR, .lng = DAY, .coarse = 10 * MIN,
     .t0 = D0 + 3 * MIN, .stepped = 2 * DAY, .phases = 4, .density = 0.6, .seed = 7},
    {.name = "10s/2m/10m c=1m", .g = 10 * SEC, .fine = 2 * MIN, .lng = 10 * MIN, .coarse = MIN,
     .t0 = D0 + 30 * SEC, .stepped = 6 * HOUR, .phases = 4, .density = 0.5, .seed = 8},
    {.name = "30s/6h/6h long=fine", .g = 30 * SEC, .fine = 6 * HOUR, .lng = 6 * HOUR,
     .t0 = D0 + 90 * SEC, .stepped = 8 * HOUR, .phases = 3, .density = 0.5, .seed = 9},
    {.name = "30s/1h/1h30s c=10m", .g = 30 * SEC, .fine = HOUR, .lng = HOUR + 30 * SEC,
     .coarse = 10 * MIN, .t0 = D0 + 30 * SEC, .stepped = 6 * HOUR, .phases = 3, .density = 0.5,
     .seed = 10},
    {.name = "60s/1h/2h before 1970", .g = MIN, .fine = HOUR, .lng = 2 * HOUR,
     .coarse = 20 * MIN, .t0 = -DAY - 7 * MIN, .stepped = 8 * HOUR, .phases = 3, .density = 0.5,
     .seed = 11},
    /* Edge windows besides the long one: the daemon's default layout (fine
     * up to 6h, 1d and 3d through edges), then small ones. */
    {.name = "30s/6h/30d edges 1d 3d", .g = 30 * SEC, .fine = 6 * HOUR, .lng = 30 * DAY,
     .t0 = D0 + 17 * MIN + 30 * SEC, .stepped = 16 * HOUR, .phases = 3, .density = 0.3,
     .seed = 14, .edges = {DAY, 3 * DAY}},
    {.name = "60s/1h/1d edges 3h 7h 1d c=10m", .g = MIN, .fine = HOUR, .lng = DAY,
     .coarse = 10 * MIN, .t0 = D0 + 3 * MIN, .stepped = 2 * DAY, .phases = 4, .density = 0.6,
     .seed = 15, .edges = {7 * HOUR, 3 * HOUR, DAY}},
    {.name = "10s/2m/10m edges 3m 5m c=1m", .g = 10 * SEC, .fine = 2 * MIN, .lng = 10 * MIN,
     .coarse = MIN, .t0 = D0 + 30 * SEC, .stepped = 6 * HOUR, .phases = 4, .density = 0.5,
     .seed = 16, .edges = {5 * MIN, 3 * MIN + 10 * SEC}},
    /* Calendar periods: windows from each period's start. */
    {.name = "calendar 30s/3d weekly", .g = 30 * SEC, .fine = 3 * DAY,
     .t0 = D0 + 3 * DAY + 30 * SEC, .stepped = 10 * HOUR, .phases = 3, .density = 0.3,
     .period = 7 * DAY, .seed = 12},
    {.name = "calendar 60s/1h/2d daily c=10m", .g = MIN, .fine = HOUR, .coarse = 10 * MIN,
     .keep = 2 * DAY, .t0 = D0 + 5 * HOUR + MIN, .stepped = 2 * DAY, .phases = 4,
     .density = 0.5, .period = DAY, .seed = 13},
    {.name = "calendar 60s/1h/2d daily edges 3h 1d c=10m", .g = MIN, .fine = HOUR,
     .coarse = 10 * MIN, .keep = 2 * DAY, .t0 = D0 + 5 * HOUR + MIN, .stepped = 2 * DAY,
     .phases = 4, .density = 0.5, .period = DAY, .seed = 17, .edges = {3 * HOUR, DAY}},
};
/* clang-format on */

#define NSCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* One cmocka test per scenario, named after it; state is the scenario. */
static void test_random_scenario(void **state)
{
    run_scenario((const struct scenario *)*state);
}

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_new_rejects_bad_params),
        cmocka_unit_test(test_fine_span_rounded_up_to_grid),
        cmocka_unit_test(test_coarse_default_is_multiple_of_grid_near_1h),
        cmocka_unit_test(test_calendar_keep_defaults_to_a_quarter),
        cmocka_unit_test(test_event_on_grid_point_belongs_to_earlier_bucket),
        cmocka_unit_test(test_old_events_ignored_future_events_wait),
        cmocka_unit_test(test_sum_rejects_bad_windows),
        cmocka_unit_test(test_advance_rejects_backwards_and_off_grid),
        cmocka_unit_test(test_edge_on_coarse_boundary_needs_no_fill),
        cmocka_unit_test(test_edge_not_filled_is_an_error),
        cmocka_unit_test(test_edge_commit_mismatch_discards),
        cmocka_unit_test(test_edge_add_rejects_other_spans),
        cmocka_unit_test(test_edge_fill_not_committed_is_dropped_by_advance),
        cmocka_unit_test(test_edge_want_lead_announces_next_span_early),
        cmocka_unit_test(test_edge_want_only_spans_that_are_over),
        cmocka_unit_test(test_partial_first_span_backfilled_from_since),
        cmocka_unit_test(test_partial_first_span_backfilled_from_horizon),
        cmocka_unit_test(test_window_never_reaches_before_creation),
        cmocka_unit_test(test_late_event_updates_filled_edge),
        cmocka_unit_test(test_calendar_windows_from_period_start),
        cmocka_unit_test(test_advance_far_jump_is_exact_and_fast),
        cmocka_unit_test(test_memory_bounded_and_constant),
        cmocka_unit_test(test_checkpoint_round_trip),
        cmocka_unit_test(test_checkpoint_rejects_other_params),
        cmocka_unit_test(test_checkpoint_rejects_hostile_fields),
        cmocka_unit_test(test_checkpoint_truncated_and_flipped),
        cmocka_unit_test(test_checkpoint_random_bytes),
        cmocka_unit_test(test_save_respects_buf_cap),
    };
    struct CMUnitTest tests[sizeof(fixed) / sizeof(fixed[0]) + NSCENARIOS];
    size_t n = 0;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        tests[n++] = fixed[i];
    for (size_t i = 0; i < NSCENARIOS; i++)
        tests[n++] = (struct CMUnitTest){.name = scenarios[i].name,
                                         .test_func = test_random_scenario,
                                         .initial_state = (void *)&scenarios[i]};
    assert_int_equal(n, sizeof(tests) / sizeof(tests[0]));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
