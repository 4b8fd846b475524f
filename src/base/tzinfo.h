/*
 * tzinfo: time zones from the system tz database without touching the
 * process-wide TZ (no setenv/tzset in a threaded daemon). tzinfo_parse reads
 * a TZif file (RFC 8536, versions 1 to 4) from bytes: its transitions and the
 * POSIX TZ string of its footer, which gives the rule for times after the last
 * transition (Debian's "slim" files have few transitions and rely on it).
 * tzinfo_load reads /usr/share/zoneinfo/NAME (or $TZDIR/NAME) and is the only
 * function here that does I/O. A loaded zone is immutable: any thread may
 * call the lookups on it at the same time.
 * Depends on util.
 */
#ifndef SLO_TZINFO_H
#define SLO_TZINFO_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

/* Upper bounds against damaged or hostile files. */
#define TZINFO_MAX_BYTES (256u * 1024u)
#define TZINFO_MAX_TRANSITIONS 10000u

/* One rule date of a POSIX TZ string: Jn, n or Mm.w.d, and the local time. */
struct tzinfo_rule_date {
    char kind;    /* 'J' (1..365, no Feb 29), 'D' (0..365), 'M' */
    int day;      /* J and D: the day; M: day of week, 0 = Sunday */
    int week;     /* M: 1..5, 5 = last */
    int month;    /* M: 1..12 */
    int32_t time; /* seconds after local midnight; -167h..167h */
};

/* The footer rule: a standard offset and, optionally, DST between two dates. */
struct tzinfo_posix {
    int32_t std_off; /* seconds east of UTC */
    int has_dst;
    int32_t dst_off;
    struct tzinfo_rule_date start; /* in standard time */
    struct tzinfo_rule_date end;   /* in DST */
};

struct tzinfo {
    char *name;   /* as configured: "Europe/Berlin" */
    size_t n;     /* transitions */
    int64_t *at;  /* unix seconds, strictly ascending */
    int32_t *off; /* UTC offset (seconds east) from at[i] on */
    int32_t off0; /* before the first transition */
    int has_rule; /* a footer rule applies after at[n-1] */
    struct tzinfo_posix rule;
};

/*
 * Parses a TZif file of len bytes for zone name. Returns a new zone (free with
 * tzinfo_free) or NULL with a message in e (a damaged or unsupported file,
 * such as one with leap seconds, or out of memory).
 */
struct tzinfo *tzinfo_parse(const char *name, const unsigned char *data, size_t len,
                            struct err *e);

/*
 * Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3" (with the
 * RFC 8536 extensions: hours up to 167, negative times). Returns 0 or -1.
 */
int tzinfo_posix_parse(const char *s, struct tzinfo_posix *out, struct err *e);

/*
 * Loads zone name from $TZDIR (default /usr/share/zoneinfo). The name must be
 * a relative path of letters, digits, '_', '+', '-' and '/' without "..".
 * Returns a new zone or NULL with a message that names the file.
 */
struct tzinfo *tzinfo_load(const char *name, struct err *e);

/* Frees tz; accepts NULL. */
void tzinfo_free(struct tzinfo *tz);

/* UTC offset in seconds east at unix time t; tz NULL is UTC (0). */
int32_t tzinfo_offset(const struct tzinfo *tz, int64_t t);

/*
 * The first unix time whose local wall-clock time in tz is at or after
 * local (seconds since 1970-01-01 00:00 local): for a local time that occurs
 * twice (clocks turned back) its first occurrence, for one skipped (clocks
 * turned forward) the instant the clocks jumped. tz NULL is UTC.
 */
int64_t tzinfo_local_to_utc(const struct tzinfo *tz, int64_t local);

#endif
