/*
 * Unit tests for promql: the parser of /api/v1/query answers on hand-written
 * bodies, and the client against a small libmicrohttpd server on 127.0.0.1
 * that records what arrives and answers as each test tells it.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "promql.h"
#include "util.h"

#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif

static int parse(const char *body, long status, struct promql_result *r, struct err *e)
{
    return promql_parse_response(body, strlen(body), status, r, e);
}

static void assert_empty(const struct promql_result *r)
{
    assert_int_equal(r->n, 0);
    assert_null(r->v);
    assert_int_equal(r->nseries, 0);
    assert_null(r->series);
    assert_null(r->warnings);
    assert_int_equal(r->nwarnings, 0);
    assert_int_equal(r->is_scalar, 0);
}

/* ---- parser ---- */

static void test_parse_vector_keeps_series_labels_times_and_values(void **state)
{
    const char *body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        "{\"metric\":{\"__name__\":\"up\",\"job\":\"api\",\"instance\":\"a:9090\"},"
        "\"value\":[1793491200.123,\"1\"]},"
        "{\"metric\":{\"job\":\"api\",\"instance\":\"b:9090\"},\"value\":[1793491200,\"0.25\"]},"
        "{\"metric\":{},\"value\":[1793491200.5,\"1e-3\"]}]}}";
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse(body, 200, &r, &e), 0);
    assert_int_equal(r.is_scalar, 0);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.v[0].labels.n, 3);
    assert_string_equal(labels_get(&r.v[0].labels, "__name__"), "up");
    assert_string_equal(labels_get(&r.v[0].labels, "job"), "api");
    assert_string_equal(labels_get(&r.v[0].labels, "instance"), "a:9090");
    assert_int_equal(r.v[0].t_ms, 1793491200123LL);
    assert_close(r.v[0].value, 1.0);
    assert_string_equal(labels_get(&r.v[1].labels, "instance"), "b:9090");
    assert_null(labels_get(&r.v[1].labels, "__name__"));
    assert_int_equal(r.v[1].t_ms, 1793491200000LL);
    assert_close(r.v[1].value, 0.25);
    assert_int_equal(r.v[2].labels.n, 0);
    assert_int_equal(r.v[2].t_ms, 1793491200500LL);
    assert_close(r.v[2].value, 0.001);
    assert_null(r.warnings);
    promql_result_free(&r);
    assert_empty(&r);
}

static void test_parse_empty_vector_is_zero_samples(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":[]}}",
                           200, &r, &e),
                     0);
    assert_empty(&r);
    promql_result_free(&r);
}

static void test_parse_scalar_is_one_unlabelled_sample(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
                           "\"result\":[1793491200.001,\"42.5\"]}}",
                           0, &r, &e),
                     0);
    assert_int_equal(r.is_scalar, 1);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].labels.n, 0);
    assert_int_equal(r.v[0].t_ms, 1793491200001LL);
    assert_close(r.v[0].value, 42.5);
    promql_result_free(&r);
}

static void test_parse_nan_and_infinities(void **state)
{
    const char *body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                       "{\"metric\":{\"k\":\"nan\"},\"value\":[1,\"NaN\"]},"
                       "{\"metric\":{\"k\":\"pinf\"},\"value\":[1,\"+Inf\"]},"
                       "{\"metric\":{\"k\":\"ninf\"},\"value\":[1,\"-Inf\"]}]}}";
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse(body, 200, &r, &e), 0);
    assert_int_equal(r.n, 3);
    assert_true(isnan(r.v[0].value));
    assert_true(isinf(r.v[1].value) && r.v[1].value > 0);
    assert_true(isinf(r.v[2].value) && r.v[2].value < 0);
    assert_int_equal(r.v[0].t_ms, 1000);
    promql_result_free(&r);
}

static void test_parse_timestamp_rounds_to_nearest_ms(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
                           "\"result\":[1793491200.1236,\"1\"]}}",
                           200, &r, &e),
                     0);
    assert_int_equal(r.v[0].t_ms, 1793491200124LL);
    promql_result_free(&r);
}

static void test_parse_warnings_are_copied(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":[]},\"warnings\":[\"partial response\",\"w2\"]}",
                           200, &r, &e),
                     0);
    assert_int_equal(r.nwarnings, 2);
    assert_string_equal(r.warnings[0], "partial response");
    assert_string_equal(r.warnings[1], "w2");
    promql_result_free(&r);
    assert_empty(&r);
}

static void test_parse_error_body_names_type_and_status(void **state)
{
    struct promql_result r;
    struct err e;
    const char *bad_data = "{\"status\":\"error\",\"errorType\":\"bad_data\","
                           "\"error\":\"1:5: parse error: unexpected \\\"}\\\"\"}";

    (void)state;
    assert_int_equal(parse(bad_data, 400, &r, &e), -1);
    assert_string_equal(e.msg, "HTTP 400: bad_data: 1:5: parse error: unexpected \"}\"");
    assert_empty(&r);
    assert_int_equal(parse(bad_data, 0, &r, &e), -1);
    assert_string_equal(e.msg, "bad_data: 1:5: parse error: unexpected \"}\"");
    assert_int_equal(parse(bad_data, 200, &r, &e), -1);
    assert_string_equal(e.msg, "bad_data: 1:5: parse error: unexpected \"}\"");

    assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"execution\",\"error\":"
                           "\"query processing would load too many samples into memory\"}",
                           422, &r, &e),
                     -1);
    assert_string_equal(e.msg, "HTTP 422: execution: query processing would load too many "
                               "samples into memory");
    assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":"
                           "\"query timed out in expression evaluation\"}",
                           503, &r, &e),
                     -1);
    assert_string_equal(e.msg, "HTTP 503: timeout: query timed out in expression evaluation");
    assert_int_equal(parse("{\"status\":\"error\"}", 500, &r, &e), -1);
    assert_string_equal(e.msg, "HTTP 500: Prometheus answered \"status\":\"error\" without a "
                               "message");
    assert_empty(&r);
}

/* Found by fuzz/fuzz_promql.c: an empty errorType alone gave an empty message. */
static void test_parse_error_with_empty_fields_still_has_a_message(void **state)
{
    static const char *const bodies[] = {
        "{\"status\":\"error\",\"errorType\":\"\"}",
        "{\"status\":\"error\",\"error\":\"\"}",
        "{\"status\":\"error\",\"errorType\":\"\",\"error\":\"\"}",
    };
    struct promql_result r;
    struct err e;

    (void)state;
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        assert_int_equal(parse(bodies[i], 200, &r, &e), -1);
        assert_string_equal(e.msg, "Prometheus answered \"status\":\"error\" without a message");
        assert_empty(&r);
    }
    assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"\",\"error\":\"boom\"}", 0, &r,
                           &e),
                     -1);
    assert_string_equal(e.msg, "boom");
    assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"\"}", 0,
                           &r, &e),
                     -1);
    assert_string_equal(e.msg, "internal");
}

static void test_parse_html_page_is_not_json(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("<html><head><title>503 Service Temporarily Unavailable</title>"
                           "</head><body><center><h1>503 Service Temporarily Unavailable"
                           "</h1></center></body></html>\n",
                           503, &r, &e),
                     -1);
    assert_string_equal(e.msg, "HTTP 503: response is not JSON (starts with \"<html><head>"
                               "<title>503 Service Temporarily Unavailable</title></head>"
                               "<body><cent...\")");
    assert_empty(&r);
}

static void test_parse_empty_body_is_not_json(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("", 200, &r, &e), -1);
    assert_string_equal(e.msg, "response is not JSON (empty body)");
    assert_int_equal(promql_parse_response(NULL, 0, 502, &r, &e), -1);
    assert_string_equal(e.msg, "HTTP 502: response is not JSON (empty body)");
    assert_empty(&r);
}

static void test_parse_truncated_json_says_where(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":[{\"metric\":{}",
                           200, &r, &e),
                     -1);
    assert_string_equal(e.msg, "response is not JSON (starts with \"{\\\"status\\\":\\\"success"
                               "\\\",\\\"data\\\":{\\\"resultType\\\":\\\"vector\\\",\\\"result"
                               "\\\":[{\\\"metric\\\":{}\"): '}' expected near end of file at "
                               "byte 72");
    assert_empty(&r);
}

static void test_parse_garbage_is_escaped_in_message(void **state)
{
    const char body[] = "\x1b[31mGARBAGE\r\n\t\"q\" \\ \xff\x01";
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(promql_parse_response(body, sizeof(body) - 1, 0, &r, &e), -1);
    assert_string_equal(e.msg, "response is not JSON (starts with \"\\x1b[31mGARBAGE\\r\\n\\t"
                               "\\\"q\\\" \\\\ \\xff\\x01\")");
    assert_empty(&r);
}

static void test_parse_duplicate_keys_are_rejected(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"status\":\"error\"}", 200, &r, &e), -1);
    assert_non_null(strstr(e.msg, "duplicate object key"));
    assert_empty(&r);
}

static void test_parse_json_that_is_not_an_object(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("[1,2]", 200, &r, &e), -1);
    assert_string_equal(e.msg, "response is JSON but not an object (starts with \"[1,2]\")");
    assert_int_equal(parse("\"ok\"", 200, &r, &e), -1);
    assert_empty(&r);
}

static void test_parse_matrix_and_string_are_unsupported(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                           "\"result\":[{\"metric\":{},\"values\":[[1,\"1\"]]}]}}",
                           200, &r, &e),
                     -1);
    assert_string_equal(e.msg, "unsupported resultType \"matrix\" (the query must return an "
                               "instant vector or a scalar)");
    assert_empty(&r);
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"string\","
                           "\"result\":[1,\"x\"]}}",
                           200, &r, &e),
                     -1);
    assert_string_equal(e.msg, "unsupported resultType \"string\" (the query must return an "
                               "instant vector or a scalar)");
    assert_empty(&r);
}

static int parse_matrix(const char *body, struct promql_result *r, struct err *e)
{
    return promql_parse_matrix(body, strlen(body), 200, r, e);
}

/* ---- the shallow reader: answers are read one element at a time ---- */

/* A vector answer of n series, with members the parser passes over; caller frees. */
static char *big_vector(size_t n)
{
    struct buf b;
    char row[96];

    buf_init(&b, 64u * 1024u * 1024u);
    assert_int_equal(buf_append(&b,
                                "{\"stats\":{\"a\":[1,{\"b\":null}],\"c\":\"x\"}, "
                                "\"status\":\"success\",\n\"data\":{\"resultType\":\"vector\","
                                "\"result\":[",
                                strlen("{\"stats\":{\"a\":[1,{\"b\":null}],\"c\":\"x\"}, "
                                       "\"status\":\"success\",\n\"data\":{\"resultType\":"
                                       "\"vector\",\"result\":[")),
                     0);
    for (size_t i = 0; i < n; i++) {
        int len = snprintf(row, sizeof(row),
                           "%s{\"metric\":{\"pod\":\"p%zu\"},\"value\":[%zu,\"%zu\"]}",
                           i > 0 ? "," : "", i, 1700000000 + i, i);

        assert_int_equal(buf_append(&b, row, (size_t)len), 0);
    }
    assert_int_equal(buf_append(&b, "]},\"infos\":[]}", 14), 0);
    return buf_steal(&b);
}

static void test_parse_big_vector_with_other_members(void **state)
{
    char *body = big_vector(20000); /* about 1.1 MB: past the size jansson sees whole */
    struct promql_result r;
    struct err e;

    (void)state;
    assert_true(strlen(body) > 1024 * 1024);
    assert_int_equal(parse(body, 200, &r, &e), 0);
    assert_int_equal(r.n, 20000);
    assert_int_equal(r.v[19999].labels.n, 1);
    assert_string_equal(r.v[19999].labels.v[0].value, "p19999");
    assert_int_equal(r.v[19999].t_ms, (int64_t)(1700000000 + 19999) * 1000);
    assert_close(r.v[19999].value, 19999.0);
    promql_result_free(&r);
    free(body);
}

static void test_parse_big_broken_bodies_say_so_without_a_tree(void **state)
{
    char *body = big_vector(20000);
    size_t len = strlen(body);
    char *twice = util_asprintf("%s%s", body, body);
    struct promql_result r;
    struct err e;

    (void)state;
    assert_non_null(twice);
    /* Cut short. */
    assert_int_equal(promql_parse_response(body, len - 3, 200, &r, &e), -1);
    assert_non_null(strstr(e.msg, "response is not JSON (starts with \"{\\\"stats\\\""));
    assert_non_null(strstr(e.msg, "invalid JSON in its"));
    assert_empty(&r);
    /* Two documents, the second not an error. */
    assert_int_equal(parse(twice, 200, &r, &e), -1);
    assert_non_null(strstr(e.msg, "more after the JSON value"));
    assert_empty(&r);
    free(twice);
    /* A member the parser reads, twice. */
    twice = util_asprintf("{\"status\":\"success\",%s", body + 1);
    assert_non_null(twice);
    assert_int_equal(parse(twice, 200, &r, &e), -1);
    assert_non_null(strstr(e.msg, "duplicate object key \"status\""));
    assert_empty(&r);
    free(twice);
    free(body);
}

static void test_parse_escaped_keys_are_the_keys_they_spell(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"st\\u0061tus\":\"success\",\"data\":{\"resultType\":\"scalar\","
                           "\"r\\u0065sult\":[1.5,\"2\"]}}",
                           200, &r, &e),
                     0);
    assert_int_equal(r.is_scalar, 1);
    assert_close(r.v[0].value, 2.0);
    promql_result_free(&r);
    /* Spelt twice, once with escapes: a duplicate. */
    assert_int_equal(parse("{\"status\":\"success\",\"st\\u0061tus\":\"error\"}", 200, &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "duplicate object key"));
}

static void test_parse_matrix_points_spelt_unusually(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(promql_parse_matrix(
                         "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
                         "[{\"values\":[[1.7e9,\"1\"], [ 1700000001 , \"NaN\" ] ,"
                         "[1700000002,\"1\\u0030\"],[1700000003.5,\"+Inf\"],"
                         "[1700000004,\"0x10\"]],\"metric\":{\"a\":\"b\"}}]}}",
                         strlen("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                "\"result\":[{\"values\":[[1.7e9,\"1\"], [ 1700000001 , "
                                "\"NaN\" ] ,[1700000002,\"1\\u0030\"],[1700000003.5,\"+Inf\"],"
                                "[1700000004,\"0x10\"]],\"metric\":{\"a\":\"b\"}}]}}"),
                         200, &r, &e),
                     -1);
    /* util_parse_double refuses hexadecimal, quick or not. */
    assert_string_equal(e.msg, "malformed response: data.result[0].values[4] holds \"0x10\", "
                               "which is not a number");
    assert_int_equal(parse_matrix("{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                                  "\"result\":[{\"values\":[[1.7e9,\"1\"], [ 1700000001 , "
                                  "\"NaN\" ] ,[1700000002,\"1\\u0030\"],[1700000003.5,\"+Inf\"]],"
                                  "\"metric\":{\"a\":\"b\"}}]}}",
                                  &r, &e),
                     0);
    assert_int_equal(r.nseries, 1);
    assert_int_equal(r.series[0].n, 4);
    assert_int_equal(r.series[0].p[0].t_ms, 1700000000000LL);
    assert_close(r.series[0].p[0].v, 1.0);
    assert_true(isnan(r.series[0].p[1].v));
    assert_close(r.series[0].p[2].v, 10.0);
    assert_int_equal(r.series[0].p[3].t_ms, 1700000003500LL);
    assert_true(isinf(r.series[0].p[3].v));
    promql_result_free(&r);
}

/* api_read's answers: raw samples per series, labels sorted, times in ms. */
static void test_parse_matrix_keeps_series_and_raw_samples(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse_matrix("{\"status\":\"success\",\"data\":{\"resultType\":"
                                  "\"matrix\",\"result\":[{\"metric\":{\"z\":\"1\",\"__name__\":"
                                  "\"r_total\"},\"values\":[[1796627940,\"5992\"],"
                                  "[1796627940.5,\"1e+21\"],[1796628000.125,\"NaN\"]]},"
                                  "{\"metric\":{},\"values\":[]}]}}",
                                  &r, &e),
                     0);
    assert_int_equal(r.nseries, 2);
    assert_int_equal(r.n, 0);
    assert_string_equal(r.series[0].labels.v[0].name, "__name__");
    assert_string_equal(r.series[0].labels.v[1].name, "z");
    assert_int_equal(r.series[0].n, 3);
    assert_int_equal(r.series[0].p[0].t_ms, 1796627940000LL);
    assert_close(r.series[0].p[0].v, 5992);
    assert_int_equal(r.series[0].p[1].t_ms, 1796627940500LL);
    assert_close(r.series[0].p[1].v, 1e21);
    assert_int_equal(r.series[0].p[2].t_ms, 1796628000125LL);
    assert_true(isnan(r.series[0].p[2].v));
    assert_int_equal(r.series[1].n, 0);
    assert_null(r.series[1].p);
    promql_result_free(&r);
    assert_empty(&r);
}

/* Only a matrix is an answer to a range selector; broken ones fail whole. */
static void test_parse_matrix_refuses_other_answers(void **state)
{
    static const struct {
        const char *body;
        const char *msg;
    } cases[] = {
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
         "unexpected resultType \"vector\" for a range selector (a matrix of raw samples was "
         "expected)"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
         "[{\"metric\":{}}]}}",
         "malformed response: data.result[0].values is missing"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
         "[{\"metric\":{},\"values\":[[1,\"1\"],[2]]}]}}",
         "malformed response: data.result[0].values[1] must be [<unix time>, \"<number>\"]"},
        {"{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":"
         "[{\"metric\":{},\"histograms\":[[1,{}]]}]}}",
         "data.result[0] holds native histogram samples, which are not supported (use classic "
         "histogram buckets)"},
        {"{\"status\":\"success\",\"isPartial\":true,\"data\":{\"resultType\":\"matrix\","
         "\"result\":[]}}",
         "the store marked its answer as partial (\"isPartial\": true), so its data may be "
         "incomplete; not used"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct promql_result r;
        struct err e;

        assert_int_equal(parse_matrix(cases[i].body, &r, &e), -1);
        assert_string_equal(e.msg, cases[i].msg);
        assert_empty(&r);
    }
}

/*
 * VictoriaMetrics: an error found while streaming a 200 answer comes as a
 * second document, and its errorType is the status again.
 */
static void test_parse_error_after_a_partial_answer(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse_matrix("{\"status\":\"success\",\"data\":{\"resultType\":"
                                  "\"matrix\",\"result\":[]}}\n{\"status\":\"error\","
                                  "\"errorType\":\"422\",\"error\":\"cannot select more than "
                                  "-search.maxSamplesPerSeries=1000 samples\"}",
                                  &r, &e),
                     -1);
    assert_string_equal(e.msg, "after a partial answer: cannot select more than "
                               "-search.maxSamplesPerSeries=1000 samples");
    assert_empty(&r);
    /* Something else after the answer is still not JSON. */
    assert_int_equal(parse_matrix("{\"status\":\"success\",\"data\":{\"resultType\":"
                                  "\"matrix\",\"result\":[]}} tail",
                                  &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "response is not JSON"));
    assert_int_equal(parse("{\"status\":\"error\",\"errorType\":\"422\",\"error\":\"x\"}", 422, &r,
                           &e),
                     -1);
    assert_string_equal(e.msg, "HTTP 422: x");
}

/* A VictoriaMetrics cluster with a storage node down marks its vector answers too. */
static void test_parse_partial_vector_is_refused(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"isPartial\":true,\"data\":{"
                           "\"resultType\":\"vector\",\"result\":[]}}",
                           200, &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "isPartial"));
    assert_empty(&r);
    assert_int_equal(parse("{\"status\":\"success\",\"isPartial\":false,\"data\":{"
                           "\"resultType\":\"vector\",\"result\":[]}}",
                           200, &r, &e),
                     0);
    promql_result_free(&r);
}

static void test_parse_success_without_data_is_malformed(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\"}", 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: \"status\" is \"success\" but \"data\" is "
                               "missing or not an object");
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"result\":[]}}", 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.resultType is missing");
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}", 200,
                           &r, &e),
                     -1);
    assert_string_equal(e.msg, "malformed response: data.result is missing");
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":{}}}",
                           200, &r, &e),
                     -1);
    assert_string_equal(e.msg, "malformed response: data.result of a vector must be an array");
    assert_int_equal(parse("{\"data\":{}}", 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: \"status\" must be \"success\" or "
                               "\"error\"");
    assert_empty(&r);
}

static void test_parse_bad_sample_fails_whole_answer(void **state)
{
    struct promql_result r;
    struct err e;
    const char *head = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                       "{\"metric\":{\"a\":\"1\"},\"value\":[1,\"1\"]},";
    char body[512];

    (void)state;
    /* A good first sample must not leak out as a partial result. */
    snprintf(body, sizeof(body), "%s{\"metric\":{},\"value\":[1,2]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1].value must be "
                               "[<unix time>, \"<number>\"]");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{}}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1].value is missing");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{},\"value\":[1,\"12abc\"]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1].value holds \"12abc\", "
                               "which is not a number");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{\"a\":1},\"value\":[1,\"1\"]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: label a of data.result[1] is not a string");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"value\":[1,\"1\"]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1].metric must be an object "
                               "of labels");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{},\"value\":[\"1\",\"1\"]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{},\"value\":[1,\"1\",3]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s7]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1] must be an object");
    assert_empty(&r);

    snprintf(body, sizeof(body), "%s{\"metric\":{},\"value\":[1e300,\"1\"]}]}}", head);
    assert_int_equal(parse(body, 200, &r, &e), -1);
    assert_string_equal(e.msg, "malformed response: data.result[1].value has an out of range "
                               "time");
    assert_empty(&r);
}

static void test_parse_native_histogram_is_unsupported(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":[{\"metric\":{},\"histogram\":[1,{\"count\":\"1\"}]}]}}",
                           200, &r, &e),
                     -1);
    assert_non_null(strstr(e.msg, "data.result[0] is a native histogram sample"));
    assert_empty(&r);
}

/* A vector answer with one sample labelled l<n-1> ... l0, in that order. */
static char *many_labels(int n)
{
    struct buf b;

    buf_init(&b, 64u << 20);
    assert_int_equal(buf_puts(&b, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                                  "\"result\":[{\"metric\":{"),
                     0);
    for (int i = n - 1; i >= 0; i--)
        assert_int_equal(buf_printf(&b, "\"l%d\":\"v%d\"%s", i, i, i ? "," : ""), 0);
    assert_int_equal(buf_puts(&b, "},\"value\":[1,\"1\"]}]}}"), 0);
    return buf_steal(&b);
}

/* CPU seconds to parse body (json: only decode its JSON), the least of 3 runs. */
static double parse_seconds(const char *body, int json)
{
    double best = 1e9;

    for (int i = 0; i < 3; i++) {
        struct promql_result r;
        struct err e;
        json_error_t jerr;
        clock_t t0 = clock();
        double t;

        if (json) {
            json_t *root = json_loads(body, JSON_REJECT_DUPLICATES, &jerr);

            assert_non_null(root);
            json_decref(root);
        } else {
            assert_int_equal(parse(body, 200, &r, &e), 0);
            promql_result_free(&r);
        }
        t = (double)(clock() - t0) / CLOCKS_PER_SEC;
        if (t < best)
            best = t;
    }
    return best;
}

/*
 * Found while writing fuzz/fuzz_promql.c: labels were added one by one with
 * labels_set, quadratic in their number (100000 labels, a 1.3 MB answer,
 * took 19 s; the body cap is 64 MiB). They still come out sorted, and the
 * whole parse costs a small multiple of decoding the JSON (it was 60 times
 * for 50000 labels).
 */
static void test_parse_many_labels_takes_linear_time(void **state)
{
    char *body = many_labels(50000);
    struct promql_result r;
    struct err e;
    double tj, tp;

    (void)state;
    assert_int_equal(parse(body, 200, &r, &e), 0);
    assert_int_equal(r.v[0].labels.n, 50000);
    assert_string_equal(r.v[0].labels.v[0].name, "l0");
    assert_string_equal(r.v[0].labels.v[1].name, "l1");
    assert_string_equal(r.v[0].labels.v[2].name, "l10");
    assert_string_equal(r.v[0].labels.v[49999].value, "v9999");
    for (size_t i = 1; i < r.v[0].labels.n; i++)
        assert_true(strcmp(r.v[0].labels.v[i - 1].name, r.v[0].labels.v[i].name) < 0);
    assert_string_equal(labels_get(&r.v[0].labels, "l4242"), "v4242");
    promql_result_free(&r);
    tj = parse_seconds(body, 1);
    tp = parse_seconds(body, 0);
    print_message("  50000 labels: JSON %.4f s, parse %.4f s\n", tj, tp);
    if (tp > 12 * tj + 0.01)
        fail_msg("the parse took %.1f times as long as the JSON", tp / tj);
    free(body);
}

static void test_parse_bad_warnings_fail(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                           "\"result\":[]},\"warnings\":[\"ok\",3]}",
                           200, &r, &e),
                     -1);
    assert_string_equal(e.msg, "malformed response: warnings[1] is not a string");
    assert_empty(&r);
}

static void test_parse_success_json_with_error_status_is_unexpected(void **state)
{
    struct promql_result r;
    struct err e;

    (void)state;
    assert_int_equal(parse("{\"message\":\"no org id\"}", 401, &r, &e), -1);
    assert_string_equal(e.msg, "HTTP 401: unexpected response (starts with "
                               "\"{\\\"message\\\":\\\"no org id\\\"}\") (authentication "
                               "failed: check bearer_token_file / basic_auth)");
    assert_empty(&r);
    assert_int_equal(parse("{\"message\":\"no org id\"}", 409, &r, &e), -1);
    assert_string_equal(e.msg, "HTTP 409: unexpected response (starts with "
                               "\"{\\\"message\\\":\\\"no org id\\\"}\")");
}

/* ---- client against an in-process server ---- */

/* What the server answers, and what it saw. Shared with MHD's threads. */
struct server {
    struct MHD_Daemon *d;
    unsigned short port;
    pthread_mutex_t mu;
    /* answer */
    unsigned status;
    const char *body;
    const char *content_type;
    const char *location;
    const char *retry_after; /* Retry-After header, when set */
    unsigned first_status;   /* the first nfirst requests get this status instead */
    int nfirst;
    int delay_ms;            /* sleep before answering, cut short by stop */
    uint64_t stream_bytes;   /* when > 0: answer with that many bytes instead of body */
    int stream_known_length; /* Content-Length for the stream, else chunked */
    atomic_int stop;
    /* seen, for the last request */
    char method[16];
    char url[128];
    char form[4096];
    char content_type_in[128];
    char accept[64];
    char user_agent[64];
    char authorization[256];
    char org_id[64];
    char empty_header[8];
    int has_empty_header;
    int requests;
    int connections;
    int64_t arrived_ms[8]; /* util_mono_ms() when requests 1..8 came in */
};

struct upload {
    size_t len;
    char data[4096];
    int truncated;
};

static void copy_header(struct MHD_Connection *conn, const char *name, char *out, size_t len)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);

    snprintf(out, len, "%s", v != NULL ? v : "");
}

static ssize_t stream_cb(void *cls, uint64_t pos, char *out, size_t max)
{
    struct server *s = cls;
    size_t n = max;

    if (pos >= s->stream_bytes)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (n > s->stream_bytes - pos)
        n = (size_t)(s->stream_bytes - pos);
    memset(out, 'x', n);
    return (ssize_t)n;
}

static enum MHD_Result answer(struct server *s, struct MHD_Connection *conn, unsigned status)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;

    for (int waited = 0; waited < s->delay_ms && !atomic_load(&s->stop); waited += 10) {
        struct timespec ts = {0, 10 * 1000 * 1000};

        nanosleep(&ts, NULL);
    }
    if (s->stream_bytes > 0)
        resp = MHD_create_response_from_callback(s->stream_known_length ? s->stream_bytes
                                                                        : MHD_SIZE_UNKNOWN,
                                                 64 * 1024, stream_cb, s, NULL);
    else
        resp = MHD_create_response_from_buffer(strlen(s->body), (void *)s->body,
                                               MHD_RESPMEM_PERSISTENT);
    if (resp == NULL)
        return MHD_NO;
    if (s->content_type != NULL)
        MHD_add_response_header(resp, "Content-Type", s->content_type);
    if (s->location != NULL)
        MHD_add_response_header(resp, "Location", s->location);
    if (s->retry_after != NULL)
        MHD_add_response_header(resp, "Retry-After", s->retry_after);
    ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **con_cls)
{
    struct server *s = cls;
    struct upload *u = *con_cls;
    unsigned status;

    (void)version;
    if (u == NULL) {
        u = calloc(1, sizeof(*u));
        if (u == NULL)
            return MHD_NO;
        *con_cls = u;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        if (n > sizeof(u->data) - 1 - u->len) {
            n = sizeof(u->data) - 1 - u->len;
            u->truncated = 1;
        }
        memcpy(u->data + u->len, upload_data, n);
        u->len += n;
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->mu);
    s->requests++;
    if (s->requests <= 8)
        s->arrived_ms[s->requests - 1] = util_mono_ms();
    status = s->requests <= s->nfirst ? s->first_status : s->status;
    snprintf(s->method, sizeof(s->method), "%s", method);
    snprintf(s->url, sizeof(s->url), "%s", url);
    snprintf(s->form, sizeof(s->form), "%.*s", (int)u->len, u->data);
    copy_header(conn, "Content-Type", s->content_type_in, sizeof(s->content_type_in));
    copy_header(conn, "Accept", s->accept, sizeof(s->accept));
    copy_header(conn, "User-Agent", s->user_agent, sizeof(s->user_agent));
    copy_header(conn, "Authorization", s->authorization, sizeof(s->authorization));
    copy_header(conn, "X-Scope-OrgID", s->org_id, sizeof(s->org_id));
    s->has_empty_header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Empty") != NULL;
    copy_header(conn, "X-Empty", s->empty_header, sizeof(s->empty_header));
    pthread_mutex_unlock(&s->mu);
    return answer(s, conn, status);
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    free(*con_cls);
    *con_cls = NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    struct server *s = cls;

    (void)conn;
    (void)socket_context;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        pthread_mutex_lock(&s->mu);
        s->connections++;
        pthread_mutex_unlock(&s->mu);
    }
}

static int server_start(struct server *s)
{
    struct sockaddr_in addr;
    const union MHD_DaemonInfo *info;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = 0;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0,
                            NULL, NULL, handler, s, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, s,
                            MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_END);
    if (s->d == NULL)
        return -1;
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0)
        return -1;
    s->port = info->port;
    return 0;
}

struct fixture {
    struct server srv;
    struct config_prometheus cfg;
    char token_path[64];
    char password_path[64];
    struct promql_client *c;
};

static const char *ok_body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                             "\"result\":[{\"metric\":{\"job\":\"api\"},"
                             "\"value\":[1793491200.123,\"0.5\"]}]}}";

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    if (f == NULL)
        return -1;
    pthread_mutex_init(&f->srv.mu, NULL);
    atomic_init(&f->srv.stop, 0);
    f->srv.status = 200;
    f->srv.body = ok_body;
    f->srv.content_type = "application/json";
    if (server_start(&f->srv) != 0)
        return -1;
    f->cfg.url = util_asprintf("http://127.0.0.1:%u", (unsigned)f->srv.port);
    f->cfg.timeout_ms = 2000;
    labels_init(&f->cfg.headers);
    *state = f;
    return f->cfg.url == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    promql_client_free(f->c);
    atomic_store(&f->srv.stop, 1);
    if (f->srv.d != NULL)
        MHD_stop_daemon(f->srv.d);
    pthread_mutex_destroy(&f->srv.mu);
    if (f->token_path[0] != '\0')
        unlink(f->token_path);
    if (f->password_path[0] != '\0')
        unlink(f->password_path);
    free(f->cfg.url);
    labels_free(&f->cfg.headers);
    free(f);
    return 0;
}

/* Creates a temporary file holding content; its name goes into path (64 bytes). */
static void write_temp(char *path, const char *content)
{
    FILE *fp;
    int fd;

    if (path[0] == '\0') {
        snprintf(path, 64, "/tmp/slo-test-secret-XXXXXX");
        fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
    }
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(content, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

static struct promql_client *client(struct fixture *f)
{
    struct err e;

    f->c = promql_client_new(&f->cfg, &e);
    if (f->c == NULL)
        fail_msg("promql_client_new: %s", e.msg);
    return f->c;
}

static void test_query_posts_form_to_api_v1_query(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    assert_int_equal(promql_query(client(f), "sum(rate(x{a=\"b c\"}[5m])) / 2 + 1",
                                  1793491200123LL, &r, &e),
                     0);
    assert_int_equal(r.n, 1);
    assert_string_equal(labels_get(&r.v[0].labels, "job"), "api");
    assert_close(r.v[0].value, 0.5);
    assert_int_equal(r.v[0].t_ms, 1793491200123LL);
    promql_result_free(&r);
    assert_string_equal(f->srv.method, "POST");
    assert_string_equal(f->srv.url, "/api/v1/query");
    assert_string_equal(f->srv.form, "query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%29"
                                     "%20%2F%202%20%2B%201&time=1793491200.123"
                                     "&partial_response=false&deny_partial_response=1");
    assert_string_equal(f->srv.content_type_in, "application/x-www-form-urlencoded");
    assert_string_equal(f->srv.accept, "application/json");
    assert_string_equal(f->srv.user_agent, "slo-sidecar/" SLO_VERSION);
    assert_string_equal(f->srv.authorization, "");
}

static void test_query_time_keeps_three_decimals(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    assert_int_equal(promql_query(client(f), "up", 1793491200005LL, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.form, "query=up&time=1793491200.005&partial_response=false"
                                     "&deny_partial_response=1");
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.form,
                        "query=up&time=1.000&partial_response=false&deny_partial_response=1");
}

static void test_query_sends_configured_headers(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    assert_int_equal(labels_set(&f->cfg.headers, "X-Scope-OrgID", "team-a"), 0);
    assert_int_equal(labels_set(&f->cfg.headers, "X-Empty", ""), 0);
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.org_id, "team-a");
    assert_true(f->srv.has_empty_header);
    assert_string_equal(f->srv.empty_header, "");
}

static void test_query_reads_bearer_token_file_per_request(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    write_temp(f->token_path, "tok-123\n");
    f->cfg.bearer_token_file = f->token_path;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.authorization, "Bearer tok-123");
    /* A rotated token is used by the next request without a restart. */
    write_temp(f->token_path, "tok-456  \r\n\n");
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.authorization, "Bearer tok-456");
}

static void test_query_sends_basic_auth(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char user[] = "alice";

    write_temp(f->password_path, "s3cret\n");
    f->cfg.basic_username = user;
    f->cfg.basic_password_file = f->password_path;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    assert_string_equal(f->srv.authorization, "Basic YWxpY2U6czNjcmV0");
}

static void test_query_bad_secret_files_fail_before_sending(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char missing[] = "/nonexistent/slo-test-token";
    char want[256];

    f->cfg.bearer_token_file = missing;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: bearer token file "
             "/nonexistent/slo-test-token: No such file or directory",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_empty(&r);

    write_temp(f->token_path, "\n\n");
    f->cfg.bearer_token_file = f->token_path;
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_non_null(strstr(e.msg, "is empty"));

    /* A line break inside would smuggle a header in; the secret is not echoed. */
    write_temp(f->token_path, "secret-part-1\nX-Evil: 1\n");
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_non_null(strstr(e.msg, "contains control characters or line breaks"));
    assert_null(strstr(e.msg, "secret-part"));
    assert_int_equal(f->srv.requests, 0);
    assert_int_equal(promql_client_requests(f->c), 3);
    assert_int_equal(promql_client_failures(f->c), 3);
}

static void test_query_oversized_secret_file_fails(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char *big = malloc(65 * 1024 + 1);

    assert_non_null(big);
    memset(big, 'a', 65 * 1024);
    big[65 * 1024] = '\0';
    write_temp(f->token_path, big);
    free(big);
    f->cfg.bearer_token_file = f->token_path;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    assert_non_null(strstr(e.msg, "is larger than 64 KiB"));
    assert_null(strstr(e.msg, "aaaa"));
}

static void test_query_redirect_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.status = 302;
    f->srv.body = "";
    f->srv.location = "http://elsewhere.example:9090/api/v1/query";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 302 redirect to "
             "http://elsewhere.example:9090/api/v1/query (redirects are not followed; set "
             "prometheus.url to the final address)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 1);
    assert_empty(&r);
}

static void test_query_500_error_body_is_reported(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.status = 500;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"boom\"}";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want), "POST %s/api/v1/query: HTTP 500: internal: boom", f->cfg.url);
    assert_string_equal(e.msg, want);
    /* Prometheus' 500 is errorInternal: not retried. */
    assert_int_equal(f->srv.requests, 1);
    assert_empty(&r);
}

/* A partial answer (Thanos with a store down, say) is an error, not a figure. */
static void test_query_with_warnings_is_not_used(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[320];

    f->srv.status = 200;
    f->srv.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                  "[{\"metric\":{},\"value\":[1,\"5\"]}]},\"warnings\":[\"No StoreAPIs "
                  "matched for this query\",\"x\"]}";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: the store answered with a warning, so its data may be "
             "partial; not used: \"No StoreAPIs matched for this query\" (and more)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 1);
    assert_empty(&r);
}

/* ---- retries ---- */

static void test_query_503_then_200_succeeds_with_two_requests(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    f->srv.first_status = 503;
    f->srv.nfirst = 1;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), 0);
    assert_int_equal(r.n, 1);
    promql_result_free(&r);
    assert_int_equal(f->srv.requests, 2);
    assert_int_equal(promql_client_requests(f->c), 1);
    assert_int_equal(promql_client_failures(f->c), 0);
    assert_int_equal(promql_client_retries(f->c), 1);
    /* Backoff before the first retry: at most 200 ms (full jitter). */
    /* The backoff before the first retry is at most 200 ms (full jitter); the
     * rest is slack for loaded machines and sanitizers. */
    assert_true(f->srv.arrived_ms[1] - f->srv.arrived_ms[0] <= 200 + 600);
}

static void test_query_503_forever_gives_up_after_max_attempts(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];
    int64_t t0 = util_mono_ms();
    int64_t took;

    f->srv.status = 503;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"busy\"}";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    took = util_mono_ms() - t0;
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 503: unavailable: busy (after 3 "
             "attempts)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 3);
    assert_int_equal(promql_client_failures(f->c), 1);
    assert_int_equal(promql_client_retries(f->c), 2);
    /* Backoffs of at most 200 and 400 ms: done well within the 2 s timeout. */
    print_message("503 forever: gave up after %lld ms\n", (long long)took);
    assert_true(took < 2000);
    assert_empty(&r);

    /* The rest of the round makes one attempt per query... */
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want), "POST %s/api/v1/query: HTTP 503: unavailable: busy", f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 4);
    /* ...and the next round retries again. */
    promql_client_new_round(f->c);
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_int_equal(f->srv.requests, 7);
    assert_int_equal(promql_client_retries(f->c), 4);
}

/* However many attempts are allowed, they all fit in one timeout. */
static void test_query_retries_stay_within_the_timeout(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    int64_t t0 = util_mono_ms();
    int64_t took;

    f->srv.status = 502;
    f->srv.body = "";
    f->cfg.timeout_ms = 700;
    f->cfg.max_attempts = 10;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    took = util_mono_ms() - t0;
    print_message("502 forever, 10 attempts allowed, timeout 700ms: %d requests in %lld ms: "
                  "%s\n",
                  f->srv.requests, (long long)took, e.msg);
    assert_true(took <= 700 + 300);
    assert_true(f->srv.requests >= 2 && f->srv.requests < 10);
    assert_non_null(strstr(e.msg, "HTTP 502: response is not JSON (empty body) (after "));
}

/* A server that answers only after the timeout the first time: one timeout, no more. */
static void test_query_timeout_is_not_retried(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.delay_ms = 5000;
    f->cfg.timeout_ms = 300;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want), "POST %s/api/v1/query: timed out after 300ms", f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(promql_client_retries(f->c), 0);
}

static void test_query_max_attempts_one_disables_retries(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    f->srv.first_status = 503;
    f->srv.nfirst = 1;
    f->cfg.max_attempts = 1;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    assert_int_equal(f->srv.requests, 1);
    assert_null(strstr(e.msg, "attempts"));
}

static void test_query_retry_after_is_honoured(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    int64_t gap;

    f->srv.first_status = 429;
    f->srv.nfirst = 1;
    f->srv.retry_after = "1";
    f->cfg.timeout_ms = 3000;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), 0);
    promql_result_free(&r);
    gap = f->srv.arrived_ms[1] - f->srv.arrived_ms[0];
    print_message("429 with Retry-After: 1: retried after %lld ms\n", (long long)gap);
    assert_int_equal(f->srv.requests, 2);
    assert_true(gap >= 990 && gap < 2500);
}

/* A Retry-After past the deadline is not waited for, and the message says so. */
static void test_query_retry_after_past_timeout_gives_up(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[512];
    int64_t t0 = util_mono_ms();

    f->srv.status = 429;
    f->srv.body = "too many outstanding requests";
    f->srv.content_type = "text/plain";
    f->srv.retry_after = "7";
    f->cfg.timeout_ms = 1000;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    assert_true(util_mono_ms() - t0 < 1000); /* not 7 s */
    assert_int_equal(f->srv.requests, 1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 429: response is not JSON "
             "(Content-Type \"text/plain\", starts with \"too many outstanding requests\") "
             "(rate limited: the server refuses more queries for now) (not retried: "
             "Retry-After 7s is past the 1s timeout)",
             f->cfg.url);
    assert_string_equal(e.msg, want);

    /* After a 502 (whose Retry-After does not count), the 429's stops the retries. */
    promql_client_new_round(f->c);
    f->srv.requests = 0;
    f->srv.first_status = 502;
    f->srv.nfirst = 1;
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_int_equal(f->srv.requests, 2);
    assert_non_null(strstr(e.msg, "(after 2 attempts; Retry-After 7s is past the 1s timeout)"));
}

static void test_query_400_is_not_retried(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.status = 400;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"parse error\"}";
    assert_int_equal(promql_query(client(f), "up{", 1000, &r, &e), -1);
    snprintf(want, sizeof(want), "POST %s/api/v1/query: HTTP 400: bad_data: parse error",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 1);
    assert_int_equal(promql_client_retries(f->c), 0);

    /* Nor a 200 whose body does not parse: it would read the same bytes again. */
    f->srv.status = 200;
    f->srv.body = "{\"status\":\"success\"";
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_int_equal(f->srv.requests, 2);
}

/* After a 503, the 400 that follows is final and names both attempts. */
static void test_query_retry_ends_on_a_final_error(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.first_status = 503;
    f->srv.nfirst = 1;
    f->srv.status = 400;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\"}";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 400: bad_data: x (after 2 "
             "attempts)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 2);
}

static void test_query_401_and_403_say_what_to_check(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[512];

    f->srv.status = 401;
    f->srv.body = "bad or missing token\n";
    f->srv.content_type = "text/plain";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 401: response is not JSON "
             "(Content-Type \"text/plain\", starts with \"bad or missing token\\n\") "
             "(authentication failed: check bearer_token_file / basic_auth)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    f->srv.status = 403;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"forbidden\",\"error\":\"no\"}";
    f->srv.content_type = "application/json";
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 403: forbidden: no (access denied: "
             "check the credentials' permissions and tenant headers (e.g. X-Scope-OrgID))",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 2);
}

static void test_query_html_answer_names_content_type(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.body = "<html>login</html>";
    f->srv.content_type = "text/html; charset=utf-8";
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: response is not JSON (Content-Type "
             "\"text/html; charset=utf-8\", starts with \"<html>login</html>\")",
             f->cfg.url);
    assert_string_equal(e.msg, want);

    f->srv.status = 502;
    f->srv.body = "Bad Gateway";
    f->srv.content_type = "text/plain";
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST %s/api/v1/query: HTTP 502: response is not JSON "
             "(Content-Type \"text/plain\", starts with \"Bad Gateway\") (after 3 attempts)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(f->srv.requests, 4);
    assert_empty(&r);
}

static void test_query_slow_server_times_out(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];
    int64_t t0;
    int64_t took;

    f->srv.delay_ms = 5000;
    f->cfg.timeout_ms = 300;
    t0 = util_mono_ms();
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    took = util_mono_ms() - t0;
    snprintf(want, sizeof(want), "POST %s/api/v1/query: timed out after 300ms", f->cfg.url);
    assert_string_equal(e.msg, want);
    print_message("timeout 300ms: query returned after %lld ms\n", (long long)took);
    assert_true(took >= 250 && took < 1500);
    assert_empty(&r);
}

static void test_query_closed_port_is_connection_refused(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    char want[256];

    /* Bind to get a free port, then close it so nobody listens there. */
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &alen), 0);
    close(fd);
    free(f->cfg.url);
    f->cfg.url = util_asprintf("http://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    assert_non_null(f->cfg.url);
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    /* Refused connections are retried: the server may be restarting. */
    snprintf(want, sizeof(want), "POST %s/api/v1/query: connection refused (after 3 attempts)",
             f->cfg.url);
    assert_string_equal(e.msg, want);
    assert_int_equal(promql_client_failures(f->c), 1);
    assert_int_equal(promql_client_retries(f->c), 2);
    assert_int_equal(promql_client_unreachable(f->c), 1);
}

static void test_query_connect_that_hangs_obeys_timeout(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int fill[4];
    int64_t t0;
    int64_t took;

    /* A listener that never accepts, with its backlog full: Linux drops
     * further SYNs, so the client hangs in connect like against a dead host. */
    assert_true(lfd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(lfd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&addr, &alen), 0);
    assert_int_equal(listen(lfd, 0), 0);
    for (int i = 0; i < 4; i++) {
        fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        assert_true(fill[i] >= 0);
        connect(fill[i], (struct sockaddr *)&addr, sizeof(addr));
    }
    free(f->cfg.url);
    f->cfg.url = util_asprintf("http://127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    assert_non_null(f->cfg.url);
    f->cfg.timeout_ms = 300;
    t0 = util_mono_ms();
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    took = util_mono_ms() - t0;
    for (int i = 0; i < 4; i++)
        close(fill[i]);
    close(lfd);
    print_message("hanging connect, timeout 300ms: %s after %lld ms\n", e.msg, (long long)took);
    assert_non_null(strstr(e.msg, "timed out after 300ms"));
    assert_true(took >= 250 && took < 1500);
}

static void test_query_reuses_one_connection(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    client(f);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), 0);
        promql_result_free(&r);
    }
    /* An error answer does not close the connection either. */
    f->srv.status = 400;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"x\"}";
    assert_int_equal(promql_query(f->c, "up{", 1000, &r, &e), -1);
    assert_int_equal(f->srv.requests, 4);
    assert_int_equal(f->srv.connections, 1);
    assert_int_equal(promql_client_requests(f->c), 4);
    assert_int_equal(promql_client_failures(f->c), 1);
}

static void test_query_body_over_cap_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    snprintf(want, sizeof(want), "POST %s/api/v1/query: response body larger than 64 MiB",
             f->cfg.url);
    /* 64 MiB through valgrind takes a while: this is not a timeout test. */
    f->cfg.timeout_ms = 60000;
    /* Announced by Content-Length: refused before reading. */
    f->srv.stream_bytes = PROMQL_MAX_BODY + 1ull;
    f->srv.stream_known_length = 1;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    assert_string_equal(e.msg, want);
    assert_empty(&r);
    /* Chunked: cut off by the cap while reading. */
    f->srv.stream_known_length = 0;
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), -1);
    assert_string_equal(e.msg, want);
    assert_empty(&r);
    /* The client is still usable afterwards. */
    f->srv.stream_bytes = 0;
    assert_int_equal(promql_query(f->c, "up", 1000, &r, &e), 0);
    promql_result_free(&r);
}

static void test_query_error_masks_url_password(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[256];

    f->srv.status = 500;
    f->srv.body = "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"boom\"}";
    free(f->cfg.url);
    f->cfg.url = util_asprintf("http://bob:hunter2@127.0.0.1:%u", (unsigned)f->srv.port);
    assert_non_null(f->cfg.url);
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want),
             "POST http://bob:xxxxx@127.0.0.1:%u/api/v1/query: HTTP 500: "
             "internal: boom",
             (unsigned)f->srv.port);
    assert_string_equal(e.msg, want);
    /* The password in the URL is still used for the request. */
    assert_string_equal(f->srv.authorization, "Basic Ym9iOmh1bnRlcjI=");
}

static void test_client_rejects_bad_header_and_url(void **state)
{
    struct fixture *f = *state;
    struct err e;

    assert_int_equal(labels_set(&f->cfg.headers, "X-Bad", "a\r\nX-Evil: 1"), 0);
    assert_null(promql_client_new(&f->cfg, &e));
    assert_string_equal(e.msg, "prometheus.headers: the value of X-Bad contains control "
                               "characters");
    labels_free(&f->cfg.headers);
    assert_int_equal(labels_set(&f->cfg.headers, "Bad Name", "v"), 0);
    assert_null(promql_client_new(&f->cfg, &e));
    assert_string_equal(e.msg, "prometheus.headers: \"Bad Name\" is not a valid header name");
    labels_free(&f->cfg.headers);
    free(f->cfg.url);
    f->cfg.url = NULL;
    assert_null(promql_client_new(&f->cfg, &e));
    assert_string_equal(e.msg, "prometheus.url is not set");
}

static void test_query_non_http_scheme_is_refused(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;

    free(f->cfg.url);
    f->cfg.url = util_strdup("file:///etc");
    assert_non_null(f->cfg.url);
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    /* curl's own words sit in the middle and may change between versions. */
    assert_true(strncmp(e.msg, "POST file:///etc/api/v1/query: ", 31) == 0);
    assert_non_null(strstr(e.msg, "(prometheus.url must start with http:// or https://)"));
}

/* https:// to a plain-HTTP server: OpenSSL's "wrong version number" alone
 * does not say what to change, so the message adds what to check. */
static void test_query_https_to_plain_http_says_so(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    char want[128];

    free(f->cfg.url);
    f->cfg.url = util_asprintf("https://127.0.0.1:%u", (unsigned)f->srv.port);
    assert_non_null(f->cfg.url);
    f->cfg.insecure_skip_verify = 1;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    snprintf(want, sizeof(want), "POST %s/api/v1/query: ", f->cfg.url);
    assert_true(strncmp(e.msg, want, strlen(want)) == 0);
    assert_non_null(strstr(e.msg, "(TLS handshake failed: does the server speak TLS there? "
                                  "use http:// for plain HTTP; else check the tls settings)"));
    assert_empty(&r);
}

/* A client certificate that cannot be loaded names the settings to check. */
static void test_query_bad_client_certificate_names_settings(void **state)
{
    struct fixture *f = *state;
    struct promql_result r;
    struct err e;
    static char cert[] = "/nonexistent/client.pem";
    static char key[] = "/nonexistent/client.key";

    free(f->cfg.url);
    f->cfg.url = util_asprintf("https://127.0.0.1:%u", (unsigned)f->srv.port);
    assert_non_null(f->cfg.url);
    f->cfg.cert_file = cert;
    f->cfg.key_file = key;
    assert_int_equal(promql_query(client(f), "up", 1000, &r, &e), -1);
    f->cfg.cert_file = NULL;
    f->cfg.key_file = NULL;
    assert_non_null(strstr(e.msg, "(check tls.cert_file and tls.key_file)"));
    assert_int_equal(f->srv.requests, 0);
    assert_empty(&r);
}

#define SERVER_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_vector_keeps_series_labels_times_and_values),
        cmocka_unit_test(test_parse_empty_vector_is_zero_samples),
        cmocka_unit_test(test_parse_scalar_is_one_unlabelled_sample),
        cmocka_unit_test(test_parse_nan_and_infinities),
        cmocka_unit_test(test_parse_timestamp_rounds_to_nearest_ms),
        cmocka_unit_test(test_parse_warnings_are_copied),
        cmocka_unit_test(test_parse_error_body_names_type_and_status),
        cmocka_unit_test(test_parse_error_with_empty_fields_still_has_a_message),
        cmocka_unit_test(test_parse_html_page_is_not_json),
        cmocka_unit_test(test_parse_empty_body_is_not_json),
        cmocka_unit_test(test_parse_truncated_json_says_where),
        cmocka_unit_test(test_parse_garbage_is_escaped_in_message),
        cmocka_unit_test(test_parse_duplicate_keys_are_rejected),
        cmocka_unit_test(test_parse_big_vector_with_other_members),
        cmocka_unit_test(test_parse_big_broken_bodies_say_so_without_a_tree),
        cmocka_unit_test(test_parse_escaped_keys_are_the_keys_they_spell),
        cmocka_unit_test(test_parse_matrix_points_spelt_unusually),
        cmocka_unit_test(test_parse_json_that_is_not_an_object),
        cmocka_unit_test(test_parse_matrix_and_string_are_unsupported),
        cmocka_unit_test(test_parse_matrix_keeps_series_and_raw_samples),
        cmocka_unit_test(test_parse_matrix_refuses_other_answers),
        cmocka_unit_test(test_parse_partial_vector_is_refused),
        cmocka_unit_test(test_parse_error_after_a_partial_answer),
        cmocka_unit_test(test_parse_success_without_data_is_malformed),
        cmocka_unit_test(test_parse_bad_sample_fails_whole_answer),
        cmocka_unit_test(test_parse_native_histogram_is_unsupported),
        cmocka_unit_test(test_parse_many_labels_takes_linear_time),
        cmocka_unit_test(test_parse_bad_warnings_fail),
        cmocka_unit_test(test_parse_success_json_with_error_status_is_unexpected),
        SERVER_TEST(test_query_posts_form_to_api_v1_query),
        SERVER_TEST(test_query_time_keeps_three_decimals),
        SERVER_TEST(test_query_sends_configured_headers),
        SERVER_TEST(test_query_reads_bearer_token_file_per_request),
        SERVER_TEST(test_query_sends_basic_auth),
        SERVER_TEST(test_query_bad_secret_files_fail_before_sending),
        SERVER_TEST(test_query_oversized_secret_file_fails),
        SERVER_TEST(test_query_redirect_is_an_error),
        SERVER_TEST(test_query_500_error_body_is_reported),
        SERVER_TEST(test_query_with_warnings_is_not_used),
        SERVER_TEST(test_query_503_then_200_succeeds_with_two_requests),
        SERVER_TEST(test_query_503_forever_gives_up_after_max_attempts),
        SERVER_TEST(test_query_retries_stay_within_the_timeout),
        SERVER_TEST(test_query_timeout_is_not_retried),
        SERVER_TEST(test_query_max_attempts_one_disables_retries),
        SERVER_TEST(test_query_retry_after_is_honoured),
        SERVER_TEST(test_query_retry_after_past_timeout_gives_up),
        SERVER_TEST(test_query_400_is_not_retried),
        SERVER_TEST(test_query_retry_ends_on_a_final_error),
        SERVER_TEST(test_query_401_and_403_say_what_to_check),
        SERVER_TEST(test_query_html_answer_names_content_type),
        SERVER_TEST(test_query_slow_server_times_out),
        SERVER_TEST(test_query_closed_port_is_connection_refused),
        SERVER_TEST(test_query_connect_that_hangs_obeys_timeout),
        SERVER_TEST(test_query_reuses_one_connection),
        SERVER_TEST(test_query_body_over_cap_is_an_error),
        SERVER_TEST(test_query_error_masks_url_password),
        SERVER_TEST(test_client_rejects_bad_header_and_url),
        SERVER_TEST(test_query_non_http_scheme_is_refused),
        SERVER_TEST(test_query_https_to_plain_http_says_so),
        SERVER_TEST(test_query_bad_client_certificate_names_settings),
    };

    return cmocka_run_group_tests(tests, testutil_curl_setup, testutil_curl_teardown);
}
