/*
 * promql: a client for the Prometheus HTTP API's instant queries
 * (POST /api/v1/query, form encoded), built on libcurl and jansson, and the
 * pure parser of its JSON answers. Works with any store that speaks the API
 * (Prometheus, Thanos, Mimir, VictoriaMetrics).
 * Depends on util, config, log, libcurl, jansson.
 */
#ifndef SLO_PROMQL_H
#define SLO_PROMQL_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"
#include "config.h"

/* Largest response body accepted; past it the query fails. */
#define PROMQL_MAX_BODY (64u * 1024u * 1024u)

/* One element of an instant vector (or the single value of a scalar). */
struct promql_sample {
    struct labels labels;      /* includes __name__ when the answer has it */
    int64_t t_ms;
    double value;              /* "NaN", "+Inf", "-Inf" are parsed to their doubles */
};

struct promql_result {
    int is_scalar;             /* resultType "scalar": one sample, no labels */
    size_t n;
    struct promql_sample *v;
    char **warnings;           /* copies of the "warnings" array, may be NULL */
    size_t nwarnings;
};

void promql_result_init(struct promql_result *r);
void promql_result_free(struct promql_result *r);

/*
 * Parses an /api/v1/query JSON body. http_status is the response status (0 when
 * unknown). "status":"success" with resultType vector or scalar fills r and
 * returns 0. Everything else returns -1 with a message for people: Prometheus'
 * own errors as "<errorType>: <error>" (with the HTTP status), bodies that are
 * not JSON (an HTML error page, say) with their first bytes, resultType matrix
 * or string as unsupported, malformed samples as such; for 401, 403, 407 and
 * 429 what to check is appended (httpc_status_hint). r is left empty on error.
 */
int promql_parse_response(const char *body, size_t len, long http_status,
                          struct promql_result *r, struct err *e);

struct promql_client;

/*
 * Creates a client for cfg (URL, timeout, headers, bearer token file, basic
 * auth, TLS). The config must outlive the client. Token and password files are
 * read per request so rotated secrets are picked up. Caller frees with
 * promql_client_free. Returns NULL with e set on failure.
 */
struct promql_client *promql_client_new(const struct config_prometheus *cfg, struct err *e);
void promql_client_free(struct promql_client *c);

/*
 * Runs one instant query at time at_ms (sent as time=<seconds.millis>).
 * Transient failures (connection refused or reset, HTTP 429, 502, 503, 504)
 * are retried within the configured timeout (see httpc.h); a message of a
 * query that took several attempts ends with "(after N attempts)".
 * Returns 0 with r filled, or -1 with e describing the failure, including the
 * URL (transport errors, timeouts, HTTP errors, parse errors). Not thread-safe:
 * one client per thread. r is overwritten without being freed, so pass it
 * empty (after promql_result_init or promql_result_free); the caller frees it.
 * Needs curl_global_init to have been called once by the program (main does).
 */
int promql_query(struct promql_client *c, const char *query, int64_t at_ms,
                 struct promql_result *r, struct err *e);

/*
 * Queries attempted by this client since it was created, failed ones included
 * (promql_client_requests), and those of them that failed for any reason:
 * transport, HTTP status, unreadable secret file or unparsable answer
 * (promql_client_failures).
 */
uint64_t promql_client_requests(const struct promql_client *c);
uint64_t promql_client_failures(const struct promql_client *c);

/* Retries made by this client since it was created (attempts after each query's first). */
uint64_t promql_client_retries(const struct promql_client *c);

/* Starts a round of queries (one evaluation): see httpc_new_round. */
void promql_client_new_round(struct promql_client *c);

/*
 * 1 when the last query got no HTTP answer at all (connection refused, host
 * not found, timed out): later queries of the same evaluation would most
 * likely fail the same way, after the same wait.
 */
int promql_client_unreachable(const struct promql_client *c);

#endif
