/* Unit tests for history: points, thinning, events, groups, image. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binio.h"
#include "config.h"
#include "history.h"

#define MIN 60000LL
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define T0 1793491200000LL

static const char yaml[] = "global:\n"
                           "  prometheus: {url: 'http://127.0.0.1:9090'}\n"
                           "slos:\n"
                           "  - name: a\n"
                           "    service: s\n"
                           "    objective: 99\n"
                           "    period: 7d\n"
                           "    sli: {events: {error: 'e_total', total: 't_total'}}\n"
                           "  - name: b\n"
                           "    service: s\n"
                           "    objective: 99\n"
                           "    period: 30d\n"
                           "    sli: {events: {error: 'e_total', total: 't_total'}}\n";

static const char yaml_only_b[] = "global:\n"
                                  "  prometheus: {url: 'http://127.0.0.1:9090'}\n"
                                  "slos:\n"
                                  "  - name: b\n"
                                  "    service: s\n"
                                  "    objective: 99\n"
                                  "    period: 30d\n"
                                  "    sli: {events: {error: 'e_total', total: 't_total'}}\n";

static struct config *load(const char *text, size_t len)
{
    struct config *cfg = NULL;

    assert_int_equal(config_parse("h.yaml", text, len, &cfg, NULL), 0);
    return cfg;
}

/* Windows of an entry: 1h and the period. */
static struct slo_window_result wins[2];
static char name_a[] = "a";
static char name_b[] = "b";

/*
 * An entry of SLO name at t: period SLI sli (absent when < 0), budget
 * remaining rem, 1h burn burn (absent when < 0), status st, page alert firing.
 */
static struct snapshot_slo entry(char *name, int64_t t, double sli, double rem, double burn,
                                 enum slo_status st, int page)
{
    struct snapshot_slo s;

    memset(&s, 0, sizeof(s));
    memset(wins, 0, sizeof(wins));
    s.name = name;
    s.period_ms = 7 * DAY;
    s.evaluated_ms = t;
    wins[0].w.ms = HOUR;
    snprintf(wins[0].w.name, sizeof(wins[0].w.name), "1h");
    wins[0].has_ratio = burn >= 0;
    wins[0].burn_rate = burn;
    wins[1].w.ms = 7 * DAY;
    wins[1].w.is_period = 1;
    snprintf(wins[1].w.name, sizeof(wins[1].w.name), "7d");
    wins[1].has_ratio = sli >= 0;
    wins[1].sli = sli;
    s.nwin = 2;
    s.win = wins;
    s.budget.has = sli >= 0;
    s.budget.remaining = rem;
    s.status = st;
    s.nalerts = 2;
    s.alerts[0].severity = CONFIG_SEVERITY_PAGE;
    s.alerts[0].firing = page;
    s.alerts[1].severity = CONFIG_SEVERITY_TICKET;
    s.alerts[1].firing = 0;
    return s;
}

/* Records one entry in a one-entry snapshot; returns the events derived. */
static size_t record1(struct history *h, const struct config *cfg, struct snapshot_slo s,
                      struct history_event **ev)
{
    struct snapshot snap;
    size_t n = 0;

    memset(&snap, 0, sizeof(snap));
    snap.at_ms = s.evaluated_ms;
    snap.n = 1;
    snap.slos = &s;
    assert_int_equal(history_record(h, cfg, &snap, ev, &n), 0);
    return n;
}

static void test_points_keep_figures_and_absence(void **state)
{
    struct history *h = history_new();
    struct history_point *p;
    size_t n;

    (void)state;
    record1(h, NULL, entry(name_a, T0, 0.995, 0.5, 2.0, SLO_STATUS_HEALTHY, 0), NULL);
    record1(h, NULL, entry(name_a, T0 + MIN, -1, 0, -1, SLO_STATUS_NONE, 0), NULL);
    assert_int_equal(history_points(h, "a", NULL, 0, &p, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(p[0].t_ms, T0);
    assert_true(p[0].flags == (HISTORY_HAS_SLI | HISTORY_HAS_BUDGET | HISTORY_HAS_BURN));
    assert_close(p[0].sli, (float)0.995);
    assert_close(p[0].remaining, 0.5);
    assert_close(p[0].burn, 2.0);
    assert_int_equal(p[1].flags, 0);
    assert_int_equal(p[1].status, SLO_STATUS_NONE);
    free(p);
    /* since_ms filters; an unknown instance has no points. */
    assert_int_equal(history_points(h, "a", NULL, T0 + 1, &p, &n), 0);
    assert_int_equal(n, 1);
    free(p);
    assert_int_equal(history_points(h, "zzz", NULL, 0, &p, &n), 0);
    assert_int_equal(n, 0);
    assert_null(p);
    history_free(h);
}

static void test_same_evaluation_is_not_recorded_twice(void **state)
{
    struct history *h = history_new();
    struct history_point *p;
    size_t n;

    (void)state;
    record1(h, NULL, entry(name_a, T0, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    /* A snapshot that kept the entry after a failed evaluation. */
    record1(h, NULL, entry(name_a, T0, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    assert_int_equal(history_points(h, "a", NULL, 0, &p, &n), 0);
    assert_int_equal(n, 1);
    free(p);
    history_free(h);
}

/* Ten days at one point a minute: thinned to the tiers, cut at the 7d retention. */
static void test_thinning_by_age(void **state)
{
    struct history *h = history_new();
    struct history_point *p;
    size_t n, full = 0, mid = 0, old = 0;
    int64_t last = T0 + 10 * DAY;

    (void)state;
    for (int64_t t = T0; t <= last; t += MIN)
        record1(h, NULL, entry(name_a, t, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    assert_int_equal(history_points(h, "a", NULL, 0, &p, &n), 0);
    for (size_t i = 0; i < n; i++) {
        int64_t age = last - p[i].t_ms;

        assert_true(age <= 7 * DAY + HOUR);
        if (i > 0)
            assert_true(p[i].t_ms > p[i - 1].t_ms);
        if (age <= 6 * HOUR)
            full++;
        else if (age <= 2 * DAY)
            mid++;
        else
            old++;
    }
    /*
     * Thinning runs every 32 points, so up to 31 recent points have not been
     * thinned yet; each tier is close to its ideal count: 361 full points,
     * one per 10 minutes over 42 hours (252), one per hour over 5 days (120).
     */
    assert_true(full >= 361 && full <= 361 + 31);
    assert_true(mid >= 250 && mid <= 254 + 31);
    assert_true(old >= 118 && old <= 122 + 31);
    free(p);
    history_free(h);
}

static void test_events_on_status_and_alert_changes(void **state)
{
    struct history *h = history_new();
    struct history_event *ev = NULL, *all;
    size_t n;

    (void)state;
    /* First sight healthy: nothing. */
    assert_int_equal(record1(h, NULL, entry(name_a, T0, 0.999, 0.9, 1, SLO_STATUS_HEALTHY, 0),
                             &ev),
                     0);
    history_events_free(ev, 0);
    assert_int_equal(record1(h, NULL,
                             entry(name_a, T0 + MIN, 0.99, 0.1, 20, SLO_STATUS_CRITICAL, 1), &ev),
                     2);
    assert_int_equal(ev[0].kind, HISTORY_EVENT_STATUS);
    assert_true(ev[0].has_from);
    assert_int_equal(ev[0].from, SLO_STATUS_HEALTHY);
    assert_int_equal(ev[0].to, SLO_STATUS_CRITICAL);
    assert_int_equal(ev[0].id, 1);
    assert_int_equal(ev[0].t_ms, T0 + MIN);
    assert_close(ev[0].burn, 20);
    assert_int_equal(ev[1].kind, HISTORY_EVENT_ALERT);
    assert_int_equal(ev[1].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(ev[1].firing, 1);
    assert_int_equal(ev[1].id, 2);
    assert_string_equal(ev[1].slo, "a");
    history_events_free(ev, 2);
    /* Unchanged: nothing. */
    assert_int_equal(record1(h, NULL,
                             entry(name_a, T0 + 2 * MIN, 0.99, 0.1, 20, SLO_STATUS_CRITICAL, 1),
                             &ev),
                     0);
    history_events_free(ev, 0);
    /* Back to healthy, alert resolved. */
    assert_int_equal(record1(h, NULL,
                             entry(name_a, T0 + 3 * MIN, 0.999, 0.9, 0.5, SLO_STATUS_HEALTHY, 0),
                             &ev),
                     2);
    assert_int_equal(ev[0].to, SLO_STATUS_HEALTHY);
    assert_int_equal(ev[1].firing, 0);
    history_events_free(ev, 2);
    /* First sight already exhausted (another SLO): an event from unknown. */
    assert_int_equal(record1(h, NULL,
                             entry(name_b, T0 + 3 * MIN, 0.9, -2, 30, SLO_STATUS_EXHAUSTED, 0),
                             &ev),
                     1);
    assert_false(ev[0].has_from);
    assert_int_equal(ev[0].to, SLO_STATUS_EXHAUSTED);
    history_events_free(ev, 1);

    assert_int_equal(history_events(h, 0, NULL, 0, &all, &n), 0);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i].id, i + 1);
    history_events_free(all, n);
    assert_int_equal(history_events(h, 3, NULL, 0, &all, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all[0].id, 4);
    history_events_free(all, n);
    assert_int_equal(history_events(h, 0, "b", 0, &all, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(all[0].slo, "b");
    history_events_free(all, n);
    /* limit keeps the newest. */
    assert_int_equal(history_events(h, 0, NULL, 2, &all, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(all[0].id, 4);
    assert_int_equal(all[1].id, 5);
    history_events_free(all, n);
    history_free(h);
}

/* entry() with its page alert turned off (alerting.page: false): not in the entry. */
static struct snapshot_slo entry_page_off(char *name, int64_t t, enum slo_status st)
{
    struct snapshot_slo s = entry(name, t, 0.99, 0.5, 20, st, 0);

    s.alerts[0] = s.alerts[1];
    s.nalerts = 1;
    return s;
}

/*
 * An alert turned off gives no event, however the SLO burns. One that fired
 * when a reload turned it off stops once (receivers are not left with it),
 * then is quiet; turned on again, it starts afresh.
 */
static void test_alert_turned_off_gives_no_events(void **state)
{
    struct history *h = history_new();
    struct history_event *ev = NULL;

    (void)state;
    assert_int_equal(record1(h, NULL, entry_page_off(name_a, T0, SLO_STATUS_HEALTHY), &ev), 0);
    history_events_free(ev, 0);
    assert_int_equal(record1(h, NULL, entry_page_off(name_a, T0 + MIN, SLO_STATUS_HEALTHY), &ev),
                     0);
    history_events_free(ev, 0);

    assert_int_equal(record1(h, NULL, entry(name_b, T0, 0.99, 0.5, 20, SLO_STATUS_HEALTHY, 1),
                             &ev),
                     1);
    assert_int_equal(ev[0].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(ev[0].firing, 1);
    history_events_free(ev, 1);
    assert_int_equal(record1(h, NULL, entry_page_off(name_b, T0 + MIN, SLO_STATUS_HEALTHY), &ev),
                     1);
    assert_int_equal(ev[0].kind, HISTORY_EVENT_ALERT);
    assert_int_equal(ev[0].severity, CONFIG_SEVERITY_PAGE);
    assert_int_equal(ev[0].firing, 0);
    history_events_free(ev, 1);
    assert_int_equal(record1(h, NULL, entry_page_off(name_b, T0 + 2 * MIN, SLO_STATUS_HEALTHY),
                             &ev),
                     0);
    history_events_free(ev, 0);
    assert_int_equal(record1(h, NULL,
                             entry(name_b, T0 + 3 * MIN, 0.99, 0.5, 20, SLO_STATUS_HEALTHY, 1),
                             &ev),
                     1);
    assert_int_equal(ev[0].firing, 1);
    history_events_free(ev, 1);
    history_free(h);
}

static void test_event_ring_drops_the_oldest(void **state)
{
    struct history *h = history_new();
    struct history_event *all;
    size_t n;

    (void)state;
    for (int i = 0; i < HISTORY_MAX_EVENTS + 10; i++)
        record1(h, NULL,
                entry(name_a, T0 + i * MIN, 0.99, 0.5, 1,
                      i % 2 ? SLO_STATUS_WARNING : SLO_STATUS_HEALTHY, 0),
                NULL);
    assert_int_equal(history_events(h, 0, NULL, 0, &all, &n), 0);
    assert_int_equal(n, HISTORY_MAX_EVENTS);
    /* Events come from i = 1 on: ids 1..1009, the first 9 dropped. */
    assert_int_equal(all[0].id, 10);
    assert_int_equal(all[n - 1].id, HISTORY_MAX_EVENTS + 9);
    history_events_free(all, n);
    history_free(h);
}

static void test_groups_and_removed_slos(void **state)
{
    struct history *h = history_new();
    struct config *cfg = load(yaml, sizeof(yaml) - 1);
    struct config *cfg2 = load(yaml_only_b, sizeof(yaml_only_b) - 1);
    struct snapshot_slo s[3];
    struct snapshot snap;
    struct labels *g;
    size_t n, inst, pts;

    (void)state;
    s[0] = entry(name_a, T0, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0);
    s[1] = entry(name_b, T0, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0);
    s[2] = s[1];
    labels_init(&s[1].group);
    labels_init(&s[2].group);
    assert_int_equal(labels_set(&s[1].group, "ns", "zeta"), 0);
    assert_int_equal(labels_set(&s[2].group, "ns", "alpha"), 0);
    memset(&snap, 0, sizeof(snap));
    snap.at_ms = T0;
    snap.n = 3;
    snap.slos = s;
    assert_int_equal(history_record(h, cfg, &snap, NULL, NULL), 0);
    assert_int_equal(history_groups(h, "b", &g, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(labels_get(&g[0], "ns"), "alpha");
    assert_string_equal(labels_get(&g[1], "ns"), "zeta");
    history_groups_free(g, n);
    history_sizes(h, &inst, &pts);
    assert_int_equal(inst, 3);
    /* After a reload without SLO a (announced, as the daemon does), its instance is forgotten. */
    snap.n = 0;
    history_config_changed(h);
    assert_int_equal(history_record(h, cfg2, &snap, NULL, NULL), 0);
    history_sizes(h, &inst, &pts);
    assert_int_equal(inst, 2);
    /* A group not seen for longer than its retention vanishes. */
    snap.at_ms = T0 + 31 * DAY;
    assert_int_equal(history_record(h, cfg2, &snap, NULL, NULL), 0);
    history_sizes(h, &inst, &pts);
    assert_int_equal(inst, 0);
    labels_free(&s[1].group);
    labels_free(&s[2].group);
    config_free(cfg);
    config_free(cfg2);
    history_free(h);
}

static struct history *sample(void)
{
    struct history *h = history_new();

    for (int i = 0; i < 50; i++)
        record1(h, NULL,
                entry(i % 3 ? name_a : name_b, T0 + i * MIN, 0.99, 0.5 - i * 0.01,
                      i % 7 ? 1.5 : -1, i % 4 ? SLO_STATUS_WARNING : SLO_STATUS_HEALTHY,
                      i % 5 == 0),
                NULL);
    return h;
}

static void test_image_round_trip(void **state)
{
    struct history *h = sample(), *h2 = history_new();
    struct buf a, b;
    struct err e = {{0}};
    struct history_event *ev;
    size_t n;

    (void)state;
    buf_init(&a, 1u << 24);
    buf_init(&b, 1u << 24);
    assert_int_equal(history_save(h, &a), 0);
    assert_int_equal(history_load(h2, (const uint8_t *)a.data, a.len, &e), 2);
    assert_int_equal(history_save(h2, &b), 0);
    assert_int_equal(a.len, b.len);
    assert_memory_equal(a.data, b.data, a.len);
    /* Ids go on after a restore. */
    record1(h2, NULL, entry(name_a, T0 + 100 * MIN, 0.5, -1, 99, SLO_STATUS_EXHAUSTED, 1), &ev);
    assert_true(ev[0].id > 1);
    {
        struct history_event *old;
        size_t no;

        assert_int_equal(history_events(h, 0, NULL, 0, &old, &no), 0);
        assert_int_equal(ev[0].id, old[no - 1].id + 1);
        history_events_free(old, no);
    }
    history_events_free(ev, 2);
    (void)n;
    buf_free(&a);
    buf_free(&b);
    history_free(h);
    history_free(h2);
}

/* Every truncation and every single-byte change is refused or loads cleanly; never crashes. */
static void test_damaged_images_change_nothing(void **state)
{
    struct history *h = sample(), *h2 = history_new();
    struct buf a, before, after;
    struct err e = {{0}};
    size_t refused = 0;

    (void)state;
    buf_init(&a, 1u << 24);
    buf_init(&before, 1u << 24);
    buf_init(&after, 1u << 24);
    assert_int_equal(history_save(h, &a), 0);
    assert_int_equal(history_save(h2, &before), 0);
    for (size_t len = 0; len < a.len; len += 7) {
        assert_int_equal(history_load(h2, (const uint8_t *)a.data, len, &e), -1);
        buf_reset(&after);
        assert_int_equal(history_save(h2, &after), 0);
        assert_int_equal(after.len, before.len);
        assert_memory_equal(after.data, before.data, before.len);
    }
    for (size_t i = 0; i < a.len; i += 3) {
        struct history *h3 = history_new();

        a.data[i] = (char)(a.data[i] ^ 0x5a);
        if (history_load(h3, (const uint8_t *)a.data, a.len, &e) < 0)
            refused++;
        a.data[i] = (char)(a.data[i] ^ 0x5a);
        history_free(h3);
    }
    assert_true(refused > 0);
    buf_free(&a);
    buf_free(&before);
    buf_free(&after);
    history_free(h);
    history_free(h2);
}

/* An hourly reconstructed point at t with SLI sli. */
static struct history_point rpoint(int64_t t, float sli)
{
    struct history_point p;

    memset(&p, 0, sizeof(p));
    p.t_ms = t;
    p.sli = sli;
    p.flags = HISTORY_HAS_SLI;
    p.status = SLO_STATUS_HEALTHY;
    return p;
}

/*
 * Reconstructed points go only where the history has none within a step:
 * before the first live point and into a gap; flagged, in time order,
 * giving no event, kept through an image.
 */
static void test_fill_goes_around_live_points(void **state)
{
    struct history *h = history_new(), *h2 = history_new();
    struct history_point fill[48], *p;
    struct history_event *ev;
    struct buf img;
    struct err e = {{0}};
    size_t n, added, nev;

    (void)state;
    /* Live: T0 + 30h .. T0 + 32h every 10 minutes, and T0 + 40h. */
    for (int64_t t = T0 + 30 * HOUR; t <= T0 + 32 * HOUR; t += 10 * MIN)
        record1(h, NULL, entry(name_a, t, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    record1(h, NULL, entry(name_a, T0 + 40 * HOUR, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    for (int k = 0; k < 48; k++)
        fill[k] = rpoint(T0 + (k + 1) * HOUR, 0.5f);
    assert_int_equal(history_fill(h, "a", NULL, 7 * DAY, fill, 48, HOUR, &added), 0);
    /* Hours 1..29, 33..39, 41..48: not 30..32 (live), nor 40 (live). */
    assert_int_equal(added, 29 + 7 + 8);
    assert_int_equal(history_points(h, "a", NULL, 0, &p, &n), 0);
    assert_int_equal(n, added + 13 + 1);
    for (size_t i = 0; i < n; i++) {
        int recon = (p[i].flags & HISTORY_RECONSTRUCTED) != 0;

        if (i > 0)
            assert_true(p[i].t_ms > p[i - 1].t_ms);
        assert_int_equal(recon, p[i].sli < 0.6f);
    }
    assert_true((p[0].flags & HISTORY_RECONSTRUCTED) && p[0].t_ms == T0 + HOUR);
    free(p);
    /* Filling again adds nothing; no event came from the fill. */
    assert_int_equal(history_fill(h, "a", NULL, 7 * DAY, fill, 48, HOUR, &added), 0);
    assert_int_equal(added, 0);
    assert_int_equal(history_events(h, 0, NULL, 0, &ev, &nev), 0);
    assert_int_equal(nev, 0);
    /* The flag survives the image. */
    buf_init(&img, 1u << 24);
    assert_int_equal(history_save(h, &img), 0);
    assert_int_equal(history_load(h2, (const uint8_t *)img.data, img.len, &e), 1);
    assert_int_equal(history_points(h2, "a", NULL, 0, &p, &n), 0);
    assert_true((p[0].flags & HISTORY_RECONSTRUCTED) != 0);
    assert_true((p[n - 1].flags & HISTORY_RECONSTRUCTED) != 0);
    free(p);
    buf_free(&img);
    history_free(h);
    history_free(h2);
}

static void test_gaps(void **state)
{
    struct history *h = history_new();
    struct history_point fill[24];
    size_t added;

    (void)state;
    /* No instance: a gap. */
    assert_int_equal(history_has_gap(h, "a", T0, T0 + DAY, 3 * HOUR), 1);
    for (int64_t t = T0 + 20 * HOUR; t <= T0 + DAY; t += 10 * MIN)
        record1(h, NULL, entry(name_a, t, 0.99, 0.5, 1, SLO_STATUS_HEALTHY, 0), NULL);
    /* Live only for the last 4 hours of the day: a gap before. */
    assert_int_equal(history_has_gap(h, "a", T0, T0 + DAY, 3 * HOUR), 1);
    assert_int_equal(history_has_gap(h, "a", T0 + 18 * HOUR, T0 + DAY, 3 * HOUR), 0);
    for (int k = 0; k < 24; k++)
        fill[k] = rpoint(T0 + (k + 1) * HOUR, 0.5f);
    assert_int_equal(history_fill(h, "a", NULL, 7 * DAY, fill, 24, HOUR, &added), 0);
    assert_int_equal(history_has_gap(h, "a", T0, T0 + DAY, 3 * HOUR), 0);
    /* Nothing after the last point for longer than the gap: a gap. */
    assert_int_equal(history_has_gap(h, "a", T0, T0 + DAY + 4 * HOUR, 3 * HOUR), 1);
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_points_keep_figures_and_absence),
        cmocka_unit_test(test_same_evaluation_is_not_recorded_twice),
        cmocka_unit_test(test_thinning_by_age),
        cmocka_unit_test(test_events_on_status_and_alert_changes),
        cmocka_unit_test(test_alert_turned_off_gives_no_events),
        cmocka_unit_test(test_event_ring_drops_the_oldest),
        cmocka_unit_test(test_groups_and_removed_slos),
        cmocka_unit_test(test_image_round_trip),
        cmocka_unit_test(test_damaged_images_change_nothing),
        cmocka_unit_test(test_fill_goes_around_live_points),
        cmocka_unit_test(test_gaps),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
