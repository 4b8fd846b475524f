/*
 * buckets: exact event counts on the evaluation grid in fine (width g),
 * coarse (width c) and edge buckets; see buckets.h for the layout
 * and its invariants. Pure: numbers in, numbers out.
 */
#include "buckets.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TIME_MAX (1LL << 53)              /* |times| accepted, ms (285,000 years) */
#define DUR_MAX (1LL << 50)               /* durations accepted, ms */
#define COARSE_TARGET_MS 3600000LL        /* coarse_ms = 0: the multiple of g closest to 1h */
#define KEEP_DEFAULT_MS (92LL * 86400000) /* calendar_quarter is at most 92 days */

#define CKPT_MAGIC "SLBK"
#define CKPT_VERSION 2u
#define CKPT_HEADER (4 + 4 + 8 * 8 + 4 * 4)

enum edge_state {
    EDGE_FREE,
    EDGE_FILLING,
    EDGE_DONE
};

/* The fine buckets of one coarse span (k*c, (k+1)*c], from a re-read. */
struct edge {
    enum edge_state state;
    int64_t k;
    double *v; /* r buckets, zero while free */
};

struct buckets {
    struct buckets_params p;           /* resolved: coarse_ms, keep_ms and edge_ms set */
    int64_t reach;                     /* long_ms, or keep_ms for a calendar period */
    int64_t r;                         /* fine buckets per coarse span: c / g */
    int64_t nf;                        /* fine ring size, a multiple of r */
    int64_t nc;                        /* coarse ring size */
    int64_t at;                        /* T, the newest grid point */
    int64_t since;                     /* at - reach when created: no window starts before */
    double pre;                        /* events added at or before since in its span */
    double *fine;                      /* fine bucket j at fine[j mod nf] */
    double *coarse;                    /* coarse span k at coarse[k mod nc] */
    int64_t ew[BUCKETS_MAX_EDGES + 1]; /* the edge windows: long_ms, then edge_ms */
    int nw;
    /* While every count added is a whole number below 2^53 (whole), sums
     * are exact in any order, so csum[i] keeps the coarse part of edge
     * window i's sum (spans csum_lo(i) .. fine span - 1) instead of adding
     * up to period/c buckets per window and evaluation. */
    int whole;
    double csum[BUCKETS_MAX_EDGES + 1];
    double *mem; /* one block for fine, coarse and edges */
    size_t nmem;
    int nslot; /* 2 per edge window: its current and next span */
    struct edge edge[];
};

static int64_t floor_mod(int64_t a, int64_t n)
{
    int64_t m = a % n;

    return m < 0 ? m + n : m;
}

static int64_t ceil_div(int64_t a, int64_t b)
{
    return -util_floor_div(-a, b);
}

static const char *dur(int64_t ms, char *buf, size_t len)
{
    if (util_duration_format(ms, buf, len) < 0 && len > 0)
        buf[0] = '\0';
    return buf;
}

/* RFC 3339, or the raw number for times no store can hold (util's
 * formatter is not meant for them). */
static const char *when(int64_t ms, char *buf, size_t len)
{
    if (ms < -TIME_MAX - DUR_MAX || ms > TIME_MAX + DUR_MAX)
        snprintf(buf, len, "%lldms", (long long)ms);
    else
        util_time_format(ms, buf, len);
    return buf;
}

/* Index of the first coarse span held in fine buckets: B / c. */
static int64_t fine_span(const struct buckets *b)
{
    return util_floor_div(b->at - b->p.fine_ms, b->p.coarse_ms);
}

/* Index of the oldest coarse span kept. */
static int64_t low_span(const struct buckets *b)
{
    return util_floor_div(b->at - b->reach, b->p.coarse_ms);
}

/*
 * The span that holds the creation backfill's start strictly inside it,
 * while it is still kept: its events at or before since are counted in pre.
 */
static int partial_span(const struct buckets *b, int64_t *k)
{
    int64_t c = b->p.coarse_ms;

    if (floor_mod(b->since, c) == 0)
        return 0;
    *k = util_floor_div(b->since, c);
    return *k >= low_span(b);
}

/* Where windows may start at the earliest: the later of since and the
 * start of the oldest span kept. */
static int64_t oldest_start(const struct buckets *b)
{
    int64_t lo = low_span(b) * b->p.coarse_ms;

    return b->since > lo ? b->since : lo;
}

/* The span that holds the old edge of window w at the newest grid point. */
static int64_t edge_span(const struct buckets *b, int64_t w)
{
    return util_floor_div(b->at - w, b->p.coarse_ms);
}

/* The first span wholly inside window w at the newest grid point. */
static int64_t csum_lo(const struct buckets *b, int64_t w)
{
    return -util_floor_div(w - b->at, b->p.coarse_ms);
}

/* Whole counts below this add up exactly in any order (and take the short
 * form in a checkpoint image). */
#define COUNT_WHOLE_MAX 9007199254740992.0 /* 2^53 */

static int is_whole(double v)
{
    return v >= 0 && v < COUNT_WHOLE_MAX && v == floor(v);
}

/* 1 when span k is the current or next edge span of some edge window: only
 * those may hold edge buckets. */
static int span_live(const struct buckets *b, int64_t k)
{
    for (int i = 0; i < b->nw; i++) {
        int64_t k0 = edge_span(b, b->ew[i]);

        if (k >= k0 && k <= k0 + 1)
            return 1;
    }
    return 0;
}

static double *fine_at(const struct buckets *b, int64_t j)
{
    return &b->fine[floor_mod(j, b->nf)];
}

static double *coarse_at(const struct buckets *b, int64_t k)
{
    return &b->coarse[floor_mod(k, b->nc)];
}

/* Recomputes every edge window's coarse sum (see struct buckets). */
static void csum_rebuild(struct buckets *b)
{
    int64_t kf = fine_span(b);

    for (int i = 0; i < b->nw; i++) {
        b->csum[i] = 0;
        for (int64_t k = csum_lo(b, b->ew[i]); k < kf; k++)
            b->csum[i] += *coarse_at(b, k);
    }
}

/* The events of span k, from the coarse bucket or, while the span is still
 * in the fine ring, from its fine buckets (oldest first). */
static double span_value(const struct buckets *b, int64_t k)
{
    double s = 0;

    if (k < fine_span(b))
        return *coarse_at(b, k);
    for (int64_t j = k * b->r; j < (k + 1) * b->r; j++)
        s += *fine_at(b, j);
    return s;
}

static struct edge *find_edge(const struct buckets *b, int64_t k)
{
    for (int i = 0; i < b->nslot; i++)
        if (b->edge[i].state != EDGE_FREE && b->edge[i].k == k)
            return (struct edge *)&b->edge[i];
    return NULL;
}

static void edge_drop(const struct buckets *b, struct edge *ed)
{
    (void)b;
    free(ed->v);
    ed->v = NULL;
    ed->state = EDGE_FREE;
    ed->k = 0;
}

/*
 * Counts are integers in practice: then only equality will do. Sums of
 * fractions added in another order may differ in the last bits.
 */
static int same_count(double a, double b)
{
    if (a == b)
        return 1;
    if (a == floor(a) && b == floor(b))
        return 0;
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* Sets *got and *want for the commit check of ed; 1 when they agree. */
static int edge_check(const struct buckets *b, const struct edge *ed, double *got, double *want)
{
    int64_t j0 = 0;
    int64_t pk;
    double s = 0;

    *want = span_value(b, ed->k);
    if (partial_span(b, &pk) && pk == ed->k) {
        /* Only the part after the backfill's start is known for sure. */
        j0 = b->since / b->p.grid_ms - ed->k * b->r;
        *want -= b->pre;
    }
    for (int64_t j = j0; j < b->r; j++)
        s += ed->v[j];
    *got = s;
    return same_count(*got, *want);
}

/*
 * The edge windows: long_ms (when not 0), then p's edge_ms sorted, without
 * repeats and without long_ms, into q->edge_ms and ew[0..*nw).
 */
static int resolve_edges(const struct buckets_params *p, struct buckets_params *q, int64_t reach,
                         int64_t *ew, int *nw, struct err *e)
{
    char d1[32], d2[32], d3[32], d4[32];

    *nw = 0;
    q->nedge = 0;
    memset(q->edge_ms, 0, sizeof(q->edge_ms));
    if (p->nedge > BUCKETS_MAX_EDGES)
        return util_err(e, "at most %d edge windows, got %zu", BUCKETS_MAX_EDGES, p->nedge);
    if (p->long_ms != 0)
        ew[(*nw)++] = p->long_ms;
    for (size_t i = 0; i < p->nedge; i++) {
        int64_t w = p->edge_ms[i];
        size_t at = 0;
        int dup = w == p->long_ms;

        if (w <= q->fine_ms || w > reach || w % q->grid_ms != 0)
            return util_err(e,
                            "edge window %s must be a multiple of the interval %s, longer "
                            "than the fine span %s and at most the reach %s",
                            dur(w, d1, sizeof(d1)), dur(q->grid_ms, d2, sizeof(d2)),
                            dur(q->fine_ms, d3, sizeof(d3)), dur(reach, d4, sizeof(d4)));
        for (size_t k = 0; k < q->nedge; k++)
            dup |= q->edge_ms[k] == w;
        if (dup)
            continue;
        while (at < q->nedge && q->edge_ms[at] < w)
            at++;
        memmove(&q->edge_ms[at + 1], &q->edge_ms[at], (q->nedge - at) * sizeof(w));
        q->edge_ms[at] = w;
        q->nedge++;
    }
    for (size_t k = 0; k < q->nedge; k++)
        ew[(*nw)++] = q->edge_ms[k];
    return 0;
}

/*
 * Checks p and fills q with the resolved parameters, the reach, the sizes
 * and the edge windows. Returns 0 or -1 with e set.
 */
static int resolve(const struct buckets_params *p, struct buckets_params *q, int64_t *reach,
                   int64_t *r, int64_t *nf, int64_t *nc, int64_t *ew, int *nw, struct err *e)
{
    char d1[32], d2[32], d3[32];
    int64_t g = p->grid_ms;
    int64_t spans;
    int bad_long;

    *q = *p;
    *reach = *r = *nf = *nc = 0;
    if (g <= 0 || g > DUR_MAX)
        return util_err(e, "bucket grid (the interval) must be between 1ms and 2^50ms, got %lldms",
                        (long long)g);
    if (p->fine_ms <= 0 || p->fine_ms > DUR_MAX)
        return util_err(e, "fine span %s must be positive", dur(p->fine_ms, d1, sizeof(d1)));
    /* Windows are multiples of g: rounding up answers the same ones. */
    q->fine_ms = ceil_div(p->fine_ms, g) * g;
    bad_long = p->long_ms < p->fine_ms || p->long_ms > DUR_MAX || p->long_ms % g != 0;
    if (p->long_ms != 0 && bad_long)
        return util_err(e,
                        "long window %s must be a multiple of the interval %s and at least "
                        "the fine span %s",
                        dur(p->long_ms, d1, sizeof(d1)), dur(g, d2, sizeof(d2)),
                        dur(p->fine_ms, d3, sizeof(d3)));
    if (p->coarse_ms == 0) {
        int64_t m = (COARSE_TARGET_MS + g / 2) / g;

        q->coarse_ms = (m < 1 ? 1 : m) * g;
    } else if (p->coarse_ms < 0 || p->coarse_ms > DUR_MAX || p->coarse_ms % g != 0) {
        return util_err(e, "coarse width %s must be a positive multiple of the interval %s",
                        dur(p->coarse_ms, d1, sizeof(d1)), dur(g, d2, sizeof(d2)));
    }
    if (p->long_ms != 0) {
        if (p->keep_ms != 0)
            return util_err(e, "keep_ms is for calendar periods only (long_ms = 0)");
        *reach = p->long_ms;
    } else {
        if (p->keep_ms < 0 || p->keep_ms > DUR_MAX)
            return util_err(e, "calendar reach must be between 0 and 2^50ms");
        q->keep_ms = p->keep_ms == 0 ? KEEP_DEFAULT_MS : p->keep_ms;
        q->keep_ms = ceil_div(q->keep_ms, g) * g;
        if (p->keep_ms == 0 && q->keep_ms < q->fine_ms)
            q->keep_ms = q->fine_ms;
        if (q->keep_ms < q->fine_ms)
            return util_err(e, "calendar reach %s must be at least the fine span %s",
                            dur(q->keep_ms, d1, sizeof(d1)), dur(q->fine_ms, d2, sizeof(d2)));
        *reach = q->keep_ms;
    }
    if (resolve_edges(p, q, *reach, ew, nw, e) < 0)
        return -1;
    *r = q->coarse_ms / g;
    spans = ceil_div(q->fine_ms, q->coarse_ms) + 2;
    *nc = ceil_div(*reach - q->fine_ms, q->coarse_ms) + 1;
    /* Each factor is checked before the product so nothing overflows. */
    if (*r > BUCKETS_MAX_BUCKETS / 4 / (BUCKETS_MAX_EDGES + 1) ||
        spans > BUCKETS_MAX_BUCKETS / *r || *nc > BUCKETS_MAX_BUCKETS ||
        spans * *r + *nc + 2 * *nw * *r > BUCKETS_MAX_BUCKETS)
        return util_err(e,
                        "bucket store for interval %s, fine span %s and reach %s would need "
                        "more than %ld buckets",
                        dur(g, d1, sizeof(d1)), dur(q->fine_ms, d2, sizeof(d2)),
                        dur(*reach, d3, sizeof(d3)), (long)BUCKETS_MAX_BUCKETS);
    *nf = spans * *r;
    return 0;
}

struct buckets *buckets_new(const struct buckets_params *p, int64_t at_ms, struct err *e)
{
    struct buckets *b;
    struct buckets_params q;
    int64_t reach, r, nf, nc, ew[BUCKETS_MAX_EDGES + 1];
    int nw;
    char d[32];

    if (resolve(p, &q, &reach, &r, &nf, &nc, ew, &nw, e) < 0)
        return NULL;
    if (at_ms < -TIME_MAX || at_ms > TIME_MAX || at_ms % q.grid_ms != 0) {
        util_err(e,
                 "bucket store position %lldms is not a multiple of the interval %s within "
                 "+-2^53ms",
                 (long long)at_ms, dur(q.grid_ms, d, sizeof(d)));
        return NULL;
    }
    b = calloc(1, sizeof(*b) + 2 * (size_t)nw * sizeof(struct edge));
    if (b == NULL)
        goto nomem;
    b->p = q;
    memcpy(b->ew, ew, sizeof(b->ew));
    b->nw = nw;
    b->nslot = 2 * nw;
    b->whole = 1;
    b->reach = reach;
    b->r = r;
    b->nf = nf;
    b->nc = nc;
    b->at = at_ms;
    b->since = at_ms - reach;
    /* Edge slots get their r buckets when filled (see edge_for). */
    b->nmem = (size_t)(nf + nc);
    b->mem = calloc(b->nmem, sizeof(double));
    if (b->mem == NULL)
        goto nomem;
    b->fine = b->mem;
    b->coarse = b->fine + nf;
    return b;
nomem:
    buckets_free(b);
    util_err(e, "out of memory for a bucket store of %lld buckets",
             (long long)(nf + nc + 2 * nw * r));
    return NULL;
}

void buckets_free(struct buckets *b)
{
    if (b == NULL)
        return;
    for (int i = 0; i < b->nslot; i++)
        free(b->edge[i].v);
    free(b->mem);
    free(b);
}

int buckets_add(struct buckets *b, int64_t t_ms, double count)
{
    int64_t c = b->p.coarse_ms;
    int64_t j, k, pk;
    struct edge *ed;

    if (!isfinite(count) || count < 0 || t_ms > b->at + c)
        return -1;
    if (t_ms <= low_span(b) * c)
        return 1;
    j = util_floor_div(t_ms - 1, b->p.grid_ms);
    k = util_floor_div(t_ms - 1, c);
    if (!is_whole(count))
        b->whole = 0;
    if (k >= fine_span(b)) {
        *fine_at(b, j) += count;
    } else {
        *coarse_at(b, k) += count;
        for (int i = 0; i < b->nw; i++)
            if (k >= csum_lo(b, b->ew[i]))
                b->csum[i] += count;
    }
    if (t_ms <= b->since && partial_span(b, &pk) && pk == k)
        b->pre += count;
    ed = find_edge(b, k);
    if (ed != NULL && ed->state == EDGE_DONE)
        ed->v[j - k * b->r] += count;
    return 0;
}

int buckets_advance(struct buckets *b, int64_t at_ms, struct err *e)
{
    int64_t kf0, klo0, kf1, klo1, kend, pk;
    int64_t nspans = b->nf / b->r;
    int small;
    char t1[32], t2[32];

    if (at_ms % b->p.grid_ms != 0 || at_ms < b->at || at_ms > TIME_MAX)
        return util_err(e,
                        "cannot move the bucket store from %s to %s: the new time must be a "
                        "later multiple of the interval",
                        when(b->at, t1, sizeof(t1)), when(at_ms, t2, sizeof(t2)));
    for (int i = 0; i < b->nslot; i++)
        if (b->edge[i].state == EDGE_FILLING)
            edge_drop(b, &b->edge[i]);
    if (at_ms == b->at)
        return 0;
    kf0 = fine_span(b);
    klo0 = low_span(b);
    kf1 = util_floor_div(at_ms - b->p.fine_ms, b->p.coarse_ms);
    klo1 = util_floor_div(at_ms - b->reach, b->p.coarse_ms);
    /* A step moves each window by a span at most: take the spans that leave
     * a window out of its sum now, while their buckets are still there; the
     * spans that join it are added below. A longer jump recomputes. */
    small = b->whole && kf1 - kf0 <= 4;
    for (int i = 0; i < b->nw && small; i++) {
        int64_t lo0 = csum_lo(b, b->ew[i]);
        int64_t lo1 = -util_floor_div(b->ew[i] - at_ms, b->p.coarse_ms);

        for (int64_t k = lo0; k < (lo1 < kf0 ? lo1 : kf0); k++)
            b->csum[i] -= *coarse_at(b, k);
    }
    /* Invariant: coarse slots outside [low span, fine span) are zero, and
     * [klo1, kf1) is shorter than the ring, so no two live spans share a
     * slot. First clear the spans no window reaches any more (at most nc). */
    for (int64_t k = klo0; k < (kf0 < klo1 ? kf0 : klo1); k++)
        *coarse_at(b, k) = 0;
    /* Then merge the fine spans that leave the fine ring, oldest first,
     * zeroing their slots for the buckets ahead. Spans past the old ring
     * never held an event: their coarse slots stay zero. */
    kend = kf1 < kf0 + nspans ? kf1 : kf0 + nspans;
    for (int64_t k = kf0; k < kend; k++) {
        double s = 0;

        for (int64_t j = k * b->r; j < (k + 1) * b->r; j++) {
            double *v = fine_at(b, j);

            s += *v;
            *v = 0;
        }
        if (k >= klo1)
            *coarse_at(b, k) = s;
    }
    if (partial_span(b, &pk) && pk < klo1)
        b->pre = 0;
    b->at = at_ms;
    if (small) {
        for (int i = 0; i < b->nw; i++) {
            int64_t lo1 = csum_lo(b, b->ew[i]);

            for (int64_t k = lo1 > kf0 ? lo1 : kf0; k < kf1; k++)
                b->csum[i] += *coarse_at(b, k);
        }
    } else if (b->whole) {
        csum_rebuild(b);
    }
    /* Edges move forward only: a span no edge window is at any more is done. */
    for (int i = 0; i < b->nslot; i++)
        if (b->edge[i].state == EDGE_DONE && !span_live(b, b->edge[i].k))
            edge_drop(b, &b->edge[i]);
    return 0;
}

int buckets_sum(const struct buckets *b, int64_t w_ms, double *out, struct err *e)
{
    int64_t g = b->p.grid_ms, c = b->p.coarse_ms;
    int64_t kf = fine_span(b);
    int64_t s, j, end = b->at / g;
    double sum = 0;
    char d[32], dc[32], t1[32], t2[32], t3[32];

    if (w_ms < 0 || w_ms % g != 0)
        return util_err(e, "window %lldms is not a multiple of the interval %s", (long long)w_ms,
                        dur(g, d, sizeof(d)));
    if (w_ms > b->at - oldest_start(b))
        return util_err(e, "window %s reaches back to before %s, the oldest data kept",
                        dur(w_ms, d, sizeof(d)), when(oldest_start(b), t1, sizeof(t1)));
    s = b->at - w_ms;
    if (s >= kf * c) {
        j = s / g;
    } else {
        int64_t k = util_floor_div(s, c);

        if (s != k * c) {
            const struct edge *ed = find_edge(b, k);

            if (ed == NULL && !span_live(b, k))
                return util_err(e,
                                "window %s starts at %s, inside the coarse span (%s, %s]: a "
                                "window older than the fine span must start on a multiple "
                                "of %s or be an edge window",
                                dur(w_ms, d, sizeof(d)), when(s, t1, sizeof(t1)),
                                when(k * c, t2, sizeof(t2)), when((k + 1) * c, t3, sizeof(t3)),
                                dur(c, dc, sizeof(dc)));
            if (ed == NULL || ed->state != EDGE_DONE)
                return util_err(e,
                                "window %s starts at %s, inside the coarse span (%s, %s] "
                                "whose edge buckets are not filled (re-read the span)",
                                dur(w_ms, d, sizeof(d)), when(s, t1, sizeof(t1)),
                                when(k * c, t2, sizeof(t2)), when((k + 1) * c, t3, sizeof(t3)));
            for (j = s / g - k * b->r; j < b->r; j++)
                sum += ed->v[j];
            k++;
        }
        for (int i = 0; i < b->nw && b->whole; i++) {
            if (b->ew[i] == w_ms) {
                sum += b->csum[i];
                k = kf;
                break;
            }
        }
        for (; k < kf; k++)
            sum += *coarse_at(b, k);
        j = kf * b->r;
    }
    for (; j < end; j++)
        sum += *fine_at(b, j);
    *out = sum;
    return 0;
}

/* Sets *out to the span the old edge of window L needs now or within
 * lead_ms, not filled yet, and returns 1; 0 when none (see
 * buckets_edge_want). */
static int edge_wanted(const struct buckets *b, int64_t L, int64_t lead_ms, int64_t *out)
{
    int64_t g = b->p.grid_ms, c = b->p.coarse_ms;
    int64_t edge = b->at - L;
    int64_t k0 = util_floor_div(edge, c);

    /* With lead <= c the edges of [at, at + lead] lie in spans k0, k0 + 1. */
    for (int64_t k = k0; k <= k0 + 1; k++) {
        int64_t lo = edge > k * c + g ? edge : k * c + g;
        int64_t hi = edge + lead_ms < (k + 1) * c - g ? edge + lead_ms : (k + 1) * c - g;
        const struct edge *ed;

        if (lo > hi)
            continue; /* no edge strictly inside this span in time */
        /* Needed only once the span has left the fine ring (at hi + L). */
        if (util_floor_div(hi + L - b->p.fine_ms, c) < k + 1)
            continue;
        if ((k + 1) * c > b->at)
            continue;
        ed = find_edge(b, k);
        if (ed != NULL && ed->state == EDGE_DONE)
            continue;
        *out = k;
        return 1;
    }
    return 0;
}

int buckets_edge_want(const struct buckets *b, int64_t lead_ms, int64_t *from_ms, int64_t *to_ms)
{
    int64_t best = 0;
    int found = 0;

    if (lead_ms < 0)
        lead_ms = 0;
    if (lead_ms > b->p.coarse_ms)
        lead_ms = b->p.coarse_ms;
    lead_ms -= lead_ms % b->p.grid_ms;
    /* The oldest span first, whichever window wants it. */
    for (int i = 0; i < b->nw; i++) {
        int64_t k;

        if (edge_wanted(b, b->ew[i], lead_ms, &k) && (!found || k < best)) {
            best = k;
            found = 1;
        }
    }
    if (!found)
        return 0;
    *from_ms = best * b->p.coarse_ms;
    *to_ms = (best + 1) * b->p.coarse_ms;
    return 1;
}

/* 0 when the span starting at from_ms may be filled now: the current or
 * next span of an edge window, wholly at or before the newest grid point. */
static int edge_span_ok(const struct buckets *b, int64_t from_ms, struct err *e)
{
    int64_t c = b->p.coarse_ms;
    char t1[32], t2[32];

    if (b->nw == 0)
        return util_err(e, "a calendar period without edge windows has no edge to fill");
    if (from_ms % c != 0 || !span_live(b, util_floor_div(from_ms, c)))
        return util_err(e,
                        "span starting at %s is not the current or next edge span of "
                        "any edge window",
                        when(from_ms, t1, sizeof(t1)));
    if (from_ms + c > b->at)
        return util_err(e, "edge span (%s, %s] is not complete yet", when(from_ms, t1, sizeof(t1)),
                        when(from_ms + c, t2, sizeof(t2)));
    return 0;
}

/* The edge slot for a span that edge_span_ok accepted, taken from the free
 * ones when there is none yet. */
static struct edge *edge_for(struct buckets *b, int64_t from_ms, struct err *e)
{
    int64_t k = from_ms / b->p.coarse_ms;
    struct edge *ed = find_edge(b, k);

    if (ed != NULL)
        return ed;
    /* Slots hold live spans only (two per edge window), so one is free. */
    for (int i = 0; i < b->nslot; i++) {
        if (b->edge[i].state == EDGE_FREE) {
            b->edge[i].v = calloc((size_t)b->r, sizeof(double));
            if (b->edge[i].v == NULL) {
                util_err(e, "out of memory for edge buckets");
                return NULL;
            }
            b->edge[i].state = EDGE_FILLING;
            b->edge[i].k = k;
            return &b->edge[i];
        }
    }
    util_err(e, "no free edge slot");
    return NULL;
}

int buckets_edge_add(struct buckets *b, int64_t from_ms, int64_t t_ms, double count)
{
    struct edge *ed;

    if (!isfinite(count) || count < 0)
        return -1;
    /* from_ms is bounded first, so the subtraction cannot overflow. */
    if (edge_span_ok(b, from_ms, NULL) < 0 || t_ms <= from_ms || t_ms - from_ms > b->p.coarse_ms)
        return -1;
    ed = edge_for(b, from_ms, NULL);
    if (ed == NULL || ed->state != EDGE_FILLING)
        return -1;
    ed->v[util_floor_div(t_ms - 1, b->p.grid_ms) - ed->k * b->r] += count;
    return 0;
}

int buckets_edge_commit(struct buckets *b, int64_t from_ms, struct err *e)
{
    struct edge *ed;
    double got, want;
    char t1[32], t2[32], n1[32], n2[32];

    if (edge_span_ok(b, from_ms, e) < 0 || (ed = edge_for(b, from_ms, e)) == NULL)
        return -1;
    if (ed->state == EDGE_DONE)
        return 0;
    if (!edge_check(b, ed, &got, &want)) {
        edge_drop(b, ed);
        util_fmt_double(got, n1, sizeof(n1));
        util_fmt_double(want, n2, sizeof(n2));
        return util_err(e,
                        "re-read of (%s, %s] counts %s events where the first read counted "
                        "%s: the raw data changed; edge discarded",
                        when(from_ms, t1, sizeof(t1)),
                        when(from_ms + b->p.coarse_ms, t2, sizeof(t2)), n1, n2);
    }
    ed->state = EDGE_DONE;
    return 0;
}

int64_t buckets_at(const struct buckets *b)
{
    return b->at;
}

int64_t buckets_horizon(const struct buckets *b)
{
    return low_span(b) * b->p.coarse_ms;
}

void buckets_params_get(const struct buckets *b, struct buckets_params *out)
{
    *out = b->p;
}

size_t buckets_memory(const struct buckets *b)
{
    /* The bound, with every edge slot filled: what the store may come to. */
    return sizeof(*b) + (size_t)b->nslot * sizeof(struct edge) +
           (b->nmem + (size_t)b->nslot * (size_t)b->r) * sizeof(double);
}

/* Little-endian writer into a struct buf, staging bytes to append in chunks. */
struct wr {
    struct buf *out;
    uint8_t stage[512];
    size_t n;
    int failed;
};

static void wr_flush(struct wr *w)
{
    if (!w->failed && w->n > 0 && buf_append(w->out, w->stage, w->n) < 0)
        w->failed = 1;
    w->n = 0;
}

static void wr_u64(struct wr *w, uint64_t v, int bytes)
{
    if (w->n + (size_t)bytes > sizeof(w->stage))
        wr_flush(w);
    for (int i = 0; i < bytes; i++)
        w->stage[w->n++] = (uint8_t)(v >> (8 * i));
}

static void wr_f64(struct wr *w, double d)
{
    uint64_t v;

    memcpy(&v, &d, sizeof(v));
    wr_u64(w, v, 8);
}

static void wr_varint(struct wr *w, uint64_t v)
{
    if (w->n + 10 > sizeof(w->stage))
        wr_flush(w);
    while (v >= 0x80) {
        w->stage[w->n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    w->stage[w->n++] = (uint8_t)v;
}

/* Counts are whole numbers almost always, and small per bucket: a whole
 * count below 2^53 is the varint 2n (one to three bytes for most buckets),
 * anything else the varint 1 followed by the f64. This is what makes a
 * checkpoint about a third of its eight-bytes-per-bucket size. */
static void wr_count(struct wr *w, double d)
{
    if (is_whole(d)) {
        wr_varint(w, (uint64_t)d << 1);
    } else {
        wr_varint(w, 1);
        wr_f64(w, d);
    }
}

int buckets_save(const struct buckets *b, struct buf *out)
{
    struct wr w = {.out = out};
    size_t start = out->len;
    int64_t f0 = fine_span(b) * b->r;
    int64_t klo = low_span(b), kf = fine_span(b);
    int64_t nfine = b->nf, nedge = 0;

    while (nfine > 0 && *fine_at(b, f0 + nfine - 1) == 0)
        nfine--;
    for (int i = 0; i < b->nslot; i++)
        nedge += b->edge[i].state == EDGE_DONE;
    memcpy(w.stage, CKPT_MAGIC, 4);
    w.n = 4;
    wr_u64(&w, CKPT_VERSION, 4);
    wr_u64(&w, (uint64_t)b->p.grid_ms, 8);
    wr_u64(&w, (uint64_t)b->p.fine_ms, 8);
    wr_u64(&w, (uint64_t)b->p.long_ms, 8);
    wr_u64(&w, (uint64_t)b->p.coarse_ms, 8);
    wr_u64(&w, (uint64_t)b->reach, 8);
    wr_u64(&w, (uint64_t)b->at, 8);
    wr_u64(&w, (uint64_t)b->since, 8);
    wr_f64(&w, b->pre);
    wr_u64(&w, (uint64_t)b->p.nedge, 4);
    for (size_t i = 0; i < b->p.nedge; i++)
        wr_u64(&w, (uint64_t)b->p.edge_ms[i], 8);
    wr_u64(&w, (uint64_t)nfine, 4);
    wr_u64(&w, (uint64_t)(kf - klo), 4);
    wr_u64(&w, (uint64_t)nedge, 4);
    for (int64_t j = f0; j < f0 + nfine; j++)
        wr_count(&w, *fine_at(b, j));
    for (int64_t k = klo; k < kf; k++)
        wr_count(&w, *coarse_at(b, k));
    for (int i = 0; i < b->nslot; i++) {
        if (b->edge[i].state != EDGE_DONE)
            continue;
        wr_u64(&w, (uint64_t)(b->edge[i].k * b->p.coarse_ms), 8);
        for (int64_t j = 0; j < b->r; j++)
            wr_count(&w, b->edge[i].v[j]);
    }
    wr_flush(&w);
    if (w.failed) {
        out->len = start;
        if (out->data != NULL)
            out->data[start] = '\0';
        return -1;
    }
    return 0;
}

/* Little-endian reader that never reads past len. */
struct rd {
    const uint8_t *p;
    size_t len;
    size_t off;
};

static int rd_u64(struct rd *r, int bytes, uint64_t *v)
{
    if (r->len - r->off < (size_t)bytes)
        return -1;
    *v = 0;
    for (int i = 0; i < bytes; i++)
        *v |= (uint64_t)r->p[r->off + (size_t)i] << (8 * i);
    r->off += (size_t)bytes;
    return 0;
}

static int rd_i64(struct rd *r, int64_t *v)
{
    uint64_t u;

    if (rd_u64(r, 8, &u) < 0)
        return -1;
    memcpy(v, &u, sizeof(*v));
    return 0;
}

/* A varint of at most 10 bytes that fits 64 bits. */
static int rd_varint(struct rd *r, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        uint8_t byte;

        if (r->off >= r->len)
            return -1;
        byte = r->p[r->off++];
        if (shift == 63 && byte > 1)
            return -1;
        *v |= (uint64_t)(byte & 0x7f) << shift;
        if ((byte & 0x80) == 0)
            return 0;
    }
    return -1;
}

/* A count as wr_count wrote it: finite and >= 0. -1 when truncated, -2
 * when malformed or not a count. */
static int rd_count(struct rd *r, double *d)
{
    uint64_t u;

    if (rd_varint(r, &u) < 0)
        return r->off >= r->len ? -1 : -2;
    if ((u & 1) == 0) {
        if ((u >> 1) > (uint64_t)COUNT_WHOLE_MAX)
            return -2;
        *d = (double)(u >> 1);
        return 0;
    }
    if (u != 1)
        return -2;
    if (rd_u64(r, 8, &u) < 0)
        return -1;
    memcpy(d, &u, sizeof(*d));
    return isfinite(*d) && *d >= 0 ? 0 : -2;
}

int buckets_load(const struct buckets_params *p, const uint8_t *data, size_t len, size_t *used,
                 struct buckets **out, struct err *e)
{
    struct rd r = {.p = data, .len = len};
    struct buckets *b = NULL;
    struct buckets_params q;
    int64_t img[5] = {0}, at = 0, since = 0, reach, rr, nf, nc, klo, kf, f0, room, pk;
    int64_t ew[BUCKETS_MAX_EDGES + 1];
    uint64_t version = 0, prebits = 0, nfine = 0, ncoarse = 0, nedge = 0, nwin = 0;
    double pre;
    int nw, rc, same_edges;
    char d[6][32];

    *out = NULL;
    if (data == NULL || len < CKPT_HEADER)
        return util_err(e, "checkpoint: truncated header (%zu bytes)", len);
    if (memcmp(data, CKPT_MAGIC, 4) != 0)
        return util_err(e, "checkpoint: not a bucket store image (bad magic)");
    r.off = 4;
    rd_u64(&r, 4, &version);
    if (version != CKPT_VERSION)
        return util_err(e, "checkpoint: unsupported version %llu (want %u)",
                        (unsigned long long)version, CKPT_VERSION);
    for (int i = 0; i < 5; i++)
        rd_i64(&r, &img[i]);
    rd_i64(&r, &at);
    rd_i64(&r, &since);
    rd_u64(&r, 8, &prebits);
    memcpy(&pre, &prebits, sizeof(pre));
    rd_u64(&r, 4, &nwin);
    if (resolve(p, &q, &reach, &rr, &nf, &nc, ew, &nw, e) < 0)
        return -1;
    /* The image's edge windows must be the resolved ones, in order. */
    same_edges = nwin == q.nedge && (len - r.off) / 8 >= nwin;
    for (uint64_t i = 0; i < nwin && same_edges; i++) {
        int64_t w = 0;

        rd_i64(&r, &w);
        same_edges = w == q.edge_ms[i];
    }
    if (img[0] != q.grid_ms || img[1] != q.fine_ms || img[2] != q.long_ms ||
        img[3] != q.coarse_ms || img[4] != reach || !same_edges)
        return util_err(e,
                        "checkpoint: made for other parameters (interval %s, fine %s, "
                        "long %lldms, coarse %lldms, reach %lldms, %llu edge windows) than the "
                        "configured ones (interval %s, fine %s, long %s, coarse %s, %zu edge "
                        "windows)",
                        dur(img[0], d[0], 32), dur(img[1], d[1], 32), (long long)img[2],
                        (long long)img[3], (long long)img[4], (unsigned long long)nwin,
                        dur(q.grid_ms, d[2], 32), dur(q.fine_ms, d[3], 32),
                        dur(q.long_ms, d[4], 32), dur(q.coarse_ms, d[5], 32), q.nedge);
    if (rd_u64(&r, 4, &nfine) < 0 || rd_u64(&r, 4, &ncoarse) < 0 || rd_u64(&r, 4, &nedge) < 0)
        return util_err(e, "checkpoint: truncated header (%zu bytes)", len);
    b = buckets_new(p, at, e);
    if (b == NULL)
        goto fail;
    if (since % q.grid_ms != 0 || since < -TIME_MAX - DUR_MAX || since > at - reach) {
        util_err(e,
                 "checkpoint: backfill start %lld is not a multiple of the interval at or "
                 "before at - reach",
                 (long long)since);
        goto fail;
    }
    b->since = since;
    klo = low_span(b);
    kf = fine_span(b);
    f0 = kf * b->r;
    /* Fine values may reach one coarse span past at, no further. */
    room = (at + q.coarse_ms) / q.grid_ms - f0;
    if (nfine > (uint64_t)room || ncoarse != (uint64_t)(kf - klo) || nedge > (uint64_t)b->nslot) {
        util_err(e,
                 "checkpoint: %llu fine, %llu coarse and %llu edge entries do not match the "
                 "position (at most %lld, exactly %lld, at most %d)",
                 (unsigned long long)nfine, (unsigned long long)ncoarse, (unsigned long long)nedge,
                 (long long)room, (long long)(kf - klo), b->nslot);
        goto fail;
    }
    /* Each value takes at least a byte; sizes are bounded by the
     * parameters now, so this cannot overflow. */
    if (len - r.off < nfine + ncoarse + nedge * (uint64_t)(b->r + 8)) {
        util_err(e, "checkpoint: truncated values (%zu bytes left)", len - r.off);
        goto fail;
    }
    if (!isfinite(pre) || pre < 0 || (!partial_span(b, &pk) && pre != 0)) {
        util_err(e, "checkpoint: invalid backfill remainder");
        goto fail;
    }
    b->pre = pre;
    for (int64_t j = f0; j < f0 + (int64_t)nfine; j++)
        if ((rc = rd_count(&r, fine_at(b, j))) < 0)
            goto badvalue;
    for (int64_t k = klo; k < kf; k++)
        if ((rc = rd_count(&r, coarse_at(b, k))) < 0)
            goto badvalue;
    for (uint64_t i = 0; i < nedge; i++) {
        struct edge *ed = &b->edge[i];
        int64_t from = 0;
        double got, want;

        if (rd_i64(&r, &from) < 0) {
            rc = -1;
            goto badvalue;
        }
        if (from % q.coarse_ms != 0 || !span_live(b, util_floor_div(from, q.coarse_ms)) ||
            from + q.coarse_ms > at || find_edge(b, from / q.coarse_ms) != NULL) {
            util_err(e, "checkpoint: edge span at %lld is not the current or next one",
                     (long long)from);
            goto fail;
        }
        ed->v = calloc((size_t)b->r, sizeof(double));
        if (ed->v == NULL) {
            util_err(e, "out of memory for edge buckets");
            goto fail;
        }
        ed->k = from / q.coarse_ms;
        ed->state = EDGE_DONE;
        for (int64_t j = 0; j < b->r; j++)
            if ((rc = rd_count(&r, &ed->v[j])) < 0)
                goto badvalue;
        if (!edge_check(b, ed, &got, &want)) {
            util_err(e, "checkpoint: edge span at %lld does not add up to its coarse bucket",
                     (long long)from);
            goto fail;
        }
    }
    /* Whole counts, then the coarse sums, as if added one by one. */
    for (int64_t j = f0; j < f0 + b->nf && b->whole; j++)
        b->whole = is_whole(*fine_at(b, j));
    for (int64_t k = klo; k < kf && b->whole; k++)
        b->whole = is_whole(*coarse_at(b, k));
    if (b->whole)
        csum_rebuild(b);
    *used = r.off;
    *out = b;
    return 0;
badvalue:
    if (rc == -1)
        util_err(e, "checkpoint: truncated values (%zu bytes)", len);
    else
        util_err(e,
                 "checkpoint: a bucket value before offset %zu is malformed, negative or "
                 "not finite",
                 r.off);
fail:
    buckets_free(b);
    return -1;
}
