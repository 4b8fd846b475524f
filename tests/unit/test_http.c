/*
 * Unit tests for the HTTP endpoints, against a live libmicrohttpd server on
 * 127.0.0.1 and a hand-built snapshot: status codes, content types, methods,
 * readiness, reload hook, API JSON.
 */
#include "testutil.h"

#include <curl/curl.h>
#include <jansson.h>
#include <stdlib.h>

#include "http.h"
#include "snapshot.h"

struct reply {
    long status;
    char ctype[128];
    struct buf body;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;

    return buf_append(&r->body, p, size * n) == 0 ? size * n : 0;
}

static void request(unsigned port, const char *method, const char *path, struct reply *r)
{
    CURL *c = curl_easy_init();
    char url[256];
    char *ct = NULL;

    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
    buf_init(&r->body, 1 << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
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

static int reloads;
static int reload_ok;

static int fake_reload(void *ctx, struct err *e)
{
    (void)ctx;
    reloads++;
    if (reload_ok)
        return 0;
    return util_err(e, "test.yaml:3:5: bad");
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
    struct http_hooks hooks = {&h, fake_reload, NULL};
    struct http_server *srv;
    struct err e;
    struct reply r;
    unsigned port;
    json_t *j;

    (void)state;
    assert_int_equal(snapshot_holder_init(&h), 0);
    snapshot_holder_publish(&h, one_slo(0));
    srv = http_start("127.0.0.1:0", &hooks, &e);
    assert_non_null(srv);
    port = http_port(srv);
    assert_true(port > 0);

    request(port, "GET", "/-/healthy", &r);
    assert_int_equal(r.status, 200);
    buf_free(&r.body);
    request(port, "GET", "/-/ready", &r);
    assert_int_equal(r.status, 503);
    buf_free(&r.body);
    snapshot_holder_publish(&h, one_slo(1));
    request(port, "GET", "/-/ready", &r);
    assert_int_equal(r.status, 200);
    buf_free(&r.body);

    request(port, "GET", "/metrics", &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body.data, "slo_objective_ratio{service=\"shop\",slo=\"checkout\"} "
                                        "0.999\n"));
    buf_free(&r.body);

    request(port, "GET", "/api/v1/slos", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "status")), "success");
    assert_int_equal(json_array_size(json_object_get(j, "data")), 1);
    json_decref(j);
    buf_free(&r.body);
    request(port, "GET", "/api/v1/slos/checkout", &r);
    assert_int_equal(r.status, 200);
    j = json_loads(r.body.data, 0, NULL);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "data"), "name")), "checkout");
    json_decref(j);
    buf_free(&r.body);
    request(port, "GET", "/api/v1/slos/nope", &r);
    assert_int_equal(r.status, 404);
    buf_free(&r.body);

    request(port, "GET", "/-/reload", &r);
    assert_int_equal(r.status, 405);
    assert_int_equal(reloads, 0);
    buf_free(&r.body);
    reload_ok = 0;
    request(port, "POST", "/-/reload", &r);
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body.data, "test.yaml:3:5: bad"));
    buf_free(&r.body);
    reload_ok = 1;
    request(port, "POST", "/-/reload", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(reloads, 2);
    buf_free(&r.body);
    request(port, "POST", "/metrics", &r);
    assert_int_equal(r.status, 405);
    buf_free(&r.body);
    request(port, "GET", "/nowhere", &r);
    assert_int_equal(r.status, 404);
    buf_free(&r.body);

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_addr),
        cmocka_unit_test(test_endpoints),
    };
    int rc;

    curl_global_init(CURL_GLOBAL_DEFAULT);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
