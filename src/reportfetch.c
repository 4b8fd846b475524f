/*
 * reportfetch: asks the backend for the figures of `slo-sidecar report`.
 * See include/reportfetch.h.
 *
 * Bad minutes, remote_read mode: each local day is one read of the SLO's
 * selectors over (day start - RRBACKEND_LOOKBACK_MS, day end], counted by
 * the contract's rules (counter_next) into one-minute buckets (m, m + 1m]
 * per group; the day's buckets are judged and dropped, so memory stays at
 * one day of minutes per group.
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

#include "backend.h"
#include "counter.h"
#include "promql.h"
#include "remote_read.h"
#include "rrbackend.h"
#include "rrstate.h"
#include "selector.h"
#include "seriesmap.h"
#include "sliquery.h"
#include "slo.h"

#define MIN_MS 60000LL
/* Upper bound on series per selector and day, as in rrbackend. */
#define MAX_SERIES 1000000

/* Bad minutes of one group over the period. */
struct acc {
    struct labels group;
    int has;
    double bad_minutes;
};

/* One group's minute buckets of one day. */
struct mgroup {
    struct labels group;
    int has_total;
    double *num;            /* good or bad events per minute (the counted part) */
    double *tot;
};

struct rr_ctx {
    const struct config_slo *slo;
    int64_t start_ms;
    size_t nmin;
    int part[2];
    struct seriesmap *map[2];
    struct counter_series *st[2];
    size_t *grp[2];
    size_t cap[2];
    struct mgroup *g;
    size_t ng;
};

static void rr_ctx_free(struct rr_ctx *c)
{
    for (int q = 0; q < 2; q++) {
        seriesmap_free(c->map[q]);
        free(c->st[q]);
        free(c->grp[q]);
    }
    for (size_t i = 0; i < c->ng; i++) {
        labels_free(&c->g[i].group);
        free(c->g[i].num);
        free(c->g[i].tot);
    }
    free(c->g);
}

static long mgroup_get(struct rr_ctx *c, const struct labels *l)
{
    struct mgroup *g;

    for (size_t i = 0; i < c->ng; i++)
        if (labels_cmp(&c->g[i].group, l) == 0)
            return (long)i;
    g = realloc(c->g, (c->ng + 1) * sizeof(*g));
    if (g == NULL)
        return -1;
    c->g = g;
    g = &c->g[c->ng];
    memset(g, 0, sizeof(*g));
    g->num = calloc(c->nmin, sizeof(double));
    g->tot = calloc(c->nmin, sizeof(double));
    if (g->num == NULL || g->tot == NULL || labels_copy(&g->group, l) != 0) {
        free(g->num);
        free(g->tot);
        labels_free(&g->group);
        return -1;
    }
    return (long)c->ng++;
}

/* The slot of series l of query q: its counter state and its group. */
static int series_slot(struct rr_ctx *c, size_t q, const struct labels *l, size_t *slot,
                       struct err *e)
{
    int added = seriesmap_get(c->map[q], l, MAX_SERIES, slot);
    struct labels g;
    long gi;

    if (added < 0)
        return util_err(e, "SLO %s: more than %d series for one selector (or out of memory)",
                        c->slo->name, MAX_SERIES);
    if (added == 0)
        return 0;
    if (*slot >= c->cap[q]) {
        size_t cap = c->cap[q] ? c->cap[q] * 2 : 64;
        struct counter_series *st = realloc(c->st[q], cap * sizeof(*st));
        size_t *gr;

        if (st == NULL)
            return util_err(e, "out of memory");
        c->st[q] = st;
        gr = realloc(c->grp[q], cap * sizeof(*gr));
        if (gr == NULL)
            return util_err(e, "out of memory");
        c->grp[q] = gr;
        c->cap[q] = cap;
    }
    memset(&c->st[q][*slot], 0, sizeof(c->st[q][*slot]));
    if (backend_group_of(c->slo, l, &g) != 0)
        return util_err(e, "out of memory");
    gi = mgroup_get(c, &g);
    labels_free(&g);
    if (gi < 0)
        return util_err(e, "out of memory");
    c->grp[q][*slot] = (size_t)gi;
    if (c->part[q] == SLIQUERY_TOTAL)
        c->g[gi].has_total = 1;
    return 0;
}

static int on_series(void *arg, const struct remote_read_series *s, struct err *e)
{
    struct rr_ctx *c = arg;
    size_t slot;
    struct counter_series *st;
    struct mgroup *g;

    if (s->query >= 2 || c->map[s->query] == NULL)
        return util_err(e, "series for unknown query %zu", s->query);
    if (series_slot(c, s->query, s->labels, &slot, e) != 0)
        return -1;
    st = &c->st[s->query][slot];
    g = &c->g[c->grp[s->query][slot]];
    for (size_t i = 0; i < s->n; i++) {
        double inc;
        int64_t m;
        int r = counter_next(st, s->s[i].t_ms, s->s[i].v, &inc);

        if (r < 0)
            return util_err(e, "SLO %s: a counter sample is %g at %lld ms; a count must be "
                               "finite and not negative", c->slo->name, s->s[i].v,
                            (long long)s->s[i].t_ms);
        if (r == 0 || s->s[i].t_ms <= c->start_ms)
            continue;
        /* Minute m is (start + m min, start + (m + 1) min]. */
        m = (s->s[i].t_ms - c->start_ms - 1) / MIN_MS;
        if (m < 0 || (size_t)m >= c->nmin)
            continue;
        if (c->part[s->query] == SLIQUERY_TOTAL)
            g->tot[m] += inc;
        else
            g->num[m] += inc;
    }
    return 0;
}

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
static int rr_day(struct remote_read_client *client, const struct config_slo *slo, int64_t from,
                  int64_t to, struct acc **accs, size_t *nacc, struct err *e)
{
    struct remote_read_query q[2];
    char le[128];
    struct rr_ctx c;
    size_t nq;
    double *good = NULL;
    int rc = -1;

    memset(&c, 0, sizeof(c));
    c.slo = slo;
    c.start_ms = from;
    c.nmin = (size_t)((to - from + MIN_MS - 1) / MIN_MS);
    nq = rrstate_queries(slo, le, sizeof(le), q, c.part);
    for (size_t i = 0; i < nq; i++) {
        q[i].start_ms = from - RRBACKEND_LOOKBACK_MS;
        q[i].end_ms = to;
        c.map[i] = seriesmap_new();
        if (c.map[i] == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
    }
    good = calloc(c.nmin ? c.nmin : 1, sizeof(*good));
    if (good == NULL) {
        util_err(e, "out of memory");
        goto out;
    }
    if (remote_read_run(client, q, nq, on_series, &c, NULL, e) != 0)
        goto out;
    for (size_t i = 0; i < c.ng; i++) {
        struct mgroup *g = &c.g[i];
        struct acc *a;
        int good_based = c.part[0] == SLIQUERY_GOOD;

        /* A group seen only in error (or good) series has no total: no data. */
        if (!g->has_total)
            continue;
        for (size_t m = 0; m < c.nmin; m++)
            good[m] = good_based ? g->num[m] : g->tot[m] - g->num[m];
        a = acc_get(accs, nacc, &g->group);
        if (a == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        a->has = 1;
        a->bad_minutes += (double)report_bad_minutes(good, g->tot, c.nmin, slo->objective);
    }
    rc = 0;
out:
    free(good);
    rr_ctx_free(&c);
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
        sliquery_le_regex(slo->latency.threshold, le, sizeof(le));
        num = step_increase(slo, slo->latency.histogram_sel, "_bucket", le, step_ms);
        tot = step_increase(slo, slo->latency.histogram_sel, "_count", NULL, step_ms);
    } else {
        good_based = slo->events.good_sel != NULL;
        num = step_increase(slo, good_based ? slo->events.good_sel : slo->events.error_sel,
                            NULL, NULL, step_ms);
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
        q = util_asprintf("sum_over_time((%s / (%s > 0) < bool %.17g)[%lldms:%lldms])", good,
                          tot, slo->objective, (long long)range,
                          (long long)step_ms);
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

        if (backend_group_of(slo, &r.v[i].labels, &g) != 0) {
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
                      const char *name, struct backend_answer *ans, struct err *e)
{
    struct slo_window w;

    memset(&w, 0, sizeof(w));
    snprintf(w.name, sizeof(w.name), "%s", name);
    w.ms = to - from;
    w.is_period = 1;
    return backend_eval_slo(be, slo, to, &w, 1, ans, e);
}

static const struct backend_counts *group_counts(const struct backend_answer *a,
                                                 const struct labels *g)
{
    for (size_t i = 0; i < a->n; i++)
        if (labels_cmp(&a->g[i].group, g) == 0)
            return &a->g[i].w[0];
    return NULL;
}

struct slo_io {
    struct backend *be;
    struct promql_client *pc;
    struct remote_read_client *rc;
    int64_t step_ms;
};

/* All rows of one SLO. */
static int fetch_slo(struct slo_io *io, const struct config_slo *slo, struct report *rep,
                     struct err *e)
{
    struct backend_answer period = {0, NULL};
    struct backend_answer *days = NULL;
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
        if (io->rc != NULL) {
            for (size_t i = 0; i < ndays; i++)
                if (rr_day(io->rc, slo, bounds[i], bounds[i + 1], &accs, &nacc, e) != 0)
                    goto out;
        } else if (start % io->step_ms != 0 || end % io->step_ms != 0) {
            util_err(e, "the period bounds %lld..%lld ms are not multiples of --report.step",
                     (long long)start, (long long)end);
            goto out;
        } else if (pq_bad_steps(io->pc, slo, start, end, io->step_ms, &accs, &nacc, e) != 0) {
            goto out;
        }
    }
    for (size_t gi = 0; gi < period.n; gi++) {
        const struct backend_counts *c = &period.g[gi].w[0];
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
            const struct backend_counts *dc = group_counts(&days[i], &r->group);

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
        backend_answer_free(&days[i]);
    free(days);
    free(d);
    backend_answer_free(&period);
    accs_free(accs, nacc);
    free(bounds);
    free(dates);
    return rc;
}

int reportfetch_run(const struct config *cfg, int64_t step_ms, struct report *rep,
                    struct err *e)
{
    struct slo_io io;
    struct err le = {{0}};
    int rc = -1;

    memset(&io, 0, sizeof(io));
    io.step_ms = step_ms;
    io.be = backend_new(cfg, e);
    if (io.be == NULL)
        return -1;
    if (cfg->prometheus.mode == CONFIG_MODE_REMOTE_READ)
        io.rc = remote_read_client_new(&cfg->prometheus,
                                       cfg->prometheus.read_samples
                                           ? REMOTE_READ_ACCEPT_SAMPLES
                                           : REMOTE_READ_ACCEPT_CHUNKS,
                                       e);
    else
        io.pc = promql_client_new(&cfg->prometheus, e);
    if (io.rc == NULL && io.pc == NULL)
        goto out;
    for (size_t i = 0; i < cfg->nslos; i++) {
        backend_new_round(io.be);
        if (fetch_slo(&io, &cfg->slos[i], rep, &le) != 0) {
            util_err(e, "SLO %s: %s", cfg->slos[i].name, le.msg);
            goto out;
        }
    }
    rc = 0;
out:
    promql_client_free(io.pc);
    remote_read_client_free(io.rc);
    backend_free(io.be);
    return rc;
}
