/*
 * tally: counts per group, part and step. See tally.h.
 */
#include "tally.h"

#include <stdlib.h>
#include <string.h>

#include "seriesmap.h"
#include "util.h"

int tally_init(struct tally *t, int64_t from_ms, int64_t step_ms, size_t nsteps)
{
    memset(t, 0, sizeof(*t));
    if (step_ms <= 0 || nsteps == 0 || nsteps > TALLY_MAX_STEPS)
        return -1;
    t->from_ms = from_ms;
    t->step_ms = step_ms;
    t->nsteps = nsteps;
    t->index = seriesmap_new();
    return t->index == NULL ? -1 : 0;
}

static void group_free(struct tally_group *g)
{
    for (int p = 0; p < 3; p++) {
        free(g->v[p]);
        free(g->seen[p]);
    }
}

void tally_free(struct tally *t)
{
    for (size_t i = 0; i < t->n; i++)
        group_free(&t->g[i]);
    free(t->g);
    seriesmap_free(t->index);
    memset(t, 0, sizeof(*t));
}

long tally_group(struct tally *t, const struct labels *g)
{
    size_t idx;
    struct tally_group *ng, *x;
    int added = t->closed ? 0 : seriesmap_get(t->index, g, 0, &idx);

    if (t->closed) {
        long at = seriesmap_find(t->index, g);

        return at >= 0 ? at : TALLY_NONE;
    }
    if (added < 0)
        return -1;
    if (added == 0)
        return (long)idx;
    /* The map numbers its entries 0, 1, ...: idx is t->n. */
    ng = realloc(t->g, (t->n + 1) * sizeof(*ng));
    if (ng == NULL)
        goto undo;
    t->g = ng;
    x = &t->g[t->n];
    memset(x, 0, sizeof(*x));
    for (int p = 0; p < 3; p++) {
        x->v[p] = calloc(t->nsteps, sizeof(double));
        x->seen[p] = calloc(t->nsteps, 1);
        if (x->v[p] == NULL || x->seen[p] == NULL) {
            group_free(x);
            goto undo;
        }
    }
    return (long)t->n++;
undo:
    /* The map cannot forget one entry: rebuild it from the groups kept. */
    {
        struct seriesmap *m = seriesmap_new();

        for (size_t i = 0; m != NULL && i < t->n; i++) {
            size_t j;

            if (seriesmap_get(m, seriesmap_labels(t->index, i), 0, &j) < 0) {
                seriesmap_free(m);
                m = NULL;
            }
        }
        seriesmap_free(t->index);
        t->index = m;
    }
    return -1;
}

void tally_close(struct tally *t)
{
    t->closed = 1;
}

const struct labels *tally_labels(const struct tally *t, long gi)
{
    return seriesmap_labels(t->index, (size_t)gi);
}

long tally_step(const struct tally *t, int64_t t_ms)
{
    int64_t k;

    if (t_ms <= t->from_ms)
        return -1;
    k = (t_ms - t->from_ms - 1) / t->step_ms;
    return k < (int64_t)t->nsteps ? (long)k : -1;
}

void tally_add(struct tally *t, long gi, enum answer_part part, int64_t t_ms, double v)
{
    long k = tally_step(t, t_ms);

    if (k < 0 || gi < 0 || (size_t)gi >= t->n)
        return;
    t->g[gi].v[part][k] += v;
    t->g[gi].seen[part][k] = 1;
}

void tally_seen(struct tally *t, long gi, enum answer_part part, long k)
{
    if (gi < 0 || (size_t)gi >= t->n || k >= (long)t->nsteps)
        return;
    if (k < 0)
        k = 0;
    memset(t->g[gi].seen[part] + k, 1, t->nsteps - (size_t)k);
}

int tally_partials(const struct tally *t, int64_t at_ms, const struct slo_window *w, size_t nw,
                   struct answer_partials *ps, struct err *e)
{
    int64_t end = at_ms - t->from_ms;

    if (nw > SLO_MAX_WINDOWS || end <= 0 || end % t->step_ms != 0 ||
        end / t->step_ms > (int64_t)t->nsteps)
        return util_err(e, "tally: %lld ms is not a step's end", (long long)at_ms);
    for (size_t k = 0; k < nw; k++)
        if (w[k].ms <= 0 || w[k].ms % t->step_ms != 0 || w[k].ms > end)
            return util_err(e, "tally: window %s is not whole steps within the span", w[k].name);
    for (size_t gi = 0; gi < t->n; gi++) {
        const struct tally_group *g = &t->g[gi];
        long pi = answer_partial_get(ps, tally_labels(t, (long)gi));
        struct answer_partial *p;

        if (pi < 0)
            return util_err(e, "out of memory");
        p = &ps->p[pi];
        for (size_t k = 0; k < nw; k++) {
            size_t last = (size_t)(end / t->step_ms);
            size_t first = last - (size_t)(w[k].ms / t->step_ms);

            for (int part = 0; part < 3; part++)
                for (size_t s = first; s < last; s++) {
                    p->v[part][k] += g->v[part][s];
                    p->seen[part][k] |= g->seen[part][s];
                }
        }
    }
    return 0;
}
