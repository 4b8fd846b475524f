/* Unit tests for the pure SLO math (src/slo/slo.c), with hand-computed figures. */
#include "testutil.h"

#include "slo.h"
#include "tzinfo.h"

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

/* Bounds of slo with period kind k in zone name (NULL: UTC) at at_ms. */
static void bounds(enum config_period k, const char *zone, int64_t at_ms, int64_t *start,
                   int64_t *len)
{
    struct config_slo slo;
    struct err e = {{0}};

    memset(&slo, 0, sizeof(slo));
    slo.period_kind = k;
    if (zone != NULL) {
        slo.tz = tzinfo_load(zone, &e);
        if (slo.tz == NULL)
            fail_msg("%s", e.msg);
    }
    slo_period_bounds(&slo, at_ms, start, len);
    tzinfo_free(slo.tz);
}

static void test_calendar_bounds_exactly_at_midnight(void **state)
{
    int64_t start, len;

    (void)state;
    /* Monday 2026-11-16 00:00Z opens a week; a millisecond earlier is the last one. */
    bounds(CONFIG_PERIOD_CALENDAR_WEEK, NULL, 1794787200000LL, &start, &len);
    assert_int_equal(start, 1794787200000LL);
    assert_int_equal(len, 7 * DAY);
    bounds(CONFIG_PERIOD_CALENDAR_WEEK, NULL, 1794787200000LL - 1, &start, &len);
    assert_int_equal(start, 1794787200000LL - 7 * DAY);
    /* 2027-01-01 00:00Z opens a month and a quarter (Q1 2027: 90 days). */
    bounds(CONFIG_PERIOD_CALENDAR_QUARTER, NULL, 1798761600000LL, &start, &len);
    assert_int_equal(start, 1798761600000LL);
    assert_int_equal(len, 90 * DAY);
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, NULL, 1798761600000LL - 1, &start, &len);
    assert_int_equal(start, 1798761600000LL - 31 * DAY);
    assert_int_equal(len, 31 * DAY);
    /* In Berlin, April opens at 2026-03-31T22:00Z (CEST). */
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Europe/Berlin", 1774994400000LL, &start, &len);
    assert_int_equal(start, 1774994400000LL);
    assert_int_equal(len, 30 * DAY);
    assert_close(slo_period_elapsed(1774994400000LL, start, len), 0.0);
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Europe/Berlin", 1774994400000LL - 1, &start, &len);
    assert_int_equal(start, 1772319600000LL); /* 2026-02-28T23:00Z */
    bounds(CONFIG_PERIOD_CALENDAR_QUARTER, "Europe/Berlin", 1774994400000LL, &start, &len);
    assert_int_equal(start, 1774994400000LL);
    assert_int_equal(len, 91 * DAY); /* Q2 2026, all of it in CEST */
}

static void test_calendar_bounds_across_dst(void **state)
{
    int64_t start, len;

    (void)state;
    /* Berlin, March 2026: 00:00 CET to 00:00 CEST, 31 days less an hour. */
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Europe/Berlin", 1773576000000LL, &start, &len);
    assert_int_equal(start, 1772319600000LL);
    assert_int_equal(len, 31 * DAY - HOUR);
    /* Berlin, October 2026: 31 days and an hour. */
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Europe/Berlin", 1792065600000LL, &start, &len);
    assert_int_equal(start, 1790805600000LL);
    assert_int_equal(len, 31 * DAY + HOUR);
    /* Berlin, the week of 2026-10-25 (clocks back on Sunday): 7 days and an hour. */
    bounds(CONFIG_PERIOD_CALENDAR_WEEK, "Europe/Berlin", 1792929600000LL, &start, &len);
    assert_int_equal(start, 1792360800000LL);
    assert_int_equal(len, 7 * DAY + HOUR);
    /* Berlin, 2026-03-29T00:30Z is 01:30 CET, still March 29 (Sunday). */
    bounds(CONFIG_PERIOD_CALENDAR_WEEK, "Europe/Berlin", 1774744200000LL, &start, &len);
    assert_int_equal(len, 7 * DAY - HOUR);
    /* New York, the week of 2026-03-08 (clocks forward on Sunday). */
    bounds(CONFIG_PERIOD_CALENDAR_WEEK, "America/New_York", 1772971200000LL, &start, &len);
    assert_int_equal(start, 1772427600000LL); /* Monday 2026-03-02T05:00Z */
    assert_int_equal(len, 7 * DAY - HOUR);
    /* New York, 2026-03-01T03:00Z is still February 28 local (EST, -5h). */
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "America/New_York", 1772334000000LL, &start, &len);
    assert_int_equal(start, 1772341200000LL - 28 * DAY);
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "America/New_York", 1772341200000LL, &start, &len);
    assert_int_equal(start, 1772341200000LL);
    assert_int_equal(len, 31 * DAY - HOUR);
    /* Lord Howe turns its clocks back by 30 minutes on 2026-04-05. */
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Australia/Lord_Howe", 1775779200000LL, &start, &len);
    assert_int_equal(start, 1774962000000LL); /* 2026-04-01 00:00 +11 */
    assert_int_equal(len, 30 * DAY + 30 * MIN);
    /* Tokyo has no DST: Q4 2026 starts 2026-09-30T15:00Z and lasts 92 days. */
    bounds(CONFIG_PERIOD_CALENDAR_QUARTER, "Asia/Tokyo", 1795003200000LL, &start, &len);
    assert_int_equal(start, 1790780400000LL);
    assert_int_equal(len, 92 * DAY);
}

static void test_period_elapsed(void **state)
{
    struct config_slo slo;
    struct slo_window w[SLO_MAX_WINDOWS];
    int64_t start, len, at = 1773576000000LL; /* 2026-03-15T12:00Z */
    size_t n;

    (void)state;
    bounds(CONFIG_PERIOD_CALENDAR_MONTH, "Europe/Berlin", at, &start, &len);
    /* 14 days and 13 hours of 31 days less an hour. */
    assert_close(slo_period_elapsed(at, start, len), (14.0 * 24 + 13) / (31.0 * 24 - 1));
    assert_close(slo_period_elapsed(start, start, len), 0.0);
    assert_close(slo_period_elapsed(start - 1, start, len), 0.0);
    assert_close(slo_period_elapsed(start + len, start, len), 1.0);
    assert_close(slo_period_elapsed(at, at - 30 * DAY, 30 * DAY), 1.0);
    /* The calendar period window runs from the local start to T. */
    memset(&slo, 0, sizeof(slo));
    slo.period_kind = CONFIG_PERIOD_CALENDAR_MONTH;
    n = slo_windows(&slo, at, w, SLO_MAX_WINDOWS);
    assert_string_equal(w[n - 1].name, "period");
    assert_int_equal(w[n - 1].ms, 14 * DAY + 12 * HOUR);
}

/*
 * Proration: the budget is the events seen so far times (1 - objective); the
 * seconds are against the whole calendar period. Half-way through a 30-day
 * month at 99%, 1,000,000 events and 5,000 bad: half the budget of the events
 * so far is spent, and half of the whole period's 7.2h of full outage is left.
 */
static void test_calendar_budget_proration(void **state)
{
    struct slo_window_result p = win(15 * DAY, 995000, 5000);
    struct slo_window_result h = win(HOUR, 990, 10);
    struct slo_budget b;

    (void)state;
    p.w.is_period = 1;
    slo_window_compute(&p, 0.99);
    slo_window_compute(&h, 0.99);
    slo_budget_compute(0.99, 30 * 86400.0, &p, &h, &b);
    assert_close(b.consumed, 0.5);
    assert_close(b.remaining, 0.5);
    assert_close(b.remaining_seconds, 0.5 * 0.01 * 30 * 86400.0); /* 12,960 s = 3.6h */
    /* Burning at 1x: the remaining half lasts half of the period, 15 days. */
    assert_close(b.tte_seconds, 15 * 86400.0);
}

static void test_slices_wholly_inside_window(void **state)
{
    (void)state;
    /* T on the grid: 5 one-minute slices in 5m. */
    assert_int_equal(slo_slices(3600000, 5 * MIN, MIN), 5);
    /* T = 90s: slices ending at -120..60 s lie inside (-210, 90]. */
    assert_int_equal(slo_slices(90000, 5 * MIN, MIN), 4);
    assert_int_equal(slo_slices(3600000, 30 * 24 * 60 * MIN, MIN), 30 * 24 * 60);
    assert_int_equal(slo_slices(3600000, 30000, MIN), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slices_wholly_inside_window),
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
        cmocka_unit_test(test_calendar_bounds_exactly_at_midnight),
        cmocka_unit_test(test_calendar_bounds_across_dst),
        cmocka_unit_test(test_period_elapsed),
        cmocka_unit_test(test_calendar_budget_proration),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
