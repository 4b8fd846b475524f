/*
 * statuspage: the HTML status pages the sidecar serves at / (every SLO) and
 * /slo/NAME (one SLO with its charts and events), pure: snapshot entries,
 * history points and events in, HTML out. No I/O and no clock (the caller
 * passes "now").
 *
 * The pages are self-contained: one inline <style>, inline SVG charts, no
 * script, font, image or other URL outside the sidecar, so they work
 * offline, without JavaScript, and under STATUSPAGE_CSP. Every string that
 * comes from the config (names, descriptions, labels) is HTML-escaped.
 * Absent figures read "no data", never 0 or NaN.
 * Depends on util, slo, snapshot, history (its types only), cliview
 * (durations for people).
 */
#ifndef SLO_STATUSPAGE_H
#define SLO_STATUSPAGE_H

#include <stddef.h>
#include <stdint.h>
#include "history.h"
#include "snapshot.h"
#include "util.h"

/* The Content-Security-Policy the pages are written to satisfy. */
#define STATUSPAGE_CSP "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

/* Groups of a grouped SLO that get charts on the detail page (all get figures). */
#define STATUSPAGE_MAX_CHART_GROUPS 12

/* Days of burn rate the detail page draws (or as much as the history has). */
#define STATUSPAGE_BURN_DAYS 7

/* Events listed on the detail page, newest first. */
#define STATUSPAGE_MAX_EVENTS 20

/* Cap of one rendered page. */
#define STATUSPAGE_MAX_BYTES (64u * 1024u * 1024u)

/* Appends s with & < > " ' escaped, for HTML text and attribute values. 0 or -1. */
int statuspage_escape(struct buf *out, const char *s);

/* Appends s percent-encoded for one URL path segment (unreserved bytes kept). 0 or -1. */
int statuspage_url_escape(struct buf *out, const char *s);

/*
 * Appends the index page to out: one row per snapshot entry (per group of
 * a grouped SLO) with objective, SLI over the period, budget left (a bar
 * and its figure), status (text and colour), burn rates over 1h, 6h and
 * 1d, firing alerts, time to exhaustion and the evaluation time with its
 * age at now_ms. snap NULL: a page saying there is no evaluation yet.
 * Returns 0, or -1 (out of memory or past out's cap).
 */
int statuspage_index(const struct snapshot *snap, int64_t now_ms, struct buf *out);

/* One instance of an SLO on its detail page: its figures and its history. */
struct statuspage_instance {
    const struct snapshot_slo *slo;
    const struct history_point *points; /* oldest first; NULL when none */
    size_t npoints;
};

/*
 * The oldest time the detail page of s draws at now_ms: the start of its
 * period (now - period for a rolling one) or STATUSPAGE_BURN_DAYS back,
 * whichever is earlier. Pass it to history_points as since_ms.
 */
int64_t statuspage_since(const struct snapshot_slo *s, int64_t now_ms);

/*
 * Appends the detail page of one SLO to out: inst[0..n) are its entries
 * (n > 0; one per group of a grouped SLO, whose labels head each part),
 * with the figures of every window, an SVG burn-down of the error budget
 * over the period and an SVG of the 1h burn rate over the last
 * STATUSPAGE_BURN_DAYS days, for the first STATUSPAGE_MAX_CHART_GROUPS
 * entries. history_on 0: the charts say that the sidecar keeps no history.
 * ev[0..nev) are the SLO's recent events, oldest first (shown newest
 * first). Returns 0 or -1.
 */
int statuspage_detail(const struct statuspage_instance *inst, size_t n, int history_on,
                      const struct history_event *ev, size_t nev, int64_t now_ms, struct buf *out);

/*
 * Appends the page for an unknown SLO name: it says so and links the SLOs
 * of snap (may be NULL). Returns 0 or -1.
 */
int statuspage_not_found(const char *name, const struct snapshot *snap, struct buf *out);

#endif
