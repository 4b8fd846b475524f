/*
 * Unit tests for check's look at the queries (src/tools/qcheck.c), without a
 * store: which queries are checked in each mode, and where the messages
 * point in the file. The store's side is in
 * tests/integration/test_check_queries.sh, against real stores.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "qcheck.h"

/* A checked config: its report, and the temp file its messages point into (removed). */
struct checked {
    struct qcheck_report r;
    char path[64];
};

/* Writes text to a new temp file, loads it and checks its queries into c. */
static void run(const char *text, struct checked *c)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct err e;
    int fd;

    snprintf(c->path, sizeof(c->path), "/tmp/slo-test-qcheck-XXXXXX");
    fd = mkstemp(c->path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config_errors_init(&errs);
    if (config_load(c->path, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("%s\n", errs.msg[i]);
        fail_msg("the test config does not load");
    }
    qcheck_report_init(&c->r);
    assert_int_equal(qcheck_run(cfg, NULL, &c->r, &e), 0);
    config_free(cfg);
    config_errors_free(&errs);
    unlink(c->path);
}

/* 1 when some message of c starts with its path and then holds rest. */
static int has(const struct checked *c, const char *rest)
{
    size_t n = strlen(c->path);

    for (size_t i = 0; i < c->r.nmsgs; i++)
        if (strncmp(c->r.msgs[i], c->path, n) == 0 && strstr(c->r.msgs[i] + n, rest) != NULL)
            return 1;
    for (size_t i = 0; i < c->r.nmsgs; i++)
        print_message("got: %s\n", c->r.msgs[i]);
    return 0;
}

#define HEAD                                                                                      \
    "global:\n"                                                                                   \
    "  prometheus: {url: http://127.0.0.1:9090, mode: promql}\n"                                  \
    "slos:\n"

/* An SLO whose promql fields, appended to it, start at line 10 of the file. */
#define API_SLO                                                                                   \
    HEAD "  - name: api\n    service: s\n    objective: 99\n    period: 28d\n"                    \
         "    sli:\n      promql:\n"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Checks the queries of text: no message, and that many queries checked. */
static void expect_clean(const char *text, size_t queries)
{
    struct checked c;

    run(text, &c);
    assert_int_equal(c.r.nmsgs, 0);
    assert_int_equal(c.r.errors, 0);
    assert_int_equal(c.r.queries, queries);
    qcheck_report_free(&c.r);
}

/*
 * Checks the queries of text: nerrors errors, and for each of
 * want[0..nwant) a message that points into the file and holds it.
 */
static void expect_errors(const char *text, size_t nerrors, const char *const *want, size_t nwant)
{
    struct checked c;

    run(text, &c);
    assert_int_equal(c.r.errors, nerrors);
    for (size_t i = 0; i < nwant; i++)
        if (!has(&c, want[i]))
            fail_msg("no message holds %s", want[i]);
    qcheck_report_free(&c.r);
}

static void test_good_config_has_no_message(void **state)
{
    (void)state;
    /* a, b: 2 batched queries each; c: 1 range selector; d: 2 per window (8 windows). */
    expect_clean(HEAD
                 "  - name: a\n    service: s\n    objective: 99\n    period: 30d\n"
                 "    group_by: [namespace]\n"
                 "    sli:\n      events:\n"
                 "        error: 'x_total{code=~\"5..\"}'\n        total: x_total\n"
                 "  - name: b\n    service: s\n    objective: 99\n    period: calendar_month\n"
                 "    sli:\n      latency: {histogram: 'h{job=\"a\"}', threshold: 0.25}\n"
                 "  - name: c\n    service: s\n    objective: 99\n    period: 7d\n"
                 "    sli:\n      timeslice: {gauge: g, op: '<', value: 1, slice: 1m}\n"
                 "  - name: d\n    service: s\n    objective: 99\n    period: 28d\n"
                 "    sli:\n      promql:\n"
                 "        good_query: 'sum(rate(ok[{{.window}}]))'\n"
                 "        total_query: 'sum(rate(all[{{.window}}])) or vector(0)'\n",
                 2 + 2 + 1 + 2 * 8);
}

static void test_error_points_at_the_column_in_the_file(void **state)
{
    static const char *const want[] = {
        ":10:49: SLO api: error_query: unexpected end of input at char 18: sum(rate(x[5m]) +",
        /* a folded scalar does not map column for column: the field's value is pointed at */
        ":11:22: SLO api: total_query: unexpected end of input",
    };

    (void)state;
    /* line 10: "        error_query: 'sum(rate(x[{{.window}}]) +'": the quote is column 22;
     * one message per field, not one per window */
    expect_errors(API_SLO "        error_query: 'sum(rate(x[{{.window}}]) +'\n"
                          "        total_query: >-\n"
                          "          sum(rate(y[{{.window}}])) by (job\n",
                  2, want, N(want));
}

static void test_instant_queries_must_not_be_ranges(void **state)
{
    static const char *const want[] = {
        (":10:23: SLO api: error_query: the query gives a range vector; the sidecar needs an "
         "instant vector or a scalar at char 1: x[5m]"),
        ":11:27: SLO api: total_query: unknown function \"range_median\" at char 5",
        "check --query.check=backend asks it",
    };

    (void)state;
    expect_errors(API_SLO "        error_query: 'x[{{.window}}]'\n"
                          "        total_query: \"sum(range_median(y[{{.window}}]))\"\n",
                  2, want, N(want));
}

static void test_exact_modes_check_range_selectors(void **state)
{
    (void)state;
    /* good and total; _bucket and _count */
    expect_clean("global:\n"
                 "  prometheus: {url: http://127.0.0.1:9090, mode: api_read}\n"
                 "slos:\n"
                 "  - name: a\n    service: s\n    objective: 99\n    period: 30d\n"
                 "    sli:\n      events:\n"
                 "        good: 'x_total{code!~\"5..\"}'\n        total: x_total\n"
                 "  - name: b\n    service: s\n    objective: 99\n    period: 30d\n"
                 "    sli:\n      latency: {histogram: 'h{job=\"a\"}', threshold: 0.25}\n",
                 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_config_has_no_message),
        cmocka_unit_test(test_error_points_at_the_column_in_the_file),
        cmocka_unit_test(test_instant_queries_must_not_be_ranges),
        cmocka_unit_test(test_exact_modes_check_range_selectors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
