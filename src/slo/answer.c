/*
 * answer: partial sums per group and their fold into an answer. See
 * answer.h.
 *
 * Missing counts mean different things per part: no error (or good) series
 * means zero such events, but no total series means no data, and a latency
 * bucket that is absent while _count has data means the threshold is not a
 * bucket bound, which is a configuration error, not a zero.
 */
#include "answer.h"

#include <stdlib.h>
#include <string.h>

#include "seriesmap.h"
#include "util.h"

void answer_free(struct answer *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->n; i++)
        labels_free(&a->g[i].group);
    free(a->g);
    a->g = NULL;
    a->n = 0;
}

void answer_partials_init(struct answer_partials *ps)
{
    memset(ps, 0, sizeof(*ps));
}

void answer_partials_free(struct answer_partials *ps)
{
    if (ps == NULL)
        return;
    for (size_t i = 0; i < ps->n; i++)
        labels_free(&ps->p[i].group);
    free(ps->p);
    seriesmap_free(ps->index);
    answer_partials_init(ps);
}

long answer_partial_get(struct answer_partials *ps, const struct labels *g)
{
    size_t idx;
    int added;

    if (ps->index == NULL && (ps->index = seriesmap_new()) == NULL)
        return -1;
    added = seriesmap_get(ps->index, g, 0, &idx);
    if (added < 0)
        return -1;
    if (added == 0)
        return (long)idx;
    /* The map numbers entries 0, 1, ... in order: idx is ps->n. */
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 4;
        struct answer_partial *np = realloc(ps->p, cap * sizeof(*np));

        if (np == NULL)
            goto undo;
        ps->p = np;
        ps->cap = cap;
    }
    memset(&ps->p[ps->n], 0, sizeof(ps->p[ps->n]));
    if (labels_copy(&ps->p[ps->n].group, g) != 0)
        goto undo;
    return (long)ps->n++;
undo:
    /* The map cannot forget one entry: start it again from the partials. */
    seriesmap_free(ps->index);
    ps->index = NULL;
    return -1;
}

int answer_group_of(const struct config_slo *slo, const struct labels *l, struct labels *g)
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

enum answer_part answer_numerator(const struct config_slo *slo)
{
    switch (slo->kind) {
    case CONFIG_SLI_EVENTS:
        return slo->events.good_sel != NULL ? ANSWER_GOOD : ANSWER_BAD;
    case CONFIG_SLI_PROMQL:
        return slo->promql.good_query != NULL ? ANSWER_GOOD : ANSWER_BAD;
    case CONFIG_SLI_LATENCY:
    case CONFIG_SLI_TIMESLICE:
        break;
    }
    return ANSWER_GOOD;
}

int answer_fold(const struct config_slo *slo, int64_t at_ms, const struct slo_window *w, size_t nw,
                struct answer_partials *ps, struct answer *out, struct err *e)
{
    int timeslice = slo->kind == CONFIG_SLI_TIMESLICE;
    enum answer_part num = answer_numerator(slo);

    out->n = 0;
    out->g = calloc(ps->n ? ps->n : 1, sizeof(*out->g));
    if (out->g == NULL)
        return util_err(e, "out of memory");
    for (size_t i = 0; i < ps->n; i++) {
        struct answer_partial *p = &ps->p[i];
        struct answer_group *g = &out->g[out->n];
        int any = 0;

        for (size_t k = 0; k < nw; k++) {
            struct answer_counts *c = &g->w[k];
            double total;

            if (timeslice) {
                if (!p->seen[ANSWER_GOOD][k])
                    continue;
                total = (double)slo_slices(at_ms, w[k].ms, slo->timeslice.slice_ms);
            } else {
                if (!p->seen[ANSWER_TOTAL][k])
                    continue;
                total = p->v[ANSWER_TOTAL][k];
            }
            if (slo->kind == CONFIG_SLI_LATENCY && !p->seen[ANSWER_GOOD][k] && total > 0) {
                answer_free(out);
                return util_err(e,
                                "SLO %s: no %s_bucket series with le=\"%g\" in window %s "
                                "although %s_count has data; the threshold must equal one "
                                "of the histogram's le bounds",
                                slo->name, slo->latency.histogram_sel->metric,
                                slo->latency.threshold, w[k].name,
                                slo->latency.histogram_sel->metric);
            }
            c->has = 1;
            c->total = total;
            if (num == ANSWER_GOOD) {
                c->good = p->seen[ANSWER_GOOD][k] ? p->v[ANSWER_GOOD][k] : 0;
                c->bad = total - c->good;
            } else {
                c->bad = p->seen[ANSWER_BAD][k] ? p->v[ANSWER_BAD][k] : 0;
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
