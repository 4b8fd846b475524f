/*
 * http: libmicrohttpd routes. See http.h.
 * Every handler takes a reference on the current snapshot, renders into a
 * fresh buffer and drops the reference, so a reload or an evaluation that
 * publishes meanwhile never changes what one response shows.
 *
 * The web config works the same way: the current one is a reference-counted
 * struct webstate, swapped under a small lock by http_update. A request
 * takes a reference for its auth check and headers; a TLS connection takes
 * one when it opens (its GnuTLS session is set up from that state's
 * httptls, which must live as long as the session) and drops it when it
 * closes.
 *
 * POST /-/reload never holds a thread: the request is suspended
 * (MHD_suspend_connection) on a list of parked reloads, and resumed with its
 * answer by the poller's http_reload_done, by the timer thread once
 * HTTP_RELOAD_WAIT_MS has passed (202: still pending), or at shutdown (503).
 * A parked request holds no server thread, so the other requests on its
 * thread go on; its struct reload_wait is its connection's request context,
 * freed when answered or when the request ends otherwise.
 *
 * Basic auth: bcrypt is slow on purpose, so successful checks are cached,
 * as exporter-toolkit does. The cache holds no password: its key is an
 * HMAC-SHA256, under a random per-process key, of the user, the user's
 * bcrypt hash and the password; a reload that changes a user's hash thus
 * makes that user's entries unreachable, and the entries age out. Failed
 * checks are not cached, and bcrypt runs one at a time, so guessing costs
 * at most one core.
 */
#include "http.h"

#include <arpa/inet.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "history.h"
#include "httptls.h"
#include "log.h"
#include "metrics.h"
#include "slojson.h"
#include "statuspage.h"
#include "webconfig.h"

/*
 * Each of the HTTP_THREADS pool threads may hold HTTP_CONN_LIMIT / HTTP_THREADS
 * connections. MHD_USE_ITC (in http_start) makes a thread at its share stop
 * polling the listening socket; without it, that thread keeps winning accept()
 * races and closes new connections while the others have room (a scraper was
 * refused with the server at 70% of its limit: tests/integration/test_http_abuse.sh).
 * HTTP_PER_IP_LIMIT keeps one client address from taking every slot; a client
 * that trickles header bytes holds its slot past HTTP_CONN_TIMEOUT_S (an idle
 * timeout), so that limit is what bounds slowloris.
 */
/*
 * At most MHD_LOG_LINES libmicrohttpd lines per MHD_LOG_WINDOW_MS; the
 * first line of the next window says how many were left out.
 */
#define MHD_LOG_LINES 20
#define MHD_LOG_WINDOW_MS 10000

#define HTTP_THREADS 4
#define HTTP_CONN_LIMIT 256
#define HTTP_PER_IP_LIMIT 64
#define HTTP_CONN_TIMEOUT_S 30
#define HTTP_MEMORY_LIMIT (64 * 1024)

/* At shutdown, parked reload requests get this long to be answered 503. */
#define HTTP_STOP_ANSWER_S 1

#define AUTH_REALM "slo-sidecar"
/* Successful (user, password) checks remembered; the least recently used goes first. */
#define AUTH_CACHE_SLOTS 64
#define AUTH_KEY_LEN 32

/* The web config in force, shared by requests and TLS connections. */
struct webstate {
    int refs;              /* guarded by http_server.mu */
    struct webconfig *cfg; /* NULL: no users, no headers */
    struct httptls *tls;   /* NULL: plain HTTP */
};

struct auth_entry {
    unsigned char key[AUTH_KEY_LEN];
    int64_t used_ms; /* 0: free slot */
};

/* A parked POST /-/reload: the connection's request context while it waits. */
enum reload_state {
    RELOAD_WAITING,
    RELOAD_DONE,
    RELOAD_LATE,
    RELOAD_CLOSED
};

struct reload_wait {
    struct reload_wait *next; /* in http_server.waits while RELOAD_WAITING */
    struct MHD_Connection *c;
    unsigned long ticket;
    int64_t deadline_mono;
    enum reload_state state;
    int parked;            /* its handler has suspended it */
    int rc;                /* RELOAD_DONE: the reload's outcome */
    char msg[UTIL_ERRLEN]; /* its error, or why no reload runs (RELOAD_CLOSED) */
};

struct http_server {
    struct MHD_Daemon *d;
    struct http_hooks hooks;
    int tls;              /* the listener speaks TLS; fixed at start */
    pthread_mutex_t mu;   /* guards web, every webstate's refs and the cache */
    struct webstate *web; /* in force */
    /* The state MHD started with: MHD keeps pointers to its PEM texts. */
    struct webstate *boot;
    pthread_mutex_t bcrypt_mu; /* one bcrypt at a time */
    unsigned char secret[AUTH_KEY_LEN];
    struct auth_entry cache[AUTH_CACHE_SLOTS];
    pthread_mutex_t log_mu; /* guards the three below */
    int64_t log_window_ms;  /* start of the current MHD_LOG_WINDOW_MS */
    unsigned log_lines;     /* libmicrohttpd lines logged in it */
    unsigned log_dropped;   /* and left out */
    /* Parked reload requests (see the top of the file). */
    pthread_mutex_t rmu; /* guards the fields below and every parked reload_wait */
    pthread_cond_t rcv;  /* the timer waits on it (CLOCK_MONOTONIC) */
    pthread_t timer;
    int timer_running;
    int timer_stop;
    struct reload_wait *waits;
    unsigned long rdone; /* tickets up to this one have an outcome */
    int rrc;             /* the newest reload's outcome, and its error */
    char rmsg[UTIL_ERRLEN];
    int rclosed; /* no reload will run: answer 503 with rwhy */
    char rwhy[UTIL_ERRLEN];
    unsigned nwaits; /* reload_waits allocated (parked or being answered) */
};

/* What a response needs besides the connection: the extra headers. */
struct req {
    struct MHD_Connection *c;
    const struct labels *headers;
    void **cls; /* the request context: a parked reload's reload_wait, or the marker */
};

/* The request context of a request seen once (its body, if any, is ignored). */
static int first_call_marker;

/* A TLS connection whose session could not be set up; its requests are refused. */
static int tls_setup_failed;

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

/* A response for body (taken over) with the content type and the extra headers; NULL on ENOMEM. */
static struct MHD_Response *make_response(const struct req *q, const char *type, char *body,
                                          size_t len)
{
    struct MHD_Response *r;

    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return NULL;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    for (size_t i = 0; i < q->headers->n; i++)
        MHD_add_response_header(r, q->headers->v[i].name, q->headers->v[i].value);
    return r;
}

static enum MHD_Result send_buf(const struct req *q, unsigned status, const char *type, char *body,
                                size_t len)
{
    struct MHD_Response *r = make_response(q, type, body, len);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    ret = MHD_queue_response(q->c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_text(const struct req *q, unsigned status, const char *text)
{
    char *body = util_strdup(text);

    if (body == NULL)
        return MHD_NO;
    return send_buf(q, status, "text/plain; charset=utf-8", body, strlen(body));
}

/* 401 with WWW-Authenticate: Basic realm="slo-sidecar". */
static enum MHD_Result send_unauthorized(const struct req *q)
{
    char *body = util_strdup("Unauthorized\n");
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (body == NULL)
        return MHD_NO;
    r = make_response(q, "text/plain; charset=utf-8", body, strlen(body));
    if (r == NULL)
        return MHD_NO;
    ret = MHD_queue_basic_auth_fail_response(q->c, AUTH_REALM, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_json(const struct req *q, unsigned status, json_t *j)
{
    char *s;

    if (j == NULL)
        return send_text(q, 500, "out of memory\n");
    s = slojson_dump(j, 0);
    json_decref(j);
    if (s == NULL)
        return send_text(q, 500, "out of memory\n");
    return send_buf(q, status, "application/json", s, strlen(s));
}

static json_t *api_error(const char *type, const char *msg)
{
    return json_pack("{s:s, s:s, s:s}", "status", "error", "errorType", type, "error", msg);
}

/* The /api/v1/slos page: every SLO, wrapped as the API answers it. */
static int render_slos(const struct snapshot *snap, struct buf *out)
{
    json_t *j = json_pack("{s:s, s:o}", "status", "success", "data", slojson_slos(snap, NULL));
    char *text;
    int rc;

    if (j == NULL)
        return -1;
    text = slojson_dump(j, 0);
    json_decref(j);
    if (text == NULL)
        return -1;
    rc = buf_append(out, text, strlen(text));
    free(text);
    return rc;
}

/* What a page response holds until libmicrohttpd has sent it. */
struct page_ref {
    struct snapshot_holder *holder;
    struct snapshot *snap;
};

static void page_ref_free(void *cls)
{
    struct page_ref *p = cls;

    snapshot_release(p->holder, p->snap);
    free(p);
}

/*
 * Sends a page kept with the current snapshot (snapshot_page). The response
 * points into the page and holds a snapshot reference until it is sent: no
 * copy of several MiB per scrape.
 */
static enum MHD_Result send_page(struct http_server *s, const struct req *q,
                                 enum snapshot_page which, snapshot_render_fn render, size_t cap,
                                 const char *type)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    struct page_ref *ref;
    struct MHD_Response *r;
    enum MHD_Result ret;
    const char *text;
    size_t len;

    if (snap == NULL) {
        if (which == SNAPSHOT_PAGE_SLOS)
            return send_json(q, 503, api_error("unavailable", "no evaluation yet"));
        return send_text(q, 503, "no snapshot yet\n");
    }
    if (snapshot_page(snap, which, render, cap, &text, &len) != 0) {
        snapshot_release(s->hooks.holder, snap);
        if (which == SNAPSHOT_PAGE_SLOS)
            return send_json(q, 500, api_error("internal", "out of memory"));
        return send_text(q, 500, "rendering /metrics failed (out of memory or too large)\n");
    }
    ref = malloc(sizeof(*ref));
    if (ref == NULL) {
        snapshot_release(s->hooks.holder, snap);
        return MHD_NO;
    }
    ref->holder = s->hooks.holder;
    ref->snap = snap;
    /* libmicrohttpd only reads the buffer; the cast is its API's. */
    r = MHD_create_response_from_buffer_with_free_callback_cls(len, (void *)text, page_ref_free,
                                                               ref);
    if (r == NULL) {
        page_ref_free(ref);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    for (size_t i = 0; i < q->headers->n; i++)
        MHD_add_response_header(r, q->headers->v[i].name, q->headers->v[i].value);
    ret = MHD_queue_response(q->c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result h_metrics(struct http_server *s, const struct req *q)
{
    return send_page(s, q, SNAPSHOT_PAGE_METRICS, metrics_render, METRICS_MAX_BYTES,
                     "text/plain; version=0.0.4; charset=utf-8");
}

static enum MHD_Result h_api(struct http_server *s, const struct req *q, const char *name)
{
    struct snapshot *snap;
    json_t *data;

    if (name == NULL)
        return send_page(s, q, SNAPSHOT_PAGE_SLOS, render_slos, METRICS_MAX_BYTES,
                         "application/json");
    snap = snapshot_holder_acquire(s->hooks.holder);
    if (snap == NULL)
        return send_json(q, 503, api_error("unavailable", "no evaluation yet"));
    data = slojson_slos(snap, name);
    snapshot_release(s->hooks.holder, snap);
    if (data == NULL)
        return send_json(q, 500, api_error("internal", "out of memory"));
    if (name != NULL) {
        json_t *one;

        if (json_array_size(data) == 0) {
            json_decref(data);
            return send_json(q, 404, api_error("not_found", "no SLO with that name"));
        }
        /* Grouped SLOs have one entry per group: answer with all of them. */
        if (json_array_size(data) == 1) {
            one = json_incref(json_array_get(data, 0));
            json_decref(data);
            data = one;
        }
    }
    return send_json(q, 200, json_pack("{s:s, s:o}", "status", "success", "data", data));
}

/* A query argument, or NULL. */
static const char *arg(const struct req *q, const char *key)
{
    return MHD_lookup_connection_value(q->c, MHD_GET_ARGUMENT_KIND, key);
}

/* 1 when the current snapshot has an SLO of that name. */
static int slo_known(struct http_server *s, const char *name)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    int known = snap != NULL && snapshot_find(snap, name) != NULL;

    snapshot_release(s->hooks.holder, snap);
    return known;
}

/* The history series of every group of one SLO. NULL when out of memory. */
static json_t *history_series(struct history *hist, const char *name, int64_t since_ms)
{
    json_t *series = json_array();
    struct labels *groups = NULL;
    size_t ng = 0;

    if (series == NULL || history_groups(hist, name, &groups, &ng) != 0) {
        json_decref(series);
        return NULL;
    }
    for (size_t i = 0; i < ng; i++) {
        struct history_point *p = NULL;
        size_t n = 0;

        if (history_points(hist, name, &groups[i], since_ms, &p, &n) != 0 ||
            json_array_append_new(series, slojson_history_series(&groups[i], p, n)) != 0) {
            free(p);
            json_decref(series);
            series = NULL;
            break;
        }
        free(p);
    }
    history_groups_free(groups, ng);
    return series;
}

/* GET /api/v1/slos/NAME/history?window=7d */
static enum MHD_Result h_history(struct http_server *s, const struct req *q, const char *name)
{
    const char *w = arg(q, "window");
    int64_t win_ms = 0;
    struct err e = {{0}};
    json_t *series;

    if (s->hooks.history == NULL)
        return send_json(q, 503, api_error("unavailable", "this server keeps no history"));
    if (w != NULL && util_duration_parse(w, &win_ms, 0, &e) != 0) {
        char msg[UTIL_ERRLEN + 32];

        snprintf(msg, sizeof(msg), "window: %s", e.msg);
        return send_json(q, 400, api_error("bad_data", msg));
    }
    series = history_series(s->hooks.history, name,
                            w != NULL ? util_now_ms() - win_ms : INT64_MIN);
    if (series == NULL)
        return send_json(q, 500, api_error("internal", "out of memory"));
    if (json_array_size(series) == 0 && !slo_known(s, name)) {
        json_decref(series);
        return send_json(q, 404, api_error("not_found", "no SLO with that name"));
    }
    return send_json(q, 200,
                     json_pack("{s:s, s:{s:s, s:o*, s:o}}", "status", "success", "data", "slo",
                               name, "window", w != NULL ? json_string(w) : NULL, "series",
                               series));
}

/* Reads an optional non-negative integer argument; -1 when malformed. */
static int uint_arg(const struct req *q, const char *key, int64_t *out)
{
    const char *v = arg(q, key);

    if (v == NULL)
        return 0;
    return util_parse_int64(v, out) == 0 && *out >= 0 ? 0 : -1;
}

/* GET /api/v1/events?after=ID&slo=NAME&limit=N */
static enum MHD_Result h_events(struct http_server *s, const struct req *q)
{
    int64_t after = 0, limit = HISTORY_MAX_EVENTS;
    struct history_event *ev = NULL;
    size_t n = 0;
    json_t *data;

    if (s->hooks.history == NULL)
        return send_json(q, 503, api_error("unavailable", "this server keeps no history"));
    if (uint_arg(q, "after", &after) != 0 || uint_arg(q, "limit", &limit) != 0)
        return send_json(q, 400, api_error("bad_data", "after and limit must be whole numbers"));
    if (history_events(s->hooks.history, (uint64_t)after, arg(q, "slo"), (size_t)limit, &ev, &n) !=
        0)
        return send_json(q, 500, api_error("internal", "out of memory"));
    data = slojson_events(ev, n);
    history_events_free(ev, n);
    if (data == NULL)
        return send_json(q, 500, api_error("internal", "out of memory"));
    return send_json(q, 200, json_pack("{s:s, s:o}", "status", "success", "data", data));
}

static enum MHD_Result h_ready(struct http_server *s, const struct req *q)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    int ready = snap != NULL && snap->stats.ready;

    snapshot_release(s->hooks.holder, snap);
    if (ready)
        return send_text(q, 200, "slo-sidecar is Ready.\n");
    return send_text(q, 503, "slo-sidecar is not ready: no successful evaluation yet.\n");
}

/* Frees a reload request's wait once the request has ended; http_stop waits for the count to reach
 * 0. */
static void wait_free(struct http_server *s, struct reload_wait *w)
{
    free(w);
    pthread_mutex_lock(&s->rmu);
    s->nwaits--;
    pthread_cond_broadcast(&s->rcv);
    pthread_mutex_unlock(&s->rmu);
}

/* Answers a reload request whose wait is over (its wait is freed when the request ends). */
static enum MHD_Result answer_reload(struct http_server *s, const struct req *q,
                                     struct reload_wait *w)
{
    char *msg = NULL;
    unsigned status = 200;

    switch (w->state) {
    case RELOAD_DONE:
        if (w->rc == 0)
            msg = util_strdup("config reloaded\n");
        else
            msg = util_asprintf("failed to reload config: %s\n", w->msg);
        status = w->rc == 0 ? 200 : 500;
        break;
    case RELOAD_LATE:
        msg = util_asprintf("reload pending: it did not end within %s; "
                            "slo_sidecar_config_last_reload_successful and the log say how it "
                            "ends\n",
                            w->msg);
        status = 202;
        break;
    case RELOAD_CLOSED:
    case RELOAD_WAITING:
        msg = util_asprintf("not reloaded: %s\n", w->msg);
        status = 503;
        break;
    }
    (void)s;
    if (msg == NULL)
        return MHD_NO;
    return send_buf(q, status, "text/plain; charset=utf-8", msg, strlen(msg));
}

/* Resumes the parked requests of list (off the waiting list); any thread, without rmu. */
static void resume_all(struct reload_wait *list)
{
    while (list != NULL) {
        struct reload_wait *next = list->next;
        struct MHD_Connection *c = list->c;

        /* From here on its HTTP thread may answer and free it. */
        MHD_resume_connection(c);
        list = next;
    }
}

/*
 * POST /-/reload: asks the poller, then parks the request (no thread held)
 * until http_reload_done, the wait bound or shutdown resumes it; a resumed
 * request comes back here with its wait as the request context.
 */
static enum MHD_Result h_reload(struct http_server *s, const struct req *q)
{
    struct reload_wait *w = *q->cls != &first_call_marker ? *q->cls : NULL;
    struct err e = {{0}};
    unsigned long ticket;
    int answered;
    int64_t wait_ms = s->hooks.reload_wait_ms > 0 ? s->hooks.reload_wait_ms : HTTP_RELOAD_WAIT_MS;

    if (w != NULL)
        return answer_reload(s, q, w);
    if (s->hooks.reload == NULL)
        return send_text(q, 503, "reload is not available\n");
    w = calloc(1, sizeof(*w));
    if (w == NULL)
        return send_text(q, 500, "out of memory\n");
    w->c = q->c;
    /* The request's context from now on: on_completed frees it. */
    *q->cls = w;
    pthread_mutex_lock(&s->rmu);
    s->nwaits++;
    if (s->rclosed) {
        w->state = RELOAD_CLOSED;
        snprintf(w->msg, sizeof(w->msg), "%s", s->rwhy);
        pthread_mutex_unlock(&s->rmu);
        return answer_reload(s, q, w);
    }
    pthread_mutex_unlock(&s->rmu);
    ticket = s->hooks.reload(s->hooks.ctx, &e);
    if (ticket == 0) {
        w->state = RELOAD_DONE;
        w->rc = -1;
        snprintf(w->msg, sizeof(w->msg), "%s", e.msg);
        return answer_reload(s, q, w);
    }
    pthread_mutex_lock(&s->rmu);
    if (s->rclosed) {
        w->state = RELOAD_CLOSED;
        snprintf(w->msg, sizeof(w->msg), "%s", s->rwhy);
    } else if (s->rdone >= ticket) {
        /* Over already (a quick poller). */
        w->state = RELOAD_DONE;
        w->rc = s->rrc;
        snprintf(w->msg, sizeof(w->msg), "%s", s->rmsg);
    } else {
        w->ticket = ticket;
        w->deadline_mono = util_mono_ms() + wait_ms;
        w->state = RELOAD_WAITING;
        w->next = s->waits;
        s->waits = w;
        pthread_cond_signal(&s->rcv);
        pthread_mutex_unlock(&s->rmu);
        /* No libmicrohttpd call under rmu. A connection may only be resumed
         * once suspended: whoever takes w off the list before it is parked
         * leaves the resume to this thread. */
        MHD_suspend_connection(q->c);
        pthread_mutex_lock(&s->rmu);
        w->parked = 1;
        answered = w->state != RELOAD_WAITING;
        pthread_mutex_unlock(&s->rmu);
        if (answered)
            MHD_resume_connection(q->c);
        return MHD_YES;
    }
    pthread_mutex_unlock(&s->rmu);
    return answer_reload(s, q, w);
}

/* Moves the waiting requests that match (all, or tickets <= upto) to a list. Holds rmu. */
static struct reload_wait *take_waits(struct http_server *s, int all, unsigned long upto)
{
    struct reload_wait *out = NULL;
    struct reload_wait **pp = &s->waits;

    while (*pp != NULL) {
        struct reload_wait *w = *pp;

        if (all || w->ticket <= upto) {
            *pp = w->next;
            w->next = out;
            out = w;
        } else {
            pp = &w->next;
        }
    }
    return out;
}

/*
 * Of list (taken off the waiting list, their answers set), those whose
 * handler has suspended them, for resume_all; each other one is resumed by
 * its handler once suspended. Holds rmu.
 */
static struct reload_wait *parked_only(struct reload_wait *list)
{
    struct reload_wait *out = NULL;

    while (list != NULL) {
        struct reload_wait *next = list->next;

        list->next = NULL;
        if (list->parked) {
            list->next = out;
            out = list;
        }
        list = next;
    }
    return out;
}

void http_reload_done(struct http_server *s, unsigned long upto, int rc, const struct err *e)
{
    struct reload_wait *list;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->rmu);
    if (upto > s->rdone) {
        s->rdone = upto;
        s->rrc = rc;
        snprintf(s->rmsg, sizeof(s->rmsg), "%s", rc != 0 && e != NULL ? e->msg : "");
    }
    list = take_waits(s, 0, upto);
    for (struct reload_wait *w = list; w != NULL; w = w->next) {
        w->state = RELOAD_DONE;
        w->rc = rc;
        snprintf(w->msg, sizeof(w->msg), "%s", rc != 0 && e != NULL ? e->msg : "");
    }
    list = parked_only(list);
    pthread_mutex_unlock(&s->rmu);
    resume_all(list);
}

void http_reload_close(struct http_server *s, const char *why)
{
    struct reload_wait *list;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->rmu);
    if (!s->rclosed) {
        s->rclosed = 1;
        snprintf(s->rwhy, sizeof(s->rwhy), "%s", why);
    }
    list = take_waits(s, 1, 0);
    for (struct reload_wait *w = list; w != NULL; w = w->next) {
        w->state = RELOAD_CLOSED;
        snprintf(w->msg, sizeof(w->msg), "%s", s->rwhy);
    }
    list = parked_only(list);
    pthread_mutex_unlock(&s->rmu);
    resume_all(list);
}

/* The timer thread: answers 202 to parked reloads whose wait bound has passed. */
static void *reload_timer(void *arg)
{
    struct http_server *s = arg;

    pthread_mutex_lock(&s->rmu);
    while (!s->timer_stop) {
        int64_t now = util_mono_ms(), next = INT64_MAX;
        struct reload_wait *late = NULL;
        struct reload_wait **pp = &s->waits;

        while (*pp != NULL) {
            struct reload_wait *w = *pp;

            if (w->deadline_mono <= now) {
                *pp = w->next;
                w->state = RELOAD_LATE;
                w->next = late;
                late = w;
                continue;
            }
            if (w->deadline_mono < next)
                next = w->deadline_mono;
            pp = &w->next;
        }
        if (late != NULL) {
            int64_t ms = s->hooks.reload_wait_ms > 0 ? s->hooks.reload_wait_ms
                                                     : HTTP_RELOAD_WAIT_MS;

            for (struct reload_wait *w = late; w != NULL; w = w->next)
                if (util_duration_format(ms, w->msg, sizeof(w->msg)) != 0)
                    snprintf(w->msg, sizeof(w->msg), "%lld ms", (long long)ms);
            late = parked_only(late);
            pthread_mutex_unlock(&s->rmu);
            resume_all(late);
            pthread_mutex_lock(&s->rmu);
            continue;
        }
        if (next == INT64_MAX) {
            pthread_cond_wait(&s->rcv, &s->rmu);
        } else {
            struct timespec ts;
            int64_t left = next - now;

            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += (time_t)(left / 1000);
            ts.tv_nsec += (long)(left % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->rcv, &s->rmu, &ts);
        }
    }
    pthread_mutex_unlock(&s->rmu);
    return NULL;
}

/*
 * A request's end (MHD_OPTION_NOTIFY_COMPLETED: answer sent, connection
 * closed, or the server stopping): frees a reload request's wait. A parked
 * request never ends while it is on the list.
 */
static void on_completed(void *cls, struct MHD_Connection *c, void **req,
                         enum MHD_RequestTerminationCode toe)
{
    (void)c;
    (void)toe;
    if (*req != NULL && *req != &first_call_marker)
        wait_free(cls, *req);
    *req = NULL;
}

/* Takes a reference on the web state in force. Any thread. */
static struct webstate *web_acquire(struct http_server *s)
{
    struct webstate *ws;

    pthread_mutex_lock(&s->mu);
    ws = s->web;
    ws->refs++;
    pthread_mutex_unlock(&s->mu);
    return ws;
}

static void webstate_free(struct webstate *ws)
{
    if (ws == NULL)
        return;
    webconfig_free(ws->cfg);
    httptls_free(ws->tls);
    free(ws);
}

/* Drops a reference; the last one frees. Accepts NULL. Any thread. */
static void web_release(struct http_server *s, struct webstate *ws)
{
    int last;

    if (ws == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    last = --ws->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (last)
        webstate_free(ws);
}

/*
 * A web state for web (may be NULL), with one reference, its TLS files read
 * and checked. Takes web over on success; NULL with e set otherwise (the
 * caller keeps web).
 */
static struct webstate *webstate_new(struct webconfig *web, struct err *e)
{
    struct webstate *ws;

    if (web != NULL && web->nusers > 0 &&
        MHD_is_feature_supported(MHD_FEATURE_BASIC_AUTH) != MHD_YES) {
        util_err(e, "%s: basic_auth_users: this libmicrohttpd was built without basic auth",
                 web->path);
        return NULL;
    }
    ws = calloc(1, sizeof(*ws));
    if (ws == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    if (web != NULL && web->has_tls) {
        ws->tls = httptls_new(web, e);
        if (ws->tls == NULL) {
            free(ws);
            return NULL;
        }
    }
    ws->cfg = web;
    ws->refs = 1;
    return ws;
}

/* The cache key of a check: HMAC-SHA256(secret, user NUL hash NUL password). 0 or -1. */
static int auth_key(const struct http_server *s, const char *user, const char *hash,
                    const char *password, unsigned char *key)
{
    gnutls_hmac_hd_t h;

    if (gnutls_hmac_init(&h, GNUTLS_MAC_SHA256, s->secret, sizeof(s->secret)) < 0)
        return -1;
    if (gnutls_hmac(h, user, strlen(user) + 1) < 0 || gnutls_hmac(h, hash, strlen(hash) + 1) < 0 ||
        gnutls_hmac(h, password, strlen(password)) < 0) {
        gnutls_hmac_deinit(h, NULL);
        return -1;
    }
    gnutls_hmac_deinit(h, key);
    return 0;
}

static int key_equal(const unsigned char *a, const unsigned char *b)
{
    unsigned char d = 0;

    for (size_t i = 0; i < AUTH_KEY_LEN; i++)
        d |= (unsigned char)(a[i] ^ b[i]);
    return d == 0;
}

/* 1 when key was cached (and marks it used now), else 0. */
static int cache_hit(struct http_server *s, const unsigned char *key)
{
    int hit = 0;

    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < AUTH_CACHE_SLOTS && !hit; i++) {
        if (s->cache[i].used_ms != 0 && key_equal(s->cache[i].key, key)) {
            s->cache[i].used_ms = util_mono_ms() + 1;
            hit = 1;
        }
    }
    pthread_mutex_unlock(&s->mu);
    return hit;
}

/* Remembers key in a free slot, else in place of the least recently used. */
static void cache_put(struct http_server *s, const unsigned char *key)
{
    size_t victim = 0;

    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++) {
        if (s->cache[i].used_ms != 0 && key_equal(s->cache[i].key, key)) {
            victim = i; /* another thread put it meanwhile */
            break;
        }
        if (s->cache[i].used_ms < s->cache[victim].used_ms)
            victim = i;
    }
    memcpy(s->cache[victim].key, key, AUTH_KEY_LEN);
    s->cache[victim].used_ms = util_mono_ms() + 1;
    pthread_mutex_unlock(&s->mu);
}

/* 1 when user and password are right for cfg: from the cache, else by bcrypt. */
static int check_user(struct http_server *s, const struct webconfig *cfg, const char *user,
                      const char *password)
{
    const char *hash = webconfig_user_hash(cfg, user);
    unsigned char key[AUTH_KEY_LEN];
    int have_key, ok;

    have_key = hash != NULL && auth_key(s, user, hash, password, key) == 0;
    if (have_key && cache_hit(s, key)) {
        explicit_bzero(key, sizeof(key));
        return 1;
    }
    /* An unknown user costs a bcrypt too (webconfig_check_user sees to it). */
    pthread_mutex_lock(&s->bcrypt_mu);
    ok = webconfig_check_user(cfg, user, password);
    pthread_mutex_unlock(&s->bcrypt_mu);
    if (ok && have_key)
        cache_put(s, key);
    explicit_bzero(key, sizeof(key));
    return ok;
}

/* 1 when the request carries basic auth credentials that cfg accepts. */
static int authorized(struct http_server *s, const struct webconfig *cfg, struct MHD_Connection *c)
{
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(c, &password);
    int ok = 0;

    if (user != NULL && password != NULL)
        ok = check_user(s, cfg, user, password);
    if (password != NULL) {
        explicit_bzero(password, strlen(password));
        MHD_free(password);
    }
    if (user != NULL)
        MHD_free(user);
    return ok;
}

/* Sends the HTML page in b (taken over) with the status pages' Content-Security-Policy. */
static enum MHD_Result send_html(const struct req *q, unsigned status, struct buf *b)
{
    size_t len = b->len;
    char *body = buf_steal(b);
    struct MHD_Response *r;
    enum MHD_Result ret;

    if (body == NULL)
        return send_text(q, 500, "out of memory\n");
    r = make_response(q, "text/html; charset=utf-8", body, len);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Security-Policy", STATUSPAGE_CSP);
    ret = MHD_queue_response(q->c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_page_failed(const struct req *q, struct buf *b)
{
    buf_free(b);
    return send_text(q, 500, "rendering the status page failed (out of memory or too large)\n");
}

/*
 * GET /: the status page, rendered per request (not kept with the
 * snapshot like /metrics) so that the age of each evaluation is right
 * when the page is loaded; 503 before the first evaluation.
 */
static enum MHD_Result h_index(struct http_server *s, const struct req *q)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    unsigned status = snap != NULL ? 200 : 503;
    struct buf b;
    int rc;

    buf_init(&b, STATUSPAGE_MAX_BYTES);
    rc = statuspage_index(snap, util_now_ms(), &b);
    snapshot_release(s->hooks.holder, snap);
    if (rc != 0)
        return send_page_failed(q, &b);
    return send_html(q, status, &b);
}

/*
 * Fills in[i].points from the history for the entries that get charts.
 * Returns 0 or -1 (out of memory); what was loaded is freed by the caller.
 */
static int load_points(struct history *hist, struct statuspage_instance *in, size_t n,
                       int64_t now_ms)
{
    for (size_t i = 0; i < n && i < STATUSPAGE_MAX_CHART_GROUPS; i++) {
        struct history_point *p = NULL;
        size_t np = 0;

        if (history_points(hist, in[i].slo->name, &in[i].slo->group,
                           statuspage_since(in[i].slo, now_ms), &p, &np) != 0)
            return -1;
        in[i].points = p;
        in[i].npoints = np;
    }
    return 0;
}

/* The detail page of SLO name from snap: its entries, history and events, into b. */
static int render_detail(struct http_server *s, const struct snapshot *snap, const char *name,
                         struct buf *b)
{
    struct history *hist = s->hooks.history;
    struct statuspage_instance *in;
    struct history_event *ev = NULL;
    int64_t now = util_now_ms();
    size_t n = 0, nev = 0;
    int rc = -1;

    if (snap->n == 0)
        return -1;
    in = calloc(snap->n, sizeof(*in));
    if (in == NULL)
        return -1;
    for (size_t i = 0; i < snap->n; i++)
        if (strcmp(snap->slos[i].name, name) == 0)
            in[n++].slo = &snap->slos[i];
    if (n == 0 ||
        (hist != NULL && (load_points(hist, in, n, now) != 0 ||
                          history_events(hist, 0, name, STATUSPAGE_MAX_EVENTS, &ev, &nev) != 0)))
        goto out;
    rc = statuspage_detail(in, n, hist != NULL, ev, nev, now, b);
out:
    history_events_free(ev, nev);
    for (size_t i = 0; i < n; i++)
        free((void *)in[i].points);
    free(in);
    return rc;
}

/* GET /slo/NAME: one SLO's page with its charts; 404 page for an unknown name. */
static enum MHD_Result h_slo_page(struct http_server *s, const struct req *q, const char *name)
{
    struct snapshot *snap = snapshot_holder_acquire(s->hooks.holder);
    unsigned status = 200;
    struct buf b;
    int rc;

    buf_init(&b, STATUSPAGE_MAX_BYTES);
    if (snap == NULL) {
        status = 503;
        rc = statuspage_index(NULL, util_now_ms(), &b);
    } else if (snapshot_find(snap, name) == NULL) {
        status = 404;
        rc = statuspage_not_found(name, snap, &b);
    } else {
        rc = render_detail(s, snap, name, &b);
    }
    snapshot_release(s->hooks.holder, snap);
    if (rc != 0)
        return send_page_failed(q, &b);
    return send_html(q, status, &b);
}

static enum MHD_Result route(struct http_server *s, const struct req *q, const char *url,
                             const char *method)
{
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
              strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;

    if (strcmp(url, "/-/reload") == 0) {
        if (!post)
            return send_text(q, 405, "use POST to reload\n");
        return h_reload(s, q);
    }
    if (!get)
        return send_text(q, 405, "method not allowed\n");
    if (strcmp(url, "/metrics") == 0)
        return h_metrics(s, q);
    if (strcmp(url, "/-/healthy") == 0)
        return send_text(q, 200, "slo-sidecar is Healthy.\n");
    if (strcmp(url, "/-/ready") == 0)
        return h_ready(s, q);
    if (strcmp(url, "/api/v1/slos") == 0)
        return h_api(s, q, NULL);
    if (strncmp(url, "/api/v1/slos/", 13) == 0 && url[13] != '\0' && strchr(url + 13, '/') == NULL)
        return h_api(s, q, url + 13);
    if (strcmp(url, "/api/v1/events") == 0)
        return h_events(s, q);
    if (strncmp(url, "/api/v1/slos/", 13) == 0 && url[13] != '\0') {
        const char *slash = strchr(url + 13, '/');

        if (slash != NULL && slash > url + 13 && strcmp(slash, "/history") == 0) {
            char name[512];
            size_t len = (size_t)(slash - (url + 13));

            if (len >= sizeof(name))
                return send_json(q, 404, api_error("not_found", "no SLO with that name"));
            memcpy(name, url + 13, len);
            name[len] = '\0';
            return h_history(s, q, name);
        }
    }
    if (strcmp(url, "/") == 0)
        return h_index(s, q);
    /* libmicrohttpd has already percent-decoded the path. */
    if (strncmp(url, "/slo/", 5) == 0 && url[5] != '\0' && strchr(url + 5, '/') == NULL)
        return h_slo_page(s, q, url + 5);
    return send_text(q, 404, "not found\n");
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **req)
{
    static const struct labels no_headers = {0, NULL};
    struct http_server *s = cls;
    struct webstate *ws;
    struct req q;
    enum MHD_Result ret;

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
    if (s->tls) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

        if (ci == NULL || ci->socket_context == NULL || ci->socket_context == &tls_setup_failed)
            return MHD_NO;
    }
    ws = web_acquire(s);
    q.c = c;
    q.cls = req;
    q.headers = ws->cfg != NULL ? &ws->cfg->headers : &no_headers;
    /* exporter-toolkit protects every path, /-/healthy included. A resumed
     * reload was checked when it came (its reload may have changed the users). */
    if (*req == &first_call_marker && ws->cfg != NULL && ws->cfg->nusers > 0 &&
        !authorized(s, ws->cfg, c))
        ret = send_unauthorized(&q);
    else
        ret = route(s, &q, url, method);
    web_release(s, ws);
    return ret;
}

/*
 * Connection start and end (MHD_OPTION_NOTIFY_CONNECTION), on the
 * connection's HTTP thread. A TLS connection's session exists but has not
 * shaken hands yet: it is set up from the web state in force, which the
 * connection keeps a reference to until it closes (after its session is
 * gone).
 */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct http_server *s = cls;

    if (!s->tls)
        return;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
        struct webstate *ws = web_acquire(s);

        if (ci == NULL || ci->tls_session == NULL ||
            httptls_setup_session(ws->tls, ci->tls_session) != 0) {
            log_warn("TLS connection refused", "err", "cannot set up its TLS session");
            *socket_context = &tls_setup_failed;
        } else {
            *socket_context = ws;
            return;
        }
        web_release(s, ws);
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        if (*socket_context != NULL && *socket_context != &tls_setup_failed)
            web_release(s, *socket_context);
        *socket_context = NULL;
    }
}

/*
 * libmicrohttpd's own messages (bind errors, connection limits, failed TLS
 * handshakes), into our log as warnings, as visible as they were on stderr.
 */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    struct http_server *s = cls;
    char msg[512];
    char dropped[24] = "";
    size_t n;
    int64_t now = util_now_ms();

    /* An abusive client makes a line per refused connection: keep a few. */
    pthread_mutex_lock(&s->log_mu);
    if (now - s->log_window_ms >= MHD_LOG_WINDOW_MS) {
        if (s->log_dropped > 0)
            snprintf(dropped, sizeof(dropped), "%u", s->log_dropped);
        s->log_window_ms = now;
        s->log_lines = 0;
        s->log_dropped = 0;
    }
    if (s->log_lines >= MHD_LOG_LINES) {
        s->log_dropped++;
        pthread_mutex_unlock(&s->log_mu);
        return;
    }
    s->log_lines++;
    pthread_mutex_unlock(&s->log_mu);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (dropped[0] != '\0')
        log_warn("libmicrohttpd", "err", msg, "dropped_before", dropped);
    else
        log_warn("libmicrohttpd", "err", msg);
}

int http_update(struct http_server *s, struct webconfig *web, struct err *e)
{
    int want_tls = web != NULL && web->has_tls;
    struct webstate *ws, *old;

    if (want_tls != s->tls)
        return util_err(e,
                        "%s: %s TLS needs a restart (this listener was started %s TLS); the "
                        "web config in force is kept",
                        web != NULL ? web->path : "web config",
                        want_tls ? "turning on" : "turning off", s->tls ? "with" : "without");
    ws = webstate_new(web, e);
    if (ws == NULL)
        return -1;
    pthread_mutex_lock(&s->mu);
    old = s->web;
    s->web = ws;
    pthread_mutex_unlock(&s->mu);
    web_release(s, old);
    return 0;
}

struct http_server *http_start(const char *addr, const struct http_hooks *hooks,
                               struct webconfig *web, struct err *e)
{
    struct http_server *s = NULL;
    char host[256];
    unsigned port;
    struct addrinfo hints, *ai = NULL;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC |
                     MHD_ALLOW_SUSPEND_RESUME;
    pthread_condattr_t ca;
    struct MHD_OptionItem tlsopts[5];
    size_t ntls = 0;
    int gai;

    if (http_parse_addr(addr, host, sizeof(host), &port) != 0) {
        util_err(e, "invalid listen address \"%s\": use HOST:PORT or :PORT", addr);
        return NULL;
    }
    if (web != NULL && web->has_tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        util_err(e, "%s: tls_server_config: this libmicrohttpd was built without TLS support",
                 web->path);
        return NULL;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        util_err(e, "out of memory");
        return NULL;
    }
    s->hooks = *hooks;
    s->tls = web != NULL && web->has_tls;
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->bcrypt_mu, NULL);
    pthread_mutex_init(&s->log_mu, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->rcv, &ca);
    pthread_condattr_destroy(&ca);
    if (gnutls_rnd(GNUTLS_RND_KEY, s->secret, sizeof(s->secret)) < 0) {
        util_err(e, "cannot get random bytes for the auth cache");
        goto fail;
    }
    /* From here on the server owns web, until a failure hands it back. */
    s->web = webstate_new(web, e);
    if (s->web == NULL)
        goto fail;
    s->boot = s->web;
    s->boot->refs++;
    if (s->tls) {
        const struct httptls *t = s->boot->tls;

        flags |= MHD_USE_TLS;
        tlsopts[ntls++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                                  (void *)httptls_key_pem(t)};
        tlsopts[ntls++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                                  (void *)httptls_cert_pem(t)};
        tlsopts[ntls++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                                  (void *)httptls_priorities(t)};
        if (httptls_ca_pem(t) != NULL)
            tlsopts[ntls++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0,
                                                      (void *)httptls_ca_pem(t)};
    }
    tlsopts[ntls] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
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
    /* One option and its values a line. */
    /* clang-format off */
    s->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, s,
                            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,
                            MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_LIMIT,
                            MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)HTTP_PER_IP_LIMIT,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT_S,
                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_ARRAY, tlsopts,
                            MHD_OPTION_END);
    /* clang-format on */
    freeaddrinfo(ai);
    if (s->d == NULL) {
        util_err(e, "cannot listen on %s (address in use or not allowed?)", addr);
        goto fail;
    }
    if (pthread_create(&s->timer, NULL, reload_timer, s) != 0) {
        util_err(e, "cannot start a thread");
        MHD_stop_daemon(s->d);
        goto fail;
    }
    s->timer_running = 1;
    return s;
fail:
    if (s->web != NULL) {
        /* Hand web back to the caller. */
        s->web->cfg = NULL;
        webstate_free(s->web);
    }
    pthread_cond_destroy(&s->rcv);
    pthread_mutex_destroy(&s->rmu);
    pthread_mutex_destroy(&s->log_mu);
    pthread_mutex_destroy(&s->bcrypt_mu);
    pthread_mutex_destroy(&s->mu);
    explicit_bzero(s->secret, sizeof(s->secret));
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
    /* libmicrohttpd must not stop with a suspended connection: answer them,
     * and give their threads a moment to send the 503. */
    http_reload_close(s, "the sidecar is stopping");
    pthread_mutex_lock(&s->rmu);
    s->timer_stop = 1;
    pthread_cond_broadcast(&s->rcv);
    {
        struct timespec until;

        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += HTTP_STOP_ANSWER_S;
        while (s->nwaits > 0 && pthread_cond_timedwait(&s->rcv, &s->rmu, &until) == 0)
            ;
    }
    pthread_mutex_unlock(&s->rmu);
    if (s->timer_running)
        pthread_join(s->timer, NULL);
    /* Closes every connection, which drops their web state references. */
    MHD_stop_daemon(s->d);
    web_release(s, s->web);
    web_release(s, s->boot);
    pthread_cond_destroy(&s->rcv);
    pthread_mutex_destroy(&s->rmu);
    pthread_mutex_destroy(&s->log_mu);
    pthread_mutex_destroy(&s->bcrypt_mu);
    pthread_mutex_destroy(&s->mu);
    explicit_bzero(s->secret, sizeof(s->secret));
    free(s);
}
