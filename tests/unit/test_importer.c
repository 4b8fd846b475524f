/*
 * Unit tests for importer: Sloth prometheus/v1 and OpenSLO v1 into the
 * config, field by field: which SLI kind each query shape becomes, names,
 * labels, alert routes, periods, objectives, what is reported (level,
 * position, words) and what is skipped, the YAML writer's quoting read back
 * through config_parse, input limits, the example files of
 * tests/data/import/, and every allocation failure in turn.
 */
/* RTLD_NEXT, for the failing allocator. */
#define _GNU_SOURCE
#include "testutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "failalloc.h"
#include "importer.h"

#define SLOTH IMPORTER_SLOTH
#define OSLO IMPORTER_OPENSLO
#define PYRRA IMPORTER_PYRRA

/* Lines 1-3 of a Sloth spec; the SLOs start at line 4. */
#define SLOTH_HEAD                                                                                \
    "version: prometheus/v1\n"                                                                    \
    "service: shop\n"                                                                             \
    "slos:\n"

/* An SLO entry of 6 lines with an events SLI of plain counters. */
#define SLOTH_EVENTS(name)                                                                        \
    "  - name: " name "\n"                                                                        \
    "    objective: 99.9\n"                                                                       \
    "    sli:\n"                                                                                  \
    "      events:\n"                                                                             \
    "        error_query: sum(rate(err_total[{{.window}}]))\n"                                    \
    "        total_query: sum(rate(req_total[{{.window}}]))\n"

/* Lines 1-4 of an OpenSLO SLO document. */
#define OSLO_HEAD(name)                                                                           \
    "apiVersion: openslo/v1\n"                                                                    \
    "kind: SLO\n"                                                                                 \
    "metadata: {name: " name "}\n"                                                                \
    "spec:\n"

/* An OpenSLO spec body (after OSLO_HEAD) with a counter ratio and one target. */
#define OSLO_RATIO                                                                                \
    "  service: shop\n"                                                                           \
    "  indicator:\n"                                                                              \
    "    metadata: {name: i}\n"                                                                   \
    "    spec:\n"                                                                                 \
    "      ratioMetric:\n"                                                                        \
    "        counter: true\n"                                                                     \
    "        bad: {metricSource: {type: Prometheus, spec: {query: 'err_total{a=\"b\"}'}}}\n"      \
    "        total: {metricSource: {type: Prometheus, spec: {query: req_total}}}\n"               \
    "  timeWindow: [{duration: 28d, isRolling: true}]\n"                                          \
    "  budgetingMethod: Occurrences\n"                                                            \
    "  objectives: [{target: 0.99}]\n"

static int conv(enum importer_format f, const char *in, struct importer_result *r)
{
    importer_result_init(r);
    return importer_convert(f, "in.yaml", in, strlen(in), r);
}

/* Prints r (stdio, not print_message, which cuts long texts). */
static void dump(const struct importer_result *r)
{
    for (size_t i = 0; i < r->n; i++)
        printf("  msg[%d]: %s\n", (int)r->msg[i].level, r->msg[i].text);
    printf("--- output:\n%s\n", r->output ? r->output : "(none)");
    fflush(stdout);
}

static int find_msg(const struct importer_result *r, enum importer_level lv, const char *text)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->msg[i].level == lv && strstr(r->msg[i].text, text) != NULL)
            return 1;
    return 0;
}

/* Fails unless a message of level lv contains text. */
static void want_msg(const struct importer_result *r, enum importer_level lv, const char *text)
{
    if (!find_msg(r, lv, text)) {
        dump(r);
        fail_msg("no message of level %d with: %s", (int)lv, text);
    }
}

static void want_no_msg(const struct importer_result *r, enum importer_level lv, const char *text)
{
    if (find_msg(r, lv, text)) {
        dump(r);
        fail_msg("unexpected message of level %d with: %s", (int)lv, text);
    }
}

/* Fails unless the messages are exactly these, in order. */
static void want_msgs(const struct importer_result *r, const char *const *texts, size_t n)
{
    int same = r->n == n;

    for (size_t i = 0; same && i < n; i++)
        same = strcmp(r->msg[i].text, texts[i]) == 0;
    if (!same) {
        dump(r);
        for (size_t i = 0; i < n; i++)
            print_message("  want[%zu]: %s\n", i, texts[i]);
        fail_msg("messages differ");
    }
}

static void want_out(const struct importer_result *r, const char *needle)
{
    if (r->output == NULL || strstr(r->output, needle) == NULL) {
        dump(r);
        fail_msg("output lacks: %s", needle);
    }
}

static void want_not_out(const struct importer_result *r, const char *needle)
{
    if (r->output != NULL && strstr(r->output, needle) != NULL) {
        dump(r);
        fail_msg("output has: %s", needle);
    }
}

/* The output with the placeholder URL filled in, loaded (caller frees). */
static struct config *load(const struct importer_result *r)
{
    const char *ph = IMPORTER_URL_PLACEHOLDER;
    struct config *cfg = NULL;
    struct config_errors errs;
    char *at, *text;

    if (r->output == NULL) {
        dump(r);
        fail_msg("no output");
    }
    at = strstr(r->output, ph);
    assert_non_null(at);
    text = util_asprintf("%.*shttp://prom:9090%s", (int)(at - r->output), r->output,
                         at + strlen(ph));
    assert_non_null(text);
    config_errors_init(&errs);
    if (config_parse("out.yaml", text, strlen(text), &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("  load: %s\n", errs.msg[i]);
        dump(r);
        fail_msg("the output does not load");
    }
    free(text);
    assert_int_equal(cfg->nslos, r->nslos_out);
    return cfg;
}

/* Converts in, which must give exactly one SLO, and loads it (caller frees). */
static struct config *one(enum importer_format f, const char *in, struct importer_result *r)
{
    struct config *cfg;

    if (conv(f, in, r) != 0) {
        dump(r);
        fail_msg("the conversion failed");
    }
    cfg = load(r);
    assert_int_equal(cfg->nslos, 1);
    return cfg;
}

/* Converts in, which must give at least one SLO, and loads it (caller frees). */
static struct config *some(enum importer_format f, const char *in, struct importer_result *r)
{
    if (conv(f, in, r) != 0) {
        dump(r);
        fail_msg("the conversion failed");
    }
    return load(r);
}

/* ---- Sloth ---- */

static void test_sloth_rate_of_selector_becomes_events(void **state)
{
    static const char in[] = SLOTH_HEAD
        "  - name: avail\n"
        "    objective: 99.9\n"
        "    description: Requests that do not fail\n"
        "    sli:\n"
        "      events:\n"
        "        error_query: 'sum( rate(req_total{code=~\"5..\"}[{{ .window }}]) )'\n"
        "        total_query: |\n"
        "          sum(\n"
        "            increase(req_total [ {{.window}} ])\n"
        "          )\n";
    struct importer_result r;
    struct config *cfg = one(SLOTH, in, &r);
    const struct config_slo *s = &cfg->slos[0];

    (void)state;
    assert_string_equal(s->name, "shop-avail");
    assert_string_equal(s->service, "shop");
    assert_string_equal(s->description, "Requests that do not fail");
    assert_close(s->objective, 0.999);
    assert_string_equal(s->period_name, "30d");
    assert_int_equal(s->kind, CONFIG_SLI_EVENTS);
    assert_string_equal(s->events.error, "req_total{code=~\"5..\"}");
    assert_string_equal(s->events.total, "req_total");
    assert_int_equal(s->nwindows, 4); /* Sloth's 30d table is the default one */
    assert_int_equal(r.ndropped + r.nskipped, 0);
    assert_int_equal(r.n, 0);
    assert_int_equal(r.nslos_in, 1);
    assert_int_equal(r.nslos_out, 1);
    /* Selector SLIs allow remote_read; the skeleton says so. */
    want_out(&r, "# mode: remote_read");
    want_out(&r, "url: " IMPORTER_URL_PLACEHOLDER);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_other_queries_stay_promql(void **state)
{
    static const char *const errq[] = {
        "sum(rate(a_total[{{.window}}])) - sum(rate(b_total[{{.window}}]))",
        "sum by (job) (rate(a_total[{{.window}}]))",
        "sum(rate(a_total[{{.window}}] offset 1m))",
        "sum(irate(a_total[{{.window}}]))",
        "rate(a_total[{{.window}}])",
        "summary(rate(a_total[{{.window}}]))",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(errq) / sizeof(errq[0]); i++) {
        char *in = util_asprintf(SLOTH_HEAD
                                 "  - name: x\n"
                                 "    objective: 99\n"
                                 "    sli:\n"
                                 "      events:\n"
                                 "        error_query: '%s'\n"
                                 "        total_query: sum(rate(t_total[{{ .window}}]))\n",
                                 errq[i]);
        struct importer_result r;
        struct config *cfg;

        assert_non_null(in);
        cfg = one(SLOTH, in, &r);
        assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_PROMQL);
        assert_string_equal(cfg->slos[0].promql.error_query, errq[i]);
        /* The window is written the way the sidecar replaces it. */
        assert_string_equal(cfg->slos[0].promql.total_query, "sum(rate(t_total[{{.window}}]))");
        want_out(&r, "    mode: promql                  # the promql SLIs below need it");
        want_not_out(&r, "remote_read");
        config_free(cfg);
        importer_result_free(&r);
        free(in);
    }
}

static void test_sloth_query_without_window_is_skipped_at_its_position(void **state)
{
    static const char in[] = SLOTH_HEAD "  - name: a\n"
                                        "    objective: 99\n"
                                        "    sli:\n"
                                        "      events:\n"
                                        "        error_query: sum(rate(e_total[5m]))\n"
                                        "        total_query: sum(rate(t_total[{{.window}}]))\n"
                                        "  - name: b\n"
                                        "    objective: 99\n"
                                        "    sli:\n"
                                        "      events:\n"
                                        "        error_query: sum(rate(e_total[{{.window}}]))\n"
                                        "        total_query: sum(rate(t_total[{{.range}}]))\n";
    static const char *const want[] = {
        "in.yaml:8:22: SLO shop-a: slos[0].sli.events.error_query: SLO not converted: does not "
        "use {{.window}} (Sloth requires it)",
        "in.yaml:15:22: SLO shop-b: slos[1].sli.events.total_query: SLO not converted: a Go "
        "template action other than {{.window}}",
        "in.yaml: no SLO could be converted",
    };
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), -1);
    assert_null(r.output);
    want_msgs(&r, want, 3);
    assert_int_equal(r.nskipped, 2);
    assert_int_equal(r.nslos_in, 2);
    assert_int_equal(r.nslos_out, 0);
    importer_result_free(&r);
}

static void test_sloth_raw_ratio_becomes_a_ratio_per_window(void **state)
{
    static const char in[] = SLOTH_HEAD
        "  - name: ratio\n"
        "    objective: 99.5\n"
        "    sli:\n"
        "      raw:\n"
        "        error_ratio_query: |\n"
        "          sum(rate(e_total[{{.window}}])) / sum(rate(t_total[{{.window}}]))\n"
        "  - name: commented\n"
        "    objective: 99.5\n"
        "    sli:\n"
        "      raw:\n"
        "        error_ratio_query: |\n"
        "          sum(rate(e_total[{{.window}}])) # errors\n"
        "          / sum(rate(t_total[{{.window}}]))\n";
    struct importer_result r;
    struct config *cfg;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), 0);
    cfg = load(&r);
    assert_int_equal(cfg->nslos, 2);
    assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_PROMQL);
    /* NaN (no traffic) is dropped, so the window has no data rather than an error. */
    assert_string_equal(
        cfg->slos[0].promql.error_query,
        "(sum(rate(e_total[{{.window}}])) / sum(rate(t_total[{{.window}}]))) >= 0");
    assert_string_equal(
        cfg->slos[0].promql.total_query,
        "((sum(rate(e_total[{{.window}}])) / sum(rate(t_total[{{.window}}]))) >= 0) * 0 + 1");
    /* A PromQL comment would swallow the closing parenthesis on its line. */
    assert_string_equal(cfg->slos[1].promql.error_query,
                        "(\nsum(rate(e_total[{{.window}}])) # errors\n"
                        "/ sum(rate(t_total[{{.window}}]))\n) >= 0");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:7:7: SLO shop-ratio: note: a ratio per window: error_query is the ratio "
             "and total_query 1");
    assert_int_equal(r.ndropped + r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_plugin_is_skipped_and_others_kept(void **state)
{
    static const char in[] = SLOTH_HEAD SLOTH_EVENTS("a") "  - name: p\n"
                                                          "    objective: 99\n"
                                                          "    sli:\n"
                                                          "      plugin:\n"
                                                          "        id: sloth-common/x\n"
                                                          "        options: {k: v}\n"
                                                          "    alerting:\n"
                                                          "      name: P\n";
    static const char *const want[] = {
        "in.yaml:14:9: SLO shop-p: slos[1].sli.plugin: SLO not converted: SLI plugin "
        "\"sloth-common/x\" is Go code that only Sloth runs; write the query it generates "
        "(`sloth generate` prints it) as sli.raw.error_ratio_query and import again",
    };
    struct importer_result r;
    struct config *cfg;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), 0);
    /* The note about the alert name of the skipped SLO is left out. */
    want_msgs(&r, want, 1);
    assert_int_equal(r.nslos_in, 2);
    assert_int_equal(r.nslos_out, 1);
    assert_int_equal(r.nskipped, 1);
    cfg = load(&r);
    assert_string_equal(cfg->slos[0].name, "shop-a");
    want_out(&r, "1 of 2 SLOs");
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_names_are_service_dash_name_and_unique(void **state)
{
    static const char in[] = SLOTH_HEAD SLOTH_EVENTS("a") "  - name: 'b c'\n"
                                                          "    objective: 99\n"
                                                          "---\n" SLOTH_HEAD SLOTH_EVENTS("a");
    struct importer_result r;
    struct config *cfg;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), 0);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:10:11: slos[1].name: not converted: invalid name \"b c\"");
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:16:5: SLO shop-a: SLO not converted: an SLO of that name was converted "
             "already");
    cfg = load(&r);
    assert_int_equal(cfg->nslos, 1);
    assert_int_equal(r.nslos_in, 3);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_labels_merge_and_reserved_ones_are_dropped(void **state)
{
    static const char in[] = "version: prometheus/v1\n"
                             "service: shop\n"
                             "labels: {team: a, tier: '1', severity: x, __meta: y}\n"
                             "slos:\n"
                             "  - name: a\n"
                             "    objective: 99\n"
                             "    labels: {team: b, owner: c, le: z}\n"
                             "    sli:\n"
                             "      events:\n"
                             "        error_query: sum(rate(e_total[{{.window}}]))\n"
                             "        total_query: sum(rate(t_total[{{.window}}]))\n";
    struct importer_result r;
    struct config *cfg = one(SLOTH, in, &r);
    const struct labels *l = &cfg->slos[0].labels;

    (void)state;
    assert_int_equal(l->n, 3);
    assert_string_equal(labels_get(l, "team"), "b");
    assert_string_equal(labels_get(l, "tier"), "1");
    assert_string_equal(labels_get(l, "owner"), "c");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:3:30: labels: not converted: label \"severity\" is one the sidecar sets on "
             "its series itself");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:3:43: labels: not converted: label names starting "
             "with \"__\" are reserved (\"__meta\")");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:7:33: SLO shop-a: slos[0].labels: not converted: "
             "label \"le\" is one the sidecar sets");
    assert_int_equal(r.ndropped, 3);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_alert_routes_merge_like_sloth(void **state)
{
    static const char in[] = SLOTH_HEAD SLOTH_EVENTS("a") "    alerting:\n"
                                                          "      name: A\n"
                                                          "      labels: {category: x, severity: "
                                                          "base}\n"
                                                          "      annotations: {summary: s, "
                                                          "runbook: 'https://r'}\n"
                                                          "      page_alert:\n"
                                                          "        labels: {severity: critical}\n"
                                                          "      ticket_alert:\n"
                                                          "        annotations: {summary: t}\n";
    struct importer_result r;
    struct config *cfg = one(SLOTH, in, &r);
    const struct config_slo *s = &cfg->slos[0];

    (void)state;
    assert_string_equal(labels_get(&s->page.labels, "category"), "x");
    assert_string_equal(labels_get(&s->page.labels, "severity"), "critical");
    assert_string_equal(labels_get(&s->page.annotations, "summary"), "s");
    assert_string_equal(labels_get(&s->page.annotations, "runbook"), "https://r");
    assert_string_equal(labels_get(&s->ticket.labels, "severity"), "base");
    assert_string_equal(labels_get(&s->ticket.annotations, "summary"), "t");
    assert_string_equal(labels_get(&s->ticket.annotations, "runbook"), "https://r");
    assert_int_equal(s->nwindows, 4);
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:11:13: SLO shop-a: slos[0].alerting.name: note: the sidecar's alerts are "
             "named SLOErrorBudgetBurnPage and SLOErrorBudgetBurnTicket (slo=\"shop-a\"), not A");
    assert_int_equal(r.ndropped + r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_disabled_alert_is_switched_off(void **state)
{
    static const char *const which[] = {"page_alert", "ticket_alert"};

    (void)state;
    for (int w = 0; w < 2; w++) {
        char *in = util_asprintf(SLOTH_HEAD SLOTH_EVENTS("a") "    alerting:\n"
                                                              "      %s:\n"
                                                              "        disable: true\n"
                                                              "        labels: {gone: x}\n",
                                 which[w]);
        struct importer_result r;
        struct config *cfg;
        const struct config_slo *s;

        assert_non_null(in);
        cfg = one(SLOTH, in, &r);
        s = &cfg->slos[0];
        assert_int_equal(config_alert_enabled(s, CONFIG_SEVERITY_PAGE), w != 0);
        assert_int_equal(config_alert_enabled(s, CONFIG_SEVERITY_TICKET), w == 0);
        /* The default table stays: the switch turns the alert off. */
        assert_int_equal(s->nwindows, 4);
        want_out(&r, w == 0 ? "      page: false\n" : "      ticket: false\n");
        want_not_out(&r, "gone");
        assert_int_equal(r.ndropped + r.nskipped, 0);
        config_free(cfg);
        importer_result_free(&r);
        free(in);
    }
}

static void test_sloth_both_alerts_disabled_are_both_off(void **state)
{
    static const char in[] = SLOTH_HEAD SLOTH_EVENTS("a") "    alerting:\n"
                                                          "      page_alert: {disable: true}\n"
                                                          "      ticket_alert: {disable: true}\n";
    struct importer_result r;
    struct config *cfg = one(SLOTH, in, &r);

    (void)state;
    assert_false(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_PAGE));
    assert_false(config_alert_enabled(&cfg->slos[0], CONFIG_SEVERITY_TICKET));
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:11:7: SLO shop-a: slos[0].alerting: note: both alerts are disabled: "
             "written as alerting.page: false and ticket: false");
    assert_int_equal(r.ndropped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_objective_outside_the_sidecars_range_is_skipped(void **state)
{
    static const char *const objs[] = {"100", "0", "'99.9'", "-1", "abc", ".nan"};
    static const char *const words[] = {
        "100: the sidecar's objective is above 0 and below 100",
        "0: the sidecar's objective is above 0 and below 100",
        "expected a number, got the string \"99.9\"",
        "-1: the sidecar's objective",
        "expected a number, got abc",
        "expected a number, got .nan",
    };

    (void)state;
    for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
        char *in = util_asprintf(SLOTH_HEAD "  - name: a\n"
                                            "    objective: %s\n"
                                            "    sli:\n"
                                            "      events:\n"
                                            "        error_query: sum(rate(e[{{.window}}]))\n"
                                            "        total_query: sum(rate(t[{{.window}}]))\n",
                                 objs[i]);
        struct importer_result r;

        assert_non_null(in);
        assert_int_equal(conv(SLOTH, in, &r), -1);
        want_msg(&r, IMPORTER_SKIPPED,
                 "in.yaml:5:16: SLO shop-a: slos[0].objective: SLO not "
                 "converted: ");
        want_msg(&r, IMPORTER_SKIPPED, words[i]);
        importer_result_free(&r);
        free(in);
    }
}

static void test_sloth_unknown_field_note_survives_the_skip(void **state)
{
    static const char in[] = SLOTH_HEAD
        "  - name: a\n"
        "    objectve: 99\n"
        "    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', "
        "total_query: 'sum(rate(t[{{.window}}]))'}}\n"
        "    alerting: {name: A}\n";
    static const char *const want[] = {
        ("in.yaml:4:5: SLO shop-a: slos[0]: SLO not converted: missing required field "
         "\"objective\""),
        "in.yaml:5:5: slos[0]: note: unknown field \"objectve\"; ignored",
        "in.yaml: no SLO could be converted",
    };
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), -1);
    want_msgs(&r, want, 3);
    importer_result_free(&r);
}

static void test_sloth_documents_that_are_not_sloth(void **state)
{
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(SLOTH, "version: prometheus/v2\nservice: a\nslos: []\n", &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:10: not converted: version is \"prometheus/v2\", not prometheus/v1; "
             "document skipped");
    want_msg(&r, IMPORTER_ERROR,
             "in.yaml: no Sloth prometheus/v1 spec or PrometheusServiceLevel to convert");
    importer_result_free(&r);
    assert_int_equal(conv(SLOTH, OSLO_HEAD("x") OSLO_RATIO, &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:1: not converted: this is OpenSLO (apiVersion "
             "openslo/v1); use --from=openslo");
    importer_result_free(&r);
    assert_int_equal(
        conv(SLOTH, "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec: {}\n", &r),
        -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:3:7: spec: not converted: missing required field \"service\"");
    importer_result_free(&r);
    assert_int_equal(conv(SLOTH, "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\n",
                          &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:1: not converted: this is a Pyrra resource (apiVersion "
             "pyrra.dev/v1alpha1); use --from=pyrra");
    importer_result_free(&r);
    /* A list whose items are not all objects is not a list of documents. */
    assert_int_equal(conv(SLOTH, "- a\n- b\n", &r), -1);
    want_msg(&r, IMPORTER_SKIPPED, "in.yaml:1:1: not converted: expected a mapping with version");
    importer_result_free(&r);
    assert_int_equal(conv(SLOTH, "version: prometheus/v1\nslos: [{name: a}]\n", &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:1: not converted: missing required field "
             "\"service\"");
    /* The SLOs are still read: every reason in one run. */
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:2:8: SLO ?-a: slos[0]: SLO not converted: missing required field "
             "\"objective\"");
    assert_int_equal(r.nslos_in, 1);
    importer_result_free(&r);
}

static void test_bad_yaml_and_empty_input_fail_with_a_position(void **state)
{
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(SLOTH, "version: prometheus/v1\nslos: [a\n", &r), -1);
    assert_null(r.output);
    want_msg(&r, IMPORTER_ERROR, "in.yaml:3:1: yaml: did not find expected ',' or ']'");
    importer_result_free(&r);
    assert_int_equal(conv(OSLO, "", &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml: empty input: no YAML document");
    importer_result_free(&r);
    assert_int_equal(conv(OSLO, "---\n...\n---\n", &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml: empty input");
    importer_result_free(&r);
    importer_result_init(&r);
    assert_int_equal(importer_convert(SLOTH, "in.yaml", "a: \xff\n", 6, &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml:1:4: yaml: invalid leading UTF-8 octet");
    importer_result_free(&r);
    importer_result_init(&r);
    assert_int_equal(importer_convert(SLOTH, "in.yaml", NULL, 0, &r), -1);
    importer_result_free(&r);
}

/* ---- OpenSLO ---- */

static void test_openslo_counter_selectors_become_events(void **state)
{
    struct importer_result r;
    struct config *cfg = one(OSLO, OSLO_HEAD("errors") OSLO_RATIO, &r);
    const struct config_slo *s = &cfg->slos[0];

    (void)state;
    assert_string_equal(s->name, "errors");
    assert_string_equal(s->service, "shop");
    assert_string_equal(s->period_name, "28d");
    assert_close(s->objective, 0.99);
    assert_int_equal(s->kind, CONFIG_SLI_EVENTS);
    assert_string_equal(s->events.error, "err_total{a=\"b\"}");
    assert_string_equal(s->events.total, "req_total");
    assert_int_equal(r.n, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_good_and_sum_of_selector(void **state)
{
    static const char in[] =
        OSLO_HEAD("lat") "  service: search\n"
                         "  indicator:\n"
                         "    spec:\n"
                         "      ratioMetric:\n"
                         "        counter: true\n"
                         "        good: {metricSource: {type: prometheus, spec: {query: "
                         "'sum(d_bucket{le=\"0.25\"})'}}}\n"
                         "        total: {metricSource: {type: Prometheus, spec: {query: ' "
                         "sum ( d_count ) '}}}\n"
                         "  timeWindow: [{duration: 1w, isRolling: true}]\n"
                         "  budgetingMethod: Occurrences\n"
                         "  objectives: [{target: 0.9995}]\n";
    struct importer_result r;
    struct config *cfg = one(OSLO, in, &r);
    const struct config_slo *s = &cfg->slos[0];

    (void)state;
    assert_int_equal(s->kind, CONFIG_SLI_EVENTS);
    assert_string_equal(s->events.good, "d_bucket{le=\"0.25\"}");
    assert_string_equal(s->events.total, "d_count");
    assert_string_equal(s->period_name, "7d");
    want_out(&r, "    objective: 99.95\n");
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_indicator_ref_and_datasource_type(void **state)
{
    static const char in[] =
        "apiVersion: openslo/v1\n"
        "kind: DataSource\n"
        "metadata: {name: prom}\n"
        "spec: {type: Prometheus, connectionDetails: {url: 'http://p:9090'}}\n"
        "---\n"
        "apiVersion: openslo/v1\n"
        "kind: SLO\n"
        "metadata: {name: a, displayName: \"Checkout\\navailability\"}\n"
        "spec:\n"
        "  service: checkout\n"
        "  indicatorRef: errs\n"
        "  timeWindow: [{duration: 30d, isRolling: true}]\n"
        "  budgetingMethod: Occurrences\n"
        "  objectives: [{target: 0.999}]\n"
        "---\n"
        "apiVersion: openslo/v1\n"
        "kind: SLI\n"
        "metadata: {name: errs}\n"
        "spec:\n"
        "  ratioMetric:\n"
        "    counter: true\n"
        "    bad: {metricSource: {metricSourceRef: prom, spec: {query: e_total}}}\n"
        "    total: {metricSource: {metricSourceRef: prom, spec: {query: t_total}}}\n";
    struct importer_result r;
    struct config *cfg = one(OSLO, in, &r);

    (void)state;
    assert_string_equal(cfg->slos[0].events.error, "e_total");
    assert_string_equal(cfg->slos[0].events.total, "t_total");
    assert_int_equal(r.ndropped + r.nskipped, 0);
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:2:7: note: DataSource prom: connection details are not "
             "converted; fill in global.prometheus");
    /* The display name goes into the comment, its line break made a space. */
    want_out(&r, "  # OpenSLO SLO a \"Checkout availability\" (in.yaml:6)\n");
    want_no_msg(&r, IMPORTER_NOTE, "not used by any SLO");
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_unresolved_references_are_skipped(void **state)
{
    static const char in[] =
        OSLO_HEAD("a") "  service: s\n"
                       "  indicatorRef: nope\n"
                       "  timeWindow: [{duration: 30d, isRolling: true}]\n"
                       "  budgetingMethod: Occurrences\n"
                       "  objectives: [{target: 0.9}]\n"
                       "---\n" OSLO_HEAD("b") "  service: s\n"
                                              "  indicator:\n"
                                              "    spec:\n"
                                              "      ratioMetric:\n"
                                              "        counter: true\n"
                                              "        bad: {metricSource: {metricSourceRef: ds, "
                                              "spec: {query: e}}}\n"
                                              "        total: {metricSource: {type: Prometheus, "
                                              "spec: {query: t}}}\n"
                                              "  timeWindow: [{duration: 30d}]\n"
                                              "  budgetingMethod: Occurrences\n"
                                              "  objectives: [{target: 0.9}]\n";
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(OSLO, in, &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:6:17: SLO a: spec.indicatorRef: SLO not converted: "
             "no SLI document \"nope\" in the file");
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:20:47: SLO b: spec.indicator.spec.ratioMetric.bad.metricSource: SLO not "
             "converted: no type, and no DataSource \"ds\" in the file to take it from");
    assert_int_equal(r.nslos_in, 2);
    importer_result_free(&r);
}

static void test_openslo_window_queries_become_promql(void **state)
{
    static const char in[] =
        OSLO_HEAD("w") "  service: s\n"
                       "  indicator:\n"
                       "    spec:\n"
                       "      ratioMetric:\n"
                       "        good: {metricSource: {type: Prometheus, spec: {query: "
                       "'sum(rate(ok_total[{{ .window }}]))'}}}\n"
                       "        total: {metricSource: {type: Prometheus, spec: {query: "
                       "'sum(rate(all_total[{{.window}}]))'}}}\n"
                       "  timeWindow: [{duration: 28d, isRolling: true}]\n"
                       "  budgetingMethod: Occurrences\n"
                       "  objectives: [{targetPercent: 99.9}]\n";
    struct importer_result r;
    struct config *cfg = one(OSLO, in, &r);

    (void)state;
    assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_PROMQL);
    assert_string_equal(cfg->slos[0].promql.good_query, "sum(rate(ok_total[{{.window}}]))");
    assert_string_equal(cfg->slos[0].promql.total_query, "sum(rate(all_total[{{.window}}]))");
    assert_close(cfg->slos[0].objective, 0.999);
    config_free(cfg);
    importer_result_free(&r);
}

/* Converts an OpenSLO ratioMetric body (8-space indented lines). */
static int ratio_case(const char *body, struct importer_result *r)
{
    char *in = util_asprintf(OSLO_HEAD("r") "  service: s\n"
                                            "  indicator:\n"
                                            "    spec:\n"
                                            "      ratioMetric:\n"
                                            "%s"
                                            "  timeWindow: [{duration: 28d, isRolling: true}]\n"
                                            "  budgetingMethod: Occurrences\n"
                                            "  objectives: [{target: 0.99}]\n",
                             body);
    int rc;

    assert_non_null(in);
    rc = conv(OSLO, in, r);
    free(in);
    return rc;
}

#define MS(q) "{metricSource: {type: Prometheus, spec: {query: '" q "'}}}"

static void test_openslo_ratio_queries_that_cannot_be_counted(void **state)
{
    struct importer_result r;

    (void)state;
    /* counter: false */
    assert_int_equal(ratio_case("        counter: false\n"
                                "        bad: " MS("e_total") "\n"
                                                              "        total: " MS("t_total") "\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:9:18: SLO r: spec.indicator.spec.ratioMetric.counter: "
             "SLO not converted: counter: false");
    importer_result_free(&r);
    /* An expression without a window. */
    assert_int_equal(ratio_case("        counter: true\n"
                                "        bad: " MS("sum(rate(e_total[5m]))") "\n"
                                                                             "        total: " MS(
                                                                                 "t_total") "\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "spec.indicator.spec.ratioMetric.bad: SLO not converted: not a "
             "selector: an OpenSLO query has no window");
    importer_result_free(&r);
    /* {{.window}} in one query only. */
    assert_int_equal(
        ratio_case("        bad: " MS("sum(rate(e_total[{{.window}}]))") "\n"
                                                                         "        total: " MS(
                                                                             "t_total") "\n",
                   &r),
        -1);
    want_msg(&r, IMPORTER_SKIPPED, "{{.window}} in only one of the queries");
    importer_result_free(&r);
    /* Both good and bad. */
    assert_int_equal(ratio_case("        good: " MS("g_total") "\n"
                                                               "        bad: " MS(
                                                                   "e_total") "\n"
                                                                              "        total: " MS(
                                                                                  "t_total") "\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED, "needs exactly one of good and bad, or raw");
    importer_result_free(&r);
    /* No counter field and names that do not say counter. */
    assert_int_equal(ratio_case("        bad: " MS("errors") "\n"
                                                             "        total: " MS("requests") "\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED, "counter is not set and the metric names do not end in _total");
    importer_result_free(&r);
    /* A raw ratio without a window. */
    assert_int_equal(ratio_case("        rawType: failure\n"
                                "        raw: " MS("slo:error_ratio:rate5m") "\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED, "a stored ratio without {{.window}}");
    importer_result_free(&r);
    /* Not Prometheus. */
    assert_int_equal(ratio_case("        bad: {metricSource: {type: Datadog, spec: {query: x}}}\n"
                                "        total: {metricSource: {spec: {query: y}}}\n",
                                &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:9:36: SLO r: spec.indicator.spec.ratioMetric.bad."
             "metricSource: SLO not converted: a Datadog metric source");
    want_msg(&r, IMPORTER_SKIPPED, "no type and no metricSourceRef");
    importer_result_free(&r);
}

static void test_openslo_ratio_queries_that_convert(void **state)
{
    struct importer_result r;
    struct config *cfg;

    (void)state;
    /* Counter names without the counter field: converted, with a note. */
    assert_int_equal(ratio_case("        bad: " MS("e_total") "\n"
                                                              "        total: " MS("t_count") "\n",
                                &r),
                     0);
    want_msg(&r, IMPORTER_NOTE, "counter is not set; the selectors are read as counters");
    cfg = load(&r);
    assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_EVENTS);
    config_free(cfg);
    importer_result_free(&r);
    /* A raw success ratio with the window. */
    assert_int_equal(ratio_case("        rawType: success\n"
                                "        raw: " MS("avg_over_time(ok_ratio[{{.window}}])") "\n",
                                &r),
                     0);
    cfg = load(&r);
    assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_PROMQL);
    assert_string_equal(cfg->slos[0].promql.good_query,
                        "(avg_over_time(ok_ratio[{{.window}}])) >= 0");
    want_msg(&r, IMPORTER_NOTE, "a ratio per window");
    config_free(cfg);
    importer_result_free(&r);
}

/* Converts an OpenSLO ratio SLO with the given timeWindow list item. */
static int window_case(const char *tw, struct importer_result *r)
{
    char *in = util_asprintf(
        OSLO_HEAD("p") "  service: shop\n"
                       "  indicator:\n"
                       "    spec:\n"
                       "      ratioMetric:\n"
                       "        counter: true\n"
                       "        bad: " MS(
                           "e_total") "\n"
                                      "        total: " MS(
                                          "t_total") "\n"
                                                     "  timeWindow:\n"
                                                     "    - %s\n"
                                                     "  budgetingMethod: Occurrences\n"
                                                     "  objectives: [{target: 0.99}]\n",
        tw);
    int rc;

    assert_non_null(in);
    rc = conv(OSLO, in, r);
    free(in);
    return rc;
}

static void test_openslo_time_windows(void **state)
{
    static const struct {
        const char *tw;
        const char *period; /* NULL: skipped, with words in msg */
        const char *msg;
    } cases[] = {
        {"{duration: 30d, isRolling: true}", "30d", NULL},
        {"{duration: 4w, isRolling: true}", "28d", NULL},
        {"{duration: 60m, isRolling: true}", "1h", NULL},
        {"{duration: 36h}", "1d12h", NULL},
        {"{duration: 30m, isRolling: true}", NULL, "30m: the sidecar's periods are at least 1h"},
        {"{duration: 1M, isRolling: true}", NULL, "a rolling month has no fixed length"},
        {"{duration: 1Y, isRolling: true}", NULL, "a rolling year has no fixed length"},
        {"{duration: 30s, isRolling: true}", NULL, "is not an OpenSLO duration"},
        {"{duration: '-1d'}", NULL, "is not an OpenSLO duration"},
        {"{duration: 1w, isRolling: false}", "calendar_week", "UTC assumed"},
        {"{duration: 7d, calendar: {startTime: '2024-01-01 00:00:00', timeZone: UTC}}",
         "calendar_week", NULL},
        {"{duration: 1w, calendar: {startTime: '2024-01-02 00:00:00', timeZone: UTC}}", NULL,
         "2024-01-02 00:00:00: the sidecar's weeks begin on Mondays at 00:00; a budget counted "
         "from another day is another SLO. To count the sidecar's weeks, write startTime: "
         "2024-01-01 00:00:00 (the start of the week it is in)"},
        {"{duration: 1w, calendar: {startTime: '2024-03-03 00:00:00', timeZone: UTC}}", NULL,
         "write startTime: 2024-02-26 00:00:00"},
        {"{duration: 1w, calendar: {startTime: '2025-01-01 08:00:00', timeZone: UTC}}", NULL,
         "write startTime: 2024-12-30 00:00:00"},
        {"{duration: 1M, calendar: {startTime: 2024-03-01 00:00:00, timeZone: Etc/UTC}}",
         "calendar_month", NULL},
        {"{duration: 1M, calendar: {startTime: 2024-03-01T12:00:00, timeZone: UTC}}", NULL,
         "the sidecar's months begin on the 1st at 00:00"},
        {"{duration: 1Q, calendar: {startTime: 2024-04-01 00:00:00}}", "calendar_quarter",
         "no timeZone; UTC assumed"},
        {"{duration: 3M, calendar: {startTime: 2024-02-01 00:00:00, timeZone: UTC}}", NULL,
         "the 1st of January, April, July and October at 00:00; a budget counted from another "
         "day is another SLO. To count the sidecar's quarters, write startTime: 2024-01-01 "
         "00:00:00 (the start of the quarter it is in)"},
        {"{duration: 1M, calendar: {timeZone: America/New_York}}", "calendar_month", NULL},
        {"{duration: 1M, calendar: {timeZone: Europe/Atlantis}}", NULL,
         "unknown time zone \"Europe/Atlantis\""},
        {"{duration: 1Y, calendar: {timeZone: UTC}}", NULL,
         "a calendar window of 1Y; the sidecar's calendar periods are a week"},
        {"{duration: 1M, calendar: {startTime: soon}}", NULL, "is not a date and time"},
        {"{duration: 1d, isRolling: true, calendar: {timeZone: UTC}}", NULL,
         "isRolling: true with a calendar"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct importer_result r;
        int rc = window_case(cases[i].tw, &r);

        if ((rc == 0) != (cases[i].period != NULL)) {
            dump(&r);
            fail_msg("%s: rc %d", cases[i].tw, rc);
        }
        if (cases[i].period != NULL) {
            struct config *cfg = load(&r);

            assert_string_equal(cfg->slos[0].period_name, cases[i].period);
            /* A zone other than UTC is carried over as timezone. */
            if (strstr(cases[i].tw, "America/New_York") != NULL)
                assert_string_equal(cfg->slos[0].timezone, "America/New_York");
            else
                assert_null(cfg->slos[0].timezone);
            config_free(cfg);
        }
        if (cases[i].msg != NULL)
            want_msg(&r, cases[i].period ? IMPORTER_NOTE : IMPORTER_SKIPPED, cases[i].msg);
        importer_result_free(&r);
    }
}

static void test_openslo_objectives_become_one_slo_each(void **state)
{
    static const char in[] = OSLO_HEAD(
        "checkout") "  service: shop\n"
                    "  indicator:\n"
                    "    spec:\n"
                    "      ratioMetric:\n"
                    "        counter: true\n"
                    "        bad: " MS(
                        "e_total") "\n"
                                   "        total: " MS(
                                       "t_total") "\n"
                                                  "  timeWindow: [{duration: 30d, isRolling: "
                                                  "true}]\n"
                                                  "  budgetingMethod: Occurrences\n"
                                                  "  objectives:\n"
                                                  "    - {displayName: 'Strict Target!', target: "
                                                  "0.9995}\n"
                                                  "    - {target: 0.99}\n"
                                                  "    - {displayName: '  ', targetPercent: 95}\n"
                                                  "    - {displayName: loose, target: 1}\n"
                                                  "    - {displayName: both, target: 0.9, "
                                                  "targetPercent: 90}\n"
                                                  "    - {displayName: comp, target: 0.9, "
                                                  "indicatorRef: x}\n"
                                                  "    - {displayName: tiny, target: .5}\n"
                                                  "    - {displayName: exp, target: 9.5e-1, op: "
                                                  "lt}\n";
    struct importer_result r;
    struct config *cfg;

    (void)state;
    assert_int_equal(conv(OSLO, in, &r), 0);
    cfg = load(&r);
    assert_int_equal(r.nslos_in, 8);
    assert_int_equal(cfg->nslos, 5);
    assert_string_equal(cfg->slos[0].name, "checkout-strict-target");
    assert_string_equal(cfg->slos[1].name, "checkout-1");
    assert_string_equal(cfg->slos[2].name, "checkout-2");
    assert_string_equal(cfg->slos[3].name, "checkout-tiny");
    assert_string_equal(cfg->slos[4].name, "checkout-exp");
    assert_close(cfg->slos[0].objective, 0.9995);
    assert_close(cfg->slos[2].objective, 0.95);
    assert_close(cfg->slos[3].objective, 0.5);
    assert_close(cfg->slos[4].objective, 0.95);
    /* The ratio's digits, moved: no 99.95000000000002. */
    want_out(&r, "    objective: 99.95\n");
    want_out(&r, "    objective: 99\n");
    want_out(&r, "    objective: 50\n");
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:18:36: SLO checkout-loose: spec.objectives[3].target: "
             "SLO not converted: 1: the sidecar's objective is above 0 and "
             "below 1 (100%)");
    want_msg(&r, IMPORTER_SKIPPED,
             "SLO checkout-both: spec.objectives[4]: SLO not converted: "
             "needs exactly one of target and targetPercent");
    want_msg(&r, IMPORTER_SKIPPED,
             "SLO checkout-comp: spec.objectives[5]: SLO not converted: a "
             "composite SLO objective");
    want_msg(&r, IMPORTER_NOTE, "SLO checkout-exp: spec.objectives[7].op: note: has no meaning");
    want_out(&r, "  # OpenSLO SLO checkout, objective 0 \"Strict Target!\" (in.yaml:15)\n");
    config_free(cfg);
    importer_result_free(&r);
}

/* Converts an OpenSLO thresholdMetric SLO with the given query and objective. */
static int threshold_case(const char *bm, const char *query, const char *objective,
                          struct importer_result *r)
{
    char *in = util_asprintf(
        OSLO_HEAD("fresh") "  service: users\n"
                           "  indicator:\n"
                           "    spec:\n"
                           "      thresholdMetric: " MS(
                               "%s") "\n"
                                     "  timeWindow: [{duration: 7d, isRolling: true}]\n"
                                     "  budgetingMethod: %s\n"
                                     "  objectives: [%s]\n",
        query, bm, objective);
    int rc;

    assert_non_null(in);
    rc = conv(OSLO, in, r);
    free(in);
    return rc;
}

static void test_openslo_threshold_timeslices_become_timeslice(void **state)
{
    struct importer_result r;
    struct config *cfg;
    const struct config_sli_timeslice *t;

    (void)state;
    assert_int_equal(threshold_case("Timeslices", "time() - last_update_seconds{src=\"u\"}",
                                    "{op: lte, value: 300, target: 0.995, timeSliceTarget: 1, "
                                    "timeSliceWindow: 1m}",
                                    &r),
                     0);
    cfg = load(&r);
    t = &cfg->slos[0].timeslice;
    assert_int_equal(cfg->slos[0].kind, CONFIG_SLI_TIMESLICE);
    assert_string_equal(t->gauge, "last_update_seconds{src=\"u\"}");
    assert_true(t->age);
    assert_int_equal(t->op, CONFIG_CMP_LE);
    assert_close(t->value, 300);
    assert_int_equal(t->slice_ms, 60000);
    want_msg(&r, IMPORTER_NOTE,
             "time() - gauge: the sidecar takes each sample's time minus its "
             "value");
    want_msg(&r, IMPORTER_NOTE,
             "timeSliceTarget: note: 1: the sidecar judges a slice by its "
             "newest sample");
    assert_int_equal(r.ndropped + r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);

    /* A gauge, gt, a slice as a number of minutes, and a share of samples. */
    assert_int_equal(threshold_case("Timeslices", "queue_consumers",
                                    "{op: gt, value: 2, target: 0.99, timeSliceTarget: 0.9, "
                                    "timeSliceWindow: 5}",
                                    &r),
                     0);
    cfg = load(&r);
    t = &cfg->slos[0].timeslice;
    assert_false(t->age);
    assert_int_equal(t->op, CONFIG_CMP_GT);
    assert_int_equal(t->slice_ms, 300000);
    want_msg(&r, IMPORTER_DROPPED,
             "timeSliceTarget: not converted: 0.9: the sidecar judges a "
             "slice by its newest sample");
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_thresholds_that_cannot_be_converted(void **state)
{
    static const struct {
        const char *bm, *query, *objective, *msg;
    } cases[] = {
        {"Occurrences", "latency_seconds", "{op: lte, value: 1, target: 0.9}",
         "Occurrences over a thresholdMetric has no equivalent"},
        {"Timeslices", "sum(queue_consumers)",
         "{op: gt, value: 1, target: 0.9, "
         "timeSliceWindow: 1m}",
         "not a selector (or time() - selector)"},
        {"Timeslices", "g", "{op: eq, value: 1, target: 0.9, timeSliceWindow: 1m}",
         "\"eq\" is not one of lt, lte, gt, gte"},
        {"Timeslices", "g", "{op: lt, value: 1, target: 0.9, timeSliceWindow: 10m}",
         "10m: the sidecar's time slices must divide 5m"},
        {"Timeslices", "g", "{op: lt, value: 1, target: 0.9, timeSliceWindow: 2m}",
         "2m: the sidecar's time slices must divide 5m"},
        {"Timeslices", "g", "{op: lt, value: 1, target: 0.9}",
         "missing field \"timeSliceWindow\""},
        {"Timeslices", "g", "{op: lt, target: 0.9, timeSliceWindow: 1m}",
         "missing required field \"value\""},
        {"RatioTimeslices", "g", "{op: lt, value: 1, target: 0.9, timeSliceWindow: 1m}",
         "RatioTimeslices (the average of the slices' ratios) has no equivalent"},
        {"Sometimes", "g", "{op: lt, value: 1, target: 0.9, timeSliceWindow: 1m}",
         "\"Sometimes\" is not Occurrences, Timeslices or RatioTimeslices"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct importer_result r;

        if (threshold_case(cases[i].bm, cases[i].query, cases[i].objective, &r) != -1) {
            dump(&r);
            fail_msg("case %zu converted", i);
        }
        want_msg(&r, IMPORTER_SKIPPED, cases[i].msg);
        importer_result_free(&r);
    }
}

static void test_openslo_timeslices_over_a_ratio_is_skipped(void **state)
{
    static const char in[] = OSLO_HEAD(
        "ts") "  service: shop\n"
              "  indicator:\n"
              "    spec:\n"
              "      ratioMetric:\n"
              "        counter: true\n"
              "        bad: " MS(
                  "e_total") "\n"
                             "        total: " MS(
                                 "t_total") "\n"
                                            "  timeWindow: [{duration: 30d, isRolling: true}]\n"
                                            "  budgetingMethod: Timeslices\n"
                                            "  objectives: [{target: 0.99, timeSliceTarget: 0.9, "
                                            "timeSliceWindow: 1m}]\n";
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(OSLO, in, &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:13:20: SLO ts: spec.budgetingMethod: SLO not converted: Timeslices over a "
             "ratioMetric: a slice is good when its own ratio meets timeSliceTarget");
    importer_result_free(&r);
}

static void test_openslo_labels_annotations_and_alert_policies(void **state)
{
    static const char in[] =
        "apiVersion: openslo/v1\n"
        "kind: SLO\n"
        "metadata:\n"
        "  name: a\n"
        "  labels: {team: x, app.kubernetes.io/name: shop, tier: [a, b], 9lives: y, slo: z, zone: "
        "[eu]}\n"
        "  annotations: {openslo.com/owner: me}\n"
        "spec:\n"
        "  service: shop\n"
        "  description: Requests\n"
        "  indicator:\n"
        "    spec:\n"
        "      ratioMetric:\n"
        "        counter: true\n"
        "        bad: " MS(
            "e_total") "\n"
                       "        total: " MS(
                           "t_total") "\n"
                                      "  timeWindow: [{duration: 30d, isRolling: true}]\n"
                                      "  budgetingMethod: Occurrences\n"
                                      "  objectives: [{target: 0.99}]\n"
                                      "  alertPolicies: [{alertPolicyRef: fast}]\n"
                                      "---\n"
                                      "apiVersion: openslo/v1\n"
                                      "kind: AlertPolicy\n"
                                      "metadata: {name: fast}\n"
                                      "spec: {conditions: [{conditionRef: c}]}\n"
                                      "---\n"
                                      "apiVersion: openslo/v2alpha\n"
                                      "kind: Service\n"
                                      "metadata: {name: old}\n"
                                      "---\n"
                                      "apiVersion: openslo/v1\n"
                                      "kind: Widget\n"
                                      "metadata: {name: w}\n"
                                      "---\n"
                                      "apiVersion: openslo/v1\n"
                                      "kind: SLI\n"
                                      "metadata: {name: spare}\n"
                                      "spec: {}\n";
    struct importer_result r;
    struct config *cfg = one(OSLO, in, &r);
    const struct labels *l = &cfg->slos[0].labels;

    (void)state;
    assert_int_equal(l->n, 4);
    assert_string_equal(labels_get(l, "team"), "x");
    assert_string_equal(labels_get(l, "zone"), "eu"); /* a list of one value */
    assert_string_equal(labels_get(l, "app_kubernetes_io_name"), "shop");
    assert_string_equal(labels_get(l, "_lives"), "y");
    assert_string_equal(cfg->slos[0].description, "Requests");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:5:21: SLO a: metadata.labels: note: label "
             "\"app.kubernetes.io/name\" written as \"app_kubernetes_io_name\"");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:5:57: SLO a: metadata.labels: not converted: \"tier\": "
             "a label has one value, not a list of several");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:5:76: SLO a: metadata.labels: not converted: label "
             "\"slo\" is one the sidecar sets");
    want_msg(&r, IMPORTER_NOTE, "in.yaml:6:16: SLO a: metadata.annotations: note: not converted");
    want_msg(&r, IMPORTER_DROPPED,
             "in.yaml:19:18: SLO a: spec.alertPolicies: not converted: the "
             "sidecar's burn-rate alerts");
    want_msg(&r, IMPORTER_NOTE, "in.yaml:22:7: note: AlertPolicy fast: not converted");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:26:13: apiVersion: note: \"openslo/v2alpha\", not "
             "openslo/v1 or openslo/v1alpha (the versions converted); document skipped");
    want_msg(&r, IMPORTER_NOTE, "in.yaml:31:7: note: Widget w: an unknown kind; ignored");
    want_msg(&r, IMPORTER_NOTE, "in.yaml:35:7: note: SLI spare is not used by any SLO");
    assert_int_equal(r.ndropped, 3);
    assert_int_equal(r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_files_that_hold_no_slo(void **state)
{
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(OSLO, "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: s}\n",
                          &r),
                     -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml: no OpenSLO v1 SLO document (kind: SLO) to convert");
    importer_result_free(&r);
    assert_int_equal(conv(OSLO, SLOTH_HEAD SLOTH_EVENTS("a"), &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:1: not converted: this is a Sloth prometheus/v1 "
             "spec; use --from=sloth");
    importer_result_free(&r);
    /* v1alpha is converted: this one has no spec. */
    assert_int_equal(conv(OSLO, "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: s}\n",
                          &r),
                     -1);
    want_msg(&r, IMPORTER_SKIPPED, "in.yaml:1:1: SLO s: spec: SLO not converted: missing field");
    want_msg(&r, IMPORTER_ERROR, "in.yaml: no SLO could be converted");
    assert_int_equal(r.nslos_in, 1);
    importer_result_free(&r);
    assert_int_equal(conv(OSLO, "apiVersion: openslo/v1\nkind: SLO\nspec: {}\n", &r), -1);
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:1:1: metadata: not converted: an SLO without "
             "metadata.name; document skipped");
    importer_result_free(&r);
}

/* ---- the writer, limits, examples, allocation failures ---- */

static void test_every_string_reads_back_as_written(void **state)
{
    /* Annotations take any string; the importer checks each reads back. */
    static const char in[] = SLOTH_HEAD "  - name: q\n"
                                        "    objective: 99\n"
                                        "    description: \"two\\nlines\"\n"
                                        "    sli:\n"
                                        "      events:\n"
                                        "        error_query: sum(rate(e[{{.window}}]))\n"
                                        "        total_query: sum(rate(t[{{.window}}]))\n"
                                        "    alerting:\n"
                                        "      annotations:\n"
                                        "        a: \"it's\"\n"
                                        "        b: \"  leading\"\n"
                                        "        c: \"a\\n  b\\n\"\n"
                                        "        d: \" lead\\nx\"\n"
                                        "        e: \"tab\\there\"\n"
                                        "        f: \"x\\r\\ny\"\n"
                                        "        g: \"\\u2028\\u0085\\ufeff\\x01\\x7f\"\n"
                                        "        h: \"a\\n\\n\\n\"\n"
                                        "        i: \"#not a comment\"\n"
                                        "        j: \"true\"\n"
                                        "        k: \"null\"\n"
                                        "        l: \"123\"\n"
                                        "        m: \"~\"\n"
                                        "        n: \"\"\n"
                                        "        o: \"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"\n"
                                        "        p: \"a: b\"\n"
                                        "        q: \"- x\"\n"
                                        "        r: \"x\\n\\ty\"\n"
                                        "        s: \"{{ $labels.slo }} \\\"q\\\" \\\\\"\n"
                                        "        \"key with: colon\": v\n"
                                        "        \"Yes\": \"No\"\n";
    struct importer_result r;
    struct config *cfg = one(SLOTH, in, &r);
    const struct labels *a = &cfg->slos[0].page.annotations;

    (void)state;
    assert_int_equal(r.ndropped + r.nskipped, 0);
    assert_string_equal(cfg->slos[0].description, "two\nlines");
    assert_string_equal(labels_get(a, "g"), "\xe2\x80\xa8\xc2\x85\xef\xbb\xbf\x01\x7f");
    assert_string_equal(labels_get(a, "r"), "x\n\ty");
    assert_string_equal(labels_get(a, "key with: colon"), "v");
    assert_string_equal(labels_get(a, "Yes"), "No");
    /* The styles chosen. */
    want_out(&r, "    description: |-\n      two\n      lines\n");
    want_out(&r, "          a: 'it''s'\n");
    want_out(&r, "          c: |\n            a\n              b\n");
    want_out(&r, "          d: \" lead\\nx\"\n");
    want_out(&r, "          f: \"x\\x0d\\ny\"\n");
    want_out(&r, "          g: \"\\u2028\\x85\\ufeff\\x01\\x7f\"\n");
    want_out(&r, "          h: |+\n            a\n\n\n");
    want_out(&r, "          j: 'true'\n");
    want_out(&r, "          'n': ''\n"); /* YAML 1.1 reads a bare n as false */
    want_out(&r, "          'Yes': 'No'\n");
    config_free(cfg);
    importer_result_free(&r);
}

static void test_alias_bombs_and_other_limits_are_refused(void **state)
{
    struct importer_result r;
    struct buf b;

    (void)state;
    /* 10^7 nodes once the aliases are expanded. */
    buf_init(&b, 1u << 20);
    assert_int_equal(buf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"), 0);
    for (int i = 1; i < 8; i++)
        assert_int_equal(buf_printf(&b,
                                    "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, "
                                    "*a%d, *a%d, *a%d]\n",
                                    i, i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                                    i - 1, i - 1),
                         0);
    importer_result_init(&r);
    assert_int_equal(importer_convert(SLOTH, "in.yaml", b.data, b.len, &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml: the input has more than 1000000 YAML nodes");
    importer_result_free(&r);
    /* Nesting. */
    buf_reset(&b);
    for (int i = 0; i < 70; i++)
        assert_int_equal(buf_puts(&b, "["), 0);
    importer_result_init(&r);
    assert_int_equal(importer_convert(OSLO, "in.yaml", b.data, b.len, &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml:1:65: yaml: collections nested more than 64 levels");
    importer_result_free(&r);
    /* Documents. */
    buf_reset(&b);
    for (int i = 0; i < 10001; i++)
        assert_int_equal(buf_puts(&b, "---\nx: 1\n"), 0);
    importer_result_init(&r);
    assert_int_equal(importer_convert(OSLO, "in.yaml", b.data, b.len, &r), -1);
    want_msg(&r, IMPORTER_ERROR, "in.yaml: more than 10000 YAML documents");
    importer_result_free(&r);
    /* Messages: 1200 skipped SLOs give 1000 messages and a count of the rest. */
    buf_reset(&b);
    assert_int_equal(buf_puts(&b, SLOTH_HEAD SLOTH_EVENTS("ok")), 0);
    for (int i = 0; i < 1200; i++)
        assert_int_equal(buf_printf(&b, "  - {name: p%d, objective: 99, sli: {plugin: {id: x}}}\n",
                                    i),
                         0);
    importer_result_init(&r);
    assert_int_equal(importer_convert(SLOTH, "in.yaml", b.data, b.len, &r), 0);
    assert_int_equal(r.n, 1001);
    assert_int_equal(r.nskipped, 1200);
    assert_string_equal(r.msg[1000].text,
                        "in.yaml: 200 more messages not shown (only the first 1000 are)");
    assert_int_equal(r.nslos_in, 1201);
    assert_int_equal(r.nslos_out, 1);
    importer_result_free(&r);
    buf_free(&b);
}

static void test_openslo_list_of_objects_converts_like_documents(void **state)
{
    static const char in[] =
        "- apiVersion: openslo/v1\n"
        "  kind: SLO\n"
        "  metadata: {name: a}\n"
        "  spec:\n"
        "    service: shop\n"
        "    indicatorRef: i\n"
        "    timeWindow: [{duration: 28d, isRolling: true}]\n"
        "    budgetingMethod: Occurrences\n"
        "    objectives: [{target: 0.99}]\n"
        "- apiVersion: openslo/v1\n"
        "  kind: SLI\n"
        "  metadata: {name: i}\n"
        "  spec:\n"
        "    ratioMetric:\n"
        "      counter: true\n"
        "      bad: " MS("e_total") "\n"
                                    "      total: " MS(
                                        "t_total") "\n"
                                                   "---\n"
                                                   "apiVersion: v1\n"
                                                   "kind: List\n"
                                                   "items:\n"
                                                   "- apiVersion: openslo/v1\n"
                                                   "  kind: SLO\n"
                                                   "  metadata: {name: b}\n"
                                                   "  spec:\n"
                                                   "    service: shop\n"
                                                   "    indicatorRef: i\n"
                                                   "    timeWindow: [{duration: 7d}]\n"
                                                   "    budgetingMethod: Occurrences\n"
                                                   "    objectives: [{target: 0.9}]\n";
    struct importer_result r;
    struct config *cfg = some(OSLO, in, &r);

    (void)state;
    assert_int_equal(cfg->nslos, 2);
    assert_string_equal(cfg->slos[0].name, "a");
    assert_string_equal(cfg->slos[0].events.error, "e_total");
    assert_string_equal(cfg->slos[1].name, "b");
    assert_string_equal(cfg->slos[1].period_name, "7d");
    assert_int_equal(r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_openslo_objectives_are_checked_when_the_indicator_fails(void **state)
{
    static const char in[] = OSLO_HEAD(
        "x") "  service: shop\n"
             "  indicator:\n"
             "    spec:\n"
             "      ratioMetric:\n"
             "        good: {metricSource: {type: Datadog}}\n"
             "        total: " MS("t_total") "\n"
                                             "  timeWindow: [{duration: 28d}]\n"
                                             "  budgetingMethod: Occurrences\n"
                                             "  objectives: [{target: 1.5}, {targetPercent: 0}]\n";
    static const char *const want[] = {
        "in.yaml:9:37: SLO x: spec.indicator.spec.ratioMetric.good.metricSource: SLO not "
        "converted: a Datadog metric source; only Prometheus queries can be converted",
        "in.yaml:13:25: SLO x-0: spec.objectives[0].target: SLO not converted: 1.5: the "
        "sidecar's objective is above 0 and below 1 (100%)",
        "in.yaml:13:47: SLO x-1: spec.objectives[1].targetPercent: SLO not converted: 0: the "
        "sidecar's objective is above 0 and below 100",
        "in.yaml: no SLO could be converted",
    };
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(OSLO, in, &r), -1);
    want_msgs(&r, want, sizeof(want) / sizeof(want[0]));
    importer_result_free(&r);
}

static void test_openslo_v1alpha_reads_as_v1(void **state)
{
    static const char in[] =
        "apiVersion: openslo/v1alpha\n"
        "kind: SLO\n"
        "metadata: {name: a, displayName: A}\n"
        "spec:\n"
        "  service: shop\n"
        "  timeWindows: [{unit: Hour, count: 36, isRolling: true}]\n"
        "  budgetingMethod: Occurrences\n"
        "  objectives:\n"
        "    - displayName: one\n"
        "      target: 0.99\n"
        "      ratioMetrics:\n"
        "        incremental: true\n"
        "        bad: {source: prometheus, queryType: promql, query: 'e_total{a=\"b\"}'}\n"
        "        total: {source: Prometheus, query: sum(t_total)}\n"
        "    - displayName: two\n"
        "      target: 0.9\n"
        "      ratioMetrics:\n"
        "        good: {source: prometheus, query: 'sum(rate(g[{{.window}}]))'}\n"
        "        total: {source: prometheus, query: 'sum(rate(t[{{.window}}]))'}\n"
        "---\n"
        "apiVersion: openslo/v1alpha\n"
        "kind: SLO\n"
        "metadata: {name: b}\n"
        "spec:\n"
        "  service: shop\n"
        "  indicator: {thresholdMetric: {source: prometheus, query: 'g{x=\"y\"}'}}\n"
        "  timeWindows: [{unit: Second, count: 7200}]\n"
        "  budgetingMethod: Timeslices\n"
        "  objectives: [{op: gt, value: 1, target: 0.9, timeSliceWindow: 1m}]\n"
        "---\n"
        "apiVersion: openslo/v1alpha\n"
        "kind: SLO\n"
        "metadata: {name: c}\n"
        "spec:\n"
        "  service: shop\n"
        "  timeWindows: [{unit: Fortnight, count: 1.5}]\n"
        "  budgetingMethod: Occurrences\n"
        "  objectives: [{target: 0.9, ratioMetrics: {incremental: false, good: {source: x, "
        "query: q}, total: {source: prometheus, queryType: sql, query: t_total}}}]\n"
        "---\n"
        "apiVersion: openslo/v1alpha\n"
        "kind: AlertPolicy\n";
    struct importer_result r;
    struct config *cfg = some(OSLO, in, &r);

    (void)state;
    assert_int_equal(cfg->nslos, 3);
    assert_string_equal(cfg->slos[0].name, "a-one");
    assert_string_equal(cfg->slos[0].period_name, "1d12h");
    assert_string_equal(cfg->slos[0].events.error, "e_total{a=\"b\"}");
    assert_string_equal(cfg->slos[0].events.total, "t_total");
    assert_string_equal(cfg->slos[1].name, "a-two");
    assert_int_equal(cfg->slos[1].kind, CONFIG_SLI_PROMQL);
    assert_string_equal(cfg->slos[1].promql.good_query, "sum(rate(g[{{.window}}]))");
    assert_string_equal(cfg->slos[2].name, "b");
    assert_string_equal(cfg->slos[2].period_name, "2h");
    assert_int_equal(cfg->slos[2].kind, CONFIG_SLI_TIMESLICE);
    assert_string_equal(cfg->slos[2].timeslice.gauge, "g{x=\"y\"}");
    want_out(&r, "# OpenSLO v1alpha SLO b (in.yaml:21)");
    want_out(&r, "(OpenSLO v1 and v1alpha)");
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:36:24: SLO c: spec.timeWindows[0].unit: SLO not converted: \"Fortnight\" "
             "is not one of Second, Minute, Hour, Day, Week, Month, Quarter, Year");
    want_msg(&r, IMPORTER_SKIPPED,
             "in.yaml:36:42: SLO c: spec.timeWindows[0].count: SLO not converted: 1.5: expected "
             "a whole number from 1");
    want_msg(&r, IMPORTER_SKIPPED,
             "SLO c: spec.objectives[0].ratioMetrics.good.source: SLO not converted: a x source");
    want_msg(&r, IMPORTER_SKIPPED,
             "SLO c: spec.objectives[0].ratioMetrics.total.queryType: SLO not converted: \"sql\": "
             "only PromQL queries can be converted");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:41:7: note: openslo/v1alpha AlertPolicy: only SLO "
             "documents are converted; ignored");
    config_free(cfg);
    importer_result_free(&r);
}

/* A PrometheusServiceLevel: the prometheus/v1 spec in camelCase under spec. */
#define KUBE_HEAD(svc)                                                                            \
    "apiVersion: sloth.slok.dev/v1\n"                                                             \
    "kind: PrometheusServiceLevel\n"                                                              \
    "metadata: {name: x, namespace: y, labels: {release: p}}\n"                                   \
    "spec:\n"                                                                                     \
    "  service: " svc "\n"                                                                        \
    "  labels: {owner: team}\n"                                                                   \
    "  slos:\n"

static void test_sloth_kubernetes_resource_reads_camel_case(void **state)
{
    static const char in[] = KUBE_HEAD(
        "cart") "    - name: a\n"
                "      objective: 99.9\n"
                "      description: d\n"
                "      labels: {k: v}\n"
                "      sli:\n"
                "        events:\n"
                "          errorQuery: sum(rate(e_total[{{.window}}]))\n"
                "          totalQuery: sum(rate(t_total[{{.window}}]))\n"
                "      alerting:\n"
                "        name: N\n"
                "        labels: {team: c}\n"
                "        annotations: {summary: s}\n"
                "        pageAlert: {labels: {severity: critical}, annotations: {runbook: r}}\n"
                "        ticketAlert: {disable: true, labels: {severity: warning}}\n"
                "    - name: r\n"
                "      objective: 99\n"
                "      sli: {raw: {errorRatioQuery: 'x[{{.window}}]'}}\n"
                "      alerting: {pageAlert: {disable: true}}\n";
    struct importer_result r;
    struct config *cfg = some(SLOTH, in, &r);
    const struct config_slo *a;

    (void)state;
    assert_int_equal(cfg->nslos, 2);
    a = &cfg->slos[0];
    assert_string_equal(a->name, "cart-a");
    assert_string_equal(a->description, "d");
    assert_string_equal(a->events.error, "e_total");
    assert_string_equal(labels_get(&a->labels, "owner"), "team");
    assert_string_equal(labels_get(&a->labels, "k"), "v");
    assert_string_equal(labels_get(&a->page.labels, "severity"), "critical");
    assert_string_equal(labels_get(&a->page.labels, "team"), "c");
    assert_string_equal(labels_get(&a->page.annotations, "runbook"), "r");
    assert_string_equal(labels_get(&a->page.annotations, "summary"), "s");
    /* ticketAlert.disable / pageAlert.disable: that alert is switched off. */
    assert_false(config_alert_enabled(a, CONFIG_SEVERITY_TICKET));
    assert_true(config_alert_enabled(a, CONFIG_SEVERITY_PAGE));
    assert_false(config_alert_enabled(&cfg->slos[1], CONFIG_SEVERITY_PAGE));
    assert_true(config_alert_enabled(&cfg->slos[1], CONFIG_SEVERITY_TICKET));
    want_out(&r, "(Sloth PrometheusServiceLevel)");
    assert_int_equal(cfg->slos[1].kind, CONFIG_SLI_PROMQL);
    want_msg(&r, IMPORTER_NOTE, "in.yaml:3:43: metadata.labels: note: the Kubernetes object's");
    want_no_msg(&r, IMPORTER_NOTE, "unknown field");
    assert_int_equal(r.ndropped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_sloth_kubernetes_refusals_are_all_reported(void **state)
{
    static const char in[] =
        KUBE_HEAD("cart") "    - name: p\n"
                          "      objective: 100\n"
                          "      plugins: {chain: []}\n"
                          "      sli: {plugin: {id: sloth-common/x, options: {a: b}}}\n"
                          "    - name: w\n"
                          "      objective: 99\n"
                          "      sli: {events: {errorQuery: 'sum(rate(e[5m]))', totalQuery: t}}\n"
                          "    - name: snake\n"
                          "      objective: 99\n"
                          "      sli: {events: {error_query: e, total_query: t}}\n"
                          "---\n"
                          "apiVersion: sloth.slok.dev/v2\n"
                          "kind: PrometheusServiceLevel\n";
    static const char *const want[] = {
        "in.yaml:3:43: metadata.labels: note: the Kubernetes object's labels (which select it "
        "for the operator) are not the SLOs' labels; not converted (spec.labels are)",
        /* plugins is dropped, but the SLO is skipped: only its skip reasons are listed. */
        "in.yaml:9:18: SLO cart-p: spec.slos[0].objective: SLO not converted: 100: the "
        "sidecar's objective is above 0 and below 100",
        "in.yaml:11:21: SLO cart-p: spec.slos[0].sli.plugin: SLO not converted: SLI plugin "
        "\"sloth-common/x\" is Go code that only Sloth runs; write the query it generates "
        "(`sloth generate` prints it) as sli.raw.errorRatioQuery and import again",
        "in.yaml:14:34: SLO cart-w: spec.slos[1].sli.events.errorQuery: SLO not converted: "
        "does not use {{.window}} (Sloth requires it)",
        "in.yaml:17:21: SLO cart-snake: spec.slos[2].sli.events: SLO not converted: missing "
        "required field \"errorQuery\"",
        "in.yaml:17:21: SLO cart-snake: spec.slos[2].sli.events: SLO not converted: missing "
        "required field \"totalQuery\"",
        "in.yaml:17:22: SLO cart-snake: spec.slos[2].sli.events: note: unknown field "
        "\"error_query\"; ignored",
        "in.yaml:17:38: SLO cart-snake: spec.slos[2].sli.events: note: unknown field "
        "\"total_query\"; ignored",
        "in.yaml:19:1: document 2: not converted: sloth.slok.dev/v2 PrometheusServiceLevel is "
        "not a PrometheusServiceLevel of sloth.slok.dev/v1; document skipped",
        "in.yaml: no SLO could be converted",
    };
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(SLOTH, in, &r), -1);
    want_msgs(&r, want, sizeof(want) / sizeof(want[0]));
    assert_int_equal(r.nslos_in, 3);
    importer_result_free(&r);
}

#define PYRRA_HEAD(name)                                                                          \
    "apiVersion: pyrra.dev/v1alpha1\n"                                                            \
    "kind: ServiceLevelObjective\n"                                                               \
    "metadata: {name: " name ", namespace: shop, labels: {pyrra.dev/team: a, app: b}}\n"          \
    "spec:\n"

static void test_pyrra_indicators_map_to_counting_kinds(void **state)
{
    static const char in[] = PYRRA_HEAD(
        "ratio") "  description: d\n"
                 "  target: '99.5'\n"
                 "  window: 4w\n"
                 "  indicator: {ratio: {errors: {metric: 'e_total{c=\"5\"}'}, total: "
                 "{metric: t_total}, grouping: [route, code]}}\n"
                 "  alerting: {name: X, burnrates: true}\n"
                 "---\n" PYRRA_HEAD(
                     "lat") "  target: '99'\n"
                            "  window: 1w\n"
                            "  indicator: {latency: {success: {metric: 'h_bucket{le=\"1\"}'}, "
                            "total: {metric: h_count}}}\n"
                            "---\n" PYRRA_HEAD("bool") "  target: '90'\n"
                                                       "  window: 1d\n"
                                                       "  indicator: {bool_gauge: {metric: up, "
                                                       "grouping: [job]}}\n"
                                                       "  alerting: {burnrates: false}\n";
    struct importer_result r;
    struct config *cfg = some(PYRRA, in, &r);
    const struct config_slo *s;

    (void)state;
    assert_int_equal(cfg->nslos, 3);
    s = &cfg->slos[0];
    assert_string_equal(s->name, "ratio");
    assert_string_equal(s->service, "shop");
    assert_string_equal(s->description, "d");
    assert_string_equal(s->period_name, "28d");
    assert_true(s->objective_percent == 99.5);
    assert_string_equal(s->events.error, "e_total{c=\"5\"}");
    assert_string_equal(s->events.total, "t_total");
    assert_int_equal(s->ngroup_by, 2);
    assert_string_equal(s->group_by[0], "route");
    assert_string_equal(s->group_by[1], "code");
    assert_string_equal(labels_get(&s->labels, "team"), "a");
    assert_null(labels_get(&s->labels, "app"));
    s = &cfg->slos[1];
    assert_string_equal(s->period_name, "7d");
    assert_string_equal(s->events.good, "h_bucket{le=\"1\"}");
    assert_string_equal(s->events.total, "h_count");
    s = &cfg->slos[2];
    assert_int_equal(s->kind, CONFIG_SLI_PROMQL);
    assert_string_equal(s->promql.good_query, "sum by (job) (sum_over_time(up[{{.window}}]))");
    assert_string_equal(s->promql.total_query, "sum by (job) (count_over_time(up[{{.window}}]))");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:3:50: SLO ratio: metadata.labels: note: \"app\" labels the Kubernetes "
             "object only");
    want_msg(&r, IMPORTER_NOTE, "in.yaml:9:20: SLO ratio: spec.alerting.name: note:");
    want_msg(&r, IMPORTER_NOTE,
             "in.yaml:26:13: SLO bool: spec.alerting: note: both alerts are "
             "disabled");
    assert_false(config_alert_enabled(s, CONFIG_SEVERITY_PAGE));
    assert_false(config_alert_enabled(s, CONFIG_SEVERITY_TICKET));
    assert_int_equal(r.nskipped, 0);
    config_free(cfg);
    importer_result_free(&r);
}

static void test_pyrra_refusals_are_all_reported(void **state)
{
    static const char in[] = PYRRA_HEAD(
        "n") "  target: '99'\n"
             "  window: 28d\n"
             "  indicator: {latencyNative: {latency: 1s, total: {metric: h}}}\n"
             "---\n" PYRRA_HEAD(
                 "bad") "  target: 99.9%\n"
                        "  window: 10m\n"
                        "  indicator: {ratio: {errors: {metric: 'rate(e[1m])'}, grouping: [1x]}}\n"
                        "---\n"
                        "apiVersion: pyrra.dev/v1alpha1\n"
                        "kind: ServiceLevelObjective\n"
                        "metadata: {name: 'a b'}\n"
                        "---\n"
                        "version: prometheus/v1\n";
    static const char *const want[] = {
        "in.yaml:7:30: SLO n: spec.indicator.latencyNative: SLO not converted: a native "
        "histogram's latency has no equivalent: the sidecar reads classic histograms; write it "
        "as latency with success (NAME_bucket{le=\"...\"}) and total (NAME_count) if the "
        "histogram has classic buckets too",
        "in.yaml:13:11: SLO bad: spec.target: SLO not converted: \"99.9%\": the sidecar's "
        "objective is a percent above 0 and below 100",
        "in.yaml:14:11: SLO bad: spec.window: SLO not converted: \"10m\": the sidecar's period "
        "is a duration of at least 1h (like 28d)",
        "in.yaml:15:22: SLO bad: spec.indicator.ratio: SLO not converted: missing field "
        "\"total\"",
        "in.yaml:15:40: SLO bad: spec.indicator.ratio.errors.metric: SLO not converted: "
        "\"rate(e[1m])\" is not a selector (Pyrra wants one too)",
        "in.yaml:15:67: SLO bad: spec.indicator.ratio.grouping[0]: SLO not converted: \"1x\" is "
        "not a label name",
        /* Its name is wrong, and it has no spec either: both are said. */
        "in.yaml:17:1: SLO ?: spec: SLO not converted: missing field \"spec\"",
        "in.yaml:19:18: metadata.name: not converted: invalid name \"a b\" ([a-zA-Z0-9_.-]+)",
        "in.yaml:21:1: document 4: not converted: a Sloth spec; use --from=sloth; document "
        "skipped",
        "in.yaml: no SLO could be converted",
    };
    struct importer_result r;

    (void)state;
    assert_int_equal(conv(PYRRA, in, &r), -1);
    want_msgs(&r, want, sizeof(want) / sizeof(want[0]));
    assert_int_equal(r.nslos_in, 3);
    importer_result_free(&r);
}

/* tests/data/import/NAME, read whole (caller frees), found from this file's path. */
static char *read_data(const char *name, size_t *len)
{
    const char *f = __FILE__;
    const char *unit = strstr(f, "unit/test_importer.c");
    char *path;
    FILE *fp;
    struct buf b;
    char chunk[4096];
    size_t n;

    assert_non_null(unit);
    path = util_asprintf("%.*sdata/import/%s", (int)(unit - f), f, name);
    assert_non_null(path);
    fp = fopen(path, "rb");
    if (fp == NULL)
        fail_msg("cannot open %s", path);
    buf_init(&b, 1u << 22);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        assert_int_equal(buf_append(&b, chunk, n), 0);
    fclose(fp);
    free(path);
    *len = b.len;
    return buf_steal(&b);
}

static void test_example_files_convert_to_valid_configs(void **state)
{
    static const struct {
        const char *file;
        enum importer_format f;
        size_t in, out;
    } ex[] = {
        {"sloth-shop.yaml", SLOTH, 6, 4},  {"openslo-shop.yaml", OSLO, 10, 7},
        {"sloth-kube.yaml", SLOTH, 5, 3},  {"pyrra-shop.yaml", PYRRA, 5, 3},
        {"openslo-list.yaml", OSLO, 7, 4},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
        size_t len;
        char *data = read_data(ex[i].file, &len);
        struct importer_result r;
        struct config *cfg;

        importer_result_init(&r);
        assert_int_equal(importer_convert(ex[i].f, ex[i].file, data, len, &r), 0);
        cfg = load(&r);
        assert_int_equal(r.nslos_in, ex[i].in);
        assert_int_equal(r.nslos_out, ex[i].out);
        assert_true(r.nskipped > 0 && r.ndropped > 0);
        /* Every message names the file and a position in it. */
        for (size_t k = 0; k + 1 < r.n; k++)
            assert_int_equal(strncmp(r.msg[k].text, ex[i].file, strlen(ex[i].file)), 0);
        config_free(cfg);
        importer_result_free(&r);
        free(data);
    }
}

/*
 * Converts in failing each of its allocations in turn: every run must fail
 * cleanly with no output (the leak checks of make check see the rest).
 */
static void check_every_allocation_failure(enum importer_format f, const char *in)
{
    long total;
    struct importer_result r;

    importer_result_init(&r);
    failalloc_count = 0;
    failalloc_at = LONG_MAX;
    assert_int_equal(importer_convert(f, "in.yaml", in, strlen(in), &r), 0);
    failalloc_at = -1;
    total = failalloc_count;
    importer_result_free(&r);
    if (total == 0)
        skip(); /* valgrind or clang's ASan: nothing to inject */
    print_message("  failing each of %ld allocations in turn\n", total);
    for (long i = 0; i < total; i++) {
        int rc;

        importer_result_init(&r);
        failalloc_count = 0;
        failalloc_at = i;
        rc = importer_convert(f, "in.yaml", in, strlen(in), &r);
        failalloc_at = -1;
        if (rc != -1 || r.output != NULL) {
            dump(&r);
            fail_msg("allocation %ld of %ld failed but the conversion succeeded", i, total);
        }
        importer_result_free(&r);
    }
}

static void test_every_allocation_failure_fails_cleanly(void **state)
{
    static const char sloth[] = SLOTH_HEAD
        "  - name: a\n"
        "    objective: 99.9\n"
        "    labels: {team: x, service: y}\n"
        "    sli: {events: {error_query: 'sum(rate(e{a=\"b\"}[{{.window}}]))', "
        "total_query: 'sum(rate(t[{{ .window }}]))'}}\n"
        "    alerting:\n"
        "      name: A\n"
        "      labels: {k: v}\n"
        "      annotations: {s: \"two\\nlines\"}\n"
        "      ticket_alert: {disable: true}\n"
        "  - name: r\n"
        "    objective: 99\n"
        "    sli: {raw: {error_ratio_query: 'x[{{.window}}]'}}\n"
        "  - {name: p, objective: 99, sli: {plugin: {id: z}}}\n";
    /*
     * libyaml 0.2.5 leaks a new mapping's or sequence's stack when it fails
     * to grow the document's node stack for it (loader.c: the error path
     * frees the tag, not the stack). That stack grows at its 17th, 33rd and
     * 65th node, so in every document here those nodes are scalars, and the
     * leak checkers see only the importer's own leaks, if any.
     */
    static const char oslo[] =
        "apiVersion: openslo/v1\n"
        "kind: SLO\n"
        "metadata: {name: a, labels: {a.b: c}}\n"
        "spec:\n"
        "  service: s\n"
        "  indicatorRef: i\n"
        "  timeWindow: [{duration: 1M, calendar: {startTime: 2024-01-01 00:00:00}}]\n"
        "  budgetingMethod: Occurrences\n"
        "  description: d\n"
        "  objectives: [{displayName: A, target: 0.999}, {target: 0.99}]\n"
        "---\n"
        "apiVersion: openslo/v1\n"
        "kind: SLI\n"
        "metadata: {name: i}\n"
        "spec: {description: x, ratioMetric: {counter: true, bad: " MS("e_total") ", total: " MS(
            "sum(t)") "}}\n"
                      "---\n" OSLO_HEAD(
                          "t") "  service: u\n"
                               "  timeWindow: [{duration: 7d}]\n"
                               "  budgetingMethod: Timeslices\n"
                               "  indicator: {spec: {thresholdMetric: " MS(
                                   "time() - g") "}}\n"
                                                 "  objectives: [{op: lt, value: 60, target: 0.9, "
                                                 "timeSliceWindow: 1m}]\n";

    /* The same rule for these: a Pyrra file, and v1alpha, lists and Sloth's resource. */
    static const char pyrra[] =
        "apiVersion: pyrra.dev/v1alpha1\n"
        "kind: ServiceLevelObjective\n"
        "metadata: {name: a, namespace: n, labels: {pyrra.dev/t: x, o: p}}\n"
        "spec:\n"
        "  target: '99'\n"
        "  window: 1d\n"
        "  indicator: {bool_gauge: {metric: 'up{a=\"b\"}', grouping: [c, d]}}\n"
        "  alerting: {disabled: true, absent: true, name: A}\n"
        "---\n"
        "- apiVersion: pyrra.dev/v1alpha1\n"
        "  kind: ServiceLevelObjective\n"
        "  metadata: {name: b}\n"
        "  spec: {target: '90', window: 2h, indicator: {latency: {success: {metric: "
        "'h_bucket{le=\"1\"}'}, total: {metric: h_count}}}}\n";
    static const char forms[] =
        "- apiVersion: openslo/v1alpha\n"
        "  kind: SLO\n"
        "  metadata: {name: a}\n"
        "  spec:\n"
        "    service: s\n"
        "    description: d\n"
        "    timeWindows: [{unit: Week, count: 1, calendar: {startTime: 2024-01-01 00:00:00}}]\n"
        "    budgetingMethod: Occurrences\n"
        "    objectives: [{target: 0.99, ratioMetrics: {incremental: true, good: {source: "
        "prometheus, query: g_total}, total: {source: prometheus, query: t_total}}}]\n"
        "---\n"
        "apiVersion: sloth.slok.dev/v1\n"
        "kind: PrometheusServiceLevel\n"
        "metadata: {name: k}\n"
        "spec:\n"
        "  service: s\n"
        "  slos:\n"
        "    - {name: a, objective: 99, sli: {raw: {errorRatioQuery: 'r[{{.window}}]'}}, "
        "alerting: {ticketAlert: {disable: true}}}\n";

    (void)state;
    check_every_allocation_failure(SLOTH, sloth);
    check_every_allocation_failure(OSLO, oslo);
    check_every_allocation_failure(PYRRA, pyrra);
    check_every_allocation_failure(OSLO, forms);
    check_every_allocation_failure(SLOTH, forms);
}

static void test_format_names(void **state)
{
    enum importer_format f = SLOTH;

    (void)state;
    assert_int_equal(importer_format_parse("openslo", &f), 0);
    assert_int_equal(f, OSLO);
    assert_string_equal(importer_format_str(f), "openslo");
    assert_int_equal(importer_format_parse("sloth", &f), 0);
    assert_int_equal(f, SLOTH);
    assert_string_equal(importer_format_str(f), "sloth");
    assert_int_equal(importer_format_parse("pyrra", &f), 0);
    assert_int_equal(f, PYRRA);
    assert_string_equal(importer_format_str(f), "pyrra");
    assert_int_equal(importer_format_parse("Sloth", &f), -1);
    assert_int_equal(importer_format_parse(NULL, &f), -1);
    importer_result_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sloth_rate_of_selector_becomes_events),
        cmocka_unit_test(test_sloth_other_queries_stay_promql),
        cmocka_unit_test(test_sloth_query_without_window_is_skipped_at_its_position),
        cmocka_unit_test(test_sloth_raw_ratio_becomes_a_ratio_per_window),
        cmocka_unit_test(test_sloth_plugin_is_skipped_and_others_kept),
        cmocka_unit_test(test_sloth_names_are_service_dash_name_and_unique),
        cmocka_unit_test(test_sloth_labels_merge_and_reserved_ones_are_dropped),
        cmocka_unit_test(test_sloth_alert_routes_merge_like_sloth),
        cmocka_unit_test(test_sloth_disabled_alert_is_switched_off),
        cmocka_unit_test(test_sloth_both_alerts_disabled_are_both_off),
        cmocka_unit_test(test_sloth_objective_outside_the_sidecars_range_is_skipped),
        cmocka_unit_test(test_sloth_unknown_field_note_survives_the_skip),
        cmocka_unit_test(test_sloth_documents_that_are_not_sloth),
        cmocka_unit_test(test_bad_yaml_and_empty_input_fail_with_a_position),
        cmocka_unit_test(test_openslo_counter_selectors_become_events),
        cmocka_unit_test(test_openslo_good_and_sum_of_selector),
        cmocka_unit_test(test_openslo_indicator_ref_and_datasource_type),
        cmocka_unit_test(test_openslo_unresolved_references_are_skipped),
        cmocka_unit_test(test_openslo_window_queries_become_promql),
        cmocka_unit_test(test_openslo_ratio_queries_that_cannot_be_counted),
        cmocka_unit_test(test_openslo_ratio_queries_that_convert),
        cmocka_unit_test(test_openslo_time_windows),
        cmocka_unit_test(test_openslo_objectives_become_one_slo_each),
        cmocka_unit_test(test_openslo_threshold_timeslices_become_timeslice),
        cmocka_unit_test(test_openslo_thresholds_that_cannot_be_converted),
        cmocka_unit_test(test_openslo_timeslices_over_a_ratio_is_skipped),
        cmocka_unit_test(test_openslo_labels_annotations_and_alert_policies),
        cmocka_unit_test(test_openslo_files_that_hold_no_slo),
        cmocka_unit_test(test_every_string_reads_back_as_written),
        cmocka_unit_test(test_alias_bombs_and_other_limits_are_refused),
        cmocka_unit_test(test_example_files_convert_to_valid_configs),
        cmocka_unit_test(test_every_allocation_failure_fails_cleanly),
        cmocka_unit_test(test_openslo_list_of_objects_converts_like_documents),
        cmocka_unit_test(test_openslo_objectives_are_checked_when_the_indicator_fails),
        cmocka_unit_test(test_openslo_v1alpha_reads_as_v1),
        cmocka_unit_test(test_sloth_kubernetes_resource_reads_camel_case),
        cmocka_unit_test(test_sloth_kubernetes_refusals_are_all_reported),
        cmocka_unit_test(test_pyrra_indicators_map_to_counting_kinds),
        cmocka_unit_test(test_pyrra_refusals_are_all_reported),
        cmocka_unit_test(test_format_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
