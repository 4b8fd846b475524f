/*
 * metrics: renders a snapshot as the sidecar's /metrics page (every slo_* and
 * slo_sidecar_* family of the contract) in text format 0.0.4. Pure: it reads
 * only the snapshot it is given.
 * Depends on util, snapshot, slo, exposition.
 */
#ifndef SLO_METRICS_H
#define SLO_METRICS_H

#include "snapshot.h"
#include "util.h"

/* Most a /metrics page may grow to; past it rendering fails. */
#define METRICS_MAX_BYTES (256u * 1024u * 1024u)

/* Appends the page to out. Returns 0, or -1 when out's cap or memory ran out. */
int metrics_render(const struct snapshot *snap, struct buf *out);

#endif
