/*
 * exacttally: raw samples into a tally. See exacttally.h.
 */
#include "exacttally.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "counter.h"
#include "exactread.h"
#include "util.h"

struct reading {
    struct tally *t;
    struct exactread *rd;
    long *pos;        /* tally group of each exactread group */
    long (*first)[3]; /* per exactread group and part: its first step with an event */
    size_t npos;
};

static int on_group(void *arg, size_t gi, const struct labels *l, struct err *e)
{
    struct reading *r = arg;
    long p;

    if (gi >= r->npos) {
        size_t cap = r->npos ? r->npos * 2 : 8;
        long *n;
        long(*f)[3];

        while (cap <= gi)
            cap *= 2;
        n = realloc(r->pos, cap * sizeof(*n));
        if (n == NULL)
            return util_err(e, "out of memory");
        r->pos = n;
        f = realloc(r->first, cap * sizeof(*f));
        if (f == NULL)
            return util_err(e, "out of memory");
        r->first = f;
        r->npos = cap;
    }
    for (int part = 0; part < 3; part++)
        r->first[gi][part] = LONG_MAX;
    p = tally_group(r->t, l);
    if (p == -1)
        return util_err(e, "out of memory");
    r->pos[gi] = p;
    return 0;
}

static int on_event(void *arg, size_t qi, size_t gi, int64_t t, int64_t prev_t, double inc,
                    struct err *e)
{
    struct reading *r = arg;
    enum answer_part part = exactread_part(r->rd, qi);
    long k = tally_step(r->t, t);

    (void)prev_t;
    (void)e;
    tally_add(r->t, r->pos[gi], part, t, inc);
    if (k >= 0 && r->pos[gi] >= 0 && k < r->first[gi][part])
        r->first[gi][part] = k;
    return 0;
}

static const struct exactread_sink tally_sink = {on_group, NULL, on_event};

/*
 * A part of a group is answered from its first event on, even where it
 * counts nothing, as a state holds a group from its first series on.
 */
static void mark_seen(struct reading *r)
{
    for (size_t gi = 0; gi < exactread_ngroups(r->rd); gi++)
        for (int p = 0; p < 3; p++)
            if (r->first[gi][p] != LONG_MAX)
                tally_seen(r->t, r->pos[gi], (enum answer_part)p, r->first[gi][p]);
}

/* Good slices by their start (as the exact state files them); every group answered. */
static void add_slices(struct reading *r, const struct exactread_verdicts *v, int64_t slice_ms)
{
    for (size_t gi = 0; gi < exactread_ngroups(r->rd); gi++) {
        const unsigned char *vv = gi < v->nv ? v->v[gi] : NULL;

        tally_seen(r->t, r->pos[gi], ANSWER_GOOD, -1);
        for (size_t i = 0; vv != NULL && i < v->nk; i++)
            if (vv[i] == COUNTER_SLICE_GOOD)
                tally_add(r->t, r->pos[gi], ANSWER_GOOD, (v->k0 + (int64_t)i) * slice_ms + 1, 1);
    }
}

int exacttally_read(struct rawsrc *src, const struct config_slo *slo, struct tally *t,
                    struct err *e)
{
    int64_t to = t->from_ms + (int64_t)t->nsteps * t->step_ms;
    struct reading r;
    int rc = -1;

    memset(&r, 0, sizeof(r));
    r.t = t;
    r.rd = exactread_new(slo, NULL);
    if (r.rd == NULL)
        return util_err(e, "out of memory");
    if (slo->ngroup_by == 0) {
        struct labels none;
        size_t gi;

        labels_init(&none);
        if (exactread_group_add(r.rd, &none, &gi, &tally_sink, &r, e) != 0)
            goto out;
    }
    if (slo->kind == CONFIG_SLI_TIMESLICE) {
        int64_t s = slo->timeslice.slice_ms;
        int64_t k0 = -util_floor_div(-t->from_ms, s);
        int64_t k1 = util_floor_div(to, s); /* one past the last whole slice */
        struct exactread_verdicts v;

        memset(&v, 0, sizeof(v));
        if (exactread_slices(r.rd, src, k0, k1 > k0 ? (size_t)(k1 - k0) : 0, &tally_sink, &r, &v,
                             e) != 0)
            goto out;
        add_slices(&r, &v, s);
        exactread_verdicts_free(&v);
    } else {
        if (exactread_counters(r.rd, src, t->from_ms - EXACTREAD_LOOKBACK_MS, to, &tally_sink, &r,
                               e) != 0)
            goto out;
        mark_seen(&r);
    }
    rc = 0;
out:
    free(r.pos);
    free(r.first);
    exactread_free(r.rd);
    return rc;
}
