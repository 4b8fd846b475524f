/*
 * backend: answers one question for the engine, whatever the mode:
 * "for SLO s, how many good and total events (or slices) fell in each window
 * ending at T, per group?". It picks who answers: promql mode's aggregate
 * queries (pqeval), or the exact engine (exact) over raw samples read
 * through remote_read or api_read, which also judges time slices in promql
 * mode. The SLO math never knows which one answered.
 *
 * Workers: SLOs may be evaluated at the same time on several threads. Each
 * worker (0 .. nworkers-1) has its own connections, used by one thread at a
 * time; two evaluations of the same SLO must not run at once.
 * Depends on util, config, slo, answer, pqeval, promql, exact, rawsrc,
 * remote_read, apiread.
 */
#ifndef SLO_BACKEND_H
#define SLO_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "slo.h"

struct backend;

/*
 * Creates the backend for cfg's mode with nworkers (>= 1) workers, each with
 * the clients the config needs. cfg must outlive it. Returns NULL with e set
 * on failure (a URL or header the clients refuse, memory).
 */
struct backend *backend_new(const struct config *cfg, size_t nworkers, struct err *e);
void backend_free(struct backend *b);

size_t backend_nworkers(const struct backend *b);

/*
 * With on, every request of b, running or to come, stops soon and fails
 * with "cancelled" (any thread may call it: shutdown, reload); off lets
 * requests run again.
 */
void backend_cancel(struct backend *b, int on);
int backend_cancelled(const struct backend *b);

/*
 * Counts for every group of slo over the windows w[0..nw) ending at at_ms,
 * through worker's connections. All or nothing: on any error (transport,
 * HTTP, parse, a NaN count, a histogram bucket that does not exist) returns
 * -1 with e set and out empty. An ungrouped SLO always yields exactly one
 * group, possibly without data.
 */
int backend_eval_slo(struct backend *b, size_t worker, const struct config_slo *slo, int64_t at_ms,
                     const struct slo_window *w, size_t nw, struct answer *out, struct err *e);

/*
 * For the daemon: keep state between evaluations where the mode has any
 * (the exact engine counts incrementally). Evaluations must then come at
 * multiples of the interval. 0, or -1 with e set.
 */
int backend_keep_state(struct backend *b, struct err *e);

/*
 * Checkpoint of the kept state (none in promql mode without time slices:
 * 0). Load returns how many SLOs were restored, or -1 with e set for a bad
 * file. No evaluation may be running.
 */
int backend_save_state(struct backend *b, const char *path, struct err *e);
int backend_load_state(struct backend *b, const char *path, struct err *e);
/*
 * Checkpoint while evaluations run (see exact_state_record): the record of
 * SLO i's state, appended to out by the thread that just evaluated it (0,
 * 1 when there is none, -1 at the cap); and the file of the newest records
 * (0 or -1 with e set).
 */
int backend_state_record(struct backend *b, size_t i, struct buf *out);
int backend_save_records(struct backend *b, const struct buf *rec, size_t n, const char *path,
                         struct err *e);
/* On reload: b takes over from's state of unchanged SLOs. Count or -1. */
int backend_take_state(struct backend *b, struct backend *from, struct err *e);

/*
 * 1 when worker's last request for slo could not connect to the backend
 * (refused, host not found, no connection within the connect timeout).
 */
int backend_unreachable(const struct backend *b, size_t worker, const struct config_slo *slo);

/* 1 when the last evaluation of any worker succeeded. */
int backend_up(const struct backend *b);

/*
 * Starts an evaluation round for worker: requests retry transient failures
 * again (see httpc_new_round: within a round, once a request has used up
 * its attempts, the others make one attempt each).
 */
void backend_new_round(struct backend *b, size_t worker);

/* Requests retried by worker's clients since they were created. */
uint64_t backend_retries(const struct backend *b, size_t worker);

/*
 * Worker's promql client (NULL unless promql mode) and raw-sample transport
 * (NULL when no SLO is counted exactly), for `report`'s own reads.
 */
struct promql_client *backend_promql(struct backend *b, size_t worker);
struct rawsrc *backend_source(struct backend *b, size_t worker);

/* Bytes the exact engine's states hold, for the memory benchmark. */
size_t backend_state_memory(const struct backend *b);

#endif
