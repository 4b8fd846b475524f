/*
 * counter: exact increments and slice verdicts from raw samples.
 */
#include "counter.h"

#include <math.h>
#include <string.h>

#include "util.h"

int counter_is_stale(double v)
{
    uint64_t bits;

    memcpy(&bits, &v, sizeof(bits));
    return bits == COUNTER_STALE_BITS;
}

int counter_next(struct counter_series *s, int64_t t_ms, double v, double *inc)
{
    if (counter_is_stale(v))
        return 0;
    if (!isfinite(v) || v < 0)
        return -1;
    if (s->has && t_ms <= s->last_t)
        return 0;
    if (!s->has) {
        s->has = 1;
        s->last_t = t_ms;
        s->last_v = v;
        return 0;
    }
    /* A drop is a reset: the counter started again from zero, so all of the
     * new value is new events. */
    *inc = v >= s->last_v ? v - s->last_v : v;
    s->last_t = t_ms;
    s->last_v = v;
    return 1;
}

double counter_slice_subject(int age, int64_t t_ms, double v)
{
    return age ? (double)t_ms / 1000.0 - v : v;
}

int counter_slice_ok(enum config_cmp op, double x, double value)
{
    if (isnan(x))
        return 0;
    switch (op) {
    case CONFIG_CMP_LT:
        return x < value;
    case CONFIG_CMP_LE:
        return x <= value;
    case CONFIG_CMP_GT:
        return x > value;
    case CONFIG_CMP_GE:
        return x >= value;
    case CONFIG_CMP_EQ:
        return x == value;
    case CONFIG_CMP_NE:
        return x != value;
    }
    return 0;
}

int64_t counter_slice_of(int64_t t_ms, int64_t slice_ms)
{
    return util_floor_div(t_ms - 1, slice_ms);
}

void counter_slicer_begin(struct counter_slicer *s, const struct config_sli_timeslice *ts,
                          unsigned char *v, int64_t k0, size_t nk)
{
    s->ts = ts;
    s->v = v;
    s->k0 = k0;
    s->nk = nk;
    s->cur = -1;
    s->cur_t = 0;
    s->cur_x = 0;
}

static void judge(struct counter_slicer *s)
{
    unsigned char *v = &s->v[s->cur];
    double x = counter_slice_subject(s->ts->age, s->cur_t, s->cur_x);

    if (!counter_slice_ok(s->ts->op, x, s->ts->value))
        *v = COUNTER_SLICE_BAD;
    else if (*v == COUNTER_SLICE_EMPTY)
        *v = COUNTER_SLICE_GOOD;
}

void counter_slicer_add(struct counter_slicer *s, int64_t t_ms, double x)
{
    int64_t k = counter_slice_of(t_ms, s->ts->slice_ms) - s->k0;

    if (k < 0 || k >= (int64_t)s->nk || counter_is_stale(x))
        return;
    if (k != s->cur && s->cur >= 0)
        judge(s);
    s->cur = k;
    s->cur_t = t_ms;
    s->cur_x = x;
}

void counter_slicer_end(struct counter_slicer *s)
{
    if (s->cur >= 0)
        judge(s);
    s->cur = -1;
}
