/*
 * configslo: one SLO's fields, read and checked into struct config_slo.
 * See configslo.h.
 */
#include "configslo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "selector.h"
#include "tzinfo.h"
#include "util.h"
#include "yamlread.h"

/* The shortest standard alert window; time slices must tile it. */
#define SHORTEST_WINDOW_MS (5 * MIN_MS)

/* SLOs in one file, and in all files together; their names are compared
 * with every other's, so the limit also keeps loading fast. */
#define MAX_SLOS 10000

/*
 * Requires exactly one of the fields a and b of mapping n. Returns 0 when
 * that holds, else -1 (reported).
 */
static int one_of(struct cf_ctx *c, yaml_node_t *n, const char *path, const char *a, const char *b)
{
    int ha = yr_get(&c->y, n, a) != NULL, hb = yr_get(&c->y, n, b) != NULL;

    if (ha && hb) {
        yr_err(&c->y, n, path, "set only one of \"%s\" and \"%s\"", a, b);
        return -1;
    }
    if (!ha && !hb) {
        yr_err(&c->y, n, path, "missing required field \"%s\" or \"%s\"", a, b);
        return -1;
    }
    return 0;
}

static void parse_events(struct cf_ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_events *ev)
{
    static const char *const keys[] = {"error", "good", "total"};

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (one_of(c, n, path, "error", "good") == 0) {
        cf_get_selector(c, n, path, "error", 0, &ev->error, &ev->error_sel);
        cf_get_selector(c, n, path, "good", 0, &ev->good, &ev->good_sel);
    }
    cf_get_selector(c, n, path, "total", CF_REQUIRED, &ev->total, &ev->total_sel);
}

static void parse_latency(struct cf_ctx *c, yaml_node_t *n, const char *path,
                          struct config_sli_latency *l)
{
    static const char *const keys[] = {"histogram", "threshold"};
    static const char *const suffixes[] = {"_bucket", "_count", "_sum"};
    char p[PATHLEN];

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (cf_get_selector(c, n, path, "histogram", CF_REQUIRED, &l->histogram, &l->histogram_sel) ==
        0) {
        const char *m = l->histogram_sel->metric;
        size_t len = strlen(m);

        for (size_t i = 0; i < NELEMS(suffixes); i++) {
            size_t sl = strlen(suffixes[i]);

            if (len > sl && strcmp(m + len - sl, suffixes[i]) == 0) {
                yr_join(p, sizeof(p), path, "histogram");
                yr_err(&c->y, yr_get(&c->y, n, "histogram"), p,
                       "give the histogram's base name \"%.*s\", without \"%s\" (the sidecar "
                       "reads _bucket and _count itself)",
                       (int)(len - sl), m, suffixes[i]);
            }
        }
    }
    yr_join(p, sizeof(p), path, "threshold");
    if (cf_get_num(c, n, path, "threshold", CF_REQUIRED, &l->threshold, NULL) == 0 &&
        !(l->threshold > 0))
        yr_err(&c->y, yr_get(&c->y, n, "threshold"), p, "must be greater than 0 (seconds), got %g",
               l->threshold);
}

static void parse_timeslice(struct cf_ctx *c, yaml_node_t *n, const char *path,
                            struct config_sli_timeslice *t)
{
    static const char *const keys[] = {"gauge", "age", "op", "value", "slice"};
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    char *op = NULL;
    char p[PATHLEN];

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    cf_get_selector(c, n, path, "gauge", CF_REQUIRED, &t->gauge, &t->gauge_sel);
    cf_get_bool(c, n, path, "age", &t->age);
    if (cf_get_str(c, n, path, "op", CF_REQUIRED, &op) == 0) {
        size_t i;

        for (i = 0; i < NELEMS(ops); i++)
            if (strcmp(op, ops[i]) == 0)
                break;
        yr_join(p, sizeof(p), path, "op");
        if (i == NELEMS(ops))
            yr_err(&c->y, yr_get(&c->y, n, "op"), p, "must be one of < <= > >= == !=, got \"%s\"",
                   op);
        else
            t->op = (enum config_cmp)i;
    }
    free(op);
    cf_get_num(c, n, path, "value", CF_REQUIRED, &t->value, NULL);
    yr_join(p, sizeof(p), path, "slice");
    if (cf_get_duration(c, n, path, "slice", 0, &t->slice_ms) == 0) {
        /*
         * Every window is cut into whole slices. The standard windows are all
         * multiples of 5m, so a slice that divides 5m tiles each of them
         * exactly and no window loses a partial slice at its edge.
         */
        if (t->slice_ms < SEC_MS)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p, "must be at least 1s");
        else if (t->slice_ms > SHORTEST_WINDOW_MS)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p,
                   "must be at most 5m, the shortest alert window");
        else if (SHORTEST_WINDOW_MS % t->slice_ms != 0)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p,
                   "must divide 5m evenly (e.g. 10s, 30s, 1m, 5m) so that slices tile every "
                   "alert window");
    }
}

static void parse_promql(struct cf_ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_promql *q)
{
    static const char *const keys[] = {"error_query", "good_query", "total_query"};

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (one_of(c, n, path, "error_query", "good_query") == 0) {
        cf_get_str(c, n, path, "error_query", CF_NONEMPTY, &q->error_query);
        cf_get_str(c, n, path, "good_query", CF_NONEMPTY, &q->good_query);
    }
    cf_get_str(c, n, path, "total_query", CF_REQUIRED | CF_NONEMPTY, &q->total_query);
    /* The exact modes count raw samples themselves; they run no free PromQL. */
    if (c->cfg->prometheus.mode != CONFIG_MODE_PROMQL)
        yr_err(&c->y, n, path, "promql SLIs need mode: promql (global.prometheus.mode is %s)",
               c->cfg->prometheus.mode == CONFIG_MODE_API_READ ? "api_read" : "remote_read");
}

static void parse_sli(struct cf_ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"events", "latency", "timeslice", "promql"};
    yaml_node_t *kinds[4];
    char p[PATHLEN];
    int count = 0;
    size_t which = 0;

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    for (size_t i = 0; i < NELEMS(keys); i++) {
        kinds[i] = yr_get(&c->y, n, keys[i]);
        if (kinds[i] != NULL) {
            count++;
            which = i;
        }
    }
    if (count != 1) {
        yr_err(&c->y, n, path, "sli must have exactly one of events, latency, timeslice, promql");
        return;
    }
    yr_join(p, sizeof(p), path, keys[which]);
    switch (which) {
    case 0:
        slo->kind = CONFIG_SLI_EVENTS;
        parse_events(c, kinds[which], p, &slo->events);
        break;
    case 1:
        slo->kind = CONFIG_SLI_LATENCY;
        parse_latency(c, kinds[which], p, &slo->latency);
        break;
    case 2:
        slo->kind = CONFIG_SLI_TIMESLICE;
        parse_timeslice(c, kinds[which], p, &slo->timeslice);
        break;
    default:
        slo->kind = CONFIG_SLI_PROMQL;
        parse_promql(c, kinds[which], p, &slo->promql);
        break;
    }
}

/*
 * One row of alerting.windows into w; slo gives the period. Returns 0 when
 * the row is complete and valid.
 */
static int parse_window(struct cf_ctx *c, yaml_node_t *row, const char *p,
                        const struct config_slo *slo, struct config_alert_window *w)
{
    static const char *const keys[] = {"severity", "long", "short", "factor"};
    char q[PATHLEN];
    char *sev = NULL;
    int ok = 1, durations = 1;

    if (yr_check_keys(&c->y, row, p, keys, NELEMS(keys), NULL, 0) != 0)
        return -1;
    if (cf_get_str(c, row, p, "severity", CF_REQUIRED, &sev) == 0) {
        if (strcmp(sev, "page") == 0)
            w->severity = CONFIG_SEVERITY_PAGE;
        else if (strcmp(sev, "ticket") == 0)
            w->severity = CONFIG_SEVERITY_TICKET;
        else {
            yr_join(q, sizeof(q), p, "severity");
            yr_err(&c->y, yr_get(&c->y, row, "severity"), q, "must be page or ticket, got \"%s\"",
                   sev);
            ok = 0;
        }
    } else {
        ok = 0;
    }
    free(sev);
    durations &= cf_get_duration(c, row, p, "long", CF_REQUIRED, &w->long_ms) == 0;
    durations &= cf_get_duration(c, row, p, "short", CF_REQUIRED, &w->short_ms) == 0;
    ok &= durations;
    if (durations && w->long_ms <= w->short_ms) {
        yr_join(q, sizeof(q), p, "short");
        yr_err(&c->y, yr_get(&c->y, row, "short"), q, "must be shorter than long");
        ok = 0;
    }
    /* A window longer than the period would count events from before it. */
    if (durations && slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        w->long_ms > slo->period_ms) {
        yr_join(q, sizeof(q), p, "long");
        yr_err(&c->y, yr_get(&c->y, row, "long"), q, "must not be longer than the period (%s)",
               slo->period_name);
        ok = 0;
    }
    if (cf_get_num(c, row, p, "factor", CF_REQUIRED, &w->factor, NULL) != 0) {
        ok = 0;
    } else if (!(w->factor > 0)) {
        yr_join(q, sizeof(q), p, "factor");
        yr_err(&c->y, yr_get(&c->y, row, "factor"), q, "must be greater than 0, got %g",
               w->factor);
        ok = 0;
    }
    return ok ? 0 : -1;
}

static void parse_windows(struct cf_ctx *c, yaml_node_t *n, const char *path,
                          struct config_slo *slo)
{
    size_t cnt;
    struct config_alert_window *w;

    if (yr_want_seq(&c->y, n, path) != 0)
        return;
    cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
        yr_err(&c->y, n, path, "needs at least one row (leave windows out for the default table)");
        return;
    }
    w = calloc(cnt, sizeof(*w));
    if (w == NULL) {
        c->y.oom = 1;
        return;
    }
    free(slo->windows);
    slo->windows = w;
    slo->nwindows = cnt;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *row = yr_node(&c->y, n->data.sequence.items.start[i]);
        char p[PATHLEN];

        yr_join_index(p, sizeof(p), path, i);
        parse_window(c, row, p, slo, &w[i]);
    }
}

static int slo_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

/*
 * The objective as a ratio. 99.9/100 is 0.9990000000000001 in binary; reading
 * the written digits with the exponent shifted gives the double closest to
 * 0.999, which is what users see in the exported series.
 */
static double percent_to_ratio(const char *text, double percent)
{
    char buf[80];
    double r;

    if (strpbrk(text, "eE") == NULL && strlen(text) < sizeof(buf) - 4) {
        snprintf(buf, sizeof(buf), "%se-2", text);
        if (util_parse_double(buf, &r) == 0)
            return r;
    }
    return percent / 100.0;
}

static void parse_period(struct cf_ctx *c, yaml_node_t *n, const char *path,
                         struct config_slo *slo)
{
    static const struct {
        const char *name;
        enum config_period kind;
    } calendars[] = {
        {"calendar_week", CONFIG_PERIOD_CALENDAR_WEEK},
        {"calendar_month", CONFIG_PERIOD_CALENDAR_MONTH},
        {"calendar_quarter", CONFIG_PERIOD_CALENDAR_QUARTER},
    };
    char p[PATHLEN];
    struct err e = {{0}};

    if (cf_get_str(c, n, path, "period", CF_REQUIRED | CF_NONEMPTY, &slo->period_name) != 0)
        return;
    yr_join(p, sizeof(p), path, "period");
    for (size_t i = 0; i < NELEMS(calendars); i++) {
        if (strcmp(slo->period_name, calendars[i].name) == 0) {
            slo->period_kind = calendars[i].kind;
            return;
        }
    }
    if (util_duration_parse(slo->period_name, &slo->period_ms, 0, &e) != 0) {
        yr_err(&c->y, yr_get(&c->y, n, "period"), p,
               "%s; or use calendar_week, calendar_month, calendar_quarter", e.msg);
        slo->period_ms = 0;
    } else if (slo->period_ms < HOUR_MS) {
        yr_err(&c->y, yr_get(&c->y, n, "period"), p, "must be at least 1h, got %s",
               slo->period_name);
        slo->period_ms = 0;
    }
}

/*
 * timezone: the IANA zone whose local midnight starts a calendar period,
 * loaded here (once per config load) so evaluations never read files.
 */
static void parse_timezone(struct cf_ctx *c, yaml_node_t *n, const char *path,
                           struct config_slo *slo)
{
    char p[PATHLEN];
    struct err e = {{0}};

    if (cf_get_str(c, n, path, "timezone", CF_NONEMPTY, &slo->timezone) != 0 ||
        slo->timezone == NULL)
        return;
    yr_join(p, sizeof(p), path, "timezone");
    if (slo->period_name != NULL && slo->period_kind == CONFIG_PERIOD_ROLLING) {
        yr_err(&c->y, yr_get(&c->y, n, "timezone"), p,
               "only calendar periods have a time zone (period is %s)", slo->period_name);
        return;
    }
    slo->tz = tzinfo_load(slo->timezone, &e);
    if (slo->tz == NULL)
        yr_err(&c->y, yr_get(&c->y, n, "timezone"), p, "%s", e.msg);
}

static void parse_group_by(struct cf_ctx *c, yaml_node_t *n, const char *path,
                           struct config_slo *slo)
{
    yaml_node_t *v = yr_get_opt(&c->y, n, "group_by");
    char p[PATHLEN];
    size_t cnt;

    if (v == NULL)
        return;
    yr_join(p, sizeof(p), path, "group_by");
    if (yr_want_seq(&c->y, v, p) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt == 0)
        return;
    if (cnt > CF_MAX_ENTRIES) {
        yr_err(&c->y, v, p, "has %zu labels; at most %d are allowed", cnt, CF_MAX_ENTRIES);
        return;
    }
    slo->group_by = calloc(cnt, sizeof(char *));
    if (slo->group_by == NULL) {
        c->y.oom = 1;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = yr_node(&c->y, v->data.sequence.items.start[i]);
        char ip[PATHLEN];
        const char *name;
        int dup = 0;

        yr_join_index(ip, sizeof(ip), p, i);
        name = yr_want_scalar(&c->y, item, ip, "a label name", 0);
        if (name == NULL || cf_label_ok(c, item, ip, name, 1) != 0)
            continue;
        /* The first ngroup_by entries are set; the analyser cannot tell. */
        for (size_t k = 0; k < slo->ngroup_by; k++)
            /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
            dup |= strcmp(slo->group_by[k], name) == 0;
        if (dup) {
            yr_err(&c->y, item, ip, "duplicate label \"%s\"", name);
            continue;
        }
        /* The group's value comes from the data; a fixed label would hide it. */
        if (labels_get(&slo->labels, name) != NULL || labels_get(&c->cfg->labels, name) != NULL) {
            yr_err(&c->y, item, ip, "label \"%s\" is also set in %s; a series cannot have both",
                   name, labels_get(&slo->labels, name) != NULL ? "labels" : "global.labels");
            continue;
        }
        slo->group_by[slo->ngroup_by] = util_strdup(name);
        if (slo->group_by[slo->ngroup_by] == NULL) {
            c->y.oom = 1;
            return;
        }
        slo->ngroup_by++;
    }
}

/* max_groups and group_ttl: only with group_by. */
static void parse_group_limits(struct cf_ctx *c, yaml_node_t *n, const char *path,
                               struct config_slo *slo)
{
    const char *text = NULL;
    char p[PATHLEN];
    double x;

    slo->max_groups = CONFIG_DEFAULT_MAX_GROUPS;
    if (cf_get_num(c, n, path, "max_groups", 0, &x, &text) == 0) {
        yr_join(p, sizeof(p), path, "max_groups");
        if (slo->ngroup_by == 0)
            yr_err(&c->y, yr_get(&c->y, n, "max_groups"), p, "needs group_by");
        else if (x < 1 || x > CONFIG_MAX_MAX_GROUPS || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "max_groups"), p,
                   "must be a whole number from 1 to %d, got %s", CONFIG_MAX_MAX_GROUPS, text);
        else
            slo->max_groups = (size_t)x;
    }
    if (cf_get_duration(c, n, path, "group_ttl", 0, &slo->group_ttl_ms) == 0) {
        yr_join(p, sizeof(p), path, "group_ttl");
        if (slo->ngroup_by == 0)
            yr_err(&c->y, yr_get(&c->y, n, "group_ttl"), p, "needs group_by");
        else if (slo->group_ttl_ms < 60 * SEC_MS)
            yr_err(&c->y, yr_get(&c->y, n, "group_ttl"), p, "must be at least 1m");
    }
}

static void parse_alerting(struct cf_ctx *c, yaml_node_t *n, const char *path,
                           struct config_slo *slo)
{
    static const char *const keys[] = {"page", "ticket", "windows", "runbook_url"};
    yaml_node_t *v = yr_get_opt(&c->y, n, "alerting");
    char p[PATHLEN];
    char q[PATHLEN];

    yr_join(p, sizeof(p), path, "alerting");
    if (v == NULL || yr_check_keys(&c->y, v, p, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (cf_get_str(c, v, p, "runbook_url", CF_NONEMPTY, &slo->runbook_url) == 0) {
        yr_join(q, sizeof(q), p, "runbook_url");
        cf_http_url_ok(c, v, q, "runbook_url", slo->runbook_url);
    }
    yr_join(q, sizeof(q), p, "page");
    cf_parse_route(c, yr_get_opt(&c->y, v, "page"), q, &slo->page);
    yr_join(q, sizeof(q), p, "ticket");
    cf_parse_route(c, yr_get_opt(&c->y, v, "ticket"), q, &slo->ticket);
    if (yr_get(&c->y, v, "windows") != NULL) {
        yr_join(q, sizeof(q), p, "windows");
        parse_windows(c, yr_get(&c->y, v, "windows"), q, slo);
    }
}

/*
 * Checks that time slices tile the custom alert windows and a rolling period;
 * only whole slices count (slo_slices), so a window that is not a multiple of
 * the slice would silently lose its partial slice.
 */
static void check_slices(struct cf_ctx *c, yaml_node_t *n, const char *path,
                         const struct config_slo *slo)
{
    yaml_node_t *w = yr_get(&c->y, yr_get_opt(&c->y, n, "alerting"), "windows");
    int64_t s = slo->timeslice.slice_ms;
    char p[PATHLEN];
    char sl[32];

    if (slo->kind != CONFIG_SLI_TIMESLICE || s < SEC_MS || SHORTEST_WINDOW_MS % s != 0)
        return;
    if (util_duration_format(s, sl, sizeof(sl)) != 0)
        sl[0] = '\0';
    if (slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        slo->period_ms % s != 0) {
        yr_join(p, sizeof(p), path, "period");
        yr_err(&c->y, yr_get(&c->y, n, "period"), p, "must be a multiple of the time slice (%s)",
               sl);
    }
    /* The default table's windows are all multiples of 5m, so only custom
     * rows can miss; they sit in w one for one. */
    if (w == NULL || w->type != YAML_SEQUENCE_NODE)
        return;
    for (size_t i = 0; i < slo->nwindows; i++) {
        if ((slo->windows[i].long_ms > 0 && slo->windows[i].long_ms % s != 0) ||
            (slo->windows[i].short_ms > 0 && slo->windows[i].short_ms % s != 0)) {
            char q[PATHLEN];

            yr_join(q, sizeof(q), path, "alerting.windows");
            yr_join_index(p, sizeof(p), q, i);
            yr_err(&c->y, yr_node(&c->y, w->data.sequence.items.start[i]), p,
                   "long and short must be multiples of the time slice (%s)", sl);
        }
    }
}

static void parse_slo(struct cf_ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"name",   "service",  "description", "objective",
                                       "period", "timezone", "labels",      "group_by",
                                       "sli",    "alerting", "max_groups",  "group_ttl"};
    const char *text = NULL;
    char p[PATHLEN];
    yaml_node_t *v;

    slo->line = (int)n->start_mark.line + 1;
    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (cf_get_str(c, n, path, "name", CF_REQUIRED | CF_NONEMPTY, &slo->name) == 0 &&
        !slo_name_ok(slo->name)) {
        yr_join(p, sizeof(p), path, "name");
        yr_err(&c->y, yr_get(&c->y, n, "name"), p, "invalid name \"%s\" (use [a-zA-Z0-9_.-]+)",
               slo->name);
    }
    cf_get_str(c, n, path, "service", CF_REQUIRED | CF_NONEMPTY, &slo->service);
    cf_get_str(c, n, path, "description", 0, &slo->description);
    yr_join(p, sizeof(p), path, "objective");
    if (cf_get_num(c, n, path, "objective", CF_REQUIRED, &slo->objective_percent, &text) == 0) {
        if (!(slo->objective_percent > 0 && slo->objective_percent < 100))
            yr_err(&c->y, yr_get(&c->y, n, "objective"), p,
                   "must be between 0 and 100 (exclusive), got %s", text);
        else
            slo->objective = percent_to_ratio(text, slo->objective_percent);
    }
    parse_period(c, n, path, slo);
    parse_timezone(c, n, path, slo);
    cf_get_map(c, n, path, "labels", CF_MAP_SERIES_LABELS, &slo->labels);
    parse_group_by(c, n, path, slo);
    parse_group_limits(c, n, path, slo);
    v = yr_get(&c->y, n, "sli");
    yr_join(p, sizeof(p), path, "sli");
    if (v == NULL)
        cf_missing(c, n, path, "sli");
    else
        parse_sli(c, v, p, slo);
    parse_alerting(c, n, path, slo);
    /* global is parsed first (in its own file too), so its switches are known. */
    if (slo->page.sw == CONFIG_ALERT_UNSET)
        slo->page.sw = c->cfg->alert_page.sw == CONFIG_ALERT_OFF ? CONFIG_ALERT_OFF
                                                                 : CONFIG_ALERT_ON;
    if (slo->ticket.sw == CONFIG_ALERT_UNSET)
        slo->ticket.sw = c->cfg->alert_ticket.sw == CONFIG_ALERT_OFF ? CONFIG_ALERT_OFF
                                                                     : CONFIG_ALERT_ON;
    if (slo->windows == NULL) {
        slo->windows = malloc(sizeof(config_default_windows));
        if (slo->windows == NULL) {
            c->y.oom = 1;
            return;
        }
        memcpy(slo->windows, config_default_windows, sizeof(config_default_windows));
        slo->nwindows = NELEMS(config_default_windows);
    }
    check_slices(c, n, path, slo);
    if (slo->description == NULL) {
        slo->description = util_strdup("");
        if (slo->description == NULL)
            c->y.oom = 1;
    }
}

void configslo_parse_slos(struct cf_ctx *c, yaml_node_t *s, struct config *cfg)
{
    size_t cnt;

    if (yr_want_seq(&c->y, s, "slos") != 0)
        return;
    cnt = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (cnt == 0) {
        yr_err(&c->y, s, "slos", "at least one SLO is needed");
        return;
    }
    if (cnt > MAX_SLOS || cfg->nslos + cnt > MAX_SLOS) {
        yr_err(&c->y, s, "slos", "has %zu SLOs; at most %d are allowed%s", cfg->nslos + cnt,
               MAX_SLOS, cfg->nslos > 0 ? " in all files together" : " in one file");
        return;
    }
    /* The files of a directory append to the SLOs of those before. */
    {
        struct config_slo *v = realloc(cfg->slos, (cfg->nslos + cnt) * sizeof(*v));

        if (v == NULL) {
            c->y.oom = 1;
            return;
        }
        memset(v + cfg->nslos, 0, cnt * sizeof(*v));
        cfg->slos = v;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = yr_node(&c->y, s->data.sequence.items.start[i]);
        size_t at = cfg->nslos++;
        struct config_slo *slo = &cfg->slos[at];
        char p[PATHLEN];
        char q[PATHLEN];

        yr_join_index(p, sizeof(p), "slos", i);
        slo->timeslice.slice_ms = MIN_MS;
        slo->file = util_strdup(c->y.file);
        if (slo->file == NULL)
            c->y.oom = 1;
        parse_slo(c, item, p, slo);
        for (size_t k = 0; k < at && slo->name != NULL; k++) {
            const struct config_slo *o = &cfg->slos[k];

            if (o->name == NULL || strcmp(o->name, slo->name) != 0)
                continue;
            yr_join(q, sizeof(q), p, "name");
            if (o->file != NULL && strcmp(o->file, c->y.file) != 0)
                yr_err(&c->y, yr_get(&c->y, item, "name"), q,
                       "duplicate SLO name \"%s\" (first defined in %s:%d)", slo->name, o->file,
                       o->line);
            else
                yr_err(&c->y, yr_get(&c->y, item, "name"), q,
                       "duplicate SLO name \"%s\" (first defined at line %d)", slo->name, o->line);
            break;
        }
    }
}
