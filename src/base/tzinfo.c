/*
 * tzinfo: TZif files and POSIX TZ strings, read by hand so that no code
 * depends on the process-wide TZ. See tzinfo.h. Only tzinfo_load
 * touches the file system; the rest is pure and read-only once built.
 */
#include "tzinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DAY_S 86400
/* A UTC offset beyond 26h is not a real zone (RFC 8536 allows -89999..93599). */
#define MAX_OFF (26 * 3600)
/* RFC 8536 extends the hours of a rule time to -167..167. */
#define MAX_RULE_TIME (167 * 3600 + 59 * 60 + 59)

/* ---- POSIX TZ strings ---- */

static int skip_name(const char **p)
{
    const char *s = *p;

    if (*s == '<') {
        s++;
        while (*s != '\0' && *s != '>')
            s++;
        if (*s != '>' || s - *p < 2)
            return -1;
        *p = s + 1;
        return 0;
    }
    while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z'))
        s++;
    if (s - *p < 3)
        return -1;
    *p = s;
    return 0;
}

static int digits(const char **p, int max_digits, int *out)
{
    int n = 0, k = 0;

    while (**p >= '0' && **p <= '9' && k < max_digits) {
        n = n * 10 + (**p - '0');
        (*p)++;
        k++;
    }
    if (k == 0)
        return -1;
    *out = n;
    return 0;
}

/* [+-]hh[:mm[:ss]] into seconds, hours at most max_h. */
static int hms(const char **p, int max_h, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;

    if (**p == '+' || **p == '-')
        sign = *(*p)++ == '-' ? -1 : 1;
    if (digits(p, 3, &h) != 0 || h > max_h)
        return -1;
    if (**p == ':') {
        (*p)++;
        if (digits(p, 2, &m) != 0 || m > 59)
            return -1;
        if (**p == ':') {
            (*p)++;
            if (digits(p, 2, &s) != 0 || s > 59)
                return -1;
        }
    }
    *out = (int32_t)(sign * (h * 3600 + m * 60 + s));
    return 0;
}

static int rule_date(const char **p, struct tzinfo_rule_date *d)
{
    memset(d, 0, sizeof(*d));
    if (**p == 'J') {
        (*p)++;
        d->kind = 'J';
        if (digits(p, 3, &d->day) != 0 || d->day < 1 || d->day > 365)
            return -1;
    } else if (**p == 'M') {
        (*p)++;
        d->kind = 'M';
        if (digits(p, 2, &d->month) != 0 || d->month < 1 || d->month > 12 || *(*p)++ != '.' ||
            digits(p, 1, &d->week) != 0 || d->week < 1 || d->week > 5 || *(*p)++ != '.' ||
            digits(p, 1, &d->day) != 0 || d->day > 6)
            return -1;
    } else {
        d->kind = 'D';
        if (digits(p, 3, &d->day) != 0 || d->day > 365)
            return -1;
    }
    d->time = 2 * 3600;
    if (**p == '/') {
        (*p)++;
        if (hms(p, 167, &d->time) != 0)
            return -1;
    }
    return 0;
}

int tzinfo_posix_parse(const char *s, struct tzinfo_posix *out, struct err *e)
{
    const char *p = s;
    int32_t o;

    memset(out, 0, sizeof(*out));
    if (skip_name(&p) != 0 || hms(&p, 24, &o) != 0)
        goto bad;
    /* POSIX offsets count hours west of Greenwich. */
    out->std_off = -o;
    if (*p == '\0')
        return 0;
    if (skip_name(&p) != 0)
        goto bad;
    out->has_dst = 1;
    out->dst_off = out->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if (hms(&p, 24, &o) != 0)
            goto bad;
        out->dst_off = -o;
    }
    if (*p != ',')
        return util_err(e,
                        "TZ string \"%s\": daylight saving time without a rule is not "
                        "supported",
                        s);
    p++;
    if (rule_date(&p, &out->start) != 0 || *p++ != ',' || rule_date(&p, &out->end) != 0 ||
        *p != '\0')
        goto bad;
    return 0;
bad:
    return util_err(e, "invalid TZ string \"%s\"", s);
}

/* Days since 1970-01-01 of rule date d in year y. */
static int64_t rule_day(const struct tzinfo_rule_date *d, int64_t y)
{
    int64_t jan1 = util_days_from_civil(y, 1, 1);
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int64_t first, day, next, wd;

    switch (d->kind) {
    case 'J':
        return jan1 + d->day - 1 + (leap && d->day >= 60);
    case 'D':
        return jan1 + d->day;
    default:
        first = util_days_from_civil(y, d->month, 1);
        next = d->month == 12 ? util_days_from_civil(y + 1, 1, 1)
                              : util_days_from_civil(y, d->month + 1, 1);
        /* 1970-01-01 was a Thursday (4, counting from Sunday = 0). */
        wd = ((first + 4) % 7 + 7) % 7;
        day = first + ((d->day - wd) % 7 + 7) % 7 + (d->week - 1) * 7L;
        while (day >= next)
            day -= 7;
        return day;
    }
}

/* The year (proleptic Gregorian) of day z since 1970-01-01. */
static int64_t year_of_day(int64_t z)
{
    int64_t y = 1970 + util_floor_div(z * 400, 146097) - 1;

    while (util_days_from_civil(y + 1, 1, 1) <= z)
        y++;
    while (util_days_from_civil(y, 1, 1) > z)
        y--;
    return y;
}

static int32_t posix_offset(const struct tzinfo_posix *r, int64_t t)
{
    int64_t y, s, en;

    if (!r->has_dst)
        return r->std_off;
    y = year_of_day(util_floor_div(t + r->std_off, DAY_S));
    /* The start is written in standard time, the end in daylight time. */
    s = rule_day(&r->start, y) * DAY_S + r->start.time - r->std_off;
    en = rule_day(&r->end, y) * DAY_S + r->end.time - r->dst_off;
    if (s < en)
        return s <= t && t < en ? r->dst_off : r->std_off;
    /* Southern hemisphere: daylight time spans the turn of the year. */
    return en <= t && t < s ? r->std_off : r->dst_off;
}

/* ---- TZif ---- */

struct rd {
    const unsigned char *p;
    size_t left;
};

static int take(struct rd *r, size_t n, const unsigned char **out)
{
    if (r->left < n)
        return -1;
    *out = r->p;
    r->p += n;
    r->left -= n;
    return 0;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct hdr {
    int version; /* 1..4 */
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

static int read_hdr(struct rd *r, struct hdr *h)
{
    const unsigned char *p;

    if (take(r, 44, &p) != 0 || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->version = p[4] == 0 ? 1 : p[4] - '0';
    if (h->version < 1 || h->version > 4)
        return -1;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    return 0;
}

/* Bytes of a data block with times of tsize bytes; 0 when absurdly large. */
static size_t block_size(const struct hdr *h, size_t tsize)
{
    uint64_t n = (uint64_t)h->timecnt * (tsize + 1) + (uint64_t)h->typecnt * 6 + h->charcnt +
                 (uint64_t)h->leapcnt * (tsize + 4) + h->isstdcnt + h->isutcnt;

    return n > TZINFO_MAX_BYTES ? 0 : (size_t)n;
}

/* Fills tz from the data block at r (times of tsize bytes). */
static int read_block(struct rd *r, const struct hdr *h, size_t tsize, struct tzinfo *tz,
                      struct err *e)
{
    const unsigned char *times, *idx, *types, *rest;
    int32_t *toff;

    if (h->leapcnt != 0)
        return util_err(e, "leap-second time zones (right/...) are not supported");
    if (h->typecnt == 0 || h->typecnt > 256 || h->timecnt > TZINFO_MAX_TRANSITIONS ||
        (h->isstdcnt != 0 && h->isstdcnt != h->typecnt) ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt))
        return util_err(e, "invalid TZif header");
    if (block_size(h, tsize) == 0 || take(r, h->timecnt * tsize, &times) != 0 ||
        take(r, h->timecnt, &idx) != 0 || take(r, h->typecnt * 6, &types) != 0 ||
        take(r, h->charcnt + h->isstdcnt + h->isutcnt, &rest) != 0)
        return util_err(e, "truncated TZif file");
    toff = calloc(h->typecnt, sizeof(*toff));
    tz->at = calloc(h->timecnt ? h->timecnt : 1, sizeof(*tz->at));
    tz->off = calloc(h->timecnt ? h->timecnt : 1, sizeof(*tz->off));
    if (toff == NULL || tz->at == NULL || tz->off == NULL) {
        free(toff);
        return util_err(e, "out of memory");
    }
    for (uint32_t i = 0; i < h->typecnt; i++) {
        int32_t o = (int32_t)be32(types + 6 * i);

        if (o <= -MAX_OFF || o >= MAX_OFF) {
            free(toff);
            return util_err(e, "TZif UTC offset %ld out of range", (long)o);
        }
        toff[i] = o;
    }
    for (uint32_t i = 0; i < h->timecnt; i++) {
        tz->at[i] = tsize == 8 ? be64(times + 8 * i) : (int64_t)(int32_t)be32(times + 4 * i);
        if (idx[i] >= h->typecnt || (i > 0 && tz->at[i] <= tz->at[i - 1])) {
            free(toff);
            return util_err(e, "invalid TZif transition %lu", (unsigned long)i);
        }
        tz->off[i] = toff[idx[i]];
    }
    tz->n = h->timecnt;
    tz->off0 = toff[0];
    free(toff);
    return 0;
}

struct tzinfo *tzinfo_parse(const char *name, const unsigned char *data, size_t len, struct err *e)
{
    struct rd r = {data, len};
    struct tzinfo *tz = calloc(1, sizeof(*tz));
    struct hdr h;
    const unsigned char *skip;
    size_t tsize = 4;

    if (tz == NULL || (tz->name = util_strdup(name)) == NULL) {
        util_errf(e, "out of memory");
        goto fail;
    }
    if (len > TZINFO_MAX_BYTES || read_hdr(&r, &h) != 0) {
        util_errf(e, "not a TZif file");
        goto fail;
    }
    if (h.version >= 2) {
        /* The 32-bit block is only for old readers; the 64-bit one follows. */
        size_t n = block_size(&h, 4);

        if (n == 0 || take(&r, n, &skip) != 0 || read_hdr(&r, &h) != 0) {
            util_errf(e, "truncated TZif file");
            goto fail;
        }
        tsize = 8;
    }
    if (read_block(&r, &h, tsize, tz, e) != 0)
        goto fail;
    if (h.version >= 2) {
        char footer[256];
        const unsigned char *nl = r.left > 0 ? memchr(r.p + 1, '\n', r.left - 1) : NULL;
        size_t n;

        if (r.left < 2 || r.p[0] != '\n' || nl == NULL ||
            (n = (size_t)(nl - r.p - 1)) >= sizeof(footer)) {
            util_errf(e, "invalid TZif footer");
            goto fail;
        }
        memcpy(footer, r.p + 1, n);
        footer[n] = '\0';
        if (n > 0) {
            if (tzinfo_posix_parse(footer, &tz->rule, e) != 0)
                goto fail;
            tz->has_rule = 1;
        }
    }
    return tz;
fail:
    tzinfo_free(tz);
    return NULL;
}

static int valid_name(const char *s)
{
    if (*s == '\0' || *s == '/' || strstr(s, "..") != NULL || strlen(s) > 200)
        return 0;
    for (; *s != '\0'; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '+' || *s == '-' || *s == '/'))
            return 0;
    return 1;
}

struct tzinfo *tzinfo_load(const char *name, struct err *e)
{
    const char *dir = getenv("TZDIR");
    char path[1024];
    unsigned char *data = NULL;
    struct tzinfo *tz = NULL;
    struct stat st;
    struct err pe = {{0}};
    size_t n = 0;
    int fd;

    if (!valid_name(name)) {
        util_errf(e, "invalid time zone name \"%s\": expected an IANA name like Europe/Berlin",
                  name);
        return NULL;
    }
    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
        util_errf(e, "time zone \"%s\": path too long", name);
        return NULL;
    }
    /* Plain read(2), not stdio: nothing allocates behind our back. */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            util_errf(e, "unknown time zone \"%s\" (no file %s; is tzdata installed?)", name,
                      path);
        else
            util_errf(e, "time zone \"%s\": %s: %s", name, path, strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        util_errf(e, "unknown time zone \"%s\" (%s is not a zone file)", name, path);
        goto out;
    }
    data = malloc(TZINFO_MAX_BYTES + 1);
    if (data == NULL) {
        util_errf(e, "out of memory");
        goto out;
    }
    while (n < TZINFO_MAX_BYTES + 1) {
        ssize_t r = read(fd, data + n, TZINFO_MAX_BYTES + 1 - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            util_errf(e, "time zone \"%s\": %s: %s", name, path, strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    tz = tzinfo_parse(name, data, n, &pe);
    if (tz == NULL)
        util_errf(e, "time zone \"%s\": %s: %s", name, path, pe.msg);
out:
    free(data);
    close(fd);
    return tz;
}

void tzinfo_free(struct tzinfo *tz)
{
    if (tz == NULL)
        return;
    free(tz->name);
    free(tz->at);
    free(tz->off);
    free(tz);
}

int32_t tzinfo_offset(const struct tzinfo *tz, int64_t t)
{
    size_t lo = 0, hi;

    if (tz == NULL)
        return 0;
    if (tz->n == 0 || t < tz->at[0])
        return tz->n == 0 && tz->has_rule ? posix_offset(&tz->rule, t) : tz->off0;
    /* The last transition at or before t: at[lo] <= t < at[hi]. */
    hi = tz->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;

        if (tz->at[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    if (lo == tz->n - 1 && tz->has_rule)
        return posix_offset(&tz->rule, t);
    return tz->off[lo];
}

int64_t tzinfo_local_to_utc(const struct tzinfo *tz, int64_t local)
{
    /* Offsets in force around local: before, at and after any nearby change. */
    int32_t o[3];
    int64_t best = INT64_MAX, lo = INT64_MAX, hi = INT64_MIN;

    if (tz == NULL)
        return local;
    o[0] = tzinfo_offset(tz, local - DAY_S);
    o[1] = tzinfo_offset(tz, local);
    o[2] = tzinfo_offset(tz, local + DAY_S);
    for (int k = 0; k < 3; k++) {
        int64_t t = local - o[k];

        if (tzinfo_offset(tz, t) == o[k] && t < best)
            best = t;
        lo = t < lo ? t : lo;
        hi = t > hi ? t : hi;
    }
    if (best != INT64_MAX)
        return best;
    /* local was skipped: find the jump, the first t in (lo, hi] whose wall
     * clock reads local or later (t + offset(t) only rises within a gap). */
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;

        if (mid + tzinfo_offset(tz, mid) >= local)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}
