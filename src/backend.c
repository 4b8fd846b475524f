/*
 * backend: promql mode. Runs the queries sliquery builds for an SLO at one
 * instant and folds the answers into good/bad/total per group and window.
 *
 * Missing answers mean different things per part: no error (or good) series
 * means zero such events, but no total series means no data, and a latency
 * bucket that is absent while _count has data means the threshold is not a
 * bucket bound, which is a configuration error, not a zero.
 */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promql.h"
#include "rrbackend.h"
#include "selector.h"
#include "sliquery.h"
#include "util.h"

struct backend {
    const struct config *cfg;
    struct promql_client *promql;   /* mode promql */
    struct rrbackend *rr;           /* mode remote_read */
    int up;
};


struct backend *backend_new(const struct config *cfg, struct err *e)
{
    struct backend *b;

    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    b->cfg = cfg;
    if (cfg->prometheus.mode == CONFIG_MODE_REMOTE_READ)
        b->rr = rrbackend_new(cfg, e);
    else
        b->promql = promql_client_new(&cfg->prometheus, e);
    if (b->promql == NULL && b->rr == NULL) {
        free(b);
        return NULL;
    }
    b->up = 1;
    return b;
}

void backend_free(struct backend *b)
{
    if (b == NULL)
        return;
    promql_client_free(b->promql);
    rrbackend_free(b->rr);
    free(b);
}

int backend_keep_state(struct backend *b, struct err *e)
{
    if (b->rr != NULL && rrbackend_keep_state(b->rr) != 0)
        return util_err(e, "out of memory");
    return 0;
}

int backend_save_state(struct backend *b, const char *path, struct err *e)
{
    return b->rr != NULL ? rrbackend_save_state(b->rr, path, e) : 0;
}

int backend_load_state(struct backend *b, const char *path, struct err *e)
{
    return b->rr != NULL ? rrbackend_load_state(b->rr, path, e) : 0;
}

int backend_take_state(struct backend *b, struct backend *from, struct err *e)
{
    if (b->rr == NULL || from == NULL || from->rr == NULL)
        return 0;
    return rrbackend_take_state(b->rr, from->rr, e);
}

int backend_unreachable(const struct backend *b)
{
    return b->rr != NULL ? rrbackend_unreachable(b->rr) : promql_client_unreachable(b->promql);
}

int backend_up(const struct backend *b)
{
    return b->up;
}

void backend_new_round(struct backend *b)
{
    if (b->rr != NULL)
        rrbackend_new_round(b->rr);
    else
        promql_client_new_round(b->promql);
}

uint64_t backend_retries(const struct backend *b)
{
    return b->rr != NULL ? rrbackend_retries(b->rr) : promql_client_retries(b->promql);
}

void backend_answer_free(struct backend_answer *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        labels_free(&a->g[i].group);
    free(a->g);
    a->g = NULL;
    a->n = 0;
}

void backend_partials_free(struct backend_partial *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        labels_free(&p[i].group);
    free(p);
}

/* Finds or adds the partial for group labels g. */
struct backend_partial *backend_partial_get(struct backend_partial **p, size_t *n, const struct labels *g)
{
    struct backend_partial *np;

    for (size_t i = 0; i < *n; i++)
        if (labels_cmp(&(*p)[i].group, g) == 0)
            return &(*p)[i];
    np = realloc(*p, (*n + 1) * sizeof(**p));
    if (np == NULL)
        return NULL;
    *p = np;
    memset(&np[*n], 0, sizeof(np[*n]));
    if (labels_copy(&np[*n].group, g) != 0)
        return NULL;
    return &np[(*n)++];
}

/* The group of a sample: its labels among group_by (others are dropped). */
int backend_group_of(const struct config_slo *slo, const struct labels *l, struct labels *g)
{
    labels_init(g);
    for (size_t i = 0; i < slo->ngroup_by; i++) {
        const char *v = labels_get(l, slo->group_by[i]);

        if (v != NULL && *v != '\0' && labels_set(g, slo->group_by[i], v) != 0) {
            labels_free(g);
            return -1;
        }
    }
    return 0;
}

static int window_of(const struct promql_sample *s, const struct slo_window *w, size_t nw)
{
    const char *name = labels_get(&s->labels, SLIQUERY_WINDOW_LABEL);

    if (name == NULL)
        return -1;
    for (size_t i = 0; i < nw; i++)
        if (strcmp(w[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const char *part_name(enum sliquery_part p)
{
    return p == SLIQUERY_GOOD ? "good" : p == SLIQUERY_BAD ? "error" : "total";
}

static int absorb(const struct config_slo *slo, const struct sliquery *q,
                  const struct promql_result *r, const struct slo_window *w, size_t nw,
                  struct backend_partial **parts, size_t *nparts, struct err *e)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct promql_sample *s = &r->v[i];
        int wi = q->window >= 0 ? q->window : window_of(s, w, nw);
        struct labels g;
        struct backend_partial *p;

        if (wi < 0)
            return util_err(e, "SLO %s: answer without a known %s label", slo->name,
                            SLIQUERY_WINDOW_LABEL);
        if (!isfinite(s->value))
            return util_err(e, "SLO %s: the %s query returned %s for window %s; refusing a "
                               "non-finite count", slo->name, part_name(q->part),
                            isnan(s->value) ? "NaN" : "an infinite value", w[wi].name);
        if (backend_group_of(slo, &s->labels, &g) != 0)
            return util_err(e, "out of memory");
        p = backend_partial_get(parts, nparts, &g);
        labels_free(&g);
        if (p == NULL)
            return util_err(e, "out of memory");
        if (p->seen[q->part][wi] && q->window >= 0 && slo->ngroup_by == 0)
            return util_err(e, "SLO %s: the %s query returned %zu series; it must return one "
                               "(wrap it in sum())", slo->name, part_name(q->part), r->n);
        p->v[q->part][wi] += s->value;
        p->seen[q->part][wi] = 1;
    }
    return 0;
}

int backend_fold(const struct config_slo *slo, int64_t at_ms, const struct slo_window *w,
                size_t nw, struct backend_partial *parts, size_t nparts, struct backend_answer *out,
                struct err *e)
{
    int timeslice = slo->kind == CONFIG_SLI_TIMESLICE;
    int good_based = slo->kind == CONFIG_SLI_LATENCY || timeslice ||
                     (slo->kind == CONFIG_SLI_EVENTS && slo->events.good_sel != NULL) ||
                     (slo->kind == CONFIG_SLI_PROMQL && slo->promql.good_query != NULL);
    enum sliquery_part num = good_based ? SLIQUERY_GOOD : SLIQUERY_BAD;

    out->g = calloc(nparts ? nparts : 1, sizeof(*out->g));
    if (out->g == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < nparts; i++) {
        struct backend_partial *p = &parts[i];
        struct backend_group *g = &out->g[out->n];
        int any = 0;

        for (size_t k = 0; k < nw; k++) {
            struct backend_counts *c = &g->w[k];
            double total;

            if (timeslice) {
                total = (double)sliquery_slices(at_ms, w[k].ms, slo->timeslice.slice_ms);
            } else {
                if (!p->seen[SLIQUERY_TOTAL][k])
                    continue;
                total = p->v[SLIQUERY_TOTAL][k];
            }
            if (slo->kind == CONFIG_SLI_LATENCY && !p->seen[SLIQUERY_GOOD][k] && total > 0)
                return util_err(e, "SLO %s: no %s_bucket series with le=\"%g\" in window %s "
                                   "although %s_count has data; the threshold must equal one "
                                   "of the histogram's le bounds", slo->name,
                                slo->latency.histogram_sel->metric, slo->latency.threshold,
                                w[k].name, slo->latency.histogram_sel->metric);
            c->has = 1;
            c->total = total;
            if (num == SLIQUERY_GOOD) {
                c->good = p->seen[SLIQUERY_GOOD][k] ? p->v[SLIQUERY_GOOD][k] : 0;
                c->bad = total - c->good;
            } else {
                c->bad = p->seen[SLIQUERY_BAD][k] ? p->v[SLIQUERY_BAD][k] : 0;
                c->good = total - c->bad;
            }
            any = 1;
        }
        /* A group seen only in error series has no total: not an instance. */
        if (!any && slo->ngroup_by > 0)
            continue;
        g->group = p->group;
        labels_init(&p->group);
        out->n++;
    }
    return 0;
}

int backend_eval_slo(struct backend *b, const struct config_slo *slo, int64_t at_ms,
                     const struct slo_window *w, size_t nw, struct backend_answer *out,
                     struct err *e)
{
    struct sliquery *q = NULL;
    size_t nq = 0;
    struct backend_partial *parts = NULL;
    size_t nparts = 0;
    struct promql_result r;
    int rc = -1;

    out->n = 0;
    out->g = NULL;
    promql_result_init(&r);
    if (b->promql != NULL && sliquery_build(slo, w, nw, &q, &nq, e) != 0)
        goto out;
    if (slo->ngroup_by == 0) {
        struct labels none;

        labels_init(&none);
        if (backend_partial_get(&parts, &nparts, &none) == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
    }
    if (b->rr != NULL) {
        int rc_rr = rrbackend_eval_slo(b->rr, slo, at_ms, w, nw, &parts, &nparts, e);

        b->up = rrbackend_up(b->rr);
        if (rc_rr != 0)
            goto out;
    }
    for (size_t i = 0; i < nq; i++) {
        if (promql_query(b->promql, q[i].text, at_ms, &r, e) != 0) {
            b->up = 0;
            goto out;
        }
        b->up = 1;
        if (r.is_scalar) {
            /* A free promql SLI may answer with a scalar: one ungrouped value. */
            if (q[i].window < 0 || slo->ngroup_by > 0) {
                util_err(e, "SLO %s: the %s query returned a scalar where a vector was "
                            "expected", slo->name, part_name(q[i].part));
                goto out;
            }
        }
        if (absorb(slo, &q[i], &r, w, nw, &parts, &nparts, e) != 0)
            goto out;
        promql_result_free(&r);
    }
    if (backend_fold(slo, at_ms, w, nw, parts, nparts, out, e) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        backend_answer_free(out);
    promql_result_free(&r);
    backend_partials_free(parts, nparts);
    sliquery_free(q, nq);
    return rc;
}
