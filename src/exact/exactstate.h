/*
 * exactstate: the incremental exact state of one SLO in the daemon, for
 * every transport (remote_read, api_read) and for time slices in promql
 * mode.
 *
 * The first evaluation backfills the period once; later ones read only the
 * samples since the previous evaluation (with an overlap for late samples)
 * and add the new events to per-group buckets (see buckets.h). Each series
 * keeps its last sample (exactread), so overlaps and retries never count
 * twice. Time slices are decided once they are older than
 * EXACTSTATE_SETTLE_MS; newer ones are judged again at every evaluation
 * from a fresh read, so a sample that arrives late still counts. When the
 * long window's old edge enters a new coarse bucket, the raw samples of
 * that bucket are read again to give it fine resolution.
 * A failed read leaves the state as it was.
 * Depends on util, config, slo, answer, rawsrc, exactread, counter, buckets,
 * binio.
 */
#ifndef SLO_EXACTSTATE_H
#define SLO_EXACTSTATE_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "rawsrc.h"
#include "slo.h"

/* Re-read before the last evaluation, for samples ingested late. */
#define EXACTSTATE_OVERLAP_MS (2 * 60 * 1000)
/* Time slices younger than this are judged again at each evaluation. */
#define EXACTSTATE_SETTLE_MS (2 * 60 * 1000)

struct exactstate;

/*
 * An empty state for slo of cfg (both must outlive it); NULL when out of
 * memory or for a promql SLI (which has no raw samples to count).
 */
struct exactstate *exactstate_new(const struct config *cfg, const struct config_slo *slo);
void exactstate_free(struct exactstate *s);

/*
 * Brings s to at_ms (a multiple of the interval) through src, then adds each
 * group's counts for windows w[0..nw) to ps. Backfills when s is empty,
 * when at_ms went back, or when a calendar period started anew. All or
 * nothing: -1 with e set, ps untouched, s as before (or reset, to be
 * backfilled next time, when it cannot be trusted any more).
 */
int exactstate_eval(struct exactstate *s, struct rawsrc *src, int64_t at_ms,
                    const struct slo_window *w, size_t nw, struct answer_partials *ps,
                    struct err *e);

/*
 * Checkpoint. The fingerprint covers everything in the config that changes
 * what the state means (interval, SLI, selectors, period, groups, alert
 * windows): a state saved under another fingerprint is not loaded.
 * exactstate_save appends s's image to out: 0, 1 when s holds nothing yet
 * (no bytes written), -1 when out's cap is reached. exactstate_load
 * replaces s with the image data[0..len), which must be exactly one image;
 * every field is checked, nothing is sized from the input without a bound.
 * 0, or -1 with e set and s left empty (the next evaluation backfills).
 */
uint64_t exactstate_fingerprint(const struct config *cfg, const struct config_slo *slo);
int exactstate_save(const struct exactstate *s, uint64_t fingerprint, struct buf *out);
int exactstate_load(struct exactstate *s, uint64_t fingerprint, const uint8_t *data, size_t len,
                    struct err *e);

/* Bytes held by s, for the memory benchmark and debug logs. */
size_t exactstate_memory(const struct exactstate *s);

#endif
