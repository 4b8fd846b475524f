/*
 * slojson: JSON views of snapshot entries. Absent figures are JSON null,
 * never 0 or NaN. Whole numbers print as integers (good, total, seconds) so
 * the output reads like the contract's example.
 */
#include "slojson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "slo.h"

static json_t *num(double v)
{
    if (!isfinite(v))
        return json_null();
    if (v == floor(v) && fabs(v) < 9007199254740992.0)
        return json_integer((json_int_t)v);
    return json_real(v);
}

static json_t *opt(int has, double v)
{
    return has ? num(v) : json_null();
}

static json_t *window(const struct slo_window_result *w)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "good", opt(w->has_counts, w->good),
                     "bad", opt(w->has_counts, w->bad), "total", opt(w->has_counts, w->total),
                     "sli", opt(w->has_ratio, w->sli), "error_ratio",
                     opt(w->has_ratio, w->error_ratio), "burn_rate",
                     opt(w->has_ratio, w->burn_rate));
}

static json_t *labels_obj(const struct labels *l)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < l->n; i++) {
        if (json_object_set_new(o, l->v[i].name, json_string(l->v[i].value)) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

json_t *slojson_slo(const struct snapshot_slo *s)
{
    json_t *o = NULL, *wins = NULL, *alerts = NULL, *budget = NULL;

    o = json_object();
    wins = json_object();
    alerts = json_array();
    if (o == NULL || wins == NULL || alerts == NULL)
        goto fail;
    for (size_t i = 0; i < s->nwin; i++)
        if (json_object_set_new(wins, s->win[i].w.name, window(&s->win[i])) != 0)
            goto fail;
    for (size_t i = 0; i < s->nalerts; i++)
        if (json_array_append_new(alerts,
                                  json_pack("{s:s, s:b}", "severity",
                                            config_severity_str(s->alerts[i].severity),
                                            "firing", s->alerts[i].firing)) != 0)
            goto fail;
    budget = json_pack("{s:o, s:o, s:o, s:o}", "consumed_ratio",
                       opt(s->budget.has, s->budget.consumed), "remaining_ratio",
                       opt(s->budget.has, s->budget.remaining), "remaining_seconds",
                       opt(s->budget.has, s->budget.remaining_seconds),
                       "time_to_exhaustion_seconds", opt(s->budget.has_tte, s->budget.tte_seconds));
    if (budget == NULL)
        goto fail;
    if (json_object_set_new(o, "name", json_string(s->name)) ||
        json_object_set_new(o, "service", json_string(s->service)) ||
        json_object_set_new(o, "description", json_string(s->description)) ||
        (s->group.n > 0 && json_object_set_new(o, "group", labels_obj(&s->group))) ||
        json_object_set_new(o, "labels", labels_obj(&s->labels)) ||
        json_object_set_new(o, "sli_kind", json_string(s->sli_kind)) ||
        json_object_set_new(o, "objective", num(s->objective)) ||
        json_object_set_new(o, "period", json_string(s->period_name)) ||
        json_object_set_new(o, "period_seconds", num((double)s->period_ms / 1000.0)) ||
        json_object_set_new(o, "period_start", num((double)s->period_start_ms / 1000.0)) ||
        json_object_set_new(o, "evaluated_at", num((double)s->evaluated_ms / 1000.0)) ||
        json_object_set_new(o, "windows", wins) ||
        json_object_set_new(o, "error_budget", budget) ||
        json_object_set_new(o, "status", s->status == SLO_STATUS_NONE
                                             ? json_null()
                                             : json_string(slo_status_str(s->status))) ||
        json_object_set_new(o, "compliant",
                            s->compliant < 0 ? json_null() : json_boolean(s->compliant)) ||
        json_object_set_new(o, "alerts", alerts)) {
        /* set_new steals references even on failure. */
        json_decref(o);
        return NULL;
    }
    return o;
fail:
    json_decref(o);
    json_decref(wins);
    json_decref(alerts);
    json_decref(budget);
    return NULL;
}

json_t *slojson_slos(const struct snapshot *snap, const char *name)
{
    json_t *a = json_array();

    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < snap->n; i++) {
        if (name != NULL && strcmp(snap->slos[i].name, name) != 0)
            continue;
        if (json_array_append_new(a, slojson_slo(&snap->slos[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *slojson_eval(const struct snapshot *snap)
{
    return json_pack("{s:o, s:o}", "at", num((double)snap->at_ms / 1000.0), "slos",
                     slojson_slos(snap, NULL));
}

char *slojson_dump(const json_t *j, int pretty)
{
    return json_dumps(j, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(16));
}
