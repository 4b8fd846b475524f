/*
 * Unit tests for rules: the alert expressions of the default and custom
 * tables, routing labels and their precedence, annotations (templates,
 * escaping, links), the stale thresholds, the PrometheusRule wrapping and
 * its flag checks. promtool checks the same output for syntax, and runs it
 * on input series, in tests/integration/test_rules.sh.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "rules.h"

#define GLOBAL                                                                                    \
    "global:\n"                                                                                   \
    "  interval: 30s\n"                                                                           \
    "  prometheus: {url: http://prom:9090}\n"

#define SLO_PAY                                                                                   \
    "slos:\n"                                                                                     \
    "  - name: pay\n"                                                                             \
    "    service: payments\n"                                                                     \
    "    objective: 99.9\n"                                                                       \
    "    period: 30d\n"                                                                           \
    "    sli: {events: {error: 'e_total', total: 't_total'}}\n"

static struct config *parse_ok(const char *yaml)
{
    struct config *cfg = NULL;
    struct config_errors errs;

    config_errors_init(&errs);
    if (config_parse("t.yaml", yaml, strlen(yaml), &cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("  %s\n", errs.msg[i]);
        config_errors_free(&errs);
        fail_msg("the config did not load");
    }
    return cfg;
}

/* The rendered rules of yaml (caller frees), in format o (NULL: plain). */
static char *render(const char *yaml, const struct rules_opts *o)
{
    struct config *cfg = parse_ok(yaml);
    struct buf b;

    buf_init(&b, 1u << 24);
    assert_int_equal(rules_render(cfg, o, &b), 0);
    config_free(cfg);
    return buf_steal(&b);
}

/* Fails (freeing out) unless needle is in out. */
static void want_in(char *out, const char *needle)
{
    if (strstr(out, needle) == NULL) {
        print_message("%s\n--- wanted:\n%s\n", out, needle);
        free(out);
        fail_msg("text not found");
    }
}

static void want_not_in(char *out, const char *needle)
{
    if (strstr(out, needle) != NULL) {
        print_message("%s\n--- not wanted:\n%s\n", out, needle);
        free(out);
        fail_msg("unexpected text found");
    }
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* The text of the rule named alert in group slo-sidecar-slo (caller frees). */
static char *rule_text(const char *out, const char *slo, const char *alert)
{
    char head[128], at[128];
    const char *g, *r, *end, *next_group;

    snprintf(head, sizeof(head), "  - name: slo-sidecar-%s\n", slo);
    snprintf(at, sizeof(at), "      - alert: %s\n", alert);
    g = strstr(out, head);
    if (g == NULL)
        return NULL;
    next_group = strstr(g + 1, "  - name: ");
    r = strstr(g, at);
    if (r == NULL || (next_group != NULL && r > next_group))
        return NULL;
    end = strstr(r + 1, "      - alert: ");
    if (next_group != NULL && (end == NULL || end > next_group))
        end = next_group;
    if (end == NULL)
        end = r + strlen(r);
    return util_asprintf("%.*s", (int)(end - r), r);
}

static void test_default_table_page_and_ticket_expressions(void **state)
{
    char *out = render(GLOBAL SLO_PAY, NULL);
    char *page, *ticket;

    (void)state;
    want_in(out, "groups:\n  - name: slo-sidecar-pay\n    rules:\n");
    page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");
    ticket = rule_text(out, "pay", "SLOErrorBudgetBurnTicket");
    assert_non_null(page);
    assert_non_null(ticket);
    want_in(page,
            "        expr: |-\n"
            "          (\n"
            "            max without (window) (slo_burn_rate{slo=\"pay\",window=\"1h\"} > 14.4)\n"
            "            and\n"
            "            max without (window) (slo_burn_rate{slo=\"pay\",window=\"5m\"} > 14.4)\n"
            "          )\n"
            "          or\n"
            "          (\n"
            "            max without (window) (slo_burn_rate{slo=\"pay\",window=\"6h\"} > 6)\n"
            "            and\n"
            "            max without (window) (slo_burn_rate{slo=\"pay\",window=\"30m\"} > 6)\n"
            "          )\n"
            "        labels:\n");
    /* No `for:`: the short window is the workbook's answer to blips. */
    want_not_in(page, "for:");
    want_in(ticket, "(slo_burn_rate{slo=\"pay\",window=\"1d\"} > 3)\n");
    want_in(ticket, "(slo_burn_rate{slo=\"pay\",window=\"2h\"} > 3)\n");
    want_in(ticket, "(slo_burn_rate{slo=\"pay\",window=\"3d\"} > 1)\n");
    want_in(ticket, "(slo_burn_rate{slo=\"pay\",window=\"6h\"} > 1)\n");
    free(page);
    free(ticket);
    assert_int_equal(count(out, "      - alert: "), 4);
    free(out);
}

static void test_custom_table_with_page_rows_only_has_no_ticket_alert(void **state)
{
    char *out = render(GLOBAL SLO_PAY
                       "    alerting:\n      windows:\n"
                       "        - {severity: page, long: 2h, short: 10m, factor: 10}\n",
                       NULL);
    char *page;

    (void)state;
    page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");
    assert_non_null(page);
    /* One row: no parentheses around it, no "or". */
    want_in(page,
            "        expr: |-\n"
            "          max without (window) (slo_burn_rate{slo=\"pay\",window=\"2h\"} > 10)\n"
            "          and\n"
            "          max without (window) (slo_burn_rate{slo=\"pay\",window=\"10m\"} > 10)\n"
            "        labels:\n");
    want_in(page, "(page: burn rate above 10 over 2h and 10m)");
    free(page);
    want_not_in(out, "SLOErrorBudgetBurnTicket");
    want_in(out, "SLOErrorBudgetExhausted");
    want_in(out, "SLOFiguresStale");
    free(out);
}

static void test_routing_labels_and_their_precedence(void **state)
{
    char *out = render("global:\n"
                       "  prometheus: {url: http://prom:9090}\n"
                       "  labels: {cluster: prod, team: core}\n" SLO_PAY
                       "    labels: {team: payments}\n"
                       "    alerting:\n"
                       "      page: {labels: {severity: critical, pager: payments-oncall}}\n"
                       "      ticket: {labels: {severity: warning}}\n",
                       NULL);
    char *page, *ticket, *exhausted, *stale;

    (void)state;
    page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");
    ticket = rule_text(out, "pay", "SLOErrorBudgetBurnTicket");
    exhausted = rule_text(out, "pay", "SLOErrorBudgetExhausted");
    stale = rule_text(out, "pay", "SLOFiguresStale");
    assert_non_null(page);
    assert_non_null(ticket);
    assert_non_null(exhausted);
    assert_non_null(stale);
    /* Sorted by name; the SLO's labels win over global ones, the route's
     * labels over the default severity. */
    want_in(page, "        labels:\n"
                  "          cluster: \"prod\"\n"
                  "          pager: \"payments-oncall\"\n"
                  "          service: \"payments\"\n"
                  "          severity: \"critical\"\n"
                  "          slo: \"pay\"\n"
                  "          team: \"payments\"\n"
                  "        annotations:\n");
    want_in(ticket, "          severity: \"warning\"\n");
    want_not_in(ticket, "pager:");
    /* Exhausted and stale route like tickets. */
    want_in(exhausted, "          severity: \"warning\"\n");
    want_in(stale, "          severity: \"warning\"\n");
    want_in(stale, "          team: \"payments\"\n");
    free(page);
    free(ticket);
    free(exhausted);
    free(stale);
    free(out);
}

static void test_default_severities_are_critical_and_warning(void **state)
{
    char *out = render(GLOBAL SLO_PAY, NULL);
    char *page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");
    char *exhausted = rule_text(out, "pay", "SLOErrorBudgetExhausted");

    (void)state;
    assert_non_null(page);
    assert_non_null(exhausted);
    /* kube-prometheus' words, which its Alertmanager routes and inhibits on. */
    want_in(page, "          severity: \"critical\"\n");
    want_in(exhausted, "          severity: \"warning\"\n");
    want_in(exhausted, "        expr: |-\n"
                       "          slo_error_budget_remaining_ratio{slo=\"pay\"} <= 0\n"
                       "        labels:\n");
    want_in(exhausted, "{{ $value | humanizePercentage }} of it remains");
    want_not_in(exhausted, "for:");
    free(page);
    free(exhausted);
    free(out);
}

static void test_global_alerting_under_the_slos_own(void **state)
{
    char *out = render("global:\n"
                       "  prometheus: {url: http://p}\n"
                       "  alerting:\n"
                       "    page: {labels: {severity: pager, team: sre}, annotations: {a: g}}\n"
                       "    ticket: {labels: {severity: mail}}\n"
                       "slos:\n"
                       "  - name: pay\n"
                       "    service: payments\n"
                       "    objective: 99.9\n"
                       "    period: 30d\n"
                       "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                       "    alerting: {page: {labels: {severity: urgent}, annotations: {a: s}}}\n"
                       "  - name: other\n"
                       "    service: payments\n"
                       "    objective: 99.9\n"
                       "    period: 30d\n"
                       "    sli: {events: {error: 'e_total', total: 't_total'}}\n",
                       NULL);
    char *page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");
    char *other = rule_text(out, "other", "SLOErrorBudgetBurnPage");
    char *stale = rule_text(out, "other", "SLOFiguresStale");

    (void)state;
    assert_non_null(page);
    assert_non_null(other);
    assert_non_null(stale);
    /* The SLO's own labels and annotations win over global.alerting's. */
    want_in(page, "          severity: \"urgent\"\n");
    want_in(page, "          team: \"sre\"\n");
    want_in(page, "          a: \"s\"\n");
    want_in(other, "          severity: \"pager\"\n");
    want_in(other, "          a: \"g\"\n");
    want_in(stale, "          severity: \"mail\"\n");
    free(page);
    free(other);
    free(stale);
    free(out);
}

/*
 * alerting.page / .ticket: false leave that burn-rate rule out; the budget
 * and staleness rules stay (they are not burn alerts). global.alerting's
 * switch is the default, the SLO's own wins.
 */
static void test_alert_switched_off_has_no_rule(void **state)
{
    char *out = render("global:\n"
                       "  prometheus: {url: http://p}\n"
                       "  alerting: {ticket: false}\n"
                       "slos:\n"
                       "  - name: pay\n"
                       "    service: payments\n"
                       "    objective: 99.9\n"
                       "    period: 30d\n"
                       "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                       "    alerting: {page: false}\n"
                       "  - name: other\n"
                       "    service: payments\n"
                       "    objective: 99.9\n"
                       "    period: 30d\n"
                       "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                       "    alerting: {ticket: {labels: {team: t}}}\n",
                       NULL);
    char *r;

    (void)state;
    assert_null(rule_text(out, "pay", "SLOErrorBudgetBurnPage"));
    assert_null(rule_text(out, "pay", "SLOErrorBudgetBurnTicket"));
    r = rule_text(out, "pay", "SLOErrorBudgetExhausted");
    assert_non_null(r);
    free(r);
    r = rule_text(out, "pay", "SLOFiguresStale");
    assert_non_null(r);
    free(r);
    r = rule_text(out, "other", "SLOErrorBudgetBurnPage");
    assert_non_null(r);
    free(r);
    /* A route of its own turns the SLO's ticket alert back on. */
    r = rule_text(out, "other", "SLOErrorBudgetBurnTicket");
    assert_non_null(r);
    want_in(r, "          team: \"t\"\n");
    free(r);
    assert_int_equal(count(out, "SLOErrorBudgetBurn"), 2);
    free(out);
}

static void test_annotations_template_the_value_and_remaining_budget(void **state)
{
    char *out = render(GLOBAL "slos:\n"
                              "  - name: pay\n"
                              "    service: payments\n"
                              "    description: Payments that succeed\n"
                              "    objective: 99.5\n"
                              "    period: calendar_month\n"
                              "    sli: {events: {error: 'e_total', total: 't_total'}}\n",
                       NULL);
    char *page = rule_text(out, "pay", "SLOErrorBudgetBurnPage");

    (void)state;
    assert_non_null(page);
    want_in(page, "          summary: \"SLO pay of service payments is burning its error "
                  "budget fast\"\n");
    want_in(page, "description: \"SLO pay of service payments (Payments that succeed; objective "
                  "99.5% over calendar_month) is burning its error budget at {{ $value | "
                  "humanize }} times the rate");
    /* The remaining budget of the alert's own series: all its labels. */
    want_in(page, "{{ range $k, $v := $labels }}{{ $m = printf \\\"%s,%s=%q\\\" $m $k $v }}");
    want_in(page, "{{ with query (printf \\\"slo_error_budget_remaining_ratio{slo!=\\\\\\\"\\\\"
                  "\\\"%s}\\\" $m) }}{{ . | first | value | humanizePercentage }}");
    want_not_in(page, "runbook_url");
    want_not_in(page, "dashboard_url");
    free(page);
    free(out);
}

static void test_config_text_is_literal_in_templates_and_labels(void **state)
{
    char *out = render(GLOBAL "slos:\n"
                              "  - name: s\n"
                              "    service: \"a {{ .Evil }} \\\"q\\\" b\"\n"
                              "    description: \"two {{ braces\"\n"
                              "    objective: 99\n"
                              "    period: 7d\n"
                              "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                              "    alerting:\n"
                              "      page:\n"
                              "        annotations:\n"
                              "          summary: '{{ $labels.slo }} pages'\n"
                              "          \"odd key\": x\n",
                       NULL);

    (void)state;
    /* Text from the config is printed, never run, and quoted for YAML. */
    want_in(out, "          service: \"a {{ \\\"{{\\\" }} .Evil }} \\\"q\\\" b\"\n");
    want_in(out, "(two {{ \\\"{{\\\" }} braces; objective 99% over 7d)");
    want_not_in(out, "{{ .Evil");
    /* The route's annotations are the user's own templates. */
    want_in(out, "          summary: \"{{ $labels.slo }} pages\"\n");
    want_in(out, "          \"odd key\": \"x\"\n");
    free(out);
}

static void test_links_runbook_and_dashboard(void **state)
{
    char *out = render("global:\n"
                       "  prometheus: {url: http://prom:9090}\n"
                       "  dashboard_url: https://g.example.com/d/slo-sidecar-overview/slo\n"
                       "slos:\n"
                       "  - name: a.b_c-d\n"
                       "    service: \"web & api/é\"\n"
                       "    objective: 99\n"
                       "    period: 7d\n"
                       "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                       "    alerting:\n"
                       "      runbook_url: https://wiki.example.com/rb\n"
                       "      page: {annotations: {runbook_url: https://wiki.example.com/page}}\n",
                       NULL);
    char *q;

    (void)state;
    /* On all four alerts, the page's own runbook_url winning on the page. */
    assert_int_equal(count(out, "runbook_url: \"https://wiki.example.com/rb\""), 3);
    assert_int_equal(count(out, "runbook_url: \"https://wiki.example.com/page\""), 1);
    assert_int_equal(count(out, "dashboard_url: \"https://g.example.com/d/slo-sidecar-overview/slo"
                                "?var-slo=a.b_c-d&var-service=web%20%26%20api%2F%C3%A9\""),
                     4);
    free(out);
    /* A URL that already has a query gets &. */
    q = render("global:\n"
               "  prometheus: {url: http://prom:9090}\n"
               "  dashboard_url: https://g/d/x?orgId=2\n" SLO_PAY,
               NULL);
    want_in(q, "dashboard_url: \"https://g/d/x?orgId=2&var-slo=pay&var-service=payments\"");
    free(q);
}

static void test_stale_threshold_and_for_follow_the_interval(void **state)
{
    static const struct {
        const char *interval;
        const char *after;
        const char *for_;
    } cases[] = {
        {"1s", "> 120\n", "for: 5m\n"},
        {"30s", "> 120\n", "for: 5m\n"},
        {"1m", "> 180\n", "for: 5m\n"},
        {"5m", "> 900\n", "for: 10m\n"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[1024];
        char *out, *stale;

        snprintf(yaml, sizeof(yaml),
                 "global:\n  interval: %s\n  prometheus: {url: http://p}\n" SLO_PAY,
                 cases[i].interval);
        out = render(yaml, NULL);
        stale = rule_text(out, "pay", "SLOFiguresStale");
        assert_non_null(stale);
        want_in(stale, cases[i].after);
        want_in(stale, cases[i].for_);
        free(stale);
        free(out);
    }
    {
        char *out = render(GLOBAL SLO_PAY, NULL);
        char *stale = rule_text(out, "pay", "SLOFiguresStale");

        assert_non_null(stale);
        want_in(stale,
                "        expr: |-\n"
                "          (time() - slo_last_evaluation_timestamp_seconds{slo=\"pay\"}) > 120\n"
                "          or\n"
                "          (\n"
                "            (time() - slo_last_evaluation_timestamp_seconds{slo=\"pay\"})\n"
                "            and on (job, instance)\n"
                "            slo_sidecar_backend_up == 0\n"
                "          )\n"
                "          or\n"
                "          absent(slo_last_evaluation_timestamp_seconds{slo=\"pay\"})\n"
                "        for: 5m\n");
        free(stale);
        free(out);
    }
}

static void test_stale_thresholds(void **state)
{
    struct config cfg;

    (void)state;
    memset(&cfg, 0, sizeof(cfg));
    cfg.interval_ms = 30000;
    assert_int_equal(rules_stale_after_ms(&cfg), 120000);
    assert_int_equal(rules_stale_for_ms(&cfg), 300000);
    cfg.interval_ms = 600000;
    assert_int_equal(rules_stale_after_ms(&cfg), 1800000);
    assert_int_equal(rules_stale_for_ms(&cfg), 1200000);
}

static void test_prometheusrule_wraps_the_rule_file(void **state)
{
    struct rules_opts o;
    struct err e = {{0}};
    char *plain = render(GLOBAL SLO_PAY, NULL);
    char *pr;
    const char *spec, *groups;
    struct buf want;

    (void)state;
    memset(&o, 0, sizeof(o));
    labels_init(&o.labels);
    o.format = RULES_FORMAT_PROMETHEUSRULE;
    o.name = "pay-slos";
    o.ns = "monitoring";
    assert_int_equal(rules_add_object_label(&o.labels, "release=prom", &e), 0);
    assert_int_equal(rules_add_object_label(&o.labels, "app.kubernetes.io/part-of=slo", &e), 0);
    pr = render(GLOBAL SLO_PAY, &o);
    labels_free(&o.labels);
    want_in(pr, "apiVersion: monitoring.coreos.com/v1\n"
                "kind: PrometheusRule\n"
                "metadata:\n"
                "  name: \"pay-slos\"\n"
                "  namespace: \"monitoring\"\n"
                "  labels:\n"
                "    \"app.kubernetes.io/part-of\": \"slo\"\n"
                "    release: \"prom\"\n"
                "spec:\n"
                "  groups:\n");
    /* spec holds the rule file's lines two spaces deeper. */
    spec = strstr(pr, "spec:\n") + strlen("spec:\n");
    groups = strstr(plain, "groups:\n");
    buf_init(&want, 1u << 24);
    for (const char *p = groups; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

        assert_int_equal(buf_puts(&want, "  "), 0);
        assert_int_equal(buf_append(&want, p, n), 0);
        p += n;
    }
    assert_string_equal(spec, want.data);
    buf_free(&want);
    free(plain);
    free(pr);
    /* Defaults: the default name, no namespace, no labels. */
    memset(&o, 0, sizeof(o));
    o.format = RULES_FORMAT_PROMETHEUSRULE;
    pr = render(GLOBAL SLO_PAY, &o);
    want_in(pr, "metadata:\n  name: \"" RULES_DEFAULT_NAME "\"\nspec:\n");
    free(pr);
}

static void test_object_name_and_label_checks(void **state)
{
    static const char *const good_names[] = {"a", "slo-sidecar", "a.b-c", "0x"};
    static const char *const bad_names[] = {"", "A", "-a", "a-", "a_b", "a b"};
    static const char *const good_labels[] = {"a=b", "app.kubernetes.io/name=x",
                                              "a=", "A_b.c-D=Z.9", "prometheus=k8s"};
    static const char *const bad_labels[] = {"a",     "=b",   "-a=b",           "a=-b",   "a=b c",
                                             "a=b/c", "/a=b", "Bad_Prefix/a=b", "a/b/c=d"};
    struct labels l;
    struct err e = {{0}};
    char long_name[300];

    (void)state;
    for (size_t i = 0; i < sizeof(good_names) / sizeof(good_names[0]); i++)
        assert_int_equal(rules_check_object_name(good_names[i], &e), 0);
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        if (rules_check_object_name(bad_names[i], &e) != -1)
            fail_msg("object name \"%s\" was accepted", bad_names[i]);
    }
    memset(long_name, 'a', 254);
    long_name[254] = '\0';
    assert_int_equal(rules_check_object_name(long_name, &e), -1);
    long_name[253] = '\0';
    assert_int_equal(rules_check_object_name(long_name, &e), 0);
    labels_init(&l);
    for (size_t i = 0; i < sizeof(good_labels) / sizeof(good_labels[0]); i++)
        assert_int_equal(rules_add_object_label(&l, good_labels[i], &e), 0);
    assert_string_equal(labels_get(&l, "app.kubernetes.io/name"), "x");
    assert_string_equal(labels_get(&l, "a"), "");
    for (size_t i = 0; i < sizeof(bad_labels) / sizeof(bad_labels[0]); i++) {
        if (rules_add_object_label(&l, bad_labels[i], &e) != -1) {
            labels_free(&l);
            fail_msg("label \"%s\" was accepted", bad_labels[i]);
        }
    }
    assert_non_null(strstr(e.msg, "\"a/b/c\""));
    labels_free(&l);
}

static void test_render_fails_cleanly_at_the_buffer_cap(void **state)
{
    struct config *cfg = parse_ok(GLOBAL SLO_PAY);
    struct buf b;
    struct buf full;
    struct rules_opts o;

    (void)state;
    memset(&o, 0, sizeof(o));
    buf_init(&full, 1u << 24);
    assert_int_equal(rules_render(cfg, NULL, &full), 0);
    /* Every cap short of the whole text fails, without leaks (valgrind). */
    for (size_t cap = 0; cap < full.len; cap += full.len / 37 + 1) {
        buf_init(&b, cap);
        assert_int_equal(rules_render(cfg, NULL, &b), -1);
        buf_free(&b);
        o.format = RULES_FORMAT_PROMETHEUSRULE;
        buf_init(&b, cap);
        assert_int_equal(rules_render(cfg, &o, &b), -1);
        buf_free(&b);
    }
    buf_init(&b, full.len + 1);
    assert_int_equal(rules_render(cfg, NULL, &b), 0);
    assert_string_equal(b.data, full.data);
    buf_free(&b);
    buf_free(&full);
    config_free(cfg);
}

static void test_header_names_the_config_and_survives_odd_paths(void **state)
{
    struct config *cfg = parse_ok(GLOBAL SLO_PAY);
    struct buf b;

    (void)state;
    free(cfg->path);
    cfg->path = util_strdup("odd\nname.yaml");
    assert_non_null(cfg->path);
    buf_init(&b, 1u << 24);
    assert_int_equal(rules_render(cfg, NULL, &b), 0);
    assert_non_null(strstr(b.data,
                           "# Alerting rules generated by slo-sidecar from odd?name.yaml;\n"));
    buf_free(&b);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_table_page_and_ticket_expressions),
        cmocka_unit_test(test_custom_table_with_page_rows_only_has_no_ticket_alert),
        cmocka_unit_test(test_routing_labels_and_their_precedence),
        cmocka_unit_test(test_default_severities_are_critical_and_warning),
        cmocka_unit_test(test_global_alerting_under_the_slos_own),
        cmocka_unit_test(test_alert_switched_off_has_no_rule),
        cmocka_unit_test(test_annotations_template_the_value_and_remaining_budget),
        cmocka_unit_test(test_config_text_is_literal_in_templates_and_labels),
        cmocka_unit_test(test_links_runbook_and_dashboard),
        cmocka_unit_test(test_stale_threshold_and_for_follow_the_interval),
        cmocka_unit_test(test_stale_thresholds),
        cmocka_unit_test(test_prometheusrule_wraps_the_rule_file),
        cmocka_unit_test(test_object_name_and_label_checks),
        cmocka_unit_test(test_render_fails_cleanly_at_the_buffer_cap),
        cmocka_unit_test(test_header_names_the_config_and_survives_odd_paths),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
