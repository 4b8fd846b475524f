/*
 * rawsrc: the one small interface between the exact engine and a store it
 * reads raw samples from. Two transports implement it: remote_read (the
 * remote-read protocol, remote_read.c) and api_read (bare range selectors
 * through /api/v1/query, apiread.c). The engine (exactread) never knows
 * which one answered.
 *
 * A run asks for the series matching each query with their raw samples in
 * [start_ms, end_ms] (both ends inclusive) and hands each series to the
 * callback: samples sorted by time, one per timestamp, stale markers dropped.
 * A series may reach the callback more than once in one run (a transport
 * that reads a long range in pieces delivers each piece in time order, and
 * a server may split a series); the caller merges by labels. A transport
 * never splits a span (k*align_ms, (k+1)*align_ms] of a query between two
 * deliveries when align_ms > 0, so a time slice is always judged from one.
 *
 * A run succeeds as a whole or fails (-1 with a message); the callback may
 * already have run when it fails, so callers stage or discard what they got.
 * Each transport is owned by one thread.
 * Depends on util, selector.
 */
#ifndef SLO_RAWSRC_H
#define SLO_RAWSRC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "selector.h"
#include "util.h"

/*
 * One query: the series matching sel (with suffix appended to the metric
 * name when not NULL, and one more matcher extra_name extra_op extra_value
 * when extra_name is not NULL, as in selector_format) between start_ms and
 * end_ms inclusive.
 */
struct rawsrc_query {
    const struct selector *sel;
    const char *suffix;
    const char *extra_name;
    enum selector_op extra_op;
    const char *extra_value;
    int64_t start_ms;
    int64_t end_ms;
    int64_t align_ms; /* pieces start on multiples of it; 0: any */
};

struct rawsrc_sample {
    int64_t t_ms;
    double v;
};

/*
 * One series as delivered to the callback; everything is valid only during
 * the call. n may be 0: a series the store returned without a sample left
 * in [start_ms, end_ms] once stale markers are dropped.
 */
struct rawsrc_series {
    size_t query;                /* index into the queries asked */
    const struct labels *labels; /* all labels, __name__ included */
    const struct rawsrc_sample *s;
    size_t n;
};

/* Returns 0 to go on, or -1 with e set to abort the run. */
typedef int (*rawsrc_cb)(void *arg, const struct rawsrc_series *s, struct err *e);

struct rawsrc;

/* What a transport provides; each function gets the struct rawsrc it is embedded in. */
struct rawsrc_ops {
    const char *name; /* "remote_read", "api_read": for messages */
    int (*run)(struct rawsrc *src, const struct rawsrc_query *q, size_t nq, rawsrc_cb cb,
               void *arg, struct err *e);
    int (*unreachable)(const struct rawsrc *src);
    uint64_t (*retries)(const struct rawsrc *src);
    void (*new_round)(struct rawsrc *src);
    int (*set_cancel)(struct rawsrc *src, const atomic_int *flag);
    void (*free)(struct rawsrc *src);
};

/* Embedded as the first member of each transport's own struct. */
struct rawsrc {
    const struct rawsrc_ops *ops;
};

/*
 * Runs the queries q[0..nq) and calls cb for each series. 0, or -1 with e
 * set (the transport's message: URL, HTTP status, the store's words).
 * nq == 0 sends nothing and returns 0.
 */
static inline int rawsrc_run(struct rawsrc *src, const struct rawsrc_query *q, size_t nq,
                             rawsrc_cb cb, void *arg, struct err *e)
{
    return src->ops->run(src, q, nq, cb, arg, e);
}

/* 1 when the last run could not connect to the store (refused, not found, connect timeout). */
static inline int rawsrc_unreachable(const struct rawsrc *src)
{
    return src->ops->unreachable(src);
}

/* Requests retried since the transport was created. */
static inline uint64_t rawsrc_retries(const struct rawsrc *src)
{
    return src->ops->retries(src);
}

/* Starts a round of runs (one evaluation): see httpc_new_round. */
static inline void rawsrc_new_round(struct rawsrc *src)
{
    src->ops->new_round(src);
}

/* Runs stop soon after *flag turns non-zero (see httpc_set_cancel). 0 or -1. */
static inline int rawsrc_set_cancel(struct rawsrc *src, const atomic_int *flag)
{
    return src->ops->set_cancel(src, flag);
}

/* Frees the transport; accepts NULL. */
static inline void rawsrc_free(struct rawsrc *src)
{
    if (src != NULL)
        src->ops->free(src);
}

#endif
