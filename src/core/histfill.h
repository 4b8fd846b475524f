/*
 * histfill: the history a freshly started sidecar has not seen. For each
 * SLO instance it computes the figures at every step (an hour) over the
 * history's retention (the period, at least 7 days) from one read of the
 * store's data per SLO: the raw samples where the exact engine counts
 * (remote_read, api_read, time slices), one subquery per query in promql
 * mode. The points are marked reconstructed and go only where the history
 * has none (history_fill), so the status page's burn-down and burn-rate
 * charts cover the period right after a start.
 *
 * histfill_start runs it on a thread of its own, with its own connections,
 * one SLO at a time, for the SLOs whose history has gaps; the live
 * evaluations go on meanwhile.
 * Depends on util, config, slo, answer, tally, backend, engine, exact,
 * exacttally, pqeval, snapshot, history, log.
 */
#ifndef SLO_HISTFILL_H
#define SLO_HISTFILL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "config.h"
#include "history.h"

/*
 * The step of slo's reconstructed points at now_ms: an hour, or the largest
 * divisor of an hour that meets a calendar period's start (30 minutes for a
 * zone at UTC+05:30).
 */
int64_t histfill_step(const struct config_slo *slo, int64_t now_ms);

/*
 * Reconstructs SLO i of cfg up to now_ms through worker 0 of be into h, for
 * the instances h knows (those seen live, within max_groups). *added gets
 * the points added. 0; 1 when h knows no instance of it (nothing read); -1
 * with e set (a failed read: nothing added).
 */
int histfill_slo(const struct config *cfg, struct backend *be, size_t i, int64_t now_ms,
                 struct history *h, size_t *added, struct err *e);

/* What background runs did, over the sidecar's life (for /metrics). */
struct histfill_counts {
    atomic_ulong slos_ok;     /* SLOs reconstructed */
    atomic_ulong slos_failed; /* SLOs whose reconstruction failed */
    atomic_ulong points;      /* points added */
};

struct histfill;

/*
 * Starts the background reconstruction of cfg's SLOs into h (both must
 * outlive it, until histfill_stop), counting into counts. NULL with e set
 * when its connections or thread cannot be made.
 */
struct histfill *histfill_start(const struct config *cfg, struct history *h,
                                struct histfill_counts *counts, struct err *e);

/*
 * Cancels what is in flight without waiting (histfill_stop waits), so that
 * a shutdown stops every reader at once. Any thread; accepts NULL.
 */
void histfill_cancel(struct histfill *f);

/* Cancels what is in flight, waits for the thread and frees f; accepts NULL. */
void histfill_stop(struct histfill *f);

#endif
