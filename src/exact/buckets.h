/*
 * buckets: exact event counts of one counter part (say the bad events of one
 * SLO group) on the evaluation grid, kept small enough for long periods.
 * Pure: no I/O, no clock.
 *
 * An event (an increment, or a time slice) belongs to the timestamp t of the
 * sample that completed it, and to grid bucket j = floor((t - 1) / g), which
 * covers (j*g, (j+1)*g]. A window (T - W, T] with T and W multiples of g is
 * then an exact sum of whole buckets.
 *
 * Layout, with T the newest grid point the store has advanced to:
 *  - fine buckets (width g) over the most recent span that covers the
 *    windows answered from them alone (fine_ms, say 2h) rounded up to whole
 *    coarse buckets, plus one coarse bucket (and one more for events ahead
 *    of T);
 *  - coarse buckets (width c, a multiple of g, about 1h) aligned to multiples
 *    of c, from there back to the oldest edge any window needs;
 *  - "edge" fine buckets for the coarse bucket where the old edge of each
 *    edge window (the long window and edge_ms, say 6h, 1d and 3d) lies: filled
 *    by the caller from a re-read of the raw samples of that coarse span
 *    (buckets_edge_want says which span, shortly before it is needed), so
 *    those windows stay exact while the store holds about fine_ms/g +
 *    period/c + 2 * windows * c/g buckets instead of period/g.
 * Sums add buckets in a fixed order. Counts are integers far below 2^53 in
 * practice, so the sums are exact; the tests compare with a brute force sum
 * over every event.
 *
 * Invariants (T = the newest grid point, c = coarse width, r = c / g):
 *  - the fine ring holds grid buckets from B = floor((T - fine_ms) / c) * c
 *    up to T + c (events up to one coarse span ahead of T are accepted and
 *    wait there until advance reaches them);
 *  - coarse buckets hold the spans (k*c, (k+1)*c] for k from
 *    floor((T - reach) / c) to B / c - 1, reach being long_ms (or keep_ms for
 *    a calendar period); spans older than that are dropped, and events at or
 *    before floor((T - reach) / c) * c (buckets_horizon) are ignored;
 *  - edge spans are "live" while they hold T - w or are the next span after
 *    it, for an edge window w; only live spans are filled (two per window at
 *    most). An edge fill lives between two calls of buckets_advance: advance
 *    drops a fill that was begun (buckets_edge_add) and not committed, and
 *    filled spans that are no longer live.
 * Memory is bounded at creation: (ceil(fine_ms / c) + 2) * r fine buckets
 * and ceil((reach - fine_ms) / c) + 1 coarse buckets, allocated then, and at
 * most 2 * r edge buckets per edge window, allocated while a slot is filled
 * (one span per window most of the time, two shortly before an edge enters
 * the next span): 16.9 KiB at most for g = 30s, fine 2h, long 30d, edges 6h, 1d
 * and 3d, c = 1h, whatever happens later.
 *
 * Creation and backfill: a store made at at_ms assumes the caller adds every
 * event of (at_ms - reach, at_ms] right away (the backfill), and never
 * answers a window that starts before at_ms - reach. It also accepts the
 * events of the rest of the oldest coarse span, back to buckets_horizon(),
 * but does not need them: that span's edge check (buckets_edge_commit)
 * compares only the part after at_ms - reach, so a backfill from either
 * point is verified exactly. A calendar period may be backfilled from its
 * start only, as long as no window that starts earlier is asked for.
 * Gaps: when advance jumps ahead, the buckets in between are empty until
 * the caller adds the events of the gap; the store cannot tell a quiet span
 * from an unread one, so an unread gap shows up later as an edge mismatch.
 *
 * Not thread-safe: one thread (the poller) owns a store.
 * Depends on util (errors, floor division, durations, struct buf).
 */
#ifndef SLO_BUCKETS_H
#define SLO_BUCKETS_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Edge windows besides the long window. */
#define BUCKETS_MAX_EDGES 8

struct buckets_params {
    int64_t grid_ms;                    /* g: the evaluation interval, > 0 */
    int64_t fine_ms;                    /* longest window answered from fine buckets alone;
                                           rounded up to a multiple of grid_ms */
    int64_t long_ms;                    /* the long window (the rolling period), >= fine_ms;
                                           0 for a calendar period, whose old edge is fixed */
    int64_t coarse_ms;                  /* c: a multiple of grid_ms; 0 picks the multiple of
                                           grid_ms closest to 1h (at least grid_ms) */
    int64_t keep_ms;                    /* calendar period (long_ms = 0) only: the longest
                                           window it answers (the longest period, from its
                                           start); 0 means 92d, a calendar quarter. Rounded
                                           up to a multiple of grid_ms, >= fine_ms. Must be 0
                                           for a rolling period, whose reach is long_ms */
    size_t nedge;                       /* more windows answered exactly through edge */
    int64_t edge_ms[BUCKETS_MAX_EDGES]; /* buckets, besides long_ms: each a
                            multiple of grid_ms, longer than fine_ms, at
                            most the reach. Resolved: sorted, no repeats */
};

/* Hard limits checked by buckets_new: times within +-2^53 ms, durations up
 * to 2^50 ms, at most this many buckets (32 MiB) in one store. */
#define BUCKETS_MAX_BUCKETS (1L << 22)

struct buckets;

/*
 * A store for p, empty, positioned so that at_ms (a multiple of grid_ms) is
 * its newest grid point. Parameters: grid_ms > 0; fine_ms > 0; long_ms 0 or
 * a multiple of grid_ms >= fine_ms. Returns NULL with e set on bad
 * parameters or when out of memory. Caller frees with buckets_free (accepts
 * NULL). The caller then backfills (see the top) and runs the edge fill
 * sequence (buckets_edge_want): unless at_ms - w is a multiple of c, the
 * very first window w of each edge window already needs its edge span.
 */
struct buckets *buckets_new(const struct buckets_params *p, int64_t at_ms, struct err *e);
void buckets_free(struct buckets *b);

/*
 * Adds count events at time t_ms. Events newer than the newest grid point T,
 * up to T + c (one coarse span ahead), go to buckets not yet reached (kept
 * until advance gets there); events at or before buckets_horizon() are older
 * than anything a window still needs and are ignored: returns 1; otherwise
 * 0. Returns -1 (nothing added) when t_ms > T + c or count is negative or
 * not finite. Call buckets_advance before adding the events of a read that
 * ends at the new evaluation time, not after. An event in a span whose edge
 * is filled also goes to the edge buckets, so late events keep both exact.
 */
int buckets_add(struct buckets *b, int64_t t_ms, double count);

/*
 * Moves the newest grid point forward to at_ms (a multiple of grid_ms, not
 * before the current one): fine buckets that leave the fine span are merged
 * into coarse ones, coarse buckets no window can reach any more are dropped,
 * edge buckets behind the old edge are dropped, and so is an edge fill that
 * was begun but not committed. Work is bounded by the size of the store, not
 * by the length of the jump. Returns 0, or -1 with e set (at_ms not a
 * multiple of grid_ms, before the current point or out of range).
 */
int buckets_advance(struct buckets *b, int64_t at_ms, struct err *e);

/*
 * The sum of the events in (at - w_ms, at] where at is the newest grid point.
 * w_ms is a multiple of grid_ms and either <= fine_ms or an edge window
 * (long_ms or one of edge_ms; for a calendar period also the period from its
 * start). Returns 0
 * with *out set, or -1 with e set when the store cannot answer exactly: the
 * window reaches past what is kept, or the edge it needs was not filled
 * (the message names the span).
 * In general any w_ms >= 0 (multiple of grid_ms) is answered when its old
 * edge at - w_ms is not before the creation backfill nor buckets_horizon()
 * and lies in the fine span, on a multiple of c, or in a filled edge span.
 * A calendar period's start must therefore be a multiple of c (a day or
 * hour boundary with the default c when grid_ms divides 1h) once it is
 * older than the fine span. Buckets are added oldest first.
 */
int buckets_sum(const struct buckets *b, int64_t w_ms, double *out, struct err *e);

/*
 * The coarse span (from_ms, to_ms] whose fine edge buckets an edge window
 * needs now or within lead_ms, if not filled yet: returns 1 and sets the
 * span, or 0 when nothing is needed. The caller re-reads the raw samples of
 * the span (with enough before it to know each series' previous sample),
 * adds each event with buckets_edge_add and calls buckets_edge_commit.
 * The oldest span needed is announced first: call it again after a commit
 * (at most two spans per edge window: its current one and the next). lead_ms
 * is clamped to
 * [0, c]; with lead_ms >= grid_ms the next span is announced at least one
 * evaluation before the window needs it (lead 0: in the evaluation that
 * needs it). Only spans that lie wholly at or before the newest grid point
 * are announced. Always 0 for a calendar period without edge windows.
 *
 * Fill sequence, after buckets_advance and the adds of the evaluation:
 *     while (buckets_edge_want(b, lead, &from, &to) == 1) {
 *         for each event (t, n) of the re-read of (from, to]:
 *             buckets_edge_add(b, from, t, n);
 *         if (buckets_edge_commit(b, from, &e) < 0) { report; break; }
 *     }
 */
int buckets_edge_want(const struct buckets *b, int64_t lead_ms, int64_t *from_ms, int64_t *to_ms);
/*
 * Adds one event of the re-read of the span starting at from_ms to its edge
 * buckets. Returns 0, or -1 when from_ms is not a span that may be filled
 * now (a live edge span, wholly in the past, not yet committed), t_ms is
 * outside (from_ms, from_ms + c], or count is negative or not finite.
 */
int buckets_edge_add(struct buckets *b, int64_t from_ms, int64_t t_ms, double count);
/*
 * Marks the span filled. Returns 0, or -1 with e set when the fine edge
 * buckets do not add up to the coarse bucket of the same span (the re-read
 * saw other data than the first read): the edge is then discarded and the
 * caller should report the mismatch.
 * A span without any buckets_edge_add is an empty edge (no events). The
 * comparison is exact for integer counts (a relative 1e-9 otherwise, for
 * sums of fractions added in another order). For the span that holds the
 * creation backfill's start (at_ms - reach at buckets_new), only the part
 * after that start is compared, whichever way the caller backfilled.
 * Committing a span already filled returns 0. Also -1 when from_ms is not a
 * span that may be filled now (see buckets_edge_add).
 */
int buckets_edge_commit(struct buckets *b, int64_t from_ms, struct err *e);

/* The newest grid point. */
int64_t buckets_at(const struct buckets *b);

/*
 * Events at or before this time are ignored by buckets_add: the start of the
 * oldest coarse span kept, floor((at - reach) / c) * c.
 */
int64_t buckets_horizon(const struct buckets *b);

/* The parameters in force, with coarse_ms and keep_ms resolved. */
void buckets_params_get(const struct buckets *b, struct buckets_params *out);

/* Bytes of memory the store may hold (its bound: every edge slot filled),
 * for the memory benchmark and test. */
size_t buckets_memory(const struct buckets *b);

/*
 * Checkpoint: appends a versioned, self-describing binary image of b to out
 * (see util's struct buf), and reads one back. buckets_load checks every
 * field and length and returns -1 with e set on anything malformed or made
 * for other parameters; *used is the number of bytes consumed.
 * Image, little-endian: "SLBK", u32 version 2, i64 grid, fine, long,
 * coarse and reach (resolved), i64 at, i64 backfill start, f64 the part of
 * the backfill span before that start, u32 number of edge windows besides
 * long and each as i64 (resolved), u32 counts of fine values (from the
 * fine span's start; trailing zeros are left out), coarse values (oldest
 * first, exactly as many as the position implies) and filled edges, then
 * the values, then each edge as i64 span start and r values. A value is a
 * varint: 2n for a whole count n below 2^53, else 1 and the f64. An edge
 * fill not committed is not saved. buckets_save returns 0, or -1 when out's cap is
 * reached (out is then left as it was). buckets_load never allocates more
 * than p implies, whatever the bytes say; params must match p exactly,
 * values must be finite and >= 0, and filled edges must still add up. On
 * success *out is a new store (caller frees) and *used is set.
 */
int buckets_save(const struct buckets *b, struct buf *out);
int buckets_load(const struct buckets_params *p, const uint8_t *data, size_t len, size_t *used,
                 struct buckets **out, struct err *e);

#endif
