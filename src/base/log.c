/*
 * log: one structured line per event on stderr, logfmt or JSON, in the shape
 * Prometheus components use (ts, level, msg, then key/value pairs). The level
 * and format are set once at start-up, before any thread exists, so reading
 * them later needs no lock.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define LOG_LINE_MAX 8192

static enum log_level min_level = LOG_INFO;
static enum log_format out_format = LOG_FORMAT_LOGFMT;

static const char *level_names[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *s, enum log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum log_level)i;
            return 0;
        }
    }
    return -1;
}

int log_parse_format(const char *s, enum log_format *out)
{
    if (strcmp(s, "logfmt") == 0)
        *out = LOG_FORMAT_LOGFMT;
    else if (strcmp(s, "json") == 0)
        *out = LOG_FORMAT_JSON;
    else
        return -1;
    return 0;
}

void log_setup(enum log_level level, enum log_format format)
{
    min_level = level;
    out_format = format;
}

/* Appends v as a double-quoted string with JSON escapes (also valid logfmt). */
static void put_quoted(struct buf *b, const char *v)
{
    buf_puts(b, "\"");
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;

        if (c == '"' || c == '\\')
            buf_printf(b, "\\%c", c);
        else if (c == '\n')
            buf_puts(b, "\\n");
        else if (c < 0x20)
            buf_printf(b, "\\u%04x", c);
        else
            buf_append(b, p, 1);
    }
    buf_puts(b, "\"");
}

/* logfmt quotes a value only when it has spaces, quotes, '=' or control bytes. */
static void put_logfmt_value(struct buf *b, const char *v)
{
    int quote = *v == '\0';

    for (const char *p = v; *p && !quote; p++)
        if (*p == ' ' || *p == '"' || *p == '=' || (unsigned char)*p < 0x20)
            quote = 1;
    if (quote)
        put_quoted(b, v);
    else
        buf_puts(b, v);
}

static void put_pair(struct buf *b, const char *k, const char *v, int first)
{
    if (out_format == LOG_FORMAT_JSON) {
        if (!first)
            buf_puts(b, ",");
        put_quoted(b, k);
        buf_puts(b, ":");
        put_quoted(b, v);
    } else {
        if (!first)
            buf_puts(b, " ");
        buf_puts(b, k);
        buf_puts(b, "=");
        put_logfmt_value(b, v);
    }
}

void log_kv(enum log_level level, const char *msg, ...)
{
    struct buf b;
    char ts[64];
    struct timespec now;
    struct tm tm;
    va_list ap;
    const char *k;

    if (level < min_level)
        return;
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (int)(now.tv_nsec / 1000000) % 1000);
    buf_init(&b, LOG_LINE_MAX);
    if (out_format == LOG_FORMAT_JSON)
        buf_puts(&b, "{");
    put_pair(&b, "ts", ts, 1);
    put_pair(&b, "level", level_names[level], 0);
    put_pair(&b, "msg", msg, 0);
    va_start(ap, msg);
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);

        put_pair(&b, k, v ? v : "", 0);
    }
    va_end(ap);
    if (out_format == LOG_FORMAT_JSON)
        buf_puts(&b, "}");
    buf_puts(&b, "\n");
    if (b.data != NULL) {
        /* One write(2) per line keeps lines whole across threads. */
        ssize_t w = write(STDERR_FILENO, b.data, b.len);
        (void)w;
    }
    buf_free(&b);
}
