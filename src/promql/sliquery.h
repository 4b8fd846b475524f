/*
 * sliquery: builds the PromQL that promql mode sends for one SLO, pure.
 * Events and latency SLIs ask for all windows in one query per selector:
 * each window's sum(increase(...)) is tagged with a window label by
 * label_replace and the parts are joined with "or". Free promql SLIs are
 * sent once per window, since their result may be a scalar. Time-slice SLIs
 * get no query: the exact engine judges them from raw samples.
 * Depends on util, config, selector, slo, answer (the parts).
 */
#ifndef SLO_SLIQUERY_H
#define SLO_SLIQUERY_H

#include <stddef.h>
#include <stdint.h>
#include "answer.h"
#include "config.h"
#include "slo.h"

/* The label that tags each window's part of a batched answer. */
#define SLIQUERY_WINDOW_LABEL "slo_sidecar_window"

struct sliquery {
    char *text;
    enum answer_part part;
    int window; /* -1: batched, the window is in SLIQUERY_WINDOW_LABEL */
};

/*
 * Builds the queries of slo for the windows w[0..nw) at at_ms (none for a
 * time-slice SLI). On success returns 0 with *out (caller frees with
 * sliquery_free) and *n. -1 with e set on allocation failure.
 */
int sliquery_build(const struct config_slo *slo, const struct slo_window *w, size_t nw,
                   struct sliquery **out, size_t *n, struct err *e);
void sliquery_free(struct sliquery *q, size_t n);

#endif
