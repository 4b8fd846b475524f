/*
 * slojson: JSON views of snapshot entries. Absent figures are JSON null,
 * never 0 or NaN. Whole numbers print as integers (good, total, seconds) so
 * the output reads like the contract's example.
 */
#include "slojson.h"

#include <math.h>
#include <stdio.h>
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
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "good", opt(w->has_counts, w->good), "bad",
                     opt(w->has_counts, w->bad), "total", opt(w->has_counts, w->total), "sli",
                     opt(w->has_ratio, w->sli), "error_ratio", opt(w->has_ratio, w->error_ratio),
                     "burn_rate", opt(w->has_ratio, w->burn_rate));
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

/*
 * Sets o[k] = v, taking v in every case. Once *ok is 0 (an earlier failure),
 * it only drops v, so a chain of puts never leaks what it was handed.
 */
static void put(json_t *o, const char *k, json_t *v, int *ok)
{
    if (!*ok || v == NULL) {
        json_decref(v);
        *ok = 0;
        return;
    }
    if (json_object_set_new(o, k, v) != 0)
        *ok = 0;
}

json_t *slojson_slo(const struct snapshot_slo *s)
{
    json_t *o = json_object();
    json_t *wins = json_object();
    json_t *alerts = json_array();
    int ok = o != NULL;

    for (size_t i = 0; wins != NULL && i < s->nwin; i++)
        put(wins, s->win[i].w.name, window(&s->win[i]), &ok);
    for (size_t i = 0; alerts != NULL && i < s->nalerts; i++) {
        json_t *a = json_pack("{s:s, s:b}", "severity", config_severity_str(s->alerts[i].severity),
                              "firing", s->alerts[i].firing);

        if (a == NULL || json_array_append_new(alerts, a) != 0)
            ok = 0;
    }
    put(o, "name", json_string(s->name), &ok);
    put(o, "service", json_string(s->service), &ok);
    put(o, "description", json_string(s->description), &ok);
    if (s->group.n > 0)
        put(o, "group", labels_obj(&s->group), &ok);
    put(o, "labels", labels_obj(&s->labels), &ok);
    put(o, "sli_kind", json_string(s->sli_kind), &ok);
    put(o, "objective", num(s->objective), &ok);
    put(o, "period", json_string(s->period_name), &ok);
    put(o, "period_seconds", num((double)s->period_ms / 1000.0), &ok);
    put(o, "period_start", num((double)s->period_start_ms / 1000.0), &ok);
    put(o, "evaluated_at", num((double)s->evaluated_ms / 1000.0), &ok);
    put(o, "windows", wins, &ok);
    put(o, "error_budget",
        json_pack("{s:o, s:o, s:o, s:o, s:o}", "consumed_ratio",
                  opt(s->budget.has, s->budget.consumed), "remaining_ratio",
                  opt(s->budget.has, s->budget.remaining), "remaining_seconds",
                  opt(s->budget.has, s->budget.remaining_seconds), "time_to_exhaustion_seconds",
                  opt(s->budget.has_tte, s->budget.tte_seconds), "period_elapsed_ratio",
                  num(s->period_elapsed)),
        &ok);
    put(o, "status",
        s->status == SLO_STATUS_NONE ? json_null() : json_string(slo_status_str(s->status)), &ok);
    put(o, "compliant", s->compliant < 0 ? json_null() : json_boolean(s->compliant), &ok);
    put(o, "alerts", alerts, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
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

/* A figure kept as a float, printed without float noise (0.999, not 0.99900001). */
static json_t *fnum(int has, double v)
{
    char t[32];

    if (!has)
        return json_null();
    snprintf(t, sizeof(t), "%.7g", v);
    return num(strtod(t, NULL));
}

static json_t *status_json(int has, enum slo_status s)
{
    return has && s != SLO_STATUS_NONE ? json_string(slo_status_str(s)) : json_null();
}

json_t *slojson_event(const struct history_event *e)
{
    json_t *o = json_object();
    int ok = o != NULL;
    int st = e->kind == HISTORY_EVENT_STATUS;

    put(o, "id", json_integer((json_int_t)e->id), &ok);
    put(o, "time", num((double)e->t_ms / 1000.0), &ok);
    put(o, "type", json_string(st ? "status" : "alert"), &ok);
    put(o, "slo", json_string(e->slo), &ok);
    if (e->group.n > 0)
        put(o, "group", labels_obj(&e->group), &ok);
    if (st) {
        put(o, "from", status_json(e->has_from, e->from), &ok);
        put(o, "to", status_json(1, e->to), &ok);
    } else {
        put(o, "severity", json_string(config_severity_str(e->severity)), &ok);
        put(o, "firing", json_boolean(e->firing), &ok);
    }
    put(o, "sli", fnum((e->flags & HISTORY_HAS_SLI) != 0, e->sli), &ok);
    put(o, "budget_remaining", fnum((e->flags & HISTORY_HAS_BUDGET) != 0, e->remaining), &ok);
    put(o, "burn_rate_1h", fnum((e->flags & HISTORY_HAS_BURN) != 0, e->burn), &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *slojson_events(const struct history_event *ev, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < n; i++) {
        if (json_array_append_new(a, slojson_event(&ev[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *slojson_history_series(const struct labels *g, const struct history_point *p, size_t n)
{
    json_t *o = json_object();
    json_t *pts = json_array();
    int ok = o != NULL;

    for (size_t i = 0; pts != NULL && ok && i < n; i++) {
        json_t *pt = json_object();
        int pok = pt != NULL;

        put(pt, "time", num((double)p[i].t_ms / 1000.0), &pok);
        put(pt, "sli", fnum((p[i].flags & HISTORY_HAS_SLI) != 0, p[i].sli), &pok);
        put(pt, "budget_remaining", fnum((p[i].flags & HISTORY_HAS_BUDGET) != 0, p[i].remaining),
            &pok);
        put(pt, "burn_rate_1h", fnum((p[i].flags & HISTORY_HAS_BURN) != 0, p[i].burn), &pok);
        put(pt, "status", status_json(1, (enum slo_status)p[i].status), &pok);
        if (p[i].flags & HISTORY_RECONSTRUCTED)
            put(pt, "reconstructed", json_true(), &pok);
        if (!pok) {
            json_decref(pt);
            ok = 0;
        } else if (json_array_append_new(pts, pt) != 0) {
            ok = 0;
        }
    }
    if (g != NULL && g->n > 0)
        put(o, "group", labels_obj(g), &ok);
    put(o, "points", pts, &ok);
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *slojson_dump(const json_t *j, int pretty)
{
    return json_dumps(j, (pretty ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER |
                             JSON_REAL_PRECISION(16));
}
