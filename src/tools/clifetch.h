/*
 * clifetch: GET of a running sidecar's /api/v1/slos for the `status` and
 * `explain` commands. One plain libcurl easy handle per call; http and
 * https only, no redirects followed, the body capped. Not pure: the pure
 * rendering is cliview's.
 * Depends on util, httpc (messages), libcurl (curl_global_init is main's job).
 */
#ifndef SLO_CLIFETCH_H
#define SLO_CLIFETCH_H

#include <stdint.h>
#include "util.h"

/* Largest answer accepted. */
#define CLIFETCH_MAX_BYTES (64u * 1024u * 1024u)

/*
 * GETs <base_url>/api/v1/slos (base_url without a trailing slash or with
 * one) within timeout_ms. Returns 0 with the body appended to body (which
 * the caller inits with a cap, and frees); or -1 with e saying what failed
 * with the URL: connection refused, timeout, an HTTP status other than 200
 * (with an excerpt of the body).
 */
int clifetch_slos(const char *base_url, int64_t timeout_ms, struct buf *body, struct err *e);

#endif
