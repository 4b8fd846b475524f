/*
 * promql: a client for the Prometheus HTTP API's instant queries
 * (POST /api/v1/query, form encoded), built on libcurl and jansson, and the
 * pure parser of its JSON answers. Works with any store that speaks the API
 * (Prometheus, Thanos, Mimir, VictoriaMetrics).
 * Depends on util, config, log, httpc, libcurl (curl_global_init is main's
 * job), jansson.
 */
#ifndef SLO_PROMQL_H
#define SLO_PROMQL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "util.h"
#include "config.h"

/*
 * Largest response body accepted; past it the query fails. Parsing one
 * costs the body, the result's structs (about 130 bytes per series of a
 * vector, 16 per point of a matrix) and a jansson tree of one series at a
 * time: a 58 MB answer of 1M series peaks at 189 MiB.
 */
#define PROMQL_MAX_BODY (64u * 1024u * 1024u)

/* One element of an instant vector (or the single value of a scalar). */
struct promql_sample {
    struct labels labels; /* includes __name__ when the answer has it */
    int64_t t_ms;
    double value; /* "NaN", "+Inf", "-Inf" are parsed to their doubles */
};

/* One raw sample of a range vector. */
struct promql_point {
    int64_t t_ms;
    double v;
};

/* One series of a range vector (resultType "matrix"). */
struct promql_series {
    struct labels labels;
    size_t n;
    struct promql_point *p; /* in the order the store sent them */
};

struct promql_result {
    int is_scalar; /* resultType "scalar": one sample, no labels */
    size_t n;
    struct promql_sample *v;
    size_t nseries; /* resultType "matrix" (promql_query_matrix only) */
    struct promql_series *series;
    char **warnings; /* copies of the "warnings" array, may be NULL */
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
int promql_parse_response(const char *body, size_t len, long http_status, struct promql_result *r,
                          struct err *e);

/*
 * Parses an /api/v1/query JSON body whose result is a range vector (the
 * answer to a bare range selector): fills r->series. Errors as for
 * promql_parse_response; any other resultType is an error. For tests and
 * fuzzing; promql_query_matrix uses it.
 */
int promql_parse_matrix(const char *body, size_t len, long http_status, struct promql_result *r,
                        struct err *e);

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
 * Like promql_query, for a query that answers a range vector (a bare range
 * selector such as rate_total[5m]): r->series is filled. extra_form (may be
 * NULL) is appended to the form as it is ("name=value&...", escaped). An
 * answer with warnings is an error, as for promql_query.
 */
int promql_query_matrix(struct promql_client *c, const char *query, int64_t at_ms,
                        const char *extra_form, struct promql_result *r, struct err *e);

/*
 * About the last query's failure: the HTTP status (0 when none arrived),
 * and 1 when the answer passed PROMQL_MAX_BODY. A store refusing a query for
 * its size says so with 422 (Prometheus --query.max-samples, the
 * VictoriaMetrics -search.max* limits).
 */
long promql_client_last_status(const struct promql_client *c);
/*
 * Whether answers may come compressed (Accept-Encoding; on by default).
 * Compressing costs the store CPU, which api_read's large answers of raw
 * samples on loopback are better off without. 0 or -1.
 */
int promql_client_set_compression(struct promql_client *c, int on);
int promql_client_last_too_big(const struct promql_client *c);

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

/* Queries stop soon after *flag turns non-zero: see httpc_set_cancel. 0 or -1. */
int promql_client_set_cancel(struct promql_client *c, const atomic_int *flag);

/* Starts a round of queries (one evaluation): see httpc_new_round. */
void promql_client_new_round(struct promql_client *c);

/*
 * 1 when the last query could not connect (connection refused, host not
 * found, no connection within the connect timeout): later queries would
 * most likely fail the same way, after the same wait. A query that timed
 * out once connected is not: it may be just that query that is slow.
 */
int promql_client_unreachable(const struct promql_client *c);

#endif
