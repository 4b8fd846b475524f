/*
 * engine: evaluates all SLOs at one instant. See include/engine.h.
 * SLOs are evaluated one after another against the same T, so every window
 * of an evaluation sees the same instant and two replicas with the same
 * config and T produce identical figures.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slo.h"
#include "util.h"

int engine_build_entry(const struct config *cfg, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, const struct backend_counts *c,
                       const struct labels *g, struct snapshot_slo *out)
{
    int64_t start, len;
    int pi, hi;

    memset(out, 0, sizeof(*out));
    out->name = util_strdup(slo->name);
    out->service = util_strdup(slo->service);
    out->description = util_strdup(slo->description ? slo->description : "");
    out->period_name = util_strdup(slo->period_name);
    out->win = calloc(nw ? nw : 1, sizeof(*out->win));
    if (out->name == NULL || out->service == NULL || out->description == NULL ||
        out->period_name == NULL || out->win == NULL)
        goto fail;
    if (labels_copy(&out->labels, &cfg->labels) != 0 || labels_copy(&out->group, g) != 0)
        goto fail;
    for (size_t i = 0; i < slo->labels.n; i++)
        if (labels_set(&out->labels, slo->labels.v[i].name, slo->labels.v[i].value) != 0)
            goto fail;
    out->sli_kind = config_sli_kind_str(slo->kind);
    out->objective = slo->objective;
    slo_period_bounds(slo, at_ms, &start, &len);
    out->period_ms = len;
    out->period_start_ms = start;
    out->period_elapsed = slo_period_elapsed(at_ms, start, len);
    out->nwin = nw;
    for (size_t i = 0; i < nw; i++) {
        struct slo_window_result *r = &out->win[i];

        r->w = w[i];
        r->has_counts = c[i].has;
        r->good = c[i].good;
        r->bad = c[i].bad;
        r->total = c[i].total;
        slo_window_compute(r, slo->objective);
    }
    pi = slo_period_index(out->win, nw);
    hi = slo_window_index(out->win, nw, 3600 * 1000);
    slo_budget_compute(slo->objective, (double)len / 1000.0, pi >= 0 ? &out->win[pi] : NULL,
                       hi >= 0 ? &out->win[hi] : NULL, &out->budget);
    out->status = slo_status_of(&out->budget, cfg->status_warning, cfg->status_critical);
    out->compliant = slo_compliant(pi >= 0 ? &out->win[pi] : NULL, slo->objective);
    out->nalerts = slo_alerts(slo->windows, slo->nwindows, out->win, nw, out->alerts);
    out->evaluated_ms = at_ms;
    {
        /* The shortest window (the period aside) tells whether the group is active. */
        int s = -1;

        for (size_t i = 0; i < nw; i++)
            if (!w[i].is_period && (s < 0 || w[i].ms < w[s].ms))
                s = (int)i;
        out->last_active_ms = s >= 0 && c[s].has && c[s].total > 0 ? at_ms : 0;
    }
    return 0;
fail:
    snapshot_slo_clear(out);
    return -1;
}

static int add_failure(struct engine_run *r, const char *slo, const char *msg)
{
    struct engine_failure *f = realloc(r->fail, (r->nfail + 1) * sizeof(*f));

    if (f == NULL)
        return -1;
    r->fail = f;
    f[r->nfail].slo = util_strdup(slo);
    f[r->nfail].msg = util_strdup(msg);
    if (f[r->nfail].slo == NULL || f[r->nfail].msg == NULL) {
        free(f[r->nfail].slo);
        free(f[r->nfail].msg);
        return -1;
    }
    r->nfail++;
    return 0;
}

static int group_cmp(const void *a, const void *b)
{
    return labels_cmp(&((const struct backend_group *)a)->group,
                      &((const struct backend_group *)b)->group);
}

/* Cuts a to slo's max_groups (the first in label order); records it in r. 0 or -1. */
static int limit_groups(struct engine_run *r, const struct config_slo *slo,
                        struct backend_answer *a)
{
    size_t max = slo->max_groups ? slo->max_groups : CONFIG_DEFAULT_MAX_GROUPS;
    struct engine_over *o;

    if (slo->ngroup_by == 0 || a->n <= max)
        return 0;
    qsort(a->g, a->n, sizeof(a->g[0]), group_cmp);
    o = realloc(r->over, (r->nover + 1) * sizeof(*o));
    if (o == NULL)
        return -1;
    r->over = o;
    o[r->nover].slo = util_strdup(slo->name);
    if (o[r->nover].slo == NULL)
        return -1;
    o[r->nover].groups = a->n;
    o[r->nover].kept = max;
    r->nover++;
    for (size_t i = max; i < a->n; i++)
        labels_free(&a->g[i].group);
    a->n = max;
    return 0;
}

int engine_eval(const struct config *cfg, struct backend *be, int64_t at_ms,
                struct engine_run *out)
{
    char down[UTIL_ERRLEN + 64] = "";

    memset(out, 0, sizeof(*out));
    out->snap = snapshot_new(at_ms);
    if (out->snap == NULL)
        return -1;
    backend_new_round(be);
    for (size_t i = 0; i < cfg->nslos; i++) {
        const struct config_slo *slo = &cfg->slos[i];
        struct slo_window w[SLO_MAX_WINDOWS];
        size_t nw = slo_windows(slo, at_ms, w, SLO_MAX_WINDOWS);
        struct backend_answer a;
        struct err e = {{0}};

        /* Once the backend gave no answer at all, asking again for every
         * other SLO would only multiply the wait by the number of SLOs. */
        if (down[0] != '\0') {
            if (add_failure(out, slo->name, down) != 0)
                goto fail;
            continue;
        }
        if (backend_eval_slo(be, slo, at_ms, w, nw, &a, &e) != 0) {
            if (add_failure(out, slo->name, e.msg) != 0)
                goto fail;
            if (backend_unreachable(be))
                snprintf(down, sizeof(down), "not evaluated: %s", e.msg);
            continue;
        }
        if (limit_groups(out, slo, &a) != 0) {
            backend_answer_free(&a);
            goto fail;
        }
        for (size_t k = 0; k < a.n; k++) {
            struct snapshot_slo s;

            if (engine_build_entry(cfg, slo, at_ms, w, nw, a.g[k].w, &a.g[k].group, &s) != 0 ||
                snapshot_take(out->snap, &s) != 0) {
                snapshot_slo_clear(&s);
                backend_answer_free(&a);
                goto fail;
            }
        }
        backend_answer_free(&a);
        out->nok++;
    }
    return 0;
fail:
    engine_run_free(out);
    return -1;
}

void engine_run_free(struct engine_run *r)
{
    if (r == NULL)
        return;
    snapshot_free(r->snap);
    for (size_t i = 0; i < r->nfail; i++) {
        free(r->fail[i].slo);
        free(r->fail[i].msg);
    }
    free(r->fail);
    for (size_t i = 0; i < r->nover; i++)
        free(r->over[i].slo);
    free(r->over);
    memset(r, 0, sizeof(*r));
}

static int failed(const struct engine_run *run, const char *name)
{
    for (size_t f = 0; f < run->nfail; f++)
        if (strcmp(run->fail[f].slo, name) == 0)
            return 1;
    return 0;
}

static int entry_group_cmp(const void *a, const void *b)
{
    return labels_cmp(&(*(const struct snapshot_slo *const *)a)->group,
                      &(*(const struct snapshot_slo *const *)b)->group);
}

/*
 * group_ttl: sets each fresh entry's last_active_ms from prev's entry of the
 * same group when it had no events now (a group prev does not know starts
 * fresh: active now), and marks expired entries by clearing them. 0 or -1.
 */
static int apply_ttl(const struct config_slo *slo, struct engine_run *run,
                     const struct snapshot *prev)
{
    const struct snapshot_slo **idx = NULL;
    size_t n = 0;
    int64_t at = run->snap->at_ms;

    if (slo->ngroup_by == 0 || slo->group_ttl_ms <= 0)
        return 0;
    if (prev != NULL && prev->n > 0) {
        idx = malloc(prev->n * sizeof(const struct snapshot_slo *));
        if (idx == NULL)
            return -1;
        for (size_t k = 0; k < prev->n; k++)
            if (strcmp(prev->slos[k].name, slo->name) == 0)
                idx[n++] = &prev->slos[k];
        qsort(idx, n, sizeof(const struct snapshot_slo *), entry_group_cmp);
    }
    for (size_t k = 0; k < run->snap->n; k++) {
        struct snapshot_slo *e = &run->snap->slos[k];

        if (e->name == NULL || strcmp(e->name, slo->name) != 0 || e->last_active_ms != 0)
            continue;
        e->last_active_ms = at;
        if (n > 0) {
            const struct snapshot_slo *key = e;
            const struct snapshot_slo **p =
                bsearch(&key, idx, n, sizeof(const struct snapshot_slo *), entry_group_cmp);

            if (p != NULL && (*p)->last_active_ms != 0)
                e->last_active_ms = (*p)->last_active_ms;
        }
        if (at - e->last_active_ms > slo->group_ttl_ms)
            snapshot_slo_clear(e);
    }
    free(idx);
    return 0;
}

struct snapshot *engine_merge(const struct config *cfg, struct engine_run *run,
                              const struct snapshot *prev, int64_t keep_after_ms)
{
    struct snapshot *snap = snapshot_new(run->snap->at_ms);

    if (snap == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->nslos; i++) {
        const char *name = cfg->slos[i].name;

        if (!failed(run, name)) {
            if (apply_ttl(&cfg->slos[i], run, prev) != 0)
                goto fail;
            /* Entries already moved out, or expired, are zeroed (name NULL). */
            for (size_t k = 0; k < run->snap->n; k++)
                if (run->snap->slos[k].name != NULL &&
                    strcmp(run->snap->slos[k].name, name) == 0 &&
                    snapshot_take(snap, &run->snap->slos[k]) != 0)
                    goto fail;
            continue;
        }
        for (size_t k = 0; prev != NULL && k < prev->n; k++) {
            const struct snapshot_slo *p = &prev->slos[k];

            if (strcmp(p->name, name) == 0 && p->evaluated_ms >= keep_after_ms &&
                snapshot_add_copy(snap, p) != 0)
                goto fail;
        }
    }
    return snap;
fail:
    snapshot_free(snap);
    return NULL;
}
