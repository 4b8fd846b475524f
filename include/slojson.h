/*
 * slojson: the JSON views of a snapshot: `eval --format=json`, and the
 * /api/v1/slos endpoints (the same SLO objects). Pure; built with jansson.
 * Depends on snapshot, jansson.
 */
#ifndef SLO_SLOJSON_H
#define SLO_SLOJSON_H

#include <jansson.h>
#include "snapshot.h"

/* One SLO entry as in the contract. New reference, NULL on allocation failure. */
json_t *slojson_slo(const struct snapshot_slo *s);

/* The array of every entry, or only those named name when name is not NULL. */
json_t *slojson_slos(const struct snapshot *snap, const char *name);

/* {"at": T, "slos": [...]} for eval. */
json_t *slojson_eval(const struct snapshot *snap);

/* Serialises j compactly or indented; caller frees. NULL on failure. */
char *slojson_dump(const json_t *j, int pretty);

#endif
