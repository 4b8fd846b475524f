/*
 * httpc: the libcurl plumbing shared by the backend clients (promql,
 * remote_read). One easy handle per client, kept for the client's life so
 * the connection is reused, set up from prometheus.* of the config: timeouts,
 * TLS, basic auth, http/https only, redirects reported and never followed.
 * Per request: the configured headers plus the caller's, the bearer token and
 * the basic auth password read from their files (so rotated secrets are
 * picked up) and wiped after the request. Transfer errors are described in
 * words a user can act on; URLs in messages have their password masked.
 *
 * Retries (docs/operations.md, "Retries"): a request may make up to max_attempts attempts
 * (prometheus.retries.max_attempts), all within one deadline, the configured
 * timeout counted from the first attempt, so a slow or hanging backend still
 * costs one timeout. Only transient failures are retried (httpc_retryable),
 * retry k after a backoff of up to 200ms * 2^(k-1) (full jitter), or the
 * server's Retry-After when longer, never past the deadline. The policy is
 * pure (httpc_retryable, httpc_backoff_ms, httpc_retry_wait,
 * httpc_retry_after_parse); httpc_retry applies it. Whether the callers may
 * retry at all (remote_read: only when nothing reached its callback) is
 * theirs to decide.
 * A client, and so its httpc, is owned by one thread.
 * Depends on util, config, libcurl (curl_global_init is main's job).
 */
#ifndef SLO_HTTPC_H
#define SLO_HTTPC_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "config.h"
#include "util.h"

/* Connecting (TCP and TLS) may take at most this long, within the request timeout. */
#define HTTPC_CONNECT_TIMEOUT_MS 5000

/* Backoff before retry k (1, 2, ...): uniform in [0, min(MAX, BASE * 2^(k-1))] ms. */
#define HTTPC_BACKOFF_BASE_MS 200
#define HTTPC_BACKOFF_MAX_MS 5000

/* A retry is made only when at least this much of the deadline is left after its wait. */
#define HTTPC_RETRY_MIN_LEFT_MS 100

/* A Retry-After longer than this is not waited for, deadline or not. */
#define HTTPC_RETRY_AFTER_MAX_MS 60000

/* Size of an httpc_excerpt output buffer for up to HTTPC_EXCERPT_MAX input bytes. */
#define HTTPC_EXCERPT_MAX 240
#define HTTPC_EXCERPT_SIZE (2 * HTTPC_EXCERPT_MAX + 16)

struct httpc {
    const struct config_prometheus *cfg;
    CURL *curl;
    char *url;       /* <cfg->url><path>, what curl fetches */
    char *shown_url; /* the same with any password masked, for messages */
    char errbuf[CURL_ERROR_SIZE];
    int unreachable; /* the last attempt could not connect (refused, host not
                        found, no connection within the connect timeout) */
    /* retries */
    int max_attempts; /* per request, >= 1 */
    uint64_t rng;     /* jitter PRNG state, seeded by httpc_init */
    uint64_t retries; /* retries made since httpc_init */
    int paused;       /* this round, a request used up its attempts: one each now */
    /* the current request */
    int attempts;               /* attempts made (httpc_perform calls since httpc_begin) */
    int64_t deadline_ms;        /* monotonic; 0: no timeout */
    int64_t attempt_timeout_ms; /* the last attempt's limits (0: none), for messages */
    int64_t attempt_connect_ms;
    char gave_up[128];        /* why a retryable failure was not retried, or "" */
    const atomic_int *cancel; /* non-zero: stop transfers and waits at once (or NULL) */
};

/*
 * Sets h up for POST requests to <cfg->url><path>: checks the URL is set and
 * the configured headers are valid, creates the handle and sets the options
 * every request shares. The caller then sets its own (write callback, accepted
 * encodings, size limits). cfg must outlive h. Returns 0, or -1 with e set
 * and h safe to pass to httpc_cleanup. h must be zeroed before the call.
 */
int httpc_init(struct httpc *h, const struct config_prometheus *cfg, const char *path,
               struct err *e);

/*
 * From now on, a transfer or a retry wait of h stops soon after *flag
 * turns non-zero (another thread sets it: shutdown, reload), failing with
 * "cancelled". flag must outlive h. 0, or -1 when libcurl refuses.
 */
int httpc_set_cancel(struct httpc *h, const atomic_int *flag);

/* 1 when h's cancel flag is set. */
int httpc_cancelled(const struct httpc *h);

/* Releases what h holds; accepts a zeroed or half-initialised h. */
void httpc_cleanup(struct httpc *h);

/* The secrets and header list of one request; zero it before httpc_begin. */
struct httpc_req {
    struct curl_slist *headers;
    char *token;
    char *password;
};

/*
 * Starts a round of requests (one evaluation): requests retry again. Within
 * a round, once a request has used up its attempts (or its deadline) on
 * transient failures, the following requests make one attempt each, so a
 * backend that keeps failing costs one series of backoffs per round, not one
 * per SLO, and a struggling one is not sent several times the load.
 */
void httpc_new_round(struct httpc *h);

/*
 * Prepares one request: reads the secret files and sets the request headers:
 * the configured ones, then defaults[0..ndefaults) ("Name: value", each left
 * out when the config sets a header of that name), then fixed[0..nfixed)
 * (protocol headers: a configured header of the same name is left out
 * instead), then the bearer token. Returns 0, or -1 with a message in msg
 * (secrets never appear in it). Always call httpc_end afterwards.
 */
int httpc_begin(struct httpc *h, struct httpc_req *r, const char *const *defaults,
                size_t ndefaults, const char *const *fixed, size_t nfixed, char *msg, size_t len);

/*
 * Runs one attempt of the transfer prepared by httpc_begin and the caller's
 * options, within what is left of the request's deadline (the first attempt
 * sets it). Sets h->unreachable. Returns curl's result; see
 * httpc_transfer_error.
 */
CURLcode httpc_perform(struct httpc *h);

/*
 * After a failed attempt: cc is its result (CURLE_OK when the caller stopped
 * the transfer itself once the status had arrived), status the HTTP status
 * (0 when none arrived). When the policy allows another attempt, waits the
 * backoff (or the Retry-After) and returns 1; the caller then resets what
 * the attempt left and calls httpc_perform again. Else returns 0, and the
 * failure is final. Sleeps: call it only from the thread that owns h.
 */
int httpc_retry(struct httpc *h, CURLcode cc, long status);

/*
 * Appends to msg (of size len) what the final error should add about the
 * attempts: " (after 3 attempts)", why the server's Retry-After was not
 * waited for, or nothing for a single plain attempt. msg is cut first
 * when the note would not fit.
 */
void httpc_note_attempts(const struct httpc *h, char *msg, size_t len);

/* Retries made by h since it was created (attempts after the first of each request). */
uint64_t httpc_retries(const struct httpc *h);

/* ---- the retry policy, pure ---- */

/*
 * 1 when a failed attempt may be retried: no HTTP answer at all because the
 * connection was refused, reset or closed before a status line arrived
 * (status 0), or HTTP 429, 502, 503 or 504 (see httpc.c for why not 500 and
 * the rest). cc and status as for httpc_retry.
 */
int httpc_retryable(CURLcode cc, long status);

/*
 * The backoff before retry number retry (>= 1): full jitter, uniform in
 * [0, min(HTTPC_BACKOFF_MAX_MS, HTTPC_BACKOFF_BASE_MS * 2^(retry-1))],
 * drawn from the random bits rnd.
 */
int64_t httpc_backoff_ms(int retry, uint64_t rnd);

/*
 * The wait before the next attempt, or -1 to give up: attempts made so far
 * (>= 1) of max_attempts; left_ms of the deadline (< 0: no deadline);
 * backoff_ms from httpc_backoff_ms; retry_after_ms from the server (< 0: none).
 * The wait is the longer of backoff and Retry-After; a backoff is cut to fit
 * the deadline (leaving HTTPC_RETRY_MIN_LEFT_MS for the attempt), while a
 * Retry-After that does not fit, or exceeds HTTPC_RETRY_AFTER_MAX_MS, means
 * giving up: the server asked not to be called before then.
 */
int64_t httpc_retry_wait(int attempts, int max_attempts, int64_t left_ms, int64_t backoff_ms,
                         int64_t retry_after_ms);

/*
 * Parses a Retry-After value: delay-seconds ("120") or an HTTP-date ("Fri,
 * 31 Dec 1999 23:59:59 GMT", also the obsolete RFC 850 and asctime forms),
 * which is turned into milliseconds from now_ms (0 when in the past).
 * Returns 0 with *ms set, or -1 for anything else (then it is ignored).
 */
int httpc_retry_after_parse(const char *value, int64_t now_ms, int64_t *ms);

/*
 * What to check for an HTTP status that usually means a setting is wrong or
 * the server pushes back: 401, 403, 407, 429; NULL for the others. Both
 * clients append it to their error messages.
 */
const char *httpc_status_hint(long status);

/*
 * Appends " (<tail>)"-style text tail to msg (of size len), cutting msg
 * (ending it with "...") rather than the tail when both do not fit.
 */
void httpc_append(char *msg, size_t len, const char *tail);

/*
 * Clears what httpc_begin set on the handle (header list, password) and
 * frees and wipes r.
 */
void httpc_end(struct httpc *h, struct httpc_req *r);

/*
 * Describes a failed transfer (cc != CURLE_OK): timeouts with the limit that
 * fired, "connection refused", a hint about the URL scheme or TLS settings,
 * else curl's own words. Write errors are the caller's to describe first:
 * they mean its write callback stopped the transfer.
 */
void httpc_transfer_error(struct httpc *h, CURLcode cc, char *msg, size_t len);

/* "HTTP 302 redirect to <Location> (redirects are not followed; ...)" into msg. */
void httpc_redirect_error(struct httpc *h, long code, char *msg, size_t len);

/*
 * Writes the first bytes of a body as a double-quoted string for an error
 * message: at most max (<= HTTPC_EXCERPT_MAX) input bytes, control and
 * non-ASCII bytes escaped so a binary or HTML answer cannot garble a log
 * line, and "..." when cut. out must hold HTTPC_EXCERPT_SIZE bytes.
 */
void httpc_excerpt(const char *body, size_t len, size_t max, char *out, size_t outlen);

/*
 * curl_easy_setopt with its result checked, for set-up code that reads as a
 * list of options: on failure it fills the struct err *e in scope with the
 * option's name and curl's reason, and jumps to the function's fail label.
 */
#define HTTPC_SETOPT(h, opt, val)                                                                 \
    do {                                                                                          \
        if (httpc_setopt_failed(curl_easy_setopt((h), (opt), (val)), #opt, e))                    \
            goto fail;                                                                            \
    } while (0)

/* 0 when cc is CURLE_OK, else 1 with e saying which option failed and why. */
int httpc_setopt_failed(CURLcode cc, const char *name, struct err *e);

#endif
