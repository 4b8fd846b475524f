/*
 * cliview: the terminal views of `slo-sidecar status` and `slo-sidecar
 * explain`, pure: the JSON that GET /api/v1/slos answers (and, for explain,
 * optionally the loaded config) in, text out. No sockets, no clocks (the
 * caller passes "now"), no globals. Colour is ANSI SGR escapes, only when
 * the caller asks for it; alignment ignores the escapes.
 * Depends on util, config, slo, sliquery, exact, exactread, selector, jansson.
 */
#ifndef SLO_CLIVIEW_H
#define SLO_CLIVIEW_H

#include <stdint.h>
#include <jansson.h>
#include "config.h"
#include "util.h"

/* The escapes used, for tests and for callers that add their own text. */
#define CLIVIEW_GREEN "\033[32m"
#define CLIVIEW_YELLOW "\033[33m"
#define CLIVIEW_RED "\033[31m"
#define CLIVIEW_MAGENTA_BOLD "\033[1;35m"
#define CLIVIEW_BOLD "\033[1m"
#define CLIVIEW_RESET "\033[0m"

/* Cells of the budget bar in the status table. */
#define CLIVIEW_BAR_CELLS 10

struct cliview_opts {
    int color;      /* 1: colour the status and firing alerts */
    int64_t now_ms; /* for the age of the last evaluation */
};

/*
 * Checks an /api/v1/slos (or /api/v1/slos/NAME) answer of len bytes:
 * {"status":"success","data":[...]}. Returns 0 with *slos (the data array,
 * caller frees with json_decref), or -1 with e saying what is wrong: not
 * JSON, an error answer (its errorType and error), no data array.
 */
int cliview_parse(const char *body, size_t len, json_t **slos, struct err *e);

/*
 * Appends the status table of every SLO entry in slos (the API's data
 * array) to out: SLO (with its group labels), objective, SLI over the
 * period, budget left with a bar, status, burn rates 1h / 6h / 1d, firing
 * alerts, time to exhaustion, age of the last evaluation. Absent figures
 * print as "-". Returns 0, or -1 with e set (out of memory).
 */
int cliview_status(const json_t *slos, const struct cliview_opts *o, struct buf *out,
                   struct err *e);

/* cliview_explain's result when no entry of slos is named name. */
#define CLIVIEW_NOT_FOUND 1

/*
 * Appends to out the explanation in words of the SLO name: one section per
 * entry (per group for a grouped SLO): what it measures, the queries it
 * runs (only when cfg is given: promql mode the PromQL per window as the
 * daemon builds it at the entry's evaluation time, remote_read mode the
 * selectors read), the budget in time, consumed and left, burn rates and
 * how long the budget lasts at them, and each alert rule of the table (the
 * config's, else the default one) with the actual burn rates against its
 * factor. Returns 0; CLIVIEW_NOT_FOUND with e listing the known names; or
 * -1 with e set (out of memory).
 */
int cliview_explain(const json_t *slos, const char *name, const struct config *cfg,
                    const struct cliview_opts *o, struct buf *out, struct err *e);

/*
 * Formats a number of seconds for people, in its two largest units:
 * "3d4h", "43m12s", "2h", "59s", "0s" (rounded down to the second; negative
 * values as 0s). buf should hold 32 bytes.
 */
void cliview_human_duration(double seconds, char *buf, size_t len);

#endif
