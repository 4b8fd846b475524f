/*
 * rules: Prometheus rule file for the SLOs. Every string is written as a
 * YAML double-quoted scalar (JSON string syntax is a subset of it), so label
 * values and annotations from the config cannot break the file.
 */
#include "rules.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* Appends s as a double-quoted YAML scalar. */
static int quoted(struct buf *b, const char *s)
{
    json_t *j = json_string(s);
    char *q;
    int rc;

    if (j == NULL)
        return -1;
    q = json_dumps(j, JSON_ENCODE_ANY);
    json_decref(j);
    if (q == NULL)
        return -1;
    rc = buf_puts(b, q);
    free(q);
    return rc;
}

/* Writes "key: value" lines for labels at indent. */
static int kv_block(struct buf *b, const char *indent, const struct labels *l)
{
    int rc = 0;

    for (size_t i = 0; i < l->n; i++) {
        rc |= buf_printf(b, "%s%s: ", indent, l->v[i].name);
        rc |= quoted(b, l->v[i].value);
        rc |= buf_puts(b, "\n");
    }
    return rc;
}

static int selector_value(struct buf *b, const char *v)
{
    /* A PromQL string inside a YAML string: escape for PromQL first. */
    int rc = 0;

    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\')
            rc |= buf_puts(b, "\\");
        rc |= buf_append(b, p, 1);
    }
    return rc;
}

static int burn_alert(struct buf *b, const struct config_slo *slo, enum config_severity sev)
{
    const struct config_alert_route *route = sev == CONFIG_SEVERITY_PAGE ? &slo->page
                                                                          : &slo->ticket;
    const char *sevname = config_severity_str(sev);
    struct labels labels, ann;
    struct buf expr, text;
    char objective[40];
    int rc = 0;
    int present = 0;

    for (size_t i = 0; i < slo->nwindows; i++)
        present |= slo->windows[i].severity == sev;
    if (!present)
        return 0;
    labels_init(&labels);
    labels_init(&ann);
    buf_init(&expr, 1 << 20);
    buf_init(&text, 1 << 20);
    util_fmt_double(slo->objective_percent, objective, sizeof(objective));
    rc |= labels_set(&labels, "severity", sevname);
    /* The series carry slo already; as a rule label it also keeps promtool
     * from seeing the per-SLO rules as duplicates. */
    rc |= labels_set(&labels, "slo", slo->name);
    for (size_t i = 0; i < route->labels.n; i++)
        rc |= labels_set(&labels, route->labels.v[i].name, route->labels.v[i].value);
    rc |= buf_puts(&text, "SLO {{ $labels.slo }} of {{ $labels.service }} is burning its error "
                          "budget too fast");
    rc |= labels_set(&ann, "summary", text.data ? text.data : "");
    buf_reset(&text);
    rc |= buf_printf(&text, "%s (objective %s%% over %s) burns its error budget faster than the "
                            "%s thresholds allow:", slo->name, objective, slo->period_name,
                     sevname);
    for (size_t i = 0; i < slo->nwindows; i++) {
        char l[32], s[32], f[40];

        if (slo->windows[i].severity != sev)
            continue;
        util_duration_format(slo->windows[i].long_ms, l, sizeof(l));
        util_duration_format(slo->windows[i].short_ms, s, sizeof(s));
        util_fmt_double(slo->windows[i].factor, f, sizeof(f));
        rc |= buf_printf(&text, " burn rate over %s and %s above %sx;", l, s, f);
    }
    rc |= buf_puts(&text, " see slo_burn_rate and slo_error_budget_remaining_ratio for "
                          "{{ $labels.slo }}.");
    rc |= labels_set(&ann, "description", text.data ? text.data : "");
    for (size_t i = 0; i < route->annotations.n; i++)
        rc |= labels_set(&ann, route->annotations.v[i].name, route->annotations.v[i].value);
    rc |= buf_puts(&expr, "slo_alert_firing{slo=\"");
    rc |= selector_value(&expr, slo->name);
    rc |= buf_printf(&expr, "\",severity=\"%s\"} == 1", sevname);
    rc |= buf_printf(b, "      - alert: %s\n        expr: ",
                     sev == CONFIG_SEVERITY_PAGE ? "SLOErrorBudgetBurnPage"
                                                 : "SLOErrorBudgetBurnTicket");
    rc |= quoted(b, expr.data ? expr.data : "");
    rc |= buf_puts(b, "\n        labels:\n");
    rc |= kv_block(b, "          ", &labels);
    rc |= buf_puts(b, "        annotations:\n");
    rc |= kv_block(b, "          ", &ann);
    labels_free(&labels);
    labels_free(&ann);
    buf_free(&expr);
    buf_free(&text);
    return rc ? -1 : 0;
}

static int exhausted_alert(struct buf *b, const struct config_slo *slo)
{
    struct buf expr;
    int rc = 0;

    buf_init(&expr, 1 << 20);
    rc |= buf_puts(&expr, "slo_status{slo=\"");
    rc |= selector_value(&expr, slo->name);
    rc |= buf_puts(&expr, "\",status=\"exhausted\"} == 1");
    rc |= buf_puts(b, "      - alert: SLOErrorBudgetExhausted\n        expr: ");
    rc |= quoted(b, expr.data ? expr.data : "");
    rc |= buf_puts(b, "\n        labels:\n          severity: \"ticket\"\n          slo: ");
    rc |= quoted(b, slo->name);
    rc |= buf_puts(b, "\n        annotations:\n          summary: \"SLO {{ $labels.slo }} has "
                      "exhausted its error budget\"\n");
    buf_free(&expr);
    return rc ? -1 : 0;
}

int rules_render(const struct config *cfg, struct buf *out)
{
    char stale[32];
    int rc = 0;

    util_fmt_double((double)cfg->interval_ms * 2 / 1000.0, stale, sizeof(stale));
    rc |= buf_printf(out, "# Alerting rules generated by slo-sidecar from %s.\n"
                          "# They read the sidecar's own slo_* metrics.\ngroups:\n"
                          "  - name: slo-sidecar-slos\n    rules:\n", cfg->path);
    for (size_t i = 0; i < cfg->nslos; i++) {
        rc |= burn_alert(out, &cfg->slos[i], CONFIG_SEVERITY_PAGE);
        rc |= burn_alert(out, &cfg->slos[i], CONFIG_SEVERITY_TICKET);
        rc |= exhausted_alert(out, &cfg->slos[i]);
    }
    rc |= buf_printf(out,
                     "  - name: slo-sidecar-health\n    rules:\n"
                     "      - alert: SLOSidecarBackendDown\n"
                     "        expr: \"slo_sidecar_backend_up == 0\"\n"
                     "        for: 5m\n"
                     "        labels:\n          severity: \"ticket\"\n"
                     "        annotations:\n          summary: \"slo-sidecar cannot query its "
                     "backend; SLO figures are going stale\"\n"
                     "      - alert: SLOFiguresStale\n"
                     "        expr: \"time() - slo_last_evaluation_timestamp_seconds > %s\"\n"
                     "        labels:\n          severity: \"ticket\"\n"
                     "        annotations:\n          summary: \"SLO {{ $labels.slo }} has not "
                     "been evaluated successfully for more than 2 intervals\"\n",
                     stale);
    return rc ? -1 : 0;
}
