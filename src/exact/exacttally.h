/*
 * exacttally: the exact events of one SLO over a span of the past, per
 * group and step (see tally.h), from one read of its raw samples through
 * exactread, the same path and counting rules as every exact figure. For
 * history reconstruction, in every mode where the exact engine counts.
 * Depends on util, config, tally, rawsrc, exactread, counter.
 */
#ifndef SLO_EXACTTALLY_H
#define SLO_EXACTTALLY_H

#include "config.h"
#include "rawsrc.h"
#include "tally.h"

/*
 * Adds every event of slo in t's span (increments by their sample's time;
 * good time slices by their start) to t, per group and step. A part of a
 * group is answered from its first event in the span on (its counts are
 * real zeros from there, as in a state); time slices in every step. All or
 * nothing is the caller's: on -1 (e set) t holds part of the span.
 */
int exacttally_read(struct rawsrc *src, const struct config_slo *slo, struct tally *t,
                    struct err *e);

#endif
