/*
 * Unit tests of cliview: the status table and the explain text rendered from
 * hand-written /api/v1/slos answers (null windows, a grouped SLO, an
 * exhausted budget, firing alerts), compared with the exact text expected,
 * with and without colour.
 */
#include "testutil.h"

#include <stdlib.h>

#include "cliview.h"
#include "config.h"

/* Hand-written /api/v1/slos answers, as a sidecar serves them. */
static const char api_json[] =
    "{\"status\":\"success\",\"data\":["
    /* firing page alert, a null window (30m), warning */
    "{\"name\":\"checkout-availability\",\"service\":\"checkout\","
    "\"description\":\"Checkout requests that do not fail\",\"labels\":{},"
    "\"sli_kind\":\"events\",\"objective\":0.999,\"period\":\"30d\","
    "\"period_seconds\":2592000,\"period_start\":1790899200,\"evaluated_at\":1793491200,"
    "\"windows\":{"
    "\"5m\":{\"good\":100,\"bad\":2,\"total\":102,\"sli\":0.98,\"error_ratio\":0.0201,"
    "\"burn_rate\":20.1},"
    "\"30m\":{\"good\":null,\"bad\":null,\"total\":null,\"sli\":null,\"error_ratio\":null,"
    "\"burn_rate\":null},"
    "\"1h\":{\"good\":1000,\"bad\":15,\"total\":1015,\"sli\":0.985,\"error_ratio\":0.0152,"
    "\"burn_rate\":15.2},"
    "\"2h\":{\"good\":1000,\"bad\":1,\"total\":1001,\"sli\":0.999,\"error_ratio\":0.001,"
    "\"burn_rate\":1},"
    "\"6h\":{\"good\":1000,\"bad\":2,\"total\":1002,\"sli\":0.998,\"error_ratio\":0.002,"
    "\"burn_rate\":2},"
    "\"1d\":{\"good\":1000,\"bad\":1,\"total\":1001,\"sli\":0.999,\"error_ratio\":0.001,"
    "\"burn_rate\":0.5},"
    "\"3d\":{\"good\":1000,\"bad\":1,\"total\":1001,\"sli\":0.999,\"error_ratio\":0.001,"
    "\"burn_rate\":0.75},"
    "\"30d\":{\"good\":1200000,\"bad\":900,\"total\":1200900,\"sli\":0.99925,"
    "\"error_ratio\":0.00075,\"burn_rate\":0.75}},"
    "\"error_budget\":{\"consumed_ratio\":0.75,\"remaining_ratio\":0.25,"
    "\"remaining_seconds\":648,\"time_to_exhaustion_seconds\":42631},"
    "\"status\":\"warning\",\"compliant\":true,"
    "\"alerts\":[{\"severity\":\"page\",\"firing\":true},"
    "{\"severity\":\"ticket\",\"firing\":false}]},"
    /* grouped, exhausted, no traffic in the alert windows */
    "{\"name\":\"api-latency\",\"service\":\"api\",\"group\":{\"namespace\":\"a\"},"
    "\"labels\":{},\"sli_kind\":\"latency\",\"objective\":0.99,\"period\":\"7d\","
    "\"period_seconds\":604800,\"period_start\":1792886400,\"evaluated_at\":1793491170,"
    "\"windows\":{"
    "\"1h\":{\"good\":0,\"bad\":0,\"total\":0,\"sli\":null,\"error_ratio\":null,"
    "\"burn_rate\":null},"
    "\"7d\":{\"good\":80,\"bad\":20,\"total\":100,\"sli\":0.8,\"error_ratio\":0.2,"
    "\"burn_rate\":20}},"
    "\"error_budget\":{\"consumed_ratio\":20,\"remaining_ratio\":-19,"
    "\"remaining_seconds\":-114912,\"time_to_exhaustion_seconds\":0},"
    "\"status\":\"exhausted\",\"compliant\":false,"
    "\"alerts\":[{\"severity\":\"page\",\"firing\":false},"
    "{\"severity\":\"ticket\",\"firing\":true}]},"
    /* grouped, not evaluated yet: everything null */
    "{\"name\":\"api-latency\",\"service\":\"api\",\"group\":{\"namespace\":\"b\"},"
    "\"labels\":{},\"sli_kind\":\"latency\",\"objective\":0.99,\"period\":\"7d\","
    "\"period_seconds\":604800,\"period_start\":1792886400,\"evaluated_at\":null,"
    "\"windows\":{},\"error_budget\":{\"consumed_ratio\":null,\"remaining_ratio\":null,"
    "\"remaining_seconds\":null,\"time_to_exhaustion_seconds\":null},"
    "\"status\":null,\"compliant\":null,\"alerts\":[]}"
    "]}";

/* now: 42s after the first entry's evaluation */
#define NOW_MS 1793491242000LL

/* The expected texts, reviewed by hand (long lines cut for the 100-column limit). */
static const char status_plain[] =
    "SLO                       OBJECTIVE  SLI      BUDGET LEFT            STATUS     BURN 1"
    "h  BURN 6h  BURN 1d  ALERTS  EXHAUSTED IN  EVALUATED\n"
    "checkout-availability     99.9%      99.925%  [###.......] 25.0%     warning    15.2  "
    "   2.00     0.50     page    11h50m        42s ago\n"
    "api-latency{namespace=a}  99%        80.000%  [..........] -1900.0%  exhausted  -     "
    "   -        -        ticket  now           1m12s ago\n"
    "api-latency{namespace=b}  99%        -        -                      no data    -     "
    "   -        -        -       -             -\n";

static const char status_color[] =
    "SLO                       OBJECTIVE  SLI      BUDGET LEFT            STATUS     BURN 1"
    "h  BURN 6h  BURN 1d  ALERTS  EXHAUSTED IN  EVALUATED\n"
    "checkout-availability     99.9%      99.925%  [###.......] 25.0%     \033[33mwarning"
    "\033[0m    15.2     2.00     0.50     \033[31mpage\033[0m    11h50m        42s ago\n"
    "api-latency{namespace=a}  99%        80.000%  [..........] -1900.0%  \033[1;35mexhaust"
    "ed\033[0m  -        -        -        \033[31mticket\033[0m  now           1m12s ago\n"
    "api-latency{namespace=b}  99%        -        -                      no data    -     "
    "   -        -        -       -             -\n";

static const char explain_checkout[] =
    "SLO checkout-availability (service checkout)\n"
    "Checkout requests that do not fail\n"
    "\n"
    "What it measures\n"
    "  An events SLI: the share of events (requests) that are good, counted from counters."
    "\n"
    "  (Give the config with --config.file to see the selectors and queries.)\n"
    "\n"
    "Objective\n"
    "  99.9% over 30d allows 0.1% of events to be bad: 43m12s of full outage.\n"
    "\n"
    "Figures of the evaluation at 2026-11-01T00:00:00Z (42s ago)\n"
    "\n"
    "Error budget\n"
    "  SLI over the period: 99.925% (900 bad of 1200900, 1200000 good).\n"
    "  75.0% of the budget consumed, 25.0% left: 10m48s of full outage.\n"
    "  The objective is met (99.925% >= 99.9%).\n"
    "  Status: warning.\n"
    "\n"
    "Burn rate (1 spends the budget exactly over the period)\n"
    "  1h: 15.2; at the 1h rate the budget lasts 11h50m.\n"
    "  6h: 2.00; at the 6h rate the budget lasts 3d18h.\n"
    "  Runs out: in 11h50m at the 1h rate, around 2026-11-01T11:50:31Z.\n"
    "\n"
    "Alerts (a rule fires when both its windows burn faster than its factor)\n"
    "  (The default table; the config may set another.)\n"
    "  page: 1h burn 15.2 > 14.4 and 5m burn 20.1 > 14.4: FIRING\n"
    "  page: 6h burn 2.00 <= 6 and 30m burn none (no events): not firing\n"
    "  ticket: 1d burn 0.50 <= 3 and 2h burn 1.00 <= 3: not firing\n"
    "  ticket: 3d burn 0.75 <= 1 and 6h burn 2.00 > 1: not firing\n"
    "  Firing now: page.\n";

static const char explain_grouped_color[] =
    "SLO api-latency (service api)\n"
    "\n"
    "What it measures\n"
    "  A latency SLI: the share of requests served within a latency threshold, counted from"
    " a histogram.\n"
    "  (Give the config with --config.file to see the selectors and queries.)\n"
    "\n"
    "Objective\n"
    "  99% over 7d allows 1% of events to be bad: 1h40m of full outage.\n"
    "\n"
    "== api-latency{namespace=a} ==\n"
    "\n"
    "Figures of the evaluation at 2026-10-31T23:59:30Z (1m12s ago)\n"
    "\n"
    "Error budget\n"
    "  SLI over the period: 80.000% (20 bad of 100, 80 good).\n"
    "  2000.0% of the budget consumed: exhausted, overspent by 1900.0% (1d7h of full outage"
    ").\n"
    "  The objective is missed (80.000% < 99%).\n"
    "  Status: \033[1;35mexhausted\033[0m.\n"
    "\n"
    "Burn rate (1 spends the budget exactly over the period)\n"
    "  1h: none, no events in the window.\n"
    "  6h: none, no events in the window.\n"
    "  Runs out: already exhausted.\n"
    "\n"
    "Alerts (a rule fires when both its windows burn faster than its factor)\n"
    "  (The default table; the config may set another.)\n"
    "  page: 1h burn none (no events) and 5m burn none (no events): not firing\n"
    "  page: 6h burn none (no events) and 30m burn none (no events): not firing\n"
    "  ticket: 1d burn none (no events) and 2h burn none (no events): not firing\n"
    "  ticket: 3d burn none (no events) and 6h burn none (no events): not firing\n"
    "  Firing now: \033[31mticket\033[0m.\n"
    "\n"
    "== api-latency{namespace=b} ==\n"
    "\n"
    "Error budget\n"
    "  No data over the period yet: no SLI and no budget figures.\n"
    "  Status: no data.\n"
    "\n"
    "Burn rate (1 spends the budget exactly over the period)\n"
    "  1h: none, no events in the window.\n"
    "  6h: none, no events in the window.\n"
    "  Runs out: not at the current rate (the 1h burn rate is 0 or absent).\n"
    "\n"
    "Alerts (a rule fires when both its windows burn faster than its factor)\n"
    "  (The default table; the config may set another.)\n"
    "  page: 1h burn none (no events) and 5m burn none (no events): not firing\n"
    "  page: 6h burn none (no events) and 30m burn none (no events): not firing\n"
    "  ticket: 1d burn none (no events) and 2h burn none (no events): not firing\n"
    "  ticket: 3d burn none (no events) and 6h burn none (no events): not firing\n"
    "  Firing now: none.\n";

static json_t *load(void)
{
    json_t *slos = NULL;
    struct err e = {{0}};

    assert_int_equal(cliview_parse(api_json, strlen(api_json), &slos, &e), 0);
    assert_int_equal(json_array_size(slos), 3);
    return slos;
}

static struct config *config_of(const char *mode, const char *extra)
{
    char *text =
        util_asprintf("global:\n"
                      "  prometheus: {url: http://127.0.0.1:9090, mode: %s}\n"
                      "slos:\n"
                      "  - name: checkout-availability\n"
                      "    service: checkout\n"
                      "    objective: 99.9\n"
                      "    period: 30d\n"
                      "    sli:\n"
                      "      events:\n"
                      "        error: 'http_requests_total{job=\"checkout\",code=~\"5..\"}'\n"
                      "        total: 'http_requests_total{job=\"checkout\"}'\n"
                      "  - name: api-latency\n"
                      "    service: api\n"
                      "    objective: 99\n"
                      "    period: 7d\n"
                      "    group_by: [namespace]\n"
                      "    sli:\n"
                      "      latency:\n"
                      "        histogram: 'http_request_duration_seconds{job=\"api\"}'\n"
                      "        threshold: 0.25\n"
                      "%s",
                      mode, extra);
    struct config *cfg = NULL;
    struct config_errors errs;

    assert_non_null(text);
    config_errors_init(&errs);
    if (config_parse("t.yaml", text, strlen(text), &cfg, &errs) != 0)
        fail_msg("%s", errs.n ? errs.msg[0] : "config_parse failed");
    config_errors_free(&errs);
    free(text);
    return cfg;
}

/* Renders name (NULL: the status table) and returns the text; caller frees. */
static char *render(const char *name, const struct config *cfg, int color)
{
    struct cliview_opts o = {color, NOW_MS};
    json_t *slos = load();
    struct err e = {{0}};
    struct buf b;

    buf_init(&b, 1u << 20);
    if (name == NULL)
        assert_int_equal(cliview_status(slos, &o, &b, &e), 0);
    else
        assert_int_equal(cliview_explain(slos, name, cfg, &o, &b, &e), 0);
    json_decref(slos);
    assert_non_null(b.data);
    return buf_steal(&b);
}

static void assert_contains(const char *text, const char *want)
{
    if (strstr(text, want) == NULL)
        fail_msg("missing:\n%s\nin:\n%s", want, text);
}

static void test_human_duration_two_largest_units(void **state)
{
    static const struct {
        double s;
        const char *want;
    } cases[] = {
        {-5, "0s"},    {0, "0s"},        {0.9, "0s"},      {59, "59s"},
        {60, "1m"},    {2592, "43m12s"}, {3600, "1h"},     {42631.6, "11h50m"},
        {86400, "1d"}, {183600, "2d3h"}, {273600, "3d4h"}, {114912, "1d7h"},
        {NAN, "0s"},   {2592000, "30d"},
    };
    char b[32];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cliview_human_duration(cases[i].s, b, sizeof(b));
        assert_string_equal(b, cases[i].want);
    }
}

static void test_parse_rejects_errors_and_non_json(void **state)
{
    static const char err_answer[] =
        "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"no SLO x\"}";
    static const char empty[] = "{\"status\":\"success\",\"data\":[]}";
    json_t *slos = (json_t *)1;
    struct err e = {{0}};

    (void)state;
    assert_int_equal(cliview_parse(err_answer, strlen(err_answer), &slos, &e), -1);
    assert_null(slos);
    assert_string_equal(e.msg, "the sidecar answered status \"error\": not_found: no SLO x");
    assert_int_equal(cliview_parse("<html>", 6, &slos, &e), -1);
    assert_non_null(strstr(e.msg, "the answer is not JSON"));
    assert_int_equal(cliview_parse("{\"status\":\"success\"}", 20, &slos, &e), -1);
    assert_string_equal(e.msg, "the answer has no \"data\" array");
    assert_int_equal(cliview_parse(empty, strlen(empty), &slos, &e), 0);
    assert_int_equal(json_array_size(slos), 0);
    json_decref(slos);
}

static void test_status_table_without_colour(void **state)
{
    char *t = render(NULL, NULL, 0);

    (void)state;
    assert_string_equal(t, status_plain);
    assert_null(strchr(t, '\033'));
    free(t);
}

static void test_status_table_with_colour_keeps_alignment(void **state)
{
    char *t = render(NULL, NULL, 1);

    (void)state;
    assert_string_equal(t, status_color);
    free(t);
}

static void test_status_of_no_slos(void **state)
{
    struct cliview_opts o = {0, NOW_MS};
    json_t *slos = json_array();
    struct err e = {{0}};
    struct buf b;

    (void)state;
    buf_init(&b, 4096);
    assert_int_equal(cliview_status(slos, &o, &b, &e), 0);
    assert_string_equal(b.data, "SLO  OBJECTIVE  SLI  BUDGET LEFT  STATUS  BURN 1h  BURN 6h  "
                                "BURN 1d  ALERTS  EXHAUSTED IN  EVALUATED\n"
                                "(no SLOs evaluated yet)\n");
    buf_free(&b);
    json_decref(slos);
}

static void test_status_fails_cleanly_at_the_buffer_cap(void **state)
{
    struct cliview_opts o = {0, NOW_MS};
    json_t *slos = load();
    struct err e = {{0}};
    struct buf b;

    (void)state;
    buf_init(&b, 200);
    assert_int_equal(cliview_status(slos, &o, &b, &e), -1);
    assert_string_equal(e.msg, "out of memory rendering the status table");
    buf_free(&b);
    json_decref(slos);
}

static void test_explain_without_config(void **state)
{
    char *t = render("checkout-availability", NULL, 0);

    (void)state;
    assert_string_equal(t, explain_checkout);
    free(t);
}

static void test_explain_grouped_exhausted_with_colour(void **state)
{
    char *t = render("api-latency", NULL, 1);

    (void)state;
    assert_string_equal(t, explain_grouped_color);
    free(t);
}

static void test_explain_promql_mode_shows_each_windows_query(void **state)
{
    struct config *cfg = config_of("promql", "");
    char *t = render("checkout-availability", cfg, 0);

    (void)state;
    assert_contains(t, "  Bad events: http_requests_total{job=\"checkout\",code=~\"5..\"}\n"
                       "  All events: http_requests_total{job=\"checkout\"}\n");
    assert_contains(t, "\nQueries (promql mode: one query per part for all windows, the "
                       "windows' parts below joined with \"or\")\n");
    assert_contains(t, "  1h     bad   label_replace(sum (increase(http_requests_total{job="
                       "\"checkout\",code=~\"5..\"}[1h])), \"slo_sidecar_window\", \"1h\", "
                       "\"\", \"\")\n"
                       "         total label_replace(sum (increase(http_requests_total{job="
                       "\"checkout\"}[1h])), \"slo_sidecar_window\", \"1h\", \"\", \"\")\n");
    assert_contains(t, "  30d    bad   label_replace(sum (increase(http_requests_total{job="
                       "\"checkout\",code=~\"5..\"}[30d]))");
    assert_null(strstr(t, "Give the config"));
    assert_null(strstr(t, "(The default table"));
    assert_contains(t, "  page: 1h burn 15.2 > 14.4 and 5m burn 20.1 > 14.4: FIRING\n");
    free(t);
    config_free(cfg);
}

static void test_explain_remote_read_mode_shows_the_selectors_read(void **state)
{
    struct config *cfg = config_of("remote_read",
                                   "    alerting:\n"
                                   "      windows:\n"
                                   "        - {severity: page, long: 1h, short: 5m, "
                                   "factor: 14.4}\n");
    char *t = render("api-latency", cfg, 0);

    (void)state;
    assert_contains(t, "  Good: requests of http_request_duration_seconds{job=\"api\"} that took "
                       "at most 0.25s (the le=\"0.25\" bucket)\n"
                       "  All: every request of http_request_duration_seconds{job=\"api\"} (its "
                       "_count)\n"
                       "  One SLO per value of: namespace\n");
    assert_contains(t, "  good  http_request_duration_seconds_bucket{job=\"api\",le=~"
                       "\"0\\\\.25\"}\n"
                       "  total http_request_duration_seconds_count{job=\"api\"}\n");
    /* The config's one-row table, not the default one; once per group. */
    assert_contains(t, "factor)\n  page: 1h burn none (no events) and 5m burn none (no "
                       "events): not firing\n  Firing now: ticket.\n");
    assert_null(strstr(t, "ticket: 1d"));
    assert_contains(t, "\n== api-latency{namespace=a} ==\n");
    assert_contains(t, "\n== api-latency{namespace=b} ==\n");
    free(t);
    config_free(cfg);
}

static void test_explain_unknown_name_lists_the_known_ones(void **state)
{
    struct cliview_opts o = {0, NOW_MS};
    json_t *slos = load();
    struct err e = {{0}};
    struct buf b;

    (void)state;
    buf_init(&b, 1u << 20);
    assert_int_equal(cliview_explain(slos, "nope", NULL, &o, &b, &e), CLIVIEW_NOT_FOUND);
    assert_string_equal(e.msg, "unknown SLO \"nope\"; known: checkout-availability, api-latency");
    assert_int_equal(b.len, 0);
    buf_free(&b);
    json_decref(slos);
}

static void test_explain_of_mistyped_fields_prints_them_absent(void **state)
{
    static const char odd[] =
        "{\"status\":\"success\",\"data\":[{\"name\":\"x\",\"objective\":\"high\","
        "\"windows\":[],\"error_budget\":7,\"alerts\":{}}]}";
    struct cliview_opts o = {0, NOW_MS};
    json_t *slos = NULL;
    struct err e = {{0}};
    struct buf b;

    (void)state;
    assert_int_equal(cliview_parse(odd, strlen(odd), &slos, &e), 0);
    buf_init(&b, 1u << 20);
    assert_int_equal(cliview_explain(slos, "x", NULL, &o, &b, &e), 0);
    assert_contains(b.data, "  No data over the period yet: no SLI and no budget figures.\n");
    buf_reset(&b);
    assert_int_equal(cliview_status(slos, &o, &b, &e), 0);
    assert_contains(b.data, "\nx    -          -    -            no data ");
    buf_free(&b);
    json_decref(slos);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_human_duration_two_largest_units),
        cmocka_unit_test(test_parse_rejects_errors_and_non_json),
        cmocka_unit_test(test_status_table_without_colour),
        cmocka_unit_test(test_status_table_with_colour_keeps_alignment),
        cmocka_unit_test(test_status_of_no_slos),
        cmocka_unit_test(test_status_fails_cleanly_at_the_buffer_cap),
        cmocka_unit_test(test_explain_without_config),
        cmocka_unit_test(test_explain_grouped_exhausted_with_colour),
        cmocka_unit_test(test_explain_promql_mode_shows_each_windows_query),
        cmocka_unit_test(test_explain_remote_read_mode_shows_the_selectors_read),
        cmocka_unit_test(test_explain_unknown_name_lists_the_known_ones),
        cmocka_unit_test(test_explain_of_mistyped_fields_prints_them_absent),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
