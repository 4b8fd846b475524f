/*
 * log: leveled structured logging in logfmt or JSON to stderr, like the
 * Prometheus components (ts=... level=... caller... msg=...). The settings are
 * fixed once at start-up, before threads start.
 * Depends on util (struct buf for the line being built), libc.
 */
#ifndef SLO_LOG_H
#define SLO_LOG_H

enum log_level {
    LOG_DEBUG,
    LOG_INFO,
    LOG_WARN,
    LOG_ERROR
};
enum log_format {
    LOG_FORMAT_LOGFMT,
    LOG_FORMAT_JSON
};

/* Parses "debug|info|warn|error" / "logfmt|json". Return 0 or -1. */
int log_parse_level(const char *s, enum log_level *out);
int log_parse_format(const char *s, enum log_format *out);

/* Call before any thread starts. */
void log_setup(enum log_level level, enum log_format format);

/*
 * Logs msg with key/value pairs given as a NULL-terminated list of
 * const char * (key, value, key, value, ..., NULL). Thread-safe: one line is
 * written with a single write(2).
 */
void log_kv(enum log_level level, const char *msg, ...);

#define log_debug(...) log_kv(LOG_DEBUG, __VA_ARGS__, (const char *)0)
#define log_info(...) log_kv(LOG_INFO, __VA_ARGS__, (const char *)0)
#define log_warn(...) log_kv(LOG_WARN, __VA_ARGS__, (const char *)0)
#define log_error(...) log_kv(LOG_ERROR, __VA_ARGS__, (const char *)0)

#endif
