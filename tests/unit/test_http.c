/*
 * Unit tests for the HTTP endpoints, against a live libmicrohttpd server on
 * 127.0.0.1 and a hand-built snapshot: status codes, content types, methods,
 * readiness, reload hook, API JSON; with a web config: basic auth on every
 * path, extra headers, the cache of successful checks, http_update.
 * (TLS is tested end to end in tests/integration/test_web_config.sh.)
 */
#include "testutil.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <time.h>
#include <stdlib.h>

#include "history.h"
#include "http.h"
#include "snapshot.h"
#include "util.h"
#include "webconfig.h"

/* bcrypt hashes of "s3cret" (cost 4), "new pw" (cost 4), "slow pw" (cost 10). */
#define HASH_S3CRET "$2b$04$YXYjWXUFc41Dt/lsK0HmzOYTF7J9jG3mGHYwC3lLP9D45XzXFeuP2"
#define HASH_NEW_PW "$2b$04$dj036mAKhmIFgUx4IDTR1.8eQyc/yj8VCM2ujfEBXX9rLogv8vMSK"
#define HASH_SLOW_PW "$2b$10$9NJRu4cYG4xWsJUt3N.Vauyb5neK1lKxE7Cgdlc20WguGqVPbssBq"

struct reply {
    long status;
    char ctype[128];
    struct buf body;
    struct buf headers;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;

    return buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;

    return buf_append(&r->headers, p, size * n) == 0 ? size * n : 0;
}

static void reply_free(struct reply *r)
{
    buf_free(&r->body);
    buf_free(&r->headers);
}

/* A request with basic auth credentials "user:password" (NULL: none). */
static void request_as(unsigned port, const char *method, const char *path, const char *userpwd,
                       struct reply *r)
{
    CURL *c = curl_easy_init();
    char url[256];
    char *ct = NULL;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    buf_init(&r->body, 1 << 20);
    buf_init(&r->headers, 1 << 16);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    if (userpwd != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    }
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "POST") == 0)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    assert_int_equal(curl_easy_perform(c), CURLE_OK);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    snprintf(r->ctype, sizeof(r->ctype), "%s", ct ? ct : "");
    curl_easy_cleanup(c);
}

static void request(unsigned port, const char *method, const char *path, struct reply *r)
{
    request_as(port, method, path, NULL, r);
}

static int reloads;
static int reload_ok;
static struct http_server *fake_srv;

/* A poller that reloads at once: the outcome is there before the request parks. */
static unsigned long fake_reload(void *ctx, struct err *e)
{
    struct err re = {{0}};

    (void)ctx;
    (void)e;
    reloads++;
    if (!reload_ok)
        util_err(&re, "test.yaml:3:5: bad");
    http_reload_done(fake_srv, (unsigned long)reloads, reload_ok ? 0 : -1, &re);
    return (unsigned long)reloads;
}

static struct snapshot *one_slo(int ready)
{
    struct snapshot *s = snapshot_new(1793491200000LL);
    struct snapshot_slo e;

    memset(&e, 0, sizeof(e));
    e.name = strdup("checkout");
    e.service = strdup("shop");
    e.description = strdup("");
    e.period_name = strdup("30d");
    e.sli_kind = "events";
    e.objective = 0.999;
    e.period_ms = 30LL * 86400000;
    e.status = SLO_STATUS_NONE;
    e.compliant = -1;
    e.evaluated_ms = s->at_ms;
    assert_int_equal(snapshot_take(s, &e), 0);
    s->stats.ready = ready;
    return s;
}

static void test_endpoints(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, fake_reload, NULL, 0};
    struct http_server *srv;
    struct err e;
    struct reply r;
    unsigned port;
    json_t *j;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(0));
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    fake_srv = srv;
    port = http_port(srv);
    assert_true(port > 0);

    request(port, "GET", "/-/healthy", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    request(port, "GET", "/-/ready", &r);
    assert_int_equal(r.status, 503);
    reply_free(&r);
    snapshot_holder_publish(&h, one_slo(1));
    request(port, "GET", "/-/ready", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);

    request(port, "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body.data, "slo_objective_ratio{service=\"shop\",slo=\"checkout\"} "
                                        "0.999\n"));
    reply_free(&r);

    request(port, "GET", "/api/v1/slos", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "success");
    assert_int_equal(json_array_size(json_object_get(j, "data")), 1);
    json_decref(j);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/checkout", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "data"), "name")),
                        "checkout");
    json_decref(j);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/nope", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);

    request(port, "GET", "/-/reload", &r);
    assert_int_equal(r.status, 405);
    assert_int_equal(reloads, 0);
    reply_free(&r);
    reload_ok = 0;
    request(port, "POST", "/-/reload", &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body.data, "test.yaml:3:5: bad"));
    reply_free(&r);
    reload_ok = 1;
    request(port, "POST", "/-/reload", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(reloads, 2);
    reply_free(&r);
    request(port, "POST", "/metrics", &r);
    assert_int_equal(r.status, 405);
    reply_free(&r);
    request(port, "GET", "/nowhere", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);
    /* Without a history: the history endpoints say so. */
    request(port, "GET", "/api/v1/events", &r);
    assert_int_equal(r.status, 503);
    reply_free(&r);

    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/* /api/v1/events and /api/v1/slos/NAME/history from a history. */
static void test_history_endpoints(void **state)
{
    struct snapshot_holder h;
    struct history *hist = history_new();
    struct http_hooks hooks = {&h, hist, fake_reload, NULL, 0};
    struct snapshot *s1 = one_slo(1), *s2 = one_slo(1);
    struct http_server *srv;
    struct err e;
    struct reply r;
    unsigned port;
    json_t *j, *d;

    (void)state;
    s1->slos[0].status = SLO_STATUS_HEALTHY;
    s2->slos[0].status = SLO_STATUS_CRITICAL;
    s2->at_ms = s2->slos[0].evaluated_ms = s1->at_ms + 60000;
    assert_int_equal(history_record(hist, NULL, s1, NULL, NULL), 0);
    assert_int_equal(history_record(hist, NULL, s2, NULL, NULL), 0);
    snapshot_free(s1);
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, s2);
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    fake_srv = srv;
    port = http_port(srv);

    request(port, "GET", "/api/v1/events", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    d = json_object_get(j, "data");
    assert_int_equal(json_array_size(d), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "to")),
                        "critical");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "from")),
                        "healthy");
    json_decref(j);
    reply_free(&r);
    request(port, "GET", "/api/v1/events?after=1", &r);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body.data, "\"data\":[]"));
    reply_free(&r);
    request(port, "GET", "/api/v1/events?limit=-1", &r);
    assert_int_equal(r.status, 400);
    reply_free(&r);

    request(port, "GET", "/api/v1/slos/checkout/history?window=1h", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    d = json_object_get(json_object_get(j, "data"), "series");
    assert_int_equal(json_array_size(d), 1);
    /* The points are from 2026-11-01, more than an hour before now. */
    assert_int_equal(json_array_size(json_object_get(json_array_get(d, 0), "points")), 0);
    json_decref(j);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/checkout/history", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    d = json_object_get(json_object_get(j, "data"), "series");
    assert_int_equal(json_array_size(json_object_get(json_array_get(d, 0), "points")), 2);
    json_decref(j);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/checkout/history?window=later", &r);
    assert_int_equal(r.status, 400);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/nope/history", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);
    request(port, "GET", "/api/v1/slos/checkout/other", &r);
    assert_int_equal(r.status, 404);
    reply_free(&r);

    http_stop(srv);
    snapshot_holder_destroy(&h);
    history_free(hist);
}

/* The pages kept with a snapshot: the same bytes until the next snapshot. */
static void test_pages_follow_snapshot(void **state)
{
    static const char *const paths[] = {"/metrics", "/api/v1/slos"};
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, fake_reload, NULL, 0};
    struct http_server *srv;
    struct err e;
    unsigned port;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    fake_srv = srv;
    port = http_port(srv);
    for (size_t i = 0; i < 2; i++) {
        struct reply a, b, c;
        struct snapshot *next = one_slo(1);

        snapshot_holder_publish(&h, one_slo(1));
        request(port, "GET", paths[i], &a);
        request(port, "GET", paths[i], &b);
        assert_int_equal(a.status, 200);
        assert_string_equal(a.body.data, b.body.data);
        /* A new snapshot with another objective: the new page shows it. */
        next->slos[0].objective = 0.995;
        snapshot_holder_publish(&h, next);
        request(port, "GET", paths[i], &c);
        assert_int_equal(c.status, 200);
        assert_string_not_equal(a.body.data, c.body.data);
        assert_non_null(strstr(c.body.data, "0.995"));
        assert_null(strstr(c.body.data, "0.999"));
        reply_free(&a);
        reply_free(&b);
        reply_free(&c);
    }
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/* A web config from yaml (which must be valid); the caller frees. */
static struct webconfig *web(const char *yaml)
{
    struct webconfig *w = NULL;
    struct config_errors errs;

    config_errors_init(&errs);
    if (webconfig_parse("web.yml", yaml, strlen(yaml), &w, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++)
            print_message("  %s\n", errs.msg[i]);
        config_errors_free(&errs);
        fail_msg("the web config did not load");
    }
    return w;
}

static void test_basic_auth_on_every_path(void **state)
{
    static const char *const paths[] = {
        "/metrics", "/-/healthy", "/-/ready", "/api/v1/slos", "/api/v1/slos/checkout",
        "/",        "/nowhere"};
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, fake_reload, NULL, 0};
    struct webconfig *w = web("basic_auth_users:\n  alice: " HASH_S3CRET "\n"
                              "http_server_config:\n  headers: {X-Frame-Options: deny}\n");
    struct http_server *srv;
    struct err e;
    struct reply r;
    unsigned port;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(1));
    srv = http_start("127.0.0.1:0", &hooks, w, &e);
    assert_non_null(srv);
    fake_srv = srv;
    port = http_port(srv);
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        request(port, "GET", paths[i], &r);
        assert_int_equal(r.status, 401);
        assert_non_null(strstr(r.headers.data, "WWW-Authenticate: Basic realm=\"slo-sidecar\""));
        assert_non_null(strstr(r.headers.data, "X-Frame-Options: deny"));
        assert_null(strstr(r.body.data, "slo_"));
        reply_free(&r);
        request_as(port, "GET", paths[i], "alice:wrong", &r);
        assert_int_equal(r.status, 401);
        reply_free(&r);
        request_as(port, "GET", paths[i], "bob:s3cret", &r);
        assert_int_equal(r.status, 401);
        reply_free(&r);
        request_as(port, "GET", paths[i], "alice:s3cret", &r);
        assert_int_equal(r.status, strcmp(paths[i], "/nowhere") == 0 ? 404 : 200);
        assert_null(strstr(r.headers.data, "WWW-Authenticate"));
        assert_non_null(strstr(r.headers.data, "X-Frame-Options: deny"));
        reply_free(&r);
    }
    /* Reload too: refused without the password, reaches the hook with it. */
    reloads = 0;
    reload_ok = 1;
    request(port, "POST", "/-/reload", &r);
    assert_int_equal(r.status, 401);
    assert_int_equal(reloads, 0);
    reply_free(&r);
    request_as(port, "POST", "/-/reload", "alice:s3cret", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(reloads, 1);
    reply_free(&r);
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/*
 * http_update: new users take effect at the next request, a password that
 * was cached under the old hash stops working, turning TLS on is refused
 * and keeps the old users, and NULL removes auth.
 */
static void test_update_swaps_users(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, fake_reload, NULL, 0};
    struct http_server *srv;
    struct webconfig *w;
    struct err e;
    struct reply r;
    unsigned port;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(1));
    srv = http_start("127.0.0.1:0", &hooks, web("basic_auth_users: {u: '" HASH_S3CRET "'}\n"), &e);
    assert_non_null(srv);
    fake_srv = srv;
    port = http_port(srv);
    request_as(port, "GET", "/metrics", "u:s3cret", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);

    assert_int_equal(http_update(srv, web("basic_auth_users: {u: '" HASH_NEW_PW "'}\n"), &e), 0);
    request_as(port, "GET", "/metrics", "u:s3cret", &r);
    assert_int_equal(r.status, 401);
    reply_free(&r);
    request_as(port, "GET", "/metrics", "u:new pw", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);

    w = web("tls_server_config: {cert_file: /nonexistent.crt, key_file: /nonexistent.key}\n");
    assert_int_equal(http_update(srv, w, &e), -1);
    assert_string_equal(e.msg, "web.yml: turning on TLS needs a restart (this listener was "
                               "started without TLS); the web config in force is kept");
    webconfig_free(w);
    request_as(port, "GET", "/metrics", "u:new pw", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);

    assert_int_equal(http_update(srv, NULL, &e), 0);
    request(port, "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/*
 * Successful checks are cached: with a cost-10 hash, 30 requests take far
 * less than 30 bcrypt checks would (about 60 ms each, natively; the ratio
 * holds under valgrind too).
 */
static void test_successful_checks_are_cached(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, fake_reload, NULL, 0};
    struct http_server *srv;
    struct err e;
    struct reply r;
    unsigned port;
    int64_t t0, first, rest;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(1));
    srv = http_start("127.0.0.1:0", &hooks, web("basic_auth_users: {p: '" HASH_SLOW_PW "'}\n"),
                     &e);
    assert_non_null(srv);
    port = http_port(srv);
    t0 = util_mono_ms();
    request_as(port, "GET", "/-/healthy", "p:slow pw", &r);
    assert_int_equal(r.status, 200);
    reply_free(&r);
    first = util_mono_ms() - t0;
    t0 = util_mono_ms();
    for (int i = 0; i < 30; i++) {
        request_as(port, "GET", "/-/healthy", "p:slow pw", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
    }
    rest = util_mono_ms() - t0;
    print_message("  first check %lld ms, 30 cached ones %lld ms\n", (long long)first,
                  (long long)rest);
    assert_true(rest < 10 * first);
    /* A wrong password is not served from the cache. */
    request_as(port, "GET", "/-/healthy", "p:slow pW", &r);
    assert_int_equal(r.status, 401);
    reply_free(&r);
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

static void test_parse_addr(void **state)
{
    char host[64];
    unsigned port;

    (void)state;
    assert_int_equal(http_parse_addr(":9099", host, sizeof(host), &port), 0);
    assert_string_equal(host, "");
    assert_int_equal(port, 9099);
    assert_int_equal(http_parse_addr("[::1]:80", host, sizeof(host), &port), 0);
    assert_string_equal(host, "::1");
    assert_int_equal(http_parse_addr("127.0.0.1:65536", host, sizeof(host), &port), -1);
    assert_int_equal(http_parse_addr("9099", host, sizeof(host), &port), -1);
    assert_int_equal(http_parse_addr("h:x", host, sizeof(host), &port), -1);
}

/* A poller that never answers by itself: the test says when reloads end. */
static pthread_mutex_t parked_mu = PTHREAD_MUTEX_INITIALIZER;
static unsigned long parked_tickets;

static unsigned long parked_reload(void *ctx, struct err *e)
{
    unsigned long t;

    (void)ctx;
    (void)e;
    pthread_mutex_lock(&parked_mu);
    t = ++parked_tickets;
    pthread_mutex_unlock(&parked_mu);
    return t;
}

/* One POST /-/reload on a thread of its own (no cmocka asserts off the main thread). */
struct reload_call {
    pthread_t th;
    unsigned port;
    const char *userpwd; /* NULL: no credentials */
    long status;
    int64_t ms;
    char body[256];
};

static size_t keep_body(char *p, size_t size, size_t n, void *ud)
{
    struct reload_call *rc = ud;
    size_t have = strlen(rc->body);
    size_t take = size * n;

    if (take > sizeof(rc->body) - 1 - have)
        take = sizeof(rc->body) - 1 - have;
    memcpy(rc->body + have, p, take);
    rc->body[have + take] = '\0';
    return size * n;
}

static void *post_reload(void *arg)
{
    struct reload_call *rc = arg;
    CURL *c = curl_easy_init();
    char url[64];
    int64_t t0 = util_mono_ms();

    snprintf(url, sizeof(url), "http://127.0.0.1:%u/-/reload", rc->port);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, rc);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    if (rc->userpwd != NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_USERPWD, rc->userpwd);
    }
    if (curl_easy_perform(c) == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &rc->status);
    rc->ms = util_mono_ms() - t0;
    curl_easy_cleanup(c);
    return NULL;
}

static void start_reloads(struct reload_call *rc, size_t n, unsigned port)
{
    for (size_t i = 0; i < n; i++) {
        memset(&rc[i], 0, sizeof(rc[i]));
        rc[i].port = port;
        assert_int_equal(pthread_create(&rc[i].th, NULL, post_reload, &rc[i]), 0);
    }
}

static void join_reloads(struct reload_call *rc, size_t n)
{
    for (size_t i = 0; i < n; i++)
        pthread_join(rc[i].th, NULL);
}

/* Waits until the poller stand-in has handed out n tickets (the requests are parked). */
static void wait_tickets(unsigned long n)
{
    for (int i = 0; i < 500; i++) {
        unsigned long t;

        pthread_mutex_lock(&parked_mu);
        t = parked_tickets;
        pthread_mutex_unlock(&parked_mu);
        if (t >= n)
            return;
        struct timespec ts = {0, 10 * 1000000L};

        nanosleep(&ts, NULL);
    }
    fail_msg("only some reload requests arrived");
}

/*
 * Reload requests park without holding a server thread: with more of them
 * than the server has threads, /-/healthy still answers at once; each is
 * answered by the reload that covers its ticket (200, or 500 with the
 * error), and 503 at shutdown.
 */
static void test_reload_parks_without_a_thread(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, parked_reload, NULL, 5000};
    struct reload_call rc[8];
    struct http_server *srv;
    struct err e = {{0}};
    struct reply r;
    unsigned port;
    size_t n200 = 0, n500 = 0;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(1));
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    port = http_port(srv);
    parked_tickets = 0;
    start_reloads(rc, 8, port);
    wait_tickets(8);
    for (int i = 0; i < 3; i++) {
        int64_t t0 = util_mono_ms();

        request(port, "GET", "/-/healthy", &r);
        assert_int_equal(r.status, 200);
        /* A thread held by a reload would hold this for the 5 s bound. */
        assert_true(util_mono_ms() - t0 < 1000);
        reply_free(&r);
    }
    /* Tickets 1..5 are covered by a good reload, 6..8 by a bad one. */
    http_reload_done(srv, 5, 0, NULL);
    util_err(&e, "t.yaml:1:1: bad");
    http_reload_done(srv, 8, -1, &e);
    join_reloads(rc, 8);
    for (size_t i = 0; i < 8; i++) {
        assert_true(rc[i].ms < 5000);
        if (rc[i].status == 200) {
            n200++;
            assert_string_equal(rc[i].body, "config reloaded\n");
        } else {
            assert_int_equal(rc[i].status, 500);
            assert_string_equal(rc[i].body, "failed to reload config: t.yaml:1:1: bad\n");
            n500++;
        }
    }
    assert_int_equal(n200, 5);
    assert_int_equal(n500, 3);

    /* Stopping with parked requests answers them (libmicrohttpd must not
     * stop with a suspended connection) and returns at once. */
    start_reloads(rc, 2, port);
    wait_tickets(10);
    {
        int64_t t0 = util_mono_ms();

        http_stop(srv);
        assert_true(util_mono_ms() - t0 < 2000);
    }
    join_reloads(rc, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(rc[i].status, 503);
        assert_string_equal(rc[i].body, "not reloaded: the sidecar is stopping\n");
    }
    snapshot_holder_destroy(&h);
}

/* A reload that has not ended within the bound: 202, and where to look. */
static void test_reload_answers_202_after_the_bound(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, parked_reload, NULL, 300};
    struct reload_call rc[1];
    struct http_server *srv;
    struct err e = {{0}};

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    parked_tickets = 0;
    start_reloads(rc, 1, http_port(srv));
    join_reloads(rc, 1);
    assert_int_equal(rc[0].status, 202);
    assert_true(rc[0].ms >= 300);
    assert_non_null(strstr(rc[0].body, "reload pending"));
    assert_non_null(strstr(rc[0].body, "slo_sidecar_config_last_reload_successful"));
    /* Its reload ending later finds nothing parked. */
    http_reload_done(srv, 1, 0, NULL);
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/*
 * A parked reload was authorized when it came: the reload it waited for may
 * change the users (the web config), and its answer still goes out.
 */
static void test_parked_reload_keeps_its_auth(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, parked_reload, NULL, 5000};
    struct webconfig *w = web("basic_auth_users:\n  alice: " HASH_S3CRET "\n");
    struct reload_call rc[1];
    struct http_server *srv;
    struct err e = {{0}};

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    srv = http_start("127.0.0.1:0", &hooks, w, &e);
    assert_non_null(srv);
    parked_tickets = 0;
    memset(rc, 0, sizeof(rc));
    rc[0].port = http_port(srv);
    rc[0].userpwd = "alice:s3cret";
    assert_int_equal(pthread_create(&rc[0].th, NULL, post_reload, &rc[0]), 0);
    wait_tickets(1);
    /* The reload replaces alice's password. */
    assert_int_equal(http_update(srv, web("basic_auth_users:\n  alice: " HASH_NEW_PW "\n"), &e),
                     0);
    http_reload_done(srv, 1, 0, NULL);
    join_reloads(rc, 1);
    assert_int_equal(rc[0].status, 200);
    assert_string_equal(rc[0].body, "config reloaded\n");
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

/* After http_reload_close, a reload request is answered 503 at once. */
static void test_reload_closed_answers_503(void **state)
{
    struct snapshot_holder h;
    struct http_hooks hooks = {&h, NULL, parked_reload, NULL, 1500};
    struct http_server *srv;
    struct err e = {{0}};
    struct reply r;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    srv = http_start("127.0.0.1:0", &hooks, NULL, &e);
    assert_non_null(srv);
    http_reload_close(srv, "the sidecar is stopping");
    request(http_port(srv), "POST", "/-/reload", &r);
    assert_int_equal(r.status, 503);
    assert_non_null(strstr(r.body.data, "not reloaded: the sidecar is stopping"));
    reply_free(&r);
    http_stop(srv);
    snapshot_holder_destroy(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_reload_parks_without_a_thread),
        cmocka_unit_test(test_reload_answers_202_after_the_bound),
        cmocka_unit_test(test_parked_reload_keeps_its_auth),
        cmocka_unit_test(test_reload_closed_answers_503),
        cmocka_unit_test(test_history_endpoints),
        cmocka_unit_test(test_pages_follow_snapshot),
        cmocka_unit_test(test_basic_auth_on_every_path),
        cmocka_unit_test(test_update_swaps_users),
        cmocka_unit_test(test_successful_checks_are_cached),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
