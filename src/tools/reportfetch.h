/*
 * reportfetch: the I/O half of `slo-sidecar report`: asks the backend for
 * the figures of a past period and fills report rows (see report.h for the
 * pure half). Whole period and each local day: backend_eval_slo with one
 * window ending there. Bad minutes of events and latency SLIs: the exact
 * modes (remote_read, api_read) count each minute exactly from the raw
 * samples, read one local day at a time through exactread; promql mode asks
 * the store to count the bad steps of --report.step with one subquery per
 * SLO.
 * Depends on util, config, slo, backend, report, promql, rawsrc, exact,
 * exactread, answer, selector.
 */
#ifndef SLO_REPORTFETCH_H
#define SLO_REPORTFETCH_H

#include <stdint.h>
#include "config.h"
#include "report.h"
#include "util.h"

/*
 * Fills rep (period already set) with one row per SLO and group of cfg.
 * step_ms is the promql-mode step (a whole number of minutes dividing a
 * day). -1 with e naming the SLO on a backend error; rep then holds
 * nothing worth printing (report_free it).
 */
int reportfetch_run(const struct config *cfg, int64_t step_ms, struct report *rep, struct err *e);

#endif
