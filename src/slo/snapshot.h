/*
 * snapshot: the immutable results of one evaluation, reference-counted, and
 * the holder through which the poller publishes them and HTTP threads read
 * them. A snapshot owns copies of every string it shows, so it outlives the
 * config it came from (a reload may free that config while a scrape renders).
 * Depends on util, config, slo, pthreads.
 */
#ifndef SLO_SNAPSHOT_H
#define SLO_SNAPSHOT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "slo.h"
#include "util.h"

/* One SLO instance (one group of a grouped SLO) as evaluated at evaluated_ms. */
struct snapshot_slo {
    char *name;
    char *service;
    char *description;
    char *period_name;
    const char *sli_kind; /* static string */
    struct labels labels; /* global labels overlaid by the SLO's labels */
    struct labels group;  /* group_by labels; empty when ungrouped */
    double objective;     /* ratio */
    int64_t period_ms;    /* full period length */
    int64_t period_start_ms;
    double period_elapsed; /* share of the period elapsed; 1 for rolling periods */
    size_t nwin;
    struct slo_window_result *win;
    struct slo_budget budget;
    enum slo_status status;
    int compliant; /* 1, 0, or -1 when absent */
    size_t nalerts;
    struct slo_alert alerts[2];
    /* The SLO's alert table (alerting.windows or the default), copied so
     * /metrics can show each condition's factor (slo_alert_burn_rate_threshold). */
    size_t nconds;
    struct config_alert_window *conds;
    int64_t evaluated_ms;   /* the evaluation time T these figures are for */
    int64_t last_active_ms; /* grouped: last T with events in the shortest window
                               (engine_merge carries it over; for group_ttl) */
};

/* Bounds of slo_sidecar_evaluation_duration_seconds. */
#define SNAPSHOT_NBUCKETS 10
extern const double snapshot_duration_buckets[SNAPSHOT_NBUCKETS];

/* The sidecar's own figures, copied into each snapshot. */
struct snapshot_stats {
    uint64_t eval_success; /* SLO evaluations that succeeded */
    uint64_t eval_failure;
    uint64_t eval_skipped;           /* SLO evaluations not started: the previous one still ran */
    uint64_t state_bytes;            /* bytes written to the state file (whole files) */
    uint64_t history_bytes;          /* and to the history file */
    uint64_t state_write_failures;   /* state file writes that failed */
    uint64_t history_write_failures; /* and history file writes */
    uint64_t duration_count;         /* SLO evaluations timed */
    double duration_sum;
    uint64_t duration_buckets[SNAPSHOT_NBUCKETS]; /* cumulative */
    int backend_up;
    uint64_t backend_retries;   /* backend requests retried, across reloads */
    uint64_t webhook_delivered; /* webhook batches by outcome (webhook_stats) */
    uint64_t webhook_failed;
    uint64_t webhook_dropped;
    uint64_t webhook_retries;
    uint64_t history_points;  /* points the history keeps, over all instances */
    uint64_t history_fill_ok; /* SLOs whose history was reconstructed (histfill) */
    uint64_t history_fill_failed;
    uint64_t history_fill_points; /* points reconstructed */
    uint64_t groups_dropped;      /* groups left out by max_groups, summed over evaluations */
    uint64_t slos_over_groups;    /* SLOs over their max_groups at the last evaluation */
    int shard_index;              /* this replica's shard, 0..shard_count-1 (--shard) */
    int shard_count;              /* 1 when not sharded */
    size_t slos;                  /* SLOs this replica evaluates (of its shard) */
    int config_reload_ok;
    double config_reload_ts; /* unix seconds */
    int ready;               /* a successful evaluation has happened */
};

/* Pages rendered from a snapshot alone, so they can be kept with it. */
enum snapshot_page {
    SNAPSHOT_PAGE_METRICS, /* /metrics */
    SNAPSHOT_PAGE_SLOS,    /* /api/v1/slos */
    SNAPSHOT_NPAGES
};

struct snapshot {
    int refs; /* guarded by the holder's mutex */
    int64_t at_ms;
    size_t n;
    struct snapshot_slo *slos;
    struct snapshot_stats stats;
    pthread_mutex_t page_mu; /* guards page and page_len */
    char *page[SNAPSHOT_NPAGES];
    size_t page_len[SNAPSHOT_NPAGES];
};

/* Renders a page of snap into out (whose cap it must respect). Returns 0 or -1. */
typedef int (*snapshot_render_fn)(const struct snapshot *snap, struct buf *out);

/* A new empty snapshot with one reference. NULL on allocation failure. */
struct snapshot *snapshot_new(int64_t at_ms);

/* Moves s into snap and zeroes s. Returns 0 or -1 (s untouched). */
int snapshot_take(struct snapshot *snap, struct snapshot_slo *s);

/* Appends a deep copy of s. Returns 0 or -1. */
int snapshot_add_copy(struct snapshot *snap, const struct snapshot_slo *s);

/* Frees the contents of one entry (not the struct itself). Accepts zeroed entries. */
void snapshot_slo_clear(struct snapshot_slo *s);

/* Deep copy of src into dst. Returns 0 or -1 (dst then cleared). */
int snapshot_slo_copy(struct snapshot_slo *dst, const struct snapshot_slo *src);

/*
 * Page `which` of snap: rendered by render (into a buffer capped at cap) on
 * first use and kept until the snapshot is freed, so the scrapes between two
 * evaluations render it once (rendering 1,000 SLOs costs far more than
 * copying the text). Concurrent first callers wait for one rendering. The
 * caller holds a reference to snap; *text (not NUL-terminated) lives as long
 * as that reference. Returns 0, or -1 when rendering failed; a failure is not
 * kept, the next call tries again.
 */
int snapshot_page(struct snapshot *snap, enum snapshot_page which, snapshot_render_fn render,
                  size_t cap, const char **text, size_t *len);

/* Finds an entry by SLO name (the first group when grouped), or NULL. */
const struct snapshot_slo *snapshot_find(const struct snapshot *snap, const char *name);

/* Records one evaluation cycle's duration in the histogram. */
void snapshot_stats_observe(struct snapshot_stats *st, double seconds);

/* The publication point between the poller and the HTTP threads. */
struct snapshot_holder {
    pthread_mutex_t mu;
    struct snapshot *cur;
};

int snapshot_holder_init(struct snapshot_holder *h);
/* Releases the current snapshot. No reader may be running. */
void snapshot_holder_destroy(struct snapshot_holder *h);
/* Publishes snap (takes the caller's reference) and drops the holder's old one. */
void snapshot_holder_publish(struct snapshot_holder *h, struct snapshot *snap);
/* Returns the current snapshot with a new reference (or NULL): release it after use. */
struct snapshot *snapshot_holder_acquire(struct snapshot_holder *h);
/* Drops a reference taken by acquire; frees the snapshot at zero. */
void snapshot_release(struct snapshot_holder *h, struct snapshot *snap);
/* Frees a snapshot that was never published. */
void snapshot_free(struct snapshot *snap);

#endif
