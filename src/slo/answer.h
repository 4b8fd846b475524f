/*
 * answer: what every mode answers for one SLO at one instant: good, bad and
 * total events (or slices) per group and window. Both evaluation paths
 * (pqeval's aggregate queries and the exact engine) gather sums into
 * partials while the store answers, and answer_fold turns them into the
 * answer the engine builds figures from. Pure: no I/O.
 * Depends on util, config, slo, seriesmap.
 */
#ifndef SLO_ANSWER_H
#define SLO_ANSWER_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "slo.h"

/* Which count a query or a series contributes to. */
enum answer_part {
    ANSWER_GOOD,
    ANSWER_BAD,
    ANSWER_TOTAL
};

struct answer_counts {
    int has; /* data for this window */
    double good;
    double bad;
    double total;
};

struct answer_group {
    struct labels group;                     /* empty for ungrouped SLOs */
    struct answer_counts w[SLO_MAX_WINDOWS]; /* same order as the windows asked */
};

struct answer {
    size_t n;
    struct answer_group *g;
};

/* Frees the groups of a and empties it; accepts NULL. */
void answer_free(struct answer *a);

/*
 * The sums of one group while answers come in: per part and window, and
 * whether any series was seen for them (no total series means no data; no
 * error series means zero errors).
 */
struct answer_partial {
    struct labels group;
    double v[3][SLO_MAX_WINDOWS];
    unsigned char seen[3][SLO_MAX_WINDOWS];
};

/* The partials of one SLO evaluation, found by group labels in constant time. */
struct answer_partials {
    size_t n;
    size_t cap;
    struct answer_partial *p;
    struct seriesmap *index; /* group labels -> position in p */
};

void answer_partials_init(struct answer_partials *ps);
void answer_partials_free(struct answer_partials *ps);

/*
 * Finds or adds the partial of group labels g; returns its position, or -1
 * when out of memory. Positions stay valid while partials are added; the
 * pointer &ps->p[i] does not (the array grows).
 */
long answer_partial_get(struct answer_partials *ps, const struct labels *g);

/* The group of a series: its labels among slo's group_by. 0 or -1 (memory). */
int answer_group_of(const struct config_slo *slo, const struct labels *l, struct labels *g);

/*
 * Turns partials into an answer: totals (or slice counts), good and bad per
 * window, the latency threshold check, groups without totals dropped. Moves
 * the group labels out of ps. 0, or -1 with e set (out empty).
 */
int answer_fold(const struct config_slo *slo, int64_t at_ms, const struct slo_window *w, size_t nw,
                struct answer_partials *ps, struct answer *out, struct err *e);

/*
 * The part the SLI's ratio counts: good for good-based SLIs (events with a
 * good selector, latency, time slices, promql with good_query), else bad.
 */
enum answer_part answer_numerator(const struct config_slo *slo);

#endif
