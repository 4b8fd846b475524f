/*
 * qcheck: `check`'s look at the queries of a config. Every query the
 * sidecar would send for an SLO (promql mode's batched increase() queries
 * and free PromQL with {{.window}} expanded for each window, the bare range
 * selectors of the exact modes and of time slices) goes through pqsyntax;
 * with a store client, each is also sent once to the store as an instant
 * query at time 1 (1970, where no data is read), and what the store refuses
 * is reported with its own message. Messages point at the field in the
 * config file (the exact column when the query is written on one line
 * without escapes, else the field's value).
 * Depends on util, config, yamlread, selector, slo, sliquery, pqsyntax, promql, libyaml.
 */
#ifndef SLO_QCHECK_H
#define SLO_QCHECK_H

#include <stddef.h>
#include "config.h"
#include "util.h"

struct promql_client;

/* The time the store is asked at: 1 s after the epoch, where it holds no data. */
#define QCHECK_STORE_TIME_MS 1000

/* What a check found: messages in SLO order, and their counts. */
struct qcheck_report {
    char **msgs; /* "FILE:LINE:COL: SLO NAME: FIELD: ..." lines, owned */
    size_t nmsgs;
    size_t errors;
    size_t warnings;
    size_t queries;  /* queries checked (each window's counts) */
    size_t sent;     /* queries the store was asked about */
    int unreachable; /* 1 when the store could not be asked (a message says why) */
};

void qcheck_report_init(struct qcheck_report *r);
void qcheck_report_free(struct qcheck_report *r);

/*
 * Checks the queries of every SLO of cfg. With pc NULL, only their syntax:
 * each error (also a function Prometheus does not have) is an error. With
 * a client, each query is also sent to the store, which judges it: a query
 * it refuses (HTTP 400 or 422) is an error with the store's message; what
 * pqsyntax refuses but the store accepts (MetricsQL's functions, say) is
 * only a warning. When the store cannot be asked (no connection, another
 * status, a timeout), r->unreachable is set, one message says why, and no
 * more queries are sent. Returns 0 with r filled, -1 with e set when out of
 * memory.
 */
int qcheck_run(const struct config *cfg, struct promql_client *pc, struct qcheck_report *r,
               struct err *e);

#endif
