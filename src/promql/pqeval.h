/*
 * pqeval: promql mode's aggregate evaluation of one SLO: runs the queries
 * sliquery builds (events, latency and free PromQL SLIs) at one instant and
 * adds the answers to partials per group and window. Time slices are not
 * its job: the exact engine judges them in every mode. pqeval_tally asks
 * the same queries for every hour (say) of a span of the past at once, for
 * history reconstruction.
 * Depends on util, config, slo, answer, tally, sliquery, promql.
 */
#ifndef SLO_PQEVAL_H
#define SLO_PQEVAL_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "promql.h"
#include "slo.h"
#include "tally.h"

/*
 * Adds the sums of slo for windows w[0..nw) ending at at_ms to ps, through
 * c. All or nothing: -1 with e set (transport, HTTP, parse errors, a
 * non-finite count, a scalar where a vector was expected, several series
 * where one was).
 */
int pqeval_slo(struct promql_client *c, const struct config_slo *slo, int64_t at_ms,
               const struct slo_window *w, size_t nw, struct answer_partials *ps, struct err *e);

/*
 * Adds the sums of slo per step of t's span to t, per group: the queries of
 * pqeval_slo for one window of t's step, each asked once as a subquery
 * (QUERY[span:step]) at the span's end, whose answer is a range vector of
 * one value per step end. t's from_ms must be a multiple of its step (the
 * store aligns subquery steps so). -1 with e set as for pqeval_slo, and for
 * a point off the step grid; a free promql SLI answering a scalar cannot be
 * asked so (the store refuses the subquery).
 */
int pqeval_tally(struct promql_client *c, const struct config_slo *slo, struct tally *t,
                 struct err *e);

#endif
