/*
 * Unit tests for the pure half of `slo-sidecar report` (src/tools/report.c):
 * period parsing and bounds (UTC and Europe/Berlin across DST), local days,
 * worst day, bad minutes, met/missed/consumed and the three renderers.
 * Expected instants were computed with Python's datetime and zoneinfo;
 * ISO week counts with date.isocalendar() (2026 starts on a Thursday, so it
 * has a W53; 2025 has not).
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "tzinfo.h"

#define S 1000LL

static struct report_period parse_ok(const char *s)
{
    struct report_period p;
    struct err e = {{0}};

    if (report_period_parse(s, &p, &e) != 0)
        fail_msg("%s: %s", s, e.msg);
    return p;
}

static void parse_bad(const char *s, const char *want)
{
    struct report_period p;
    struct err e = {{0}};

    assert_int_equal(report_period_parse(s, &p, &e), -1);
    if (strstr(e.msg, want) == NULL)
        fail_msg("%s: message \"%s\" lacks \"%s\"", s, e.msg, want);
}

static void test_period_parse_good(void **state)
{
    struct report_period p;

    (void)state;
    p = parse_ok("2026-10");
    assert_int_equal(p.kind, REPORT_MONTH);
    assert_int_equal(p.year, 2026);
    assert_int_equal(p.num, 10);
    assert_string_equal(p.text, "2026-10");
    p = parse_ok("2026-Q3");
    assert_int_equal(p.kind, REPORT_QUARTER);
    assert_int_equal(p.num, 3);
    p = parse_ok("2026-W44");
    assert_int_equal(p.kind, REPORT_WEEK);
    assert_int_equal(p.num, 44);
    assert_string_equal(p.text, "2026-W44");
    p = parse_ok("2020-W53");
    assert_int_equal(p.num, 53);
    p = parse_ok("2026-W53");
    assert_int_equal(p.num, 53);
    p = parse_ok("2026-W01");
    assert_int_equal(p.num, 1);
}

static void test_period_parse_bad(void **state)
{
    (void)state;
    parse_bad("2025-W53", "W01..W52");
    parse_bad("2026-W54", "W01..W53");
    parse_bad("2026-W00", "W01..W53");
    parse_bad("2026-13", "month 13");
    parse_bad("2026-00", "month 0");
    parse_bad("2026-Q5", "quarter 5");
    parse_bad("2026-Q0", "quarter 0");
    parse_bad("2026-W4", "expected YYYY-MM");
    parse_bad("2026-1", "expected YYYY-MM");
    parse_bad("26-10", "expected YYYY-MM");
    parse_bad("2026-10-01", "expected YYYY-MM");
    parse_bad("2026-w44", "expected YYYY-MM");
    parse_bad("", "expected YYYY-MM");
    parse_bad("1969-12", "1970 or later");
}

static void test_iso_weeks(void **state)
{
    (void)state;
    assert_int_equal(report_iso_weeks(2020), 53); /* leap year starting on a Wednesday */
    assert_int_equal(report_iso_weeks(2026), 53); /* starts on a Thursday */
    assert_int_equal(report_iso_weeks(2025), 52);
    assert_int_equal(report_iso_weeks(2027), 52);
    assert_int_equal(report_iso_weeks(2032), 53);
}

static void bounds(const char *s, struct tzinfo *tz, int64_t start, int64_t end)
{
    struct report_period p = parse_ok(s);
    int64_t a, b;

    report_period_bounds(&p, tz, &a, &b);
    assert_int_equal(a, start * S);
    assert_int_equal(b, end * S);
}

static void test_period_bounds_utc(void **state)
{
    (void)state;
    bounds("2026-W44", NULL, 1792972800, 1793577600);
    bounds("2026-W01", NULL, 1766966400, 1767571200); /* starts 2025-12-29 */
    bounds("2020-W53", NULL, 1609113600, 1609718400); /* ends 2021-01-04 */
    bounds("2026-W53", NULL, 1798416000, 1799020800);
    bounds("2026-Q3", NULL, 1782864000, 1790812800);
    bounds("2026-10", NULL, 1790812800, 1793491200);
}

static void test_period_bounds_berlin_dst(void **state)
{
    struct err e = {{0}};
    struct tzinfo *tz = tzinfo_load("Europe/Berlin", &e);

    (void)state;
    if (tz == NULL)
        fail_msg("%s", e.msg);
    /* October: CEST to CET on the 25th, 31 days and an hour. */
    bounds("2026-10", tz, 1790805600, 1793487600);
    /* March: CET to CEST on the 29th, 31 days less an hour. */
    bounds("2026-03", tz, 1772319600, 1774994400);
    tzinfo_free(tz);
}

static void test_days_across_dst(void **state)
{
    struct err e = {{0}};
    struct tzinfo *tz = tzinfo_load("Europe/Berlin", &e);
    struct report_period p = parse_ok("2026-10");
    int64_t *b = NULL, *d = NULL, start, end;
    size_t n = 0;
    char date[16];

    (void)state;
    if (tz == NULL)
        fail_msg("%s", e.msg);
    report_period_bounds(&p, tz, &start, &end);
    assert_int_equal(report_days(tz, start, end, &b, &d, &n), 0);
    assert_int_equal(n, 31);
    assert_int_equal(b[0], start);
    assert_int_equal(b[31], end);
    /* 2026-10-25 is day 24: 25 hours. */
    assert_int_equal(b[24], 1792879200 * S);
    assert_int_equal(b[25], 1792969200 * S);
    assert_int_equal(b[25] - b[24], 25 * 3600 * S);
    assert_int_equal(b[1] - b[0], 24 * 3600 * S);
    report_date_format(d[24], date, sizeof(date));
    assert_string_equal(date, "2026-10-25");
    report_date_format(d[0], date, sizeof(date));
    assert_string_equal(date, "2026-10-01");
    free(b);
    free(d);
    p = parse_ok("2026-03");
    report_period_bounds(&p, tz, &start, &end);
    assert_int_equal(report_days(tz, start, end, &b, &d, &n), 0);
    assert_int_equal(n, 31);
    assert_int_equal(b[29] - b[28], 23 * 3600 * S); /* 2026-03-29 */
    free(b);
    free(d);
    tzinfo_free(tz);
}

static void test_worst_day_skips_days_without_events(void **state)
{
    struct report_day d[5] = {
        {20752, 1, 99, 100},  /* 0.99 */
        {20753, 0, 0, 0},     /* no data */
        {20754, 1, 0, 0},     /* no events: skipped, not SLI 0 */
        {20755, 1, 97, 100},  /* 0.97, the worst */
        {20756, 1, 291, 300}, /* 0.97 as well: later, so not chosen */
    };
    int64_t date = 0;
    double sli = 0;

    (void)state;
    assert_int_equal(report_worst_day(d, 5, &date, &sli), 1);
    assert_int_equal(date, 20755);
    assert_true(sli == 0.97);
    assert_int_equal(report_worst_day(d + 1, 2, &date, &sli), 0);
    assert_int_equal(report_worst_day(d, 0, &date, &sli), 0);
}

static void test_bad_minutes(void **state)
{
    /* objective 0.99: below it is bad, at it is not, no events is not. */
    const double good[6] = {99, 98, 0, 0, 989, 1};
    const double total[6] = {100, 100, 0, 5, 1000, 1};

    (void)state;
    /* 0.99 ok, 0.98 bad, no events, 0/5 bad, 0.989 bad, 1 ok */
    assert_int_equal(report_bad_minutes(good, total, 6, 0.99), 3);
    assert_int_equal(report_bad_minutes(good, total, 0, 0.99), 0);
    assert_int_equal(report_bad_minutes(good, total, 2, 0.5), 0);
}

static void test_row_finish_met_missed_no_data(void **state)
{
    struct report_row r;

    (void)state;
    memset(&r, 0, sizeof(r));
    r.objective = 0.5;
    r.has_counts = 1;
    r.good = 6;
    r.bad = 2;
    r.total = 8;
    report_row_finish(&r);
    assert_true(r.has_sli);
    assert_true(r.sli == 0.75);
    assert_int_equal(r.met, 1);
    assert_true(r.consumed == 0.5);
    r.good = 3;
    r.bad = 5;
    report_row_finish(&r);
    assert_int_equal(r.met, 0);
    assert_true(r.consumed == 1.25);
    /* exactly at the objective is met */
    r.good = 4;
    r.bad = 4;
    report_row_finish(&r);
    assert_int_equal(r.met, 1);
    r.good = r.bad = r.total = 0;
    report_row_finish(&r);
    assert_false(r.has_sli);
    assert_int_equal(r.met, -1);
    r.has_counts = 0;
    report_row_finish(&r);
    assert_int_equal(r.met, -1);
}

/* Three rows: met with all figures, grouped and missed, no data. */
static void sample_report(struct report *rep)
{
    struct labels g;
    struct report_row *r;

    memset(rep, 0, sizeof(*rep));
    rep->period = parse_ok("2026-W44");
    r = report_add_row(rep, "checkout", NULL);
    assert_non_null(r);
    r->start_ms = 1792972800 * S;
    r->end_ms = 1793577600 * S;
    r->objective = 0.99;
    r->has_counts = 1;
    r->good = 9950;
    r->bad = 50;
    r->total = 10000;
    r->has_worst = 1;
    r->worst_date = 20754;
    r->worst_sli = 0.98;
    r->has_bad_minutes = 1;
    r->bad_minutes = 12;
    report_row_finish(r);
    labels_init(&g);
    assert_int_equal(labels_set(&g, "ns", "a|b"), 0);
    r = report_add_row(rep, "search", &g);
    labels_free(&g);
    assert_non_null(r);
    r->timezone = "Europe/Berlin";
    r->start_ms = 1792969200 * S;
    r->end_ms = 1793574000 * S;
    r->objective = 0.999;
    r->has_counts = 1;
    r->good = 998;
    r->bad = 2;
    r->total = 1000;
    report_row_finish(r);
    r = report_add_row(rep, "idle", NULL);
    assert_non_null(r);
    r->start_ms = 1792972800 * S;
    r->end_ms = 1793577600 * S;
    r->objective = 0.9;
    report_row_finish(r);
}

static void render(const struct report *rep, enum report_format f, const char *want)
{
    struct buf out;

    buf_init(&out, 1 << 20);
    assert_int_equal(report_render(rep, f, &out), 0);
    assert_string_equal(out.data, want);
    buf_free(&out);
}

static void test_render_table(void **state)
{
    struct report rep;

    (void)state;
    sample_report(&rep);
    render(&rep, REPORT_TABLE,
           "Period 2026-W44 (UTC: 2026-10-26T00:00:00Z to 2026-11-02T00:00:00Z; "
           "Europe/Berlin: 2026-10-25T23:00:00Z to 2026-11-01T23:00:00Z)\n"
           "SLO             OBJECTIVE  SLI      RESULT   BUDGET CONSUMED  WORST DAY   "
           "WORST DAY SLI  BAD MINUTES\n"
           "checkout        99%        99.500%  met      50.0%            2026-10-28  "
           "98.000%        12\n"
           "search{ns=a|b}  99.9%      99.800%  missed   200.0%           n/a         "
           "n/a            n/a\n"
           "idle            90%        n/a      no data  n/a              n/a         "
           "n/a            n/a\n");
    report_free(&rep);
}

static void test_render_markdown(void **state)
{
    struct report rep;

    (void)state;
    sample_report(&rep);
    render(&rep, REPORT_MARKDOWN,
           "Period 2026-W44 (UTC: 2026-10-26T00:00:00Z to 2026-11-02T00:00:00Z; "
           "Europe/Berlin: 2026-10-25T23:00:00Z to 2026-11-01T23:00:00Z)\n"
           "\n"
           "| SLO | OBJECTIVE | SLI | RESULT | BUDGET CONSUMED | WORST DAY | WORST DAY SLI | "
           "BAD MINUTES |\n"
           "|---|--:|--:|--:|--:|--:|--:|--:|\n"
           "| checkout | 99% | 99.500% | met | 50.0% | 2026-10-28 | 98.000% | 12 |\n"
           "| search{ns=a\\|b} | 99.9% | 99.800% | missed | 200.0% | n/a | n/a | n/a |\n"
           "| idle | 90% | n/a | no data | n/a | n/a | n/a | n/a |\n");
    report_free(&rep);
}

static void test_render_json(void **state)
{
    struct report rep;
    struct labels g;
    struct report_row *r;

    (void)state;
    memset(&rep, 0, sizeof(rep));
    rep.period = parse_ok("2026-10");
    labels_init(&g);
    assert_int_equal(labels_set(&g, "ns", "a"), 0);
    r = report_add_row(&rep, "api", &g);
    labels_free(&g);
    assert_non_null(r);
    r->start_ms = 1790812800 * S;
    r->end_ms = 1793491200 * S;
    r->objective = 0.5;
    r->has_counts = 1;
    r->good = 6;
    r->bad = 2;
    r->total = 8;
    r->has_worst = 1;
    r->worst_date = 20754;
    r->worst_sli = 0.25;
    report_row_finish(r);
    r = report_add_row(&rep, "idle", NULL);
    assert_non_null(r);
    r->timezone = "Europe/Berlin";
    r->start_ms = 1790805600 * S;
    r->end_ms = 1793487600 * S;
    r->objective = 0.5;
    r->has_bad_minutes = 1;
    r->bad_minutes = 0;
    report_row_finish(r);
    render(&rep, REPORT_JSON,
           "{\n"
           "  \"period\": \"2026-10\",\n"
           "  \"slos\": [\n"
           "    {\n"
           "      \"name\": \"api\",\n"
           "      \"group\": {\n"
           "        \"ns\": \"a\"\n"
           "      },\n"
           "      \"timezone\": \"UTC\",\n"
           "      \"start\": \"2026-10-01T00:00:00Z\",\n"
           "      \"end\": \"2026-11-01T00:00:00Z\",\n"
           "      \"objective\": 0.5,\n"
           "      \"good\": 6.0,\n"
           "      \"bad\": 2.0,\n"
           "      \"total\": 8.0,\n"
           "      \"sli\": 0.75,\n"
           "      \"result\": \"met\",\n"
           "      \"error_budget_consumed\": 0.5,\n"
           "      \"worst_day\": {\n"
           "        \"date\": \"2026-10-28\",\n"
           "        \"sli\": 0.25\n"
           "      },\n"
           "      \"bad_minutes\": null\n"
           "    },\n"
           "    {\n"
           "      \"name\": \"idle\",\n"
           "      \"timezone\": \"Europe/Berlin\",\n"
           "      \"start\": \"2026-09-30T22:00:00Z\",\n"
           "      \"end\": \"2026-10-31T23:00:00Z\",\n"
           "      \"objective\": 0.5,\n"
           "      \"good\": null,\n"
           "      \"bad\": null,\n"
           "      \"total\": null,\n"
           "      \"sli\": null,\n"
           "      \"result\": \"no data\",\n"
           "      \"error_budget_consumed\": null,\n"
           "      \"worst_day\": null,\n"
           "      \"bad_minutes\": 0.0\n"
           "    }\n"
           "  ]\n"
           "}\n");
    report_free(&rep);
}

static void test_format_parse(void **state)
{
    enum report_format f;

    (void)state;
    assert_int_equal(report_format_parse(NULL, &f), 0);
    assert_int_equal(f, REPORT_TABLE);
    assert_int_equal(report_format_parse("markdown", &f), 0);
    assert_int_equal(f, REPORT_MARKDOWN);
    assert_int_equal(report_format_parse("json", &f), 0);
    assert_int_equal(f, REPORT_JSON);
    assert_int_equal(report_format_parse("yaml", &f), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_period_parse_good),
        cmocka_unit_test(test_period_parse_bad),
        cmocka_unit_test(test_iso_weeks),
        cmocka_unit_test(test_period_bounds_utc),
        cmocka_unit_test(test_period_bounds_berlin_dst),
        cmocka_unit_test(test_days_across_dst),
        cmocka_unit_test(test_worst_day_skips_days_without_events),
        cmocka_unit_test(test_bad_minutes),
        cmocka_unit_test(test_row_finish_met_missed_no_data),
        cmocka_unit_test(test_render_table),
        cmocka_unit_test(test_render_markdown),
        cmocka_unit_test(test_render_json),
        cmocka_unit_test(test_format_parse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
