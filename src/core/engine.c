/*
 * engine: evaluates SLOs at one instant. See engine.h.
 * Every SLO of an evaluation sees the same instant, so two replicas with
 * the same config and T produce identical figures, whatever order their
 * workers finish in.
 */
#include "engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "slo.h"
#include "util.h"

int engine_build_entry(const struct config *cfg, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, const struct answer_counts *c,
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
    {
        /* An alert turned off (alerting.page: false) is left out, not shown
         * as 0: no slo_alert_firing or threshold series, no JSON entry, no
         * event. Its windows are still evaluated and exported. */
        size_t k = 0;

        for (size_t i = 0; i < out->nalerts; i++)
            if (config_alert_enabled(slo, out->alerts[i].severity))
                out->alerts[k++] = out->alerts[i];
        out->nalerts = k;
    }
    if (slo->nwindows > 0) {
        /* The table itself, so /metrics can show each condition's factor
         * after a reload has freed slo. */
        out->conds = malloc(slo->nwindows * sizeof(*out->conds));
        if (out->conds == NULL)
            goto fail;
        memcpy(out->conds, slo->windows, slo->nwindows * sizeof(*out->conds));
        out->nconds = slo->nwindows;
    }
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

static int group_cmp(const void *a, const void *b)
{
    return labels_cmp(&((const struct answer_group *)a)->group,
                      &((const struct answer_group *)b)->group);
}

void engine_result_clear(struct engine_result *r)
{
    if (r == NULL)
        return;
    free(r->msg);
    for (size_t i = 0; i < r->n; i++)
        snapshot_slo_clear(&r->e[i]);
    free(r->e);
    memset(r, 0, sizeof(*r));
}

int engine_eval_slo(const struct config *cfg, struct backend *be, size_t worker, size_t i,
                    int64_t at_ms, struct engine_result *out)
{
    const struct config_slo *slo = &cfg->slos[i];
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(slo, at_ms, w, SLO_MAX_WINDOWS);
    size_t max = slo->max_groups ? slo->max_groups : CONFIG_DEFAULT_MAX_GROUPS;
    uint64_t retries = backend_retries(be, worker);
    int64_t t0 = util_mono_ms();
    struct answer a = {0, NULL};
    struct err e = {{0}};

    memset(out, 0, sizeof(*out));
    out->slo = i;
    out->at_ms = at_ms;
    if (backend_eval_slo(be, worker, slo, at_ms, w, nw, &a, &e) != 0) {
        out->msg = util_strdup(e.msg);
        out->unreachable = backend_unreachable(be, worker, slo);
        if (out->msg == NULL)
            goto fail;
        goto done;
    }
    out->groups = out->kept = a.n;
    /* Groups in label order, whatever order the store sent its series in:
     * the same output from every store and replica, and max_groups keeps the
     * first ones in that order. */
    if (slo->ngroup_by > 0) {
        qsort(a.g, a.n, sizeof(a.g[0]), group_cmp);
        if (a.n > max)
            out->kept = max;
    }
    out->e = calloc(out->kept ? out->kept : 1, sizeof(*out->e));
    if (out->e == NULL)
        goto fail;
    for (size_t k = 0; k < out->kept; k++) {
        if (engine_build_entry(cfg, slo, at_ms, w, nw, a.g[k].w, &a.g[k].group, &out->e[k]) != 0)
            goto fail;
        out->n++;
    }
    out->ok = 1;
done:
    answer_free(&a);
    out->retries = backend_retries(be, worker) - retries;
    out->seconds = (double)(util_mono_ms() - t0) / 1000.0;
    return 0;
fail:
    answer_free(&a);
    engine_result_clear(out);
    return -1;
}

int engine_run_init(struct engine_run *run, const struct config *cfg, int64_t at_ms)
{
    memset(run, 0, sizeof(*run));
    run->snap = snapshot_new(at_ms);
    run->nslos = cfg->nslos;
    run->done = calloc(cfg->nslos ? cfg->nslos : 1, 1);
    if (run->snap == NULL || run->done == NULL) {
        engine_run_free(run);
        return -1;
    }
    return 0;
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

static int add_over(struct engine_run *r, const char *slo, size_t groups, size_t kept)
{
    struct engine_over *o = realloc(r->over, (r->nover + 1) * sizeof(*o));

    if (o == NULL)
        return -1;
    r->over = o;
    o[r->nover].slo = util_strdup(slo);
    if (o[r->nover].slo == NULL)
        return -1;
    o[r->nover].groups = groups;
    o[r->nover].kept = kept;
    r->nover++;
    return 0;
}

int engine_run_add(struct engine_run *run, const struct config *cfg, struct engine_result *r)
{
    const char *name = cfg->slos[r->slo].name;
    int rc = 0;

    if (r->slo >= run->nslos) {
        engine_result_clear(r);
        return -1;
    }
    run->done[r->slo] = 1;
    if (!r->ok) {
        rc = add_failure(run, name, r->msg ? r->msg : "failed");
        engine_result_clear(r);
        return rc;
    }
    if (r->groups > r->kept)
        rc |= add_over(run, name, r->groups, r->kept);
    for (size_t k = 0; k < r->n && rc == 0; k++)
        rc |= snapshot_take(run->snap, &r->e[k]);
    if (rc == 0)
        run->nok++;
    engine_result_clear(r);
    return rc ? -1 : 0;
}

void engine_run_free(struct engine_run *r)
{
    if (r == NULL)
        return;
    snapshot_free(r->snap);
    free(r->done);
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

/* ---- every SLO at once ---- */

struct job {
    struct pool_job link; /* first: the pool's */
    struct engine_result res;
    int oom;
};

struct batch {
    const struct config *cfg;
    struct backend *be;
    int64_t at_ms;
    struct job *jobs;
    unsigned char *round;        /* per worker: round started */
    pthread_mutex_t mu;          /* guards down */
    char down[UTIL_ERRLEN + 64]; /* set once a request could not connect */
};

static void run_job(void *ctx, size_t worker, struct pool_job *pj)
{
    struct batch *b = ctx;
    struct job *j = (struct job *)pj;
    size_t i = (size_t)(j - b->jobs);
    char down[sizeof(b->down)];

    pthread_mutex_lock(&b->mu);
    snprintf(down, sizeof(down), "%s", b->down);
    pthread_mutex_unlock(&b->mu);
    /* Asking again for every other SLO would only multiply the wait. */
    if (down[0] != '\0') {
        memset(&j->res, 0, sizeof(j->res));
        j->res.slo = i;
        j->res.at_ms = b->at_ms;
        j->res.msg = util_strdup(down);
        j->oom = j->res.msg == NULL;
        return;
    }
    if (!b->round[worker]) {
        backend_new_round(b->be, worker);
        b->round[worker] = 1;
    }
    if (engine_eval_slo(b->cfg, b->be, worker, i, b->at_ms, &j->res) != 0) {
        j->oom = 1;
        return;
    }
    if (!j->res.ok && j->res.unreachable) {
        pthread_mutex_lock(&b->mu);
        if (b->down[0] == '\0')
            snprintf(b->down, sizeof(b->down), "not evaluated: %s", j->res.msg);
        pthread_mutex_unlock(&b->mu);
    }
}

int engine_eval(const struct config *cfg, struct backend *be, int64_t at_ms,
                struct engine_run *out)
{
    struct batch b;
    struct pool *p = NULL;
    struct err e = {{0}};
    size_t nw = backend_nworkers(be);
    int rc = -1, oom = 0;

    memset(&b, 0, sizeof(b));
    if (engine_run_init(out, cfg, at_ms) != 0)
        return -1;
    b.cfg = cfg;
    b.be = be;
    b.at_ms = at_ms;
    pthread_mutex_init(&b.mu, NULL);
    b.jobs = calloc(cfg->nslos ? cfg->nslos : 1, sizeof(*b.jobs));
    b.round = calloc(nw, 1);
    if (b.jobs == NULL || b.round == NULL)
        goto out;
    if (cfg->nslos > 0) {
        /* Never more workers than SLOs: a worker's round starts with its first job. */
        p = pool_new(nw < cfg->nslos ? nw : cfg->nslos, run_job, &b, -1, &e);
        if (p == NULL)
            goto out;
        for (size_t i = 0; i < cfg->nslos; i++)
            pool_submit(p, &b.jobs[i].link);
        while (pool_take(p, 1) != NULL)
            ;
        pool_free(p);
    }
    /* In config order, whatever order the workers finished in. */
    for (size_t i = 0; i < cfg->nslos; i++) {
        oom |= b.jobs[i].oom;
        if (!b.jobs[i].oom && engine_run_add(out, cfg, &b.jobs[i].res) != 0)
            oom = 1;
    }
    rc = oom ? -1 : 0;
out:
    for (size_t i = 0; b.jobs != NULL && i < cfg->nslos; i++)
        engine_result_clear(&b.jobs[i].res);
    free(b.jobs);
    free(b.round);
    pthread_mutex_destroy(&b.mu);
    if (rc != 0)
        engine_run_free(out);
    return rc;
}

/* ---- the snapshot to publish ---- */

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
        int64_t at;

        if (e->name == NULL || strcmp(e->name, slo->name) != 0 || e->last_active_ms != 0)
            continue;
        at = e->evaluated_ms;
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
        int fresh = i < run->nslos && run->done[i] && !failed(run, name);

        if (fresh) {
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
