/*
 * engine: evaluates SLOs at an instant T: asks the backend for counts, runs
 * the SLO math and builds snapshot entries. Each SLO succeeds or fails as a
 * whole: a failed SLO contributes no entry, only a failure record, and the
 * caller decides what to keep from earlier results.
 *
 * engine_eval_slo evaluates one SLO on one backend worker; the daemon
 * schedules those itself, so a slow SLO delays only itself. engine_eval
 * evaluates every SLO of a config at once on all the backend's workers and
 * collects the results in config order (eval, report).
 * Depends on util, config, backend, answer, slo, snapshot, pool.
 */
#ifndef SLO_ENGINE_H
#define SLO_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "backend.h"
#include "config.h"
#include "snapshot.h"

/* One SLO's evaluation. */
struct engine_result {
    size_t slo; /* index in the config */
    int64_t at_ms;
    int ok;
    char *msg;       /* why it failed (ok == 0) */
    int unreachable; /* failed because the store could not be reached */
    size_t n;        /* entries, one per group (ok only) */
    struct snapshot_slo *e;
    size_t groups; /* groups answered; more than kept: over max_groups */
    size_t kept;
    uint64_t retries; /* requests retried during the evaluation */
    double seconds;   /* how long it took */
};

/*
 * Evaluates SLO i of cfg at at_ms through worker of be (the caller has
 * started the worker's round, backend_new_round). A grouped SLO's entries
 * come in label order of their groups (the same from every store and
 * replica); one with more groups than its max_groups keeps the first
 * max_groups. Returns 0 with out filled, failed or not
 * (free with engine_result_clear); -1 only when memory ran out.
 */
int engine_eval_slo(const struct config *cfg, struct backend *be, size_t worker, size_t i,
                    int64_t at_ms, struct engine_result *out);

void engine_result_clear(struct engine_result *r);

struct engine_failure {
    char *slo;
    char *msg;
};

/* A grouped SLO whose backend answer had more groups than its max_groups. */
struct engine_over {
    char *slo;
    size_t groups; /* groups answered */
    size_t kept;   /* max_groups: the first ones in label order */
};

/* Results of several SLO evaluations, gathered for one snapshot. */
struct engine_run {
    struct snapshot *snap; /* entries of the SLOs that succeeded */
    size_t nslos;          /* SLOs of the config */
    unsigned char *done;   /* per SLO: evaluated in this run (ok or failed) */
    size_t nok;            /* SLOs (not groups) that succeeded */
    size_t nfail;
    struct engine_failure *fail;
    size_t nover;
    struct engine_over *over;
};

/* An empty run for cfg's SLOs at at_ms. 0 or -1 (memory). */
int engine_run_init(struct engine_run *run, const struct config *cfg, int64_t at_ms);

/*
 * Moves result r (of cfg) into run: its entries, or its failure, and its
 * max_groups overflow. r is cleared. 0 or -1 (memory; r cleared anyway).
 */
int engine_run_add(struct engine_run *run, const struct config *cfg, struct engine_result *r);

void engine_run_free(struct engine_run *r);

/*
 * Evaluates every SLO of cfg at at_ms, at most backend_nworkers(be) at a
 * time, one round of requests per worker. Once a request could not connect
 * to the store, the SLOs not started yet fail at once with "not evaluated:
 * ..." rather than each waiting for the same failure; a request that timed
 * out once connected fails only its own SLO. Returns 0 with out filled
 * in config order (free with engine_run_free) even when SLOs failed; -1
 * only when memory ran out or threads could not start.
 */
int engine_eval(const struct config *cfg, struct backend *be, int64_t at_ms,
                struct engine_run *out);

/*
 * Builds one snapshot entry from counts, pure: windows w[0..nw), counts c
 * (same order), group labels g. Returns 0 or -1 (out of memory).
 */
int engine_build_entry(const struct config *cfg, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, const struct answer_counts *c,
                       const struct labels *g, struct snapshot_slo *out);

/*
 * The snapshot to publish after run, in config order: fresh entries of the
 * SLOs that succeeded in run (moved out of it), and for the others (failed,
 * or not evaluated in run) the entries of prev (may be NULL) evaluated at or
 * after keep_after_ms; older ones are dropped so stale figures vanish
 * instead of lingering. SLOs no longer in cfg are dropped. Groups of an SLO
 * with group_ttl that have had no events in their shortest window for
 * longer than group_ttl (counted from their first evaluation when prev does
 * not know them) are dropped. The snapshot's time is run's. Returns a new
 * snapshot or NULL (out of memory).
 */
struct snapshot *engine_merge(const struct config *cfg, struct engine_run *run,
                              const struct snapshot *prev, int64_t keep_after_ms);

#endif
