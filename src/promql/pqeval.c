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
        /* The sidecar's own sum by () gives one series per group and window:
         * a second one is a malformed answer (a fan-out proxy in front of an
         * HA pair sending both), never something to add up. */
        if (p->seen[q->part][wi] && q->window < 0)
            return util_err(e,
                            "SLO %s: the %s query returned two series for window %s%s; "
                            "refusing the malformed answer (a proxy merging replicas?)",
                            slo->name, part_name(q->part), w[wi].name,
                            slo->ngroup_by > 0 ? " and one group" : "");
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

/* One subquery's answer into t: a value per series and step end. */
static int absorb_range(const struct config_slo *slo, const struct sliquery *q,
                        const struct promql_result *r, const struct slo_window *w, struct tally *t,
                        struct err *e)
{
    unsigned char *done;
    int rc = -1;

    if (q->window >= 0 && slo->ngroup_by == 0 && r->nseries > 1)
        return util_err(e,
                        "SLO %s: the %s query returned %zu series; it must return one "
                        "(wrap it in sum())",
                        slo->name, part_name(q->part), r->nseries);
    done = calloc(t->n + 1, 1);
    if (done == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < r->nseries; i++) {
        const struct promql_series *s = &r->series[i];
        const char *win = labels_get(&s->labels, SLIQUERY_WINDOW_LABEL);
        struct labels g;
        long gi;

        if (q->window < 0 && (win == NULL || strcmp(win, w->name) != 0)) {
            rc = util_err(e, "SLO %s: answer without a known %s label", slo->name,
                          SLIQUERY_WINDOW_LABEL);
            goto out;
        }
        if (answer_group_of(slo, &s->labels, &g) != 0) {
            rc = util_err(e, "out of memory");
            goto out;
        }
        gi = tally_group(t, &g);
        labels_free(&g);
        if (gi == -1) {
            rc = util_err(e, "out of memory");
            goto out;
        }
        if (gi == TALLY_NONE)
            continue;
        /* One series per group (pqeval_slo says why); the tally is closed,
         * so its groups are all there is. */
        if (q->window < 0 && (size_t)gi < t->n) {
            if (done[gi]) {
                rc = util_err(e,
                              "SLO %s: the %s query returned two series for window %s%s; "
                              "refusing the malformed answer (a proxy merging replicas?)",
                              slo->name, part_name(q->part), w->name,
                              slo->ngroup_by > 0 ? " and one group" : "");
                goto out;
            }
            done[gi] = 1;
        }
        for (size_t k = 0; k < s->n; k++) {
            const struct promql_point *pt = &s->p[k];

            if ((pt->t_ms - t->from_ms) % t->step_ms != 0) {
                rc = util_err(e,
                              "SLO %s: the %s query answered a point at %lld ms, off the "
                              "%lld ms step grid",
                              slo->name, part_name(q->part), (long long)pt->t_ms,
                              (long long)t->step_ms);
                goto out;
            }
            if (!isfinite(pt->v)) {
                rc = util_err(e,
                              "SLO %s: the %s query returned %s at %lld ms; refusing a "
                              "non-finite count",
                              slo->name, part_name(q->part),
                              isnan(pt->v) ? "NaN" : "an infinite value", (long long)pt->t_ms);
                goto out;
            }
            tally_add(t, gi, q->part, pt->t_ms, pt->v);
        }
    }
    rc = 0;
out:
    free(done);
    return rc;
}

int pqeval_tally(struct promql_client *c, const struct config_slo *slo, struct tally *t,
                 struct err *e)
{
    struct slo_window w;
    struct sliquery *q = NULL;
    size_t nq = 0;
    struct promql_result r;
    char span[32], step[32];
    int64_t to = t->from_ms + (int64_t)t->nsteps * t->step_ms;
    int rc = -1;

    memset(&w, 0, sizeof(w));
    w.ms = t->step_ms;
    if (t->from_ms % t->step_ms != 0 ||
        util_duration_format(t->step_ms, w.name, sizeof(w.name)) != 0 ||
        util_duration_format(to - t->from_ms, span, sizeof(span)) != 0 ||
        util_duration_format(t->step_ms, step, sizeof(step)) != 0)
        return util_err(e, "SLO %s: a span of %zu steps of %lld ms cannot be asked for", slo->name,
                        t->nsteps, (long long)t->step_ms);
    promql_result_init(&r);
    if (sliquery_build(slo, &w, 1, &q, &nq, e) != 0)
        return -1;
    for (size_t i = 0; i < nq; i++) {
        char *text = util_asprintf("(%s)[%s:%s]", q[i].text, span, step);

        if (text == NULL) {
            util_err(e, "out of memory");
            goto out;
        }
        rc = promql_query_matrix(c, text, to, NULL, &r, e);
        free(text);
        if (rc != 0 || absorb_range(slo, &q[i], &r, &w, t, e) != 0) {
            rc = -1;
            goto out;
        }
        promql_result_free(&r);
    }
    rc = 0;
out:
    promql_result_free(&r);
    sliquery_free(q, nq);
    return rc;
}
