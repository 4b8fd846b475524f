/*
 * http: the sidecar's own HTTP endpoints on libmicrohttpd: /metrics,
 * /-/healthy, /-/ready, /-/reload (POST), /api/v1/slos[/NAME] and a small
 * index page. Handlers read only the published snapshot, so scrapes never
 * wait for the backend. Connection limits and timeouts keep slow or abusive
 * clients from starving scrapes.
 * Depends on snapshot, metrics, slojson, libmicrohttpd.
 */
#ifndef SLO_HTTP_H
#define SLO_HTTP_H

#include "snapshot.h"
#include "util.h"

/*
 * Asks the daemon to reload and waits for the outcome. Called on an HTTP
 * thread. Returns 0 when the new config is in force, -1 with e set otherwise.
 */
typedef int (*http_reload_fn)(void *ctx, struct err *e);

struct http_hooks {
    struct snapshot_holder *holder;
    http_reload_fn reload;
    void *ctx;
};

struct http_server;

/*
 * Listens on addr ("HOST:PORT", ":PORT" for every address, "[::1]:PORT").
 * hooks must outlive the server. Returns NULL with e set on failure.
 */
struct http_server *http_start(const char *addr, const struct http_hooks *hooks, struct err *e);

/* The port actually bound (useful with port 0). */
unsigned http_port(const struct http_server *s);

/* Stops accepting, waits for running handlers, frees. Accepts NULL. */
void http_stop(struct http_server *s);

/* Splits "HOST:PORT" into host (may be empty) and port. Returns 0 or -1. */
int http_parse_addr(const char *addr, char *host, size_t hostlen, unsigned *port);

#endif
