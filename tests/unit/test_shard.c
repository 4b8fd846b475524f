/*
 * Unit tests for the shard module (src/config/shard.c) and config_shard: the hash
 * is pinned to published FNV-1a 64 values, so changing it (which would move
 * SLOs between replicas on upgrade) fails here.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "shard.h"

static void test_hash_is_fnv1a_64(void **state)
{
    (void)state;
    /* The FNV reference test vectors (offset basis for ""). */
    assert_true(shard_hash("") == 0xcbf29ce484222325ULL);
    assert_true(shard_hash("a") == 0xaf63dc4c8601ec8cULL);
    assert_true(shard_hash("foobar") == 0x85944171f73967e8ULL);
    /* SLO names of the examples, computed by hand (Python) from the definition. */
    assert_true(shard_hash("checkout-availability") == 0x5d655096e0bdb4dfULL);
    assert_true(shard_hash("search-latency") == 0xce2e4d1d3d6c68f6ULL);
    assert_int_equal(shard_of("checkout-availability", 2), 1);
    assert_int_equal(shard_of("checkout-availability", 3), 1);
    assert_int_equal(shard_of("checkout-availability", 4), 3);
    assert_int_equal(shard_of("search-latency", 3), 1);
    assert_int_equal(shard_of("search-latency", 4), 2);
    assert_int_equal(shard_of("users-freshness", 3), 2);
}

static void test_one_shard_owns_everything(void **state)
{
    struct shard s = {0, 1};

    (void)state;
    assert_int_equal(shard_of("anything", 1), 0);
    assert_int_equal(shard_of("anything", 0), 0);
    assert_true(shard_owns(&s, "anything"));
    assert_true(shard_owns(&s, ""));
}

/* 10,000 names spread evenly: every shard within 5% of its share for N = 2..8. */
static void test_even_spread(void **state)
{
    (void)state;
    for (int n = 2; n <= 8; n++) {
        int cnt[8] = {0};
        const int total = 10000;

        for (int i = 0; i < total; i++) {
            char name[32];

            snprintf(name, sizeof(name), "slo-%d", i);
            cnt[shard_of(name, n)]++;
        }
        for (int k = 0; k < n; k++) {
            double share = (double)cnt[k] * n / total;

            if (share < 0.95 || share > 1.05)
                fail_msg("N=%d shard %d has %d of %d names", n, k, cnt[k], total);
        }
    }
}

static void test_parse(void **state)
{
    struct shard s;
    struct err e = {{0}};

    (void)state;
    assert_int_equal(shard_parse("0/1", &s, &e), 0);
    assert_int_equal(s.index, 0);
    assert_int_equal(s.count, 1);
    assert_int_equal(shard_parse("2/3", &s, &e), 0);
    assert_int_equal(s.index, 2);
    assert_int_equal(s.count, 3);
    assert_int_equal(shard_parse("1023/1024", &s, &e), 0);
    assert_int_equal(shard_parse("auto/4", &s, &e), 0);
    assert_int_equal(s.index, SHARD_AUTO);
    assert_int_equal(s.count, 4);
}

static void test_parse_errors(void **state)
{
    static const struct {
        const char *in;
        const char *msg;
    } bad[] = {
        {"", "empty value"},
        {"3/3", "must be below the number of shards"},
        {"a/2", "index in \"a/2\""},
        {"1/0", "from 1 to 1024"},
        {"0/1025", "from 1 to 1024"},
        {"-1/2", "index in \"-1/2\""},
        {"1/2/3", "must be I/N or auto/N"},
        {"1", "must be I/N or auto/N"},
        {"/2", "index in \"/2\""},
        {"1/", "from 1 to 1024"},
        {" 1/2", "index"},
        {"1/+2", "from 1 to 1024"},
        {"auto/0", "from 1 to 1024"},
        {"Auto/2", "index"},
        {"99999999999/2", "index"},
    };
    struct shard s = {7, 9};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct err e = {{0}};

        if (shard_parse(bad[i].in, &s, &e) != -1)
            fail_msg("\"%s\" was accepted", bad[i].in);
        if (strstr(e.msg, bad[i].msg) == NULL)
            fail_msg("\"%s\": message \"%s\" lacks \"%s\"", bad[i].in, e.msg, bad[i].msg);
    }
    assert_int_equal(s.index, 7);
    assert_int_equal(s.count, 9);
}

static void test_resolve_auto_from_hostname(void **state)
{
    struct shard s = {SHARD_AUTO, 3};
    struct shard fixed = {1, 3};
    struct err e = {{0}};

    (void)state;
    assert_int_equal(shard_resolve(&s, "slo-sidecar-2", &e), 0);
    assert_int_equal(s.index, 2);
    s.index = SHARD_AUTO;
    assert_int_equal(shard_resolve(&s, "prod-slo-sidecar-0", &e), 0);
    assert_int_equal(s.index, 0);
    /* A fixed index ignores the host name. */
    assert_int_equal(shard_resolve(&fixed, NULL, &e), 0);
    assert_int_equal(fixed.index, 1);

    s.index = SHARD_AUTO;
    assert_int_equal(shard_resolve(&s, "slo-sidecar-3", &e), -1);
    assert_non_null(strstr(e.msg, "ordinal 3, not below 3"));
    assert_int_equal(shard_resolve(&s, "slo-sidecar-7d9f8c-x2x4q", &e), -1);
    assert_non_null(strstr(e.msg, "does not end in -ORDINAL"));
    assert_int_equal(shard_resolve(&s, "host", &e), -1);
    assert_int_equal(shard_resolve(&s, "host-", &e), -1);
    assert_int_equal(shard_resolve(&s, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "HOSTNAME is not set"));
    assert_int_equal(shard_resolve(&s, "", &e), -1);
    assert_int_equal(s.index, SHARD_AUTO);
}

static const char cfg_head[] = "global:\n"
                               "  prometheus: {url: http://p:9090}\n";
static const char cfg_slos[] = "slos:\n"
                               "  - {name: checkout-availability, service: a, objective: 99,\n"
                               "     period: 30d, sli: {events: {error: e, total: t}}}\n"
                               "  - {name: search-latency, service: a, objective: 99,\n"
                               "     period: 30d, sli: {events: {error: e, total: t}}}\n"
                               "  - {name: users-freshness, service: a, objective: 99,\n"
                               "     period: 30d, sli: {events: {error: e, total: t}}}\n"
                               "  - {name: api-custom, service: a, objective: 99,\n"
                               "     period: 30d, sli: {events: {error: e, total: t}}}\n";

static struct config *load(const char *global_extra)
{
    char text[2048];
    struct config *cfg = NULL;
    struct config_errors errs;

    snprintf(text, sizeof(text), "%s%s%s", cfg_head, global_extra, cfg_slos);
    config_errors_init(&errs);
    if (config_parse("t.yaml", text, strlen(text), &cfg, &errs) != 0)
        fail_msg("%s", errs.n ? errs.msg[0] : "config refused");
    config_errors_free(&errs);
    return cfg;
}

static void test_config_shard_keeps_own_slos_in_order(void **state)
{
    /* mod 3: checkout-availability 1, search-latency 1, users-freshness 2, api-custom 2 */
    struct config *cfg = load("");
    struct shard one = {1, 3};
    struct err e = {{0}};

    (void)state;
    assert_int_equal(cfg->shard.count, 1);
    assert_int_equal(cfg->nslos_all, 4);
    assert_int_equal(config_shard(cfg, &one, NULL, &e), 0);
    assert_int_equal(cfg->nslos, 2);
    assert_int_equal(cfg->nslos_all, 4);
    assert_string_equal(cfg->slos[0].name, "checkout-availability");
    assert_string_equal(cfg->slos[1].name, "search-latency");
    assert_int_equal(cfg->shard.index, 1);
    assert_int_equal(cfg->shard.count, 3);
    config_free(cfg);

    /* Shard 0 of 3 owns none of them: a valid, empty replica. */
    cfg = load("");
    one.index = 0;
    assert_int_equal(config_shard(cfg, &one, NULL, &e), 0);
    assert_int_equal(cfg->nslos, 0);
    config_free(cfg);

    /* Without a shard anywhere, everything stays. */
    cfg = load("");
    assert_int_equal(config_shard(cfg, NULL, NULL, &e), 0);
    assert_int_equal(cfg->nslos, 4);
    config_free(cfg);
}

static void test_config_global_shard_and_flag_override(void **state)
{
    struct config *cfg = load("  shard: 2/3\n");
    struct shard flag = {1, 3};
    struct err e = {{0}};

    (void)state;
    assert_int_equal(cfg->shard.index, 2);
    assert_int_equal(cfg->shard.count, 3);
    assert_int_equal(config_shard(cfg, NULL, NULL, &e), 0);
    assert_int_equal(cfg->nslos, 2);
    assert_string_equal(cfg->slos[0].name, "users-freshness");
    assert_string_equal(cfg->slos[1].name, "api-custom");
    config_free(cfg);

    cfg = load("  shard: 2/3\n");
    assert_int_equal(config_shard(cfg, &flag, NULL, &e), 0);
    assert_int_equal(cfg->shard.index, 1);
    assert_string_equal(cfg->slos[0].name, "checkout-availability");
    config_free(cfg);

    /* auto/N from the host name; without one the config is left whole. */
    cfg = load("  shard: auto/3\n");
    assert_int_equal(config_shard(cfg, NULL, NULL, &e), -1);
    assert_non_null(strstr(e.msg, "HOSTNAME"));
    assert_int_equal(cfg->nslos, 4);
    assert_int_equal(config_shard(cfg, NULL, "slo-sidecar-2", &e), 0);
    assert_int_equal(cfg->nslos, 2);
    assert_string_equal(cfg->slos[0].name, "users-freshness");
    config_free(cfg);
}

static void test_config_global_shard_errors(void **state)
{
    static const struct {
        const char *yaml;
        const char *msg;
    } bad[] = {
        {"  shard: 3/3\n", "t.yaml:3:10: global.shard: the shard index in \"3/3\" must be "
                           "below the number of shards"},
        {"  shard: 1/0\n", "t.yaml:3:10: global.shard: the number of shards in \"1/0\""},
        {"  shard: 2\n", "t.yaml:3:10: global.shard: must be I/N or auto/N, got \"2\""},
        {"  shard: ''\n", "t.yaml:3:10: global.shard: must be I/N"},
        {"  shard: [1, 2]\n", "t.yaml:3:10: global.shard: "},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[2048];
        struct config *cfg = NULL;
        struct config_errors errs;

        snprintf(text, sizeof(text), "%s%s%s", cfg_head, bad[i].yaml, cfg_slos);
        config_errors_init(&errs);
        assert_int_equal(config_parse("t.yaml", text, strlen(text), &cfg, &errs), -1);
        assert_null(cfg);
        assert_int_equal(errs.n, 1);
        if (strncmp(errs.msg[0], bad[i].msg, strlen(bad[i].msg)) != 0)
            fail_msg("got \"%s\", expected \"%s...\"", errs.msg[0], bad[i].msg);
        config_errors_free(&errs);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_is_fnv1a_64),
        cmocka_unit_test(test_one_shard_owns_everything),
        cmocka_unit_test(test_even_spread),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_resolve_auto_from_hostname),
        cmocka_unit_test(test_config_shard_keeps_own_slos_in_order),
        cmocka_unit_test(test_config_global_shard_and_flag_override),
        cmocka_unit_test(test_config_global_shard_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
