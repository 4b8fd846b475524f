/*
 * Unit tests for the engine's pure parts and what is rendered from them:
 * entries from counts, /metrics lines (exact text, the alert conditions'
 * thresholds included), JSON nulls, and the keep-last-values rule of the
 * contract (at most 5 intervals).
 */
#include "testutil.h"

#include <stdlib.h>

#include "config.h"
#include "engine.h"
#include "metrics.h"
#include "slojson.h"

static const char yaml[] = "global:\n"
                           "  interval: 30s\n"
                           "  prometheus: {url: 'http://127.0.0.1:9090'}\n"
                           "  labels: {cluster: prod}\n"
                           "slos:\n"
                           "  - name: checkout-availability\n"
                           "    service: checkout\n"
                           "    description: 'Checkout \"requests\"'\n"
                           "    objective: 99.9\n"
                           "    period: 30d\n"
                           "    labels: {team: payments}\n"
                           "    sli:\n"
                           "      events:\n"
                           "        error: 'http_requests_total{code=~\"5..\"}'\n"
                           "        total: 'http_requests_total'\n"
                           "  - name: other\n"
                           "    service: svc\n"
                           "    objective: 99\n"
                           "    period: 7d\n"
                           "    sli:\n"
                           "      events:\n"
                           "        good: 'ok_total'\n"
                           "        total: 'all_total'\n";

#define AT 1793491200000LL

static struct config *load(void)
{
    struct config *cfg = NULL;
    struct config_errors errs;

    config_errors_init(&errs);
    if (config_parse("test.yaml", yaml, sizeof(yaml) - 1, &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_error("%s\n", errs.msg[i]);
        fail_msg("config did not parse");
    }
    config_errors_free(&errs);
    return cfg;
}

/* An entry for cfg->slos[i] with counts for 5m (118/2) and no data elsewhere. */
static void entry(const struct config *cfg, size_t i, int64_t at, struct snapshot_slo *out)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    struct answer_counts c[SLO_MAX_WINDOWS];
    struct labels none;
    size_t nw = slo_windows(&cfg->slos[i], at, w, SLO_MAX_WINDOWS);

    memset(c, 0, sizeof(c));
    c[0].has = 1;
    c[0].good = 118;
    c[0].bad = 2;
    c[0].total = 120;
    c[nw - 1].has = 1;
    c[nw - 1].good = 1200000;
    c[nw - 1].bad = 900;
    c[nw - 1].total = 1200900;
    c[1].has = 1; /* 30m: data but zero traffic */
    labels_init(&none);
    assert_int_equal(engine_build_entry(cfg, &cfg->slos[i], at, w, nw, c, &none, out), 0);
}

static void test_entry_figures(void **state)
{
    struct config *cfg = load();
    struct snapshot_slo s;

    (void)state;
    entry(cfg, 0, AT, &s);
    assert_int_equal(s.nwin, 8);
    assert_string_equal(s.win[7].w.name, "30d");
    assert_true(s.win[0].has_ratio);
    assert_close(s.win[0].sli, 118.0 / 120.0);
    assert_false(s.win[1].has_ratio);
    assert_false(s.win[2].has_counts);
    assert_true(s.budget.has);
    assert_close(s.budget.consumed, (900.0 / 1200900.0) / (1 - 0.999));
    assert_false(s.budget.has_tte); /* no 1h data */
    assert_int_equal(s.status, SLO_STATUS_WARNING);
    assert_int_equal(s.compliant, 1);
    assert_int_equal(s.period_start_ms, AT - 30LL * 86400000);
    assert_string_equal(labels_get(&s.labels, "cluster"), "prod");
    assert_string_equal(labels_get(&s.labels, "team"), "payments");
    snapshot_slo_clear(&s);
    config_free(cfg);
}

static void test_metrics_exact_lines_and_absent_series(void **state)
{
    struct config *cfg = load();
    struct snapshot *snap = snapshot_new(AT);
    struct snapshot_slo s;
    struct buf b;

    (void)state;
    entry(cfg, 0, AT, &s);
    assert_int_equal(snapshot_take(snap, &s), 0);
    snap->stats.backend_up = 1;
    snap->stats.eval_failure = 3;
    snap->stats.backend_retries = 7;
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    assert_non_null(strstr(b.data, "# TYPE slo_sli_ratio gauge\n"));
    assert_non_null(strstr(b.data,
                           "slo_sli_ratio{cluster=\"prod\",service=\"checkout\","
                           "slo=\"checkout-availability\",team=\"payments\",window=\"5m\"} "
                           "0.9833333333333333\n"));
    assert_non_null(strstr(b.data,
                           "slo_events{cluster=\"prod\",service=\"checkout\","
                           "slo=\"checkout-availability\",team=\"payments\",window=\"30m\","
                           "kind=\"bad\"} 0\n"));
    /* Zero traffic in 30m: events exist, ratios do not. */
    assert_null(strstr(b.data, "slo_sli_ratio{cluster=\"prod\",service=\"checkout\","
                               "slo=\"checkout-availability\",team=\"payments\",window=\"30m\"}"));
    assert_null(strstr(b.data, ",window=\"1h\"")); /* not long_window="1h" */
    assert_null(strstr(b.data, "slo_time_to_exhaustion_seconds"));
    assert_non_null(strstr(b.data, "status=\"warning\"} 1\n"));
    assert_non_null(strstr(b.data, "status=\"healthy\"} 0\n"));
    assert_non_null(strstr(b.data, "description=\"Checkout \\\"requests\\\"\""));
    assert_non_null(strstr(b.data, "slo_sidecar_evaluations_total{result=\"failure\"} 3\n"));
    assert_non_null(strstr(b.data, "slo_sidecar_backend_up 1\n"));
    assert_non_null(strstr(b.data, "# TYPE slo_sidecar_backend_retries_total counter\n"
                                   "slo_sidecar_backend_retries_total 7\n"));
    assert_null(strstr(b.data, "NaN"));
    buf_free(&b);
    snapshot_free(snap);
    config_free(cfg);
}

static void test_json_nulls_for_absent(void **state)
{
    struct config *cfg = load();
    struct snapshot_slo s;
    json_t *j;
    json_t *w;

    (void)state;
    entry(cfg, 0, AT, &s);
    j = slojson_slo(&s);
    assert_non_null(j);
    w = json_object_get(json_object_get(j, "windows"), "30m");
    assert_true(json_is_null(json_object_get(w, "sli")));
    assert_int_equal(json_integer_value(json_object_get(w, "total")), 0);
    w = json_object_get(json_object_get(j, "windows"), "1h");
    assert_true(json_is_null(json_object_get(w, "total")));
    w = json_object_get(json_object_get(j, "windows"), "5m");
    assert_int_equal(json_integer_value(json_object_get(w, "good")), 118);
    assert_true(json_is_null(json_object_get(json_object_get(j, "error_budget"),
                                             "time_to_exhaustion_seconds")));
    assert_string_equal(json_string_value(json_object_get(j, "status")), "warning");
    assert_null(json_object_get(j, "group"));
    json_decref(j);
    snapshot_slo_clear(&s);
    config_free(cfg);
}

/*
 * A calendar month in Europe/Berlin at 2026-03-15T12:00Z: the period runs
 * from 2026-02-28T23:00Z (local midnight) and lasts 31 days less an hour;
 * remaining seconds are against that whole length, and the elapsed share is
 * exported as slo_period_elapsed_ratio and error_budget.period_elapsed_ratio.
 */
static void test_calendar_entry_in_a_time_zone(void **state)
{
    static const char cal[] =
        "global:\n"
        "  prometheus: {url: 'http://127.0.0.1:9090'}\n"
        "slos:\n"
        "  - {name: m, service: s, objective: 99.9, period: calendar_month,\n"
        "     timezone: Europe/Berlin,\n"
        "     sli: {events: {error: e, total: t}}}\n";
    const int64_t at = 1773576000000LL;
    const double len_s = 31 * 86400.0 - 3600, elapsed = (14 * 86400.0 + 13 * 3600) / len_s;
    struct config *cfg = NULL;
    struct snapshot *snap = snapshot_new(at);
    struct snapshot_slo s;
    struct buf b;
    json_t *j, *eb;

    (void)state;
    assert_int_equal(config_parse("cal.yaml", cal, sizeof(cal) - 1, &cfg, NULL), 0);
    entry(cfg, 0, at, &s);
    assert_int_equal(s.period_start_ms, 1772319600000LL);
    assert_int_equal(s.period_ms, (int64_t)len_s * 1000);
    assert_string_equal(s.win[s.nwin - 1].w.name, "period");
    assert_int_equal(s.win[s.nwin - 1].w.ms, at - 1772319600000LL);
    assert_close(s.period_elapsed, elapsed);
    assert_close(s.budget.consumed, (900.0 / 1200900.0) / 0.001);
    assert_close(s.budget.remaining_seconds, s.budget.remaining * 0.001 * len_s);
    j = slojson_slo(&s);
    assert_non_null(j);
    eb = json_object_get(j, "error_budget");
    assert_close(json_real_value(json_object_get(eb, "period_elapsed_ratio")), elapsed);
    assert_int_equal(json_integer_value(json_object_get(j, "period_seconds")), (json_int_t)len_s);
    assert_non_null(json_object_get(json_object_get(j, "windows"), "period"));
    json_decref(j);
    assert_int_equal(snapshot_take(snap, &s), 0);
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    assert_non_null(strstr(b.data, "# TYPE slo_period_elapsed_ratio gauge\n"
                                   "slo_period_elapsed_ratio{service=\"s\",slo=\"m\"} 0.4697"));
    assert_non_null(strstr(b.data, "slo_period_seconds{service=\"s\",slo=\"m\"} 2.6748e+06\n"));
    buf_free(&b);
    snapshot_free(snap);
    config_free(cfg);
}

/* Number of lines of text that begin with prefix. */
static size_t count_lines(const char *text, const char *prefix)
{
    size_t n = 0, len = strlen(prefix);
    const char *p = text;

    while (p != NULL && *p != '\0') {
        n += strncmp(p, prefix, len) == 0;
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return n;
}

/*
 * The default alert table gives four conditions, each a series valued its
 * factor, labelled like slo_alert_firing (severity) plus its two windows as
 * slo_burn_rate names them.
 */
static void test_metrics_alert_thresholds_default_table(void **state)
{
    static const char *const want[] = {
        "{cluster=\"prod\",service=\"checkout\",slo=\"checkout-availability\",team=\"payments\","
        "severity=\"page\",long_window=\"1h\",short_window=\"5m\"} 14.4\n",
        "{cluster=\"prod\",service=\"checkout\",slo=\"checkout-availability\",team=\"payments\","
        "severity=\"page\",long_window=\"6h\",short_window=\"30m\"} 6\n",
        "{cluster=\"prod\",service=\"checkout\",slo=\"checkout-availability\",team=\"payments\","
        "severity=\"ticket\",long_window=\"1d\",short_window=\"2h\"} 3\n",
        "{cluster=\"prod\",service=\"checkout\",slo=\"checkout-availability\",team=\"payments\","
        "severity=\"ticket\",long_window=\"3d\",short_window=\"6h\"} 1\n",
    };
    struct config *cfg = load();
    struct snapshot *snap = snapshot_new(AT);
    struct snapshot_slo s;
    struct buf b;

    (void)state;
    entry(cfg, 0, AT, &s);
    assert_int_equal(s.nconds, 4);
    assert_int_equal(snapshot_take(snap, &s), 0);
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    assert_non_null(strstr(b.data, "# TYPE slo_alert_burn_rate_threshold gauge\n"));
    for (size_t i = 0; i < 4; i++) {
        char line[512];

        snprintf(line, sizeof(line), "slo_alert_burn_rate_threshold%s", want[i]);
        assert_non_null(strstr(b.data, line));
    }
    assert_int_equal(count_lines(b.data, "slo_alert_burn_rate_threshold{"), 4);
    buf_free(&b);
    snapshot_free(snap);
    config_free(cfg);
}

static const char custom_yaml[] =
    "global:\n"
    "  prometheus: {url: 'http://p'}\n"
    "  labels: {cluster: prod}\n"
    "slos:\n"
    "  - name: c\n"
    "    service: s\n"
    "    objective: 99\n"
    "    period: 2d\n"
    "    labels: {team: t}\n"
    "    group_by: [ns]\n"
    "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
    "    alerting:\n"
    "      windows:\n"
    "        - {severity: page, long: 2h, short: 10m, factor: 10}\n"
    "        - {severity: page, long: 2d, short: 90m, factor: 1.5}\n";

/*
 * alerting.windows replaces the table: only its rows are exported, with
 * their own factors, the group labels, and window names as slo_burn_rate's
 * (2d is also the period; 90m is 1h30m). No ticket row: no ticket series,
 * as there is no slo_alert_firing for it. A copy (what a merge keeps of a
 * failed SLO) exports the same.
 */
static void test_metrics_alert_thresholds_custom_windows(void **state)
{
    static const char lbl[] = "{cluster=\"prod\",ns=\"a\",service=\"s\",slo=\"c\",team=\"t\",";
    struct slo_window w[SLO_MAX_WINDOWS];
    struct answer_counts c[SLO_MAX_WINDOWS];
    struct config *cfg = NULL;
    struct snapshot *snap = snapshot_new(AT);
    struct snapshot *copy = snapshot_new(AT);
    struct snapshot_slo s;
    struct labels g;
    struct buf b, b2;
    char line[512];
    size_t nw;

    (void)state;
    assert_int_equal(config_parse("c.yaml", custom_yaml, sizeof(custom_yaml) - 1, &cfg, NULL), 0);
    nw = slo_windows(&cfg->slos[0], AT, w, SLO_MAX_WINDOWS);
    memset(c, 0, sizeof(c));
    labels_init(&g);
    assert_int_equal(labels_set(&g, "ns", "a"), 0);
    assert_int_equal(engine_build_entry(cfg, &cfg->slos[0], AT, w, nw, c, &g, &s), 0);
    labels_free(&g);
    assert_int_equal(snapshot_take(snap, &s), 0);
    assert_int_equal(snapshot_add_copy(copy, &snap->slos[0]), 0);
    assert_int_equal(copy->slos[0].nconds, 2);
    buf_init(&b, 1 << 20);
    buf_init(&b2, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    snprintf(line, sizeof(line),
             "slo_alert_burn_rate_threshold%sseverity=\"page\",long_window=\"2h\","
             "short_window=\"10m\"} 10\n",
             lbl);
    assert_non_null(strstr(b.data, line));
    snprintf(line, sizeof(line),
             "slo_alert_burn_rate_threshold%sseverity=\"page\",long_window=\"2d\","
             "short_window=\"1h30m\"} 1.5\n",
             lbl);
    assert_non_null(strstr(b.data, line));
    assert_int_equal(count_lines(b.data, "slo_alert_burn_rate_threshold{"), 2);
    assert_null(strstr(b.data, "severity=\"ticket\""));
    assert_int_equal(metrics_render(copy, &b2), 0);
    assert_string_equal(b.data, b2.data);
    buf_free(&b);
    buf_free(&b2);
    snapshot_free(copy);
    snapshot_free(snap);
    config_free(cfg);
}

static const char off_yaml[] = "global:\n"
                               "  prometheus: {url: 'http://p'}\n"
                               "slos:\n"
                               "  - name: quiet\n"
                               "    service: s\n"
                               "    objective: 99.9\n"
                               "    period: 30d\n"
                               "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                               "    alerting: {page: false}\n";

/*
 * alerting.page: false: with every window burning (both alerts' conditions
 * hold), the page alert is left out, not 0: no slo_alert_firing and no
 * threshold series for it, no JSON entry. The ticket alert fires as usual,
 * and the page windows' burn rates are still exported.
 */
static void test_alert_switched_off_is_absent(void **state)
{
    static const char lbl[] = "{service=\"s\",slo=\"quiet\",";
    struct slo_window w[SLO_MAX_WINDOWS];
    struct answer_counts c[SLO_MAX_WINDOWS];
    struct config *cfg = NULL;
    struct snapshot *snap = snapshot_new(AT);
    struct snapshot_slo s;
    struct labels none;
    struct buf b;
    char line[256];
    json_t *j, *alerts;
    size_t nw;

    (void)state;
    assert_int_equal(config_parse("q.yaml", off_yaml, sizeof(off_yaml) - 1, &cfg, NULL), 0);
    nw = slo_windows(&cfg->slos[0], AT, w, SLO_MAX_WINDOWS);
    for (size_t i = 0; i < nw; i++)
        c[i] = (struct answer_counts){.has = 1, .good = 50, .bad = 50, .total = 100};
    labels_init(&none);
    assert_int_equal(engine_build_entry(cfg, &cfg->slos[0], AT, w, nw, c, &none, &s), 0);
    assert_int_equal(s.nalerts, 1);
    assert_int_equal(s.alerts[0].severity, CONFIG_SEVERITY_TICKET);
    assert_int_equal(s.alerts[0].firing, 1);
    j = slojson_slo(&s);
    assert_non_null(j);
    alerts = json_object_get(j, "alerts");
    assert_int_equal(json_array_size(alerts), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(alerts, 0), "severity")),
                        "ticket");
    json_decref(j);
    assert_int_equal(snapshot_take(snap, &s), 0);
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    snprintf(line, sizeof(line), "slo_alert_firing%sseverity=\"ticket\"} 1\n", lbl);
    assert_non_null(strstr(b.data, line));
    assert_int_equal(count_lines(b.data, "slo_alert_firing{"), 1);
    assert_int_equal(count_lines(b.data, "slo_alert_burn_rate_threshold{"), 2);
    assert_null(strstr(b.data, "severity=\"page\""));
    snprintf(line, sizeof(line), "slo_burn_rate%swindow=\"5m\"} ", lbl);
    assert_non_null(strstr(b.data, line));
    buf_free(&b);
    snapshot_free(snap);
    config_free(cfg);
}

/*
 * Two rows with the same severity and windows are one condition (a series
 * must be unique): it fires above the lower factor, so that one is shown.
 */
static void test_metrics_alert_threshold_repeated_row_shows_lowest_factor(void **state)
{
    static const struct config_alert_window rows[3] = {
        {CONFIG_SEVERITY_TICKET, 86400000, 7200000, 4},
        {CONFIG_SEVERITY_PAGE, 3600000, 300000, 14.4},
        {CONFIG_SEVERITY_TICKET, 86400000, 7200000, 2.5},
    };
    struct config *cfg = load();
    struct snapshot *snap = snapshot_new(AT);
    struct snapshot_slo s;
    struct buf b;

    (void)state;
    entry(cfg, 1, AT, &s);
    free(s.conds);
    s.conds = malloc(sizeof(rows));
    assert_non_null(s.conds);
    memcpy(s.conds, rows, sizeof(rows));
    s.nconds = 3;
    assert_int_equal(snapshot_take(snap, &s), 0);
    buf_init(&b, 1 << 20);
    assert_int_equal(metrics_render(snap, &b), 0);
    assert_non_null(strstr(
        b.data, "slo_alert_burn_rate_threshold{cluster=\"prod\",service=\"svc\",slo=\"other\","
                "severity=\"ticket\",long_window=\"1d\",short_window=\"2h\"} "
                "2.5\n"));
    assert_int_equal(count_lines(b.data, "slo_alert_burn_rate_threshold{"), 2);
    buf_free(&b);
    snapshot_free(snap);
    config_free(cfg);
}

/* A run where SLO "other" failed and checkout succeeded. */
static void run_with_failure(const struct config *cfg, int64_t at, struct engine_run *run)
{
    struct snapshot_slo s;

    assert_int_equal(engine_run_init(run, cfg, at), 0);
    entry(cfg, 0, at, &s);
    assert_int_equal(snapshot_take(run->snap, &s), 0);
    run->nok = 1;
    run->done[0] = run->done[1] = 1;
    run->fail = calloc(1, sizeof(*run->fail));
    run->fail[0].slo = strdup("other");
    run->fail[0].msg = strdup("connection refused");
    run->nfail = 1;
}

static void test_merge_keeps_failed_slo_for_five_intervals_only(void **state)
{
    struct config *cfg = load();
    struct snapshot *prev = snapshot_new(AT);
    struct snapshot *snap;
    struct snapshot_slo s;
    struct engine_run run;
    int64_t iv = cfg->interval_ms;

    (void)state;
    entry(cfg, 1, AT, &s);
    assert_int_equal(snapshot_take(prev, &s), 0);
    /* 5 intervals later: still kept. */
    run_with_failure(cfg, AT + 5 * iv, &run);
    snap = engine_merge(cfg, &run, prev, AT + 5 * iv - 5 * iv);
    assert_int_equal(snap->n, 2);
    assert_string_equal(snap->slos[0].name, "checkout-availability");
    assert_string_equal(snap->slos[1].name, "other");
    assert_int_equal(snap->slos[1].evaluated_ms, AT);
    engine_run_free(&run);
    snapshot_free(snap);
    /* 6 intervals later: gone. */
    run_with_failure(cfg, AT + 6 * iv, &run);
    snap = engine_merge(cfg, &run, prev, AT + 6 * iv - 5 * iv);
    assert_int_equal(snap->n, 1);
    assert_string_equal(snap->slos[0].name, "checkout-availability");
    engine_run_free(&run);
    snapshot_free(snap);
    snapshot_free(prev);
    config_free(cfg);
}

/*
 * The daemon publishes while SLOs still run: an SLO not evaluated in the
 * run keeps its entries like a failed one (5 intervals), while a fresh one
 * replaces its own.
 */
static void test_merge_keeps_slo_not_evaluated_in_run(void **state)
{
    struct config *cfg = load();
    struct snapshot *prev = snapshot_new(AT);
    struct snapshot *snap;
    struct snapshot_slo s;
    struct engine_run run;
    int64_t iv = cfg->interval_ms;

    (void)state;
    entry(cfg, 0, AT, &s);
    assert_int_equal(snapshot_take(prev, &s), 0);
    entry(cfg, 1, AT, &s);
    assert_int_equal(snapshot_take(prev, &s), 0);
    /* One interval later only checkout came back. */
    assert_int_equal(engine_run_init(&run, cfg, AT + iv), 0);
    entry(cfg, 0, AT + iv, &s);
    assert_int_equal(snapshot_take(run.snap, &s), 0);
    run.done[0] = 1;
    snap = engine_merge(cfg, &run, prev, AT + iv - 5 * iv);
    engine_run_free(&run);
    assert_int_equal(snap->n, 2);
    assert_int_equal(snap->slos[0].evaluated_ms, AT + iv);
    assert_string_equal(snap->slos[1].name, "other");
    assert_int_equal(snap->slos[1].evaluated_ms, AT);
    snapshot_free(snap);
    /* Six intervals on, still not back: gone. */
    assert_int_equal(engine_run_init(&run, cfg, AT + 6 * iv), 0);
    snap = engine_merge(cfg, &run, prev, AT + 6 * iv - 5 * iv);
    engine_run_free(&run);
    assert_int_equal(snap->n, 0);
    snapshot_free(snap);
    snapshot_free(prev);
    config_free(cfg);
}

static const char grouped_yaml[] = "global:\n"
                                   "  prometheus: {url: 'http://p'}\n"
                                   "slos:\n"
                                   "  - name: g\n"
                                   "    service: s\n"
                                   "    objective: 99\n"
                                   "    period: 7d\n"
                                   "    group_by: [ns]\n"
                                   "    group_ttl: 10m\n"
                                   "    max_groups: 5\n"
                                   "    sli: {events: {error: 'e_total', total: 't_total'}}\n";

/* A group entry of SLO g at at: events in the 5m window when active. */
static void group_entry(const struct config *cfg, const char *ns, int64_t at, int active,
                        struct snapshot *into)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    struct answer_counts c[SLO_MAX_WINDOWS];
    struct labels g;
    struct snapshot_slo s;
    size_t nw = slo_windows(&cfg->slos[0], at, w, SLO_MAX_WINDOWS);

    memset(c, 0, sizeof(c));
    c[0].has = 1;
    c[0].total = active ? 10 : 0;
    c[0].good = c[0].total;
    c[nw - 1].has = 1;
    c[nw - 1].total = c[nw - 1].good = 1000;
    labels_init(&g);
    assert_int_equal(labels_set(&g, "ns", ns), 0);
    assert_int_equal(engine_build_entry(cfg, &cfg->slos[0], at, w, nw, c, &g, &s), 0);
    assert_int_equal(s.last_active_ms, active ? at : 0);
    labels_free(&g);
    assert_int_equal(snapshot_take(into, &s), 0);
}

static int has_group(const struct snapshot *snap, const char *ns)
{
    for (size_t i = 0; i < snap->n; i++)
        if (strcmp(labels_get(&snap->slos[i].group, "ns"), ns) == 0)
            return 1;
    return 0;
}

static void test_group_ttl_drops_idle_groups(void **state)
{
    struct config *cfg = NULL;
    struct engine_run run;
    struct snapshot *s1, *s2, *s3;
    const int64_t min = 60000;

    (void)state;
    assert_int_equal(config_parse("g.yaml", grouped_yaml, sizeof(grouped_yaml) - 1, &cfg, NULL),
                     0);
    assert_int_equal(cfg->slos[0].max_groups, 5);
    assert_int_equal(cfg->slos[0].group_ttl_ms, 10 * min);
    /* T: a active, b idle (seen for the first time: it starts fresh). */
    assert_int_equal(engine_run_init(&run, cfg, AT), 0);
    run.done[0] = 1;
    group_entry(cfg, "a", AT, 1, run.snap);
    group_entry(cfg, "b", AT, 0, run.snap);
    s1 = engine_merge(cfg, &run, NULL, 0);
    engine_run_free(&run);
    assert_int_equal(s1->n, 2);
    assert_int_equal(s1->slos[1].last_active_ms, AT);
    /* T+10m: both idle, within the TTL; c new and idle. */
    assert_int_equal(engine_run_init(&run, cfg, AT + 10 * min), 0);
    run.done[0] = 1;
    group_entry(cfg, "a", AT + 10 * min, 0, run.snap);
    group_entry(cfg, "b", AT + 10 * min, 0, run.snap);
    group_entry(cfg, "c", AT + 10 * min, 0, run.snap);
    s2 = engine_merge(cfg, &run, s1, 0);
    engine_run_free(&run);
    assert_int_equal(s2->n, 3);
    /* T+11m: a active again; b idle for 11m: dropped; c idle for 1m: kept. */
    assert_int_equal(engine_run_init(&run, cfg, AT + 11 * min), 0);
    run.done[0] = 1;
    group_entry(cfg, "a", AT + 11 * min, 1, run.snap);
    group_entry(cfg, "b", AT + 11 * min, 0, run.snap);
    group_entry(cfg, "c", AT + 11 * min, 0, run.snap);
    s3 = engine_merge(cfg, &run, s2, 0);
    engine_run_free(&run);
    assert_int_equal(s3->n, 2);
    assert_true(has_group(s3, "a"));
    assert_false(has_group(s3, "b"));
    assert_true(has_group(s3, "c"));
    snapshot_free(s1);
    snapshot_free(s2);
    snapshot_free(s3);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_figures),
        cmocka_unit_test(test_group_ttl_drops_idle_groups),
        cmocka_unit_test(test_metrics_exact_lines_and_absent_series),
        cmocka_unit_test(test_metrics_alert_thresholds_default_table),
        cmocka_unit_test(test_metrics_alert_thresholds_custom_windows),
        cmocka_unit_test(test_metrics_alert_threshold_repeated_row_shows_lowest_factor),
        cmocka_unit_test(test_alert_switched_off_is_absent),
        cmocka_unit_test(test_json_nulls_for_absent),
        cmocka_unit_test(test_calendar_entry_in_a_time_zone),
        cmocka_unit_test(test_merge_keeps_failed_slo_for_five_intervals_only),
        cmocka_unit_test(test_merge_keeps_slo_not_evaluated_in_run),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
