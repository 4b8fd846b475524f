/*
 * Unit tests for config: a full file with every field, defaults, JSON, and
 * every kind of error with its exact message and position. Most inputs are
 * embedded strings parsed with config_parse() so positions are easy to see;
 * the full example is tests/data/config/unit_full.yaml, read with config_load().
 */
/* RTLD_NEXT, for the failing allocator below. */
#define _GNU_SOURCE
#include "testutil.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* A valid global section: lines 1-3. */
#define GLOBAL                                                                                    \
    "global:\n"                                                                                   \
    "  prometheus:\n"                                                                             \
    "    url: http://prom:9090\n"

/* The head of a valid first SLO: lines 4-8 after GLOBAL. */
#define SLO_A                                                                                     \
    "slos:\n"                                                                                     \
    "  - name: a\n"                                                                               \
    "    service: s\n"                                                                            \
    "    objective: 99\n"                                                                         \
    "    period: 30d\n"

/* A valid events SLI: lines 9-12 after GLOBAL SLO_A. */
#define EVENTS                                                                                    \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error: 'errors_total'\n"                                                             \
    "        total: 'requests_total'\n"

#include "failalloc.h"

/* tests/data/config/NAME, found from this file's path so any cwd works. */
static char *data_path(const char *name)
{
    const char *f = __FILE__;
    const char *unit = strstr(f, "unit/test_config.c");
    char *p;

    assert_non_null(unit);
    p = util_asprintf("%.*sdata/config/%s", (int)(unit - f), f, name);
    assert_non_null(p);
    return p;
}

static void print_errors(const struct config_errors *errs)
{
    for (size_t i = 0; i < errs->n; i++)
        print_message("  got: %s\n", errs->msg[i]);
}

/* Parses yaml as "t.yaml", which must be valid. The caller frees. */
static struct config *parse_ok(const char *yaml)
{
    struct config *cfg = NULL;
    struct config_errors errs;

    config_errors_init(&errs);
    if (config_parse("t.yaml", yaml, strlen(yaml), &cfg, &errs) != 0) {
        print_errors(&errs);
        config_errors_free(&errs);
        fail_msg("the config did not load");
    }
    assert_int_equal(errs.n, 0);
    assert_non_null(cfg);
    return cfg;
}

/*
 * Checks that errs holds exactly want, in order, and frees errs either way
 * (fail_msg() jumps out of the test, which would leak it).
 */
static void check_messages(struct config_errors *errs, const char *const *want, size_t nwant)
{
    int same = errs->n == nwant;

    for (size_t i = 0; same && i < nwant; i++)
        same = strcmp(errs->msg[i], want[i]) == 0;
    if (!same) {
        for (size_t i = 0; i < nwant; i++)
            print_message("  want: %s\n", want[i]);
        print_errors(errs);
    }
    config_errors_free(errs);
    if (!same)
        fail_msg("the messages differ");
}

/* Parses yaml as "t.yaml", which must fail with exactly the messages want. */
static void check_errors(const char *yaml, const char *const *want, size_t nwant)
{
    struct config *cfg = (struct config *)&cfg; /* must be reset to NULL */
    struct config_errors errs;

    config_errors_init(&errs);
    assert_int_equal(config_parse("t.yaml", yaml, strlen(yaml), &cfg, &errs), -1);
    assert_null(cfg);
    check_messages(&errs, want, nwant);
}

#define assert_errors(yaml, ...)                                                                  \
    do {                                                                                          \
        static const char *const want_[] = {__VA_ARGS__};                                         \
        check_errors((yaml), want_, NELEMS(want_));                                               \
    } while (0)

static void test_full_config_loads_every_field(void **state)
{
    char *path = data_path("unit_full.yaml");
    struct config *cfg = NULL;
    struct config_errors errs;
    const struct config_prometheus *p;
    const struct config_slo *s;

    (void)state;
    config_errors_init(&errs);
    if (config_load(path, &cfg, &errs) != 0) {
        print_errors(&errs);
        fail_msg("%s did not load", path);
    }
    assert_string_equal(cfg->path, path);
    assert_int_equal(cfg->interval_ms, 15000);
    assert_string_equal(cfg->state_file, "/var/lib/slo-sidecar/state.json");
    p = &cfg->prometheus;
    assert_string_equal(p->url, "https://prom.example.com:9090/prefix");
    assert_int_equal(p->mode, CONFIG_MODE_PROMQL);
    assert_int_equal(p->timeout_ms, 5000);
    assert_int_equal(p->max_attempts, 4);
    assert_string_equal(p->read_path, "/prometheus/api/v1/read");
    assert_int_equal(p->headers.n, 2);
    assert_string_equal(labels_get(&p->headers, "X-Scope-OrgID"), "team-a");
    assert_string_equal(labels_get(&p->headers, "X-Extra"), "two words");
    assert_null(p->bearer_token_file);
    assert_string_equal(p->basic_username, "u");
    assert_string_equal(p->basic_password_file, "/etc/slo/pw");
    assert_string_equal(p->ca_file, "/p/ca.pem");
    assert_string_equal(p->cert_file, "/p/c.pem");
    assert_string_equal(p->key_file, "/p/k.pem");
    assert_int_equal(p->insecure_skip_verify, 1);
    assert_int_equal(cfg->labels.n, 2);
    assert_string_equal(labels_get(&cfg->labels, "cluster"), "prod");
    assert_string_equal(labels_get(&cfg->labels, "region"), "eu-1");
    assert_close(cfg->status_warning, 0.25);
    assert_close(cfg->status_critical, 0.9);
    assert_int_equal(cfg->nslos, 4);

    s = &cfg->slos[0];
    assert_string_equal(s->name, "checkout-availability");
    assert_string_equal(s->service, "checkout");
    assert_string_equal(s->description, "Checkout requests that do not fail");
    assert_true(s->objective == 0.999);
    assert_true(s->objective_percent == 99.9);
    assert_string_equal(s->period_name, "30d");
    assert_int_equal(s->period_kind, CONFIG_PERIOD_ROLLING);
    assert_int_equal(s->period_ms, 30LL * 86400000);
    assert_int_equal(s->labels.n, 1);
    assert_string_equal(labels_get(&s->labels, "team"), "payments");
    assert_int_equal(s->ngroup_by, 2);
    assert_string_equal(s->group_by[0], "namespace");
    assert_string_equal(s->group_by[1], "pod");
    assert_int_equal(s->kind, CONFIG_SLI_EVENTS);
    assert_string_equal(s->events.error, "http_requests_total{job=\"checkout\",code=~\"5..\"}");
    assert_null(s->events.good);
    assert_null(s->events.good_sel);
    assert_string_equal(s->events.total, "http_requests_total{job=\"checkout\"}");
    assert_string_equal(s->events.error_sel->metric, "http_requests_total");
    assert_int_equal(s->events.error_sel->n, 2);
    assert_string_equal(s->events.error_sel->m[1].name, "code");
    assert_int_equal(s->events.error_sel->m[1].op, SELECTOR_RE);
    assert_string_equal(s->events.error_sel->m[1].value, "5..");
    assert_int_equal(s->events.total_sel->n, 1);
    assert_string_equal(labels_get(&s->page.labels, "severity"), "critical");
    assert_string_equal(labels_get(&s->page.annotations, "summary"), "Checkout burns budget");
    assert_string_equal(labels_get(&s->ticket.labels, "severity"), "warning");
    assert_int_equal(s->ticket.annotations.n, 0);
    assert_int_equal(s->nwindows, 4);
    assert_memory_equal(s->windows, config_default_windows, sizeof(config_default_windows));
    assert_int_equal(s->line, 18);

    s = &cfg->slos[1];
    assert_string_equal(s->name, "search-latency");
    assert_string_equal(s->description, "");
    assert_true(s->objective == 0.99);
    assert_int_equal(s->period_ms, 7LL * 86400000);
    assert_int_equal(s->labels.n, 0);
    assert_int_equal(s->ngroup_by, 0);
    assert_int_equal(s->kind, CONFIG_SLI_LATENCY);
    assert_string_equal(s->latency.histogram, "http_request_duration_seconds{job=\"search\"}");
    assert_string_equal(s->latency.histogram_sel->metric, "http_request_duration_seconds");
    assert_true(s->latency.threshold == 0.25);
    assert_int_equal(s->page.labels.n, 0);
    assert_int_equal(s->nwindows, 4);

    s = &cfg->slos[2];
    assert_string_equal(s->name, "users-freshness");
    assert_true(s->objective == 0.995);
    assert_string_equal(s->period_name, "calendar_month");
    assert_int_equal(s->period_kind, CONFIG_PERIOD_CALENDAR_MONTH);
    assert_int_equal(s->period_ms, 0);
    assert_int_equal(s->kind, CONFIG_SLI_TIMESLICE);
    assert_string_equal(s->timeslice.gauge, "data_last_updated_timestamp{source=\"users\"}");
    assert_string_equal(s->timeslice.gauge_sel->m[0].value, "users");
    assert_int_equal(s->timeslice.age, 1);
    assert_int_equal(s->timeslice.op, CONFIG_CMP_LE);
    assert_true(s->timeslice.value == 300);
    assert_int_equal(s->timeslice.slice_ms, 30000);

    s = &cfg->slos[3];
    assert_string_equal(s->name, "api-custom");
    assert_int_equal(s->period_ms, 28LL * 86400000);
    assert_int_equal(s->kind, CONFIG_SLI_PROMQL);
    assert_null(s->promql.error_query);
    assert_string_equal(s->promql.good_query, "sum(rate(api_ok_total[{{.window}}]))");
    assert_string_equal(s->promql.total_query, "sum(rate(api_requests_total[{{.window}}]))");
    assert_int_equal(s->nwindows, 2);
    assert_int_equal(s->windows[0].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(s->windows[0].long_ms, 2 * 3600000);
    assert_int_equal(s->windows[0].short_ms, 10 * 60000);
    assert_true(s->windows[0].factor == 10);
    assert_int_equal(s->windows[1].severity, CONFIG_SEVERITY_TICKET);
    assert_int_equal(s->windows[1].long_ms, 7LL * 86400000);
    assert_int_equal(s->windows[1].short_ms, 12 * 3600000);
    assert_true(s->windows[1].factor == 0.5);

    config_free(cfg);
    config_errors_free(&errs);
    free(path);
}

static void test_defaults_are_filled_in(void **state)
{
    struct config *cfg;
    const struct config_slo *s;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A EVENTS);
    assert_string_equal(cfg->path, "t.yaml");
    assert_int_equal(cfg->interval_ms, 30000);
    assert_null(cfg->state_file);
    assert_string_equal(cfg->prometheus.url, "http://prom:9090");
    assert_int_equal(cfg->prometheus.mode, CONFIG_MODE_PROMQL);
    assert_int_equal(cfg->prometheus.timeout_ms, 10000);
    assert_int_equal(cfg->prometheus.max_attempts, 3);
    assert_string_equal(cfg->prometheus.read_path, "/api/v1/read");
    assert_int_equal(cfg->prometheus.headers.n, 0);
    assert_null(cfg->prometheus.bearer_token_file);
    assert_null(cfg->prometheus.basic_username);
    assert_null(cfg->prometheus.ca_file);
    assert_int_equal(cfg->prometheus.insecure_skip_verify, 0);
    assert_int_equal(cfg->labels.n, 0);
    assert_true(cfg->status_warning == 0.5);
    assert_true(cfg->status_critical == 0.8);
    assert_int_equal(cfg->nslos, 1);
    s = &cfg->slos[0];
    assert_string_equal(s->description, "");
    assert_int_equal(s->line, 5);
    assert_int_equal(s->nwindows, 4);
    assert_memory_equal(s->windows, config_default_windows, sizeof(config_default_windows));
    assert_int_equal(s->page.labels.n + s->page.annotations.n, 0);
    assert_int_equal(s->events.error_sel->n, 0);
    config_free(cfg);
}

static void test_default_alert_table_is_the_sre_workbook_one(void **state)
{
    (void)state;
    assert_int_equal(config_default_windows[0].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(config_default_windows[0].long_ms, 3600000);
    assert_int_equal(config_default_windows[0].short_ms, 300000);
    assert_true(config_default_windows[0].factor == 14.4);
    assert_int_equal(config_default_windows[1].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(config_default_windows[1].long_ms, 6 * 3600000);
    assert_int_equal(config_default_windows[1].short_ms, 1800000);
    assert_true(config_default_windows[1].factor == 6);
    assert_int_equal(config_default_windows[2].severity, CONFIG_SEVERITY_TICKET);
    assert_int_equal(config_default_windows[2].long_ms, 86400000);
    assert_int_equal(config_default_windows[2].short_ms, 2 * 3600000);
    assert_true(config_default_windows[2].factor == 3);
    assert_int_equal(config_default_windows[3].severity, CONFIG_SEVERITY_TICKET);
    assert_int_equal(config_default_windows[3].long_ms, 3 * 86400000);
    assert_int_equal(config_default_windows[3].short_ms, 6 * 3600000);
    assert_true(config_default_windows[3].factor == 1);
}

static void test_json_config_loads(void **state)
{
    static const char json[] =
        "{\n"
        "\t\"global\": {\"interval\": \"1m\", \"prometheus\": {\"url\": \"http://p:9090/\","
        " \"mode\": \"remote_read\", \"tls\": {\"insecure_skip_verify\": false}},\n"
        "\t\t\"labels\": {\"env\": \"dev\"}, \"status\": {\"warning\": 0.6, \"critical\": 1}},\n"
        "\t\"slos\": [{\"name\": \"j\", \"service\": \"svc\", \"objective\": 99.95,\n"
        "\t\t\"period\": \"calendar_quarter\", \"group_by\": [],\n"
        "\t\t\"sli\": {\"events\": {\"good\": \"ok_total{a=\\\"b\\\"}\","
        " \"total\": \"all_total\"}}}]\n"
        "}\n";
    struct config *cfg;
    const struct config_slo *s;

    (void)state;
    cfg = parse_ok(json);
    assert_int_equal(cfg->interval_ms, 60000);
    assert_string_equal(cfg->prometheus.url, "http://p:9090");
    assert_int_equal(cfg->prometheus.mode, CONFIG_MODE_REMOTE_READ);
    assert_int_equal(cfg->prometheus.insecure_skip_verify, 0);
    assert_string_equal(labels_get(&cfg->labels, "env"), "dev");
    assert_true(cfg->status_warning == 0.6);
    assert_true(cfg->status_critical == 1);
    s = &cfg->slos[0];
    assert_true(s->objective == 0.9995);
    assert_int_equal(s->period_kind, CONFIG_PERIOD_CALENDAR_QUARTER);
    assert_int_equal(s->ngroup_by, 0);
    assert_null(s->events.error);
    assert_string_equal(s->events.good, "ok_total{a=\"b\"}");
    assert_string_equal(s->events.good_sel->m[0].value, "b");
    assert_string_equal(s->events.total_sel->metric, "all_total");
    config_free(cfg);
}

static void test_bom_and_crlf_line_ends_are_accepted(void **state)
{
    (void)state;
    /* Editors on Windows write both; positions must not shift. */
    assert_errors("\xef\xbb\xbfglobal:\r\n"
                  "  prometheus:\r\n"
                  "    url: http://x\r\n"
                  "slos:\r\n"
                  "  - {name: b, service: s, objective: 100, period: 30d,\r\n"
                  "     sli: {events: {error: e, total: t}}}\r\n",
                  "t.yaml:5:38: slos[0].objective: must be between 0 and 100 (exclusive), "
                  "got 100");
}

static void test_json_quoted_number_is_a_string(void **state)
{
    (void)state;
    assert_errors("{\"global\": {\"prometheus\": {\"url\": \"http://p\"}},\n"
                  " \"slos\": [{\"name\": \"j\", \"service\": \"s\", \"objective\": \"99\","
                  " \"period\": \"7d\", \"sli\": {\"events\": {\"error\": \"e\", \"total\": "
                  "\"t\"}}}]}\n",
                  "t.yaml:2:54: slos[0].objective: expected a number, got string \"99\"");
}

static void test_objective_ratio_is_the_closest_double(void **state)
{
    struct config *cfg;

    (void)state;
    /* 99.9 / 100 would give 0.9990000000000001. */
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - {name: a, service: s, objective: 99.9, period: 30d,\n"
                          "     sli: {events: {error: e, total: t}}}\n"
                          "  - {name: b, service: s, objective: 99.99, period: 30d,\n"
                          "     sli: {events: {error: e, total: t}}}\n"
                          "  - {name: c, service: s, objective: 9.95e1, period: 30d,\n"
                          "     sli: {events: {error: e, total: t}}}\n");
    assert_true(cfg->slos[0].objective == 0.999);
    assert_true(cfg->slos[0].objective_percent == 99.9);
    assert_true(cfg->slos[1].objective == 0.9999);
    assert_close(cfg->slos[2].objective, 0.995);
    assert_true(cfg->slos[2].objective_percent == 99.5);
    config_free(cfg);
}

static void test_objective_100_is_rejected(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - name: a\n"
                         "    service: s\n"
                         "    objective: 100\n"
                         "    period: 30d\n" EVENTS,
                  "t.yaml:7:16: slos[0].objective: must be between 0 and 100 (exclusive), "
                  "got 100");
}

static void test_objective_zero_and_negative_are_rejected(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 0, period: 30d,\n"
                         "     sli: {events: {error: e, total: t}}}\n"
                         "  - {name: b, service: s, objective: -5, period: 30d,\n"
                         "     sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:5:38: slos[0].objective: must be between 0 and 100 (exclusive), "
                  "got 0",
                  "t.yaml:7:38: slos[1].objective: must be between 0 and 100 (exclusive), "
                  "got -5");
}

static void test_number_fields_reject_strings_and_text(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - name: a\n"
                         "    service: s\n"
                         "    objective: \"99.9\"\n"
                         "    period: 30d\n"
                         "    sli:\n"
                         "      latency: {histogram: h, threshold: abc}\n"
                         "  - name: b\n"
                         "    service: s\n"
                         "    objective: [99]\n"
                         "    period: 30d\n"
                         "    sli:\n"
                         "      timeslice: {gauge: g, op: '<', value: NaN}\n"
                         "  - name: c\n"
                         "    service: s\n"
                         "    objective: '99'\n"
                         "    period: 30d\n"
                         "    sli:\n"
                         "      latency: {histogram: h, threshold: }\n",
                  "t.yaml:7:16: slos[0].objective: expected a number, got string \"99.9\"",
                  "t.yaml:10:42: slos[0].sli.latency.threshold: expected a number, got \"abc\"",
                  "t.yaml:13:16: slos[1].objective: expected a number, got a sequence",
                  "t.yaml:16:45: slos[1].sli.timeslice.value: expected a finite number, got NaN",
                  "t.yaml:19:16: slos[2].objective: expected a number, got string \"99\"",
                  "t.yaml:22:42: slos[2].sli.latency.threshold: expected a number, got null");
}

static void test_bool_field_accepts_only_true_and_false(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - {name: a, service: s, objective: 99, period: 30d,\n"
                          "     sli: {timeslice: {gauge: g, op: '>', value: 1, age: True}}}\n"
                          "  - {name: b, service: s, objective: 99, period: 30d,\n"
                          "     sli: {timeslice: {gauge: g, op: '>', value: 1, age: FALSE}}}\n");
    assert_int_equal(cfg->slos[0].timeslice.age, 1);
    assert_int_equal(cfg->slos[1].timeslice.age, 0);
    config_free(cfg);
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, op: '>', value: 1, age: yes}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, op: '>', value: 1, age: \"true\"}}}\n",
                  "t.yaml:6:58: slos[0].sli.timeslice.age: expected true or false, got \"yes\"",
                  "t.yaml:8:58: slos[1].sli.timeslice.age: expected true or false, got "
                  "string \"true\"");
}

static void test_wrong_node_types_are_reported(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus: http://prom:9090\n"
                  "  labels: [a, b]\n"
                  "slos:\n"
                  "  name: a\n",
                  "t.yaml:2:15: global.prometheus: expected a mapping, got \"http://prom:9090\"",
                  "t.yaml:3:11: global.labels: expected a mapping, got a sequence",
                  "t.yaml:5:3: slos: expected a sequence, got a mapping");
    assert_errors(GLOBAL SLO_A "    sli:\n"
                               "      events:\n"
                               "        error: {a: b}\n"
                               "        total: [t]\n"
                               "    group_by: x\n",
                  "t.yaml:11:16: slos[0].sli.events.error: expected a string, got a mapping",
                  "t.yaml:12:16: slos[0].sli.events.total: expected a string, got a sequence",
                  "t.yaml:13:15: slos[0].group_by: expected a sequence, got \"x\"");
}

static void test_root_must_be_a_mapping(void **state)
{
    (void)state;
    assert_errors("- global\n- slos\n", "t.yaml:1:1: expected a mapping, got a sequence");
    assert_errors("just text\n", "t.yaml:1:1: expected a mapping, got \"just text\"");
}

static void test_unknown_keys_are_reported_at_every_depth(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: http://prom:9090\n"
                  "    tls: {ca_file: /ca, verify: true}\n"
                  "  intervall: 1m\n"
                  "slos:\n"
                  "  - name: a\n"
                  "    service: s\n"
                  "    objective: 99\n"
                  "    period: 30d\n"
                  "    sli:\n"
                  "      events:\n"
                  "        error: 'errors_total'\n"
                  "        totl: 'requests_total'\n"
                  "    alerting:\n"
                  "      page: {label: {a: b}}\n"
                  "      windows:\n"
                  "        - {severity: page, long: 1h, short: 5m, factor: 14.4, for: 2m}\n"
                  "version: 2\n",
                  "t.yaml:4:25: global.prometheus.tls: unknown field \"verify\"",
                  "t.yaml:5:3: global: unknown field \"intervall\"",
                  "t.yaml:13:9: slos[0].sli.events: missing required field \"total\"",
                  "t.yaml:14:9: slos[0].sli.events: unknown field \"totl\"",
                  "t.yaml:16:14: slos[0].alerting.page: unknown field \"label\"",
                  "t.yaml:18:63: slos[0].alerting.windows[0]: unknown field \"for\"",
                  "t.yaml:19:1: unknown field \"version\"");
}

static void test_duplicate_keys_are_reported(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: http://prom:9090\n"
                  "    url: http://other:9090\n"
                  "  labels: {a: x, a: y}\n"
                  "slos:\n"
                  "  - name: a\n"
                  "    name: b\n"
                  "    service: s\n"
                  "    objective: 99\n"
                  "    period: 30d\n" EVENTS "global: {}\n",
                  "t.yaml:4:5: global.prometheus: duplicate field \"url\" (first at line 3)",
                  "t.yaml:5:18: global.labels: duplicate field \"a\"",
                  "t.yaml:8:5: slos[0]: duplicate field \"name\" (first at line 7)",
                  "t.yaml:16:1: duplicate field \"global\" (first at line 1)");
}

static void test_duplicate_slo_names_are_reported(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {error: e, total: t}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {error: e, total: t}}}\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:9:12: slos[2].name: duplicate SLO name \"a\" (first defined at "
                  "line 5)");
}

static void test_several_errors_are_reported_in_file_order(void **state)
{
    (void)state;
    /* The SLO comes first in the file but global is checked first. */
    assert_errors("slos:\n"
                  "  - name: bad name\n"
                  "    service: ''\n"
                  "    objective: 150\n"
                  "    period: 1x\n"
                  "    sli: {}\n"
                  "global:\n"
                  "  interval: 0s\n"
                  "  prometheus: {url: 'localhost:9090'}\n",
                  "t.yaml:2:11: slos[0].name: invalid name \"bad name\" (use [a-zA-Z0-9_.-]+)",
                  "t.yaml:3:14: slos[0].service: must not be empty",
                  "t.yaml:4:16: slos[0].objective: must be between 0 and 100 (exclusive), "
                  "got 150",
                  "t.yaml:5:13: slos[0].period: invalid duration \"1x\": unknown or missing "
                  "unit (use ms, s, m, h, d, w, y); or use calendar_week, calendar_month, "
                  "calendar_quarter",
                  "t.yaml:6:10: slos[0].sli: sli must have exactly one of events, latency, "
                  "timeslice, promql",
                  "t.yaml:8:13: global.interval: duration \"0s\" must be greater than zero",
                  "t.yaml:9:21: global.prometheus.url: must start with http:// or https://, "
                  "got \"localhost:9090\"");
}

static void test_no_store_is_for_check_and_rules_only(void **state)
{
    struct config *cfg = parse_ok("global:\n  interval: 1m\n" SLO_A EVENTS);
    struct err e = {{0}};

    (void)state;
    assert_null(cfg->prometheus.url);
    assert_int_equal(config_needs_store(cfg, "eval", &e), -1);
    assert_string_equal(e.msg, "t.yaml: global.prometheus is not set, and eval reads from the "
                               "store (check and rules do without it)");
    config_free(cfg);
    cfg = parse_ok(GLOBAL SLO_A EVENTS);
    assert_int_equal(config_needs_store(cfg, "eval", &e), 0);
    config_free(cfg);
}

static void test_missing_required_sections(void **state)
{
    (void)state;
    assert_errors("slos: []\n", "t.yaml:1:1: missing required field \"global\"",
                  "t.yaml:1:7: slos: at least one SLO is needed");
    assert_errors("global:\n  interval: 1m\n", "t.yaml:1:1: missing required field \"slos\"");
    assert_errors("global:\n  prometheus: {mode: promql}\n" SLO_A EVENTS,
                  "t.yaml:2:15: global.prometheus: missing required field \"url\"");
    assert_errors(GLOBAL "slos:\n  - {}\n", "t.yaml:5:5: slos[0]: missing required field \"name\"",
                  "t.yaml:5:5: slos[0]: missing required field \"service\"",
                  "t.yaml:5:5: slos[0]: missing required field \"objective\"",
                  "t.yaml:5:5: slos[0]: missing required field \"period\"",
                  "t.yaml:5:5: slos[0]: missing required field \"sli\"");
}

static void test_multiple_documents_are_rejected(void **state)
{
    struct config *cfg;

    (void)state;
    assert_errors(GLOBAL SLO_A EVENTS "---\n" GLOBAL,
                  "t.yaml:14:1: more than one YAML document; put everything in one");
    /* A trailing "---" or an empty document holds nothing that could be lost. */
    cfg = parse_ok("---\n" GLOBAL SLO_A EVENTS "---\n...\n");
    config_free(cfg);
}

static void test_empty_documents_are_rejected(void **state)
{
    (void)state;
    assert_errors("", "t.yaml: empty document: expected a mapping with global and slos");
    assert_errors("# only a comment\n\n",
                  "t.yaml: empty document: expected a mapping with global and slos");
    assert_errors("---\n~\n", "t.yaml: empty document: expected a mapping with global and slos");
}

static void test_yaml_syntax_errors_have_a_position(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - name: a\n"
                         "   service: s\n",
                  "t.yaml:6:4: yaml: did not find expected '-' indicator while parsing a "
                  "block collection that started at line 5");
    assert_errors("global: {prometheus: {url: http://x}\nslos: []\n",
                  "t.yaml:2:1: yaml: did not find expected ',' or '}' while parsing a flow "
                  "mapping that started at line 1");
    assert_errors("global:\n\tinterval: 1m\n",
                  "t.yaml:2:1: yaml: found character that cannot start any token while "
                  "scanning for the next token (a tab: YAML indents with spaces only)");
    assert_errors("global: *nowhere\n", "t.yaml:1:9: yaml: found undefined alias");
    assert_errors(GLOBAL SLO_A EVENTS "---\n[\n",
                  "t.yaml:15:1: yaml: did not find expected node content while parsing a "
                  "flow node");
}

static void test_invalid_utf8_is_reported(void **state)
{
    (void)state;
    assert_errors("global:\n  labels: {a: \"\xc3\xa9\xff\"}\n",
                  "t.yaml:2:17: yaml: invalid leading UTF-8 octet (byte 0xff)");
}

static void test_missing_file_is_reported(void **state)
{
    struct config *cfg = (struct config *)&cfg;
    struct config_errors errs;
    static const char *const want[] = {
        "/nonexistent/slo.yaml: cannot read: No such file or directory"};
    char dir[] = "/tmp/slo-test-config-XXXXXX";
    char *want_dir;

    (void)state;
    config_errors_init(&errs);
    assert_int_equal(config_load("/nonexistent/slo.yaml", &cfg, &errs), -1);
    assert_null(cfg);
    check_messages(&errs, want, 1);
    config_errors_free(&errs);
    /* A directory is a config of many files; this one has none. */
    assert_non_null(mkdtemp(dir));
    want_dir = util_asprintf("%s: no *.yaml, *.yml or *.json file to load", dir);
    assert_int_equal(config_load(dir, &cfg, &errs), -1);
    rmdir(dir);
    assert_null(cfg);
    check_messages(&errs, (const char *const *)&want_dir, 1);
    free(want_dir);
    config_errors_free(&errs);
}

/* An SLO list item named name, 5 lines. */
#define SLO_ITEM(name)                                                                            \
    "  - name: " name "\n    service: s\n    objective: 99\n    period: 30d\n"                    \
    "    sli: {events: {error: 'errors_total', total: 'requests_total'}}\n"

/* Writes text to dir/name. */
static void put_file(const char *dir, const char *name, const char *text)
{
    char *path = util_asprintf("%s/%s", dir, name);
    FILE *f;

    assert_non_null(path);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

/* Loads path, which must fail with exactly want (each "%s" is dir; at most two). */
static void check_dir_errors(const char *path, const char *dir, const char *const *want, size_t n)
{
    struct config *cfg = (struct config *)&cfg;
    struct config_errors errs;
    char *w[8];

    assert_true(n <= 8);
    for (size_t i = 0; i < n; i++) {
        w[i] = util_asprintf(want[i], dir, dir);
        assert_non_null(w[i]);
    }
    config_errors_init(&errs);
    assert_int_equal(config_load(path, &cfg, &errs), -1);
    assert_null(cfg);
    check_messages(&errs, (const char *const *)w, n);
    config_errors_free(&errs);
    for (size_t i = 0; i < n; i++)
        free(w[i]);
}

static void test_a_directory_merges_its_files(void **state)
{
    char dir[] = "/tmp/slo-test-configdir-XXXXXX";
    struct config *cfg = NULL;
    struct config_errors errs;
    char *glob, *sub;

    (void)state;
    assert_non_null(mkdtemp(dir));
    /* The global file sorts last, yet is read first: SLO checks need it. */
    put_file(dir, "zz-global.yaml", GLOBAL "slos:\n" SLO_ITEM("g"));
    put_file(dir, "team-a.yml", "slos:\n" SLO_ITEM("a1") SLO_ITEM("a2"));
    put_file(dir, "team-b.json",
             "{\"slos\": [{\"name\": \"b\", \"service\": \"s\", "
             "\"objective\": 99, \"period\": \"30d\", \"sli\": {\"events\": "
             "{\"error\": \"e\", \"total\": \"t\"}}}]}\n");
    /* Not taken: hidden (a ConfigMap's ..data), other suffixes, directories. */
    put_file(dir, ".hidden.yaml", "junk: [\n");
    put_file(dir, "README.txt", "junk: [\n");
    sub = util_asprintf("%s/sub.yaml", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    config_errors_init(&errs);
    assert_int_equal(config_load(dir, &cfg, &errs), 0);
    assert_int_equal(errs.n, 0);
    assert_int_equal(cfg->nslos, 4);
    assert_string_equal(cfg->slos[0].name, "g");
    assert_string_equal(cfg->slos[1].name, "a1");
    assert_string_equal(cfg->slos[2].name, "a2");
    assert_string_equal(cfg->slos[3].name, "b");
    assert_non_null(strstr(cfg->slos[2].file, "/team-a.yml"));
    assert_int_equal(cfg->slos[2].line, 7);
    assert_string_equal(cfg->path, dir);
    assert_string_equal(cfg->prometheus.url, "http://prom:9090");
    config_free(cfg);
    /* A pattern names what it matches, whatever the suffix (README.txt would not load). */
    glob = util_asprintf("%s/[tz]*", dir);
    assert_int_equal(config_load(glob, &cfg, &errs), 0);
    assert_int_equal(cfg->nslos, 4);
    config_free(cfg);
    free(glob);
    rmdir(sub);
    free(sub);
    config_errors_free(&errs);

    /* Each file's own problems, named with its path; the same name twice. */
    put_file(dir, "team-b.json", "slos:\n" SLO_ITEM("b") SLO_ITEM("a1") SLO_ITEM("b"));
    put_file(dir, "team-c.yaml", GLOBAL "slos:\n" SLO_ITEM("c"));
    put_file(dir, "team-d.yaml", "");
    {
        static const char *const want[] = {
            "%s/team-b.json:7:11: slos[1].name: duplicate SLO name \"a1\" (first defined in "
            "%s/team-a.yml:2)",
            "%s/team-b.json:12:11: slos[2].name: duplicate SLO name \"b\" (first defined at "
            "line 2)",
            "%s/team-d.yaml: empty document: expected slos (or global)",
            /* The first file in name order that holds global is the one. */
            "%s/zz-global.yaml:2:3: global is in %s/team-c.yaml already; one file of the "
            "directory holds it",
        };
        check_dir_errors(dir, dir, want, 4);
    }
    /* No file with global. */
    {
        static const char *const want[] = {"%s: no file holds global (one of the 2 files must)"};
        char *g = util_asprintf("%s/zz-global.yaml", dir);
        char *t = util_asprintf("%s/team-c.yaml", dir);
        char *d = util_asprintf("%s/team-d.yaml", dir);

        unlink(g);
        unlink(t);
        unlink(d);
        put_file(dir, "team-b.json", "slos:\n" SLO_ITEM("b"));
        check_dir_errors(dir, dir, want, 1);
        free(g);
        free(t);
        free(d);
    }
    /* A file that cannot be read may be the one with global: only its error. */
    {
        static const char *const want[] = {
            "%s/team-b.json:2:1: yaml: did not find expected node content while parsing a "
            "flow node"};

        put_file(dir, "team-b.json", "{global: [\n");
        check_dir_errors(dir, dir, want, 1);
    }
    {
        char *a = util_asprintf("%s/team-a.yml", dir);
        char *b = util_asprintf("%s/team-b.json", dir);
        char *h = util_asprintf("%s/.hidden.yaml", dir);
        char *r = util_asprintf("%s/README.txt", dir);

        unlink(a);
        unlink(b);
        unlink(h);
        unlink(r);
        free(a);
        free(b);
        free(h);
        free(r);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void test_file_larger_than_the_cap_is_rejected(void **state)
{
    char path[] = "/tmp/slo-test-config-XXXXXX";
    int fd = mkstemp(path);
    struct config *cfg = (struct config *)&cfg;
    struct config_errors errs;
    char *want;

    (void)state;
    assert_true(fd >= 0);
    /* A sparse file: reads as zeros, costs no disk. */
    assert_int_equal(ftruncate(fd, (off_t)CONFIG_MAX_BYTES + 1), 0);
    close(fd);
    want = util_asprintf("%s: file is larger than the limit of 16777216 bytes", path);
    assert_non_null(want);
    config_errors_init(&errs);
    assert_int_equal(config_load(path, &cfg, &errs), -1);
    unlink(path);
    assert_null(cfg);
    check_messages(&errs, (const char *const *)&want, 1);
    config_errors_free(&errs);
    free(want);
}

static void test_load_reads_a_file_and_names_it_in_messages(void **state)
{
    char path[] = "/tmp/slo-test-config-XXXXXX";
    int fd = mkstemp(path);
    FILE *f;
    struct config *cfg = NULL;
    struct config_errors errs;
    char *want;

    (void)state;
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    fputs(GLOBAL SLO_A "    sli: {events: {error: 'x{', total: t}}\n", f);
    fclose(f);
    want = util_asprintf("%s:9:27: slos[0].sli.events.error: invalid selector: column 3: "
                         "expected a label name ([a-zA-Z_][a-zA-Z0-9_]*)",
                         path);
    assert_non_null(want);
    config_errors_init(&errs);
    assert_int_equal(config_load(path, &cfg, &errs), -1);
    unlink(path);
    assert_null(cfg);
    check_messages(&errs, (const char *const *)&want, 1);
    config_errors_free(&errs);
    free(want);
}

static void test_interval_rules(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  interval: 500ms\n"
                  "  prometheus: {url: http://p, timeout: 0s}\n" SLO_A EVENTS,
                  "t.yaml:2:13: global.interval: must be at least 1s",
                  "t.yaml:3:40: global.prometheus.timeout: duration \"0s\" must be greater "
                  "than zero");
    assert_errors("global:\n"
                  "  interval: 30\n"
                  "  prometheus: {url: http://p, timeout: {s: 1}}\n" SLO_A EVENTS,
                  "t.yaml:2:13: global.interval: invalid duration \"30\": unknown or missing "
                  "unit (use ms, s, m, h, d, w, y)",
                  "t.yaml:3:40: global.prometheus.timeout: expected a duration like 30s, 5m "
                  "or 7d, got a mapping");
}

static void test_group_limits(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global: {prometheus: {url: 'http://p'}}\n" SLO_A EVENTS);
    assert_int_equal(cfg->slos[0].max_groups, 1000);
    assert_int_equal(cfg->slos[0].group_ttl_ms, 0);
    config_free(cfg);
    assert_errors("global: {prometheus: {url: 'http://p'}}\n"
                  "slos:\n"
                  "  - {name: a, service: s, objective: 99, period: 7d, max_groups: 5,\n"
                  "     group_ttl: 1h, sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:3:66: slos[0].max_groups: needs group_by",
                  "t.yaml:4:17: slos[0].group_ttl: needs group_by");
    assert_errors("global: {prometheus: {url: 'http://p'}}\n"
                  "slos:\n"
                  "  - {name: a, service: s, objective: 99, period: 7d, group_by: [ns],\n"
                  "     max_groups: 0, group_ttl: 30s, sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:4:18: slos[0].max_groups: must be a whole number from 1 to 100000, "
                  "got 0",
                  "t.yaml:4:32: slos[0].group_ttl: must be at least 1m");
}

static void test_webhooks(void **state)
{
    struct config *cfg;
    const struct config_webhook *w;

    (void)state;
    cfg = parse_ok("global:\n"
                   "  prometheus: {url: 'http://p'}\n"
                   "  webhooks:\n"
                   "    - url: 'https://hooks.example/slo'\n"
                   "    - url: 'http://h:8080/x'\n"
                   "      events: [alert]\n"
                   "      timeout: 3s\n"
                   "      max_attempts: 2\n"
                   "      headers: {X-Token: abc}\n" SLO_A EVENTS);
    assert_int_equal(cfg->nwebhooks, 2);
    w = &cfg->webhooks[0];
    assert_string_equal(w->url, "https://hooks.example/slo");
    assert_int_equal(w->events, CONFIG_WEBHOOK_STATUS | CONFIG_WEBHOOK_ALERT);
    assert_int_equal(w->timeout_ms, 10000);
    assert_int_equal(w->max_attempts, 5);
    w = &cfg->webhooks[1];
    assert_int_equal(w->events, CONFIG_WEBHOOK_ALERT);
    assert_int_equal(w->timeout_ms, 3000);
    assert_int_equal(w->max_attempts, 2);
    assert_string_equal(labels_get(&w->headers, "X-Token"), "abc");
    config_free(cfg);
    assert_errors("global:\n"
                  "  prometheus: {url: 'http://p'}\n"
                  "  webhooks:\n"
                  "    - url: 'ftp://h/x'\n"
                  "      events: [status, page]\n"
                  "      max_attempts: 0\n"
                  "      colour: red\n"
                  "    - events: []\n" SLO_A EVENTS,
                  "t.yaml:4:12: global.webhooks[0].url: must start with http:// or https://, "
                  "got \"ftp://h/x\"",
                  "t.yaml:5:24: global.webhooks[0].events[1]: unknown event kind \"page\"; "
                  "expected status or alert",
                  "t.yaml:6:21: global.webhooks[0].max_attempts: must be a whole number from 1 "
                  "(no retries) to 20, got 0",
                  "t.yaml:7:7: global.webhooks[0]: unknown field \"colour\"",
                  "t.yaml:8:7: global.webhooks[1]: missing required field \"url\"",
                  "t.yaml:8:15: global.webhooks[1].events: must list at least one of status "
                  "and alert");
    assert_errors("global:\n"
                  "  prometheus: {url: 'http://p'}\n"
                  "  webhooks: [{url: 'http://h', timeout: 10ms}]\n" SLO_A EVENTS,
                  "t.yaml:3:41: global.webhooks[0].timeout: must be at least 100ms");
}

static void test_prometheus_retries_rules(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global: {prometheus: {url: 'http://p', retries: {max_attempts: 5}}}\n" SLO_A
                       EVENTS);
    assert_int_equal(cfg->prometheus.max_attempts, 5);
    config_free(cfg);
    cfg = parse_ok("global: {prometheus: {url: 'http://p', retries: {max_attempts: 1}}}\n" SLO_A
                       EVENTS);
    assert_int_equal(cfg->prometheus.max_attempts, 1);
    config_free(cfg);
    /* Empty: the default. */
    cfg = parse_ok("global: {prometheus: {url: 'http://p', retries: }}\n" SLO_A EVENTS);
    assert_int_equal(cfg->prometheus.max_attempts, 3);
    config_free(cfg);
    assert_errors("global: {prometheus: {url: 'http://p', retries: {max_attempts: 0}}}\n" SLO_A
                      EVENTS,
                  "t.yaml:1:64: global.prometheus.retries.max_attempts: must be a whole number "
                  "from 1 (no retries) to 10, got 0");
    assert_errors("global: {prometheus: {url: 'http://p', retries: {max_attempts: 2.5}}}\n" SLO_A
                      EVENTS,
                  "t.yaml:1:64: global.prometheus.retries.max_attempts: must be a whole number "
                  "from 1 (no retries) to 10, got 2.5");
    assert_errors("global: {prometheus: {url: 'http://p', retries: {max_attempts: 11}}}\n" SLO_A
                      EVENTS,
                  "t.yaml:1:64: global.prometheus.retries.max_attempts: must be a whole number "
                  "from 1 (no retries) to 10, got 11");
    assert_errors("global: {prometheus: {url: 'http://p', retries: {max_attempts: '3'}}}\n" SLO_A
                      EVENTS,
                  "t.yaml:1:64: global.prometheus.retries.max_attempts: expected a number, got "
                  "string \"3\"");
    assert_errors("global: {prometheus: {url: 'http://p', retries: {attempts: 3}}}\n" SLO_A EVENTS,
                  "t.yaml:1:50: global.prometheus.retries: unknown field \"attempts\"");
    assert_errors("global: {prometheus: {url: 'http://p', retries: 3}}\n" SLO_A EVENTS,
                  "t.yaml:1:49: global.prometheus.retries: expected a mapping, got \"3\"");
}

static void test_prometheus_url_rules(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global: {prometheus: {url: 'http://p:9090///'}}\n" SLO_A EVENTS);
    assert_string_equal(cfg->prometheus.url, "http://p:9090");
    config_free(cfg);
    assert_errors("global: {prometheus: {url: 'ftp://p'}}\n" SLO_A EVENTS,
                  "t.yaml:1:28: global.prometheus.url: must start with http:// or https://, "
                  "got \"ftp://p\"");
    assert_errors("global: {prometheus: {url: 'https:///x'}}\n" SLO_A EVENTS,
                  "t.yaml:1:28: global.prometheus.url: has no host: \"https:///x\"");
    assert_errors("global: {prometheus: {url: 'http://p q'}}\n" SLO_A EVENTS,
                  "t.yaml:1:28: global.prometheus.url: must not contain spaces or control "
                  "characters");
    assert_errors("global: {prometheus: {url: ''}}\n" SLO_A EVENTS,
                  "t.yaml:1:28: global.prometheus.url: must not be empty");
}

static void test_prometheus_mode_and_read_path_rules(void **state)
{
    (void)state;
    assert_errors(
        "global: {prometheus: {url: http://p, mode: remote-read, read_path: api}}\n" SLO_A EVENTS,
        "t.yaml:1:44: global.prometheus.mode: must be promql, remote_read or api_read, got "
        "\"remote-read\"",
        "t.yaml:1:68: global.prometheus.read_path: must start with \"/\", got \"api\"");
}

static void test_api_read_mode_and_read_settings(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global: {prometheus: {url: http://p}}\n" SLO_A EVENTS);
    assert_int_equal(cfg->prometheus.mode, CONFIG_MODE_PROMQL);
    assert_int_equal(cfg->prometheus.concurrency, CONFIG_DEFAULT_CONCURRENCY);
    assert_int_equal(cfg->prometheus.read_max_samples, CONFIG_DEFAULT_READ_MAX_SAMPLES);
    assert_int_equal(cfg->checkpoint_ms, 5 * 60 * 1000);
    config_free(cfg);
    cfg = parse_ok("global:\n"
                   "  state_checkpoint_interval: 1m\n"
                   "  prometheus: {url: http://p, mode: api_read, concurrency: 8,\n"
                   "               read_max_samples: 5000}\n" SLO_A EVENTS);
    assert_int_equal(cfg->prometheus.mode, CONFIG_MODE_API_READ);
    assert_int_equal(cfg->prometheus.concurrency, 8);
    assert_int_equal(cfg->prometheus.read_max_samples, 5000);
    assert_int_equal(cfg->checkpoint_ms, 60 * 1000);
    config_free(cfg);
    assert_errors("global:\n"
                  "  state_checkpoint_interval: 10ms\n"
                  "  prometheus: {url: http://p, concurrency: 0, read_max_samples: 10}\n" SLO_A
                      EVENTS,
                  "t.yaml:2:30: global.state_checkpoint_interval: must be at least 1s",
                  "t.yaml:3:44: global.prometheus.concurrency: must be a whole number from 1 "
                  "to 64, got 0",
                  "t.yaml:3:65: global.prometheus.read_max_samples: must be a whole number from "
                  "1000 to 10000000, got 10");
    /* The exact modes count raw samples; they run no free PromQL. */
    assert_errors("global: {prometheus: {url: http://p, mode: api_read}}\n" SLO_A "    sli:\n"
                  "      promql:\n"
                  "        error_query: 'sum(rate(e[{{.window}}]))'\n"
                  "        total_query: 'sum(rate(t[{{.window}}]))'\n",
                  "t.yaml:9:9: slos[0].sli.promql: promql SLIs need mode: promql "
                  "(global.prometheus.mode is api_read)");
}

static void test_headers_refuse_authorization_and_bad_names(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: http://p\n"
                  "    headers:\n"
                  "      authorization: Bearer secret\n"
                  "      X Bad: y\n"
                  "      X-Crlf: \"a\\r\\nInjected: 1\"\n"
                  "      X-Ok: ok\n" SLO_A EVENTS,
                  "t.yaml:5:7: global.prometheus.headers: do not set Authorization as a header; "
                  "use bearer_token_file or basic_auth, which keep the secret in a file",
                  "t.yaml:6:7: global.prometheus.headers: invalid header name \"X Bad\"",
                  "t.yaml:7:15: global.prometheus.headers.X-Crlf: header values cannot contain "
                  "control characters");
}

static void test_auth_options_are_exclusive_and_complete(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global: {prometheus: {url: http://p, bearer_token_file: /t}}\n" SLO_A EVENTS);
    assert_string_equal(cfg->prometheus.bearer_token_file, "/t");
    config_free(cfg);
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: http://p\n"
                  "    bearer_token_file: /t\n"
                  "    basic_auth: {username: u}\n" SLO_A EVENTS,
                  "t.yaml:5:17: global.prometheus.basic_auth: missing required field "
                  "\"password_file\"",
                  "t.yaml:5:17: global.prometheus.basic_auth: basic_auth and bearer_token_file "
                  "cannot both be set");
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: http://p\n"
                  "    basic_auth: {password_file: /pw, user: u}\n" SLO_A EVENTS,
                  "t.yaml:4:17: global.prometheus.basic_auth: missing required field "
                  "\"username\"",
                  "t.yaml:4:38: global.prometheus.basic_auth: unknown field \"user\"");
}

static void test_tls_cert_and_key_go_together(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus:\n"
                  "    url: https://p\n"
                  "    tls: {key_file: /k, insecure_skip_verify: 1}\n" SLO_A EVENTS,
                  "t.yaml:4:10: global.prometheus.tls: cert_file and key_file must be set "
                  "together",
                  "t.yaml:4:47: global.prometheus.tls.insecure_skip_verify: expected true or "
                  "false, got \"1\"");
}

static void test_global_status_rules(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus: {url: http://p}\n"
                  "  status: {warning: 0.9}\n" SLO_A EVENTS,
                  "t.yaml:3:11: global.status: warning (0.9) must be below critical (0.8)");
    assert_errors("global:\n"
                  "  prometheus: {url: http://p}\n"
                  "  status: {warning: 0, critical: 1.5}\n" SLO_A EVENTS,
                  "t.yaml:3:21: global.status.warning: must be greater than 0 and at most 1, "
                  "got 0",
                  "t.yaml:3:34: global.status.critical: must be greater than 0 and at most 1, "
                  "got 1.5");
}

static void test_reserved_and_invalid_label_names_are_rejected(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus: {url: http://p}\n"
                  "  labels: {window: x, __meta: y, 9lives: z, ok: [1]}\n" SLO_A
                  "    labels: {team: a, service: b}\n" EVENTS,
                  "t.yaml:3:12: global.labels: label \"window\" is reserved by slo-sidecar",
                  "t.yaml:3:23: global.labels: label names starting with \"__\" are reserved "
                  "(\"__meta\")",
                  "t.yaml:3:34: global.labels: invalid label name \"9lives\" (must match "
                  "[a-zA-Z_][a-zA-Z0-9_]*)",
                  "t.yaml:3:49: global.labels.ok: expected a string, got a sequence",
                  "t.yaml:9:23: slos[0].labels: label \"service\" is reserved by slo-sidecar");
}

static void test_every_reserved_label_is_refused(void **state)
{
    static const char *const names[] = {"slo",      "service",     "window", "kind",     "status",
                                        "severity", "description", "period", "sli_kind", "version",
                                        "revision", "result",      "le"};

    (void)state;
    for (size_t i = 0; i < NELEMS(names); i++) {
        char *yaml =
            util_asprintf("global: {prometheus: {url: http://p}, labels: {%s: x}}\n" SLO_A EVENTS,
                          names[i]);
        char *want = util_asprintf("t.yaml:1:48: global.labels: label \"%s\" is reserved by "
                                   "slo-sidecar",
                                   names[i]);

        assert_non_null(yaml);
        assert_non_null(want);
        check_errors(yaml, (const char *const *)&want, 1);
        free(yaml);
        free(want);
    }
}

static void test_group_by_rules(void **state)
{
    (void)state;
    assert_errors("global:\n"
                  "  prometheus: {url: http://p}\n"
                  "  labels: {cluster: c}\n" SLO_A "    labels: {team: t}\n"
                  "    group_by: [ns, ns, le, __x, team, cluster, {a: b}]\n" EVENTS,
                  "t.yaml:10:20: slos[0].group_by[1]: duplicate label \"ns\"",
                  "t.yaml:10:24: slos[0].group_by[2]: label \"le\" is reserved by slo-sidecar",
                  "t.yaml:10:28: slos[0].group_by[3]: label names starting with \"__\" are "
                  "reserved (\"__x\")",
                  "t.yaml:10:33: slos[0].group_by[4]: label \"team\" is also set in labels; a "
                  "series cannot have both",
                  "t.yaml:10:39: slos[0].group_by[5]: label \"cluster\" is also set in "
                  "global.labels; a series cannot have both",
                  "t.yaml:10:48: slos[0].group_by[6]: expected a label name, got a mapping");
}

static void test_slo_name_and_service_rules(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - name: 'a/b'\n"
                         "    service: ~\n"
                         "    description: [x]\n"
                         "    objective: 99\n"
                         "    period: 30d\n" EVENTS,
                  "t.yaml:5:11: slos[0].name: invalid name \"a/b\" (use [a-zA-Z0-9_.-]+)",
                  "t.yaml:6:14: slos[0].service: expected a string, got null",
                  "t.yaml:7:18: slos[0].description: expected a string, got a sequence");
}

static void test_nul_escape_in_a_string_is_rejected(void **state)
{
    (void)state;
    /* Taken as C strings, these would silently become "a" and "x". */
    assert_errors(GLOBAL "slos:\n"
                         "  - name: \"a\\0b\"\n"
                         "    service: s\n"
                         "    objective: 99\n"
                         "    period: 30d\n"
                         "    sli: {events: {error: \"x\\x00{a=\\\"b\\\"}\", total: t}}\n",
                  "t.yaml:5:11: slos[0].name: must not contain a NUL character",
                  "t.yaml:9:27: slos[0].sli.events.error: must not contain a NUL character");
}

static void test_calendar_periods_are_accepted(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - {name: w, service: s, objective: 99, period: calendar_week,\n"
                          "     sli: {events: {error: e, total: t}}}\n"
                          "  - {name: m, service: s, objective: 99, period: calendar_month,\n"
                          "     sli: {events: {error: e, total: t}}}\n"
                          "  - {name: q, service: s, objective: 99, period: calendar_quarter,\n"
                          "     sli: {events: {error: e, total: t}}}\n"
                          "  - {name: r, service: s, objective: 99, period: 1w3d,\n"
                          "     sli: {events: {error: e, total: t}}}\n");
    assert_int_equal(cfg->slos[0].period_kind, CONFIG_PERIOD_CALENDAR_WEEK);
    assert_string_equal(cfg->slos[0].period_name, "calendar_week");
    assert_int_equal(cfg->slos[0].period_ms, 0);
    assert_int_equal(cfg->slos[1].period_kind, CONFIG_PERIOD_CALENDAR_MONTH);
    assert_int_equal(cfg->slos[2].period_kind, CONFIG_PERIOD_CALENDAR_QUARTER);
    assert_int_equal(cfg->slos[3].period_kind, CONFIG_PERIOD_ROLLING);
    assert_int_equal(cfg->slos[3].period_ms, 10LL * 86400000);
    config_free(cfg);
}

static void test_timezone_loads_the_zone(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - {name: m, service: s, objective: 99, period: calendar_month,\n"
                          "     timezone: Europe/Berlin, sli: {events: {error: e, total: t}}}\n"
                          "  - {name: u, service: s, objective: 99, period: calendar_week,\n"
                          "     sli: {events: {error: e, total: t}}}\n");
    assert_string_equal(cfg->slos[0].timezone, "Europe/Berlin");
    assert_non_null(cfg->slos[0].tz);
    /* 2026-07-01T00:00Z: CEST */
    assert_int_equal(tzinfo_offset(cfg->slos[0].tz, 1782864000), 7200);
    assert_null(cfg->slos[1].timezone);
    assert_null(cfg->slos[1].tz);
    config_free(cfg);
}

static void test_timezone_errors(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: calendar_month,\n"
                         "     timezone: Europe/Atlantis, sli: {events: {error: e, total: t}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     timezone: Europe/Berlin, sli: {events: {error: e, total: t}}}\n"
                         "  - {name: c, service: s, objective: 99, period: calendar_week,\n"
                         "     timezone: ../../etc/passwd, sli: {events: {error: e, total: t}}}\n"
                         "  - {name: d, service: s, objective: 99, period: calendar_week,\n"
                         "     timezone: '', sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:6:16: slos[0].timezone: unknown time zone \"Europe/Atlantis\" (no "
                  "file /usr/share/zoneinfo/Europe/Atlantis; is tzdata installed?)",
                  "t.yaml:8:16: slos[1].timezone: only calendar periods have a time zone "
                  "(period is 30d)",
                  "t.yaml:10:16: slos[2].timezone: invalid time zone name \"../../etc/passwd\": "
                  "expected an IANA name like Europe/Berlin",
                  "t.yaml:12:16: slos[3].timezone: must not be empty");
}

static void test_period_rules(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 59m,\n"
                         "     sli: {events: {error: e, total: t}}}\n"
                         "  - {name: b, service: s, objective: 99, period: calendar_year,\n"
                         "     sli: {events: {error: e, total: t}}}\n",
                  "t.yaml:5:50: slos[0].period: must be at least 1h, got 59m",
                  "t.yaml:7:50: slos[1].period: invalid duration \"calendar_year\": expected "
                  "a number like 30s, 5m, 1h, 7d; or use calendar_week, calendar_month, "
                  "calendar_quarter");
}

/* The contract allows any rolling duration; windows longer than it are still evaluated. */
static void test_period_shorter_than_default_windows_is_accepted(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - name: a\n"
                          "    service: s\n"
                          "    objective: 99\n"
                          "    period: 1d\n" EVENTS);
    assert_int_equal(cfg->slos[0].period_ms, 86400000);
    assert_int_equal(cfg->slos[0].nwindows, 4);
    config_free(cfg);
}

static void test_short_period_is_fine_with_fitting_windows(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - name: a\n"
                          "    service: s\n"
                          "    objective: 99\n"
                          "    period: 1h\n" EVENTS "    alerting:\n"
                          "      windows:\n"
                          "        - {severity: page, long: 1h, short: 5m, factor: 14.4}\n");
    assert_int_equal(cfg->slos[0].period_ms, 3600000);
    assert_int_equal(cfg->slos[0].nwindows, 1);
    config_free(cfg);
}

static void test_sli_needs_exactly_one_kind(void **state)
{
    (void)state;
    assert_errors(GLOBAL SLO_A "    sli:\n"
                               "      events: {error: e, total: t}\n"
                               "      latency: {histogram: h, threshold: 1}\n"
                               "  - {name: b, service: s, objective: 99, period: 30d, sli: ~}\n",
                  "t.yaml:10:7: slos[0].sli: sli must have exactly one of events, latency, "
                  "timeslice, promql",
                  "t.yaml:12:60: slos[1].sli: expected a mapping, got null");
}

static void test_events_need_one_of_error_or_good_plus_total(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {error: e, good: g, total: t}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {total: t}}}\n"
                         "  - {name: c, service: s, objective: 99, period: 30d,\n"
                         "     sli: {events: {good: g, total: ''}}}\n",
                  "t.yaml:6:20: slos[0].sli.events: set only one of \"error\" and \"good\"",
                  "t.yaml:8:20: slos[1].sli.events: missing required field \"error\" or "
                  "\"good\"",
                  "t.yaml:10:37: slos[2].sli.events.total: must not be empty");
}

static void test_invalid_selector_reports_the_selector_error(void **state)
{
    (void)state;
    assert_errors(GLOBAL SLO_A "    sli:\n"
                               "      events:\n"
                               "        error: 'http_requests_total{code ~ \"5..\"}'\n"
                               "        total: '{job=\"x\"}'\n",
                  "t.yaml:11:16: slos[0].sli.events.error: invalid selector: column 26: "
                  "expected \"=\", \"!=\", \"=~\" or \"!~\" after label name \"code\"",
                  "t.yaml:12:16: slos[0].sli.events.total: invalid selector: column 1: "
                  "expected a metric name before \"{\" (the sidecar needs the name to build "
                  "its queries)");
}

static void test_latency_needs_base_name_and_positive_threshold(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {latency: {histogram: 'h_bucket{a=\"b\"}', threshold: 0}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {latency: {histogram: h_count}}}\n"
                         "  - {name: c, service: s, objective: 99, period: 30d,\n"
                         "     sli: {latency: {histogram: h_sum, threshold: -Inf}}}\n",
                  "t.yaml:6:33: slos[0].sli.latency.histogram: give the histogram's base name "
                  "\"h\", without \"_bucket\" (the sidecar reads _bucket and _count itself)",
                  "t.yaml:6:63: slos[0].sli.latency.threshold: must be greater than 0 "
                  "(seconds), got 0",
                  "t.yaml:8:21: slos[1].sli.latency: missing required field \"threshold\"",
                  "t.yaml:8:33: slos[1].sli.latency.histogram: give the histogram's base name "
                  "\"h\", without \"_count\" (the sidecar reads _bucket and _count itself)",
                  "t.yaml:10:33: slos[2].sli.latency.histogram: give the histogram's base name "
                  "\"h\", without \"_sum\" (the sidecar reads _bucket and _count itself)",
                  "t.yaml:10:51: slos[2].sli.latency.threshold: expected a finite number, got "
                  "-Inf");
}

static void test_timeslice_defaults(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A "    sli: {timeslice: {gauge: up, op: '==', value: 1}}\n");
    assert_int_equal(cfg->slos[0].timeslice.slice_ms, 60000);
    assert_int_equal(cfg->slos[0].timeslice.age, 0);
    assert_int_equal(cfg->slos[0].timeslice.op, CONFIG_CMP_EQ);
    assert_true(cfg->slos[0].timeslice.value == 1);
    config_free(cfg);
}

static void test_timeslice_op_and_slice_rules(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, op: '<>', slice: 7m}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, op: '<', value: 1, slice: 7s}}}\n"
                         "  - {name: c, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, op: '<', value: 1, slice: 500ms}}}\n"
                         "  - {name: d, service: s, objective: 99, period: 30d,\n"
                         "     sli: {timeslice: {gauge: g, value: 1}}}\n",
                  "t.yaml:6:23: slos[0].sli.timeslice: missing required field \"value\"",
                  "t.yaml:6:38: slos[0].sli.timeslice.op: must be one of < <= > >= == !=, got "
                  "\"<>\"",
                  "t.yaml:6:51: slos[0].sli.timeslice.slice: must be at most 5m, the shortest "
                  "alert window",
                  "t.yaml:8:60: slos[1].sli.timeslice.slice: must divide 5m evenly (e.g. 10s, "
                  "30s, 1m, 5m) so that slices tile every alert window",
                  "t.yaml:10:60: slos[2].sli.timeslice.slice: must be at least 1s",
                  "t.yaml:12:23: slos[3].sli.timeslice: missing required field \"op\"");
}

static void test_unquoted_not_equal_op_gets_a_quoting_hint(void **state)
{
    (void)state;
    /* YAML reads `!=` as a tag on an empty value. */
    assert_errors(GLOBAL SLO_A "    sli:\n"
                               "      timeslice:\n"
                               "        gauge: g\n"
                               "        op: !=\n"
                               "        value: 1\n",
                  "t.yaml:12:13: slos[0].sli.timeslice.op: YAML reads != as a tag, leaving no "
                  "value; quote it: \"!=\"");
    assert_errors("global: !custom {prometheus: {url: http://p}}\n" SLO_A EVENTS,
                  "t.yaml:1:9: global: unsupported YAML tag \"!custom\"");
}

static void test_timeslice_custom_windows_must_be_multiples_of_the_slice(void **state)
{
    (void)state;
    assert_errors(GLOBAL SLO_A "    sli: {timeslice: {gauge: g, op: '<', value: 1, slice: 1m}}\n"
                               "    alerting:\n"
                               "      windows:\n"
                               "        - {severity: page, long: 1h, short: 90s, factor: 10}\n",
                  "t.yaml:12:11: slos[0].alerting.windows[0]: long and short must be multiples "
                  "of the time slice (1m)");
}

static void test_promql_sli_rules(void **state)
{
    (void)state;
    assert_errors(GLOBAL "slos:\n"
                         "  - {name: a, service: s, objective: 99, period: 30d,\n"
                         "     sli: {promql: {error_query: e, good_query: g, total_query: t}}}\n"
                         "  - {name: b, service: s, objective: 99, period: 30d,\n"
                         "     sli: {promql: {good_query: '', total_query: t}}}\n"
                         "  - {name: c, service: s, objective: 99, period: 30d,\n"
                         "     sli: {promql: {error_query: e}}}\n",
                  "t.yaml:6:20: slos[0].sli.promql: set only one of \"error_query\" and "
                  "\"good_query\"",
                  "t.yaml:8:33: slos[1].sli.promql.good_query: must not be empty",
                  "t.yaml:10:20: slos[2].sli.promql: missing required field \"total_query\"");
}

static void test_remote_read_mode_rejects_promql_sli(void **state)
{
    struct config *cfg;

    (void)state;
    assert_errors("global: {prometheus: {url: http://p, mode: remote_read}}\n" SLO_A
                  "    sli: {promql: {error_query: e, total_query: t}}\n",
                  "t.yaml:7:19: slos[0].sli.promql: promql SLIs need mode: promql "
                  "(global.prometheus.mode is remote_read)");
    /* The other kinds are fine in remote_read mode. */
    cfg = parse_ok("global: {prometheus: {url: http://p, mode: remote_read}}\n" SLO_A EVENTS);
    assert_int_equal(cfg->prometheus.mode, CONFIG_MODE_REMOTE_READ);
    config_free(cfg);
}

static void test_custom_alert_windows_replace_the_default_table(void **state)
{
    struct config *cfg;
    const struct config_slo *s;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A EVENTS
                   "    alerting:\n"
                   "      page: {labels: {team: x}, annotations: {'runbook url': 'http://r'}}\n"
                   "      windows:\n"
                   "        - {severity: ticket, long: 30d, short: 1d, factor: 1}\n"
                   "        - severity: page\n"
                   "          long: 90m\n"
                   "          short: 5m\n"
                   "          factor: 20\n");
    s = &cfg->slos[0];
    assert_int_equal(s->nwindows, 2);
    assert_int_equal(s->windows[0].severity, CONFIG_SEVERITY_TICKET);
    assert_int_equal(s->windows[0].long_ms, 30LL * 86400000);
    assert_int_equal(s->windows[0].short_ms, 86400000);
    assert_true(s->windows[0].factor == 1);
    assert_int_equal(s->windows[1].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(s->windows[1].long_ms, 90 * 60000);
    assert_int_equal(s->windows[1].short_ms, 5 * 60000);
    assert_true(s->windows[1].factor == 20);
    assert_string_equal(labels_get(&s->page.labels, "team"), "x");
    assert_string_equal(labels_get(&s->page.annotations, "runbook url"), "http://r");
    config_free(cfg);
}

static void test_alert_window_errors(void **state)
{
    (void)state;
    assert_errors(GLOBAL SLO_A EVENTS
                  "    alerting:\n"
                  "      windows:\n"
                  "        - {severity: pager, long: 5m, short: 1h, factor: 0}\n"
                  "        - {severity: page, long: 31d, short: 1h, factor: -1}\n"
                  "        - {}\n"
                  "        - []\n"
                  "  - {name: b, service: s, objective: 99, period: 30d,\n"
                  "     sli: {events: {error: e, total: t}}, alerting: {windows: []}}\n"
                  "  - {name: c, service: s, objective: 99, period: 30d,\n"
                  "     sli: {events: {error: e, total: t}}, alerting: {windows: x}}\n",
                  "t.yaml:15:22: slos[0].alerting.windows[0].severity: must be page or ticket, "
                  "got \"pager\"",
                  "t.yaml:15:46: slos[0].alerting.windows[0].short: must be shorter than long",
                  "t.yaml:15:58: slos[0].alerting.windows[0].factor: must be greater than 0, "
                  "got 0",
                  "t.yaml:16:34: slos[0].alerting.windows[1].long: must not be longer than the "
                  "period (30d)",
                  "t.yaml:16:58: slos[0].alerting.windows[1].factor: must be greater than 0, "
                  "got -1",
                  "t.yaml:17:11: slos[0].alerting.windows[2]: missing required field "
                  "\"severity\"",
                  "t.yaml:17:11: slos[0].alerting.windows[2]: missing required field \"long\"",
                  "t.yaml:17:11: slos[0].alerting.windows[2]: missing required field \"short\"",
                  "t.yaml:17:11: slos[0].alerting.windows[2]: missing required field "
                  "\"factor\"",
                  "t.yaml:18:11: slos[0].alerting.windows[3]: expected a mapping, got a "
                  "sequence",
                  "t.yaml:20:63: slos[1].alerting.windows: needs at least one row (leave "
                  "windows out for the default table)",
                  "t.yaml:22:63: slos[2].alerting.windows: expected a sequence, got \"x\"");
}

static void test_alert_route_label_names_are_checked(void **state)
{
    struct config *cfg;

    (void)state;
    /* severity may be replaced on alerts; it is the point of routing. */
    cfg = parse_ok(GLOBAL SLO_A EVENTS "    alerting: {ticket: {labels: {severity: low}}}\n");
    assert_string_equal(labels_get(&cfg->slos[0].ticket.labels, "severity"), "low");
    config_free(cfg);
    assert_errors(GLOBAL SLO_A EVENTS
                  "    alerting: {page: {labels: {a-b: x, __y: z}, annotations: {s: [1]}}}\n",
                  "t.yaml:13:32: slos[0].alerting.page.labels: invalid label name \"a-b\" "
                  "(must match [a-zA-Z_][a-zA-Z0-9_]*)",
                  "t.yaml:13:40: slos[0].alerting.page.labels: label names starting with \"__\" "
                  "are reserved (\"__y\")",
                  "t.yaml:13:66: slos[0].alerting.page.annotations.s: expected a string, got a "
                  "sequence");
}

static void test_alert_switches_default_to_on(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A EVENTS);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 1);
    assert_int_equal(cfg->slos[0].page.sw, CONFIG_ALERT_ON);
    config_free(cfg);
    /* A route written as a mapping is for an alert that is on; true is on. */
    cfg = parse_ok(GLOBAL SLO_A EVENTS
                   "    alerting: {page: {labels: {team: x}}, ticket: true}\n");
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 1);
    config_free(cfg);
}

static void test_alert_switch_false_turns_one_alert_off(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A EVENTS "    alerting: {page: false}\n");
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 0);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 1);
    /* The table stays: its windows are still evaluated and exported. */
    assert_int_equal(cfg->slos[0].nwindows, 4);
    config_free(cfg);
    cfg = parse_ok(GLOBAL SLO_A EVENTS "    alerting: {ticket: False}\n");
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 0);
    config_free(cfg);
}

/* global.alerting sets the default for every SLO; the SLO's own switch wins. */
static void test_global_alert_switch_is_the_default(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(
        GLOBAL
        "  alerting: {page: false, ticket: {labels: {team: t}}}\n"
        "slos:\n" SLO_ITEM("a") SLO_ITEM("b") "    alerting: {page: true}\n" SLO_ITEM(
            "c") "    alerting: {page: {labels: {team: c}}}\n" SLO_ITEM("d") "    alerting: "
                                                                             "{ticket: false}\n");
    assert_int_equal(cfg->nslos, 4);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 0);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[1], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[2], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[3], CONFIG_SEVERITY_PAGE), 0);
    assert_int_equal(config_alert_enabled(&cfg->slos[3], CONFIG_SEVERITY_TICKET), 0);
    assert_string_equal(labels_get(&cfg->alert_ticket.labels, "team"), "t");
    config_free(cfg);
}

/* In a config directory the global file's switches reach every file's SLOs. */
static void test_global_alert_switch_reaches_other_files(void **state)
{
    char dir[] = "/tmp/slo-test-alertsw-XXXXXX";
    struct config *cfg = NULL;
    struct config_errors errs;

    (void)state;
    assert_non_null(mkdtemp(dir));
    put_file(dir, "zz-global.yaml", GLOBAL "  alerting: {ticket: false}\n");
    put_file(dir, "team-a.yaml",
             "slos:\n" SLO_ITEM("a") SLO_ITEM("b") "    alerting: {ticket: true, page: false}\n");
    config_errors_init(&errs);
    assert_int_equal(config_load(dir, &cfg, &errs), 0);
    assert_int_equal(cfg->nslos, 2);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE), 1);
    assert_int_equal(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET), 0);
    assert_int_equal(config_alert_enabled(&cfg->slos[1], CONFIG_SEVERITY_PAGE), 0);
    assert_int_equal(config_alert_enabled(&cfg->slos[1], CONFIG_SEVERITY_TICKET), 1);
    config_free(cfg);
    config_errors_free(&errs);
    {
        char *a = util_asprintf("%s/team-a.yaml", dir);
        char *g = util_asprintf("%s/zz-global.yaml", dir);

        unlink(a);
        unlink(g);
        free(a);
        free(g);
    }
    rmdir(dir);
}

static void test_alert_switch_errors(void **state)
{
    (void)state;
    assert_errors(GLOBAL "  alerting: {page: 0, ticket: off}\n" SLO_A EVENTS
                         "    alerting: {page: \"false\", ticket: [false]}\n",
                  "t.yaml:4:20: global.alerting.page: expected true, false (turns the alert "
                  "off) or a mapping with labels and annotations, got \"0\"",
                  "t.yaml:4:31: global.alerting.ticket: expected true, false (turns the alert "
                  "off) or a mapping with labels and annotations, got \"off\"",
                  "t.yaml:14:22: slos[0].alerting.page: expected true, false (turns the alert "
                  "off) or a mapping with labels and annotations, got string \"false\"",
                  "t.yaml:14:39: slos[0].alerting.ticket: expected true, false (turns the "
                  "alert off) or a mapping with labels and annotations, got a sequence");
}

static void test_dashboard_and_runbook_urls_load(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL SLO_A EVENTS);
    assert_null(cfg->dashboard_url);
    assert_null(cfg->slos[0].runbook_url);
    config_free(cfg);
    /* Kept as written: a trailing slash or a query is the user's. */
    cfg = parse_ok("global:\n"
                   "  prometheus: {url: http://prom:9090}\n"
                   "  dashboard_url: https://grafana.example.com/d/slo-overview/x?orgId=1\n" SLO_A
                       EVENTS "    alerting:\n"
                   "      runbook_url: https://wiki.example.com/runbooks/a/\n"
                   "      page: {annotations: {runbook_url: https://wiki.example.com/page}}\n");
    assert_string_equal(cfg->dashboard_url,
                        "https://grafana.example.com/d/slo-overview/x?orgId=1");
    assert_string_equal(cfg->slos[0].runbook_url, "https://wiki.example.com/runbooks/a/");
    assert_string_equal(labels_get(&cfg->slos[0].page.annotations, "runbook_url"),
                        "https://wiki.example.com/page");
    config_free(cfg);
}

static void test_dashboard_and_runbook_url_rules(void **state)
{
    (void)state;
    assert_errors("global: {prometheus: {url: http://p}, dashboard_url: 'grafana/d/x'}\n" SLO_A
                      EVENTS "    alerting: {runbook_url: 'http:///wiki'}\n",
                  "t.yaml:1:54: global.dashboard_url: must start with http:// or https://, got "
                  "\"grafana/d/x\"",
                  "t.yaml:11:29: slos[0].alerting.runbook_url: has no host: \"http:///wiki\"");
    assert_errors("global: {prometheus: {url: http://p}, dashboard_url: ''}\n" SLO_A EVENTS
                  "    alerting: {runbook_url: 'https://wiki/a b'}\n",
                  "t.yaml:1:54: global.dashboard_url: must not be empty",
                  "t.yaml:11:29: slos[0].alerting.runbook_url: must not contain spaces or "
                  "control characters");
    assert_errors(GLOBAL SLO_A EVENTS "    alerting: {runbook_url: [https://wiki]}\n",
                  "t.yaml:13:29: slos[0].alerting.runbook_url: expected a string, got a "
                  "sequence");
}

static void test_null_optional_sections_count_as_absent(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok("global:\n"
                   "  prometheus:\n"
                   "    url: http://p\n"
                   "    tls:\n"
                   "    headers:\n"
                   "  labels:\n"
                   "  status:\n" SLO_A "    labels: ~\n"
                   "    group_by:\n" EVENTS "    alerting:\n"
                   "      page:\n");
    assert_int_equal(cfg->labels.n, 0);
    assert_true(cfg->status_warning == 0.5);
    assert_int_equal(cfg->slos[0].nwindows, 4);
    config_free(cfg);
}

static void test_anchors_and_aliases_work_and_cycles_end(void **state)
{
    struct config *cfg;

    (void)state;
    cfg = parse_ok(GLOBAL "slos:\n"
                          "  - {name: a, service: s, objective: 99, period: 30d,\n"
                          "     sli: &sli {events: {error: e, total: t}}}\n"
                          "  - {name: b, service: s, objective: 99, period: 30d, sli: *sli}\n");
    assert_string_equal(cfg->slos[1].events.total, "t");
    config_free(cfg);
    /* A cyclic alias must not make the walk recurse forever. */
    assert_errors("global: &g {prometheus: {url: http://p}, labels: *g}\n"
                  "slos: &s [*s]\n",
                  "t.yaml:1:9: global.labels.labels: expected a string, got a mapping",
                  "t.yaml:1:25: global.labels.prometheus: expected a string, got a mapping",
                  "t.yaml:2:7: slos[0]: expected a mapping, got a sequence");
}

/*
 * Parses the text built in b as "t.yaml", which must fail, into errs (the
 * caller frees), and frees b.
 */
static void parse_built(struct buf *b, struct config_errors *errs)
{
    struct config *cfg = (struct config *)&cfg;

    assert_non_null(b->data);
    config_errors_init(errs);
    assert_int_equal(config_parse("t.yaml", b->data, b->len, &cfg, errs), -1);
    assert_null(cfg);
    buf_free(b);
}

/* Like parse_built, then checks that the only message is want. */
static void check_built(struct buf *b, const char *want)
{
    struct config_errors errs;

    parse_built(b, &errs);
    check_messages(&errs, &want, 1);
}

/*
 * An alias bomb, found while writing fuzz/fuzz_config.c: each level of aliases
 * multiplies the nodes the walk visits (here 300 SLOs x 300 windows x 300
 * keys, 27 million "unknown field" messages from 5 KB, gigabytes of them).
 * The document is measured with its aliases expanded and refused first.
 */
static void test_alias_bomb_is_refused_before_the_walk(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, GLOBAL "r: &r {"), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(buf_printf(&b, "%sk%d: 1", i ? ", " : "", i), 0);
    assert_int_equal(buf_puts(&b, "}\ns: &s {name: x, alerting: {windows: ["), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(buf_puts(&b, i ? ", *r" : "*r"), 0);
    assert_int_equal(buf_puts(&b, "]}}\nslos: ["), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(buf_puts(&b, i ? ", *s" : "*s"), 0);
    assert_int_equal(buf_puts(&b, "]\n"), 0);
    check_built(&b, "t.yaml: the input has more than 1000000 YAML nodes (an alias counts "
                    "as a copy of what it points to)");
}

/* Aliases of a long scalar: few nodes, but each copy is parsed again. */
static void test_aliases_of_long_text_are_refused(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 4u << 20);
    assert_int_equal(buf_puts(&b, GLOBAL "t: &t "), 0);
    for (int i = 0; i < (1 << 20); i++)
        assert_int_equal(buf_append(&b, "x", 1), 0);
    assert_int_equal(buf_puts(&b, "\nslos: ["), 0);
    for (int i = 0; i < 40; i++)
        assert_int_equal(buf_puts(&b, i ? ", *t" : "*t"), 0);
    assert_int_equal(buf_puts(&b, "]\n"), 0);
    check_built(&b, "t.yaml: the input has more than 33554432 bytes of text (an alias counts "
                    "as a copy of what it points to)");
}

/*
 * libyaml's scanner takes time in the square of the nesting depth of flow
 * collections (50000 levels, 100 KB, took 10 s), so the depth is limited
 * on the tokens, before loading. The root mapping is level 1.
 */
static void test_deep_nesting_is_refused_before_loading(void **state)
{
    struct buf b;
    struct config_errors errs;

    (void)state;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, "global: "), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(buf_puts(&b, "["), 0);
    check_built(&b, "t.yaml:1:72: yaml: collections nested more than 64 levels deep");

    /* 64 levels are fine (and wrong for other reasons). */
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, "slos: {}\nglobal: "), 0);
    for (int i = 0; i < 63; i++)
        assert_int_equal(buf_puts(&b, "["), 0);
    for (int i = 0; i < 63; i++)
        assert_int_equal(buf_puts(&b, "]"), 0);
    parse_built(&b, &errs);
    assert_int_equal(errs.n, 2);
    assert_string_equal(errs.msg[0], "t.yaml:1:7: slos: expected a sequence, got a mapping");
    assert_string_equal(errs.msg[1], "t.yaml:2:9: global: expected a mapping, got a sequence");
    config_errors_free(&errs);
}

/*
 * libyaml compares each anchor, alias and %TAG directive with all earlier
 * ones (100000 anchors took 14 s, 100000 %TAG lines 22 s), and loads a
 * 16 MiB file of tiny values in 10 s and 1.3 GB, so all are counted first.
 */
static void test_anchors_aliases_directives_and_tokens_are_limited(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, "a: ["), 0);
    for (int i = 0; i <= 1000; i++)
        assert_int_equal(buf_printf(&b, "&a%04d x, ", i), 0);
    check_built(&b, "t.yaml:1:10005: yaml: more than 1000 anchors (&name)");

    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, "a: &a x\nb: ["), 0);
    for (int i = 0; i <= 10000; i++)
        assert_int_equal(buf_puts(&b, "*a, "), 0);
    check_built(&b, "t.yaml:2:40005: yaml: more than 10000 aliases (*name)");

    buf_init(&b, 1u << 20);
    for (int i = 0; i <= 64; i++)
        assert_int_equal(buf_printf(&b, "%%TAG !a%d! tag:x:\n", i), 0);
    assert_int_equal(buf_puts(&b, "---\na: 1\n"), 0);
    check_built(&b, "t.yaml:65:1: yaml: more than 64 directives (%TAG, %YAML)");

    /* Tokens: STREAM-START, BLOCK-MAPPING-START, KEY, "a", VALUE, "[", then 1 and , */
    buf_init(&b, 8u << 20);
    assert_int_equal(buf_puts(&b, "a: ["), 0);
    for (int i = 0; i < 1000000; i++)
        assert_int_equal(buf_puts(&b, "1,"), 0);
    check_built(&b, "t.yaml:1:1999999: yaml: more than 2000000 tokens (keys, values and "
                    "punctuation)");
}

/* A config with nlabels global labels and ngroup group_by labels, into b. */
static void build_labels(struct buf *b, int nlabels, int ngroup)
{
    buf_init(b, 1u << 20);
    assert_int_equal(buf_puts(b, "global:\n  prometheus: {url: http://p}\n  labels: {"), 0);
    for (int i = 0; i < nlabels; i++)
        assert_int_equal(buf_printf(b, "%sl%d: v", i ? ", " : "", i), 0);
    assert_int_equal(buf_puts(b, "}\n" SLO_A EVENTS "    group_by: ["), 0);
    for (int i = 0; i < ngroup; i++)
        assert_int_equal(buf_printf(b, "%sg%d", i ? ", " : "", i), 0);
    assert_int_equal(buf_puts(b, "]\n"), 0);
}

/* Their duplicate checks compare all entries with each other: bounded. */
static void test_labels_group_by_and_slos_are_limited(void **state)
{
    struct buf b;
    struct config *cfg;
    struct config_errors errs;

    (void)state;
    build_labels(&b, 256, 256);
    cfg = parse_ok(b.data);
    buf_free(&b);
    assert_int_equal(cfg->labels.n, 256);
    assert_int_equal(cfg->slos[0].ngroup_by, 256);
    config_free(cfg);

    build_labels(&b, 257, 257);
    parse_built(&b, &errs);
    assert_int_equal(errs.n, 2);
    assert_string_equal(errs.msg[0],
                        "t.yaml:3:11: global.labels: has 257 entries; at most 256 are allowed");
    assert_string_equal(errs.msg[1],
                        "t.yaml:13:15: slos[0].group_by: has 257 labels; at most 256 are allowed");
    config_errors_free(&errs);

    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, GLOBAL "slos: ["), 0);
    for (int i = 0; i <= 10000; i++)
        assert_int_equal(buf_puts(&b, "1,"), 0);
    assert_int_equal(buf_puts(&b, "]\n"), 0);
    check_built(&b, "t.yaml:4:7: slos: has 10001 SLOs; at most 10000 are allowed in one file");
}

/* Past 1000 messages the rest are counted, so a broken file cannot flood. */
static void test_errors_past_the_limit_are_counted(void **state)
{
    struct buf b;
    struct config_errors errs;

    (void)state;
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, GLOBAL SLO_A EVENTS), 0);
    for (int i = 0; i < 1005; i++)
        assert_int_equal(buf_printf(&b, "k%d: 1\n", i), 0);
    parse_built(&b, &errs);
    assert_int_equal(errs.n, 1001);
    assert_string_equal(errs.msg[0], "t.yaml:13:1: unknown field \"k0\"");
    assert_string_equal(errs.msg[999], "t.yaml:1012:1: unknown field \"k999\"");
    assert_string_equal(errs.msg[1000], "t.yaml: 5 more errors not shown (only the first 1000 "
                                        "are)");
    config_errors_free(&errs);
}

static void test_errors_append_and_null_errs_is_allowed(void **state)
{
    struct config *cfg = NULL;
    struct config_errors errs;

    (void)state;
    config_errors_init(&errs);
    assert_int_equal(config_parse("a.yaml", "", 0, &cfg, &errs), -1);
    assert_int_equal(config_parse("b.yaml", "x: 1\n", 5, &cfg, &errs), -1);
    assert_int_equal(errs.n, 4);
    assert_string_equal(errs.msg[0], "a.yaml: empty document: expected a mapping with global "
                                     "and slos");
    assert_string_equal(errs.msg[1], "b.yaml:1:1: unknown field \"x\"");
    config_errors_free(&errs);
    assert_int_equal(errs.n, 0);
    config_errors_free(&errs);
    config_errors_free(NULL);
    assert_int_equal(config_parse("c.yaml", "x: 1\n", 5, &cfg, NULL), -1);
    assert_null(cfg);
    assert_int_equal(config_parse("d.yaml", NULL, 0, &cfg, NULL), -1);
    assert_null(cfg);
    config_free(NULL);
}

/*
 * Fails each allocation of a full load in turn (libyaml's included): every
 * one must end in -1 with no config handed out, and nothing may leak (the
 * run under ASan or valgrind checks that).
 */
/*
 * Loads yaml failing each of its allocations in turn: every load must fail
 * cleanly (the leak checks of make check see the rest).
 */
static void check_every_allocation_failure(const char *yaml, size_t len)
{
    long total;

    /* Count the allocations of a good load first. */
    {
        struct config *cfg = NULL;
        struct config_errors errs;

        config_errors_init(&errs);
        failalloc_count = 0;
        failalloc_at = LONG_MAX;
        assert_int_equal(config_parse("t.yaml", yaml, len, &cfg, &errs), 0);
        failalloc_at = -1;
        total = failalloc_count;
        config_free(cfg);
    }
    /* valgrind replaces malloc everywhere, this one too: nothing to inject. */
    if (total == 0)
        skip();
    print_message("  failing each of %ld allocations in turn\n", total);
    for (long i = 0; i < total; i++) {
        struct config *cfg = (struct config *)&cfg;
        struct config_errors errs;
        int rc;

        config_errors_init(&errs);
        failalloc_count = 0;
        failalloc_at = i;
        rc = config_parse("t.yaml", yaml, len, &cfg, &errs);
        failalloc_at = -1;
        if (rc != -1 || cfg != NULL)
            fail_msg("allocation %ld of %ld failed but the load succeeded", i, total);
        config_errors_free(&errs);
    }
}

static void test_every_allocation_failure_is_reported_without_leaks(void **state)
{
    char *path = data_path("unit_full.yaml");
    FILE *f = fopen(path, "rb");
    static char yaml[8192];
    size_t len;

    (void)state;
    assert_non_null(f);
    len = fread(yaml, 1, sizeof(yaml) - 1, f);
    fclose(f);
    free(path);
    assert_true(len > 0 && len < sizeof(yaml) - 1);
    check_every_allocation_failure(yaml, len);
}

/* The same for the optional link fields, which unit_full.yaml leaves out. */
static void test_allocation_failures_with_links_are_reported_without_leaks(void **state)
{
    static const char yaml[] = "global:\n"
                               "  prometheus: {url: http://prom:9090}\n"
                               "  dashboard_url: https://grafana/d/slo\n" SLO_A EVENTS
                               "    alerting: {runbook_url: https://wiki/a}\n";

    (void)state;
    check_every_allocation_failure(yaml, sizeof(yaml) - 1);
}

/* The same for a calendar period with a time zone (the zone file is read and parsed). */
static void test_allocation_failures_with_timezone_are_reported_without_leaks(void **state)
{
    static const char yaml[] = GLOBAL "slos:\n"
                                      "  - {name: m, service: s, objective: 99, "
                                      "period: calendar_month,\n"
                                      "     timezone: Europe/Berlin, "
                                      "sli: {events: {error: e, total: t}}}\n";

    (void)state;
    check_every_allocation_failure(yaml, sizeof(yaml) - 1);
}

static void test_enum_names(void **state)
{
    (void)state;
    assert_string_equal(config_severity_str(CONFIG_SEVERITY_PAGE), "page");
    assert_string_equal(config_severity_str(CONFIG_SEVERITY_TICKET), "ticket");
    assert_string_equal(config_sli_kind_str(CONFIG_SLI_EVENTS), "events");
    assert_string_equal(config_sli_kind_str(CONFIG_SLI_LATENCY), "latency");
    assert_string_equal(config_sli_kind_str(CONFIG_SLI_TIMESLICE), "timeslice");
    assert_string_equal(config_sli_kind_str(CONFIG_SLI_PROMQL), "promql");
    assert_string_equal(config_cmp_str(CONFIG_CMP_LT), "<");
    assert_string_equal(config_cmp_str(CONFIG_CMP_LE), "<=");
    assert_string_equal(config_cmp_str(CONFIG_CMP_GT), ">");
    assert_string_equal(config_cmp_str(CONFIG_CMP_GE), ">=");
    assert_string_equal(config_cmp_str(CONFIG_CMP_EQ), "==");
    assert_string_equal(config_cmp_str(CONFIG_CMP_NE), "!=");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_config_loads_every_field),
        cmocka_unit_test(test_defaults_are_filled_in),
        cmocka_unit_test(test_default_alert_table_is_the_sre_workbook_one),
        cmocka_unit_test(test_json_config_loads),
        cmocka_unit_test(test_bom_and_crlf_line_ends_are_accepted),
        cmocka_unit_test(test_json_quoted_number_is_a_string),
        cmocka_unit_test(test_objective_ratio_is_the_closest_double),
        cmocka_unit_test(test_objective_100_is_rejected),
        cmocka_unit_test(test_objective_zero_and_negative_are_rejected),
        cmocka_unit_test(test_number_fields_reject_strings_and_text),
        cmocka_unit_test(test_bool_field_accepts_only_true_and_false),
        cmocka_unit_test(test_wrong_node_types_are_reported),
        cmocka_unit_test(test_root_must_be_a_mapping),
        cmocka_unit_test(test_unknown_keys_are_reported_at_every_depth),
        cmocka_unit_test(test_duplicate_keys_are_reported),
        cmocka_unit_test(test_duplicate_slo_names_are_reported),
        cmocka_unit_test(test_several_errors_are_reported_in_file_order),
        cmocka_unit_test(test_missing_required_sections),
        cmocka_unit_test(test_multiple_documents_are_rejected),
        cmocka_unit_test(test_empty_documents_are_rejected),
        cmocka_unit_test(test_yaml_syntax_errors_have_a_position),
        cmocka_unit_test(test_invalid_utf8_is_reported),
        cmocka_unit_test(test_missing_file_is_reported),
        cmocka_unit_test(test_a_directory_merges_its_files),
        cmocka_unit_test(test_no_store_is_for_check_and_rules_only),
        cmocka_unit_test(test_file_larger_than_the_cap_is_rejected),
        cmocka_unit_test(test_load_reads_a_file_and_names_it_in_messages),
        cmocka_unit_test(test_interval_rules),
        cmocka_unit_test(test_prometheus_url_rules),
        cmocka_unit_test(test_prometheus_retries_rules),
        cmocka_unit_test(test_webhooks),
        cmocka_unit_test(test_group_limits),
        cmocka_unit_test(test_prometheus_mode_and_read_path_rules),
        cmocka_unit_test(test_api_read_mode_and_read_settings),
        cmocka_unit_test(test_headers_refuse_authorization_and_bad_names),
        cmocka_unit_test(test_auth_options_are_exclusive_and_complete),
        cmocka_unit_test(test_tls_cert_and_key_go_together),
        cmocka_unit_test(test_global_status_rules),
        cmocka_unit_test(test_reserved_and_invalid_label_names_are_rejected),
        cmocka_unit_test(test_every_reserved_label_is_refused),
        cmocka_unit_test(test_group_by_rules),
        cmocka_unit_test(test_slo_name_and_service_rules),
        cmocka_unit_test(test_nul_escape_in_a_string_is_rejected),
        cmocka_unit_test(test_calendar_periods_are_accepted),
        cmocka_unit_test(test_timezone_loads_the_zone),
        cmocka_unit_test(test_timezone_errors),
        cmocka_unit_test(test_period_rules),
        cmocka_unit_test(test_period_shorter_than_default_windows_is_accepted),
        cmocka_unit_test(test_short_period_is_fine_with_fitting_windows),
        cmocka_unit_test(test_sli_needs_exactly_one_kind),
        cmocka_unit_test(test_events_need_one_of_error_or_good_plus_total),
        cmocka_unit_test(test_invalid_selector_reports_the_selector_error),
        cmocka_unit_test(test_latency_needs_base_name_and_positive_threshold),
        cmocka_unit_test(test_timeslice_defaults),
        cmocka_unit_test(test_timeslice_op_and_slice_rules),
        cmocka_unit_test(test_unquoted_not_equal_op_gets_a_quoting_hint),
        cmocka_unit_test(test_timeslice_custom_windows_must_be_multiples_of_the_slice),
        cmocka_unit_test(test_promql_sli_rules),
        cmocka_unit_test(test_remote_read_mode_rejects_promql_sli),
        cmocka_unit_test(test_custom_alert_windows_replace_the_default_table),
        cmocka_unit_test(test_alert_window_errors),
        cmocka_unit_test(test_alert_route_label_names_are_checked),
        cmocka_unit_test(test_alert_switches_default_to_on),
        cmocka_unit_test(test_alert_switch_false_turns_one_alert_off),
        cmocka_unit_test(test_global_alert_switch_is_the_default),
        cmocka_unit_test(test_global_alert_switch_reaches_other_files),
        cmocka_unit_test(test_alert_switch_errors),
        cmocka_unit_test(test_dashboard_and_runbook_urls_load),
        cmocka_unit_test(test_dashboard_and_runbook_url_rules),
        cmocka_unit_test(test_null_optional_sections_count_as_absent),
        cmocka_unit_test(test_anchors_and_aliases_work_and_cycles_end),
        cmocka_unit_test(test_alias_bomb_is_refused_before_the_walk),
        cmocka_unit_test(test_aliases_of_long_text_are_refused),
        cmocka_unit_test(test_deep_nesting_is_refused_before_loading),
        cmocka_unit_test(test_anchors_aliases_directives_and_tokens_are_limited),
        cmocka_unit_test(test_labels_group_by_and_slos_are_limited),
        cmocka_unit_test(test_errors_past_the_limit_are_counted),
        cmocka_unit_test(test_errors_append_and_null_errs_is_allowed),
        cmocka_unit_test(test_every_allocation_failure_is_reported_without_leaks),
        cmocka_unit_test(test_allocation_failures_with_links_are_reported_without_leaks),
        cmocka_unit_test(test_allocation_failures_with_timezone_are_reported_without_leaks),
        cmocka_unit_test(test_enum_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
