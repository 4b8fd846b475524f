/*
 * util: durations, timestamps, capped buffers, label sets and strict number
 * parsing shared by every module. No I/O besides reading the clocks.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void util_errf(struct err *e, const char *fmt, ...)
{
    va_list ap;

    if (e == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
}

/* Units in the order Prometheus requires them (largest first). */
static const struct {
    const char *name;
    int64_t ms;
} units[] = {
    {"y", 365LL * 24 * 3600 * 1000},
    {"w", 7LL * 24 * 3600 * 1000},
    {"d", 24LL * 3600 * 1000},
    {"h", 3600LL * 1000},
    {"m", 60LL * 1000},
    {"s", 1000},
    {"ms", 1},
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

int util_duration_parse(const char *s, int64_t *out_ms, int allow_zero, struct err *e)
{
    const char *p = s;
    int64_t total = 0;
    size_t last = 0; /* index after the last unit used, to enforce order */
    int any = 0;

    if (s == NULL || *s == '\0')
        return util_err(e, "empty duration");
    while (*p) {
        int64_t n = 0;
        size_t u;

        if (!isdigit((unsigned char)*p))
            return util_err(e, "invalid duration \"%s\": expected a number like 30s, 5m, 1h, 7d",
                            s);
        while (isdigit((unsigned char)*p)) {
            if (n > (INT64_MAX - 9) / 10)
                return util_err(e, "duration \"%s\" is too large", s);
            n = n * 10 + (*p - '0');
            p++;
        }
        /* "ms" must be tried before "m". */
        if (p[0] == 'm' && p[1] == 's')
            u = NUNITS - 1;
        else {
            for (u = 0; u < NUNITS - 1; u++)
                if (*p == units[u].name[0])
                    break;
            if (u == NUNITS - 1)
                return util_err(e,
                                "invalid duration \"%s\": unknown or missing unit "
                                "(use ms, s, m, h, d, w, y)",
                                s);
        }
        if (u < last)
            return util_err(e, "invalid duration \"%s\": units must go from largest to smallest",
                            s);
        last = u + 1;
        if (n > 0 && n > (INT64_MAX - total) / units[u].ms)
            return util_err(e, "duration \"%s\" is too large", s);
        total += n * units[u].ms;
        p += strlen(units[u].name);
        any = 1;
    }
    if (!any)
        return util_err(e, "invalid duration \"%s\"", s);
    if (total == 0 && !allow_zero)
        return util_err(e, "duration \"%s\" must be greater than zero", s);
    *out_ms = total;
    return 0;
}

int util_duration_format(int64_t ms, char *buf, size_t len)
{
    size_t off = 0;
    size_t u;

    if (len == 0)
        return -1;
    if (ms <= 0) {
        if (len < 3)
            return -1;
        memcpy(buf, "0s", 3);
        return 0;
    }
    /* Prometheus prints years and weeks only when they divide exactly; we
     * prefer days so "30d" and "90d" read as users wrote them. */
    for (u = 2; u < NUNITS; u++) {
        int64_t n = ms / units[u].ms;
        int w;

        if (n == 0)
            continue;
        w = snprintf(buf + off, len - off, "%lld%s", (long long)n, units[u].name);
        if (w < 0 || (size_t)w >= len - off)
            return -1;
        off += (size_t)w;
        ms -= n * units[u].ms;
    }
    return 0;
}

static int parse_digits(const char **pp, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*pp)[i]))
            return -1;
        v = v * 10 + ((*pp)[i] - '0');
    }
    *pp += n;
    *out = v;
    return 0;
}

int util_digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int64_t util_backoff_cap(int retry, int64_t base_ms, int64_t max_ms)
{
    int64_t cap = base_ms;

    for (int k = 1; k < retry && cap < max_ms; k++)
        cap *= 2;
    return cap > max_ms ? max_ms : cap;
}

uint64_t util_fnv1a64(uint64_t h, const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t util_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

int64_t util_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;

    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t util_days_from_civil(int64_t y, int m, int d)
{
    /* Howard Hinnant's algorithm: days since 1970-01-01 in the proleptic
     * Gregorian calendar, independent of the process time zone. */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_rfc3339(const char *s, int64_t *out_ms)
{
    const char *p = s;
    int y, mo, d, h, mi, sec;
    int64_t frac_ms = 0;
    int64_t off_s = 0;

    if (parse_digits(&p, 4, &y) || *p++ != '-' || parse_digits(&p, 2, &mo) || *p++ != '-' ||
        parse_digits(&p, 2, &d))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    if (parse_digits(&p, 2, &h) || *p++ != ':' || parse_digits(&p, 2, &mi) || *p++ != ':' ||
        parse_digits(&p, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (*p == '.') {
        int digits = 0;

        p++;
        if (!isdigit((unsigned char)*p))
            return -1;
        while (isdigit((unsigned char)*p)) {
            if (digits < 3)
                frac_ms = frac_ms * 10 + (*p - '0');
            digits++;
            p++;
        }
        for (; digits < 3; digits++)
            frac_ms *= 10;
    }
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1;
        int oh, om;

        p++;
        if (parse_digits(&p, 2, &oh) || *p++ != ':' || parse_digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        off_s = sign * (oh * 3600 + om * 60);
    } else {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *out_ms = ((util_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - off_s) *
                  1000 +
              frac_ms;
    return 0;
}

int util_time_parse(const char *s, int64_t *out_ms, struct err *e)
{
    double v;

    if (s == NULL || *s == '\0')
        return util_err(e, "empty time");
    if (parse_rfc3339(s, out_ms) == 0)
        return 0;
    if (util_parse_double(s, &v) == 0 && isfinite(v) && v >= 0 && v < 1e13) {
        *out_ms = (int64_t)llround(v * 1000.0);
        return 0;
    }
    return util_err(e,
                    "invalid time \"%s\": use unix seconds (1793491200) or RFC 3339 "
                    "(2026-11-01T00:00:00Z)",
                    s);
}

void util_time_format(int64_t ms, char *buf, size_t len)
{
    /* Floor division that cannot overflow, even for INT64_MIN. */
    time_t t = (time_t)(ms / 1000 - (ms % 1000 < 0 ? 1 : 0));
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        if (len > 0)
            buf[0] = '\0';
    }
}

int util_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0 || strcmp(s, "+inf") == 0 ||
        strcmp(s, "inf") == 0) {
        *out = INFINITY;
        return 0;
    }
    if (strcmp(s, "-Inf") == 0 || strcmp(s, "-inf") == 0) {
        *out = -INFINITY;
        return 0;
    }
    if (strcmp(s, "NaN") == 0 || strcmp(s, "nan") == 0) {
        *out = NAN;
        return 0;
    }
    /* strtod accepts hex floats and "infinity"; Prometheus numbers are decimal. */
    for (const char *p = s; *p; p++)
        if (!(isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
              *p == '-'))
            return -1;
    errno = 0;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

int util_parse_int64(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE)
        return -1;
    *out = (int64_t)v;
    return 0;
}

void util_fmt_double(double v, char *buf, size_t len)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
        return;
    }
    /* Go's strconv.FormatFloat(v, 'g', -1, 64): the shortest digits that read
     * back to the same double, in %e form when the exponent is < -4 or >= 6
     * (Go's limit for the shortest form). Whole numbers below 10^6 (counts,
     * seconds) are already shortest as integers. */
    if (v > -1e6 && v < 1e6 && v == (double)(int64_t)v) {
        snprintf(buf, len, "%lld", (long long)v);
        if (v == 0 && signbit(v))
            snprintf(buf, len, "-0");
        return;
    }
    {
        /* Round-tripping is monotone in the precision (the nearest p+1-digit
         * decimal is at least as close as the nearest p-digit one), so the
         * shortest precision can be found by bisection: 5 tries, not 17. */
        int lo = 1, hi = 17;
        char e[40];
        int x;
        const char *ep;

        while (lo < hi) {
            int mid = (lo + hi) / 2;

            snprintf(e, sizeof(e), "%.*e", mid - 1, v);
            if (strtod(e, NULL) == v)
                hi = mid;
            else
                lo = mid + 1;
        }
        snprintf(e, sizeof(e), "%.*e", lo - 1, v);
        ep = strchr(e, 'e');
        x = ep ? (int)strtol(ep + 1, NULL, 10) : 0;
        if (x < -4 || x >= 6) {
            /* Go drops the trailing zeros of the mantissa too: %.*e with the
             * shortest precision has none by construction. */
            snprintf(buf, len, "%s", e);
        } else {
            snprintf(buf, len, "%.*f", lo - 1 - x > 0 ? lo - 1 - x : 0, v);
        }
    }
}

char *util_strdup(const char *s)
{
    size_t n;
    char *d;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    d = malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

char *util_asprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

void buf_init(struct buf *b, size_t cap)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->cap = cap;
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
    if (n > b->cap || b->len > b->cap - n)
        return -1;
    if (b->len + n + 1 > b->alloc) {
        size_t want = b->alloc ? b->alloc : 256;
        char *d;

        while (want < b->len + n + 1)
            want *= 2;
        if (b->cap < SIZE_MAX && want > b->cap + 1) /* SIZE_MAX: no cap */
            want = b->cap + 1;
        d = realloc(b->data, want);
        if (d == NULL)
            return -1;
        b->data = d;
        b->alloc = want;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;
    int rc;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    if ((size_t)n < sizeof(small))
        return buf_append(b, small, (size_t)n);
    {
        char *big = malloc((size_t)n + 1);

        if (big == NULL)
            return -1;
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        rc = buf_append(b, big, (size_t)n);
        free(big);
    }
    return rc;
}

void buf_trim(struct buf *b)
{
    char *d;

    if (b->data == NULL || b->alloc <= b->len + 1)
        return;
    d = realloc(b->data, b->len + 1);
    if (d == NULL)
        return; /* keeping the bigger block is fine */
    b->data = d;
    b->alloc = b->len + 1;
}

char *buf_steal(struct buf *b)
{
    char *d = b->data;

    if (d == NULL)
        d = util_strdup("");
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    return d;
}

void labels_init(struct labels *l)
{
    l->n = 0;
    l->v = NULL;
}

void labels_free(struct labels *l)
{
    if (l == NULL)
        return;
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].name);
        free(l->v[i].value);
    }
    free(l->v);
    l->n = 0;
    l->v = NULL;
}

int labels_set(struct labels *l, const char *name, const char *value)
{
    size_t i;
    char *v;
    char *n;
    struct label *nv;

    for (i = 0; i < l->n; i++) {
        int c = strcmp(l->v[i].name, name);

        if (c == 0) {
            v = util_strdup(value);
            if (v == NULL)
                return -1;
            free(l->v[i].value);
            l->v[i].value = v;
            return 0;
        }
        if (c > 0)
            break;
    }
    n = util_strdup(name);
    v = util_strdup(value);
    nv = realloc(l->v, (l->n + 1) * sizeof(*l->v));
    if (n == NULL || v == NULL || nv == NULL) {
        free(n);
        free(v);
        if (nv != NULL)
            l->v = nv;
        return -1;
    }
    l->v = nv;
    memmove(&l->v[i + 1], &l->v[i], (l->n - i) * sizeof(*l->v));
    l->v[i].name = n;
    l->v[i].value = v;
    l->n++;
    return 0;
}

const char *labels_get(const struct labels *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return l->v[i].value;
    return NULL;
}

int labels_copy(struct labels *dst, const struct labels *src)
{
    labels_init(dst);
    if (src->n == 0)
        return 0;
    dst->v = calloc(src->n, sizeof(*dst->v));
    if (dst->v == NULL)
        return -1;
    for (size_t i = 0; i < src->n; i++) {
        dst->v[i].name = util_strdup(src->v[i].name);
        dst->v[i].value = util_strdup(src->v[i].value);
        dst->n = i + 1;
        if (dst->v[i].name == NULL || dst->v[i].value == NULL) {
            labels_free(dst);
            return -1;
        }
    }
    return 0;
}

int labels_cmp(const struct labels *a, const struct labels *b)
{
    size_t n = a->n < b->n ? a->n : b->n;

    for (size_t i = 0; i < n; i++) {
        int c = strcmp(a->v[i].name, b->v[i].name);

        if (c != 0)
            return c;
        c = strcmp(a->v[i].value, b->v[i].value);
        if (c != 0)
            return c;
    }
    return (a->n > b->n) - (a->n < b->n);
}

int64_t util_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void util_heap_init(void)
{
#ifdef __GLIBC__
    /* Explicit values also turn off glibc's dynamic raise of both. */
    mallopt(M_MMAP_THRESHOLD, UTIL_HEAP_MMAP_BYTES);
    mallopt(M_TRIM_THRESHOLD, UTIL_HEAP_TRIM_BYTES);
#endif
}

void util_trim_heap(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

int64_t util_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
