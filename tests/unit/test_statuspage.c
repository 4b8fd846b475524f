/*
 * Unit tests of statuspage: HTML escaping, every figure of the index in
 * its cell, absent figures as "no data", a grouped SLO, the SVG paths of
 * the detail page built from known history points (hand-computed
 * coordinates), a gap in the history breaking the line, no history at all,
 * events newest first, the page for an unknown name.
 */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "statuspage.h"

#define MIN 60000LL
#define HOUR 3600000LL
#define DAY 86400000LL
/* 2026-11-01T00:00:00Z */
#define T0 1793491200000LL

static struct slo_window_result win(const char *name, int64_t ms, double good, double bad,
                                    double objective)
{
    struct slo_window_result r;

    memset(&r, 0, sizeof(r));
    snprintf(r.w.name, sizeof(r.w.name), "%s", name);
    r.w.ms = ms;
    r.has_counts = 1;
    r.good = good;
    r.bad = bad;
    r.total = good + bad;
    slo_window_compute(&r, objective);
    return r;
}

/* Windows of the entries below: 1h, 6h, 1d and a 30d rolling period. */
static struct slo_window_result wins[4];
static struct slo_window_result empty_wins[4];

/* checkout-availability: 99.9% over 30d, warning, page firing. */
static void fill_entry(struct snapshot_slo *s)
{
    static const struct snapshot_slo checkout = {
        .name = "checkout-availability",
        .service = "checkout",
        .description = "Checkout requests that do not fail",
        .period_name = "30d",
        .sli_kind = "events",
        .objective = 0.999,
        .period_ms = 30 * DAY,
        .period_start_ms = T0 - 30 * DAY,
        .period_elapsed = 1,
        .nwin = 4,
        .win = wins,
        .budget = {.has = 1,
                   .consumed = 0.75,
                   .remaining = 0.25,
                   .remaining_seconds = 648,
                   .has_tte = 1,
                   .tte_seconds = 42631},
        .status = SLO_STATUS_WARNING,
        .compliant = 1,
        .nalerts = 2,
        .alerts = {{.severity = CONFIG_SEVERITY_PAGE, .firing = 1},
                   {.severity = CONFIG_SEVERITY_TICKET}},
        .evaluated_ms = T0};

    wins[0] = win("1h", HOUR, 1000, 15, 0.999);
    wins[1] = win("6h", 6 * HOUR, 1000, 2, 0.999);
    wins[2] = win("1d", DAY, 1999, 1, 0.999);
    wins[3] = win("30d", 30 * DAY, 1200000, 900, 0.999);
    wins[3].w.is_period = 1;
    *s = checkout;
}

/* An entry that has seen no events at all. */
static void fill_empty(struct snapshot_slo *s)
{
    memset(s, 0, sizeof(*s));
    memset(empty_wins, 0, sizeof(empty_wins));
    snprintf(empty_wins[0].w.name, sizeof(empty_wins[0].w.name), "1h");
    empty_wins[0].w.ms = HOUR;
    snprintf(empty_wins[1].w.name, sizeof(empty_wins[1].w.name), "7d");
    empty_wins[1].w.ms = 7 * DAY;
    empty_wins[1].w.is_period = 1;
    s->name = "quiet";
    s->service = "q";
    s->description = "";
    s->period_name = "7d";
    s->sli_kind = "events";
    s->objective = 0.99;
    s->period_ms = 7 * DAY;
    s->period_elapsed = 1;
    s->nwin = 2;
    s->win = empty_wins;
    s->status = SLO_STATUS_NONE;
    s->compliant = -1;
}

static void snap_of(struct snapshot *snap, struct snapshot_slo *s, size_t n)
{
    memset(snap, 0, sizeof(*snap));
    snap->at_ms = T0;
    snap->n = n;
    snap->slos = s;
}

/* Fails when needle is not in hay, printing the page. */
static void has(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        return;
    /* cmocka cuts long messages: the page 200 bytes at a time. */
    for (const char *l = hay; *l != '\0'; l += strnlen(l, 200))
        print_message("%.200s", l);
    fail_msg("missing %s", needle);
}

static void lacks(const char *hay, const char *needle)
{
    if (strstr(hay, needle) != NULL)
        fail_msg("unexpected %s in:\n%s", needle, hay);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* No script, no URL leaving the sidecar, no NaN or inf. */
static void self_contained(const char *page)
{
    lacks(page, "<script");
    lacks(page, "http:");
    lacks(page, "https:");
    lacks(page, "//");
    lacks(page, "nan");
    lacks(page, "inf%");
    has(page, "<meta name=\"viewport\"");
    has(page, "<html lang=\"en\">");
    assert_int_equal(count(page, "<style>"), 1);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void has_all(const char *hay, const char *const *needles, size_t n)
{
    for (size_t i = 0; i < n; i++)
        has(hay, needles[i]);
}

/* The index page of s[0..n) at now (s NULL: before any snapshot); the caller frees it. */
static char *index_page(struct snapshot_slo *s, size_t n, int64_t now)
{
    struct snapshot snap;
    struct buf b;

    snap_of(&snap, s, n);
    buf_init(&b, STATUSPAGE_MAX_BYTES);
    assert_int_equal(statuspage_index(s != NULL ? &snap : NULL, now, &b), 0);
    return buf_steal(&b);
}

/* The detail page of one entry with points p[0..np) and no events; the caller frees it. */
static char *detail_page(const struct snapshot_slo *s, const struct history_point *p, size_t np,
                         int history_on, int64_t now)
{
    struct statuspage_instance in = {s, p, np};
    struct buf b;

    buf_init(&b, STATUSPAGE_MAX_BYTES);
    assert_int_equal(statuspage_detail(&in, 1, history_on, NULL, 0, now, &b), 0);
    return buf_steal(&b);
}

struct escape_case {
    const char *in;
    const char *out;
};

static void assert_escapes(int (*escape)(struct buf *, const char *), const struct escape_case *c,
                           size_t n)
{
    struct buf b;

    buf_init(&b, 1024);
    for (size_t i = 0; i < n; i++) {
        buf_reset(&b);
        assert_int_equal(escape(&b, c[i].in), 0);
        assert_string_equal(b.data, c[i].out);
    }
    buf_free(&b);
}

static void test_escape_html_specials(void **state)
{
    static const struct escape_case cases[] = {
        {"<script>alert('x')</script> \"a\" & b",
         "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;a&quot; &amp; b"},
        {"plain", "plain"},
        {"&amp;", "&amp;amp;"},
    };
    struct buf b;

    (void)state;
    assert_escapes(statuspage_escape, cases, N(cases));
    /* Past the cap: fails. */
    buf_init(&b, 8);
    assert_int_equal(statuspage_escape(&b, "<<<<"), -1);
    buf_free(&b);
}

static void test_url_escape_path_segment(void **state)
{
    static const struct escape_case cases[] = {
        {"api-latency_v1.2~x", "api-latency_v1.2~x"},
        {"a b/c?d\"<", "a%20b%2Fc%3Fd%22%3C"},
    };

    (void)state;
    assert_escapes(statuspage_url_escape, cases, N(cases));
}

static const char *const every_field_cells[] = {
    "<tr data-slo=\"checkout-availability\" data-group=\"\">"
    "<th scope=\"row\"><a href=\"slo/checkout-availability\">"
    "checkout-availability</a>",
    "Checkout requests that do not fail",
    "<td data-label=\"Objective\" class=\"num\">99.9%</td>",
    "<td data-label=\"SLI\" class=\"num\">99.925%</td>",
    "<td data-label=\"Budget left\" class=\"num\"><span class=\"nowrap\">"
    "<span class=\"bar\" aria-hidden=\"true\"><span class=\"bg-warning\" "
    "style=\"width:25.0%\"></span></span>25.0%</span></td>",
    "<td data-label=\"Status\"><span class=\"st st-warning\">warning</span></td>",
    "<td data-label=\"Burn 1h\" class=\"num\">14.8</td>",
    "<td data-label=\"Burn 6h\" class=\"num\">2.00</td>",
    "<td data-label=\"Burn 1d\" class=\"num\">0.50</td>",
    "<td data-label=\"Alerts firing\"><span class=\"firing\">page</span></td>",
    "<td data-label=\"Exhausted in\" class=\"num\">11h50m</td>",
    "<td data-label=\"Last evaluation\"><time datetime=\"2026-11-01T00:00:00Z\" "
    "title=\"2026-11-01 00:00:00 UTC\">42s ago</time></td>",
    "Evaluated at <span><time datetime=\"2026-11-01T00:00:00Z\">2026-11-01 "
    "00:00:00 UTC</time> <span class=\"muted\">(42s ago)</span></span>.</p>",
    "<p>1 SLO: 1 warning. Evaluated at",
    "<th scope=\"col\">Budget left</th>",
    "<caption id=\"slos-caption\">Every SLO, one row per group of a grouped "
    "SLO</caption>",
};

static void test_index_every_field(void **state)
{
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_entry(&s);
    page = index_page(&s, 1, T0 + 42000);
    self_contained(page);
    has_all(page, every_field_cells, N(every_field_cells));
    free(page);
}

static const char *const absent_index_cells[] = {
    "<td data-label=\"SLI\" class=\"num\">no data</td>",
    "<td data-label=\"Budget left\" class=\"num\">no data</td>",
    "<span class=\"st st-none\">no data</span>",
    "<td data-label=\"Burn 1h\" class=\"num\">no data</td>",
    "<td data-label=\"Burn 6h\" class=\"num\">no data</td>",
    "<td data-label=\"Alerts firing\">none</td>",
    "<td data-label=\"Exhausted in\" class=\"num\">no data</td>",
    "<td data-label=\"Last evaluation\">no data</td>",
};

static void test_index_absent_figures_say_no_data(void **state)
{
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_empty(&s);
    page = index_page(&s, 1, T0);
    self_contained(page);
    has_all(page, absent_index_cells, N(absent_index_cells));
    lacks(page, "0.000%");
    lacks(page, ">0<");
    free(page);
}

static void test_index_zero_burn_is_not_burning(void **state)
{
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_entry(&s);
    wins[0] = win("1h", HOUR, 1000, 0, 0.999);
    s.budget.has_tte = 0;
    page = index_page(&s, 1, T0);
    has(page, "<td data-label=\"Burn 1h\" class=\"num\">0.00</td>");
    has(page, "<td data-label=\"Exhausted in\" class=\"num\">not burning</td>");
    free(page);
}

static void test_index_escapes_config_text(void **state)
{
    struct snapshot_slo s;
    struct labels g = {0, NULL};
    char *page;

    (void)state;
    fill_entry(&s);
    s.description = "<script>alert(\"x\")</script> & 'quotes'";
    assert_int_equal(labels_set(&g, "ns", "a\"><script>"), 0);
    s.group = g;
    page = index_page(&s, 1, T0);
    self_contained(page);
    has(page, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;");
    has(page, "data-group=\"ns=a&quot;&gt;&lt;script&gt;\"");
    has(page, "{ns=&quot;a&quot;&gt;&lt;script&gt;&quot;}");
    labels_free(&g);
    free(page);
}

static const char *const grouped_rows[] = {
    "<tr data-slo=\"api-latency\" data-group=\"namespace=a,zone=z1\">",
    "<tr data-slo=\"api-latency\" data-group=\"namespace=b\">",
    "{namespace=&quot;a&quot;, zone=&quot;z1&quot;}",
    "<p>3 SLOs: 1 exhausted, 1 warning, 1 no data.",
    "<span class=\"st st-exhausted\">exhausted</span>",
};

static void test_index_grouped(void **state)
{
    struct snapshot_slo s[3];
    struct labels ga = {0, NULL}, gb = {0, NULL};
    char *page;

    (void)state;
    fill_entry(&s[0]);
    s[0].name = "api-latency";
    s[0].status = SLO_STATUS_EXHAUSTED;
    assert_int_equal(labels_set(&ga, "namespace", "a"), 0);
    assert_int_equal(labels_set(&ga, "zone", "z1"), 0);
    s[0].group = ga;
    fill_entry(&s[1]);
    s[1].name = "api-latency";
    assert_int_equal(labels_set(&gb, "namespace", "b"), 0);
    s[1].group = gb;
    fill_empty(&s[2]);
    page = index_page(s, 3, T0);
    has_all(page, grouped_rows, N(grouped_rows));
    free(page);
    s[1].alerts[1].firing = 1;
    page = index_page(s, 3, T0);
    has(page, "<td data-label=\"Alerts firing\"><span class=\"firing\">page, ticket</span>");
    assert_int_equal(count(page, "<tr data-slo="), 3);
    free(page);
    labels_free(&ga);
    labels_free(&gb);
}

static void test_index_without_snapshot(void **state)
{
    char *page;

    (void)state;
    page = index_page(NULL, 0, T0);
    self_contained(page);
    has(page, "No evaluation yet");
    lacks(page, "<table");
    free(page);
}

static struct history_point pt(int64_t t, double remaining, double burn, unsigned flags)
{
    struct history_point p;

    memset(&p, 0, sizeof(p));
    p.t_ms = t;
    p.remaining = (float)remaining;
    p.burn = (float)burn;
    p.sli = 0.999F;
    p.flags = (uint8_t)(flags | HISTORY_HAS_SLI);
    return p;
}

#define BOTH (HISTORY_HAS_BUDGET | HISTORY_HAS_BURN)

/* fill_entry with the rolling 4h period ending at T0 that the coordinates below assume. */
static void fill_rolling_4h(struct snapshot_slo *s)
{
    fill_entry(s);
    s->period_ms = 4 * HOUR;
    wins[3].w.ms = 4 * HOUR;
}

/*
 * A rolling 4h period ending at T0: x = 52 + (t - (T0 - 4h)) / 4h * 502,
 * budget y = 14 + (1 - v) * 194; burn over [first point, T0] with y from 0
 * to 16: y = 14 + (16 - v) / 16 * 194.
 */
static const char *const known_point_parts[] = {
    "d=\"M177.5,14.0L303.0,111.0L554.0,159.5\"",
    /* burn: x over [T0 - 3h, T0]: 52, 219.3, 554; y 208.0, 111.0, 159.5 */
    "d=\"M52.0,208.0L219.3,111.0L554.0,159.5\"",
    "<svg class=\"chart\" id=\"burndown-0\" viewBox=\"0 0 600 250\" role=\"img\" "
    "aria-label=\"Error budget left from 2026-10-31 20:00:00 UTC to 2026-11-01 "
    "00:00:00 UTC: 3 points, lowest 25.0%, highest 100.0%\"><title>",
    "id=\"burn-0\"",
    ">14.4x</text>",
    ">6x</text>",
    ">1x</text>",
    ">time (UTC)</text>",
    ">budget left</text>",
    ">burn rate</text>",
    /* figures and windows */
    "<h1>checkout-availability</h1>",
    "<tr><th scope=\"row\">30d</th><td class=\"num\">1200000</td>"
    "<td class=\"num\">900</td><td class=\"num\">1200900</td>"
    "<td class=\"num\">99.925%</td><td class=\"num\">0.075%</td>"
    "<td class=\"num\">0.75</td></tr>",
    "<tr><th scope=\"row\">Budget left as full outage</th><td>10m48s</td></tr>",
    "<tr><th scope=\"row\">Objective met</th><td>yes</td></tr>",
    "No status changes or alerts recorded.",
};

static void test_detail_paths_from_known_points(void **state)
{
    struct history_point p[3];
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_rolling_4h(&s);
    p[0] = pt(T0 - 3 * HOUR, 1, 0, BOTH);
    p[1] = pt(T0 - 2 * HOUR, 0.5, 8, BOTH);
    p[2] = pt(T0, 0.25, 4, BOTH);
    page = detail_page(&s, p, 3, 1, T0);
    self_contained(page);
    has_all(page, known_point_parts, N(known_point_parts));
    /* rolling: no ideal line */
    lacks(page, "class=\"ideal\"");
    free(page);
}

static const char *const calendar_parts[] = {
    "class=\"ideal\" x1=\"52.0\" y1=\"14.0\" x2=\"554.0\" y2=\"111.0\"",
    "d=\"M52.0,14.0L303.0,208.0\"",
    ">-100%</text>",
    ("month (calendar: 2026-11-01 00:00:00 UTC to 2026-12-01 00:00:00 UTC, 50% "
     "elapsed)"),
    ">11-01</text>",
    ">12-01</text>",
};

static void test_detail_calendar_has_ideal_line(void **state)
{
    struct history_point p[2];
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_entry(&s);
    snprintf(wins[3].w.name, sizeof(wins[3].w.name), "period");
    s.period_name = "month";
    s.period_start_ms = T0;
    s.period_ms = 30 * DAY;
    s.period_elapsed = 0.5;
    /* half-way: 15 days in; lowest -1.0 puts 0% at 14 + 194 / 2 */
    p[0] = pt(T0, 1, 1, BOTH);
    p[1] = pt(T0 + 15 * DAY, -1, 1, BOTH);
    page = detail_page(&s, p, 2, 1, T0 + 15 * DAY);
    has_all(page, calendar_parts, N(calendar_parts));
    free(page);
}

static void test_detail_missing_point_breaks_line(void **state)
{
    struct history_point p[5];
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_rolling_4h(&s);
    p[0] = pt(T0 - 5 * HOUR, 1, 1, BOTH); /* before the period: left out */
    p[1] = pt(T0 - 3 * HOUR, 1, 1, BOTH);
    p[2] = pt(T0 - 2 * HOUR, 0, 0, 0); /* no figures: a gap, not 0 */
    p[3] = pt(T0 - HOUR, 0.5, 1, HISTORY_HAS_BUDGET);
    p[4] = pt(T0, 0.25, 1, BOTH);
    page = detail_page(&s, p, 5, 1, T0);
    has(page, "d=\"M177.5,14.0h0M428.5,111.0L554.0,159.5\"");
    /* burn over [T0 - 5h, T0]: p0, p1, then gaps at p2 and p3 */
    has(page, "d=\"M52.0,195.9L252.8,195.9M554.0,195.9h0\"");
    free(page);
}

/*
 * Reconstructed points are drawn as a dotted line of their own that meets
 * the live one (it takes the live point next to it), and the caption says
 * so; the live line skips them. Same coordinates as above.
 */
static void test_detail_reconstructed_points_are_dotted(void **state)
{
    struct history_point p[3];
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_rolling_4h(&s);
    p[0] = pt(T0 - 3 * HOUR, 1, 0, BOTH | HISTORY_RECONSTRUCTED);
    p[1] = pt(T0 - 2 * HOUR, 0.5, 8, BOTH | HISTORY_RECONSTRUCTED);
    p[2] = pt(T0, 0.25, 4, BOTH);
    page = detail_page(&s, p, 3, 1, T0);
    self_contained(page);
    /* live: the one live point, a dot; reconstructed: all three */
    has(page, "stroke-linecap=\"round\" d=\"M554.0,159.5h0\"");
    has(page, "<path class=\"line reconstructed\" fill=\"none\" stroke=\"#1f5fbf\" "
              "stroke-width=\"2\" stroke-dasharray=\"1 4\" stroke-linejoin=\"round\" "
              "stroke-linecap=\"round\" d=\"M177.5,14.0L303.0,111.0L554.0,159.5\"");
    has(page, "Dotted: reconstructed from the store's data when the sidecar started");
    free(page);
    /* Without reconstructed points: no dotted line, no words about it. */
    p[0].flags = p[1].flags = (uint8_t)(BOTH | HISTORY_HAS_SLI);
    page = detail_page(&s, p, 3, 1, T0);
    lacks(page, "reconstructed");
    lacks(page, "Dotted");
    free(page);
}

static void test_detail_without_history(void **state)
{
    struct history_point p;
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_entry(&s);
    page = detail_page(&s, NULL, 0, 0, T0);
    self_contained(page);
    assert_int_equal(count(page, "No chart: this sidecar keeps no history."), 2);
    has(page, "No events: this sidecar keeps no history.");
    lacks(page, "<svg");
    free(page);
    /* History on, one point: not enough for a line. */
    p = pt(T0, 0.5, 1, BOTH);
    page = detail_page(&s, &p, 1, 1, T0);
    assert_int_equal(count(page, "the history has 1 point in this range and a line needs 2"), 2);
    lacks(page, "<svg");
    free(page);
}

static const char *const absent_detail_rows[] = {
    "<tr><th scope=\"row\">1h</th><td class=\"num\">no data</td>"
    "<td class=\"num\">no data</td><td class=\"num\">no data</td>"
    "<td class=\"num\">no data</td><td class=\"num\">no data</td>"
    "<td class=\"num\">no data</td></tr>",
    "<tr><th scope=\"row\">SLI over the period</th><td>no data</td></tr>",
    "<tr><th scope=\"row\">Error budget left</th><td>no data</td></tr>",
    "<tr><th scope=\"row\">Objective met</th><td>no data</td></tr>",
    "the history has 0 points",
};

static void test_detail_absent_figures_say_no_data(void **state)
{
    struct snapshot_slo s;
    char *page;

    (void)state;
    fill_empty(&s);
    page = detail_page(&s, NULL, 0, 1, T0);
    self_contained(page);
    has_all(page, absent_detail_rows, N(absent_detail_rows));
    lacks(page, "Budget left as full outage");
    free(page);
}

static void test_detail_grouped_caps_charts(void **state)
{
    enum {
        N = STATUSPAGE_MAX_CHART_GROUPS + 2
    };
    struct snapshot_slo s[N];
    struct statuspage_instance in[N];
    struct labels g[N];
    struct history_point p[2];
    struct buf b;
    char v[16];

    (void)state;
    p[0] = pt(T0 - HOUR, 1, 1, BOTH);
    p[1] = pt(T0, 0.9, 2, BOTH);
    for (size_t i = 0; i < N; i++) {
        fill_entry(&s[i]);
        labels_init(&g[i]);
        snprintf(v, sizeof(v), "ns%zu", i);
        assert_int_equal(labels_set(&g[i], "namespace", v), 0);
        s[i].group = g[i];
        in[i].slo = &s[i];
        in[i].points = p;
        in[i].npoints = 2;
    }
    buf_init(&b, STATUSPAGE_MAX_BYTES);
    assert_int_equal(statuspage_detail(in, N, 1, NULL, 0, T0, &b), 0);
    has(b.data, "<h2 id=\"inst-0\">Group namespace=&quot;ns0&quot;</h2>");
    has(b.data, "<h2 id=\"inst-13\">Group namespace=&quot;ns13&quot;</h2>");
    assert_int_equal(count(b.data, "<svg"), 2 * STATUSPAGE_MAX_CHART_GROUPS);
    assert_int_equal(count(b.data, "Charts are drawn for the first 12 groups only."), 1);
    assert_int_equal(count(b.data, "<caption id=\"windows-"), N);
    for (size_t i = 0; i < N; i++)
        labels_free(&g[i]);
    buf_free(&b);
}

static void test_detail_events_newest_first(void **state)
{
    struct snapshot_slo s;
    struct statuspage_instance in = {&s, NULL, 0};
    struct history_event ev[2];
    struct buf b;
    const char *a, *c;

    (void)state;
    fill_entry(&s);
    memset(ev, 0, sizeof(ev));
    ev[0].id = 1;
    ev[0].t_ms = T0 - HOUR;
    ev[0].kind = HISTORY_EVENT_STATUS;
    ev[0].slo = "checkout-availability";
    ev[0].has_from = 1;
    ev[0].from = SLO_STATUS_HEALTHY;
    ev[0].to = SLO_STATUS_WARNING;
    ev[0].flags = HISTORY_HAS_SLI | HISTORY_HAS_BUDGET;
    ev[0].sli = 0.9995;
    ev[0].remaining = 0.5;
    ev[1].id = 2;
    ev[1].t_ms = T0;
    ev[1].kind = HISTORY_EVENT_ALERT;
    ev[1].slo = "checkout-availability";
    ev[1].severity = CONFIG_SEVERITY_PAGE;
    ev[1].firing = 1;
    ev[1].flags = HISTORY_HAS_BURN;
    ev[1].burn = 15.2;
    buf_init(&b, STATUSPAGE_MAX_BYTES);
    assert_int_equal(statuspage_detail(&in, 1, 1, ev, 2, T0, &b), 0);
    a = strstr(b.data, "<span class=\"firing\">page</span> alert started firing</td>"
                       "<td class=\"num\">no data</td><td class=\"num\">no data</td>"
                       "<td class=\"num\">15.2</td>");
    c = strstr(b.data, "status healthy &rarr; warning</td><td class=\"num\">99.950%</td>"
                       "<td class=\"num\">50.0%</td><td class=\"num\">no data</td>");
    assert_non_null(a);
    assert_non_null(c);
    assert_true(a < c);
    has(b.data, "<td class=\"nowrap\">2026-10-31 23:00:00 UTC</td>");
    buf_free(&b);
}

static void test_not_found_escapes_name(void **state)
{
    struct snapshot_slo s[2];
    struct snapshot snap;
    struct buf b;

    (void)state;
    fill_entry(&s[0]);
    fill_empty(&s[1]);
    snap_of(&snap, s, 2);
    buf_init(&b, STATUSPAGE_MAX_BYTES);
    assert_int_equal(statuspage_not_found("<img src=x>", &snap, &b), 0);
    self_contained(b.data);
    has(b.data, "No SLO is named &ldquo;&lt;img src=x&gt;&rdquo;.");
    has(b.data, "<li><a href=\"../slo/checkout-availability\">checkout-availability</a></li>");
    has(b.data, "<li><a href=\"../slo/quiet\">quiet</a></li>");
    lacks(b.data, "<img");
    buf_free(&b);
}

static void test_pages_fail_past_cap(void **state)
{
    struct snapshot_slo s;
    struct snapshot snap;
    struct statuspage_instance in = {&s, NULL, 0};
    struct buf b;

    (void)state;
    fill_entry(&s);
    snap_of(&snap, &s, 1);
    buf_init(&b, 2000);
    assert_int_equal(statuspage_index(&snap, T0, &b), -1);
    assert_int_equal(statuspage_detail(&in, 1, 1, NULL, 0, T0, &b), -1);
    assert_int_equal(statuspage_detail(&in, 0, 1, NULL, 0, T0, &b), -1);
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_html_specials),
        cmocka_unit_test(test_url_escape_path_segment),
        cmocka_unit_test(test_index_every_field),
        cmocka_unit_test(test_index_absent_figures_say_no_data),
        cmocka_unit_test(test_index_zero_burn_is_not_burning),
        cmocka_unit_test(test_index_escapes_config_text),
        cmocka_unit_test(test_index_grouped),
        cmocka_unit_test(test_index_without_snapshot),
        cmocka_unit_test(test_detail_paths_from_known_points),
        cmocka_unit_test(test_detail_calendar_has_ideal_line),
        cmocka_unit_test(test_detail_missing_point_breaks_line),
        cmocka_unit_test(test_detail_reconstructed_points_are_dotted),
        cmocka_unit_test(test_detail_without_history),
        cmocka_unit_test(test_detail_absent_figures_say_no_data),
        cmocka_unit_test(test_detail_grouped_caps_charts),
        cmocka_unit_test(test_detail_events_newest_first),
        cmocka_unit_test(test_not_found_escapes_name),
        cmocka_unit_test(test_pages_fail_past_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
