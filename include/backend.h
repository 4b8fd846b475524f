/*
 * backend: answers one question for the engine, whatever the data source:
 * "for SLO s, how many good and total events (or slices) fell in each window
 * ending at T, per group?". promql mode asks a PromQL store (see sliquery);
 * remote_read mode is added by its own module. The SLO math never knows which
 * backend answered.
 * Depends on util, config, slo, sliquery, promql, rrbackend.
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

/*
 * For backend implementations (promql here, remote_read in rrbackend): the
 * sums per group, part (enum sliquery_part: good, bad, total) and window
 * while answers come in, and whether any series was seen for them.
 */
struct backend_partial {
    struct labels group;
    double v[3][SLO_MAX_WINDOWS];
    unsigned char seen[3][SLO_MAX_WINDOWS];
};

/* Finds or adds the partial of group labels g; NULL when out of memory. */
struct backend_partial *backend_partial_get(struct backend_partial **p, size_t *n,
                                            const struct labels *g);
void backend_partials_free(struct backend_partial *p, size_t n);

/* The group of a series: its labels among slo's group_by. 0 or -1 (memory). */
int backend_group_of(const struct config_slo *slo, const struct labels *l, struct labels *g);

/*
 * Turns partials into an answer: totals (or slice counts), good and bad per
 * window, the latency threshold check, groups without totals dropped. Moves
 * the group labels out of parts. 0, or -1 with e set.
 */
int backend_fold(const struct config_slo *slo, int64_t at_ms, const struct slo_window *w,
                 size_t nw, struct backend_partial *parts, size_t nparts,
                 struct backend_answer *out, struct err *e);

/*
 * For the daemon: keep state between evaluations where the mode has any
 * (remote_read counts incrementally). Evaluations must then come at
 * multiples of the interval. 0, or -1 with e set.
 */
int backend_keep_state(struct backend *b, struct err *e);

/*
 * Checkpoint of the kept state (remote_read; promql has none: 0). Load
 * returns how many SLOs were restored, or -1 with e set for a bad file.
 */
int backend_save_state(struct backend *b, const char *path, struct err *e);
int backend_load_state(struct backend *b, const char *path, struct err *e);
/* On reload: b takes over from's state of unchanged SLOs. Count or -1. */
int backend_take_state(struct backend *b, struct backend *from, struct err *e);

/* 1 when the last request failed without any answer from the backend. */
int backend_unreachable(const struct backend *b);

/* 1 when the last request to the backend succeeded. */
int backend_up(const struct backend *b);

/*
 * Starts an evaluation: requests retry transient failures again (see
 * httpc_new_round: within an evaluation, once a request has used up its
 * attempts, the others make one attempt each).
 */
void backend_new_round(struct backend *b);

/* Requests retried by this backend since it was created (slo_sidecar_backend_retries_total). */
uint64_t backend_retries(const struct backend *b);

#endif
