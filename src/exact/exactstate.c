/*
 * exactstate: incremental exact counting for one SLO. See
 * exactstate.h.
 *
 * Invariants:
 *  - s->at is the newest grid point whose events are all in the buckets
 *    (0: nothing yet). Every store of every group is advanced to s->at.
 *  - Events: for each series of each query, its exactread slot holds the
 *    last sample counted; every increment with a later sample up to that
 *    one is in the group's store b[i] (i = 0 the error or good part, 1 the
 *    total).
 *  - Time slices: every slice k < s->decided is in the groups' b[0] as one
 *    event at k*s + 1 ms when good (so a window (T-W, T] holds exactly the
 *    slices that start at or after T-W); slices from s->decided to the
 *    newest complete one are judged again at each evaluation into prov.
 *  - minprev: for each coarse span j of the last nminprev up to
 *    minprev_top, how far (seconds, rounded up) before the span's start
 *    the earliest "earlier sample" of any pair whose later sample lies in
 *    the span is: an edge re-read of span j starts there, so it sees the
 *    same pairs the first read saw. 0: none before the start.
 *  - The stores count in time shifted by phase (a calendar period's start
 *    modulo the coarse width), so that a period starting at a half-hour
 *    local midnight still starts on a coarse boundary. Every time given to
 *    or taken from a store goes through sh() and unsh().
 */
#include "exactstate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"
#include "buckets.h"
#include "counter.h"
#include "exactread.h"
#include "util.h"

/* An edge is fetched this many grid steps before the window needs it. */
#define EDGE_LEAD_STEPS 2
/* Idle groups giving back at least this much trim the heap. */
#define TRIM_MIN_BYTES (4u << 20)
/* At most this many edge spans are fetched in one evaluation: two per edge
 * window, right after a backfill. */
#define MAX_EDGE_READS (2 * (BUCKETS_MAX_EDGES + 1))

struct xgroup {
    struct buckets *b[2];
    unsigned char *prov; /* slices: verdicts of the undecided slices */
};

struct exactstate {
    const struct config *cfg;
    const struct config_slo *slo;
    struct buckets_params bp;
    int64_t at;
    int64_t period_start; /* calendar periods: the start the state counts from */
    size_t nq;
    struct exactread *rd; /* series and groups */
    struct xgroup *g;     /* indexed like rd's groups */
    size_t ng;
    size_t gcap;
    /* time slices */
    int64_t decided;
    int64_t prov_k0; /* prov[i] is slice prov_k0 + i */
    size_t nprov;
    /* edges */
    int64_t phase;
    uint32_t *minprev;
    int64_t minprev_top;
    size_t nminprev;
    int64_t compacted; /* hour of the last compaction */
    /* backfill: the edge spans (store time) its read fills as it goes */
    int64_t prefill[MAX_EDGE_READS];
    int nprefill;
    int reread; /* loaded: judge the provisional slices again at s->at */
};

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

struct exactstate *exactstate_new(const struct config *cfg, const struct config_slo *slo)
{
    struct exactstate *s;

    if (slo->kind == CONFIG_SLI_PROMQL)
        return NULL;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return NULL;
    s->cfg = cfg;
    s->slo = slo;
    s->nq = slo->kind == CONFIG_SLI_TIMESLICE ? 1 : 2;
    return s;
}

static void clear(struct exactstate *s)
{
    exactread_free(s->rd);
    s->rd = NULL;
    for (size_t i = 0; i < s->ng; i++) {
        buckets_free(s->g[i].b[0]);
        buckets_free(s->g[i].b[1]);
        free(s->g[i].prov);
    }
    free(s->g);
    s->g = NULL;
    s->ng = s->gcap = 0;
    free(s->minprev);
    s->minprev = NULL;
    s->nminprev = 0;
    s->at = 0;
    s->nprov = 0;
}

void exactstate_free(struct exactstate *s)
{
    if (s == NULL)
        return;
    clear(s);
    free(s);
}

/* Windows up to this long are answered from fine buckets; longer ones
 * through edge buckets and re-reads (see buckets.h). 2h keeps the fine part
 * of a store under 4 KiB at a 30s interval and leaves four re-read windows
 * (6h, 1d, 3d and the period) in the default table: four hours of raw
 * samples re-read an hour, next to the five hours the 120 steps of an hour
 * read at a 30s interval. */
#define FINE_MAX_MS (2 * 3600000LL)

/*
 * Store parameters for the windows of this evaluation, and the phase. The
 * grid is the greatest common divisor of the interval, every window, the
 * slice, a day and a calendar period's start within its day, so every
 * window edge and period start falls on it.
 */
static void params(const struct exactstate *s, const struct slo_window *w, size_t nw,
                   int64_t pstart, struct buckets_params *p, int64_t *phase)
{
    const struct config_slo *slo = s->slo;
    int64_t g = gcd64(s->cfg->interval_ms, 86400000);
    int64_t fine = 0, longest = 0, period = 0;
    int rolling = slo->period_kind == CONFIG_PERIOD_ROLLING;

    for (size_t k = 0; k < nw; k++) {
        if (!w[k].is_period || rolling)
            g = gcd64(g, w[k].ms);
        if (w[k].is_period) {
            period = rolling ? w[k].ms : 0;
            continue;
        }
        if (w[k].ms <= FINE_MAX_MS && w[k].ms > fine)
            fine = w[k].ms;
        if (w[k].ms > longest)
            longest = w[k].ms;
    }
    if (!rolling && util_floor_div(pstart, 86400000) * 86400000 != pstart)
        g = gcd64(g, pstart - util_floor_div(pstart, 86400000) * 86400000);
    if (slo->kind == CONFIG_SLI_TIMESLICE)
        g = gcd64(g, slo->timeslice.slice_ms);
    memset(p, 0, sizeof(*p));
    p->grid_ms = g;
    p->coarse_ms = g * (3600000 / g > 0 ? 3600000 / g : 1);
    p->long_ms = rolling ? (period > longest ? period : longest) : 0;
    /* Every window past the fine span is an edge window: when there are too
     * many, the shortest of them join the fine span. */
    for (;;) {
        size_t n = 0;
        int64_t shortest = 0;

        for (size_t k = 0; k < nw; k++) {
            int dup = 0;

            if ((w[k].is_period && !rolling) || w[k].ms <= fine || w[k].ms == p->long_ms)
                continue;
            for (size_t i = 0; i < n; i++)
                dup |= p->edge_ms[i] == w[k].ms;
            if (dup)
                continue;
            if (n < BUCKETS_MAX_EDGES)
                p->edge_ms[n] = w[k].ms;
            n++;
            if (shortest == 0 || w[k].ms < shortest)
                shortest = w[k].ms;
        }
        if (n <= BUCKETS_MAX_EDGES) {
            p->nedge = n;
            break;
        }
        fine = shortest;
    }
    if (fine < g)
        fine = g;
    p->fine_ms = fine;
    if (p->long_ms != 0 && p->long_ms < fine)
        p->long_ms = fine;
    *phase = rolling ? 0 : pstart - util_floor_div(pstart, p->coarse_ms) * p->coarse_ms;
}

static int same_params(const struct buckets_params *a, const struct buckets_params *b)
{
    if (a->grid_ms != b->grid_ms || a->fine_ms != b->fine_ms || a->long_ms != b->long_ms ||
        a->coarse_ms != b->coarse_ms || a->nedge != b->nedge)
        return 0;
    for (size_t i = 0; i < a->nedge; i++)
        if (a->edge_ms[i] != b->edge_ms[i])
            return 0;
    return 1;
}

/* Store time from real time, and back. */
static int64_t sh(const struct exactstate *s, int64_t t)
{
    return t - s->phase;
}

static int64_t unsh(const struct exactstate *s, int64_t t)
{
    return t + s->phase;
}

/* Makes group gi's stores at s->at unless it has them (a dormant group,
 * see make_dormant, has none). */
static int group_stores(struct exactstate *s, size_t gi, struct err *e)
{
    struct xgroup *g = &s->g[gi];

    if (g->b[0] != NULL)
        return 0;
    for (size_t i = 0; i < s->nq; i++) {
        g->b[i] = buckets_new(&s->bp, sh(s, s->at), e);
        if (g->b[i] == NULL) {
            buckets_free(g->b[0]);
            g->b[0] = NULL;
            return -1;
        }
    }
    return 0;
}

/* exactread's sink: a new group gets its stores, at s->at. */
static int on_group(void *arg, size_t gi, const struct labels *l, struct err *e)
{
    struct exactstate *s = arg;

    (void)l;
    if (gi != s->ng)
        return util_err(e, "SLO %s: group %zu out of order", s->slo->name, gi);
    if (s->ng == s->gcap) {
        size_t cap = s->gcap ? s->gcap * 2 : 4;
        struct xgroup *ng = realloc(s->g, cap * sizeof(*ng));

        if (ng == NULL)
            return util_err(e, "out of memory");
        s->g = ng;
        s->gcap = cap;
    }
    memset(&s->g[s->ng], 0, sizeof(s->g[s->ng]));
    if (group_stores(s, s->ng, e) != 0)
        return -1;
    s->ng++;
    return 0;
}

/* exactread's sink: a series joined group gi, which gets its stores back if
 * it was dormant. */
static int on_series(void *arg, size_t qi, size_t gi, struct err *e)
{
    (void)qi;
    return group_stores(arg, gi, e);
}

/*
 * Frees the stores of the groups left without any series by a compaction
 * (their series were silent for longer than every window: the stores hold
 * nothing a window still reaches), so idle groups give their memory back.
 * Time-slice groups keep theirs (a slice with no sample is a bad slice).
 */
static void make_dormant(struct exactstate *s)
{
    size_t freed = 0;

    if (s->slo->kind == CONFIG_SLI_TIMESLICE || s->slo->ngroup_by == 0)
        return;
    for (size_t gi = 0; gi < s->ng; gi++) {
        struct xgroup *g = &s->g[gi];
        size_t n = 0;

        for (size_t qi = 0; qi < s->nq; qi++)
            n += exactread_group_nseries(s->rd, qi, gi);
        if (n > 0 || g->b[0] == NULL)
            continue;
        for (size_t k = 0; k < 2; k++) {
            if (g->b[k] != NULL)
                freed += buckets_memory(g->b[k]);
            buckets_free(g->b[k]);
            g->b[k] = NULL;
        }
    }
    /* The stores of a burst of short-lived groups lie between longer-lived
     * blocks, where free() cannot give them back to the system: after a
     * big release, hand the free pages back (RSS then falls back instead
     * of staying at the burst's peak). */
    if (freed >= TRIM_MIN_BYTES)
        util_trim_heap();
}

/* Notes that a pair ending at t (in coarse span j) began at prev_t. */
static void minprev_note(struct exactstate *s, int64_t t, int64_t prev_t)
{
    int64_t c = s->bp.coarse_ms;
    int64_t j = util_floor_div(sh(s, t) - 1, c);
    int64_t before = j * c - sh(s, prev_t);
    int64_t secs;
    uint32_t *v;

    if (s->nminprev == 0)
        return;
    if (j > s->minprev_top) {
        /* A new span: forget the ones that leave the ring. */
        for (int64_t k = s->minprev_top + 1, n = 0; k <= j && n < (int64_t)s->nminprev; k++, n++)
            s->minprev[(uint64_t)k % s->nminprev] = 0;
        s->minprev_top = j;
    } else if (j <= s->minprev_top - (int64_t)s->nminprev) {
        return; /* older than any window reaches */
    }
    if (before <= 0)
        return;
    secs = before / 1000 + (before % 1000 != 0);
    if (secs > UINT32_MAX)
        secs = UINT32_MAX;
    v = &s->minprev[(uint64_t)j % s->nminprev];
    if (secs > (int64_t)*v)
        *v = (uint32_t)secs;
}

/* Where a re-read of the span starting at span_from (real time) starts. */
static int64_t minprev_get(const struct exactstate *s, int64_t span_from)
{
    int64_t j = util_floor_div(sh(s, span_from), s->bp.coarse_ms);

    if (s->nminprev == 0 || j > s->minprev_top || j <= s->minprev_top - (int64_t)s->nminprev)
        return span_from;
    return span_from - (int64_t)s->minprev[(uint64_t)j % s->nminprev] * 1000;
}

/*
 * A backfill reads every edge span the windows need right after it: the
 * events it counts there go to those spans' edge buckets too, so the first
 * evaluation needs no re-read (one request instead of one per edge window).
 * prefill_plan lists the spans (as a store made now would announce them),
 * prefill_add fills, prefill_commit marks them filled in every store.
 */
static void prefill_plan(struct exactstate *s)
{
    struct buckets *b = buckets_new(&s->bp, sh(s, s->at), NULL);
    int64_t from, to;

    s->nprefill = 0;
    while (b != NULL && s->nprefill < MAX_EDGE_READS &&
           buckets_edge_want(b, EDGE_LEAD_STEPS * s->bp.grid_ms, &from, &to) == 1 &&
           buckets_edge_commit(b, from, NULL) == 0)
        s->prefill[s->nprefill++] = from;
    buckets_free(b);
}

static void prefill_add(struct exactstate *s, struct buckets *b, int64_t t, double inc)
{
    for (int i = 0; i < s->nprefill; i++)
        if (t > s->prefill[i] && t <= s->prefill[i] + s->bp.coarse_ms)
            buckets_edge_add(b, s->prefill[i], t, inc);
}

static int prefill_commit(struct exactstate *s, struct err *e)
{
    for (size_t gi = 0; gi < s->ng; gi++)
        for (size_t k = 0; k < s->nq && s->g[gi].b[0] != NULL; k++)
            for (int i = 0; i < s->nprefill; i++)
                if (buckets_edge_commit(s->g[gi].b[k], s->prefill[i], e) != 0)
                    return -1;
    s->nprefill = 0;
    return 0;
}

/* exactread's sink: one increment into the group's store. */
static int on_event(void *arg, size_t qi, size_t gi, int64_t t, int64_t prev_t, double inc,
                    struct err *e)
{
    struct exactstate *s = arg;

    minprev_note(s, t, prev_t);
    if (group_stores(s, gi, e) != 0)
        return -1;
    if (buckets_add(s->g[gi].b[qi], sh(s, t), inc) < 0)
        return util_err(e, "SLO %s: cannot count %g events at %lld ms", s->slo->name, inc,
                        (long long)t);
    prefill_add(s, s->g[gi].b[qi], sh(s, t), inc);
    return 0;
}

static const struct exactread_sink state_sink = {on_group, on_series, on_event};

/*
 * Slices r judged: those before upto go into the stores, the rest (up to the
 * newest complete one) become the provisional verdicts.
 */
static int settle_slices(struct exactstate *s, const struct exactread_verdicts *r, int64_t upto,
                         struct err *e)
{
    int64_t sl = s->slo->timeslice.slice_ms;
    size_t nprov = r->nk - (size_t)(upto - r->k0);

    for (size_t gi = 0; gi < s->ng; gi++) {
        const unsigned char *v = gi < r->nv ? r->v[gi] : NULL;
        struct xgroup *g = &s->g[gi];
        unsigned char *p = calloc(nprov ? nprov : 1, 1);

        if (p == NULL)
            return util_err(e, "out of memory");
        for (size_t i = 0; i < r->nk; i++) {
            int64_t k = r->k0 + (int64_t)i;
            int good = v != NULL && v[i] == COUNTER_SLICE_GOOD;

            if (k < upto) {
                if (good) {
                    buckets_add(g->b[0], sh(s, k * sl + 1), 1);
                    prefill_add(s, g->b[0], sh(s, k * sl + 1), 1);
                }
            } else {
                p[k - upto] = good ? COUNTER_SLICE_GOOD : COUNTER_SLICE_BAD;
            }
        }
        free(g->prov);
        g->prov = p;
    }
    s->decided = upto;
    s->prov_k0 = upto;
    s->nprov = nprov;
    return 0;
}

/* The slice up to which slices are decided at at, not before k0. */
static int64_t settle_upto(const struct exactstate *s, int64_t at, int64_t k0)
{
    int64_t upto = util_floor_div(at - EXACTSTATE_SETTLE_MS, s->slo->timeslice.slice_ms);

    return upto < k0 ? k0 : upto;
}

/* Sets up an empty state positioned at at (stores are made per group). */
static int start(struct exactstate *s, const struct buckets_params *bp, int64_t phase, int64_t at,
                 struct err *e)
{
    int64_t reach = bp->long_ms;

    clear(s);
    s->bp = *bp;
    s->phase = phase;
    s->at = at;
    s->rd = exactread_new(s->slo, NULL);
    if (s->rd == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < bp->nedge; i++)
        if (bp->edge_ms[i] > reach)
            reach = bp->edge_ms[i];
    if (reach > 0) {
        s->nminprev = (size_t)(reach / bp->coarse_ms) + 4;
        s->minprev = calloc(s->nminprev, sizeof(*s->minprev));
        s->minprev_top = INT64_MIN / 2;
        if (s->minprev == NULL)
            return util_err(e, "out of memory");
    }
    /* An ungrouped SLO always has its one group. */
    if (s->slo->ngroup_by == 0) {
        struct labels none;
        size_t gi;

        labels_init(&none);
        if (exactread_group_add(s->rd, &none, &gi, &state_sink, s, e) != 0)
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
static int backfill(struct exactstate *s, struct rawsrc *src, int64_t at,
                    const struct slo_window *w, size_t nw, const struct buckets_params *bp,
                    int64_t phase, struct err *e)
{
    int64_t edge = oldest(at, w, nw);
    int rc = -1;

    if (start(s, bp, phase, at, e) != 0)
        goto out;
    prefill_plan(s);
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t sl = s->slo->timeslice.slice_ms;
        int64_t k0 = ceil_div(edge, sl);
        size_t nk = util_floor_div(at, sl) > k0 ? (size_t)(util_floor_div(at, sl) - k0) : 0;
        struct exactread_verdicts v;

        memset(&v, 0, sizeof(v));
        if (exactread_slices(s->rd, src, k0, nk, &state_sink, s, &v, e) != 0)
            goto out;
        rc = settle_slices(s, &v, settle_upto(s, at, k0), e);
        exactread_verdicts_free(&v);
    } else {
        rc = exactread_counters(s->rd, src,
                                unsh(s,
                                     util_floor_div(sh(s, edge), bp->coarse_ms) * bp->coarse_ms) -
                                    EXACTREAD_LOOKBACK_MS,
                                at, &state_sink, s, e);
    }
    if (rc == 0)
        rc = prefill_commit(s, e);
out:
    s->nprefill = 0;
    if (rc != 0)
        clear(s);
    return rc;
}

/* Moves every store to at; a failure leaves stores at different positions. */
static int advance(struct exactstate *s, int64_t at, struct err *e)
{
    for (size_t i = 0; i < s->ng; i++)
        for (size_t k = 0; k < s->nq && s->g[i].b[0] != NULL; k++)
            if (buckets_advance(s->g[i].b[k], sh(s, at), e) != 0)
                return -1;
    s->at = at;
    return 0;
}

/* Reads what is new since s->at and adds it; s is unchanged on a failed read. */
static int step(struct exactstate *s, struct rawsrc *src, int64_t at, struct err *e)
{
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t sl = s->slo->timeslice.slice_ms;
        int64_t kend = util_floor_div(at, sl);
        int64_t k0 = s->decided;
        size_t nk = kend > k0 ? (size_t)(kend - k0) : 0;
        struct exactread_verdicts v;
        int rc;

        memset(&v, 0, sizeof(v));
        if (exactread_slices(s->rd, src, k0, nk, &state_sink, s, &v, e) != 0)
            return -1;
        rc = advance(s, at, e);
        if (rc == 0)
            rc = settle_slices(s, &v, settle_upto(s, at, k0), e);
        else
            clear(s);
        exactread_verdicts_free(&v);
        return rc;
    }
    if (exactread_stage(s->rd, src, s->at - EXACTSTATE_OVERLAP_MS, at, &state_sink, s, e) != 0)
        return -1;
    /* Stores at different positions, or counts half added, cannot be trusted: start over. */
    if (advance(s, at, e) != 0 || exactread_commit(s->rd, &state_sink, s, e) != 0) {
        clear(s);
        return -1;
    }
    return 0;
}

/* Collects edge events of one coarse span (real time) for every store that
 * wants it. */
struct edge_read {
    struct exactstate *s;
    int64_t from, to;
};

static int on_edge_event(void *arg, size_t qi, size_t gi, int64_t t, int64_t prev_t, double inc,
                         struct err *e)
{
    struct edge_read *er = arg;

    (void)prev_t;
    (void)e;
    if (t > er->from && t <= er->to && er->s->g[gi].b[0] != NULL)
        buckets_edge_add(er->s->g[gi].b[qi], sh(er->s, er->from), sh(er->s, t), inc);
    return 0;
}

static const struct exactread_sink edge_sink = {NULL, NULL, on_edge_event};

/* Re-reads the span (from, to] (real time) into the edge buckets of every
 * store. */
static int edge_fill(struct exactstate *s, struct rawsrc *src, int64_t from, int64_t to,
                     struct err *e)
{
    struct exactread *rd = exactread_new(s->slo, s->rd);
    int64_t rfrom;
    int rc = -1;

    if (rd == NULL)
        return util_err(e, "out of memory");
    if (s->slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t sl = s->slo->timeslice.slice_ms;
        int64_t k0 = ceil_div(from, sl);
        size_t nk = (size_t)(util_floor_div(to - 1, sl) + 1 - k0);
        struct exactread_verdicts v;

        memset(&v, 0, sizeof(v));
        if (exactread_slices(rd, src, k0, nk, NULL, NULL, &v, e) != 0)
            goto out;
        for (size_t gi = 0; gi < s->ng && gi < v.nv; gi++)
            for (size_t i = 0; i < v.nk; i++)
                if (v.v[gi] != NULL && v.v[gi][i] == COUNTER_SLICE_GOOD && s->g[gi].b[0] != NULL)
                    buckets_edge_add(s->g[gi].b[0], sh(s, from), sh(s, (k0 + (int64_t)i) * sl + 1),
                                     1);
        exactread_verdicts_free(&v);
    } else {
        struct edge_read er = {s, from, to};

        rfrom = minprev_get(s, from);
        if (rfrom > from - EXACTREAD_LOOKBACK_MS)
            rfrom = from - EXACTREAD_LOOKBACK_MS;
        if (exactread_counters(rd, src, rfrom, to, &edge_sink, &er, e) != 0)
            goto out;
    }
    rc = 0;
out:
    exactread_free(rd);
    return rc;
}

/* Fills the edge spans the edge windows need now or soon. */
static int edges(struct exactstate *s, struct rawsrc *src, struct err *e)
{
    int64_t lead = EDGE_LEAD_STEPS * s->bp.grid_ms;

    if (s->bp.long_ms == 0 && s->bp.nedge == 0)
        return 0;
    for (int n = 0; n < MAX_EDGE_READS; n++) {
        int64_t from = 0, to = 0;
        int want = 0;

        for (size_t i = 0; i < s->ng && !want; i++)
            for (size_t k = 0; k < s->nq && !want && s->g[i].b[0] != NULL; k++)
                if (buckets_edge_want(s->g[i].b[k], lead, &from, &to))
                    want = 1;
        if (!want)
            return 0;
        /* The stores name the span in their time. */
        if (edge_fill(s, src, unsh(s, from), unsh(s, to), e) != 0)
            return -1;
        for (size_t i = 0; i < s->ng; i++)
            for (size_t k = 0; k < s->nq && s->g[i].b[0] != NULL; k++) {
                int64_t f2, t2;

                if (!buckets_edge_want(s->g[i].b[k], lead, &f2, &t2) || f2 != from)
                    continue;
                if (buckets_edge_commit(s->g[i].b[k], from, e) != 0) {
                    char why[UTIL_ERRLEN];

                    /* The store's data changed under us (a sample later than
                     * the overlap, out-of-order ingestion): start over from a
                     * backfill rather than fail until the edge moves on. */
                    snprintf(why, sizeof(why), "%s", e->msg);
                    util_err(e, "SLO %s: %s; the SLO will be backfilled", s->slo->name, why);
                    clear(s);
                    return -1;
                }
            }
    }
    return 0;
}

/* Adds each group's window sums to ps. */
static int sums(struct exactstate *s, int64_t at, const struct slo_window *w, size_t nw,
                struct answer_partials *ps, struct err *e)
{
    int timeslice = s->slo->kind == CONFIG_SLI_TIMESLICE;

    for (size_t gi = 0; gi < s->ng; gi++) {
        struct xgroup *g = &s->g[gi];
        size_t total_series = timeslice ? 0 : exactread_group_nseries(s->rd, 1, gi);
        struct answer_partial *p;
        long pi;

        /* A group is an instance once it has a total series (slices: any series). */
        if ((!timeslice && total_series == 0 && s->slo->ngroup_by > 0) || g->b[0] == NULL)
            continue;
        pi = answer_partial_get(ps, exactread_group_labels(s->rd, gi));
        if (pi < 0)
            return util_err(e, "out of memory");
        p = &ps->p[pi];
        for (size_t k = 0; k < nw; k++) {
            for (size_t i = 0; i < s->nq; i++) {
                enum answer_part part = exactread_part(s->rd, i);
                double v;

                if (buckets_sum(g->b[i], w[k].ms, &v, e) != 0) {
                    char why[UTIL_ERRLEN];

                    snprintf(why, sizeof(why), "%s", e->msg);
                    return util_err(e, "SLO %s, window %s: %s", s->slo->name, w[k].name, why);
                }
                if (timeslice)
                    for (size_t j = 0; j < s->nprov; j++)
                        if ((s->prov_k0 + (int64_t)j) * s->slo->timeslice.slice_ms >=
                                at - w[k].ms &&
                            g->prov[j] == COUNTER_SLICE_GOOD)
                            v += 1;
                p->v[part][k] += v;
                /* No total series means no data; a missing numerator is a zero. */
                if (i == 0 || total_series > 0)
                    p->seen[part][k] = 1;
            }
        }
    }
    return 0;
}

int exactstate_eval(struct exactstate *s, struct rawsrc *src, int64_t at_ms,
                    const struct slo_window *w, size_t nw, struct answer_partials *ps,
                    struct err *e)
{
    struct buckets_params bp;
    int64_t pstart = 0, plen = 0, phase;

    if (s->slo->period_kind != CONFIG_PERIOD_ROLLING)
        slo_period_bounds(s->slo, at_ms, &pstart, &plen);
    params(s, w, nw, pstart, &bp, &phase);
    if (at_ms % bp.grid_ms != 0)
        return util_err(e, "SLO %s: evaluation time %lld is not on the %lld ms grid", s->slo->name,
                        (long long)at_ms, (long long)bp.grid_ms);
    /* After a long gap one read of the windows is cheaper than reading the gap. */
    if (s->at == 0 || at_ms < s->at || !same_params(&bp, &s->bp) || phase != s->phase ||
        pstart != s->period_start || at_ms - s->at > at_ms - oldest(at_ms, w, nw)) {
        if (backfill(s, src, at_ms, w, nw, &bp, phase, e) != 0)
            return -1;
        s->period_start = pstart;
    } else if (at_ms > s->at || s->reread) {
        if (step(s, src, at_ms, e) != 0)
            return -1;
    }
    s->reread = 0;
    if (util_floor_div(at_ms, 3600000) != s->compacted) {
        s->compacted = util_floor_div(at_ms, 3600000);
        /* Out of memory only postpones it to the next hour. */
        if (exactread_compact(s->rd, oldest(at_ms, w, nw) - EXACTREAD_LOOKBACK_MS) == 0)
            make_dormant(s);
    }
    if (edges(s, src, e) != 0)
        return -1;
    return sums(s, at_ms, w, nw, ps, e);
}

size_t exactstate_memory(const struct exactstate *s)
{
    size_t n = sizeof(*s);

    if (s->rd != NULL)
        n += exactread_memory(s->rd);
    for (size_t i = 0; i < s->ng; i++) {
        for (size_t k = 0; k < s->nq && s->g[i].b[0] != NULL; k++)
            n += buckets_memory(s->g[i].b[k]);
        n += s->nprov;
    }
    n += s->gcap * sizeof(*s->g) + s->nminprev * sizeof(*s->minprev);
    return n;
}

/* ---- checkpoint ---- */

#define STR_MAX (64u * 1024u)
#define LABELS_MAX 1024u

uint64_t exactstate_fingerprint(const struct config *cfg, const struct config_slo *slo)
{
    struct buf b;
    uint64_t h = 14695981039346656037ull;
    const char *transport = cfg->prometheus.mode == CONFIG_MODE_REMOTE_READ
                                ? (cfg->prometheus.read_samples ? "rr-s" : "rr-c")
                                : "api";
    int rc = 0;

    buf_init(&b, 1024u * 1024u);
    rc |= buf_printf(&b, "v3|%lld|%s|%d|%s|", (long long)cfg->interval_ms, slo->period_name,
                     (int)slo->kind, transport);
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

/*
 * Image: u64 fingerprint, i64 at, period start, decided, the four store
 * parameters, the phase, u32 edge windows and each as i64, u32 groups, per
 * group its labels, u64 total series, u32 1 and the image of each store (0 and
 * none for a dormant group); u32
 * queries, per query u32 series and per series its labels, u32 has, i64
 * last time, f64 last value, u64 group; u32 minprev entries, i64 the newest
 * span and each entry as u32. Time-slice states keep no series.
 */
int exactstate_save(const struct exactstate *s, uint64_t fingerprint, struct buf *out)
{
    int timeslice = s->slo->kind == CONFIG_SLI_TIMESLICE;
    int rc = 0;

    if (s->at == 0)
        return 1;

    rc |= binio_put_u64(out, fingerprint);
    rc |= binio_put_i64(out, s->at) | binio_put_i64(out, s->period_start) |
          binio_put_i64(out, s->decided);
    rc |= binio_put_i64(out, s->bp.grid_ms) | binio_put_i64(out, s->bp.fine_ms) |
          binio_put_i64(out, s->bp.long_ms) | binio_put_i64(out, s->bp.coarse_ms);
    rc |= binio_put_i64(out, s->phase) | binio_put_u32(out, (uint32_t)s->bp.nedge);
    for (size_t i = 0; i < s->bp.nedge; i++)
        rc |= binio_put_i64(out, s->bp.edge_ms[i]);
    rc |= binio_put_u32(out, (uint32_t)s->ng);
    for (size_t gi = 0; gi < s->ng && rc == 0; gi++) {
        const struct xgroup *g = &s->g[gi];

        rc |= put_labels(out, exactread_group_labels(s->rd, gi));
        rc |= binio_put_u64(out, timeslice ? 0 : exactread_group_nseries(s->rd, 1, gi));
        rc |= binio_put_u32(out, g->b[0] != NULL);
        for (size_t k = 0; k < s->nq && g->b[0] != NULL; k++)
            rc |= buckets_save(g->b[k], out);
    }
    rc |= binio_put_u32(out, (uint32_t)s->nq);
    for (size_t qi = 0; qi < s->nq && rc == 0; qi++) {
        size_t n = timeslice ? 0 : exactread_nseries(s->rd, qi);

        rc |= binio_put_u32(out, (uint32_t)n);
        for (size_t i = 0; i < n && rc == 0; i++) {
            const struct exactread_slot *sr = exactread_slot((struct exactread *)s->rd, qi, i);

            rc |= put_labels(out, exactread_series_labels(s->rd, qi, i));
            rc |= binio_put_u32(out, (uint32_t)sr->c.has) | binio_put_i64(out, sr->c.last_t) |
                  binio_put_f64(out, sr->c.last_v) | binio_put_u64(out, sr->group);
        }
    }
    rc |= binio_put_u32(out, (uint32_t)s->nminprev) | binio_put_i64(out, s->minprev_top);
    for (size_t i = 0; i < s->nminprev && rc == 0; i++)
        rc |= binio_put_u32(out, s->minprev[i]);
    return rc ? -1 : 0;
}

int exactstate_load(struct exactstate *s, uint64_t fingerprint, const uint8_t *data, size_t len,
                    struct err *e)
{
    struct binio_reader r;
    struct buckets_params bp;
    int64_t at, pstart, decided, phase;
    uint32_t nedge;
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
    phase = binio_i64(&r);
    nedge = binio_u32(&r);
    for (uint32_t i = 0; i < nedge && i < BUCKETS_MAX_EDGES; i++)
        bp.edge_ms[i] = binio_i64(&r);
    bp.nedge = nedge;
    nq = (uint32_t)s->nq;
    if (r.failed || at <= 0 || bp.grid_ms <= 0 || bp.coarse_ms <= 0 || bp.fine_ms < 0 ||
        bp.long_ms < 0 || at % bp.grid_ms != 0 || nedge > BUCKETS_MAX_EDGES || phase < 0 ||
        phase >= bp.coarse_ms || phase % bp.grid_ms != 0) {
        util_err(e, "SLO %s: malformed state header", s->slo->name);
        goto fail;
    }
    if (start(s, &bp, phase, at, e) != 0)
        goto fail;
    s->period_start = pstart;
    s->decided = decided;
    s->prov_k0 = decided;
    /* Groups first, in their saved order, so indexes stay the same. */
    ng = binio_u32(&r);
    if (r.failed || ng > EXACTREAD_MAX_GROUPS || ng < s->ng)
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
        if (exactread_group_add(s->rd, &l, &idx, &state_sink, s, e) != 0) {
            labels_free(&l);
            goto fail;
        }
        labels_free(&l);
        if (idx != gi)
            goto malformed;
        saved_total[gi] = binio_u64(&r);
        switch (binio_u32(&r)) {
        case 0: /* dormant: no series, no stores */
            for (size_t k = 0; k < 2; k++) {
                buckets_free(s->g[gi].b[k]); /* NOLINT(clang-analyzer-core.NullDereference) */
                s->g[gi].b[k] = NULL;
            }
            continue;
        case 1:
            break;
        default:
            r.failed = 1;
        }
        for (size_t k = 0; k < nq && !r.failed; k++) {
            struct buckets *b = NULL;
            size_t used = 0;

            if (buckets_load(&bp, r.p + r.pos, r.len - r.pos, &used, &b, e) != 0)
                goto fail;
            /* on_group made s->g[gi]; the analyser loses that in the sink. */
            buckets_free(s->g[gi].b[k]); /* NOLINT(clang-analyzer-core.NullDereference) */
            s->g[gi].b[k] = b;
            binio_skip(&r, used);
            if (buckets_at(b) != sh(s, at))
                r.failed = 1;
        }
    }
    if (binio_u32(&r) != nq)
        r.failed = 1;
    for (size_t qi = 0; qi < nq && !r.failed; qi++) {
        uint32_t n = binio_u32(&r);

        if (n > EXACTREAD_MAX_SERIES)
            r.failed = 1;
        for (uint32_t i = 0; i < n && !r.failed; i++) {
            struct labels l;
            struct exactread_slot *sr;
            size_t slot;
            uint64_t group;

            if (get_labels(&r, &l) != 0)
                break;
            if (exactread_series_add(s->rd, qi, &l, &slot, &state_sink, s, e) != 0) {
                labels_free(&l);
                goto fail;
            }
            labels_free(&l);
            if (slot != i || s->ng != ng)
                goto malformed;
            sr = exactread_slot(s->rd, qi, slot);
            sr->c.has = binio_u32(&r) != 0;
            sr->c.last_t = binio_i64(&r);
            sr->c.last_v = binio_f64(&r);
            group = binio_u64(&r);
            /* The group was derived from the labels; it must agree. */
            if (group != sr->group || !isfinite(sr->c.last_v))
                r.failed = 1;
        }
    }
    for (size_t gi = 0; gi < ng && !r.failed; gi++)
        if (s->slo->kind != CONFIG_SLI_TIMESLICE &&
            saved_total[gi] != exactread_group_nseries(s->rd, 1, gi))
            r.failed = 1;
    nmp = binio_u32(&r);
    s->minprev_top = binio_i64(&r);
    if (r.failed || nmp != s->nminprev || s->minprev_top < INT64_MIN / 2 ||
        s->minprev_top > INT64_MAX / 2)
        goto malformed;
    for (size_t i = 0; i < nmp; i++)
        s->minprev[i] = binio_u32(&r);
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
