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
    case CONFIG_CMP_LT: return x < value;
    case CONFIG_CMP_LE: return x <= value;
    case CONFIG_CMP_GT: return x > value;
    case CONFIG_CMP_GE: return x >= value;
    case CONFIG_CMP_EQ: return x == value;
    case CONFIG_CMP_NE: return x != value;
    }
    return 0;
}

int64_t counter_slice_of(int64_t t_ms, int64_t slice_ms)
{
    return util_floor_div(t_ms - 1, slice_ms);
}
