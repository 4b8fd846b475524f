/*
 * rrstate: the incremental remote_read state of one SLO in the daemon.
 *
 * The first evaluation backfills the period once; later ones read only the
 * samples since the previous evaluation (with an overlap for late samples)
 * and add the new events to per-group buckets (see buckets.h). Each series
 * keeps its last sample, so overlaps and retries never count twice. Time
 * slices are decided once they are older than RRSTATE_SETTLE_MS; newer ones
 * are judged again at every evaluation from a fresh read, so a sample that
 * arrives late still counts. When the long window's old edge enters a new
 * coarse bucket, the raw samples of that bucket are read again to give it
 * fine resolution.
 * A failed read leaves the state as it was.
 * Depends on util, config, slo, backend, remote_read, counter, seriesmap,
 * buckets, sliquery.
 */
#ifndef SLO_RRSTATE_H
#define SLO_RRSTATE_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "config.h"
#include "remote_read.h"
#include "slo.h"

/* Re-read before the last evaluation, for samples ingested late. */
#define RRSTATE_OVERLAP_MS (2 * 60 * 1000)
/* Time slices younger than this are judged again at each evaluation. */
#define RRSTATE_SETTLE_MS (2 * 60 * 1000)

/*
 * The remote-read queries of slo (at most 2) with their parts, times unset;
 * le receives the latency bucket regex. Returns the count, 0 for kinds
 * remote_read cannot serve (promql).
 */
size_t rrstate_queries(const struct config_slo *slo, char *le, size_t lelen,
                       struct remote_read_query *q, int *part);

struct rrstate;

/* An empty state for slo of cfg (both must outlive it); NULL when out of memory. */
struct rrstate *rrstate_new(const struct config *cfg, const struct config_slo *slo);
void rrstate_free(struct rrstate *s);

/*
 * Brings s to at_ms (a multiple of the interval) through c, then adds each
 * group's counts for windows w[0..nw) to parts. Backfills when s is empty,
 * when at_ms went back, or when a calendar period started anew. All or
 * nothing: -1 with e set, parts untouched, s as before (or reset, to be
 * backfilled next time, when it cannot be trusted any more).
 */
int rrstate_eval(struct rrstate *s, struct remote_read_client *c, int64_t at_ms,
                 const struct slo_window *w, size_t nw, struct backend_partial **parts,
                 size_t *nparts, struct err *e);

/*
 * Checkpoint. The fingerprint covers everything in the config that changes
 * what the state means (interval, SLI, selectors, period, groups, alert
 * windows): a state saved under another fingerprint is not loaded.
 * rrstate_save appends s's image to out: 0, 1 when s holds nothing yet (no
 * bytes written), -1 when out's cap is reached. rrstate_load replaces s
 * with the image data[0..len), which must be exactly one image; every field
 * is checked, nothing is sized from the input without a bound. 0, or -1
 * with e set and s left empty (the next evaluation backfills).
 */
uint64_t rrstate_fingerprint(const struct config *cfg, const struct config_slo *slo);
int rrstate_save(const struct rrstate *s, uint64_t fingerprint, struct buf *out);
int rrstate_load(struct rrstate *s, uint64_t fingerprint, const uint8_t *data, size_t len,
                 struct err *e);

/* Bytes held by s, for the memory benchmark and debug logs. */
size_t rrstate_memory(const struct rrstate *s);

#endif
