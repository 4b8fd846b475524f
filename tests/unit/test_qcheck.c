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

/* Writes text to a new temp file, loads it and checks its queries into r. */
static void run(const char *text, struct qcheck_report *r, char *path, size_t len)
{
    struct config *cfg = NULL;
    struct config_errors errs;
    struct err e;
    int fd;

    snprintf(path, len, "/tmp/slo-test-qcheck-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    config_errors_init(&errs);
    if (config_load(path, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("%s\n", errs.msg[i]);
        fail_msg("the test config does not load");
    }
    qcheck_report_init(r);
    assert_int_equal(qcheck_run(cfg, NULL, r, &e), 0);
    config_free(cfg);
    config_errors_free(&errs);
    unlink(path);
}

/* 1 when some message of r starts with path and then holds the rest. */
static int has(const struct qcheck_report *r, const char *path, const char *rest)
{
    size_t n = strlen(path);

    for (size_t i = 0; i < r->nmsgs; i++)
        if (strncmp(r->msgs[i], path, n) == 0 && strstr(r->msgs[i] + n, rest) != NULL)
            return 1;
    for (size_t i = 0; i < r->nmsgs; i++)
        print_message("got: %s\n", r->msgs[i]);
    return 0;
}

static const char head[] = "global:\n"
                           "  prometheus: {url: http://127.0.0.1:9090, mode: promql}\n"
                           "slos:\n";

static void test_good_config_has_no_message(void **state)
{
    char cfg[4096], path[64];
    struct qcheck_report r;

    (void)state;
    snprintf(cfg, sizeof(cfg),
             "%s"
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
             head);
    run(cfg, &r, path, sizeof(path));
    assert_int_equal(r.nmsgs, 0);
    assert_int_equal(r.errors, 0);
    /* a, b: 2 batched queries each; c: 1 range selector; d: 2 per window (8 windows). */
    assert_int_equal(r.queries, 2 + 2 + 1 + 2 * 8);
    qcheck_report_free(&r);
}

static void test_error_points_at_the_column_in_the_file(void **state)
{
    char cfg[4096], path[64];
    struct qcheck_report r;

    (void)state;
    /* line 10: "        error_query: 'sum(rate(x[{{.window}}]) +'": the quote is column 22 */
    snprintf(cfg, sizeof(cfg),
             "%s"
             "  - name: api\n    service: s\n    objective: 99\n    period: 28d\n"
             "    sli:\n      promql:\n"
             "        error_query: 'sum(rate(x[{{.window}}]) +'\n"
             "        total_query: >-\n          sum(rate(y[{{.window}}])) by (job\n",
             head);
    run(cfg, &r, path, sizeof(path));
    /* one message per field, not one per window */
    assert_int_equal(r.errors, 2);
    assert_true(has(&r, path,
                    ":10:49: SLO api: error_query: unexpected end of input at char 18: "
                    "sum(rate(x[5m]) +"));
    /* a folded scalar does not map column for column: the field's value is pointed at */
    assert_true(has(&r, path, ":11:22: SLO api: total_query: unexpected end of input"));
    qcheck_report_free(&r);
}

static void test_instant_queries_must_not_be_ranges(void **state)
{
    char cfg[4096], path[64];
    struct qcheck_report r;

    (void)state;
    snprintf(cfg, sizeof(cfg),
             "%s"
             "  - name: api\n    service: s\n    objective: 99\n    period: 28d\n"
             "    sli:\n      promql:\n"
             "        error_query: 'x[{{.window}}]'\n"
             "        total_query: \"sum(range_median(y[{{.window}}]))\"\n",
             head);
    run(cfg, &r, path, sizeof(path));
    assert_int_equal(r.errors, 2);
    assert_true(has(&r, path,
                    ":10:23: SLO api: error_query: the query gives a range vector; the sidecar "
                    "needs an instant vector or a scalar at char 1: x[5m]"));
    assert_true(has(&r, path,
                    ":11:27: SLO api: total_query: unknown function \"range_median\" at char 5"));
    assert_true(has(&r, path, "check --query.check=backend asks it"));
    qcheck_report_free(&r);
}

static void test_exact_modes_check_range_selectors(void **state)
{
    char path[64];
    struct qcheck_report r;

    (void)state;
    run("global:\n"
        "  prometheus: {url: http://127.0.0.1:9090, mode: api_read}\n"
        "slos:\n"
        "  - name: a\n    service: s\n    objective: 99\n    period: 30d\n"
        "    sli:\n      events:\n"
        "        good: 'x_total{code!~\"5..\"}'\n        total: x_total\n"
        "  - name: b\n    service: s\n    objective: 99\n    period: 30d\n"
        "    sli:\n      latency: {histogram: 'h{job=\"a\"}', threshold: 0.25}\n",
        &r, path, sizeof(path));
    assert_int_equal(r.nmsgs, 0);
    /* good and total; _bucket and _count */
    assert_int_equal(r.queries, 4);
    qcheck_report_free(&r);
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
