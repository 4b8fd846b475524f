/*
 * pqeval: promql mode's aggregate queries for one SLO. See pqeval.h.
 */
#include "pqeval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sliquery.h"
#include "util.h"

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

static const char *part_name(enum answer_part p)
{
    return p == ANSWER_GOOD ? "good" : p == ANSWER_BAD ? "error" : "total";
}

static int absorb(const struct config_slo *slo, const struct sliquery *q,
                  const struct promql_result *r, const struct slo_window *w, size_t nw,
                  struct answer_partials *ps, struct err *e)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct promql_sample *s = &r->v[i];
        int wi = q->window >= 0 ? q->window : window_of(s, w, nw);
        struct answer_partial *p;
        struct labels g;
        long pi;

        if (wi < 0)
            return util_err(e, "SLO %s: answer without a known %s label", slo->name,
                            SLIQUERY_WINDOW_LABEL);
        if (!isfinite(s->value))
            return util_err(e,
                            "SLO %s: the %s query returned %s for window %s; refusing a "
                            "non-finite count",
                            slo->name, part_name(q->part),
                            isnan(s->value) ? "NaN" : "an infinite value", w[wi].name);
        if (answer_group_of(slo, &s->labels, &g) != 0)
            return util_err(e, "out of memory");
        pi = answer_partial_get(ps, &g);
        labels_free(&g);
        if (pi < 0)
            return util_err(e, "out of memory");
        p = &ps->p[pi];
        if (p->seen[q->part][wi] && q->window >= 0 && slo->ngroup_by == 0)
            return util_err(e,
                            "SLO %s: the %s query returned %zu series; it must return one "
                            "(wrap it in sum())",
                            slo->name, part_name(q->part), r->n);
        p->v[q->part][wi] += s->value;
        p->seen[q->part][wi] = 1;
    }
    return 0;
}

int pqeval_slo(struct promql_client *c, const struct config_slo *slo, int64_t at_ms,
               const struct slo_window *w, size_t nw, struct answer_partials *ps, struct err *e)
{
    struct sliquery *q = NULL;
    size_t nq = 0;
    struct promql_result r;
    int rc = -1;

    promql_result_init(&r);
    if (sliquery_build(slo, w, nw, &q, &nq, e) != 0)
        return -1;
    for (size_t i = 0; i < nq; i++) {
        if (promql_query(c, q[i].text, at_ms, &r, e) != 0)
            goto out;
        /* A free promql SLI may answer with a scalar: one ungrouped value. */
        if (r.is_scalar && (q[i].window < 0 || slo->ngroup_by > 0)) {
            util_err(e,
                     "SLO %s: the %s query returned a scalar where a vector was "
                     "expected",
                     slo->name, part_name(q[i].part));
            goto out;
        }
        if (absorb(slo, &q[i], &r, w, nw, ps, e) != 0)
            goto out;
        promql_result_free(&r);
    }
    rc = 0;
out:
    promql_result_free(&r);
    sliquery_free(q, nq);
    return rc;
}
