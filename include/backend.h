/*
 * backend: answers one question for the engine, whatever the data source:
 * "for SLO s, how many good and total events (or slices) fell in each window
 * ending at T, per group?". promql mode asks a PromQL store (see sliquery);
 * remote_read mode is added by its own module. The SLO math never knows which
 * backend answered.
 * Depends on util, config, slo, sliquery, promql.
 */
#ifndef SLO_BACKEND_H
#define SLO_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "slo.h"

struct backend_counts {
    int has;          /* data for this window */
    double good;
    double bad;
    double total;
};

struct backend_group {
    struct labels group;                      /* empty for ungrouped SLOs */
    struct backend_counts w[SLO_MAX_WINDOWS]; /* same order as the windows asked */
};

struct backend_answer {
    size_t n;
    struct backend_group *g;
};

void backend_answer_free(struct backend_answer *a);

struct backend;

/*
 * Creates the backend for cfg's mode. cfg must outlive it. Returns NULL with e
 * set on failure (for instance a mode this build cannot serve).
 */
struct backend *backend_new(const struct config *cfg, struct err *e);
void backend_free(struct backend *b);

/*
 * Counts for every group of slo over the windows w[0..nw) ending at at_ms.
 * All or nothing: on any error (transport, HTTP, parse, a NaN count, a
 * histogram bucket that does not exist) returns -1 with e set and out empty.
 * An ungrouped SLO always yields exactly one group, possibly without data.
 */
int backend_eval_slo(struct backend *b, const struct config_slo *slo, int64_t at_ms,
                     const struct slo_window *w, size_t nw, struct backend_answer *out,
                     struct err *e);

/* 1 when the last request failed without any answer from the backend. */
int backend_unreachable(const struct backend *b);

/* 1 when the last request to the backend succeeded. */
int backend_up(const struct backend *b);

#endif
