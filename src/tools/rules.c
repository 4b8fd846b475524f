/*
 * rules: Prometheus alerting rules for the SLOs, one rule group per SLO.
 *
 * Every rule selects the SLO's series by slo="NAME" only: the sidecar's own
 * labels (global and SLO labels, group labels) ride along on the series, and
 * matching on them would silently break when a scrape renames one (a target
 * label of the same name without honor_labels). The alerts keep every series
 * label, so grouped SLOs alert per group and routing sees the SLO's labels.
 *
 * Strings are written so that nothing from the config can break the file:
 * label and annotation values as YAML double-quoted scalars (JSON string
 * syntax is a subset of them), PromQL string literals escaped, literal text
 * inside annotation templates with "{{" escaped, PromQL as block scalars of
 * lines we write ourselves.
 */
#include "rules.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"

#define MIN_MS (60 * 1000)

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

/* Writes "key: value" lines at indent; keys that are not identifiers are quoted. */
static int kv_block(struct buf *b, const char *indent, const struct labels *l)
{
    int rc = 0;

    for (size_t i = 0; i < l->n; i++) {
        rc |= buf_puts(b, indent);
        rc |= selector_name_ok(l->v[i].name, 0) ? buf_puts(b, l->v[i].name)
                                                : quoted(b, l->v[i].name);
        rc |= buf_puts(b, ": ");
        rc |= quoted(b, l->v[i].value);
        rc |= buf_puts(b, "\n");
    }
    return rc;
}

/* Appends s as a PromQL string literal ("..." with Go escapes). */
static int promql_string(struct buf *b, const char *s)
{
    int rc = buf_puts(b, "\"");

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            rc |= buf_printf(b, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            rc |= buf_printf(b, "\\x%02x", *p);
        else
            rc |= buf_append(b, p, 1);
    }
    return rc | buf_puts(b, "\"");
}

/*
 * Appends s as literal text of a Go template (Prometheus expands annotations
 * as templates): every "{{" becomes an action that prints "{{".
 */
static int tmpl_text(struct buf *b, const char *s)
{
    int rc = 0;

    for (const char *p = s; *p; p++) {
        if (p[0] == '{' && p[1] == '{') {
            rc |= buf_puts(b, "{{ \"{{\" }}");
            p++;
        } else {
            rc |= buf_append(b, p, 1);
        }
    }
    return rc;
}

/*
 * Sets name to value as literal template text (Prometheus expands alert
 * labels as templates too). Returns 0 or -1.
 */
static int set_literal(struct labels *l, const char *name, const char *value)
{
    struct buf b;
    int rc;

    buf_init(&b, 1u << 20);
    rc = tmpl_text(&b, value);
    if (rc == 0)
        rc = labels_set(l, name, b.data ? b.data : "");
    buf_free(&b);
    return rc ? -1 : 0;
}

/* Appends s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
static int url_query_value(struct buf *b, const char *s)
{
    int rc = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~')
            rc |= buf_append(b, p, 1);
        else
            rc |= buf_printf(b, "%%%02X", *p);
    }
    return rc;
}

int64_t rules_stale_after_ms(const struct config *cfg)
{
    int64_t t = 3 * cfg->interval_ms;

    return t > 2 * MIN_MS ? t : 2 * MIN_MS;
}

int64_t rules_stale_for_ms(const struct config *cfg)
{
    int64_t t = 2 * cfg->interval_ms;

    return t > 5 * MIN_MS ? t : 5 * MIN_MS;
}

/* One alerting rule being built; everything owned. */
struct rule {
    const char *alert;
    struct buf expr; /* PromQL, lines separated by '\n' */
    int64_t for_ms;  /* 0: no for */
    struct labels labels;
    struct labels ann;
    struct buf text; /* scratch for annotation texts */
};

static void rule_init(struct rule *r, const char *alert)
{
    r->alert = alert;
    buf_init(&r->expr, 1u << 20);
    buf_init(&r->text, 1u << 20);
    r->for_ms = 0;
    labels_init(&r->labels);
    labels_init(&r->ann);
}

static void rule_free(struct rule *r)
{
    buf_free(&r->expr);
    buf_free(&r->text);
    labels_free(&r->labels);
    labels_free(&r->ann);
}

/* Sets annotation name to the scratch text and empties the scratch. */
static int rule_annotate(struct rule *r, const char *name)
{
    int rc = labels_set(&r->ann, name, r->text.data ? r->text.data : "");

    buf_reset(&r->text);
    return rc;
}

/* Writes r as an item of a rules list, at the indentation of a plain rule file. */
static int rule_write(struct buf *b, const struct rule *r)
{
    const char *e = r->expr.data ? r->expr.data : "";
    int rc = 0;

    rc |= buf_printf(b, "      - alert: %s\n        expr: |-\n", r->alert);
    while (*e) {
        const char *nl = strchr(e, '\n');
        size_t n = nl ? (size_t)(nl - e) : strlen(e);

        rc |= buf_puts(b, "          ");
        rc |= buf_append(b, e, n);
        rc |= buf_puts(b, "\n");
        e += n + (nl != NULL);
    }
    if (r->for_ms > 0) {
        char d[32];

        if (util_duration_format(r->for_ms, d, sizeof(d)) != 0)
            return -1;
        rc |= buf_printf(b, "        for: %s\n", d);
    }
    rc |= buf_puts(b, "        labels:\n");
    rc |= kv_block(b, "          ", &r->labels);
    rc |= buf_puts(b, "        annotations:\n");
    rc |= kv_block(b, "          ", &r->ann);
    return rc;
}

/*
 * The labels every alert of slo of severity sev carries: the global labels,
 * the SLO's labels (which win), slo, service, severity (critical or warning,
 * config_severity_label), then global.alerting's route labels and the SLO's
 * (which may replace severity). The series carry all but severity already; setting them
 * on the rule too keeps them right on alerts that have no series (absent())
 * and when a scrape renamed one.
 */
static int route_labels(const struct config *cfg, const struct config_slo *slo,
                        enum config_severity sev, struct labels *out)
{
    const struct config_alert_route *routes[2] = {
        sev == CONFIG_SEVERITY_PAGE ? &cfg->alert_page : &cfg->alert_ticket,
        sev == CONFIG_SEVERITY_PAGE ? &slo->page : &slo->ticket};
    int rc = 0;

    for (size_t i = 0; i < cfg->labels.n; i++)
        rc |= set_literal(out, cfg->labels.v[i].name, cfg->labels.v[i].value);
    for (size_t i = 0; i < slo->labels.n; i++)
        rc |= set_literal(out, slo->labels.v[i].name, slo->labels.v[i].value);
    rc |= set_literal(out, "slo", slo->name);
    rc |= set_literal(out, "service", slo->service);
    rc |= labels_set(out, "severity", config_severity_label(sev));
    /* The routes' labels are the user's templates, written as they are:
     * global.alerting's first, then the SLO's, which win. */
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < routes[k]->labels.n; i++)
            rc |= labels_set(out, routes[k]->labels.v[i].name, routes[k]->labels.v[i].value);
    return rc ? -1 : 0;
}

/*
 * As template text: "SLO NAME of service S" (short), or with long
 * "SLO NAME of service S (DESCRIPTION; objective 99.9% over 30d)".
 */
static int slo_intro(struct buf *b, const struct config_slo *slo, int long_form)
{
    char obj[40];
    int rc = 0;

    rc |= buf_printf(b, "SLO %s of service ", slo->name);
    rc |= tmpl_text(b, slo->service);
    if (!long_form)
        return rc;
    util_fmt_double(slo->objective_percent, obj, sizeof(obj));
    rc |= buf_puts(b, " (");
    if (slo->description[0] != '\0') {
        rc |= tmpl_text(b, slo->description);
        rc |= buf_puts(b, "; ");
    }
    rc |= buf_printf(b, "objective %s%% over %s)", obj, slo->period_name);
    return rc;
}

/* Writes r (unless building it failed: rc != 0) and frees it; 0 or -1. */
static int rule_finish(struct buf *b, struct rule *r, int rc)
{
    if (rc == 0)
        rc = rule_write(b, r);
    rule_free(r);
    return rc ? -1 : 0;
}

/* runbook_url and dashboard_url annotations, when configured. */
static int link_annotations(const struct config *cfg, const struct config_slo *slo, struct rule *r)
{
    int rc = 0;

    if (slo->runbook_url != NULL) {
        rc |= tmpl_text(&r->text, slo->runbook_url);
        rc |= rule_annotate(r, "runbook_url");
    }
    if (cfg->dashboard_url != NULL) {
        /* The dashboard's template variables, preset to this SLO. */
        rc |= tmpl_text(&r->text, cfg->dashboard_url);
        rc |= buf_printf(&r->text, "%cvar-slo=", strchr(cfg->dashboard_url, '?') ? '&' : '?');
        rc |= url_query_value(&r->text, slo->name);
        rc |= buf_puts(&r->text, "&var-service=");
        rc |= url_query_value(&r->text, slo->service);
        rc |= rule_annotate(r, "dashboard_url");
    }
    return rc ? -1 : 0;
}

/* `METRIC{slo="NAME"` without the closing brace, so callers can add matchers. */
static int selector_open(struct buf *b, const char *metric, const struct config_slo *slo)
{
    return buf_printf(b, "%s{slo=", metric) | promql_string(b, slo->name);
}

/*
 * The remaining error budget of the alert's own series, as a template: the
 * query matches every label of the alert ($labels holds the series labels,
 * group labels and scrape labels included), so grouped SLOs and replicas each
 * show their own figure.
 */
static const char remaining_tmpl[] =
    "{{ $m := \"\" }}{{ range $k, $v := $labels }}{{ $m = printf \"%s,%s=%q\" $m $k $v }}"
    "{{ end }}{{ with query (printf \"slo_error_budget_remaining_ratio{slo!=\\\"\\\"%s}\" $m) }}"
    "{{ . | first | value | humanizePercentage }}{{ else }}unknown{{ end }}";

static int burn_alert(struct buf *b, const struct config *cfg, const struct config_slo *slo,
                      enum config_severity sev)
{
    const struct config_alert_route *route = sev == CONFIG_SEVERITY_PAGE ? &slo->page
                                                                         : &slo->ticket;
    const struct config_alert_route *groute = sev == CONFIG_SEVERITY_PAGE ? &cfg->alert_page
                                                                          : &cfg->alert_ticket;
    const char *sevname = config_severity_str(sev);
    struct rule r;
    size_t nrows = 0, row = 0;
    int rc = 0;

    for (size_t i = 0; i < slo->nwindows; i++)
        nrows += slo->windows[i].severity == sev;
    if (nrows == 0 || !config_alert_enabled(slo, sev))
        return 0;
    rule_init(&r,
              sev == CONFIG_SEVERITY_PAGE ? "SLOErrorBudgetBurnPage" : "SLOErrorBudgetBurnTicket");
    /*
     * Each row: burn rate over long and over short above the factor, the
     * window label dropped so rows combine into one alert per series. The
     * value is the long window's burn rate of the first row that holds.
     */
    rc |= buf_printf(&r.text, "%s: burn rate above ", sevname);
    for (size_t i = 0; i < slo->nwindows; i++) {
        const struct config_alert_window *w = &slo->windows[i];
        const char *ind = nrows > 1 ? "  " : "";
        char l[32], s[32], f[40];

        if (w->severity != sev)
            continue;
        if (util_duration_format(w->long_ms, l, sizeof(l)) != 0 ||
            util_duration_format(w->short_ms, s, sizeof(s)) != 0) {
            rc = -1;
            break;
        }
        util_fmt_double(w->factor, f, sizeof(f));
        if (row > 0)
            rc |= buf_puts(&r.expr, "\nor\n");
        if (nrows > 1)
            rc |= buf_puts(&r.expr, "(\n");
        for (int k = 0; k < 2; k++) {
            rc |= buf_printf(&r.expr, "%smax without (window) (", ind);
            rc |= selector_open(&r.expr, "slo_burn_rate", slo);
            rc |= buf_printf(&r.expr, ",window=\"%s\"} > %s)%s", k == 0 ? l : s, f,
                             k == 0 ? "\n" : "");
            if (k == 0)
                rc |= buf_printf(&r.expr, "%sand\n", ind);
        }
        if (nrows > 1)
            rc |= buf_puts(&r.expr, "\n)");
        rc |= buf_printf(&r.text, "%s%s over %s and %s", row == 0 ? "" : ", or above ", f, l, s);
        row++;
    }
    {
        /* The row list is in r.text; keep it while the texts are built. */
        char *rows = buf_steal(&r.text);

        buf_init(&r.text, 1u << 20);
        rc |= rows == NULL;
        rc |= route_labels(cfg, slo, sev, &r.labels);
        rc |= slo_intro(&r.text, slo, 0);
        rc |= buf_printf(&r.text, " is burning its error budget %s",
                         sev == CONFIG_SEVERITY_PAGE ? "fast" : "too fast to last the period");
        rc |= rule_annotate(&r, "summary");
        rc |= slo_intro(&r.text, slo, 1);
        rc |= buf_printf(&r.text,
                         " is burning its error budget at {{ $value | humanize }} times the rate "
                         "that would spend it exactly over the period, over the long window of "
                         "the %s condition that holds (%s). Error budget remaining: ",
                         sevname, rows ? rows : "");
        rc |= buf_puts(&r.text, remaining_tmpl);
        rc |= buf_puts(&r.text, ".");
        rc |= rule_annotate(&r, "description");
        free(rows);
    }
    rc |= link_annotations(cfg, slo, &r);
    for (size_t k = 0; k < 2; k++) {
        const struct config_alert_route *rt = k == 0 ? groute : route;

        for (size_t i = 0; i < rt->annotations.n; i++)
            rc |= labels_set(&r.ann, rt->annotations.v[i].name, rt->annotations.v[i].value);
    }
    return rule_finish(b, &r, rc);
}

static int exhausted_alert(struct buf *b, const struct config *cfg, const struct config_slo *slo)
{
    struct rule r;
    int rc = 0;

    rule_init(&r, "SLOErrorBudgetExhausted");
    /* The sidecar's status is exhausted exactly when remaining <= 0. */
    rc |= selector_open(&r.expr, "slo_error_budget_remaining_ratio", slo);
    rc |= buf_puts(&r.expr, "} <= 0");
    rc |= route_labels(cfg, slo, CONFIG_SEVERITY_TICKET, &r.labels);
    rc |= slo_intro(&r.text, slo, 0);
    rc |= buf_puts(&r.text, " has exhausted its error budget");
    rc |= rule_annotate(&r, "summary");
    rc |= slo_intro(&r.text, slo, 1);
    rc |= buf_puts(&r.text, " has spent its whole error budget: "
                            "{{ $value | humanizePercentage }} of it remains (negative: "
                            "overspent), so the objective is not met over the period.");
    rc |= rule_annotate(&r, "description");
    rc |= link_annotations(cfg, slo, &r);
    return rule_finish(b, &r, rc);
}

static int stale_alert(struct buf *b, const struct config *cfg, const struct config_slo *slo)
{
    char after[40], ivl[32];
    struct rule r;
    int rc = 0;

    rule_init(&r, "SLOFiguresStale");
    util_fmt_double((double)rules_stale_after_ms(cfg) / 1000.0, after, sizeof(after));
    if (util_duration_format(cfg->interval_ms, ivl, sizeof(ivl)) != 0)
        rc = -1;
    r.for_ms = rules_stale_for_ms(cfg);
    /*
     * Three ways the figures go bad: they age (the poller is stuck), the
     * sidecar's backend requests fail (the figures are kept at most 5
     * intervals, then dropped), or there are none (dropped, never evaluated,
     * or the sidecar is not scraped). The value is their age in seconds.
     */
    rc |= buf_puts(&r.expr, "(time() - ");
    rc |= selector_open(&r.expr, "slo_last_evaluation_timestamp_seconds", slo);
    rc |= buf_printf(&r.expr, "}) > %s\nor\n(\n  (time() - ", after);
    rc |= selector_open(&r.expr, "slo_last_evaluation_timestamp_seconds", slo);
    rc |= buf_puts(&r.expr, "})\n  and on (job, instance)\n  slo_sidecar_backend_up == 0\n)\n"
                            "or\nabsent(");
    rc |= selector_open(&r.expr, "slo_last_evaluation_timestamp_seconds", slo);
    rc |= buf_puts(&r.expr, "})");
    rc |= route_labels(cfg, slo, CONFIG_SEVERITY_TICKET, &r.labels);
    rc |= buf_puts(&r.text, "The figures of ");
    rc |= slo_intro(&r.text, slo, 0);
    rc |= buf_puts(&r.text, " are stale or missing");
    rc |= rule_annotate(&r, "summary");
    /* absent() gives a series with the slo label only: no service label. */
    rc |= buf_printf(&r.text,
                     "{{ if $labels.service }}slo-sidecar last evaluated SLO %s "
                     "{{ $value | humanizeDuration }} ago (interval %s)"
                     "{{ with query (printf \"slo_sidecar_backend_up{job=%%q,instance=%%q} == 0\" "
                     "$labels.job $labels.instance) }} and its last request to the backend "
                     "failed (slo_sidecar_backend_up is 0){{ end }}"
                     "{{ else }}No slo-sidecar exports figures for SLO %s: it is not scraped, "
                     "or the SLO has not been evaluated successfully for more than 5 intervals"
                     "{{ end }}. Meanwhile its burn-rate alerts see old figures or none; the "
                     "sidecar's log names the cause.",
                     slo->name, ivl, slo->name);
    rc |= rule_annotate(&r, "description");
    rc |= link_annotations(cfg, slo, &r);
    return rule_finish(b, &r, rc);
}

/* Appends the groups of a plain rule file. */
static int render_groups(const struct config *cfg, struct buf *out)
{
    int rc = buf_puts(out, "groups:\n");

    for (size_t i = 0; i < cfg->nslos && rc == 0; i++) {
        const struct config_slo *slo = &cfg->slos[i];

        rc |= buf_printf(out, "  - name: slo-sidecar-%s\n    rules:\n", slo->name);
        rc |= burn_alert(out, cfg, slo, CONFIG_SEVERITY_PAGE);
        rc |= burn_alert(out, cfg, slo, CONFIG_SEVERITY_TICKET);
        rc |= exhausted_alert(out, cfg, slo);
        rc |= stale_alert(out, cfg, slo);
    }
    return rc ? -1 : 0;
}

/* Appends s to a comment line, control characters replaced. */
static int comment_text(struct buf *b, const char *s)
{
    int rc = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        rc |= buf_append(b, (*p < 0x20 || *p == 0x7f) ? (const unsigned char *)"?" : p, 1);
    return rc;
}

int rules_render(const struct config *cfg, const struct rules_opts *o, struct buf *out)
{
    struct buf groups;
    int rc = 0;

    rc |= buf_puts(out, "# Alerting rules generated by slo-sidecar from ");
    rc |= comment_text(out, cfg->path);
    rc |= buf_puts(out, ";\n# do not edit: change the SLOs and run `slo-sidecar rules` again.\n"
                        "# They read the sidecar's own slo_* metrics.\n");
    if (o == NULL || o->format == RULES_FORMAT_PROMETHEUS)
        return (rc | render_groups(cfg, out)) ? -1 : 0;
    buf_init(&groups, out->cap);
    rc |= buf_puts(out, "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"
                        "metadata:\n  name: ");
    rc |= quoted(out, o->name ? o->name : RULES_DEFAULT_NAME);
    rc |= buf_puts(out, "\n");
    if (o->ns != NULL) {
        rc |= buf_puts(out, "  namespace: ");
        rc |= quoted(out, o->ns);
        rc |= buf_puts(out, "\n");
    }
    if (o->labels.n > 0) {
        rc |= buf_puts(out, "  labels:\n");
        rc |= kv_block(out, "    ", &o->labels);
    }
    rc |= buf_puts(out, "spec:\n");
    rc |= render_groups(cfg, &groups);
    /* The rule file's lines, two spaces deeper (block scalars included). */
    for (const char *p = groups.data; rc == 0 && p != NULL && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);

        rc |= buf_puts(out, "  ");
        rc |= buf_append(out, p, n);
        p += n;
    }
    buf_free(&groups);
    return rc ? -1 : 0;
}

/* Lower-case alphanumeric, for Kubernetes names. */
static int k8s_alnum(char c, int upper_ok)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (upper_ok && c >= 'A' && c <= 'Z');
}

/* A DNS-1123 subdomain of at most max characters. */
static int dns_subdomain_ok(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max || !k8s_alnum(s[0], 0) || !k8s_alnum(s[len - 1], 0))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!k8s_alnum(s[i], 0) && s[i] != '-' && s[i] != '.')
            return 0;
    return 1;
}

/* A label name (after any prefix) or value: [A-Za-z0-9._-], alphanumeric ends. */
static int label_part_ok(const char *s, size_t len, int empty_ok)
{
    if (len == 0)
        return empty_ok;
    if (len > 63 || !k8s_alnum(s[0], 1) || !k8s_alnum(s[len - 1], 1))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!k8s_alnum(s[i], 1) && s[i] != '-' && s[i] != '.' && s[i] != '_')
            return 0;
    return 1;
}

int rules_check_object_name(const char *name, struct err *e)
{
    if (!dns_subdomain_ok(name, strlen(name), 253))
        return util_err(e,
                        "invalid object name \"%s\" (lower-case letters, digits, '-' and "
                        "'.', starting and ending with a letter or digit)",
                        name);
    return 0;
}

int rules_add_object_label(struct labels *l, const char *name_value, struct err *e)
{
    const char *eq = strchr(name_value, '=');
    const char *slash;
    const char *name;
    char *key;
    int rc;

    if (eq == NULL)
        return util_err(e, "label \"%s\" must be NAME=VALUE", name_value);
    slash = memchr(name_value, '/', (size_t)(eq - name_value));
    name = slash ? slash + 1 : name_value;
    if ((slash != NULL && !dns_subdomain_ok(name_value, (size_t)(slash - name_value), 253)) ||
        !label_part_ok(name, (size_t)(eq - name), 0))
        return util_err(e,
                        "invalid label name \"%.*s\" (an optional DNS prefix and '/', then "
                        "at most 63 of A-Z a-z 0-9 . _ -, starting and ending alphanumeric)",
                        (int)(eq - name_value), name_value);
    if (!label_part_ok(eq + 1, strlen(eq + 1), 1))
        return util_err(e,
                        "invalid label value \"%s\" (at most 63 of A-Z a-z 0-9 . _ -, "
                        "starting and ending alphanumeric)",
                        eq + 1);
    key = util_asprintf("%.*s", (int)(eq - name_value), name_value);
    if (key == NULL)
        return util_err(e, "out of memory");
    rc = labels_set(l, key, eq + 1);
    free(key);
    return rc != 0 ? util_err(e, "out of memory") : 0;
}
