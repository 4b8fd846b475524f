/*
 * rules: renders Prometheus alerting rules for the SLOs of a config, built on
 * the sidecar's own metrics (slo_burn_rate, slo_error_budget_remaining_ratio,
 * slo_last_evaluation_timestamp_seconds, slo_sidecar_backend_up), so
 * Prometheus evaluates nothing expensive: the event counting already ran in
 * the sidecar. Per SLO, one rule group with:
 *   SLOErrorBudgetBurnPage    the alert table's page rows, as PromQL on
 *   SLOErrorBudgetBurnTicket  slo_burn_rate (the conditions of slo_alert_firing)
 *   SLOErrorBudgetExhausted   slo_error_budget_remaining_ratio <= 0
 *   SLOFiguresStale           the figures are old, missing, or the backend is down
 * Output is a plain rule file or a PrometheusRule object (prometheus-operator).
 * Pure: config in, YAML text out.
 * Depends on config, util, selector, jansson (for string quoting).
 */
#ifndef SLO_RULES_H
#define SLO_RULES_H

#include "config.h"
#include "util.h"

enum rules_format {
    RULES_FORMAT_PROMETHEUS,    /* a rule file: groups: [...] */
    RULES_FORMAT_PROMETHEUSRULE /* apiVersion monitoring.coreos.com/v1, kind PrometheusRule */
};

/* PrometheusRule metadata; ignored for RULES_FORMAT_PROMETHEUS. */
struct rules_opts {
    enum rules_format format;
    const char *name;     /* metadata.name; NULL: RULES_DEFAULT_NAME */
    const char *ns;       /* metadata.namespace; NULL: left out */
    struct labels labels; /* metadata.labels (may be empty) */
};

#define RULES_DEFAULT_NAME "slo-sidecar"

/*
 * Figures older than this are stale: three intervals (an evaluation, a scrape
 * and a rule evaluation can each lag by about one), and at least 2 minutes,
 * so slow scrapes of a fast sidecar do not alert.
 */
int64_t rules_stale_after_ms(const struct config *cfg);
/* The `for:` of SLOFiguresStale: 5 minutes, and at least two intervals. */
int64_t rules_stale_for_ms(const struct config *cfg);

/*
 * Checks a Kubernetes object name (a DNS-1123 subdomain: lower-case letters,
 * digits, '-' and '.', starting and ending alphanumeric, at most 253).
 * Returns 0, or -1 with a message in e.
 */
int rules_check_object_name(const char *name, struct err *e);
/*
 * Checks a Kubernetes label "NAME=VALUE" (an optional DNS prefix and '/', a
 * name of at most 63 of [A-Za-z0-9._-] starting and ending alphanumeric; a
 * value of the same characters, at most 63, may be empty) and adds it to l.
 * Returns 0, or -1 with a message in e (out of memory included).
 */
int rules_add_object_label(struct labels *l, const char *name_value, struct err *e);

/*
 * Appends the rules for cfg to out, in the format of o (NULL: a plain rule
 * file). Returns 0 or -1 (out of memory, or out's cap reached).
 */
int rules_render(const struct config *cfg, const struct rules_opts *o, struct buf *out);

#endif
