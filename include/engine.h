/*
 * engine: one evaluation of every SLO of a config at one instant T. Asks the
 * backend for counts, runs the SLO math and builds snapshot entries. Each SLO
 * succeeds or fails as a whole: a failed SLO contributes no entry, only a
 * failure record, and the caller decides what to keep from earlier results.
 * Depends on config, backend, slo, snapshot.
 */
#ifndef SLO_ENGINE_H
#define SLO_ENGINE_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "config.h"
#include "snapshot.h"

struct engine_failure {
    char *slo;
    char *msg;
};

/* A grouped SLO whose backend answer had more groups than its max_groups. */
struct engine_over {
    char *slo;
    size_t groups;                 /* groups answered */
    size_t kept;                   /* max_groups: the first ones in label order */
};

struct engine_run {
    struct snapshot *snap;         /* entries of the SLOs that succeeded */
    size_t nok;                    /* SLOs (not groups) that succeeded */
    size_t nfail;
    struct engine_failure *fail;
    size_t nover;
    struct engine_over *over;
};

/*
 * Evaluates every SLO of cfg at at_ms, as one round of backend requests
 * (backend_new_round). A grouped SLO with more groups than its max_groups
 * keeps the first max_groups in label order (the same on every replica)
 * and is listed in out->over. Returns 0 with out filled (free with
 * engine_run_free) even when SLOs failed; -1 only when memory ran out.
 */
int engine_eval(const struct config *cfg, struct backend *be, int64_t at_ms,
                struct engine_run *out);

void engine_run_free(struct engine_run *r);

/*
 * Builds one snapshot entry from counts, pure: windows w[0..nw), counts c
 * (same order), group labels g. Returns 0 or -1 (out of memory).
 */
int engine_build_entry(const struct config *cfg, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, const struct backend_counts *c,
                       const struct labels *g, struct snapshot_slo *out);

/*
 * The snapshot to publish after run, in config order: fresh entries of the
 * SLOs that succeeded (moved out of run), and for those that failed the
 * entries of prev (may be NULL) evaluated at or after keep_after_ms; older
 * ones are dropped so stale figures vanish instead of lingering. SLOs no
 * longer in cfg are dropped. Groups of an SLO with group_ttl that have had
 * no events in their shortest window for longer than group_ttl (counted
 * from their first evaluation when prev does not know them) are dropped.
 * Returns a new snapshot or NULL (out of memory).
 */
struct snapshot *engine_merge(const struct config *cfg, struct engine_run *run,
                              const struct snapshot *prev, int64_t keep_after_ms);

#endif
