/*
 * Unit tests for apiread, api_read mode's transport, against fakerr.h's
 * store answering /api/v1/query of bare range selectors: what one run
 * delivers (every sample of [start, end] once, in time order, over any
 * number of pieces, with Prometheus 2's closed ranges and 3's left-open
 * ones), how pieces follow the store's limit and the alignment of time
 * slices, and what each request carries.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include <curl/curl.h>

#include "fakerr.h"
#include "apiread.h"
#include "config.h"
#include "rawsrc.h"
#include "selector.h"
#include "util.h"

#define SEC 1000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)
#define T0 1767571200000LL

struct fx {
    struct fakerr_db db;
    struct config *cfg;
    struct rawsrc *src;
    struct selector *sel;
};

/* What one run delivered: per series (by labels) its samples, in order. */
#define MAX_SERIES 8
#define MAX_DELIVERIES 4096
struct got {
    struct labels l[MAX_SERIES];
    size_t ns;
    int64_t *t[MAX_SERIES];
    size_t n[MAX_SERIES];
    int64_t first[MAX_DELIVERIES]; /* first and last time of each delivery */
    int64_t last[MAX_DELIVERIES];
    size_t nd;
};

static int on_series(void *arg, const struct rawsrc_series *s, struct err *e)
{
    struct got *g = arg;
    size_t i;

    (void)e;
    for (i = 0; i < g->ns; i++)
        if (labels_cmp(&g->l[i], s->labels) == 0)
            break;
    if (i == g->ns) {
        assert_true(g->ns < MAX_SERIES);
        assert_int_equal(labels_copy(&g->l[g->ns++], s->labels), 0);
    }
    g->t[i] = realloc(g->t[i], (g->n[i] + s->n + 1) * sizeof(int64_t));
    assert_non_null(g->t[i]);
    for (size_t k = 0; k < s->n; k++)
        g->t[i][g->n[i]++] = s->s[k].t_ms;
    if (s->n > 0 && g->nd < MAX_DELIVERIES) {
        g->first[g->nd] = s->s[0].t_ms;
        g->last[g->nd] = s->s[s->n - 1].t_ms;
        g->nd++;
    }
    return 0;
}

static void got_free(struct got *g)
{
    for (size_t i = 0; i < g->ns; i++) {
        labels_free(&g->l[i]);
        free(g->t[i]);
    }
    memset(g, 0, sizeof(*g));
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    struct err e;
    char yaml[512];

    if (f == NULL || fakerr_db_start(&f->db) != 0)
        return -1;
    snprintf(yaml, sizeof(yaml),
             "global: {prometheus: {url: 'http://127.0.0.1:%u', mode: api_read}}\n"
             "slos: [{name: a, service: s, objective: 99, period: 1d,\n"
             "        sli: {events: {error: 'e_total', total: 't_total'}}}]\n",
             (unsigned)f->db.srv.port);
    if (config_parse("t.yaml", yaml, strlen(yaml), &f->cfg, NULL) != 0)
        return -1;
    f->src = apiread_new(&f->cfg->prometheus, &e);
    if (f->src == NULL || selector_parse("g{job=\"x\"}", &f->sel, &e) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    rawsrc_free(f->src);
    selector_free(f->sel);
    config_free(f->cfg);
    fakerr_db_stop(&f->db);
    free(f);
    return 0;
}

/* Two series of g{job="x"} every 15 s over [from, to], one other series. */
static void fill(struct fx *f, int64_t from, int64_t to)
{
    static const char *const a[] = {"__name__", "g", "job", "x", "i", "1", NULL};
    static const char *const b[] = {"__name__", "g", "job", "x", "i", "2", NULL};
    static const char *const other[] = {"__name__", "g", "job", "y", NULL};
    size_t sa = fakerr_db_series(&f->db, a), sb = fakerr_db_series(&f->db, b);
    size_t so = fakerr_db_series(&f->db, other);

    for (int64_t t = from; t <= to; t += 15 * SEC) {
        fakerr_db_add(&f->db, sa, t, (double)(t / 1000));
        fakerr_db_add(&f->db, sb, t + 7 * SEC, 1);
        fakerr_db_add(&f->db, so, t, 2);
    }
}

/* Every sample of [from, to] of both series, once, in order. */
static void check_all(const struct got *g, int64_t from, int64_t to)
{
    assert_int_equal(g->ns, 2);
    for (size_t i = 0; i < g->ns; i++) {
        const char *inst = labels_get(&g->l[i], "i");
        int64_t off = strcmp(inst, "1") == 0 ? 0 : 7 * SEC;
        size_t k = 0;

        for (int64_t t = T0 - 3 * HOUR; t <= T0 + HOUR; t += 15 * SEC) {
            if (t + off < from || t + off > to)
                continue;
            if (k >= g->n[i] || g->t[i][k] != t + off)
                fail_msg("series i=%s: sample %zu is %lld, expected %lld", inst, k,
                         k < g->n[i] ? (long long)g->t[i][k] : -1LL, (long long)(t + off));
            k++;
        }
        assert_int_equal(k, g->n[i]);
    }
}

static int run(struct fx *f, int64_t from, int64_t to, int64_t align, struct got *g, struct err *e)
{
    struct rawsrc_query q;

    memset(&q, 0, sizeof(q));
    q.sel = f->sel;
    q.start_ms = from;
    q.end_ms = to;
    q.align_ms = align;
    return rawsrc_run(f->src, &q, 1, on_series, g, e);
}

/*
 * A 4-hour read with a budget of 1,000 samples per answer: many pieces, and
 * every sample once, in order, both with left-open ranges and with
 * Prometheus 2's closed ones (whose sample at T-D must not come twice).
 */
static void test_long_read_in_pieces_delivers_every_sample_once(void **state)
{
    struct fx *f = *state;
    int64_t from = T0 - 3 * HOUR + 1, to = T0 + HOUR;

    fill(f, T0 - 3 * HOUR, T0 + HOUR);
    for (int closed = 0; closed < 2; closed++) {
        struct apiread_stats st0, st;
        struct got g;
        struct err e;

        memset(&g, 0, sizeof(g));
        f->db.api_closed = closed;
        apiread_set_max_samples(f->src, 1000);
        apiread_get_stats(f->src, &st0);
        if (run(f, from, to, 0, &g, &e) != 0)
            fail_msg("run: %s", e.msg);
        check_all(&g, from, to);
        apiread_get_stats(f->src, &st);
        print_message("closed=%d: %llu pieces, %llu samples\n", closed,
                      (unsigned long long)(st.pieces - st0.pieces),
                      (unsigned long long)(st.samples - st0.samples));
        /* 1,920 samples in 4 hours: at least two pieces of 1,000. */
        assert_true(st.pieces - st0.pieces >= 2);
        assert_int_equal(st.samples - st0.samples, g.n[0] + g.n[1]);
        got_free(&g);
    }
    assert_int_equal(f->db.bad_requests, 0);
}

/*
 * A store that refuses answers over 300 samples: the refused pieces are
 * split and asked again, nothing comes twice or goes missing, and the
 * transport keeps aiming at what passed (later pieces are not refused).
 */
static void test_refused_pieces_are_split(void **state)
{
    struct fx *f = *state;
    int64_t from = T0 - 3 * HOUR + 1, to = T0 + HOUR;
    struct apiread_stats st;
    struct got g;
    struct err e;

    fill(f, T0 - 3 * HOUR, T0 + HOUR);
    f->db.api_max_samples = 300;
    memset(&g, 0, sizeof(g));
    if (run(f, from, to, 0, &g, &e) != 0)
        fail_msg("run: %s", e.msg);
    check_all(&g, from, to);
    apiread_get_stats(f->src, &st);
    print_message("%llu queries, %llu pieces, %llu splits, %d refused\n",
                  (unsigned long long)st.queries, (unsigned long long)st.pieces,
                  (unsigned long long)st.splits, f->db.api_limited);
    assert_true(st.splits > 0);
    assert_int_equal((int)st.splits, f->db.api_limited);
    /* Refusals stop once the transport knows the store's size. */
    assert_true(st.splits < st.pieces);
    got_free(&g);
    /* A store that refuses everything but one sample: a clear error. */
    f->db.api_max_samples = 1;
    memset(&g, 0, sizeof(g));
    assert_int_equal(run(f, from, to, 0, &g, &e), -1);
    assert_non_null(strstr(e.msg, "api_read: the store refuses even"));
    assert_non_null(strstr(e.msg, "HTTP 422"));
    assert_int_equal(g.nd, 0);
    got_free(&g);
}

/*
 * With align_ms (time slices), pieces end on multiples of it, so no slice
 * (k*s, (k+1)*s] is split between two deliveries of a series.
 */
static void test_pieces_keep_slices_whole(void **state)
{
    struct fx *f = *state;
    int64_t s = 7 * MIN;
    int64_t from = (T0 - 3 * HOUR) / s * s + 1, to = (T0 + HOUR) / s * s;
    struct got g;
    struct err e;

    fill(f, T0 - 3 * HOUR, T0 + HOUR);
    apiread_set_max_samples(f->src, 200);
    memset(&g, 0, sizeof(g));
    if (run(f, from, to, s, &g, &e) != 0)
        fail_msg("run: %s", e.msg);
    check_all(&g, from, to);
    assert_true(g.nd > 4);
    /* A delivery that starts after another ends starts in a later slice. */
    for (size_t d = 0; d < g.nd; d++)
        for (size_t o = 0; o < g.nd; o++)
            if (g.first[o] > g.last[d])
                assert_true(util_floor_div(g.first[o] - 1, s) > util_floor_div(g.last[d] - 1, s));
    got_free(&g);
}

/* Each request: the bare range selector, time, partial_response and resolution. */
static void test_request_form(void **state)
{
    struct fx *f = *state;
    char q[256], t[64], pr[16], msr[16];
    struct got g;
    struct err e;

    fill(f, T0 - HOUR, T0);
    memset(&g, 0, sizeof(g));
    if (run(f, T0 - 5 * MIN + 1, T0, 0, &g, &e) != 0)
        fail_msg("run: %s", e.msg);
    pthread_mutex_lock(&f->db.srv.mu);
    assert_string_equal(f->db.srv.url, "/api/v1/query");
    assert_int_equal(fakerr_form(&f->db.srv.req, "query", q, sizeof(q)), 0);
    assert_int_equal(fakerr_form(&f->db.srv.req, "time", t, sizeof(t)), 0);
    assert_int_equal(fakerr_form(&f->db.srv.req, "partial_response", pr, sizeof(pr)), 0);
    assert_int_equal(fakerr_form(&f->db.srv.req, "max_source_resolution", msr, sizeof(msr)), 0);
    pthread_mutex_unlock(&f->db.srv.mu);
    assert_string_equal(q, "g{job=\"x\"}[300000ms]");
    assert_string_equal(t, "1767571200.000");
    assert_string_equal(pr, "false");
    assert_string_equal(msr, "0s");
    got_free(&g);
}

#define STORE_TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        STORE_TEST(test_long_read_in_pieces_delivers_every_sample_once),
        STORE_TEST(test_refused_pieces_are_split),
        STORE_TEST(test_pieces_keep_slices_whole),
        STORE_TEST(test_request_form),
    };

    return cmocka_run_group_tests(tests, testutil_curl_setup, testutil_curl_teardown);
}
