/*
 * impperiod: OpenSLO time windows into the sidecar's periods, only where
 * the budget would be counted over the same days. See impperiod.h.
 */
#include "impperiod.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "impdefs.h"
#include "impmsg.h"
#include "impread.h"
#include "util.h"
#include "yamlread.h"

/* "YYYY-MM-DD HH:MM:SS" (or with T) into its parts. Returns 0 or -1. */
static int parse_start(const char *s, int64_t *y, int *mo, int *d, int *hh, int *mm, int *ss)
{
    if (strlen(s) != 19 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') ||
        s[13] != ':' || s[16] != ':')
        return -1;
    *y = util_digits(s, 4);
    *mo = util_digits(s + 5, 2);
    *d = util_digits(s + 8, 2);
    *hh = util_digits(s + 11, 2);
    *mm = util_digits(s + 14, 2);
    *ss = util_digits(s + 17, 2);
    if (*y < 0 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 || *hh < 0 || *hh > 23 || *mm < 0 ||
        *mm > 59 || *ss < 0 || *ss > 60)
        return -1;
    return 0;
}

/*
 * The start of the sidecar's calendar period (calendar_week, _month or
 * _quarter) that holds day y-mo-d, as "YYYY-MM-DD 00:00:00" into out.
 */
static void period_start(const char *period, int64_t y, int mo, int d, char *out, size_t len)
{
    if (strcmp(period, "calendar_week") == 0) {
        /* 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday. */
        int64_t days = util_days_from_civil(y, mo, d);
        int back = (int)((days % 7 + 7 + 3) % 7);

        /* Stepping back at most 6 days crosses at most one month or year. */
        while (back-- > 0) {
            static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

            if (--d >= 1)
                continue;
            if (--mo < 1) {
                mo = 12;
                y--;
            }
            d = mdays[mo - 1] + (mo == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0));
        }
    } else {
        d = 1;
        if (strcmp(period, "calendar_quarter") == 0)
            mo -= (mo - 1) % 3;
    }
    snprintf(out, len, "%04lld-%02d-%02d 00:00:00", (long long)y, mo, d);
}

/* Whether tz names UTC in the tz database. */
static int utc_zone(const char *tz)
{
    static const char *const z[] = {
        "UTC",     "Etc/UTC",   "GMT",           "Etc/GMT",       "Z",
        "Zulu",    "Etc/Zulu",  "Universal",     "Etc/Universal", "UCT",
        "Etc/UCT", "Etc/GMT+0", "Etc/GMT-0",     "Etc/GMT0",      "GMT0",
        "GMT+0",   "GMT-0",     "Etc/Greenwich", "Greenwich"};

    for (size_t i = 0; i < NELEMS(z); i++)
        if (strcmp(tz, z[i]) == 0)
            return 1;
    return 0;
}

/*
 * The window w (at path p) of duration text dur (at node dn, path q), rolling
 * or calendar-aligned (cal), into o->period. Returns 0, or -1 (reported).
 */
static int window_period(struct imp *m, const yaml_node_t *w, const char *p, const char *dur,
                         const yaml_node_t *dn, const char *q, int rolling, const yaml_node_t *cal,
                         const char *slo, struct out_slo *o)
{
    static const char *const ckeys[] = {"startTime", "timeZone"};
    const char *unit;
    int64_t ms;
    struct err e = {{0}};
    char s[80];
    long cnt = 0;
    size_t n;

    /* A number (at most 9 digits) and one unit letter. */
    n = strspn(dur, "0123456789");
    if (n >= 1 && n <= 9)
        cnt = util_digits(dur, (int)n);
    if (n == 0 || n > 9 || cnt <= 0 || dur[n] == '\0' || dur[n + 1] != '\0' ||
        strchr("mhdwMQY", dur[n]) == NULL) {
        imp_report(m, dn, IMPORTER_SKIPPED, slo, q,
                   "\"%s\" is not an OpenSLO duration (a number and one of m h d w M Q Y)",
                   imp_shorten(dur, s, sizeof(s)));
        return -1;
    }
    unit = dur + n;
    if (rolling) {
        if (cal != NULL) {
            imp_report(m, cal, IMPORTER_SKIPPED, slo, p, "isRolling: true with a calendar");
            return -1;
        }
        if (strchr("MQY", *unit) != NULL) {
            imp_report(m, dn, IMPORTER_SKIPPED, slo, q,
                       "a rolling %s has no fixed length; the sidecar's rolling periods are "
                       "durations (e.g. 30d, 90d, 365d)",
                       *unit == 'M'   ? "month"
                       : *unit == 'Q' ? "quarter"
                                      : "year");
            return -1;
        }
        if (util_duration_parse(dur, &ms, 0, &e) != 0 || ms < 3600 * 1000LL) {
            imp_report(m, dn, IMPORTER_SKIPPED, slo, q,
                       "%s: the sidecar's periods are at least 1h", dur);
            return -1;
        }
        /* In the sidecar's words: 1w is 7d, 720h is 30d. */
        if (util_duration_format(ms, s, sizeof(s)) != 0) {
            imp_report(m, dn, IMPORTER_SKIPPED, slo, q, "%s is too long", dur);
            return -1;
        }
        imp_set(m, &o->period, s);
        return 0;
    }
    if ((cnt == 1 && *unit == 'w') || (cnt == 7 && *unit == 'd'))
        imp_set(m, &o->period, "calendar_week");
    else if (cnt == 1 && *unit == 'M')
        imp_set(m, &o->period, "calendar_month");
    else if ((cnt == 1 && *unit == 'Q') || (cnt == 3 && *unit == 'M'))
        imp_set(m, &o->period, "calendar_quarter");
    else {
        imp_report(m, dn, IMPORTER_SKIPPED, slo, q,
                   "a calendar window of %s; the sidecar's calendar periods are a week (1w), a "
                   "month (1M) and a quarter (1Q)",
                   dur);
        return -1;
    }
    if (o->period == NULL)
        return -1; /* out of memory (m->y.oom is set) */
    if (cal != NULL) {
        const char *tz, *start;
        char cp[PATHLEN];
        char sq[PATHLEN];

        yr_join(cp, sizeof(cp), p, "calendar");
        if (!yr_is_map(cal)) {
            imp_report(m, cal, IMPORTER_SKIPPED, slo, cp, "expected a mapping");
            return -1;
        }
        imp_check_keys(m, cal, cp, slo, ckeys, NELEMS(ckeys));
        tz = imp_get_str(m, cal, cp, "timeZone", slo, 0, IMPORTER_SKIPPED);
        start = imp_get_str(m, cal, cp, "startTime", slo, 0, IMPORTER_SKIPPED);
        /* Other zones become `timezone`; the config loader (run on every
         * converted SLO) says when the system does not know the zone. */
        if (tz != NULL && !utc_zone(tz)) {
            imp_set(m, &o->timezone, tz);
            if (o->timezone == NULL)
                return -1; /* out of memory (m->y.oom is set) */
        }
        if (tz == NULL)
            imp_report(m, cal, IMPORTER_NOTE, slo, cp, "no timeZone; UTC assumed");
        if (start != NULL) {
            int64_t y;
            int mo, d, hh, mm, ss;
            int aligned;

            yr_join(sq, sizeof(sq), cp, "startTime");
            if (parse_start(start, &y, &mo, &d, &hh, &mm, &ss) != 0) {
                imp_report(m, yr_get(&m->y, cal, "startTime"), IMPORTER_SKIPPED, slo, sq,
                           "\"%s\" is not a date and time like 2024-01-01 00:00:00",
                           imp_shorten(start, s, sizeof(s)));
                return -1;
            }
            aligned = hh == 0 && mm == 0 && ss == 0;
            if (strcmp(o->period, "calendar_week") == 0) {
                /* 1970-01-01 was a Thursday: day 0 is weekday 3 counted from Monday. */
                int64_t days = util_days_from_civil(y, mo, d);

                aligned &= ((days % 7 + 7 + 3) % 7) == 0;
            } else {
                aligned &= d == 1;
                if (strcmp(o->period, "calendar_quarter") == 0)
                    aligned &= (mo - 1) % 3 == 0;
            }
            if (!aligned) {
                char fix[40];

                period_start(o->period, y, mo, d, fix, sizeof(fix));
                imp_report(m, yr_get(&m->y, cal, "startTime"), IMPORTER_SKIPPED, slo, sq,
                           "%s: the sidecar's %ss begin on %s at 00:00; a budget counted "
                           "from another day is another SLO. To count the sidecar's %ss, "
                           "write startTime: %s (the start of the %s it is in)",
                           start, o->period + 9, /* "week", "month", "quarter" */
                           strcmp(o->period, "calendar_week") == 0 ? "Mondays"
                           : strcmp(o->period, "calendar_month") == 0
                               ? "the 1st"
                               : "the 1st of January, April, July and October",
                           o->period + 9, fix, o->period + 9);
                return -1;
            }
        }
    } else {
        imp_report(m, w, IMPORTER_NOTE, slo, p, "a calendar window without calendar; UTC assumed");
    }
    return 0;
}

int imp_openslo_period(struct imp *m, const yaml_node_t *spec, const char *slo, struct out_slo *o)
{
    static const char *const keys[] = {"duration", "isRolling", "calendar"};
    yaml_node_t *tw = yr_get_opt(&m->y, spec, "timeWindow");
    yaml_node_t *w, *cal;
    const char *dur;
    const char *p = "spec.timeWindow[0]";
    int rolling = -1;
    char q[PATHLEN];

    w = imp_one_window(m, spec, tw, "timeWindow", slo, p);
    if (w == NULL)
        return -1;
    imp_check_keys(m, w, p, slo, keys, NELEMS(keys));
    dur = imp_get_str(m, w, p, "duration", slo, 1, IMPORTER_SKIPPED);
    cal = yr_get_opt(&m->y, w, "calendar");
    if (imp_get_bool(m, w, p, "isRolling", slo, IMPORTER_SKIPPED, &rolling) < 0 || dur == NULL)
        return -1;
    if (rolling < 0)
        rolling = cal == NULL;
    yr_join(q, sizeof(q), p, "duration");
    return window_period(m, w, p, dur, yr_get(&m->y, w, "duration"), q, rolling, cal, slo, o);
}

int imp_openslo_alpha_period(struct imp *m, const yaml_node_t *spec, const char *slo,
                             struct out_slo *o)
{
    static const char *const keys[] = {"unit", "count", "isRolling", "calendar"};
    static const char *const units[][2] = {{"Minute", "m"}, {"Hour", "h"},  {"Day", "d"},
                                           {"Week", "w"},   {"Month", "M"}, {"Quarter", "Q"},
                                           {"Year", "Y"},   {"Second", "s"}};
    yaml_node_t *tw = yr_get_opt(&m->y, spec, "timeWindows");
    yaml_node_t *w, *cal;
    const char *unit, *count;
    const char *p = "spec.timeWindows[0]";
    const char *letter = NULL;
    int rolling = -1;
    double x = 0;
    char q[PATHLEN];
    char dur[48];
    char s[80];

    w = imp_one_window(m, spec, tw, "timeWindows", slo, p);
    if (w == NULL)
        return -1;
    imp_check_keys(m, w, p, slo, keys, NELEMS(keys));
    unit = imp_get_str(m, w, p, "unit", slo, 1, IMPORTER_SKIPPED);
    count = imp_get_num(m, w, p, "count", slo, 1, IMPORTER_SKIPPED, &x);
    cal = yr_get_opt(&m->y, w, "calendar");
    if (imp_get_bool(m, w, p, "isRolling", slo, IMPORTER_SKIPPED, &rolling) < 0 || unit == NULL ||
        count == NULL)
        return -1;
    if (rolling < 0)
        rolling = cal == NULL;
    for (size_t i = 0; i < NELEMS(units); i++)
        if (strcmp(unit, units[i][0]) == 0)
            letter = units[i][1];
    if (letter == NULL) {
        yr_join(q, sizeof(q), p, "unit");
        imp_report(m, yr_get(&m->y, w, "unit"), IMPORTER_SKIPPED, slo, q,
                   "\"%s\" is not one of Second, Minute, Hour, Day, Week, Month, Quarter, Year",
                   imp_shorten(unit, s, sizeof(s)));
    }
    yr_join(q, sizeof(q), p, "count");
    if (!(x >= 1 && x <= 999999999) || x != (double)(long)x) {
        imp_report(m, yr_get(&m->y, w, "count"), IMPORTER_SKIPPED, slo, q,
                   "%s: expected a whole number from 1", count);
        return -1;
    }
    if (letter == NULL)
        return -1;
    /* Seconds only make a period in whole minutes (and the sidecar's are at least 1h). */
    if (*letter == 's' && (long)x % 60 != 0) {
        imp_report(m, yr_get(&m->y, w, "count"), IMPORTER_SKIPPED, slo, q,
                   "%s seconds: the sidecar's periods are at least 1h", count);
        return -1;
    }
    if (*letter == 's')
        snprintf(dur, sizeof(dur), "%ldm", (long)x / 60);
    else
        snprintf(dur, sizeof(dur), "%ld%s", (long)x, letter);
    return window_period(m, w, p, dur, yr_get(&m->y, w, "count"), q, rolling, cal, slo, o);
}
