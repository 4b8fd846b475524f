/*
 * counter: the contract's exact counting rules, pure.
 *  - Events: for each series, each pair of consecutive raw samples adds
 *    later - earlier, or later when the value dropped (a reset), stamped
 *    with the later sample's time. A series' first sample adds nothing.
 *    Stale markers are skipped, and samples at or before the last one seen
 *    are ignored, so overlapping reads never count twice.
 *  - Time slices: a slice (k*s, (k+1)*s] is good when the condition holds
 *    for the newest sample in it, for every series (the worst one decides);
 *    a slice without any sample is bad.
 * Depends on util, config (the comparison operators).
 */
#ifndef SLO_COUNTER_H
#define SLO_COUNTER_H

#include <stdint.h>
#include "config.h"

/* Prometheus's stale marker: a NaN with this exact bit pattern. */
#define COUNTER_STALE_BITS 0x7ff0000000000002ull

struct counter_series {
    int has;        /* a sample was seen */
    int64_t last_t; /* ms */
    double last_v;
};

/* 1 when v is a stale marker (bit for bit). */
int counter_is_stale(double v);

/*
 * Feeds one sample of a counter series. Returns 1 with *inc set when it
 * completes a pair (the increment belongs to t_ms), 0 when it adds nothing
 * (first sample, stale marker, already seen), -1 when the value is not
 * finite or negative (not a count: the caller fails the evaluation).
 */
int counter_next(struct counter_series *s, int64_t t_ms, double v, double *inc);

/*
 * The value a time slice condition looks at: the sample's value, or with
 * age its age in seconds (sample time - value, the value being a unix time
 * in seconds).
 */
double counter_slice_subject(int age, int64_t t_ms, double v);

/* 1 when "x op value" holds. NaN never holds. */
int counter_slice_ok(enum config_cmp op, double x, double value);

/*
 * Index k of the slice (k*s, (k+1)*s] that holds t_ms (floor((t-1)/s)).
 */
int64_t counter_slice_of(int64_t t_ms, int64_t slice_ms);

/* Verdicts of a slice while series come in: the worst series decides. */
enum counter_verdict {
    COUNTER_SLICE_EMPTY, /* no sample yet: bad unless one comes */
    COUNTER_SLICE_GOOD,
    COUNTER_SLICE_BAD
};

/*
 * Judges the samples of one series, fed in time order, into the verdicts
 * v[0..nk) of slices k0 .. k0+nk-1: the newest sample in each slice decides
 * it for this series, and a bad verdict is never overturned by another
 * series. Samples outside those slices and stale markers are ignored.
 */
struct counter_slicer {
    const struct config_sli_timeslice *ts;
    unsigned char *v;
    int64_t k0;
    size_t nk;
    int64_t cur; /* slice of the pending sample, relative to k0; -1: none */
    int64_t cur_t;
    double cur_x;
};

void counter_slicer_begin(struct counter_slicer *s, const struct config_sli_timeslice *ts,
                          unsigned char *v, int64_t k0, size_t nk);
void counter_slicer_add(struct counter_slicer *s, int64_t t_ms, double x);
/* Judges the last pending sample; call once per series. */
void counter_slicer_end(struct counter_slicer *s);

#endif
