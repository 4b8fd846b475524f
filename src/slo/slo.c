/*
 * slo: pure SLO arithmetic. See slo.h. Every figure derives from the
 * good/bad/total counts of a window; nothing here guesses a value that the
 * counts do not give.
 */
#include "slo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tzinfo.h"
#include "util.h"

#define MIN_MS (60LL * 1000)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

const int64_t slo_std_windows_ms[SLO_STD_WINDOWS] = {
    5 * MIN_MS, 30 * MIN_MS, HOUR_MS, 2 * HOUR_MS, 6 * HOUR_MS, DAY_MS, 3 * DAY_MS,
};

/* The inverse of util_days_from_civil. */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/*
 * Local midnight (in tz) of local day number day, as unix milliseconds. A
 * midnight that occurs twice counts from its first occurrence; one skipped by
 * a DST jump from the jump.
 */
static int64_t local_midnight_ms(const struct tzinfo *tz, int64_t day)
{
    return tzinfo_local_to_utc(tz, day * (DAY_MS / 1000)) * 1000;
}

void slo_period_bounds(const struct config_slo *slo, int64_t at_ms, int64_t *start_ms,
                       int64_t *length_ms)
{
    int64_t at_s = util_floor_div(at_ms, 1000);
    /* The local calendar day that contains at_ms. */
    int64_t day = util_floor_div(at_s + tzinfo_offset(slo->tz, at_s), DAY_MS / 1000);
    int64_t y, ny, first, next;
    int m, d, nm;

    switch (slo->period_kind) {
    case CONFIG_PERIOD_CALENDAR_WEEK:
        /* 1970-01-01 was a Thursday: day 0 has weekday 3 counting from Monday. */
        first = day - ((day + 3) % 7 + 7) % 7;
        next = first + 7;
        break;
    case CONFIG_PERIOD_CALENDAR_MONTH:
    case CONFIG_PERIOD_CALENDAR_QUARTER:
        civil_from_days(day, &y, &m, &d);
        if (slo->period_kind == CONFIG_PERIOD_CALENDAR_QUARTER)
            m = (m - 1) / 3 * 3 + 1;
        nm = m + (slo->period_kind == CONFIG_PERIOD_CALENDAR_QUARTER ? 3 : 1);
        ny = y;
        if (nm > 12) {
            nm -= 12;
            ny++;
        }
        first = util_days_from_civil(y, m, 1);
        next = util_days_from_civil(ny, nm, 1);
        break;
    case CONFIG_PERIOD_ROLLING:
    default:
        *start_ms = at_ms - slo->period_ms;
        *length_ms = slo->period_ms;
        return;
    }
    /* Local midnights: with DST a period is not a whole number of days. */
    *start_ms = local_midnight_ms(slo->tz, first);
    *length_ms = local_midnight_ms(slo->tz, next) - *start_ms;
}

double slo_period_elapsed(int64_t at_ms, int64_t start_ms, int64_t length_ms)
{
    double r;

    if (length_ms <= 0)
        return 1.0;
    r = (double)(at_ms - start_ms) / (double)length_ms;
    return r < 0 ? 0 : r > 1 ? 1 : r;
}

static int add_window(struct slo_window *out, size_t *n, size_t max, int64_t ms, const char *name,
                      int is_period)
{
    for (size_t i = 0; i < *n; i++) {
        if (!out[i].is_period && out[i].ms == ms && name == NULL)
            return 0;
    }
    if (*n >= max)
        return -1;
    out[*n].ms = ms;
    out[*n].is_period = is_period;
    if (name != NULL)
        snprintf(out[*n].name, sizeof(out[*n].name), "%s", name);
    else if (util_duration_format(ms, out[*n].name, sizeof(out[*n].name)) != 0)
        snprintf(out[*n].name, sizeof(out[*n].name), "%lldms", (long long)ms);
    (*n)++;
    return 0;
}

size_t slo_windows(const struct config_slo *slo, int64_t at_ms, struct slo_window *out, size_t max)
{
    size_t n = 0;
    int64_t start, len;

    for (size_t i = 0; i < SLO_STD_WINDOWS; i++)
        add_window(out, &n, max, slo_std_windows_ms[i], NULL, 0);
    /* Custom tables may name windows the standard set lacks; keep them sorted
     * by length after the standard ones so the output order is stable. */
    for (;;) {
        int64_t best = 0;

        for (size_t i = 0; i < slo->nwindows; i++) {
            int64_t c[2] = {slo->windows[i].long_ms, slo->windows[i].short_ms};

            for (int k = 0; k < 2; k++) {
                int seen = 0;

                for (size_t j = 0; j < n; j++)
                    seen |= out[j].ms == c[k];
                if (!seen && (best == 0 || c[k] < best))
                    best = c[k];
            }
        }
        if (best == 0 || add_window(out, &n, max, best, NULL, 0) != 0)
            break;
    }
    slo_period_bounds(slo, at_ms, &start, &len);
    if (slo->period_kind == CONFIG_PERIOD_ROLLING) {
        for (size_t j = 0; j < n; j++) {
            if (out[j].ms == slo->period_ms) {
                out[j].is_period = 1;
                return n;
            }
        }
        add_window(out, &n, max, slo->period_ms, slo->period_name, 1);
    } else {
        add_window(out, &n, max, at_ms - start, "period", 1);
    }
    return n;
}

int slo_window_index(const struct slo_window_result *w, size_t n, int64_t ms)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].w.ms == ms && strcmp(w[i].w.name, "period") != 0)
            return (int)i;
    return -1;
}

int slo_period_index(const struct slo_window_result *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].w.is_period)
            return (int)i;
    return -1;
}

void slo_window_compute(struct slo_window_result *r, double objective)
{
    r->has_ratio = 0;
    r->sli = r->error_ratio = r->burn_rate = 0;
    if (!r->has_counts || !(r->total > 0))
        return;
    r->has_ratio = 1;
    r->sli = r->good / r->total;
    r->error_ratio = r->bad / r->total;
    r->burn_rate = r->error_ratio / (1.0 - objective);
}

void slo_budget_compute(double objective, double period_seconds,
                        const struct slo_window_result *period,
                        const struct slo_window_result *hour, struct slo_budget *out)
{
    memset(out, 0, sizeof(*out));
    if (period == NULL || !period->has_ratio)
        return;
    out->has = 1;
    out->consumed = period->error_ratio / (1.0 - objective);
    out->remaining = 1.0 - out->consumed;
    out->remaining_seconds = out->remaining * (1.0 - objective) * period_seconds;
    if (out->remaining <= 0) {
        out->has_tte = 1;
        out->tte_seconds = 0;
    } else if (hour != NULL && hour->has_ratio && hour->burn_rate > 0) {
        out->has_tte = 1;
        out->tte_seconds = out->remaining * period_seconds / hour->burn_rate;
    }
}

enum slo_status slo_status_of(const struct slo_budget *b, double warning, double critical)
{
    if (!b->has)
        return SLO_STATUS_NONE;
    if (b->consumed >= 1.0)
        return SLO_STATUS_EXHAUSTED;
    if (b->consumed >= critical)
        return SLO_STATUS_CRITICAL;
    if (b->consumed >= warning)
        return SLO_STATUS_WARNING;
    return SLO_STATUS_HEALTHY;
}

const char *slo_status_str(enum slo_status s)
{
    switch (s) {
    case SLO_STATUS_HEALTHY:
        return "healthy";
    case SLO_STATUS_WARNING:
        return "warning";
    case SLO_STATUS_CRITICAL:
        return "critical";
    case SLO_STATUS_EXHAUSTED:
        return "exhausted";
    case SLO_STATUS_NONE:
    default:
        return "none";
    }
}

static int burning(const struct slo_window_result *w, size_t nw, int64_t ms, double factor)
{
    int i = slo_window_index(w, nw, ms);

    return i >= 0 && w[i].has_ratio && w[i].burn_rate > factor;
}

size_t slo_alerts(const struct config_alert_window *rows, size_t nrows,
                  const struct slo_window_result *w, size_t nw, struct slo_alert out[2])
{
    static const enum config_severity order[2] = {CONFIG_SEVERITY_PAGE, CONFIG_SEVERITY_TICKET};
    size_t n = 0;

    for (int s = 0; s < 2; s++) {
        int present = 0, firing = 0;

        for (size_t i = 0; i < nrows; i++) {
            if (rows[i].severity != order[s])
                continue;
            present = 1;
            if (burning(w, nw, rows[i].long_ms, rows[i].factor) &&
                burning(w, nw, rows[i].short_ms, rows[i].factor))
                firing = 1;
        }
        if (present) {
            out[n].severity = order[s];
            out[n].firing = firing;
            n++;
        }
    }
    return n;
}

int slo_compliant(const struct slo_window_result *period, double objective)
{
    if (period == NULL || !period->has_ratio)
        return -1;
    return period->sli >= objective;
}

int64_t slo_slices(int64_t at_ms, int64_t window_ms, int64_t slice_ms)
{
    /* Slice ends e = k*s with at - window + s <= e <= at. */
    int64_t last = util_floor_div(at_ms, slice_ms);
    int64_t first = -util_floor_div(-(at_ms - window_ms + slice_ms), slice_ms);
    int64_t n = last - first + 1;

    return n > 0 ? n : 0;
}
