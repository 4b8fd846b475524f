/*
 * histfill: reconstructed history. See histfill.h.
 *
 * One read per SLO gives a tally of its events per group and step over the
 * retention plus one period before it (the first point's window); every
 * point is then sums of whole steps, folded and computed by the same code
 * as a live evaluation (answer_fold, engine_build_entry), with two windows:
 * the period and 1h, the figures the history keeps. In the exact modes
 * those sums are the exact counts at each step; in promql mode they add up
 * hourly increase() answers, which can differ from one increase() over the
 * whole window by the store's extrapolation at each step's edges.
 */
#include "histfill.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "engine.h"
#include "exact.h"
#include "exacttally.h"
#include "log.h"
#include "pqeval.h"
#include "slo.h"
#include "snapshot.h"
#include "tally.h"
#include "util.h"

#define HOUR_MS (3600 * 1000LL)
/* A stretch without a point longer than this is a gap to fill (old points are hourly). */
#define GAP_MS (3 * HOUR_MS)

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        int64_t r = a % b;

        a = b;
        b = r;
    }
    return a;
}

int64_t histfill_step(const struct config_slo *slo, int64_t now_ms)
{
    int64_t start, len, phase;

    if (slo->period_kind == CONFIG_PERIOD_ROLLING)
        return HOUR_MS;
    slo_period_bounds(slo, now_ms, &start, &len);
    phase = ((start % HOUR_MS) + HOUR_MS) % HOUR_MS;
    return phase == 0 ? HOUR_MS : gcd64(HOUR_MS, phase);
}

/*
 * What a fill of slo at now_ms spans, for histfill_slo and the thread's gap
 * check alike so they agree on it: the step of its points, the period's
 * length at now_ms and the history's retention for that period.
 */
static void fill_span(const struct config_slo *slo, int64_t now_ms, int64_t *step, int64_t *len,
                      int64_t *keep)
{
    int64_t start;

    *step = histfill_step(slo, now_ms);
    slo_period_bounds(slo, now_ms, &start, len);
    *keep = history_keep_ms(*len);
}

/* The instances of one SLO that h knows, and the points made for each. */
struct insts {
    struct labels *g; /* sorted (history_groups) */
    size_t n;
    struct history_point **p;
    size_t *np;
};

static void insts_free(struct insts *s)
{
    for (size_t i = 0; s->p != NULL && i < s->n; i++)
        free(s->p[i]);
    free(s->p);
    free(s->np);
    history_groups_free(s->g, s->n);
    memset(s, 0, sizeof(*s));
}

static long inst_find(const struct insts *s, const struct labels *g)
{
    size_t lo = 0, hi = s->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = labels_cmp(g, &s->g[mid]);

        if (c == 0)
            return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

/* The two windows of the point at at_ms: the period (as the live windows name it) and 1h. */
static size_t point_windows(const struct config_slo *slo, int64_t at_ms, struct slo_window *out)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(slo, at_ms, w, SLO_MAX_WINDOWS), n = 0;

    for (size_t k = 0; k < nw; k++)
        if (w[k].is_period)
            out[n++] = w[k];
    if (n == 1 && out[0].ms == HOUR_MS)
        return n;
    memset(&out[n], 0, sizeof(out[n]));
    snprintf(out[n].name, sizeof(out[n].name), "1h");
    out[n].ms = HOUR_MS;
    return n + 1;
}

/* The figures of every known instance at at_ms from the tally, appended to s. */
static int add_points(const struct config *cfg, const struct config_slo *slo,
                      const struct tally *t, int64_t at_ms, int64_t cap, struct insts *s,
                      struct err *e)
{
    struct slo_window w[2];
    size_t nw = point_windows(slo, at_ms, w);
    struct answer_partials ps;
    struct answer a = {0, NULL};
    int rc = -1;

    for (size_t k = 0; k < nw; k++)
        if (w[k].ms <= 0 || at_ms - w[k].ms < t->from_ms)
            return 0; /* a window the tally does not cover (or a period just begun) */
    answer_partials_init(&ps);
    if (tally_partials(t, at_ms, w, nw, &ps, e) != 0 ||
        answer_fold(slo, at_ms, w, nw, &ps, &a, e) != 0)
        goto out;
    for (size_t k = 0; k < a.n; k++) {
        long i = inst_find(s, &a.g[k].group);
        struct snapshot_slo entry;

        if (i < 0)
            continue;
        if (engine_build_entry(cfg, slo, at_ms, w, nw, a.g[k].w, &a.g[k].group, &entry) != 0) {
            util_err(e, "out of memory");
            goto out;
        }
        if (s->p[i] == NULL && (s->p[i] = malloc((size_t)cap * sizeof(**s->p))) == NULL) {
            snapshot_slo_clear(&entry);
            util_err(e, "out of memory");
            goto out;
        }
        history_point_of(&entry, &s->p[i][s->np[i]++]);
        snapshot_slo_clear(&entry);
    }
    rc = 0;
out:
    answer_free(&a);
    answer_partials_free(&ps);
    return rc;
}

int histfill_slo(const struct config *cfg, struct backend *be, size_t i, int64_t now_ms,
                 struct history *h, size_t *added, struct err *e)
{
    const struct config_slo *slo = &cfg->slos[i];
    int64_t step, len, keep, to, start, flen, first, from;
    int64_t npoints;
    struct tally t;
    struct insts s;
    int rc = -1;

    *added = 0;
    memset(&s, 0, sizeof(s));
    memset(&t, 0, sizeof(t));
    fill_span(slo, now_ms, &step, &len, &keep);
    to = util_floor_div(now_ms, step) * step;
    npoints = keep / step;
    first = to - (npoints - 1) * step;
    /* The first point's period window starts a period before it at most. */
    slo_period_bounds(slo, first, &start, &flen);
    from = util_floor_div(slo->period_kind == CONFIG_PERIOD_ROLLING ? first - flen : start, step) *
           step;
    if ((to - from) / step > TALLY_MAX_STEPS)
        from = to - TALLY_MAX_STEPS * step;
    if (history_groups(h, slo->name, &s.g, &s.n) != 0)
        return util_err(e, "out of memory");
    if (s.n == 0) {
        insts_free(&s);
        return 1;
    }
    s.p = calloc(s.n, sizeof(struct history_point *));
    s.np = calloc(s.n, sizeof(*s.np));
    if (s.p == NULL || s.np == NULL ||
        tally_init(&t, from, step, (size_t)((to - from) / step)) != 0) {
        util_err(e, "out of memory");
        goto out;
    }
    /* Only the instances the history knows: the tally's memory stays within max_groups. */
    for (size_t k = 0; k < s.n; k++)
        if (tally_group(&t, &s.g[k]) < 0) {
            util_err(e, "out of memory");
            goto out;
        }
    tally_close(&t);
    backend_new_round(be, 0);
    if (exact_serves(cfg, slo)) {
        if (exacttally_read(backend_source(be, 0), slo, &t, e) != 0)
            goto out;
    } else if (pqeval_tally(backend_promql(be, 0), slo, &t, e) != 0) {
        goto out;
    }
    for (int64_t at = first; at <= to; at += step)
        if (add_points(cfg, slo, &t, at, npoints, &s, e) != 0)
            goto out;
    for (size_t k = 0; k < s.n; k++) {
        size_t n = 0;

        if (s.np[k] > 0 &&
            history_fill(h, slo->name, &s.g[k], len, s.p[k], s.np[k], step, &n) != 0) {
            util_err(e, "out of memory");
            goto out;
        }
        *added += n;
    }
    rc = 0;
out:
    tally_free(&t);
    insts_free(&s);
    return rc;
}

struct histfill {
    const struct config *cfg;
    struct history *h;
    struct histfill_counts *counts;
    struct backend *be;
    pthread_t th;
};

static void *run(void *arg)
{
    struct histfill *f = arg;
    int64_t now = util_now_ms();

    for (size_t i = 0; i < f->cfg->nslos && !backend_cancelled(f->be); i++) {
        const struct config_slo *slo = &f->cfg->slos[i];
        int64_t step, len, keep;
        int64_t t0 = util_mono_ms();
        struct err e = {{0}};
        size_t added = 0;
        char pts[32], secs[32];
        int rc;

        fill_span(slo, now, &step, &len, &keep);
        if (!history_has_gap(f->h, slo->name, now - keep + step, now, GAP_MS))
            continue;
        rc = histfill_slo(f->cfg, f->be, i, now, f->h, &added, &e);
        if (rc > 0)
            continue;
        if (rc != 0) {
            if (backend_cancelled(f->be))
                break;
            atomic_fetch_add(&f->counts->slos_failed, 1);
            log_warn("history not reconstructed", "slo", slo->name, "err", e.msg);
            continue;
        }
        atomic_fetch_add(&f->counts->slos_ok, 1);
        atomic_fetch_add(&f->counts->points, added);
        snprintf(pts, sizeof(pts), "%zu", added);
        snprintf(secs, sizeof(secs), "%.3f", (double)(util_mono_ms() - t0) / 1000.0);
        log_info("history reconstructed", "slo", slo->name, "points", pts, "seconds", secs);
    }
    return NULL;
}

struct histfill *histfill_start(const struct config *cfg, struct history *h,
                                struct histfill_counts *counts, struct err *e)
{
    struct histfill *f = calloc(1, sizeof(*f));

    if (f == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    f->cfg = cfg;
    f->h = h;
    f->counts = counts;
    f->be = backend_new(cfg, 1, e);
    if (f->be == NULL)
        goto fail;
    if (pthread_create(&f->th, NULL, run, f) != 0) {
        util_err(e, "cannot start a thread");
        goto fail;
    }
    return f;
fail:
    backend_free(f->be);
    free(f);
    return NULL;
}

void histfill_cancel(struct histfill *f)
{
    if (f != NULL)
        backend_cancel(f->be, 1);
}

void histfill_stop(struct histfill *f)
{
    if (f == NULL)
        return;
    backend_cancel(f->be, 1);
    pthread_join(f->th, NULL);
    backend_free(f->be);
    free(f);
}
