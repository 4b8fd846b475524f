/*
 * slo: the SLO arithmetic of the SRE workbook, pure (numbers in, numbers out;
 * no clocks, no I/O): which windows an SLO is evaluated over, ratios, burn
 * rates, error budget, time to exhaustion, status, compliance and the
 * multi-window multi-burn-rate alerts. A window with zero total events has no
 * ratio: "absent" is an explicit flag, never NaN or 0.
 * Depends on util, config, tzinfo (lookups in an already loaded zone only).
 */
#ifndef SLO_SLO_H
#define SLO_SLO_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

/* The alert windows every SLO is evaluated over (contract), plus the period. */
#define SLO_STD_WINDOWS 7
extern const int64_t slo_std_windows_ms[SLO_STD_WINDOWS];

/* Largest number of windows one SLO can have: 7 standard + period + custom. */
#define SLO_MAX_WINDOWS 32

struct slo_window {
    char name[24]; /* "5m", "30d", or "period" for a calendar period */
    int64_t ms;    /* window length at this evaluation */
    int is_period;
};

/* One window's figures. */
struct slo_window_result {
    struct slo_window w;
    int has_counts; /* the backend saw data for the window */
    double good;
    double bad;
    double total;
    int has_ratio; /* has_counts and total > 0 */
    double sli;
    double error_ratio;
    double burn_rate;
};

struct slo_budget {
    int has;          /* the period has a ratio */
    double consumed;  /* period error ratio / (1 - objective) */
    double remaining; /* 1 - consumed; negative when overspent */
    double remaining_seconds;
    int has_tte;        /* absent when burn(1h) is absent or 0 */
    double tte_seconds; /* 0 once exhausted */
};

enum slo_status {
    SLO_STATUS_NONE = -1, /* no data over the period */
    SLO_STATUS_HEALTHY = 0,
    SLO_STATUS_WARNING,
    SLO_STATUS_CRITICAL,
    SLO_STATUS_EXHAUSTED
};
#define SLO_NSTATUS 4

struct slo_alert {
    enum config_severity severity;
    int firing;
};

/*
 * Start of the period that contains at_ms and its full length. Rolling: the
 * window (at - period, at]. Calendar periods start at local midnight in
 * slo->tz (UTC when NULL) on Monday (ISO week), the 1st of the month or of
 * the quarter, and end at the next such midnight: across a DST change the
 * length is not a whole number of days (March in Europe/Berlin: 31d - 1h).
 */
void slo_period_bounds(const struct config_slo *slo, int64_t at_ms, int64_t *start_ms,
                       int64_t *length_ms);

/*
 * Share of the period elapsed at at_ms, (at - start) / length clamped to
 * [0, 1]: 1 for a rolling period, whose window is always full.
 */
double slo_period_elapsed(int64_t at_ms, int64_t start_ms, int64_t length_ms);

/*
 * Fills out[] with the windows of slo at at_ms, in this order: the standard
 * alert windows, windows named only in a custom alert table (by length), then
 * the period (named as written for rolling periods, "period" for calendar
 * ones; a rolling period equal to a standard window is not repeated but that
 * window is flagged is_period). Returns the count.
 */
size_t slo_windows(const struct config_slo *slo, int64_t at_ms, struct slo_window *out,
                   size_t max);

/* Index of the window of length ms (not the calendar period), or -1. */
int slo_window_index(const struct slo_window_result *w, size_t n, int64_t ms);
/* Index of the period window, or -1. */
int slo_period_index(const struct slo_window_result *w, size_t n);

/*
 * Completes r from r->good/bad/total: the ratios when total > 0, else marks
 * them absent. Burn rate = error_ratio / (1 - objective).
 */
void slo_window_compute(struct slo_window_result *r, double objective);

/*
 * Error budget from the period window and the 1h burn rate (either may be
 * absent). period_seconds is the full period length.
 */
void slo_budget_compute(double objective, double period_seconds,
                        const struct slo_window_result *period,
                        const struct slo_window_result *hour, struct slo_budget *out);

/* Status from budget consumed: exhausted at >= 1, else critical/warning thresholds. */
enum slo_status slo_status_of(const struct slo_budget *b, double warning, double critical);
const char *slo_status_str(enum slo_status s);

/*
 * Evaluates the alert table: a severity fires when, for any of its rows,
 * burn(long) > factor and burn(short) > factor. An absent burn rate never
 * fires. Writes one entry per severity present in the table (page first) and
 * returns the count (at most 2).
 */
size_t slo_alerts(const struct config_alert_window *rows, size_t nrows,
                  const struct slo_window_result *w, size_t nw, struct slo_alert out[2]);

/*
 * Number of time slices (k*s, (k+1)*s] that lie wholly inside the window
 * (at - window, at]: the total of a time-slice SLI.
 */
int64_t slo_slices(int64_t at_ms, int64_t window_ms, int64_t slice_ms);

/* 1 when the period SLI >= objective, 0 when not, -1 when absent. */
int slo_compliant(const struct slo_window_result *period, double objective);

#endif
