/*
 * apiread: api_read mode's transport (a rawsrc): raw samples read through
 * the PromQL HTTP API, for stores without remote read (VictoriaMetrics, the
 * Thanos querier) and any other. An instant query of a bare range selector,
 * SEL[Dms] at time T, answers the raw samples in (T-D, T] (Prometheus 3,
 * VictoriaMetrics, Thanos, Mimir) or [T-D, T] (Prometheus 2); asking for
 * D = end - start + 1 ms at T = end and dropping what lies before start
 * reads [start, end] the same way on all of them. The form also carries
 * partial_response=false (Thanos answers an error instead of partial data)
 * and max_source_resolution=0s (raw data, never downsampled); an answer
 * with warnings is refused.
 *
 * Long ranges are read in pieces, oldest first, each sized for the store's
 * limits: a piece's length follows from the sample density the previous
 * pieces showed, aiming at max_samples samples per answer; a piece the store
 * refuses for its size (HTTP 422 about too many samples or points, as
 * Prometheus' --query.max-samples and VictoriaMetrics' -search.max* limits
 * answer, or an answer over PROMQL_MAX_BODY) is split in two and asked
 * again, down to one span of align_ms or APIREAD_MIN_PIECE_MS. Every query
 * of a piece is read before any series of it reaches the callback, so a
 * refused piece never delivers half.
 *
 * Checks, each a failed run with a message: a series twice in one answer,
 * samples not strictly increasing in time, anything promql_query_matrix
 * refuses (errors, truncated or malformed JSON, warnings).
 * Depends on util, config, selector, rawsrc, promql, log.
 */
#ifndef SLO_APIREAD_H
#define SLO_APIREAD_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "rawsrc.h"

/* Shortest piece a refused one is split down to (unless align_ms is longer). */
#define APIREAD_MIN_PIECE_MS (60 * 1000)

/* Length of the first piece of a long read, before any density is known. */
#define APIREAD_FIRST_PIECE_MS (60 * 60 * 1000)

/*
 * A transport for cfg (URL, auth, TLS, timeout, retries, and
 * read_max_samples); cfg must outlive it. Free with rawsrc_free. NULL with
 * e set on failure.
 */
struct rawsrc *apiread_new(const struct config_prometheus *cfg, struct err *e);

/* What a transport has done since it was created, for tests and debug logs. */
struct apiread_stats {
    uint64_t queries; /* HTTP queries sent, refused ones included */
    uint64_t pieces;  /* pieces read */
    uint64_t splits;  /* pieces refused for their size and split */
    uint64_t samples; /* samples delivered */
};

void apiread_get_stats(const struct rawsrc *src, struct apiread_stats *st);

/* Replaces the sample budget of one answer (tests lower it). */
void apiread_set_max_samples(struct rawsrc *src, size_t max_samples);

#endif
