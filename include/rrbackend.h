/*
 * rrbackend: remote_read mode. Reads raw samples through the remote-read
 * protocol and counts events exactly (counter module), per group and window,
 * for the backend module to fold into answers. eval reads everything each
 * window needs once; the daemon keeps per-SLO state and reads only what is
 * new (see the README's "remote_read" section).
 * Depends on util, config, slo, backend, remote_read, counter, seriesmap.
 */
#ifndef SLO_RRBACKEND_H
#define SLO_RRBACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "backend.h"
#include "config.h"
#include "slo.h"

/*
 * How far before a window's start a read begins, to find each series'
 * sample preceding the window: the pair it forms with the first sample in
 * the window counts. A series silent for longer than this before a window
 * starts is treated as starting there.
 */
#define RRBACKEND_LOOKBACK_MS (60 * 60 * 1000)

struct rrbackend;

/* NULL with e set on failure. cfg must outlive it; free with rrbackend_free. */
struct rrbackend *rrbackend_new(const struct config *cfg, struct err *e);
void rrbackend_free(struct rrbackend *r);

/*
 * Exact counts of slo for windows w[0..nw) ending at at_ms, added to
 * parts and nparts (see backend_partial). All or nothing: -1 with e set.
 */
int rrbackend_eval_slo(struct rrbackend *r, const struct config_slo *slo, int64_t at_ms,
                       const struct slo_window *w, size_t nw, struct backend_partial **parts,
                       size_t *nparts, struct err *e);

/*
 * Switches r to the daemon's incremental mode: per-SLO state kept between
 * evaluations (rrstate), which must then be at multiples of the interval.
 * 0, or -1 when out of memory.
 */
int rrbackend_keep_state(struct rrbackend *r);

/*
 * Checkpoint of every SLO's state to path (see statefile.h): 0 or -1 with e
 * set. Loading (which implies rrbackend_keep_state) restores the SLOs whose
 * config did not change; others are logged and backfilled later. Returns
 * the number restored (0 when the file does not exist), or -1 with e set
 * when the file is unreadable, foreign or corrupt (nothing is restored).
 */
int rrbackend_save_state(struct rrbackend *r, const char *path, struct err *e);
int rrbackend_load_state(struct rrbackend *r, const char *path, struct err *e);

/*
 * On reload: r takes over the state of each SLO of from whose config did
 * not change (same name and fingerprint), so it is not backfilled again.
 * Returns the number taken over, or -1 with e set.
 */
int rrbackend_take_state(struct rrbackend *r, struct rrbackend *from, struct err *e);

int rrbackend_unreachable(const struct rrbackend *r);
int rrbackend_up(const struct rrbackend *r);

/* Retries of the client since it was created, and a new round (remote_read.h). */
uint64_t rrbackend_retries(const struct rrbackend *r);
void rrbackend_new_round(struct rrbackend *r);

#endif
