/*
 * http: libmicrohttpd routes. See include/http.h.
 * Every handler takes a reference on the current snapshot, renders into a
 * fresh buffer and drops the reference, so a reload or an evaluation that
 * publishes meanwhile never changes what one response shows.
 */
#include "http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "metrics.h"
#include "slojson.h"

#define HTTP_THREADS 4
#define HTTP_CONN_LIMIT 256
#define HTTP_PER_IP_LIMIT 64
#define HTTP_CONN_TIMEOUT_S 30
#define HTTP_MEMORY_LIMIT (64 * 1024)

struct http_server {
    struct MHD_Daemon *d;
    struct http_hooks hooks;
};

int http_parse_addr(const char *addr, char *host, size_t hostlen, unsigned *port)
{
    const char *colon;
    const char *h = addr;
    size_t hl;
    int64_t p;

    if (addr[0] == '[') {
        const char *end = strchr(addr, ']');

        if (end == NULL || end[1] != ':')
            return -1;
        h = addr + 1;
        hl = (size_t)(end - h);
        colon = end + 1;
    } else {
        colon = strrchr(addr, ':');
        if (colon == NULL)
            return -1;
        hl = (size_t)(colon - addr);
    }
    if (hl >= hostlen || util_parse_int64(colon + 1, &p) != 0 || p < 0 || p > 65535)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = (unsigned)p;
    return 0;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned status, const char *type,
                                char *body, size_t len)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text)
{
    char *body = util_strdup(text);

    if (body == NULL)
        return MHD_NO;
    return send_buf(c, status, "text/plain; charset=utf-8", body, strlen(body));
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, json_t *j)
{
    char *s;

    if (j == NULL)
        return send_text(c, 500, "out of memory\n");
    s = slojson_dump(j, 0);
    json_decref(j);
    if (s == NULL)
        return send_text(c, 500, "out of memory\n");
    return send_buf(c, status, "application/json", s, strlen(s));
}

static json_t *api_error(const char *type, const char *msg)
{
    return json_pack("{s:s, s:s, s:s}", "status", "error", "errorType", type, "error", msg);
}

static enum MHD_Result h_metrics(struct http_server *s, struct MHD_Connection *c)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    struct buf b;
    int rc;

    if (snap == NULL)
        return send_text(c, 503, "no snapshot yet\n");
    buf_init(&b, METRICS_MAX_BYTES);
    rc = metrics_render(snap, &b);
    snapshot_release(s->hooks.holder, snap);
    if (rc != 0) {
        buf_free(&b);
        return send_text(c, 500, "rendering /metrics failed (out of memory or too large)\n");
    }
    {
        size_t len = b.len;

        return send_buf(c, 200, "text/plain; version=0.0.4; charset=utf-8", buf_steal(&b), len);
    }
}

static enum MHD_Result h_api(struct http_server *s, struct MHD_Connection *c, const char *name)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    json_t *data;

    if (snap == NULL)
        return send_json(c, 503, api_error("unavailable", "no evaluation yet"));
    data = slojson_slos(snap, name);
    snapshot_release(s->hooks.holder, snap);
    if (data == NULL)
        return send_json(c, 500, api_error("internal", "out of memory"));
    if (name != NULL) {
        json_t *one;

        if (json_array_size(data) == 0) {
            json_decref(data);
            return send_json(c, 404, api_error("not_found", "no SLO with that name"));
        }
        /* Grouped SLOs have one entry per group: answer with all of them. */
        if (json_array_size(data) == 1) {
            one = json_incref(json_array_get(data, 0));
            json_decref(data);
            data = one;
        }
    }
    return send_json(c, 200, json_pack("{s:s, s:o}", "status", "success", "data", data));
}

static enum MHD_Result h_ready(struct http_server *s, struct MHD_Connection *c)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    int ready = snap != NULL && snap->stats.ready;

    snapshot_release(s->hooks.holder, snap);
    if (ready)
        return send_text(c, 200, "slo-sidecar is Ready.\n");
    return send_text(c, 503, "slo-sidecar is not ready: no successful evaluation yet.\n");
}

static enum MHD_Result h_reload(struct http_server *s, struct MHD_Connection *c)
{
    struct err e = {{0}};
    char *msg;

    if (s->hooks.reload == NULL)
        return send_text(c, 503, "reload is not available\n");
    if (s->hooks.reload(s->hooks.ctx, &e) == 0)
        return send_text(c, 200, "config reloaded\n");
    msg = util_asprintf("failed to reload config: %s\n", e.msg);
    if (msg == NULL)
        return MHD_NO;
    return send_buf(c, 500, "text/plain; charset=utf-8", msg, strlen(msg));
}

static const char index_html[] =
    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    "<title>slo-sidecar</title></head><body><h1>slo-sidecar</h1><ul>"
    "<li><a href=\"/metrics\">/metrics</a></li>"
    "<li><a href=\"/api/v1/slos\">/api/v1/slos</a></li>"
    "<li><a href=\"/-/healthy\">/-/healthy</a></li>"
    "<li><a href=\"/-/ready\">/-/ready</a></li></ul></body></html>\n";

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req)
{
    struct http_server *s = cls;
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
              strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    static int first_call_marker;

    (void)version;
    (void)upload;
    /* The first call only announces the request; bodies are ignored. */
    if (*req == NULL) {
        *req = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/-/reload") == 0) {
        if (!post)
            return send_text(c, 405, "use POST to reload\n");
        return h_reload(s, c);
    }
    if (!get)
        return send_text(c, 405, "method not allowed\n");
    if (strcmp(url, "/metrics") == 0)
        return h_metrics(s, c);
    if (strcmp(url, "/-/healthy") == 0)
        return send_text(c, 200, "slo-sidecar is Healthy.\n");
    if (strcmp(url, "/-/ready") == 0)
        return h_ready(s, c);
    if (strcmp(url, "/api/v1/slos") == 0)
        return h_api(s, c, NULL);
    if (strncmp(url, "/api/v1/slos/", 13) == 0 && url[13] != '\0' && strchr(url + 13, '/') == NULL)
        return h_api(s, c, url + 13);
    if (strcmp(url, "/") == 0) {
        char *body = util_strdup(index_html);

        if (body == NULL)
            return MHD_NO;
        return send_buf(c, 200, "text/html; charset=utf-8", body, strlen(body));
    }
    return send_text(c, 404, "not found\n");
}

struct http_server *http_start(const char *addr, const struct http_hooks *hooks, struct err *e)
{
    struct http_server *s = NULL;
    char host[256];
    unsigned port;
    struct addrinfo hints, *ai = NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    int gai;

    if (http_parse_addr(addr, host, sizeof(host), &port) != 0) {
        util_err(e, "invalid listen address \"%s\": use HOST:PORT or :PORT", addr);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    s->hooks = *hooks;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    {
        char ps[16];

        snprintf(ps, sizeof(ps), "%u", port);
        gai = getaddrinfo(host[0] ? host : "0.0.0.0", ps, &hints, &ai);
    }
    if (gai != 0) {
        util_err(e, "cannot resolve listen address \"%s\": %s", addr, gai_strerror(gai));
        goto fail;
    }
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    s->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, s,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_IP_LIMIT,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
                            MHD_OPTION_END);
    freeaddrinfo(ai);
    if (s->d == NULL) {
        util_err(e, "cannot listen on %s (address in use or not allowed?)", addr);
        goto fail;
    }
    return s;
fail:
    free(s);
    return NULL;
}

unsigned http_port(const struct http_server *s)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);

    return i != NULL ? i->port : 0;
}

void http_stop(struct http_server *s)
{
    if (s == NULL)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
