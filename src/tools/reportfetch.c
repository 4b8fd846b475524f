/*
 * reportfetch: asks the backend for the figures of `slo-sidecar report`.
 * See reportfetch.h.
 *
 * Bad minutes, remote_read and api_read modes: each local day is one read
 * of the SLO's selectors over (day start - EXACTREAD_LOOKBACK_MS, day end]
 * through exactread (the contract's counting rules), into one-minute buckets
 * (m, m + 1m] per group; the day's buckets are judged and dropped, so memory
 * stays at one day of minutes per group.
 * Bad minutes, promql mode: one instant query at the period end,
 *   sum_over_time((GOOD / (TOTAL > 0) < bool OBJ)[P - S + 1ms : S])
 * where GOOD and TOTAL are sum(increase(SEL[S])): the number of steps of
 * length S (on multiples of S, like the timeslice queries) with events whose
 * SLI is below the objective.
 */
#include "reportfetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "answer.h"
#include "backend.h"
#include "exact.h"
#include "exactread.h"
#include "promql.h"
#include "rawsrc.h"
#include "selector.h"
#include "slo.h"

#define MIN_MS 60000LL

/* Bad minutes of one group over the period. */
struct acc {
    struct labels group;
    int has;
    double bad_minutes;
};

/* One day's minute buckets of each exactread group. */
struct mgroup {
    double *num; /* good or bad events per minute (the counted part) */
    double *tot;
};

struct day {
    struct exactread *rd;
    int64_t start_ms;
    size_t nmin;
    struct mgroup *g; /* indexed like rd's groups */
    size_t ng;
};

static void day_free(struct day *d)
{
    for (size_t i = 0; i < d->ng; i++) {
        free(d->g[i].num);
        free(d->g[i].tot);
    }
    free(d->g);
    exactread_free(d->rd);
}

static int on_group(void *arg, size_t gi, const struct labels *l, struct err *e)
{
    struct day *d = arg;
    struct mgroup *g;

    (void)l;
    if (gi != d->ng)
        return util_err(e, "group %zu out of order", gi);
    g = realloc(d->g, (d->ng + 1) * sizeof(*g));
    if (g == NULL)
        return util_err(e, "out of memory");
    d->g = g;
    g = &d->g[d->ng];
    g->num = calloc(d->nmin ? d->nmin : 1, sizeof(double));
    g->tot = calloc(d->nmin ? d->nmin : 1, sizeof(double));
    d->ng++;
    if (g->num == NULL || g->tot == NULL)
        return util_err(e, "out of memory");
    return 0;
}

static int on_event(void *arg, size_t qi, size_t gi, int64_t t, int64_t prev_t, double inc,
                    struct err *e)
{
    struct day *d = arg;
    int64_t m;

    (void)prev_t;
    (void)e;
    if (t <= d->start_ms)
        return 0;
    /* Minute m is (start + m min, start + (m + 1) min]. */
    m = (t - d->start_ms - 1) / MIN_MS;
    if (m < 0 || (size_t)m >= d->nmin)
        return 0;
    if (exactread_part(d->rd, qi) == ANSWER_TOTAL)
        d->g[gi].tot[m] += inc;
    else
        d->g[gi].num[m] += inc;
    return 0;
}

static const struct exactread_sink day_sink = {on_group, NULL, on_event};

static struct acc *acc_get(struct acc **a, size_t *n, const struct labels *l)
{
    struct acc *na;

    for (size_t i = 0; i < *n; i++)
        if (labels_cmp(&(*a)[i].group, l) == 0)
            return &(*a)[i];
    na = realloc(*a, (*n + 1) * sizeof(*na));
    if (na == NULL)
        return NULL;
    *a = na;
    memset(&na[*n], 0, sizeof(na[*n]));
    if (labels_copy(&na[*n].group, l) != 0)
        return NULL;
    return &na[(*n)++];
}

static void accs_free(struct acc *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        labels_free(&a[i].group);
    free(a);
}

/* Reads one day [from, to) of slo and adds each group's bad minutes to accs. */
static int rr_day(struct rawsrc *src, const struct config_slo *slo, int64_t from, int64_t to,
                  struct acc **accs, size_t *nacc, struct err *e)
{
    struct day d;
    double *good = NULL;
    int good_based = answer_numerator(slo) == ANSWER_GOOD;
    int rc = -1;

    memset(&d, 0, sizeof(d));
    d.start_ms = from;
    d.nmin = (size_t)((to - from + MIN_MS - 1) / MIN_MS);
    d.rd = exactread_new(slo, NULL);
    good = calloc(d.nmin ? d.nmin : 1, sizeof(*good));
    if (d.rd == NULL || good == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    if (exactread_counters(d.rd, src, from - EXACTREAD_LOOKBACK_MS, to, &day_sink, &d, e) != 0)
        goto out;
    for (size_t i = 0; i < d.ng; i++) {
        struct mgroup *g = &d.g[i];
        struct acc *a;

        /* A group seen only in error (or good) series has no total: no data. */
        if (exactread_group_nseries(d.rd, 1, i) == 0)
            continue;
        for (size_t m = 0; m < d.nmin; m++)
            good[m] = good_based ? g->num[m] : g->tot[m] - g->num[m];
        a = acc_get(accs, nacc, exactread_group_labels(d.rd, i));
        if (a == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        a->has = 1;
        a->bad_minutes += (double)report_bad_minutes(good, g->tot, d.nmin, slo->objective);
    }
    rc = 0;
out:
    free(good);
    day_free(&d);
    return rc;
}

/* sum by (...) (increase(SEL[S])), newly allocated. */
static char *step_increase(const struct config_slo *slo, const struct selector *sel,
                           const char *suffix, const char *le, int64_t step_ms)
{
    char *s = selector_format(sel, suffix, le ? "le" : NULL, SELECTOR_RE, le);
    struct buf b;

    if (s == NULL)
        return NULL;
    buf_init(&b, 1024 * 1024);
    buf_puts(&b, "sum");
    if (slo->ngroup_by > 0) {
        buf_puts(&b, " by (");
        for (size_t i = 0; i < slo->ngroup_by; i++)
            buf_printf(&b, "%s%s", i ? ", " : "", slo->group_by[i]);
        buf_puts(&b, ")");
    }
    if (buf_printf(&b, " (increase(%s[%lldms]))", s, (long long)step_ms) != 0) {
        free(s);
        buf_free(&b);
        return NULL;
    }
    free(s);
    return buf_steal(&b);
}

/* The promql-mode bad-steps query of slo over [start, end). NULL when out of memory. */
static char *bad_steps_query(const struct config_slo *slo, int64_t start, int64_t end,
                             int64_t step_ms)
{
    char le[128];
    char *num = NULL, *tot = NULL, *good = NULL, *q = NULL;
    int good_based = 1;
    int64_t range = end - start - step_ms + 1;

    if (slo->kind == CONFIG_SLI_LATENCY) {
        selector_le_regex(slo->latency.threshold, le, sizeof(le));
        num = step_increase(slo, slo->latency.histogram_sel, "_bucket", le, step_ms);
        tot = step_increase(slo, slo->latency.histogram_sel, "_count", NULL, step_ms);
    } else {
        good_based = slo->events.good_sel != NULL;
        num = step_increase(slo, good_based ? slo->events.good_sel : slo->events.error_sel, NULL,
                            NULL, step_ms);
        tot = step_increase(slo, slo->events.total_sel, NULL, NULL, step_ms);
    }
    if (num == NULL || tot == NULL)
        goto out;
    /* No good (or error) series in a step with events means zero of them. */
    if (good_based)
        good = util_asprintf("(%s or 0 * %s)", num, tot);
    else
        good = util_asprintf("(%s - (%s or 0 * %s))", tot, num, tot);
    if (good != NULL)
        q = util_asprintf("sum_over_time((%s / (%s > 0) < bool %.17g)[%lldms:%lldms])", good, tot,
                          slo->objective, (long long)range, (long long)step_ms);
out:
    free(num);
    free(tot);
    free(good);
    return q;
}

static int pq_bad_steps(struct promql_client *pc, const struct config_slo *slo, int64_t start,
                        int64_t end, int64_t step_ms, struct acc **accs, size_t *nacc,
                        struct err *e)
{
    struct promql_result r;
    char *q = bad_steps_query(slo, start, end, step_ms);
    int rc = -1;

    promql_result_init(&r);
    if (q == NULL)
        return util_err(e, "out of memory");
    if (promql_query(pc, q, end, &r, e) != 0)
        goto out;
    for (size_t i = 0; i < r.n; i++) {
        struct labels g;
        struct acc *a;

        if (answer_group_of(slo, &r.v[i].labels, &g) != 0) {
            util_err(e, "out of memory");
            goto out;
        }
        a = acc_get(accs, nacc, &g);
        labels_free(&g);
        if (a == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        a->has = 1;
        a->bad_minutes += r.v[i].value * (double)step_ms / (double)MIN_MS;
    }
    rc = 0;
out:
    promql_result_free(&r);
    free(q);
    return rc;
}

/* backend_eval_slo with the one window [from, to). */
static int eval_range(struct backend *be, const struct config_slo *slo, int64_t from, int64_t to,
                      const char *name, struct answer *ans, struct err *e)
{
    struct slo_window w;

    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "%s", name);
    w.ms = to - from;
    w.is_period = 1;
    return backend_eval_slo(be, 0, slo, to, &w, 1, ans, e);
}

static const struct answer_counts *group_counts(const struct answer *a, const struct labels *g)
{
    for (size_t i = 0; i < a->n; i++)
        if (labels_cmp(&a->g[i].group, g) == 0)
            return &a->g[i].w[0];
    return NULL;
}

struct slo_io {
    const struct config *cfg;
    struct backend *be;
    int64_t step_ms;
};

/* All rows of one SLO. */
static int fetch_slo(struct slo_io *io, const struct config_slo *slo, struct report *rep,
                     struct err *e)
{
    struct answer period = {0, NULL};
    struct answer *days = NULL;
    int64_t *bounds = NULL, *dates = NULL;
    size_t ndays = 0, nacc = 0, first = rep->n;
    struct acc *accs = NULL;
    struct report_day *d = NULL;
    int64_t start, end;
    int rc = -1;

    report_period_bounds(&rep->period, slo->tz, &start, &end);
    if (eval_range(io->be, slo, start, end, "period", &period, e) != 0)
        goto out;
    if (report_days(slo->tz, start, end, &bounds, &dates, &ndays) != 0) {
        util_err(e, "out of memory");
        goto out;
    }
    days = calloc(ndays ? ndays : 1, sizeof(*days));
    d = calloc(ndays ? ndays : 1, sizeof(*d));
    if (days == NULL || d == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < ndays; i++)
        if (eval_range(io->be, slo, bounds[i], bounds[i + 1], "day", &days[i], e) != 0)
            goto out;
    if (slo->kind == CONFIG_SLI_EVENTS || slo->kind == CONFIG_SLI_LATENCY) {
        if (exact_serves(io->cfg, slo)) {
            for (size_t i = 0; i < ndays; i++)
                if (rr_day(backend_source(io->be, 0), slo, bounds[i], bounds[i + 1], &accs, &nacc,
                           e) != 0)
                    goto out;
        } else if (start % io->step_ms != 0 || end % io->step_ms != 0) {
            util_err(e, "the period bounds %lld..%lld ms are not multiples of --report.step",
                     (long long)start, (long long)end);
            goto out;
        } else if (pq_bad_steps(backend_promql(io->be, 0), slo, start, end, io->step_ms, &accs,
                                &nacc, e) != 0) {
            goto out;
        }
    }
    for (size_t gi = 0; gi < period.n; gi++) {
        const struct answer_counts *c = &period.g[gi].w[0];
        struct report_row *r = report_add_row(rep, slo->name, &period.g[gi].group);

        if (r == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        r->timezone = slo->timezone;
        r->start_ms = start;
        r->end_ms = end;
        r->objective = slo->objective;
        r->has_counts = c->has;
        r->good = c->good;
        r->bad = c->bad;
        r->total = c->total;
        for (size_t i = 0; i < ndays; i++) {
            const struct answer_counts *dc = group_counts(&days[i], &r->group);

            d[i].date = dates[i];
            d[i].has = dc != NULL && dc->has;
            d[i].good = dc != NULL ? dc->good : 0;
            d[i].total = dc != NULL ? dc->total : 0;
        }
        r->has_worst = report_worst_day(d, ndays, &r->worst_date, &r->worst_sli);
        if (slo->kind == CONFIG_SLI_TIMESLICE) {
            r->has_bad_minutes = c->has;
            r->bad_minutes = c->bad * (double)slo->timeslice.slice_ms / (double)MIN_MS;
        } else {
            for (size_t k = 0; k < nacc; k++) {
                if (labels_cmp(&accs[k].group, &r->group) == 0 && accs[k].has) {
                    r->has_bad_minutes = 1;
                    r->bad_minutes = accs[k].bad_minutes;
                }
            }
        }
        report_row_finish(r);
    }
    rc = 0;
out:
    if (rc != 0) {
        /* Nothing of a failed SLO is kept. */
        while (rep->n > first) {
            rep->n--;
            free(rep->rows[rep->n].slo);
            labels_free(&rep->rows[rep->n].group);
        }
    }
    for (size_t i = 0; days != NULL && i < ndays; i++)
        answer_free(&days[i]);
    free(days);
    free(d);
    answer_free(&period);
    accs_free(accs, nacc);
    free(bounds);
    free(dates);
    return rc;
}

int reportfetch_run(const struct config *cfg, int64_t step_ms, struct report *rep, struct err *e)
{
    struct slo_io io;
    struct err le = {{0}};
    int rc = -1;

    memset(&io, 0, sizeof(io));
    io.cfg = cfg;
    io.step_ms = step_ms;
    io.be = backend_new(cfg, 1, e);
    if (io.be == NULL)
        return -1;
    for (size_t i = 0; i < cfg->nslos; i++) {
        backend_new_round(io.be, 0);
        if (fetch_slo(&io, &cfg->slos[i], rep, &le) != 0) {
            util_err(e, "SLO %s: %s", cfg->slos[i].name, le.msg);
            goto out;
        }
    }
    rc = 0;
out:
    backend_free(io.be);
    return rc;
}
