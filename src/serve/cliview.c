/*
 * cliview: the `status` table and the `explain` text, rendered from the
 * /api/v1/slos JSON. See cliview.h.
 *
 * The JSON comes from another process (a running sidecar, maybe another
 * version), so every field is optional here: what is missing or of the
 * wrong type prints as absent ("-"), never as 0.
 */
#include "cliview.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exact.h"
#include "exactread.h"
#include "selector.h"
#include "sliquery.h"
#include "slo.h"

/* ---- JSON access: absent or mistyped is "has nothing" ---- */

static int get_num(const json_t *o, const char *k, double *v)
{
    const json_t *j = json_object_get(o, k);

    if (!json_is_number(j))
        return 0;
    *v = json_number_value(j);
    return isfinite(*v);
}

static const char *get_str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));

    return s;
}

/* The window object named name of entry s, or NULL. */
static const json_t *window(const json_t *s, const char *name)
{
    return json_object_get(json_object_get(s, "windows"), name);
}

/* The period's window: keyed by the period's name when rolling, "period" else. */
static const json_t *period_window(const json_t *s)
{
    const char *p = get_str(s, "period");
    const json_t *w = p != NULL ? window(s, p) : NULL;

    return w != NULL ? w : window(s, "period");
}

static int win_num(const json_t *s, const char *name, const char *field, double *v)
{
    const json_t *w = window(s, name);

    return w != NULL && get_num(w, field, v);
}

static int budget_num(const json_t *s, const char *field, double *v)
{
    return get_num(json_object_get(s, "error_budget"), field, v);
}

/* ---- formatting ---- */

void cliview_human_duration(double seconds, char *buf, size_t len)
{
    static const struct {
        const char *unit;
        long long secs;
    } units[] = {{"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}};
    long long s;

    if (!(seconds > 0)) {
        snprintf(buf, len, "0s");
        return;
    }
    s = seconds >= 9.2e18 ? 9200000000000000000LL : (long long)floor(seconds);
    for (size_t i = 0; i < 4; i++) {
        long long hi = s / units[i].secs;
        long long lo;

        if (hi == 0 && i < 3)
            continue;
        if (i == 3) {
            snprintf(buf, len, "%llds", s);
            return;
        }
        lo = (s % units[i].secs) / units[i + 1].secs;
        if (lo == 0)
            snprintf(buf, len, "%lld%s", hi, units[i].unit);
        else
            snprintf(buf, len, "%lld%s%lld%s", hi, units[i].unit, lo, units[i + 1].unit);
        return;
    }
}

/* A burn rate for people: 3 significant digits or so, never an exponent. */
static void fmt_rate(double v, char *buf, size_t len)
{
    if (fabs(v) >= 100)
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) >= 10)
        snprintf(buf, len, "%.1f", v);
    else
        snprintf(buf, len, "%.2f", v);
}

/*
 * A count: whole numbers as such; promql mode's fractional increase()
 * results rounded to a whole number from 1000 on, never an exponent.
 */
static void fmt_count(double v, char *buf, size_t len)
{
    if ((v == floor(v) && fabs(v) < 1e15) || fabs(v) >= 1000)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.4g", v);
}

/* An objective ratio as a percentage as written: 0.999 -> "99.9%". */
static void fmt_objective(double v, char *buf, size_t len)
{
    snprintf(buf, len, "%.10g%%", v * 100.0);
}

/* "name" or "name{k=v,k2=v2}" for a grouped entry (as eval --format=table). */
static int entry_title(const json_t *s, struct buf *b)
{
    const json_t *g = json_object_get(s, "group");
    const char *name = get_str(s, "name");
    const char *k;
    const json_t *v;
    int rc = buf_puts(b, name != NULL ? name : "?");
    int first = 1;

    if (!json_is_object(g) || json_object_size(g) == 0)
        return rc;
    json_object_foreach((json_t *)g, k, v) {
        const char *val = json_string_value(v);

        rc |= buf_printf(b, "%s%s=%s", first ? "{" : ",", k, val != NULL ? val : "");
        first = 0;
    }
    return rc | buf_puts(b, "}");
}

static const char *status_color(const char *status)
{
    if (status == NULL)
        return NULL;
    if (strcmp(status, "healthy") == 0)
        return CLIVIEW_GREEN;
    if (strcmp(status, "warning") == 0)
        return CLIVIEW_YELLOW;
    if (strcmp(status, "critical") == 0)
        return CLIVIEW_RED;
    if (strcmp(status, "exhausted") == 0)
        return CLIVIEW_MAGENTA_BOLD;
    return NULL;
}

/* Appends text, wrapped in color when o asks for colour and color is set. */
static int put_colored(struct buf *b, const struct cliview_opts *o, const char *color,
                       const char *text)
{
    if (o->color && color != NULL)
        return buf_printf(b, "%s%s%s", color, text, CLIVIEW_RESET);
    return buf_puts(b, text);
}

/* ---- parse ---- */

int cliview_parse(const char *body, size_t len, json_t **slos, struct err *e)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, 0, &je);
    const char *st;
    json_t *data;

    *slos = NULL;
    if (root == NULL)
        return util_err(e, "the answer is not JSON: %s (line %d, column %d)", je.text, je.line,
                        je.column);
    st = get_str(root, "status");
    if (st == NULL || strcmp(st, "success") != 0) {
        const char *type = get_str(root, "errorType");
        const char *msg = get_str(root, "error");

        util_errf(e, "the sidecar answered status \"%s\": %s%s%s", st != NULL ? st : "(none)",
                  type != NULL ? type : "", type != NULL && msg != NULL ? ": " : "",
                  msg != NULL ? msg : "");
        json_decref(root);
        return -1;
    }
    data = json_object_get(root, "data");
    if (!json_is_array(data)) {
        json_decref(root);
        return util_err(e, "the answer has no \"data\" array");
    }
    *slos = json_incref(data);
    json_decref(root);
    return 0;
}

/* ---- status ---- */

#define NCOLS 11
#define CELL 192

static const char *const headers[NCOLS] = {
    "SLO",     "OBJECTIVE", "SLI",    "BUDGET LEFT",  "STATUS",    "BURN 1h",
    "BURN 6h", "BURN 1d",   "ALERTS", "EXHAUSTED IN", "EVALUATED",
};

struct cell {
    char text[CELL];
    const char *color; /* NULL: plain */
};

static void burn_cell(const json_t *s, const char *win, struct cell *c)
{
    double v;

    if (win_num(s, win, "burn_rate", &v))
        fmt_rate(v, c->text, CELL);
    else
        snprintf(c->text, CELL, "-");
}

static void budget_cell(const json_t *s, struct cell *c)
{
    char bar[CLIVIEW_BAR_CELLS + 1];
    double r;
    long filled;

    if (!budget_num(s, "remaining_ratio", &r)) {
        snprintf(c->text, CELL, "-");
        return;
    }
    filled = r <= 0 ? 0 : r >= 1 ? CLIVIEW_BAR_CELLS : lround(r * CLIVIEW_BAR_CELLS);
    for (long i = 0; i < CLIVIEW_BAR_CELLS; i++)
        bar[i] = i < filled ? '#' : '.';
    bar[CLIVIEW_BAR_CELLS] = '\0';
    snprintf(c->text, CELL, "[%s] %.1f%%", bar, r * 100.0);
}

static void alerts_cell(const json_t *s, struct cell *c)
{
    const json_t *alerts = json_object_get(s, "alerts");
    size_t off = 0;

    c->text[0] = '\0';
    for (size_t i = 0; i < json_array_size(alerts); i++) {
        const json_t *a = json_array_get(alerts, i);
        const char *sev = get_str(a, "severity");

        if (!json_is_true(json_object_get(a, "firing")) || sev == NULL || off >= CELL - 1)
            continue;
        off += (size_t)snprintf(c->text + off, CELL - off, "%s%s", off ? "," : "", sev);
    }
    if (off == 0)
        snprintf(c->text, CELL, "-");
    else
        c->color = CLIVIEW_RED;
}

static int row(const json_t *s, const struct cliview_opts *o, struct cell *c)
{
    const json_t *pw = period_window(s);
    const char *status = get_str(s, "status");
    struct buf title;
    double v;
    int rc;

    buf_init(&title, CELL - 1);
    rc = entry_title(s, &title);
    snprintf(c[0].text, CELL, "%s", title.data != NULL ? title.data : "?");
    buf_free(&title);
    if (rc != 0)
        return -1;
    if (get_num(s, "objective", &v))
        fmt_objective(v, c[1].text, CELL);
    else
        snprintf(c[1].text, CELL, "-");
    if (pw != NULL && get_num(pw, "sli", &v))
        snprintf(c[2].text, CELL, "%.3f%%", v * 100.0);
    else
        snprintf(c[2].text, CELL, "-");
    budget_cell(s, &c[3]);
    snprintf(c[4].text, CELL, "%s", status != NULL ? status : "no data");
    c[4].color = status_color(status);
    burn_cell(s, "1h", &c[5]);
    burn_cell(s, "6h", &c[6]);
    burn_cell(s, "1d", &c[7]);
    alerts_cell(s, &c[8]);
    if (!budget_num(s, "time_to_exhaustion_seconds", &v))
        snprintf(c[9].text, CELL, "-");
    else if (v <= 0)
        snprintf(c[9].text, CELL, "now");
    else
        cliview_human_duration(v, c[9].text, CELL);
    if (get_num(s, "evaluated_at", &v)) {
        char d[32];

        cliview_human_duration((double)o->now_ms / 1000.0 - v, d, sizeof(d));
        snprintf(c[10].text, CELL, "%s ago", d);
    } else {
        snprintf(c[10].text, CELL, "-");
    }
    return 0;
}

int cliview_status(const json_t *slos, const struct cliview_opts *o, struct buf *out,
                   struct err *e)
{
    size_t n = json_array_size(slos);
    size_t width[NCOLS];
    struct cell(*cells)[NCOLS] = calloc(n ? n : 1, sizeof(*cells));
    int rc = 0;

    if (cells == NULL)
        return util_err(e, "out of memory");
    for (size_t c = 0; c < NCOLS; c++)
        width[c] = strlen(headers[c]);
    for (size_t i = 0; i < n && rc == 0; i++) {
        rc = row(json_array_get(slos, i), o, cells[i]);
        for (size_t c = 0; c < NCOLS; c++)
            if (strlen(cells[i][c].text) > width[c])
                width[c] = strlen(cells[i][c].text);
    }
    for (size_t c = 0; c < NCOLS && rc == 0; c++)
        rc |= c + 1 < NCOLS ? buf_printf(out, "%-*s  ", (int)width[c], headers[c])
                            : buf_printf(out, "%s\n", headers[c]);
    for (size_t i = 0; i < n && rc == 0; i++) {
        for (size_t c = 0; c < NCOLS; c++) {
            /* Pad after the colour ends, so escapes never count as width. */
            rc |= put_colored(out, o, cells[i][c].color, cells[i][c].text);
            if (c + 1 < NCOLS)
                rc |= buf_printf(out, "%*s", (int)(width[c] - strlen(cells[i][c].text) + 2), "");
        }
        rc |= buf_puts(out, "\n");
    }
    free(cells);
    if (n == 0 && rc == 0)
        rc = buf_puts(out, "(no SLOs evaluated yet)\n");
    return rc != 0 ? util_err(e, "out of memory rendering the status table") : 0;
}

/* ---- explain ---- */

static const char *kind_words(const char *kind)
{
    if (kind == NULL)
        return "An SLI of unknown kind";
    if (strcmp(kind, "events") == 0)
        return "An events SLI: the share of events (requests) that are good, "
               "counted from counters";
    if (strcmp(kind, "latency") == 0)
        return "A latency SLI: the share of requests served within a latency "
               "threshold, counted from a histogram";
    if (strcmp(kind, "timeslice") == 0)
        return "A time-slice SLI: the share of time slices in which a gauge meets a "
               "condition";
    if (strcmp(kind, "promql") == 0)
        return "A PromQL SLI: the ratio of two PromQL queries, per window";
    return "An SLI of unknown kind";
}

/* What counts as good and bad, from the config. */
static int measures_detail(const struct config_slo *c, struct buf *b)
{
    char v[40];

    switch (c->kind) {
    case CONFIG_SLI_EVENTS:
        if (c->events.error != NULL)
            return buf_printf(b, "  Bad events: %s\n  All events: %s\n", c->events.error,
                              c->events.total);
        return buf_printf(b, "  Good events: %s\n  All events: %s\n", c->events.good,
                          c->events.total);
    case CONFIG_SLI_LATENCY:
        util_fmt_double(c->latency.threshold, v, sizeof(v));
        return buf_printf(b,
                          "  Good: requests of %s that took at most %ss (the le=\"%s\" "
                          "bucket)\n  All: every request of %s (its _count)\n",
                          c->latency.histogram, v, v, c->latency.histogram);
    case CONFIG_SLI_TIMESLICE: {
        char slice[32];

        util_fmt_double(c->timeslice.value, v, sizeof(v));
        if (util_duration_format(c->timeslice.slice_ms, slice, sizeof(slice)) != 0)
            snprintf(slice, sizeof(slice), "%lldms", (long long)c->timeslice.slice_ms);
        return buf_printf(b,
                          "  Slices of %s; a slice is good when %s%s%s %s %s for its newest "
                          "sample (several series: the worst); a slice with no sample is "
                          "bad\n",
                          slice, c->timeslice.age ? "the age (sample time - value) of " : "",
                          c->timeslice.gauge, c->timeslice.age ? "" : "'s value",
                          config_cmp_str(c->timeslice.op), v);
    }
    case CONFIG_SLI_PROMQL:
        if (c->promql.error_query != NULL)
            return buf_printf(b, "  Bad: %s\n  All: %s\n", c->promql.error_query,
                              c->promql.total_query);
        return buf_printf(b, "  Good: %s\n  All: %s\n", c->promql.good_query,
                          c->promql.total_query);
    }
    return 0;
}

static const char *part_name(enum answer_part p)
{
    return p == ANSWER_GOOD ? "good" : p == ANSWER_BAD ? "bad" : "total";
}

/* promql mode: each window's query parts, as sliquery builds them at at_ms. */
static int queries_promql(const struct config_slo *c, int64_t at_ms, struct buf *b, struct err *e)
{
    struct slo_window w[SLO_MAX_WINDOWS];
    size_t nw = slo_windows(c, at_ms, w, SLO_MAX_WINDOWS);
    int rc;

    rc = buf_puts(b, c->kind == CONFIG_SLI_PROMQL
                         ? "\nQueries (promql mode: each window's queries, sent to "
                           "/api/v1/query at each evaluation)\n"
                         : "\nQueries (promql mode: one query per part for all windows, the "
                           "windows' parts below joined with \"or\")\n");
    for (size_t i = 0; i < nw && rc == 0; i++) {
        struct sliquery *q = NULL;
        size_t nq = 0;

        if (sliquery_build(c, &w[i], 1, &q, &nq, e) != 0)
            return -1;
        for (size_t k = 0; k < nq; k++)
            rc |= buf_printf(b, "  %-6s %-5s %s\n", k == 0 ? w[i].name : "", part_name(q[k].part),
                             q[k].text);
        if (nq == 0)
            rc |= buf_printf(b, "  %-6s (no whole slice fits in the window: no query)\n",
                             w[i].name);
        sliquery_free(q, nq);
    }
    return rc;
}

/* The exact modes (and time slices in any mode): the selectors whose raw samples are read. */
static int queries_exact(const struct config *cfg, const struct config_slo *c, struct buf *b)
{
    struct rawsrc_query q[2];
    enum answer_part part[2];
    char le[128];
    size_t n = exactread_queries(c, le, sizeof(le), q, part);
    const char *mode = cfg->prometheus.mode == CONFIG_MODE_REMOTE_READ ? "remote_read"
                       : cfg->prometheus.mode == CONFIG_MODE_API_READ  ? "api_read"
                                                                       : "promql";
    int rc = buf_printf(b,
                        "\nQueries (%s mode: the raw samples of these selectors are read "
                        "%s and counted by the sidecar)\n",
                        mode,
                        cfg->prometheus.mode == CONFIG_MODE_REMOTE_READ
                            ? "through remote read"
                            : "through /api/v1/query (bare range selectors)");

    if (n == 0)
        rc |= buf_printf(b, "  none: a promql SLI cannot be served in %s mode\n", mode);
    for (size_t i = 0; i < n && rc == 0; i++) {
        char *sel = selector_format(q[i].sel, q[i].suffix, q[i].extra_name, q[i].extra_op,
                                    q[i].extra_value);

        if (sel == NULL)
            return -1;
        rc |= buf_printf(b, "  %-5s %s\n", part_name(part[i]), sel);
        free(sel);
    }
    return rc;
}

/* The part of an explanation shared by every group: what, queries, objective. */
static int explain_head(const json_t *s, const struct config *cfg, const struct config_slo *c,
                        struct buf *b, struct err *e)
{
    const char *name = get_str(s, "name");
    const char *service = get_str(s, "service");
    const char *desc = get_str(s, "description");
    const char *period = get_str(s, "period");
    double obj, psec;
    int rc;

    rc = buf_printf(b, "SLO %s (service %s)\n", name, service != NULL ? service : "?");
    if (desc != NULL && desc[0] != '\0')
        rc |= buf_printf(b, "%s\n", desc);
    rc |= buf_printf(b, "\nWhat it measures\n  %s.\n", kind_words(get_str(s, "sli_kind")));
    if (c != NULL)
        rc |= measures_detail(c, b);
    if (c != NULL && c->ngroup_by > 0) {
        rc |= buf_puts(b, "  One SLO per value of:");
        for (size_t i = 0; i < c->ngroup_by; i++)
            rc |= buf_printf(b, " %s", c->group_by[i]);
        rc |= buf_puts(b, "\n");
    }
    if (c == NULL && cfg == NULL) {
        rc |= buf_puts(b, "  (Give the config with --config.file to see the selectors and "
                          "queries.)\n");
    } else if (c == NULL) {
        rc |= buf_printf(b, "  (%s has no SLO of this name: its queries are unknown.)\n",
                         cfg->path);
    } else {
        double at;
        int64_t at_ms = get_num(s, "evaluated_at", &at) ? (int64_t)llround(at * 1000.0) : 0;

        if (rc != 0)
            return -1;
        if (!exact_serves(cfg, c)) {
            if (queries_promql(c, at_ms, b, e) != 0)
                return -1;
        } else if (queries_exact(cfg, c, b) != 0) {
            return -1;
        }
    }
    if (get_num(s, "objective", &obj) && get_num(s, "period_seconds", &psec)) {
        char o[48], bad[48], t[32];

        fmt_objective(obj, o, sizeof(o));
        snprintf(bad, sizeof(bad), "%.10g%%", 100.0 - obj * 100.0);
        cliview_human_duration((1 - obj) * psec, t, sizeof(t));
        rc |= buf_printf(b,
                         "\nObjective\n  %s over %s allows %s of %s to be bad: %s of full "
                         "outage.\n",
                         o, period != NULL ? period : "the period", bad,
                         c != NULL && c->kind == CONFIG_SLI_TIMESLICE ? "slices" : "events", t);
    }
    return rc;
}

static int explain_budget(const json_t *s, const struct cliview_opts *o, struct buf *b)
{
    const json_t *pw = period_window(s);
    const char *status = get_str(s, "status");
    const json_t *compliant = json_object_get(s, "compliant");
    double sli = 0, good = 0, bad = 0, total = 0, consumed = 0, remaining = 0, rsec = 0, obj = 0;
    int rc = buf_puts(b, "\nError budget\n");

    if (pw == NULL || !get_num(pw, "sli", &sli) || !budget_num(s, "consumed_ratio", &consumed) ||
        !budget_num(s, "remaining_ratio", &remaining)) {
        rc |= buf_puts(b, "  No data over the period yet: no SLI and no budget figures.\n");
    } else {
        char g[40], bd[40], t[40], tl[32];

        rc |= buf_printf(b, "  SLI over the period: %.3f%%", sli * 100.0);
        if (get_num(pw, "good", &good) && get_num(pw, "bad", &bad) &&
            get_num(pw, "total", &total)) {
            fmt_count(bad, bd, sizeof(bd));
            fmt_count(total, t, sizeof(t));
            fmt_count(good, g, sizeof(g));
            rc |= buf_printf(b, " (%s bad of %s, %s good)", bd, t, g);
        }
        rc |= buf_puts(b, ".\n");
        if (!budget_num(s, "remaining_seconds", &rsec))
            rsec = 0;
        cliview_human_duration(fabs(rsec), tl, sizeof(tl));
        if (remaining > 0)
            rc |= buf_printf(b,
                             "  %.1f%% of the budget consumed, %.1f%% left: %s of full "
                             "outage.\n",
                             consumed * 100.0, remaining * 100.0, tl);
        else
            rc |= buf_printf(b,
                             "  %.1f%% of the budget consumed: exhausted, overspent by "
                             "%.1f%% (%s of full outage).\n",
                             consumed * 100.0, -remaining * 100.0, tl);
        if (json_is_boolean(compliant) && get_num(s, "objective", &obj)) {
            char ob[48];

            fmt_objective(obj, ob, sizeof(ob));
            rc |= buf_printf(b, "  The objective is %s (%.3f%% %s %s).\n",
                             json_is_true(compliant) ? "met" : "missed", sli * 100.0,
                             json_is_true(compliant) ? ">=" : "<", ob);
        }
    }
    rc |= buf_puts(b, "  Status: ");
    rc |= put_colored(b, o, status_color(status), status != NULL ? status : "no data");
    rc |= buf_puts(b, ".\n");
    return rc;
}

static int explain_burn(const json_t *s, struct buf *b)
{
    static const char *const wins[] = {"1h", "6h"};
    double remaining = 0, psec = 0, tte = 0, at = 0;
    int has_tte;
    int has_left = budget_num(s, "remaining_ratio", &remaining) &&
                   get_num(s, "period_seconds", &psec);
    int rc = buf_puts(b, "\nBurn rate (1 spends the budget exactly over the period)\n");

    for (size_t i = 0; i < 2; i++) {
        double r;
        char rs[32], t[32];

        if (!win_num(s, wins[i], "burn_rate", &r)) {
            rc |= buf_printf(b, "  %s: none, no events in the window.\n", wins[i]);
            continue;
        }
        fmt_rate(r, rs, sizeof(rs));
        if (!has_left) {
            rc |= buf_printf(b, "  %s: %s.\n", wins[i], rs);
        } else if (remaining <= 0) {
            rc |= buf_printf(b, "  %s: %s; the budget is already exhausted.\n", wins[i], rs);
        } else if (r <= 0) {
            rc |= buf_printf(b, "  %s: %s; nothing is being spent at the %s rate.\n", wins[i], rs,
                             wins[i]);
        } else {
            cliview_human_duration(remaining * psec / r, t, sizeof(t));
            rc |= buf_printf(b, "  %s: %s; at the %s rate the budget lasts %s.\n", wins[i], rs,
                             wins[i], t);
        }
    }
    has_tte = budget_num(s, "time_to_exhaustion_seconds", &tte);
    if ((has_left && remaining <= 0) || (has_tte && tte <= 0)) {
        rc |= buf_puts(b, "  Runs out: already exhausted.\n");
    } else if (!has_tte) {
        rc |= buf_puts(b, "  Runs out: not at the current rate (the 1h burn rate is 0 or "
                          "absent).\n");
    } else {
        char t[32], when[40] = "";

        cliview_human_duration(tte, t, sizeof(t));
        if (get_num(s, "evaluated_at", &at) && at + tte < 9.2e15)
            util_time_format((int64_t)llround((at + tte) * 1000.0), when, sizeof(when));
        rc |= buf_printf(b, "  Runs out: in %s at the 1h rate%s%s.\n", t,
                         when[0] ? ", around " : "", when);
    }
    return rc;
}

/* One window's side of an alert rule: "1h burn 15.2 > 14.4" or "... none". */
static int rule_side(const json_t *s, int64_t ms, double factor, struct buf *b, int *fires)
{
    char name[32], rs[32], f[32];
    double r;

    if (util_duration_format(ms, name, sizeof(name)) != 0)
        snprintf(name, sizeof(name), "%lldms", (long long)ms);
    util_fmt_double(factor, f, sizeof(f));
    if (!win_num(s, name, "burn_rate", &r)) {
        *fires = 0;
        return buf_printf(b, "%s burn none (no events)", name);
    }
    fmt_rate(r, rs, sizeof(rs));
    if (!(r > factor))
        *fires = 0;
    return buf_printf(b, "%s burn %s %s %s", name, rs, r > factor ? ">" : "<=", f);
}

static int explain_alerts(const json_t *s, const struct config_slo *c,
                          const struct cliview_opts *o, struct buf *b)
{
    const struct config_alert_window *rows = c != NULL ? c->windows : config_default_windows;
    size_t nrows = c != NULL ? c->nwindows : 4;
    const json_t *alerts = json_object_get(s, "alerts");
    int rc = buf_printf(b,
                        "\nAlerts (a rule fires when both its windows burn faster than its "
                        "factor)\n%s",
                        c != NULL ? "" : "  (The default table; the config may set another.)\n");
    int any = 0;

    for (size_t i = 0; i < nrows; i++) {
        int fires = 1;

        rc |= buf_printf(b, "  %s: ", config_severity_str(rows[i].severity));
        rc |= rule_side(s, rows[i].long_ms, rows[i].factor, b, &fires);
        rc |= buf_puts(b, " and ");
        rc |= rule_side(s, rows[i].short_ms, rows[i].factor, b, &fires);
        rc |= buf_puts(b, ": ");
        if (c != NULL && !config_alert_enabled(c, rows[i].severity))
            rc |= buf_printf(b, "off (alerting.%s: false)", config_severity_str(rows[i].severity));
        else
            rc |= fires ? put_colored(b, o, CLIVIEW_RED, "FIRING") : buf_puts(b, "not firing");
        rc |= buf_puts(b, "\n");
    }
    rc |= buf_puts(b, "  Firing now: ");
    for (size_t i = 0; i < json_array_size(alerts); i++) {
        const json_t *a = json_array_get(alerts, i);
        const char *sev = get_str(a, "severity");

        if (!json_is_true(json_object_get(a, "firing")) || sev == NULL)
            continue;
        rc |= buf_puts(b, any ? ", " : "");
        rc |= put_colored(b, o, CLIVIEW_RED, sev);
        any = 1;
    }
    rc |= buf_puts(b, any ? ".\n" : "none.\n");
    return rc;
}

/* The figures of one entry (one group of a grouped SLO). */
static int explain_entry(const json_t *s, const struct config_slo *c, const struct cliview_opts *o,
                         struct buf *b)
{
    const json_t *g = json_object_get(s, "group");
    double at;
    int rc = 0;

    if (json_is_object(g) && json_object_size(g) > 0) {
        struct buf t;

        buf_init(&t, 4096);
        rc |= entry_title(s, &t);
        rc |= buf_printf(b, "\n== %s ==\n", t.data != NULL ? t.data : "?");
        buf_free(&t);
    }
    if (get_num(s, "evaluated_at", &at)) {
        char when[40], age[32];

        util_time_format((int64_t)llround(at * 1000.0), when, sizeof(when));
        cliview_human_duration((double)o->now_ms / 1000.0 - at, age, sizeof(age));
        rc |= buf_printf(b, "\nFigures of the evaluation at %s (%s ago)\n", when, age);
    }
    rc |= explain_budget(s, o, b);
    rc |= explain_burn(s, b);
    rc |= explain_alerts(s, c, o, b);
    return rc;
}

static int not_found(const json_t *slos, const char *name, struct err *e)
{
    struct buf names;
    size_t n = json_array_size(slos);

    buf_init(&names, sizeof(e->msg) - 64);
    for (size_t i = 0; i < n; i++) {
        const char *nm = get_str(json_array_get(slos, i), "name");
        int seen = 0;

        for (size_t k = 0; k < i && nm != NULL && !seen; k++) {
            const char *prev = get_str(json_array_get(slos, k), "name");

            seen = prev != NULL && strcmp(prev, nm) == 0;
        }
        if (nm != NULL && !seen)
            buf_printf(&names, "%s%s", names.len ? ", " : "", nm);
    }
    util_errf(e, "unknown SLO \"%s\"; known: %s", name,
              names.len ? names.data : "none (the sidecar has no evaluated SLO)");
    buf_free(&names);
    return CLIVIEW_NOT_FOUND;
}

int cliview_explain(const json_t *slos, const char *name, const struct config *cfg,
                    const struct cliview_opts *o, struct buf *out, struct err *e)
{
    const struct config_slo *c = NULL;
    size_t n = json_array_size(slos);
    int found = 0;
    int rc = 0;

    for (size_t i = 0; cfg != NULL && i < cfg->nslos; i++)
        if (strcmp(cfg->slos[i].name, name) == 0)
            c = &cfg->slos[i];
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *s = json_array_get(slos, i);
        const char *nm = get_str(s, "name");

        if (nm == NULL || strcmp(nm, name) != 0)
            continue;
        if (!found) {
            if (explain_head(s, cfg, c, out, e) != 0)
                return util_err(e, "out of memory explaining SLO %s", name);
        }
        found = 1;
        rc |= explain_entry(s, c, o, out);
    }
    if (!found)
        return not_found(slos, name, e);
    return rc != 0 ? util_err(e, "out of memory explaining SLO %s", name) : 0;
}
