/*
 * table: the aligned, human-readable table of `eval --format=table`.
 * Pure: renders a snapshot into a buffer.
 * Depends on snapshot, slo, util.
 */
#ifndef SLO_TABLE_H
#define SLO_TABLE_H

#include "snapshot.h"
#include "util.h"

/* Appends the table to out. Returns 0 or -1. */
int table_render(const struct snapshot *snap, struct buf *out);

#endif
