/*
 * webhook: notifies global.webhooks of history events (status changes,
 * alerts starting and stopping to fire) in the background, so a slow or
 * dead receiver never delays an evaluation.
 *
 * The poller hands each evaluation's new events to webhook_notify, which
 * only queues: one JSON batch per webhook whose `events` filter keeps any
 * of them (docs/metrics-and-api.md, "History, events and webhooks"). One
 * sender thread POSTs the batches in order, retrying transient failures (no
 * answer, 408, 429, 5xx) after exponential backoff with jitter, or the
 * receiver's Retry-After, up to the webhook's max_attempts. At most
 * WEBHOOK_MAX_PENDING batches wait; past that the oldest is dropped and
 * counted, never silently.
 * Depends on util, config, history, slojson, log, libcurl, pthreads.
 */
#ifndef SLO_WEBHOOK_H
#define SLO_WEBHOOK_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "history.h"
#include "util.h"

#define WEBHOOK_MAX_PENDING 256
/* Backoff before retry k: up to WEBHOOK_BACKOFF_BASE_MS * 2^(k-1), at most the max. */
#define WEBHOOK_BACKOFF_BASE_MS 1000
#define WEBHOOK_BACKOFF_MAX_MS 60000

struct webhook_stats {
    uint64_t delivered; /* batches a receiver accepted (2xx) */
    uint64_t failed;    /* batches given up after their attempts */
    uint64_t dropped;   /* batches dropped unsent: queue full, or shutdown */
    uint64_t retries;   /* attempts after the first */
};

struct webhooks;

/*
 * Starts the sender for cfg's webhooks (a copy is kept; cfg may be freed
 * afterwards). With no webhooks configured it starts no thread. Returns
 * NULL with e set on failure.
 */
struct webhooks *webhook_start(const struct config *cfg, struct err *e);

/*
 * After a reload: batches queued from now on go to cfg's webhooks; those
 * already queued keep the target they were queued for. 0, or -1 with e set
 * (out of memory; the old targets stay).
 */
int webhook_update(struct webhooks *w, const struct config *cfg, struct err *e);

/* Queues ev[0..n) for every webhook that wants any of them. Never blocks on the network. */
void webhook_notify(struct webhooks *w, const struct history_event *ev, size_t n);

void webhook_get_stats(struct webhooks *w, struct webhook_stats *out);

/*
 * Stops the sender: a transfer in progress is abandoned, and batches not
 * yet delivered are dropped (counted and logged). Frees w; accepts NULL.
 */
void webhook_stop(struct webhooks *w);

/* Pure policy, exposed for tests. */

/* 1 when an attempt may be retried: no HTTP answer (status 0), 408, 429 or 5xx. */
int webhook_retryable(long status);

/* Backoff before retry number retry (>= 1): uniform in [cap/2, cap], cap = base * 2^(retry-1). */
int64_t webhook_backoff_ms(int retry, uint64_t rnd);

/*
 * The JSON body for the events of ev[0..n) that kinds (CONFIG_WEBHOOK_*)
 * selects: {"version": "1", "events": [...]}, or NULL when none is selected
 * or out of memory (*none set to tell which). Caller frees.
 */
char *webhook_body(const struct history_event *ev, size_t n, unsigned kinds, int *none);

#endif
