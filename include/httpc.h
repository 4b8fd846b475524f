/*
 * httpc: the libcurl plumbing shared by the backend clients (promql,
 * remote_read). One easy handle per client, kept for the client's life so
 * the connection is reused, set up from prometheus.* of the config: timeouts,
 * TLS, basic auth, http/https only, redirects reported and never followed.
 * Per request: the configured headers plus the caller's, the bearer token and
 * the basic auth password read from their files (so rotated secrets are
 * picked up) and wiped after the request. Transfer errors are described in
 * words a user can act on; URLs in messages have their password masked.
 * A client, and so its httpc, is owned by one thread.
 * Depends on util, config, libcurl (curl_global_init is main's job).
 */
#ifndef SLO_HTTPC_H
#define SLO_HTTPC_H

#include <stddef.h>
#include <curl/curl.h>
#include "config.h"
#include "util.h"

/* Connecting (TCP and TLS) may take at most this long, within the request timeout. */
#define HTTPC_CONNECT_TIMEOUT_MS 5000

/* Size of an httpc_excerpt output buffer for up to HTTPC_EXCERPT_MAX input bytes. */
#define HTTPC_EXCERPT_MAX 240
#define HTTPC_EXCERPT_SIZE (2 * HTTPC_EXCERPT_MAX + 16)

struct httpc {
    const struct config_prometheus *cfg;
    CURL *curl;
    char *url;               /* <cfg->url><path>, what curl fetches */
    char *shown_url;         /* the same with any password masked, for messages */
    char errbuf[CURL_ERROR_SIZE];
    int unreachable;         /* the last request got no HTTP answer at all */
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

/* Releases what h holds; accepts a zeroed or half-initialised h. */
void httpc_cleanup(struct httpc *h);

/* The secrets and header list of one request; zero it before httpc_begin. */
struct httpc_req {
    struct curl_slist *headers;
    char *token;
    char *password;
};

/*
 * Prepares one request: reads the secret files and sets the request headers:
 * the configured ones, then defaults[0..ndefaults) ("Name: value", each left
 * out when the config sets a header of that name), then fixed[0..nfixed)
 * (protocol headers: a configured header of the same name is left out
 * instead), then the bearer token. Returns 0, or -1 with a message in msg
 * (secrets never appear in it). Always call httpc_end afterwards.
 */
int httpc_begin(struct httpc *h, struct httpc_req *r, const char *const *defaults,
                size_t ndefaults, const char *const *fixed, size_t nfixed, char *msg,
                size_t len);

/*
 * Runs the transfer prepared by httpc_begin and the caller's options. Sets
 * h->unreachable. Returns curl's result; see httpc_transfer_error.
 */
CURLcode httpc_perform(struct httpc *h);

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

#endif
