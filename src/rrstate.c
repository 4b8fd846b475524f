/*
 * rrstate: incremental exact counting for one SLO. See include/rrstate.h.
 *
 * Invariants:
 *  - s->at is the newest grid point whose events are all in the buckets
 *    (0: nothing yet). Every store of every group is advanced to s->at.
 *  - Events: for each series of each query, q[i].s[slot].c holds the last
 *    sample counted; every increment with a later sample up to that one is
 *    in the group's store b[i] (i = 0 the error or good part, 1 the total).
 *  - Time slices: every slice k < s->decided is in the groups' b[0] as one
 *    event at k*s + 1 ms when good (so a window (T-W, T] holds exactly the
 *    slices that start at or after T-W); slices from s->decided to the
 *    newest complete one are judged again at each evaluation into prov.
 *  - minprev[j] is the earliest "earlier sample" time of any pair whose
 *    later sample lies in coarse span j: an edge re-read of span j starts
 *    there, so it sees the same pairs the first read saw.
 */
#include "rrstate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"
#include "buckets.h"
#include "counter.h"
#include "rrbackend.h"
#include "seriesmap.h"
#include "sliquery.h"
#include "util.h"

/* Bounds against runaway cardinality and reads. */
#define MAX_SERIES 1000000
#define MAX_GROUPS 100000
#define MAX_STAGED (64u * 1024u * 1024u)
/* An edge is fetched this many grid steps before the window needs it. */
#define EDGE_LEAD_STEPS 2
/* At most this many edge spans are fetched in one evaluation. */
#define MAX_EDGE_READS 4


struct rrseries {
    struct counter_series c;
    size_t group;
};

struct rrquery {
    struct seriesmap *map;
    struct rrseries *s;
    size_t cap;
};

struct rrgroup {
    struct buckets *b[2];
    size_t total_series;        /* events: total series seen; the group exists with one */
    unsigned char *prov;        /* slices: verdicts of the undecided slices */
};

struct staged {
    uint32_t query;
    uint32_t slot;
    int64_t t;
    double v;
};

struct rrstate {
    const struct config *cfg;
    const struct config_slo *slo;
    struct buckets_params bp;
    int64_t at;
    int64_t period_start;       /* calendar periods: the start the state counts from */
    struct rrquery q[2];
    size_t nq;
    struct seriesmap *gmap;     /* group labels -> index into g */
    struct rrgroup *g;
    size_t ng;
    size_t gcap;
    /* time slices */
    int64_t decided;
    int64_t prov_k0;            /* prov[i] is slice prov_k0 + i */
    size_t nprov;
    /* edges */
    int64_t *minprev;
    int64_t *minprev_span;
    size_t nminprev;
    int64_t compacted;          /* hour of the last compaction */
    int reread;                 /* loaded: judge the provisional slices again at s->at */
};

size_t rrstate_queries(const struct config_slo *slo, char *le, size_t lelen,
                       struct remote_read_query *q, int *part)
{
    memset(q, 0, 2 * sizeof(*q));
    switch (slo->kind) {
    case CONFIG_SLI_EVENTS:
        q[0].sel = slo->events.error_sel != NULL ? slo->events.error_sel : slo->events.good_sel;
        part[0] = slo->events.error_sel != NULL ? SLIQUERY_BAD : SLIQUERY_GOOD;
        q[1].sel = slo->events.total_sel;
        part[1] = SLIQUERY_TOTAL;
        return 2;
    case CONFIG_SLI_LATENCY:
        sliquery_le_regex(slo->latency.threshold, le, lelen);
        q[0].sel = slo->latency.histogram_sel;
        q[0].suffix = "_bucket";
        q[0].extra_name = "le";
        q[0].extra_op = SELECTOR_RE;
        q[0].extra_value = le;
        part[0] = SLIQUERY_GOOD;
        q[1].sel = slo->latency.histogram_sel;
        q[1].suffix = "_count";
        part[1] = SLIQUERY_TOTAL;
        return 2;
    case CONFIG_SLI_TIMESLICE:
        q[0].sel = slo->timeslice.gauge_sel;
        part[0] = SLIQUERY_GOOD;
        return 1;
    case CONFIG_SLI_PROMQL:
        break;
    }
    return 0;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t t = a % b;

        a = b;
        b = t;
    }
    return a;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -util_floor_div(-a, b);
}

struct rrstate *rrstate_new(const struct config *cfg, const struct config_slo *slo)
{
    struct rrstate *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->cfg = cfg;
    s->slo = slo;
    return s;
}

static void clear(struct rrstate *s)
{
    for (size_t i = 0; i < 2; i++) {
        seriesmap_free(s->q[i].map);
        free(s->q[i].s);
    }
    memset(s->q, 0, sizeof(s->q));
    for (size_t i = 0; i < s->ng; i++) {
        buckets_free(s->g[i].b[0]);
        buckets_free(s->g[i].b[1]);
        free(s->g[i].prov);
    }
    free(s->g);
    s->g = NULL;
    s->ng = s->gcap = 0;
    seriesmap_free(s->gmap);
    s->gmap = NULL;
    free(s->minprev);
    free(s->minprev_span);
    s->minprev = s->minprev_span = NULL;
    s->nminprev = 0;
    s->at = 0;
    s->nprov = 0;
}

void rrstate_free(struct rrstate *s)
{
    if (s == NULL)
        return;
    clear(s);
    free(s);
}

/*
 * Store parameters for the windows of this evaluation. The grid is the
 * greatest common divisor of the interval, every window, the slice and a
 * day, so every window edge and calendar period start falls on it.
 */
static void params(const struct rrstate *s, const struct slo_window *w, size_t nw,
                   struct buckets_params *p)
{
    const struct config_slo *slo = s->slo;
    int64_t g = gcd64(s->cfg->interval_ms, 86400000);
    int64_t fine = 0, period = 0;

    for (size_t k = 0; k < nw; k++) {
        if (!w[k].is_period || slo->period_kind == CONFIG_PERIOD_ROLLING)
            g = gcd64(g, w[k].ms);
        if (w[k].is_period)
            period = slo->period_kind == CONFIG_PERIOD_ROLLING ? w[k].ms : 0;
        else if (w[k].ms > fine)
            fine = w[k].ms;
    }
    if (slo->kind == CONFIG_SLI_TIMESLICE)
        g = gcd64(g, slo->timeslice.slice_ms);
    memset(p, 0, sizeof(*p));
    p->grid_ms = g;
    p->fine_ms = fine;
    p->long_ms = period > fine ? period : (period != 0 ? fine : 0);
    p->coarse_ms = g * (3600000 / g > 0 ? 3600000 / g : 1);
}

static int same_params(const struct buckets_params *a, const struct buckets_params *b)
{
    return a->grid_ms == b->grid_ms && a->fine_ms == b->fine_ms && a->long_ms == b->long_ms &&
           a->coarse_ms == b->coarse_ms;
}

/* The group of labels l, created (with its stores at s->at) when new. */
static int group_of(struct rrstate *s, const struct labels *l, size_t *gi, struct err *e)
{
    struct labels gl;
    int added;

    if (backend_group_of(s->slo, l, &gl) != 0)
        return util_err(e, "out of memory");
    added = seriesmap_get(s->gmap, &gl, MAX_GROUPS, gi);
    labels_free(&gl);
    if (added < 0)
        return util_err(e, "SLO %s: more than %d groups (or out of memory)", s->slo->name,
                        MAX_GROUPS);
    if (added == 0)
        return 0;
    if (s->ng == s->gcap) {
        size_t cap = s->gcap ? s->gcap * 2 : 4;
        struct rrgroup *ng = realloc(s->g, cap * sizeof(*ng));

        if (ng == NULL)
            return util_err(e, "out of memory");
        s->g = ng;
        s->gcap = cap;
    }
    memset(&s->g[s->ng], 0, sizeof(s->g[s->ng]));
    for (size_t i = 0; i < (s->slo->kind == CONFIG_SLI_TIMESLICE ? 1u : 2u); i++) {
        s->g[s->ng].b[i] = buckets_new(&s->bp, s->at, e);
        if (s->g[s->ng].b[i] == NULL) {
            buckets_free(s->g[s->ng].b[0]);
            s->g[s->ng].b[0] = NULL;
            return -1;
        }
    }
    s->ng++;
    return 0;
}

/* The slot of series l in query qi, created when new. */
static int series_of(struct rrstate *s, size_t qi, const struct labels *l, size_t *slot,
                     struct err *e)
{
    struct rrquery *q = &s->q[qi];
    int added = seriesmap_get(q->map, l, MAX_SERIES, slot);
    size_t gi;

    if (added < 0)
        return util_err(e, "SLO %s: more than %d series for one selector (or out of memory)",
                        s->slo->name, MAX_SERIES);
    if (added == 0)
        return 0;
    if (*slot >= q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct rrseries *ns = realloc(q->s, cap * sizeof(*ns));

        if (ns == NULL)
            return util_err(e, "out of memory");
        q->s = ns;
        q->cap = cap;
    }
    memset(&q->s[*slot], 0, sizeof(q->s[*slot]));
    if (group_of(s, l, &gi, e) != 0)
        return -1;
    q->s[*slot].group = gi;
    if (qi == 1)
        s->g[gi].total_series++;
    return 0;
}

/* Notes that a pair ending in coarse span j began at prev_t. */
static void minprev_note(struct rrstate *s, int64_t t, int64_t prev_t)
{
    int64_t j = util_floor_div(t - 1, s->bp.coarse_ms);
    size_t i;

    if (s->nminprev == 0)
        return;
    i = (size_t)((uint64_t)j % s->nminprev);
    if (s->minprev_span[i] != j) {
        s->minprev_span[i] = j;
        s->minprev[i] = prev_t;
    } else if (prev_t < s->minprev[i]) {
        s->minprev[i] = prev_t;
    }
}

static int64_t minprev_get(const struct rrstate *s, int64_t span_from)
{
    int64_t j = util_floor_div(span_from, s->bp.coarse_ms);
    size_t i;

    if (s->nminprev == 0)
        return span_from;
    i = (size_t)((uint64_t)j % s->nminprev);
    return s->minprev_span[i] == j ? s->minprev[i] : span_from;
}

/* Counts one counter sample into the state. */
static int apply(struct rrstate *s, size_t qi, size_t slot, int64_t t, double v, struct err *e)
{
    struct rrseries *sr = &s->q[qi].s[slot];
    int64_t prev_t = sr->c.last_t;
    double inc;
    int r = counter_next(&sr->c, t, v, &inc);

    if (r < 0)
        return util_err(e, "SLO %s: a counter sample is %g at %lld ms; a count must be finite "
                           "and not negative", s->slo->name, v, (long long)t);
    if (r == 0)
        return 0;
    minprev_note(s, t, prev_t);
    if (buckets_add(s->g[sr->group].b[qi], t, inc) < 0)
        return util_err(e, "SLO %s: cannot count %g events at %lld ms", s->slo->name, inc,
                        (long long)t);
    return 0;
}

/* What one read collects: samples to stage or apply, and slice verdicts. */
struct read {
    struct rrstate *s;
    int direct;                 /* apply at once (backfill of a fresh state) */
    struct staged *st;
    size_t nst, cap;
    /* time slices [k0, k0 + nk), verdicts per group */
    int64_t k0;
    size_t nk;
    unsigned char **verdict;
    size_t nverdict;
};

static void read_free(struct read *r)
{
    free(r->st);
    for (size_t i = 0; i < r->nverdict; i++)
        free(r->verdict[i]);
    free(r->verdict);
}

static int stage(struct read *r, size_t qi, size_t slot, int64_t t, double v, struct err *e)
{
    if (r->nst == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        struct staged *n;

        if (cap > MAX_STAGED)
            return util_err(e, "SLO %s: more than %u new samples in one read",
                            r->s->slo->name, MAX_STAGED);
        n = realloc(r->st, cap * sizeof(*n));
        if (n == NULL)
            return util_err(e, "out of memory");
        r->st = n;
        r->cap = cap;
    }
    r->st[r->nst++] = (struct staged){(uint32_t)qi, (uint32_t)slot, t, v};
    return 0;
}

static int verdicts(struct read *r, size_t gi, unsigned char **out, struct err *e)
{
    if (gi >= r->nverdict) {
        unsigned char **v = realloc(r->verdict, (gi + 1) * sizeof(*v));

        if (v == NULL)
            return util_err(e, "out of memory");
        r->verdict = v;
        for (size_t i = r->nverdict; i <= gi; i++)
            v[i] = NULL;
        r->nverdict = gi + 1;
    }
    if (r->verdict[gi] == NULL) {
        r->verdict[gi] = calloc(r->nk ? r->nk : 1, 1);
        if (r->verdict[gi] == NULL)
            return util_err(e, "out of memory");
    }
    *out = r->verdict[gi];
    return 0;
}

/* The newest sample of each slice of one gauge series decides it for the series. */
static int judge_series(struct read *r, size_t gi, const struct remote_read_series *rs,
                        struct err *e)
{
    unsigned char *v = NULL;
    struct counter_slicer sl;

    if (verdicts(r, gi, &v, e) != 0)
        return -1;
    counter_slicer_begin(&sl, &r->s->slo->timeslice, v, r->k0, r->nk);
    for (size_t i = 0; i < rs->n; i++)
        counter_slicer_add(&sl, rs->s[i].t_ms, rs->s[i].v);
    counter_slicer_end(&sl);
    return 0;
}

static int on_series(void *arg, const struct remote_read_series *rs, struct err *e)
{
    struct read *r = arg;
    struct rrstate *s = r->s;
    size_t slot, gi;

    if (rs->query >= s->nq)
        return util_err(e, "series for unknown query %zu", rs->query);
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        if (group_of(s, rs->labels, &gi, e) != 0)
            return -1;
        return judge_series(r, gi, rs, e);
    }
    if (series_of(s, rs->query, rs->labels, &slot, e) != 0)
        return -1;
    for (size_t i = 0; i < rs->n; i++) {
        int rc = r->direct ? apply(s, rs->query, slot, rs->s[i].t_ms, rs->s[i].v, e)
                           : stage(r, rs->query, slot, rs->s[i].t_ms, rs->s[i].v, e);

        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Runs the SLO's queries over [from, to] into r. */
static int run(struct rrstate *s, struct remote_read_client *c, int64_t from, int64_t to,
               remote_read_cb cb, void *arg, struct err *e)
{
    struct remote_read_query q[2];
    int part[2];
    char le[128];
    size_t nq = rrstate_queries(s->slo, le, sizeof(le), q, part);

    for (size_t i = 0; i < nq; i++) {
        q[i].start_ms = from;
        q[i].end_ms = to;
    }
    return remote_read_run(c, q, nq, cb, arg, NULL, e);
}

/*
 * Slices r judged: those before upto go into the stores, the rest (up to the
 * newest complete one) become the provisional verdicts.
 */
static int settle_slices(struct rrstate *s, struct read *r, int64_t upto, struct err *e)
{
    int64_t sl = s->slo->timeslice.slice_ms;

    for (size_t gi = 0; gi < s->ng; gi++) {
        const unsigned char *v = gi < r->nverdict ? r->verdict[gi] : NULL;
        struct rrgroup *g = &s->g[gi];
        size_t nprov = r->nk - (size_t)(upto - r->k0);
        unsigned char *p = calloc(nprov ? nprov : 1, 1);

        if (p == NULL)
            return util_err(e, "out of memory");
        for (size_t i = 0; i < r->nk; i++) {
            int64_t k = r->k0 + (int64_t)i;
            int good = v != NULL && v[i] == COUNTER_SLICE_GOOD;

            if (k < upto) {
                if (good)
                    buckets_add(g->b[0], k * sl + 1, 1);
            } else {
                p[k - upto] = good ? COUNTER_SLICE_GOOD : COUNTER_SLICE_BAD;
            }
        }
        free(g->prov);
        g->prov = p;
    }
    s->decided = upto;
    s->prov_k0 = upto;
    s->nprov = r->nk - (size_t)(upto - r->k0);
    return 0;
}

/* Sets up an empty state positioned at at (stores are made per group). */
static int start(struct rrstate *s, const struct buckets_params *bp, int64_t at, struct err *e)
{
    clear(s);
    s->bp = *bp;
    s->at = at;
    s->nq = s->slo->kind == CONFIG_SLI_TIMESLICE ? 1 : 2;
    for (size_t i = 0; i < s->nq; i++) {
        s->q[i].map = seriesmap_new();
        if (s->q[i].map == NULL)
            return util_err(e, "out of memory");
    }
    s->gmap = seriesmap_new();
    if (s->gmap == NULL)
        return util_err(e, "out of memory");
    if (bp->long_ms > 0) {
        s->nminprev = (size_t)(bp->long_ms / bp->coarse_ms) + 4;
        s->minprev = calloc(s->nminprev, sizeof(*s->minprev));
        s->minprev_span = malloc(s->nminprev * sizeof(*s->minprev_span));
        if (s->minprev == NULL || s->minprev_span == NULL)
            return util_err(e, "out of memory");
        for (size_t i = 0; i < s->nminprev; i++)
            s->minprev_span[i] = INT64_MIN;
    }
    /* An ungrouped SLO always has its one group. */
    if (s->slo->ngroup_by == 0) {
        struct labels none;
        size_t gi;

        labels_init(&none);
        if (group_of(s, &none, &gi, e) != 0)
            return -1;
    }
    return 0;
}

/* The oldest time any window of this evaluation reaches back to. */
static int64_t oldest(int64_t at, const struct slo_window *w, size_t nw)
{
    int64_t longest = 0;

    for (size_t k = 0; k < nw; k++)
        if (w[k].ms > longest)
            longest = w[k].ms;
    return at - longest;
}

/* A fresh state from one read of everything the windows need. */
static int backfill(struct rrstate *s, struct remote_read_client *c, int64_t at,
                    const struct slo_window *w, size_t nw, const struct buckets_params *bp,
                    struct err *e)
{
    struct read r;
    int64_t edge = oldest(at, w, nw);
    int64_t from = util_floor_div(edge, bp->coarse_ms) * bp->coarse_ms - RRBACKEND_LOOKBACK_MS;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.s = s;
    r.direct = 1;
    if (start(s, bp, at, e) != 0)
        goto out;
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t sl = s->slo->timeslice.slice_ms;

        r.k0 = ceil_div(edge, sl);
        r.nk = util_floor_div(at, sl) > r.k0 ? (size_t)(util_floor_div(at, sl) - r.k0) : 0;
        from = r.k0 * sl + 1;
    }
    if (run(s, c, from, at, on_series, &r, e) != 0)
        goto out;
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t upto = util_floor_div(at - RRSTATE_SETTLE_MS, s->slo->timeslice.slice_ms);

        if (upto < r.k0)
            upto = r.k0;
        if (settle_slices(s, &r, upto, e) != 0)
            goto out;
    }
    rc = 0;
out:
    read_free(&r);
    if (rc != 0)
        clear(s);
    return rc;
}

/* Reads what is new since s->at and adds it; s is unchanged on failure. */
static int step(struct rrstate *s, struct remote_read_client *c, int64_t at, struct err *e)
{
    struct read r;
    int rc = -1;
    int64_t from = s->at - RRSTATE_OVERLAP_MS;

    memset(&r, 0, sizeof(r));
    r.s = s;
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t sl = s->slo->timeslice.slice_ms;
        int64_t kend = util_floor_div(at, sl);

        r.k0 = s->decided;
        r.nk = kend > r.k0 ? (size_t)(kend - r.k0) : 0;
        from = r.k0 * sl + 1;
    }
    if (run(s, c, from, at, on_series, &r, e) != 0)
        goto out;
    /* Check before changing anything, so a bad sample leaves the state as it was. */
    for (size_t i = 0; i < r.nst; i++)
        if (!counter_is_stale(r.st[i].v) && (!isfinite(r.st[i].v) || r.st[i].v < 0)) {
            util_err(e, "SLO %s: a counter sample is %g at %lld ms; a count must be finite "
                        "and not negative", s->slo->name, r.st[i].v, (long long)r.st[i].t);
            goto out;
        }
    for (size_t i = 0; i < s->ng; i++)
        for (size_t k = 0; k < 2; k++)
            if (s->g[i].b[k] != NULL && buckets_advance(s->g[i].b[k], at, e) != 0) {
                /* Stores at different positions cannot be trusted: start over. */
                clear(s);
                goto out;
            }
    s->at = at;
    for (size_t i = 0; i < r.nst; i++)
        if (apply(s, r.st[i].query, r.st[i].slot, r.st[i].t, r.st[i].v, e) != 0) {
            clear(s);
            goto out;
        }
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t upto = util_floor_div(at - RRSTATE_SETTLE_MS, s->slo->timeslice.slice_ms);

        if (upto < r.k0)
            upto = r.k0;
        if (settle_slices(s, &r, upto, e) != 0)
            goto out;
    }
    rc = 0;
out:
    read_free(&r);
    return rc;
}

/* Collects edge events of one coarse span for every store that wants it. */
struct edge_read {
    struct rrstate *s;
    int64_t from, to;
    struct seriesmap *map;
    struct counter_series *cs;
    size_t cap;
    struct read slices;
};

static int on_edge_series(void *arg, const struct remote_read_series *rs, struct err *e)
{
    struct edge_read *er = arg;
    struct rrstate *s = er->s;
    struct labels gl;
    long gi;
    size_t slot;
    int added;

    if (rs->query >= s->nq)
        return util_err(e, "series for unknown query %zu", rs->query);
    if (backend_group_of(s->slo, rs->labels, &gl) != 0)
        return util_err(e, "out of memory");
    gi = seriesmap_find(s->gmap, &gl);
    labels_free(&gl);
    if (gi < 0)
        return 0;    /* a group that no longer exists */
    if (s->slo->kind == CONFIG_SLI_TIMESLICE)
        return judge_series(&er->slices, (size_t)gi, rs, e);
    /* Query index and labels make the key: the same series may be in both. */
    {
        struct labels key;
        char qn[8];

        if (labels_copy(&key, rs->labels) != 0)
            return util_err(e, "out of memory");
        snprintf(qn, sizeof(qn), "%zu", rs->query);
        added = labels_set(&key, "\x01query", qn) != 0 ? -1
                : seriesmap_get(er->map, &key, MAX_SERIES, &slot);
        labels_free(&key);
    }
    if (added < 0)
        return util_err(e, "SLO %s: too many series in an edge re-read (or out of memory)",
                        s->slo->name);
    if (added == 1) {
        if (slot >= er->cap) {
            size_t cap = er->cap ? er->cap * 2 : 64;
            struct counter_series *n = realloc(er->cs, cap * sizeof(*n));

            if (n == NULL)
                return util_err(e, "out of memory");
            er->cs = n;
            er->cap = cap;
        }
        memset(&er->cs[slot], 0, sizeof(er->cs[slot]));
    }
    for (size_t i = 0; i < rs->n; i++) {
        double inc;
        int r = counter_next(&er->cs[slot], rs->s[i].t_ms, rs->s[i].v, &inc);

        if (r < 0)
            return util_err(e, "SLO %s: a counter sample is not finite", s->slo->name);
        if (r == 1 && rs->s[i].t_ms > er->from && rs->s[i].t_ms <= er->to)
            buckets_edge_add(s->g[gi].b[rs->query], er->from, rs->s[i].t_ms, inc);
    }
    return 0;
}

/*
 * Forgets series whose last sample is older than cutoff: they cannot add to
 * any window any more, and a read of the windows (eval) would not see them
 * either, so a series that comes back later starts afresh in both. Keeps
 * memory bounded when pods come and go. Out of memory leaves s as it was.
 */
static void compact(struct rrstate *s, int64_t cutoff)
{
    struct rrquery nq[2];
    size_t total[2] = {0, 0};
    size_t *count = calloc(s->ng ? s->ng : 1, sizeof(*count));

    memset(nq, 0, sizeof(nq));
    if (count == NULL)
        return;
    for (size_t qi = 0; qi < s->nq; qi++) {
        size_t n = s->q[qi].map ? seriesmap_count(s->q[qi].map) : 0;

        nq[qi].map = seriesmap_new();
        nq[qi].s = malloc((n ? n : 1) * sizeof(*nq[qi].s));
        nq[qi].cap = n ? n : 1;
        if (nq[qi].map == NULL || nq[qi].s == NULL)
            goto fail;
        for (size_t i = 0; i < n; i++) {
            const struct rrseries *sr = &s->q[qi].s[i];
            size_t slot;

            if (!sr->c.has || sr->c.last_t < cutoff)
                continue;
            if (seriesmap_get(nq[qi].map, seriesmap_labels(s->q[qi].map, i), 0, &slot) < 0)
                goto fail;
            nq[qi].s[slot] = *sr;
            total[qi]++;
            if (qi == 1)
                count[sr->group]++;
        }
    }
    for (size_t qi = 0; qi < s->nq; qi++) {
        seriesmap_free(s->q[qi].map);
        free(s->q[qi].s);
        s->q[qi] = nq[qi];
    }
    if (s->nq == 2)
        for (size_t gi = 0; gi < s->ng; gi++)
            s->g[gi].total_series = count[gi];
    free(count);
    return;
fail:
    for (size_t qi = 0; qi < 2; qi++) {
        seriesmap_free(nq[qi].map);
        free(nq[qi].s);
    }
    free(count);
}

/* Fills the edge spans the long window needs now or soon. */
static int edges(struct rrstate *s, struct remote_read_client *c, struct err *e)
{
    int64_t lead = EDGE_LEAD_STEPS * s->bp.grid_ms;

    if (s->bp.long_ms == 0)
        return 0;
    for (int n = 0; n < MAX_EDGE_READS; n++) {
        struct edge_read er;
        int64_t from = 0, to = 0;
        int want = 0, rc = -1;
        int64_t rfrom;

        for (size_t i = 0; i < s->ng && !want; i++)
            for (size_t k = 0; k < 2 && !want; k++)
                if (s->g[i].b[k] != NULL && buckets_edge_want(s->g[i].b[k], lead, &from, &to))
                    want = 1;
        if (!want)
            return 0;
        memset(&er, 0, sizeof(er));
        er.s = s;
        er.from = from;
        er.to = to;
        er.slices.s = s;
        rfrom = minprev_get(s, from);
        if (rfrom > from - RRBACKEND_LOOKBACK_MS)
            rfrom = from - RRBACKEND_LOOKBACK_MS;
        if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
            int64_t sl = s->slo->timeslice.slice_ms;

            er.slices.k0 = ceil_div(from, sl);
            er.slices.nk = (size_t)(util_floor_div(to - 1, sl) + 1 - er.slices.k0);
            rfrom = er.slices.k0 * sl + 1;
            to = (er.slices.k0 + (int64_t)er.slices.nk) * sl;
        } else {
            er.map = seriesmap_new();
            if (er.map == NULL) {
                util_err(e, "out of memory");
                goto done;
            }
        }
        if (run(s, c, rfrom, to, on_edge_series, &er, e) != 0)
            goto done;
        if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
            int64_t sl = s->slo->timeslice.slice_ms;

            for (size_t gi = 0; gi < s->ng && gi < er.slices.nverdict; gi++)
                for (size_t i = 0; i < er.slices.nk; i++)
                    if (er.slices.verdict[gi] != NULL &&
                        er.slices.verdict[gi][i] == COUNTER_SLICE_GOOD)
                        buckets_edge_add(s->g[gi].b[0], from,
                                         (er.slices.k0 + (int64_t)i) * sl + 1, 1);
        }
        for (size_t i = 0; i < s->ng; i++)
            for (size_t k = 0; k < 2; k++) {
                int64_t f2, t2;

                if (s->g[i].b[k] == NULL || !buckets_edge_want(s->g[i].b[k], lead, &f2, &t2) ||
                    f2 != from)
                    continue;
                if (buckets_edge_commit(s->g[i].b[k], from, e) != 0) {
                    char why[UTIL_ERRLEN];

                    /* The store's data changed under us (a sample later than
                     * the overlap, out-of-order ingestion): start over from a
                     * backfill rather than fail until the edge moves on. */
                    snprintf(why, sizeof(why), "%s", e->msg);
                    util_err(e, "SLO %s: %s; the SLO will be backfilled", s->slo->name, why);
                    clear(s);
                    goto done;
                }
            }
        rc = 0;
done:
        seriesmap_free(er.map);
        free(er.cs);
        read_free(&er.slices);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Adds each group's window sums to parts. */
static int sums(struct rrstate *s, int64_t at, const struct slo_window *w, size_t nw,
                struct backend_partial **parts, size_t *nparts, struct err *e)
{
    int timeslice = s->slo->kind == CONFIG_SLI_TIMESLICE;
    int part[2] = {0, 0};
    struct remote_read_query q[2];
    char le[128];
    size_t nq = rrstate_queries(s->slo, le, sizeof(le), q, part);

    for (size_t gi = 0; gi < s->ng; gi++) {
        struct rrgroup *g = &s->g[gi];
        struct backend_partial *p;

        /* A group is an instance once it has a total series (slices: any series). */
        if (!timeslice && g->total_series == 0 && s->slo->ngroup_by > 0)
            continue;
        p = backend_partial_get(parts, nparts, seriesmap_labels(s->gmap, gi));
        if (p == NULL)
            return util_err(e, "out of memory");
        for (size_t k = 0; k < nw; k++) {
            for (size_t i = 0; i < nq; i++) {
                double v;

                if (buckets_sum(g->b[i], w[k].ms, &v, e) != 0) {
                    char why[UTIL_ERRLEN];

                    snprintf(why, sizeof(why), "%s", e->msg);
                    return util_err(e, "SLO %s, window %s: %s", s->slo->name, w[k].name,
                                    why);
                }
                if (timeslice)
                    for (size_t j = 0; j < s->nprov; j++)
                        if ((s->prov_k0 + (int64_t)j) * s->slo->timeslice.slice_ms >=
                                at - w[k].ms &&
                            g->prov[j] == COUNTER_SLICE_GOOD)
                            v += 1;
                p->v[part[i]][k] += v;
                /* No total series means no data; a missing numerator is a zero. */
                if (i == 0 || g->total_series > 0)
                    p->seen[part[i]][k] = 1;
            }
        }
    }
    return 0;
}

int rrstate_eval(struct rrstate *s, struct remote_read_client *c, int64_t at_ms,
                 const struct slo_window *w, size_t nw, struct backend_partial **parts,
                 size_t *nparts, struct err *e)
{
    struct buckets_params bp;
    int64_t pstart = 0, plen = 0;

    params(s, w, nw, &bp);
    if (at_ms % bp.grid_ms != 0)
        return util_err(e, "SLO %s: evaluation time %lld is not on the %lld ms grid",
                        s->slo->name, (long long)at_ms, (long long)bp.grid_ms);
    if (s->slo->period_kind != CONFIG_PERIOD_ROLLING)
        slo_period_bounds(s->slo, at_ms, &pstart, &plen);
    /* After a long gap one read of the windows is cheaper than reading the gap. */
    if (s->at == 0 || at_ms < s->at || !same_params(&bp, &s->bp) ||
        pstart != s->period_start || at_ms - s->at > at_ms - oldest(at_ms, w, nw)) {
        if (backfill(s, c, at_ms, w, nw, &bp, e) != 0)
            return -1;
        s->period_start = pstart;
    } else if (at_ms > s->at || s->reread) {
        if (step(s, c, at_ms, e) != 0)
            return -1;
    }
    s->reread = 0;
    if (util_floor_div(at_ms, 3600000) != s->compacted) {
        s->compacted = util_floor_div(at_ms, 3600000);
        compact(s, oldest(at_ms, w, nw) - RRBACKEND_LOOKBACK_MS);
    }
    if (edges(s, c, e) != 0)
        return -1;
    return sums(s, at_ms, w, nw, parts, nparts, e);
}

size_t rrstate_memory(const struct rrstate *s)
{
    size_t n = sizeof(*s);

    for (size_t i = 0; i < 2; i++)
        if (s->q[i].map != NULL)
            n += seriesmap_memory(s->q[i].map) + s->q[i].cap * sizeof(*s->q[i].s);
    if (s->gmap != NULL)
        n += seriesmap_memory(s->gmap);
    for (size_t i = 0; i < s->ng; i++) {
        for (size_t k = 0; k < 2; k++)
            if (s->g[i].b[k] != NULL)
                n += buckets_memory(s->g[i].b[k]);
        n += s->nprov;
    }
    n += s->gcap * sizeof(*s->g) + s->nminprev * 2 * sizeof(int64_t);
    return n;
}

/* Checkpoint. */

#define STR_MAX (64u * 1024u)
#define LABELS_MAX 1024u

uint64_t rrstate_fingerprint(const struct config *cfg, const struct config_slo *slo)
{
    struct buf b;
    uint64_t h = 14695981039346656037ull;
    int rc = 0;

    buf_init(&b, 1024u * 1024u);
    rc |= buf_printf(&b, "v1|%lld|%s|%d|%s|", (long long)cfg->interval_ms, slo->period_name,
                     (int)slo->kind, cfg->prometheus.read_samples ? "s" : "c");
    switch (slo->kind) {
    case CONFIG_SLI_EVENTS:
        rc |= buf_printf(&b, "%s|%s|%s", slo->events.error ? slo->events.error : "",
                         slo->events.good ? slo->events.good : "", slo->events.total);
        break;
    case CONFIG_SLI_LATENCY:
        rc |= buf_printf(&b, "%s|%.17g", slo->latency.histogram, slo->latency.threshold);
        break;
    case CONFIG_SLI_TIMESLICE:
        rc |= buf_printf(&b, "%s|%d|%d|%.17g|%lld", slo->timeslice.gauge, slo->timeslice.age,
                         (int)slo->timeslice.op, slo->timeslice.value,
                         (long long)slo->timeslice.slice_ms);
        break;
    case CONFIG_SLI_PROMQL:
        break;
    }
    for (size_t i = 0; i < slo->ngroup_by; i++)
        rc |= buf_printf(&b, "|g=%s", slo->group_by[i]);
    for (size_t i = 0; i < slo->nwindows; i++)
        rc |= buf_printf(&b, "|w=%lld,%lld", (long long)slo->windows[i].long_ms,
                         (long long)slo->windows[i].short_ms);
    if (rc != 0 || b.data == NULL) {
        buf_free(&b);
        return 0;
    }
    for (size_t i = 0; i < b.len; i++) {
        h ^= (unsigned char)b.data[i];
        h *= 1099511628211ull;
    }
    buf_free(&b);
    return h;
}

static int put_labels(struct buf *b, const struct labels *l)
{
    int rc = binio_put_u32(b, (uint32_t)l->n);

    for (size_t i = 0; i < l->n; i++)
        rc |= binio_put_str(b, l->v[i].name) | binio_put_str(b, l->v[i].value);
    return rc;
}

static int get_labels(struct binio_reader *r, struct labels *l)
{
    uint32_t n = binio_u32(r);

    labels_init(l);
    if (n > LABELS_MAX)
        r->failed = 1;
    for (uint32_t i = 0; i < n && !r->failed; i++) {
        char *k = binio_str(r, STR_MAX);
        char *v = binio_str(r, STR_MAX);

        if (k == NULL || v == NULL || labels_set(l, k, v) != 0)
            r->failed = 1;
        free(k);
        free(v);
    }
    if (r->failed || l->n != n) {
        labels_free(l);
        r->failed = 1;
        return -1;
    }
    return 0;
}

int rrstate_save(const struct rrstate *s, uint64_t fingerprint, struct buf *out)
{
    int rc = 0;

    if (s->at == 0)
        return 1;

    rc |= binio_put_u64(out, fingerprint);
    rc |= binio_put_i64(out, s->at) | binio_put_i64(out, s->period_start) |
          binio_put_i64(out, s->decided);
    rc |= binio_put_i64(out, s->bp.grid_ms) | binio_put_i64(out, s->bp.fine_ms) |
          binio_put_i64(out, s->bp.long_ms) | binio_put_i64(out, s->bp.coarse_ms);
    rc |= binio_put_u32(out, (uint32_t)s->ng);
    for (size_t gi = 0; gi < s->ng && rc == 0; gi++) {
        const struct rrgroup *g = &s->g[gi];

        rc |= put_labels(out, seriesmap_labels(s->gmap, gi));
        rc |= binio_put_u64(out, g->total_series);
        for (size_t k = 0; k < s->nq; k++)
            rc |= buckets_save(g->b[k], out);
    }
    rc |= binio_put_u32(out, (uint32_t)s->nq);
    for (size_t qi = 0; qi < s->nq && rc == 0; qi++) {
        size_t n = s->q[qi].map ? seriesmap_count(s->q[qi].map) : 0;

        rc |= binio_put_u32(out, (uint32_t)n);
        for (size_t i = 0; i < n && rc == 0; i++) {
            const struct rrseries *sr = &s->q[qi].s[i];

            rc |= put_labels(out, seriesmap_labels(s->q[qi].map, i));
            rc |= binio_put_u32(out, (uint32_t)sr->c.has) | binio_put_i64(out, sr->c.last_t) |
                  binio_put_f64(out, sr->c.last_v) | binio_put_u64(out, sr->group);
        }
    }
    rc |= binio_put_u32(out, (uint32_t)s->nminprev);
    for (size_t i = 0; i < s->nminprev && rc == 0; i++)
        rc |= binio_put_i64(out, s->minprev_span[i]) | binio_put_i64(out, s->minprev[i]);
    return rc ? -1 : 0;
}

int rrstate_load(struct rrstate *s, uint64_t fingerprint, const uint8_t *data, size_t len,
                 struct err *e)
{
    struct binio_reader r;
    struct buckets_params bp;
    int64_t at, pstart, decided;
    uint32_t nq, ng, nmp;
    uint64_t *saved_total = NULL;

    binio_reader_init(&r, data, len);
    if (binio_u64(&r) != fingerprint) {
        util_err(e, "SLO %s changed since the state was saved", s->slo->name);
        goto fail;
    }
    at = binio_i64(&r);
    pstart = binio_i64(&r);
    decided = binio_i64(&r);
    memset(&bp, 0, sizeof(bp));
    bp.grid_ms = binio_i64(&r);
    bp.fine_ms = binio_i64(&r);
    bp.long_ms = binio_i64(&r);
    bp.coarse_ms = binio_i64(&r);
    nq = s->slo->kind == CONFIG_SLI_TIMESLICE ? 1u : 2u;
    if (r.failed || at <= 0 || bp.grid_ms <= 0 || bp.coarse_ms <= 0 || bp.fine_ms < 0 ||
        bp.long_ms < 0 || at % bp.grid_ms != 0) {
        util_err(e, "SLO %s: malformed state header", s->slo->name);
        goto fail;
    }
    if (start(s, &bp, at, e) != 0)
        goto fail;
    s->period_start = pstart;
    s->decided = decided;
    s->prov_k0 = decided;
    /* Groups first, in their saved order, so indexes stay the same. */
    ng = binio_u32(&r);
    if (r.failed || ng > MAX_GROUPS || ng < s->ng)
        goto malformed;
    saved_total = calloc(ng ? ng : 1, sizeof(*saved_total));
    if (saved_total == NULL) {
        util_err(e, "out of memory");
        goto fail;
    }
    for (size_t gi = 0; gi < ng && !r.failed; gi++) {
        struct labels l;
        size_t idx;

        if (get_labels(&r, &l) != 0)
            break;
        if (group_of(s, &l, &idx, e) != 0) {
            labels_free(&l);
            goto fail;
        }
        labels_free(&l);
        if (idx != gi)
            goto malformed;
        saved_total[gi] = binio_u64(&r);
        for (size_t k = 0; k < nq && !r.failed; k++) {
            struct buckets *b = NULL;
            size_t used = 0;

            if (buckets_load(&bp, r.p + r.pos, r.len - r.pos, &used, &b, e) != 0)
                goto fail;
            /* group_of made s->g[gi]; the analyser loses that in seriesmap. */
            buckets_free(s->g[gi].b[k]); /* NOLINT(clang-analyzer-core.NullDereference) */
            s->g[gi].b[k] = b;
            binio_skip(&r, used);
            if (buckets_at(b) != at)
                r.failed = 1;
        }
    }
    if (binio_u32(&r) != nq)
        r.failed = 1;
    for (size_t qi = 0; qi < nq && !r.failed; qi++) {
        uint32_t n = binio_u32(&r);

        if (n > MAX_SERIES)
            r.failed = 1;
        for (uint32_t i = 0; i < n && !r.failed; i++) {
            struct labels l;
            size_t slot;
            uint64_t group;

            if (get_labels(&r, &l) != 0)
                break;
            if (series_of(s, qi, &l, &slot, e) != 0) {
                labels_free(&l);
                goto fail;
            }
            labels_free(&l);
            if (slot != i || s->ng != ng)
                goto malformed;
            s->q[qi].s[slot].c.has = binio_u32(&r) != 0;
            s->q[qi].s[slot].c.last_t = binio_i64(&r);
            s->q[qi].s[slot].c.last_v = binio_f64(&r);
            group = binio_u64(&r);
            /* series_of derived the group from the labels; it must agree. */
            if (group != s->q[qi].s[slot].group || !isfinite(s->q[qi].s[slot].c.last_v))
                r.failed = 1;
        }
    }
    for (size_t gi = 0; gi < ng && !r.failed; gi++)
        if (saved_total[gi] != s->g[gi].total_series)
            r.failed = 1;
    nmp = binio_u32(&r);
    if (r.failed || nmp != s->nminprev)
        goto malformed;
    for (size_t i = 0; i < nmp; i++) {
        s->minprev_span[i] = binio_i64(&r);
        s->minprev[i] = binio_i64(&r);
    }
    if (r.failed || r.pos != r.len)
        goto malformed;
    /* Provisional slices are judged again by the next read. */
    for (size_t gi = 0; gi < s->ng; gi++) {
        free(s->g[gi].prov);
        s->g[gi].prov = NULL;
    }
    s->nprov = 0;
    s->reread = s->slo->kind == CONFIG_SLI_TIMESLICE;
    free(saved_total);
    return 0;
malformed:
    util_err(e, "SLO %s: malformed state", s->slo->name);
fail:
    free(saved_total);
    clear(s);
    return -1;
}
