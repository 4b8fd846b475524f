/*
 * pqeval: promql mode's aggregate evaluation of one SLO: runs the queries
 * sliquery builds (events, latency and free PromQL SLIs) at one instant and
 * adds the answers to partials per group and window. Time slices are not
 * its job: the exact engine judges them in every mode.
 * Depends on util, config, slo, answer, sliquery, promql.
 */
#ifndef SLO_PQEVAL_H
#define SLO_PQEVAL_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "promql.h"
#include "slo.h"

/*
 * Adds the sums of slo for windows w[0..nw) ending at at_ms to ps, through
 * c. All or nothing: -1 with e set (transport, HTTP, parse errors, a
 * non-finite count, a scalar where a vector was expected, several series
 * where one was).
 */
int pqeval_slo(struct promql_client *c, const struct config_slo *slo, int64_t at_ms,
               const struct slo_window *w, size_t nw, struct answer_partials *ps, struct err *e);

#endif
