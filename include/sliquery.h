/*
 * sliquery: builds the PromQL that promql mode sends for one SLO, pure.
 * Events and latency SLIs ask for all windows in one query per selector:
 * each window's sum(increase(...)) is tagged with a window label by
 * label_replace and the parts are joined with "or". Free promql SLIs are
 * sent once per window, since their result may be a scalar.
 * Depends on util, config, selector, slo.
 */
#ifndef SLO_SLIQUERY_H
#define SLO_SLIQUERY_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "slo.h"

/* The label that tags each window's part of a batched answer. */
#define SLIQUERY_WINDOW_LABEL "slo_sidecar_window"

enum sliquery_part {
    SLIQUERY_GOOD,
    SLIQUERY_BAD,
    SLIQUERY_TOTAL
};

struct sliquery {
    char *text;
    enum sliquery_part part;
    int window;             /* -1: batched, the window is in SLIQUERY_WINDOW_LABEL */
};

/*
 * Builds the queries of slo for the windows w[0..nw) at at_ms. On success
 * returns 0 with *out (caller frees with sliquery_free) and *n. -1 with e set
 * on allocation failure.
 */
int sliquery_build(const struct config_slo *slo, const struct slo_window *w, size_t nw,
                   struct sliquery **out, size_t *n, struct err *e);
void sliquery_free(struct sliquery *q, size_t n);

/*
 * Number of slices (k*s, (k+1)*s] that lie wholly inside (at - window, at].
 */
int64_t sliquery_slices(int64_t at_ms, int64_t window_ms, int64_t slice_ms);

/* The regex that matches the usual spellings of an le bound ("1", "1.0"). */
void sliquery_le_regex(double threshold, char *buf, size_t len);

#endif
