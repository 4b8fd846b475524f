/*
 * report: the pure part of `slo-sidecar report`. See report.h.
 *
 * Period bounds reuse slo_period_bounds: a calendar period of the right
 * kind, asked about an instant two days into the requested period, gives
 * that period's local midnights, DST included. Figures follow the daemon's
 * rules: a ratio only with events (slo_window_compute), met when the SLI
 * reaches the objective (slo_compliant), consumed = error ratio / (1 -
 * objective) (the burn rate of the whole period).
 */
#include "report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "slo.h"
#include "slojson.h"
#include "tzinfo.h"

#define DAY_S 86400LL
#define NCOLS 8
#define CELL 256

static const char accepted[] =
    "expected YYYY-MM (month), YYYY-QN (quarter, N 1..4) or YYYY-WNN (ISO week, NN 01..53), "
    "e.g. 2026-10, 2026-Q3, 2026-W44";

/* Days since 1970-01-01 of the Monday of ISO week 1 of year y. */
static int64_t iso_week1_monday(int y)
{
    int64_t jan4 = util_days_from_civil(y, 1, 4);

    /* 1970-01-01 was a Thursday: weekday from Monday is (day + 3) mod 7. */
    return jan4 - ((jan4 + 3) % 7 + 7) % 7;
}

int report_iso_weeks(int y)
{
    return (int)((iso_week1_monday(y + 1) - iso_week1_monday(y)) / 7);
}

int report_period_parse(const char *s, struct report_period *p, struct err *e)
{
    size_t len = s != NULL ? strlen(s) : 0;
    int y = len >= 5 ? util_digits(s, 4) : -1;
    int n = -1;

    memset(p, 0, sizeof(*p));
    if (y < 0 || s[4] != '-')
        return util_err(e, "period \"%s\": %s", s ? s : "", accepted);
    if (y < 1970)
        return util_err(e, "period \"%s\": the year must be 1970 or later", s);
    if (len == 7 && (n = util_digits(s + 5, 2)) >= 0) {
        if (n < 1 || n > 12)
            return util_err(e, "period \"%s\": month %d does not exist (01..12)", s, n);
        p->kind = REPORT_MONTH;
        snprintf(p->text, sizeof(p->text), "%s", s); /* validated: canonical */
    } else if (len == 7 && s[5] == 'Q' && (n = util_digits(s + 6, 1)) >= 0) {
        if (n < 1 || n > 4)
            return util_err(e, "period \"%s\": quarter %d does not exist (Q1..Q4)", s, n);
        p->kind = REPORT_QUARTER;
        snprintf(p->text, sizeof(p->text), "%s", s); /* validated: canonical */
    } else if (len == 8 && s[5] == 'W' && (n = util_digits(s + 6, 2)) >= 0) {
        if (n < 1 || n > report_iso_weeks(y))
            return util_err(e, "period \"%s\": %d has ISO weeks W01..W%02d", s, y,
                            report_iso_weeks(y));
        p->kind = REPORT_WEEK;
        snprintf(p->text, sizeof(p->text), "%s", s); /* validated: canonical */
    } else {
        return util_err(e, "period \"%s\": %s", s, accepted);
    }
    p->year = y;
    p->num = n;
    return 0;
}

int report_format_parse(const char *s, enum report_format *f)
{
    if (s == NULL || strcmp(s, "table") == 0)
        *f = REPORT_TABLE;
    else if (strcmp(s, "markdown") == 0)
        *f = REPORT_MARKDOWN;
    else if (strcmp(s, "json") == 0)
        *f = REPORT_JSON;
    else
        return -1;
    return 0;
}

void report_period_bounds(const struct report_period *p, struct tzinfo *tz, int64_t *start_ms,
                          int64_t *end_ms)
{
    struct config_slo fake;
    int64_t first, len;

    memset(&fake, 0, sizeof(fake));
    fake.tz = tz;
    switch (p->kind) {
    case REPORT_WEEK:
        fake.period_kind = CONFIG_PERIOD_CALENDAR_WEEK;
        first = iso_week1_monday(p->year) + 7LL * (p->num - 1);
        break;
    case REPORT_QUARTER:
        fake.period_kind = CONFIG_PERIOD_CALENDAR_QUARTER;
        first = util_days_from_civil(p->year, (p->num - 1) * 3 + 1, 1);
        break;
    case REPORT_MONTH:
    default:
        fake.period_kind = CONFIG_PERIOD_CALENDAR_MONTH;
        first = util_days_from_civil(p->year, p->num, 1);
        break;
    }
    /* Local noon two days in: inside the period whatever the clocks do. */
    slo_period_bounds(&fake, tzinfo_local_to_utc(tz, (first + 2) * DAY_S + DAY_S / 2) * 1000,
                      start_ms, &len);
    *end_ms = *start_ms + len;
}

int report_days(const struct tzinfo *tz, int64_t start_ms, int64_t end_ms, int64_t **bounds,
                int64_t **dates, size_t *n)
{
    int64_t s = util_floor_div(start_ms, 1000);
    int64_t first = util_floor_div(s + tzinfo_offset(tz, s), DAY_S);
    size_t cap = (size_t)((end_ms - start_ms) / (23 * 3600 * 1000LL)) + 2;
    int64_t *b = calloc(cap + 1, sizeof(*b));
    int64_t *d = calloc(cap, sizeof(*d));
    size_t k = 0;

    if (b == NULL || d == NULL)
        goto fail;
    b[0] = start_ms;
    while (k < cap && b[k] < end_ms) {
        int64_t next = tzinfo_local_to_utc(tz, (first + (int64_t)k + 1) * DAY_S) * 1000;

        d[k] = first + (int64_t)k;
        b[k + 1] = next < end_ms ? next : end_ms;
        k++;
    }
    *bounds = b;
    *dates = d;
    *n = k;
    return 0;
fail:
    free(b);
    free(d);
    return -1;
}

void report_date_format(int64_t date, char *buf, size_t len)
{
    time_t t = (time_t)(date * DAY_S);
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(buf, len, "?");
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

int report_worst_day(const struct report_day *d, size_t n, int64_t *date, double *sli)
{
    int found = 0;

    for (size_t i = 0; i < n; i++) {
        double v;

        if (!d[i].has || !(d[i].total > 0))
            continue;
        v = d[i].good / d[i].total;
        if (!found || v < *sli) {
            *date = d[i].date;
            *sli = v;
            found = 1;
        }
    }
    return found;
}

size_t report_bad_minutes(const double *good, const double *total, size_t n, double objective)
{
    size_t bad = 0;

    for (size_t i = 0; i < n; i++)
        if (total[i] > 0 && good[i] / total[i] < objective)
            bad++;
    return bad;
}

void report_row_finish(struct report_row *r)
{
    struct slo_window_result w;

    memset(&w, 0, sizeof(w));
    w.has_counts = r->has_counts;
    w.good = r->good;
    w.bad = r->bad;
    w.total = r->total;
    slo_window_compute(&w, r->objective);
    r->has_sli = w.has_ratio;
    r->sli = w.sli;
    r->met = slo_compliant(&w, r->objective);
    r->consumed = w.burn_rate;
}

struct report_row *report_add_row(struct report *rep, const char *slo, const struct labels *group)
{
    struct report_row *rows = realloc(rep->rows, (rep->n + 1) * sizeof(*rows));
    struct report_row *r;

    if (rows == NULL)
        return NULL;
    rep->rows = rows;
    r = &rows[rep->n];
    memset(r, 0, sizeof(*r));
    labels_init(&r->group);
    r->slo = util_strdup(slo);
    if (r->slo == NULL || (group != NULL && labels_copy(&r->group, group) != 0)) {
        free(r->slo);
        labels_free(&r->group);
        return NULL;
    }
    rep->n++;
    return r;
}

void report_free(struct report *rep)
{
    if (rep == NULL)
        return;
    for (size_t i = 0; i < rep->n; i++) {
        free(rep->rows[i].slo);
        labels_free(&rep->rows[i].group);
    }
    free(rep->rows);
    rep->rows = NULL;
    rep->n = 0;
}

static const char *result_str(int met)
{
    return met == 1 ? "met" : met == 0 ? "missed" : "no data";
}

static const char *zone(const struct report_row *r)
{
    return r->timezone != NULL ? r->timezone : "UTC";
}

/* "Period 2026-W44 (UTC: START to END; Europe/Berlin: ...)": one entry per zone. */
static int period_line(const struct report *rep, struct buf *out)
{
    int rc = buf_printf(out, "Period %s", rep->period.text);
    size_t shown = 0;

    for (size_t i = 0; i < rep->n; i++) {
        const struct report_row *r = &rep->rows[i];
        char a[40], b[40];
        size_t j;

        for (j = 0; j < i; j++)
            if (strcmp(zone(&rep->rows[j]), zone(r)) == 0)
                break;
        if (j < i)
            continue;
        util_time_format(r->start_ms, a, sizeof(a));
        util_time_format(r->end_ms, b, sizeof(b));
        rc |= buf_printf(out, "%s%s: %s to %s", shown++ ? "; " : " (", zone(r), a, b);
    }
    rc |= buf_puts(out, shown ? ")\n" : "\n");
    return rc ? -1 : 0;
}

static const char *headers[NCOLS] = {
    "SLO",       "OBJECTIVE",     "SLI",         "RESULT", "BUDGET CONSUMED",
    "WORST DAY", "WORST DAY SLI", "BAD MINUTES",
};

static void pct(char *b, int has, double v, int decimals)
{
    if (has)
        snprintf(b, CELL, "%.*f%%", decimals, v * 100.0);
    else
        snprintf(b, CELL, "n/a");
}

static void cells_of(const struct report_row *r, char c[NCOLS][CELL])
{
    struct buf name;

    buf_init(&name, CELL - 1);
    buf_puts(&name, r->slo);
    for (size_t i = 0; i < r->group.n; i++)
        buf_printf(&name, "%s%s=%s", i ? "," : "{", r->group.v[i].name, r->group.v[i].value);
    if (r->group.n > 0)
        buf_puts(&name, "}");
    snprintf(c[0], CELL, "%s", name.data ? name.data : r->slo);
    buf_free(&name);
    snprintf(c[1], CELL, "%.10g%%", r->objective * 100.0);
    pct(c[2], r->has_sli, r->sli, 3);
    snprintf(c[3], CELL, "%s", result_str(r->met));
    pct(c[4], r->has_sli, r->consumed, 1);
    if (r->has_worst) {
        report_date_format(r->worst_date, c[5], CELL);
        pct(c[6], 1, r->worst_sli, 3);
    } else {
        snprintf(c[5], CELL, "n/a");
        snprintf(c[6], CELL, "n/a");
    }
    if (r->has_bad_minutes)
        snprintf(c[7], CELL, "%.10g", r->bad_minutes);
    else
        snprintf(c[7], CELL, "n/a");
}

/* A markdown cell: '|' escaped so a label value cannot split the row. */
static int md_cell(struct buf *out, const char *s)
{
    int rc = 0;

    for (; *s; s++)
        rc |= *s == '|' ? buf_puts(out, "\\|") : buf_append(out, s, 1);
    return rc;
}

static int render_text(const struct report *rep, int markdown, struct buf *out)
{
    /* clang-format off */
    char (*cells)[NCOLS][CELL] = calloc(rep->n ? rep->n : 1, sizeof(*cells));
    /* clang-format on */
    size_t width[NCOLS];
    int rc = 0;

    if (cells == NULL)
        return -1;
    for (int c = 0; c < NCOLS; c++)
        width[c] = strlen(headers[c]);
    for (size_t i = 0; i < rep->n; i++) {
        cells_of(&rep->rows[i], cells[i]);
        for (int c = 0; c < NCOLS; c++)
            if (strlen(cells[i][c]) > width[c])
                width[c] = strlen(cells[i][c]);
    }
    rc |= period_line(rep, out);
    if (markdown) {
        rc |= buf_puts(out, "\n|");
        for (int c = 0; c < NCOLS; c++)
            rc |= buf_printf(out, " %s |", headers[c]);
        rc |= buf_puts(out, "\n|");
        for (int c = 0; c < NCOLS; c++)
            rc |= buf_puts(out, c == 0 ? "---|" : "--:|");
        rc |= buf_puts(out, "\n");
        for (size_t i = 0; i < rep->n; i++) {
            rc |= buf_puts(out, "|");
            for (int c = 0; c < NCOLS; c++) {
                rc |= buf_puts(out, " ");
                rc |= md_cell(out, cells[i][c]);
                rc |= buf_puts(out, " |");
            }
            rc |= buf_puts(out, "\n");
        }
    } else {
        for (size_t i = 0; i <= rep->n; i++)
            for (int c = 0; c < NCOLS; c++) {
                const char *s = i == 0 ? headers[c] : cells[i - 1][c];

                /* The last column is not padded: no trailing blanks. */
                rc |= buf_printf(out, "%-*s%s", c + 1 < NCOLS ? (int)width[c] : 0, s,
                                 c + 1 < NCOLS ? "  " : "\n");
            }
    }
    free(cells);
    return rc ? -1 : 0;
}

static json_t *num_or_null(int has, double v)
{
    return has ? json_real(v) : json_null();
}

static json_t *row_json(const struct report_row *r)
{
    json_t *o = json_object();
    char a[40], b[40];
    int rc = 0;

    if (o == NULL)
        return NULL;
    util_time_format(r->start_ms, a, sizeof(a));
    util_time_format(r->end_ms, b, sizeof(b));
    rc |= json_object_set_new(o, "name", json_string(r->slo));
    if (r->group.n > 0) {
        json_t *g = json_object();

        for (size_t i = 0; g != NULL && i < r->group.n; i++)
            rc |= json_object_set_new(g, r->group.v[i].name, json_string(r->group.v[i].value));
        rc |= json_object_set_new(o, "group", g);
    }
    rc |= json_object_set_new(o, "timezone", json_string(zone(r)));
    rc |= json_object_set_new(o, "start", json_string(a));
    rc |= json_object_set_new(o, "end", json_string(b));
    rc |= json_object_set_new(o, "objective", json_real(r->objective));
    rc |= json_object_set_new(o, "good", num_or_null(r->has_counts, r->good));
    rc |= json_object_set_new(o, "bad", num_or_null(r->has_counts, r->bad));
    rc |= json_object_set_new(o, "total", num_or_null(r->has_counts, r->total));
    rc |= json_object_set_new(o, "sli", num_or_null(r->has_sli, r->sli));
    rc |= json_object_set_new(o, "result", json_string(result_str(r->met)));
    rc |= json_object_set_new(o, "error_budget_consumed", num_or_null(r->has_sli, r->consumed));
    if (r->has_worst) {
        char d[16];
        json_t *w = json_object();

        report_date_format(r->worst_date, d, sizeof(d));
        if (w != NULL) {
            rc |= json_object_set_new(w, "date", json_string(d));
            rc |= json_object_set_new(w, "sli", json_real(r->worst_sli));
        }
        rc |= json_object_set_new(o, "worst_day", w);
    } else {
        rc |= json_object_set_new(o, "worst_day", json_null());
    }
    rc |= json_object_set_new(o, "bad_minutes", num_or_null(r->has_bad_minutes, r->bad_minutes));
    if (rc != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int render_json(const struct report *rep, struct buf *out)
{
    json_t *root = json_object();
    json_t *arr = json_array();
    char *s = NULL;
    int rc = -1;

    if (root == NULL || arr == NULL ||
        json_object_set_new(root, "period", json_string(rep->period.text)) != 0)
        goto out;
    if (json_object_set(root, "slos", arr) != 0)
        goto out;
    for (size_t i = 0; i < rep->n; i++)
        if (json_array_append_new(arr, row_json(&rep->rows[i])) != 0)
            goto out;
    s = slojson_dump(root, 1);
    if (s == NULL || buf_puts(out, s) != 0 || buf_puts(out, "\n") != 0)
        goto out;
    rc = 0;
out:
    free(s);
    json_decref(arr);
    json_decref(root);
    return rc;
}

int report_render(const struct report *rep, enum report_format f, struct buf *out)
{
    if (f == REPORT_JSON)
        return render_json(rep, out);
    return render_text(rep, f == REPORT_MARKDOWN, out);
}
