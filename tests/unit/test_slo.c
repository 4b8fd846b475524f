/* Unit tests for the pure SLO math (src/slo.c), with hand-computed figures. */
#include "testutil.h"

#include "slo.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

static struct slo_window_result win(int64_t ms, double good, double bad)
{
    struct slo_window_result r;

    memset(&r, 0, sizeof(r));
    r.w.ms = ms;
    r.has_counts = 1;
    r.good = good;
    r.bad = bad;
    r.total = good + bad;
    return r;
}

static void test_ratios_hand_computed(void **state)
{
    struct slo_window_result r = win(5 * MIN, 118, 2);

    (void)state;
    slo_window_compute(&r, 0.999);
    assert_true(r.has_ratio);
    assert_close(r.sli, 118.0 / 120.0);
    assert_close(r.error_ratio, 2.0 / 120.0);
    assert_close(r.burn_rate, (2.0 / 120.0) / 0.001);
}

static void test_zero_total_is_absent(void **state)
{
    struct slo_window_result r = win(5 * MIN, 0, 0);

    (void)state;
    slo_window_compute(&r, 0.999);
    assert_true(r.has_counts);
    assert_false(r.has_ratio);
    r.has_counts = 0;
    slo_window_compute(&r, 0.999);
    assert_false(r.has_ratio);
}

static void test_budget_contract_example(void **state)
{
    /* Period error ratio 0.00075 with objective 99.9%: 75% consumed. */
    struct slo_window_result p = win(30 * DAY, 1200000, 900);
    struct slo_window_result h = win(HOUR, 1000, 2);
    struct slo_budget b;

    (void)state;
    slo_window_compute(&p, 0.999);
    slo_window_compute(&h, 0.999);
    slo_budget_compute(0.999, 30 * 86400.0, &p, &h, &b);
    assert_true(b.has);
    assert_close(b.consumed, (900.0 / 1200900.0) / 0.001);
    assert_close(b.remaining, 1 - (900.0 / 1200900.0) / 0.001);
    assert_close(b.remaining_seconds, b.remaining * 0.001 * 30 * 86400.0);
    assert_true(b.has_tte);
    assert_close(b.tte_seconds, b.remaining * 30 * 86400.0 / h.burn_rate);
}

static void test_budget_overspent_is_negative_and_tte_zero(void **state)
{
    struct slo_window_result p = win(7 * DAY, 900, 100);
    struct slo_budget b;

    (void)state;
    slo_window_compute(&p, 0.99);
    slo_budget_compute(0.99, 7 * 86400.0, &p, NULL, &b);
    assert_close(b.consumed, 10.0);
    assert_close(b.remaining, -9.0);
    assert_true(b.remaining_seconds < 0);
    assert_true(b.has_tte);
    assert_close(b.tte_seconds, 0);
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_EXHAUSTED);
}

static void test_tte_absent_when_burn_zero_or_no_traffic(void **state)
{
    struct slo_window_result p = win(7 * DAY, 990, 1);
    struct slo_window_result h = win(HOUR, 10, 0);
    struct slo_budget b;

    (void)state;
    slo_window_compute(&p, 0.99);
    slo_window_compute(&h, 0.99);
    slo_budget_compute(0.99, 7 * 86400.0, &p, &h, &b);
    assert_true(b.has);
    assert_false(b.has_tte);
    h = win(HOUR, 0, 0);
    slo_window_compute(&h, 0.99);
    slo_budget_compute(0.99, 7 * 86400.0, &p, &h, &b);
    assert_false(b.has_tte);
}

static void test_no_period_data_has_no_budget_or_status(void **state)
{
    struct slo_window_result p = win(7 * DAY, 0, 0);
    struct slo_budget b;

    (void)state;
    slo_window_compute(&p, 0.99);
    slo_budget_compute(0.99, 7 * 86400.0, &p, NULL, &b);
    assert_false(b.has);
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_NONE);
    assert_int_equal(slo_compliant(&p, 0.99), -1);
}

static void test_status_thresholds_at_the_edges(void **state)
{
    struct slo_budget b = {.has = 1};

    (void)state;
    b.consumed = 0.4999;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_HEALTHY);
    b.consumed = 0.5;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_WARNING);
    b.consumed = 0.7999;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_WARNING);
    b.consumed = 0.8;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_CRITICAL);
    b.consumed = 0.9999;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_CRITICAL);
    b.consumed = 1.0;
    assert_int_equal(slo_status_of(&b, 0.5, 0.8), SLO_STATUS_EXHAUSTED);
    assert_string_equal(slo_status_str(SLO_STATUS_EXHAUSTED), "exhausted");
}

static void test_compliance(void **state)
{
    struct slo_window_result p = win(DAY, 999, 1);

    (void)state;
    slo_window_compute(&p, 0.999);
    assert_int_equal(slo_compliant(&p, 0.999), 1);
    p = win(DAY, 998, 2);
    slo_window_compute(&p, 0.999);
    assert_int_equal(slo_compliant(&p, 0.999), 0);
}

/* Builds the 7 standard windows with burn rates given per window length. */
static size_t burn_windows(struct slo_window_result *w, const double burn[SLO_STD_WINDOWS])
{
    for (size_t i = 0; i < SLO_STD_WINDOWS; i++) {
        memset(&w[i], 0, sizeof(w[i]));
        w[i].w.ms = slo_std_windows_ms[i];
        w[i].has_counts = 1;
        w[i].has_ratio = burn[i] >= 0;
        w[i].burn_rate = burn[i];
    }
    return SLO_STD_WINDOWS;
}

/* Window order: 5m 30m 1h 2h 6h 1d 3d. */
static int fires(const double burn[SLO_STD_WINDOWS], enum config_severity sev)
{
    struct slo_window_result w[SLO_STD_WINDOWS];
    struct slo_alert a[2];
    size_t n = slo_alerts(config_default_windows, 4, w, burn_windows(w, burn), a);

    assert_int_equal(n, 2);
    assert_int_equal(a[0].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(a[1].severity, CONFIG_SEVERITY_TICKET);
    return a[sev == CONFIG_SEVERITY_PAGE ? 0 : 1].firing;
}

static void test_page_fast_burn_just_below_and_above(void **state)
{
    double b[SLO_STD_WINDOWS] = {14.4, 0, 14.4, 0, 0, 0, 0};

    (void)state;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE)); /* > 14.4, not >= */
    b[0] = 14.41;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE)); /* 1h still at 14.4 */
    b[2] = 14.41;
    assert_true(fires(b, CONFIG_SEVERITY_PAGE));
    b[0] = 14.39;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE)); /* short window recovered */
}

static void test_page_slow_burn_just_below_and_above(void **state)
{
    double b[SLO_STD_WINDOWS] = {0, 6.0, 0, 0, 6.0, 0, 0};

    (void)state;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE));
    b[1] = 6.01;
    b[4] = 6.01;
    assert_true(fires(b, CONFIG_SEVERITY_PAGE));
    b[4] = 5.99;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE));
}

static void test_ticket_conditions_just_below_and_above(void **state)
{
    double b[SLO_STD_WINDOWS] = {0, 0, 0, 3.0, 0, 3.0, 0};

    (void)state;
    assert_false(fires(b, CONFIG_SEVERITY_TICKET));
    b[3] = 3.01;
    b[5] = 3.01;
    assert_true(fires(b, CONFIG_SEVERITY_TICKET));
    assert_false(fires(b, CONFIG_SEVERITY_PAGE));
    double c[SLO_STD_WINDOWS] = {0, 0, 0, 0, 1.0, 0, 1.0};
    assert_false(fires(c, CONFIG_SEVERITY_TICKET));
    c[4] = 1.01;
    c[6] = 1.01;
    assert_true(fires(c, CONFIG_SEVERITY_TICKET));
    c[6] = 0.99;
    assert_false(fires(c, CONFIG_SEVERITY_TICKET));
}

static void test_absent_burn_never_fires(void **state)
{
    double b[SLO_STD_WINDOWS] = {-1, 100, -1, 100, 100, 100, 100};

    (void)state;
    /* 5m and 1h absent: the fast page cannot fire; the slow one (6h, 30m) does. */
    assert_true(fires(b, CONFIG_SEVERITY_PAGE));
    b[1] = -1;
    assert_false(fires(b, CONFIG_SEVERITY_PAGE));
}

static void test_windows_rolling_period_and_custom(void **state)
{
    struct config_alert_window custom[1] = {{CONFIG_SEVERITY_PAGE, 4 * HOUR, 15 * MIN, 10}};
    struct config_slo slo;
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t n;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.period_kind = CONFIG_PERIOD_ROLLING;
    slo.period_ms = 30 * DAY;
    slo.period_name = "30d";
    n = slo_windows(&slo, 1793491200000LL, w, SLO_MAX_WINDOWS);
    assert_int_equal(n, 8);
    assert_string_equal(w[0].name, "5m");
    assert_string_equal(w[6].name, "3d");
    assert_string_equal(w[7].name, "30d");
    assert_true(w[7].is_period);
    slo.windows = custom;
    slo.nwindows = 1;
    n = slo_windows(&slo, 1793491200000LL, w, SLO_MAX_WINDOWS);
    assert_int_equal(n, 10);
    assert_string_equal(w[7].name, "15m");
    assert_string_equal(w[8].name, "4h");
    assert_string_equal(w[9].name, "30d");
    /* A period equal to a standard window is that window. */
    slo.nwindows = 0;
    slo.period_ms = 3 * DAY;
    slo.period_name = "3d";
    n = slo_windows(&slo, 1793491200000LL, w, SLO_MAX_WINDOWS);
    assert_int_equal(n, 7);
    assert_true(w[6].is_period);
}

static void test_calendar_bounds(void **state)
{
    struct config_slo slo;
    int64_t start, len;
    /* 2026-11-18T12:00:00Z is a Wednesday. */
    int64_t at = 1795003200000LL;

    (void)state;
    memset(&slo, 0, sizeof(slo));
    slo.period_kind = CONFIG_PERIOD_CALENDAR_MONTH;
    slo_period_bounds(&slo, at, &start, &len);
    assert_int_equal(start, 1793491200000LL); /* 2026-11-01 */
    assert_int_equal(len, 30 * DAY);
    slo.period_kind = CONFIG_PERIOD_CALENDAR_WEEK;
    slo_period_bounds(&slo, at, &start, &len);
    assert_int_equal(start, 1794787200000LL); /* Monday 2026-11-16 */
    assert_int_equal(len, 7 * DAY);
    slo.period_kind = CONFIG_PERIOD_CALENDAR_QUARTER;
    slo_period_bounds(&slo, at, &start, &len);
    assert_int_equal(start, 1790812800000LL); /* 2026-10-01 */
    assert_int_equal(len, 92 * DAY);
    /* February of a leap year. */
    slo.period_kind = CONFIG_PERIOD_CALENDAR_MONTH;
    slo_period_bounds(&slo, 1709208000000LL, &start, &len); /* 2024-02-29T12:00Z */
    assert_int_equal(len, 29 * DAY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ratios_hand_computed),
        cmocka_unit_test(test_zero_total_is_absent),
        cmocka_unit_test(test_budget_contract_example),
        cmocka_unit_test(test_budget_overspent_is_negative_and_tte_zero),
        cmocka_unit_test(test_tte_absent_when_burn_zero_or_no_traffic),
        cmocka_unit_test(test_no_period_data_has_no_budget_or_status),
        cmocka_unit_test(test_status_thresholds_at_the_edges),
        cmocka_unit_test(test_compliance),
        cmocka_unit_test(test_page_fast_burn_just_below_and_above),
        cmocka_unit_test(test_page_slow_burn_just_below_and_above),
        cmocka_unit_test(test_ticket_conditions_just_below_and_above),
        cmocka_unit_test(test_absent_burn_never_fires),
        cmocka_unit_test(test_windows_rolling_period_and_custom),
        cmocka_unit_test(test_calendar_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
