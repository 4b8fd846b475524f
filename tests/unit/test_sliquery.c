/* Unit tests for the PromQL that promql mode sends (src/promql/sliquery.c). */
#include "testutil.h"

#include <stdlib.h>

#include "sliquery.h"
#include "selector.h"

#define MIN 60000LL

static struct slo_window two_windows[2] = {
    {"5m", 5 * MIN, 0},
    {"30d", 30 * 24 * 60 * MIN, 1},
};

static struct selector *sel(const char *s)
{
    struct selector *out = NULL;
    struct err e;

    assert_int_equal(selector_parse(s, &out, &e), 0);
    return out;
}

static void test_events_batched_over_windows(void **state)
{
    struct config_slo slo;
    struct sliquery *q;
    size_t n;
    struct err e;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.name = "x";
    slo.kind = CONFIG_SLI_EVENTS;
    slo.events.error_sel = sel("http_requests_total{job=\"checkout\",code=~\"5..\"}");
    slo.events.total_sel = sel("http_requests_total{job=\"checkout\"}");
    assert_int_equal(sliquery_build(&slo, two_windows, 2, &q, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(q[0].part, ANSWER_BAD);
    assert_int_equal(q[0].window, -1);
    assert_string_equal(
        q[0].text,
        "label_replace(sum (increase(http_requests_total{job=\"checkout\",code=~\"5..\"}[5m])), "
        "\"slo_sidecar_window\", \"5m\", \"\", \"\") or "
        "label_replace(sum (increase(http_requests_total{job=\"checkout\",code=~\"5..\"}[30d])), "
        "\"slo_sidecar_window\", \"30d\", \"\", \"\")");
    assert_int_equal(q[1].part, ANSWER_TOTAL);
    sliquery_free(q, n);
    selector_free(slo.events.error_sel);
    selector_free(slo.events.total_sel);
}

static void test_grouped_events_sum_by(void **state)
{
    struct config_slo slo;
    struct sliquery *q;
    size_t n;
    struct err e;
    char *by[2] = {"namespace", "cluster"};

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_EVENTS;
    slo.group_by = by;
    slo.ngroup_by = 2;
    slo.events.good_sel = sel("ok_total");
    slo.events.total_sel = sel("all_total");
    assert_int_equal(sliquery_build(&slo, two_windows, 1, &q, &n, &e), 0);
    assert_int_equal(q[0].part, ANSWER_GOOD);
    assert_string_equal(q[0].text, "label_replace(sum by (namespace, cluster) (increase("
                                   "ok_total[5m])), \"slo_sidecar_window\", \"5m\", \"\", \"\")");
    sliquery_free(q, n);
    selector_free(slo.events.good_sel);
    selector_free(slo.events.total_sel);
}

static void test_latency_uses_bucket_and_count(void **state)
{
    struct config_slo slo;
    struct sliquery *q;
    size_t n;
    struct err e;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_LATENCY;
    slo.latency.histogram_sel = sel("http_request_duration_seconds{job=\"search\"}");
    slo.latency.threshold = 0.25;
    assert_int_equal(sliquery_build(&slo, two_windows, 1, &q, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(q[0].text,
                        "label_replace(sum (increase(http_request_duration_seconds_bucket{job="
                        "\"search\",le=~\"0\\\\.25\"}[5m])), \"slo_sidecar_window\", \"5m\", "
                        "\"\", \"\")");
    assert_string_equal(q[1].text,
                        "label_replace(sum (increase(http_request_duration_seconds_count{job="
                        "\"search\"}[5m])), \"slo_sidecar_window\", \"5m\", \"\", \"\")");
    sliquery_free(q, n);
    selector_free(slo.latency.histogram_sel);
}

/* Time slices are judged by the exact engine from raw samples: no subquery. */
static void test_timeslice_has_no_query(void **state)
{
    struct config_slo slo;
    struct sliquery *q = NULL;
    size_t n = 1;
    struct err e;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_TIMESLICE;
    slo.timeslice.gauge_sel = sel("last_ts{source=\"users\"}");
    slo.timeslice.slice_ms = MIN;
    assert_int_equal(sliquery_build(&slo, two_windows, 2, &q, &n, &e), 0);
    assert_int_equal(n, 0);
    sliquery_free(q, n);
    selector_free(slo.timeslice.gauge_sel);
}

static void test_promql_template_per_window(void **state)
{
    struct config_slo slo;
    struct sliquery *q;
    size_t n;
    struct err e;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.kind = CONFIG_SLI_PROMQL;
    slo.promql.error_query = "sum(rate(e[{{.window}}])) + 0*sum(rate(e[{{.window}}]))";
    slo.promql.total_query = "sum(rate(t[{{.window}}]))";
    assert_int_equal(sliquery_build(&slo, two_windows, 2, &q, &n, &e), 0);
    assert_int_equal(n, 4);
    assert_string_equal(q[0].text, "sum(rate(e[5m])) + 0*sum(rate(e[5m]))");
    assert_int_equal(q[0].window, 0);
    assert_string_equal(q[3].text, "sum(rate(t[30d]))");
    assert_int_equal(q[3].part, ANSWER_TOTAL);
    assert_int_equal(q[3].window, 1);
    sliquery_free(q, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_batched_over_windows),
        cmocka_unit_test(test_grouped_events_sum_by),
        cmocka_unit_test(test_latency_uses_bucket_and_count),
        cmocka_unit_test(test_timeslice_has_no_query),
        cmocka_unit_test(test_promql_template_per_window),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
