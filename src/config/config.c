/*
 * config: YAML (and JSON) configuration loading and validation with libyaml's
 * document API, which keeps a start mark on every node. Every problem is
 * recorded with its position and loading goes on, so `check` shows them all;
 * messages are sorted by position at the end. The struct is filled as far as
 * possible but only handed out when there was no error at all.
 *
 * Strictness follows Go's YAML decoders, which Prometheus users know: unknown
 * and duplicate keys are errors, a quoted scalar is a string (so "99.9" is no
 * number), custom tags are refused.
 *
 * Reading and bounding the YAML, positions and the node checks are
 * yamlread's, shared with the web config and the importer.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "configfiles.h"
#include "yamlread.h"

#define SEC_MS 1000LL
#define MIN_MS (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

/* The shortest standard alert window; time slices must tile it. */
#define SHORTEST_WINDOW_MS (5 * MIN_MS)

/* Field paths are short ("slos[12].alerting.windows[3].factor"); cut if not. */
#define PATHLEN 256

/*
 * Checked on the tokens, before libyaml builds the document: two million
 * tokens are some 30000 SLOs; libyaml takes about a second and 300 MiB to
 * load that many (a 16 MiB file of tiny values took 10 s and 1.3 GB). The
 * walk reads no deeper than level 7 (the root is 1; the deepest field is
 * slos[i].alerting.page.labels.NAME), so aliases are expanded to level 8
 * when the document is measured; expanded, it must stay within about what a
 * file without aliases can hold (escapes like \L make a scalar longer than
 * its source, hence twice the bytes).
 */
const struct yr_limits config_yaml_limits = {
    .max_bytes = CONFIG_MAX_BYTES,
    .max_tokens = 2000000,
    .max_depth = 64,
    .max_anchors = 1000,
    .max_aliases = 10000,
    .max_directives = 64,
    .walk_depth = 8,
    .max_nodes = 1000000,
    .max_text = 2 * (size_t)CONFIG_MAX_BYTES,
    .max_docs = 1,
    .max_msgs = 1000,
};

/*
 * Entries of one labels, annotations or headers mapping, names in one
 * group_by, and SLOs in one file. Their checks compare every entry with
 * every other, so the limits also keep loading fast.
 */
#define MAX_ENTRIES 256
#define MAX_SLOS 10000

const struct config_alert_window config_default_windows[4] = {
    {CONFIG_SEVERITY_PAGE, HOUR_MS, 5 * MIN_MS, 14.4},
    {CONFIG_SEVERITY_PAGE, 6 * HOUR_MS, 30 * MIN_MS, 6},
    {CONFIG_SEVERITY_TICKET, DAY_MS, 2 * HOUR_MS, 3},
    {CONFIG_SEVERITY_TICKET, 3 * DAY_MS, 6 * HOUR_MS, 1},
};

/* Labels the sidecar sets itself on its series; users may not set them. */
static const char *const reserved_labels[] = {
    "slo",    "service",  "window",  "kind",     "status", "severity", "description",
    "period", "sli_kind", "version", "revision", "result", "le",
};

#define NELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Flags for the field readers. */
#define F_REQUIRED 1 /* absence is an error */
#define F_NONEMPTY 2 /* "" is an error */

/* What a mapping of strings holds, which decides how its keys are checked. */
enum map_kind {
    MAP_ANY,           /* annotations: any key */
    MAP_SERIES_LABELS, /* labels on slo_* series: valid, not __*, not reserved */
    MAP_ALERT_LABELS,  /* labels on alerts: valid, not __* (severity may be replaced) */
    MAP_HEADERS        /* HTTP header names, no Authorization */
};

struct ctx {
    struct yr y;
    const struct config *cfg; /* the global part, for checks inside SLOs */
    const char *global_file;  /* of a config directory: the file holding global */
};

/* What one file of a config holds. */
enum part {
    PART_WHOLE,  /* the one file: global and slos */
    PART_GLOBAL, /* the file of a directory that holds global; slos optional */
    PART_SLOS    /* another file of the directory: slos only */
};

static void missing(struct ctx *c, yaml_node_t *m, const char *path, const char *key)
{
    yr_err(&c->y, m, path, "missing required field \"%s\"", key);
}

/*
 * A string field into *out (owned; a previous value is freed). Returns 0 when
 * set, 1 when absent, -1 on a reported error.
 */
static int get_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                   char **out)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    const char *v;
    char *d;

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    yr_join(p, sizeof(p), path, key);
    v = yr_want_scalar(&c->y, n, p, "a string", 0);
    if (v == NULL)
        return -1;
    if ((flags & F_NONEMPTY) && *v == '\0') {
        yr_err(&c->y, n, p, "must not be empty");
        return -1;
    }
    d = util_strdup(v);
    if (d == NULL) {
        c->y.oom = 1;
        return -1;
    }
    free(*out);
    *out = d;
    return 0;
}

/*
 * A number: a plain (unquoted) scalar, finite. Returns 0 when set, 1 when
 * absent, -1 on a reported error. *text gets the scalar as written.
 */
static int get_num(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                   double *out, const char **text)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    char d[64];
    const char *v;
    double x;

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    yr_join(p, sizeof(p), path, key);
    v = yr_want_scalar(&c->y, n, p, "a number", 0);
    if (v == NULL)
        return -1;
    switch (yr_plain_number(n, &x)) {
    case -1:
        yr_err(&c->y, n, p, "expected a number, got %s", yr_describe(n, d, sizeof(d)));
        return -1;
    case -2:
        yr_err(&c->y, n, p, "expected a finite number, got %s", v);
        return -1;
    default:
        break;
    }
    *out = x;
    if (text != NULL)
        *text = v;
    return 0;
}

static int get_bool(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int *out)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    char d[64];

    if (n == NULL)
        return 1;
    yr_join(p, sizeof(p), path, key);
    if (!yr_tag_ok(&c->y, n, p))
        return -1;
    if (yr_plain_bool(n, out) == 0)
        return 0;
    yr_err(&c->y, n, p, "expected true or false, got %s", yr_describe(n, d, sizeof(d)));
    return -1;
}

/* A Prometheus duration, quoted or not. 0 set, 1 absent, -1 reported error. */
static int get_duration(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                        int flags, int64_t *out)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    const char *v;
    struct err e = {{0}};

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    yr_join(p, sizeof(p), path, key);
    v = yr_want_scalar(&c->y, n, p, "a duration like 30s, 5m or 7d", 0);
    if (v == NULL)
        return -1;
    if (util_duration_parse(v, out, 0, &e) != 0) {
        yr_err(&c->y, n, p, "%s", e.msg);
        return -1;
    }
    return 0;
}

int config_label_reserved(const char *name)
{
    for (size_t i = 0; i < NELEMS(reserved_labels); i++)
        if (strcmp(name, reserved_labels[i]) == 0)
            return 1;
    return 0;
}

/*
 * Checks a label name for the sidecar's series (global and SLO labels,
 * group_by). reserved: also refuse the names the sidecar sets itself.
 * Returns 0 or -1 (reported at n).
 */
static int label_ok(struct ctx *c, yaml_node_t *n, const char *path, const char *name,
                    int reserved)
{
    if (!selector_name_ok(name, 0)) {
        yr_err(&c->y, n, path, "invalid label name \"%s\" (must match [a-zA-Z_][a-zA-Z0-9_]*)",
               name);
        return -1;
    }
    /* Prometheus keeps __* for itself (__name__, __address__, ...). */
    if (strncmp(name, "__", 2) == 0) {
        yr_err(&c->y, n, path, "label names starting with \"__\" are reserved (\"%s\")", name);
        return -1;
    }
    if (reserved && config_label_reserved(name)) {
        yr_err(&c->y, n, path, "label \"%s\" is reserved by slo-sidecar", name);
        return -1;
    }
    return 0;
}

/* RFC 9110 token characters, which is what a header name is made of. */
static int header_name_ok(const char *h)
{
    if (*h == '\0')
        return 0;
    for (const char *q = h; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') ||
              strchr("!#$%&'*+-.^_`|~", *q) != NULL))
            return 0;
    return 1;
}

/* Checks one key of a string map by kind. Returns 0 or -1 (reported at k). */
static int map_key_ok(struct ctx *c, yaml_node_t *k, const char *path, const char *name,
                      enum map_kind kind)
{
    switch (kind) {
    case MAP_SERIES_LABELS:
        return label_ok(c, k, path, name, 1);
    case MAP_ALERT_LABELS:
        return label_ok(c, k, path, name, 0);
    case MAP_HEADERS:
        if (!header_name_ok(name)) {
            yr_err(&c->y, k, path, "invalid header name \"%s\"", name);
            return -1;
        }
        /* Secrets in the config file end up in logs, dumps and repositories. */
        if (strcasecmp(name, "Authorization") == 0) {
            yr_err(&c->y, k, path,
                   "do not set Authorization as a header; use bearer_token_file or "
                   "basic_auth, which keep the secret in a file");
            return -1;
        }
        return 0;
    case MAP_ANY:
    default:
        return 0;
    }
}

/* A mapping of string to string (labels, annotations, headers) into out. */
static void get_map(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                    enum map_kind kind, struct labels *out)
{
    yaml_node_t *n = yr_get_opt(&c->y, m, key);
    char p[PATHLEN];
    size_t cnt;

    if (n == NULL)
        return;
    yr_join(p, sizeof(p), path, key);
    if (yr_want_map(&c->y, n, p) != 0)
        return;
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt > MAX_ENTRIES) {
        yr_err(&c->y, n, p, "has %zu entries; at most %d are allowed", cnt, MAX_ENTRIES);
        return;
    }
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = yr_node(&c->y, q->key);
        yaml_node_t *v = yr_node(&c->y, q->value);
        const char *name = yr_want_scalar(&c->y, k, p, "a name", 0);
        const char *value;
        char vp[PATHLEN];
        int dup = 0;

        if (name == NULL)
            continue;
        for (yaml_node_pair_t *r = n->data.mapping.pairs.start; r < q && !dup; r++) {
            yaml_node_t *k2 = yr_node(&c->y, r->key);

            dup = k2->type == YAML_SCALAR_NODE && strcmp(yr_text(k2), name) == 0;
        }
        if (dup) {
            yr_err(&c->y, k, p, "duplicate field \"%s\"", name);
            continue;
        }
        yr_join(vp, sizeof(vp), p, name);
        value = yr_want_scalar(&c->y, v, vp, "a string", 0);
        if (map_key_ok(c, k, p, name, kind) != 0 || value == NULL)
            continue;
        if (kind == MAP_HEADERS) {
            int bad = 0;

            /* CR or LF would let a value smuggle in more headers. */
            for (const char *s = value; *s; s++)
                bad |= ((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f;
            if (bad) {
                yr_err(&c->y, v, vp, "header values cannot contain control characters");
                continue;
            }
        }
        if (labels_set(out, name, value) != 0)
            c->y.oom = 1;
    }
}

/*
 * A selector field: the text into *text and the parsed selector into *sel.
 * Returns 0 when both are set, 1 when absent, -1 on a reported error.
 */
static int get_selector(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                        int flags, char **text, struct selector **sel)
{
    char p[PATHLEN];
    struct err e = {{0}};
    int rc = get_str(c, m, path, key, flags | F_NONEMPTY, text);

    if (rc != 0)
        return rc;
    yr_join(p, sizeof(p), path, key);
    if (selector_parse(*text, sel, &e) != 0) {
        yr_err(&c->y, yr_get(&c->y, m, key), p, "invalid selector: %s", e.msg);
        return -1;
    }
    return 0;
}

/*
 * Checks that the string field key of m (already read into url) is an http or
 * https URL with a host and no spaces or control characters. Returns 0, or -1
 * (reported).
 */
static int http_url_ok(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                       const char *url)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    const char *rest;

    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else {
        yr_err(&c->y, n, path, "must start with http:// or https://, got \"%s\"", url);
        return -1;
    }
    if (*rest == '\0' || *rest == '/') {
        yr_err(&c->y, n, path, "has no host: \"%s\"", url);
        return -1;
    }
    for (const char *s = url; *s; s++) {
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
            yr_err(&c->y, n, path, "must not contain spaces or control characters");
            return -1;
        }
    }
    return 0;
}

static void parse_url(struct ctx *c, yaml_node_t *m, struct config_prometheus *p)
{
    size_t len;

    if (get_str(c, m, "global.prometheus", "url", F_REQUIRED | F_NONEMPTY, &p->url) != 0 ||
        http_url_ok(c, m, "global.prometheus.url", "url", p->url) != 0)
        return;
    /* The API paths are appended with their own leading slash. */
    len = strlen(p->url);
    while (len > 0 && p->url[len - 1] == '/')
        p->url[--len] = '\0';
}

/* retries: {max_attempts: N}, a whole number of attempts per request (httpc). */
static void parse_retries(struct ctx *c, yaml_node_t *v, struct config_prometheus *p)
{
    static const char *const keys[] = {"max_attempts"};
    const char *path = "global.prometheus.retries";
    const char *text = NULL;
    double x;

    if (v == NULL || yr_check_keys(&c->y, v, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (get_num(c, v, path, "max_attempts", 0, &x, &text) != 0)
        return;
    if (x < 1 || x > CONFIG_MAX_ATTEMPTS || x != floor(x))
        yr_err(&c->y, yr_get(&c->y, v, "max_attempts"), "global.prometheus.retries.max_attempts",
               "must be a whole number from 1 (no retries) to %d, got %s", CONFIG_MAX_ATTEMPTS,
               text);
    else
        p->max_attempts = (int)x;
}

/* concurrency and read_max_samples: whole numbers within their bounds. */
static void parse_counts(struct ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    const char *path = "global.prometheus";
    const char *text = NULL;
    double x;

    if (get_num(c, n, path, "concurrency", 0, &x, &text) == 0) {
        if (x < 1 || x > CONFIG_MAX_CONCURRENCY || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "concurrency"), "global.prometheus.concurrency",
                   "must be a whole number from 1 to %d, got %s", CONFIG_MAX_CONCURRENCY, text);
        else
            p->concurrency = (int)x;
    }
    if (get_num(c, n, path, "read_max_samples", 0, &x, &text) == 0) {
        if (x < CONFIG_MIN_READ_MAX_SAMPLES || x > CONFIG_MAX_READ_MAX_SAMPLES || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "read_max_samples"),
                   "global.prometheus.read_max_samples",
                   "must be a whole number from %d to %d, got %s", CONFIG_MIN_READ_MAX_SAMPLES,
                   CONFIG_MAX_READ_MAX_SAMPLES, text);
        else
            p->read_max_samples = (size_t)x;
    }
}

static void parse_prometheus(struct ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    static const char *const keys[] = {
        "url",        "mode", "timeout",       "read_path", "headers",     "bearer_token_file",
        "basic_auth", "tls",  "read_response", "retries",   "concurrency", "read_max_samples"};
    static const char *const ba_keys[] = {"username", "password_file"};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file",
                                           "insecure_skip_verify"};
    const char *path = "global.prometheus";
    char *mode = NULL;
    yaml_node_t *v;

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    parse_url(c, n, p);
    if (get_str(c, n, path, "mode", 0, &mode) == 0) {
        if (strcmp(mode, "promql") == 0)
            p->mode = CONFIG_MODE_PROMQL;
        else if (strcmp(mode, "remote_read") == 0)
            p->mode = CONFIG_MODE_REMOTE_READ;
        else if (strcmp(mode, "api_read") == 0)
            p->mode = CONFIG_MODE_API_READ;
        else
            yr_err(&c->y, yr_get(&c->y, n, "mode"), "global.prometheus.mode",
                   "must be promql, remote_read or api_read, got \"%s\"", mode);
    }
    free(mode);
    mode = NULL;
    if (get_str(c, n, path, "read_response", 0, &mode) == 0) {
        if (strcmp(mode, "samples") == 0)
            p->read_samples = 1;
        else if (strcmp(mode, "chunks") != 0)
            yr_err(&c->y, yr_get(&c->y, n, "read_response"), "global.prometheus.read_response",
                   "must be chunks or samples, got \"%s\"", mode);
    }
    free(mode);
    get_duration(c, n, path, "timeout", 0, &p->timeout_ms);
    parse_retries(c, yr_get_opt(&c->y, n, "retries"), p);
    parse_counts(c, n, p);
    if (get_str(c, n, path, "read_path", 0, &p->read_path) == 0 && p->read_path[0] != '/')
        yr_err(&c->y, yr_get(&c->y, n, "read_path"), "global.prometheus.read_path",
               "must start with \"/\", got \"%s\"", p->read_path);
    get_map(c, n, path, "headers", MAP_HEADERS, &p->headers);
    get_str(c, n, path, "bearer_token_file", F_NONEMPTY, &p->bearer_token_file);
    v = yr_get(&c->y, n, "basic_auth");
    if (v != NULL &&
        yr_check_keys(&c->y, v, "global.prometheus.basic_auth", ba_keys, 2, NULL, 0) == 0) {
        get_str(c, v, "global.prometheus.basic_auth", "username", F_REQUIRED | F_NONEMPTY,
                &p->basic_username);
        get_str(c, v, "global.prometheus.basic_auth", "password_file", F_REQUIRED | F_NONEMPTY,
                &p->basic_password_file);
        if (yr_get(&c->y, n, "bearer_token_file") != NULL)
            yr_err(&c->y, v, "global.prometheus.basic_auth",
                   "basic_auth and bearer_token_file cannot both be set");
    }
    v = yr_get_opt(&c->y, n, "tls");
    if (v != NULL && yr_check_keys(&c->y, v, "global.prometheus.tls", tls_keys, 4, NULL, 0) == 0) {
        const char *tp = "global.prometheus.tls";

        get_str(c, v, tp, "ca_file", F_NONEMPTY, &p->ca_file);
        get_str(c, v, tp, "cert_file", F_NONEMPTY, &p->cert_file);
        get_str(c, v, tp, "key_file", F_NONEMPTY, &p->key_file);
        get_bool(c, v, tp, "insecure_skip_verify", &p->insecure_skip_verify);
        if ((yr_get(&c->y, v, "cert_file") == NULL) != (yr_get(&c->y, v, "key_file") == NULL))
            yr_err(&c->y, v, tp, "cert_file and key_file must be set together");
    }
}

static void parse_status(struct ctx *c, yaml_node_t *v, struct config *cfg)
{
    static const char *const keys[] = {"warning", "critical"};
    const char *path = "global.status";
    int bad = 0;
    int rc;

    if (yr_check_keys(&c->y, v, path, keys, 2, NULL, 0) != 0)
        return;
    rc = get_num(c, v, path, "warning", 0, &cfg->status_warning, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_warning > 0 && cfg->status_warning <= 1))) {
        if (rc == 0)
            yr_err(&c->y, yr_get(&c->y, v, "warning"), "global.status.warning",
                   "must be greater than 0 and at most 1, got %g", cfg->status_warning);
        bad = 1;
    }
    rc = get_num(c, v, path, "critical", 0, &cfg->status_critical, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_critical > 0 && cfg->status_critical <= 1))) {
        if (rc == 0)
            yr_err(&c->y, yr_get(&c->y, v, "critical"), "global.status.critical",
                   "must be greater than 0 and at most 1, got %g", cfg->status_critical);
        bad = 1;
    }
    if (!bad && cfg->status_warning >= cfg->status_critical)
        yr_err(&c->y, v, path, "warning (%g) must be below critical (%g)", cfg->status_warning,
               cfg->status_critical);
}

/* One entry of global.webhooks. */
static void parse_webhook(struct ctx *c, yaml_node_t *n, const char *path,
                          struct config_webhook *w)
{
    static const char *const keys[] = {"url", "events", "timeout", "max_attempts", "headers"};
    yaml_node_t *ev;
    char p[PATHLEN];
    const char *text = NULL;
    double x;

    w->events = CONFIG_WEBHOOK_STATUS | CONFIG_WEBHOOK_ALERT;
    w->timeout_ms = 10 * SEC_MS;
    w->max_attempts = 5;
    if (yr_want_map(&c->y, n, path) != 0 ||
        yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    yr_join(p, sizeof(p), path, "url");
    if (get_str(c, n, path, "url", F_REQUIRED | F_NONEMPTY, &w->url) == 0)
        http_url_ok(c, n, p, "url", w->url);
    if (get_duration(c, n, path, "timeout", 0, &w->timeout_ms) == 0 && w->timeout_ms < 100) {
        yr_join(p, sizeof(p), path, "timeout");
        yr_err(&c->y, yr_get(&c->y, n, "timeout"), p, "must be at least 100ms");
    }
    if (get_num(c, n, path, "max_attempts", 0, &x, &text) == 0) {
        yr_join(p, sizeof(p), path, "max_attempts");
        if (x < 1 || x > CONFIG_WEBHOOK_MAX_ATTEMPTS || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "max_attempts"), p,
                   "must be a whole number from 1 (no retries) to %d, got %s",
                   CONFIG_WEBHOOK_MAX_ATTEMPTS, text);
        else
            w->max_attempts = (int)x;
    }
    get_map(c, n, path, "headers", MAP_HEADERS, &w->headers);
    ev = yr_get_opt(&c->y, n, "events");
    if (ev == NULL)
        return;
    yr_join(p, sizeof(p), path, "events");
    if (yr_want_seq(&c->y, ev, p) != 0)
        return;
    w->events = 0;
    for (yaml_node_item_t *it = ev->data.sequence.items.start; it < ev->data.sequence.items.top;
         it++) {
        yaml_node_t *item = yr_node(&c->y, *it);
        char ip[PATHLEN];
        const char *v;

        yr_join_index(ip, sizeof(ip), p, (size_t)(it - ev->data.sequence.items.start));
        v = yr_want_scalar(&c->y, item, ip, "an event kind", 0);
        if (v == NULL)
            continue;
        if (strcmp(v, "status") == 0)
            w->events |= CONFIG_WEBHOOK_STATUS;
        else if (strcmp(v, "alert") == 0)
            w->events |= CONFIG_WEBHOOK_ALERT;
        else
            yr_err(&c->y, item, ip, "unknown event kind \"%s\"; expected status or alert", v);
    }
    if (w->events == 0 && ev->data.sequence.items.top == ev->data.sequence.items.start)
        yr_err(&c->y, ev, p, "must list at least one of status and alert");
}

static void parse_webhooks(struct ctx *c, yaml_node_t *v, struct config *cfg)
{
    const char *path = "global.webhooks";
    size_t cnt;

    if (v == NULL || yr_want_seq(&c->y, v, path) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt > CONFIG_MAX_WEBHOOKS) {
        yr_err(&c->y, v, path, "has %zu webhooks; at most %d are allowed", cnt,
               CONFIG_MAX_WEBHOOKS);
        return;
    }
    if (cnt == 0)
        return;
    cfg->webhooks = calloc(cnt, sizeof(*cfg->webhooks));
    if (cfg->webhooks == NULL) {
        c->y.oom = 1;
        return;
    }
    cfg->nwebhooks = cnt;
    for (size_t i = 0; i < cnt; i++) {
        char ip[PATHLEN];

        labels_init(&cfg->webhooks[i].headers);
        yr_join_index(ip, sizeof(ip), path, i);
        parse_webhook(c, yr_node(&c->y, v->data.sequence.items.start[i]), ip, &cfg->webhooks[i]);
    }
}

static void parse_route(struct ctx *c, yaml_node_t *n, const char *path,
                        struct config_alert_route *r);

static void parse_global(struct ctx *c, yaml_node_t *n, struct config *cfg)
{
    static const char *const keys[] = {"interval", "prometheus", "labels",
                                       "status",   "state_file", "dashboard_url",
                                       "webhooks", "shard",      "state_checkpoint_interval",
                                       "alerting"};
    yaml_node_t *v;
    char *shard = NULL;

    if (yr_check_keys(&c->y, n, "global", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (get_duration(c, n, "global", "interval", 0, &cfg->interval_ms) == 0 &&
        cfg->interval_ms < SEC_MS)
        yr_err(&c->y, yr_get(&c->y, n, "interval"), "global.interval", "must be at least 1s");
    /* Without it, check and rules still work; config_needs_store() stops the rest. */
    v = yr_get(&c->y, n, "prometheus");
    if (v != NULL)
        parse_prometheus(c, v, &cfg->prometheus);
    get_map(c, n, "global", "labels", MAP_SERIES_LABELS, &cfg->labels);
    v = yr_get_opt(&c->y, n, "status");
    if (v != NULL)
        parse_status(c, v, cfg);
    get_str(c, n, "global", "state_file", F_NONEMPTY, &cfg->state_file);
    if (get_duration(c, n, "global", "state_checkpoint_interval", 0, &cfg->checkpoint_ms) == 0 &&
        cfg->checkpoint_ms < SEC_MS)
        yr_err(&c->y, yr_get(&c->y, n, "state_checkpoint_interval"),
               "global.state_checkpoint_interval", "must be at least 1s");
    if (get_str(c, n, "global", "dashboard_url", F_NONEMPTY, &cfg->dashboard_url) == 0)
        http_url_ok(c, n, "global.dashboard_url", "dashboard_url", cfg->dashboard_url);
    parse_webhooks(c, yr_get_opt(&c->y, n, "webhooks"), cfg);
    v = yr_get_opt(&c->y, n, "alerting");
    if (v != NULL) {
        static const char *const akeys[] = {"page", "ticket"};

        if (yr_check_keys(&c->y, v, "global.alerting", akeys, NELEMS(akeys), NULL, 0) == 0) {
            parse_route(c, yr_get_opt(&c->y, v, "page"), "global.alerting.page", &cfg->alert_page);
            parse_route(c, yr_get_opt(&c->y, v, "ticket"), "global.alerting.ticket",
                        &cfg->alert_ticket);
        }
    }
    if (get_str(c, n, "global", "shard", 0, &shard) == 0) {
        struct err e = {{0}};

        if (shard_parse(shard, &cfg->shard, &e) != 0)
            yr_err(&c->y, yr_get(&c->y, n, "shard"), "global.shard", "%s", e.msg);
    }
    free(shard);
}

/*
 * Requires exactly one of the fields a and b of mapping n. Returns 0 when
 * that holds, else -1 (reported).
 */
static int one_of(struct ctx *c, yaml_node_t *n, const char *path, const char *a, const char *b)
{
    int ha = yr_get(&c->y, n, a) != NULL, hb = yr_get(&c->y, n, b) != NULL;

    if (ha && hb) {
        yr_err(&c->y, n, path, "set only one of \"%s\" and \"%s\"", a, b);
        return -1;
    }
    if (!ha && !hb) {
        yr_err(&c->y, n, path, "missing required field \"%s\" or \"%s\"", a, b);
        return -1;
    }
    return 0;
}

static void parse_events(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_events *ev)
{
    static const char *const keys[] = {"error", "good", "total"};

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (one_of(c, n, path, "error", "good") == 0) {
        get_selector(c, n, path, "error", 0, &ev->error, &ev->error_sel);
        get_selector(c, n, path, "good", 0, &ev->good, &ev->good_sel);
    }
    get_selector(c, n, path, "total", F_REQUIRED, &ev->total, &ev->total_sel);
}

static void parse_latency(struct ctx *c, yaml_node_t *n, const char *path,
                          struct config_sli_latency *l)
{
    static const char *const keys[] = {"histogram", "threshold"};
    static const char *const suffixes[] = {"_bucket", "_count", "_sum"};
    char p[PATHLEN];

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (get_selector(c, n, path, "histogram", F_REQUIRED, &l->histogram, &l->histogram_sel) == 0) {
        const char *m = l->histogram_sel->metric;
        size_t len = strlen(m);

        for (size_t i = 0; i < NELEMS(suffixes); i++) {
            size_t sl = strlen(suffixes[i]);

            if (len > sl && strcmp(m + len - sl, suffixes[i]) == 0) {
                yr_join(p, sizeof(p), path, "histogram");
                yr_err(&c->y, yr_get(&c->y, n, "histogram"), p,
                       "give the histogram's base name \"%.*s\", without \"%s\" (the sidecar "
                       "reads _bucket and _count itself)",
                       (int)(len - sl), m, suffixes[i]);
            }
        }
    }
    yr_join(p, sizeof(p), path, "threshold");
    if (get_num(c, n, path, "threshold", F_REQUIRED, &l->threshold, NULL) == 0 &&
        !(l->threshold > 0))
        yr_err(&c->y, yr_get(&c->y, n, "threshold"), p, "must be greater than 0 (seconds), got %g",
               l->threshold);
}

static void parse_timeslice(struct ctx *c, yaml_node_t *n, const char *path,
                            struct config_sli_timeslice *t)
{
    static const char *const keys[] = {"gauge", "age", "op", "value", "slice"};
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    char *op = NULL;
    char p[PATHLEN];

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    get_selector(c, n, path, "gauge", F_REQUIRED, &t->gauge, &t->gauge_sel);
    get_bool(c, n, path, "age", &t->age);
    if (get_str(c, n, path, "op", F_REQUIRED, &op) == 0) {
        size_t i;

        for (i = 0; i < NELEMS(ops); i++)
            if (strcmp(op, ops[i]) == 0)
                break;
        yr_join(p, sizeof(p), path, "op");
        if (i == NELEMS(ops))
            yr_err(&c->y, yr_get(&c->y, n, "op"), p, "must be one of < <= > >= == !=, got \"%s\"",
                   op);
        else
            t->op = (enum config_cmp)i;
    }
    free(op);
    get_num(c, n, path, "value", F_REQUIRED, &t->value, NULL);
    yr_join(p, sizeof(p), path, "slice");
    if (get_duration(c, n, path, "slice", 0, &t->slice_ms) == 0) {
        /*
         * Every window is cut into whole slices. The standard windows are all
         * multiples of 5m, so a slice that divides 5m tiles each of them
         * exactly and no window loses a partial slice at its edge.
         */
        if (t->slice_ms < SEC_MS)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p, "must be at least 1s");
        else if (t->slice_ms > SHORTEST_WINDOW_MS)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p,
                   "must be at most 5m, the shortest alert window");
        else if (SHORTEST_WINDOW_MS % t->slice_ms != 0)
            yr_err(&c->y, yr_get(&c->y, n, "slice"), p,
                   "must divide 5m evenly (e.g. 10s, 30s, 1m, 5m) so that slices tile every "
                   "alert window");
    }
}

static void parse_promql(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_promql *q)
{
    static const char *const keys[] = {"error_query", "good_query", "total_query"};

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (one_of(c, n, path, "error_query", "good_query") == 0) {
        get_str(c, n, path, "error_query", F_NONEMPTY, &q->error_query);
        get_str(c, n, path, "good_query", F_NONEMPTY, &q->good_query);
    }
    get_str(c, n, path, "total_query", F_REQUIRED | F_NONEMPTY, &q->total_query);
    /* The exact modes count raw samples themselves; they run no free PromQL. */
    if (c->cfg->prometheus.mode != CONFIG_MODE_PROMQL)
        yr_err(&c->y, n, path, "promql SLIs need mode: promql (global.prometheus.mode is %s)",
               c->cfg->prometheus.mode == CONFIG_MODE_API_READ ? "api_read" : "remote_read");
}

static void parse_sli(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"events", "latency", "timeslice", "promql"};
    yaml_node_t *kinds[4];
    char p[PATHLEN];
    int count = 0;
    size_t which = 0;

    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    for (size_t i = 0; i < NELEMS(keys); i++) {
        kinds[i] = yr_get(&c->y, n, keys[i]);
        if (kinds[i] != NULL) {
            count++;
            which = i;
        }
    }
    if (count != 1) {
        yr_err(&c->y, n, path, "sli must have exactly one of events, latency, timeslice, promql");
        return;
    }
    yr_join(p, sizeof(p), path, keys[which]);
    switch (which) {
    case 0:
        slo->kind = CONFIG_SLI_EVENTS;
        parse_events(c, kinds[which], p, &slo->events);
        break;
    case 1:
        slo->kind = CONFIG_SLI_LATENCY;
        parse_latency(c, kinds[which], p, &slo->latency);
        break;
    case 2:
        slo->kind = CONFIG_SLI_TIMESLICE;
        parse_timeslice(c, kinds[which], p, &slo->timeslice);
        break;
    default:
        slo->kind = CONFIG_SLI_PROMQL;
        parse_promql(c, kinds[which], p, &slo->promql);
        break;
    }
}

static void parse_route(struct ctx *c, yaml_node_t *n, const char *path,
                        struct config_alert_route *r)
{
    static const char *const keys[] = {"labels", "annotations"};

    if (n == NULL || yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    get_map(c, n, path, "labels", MAP_ALERT_LABELS, &r->labels);
    get_map(c, n, path, "annotations", MAP_ANY, &r->annotations);
}

/*
 * One row of alerting.windows into w; slo gives the period. Returns 0 when
 * the row is complete and valid.
 */
static int parse_window(struct ctx *c, yaml_node_t *row, const char *p,
                        const struct config_slo *slo, struct config_alert_window *w)
{
    static const char *const keys[] = {"severity", "long", "short", "factor"};
    char q[PATHLEN];
    char *sev = NULL;
    int ok = 1, durations = 1;

    if (yr_check_keys(&c->y, row, p, keys, NELEMS(keys), NULL, 0) != 0)
        return -1;
    if (get_str(c, row, p, "severity", F_REQUIRED, &sev) == 0) {
        if (strcmp(sev, "page") == 0)
            w->severity = CONFIG_SEVERITY_PAGE;
        else if (strcmp(sev, "ticket") == 0)
            w->severity = CONFIG_SEVERITY_TICKET;
        else {
            yr_join(q, sizeof(q), p, "severity");
            yr_err(&c->y, yr_get(&c->y, row, "severity"), q, "must be page or ticket, got \"%s\"",
                   sev);
            ok = 0;
        }
    } else {
        ok = 0;
    }
    free(sev);
    durations &= get_duration(c, row, p, "long", F_REQUIRED, &w->long_ms) == 0;
    durations &= get_duration(c, row, p, "short", F_REQUIRED, &w->short_ms) == 0;
    ok &= durations;
    if (durations && w->long_ms <= w->short_ms) {
        yr_join(q, sizeof(q), p, "short");
        yr_err(&c->y, yr_get(&c->y, row, "short"), q, "must be shorter than long");
        ok = 0;
    }
    /* A window longer than the period would count events from before it. */
    if (durations && slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        w->long_ms > slo->period_ms) {
        yr_join(q, sizeof(q), p, "long");
        yr_err(&c->y, yr_get(&c->y, row, "long"), q, "must not be longer than the period (%s)",
               slo->period_name);
        ok = 0;
    }
    if (get_num(c, row, p, "factor", F_REQUIRED, &w->factor, NULL) != 0) {
        ok = 0;
    } else if (!(w->factor > 0)) {
        yr_join(q, sizeof(q), p, "factor");
        yr_err(&c->y, yr_get(&c->y, row, "factor"), q, "must be greater than 0, got %g",
               w->factor);
        ok = 0;
    }
    return ok ? 0 : -1;
}

static void parse_windows(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    size_t cnt;
    struct config_alert_window *w;

    if (yr_want_seq(&c->y, n, path) != 0)
        return;
    cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
        yr_err(&c->y, n, path, "needs at least one row (leave windows out for the default table)");
        return;
    }
    w = calloc(cnt, sizeof(*w));
    if (w == NULL) {
        c->y.oom = 1;
        return;
    }
    free(slo->windows);
    slo->windows = w;
    slo->nwindows = cnt;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *row = yr_node(&c->y, n->data.sequence.items.start[i]);
        char p[PATHLEN];

        yr_join_index(p, sizeof(p), path, i);
        parse_window(c, row, p, slo, &w[i]);
    }
}

static int slo_name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

/*
 * The objective as a ratio. 99.9/100 is 0.9990000000000001 in binary; reading
 * the written digits with the exponent shifted gives the double closest to
 * 0.999, which is what users see in the exported series.
 */
static double percent_to_ratio(const char *text, double percent)
{
    char buf[80];
    double r;

    if (strpbrk(text, "eE") == NULL && strlen(text) < sizeof(buf) - 4) {
        snprintf(buf, sizeof(buf), "%se-2", text);
        if (util_parse_double(buf, &r) == 0)
            return r;
    }
    return percent / 100.0;
}

static void parse_period(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const struct {
        const char *name;
        enum config_period kind;
    } calendars[] = {
        {"calendar_week", CONFIG_PERIOD_CALENDAR_WEEK},
        {"calendar_month", CONFIG_PERIOD_CALENDAR_MONTH},
        {"calendar_quarter", CONFIG_PERIOD_CALENDAR_QUARTER},
    };
    char p[PATHLEN];
    struct err e = {{0}};

    if (get_str(c, n, path, "period", F_REQUIRED | F_NONEMPTY, &slo->period_name) != 0)
        return;
    yr_join(p, sizeof(p), path, "period");
    for (size_t i = 0; i < NELEMS(calendars); i++) {
        if (strcmp(slo->period_name, calendars[i].name) == 0) {
            slo->period_kind = calendars[i].kind;
            return;
        }
    }
    if (util_duration_parse(slo->period_name, &slo->period_ms, 0, &e) != 0) {
        yr_err(&c->y, yr_get(&c->y, n, "period"), p,
               "%s; or use calendar_week, calendar_month, calendar_quarter", e.msg);
        slo->period_ms = 0;
    } else if (slo->period_ms < HOUR_MS) {
        yr_err(&c->y, yr_get(&c->y, n, "period"), p, "must be at least 1h, got %s",
               slo->period_name);
        slo->period_ms = 0;
    }
}

/*
 * timezone: the IANA zone whose local midnight starts a calendar period,
 * loaded here (once per config load) so evaluations never read files.
 */
static void parse_timezone(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    char p[PATHLEN];
    struct err e = {{0}};

    if (get_str(c, n, path, "timezone", F_NONEMPTY, &slo->timezone) != 0 || slo->timezone == NULL)
        return;
    yr_join(p, sizeof(p), path, "timezone");
    if (slo->period_name != NULL && slo->period_kind == CONFIG_PERIOD_ROLLING) {
        yr_err(&c->y, yr_get(&c->y, n, "timezone"), p,
               "only calendar periods have a time zone (period is %s)", slo->period_name);
        return;
    }
    slo->tz = tzinfo_load(slo->timezone, &e);
    if (slo->tz == NULL)
        yr_err(&c->y, yr_get(&c->y, n, "timezone"), p, "%s", e.msg);
}

static void parse_group_by(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    yaml_node_t *v = yr_get_opt(&c->y, n, "group_by");
    char p[PATHLEN];
    size_t cnt;

    if (v == NULL)
        return;
    yr_join(p, sizeof(p), path, "group_by");
    if (yr_want_seq(&c->y, v, p) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt == 0)
        return;
    if (cnt > MAX_ENTRIES) {
        yr_err(&c->y, v, p, "has %zu labels; at most %d are allowed", cnt, MAX_ENTRIES);
        return;
    }
    slo->group_by = calloc(cnt, sizeof(char *));
    if (slo->group_by == NULL) {
        c->y.oom = 1;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = yr_node(&c->y, v->data.sequence.items.start[i]);
        char ip[PATHLEN];
        const char *name;
        int dup = 0;

        yr_join_index(ip, sizeof(ip), p, i);
        name = yr_want_scalar(&c->y, item, ip, "a label name", 0);
        if (name == NULL || label_ok(c, item, ip, name, 1) != 0)
            continue;
        /* The first ngroup_by entries are set; the analyser cannot tell. */
        for (size_t k = 0; k < slo->ngroup_by; k++)
            /* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
            dup |= strcmp(slo->group_by[k], name) == 0;
        if (dup) {
            yr_err(&c->y, item, ip, "duplicate label \"%s\"", name);
            continue;
        }
        /* The group's value comes from the data; a fixed label would hide it. */
        if (labels_get(&slo->labels, name) != NULL || labels_get(&c->cfg->labels, name) != NULL) {
            yr_err(&c->y, item, ip, "label \"%s\" is also set in %s; a series cannot have both",
                   name, labels_get(&slo->labels, name) != NULL ? "labels" : "global.labels");
            continue;
        }
        slo->group_by[slo->ngroup_by] = util_strdup(name);
        if (slo->group_by[slo->ngroup_by] == NULL) {
            c->y.oom = 1;
            return;
        }
        slo->ngroup_by++;
    }
}

/* max_groups and group_ttl: only with group_by. */
static void parse_group_limits(struct ctx *c, yaml_node_t *n, const char *path,
                               struct config_slo *slo)
{
    const char *text = NULL;
    char p[PATHLEN];
    double x;

    slo->max_groups = CONFIG_DEFAULT_MAX_GROUPS;
    if (get_num(c, n, path, "max_groups", 0, &x, &text) == 0) {
        yr_join(p, sizeof(p), path, "max_groups");
        if (slo->ngroup_by == 0)
            yr_err(&c->y, yr_get(&c->y, n, "max_groups"), p, "needs group_by");
        else if (x < 1 || x > CONFIG_MAX_MAX_GROUPS || x != floor(x))
            yr_err(&c->y, yr_get(&c->y, n, "max_groups"), p,
                   "must be a whole number from 1 to %d, got %s", CONFIG_MAX_MAX_GROUPS, text);
        else
            slo->max_groups = (size_t)x;
    }
    if (get_duration(c, n, path, "group_ttl", 0, &slo->group_ttl_ms) == 0) {
        yr_join(p, sizeof(p), path, "group_ttl");
        if (slo->ngroup_by == 0)
            yr_err(&c->y, yr_get(&c->y, n, "group_ttl"), p, "needs group_by");
        else if (slo->group_ttl_ms < 60 * SEC_MS)
            yr_err(&c->y, yr_get(&c->y, n, "group_ttl"), p, "must be at least 1m");
    }
}

static void parse_alerting(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"page", "ticket", "windows", "runbook_url"};
    yaml_node_t *v = yr_get_opt(&c->y, n, "alerting");
    char p[PATHLEN];
    char q[PATHLEN];

    yr_join(p, sizeof(p), path, "alerting");
    if (v == NULL || yr_check_keys(&c->y, v, p, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (get_str(c, v, p, "runbook_url", F_NONEMPTY, &slo->runbook_url) == 0) {
        yr_join(q, sizeof(q), p, "runbook_url");
        http_url_ok(c, v, q, "runbook_url", slo->runbook_url);
    }
    yr_join(q, sizeof(q), p, "page");
    parse_route(c, yr_get_opt(&c->y, v, "page"), q, &slo->page);
    yr_join(q, sizeof(q), p, "ticket");
    parse_route(c, yr_get_opt(&c->y, v, "ticket"), q, &slo->ticket);
    if (yr_get(&c->y, v, "windows") != NULL) {
        yr_join(q, sizeof(q), p, "windows");
        parse_windows(c, yr_get(&c->y, v, "windows"), q, slo);
    }
}

/*
 * Checks that time slices tile the custom alert windows and a rolling period;
 * only whole slices count (slo_slices), so a window that is not a multiple of
 * the slice would silently lose its partial slice.
 */
static void check_slices(struct ctx *c, yaml_node_t *n, const char *path,
                         const struct config_slo *slo)
{
    yaml_node_t *w = yr_get(&c->y, yr_get_opt(&c->y, n, "alerting"), "windows");
    int64_t s = slo->timeslice.slice_ms;
    char p[PATHLEN];
    char sl[32];

    if (slo->kind != CONFIG_SLI_TIMESLICE || s < SEC_MS || SHORTEST_WINDOW_MS % s != 0)
        return;
    if (util_duration_format(s, sl, sizeof(sl)) != 0)
        sl[0] = '\0';
    if (slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        slo->period_ms % s != 0) {
        yr_join(p, sizeof(p), path, "period");
        yr_err(&c->y, yr_get(&c->y, n, "period"), p, "must be a multiple of the time slice (%s)",
               sl);
    }
    /* The default table's windows are all multiples of 5m, so only custom
     * rows can miss; they sit in w one for one. */
    if (w == NULL || w->type != YAML_SEQUENCE_NODE)
        return;
    for (size_t i = 0; i < slo->nwindows; i++) {
        if ((slo->windows[i].long_ms > 0 && slo->windows[i].long_ms % s != 0) ||
            (slo->windows[i].short_ms > 0 && slo->windows[i].short_ms % s != 0)) {
            char q[PATHLEN];

            yr_join(q, sizeof(q), path, "alerting.windows");
            yr_join_index(p, sizeof(p), q, i);
            yr_err(&c->y, yr_node(&c->y, w->data.sequence.items.start[i]), p,
                   "long and short must be multiples of the time slice (%s)", sl);
        }
    }
}

static void parse_slo(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"name",   "service",  "description", "objective",
                                       "period", "timezone", "labels",      "group_by",
                                       "sli",    "alerting", "max_groups",  "group_ttl"};
    const char *text = NULL;
    char p[PATHLEN];
    yaml_node_t *v;

    slo->line = (int)n->start_mark.line + 1;
    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    if (get_str(c, n, path, "name", F_REQUIRED | F_NONEMPTY, &slo->name) == 0 &&
        !slo_name_ok(slo->name)) {
        yr_join(p, sizeof(p), path, "name");
        yr_err(&c->y, yr_get(&c->y, n, "name"), p, "invalid name \"%s\" (use [a-zA-Z0-9_.-]+)",
               slo->name);
    }
    get_str(c, n, path, "service", F_REQUIRED | F_NONEMPTY, &slo->service);
    get_str(c, n, path, "description", 0, &slo->description);
    yr_join(p, sizeof(p), path, "objective");
    if (get_num(c, n, path, "objective", F_REQUIRED, &slo->objective_percent, &text) == 0) {
        if (!(slo->objective_percent > 0 && slo->objective_percent < 100))
            yr_err(&c->y, yr_get(&c->y, n, "objective"), p,
                   "must be between 0 and 100 (exclusive), got %s", text);
        else
            slo->objective = percent_to_ratio(text, slo->objective_percent);
    }
    parse_period(c, n, path, slo);
    parse_timezone(c, n, path, slo);
    get_map(c, n, path, "labels", MAP_SERIES_LABELS, &slo->labels);
    parse_group_by(c, n, path, slo);
    parse_group_limits(c, n, path, slo);
    v = yr_get(&c->y, n, "sli");
    yr_join(p, sizeof(p), path, "sli");
    if (v == NULL)
        missing(c, n, path, "sli");
    else
        parse_sli(c, v, p, slo);
    parse_alerting(c, n, path, slo);
    if (slo->windows == NULL) {
        slo->windows = malloc(sizeof(config_default_windows));
        if (slo->windows == NULL) {
            c->y.oom = 1;
            return;
        }
        memcpy(slo->windows, config_default_windows, sizeof(config_default_windows));
        slo->nwindows = NELEMS(config_default_windows);
    }
    check_slices(c, n, path, slo);
    if (slo->description == NULL) {
        slo->description = util_strdup("");
        if (slo->description == NULL)
            c->y.oom = 1;
    }
}

static void parse_slos(struct ctx *c, yaml_node_t *s, struct config *cfg)
{
    size_t cnt;

    if (yr_want_seq(&c->y, s, "slos") != 0)
        return;
    cnt = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (cnt == 0) {
        yr_err(&c->y, s, "slos", "at least one SLO is needed");
        return;
    }
    if (cnt > MAX_SLOS || cfg->nslos + cnt > MAX_SLOS) {
        yr_err(&c->y, s, "slos", "has %zu SLOs; at most %d are allowed%s", cfg->nslos + cnt,
               MAX_SLOS, cfg->nslos > 0 ? " in all files together" : " in one file");
        return;
    }
    /* The files of a directory append to the SLOs of those before. */
    {
        struct config_slo *v = realloc(cfg->slos, (cfg->nslos + cnt) * sizeof(*v));

        if (v == NULL) {
            c->y.oom = 1;
            return;
        }
        memset(v + cfg->nslos, 0, cnt * sizeof(*v));
        cfg->slos = v;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = yr_node(&c->y, s->data.sequence.items.start[i]);
        size_t at = cfg->nslos++;
        struct config_slo *slo = &cfg->slos[at];
        char p[PATHLEN];
        char q[PATHLEN];

        yr_join_index(p, sizeof(p), "slos", i);
        slo->timeslice.slice_ms = MIN_MS;
        slo->file = util_strdup(c->y.file);
        if (slo->file == NULL)
            c->y.oom = 1;
        parse_slo(c, item, p, slo);
        for (size_t k = 0; k < at && slo->name != NULL; k++) {
            const struct config_slo *o = &cfg->slos[k];

            if (o->name == NULL || strcmp(o->name, slo->name) != 0)
                continue;
            yr_join(q, sizeof(q), p, "name");
            if (o->file != NULL && strcmp(o->file, c->y.file) != 0)
                yr_err(&c->y, yr_get(&c->y, item, "name"), q,
                       "duplicate SLO name \"%s\" (first defined in %s:%d)", slo->name, o->file,
                       o->line);
            else
                yr_err(&c->y, yr_get(&c->y, item, "name"), q,
                       "duplicate SLO name \"%s\" (first defined at line %d)", slo->name, o->line);
            break;
        }
    }
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct config *cfg, enum part part)
{
    static const char *const keys[] = {"global", "slos"};
    yaml_node_t *g, *s;

    if (yr_check_keys(&c->y, root, "", keys, NELEMS(keys), NULL, 0) != 0)
        return;
    /* global first: SLO checks depend on its mode and labels. */
    g = yr_get(&c->y, root, "global");
    if (g != NULL && part == PART_SLOS)
        yr_err(&c->y, g, NULL, "global is in %s already; one file of the directory holds it",
               c->global_file);
    else if (g == NULL && part == PART_WHOLE)
        yr_err(&c->y, root, "", "missing required field \"global\"");
    else if (g != NULL)
        parse_global(c, g, cfg);
    s = yr_get(&c->y, root, "slos");
    if (s == NULL && part != PART_GLOBAL)
        missing(c, root, "", "slos");
    else if (s != NULL)
        parse_slos(c, s, cfg);
}

/* A config with every default set; NULL when out of memory. */
static struct config *config_new(const char *name)
{
    struct config *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL)
        return NULL;
    cfg->path = util_strdup(name);
    cfg->interval_ms = 30 * SEC_MS;
    cfg->checkpoint_ms = 5 * 60 * SEC_MS;
    cfg->prometheus.mode = CONFIG_MODE_PROMQL;
    cfg->prometheus.timeout_ms = 10 * SEC_MS;
    cfg->prometheus.max_attempts = CONFIG_DEFAULT_ATTEMPTS;
    cfg->prometheus.read_max_samples = CONFIG_DEFAULT_READ_MAX_SAMPLES;
    cfg->prometheus.concurrency = CONFIG_DEFAULT_CONCURRENCY;
    cfg->prometheus.read_path = util_strdup("/api/v1/read");
    cfg->status_warning = 0.5;
    cfg->status_critical = 0.8;
    cfg->shard.index = 0;
    cfg->shard.count = 1;
    if (cfg->path == NULL || cfg->prometheus.read_path == NULL)
        goto fail;
    return cfg;
fail:
    config_free(cfg);
    return NULL;
}

void config_errors_add(struct config_errors *errs, char *msg)
{
    char **v;

    if (errs == NULL || msg == NULL) {
        free(msg);
        return;
    }
    v = realloc(errs->msg, (errs->n + 1) * sizeof(char *));
    if (v == NULL) {
        free(msg);
        return;
    }
    errs->msg = v;
    errs->msg[errs->n++] = msg;
}

void config_errors_take(struct config_errors *errs, struct yr *y)
{
    yr_move(y, errs ? &errs->msg : NULL, errs ? &errs->n : NULL, "errors");
}

int config_parse(const char *name, const char *data, size_t len, struct config **out,
                 struct config_errors *errs)
{
    struct ctx c;
    yaml_document_t *docs = NULL;
    size_t ndocs = 0;
    struct config *cfg = NULL;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    yr_init(&c.y, name, &config_yaml_limits);
    if (yr_load(&c.y, data, len, &docs, &ndocs) != 0)
        goto done;
    if (ndocs == 0) {
        yr_err(&c.y, NULL, NULL, "empty document: expected a mapping with global and slos");
        goto done;
    }
    cfg = config_new(name);
    if (cfg == NULL) {
        c.y.oom = 1;
        goto done;
    }
    c.cfg = cfg;
    c.y.doc = &docs[0];
    parse_root(&c, yaml_document_get_root_node(&docs[0]), cfg, PART_WHOLE);
done:
    if (c.y.oom)
        yr_add(&c.y, 0, 0, 0, "out of memory while loading the config");
    yr_docs_free(docs, ndocs);
    if (c.y.nmsgs > 0 || c.y.oom || cfg == NULL) {
        config_errors_take(errs, &c.y);
        config_free(cfg);
        return -1;
    }
    yr_free(&c.y);
    cfg->nslos_all = cfg->nslos;
    *out = cfg;
    return 0;
}

/* Reads and loads one file of several: its documents into p (errors in p->c.y). */
struct part_file {
    struct ctx c;
    yaml_document_t *docs;
    size_t ndocs;
};

static int load_one(const char *path, struct config **out, struct config_errors *errs)
{
    struct buf b;
    char *msg;
    int rc;

    if (yr_read_file(path, CONFIG_MAX_BYTES, &b, &msg) != 0) {
        config_errors_add(errs, msg ? msg : util_asprintf("%s: out of memory", path));
        return -1;
    }
    rc = config_parse(path, b.data, b.len, out, errs);
    buf_free(&b);
    return rc;
}

/*
 * Loads the files f of a directory (or pattern) called label as one config:
 * the first file holding global first, as SLO checks depend on it, then
 * the others in name order, each adding its SLOs. Messages name each file.
 */
static int load_many(const char *label, const struct configfiles *f, struct config **out,
                     struct config_errors *errs)
{
    struct part_file *p = calloc(f->n ? f->n : 1, sizeof(*p));
    struct config *cfg = config_new(label);
    size_t gi = f->n, nerr = errs ? errs->n : 0;
    int bad = 0;

    if (p == NULL || cfg == NULL) {
        config_errors_add(errs,
                          util_asprintf("%s: out of memory while loading the config", label));
        bad = 1;
        goto done;
    }
    if (f->n == 0) {
        config_errors_add(errs,
                          util_asprintf("%s: no *.yaml, *.yml or *.json file to load", label));
        bad = 1;
        goto done;
    }
    for (size_t i = 0; i < f->n; i++) {
        struct buf b;
        char *msg;

        yr_init(&p[i].c.y, f->files[i], &config_yaml_limits);
        p[i].c.cfg = cfg;
        if (yr_read_file(f->files[i], CONFIG_MAX_BYTES, &b, &msg) != 0) {
            config_errors_add(errs, msg ? msg : util_asprintf("%s: out of memory", f->files[i]));
            bad = 1;
            continue;
        }
        yr_load(&p[i].c.y, b.data, b.len, &p[i].docs, &p[i].ndocs);
        buf_free(&b);
        if (p[i].ndocs == 0 && p[i].c.y.nmsgs == 0)
            yr_err(&p[i].c.y, NULL, NULL, "empty document: expected slos (or global)");
        if (p[i].ndocs > 0) {
            p[i].c.y.doc = &p[i].docs[0];
            if (gi == f->n &&
                yr_get(&p[i].c.y, yaml_document_get_root_node(p[i].c.y.doc), "global") != NULL)
                gi = i;
        }
    }
    if (gi == f->n) {
        config_errors_add(errs,
                          util_asprintf("%s: no file holds global (one of the %zu files must)",
                                        label, f->n));
        bad = 1;
    } else {
        parse_root(&p[gi].c, yaml_document_get_root_node(p[gi].c.y.doc), cfg, PART_GLOBAL);
        for (size_t i = 0; i < f->n; i++) {
            if (i == gi || p[i].ndocs == 0)
                continue;
            p[i].c.global_file = f->files[gi];
            parse_root(&p[i].c, yaml_document_get_root_node(p[i].c.y.doc), cfg, PART_SLOS);
        }
    }
    for (size_t i = 0; i < f->n; i++) {
        if (p[i].c.y.oom)
            yr_add(&p[i].c.y, 0, 0, 0, "out of memory while loading the config");
        bad |= p[i].c.y.nmsgs > 0 || p[i].c.y.oom;
        config_errors_take(errs, &p[i].c.y);
        yr_docs_free(p[i].docs, p[i].ndocs);
    }
    if (!bad && cfg->nslos == 0) {
        config_errors_add(errs, util_asprintf("%s: no SLO in any file", label));
        bad = 1;
    }
done:
    free(p);
    /* errs may be NULL: bad says whether anything was found. */
    if (bad || (errs != NULL && errs->n > nerr)) {
        config_free(cfg);
        return -1;
    }
    cfg->nslos_all = cfg->nslos;
    *out = cfg;
    return 0;
}

int config_load(const char *path, struct config **out, struct config_errors *errs)
{
    struct configfiles f;
    struct err e = {{0}};
    int rc;

    *out = NULL;
    if (configfiles_list(path, &f, &e) != 0) {
        config_errors_add(errs, util_strdup(e.msg));
        return -1;
    }
    rc = f.many ? load_many(path, &f, out, errs) : load_one(f.files[0], out, errs);
    configfiles_free(&f);
    return rc;
}

void config_errors_init(struct config_errors *errs)
{
    errs->n = 0;
    errs->msg = NULL;
}

void config_errors_free(struct config_errors *errs)
{
    if (errs == NULL)
        return;
    for (size_t i = 0; i < errs->n; i++)
        free(errs->msg[i]);
    free(errs->msg);
    errs->n = 0;
    errs->msg = NULL;
}

static void slo_free(struct config_slo *s)
{
    free(s->file);
    free(s->name);
    free(s->service);
    free(s->description);
    free(s->period_name);
    free(s->timezone);
    tzinfo_free(s->tz);
    labels_free(&s->labels);
    for (size_t i = 0; i < s->ngroup_by; i++)
        free(s->group_by[i]);
    free(s->group_by);
    free(s->events.error);
    free(s->events.good);
    free(s->events.total);
    selector_free(s->events.error_sel);
    selector_free(s->events.good_sel);
    selector_free(s->events.total_sel);
    free(s->latency.histogram);
    selector_free(s->latency.histogram_sel);
    free(s->timeslice.gauge);
    selector_free(s->timeslice.gauge_sel);
    free(s->promql.error_query);
    free(s->promql.good_query);
    free(s->promql.total_query);
    labels_free(&s->page.labels);
    labels_free(&s->page.annotations);
    labels_free(&s->ticket.labels);
    labels_free(&s->ticket.annotations);
    free(s->runbook_url);
    free(s->windows);
}

void config_free(struct config *cfg)
{
    struct config_prometheus *p;

    if (cfg == NULL)
        return;
    p = &cfg->prometheus;
    free(p->url);
    free(p->read_path);
    labels_free(&p->headers);
    free(p->bearer_token_file);
    free(p->basic_username);
    free(p->basic_password_file);
    free(p->ca_file);
    free(p->cert_file);
    free(p->key_file);
    for (size_t i = 0; i < cfg->nslos; i++)
        slo_free(&cfg->slos[i]);
    free(cfg->slos);
    labels_free(&cfg->labels);
    labels_free(&cfg->alert_page.labels);
    labels_free(&cfg->alert_page.annotations);
    labels_free(&cfg->alert_ticket.labels);
    labels_free(&cfg->alert_ticket.annotations);
    free(cfg->state_file);
    free(cfg->dashboard_url);
    for (size_t i = 0; i < cfg->nwebhooks; i++) {
        free(cfg->webhooks[i].url);
        labels_free(&cfg->webhooks[i].headers);
    }
    free(cfg->webhooks);
    free(cfg->path);
    free(cfg);
}

int config_shard(struct config *cfg, const struct shard *over, const char *hostname, struct err *e)
{
    struct shard s = over != NULL ? *over : cfg->shard;
    size_t keep = 0;

    if (shard_resolve(&s, hostname, e) != 0)
        return -1;
    for (size_t i = 0; i < cfg->nslos; i++) {
        if (!shard_owns(&s, cfg->slos[i].name)) {
            slo_free(&cfg->slos[i]);
            continue;
        }
        if (keep != i)
            cfg->slos[keep] = cfg->slos[i];
        keep++;
    }
    /* The array keeps its size; config_free frees only the first nslos. */
    cfg->nslos = keep;
    cfg->shard = s;
    return 0;
}

int config_needs_store(const struct config *cfg, const char *what, struct err *e)
{
    if (cfg->prometheus.url != NULL)
        return 0;
    return util_err(e,
                    "%s: global.prometheus is not set, and %s reads from the store (check and "
                    "rules do without it)",
                    cfg->path, what);
}

const char *config_severity_str(enum config_severity s)
{
    return s == CONFIG_SEVERITY_PAGE ? "page" : "ticket";
}

const char *config_severity_label(enum config_severity s)
{
    return s == CONFIG_SEVERITY_PAGE ? "critical" : "warning";
}

const char *config_sli_kind_str(enum config_sli_kind k)
{
    switch (k) {
    case CONFIG_SLI_LATENCY:
        return "latency";
    case CONFIG_SLI_TIMESLICE:
        return "timeslice";
    case CONFIG_SLI_PROMQL:
        return "promql";
    case CONFIG_SLI_EVENTS:
    default:
        return "events";
    }
}

const char *config_cmp_str(enum config_cmp c)
{
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};

    return (unsigned)c < NELEMS(ops) ? ops[c] : "?";
}
