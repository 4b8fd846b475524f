/*
 * apiread: raw samples through /api/v1/query. See apiread.h.
 *
 * Piece sizing: density is the largest number of samples per millisecond
 * one query of the last piece brought; the next piece is max_samples over
 * it, at least twice the last when the last was empty, rounded down to
 * whole spans of the alignment. Each query of a piece is one request.
 */
#include "apiread.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "promql.h"
#include "selector.h"
#include "util.h"

/* A refused piece is split at most this many times in a row. */
#define MAX_SPLITS 24

struct apiread {
    struct rawsrc src; /* first: the transport */
    const struct config_prometheus *cfg;
    struct promql_client *pc;
    size_t max_samples;
    double density; /* samples per ms of the run's densest query; 0:
                       unknown */
    struct apiread_stats st;
    char *texts[2];            /* selector text of each query of the run */
    struct rawsrc_sample *buf; /* one series' samples as delivered */
    size_t cap;
};

static const struct rawsrc_ops apiread_ops;

struct rawsrc *apiread_new(const struct config_prometheus *cfg, struct err *e)
{
    struct apiread *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    a->src.ops = &apiread_ops;
    a->cfg = cfg;
    a->max_samples = cfg->read_max_samples ? cfg->read_max_samples
                                           : CONFIG_DEFAULT_READ_MAX_SAMPLES;
    a->pc = promql_client_new(cfg, e);
    if (a->pc == NULL) {
        free(a);
        return NULL;
    }
    /* Compressing costs the store CPU per sample, for bytes that mostly cross
     * a loopback or pod network: raw samples come plain. */
    if (promql_client_set_compression(a->pc, 0) != 0) {
        util_err(e, "libcurl: cannot turn off compression");
        promql_client_free(a->pc);
        free(a);
        return NULL;
    }
    return &a->src;
}

static void ar_free(struct rawsrc *src)
{
    struct apiread *a = (struct apiread *)src;

    promql_client_free(a->pc);
    free(a->buf);
    free(a);
}

void apiread_get_stats(const struct rawsrc *src, struct apiread_stats *st)
{
    *st = ((const struct apiread *)src)->st;
}

void apiread_set_max_samples(struct rawsrc *src, size_t max_samples)
{
    ((struct apiread *)src)->max_samples = max_samples ? max_samples : 1;
}

static int ar_unreachable(const struct rawsrc *src)
{
    return promql_client_unreachable(((const struct apiread *)src)->pc);
}

static uint64_t ar_retries(const struct rawsrc *src)
{
    return promql_client_retries(((const struct apiread *)src)->pc);
}

static void ar_new_round(struct rawsrc *src)
{
    promql_client_new_round(((struct apiread *)src)->pc);
}

/*
 * 1 when a failed query was refused for its size, so a smaller piece may
 * pass: an answer over our cap; a 422 about too many samples (Prometheus
 * --query.max-samples, VictoriaMetrics' -search.max* limits, Mimir); or
 * VictoriaMetrics' per-series limit ("cannot process more than N samples
 * per series"), reported after a 200.
 */
static int refused_for_size(const struct apiread *a, const char *msg)
{
    static const char *const words[] = {"too many", "more than", "exceed", "limit"};

    if (promql_client_last_too_big(a->pc) || strstr(msg, "samples per series") != NULL)
        return 1;
    if (promql_client_last_status(a->pc) != 422)
        return 0;
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strstr(msg, words[i]) != NULL)
            return 1;
    return 0;
}

static int cmp_series(const void *x, const void *y)
{
    const struct promql_series *a = *(const struct promql_series *const *)x;
    const struct promql_series *b = *(const struct promql_series *const *)y;

    return labels_cmp(&a->labels, &b->labels);
}

/*
 * Checks one answer of query qi: distinct series, strictly increasing
 * times. Drops the samples before start in place (Prometheus 2 includes
 * T - D), and counts the rest into *n.
 */
static int check_answer(const struct apiread *a, size_t qi, struct promql_result *r, int64_t start,
                        size_t *n, struct err *e)
{
    const struct promql_series **idx;

    *n = 0;
    for (size_t i = 0; i < r->nseries; i++) {
        struct promql_series *s = &r->series[i];
        size_t k = 0;

        for (size_t j = 0; j < s->n; j++) {
            if (j > 0 && s->p[j].t_ms <= s->p[j - 1].t_ms)
                return util_err(e,
                                "api_read: %s answered samples out of order or duplicated "
                                "(%lld ms after %lld ms) for a series of %s; not used",
                                a->cfg->url, (long long)s->p[j].t_ms, (long long)s->p[j - 1].t_ms,
                                a->texts[qi]);
            if (s->p[j].t_ms >= start)
                s->p[k++] = s->p[j];
        }
        s->n = k;
        *n += k;
    }
    if (r->nseries < 2)
        return 0;
    idx = malloc(r->nseries * sizeof(const struct promql_series *));
    if (idx == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < r->nseries; i++)
        idx[i] = &r->series[i];
    qsort(idx, r->nseries, sizeof(const struct promql_series *), cmp_series);
    for (size_t i = 1; i < r->nseries; i++)
        if (labels_cmp(&idx[i - 1]->labels, &idx[i]->labels) == 0) {
            free(idx);
            return util_err(e, "api_read: %s answered the same series twice for %s; not used",
                            a->cfg->url, a->texts[qi]);
        }
    free(idx);
    return 0;
}

/*
 * Reads [from, to] of query qi into r. 0; 1 when the store refused it for
 * its size (e holds why); -1 on any other failure.
 */
static int read_one(struct apiread *a, size_t qi, int64_t from, int64_t to,
                    struct promql_result *r, size_t *n, struct err *e)
{
    long long range = (long long)to - (long long)from + 1;
    char *query = util_asprintf("%s[%lldms]", a->texts[qi], range);
    int rc;

    if (query == NULL)
        return util_err(e, "out of memory");
    a->st.queries++;
    rc = promql_query_matrix(a->pc, query, to, "max_source_resolution=0s", r, e);
    free(query);
    if (rc != 0)
        return refused_for_size(a, e->msg) ? 1 : -1;
    return check_answer(a, qi, r, from, n, e);
}

/* Hands every series of r (query qi) to cb. */
static int deliver(struct apiread *a, size_t qi, const struct promql_result *r, rawsrc_cb cb,
                   void *arg, struct err *e)
{
    for (size_t i = 0; i < r->nseries; i++) {
        const struct promql_series *ps = &r->series[i];
        struct rawsrc_series s;

        if (ps->n > a->cap) {
            struct rawsrc_sample *n = realloc(a->buf, ps->n * sizeof(*n));

            if (n == NULL)
                return util_err(e, "out of memory");
            a->buf = n;
            a->cap = ps->n;
        }
        for (size_t k = 0; k < ps->n; k++) {
            a->buf[k].t_ms = ps->p[k].t_ms;
            a->buf[k].v = ps->p[k].v;
        }
        s.query = qi;
        s.labels = &ps->labels;
        s.s = a->buf;
        s.n = ps->n;
        a->st.samples += s.n;
        if (cb(arg, &s, e) != 0)
            return -1;
    }
    return 0;
}

static int64_t align_down(int64_t t, int64_t align)
{
    return align > 1 ? util_floor_div(t, align) * align : t;
}

/*
 * The last time of the piece that starts at from: about max_samples over
 * the density later, twice the last piece while nothing was seen, ending on
 * the alignment (a multiple of unit) or at to.
 */
static int64_t piece_end(const struct apiread *a, int64_t from, int64_t to, int64_t last,
                         int64_t unit)
{
    double want;
    int64_t end;

    if (a->density > 0)
        want = (double)a->max_samples / a->density;
    else
        want = last > 0 ? 2.0 * (double)last : (double)APIREAD_FIRST_PIECE_MS;
    if (want > (double)(to - from) + 1)
        return to;
    end = align_down(from + (int64_t)want - 1, unit);
    if (end < from)
        end = align_down(from - 1, unit) + unit;
    return end < to ? end : to;
}

static int ar_run(struct rawsrc *src, const struct rawsrc_query *q, size_t nq, rawsrc_cb cb,
                  void *arg, struct err *e)
{
    struct apiread *a = (struct apiread *)src;
    struct promql_result r[2];
    int64_t from = INT64_MAX, to = INT64_MIN, unit = 1, last = 0;
    int rc = -1;

    if (nq == 0)
        return 0;
    if (nq > 2)
        return util_err(e, "api_read: at most 2 queries per run, got %zu", nq);
    /* Densities belong to selectors: each run learns its own. What a store
     * refused (max_samples) is the store's, and stays. */
    a->density = 0;
    for (size_t i = 0; i < nq; i++)
        promql_result_init(&r[i]);
    for (size_t i = 0; i < nq; i++) {
        a->texts[i] = selector_format(q[i].sel, q[i].suffix, q[i].extra_name, q[i].extra_op,
                                      q[i].extra_value);
        if (a->texts[i] == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        if (q[i].start_ms < from)
            from = q[i].start_ms;
        if (q[i].end_ms > to)
            to = q[i].end_ms;
        if (q[i].align_ms > unit)
            unit = q[i].align_ms;
    }
    while (from <= to) {
        int64_t end = piece_end(a, from, to, last, unit);
        int splits = 0;
        size_t most = 0;

        for (size_t i = 0; i < nq;) {
            int64_t qf = q[i].start_ms > from ? q[i].start_ms : from;
            int64_t qt = q[i].end_ms < end ? q[i].end_ms : end;
            size_t n = 0;
            int got = qf > qt ? 0 : read_one(a, i, qf, qt, &r[i], &n, e);

            if (got < 0)
                goto out;
            if (got > 0) {
                int64_t half = align_down(from + (end - from + 1) / 2 - 1, unit);
                char why[UTIL_ERRLEN];

                a->st.splits++;
                if (half < from || ++splits > MAX_SPLITS ||
                    end - from + 1 <= APIREAD_MIN_PIECE_MS) {
                    /* The advice first: a store's reason can be long. */
                    snprintf(why, sizeof(why), "%s", e->msg);
                    util_err(e,
                             "api_read: the store refuses even %lld ms of samples at a "
                             "time (raise its limit, or lower read_max_samples): %s",
                             (long long)(end - from + 1), why);
                    goto out;
                }
                log_debug("api_read piece refused for its size; splitting", "err", e->msg);
                end = half;
                most = 0;
                for (size_t k = 0; k < nq; k++)
                    promql_result_free(&r[k]);
                i = 0;
                continue;
            }
            if (n > most)
                most = n;
            i++;
        }
        /* Every query of the piece arrived: only now does any series go out. */
        for (size_t i = 0; i < nq; i++) {
            if (deliver(a, i, &r[i], cb, arg, e) != 0)
                goto out;
            promql_result_free(&r[i]);
        }
        a->st.pieces++;
        last = end - from + 1;
        /* The store's limit lies below what was refused: aim at what passed. */
        if (splits > 0 && most > 0 && most < a->max_samples)
            a->max_samples = most;
        if (most > 0 && last >= APIREAD_MIN_PIECE_MS)
            a->density = (double)most / (double)last;
        else if (most == 0 && last >= APIREAD_FIRST_PIECE_MS)
            a->density = 0;
        if (end >= to)
            break;
        from = end + 1;
    }
    rc = 0;
out:
    for (size_t i = 0; i < nq; i++) {
        promql_result_free(&r[i]);
        free(a->texts[i]);
        a->texts[i] = NULL;
    }
    return rc;
}

static int ar_set_cancel(struct rawsrc *src, const atomic_int *flag)
{
    return promql_client_set_cancel(((struct apiread *)src)->pc, flag);
}

static const struct rawsrc_ops apiread_ops = {
    "api_read", ar_run, ar_unreachable, ar_retries, ar_new_round, ar_set_cancel, ar_free,
};
