/*
 * Unit tests for remote_read: the client against a small libmicrohttpd server
 * on 127.0.0.1 (fakerr.h) that records the request (headers, the
 * snappy-compressed ReadRequest) and answers with bodies built by fakerr.h's
 * helpers: protobuf-c messages, XOR chunks from the test's own encoder,
 * frames with CRC32C, snappy.
 */
#include "testutil.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <snappy-c.h>

#include "fakerr.h"
#include "remote.pb-c.h"
#include "remote_read.h"
#include "selector.h"
#include "util.h"

#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif

/* ---- what the callback received ---- */

struct got_series {
    size_t query;
    char labels[512];
    size_t n;
    struct rawsrc_sample s[128];
};

struct got {
    size_t n;
    struct got_series v[16];
    int fail_at; /* > 0: fail on this call (1-based) */
};

static int collect(void *arg, const struct rawsrc_series *s, struct err *e)
{
    struct got *g = arg;
    struct got_series *gs;
    size_t o = 0;

    if (g->fail_at > 0 && (int)g->n + 1 == g->fail_at) {
        g->n++;
        return util_err(e, "stop here: series %zu", g->n);
    }
    assert_true(g->n < 16);
    gs = &g->v[g->n++];
    gs->query = s->query;
    o += (size_t)snprintf(gs->labels, sizeof(gs->labels), "{");
    for (size_t i = 0; i < s->labels->n && o < sizeof(gs->labels); i++)
        o += (size_t)snprintf(gs->labels + o, sizeof(gs->labels) - o, "%s%s=\"%s\"",
                              i > 0 ? "," : "", s->labels->v[i].name, s->labels->v[i].value);
    if (o < sizeof(gs->labels))
        snprintf(gs->labels + o, sizeof(gs->labels) - o, "}");
    gs->n = s->n;
    for (size_t i = 0; i < s->n && i < 128; i++)
        gs->s[i] = s->s[i];
    return 0;
}

/* ---- fixture ---- */

struct fixture {
    struct fakerr_server srv;
    struct config_prometheus cfg;
    char token_path[64];
    struct remote_read_client *c;
    struct selector *sel[3];
    struct rawsrc_query q[3];
    struct got got;
    struct remote_read_stats st;
    struct err e;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct err e;

    if (f == NULL)
        return -1;
    if (fakerr_server_start(&f->srv) != 0)
        return -1;
    f->cfg.url = util_asprintf("http://127.0.0.1:%u", (unsigned)f->srv.port);
    f->cfg.read_path = util_strdup("/api/v1/read");
    f->cfg.timeout_ms = 5000;
    labels_init(&f->cfg.headers);
    if (selector_parse("http_requests_total{job=\"api\",code!=\"200\",path=~\"/a.*\","
                       "method!~\"GET|HEAD\"}",
                       &f->sel[0], &e) != 0 ||
        selector_parse("http_request_duration_seconds{job=\"api\"}", &f->sel[1], &e) != 0 ||
        selector_parse("up", &f->sel[2], &e) != 0)
        return -1;
    f->q[0].sel = f->sel[0];
    f->q[0].start_ms = 1000;
    f->q[0].end_ms = 10000;
    f->q[1].sel = f->sel[1];
    f->q[1].suffix = "_bucket";
    f->q[1].extra_name = "le";
    f->q[1].extra_op = SELECTOR_EQ;
    f->q[1].extra_value = "0.25";
    f->q[1].start_ms = 2000;
    f->q[1].end_ms = 7000;
    f->q[2].sel = f->sel[2];
    f->q[2].start_ms = -5000;
    f->q[2].end_ms = 5000;
    *state = f;
    return f->cfg.url == NULL || f->cfg.read_path == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    remote_read_client_free(f->c);
    fakerr_server_stop(&f->srv);
    if (f->token_path[0] != '\0')
        unlink(f->token_path);
    for (int i = 0; i < 3; i++)
        selector_free(f->sel[i]);
    free(f->cfg.url);
    free(f->cfg.read_path);
    labels_free(&f->cfg.headers);
    free(f);
    return 0;
}

static struct remote_read_client *client(struct fixture *f, enum remote_read_accept accept)
{
    struct err e;

    remote_read_client_free(f->c);
    f->c = remote_read_client_new(&f->cfg, accept, &e);
    if (f->c == NULL)
        fail_msg("remote_read_client_new: %s", e.msg);
    return f->c;
}

/* Runs the first nq fixture queries with a chunks client (made when missing). */
static int run(struct fixture *f, size_t nq)
{
    memset(&f->got, 0, sizeof(f->got));
    if (f->c == NULL)
        client(f, REMOTE_READ_ACCEPT_CHUNKS);
    f->e.msg[0] = '\0';
    return remote_read_run(f->c, f->q, nq, collect, &f->got, &f->st, &f->e);
}

/* Runs and expects failure with a message containing want. */
static void run_fails_with(struct fixture *f, size_t nq, const char *want)
{
    assert_int_equal(run(f, nq), -1);
    if (strstr(f->e.msg, want) == NULL)
        fail_msg("error \"%s\" does not contain \"%s\"", f->e.msg, want);
}

static void set_body(struct fixture *f, const void *p, size_t n)
{
    bytes_free(&f->srv.body);
    bytes_add(&f->srv.body, p, n);
}

/* The ReadRequest the server received (snappy-decoded); free with ..._free_unpacked. */
static Prometheus__ReadRequest *received_request(struct fixture *f)
{
    size_t ulen = 0;
    char *raw;
    Prometheus__ReadRequest *r;

    assert_int_equal(snappy_uncompressed_length((const char *)f->srv.req.p, f->srv.req.n, &ulen),
                     SNAPPY_OK);
    raw = malloc(ulen + 1);
    assert_non_null(raw);
    assert_int_equal(snappy_uncompress((const char *)f->srv.req.p, f->srv.req.n, raw, &ulen),
                     SNAPPY_OK);
    r = prometheus__read_request__unpack(NULL, ulen, (const uint8_t *)raw);
    free(raw);
    assert_non_null(r);
    return r;
}

static void assert_matcher(const Prometheus__LabelMatcher *m, int type, const char *name,
                           const char *value)
{
    assert_int_equal(m->type, type);
    assert_string_equal(m->name, name);
    assert_string_equal(m->value, value);
}

/* A chunk of n samples t0, t0+step, ... with values v0, v0+1, ... */
static struct tchunk ramp(int64_t t0, int64_t step, double v0, size_t n)
{
    struct tchunk c;

    memset(&c, 0, sizeof(c));
    c.n = n;
    for (size_t i = 0; i < n; i++) {
        c.t[i] = t0 + (int64_t)i * step;
        c.v[i] = v0 + (double)i;
    }
    return c;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The answer: one frame with the series s[0..n) for query qi. */
static void answer_frame(struct fixture *f, int64_t qi, const struct tseries *s, size_t n)
{
    struct bytes body = {0};

    frame(&body, qi, s, n);
    set_body(f, body.p, body.n);
    bytes_free(&body);
}

/* The answer: one frame with one series, {__name__="x"}, made of ch[0..nch). */
static void answer_x(struct fixture *f, const struct tchunk *ch, size_t nch)
{
    struct tseries s = {{"__name__", "x", NULL}, nch, ch};

    answer_frame(f, 0, &s, 1);
}

/* The answer: one frame around the n bytes at msg, its CRC broken when bad_crc. */
static void answer_message(struct fixture *f, const void *msg, size_t n, int bad_crc)
{
    struct bytes m = {0};
    struct bytes body = {0};

    bytes_add(&m, msg, n);
    add_frame(&body, &m, bad_crc);
    set_body(f, body.p, body.n);
    bytes_free(&m);
    bytes_free(&body);
}

/* The answer: a SAMPLES ReadResponse with Content-Encoding encoding (NULL: none). */
static void samples_answer(struct fixture *f, size_t nresults, const struct tts *ts, size_t n,
                           int snappy, const char *encoding)
{
    struct bytes b = {0};

    pack_samples(nresults, ts, n, snappy, &b);
    set_body(f, b.p, b.n);
    bytes_free(&b);
    f->srv.content_type = "application/x-protobuf";
    f->srv.content_encoding = encoding;
}

/* The answer: status with a text body. */
static void text_answer(struct fixture *f, unsigned status, const char *content_type,
                        const char *text)
{
    set_body(f, text, strlen(text));
    f->srv.status = status;
    f->srv.content_type = content_type;
}

/* Sets the limits lim gives (its zero fields keep theirs), on a chunks client if none yet. */
static void set_limits(struct fixture *f, struct remote_read_limits lim)
{
    if (f->c == NULL)
        client(f, REMOTE_READ_ACCEPT_CHUNKS);
    remote_read_client_set_limits(f->c, &lim);
}

/* Runs and expects failure with exactly "POST <url>/api/v1/read: " then rest. */
static void run_fails_as(struct fixture *f, size_t nq, const char *rest)
{
    char want[512];

    snprintf(want, sizeof(want), "POST %s/api/v1/read: %s", f->cfg.url, rest);
    assert_int_equal(run(f, nq), -1);
    assert_string_equal(f->e.msg, want);
}

/* Fails unless g holds exactly want[0..n), in order. */
static void assert_samples(const struct got_series *g, const struct rawsrc_sample *want, size_t n)
{
    assert_int_equal(g->n, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(g->s[i].t_ms, want[i].t_ms);
        assert_close(g->s[i].v, want[i].v);
    }
}

/* ---- the request ---- */

static void test_request_carries_matchers_range_hints_and_headers(void **state)
{
    struct fixture *f = *state;
    Prometheus__ReadRequest *r;
    const Prometheus__Query *q;

    assert_int_equal(run(f, 3), 0);
    assert_int_equal(f->got.n, 0);
    assert_string_equal(f->srv.method, "POST");
    assert_string_equal(f->srv.url, "/api/v1/read");
    assert_string_equal(f->srv.content_type_in, "application/x-protobuf");
    assert_string_equal(f->srv.content_encoding_in, "snappy");
    assert_string_equal(f->srv.version_in, "0.1.0");
    assert_string_equal(f->srv.user_agent, "slo-sidecar/" SLO_VERSION);
    assert_string_equal(f->srv.authorization, "");

    r = received_request(f);
    assert_int_equal(r->n_accepted_response_types, 2);
    assert_int_equal(r->accepted_response_types[0],
                     PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__STREAMED_XOR_CHUNKS);
    assert_int_equal(r->accepted_response_types[1],
                     PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES);
    assert_int_equal(r->n_queries, 3);

    q = r->queries[0];
    assert_int_equal(q->start_timestamp_ms, 1000);
    assert_int_equal(q->end_timestamp_ms, 10000);
    assert_non_null(q->hints);
    assert_int_equal(q->hints->start_ms, 1000);
    assert_int_equal(q->hints->end_ms, 10000);
    assert_string_equal(q->hints->func, "");
    assert_int_equal(q->n_matchers, 5);
    assert_matcher(q->matchers[0], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "__name__",
                   "http_requests_total");
    assert_matcher(q->matchers[1], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "job", "api");
    assert_matcher(q->matchers[2], PROMETHEUS__LABEL_MATCHER__TYPE__NEQ, "code", "200");
    assert_matcher(q->matchers[3], PROMETHEUS__LABEL_MATCHER__TYPE__RE, "path", "/a.*");
    assert_matcher(q->matchers[4], PROMETHEUS__LABEL_MATCHER__TYPE__NRE, "method", "GET|HEAD");

    q = r->queries[1];
    assert_int_equal(q->start_timestamp_ms, 2000);
    assert_int_equal(q->end_timestamp_ms, 7000);
    assert_int_equal(q->n_matchers, 3);
    assert_matcher(q->matchers[0], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "__name__",
                   "http_request_duration_seconds_bucket");
    assert_matcher(q->matchers[1], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "job", "api");
    assert_matcher(q->matchers[2], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "le", "0.25");

    q = r->queries[2];
    assert_int_equal(q->start_timestamp_ms, -5000);
    assert_int_equal(q->end_timestamp_ms, 5000);
    assert_int_equal(q->n_matchers, 1);
    assert_matcher(q->matchers[0], PROMETHEUS__LABEL_MATCHER__TYPE__EQ, "__name__", "up");
    prometheus__read_request__free_unpacked(r, NULL);
}

static void test_request_samples_mode_accepts_only_samples(void **state)
{
    struct fixture *f = *state;
    Prometheus__ReadRequest *r;

    samples_answer(f, 1, NULL, 0, 1, "snappy");
    client(f, REMOTE_READ_ACCEPT_SAMPLES);
    assert_int_equal(run(f, 1), 0);
    r = received_request(f);
    assert_int_equal(r->n_accepted_response_types, 1);
    assert_int_equal(r->accepted_response_types[0],
                     PROMETHEUS__READ_REQUEST__RESPONSE_TYPE__SAMPLES);
    prometheus__read_request__free_unpacked(r, NULL);
}

static void test_request_sends_configured_headers_and_token(void **state)
{
    struct fixture *f = *state;
    FILE *fp;
    int fd;

    snprintf(f->token_path, sizeof(f->token_path), "/tmp/slo-test-rr-token-XXXXXX");
    fd = mkstemp(f->token_path);
    assert_true(fd >= 0);
    close(fd);
    fp = fopen(f->token_path, "w");
    assert_non_null(fp);
    fputs("tok-rr\n", fp);
    fclose(fp);
    f->cfg.bearer_token_file = f->token_path;
    assert_int_equal(labels_set(&f->cfg.headers, "X-Scope-OrgID", "team-a"), 0);
    /* The protocol's headers cannot be replaced by configured ones. */
    assert_int_equal(labels_set(&f->cfg.headers, "Content-Type", "text/plain"), 0);
    assert_int_equal(run(f, 1), 0);
    assert_string_equal(f->srv.org_id, "team-a");
    assert_string_equal(f->srv.authorization, "Bearer tok-rr");
    assert_string_equal(f->srv.content_type_in, "application/x-protobuf");
}

static void test_no_queries_sends_nothing(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(run(f, 0), 0);
    assert_int_equal(f->srv.requests, 0);
    assert_int_equal(f->st.series, 0);
}

static void test_start_after_end_is_refused(void **state)
{
    struct fixture *f = *state;

    f->q[0].start_ms = 5000;
    f->q[0].end_ms = 4999;
    run_fails_with(f, 1, "query 0: start 5000 is after end 4999");
    assert_int_equal(f->srv.requests, 0);
}

/* ---- streamed answers ---- */

static void test_streamed_several_series_and_queries(void **state)
{
    struct fixture *f = *state;
    struct tchunk a = ramp(1000, 1000, 1, 5);
    struct tchunk b = ramp(2000, 500, 10, 3);
    struct tchunk c = ramp(3000, 15, 0.5, 4);
    struct tseries s0[] = {
        {{"__name__", "http_requests_total", "code", "500", "job", "api", NULL}, 1, &a},
        {{"__name__", "http_requests_total", "code", "503", "job", "api", NULL}, 1, &b},
    };
    struct tseries s1[] = {
        {{"__name__", "http_request_duration_seconds_bucket", "le", "0.25", NULL}, 1, &c},
    };
    struct bytes body = {0};

    frame(&body, 0, s0, 2);
    frame(&body, 1, s1, 1);
    set_body(f, body.p, body.n);
    assert_int_equal(run(f, 2), 0);
    assert_int_equal(f->got.n, 3);
    assert_int_equal(f->got.v[0].query, 0);
    assert_string_equal(f->got.v[0].labels,
                        "{__name__=\"http_requests_total\",code=\"500\",job=\"api\"}");
    assert_int_equal(f->got.v[0].n, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(f->got.v[0].s[i].t_ms, 1000 + 1000 * (int64_t)i);
        assert_close(f->got.v[0].s[i].v, 1.0 + (double)i);
    }
    assert_string_equal(f->got.v[1].labels,
                        "{__name__=\"http_requests_total\",code=\"503\",job=\"api\"}");
    assert_int_equal(f->got.v[1].n, 3);
    assert_int_equal(f->got.v[1].s[2].t_ms, 3000);
    assert_close(f->got.v[1].s[2].v, 12.0);
    assert_int_equal(f->got.v[2].query, 1);
    assert_string_equal(f->got.v[2].labels,
                        "{__name__=\"http_request_duration_seconds_bucket\",le=\"0.25\"}");
    assert_int_equal(f->got.v[2].n, 4);
    assert_int_equal(f->got.v[2].s[3].t_ms, 3045);
    assert_close(f->got.v[2].s[3].v, 3.5);
    assert_int_equal(f->st.streamed, 1);
    assert_int_equal(f->st.frames, 2);
    assert_int_equal(f->st.series, 3);
    assert_int_equal(f->st.samples, 12);
    assert_int_equal(f->st.bytes, body.n);
    bytes_free(&body);
}

static void test_streamed_series_split_over_three_frames_is_delivered_once(void **state)
{
    struct fixture *f = *state;
    struct tchunk c1 = ramp(1000, 1000, 0, 3); /* 1000..3000 */
    struct tchunk c2 = ramp(4000, 1000, 3, 3); /* 4000..6000 */
    struct tchunk c3[2] = {ramp(7000, 1000, 6, 2), ramp(9000, 1000, 8, 2)};
    struct tchunk other = ramp(1000, 1000, 100, 2);
    struct tseries p1[] = {{{"__name__", "http_requests_total", "job", "api", NULL}, 1, &c1}};
    struct tseries p2[] = {{{"__name__", "http_requests_total", "job", "api", NULL}, 1, &c2}};
    struct tseries p3[] = {
        {{"__name__", "http_requests_total", "job", "api", NULL}, 2, c3},
        {{"__name__", "http_requests_total", "job", "web", NULL}, 1, &other},
    };
    struct bytes body = {0};

    frame(&body, 0, p1, 1);
    frame(&body, 0, p2, 1);
    frame(&body, 0, p3, 2);
    set_body(f, body.p, body.n);
    /* Small pieces: frames and varints split across write callbacks. */
    f->srv.piece = 7;
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 2);
    assert_string_equal(f->got.v[0].labels, "{__name__=\"http_requests_total\",job=\"api\"}");
    assert_int_equal(f->got.v[0].n, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(f->got.v[0].s[i].t_ms, 1000 + 1000 * (int64_t)i);
        assert_close(f->got.v[0].s[i].v, (double)i);
    }
    assert_string_equal(f->got.v[1].labels, "{__name__=\"http_requests_total\",job=\"web\"}");
    assert_int_equal(f->got.v[1].n, 2);
    assert_int_equal(f->st.frames, 3);
    assert_int_equal(f->st.series, 2);
    assert_int_equal(f->st.samples, 12);
    bytes_free(&body);
}

static void test_streamed_overlapping_chunks_are_sorted_deduplicated_and_clipped(void **state)
{
    struct fixture *f = *state;
    /* Range [2000, 7000]. The second chunk overlaps the first (4000, 5000
     * twice, with other values) and both reach outside the range. */
    struct tchunk ch[2] = {ramp(0, 1000, 0, 6), ramp(4000, 1000, 40, 5)};
    static const struct rawsrc_sample want[] = {{2000, 2}, {3000, 3},  {4000, 4},
                                                {5000, 5}, {6000, 42}, {7000, 43}};

    f->q[0].start_ms = 2000;
    f->q[0].end_ms = 7000;
    answer_x(f, ch, 2);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    assert_samples(&f->got.v[0], want, N(want));
    assert_int_equal(f->st.samples, 6);
}

static void test_streamed_chunks_out_of_order_are_sorted_keeping_the_first(void **state)
{
    struct fixture *f = *state;
    /* The later chunk first; 3000 appears in both: the one that came first wins. */
    struct tchunk ch[2] = {ramp(3000, 1000, 30, 3), ramp(1000, 1000, 10, 3)};
    static const struct rawsrc_sample want[] = {
        {1000, 10}, {2000, 11}, {3000, 30}, {4000, 31}, {5000, 32}};

    answer_x(f, ch, 2);
    assert_int_equal(run(f, 1), 0);
    assert_samples(&f->got.v[0], want, N(want));
}

static void test_streamed_stale_markers_are_dropped(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 6);
    uint64_t stale = STALE_BITS;
    double nan_other = NAN;

    memcpy(&ch.v[2], &stale, sizeof(double));
    memcpy(&ch.v[5], &stale, sizeof(double));
    ch.v[3] = nan_other; /* an ordinary NaN is a value and stays */
    answer_x(f, &ch, 1);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.v[0].n, 4);
    assert_int_equal(f->got.v[0].s[0].t_ms, 1000);
    assert_int_equal(f->got.v[0].s[1].t_ms, 2000);
    assert_int_equal(f->got.v[0].s[2].t_ms, 4000);
    assert_true(isnan(f->got.v[0].s[2].v));
    assert_int_equal(f->got.v[0].s[3].t_ms, 5000);
    assert_int_equal(f->st.samples, 4);
}

static void test_streamed_series_without_samples_in_range_has_none(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(0, 500, 1, 2); /* 0, 500: before the range */

    answer_x(f, &ch, 1);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    assert_samples(&f->got.v[0], NULL, 0);
    assert_int_equal(f->st.series, 1);
    assert_int_equal(f->st.samples, 0);
}

static void test_streamed_histogram_chunk_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 2);
    struct tseries s[] = {{{"__name__", "latency", "job", "api", NULL}, 1, &ch}};

    ch.type = PROMETHEUS__CHUNK__ENCODING__HISTOGRAM;
    answer_frame(f, 0, s, 1);
    run_fails_as(f, 1,
                 "query 0: series {__name__=\"latency\", job=\"api\"}: chunk 0 has encoding "
                 "HISTOGRAM (native histogram); only XOR (float) chunks can be read");
    assert_int_equal(f->got.n, 0);

    ch.type = PROMETHEUS__CHUNK__ENCODING__FLOAT_HISTOGRAM;
    answer_frame(f, 0, s, 1);
    run_fails_with(f, 1, "chunk 0 has encoding FLOAT_HISTOGRAM (native histogram)");

    ch.type = 9;
    answer_frame(f, 0, s, 1);
    run_fails_with(f, 1, "chunk 0 has unknown encoding 9");
}

static void test_streamed_malformed_chunk_is_an_error(void **state)
{
    struct fixture *f = *state;
    static const uint8_t junk[] = {0x00, 0x05, 0x02}; /* 5 samples announced, 1 byte */
    struct tchunk ch;

    memset(&ch, 0, sizeof(ch));
    ch.raw = junk;
    ch.raw_len = sizeof(junk);
    answer_x(f, &ch, 1);
    run_fails_with(f, 1, "query 0: series {__name__=\"x\"}: chunk 0: ");
}

static void test_streamed_bad_crc_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 3);
    struct tseries s[] = {{{"__name__", "x", NULL}, 1, &ch}};
    struct bytes msg = {0};

    pack_chunked(0, s, 1, &msg);
    answer_message(f, msg.p, msg.n, 1);
    bytes_free(&msg);
    run_fails_with(f, 1, "CRC32C mismatch");
    assert_int_equal(f->got.n, 0);
}

/* The answer: two frames of the same series, for the tests that cut it short. */
static void answer_two_frames(struct fixture *f)
{
    struct tchunk ch = ramp(1000, 1000, 1, 3);
    struct tseries s = {{"__name__", "x", NULL}, 1, &ch};
    struct bytes body = {0};

    frame(&body, 0, &s, 1);
    frame(&body, 0, &s, 1);
    set_body(f, body.p, body.n);
    bytes_free(&body);
}

static void test_streamed_body_ending_inside_a_frame_is_an_error(void **state)
{
    struct fixture *f = *state;

    answer_two_frames(f);
    f->srv.body.n -= 5;
    run_fails_with(f, 1, "stream ended inside a frame");
    /* The series was not complete: nothing was delivered. */
    assert_int_equal(f->got.n, 0);
}

static void test_streamed_connection_dropped_mid_body_is_an_error(void **state)
{
    struct fixture *f = *state;
    char want[128];

    answer_two_frames(f);
    f->srv.cut_at = f->srv.body.n - 5;
    snprintf(want, sizeof(want), "POST %s/api/v1/read: ", f->cfg.url);
    run_fails_with(f, 1, want);
    assert_non_null(strstr(f->e.msg, "body bytes)"));
    print_message("dropped connection: %s\n", f->e.msg);
    assert_int_equal(f->got.n, 0);
    assert_int_equal(remote_read_client_unreachable(f->c), 0);
}

static void test_streamed_query_index_out_of_range_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 3);
    struct tseries s[] = {{{"__name__", "x", NULL}, 1, &ch}};

    answer_frame(f, 2, s, 1);
    run_fails_with(f, 2, "frame 1: query_index 2 is out of range (2 queries asked)");
    answer_frame(f, -1, s, 1);
    run_fails_with(f, 1, "frame 1: query_index -1 is out of range (1 query asked)");
}

static void test_streamed_garbage_message_is_an_error(void **state)
{
    struct fixture *f = *state;

    answer_message(f, "\xff\xff\xff\xff", 4, 0);
    run_fails_with(f, 1, "frame 1: not a valid ChunkedReadResponse message");
}

static void test_streamed_frame_over_limit_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 60);

    answer_x(f, &ch, 1);
    set_limits(f, (struct remote_read_limits){.max_frame = 64});
    run_fails_with(f, 1, "exceeds the limit of 64 bytes");
}

static void test_series_over_sample_limit_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch[2] = {ramp(1000, 1000, 1, 8), ramp(9000, 1000, 9, 8)};
    struct tseries s[] = {{{"__name__", "x", "job", "a", NULL}, 2, ch}};

    answer_frame(f, 0, s, 1);
    set_limits(f, (struct remote_read_limits){.max_samples = 10});
    run_fails_with(f, 1,
                   "query 0: series {__name__=\"x\", job=\"a\"} has more than 10 "
                   "samples in one read");
    set_limits(f, (struct remote_read_limits){.max_samples = 16});
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.v[0].n, 10); /* clipped to [1000, 10000] */
}

static void test_long_series_is_delivered_in_pieces_in_time_order(void **state)
{
    struct fixture *f = *state;
    /* 24 samples 1000..24000 in three chunks, a stale marker in the middle;
     * pieces of 10 samples; the range [1000, 30000] keeps them all. */
    struct tchunk ch[3] = {ramp(1000, 1000, 0, 8), ramp(9000, 1000, 8, 8),
                           ramp(17000, 1000, 16, 8)};
    struct tseries s[] = {{{"__name__", "x", "job", "a", NULL}, 3, ch}};
    uint64_t stale = STALE_BITS;
    size_t total = 0;
    int64_t next = 1000;

    memcpy(&ch[1].v[2], &stale, sizeof(double)); /* 11000 */
    f->q[0].start_ms = 1000;
    f->q[0].end_ms = 30000;
    answer_frame(f, 0, s, 1);
    set_limits(f, (struct remote_read_limits){.piece_samples = 10});
    assert_int_equal(run(f, 1), 0);
    assert_true(f->got.n >= 3);
    for (size_t k = 0; k < f->got.n; k++) {
        assert_string_equal(f->got.v[k].labels, "{__name__=\"x\",job=\"a\"}");
        assert_true(f->got.v[k].n <= 10);
        for (size_t i = 0; i < f->got.v[k].n; i++) {
            if (next == 11000)
                next += 1000;
            assert_int_equal(f->got.v[k].s[i].t_ms, next);
            assert_close(f->got.v[k].s[i].v, (double)next / 1000.0 - 1.0);
            next += 1000;
        }
        total += f->got.v[k].n;
    }
    assert_int_equal(total, 23);
    assert_int_equal(f->st.series, 1);
    assert_int_equal(f->st.samples, 23);
}

static void test_long_series_pieces_keep_aligned_spans_whole(void **state)
{
    struct fixture *f = *state;
    /* Spans of 4 s: (0, 4000], (4000, 8000], ...; no piece may end inside one. */
    struct tchunk ch[3] = {ramp(1000, 1000, 0, 8), ramp(9000, 1000, 8, 8),
                           ramp(17000, 1000, 16, 8)};
    size_t total = 0;

    f->q[0].start_ms = 1000;
    f->q[0].end_ms = 30000;
    f->q[0].align_ms = 4000;
    answer_x(f, ch, 3);
    set_limits(f, (struct remote_read_limits){.piece_samples = 6});
    assert_int_equal(run(f, 1), 0);
    assert_true(f->got.n >= 3);
    for (size_t k = 0; k + 1 < f->got.n; k++) {
        size_t n = f->got.v[k].n;

        assert_true(n > 0);
        assert_int_equal(f->got.v[k].s[n - 1].t_ms % 4000, 0);
    }
    for (size_t k = 0; k < f->got.n; k++)
        total += f->got.v[k].n;
    assert_int_equal(total, 24);
    f->q[0].align_ms = 0;
}

static void test_long_series_going_back_past_a_piece_is_an_error(void **state)
{
    struct fixture *f = *state;
    /* 12 samples from 5000, then a chunk from 1000: its samples would have
     * to go before what the first piece already handed on. */
    struct tchunk ch[2] = {ramp(5000, 1000, 0, 12), ramp(1000, 1000, 0, 3)};

    f->q[0].start_ms = 1000;
    f->q[0].end_ms = 30000;
    answer_x(f, ch, 2);
    set_limits(f, (struct remote_read_limits){.piece_samples = 10});
    run_fails_with(f, 1,
                   "query 0: series {__name__=\"x\"}: a sample at 1000 ms came after samples "
                   "up to 14000 ms were counted; a series of more than 10 samples must come "
                   "in time order");
    /* With room for the whole series it is sorted as ever. */
    set_limits(f, (struct remote_read_limits){.piece_samples = 16});
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    assert_int_equal(f->got.v[0].n, 15);
}

static void test_labels_over_limits_are_errors(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 2);
    struct tseries s[] = {{{"__name__", "x", "big", NULL, NULL}, 1, &ch}};
    char *big = malloc(64 * 1024 + 2);
    Prometheus__ChunkedReadResponse r = PROMETHEUS__CHUNKED_READ_RESPONSE__INIT;
    Prometheus__ChunkedSeries cs = PROMETHEUS__CHUNKED_SERIES__INIT;
    Prometheus__ChunkedSeries *csp = &cs;
    Prometheus__Label lv[1100];
    Prometheus__Label *lp[1100];
    char names[1100][8];
    struct bytes msg = {0};
    size_t len;

    assert_non_null(big);
    memset(big, 'v', 64 * 1024 + 1);
    big[64 * 1024 + 1] = '\0';
    s[0].labels[3] = big;
    answer_frame(f, 0, s, 1);
    run_fails_with(f, 1, "query 0: label big has a value of 65537 bytes, more than 65536");
    big[64 * 1024] = '\0'; /* exactly 64 KiB is fine */
    answer_frame(f, 0, s, 1);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    free(big);

    /* 1025 labels. */
    for (size_t i = 0; i < 1025; i++) {
        prometheus__label__init(&lv[i]);
        snprintf(names[i], sizeof(names[i]), "l%04zu", i);
        lv[i].name = names[i];
        lv[i].value = (char *)"v";
        lp[i] = &lv[i];
    }
    cs.n_labels = 1025;
    cs.labels = lp;
    r.n_chunked_series = 1;
    r.chunked_series = &csp;
    len = prometheus__chunked_read_response__get_packed_size(&r);
    msg.p = malloc(len);
    assert_non_null(msg.p);
    msg.n = msg.cap = len;
    prometheus__chunked_read_response__pack(&r, msg.p);
    answer_message(f, msg.p, msg.n, 0);
    bytes_free(&msg);
    run_fails_with(f, 1, "query 0: a series has 1025 labels, more than 1024");
}

static void test_duplicate_and_empty_label_names_are_errors(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 2);
    struct tseries dup[] = {{{"job", "a", "__name__", "x", "job", "b", NULL}, 1, &ch}};
    struct tseries empty[] = {{{"__name__", "x", "", "v", NULL}, 1, &ch}};
    struct tseries unsorted[] = {{{"job", "a", "__name__", "x", NULL}, 1, &ch}};

    answer_frame(f, 0, dup, 1);
    run_fails_with(f, 1, "has label job twice");
    answer_frame(f, 0, empty, 1);
    run_fails_with(f, 1, "a series has a label with an empty name");
    /* Labels out of order are sorted for the callback. */
    answer_frame(f, 0, unsorted, 1);
    assert_int_equal(run(f, 1), 0);
    assert_string_equal(f->got.v[0].labels, "{__name__=\"x\",job=\"a\"}");
}

static void test_streamed_decoded_memory_cap_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch[4] = {ramp(1000, 1000, 1, 8), ramp(9000, 1000, 9, 8), ramp(17000, 1000, 9, 8),
                           ramp(25000, 1000, 9, 8)};

    answer_x(f, ch, 4);
    set_limits(f, (struct remote_read_limits){.max_decoded = 200});
    run_fails_with(f, 1, "needs more than 200 bytes");
}

/* ---- SAMPLES answers ---- */

static void test_samples_answer_with_snappy(void **state)
{
    struct fixture *f = *state;
    struct tts ts[3] = {
        {0,
         {"__name__", "http_requests_total", "job", "api", NULL},
         5,
         {3000, 1000, 2000, 2000, 11000},
         {3, 1, 2, 22, 11}},
        {1,
         {"__name__", "http_request_duration_seconds_bucket", "le", "0.25", NULL},
         2,
         {2000, 7000},
         {5, 6}},
        {0, {"__name__", "http_requests_total", "job", "web", NULL}, 1, {500}, {1}},
    };
    uint64_t stale = STALE_BITS;

    memcpy(&ts[1].v[1], &stale, sizeof(double));
    samples_answer(f, 2, ts, 3, 1, "snappy");
    assert_int_equal(run(f, 2), 0);
    assert_int_equal(f->got.n, 3);
    /* Sorted, the duplicate 2000 keeps the first value, 11000 is past the end. */
    assert_int_equal(f->got.v[0].query, 0);
    assert_string_equal(f->got.v[0].labels, "{__name__=\"http_requests_total\",job=\"api\"}");
    assert_int_equal(f->got.v[0].n, 3);
    assert_int_equal(f->got.v[0].s[0].t_ms, 1000);
    assert_int_equal(f->got.v[0].s[1].t_ms, 2000);
    assert_close(f->got.v[0].s[1].v, 2.0);
    assert_int_equal(f->got.v[0].s[2].t_ms, 3000);
    /* Query order: results[0] then results[1]. */
    assert_int_equal(f->got.v[1].query, 0);
    assert_int_equal(f->got.v[1].n, 0);
    assert_int_equal(f->got.v[2].query, 1);
    assert_int_equal(f->got.v[2].n, 1); /* the stale marker is gone */
    assert_int_equal(f->got.v[2].s[0].t_ms, 2000);
    assert_int_equal(f->st.streamed, 0);
    assert_int_equal(f->st.frames, 0);
    assert_int_equal(f->st.series, 3);
    assert_int_equal(f->st.samples, 4);
    assert_int_equal(f->st.bytes, f->srv.body.n);
}

static void test_samples_without_content_encoding_like_cortex(void **state)
{
    struct fixture *f = *state;
    struct tts ts[1] = {{0, {"__name__", "up", NULL}, 2, {1000, 2000}, {1, 0}}};

    /* Cortex: snappy, no Content-Encoding, Content-Type sniffed by Go. */
    samples_answer(f, 1, ts, 1, 1, NULL);
    f->srv.content_type = "application/octet-stream";
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    assert_int_equal(f->got.v[0].n, 2);
    /* No Content-Type at all. */
    f->srv.content_type = NULL;
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.v[0].n, 2);
    /* Not compressed at all: read as plain protobuf. */
    samples_answer(f, 1, ts, 1, 0, NULL);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 1);
    assert_int_equal(f->got.v[0].n, 2);
    assert_close(f->got.v[0].s[0].v, 1.0);
}

static void test_samples_bad_bodies_are_errors(void **state)
{
    struct fixture *f = *state;
    struct tts ts[1] = {{0, {"__name__", "up", NULL}, 2, {1000, 2000}, {1, 0}}};

    /* Announced as snappy but plain protobuf. */
    samples_answer(f, 1, ts, 1, 0, "snappy");
    run_fails_with(f, 1, "response body is not valid snappy (Content-Encoding: snappy)");
    /* Neither snappy nor protobuf. */
    set_body(f, "\xff\xff\xff\xff\xff", 5);
    f->srv.content_encoding = NULL;
    run_fails_with(f, 1, "response is neither snappy-compressed nor a valid ReadResponse");
    /* Another encoding. */
    f->srv.content_encoding = "gzip";
    run_fails_with(f, 1, "unsupported Content-Encoding \"gzip\"");
    /* The snappy framing format. */
    set_body(f, "\xff\x06\x00\x00sNaPpY\x01\x02", 12);
    f->srv.content_encoding = NULL;
    run_fails_with(f, 1, "snappy framing format");
}

static void test_samples_results_count_must_match_queries(void **state)
{
    struct fixture *f = *state;
    struct tts ts[1] = {{0, {"__name__", "up", NULL}, 1, {1000}, {1}}};

    samples_answer(f, 1, ts, 1, 1, "snappy");
    run_fails_with(f, 2, "response has 1 results for 2 queries");
    assert_int_equal(f->got.n, 0);
    samples_answer(f, 3, ts, 1, 1, "snappy");
    run_fails_with(f, 2, "response has 3 results for 2 queries");
}

static void test_samples_body_over_cap_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tts ts[1] = {{0, {"__name__", "up", NULL}, 64, {0}, {0}}};
    char *zeros;
    char *packed;
    size_t plen;

    for (size_t i = 0; i < 64; i++) {
        ts[0].t[i] = 1000 + (int64_t)i * 17;
        ts[0].v[i] = (double)i * 1.37;
    }
    samples_answer(f, 1, ts, 1, 0, NULL); /* about 1 KiB, poorly compressible */
    client(f, REMOTE_READ_ACCEPT_SAMPLES);
    set_limits(f, (struct remote_read_limits){.max_body = 500});
    /* Announced by Content-Length. */
    run_fails_as(f, 1, "response body larger than 500 bytes");
    /* Chunked: cut off while reading. */
    f->srv.piece = 100;
    run_fails_as(f, 1, "response body larger than 500 bytes");
    f->srv.piece = 0;
    /* Small compressed, too big uncompressed. */
    zeros = calloc(1, 4000);
    assert_non_null(zeros);
    plen = snappy_max_compressed_length(4000);
    packed = malloc(plen);
    assert_non_null(packed);
    assert_int_equal(snappy_compress(zeros, 4000, packed, &plen), SNAPPY_OK);
    set_body(f, packed, plen);
    f->srv.content_encoding = "snappy";
    run_fails_with(f, 1, "response body is 4000 bytes uncompressed, more than 500 bytes");
    free(zeros);
    free(packed);
    /* The client still works after all that. */
    set_limits(f, (struct remote_read_limits){.max_body = 1u << 20});
    samples_answer(f, 1, ts, 1, 1, "snappy");
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.v[0].n, 64);
}

static void test_samples_decoded_memory_cap_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct tts ts[1] = {{0, {"__name__", "up", NULL}, 64, {0}, {0}}};

    for (size_t i = 0; i < 64; i++)
        ts[0].t[i] = 1000 + (int64_t)i;
    samples_answer(f, 1, ts, 1, 1, "snappy");
    client(f, REMOTE_READ_ACCEPT_SAMPLES);
    set_limits(f, (struct remote_read_limits){.max_decoded = 1000});
    run_fails_with(f, 1, "ReadResponse needs more than 1000 bytes");
}

/* ---- HTTP-level failures ---- */

static void test_404_says_remote_read_is_not_supported(void **state)
{
    struct fixture *f = *state;
    char want[256];

    text_answer(f, 404, "text/plain; charset=utf-8", "404 page not found\n");
    free(f->cfg.url);
    f->cfg.url = util_asprintf("http://bob:hunter2@127.0.0.1:%u", (unsigned)f->srv.port);
    assert_non_null(f->cfg.url);
    snprintf(want, sizeof(want),
             "remote_read is not supported by "
             "http://bob:xxxxx@127.0.0.1:%u/api/v1/read (HTTP 404); use mode: api_read",
             (unsigned)f->srv.port);
    assert_int_equal(run(f, 1), -1);
    assert_string_equal(f->e.msg, want);
    assert_int_equal(remote_read_client_unreachable(f->c), 0);
}

/* A store that answers status with body: the "not supported" message or not. */
static void unsupported_case(struct fixture *f, unsigned status, const char *body, int unsupported)
{
    char want[256];

    text_answer(f, status, "text/plain; charset=utf-8", body);
    snprintf(want, sizeof(want),
             "remote_read is not supported by "
             "%s/api/v1/read (HTTP %u); use mode: api_read",
             f->cfg.url, status);
    assert_int_equal(run(f, 1), -1);
    if (unsupported)
        assert_string_equal(f->e.msg, want);
    else
        assert_null(strstr(f->e.msg, "not supported"));
}

static void test_405_says_remote_read_is_not_supported(void **state)
{
    unsupported_case(*state, 405, "Method Not Allowed\n", 1);
}

/* VictoriaMetrics 1.79's exact answer to POST /api/v1/read. */
static void test_victoriametrics_400_says_remote_read_is_not_supported(void **state)
{
    unsupported_case(*state, 400,
                     "remoteAddr: \"127.0.0.1:50220\"; requestURI: /api/v1/read; "
                     "unsupported path requested: \"/api/v1/read\"\n",
                     1);
}

/* Any other 400 is the store's own complaint, reported with its words. */
static void test_other_400_is_not_taken_for_unsupported(void **state)
{
    struct fixture *f = *state;

    unsupported_case(f, 400, "bad request: invalid matcher\n", 0);
    assert_non_null(strstr(f->e.msg, "HTTP 400: \"bad request: invalid matcher\""));
}

static void test_500_text_body_is_reported(void **state)
{
    struct fixture *f = *state;

    text_answer(f, 500, "text/plain; charset=utf-8", "remote read error: query timed out\n");
    run_fails_as(f, 1, "HTTP 500: \"remote read error: query timed out\"");

    assert_int_equal(f->srv.requests, 1);

    /* 503 is retried (see the retry tests below). */
    f->srv.status = 503;
    bytes_free(&f->srv.body);
    run_fails_as(f, 1, "HTTP 503 with an empty body (after 3 attempts)");
    assert_int_equal(f->srv.requests, 4);
}

static void test_html_answer_is_an_error(void **state)
{
    struct fixture *f = *state;

    text_answer(f, 200, "text/html; charset=utf-8", "<html><body>Please log in</body></html>");
    run_fails_as(f, 1,
                 "response is not a remote-read answer (Content-Type \"text/html; "
                 "charset=utf-8\", body starts with \"<html><body>Please log in</body></html>\"); "
                 "check prometheus.url and read_path");

    /* A JSON API answer, or a streamed type for another message. */
    f->srv.content_type = "application/json";
    run_fails_with(f, 1,
                   "response is not a remote-read answer (Content-Type "
                   "\"application/json\"");
    f->srv.content_type = "application/x-streamed-protobuf; proto=other.Message";
    run_fails_with(f, 1, "response is not a remote-read answer");

    f->srv.status = 502;
    f->srv.content_type = "text/html";
    run_fails_as(
        f, 1,
        "HTTP 502 (Content-Type \"text/html\"): \"<html><body>Please log in</body></html>\" "
        "(after 3 attempts)");
}

static void test_redirect_is_an_error(void **state)
{
    struct fixture *f = *state;

    f->srv.status = 302;
    run_fails_with(f, 1,
                   "HTTP 302 redirect to http://elsewhere.example/api/v1/read "
                   "(redirects are not followed");
    assert_int_equal(f->srv.requests, 1);
}

static void test_connection_refused_is_unreachable(void **state)
{
    struct fixture *f = *state;
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

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
    run_fails_as(f, 1, "connection refused (after 3 attempts)");
    assert_int_equal(remote_read_client_unreachable(f->c), 1);
    assert_int_equal(remote_read_client_retries(f->c), 2);
    assert_int_equal(f->st.bytes, 0);
}

/* ---- retries ---- */

/*
 * A respond hook: the first nfail requests get status (an empty body, or
 * the good answer cut at cut_at when cut_at > 0, with status 200), the
 * others the good answer: streamed frames. Records when requests came in.
 */
struct flaky {
    int nfail;
    unsigned status;
    size_t cut_at;
    struct bytes good;
    int seen;
    int64_t arrived_ms[8];
};

static void flaky_respond(void *arg, struct fakerr_server *s)
{
    struct flaky *fl = arg;
    int failing = fl->seen < fl->nfail;

    if (fl->seen < 8)
        fl->arrived_ms[fl->seen] = util_mono_ms();
    fl->seen++;
    s->content_type = STREAMED_CT;
    s->cut_at = 0;
    s->body.n = 0;
    s->status = 200;
    if (failing && fl->cut_at == 0) {
        s->status = fl->status;
        s->content_type = "text/plain; charset=utf-8";
        bytes_add(&s->body, "try later\n", 10);
        return;
    }
    bytes_add(&s->body, fl->good.p, fl->good.n);
    if (failing)
        s->cut_at = fl->cut_at;
}

/* Three series, one frame each: each is delivered when the next one starts. */
static void flaky_setup(struct fixture *f, struct flaky *fl)
{
    struct tchunk ch = ramp(1000, 1000, 1, 3);
    struct tseries s[] = {
        {{"__name__", "x", "i", "1", NULL}, 1, &ch},
        {{"__name__", "x", "i", "2", NULL}, 1, &ch},
        {{"__name__", "x", "i", "3", NULL}, 1, &ch},
    };

    for (int i = 0; i < 3; i++)
        frame(&fl->good, 0, s + i, 1);
    f->srv.respond = flaky_respond;
    f->srv.respond_arg = fl;
}

static void flaky_done(struct fixture *f, struct flaky *fl)
{
    f->srv.respond = NULL;
    bytes_free(&fl->good);
}

static void test_retry_503_then_200_succeeds_with_two_requests(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 1, .status = 503};

    flaky_setup(f, &fl);
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 3);
    assert_string_equal(f->got.v[0].labels, "{__name__=\"x\",i=\"1\"}");
    assert_string_equal(f->got.v[2].labels, "{__name__=\"x\",i=\"3\"}");
    assert_int_equal(f->srv.requests, 2);
    assert_int_equal(remote_read_client_retries(f->c), 1);
    /* At most 200 ms of backoff, and slack for loaded machines. */
    assert_true(fl.arrived_ms[1] - fl.arrived_ms[0] <= 200 + 600);
    flaky_done(f, &fl);
}

static void test_retry_503_forever_gives_up_within_the_deadline(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 1000, .status = 503};
    int64_t t0 = util_mono_ms();
    int64_t took;

    flaky_setup(f, &fl);
    f->cfg.timeout_ms = 2000;
    run_fails_as(f, 1, "HTTP 503: \"try later\" (after 3 attempts)");
    took = util_mono_ms() - t0;
    assert_int_equal(f->srv.requests, 3);
    assert_int_equal(f->got.n, 0);
    print_message("503 forever: gave up after %lld ms\n", (long long)took);
    assert_true(took < 2000);
    /* One attempt for the rest of the round, three again in the next. */
    assert_int_equal(run(f, 1), -1);
    assert_int_equal(f->srv.requests, 4);
    remote_read_client_new_round(f->c);
    assert_int_equal(run(f, 1), -1);
    assert_int_equal(f->srv.requests, 7);

    /* A short timeout bounds the attempts, however many are allowed. */
    f->cfg.timeout_ms = 500;
    f->cfg.max_attempts = 10;
    client(f, REMOTE_READ_ACCEPT_CHUNKS);
    f->srv.requests = 0;
    t0 = util_mono_ms();
    assert_int_equal(run(f, 1), -1);
    took = util_mono_ms() - t0;
    print_message("503 forever, 10 attempts, timeout 500ms: %d requests in %lld ms\n",
                  f->srv.requests, (long long)took);
    assert_true(took <= 500 + 300);
    assert_true(f->srv.requests >= 2 && f->srv.requests < 10);
    flaky_done(f, &fl);
}

static void test_retry_after_is_honoured(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 1, .status = 429};
    int64_t gap;

    flaky_setup(f, &fl);
    f->srv.retry_after = "1";
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 3);
    gap = fl.arrived_ms[1] - fl.arrived_ms[0];
    print_message("429 with Retry-After: 1: retried after %lld ms\n", (long long)gap);
    assert_true(gap >= 990 && gap < 2500);

    /* Longer than the timeout: not waited for, and said so. */
    fl.seen = 0;
    f->srv.retry_after = "9";
    f->srv.requests = 0;
    assert_int_equal(run(f, 1), -1);
    assert_int_equal(f->srv.requests, 1);
    assert_non_null(strstr(f->e.msg, "HTTP 429: \"try later\" (rate limited: the server "
                                     "refuses more queries for now) (not retried: "
                                     "Retry-After 9s is past the 5s timeout)"));
    flaky_done(f, &fl);
}

static void test_400_and_500_are_not_retried(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 1, .status = 400};

    flaky_setup(f, &fl);
    run_fails_with(f, 1, "HTTP 400: \"try later\"");
    assert_int_equal(f->srv.requests, 1);
    fl.seen = 0;
    fl.status = 500;
    run_fails_with(f, 1, "HTTP 500: \"try later\"");
    assert_int_equal(f->srv.requests, 2);
    assert_null(strstr(f->e.msg, "attempts"));
    assert_int_equal(remote_read_client_retries(f->c), 0);
    flaky_done(f, &fl);
}

/*
 * The stream breaks after the first series reached the callback: the run
 * fails and is not retried, though the server would answer well the second
 * time, so the callback sees each series once.
 */
static void test_stream_cut_after_a_series_is_not_retried(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 1};

    flaky_setup(f, &fl);
    fl.cut_at = fl.good.n - 5; /* inside the third frame */
    assert_int_equal(run(f, 1), -1);
    print_message("cut after a series: %s\n", f->e.msg);
    assert_int_equal(f->got.n, 1);
    assert_string_equal(f->got.v[0].labels, "{__name__=\"x\",i=\"1\"}");
    assert_int_equal(f->srv.requests, 1);
    assert_null(strstr(f->e.msg, "attempts"));
    /* The next run reads it all. */
    assert_int_equal(run(f, 1), 0);
    assert_int_equal(f->got.n, 3);
    flaky_done(f, &fl);
}

static void test_401_and_403_say_what_to_check(void **state)
{
    struct fixture *f = *state;
    struct flaky fl = {.nfail = 2, .status = 401};

    flaky_setup(f, &fl);
    run_fails_as(f, 1,
                 "HTTP 401: \"try later\" (authentication failed: check bearer_token_file / "
                 "basic_auth)");
    fl.status = 403;
    run_fails_with(f, 1,
                   "HTTP 403: \"try later\" (access denied: check the credentials' "
                   "permissions and tenant headers (e.g. X-Scope-OrgID))");
    assert_int_equal(f->srv.requests, 2);
    flaky_done(f, &fl);
}

static void test_callback_error_aborts_the_read(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 3);
    struct tseries s[] = {
        {{"__name__", "x", "i", "1", NULL}, 1, &ch},
        {{"__name__", "x", "i", "2", NULL}, 1, &ch},
        {{"__name__", "x", "i", "3", NULL}, 1, &ch},
    };
    struct tts ts[3] = {
        {0, {"__name__", "x", "i", "1", NULL}, 1, {1000}, {1}},
        {0, {"__name__", "x", "i", "2", NULL}, 1, {1000}, {1}},
        {0, {"__name__", "x", "i", "3", NULL}, 1, {1000}, {1}},
    };
    struct bytes body = {0};

    frame(&body, 0, s, 1);
    frame(&body, 0, s + 1, 1);
    frame(&body, 0, s + 2, 1);
    set_body(f, body.p, body.n);
    bytes_free(&body);
    client(f, REMOTE_READ_ACCEPT_CHUNKS);
    memset(&f->got, 0, sizeof(f->got));
    f->got.fail_at = 2;
    /* The callback's message comes back as it wrote it. */
    assert_int_equal(remote_read_run(f->c, f->q, 1, collect, &f->got, &f->st, &f->e), -1);
    assert_string_equal(f->e.msg, "stop here: series 2");
    assert_int_equal(f->got.n, 2);
    assert_int_equal(remote_read_client_unreachable(f->c), 0);

    /* The last series, delivered after the body ended. */
    memset(&f->got, 0, sizeof(f->got));
    f->got.fail_at = 3;
    assert_int_equal(remote_read_run(f->c, f->q, 1, collect, &f->got, &f->st, &f->e), -1);
    assert_string_equal(f->e.msg, "stop here: series 3");

    samples_answer(f, 1, ts, 3, 1, NULL);
    memset(&f->got, 0, sizeof(f->got));
    f->got.fail_at = 1;
    assert_int_equal(remote_read_run(f->c, f->q, 1, collect, &f->got, &f->st, &f->e), -1);
    assert_string_equal(f->e.msg, "stop here: series 1");
    assert_int_equal(f->got.n, 1);
}

static void test_client_reuses_one_connection(void **state)
{
    struct fixture *f = *state;
    struct tchunk ch = ramp(1000, 1000, 1, 3);

    answer_x(f, &ch, 1);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(run(f, 1), 0);
        assert_int_equal(f->got.n, 1);
        assert_int_equal(f->got.v[0].n, 3);
    }
    assert_int_equal(f->srv.requests, 3);
    assert_int_equal(f->srv.connections, 1);
}

static void test_client_rejects_bad_config(void **state)
{
    struct fixture *f = *state;
    struct err e;

    assert_int_equal(labels_set(&f->cfg.headers, "Bad Name", "v"), 0);
    assert_null(remote_read_client_new(&f->cfg, REMOTE_READ_ACCEPT_CHUNKS, &e));
    assert_string_equal(e.msg, "prometheus.headers: \"Bad Name\" is not a valid header name");
    labels_free(&f->cfg.headers);
    free(f->cfg.url);
    f->cfg.url = NULL;
    assert_null(remote_read_client_new(&f->cfg, REMOTE_READ_ACCEPT_CHUNKS, &e));
    assert_string_equal(e.msg, "prometheus.url is not set");
}

#define SERVER_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        SERVER_TEST(test_request_carries_matchers_range_hints_and_headers),
        SERVER_TEST(test_request_samples_mode_accepts_only_samples),
        SERVER_TEST(test_request_sends_configured_headers_and_token),
        SERVER_TEST(test_no_queries_sends_nothing),
        SERVER_TEST(test_start_after_end_is_refused),
        SERVER_TEST(test_streamed_several_series_and_queries),
        SERVER_TEST(test_streamed_series_split_over_three_frames_is_delivered_once),
        SERVER_TEST(test_streamed_overlapping_chunks_are_sorted_deduplicated_and_clipped),
        SERVER_TEST(test_streamed_chunks_out_of_order_are_sorted_keeping_the_first),
        SERVER_TEST(test_streamed_stale_markers_are_dropped),
        SERVER_TEST(test_streamed_series_without_samples_in_range_has_none),
        SERVER_TEST(test_streamed_histogram_chunk_is_an_error),
        SERVER_TEST(test_streamed_malformed_chunk_is_an_error),
        SERVER_TEST(test_streamed_bad_crc_is_an_error),
        SERVER_TEST(test_streamed_body_ending_inside_a_frame_is_an_error),
        SERVER_TEST(test_streamed_connection_dropped_mid_body_is_an_error),
        SERVER_TEST(test_streamed_query_index_out_of_range_is_an_error),
        SERVER_TEST(test_streamed_garbage_message_is_an_error),
        SERVER_TEST(test_streamed_frame_over_limit_is_an_error),
        SERVER_TEST(test_series_over_sample_limit_is_an_error),
        SERVER_TEST(test_long_series_is_delivered_in_pieces_in_time_order),
        SERVER_TEST(test_long_series_pieces_keep_aligned_spans_whole),
        SERVER_TEST(test_long_series_going_back_past_a_piece_is_an_error),
        SERVER_TEST(test_labels_over_limits_are_errors),
        SERVER_TEST(test_duplicate_and_empty_label_names_are_errors),
        SERVER_TEST(test_streamed_decoded_memory_cap_is_an_error),
        SERVER_TEST(test_samples_answer_with_snappy),
        SERVER_TEST(test_samples_without_content_encoding_like_cortex),
        SERVER_TEST(test_samples_bad_bodies_are_errors),
        SERVER_TEST(test_samples_results_count_must_match_queries),
        SERVER_TEST(test_samples_body_over_cap_is_an_error),
        SERVER_TEST(test_samples_decoded_memory_cap_is_an_error),
        SERVER_TEST(test_404_says_remote_read_is_not_supported),
        SERVER_TEST(test_405_says_remote_read_is_not_supported),
        SERVER_TEST(test_victoriametrics_400_says_remote_read_is_not_supported),
        SERVER_TEST(test_other_400_is_not_taken_for_unsupported),
        SERVER_TEST(test_500_text_body_is_reported),
        SERVER_TEST(test_html_answer_is_an_error),
        SERVER_TEST(test_redirect_is_an_error),
        SERVER_TEST(test_connection_refused_is_unreachable),
        SERVER_TEST(test_retry_503_then_200_succeeds_with_two_requests),
        SERVER_TEST(test_retry_503_forever_gives_up_within_the_deadline),
        SERVER_TEST(test_retry_after_is_honoured),
        SERVER_TEST(test_400_and_500_are_not_retried),
        SERVER_TEST(test_stream_cut_after_a_series_is_not_retried),
        SERVER_TEST(test_401_and_403_say_what_to_check),
        SERVER_TEST(test_callback_error_aborts_the_read),
        SERVER_TEST(test_client_reuses_one_connection),
        SERVER_TEST(test_client_rejects_bad_config),
    };

    return cmocka_run_group_tests(tests, testutil_curl_setup, testutil_curl_teardown);
}
