/*
 * config: YAML (and JSON) configuration loading and validation with libyaml's
 * document API, which keeps a position on every node. Every problem is
 * recorded with its position and loading goes on, so `check` shows them all;
 * messages are sorted by position at the end. The struct is filled as far as
 * possible but only handed out when there was no error.
 *
 * The walk follows the schema to a fixed depth, so YAML aliases (even cyclic
 * ones, which libyaml can build) cannot make it recurse without bound.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#define MIN_MS 60000LL

const struct config_alert_window config_default_windows[4] = {
    {CONFIG_SEVERITY_PAGE, 60 * MIN_MS, 5 * MIN_MS, 14.4},
    {CONFIG_SEVERITY_PAGE, 6 * 60 * MIN_MS, 30 * MIN_MS, 6},
    {CONFIG_SEVERITY_TICKET, 24 * 60 * MIN_MS, 2 * 60 * MIN_MS, 3},
    {CONFIG_SEVERITY_TICKET, 3 * 24 * 60 * MIN_MS, 6 * 60 * MIN_MS, 1},
};

/* Labels the sidecar sets itself; users may not set them. */
static const char *const reserved_labels[] = {
    "slo",  "service", "window",  "kind",   "status", "severity", "description",
    "period", "sli_kind", "version", "revision", "result", "le",
};

struct pending {
    size_t line;
    size_t col;
    size_t seq;
    char *msg;
};

struct ctx {
    const char *file;
    yaml_document_t *doc;
    struct pending *errs;
    size_t nerrs;
    int oom;
    enum config_mode mode;
};

static void add(struct ctx *c, size_t line, size_t col, const char *msg)
{
    struct pending *n;
    char *m;

    if (line > 0)
        m = util_asprintf("%s:%zu:%zu: %s", c->file, line, col, msg);
    else
        m = util_asprintf("%s: %s", c->file, msg);
    n = realloc(c->errs, (c->nerrs + 1) * sizeof(*n));
    if (n != NULL)
        c->errs = n;
    if (m == NULL || n == NULL) {
        free(m);
        c->oom = 1;
        return;
    }
    n[c->nerrs].line = line;
    n[c->nerrs].col = col;
    n[c->nerrs].seq = c->nerrs;
    n[c->nerrs].msg = m;
    c->nerrs++;
}

static void err(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Records "FILE:LINE:COL: PATH: message" at node n (file-level when n is NULL). */
static void err(struct ctx *c, const yaml_node_t *n, const char *path, const char *fmt, ...)
{
    char msg[1024];
    char full[1400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path != NULL && *path)
        snprintf(full, sizeof(full), "%s: %s", path, msg);
    else
        snprintf(full, sizeof(full), "%s", msg);
    add(c, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, full);
}

static yaml_node_t *node(struct ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static const char *kind_name(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        return "a scalar";
    default:
        return "nothing";
    }
}

static const char *sval(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

static int is_null(const yaml_node_t *n)
{
    const char *v;

    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    v = sval(n);
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
           strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

static int want_map(struct ctx *c, yaml_node_t *n, const char *path)
{
    if (n->type == YAML_MAPPING_NODE)
        return 0;
    err(c, n, path, "expected a mapping, got %s", kind_name(n));
    return -1;
}

/*
 * Checks a mapping's keys against the allowed names: unknown and duplicate
 * keys are errors. Returns 0 when n is a mapping (even with bad keys).
 */
static int check_keys(struct ctx *c, yaml_node_t *n, const char *path, const char *const *names,
                      size_t nnames)
{
    if (want_map(c, n, path) != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(c, p->key);
        size_t i;

        if (k->type != YAML_SCALAR_NODE) {
            err(c, k, path, "keys must be strings");
            continue;
        }
        for (i = 0; i < nnames; i++)
            if (strcmp(sval(k), names[i]) == 0)
                break;
        if (i == nnames) {
            err(c, k, path, "unknown field \"%s\"", sval(k));
            continue;
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = node(c, q->key);

            if (k2->type == YAML_SCALAR_NODE && strcmp(sval(k2), sval(k)) == 0) {
                err(c, k, path, "duplicate field \"%s\" (first at line %zu)", sval(k),
                    (size_t)k2->start_mark.line + 1);
                break;
            }
        }
    }
    return 0;
}

/* The value of key in mapping n (the first one), or NULL. */
static yaml_node_t *get(struct ctx *c, yaml_node_t *n, const char *key)
{
    if (n == NULL || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(c, p->key);

        if (k->type == YAML_SCALAR_NODE && strcmp(sval(k), key) == 0)
            return node(c, p->value);
    }
    return NULL;
}

/* path.key into out; a path too long for messages is cut (checked, not silent UB). */
static void join(char *out, size_t len, const char *path, const char *key)
{
    int n;

    if (path == NULL || *path == '\0')
        n = snprintf(out, len, "%s", key);
    else
        n = snprintf(out, len, "%s.%s", path, key);
    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

/* A string field. Returns 0 and sets *out (owned), 1 when absent, -1 on error. */
static int get_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key, char **out)
{
    yaml_node_t *n = get(c, m, key);
    char p[256];

    if (n == NULL)
        return 1;
    join(p, sizeof(p), path, key);
    if (n->type != YAML_SCALAR_NODE || is_null(n)) {
        err(c, n, p, "expected a string, got %s", is_null(n) ? "null" : kind_name(n));
        return -1;
    }
    free(*out);
    *out = util_strdup(sval(n));
    if (*out == NULL) {
        c->oom = 1;
        return -1;
    }
    return 0;
}

static int required_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                        char **out)
{
    int rc = get_str(c, m, path, key, out);
    char p[256];

    join(p, sizeof(p), path, key);
    if (rc == 1) {
        err(c, m, path, "missing required field \"%s\"", key);
        return -1;
    }
    if (rc == 0 && **out == '\0') {
        err(c, get(c, m, key), p, "must not be empty");
        return -1;
    }
    return rc;
}

/* A number: a plain (unquoted) scalar, finite. 0 ok, 1 absent, -1 error. */
static int get_num(struct ctx *c, yaml_node_t *m, const char *path, const char *key, double *out)
{
    yaml_node_t *n = get(c, m, key);
    char p[256];
    double v;

    if (n == NULL)
        return 1;
    join(p, sizeof(p), path, key);
    if (n->type != YAML_SCALAR_NODE) {
        err(c, n, p, "expected a number, got %s", kind_name(n));
        return -1;
    }
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        err(c, n, p, "expected a number, got string \"%s\"", sval(n));
        return -1;
    }
    if (util_parse_double(sval(n), &v) != 0 || !isfinite(v)) {
        err(c, n, p, "expected a number, got \"%s\"", sval(n));
        return -1;
    }
    *out = v;
    return 0;
}

static int get_bool(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int *out)
{
    yaml_node_t *n = get(c, m, key);
    char p[256];
    const char *v;

    if (n == NULL)
        return 1;
    join(p, sizeof(p), path, key);
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        v = sval(n);
        if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
            *out = 1;
            return 0;
        }
        if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
            *out = 0;
            return 0;
        }
    }
    err(c, n, p, "expected true or false");
    return -1;
}

static int get_duration(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                        int64_t *out)
{
    yaml_node_t *n = get(c, m, key);
    char p[256];
    struct err e;

    if (n == NULL)
        return 1;
    join(p, sizeof(p), path, key);
    if (n->type != YAML_SCALAR_NODE) {
        err(c, n, p, "expected a duration like 30s, 5m or 7d, got %s", kind_name(n));
        return -1;
    }
    if (util_duration_parse(sval(n), out, 0, &e) != 0) {
        err(c, n, p, "%s", e.msg);
        return -1;
    }
    return 0;
}

static int label_name_ok(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_'))
        return 0;
    for (const char *p = s + 1; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
              (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Checks a label name a user sets on series. Returns 0 or -1 (reported). */
static int user_label_ok(struct ctx *c, yaml_node_t *n, const char *path, const char *name)
{
    if (!label_name_ok(name)) {
        err(c, n, path, "invalid label name \"%s\" (must match [a-zA-Z_][a-zA-Z0-9_]*)", name);
        return -1;
    }
    if (strncmp(name, "__", 2) == 0) {
        err(c, n, path, "label names starting with \"__\" are reserved");
        return -1;
    }
    for (size_t i = 0; i < sizeof(reserved_labels) / sizeof(reserved_labels[0]); i++) {
        if (strcmp(name, reserved_labels[i]) == 0) {
            err(c, n, path, "label \"%s\" is reserved by slo-sidecar", name);
            return -1;
        }
    }
    return 0;
}

/*
 * A mapping of string to string. labels: 0 any names (annotations; headers
 * are checked by the caller), 1 label names for slo_* series (the sidecar's
 * own names are refused), 2 alert label names (severity is the point there).
 */
static void get_map(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                    struct labels *out, int labels)
{
    yaml_node_t *n = get(c, m, key);
    char p[256];

    if (n == NULL || is_null(n))
        return;
    join(p, sizeof(p), path, key);
    if (want_map(c, n, p) != 0)
        return;
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top;
         q++) {
        yaml_node_t *k = node(c, q->key);
        yaml_node_t *v = node(c, q->value);

        if (k->type != YAML_SCALAR_NODE) {
            err(c, k, p, "keys must be strings");
            continue;
        }
        if (v->type != YAML_SCALAR_NODE || is_null(v)) {
            err(c, v, p, "value of \"%s\" must be a string", sval(k));
            continue;
        }
        if (labels == 1 && user_label_ok(c, k, p, sval(k)) != 0)
            continue;
        if (labels == 2 && (!label_name_ok(sval(k)) || strncmp(sval(k), "__", 2) == 0)) {
            err(c, k, p, "invalid label name \"%s\" (must match [a-zA-Z_][a-zA-Z0-9_]* and "
                         "not start with \"__\")", sval(k));
            continue;
        }
        if (labels_get(out, sval(k)) != NULL) {
            err(c, k, p, "duplicate field \"%s\"", sval(k));
            continue;
        }
        if (labels_set(out, sval(k), sval(v)) != 0)
            c->oom = 1;
    }
}

static struct selector *get_selector(struct ctx *c, yaml_node_t *m, const char *path,
                                     const char *key, char **text, int required)
{
    char p[256];
    struct selector *sel = NULL;
    struct err e;
    int rc = required ? required_str(c, m, path, key, text) : get_str(c, m, path, key, text);

    if (rc != 0)
        return NULL;
    join(p, sizeof(p), path, key);
    if (selector_parse(*text, &sel, &e) != 0) {
        err(c, get(c, m, key), p, "invalid selector: %s", e.msg);
        return NULL;
    }
    return sel;
}

static void parse_prometheus(struct ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    static const char *const keys[] = {"url", "mode", "timeout", "read_path", "headers",
                                       "bearer_token_file", "basic_auth", "tls"};
    static const char *const ba_keys[] = {"username", "password_file"};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file",
                                           "insecure_skip_verify"};
    const char *path = "global.prometheus";
    char *mode = NULL;
    yaml_node_t *v;

    if (check_keys(c, n, path, keys, 8) != 0)
        return;
    if (required_str(c, n, path, "url", &p->url) == 0) {
        size_t len = strlen(p->url);

        if (strncmp(p->url, "http://", 7) != 0 && strncmp(p->url, "https://", 8) != 0)
            err(c, get(c, n, "url"), "global.prometheus.url",
                "must start with http:// or https://, got \"%s\"", p->url);
        while (len > 0 && p->url[len - 1] == '/')
            p->url[--len] = '\0';
    }
    if (get_str(c, n, path, "mode", &mode) == 0) {
        if (strcmp(mode, "promql") == 0)
            p->mode = CONFIG_MODE_PROMQL;
        else if (strcmp(mode, "remote_read") == 0)
            p->mode = CONFIG_MODE_REMOTE_READ;
        else
            err(c, get(c, n, "mode"), "global.prometheus.mode",
                "must be promql or remote_read, got \"%s\"", mode);
    }
    free(mode);
    c->mode = p->mode;
    get_duration(c, n, path, "timeout", &p->timeout_ms);
    if (get_str(c, n, path, "read_path", &p->read_path) == 0 && p->read_path[0] != '/')
        err(c, get(c, n, "read_path"), "global.prometheus.read_path", "must start with \"/\"");
    get_map(c, n, path, "headers", &p->headers, 0);
    for (size_t i = 0; i < p->headers.n; i++) {
        const char *h = p->headers.v[i].name;
        int ok = *h != '\0';

        for (const char *q = h; *q; q++)
            if (!(((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
                   (*q >= '0' && *q <= '9') || strchr("!#$%&'*+-.^_`|~", *q) != NULL)))
                ok = 0;
        if (!ok)
            err(c, get(c, n, "headers"), "global.prometheus.headers",
                "invalid header name \"%s\"", h);
        else if (strcasecmp(h, "Authorization") == 0)
            err(c, get(c, n, "headers"), "global.prometheus.headers",
                "set Authorization with bearer_token_file or basic_auth, not as a header "
                "(secrets belong in files)");
        for (const char *q = p->headers.v[i].value; *q; q++)
            if ((unsigned char)*q < 0x20 && *q != '\t')
                ok = 0;
        if (!ok)
            err(c, get(c, n, "headers"), "global.prometheus.headers",
                "header \"%s\" has control characters", h);
    }
    get_str(c, n, path, "bearer_token_file", &p->bearer_token_file);
    v = get(c, n, "basic_auth");
    if (v != NULL && check_keys(c, v, "global.prometheus.basic_auth", ba_keys, 2) == 0) {
        required_str(c, v, "global.prometheus.basic_auth", "username", &p->basic_username);
        required_str(c, v, "global.prometheus.basic_auth", "password_file",
                     &p->basic_password_file);
        if (p->bearer_token_file != NULL)
            err(c, v, "global.prometheus.basic_auth",
                "basic_auth and bearer_token_file cannot both be set");
    }
    v = get(c, n, "tls");
    if (v != NULL && check_keys(c, v, "global.prometheus.tls", tls_keys, 4) == 0) {
        get_str(c, v, "global.prometheus.tls", "ca_file", &p->ca_file);
        get_str(c, v, "global.prometheus.tls", "cert_file", &p->cert_file);
        get_str(c, v, "global.prometheus.tls", "key_file", &p->key_file);
        get_bool(c, v, "global.prometheus.tls", "insecure_skip_verify", &p->insecure_skip_verify);
        if ((p->cert_file == NULL) != (p->key_file == NULL))
            err(c, v, "global.prometheus.tls", "cert_file and key_file must be set together");
    }
}

static void parse_global(struct ctx *c, yaml_node_t *n, struct config *cfg)
{
    static const char *const keys[] = {"interval", "prometheus", "labels", "status",
                                       "state_file"};
    static const char *const st_keys[] = {"warning", "critical"};
    yaml_node_t *v;

    if (check_keys(c, n, "global", keys, 5) != 0)
        return;
    if (get_duration(c, n, "global", "interval", &cfg->interval_ms) == 0 &&
        cfg->interval_ms < 1000)
        err(c, get(c, n, "interval"), "global.interval", "must be at least 1s");
    v = get(c, n, "prometheus");
    if (v == NULL)
        err(c, n, "global", "missing required field \"prometheus\"");
    else
        parse_prometheus(c, v, &cfg->prometheus);
    get_map(c, n, "global", "labels", &cfg->labels, 1);
    v = get(c, n, "status");
    if (v != NULL && check_keys(c, v, "global.status", st_keys, 2) == 0) {
        int bad = 0;

        if (get_num(c, v, "global.status", "warning", &cfg->status_warning) == 0 &&
            !(cfg->status_warning > 0 && cfg->status_warning <= 1)) {
            err(c, get(c, v, "warning"), "global.status.warning", "must be in (0, 1]");
            bad = 1;
        }
        if (get_num(c, v, "global.status", "critical", &cfg->status_critical) == 0 &&
            !(cfg->status_critical > 0 && cfg->status_critical <= 1)) {
            err(c, get(c, v, "critical"), "global.status.critical", "must be in (0, 1]");
            bad = 1;
        }
        if (!bad && cfg->status_warning >= cfg->status_critical)
            err(c, v, "global.status", "warning (%g) must be below critical (%g)",
                cfg->status_warning, cfg->status_critical);
    }
    get_str(c, n, "global", "state_file", &cfg->state_file);
}

static void parse_events(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_events *ev)
{
    static const char *const keys[] = {"error", "good", "total"};

    if (check_keys(c, n, path, keys, 3) != 0)
        return;
    ev->error_sel = get_selector(c, n, path, "error", &ev->error, 0);
    ev->good_sel = get_selector(c, n, path, "good", &ev->good, 0);
    if ((get(c, n, "error") != NULL) == (get(c, n, "good") != NULL))
        err(c, n, path, "exactly one of \"error\" and \"good\" must be set");
    ev->total_sel = get_selector(c, n, path, "total", &ev->total, 1);
}

static void parse_latency(struct ctx *c, yaml_node_t *n, const char *path,
                          struct config_sli_latency *l)
{
    static const char *const keys[] = {"histogram", "threshold"};
    char p[256];

    if (check_keys(c, n, path, keys, 2) != 0)
        return;
    l->histogram_sel = get_selector(c, n, path, "histogram", &l->histogram, 1);
    if (l->histogram_sel != NULL) {
        const char *m = l->histogram_sel->metric;
        size_t len = strlen(m);
        static const char *const suffixes[] = {"_bucket", "_count", "_sum"};

        for (int i = 0; i < 3; i++) {
            size_t sl = strlen(suffixes[i]);

            if (len > sl && strcmp(m + len - sl, suffixes[i]) == 0) {
                join(p, sizeof(p), path, "histogram");
                err(c, get(c, n, "histogram"), p,
                    "give the histogram's base name without \"%s\" (the sidecar reads "
                    "_bucket and _count itself)", suffixes[i]);
            }
        }
    }
    join(p, sizeof(p), path, "threshold");
    switch (get_num(c, n, path, "threshold", &l->threshold)) {
    case 1:
        err(c, n, path, "missing required field \"threshold\"");
        break;
    case 0:
        if (!(l->threshold > 0))
            err(c, get(c, n, "threshold"), p, "must be greater than 0 (seconds)");
        break;
    default:
        break;
    }
}

static void parse_timeslice(struct ctx *c, yaml_node_t *n, const char *path,
                            struct config_sli_timeslice *t)
{
    static const char *const keys[] = {"gauge", "age", "op", "value", "slice"};
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    char *op = NULL;
    char p[256];

    if (check_keys(c, n, path, keys, 5) != 0)
        return;
    t->gauge_sel = get_selector(c, n, path, "gauge", &t->gauge, 1);
    get_bool(c, n, path, "age", &t->age);
    if (required_str(c, n, path, "op", &op) == 0) {
        size_t i;

        for (i = 0; i < 6; i++)
            if (strcmp(op, ops[i]) == 0)
                break;
        if (i == 6) {
            join(p, sizeof(p), path, "op");
            err(c, get(c, n, "op"), p, "must be one of < <= > >= == !=, got \"%s\"", op);
        } else {
            t->op = (enum config_cmp)i;
        }
    }
    free(op);
    if (get_num(c, n, path, "value", &t->value) == 1)
        err(c, n, path, "missing required field \"value\"");
    join(p, sizeof(p), path, "slice");
    if (get_duration(c, n, path, "slice", &t->slice_ms) == 0) {
        /* Slices must tile every alert window; the shortest is 5m. */
        if (t->slice_ms < 1000 || t->slice_ms > 5 * MIN_MS || (5 * MIN_MS) % t->slice_ms != 0)
            err(c, get(c, n, "slice"), p,
                "must be between 1s and 5m and divide 5m evenly, so slices tile every "
                "alert window");
    }
}

static void parse_promql(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_promql *q)
{
    static const char *const keys[] = {"error_query", "good_query", "total_query"};

    if (check_keys(c, n, path, keys, 3) != 0)
        return;
    get_str(c, n, path, "error_query", &q->error_query);
    get_str(c, n, path, "good_query", &q->good_query);
    if ((get(c, n, "error_query") != NULL) == (get(c, n, "good_query") != NULL))
        err(c, n, path, "exactly one of \"error_query\" and \"good_query\" must be set");
    else if ((q->error_query && !*q->error_query) || (q->good_query && !*q->good_query))
        err(c, n, path, "queries must not be empty");
    required_str(c, n, path, "total_query", &q->total_query);
    if (c->mode != CONFIG_MODE_PROMQL)
        err(c, n, path, "promql SLIs need mode: promql");
}

static void parse_sli(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"events", "latency", "timeslice", "promql"};
    int count = 0;
    char p[256];

    if (check_keys(c, n, path, keys, 4) != 0)
        return;
    for (int i = 0; i < 4; i++)
        count += get(c, n, keys[i]) != NULL;
    if (count != 1) {
        err(c, n, path, "sli must have exactly one of events, latency, timeslice, promql");
        return;
    }
    if (get(c, n, "events") != NULL) {
        slo->kind = CONFIG_SLI_EVENTS;
        join(p, sizeof(p), path, "events");
        parse_events(c, get(c, n, "events"), p, &slo->events);
    } else if (get(c, n, "latency") != NULL) {
        slo->kind = CONFIG_SLI_LATENCY;
        join(p, sizeof(p), path, "latency");
        parse_latency(c, get(c, n, "latency"), p, &slo->latency);
    } else if (get(c, n, "timeslice") != NULL) {
        slo->kind = CONFIG_SLI_TIMESLICE;
        join(p, sizeof(p), path, "timeslice");
        parse_timeslice(c, get(c, n, "timeslice"), p, &slo->timeslice);
    } else {
        slo->kind = CONFIG_SLI_PROMQL;
        join(p, sizeof(p), path, "promql");
        parse_promql(c, get(c, n, "promql"), p, &slo->promql);
    }
}

static void parse_route(struct ctx *c, yaml_node_t *n, const char *path,
                        struct config_alert_route *r)
{
    static const char *const keys[] = {"labels", "annotations"};

    if (n == NULL || check_keys(c, n, path, keys, 2) != 0)
        return;
    get_map(c, n, path, "labels", &r->labels, 2);
    get_map(c, n, path, "annotations", &r->annotations, 0);
}

static void parse_windows(struct ctx *c, yaml_node_t *n, const char *path,
                          struct config_slo *slo)
{
    static const char *const keys[] = {"severity", "long", "short", "factor"};
    size_t cnt;
    struct config_alert_window *w;

    if (n->type != YAML_SEQUENCE_NODE) {
        err(c, n, path, "expected a sequence, got %s", kind_name(n));
        return;
    }
    cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
        err(c, n, path, "needs at least one row (leave it out for the default table)");
        return;
    }
    w = calloc(cnt, sizeof(*w));
    if (w == NULL) {
        c->oom = 1;
        return;
    }
    free(slo->windows);
    slo->windows = w;
    slo->nwindows = cnt;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *row = node(c, n->data.sequence.items.start[i]);
        char p[256];
        char *sev = NULL;
        int ok = 1;

        if (snprintf(p, sizeof(p), "%s[%zu]", path, i) >= (int)sizeof(p))
            p[sizeof(p) - 1] = '\0';
        if (check_keys(c, row, p, keys, 4) != 0)
            continue;
        if (required_str(c, row, p, "severity", &sev) == 0) {
            if (strcmp(sev, "page") == 0)
                w[i].severity = CONFIG_SEVERITY_PAGE;
            else if (strcmp(sev, "ticket") == 0)
                w[i].severity = CONFIG_SEVERITY_TICKET;
            else
                err(c, get(c, row, "severity"), p, "severity must be page or ticket, got \"%s\"",
                    sev);
        }
        free(sev);
        if (get_duration(c, row, p, "long", &w[i].long_ms) != 0) {
            if (get(c, row, "long") == NULL)
                err(c, row, p, "missing required field \"long\"");
            ok = 0;
        }
        if (get_duration(c, row, p, "short", &w[i].short_ms) != 0) {
            if (get(c, row, "short") == NULL)
                err(c, row, p, "missing required field \"short\"");
            ok = 0;
        }
        switch (get_num(c, row, p, "factor", &w[i].factor)) {
        case 1:
            err(c, row, p, "missing required field \"factor\"");
            break;
        case 0:
            if (!(w[i].factor > 0))
                err(c, get(c, row, "factor"), p, "factor must be greater than 0");
            break;
        default:
            break;
        }
        if (ok && w[i].long_ms <= w[i].short_ms)
            err(c, row, p, "long window must be longer than short window");
        if (ok && slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
            w[i].long_ms > slo->period_ms)
            err(c, row, p, "long window is longer than the period");
    }
}

static int name_ok(const char *s)
{
    if (*s == '\0')
        return 0;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-'))
            return 0;
    return 1;
}

static void parse_slo(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"name",   "service",  "description", "objective", "period",
                                       "labels", "group_by", "sli",         "alerting"};
    static const char *const alert_keys[] = {"page", "ticket", "windows"};
    char p[256];
    yaml_node_t *v;

    slo->line = (int)n->start_mark.line + 1;
    if (check_keys(c, n, path, keys, 9) != 0)
        return;
    if (required_str(c, n, path, "name", &slo->name) == 0 && !name_ok(slo->name)) {
        join(p, sizeof(p), path, "name");
        err(c, get(c, n, "name"), p, "invalid name \"%s\" (use [a-zA-Z0-9_.-]+)", slo->name);
    }
    required_str(c, n, path, "service", &slo->service);
    get_str(c, n, path, "description", &slo->description);
    join(p, sizeof(p), path, "objective");
    switch (get_num(c, n, path, "objective", &slo->objective_percent)) {
    case 1:
        err(c, n, path, "missing required field \"objective\"");
        break;
    case 0:
        if (!(slo->objective_percent > 0 && slo->objective_percent < 100))
            err(c, get(c, n, "objective"), p,
                "must be between 0 and 100 (exclusive), got %g", slo->objective_percent);
        slo->objective = slo->objective_percent / 100.0;
        break;
    default:
        break;
    }
    if (required_str(c, n, path, "period", &slo->period_name) == 0) {
        struct err e;

        join(p, sizeof(p), path, "period");
        if (strcmp(slo->period_name, "calendar_week") == 0) {
            slo->period_kind = CONFIG_PERIOD_CALENDAR_WEEK;
        } else if (strcmp(slo->period_name, "calendar_month") == 0) {
            slo->period_kind = CONFIG_PERIOD_CALENDAR_MONTH;
        } else if (strcmp(slo->period_name, "calendar_quarter") == 0) {
            slo->period_kind = CONFIG_PERIOD_CALENDAR_QUARTER;
        } else if (util_duration_parse(slo->period_name, &slo->period_ms, 0, &e) != 0) {
            err(c, get(c, n, "period"), p,
                "%s; or use calendar_week, calendar_month, calendar_quarter", e.msg);
        } else if (slo->period_ms < 60 * MIN_MS) {
            err(c, get(c, n, "period"), p, "must be at least 1h");
        }
    }
    get_map(c, n, path, "labels", &slo->labels, 1);
    v = get(c, n, "group_by");
    if (v != NULL) {
        join(p, sizeof(p), path, "group_by");
        if (v->type != YAML_SEQUENCE_NODE) {
            err(c, v, p, "expected a sequence of label names, got %s", kind_name(v));
        } else {
            size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);

            slo->group_by = calloc(cnt ? cnt : 1, sizeof(char *));
            if (slo->group_by == NULL)
                c->oom = 1;
            for (size_t i = 0; slo->group_by != NULL && i < cnt; i++) {
                yaml_node_t *item = node(c, v->data.sequence.items.start[i]);
                int dup = 0;

                if (item->type != YAML_SCALAR_NODE) {
                    err(c, item, p, "expected a label name, got %s", kind_name(item));
                    continue;
                }
                if (user_label_ok(c, item, p, sval(item)) != 0)
                    continue;
                for (size_t k = 0; k < slo->ngroup_by; k++)
                    dup |= strcmp(slo->group_by[k], sval(item)) == 0;
                if (dup) {
                    err(c, item, p, "duplicate label \"%s\"", sval(item));
                    continue;
                }
                slo->group_by[slo->ngroup_by] = util_strdup(sval(item));
                if (slo->group_by[slo->ngroup_by] == NULL)
                    c->oom = 1;
                else
                    slo->ngroup_by++;
            }
        }
    }
    v = get(c, n, "sli");
    join(p, sizeof(p), path, "sli");
    if (v == NULL)
        err(c, n, path, "missing required field \"sli\"");
    else
        parse_sli(c, v, p, slo);
    v = get(c, n, "alerting");
    join(p, sizeof(p), path, "alerting");
    if (v != NULL && !is_null(v) && check_keys(c, v, p, alert_keys, 3) == 0) {
        char q[300];

        join(q, sizeof(q), p, "page");
        parse_route(c, get(c, v, "page"), q, &slo->page);
        join(q, sizeof(q), p, "ticket");
        parse_route(c, get(c, v, "ticket"), q, &slo->ticket);
        if (get(c, v, "windows") != NULL) {
            join(q, sizeof(q), p, "windows");
            parse_windows(c, get(c, v, "windows"), q, slo);
        }
    }
    if (slo->windows == NULL) {
        slo->windows = malloc(sizeof(config_default_windows));
        if (slo->windows == NULL) {
            c->oom = 1;
            return;
        }
        memcpy(slo->windows, config_default_windows, sizeof(config_default_windows));
        slo->nwindows = 4;
    }
    if (slo->description == NULL) {
        slo->description = util_strdup("");
        if (slo->description == NULL)
            c->oom = 1;
    }
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct config *cfg)
{
    static const char *const keys[] = {"global", "slos"};
    yaml_node_t *g, *s;

    if (check_keys(c, root, "", keys, 2) != 0)
        return;
    g = get(c, root, "global");
    if (g == NULL)
        err(c, root, "", "missing required field \"global\" (global.prometheus.url is needed)");
    else
        parse_global(c, g, cfg);
    s = get(c, root, "slos");
    if (s == NULL) {
        err(c, root, "", "missing required field \"slos\"");
        return;
    }
    if (s->type != YAML_SEQUENCE_NODE) {
        err(c, s, "slos", "expected a sequence, got %s", kind_name(s));
        return;
    }
    cfg->nslos = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (cfg->nslos == 0) {
        err(c, s, "slos", "at least one SLO is needed");
        return;
    }
    cfg->slos = calloc(cfg->nslos, sizeof(*cfg->slos));
    if (cfg->slos == NULL) {
        cfg->nslos = 0;
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < cfg->nslos; i++) {
        yaml_node_t *item = node(c, s->data.sequence.items.start[i]);
        char p[64];

        snprintf(p, sizeof(p), "slos[%zu]", i);
        parse_slo(c, item, p, &cfg->slos[i]);
        for (size_t k = 0; k < i && cfg->slos[i].name != NULL; k++) {
            if (cfg->slos[k].name != NULL && strcmp(cfg->slos[k].name, cfg->slos[i].name) == 0) {
                err(c, get(c, item, "name"), p,
                    "duplicate SLO name \"%s\" (first defined at line %d)", cfg->slos[i].name,
                    cfg->slos[k].line);
                break;
            }
        }
    }
}

static int cmp_pending(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void move_errors(struct ctx *c, struct config_errors *errs)
{
    char **v;

    qsort(c->errs, c->nerrs, sizeof(*c->errs), cmp_pending);
    v = realloc(errs->msg, (errs->n + c->nerrs) * sizeof(char *));
    for (size_t i = 0; i < c->nerrs; i++) {
        if (v != NULL)
            v[errs->n++] = c->errs[i].msg;
        else
            free(c->errs[i].msg);
    }
    if (v != NULL)
        errs->msg = v;
    free(c->errs);
    c->errs = NULL;
    c->nerrs = 0;
}

static struct config *config_new(const char *name)
{
    struct config *cfg = calloc(1, sizeof(*cfg));

    if (cfg == NULL)
        return NULL;
    cfg->path = util_strdup(name);
    cfg->interval_ms = 30000;
    cfg->prometheus.mode = CONFIG_MODE_PROMQL;
    cfg->prometheus.timeout_ms = 10000;
    cfg->prometheus.read_path = util_strdup("/api/v1/read");
    cfg->status_warning = 0.5;
    cfg->status_critical = 0.8;
    if (cfg->path == NULL || cfg->prometheus.read_path == NULL) {
        config_free(cfg);
        return NULL;
    }
    return cfg;
}

int config_parse(const char *name, const char *data, size_t len, struct config **out,
                 struct config_errors *errs)
{
    struct ctx c;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    struct config *cfg = NULL;
    int have_doc = 0;
    yaml_node_t *root;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.file = name;
    if (len > CONFIG_MAX_BYTES) {
        err(&c, NULL, NULL, "config is larger than %u bytes", CONFIG_MAX_BYTES);
        goto done;
    }
    if (!yaml_parser_initialize(&parser)) {
        c.oom = 1;
        goto done;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        char msg[512];

        snprintf(msg, sizeof(msg), "yaml: %s%s%s", parser.problem ? parser.problem : "error",
                 parser.context ? " " : "", parser.context ? parser.context : "");
        add(&c, parser.problem_mark.line + 1, parser.problem_mark.column + 1, msg);
        yaml_parser_delete(&parser);
        goto done;
    }
    have_doc = 1;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL) {
        err(&c, NULL, NULL, "empty configuration");
        yaml_parser_delete(&parser);
        goto done;
    }
    if (!yaml_parser_load(&parser, &extra)) {
        add(&c, parser.problem_mark.line + 1, parser.problem_mark.column + 1,
            "yaml: error after the first document");
    } else {
        yaml_node_t *r2 = yaml_document_get_root_node(&extra);

        if (r2 != NULL)
            err(&c, r2, NULL, "more than one YAML document; put everything in one");
        yaml_document_delete(&extra);
    }
    yaml_parser_delete(&parser);
    cfg = config_new(name);
    if (cfg == NULL) {
        c.oom = 1;
        goto done;
    }
    c.doc = &doc;
    parse_root(&c, root, cfg);
done:
    if (c.oom)
        add(&c, 0, 0, "out of memory while loading the config");
    if (have_doc)
        yaml_document_delete(&doc);
    if (c.nerrs > 0) {
        move_errors(&c, errs);
        config_free(cfg);
        return -1;
    }
    *out = cfg;
    return 0;
}

int config_load(const char *path, struct config **out, struct config_errors *errs)
{
    FILE *f;
    struct buf b;
    char chunk[65536];
    size_t n;
    int rc;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL) {
        char *m = util_asprintf("%s: cannot read: %s", path, strerror(errno));
        char **v = realloc(errs->msg, (errs->n + 1) * sizeof(char *));

        if (v != NULL)
            errs->msg = v;
        if (m != NULL && v != NULL)
            errs->msg[errs->n++] = m;
        else
            free(m);
        return -1;
    }
    buf_init(&b, CONFIG_MAX_BYTES);
    rc = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            rc = -1;
            break;
        }
    }
    if (ferror(f))
        rc = -2;
    fclose(f);
    if (rc != 0) {
        char *m = rc == -1 ? util_asprintf("%s: config is larger than %u bytes", path,
                                           CONFIG_MAX_BYTES)
                           : util_asprintf("%s: read error", path);
        char **v = realloc(errs->msg, (errs->n + 1) * sizeof(char *));

        if (v != NULL)
            errs->msg = v;
        if (m != NULL && v != NULL)
            errs->msg[errs->n++] = m;
        else
            free(m);
        buf_free(&b);
        return -1;
    }
    rc = config_parse(path, b.data ? b.data : "", b.len, out, errs);
    buf_free(&b);
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
    free(s->name);
    free(s->service);
    free(s->description);
    free(s->period_name);
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
    free(cfg->state_file);
    free(cfg->path);
    free(cfg);
}

const char *config_severity_str(enum config_severity s)
{
    return s == CONFIG_SEVERITY_PAGE ? "page" : "ticket";
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

    return (unsigned)c < 6 ? ops[c] : "?";
}
