/*
 * configdefs: the config's words that its callers and its parts both use:
 * the structs a loaded config is made of, their limits and defaults, the
 * default alert table and the label names the sidecar keeps for itself.
 * They stand apart from config.h because config.c includes its parts
 * (configfield, configslo), and a part that included config.h would close
 * an include cycle. config.h includes this file, so what it declares is
 * unchanged; the names keep config's prefix.
 * Depends on util, selector, shard and tzinfo.
 */
#ifndef SLO_CONFIGDEFS_H
#define SLO_CONFIGDEFS_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"
#include "selector.h"
#include "shard.h"
#include "tzinfo.h"

enum config_mode {
    CONFIG_MODE_PROMQL,
    CONFIG_MODE_REMOTE_READ,
    CONFIG_MODE_API_READ
};

enum config_period {
    CONFIG_PERIOD_ROLLING,
    CONFIG_PERIOD_CALENDAR_WEEK, /* ISO week, Monday 00:00 (UTC or timezone) */
    CONFIG_PERIOD_CALENDAR_MONTH,
    CONFIG_PERIOD_CALENDAR_QUARTER
};

enum config_sli_kind {
    CONFIG_SLI_EVENTS,
    CONFIG_SLI_LATENCY,
    CONFIG_SLI_TIMESLICE,
    CONFIG_SLI_PROMQL
};

enum config_severity {
    CONFIG_SEVERITY_PAGE,
    CONFIG_SEVERITY_TICKET
};

enum config_cmp {
    CONFIG_CMP_LT,
    CONFIG_CMP_LE,
    CONFIG_CMP_GT,
    CONFIG_CMP_GE,
    CONFIG_CMP_EQ,
    CONFIG_CMP_NE
};

/* One row of the multi-window multi-burn-rate table. */
struct config_alert_window {
    enum config_severity severity;
    int64_t long_ms;
    int64_t short_ms;
    double factor;
};

/* alerting.page / alerting.ticket written as a boolean, or implied. */
enum config_alert_switch {
    CONFIG_ALERT_UNSET = 0, /* not said: an SLO takes global.alerting's, else on */
    CONFIG_ALERT_ON,        /* true, or a mapping (a route is for an alert that is on) */
    CONFIG_ALERT_OFF        /* false: no slo_alert_firing series, no rule, no event */
};

struct config_alert_route {
    struct labels labels;
    struct labels annotations;
    /* In an SLO after loading: ON or OFF, its own switch winning over
     * global.alerting's (config_alert_enabled reads it). */
    enum config_alert_switch sw;
};

struct config_sli_events {
    /* exactly one of error/good is set (text as written, and parsed) */
    char *error;
    char *good;
    char *total;
    struct selector *error_sel;
    struct selector *good_sel;
    struct selector *total_sel;
};

struct config_sli_latency {
    char *histogram;
    struct selector *histogram_sel;
    double threshold; /* seconds */
};

struct config_sli_timeslice {
    char *gauge;
    struct selector *gauge_sel;
    int age; /* compare (sample time - value) */
    enum config_cmp op;
    double value;
    int64_t slice_ms;
};

struct config_sli_promql {
    /* exactly one of error_query/good_query is set; total_query always */
    char *error_query;
    char *good_query;
    char *total_query;
};

struct config_slo {
    char *name;
    char *service;
    char *description;        /* "" when not given */
    double objective;         /* ratio: 99.9 in the file becomes 0.999 */
    double objective_percent; /* as written */
    char *period_name;        /* as written: "30d", "calendar_month" */
    enum config_period period_kind;
    int64_t period_ms; /* rolling: the duration; calendar: 0 */
    char *timezone;    /* calendar periods: IANA name as written; NULL: UTC */
    struct tzinfo *tz; /* the loaded zone; NULL: UTC */
    struct labels labels;
    size_t ngroup_by;
    char **group_by;
    size_t max_groups;    /* group_by: groups evaluated at most; default 1000 */
    int64_t group_ttl_ms; /* group_by: drop a group without events this long; 0: never */
    enum config_sli_kind kind;
    struct config_sli_events events;
    struct config_sli_latency latency;
    struct config_sli_timeslice timeslice;
    struct config_sli_promql promql;
    struct config_alert_route page;
    struct config_alert_route ticket;
    char *runbook_url; /* alerting.runbook_url: http(s) URL; NULL when not set */
    size_t nwindows;   /* the alert table; the default one when not given */
    struct config_alert_window *windows;
    int line;   /* where the SLO starts, for messages */
    char *file; /* the file it is in (of a config directory's several) */
};

/* slos[].max_groups: the default, and the most allowed. */
#define CONFIG_DEFAULT_MAX_GROUPS 1000
#define CONFIG_MAX_MAX_GROUPS 100000

/* prometheus.read_max_samples (api_read): the default, and the bounds allowed. */
#define CONFIG_DEFAULT_READ_MAX_SAMPLES 100000
#define CONFIG_MIN_READ_MAX_SAMPLES 1000
#define CONFIG_MAX_READ_MAX_SAMPLES 10000000

/* prometheus.concurrency: the default, and the most allowed. */
#define CONFIG_DEFAULT_CONCURRENCY 4
#define CONFIG_MAX_CONCURRENCY 64

/* prometheus.retries.max_attempts: the default, and the most allowed. */
#define CONFIG_DEFAULT_ATTEMPTS 3
#define CONFIG_MAX_ATTEMPTS 10

struct config_prometheus {
    char *url; /* without trailing slash */
    enum config_mode mode;
    int64_t timeout_ms;      /* default 10s; per request, retries included */
    int max_attempts;        /* retries.max_attempts, 1..10; default 3 (0: the default) */
    char *read_path;         /* default "/api/v1/read" */
    int read_samples;        /* read_response: samples (SAMPLES only); default chunks
                                (STREAMED_XOR_CHUNKS, accepting SAMPLES) */
    size_t read_max_samples; /* api_read: samples one answer aims at (longer reads are
                                split); default CONFIG_DEFAULT_READ_MAX_SAMPLES */
    int concurrency;         /* requests in flight at most (SLOs evaluated at once);
                                default CONFIG_DEFAULT_CONCURRENCY */
    struct labels headers;
    char *bearer_token_file;
    char *basic_username;
    char *basic_password_file;
    char *ca_file;
    char *cert_file;
    char *key_file;
    int insecure_skip_verify;
};

/* Event kinds a webhook receives (global.webhooks[].events). */
#define CONFIG_WEBHOOK_STATUS 1u
#define CONFIG_WEBHOOK_ALERT 2u
/* global.webhooks: at most this many, each with at most this many attempts per batch. */
#define CONFIG_MAX_WEBHOOKS 16
#define CONFIG_WEBHOOK_MAX_ATTEMPTS 20

struct config_webhook {
    char *url;             /* http(s) URL the events are POSTed to */
    unsigned events;       /* CONFIG_WEBHOOK_*; default both */
    int64_t timeout_ms;    /* per attempt; default 10s */
    int max_attempts;      /* default 5 */
    struct labels headers; /* extra request headers */
};

struct config {
    char *path;
    int64_t interval_ms; /* default 30s */
    struct config_prometheus prometheus;
    struct labels labels;   /* global labels */
    double status_warning;  /* default 0.5 */
    double status_critical; /* default 0.8 */
    char *state_file;       /* NULL when not set */
    int64_t checkpoint_ms;  /* state_checkpoint_interval; default 5m */
    char *dashboard_url;    /* http(s) URL of the Grafana dashboard; NULL when not set */
    size_t nwebhooks;
    struct config_webhook *webhooks;
    /* global.alerting: labels and annotations of every SLO's page and ticket
     * alerts, under the SLO's own (alerting.page, alerting.ticket) */
    struct config_alert_route alert_page;
    struct config_alert_route alert_ticket;
    struct shard shard; /* global.shard (index may be SHARD_AUTO); 0/1 when not set;
                           after config_shard: the resolved shard applied */
    size_t nslos;
    struct config_slo *slos;
    size_t nslos_all; /* SLOs in the file; nslos is fewer after config_shard */
};

/* 1 when the sidecar sets label name on its series itself (slo, window,
 * severity, ...), so a config may not; else 0. */
int config_label_reserved(const char *name);

/*
 * The default alert table of the SRE workbook: page 1h/5m 14.4, 6h/30m 6;
 * ticket 1d/2h 3, 3d/6h 1.
 */
extern const struct config_alert_window config_default_windows[4];

#endif
