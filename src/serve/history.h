/*
 * history: what the sidecar remembers of the past, for people. For each SLO
 * instance (an SLO, or one group of a grouped SLO) a compact series of its
 * figures per evaluation, thinned out as it ages; and a bounded log of
 * events: status changes (healthy, warning, critical, exhausted, no data)
 * and alerts starting or stopping to fire.
 *
 * Thinning keeps, per instance, every point of the last 6 hours, the last
 * point of each 10 minutes up to 2 days back, and the last point of each
 * hour further back, for the SLO's period (at least 7 days, so the burn
 * rate over the last days can be drawn). At a 1-minute interval and a 30d
 * period that is about 1,300 points of 24 bytes per instance.
 *
 * The poller records each published snapshot; HTTP threads read copies.
 * A history carries its own mutex: it is the one piece of state besides
 * the snapshot holder that both sides touch, and every call locks it
 * briefly, so any thread may call any function.
 * Depends on util, config, slo, snapshot, binio.
 */
#ifndef SLO_HISTORY_H
#define SLO_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "slo.h"
#include "snapshot.h"
#include "util.h"

/* Flags of a point: which figures it has (an absent figure is not 0). */
#define HISTORY_HAS_SLI 1u
#define HISTORY_HAS_BUDGET 2u
#define HISTORY_HAS_BURN 4u
/* Not observed live: computed from the store's data after a start (histfill). */
#define HISTORY_RECONSTRUCTED 8u

/* Figures of one instance at one evaluation. Floats: this is for display. */
struct history_point {
    int64_t t_ms;    /* evaluation time */
    float sli;       /* SLI over the period */
    float remaining; /* error budget remaining, ratio (negative when overspent) */
    float burn;      /* burn rate over 1h */
    uint8_t flags;   /* HISTORY_HAS_* */
    int8_t status;   /* enum slo_status */
};

enum history_event_kind {
    HISTORY_EVENT_STATUS, /* the status changed */
    HISTORY_EVENT_ALERT   /* an alert severity started or stopped firing */
};

struct history_event {
    uint64_t id; /* increasing from 1, never reused (kept in the state file) */
    int64_t t_ms;
    enum history_event_kind kind;
    char *slo;
    struct labels group;
    int has_from;                  /* STATUS: 0 when the instance had no known status before */
    enum slo_status from;          /* STATUS */
    enum slo_status to;            /* STATUS */
    enum config_severity severity; /* ALERT */
    int firing;                    /* ALERT: 1 started, 0 stopped */
    uint8_t flags;                 /* HISTORY_HAS_* for the figures below, at t_ms */
    double sli;
    double remaining;
    double burn;
};

/* Events kept (the oldest are dropped first). */
#define HISTORY_MAX_EVENTS 1000

struct history;

/* A new empty history, or NULL when out of memory. Free with history_free. */
struct history *history_new(void);
void history_free(struct history *h);

/*
 * Records every entry of snap at its evaluated_ms (an entry kept from an
 * earlier evaluation after a failure is not recorded twice) and derives
 * events against the last known state of each instance: a status change, an
 * alert that starts or stops firing. An instance seen for the first time
 * gives an event only when its status is not healthy (from unknown) or an
 * alert fires. The new events are also returned in *ev (count *nev) when ev
 * is not NULL (caller frees with history_events_free), for notification.
 * On the first record after history_new, history_load or
 * history_config_changed, instances whose SLO is not in cfg are forgotten.
 * Returns 0, or -1 when out of memory (the history stays consistent; a point
 * or event may be missing).
 */
int history_record(struct history *h, const struct config *cfg, const struct snapshot *snap,
                   struct history_event **ev, size_t *nev);

/* The point of snapshot entry s: its figures at its evaluation time. */
void history_point_of(const struct snapshot_slo *s, struct history_point *pt);

/*
 * Adds the reconstructed points p[0..n) (time order; flagged
 * HISTORY_RECONSTRUCTED here) of instance (name, group), whose period is
 * period_ms, where it has no point already: a point goes in only when none
 * lies less than step_ms away from it, so what was observed live always
 * wins and reconstruction fills what is missing (before the first live
 * point, or a gap while the sidecar was down). Gives no events. *added
 * (may be NULL) receives the number of points added. 0, or -1 when out of
 * memory (nothing added).
 */
int history_fill(struct history *h, const char *name, const struct labels *group,
                 int64_t period_ms, const struct history_point *p, size_t n, int64_t step_ms,
                 size_t *added);

/*
 * Whether the history of SLO name misses points over (since_ms, until_ms]:
 * 1 when it has no instance, or an instance has a stretch longer than
 * gap_ms there without a point; else 0.
 */
int history_has_gap(struct history *h, const char *name, int64_t since_ms, int64_t until_ms,
                    int64_t gap_ms);

/* The retention of an instance whose period is period_ms. */
int64_t history_keep_ms(int64_t period_ms);

/*
 * Tells h the config was replaced: the next history_record forgets the
 * instances of SLOs the config it is given no longer has (checked once
 * per config, not on every evaluation).
 */
void history_config_changed(struct history *h);

/*
 * Copies the points of instance (name, group) at or after since_ms, oldest
 * first, into *out (caller frees; NULL when none). group NULL or empty for
 * an ungrouped SLO. Returns 0 (with *n possibly 0, also for an unknown
 * instance), or -1 when out of memory.
 */
int history_points(struct history *h, const char *name, const struct labels *group,
                   int64_t since_ms, struct history_point **out, size_t *n);

/*
 * The group label sets history knows for SLO name, sorted (the empty set first)
 * (caller frees with history_groups_free). 0 or -1 (memory).
 */
int history_groups(struct history *h, const char *name, struct labels **out, size_t *n);
void history_groups_free(struct labels *g, size_t n);

/*
 * Copies the kept events with id > after_id, oldest first, at most limit of
 * the newest such (0: no limit), only those of SLO slo when slo is not NULL.
 * Caller frees with history_events_free. 0 or -1 (memory).
 */
int history_events(struct history *h, uint64_t after_id, const char *slo, size_t limit,
                   struct history_event **out, size_t *n);
void history_events_free(struct history_event *ev, size_t n);

/* Deep copy of one event. 0 or -1 (dst then zeroed). */
int history_event_copy(struct history_event *dst, const struct history_event *src);
/* Frees the contents of one event. */
void history_event_clear(struct history_event *ev);

/* Appends the image of h (every instance and event) to out. 0 or -1. */
int history_save(struct history *h, struct buf *out);

/*
 * Replaces the contents of h by the image data[0..len). All or nothing: a
 * malformed image changes nothing and returns -1 with e set. Returns the
 * number of instances restored.
 */
int history_load(struct history *h, const uint8_t *data, size_t len, struct err *e);

/* Number of instances kept, and points over all of them (for tests, metrics). */
void history_sizes(struct history *h, size_t *instances, size_t *points);

#endif
