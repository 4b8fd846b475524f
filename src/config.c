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
 * The walk follows the schema to a fixed depth, so YAML aliases (even cyclic
 * ones, which libyaml can build) cannot make it recurse without bound. They
 * can still make it visit one node many times (an "alias bomb"), so the
 * document is measured with its aliases expanded before the walk, and
 * refused past the limits below. libyaml itself slows down with the square
 * of the nesting depth, of the anchors and aliases and of the %TAG
 * directives, so a first pass over the tokens bounds those before loading.
 *
 * Depends on util, selector and libyaml.
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

#define SEC_MS 1000LL
#define MIN_MS (60 * SEC_MS)
#define HOUR_MS (60 * MIN_MS)
#define DAY_MS (24 * HOUR_MS)

/* The shortest standard alert window; time slices must tile it. */
#define SHORTEST_WINDOW_MS (5 * MIN_MS)

/* Field paths are short ("slos[12].alerting.windows[3].factor"); cut if not. */
#define PATHLEN 256

/*
 * Checked on the tokens, before libyaml builds the document. Two million
 * tokens are some 30000 SLOs; libyaml takes about a second and 300 MiB to
 * load that many (a 16 MiB file of tiny values took 10 s and 1.3 GB).
 */
#define MAX_TOKENS 2000000 /* keys, values and punctuation */
#define MAX_DEPTH 64       /* collections inside collections */
#define MAX_ANCHORS 1000   /* &name */
#define MAX_ALIASES 10000  /* *name */
#define MAX_DIRECTIVES 64  /* %TAG and %YAML */

/*
 * The walk reads no deeper than level 7 (the root is 1; the deepest field is
 * slos[i].alerting.page.labels.NAME), so aliases are expanded to this depth
 * when the document is measured. Expanded, it must stay within MAX_NODES
 * nodes and twice CONFIG_MAX_BYTES of scalar text, about what a file
 * without aliases can hold.
 */
#define WALK_DEPTH 8
#define MAX_NODES 1000000

/*
 * Entries of one labels, annotations or headers mapping, names in one
 * group_by, and SLOs in one file. Their checks compare every entry with
 * every other, so the limits also keep loading fast.
 */
#define MAX_ENTRIES 256
#define MAX_SLOS 10000

/* Messages with a position kept for one load; more are only counted. */
#define MAX_ERRORS 1000

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

/* One recorded message with its position, sorted at the end. */
struct pending {
    size_t line; /* 1-based; 0 for file-level messages */
    size_t col;
    size_t seq; /* keeps messages at one position in the order found */
    char *msg;
};

struct ctx {
    const char *file;
    yaml_document_t *doc;
    struct pending *errs;
    size_t nerrs;
    size_t aerrs;
    size_t dropped; /* messages past MAX_ERRORS */
    int oom;
    const struct config *cfg; /* the global part, for checks inside SLOs */
};

/*
 * Returns 1 (and counts the message) when a message at line (0 for a
 * file-level one, which always goes in) would pass MAX_ERRORS, else 0.
 */
static int too_many(struct ctx *c, size_t line)
{
    if (line == 0 || c->nerrs < MAX_ERRORS)
        return 0;
    c->dropped++;
    return 1;
}

/* Records msg at line:col (both 1-based; line 0 for "FILE: msg"). */
static void add(struct ctx *c, size_t line, size_t col, const char *msg)
{
    char *m;

    if (too_many(c, line))
        return;
    if (c->nerrs == c->aerrs) {
        size_t na = c->aerrs ? c->aerrs * 2 : 16;
        struct pending *n = realloc(c->errs, na * sizeof(*n));

        if (n == NULL) {
            c->oom = 1;
            return;
        }
        c->errs = n;
        c->aerrs = na;
    }
    if (line > 0)
        m = util_asprintf("%s:%zu:%zu: %s", c->file, line, col, msg);
    else
        m = util_asprintf("%s: %s", c->file, msg);
    if (m == NULL) {
        c->oom = 1;
        return;
    }
    c->errs[c->nerrs].line = line;
    c->errs[c->nerrs].col = col;
    c->errs[c->nerrs].seq = c->nerrs;
    c->errs[c->nerrs].msg = m;
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

    if (too_many(c, n ? n->start_mark.line + 1 : 0))
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path != NULL && *path)
        snprintf(full, sizeof(full), "%s: %s", path, msg);
    else
        snprintf(full, sizeof(full), "%s", msg);
    /* libyaml counts lines and columns from 0; editors from 1. */
    add(c, n ? n->start_mark.line + 1 : 0, n ? n->start_mark.column + 1 : 0, full);
}

static yaml_node_t *node(struct ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
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
    return *v == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 || strcmp(v, "Null") == 0 ||
           strcmp(v, "NULL") == 0;
}

/*
 * Tags other than the core schema's (!!str, !!int, ...) mean nothing here.
 * Returns 0 when n's tag is fine, else reports it and returns -1. The classic
 * case is `op: !=`, which YAML reads as the tag "!=" on an empty value.
 */
static int tag_ok(struct ctx *c, const yaml_node_t *n, const char *path)
{
    const char *t = (const char *)n->tag;

    if (t == NULL || strncmp(t, "tag:yaml.org,2002:", 18) == 0)
        return 1;
    if (n->type == YAML_SCALAR_NODE && *n->data.scalar.value == '\0')
        err(c, n, path, "YAML reads %s as a tag, leaving no value; quote it: \"%s\"", t, t);
    else
        err(c, n, path, "unsupported YAML tag \"%s\"", t);
    return 0;
}

/* Describes n for "expected X, got Y": a mapping, null, "text", string "text". */
static const char *describe(const yaml_node_t *n, char *buf, size_t len)
{
    const char *v;
    size_t vl;

    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a sequence";
    case YAML_SCALAR_NODE:
        break;
    default:
        return "nothing";
    }
    if (is_null(n))
        return "null";
    v = sval(n);
    vl = strlen(v);
    snprintf(buf, len, "%s\"%.40s%s\"",
             n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? "" : "string ", v,
             vl > 40 ? "..." : "");
    return buf;
}

/*
 * Returns n's text when it is a non-null scalar, else reports "expected
 * what, got ..." and returns NULL.
 */
static const char *want_scalar(struct ctx *c, yaml_node_t *n, const char *path, const char *what)
{
    char d[64];

    if (!tag_ok(c, n, path))
        return NULL;
    if (n->type != YAML_SCALAR_NODE || is_null(n)) {
        err(c, n, path, "expected %s, got %s", what, describe(n, d, sizeof(d)));
        return NULL;
    }
    /* A "\0" escape would silently cut every C string made from the value. */
    if (strlen(sval(n)) != n->data.scalar.length) {
        err(c, n, path, "must not contain a NUL character");
        return NULL;
    }
    return sval(n);
}

static int want_map(struct ctx *c, yaml_node_t *n, const char *path)
{
    char d[64];

    if (!tag_ok(c, n, path))
        return -1;
    if (n->type == YAML_MAPPING_NODE)
        return 0;
    err(c, n, path, "expected a mapping, got %s", describe(n, d, sizeof(d)));
    return -1;
}

static int want_seq(struct ctx *c, yaml_node_t *n, const char *path)
{
    char d[64];

    if (!tag_ok(c, n, path))
        return -1;
    if (n->type == YAML_SEQUENCE_NODE)
        return 0;
    err(c, n, path, "expected a sequence, got %s", describe(n, d, sizeof(d)));
    return -1;
}

/* path.key into out; a path too long for messages is cut, never overflowed. */
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

/* path[i] into out. */
static void join_index(char *out, size_t len, const char *path, size_t i)
{
    int n = snprintf(out, len, "%s[%zu]", path, i);

    if (n < 0 || (size_t)n >= len)
        out[len - 1] = '\0';
}

/*
 * Checks a mapping's keys against the allowed names: unknown and duplicate
 * keys are errors. Returns 0 when n is a mapping (even with bad keys), -1
 * (reported) when it is not. nnames is at most 16.
 */
static int check_keys(struct ctx *c, yaml_node_t *n, const char *path, const char *const *names,
                      size_t nnames)
{
    yaml_node_t *seen[16] = {NULL};

    if (want_map(c, n, path) != 0)
        return -1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key);
        const char *name = want_scalar(c, k, path, "a field name");
        size_t i;

        if (name == NULL)
            continue;
        for (i = 0; i < nnames; i++)
            if (strcmp(name, names[i]) == 0)
                break;
        if (i == nnames) {
            err(c, k, path, "unknown field \"%s\"", name);
            continue;
        }
        if (seen[i] != NULL) {
            err(c, k, path, "duplicate field \"%s\" (first at line %zu)", name,
                (size_t)seen[i]->start_mark.line + 1);
            continue;
        }
        seen[i] = k;
    }
    return 0;
}

/* The value of key in mapping n (the first one when duplicated), or NULL. */
static yaml_node_t *get(struct ctx *c, yaml_node_t *n, const char *key)
{
    if (n == NULL || n->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(c, p->key);

        if (k->type == YAML_SCALAR_NODE && strcmp(sval(k), key) == 0)
            return node(c, p->value);
    }
    return NULL;
}

/* Like get(), but an explicit null counts as absent (`labels:` left empty). */
static yaml_node_t *get_opt(struct ctx *c, yaml_node_t *n, const char *key)
{
    yaml_node_t *v = get(c, n, key);

    return v != NULL && is_null(v) ? NULL : v;
}

static void missing(struct ctx *c, yaml_node_t *m, const char *path, const char *key)
{
    err(c, m, path, "missing required field \"%s\"", key);
}

/*
 * A string field into *out (owned; a previous value is freed). Returns 0 when
 * set, 1 when absent, -1 on a reported error.
 */
static int get_str(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                   char **out)
{
    yaml_node_t *n = get(c, m, key);
    char p[PATHLEN];
    const char *v;
    char *d;

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    join(p, sizeof(p), path, key);
    v = want_scalar(c, n, p, "a string");
    if (v == NULL)
        return -1;
    if ((flags & F_NONEMPTY) && *v == '\0') {
        err(c, n, p, "must not be empty");
        return -1;
    }
    d = util_strdup(v);
    if (d == NULL) {
        c->oom = 1;
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
    yaml_node_t *n = get(c, m, key);
    char p[PATHLEN];
    char d[64];
    const char *v;
    double x;

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    join(p, sizeof(p), path, key);
    v = want_scalar(c, n, p, "a number");
    if (v == NULL)
        return -1;
    /* Like Go's YAML decoders: quoting makes a string, and a string is no number. */
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || util_parse_double(v, &x) != 0) {
        err(c, n, p, "expected a number, got %s", describe(n, d, sizeof(d)));
        return -1;
    }
    if (!isfinite(x)) {
        err(c, n, p, "expected a finite number, got %s", v);
        return -1;
    }
    *out = x;
    if (text != NULL)
        *text = v;
    return 0;
}

static int get_bool(struct ctx *c, yaml_node_t *m, const char *path, const char *key, int *out)
{
    static const char *const yes[] = {"true", "True", "TRUE"};
    static const char *const no[] = {"false", "False", "FALSE"};
    yaml_node_t *n = get(c, m, key);
    char p[PATHLEN];
    char d[64];

    if (n == NULL)
        return 1;
    join(p, sizeof(p), path, key);
    if (!tag_ok(c, n, p))
        return -1;
    if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        for (size_t i = 0; i < 3; i++) {
            if (strcmp(sval(n), yes[i]) == 0) {
                *out = 1;
                return 0;
            }
            if (strcmp(sval(n), no[i]) == 0) {
                *out = 0;
                return 0;
            }
        }
    }
    err(c, n, p, "expected true or false, got %s", describe(n, d, sizeof(d)));
    return -1;
}

/* A Prometheus duration, quoted or not. 0 set, 1 absent, -1 reported error. */
static int get_duration(struct ctx *c, yaml_node_t *m, const char *path, const char *key,
                        int flags, int64_t *out)
{
    yaml_node_t *n = get(c, m, key);
    char p[PATHLEN];
    const char *v;
    struct err e = {{0}};

    if (n == NULL) {
        if (flags & F_REQUIRED)
            missing(c, m, path, key);
        return 1;
    }
    join(p, sizeof(p), path, key);
    v = want_scalar(c, n, p, "a duration like 30s, 5m or 7d");
    if (v == NULL)
        return -1;
    if (util_duration_parse(v, out, 0, &e) != 0) {
        err(c, n, p, "%s", e.msg);
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
        err(c, n, path, "invalid label name \"%s\" (must match [a-zA-Z_][a-zA-Z0-9_]*)", name);
        return -1;
    }
    /* Prometheus keeps __* for itself (__name__, __address__, ...). */
    if (strncmp(name, "__", 2) == 0) {
        err(c, n, path, "label names starting with \"__\" are reserved (\"%s\")", name);
        return -1;
    }
    if (reserved && config_label_reserved(name)) {
        err(c, n, path, "label \"%s\" is reserved by slo-sidecar", name);
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
            err(c, k, path, "invalid header name \"%s\"", name);
            return -1;
        }
        /* Secrets in the config file end up in logs, dumps and repositories. */
        if (strcasecmp(name, "Authorization") == 0) {
            err(c, k, path,
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
    yaml_node_t *n = get_opt(c, m, key);
    char p[PATHLEN];
    size_t cnt;

    if (n == NULL)
        return;
    join(p, sizeof(p), path, key);
    if (want_map(c, n, p) != 0)
        return;
    cnt = (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
    if (cnt > MAX_ENTRIES) {
        err(c, n, p, "has %zu entries; at most %d are allowed", cnt, MAX_ENTRIES);
        return;
    }
    for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < n->data.mapping.pairs.top; q++) {
        yaml_node_t *k = node(c, q->key);
        yaml_node_t *v = node(c, q->value);
        const char *name = want_scalar(c, k, p, "a name");
        const char *value;
        char vp[PATHLEN];
        int dup = 0;

        if (name == NULL)
            continue;
        for (yaml_node_pair_t *r = n->data.mapping.pairs.start; r < q && !dup; r++) {
            yaml_node_t *k2 = node(c, r->key);

            dup = k2->type == YAML_SCALAR_NODE && strcmp(sval(k2), name) == 0;
        }
        if (dup) {
            err(c, k, p, "duplicate field \"%s\"", name);
            continue;
        }
        join(vp, sizeof(vp), p, name);
        value = want_scalar(c, v, vp, "a string");
        if (map_key_ok(c, k, p, name, kind) != 0 || value == NULL)
            continue;
        if (kind == MAP_HEADERS) {
            int bad = 0;

            /* CR or LF would let a value smuggle in more headers. */
            for (const char *s = value; *s; s++)
                bad |= ((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f;
            if (bad) {
                err(c, v, vp, "header values cannot contain control characters");
                continue;
            }
        }
        if (labels_set(out, name, value) != 0)
            c->oom = 1;
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
    join(p, sizeof(p), path, key);
    if (selector_parse(*text, sel, &e) != 0) {
        err(c, get(c, m, key), p, "invalid selector: %s", e.msg);
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
    yaml_node_t *n = get(c, m, key);
    const char *rest;

    if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else {
        err(c, n, path, "must start with http:// or https://, got \"%s\"", url);
        return -1;
    }
    if (*rest == '\0' || *rest == '/') {
        err(c, n, path, "has no host: \"%s\"", url);
        return -1;
    }
    for (const char *s = url; *s; s++) {
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) {
            err(c, n, path, "must not contain spaces or control characters");
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

    if (v == NULL || check_keys(c, v, path, keys, NELEMS(keys)) != 0)
        return;
    if (get_num(c, v, path, "max_attempts", 0, &x, &text) != 0)
        return;
    if (x < 1 || x > CONFIG_MAX_ATTEMPTS || x != floor(x))
        err(c, get(c, v, "max_attempts"), "global.prometheus.retries.max_attempts",
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
            err(c, get(c, n, "concurrency"), "global.prometheus.concurrency",
                "must be a whole number from 1 to %d, got %s", CONFIG_MAX_CONCURRENCY, text);
        else
            p->concurrency = (int)x;
    }
    if (get_num(c, n, path, "read_max_samples", 0, &x, &text) == 0) {
        if (x < CONFIG_MIN_READ_MAX_SAMPLES || x > CONFIG_MAX_READ_MAX_SAMPLES ||
            x != floor(x))
            err(c, get(c, n, "read_max_samples"), "global.prometheus.read_max_samples",
                "must be a whole number from %d to %d, got %s", CONFIG_MIN_READ_MAX_SAMPLES,
                CONFIG_MAX_READ_MAX_SAMPLES, text);
        else
            p->read_max_samples = (size_t)x;
    }
}

static void parse_prometheus(struct ctx *c, yaml_node_t *n, struct config_prometheus *p)
{
    static const char *const keys[] = {"url",        "mode",        "timeout",
                                       "read_path",  "headers",     "bearer_token_file",
                                       "basic_auth", "tls",         "read_response",
                                       "retries",    "concurrency", "read_max_samples"};
    static const char *const ba_keys[] = {"username", "password_file"};
    static const char *const tls_keys[] = {"ca_file", "cert_file", "key_file",
                                           "insecure_skip_verify"};
    const char *path = "global.prometheus";
    char *mode = NULL;
    yaml_node_t *v;

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
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
            err(c, get(c, n, "mode"), "global.prometheus.mode",
                "must be promql, remote_read or api_read, got \"%s\"", mode);
    }
    free(mode);
    mode = NULL;
    if (get_str(c, n, path, "read_response", 0, &mode) == 0) {
        if (strcmp(mode, "samples") == 0)
            p->read_samples = 1;
        else if (strcmp(mode, "chunks") != 0)
            err(c, get(c, n, "read_response"), "global.prometheus.read_response",
                "must be chunks or samples, got \"%s\"", mode);
    }
    free(mode);
    get_duration(c, n, path, "timeout", 0, &p->timeout_ms);
    parse_retries(c, get_opt(c, n, "retries"), p);
    parse_counts(c, n, p);
    if (get_str(c, n, path, "read_path", 0, &p->read_path) == 0 && p->read_path[0] != '/')
        err(c, get(c, n, "read_path"), "global.prometheus.read_path",
            "must start with \"/\", got \"%s\"", p->read_path);
    get_map(c, n, path, "headers", MAP_HEADERS, &p->headers);
    get_str(c, n, path, "bearer_token_file", F_NONEMPTY, &p->bearer_token_file);
    v = get(c, n, "basic_auth");
    if (v != NULL && check_keys(c, v, "global.prometheus.basic_auth", ba_keys, 2) == 0) {
        get_str(c, v, "global.prometheus.basic_auth", "username", F_REQUIRED | F_NONEMPTY,
                &p->basic_username);
        get_str(c, v, "global.prometheus.basic_auth", "password_file", F_REQUIRED | F_NONEMPTY,
                &p->basic_password_file);
        if (get(c, n, "bearer_token_file") != NULL)
            err(c, v, "global.prometheus.basic_auth",
                "basic_auth and bearer_token_file cannot both be set");
    }
    v = get_opt(c, n, "tls");
    if (v != NULL && check_keys(c, v, "global.prometheus.tls", tls_keys, 4) == 0) {
        const char *tp = "global.prometheus.tls";

        get_str(c, v, tp, "ca_file", F_NONEMPTY, &p->ca_file);
        get_str(c, v, tp, "cert_file", F_NONEMPTY, &p->cert_file);
        get_str(c, v, tp, "key_file", F_NONEMPTY, &p->key_file);
        get_bool(c, v, tp, "insecure_skip_verify", &p->insecure_skip_verify);
        if ((get(c, v, "cert_file") == NULL) != (get(c, v, "key_file") == NULL))
            err(c, v, tp, "cert_file and key_file must be set together");
    }
}

static void parse_status(struct ctx *c, yaml_node_t *v, struct config *cfg)
{
    static const char *const keys[] = {"warning", "critical"};
    const char *path = "global.status";
    int bad = 0;
    int rc;

    if (check_keys(c, v, path, keys, 2) != 0)
        return;
    rc = get_num(c, v, path, "warning", 0, &cfg->status_warning, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_warning > 0 && cfg->status_warning <= 1))) {
        if (rc == 0)
            err(c, get(c, v, "warning"), "global.status.warning",
                "must be greater than 0 and at most 1, got %g", cfg->status_warning);
        bad = 1;
    }
    rc = get_num(c, v, path, "critical", 0, &cfg->status_critical, NULL);
    if (rc < 0 || (rc == 0 && !(cfg->status_critical > 0 && cfg->status_critical <= 1))) {
        if (rc == 0)
            err(c, get(c, v, "critical"), "global.status.critical",
                "must be greater than 0 and at most 1, got %g", cfg->status_critical);
        bad = 1;
    }
    if (!bad && cfg->status_warning >= cfg->status_critical)
        err(c, v, path, "warning (%g) must be below critical (%g)", cfg->status_warning,
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
    if (want_map(c, n, path) != 0 || check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    join(p, sizeof(p), path, "url");
    if (get_str(c, n, path, "url", F_REQUIRED | F_NONEMPTY, &w->url) == 0)
        http_url_ok(c, n, p, "url", w->url);
    if (get_duration(c, n, path, "timeout", 0, &w->timeout_ms) == 0 && w->timeout_ms < 100) {
        join(p, sizeof(p), path, "timeout");
        err(c, get(c, n, "timeout"), p, "must be at least 100ms");
    }
    if (get_num(c, n, path, "max_attempts", 0, &x, &text) == 0) {
        join(p, sizeof(p), path, "max_attempts");
        if (x < 1 || x > CONFIG_WEBHOOK_MAX_ATTEMPTS || x != floor(x))
            err(c, get(c, n, "max_attempts"), p,
                "must be a whole number from 1 (no retries) to %d, got %s",
                CONFIG_WEBHOOK_MAX_ATTEMPTS, text);
        else
            w->max_attempts = (int)x;
    }
    get_map(c, n, path, "headers", MAP_HEADERS, &w->headers);
    ev = get_opt(c, n, "events");
    if (ev == NULL)
        return;
    join(p, sizeof(p), path, "events");
    if (want_seq(c, ev, p) != 0)
        return;
    w->events = 0;
    for (yaml_node_item_t *it = ev->data.sequence.items.start; it < ev->data.sequence.items.top;
         it++) {
        yaml_node_t *item = node(c, *it);
        char ip[PATHLEN];
        const char *v;

        join_index(ip, sizeof(ip), p, (size_t)(it - ev->data.sequence.items.start));
        v = want_scalar(c, item, ip, "an event kind");
        if (v == NULL)
            continue;
        if (strcmp(v, "status") == 0)
            w->events |= CONFIG_WEBHOOK_STATUS;
        else if (strcmp(v, "alert") == 0)
            w->events |= CONFIG_WEBHOOK_ALERT;
        else
            err(c, item, ip, "unknown event kind \"%s\"; expected status or alert", v);
    }
    if (w->events == 0 && ev->data.sequence.items.top == ev->data.sequence.items.start)
        err(c, ev, p, "must list at least one of status and alert");
}

static void parse_webhooks(struct ctx *c, yaml_node_t *v, struct config *cfg)
{
    const char *path = "global.webhooks";
    size_t cnt;

    if (v == NULL || want_seq(c, v, path) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt > CONFIG_MAX_WEBHOOKS) {
        err(c, v, path, "has %zu webhooks; at most %d are allowed", cnt, CONFIG_MAX_WEBHOOKS);
        return;
    }
    if (cnt == 0)
        return;
    cfg->webhooks = calloc(cnt, sizeof(*cfg->webhooks));
    if (cfg->webhooks == NULL) {
        c->oom = 1;
        return;
    }
    cfg->nwebhooks = cnt;
    for (size_t i = 0; i < cnt; i++) {
        char ip[PATHLEN];

        labels_init(&cfg->webhooks[i].headers);
        join_index(ip, sizeof(ip), path, i);
        parse_webhook(c, node(c, v->data.sequence.items.start[i]), ip, &cfg->webhooks[i]);
    }
}

static void parse_global(struct ctx *c, yaml_node_t *n, struct config *cfg)
{
    static const char *const keys[] = {"interval",   "prometheus",    "labels",  "status",
                                       "state_file", "dashboard_url", "webhooks", "shard",
                                       "state_checkpoint_interval"};
    yaml_node_t *v;
    char *shard = NULL;

    if (check_keys(c, n, "global", keys, NELEMS(keys)) != 0)
        return;
    if (get_duration(c, n, "global", "interval", 0, &cfg->interval_ms) == 0 &&
        cfg->interval_ms < SEC_MS)
        err(c, get(c, n, "interval"), "global.interval", "must be at least 1s");
    v = get(c, n, "prometheus");
    if (v == NULL)
        missing(c, n, "global", "prometheus");
    else
        parse_prometheus(c, v, &cfg->prometheus);
    get_map(c, n, "global", "labels", MAP_SERIES_LABELS, &cfg->labels);
    v = get_opt(c, n, "status");
    if (v != NULL)
        parse_status(c, v, cfg);
    get_str(c, n, "global", "state_file", F_NONEMPTY, &cfg->state_file);
    if (get_duration(c, n, "global", "state_checkpoint_interval", 0, &cfg->checkpoint_ms) == 0 &&
        cfg->checkpoint_ms < SEC_MS)
        err(c, get(c, n, "state_checkpoint_interval"), "global.state_checkpoint_interval",
            "must be at least 1s");
    if (get_str(c, n, "global", "dashboard_url", F_NONEMPTY, &cfg->dashboard_url) == 0)
        http_url_ok(c, n, "global.dashboard_url", "dashboard_url", cfg->dashboard_url);
    parse_webhooks(c, get_opt(c, n, "webhooks"), cfg);
    if (get_str(c, n, "global", "shard", 0, &shard) == 0) {
        struct err e = {{0}};

        if (shard_parse(shard, &cfg->shard, &e) != 0)
            err(c, get(c, n, "shard"), "global.shard", "%s", e.msg);
    }
    free(shard);
}

/*
 * Requires exactly one of the fields a and b of mapping n. Returns 0 when
 * that holds, else -1 (reported).
 */
static int one_of(struct ctx *c, yaml_node_t *n, const char *path, const char *a, const char *b)
{
    int ha = get(c, n, a) != NULL, hb = get(c, n, b) != NULL;

    if (ha && hb) {
        err(c, n, path, "set only one of \"%s\" and \"%s\"", a, b);
        return -1;
    }
    if (!ha && !hb) {
        err(c, n, path, "missing required field \"%s\" or \"%s\"", a, b);
        return -1;
    }
    return 0;
}

static void parse_events(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_events *ev)
{
    static const char *const keys[] = {"error", "good", "total"};

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
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

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    if (get_selector(c, n, path, "histogram", F_REQUIRED, &l->histogram, &l->histogram_sel) == 0) {
        const char *m = l->histogram_sel->metric;
        size_t len = strlen(m);

        for (size_t i = 0; i < NELEMS(suffixes); i++) {
            size_t sl = strlen(suffixes[i]);

            if (len > sl && strcmp(m + len - sl, suffixes[i]) == 0) {
                join(p, sizeof(p), path, "histogram");
                err(c, get(c, n, "histogram"), p,
                    "give the histogram's base name \"%.*s\", without \"%s\" (the sidecar "
                    "reads _bucket and _count itself)",
                    (int)(len - sl), m, suffixes[i]);
            }
        }
    }
    join(p, sizeof(p), path, "threshold");
    if (get_num(c, n, path, "threshold", F_REQUIRED, &l->threshold, NULL) == 0 &&
        !(l->threshold > 0))
        err(c, get(c, n, "threshold"), p, "must be greater than 0 (seconds), got %g",
            l->threshold);
}

static void parse_timeslice(struct ctx *c, yaml_node_t *n, const char *path,
                            struct config_sli_timeslice *t)
{
    static const char *const keys[] = {"gauge", "age", "op", "value", "slice"};
    static const char *const ops[] = {"<", "<=", ">", ">=", "==", "!="};
    char *op = NULL;
    char p[PATHLEN];

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    get_selector(c, n, path, "gauge", F_REQUIRED, &t->gauge, &t->gauge_sel);
    get_bool(c, n, path, "age", &t->age);
    if (get_str(c, n, path, "op", F_REQUIRED, &op) == 0) {
        size_t i;

        for (i = 0; i < NELEMS(ops); i++)
            if (strcmp(op, ops[i]) == 0)
                break;
        join(p, sizeof(p), path, "op");
        if (i == NELEMS(ops))
            err(c, get(c, n, "op"), p, "must be one of < <= > >= == !=, got \"%s\"", op);
        else
            t->op = (enum config_cmp)i;
    }
    free(op);
    get_num(c, n, path, "value", F_REQUIRED, &t->value, NULL);
    join(p, sizeof(p), path, "slice");
    if (get_duration(c, n, path, "slice", 0, &t->slice_ms) == 0) {
        /*
         * Every window is cut into whole slices. The standard windows are all
         * multiples of 5m, so a slice that divides 5m tiles each of them
         * exactly and no window loses a partial slice at its edge.
         */
        if (t->slice_ms < SEC_MS)
            err(c, get(c, n, "slice"), p, "must be at least 1s");
        else if (t->slice_ms > SHORTEST_WINDOW_MS)
            err(c, get(c, n, "slice"), p, "must be at most 5m, the shortest alert window");
        else if (SHORTEST_WINDOW_MS % t->slice_ms != 0)
            err(c, get(c, n, "slice"), p,
                "must divide 5m evenly (e.g. 10s, 30s, 1m, 5m) so that slices tile every "
                "alert window");
    }
}

static void parse_promql(struct ctx *c, yaml_node_t *n, const char *path,
                         struct config_sli_promql *q)
{
    static const char *const keys[] = {"error_query", "good_query", "total_query"};

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    if (one_of(c, n, path, "error_query", "good_query") == 0) {
        get_str(c, n, path, "error_query", F_NONEMPTY, &q->error_query);
        get_str(c, n, path, "good_query", F_NONEMPTY, &q->good_query);
    }
    get_str(c, n, path, "total_query", F_REQUIRED | F_NONEMPTY, &q->total_query);
    /* The exact modes count raw samples themselves; they run no free PromQL. */
    if (c->cfg->prometheus.mode != CONFIG_MODE_PROMQL)
        err(c, n, path,
            "promql SLIs need mode: promql (global.prometheus.mode is %s)",
            c->cfg->prometheus.mode == CONFIG_MODE_API_READ ? "api_read" : "remote_read");
}

static void parse_sli(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"events", "latency", "timeslice", "promql"};
    yaml_node_t *kinds[4];
    char p[PATHLEN];
    int count = 0;
    size_t which = 0;

    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    for (size_t i = 0; i < NELEMS(keys); i++) {
        kinds[i] = get(c, n, keys[i]);
        if (kinds[i] != NULL) {
            count++;
            which = i;
        }
    }
    if (count != 1) {
        err(c, n, path, "sli must have exactly one of events, latency, timeslice, promql");
        return;
    }
    join(p, sizeof(p), path, keys[which]);
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

    if (n == NULL || check_keys(c, n, path, keys, NELEMS(keys)) != 0)
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

    if (check_keys(c, row, p, keys, NELEMS(keys)) != 0)
        return -1;
    if (get_str(c, row, p, "severity", F_REQUIRED, &sev) == 0) {
        if (strcmp(sev, "page") == 0)
            w->severity = CONFIG_SEVERITY_PAGE;
        else if (strcmp(sev, "ticket") == 0)
            w->severity = CONFIG_SEVERITY_TICKET;
        else {
            join(q, sizeof(q), p, "severity");
            err(c, get(c, row, "severity"), q, "must be page or ticket, got \"%s\"", sev);
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
        join(q, sizeof(q), p, "short");
        err(c, get(c, row, "short"), q, "must be shorter than long");
        ok = 0;
    }
    /* A window longer than the period would count events from before it. */
    if (durations && slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        w->long_ms > slo->period_ms) {
        join(q, sizeof(q), p, "long");
        err(c, get(c, row, "long"), q, "must not be longer than the period (%s)",
            slo->period_name);
        ok = 0;
    }
    if (get_num(c, row, p, "factor", F_REQUIRED, &w->factor, NULL) != 0) {
        ok = 0;
    } else if (!(w->factor > 0)) {
        join(q, sizeof(q), p, "factor");
        err(c, get(c, row, "factor"), q, "must be greater than 0, got %g", w->factor);
        ok = 0;
    }
    return ok ? 0 : -1;
}

static void parse_windows(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    size_t cnt;
    struct config_alert_window *w;

    if (want_seq(c, n, path) != 0)
        return;
    cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    if (cnt == 0) {
        err(c, n, path, "needs at least one row (leave windows out for the default table)");
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
        char p[PATHLEN];

        join_index(p, sizeof(p), path, i);
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
    join(p, sizeof(p), path, "period");
    for (size_t i = 0; i < NELEMS(calendars); i++) {
        if (strcmp(slo->period_name, calendars[i].name) == 0) {
            slo->period_kind = calendars[i].kind;
            return;
        }
    }
    if (util_duration_parse(slo->period_name, &slo->period_ms, 0, &e) != 0) {
        err(c, get(c, n, "period"), p,
            "%s; or use calendar_week, calendar_month, calendar_quarter", e.msg);
        slo->period_ms = 0;
    } else if (slo->period_ms < HOUR_MS) {
        err(c, get(c, n, "period"), p, "must be at least 1h, got %s", slo->period_name);
        slo->period_ms = 0;
    }
}

/*
 * timezone: the IANA zone whose local midnight starts a calendar period,
 * loaded here (once per config load) so evaluations never read files.
 */
static void parse_timezone(struct ctx *c, yaml_node_t *n, const char *path,
                           struct config_slo *slo)
{
    char p[PATHLEN];
    struct err e = {{0}};

    if (get_str(c, n, path, "timezone", F_NONEMPTY, &slo->timezone) != 0 ||
        slo->timezone == NULL)
        return;
    join(p, sizeof(p), path, "timezone");
    if (slo->period_name != NULL && slo->period_kind == CONFIG_PERIOD_ROLLING) {
        err(c, get(c, n, "timezone"), p,
            "only calendar periods have a time zone (period is %s)", slo->period_name);
        return;
    }
    slo->tz = tzinfo_load(slo->timezone, &e);
    if (slo->tz == NULL)
        err(c, get(c, n, "timezone"), p, "%s", e.msg);
}

static void parse_group_by(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    yaml_node_t *v = get_opt(c, n, "group_by");
    char p[PATHLEN];
    size_t cnt;

    if (v == NULL)
        return;
    join(p, sizeof(p), path, "group_by");
    if (want_seq(c, v, p) != 0)
        return;
    cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (cnt == 0)
        return;
    if (cnt > MAX_ENTRIES) {
        err(c, v, p, "has %zu labels; at most %d are allowed", cnt, MAX_ENTRIES);
        return;
    }
    slo->group_by = calloc(cnt, sizeof(char *));
    if (slo->group_by == NULL) {
        c->oom = 1;
        return;
    }
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = node(c, v->data.sequence.items.start[i]);
        char ip[PATHLEN];
        const char *name;
        int dup = 0;

        join_index(ip, sizeof(ip), p, i);
        name = want_scalar(c, item, ip, "a label name");
        if (name == NULL || label_ok(c, item, ip, name, 1) != 0)
            continue;
        /* The first ngroup_by entries are set; the analyser cannot tell. */
        for (size_t k = 0; k < slo->ngroup_by; k++)
            dup |= strcmp(slo->group_by[k], name) == 0; /* NOLINT(clang-analyzer-core.NonNullParamChecker) */
        if (dup) {
            err(c, item, ip, "duplicate label \"%s\"", name);
            continue;
        }
        /* The group's value comes from the data; a fixed label would hide it. */
        if (labels_get(&slo->labels, name) != NULL || labels_get(&c->cfg->labels, name) != NULL) {
            err(c, item, ip, "label \"%s\" is also set in %s; a series cannot have both", name,
                labels_get(&slo->labels, name) != NULL ? "labels" : "global.labels");
            continue;
        }
        slo->group_by[slo->ngroup_by] = util_strdup(name);
        if (slo->group_by[slo->ngroup_by] == NULL) {
            c->oom = 1;
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
        join(p, sizeof(p), path, "max_groups");
        if (slo->ngroup_by == 0)
            err(c, get(c, n, "max_groups"), p, "needs group_by");
        else if (x < 1 || x > CONFIG_MAX_MAX_GROUPS || x != floor(x))
            err(c, get(c, n, "max_groups"), p, "must be a whole number from 1 to %d, got %s",
                CONFIG_MAX_MAX_GROUPS, text);
        else
            slo->max_groups = (size_t)x;
    }
    if (get_duration(c, n, path, "group_ttl", 0, &slo->group_ttl_ms) == 0) {
        join(p, sizeof(p), path, "group_ttl");
        if (slo->ngroup_by == 0)
            err(c, get(c, n, "group_ttl"), p, "needs group_by");
        else if (slo->group_ttl_ms < 60 * SEC_MS)
            err(c, get(c, n, "group_ttl"), p, "must be at least 1m");
    }
}

static void parse_alerting(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"page", "ticket", "windows", "runbook_url"};
    yaml_node_t *v = get_opt(c, n, "alerting");
    char p[PATHLEN];
    char q[PATHLEN];

    join(p, sizeof(p), path, "alerting");
    if (v == NULL || check_keys(c, v, p, keys, NELEMS(keys)) != 0)
        return;
    if (get_str(c, v, p, "runbook_url", F_NONEMPTY, &slo->runbook_url) == 0) {
        join(q, sizeof(q), p, "runbook_url");
        http_url_ok(c, v, q, "runbook_url", slo->runbook_url);
    }
    join(q, sizeof(q), p, "page");
    parse_route(c, get_opt(c, v, "page"), q, &slo->page);
    join(q, sizeof(q), p, "ticket");
    parse_route(c, get_opt(c, v, "ticket"), q, &slo->ticket);
    if (get(c, v, "windows") != NULL) {
        join(q, sizeof(q), p, "windows");
        parse_windows(c, get(c, v, "windows"), q, slo);
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
    yaml_node_t *w = get(c, get_opt(c, n, "alerting"), "windows");
    int64_t s = slo->timeslice.slice_ms;
    char p[PATHLEN];
    char sl[32];

    if (slo->kind != CONFIG_SLI_TIMESLICE || s < SEC_MS || SHORTEST_WINDOW_MS % s != 0)
        return;
    if (util_duration_format(s, sl, sizeof(sl)) != 0)
        sl[0] = '\0';
    if (slo->period_kind == CONFIG_PERIOD_ROLLING && slo->period_ms > 0 &&
        slo->period_ms % s != 0) {
        join(p, sizeof(p), path, "period");
        err(c, get(c, n, "period"), p, "must be a multiple of the time slice (%s)", sl);
    }
    /* The default table's windows are all multiples of 5m, so only custom
     * rows can miss; they sit in w one for one. */
    if (w == NULL || w->type != YAML_SEQUENCE_NODE)
        return;
    for (size_t i = 0; i < slo->nwindows; i++) {
        if ((slo->windows[i].long_ms > 0 && slo->windows[i].long_ms % s != 0) ||
            (slo->windows[i].short_ms > 0 && slo->windows[i].short_ms % s != 0)) {
            char q[PATHLEN];

            join(q, sizeof(q), path, "alerting.windows");
            join_index(p, sizeof(p), q, i);
            err(c, node(c, w->data.sequence.items.start[i]), p,
                "long and short must be multiples of the time slice (%s)", sl);
        }
    }
}

static void parse_slo(struct ctx *c, yaml_node_t *n, const char *path, struct config_slo *slo)
{
    static const char *const keys[] = {"name",     "service",  "description", "objective",
                                       "period",   "timezone", "labels",      "group_by",
                                       "sli",      "alerting", "max_groups",  "group_ttl"};
    const char *text = NULL;
    char p[PATHLEN];
    yaml_node_t *v;

    slo->line = (int)n->start_mark.line + 1;
    if (check_keys(c, n, path, keys, NELEMS(keys)) != 0)
        return;
    if (get_str(c, n, path, "name", F_REQUIRED | F_NONEMPTY, &slo->name) == 0 &&
        !slo_name_ok(slo->name)) {
        join(p, sizeof(p), path, "name");
        err(c, get(c, n, "name"), p, "invalid name \"%s\" (use [a-zA-Z0-9_.-]+)", slo->name);
    }
    get_str(c, n, path, "service", F_REQUIRED | F_NONEMPTY, &slo->service);
    get_str(c, n, path, "description", 0, &slo->description);
    join(p, sizeof(p), path, "objective");
    if (get_num(c, n, path, "objective", F_REQUIRED, &slo->objective_percent, &text) == 0) {
        if (!(slo->objective_percent > 0 && slo->objective_percent < 100))
            err(c, get(c, n, "objective"), p, "must be between 0 and 100 (exclusive), got %s",
                text);
        else
            slo->objective = percent_to_ratio(text, slo->objective_percent);
    }
    parse_period(c, n, path, slo);
    parse_timezone(c, n, path, slo);
    get_map(c, n, path, "labels", MAP_SERIES_LABELS, &slo->labels);
    parse_group_by(c, n, path, slo);
    parse_group_limits(c, n, path, slo);
    v = get(c, n, "sli");
    join(p, sizeof(p), path, "sli");
    if (v == NULL)
        missing(c, n, path, "sli");
    else
        parse_sli(c, v, p, slo);
    parse_alerting(c, n, path, slo);
    if (slo->windows == NULL) {
        slo->windows = malloc(sizeof(config_default_windows));
        if (slo->windows == NULL) {
            c->oom = 1;
            return;
        }
        memcpy(slo->windows, config_default_windows, sizeof(config_default_windows));
        slo->nwindows = NELEMS(config_default_windows);
    }
    check_slices(c, n, path, slo);
    if (slo->description == NULL) {
        slo->description = util_strdup("");
        if (slo->description == NULL)
            c->oom = 1;
    }
}

static void parse_slos(struct ctx *c, yaml_node_t *s, struct config *cfg)
{
    size_t cnt;

    if (want_seq(c, s, "slos") != 0)
        return;
    cnt = (size_t)(s->data.sequence.items.top - s->data.sequence.items.start);
    if (cnt == 0) {
        err(c, s, "slos", "at least one SLO is needed");
        return;
    }
    if (cnt > MAX_SLOS) {
        err(c, s, "slos", "has %zu SLOs; at most %d are allowed in one file", cnt, MAX_SLOS);
        return;
    }
    cfg->slos = calloc(cnt, sizeof(*cfg->slos));
    if (cfg->slos == NULL) {
        c->oom = 1;
        return;
    }
    cfg->nslos = cnt;
    for (size_t i = 0; i < cnt; i++) {
        yaml_node_t *item = node(c, s->data.sequence.items.start[i]);
        struct config_slo *slo = &cfg->slos[i];
        char p[PATHLEN];
        char q[PATHLEN];

        join_index(p, sizeof(p), "slos", i);
        slo->timeslice.slice_ms = MIN_MS;
        parse_slo(c, item, p, slo);
        for (size_t k = 0; k < i && slo->name != NULL; k++) {
            if (cfg->slos[k].name != NULL && strcmp(cfg->slos[k].name, slo->name) == 0) {
                join(q, sizeof(q), p, "name");
                err(c, get(c, item, "name"), q,
                    "duplicate SLO name \"%s\" (first defined at line %d)", slo->name,
                    cfg->slos[k].line);
                break;
            }
        }
    }
}

static void parse_root(struct ctx *c, yaml_node_t *root, struct config *cfg)
{
    static const char *const keys[] = {"global", "slos"};
    yaml_node_t *g, *s;

    if (check_keys(c, root, "", keys, NELEMS(keys)) != 0)
        return;
    /* global first: SLO checks depend on its mode and labels. */
    g = get(c, root, "global");
    if (g == NULL)
        err(c, root, "",
            "missing required field \"global\" (global.prometheus.url is "
            "needed)");
    else
        parse_global(c, g, cfg);
    s = get(c, root, "slos");
    if (s == NULL)
        missing(c, root, "", "slos");
    else
        parse_slos(c, s, cfg);
}

static int cmp_pending(const void *a, const void *b)
{
    const struct pending *x = a, *y = b;

    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* Appends msg (owned) to errs; frees it when errs is NULL or on ENOMEM. */
static void errs_push(struct config_errors *errs, char *msg)
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

/*
 * Sorts the recorded messages into file order and hands them to errs, then
 * says how many more were found past MAX_ERRORS.
 */
static void move_errors(struct ctx *c, struct config_errors *errs)
{
    if (c->nerrs > 0) /* qsort(NULL, 0, ...) is undefined */
        qsort(c->errs, c->nerrs, sizeof(*c->errs), cmp_pending);
    for (size_t i = 0; i < c->nerrs; i++)
        errs_push(errs, c->errs[i].msg);
    if (c->dropped > 0)
        errs_push(errs, util_asprintf("%s: %zu more errors not shown (only the first %d are)",
                                      c->file, c->dropped, MAX_ERRORS));
    free(c->errs);
    c->errs = NULL;
    c->nerrs = 0;
    c->aerrs = 0;
}

/* Where in the input a reader error's byte offset lies (1-based, in characters). */
static void offset_to_mark(const char *data, size_t len, size_t off, size_t *line, size_t *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xc0) != 0x80) {
            (*col)++;
        }
    }
}

/* Records libyaml's error from a failed yaml_parser_load(). */
static void yaml_error(struct ctx *c, const yaml_parser_t *parser, const char *data, size_t len)
{
    char msg[512];
    size_t line, col;

    switch (parser->error) {
    case YAML_MEMORY_ERROR:
        c->oom = 1;
        return;
    case YAML_READER_ERROR:
        /* The reader knows only a byte offset, not a mark. */
        offset_to_mark(data, len, parser->problem_offset, &line, &col);
        if (parser->problem_value != -1)
            snprintf(msg, sizeof(msg), "yaml: %s (byte 0x%02x)",
                     parser->problem ? parser->problem : "cannot read the input",
                     (unsigned)parser->problem_value & 0xffu);
        else
            snprintf(msg, sizeof(msg), "yaml: %s",
                     parser->problem ? parser->problem : "cannot read the input");
        add(c, line, col, msg);
        return;
    default:
        break;
    }
    if (parser->context != NULL && parser->context_mark.line != parser->problem_mark.line)
        snprintf(msg, sizeof(msg), "yaml: %s %s that started at line %zu",
                 parser->problem ? parser->problem : "syntax error", parser->context,
                 (size_t)parser->context_mark.line + 1);
    else if (parser->context != NULL)
        snprintf(msg, sizeof(msg), "yaml: %s %s",
                 parser->problem ? parser->problem : "syntax error", parser->context);
    else
        snprintf(msg, sizeof(msg), "yaml: %s", parser->problem ? parser->problem : "syntax error");
    /* libyaml's words for a tab say nothing about tabs. */
    if (parser->problem_mark.index < len && data[parser->problem_mark.index] == '\t') {
        size_t l = strlen(msg);

        snprintf(msg + l, sizeof(msg) - l, " (a tab: YAML indents with spaces only)");
    }
    add(c, parser->problem_mark.line + 1, parser->problem_mark.column + 1, msg);
}

/*
 * The first pass: scans data's tokens and refuses more than MAX_TOKENS of
 * them, nesting deeper than MAX_DEPTH, and more than MAX_ANCHORS anchors,
 * MAX_ALIASES aliases or MAX_DIRECTIVES directives, at the first one too
 * many. Returns 0 within the limits and when the scanner fails (the load
 * reports that error), -1 past a limit or out of memory (reported).
 */
static int check_tokens(struct ctx *c, const char *data, size_t len)
{
    yaml_parser_t parser;
    yaml_token_t tok;
    size_t tokens = 0, depth = 0, anchors = 0, aliases = 0, directives = 0;
    int rc = 0;

    if (!yaml_parser_initialize(&parser)) {
        c->oom = 1;
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    for (;;) {
        char msg[128] = "";
        int end;

        if (!yaml_parser_scan(&parser, &tok)) {
            if (parser.error == YAML_MEMORY_ERROR) {
                c->oom = 1;
                rc = -1;
            }
            break;
        }
        if (++tokens > MAX_TOKENS)
            snprintf(msg, sizeof(msg), "yaml: more than %d tokens (keys, values and punctuation)",
                     MAX_TOKENS);
        switch (tok.type) {
        case YAML_BLOCK_SEQUENCE_START_TOKEN:
        case YAML_BLOCK_MAPPING_START_TOKEN:
        case YAML_FLOW_SEQUENCE_START_TOKEN:
        case YAML_FLOW_MAPPING_START_TOKEN:
            if (++depth > MAX_DEPTH)
                snprintf(msg, sizeof(msg), "yaml: collections nested more than %d levels deep",
                         MAX_DEPTH);
            break;
        case YAML_BLOCK_END_TOKEN:
        case YAML_FLOW_SEQUENCE_END_TOKEN:
        case YAML_FLOW_MAPPING_END_TOKEN:
            if (depth > 0)
                depth--;
            break;
        case YAML_ANCHOR_TOKEN:
            if (++anchors > MAX_ANCHORS)
                snprintf(msg, sizeof(msg), "yaml: more than %d anchors (&name)", MAX_ANCHORS);
            break;
        case YAML_ALIAS_TOKEN:
            if (++aliases > MAX_ALIASES)
                snprintf(msg, sizeof(msg), "yaml: more than %d aliases (*name)", MAX_ALIASES);
            break;
        case YAML_VERSION_DIRECTIVE_TOKEN:
        case YAML_TAG_DIRECTIVE_TOKEN:
            if (++directives > MAX_DIRECTIVES)
                snprintf(msg, sizeof(msg), "yaml: more than %d directives (%%TAG, %%YAML)",
                         MAX_DIRECTIVES);
            break;
        default:
            break;
        }
        if (msg[0] != '\0') {
            add(c, tok.start_mark.line + 1, tok.start_mark.column + 1, msg);
            rc = -1;
        }
        end = tok.type == YAML_STREAM_END_TOKEN;
        yaml_token_delete(&tok);
        if (end || rc != 0)
            break;
    }
    yaml_parser_delete(&parser);
    return rc;
}

/*
 * Adds to *nodes and *bytes the nodes and scalar bytes of n and what it
 * holds down to level WALK_DEPTH (n is at level), every alias counted as a
 * copy of what it points to, which is how the walk sees them. Stops past
 * MAX_NODES or twice CONFIG_MAX_BYTES (escapes like \L make a scalar longer
 * than its source, so a file without aliases may have a little more text
 * than bytes) and returns -1 then, else 0.
 */
static int measure(struct ctx *c, yaml_node_t *n, int level, size_t *nodes, size_t *bytes)
{
    if (++*nodes > MAX_NODES)
        return -1;
    if (n->type == YAML_SCALAR_NODE) {
        *bytes += n->data.scalar.length;
        return *bytes > 2 * (size_t)CONFIG_MAX_BYTES ? -1 : 0;
    }
    if (level >= WALK_DEPTH)
        return 0;
    if (n->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++)
            if (measure(c, node(c, *i), level + 1, nodes, bytes) != 0)
                return -1;
    } else if (n->type == YAML_MAPPING_NODE) {
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
             p++)
            if (measure(c, node(c, p->key), level + 1, nodes, bytes) != 0 ||
                measure(c, node(c, p->value), level + 1, nodes, bytes) != 0)
                return -1;
    }
    return 0;
}

/* Refuses (reported) a document too big once its aliases are expanded. */
static int check_size(struct ctx *c, yaml_node_t *root)
{
    size_t nodes = 0, bytes = 0;

    if (measure(c, root, 1, &nodes, &bytes) == 0)
        return 0;
    if (nodes > MAX_NODES)
        err(c, NULL, NULL,
            "the document has more than %d YAML nodes (an alias counts as a copy of what it "
            "points to)",
            MAX_NODES);
    else
        err(c, NULL, NULL,
            "the document has more than %zu bytes of text (an alias counts as a copy of what "
            "it points to)",
            2 * (size_t)CONFIG_MAX_BYTES);
    return -1;
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

int config_parse(const char *name, const char *data, size_t len, struct config **out,
                 struct config_errors *errs)
{
    struct ctx c;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    struct config *cfg = NULL;
    int have_parser = 0, have_doc = 0;
    yaml_node_t *root;

    *out = NULL;
    memset(&c, 0, sizeof(c));
    c.file = name;
    /* libyaml asserts on a NULL input, even an empty one. */
    if (data == NULL) {
        data = "";
        len = 0;
    }
    if (len > CONFIG_MAX_BYTES) {
        err(&c, NULL, NULL, "file is larger than the limit of %u bytes", CONFIG_MAX_BYTES);
        goto done;
    }
    if (check_tokens(&c, data, len) != 0)
        goto done;
    if (!yaml_parser_initialize(&parser)) {
        c.oom = 1;
        goto done;
    }
    have_parser = 1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_error(&c, &parser, data, len);
        goto done;
    }
    have_doc = 1;
    root = yaml_document_get_root_node(&doc);
    if (root == NULL || is_null(root)) {
        err(&c, NULL, NULL, "empty document: expected a mapping with global and slos");
        goto done;
    }
    c.doc = &doc;
    if (check_size(&c, root) != 0)
        goto done;
    /*
     * Content in a second document would be ignored silently. Empty ones
     * (a trailing "---") hold nothing to lose and are let through.
     */
    for (;;) {
        yaml_node_t *r2;
        int end, content;

        if (!yaml_parser_load(&parser, &extra)) {
            yaml_error(&c, &parser, data, len);
            break;
        }
        r2 = yaml_document_get_root_node(&extra);
        end = r2 == NULL;
        content = r2 != NULL && !is_null(r2);
        if (content)
            err(&c, r2, NULL, "more than one YAML document; put everything in one");
        yaml_document_delete(&extra);
        if (end || content)
            break;
    }
    cfg = config_new(name);
    if (cfg == NULL) {
        c.oom = 1;
        goto done;
    }
    c.cfg = cfg;
    parse_root(&c, root, cfg);
done:
    if (c.oom)
        add(&c, 0, 0, "out of memory while loading the config");
    if (have_doc)
        yaml_document_delete(&doc);
    if (have_parser)
        yaml_parser_delete(&parser);
    if (c.nerrs > 0 || c.oom) {
        move_errors(&c, errs);
        config_free(cfg);
        return -1;
    }
    free(c.errs);
    if (cfg != NULL)
        cfg->nslos_all = cfg->nslos;
    *out = cfg;
    return 0;
}

int config_load(const char *path, struct config **out, struct config_errors *errs)
{
    FILE *f;
    struct buf b;
    char chunk[65536];
    size_t n;
    int rc = 0, saved = 0;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL) {
        errs_push(errs, util_asprintf("%s: cannot read: %s", path, strerror(errno)));
        return -1;
    }
    buf_init(&b, CONFIG_MAX_BYTES);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (buf_append(&b, chunk, n) != 0) {
            rc = b.len + n > CONFIG_MAX_BYTES ? -1 : -3;
            break;
        }
    }
    if (rc == 0 && ferror(f)) {
        saved = errno;
        rc = -2;
    }
    fclose(f);
    switch (rc) {
    case 0:
        break;
    case -1:
        errs_push(errs, util_asprintf("%s: file is larger than the limit of %u bytes", path,
                                      CONFIG_MAX_BYTES));
        goto fail;
    case -2:
        errs_push(errs, util_asprintf("%s: cannot read: %s", path,
                                      saved ? strerror(saved) : "read error"));
        goto fail;
    default:
        errs_push(errs, util_asprintf("%s: out of memory while reading the file", path));
        goto fail;
    }
    /* b.data is NULL for an empty file; libyaml wants a pointer all the same. */
    rc = config_parse(path, b.data ? b.data : "", b.len, out, errs);
    buf_free(&b);
    return rc;
fail:
    buf_free(&b);
    return -1;
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

int config_shard(struct config *cfg, const struct shard *over, const char *hostname,
                 struct err *e)
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

    return (unsigned)c < NELEMS(ops) ? ops[c] : "?";
}
