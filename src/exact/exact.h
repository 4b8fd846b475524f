/*
 * exact: the exact engine of one config. Counts an SLO's events (or time
 * slices) from raw samples read through a transport (rawsrc): once, for
 * eval and report, by one read of everything the windows need; or
 * incrementally, for the daemon, through one exactstate per SLO that reads
 * only what is new. Both go through exactread, the one raw-sample path.
 * It serves every SLI but free PromQL in remote_read and api_read modes,
 * and time slices in promql mode too.
 *
 * Thread use: evaluations of different SLOs may run at the same time on
 * different threads (each SLO's state is touched only by its evaluation);
 * checkpoints and take-overs need no evaluation to be running.
 * Depends on util, config, slo, answer, rawsrc, exactread, exactstate,
 * counter, statefile, binio, log.
 */
#ifndef SLO_EXACT_H
#define SLO_EXACT_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "rawsrc.h"
#include "slo.h"

/* 1 when slo of cfg is counted by the exact engine (else by aggregate queries). */
int exact_serves(const struct config *cfg, const struct config_slo *slo);

/* 1 when some SLO of cfg is (so a transport for raw samples is needed). */
int exact_needed(const struct config *cfg);

struct exact;

/* An engine for cfg (which must outlive it). NULL with e set when out of memory. */
struct exact *exact_new(const struct config *cfg, struct err *e);
void exact_free(struct exact *x);

/*
 * Exact counts of slo (one exact_serves accepts) for windows w[0..nw)
 * ending at at_ms, added to ps. Once exact_keep_state was called, through
 * the SLO's incremental state (at_ms then a multiple of the interval), else
 * by one read. All or nothing: -1 with e set.
 */
int exact_eval_slo(struct exact *x, struct rawsrc *src, const struct config_slo *slo,
                   int64_t at_ms, const struct slo_window *w, size_t nw,
                   struct answer_partials *ps, struct err *e);

/* Switches x to the daemon's incremental mode. 0, or -1 when out of memory. */
int exact_keep_state(struct exact *x);

/*
 * Checkpoint of every SLO's state to path (see statefile.h): 0 or -1 with e
 * set. Loading (which implies exact_keep_state) restores the SLOs whose
 * config did not change; others are logged and backfilled later. Returns
 * the number restored (0 when the file does not exist), or -1 with e set
 * when the file is unreadable, foreign or corrupt (nothing is restored).
 */
int exact_save_state(struct exact *x, const char *path, struct err *e);
int exact_load_state(struct exact *x, const char *path, struct err *e);

/*
 * A checkpoint while evaluations run: the thread that evaluates SLO i
 * appends its state's record to b right after the evaluation
 * (exact_state_record: 0, 1 when the state holds nothing yet, -1 when b's
 * cap is reached; b unchanged then), and the owner writes the record of
 * each SLO of cfg as one file (exact_save_records, 0 or -1 with e set), the
 * same file exact_save_state writes. An SLO without a record (an empty buf:
 * its evaluation failed or still runs) keeps the record it has in the file
 * being replaced, so the owner need not keep records between checkpoints.
 */
int exact_state_record(struct exact *x, size_t i, struct buf *b);
int exact_save_records(const struct config *cfg, const struct buf *rec, size_t n, const char *path,
                       struct err *e);

/*
 * On reload: x takes over the state of each SLO of from whose config did
 * not change (same name and fingerprint), so it is not backfilled again.
 * Returns the number taken over, or -1 with e set.
 */
int exact_take_state(struct exact *x, struct exact *from, struct err *e);

/* Bytes held by the states, for the memory benchmark. */
size_t exact_memory(const struct exact *x);

#endif
