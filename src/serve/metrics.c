/*
 * metrics: the /metrics page. Families are written one at a time over all
 * SLO entries so each HELP/TYPE appears once, as the text format requires.
 * Absent figures (no traffic, no budget) produce no sample at all.
 */
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exposition.h"
#include "slo.h"

/* The label set shared by every series of one SLO entry. */
static int base_labels(const struct snapshot_slo *s, struct labels *out)
{
    if (labels_copy(out, &s->labels) != 0)
        return -1;
    for (size_t i = 0; i < s->group.n; i++)
        if (labels_set(out, s->group.v[i].name, s->group.v[i].value) != 0)
            goto fail;
    if (labels_set(out, "slo", s->name) != 0 || labels_set(out, "service", s->service) != 0)
        goto fail;
    return 0;
fail:
    labels_free(out);
    return -1;
}

typedef int (*family_fn)(struct buf *b, const struct snapshot_slo *s, const struct labels *l);

static int one(struct buf *b, const char *name, const struct labels *l, double v)
{
    return exposition_sample(b, name, l, NULL, 0, v);
}

static int f_objective(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return one(b, "slo_objective_ratio", l, s->objective);
}

static int f_period(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return one(b, "slo_period_seconds", l, (double)s->period_ms / 1000.0);
}

static int f_elapsed(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return one(b, "slo_period_elapsed_ratio", l, s->period_elapsed);
}

static int per_window(struct buf *b, const struct snapshot_slo *s, const struct labels *l,
                      const char *name, int which)
{
    for (size_t i = 0; i < s->nwin; i++) {
        const struct slo_window_result *w = &s->win[i];
        struct exposition_label x = {"window", w->w.name};
        double v;

        if (!w->has_ratio)
            continue;
        v = which == 0 ? w->sli : which == 1 ? w->error_ratio : w->burn_rate;
        if (exposition_sample(b, name, l, &x, 1, v) != 0)
            return -1;
    }
    return 0;
}

static int f_sli(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return per_window(b, s, l, "slo_sli_ratio", 0);
}

static int f_error(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return per_window(b, s, l, "slo_error_ratio", 1);
}

static int f_burn(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return per_window(b, s, l, "slo_burn_rate", 2);
}

static int f_events(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    for (size_t i = 0; i < s->nwin; i++) {
        const struct slo_window_result *w = &s->win[i];
        struct exposition_label good[2] = {{"window", w->w.name}, {"kind", "good"}};
        struct exposition_label bad[2] = {{"window", w->w.name}, {"kind", "bad"}};

        if (!w->has_counts)
            continue;
        if (exposition_sample(b, "slo_events", l, good, 2, w->good) != 0 ||
            exposition_sample(b, "slo_events", l, bad, 2, w->bad) != 0)
            return -1;
    }
    return 0;
}

static int f_consumed(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return s->budget.has ? one(b, "slo_error_budget_consumed_ratio", l, s->budget.consumed) : 0;
}

static int f_remaining(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return s->budget.has ? one(b, "slo_error_budget_remaining_ratio", l, s->budget.remaining) : 0;
}

static int f_remaining_s(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return s->budget.has
               ? one(b, "slo_error_budget_remaining_seconds", l, s->budget.remaining_seconds)
               : 0;
}

static int f_tte(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return s->budget.has_tte ? one(b, "slo_time_to_exhaustion_seconds", l, s->budget.tte_seconds)
                             : 0;
}

static int f_status(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    if (s->status == SLO_STATUS_NONE)
        return 0;
    for (int st = 0; st < SLO_NSTATUS; st++) {
        struct exposition_label x = {"status", slo_status_str((enum slo_status)st)};

        if (exposition_sample(b, "slo_status", l, &x, 1, st == (int)s->status) != 0)
            return -1;
    }
    return 0;
}

static int f_compliant(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return s->compliant >= 0 ? one(b, "slo_compliant", l, s->compliant) : 0;
}

static int f_alerts(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    for (size_t i = 0; i < s->nalerts; i++) {
        struct exposition_label x = {"severity", config_severity_str(s->alerts[i].severity)};

        if (exposition_sample(b, "slo_alert_firing", l, &x, 1, s->alerts[i].firing) != 0)
            return -1;
    }
    return 0;
}

/* 1 when s exports slo_alert_firing for severity sev (the alert is on). */
static int alert_on(const struct snapshot_slo *s, enum config_severity sev)
{
    for (size_t i = 0; i < s->nalerts; i++)
        if (s->alerts[i].severity == sev)
            return 1;
    return 0;
}

/*
 * The name of the window of length ms as its slo_burn_rate series call it
 * (an alert window that is also a rolling period keeps its own name), into
 * out. Every alert window is evaluated, so the lookup finds it; the
 * Prometheus form is the fallback. Returns 0 or -1 (out too small).
 */
static int window_name(const struct snapshot_slo *s, int64_t ms, char *out, size_t len)
{
    const char *found = NULL;

    for (size_t i = 0; i < s->nwin; i++) {
        if (s->win[i].w.ms != ms)
            continue;
        if (!s->win[i].w.is_period) {
            found = s->win[i].w.name;
            break;
        }
        if (found == NULL && strcmp(s->win[i].w.name, "period") != 0)
            found = s->win[i].w.name;
    }
    if (found == NULL)
        return util_duration_format(ms, out, len);
    if (strlen(found) >= len)
        return -1;
    memcpy(out, found, strlen(found) + 1);
    return 0;
}

/*
 * One series per alert condition (row of the SLO's alert table) of an alert
 * that is on, valued the row's factor: what slo_burn_rate over both its
 * windows must exceed. Rows that repeat a severity and window pair are one
 * condition, decided by their lowest factor (the label set must be unique).
 */
static int f_thresholds(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    for (size_t i = 0; i < s->nconds; i++) {
        const struct config_alert_window *c = &s->conds[i];
        double factor = c->factor;
        int repeated = 0;
        char lw[32], sw[32];

        if (!alert_on(s, c->severity))
            continue;
        for (size_t j = 0; j < s->nconds && !repeated; j++) {
            const struct config_alert_window *o = &s->conds[j];

            if (j == i || o->severity != c->severity || o->long_ms != c->long_ms ||
                o->short_ms != c->short_ms)
                continue;
            if (j < i)
                repeated = 1;
            else if (o->factor < factor)
                factor = o->factor;
        }
        if (repeated)
            continue;
        if (window_name(s, c->long_ms, lw, sizeof(lw)) != 0 ||
            window_name(s, c->short_ms, sw, sizeof(sw)) != 0)
            return -1;
        {
            const struct exposition_label x[3] = {{"severity", config_severity_str(c->severity)},
                                                  {"long_window", lw},
                                                  {"short_window", sw}};

            if (exposition_sample(b, "slo_alert_burn_rate_threshold", l, x, 3, factor) != 0)
                return -1;
        }
    }
    return 0;
}

static int f_info(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    struct exposition_label x[3] = {
        {"description", s->description}, {"period", s->period_name}, {"sli_kind", s->sli_kind}};

    return exposition_sample(b, "slo_info", l, x, 3, 1);
}

static int f_last(struct buf *b, const struct snapshot_slo *s, const struct labels *l)
{
    return one(b, "slo_last_evaluation_timestamp_seconds", l, (double)s->evaluated_ms / 1000.0);
}

static const struct {
    const char *name;
    const char *help;
    family_fn fn;
} families[] = {
    {"slo_objective_ratio", "Objective of the SLO as a ratio (0..1).", f_objective},
    {"slo_period_seconds", "Length of the SLO period in seconds.", f_period},
    {"slo_period_elapsed_ratio",
     "Share of the calendar period elapsed (0..1); 1 for rolling periods.", f_elapsed},
    {"slo_sli_ratio", "Good events over total events in the window.", f_sli},
    {"slo_error_ratio", "Bad events over total events in the window.", f_error},
    {"slo_burn_rate", "Error ratio over the error budget (1 - objective) in the window.", f_burn},
    {"slo_events", "Good and bad events (or time slices) counted in the window.", f_events},
    {"slo_error_budget_consumed_ratio", "Share of the period's error budget consumed.",
     f_consumed},
    {"slo_error_budget_remaining_ratio",
     "Share of the period's error budget remaining; negative when overspent.", f_remaining},
    {"slo_error_budget_remaining_seconds",
     "Remaining error budget in seconds of full outage over the period.", f_remaining_s},
    {"slo_time_to_exhaustion_seconds",
     "Seconds until the budget runs out at the current 1h burn rate.", f_tte},
    {"slo_status", "Current budget status of the SLO (1 for the current one).", f_status},
    {"slo_compliant", "1 when the SLI over the period meets the objective.", f_compliant},
    {"slo_alert_firing", "1 when the multi-window multi-burn-rate alert fires.", f_alerts},
    {"slo_alert_burn_rate_threshold",
     "Factor of one alert condition: the alert fires when the burn rate over both its long and "
     "its short window is above it.",
     f_thresholds},
    {"slo_info", "Descriptive information about the SLO.", f_info},
    {"slo_last_evaluation_timestamp_seconds",
     "Evaluation time of the figures currently exported for the SLO.", f_last},
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

static int render_self(const struct snapshot *snap, struct buf *b)
{
    const struct snapshot_stats *st = &snap->stats;
    struct exposition_label build[2] = {{"version", SLO_VERSION}, {"revision", SLO_REVISION}};
    struct exposition_label ok = {"result", "success"};
    struct exposition_label bad = {"result", "failure"};
    static const char *dur = "slo_sidecar_evaluation_duration_seconds";
    char le[32];
    int rc = 0;

    rc |= exposition_family(b, "slo_sidecar_build_info", "gauge",
                            "Build information of slo-sidecar, always 1.");
    rc |= exposition_sample(b, "slo_sidecar_build_info", NULL, build, 2, 1);
    rc |= exposition_family(b, "slo_sidecar_evaluations_total", "counter",
                            "SLO evaluations by result.");
    rc |= exposition_sample(b, "slo_sidecar_evaluations_total", NULL, &ok, 1,
                            (double)st->eval_success);
    rc |= exposition_sample(b, "slo_sidecar_evaluations_total", NULL, &bad, 1,
                            (double)st->eval_failure);
    rc |= exposition_family(b, dur, "histogram", "Duration of one SLO's evaluation.");
    for (int i = 0; i < SNAPSHOT_NBUCKETS; i++) {
        struct exposition_label x = {"le", le};
        char name[80];

        util_fmt_double(snapshot_duration_buckets[i], le, sizeof(le));
        snprintf(name, sizeof(name), "%s_bucket", dur);
        rc |= exposition_sample(b, name, NULL, &x, 1, (double)st->duration_buckets[i]);
    }
    {
        struct exposition_label x = {"le", "+Inf"};
        char name[80];

        snprintf(name, sizeof(name), "%s_bucket", dur);
        rc |= exposition_sample(b, name, NULL, &x, 1, (double)st->duration_count);
        snprintf(name, sizeof(name), "%s_sum", dur);
        rc |= exposition_sample(b, name, NULL, NULL, 0, st->duration_sum);
        snprintf(name, sizeof(name), "%s_count", dur);
        rc |= exposition_sample(b, name, NULL, NULL, 0, (double)st->duration_count);
    }
    rc |= exposition_family(b, "slo_sidecar_evaluations_skipped_total", "counter",
                            "SLO evaluations not started at a tick because the SLO's previous "
                            "evaluation was still running (each SLO runs on its own).");
    rc |= exposition_sample(b, "slo_sidecar_evaluations_skipped_total", NULL, NULL, 0,
                            (double)st->eval_skipped);
    rc |= exposition_family(b, "slo_sidecar_state_written_bytes_total", "counter",
                            "Bytes written to the state file (file=\"state\", the exact "
                            "modes' checkpoint) and its history file (file=\"history\").");
    {
        struct exposition_label x = {"file", "state"};

        rc |= exposition_sample(b, "slo_sidecar_state_written_bytes_total", NULL, &x, 1,
                                (double)st->state_bytes);
        x.value = "history";
        rc |= exposition_sample(b, "slo_sidecar_state_written_bytes_total", NULL, &x, 1,
                                (double)st->history_bytes);
    }
    rc |= exposition_family(b, "slo_sidecar_state_write_failures_total", "counter",
                            "Writes of the state file (file=\"state\") or its history file "
                            "(file=\"history\") that failed; the file on disk stays the last "
                            "one written whole.");
    {
        struct exposition_label x = {"file", "state"};

        rc |= exposition_sample(b, "slo_sidecar_state_write_failures_total", NULL, &x, 1,
                                (double)st->state_write_failures);
        x.value = "history";
        rc |= exposition_sample(b, "slo_sidecar_state_write_failures_total", NULL, &x, 1,
                                (double)st->history_write_failures);
    }
    rc |= exposition_family(b, "slo_sidecar_backend_up", "gauge",
                            "1 when the last request to the backend succeeded.");
    rc |= exposition_sample(b, "slo_sidecar_backend_up", NULL, NULL, 0, st->backend_up);
    rc |= exposition_family(b, "slo_sidecar_backend_retries_total", "counter",
                            "Backend requests retried after a transient failure (connection "
                            "refused or reset, HTTP 429, 502, 503, 504).");
    rc |= exposition_sample(b, "slo_sidecar_backend_retries_total", NULL, NULL, 0,
                            (double)st->backend_retries);
    {
        static const char wb[] = "slo_sidecar_webhook_batches_total";
        const struct exposition_label res[3] = {
            {"result", "delivered"}, {"result", "failed"}, {"result", "dropped"}};
        const uint64_t v[3] = {st->webhook_delivered, st->webhook_failed, st->webhook_dropped};

        rc |= exposition_family(b, wb, "counter",
                                "Webhook batches of events: delivered (2xx), failed after "
                                "their attempts, or dropped unsent (queue full, shutdown).");
        for (int i = 0; i < 3; i++)
            rc |= exposition_sample(b, wb, NULL, &res[i], 1, (double)v[i]);
    }
    rc |= exposition_family(b, "slo_sidecar_webhook_retries_total", "counter",
                            "Webhook requests retried after a transient failure.");
    rc |= exposition_sample(b, "slo_sidecar_webhook_retries_total", NULL, NULL, 0,
                            (double)st->webhook_retries);
    rc |= exposition_family(b, "slo_sidecar_groups_dropped_total", "counter",
                            "Groups of grouped SLOs left out because the SLO had more than "
                            "its max_groups, summed over evaluations.");
    rc |= exposition_sample(b, "slo_sidecar_groups_dropped_total", NULL, NULL, 0,
                            (double)st->groups_dropped);
    rc |= exposition_family(b, "slo_sidecar_slos_over_group_limit", "gauge",
                            "Grouped SLOs that had more groups than their max_groups at the "
                            "last evaluation.");
    rc |= exposition_sample(b, "slo_sidecar_slos_over_group_limit", NULL, NULL, 0,
                            (double)st->slos_over_groups);
    rc |= exposition_family(b, "slo_sidecar_history_points", "gauge",
                            "Points the history keeps over all SLO instances.");
    rc |= exposition_sample(b, "slo_sidecar_history_points", NULL, NULL, 0,
                            (double)st->history_points);
    {
        static const char hr[] = "slo_sidecar_history_reconstructions_total";
        const struct exposition_label res[2] = {{"result", "success"}, {"result", "failure"}};

        rc |= exposition_family(b, hr, "counter",
                                "SLOs whose history was reconstructed from the store's data "
                                "after a start or reload, by outcome.");
        rc |= exposition_sample(b, hr, NULL, &res[0], 1, (double)st->history_fill_ok);
        rc |= exposition_sample(b, hr, NULL, &res[1], 1, (double)st->history_fill_failed);
    }
    rc |= exposition_family(b, "slo_sidecar_history_reconstructed_points_total", "counter",
                            "History points reconstructed from the store's data (not observed "
                            "live).");
    rc |= exposition_sample(b, "slo_sidecar_history_reconstructed_points_total", NULL, NULL, 0,
                            (double)st->history_fill_points);
    {
        /* Snapshots not made by the daemon carry zeroed stats: one shard. */
        int count = st->shard_count > 0 ? st->shard_count : 1;
        char si[16], sn[16];
        struct exposition_label sh[2] = {{"shard", si}, {"shards", sn}};

        snprintf(si, sizeof(si), "%d", count > 1 ? st->shard_index : 0);
        snprintf(sn, sizeof(sn), "%d", count);
        rc |= exposition_family(b, "slo_sidecar_shard_info", "gauge",
                                "This replica's shard (--shard=I/N) and the number of shards; "
                                "always 1.");
        rc |= exposition_sample(b, "slo_sidecar_shard_info", NULL, sh, 2, 1);
        rc |= exposition_family(b, "slo_sidecar_slos", "gauge",
                                "SLOs this replica evaluates (those of its shard).");
        rc |= exposition_sample(b, "slo_sidecar_slos", NULL, NULL, 0, (double)st->slos);
    }
    rc |= exposition_family(b, "slo_sidecar_config_last_reload_successful", "gauge",
                            "1 when the last configuration load succeeded.");
    rc |= exposition_sample(b, "slo_sidecar_config_last_reload_successful", NULL, NULL, 0,
                            st->config_reload_ok);
    rc |= exposition_family(b, "slo_sidecar_config_last_reload_success_timestamp_seconds", "gauge",
                            "Time of the last successful configuration load.");
    rc |= exposition_sample(b, "slo_sidecar_config_last_reload_success_timestamp_seconds", NULL,
                            NULL, 0, st->config_reload_ts);
    return rc ? -1 : 0;
}

int metrics_render(const struct snapshot *snap, struct buf *out)
{
    struct labels *base = NULL;
    size_t nbase = 0;
    int rc = -1;

    if (snap->n > 0) {
        base = calloc(snap->n, sizeof(*base));
        if (base == NULL)
            return -1;
    }
    for (; nbase < snap->n; nbase++)
        if (base_labels(&snap->slos[nbase], &base[nbase]) != 0)
            goto out;
    for (size_t f = 0; f < NFAMILIES; f++) {
        size_t mark = out->len;
        size_t before;

        if (exposition_family(out, families[f].name, "gauge", families[f].help) != 0)
            goto out;
        before = out->len;
        for (size_t i = 0; i < snap->n; i++)
            if (families[f].fn(out, &snap->slos[i], &base[i]) != 0)
                goto out;
        /* A family without samples is left out entirely. */
        if (out->len == before) {
            out->len = mark;
            out->data[mark] = '\0';
        }
    }
    if (render_self(snap, out) != 0)
        goto out;
    rc = 0;
out:
    for (size_t i = 0; i < nbase; i++)
        labels_free(&base[i]);
    free(base);
    return rc;
}
