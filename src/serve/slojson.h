/*
 * slojson: the JSON views of a snapshot: `eval --format=json`, and the
 * /api/v1/slos endpoints (the same SLO objects), and of history points and
 * events. Pure; built with jansson.
 * Depends on snapshot, slo, history, jansson.
 */
#ifndef SLO_SLOJSON_H
#define SLO_SLOJSON_H

#include <jansson.h>
#include "history.h"
#include "snapshot.h"

/* One SLO entry as in the contract. New reference, NULL on allocation failure. */
json_t *slojson_slo(const struct snapshot_slo *s);

/* The array of every entry, or only those named name when name is not NULL. */
json_t *slojson_slos(const struct snapshot *snap, const char *name);

/* {"at": T, "slos": [...]} for eval. */
json_t *slojson_eval(const struct snapshot *snap);

/*
 * One event (docs/metrics-and-api.md, "History, events and webhooks"): {"id",
 * "time", "type": "status"|"alert", "slo", "group"?, then "from"/"to" or
 * "severity"/"firing", and the figures at that time}. New reference or NULL.
 */
json_t *slojson_event(const struct history_event *e);

/* The array of events ev[0..n). */
json_t *slojson_events(const struct history_event *ev, size_t n);

/*
 * The history points p[0..n) of one instance with group labels g:
 * {"group"?, "points": [{"time", "sli", "budget_remaining", "burn_rate_1h",
 * "status"}]}. Figures were kept as floats: they print with 7 digits.
 */
json_t *slojson_history_series(const struct labels *g, const struct history_point *p, size_t n);

/* Serialises j compactly or indented; caller frees. NULL on failure. */
char *slojson_dump(const json_t *j, int pretty);

#endif
