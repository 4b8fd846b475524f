/*
 * util: small shared helpers with no I/O: Prometheus durations, timestamps,
 * a capped growing buffer, label sets, strict number parsing.
 * Depends on libc only.
 */
#ifndef SLO_UTIL_H
#define SLO_UTIL_H

/* The version and commit the Makefile passes with -D; a build without says so. */
#ifndef SLO_VERSION
#define SLO_VERSION "dev"
#endif
#ifndef SLO_REVISION
#define SLO_REVISION "unknown"
#endif

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#define UTIL_ERRLEN 512

/* A caller-owned error message. Functions that fail fill it and return -1. */
struct err {
    char msg[UTIL_ERRLEN];
};

/* Sets e->msg from a printf format; accepts e == NULL. */
void util_errf(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline int util_minus_one(void)
{
    return -1;
}

/*
 * util_errf, then -1, for `return util_err(e, ...);`. A macro over an inline
 * function so that static analysers, which look into neither variadic nor
 * other files' functions, see the -1 and do not follow error paths as if
 * they had succeeded.
 */
#define util_err(...) (util_errf(__VA_ARGS__), util_minus_one())

/*
 * Parses a Prometheus duration ("30s", "5m", "1h30m", "1d", "2w", "1y", "500ms")
 * into milliseconds. Units: ms s m h d w y (y = 365d). Zero is rejected unless
 * allow_zero. Returns 0 or -1 with a message in e.
 */
int util_duration_parse(const char *s, int64_t *out_ms, int allow_zero, struct err *e);

/*
 * Formats ms as a Prometheus duration using the largest units that divide it,
 * like Prometheus does ("1d", "3d", "1h30m", "30s"). Writes at most len bytes
 * including the NUL; returns 0, or -1 when the buffer is too small.
 */
int util_duration_format(int64_t ms, char *buf, size_t len);

/*
 * Parses a time given as unix seconds (with optional fraction) or RFC 3339
 * ("2026-11-01T00:00:00Z", "2026-11-01T01:00:00+01:00", fractions allowed)
 * into unix milliseconds. Returns 0 or -1.
 */
int util_time_parse(const char *s, int64_t *out_ms, struct err *e);

/* Formats unix ms as RFC 3339 UTC with second precision ("2026-11-01T00:00:00Z"). */
void util_time_format(int64_t ms, char *buf, size_t len);

/*
 * Strict double parse: the whole string must be a number ("1", "0.25", "1e-3",
 * "+Inf", "-Inf", "NaN" accepted). Returns 0 or -1.
 */
int util_parse_double(const char *s, double *out);

/* Strict integer parse of a whole string in base 10. Returns 0 or -1. */
int util_parse_int64(const char *s, int64_t *out);

/*
 * Formats a double the way Prometheus' Go code does (shortest representation
 * that round-trips; "+Inf", "-Inf", "NaN"). buf should hold 32 bytes.
 */
void util_fmt_double(double v, char *buf, size_t len);

/* strdup that returns NULL only when s is NULL or on allocation failure. */
char *util_strdup(const char *s);

/* Returns a newly allocated printf-formatted string (caller frees), or NULL. */
char *util_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A growing byte buffer with a hard cap (like curl's dynbuf). The content is
 * always NUL-terminated. Appending past cap fails and leaves the buffer as it
 * was before the call.
 */
struct buf {
    char *data;
    size_t len;
    size_t alloc;
    size_t cap;
};

void buf_init(struct buf *b, size_t cap);
void buf_reset(struct buf *b); /* len = 0, keeps memory */
void buf_free(struct buf *b);  /* frees memory, buffer reusable after buf_init */
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Takes ownership of the data (caller frees); the buffer becomes empty. */
char *buf_steal(struct buf *b);
/* Gives back what the doubling left unused, for buffers kept for long. */
void buf_trim(struct buf *b);

/* A label set: pairs kept sorted by name so two sets compare byte-wise. */
struct label {
    char *name;
    char *value;
};

struct labels {
    size_t n;
    struct label *v;
};

void labels_init(struct labels *l);
void labels_free(struct labels *l);
/* Adds or replaces name=value keeping the set sorted. Returns 0 or -1 (ENOMEM). */
int labels_set(struct labels *l, const char *name, const char *value);
/* Returns the value of name or NULL. */
const char *labels_get(const struct labels *l, const char *name);
/* Deep copy into dst (dst is overwritten, not freed). Returns 0 or -1. */
int labels_copy(struct labels *dst, const struct labels *src);
/* Sorted-order comparison, like strcmp. */
int labels_cmp(const struct labels *a, const struct labels *b);

/* The n decimal digits at s as a number, or -1 when they are not all digits (n <= 9). */
int util_digits(const char *s, int n);

/*
 * SplitMix64: the next of a sequence of well-mixed 64-bit values from
 * *state, for backoff jitter (not for secrets).
 */
uint64_t util_splitmix64(uint64_t *state);

/* FNV-1a, 64 bits: start from UTIL_FNV1A64_BASIS, continue over more bytes. */
#define UTIL_FNV1A64_BASIS 0xcbf29ce484222325ULL
uint64_t util_fnv1a64(uint64_t h, const void *p, size_t len);

/*
 * The cap of exponential backoff before retry number retry (1-based):
 * base_ms doubled for each retry after the first, at most max_ms. Callers
 * draw their jitter below it.
 */
int64_t util_backoff_cap(int retry, int64_t base_ms, int64_t max_ms);

/* a / b rounded toward negative infinity (b > 0), for times before the epoch. */
int64_t util_floor_div(int64_t a, int64_t b);

/* Days since 1970-01-01 of a proleptic Gregorian date (UTC, no time zone). */
int64_t util_days_from_civil(int64_t y, int m, int d);

/* Milliseconds since the epoch from the realtime clock, and a monotonic clock. */
int64_t util_now_ms(void);
int64_t util_mono_ms(void);
/*
 * Sets the allocator up for a long-running process with many threads; call
 * it first thing in main, before any thread starts (glibc; nothing
 * elsewhere). Blocks of UTIL_HEAP_MMAP_BYTES and more get a mapping of
 * their own, given back at free(), and a thread arena gives its free top
 * back past UTIL_HEAP_TRIM_BYTES. glibc's default raises the mapping
 * threshold to the size of the largest block freed (up to 32 MiB), after
 * which page buffers, response bodies and sample arrays land in the
 * arenas of the threads that made them, and malloc_trim never gives back
 * the top of a thread's arena (only the main one's): each arena kept up to
 * twice the largest block for good (a remote_read daemon kept 31 MiB after
 * reads of 33.5M samples, 13 MiB with this).
 */
#define UTIL_HEAP_MMAP_BYTES (256 * 1024)
#define UTIL_HEAP_TRIM_BYTES (1024 * 1024)
void util_heap_init(void);

/*
 * Gives the allocator's free pages back to the system (glibc's
 * malloc_trim; nothing elsewhere). What threads free between long-lived
 * blocks otherwise stays resident: call it after a big release, or once
 * work that allocated much is over.
 */
void util_trim_heap(void);

#endif
