/*
 * report: compliance over a past calendar period (`slo-sidecar report`),
 * the pure part: parsing a period ("2026-10", "2026-Q3", "2026-W44"), its
 * bounds and local days in an SLO's time zone, the figures of a row (SLI,
 * met or missed, budget consumed, worst day, bad minutes) and the table,
 * markdown and JSON renderers. No clocks, no I/O: reportfetch asks the
 * backend and fills the rows.
 * Depends on util, config, slo, tzinfo, slojson (jansson).
 */
#ifndef SLO_REPORT_H
#define SLO_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "util.h"

enum report_kind {
    REPORT_MONTH,   /* 2026-10 */
    REPORT_QUARTER, /* 2026-Q3 */
    REPORT_WEEK     /* 2026-W44: ISO 8601 week, Monday 00:00 */
};

struct report_period {
    enum report_kind kind;
    int year;
    int num;       /* month 1..12, quarter 1..4, week 1..52 or 53 */
    char text[16]; /* as printed: "2026-W44" */
};

enum report_format {
    REPORT_TABLE,
    REPORT_MARKDOWN,
    REPORT_JSON
};

/*
 * Parses "YYYY-MM", "YYYY-QN" or "YYYY-WNN" (year 1970..9999; week 53 only
 * in years that have one). 0, or -1 with e naming the accepted forms.
 */
int report_period_parse(const char *s, struct report_period *p, struct err *e);

/* Parses "table", "markdown" or "json". 0 or -1. */
int report_format_parse(const char *s, enum report_format *f);

/* Number of ISO weeks of year y: 52 or 53. */
int report_iso_weeks(int y);

/*
 * Bounds of p in tz (NULL: UTC; only read) as [start_ms, end_ms): local midnight of
 * its first day to local midnight after its last day (slo_period_bounds'
 * calendar math, so DST shortens or lengthens the period).
 */
void report_period_bounds(const struct report_period *p, struct tzinfo *tz, int64_t *start_ms,
                          int64_t *end_ms);

/*
 * The local days of [start_ms, end_ms) in tz: *n days, day i from
 * (*bounds)[i] to (*bounds)[i + 1] (23 or 25 hours across DST), and its
 * local date as days since 1970-01-01 in (*dates)[i]. Both arrays are new
 * (caller frees). 0, or -1 when out of memory.
 */
int report_days(const struct tzinfo *tz, int64_t start_ms, int64_t end_ms, int64_t **bounds,
                int64_t **dates, size_t *n);

/* "2026-10-28" for days since 1970-01-01. */
void report_date_format(int64_t date, char *buf, size_t len);

/* One day's counts (good and total events or slices). */
struct report_day {
    int64_t date; /* local date, days since 1970-01-01 */
    int has;      /* the backend had data that day */
    double good;
    double total;
};

/*
 * The day with the lowest SLI (good/total) among days with events (has and
 * total > 0); the earliest on a tie. 1 with *date and *sli set, 0 when no
 * day had events.
 */
int report_worst_day(const struct report_day *d, size_t n, int64_t *date, double *sli);

/*
 * Minutes i in [0, n) with events (total[i] > 0) whose SLI good[i] /
 * total[i] is below objective (a ratio).
 */
size_t report_bad_minutes(const double *good, const double *total, size_t n, double objective);

/* One line of the report: an SLO, or one group of a grouped SLO. */
struct report_row {
    char *slo;            /* owned */
    struct labels group;  /* owned; empty for ungrouped SLOs */
    const char *timezone; /* borrowed; NULL: UTC */
    int64_t start_ms, end_ms;
    double objective; /* ratio */
    /* inputs: the whole period's counts */
    int has_counts;
    double good, bad, total;
    int has_worst; /* report_worst_day over the local days */
    int64_t worst_date;
    double worst_sli;
    int has_bad_minutes; /* 0: n/a (free promql SLI, or no figure from the store) */
    double bad_minutes;
    /* derived by report_row_finish */
    int has_sli;
    double sli;
    int met;         /* 1 met, 0 missed, -1 no data */
    double consumed; /* error ratio / (1 - objective), when has_sli */
};

struct report {
    struct report_period period;
    size_t n;
    struct report_row *rows;
};

/* Derives sli, met and consumed from the counts (slo_window_compute rules). */
void report_row_finish(struct report_row *r);

/* Adds an empty row (name copied, group copied); NULL when out of memory. */
struct report_row *report_add_row(struct report *rep, const char *slo, const struct labels *group);

/* Frees the rows; rep may be reused after. Accepts NULL. */
void report_free(struct report *rep);

/*
 * Appends rep in format f to out: table (aligned columns), markdown (a
 * GitHub table) or JSON (pretty). Absent figures print as "n/a" (JSON
 * null). 0, or -1 when out of memory or past out's cap.
 */
int report_render(const struct report *rep, enum report_format f, struct buf *out);

#endif
