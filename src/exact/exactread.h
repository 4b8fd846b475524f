/*
 * exactread: the one path raw samples take from a store into exact counts.
 * eval's one-shot sums (exact), the daemon's incremental state (exactstate)
 * and `report`'s bad minutes (reportfetch) all read through it; the
 * transport, remote_read or api_read, sits behind struct rawsrc. It holds:
 *  - the queries of one SLO: its selectors and the part each one counts;
 *  - a series table: per query and series (found by its labels) a slot with
 *    the last sample counted and the series' group, so a series delivered
 *    several times, or read again with an overlap, is counted once;
 *  - a group table: the group_by labels of the series -> a dense index 0..,
 *    or, for a reader made with a parent, the parent's table, in which
 *    groups are only looked up (a re-read of a span whose groups exist);
 *  - the checks: a counter sample must be finite and not negative; a run
 *    fails as a whole on any error, the transport's included.
 * Counter samples become increments by the contract's rules (counter_next)
 * handed to a sink; gauge samples become time-slice verdicts per group.
 * Not thread-safe: one thread uses a reader at a time.
 * Depends on util, config, counter, seriesmap, selector, rawsrc, answer.
 */
#ifndef SLO_EXACTREAD_H
#define SLO_EXACTREAD_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "counter.h"
#include "rawsrc.h"

/*
 * How far before a window's start a read begins, to find each series'
 * sample preceding the window: the pair it forms with the first sample in
 * the window counts. A series silent for longer than this before a window
 * starts is treated as starting there.
 */
#define EXACTREAD_LOOKBACK_MS (60 * 60 * 1000)

/* Bounds against runaway cardinality and reads. */
#define EXACTREAD_MAX_SERIES 1000000
#define EXACTREAD_MAX_GROUPS 100000
#define EXACTREAD_MAX_STAGED (64u * 1024u * 1024u)

/* The state of one series. */
struct exactread_slot {
    struct counter_series c; /* the last sample counted */
    size_t group;
};

/* Where a read's results go; any callback may be NULL. Each returns 0 or -1 with e set. */
struct exactread_sink {
    /* Group gi (labels l) was added to the group table. */
    int (*group)(void *arg, size_t gi, const struct labels *l, struct err *e);
    /* A series of query qi was added to the series table, in group gi. */
    int (*series)(void *arg, size_t qi, size_t gi, struct err *e);
    /*
     * A series of query qi in group gi completed a pair: inc events at t_ms,
     * whose earlier sample was at prev_ms.
     */
    int (*event)(void *arg, size_t qi, size_t gi, int64_t t_ms, int64_t prev_ms, double inc,
                 struct err *e);
};

/* Time-slice verdicts per group (enum counter_verdict) for slices k0 .. k0+nk-1. */
struct exactread_verdicts {
    int64_t k0;
    size_t nk;
    unsigned char **v; /* v[gi], NULL for a group without a series in the read */
    size_t nv;
};

void exactread_verdicts_free(struct exactread_verdicts *v);

struct exactread;

/*
 * A reader for slo (which must outlive it), with its own group table, or,
 * when parent is not NULL, looking groups up in parent's table (series of
 * other groups are skipped). NULL when out of memory or for a promql SLI,
 * which has no raw-sample reading.
 */
struct exactread *exactread_new(const struct config_slo *slo, const struct exactread *parent);
void exactread_free(struct exactread *r);

/* The SLO's queries (1 for time slices, else 2) and the part each one counts. */
size_t exactread_nqueries(const struct exactread *r);
enum answer_part exactread_part(const struct exactread *r, size_t qi);

/*
 * The queries of slo (at most 2) with their parts, times unset; le (at least
 * 128 bytes) receives the latency bucket regex. Returns the count, 0 for a
 * promql SLI. For `explain`.
 */
size_t exactread_queries(const struct config_slo *slo, char *le, size_t lelen,
                         struct rawsrc_query *q, enum answer_part *part);

/*
 * Counters: reads [from_ms, to_ms] through src and hands every increment to
 * sink as it arrives. On failure some increments may have been handed over
 * and slots moved on: the caller drops what it built.
 */
int exactread_counters(struct exactread *r, struct rawsrc *src, int64_t from_ms, int64_t to_ms,
                       const struct exactread_sink *sink, void *arg, struct err *e);

/*
 * Counters in two steps, for a state that must stay as it was when a read
 * fails: exactread_stage reads [from_ms, to_ms] and keeps the samples
 * (series and groups new to the tables are added, through sink's group and
 * series callbacks, but no slot moves on) and checks them: -1 with e set on
 * any error, the staged samples dropped. exactread_commit then counts them
 * through sink; it fails only when a sink callback does.
 */
int exactread_stage(struct exactread *r, struct rawsrc *src, int64_t from_ms, int64_t to_ms,
                    const struct exactread_sink *sink, void *arg, struct err *e);
int exactread_commit(struct exactread *r, const struct exactread_sink *sink, void *arg,
                     struct err *e);

/*
 * Time slices: reads the gauge over the slices k0 .. k0+nk-1 of the SLO's
 * slice length and judges them per group into out (replaced; free with
 * exactread_verdicts_free): the newest sample in a slice decides it for
 * its series, the worst series of a group decides it for the group. New
 * groups go through sink's group callback.
 */
int exactread_slices(struct exactread *r, struct rawsrc *src, int64_t k0, size_t nk,
                     const struct exactread_sink *sink, void *arg, struct exactread_verdicts *out,
                     struct err *e);

/* ---- the tables, for checkpoints and compaction ---- */

size_t exactread_ngroups(const struct exactread *r);
const struct labels *exactread_group_labels(const struct exactread *r, size_t gi);
/* Index of group labels l, or -1. */
long exactread_group_find(const struct exactread *r, const struct labels *l);
/* Finds or adds group labels l (sink's group callback on adding). 0 or -1. */
int exactread_group_add(struct exactread *r, const struct labels *l, size_t *gi,
                        const struct exactread_sink *sink, void *arg, struct err *e);

/* Series of query qi in group gi (a group is an SLO instance once it has a total series). */
size_t exactread_group_nseries(const struct exactread *r, size_t qi, size_t gi);

size_t exactread_nseries(const struct exactread *r, size_t qi);
const struct labels *exactread_series_labels(const struct exactread *r, size_t qi, size_t i);
struct exactread_slot *exactread_slot(struct exactread *r, size_t qi, size_t i);
/*
 * Finds or adds series l of query qi (its group derived from l, added
 * through sink when new). *slot is its index. 0 or -1.
 */
int exactread_series_add(struct exactread *r, size_t qi, const struct labels *l, size_t *slot,
                         const struct exactread_sink *sink, void *arg, struct err *e);

/*
 * Forgets the series whose last sample is older than cutoff_ms (or that
 * have none): they cannot add to any window any more, and a one-shot read
 * would not see them either, so a series that comes back starts afresh in
 * both. Groups stay. Out of memory leaves r as it was: 0 or -1.
 */
int exactread_compact(struct exactread *r, int64_t cutoff_ms);

/* Bytes held by the tables, for the memory benchmark. */
size_t exactread_memory(const struct exactread *r);

#endif
