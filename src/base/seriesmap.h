/*
 * seriesmap: a hash map from label sets to dense indexes 0..n-1, for the
 * per-series state of the remote_read backend (the caller keeps its own
 * arrays indexed the same way). Open addressing on an FNV-1a hash of the
 * labels; keys are copied. No removal: callers that need to forget series
 * build a new map with the survivors.
 * Depends on util.
 */
#ifndef SLO_SERIESMAP_H
#define SLO_SERIESMAP_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

struct seriesmap;

/* An empty map, or NULL when out of memory. Caller frees with seriesmap_free. */
struct seriesmap *seriesmap_new(void);
void seriesmap_free(struct seriesmap *m);

/*
 * Finds l, adding a copy when it is new (its index is then the old count).
 * Returns 1 when added, 0 when found, -1 when out of memory or past
 * max_entries (0: no limit); *idx is set on 0 and 1.
 */
int seriesmap_get(struct seriesmap *m, const struct labels *l, size_t max_entries, size_t *idx);

/* Index of l, or -1 when absent. */
long seriesmap_find(const struct seriesmap *m, const struct labels *l);

size_t seriesmap_count(const struct seriesmap *m);

/* The labels of entry idx (idx < count); owned by the map. */
const struct labels *seriesmap_labels(const struct seriesmap *m, size_t idx);

/* Bytes held, labels included, for memory figures. */
size_t seriesmap_memory(const struct seriesmap *m);

#endif
