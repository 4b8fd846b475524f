/* Unit tests for util: durations, times, numbers, buffers, label sets. */
#include "testutil.h"

#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_duration_parse_units(void **state)
{
    int64_t ms;
    struct err e;

    (void)state;
    assert_int_equal(util_duration_parse("30s", &ms, 0, &e), 0);
    assert_int_equal(ms, 30000);
    assert_int_equal(util_duration_parse("1h30m", &ms, 0, &e), 0);
    assert_int_equal(ms, 5400000);
    assert_int_equal(util_duration_parse("500ms", &ms, 0, &e), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(util_duration_parse("1y", &ms, 0, &e), 0);
    assert_int_equal(ms, 365LL * 86400000);
    assert_int_equal(util_duration_parse("2w", &ms, 0, &e), 0);
    assert_int_equal(ms, 14LL * 86400000);
}

static void test_duration_parse_errors(void **state)
{
    int64_t ms;
    struct err e;

    (void)state;
    assert_int_equal(util_duration_parse("30", &ms, 0, &e), -1);
    assert_string_equal(e.msg, "invalid duration \"30\": unknown or missing unit "
                               "(use ms, s, m, h, d, w, y)");
    assert_int_equal(util_duration_parse("5m1h", &ms, 0, &e), -1);
    assert_int_equal(util_duration_parse("0s", &ms, 0, &e), -1);
    assert_string_equal(e.msg, "duration \"0s\" must be greater than zero");
    assert_int_equal(util_duration_parse("0s", &ms, 1, &e), 0);
    assert_int_equal(util_duration_parse("", &ms, 0, &e), -1);
    assert_int_equal(util_duration_parse("-5m", &ms, 0, &e), -1);
    assert_int_equal(util_duration_parse("1.5h", &ms, 0, &e), -1);
    assert_int_equal(util_duration_parse("99999999999999999999d", &ms, 0, &e), -1);
}

static void test_duration_format(void **state)
{
    char b[32];

    (void)state;
    assert_int_equal(util_duration_format(30LL * 86400000, b, sizeof(b)), 0);
    assert_string_equal(b, "30d");
    util_duration_format(5400000, b, sizeof(b));
    assert_string_equal(b, "1h30m");
    util_duration_format(300000, b, sizeof(b));
    assert_string_equal(b, "5m");
    util_duration_format(86340001, b, sizeof(b));
    assert_string_equal(b, "23h59m1ms");
    assert_int_equal(util_duration_format(86340001, b, 4), -1);
}

static void test_time_parse(void **state)
{
    int64_t t;
    struct err e;

    (void)state;
    assert_int_equal(util_time_parse("1793491200", &t, &e), 0);
    assert_int_equal(t, 1793491200000LL);
    assert_int_equal(util_time_parse("1793491200.5", &t, &e), 0);
    assert_int_equal(t, 1793491200500LL);
    assert_int_equal(util_time_parse("2026-11-01T00:00:00Z", &t, &e), 0);
    assert_int_equal(t, 1793491200000LL);
    assert_int_equal(util_time_parse("2026-11-01T01:00:00+01:00", &t, &e), 0);
    assert_int_equal(t, 1793491200000LL);
    assert_int_equal(util_time_parse("2026-11-01T00:00:00.250Z", &t, &e), 0);
    assert_int_equal(t, 1793491200250LL);
    assert_int_equal(util_time_parse("2026-13-01T00:00:00Z", &t, &e), -1);
    assert_int_equal(util_time_parse("yesterday", &t, &e), -1);
    assert_int_equal(util_time_parse("2026-11-01", &t, &e), -1);
}

static void test_parse_double_strict(void **state)
{
    double v;

    (void)state;
    assert_int_equal(util_parse_double("0.25", &v), 0);
    assert_close(v, 0.25);
    assert_int_equal(util_parse_double("+Inf", &v), 0);
    assert_true(isinf(v) && v > 0);
    assert_int_equal(util_parse_double("NaN", &v), 0);
    assert_true(isnan(v));
    assert_int_equal(util_parse_double("0x10", &v), -1);
    assert_int_equal(util_parse_double("1 ", &v), -1);
    assert_int_equal(util_parse_double("", &v), -1);
    assert_int_equal(util_parse_double("infinity", &v), -1);
}

/* The plain search util_fmt_double's bisection must agree with. */
static void fmt_double_linear(double v, char *buf, size_t len)
{
    for (int prec = 1; prec <= 17; prec++) {
        char e[40];
        int x;
        const char *ep;

        snprintf(e, sizeof(e), "%.*e", prec - 1, v);
        if (strtod(e, NULL) != v)
            continue;
        ep = strchr(e, 'e');
        x = ep ? (int)strtol(ep + 1, NULL, 10) : 0;
        if (x < -4 || x >= 6)
            snprintf(buf, len, "%s", e);
        else
            snprintf(buf, len, "%.*f", prec - 1 - x > 0 ? prec - 1 - x : 0, v);
        return;
    }
}

/* 30,000 random bit patterns, ratios and whole numbers: same text as the linear search. */
static void test_fmt_double_matches_linear(void **state)
{
    uint64_t x = 0x9E3779B97F4A7C15u;

    (void)state;
    for (int i = 0; i < 30000; i++) {
        char got[64], want[64];
        double v;
        uint64_t bits;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        switch (i % 4) {
        case 0:
            bits = x;
            memcpy(&v, &bits, sizeof(v));
            if (isnan(v) || isinf(v))
                continue;
            break;
        case 1:
            v = (double)(x % 100000) / (double)(1 + (x >> 40) % 100000);
            break;
        case 2:
            v = (double)(int64_t)(x % 4000000) - 2000000.0;
            break;
        default:
            v = (double)(x % 1000) * 1e-7 + 0.999;
            break;
        }
        util_fmt_double(v, got, sizeof(got));
        fmt_double_linear(v, want, sizeof(want));
        if (strcmp(got, want) != 0)
            fail_msg("%.17g: got %s, want %s", v, got, want);
    }
}

static void test_fmt_double_shortest(void **state)
{
    char b[32];

    (void)state;
    util_fmt_double(0.1, b, sizeof(b));
    assert_string_equal(b, "0.1");
    util_fmt_double(1.0, b, sizeof(b));
    assert_string_equal(b, "1");
    util_fmt_double(1.0 / 3.0, b, sizeof(b));
    assert_string_equal(b, "0.3333333333333333");
    util_fmt_double(100000, b, sizeof(b));
    assert_string_equal(b, "100000");
    util_fmt_double(1234567, b, sizeof(b));
    assert_string_equal(b, "1.234567e+06");
    util_fmt_double(1200900, b, sizeof(b));
    assert_string_equal(b, "1.2009e+06");
    util_fmt_double(0.0001, b, sizeof(b));
    assert_string_equal(b, "0.0001");
    util_fmt_double(0.00001, b, sizeof(b));
    assert_string_equal(b, "1e-05");
    util_fmt_double(0, b, sizeof(b));
    assert_string_equal(b, "0");
    util_fmt_double(-2.5, b, sizeof(b));
    assert_string_equal(b, "-2.5");
    util_fmt_double(-INFINITY, b, sizeof(b));
    assert_string_equal(b, "-Inf");
}

static void test_buf_cap_is_hard(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), 0);
    assert_int_equal(buf_puts(&b, "9"), -1);
    assert_string_equal(b.data, "12345678");
    assert_int_equal(b.len, 8);
    buf_free(&b);
}

static void test_labels_sorted_and_replaced(void **state)
{
    struct labels l, c;

    (void)state;
    labels_init(&l);
    assert_int_equal(labels_set(&l, "b", "2"), 0);
    assert_int_equal(labels_set(&l, "a", "1"), 0);
    assert_int_equal(labels_set(&l, "b", "3"), 0);
    assert_int_equal(l.n, 2);
    assert_string_equal(l.v[0].name, "a");
    assert_string_equal(labels_get(&l, "b"), "3");
    assert_int_equal(labels_copy(&c, &l), 0);
    assert_int_equal(labels_cmp(&c, &l), 0);
    labels_set(&c, "c", "x");
    assert_true(labels_cmp(&l, &c) < 0);
    labels_free(&l);
    labels_free(&c);
}

/* cap SIZE_MAX means no cap (it once wrapped to a zero-size realloc). */
static void test_buf_uncapped(void **state)
{
    struct buf b;

    (void)state;
    buf_init(&b, SIZE_MAX);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(buf_append(&b, "0123456789", 10), 0);
    assert_int_equal(b.len, 10000);
    assert_int_equal(memcmp(b.data + 9990, "0123456789", 10), 0);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_duration_parse_units),
        cmocka_unit_test(test_duration_parse_errors),
        cmocka_unit_test(test_duration_format),
        cmocka_unit_test(test_time_parse),
        cmocka_unit_test(test_parse_double_strict),
        cmocka_unit_test(test_fmt_double_shortest),
        cmocka_unit_test(test_fmt_double_matches_linear),
        cmocka_unit_test(test_buf_uncapped),
        cmocka_unit_test(test_buf_cap_is_hard),
        cmocka_unit_test(test_labels_sorted_and_replaced),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
