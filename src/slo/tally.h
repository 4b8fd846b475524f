/*
 * tally: the events of one SLO per group, part and step (an hour, say) over
 * a span of the past. Any window that ends on a step's end and spans whole
 * steps is then a sum of steps, so one read of the span gives the figures
 * at every step: what history reconstruction (histfill) needs after a start.
 * Pure: no I/O.
 * Depends on util, slo, answer, seriesmap.
 */
#ifndef SLO_TALLY_H
#define SLO_TALLY_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "slo.h"

/* At most this many steps (186 days of hours, or 46 days of 15 minutes). */
#define TALLY_MAX_STEPS 4464

struct tally_group {
    double *v[3];           /* per part (enum answer_part): a count per step */
    unsigned char *seen[3]; /* per part and step: a series answered for it */
};

/* Step k covers (from_ms + k * step_ms, from_ms + (k + 1) * step_ms]. */
struct tally {
    int64_t from_ms;
    int64_t step_ms;
    size_t nsteps;
    size_t n;
    struct tally_group *g;   /* by the index of the group's labels in index */
    struct seriesmap *index; /* group labels -> position in g */
    int closed;              /* tally_close: no group is added any more */
};

/* An empty tally; 0, or -1 for a step count of 0 or over TALLY_MAX_STEPS. */
int tally_init(struct tally *t, int64_t from_ms, int64_t step_ms, size_t nsteps);
void tally_free(struct tally *t);

/*
 * The index of group labels g (added when new), -1 when out of memory, or
 * TALLY_NONE for a new group of a closed tally (its events are ignored:
 * tally_add and tally_seen take no negative index).
 */
#define TALLY_NONE (-2)
long tally_group(struct tally *t, const struct labels *g);
/* Takes no new group from now on: a reader keeps only the groups it was given. */
void tally_close(struct tally *t);
/* The labels of group gi. */
const struct labels *tally_labels(const struct tally *t, long gi);

/* The step holding time t_ms, or -1 when it is outside the span. */
long tally_step(const struct tally *t, int64_t t_ms);

/* Adds v to part of group gi in the step holding t_ms (nothing outside the span). */
void tally_add(struct tally *t, long gi, enum answer_part part, int64_t t_ms, double v);
/* Marks part of group gi as answered from step k on (every step when k <= 0). */
void tally_seen(struct tally *t, long gi, enum answer_part part, long k);

/*
 * Adds each group's sums for windows w[0..nw) ending at at_ms to ps, as
 * answer_fold expects them: the steps inside (at_ms - W, at_ms], a part
 * seen when any of those steps was. at_ms must be a step's end within the
 * span and every window must start at or after from_ms on a step boundary:
 * -1 with e set otherwise (or when out of memory).
 */
int tally_partials(const struct tally *t, int64_t at_ms, const struct slo_window *w, size_t nw,
                   struct answer_partials *ps, struct err *e);

#endif
