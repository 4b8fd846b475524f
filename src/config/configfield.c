/*
 * configfield: the field readers of config's parts, so that every field is
 * read, checked and reported one way whichever part reads it. See
 * configfield.h.
 */
#include "configfield.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "selector.h"
#include "util.h"

void cf_missing(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key)
{
    yr_err(&c->y, m, path, "missing required field \"%s\"", key);
}

int cf_get_str(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
               char **out)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    const char *v;
    char *d;

    if (n == NULL) {
        if (flags & CF_REQUIRED)
            cf_missing(c, m, path, key);
        return 1;
    }
    yr_join(p, sizeof(p), path, key);
    v = yr_want_scalar(&c->y, n, p, "a string", 0);
    if (v == NULL)
        return -1;
    if ((flags & CF_NONEMPTY) && *v == '\0') {
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

int cf_get_num(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
               double *out, const char **text)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    char d[64];
    const char *v;
    double x;

    if (n == NULL) {
        if (flags & CF_REQUIRED)
            cf_missing(c, m, path, key);
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

int cf_get_bool(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int *out)
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

int cf_get_duration(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                    int64_t *out)
{
    yaml_node_t *n = yr_get(&c->y, m, key);
    char p[PATHLEN];
    const char *v;
    struct err e = {{0}};

    if (n == NULL) {
        if (flags & CF_REQUIRED)
            cf_missing(c, m, path, key);
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

int cf_label_ok(struct cf_ctx *c, yaml_node_t *n, const char *path, const char *name, int reserved)
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
static int map_key_ok(struct cf_ctx *c, yaml_node_t *k, const char *path, const char *name,
                      enum cf_map_kind kind)
{
    switch (kind) {
    case CF_MAP_SERIES_LABELS:
        return cf_label_ok(c, k, path, name, 1);
    case CF_MAP_ALERT_LABELS:
        return cf_label_ok(c, k, path, name, 0);
    case CF_MAP_HEADERS:
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
    case CF_MAP_ANY:
    default:
        return 0;
    }
}

void cf_get_map(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key,
                enum cf_map_kind kind, struct labels *out)
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
    if (cnt > CF_MAX_ENTRIES) {
        yr_err(&c->y, n, p, "has %zu entries; at most %d are allowed", cnt, CF_MAX_ENTRIES);
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
        if (kind == CF_MAP_HEADERS) {
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

int cf_get_selector(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key, int flags,
                    char **text, struct selector **sel)
{
    char p[PATHLEN];
    struct err e = {{0}};
    int rc = cf_get_str(c, m, path, key, flags | CF_NONEMPTY, text);

    if (rc != 0)
        return rc;
    yr_join(p, sizeof(p), path, key);
    if (selector_parse(*text, sel, &e) != 0) {
        yr_err(&c->y, yr_get(&c->y, m, key), p, "invalid selector: %s", e.msg);
        return -1;
    }
    return 0;
}

int cf_http_url_ok(struct cf_ctx *c, yaml_node_t *m, const char *path, const char *key,
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

void cf_parse_route(struct cf_ctx *c, yaml_node_t *n, const char *path,
                    struct config_alert_route *r)
{
    static const char *const keys[] = {"labels", "annotations"};
    char d[64];
    int on;

    if (n == NULL)
        return;
    if (n->type != YAML_MAPPING_NODE) {
        if (!yr_tag_ok(&c->y, n, path))
            return;
        if (yr_plain_bool(n, &on) == 0)
            r->sw = on ? CONFIG_ALERT_ON : CONFIG_ALERT_OFF;
        else
            yr_err(&c->y, n, path,
                   "expected true, false (turns the alert off) or a mapping with labels "
                   "and annotations, got %s",
                   yr_describe(n, d, sizeof(d)));
        return;
    }
    /* Labels and annotations are for an alert that is on. */
    r->sw = CONFIG_ALERT_ON;
    if (yr_check_keys(&c->y, n, path, keys, NELEMS(keys), NULL, 0) != 0)
        return;
    cf_get_map(c, n, path, "labels", CF_MAP_ALERT_LABELS, &r->labels);
    cf_get_map(c, n, path, "annotations", CF_MAP_ANY, &r->annotations);
}
