/*
 * exactread: the one raw-sample reading path. See exactread.h.
 *
 * Invariants:
 *  - q[qi].map numbers the series of query qi 0..n-1; q[qi].slot[i] is the
 *    state of series i and q[qi].slot[i].group its index in the group table
 *    (own, or the parent's);
 *  - gcount[qi][gi] is the number of series of query qi in group gi;
 *  - staged samples belong to slots that exist; they move no slot until
 *    exactread_commit.
 */
#include "exactread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "selector.h"
#include "seriesmap.h"
#include "util.h"

struct rquery {
    struct seriesmap *map;
    struct exactread_slot *slot;
    size_t cap;
    size_t *gcount; /* series per group, gcap entries */
};

struct staged {
    uint32_t query;
    uint32_t slot;
    int64_t t;
    double v;
};

struct exactread {
    const struct config_slo *slo;
    const struct exactread *parent; /* groups looked up there when not NULL */
    char le[128];
    struct rawsrc_query q[2];
    enum answer_part part[2];
    size_t nq;
    struct rquery rq[2];
    struct seriesmap *groups; /* own group table (parent == NULL) */
    size_t gcap;              /* entries of each rq[].gcount */
    struct staged *st;
    size_t nst, stcap;
};

void exactread_verdicts_free(struct exactread_verdicts *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->nv; i++)
        free(v->v[i]);
    free(v->v);
    memset(v, 0, sizeof(*v));
}

size_t exactread_queries(const struct config_slo *slo, char *le, size_t lelen,
                         struct rawsrc_query *q, enum answer_part *part)
{
    memset(q, 0, 2 * sizeof(*q));
    switch (slo->kind) {
    case CONFIG_SLI_EVENTS:
        q[0].sel = slo->events.error_sel != NULL ? slo->events.error_sel : slo->events.good_sel;
        part[0] = slo->events.error_sel != NULL ? ANSWER_BAD : ANSWER_GOOD;
        q[1].sel = slo->events.total_sel;
        part[1] = ANSWER_TOTAL;
        return 2;
    case CONFIG_SLI_LATENCY:
        selector_le_regex(slo->latency.threshold, le, lelen);
        q[0].sel = slo->latency.histogram_sel;
        q[0].suffix = "_bucket";
        q[0].extra_name = "le";
        q[0].extra_op = SELECTOR_RE;
        q[0].extra_value = le;
        part[0] = ANSWER_GOOD;
        q[1].sel = slo->latency.histogram_sel;
        q[1].suffix = "_count";
        part[1] = ANSWER_TOTAL;
        return 2;
    case CONFIG_SLI_TIMESLICE:
        q[0].sel = slo->timeslice.gauge_sel;
        q[0].align_ms = slo->timeslice.slice_ms;
        part[0] = ANSWER_GOOD;
        return 1;
    case CONFIG_SLI_PROMQL:
        break;
    }
    return 0;
}

struct exactread *exactread_new(const struct config_slo *slo, const struct exactread *parent)
{
    struct exactread *r = calloc(1, sizeof(*r));

    if (r == NULL)
        return NULL;
    r->slo = slo;
    r->parent = parent;
    r->nq = exactread_queries(slo, r->le, sizeof(r->le), r->q, r->part);
    if (r->nq == 0)
        goto fail;
    for (size_t i = 0; i < r->nq; i++)
        if ((r->rq[i].map = seriesmap_new()) == NULL)
            goto fail;
    if (parent == NULL && (r->groups = seriesmap_new()) == NULL)
        goto fail;
    return r;
fail:
    exactread_free(r);
    return NULL;
}

static void rquery_free(struct rquery *q)
{
    seriesmap_free(q->map);
    free(q->slot);
    free(q->gcount);
    q->map = NULL;
    q->slot = NULL;
    q->gcount = NULL;
    q->cap = 0;
}

void exactread_free(struct exactread *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < 2; i++)
        rquery_free(&r->rq[i]);
    seriesmap_free(r->groups);
    free(r->st);
    free(r);
}

size_t exactread_nqueries(const struct exactread *r)
{
    return r->nq;
}

enum answer_part exactread_part(const struct exactread *r, size_t qi)
{
    return r->part[qi];
}

/* ---- groups ---- */

static const struct seriesmap *group_table(const struct exactread *r)
{
    return r->parent != NULL ? group_table(r->parent) : r->groups;
}

size_t exactread_ngroups(const struct exactread *r)
{
    return seriesmap_count(group_table(r));
}

const struct labels *exactread_group_labels(const struct exactread *r, size_t gi)
{
    return seriesmap_labels(group_table(r), gi);
}

long exactread_group_find(const struct exactread *r, const struct labels *l)
{
    return seriesmap_find(group_table(r), l);
}

size_t exactread_group_nseries(const struct exactread *r, size_t qi, size_t gi)
{
    return qi < r->nq && gi < r->gcap ? r->rq[qi].gcount[gi] : 0;
}

/* Makes room for the per-group series counts of group gi. */
static int gcount_room(struct exactread *r, size_t gi)
{
    size_t cap;

    if (gi < r->gcap)
        return 0;
    cap = r->gcap ? r->gcap : 4;
    while (cap <= gi)
        cap *= 2;
    for (size_t i = 0; i < r->nq; i++) {
        size_t *n = realloc(r->rq[i].gcount, cap * sizeof(*n));

        if (n == NULL)
            return -1;
        memset(n + r->gcap, 0, (cap - r->gcap) * sizeof(*n));
        r->rq[i].gcount = n;
    }
    r->gcap = cap;
    return 0;
}

int exactread_group_add(struct exactread *r, const struct labels *l, size_t *gi,
                        const struct exactread_sink *sink, void *arg, struct err *e)
{
    int added;

    if (r->parent != NULL) {
        long found = exactread_group_find(r, l);

        if (found < 0)
            return util_err(e, "SLO %s: no such group", r->slo->name);
        *gi = (size_t)found;
        return gcount_room(r, *gi) != 0 ? util_err(e, "out of memory") : 0;
    }
    added = seriesmap_get(r->groups, l, EXACTREAD_MAX_GROUPS, gi);
    if (added < 0)
        return util_err(e, "SLO %s: more than %d groups (or out of memory)", r->slo->name,
                        EXACTREAD_MAX_GROUPS);
    if (gcount_room(r, *gi) != 0)
        return util_err(e, "out of memory");
    if (added == 1 && sink != NULL && sink->group != NULL)
        return sink->group(arg, *gi, l, e);
    return 0;
}

/*
 * The group of series labels l: added when new, or, for a reader with a
 * parent, 1 when the parent has no such group (the series is skipped).
 */
static int group_of_series(struct exactread *r, const struct labels *l, size_t *gi,
                           const struct exactread_sink *sink, void *arg, struct err *e)
{
    struct labels g;
    int rc;

    if (answer_group_of(r->slo, l, &g) != 0)
        return util_err(e, "out of memory");
    if (r->parent != NULL && exactread_group_find(r, &g) < 0) {
        labels_free(&g);
        return 1;
    }
    rc = exactread_group_add(r, &g, gi, sink, arg, e);
    labels_free(&g);
    return rc;
}

/* ---- series ---- */

size_t exactread_nseries(const struct exactread *r, size_t qi)
{
    return qi < r->nq ? seriesmap_count(r->rq[qi].map) : 0;
}

const struct labels *exactread_series_labels(const struct exactread *r, size_t qi, size_t i)
{
    return seriesmap_labels(r->rq[qi].map, i);
}

struct exactread_slot *exactread_slot(struct exactread *r, size_t qi, size_t i)
{
    return &r->rq[qi].slot[i];
}

/* Like exactread_series_add, and 1 when the series' group is not the parent's. */
static int series_of(struct exactread *r, size_t qi, const struct labels *l, size_t *slot,
                     const struct exactread_sink *sink, void *arg, struct err *e)
{
    struct rquery *q = &r->rq[qi];
    long found = seriesmap_find(q->map, l);
    size_t gi;
    int rc;

    if (found >= 0) {
        *slot = (size_t)found;
        return 0;
    }
    rc = group_of_series(r, l, &gi, sink, arg, e);
    if (rc != 0)
        return rc;
    if (seriesmap_count(q->map) >= EXACTREAD_MAX_SERIES)
        return util_err(e, "SLO %s: more than %d series for one selector", r->slo->name,
                        EXACTREAD_MAX_SERIES);
    if (seriesmap_count(q->map) == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct exactread_slot *ns = realloc(q->slot, cap * sizeof(*ns));

        if (ns == NULL)
            return util_err(e, "out of memory");
        q->slot = ns;
        q->cap = cap;
    }
    if (seriesmap_get(q->map, l, 0, slot) < 0)
        return util_err(e, "out of memory");
    memset(&q->slot[*slot], 0, sizeof(q->slot[*slot]));
    q->slot[*slot].group = gi;
    q->gcount[gi]++;
    if (sink != NULL && sink->series != NULL)
        return sink->series(arg, qi, gi, e);
    return 0;
}

int exactread_series_add(struct exactread *r, size_t qi, const struct labels *l, size_t *slot,
                         const struct exactread_sink *sink, void *arg, struct err *e)
{
    int rc;

    if (qi >= r->nq)
        return util_err(e, "SLO %s: no query %zu", r->slo->name, qi);
    rc = series_of(r, qi, l, slot, sink, arg, e);
    return rc > 0 ? util_err(e, "SLO %s: no such group", r->slo->name) : rc;
}

/* ---- reading counters ---- */

/* What one run collects. */
struct run {
    struct exactread *r;
    const struct exactread_sink *sink;
    void *arg;
    int staged;
    /* time slices */
    struct exactread_verdicts *verdicts;
    struct seriesmap *seen; /* gauge series of this run */
    int64_t *last_t;        /* newest sample judged per gauge series */
    size_t last_cap;
};

static int bad_sample(const struct exactread *r, int64_t t, double v, struct err *e)
{
    return util_err(e,
                    "SLO %s: a counter sample is %g at %lld ms; a count must be finite "
                    "and not negative",
                    r->slo->name, v, (long long)t);
}

/* Counts one sample of series slot of query qi through the sink. */
static int count(struct exactread *r, size_t qi, size_t slot, int64_t t, double v,
                 const struct exactread_sink *sink, void *arg, struct err *e)
{
    struct exactread_slot *s = &r->rq[qi].slot[slot];
    int64_t prev = s->c.last_t;
    double inc;
    int rc = counter_next(&s->c, t, v, &inc);

    if (rc < 0)
        return bad_sample(r, t, v, e);
    if (rc == 0 || sink == NULL || sink->event == NULL)
        return 0;
    return sink->event(arg, qi, s->group, t, prev, inc, e);
}

static int stage(struct exactread *r, size_t qi, size_t slot, int64_t t, double v, struct err *e)
{
    if (counter_is_stale(v))
        return 0;
    if (!isfinite(v) || v < 0)
        return bad_sample(r, t, v, e);
    if (r->nst == r->stcap) {
        size_t cap = r->stcap ? r->stcap * 2 : 64;
        struct staged *n;

        if (cap > EXACTREAD_MAX_STAGED)
            return util_err(e, "SLO %s: more than %u new samples in one read", r->slo->name,
                            EXACTREAD_MAX_STAGED);
        n = realloc(r->st, cap * sizeof(*n));
        if (n == NULL)
            return util_err(e, "out of memory");
        r->st = n;
        r->stcap = cap;
    }
    r->st[r->nst++] = (struct staged){(uint32_t)qi, (uint32_t)slot, t, v};
    return 0;
}

static int on_counter(void *arg, const struct rawsrc_series *rs, struct err *e)
{
    struct run *run = arg;
    struct exactread *r = run->r;
    size_t slot;
    int rc;

    if (rs->query >= r->nq)
        return util_err(e, "series for unknown query %zu", rs->query);
    rc = series_of(r, rs->query, rs->labels, &slot, run->sink, run->arg, e);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    for (size_t i = 0; i < rs->n; i++) {
        rc = run->staged
                 ? stage(r, rs->query, slot, rs->s[i].t_ms, rs->s[i].v, e)
                 : count(r, rs->query, slot, rs->s[i].t_ms, rs->s[i].v, run->sink, run->arg, e);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int run_queries(struct exactread *r, struct rawsrc *src, int64_t from, int64_t to,
                       rawsrc_cb cb, struct run *run, struct err *e)
{
    for (size_t i = 0; i < r->nq; i++) {
        r->q[i].start_ms = from;
        r->q[i].end_ms = to;
    }
    return rawsrc_run(src, r->q, r->nq, cb, run, e);
}

static void run_init(struct run *run, struct exactread *r, const struct exactread_sink *sink,
                     void *arg)
{
    memset(run, 0, sizeof(*run));
    run->r = r;
    run->sink = sink;
    run->arg = arg;
}

int exactread_counters(struct exactread *r, struct rawsrc *src, int64_t from_ms, int64_t to_ms,
                       const struct exactread_sink *sink, void *arg, struct err *e)
{
    struct run run;

    run_init(&run, r, sink, arg);
    return run_queries(r, src, from_ms, to_ms, on_counter, &run, e);
}

int exactread_stage(struct exactread *r, struct rawsrc *src, int64_t from_ms, int64_t to_ms,
                    const struct exactread_sink *sink, void *arg, struct err *e)
{
    struct run run;

    run_init(&run, r, sink, arg);
    run.staged = 1;
    r->nst = 0;
    if (run_queries(r, src, from_ms, to_ms, on_counter, &run, e) != 0) {
        r->nst = 0;
        return -1;
    }
    return 0;
}

int exactread_commit(struct exactread *r, const struct exactread_sink *sink, void *arg,
                     struct err *e)
{
    int rc = 0;

    for (size_t i = 0; i < r->nst && rc == 0; i++)
        rc = count(r, r->st[i].query, r->st[i].slot, r->st[i].t, r->st[i].v, sink, arg, e);
    r->nst = 0;
    /* Staging lives for one step: between evaluations a state holds none. */
    free(r->st);
    r->st = NULL;
    r->stcap = 0;
    return rc;
}

/* ---- time slices ---- */

static int verdicts_for(struct exactread_verdicts *v, size_t gi, unsigned char **out,
                        struct err *e)
{
    if (gi >= v->nv) {
        unsigned char **n = realloc(v->v, (gi + 1) * sizeof(*n));

        if (n == NULL)
            return util_err(e, "out of memory");
        v->v = n;
        for (size_t i = v->nv; i <= gi; i++)
            n[i] = NULL;
        v->nv = gi + 1;
    }
    if (v->v[gi] == NULL && (v->v[gi] = calloc(v->nk ? v->nk : 1, 1)) == NULL)
        return util_err(e, "out of memory");
    *out = v->v[gi];
    return 0;
}

static int on_gauge(void *arg, const struct rawsrc_series *rs, struct err *e)
{
    struct run *run = arg;
    struct exactread *r = run->r;
    unsigned char *v = NULL;
    struct counter_slicer sl;
    size_t gi, idx;
    int added, rc;

    if (rs->query != 0)
        return util_err(e, "series for unknown query %zu", rs->query);
    rc = group_of_series(r, rs->labels, &gi, run->sink, run->arg, e);
    if (rc != 0)
        return rc > 0 ? 0 : -1;
    if (verdicts_for(run->verdicts, gi, &v, e) != 0)
        return -1;
    /* A series delivered again (a server repeating it) is not judged twice. */
    added = seriesmap_get(run->seen, rs->labels, EXACTREAD_MAX_SERIES, &idx);
    if (added < 0)
        return util_err(e, "SLO %s: more than %d series for one selector (or out of memory)",
                        r->slo->name, EXACTREAD_MAX_SERIES);
    if (idx >= run->last_cap) {
        size_t cap = run->last_cap ? run->last_cap * 2 : 64;
        int64_t *n = realloc(run->last_t, cap * sizeof(*n));

        if (n == NULL)
            return util_err(e, "out of memory");
        run->last_t = n;
        run->last_cap = cap;
    }
    if (added == 1)
        run->last_t[idx] = INT64_MIN;
    counter_slicer_begin(&sl, &r->slo->timeslice, v, run->verdicts->k0, run->verdicts->nk);
    for (size_t i = 0; i < rs->n; i++) {
        if (rs->s[i].t_ms <= run->last_t[idx])
            continue;
        run->last_t[idx] = rs->s[i].t_ms;
        counter_slicer_add(&sl, rs->s[i].t_ms, rs->s[i].v);
    }
    counter_slicer_end(&sl);
    return 0;
}

int exactread_slices(struct exactread *r, struct rawsrc *src, int64_t k0, size_t nk,
                     const struct exactread_sink *sink, void *arg, struct exactread_verdicts *out,
                     struct err *e)
{
    int64_t s = r->slo->timeslice.slice_ms;
    struct run run;
    int rc;

    exactread_verdicts_free(out);
    out->k0 = k0;
    out->nk = nk;
    run_init(&run, r, sink, arg);
    run.verdicts = out;
    run.seen = seriesmap_new();
    if (run.seen == NULL)
        return util_err(e, "out of memory");
    /* Only the samples inside the slices matter. */
    rc = run_queries(r, src, k0 * s + 1, (k0 + (int64_t)nk) * s, on_gauge, &run, e);
    seriesmap_free(run.seen);
    free(run.last_t);
    if (rc != 0)
        exactread_verdicts_free(out);
    return rc;
}

/* ---- upkeep ---- */

/*
 * The series of q whose last sample is at or after cutoff, into out
 * (empty). 0, or -1 with out empty again.
 */
static int survivors(const struct rquery *q, size_t gcap, int64_t cutoff, struct rquery *out)
{
    size_t cnt = seriesmap_count(q->map);

    out->map = seriesmap_new();
    out->slot = malloc((cnt ? cnt : 1) * sizeof(struct exactread_slot));
    out->cap = cnt ? cnt : 1;
    out->gcount = calloc(gcap ? gcap : 1, sizeof(size_t));
    if (out->map == NULL || out->slot == NULL || out->gcount == NULL)
        goto fail;
    for (size_t i = 0; i < cnt; i++) {
        const struct exactread_slot *s = &q->slot[i];
        size_t slot;

        if (!s->c.has || s->c.last_t < cutoff)
            continue;
        if (seriesmap_get(out->map, seriesmap_labels(q->map, i), 0, &slot) < 0)
            goto fail;
        out->slot[slot] = *s;
        out->gcount[s->group]++;
    }
    return 0;
fail:
    rquery_free(out);
    return -1;
}

int exactread_compact(struct exactread *r, int64_t cutoff_ms)
{
    struct rquery nq[2];

    memset(nq, 0, sizeof(nq));
    if (survivors(&r->rq[0], r->gcap, cutoff_ms, &nq[0]) != 0)
        return -1;
    if (r->nq > 1 && survivors(&r->rq[1], r->gcap, cutoff_ms, &nq[1]) != 0) {
        rquery_free(&nq[0]);
        return -1;
    }
    /* Both, used or not: an unused one is empty on both sides. */
    for (size_t qi = 0; qi < 2; qi++) {
        rquery_free(&r->rq[qi]);
        r->rq[qi] = nq[qi];
    }
    return 0;
}

size_t exactread_memory(const struct exactread *r)
{
    size_t n = sizeof(*r) + r->stcap * sizeof(*r->st);

    for (size_t qi = 0; qi < r->nq; qi++)
        n += seriesmap_memory(r->rq[qi].map) + r->rq[qi].cap * sizeof(*r->rq[qi].slot) +
             r->gcap * sizeof(size_t);
    if (r->groups != NULL)
        n += seriesmap_memory(r->groups);
    return n;
}
