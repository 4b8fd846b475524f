/*
 * rrseries: the series of a remote-read answer on their way to the caller's
 * callback, one at a time. The decoders (rrdecode) start a series with its
 * wire labels and add its samples, one by one (SAMPLES) or chunk by chunk
 * (streamed XOR chunks, decoded here with xorchunk); a flush hands it on.
 *
 * Each series reaches the callback with its labels sorted by name (a name
 * twice is an error), its samples sorted by time, duplicates (overlapping
 * chunks) removed, stale markers dropped and clipped to its query's
 * [start, end]. A long series goes in pieces of piece_samples, cut on its
 * query's span boundaries (rawsrc's align_ms), so that it never sits in
 * memory whole; once a piece is out, a sample at or before its end is an
 * error, as is a series of more than max_samples in one read.
 *
 * The buffers (labels as "name\0value\0" in wire order, samples, sort
 * scratch) are reused across series and runs, so memory follows the largest
 * series, not the whole answer; rrseries_trim gives back what one big answer
 * grew. Pure: no I/O.
 * Depends on util, rawsrc, xorchunk, protobuf-c (types.pb-c.h, generated from proto/).
 */
#ifndef SLO_RRSERIES_H
#define SLO_RRSERIES_H

#include <stddef.h>
#include <stdint.h>
#include "rawsrc.h"
#include "types.pb-c.h"
#include "util.h"

/*
 * Owned by its user (the remote_read client embeds one); the fields are for
 * reading, and only this module writes them.
 */
struct rrseries {
    /* fixed by rrseries_init */
    size_t max_labels;
    size_t max_label_bytes;
    /* the run, set by rrseries_begin */
    const struct rawsrc_query *q;
    size_t nq;
    rawsrc_cb cb;
    void *arg;
    size_t max_samples;   /* of one series in one read */
    size_t piece_samples; /* gathered before a long series is handed on */
    /* the attempt, cleared by rrseries_reset */
    uint64_t series;   /* series delivered (their last piece) */
    uint64_t samples;  /* samples delivered, after clipping and dedup */
    int cb_failed;     /* 1: the caller's callback failed, its message in cb_err */
    struct err cb_err; /* the callback's error */
    /* the series being gathered */
    int active;
    size_t query;
    size_t nlabels;
    struct buf names; /* nlabels "name\0value\0" pairs, wire order */
    struct label *lv; /* sorted view into names, for the callback */
    size_t lvcap;
    struct rawsrc_sample *s;
    size_t n;
    size_t cap;
    size_t total;              /* samples of the series in this read, delivered or not */
    int cut;                   /* 1: a piece was delivered; samples must come after cut_t */
    int64_t cut_t;             /* the delivered pieces' end (a span boundary when aligned) */
    struct rawsrc_sample *tmp; /* merge sort scratch */
    size_t tmpcap;
};

/*
 * Sets s up empty for series of at most max_labels labels, each name and
 * value at most max_label_bytes long. Allocates nothing; rrseries_free frees
 * what later calls grow.
 */
void rrseries_init(struct rrseries *s, size_t max_labels, size_t max_label_bytes);

/* Frees the buffers of s (not s itself); s may be set up again with rrseries_init. */
void rrseries_free(struct rrseries *s);

/*
 * Starts a run: the series go to cb(arg, ...) for the queries q[0..nq),
 * which must outlive the run. Also clears the attempt (rrseries_reset).
 */
void rrseries_begin(struct rrseries *s, const struct rawsrc_query *q, size_t nq, rawsrc_cb cb,
                    void *arg, size_t max_samples, size_t piece_samples);

/* Drops the series being gathered and clears the counts and cb_failed, before an attempt. */
void rrseries_reset(struct rrseries *s);

/* 1 when labels l[0..n) of query qi are those of the series being gathered. */
int rrseries_same(const struct rrseries *s, size_t qi, Prometheus__Label *const *l, size_t n);

/*
 * Starts gathering a new series of query qi with labels l[0..n), dropping
 * an unflushed one. 0, or -1 with e set: too many labels, a name or value
 * too long, an empty name, out of memory.
 */
int rrseries_start(struct rrseries *s, size_t qi, Prometheus__Label *const *l, size_t n,
                   struct err *e);

/*
 * Adds one sample to the series being gathered, handing a piece on when
 * piece_samples are waiting. 0, or -1 with e set: over max_samples, a sample
 * at or before a delivered piece's end, out of memory, or the callback's
 * error (cb_failed set, e holds its message).
 */
int rrseries_add_sample(struct rrseries *s, int64_t t, double v, struct err *e);

/*
 * Decodes chunk idx of the series being gathered into it, as add_sample.
 * Only XOR chunks can be read: another encoding is an error naming it, as
 * is a chunk xorchunk refuses.
 */
int rrseries_add_chunk(struct rrseries *s, const Prometheus__Chunk *ch, size_t idx, struct err *e);

/*
 * Hands the series being gathered (or its last piece), if any, to the
 * callback, even with no sample left, and counts it. 0, or -1 with e set
 * (cb_failed tells the callback's error apart).
 */
int rrseries_flush(struct rrseries *s, struct err *e);

/* Frees the buffers one big answer grew past what is worth keeping for the next. */
void rrseries_trim(struct rrseries *s);

#endif
