/*
 * http: the sidecar's own HTTP endpoints on libmicrohttpd: /metrics,
 * /-/healthy, /-/ready, /-/reload (POST), /api/v1/slos[/NAME] and the HTML
 * status pages / and /slo/NAME (statuspage). Handlers read only the
 * published snapshot, so scrapes never wait for the backend; a reload
 * request is parked without a thread until the poller says how it ended, at
 * most HTTP_RELOAD_WAIT_MS (then 202). Connection
 * limits and timeouts keep slow or abusive clients from starving scrapes.
 * With a web config (--web.config.file): TLS (see httptls), basic auth on
 * every endpoint (bcrypt, with successful checks cached), and extra
 * response headers; http_update swaps them on reload.
 * Depends on util, snapshot, history, metrics, slojson, statuspage, webconfig,
 * httptls, log, libmicrohttpd.
 */
#ifndef SLO_HTTP_H
#define SLO_HTTP_H

#include "snapshot.h"
#include "util.h"

/*
 * Asks the daemon for a reload and returns at once (an HTTP thread never
 * waits for the poller): the request's ticket, a number > 0 that the daemon
 * later passes to http_reload_done (or a larger one) once a reload that read
 * the files after this request has ended. Requests made while a reload is
 * pending share it. Returns 0 with e set when the request cannot be passed
 * on. Called on an HTTP thread.
 */
typedef unsigned long (*http_reload_fn)(void *ctx, struct err *e);

/* How long POST /-/reload waits for the outcome before it answers 202. */
#define HTTP_RELOAD_WAIT_MS 10000

struct history;

struct http_hooks {
    struct snapshot_holder *holder;
    struct history *history; /* may be NULL: no history endpoints or charts */
    http_reload_fn reload;
    void *ctx;
    int64_t reload_wait_ms; /* 0: HTTP_RELOAD_WAIT_MS (tests set less) */
};

struct http_server;
struct webconfig;

/*
 * Listens on addr ("HOST:PORT", ":PORT" for every address, "[::1]:PORT").
 * hooks must outlive the server. web is the web config: NULL (or one
 * without TLS and users) serves plain HTTP to anyone, as without
 * --web.config.file; with tls_server_config the listener speaks only TLS,
 * for the server's whole life. On success the server owns web (freed by
 * http_stop or a later http_update); on failure returns NULL with e set
 * and the caller still owns web.
 */
struct http_server *http_start(const char *addr, const struct http_hooks *hooks,
                               struct webconfig *web, struct err *e);

/*
 * Puts web (may be NULL) in force in place of the current web config: users
 * and headers from the next request on, certificate, key, client CA,
 * client_auth_type and TLS versions from the next connection on (open
 * connections keep the TLS session they have). Reads and checks the TLS
 * files first and changes nothing on failure. Turning TLS on or off needs a
 * restart and is refused. Returns 0 (the server owns web), or -1 with e set
 * (the caller still owns web). Any thread; the poller calls it on reload.
 */
int http_update(struct http_server *s, struct webconfig *web, struct err *e);

/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http_server *s);

/*
 * The reloads asked for with tickets up to upto have ended: rc 0 (the new
 * config is in force) or -1 with e. Their POST /-/reload requests, parked
 * (suspended, holding no thread) since they asked, are answered 200 or 500
 * now; those that waited longer than the bound were already answered 202.
 * Any thread; the poller calls it after each reload.
 */
void http_reload_done(struct http_server *s, unsigned long upto, int rc, const struct err *e);

/*
 * No reload will run any more (shutdown): the parked and all later POST
 * /-/reload requests are answered 503 with why. Any thread. Accepts NULL.
 */
void http_reload_close(struct http_server *s, const char *why);

/*
 * Stops accepting, answers what is parked, waits for running handlers,
 * frees. Accepts NULL.
 */
void http_stop(struct http_server *s);

/* Splits "HOST:PORT" into host (may be empty) and port. Returns 0 or -1. */
int http_parse_addr(const char *addr, char *host, size_t hostlen, unsigned *port);

#endif
